//! The only module that talks to git2. Reads snapshots from commits and the index; ref updates
//! live in [`refs`].

pub mod cli;
pub mod commit;
pub mod hooks;
pub mod identity;
pub mod objects;
pub mod records;
pub mod refs;
pub mod worktree;

use std::collections::BTreeSet;
use std::path::Path;
use std::path::PathBuf;

use anyhow::Context as _;
use anyhow::Result;
use anyhow::anyhow;

use crate::tree::Entry;
use crate::tree::MAX_FILE_SIZE;
use crate::tree::Tree;
use crate::tree::is_relevant;

pub mod compare;

pub use git2::Oid;
pub use git2::Repository;

/// Process-wide libgit2 settings, applied once before the first repository is opened: objects
/// are not re-hashed on every read (git itself checks hashes in `fsck` and on transfer, not on
/// each read; re-hashing costs `validate --staged` a tenth of its time).
fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::strict_hash_verification(false));
}

/// Open the repository that contains `dir` (like git, searching parent folders).
pub fn discover(dir: &Path) -> Result<Repository> {
    init();
    Repository::discover(dir)
        .with_context(|| format!("`{}` is not inside a git repository", dir.display()))
}

/// Open the repository containing `dir`, or `None` when there is none.
pub fn try_discover(dir: &Path) -> Option<Repository> {
    init();
    Repository::discover(dir).ok()
}

/// The work-tree root of a non-bare repository.
pub fn workdir(repo: &Repository) -> Option<PathBuf> {
    repo.workdir().map(Path::to_path_buf)
}

/// Resolve a revision (branch, tag, `HEAD~2`, commit id) to a commit.
pub fn resolve_commit<'r>(repo: &'r Repository, rev: &str) -> Result<git2::Commit<'r>> {
    let obj = repo
        .revparse_single(rev)
        .map_err(|e| anyhow!("unknown revision `{rev}`: {}", e.message()))?;
    obj.peel_to_commit()
        .map_err(|_| anyhow!("revision `{rev}` is not a commit"))
}

/// Read a commit's files into a snapshot; `load` decides which blobs are read.
pub fn tree_from_commit(
    repo: &Repository,
    commit: &git2::Commit<'_>,
    load: &dyn Fn(&str) -> bool,
) -> Result<Tree> {
    let root = commit.tree()?;
    let odb = repo.odb()?;
    let mut tree = Tree::default();
    let mut err = None;
    root.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        let Ok(name) = entry.name() else {
            // git2 cannot walk into a folder whose name is not UTF-8: report it, skip it.
            let path = format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
            if is_relevant(&path) {
                tree.insert(
                    path,
                    Entry::Unreadable("file name is not valid UTF-8".into()),
                );
            }
            return git2::TreeWalkResult::Skip;
        };
        let path = format!("{dir}{name}");
        if entry.kind() == Some(git2::ObjectType::Tree) {
            return if path == "extensions" || path.starts_with("extensions/") {
                git2::TreeWalkResult::Ok
            } else {
                git2::TreeWalkResult::Skip
            };
        }
        if !is_relevant(&path) {
            return git2::TreeWalkResult::Ok;
        }
        match blob_entry(repo, &odb, entry.id(), entry.filemode(), &path, load) {
            Ok(e) => tree.insert(path, e),
            Err(e) => {
                err = Some(e);
                return git2::TreeWalkResult::Abort;
            }
        }
        git2::TreeWalkResult::Ok
    })?;
    if let Some(e) = err {
        return Err(e);
    }
    tree.fetch_link_targets(&mut |rel| {
        let entry = root.get_path(Path::new(rel)).ok()?;
        blob_entry(repo, &odb, entry.id(), entry.filemode(), rel, &|_| true).ok()
    });
    Ok(tree)
}

fn blob_entry(
    repo: &Repository,
    odb: &git2::Odb<'_>,
    id: Oid,
    mode: i32,
    path: &str,
    load: &dyn Fn(&str) -> bool,
) -> Result<Entry> {
    if mode == 0o160000 {
        return Ok(Entry::Unreadable("a git submodule, not a file".into()));
    }
    if mode == 0o120000 {
        let blob = repo.find_blob(id)?;
        return Ok(Entry::Symlink(
            String::from_utf8_lossy(blob.content()).into_owned(),
        ));
    }
    // Files that are not read need no size: reading object headers of a whole repository is
    // what `validate --staged` would otherwise spend most of its time on.
    if !load(path) {
        return Ok(Entry::Unloaded);
    }
    let (size, _) = odb.read_header(id)?;
    if size as u64 > MAX_FILE_SIZE {
        return Ok(Entry::TooLarge(size as u64));
    }
    let blob = repo.find_blob(id)?;
    Ok(Entry::Blob(blob.content().into()))
}

/// Read the index (staged files) into a snapshot.
pub fn tree_from_index(repo: &Repository, load: &dyn Fn(&str) -> bool) -> Result<Tree> {
    let index = index_of(repo)?;
    let odb = repo.odb()?;
    let mut tree = Tree::default();
    for entry in index.iter() {
        let path = String::from_utf8_lossy(&entry.path).into_owned();
        if !is_relevant(&path) {
            continue;
        }
        // stage != 0 means a conflict; read stage 0 only
        let stage = (entry.flags >> 12) & 0x3;
        if stage != 0 {
            tree.insert(
                path,
                Entry::Unreadable("the file has unresolved merge conflicts".into()),
            );
            continue;
        }
        let e = blob_entry(repo, &odb, entry.id, entry.mode as i32, &path, load)?;
        tree.insert(path, e);
    }
    tree.fetch_link_targets(&mut |rel| {
        let entry = index.get_path(Path::new(rel), 0)?;
        blob_entry(repo, &odb, entry.id, entry.mode as i32, rel, &|_| true).ok()
    });
    Ok(tree)
}

/// The index git would commit: `GIT_INDEX_FILE` when set (git sets it for the pre-commit hook;
/// `git commit -a` and `git commit <paths>` stage into a temporary index), else the repository's.
fn index_of(repo: &Repository) -> Result<git2::Index> {
    if let Some(file) = std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(file);
        return git2::Index::open(&path)
            .with_context(|| format!("cannot read the index `{}`", path.display()));
    }
    repo.index().context("cannot read the index")
}

/// Paths that differ between `HEAD` and the index (all index paths when there is no `HEAD`).
pub fn staged_paths(repo: &Repository) -> Result<BTreeSet<String>> {
    let head_tree = match repo.head() {
        Ok(h) => Some(h.peel_to_tree()?),
        Err(_) => None,
    };
    let index = index_of(repo)?;
    let diff = repo.diff_tree_to_index(head_tree.as_ref(), Some(&index), None)?;
    let mut out = BTreeSet::new();
    for d in diff.deltas() {
        for f in [d.old_file(), d.new_file()] {
            if let Some(p) = f.path().and_then(|p| p.to_str()) {
                out.insert(p.replace('\\', "/"));
            }
        }
    }
    Ok(out)
}

/// The short name of the checked-out branch, if any.
pub fn current_branch(repo: &Repository) -> Option<String> {
    let head = repo.head().ok()?;
    if !head.is_branch() {
        return None;
    }
    head.shorthand().ok().map(str::to_string)
}

/// The short branch name `rev` names, when it is a local branch.
pub fn branch_name_of(repo: &Repository, rev: &str) -> Option<String> {
    if let Ok(b) = repo.find_branch(rev, git2::BranchType::Local) {
        return b.name().ok().flatten().map(str::to_string);
    }
    if rev == "HEAD" {
        return current_branch(repo);
    }
    None
}
