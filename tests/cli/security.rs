//! Attacks on the protected branch, tried as someone with push access would: real ssh keys made
//! by `ssh-keygen` in the temp folder, a bare server with `cekops hooks install --server`, and
//! three clones (carol the developer, alice and bob the reviewers). Every attack must be refused
//! by `review approve`, by `audit` and by the server; the legitimate flow must work.
//!
//! Attacks tried (each asserted refused, with refs unchanged):
//! 1. a developer approves with a reviewer's e-mail (`review approve`);
//! 2. a hand-written approval signed by a non-reviewer, pushed with `service` (server, audit);
//! 3. that forged "approved" record finished by a real reviewer's `review approve`;
//! 4. a record event without a signing key under `require_signed`;
//! 5. an orphan commit with the attacker's own policy merged into `service`, with its record
//!    (server: with and without the record; audit in the forger's clone);
//! 6. a rejection rewritten into a cancel, and events deleted (server, audit);
//! 7. a branch called `service` next to a pinned `prod`, then a force-push and a plain push to
//!    `prod` (server);
//! 8. `records = "service"`, `../../x`, `a..b`, `x.lock`, `test/x` (validate, review request);
//! 9. self-approval as `alice+alt@` / `alice@`, a cancel by a stranger, a record numbered
//!    4294967295 (review approve, review cancel, review request, audit).

use std::path::Path;
use std::path::PathBuf;

use crate::common::Out;
use crate::common::TestEnv;
use crate::common::chart::new_extension;
use crate::common::chart::setup;
use crate::common::tool_or_skip;

const A: &str = "com.example.alpha";
const TEST_A: &str = "test/com.example.alpha";
const B: &str = "com.example.bravo";
const TEST_B: &str = "test/com.example.bravo";
const RECORDS: &str = "cekops/records";
const SIGNED: &str = "[review]\nreviewers = [\"alice@example.com\", \"bob@example.com\"]\nrequired_approvals = 1\nrequire_signed = true\nallowed_signers = \".cekops/allowed_signers\"\n";

struct Person {
    name: &'static str,
    email: &'static str,
    clone: PathBuf,
}

impl Person {
    fn env(&self) -> Vec<(&str, &str)> {
        vec![
            ("GIT_AUTHOR_NAME", self.name),
            ("GIT_AUTHOR_EMAIL", self.email),
            ("GIT_COMMITTER_NAME", self.name),
            ("GIT_COMMITTER_EMAIL", self.email),
        ]
    }
}

struct World {
    env: TestEnv,
    server: PathBuf,
    allowed: PathBuf,
    carol: Person,
    alice: Person,
    bob: Person,
}

fn keygen(dir: &Path, name: &str) -> PathBuf {
    let key = dir.join(name);
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    key
}

fn pubkey(key: &Path) -> String {
    let text = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let mut parts = text.split_whitespace();
    format!("{} {}", parts.next().unwrap(), parts.next().unwrap())
}

impl World {
    fn run(&self, who: &Person, args: &[&str]) -> Out {
        self.env.cekops_in(&who.clone, args, &who.env())
    }
    fn git(&self, who: &Person, args: &[&str]) -> Out {
        self.env.git_try_in(&who.clone, args, &who.env())
    }
    fn server_rev(&self, r: &str) -> String {
        self.env.git_in(&self.server, &["rev-parse", r])
    }
    fn server_refs(&self) -> String {
        self.env.git_in(&self.server, &["for-each-ref"])
    }
    /// A push the server must refuse, leaving its refs as they were.
    #[track_caller]
    fn refused_push(&self, who: &Person, args: &[&str], why: &str) {
        let before = self.server_refs();
        let mut all = vec!["push", "origin"];
        all.extend(args);
        let out = self.git(who, &all);
        assert_ne!(out.code, 0, "push {args:?} accepted:\n{}", out.both());
        out.contains("cekops pre-receive").contains(why);
        assert_eq!(self.server_refs(), before, "push {args:?} moved refs");
    }
}

