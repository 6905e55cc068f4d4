//! What git hooks need from the repository: where hooks live, and the repository as git hands
//! it to a running hook (with a push's quarantined objects). Settings (`cekops.toml`) are read by
//! `ops::chart`, never here.

use std::path::Path;
use std::path::PathBuf;

use super::Repository;
use anyhow::Context as _;
use anyhow::Result;

/// Set (to `1`) on every `git` command cekops runs (see [`super::cli`]): the
/// `reference-transaction` hook lets the ref moves of such commands through, since cekops makes
/// them itself. Moves through libgit2 run no hooks at all.
pub const INTERNAL_ENV: &str = "CEKOPS_INTERNAL";

/// The folder git runs hooks from: `core.hooksPath` when set (a relative path is relative to the
/// top of the work tree, or to the repository folder when it is bare, as git reads it), else
/// `hooks/` in the repository's common folder (shared by linked work trees).
pub fn hooks_dir(repo: &Repository) -> Result<PathBuf> {
    let config = repo
        .raw
        .config()
        .and_then(|mut c| c.snapshot())
        .context("cannot read the repository's git configuration")?;
    if let Ok(p) = config.get_path("core.hooksPath") {
        if p.is_absolute() {
            return Ok(p);
        }
        let base = match repo.raw.workdir() {
            Some(wd) => wd.to_path_buf(),
            None => repo.raw.path().to_path_buf(),
        };
        return Ok(base.join(p));
    }
    Ok(repo.raw.commondir().join("hooks"))
}

/// Open the repository a hook runs in, honouring what git passes in the environment
/// (`GIT_DIR`, and for `pre-receive` the quarantine folder holding the pushed objects through
/// `GIT_OBJECT_DIRECTORY` / `GIT_ALTERNATE_OBJECT_DIRECTORIES`).
pub fn open_for_hook(dir: &Path) -> Result<Repository> {
    let from_env =
        std::env::var_os("GIT_DIR").is_some() || std::env::var_os("GIT_OBJECT_DIRECTORY").is_some();
    if from_env && let Ok(r) = git2::Repository::open_from_env() {
        return Ok(Repository::wrap(r));
    }
    super::discover(dir)
}
