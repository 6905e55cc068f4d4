//! `cekops hooks install [--server]` end to end: the real git CLI commits, resets, merges and
//! pushes (to bare repositories in the temp folder), and each rule refuses or allows.

use std::path::Path;
use std::path::PathBuf;

use crate::common::Out;
use crate::common::TestEnv;
use crate::common::chart::ALICE;
use crate::common::chart::CONFIG;
use crate::common::chart::new_extension;
use crate::common::chart::setup;
use crate::common::fixtures::copy_overlay;
use crate::common::fixtures::fixtures_dir;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

const EXT: &str = "extensions/com.example.base";
const INTENT: &str = "extensions/com.example.base/interaction-model/intents/OrderCoffee.toml";
const TEST: &str = "test/com.example.base";
const HOOKS: [&str; 3] = ["pre-commit", "reference-transaction", "pre-push"];

/// The base fixture committed on `service` (before any hook exists).
fn base_repo() -> TestEnv {
    let env = TestEnv::new();
    copy_overlay(&fixtures_dir().join("base"), &env.root, false);
    env.git_init_commit("service", "base");
    env
}

/// The base fixture with the client hooks installed and the test branch checked out.
fn repo() -> TestEnv {
    let env = base_repo();
    env.cekops(&["hooks", "install"]).code(0);
    env.git(&["switch", "-q", "-c", TEST]);
    env
}

fn git(env: &TestEnv, args: &[&str]) -> Out {
    env.git_try_in(&env.root, args, &[])
}

fn rev(env: &TestEnv, dir: &Path, r: &str) -> String {
    env.git_in(dir, &["rev-parse", r])
}

/// Add an utterance to the base intent (valid, or tagging a slot the intent does not have).
fn edit_intent(env: &TestEnv, valid: bool) {
    let text = env.read(INTENT);
    let line = if valid {
        "    \"<coffeeType>카푸치노</coffeeType> 하나 주문해줘\",\n"
    } else {
        "    \"<size>큰</size> 커피 주문해줘\",\n"
    };
    env.write(
        INTENT,
        text.replacen("utterances = [\n", &format!("utterances = [\n{line}"), 1),
    );
}

fn write_exec(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Name and content of every file in a folder.
fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// install / uninstall

#[test]
fn test_install_writes_executable_hooks_and_is_idempotent() {
    let env = base_repo();
    let out = env.cekops(&["hooks", "install"]);
    out.code(0);
    let dir = env.path(".git/hooks");
    for h in HOOKS {
        out.contains(&format!("{h:<22} installed"));
        let path = dir.join(h);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("#!/bin/sh\n# cekops-hook: "), "{text}");
        assert!(text.contains(&format!("hook {h} \"$@\"")), "{text}");
        assert!(text.contains(env!("CARGO_BIN_EXE_cekops")), "{text}");
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "{h} is not executable");
    }
    assert!(!dir.join("pre-receive").exists());
    let before = listing(&dir);
    let again = env.cekops(&["hooks", "install"]);
    again.code(0).lacks("installed").lacks("updated");
    for h in HOOKS {
        again.contains(&format!("{h:<22} unchanged"));
    }
    assert_eq!(
        listing(&dir),
        before,
        "a second install changed the hooks folder"
    );
}

#[test]
fn test_install_respects_relative_core_hooks_path() {
    let env = base_repo();
    env.git(&["config", "core.hooksPath", ".githooks"]);
    std::fs::create_dir_all(env.path("extensions/sub")).unwrap();
    env.cekops_in(&env.path("extensions/sub"), &["hooks", "install"], &[])
        .code(0)
        .contains(".githooks/pre-commit");
    for h in HOOKS {
        assert!(
            env.path(".githooks").join(h).is_file(),
            "{h} not in .githooks"
        );
        assert!(
            !env.path(".git/hooks").join(h).exists(),
            "{h} in .git/hooks"
        );
    }
    // git runs them from there: a commit on service is refused.
    env.write("notes.txt", "x");
    env.git(&["add", "notes.txt"]);
    git(&env, &["commit", "-q", "-m", "on service"])
        .code(1)
        .contains("cekops pre-commit")
        .contains("`service` is the service version: it moves only when a review is approved");
}

