//! `.pre-commit-hooks.yaml` with the real hook managers that read it: the `pre-commit` framework
//! (Python) and `prek` (its Rust re-implementation), both from PyPI (`.ci/run` installs them).
//! Without one the tests of that manager are skipped with a message, except under `CI`, where they
//! must run.

use std::path::Path;
use std::path::PathBuf;
use std::process::Command;

use crate::common;
use crate::common::Out;
use crate::common::TestEnv;
use crate::common::fixtures::copy_overlay;
use crate::common::fixtures::fixtures_dir;

const INTENT: &str = "extensions/com.example.base/interaction-model/intents/OrderCoffee.toml";

/// A hook manager: its executable name, the variable naming its path, how to install it.
struct Manager {
    name: &'static str,
    var: &'static str,
    install: &'static str,
}

const PRE_COMMIT: Manager = Manager {
    name: "pre-commit",
    var: "CEKOPS_PRE_COMMIT",
    install: "`pip install pre-commit`, or run `.ci/run`, which installs it from PyPI",
};

const PREK: Manager = Manager {
    name: "prek",
    var: "CEKOPS_PREK",
    install: "`pip install prek`, or run `.ci/run`, which installs it from PyPI",
};

/// The manager's executable (its variable, else the first on PATH), or `None` when it is
/// missing outside CI (the test is skipped with a message); under CI a missing tool fails.
fn manager_or_skip(m: &Manager, test: &str) -> Option<PathBuf> {
    common::tool_or_skip(test, m.name, m.var, m.install)
}

/// Run the hook manager in `dir` with the freshly built cekops first on PATH.
fn pre_commit(env: &TestEnv, tool: &Path, dir: &Path, args: &[&str]) -> Out {
    let mut cmd = Command::new(tool);
    env.apply(&mut cmd);
    cmd.env("PATH", path_with_cekops())
        .env("PRE_COMMIT_HOME", env.tmp.path().join("pre-commit-cache"))
        .env("PREK_HOME", env.tmp.path().join("prek-cache"))
        .current_dir(dir)
        .args(args);
    common::run(cmd)
}

fn path_with_cekops() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_cekops"))
        .parent()
        .unwrap()
        .to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&rest))).unwrap()
}

/// A git repository holding only this project's `.pre-commit-hooks.yaml` (what pre-commit
/// clones; the `-system` hooks need nothing else). Returns its path and commit.
fn hook_repo(env: &TestEnv) -> (PathBuf, String) {
    let dir = env.tmp.path().join("hook-repo");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        common::project_path(".pre-commit-hooks.yaml"),
        dir.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    env.git_in(&dir, &["init", "-q", "-b", "main"]);
    env.git_in(&dir, &["add", "-A"]);
    env.git_in(&dir, &["commit", "-q", "-m", "hooks"]);
    let rev = env.git_in(&dir, &["rev-parse", "HEAD"]);
    (dir, rev)
}

/// The base fixture as a committed repository.
fn sample(env: &TestEnv) {
    copy_overlay(&fixtures_dir().join("base"), &env.root, false);
    env.git_init_commit("service", "base");
    env.git(&["switch", "-q", "-c", "test/com.example.base"]);
}

fn add_utterance(env: &TestEnv, line: &str) {
    let text = env.read(INTENT);
    env.write(
        INTENT,
        text.replacen(
            "utterances = [\n",
            &format!("utterances = [\n    \"{line}\",\n"),
            1,
        ),
    );
}

#[test]
fn test_try_repo_runs_validate_and_fmt_hooks() {
    try_repo_runs_validate_and_fmt_hooks(&PRE_COMMIT, "test_try_repo_runs_validate_and_fmt_hooks");
}

#[test]
fn test_prek_try_repo_runs_validate_and_fmt_hooks() {
    try_repo_runs_validate_and_fmt_hooks(&PREK, "test_prek_try_repo_runs_validate_and_fmt_hooks");
}

