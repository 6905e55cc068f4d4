//! The plan comment of a pull request: what approving it does, in GitHub-flavoured markdown.

use std::fmt::Write as _;

use anyhow::Result;

use crate::diag::Report;
use crate::git::Oid;
use crate::git::objects;
use crate::model::RecordState;
use crate::ops::chart::Chart;
use crate::ops::diff::DiffOptions;
use crate::ops::diff::DiffOutcome;
use crate::ops::review;
use crate::ops::test::SuitesOutcome;
use crate::ops::test::TestOptions;
use crate::ops::validate::Source;
use crate::ops::validate::ValidateOptions;
use crate::rules::Stage;

/// The first line of every comment: the workflows find and update the one comment per pull
/// request by it.
pub const MARKER: &str = "<!-- cekops:plan -->";

/// Findings shown in full; the rest are counted.
const SHOWN: usize = 30;

/// Everything the comment says, computed from the head commit and `service`.
#[derive(Debug)]
pub struct Plan {
    pub id: String,
    pub head: Oid,
    pub service_name: String,
    pub service: Oid,
    /// Whether `service` is an ancestor of the head (approval can fast-forward).
    pub fast_forward: bool,
    /// The open review pinned to the head: (number, valid approvals, required).
    pub review: Option<(u32, usize, u32)>,
    /// `validate` with service rules at the head.
    pub report: Report,
    /// The extension's utterance suites at the head (`Err`: why they could not run).
    pub suites: Option<std::result::Result<SuitesOutcome, String>>,
    /// What approving brings to `service` (`Err`: why it could not be computed).
    pub diff: std::result::Result<DiffOutcome, String>,
    /// Validation errors, failing suites or no fast-forward.
    pub failed: bool,
}

/// Compute the plan of `id`'s test version at `head`.
pub fn plan(chart: &Chart, id: &str, head: Oid) -> Result<Plan> {
    let git_dir = chart.git_dir().to_path_buf();
    let has_ext = objects::subtree(&chart.repo, head, &Chart::ext_path(id))?.is_some();
    let ids = if has_ext {
        vec![id.to_string()]
    } else {
        Vec::new()
    };
    let mut report = crate::ops::validate::validate(&ValidateOptions {
        source: Source::Rev(git_dir.clone(), head.to_string()),
        ids: ids.clone(),
        stage: Some(Stage::Service),
    })?
    .report;
    report.sort();
    let suites = has_ext.then(|| {
        crate::ops::test::run_suites(&TestOptions {
            source: Source::Rev(git_dir.clone(), head.to_string()),
            ids: ids.clone(),
            now: None,
        })
        .map_err(|e| format!("{e:#}"))
    });
    let mut diff = crate::ops::diff::diff(&DiffOptions {
        dir: git_dir,
        id: has_ext.then(|| id.to_string()),
        from: Some(chart.service.to_string()),
        to: Some(head.to_string()),
        work_tree: false,
    })
    .map_err(|e| format!("{e:#}"));
    if let Ok(d) = diff.as_mut() {
        d.sides.from = chart.service_name().to_string();
        d.sides.to = chart.test_name(id);
    }
    let fast_forward = objects::first_parent_reaches(&chart.repo, head, chart.service)?;
    let mut review = None;
    if let Ok(v) = review::show(chart.git_dir(), id, None)
        && v.record.state == RecordState::Open
        && v.record.commit.as_deref() == Some(head.to_string().as_str())
    {
        review = Some((v.record.number, v.approvals, v.required_approvals));
    }
    let suites_failed =
        matches!(&suites, Some(Ok(s)) if s.failed() > 0) || matches!(&suites, Some(Err(_)));
    Ok(Plan {
        id: id.to_string(),
        head,
        service_name: chart.service_name().to_string(),
        service: chart.service,
        fast_forward,
        review,
        failed: report.errors() > 0 || suites_failed || !fast_forward,
        report,
        suites,
        diff,
    })
}

/// Text from the event or a finding, safe inside markdown: no HTML, no mentions.
pub fn md_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('@', "@\u{200b}")
}

