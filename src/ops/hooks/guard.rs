//! The checks the hooks run: the pre-commit policy, `reference-transaction`, `pre-push` and the
//! server's `pre-receive`.

use std::path::Path;
use std::str::FromStr as _;

use anyhow::Result;

use crate::git;
use crate::git::Oid;
use crate::git::Repository;
use crate::git::hooks as gh;
use crate::git::objects;
use crate::git::refs;
use crate::model::Branches;
use crate::model::RecordKind;
use crate::ops::audit::audit_chart;
use crate::ops::chart::Chart;
use crate::ops::chart::SERVICE_PIN;
use crate::ops::trust;
use crate::ops::trust::Policy;

use super::*;
use crate::ops::validate::Source;
use crate::ops::validate::ValidateOptions;
use crate::ops::validate::ValidateOutcome;
use crate::ops::validate::validate_findings as validate;

// ---------------------------------------------------------------------------------------------
// The checks.

/// A ref value as git writes it in hook input: an object id, the zero id for "none", or
/// `ref:<target>` for a symbolic ref.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    None,
    Commit(Oid),
    Symbolic,
}

fn parse_value(s: &str) -> Option<Value> {
    if s.starts_with("ref:") {
        return Some(Value::Symbolic);
    }
    let id = Oid::from_str(s).ok()?;
    Some(if id.is_zero() {
        Value::None
    } else {
        Value::Commit(id)
    })
}

/// The Extension ID a branch is the test branch of (`test/{id}` pattern), if it is one.
fn test_id<'a>(pattern: &str, branch: &'a str) -> Option<&'a str> {
    let (prefix, suffix) = pattern.split_once("{id}")?;
    branch
        .strip_prefix(prefix)?
        .strip_suffix(suffix)
        .filter(|id| !id.is_empty())
}

/// `pre-commit`: whether the commit may land on the checked-out branch at all: never on
/// `service`, never on a test branch whose review is open. Validation runs afterwards.
pub fn pre_commit_branch_check(dir: &Path) -> Result<Option<Refusal>> {
    let repo = git::discover(dir)?;
    let Some(branch) = repo.head_branch() else {
        return Ok(None);
    };
    drop(repo);
    match crate::ops::review::check_commit_allowed(dir, &branch) {
        Ok(()) => Ok(None),
        Err(e) => {
            let mut r = Refusal::new(&format!("refs/heads/{branch}"), e.message);
            r.hint = e.hint;
            Ok(Some(r))
        }
    }
}

/// What the pre-commit hook decided.
pub enum PreCommit {
    /// The commit is refused before anything is validated (on `service`, or on a test branch
    /// whose review is open).
    Refused(Refusal),
    /// The staged files were validated; the commit is refused when the report has errors.
    Checked(Box<ValidateOutcome>),
}

impl PreCommit {
    /// Whether git must stop the commit.
    pub fn refuses(&self) -> bool {
        match self {
            PreCommit::Refused(_) => true,
            PreCommit::Checked(o) => o.report.errors() > 0,
        }
    }
}

/// The pre-commit policy: refuse commits on `service` and on a test branch under review, then
/// validate the staged files (only the extensions the commit touches are checked in full).
pub fn pre_commit(dir: &Path) -> Result<PreCommit> {
    if let Some(r) = pre_commit_branch_check(dir)? {
        return Ok(PreCommit::Refused(r));
    }
    Ok(PreCommit::Checked(Box::new(validate(&ValidateOptions {
        source: Source::Staged(dir.to_path_buf()),
        ids: Vec::new(),
        stage: None,
    })?)))
}

