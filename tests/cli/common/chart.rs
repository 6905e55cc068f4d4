//! Building extension repositories with the git CLI for the lifecycle tests: a `service` branch
//! with `cekops.toml`, and `test/<id>` branches holding valid ko-KR extensions.
#![allow(dead_code)]

use crate::common::Out;
use crate::common::TestEnv;
use crate::common::png;

pub type Who = [(&'static str, &'static str); 4];

/// A reviewer.
pub const ALICE: Who = [
    ("GIT_AUTHOR_NAME", "Alice Reviewer"),
    ("GIT_AUTHOR_EMAIL", "alice@example.com"),
    ("GIT_COMMITTER_NAME", "Alice Reviewer"),
    ("GIT_COMMITTER_EMAIL", "alice@example.com"),
];
/// Another reviewer.
pub const BOB: Who = [
    ("GIT_AUTHOR_NAME", "Bob Reviewer"),
    ("GIT_AUTHOR_EMAIL", "bob@example.com"),
    ("GIT_COMMITTER_NAME", "Bob Reviewer"),
    ("GIT_COMMITTER_EMAIL", "bob@example.com"),
];
/// A developer who is not a reviewer (the TestEnv default identity is `dev@example.com`).
pub const CAROL: Who = [
    ("GIT_AUTHOR_NAME", "Carol Dev"),
    ("GIT_AUTHOR_EMAIL", "carol@example.com"),
    ("GIT_COMMITTER_NAME", "Carol Dev"),
    ("GIT_COMMITTER_EMAIL", "carol@example.com"),
];

pub const CONFIG: &str =
    "[review]\nreviewers = [\"alice@example.com\", \"bob@example.com\"]\nrequired_approvals = 1\n";

/// The files of a valid ko-KR extension (passes `validate --stage service`).
pub fn extension_files(id: &str, invocation: &str) -> Vec<(String, Vec<u8>)> {
    let d = format!("extensions/{id}");
    vec![
        (
            format!("{d}/extension.toml"),
            format!(
                "id = \"{id}\"\nlanguage = \"ko-KR\"\nname = \"{invocation}\"\ninvocation_names = [\"{invocation}\"]\nprovider = \"Example Corp\"\ncontact_email = \"dev@example.com\"\nbuiltin_intents = [\"Clova.GuideIntent\", \"Clova.CancelIntent\", \"Clova.YesIntent\", \"Clova.NoIntent\"]\n"
            )
            .into_bytes(),
        ),
        (
            format!("{d}/server.toml"),
            b"endpoint = \"https://ext.example.com/clova\"\n".to_vec(),
        ),
        (
            format!("{d}/interaction-model/intents/OrderIntent.toml"),
            format!("utterances = [\"주문해줘\", \"{invocation} 시켜줘\"]\n").into_bytes(),
        ),
        (
            format!("{d}/store.toml"),
            format!(
                "[store]\ncategory = \"food-and-drink\"\ndescription = \"주문합니다. 문의: help@example.com\"\nshort_description = \"주문\"\nexample_phrases = [\"{invocation} 시작해줘\", \"{invocation}에서 주문해줘\", \"{invocation} 열어줘\"]\nsmall_icon = \"assets/small.png\"\nlarge_icon = \"assets/large.png\"\n[privacy]\npurchase = false\npersonal_info = false\nminors = true\n[review]\ndescription = \"주문. OrderIntent: 주문해줘\"\n"
            )
            .into_bytes(),
        ),
        (format!("{d}/assets/small.png"), png(108, 108)),
        (format!("{d}/assets/large.png"), png(512, 512)),
    ]
}

/// A repository in `env.root` with `service` (holding `config` as `cekops.toml`) checked out.
pub fn setup(env: &TestEnv, config: &str) {
    env.write("cekops.toml", config);
    env.git_init_commit("service", "init");
}

/// Run git with an identity.
#[track_caller]
pub fn git_as(env: &TestEnv, who: &Who, args: &[&str]) -> String {
    let out = env.git_try_in(&env.root, args, who);
    assert_eq!(out.code, 0, "git {args:?} failed: {}", out.stderr);
    out.stdout.trim_end().to_string()
}

/// Create `test/<id>` from `service` with a valid extension; returns its commit.
pub fn new_extension(env: &TestEnv, id: &str, invocation: &str) -> String {
    let back = current(env);
    env.git(&["checkout", "-q", "-b", &format!("test/{id}"), "service"]);
    for (p, c) in extension_files(id, invocation) {
        env.write(&p, c);
    }
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", &format!("new {id}")]);
    let sha = rev(env, "HEAD");
    env.git(&["checkout", "-q", &back]);
    sha
}

/// Commit one file on a branch (checking it out and back); returns the new commit.
pub fn commit_on(env: &TestEnv, branch: &str, path: &str, content: &str, msg: &str) -> String {
    let back = current(env);
    env.git(&["checkout", "-q", branch]);
    env.write(path, content);
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", msg]);
    let sha = rev(env, "HEAD");
    env.git(&["checkout", "-q", &back]);
    sha
}

/// Commit a `HelpIntent` (`utterances = ["도와줘"]`) to the extension on `test/<id>`; returns the
/// new commit.
pub fn commit_help_intent(env: &TestEnv, id: &str, msg: &str) -> String {
    commit_on(
        env,
        &format!("test/{id}"),
        &format!("extensions/{id}/interaction-model/intents/HelpIntent.toml"),
        "utterances = [\"도와줘\"]\n",
        msg,
    )
}

/// The checked-out branch (or the commit when detached).
pub fn current(env: &TestEnv) -> String {
    let out = env.git_try_in(&env.root, &["symbolic-ref", "-q", "--short", "HEAD"], &[]);
    if out.code == 0 {
        out.stdout.trim().to_string()
    } else {
        rev(env, "HEAD")
    }
}

pub fn rev(env: &TestEnv, name: &str) -> String {
    env.git(&["rev-parse", name])
}

/// `git rev-parse --verify -q`; `None` when the ref does not exist.
pub fn try_rev(env: &TestEnv, name: &str) -> Option<String> {
    let out = env.git_try_in(&env.root, &["rev-parse", "--verify", "-q", name], &[]);
    (out.code == 0).then(|| out.stdout.trim().to_string())
}

pub fn is_ancestor(env: &TestEnv, a: &str, b: &str) -> bool {
    env.git_try_in(&env.root, &["merge-base", "--is-ancestor", a, b], &[])
        .code
        == 0
}

/// Run cekops in the repo as `who`.
pub fn as_(env: &TestEnv, who: &Who, args: &[&str]) -> Out {
    env.cekops_in(&env.root, args, who)
}

/// A record file as stored on the records branch.
pub fn record(env: &TestEnv, id: &str, n: u32) -> String {
    env.git(&["show", &format!("cekops/records:{id}/{n}.toml")])
}

/// Every ref with its value (to prove that a refused command changed nothing).
pub fn all_refs(env: &TestEnv) -> String {
    env.git(&["for-each-ref", "--format=%(refname) %(objectname)"])
}

/// A repo with one extension requested by dev and approved by alice: in service.
pub fn in_service(env: &TestEnv, id: &str, invocation: &str) {
    new_extension(env, id, invocation);
    env.cekops(&["review", "request", id, "-m", "first submission"])
        .code(0);
    as_(env, &ALICE, &["review", "approve", id]).code(0);
}
