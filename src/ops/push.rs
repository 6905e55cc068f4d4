//! `cekops push [REMOTE]`: send `service`, the records branch and the test branches that changed
//! in one `git push --atomic` (all refs land, or none). Rewritten test branches (after `sync`) are
//! pushed with `--force-with-lease` against the last fetched value; deleted ones are deleted.

use std::path::Path;

use anyhow::Result;

use super::chart::Chart;
use crate::error::refused;
use crate::error::usage;
use crate::git::Repository;
use crate::git::cli;
use crate::git::refs;
use crate::model::RecordKind;

/// What was pushed.
#[derive(Debug)]
pub struct Pushed {
    pub remote: String,
    /// Refspecs sent.
    pub refspecs: Vec<String>,
    /// git's report (one line per ref).
    pub report: String,
}

/// The remote to use: the one given, else `origin`, else the only remote.
pub fn pick_remote(repo: &Repository, given: Option<&str>) -> Result<String> {
    let names: Vec<String> = repo.remote_names()?;
    if let Some(g) = given {
        if names.iter().any(|n| n == g) || g.contains('/') || g.contains(':') {
            return Ok(g.to_string());
        }
        return Err(usage(format!("no remote named `{g}`"))
            .hint(if names.is_empty() {
                "add one with `git remote add origin URL`".to_string()
            } else {
                format!("remotes: {}", names.join(", "))
            })
            .into());
    }
    if names.iter().any(|n| n == "origin") {
        return Ok("origin".into());
    }
    match names.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(usage("the repository has no remote")
            .hint("add one with `git remote add origin URL`")
            .into()),
        _ => Err(usage("several remotes and none is `origin`: say which one")
            .hint(format!("remotes: {}", names.join(", ")))
            .into()),
    }
}

/// The folder to run git in.
pub fn git_dir_for_cli(repo: &Repository) -> &Path {
    repo.workdir().unwrap_or_else(|| repo.git_dir())
}

pub fn push(dir: &Path, remote: Option<&str>) -> Result<Pushed> {
    let chart = Chart::open(dir)?;
    let remote = pick_remote(&chart.repo, remote)?;
    let tracking = |name: &str| refs::read(&chart.repo, &format!("refs/remotes/{remote}/{name}"));
    let mut leases = Vec::new();
    let mut refspecs = vec![format!("{0}:{0}", chart.service_ref())];
    if chart.records.tip.is_some() {
        refspecs.push(format!("{0}:{0}", chart.records_ref()));
    }
    let locals = chart.test_branches()?;
    for (id, oid) in &locals {
        let name = chart.test_name(id);
        let full = refs::branch_ref(&name);
        let remote_val = tracking(&name)?;
        if remote_val == Some(*oid) {
            continue;
        }
        let expect = remote_val.map(|o| o.to_string()).unwrap_or_default();
        leases.push(format!("--force-with-lease={full}:{expect}"));
        refspecs.push(format!("+{full}:{full}"));
    }
    // Test branches deleted here (with a record) and still on the remote.
    for id in chart.records.by_id.keys() {
        if locals.iter().any(|(l, _)| l == id) {
            continue;
        }
        let name = chart.test_name(id);
        let Some(remote_val) = tracking(&name)? else {
            continue;
        };
        if chart
            .latest(id)?
            .is_some_and(|r| r.kind == RecordKind::Delete)
        {
            let full = refs::branch_ref(&name);
            leases.push(format!("--force-with-lease={full}:{remote_val}"));
            refspecs.push(format!(":{full}"));
        }
    }
    let mut args: Vec<&str> = vec!["push", "--atomic", "--porcelain"];
    args.extend(leases.iter().map(String::as_str));
    args.push(&remote);
    args.extend(refspecs.iter().map(String::as_str));
    let out = cli::run_any(git_dir_for_cli(&chart.repo), &args)?;
    if out.status != 0 {
        let mut msg = out.stderr.trim().to_string();
        let rejected: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with('!')).collect();
        if !rejected.is_empty() {
            msg = format!("{}\n{msg}", rejected.join("\n"));
        }
        return Err(refused(format!(
            "`git push --atomic {remote}` was refused; no ref was updated:\n{msg}"
        ))
        .hint(format!(
            "someone else pushed first: run `cekops fetch {remote}`, check `cekops status`, then push again"
        ))
        .into());
    }
    Ok(Pushed {
        remote,
        refspecs,
        report: out.stdout,
    })
}
