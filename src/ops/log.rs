//! `cekops log <ID>`: the lifecycle history of one extension from its records: requests,
//! decisions, syncs, deletions, and the service versions approvals produced.

use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::chart::Chart;
use super::trust::Policy;
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
    /// Decisions (approve, reject, cancel): how their records commit is signed, checked against
    /// the allowed signers on `service` (`signed-and-verified`, `signed-unknown-key`,
    /// `bad-signature`, `unsigned`).
    pub signature: Option<&'static str>,
}

pub fn log(dir: &Path, id: &str) -> Result<Vec<LogEntry>> {
    let chart = Chart::open(dir)?;
    chart.require_known(id)?;
    let policy = Policy::of_chart(&chart);
    let events = super::trust::event_log(&chart.repo, chart.records.tip, None, None)?;
    let mut out = Vec::new();
    for r in chart.all_records(id)? {
        let commits = events.of(&r);
        for (i, e) in r.events.iter().enumerate() {
            let decision = matches!(e.action, Action::Approve | Action::Reject | Action::Cancel);
            let signature = match commits.get(i) {
                Some(c) if decision => Some(policy.verdict(&chart.repo, *c)?.label()),
                _ if decision => Some("unsigned"),
                _ => None,
            };
            out.push(LogEntry {
                signature,
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
