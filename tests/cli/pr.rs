//! `cekops ci github|gitlab`: pull-request review through CI, driven by real GitHub webhook
//! payloads (`tests/fixtures/forge/github/`, from `@octokit/webhooks-examples`) and GitLab's
//! predefined CI variables, against real bare remotes.
//!
//! The developer's repository is `env.root`; the server is a bare repository (with the server
//! hook, unless the test plays GitHub, which runs none); each CI job is a fresh clone detached
//! at the pull request's head, running as the CI identity.

use std::cell::Cell;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::common::Out;
use crate::common::TestEnv;
use crate::common::chart::commit_help_intent;
use crate::common::chart::commit_on;
use crate::common::chart::new_extension;
use crate::common::chart::setup;
use crate::common::project_path;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

const ID: &str = "com.example.pizzabot";

const CONFIG: &str = "[review]\nreviewers = [\"alice@example.com\", \"bob@example.com\"]\nrequired_approvals = REQUIRED\n\n[forge]\nci_identity = \"cekops-ci@example.com\"\ngithub = { alice-gh = \"alice@example.com\", bob-gh = \"bob@example.com\", carol-gh = \"carol@example.com\", dev-gh = \"dev@example.com\" }\ngitlab = { alice = \"alice@example.com\", dev = \"dev@example.com\" }\n";

const CI: [(&str, &str); 4] = [
    ("GIT_AUTHOR_NAME", "cekops CI"),
    ("GIT_AUTHOR_EMAIL", "cekops-ci@example.com"),
    ("GIT_COMMITTER_NAME", "cekops CI"),
    ("GIT_COMMITTER_EMAIL", "cekops-ci@example.com"),
];

struct World {
    env: TestEnv,
    server: PathBuf,
    jobs: Cell<u32>,
}

impl World {
    /// `service` with the policy (`required` approvals) and `test/<ID>` with an extension, on a
    /// bare server (with `hooks install --server` when `hook`).
    fn new(required: u32, hook: bool) -> World {
        let env = TestEnv::new();
        setup(&env, &CONFIG.replace("REQUIRED", &required.to_string()));
        let server = env.tmp.path().join("server.git");
        env.git_in(
            env.tmp.path(),
            &[
                "init",
                "-q",
                "--bare",
                "-b",
                "service",
                server.to_str().unwrap(),
            ],
        );
        if hook {
            env.cekops_in(&server, &["hooks", "install", "--server"], &[])
                .code(0);
        }
        env.git(&["remote", "add", "origin", server.to_str().unwrap()]);
        new_extension(&env, ID, "피자봇");
        env.git(&["push", "-q", "origin", "service", &format!("test/{ID}")]);
        World {
            env,
            server,
            jobs: Cell::new(0),
        }
    }

    fn head(&self) -> String {
        self.server_rev(&format!("test/{ID}")).unwrap()
    }

    fn server_rev(&self, name: &str) -> Option<String> {
        let out = self
            .env
            .git_try_in(&self.server, &["rev-parse", "--verify", "-q", name], &[]);
        (out.code == 0).then(|| out.stdout.trim().to_string())
    }

    /// The record as the server has it.
    fn record(&self, n: u32) -> String {
        self.env.git_in(
            &self.server,
            &["show", &format!("cekops/records:{ID}/{n}.toml")],
        )
    }

    /// A fresh CI checkout: a clone detached at `sha` (as `actions/checkout` leaves it).
    fn checkout(&self, sha: &str) -> PathBuf {
        self.jobs.set(self.jobs.get() + 1);
        let dir = self.env.tmp.path().join(format!("job{}", self.jobs.get()));
        self.env.git_in(
            self.env.tmp.path(),
            &[
                "clone",
                "-q",
                self.server.to_str().unwrap(),
                dir.to_str().unwrap(),
            ],
        );
        self.env.git_in(&dir, &["checkout", "-q", "--detach", sha]);
        dir
    }

