//! `cekops init` end to end, cross-checked with the git CLI.

use std::path::Path;
use std::process::Command;

use crate::common;
use crate::common::AUTHOR_EMAIL;
use crate::common::AUTHOR_NAME;
use crate::common::Out;
use crate::common::TestEnv;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

/// Files of a work tree (relative, sorted), `.git` left out.
fn files_in(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            if e.file_name() == ".git" {
                continue;
            }
            if e.file_type().unwrap().is_dir() {
                walk(root, &e.path(), out);
            } else {
                let rel = e.path().strip_prefix(root).unwrap().to_path_buf();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

/// Run cekops with no git identity in the environment (and none in any config).
pub fn cekops_without_identity(env: &TestEnv, dir: &Path, args: &[&str]) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cekops"));
    env.apply(&mut cmd);
    for var in [
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
    ] {
        cmd.env_remove(var);
    }
    cmd.current_dir(dir).args(args);
    common::run(cmd)
}

#[test]
fn test_init_creates_repository_with_first_commit_on_service() {
    let env = TestEnv::new();
    let out = env.cekops(&["init", "skills", "--reviewer", "alice@example.com"]);
    out.code(0)
        .contains("Initialized an empty git repository")
        .contains("Created cekops.toml, extensions/.gitkeep, .gitignore")
        .contains("as the first commit of `service`");
    let repo = env.path("skills");
    assert_eq!(
        env.git_in(&repo, &["symbolic-ref", "HEAD"]),
        "refs/heads/service"
    );
    assert_eq!(
        env.git_in(&repo, &["ls-tree", "-r", "--name-only", "service"]),
        ".gitignore\ncekops.toml\nextensions/.gitkeep"
    );
    assert_eq!(env.git_in(&repo, &["rev-list", "--count", "service"]), "1");
    assert_eq!(
        env.git_in(
            &repo,
            &[
                "log",
                "-1",
                "--date=raw",
                "--format=%an <%ae> %ad | %cn <%ce> %cd | %s"
            ]
        ),
        format!(
            "{AUTHOR_NAME} <{AUTHOR_EMAIL}> 1767225600 +0000 | {AUTHOR_NAME} <{AUTHOR_EMAIL}> 1767225600 +0000 | Start the cekops extension repository"
        )
    );
    // The index and the work tree hold exactly the commit.
    assert_eq!(env.git_in(&repo, &["status", "--porcelain"]), "");
    assert_eq!(
        files_in(&repo),
        [".gitignore", "cekops.toml", "extensions/.gitkeep"]
    );
    // The review policy of design.md.
    let config: toml::Table = toml::from_str(&env.read("skills/cekops.toml")).unwrap();
    assert_eq!(config["branches"]["service"].as_str(), Some("service"));
    assert_eq!(config["branches"]["test"].as_str(), Some("test/{id}"));
    assert_eq!(
        config["branches"]["records"].as_str(),
        Some("cekops/records")
    );
    let review = &config["review"];
    assert_eq!(
        review["reviewers"].as_array().unwrap(),
        &vec![toml::Value::from("alice@example.com")]
    );
    assert_eq!(review["required_approvals"].as_integer(), Some(1));
    assert_eq!(review["allow_self_approval"].as_bool(), Some(false));
    assert_eq!(review["require_signed"].as_bool(), Some(false));
    assert!(env.read("skills/.gitignore").contains(".env"));
    // The new repository validates cleanly and is already formatted.
    env.cekops_in(&repo, &["validate"], &[])
        .code(0)
        .contains("no problems found");
    env.cekops_in(
        &repo,
        &["validate", "--rev", "service", "--format", "json"],
        &[],
    )
    .code(0)
    .contains("\"warnings\": 0");
    env.cekops_in(&repo, &["fmt", "--check"], &[]).code(0);
}

#[test]
fn test_init_author_and_date_come_from_git_environment() {
    let env = TestEnv::new();
    env.cekops_in(
        &env.root,
        &["init"],
        &[
            ("GIT_AUTHOR_NAME", "Kim Minji"),
            ("GIT_AUTHOR_EMAIL", "minji@example.kr"),
            ("GIT_AUTHOR_DATE", "2026-03-04 05:06:07 +0900"),
        ],
    )
    .code(0);
    assert_eq!(
        env.git(&["log", "-1", "--format=%an|%ae|%ad|%cn|%ce", "--date=raw"]),
        format!("Kim Minji|minji@example.kr|1772568367 +0900|{AUTHOR_NAME}|{AUTHOR_EMAIL}")
    );
}

#[test]
fn test_init_uses_git_config_identity_when_no_environment() {
    let env = TestEnv::new();
    env.git(&["init", "-q", "-b", "main"]);
    env.git(&["config", "user.name", "Config Person"]);
    env.git(&["config", "user.email", "config@example.com"]);
    cekops_without_identity(&env, &env.root, &["init"]).code(0);
    assert_eq!(
        env.git(&["log", "-1", "--format=%an <%ae>|%cn <%ce>"]),
        "Config Person <config@example.com>|Config Person <config@example.com>"
    );
}

#[test]
fn test_init_without_identity_is_a_clear_error_and_writes_nothing() {
    let env = TestEnv::new();
    let out = cekops_without_identity(&env, &env.root, &["init", "x"]);
    out.code(2)
        .contains("error: no git identity")
        .contains("git config --global user.name");
    assert!(!env.path("x").exists());
    // A repository without identity: refused before anything is written.
    env.git(&["init", "-q", "-b", "main"]);
    cekops_without_identity(&env, &env.root, &["init"]).code(2);
    assert!(files_in(&env.root).is_empty());
    assert!(
        env.git_try_in(&env.root, &["rev-parse", "--verify", "-q", "service"], &[])
            .code
            != 0
    );
}

#[test]
fn test_init_creates_missing_parent_folders_and_nests_like_git() {
    let env = TestEnv::new();
    env.write("README.md", "outer\n");
    env.git_init_commit("main", "outer");
    env.cekops(&["init", "x/y/skills"])
        .code(0)
        .contains("note: this is a separate repository inside the work tree of");
    let inner = env.path("x/y/skills");
    assert_eq!(
        env.git_in(&inner, &["rev-parse", "--show-toplevel"]),
        inner.canonicalize().unwrap().to_str().unwrap()
    );
    // The outer repository is unchanged apart from the new untracked folder.
    assert_eq!(env.git(&["status", "--porcelain"]), "?? x/");
    assert_eq!(env.git(&["rev-list", "--count", "main"]), "1");
}

#[test]
fn test_init_with_c_flag_and_current_folder() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.path("a/b")).unwrap();
    env.cekops(&["-C", "a/b", "init"]).code(0);
    assert!(env.path("a/b/.git").is_dir());
    assert!(env.path("a/b/cekops.toml").is_file());
    assert!(!env.path("a/.git").exists());
    assert_eq!(
        env.git_in(&env.path("a/b"), &["rev-parse", "--abbrev-ref", "HEAD"]),
        "service"
    );
}

