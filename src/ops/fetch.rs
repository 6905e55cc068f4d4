//! `cekops fetch [REMOTE]`: fetch every branch of the remote, then bring the local `service`,
//! records branch and test branches up to date where that is a fast-forward (creating missing
//! ones). Diverged branches and checked-out branches with uncommitted changes are left alone and
//! reported.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::chart::Chart;
use crate::error::usage;
use crate::git;
use crate::git::Oid;
use crate::git::cli;
use crate::git::identity::Role;
use crate::git::objects;
use crate::git::refs;
use crate::git::refs::RefUpdate;
use crate::git::worktree;
use crate::model::Branches;
use crate::model::RecordKind;

/// What happened to one local branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BranchAction {
    Created,
    FastForwarded,
    UpToDate,
    /// The local branch has commits the remote lacks (push them).
    Ahead,
    /// The owner rewrote the branch (a `cekops sync`); the local copy had no commits of its own
    /// and now points where the remote's does.
    Followed,
    /// The branch was deleted on the remote with a deletion record; the local copy (no commits
    /// of its own) was deleted too.
    Deleted,
    /// The records branch: this clone's unpublished events were replayed on the remote's.
    Rebased,
    /// Both sides have commits the other lacks; left alone.
    Diverged,
    /// Deleted on the remote with a record, but the local copy has commits of its own: kept
    /// (and never pushed).
    DeletedKept,
    /// Checked out with uncommitted changes; left alone.
    Dirty,
}

#[derive(Clone, Debug, Serialize)]
pub struct BranchResult {
    pub branch: String,
    pub action: BranchAction,
}

#[derive(Clone, Debug)]
pub struct Fetched {
    pub remote: String,
    pub branches: Vec<BranchResult>,
    /// What happened to this clone's unpublished record events (when the records were rebased).
    pub replays: Vec<super::records::Replay>,
}

fn branches_from(repo: &git::Repository, remote: &str) -> Branches {
    let defaults = Branches::default();
    let mut service = defaults.service.value.clone();
    if let Some(c) = repo.head_commit()
        && let Some(cfg) = super::chart::config_at(repo, c)
    {
        service = cfg.branches.service.value.clone();
    }
    for candidate in [
        format!("refs/remotes/{remote}/{service}"),
        refs::branch_ref(&service),
    ] {
        if let Ok(Some(oid)) = refs::read(repo, &candidate)
            && let Some(cfg) = super::chart::config_at(repo, oid)
        {
            return cfg.branches;
        }
    }
    defaults
}

/// Move a local branch (checked-out work trees follow when they are clean).
fn move_local(
    repo: &git::Repository,
    full: &str,
    old: Oid,
    new: Option<Oid>,
    why: &str,
) -> Result<bool> {
    let checkouts = worktree::checkouts_of(repo, full)?;
    if new.is_none() && !checkouts.is_empty() {
        return Ok(false);
    }
    for c in &checkouts {
        if !worktree::blocking_changes(&c.path, new)?.is_empty() {
            return Ok(false);
        }
    }
    let who = git::identity::resolve(repo, Role::Committer)?;
    refs::update(
        repo,
        &[RefUpdate {
            name: full.to_string(),
            old: Some(old),
            new,
        }],
        &who,
        why,
    )?;
    if let Some(n) = new {
        for c in &checkouts {
            worktree::advance(&c.path, old, n)?;
        }
    }
    Ok(true)
}

/// Bring one local branch to the remote's value. `folder` (test branches): the extension folder,
/// used to recognise a rewrite by the owner's `sync` that left the local copy nothing of its own.
fn update_local(
    repo: &git::Repository,
    branch: &str,
    remote_val: Oid,
    before: Option<Oid>,
    folder: Option<&str>,
    out: &mut Vec<BranchResult>,
) -> Result<()> {
    let full = refs::branch_ref(branch);
    let local = refs::read(repo, &full)?;
    let action = match local {
        None => {
            let who = git::identity::resolve(repo, Role::Committer)?;
            refs::update(
                repo,
                &[RefUpdate {
                    name: full.clone(),
                    old: None,
                    new: Some(remote_val),
                }],
                &who,
                "cekops fetch: create",
            )?;
            BranchAction::Created
        }
        Some(l) if l == remote_val => BranchAction::UpToDate,
        Some(l) if objects::is_ancestor(repo, l, remote_val)? => {
            if move_local(
                repo,
                &full,
                l,
                Some(remote_val),
                "cekops fetch: fast-forward",
            )? {
                BranchAction::FastForwarded
            } else {
                BranchAction::Dirty
            }
        }
        Some(l) if objects::is_ancestor(repo, remote_val, l)? => BranchAction::Ahead,
        Some(l) => {
            // Nothing of its own: the local copy is what the remote held before (or its
            // commits were all replayed there by a sync).
            let own = match (before, folder) {
                (Some(b), _) if objects::is_ancestor(repo, l, b)? => false,
                (_, Some(f)) => !super::remote::rewritten_in(repo, l, remote_val, f)?,
                _ => true,
            };
            if own {
                BranchAction::Diverged
            } else if move_local(
                repo,
                &full,
                l,
                Some(remote_val),
                "cekops fetch: follow a rewrite",
            )? {
                BranchAction::Followed
            } else {
                BranchAction::Dirty
            }
        }
    };
    out.push(BranchResult {
        branch: branch.to_string(),
        action,
    });
    Ok(())
}

