//! `cekops push [REMOTE]`: send what this clone changed in one `git push --atomic` (all refs
//! land, or none), every ref with a lease on the value last fetched. A ref on the remote is
//! never moved to a commit that lacks its current tip, except the owner's `sync` that replayed
//! exactly those commits; deletions are durable (a deleted branch is never pushed again).

use std::path::Path;

use anyhow::Result;

use super::chart::Chart;
use crate::error::refused;
use crate::git::Oid;
use crate::git::cli;
use crate::git::objects;
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
    /// Local branches deliberately not pushed.
    pub skipped: Vec<Skipped>,
    /// Fetches (with records merges) run because the remote had moved.
    pub fetched: Vec<super::fetch::Fetched>,
    /// When this push sent the service branch and the remote's HEAD does not name it: fresh
    /// `git clone`s of the remote will not check out the service version.
    pub remote_head: Option<HeadMismatch>,
}

/// The remote's HEAD does not name the service branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeadMismatch {
    /// The service branch's name.
    pub service: String,
    /// What HEAD names instead.
    pub head: RemoteHead,
}

/// What the remote's HEAD names when it is not the service branch (`git ls-remote --symref`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteHead {
    /// HEAD names a branch that does not exist (an empty server's `master`): clones check out
    /// nothing.
    Unborn,
    /// HEAD names this other existing branch.
    Elsewhere(String),
}

/// What the remote's HEAD names, when that is not `service` (`None` when it is, or when the
/// remote cannot tell). A client cannot move a remote's HEAD over the git protocol: the server's
/// hook (`cekops hooks install --server`) does it when the service branch is first pushed.
fn remote_head(dir: &Path, remote: &str, service: &str) -> Result<Option<RemoteHead>> {
    let out = cli::run_any(dir, &["ls-remote", "--symref", remote, "HEAD"])?;
    if out.status != 0 {
        return Ok(None);
    }
    Ok(parse_remote_head(&out.stdout, service))
}

fn parse_remote_head(ls_remote: &str, service: &str) -> Option<RemoteHead> {
    let target = ls_remote.lines().find_map(|l| {
        l.strip_prefix("ref: ")?
            .strip_suffix("\tHEAD")?
            .strip_prefix("refs/heads/")
    });
    match target {
        Some(t) if t == service => None,
        Some(t) => Some(RemoteHead::Elsewhere(t.to_string())),
        None => Some(RemoteHead::Unborn),
    }
}

/// A branch `push` left alone, and why.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub branch: String,
    pub why: String,
}

/// What one push attempt would send.
struct Plan {
    leases: Vec<String>,
    refspecs: Vec<String>,
    skipped: Vec<Skipped>,
    /// The records branch or `service` diverged from the remote's: fetch (which merges the
    /// records) before pushing.
    needs_fetch: bool,
}

/// How a `git push` failed.
enum Failure {
    /// Someone else moved a ref first (lease or fast-forward check).
    Race(String),
    /// The server refused for its own reasons (a hook).
    Refused(String),
    /// No answer from the server (network, authentication, missing repository).
    Unreachable(String),
}