/// Keys for carol, alice and bob; `service` with the signed policy and `test/<A>`, on a bare
/// server with the hook; a clone per person signing with their own key.
fn world(test: &str) -> Option<World> {
    tool_or_skip(
        test,
        "ssh-keygen",
        "CEKOPS_SSH_KEYGEN",
        "apt-get install openssh-client",
    )?;
    let env = TestEnv::new();
    let keys = env.root.parent().unwrap().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let (kc, ka, kb) = (
        keygen(&keys, "carol"),
        keygen(&keys, "alice"),
        keygen(&keys, "bob"),
    );
    let allowed_text = format!(
        "alice@example.com {}\nbob@example.com {}\ncarol@example.com {}\n",
        pubkey(&ka),
        pubkey(&kb),
        pubkey(&kc)
    );
    env.write(".cekops/allowed_signers", &allowed_text);
    setup(&env, SIGNED);
    new_extension(&env, A, "알파봇");
    new_extension(&env, B, "브라보봇");
    let allowed = keys.join("allowed_signers");
    std::fs::write(&allowed, &allowed_text).unwrap();
    let server = env.bare_remote();
    env.cekops_in(&server, &["hooks", "install", "--server"], &[])
        .code(0)
        .contains("pre-receive");
    env.git(&["push", "-q", "origin", "service", TEST_A, TEST_B]);
    let base = env.root.parent().unwrap().to_path_buf();
    let person = |name: &'static str, email: &'static str, key: PathBuf| {
        let clone = base.join(format!("clone-{name}"));
        env.git_in(
            &base,
            &[
                "clone",
                "-q",
                server.to_str().unwrap(),
                clone.to_str().unwrap(),
            ],
        );
        env.git_in(&clone, &["config", "gpg.format", "ssh"]);
        env.git_in(
            &clone,
            &["config", "user.signingKey", key.to_str().unwrap()],
        );
        for t in [TEST_A, TEST_B] {
            env.git_in(&clone, &["branch", "-q", t, &format!("origin/{t}")]);
        }
        Person { name, email, clone }
    };
    let carol = person("Carol Dev", "carol@example.com", kc);
    let alice = person("Alice Reviewer", "alice@example.com", ka);
    let bob = person("Bob Reviewer", "bob@example.com", kb);
    Some(World {
        env,
        server,
        allowed,
        carol,
        alice,
        bob,
    })
}

/// Carol requests a review of `A` and pushes the signed request; the reviewers fetch it.
fn requested(w: &World) {
    w.run(&w.carol, &["review", "request", A, "-m", "please"])
        .code(0);
    w.git(&w.carol, &["push", "-q", "origin", RECORDS]).code(0);
    for p in [&w.alice, &w.bob] {
        w.git(
            p,
            &["fetch", "-q", "origin", &format!("{RECORDS}:{RECORDS}")],
        )
        .code(0);
    }
}

#[test]
fn test_legitimate_signed_flow_works_and_plain_git_verifies_it() {
    let Some(w) = world("test_legitimate_signed_flow_works_and_plain_git_verifies_it") else {
        return;
    };
    requested(&w);
    let tip = w.env.git_in(&w.bob.clone, &["rev-parse", TEST_A]);
    w.run(&w.bob, &["review", "approve", A]).code(0);
    assert_eq!(w.env.git_in(&w.bob.clone, &["rev-parse", "service"]), tip);
    w.git(&w.bob, &["push", "-q", "origin", "service", RECORDS])
        .code(0);
    assert_eq!(w.server_rev("service"), tip);
    w.run(&w.bob, &["audit"])
        .code(0)
        .contains("every one of")
        .lacks("self-asserted");
    w.run(&w.bob, &["review", "show", A])
        .code(0)
        .contains("signed-and-verified");
    // Plain git verifies every records commit with the same allowed-signers file.
    let log = w.env.git_in(
        &w.bob.clone,
        &[
            "-c",
            &format!("gpg.ssh.allowedSignersFile={}", w.allowed.display()),
            "log",
            "--show-signature",
            RECORDS,
        ],
    );
    assert!(
        log.contains("Good \"git\" signature for bob@example.com"),
        "{log}"
    );
    assert!(
        log.contains("Good \"git\" signature for carol@example.com"),
        "{log}"
    );
}