    /// `cekops ci github` in a fresh checkout with `payload`; returns the run and the comment
    /// file's text.
    fn github(&self, name: &str, payload: &Value) -> (Out, String) {
        self.github_in(name, payload, None)
    }

    /// The pull request opened by `dev-gh` at `head`: the review is requested.
    fn open(&self, head: &str) {
        let opened = payload("pull_request.opened.json", "dev-gh", head);
        self.github("pull_request", &opened).0.code(0);
    }

    /// [`Self::github`], recorded in a transcript.
    fn github_in(&self, name: &str, payload: &Value, t: Option<&mut Transcript>) -> (Out, String) {
        let dir = self.checkout(&self.head());
        let file = dir.join(".git/event.json");
        std::fs::write(&file, serde_json::to_string_pretty(payload).unwrap()).unwrap();
        let comment = dir.join(".git/comment.md");
        let args = ["ci", "github", "--comment-file", ".git/comment.md"];
        let envs = [
            CI[0],
            CI[1],
            CI[2],
            CI[3],
            ("GITHUB_EVENT_NAME", name),
            ("GITHUB_EVENT_PATH", file.to_str().unwrap()),
        ];
        let out = match t {
            Some(t) => t.cekops_in(&dir, &args, &envs),
            None => self.env.cekops_in(&dir, &args, &envs),
        };
        let text = std::fs::read_to_string(&comment).unwrap_or_default();
        (out, text)
    }
}

/// A payload of the package with only refs, SHAs, logins and the review rewritten.
fn payload(file: &str, author: &str, head: &str) -> Value {
    let path = project_path(&format!("tests/fixtures/forge/github/{file}"));
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let pr = &mut v["pull_request"];
    pr["head"]["ref"] = Value::from(format!("test/{ID}"));
    pr["head"]["sha"] = Value::from(head);
    pr["base"]["ref"] = Value::from("service");
    pr["user"]["login"] = Value::from(author);
    v
}

fn review(
    author: &str,
    head: &str,
    reviewer: &str,
    state: &str,
    body: &str,
    reviewed: &str,
) -> Value {
    let mut v = payload("pull_request_review.submitted.json", author, head);
    let r = &mut v["review"];
    r["user"]["login"] = Value::from(reviewer);
    r["state"] = Value::from(state);
    r["body"] = Value::from(body);
    r["commit_id"] = Value::from(reviewed);
    r["id"] = Value::from(1000 + reviewer.len() as u64);
    v
}