/// `reference-transaction`: refuse, in the `prepared` state, any move or deletion of the service
/// branch that cekops did not make. Moves cekops makes itself go through the git library (which
/// runs no hooks) or carry [`INTERNAL_ENV`]. A fast-forward of `service` to a commit a remote's
/// `service` already has (`git pull` on `service`) is allowed: it was approved there.
pub fn reference_transaction(dir: &Path, state: &str, input: &str) -> Result<Vec<Refusal>> {
    if state != "prepared" || std::env::var_os(INTERNAL_ENV).is_some_and(|v| v == "1") {
        return Ok(Vec::new());
    }
    // Most transactions (fetches, tags) do not touch refs/heads/: answer them without opening the
    // repository.
    if !input.contains("refs/heads/") {
        return Ok(Vec::new());
    }
    let repo = gh::open_for_hook(dir)?;
    let service = Chart::service_name_of(&repo)?;
    let service_ref = format!("refs/heads/{service}");
    let mut out = Vec::new();
    for line in input.lines() {
        let mut parts = line.split(' ');
        let (Some(old), Some(new), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if name != service_ref {
            // `git branch -m X service` deletes X before it asks to write `service`: remember
            // deleted branches so that a refused rename can put X back.
            if name.starts_with("refs/heads/")
                && matches!(parse_value(new), Some(Value::None))
                && let Some(Value::Commit(o)) = parse_value(old)
            {
                remember_deleted(&repo, name, o);
            }
            continue;
        }
        let current = refs::read(&repo, &service_ref)?;
        let protected = || {
            format!("`{service}` is the service version: it moves only when a review is approved")
        };
        let refusal = match (current, parse_value(new)) {
            // Creating the branch (a fresh clone's `git switch service`) moves nothing.
            (None, _) => None,
            (Some(cur), Some(Value::Commit(n))) if cur == n => None,
            // `git pack-refs` moving the ref into `packed-refs`: the value stays.
            (Some(cur), Some(Value::None)) if refs::is_pruning_packed(&repo, name, cur) => None,
            (Some(_), Some(Value::None)) => {
                let mut hint = "stopping an extension is `cekops stop <ID>`; nothing else removes what is in service".to_string();
                if let Some(note) = restore_renamed(&repo) {
                    hint = format!("{note}\n{hint}");
                }
                Some(
                    Refusal::new(name, format!("{} (refused deleting it)", protected())).hint(hint),
                )
            }
            (Some(cur), Some(Value::Commit(n))) => {
                let ff = objects::has_commit(&repo, n) && objects::is_ancestor(&repo, cur, n)?;
                let upstream = refs::remote_tracking_tips(&repo, &service)
                    .into_iter()
                    .any(|t| objects::is_ancestor(&repo, n, t).unwrap_or(false));
                (!(ff && upstream)).then(|| {
                    let mut hint = format!(
                        "commit on a test branch and run `cekops review request <ID>`; `cekops review approve <ID>` moves `{service}`, and `cekops fetch` follows the remote's"
                    );
                    if let Some(note) = restore_renamed(&repo) {
                        hint = format!("{note}\n{hint}");
                    }
                    Refusal::new(
                        name,
                        format!("{} (refused {} -> {})", protected(), cur.short(), n.short()),
                    )
                    .hint(hint)
                })
            }
            (Some(_), _) => Some(Refusal::new(name, protected())),
        };
        out.extend(refusal);
    }
    Ok(out)
}

/// Where the `reference-transaction` hook remembers branches deleted in the last transactions.
fn deleted_log(repo: &crate::git::Repository) -> std::path::PathBuf {
    repo.common_dir().join("cekops-deleted-branches")
}

/// Remember a deleted branch as `<git process id> <commit> <ref>` (the last 20 lines kept). The
/// hook is exec'd by git, so the parent process id names the git command.
fn remember_deleted(repo: &crate::git::Repository, name: &str, commit: Oid) {
    let path = deleted_log(repo);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut lines: Vec<&str> = text.lines().collect();
    let line = format!("{} {commit} {name}", git_process());
    lines.push(&line);
    let keep = lines.len().saturating_sub(20);
    let _ = std::fs::write(&path, lines[keep..].join("\n") + "\n");
}

/// The id of the git command that runs the hook: `CEKOPS_GIT_PID`, set by the hook script to its
/// parent (git); else this process's parent.
fn git_process() -> String {
    if let Some(pid) = std::env::var("CEKOPS_GIT_PID")
        .ok()
        .filter(|p| !p.is_empty())
    {
        return pid;
    }
    #[cfg(unix)]
    return std::os::unix::process::parent_id().to_string();
    #[cfg(not(unix))]
    return "0".to_string();
}

/// `git branch -m/-M X service` deletes `X` before it asks to delete or write `service`; when the
/// hook refuses, git does not put `X` back. Create again every branch the same git command
/// deleted; says what was done, or exactly how to do it by hand.
fn restore_renamed(repo: &crate::git::Repository) -> Option<String> {
    let text = std::fs::read_to_string(deleted_log(repo)).ok()?;
    let me = git_process();
    let mut notes = Vec::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, ' ');
        let (Some(pid), Some(commit), Some(name)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if pid != me || refs::read(repo, name).ok().flatten().is_some() {
            continue;
        }
        let short = name.strip_prefix("refs/heads/").unwrap_or(name);
        let restored = crate::git::cli::run_any(
            repo.common_dir(),
            &[
                "update-ref",
                "-m",
                "cekops: restore a branch renamed onto the service branch",
                name,
                commit,
                "",
            ],
        )
        .is_ok_and(|o| o.status == 0);
        notes.push(if restored {
            format!(
                "`{short}` was deleted by the rename before this refusal; cekops created it again at {} (its reflog is not restored)",
                crate::git::short_text(commit)
            )
        } else {
            format!(
                "`{short}` was deleted by the rename before this refusal; create it again with `git branch {short} {commit}`"
            )
        });
    }
    (!notes.is_empty()).then(|| notes.join("\n"))
}

