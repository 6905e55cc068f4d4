//! Merging lifecycle records across clones: a semantic `git pull --rebase` of the records
//! branch (see the layout in [`crate::git::records`]).
//!
//! Every records commit carries one event. When this clone's records branch and the remote's
//! have both moved, [`rebase`] takes the commits only this clone has (its unpublished events)
//! and replays them, oldest first, on top of the remote's records:
//!
//! - a new record (a review or stop request, a deletion, a restore) gets the next free number
//!   of its ID on the remote's side (renumbered when the remote used the number meanwhile), and
//!   is dropped when it no longer makes sense (a second open request, a deletion of a branch
//!   already deleted, a restore of a branch not deleted);
//! - an event added to an existing record (approve, reject, cancel, sync) is re-checked against
//!   the record as the remote has it: when the record was decided or cancelled meanwhile the
//!   event is dropped and the author is told who won. An approval that moved `service` is kept
//!   only when the remote's `service` is still the one it moved from (so `service` still
//!   fast-forwards); otherwise it is dropped and the reviewer approves again.
//!
//! Nothing moves until the whole replay is written: the records branch and `service` then move
//! together in one compare-and-swap transaction.

use anyhow::Result;
use anyhow::anyhow;

use super::chart::Chart;
use super::chart::parse_record;
use crate::git;
use crate::git::Oid;
use crate::git::identity::Identity;
use crate::git::objects;
use crate::git::refs;
use crate::git::refs::RefUpdate;
use crate::git::worktree;
use crate::model::Action;
use crate::model::Record;
use crate::model::RecordKind;
use crate::model::RecordState;

/// What happened to one replayed event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Replayed as it was.
    Kept,
    /// Replayed as a new record under another number (the remote used the old one).
    Renumbered { from: u32, to: u32 },
    /// Not replayed: it no longer applies. `why` says what won and what to do.
    Dropped { why: String },
}

/// One replayed event.
#[derive(Clone, Debug)]
pub struct Replay {
    pub id: String,
    /// The record number in this clone before the replay.
    pub number: u32,
    pub action: Action,
    /// Who did it (e-mail).
    pub by: String,
    pub outcome: Outcome,
}

impl Replay {
    /// One line for people: `approve of com.example.a #2 by a@x: dropped (...)`.
    pub fn describe(&self) -> String {
        let head = format!(
            "{} of `{}` #{} by {}",
            self.action.as_str(),
            self.id,
            self.number,
            self.by
        );
        match &self.outcome {
            Outcome::Kept => format!("{head}: replayed"),
            Outcome::Renumbered { from, to } => {
                format!("{head}: replayed as #{to} (#{from} was taken on the server)")
            }
            Outcome::Dropped { why } => format!("{head}: dropped, {why}"),
        }
    }
}

/// The result of a replay (refs already moved).
#[derive(Clone, Debug)]
pub struct Rebased {
    /// The new records tip (contains the remote's).
    pub tip: Oid,
    /// Where `service` is now.
    pub service: Oid,
    pub replays: Vec<Replay>,
}

/// The replay state: the records and `service` as they are after the events replayed so far.
struct State {
    view: Chart,
}

impl State {
    fn latest(&self, id: &str) -> Result<Option<Record>> {
        self.view.latest(id)
    }
    fn read(&self, id: &str, number: u32) -> Result<Option<Record>> {
        if self
            .view
            .records
            .by_id
            .get(id)
            .is_some_and(|m| m.contains_key(&number))
        {
            Ok(Some(self.view.read_record(id, number)?))
        } else {
            Ok(None)
        }
    }
    fn write(
        &mut self,
        record: &Record,
        original: &objects::CommitInfo,
        keep: Option<Oid>,
    ) -> Result<()> {
        let message = format!(
            "{}Replayed-from: {}\n",
            super::chart::record_message(&original.summary, record),
            original.id
        );
        let author = Identity {
            name: original.author_name.clone(),
            email: original.author_email.clone(),
            seconds: original.author_seconds,
            offset_minutes: original.author_offset,
        };
        let new = self.view.write_record(record, &message, &author, keep)?;
        self.view.records = git::records::list(&self.view.repo, Some(new))?;
        Ok(())
    }
}

/// The records commits of `local` that `remote` lacks, oldest first (first-parent chain: the
/// second parent of a deletion record is the deleted branch, not a record).
fn unpublished(repo: &git::Repository, local: Oid, remote: Oid) -> Result<Vec<Oid>> {
    let mut out = Vec::new();
    let mut at = Some(local);
    while let Some(c) = at {
        if objects::is_ancestor(repo, c, remote)? {
            break;
        }
        out.push(c);
        at = objects::first_parent(repo, c)?;
    }
    out.reverse();
    Ok(out)
}

