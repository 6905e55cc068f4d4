//! `cekops fetch [REMOTE]`: fetch every branch of the remote, then bring the local `service`,
//! records branch and test branches up to date where that is a fast-forward (creating missing
//! ones). Diverged branches and checked-out branches with uncommitted changes are left alone and
//! reported.

use std::path::Path;

use anyhow::Result;
use serde::Serialize;

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

/// What happened to one local branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BranchAction {
    Created,
    FastForwarded,
    UpToDate,
    /// The local branch has commits the remote lacks (push them).
    Ahead,
    /// Both sides have commits the other lacks; left alone.
    Diverged,
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

fn update_local(
    repo: &git::Repository,
    branch: &str,
    remote_val: Oid,
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
            let checkouts = worktree::checkouts_of(repo, &full)?;
            let mut dirty = false;
            for c in &checkouts {
                if !worktree::blocking_changes(&c.path, Some(remote_val))?.is_empty() {
                    dirty = true;
                }
            }
            if dirty {
                BranchAction::Dirty
            } else {
                let who = git::identity::resolve(repo, Role::Committer)?;
                refs::update(
                    repo,
                    &[RefUpdate {
                        name: full.clone(),
                        old: Some(l),
                        new: Some(remote_val),
                    }],
                    &who,
                    "cekops fetch: fast-forward",
                )?;
                for c in &checkouts {
                    worktree::advance(&c.path, l, remote_val)?;
                }
                BranchAction::FastForwarded
            }
        }
        Some(l) if objects::is_ancestor(repo, remote_val, l)? => BranchAction::Ahead,
        Some(_) => BranchAction::Diverged,
    };
    out.push(BranchResult {
        branch: branch.to_string(),
        action,
    });
    Ok(())
}

pub fn fetch(dir: &Path, remote: Option<&str>) -> Result<Fetched> {
    let repo = git::discover(dir).map_err(|_| {
        usage(format!(
            "`{}` is not inside a git repository",
            dir.display()
        ))
    })?;
    let remote = super::push::pick_remote(&repo, remote)?;
    let spec = format!("+refs/heads/*:refs/remotes/{remote}/*");
    cli::run(
        super::push::git_dir_for_cli(&repo),
        &["fetch", "--prune", &remote, &spec],
    )?;
    let branches = branches_from(&repo, &remote);
    let mut out = Vec::new();
    let tracking = |name: &str| refs::read(&repo, &format!("refs/remotes/{remote}/{name}"));
    for b in [&branches.service.value, &branches.records.value] {
        if let Some(v) = tracking(b)? {
            update_local(&repo, b, v, &mut out)?;
        }
    }
    if let Some((prefix, suffix)) = branches.test.value.split_once("{id}") {
        let glob = format!("refs/remotes/{remote}/{prefix}*");
        let mut found = Vec::new();
        for (name, t) in refs::list(&repo, &glob)? {
            let Some(short) = name.strip_prefix(&format!("refs/remotes/{remote}/")) else {
                continue;
            };
            let Some(id) = short
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(suffix))
            else {
                continue;
            };
            if id.is_empty() || id.contains('/') {
                continue;
            }
            found.push((short.to_string(), t));
        }
        for (short, t) in found {
            update_local(&repo, &short, t, &mut out)?;
        }
    }
    Ok(Fetched {
        remote,
        branches: out,
    })
}