/// The audit findings about commits a push adds to `service` (`new` and its history down to
/// `old`, which was accepted before), as refusal text.
fn audit_push(chart: &Chart, old: Option<Oid>, new: Oid) -> Result<Vec<String>> {
    let stop_at = old.filter(|o| objects::has_commit(&chart.repo, *o));
    let report = audit_chart(chart, Some(&new.to_string()), stop_at)?;
    let mut out = Vec::new();
    for f in report.findings {
        let Some(c) = f.commit.as_deref().and_then(|c| Oid::from_str(c).ok()) else {
            continue;
        };
        if let Some(o) = stop_at
            && objects::is_ancestor(&chart.repo, c, o)?
        {
            continue;
        }
        // The audit names the revision it walked: here, what `service` would become.
        let walked = format!("`{new}`");
        out.push(
            f.message
                .replace(&walked, &format!("`{}`", chart.service_name())),
        );
    }
    Ok(out)
}

fn audit_refusal(refname: &str, service: &str, findings: &[String]) -> Refusal {
    const SHOWN: usize = 5;
    let mut msg = format!(
        "`{service}` moves only by fast-forward to approved commits; `cekops audit` finds:"
    );
    for f in findings.iter().take(SHOWN) {
        msg.push_str(&format!("\n  - {f}"));
    }
    if findings.len() > SHOWN {
        msg.push_str(&format!("\n  - and {} more", findings.len() - SHOWN));
    }
    Refusal::new(refname, msg).hint(format!(
        "`{service}` moves through `cekops review approve <ID>` (then `cekops push`, which sends the approval record with it)"
    ))
}

/// One line of `pre-push` input.
struct PushLine<'a> {
    remote_ref: &'a str,
    local: Option<Value>,
    remote: Option<Value>,
}

fn parse_push_lines(input: &str) -> Vec<PushLine<'_>> {
    input
        .lines()
        .filter_map(|l| {
            let mut p = l.split(' ');
            let _local_ref = p.next()?;
            let local = parse_value(p.next()?);
            let remote_ref = p.next()?;
            let remote = parse_value(p.next()?);
            Some(PushLine {
                remote_ref,
                local,
                remote,
            })
        })
        .collect()
}

