//! The work tree and the index: creating a repository, asking whether uncommitted work exists,
//! and switching branches without ever overwriting it.

use std::path::Path;

use anyhow::Context as _;
use anyhow::Result;
use git2::Repository;

/// The repository whose work tree is exactly `dir` (not a parent's), if any.
pub fn open_at(dir: &Path) -> Option<Repository> {
    let repo = Repository::open(dir).ok()?;
    let wd = repo.workdir()?.canonicalize().ok()?;
    let dir = dir.canonicalize().ok()?;
    (wd == dir).then_some(repo)
}

/// The work tree of the repository that contains `dir` (a parent's), if any.
pub fn enclosing_workdir(dir: &Path) -> Option<std::path::PathBuf> {
    let repo = Repository::discover(dir).ok()?;
    repo.workdir().map(Path::to_path_buf)
}

/// Whether `dir` is the top of a bare repository.
pub fn is_bare_at(dir: &Path) -> bool {
    Repository::open_bare(dir).is_ok_and(|r| r.is_bare())
}

/// `git init` with `initial_branch` as the unborn branch HEAD points at.
pub fn init(dir: &Path, initial_branch: &str) -> Result<Repository> {
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head(initial_branch).mkpath(true);
    Repository::init_opts(dir, &opts)
        .with_context(|| format!("cannot create a git repository in `{}`", dir.display()))
}

/// Whether HEAD points at a commit (false in a repository without commits).
pub fn head_commit(repo: &Repository) -> Option<git2::Oid> {
    repo.head().ok()?.peel_to_commit().ok().map(|c| c.id())
}

/// A short description of HEAD: the branch name, or the commit for a detached HEAD.
pub fn head_name(repo: &Repository) -> Option<String> {
    let head = repo.head().ok()?;
    if head.is_branch() {
        return head.shorthand().ok().map(str::to_string);
    }
    head.target().map(super::commit::short)
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
    let mut index = repo.index()?;
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
    repo.set_head(&format!("refs/heads/{branch}"))
        .with_context(|| format!("cannot switch HEAD to `{branch}`"))
}

/// Check a local branch out like `git switch`: files are updated from HEAD's tree to the
/// branch's, and the switch fails (leaving everything as it was) when that would overwrite a
/// modified or untracked file.
pub fn switch(repo: &Repository, branch: &str) -> Result<()> {
    let target = repo
        .find_reference(&format!("refs/heads/{branch}"))?
        .peel_to_commit()?;
    let mut checkout = git2::build::CheckoutBuilder::new();
    checkout.safe();
    repo.checkout_tree(target.as_object(), Some(&mut checkout))
        .with_context(|| format!("cannot check out `{branch}`"))?;
    set_head(repo, branch)
}
