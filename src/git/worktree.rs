//! The work tree and the index: creating a repository, asking whether uncommitted work exists,
//! switching branches without ever overwriting it, and bringing work trees that have a branch
//! checked out up to date after cekops moved that branch.

use std::path::Path;
use std::path::PathBuf;

use super::Oid;
use super::Repository;
use anyhow::Context as _;
use anyhow::Result;
use anyhow::anyhow;

/// The repository whose work tree is exactly `dir` (not a parent's), if any.
pub fn open_at(dir: &Path) -> Option<Repository> {
    let repo = Repository::wrap(git2::Repository::open(dir).ok()?);
    let wd = repo.workdir()?.canonicalize().ok()?;
    let dir = dir.canonicalize().ok()?;
    (wd == dir).then_some(repo)
}

/// The work tree of the repository that contains `dir` (a parent's), if any.
pub fn enclosing_workdir(dir: &Path) -> Option<std::path::PathBuf> {
    let repo = git2::Repository::discover(dir).ok()?;
    repo.workdir().map(Path::to_path_buf)
}

/// Whether `dir` is the top of a bare repository.
pub fn is_bare_at(dir: &Path) -> bool {
    git2::Repository::open_bare(dir).is_ok_and(|r| r.is_bare())
}

/// `git init` with `initial_branch` as the unborn branch HEAD points at.
pub fn init(dir: &Path, initial_branch: &str) -> Result<Repository> {
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head(initial_branch).mkpath(true);
    git2::Repository::init_opts(dir, &opts)
        .map(Repository::wrap)
        .with_context(|| format!("cannot create a git repository in `{}`", dir.display()))
}

/// Uncommitted work in the work tree, in the form `git status --short` shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Tracked files with staged or unstaged changes, or merge conflicts.
    pub modified: Vec<String>,
    /// Files git does not track (ignored files not included).
    pub untracked: Vec<String>,
}

/// What `git status` reports (untracked folders listed file by file; ignored files left out).
pub fn changes(repo: &Repository) -> Result<Changes> {
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .exclude_submodules(true);
    let statuses = repo
        .raw
        .statuses(Some(&mut opts))
        .context("cannot read git status")?;
    let mut out = Changes::default();
    for s in statuses.iter() {
        let Some(path) = s.path().ok().map(str::to_string) else {
            continue;
        };
        let st = s.status();
        if st == git2::Status::WT_NEW {
            out.untracked.push(path);
        } else if !st.is_ignored() && st != git2::Status::CURRENT {
            out.modified.push(path);
        }
    }
    Ok(out)
}

/// Add work-tree files (repository paths) to the index and write it.
pub fn stage(repo: &Repository, paths: &[&str]) -> Result<()> {
    let mut index = repo.raw.index()?;
    for p in paths {
        index
            .add_path(Path::new(p))
            .with_context(|| format!("cannot stage `{p}`"))?;
    }
    index.write()?;
    Ok(())
}

/// Point HEAD at a local branch without touching the index or the work tree.
pub fn set_head(repo: &Repository, branch: &str) -> Result<()> {
    repo.raw
        .set_head(&format!("refs/heads/{branch}"))
        .with_context(|| format!("cannot switch HEAD to `{branch}`"))
}

/// Check a local branch out like `git switch`: files are updated from HEAD's tree to the
/// branch's, and the switch fails (leaving everything as it was) when that would overwrite a
/// modified or untracked file.
pub fn switch(repo: &Repository, branch: &str) -> Result<()> {
    let target = repo
        .raw
        .find_reference(&format!("refs/heads/{branch}"))?
        .peel_to_commit()?;
    let mut checkout = git2::build::CheckoutBuilder::new();
    checkout.safe();
    repo.raw
        .checkout_tree(target.as_object(), Some(&mut checkout))
        .with_context(|| format!("cannot check out `{branch}`"))?;
    set_head(repo, branch)
}

/// A work tree with the branch checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    pub path: PathBuf,
}

fn head_is(repo: &git2::Repository, full_ref: &str) -> bool {
    match repo.find_reference("HEAD") {
        Ok(h) => matches!(h.symbolic_target(), Ok(Some(t)) if t == full_ref),
        Err(_) => false,
    }
}

/// Every work tree (the main one and linked ones) whose `HEAD` is the branch `full_ref`.
pub fn checkouts_of(repo: &Repository, full_ref: &str) -> Result<Vec<Checkout>> {
    let mut out = Vec::new();
    // The main work tree: open the common repository, not a linked work tree's view of it.
    let main = git2::Repository::open(repo.common_dir()).ok();
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
            let Ok(wrepo) = git2::Repository::open_from_worktree(&wt) else {
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
    let repo = git2::Repository::open(path).map_err(|e| {
        anyhow!(
            "cannot open the work tree `{}`: {}",
            path.display(),
            e.message()
        )
    })?;
    let new_tree = match new_commit {
        Some(c) => Some(repo.find_commit(c.0)?.tree()?),
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
    let repo = git2::Repository::open(path)?;
    let tree = repo.find_commit(commit.0)?.tree()?;
    let index = repo.index()?;
    let diff = repo.diff_tree_to_index(Some(&tree), Some(&index), None)?;
    Ok(diff.deltas().len() == 0)
}

/// Refresh the index's cached file stats (`git update-index -q --refresh`): a file that was only
/// touched (same content, new mtime) would otherwise look modified to `read-tree` and make it
/// refuse. Real modifications stay modified; the exit code (1 when some remain) is not an error.
fn refresh_index(path: &Path) -> Result<()> {
    super::cli::run_any(path, &["update-index", "-q", "--refresh"]).map(|_| ())
}

/// Whether [`advance`] from `old` to `new` would succeed, changing nothing (`read-tree -n`): run
/// it before moving the branch, so that a refusal leaves the branch, index and files as they were.
pub fn check_advance(path: &Path, old: Oid, new: Oid) -> Result<()> {
    refresh_index(path)?;
    super::cli::run(
        path,
        &[
            "read-tree",
            "-m",
            "-u",
            "-n",
            &old.to_string(),
            &new.to_string(),
        ],
    )
    .map(|_| ())
}

/// After the checked-out branch moved from `old` to `new`: update the index and files with a
/// two-tree merge (`git read-tree -m -u old new`), which refuses instead of overwriting changes.
pub fn advance(path: &Path, old: Oid, new: Oid) -> Result<()> {
    refresh_index(path)?;
    super::cli::run(
        path,
        &["read-tree", "-m", "-u", &old.to_string(), &new.to_string()],
    )
    .map(|_| ())
}
