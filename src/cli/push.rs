//! `cekops push`

use std::process::ExitCode;

use cekops::ops::push;

/// Push `service`, the records branch and changed test branches with `git push --atomic`.
///
/// All refs land or none does. Test branches rewritten by `cekops sync` are pushed with
/// `--force-with-lease` against the last fetched value; test branches deleted with a record are
/// deleted on the remote.
#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// Remote name or URL (default: `origin`, or the only remote).
    pub remote: Option<String>,
}

pub fn run(ctx: &super::Context, args: &PushArgs) -> anyhow::Result<ExitCode> {
    let p = push::push(&ctx.dir, args.remote.as_deref())?;
    let mut s = format!("pushed to `{}`:\n", p.remote);
    for line in p.report.lines() {
        if line.starts_with(['*', ' ', '+', '-', '=']) || line.starts_with("\t") {
            s.push_str(&format!("  {}\n", line.trim()));
        }
    }
    super::out(&s);
    Ok(ExitCode::SUCCESS)
}