#[test]
fn test_attacks_on_signed_approvals_are_refused() {
    let Some(w) = world("test_attacks_on_signed_approvals_are_refused") else {
        return;
    };
    requested(&w);
    let service = w.server_rev("service");
    let tip = w.server_rev(TEST_A);

    // 1. Anyone can approve: carol claims alice's address; her key is listed for carol only.
    w.env
        .cekops_in(
            &w.carol.clone,
            &["review", "approve", A],
            &[
                ("GIT_AUTHOR_EMAIL", "alice@example.com"),
                ("GIT_COMMITTER_EMAIL", "alice@example.com"),
            ],
        )
        .code(1)
        .contains("carol@example.com, who is not a reviewer");
    assert_eq!(
        w.env.git_in(&w.carol.clone, &["rev-parse", "service"]),
        service
    );

    // 2. A hand-written approval (alice's e-mail, carol's signature) pushed with `service`:
    //    the server refuses, audit finds it, and alice's `review approve` does not finish it.
    let forged = forge_approval(&w, &w.carol, &service, &tip);
    w.env.git_in(
        &w.carol.clone,
        &["update-ref", &format!("refs/heads/{RECORDS}"), &forged],
    );
    w.env
        .git_in(&w.carol.clone, &["update-ref", "refs/heads/service", &tip]);
    w.refused_push(&w.carol, &["service", RECORDS], "who is not a reviewer");
    w.run(&w.carol, &["audit"])
        .code(1)
        .contains("who is not a reviewer");
    w.env.git_in(
        &w.alice.clone,
        &[
            "fetch",
            "-q",
            w.carol.clone.to_str().unwrap(),
            &format!("{RECORDS}:{RECORDS}"),
        ],
    );
    w.run(&w.alice, &["review", "approve", A])
        .code(1)
        .contains("says it is approved");
    assert_eq!(
        w.env.git_in(&w.alice.clone, &["rev-parse", "service"]),
        service
    );

    // 3. An unsigned record event pushed by plain git is refused.
    w.env.git_in(
        &w.bob.clone,
        &[
            "-c",
            "user.signingKey=",
            "config",
            "--unset",
            "user.signingKey",
        ],
    );
    w.env
        .cekops_in(
            &w.bob.clone,
            &["review", "reject", A, "-m", "no"],
            &w.bob.env(),
        )
        .code(1)
        .contains("no signing key");
}

/// The text of record #1 of `A` on the records branch, marked approved by "alice" with `service`
/// moving from `before` to `after`.
fn approved_text(w: &World, who: &Person, before: &str, after: &str) -> String {
    let dir = &who.clone;
    let text = w
        .env
        .git_in(dir, &["show", &format!("{RECORDS}:{A}/1.toml")]);
    let tree_id = w
        .env
        .git_in(dir, &["rev-parse", &format!("{TEST_A}:extensions/{A}")]);
    text.replace("state = \"open\"", "state = \"approved\"")
        + &format!(
            "\n[[events]]\naction = \"approve\"\nname = \"Alice Reviewer\"\nemail = \"alice@example.com\"\nat = \"2026-01-02T00:00:00+00:00\"\ncommit = \"{after}\"\ntree = \"{tree_id}\"\nservice_before = \"{before}\"\nservice_after = \"{after}\"\n"
        )
}

/// A records commit approving review #1 of `A` as "alice", signed with `who`'s key.
fn forge_approval(w: &World, who: &Person, before: &str, after: &str) -> String {
    let text = approved_text(w, who, before, after);
    forge(
        w,
        who,
        RECORDS,
        &format!("{A}/1.toml"),
        &text,
        &[RECORDS],
        true,
    )
}