/// `pre-push`: refuse pushing a `service` whose new commits `cekops audit` does not accept (with
/// this clone's records), and deleting or rewinding the remote's service or records branch.
pub fn pre_push(dir: &Path, input: &str) -> Result<Vec<Refusal>> {
    let lines = parse_push_lines(input);
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let repo = gh::open_for_hook(dir)?;
    let service_name = Chart::service_name_of(&repo)?;
    let chart = Chart::from_repo(gh::open_for_hook(dir)?);
    let (service, records) = match &chart {
        Ok(c) => (c.service_name().to_string(), c.records_name().to_string()),
        Err(_) => (service_name, Branches::default().records.value),
    };
    let service_ref = format!("refs/heads/{service}");
    let records_ref = format!("refs/heads/{records}");
    let mut out = Vec::new();
    for l in &lines {
        let protected = if l.remote_ref == service_ref {
            &service
        } else if l.remote_ref == records_ref {
            &records
        } else {
            continue;
        };
        let remote = match l.remote {
            Some(Value::Commit(r)) => Some(r),
            _ => None,
        };
        let Some(Value::Commit(local)) = l.local else {
            if remote.is_some() {
                out.push(
                    Refusal::new(
                        l.remote_ref,
                        format!("`{protected}` cannot be deleted on the remote"),
                    )
                    .hint("cekops keeps the service and records branches for good"),
                );
            }
            continue;
        };
        if let Some(remote) = remote {
            let ff =
                objects::has_commit(&repo, remote) && objects::is_ancestor(&repo, remote, local)?;
            if !ff {
                out.push(
                    Refusal::new(
                        l.remote_ref,
                        format!(
                            "`{protected}` on the remote would not be fast-forwarded ({} -> {})",
                            remote.short(),
                            local.short()
                        ),
                    )
                    .hint("fetch first (`cekops fetch`): history on the remote is never rewritten"),
                );
                continue;
            }
        }
        if protected == &service {
            let chart = chart.as_ref().map_err(|e| anyhow::anyhow!("{e:#}"))?;
            let findings = audit_push(chart, remote, local)?;
            if !findings.is_empty() {
                out.push(audit_refusal(l.remote_ref, &service, &findings));
            }
        }
    }
    Ok(out)
}

/// One line of `pre-receive` input.
struct ReceiveLine<'a> {
    old: Option<Value>,
    new: Option<Value>,
    name: &'a str,
}

fn parse_receive_lines(input: &str) -> Vec<ReceiveLine<'_>> {
    input
        .lines()
        .filter_map(|l| {
            let mut p = l.split(' ');
            let old = parse_value(p.next()?);
            let new = parse_value(p.next()?);
            let name = p.next()?;
            Some(ReceiveLine { old, new, name })
        })
        .collect()
}

fn commit_of(v: Option<Value>) -> Option<Oid> {
    match v {
        Some(Value::Commit(c)) => Some(c),
        _ => None,
    }
}

