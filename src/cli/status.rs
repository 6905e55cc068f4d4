//! `cekops status`

use std::process::ExitCode;

use cekops::ops::short_text;
use cekops::ops::status;
use cekops::ops::status::StatusReport;

use super::ui::pad;
use super::ui::width;

/// The console's extension list, from git alone: each extension's name, its *Commercial use*
/// row (when on `service`) and *Test* row (`test/<id>`), its status, commits ahead/behind
/// `service`, the open review and the last reviewer feedback.
///
/// Works from any branch and in a bare repository.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Statuses: In development, Under review, Confirmation required, In service.\n\nExamples:\n  cekops status\n  cekops status com.example.pizzabot --format json"
)]
pub struct StatusArgs {
    /// Show only this extension.
    pub id: Option<String>,
    #[arg(long, value_enum, default_value_t = super::review::Format::Human)]
    pub format: super::review::Format,
}

pub fn run(ctx: &super::Context, args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let report = status::status(&ctx.dir, args.id.as_deref())?;
    match args.format {
        super::review::Format::Json => super::out(&super::review::json(&report)?),
        super::review::Format::Human => {
            super::out(&human(&report));
            let mut notes = String::new();
            for n in &report.notes {
                notes.push_str(&format!("warning: {}\n", n.message));
                if let Some(h) = &n.hint {
                    notes.push_str(&format!("hint: {h}\n"));
                }
            }
            super::err(&notes);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn human(r: &StatusReport) -> String {
    let mut lines: Vec<[String; 6]> = vec![[
        "EXTENSION".into(),
        "NAME".into(),
        "VERSION".into(),
        "STATUS".into(),
        "AHEAD/BEHIND".into(),
        "REVIEW".into(),
    ]];
    let mut extra: Vec<(usize, String)> = Vec::new();
    for e in &r.extensions {
        let name = e.name.clone().unwrap_or_else(|| {
            if e.kind == "config" {
                "(repository settings)".into()
            } else {
                "-".into()
            }
        });
        let review = match &e.review {
            Some(rv) => {
                let mut s = format!(
                    "{} #{} by {} ({}/{} approvals)",
                    rv.kind.as_str(),
                    rv.number,
                    rv.requested_by,
                    rv.approvals,
                    rv.required_approvals
                );
                if rv.stale {
                    s.push_str(" STALE");
                }
                if rv.needs_sync {
                    s.push_str(" needs sync");
                }
                s
            }
            None => String::new(),
        };
        for (i, row) in e.rows.iter().enumerate() {
            let ab = match (row.ahead, row.behind) {
                (Some(a), Some(b)) => format!("{a}/{b}"),
                _ => String::new(),
            };
            lines.push([
                if i == 0 { e.id.clone() } else { String::new() },
                if i == 0 { name.clone() } else { String::new() },
                row.version.label().to_string(),
                row.status.label().to_string(),
                ab,
                if i + 1 == e.rows.len() {
                    review.clone()
                } else {
                    String::new()
                },
            ]);
        }
        if e.rows.is_empty() {
            lines.push([
                e.id.clone(),
                name.clone(),
                String::new(),
                String::new(),
                String::new(),
                review.clone(),
            ]);
        }
        if let Some(f) = &e.feedback {
            let first = f.message.lines().next().unwrap_or("");
            extra.push((
                lines.len(),
                format!(
                    "  feedback #{} from {} [{}]: {first}",
                    f.number, f.by, f.signature
                ),
            ));
        }
    }
    if r.extensions.is_empty() {
        return format!(
            "no extensions yet (`{}` at {})\n",
            r.service.branch,
            r.service.commit.as_deref().map(short_text).unwrap_or("-")
        );
    }
    let mut widths = [0usize; 6];
    for l in &lines {
        for (i, c) in l.iter().enumerate() {
            widths[i] = widths[i].max(width(c));
        }
    }
    let mut out = String::new();
    for (n, l) in lines.iter().enumerate() {
        let mut s = String::new();
        for (i, c) in l.iter().enumerate() {
            if i + 1 == l.len() {
                s.push_str(c);
            } else {
                s.push_str(&pad(c, widths[i]));
                s.push_str("  ");
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
        for (at, text) in &extra {
            if *at == n + 1 {
                out.push_str(text);
                out.push('\n');
            }
        }
    }
    out
}
