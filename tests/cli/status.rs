//! `cekops status` and `cekops push` / `fetch` end to end: the list from git alone, the same in a
//! bare remote and in a fresh clone.

use crate::common::TestEnv;
use crate::common::chart::*;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

const A: &str = "com.example.alpha";
const B: &str = "com.example.bravo";
const C: &str = "com.example.charlie";

/// A: in service with a newer test version under review; B: rejected; C: in development.
fn busy_repo(env: &TestEnv) {
    setup(env, CONFIG);
    in_service(env, A, "알파봇");
    commit_help_intent(env, A, "help");
    env.cekops(&["review", "request", A, "-m", "add help"])
        .code(0);
    new_extension(env, B, "브라보봇");
    env.cekops(&["review", "request", B, "-m", "first"]).code(0);
    as_(env, &BOB, &["review", "reject", B, "-m", "icon too dark"]).code(0);
    new_extension(env, C, "찰리봇");
}

#[test]
fn test_status_lists_rows_statuses_and_reviews() {
    let env = TestEnv::new();
    busy_repo(&env);
    let out = env.cekops(&["status"]);
    out.code(0);
    let expected = "\
EXTENSION            NAME      VERSION         STATUS                 AHEAD/BEHIND  REVIEW
com.example.alpha    알파봇    Commercial use  In service
                               Test            Under review           1/0           review #2 by Dev Eloper <dev@example.com> (0/1 approvals)
com.example.bravo    브라보봇  Test            Confirmation required  1/0
  feedback #1 from Bob Reviewer <bob@example.com> [unsigned]: icon too dark
com.example.charlie  찰리봇    Test            In development         1/0
";
    assert_eq!(out.stdout, expected);
    assert_eq!(out.stderr, "");
    // One ID.
    let one = env.cekops(&["status", B]);
    one.code(0).contains("Confirmation required").lacks(A);
    // JSON.
    let out = env.cekops(&["status", "--format", "json"]);
    out.code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["service"]["commit"], rev(&env, "service").as_str());
    let a = &v["extensions"][0];
    assert_eq!(a["id"], A);
    assert_eq!(a["name"], "알파봇");
    assert_eq!(a["rows"][0]["version"], "commercial-use");
    assert_eq!(a["rows"][0]["status"], "in-service");
    assert_eq!(a["rows"][1]["status"], "under-review");
    assert_eq!(a["rows"][1]["ahead"], 1);
    assert_eq!(a["review"]["number"], 2);
    assert_eq!(v["extensions"][1]["feedback"]["message"], "icon too dark");
    assert_eq!(v["extensions"][2]["rows"][0]["status"], "in-development");
}

#[test]
fn test_status_works_from_any_branch() {
    let env = TestEnv::new();
    busy_repo(&env);
    let on_service = env.cekops(&["status", "--format", "json"]).stdout;
    env.git(&["checkout", "-q", &format!("test/{C}")]);
    assert_eq!(
        env.cekops(&["status", "--format", "json"]).stdout,
        on_service
    );
    env.git(&["checkout", "-q", "--detach", "HEAD~1"]);
    assert_eq!(
        env.cekops(&["status", "--format", "json"]).stdout,
        on_service
    );
}

#[test]
fn test_push_to_bare_remote_and_fresh_clone_shows_the_same_status() {
    let env = TestEnv::new();
    busy_repo(&env);
    let remote = env.bare_remote();
    env.cekops(&["push"])
        .code(0)
        .contains("pushed to `origin`")
        .contains("refs/heads/service");
    for r in [
        "service",
        "cekops/records",
        &format!("test/{A}"),
        &format!("test/{C}"),
    ] {
        assert_eq!(env.git_in(&remote, &["rev-parse", r]), rev(&env, r), "{r}");
    }
    let want = env.cekops(&["status", "--format", "json"]).stdout;
    // The bare remote itself.
    let there = env.cekops_in(&remote, &["status", "--format", "json"], &[]);
    there.code(0);
    assert_eq!(there.stdout, want);
    // A fresh clone, after `cekops fetch` creates the local branches.
    let clone = env.clone_remote(&remote, "clone");
    env.cekops_in(&clone, &["fetch"], &[])
        .code(0)
        .contains("cekops/records: created")
        .contains(&format!("test/{A}: created"));
    let got = env.cekops_in(&clone, &["status", "--format", "json"], &[]);
    got.code(0);
    assert_eq!(got.stdout, want);
    env.cekops_in(&clone, &["audit"], &[]).code(0);
    // Approve in the clone, push, fetch back into the first repository.
    env.cekops_in(&clone, &["review", "approve", A], &ALICE)
        .code(0);
    env.cekops_in(&clone, &["push"], &[]).code(0);
    env.git(&["checkout", "-q", "--detach"]);
    env.cekops(&["fetch"])
        .code(0)
        .contains("service: fast-forwarded")
        .contains("cekops/records: fast-forwarded");
    assert_eq!(rev(&env, "service"), rev(&env, &format!("test/{A}")));
    assert_eq!(
        env.cekops(&["status", "--format", "json"]).stdout,
        env.cekops_in(&clone, &["status", "--format", "json"], &[])
            .stdout
    );
}