#[test]
fn test_init_refuses_to_overwrite_and_writes_nothing() {
    let env = TestEnv::new();
    env.write("cekops.toml", "# mine\n");
    env.write("extensions/.gitkeep", "keep");
    let out = env.cekops(&["init", "--reviewer", "alice@example.com"]);
    out.code(1)
        .contains("would overwrite existing files: cekops.toml, extensions/.gitkeep")
        .contains("nothing was written");
    assert_eq!(env.read("cekops.toml"), "# mine\n");
    assert_eq!(env.read("extensions/.gitkeep"), "keep");
    assert!(!env.path(".git").exists());
    assert!(!env.path(".gitignore").exists());
    // One existing file is enough to refuse.
    let env = TestEnv::new();
    env.write("cekops.toml", "");
    env.cekops(&["init"])
        .code(1)
        .contains("existing files: cekops.toml");
    assert_eq!(files_in(&env.root), ["cekops.toml"]);
}

#[test]
fn test_init_keeps_an_existing_gitignore() {
    let env = TestEnv::new();
    env.write(".gitignore", "/build\n");
    env.write("notes.txt", "my notes\n");
    env.cekops(&["init"])
        .code(0)
        .contains("Created cekops.toml, extensions/.gitkeep\n")
        .contains("Kept the existing .gitignore")
        .contains("2 files in the folder are not committed")
        .contains("warning: no reviewers");
    assert_eq!(env.read(".gitignore"), "/build\n");
    assert_eq!(
        env.git(&["ls-tree", "-r", "--name-only", "service"]),
        "cekops.toml\nextensions/.gitkeep"
    );
    // Files the user had are left alone and untracked.
    assert_eq!(
        env.git(&["status", "--porcelain"]),
        "?? .gitignore\n?? notes.txt"
    );
}