/// `pre-receive` (server): every pushed ref judged with the pushed objects and records.
///
/// - `service` is never deleted and moves only by fast-forward to commits `cekops audit` proves
///   approved, with the records as they are after the push (the approval may come with it).
///   The push that first creates `service` is let through: nothing was approved before it.
/// - The records branch is never deleted or rewound, and no record file disappears.
/// - A test branch whose review is open (after the push) stays where the review pinned it.
pub fn pre_receive(dir: &Path, input: &str) -> Result<Vec<Refusal>> {
    let lines = parse_receive_lines(input);
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let repo = gh::open_for_hook(dir)?;
    let service_name = Chart::service_name_of(&repo)?;
    let service_exists = refs::read(&repo, &format!("refs/heads/{service_name}"))?.is_some();
    let mut chart = match Chart::from_repo(gh::open_for_hook(dir)?) {
        Ok(c) => Some(c),
        Err(_) if !service_exists => None,
        Err(e) => {
            // A service branch whose settings cannot be read: protect everything it names.
            let why = match e.downcast_ref::<crate::error::UserError>() {
                Some(u) => u.message.clone(),
                None => format!("{e:#}"),
            };
            return Ok(vec![
                Refusal::new(
                    &format!("refs/heads/{service_name}"),
                    format!("cannot read the branch chart, so no push is accepted: {why}"),
                )
                .hint("the server's `service` must hold a valid `cekops.toml`"),
            ]);
        }
    };
    let names = match &chart {
        Some(c) => c.branches.clone(),
        None => Branches::default(),
    };
    let service_ref = format!("refs/heads/{}", names.service.value);
    let records_ref = format!("refs/heads/{}", names.records.value);
    let mut out = Vec::new();

    // The records first: the other rules read them as they will be after the push.
    for l in lines.iter().filter(|l| l.name == records_ref) {
        match check_records_move(&repo, l, &names.records.value)? {
            Some(r) => out.push(r),
            None => {
                if let (Some(c), Some(new)) = (chart.as_mut(), commit_of(l.new)) {
                    out.extend(check_record_events(c, l, new)?);
                    c.records = git::records::list(&c.repo, Some(new))?;
                }
            }
        }
    }
    if !out.is_empty() {
        // Without trustworthy records nothing else can be judged.
        return Ok(out);
    }
    let Some(chart) = chart else {
        // No service branch yet: the first push sets the repository up, and pins the name of
        // the service branch it creates (a branch whose `cekops.toml` names itself).
        if repo.local_config(SERVICE_PIN).is_none() {
            for l in &lines {
                let (Some(branch), Some(new)) =
                    (l.name.strip_prefix("refs/heads/"), commit_of(l.new))
                else {
                    continue;
                };
                let names_itself = crate::ops::chart::config_at(&repo, new)
                    .is_some_and(|c| c.branches.service.value == branch);
                if names_itself {
                    super::install::pin_service_name(&repo, branch)?;
                    // Point HEAD at it when HEAD names no existing branch (an empty server's
                    // `master`, or `service` when the chart calls it otherwise), so that a fresh
                    // `git clone` checks the service version out. A client cannot do this.
                    let head_unborn = repo.head_branch().is_some_and(|b| {
                        refs::read(&repo, &refs::branch_ref(&b))
                            .ok()
                            .flatten()
                            .is_none()
                    });
                    if head_unborn {
                        crate::git::worktree::set_head(&repo, branch)?;
                    }
                    break;
                }
            }
        }
        return Ok(out);
    };
    for l in &lines {
        if l.name == service_ref {
            out.extend(check_service_move(&chart, l)?);
            continue;
        }
        let Some(branch) = l.name.strip_prefix("refs/heads/") else {
            continue;
        };
        if let Some(id) = test_id(&names.test.value, branch) {
            out.extend(check_test_move(&chart, l, id, branch)?);
        }
    }
    Ok(out)
}

/// The records branch is append-only: never deleted, only fast-forwarded, and no record file
/// disappears.
fn check_records_move(
    repo: &Repository,
    l: &ReceiveLine<'_>,
    records: &str,
) -> Result<Option<Refusal>> {
    let Some(old) = commit_of(l.old) else {
        return Ok(None);
    };
    let Some(new) = commit_of(l.new) else {
        return Ok(Some(
            Refusal::new(
                l.name,
                format!("`{records}` holds the review records and cannot be deleted"),
            )
            .hint("the records branch is append-only"),
        ));
    };
    if !objects::is_ancestor(repo, old, new)? {
        return Ok(Some(
            Refusal::new(
                l.name,
                format!(
                    "`{records}` is append-only: {} does not contain {} (history would be rewritten)",
                    new.short(),
                    old.short()
                ),
            )
            .hint("fetch the records branch and add to it (`cekops fetch`, then run the command again)"),
        ));
    }
    let removed = objects::removed_files(repo, old, new)?;
    if !removed.is_empty() {
        return Ok(Some(
            Refusal::new(
                l.name,
                format!(
                    "`{records}` is append-only: the push removes {}",
                    removed.join(", ")
                ),
            )
            .hint("records are never removed; a record changes only by gaining events"),
        ));
    }
    Ok(None)
}

