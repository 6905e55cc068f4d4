//! Faults and bad input for the lifecycle commands: racing approvals, held locks, interrupted
//! approvals, broken records, missing branches, detached HEAD, shallow clones, dirty work trees.

use std::process::Command;

use crate::common::TestEnv;
use crate::common::chart::*;
use crate::common::run;

const ID: &str = "com.example.pizza";
const OTHER: &str = "com.example.other";

fn spawn_approve(env: &TestEnv, who: &Who, id: &str, barrier: &str) -> std::process::Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cekops"));
    env.apply(&mut cmd);
    cmd.current_dir(&env.root)
        .args(["review", "approve", id])
        .env("CEKOPS_TEST_BARRIER", barrier)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in who {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn")
}

fn finish(child: std::process::Child) -> (i32, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn no_lock_files(env: &TestEnv) {
    let out = run({
        let mut c = Command::new("find");
        c.arg(env.path(".git")).args(["-name", "*.lock"]);
        c
    });
    assert_eq!(out.stdout.trim(), "", "lock files left behind");
}

#[test]
fn test_two_racing_approvals_of_one_review_exactly_one_wins() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    env.git(&["checkout", "-q", "--detach"]);
    let tip = new_extension(&env, ID, "피자봇");
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(0);
    let records_before = rev(&env, "cekops/records");
    let barrier = env.tmp.path().join("barrier1");
    let spec = format!("{}:2", barrier.display());
    let a = spawn_approve(&env, &ALICE, ID, &spec);
    let b = spawn_approve(&env, &BOB, ID, &spec);
    let results = [finish(a), finish(b)];
    let wins = results.iter().filter(|(c, _)| *c == 0).count();
    assert_eq!(wins, 1, "{results:?}");
    let (_, loser) = results.iter().find(|(c, _)| *c != 0).unwrap();
    assert!(
        loser.contains("is locked by another process")
            || loser.contains("moved while cekops was working"),
        "{loser}"
    );
    assert!(loser.contains("nothing was changed"), "{loser}");
    // service moved once, the records branch got exactly one approval commit.
    assert_eq!(rev(&env, "service"), tip);
    assert_eq!(rev(&env, "cekops/records~1"), records_before);
    let rec = record(&env, ID, 1);
    assert_eq!(rec.matches("action = \"approve\"").count(), 1, "{rec}");
    no_lock_files(&env);
    env.cekops(&["audit"]).code(0);
}

#[test]
fn test_two_racing_approvals_of_different_extensions_one_must_sync() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    env.git(&["checkout", "-q", "--detach"]);
    new_extension(&env, ID, "피자봇");
    new_extension(&env, OTHER, "다른봇");
    env.cekops(&["review", "request", ID, "-m", "a"]).code(0);
    env.cekops(&["review", "request", OTHER, "-m", "b"]).code(0);
    let service_before = rev(&env, "service");
    let barrier = env.tmp.path().join("barrier2");
    let spec = format!("{}:2", barrier.display());
    let a = spawn_approve(&env, &ALICE, ID, &spec);
    let b = spawn_approve(&env, &BOB, OTHER, &spec);
    let results = [finish(a), finish(b)];
    assert_eq!(
        results.iter().filter(|(c, _)| *c == 0).count(),
        1,
        "{results:?}"
    );
    let winner = if results[0].0 == 0 { ID } else { OTHER };
    let loser = if winner == ID { OTHER } else { ID };
    assert_eq!(rev(&env, "service"), rev(&env, &format!("test/{winner}")));
    assert!(is_ancestor(&env, &service_before, "service"));
    // The loser's review is untouched and still open.
    assert!(record(&env, loser, 1).contains("state = \"open\""));
    assert!(!record(&env, loser, 1).contains("action = \"approve\""));
    no_lock_files(&env);
    env.cekops(&["sync", loser]).code(0);
    let reviewer = if winner == ID { &BOB } else { &ALICE };
    as_(&env, reviewer, &["review", "approve", loser]).code(0);
    env.cekops(&["audit"]).code(0);
}