/// A commit made with plain git plumbing: the tree of `base` with `path` set to `text`, on
/// `parents`, signed with the clone's key when `signed`.
fn forge(
    w: &World,
    who: &Person,
    base: &str,
    path: &str,
    text: &str,
    parents: &[&str],
    signed: bool,
) -> String {
    let dir = &who.clone;
    let file = dir.join(".git/forged.txt");
    std::fs::write(&file, text).unwrap();
    let blob = w
        .env
        .git_in(dir, &["hash-object", "-w", file.to_str().unwrap()]);
    let idx = dir.join(".git/forged-index");
    let _ = std::fs::remove_file(&idx);
    let envs = [("GIT_INDEX_FILE", idx.to_str().unwrap())];
    let ok = |args: &[&str]| {
        let out = w.env.git_try_in(dir, args, &envs);
        assert_eq!(out.code, 0, "git {args:?}: {}", out.stderr);
        out.stdout.trim().to_string()
    };
    ok(&["read-tree", base]);
    ok(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("100644,{blob},{path}"),
    ]);
    let tree = ok(&["write-tree"]);
    let mut args = vec!["commit-tree".to_string()];
    if signed {
        args.push("-S".into());
    }
    args.push(tree);
    for p in parents {
        args.push("-p".into());
        args.push((*p).to_string());
    }
    args.extend(["-m".into(), "forged".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&args)
}

#[test]
fn test_orphan_policy_forgery_is_refused() {
    let Some(w) = world("test_orphan_policy_forgery_is_refused") else {
        return;
    };
    requested(&w);
    let service = w.server_rev("service");
    let tip = w.server_rev(TEST_A);
    let c = &w.carol;
    // An orphan commit carrying carol's own policy, and a "service" commit merging it.
    let policy = "[review]\nreviewers = [\"carol@example.com\"]\nallow_self_approval = true\n";
    let orphan = forge(&w, c, TEST_A, "cekops.toml", policy, &[], false);
    let merged = w.env.git_in(
        &c.clone,
        &[
            "commit-tree",
            &format!("{tip}^{{tree}}"),
            "-p",
            &orphan,
            "-p",
            &tip,
            "-m",
            "merge",
        ],
    );
    let text =
        approved_text(&w, c, &orphan, &merged).replace("alice@example.com", "carol@example.com");
    let records = forge(
        &w,
        c,
        RECORDS,
        &format!("{A}/1.toml"),
        &text,
        &[RECORDS],
        true,
    );
    w.env.git_in(
        &c.clone,
        &["update-ref", &format!("refs/heads/{RECORDS}"), &records],
    );
    w.env
        .git_in(&c.clone, &["update-ref", "refs/heads/service", &merged]);
    // The server judges with its own policy and history: refused.
    w.refused_push(c, &["service", RECORDS], "not a reviewer");
    w.refused_push(c, &["service"], "does not extend");
    assert_eq!(w.server_rev("service"), service);
    // The forger's own clone: audit sees the replaced history.
    w.run(c, &["audit"])
        .code(1)
        .contains("that history was replaced");
}

/// Point `who`'s records branch at a signed commit on `parent` that sets record #1 of `A` to
/// `text`; the server must refuse pushing it.
#[track_caller]
fn rewrite_record(w: &World, who: &Person, text: &str, parent: &str) {
    let path = format!("{A}/1.toml");
    let forged = forge(w, who, RECORDS, &path, text, &[parent], true);
    let records = format!("refs/heads/{RECORDS}");
    w.env.git_in(&who.clone, &["update-ref", &records, &forged]);
    w.refused_push(
        who,
        &[RECORDS],
        "events already written were changed or removed",
    );
}

#[test]
fn test_rewritten_records_are_refused() {
    let Some(w) = world("test_rewritten_records_are_refused") else {
        return;
    };
    requested(&w);
    w.run(&w.alice, &["review", "reject", A, "-m", "needs work"])
        .code(0);
    w.git(&w.alice, &["push", "-q", "origin", RECORDS]).code(0);
    let c = &w.carol;
    w.git(
        c,
        &["fetch", "-q", "origin", &format!("+{RECORDS}:{RECORDS}")],
    )
    .code(0);
    let text = w
        .env
        .git_in(&c.clone, &["show", &format!("{RECORDS}:{A}/1.toml")]);
    // A rejection turned into a cancel, as a fast-forward commit signed by carol.
    let as_cancel = text
        .replace("state = \"rejected\"", "state = \"cancelled\"")
        .replace("action = \"reject\"", "action = \"cancel\"");
    rewrite_record(&w, c, &as_cancel, RECORDS);
    w.run(c, &["audit"])
        .code(1)
        .contains("events already written were changed or removed");
    // Events deleted: the record back to its request only.
    let first = text
        .split("\n[[events]]")
        .take(2)
        .collect::<Vec<_>>()
        .join("\n[[events]]");
    let shortened = first.replace("state = \"rejected\"", "state = \"open\"");
    rewrite_record(&w, c, &shortened, &format!("origin/{RECORDS}"));
}