fn plan(chart: &Chart, remote: &str) -> Result<Plan> {
    let repo = &chart.repo;
    let tracking = |name: &str| refs::read(repo, &format!("refs/remotes/{remote}/{name}"));
    let mut p = Plan {
        leases: Vec::new(),
        refspecs: Vec::new(),
        skipped: Vec::new(),
        needs_fetch: false,
    };
    let lease = |full: &str, expect: Option<Oid>| {
        format!(
            "--force-with-lease={full}:{}",
            expect.map(|o| o.to_string()).unwrap_or_default()
        )
    };
    // `service` and the records branch only ever fast-forward.
    let shared = [
        (chart.service_name().to_string(), Some(chart.service)),
        (chart.records_name().to_string(), chart.records.tip),
    ];
    for (name, local) in shared {
        let Some(local) = local else { continue };
        let full = refs::branch_ref(&name);
        let theirs = tracking(&name)?;
        match theirs {
            Some(t) if t == local => continue,
            Some(t) if objects::is_ancestor(repo, local, t)? => continue,
            Some(t) if !objects::is_ancestor(repo, t, local)? => {
                p.needs_fetch = true;
                continue;
            }
            _ => {}
        }
        p.leases.push(lease(&full, theirs));
        p.refspecs.push(format!("{full}:{full}"));
    }
    let locals = chart.test_branches()?;
    for (id, oid) in &locals {
        let name = chart.test_name(id);
        let full = refs::branch_ref(&name);
        if let Some(rec) = chart.latest(id)?
            && rec.kind == RecordKind::Delete
        {
            let by = rec.request().map(|e| e.email.clone()).unwrap_or_default();
            p.skipped.push(Skipped {
                branch: name,
                why: format!(
                    "deleted by {by} (record #{}); `cekops restore {id}` brings it back",
                    rec.number
                ),
            });
            continue;
        }
        let theirs = tracking(&name)?;
        let send = match theirs {
            None => true,
            Some(t) if t == *oid => false,
            Some(t) if objects::is_ancestor(repo, t, *oid)? => true,
            Some(t) if objects::is_ancestor(repo, *oid, t)? => false,
            Some(t) => {
                // A rewrite: only the owner's sync, which replays every commit of the remote's
                // tip (same author, date, message and folder), may replace it.
                if super::remote::rewritten_in(repo, t, *oid, &Chart::ext_path(id))? {
                    true
                } else {
                    p.skipped.push(Skipped {
                        branch: name,
                        why: format!(
                            "it and `{remote}/{}` both have commits the other lacks; nothing of either is lost: combine them (`git rebase {remote}/{} {}`), then push again",
                            chart.test_name(id),
                            chart.test_name(id),
                            chart.test_name(id)
                        ),
                    });
                    false
                }
            }
        };
        if send {
            p.leases.push(lease(&full, theirs));
            // No `+`: a forced refspec would override the lease.
            p.refspecs.push(format!("{full}:{full}"));
        }
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
            p.leases.push(lease(&full, Some(remote_val)));
            p.refspecs.push(format!(":{full}"));
        }
    }
    Ok(p)
}

fn classify(out: &cli::Output) -> Failure {
    let rejected: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with('!')).collect();
    let remote_lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("remote:"))
        .collect();
    // A lease checked by the client, or the server's own compare-and-swap when another push
    // landed between the advertisement and the update ("cannot lock ref ...: is at X but
    // expected Y").
    let race = rejected.iter().any(|l| {
        l.contains("(stale info)")
            || l.contains("(fetch first)")
            || l.contains("(non-fast-forward)")
    }) || remote_lines
        .iter()
        .any(|l| l.contains("cannot lock ref") && l.contains("but expected"));
    let mut detail = rejected.join("\n");
    if race {
        return Failure::Race(detail);
    }
    if rejected.is_empty() {
        return Failure::Unreachable(out.stderr.trim().to_string());
    }
    if !remote_lines.is_empty() {
        detail = format!("{}\n{detail}", remote_lines.join("\n"));
    }
    Failure::Refused(detail)
}