#[test]
fn github_opened_then_approved_fast_forwards_service() {
    let w = World::new(1, true);
    let head = w.head();
    let service = w.server_rev("service").unwrap();
    let mut t = Transcript::new(&w.env);

    let (out, comment) = w.github_in(
        "pull_request",
        &payload("pull_request.opened.json", "dev-gh", &head),
        Some(&mut t),
    );
    out.code(0);
    assert!(
        out.stdout.starts_with("<!-- cekops:plan -->\n"),
        "{}",
        out.stdout
    );
    assert_eq!(
        comment, out.stdout,
        "the comment file holds the same markdown"
    );
    let rec = w.record(1);
    assert!(rec.contains("state = \"open\""), "{rec}");
    assert!(rec.contains("email = \"dev@example.com\""), "{rec}");
    assert!(
        rec.contains("[events.forge]\nname = \"github\"\npull_request = 2\n"),
        "{rec}"
    );
    assert!(rec.contains(&format!("commit = \"{head}\"")), "{rec}");
    // Written by the CI identity.
    let author = w
        .env
        .git_in(&w.server, &["log", "-1", "--format=%ae", "cekops/records"]);
    assert_eq!(author, "cekops-ci@example.com");

    // A re-run of the same event changes nothing and posts the same plan.
    let records = w.server_rev("cekops/records");
    let (again, _) = w.github(
        "pull_request",
        &payload("pull_request.opened.json", "dev-gh", &head),
    );
    again.code(0);
    assert_eq!(again.stdout, out.stdout);
    assert_eq!(w.server_rev("cekops/records"), records);

    // An unmapped login and a mapped non-reviewer: ignored with a comment, nothing moves.
    for login in ["mallory", "carol-gh"] {
        let (out, comment) = w.github(
            "pull_request_review",
            &review("dev-gh", &head, login, "approved", "", &head),
        );
        out.code(0).contains("ignored");
        assert!(
            comment.contains(&format!("approval by `{login}` ignored")),
            "{comment}"
        );
        assert_eq!(w.server_rev("service").unwrap(), service);
        assert_eq!(w.server_rev("cekops/records"), records);
    }
    // The requester cannot approve their own request.
    let (out, _) = w.github(
        "pull_request_review",
        &review("dev-gh", &head, "dev-gh", "approved", "", &head),
    );
    out.code(0).contains("ignored");

    // A reviewer's approval: `service` is fast-forwarded to the head on the server.
    let (out, comment) = w.github_in(
        "pull_request_review",
        &review("dev-gh", &head, "alice-gh", "approved", "LGTM", &head),
        Some(&mut t),
    );
    out.code(0);
    assert_eq!(comment, out.stdout);
    assert!(
        out.stdout.contains(&format!(
            "`service` moved {} → {}",
            &service[..12],
            &head[..12]
        )),
        "{}",
        out.stdout
    );
    assert_eq!(w.server_rev("service").unwrap(), head);
    let rec = w.record(1);
    assert!(rec.contains("state = \"approved\""), "{rec}");
    assert!(
        rec.contains("name = \"github:alice-gh\"\nemail = \"alice@example.com\""),
        "{rec}"
    );
    assert!(rec.contains("review_id = 1008\nurl = \"https://github.com/Codertocat/Hello-World/pull/2#pullrequestreview-237895671\"\nlogin = \"alice-gh\""), "{rec}");
    assert!(
        rec.contains(&format!("service_after = \"{head}\"")),
        "{rec}"
    );
    // The server's audit accepts the CI-attested approval.
    w.env.cekops_in(&w.server.clone(), &["audit"], &[]).code(0);

    // GitHub then reports the pull request closed and merged: nothing more to do.
    let mut closed = payload("pull_request.closed.json", "dev-gh", &head);
    closed["pull_request"]["merged"] = Value::from(true);
    let (out, comment) = w.github("pull_request", &closed);
    out.code(0);
    assert_eq!(out.stdout, "");
    assert_eq!(comment, "");
    snapshot!(&w.env, "github_opened_then_approved", t.text());
}

#[test]
fn github_changes_requested_rejects_and_closed_cancels() {
    let w = World::new(1, true);
    let head = w.head();
    w.open(&head);
    let (out, comment) = w.github(
        "pull_request_review",
        &review(
            "dev-gh",
            &head,
            "bob-gh",
            "changes_requested",
            "The help intent is missing.",
            &head,
        ),
    );
    out.code(0);
    assert!(comment.contains("rejected by bob@example.com"), "{comment}");
    assert!(
        comment.contains("> The help intent is missing."),
        "{comment}"
    );
    let rec = w.record(1);
    assert!(rec.contains("state = \"rejected\""), "{rec}");
    assert!(
        rec.contains("message = \"The help intent is missing.\""),
        "{rec}"
    );

    // Reopened: a new review; closed without merging: cancelled.
    let (out, _) = w.github(
        "pull_request",
        &payload("pull_request.opened.json", "dev-gh", &head),
    );
    out.code(0);
    assert!(w.record(2).contains("state = \"open\""));
    let (out, comment) = w.github(
        "pull_request",
        &payload("pull_request.closed.json", "dev-gh", &head),
    );
    out.code(0);
    assert!(comment.contains("review #2 cancelled"), "{comment}");
    assert!(w.record(2).contains("state = \"cancelled\""));
    w.env.cekops_in(&w.server.clone(), &["audit"], &[]).code(0);

    // Merged with the forge's button (not by an approval): reported, exit 1.
    let mut merged = payload("pull_request.closed.json", "dev-gh", &head);
    merged["pull_request"]["merged"] = Value::from(true);
    let (out, comment) = w.github("pull_request", &merged);
    out.code(1);
    assert!(
        comment.contains("the merge button bypassed cekops"),
        "{comment}"
    );
}