#[test]
fn test_existing_user_hook_is_chained_runs_first_and_still_blocks() {
    let env = base_repo();
    let hooks = env.path(".git/hooks");
    let ran = env.tmp.path().join("user-hook-ran");
    let user = format!(
        "#!/bin/sh\necho ran >> '{}'\n[ ! -e '{}' ]\n",
        ran.display(),
        env.tmp.path().join("fail").display()
    );
    write_exec(&hooks.join("pre-commit"), &user);
    // pre-push reads stdin: the user's hook must get it too.
    let seen = env.tmp.path().join("pre-push-input");
    write_exec(
        &hooks.join("pre-push"),
        &format!("#!/bin/sh\ncat > '{}'\n", seen.display()),
    );
    env.cekops(&["hooks", "install"])
        .code(0)
        .contains("pre-commit             installed; your hook now runs first as")
        .contains("pre-commit.local")
        .contains("reference-transaction  installed");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.local")).unwrap(),
        user
    );
    // A second install keeps the chain as it is.
    let before = listing(&hooks);
    env.cekops(&["hooks", "install"]).code(0).lacks("installed");
    assert_eq!(listing(&hooks), before);

    env.git(&["switch", "-q", "-c", TEST]);
    // Both run: the user's hook, then validation (which refuses an invalid intent).
    edit_intent(&env, false);
    env.git(&["add", INTENT]);
    git(&env, &["commit", "-q", "-m", "bad"])
        .code(1)
        .contains("unknown-slot");
    assert_eq!(std::fs::read_to_string(&ran).unwrap(), "ran\n");
    // The user's hook failing blocks a commit that validation accepts.
    env.git(&["checkout", "-q", "HEAD", "--", INTENT]);
    edit_intent(&env, true);
    env.git(&["add", INTENT]);
    std::fs::write(env.tmp.path().join("fail"), "").unwrap();
    let head = rev(&env, &env.root, "HEAD");
    git(&env, &["commit", "-q", "-m", "good"]).code(1);
    assert_eq!(rev(&env, &env.root, "HEAD"), head);
    std::fs::remove_file(env.tmp.path().join("fail")).unwrap();
    git(&env, &["commit", "-q", "-m", "good"]).code(0);
    assert_ne!(rev(&env, &env.root, "HEAD"), head);

    // pre-push: the user's hook still sees git's input lines.
    let remote = env.tmp.path().join("remote.git");
    env.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    env.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    env.git(&["push", "-q", "origin", TEST]);
    let input = std::fs::read_to_string(&seen).unwrap();
    assert_eq!(
        input,
        format!(
            "refs/heads/{TEST} {} refs/heads/{TEST} {}\n",
            rev(&env, &env.root, "HEAD"),
            "0".repeat(40)
        )
    );

    // uninstall puts the user's hooks back and removes the others.
    env.cekops(&["hooks", "uninstall"])
        .code(0)
        .contains("removed; your own hook is back from");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        user
    );
    assert!(!hooks.join("pre-commit.local").exists());
    assert!(!hooks.join("reference-transaction").exists());
    assert!(hooks.join("pre-push").exists());
}

#[test]
fn test_install_refuses_when_hook_and_local_copy_both_exist() {
    let env = base_repo();
    let hooks = env.path(".git/hooks");
    write_exec(&hooks.join("pre-push"), "#!/bin/sh\nexit 0\n");
    write_exec(&hooks.join("pre-push.local"), "#!/bin/sh\nexit 0\n");
    let before = listing(&hooks);
    env.cekops(&["hooks", "install"])
        .code(1)
        .contains("neither was written by cekops")
        .contains("nothing was written");
    assert_eq!(listing(&hooks), before);
}

#[test]
fn test_client_install_in_bare_repository_points_at_server() {
    let env = TestEnv::new();
    env.git(&["init", "-q", "--bare", "."]);
    env.cekops(&["hooks", "install"])
        .code(1)
        .contains("bare repository")
        .contains("hooks install --server");
    assert!(!env.path("hooks/pre-commit").exists());
    env.cekops(&["hooks", "install", "--server"])
        .code(0)
        .contains("pre-receive            installed")
        .contains(
            "HEAD now names `service` instead of `master`, so clones check out the service branch",
        );
    assert_eq!(env.git(&["symbolic-ref", "HEAD"]), "refs/heads/service");
    assert!(env.path("hooks/pre-receive").is_file());
    env.cekops(&["hooks", "install", "--server"])
        .code(0)
        .contains("pre-receive            unchanged");
    env.cekops(&["hooks", "uninstall"])
        .code(0)
        .contains("pre-receive            removed");
    assert!(!env.path("hooks/pre-receive").exists());
}