#[test]
fn test_pinned_service_branch_cannot_be_switched_off() {
    let env = TestEnv::new();
    env.write(
        "cekops.toml",
        "[branches]\nservice = \"prod\"\n[review]\nreviewers = [\"alice@example.com\"]\n",
    );
    env.git_init_commit("prod", "init");
    let server = env.bare_remote();
    env.cekops_in(&server, &["hooks", "install", "--server"], &[])
        .code(0);
    env.git(&["push", "-q", "origin", "prod"]);
    assert_eq!(
        env.git_in(&server, &["config", "cekops.serviceBranch"]),
        "prod"
    );
    // Someone pushes a branch literally called `service` with a default cekops.toml.
    env.git(&["checkout", "-q", "--orphan", "service"]);
    env.write(
        "cekops.toml",
        "[review]\nreviewers = [\"mallory@example.com\"]\n",
    );
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", "takeover"]);
    let _ = env.git_try_in(&env.root, &["push", "-q", "origin", "service"], &[]);
    // `prod` stays protected: a plain push and a force-push are refused.
    let prod = env.git_in(&server, &["rev-parse", "prod"]);
    let out = env.git_try_in(&env.root, &["push", "-f", "origin", "service:prod"], &[]);
    assert_ne!(out.code, 0, "{}", out.both());
    out.contains("cekops pre-receive: refs/heads/prod");
    env.git(&["checkout", "-q", "prod"]);
    env.write("x.txt", "x");
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", "unreviewed"]);
    let out = env.git_try_in(&env.root, &["push", "origin", "prod"], &[]);
    assert_ne!(out.code, 0, "{}", out.both());
    assert_eq!(env.git_in(&server, &["rev-parse", "prod"]), prod);
}

#[test]
fn test_branch_names_in_cekops_toml_are_validated() {
    for (records, why) in [
        ("service", "must be distinct from the service branch"),
        ("../../x", "not a valid branch name"),
        ("a..b", "not a valid branch name"),
        ("x.lock", "not a valid branch name"),
        ("test/x", "collides with the test-branch pattern"),
    ] {
        let env = TestEnv::new();
        setup(
            &env,
            &format!(
                "[branches]\nrecords = \"{records}\"\n[review]\nreviewers = [\"alice@example.com\"]\n"
            ),
        );
        new_extension(&env, A, "알파봇");
        env.cekops(&["validate"]).code(1).contains(why);
        let before = env.git(&["for-each-ref"]);
        env.cekops(&["review", "request", A, "-m", "x"])
            .code(1)
            .contains(why);
        assert_eq!(env.git(&["for-each-ref"]), before, "records = {records:?}");
    }
}

#[test]
fn test_self_approval_cancel_and_numbering_without_signing() {
    let env = TestEnv::new();
    setup(
        &env,
        "[review]\nreviewers = [\"alice@example.com\", \"bob@example.com\"]\n",
    );
    new_extension(&env, A, "알파봇");
    let alt = [
        ("GIT_AUTHOR_NAME", "Alice"),
        ("GIT_AUTHOR_EMAIL", "Alice+alt@Example.com"),
    ];
    let alice = [
        ("GIT_AUTHOR_NAME", "Alice"),
        ("GIT_AUTHOR_EMAIL", "alice@example.com"),
    ];
    let carol = [
        ("GIT_AUTHOR_NAME", "Carol"),
        ("GIT_AUTHOR_EMAIL", "carol@example.com"),
    ];
    env.cekops_in(&env.root, &["review", "request", A, "-m", "x"], &alt)
        .code(0);
    // Self-approval under another spelling of the same mailbox.
    env.cekops_in(&env.root, &["review", "approve", A], &alice)
        .code(1)
        .contains("cannot decide it too");
    // Cancel by someone who neither requested nor reviews.
    env.cekops_in(&env.root, &["review", "cancel", A], &carol)
        .code(1)
        .contains("only the requester");
    env.cekops_in(&env.root, &["review", "cancel", A], &alt)
        .code(0);
    // The last possible record number: no record can follow it.
    env.git(&["checkout", "-q", RECORDS]);
    let text = env.read(&format!("{A}/1.toml"));
    env.git(&["rm", "-q", &format!("{A}/1.toml")]);
    env.write(
        &format!("{A}/4294967295.toml"),
        text.replace("number = 1\n", "number = 4294967295\n"),
    );
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", "huge"]);
    env.git(&["checkout", "-q", "service"]);
    let before = env.git(&["for-each-ref"]);
    env.cekops(&["review", "request", A, "-m", "again"])
        .code(1)
        .contains("the largest there can be");
    assert_eq!(env.git(&["for-each-ref"]), before);
    env.cekops(&["audit"]).code(1).contains("4294967295");
}

