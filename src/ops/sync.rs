//! `cekops sync <ID>`: rebase `test/<id>` onto `service` by replaying each commit's
//! `extensions/<id>/` folder on top of it. Conflict-free by construction: a test branch touches
//! only its own folder. An open review follows the branch (a `sync` event) and its approvals stay
//! valid, because the folder's tree does not change.

use std::path::Path;
use std::path::PathBuf;

use anyhow::Result;

use super::chart::Chart;
use super::review::event;
use crate::error::refused;
use crate::git::Oid;
use crate::git::objects;
use crate::git::refs::RefUpdate;
use crate::git::worktree;
use crate::model::Action;
use crate::model::RecordKind;

/// What `sync` did.
#[derive(Debug)]
pub struct Synced {
    pub branch: String,
    /// `None` when the branch already contained `service`.
    pub moved: Option<(Oid, Oid)>,
    pub commits: usize,
    /// The open review that now points at the new commit.
    pub review: Option<u32>,
    pub updated_checkouts: Vec<PathBuf>,
}

pub fn sync(dir: &Path, id: &str) -> Result<Synced> {
    let chart = Chart::open(dir)?;
    chart.require_known(id)?;
    chart.require_full_history()?;
    let branch = chart.test_name(id);
    let Some(tip) = chart.test_tip(id)? else {
        return Err(refused(format!("there is no `{branch}` branch to sync"))
            .hint(format!(
                "`cekops restore {id}` brings back a deleted test branch"
            ))
            .into());
    };
    if objects::is_ancestor(&chart.repo, chart.service, tip)? {
        return Ok(Synced {
            branch,
            moved: None,
            commits: 0,
            review: None,
            updated_checkouts: Vec::new(),
        });
    }
    let folder = Chart::ext_path(id);
    let own = format!("{folder}/");
    let base = objects::merge_base(&chart.repo, chart.service, tip)?;
    let Some(base) = base else {
        return Err(refused(format!(
            "`{branch}` and `{}` share no history",
            chart.service_name()
        ))
        .hint("create the test branch from the service branch")
        .into());
    };
    // Only the extension's own folder may differ, commit by commit.
    let commits = objects::commits_between(&chart.repo, base, tip)?;
    for c in &commits {
        if c.parents.len() > 1 {
            return Err(refused(format!(
                "`{branch}` contains a merge commit ({}); sync replays linear history only; nothing was changed",
                c.id.short()
            ))
            .hint(format!(
                "rebase it by hand: `git rebase {} {branch}`",
                chart.service_name()
            ))
            .into());
        }
        let parent = c.parents.first().copied();
        let outside: Vec<String> = objects::changed_paths(&chart.repo, parent, c.id)?
            .into_iter()
            .filter(|p| !p.starts_with(&own))
            .collect();
        if !outside.is_empty() {
            let list: Vec<String> = outside.iter().take(5).map(|p| format!("`{p}`")).collect();
            return Err(refused(format!(
                "`{branch}` touches paths outside `{own}` ({}); sync rebases only an extension's own folder; nothing was changed",
                list.join(", ")
            ))
            .hint(format!(
                "rebase it by hand (`git rebase {} {branch}`) or move those changes to their own test branch",
                chart.service_name()
            ))
            .into());
        }
    }
    // Service may have changed the folder only by removing it (an approved stop).
    let base_folder = objects::subtree(&chart.repo, base, &folder)?;
    let service_folder = objects::subtree(&chart.repo, chart.service, &folder)?;
    if service_folder.is_some() && service_folder != base_folder {
        return Err(refused(format!(
            "`{}` changed `{own}` since `{branch}` branched from it; nothing was changed",
            chart.service_name()
        ))
        .hint(format!(
            "rebase by hand and resolve the conflict: `git rebase {} {branch}`",
            chart.service_name()
        ))
        .into());
    }
    // The work tree, when the branch is checked out, must be clean.
    let checkouts = worktree::checkouts_of(&chart.repo, &chart.test_ref(id))?;
    for c in &checkouts {
        let blocking = worktree::blocking_changes(&c.path, None)?;
        if !blocking.is_empty() {
            let list: Vec<String> = blocking.iter().take(5).map(|p| format!("`{p}`")).collect();
            return Err(refused(format!(
                "`{branch}` is checked out in `{}` with uncommitted changes ({}); nothing was changed",
                c.path.display(),
                list.join(", ")
            ))
            .hint("commit or stash them, then sync again")
            .into());
        }
    }
    let committer = chart.committer()?;
    let mut new_tip = chart.service;
    let mut tree = objects::commit_info(&chart.repo, chart.service)?.tree;
    for c in &commits {
        let sub = objects::subtree(&chart.repo, c.id, &folder)?;
        tree = objects::replace_subtree(&chart.repo, tree, &folder, sub)?;
        let author = crate::git::identity::Identity {
            name: c.author_name.clone(),
            email: c.author_email.clone(),
            seconds: c.author_seconds,
            offset_minutes: c.author_offset,
        };
        new_tip = objects::create_commit(
            &chart.repo,
            tree,
            &[new_tip],
            &author,
            &committer,
            &c.message,
        )?;
    }
    if commits.is_empty() && service_folder != base_folder {
        // Service dropped the folder (an approved stop) and the branch has nothing newer: keep
        // the extension on the test branch with one commit that puts the folder back.
        tree = objects::replace_subtree(&chart.repo, tree, &folder, base_folder)?;
        let actor = chart.author()?;
        new_tip = objects::create_commit(
            &chart.repo,
            tree,
            &[new_tip],
            &actor,
            &committer,
            &format!("keep {id} on its test branch after the service stopped\n"),
        )?;
    }
    // A checked-out branch must be able to follow before it moves: never move it and then leave
    // the index at the old tree (the next commit would silently revert what `service` gained).
    for c in &checkouts {
        worktree::check_advance(&c.path, tip, new_tip).map_err(|e| {
            refused(format!(
                "`{branch}` is checked out in `{}`, whose files cannot be updated ({e}); nothing was changed",
                c.path.display()
            ))
            .hint("commit or stash the changes there, then sync again")
        })?;
    }
    let branch_update = RefUpdate {
        name: chart.test_ref(id),
        old: Some(tip),
        new: Some(new_tip),
    };
    // An open review pinned to the old tip follows the branch.
    let mut review = None;
    match chart.open_record(id)? {
        Some(mut rec)
            if matches!(rec.kind, RecordKind::Review)
                && rec.commit.as_deref() == Some(tip.to_string().as_str()) =>
        {
            let actor = chart.author()?;
            let mut ev = event(Action::Sync, &actor, None);
            ev.commit = Some(new_tip.to_string());
            ev.tree = chart
                .review_tree(rec.kind, id, new_tip)?
                .map(|t| t.to_string());
            rec.events.push(ev);
            rec.commit = Some(new_tip.to_string());
            rec.base = Some(chart.service.to_string());
            review = Some(rec.number);
            chart.commit_record(
                &rec,
                &format!("sync {id} #{}", rec.number),
                &actor,
                None,
                vec![branch_update],
            )?;
        }
        _ => {
            crate::git::refs::update(
                &chart.repo,
                &[branch_update],
                &committer,
                &format!("cekops: sync {id} onto {}", chart.service_name()),
            )?;
        }
    }
    let mut updated = Vec::new();
    for c in checkouts {
        worktree::advance(&c.path, tip, new_tip)?;
        updated.push(c.path);
    }
    Ok(Synced {
        branch,
        moved: Some((tip, new_tip)),
        commits: commits.len().max(usize::from(new_tip != chart.service)),
        review,
        updated_checkouts: updated,
    })
}