#[test]
fn test_hooks_without_cekops_fail_closed_except_reference_transaction() {
    let env = base_repo();
    // Install from a copy of the binary, then remove the copy: no cekops anywhere.
    let bin = env.tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let copy = bin.join("cekops-copy");
    // Copy with `cp`, not std::fs::copy: a write descriptor open in this (multi-threaded) test
    // process can leak into another test's fork and make executing the copy fail with
    // "Text file busy".
    let cp = std::process::Command::new("cp")
        .arg(env!("CARGO_BIN_EXE_cekops"))
        .arg(&copy)
        .status()
        .unwrap();
    assert!(cp.success());
    let mut cmd = std::process::Command::new(&copy);
    env.apply(&mut cmd);
    cmd.current_dir(&env.root).args(["hooks", "install"]);
    crate::common::run(cmd).code(0);
    std::fs::remove_file(&copy).unwrap();
    let path = [("PATH", "/usr/local/bin:/usr/bin:/bin")];
    // reference-transaction: git keeps working, with a warning.
    let out = env.git_try_in(&env.root, &["switch", "-q", "-c", TEST], &path);
    out.code(0)
        .contains("cekops is not installed")
        .contains("service is not protected");
    // pre-commit: refused.
    env.write("notes.txt", "x");
    env.git(&["add", "notes.txt"]);
    let out = env.git_try_in(&env.root, &["commit", "-q", "-m", "x"], &path);
    out.code(1)
        .contains("cekops pre-commit hook: cekops is not installed")
        .contains("cekops hooks uninstall");
}

// ---------------------------------------------------------------------------------------------
// pre-commit

#[test]
fn test_pre_commit_validates_the_staged_change() {
    let env = repo();
    let original = env.read(INTENT);
    edit_intent(&env, false);
    env.git(&["add", INTENT]);
    let head = rev(&env, &env.root, "HEAD");
    git(&env, &["commit", "-q", "-m", "bad"])
        .code(1)
        .contains("unknown-slot")
        .contains("OrderCoffee.toml")
        .contains("the commit was refused");
    assert_eq!(rev(&env, &env.root, "HEAD"), head);
    // The staged version is what counts: fixing only the work tree does not help.
    env.write(INTENT, &original);
    edit_intent(&env, true);
    git(&env, &["commit", "-q", "-m", "bad"])
        .code(1)
        .contains("unknown-slot");
    env.git(&["add", INTENT]);
    git(&env, &["commit", "-q", "-m", "good"]).code(0);
    assert_ne!(rev(&env, &env.root, "HEAD"), head);
}

#[test]
fn test_pre_commit_reads_the_index_git_commits_with_all_and_paths() {
    let env = repo();
    // `git commit -a` and `git commit <path>` stage into a temporary index (GIT_INDEX_FILE).
    edit_intent(&env, false);
    git(&env, &["commit", "-q", "-a", "-m", "bad"])
        .code(1)
        .contains("unknown-slot");
    git(&env, &["commit", "-q", "-m", "bad", "--", INTENT])
        .code(1)
        .contains("unknown-slot");
    assert_eq!(env.git(&["diff", "--cached", "--name-only"]), "");
}

#[test]
fn test_pre_commit_rechecks_only_the_touched_extensions() {
    let env = repo();
    // Another extension with an error, committed without the hook.
    let other = "extensions/com.example.other";
    copy_overlay(
        &fixtures_dir().join(format!("base/{EXT}")),
        &env.path(other),
        false,
    );
    let info = env
        .read(&format!("{other}/extension.toml"))
        .replace("\"com.example.base\"", "\"com.example.other\"")
        .replace("[\"베이스 커피\"]", "[\"다른 커피\"]");
    env.write(&format!("{other}/extension.toml"), info);
    let bad = format!("{other}/interaction-model/intents/OrderCoffee.toml");
    let text = env.read(&bad);
    env.write(
        &bad,
        text.replacen(
            "utterances = [\n",
            "utterances = [\n    \"<size>큰</size> 커피\",\n",
            1,
        ),
    );
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "--no-verify", "-m", "other, broken"]);
    // A valid change to the base extension commits: the other one is not re-checked.
    edit_intent(&env, true);
    env.git(&["add", INTENT]);
    git(&env, &["commit", "-q", "-m", "base only"])
        .code(0)
        .lacks("unknown-slot");
    // Touching the broken one is checked.
    env.write(&bad, format!("{}\n", env.read(&bad)));
    env.git(&["add", &bad]);
    git(&env, &["commit", "-q", "-m", "other"])
        .code(1)
        .contains("unknown-slot")
        .contains("com.example.other");
}

