//! `cekops stop <ID> --reason TEXT`: request that an in-service extension stops being served. A
//! reviewer's `review approve <ID>` then commits the removal of `extensions/<id>/` on `service`,
//! atomically with the record; the test branch stays and the extension is *In development* again.

use std::path::Path;

use anyhow::Result;

use super::chart::Chart;
use super::review::event;
use crate::error::refused;
use crate::error::usage;
use crate::model::Action;
use crate::model::RECORD_FORMAT;
use crate::model::Record;
use crate::model::RecordKind;
use crate::model::RecordState;

pub fn stop(dir: &Path, id: &str, reason: &str) -> Result<Record> {
    let chart = Chart::open(dir)?;
    chart.require_known(id)?;
    if reason.trim().is_empty() {
        return Err(usage("the reason must not be empty")
            .hint("say why the service stops: `--reason \"...\"`")
            .into());
    }
    if !chart.in_service(id)? {
        return Err(refused(format!(
            "`{id}` is not in service (no `extensions/{id}/` on `{}`), so there is nothing to stop",
            chart.service_name()
        ))
        .hint(format!(
            "an extension in development can be deleted with `cekops delete {id}`"
        ))
        .into());
    }
    if let Some(open) = chart.open_record(id)? {
        return Err(refused(format!(
            "`{id}` has an open {} (#{}); decide or cancel it first",
            open.kind.as_str(),
            open.number
        ))
        .hint(format!("`cekops review cancel {id}` withdraws it"))
        .into());
    }
    let actor = chart.author()?;
    let number = chart.records.next_number(id)?;
    let mut ev = event(Action::Request, &actor, Some(reason.to_string()));
    ev.commit = Some(chart.service.to_string());
    let record = Record {
        format: RECORD_FORMAT,
        kind: RecordKind::Stop,
        extension: id.to_string(),
        number,
        state: RecordState::Open,
        branch: chart.test_name(id),
        commit: None,
        tree: None,
        base: Some(chart.service.to_string()),
        events: vec![ev],
    };
    chart.commit_record(
        &record,
        &format!("stop request {id} #{number}"),
        &actor,
        None,
        Vec::new(),
    )?;
    Ok(record)
}