/// `<id>/<number>.toml` → (id, number).
fn record_path(path: &str) -> Option<(&str, u32)> {
    let (id, file) = path.split_once('/')?;
    let n = file.strip_suffix(".toml")?.parse::<u32>().ok()?;
    (n > 0 && !file.contains('/')).then_some((id, n))
}

fn read_at(chart: &Chart, commit: Oid, id: &str, number: u32) -> Result<Option<Record>> {
    let path = format!("{id}/{number}.toml");
    match objects::read_file(&chart.repo, commit, &path)? {
        Some(bytes) => Ok(Some(parse_record(
            &bytes,
            &path,
            chart.records_name(),
            id,
            number,
        )?)),
        None => Ok(None),
    }
}

fn who_won(rec: &Record) -> String {
    match rec.events.last() {
        Some(e) => format!(
            "#{} was {} by {} meanwhile",
            rec.number,
            rec.state.as_str(),
            e.email
        ),
        None => format!("#{} was {} meanwhile", rec.number, rec.state.as_str()),
    }
}

/// Replay one new record (the commit created the file).
fn replay_new(
    state: &mut State,
    info: &objects::CommitInfo,
    mut rec: Record,
    renumbered: &mut Vec<(String, u32, u32)>,
) -> Result<Outcome> {
    let id = rec.extension.clone();
    let latest = state.latest(&id)?;
    let drop = |why: String| Ok(Outcome::Dropped { why });
    match rec.kind {
        RecordKind::Review | RecordKind::ConfigReview | RecordKind::Stop => {
            if let Some(open) = latest.as_ref().filter(|r| r.state == RecordState::Open) {
                let by = open.request().map(|e| e.email.clone()).unwrap_or_default();
                return drop(format!(
                    "#{} by {by} was opened on the server meanwhile; see it with `cekops review show {id}`",
                    open.number
                ));
            }
            if latest
                .as_ref()
                .is_some_and(|r| r.kind == RecordKind::Delete)
            {
                return drop(format!(
                    "`{id}` was deleted on the server meanwhile; `cekops restore {id}` brings it back"
                ));
            }
        }
        RecordKind::Delete => {
            if let Some(l) = &latest {
                if l.kind == RecordKind::Delete {
                    return drop(format!("`{id}` was already deleted (#{})", l.number));
                }
                if l.state == RecordState::Open {
                    return drop(format!(
                        "#{} was opened on the server meanwhile; cancel it before deleting",
                        l.number
                    ));
                }
            }
        }
        RecordKind::Restore => {
            if latest.as_ref().is_none_or(|l| l.kind != RecordKind::Delete) {
                return drop(format!("`{id}` is not deleted on the server"));
            }
        }
    }
    let from = rec.number;
    let to = state.view.records.next_number(&id)?;
    rec.number = to;
    let keep = info.parents.get(1).copied();
    state.write(&rec, info, keep)?;
    if from != to {
        renumbered.push((id, from, to));
        Ok(Outcome::Renumbered { from, to })
    } else {
        Ok(Outcome::Kept)
    }
}

/// Replay one event appended to an existing record.
fn replay_event(
    state: &mut State,
    info: &objects::CommitInfo,
    before: &Record,
    after: &Record,
    number: u32,
) -> Result<Outcome> {
    let id = after.extension.as_str();
    let drop = |why: String| Ok(Outcome::Dropped { why });
    let Some(ev) = after.events.get(before.events.len()).cloned() else {
        return drop("the commit adds no event".into());
    };
    let Some(mut cur) = state.read(id, number)? else {
        return drop(format!("#{number} does not exist on the server"));
    };
    if cur.state != RecordState::Open {
        let what = match ev.action {
            Action::Approve | Action::Reject => {
                format!("; see `cekops review show {id}`")
            }
            _ => String::new(),
        };
        return drop(format!("{}{what}", who_won(&cur)));
    }
    match ev.action {
        Action::Approve => {
            if cur
                .valid_approvals()
                .iter()
                .any(|e| e.email.eq_ignore_ascii_case(&ev.email))
            {
                return drop(format!("{} had already approved #{}", ev.email, cur.number));
            }
            if ev.tree != cur.tree {
                return drop(format!(
                    "#{} changed on the server meanwhile (a sync changed its tree); approve again after `cekops fetch`",
                    cur.number
                ));
            }
            let moves = after.state == RecordState::Approved;
            if moves {
                let before_service = ev.service_before.as_deref().and_then(Oid::parse);
                let after_service = ev.service_after.as_deref().and_then(Oid::parse);
                let (Some(b), Some(a)) = (before_service, after_service) else {
                    return drop("the approval names no service move".into());
                };
                if b != state.view.service {
                    return drop(format!(
                        "`{}` moved on the server meanwhile, so this approval's move is no longer a fast-forward; run `cekops review approve {id}` again",
                        state.view.service_name()
                    ));
                }
                cur.events.push(ev);
                cur.state = RecordState::Approved;
                state.write(&cur, info, None)?;
                state.view.service = a;
                return Ok(Outcome::Kept);
            }
            cur.events.push(ev);
            if cur.valid_approvals().len() as u32 >= state.view.required_approvals() {
                return drop(format!(
                    "with approvals added on the server meanwhile yours would be the last one, which must move `{}`: run `cekops review approve {id}` again",
                    state.view.service_name()
                ));
            }
            state.write(&cur, info, None)?;
            Ok(Outcome::Kept)
        }
        Action::Reject | Action::Cancel => {
            cur.events.push(ev);
            cur.state = after.state;
            state.write(&cur, info, None)?;
            Ok(Outcome::Kept)
        }
        Action::Sync => {
            if cur.commit != before.commit {
                return drop(format!(
                    "#{} now points at another commit on the server",
                    cur.number
                ));
            }
            cur.events.push(ev);
            cur.commit = after.commit.clone();
            cur.base = after.base.clone();
            cur.tree = after.tree.clone();
            state.write(&cur, info, None)?;
            Ok(Outcome::Kept)
        }
        Action::Request | Action::Delete | Action::Restore => {
            drop("this event only starts a record".into())
        }
    }
}