#[test]
fn test_pre_commit_refuses_commits_on_service() {
    let env = repo();
    env.git(&["switch", "-q", "service"]);
    edit_intent(&env, true);
    env.git(&["add", INTENT]);
    let service = rev(&env, &env.root, "service");
    git(&env, &["commit", "-q", "-m", "direct"])
        .code(1)
        .contains("error: cekops pre-commit: refs/heads/service: `service` is the service version")
        .contains("hint: commit on a test branch");
    // --no-verify skips pre-commit, but reference-transaction still refuses.
    git(&env, &["commit", "-q", "--no-verify", "-m", "direct"])
        .code(128)
        .contains("cekops reference-transaction")
        .contains("ref updates aborted by hook");
    assert_eq!(rev(&env, &env.root, "service"), service);
}

#[test]
fn test_pre_commit_uses_service_name_from_cekops_toml() {
    let env = TestEnv::new();
    copy_overlay(&fixtures_dir().join("base"), &env.root, false);
    let cfg = env
        .read("cekops.toml")
        .replace("service = \"service\"", "service = \"main\"");
    env.write("cekops.toml", cfg);
    env.git_init_commit("main", "base");
    env.cekops(&["hooks", "install"]).code(0);
    edit_intent(&env, true);
    env.git(&["add", INTENT]);
    git(&env, &["commit", "-q", "-m", "direct"])
        .code(1)
        .contains("`main` is the service version");
    env.git(&["switch", "-q", "-c", "service"]);
    git(&env, &["commit", "-q", "-m", "on a branch named service"]).code(0);
}

// ---------------------------------------------------------------------------------------------
// reference-transaction

/// Run a git command that must be refused by the reference-transaction hook, leaving `service`.
#[track_caller]
fn refused_move(env: &TestEnv, args: &[&str]) {
    refused_move_in(env, &env.root, args);
}

#[track_caller]
fn refused_move_in(env: &TestEnv, dir: &Path, args: &[&str]) {
    let before = env.git_in(dir, &["rev-parse", "refs/heads/service"]);
    let out = env.git_try_in(dir, args, &[]);
    assert_ne!(out.code, 0, "git {args:?} was allowed\n{}", out.both());
    out.contains("error: cekops reference-transaction: refs/heads/service:");
    assert_eq!(
        env.git_in(dir, &["rev-parse", "refs/heads/service"]),
        before,
        "git {args:?} moved service"
    );
}

#[test]
fn test_reference_transaction_refuses_moving_service_with_plain_git() {
    let env = repo();
    edit_intent(&env, true);
    env.git(&["add", INTENT]);
    env.git(&["commit", "-q", "-m", "test change"]);
    let test_tip = rev(&env, &env.root, "HEAD");
    let base = rev(&env, &env.root, "service");

    refused_move(&env, &["branch", "-f", "service", TEST]);
    refused_move(&env, &["branch", "-D", "service"]);
    refused_move(&env, &["branch", "-M", "service", "old-service"]);
    refused_move(&env, &["update-ref", "refs/heads/service", &test_tip]);
    refused_move(&env, &["update-ref", "-d", "refs/heads/service"]);
    refused_move(
        &env,
        &["push", "--no-verify", ".", &format!("{TEST}:service")],
    );

    env.git(&["switch", "-q", "service"]);
    refused_move(&env, &["merge", "-q", "--ff-only", TEST]);
    // git had already checked out the merged files when the hook refused the ref update.
    env.git(&["reset", "-q", "--hard", "HEAD"]);
    refused_move(&env, &["merge", "-q", "--no-ff", "-m", "merge", TEST]);
    env.git(&["reset", "-q", "--hard", "HEAD"]);
    refused_move(&env, &["reset", "-q", "--hard", &test_tip]);
    env.git(&["reset", "-q", "--hard", "HEAD"]);
    refused_move(&env, &["rebase", "-q", TEST]);
    let _ = git(&env, &["rebase", "--abort"]);
    env.git(&["reset", "-q", "--hard", "HEAD"]);
    refused_move(
        &env,
        &[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            "empty",
        ],
    );
    refused_move(
        &env,
        &["commit", "-q", "--no-verify", "--amend", "-m", "reworded"],
    );
    assert_eq!(rev(&env, &env.root, "service"), base);

    // Everything else still works: other branches move, tags, service re-checked out in place.
    env.git(&["reset", "-q", "--hard", "HEAD"]);
    env.git(&["switch", "-q", TEST]);
    env.git(&["branch", "-f", "scratch", "service"]);
    env.git(&["branch", "-D", "scratch"]);
    env.git(&["tag", "v1", "service"]);
    env.git(&["pack-refs", "--all"]);
    env.git(&["gc", "-q"]);
    assert_eq!(rev(&env, &env.root, "service"), base);
    // Packed, it is just as protected.
    assert!(!env.path(".git/refs/heads/service").exists());
    refused_move(&env, &["branch", "-D", "service"]);
    refused_move(&env, &["branch", "-f", "service", TEST]);
}

