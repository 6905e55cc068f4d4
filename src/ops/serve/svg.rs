//! The branch chart of one extension as SVG, drawn from git: the `service` line and the
//! extension's test line over time, with the lifecycle records marked on the commits they name.

use std::collections::HashMap;
use std::fmt::Write as _;

use anyhow::Result;

use super::html::esc;
use crate::git::Oid;
use crate::git::identity::format_time;
use crate::git::objects;
use crate::git::objects::CommitInfo;
use crate::model::Action;
use crate::model::RecordKind;
use crate::ops::chart::Chart;
use crate::ops::log::LogEntry;

/// Commits drawn per line at most (the newest).
const LIMIT: usize = 40;
const STEP: usize = 44;
const LEFT: usize = 150;
const SERVICE_Y: usize = 80;
const TEST_Y: usize = 170;

struct Node {
    info: CommitInfo,
    test: bool,
    x: usize,
}

fn y(test: bool) -> usize {
    if test { TEST_Y } else { SERVICE_Y }
}

/// The chart of `id`: `service` and `test/<id>` first-parent lines (commits only on the test
/// branch on the lower line), and one marker per record event whose commit is drawn.
pub fn chart(chart: &Chart, id: &str, log: &[LogEntry]) -> Result<String> {
    let repo = &chart.repo;
    let service_name = chart.service_name().to_string();
    let test_name = chart.branches.test_branch(id);
    let service: Vec<CommitInfo> = objects::first_parent_log(repo, chart.service, LIMIT)?;
    let on_service: std::collections::HashSet<Oid> = service.iter().map(|c| c.id).collect();
    let test_tip = chart.test_tip(id)?;
    let mut test: Vec<CommitInfo> = match test_tip {
        Some(tip) => objects::first_parent_log(repo, tip, LIMIT)?
            .into_iter()
            .take_while(|c| !on_service.contains(&c.id))
            .collect(),
        None => Vec::new(),
    };
    test.reverse();
    let mut nodes: Vec<Node> = service
        .into_iter()
        .rev()
        .map(|info| Node {
            info,
            test: false,
            x: 0,
        })
        .collect();
    // A test commit goes right after the newest service commit that is not younger than it.
    for info in test {
        let at = nodes
            .iter()
            .rposition(|n| n.info.author_seconds <= info.author_seconds)
            .map_or(0, |i| i + 1)
            .max(nodes.iter().rposition(|n| n.test).map_or(0, |i| i + 1));
        nodes.insert(
            at,
            Node {
                info,
                test: true,
                x: 0,
            },
        );
    }
    for (i, n) in nodes.iter_mut().enumerate() {
        n.x = LEFT + i * STEP;
    }
    let by_id: HashMap<String, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.info.id.to_string(), i))
        .collect();
    let width = LEFT + nodes.len().max(1) * STEP + 40;
    let height = TEST_Y + 70;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" \
width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
data-extension=\"{}\"><title>Branch chart of {}</title>",
        esc(id),
        esc(id)
    );
    for (label, test) in [(&service_name, false), (&test_name, true)] {
        let _ = write!(
            s,
            "<text class=\"lane-label\" x=\"8\" y=\"{}\">{}</text>\
<line class=\"lane lane-{}\" x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\"/>",
            y(test) - 8,
            esc(label),
            if test { "test" } else { "service" },
            LEFT - 20,
            width - 20,
            y = y(test),
        );
    }
    // Edges: each commit to its first parent when that is drawn.
    for n in &nodes {
        if let Some(p) = n
            .info
            .parents
            .first()
            .and_then(|p| by_id.get(&p.to_string()))
        {
            let p = &nodes[*p];
            let _ = write!(
                s,
                "<line class=\"edge\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
                p.x,
                y(p.test),
                n.x,
                y(n.test)
            );
        }
    }
    // Approvals: `service` replaced, an arc from the commit it held to the approved one.
    for e in log.iter().filter(|e| e.action == Action::Approve) {
        let (Some(from), Some(to)) = (
            e.service_before.as_deref().and_then(|c| by_id.get(c)),
            e.service_after.as_deref().and_then(|c| by_id.get(c)),
        ) else {
            continue;
        };
        let (a, b) = (&nodes[*from], &nodes[*to]);
        let (ya, yb) = (y(a.test), y(b.test));
        let _ = write!(
            s,
            "<path class=\"replace\" data-from=\"{}\" data-to=\"{}\" d=\"M {} {ya} C {} {} {} {} {} {yb}\"><title>#{} approved: {} replaced by {}</title></path>",
            a.info.id.short(),
            b.info.id.short(),
            a.x,
            a.x,
            ya.min(yb).saturating_sub(70),
            b.x,
            ya.min(yb).saturating_sub(70),
            b.x,
            e.number,
            esc(&service_name),
            b.info.id.short(),
        );
    }
    for n in &nodes {
        let short = n.info.id.short();
        let _ = write!(
            s,
            "<circle class=\"commit on-{}\" data-commit=\"{short}\" cx=\"{}\" cy=\"{}\" r=\"7\">\
<title>{short} {} — {} {}</title></circle>",
            if n.test { "test" } else { "service" },
            n.x,
            y(n.test),
            esc(&n.info.summary),
            esc(&n.info.author_name),
            format_time(n.info.author_seconds, n.info.author_offset),
        );
    }
    // Tips.
    for (label, tip, test) in [
        (&service_name, Some(chart.service), false),
        (&test_name, test_tip, true),
    ] {
        if let Some(i) = tip.and_then(|t| by_id.get(&t.to_string())) {
            let n = &nodes[*i];
            // Between the lines: markers stack above `service` and below the test line.
            let ty = if test { y(test) - 14 } else { y(test) + 24 };
            let _ = write!(
                s,
                "<text class=\"tip\" x=\"{}\" y=\"{ty}\" text-anchor=\"middle\">{}</text>",
                n.x,
                esc(label)
            );
        }
    }
    // Markers: one per event, stacked on its commit.
    // An event without a commit of its own (a rejection, a cancel) concerns the commit its
    // record last named.
    let mut stacked: HashMap<usize, usize> = HashMap::new();
    let mut record_commit: HashMap<(RecordKind, u32), &str> = HashMap::new();
    for e in log {
        if let Some(c) = e.commit.as_deref() {
            record_commit.insert((e.kind, e.number), c);
        }
        let at = match e.action {
            Action::Approve => e.service_after.as_deref().or(e.commit.as_deref()),
            _ => e.commit.as_deref().or(e.service_after.as_deref()),
        }
        .or_else(|| record_commit.get(&(e.kind, e.number)).copied());
        let Some(i) = at.and_then(|c| by_id.get(c)) else {
            continue;
        };
        let n = &nodes[*i];
        let k = stacked.entry(*i).or_insert(0);
        let my = if n.test {
            y(true) + 16 + *k * 12
        } else {
            y(false) - 16 - *k * 12
        };
        *k += 1;
        let stop = if e.kind == RecordKind::Stop {
            " stop"
        } else {
            ""
        };
        let _ = write!(
            s,
            "<rect class=\"marker {action}{stop}\" data-action=\"{action}\" data-kind=\"{kind}\" \
data-record=\"{num}\" data-commit=\"{}\" x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" rx=\"2\">\
<title>#{num} {kind} {action} by {} at {}{}</title></rect>",
            n.info.id.short(),
            n.x - 5,
            my - 5,
            esc(&e.name),
            esc(&e.at),
            e.message
                .as_deref()
                .map(|m| format!(": {}", esc(m)))
                .unwrap_or_default(),
            action = e.action.as_str(),
            kind = e.kind.as_str(),
            num = e.number,
        );
    }
    s.push_str("</svg>");
    Ok(s)
}
