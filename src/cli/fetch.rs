//! `cekops fetch`

use std::process::ExitCode;

use cekops::ops::fetch;
use cekops::ops::fetch::BranchAction;

/// Fetch the remote and bring the local `service`, records branch and test branches up to date.
///
/// Missing local branches are created (a fresh clone then shows the same `cekops status`).
/// Local copies with no commits of their own follow the remote: fast-forwards, the owner's
/// `sync` rewrites and deletions with a record. When both this clone and the remote recorded
/// lifecycle events, this clone's unpublished events are replayed on top of the remote's
/// (renumbering new reviews whose number was taken; dropping, with a warning naming the winner,
/// decisions on reviews decided meanwhile). Branches with commits of their own on both sides
/// and checked-out branches with uncommitted changes are left intact and reported.
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
            BranchAction::Followed => "follows the remote's rewrite (it had no commits of its own)",
            BranchAction::Deleted => "deleted (deleted on the remote with a record)",
            BranchAction::Rebased => "your unpublished record events were replayed on the remote's",
            BranchAction::Diverged => {
                warn.push_str(&format!(
                    "warning: `{}` has commits of its own and `{}/{}` has others; both left intact (combine them with `git rebase {}/{} {}`)\n",
                    b.branch, f.remote, b.branch, f.remote, b.branch, b.branch
                ));
                continue;
            }
            BranchAction::DeletedKept => {
                warn.push_str(&format!(
                    "warning: `{}` was deleted on `{}` with a record, but your copy has commits of its own: kept here and never pushed (save what you need, then `git branch -D {}`)\n",
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
    for r in &f.replays {
        match r.outcome {
            cekops::ops::records::Outcome::Dropped { .. } => {
                warn.push_str(&format!("warning: {}\n", r.describe()))
            }
            _ => s.push_str(&format!("  {}\n", r.describe())),
        }
    }
    if s.is_empty() && warn.is_empty() {
        s.push_str(&format!("up to date with `{}`\n", f.remote));
    }
    super::out(&s);
    super::err(&warn);
    Ok(ExitCode::SUCCESS)
}
