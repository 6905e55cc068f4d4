//! `cekops log <ID>`: the lifecycle history of one extension from its records: requests,
//! decisions, syncs, deletions, and the service versions approvals produced.

use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::chart::Chart;
use crate::model::Action;
use crate::model::RecordKind;

/// One event of the history.
#[derive(Clone, Debug, Serialize)]
pub struct LogEntry {
    pub number: u32,
    pub kind: RecordKind,
    pub action: Action,
    pub name: String,
    pub email: String,
    pub at: String,
    pub message: Option<String>,
    pub commit: Option<String>,
    pub service_before: Option<String>,
    pub service_after: Option<String>,
}

pub fn log(dir: &Path, id: &str) -> Result<Vec<LogEntry>> {
    let chart = Chart::open(dir)?;
    chart.require_known(id)?;
    let mut out = Vec::new();
    for r in chart.all_records(id)? {
        for e in &r.events {
            out.push(LogEntry {
                number: r.number,
                kind: r.kind,
                action: e.action,
                name: e.name.clone(),
                email: e.email.clone(),
                at: e.at.clone(),
                message: e.message.clone(),
                commit: e.commit.clone(),
                service_before: e.service_before.clone(),
                service_after: e.service_after.clone(),
            });
        }
    }
    Ok(out)
}
