//! Reading and writing commits and trees for the lifecycle commands: ancestry, the tree of one
//! folder, changed paths, new commits (stop commits, rebased commits). Nothing here moves a ref.

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

/// Load a commit's metadata.
pub fn commit_info(repo: &Repository, id: Oid) -> Result<CommitInfo> {
    let c = repo
        .find_commit(id)
        .map_err(|e| anyhow!("cannot read commit {id}: {}", e.message()))?;
    let a = c.author();
    Ok(CommitInfo {
        id,
        tree: c.tree_id(),
        parents: c.parent_ids().collect(),
        summary: String::from_utf8_lossy(c.summary_bytes().unwrap_or_default()).into_owned(),
        message: String::from_utf8_lossy(c.message_bytes()).into_owned(),
        author_name: String::from_utf8_lossy(a.name_bytes()).into_owned(),
        author_email: String::from_utf8_lossy(a.email_bytes()).into_owned(),
        author_seconds: a.when().seconds(),
        author_offset: a.when().offset_minutes(),
    })
}

/// Whether the object exists in the repository (a commit may be missing in a shallow or
/// partial clone, or after garbage collection).
pub fn has_commit(repo: &Repository, id: Oid) -> bool {
    repo.find_commit(id).is_ok()
}

/// `ancestor` is `descendant` or one of its ancestors.
pub fn is_ancestor(repo: &Repository, ancestor: Oid, descendant: Oid) -> Result<bool> {
    if ancestor == descendant {
        return Ok(true);
    }
    Ok(repo.graph_descendant_of(descendant, ancestor)?)
}

/// Commits on `a` not on `b`, and on `b` not on `a`.
pub fn ahead_behind(repo: &Repository, a: Oid, b: Oid) -> Result<(usize, usize)> {
    Ok(repo.graph_ahead_behind(a, b)?)
}

/// The best common ancestor, if any.
pub fn merge_base(repo: &Repository, a: Oid, b: Oid) -> Result<Option<Oid>> {
    match repo.merge_base(a, b) {
        Ok(o) => Ok(Some(o)),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Parse a full hexadecimal object id.
pub fn parse_oid(text: &str) -> Option<Oid> {
    if text.len() != 40 {
        return None;
    }
    Oid::from_str(text).ok()
}

/// The id of the tree at `path` (a folder) in a commit, `None` when there is no such folder.
pub fn subtree(repo: &Repository, commit: Oid, path: &str) -> Result<Option<Oid>> {
    let c = repo.find_commit(commit)?;
    let root = c.tree()?;
    match root.get_path(std::path::Path::new(path)) {
        Ok(entry) if entry.kind() == Some(git2::ObjectType::Tree) => Ok(Some(entry.id())),
        Ok(_) => Ok(None),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The bytes of a file in a commit, `None` when there is no such file.
pub fn read_file(repo: &Repository, commit: Oid, path: &str) -> Result<Option<Vec<u8>>> {
    let c = repo.find_commit(commit)?;
    let root = c.tree()?;
    match root.get_path(std::path::Path::new(path)) {
        Ok(entry) if entry.kind() == Some(git2::ObjectType::Blob) => {
            let blob = repo.find_blob(entry.id())?;
            Ok(Some(blob.content().to_vec()))
        }
        Ok(_) => Ok(None),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Names of the folders directly under `extensions/` in a commit.
pub fn extension_folders(repo: &Repository, commit: Oid) -> Result<Vec<String>> {
    let Some(ext) = subtree(repo, commit, "extensions")? else {
        return Ok(Vec::new());
    };
    let tree = repo.find_tree(ext)?;
    Ok(tree
        .iter()
        .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
        .filter_map(|e| e.name().ok().map(str::to_string))
        .collect())
}

/// Paths (files) that differ between two commits' trees (`from = None`: every file of `to`).
pub fn changed_paths(repo: &Repository, from: Option<Oid>, to: Oid) -> Result<Vec<String>> {
    let old = match from {
        Some(f) => Some(repo.find_commit(f)?.tree()?),
        None => None,
    };
    let new = repo.find_commit(to)?.tree()?;
    let diff = repo.diff_tree_to_tree(old.as_ref(), Some(&new), None)?;
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

/// Commits reachable from `tip` and not from `base`, oldest first, with their parents.
pub fn commits_between(repo: &Repository, base: Oid, tip: Oid) -> Result<Vec<CommitInfo>> {
    let mut walk = repo.revwalk()?;
    walk.push(tip)?;
    walk.hide(base)?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
    let mut out = Vec::new();
    for id in walk {
        out.push(commit_info(repo, id?)?);
    }
    Ok(out)
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
    let root = repo.find_tree(base)?;
    let dir_tree = match root.get_name(dir) {
        Some(e) if e.kind() == Some(git2::ObjectType::Tree) => Some(repo.find_tree(e.id())?),
        _ => None,
    };
    let mut inner = repo.treebuilder(dir_tree.as_ref())?;
    match subtree {
        Some(id) => {
            inner.insert(name, id, 0o040000)?;
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
    Ok(outer.write()?)
}

/// Write a commit object (no ref moves).
pub fn create_commit(
    repo: &Repository,
    tree: Oid,
    parents: &[Oid],
    author: &Identity,
    committer: &Identity,
    message: &str,
) -> Result<Oid> {
    let tree = repo.find_tree(tree)?;
    let parents: Vec<git2::Commit<'_>> = parents
        .iter()
        .map(|p| repo.find_commit(*p))
        .collect::<Result<_, _>>()?;
    let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
    let buf = repo
        .commit_create_buffer(
            &author.signature()?,
            &committer.signature()?,
            message,
            &tree,
            &refs,
        )
        .context("cannot build the commit")?;
    Ok(repo.odb()?.write(git2::ObjectType::Commit, &buf)?)
}

/// Whether the repository is a shallow clone (its history is cut off).
pub fn is_shallow(repo: &Repository) -> bool {
    repo.is_shallow()
}

/// First parent of a commit.
pub fn first_parent(repo: &Repository, id: Oid) -> Result<Option<Oid>> {
    let c = repo.find_commit(id)?;
    Ok(c.parent_id(0).ok())
}
