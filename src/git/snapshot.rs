//! Snapshots read from git objects: the files cekops reads from a commit or the index (no
//! checkout), the paths a commit changes, and two commits read at once for `cekops diff`.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use anyhow::Result;

use super::Oid;
use super::Repository;
use super::packread;
use super::packread::Store;
use crate::tree::Entry;
use crate::tree::MAX_FILE_SIZE;
use crate::tree::Tree;
use crate::tree::is_relevant;

/// Read a commit's files into a snapshot; `load` decides which blobs are read.
pub fn tree_from_commit(
    repo: &Repository,
    commit: Oid,
    load: &dyn Fn(&str) -> bool,
) -> Result<Tree> {
    let repo = &repo.raw;
    let root = repo.find_commit(commit.0)?.tree()?;
    let blobs = Blobs::new(repo, Store::open(repo))?;
    let mut tree = Tree::default();
    walk_into(&blobs, &root, "", load, &mut tree)?;
    tree.fetch_link_targets(&mut |rel| link_target(&blobs, &root, rel));
    Ok(tree)
}

/// Walk a git tree whose repository path is `prefix` (empty: the root) into `tree`.
fn walk_into(
    blobs: &Blobs<'_>,
    start: &git2::Tree<'_>,
    prefix: &str,
    load: &dyn Fn(&str) -> bool,
    tree: &mut Tree,
) -> Result<()> {
    let mut err = None;
    start.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        let Ok(name) = entry.name() else {
            // git2 cannot walk into a folder whose name is not UTF-8: report it, skip it.
            let path = format!(
                "{prefix}{dir}{}",
                String::from_utf8_lossy(entry.name_bytes())
            );
            if is_relevant(&path) {
                tree.insert(
                    path,
                    Entry::Unreadable("file name is not valid UTF-8".into()),
                );
            }
            return git2::TreeWalkResult::Skip;
        };
        let path = format!("{prefix}{dir}{name}");
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
        match blobs.entry(entry.id(), entry.filemode(), &path, load) {
            Ok(e) => tree.insert(path, e),
            Err(e) => {
                err = Some(e);
                return git2::TreeWalkResult::Abort;
            }
        }
        git2::TreeWalkResult::Ok
    })?;
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A commit read one extension at a time, on any number of threads: [`CommitFiles::open`] reads
/// the top, and each thread reads extension folders through its own [`CommitReader`] (a git2
/// repository handle is used by one thread at a time).
pub struct CommitFiles {
    git_dir: PathBuf,
    root: git2::Oid,
    store: Option<Arc<Store>>,
}

/// One thread's handle for reading extension folders of a [`CommitFiles`].
pub struct CommitReader {
    repo: git2::Repository,
    root: git2::Oid,
    store: Option<Arc<Store>>,
}

impl CommitFiles {
    /// The commit's `cekops.toml` and the files directly under `extensions/` as a snapshot, and
    /// the extension folder names in snapshot order.
    pub fn open(repo: &Repository, commit: Oid) -> Result<(CommitFiles, Tree, Vec<String>)> {
        let raw = &repo.raw;
        let root = raw.find_commit(commit.0)?.tree()?;
        let store = Store::open(raw);
        let blobs = Blobs::new(raw, store.clone())?;
        let mut tree = Tree::default();
        let mut ids = Vec::new();
        for entry in root.iter() {
            if entry.name_bytes() == b"cekops.toml" && entry.kind() != Some(git2::ObjectType::Tree)
            {
                let e = blobs.entry(entry.id(), entry.filemode(), "cekops.toml", &|_| true)?;
                tree.insert("cekops.toml".into(), e);
            }
        }
        if let Some(ext) = root.get_name("extensions")
            && ext.kind() == Some(git2::ObjectType::Tree)
        {
            let ext = raw.find_tree(ext.id())?;
            for entry in ext.iter() {
                let Ok(name) = entry.name() else {
                    let path =
                        format!("extensions/{}", String::from_utf8_lossy(entry.name_bytes()));
                    tree.insert(
                        path,
                        Entry::Unreadable("file name is not valid UTF-8".into()),
                    );
                    continue;
                };
                if entry.kind() == Some(git2::ObjectType::Tree) {
                    ids.push(name.to_string());
                } else {
                    let path = format!("extensions/{name}");
                    let e = blobs.entry(entry.id(), entry.filemode(), &path, &|_| true)?;
                    tree.insert(path, e);
                }
            }
        }
        tree.fetch_link_targets(&mut |rel| link_target(&blobs, &root, rel));
        // Snapshot order: `a.b/` sorts before `a/`.
        ids.sort_by_cached_key(|id| format!("{id}/"));
        let files = CommitFiles {
            git_dir: raw.path().to_path_buf(),
            root: root.id(),
            store,
        };
        Ok((files, tree, ids))
    }

