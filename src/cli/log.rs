//! `cekops log`

use std::process::ExitCode;

use super::review::Format;
use cekops::ops::log;
use cekops::ops::short_text;

/// The lifecycle history of an extension: requests, decisions, syncs, deletions and the service
/// versions approvals produced, with authors and dates.
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// Extension ID.
    pub id: String,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

pub fn run(ctx: &super::Context, args: &LogArgs) -> anyhow::Result<ExitCode> {
    let entries = log::log(&ctx.dir, &args.id)?;
    if args.format == Format::Json {
        super::out(&super::review::json(&serde_json::json!({
            "version": 1,
            "id": args.id,
            "events": entries,
        }))?);
        return Ok(ExitCode::SUCCESS);
    }
    if entries.is_empty() {
        super::err(&format!("no records for `{}` yet\n", args.id));
    }
    let mut s = String::new();
    for e in &entries {
        s.push_str(&format!(
            "{}  #{:<3} {:<14} {:<8} {} <{}>",
            e.at,
            e.number,
            e.kind.as_str(),
            e.action.as_str(),
            e.name,
            e.email
        ));
        if let Some(c) = &e.commit {
            s.push_str(&format!("  {}", short_text(c)));
        }
        if let Some(sig) = e.signature {
            s.push_str(&format!("  [{sig}]"));
        }
        s.push('\n');
        if let (Some(b), Some(a)) = (&e.service_before, &e.service_after) {
            s.push_str(&format!(
                "    service version {} (was {})\n",
                short_text(a),
                short_text(b)
            ));
        }
        if let Some(m) = &e.message {
            for line in m.lines() {
                s.push_str(&format!("    {line}\n"));
            }
        }
    }
    super::out(&s);
    Ok(ExitCode::SUCCESS)
}