fn try_repo_runs_validate_and_fmt_hooks(m: &Manager, test: &str) {
    let Some(tool) = manager_or_skip(m, test) else {
        return;
    };
    let env = TestEnv::new();
    sample(&env);
    let (hooks, _) = hook_repo(&env);
    let hooks = hooks.to_str().unwrap();

    // An utterance tagging a slot the intent does not have.
    let original = env.read(INTENT);
    add_utterance(&env, "<size>큰</size> 커피 주문해줘");
    env.git(&["add", INTENT]);
    let out = pre_commit(
        &env,
        &tool,
        &env.root,
        &["try-repo", hooks, "cekops-validate-system"],
    );
    out.code(1)
        .contains("cekops validate --staged")
        .contains("Failed")
        .contains("unknown-slot")
        .contains("OrderCoffee.toml");

    env.write(INTENT, &original);
    add_utterance(&env, "<coffeeType>카푸치노</coffeeType> 하나 주문해줘");
    env.git(&["add", INTENT]);
    pre_commit(
        &env,
        &tool,
        &env.root,
        &["try-repo", hooks, "cekops-validate-system"],
    )
    .code(0)
    .contains("Passed");

    // fmt --check: a file off the canonical layout fails until `cekops fmt` fixes it.
    let text = env
        .read(INTENT)
        .replacen("description = ", "description   =   ", 1);
    env.write(INTENT, &text);
    env.git(&["add", INTENT]);
    pre_commit(
        &env,
        &tool,
        &env.root,
        &["try-repo", hooks, "cekops-fmt-system"],
    )
    .code(1)
    .contains("cekops fmt --check")
    .contains("Failed")
    .contains("OrderCoffee.toml");
    env.cekops(&["fmt"]).code(0);
    env.git(&["add", "-A"]);
    pre_commit(
        &env,
        &tool,
        &env.root,
        &["try-repo", hooks, "cekops-fmt-system"],
    )
    .code(0)
    .contains("Passed");
}

#[test]
fn test_config_with_local_repo_blocks_a_git_commit() {
    config_with_local_repo_blocks_a_git_commit(
        &PRE_COMMIT,
        "test_config_with_local_repo_blocks_a_git_commit",
    );
}

#[test]
fn test_prek_config_with_local_repo_blocks_a_git_commit() {
    config_with_local_repo_blocks_a_git_commit(
        &PREK,
        "test_prek_config_with_local_repo_blocks_a_git_commit",
    );
}

fn config_with_local_repo_blocks_a_git_commit(m: &Manager, test: &str) {
    let Some(tool) = manager_or_skip(m, test) else {
        return;
    };
    let env = TestEnv::new();
    sample(&env);
    let (hooks, rev) = hook_repo(&env);
    env.write(
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: cekops-validate-system\n      - id: cekops-fmt-system\n",
            hooks.display()
        ),
    );
    env.git(&["add", ".pre-commit-config.yaml"]);
    env.git(&["commit", "-q", "-m", "pre-commit config"]);
    pre_commit(&env, &tool, &env.root, &["install"]).code(0);

    add_utterance(&env, "<size>큰</size> 커피 주문해줘");
    env.git(&["add", INTENT]);
    let head = env.git(&["rev-parse", "HEAD"]);
    // git runs the manager's hook, which runs cekops (found through PATH).
    let mut cmd = Command::new("git");
    env.apply(&mut cmd);
    cmd.env("PATH", path_with_cekops())
        .env("PRE_COMMIT_HOME", env.tmp.path().join("pre-commit-cache"))
        .env("PREK_HOME", env.tmp.path().join("prek-cache"))
        .current_dir(&env.root)
        .args(["commit", "-q", "-m", "bad utterance"]);
    common::run(cmd).code(1).contains("unknown-slot");
    assert_eq!(env.git(&["rev-parse", "HEAD"]), head);
}

#[test]
fn test_rust_and_system_hooks_run_the_same_commands() {
    let text = std::fs::read_to_string(common::project_path(".pre-commit-hooks.yaml")).unwrap();
    let hooks: Vec<serde_json::Value> = serde_norway::from_str(&text).unwrap();
    let by_id = |id: &str| {
        hooks
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("no hook {id}"))
            .clone()
    };
    assert_eq!(hooks.len(), 4);
    for (id, entry) in [
        ("cekops-validate", "cekops validate --staged"),
        ("cekops-fmt", "cekops fmt --check"),
    ] {
        let rust = by_id(id);
        let system = by_id(&format!("{id}-system"));
        assert_eq!(rust["language"], "rust");
        assert_eq!(system["language"], "system");
        for h in [&rust, &system] {
            assert_eq!(h["entry"], entry);
            assert_eq!(h["pass_filenames"], false);
            assert_eq!(h["files"], rust["files"]);
        }
    }
}
