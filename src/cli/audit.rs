//! `cekops audit`

use std::process::ExitCode;

use super::review::Format;
use cekops::ops::audit;
use cekops::ops::audit::StepKind;
use cekops::ops::short_text;

/// Prove that every step of `service` was approved.
///
/// Walks the first-parent history of `service` (or REV) and checks that each step is a
/// fast-forward to an approved review's commit or an approved stop commit, approved by reviewers
/// of the policy on `service` at that time. Anything else is a finding.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 every step approved, 1 findings, 2 usage or internal error."
)]
pub struct AuditArgs {
    /// The revision to audit (default: the service branch), e.g. `origin/service`.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

pub fn run(ctx: &super::Context, args: &AuditArgs) -> anyhow::Result<ExitCode> {
    let r = audit::audit(&ctx.dir, args.rev.as_deref())?;
    let code = if r.findings.is_empty() { 0 } else { 1 };
    if args.format == Format::Json {
        super::out(&super::review::json(&r)?);
        return Ok(ExitCode::from(code));
    }
    let mut s = String::new();
    for step in &r.steps {
        let what = match step.kind {
            StepKind::ApprovedReview => "approved review",
            StepKind::ApprovedStop => "approved stop",
            StepKind::Initial => "initial commit",
            StepKind::Unapproved => "NOT APPROVED",
        };
        s.push_str(&format!(
            "{}  {:<15} {}{}\n",
            short_text(&step.commit),
            what,
            step.record
                .as_deref()
                .map(|r| format!("{r}  "))
                .unwrap_or_default(),
            step.summary
        ));
    }
    super::out(&s);
    let mut e = String::new();
    for f in &r.findings {
        e.push_str(&format!("error: {}\n", f.message));
    }
    if r.identities == "self-asserted" {
        e.push_str("note: identities are self-asserted: `require_signed` is off, so an event's e-mail is whatever its author claimed, and the forge's push permissions are the only guard\n");
    }
    if r.findings.is_empty() {
        e.push_str(&format!(
            "`{}`: every one of {} steps was approved\n",
            r.rev,
            r.steps.len()
        ));
    } else {
        e.push_str(&format!("`{}`: {} finding(s)\n", r.rev, r.findings.len()));
    }
    super::err(&e);
    Ok(ExitCode::from(code))
}