#[test]
fn test_reference_transaction_lets_cekops_internal_moves_through() {
    let env = repo();
    env.git(&["commit", "-q", "--allow-empty", "-m", "test change"]);
    let tip = rev(&env, &env.root, "HEAD");
    env.git_try_in(
        &env.root,
        &["branch", "-f", "service", TEST],
        &[("CEKOPS_INTERNAL", "1")],
    )
    .code(0);
    assert_eq!(rev(&env, &env.root, "service"), tip);
    // Any other value is no pass.
    let out = env.git_try_in(
        &env.root,
        &["branch", "-f", "service", "HEAD~1"],
        &[("CEKOPS_INTERNAL", "yes")],
    );
    out.contains("cekops reference-transaction");
    assert_eq!(rev(&env, &env.root, "service"), tip);
}

#[test]
fn test_reference_transaction_allows_following_the_remote_service() {
    let env = base_repo();
    let remote = env.tmp.path().join("remote.git");
    let url = remote.to_str().unwrap();
    env.git(&["init", "-q", "--bare", url]);
    env.git(&["push", "-q", url, "service"]);
    // A clone with the hooks: creating its local service is fine.
    let clone = env.tmp.path().join("clone");
    env.git(&["init", "-q", "-b", "work", clone.to_str().unwrap()]);
    env.git_in(&clone, &["remote", "add", "origin", url]);
    env.git_in(&clone, &["fetch", "-q", "origin"]);
    env.cekops_in(&clone, &["hooks", "install"], &[]).code(0);
    env.git_in(&clone, &["switch", "-q", "service"]);
    assert_eq!(
        rev(&env, &clone, "service"),
        rev(&env, &env.root, "service")
    );
    // service moves on the remote (approved there); the clone follows by fast-forward.
    env.git(&["commit", "-q", "--allow-empty", "-m", "approved elsewhere"]);
    env.git(&["push", "-q", url, "service"]);
    let moved = rev(&env, &env.root, "service");
    env.git_in(&clone, &["pull", "-q", "--ff-only", "origin", "service"]);
    assert_eq!(rev(&env, &clone, "service"), moved);
    // But not to a commit the remote does not have.
    refused_move_in(
        &env,
        &clone,
        &[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            "local",
        ],
    );
    refused_move_in(&env, &clone, &["reset", "-q", "--hard", "HEAD~1"]);
}

// ---------------------------------------------------------------------------------------------
// With the review workflow

const A: &str = "com.example.alpha";
const TEST_A: &str = "test/com.example.alpha";

/// A lifecycle repository (alice and bob review) with `test/<A>` holding a valid extension.
fn chart_repo() -> TestEnv {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    new_extension(&env, A, "알파봇");
    env
}

/// A bare remote `remote.git` next to the repository, registered as `origin`, holding `service`.
fn with_remote(env: &TestEnv, server_hook: bool) -> PathBuf {
    let remote = env.bare_remote();
    if server_hook {
        env.cekops_in(&remote, &["hooks", "install", "--server"], &[])
            .code(0)
            .contains("pre-receive            installed");
    }
    env.git(&["push", "-q", "origin", "service", TEST_A]);
    remote
}

fn remote_rev(env: &TestEnv, remote: &Path, r: &str) -> Option<String> {
    let out = env.git_try_in(remote, &["rev-parse", "--verify", "-q", r], &[]);
    (out.code == 0).then(|| out.stdout.trim().to_string())
}

#[track_caller]
fn refused_push(env: &TestEnv, remote: &Path, args: &[&str], refname: &str, why: &str) {
    let before = env.git_in(remote, &["for-each-ref"]);
    let mut all = vec!["push"];
    all.extend(args);
    let out = git(env, &all);
    assert_ne!(out.code, 0, "git {all:?} was accepted\n{}", out.both());
    out.contains(&format!("remote: error: cekops pre-receive: {refname}: "))
        .contains(why);
    assert_eq!(
        env.git_in(remote, &["for-each-ref"]),
        before,
        "git {all:?} moved refs"
    );
}

