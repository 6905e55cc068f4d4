//! `cekops init --ci github|gitlab`: the workflow files parse as YAML, hold the expected steps,
//! and their diff scripts treat `cekops diff`'s exit 2 ("changes") as success.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common;
use crate::common::Out;
use crate::common::TestEnv;

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

/// Every `run` script of a GitHub job, in order.
fn runs(job: &Value) -> Vec<String> {
    job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str().map(str::to_string))
        .collect()
}

fn step<'a>(job: &'a Value, name: &str) -> &'a Value {
    job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name:?}"))
}

#[test]
fn test_init_ci_github_commits_a_workflow_with_validate_diff_and_audit() {
    let env = TestEnv::new();
    env.cekops(&[
        "init",
        "skills",
        "--reviewer",
        "alice@example.com",
        "--ci",
        "github",
    ])
    .code(0)
    .contains(".github/workflows/cekops.yml");
    let repo = env.path("skills");
    let tracked = env.git_in(&repo, &["ls-tree", "-r", "--name-only", "service"]);
    assert!(
        tracked.lines().any(|l| l == ".github/workflows/cekops.yml"),
        "{tracked}"
    );
    assert_eq!(env.git_in(&repo, &["status", "--porcelain"]), "");

    let wf = yaml(&repo.join(".github/workflows/cekops.yml"));
    assert_eq!(wf["on"]["push"]["branches"], serde_json::json!(["service"]));
    assert!(wf["on"]["pull_request"].is_null() || wf["on"]["pull_request"].is_object());
    assert_eq!(wf["env"]["SERVICE_BRANCH"], "service");
    assert_eq!(wf["env"]["RECORDS_BRANCH"], "cekops/records");
    assert_eq!(wf["env"]["TEST_PREFIX"], "test/");
    assert_eq!(wf["env"]["TEST_SUFFIX"], "");
    assert_eq!(
        wf["env"]["CEKOPS_INSTALL"],
        "cargo install --locked --git \"$CEKOPS_GIT\" cekops"
    );
    // No URL known (no CEKOPS_GIT_URL): a placeholder the install step refuses.
    assert_eq!(
        wf["env"]["CEKOPS_GIT"],
        "REPLACE-ME with the git URL of cekops"
    );

    let validate = &wf["jobs"]["validate"];
    assert_eq!(validate["if"], "github.event_name == 'pull_request'");
    let r = runs(validate);
    assert!(r[0].ends_with("eval \"$CEKOPS_INSTALL\"\n"), "{}", r[0]);
    assert!(
        r[1].contains("stage=service")
            && r[1].ends_with("cekops validate --stage \"$stage\" --format github\n"),
        "{}",
        r[1]
    );
    assert_eq!(r[2], "cekops fmt --check");
    assert_eq!(r[3], "cekops test");
    let diff = step(validate, "Semantic diff into the job summary");
    let script = diff["run"].as_str().unwrap();
    assert!(
        script.contains(
            "cekops diff \"$id\" --from \"origin/$SERVICE_BRANCH\" --to HEAD --format markdown >> \"$GITHUB_STEP_SUMMARY\""
        ),
        "{script}"
    );
    assert_eq!(diff["env"]["HEAD_REF"], "${{ github.head_ref }}");

    let audit = &wf["jobs"]["audit"];
    assert_eq!(audit["if"], "github.event_name == 'push'");
    assert_eq!(
        runs(audit).last().unwrap(),
        "cekops audit --rev \"$SERVICE_BRANCH\""
    );
    // No host names: where cekops comes from is the one CEKOPS_GIT line.
    let text = std::fs::read_to_string(repo.join(".github/workflows/cekops.yml")).unwrap();
    assert!(!text.contains("://"), "{text}");
}

#[test]
fn test_init_ci_uses_the_service_branch_name() {
    let env = TestEnv::new();
    env.cekops(&[
        "init",
        "skills",
        "--service-branch",
        "main",
        "--ci",
        "gitlab",
    ])
    .code(0);
    let wf = yaml(&env.path("skills/.gitlab-ci.yml"));
    assert_eq!(wf["variables"]["SERVICE_BRANCH"], "main");
    let gh = TestEnv::new();
    gh.cekops(&["init", "--service-branch", "main", "--ci", "github"])
        .code(0);
    let wf = yaml(&gh.path(".github/workflows/cekops.yml"));
    assert_eq!(wf["on"]["push"]["branches"], serde_json::json!(["main"]));
    assert_eq!(wf["env"]["SERVICE_BRANCH"], "main");
}

