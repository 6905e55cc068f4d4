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
    pub fn next_number(&self, id: &str) -> u32 {
        self.by_id
            .get(id)
            .and_then(|m| m.keys().next_back())
            .map_or(1, |n| n + 1)
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
        let sub = repo.raw.find_tree(entry.id())?;
        let mut numbers = BTreeMap::new();
        for f in sub.iter() {
            let fname = String::from_utf8_lossy(f.name_bytes()).into_owned();
            let number = fname
                .strip_suffix(".toml")
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| *n > 0 && f.kind() == Some(git2::ObjectType::Blob));
            match number {
                Some(n) => {
                    numbers.insert(n, f.id().into());
                }
                None => out.strays.push(format!("{name}/{fname}")),
            }
        }
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
    super::objects::create_commit(repo, tree, &parents, author, committer, w.message)
}
