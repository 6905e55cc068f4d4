//! One renderer per `--format`: human (rustc-like snippets), json, github workflow commands, SARIF.

use std::fmt::Write as _;

use annotate_snippets::AnnotationKind;
use annotate_snippets::Group;
use annotate_snippets::Level;
use annotate_snippets::Renderer;
use annotate_snippets::Snippet;
use serde_json::json;

use super::Code;
use super::Location;
use super::Report;
use super::Severity;
use super::files::floor_char_boundary;

/// Version of the `--format json` document; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

/// Output formats of `validate` (and other commands that report findings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Source snippets with carets, like rustc (default).
    Human,
    /// One JSON document with a `version` field.
    Json,
    /// GitHub Actions workflow commands (`::error file=…,line=…,col=…::…`).
    Github,
    /// SARIF 2.1.0, for code-scanning upload.
    Sarif,
}

/// Render a report in the given format. `color` only affects `human`.
pub fn render(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Human => human(report, color),
        Format::Json => json(report),
        Format::Github => github(report),
        Format::Sarif => sarif(report),
    }
}

fn level(sev: Severity) -> Level<'static> {
    match sev {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

/// A window of whole lines around `span` in `text`: (window text, first line number, span in window).
fn window(
    text: &str,
    idx: &super::LineIndex,
    span: &std::ops::Range<usize>,
) -> (String, usize, std::ops::Range<usize>) {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let end = floor_char_boundary(text, span.end.min(text.len())).max(start);
    let first = idx.line_of(start);
    let mut last = idx.line_of(end.saturating_sub(usize::from(end > start)));
    if last > first + 6 {
        last = first + 6;
    }
    let from = idx.line_range(text, first).start;
    let to = idx.line_range(text, last).end;
    let end = end.min(to).max(start);
    (
        text[from..to].to_string(),
        first + 1,
        start - from..end - from,
    )
}

/// The human format: every finding as a snippet with carets, then a summary line.
pub fn human(report: &Report, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in &report.diagnostics {
        let title = level(d.severity)
            .primary_title(d.message.as_str())
            .id(d.code.as_str());
        // (source window, first line, span, path, primary, label)
        #[allow(clippy::type_complexity)]
        let mut owned: Vec<(
            String,
            usize,
            std::ops::Range<usize>,
            String,
            bool,
            Option<String>,
        )> = Vec::new();
        let mut bare_paths = Vec::new();
        let mut push_loc = |loc: &Location, label: Option<&str>, primary: bool| match report
            .sources
            .index(&loc.file)
        {
            Some((text, idx)) if !text.is_empty() => {
                let (src, line, span) = window(text, idx, &loc.span);
                owned.push((
                    src,
                    line,
                    span,
                    loc.file.clone(),
                    primary,
                    label.map(str::to_string),
                ));
            }
            _ => bare_paths.push((loc.file.clone(), primary, label.map(str::to_string))),
        };
        if let Some(loc) = &d.location {
            push_loc(loc, d.label.as_deref(), true);
        }
        for r in &d.related {
            push_loc(&r.location, Some(&r.message), false);
        }
        let mut group = Group::with_title(title);
        for (src, line, span, path, primary, label) in &owned {
            let kind = if *primary {
                AnnotationKind::Primary
            } else {
                AnnotationKind::Context
            };
            let mut ann = kind.span(span.clone());
            if let Some(l) = label {
                ann = ann.label(l.as_str());
            }
            group = group.element(
                Snippet::source(src.as_str())
                    .line_start(*line)
                    .path(path.as_str())
                    .annotation(ann),
            );
        }
        let mut extra = String::new();
        for (path, _primary, label) in &bare_paths {
            match label {
                Some(l) => {
                    let _ = write!(extra, "{path}: {l}");
                }
                None => extra.push_str(path),
            }
        }
        if !extra.is_empty() {
            group = group.element(Level::NOTE.message(extra.as_str()));
        }
        if let Some(h) = &d.hint {
            group = group.element(Level::HELP.message(h.as_str()));
        }
        let _ = writeln!(out, "{}", renderer.render(&[group]));
        out.push('\n');
    }
    let (e, w, i) = (report.errors(), report.warnings(), report.infos());
    if e == 0 && w == 0 {
        out.push_str("no problems found");
    } else {
        let _ = write!(
            out,
            "{} error{}, {} warning{}",
            e,
            if e == 1 { "" } else { "s" },
            w,
            if w == 1 { "" } else { "s" }
        );
    }
    if i > 0 {
        let _ = write!(out, " ({i} info)");
    }
    out.push('\n');
    out
}

fn position_json(report: &Report, loc: &Location) -> serde_json::Value {
    let s = report.sources.position(&loc.file, loc.span.start);
    let e = report.sources.position(&loc.file, loc.span.end);
    json!({
        "file": loc.file,
        "start": { "line": s.line, "column": s.column },
        "end": { "line": e.line, "column": e.column },
        "byte_start": loc.span.start,
        "byte_end": loc.span.end,
    })
}

/// The json format: `{version, diagnostics: [...], summary: {errors, warnings, infos}}`.
pub fn json(report: &Report) -> String {
    let diags: Vec<_> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut v = json!({
                "code": d.code.as_str(),
                "severity": d.severity.as_str(),
                "message": d.message,
                "hint": d.hint,
                "label": d.label,
            });
            if let Some(loc) = &d.location {
                v["location"] = position_json(report, loc);
            } else {
                v["location"] = serde_json::Value::Null;
            }
            v["related"] = d
                .related
                .iter()
                .map(|r| json!({"message": r.message, "location": position_json(report, &r.location)}))
                .collect();
            v
        })
        .collect();
    let doc = json!({
        "version": JSON_VERSION,
        "tool": "cekops",
        "diagnostics": diags,
        "summary": { "errors": report.errors(), "warnings": report.warnings(), "infos": report.infos() },
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}
fn gh_escape_prop(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The github format: one workflow command per finding, so Actions annotates the pull request.
pub fn github(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let cmd = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(loc) = &d.location {
            let s = report.sources.position(&loc.file, loc.span.start);
            let e = report.sources.position(&loc.file, loc.span.end);
            props.push(format!("file={}", gh_escape_prop(&loc.file)));
            props.push(format!("line={}", s.line));
            if s.line == e.line {
                props.push(format!("col={}", s.column));
                props.push(format!("endLine={}", e.line));
                props.push(format!("endColumn={}", e.column));
            } else {
                props.push(format!("endLine={}", e.line));
            }
        }
        props.push(format!(
            "title={}",
            gh_escape_prop(&format!("cekops ({})", d.code))
        ));
        let mut msg = d.message.clone();
        if let Some(h) = &d.hint {
            msg.push_str("\nhint: ");
            msg.push_str(h);
        }
        let _ = writeln!(out, "::{cmd} {}::{}", props.join(","), gh_escape_data(&msg));
    }
    out
}

/// SARIF levels: `note` is SARIF's name for information.
fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "note",
        other => other.as_str(),
    }
}

/// The sarif format: a SARIF 2.1.0 log with one run and one rule per code.
pub fn sarif(report: &Report) -> String {
    let mut used: Vec<Code> = report.diagnostics.iter().map(|d| d.code).collect();
    used.sort();
    used.dedup();
    let rules: Vec<_> = used
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "name": c.as_str(),
                "shortDescription": { "text": c.summary() },
                "defaultConfiguration": { "level": sarif_level(c.severity()) },
            })
        })
        .collect();
    let results: Vec<_> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(h) = &d.hint {
                text.push_str(". hint: ");
                text.push_str(h);
            }
            let mut r = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": used.iter().position(|c| *c == d.code).unwrap_or(0),
                "level": sarif_level(d.severity),
                "message": { "text": text },
            });
            if let Some(loc) = &d.location {
                let s = report.sources.position(&loc.file, loc.span.start);
                let e = report.sources.position(&loc.file, loc.span.end);
                r["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": loc.file },
                        "region": {
                            "startLine": s.line, "startColumn": s.column,
                            "endLine": e.line, "endColumn": e.column,
                        }
                    }
                }]);
            }
            r
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cekops",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