    /// A handle for reading on the calling thread.
    pub fn reader(&self) -> Result<CommitReader> {
        super::init();
        Ok(CommitReader {
            repo: git2::Repository::open(&self.git_dir)?,
            root: self.root,
            store: self.store.clone(),
        })
    }
}

impl CommitReader {
    /// One extension folder as a snapshot (with the targets of its links into the rest of the
    /// commit); without `full`, only its `extension.toml` is read (the other files are listed).
    pub fn extension(&self, id: &str, full: bool) -> Result<Tree> {
        let repo = &self.repo;
        let root = repo.find_tree(self.root)?;
        let blobs = Blobs::new(repo, self.store.clone())?;
        let mut tree = Tree::default();
        let prefix = format!("extensions/{id}/");
        let entry = root.get_path(Path::new(&prefix[..prefix.len() - 1]))?;
        let sub = repo.find_tree(entry.id())?;
        let info = format!("{prefix}extension.toml");
        walk_into(&blobs, &sub, &prefix, &|p| full || p == info, &mut tree)?;
        tree.fetch_link_targets(&mut |rel| link_target(&blobs, &root, rel));
        Ok(tree)
    }
}

/// A link target of a commit (`root` is its tree), read whole.
fn link_target(blobs: &Blobs<'_>, root: &git2::Tree<'_>, rel: &str) -> Option<Entry> {
    let entry = root.get_path(Path::new(rel)).ok()?;
    blobs
        .entry(entry.id(), entry.filemode(), rel, &|_| true)
        .ok()
}

/// Reads blobs of one repository on one thread: through [`packread`] where it can, else
/// through libgit2.
struct Blobs<'r> {
    repo: &'r git2::Repository,
    odb: git2::Odb<'r>,
    fast: Option<RefCell<packread::Reader>>,
}