#[test]
fn test_a_held_ref_lock_refuses_cleanly_and_status_explains_it() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    let tip = new_extension(&env, ID, "피자봇");
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(0);
    let lock = env.path(".git/refs/heads/service.lock");
    std::fs::write(&lock, "").unwrap();
    let refs = all_refs(&env);
    as_(&env, &ALICE, &["review", "approve", ID])
        .code(1)
        .contains("`refs/heads/service` is locked by another process; nothing was changed");
    assert_eq!(all_refs(&env), refs);
    assert!(!env.path(".git/refs/heads/cekops/records.lock").exists());
    env.cekops(&["status"])
        .code(0)
        .contains("warning: `refs/heads/service` is locked");
    std::fs::remove_file(&lock).unwrap();
    as_(&env, &ALICE, &["review", "approve", ID]).code(0);
    assert_eq!(rev(&env, "service"), tip);
}

#[test]
fn test_an_approval_interrupted_after_the_record_is_explained_and_finished() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    env.git(&["checkout", "-q", "--detach"]);
    let before = rev(&env, "service");
    let tip = new_extension(&env, ID, "피자봇");
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(0);
    as_(&env, &ALICE, &["review", "approve", ID]).code(0);
    // Simulate a crash between the records write and the service write.
    env.git(&["update-ref", "refs/heads/service", &before]);
    env.cekops(&["status"])
        .code(0)
        .contains("approval #1 of `com.example.pizza` is recorded but `service` did not move")
        .contains("hint: a reviewer finishes it with `cekops review approve com.example.pizza`");
    env.cekops(&["audit"]).code(1);
    as_(&env, &BOB, &["review", "approve", ID])
        .code(0)
        .contains("finished an interrupted approval");
    assert_eq!(rev(&env, "service"), tip);
    env.cekops(&["status"]).code(0).lacks("warning");
    env.cekops(&["audit"]).code(0);
}

#[test]
fn test_service_moved_outside_cekops_to_a_reviewed_commit() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    env.git(&["checkout", "-q", "--detach"]);
    let tip = new_extension(&env, ID, "피자봇");
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(0);
    env.git(&["update-ref", "refs/heads/service", &tip]);
    env.cekops(&["status"])
        .code(0)
        .contains("`service` points at the commit of open review #1 of `com.example.pizza`, but no approval is recorded");
    as_(&env, &ALICE, &["review", "approve", ID])
        .code(1)
        .contains("already points at the reviewed commit");
    env.cekops(&["audit"])
        .code(1)
        .contains("without an approved review");
}

#[test]
fn test_approve_refuses_when_the_service_work_tree_has_changes() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    new_extension(&env, ID, "피자봇");
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(0);
    env.write("cekops.toml", format!("{CONFIG}# my local edit\n"));
    let refs = all_refs(&env);
    as_(&env, &ALICE, &["review", "approve", ID])
        .code(1)
        .contains("`service` is checked out in")
        .contains("with uncommitted changes (`cekops.toml`); nothing was changed");
    assert_eq!(all_refs(&env), refs);
    assert!(env.read("cekops.toml").contains("# my local edit"));
    // An untracked file the approval would overwrite blocks it too.
    env.git(&["checkout", "-q", "cekops.toml"]);
    env.write(&format!("extensions/{ID}/server.toml"), "mine\n");
    as_(&env, &ALICE, &["review", "approve", ID])
        .code(1)
        .contains(&format!("`extensions/{ID}/server.toml`"));
    assert_eq!(env.read(&format!("extensions/{ID}/server.toml")), "mine\n");
    std::fs::remove_file(env.path(&format!("extensions/{ID}/server.toml"))).unwrap();
    as_(&env, &ALICE, &["review", "approve", ID]).code(0);
}

