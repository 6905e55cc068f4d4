//! The records branch as git objects: list `<id>/<number>.toml` files, read one, write a commit
//! that adds or replaces one. Moving the branch is left to [`super::refs::update`].
//!
//! # Layout (format 1, unchanged by team sync)
//!
//! The records branch (`records` by default) holds one plain TOML file per lifecycle record:
//! `<extension id>/<number>.toml`, numbers counting from 1 per ID. A record ([`crate::model::Record`])
//! carries its kind, state, pinned commit/tree and its `events` (one [`crate::model::Event`] per
//! action: `request`, `cancel`, `approve`, `reject`, `sync`, `delete`, `restore`), oldest first.
//! Every records commit adds exactly one event: it creates one record file or appends one event
//! to one (`git show records` shows the event as a TOML diff). A deletion record's commit has the
//! deleted test branch tip as second parent so every clone keeps it.
//!
//! # API
//!
//! - Reading: [`list`] (files at a commit) and [`read_blob`]; parsing lives in
//!   `ops::chart::parse_record` and the per-ID accessors of `ops::chart::Chart`.
//! - Writing: [`write_commit`], called only by `ops::chart::Chart::write_record` (which
//!   `Chart::commit_record` and the replay in `ops::records` use). Refs move separately, with
//!   compare-and-swap.
//! - Merging: `ops::records::rebase` replays this clone's unpublished records commits (one
//!   event each) on top of the remote's records, like `git pull --rebase` with meaning:
//!   colliding new record numbers are renumbered, each event is re-checked against the new
//!   state, and events that no longer apply (a decision on a record decided meanwhile, an
//!   approval whose `service` move is no longer a fast-forward) are dropped and reported.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use anyhow::anyhow;

use super::Oid;
use super::Repository;
use super::identity::Identity;

/// The files of the records branch at one commit: ID → (number → blob id), plus files that do
/// not follow the `<id>/<number>.toml` layout.
#[derive(Clone, Debug, Default)]
pub struct RecordFiles {
    /// The records branch commit (`None`: the branch does not exist yet).
    pub tip: Option<Oid>,
    pub by_id: BTreeMap<String, BTreeMap<u32, Oid>>,
    /// Paths that are not records (reported, never touched).
    pub strays: Vec<String>,
}

impl RecordFiles {
    /// The number the next record of `id` gets.
    pub fn next_number(&self, id: &str) -> Result<u32> {
        let last = self.by_id.get(id).and_then(|m| m.keys().next_back());
        match last {
            None => Ok(1),
            Some(n) => n.checked_add(1).ok_or_else(|| {
                crate::error::refused(format!(
                    "`{id}` already has record number {n}, the largest there can be: no record can follow it"
                ))
                .hint("a record numbered this high was written by hand: run `cekops audit`")
                .into()
            }),
        }
    }
}

/// List the record files at `tip`.
pub fn list(repo: &Repository, tip: Option<Oid>) -> Result<RecordFiles> {
    let mut out = RecordFiles {
        tip,
        ..RecordFiles::default()
    };
    let Some(tip) = tip else { return Ok(out) };
    let commit = repo
        .raw
        .find_commit(tip.0)
        .map_err(|e| anyhow!("cannot read the records commit {tip}: {}", e.message()))?;
    let root = commit.tree()?;
    for entry in root.iter() {
        let name = String::from_utf8_lossy(entry.name_bytes()).into_owned();
        if entry.kind() != Some(git2::ObjectType::Tree) {
            out.strays.push(name);
            continue;
        }
        let (numbers, strays) = numbered_files(repo, Some(entry.id()))?;
        out.strays
            .extend(strays.into_iter().map(|f| format!("{name}/{f}")));
        out.by_id.insert(name, numbers);
    }
    Ok(out)
}

/// The text of a record blob.
pub fn read_blob(repo: &Repository, blob: Oid) -> Result<Vec<u8>> {
    let b = repo
        .raw
        .find_blob(blob.0)
        .map_err(|e| anyhow!("cannot read record blob {blob}: {}", e.message()))?;
    Ok(b.content().to_vec())
}

/// What to write in one records commit.
pub struct RecordWrite<'a> {
    pub id: &'a str,
    pub number: u32,
    pub text: &'a str,
    pub message: &'a str,
    /// A commit to keep reachable from the records branch as a second parent (a deleted test
    /// branch's tip, so that `cekops restore` and every clone still have it).
    pub keep: Option<Oid>,
}

/// Write a commit on top of `parent` (the records tip, `None` for the first record) that adds or
/// replaces `<id>/<number>.toml`. Returns the new commit; no ref moves.
pub fn write_commit(
    repo: &Repository,
    parent: Option<Oid>,
    w: &RecordWrite<'_>,
    author: &Identity,
    committer: &Identity,
    signer: Option<&super::sign::Signer>,
) -> Result<Oid> {
    let tree = super::objects::tree_with_file(
        repo,
        parent,
        w.id,
        &format!("{}.toml", w.number),
        w.text.as_bytes(),
    )?;
    let mut parents: Vec<Oid> = parent.into_iter().collect();
    if let Some(k) = w.keep {
        if parents.is_empty() {
            // The first record keeps a branch: start the records history with an empty root
            // commit, so that the first parent chain stays the records' own (the kept tip is
            // always a second parent).
            let empty = super::objects::tree_with(repo, None, &[])?;
            parents.push(super::objects::create_commit(
                repo,
                empty,
                &[],
                author,
                committer,
                "records: start of the lifecycle records\n",
            )?);
        }
        parents.push(k);
    }
    super::objects::create_commit_signed(repo, tree, &parents, author, committer, w.message, signer)
}

