//! `cekops sync`

use std::process::ExitCode;

use cekops::ops::sync;

/// Rebase `test/<ID>` onto `service` (after another extension was approved).
///
/// Replays each commit's `extensions/<ID>/` folder on top of `service`. Refuses, changing
/// nothing, when the branch touches paths outside `extensions/<ID>/` or its checked-out work tree
/// has uncommitted changes. An open review follows the branch and keeps its approvals, because the
/// extension's tree does not change.
#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Extension ID.
    pub id: String,
}

pub fn run(ctx: &super::Context, args: &SyncArgs) -> anyhow::Result<ExitCode> {
    let s = sync::sync(&ctx.dir, &args.id)?;
    let mut out = match s.moved {
        None => format!("`{}` already contains the service version\n", s.branch),
        Some((old, new)) => format!(
            "rebased `{}` onto service: {} commit(s), {}..{}\n",
            s.branch,
            s.commits,
            old.short(),
            new.short()
        ),
    };
    if let Some(n) = s.review {
        out.push_str(&format!(
            "review #{n} now points at the rebased commit (approvals stay valid)\n"
        ));
    }
    for p in &s.updated_checkouts {
        out.push_str(&format!("updated the work tree `{}`\n", p.display()));
    }
    super::out(&out);
    Ok(ExitCode::SUCCESS)
}
