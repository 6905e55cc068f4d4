//! `cekops review request|cancel|approve|reject|show|list`

use std::process::ExitCode;

use cekops::diag::render;
use cekops::error::refused;
use cekops::model::Action;
use cekops::model::RecordKind;
use cekops::ops::Oid;
use cekops::ops::review;
use cekops::ops::review::Checked;
use cekops::ops::review::RecordView;
use cekops::ops::short_text;
use cekops::semdiff::render as render_diff;

/// The review workflow: request, cancel, approve (fast-forwards `service`), reject, show, list.
///
/// Reviews are records on the records branch (`cekops/records`); the review policy (reviewers,
/// required approvals, self-approval) is read from `cekops.toml` on `service` only.
#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    #[command(subcommand)]
    pub command: ReviewCommand,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, clap::Subcommand)]
pub enum ReviewCommand {
    /// Request a review of `test/<ID>`: it must pass `validate` with service rules; the review is
    /// pinned to the commit and to the tree of `extensions/<ID>/`, and the test branch is locked
    /// until the review is decided or cancelled.
    Request {
        /// Extension ID (or the name of a test branch that changes only repository-level files).
        id: String,
        /// Message to the reviewers: a first submission, or what was fixed.
        #[arg(short, long)]
        message: String,
    },
    /// Withdraw the open review (or stop request); the extension returns to its previous status.
    Cancel {
        id: String,
        /// Why (optional).
        #[arg(short, long)]
        message: Option<String>,
    },
    /// Approve the open review as a reviewer. The last required approval fast-forwards `service`
    /// to the reviewed commit (a stop request: removes `extensions/<ID>/` from `service`) in one
    /// atomic ref transaction with the record.
    Approve {
        id: String,
        /// A comment for the record.
        #[arg(short, long)]
        message: Option<String>,
    },
    /// Reject the open review with feedback: the extension becomes *Confirmation required*.
    Reject {
        id: String,
        /// Feedback for the developer (shown by `status` and `review show`).
        #[arg(short, long)]
        message: String,
    },
    /// Show the open (or latest) review of an extension.
    Show {
        id: String,
        /// Show record number N instead.
        #[arg(long, value_name = "N")]
        number: Option<u32>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// List open reviews and stop requests.
    List {
        /// List every review and stop request, decided ones too.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

fn invalid(ctx: &super::Context, report: &cekops::diag::Report, commit: Oid) -> anyhow::Error {
    super::err(&render::human(report, ctx.color_for(false)));
    refused(format!(
        "commit {} does not pass `validate` with service rules ({} errors); nothing was recorded",
        commit.short(),
        report.errors()
    ))
    .hint(format!(
        "see the findings above (`cekops validate --rev {commit} --stage service`)"
    ))
    .into()
}

pub fn run(ctx: &super::Context, args: &ReviewArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        ReviewCommand::Request { id, message } => {
            let out = review::request(&review::RequestOptions {
                dir: ctx.dir.clone(),
                id: id.clone(),
                message: message.clone(),
                via: None,
            })?;
            match out {
                Checked::Invalid { report, commit } => Err(invalid(ctx, &report, commit)),
                Checked::Done(r) => {
                    let rec = &r.record;
                    let kind = if rec.kind == RecordKind::ConfigReview {
                        "config review"
                    } else {
                        "review"
                    };
                    let mut s = format!(
                        "requested {kind} #{} of `{id}` at {} ({} locked until it is decided)\n",
                        rec.number,
                        rec.commit.as_deref().map(short_text).unwrap_or("-"),
                        rec.branch
                    );
                    if r.warnings > 0 {
                        s.push_str(&format!(
                            "validation: {} warnings (run `cekops validate --rev {} --stage service`)\n",
                            r.warnings, rec.branch
                        ));
                    }
                    super::out(&s);
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        ReviewCommand::Cancel { id, message } => {
            let r = review::cancel(&ctx.dir, id, message.clone())?;
            super::out(&format!(
                "cancelled {} #{} of `{id}`; `{}` is unlocked\n",
                r.kind.as_str(),
                r.number,
                r.branch
            ));
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::Approve { id, message } => {
            match review::approve(&ctx.dir, id, message.clone())? {
                Checked::Invalid { report, commit } => Err(invalid(ctx, &report, commit)),
                Checked::Done(d) => {
                    let mut s = String::new();
                    match d.moved {
                        None => s.push_str(&format!(
                            "approved {} #{} of `{id}` ({} of {} approvals; `service` moves at {})\n",
                            d.record.kind.as_str(),
                            d.record.number,
                            d.approvals,
                            d.required,
                            d.required
                        )),
                        Some((before, after)) => {
                            let what = if d.record.kind == RecordKind::Stop {
                                format!("stopped `{id}`: removed `extensions/{id}/` from service")
                            } else {
                                format!(
                                    "approved {} #{} of `{id}`: service fast-forwarded",
                                    d.record.kind.as_str(),
                                    d.record.number
                                )
                            };
                            if d.resumed {
                                s.push_str("finished an interrupted approval: ");
                            }
                            s.push_str(&format!("{what} ({}..{})\n", before.short(), after.short()));
                            if let Some(c) = &d.changes {
                                // What went live, destructive changes and files to read flagged.
                                s.push_str(&format!("live now: {}\n\n", render_diff::summary(&c.diff)));
                                s.push_str(&render_diff::text(&c.diff, &c.sides, ctx.color_for(true)));
                                s.push('\n');
                            }
                        }
                    }
                    for p in &d.updated_checkouts {
                        s.push_str(&format!("updated the work tree `{}`\n", p.display()));
                    }
                    super::out(&s);
                    for p in &d.checkout_problems {
                        super::err(&format!("warning: {p}\n"));
                    }
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        ReviewCommand::Reject { id, message } => {
            let r = review::reject(&ctx.dir, id, message)?;
            super::out(&format!(
                "rejected {} #{} of `{id}`: Confirmation required; `{}` is unlocked\n",
                r.kind.as_str(),
                r.number,
                r.branch
            ));
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::Show { id, number, format } => {
            let v = review::show(&ctx.dir, id, *number)?;
            match format {
                Format::Json => super::out(&json(&v)?),
                Format::Human => {
                    let mut s = show_human(&v);
                    if let (Some(diff), Some(sides)) = (&v.changes, &v.sides) {
                        s.push_str("\nwhat the reviewed commit brings to service:\n");
                        s.push_str(&render_diff::text(diff, sides, ctx.color_for(true)));
                    }
                    super::out(&s);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::List { all, format } => {
            let list = review::list(&ctx.dir, *all)?;
            match format {
                Format::Json => super::out(&json(&serde_json::json!({
                    "version": 1,
                    "reviews": list,
                }))?),
                Format::Human => {
                    if list.is_empty() {
                        super::err(if *all {
                            "no reviews yet\n"
                        } else {
                            "no open reviews\n"
                        });
                    }
                    let mut s = String::new();
                    for v in &list {
                        s.push_str(&list_line(v));
                    }
                    super::out(&s);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn json<T: serde::Serialize>(v: &T) -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    Ok(s)
}

fn flags(v: &RecordView) -> String {
    let mut f = Vec::new();
    if v.stale {
        f.push("stale");
    }
    if v.needs_sync {
        f.push("needs sync");
    }
    if f.is_empty() {
        String::new()
    } else {
        format!(" [{}]", f.join(", "))
    }
}

fn list_line(v: &RecordView) -> String {
    let r = &v.record;
    let req = r.request();
    format!(
        "{}#{}\t{}\t{}\t{}\t{} of {}\t{}{}\n",
        r.extension,
        r.number,
        r.kind.as_str(),
        r.state.as_str(),
        req.map(|e| e.email.as_str()).unwrap_or("-"),
        v.approvals,
        v.required_approvals,
        req.and_then(|e| e.message.as_deref())
            .and_then(|m| m.lines().next())
            .unwrap_or(""),
        flags(v)
    )
}

fn show_human(v: &RecordView) -> String {
    let r = &v.record;
    let mut s = format!(
        "{} #{} of `{}`: {}{}\n",
        r.kind.as_str(),
        r.number,
        r.extension,
        r.state.as_str(),
        flags(v)
    );
    s.push_str(&format!("branch:    {}\n", r.branch));
    if let Some(c) = &r.commit {
        s.push_str(&format!("commit:    {c}\n"));
    }
    if let Some(t) = &r.tree {
        s.push_str(&format!("tree:      {t}\n"));
    }
    if r.kind.is_request() {
        s.push_str(&format!(
            "approvals: {} of {}\n",
            v.approvals, v.required_approvals
        ));
    }
    s.push('\n');
    for (i, e) in r.events.iter().enumerate() {
        let mark = match (e.action, v.signatures.get(i)) {
            (Action::Approve | Action::Reject | Action::Cancel, Some(sig)) => format!("  [{sig}]"),
            _ => String::new(),
        };
        s.push_str(&format!(
            "{}  {:<8} {} <{}>{mark}\n",
            e.at,
            e.action.as_str(),
            e.name,
            e.email
        ));
        if let Some(m) = &e.message {
            let label = match e.action {
                Action::Reject => "feedback: ",
                Action::Request if r.kind == RecordKind::Stop => "reason: ",
                _ => "",
            };
            for (i, line) in m.lines().enumerate() {
                s.push_str(&format!("    {}{line}\n", if i == 0 { label } else { "" }));
            }
        }
        if let Some(val) = &e.validation {
            s.push_str(&format!(
                "    validation: {} errors, {} warnings\n",
                val.errors, val.warnings
            ));
        }
        if let (Some(b), Some(a)) = (&e.service_before, &e.service_after) {
            s.push_str(&format!(
                "    service: {}..{}\n",
                short_text(b),
                short_text(a)
            ));
        }
        if e.action == Action::Sync
            && let Some(c) = &e.commit
        {
            s.push_str(&format!("    rebased to {}\n", short_text(c)));
        }
    }
    s
}
