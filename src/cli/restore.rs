//! `cekops restore`

use std::process::ExitCode;

use cekops::ops::restore;

/// Bring back a deleted test branch from its deletion record.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// Extension ID.
    pub id: String,
}

pub fn run(ctx: &super::Context, args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    let r = restore::restore(&ctx.dir, &args.id)?;
    super::out(&format!(
        "restored `{}` at {} (record #{})\n",
        r.record.branch,
        r.commit.short(),
        r.record.number
    ));
    Ok(ExitCode::SUCCESS)
}
