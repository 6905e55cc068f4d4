//! Work trees that have a branch checked out: find them, tell whether they hold uncommitted
//! changes, and bring them up to date after cekops moved their branch.

use std::path::Path;
use std::path::PathBuf;

use anyhow::Result;
use anyhow::anyhow;

use super::Oid;
use super::Repository;

/// A work tree with the branch checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    pub path: PathBuf,
}

fn head_is(repo: &Repository, full_ref: &str) -> bool {
    match repo.find_reference("HEAD") {
        Ok(h) => matches!(h.symbolic_target(), Ok(Some(t)) if t == full_ref),
        Err(_) => false,
    }
}

/// Every work tree (the main one and linked ones) whose `HEAD` is the branch `full_ref`.
pub fn checkouts_of(repo: &Repository, full_ref: &str) -> Result<Vec<Checkout>> {
    let mut out = Vec::new();
    // The main work tree: open the common repository, not a linked work tree's view of it.
    let main = Repository::open(repo.commondir()).ok();
    if let Some(main) = &main
        && !main.is_bare()
        && head_is(main, full_ref)
        && let Some(wd) = main.workdir()
    {
        out.push(Checkout {
            path: wd.to_path_buf(),
        });
    }
    if let Some(main) = &main
        && let Ok(names) = main.worktrees()
    {
        for name in names.iter().flatten().flatten() {
            let Ok(wt) = main.find_worktree(name) else {
                continue;
            };
            if wt.validate().is_err() {
                continue;
            }
            let Ok(wrepo) = Repository::open_from_worktree(&wt) else {
                continue;
            };
            if head_is(&wrepo, full_ref) {
                out.push(Checkout {
                    path: wt.path().to_path_buf(),
                });
            }
        }
    }
    Ok(out)
}

/// Why a work tree cannot be updated safely: tracked files with changes (staged or not), or
/// untracked files that the new commit would overwrite. Empty when it is clean.
pub fn blocking_changes(path: &Path, new_commit: Option<Oid>) -> Result<Vec<String>> {
    let repo = Repository::open(path).map_err(|e| {
        anyhow!(
            "cannot open the work tree `{}`: {}",
            path.display(),
            e.message()
        )
    })?;
    let new_tree = match new_commit {
        Some(c) => Some(repo.find_commit(c)?.tree()?),
        None => None,
    };
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .exclude_submodules(true);
    let statuses = repo.statuses(Some(&mut opts))?;
    let mut out = Vec::new();
    for s in statuses.iter() {
        let st = s.status();
        let p = String::from_utf8_lossy(s.path_bytes()).into_owned();
        if st == git2::Status::WT_NEW {
            if let Some(t) = &new_tree
                && t.get_path(Path::new(&p)).is_ok()
            {
                out.push(p);
            }
            continue;
        }
        if st.is_empty() || st == git2::Status::IGNORED {
            continue;
        }
        out.push(p);
    }
    Ok(out)
}

/// Whether a work tree's index holds exactly the files of `commit` (read only).
pub fn index_matches(path: &Path, commit: Oid) -> Result<bool> {
    let repo = Repository::open(path)?;
    let tree = repo.find_commit(commit)?.tree()?;
    let index = repo.index()?;
    let diff = repo.diff_tree_to_index(Some(&tree), Some(&index), None)?;
    Ok(diff.deltas().len() == 0)
}

/// After the checked-out branch moved from `old` to `new`: update the index and files with a
/// two-tree merge (`git read-tree -m -u old new`), which refuses instead of overwriting changes.
pub fn advance(path: &Path, old: Oid, new: Oid) -> Result<()> {
    super::cli::run(
        path,
        &["read-tree", "-m", "-u", &old.to_string(), &new.to_string()],
    )
    .map(|_| ())
}
