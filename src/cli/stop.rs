//! `cekops stop`

use std::process::ExitCode;

use cekops::ops::stop;

/// Request that an in-service extension stops being served.
///
/// A reviewer's `cekops review approve <ID>` then commits the removal of `extensions/<ID>/` on
/// `service`, atomically with the record. The test branch stays; the extension is *In
/// development* again and can be submitted for review later.
#[derive(Debug, clap::Args)]
pub struct StopArgs {
    /// Extension ID.
    pub id: String,
    /// Why the service stops (recorded and shown to reviewers).
    #[arg(long)]
    pub reason: String,
}

pub fn run(ctx: &super::Context, args: &StopArgs) -> anyhow::Result<ExitCode> {
    let r = stop::stop(&ctx.dir, &args.id, &args.reason)?;
    super::out(&format!(
        "requested to stop `{}` (#{}); a reviewer approves it with `cekops review approve {}`\n",
        r.extension, r.number, r.extension
    ));
    Ok(ExitCode::SUCCESS)
}