#[test]
fn github_push_repins_and_a_stale_approval_neither_counts_nor_moves_service() {
    // GitHub runs no server hook: the branch moves under the open review.
    let w = World::new(2, false);
    let first = w.head();
    let service = w.server_rev("service").unwrap();
    w.open(&first);
    let (out, _) = w.github(
        "pull_request_review",
        &review("dev-gh", &first, "alice-gh", "approved", "", &first),
    );
    out.code(0).contains("Approvals: 1 of 2");

    // The developer pushes a change to the extension.
    let second = commit_help_intent(&w.env, ID, "add help");
    w.env.git(&["push", "-q", "origin", &format!("test/{ID}")]);
    let (out, _) = w.github(
        "pull_request",
        &payload("pull_request.synchronize.json", "dev-gh", &second),
    );
    out.code(0).contains("0 of 2 approvals");
    let rec = w.record(1);
    assert!(rec.contains(&format!("commit = \"{second}\"")), "{rec}");
    assert!(rec.contains("action = \"sync\""), "{rec}");

    // Bob approves what he saw before the push: the head moved after his review.
    let (out, comment) = w.github(
        "pull_request_review",
        &review("dev-gh", &second, "bob-gh", "approved", "", &first),
    );
    out.code(1);
    assert!(
        comment.contains("the head moved after the review"),
        "{comment}"
    );
    assert_eq!(w.server_rev("service").unwrap(), service);

    // Alice's approval of the first commit no longer counts: Bob's of the new head is 1 of 2.
    let (out, _) = w.github(
        "pull_request_review",
        &review("dev-gh", &second, "bob-gh", "approved", "", &second),
    );
    out.code(0).contains("Approvals: 1 of 2");
    assert_eq!(w.server_rev("service").unwrap(), service);
    let dir = w.checkout(&second);
    w.env.cekops_in(&dir, &["fetch"], &[]).code(0);
    let show = w
        .env
        .cekops_in(&dir, &["review", "show", ID, "--format", "json"], &[]);
    let v: Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(v["approvals"], 1, "{}", show.stdout);
}

#[test]
fn two_approvals_at_once_fast_forward_service_exactly_once() {
    for required in [1, 2] {
        approvals_race(required, false);
    }
}

/// The forge's usual order (the workflow runs one job at a time per pull request): Bob's
/// approval is handled after Alice's job has finished.
#[test]
fn two_approvals_one_after_the_other_fast_forward_service_exactly_once() {
    for required in [1, 2] {
        approvals_race(required, true);
    }
}