#[test]
fn test_team_flow_with_signing_replays_and_resigns_concurrent_events() {
    let Some(w) = world("test_team_flow_with_signing_replays_and_resigns_concurrent_events") else {
        return;
    };
    // Carol and alice each open a review without seeing the other's: both pushes land, the
    // second by replaying (and signing again) its event on top of the server's records.
    w.run(&w.carol, &["review", "request", A, "-m", "alpha"])
        .code(0);
    w.run(&w.alice, &["review", "request", B, "-m", "bravo"])
        .code(0);
    w.run(&w.carol, &["push"]).code(0);
    w.run(&w.alice, &["push"]).code(0);
    // Bob approves both (alice may not approve her own), pushes; everything verifies.
    w.run(&w.bob, &["fetch"]).code(0);
    w.run(&w.bob, &["review", "approve", A]).code(0);
    w.run(&w.bob, &["push"]).code(0);
    w.run(&w.alice, &["fetch"]).code(0);
    w.run(&w.alice, &["sync", B]).code(0);
    w.run(&w.alice, &["push"]).code(0);
    w.run(&w.bob, &["fetch"]).code(0);
    w.run(&w.bob, &["review", "approve", B]).code(0);
    w.run(&w.bob, &["push"]).code(0);
    w.run(&w.carol, &["fetch"]).code(0);
    w.run(&w.carol, &["audit"]).code(0).lacks("self-asserted");
    let log = w.env.git_in(
        &w.carol.clone,
        &[
            "-c",
            &format!("gpg.ssh.allowedSignersFile={}", w.allowed.display()),
            "log",
            "--show-signature",
            RECORDS,
        ],
    );
    assert!(!log.contains("No signature"), "{log}");
    assert!(
        log.contains("Good \"git\" signature for alice@example.com"),
        "{log}"
    );
    assert_eq!(w.server_rev("service"), w.server_rev(TEST_B));
}

#[test]
fn test_approval_that_skips_an_approved_service_state_is_found() {
    use crate::common::chart::ALICE;
    use crate::common::chart::as_;
    use crate::common::chart::in_service;
    use crate::common::chart::record;
    let env = TestEnv::new();
    setup(
        &env,
        "[review]\nreviewers = [\"alice@example.com\", \"bob@example.com\"]\n",
    );
    let s0 = env.git(&["rev-parse", "service"]);
    in_service(&env, A, "알파봇");
    let s1 = env.git(&["rev-parse", "service"]);
    new_extension(&env, B, "브라보봇");
    env.cekops(&["review", "request", B, "-m", "b"]).code(0);
    as_(&env, &ALICE, &["review", "approve", B]).code(0);
    env.cekops(&["audit"]).code(0);
    // The approval of B claims it started from s0, skipping s1 (A's approved state), as if
    // decided under the older policy.
    let text = record(&env, B, 1).replace(
        &format!("service_before = \"{s1}\""),
        &format!("service_before = \"{s0}\""),
    );
    env.git(&["checkout", "-q", RECORDS]);
    env.write(&format!("{B}/1.toml"), text);
    env.git(&["commit", "-q", "-am", "forge"]);
    env.git(&["checkout", "-q", "service"]);
    env.cekops(&["audit"])
        .code(1)
        .contains("was the service version in between")
        .contains("events already written were changed or removed");
}