#[test]
fn test_init_in_a_repository_with_commits_builds_service_on_top() {
    let env = TestEnv::new();
    env.write("README.md", "# skills\n");
    env.git_init_commit("main", "readme");
    let main = env.git(&["rev-parse", "main"]);
    env.cekops(&["init", "--reviewer", "bob@example.com"])
        .code(0)
        .contains(
            "on a new branch `service`, on top of `main` (now checked out; `main` is unchanged)",
        );
    assert_eq!(env.git(&["rev-parse", "main"]), main);
    assert_eq!(env.git(&["rev-parse", "service^"]), main);
    assert_eq!(env.git(&["symbolic-ref", "HEAD"]), "refs/heads/service");
    assert_eq!(
        env.git(&["diff", "--name-status", "main", "service"]),
        "A\t.gitignore\nA\tcekops.toml\nA\textensions/.gitkeep"
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    assert_eq!(env.read("README.md"), "# skills\n");
    env.cekops(&["validate"]).code(0);
}

#[test]
fn test_init_refuses_uncommitted_changes_in_a_repository_with_commits() {
    let env = TestEnv::new();
    env.write("README.md", "# skills\n");
    env.git_init_commit("main", "readme");
    env.write("README.md", "# skills, edited\n");
    env.git(&["add", "README.md"]);
    env.write("README.md", "# skills, edited twice\n");
    let before_refs = env.git(&["for-each-ref"]);
    let out = env.cekops(&["init"]);
    out.code(1)
        .contains("uncommitted changes: README.md")
        .contains("commit or stash");
    assert_eq!(env.git(&["for-each-ref"]), before_refs);
    assert_eq!(env.git(&["symbolic-ref", "HEAD"]), "refs/heads/main");
    assert_eq!(env.git(&["status", "--porcelain"]), "MM README.md");
    assert_eq!(env.read("README.md"), "# skills, edited twice\n");
    assert_eq!(files_in(&env.root), ["README.md"]);
}

#[test]
fn test_init_refuses_when_service_branch_exists() {
    let env = TestEnv::new();
    env.write("README.md", "x\n");
    env.git_init_commit("service", "start");
    let before = env.git(&["for-each-ref"]);
    env.cekops(&["init"])
        .code(1)
        .contains("branch `service` already exists")
        .contains("--service-branch");
    assert_eq!(env.git(&["for-each-ref"]), before);
    assert_eq!(files_in(&env.root), ["README.md"]);
}

#[test]
fn test_init_in_a_repository_without_commits_keeps_staged_files() {
    let env = TestEnv::new();
    env.git(&["init", "-q", "-b", "main"]);
    env.write("draft.txt", "draft\n");
    env.git(&["add", "draft.txt"]);
    env.cekops(&["init"])
        .code(0)
        .contains("as the first commit of `service`");
    assert_eq!(env.git(&["symbolic-ref", "HEAD"]), "refs/heads/service");
    assert_eq!(
        env.git(&["ls-tree", "-r", "--name-only", "service"]),
        ".gitignore\ncekops.toml\nextensions/.gitkeep"
    );
    // The user's staged file is still staged, not committed and not lost.
    assert_eq!(env.git(&["status", "--porcelain"]), "A  draft.txt");
}

#[test]
fn test_init_service_branch_option_names_the_branch() {
    let env = TestEnv::new();
    env.cekops(&["init", "--service-branch", "main"])
        .code(0)
        .contains("first commit of `main`");
    assert_eq!(env.git(&["symbolic-ref", "HEAD"]), "refs/heads/main");
    assert!(env.read("cekops.toml").contains("service = \"main\""));
    env.cekops(&["validate"]).code(0);
    // `cekops new` follows the configured name.
    env.cekops(&["new", "com.example.hello", "--language", "ko-KR"])
        .code(0)
        .contains("from `main`");
    assert_eq!(
        env.git(&["rev-parse", "test/com.example.hello^"]),
        env.git(&["rev-parse", "main"])
    );
}

#[test]
fn test_init_rejects_bad_arguments_without_writing() {
    let env = TestEnv::new();
    env.cekops(&["init", "--reviewer", "alice"])
        .code(2)
        .contains("reviewer `alice` is not an e-mail address");
    env.cekops(&["init", "--service-branch", "test/x"])
        .code(2)
        .contains("cannot be the service branch");
    env.cekops(&["init", "--service-branch", "a..b"]).code(2);
    assert!(files_in(&env.root).is_empty());
    assert!(!env.path(".git").exists());
    env.write("file", "x");
    env.cekops(&["init", "file"])
        .code(2)
        .contains("is not a folder");
}

#[test]
fn test_init_refuses_a_bare_repository() {
    let env = TestEnv::new();
    env.git(&["init", "-q", "--bare", "-b", "main", "bare.git"]);
    env.cekops(&["init", "bare.git"])
        .code(1)
        .contains("is a bare repository");
    assert!(!env.path("bare.git/cekops.toml").exists());
}

#[test]
fn test_init_deduplicates_reviewers() {
    let env = TestEnv::new();
    env.cekops(&[
        "init",
        "--reviewer",
        "a@example.com",
        "--reviewer",
        "b@example.com",
        "--reviewer",
        "a@example.com",
    ])
    .code(0);
    assert!(
        env.read("cekops.toml")
            .contains("reviewers = [\"a@example.com\", \"b@example.com\"]")
    );
}

#[test]
fn test_init_help_teaches() {
    let env = TestEnv::new();
    env.cekops(&["init", "--help"])
        .code(0)
        .contains("--reviewer <EMAIL>")
        .contains("Examples:")
        .contains("cekops init my-extensions --reviewer alice@example.com");
}

#[test]
fn test_init_output() {
    let env = TestEnv::new();
    let mut t = Transcript::new(&env);
    t.cekops(&["init", "--reviewer", "alice@example.com"])
        .code(0);
    t.note("a second init refuses to overwrite");
    t.cekops(&["init"]).code(1);
    snapshot!(&env, "init", t.text());
}
