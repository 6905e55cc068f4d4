//! `cekops restore <ID>`: bring back a deleted test branch from its deletion record.

use std::path::Path;

use anyhow::Result;

use super::chart::Chart;
use super::review::event;
use crate::error::refused;
use crate::git::Oid;
use crate::git::objects;
use crate::git::refs::RefUpdate;
use crate::model::Action;
use crate::model::RECORD_FORMAT;
use crate::model::Record;
use crate::model::RecordKind;
use crate::model::RecordState;

/// What `restore` brought back.
#[derive(Debug)]
pub struct Restored {
    pub record: Record,
    pub commit: Oid,
}

pub fn restore(dir: &Path, id: &str) -> Result<Restored> {
    let chart = Chart::open(dir)?;
    chart.require_known(id)?;
    let branch = chart.test_name(id);
    if chart.test_tip(id)?.is_some() {
        return Err(
            refused(format!("`{branch}` exists; there is nothing to restore"))
                .hint(format!("`cekops status {id}`"))
                .into(),
        );
    }
    let mut deleted: Option<Record> = None;
    chart.scan_back(id, |r| {
        if r.kind == RecordKind::Delete {
            deleted = Some(r.clone());
            true
        } else {
            false
        }
    })?;
    let Some(del) = deleted else {
        return Err(
            refused(format!("`{id}` has no deletion record to restore from"))
                .hint(format!("`cekops log {id}` shows its history"))
                .into(),
        );
    };
    let commit = del.commit.as_deref().and_then(Oid::parse);
    let Some(commit) = commit.filter(|c| objects::has_commit(&chart.repo, *c)) else {
        return Err(refused(format!(
            "the commit deleted by record #{} of `{id}` is not in this repository",
            del.number
        ))
        .hint("fetch the records branch (`cekops fetch`), which keeps it reachable")
        .into());
    };
    let actor = chart.author()?;
    let number = chart.records.next_number(id)?;
    let mut ev = event(
        Action::Restore,
        &actor,
        Some(format!("restored from record #{}", del.number)),
    );
    ev.commit = Some(commit.to_string());
    let record = Record {
        format: RECORD_FORMAT,
        kind: RecordKind::Restore,
        extension: id.to_string(),
        number,
        state: RecordState::Done,
        branch: branch.clone(),
        commit: Some(commit.to_string()),
        tree: None,
        base: Some(chart.service.to_string()),
        events: vec![ev],
    };
    chart.commit_record(
        &record,
        &format!("restore {id} #{number}"),
        &actor,
        None,
        vec![RefUpdate {
            name: chart.test_ref(id),
            old: None,
            new: Some(commit),
        }],
    )?;
    Ok(Restored { record, commit })
}
