//! Reading and writing git objects: commit metadata, ancestry, the one reader of a file at a
//! commit, the tree of one folder, changed paths, new trees and the one commit writer. Nothing
//! here moves a ref (see [`super::refs`]).

use std::path::Path;

use anyhow::Context as _;
use anyhow::Result;
use anyhow::anyhow;

use super::Oid;
use super::Repository;
use super::identity::Identity;

/// What the lifecycle commands need to know about a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: Oid,
    pub tree: Oid,
    pub parents: Vec<Oid>,
    pub summary: String,
    pub message: String,
    pub author_name: String,
    pub author_email: String,
    pub author_seconds: i64,
    pub author_offset: i32,
}

fn find_commit(repo: &Repository, id: Oid) -> Result<git2::Commit<'_>> {
    Ok(repo.raw.find_commit(id.0)?)
}

fn is_not_found(e: &git2::Error) -> bool {
    e.code() == git2::ErrorCode::NotFound
}

/// Load a commit's metadata.
pub fn commit_info(repo: &Repository, id: Oid) -> Result<CommitInfo> {
    let c = repo
        .raw
        .find_commit(id.0)
        .map_err(|e| anyhow!("cannot read commit {id}: {}", e.message()))?;
    let a = c.author();
    Ok(CommitInfo {
        id,
        tree: c.tree_id().into(),
        parents: c.parent_ids().map(Oid).collect(),
        summary: String::from_utf8_lossy(c.summary_bytes().unwrap_or_default()).into_owned(),
        message: String::from_utf8_lossy(c.message_bytes()).into_owned(),
        author_name: String::from_utf8_lossy(a.name_bytes()).into_owned(),
        author_email: String::from_utf8_lossy(a.email_bytes()).into_owned(),
        author_seconds: a.when().seconds(),
        author_offset: a.when().offset_minutes(),
    })
}

/// Whether the commit exists in the repository (a commit may be missing in a shallow or
/// partial clone, or after garbage collection; pushed objects are visible from `pre-receive`).
pub fn has_commit(repo: &Repository, id: Oid) -> bool {
    repo.raw.find_commit(id.0).is_ok()
}

/// `ancestor` is `descendant` or one of its ancestors.
pub fn is_ancestor(repo: &Repository, ancestor: Oid, descendant: Oid) -> Result<bool> {
    if ancestor == descendant {
        return Ok(true);
    }
    Ok(repo.raw.graph_descendant_of(descendant.0, ancestor.0)?)
}

/// Whether following first parents from `from` reaches `target` (a first-parent fast-forward:
/// `target` is on the main line of `from`, not only merged into it).
pub fn first_parent_reaches(repo: &Repository, from: Oid, target: Oid) -> Result<bool> {
    if !is_ancestor(repo, target, from)? {
        return Ok(false);
    }
    let mut cur = repo.raw.find_commit(from.0)?;
    loop {
        if cur.id() == target.0 {
            return Ok(true);
        }
        match cur.parents().next() {
            Some(p) => cur = p,
            None => return Ok(false),
        }
    }
}

/// Commits on `a` not on `b`, and on `b` not on `a`.
pub fn ahead_behind(repo: &Repository, a: Oid, b: Oid) -> Result<(usize, usize)> {
    Ok(repo.raw.graph_ahead_behind(a.0, b.0)?)
}

