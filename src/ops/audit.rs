//! `cekops audit [--rev REV]`: walk the first-parent history of `service` and prove that every
//! step was an approved fast-forward or an approved stop; anything else is a finding.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::chart::Chart;
use super::trust;
use super::trust::EventLog;
use super::trust::Policy;
use crate::error::usage;
use crate::git::Oid;
use crate::git::objects;
use crate::model::Action;
use crate::model::Record;
use crate::model::RecordKind;
use crate::model::RecordState;

/// How one service state came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// A fast-forward to the commit of an approved review.
    ApprovedReview,
    /// A commit removing an extension, from an approved stop request.
    ApprovedStop,
    /// The first commit of the history.
    Initial,
    /// Nothing explains it.
    Unapproved,
}

#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub commit: String,
    pub kind: StepKind,
    /// `<id>/<number>` of the record that approved it.
    pub record: Option<String>,
    pub summary: String,
    pub author: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub commit: Option<String>,
    pub message: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditReport {
    pub version: u32,
    pub rev: String,
    pub steps: Vec<Step>,
    pub findings: Vec<Finding>,
    /// How identities are established under the policy on the audited tip: `signed` (verified
    /// against its allowed-signers file) or `self-asserted` (the e-mails the events claim).
    pub identities: &'static str,
}

/// Check an approved record against the policy that was on service when it was approved (read
/// from `before`, which the walk has proved to be on the first-parent line of `service`).
fn check_policy(
    chart: &Chart,
    log: &EventLog,
    r: &Record,
    before: Oid,
    out: &mut Vec<Finding>,
    after: Oid,
) -> Result<()> {
    let Some(policy) = Policy::at(&chart.repo, before) else {
        out.push(Finding {
            commit: Some(after.to_string()),
            message: format!(
                "record {}/{} was approved while `service` had no readable `cekops.toml` (no reviewers)",
                r.extension, r.number
            ),
        });
        return Ok(());
    };
    let (valid, not) = policy.approvals(&chart.repo, r, log.of(r))?;
    for n in not {
        out.push(Finding {
            commit: Some(after.to_string()),
            message: format!(
                "record {}/{}: an approval does not count under the policy on `service` at {}: {n}",
                r.extension,
                r.number,
                before.short()
            ),
        });
    }
    let required = policy.required();
    if (valid.len() as u32) < required {
        out.push(Finding {
            commit: Some(after.to_string()),
            message: format!(
                "record {}/{} has {} valid approvals; the policy at {} requires {required}",
                r.extension,
                r.number,
                valid.len(),
                before.short()
            ),
        });
    }
    Ok(())
}

/// An approved service state strictly between `after` and `before` on the first-parent line
/// (with the record that approved it), if any.
fn skipped_state(
    chart: &Chart,
    moves: &HashMap<Oid, (Record, Oid)>,
    after: Oid,
    before: Oid,
) -> Result<Option<(Oid, String)>> {
    let mut cur = objects::commit_info(&chart.repo, after)?
        .parents
        .first()
        .copied();
    while let Some(c) = cur {
        if c == before {
            break;
        }
        if let Some((r, _)) = moves.get(&c) {
            return Ok(Some((c, format!("{}/{}", r.extension, r.number))));
        }
        cur = objects::commit_info(&chart.repo, c)?
            .parents
            .first()
            .copied();
    }
    Ok(None)
}

pub fn audit(dir: &Path, rev: Option<&str>) -> Result<AuditReport> {
    let chart = Chart::open(dir)?;
    audit_chart(&chart, rev, None)
}