/// Every event the push adds to the records branch, checked against the policy and allowed
/// signers on the server's `service` as it is before the push: events already written are never
/// changed or removed, records are numbered in turn, events follow the lifecycle, and each is
/// done by someone the policy allows (with `require_signed`: proved by the commit's signature).
fn check_record_events(chart: &Chart, l: &ReceiveLine<'_>, new: Oid) -> Result<Option<Refusal>> {
    let policy = Policy::of_chart(chart);
    let log = trust::event_log(&chart.repo, Some(new), commit_of(l.old), Some(&policy))?;
    if log.problems.is_empty() {
        return Ok(None);
    }
    const SHOWN: usize = 5;
    let mut msg = format!(
        "`{}` is append-only and every new event must be allowed by the policy on `{}`:",
        chart.records_name(),
        chart.service_name()
    );
    for p in log.problems.iter().take(SHOWN) {
        msg.push_str(&format!(
            "\n  - {} (records commit {})",
            p.message,
            p.commit.short()
        ));
    }
    if log.problems.len() > SHOWN {
        msg.push_str(&format!("\n  - and {} more", log.problems.len() - SHOWN));
    }
    Ok(Some(Refusal::new(l.name, msg).hint(
        "records change only through cekops commands, one signed event at a time; fetch (`cekops fetch`) and run the command again",
    )))
}

/// `service` is never deleted and moves only by fast-forward to approved commits.
fn check_service_move(chart: &Chart, l: &ReceiveLine<'_>) -> Result<Option<Refusal>> {
    let service = chart.service_name();
    let Some(old) = commit_of(l.old) else {
        return Ok(None);
    };
    let Some(new) = commit_of(l.new) else {
        return Ok(Some(
            Refusal::new(
                l.name,
                format!("`{service}` is the service version and cannot be deleted"),
            )
            .hint("stopping an extension is `cekops stop <ID>` and an approval"),
        ));
    };
    if !objects::is_ancestor(&chart.repo, old, new)? {
        return Ok(Some(
            Refusal::new(
                l.name,
                format!(
                    "`{service}` moves only by fast-forward: {} does not contain {}",
                    new.short(),
                    old.short()
                ),
            )
            .hint(format!(
                "`{service}` is never rewritten; fetch it (`cekops fetch`) and have the change approved on top"
            )),
        ));
    }
    let findings = audit_push(chart, Some(old), new)?;
    Ok((!findings.is_empty()).then(|| audit_refusal(l.name, service, &findings)))
}

/// A test branch whose review is open stays at the reviewed commit (`cekops sync` moves both
/// together: the branch and a record event naming the new commit).
fn check_test_move(
    chart: &Chart,
    l: &ReceiveLine<'_>,
    id: &str,
    branch: &str,
) -> Result<Option<Refusal>> {
    if commit_of(l.old) == commit_of(l.new) {
        return Ok(None);
    }
    if commit_of(l.new).is_some()
        && let Ok(Some(rec)) = chart.latest(id)
        && rec.kind == RecordKind::Delete
    {
        let by = rec.request().map(|e| e.email.clone()).unwrap_or_default();
        return Ok(Some(
            Refusal::new(
                l.name,
                format!(
                    "`{branch}` was deleted by {by} (record `{id}/{}.toml`) and stays deleted",
                    rec.number
                ),
            )
            .hint(format!(
                "only `cekops restore {id}` brings it back; drop a stale local copy with `cekops fetch`"
            )),
        ));
    }
    let record = match chart.open_record(id) {
        Ok(r) => r,
        Err(e) => return Ok(Some(Refusal::new(l.name, format!("{e:#}")))),
    };
    let Some(record) = record.filter(|r| r.kind != RecordKind::Stop) else {
        return Ok(None);
    };
    let pinned = record.commit.as_deref().and_then(|c| Oid::from_str(c).ok());
    if let Some(new) = commit_of(l.new)
        && Some(new) == pinned
    {
        return Ok(None);
    }
    let who = record
        .request()
        .map(|e| e.email.clone())
        .unwrap_or_default();
    let what = if commit_of(l.new).is_none() {
        "deleted"
    } else {
        "moved"
    };
    Ok(Some(
        Refusal::new(
            l.name,
            format!(
                "`{branch}` is under review (review #{} requested by {who}) and cannot be {what}",
                record.number
            ),
        )
        .hint(format!(
            "wait for the decision, or withdraw the request with `cekops review cancel {id}` and push again"
        )),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_values_parse() {
        assert_eq!(parse_value(&"0".repeat(40)), Some(Value::None));
        assert_eq!(parse_value("ref:refs/heads/x"), Some(Value::Symbolic));
        assert_eq!(parse_value("zz"), None);
    }
}