#[test]
fn test_pre_commit_refuses_commits_on_a_test_branch_under_review() {
    let env = chart_repo();
    env.cekops(&["hooks", "install"]).code(0);
    env.cekops(&["review", "request", A, "-m", "please"])
        .code(0);
    env.git(&["switch", "-q", TEST_A]);
    let tip = rev(&env, &env.root, "HEAD");
    env.write("extensions/com.example.alpha/notes.txt", "x");
    env.git(&["add", "-A"]);
    git(&env, &["commit", "-q", "-m", "while under review"])
        .code(1)
        .contains(&format!(
            "error: cekops pre-commit: refs/heads/{TEST_A}: `{TEST_A}` is locked"
        ))
        .contains(&format!("cekops review cancel {A}"));
    assert_eq!(rev(&env, &env.root, "HEAD"), tip);
    env.cekops(&["review", "cancel", A]).code(0);
    git(&env, &["commit", "-q", "-m", "after cancel"]).code(0);
}

#[test]
fn test_cekops_approve_and_fetch_work_with_the_hooks_installed() {
    let env = chart_repo();
    let remote = with_remote(&env, true);
    env.cekops(&["hooks", "install"]).code(0);
    env.cekops(&["review", "request", A, "-m", "please"])
        .code(0);
    // Approve with service checked out: cekops moves it (and the work tree) itself.
    env.git(&["switch", "-q", "service"]);
    env.cekops_in(&env.root, &["review", "approve", A], &ALICE)
        .code(0);
    assert_eq!(
        rev(&env, &env.root, "service"),
        rev(&env, &env.root, TEST_A)
    );
    assert!(
        env.path("extensions/com.example.alpha/extension.toml")
            .is_file()
    );
    // pre-push audits it, the server accepts it.
    env.cekops(&["push"]).code(0);
    assert_eq!(
        remote_rev(&env, &remote, "service"),
        Some(rev(&env, &env.root, "service"))
    );
    // A clone with the hooks follows with `cekops fetch`.
    let clone = env.tmp.path().join("clone");
    env.git(&[
        "clone",
        "-q",
        "-b",
        TEST_A,
        remote.to_str().unwrap(),
        clone.to_str().unwrap(),
    ]);
    env.cekops_in(&clone, &["hooks", "install"], &[]).code(0);
    env.cekops_in(&clone, &["fetch"], &[]).code(0);
    assert_eq!(
        rev(&env, &clone, "service"),
        rev(&env, &env.root, "service")
    );
}

#[test]
fn test_pre_push_refuses_a_service_audit_rejects() {
    let env = chart_repo();
    let remote = with_remote(&env, false);
    env.cekops(&["hooks", "install"]).code(0);
    let before = remote_rev(&env, &remote, "service");
    env.git(&["switch", "-q", "--detach"]);
    // Moved without an approval (past the local guard on purpose).
    let internal = [("CEKOPS_INTERNAL", "1")];
    env.git_try_in(&env.root, &["branch", "-f", "service", TEST_A], &internal)
        .code(0);
    let out = git(&env, &["push", "origin", "service"]);
    out.code(1)
        .contains("error: cekops pre-push: refs/heads/service: `service` moves only by fast-forward to approved commits; `cekops audit` finds:")
        .contains("is on `service` without an approved review or stop")
        .contains("hint: `service` moves through `cekops review approve <ID>`");
    assert_eq!(remote_rev(&env, &remote, "service"), before);
    // Deleting or rewinding the remote's service.
    let out = git(&env, &["push", "origin", ":service"]);
    out.code(1)
        .contains("`service` cannot be deleted on the remote");
    let tree = env.git(&["rev-parse", "HEAD^{tree}"]);
    let orphan = env.git(&["commit-tree", &tree, "-m", "orphan"]);
    let out = git(
        &env,
        &[
            "push",
            "-f",
            "origin",
            &format!("{orphan}:refs/heads/service"),
        ],
    );
    out.code(1).contains("would not be fast-forwarded");
    assert_eq!(remote_rev(&env, &remote, "service"), before);
    // Back to where it was, then an approved move goes through.
    let back = before.clone().unwrap();
    env.git_try_in(&env.root, &["branch", "-f", "service", &back], &internal)
        .code(0);
    env.cekops(&["review", "request", A, "-m", "please"])
        .code(0);
    env.cekops_in(&env.root, &["review", "approve", A], &ALICE)
        .code(0);
    env.cekops(&["push"]).code(0);
    assert_eq!(
        remote_rev(&env, &remote, "service"),
        Some(rev(&env, &env.root, TEST_A))
    );
}

