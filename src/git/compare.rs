//! Comparing two commits for `cekops diff`: changed paths, both snapshots at once, one file.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;

pub use git2::Commit;

use super::Repository;
use crate::tree::is_relevant;

/// Paths cekops reads (`cekops.toml`, `extensions/**`) whose blob or mode differs between two
/// commits; identical subtrees are skipped by their object id, so this is cheap on large trees.
pub fn changed_paths(
    repo: &Repository,
    old: &Commit<'_>,
    new: &Commit<'_>,
) -> Result<BTreeSet<String>> {
    let old_tree = old.tree()?;
    let new_tree = new.tree()?;
    let mut opts = git2::DiffOptions::new();
    opts.pathspec("cekops.toml")
        .pathspec("extensions")
        .include_typechange(true)
        .ignore_submodules(false);
    let diff = repo.diff_tree_to_tree(Some(&old_tree), Some(&new_tree), Some(&mut opts))?;
    let mut out = BTreeSet::new();
    for delta in diff.deltas() {
        for file in [delta.old_file(), delta.new_file()] {
            if let Some(p) = file.path().and_then(Path::to_str) {
                let p = p.replace('\\', "/");
                if is_relevant(&p) {
                    out.insert(p);
                }
            }
        }
    }
    Ok(out)
}

/// The bytes of the file at `path` in a commit, `None` when the commit has no such file.
pub fn file_at(repo: &Repository, commit: &Commit<'_>, path: &str) -> Result<Option<Vec<u8>>> {
    let tree = commit.tree()?;
    let entry = match tree.get_path(Path::new(path)) {
        Ok(e) => e,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if entry.kind() != Some(git2::ObjectType::Blob) {
        return Ok(None);
    }
    let blob = repo.find_blob(entry.id())?;
    Ok(Some(blob.content().to_vec()))
}

/// The full commit id of a commit, as text.
pub fn commit_id(commit: &Commit<'_>) -> String {
    commit.id().to_string()
}

/// Read the snapshots of two commits at the same time (the second through its own handle on
/// the repository; sequentially when that cannot be opened). Object hashes are not re-verified
/// while reading (like `git cat-file`); `git fsck` is the tool for that.
pub fn trees_from_commits(
    repo: &Repository,
    a: &Commit<'_>,
    b: &Commit<'_>,
    load: &(dyn Fn(&str) -> bool + Sync),
) -> Result<(crate::tree::Tree, crate::tree::Tree)> {
    git2::opts::strict_hash_verification(false);
    let Ok(other) = Repository::open(repo.path()) else {
        return Ok((
            super::tree_from_commit(repo, a, load)?,
            super::tree_from_commit(repo, b, load)?,
        ));
    };
    let b_id = b.id();
    std::thread::scope(|scope| {
        let second = scope.spawn(move || -> Result<crate::tree::Tree> {
            let commit = other.find_commit(b_id)?;
            super::tree_from_commit(&other, &commit, load)
        });
        let ta = super::tree_from_commit(repo, a, load)?;
        let tb = second
            .join()
            .map_err(|_| anyhow::anyhow!("reading `{b_id}` failed"))??;
        Ok((ta, tb))
    })
}
