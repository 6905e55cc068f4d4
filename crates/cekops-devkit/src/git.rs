//! git for the benchmarks: no user or system configuration, a fixed identity and date.

use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::process::Stdio;

/// Author and committer of every benchmark commit.
pub const NAME: &str = "Bench";
pub const EMAIL: &str = "bench@example.com";
/// The date of commits made with [`command`] (2026-01-01, UTC).
pub const DATE: &str = "2026-01-01T00:00:00+00:00";

/// Make `cmd` (git, or cekops and the hooks it runs) independent of the user's and the system's
/// git configuration, with the fixed identity and date.
pub fn hermetic(cmd: &mut Command) -> &mut Command {
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", NAME)
        .env("GIT_AUTHOR_EMAIL", EMAIL)
        .env("GIT_COMMITTER_NAME", NAME)
        .env("GIT_COMMITTER_EMAIL", EMAIL)
        .env("GIT_AUTHOR_DATE", DATE)
        .env("GIT_COMMITTER_DATE", DATE)
}

/// A hermetic git command run in `dir`.
pub fn command(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir);
    hermetic(&mut c);
    c
}

/// Run git in `dir`; its standard output without the final line break. Panics when git fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = command(dir).args(args).output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

/// Make the files of `dir` a repository: `git init -b <branch>`, everything added, one commit.
pub fn commit_all(dir: &Path, branch: &str, message: &str) {
    git(dir, &["init", "-q", "-b", branch]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

/// Feed `stream` to `git fast-import` in the repository `dir` (bare or not).
pub fn fast_import(dir: &Path, stream: &[u8]) {
    let mut child = command(dir)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stream)
        .expect("write the fast-import stream");
    assert!(
        child.wait().expect("wait for git fast-import").success(),
        "git fast-import failed"
    );
}