/// Alice's and Bob's approvals handled by two CI jobs at the same time (`one_by_one`: the
/// second starts when the first has finished), with `required` approvals needed.
fn approvals_race(required: u32, one_by_one: bool) {
    let w = World::new(required, true);
    let head = w.head();
    w.open(&head);
    let mut children = Vec::new();
    for login in ["alice-gh", "bob-gh"] {
        let dir = w.checkout(&head);
        let file = dir.join(".git/event.json");
        let body = review("dev-gh", &head, login, "approved", "", &head);
        std::fs::write(&file, body.to_string()).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cekops"));
        w.env.apply(&mut cmd);
        cmd.current_dir(&dir)
            .args(["ci", "github"])
            .envs(CI)
            .env("GITHUB_EVENT_NAME", "pull_request_review")
            .env("GITHUB_EVENT_PATH", &file);
        let child = cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        children.push(if one_by_one {
            Err(child.wait_with_output().unwrap())
        } else {
            Ok(child)
        });
    }
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| match c {
            Ok(child) => child.wait_with_output().unwrap(),
            Err(done) => done,
        })
        .collect();
    for o in &outs {
        assert_eq!(
            o.status.code(),
            Some(0),
            "stdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert_eq!(w.server_rev("service").unwrap(), head);
    let rec = w.record(1);
    assert_eq!(rec.matches("service_after = ").count(), 1, "{rec}");
    let said: String = outs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .collect();
    assert_eq!(said.matches("`service` moved").count(), 1, "{said}");
    if required == 1 {
        assert_eq!(rec.matches("action = \"approve\"").count(), 1, "{rec}");
        assert!(said.contains("already approved"), "{said}");
    } else {
        for who in ["alice@example.com", "bob@example.com"] {
            assert!(
                rec.contains(&format!("email = \"{who}\"")),
                "{who} approved:\n{rec}"
            );
        }
    }
    w.env.cekops_in(&w.server.clone(), &["audit"], &[]).code(0);
}

/// The server hook refuses an approval that claims a forge attestation but was not written by
/// the CI identity.
#[test]
fn a_forged_forge_attestation_is_refused_by_the_server() {
    let w = World::new(1, true);
    let head = w.head();
    w.open(&head);
    let carol = [
        ("GIT_AUTHOR_EMAIL", "carol@example.com"),
        ("GIT_COMMITTER_EMAIL", "carol@example.com"),
    ];
    let before = w.server_rev("cekops/records");
    let push = push_claimed_approval(&w, &head, "alice-gh", "alice@example.com", &carol, None);
    assert_ne!(push.code, 0, "{}", push.stderr);
    assert!(
        push.stderr
            .contains("claims a github pull-request attestation")
            && push
                .stderr
                .contains("not by the CI identity cekops-ci@example.com"),
        "{}",
        push.stderr
    );
    assert_eq!(w.server_rev("cekops/records"), before);
}

/// In a fresh checkout, `who` (an identity env, with a signing key when `key`) commits an
/// approval of review #1 that claims `login`'s forge review, and pushes the records branch to
/// the server: returns the push.
fn push_claimed_approval(
    w: &World,
    head: &str,
    login: &str,
    email: &str,
    who: &[(&str, &str)],
    key: Option<&std::path::Path>,
) -> Out {
    let dir = w.checkout(head);
    if let Some(k) = key {
        w.env.git_in(&dir, &["config", "gpg.format", "ssh"]);
        w.env
            .git_in(&dir, &["config", "user.signingKey", k.to_str().unwrap()]);
    }
    w.env.git_in(&dir, &["checkout", "-q", "cekops/records"]);
    let path = format!("{ID}/1.toml");
    let mut text = std::fs::read_to_string(dir.join(&path)).unwrap();
    let tree = w
        .env
        .git_in(&dir, &["rev-parse", &format!("{head}:extensions/{ID}")]);
    text.push_str(&format!(
        "\n[[events]]\naction = \"approve\"\nname = \"github:{login}\"\nemail = \"{email}\"\nat = \"2026-01-02T00:00:00+00:00\"\ncommit = \"{head}\"\ntree = \"{tree}\"\n\n[events.forge]\nname = \"github\"\npull_request = 2\nlogin = \"{login}\"\n"
    ));
    std::fs::write(dir.join(&path), text).unwrap();
    let sign = if key.is_some() { "-S" } else { "--no-gpg-sign" };
    let ok = w
        .env
        .git_try_in(&dir, &["commit", sign, "-qam", "approve"], who);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    w.env
        .git_try_in(&dir, &["push", "origin", "cekops/records"], who)
}

fn gitlab(w: &World, mode: &str, login: &str, t: &mut Transcript) -> Out {
    let head = w.head();
    let dir = w.checkout(&head);
    let vars = [
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_IID", "7"),
        ("CI_MERGE_REQUEST_PROJECT_ID", "42"),
        ("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "42"),
        (
            "CI_MERGE_REQUEST_PROJECT_URL",
            "https://gitlab.example.com/team/pizza",
        ),
        (
            "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
            "test/com.example.pizzabot",
        ),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "service"),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", ""),
        ("CI_COMMIT_SHA", head.as_str()),
        ("CI_MERGE_REQUEST_TITLE", "Pizza bot"),
        ("CI_JOB_ID", "555"),
        (
            "CI_JOB_URL",
            "https://gitlab.example.com/team/pizza/-/jobs/555",
        ),
        ("GITLAB_USER_LOGIN", login),
    ];
    let mut envs: Vec<(&str, &str)> = vars.to_vec();
    envs.extend(CI);
    t.cekops_in(&dir, &["ci", "gitlab", mode], &envs)
}

#[test]
fn gitlab_plan_then_approve_job_fast_forwards_service() {
    let w = World::new(1, true);
    let head = w.head();
    let mut t = Transcript::new(&w.env);
    let out = gitlab(&w, "plan", "dev", &mut t);
    out.code(0);
    assert!(out.stdout.starts_with("<!-- cekops:plan -->\n"));
    assert!(
        out.stdout.contains(
            "[merge request !7](https://gitlab.example.com/team/pizza/-/merge_requests/7)"
        ),
        "{}",
        out.stdout
    );
    assert!(
        w.record(1)
            .contains("name = \"gitlab\"\npull_request = 7\n")
    );
    // The manual job run by someone who is not mapped: ignored.
    gitlab(&w, "approve", "mallory", &mut t)
        .code(0)
        .contains("ignored");
    assert_ne!(w.server_rev("service").unwrap(), head);
    let out = gitlab(&w, "approve", "alice", &mut t);
    out.code(0).contains("approved by alice@example.com");
    assert_eq!(w.server_rev("service").unwrap(), head);
    let rec = w.record(1);
    assert!(rec.contains("review_id = 555\nurl = \"https://gitlab.example.com/team/pizza/-/jobs/555\"\nlogin = \"alice\""), "{rec}");
    w.env.cekops_in(&w.server.clone(), &["audit"], &[]).code(0);
    snapshot!(&w.env, "gitlab_plan_and_approve", t.text());
}

#[test]
fn ci_usage_errors_exit_2_and_other_requests_are_left_alone() {
    let w = World::new(1, false);
    let head = w.head();
    let dir = w.checkout(&head);
    let run = |args: &[&str], envs: &[(&str, &str)]| w.env.cekops_in(&dir, args, envs);
    run(&["ci", "github"], &[])
        .code(2)
        .contains("GITHUB_EVENT_NAME is not set");
    let bad = dir.join(".git/bad.json");
    std::fs::write(&bad, "{not json").unwrap();
    run(
        &[
            "ci",
            "github",
            "--event-name",
            "pull_request",
            "--event",
            bad.to_str().unwrap(),
        ],
        &[],
    )
    .code(2)
    .contains(&format!(
        "error: {}:1:2: the event payload is not JSON: key must be a string\n",
        bad.display()
    ));
    run(
        &["ci", "gitlab"],
        &[("CI_PIPELINE_SOURCE", "merge_request_event")],
    )
    .code(2)
    .contains("CI_MERGE_REQUEST_IID");
    // A pull request into another branch: nothing recorded, nothing posted.
    let mut other = payload("pull_request.opened.json", "dev-gh", &head);
    other["pull_request"]["base"]["ref"] = Value::from("main");
    let file = dir.join(".git/other.json");
    std::fs::write(&file, other.to_string()).unwrap();
    let out = run(
        &[
            "ci",
            "github",
            "--event-name",
            "pull_request",
            "--event",
            file.to_str().unwrap(),
        ],
        &CI,
    );
    out.code(0).contains("nothing to do");
    assert_eq!(out.stdout, "");
    assert_eq!(w.server_rev("cekops/records"), None);

    // An event naming a head commit the remote does not have: a usage error that says so.
    let ghost = "0123456789abcdef0123456789abcdef01234567";
    let file = dir.join(".git/ghost.json");
    std::fs::write(
        &file,
        payload("pull_request.opened.json", "dev-gh", ghost).to_string(),
    )
    .unwrap();
    let out = run(
        &[
            "ci",
            "github",
            "--event-name",
            "pull_request",
            "--event",
            file.to_str().unwrap(),
        ],
        &CI,
    );
    out.code(2)
        .contains("error: the head commit 0123456789ab of pull request #")
        .contains("is not on `origin`");
    assert_eq!(out.stdout, "");
    assert_eq!(w.server_rev("cekops/records"), None);
}

#[test]
fn forge_settings_are_validated() {
    let env = TestEnv::new();
    setup(
        &env,
        "[review]\nreviewers = [\"alice@example.com\", \"ci@example.com\"]\n\n[forge]\ngithub = { alice-gh = \"alice\" }\n",
    );
    let out = env.cekops(&["validate"]);
    out.code(1)
        .contains("`[forge]` maps logins but sets no `ci_identity`")
        .contains("maps `alice-gh` to `alice`, which is not an e-mail identity");
    env.write(
        "cekops.toml",
        "[review]\nreviewers = [\"alice@example.com\", \"ci@example.com\"]\n\n[forge]\nci_identity = \"ci@example.com\"\n",
    );
    env.cekops(&["validate"])
        .code(1)
        .contains("`ci_identity` ci@example.com is also a reviewer");
}

fn keygen(dir: &std::path::Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let mut parts = text.split_whitespace();
    let public = format!("{} {}", parts.next().unwrap(), parts.next().unwrap());
    (key, public)
}

/// Under `require_signed`, the CI job signs its records with the key listed for `ci_identity`:
/// the server accepts its request and approval, and refuses a reviewer's own signed record that
/// claims a forge attestation.
#[test]
fn signed_policy_accepts_the_ci_key_and_refuses_an_attestation_signed_by_a_reviewer() {
    if crate::common::tool_or_skip(
        "signed_policy_accepts_the_ci_key_and_refuses_an_attestation_signed_by_a_reviewer",
        "ssh-keygen",
        "CEKOPS_SSH_KEYGEN",
        "apt-get install openssh-client",
    )
    .is_none()
    {
        return;
    }
    let env = TestEnv::new();
    let keys = env.tmp.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let (ci_key, ci_pub) = keygen(&keys, "ci");
    let (alice_key, alice_pub) = keygen(&keys, "alice");
    let (_, bob_pub) = keygen(&keys, "bob");
    let (_, dev_pub) = keygen(&keys, "dev");
    env.write(
        ".cekops/allowed_signers",
        format!(
            "cekops-ci@example.com {ci_pub}\nalice@example.com {alice_pub}\nbob@example.com {bob_pub}\ndev@example.com {dev_pub}\n"
        ),
    );
    let config = CONFIG.replace("REQUIRED", "1").replace(
        "required_approvals = 1\n",
        "required_approvals = 1\nrequire_signed = true\nallowed_signers = \".cekops/allowed_signers\"\n",
    );
    setup(&env, &config);
    let server = env.tmp.path().join("server.git");
    env.git_in(
        env.tmp.path(),
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "service",
            server.to_str().unwrap(),
        ],
    );
    env.cekops_in(&server, &["hooks", "install", "--server"], &[])
        .code(0);
    env.git(&["remote", "add", "origin", server.to_str().unwrap()]);
    new_extension(&env, ID, "피자봇");
    env.git(&["push", "-q", "origin", "service", &format!("test/{ID}")]);
    let w = World {
        env,
        server,
        jobs: Cell::new(0),
    };
    let head = w.head();
    let signing = |dir: &std::path::Path, key: &std::path::Path| {
        w.env.git_in(dir, &["config", "gpg.format", "ssh"]);
        w.env
            .git_in(dir, &["config", "user.signingKey", key.to_str().unwrap()]);
    };
    let run = |name: &str, payload: &Value, key: Option<&std::path::Path>| -> Out {
        let dir = w.checkout(&head);
        if let Some(k) = key {
            signing(&dir, k);
        }
        let file = dir.join(".git/event.json");
        std::fs::write(&file, payload.to_string()).unwrap();
        let mut envs: Vec<(&str, &str)> = CI.to_vec();
        envs.push(("GITHUB_EVENT_NAME", name));
        envs.push(("GITHUB_EVENT_PATH", file.to_str().unwrap()));
        w.env.cekops_in(&dir, &["ci", "github"], &envs)
    };
    let opened = payload("pull_request.opened.json", "dev-gh", &head);
    // Without the CI key, nothing can be recorded.
    run("pull_request", &opened, None)
        .code(1)
        .contains("no signing key");
    assert_eq!(w.server_rev("cekops/records"), None);
    run("pull_request", &opened, Some(&ci_key)).code(0);
    let signed = w.env.git_in(
        &w.server,
        &["log", "-1", "--format=%G? %ae", "cekops/records"],
    );
    assert!(signed.ends_with("cekops-ci@example.com"), "{signed}");

    // Alice signs, with her own key, an approval claiming Bob's GitHub review.
    let alice = [
        ("GIT_AUTHOR_EMAIL", "alice@example.com"),
        ("GIT_COMMITTER_EMAIL", "alice@example.com"),
    ];
    let before = w.server_rev("cekops/records");
    let push = push_claimed_approval(
        &w,
        &head,
        "bob-gh",
        "bob@example.com",
        &alice,
        Some(&alice_key),
    );
    assert_ne!(push.code, 0, "{}", push.stderr);
    assert!(
        push.stderr
            .contains("signed by a key listed for alice@example.com, not for the CI identity"),
        "{}",
        push.stderr
    );
    assert_eq!(w.server_rev("cekops/records"), before);

    // The CI job's signed approval of Alice's review moves `service`; the server's audit agrees.
    run(
        "pull_request_review",
        &review("dev-gh", &head, "alice-gh", "approved", "", &head),
        Some(&ci_key),
    )
    .code(0);
    assert_eq!(w.server_rev("service").unwrap(), head);
    w.env.cekops_in(&w.server.clone(), &["audit"], &[]).code(0);
}