/// The remote-tracking branch values, to tell afterwards what the remote held before.
fn tracking_values(repo: &git::Repository, remote: &str) -> Result<BTreeMap<String, Oid>> {
    let prefix = format!("refs/remotes/{remote}/");
    Ok(refs::list(repo, &format!("{prefix}*"))?
        .into_iter()
        .filter_map(|(n, o)| n.strip_prefix(&prefix).map(|s| (s.to_string(), o)))
        .collect())
}

/// Fetch every branch of `remote` (or the default one) and bring the local branches up to date;
/// the records branch is merged with [`super::records::rebase`] when both sides moved.
pub fn fetch(dir: &Path, remote: Option<&str>) -> Result<Fetched> {
    let repo = git::discover(dir).map_err(|_| {
        usage(format!(
            "`{}` is not inside a git repository",
            dir.display()
        ))
    })?;
    let remote = super::remote::pick_remote(&repo, remote)?;
    let before = tracking_values(&repo, &remote)?;
    let spec = format!("+refs/heads/*:refs/remotes/{remote}/*");
    cli::run(
        super::remote::git_dir_for_cli(&repo),
        &["fetch", "--prune", "--quiet", &remote, &spec],
    )?;
    let after = tracking_values(&repo, &remote)?;
    let branches = branches_from(&repo, &remote);
    let mut out = Vec::new();
    let mut replays = Vec::new();
    let service = &branches.service.value;
    let records = &branches.records.value;
    if let Some(v) = after.get(service) {
        // `service` only ever fast-forwards (a rewound server is never followed); a local
        // approval that moved it is settled by the records replay below.
        update_local(&repo, service, *v, None, None, &mut out)?;
    }
    if let Some(v) = after.get(records) {
        update_local(&repo, records, *v, None, None, &mut out)?;
        let diverged = out
            .last()
            .is_some_and(|b| b.action == BranchAction::Diverged);
        if diverged && let Some(remote_service) = after.get(service) {
            let chart = Chart::from_repo(repo.reopen()?)?;
            let r = super::records::rebase(&chart, *v, *remote_service)?;
            replays = r.replays;
            if let Some(last) = out.last_mut() {
                last.action = BranchAction::Rebased;
            }
            // `service` now follows the replay (it was left diverged above when a local
            // approval had moved it).
            if let Some(b) = out.iter_mut().find(|b| &b.branch == service)
                && b.action == BranchAction::Diverged
                && r.service == *remote_service
            {
                b.action = BranchAction::Followed;
            }
        }
    }
    // Test branches, judged with the records as they are now.
    let chart = Chart::from_repo(repo.reopen()?).ok();
    if let Some((prefix, suffix)) = branches.test.value.split_once("{id}") {
        let id_of = |short: &str| -> Option<String> {
            let id = short.strip_prefix(prefix)?.strip_suffix(suffix)?;
            (!id.is_empty() && !id.contains('/')).then(|| id.to_string())
        };
        // `Some(deleted tip)` when the latest record of the ID is a deletion.
        let deleted = |id: &str| -> Option<Option<Oid>> {
            let rec = chart.as_ref()?.latest(id).ok()??;
            (rec.kind == RecordKind::Delete).then(|| rec.commit.as_deref().and_then(Oid::parse))
        };
        for (short, t) in &after {
            let Some(id) = id_of(short) else { continue };
            let folder = Chart::ext_path(&id);
            if deleted(&id).is_some() && refs::read(&repo, &refs::branch_ref(short))?.is_none() {
                // Deleted by a record: never re-created from a stale server copy.
                continue;
            }
            update_local(
                &repo,
                short,
                *t,
                before.get(short).copied(),
                Some(&folder),
                &mut out,
            )?;
        }
        // Local copies of branches the remote deleted with a record.
        for (id, l) in refs::branches_matching(&repo, &branches.test.value)? {
            let short = format!("{prefix}{id}{suffix}");
            if after.contains_key(&short) {
                continue;
            }
            let Some(gone) = deleted(&id) else { continue };
            let mut nothing_own = false;
            for known in before.get(&short).copied().into_iter().chain(gone) {
                if objects::is_ancestor(&repo, l, known)? {
                    nothing_own = true;
                }
            }
            let full = refs::branch_ref(&short);
            let action = if !nothing_own {
                BranchAction::DeletedKept
            } else if move_local(&repo, &full, l, None, "cekops fetch: deleted on the remote")? {
                BranchAction::Deleted
            } else {
                BranchAction::Dirty
            };
            out.push(BranchResult {
                branch: short,
                action,
            });
        }
    }
    Ok(Fetched {
        remote,
        branches: out,
        replays,
    })
}