#[test]
fn test_push_is_atomic_and_refuses_when_the_remote_moved() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    env.git(&["checkout", "-q", "--detach"]);
    let remote = env.bare_remote();
    env.cekops(&["push"]).code(0);
    // Someone else approves and pushes first (simulated by a direct push of records).
    let other = env.clone_remote(&remote, "other");
    env.git_in(
        &other,
        &["commit", "-q", "--allow-empty", "-m", "elsewhere"],
    );
    env.git_in(&other, &["push", "-q", "origin", "service"]);
    let remote_service = env.git_in(&remote, &["rev-parse", "service"]);
    in_service(&env, A, "알파봇");
    // `service` moved on both sides outside any approval: push fetches, cannot merge that, and
    // refuses without sending anything.
    env.cekops(&["push"])
        .code(1)
        .contains("`service` or `cekops/records` has commits that `origin` lacks while `origin` has others")
        .contains("nothing was pushed")
        .contains("run `cekops audit`");
    // Atomic: neither the records branch nor the test branch arrived.
    assert_eq!(
        env.git_in(&remote, &["rev-parse", "service"]),
        remote_service
    );
    let missing = env.git_try_in(
        &remote,
        &["rev-parse", "--verify", "-q", "cekops/records"],
        &[],
    );
    assert_ne!(missing.code, 0);
    let missing = env.git_try_in(
        &remote,
        &["rev-parse", "--verify", "-q", &format!("test/{A}")],
        &[],
    );
    assert_ne!(missing.code, 0);
}

#[test]
fn test_push_after_sync_and_delete_updates_test_branches() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    env.git(&["checkout", "-q", "--detach"]);
    let remote = env.bare_remote();
    new_extension(&env, A, "알파봇");
    new_extension(&env, B, "브라보봇");
    new_extension(&env, C, "찰리봇");
    env.cekops(&["push"]).code(0);
    env.cekops(&["review", "request", A, "-m", "a"]).code(0);
    as_(&env, &ALICE, &["review", "approve", A]).code(0);
    env.cekops(&["sync", B]).code(0);
    env.cekops(&["delete", C]).code(0);
    env.cekops(&["push"]).code(0);
    assert_eq!(
        env.git_in(&remote, &["rev-parse", &format!("test/{B}")]),
        rev(&env, &format!("test/{B}"))
    );
    assert_eq!(
        env.git_in(&remote, &["rev-parse", "service"]),
        rev(&env, "service")
    );
    let gone = env.git_try_in(
        &remote,
        &["rev-parse", "--verify", "-q", &format!("test/{C}")],
        &[],
    );
    assert_ne!(gone.code, 0, "deleted test branch still on the remote");
    env.cekops(&["push"]).code(0);
}

#[test]
fn test_status_output() {
    let env = TestEnv::new();
    busy_repo(&env);
    let mut t = Transcript::new(&env);
    t.cekops(&["status"]).code(0);
    t.cekops(&["status", B]).code(0);
    t.note("an unknown ID");
    t.cekops(&["status", "com.example.brav"]).code(2);
    snapshot!(&env, "status", t.text());
}

#[test]
fn test_push_and_fetch_output() {
    let env = TestEnv::new();
    busy_repo(&env);
    let mut t = Transcript::new(&env);
    t.note("no remote yet");
    t.cekops(&["push"]).code(2);
    let remote = env.bare_remote();
    t.cekops(&["push"]).code(0);
    t.cekops(&["push"]).code(0);
    t.note("a fresh clone creates the local branches");
    let clone = env.clone_remote(&remote, "clone");
    t.cekops_in(&clone, &["fetch"], &[]).code(0);
    t.note("approve in the clone, push, fetch back");
    t.cekops_in(&clone, &["review", "approve", A], &ALICE)
        .code(0);
    t.cekops_in(&clone, &["push"], &[]).code(0);
    env.git(&["checkout", "-q", "--detach"]);
    t.cekops(&["fetch"]).code(0);
    t.cekops(&["fetch"]).code(0);
    snapshot!(&env, "push-and-fetch", t.text());
}