/// [`audit`] over an opened chart (the hooks give one whose records are those being pushed).
/// With `stop_at` (a `service` commit already accepted, such as the remote's), the walk ends
/// there: only the steps after it are proved.
pub fn audit_chart(chart: &Chart, rev: Option<&str>, stop_at: Option<Oid>) -> Result<AuditReport> {
    chart.require_full_history()?;
    let rev_name = rev.unwrap_or(chart.service_name()).to_string();
    let tip = chart
        .repo
        .resolve_commit(&rev_name)
        .map_err(|e| usage(e.to_string()))?;
    // Every approval that moved service, by the commit it produced.
    let mut moves: HashMap<Oid, (Record, Oid)> = HashMap::new();
    let mut findings = Vec::new();
    // The records branch, event by event: append-only, in lifecycle order, numbered in turn.
    let log = trust::event_log(&chart.repo, chart.records.tip, None, None)?;
    for p in &log.problems {
        findings.push(Finding {
            commit: None,
            message: format!("records commit {}: {}", p.commit.short(), p.message),
        });
    }
    let ids: Vec<String> = chart.records.by_id.keys().cloned().collect();
    let mut bases: Vec<(Oid, String)> = Vec::new();
    for id in &ids {
        for n in chart.numbers(id) {
            let r = match chart.read_record(id, n) {
                Ok(r) => r,
                Err(e) => {
                    findings.push(Finding {
                        commit: None,
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            if r.kind.is_request()
                && let Some(b) = r.base.as_deref().and_then(Oid::parse)
            {
                bases.push((b, format!("{}/{}", r.extension, r.number)));
            }
            if r.state != RecordState::Approved {
                continue;
            }
            let Some(ev) = r.events.iter().rev().find(|e| e.action == Action::Approve) else {
                continue;
            };
            let before = ev.service_before.as_deref().and_then(Oid::parse);
            let after = ev.service_after.as_deref().and_then(Oid::parse);
            if let (Some(b), Some(a)) = (before, after) {
                moves.insert(a, (r, b));
            }
        }
    }
    // Approvals must have landed: every approved move is on the service branch.
    if rev.is_none() || rev == Some(chart.service_name()) {
        let mut late: Vec<(&Oid, &(Record, Oid))> = moves
            .iter()
            .filter(|(after, _)| !objects::is_ancestor(&chart.repo, **after, tip).unwrap_or(false))
            .collect();
        late.sort_by_key(|(_, (r, _))| (r.extension.clone(), r.number));
        for (after, (r, _)) in late {
            findings.push(Finding {
                commit: Some(after.to_string()),
                message: format!(
                    "record {}/{} approved {} but `{rev_name}` does not contain it (an interrupted approval, or `{rev_name}` was reset)",
                    r.extension,
                    r.number,
                    after.short()
                ),
            });
        }
    }
    let mut steps = Vec::new();
    let mut cur = Some(tip);
    let mut guard = 0usize;
    while let Some(c) = cur {
        if Some(c) == stop_at {
            break;
        }
        guard += 1;
        if guard > 10_000_000 {
            break;
        }
        let info = objects::commit_info(&chart.repo, c)?;
        let author = format!("{} <{}>", info.author_name, info.author_email);
        if let Some((r, before)) = moves.get(&c) {
            let before = *before;
            let record = Some(format!("{}/{}", r.extension, r.number));
            check_policy(chart, &log, r, before, &mut findings, c)?;
            if r.kind == RecordKind::Stop {
                let expected = objects::commit_info(&chart.repo, before)
                    .ok()
                    .and_then(|b| {
                        objects::replace_subtree(
                            &chart.repo,
                            b.tree,
                            &Chart::ext_path(&r.extension),
                            None,
                        )
                        .ok()
                    });
                if info.parents.first() != Some(&before) || expected != Some(info.tree) {
                    findings.push(Finding {
                        commit: Some(c.to_string()),
                        message: format!(
                            "stop commit {} does more than remove `extensions/{}/` from {}",
                            c.short(),
                            r.extension,
                            before.short()
                        ),
                    });
                }
                steps.push(Step {
                    commit: c.to_string(),
                    kind: StepKind::ApprovedStop,
                    record,
                    summary: info.summary.clone(),
                    author,
                });
                cur = Some(before);
                continue;
            }
            steps.push(Step {
                commit: c.to_string(),
                kind: StepKind::ApprovedReview,
                record,
                summary: info.summary.clone(),
                author,
            });
            if before != c && objects::first_parent_reaches(&chart.repo, c, before)? {
                // The approval must start from the service version right before it: an
                // approved state it skips over (whose policy it would dodge) is a finding.
                if let Some((skipped, by)) = skipped_state(chart, &moves, c, before)? {
                    findings.push(Finding {
                        commit: Some(c.to_string()),
                        message: format!(
                            "record {}/{} approved {} from {}, but {} (approved by record {by}) was the service version in between",
                            r.extension,
                            r.number,
                            c.short(),
                            before.short(),
                            skipped.short()
                        ),
                    });
                }
                cur = Some(before);
            } else {
                findings.push(Finding {
                    commit: Some(c.to_string()),
                    message: format!(
                        "approved commit {} is not a first-parent fast-forward of {} (the service commit recorded before it)",
                        c.short(),
                        before.short()
                    ),
                });
                cur = info.parents.first().copied();
            }
            continue;
        }
        if info.parents.is_empty() {
            steps.push(Step {
                commit: c.to_string(),
                kind: StepKind::Initial,
                record: None,
                summary: info.summary.clone(),
                author,
            });
            break;
        }
        findings.push(Finding {
            commit: Some(c.to_string()),
            message: format!(
                "commit {} (\"{}\" by {author}) is on `{rev_name}` without an approved review or stop",
                c.short(),
                info.summary
            ),
        });
        steps.push(Step {
            commit: c.to_string(),
            kind: StepKind::Unapproved,
            record: None,
            summary: info.summary.clone(),
            author,
        });
        cur = info.parents.first().copied();
    }
    let walked: std::collections::HashSet<Oid> = steps
        .iter()
        .filter_map(|s: &Step| Oid::parse(&s.commit))
        .collect();
    if let Some(old) = stop_at
        && !walked.is_empty()
        && cur != Some(old)
    {
        // The walk ended at a root (or a commit outside the history) without meeting the
        // accepted `service`: the new history replaces it rather than extending it.
        findings.push(Finding {
            commit: Some(tip.to_string()),
            message: format!(
                "`{rev_name}` does not extend {} on its first-parent line: approvals must fast-forward the service version as it was",
                old.short()
            ),
        });
    }
    if stop_at.is_none() {
        // Every request was made on a `service` commit of this history (or a newer one): a
        // record based elsewhere means the history was replaced under it (an orphan root).
        for (base, name) in bases {
            if walked.contains(&base)
                || !objects::has_commit(&chart.repo, base)
                || objects::is_ancestor(&chart.repo, tip, base).unwrap_or(false)
            {
                continue;
            }
            findings.push(Finding {
                commit: Some(tip.to_string()),
                message: format!(
                    "record {name} was requested on the service commit {}, which is not on the first-parent line of `{rev_name}`: that history was replaced",
                    base.short()
                ),
            });
        }
    }
    let identities = match Policy::at(&chart.repo, tip) {
        Some(p) if p.review.require_signed => "signed",
        _ => "self-asserted",
    };
    Ok(AuditReport {
        identities,
        version: 1,
        rev: rev_name,
        steps,
        findings,
    })
}
