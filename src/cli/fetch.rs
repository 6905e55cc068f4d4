//! `cekops fetch`

use std::process::ExitCode;

use cekops::ops::fetch;
use cekops::ops::fetch::BranchAction;

/// Fetch the remote and fast-forward the local `service`, records branch and test branches.
///
/// Missing local branches are created (a fresh clone then shows the same `cekops status`).
/// Diverged branches and checked-out branches with uncommitted changes are left alone and
/// reported.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// Remote name or URL (default: `origin`, or the only remote).
    pub remote: Option<String>,
}

pub fn run(ctx: &super::Context, args: &FetchArgs) -> anyhow::Result<ExitCode> {
    let f = fetch::fetch(&ctx.dir, args.remote.as_deref())?;
    let mut s = String::new();
    let mut warn = String::new();
    for b in &f.branches {
        let what = match b.action {
            BranchAction::Created => "created",
            BranchAction::FastForwarded => "fast-forwarded",
            BranchAction::UpToDate => continue,
            BranchAction::Ahead => "ahead of the remote (push it)",
            BranchAction::Diverged => {
                warn.push_str(&format!(
                    "warning: `{}` diverged from `{}/{}`; left alone\n",
                    b.branch, f.remote, b.branch
                ));
                continue;
            }
            BranchAction::Dirty => {
                warn.push_str(&format!(
                    "warning: `{}` is checked out with uncommitted changes; not updated\n",
                    b.branch
                ));
                continue;
            }
        };
        s.push_str(&format!("{}: {what}\n", b.branch));
    }
    if s.is_empty() && warn.is_empty() {
        s.push_str(&format!("up to date with `{}`\n", f.remote));
    }
    super::out(&s);
    super::err(&warn);
    Ok(ExitCode::SUCCESS)
}