/// The best common ancestor, if any.
pub fn merge_base(repo: &Repository, a: Oid, b: Oid) -> Result<Option<Oid>> {
    match repo.raw.merge_base(a.0, b.0) {
        Ok(o) => Ok(Some(o.into())),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The id of the tree at `path` (a folder) in a commit, `None` when there is no such folder.
pub fn subtree(repo: &Repository, commit: Oid, path: &str) -> Result<Option<Oid>> {
    let root = find_commit(repo, commit)?.tree()?;
    match root.get_path(Path::new(path)) {
        Ok(entry) if entry.kind() == Some(git2::ObjectType::Tree) => Ok(Some(entry.id().into())),
        Ok(_) => Ok(None),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The bytes of a file in a commit, `None` when there is no such file (or `path` is a folder).
/// The one "file at a commit" reader.
pub fn read_file(repo: &Repository, commit: Oid, path: &str) -> Result<Option<Vec<u8>>> {
    let root = find_commit(repo, commit)?.tree()?;
    match root.get_path(Path::new(path)) {
        Ok(entry) if entry.kind() == Some(git2::ObjectType::Blob) => {
            let blob = repo.raw.find_blob(entry.id())?;
            Ok(Some(blob.content().to_vec()))
        }
        Ok(_) => Ok(None),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Whether `path` (a file or a folder) exists in a commit.
pub fn exists_at(repo: &Repository, commit: Oid, path: &str) -> Result<bool> {
    let tree = find_commit(repo, commit)?.tree()?;
    Ok(tree.get_path(Path::new(path)).is_ok())
}

/// The bytes of a blob.
pub fn read_blob(repo: &Repository, blob: Oid) -> Result<Vec<u8>> {
    let b = repo
        .raw
        .find_blob(blob.0)
        .map_err(|e| anyhow!("cannot read blob {blob}: {}", e.message()))?;
    Ok(b.content().to_vec())
}

/// Names of the folders directly under `extensions/` in a commit.
pub fn extension_folders(repo: &Repository, commit: Oid) -> Result<Vec<String>> {
    let Some(ext) = subtree(repo, commit, "extensions")? else {
        return Ok(Vec::new());
    };
    let tree = repo.raw.find_tree(ext.0)?;
    Ok(tree
        .iter()
        .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
        .filter_map(|e| e.name().ok().map(str::to_string))
        .collect())
}

/// Paths (files) that differ between two commits' trees (`from = None`: every file of `to`).
pub fn changed_paths(repo: &Repository, from: Option<Oid>, to: Oid) -> Result<Vec<String>> {
    let old = match from {
        Some(f) => Some(find_commit(repo, f)?.tree()?),
        None => None,
    };
    let new = find_commit(repo, to)?.tree()?;
    let diff = repo.raw.diff_tree_to_tree(old.as_ref(), Some(&new), None)?;
    let mut out = Vec::new();
    for d in diff.deltas() {
        for f in [d.old_file(), d.new_file()] {
            if let Some(p) = f.path().and_then(|p| p.to_str()) {
                let p = p.replace('\\', "/");
                if out.last() != Some(&p) {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// One file's plain diff between two commits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilePatch {
    pub path: String,
    /// `A` added, `D` deleted, `M` anything else.
    pub status: char,
    /// The hunks in `git diff` form (`@@` lines, then ` `/`+`/`-` lines), without file headers;
    /// `Binary file differs` for binary content; cut after [`MAX_PATCH_LINES`] lines.
    pub patch: String,
}

/// The most lines of one file's patch that [`file_patches`] keeps.
pub const MAX_PATCH_LINES: usize = 400;

/// Every path that differs between a commit and the work tree (staged and unstaged changes and
/// untracked files; ignored files left out), sorted.
pub fn changed_paths_to_workdir(repo: &Repository, from: Oid) -> Result<Vec<String>> {
    let old = find_commit(repo, from)?.tree()?;
    let mut opts = git2::DiffOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true);
    let diff = repo
        .raw
        .diff_tree_to_workdir_with_index(Some(&old), Some(&mut opts))?;
    let mut out = Vec::new();
    for d in diff.deltas() {
        for f in [d.old_file(), d.new_file()] {
            if let Some(p) = f.path().and_then(|p| p.to_str()) {
                out.push(p.replace('\\', "/"));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The plain diffs of `paths` (repository paths) between commit `from` and commit `to` (the work
/// tree when `None`, untracked files included), like `git diff FROM [TO] -- PATHS`, in path order.
pub fn file_patches(
    repo: &Repository,
    from: Oid,
    to: Option<Oid>,
    paths: &[String],
) -> Result<Vec<FilePatch>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let old = find_commit(repo, from)?.tree()?;
    let mut opts = git2::DiffOptions::new();
    opts.disable_pathspec_match(true);
    for p in paths {
        opts.pathspec(p);
    }
    let diff = match to {
        Some(to) => {
            let new = find_commit(repo, to)?.tree()?;
            repo.raw
                .diff_tree_to_tree(Some(&old), Some(&new), Some(&mut opts))?
        }
        None => {
            opts.include_untracked(true)
                .recurse_untracked_dirs(true)
                .show_untracked_content(true);
            repo.raw
                .diff_tree_to_workdir_with_index(Some(&old), Some(&mut opts))?
        }
    };
    let mut out = Vec::new();
    for i in 0..diff.deltas().len() {
        let Some(delta) = diff.get_delta(i) else {
            continue;
        };
        let path = delta
            .new_file()
            .path()
            .or_else(|| delta.old_file().path())
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let status = match delta.status() {
            git2::Delta::Added | git2::Delta::Untracked => 'A',
            git2::Delta::Deleted => 'D',
            _ => 'M',
        };
        let mut text = String::new();
        let mut lines = 0usize;
        let mut cut = 0usize;
        if let Some(mut patch) = git2::Patch::from_diff(&diff, i)? {
            if patch.delta().flags().is_binary() {
                text.push_str("Binary file differs\n");
            } else {
                patch.print(&mut |_, _, line| {
                    let content = String::from_utf8_lossy(line.content());
                    match line.origin() {
                        'F' => return true,
                        '+' | '-' | ' ' => {
                            lines += 1;
                            if lines > MAX_PATCH_LINES {
                                cut += 1;
                                return true;
                            }
                            text.push(line.origin());
                            text.push_str(&content);
                        }
                        _ => {
                            if lines <= MAX_PATCH_LINES {
                                text.push_str(&content);
                            }
                        }
                    }
                    if !text.ends_with('\n') {
                        text.push('\n');
                    }
                    true
                })?;
            }
        }
        if cut > 0 {
            let to = to.map(Oid::short).unwrap_or_default();
            text.push_str(&format!(
                "… {cut} more lines (see `git diff {} {to} -- {path}`)\n",
                from.short()
            ));
        }
        out.push(FilePatch {
            path,
            status,
            patch: text,
        });
    }
    Ok(out)
}

/// Paths present in `old`'s tree and missing from `new`'s (files only).
pub fn removed_files(repo: &Repository, old: Oid, new: Oid) -> Result<Vec<String>> {
    let a = find_commit(repo, old)?.tree()?;
    let b = find_commit(repo, new)?.tree()?;
    let diff = repo.raw.diff_tree_to_tree(Some(&a), Some(&b), None)?;
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

/// Commits reachable from `tip` and not from `base`, oldest first, with their parents.
pub fn commits_between(repo: &Repository, base: Oid, tip: Oid) -> Result<Vec<CommitInfo>> {
    let mut walk = repo.raw.revwalk()?;
    walk.push(tip.0)?;
    walk.hide(base.0)?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
    let mut out = Vec::new();
    for id in walk {
        out.push(commit_info(repo, id?.into())?);
    }
    Ok(out)
}

/// The first-parent history of `tip`, newest first, at most `limit` commits (the line a branch
/// drew: merges contribute their first parent only).
pub fn first_parent_log(repo: &Repository, tip: Oid, limit: usize) -> Result<Vec<CommitInfo>> {
    let mut walk = repo.raw.revwalk()?;
    walk.push(tip.0)?;
    walk.simplify_first_parent()?;
    let mut out = Vec::new();
    for id in walk.take(limit) {
        out.push(commit_info(repo, id?.into())?);
    }
    Ok(out)
}

/// First parent of a commit.
pub fn first_parent(repo: &Repository, id: Oid) -> Result<Option<Oid>> {
    let c = find_commit(repo, id)?;
    Ok(c.parent_id(0).ok().map(Oid))
}

/// The tree of a commit.
pub fn tree_of(repo: &Repository, commit: Oid) -> Result<Oid> {
    Ok(find_commit(repo, commit)?.tree_id().into())
}

/// A tree equal to `base` with the folder at `path` replaced by `subtree` (`None`: removed).
/// `path` has the form `dir/name` (one level of nesting, like `extensions/<id>`).
pub fn replace_subtree(
    repo: &Repository,
    base: Oid,
    path: &str,
    subtree: Option<Oid>,
) -> Result<Oid> {
    let (dir, name) = path
        .split_once('/')
        .ok_or_else(|| anyhow!("`{path}` is not a nested folder path"))?;
    let repo = &repo.raw;
    let root = repo.find_tree(base.0)?;
    let dir_tree = match root.get_name(dir) {
        Some(e) if e.kind() == Some(git2::ObjectType::Tree) => Some(repo.find_tree(e.id())?),
        _ => None,
    };
    let mut inner = repo.treebuilder(dir_tree.as_ref())?;
    match subtree {
        Some(id) => {
            inner.insert(name, id.0, 0o040000)?;
        }
        None => {
            if inner.get(name)?.is_some() {
                inner.remove(name)?;
            }
        }
    }
    let mut outer = repo.treebuilder(Some(&root))?;
    if inner.is_empty() {
        if outer.get(dir)?.is_some() {
            outer.remove(dir)?;
        }
    } else {
        let inner_id = inner.write()?;
        outer.insert(dir, inner_id, 0o040000)?;
    }
    Ok(outer.write()?.into())
}

/// The tree of `parent`'s tree (empty when `None`) with `<dir>/<file>` added or replaced by a
/// blob holding `content`.
pub fn tree_with_file(
    repo: &Repository,
    parent: Option<Oid>,
    dir: &str,
    file: &str,
    content: &[u8],
) -> Result<Oid> {
    let raw = &repo.raw;
    let root = match parent {
        Some(p) => Some(raw.find_commit(p.0)?.tree()?),
        None => None,
    };
    let sub = match root.as_ref().and_then(|r| r.get_name(dir)) {
        Some(e) if e.kind() == Some(git2::ObjectType::Tree) => Some(raw.find_tree(e.id())?),
        _ => None,
    };
    let blob = raw.blob(content)?;
    let mut inner = raw.treebuilder(sub.as_ref())?;
    inner.insert(file, blob, 0o100644)?;
    let inner_id = inner.write()?;
    let mut outer = raw.treebuilder(root.as_ref())?;
    outer.insert(dir, inner_id, 0o040000)?;
    Ok(outer.write()?.into())
}

/// A file to add to a tree: repository path (with `/`) and content.
#[derive(Clone, Debug)]
pub struct NewFile {
    pub path: String,
    pub content: Vec<u8>,
}

impl NewFile {
    pub fn new(path: impl Into<String>, content: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            content: content.into(),
        }
    }
}

/// Write `files` as blobs and return the id of `base` (a tree; empty when `None`) with them added
/// or replaced. Nothing but objects is written: no ref, no index, no work tree.
pub fn tree_with(repo: &Repository, base: Option<Oid>, files: &[NewFile]) -> Result<Oid> {
    let repo = &repo.raw;
    let base = match base {
        Some(id) => repo.find_tree(id.0)?,
        None => {
            let empty = repo.treebuilder(None)?.write()?;
            repo.find_tree(empty)?
        }
    };
    let mut update = git2::build::TreeUpdateBuilder::new();
    for f in files {
        let blob = repo.blob(&f.content)?;
        update.upsert(f.path.as_str(), blob, git2::FileMode::Blob);
    }
    Ok(update.create_updated(repo, &base)?.into())
}

/// Write a commit object (no ref moves): the one commit writer. Returns its id.
pub fn create_commit(
    repo: &Repository,
    tree: Oid,
    parents: &[Oid],
    author: &Identity,
    committer: &Identity,
    message: &str,
) -> Result<Oid> {
    create_commit_signed(repo, tree, parents, author, committer, message, None)
}

/// [`create_commit`], signed by `signer` when one is given (as `git commit -S` signs).
pub fn create_commit_signed(
    repo: &Repository,
    tree: Oid,
    parents: &[Oid],
    author: &Identity,
    committer: &Identity,
    message: &str,
    signer: Option<&super::sign::Signer>,
) -> Result<Oid> {
    let raw = &repo.raw;
    let tree = raw.find_tree(tree.0)?;
    let parents: Vec<git2::Commit<'_>> = parents
        .iter()
        .map(|p| raw.find_commit(p.0))
        .collect::<Result<_, _>>()?;
    let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
    let buf = raw
        .commit_create_buffer(
            &author.signature()?,
            &committer.signature()?,
            message,
            &tree,
            &refs,
        )
        .context("cannot build the commit")?;
    if let Some(signer) = signer {
        let text = buf
            .as_str()
            .context("the commit to sign is not UTF-8 text")?;
        return super::sign::write_signed(repo, text, signer);
    }
    Ok(raw.odb()?.write(git2::ObjectType::Commit, &buf)?.into())
}