#[test]
fn test_server_accepts_an_approved_fast_forward_with_its_record_in_the_same_push() {
    let env = chart_repo();
    let remote = with_remote(&env, true);
    env.cekops(&["review", "request", A, "-m", "please"])
        .code(0);
    env.cekops_in(&env.root, &["review", "approve", A], &ALICE)
        .code(0);
    // service alone: the server has no record approving it.
    refused_push(
        &env,
        &remote,
        &["origin", "service"],
        "refs/heads/service",
        "without an approved review or stop",
    );
    // With the records branch in the same push it is proved.
    let out = git(
        &env,
        &["push", "--atomic", "origin", "service", "cekops/records"],
    );
    out.code(0);
    assert_eq!(
        remote_rev(&env, &remote, "service"),
        Some(rev(&env, &env.root, "service"))
    );
    assert_eq!(
        remote_rev(&env, &remote, "cekops/records"),
        Some(rev(&env, &env.root, "cekops/records"))
    );
    env.cekops_in(&remote, &["audit"], &[]).code(0);
}

#[test]
fn test_server_refuses_unapproved_rewound_and_deleted_service() {
    let env = chart_repo();
    let remote = with_remote(&env, true);
    let base = rev(&env, &env.root, "service");
    // An unapproved fast-forward.
    refused_push(
        &env,
        &remote,
        &["origin", &format!("{TEST_A}:service")],
        "refs/heads/service",
        "`service` moves only by fast-forward to approved commits",
    );
    // Approve and push properly, then try to rewind and delete.
    env.cekops(&["review", "request", A, "-m", "please"])
        .code(0);
    env.cekops_in(&env.root, &["review", "approve", A], &ALICE)
        .code(0);
    env.cekops(&["push"]).code(0);
    refused_push(
        &env,
        &remote,
        &["-f", "origin", &format!("{base}:refs/heads/service")],
        "refs/heads/service",
        "`service` moves only by fast-forward",
    );
    refused_push(
        &env,
        &remote,
        &["origin", ":service"],
        "refs/heads/service",
        "cannot be deleted",
    );
}

#[test]
fn test_server_keeps_the_records_branch_append_only() {
    let env = chart_repo();
    let remote = with_remote(&env, true);
    env.cekops(&["review", "request", A, "-m", "please"])
        .code(0);
    env.cekops(&["push"]).code(0);
    let records = rev(&env, &env.root, "cekops/records");
    // Rewriting: a different commit in its place.
    let tree = env.git(&["rev-parse", "cekops/records^{tree}"]);
    let forged = env.git(&["commit-tree", &tree, "-m", "forged"]);
    refused_push(
        &env,
        &remote,
        &[
            "-f",
            "origin",
            &format!("{forged}:refs/heads/cekops/records"),
        ],
        "refs/heads/cekops/records",
        "is append-only",
    );
    // Deleting.
    refused_push(
        &env,
        &remote,
        &["origin", ":cekops/records"],
        "refs/heads/cekops/records",
        "cannot be deleted",
    );
    // Removing a record file in a new commit on top.
    let empty = env.git(&["mktree"]);
    let removal = env.git(&["commit-tree", &empty, "-p", &records, "-m", "remove"]);
    refused_push(
        &env,
        &remote,
        &["origin", &format!("{removal}:refs/heads/cekops/records")],
        "refs/heads/cekops/records",
        "the push removes com.example.alpha/1.toml",
    );
    // Adding to it is fine.
    env.cekops(&["review", "cancel", A]).code(0);
    env.cekops(&["push"]).code(0);
    assert_eq!(
        remote_rev(&env, &remote, "cekops/records"),
        Some(rev(&env, &env.root, "cekops/records"))
    );
}

#[test]
fn test_server_refuses_moving_a_test_branch_under_review() {
    let env = chart_repo();
    let remote = with_remote(&env, true);
    env.cekops(&["review", "request", A, "-m", "please"])
        .code(0);
    env.cekops(&["push"]).code(0);
    let pinned = rev(&env, &env.root, TEST_A);
    // A commit on the test branch (this clone has no hooks) cannot reach the server.
    env.git(&["switch", "-q", TEST_A]);
    env.git(&["commit", "-q", "--allow-empty", "-m", "sneaky"]);
    refused_push(
        &env,
        &remote,
        &["origin", TEST_A],
        &format!("refs/heads/{TEST_A}"),
        &format!(
            "`{TEST_A}` is under review (review #1 requested by dev@example.com) and cannot be moved"
        ),
    );
    refused_push(
        &env,
        &remote,
        &["origin", &format!(":{TEST_A}")],
        &format!("refs/heads/{TEST_A}"),
        "cannot be deleted",
    );
    assert_eq!(remote_rev(&env, &remote, TEST_A), Some(pinned));
    // Cancelled in the same push: the branch may move.
    env.cekops(&["review", "cancel", A]).code(0);
    git(
        &env,
        &["push", "--atomic", "origin", TEST_A, "cekops/records"],
    )
    .code(0);
    assert_eq!(
        remote_rev(&env, &remote, TEST_A),
        Some(rev(&env, &env.root, TEST_A))
    );
}