impl<'r> Blobs<'r> {
    fn new(repo: &'r git2::Repository, store: Option<Arc<Store>>) -> Result<Blobs<'r>> {
        Ok(Blobs {
            repo,
            odb: repo.odb()?,
            fast: store.map(|s| RefCell::new(packread::Reader::new(s))),
        })
    }

    /// The snapshot entry of a tree entry (`load` decides whether its content is read).
    fn entry(
        &self,
        id: git2::Oid,
        mode: i32,
        path: &str,
        load: &dyn Fn(&str) -> bool,
    ) -> Result<Entry> {
        if mode == 0o160000 {
            return Ok(Entry::Unreadable("a git submodule, not a file".into()));
        }
        if mode == 0o120000 {
            let blob = self
                .repo
                .find_blob(id)
                .with_context(|| cannot_read(path, id))?;
            return Ok(Entry::Symlink(
                String::from_utf8_lossy(blob.content()).into_owned(),
            ));
        }
        // Files that are not read need no size: reading object headers of a whole repository is
        // what `validate --staged` would otherwise spend most of its time on.
        if !load(path) {
            return Ok(Entry::Unloaded);
        }
        // A blob in a pack is read whole by the fast reader (no libgit2 header lookup first:
        // that resolves the delta chain once more); its size decides afterwards.
        if let Some(fast) = &self.fast
            && let Some(data) = fast.borrow_mut().packed_blob(id)
        {
            let size = data.len() as u64;
            return Ok(if size > MAX_FILE_SIZE {
                Entry::TooLarge(size)
            } else {
                Entry::Blob(data)
            });
        }
        let (size, _) = self
            .odb
            .read_header(id)
            .with_context(|| cannot_read(path, id))?;
        if size as u64 > MAX_FILE_SIZE {
            return Ok(Entry::TooLarge(size as u64));
        }
        if let Some(fast) = &self.fast
            && let Some(data) = fast.borrow_mut().blob(id, size)
        {
            // Built in place by the reader: kept as bytes (turning them into `Entry::Text`
            // would copy them; the loader's one copy comes later either way).
            return Ok(Entry::Blob(data));
        }
        let blob = self
            .repo
            .find_blob(id)
            .with_context(|| cannot_read(path, id))?;
        Ok(Entry::content(blob.content()))
    }
}

fn cannot_read(path: &str, id: git2::Oid) -> String {
    format!(
        "cannot read `{path}` (object {id}) from the repository's objects (`git fsck` tells whether they are damaged)"
    )
}

/// Read the index (staged files) into a snapshot.
pub fn tree_from_index(repo: &Repository, load: &dyn Fn(&str) -> bool) -> Result<Tree> {
    let repo = &repo.raw;
    let index = index_of(repo)?;
    let blobs = Blobs::new(repo, Store::open(repo))?;
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
        let e = blobs.entry(entry.id, entry.mode as i32, &path, load)?;
        tree.insert(path, e);
    }
    tree.fetch_link_targets(&mut |rel| {
        let entry = index.get_path(Path::new(rel), 0)?;
        blobs
            .entry(entry.id, entry.mode as i32, rel, &|_| true)
            .ok()
    });
    Ok(tree)
}

/// The index git would commit: `GIT_INDEX_FILE` when set (git sets it for the pre-commit hook;
/// `git commit -a` and `git commit <paths>` stage into a temporary index), else the repository's.
fn index_of(repo: &git2::Repository) -> Result<git2::Index> {
    if let Some(file) = std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(file);
        return git2::Index::open(&path)
            .with_context(|| format!("cannot read the index `{}`", path.display()));
    }
    repo.index().context("cannot read the index")
}

/// Paths that differ between `HEAD` and the index (all index paths when there is no `HEAD`).
pub fn staged_paths(repo: &Repository) -> Result<BTreeSet<String>> {
    let repo = &repo.raw;
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

/// Paths cekops reads (`cekops.toml`, `extensions/**`) whose blob or mode differs between two
/// commits; identical subtrees are skipped by their object id, so this is cheap on large trees.
pub fn changed_paths(repo: &Repository, old: Oid, new: Oid) -> Result<BTreeSet<String>> {
    let repo = &repo.raw;
    let old_tree = repo.find_commit(old.0)?.tree()?;
    let new_tree = repo.find_commit(new.0)?.tree()?;
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

/// Read the snapshots of two commits at the same time (the second through its own handle on
/// the repository; sequentially when that cannot be opened). Object hashes are not re-verified
/// while reading (like `git cat-file`); `git fsck` is the tool for that.
pub fn trees_from_commits(
    repo: &Repository,
    a: Oid,
    b: Oid,
    load: &(dyn Fn(&str) -> bool + Sync),
) -> Result<(Tree, Tree)> {
    let Ok(other) = repo.reopen() else {
        return Ok((
            tree_from_commit(repo, a, load)?,
            tree_from_commit(repo, b, load)?,
        ));
    };
    std::thread::scope(|scope| {
        let second = scope.spawn(move || -> Result<Tree> { tree_from_commit(&other, b, load) });
        let ta = tree_from_commit(repo, a, load)?;
        let tb = second
            .join()
            .map_err(|_| anyhow::anyhow!("reading `{b}` failed"))??;
        Ok((ta, tb))
    })
}