#[test]
fn test_a_broken_record_gives_a_clear_error_and_changes_nothing() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    new_extension(&env, ID, "피자봇");
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(0);
    env.git(&["checkout", "-q", "cekops/records"]);
    env.write(
        &format!("{ID}/1.toml"),
        "state = \"open\"\nthis is not toml\n",
    );
    env.git(&["commit", "-q", "-am", "oops"]);
    env.git(&["checkout", "-q", "service"]);
    let refs = all_refs(&env);
    as_(&env, &ALICE, &["review", "approve", ID])
        .code(1)
        .contains("record `com.example.pizza/1.toml` on `cekops/records` cannot be read")
        .contains("git log -p cekops/records -- com.example.pizza/1.toml");
    env.cekops(&["review", "request", ID, "-m", "again"])
        .code(1)
        .contains("cannot be read");
    assert_eq!(all_refs(&env), refs);
    env.cekops(&["status"])
        .code(0)
        .contains("warning: record `com.example.pizza/1.toml` on `cekops/records` cannot be read");
    env.cekops(&["audit"]).code(1).contains("cannot be read");
}

#[test]
fn test_missing_branches_and_unknown_ids() {
    let env = TestEnv::new();
    env.write("cekops.toml", CONFIG);
    env.git_init_commit("main", "init");
    env.cekops(&["status"])
        .code(1)
        .contains("the repository has no `service` branch")
        .contains("hint: run `cekops init`");
    env.git(&["branch", "service"]);
    env.cekops(&["status"])
        .code(0)
        .contains("no extensions yet");
    env.cekops(&["review", "approve", "com.example.nothing"])
        .code(2)
        .contains("unknown extension `com.example.nothing`");
    env.cekops(&["sync", "com.example.nothing"]).code(2);
    env.cekops(&["log", "com.example.nothing"]).code(2);
    let outside = TestEnv::new();
    outside
        .cekops(&["status"])
        .code(2)
        .contains("is not inside a git repository");
}

#[test]
fn test_detached_head_and_bare_repository_work() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    let tip = new_extension(&env, ID, "피자봇");
    env.git(&["checkout", "-q", "--detach", &tip]);
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(0);
    as_(&env, &ALICE, &["review", "approve", ID])
        .code(0)
        .lacks("updated the work tree");
    assert_eq!(rev(&env, "service"), tip);
    let bare = env.tmp.path().join("bare.git");
    env.git(&["clone", "-q", "--bare", ".", bare.to_str().unwrap()]);
    env.git_in(&bare, &["fetch", "-q", ".", "+refs/heads/*:refs/heads/*"]);
    let here = env.cekops(&["status", "--format", "json"]);
    let there = env.cekops_in(&bare, &["status", "--format", "json"], &[]);
    there.code(0);
    assert_eq!(here.stdout, there.stdout);
    env.cekops_in(&bare, &["audit"], &[]).code(0);
}

#[test]
fn test_shallow_clone_refuses_history_checks() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    in_service(&env, ID, "피자봇");
    commit_help_intent(&env, ID, "help");
    let shallow = env.tmp.path().join("shallow");
    let url = format!("file://{}", env.root.display());
    env.git_in(
        env.tmp.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            &url,
            shallow.to_str().unwrap(),
        ],
    );
    env.git_in(
        &shallow,
        &["branch", "-q", "cekops/records", "origin/cekops/records"],
    );
    env.git_in(
        &shallow,
        &[
            "branch",
            "-q",
            &format!("test/{ID}"),
            &format!("origin/test/{ID}"),
        ],
    );
    env.cekops_in(&shallow, &["audit"], &[])
        .code(1)
        .contains("this is a shallow clone")
        .contains("git fetch --unshallow");
    env.cekops_in(&shallow, &["sync", ID], &[])
        .code(1)
        .contains("shallow clone");
    env.cekops_in(&shallow, &["status"], &[])
        .code(0)
        .contains("warning: this is a shallow clone");
}