/// A head with a validation error and a failing utterance case: the plan says why (file, line,
/// column; the failing case), nothing is recorded, exit 1.
#[test]
fn github_plan_with_errors_and_failing_tests_records_nothing() {
    let w = World::new(1, true);
    let branch = format!("test/{ID}");
    commit_on(
        &w.env,
        &branch,
        &format!("extensions/{ID}/server.toml"),
        "endpoint = \"http://ext.example.com/clova\"\n",
        "plain http",
    );
    commit_on(
        &w.env,
        &branch,
        &format!("extensions/{ID}/tests/orders.toml"),
        "[[case]]\nname = \"order\"\nutterance = \"주문해줘\"\nintent = \"OrderIntent\"\n\n[[case]]\nname = \"help is not an order\"\nutterance = \"도와줘\"\nintent = \"OrderIntent\"\n",
        "tests",
    );
    w.env.git(&["push", "-q", "origin", &branch]);
    let head = w.head();
    let mut t = Transcript::new(&w.env);
    let (out, comment) = w.github_in(
        "pull_request",
        &payload("pull_request.opened.json", "dev-gh", &head),
        Some(&mut t),
    );
    out.code(1);
    assert_eq!(comment, out.stdout);
    assert_eq!(w.server_rev("cekops/records"), None);
    snapshot!(&w.env, "github_plan_with_errors", t.text());
}
