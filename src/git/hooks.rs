//! What git hooks need from the repository: where hooks live, which branch is which, and cheap
//! ref and ancestry questions asked while git holds its ref locks.

use std::path::Path;
use std::path::PathBuf;

use anyhow::Context as _;
use anyhow::Result;
use git2::Oid;
use git2::Repository;

use crate::model::RepoConfig;

/// Set (to `1`) on every `git` command cekops runs (see [`super::cli`]): the
/// `reference-transaction` hook lets the ref moves of such commands through, since cekops makes
/// them itself. Moves through libgit2 run no hooks at all.
pub const INTERNAL_ENV: &str = "CEKOPS_INTERNAL";

/// The folder git runs hooks from: `core.hooksPath` when set (a relative path is relative to the
/// top of the work tree, or to the repository folder when it is bare, as git reads it), else
/// `hooks/` in the repository's common folder (shared by linked work trees).
pub fn hooks_dir(repo: &Repository) -> Result<PathBuf> {
    let config = repo
        .config()
        .and_then(|mut c| c.snapshot())
        .context("cannot read the repository's git configuration")?;
    if let Ok(p) = config.get_path("core.hooksPath") {
        if p.is_absolute() {
            return Ok(p);
        }
        let base = match repo.workdir() {
            Some(wd) => wd.to_path_buf(),
            None => repo.path().to_path_buf(),
        };
        return Ok(base.join(p));
    }
    Ok(repo.commondir().join("hooks"))
}

/// Open the repository a hook runs in, honouring what git passes in the environment
/// (`GIT_DIR`, and for `pre-receive` the quarantine folder holding the pushed objects through
/// `GIT_OBJECT_DIRECTORY` / `GIT_ALTERNATE_OBJECT_DIRECTORIES`).
pub fn open_for_hook(dir: &Path) -> Result<Repository> {
    let from_env =
        std::env::var_os("GIT_DIR").is_some() || std::env::var_os("GIT_OBJECT_DIRECTORY").is_some();
    if from_env && let Ok(r) = Repository::open_from_env() {
        return Ok(r);
    }
    super::discover(dir)
}

/// The commit a full ref name points at (`None`: no such ref).
pub fn ref_target(repo: &Repository, name: &str) -> Result<Option<Oid>> {
    match repo.find_reference(name) {
        Ok(r) => Ok(r.resolve().ok().and_then(|r| r.target())),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("cannot read `{name}`: {}", e.message())),
    }
}

/// Whether the object exists (pushed objects are visible from `pre-receive`).
pub fn has_commit(repo: &Repository, id: Oid) -> bool {
    repo.find_commit(id).is_ok()
}

/// Whether `ancestor` is `descendant` or one of its ancestors.
pub fn is_ancestor(repo: &Repository, ancestor: Oid, descendant: Oid) -> Result<bool> {
    if ancestor == descendant {
        return Ok(true);
    }
    Ok(repo.graph_descendant_of(descendant, ancestor)?)
}

/// The tips of every remote-tracking branch named `branch` (`refs/remotes/*/<branch>`).
pub fn remote_tracking_tips(repo: &Repository, branch: &str) -> Vec<Oid> {
    let Ok(refs) = repo.references() else {
        return Vec::new();
    };
    refs.flatten()
        .filter(|r| {
            r.name().is_ok_and(|n| {
                n.strip_prefix("refs/remotes/")
                    .and_then(|rest| rest.split_once('/'))
                    .is_some_and(|(_, b)| b == branch)
            })
        })
        .filter_map(|r| r.resolve().ok().and_then(|r| r.target()))
        .collect()
}

/// The branch HEAD names, even when it has no commit yet (`None`: detached HEAD).
pub fn head_branch(repo: &Repository) -> Option<String> {
    let head = repo.find_reference("HEAD").ok()?;
    let target = head.symbolic_target().ok()??;
    target.strip_prefix("refs/heads/").map(str::to_string)
}

/// The repository settings as HEAD's commit has them (`None`: no commit, no readable file).
pub fn config_at_head(repo: &Repository) -> Option<RepoConfig> {
    let commit = repo.head().ok()?.peel_to_commit().ok()?;
    config_at(repo, commit.id())
}

/// The repository settings in a commit (`None`: no readable `cekops.toml`).
pub fn config_at(repo: &Repository, commit: Oid) -> Option<RepoConfig> {
    let bytes = super::commit::read_at(repo, commit, "cekops.toml").ok()??;
    toml::from_str(std::str::from_utf8(&bytes).ok()?).ok()
}

/// Paths present in `old`'s tree and missing from `new`'s (files only).
pub fn removed_files(repo: &Repository, old: Oid, new: Oid) -> Result<Vec<String>> {
    let a = repo.find_commit(old)?.tree()?;
    let b = repo.find_commit(new)?.tree()?;
    let diff = repo.diff_tree_to_tree(Some(&a), Some(&b), None)?;
    Ok(diff
        .deltas()
        .filter(|d| d.status() == git2::Delta::Deleted)
        .filter_map(|d| {
            d.old_file()
                .path()
                .map(|p| p.to_string_lossy().into_owned())
        })
        .collect())
}

/// Whether deleting the loose ref `name` (at `value`) is `git pack-refs` (run by `git gc` and
/// `git maintenance`) pruning it after writing it to `packed-refs`: the ref keeps its value.
/// git shows that step to the `reference-transaction` hook as a deletion; the only trace telling
/// it from `git branch -D` is that `packed-refs` already holds the same value while the loose
/// file still exists (outside of pruning, a loose ref overrides an older packed value).
pub fn is_pruning_packed(repo: &Repository, name: &str, value: Oid) -> bool {
    let common = repo.commondir();
    if !common.join(name).is_file() {
        return false;
    }
    let Ok(packed) = std::fs::read_to_string(common.join("packed-refs")) else {
        return false;
    };
    let want = value.to_string();
    packed.lines().any(|l| {
        l.split_once(' ')
            .is_some_and(|(id, r)| r == name && id == want)
    })
}
