//! `cekops push`

use std::process::ExitCode;

use cekops::ops::push;

/// Push what this clone changed with `git push --atomic`: all refs land or none does.
///
/// `service` and the records branch only fast-forward; test branches are pushed when this clone
/// moved them, every ref with a lease on the value last fetched. A test branch rewritten by the
/// owner's `cekops sync` replaces the remote's only when it replays every remote commit; other
/// copies with commits the remote lacks and vice versa are left alone and reported. Branches
/// deleted with a record are deleted on the remote and never pushed again (`cekops restore`
/// brings one back). When the remote moved meanwhile, push fetches, replays this clone's record
/// events on the remote's (as `cekops fetch` does) and tries again.
#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// Remote name or URL (default: `origin`, or the only remote).
    pub remote: Option<String>,
}

pub fn run(ctx: &super::Context, args: &PushArgs) -> anyhow::Result<ExitCode> {
    let p = push::push(&ctx.dir, args.remote.as_deref())?;
    let mut s = String::new();
    let mut warn = String::new();
    for f in &p.fetched {
        for r in &f.replays {
            match r.outcome {
                cekops::ops::records::Outcome::Dropped { .. } => {
                    warn.push_str(&format!("warning: {}\n", r.describe()))
                }
                _ => s.push_str(&format!("{}\n", r.describe())),
            }
        }
    }
    if !p.fetched.is_empty() {
        s.insert_str(
            0,
            &format!(
                "`{}` had moved: fetched first (as `cekops fetch` does)\n",
                p.remote
            ),
        );
    }
    for k in &p.skipped {
        warn.push_str(&format!("warning: not pushed `{}`: {}\n", k.branch, k.why));
    }
    if p.refspecs.is_empty() {
        s.push_str(&format!(
            "nothing to push: `{}` has everything this clone changed\n",
            p.remote
        ));
        super::out(&s);
        super::err(&warn);
        return Ok(ExitCode::SUCCESS);
    }
    s.push_str(&format!("pushed to `{}`:\n", p.remote));
    for line in p.report.lines() {
        if line.starts_with(['*', ' ', '+', '-', '=']) || line.starts_with("\t") {
            s.push_str(&format!("  {}\n", line.trim()));
        }
    }
    if let Some(h) = &p.remote_head {
        let service = &h.service;
        let what = match &h.head {
            push::RemoteHead::Unborn => {
                "names no existing branch: a fresh `git clone` checks out nothing".to_string()
            }
            push::RemoteHead::Elsewhere(b) => {
                format!("names `{b}`: a fresh `git clone` checks out `{b}`")
            }
        };
        warn.push_str(&format!(
            "warning: `{}`'s HEAD {what}, not the service branch `{service}`\n  \
             hint: a client cannot change a server's HEAD; on the server run \
             `cekops hooks install --server` (its hook points HEAD at the service branch when it is \
             first pushed) or `git symbolic-ref HEAD refs/heads/{service}`\n",
            p.remote
        ));
    }
    super::out(&s);
    super::err(&warn);
    Ok(ExitCode::SUCCESS)
}
