//! `cekops delete <ID>`: remove the test branch of an extension that is neither in service nor
//! under review, keeping a record. The deleted commit stays reachable from the records branch (as
//! the record commit's second parent), so `cekops restore` works in every clone.

use std::path::Path;

use anyhow::Result;

use super::chart::Chart;
use super::review::event;
use crate::error::refused;
use crate::git::Oid;
use crate::git::refs::RefUpdate;
use crate::git::worktree;
use crate::model::Action;
use crate::model::RECORD_FORMAT;
use crate::model::Record;
use crate::model::RecordKind;
use crate::model::RecordState;

/// What `delete` removed.
#[derive(Debug)]
pub struct Deleted {
    pub record: Record,
    pub commit: Oid,
}

pub fn delete(dir: &Path, id: &str) -> Result<Deleted> {
    let chart = Chart::open(dir)?;
    chart.require_known(id)?;
    let branch = chart.test_name(id);
    if chart.in_service(id)? {
        return Err(refused(format!(
            "`{id}` is in service: stop the service before deleting it"
        ))
        .hint(format!(
            "request a stop with `cekops stop {id} --reason TEXT`; once a reviewer approves it, delete is allowed"
        ))
        .into());
    }
    if let Some(open) = chart.open_record(id)? {
        return Err(refused(format!(
            "`{id}` is under review (#{}): cancel the review before deleting",
            open.number
        ))
        .hint(format!("`cekops review cancel {id}`"))
        .into());
    }
    let Some(tip) = chart.test_tip(id)? else {
        return Err(refused(format!("there is no `{branch}` branch to delete"))
            .hint(format!("`cekops status {id}` shows what is known about it"))
            .into());
    };
    let checked_out = worktree::checkouts_of(&chart.repo, &chart.test_ref(id))?;
    if let Some(c) = checked_out.first() {
        return Err(refused(format!(
            "`{branch}` is checked out in `{}`",
            c.path.display()
        ))
        .hint(format!(
            "switch that work tree to another branch (`git switch {}`) first",
            chart.service_name()
        ))
        .into());
    }
    let actor = chart.author()?;
    let number = chart.records.next_number(id)?;
    let mut ev = event(Action::Delete, &actor, None);
    ev.commit = Some(tip.to_string());
    let record = Record {
        format: RECORD_FORMAT,
        kind: RecordKind::Delete,
        extension: id.to_string(),
        number,
        state: RecordState::Done,
        branch: branch.clone(),
        commit: Some(tip.to_string()),
        tree: None,
        base: Some(chart.service.to_string()),
        events: vec![ev],
    };
    chart.commit_record(
        &record,
        &format!("delete {id} #{number}"),
        &actor,
        Some(tip),
        vec![RefUpdate {
            name: chart.test_ref(id),
            old: Some(tip),
            new: None,
        }],
    )?;
    Ok(Deleted {
        record,
        commit: tip,
    })
}