/// Push what this clone changed: `service` and the records branch when they are ahead of the
/// remote's, test branches this clone moved (rewrites only when they are the owner's sync), and
/// deletions with a record — all in one `git push --atomic` with a lease on every ref. When the
/// remote moved meanwhile, [`super::fetch::fetch`] merges the records and the push is tried
/// again (a few times).
pub fn push(dir: &Path, remote: Option<&str>) -> Result<Pushed> {
    let repo_dir = dir.to_path_buf();
    let mut fetched: Vec<super::fetch::Fetched> = Vec::new();
    let mut just_fetched = false;
    for attempt in 0..6 {
        let chart = Chart::open(&repo_dir)?;
        let remote = super::remote::pick_remote(&chart.repo, remote)?;
        let p = plan(&chart, &remote)?;
        if p.needs_fetch {
            if just_fetched {
                return Err(refused(format!(
                    "`{0}` or `{1}` has commits that `{remote}` lacks while `{remote}` has others, and fetching did not merge them; nothing was pushed",
                    chart.service_name(),
                    chart.records_name()
                ))
                .hint(format!(
                    "`{0}` moves only through approvals: compare `git log {0}...{remote}/{0}` and run `cekops audit`",
                    chart.service_name()
                ))
                .into());
            }
            fetched.push(super::fetch::fetch(&repo_dir, Some(&remote))?);
            just_fetched = true;
            continue;
        }
        if p.refspecs.is_empty() {
            return Ok(Pushed {
                remote,
                refspecs: Vec::new(),
                report: String::new(),
                skipped: p.skipped,
                fetched,
                remote_head: None,
            });
        }
        let mut args: Vec<&str> = vec!["push", "--atomic", "--porcelain"];
        args.extend(p.leases.iter().map(String::as_str));
        args.push(&remote);
        args.extend(p.refspecs.iter().map(String::as_str));
        let out = cli::run_any(super::remote::git_dir_for_cli(&chart.repo), &args)?;
        if out.status == 0 {
            let service_ref = refs::branch_ref(chart.service_name());
            let remote_head = if p.refspecs.iter().any(|r| r.starts_with(&service_ref)) {
                remote_head(
                    super::remote::git_dir_for_cli(&chart.repo),
                    &remote,
                    chart.service_name(),
                )?
            } else {
                None
            }
            .map(|head| HeadMismatch {
                service: chart.service_name().to_string(),
                head,
            });
            return Ok(Pushed {
                remote,
                refspecs: p.refspecs,
                report: out.stdout,
                skipped: p.skipped,
                fetched,
                remote_head,
            });
        }
        match classify(&out) {
            Failure::Race(_) if attempt < 3 => {
                fetched.push(super::fetch::fetch(&repo_dir, Some(&remote))?);
                just_fetched = true;
            }
            Failure::Race(detail) => {
                return Err(refused(format!(
                    "`git push --atomic {remote}` was refused: the server kept moving; no ref was updated:\n{detail}"
                ))
                .hint(format!(
                    "run `cekops fetch {remote}`, check `cekops status`, then push again"
                ))
                .into());
            }
            Failure::Refused(detail) => {
                return Err(refused(format!(
                    "the server refused the push; no ref was updated:\n{detail}"
                ))
                .hint("the lines starting with `remote:` are the server's reason; fix that, then push again (your local branches are unchanged)")
                .into());
            }
            Failure::Unreachable(detail) => {
                return Err(refused(format!(
                    "`git push` to `{remote}` failed; no ref was updated:\n{detail}"
                ))
                .hint("nothing was changed locally; run `cekops push` again when the server is reachable")
                .into());
            }
        }
    }
    Err(refused(
        "the push was retried several times and the server kept moving; no ref was updated",
    )
    .hint("run `cekops fetch`, then `cekops push` again")
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_compare_and_swap_on_the_server_is_a_race() {
        let out = cli::Output {
            status: 1,
            stdout: "!\trefs/heads/cekops/records:refs/heads/cekops/records\t[remote rejected] (atomic transaction failed)\n".into(),
            stderr: "remote: error: cannot lock ref 'refs/heads/cekops/records': is at b702 but expected b5da\n".into(),
        };
        assert!(matches!(classify(&out), Failure::Race(_)));
        let hook = cli::Output {
            status: 1,
            stdout: "!\trefs/heads/service:refs/heads/service\t[remote rejected] (pre-receive hook declined)\n".into(),
            stderr: "remote: cekops pre-receive: refused\n".into(),
        };
        assert!(matches!(classify(&hook), Failure::Refused(_)));
    }

    #[test]
    fn remote_head_is_read_from_ls_remote() {
        let on_service = "ref: refs/heads/service\tHEAD\n0123\tHEAD\n";
        assert_eq!(parse_remote_head(on_service, "service"), None);
        assert_eq!(
            parse_remote_head(on_service, "production"),
            Some(RemoteHead::Elsewhere("service".into()))
        );
        // An unborn HEAD (an empty server's `master`) is not listed at all.
        assert_eq!(parse_remote_head("", "service"), Some(RemoteHead::Unborn));
    }
}