/// Text as a markdown block quote.
pub fn quote(s: &str) -> String {
    s.lines()
        .map(|l| format!("> {}", md_text(l)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The comment: [`MARKER`] first, then the status, what approving does, the changes, the
/// findings and the test results.
pub fn render(p: &Plan, link: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let _ = writeln!(out, "## cekops plan: `{}` ({link})\n", p.id);
    let status = if p.failed {
        "❌ **not ready**"
    } else {
        "✅ **ready to approve**"
    };
    let review = match p.review {
        Some((n, a, r)) => format!(
            "review #{n} is open at {}: {a} of {r} approvals",
            p.head.short()
        ),
        None => "no review is recorded for this commit".to_string(),
    };
    let _ = writeln!(out, "{status}: {review}.\n");
    if p.fast_forward {
        let lead = if p.failed {
            "Approving is blocked until the problems below are fixed; it would move"
        } else {
            "Approving will move"
        };
        let _ = writeln!(
            out,
            "{lead} `{}` {} → {}.\n",
            p.service_name,
            p.service.short(),
            p.head.short()
        );
    } else {
        let _ = writeln!(
            out,
            "`{}` ({}) moved since this branch left it: approving cannot fast-forward it. Run `cekops sync {}` and push.\n",
            p.service_name,
            p.service.short(),
            p.id
        );
    }
    match &p.diff {
        Ok(d) => {
            let md = crate::semdiff::render::markdown(&d.diff, &d.sides);
            out.push_str(&md.replacen("### ", "### Changes: ", 1));
            if !md.ends_with('\n') {
                out.push('\n');
            }
            out.push('\n');
        }
        Err(why) => {
            let _ = writeln!(
                out,
                "### Changes\n\nThe changes could not be computed: {}\n",
                md_text(why)
            );
        }
    }
    let errors = p.report.errors();
    let warnings = p.report.warnings();
    let _ = writeln!(
        out,
        "### Validation (service rules): {errors} error(s), {warnings} warning(s)\n"
    );
    let shown: Vec<_> = p
        .report
        .diagnostics
        .iter()
        .filter(|d| d.severity != crate::diag::Severity::Info)
        .collect();
    for d in shown.iter().take(SHOWN) {
        let place = match &d.location {
            Some(l) => {
                let pos = p.report.sources.position(&l.file, l.span.start);
                format!(" `{}:{}:{}`", l.file, pos.line, pos.column)
            }
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "- **{}** `{}`{place}: {}",
            d.severity.as_str(),
            d.code.as_str(),
            md_text(&d.message)
        );
    }
    if shown.len() > SHOWN {
        let _ = writeln!(out, "- … and {} more", shown.len() - SHOWN);
    }
    if !shown.is_empty() {
        out.push('\n');
    }
    match &p.suites {
        None => {}
        Some(Err(e)) => {
            let _ = writeln!(
                out,
                "### Utterance tests\n\nThe suites could not run: {}\n",
                md_text(e)
            );
        }
        Some(Ok(s)) if s.suites.is_empty() => {
            let _ = writeln!(
                out,
                "### Utterance tests\n\nNo suites (`extensions/{}/tests/`).\n",
                p.id
            );
        }
        Some(Ok(s)) => {
            let _ = writeln!(
                out,
                "### Utterance tests: {} passed, {} failed\n",
                s.passed(),
                s.failed()
            );
            for suite in &s.suites {
                for c in suite.cases.iter().filter(|c| !c.passed) {
                    let why = c
                        .invalid
                        .clone()
                        .or_else(|| {
                            c.turns.iter().find(|t| !t.differences.is_empty()).map(|t| {
                                format!("“{}” expected `{}`", t.utterance, t.expected_intent)
                            })
                        })
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "- ❌ `{}:{}` {}: {}",
                        suite.file,
                        c.line,
                        md_text(&c.name),
                        md_text(&why)
                    );
                }
            }
            if s.failed() > 0 {
                out.push('\n');
            }
        }
    }
    let how = if link.contains("merge request") {
        "run this merge request's manual job “Approve and deploy” as a reviewer mapped in `[forge]`"
    } else {
        "approve this pull request as a reviewer mapped in `[forge]`"
    };
    let _ = writeln!(
        out,
        "<sub>To deploy: {how}; cekops then fast-forwards `{}` to this commit (never use the merge button).</sub>",
        p.service_name
    );
    out
}
