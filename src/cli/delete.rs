//! `cekops delete`

use std::process::ExitCode;

use cekops::ops::delete;

/// Delete an extension's test branch (only when it is neither in service nor under review).
///
/// A deletion record is kept on the records branch and the deleted commit stays reachable from
/// it, so `cekops restore <ID>` can bring the branch back.
#[derive(Debug, clap::Args)]
pub struct DeleteArgs {
    /// Extension ID.
    pub id: String,
}

pub fn run(ctx: &super::Context, args: &DeleteArgs) -> anyhow::Result<ExitCode> {
    let d = delete::delete(&ctx.dir, &args.id)?;
    super::out(&format!(
        "deleted `{}` (was {}; record #{}); `cekops restore {}` brings it back\n",
        d.record.branch,
        d.commit.short(),
        d.record.number,
        args.id
    ));
    Ok(ExitCode::SUCCESS)
}