#[test]
fn test_init_ci_in_an_initialised_repository_writes_only_the_workflow() {
    let env = TestEnv::new();
    env.cekops(&["init", "--reviewer", "alice@example.com"])
        .code(0);
    let head = env.git(&["rev-parse", "HEAD"]);
    let before = env.git(&["ls-files"]);
    env.cekops(&["init", "--ci", "gitlab"])
        .code(0)
        .contains("Wrote .gitlab-ci.yml (not committed)")
        .contains("request a review");
    assert_eq!(env.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(env.git(&["ls-files"]), before);
    assert_eq!(env.git(&["status", "--porcelain"]), "?? .gitlab-ci.yml");

    let wf = yaml(&env.path(".gitlab-ci.yml"));
    assert_eq!(wf["variables"]["GIT_DEPTH"], "0");
    let install = wf["default"]["before_script"][0].as_str().unwrap();
    assert!(install.ends_with("eval \"$CEKOPS_INSTALL\"\n"), "{install}");
    let validate = wf["cekops-validate"]["script"].as_array().unwrap();
    assert!(
        validate[0]
            .as_str()
            .unwrap()
            .contains("cekops validate --stage \"$stage\"")
    );
    assert_eq!(validate[1], "cekops fmt --check");
    assert_eq!(validate[2], "cekops test");
    assert_eq!(
        wf["cekops-validate"]["rules"][0]["if"],
        "$CI_PIPELINE_SOURCE == \"merge_request_event\""
    );
    let diff = wf["cekops-diff"]["script"][0].as_str().unwrap();
    assert!(diff.contains("cekops diff \"$id\" --from \"origin/$SERVICE_BRANCH\" --to HEAD --format markdown > cekops-diff.md"), "{diff}");
    assert_eq!(
        wf["cekops-diff"]["artifacts"]["paths"],
        serde_json::json!(["cekops-diff.md"])
    );
    assert_eq!(
        wf["cekops-audit"]["rules"][0]["if"],
        "$CI_COMMIT_BRANCH == $SERVICE_BRANCH"
    );
    assert_eq!(
        wf["cekops-audit"]["script"]
            .as_array()
            .unwrap()
            .last()
            .unwrap(),
        "cekops audit --rev \"$SERVICE_BRANCH\""
    );

    // Never over an existing file; other init options are not for an initialised repository.
    let text = env.read(".gitlab-ci.yml");
    env.write(".gitlab-ci.yml", "# mine\n");
    env.cekops(&["init", "--ci", "gitlab"])
        .code(1)
        .contains("already exists");
    assert_eq!(env.read(".gitlab-ci.yml"), "# mine\n");
    assert!(text.len() > 100);
    env.cekops(&["init", "--ci", "github", "--reviewer", "bob@example.com"])
        .code(2)
        .contains("already initialised");
    // Without --ci, init still refuses as before.
    env.cekops(&["init"])
        .code(1)
        .contains("would overwrite existing files");
}

/// Run a workflow's diff script with a fake `cekops` exiting `status`; a bare remote holds
/// `service`. Returns the script's output and what it wrote to the summary file.
fn run_diff_script(script: &str, head_ref: &str, status: i32, gitlab: bool) -> (Out, String) {
    let env = TestEnv::new();
    env.cekops(&["init"]).code(0);
    let remote = env.tmp.path().join("remote.git");
    env.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    env.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    env.git(&["push", "-q", "origin", "service"]);
    let bin = env.tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("cekops");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\necho \"## cekops $*\"\nexit {status}\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let summary = env.tmp.path().join("summary.md");
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let mut cmd = Command::new("sh");
    env.apply(&mut cmd);
    cmd.env("PATH", path)
        .env("SERVICE_BRANCH", "service")
        .env("TEST_PREFIX", "test/")
        .env("TEST_SUFFIX", "")
        .current_dir(&env.root)
        .args(["-e", "-c", script]);
    if gitlab {
        cmd.env("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", head_ref);
    } else {
        cmd.env("HEAD_REF", head_ref)
            .env("BASE_REF", "service")
            .env("GITHUB_STEP_SUMMARY", &summary);
    }
    let out = common::run(cmd);
    let written = if gitlab {
        std::fs::read_to_string(env.path("cekops-diff.md")).unwrap_or_default()
    } else {
        std::fs::read_to_string(&summary).unwrap_or_default()
    };
    (out, written)
}

#[test]
fn test_diff_scripts_accept_changes_and_fail_on_errors() {
    let env = TestEnv::new();
    env.cekops(&["init", "--ci", "github"]).code(0);
    let wf = yaml(&env.path(".github/workflows/cekops.yml"));
    let github = step(
        &wf["jobs"]["validate"],
        "Semantic diff into the job summary",
    )["run"]
        .as_str()
        .unwrap()
        .to_string();
    let gl = TestEnv::new();
    gl.cekops(&["init", "--ci", "gitlab"]).code(0);
    let wf = yaml(&gl.path(".gitlab-ci.yml"));
    let gitlab = wf["cekops-diff"]["script"][0].as_str().unwrap().to_string();

    for (script, is_gitlab) in [(&github, false), (&gitlab, true)] {
        let want =
            "## cekops diff com.example.pizzabot --from origin/service --to HEAD --format markdown";
        // 2 = changes, 0 = none: success, the markdown is kept.
        for status in [2, 0] {
            let (out, written) =
                run_diff_script(script, "test/com.example.pizzabot", status, is_gitlab);
            out.code(0);
            assert_eq!(written.trim(), want, "gitlab={is_gitlab} status={status}");
        }
        // 1 = error: the job fails.
        let (out, _) = run_diff_script(script, "test/com.example.pizzabot", 1, is_gitlab);
        out.code(1);
        // Not a test branch: no diff, no failure.
        let (out, written) = run_diff_script(script, "feature/x", 1, is_gitlab);
        out.code(0);
        assert!(!written.contains("## cekops"), "{written}");
    }
}

/// A folder on PATH with a fake `cargo` that checks the install command line (`cargo install
/// --locked --git URL cekops`, URL a reachable git repository) and "installs" the cekops under
/// test into the same folder.
fn fake_cargo(env: &TestEnv) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let bin = env.tmp.path().join("ci-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let cargo = bin.join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/bin/sh\nset -e\n[ \"$1 $2 $3\" = \"install --locked --git\" ] || {{ echo \"unexpected: cargo $*\" >&2; exit 3; }}\n[ \"$5\" = cekops ] && [ $# -eq 5 ] || {{ echo \"unexpected: cargo $*\" >&2; exit 3; }}\ngit ls-remote --exit-code \"$4\" HEAD >/dev/null || {{ echo \"not a git repository: $4\" >&2; exit 4; }}\nln -sf {} {}/cekops\necho \"installed cekops from $4\"\n",
            env!("CARGO_BIN_EXE_cekops"),
            bin.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// Run the `run:` steps of a GitHub job in order, as the runner would (bash -e, the workflow's
/// and the step's `env`); returns the output of the first failing step, or of the last one.
fn run_job(
    env: &TestEnv,
    wf: &Value,
    job: &str,
    vars: &[(&str, &str)],
    bin: &Path,
) -> (Out, String) {
    let path = std::env::join_paths(
        std::iter::once(bin.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let mut last = None;
    for step in wf["jobs"][job]["steps"].as_array().unwrap() {
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        let mut cmd = Command::new("bash");
        env.apply(&mut cmd);
        cmd.env("PATH", &path)
            .current_dir(&env.root)
            .args(["-e", "-c", script]);
        for (k, v) in wf["env"].as_object().unwrap() {
            cmd.env(k, v.as_str().unwrap());
        }
        for (k, v) in vars {
            cmd.env(k, v);
        }
        if let Some(e) = step["env"].as_object() {
            for (k, v) in e {
                // `${{ github.base_ref }}` and friends come from `vars`
                let v = v.as_str().unwrap();
                let name = v.trim_start_matches("${{ github.").trim_end_matches(" }}");
                let given = vars
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| *v);
                cmd.env(k, given.unwrap_or(v));
            }
        }
        let out = common::run(cmd);
        let name = step["name"].as_str().unwrap_or("").to_string();
        if out.code != 0 {
            return (out, name);
        }
        last = Some((out, name));
    }
    last.unwrap()
}

#[test]
fn test_generated_github_workflow_steps_run_for_real() {
    let env = TestEnv::new();
    // the "source repository" of cekops the workflow installs from
    let src = env.tmp.path().join("cekops-src.git");
    env.git(&["init", "-q", "--bare", src.to_str().unwrap()]);
    env.git_in(
        env.tmp.path(),
        &[
            "--git-dir",
            src.to_str().unwrap(),
            "symbolic-ref",
            "HEAD",
            "refs/heads/main",
        ],
    );
    let url = format!("file://{}", src.display());
    env.cekops_in(
        &env.root,
        &["init", "--ci", "github", "--reviewer", "alice@example.com"],
        &[("CEKOPS_GIT_URL", &url)],
    )
    .code(0);
    let wf = yaml(&env.path(".github/workflows/cekops.yml"));
    assert_eq!(wf["env"]["CEKOPS_GIT"], url.as_str());
    // something to install from
    let seed = env.tmp.path().join("seed");
    env.git(&["clone", "-q", src.to_str().unwrap(), seed.to_str().unwrap()]);
    env.git_in(&seed, &["commit", "-q", "--allow-empty", "-m", "cekops"]);
    env.git_in(&seed, &["push", "-q", "origin", "HEAD:main"]);
    let bin = fake_cargo(&env);

    // a test branch with an extension that passes the test-stage rules, not the service-stage ones
    env.git(&["checkout", "-q", "-b", "test/com.example.pizzabot"]);
    common::copy_dir(
        &common::project_path("example-repo/extensions"),
        &env.path("extensions"),
    );
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", "pizzabot"]);
    let vars = [
        ("BASE_REF", "feature"),
        ("HEAD_REF", "test/com.example.pizzabot"),
    ];
    let (out, name) = run_job(&env, &wf, "validate", &vars, &bin);
    assert_eq!(
        name, "Semantic diff into the job summary",
        "{}\n{}",
        out.stdout, out.stderr
    );
    out.code(0);

    let server = "extensions/com.example.pizzabot/server.toml";
    let text = env.read(server);
    env.write(server, text.replacen("https://", "http://", 1));
    env.git(&["commit", "-q", "-am", "plain http"]);
    // into a feature branch: test rules, fine
    let (out, _) = run_job(&env, &wf, "validate", &vars, &bin);
    out.code(0);
    // into service: the service-stage rules `review request` applies, so CI fails as it would
    let vars = [
        ("BASE_REF", "service"),
        ("HEAD_REF", "test/com.example.pizzabot"),
    ];
    let (out, name) = run_job(&env, &wf, "validate", &vars, &bin);
    assert_eq!(name, "Validate");
    out.code(1).contains("endpoint-scheme");
    env.cekops(&["review", "request", "com.example.pizzabot", "-m", "x"])
        .code(1);
    env.write(server, text);
    env.git(&["commit", "-q", "-am", "https again"]);

    // fmt --check and the utterance tests run too
    let intent = "extensions/com.example.pizzabot/interaction-model/intents/OrderPizza.toml";
    let mut messy = env.read(intent);
    messy.push_str("\n\n\n");
    env.write(intent, messy);
    env.git(&["commit", "-q", "-am", "messy"]);
    let (out, name) = run_job(&env, &wf, "validate", &vars, &bin);
    assert_eq!(name, "Formatting", "{}\n{}", out.stdout, out.stderr);
    assert_ne!(out.code, 0);

    // the placeholder URL makes the install step fail with a message
    let other = TestEnv::new();
    other.cekops(&["init", "--ci", "github"]).code(0);
    let wf = yaml(&other.path(".github/workflows/cekops.yml"));
    let bin = fake_cargo(&other);
    let (out, name) = run_job(&other, &wf, "validate", &vars, &bin);
    assert_eq!(name, "Install cekops");
    out.code(1)
        .contains("set CEKOPS_GIT in this workflow to the git URL of cekops");
}

#[test]
fn test_init_ci_is_not_blocked_by_an_interrupted_run_and_leaves_nothing_on_a_full_disk() {
    let env = TestEnv::new();
    env.cekops(&["init"]).code(0);
    let wf = env.path(".github/workflows/cekops.yml");
    // `init --ci github` with a file size limit of 0: with SIGXFSZ ignored, writes fail with EFBIG
    // (a full disk); without, the first write kills the process (like kill -9).
    let limited = |full_disk: bool| {
        let trap = if full_disk { "trap '' XFSZ; " } else { "" };
        let mut cmd = Command::new("sh");
        env.apply(&mut cmd);
        cmd.current_dir(&env.root).args([
            "-c",
            &format!(
                "{trap}ulimit -f 0; exec {} init --ci github",
                env!("CARGO_BIN_EXE_cekops")
            ),
        ]);
        common::run(cmd)
    };
    let out = limited(true);
    out.code(1).contains("nothing was written");
    assert!(!wf.exists());
    assert_eq!(
        env.git(&["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
    // killed while writing
    assert_ne!(limited(false).code, 0);
    // an empty workflow left by an older, interrupted run
    std::fs::create_dir_all(wf.parent().unwrap()).unwrap();
    std::fs::write(&wf, "").unwrap();
    env.cekops(&["init", "--ci", "github"]).code(0);
    assert!(
        env.read(".github/workflows/cekops.yml")
            .contains("cekops validate")
    );
    assert_eq!(
        env.git(&["status", "--porcelain", "--untracked-files=all"]),
        "?? .github/workflows/cekops.yml"
    );
}
