//! A hermetic environment per test: temp `HOME`, no global or system git config, fixed
//! identities and dates, no colour. Runs the real `cekops` binary and the real `git` CLI.
#![allow(dead_code)]

pub mod chart;
pub mod fixtures;
pub mod forge;
pub mod snap;
pub mod web;

use std::path::Path;
use std::path::PathBuf;
use std::process::Command;

pub const AUTHOR_NAME: &str = "Dev Eloper";
pub const AUTHOR_EMAIL: &str = "dev@example.com";
pub const DATE: &str = "2026-01-01T00:00:00+00:00";

/// The output of one command.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Assert the exit code, printing the output when it differs.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
    /// Assert that stdout or stderr contains `needle`.
    #[track_caller]
    pub fn contains(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle) || self.stderr.contains(needle),
            "output lacks {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
    #[track_caller]
    pub fn lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stdout.contains(needle) && !self.stderr.contains(needle),
            "output has {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
    /// stdout and stderr together, temp paths replaced by `[TMP]`.
    pub fn both(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// One temp folder with a hermetic environment.
pub struct TestEnv {
    pub tmp: tempfile::TempDir,
    pub home: PathBuf,
    /// The folder commands run in by default (`<tmp>/repo`).
    pub root: PathBuf,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let home = tmp.path().join("home");
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&root).unwrap();
        Self { tmp, home, root }
    }

    /// The environment every child process gets.
    pub fn apply(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_SYSTEM", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", AUTHOR_NAME)
            .env("GIT_AUTHOR_EMAIL", AUTHOR_EMAIL)
            .env("GIT_AUTHOR_DATE", DATE)
            .env("GIT_COMMITTER_NAME", AUTHOR_NAME)
            .env("GIT_COMMITTER_EMAIL", AUTHOR_EMAIL)
            .env("GIT_COMMITTER_DATE", DATE)
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .env("LANG", "C.UTF-8");
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Write a file under the repo folder, creating folders.
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap()
    }

    /// Run cekops in the repo folder.
    pub fn cekops(&self, args: &[&str]) -> Out {
        self.cekops_in(&self.root, args, &[])
    }

    /// Run cekops in `dir` with extra environment variables.
    pub fn cekops_in(&self, dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Out {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cekops"));
        self.apply(&mut cmd);
        cmd.current_dir(dir).args(args);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        run(cmd)
    }

    /// Run the real git CLI in the repo folder; panics when git fails.
    #[track_caller]
    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.root, args)
    }

    #[track_caller]
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.git_try_in(dir, args, &[]);
        assert_eq!(out.code, 0, "git {args:?} failed: {}", out.stderr);
        out.stdout.trim_end().to_string()
    }

    /// Run git, returning its output whatever the exit code.
    pub fn git_try_in(&self, dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Out {
        let mut cmd = Command::new("git");
        self.apply(&mut cmd);
        cmd.current_dir(dir).args(args);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        run(cmd)
    }

    /// Copy a folder of this project (e.g. `example-repo`) into the repo folder.
    pub fn copy_from_project(&self, rel: &str) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        copy_dir(&src, &self.root);
    }

    /// An empty bare repository `<tmp>/remote.git` (HEAD on `service`), added as `origin`.
    pub fn bare_remote(&self) -> PathBuf {
        let remote = self.tmp.path().join("remote.git");
        let url = remote.to_str().unwrap();
        self.git_in(
            self.tmp.path(),
            &["init", "-q", "--bare", "-b", "service", url],
        );
        self.git(&["remote", "add", "origin", url]);
        remote
    }

    /// `git clone -q <remote> <tmp>/<name>`; returns the clone's folder.
    pub fn clone_remote(&self, remote: &Path, name: &str) -> PathBuf {
        let dir = self.tmp.path().join(name);
        self.git_in(
            self.tmp.path(),
            &[
                "clone",
                "-q",
                remote.to_str().unwrap(),
                dir.to_str().unwrap(),
            ],
        );
        dir
    }

    /// `git init -b <branch>`, add everything, commit.
    pub fn git_init_commit(&self, branch: &str, message: &str) {
        self.git(&["init", "-q", "-b", branch]);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }
}

pub fn run(mut cmd: Command) -> Out {
    let out = cmd.output().expect("spawn");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// Whether this is a CI run (a non-empty `CI`), where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// An external tool a test needs: the path in `override_var` when set, else `name` on PATH.
/// When it is missing, the test fails under CI ([`in_ci`]) and is skipped elsewhere, saying so
/// on stderr (shown by `cargo test -- --nocapture`, and in the failure output under CI).
#[allow(clippy::print_stderr)]
pub fn tool_or_skip(test: &str, name: &str, override_var: &str, install: &str) -> Option<PathBuf> {
    let found = match std::env::var_os(override_var).filter(|p| !p.is_empty()) {
        Some(p) => {
            let p = PathBuf::from(p);
            assert!(
                p.is_file(),
                "{test}: {override_var} names {}, which is not a file",
                p.display()
            );
            Some(p)
        }
        None => std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        }),
    };
    match found {
        Some(p) => Some(p),
        None if in_ci() => panic!(
            "{test}: CI is set but `{name}` is not installed ({install}; or set {override_var} to its path)"
        ),
        None => {
            eprintln!(
                "SKIPPED {test}: `{name}` is not installed ({install}; or set {override_var}); under CI this test fails instead"
            );
            None
        }
    }
}

/// A PNG header of the given size (enough for every reader cekops uses).
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend(w.to_be_bytes());
    b.extend(h.to_be_bytes());
    b.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    b.extend(b"\0\0\0\0IEND\xae\x42\x60\x82");
    b
}

/// A file of this project (`CARGO_MANIFEST_DIR`), e.g. `README.md`.
pub fn project_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}