#[test]
fn test_server_accepts_sync_of_a_reviewed_branch_and_an_approved_stop() {
    let env = chart_repo();
    let remote = with_remote(&env, true);
    let b = "com.example.beta";
    new_extension(&env, b, "베타봇");
    env.cekops(&["review", "request", A, "-m", "alpha"]).code(0);
    env.cekops(&["review", "request", b, "-m", "beta"]).code(0);
    env.cekops_in(&env.root, &["review", "approve", b], &ALICE)
        .code(0);
    env.cekops(&["push"]).code(0);
    // service moved under A's open review: sync rebases test/A and records the new commit, and
    // the server lets the reviewed branch move to exactly that commit.
    env.git(&["switch", "-q", "--detach"]);
    env.cekops(&["sync", A]).code(0);
    env.cekops(&["push"]).code(0);
    assert_eq!(
        remote_rev(&env, &remote, TEST_A),
        Some(rev(&env, &env.root, TEST_A))
    );
    env.cekops_in(&env.root, &["review", "approve", A], &ALICE)
        .code(0);
    env.cekops(&["push"]).code(0);
    // An approved stop: a commit cekops writes, removing the extension from service.
    env.cekops(&["stop", b, "--reason", "retired"]).code(0);
    env.cekops_in(&env.root, &["review", "approve", b], &ALICE)
        .code(0);
    env.cekops(&["push"]).code(0);
    let service = rev(&env, &env.root, "service");
    assert_eq!(remote_rev(&env, &remote, "service"), Some(service.clone()));
    let tree = env.git(&["ls-tree", "--name-only", "service", "extensions/"]);
    assert_eq!(tree, "extensions/com.example.alpha");
    env.cekops_in(&remote, &["audit"], &[]).code(0);
}

#[test]
fn test_linked_work_trees_share_the_hooks() {
    let env = repo();
    let wt = env.tmp.path().join("wt");
    env.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "test/com.example.other",
        wt.to_str().unwrap(),
        "service",
    ]);
    env.cekops_in(&wt, &["hooks", "install"], &[])
        .code(0)
        .contains("pre-commit             unchanged")
        .contains(".git/hooks/pre-commit");
    // The hooks run there too: validation of the staged change, and service stays protected.
    let intent = wt.join(INTENT);
    let text = std::fs::read_to_string(&intent).unwrap();
    std::fs::write(
        &intent,
        text.replacen(
            "utterances = [\n",
            "utterances = [\n    \"<size>큰</size> 커피\",\n",
            1,
        ),
    )
    .unwrap();
    env.git_in(&wt, &["add", INTENT]);
    env.git_try_in(&wt, &["commit", "-q", "-m", "bad"], &[])
        .code(1)
        .contains("unknown-slot");
    env.git_in(
        &wt,
        &["commit", "-q", "--no-verify", "--allow-empty", "-m", "x"],
    );
    refused_move_in(&env, &wt, &["branch", "-f", "service", "HEAD"]);
}

// ---------------------------------------------------------------------------------------------
// human output

#[test]
fn test_hooks_output() {
    let env = base_repo();
    let mut t = Transcript::new(&env);
    t.cekops(&["hooks", "install"]).code(0);
    t.cekops(&["hooks", "install"]).code(0);
    t.note("a refused commit on service");
    env.write("notes.txt", "x");
    env.git(&["add", "notes.txt"]);
    let refused = git(&env, &["commit", "-q", "-m", "on service"]);
    refused.code(1);
    t.note(&format!(
        "git commit -q -m 'on service' (exit {}), its stderr:\n{}",
        refused.code,
        refused.stderr.trim_end()
    ));
    env.git(&["reset", "-q"]);
    t.cekops(&["hooks", "uninstall"]).code(0);
    t.cekops(&["hooks", "uninstall"]).code(0);
    t.note("a bare repository");
    let bare = env.tmp.path().join("bare.git");
    env.git_in(
        env.tmp.path(),
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "service",
            bare.to_str().unwrap(),
        ],
    );
    t.cekops_in(&bare, &["hooks", "install"], &[]).code(1);
    t.cekops_in(&bare, &["hooks", "install", "--server"], &[])
        .code(0);
    t.cekops_in(&bare, &["hooks", "uninstall"], &[]).code(0);
    snapshot!(&env, "hooks", t.text());
}
