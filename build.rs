//! Names the commit cekops is built from, for `cekops --version`.
//!
//! Sets `CEKOPS_LONG_VERSION` to `0.1.0 (commit 1a2b3c4d5e6f, 2026-12-02)` when the package is
//! the top of a git work tree (a clone, or cargo's own checkout for `cargo install --git`), with
//! `, modified` when files that go into the binary have uncommitted changes; from
//! `.cargo_vcs_info.json` when built from a published package; else just the version. A missing
//! `git`, a folder that is not a repository, or a repository that merely encloses the package
//! (an unpacked crate in a home folder kept in git) never fail the build: they only shorten the
//! string.
//!
//! Also sets `CEKOPS_COMMIT` to the full commit id (empty when unknown): the workflows that
//! `cekops init --ci` writes install exactly that commit.

use std::path::Path;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CEKOPS_BUILD_COMMIT");
    let (long, full) = match build_commit(&manifest_dir) {
        Some((commit, full)) => (format!("{version} ({commit})"), full),
        None => (version, String::new()),
    };
    println!("cargo:rustc-env=CEKOPS_LONG_VERSION={long}");
    println!("cargo:rustc-env=CEKOPS_COMMIT={full}");
}

/// `commit <12 hex>, <date>[, modified]` and the full commit id, or None.
fn build_commit(dir: &Path) -> Option<(String, String)> {
    // An explicit override, for builds from an export of the sources (`git archive`).
    if let Ok(c) = std::env::var("CEKOPS_BUILD_COMMIT")
        && !c.trim().is_empty()
    {
        let c = c.trim();
        return Some((format!("commit {c}"), c.to_string()));
    }
    from_git(dir).or_else(|| from_vcs_info(dir))
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        // A build started from a git hook must not read the hook's repository instead.
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_COMMON_DIR")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}

fn from_git(dir: &Path) -> Option<(String, String)> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(Path::new(&top), dir) {
        return None;
    }
    let line = git(
        dir,
        &["log", "-1", "--no-show-signature", "--format=%H %cs"],
    )?;
    let (hash, date) = line.split_once(' ')?;
    let short = hash.get(..12)?;

    // Rebuild when HEAD moves (a commit, a checkout) or a source file changes.
    let git_dir = git(dir, &["rev-parse", "--absolute-git-dir"]).map(PathBuf::from);
    let common = git(
        dir,
        &["rev-parse", "--path-format=absolute", "--git-common-dir"],
    )
    .map(PathBuf::from);
    let mut watch: Vec<PathBuf> = Vec::new();
    if let Some(g) = &git_dir {
        watch.push(g.join("HEAD"));
    }
    if let Some(c) = common.as_ref().or(git_dir.as_ref()) {
        watch.push(c.join("packed-refs"));
        if let Some(head_ref) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
            watch.push(c.join(head_ref));
        }
    }
    for name in ["src", "Cargo.toml", "Cargo.lock"] {
        watch.push(dir.join(name));
    }
    for p in watch.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", p.display());
    }

    let changed = git(
        dir,
        &[
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            "src",
            "build.rs",
            "Cargo.toml",
            "Cargo.lock",
        ],
    )
    .is_some_and(|s| !s.is_empty());
    Some((
        format!(
            "commit {short}, {date}{}",
            if changed { ", modified" } else { "" }
        ),
        hash.to_string(),
    ))
}

/// `cargo package` records the commit in `.cargo_vcs_info.json` (`"sha1": "<40 hex>"`).
fn from_vcs_info(dir: &Path) -> Option<(String, String)> {
    let path = dir.join(".cargo_vcs_info.json");
    let text = std::fs::read_to_string(&path).ok()?;
    println!("cargo:rerun-if-changed={}", path.display());
    let rest = &text[text.find("\"sha1\"")? + 6..];
    let start = rest.find('"')? + 1;
    let full = rest.get(start..start + 40)?;
    full.bytes()
        .all(|b| b.is_ascii_hexdigit())
        .then(|| (format!("commit {}", &full[..12]), full.to_string()))
}