/// Replay this clone's unpublished records commits on top of `remote_records`, with
/// `remote_service` the remote's `service`; move the local records branch and `service` (when
/// it must follow) in one transaction. Requires both branches to have diverged.
pub fn rebase(chart: &Chart, remote_records: Oid, remote_service: Oid) -> Result<Rebased> {
    let Some(local) = chart.records.tip else {
        return Err(anyhow!("no local records branch to rebase"));
    };
    let repo = &chart.repo;
    // Two clones that each wrote the first record share no records history: every local
    // commit is then unpublished, and the replay puts them all on the remote's.
    let commits = unpublished(repo, local, remote_records)?;
    let mut view = Chart::from_repo(repo.reopen()?)?;
    view.records = git::records::list(repo, Some(remote_records))?;
    view.service = remote_service;
    let mut state = State { view };
    let mut replays = Vec::new();
    // (id, old number) → new number, for events on records renumbered earlier in the replay.
    let mut renumbered: Vec<(String, u32, u32)> = Vec::new();
    for c in commits {
        let info = objects::commit_info(repo, c)?;
        let parent = info.parents.first().copied();
        let paths = objects::changed_paths(repo, parent, c)?;
        for path in paths {
            let Some((id, number)) = record_path(&path) else {
                continue;
            };
            let Some(after) = read_at(chart, c, id, number)? else {
                continue;
            };
            let before = match parent {
                Some(p) => read_at(chart, p, id, number)?,
                None => None,
            };
            let (action, by) = match after
                .events
                .get(before.as_ref().map_or(0, |b| b.events.len()))
            {
                Some(e) => (e.action, e.email.clone()),
                None => continue,
            };
            let outcome = match &before {
                None => replay_new(&mut state, &info, after.clone(), &mut renumbered)?,
                Some(b) => {
                    let target = renumbered
                        .iter()
                        .find(|(i, from, _)| i == id && *from == number)
                        .map_or(number, |(_, _, to)| *to);
                    replay_event(&mut state, &info, b, &after, target)?
                }
            };
            replays.push(Replay {
                id: id.to_string(),
                number,
                action,
                by,
                outcome,
            });
        }
    }
    let tip = state.view.records.tip.unwrap_or(remote_records);
    let service = state.view.service;
    let mut updates = vec![RefUpdate {
        name: chart.records_ref(),
        old: Some(local),
        new: Some(tip),
    }];
    let checkouts = if service != chart.service {
        let list = worktree::checkouts_of(repo, &chart.service_ref())?;
        for c in &list {
            if !worktree::blocking_changes(&c.path, Some(service))?.is_empty() {
                return Err(crate::error::refused(format!(
                    "`{}` is checked out in `{}` with uncommitted changes; the records were not merged",
                    chart.service_name(),
                    c.path.display()
                ))
                .hint("commit them on a test branch or stash them, then run `cekops fetch` again")
                .into());
            }
        }
        updates.push(RefUpdate {
            name: chart.service_ref(),
            old: Some(chart.service),
            new: Some(service),
        });
        list
    } else {
        Vec::new()
    };
    refs::update(
        repo,
        &updates,
        &chart.committer()?,
        "cekops: replay unpublished records on the remote's",
    )?;
    for c in checkouts {
        worktree::advance(&c.path, chart.service, service)?;
    }
    Ok(Rebased {
        tip,
        service,
        replays,
    })
}