/// One record file that one commit of the records branch added, changed or removed.
#[derive(Clone, Debug)]
pub struct Change {
    /// The records commit.
    pub commit: Oid,
    pub id: String,
    pub number: u32,
    /// The file before the commit (`None`: added).
    pub old: Option<Oid>,
    /// The file after it (`None`: removed).
    pub new: Option<Oid>,
}

/// The `<number>.toml` files of one ID's folder (empty: no such folder), and the names of the
/// other entries in it.
fn numbered_files(
    repo: &Repository,
    tree: Option<git2::Oid>,
) -> Result<(BTreeMap<u32, Oid>, Vec<String>)> {
    let mut out = BTreeMap::new();
    let mut strays = Vec::new();
    let Some(tree) = tree else {
        return Ok((out, strays));
    };
    let sub = repo.raw.find_tree(tree)?;
    for f in sub.iter() {
        let name = String::from_utf8_lossy(f.name_bytes()).into_owned();
        let number = name
            .strip_suffix(".toml")
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|n| *n > 0 && f.kind() == Some(git2::ObjectType::Blob));
        match number {
            Some(n) => {
                out.insert(n, f.id().into());
            }
            None => strays.push(name),
        }
    }
    Ok((out, strays))
}

/// The ID folders at the root of a records commit: name → tree id.
fn id_folders(repo: &Repository, commit: Option<Oid>) -> Result<BTreeMap<String, git2::Oid>> {
    let mut out = BTreeMap::new();
    let Some(c) = commit else { return Ok(out) };
    let commit = repo
        .raw
        .find_commit(c.0)
        .map_err(|e| anyhow!("cannot read the records commit {c}: {}", e.message()))?;
    for e in commit.tree()?.iter() {
        if e.kind() == Some(git2::ObjectType::Tree) {
            out.insert(String::from_utf8_lossy(e.name_bytes()).into_owned(), e.id());
        }
    }
    Ok(out)
}

/// The record files each commit of the records branch changed, oldest commit first: the
/// first-parent history from `tip` down to `since` (excluded; `None`: down to the root).
pub fn changes(repo: &Repository, tip: Option<Oid>, since: Option<Oid>) -> Result<Vec<Change>> {
    let mut chain = Vec::new();
    let mut cur = tip;
    while let Some(c) = cur {
        if Some(c) == since {
            break;
        }
        let commit = repo
            .raw
            .find_commit(c.0)
            .map_err(|e| anyhow!("cannot read the records commit {c}: {}", e.message()))?;
        let parent = commit.parent_ids().next().map(Oid::from);
        chain.push((c, parent));
        cur = parent;
    }
    let mut out = Vec::new();
    let mut before = match chain.last() {
        Some((_, p)) => id_folders(repo, *p)?,
        None => return Ok(out),
    };
    for (c, _) in chain.into_iter().rev() {
        let after = id_folders(repo, Some(c))?;
        // Only the ID folders whose tree changed are read file by file.
        let names: std::collections::BTreeSet<&String> =
            after.keys().chain(before.keys()).collect();
        for id in names {
            let (old_tree, new_tree) = (before.get(id).copied(), after.get(id).copied());
            if old_tree == new_tree {
                continue;
            }
            let (old, _) = numbered_files(repo, old_tree)?;
            let (new, _) = numbered_files(repo, new_tree)?;
            for (n, blob) in &new {
                if old.get(n) != Some(blob) {
                    out.push(Change {
                        commit: c,
                        id: id.clone(),
                        number: *n,
                        old: old.get(n).copied(),
                        new: Some(*blob),
                    });
                }
            }
            for (n, blob) in &old {
                if !new.contains_key(n) {
                    out.push(Change {
                        commit: c,
                        id: id.clone(),
                        number: *n,
                        old: Some(*blob),
                        new: None,
                    });
                }
            }
        }
        before = after;
    }
    Ok(out)
}

/// For each record file `(id, number)` at `tip`, the records commit that wrote its current
/// version: one walk back along the first parents, which stops as soon as every file is found
/// (no record is parsed).
pub fn written_by(
    repo: &Repository,
    tip: Option<Oid>,
    files: &[(String, u32)],
) -> Result<BTreeMap<(String, u32), Oid>> {
    let mut found = BTreeMap::new();
    let Some(tip) = tip else { return Ok(found) };
    let blob_at = |tree: &git2::Tree<'_>, id: &str, n: u32| -> Option<git2::Oid> {
        tree.get_path(Path::new(&format!("{id}/{n}.toml")))
            .ok()
            .map(|e| e.id())
    };
    let mut commit = repo.raw.find_commit(tip.0)?;
    let tree = commit.tree()?;
    let mut pending: Vec<(String, u32, git2::Oid)> = files
        .iter()
        .filter_map(|(id, n)| blob_at(&tree, id, *n).map(|b| (id.clone(), *n, b)))
        .collect();
    while !pending.is_empty() {
        let parent = commit.parents().next();
        let parent_tree = match &parent {
            Some(p) => Some(p.tree()?),
            None => None,
        };
        let here: Oid = commit.id().into();
        pending.retain(|(id, n, blob)| {
            let before = parent_tree.as_ref().and_then(|t| blob_at(t, id, *n));
            if before == Some(*blob) {
                return true;
            }
            found.insert((id.clone(), *n), here);
            false
        });
        match parent {
            Some(p) => commit = p,
            None => break,
        }
    }
    Ok(found)
}
