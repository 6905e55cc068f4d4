//! `cekops hooks install|uninstall` and the checks the hooks run (`cekops hook <name>`).
//!
//! Hook files are small POSIX sh scripts that exec the cekops binary which installed them (with
//! `cekops` on PATH as the fallback). A hook the user already had is renamed to `<name>.local` and
//! runs first (with its own copy of stdin); its failure still stops git. Installing twice writes
//! nothing the second time; `uninstall` removes cekops's hooks and puts `<name>.local` back.

use std::path::Path;
use std::path::PathBuf;
use std::str::FromStr as _;

use anyhow::Context as _;
use anyhow::Result;

use crate::error::refused;
use crate::error::usage;
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

/// The first line after the shebang of every hook cekops writes.
const MARKER: &str = "# cekops-hook:";

pub use crate::git::hooks::INTERNAL_ENV;

/// The hooks cekops writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    /// Validate the staged files; refuse commits on `service` and on a test branch under review.
    PreCommit,
    /// Refuse moving or deleting `service` other than through cekops.
    ReferenceTransaction,
    /// Refuse pushing a `service` that `cekops audit` would not accept.
    PrePush,
    /// Server side: enforce the branch chart on every push.
    PreReceive,
}

impl Hook {
    pub const CLIENT: [Hook; 3] = [Hook::PreCommit, Hook::ReferenceTransaction, Hook::PrePush];
    pub const SERVER: [Hook; 1] = [Hook::PreReceive];

    /// The hook's file name, as git looks it up.
    pub fn name(self) -> &'static str {
        match self {
            Hook::PreCommit => "pre-commit",
            Hook::ReferenceTransaction => "reference-transaction",
            Hook::PrePush => "pre-push",
            Hook::PreReceive => "pre-receive",
        }
    }

    /// Whether git feeds the hook lines on stdin (which a chained hook then needs too).
    fn reads_stdin(self) -> bool {
        !matches!(self, Hook::PreCommit)
    }
}

/// Quote a string for POSIX sh.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The script for one hook, calling `binary` (or `cekops` on PATH when it is gone).
pub fn script(hook: Hook, binary: &Path) -> String {
    let name = hook.name();
    let bin = sh_quote(&binary.to_string_lossy());
    let mut s = format!(
        "#!/bin/sh\n\
         {MARKER} {name}\n\
         # Written by `cekops hooks install`; `cekops hooks uninstall` removes it. A hook you had\n\
         # before is kept as `{name}.local` and runs first.\n\
         cekops={bin}\n\
         [ -x \"$cekops\" ] || cekops=$(command -v cekops) || cekops=\n"
    );
    // Without cekops: a local guard-rail on every ref update must not lock the user out of git;
    // every other hook fails closed.
    let missing = match hook {
        Hook::ReferenceTransaction => format!(
            "if [ -z \"$cekops\" ]; then\n  \
             [ \"$1\" = prepared ] && echo \"cekops {name} hook: cekops is not installed (not at {bin} nor on PATH); service is not protected\" >&2\n  \
             cekops=:\n\
             fi\n"
        ),
        _ => format!(
            "if [ -z \"$cekops\" ]; then\n  \
             echo \"cekops {name} hook: cekops is not installed (not at {bin} nor on PATH)\" >&2\n  \
             echo \"hint: install cekops, or remove the hook with \\`cekops hooks uninstall\\`\" >&2\n  \
             exit 1\n\
             fi\n"
        ),
    };
    s.push_str(&missing);
    if hook.reads_stdin() {
        s.push_str(
            "input=$(cat)\n\
             feed() { [ -z \"$input\" ] || printf '%s\\n' \"$input\"; }\n\
             if [ -x \"$0.local\" ]; then\n  \
             feed | \"$0.local\" \"$@\" || exit $?\n\
             fi\n",
        );
        if hook == Hook::ReferenceTransaction {
            s.push_str("[ \"$1\" = prepared ] || exit 0\n");
        }
        s.push_str(&format!("feed | \"$cekops\" hook {name} \"$@\"\n"));
    } else {
        s.push_str(&format!(
            "if [ -x \"$0.local\" ]; then\n  \
             \"$0.local\" \"$@\" || exit $?\n\
             fi\n\
             exec \"$cekops\" hook {name} \"$@\"\n"
        ));
    }
    s
}

/// Whether a hook file was written by cekops.
fn is_ours(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| {
        String::from_utf8_lossy(&b)
            .lines()
            .take(3)
            .any(|l| l.starts_with(MARKER))
    })
}

#[derive(Clone, Debug)]
pub struct InstallOptions {
    /// A folder inside the repository.
    pub dir: PathBuf,
    /// Install the server hook (`pre-receive`) instead of the client hooks.
    pub server: bool,
    /// The cekops binary the hooks call.
    pub binary: PathBuf,
}

/// What happened to one hook file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Written where there was none.
    Installed,
    /// Already the same script: nothing written.
    Unchanged,
    /// An older cekops script replaced (a different binary path).
    Updated,
    /// Written; the user's hook was kept as `<name>.local` and runs first.
    Chained,
    /// Uninstall: removed.
    Removed,
    /// Uninstall: removed and the user's `<name>.local` put back.
    Restored,
    /// Uninstall: the hook is not cekops's and was left as it is.
    NotOurs,
    /// Uninstall: there was no hook.
    Absent,
}

#[derive(Clone, Debug)]
pub struct HookChange {
    pub hook: Hook,
    pub path: PathBuf,
    pub action: Action,
}

#[derive(Clone, Debug)]
pub struct HooksReport {
    pub dir: PathBuf,
    pub changes: Vec<HookChange>,
    /// `--server` with HEAD on a branch that does not exist (and is not `service`): the hook finds a
    /// service branch not called `service` through HEAD's `cekops.toml`.
    pub unborn_head: Option<String>,
}

fn open(dir: &Path) -> Result<Repository> {
    git::discover(dir).map_err(|_| {
        usage(format!(
            "`{}` is not inside a git repository",
            dir.display()
        ))
        .hint("run it inside the extension repository (or give one with `-C DIR`)")
        .into()
    })
}

fn local_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".local");
    PathBuf::from(s)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut perm = std::fs::metadata(path)?.permissions();
    perm.set_mode(perm.mode() | 0o755);
    std::fs::set_permissions(path, perm)
        .with_context(|| format!("cannot make `{}` executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<()> {
    Ok(())
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Write the hooks. Every refusal happens before anything is written.
pub fn install(opts: &InstallOptions) -> Result<HooksReport> {
    let repo = open(&opts.dir)?;
    let hooks = if opts.server {
        &Hook::SERVER[..]
    } else {
        if repo.is_bare() {
            return Err(refused(
                "this is a bare repository: it has no commits of its own to check",
            )
            .hint(
                "for a server repository, install the server hook: `cekops hooks install --server`",
            )
            .into());
        }
        &Hook::CLIENT[..]
    };
    let dir = gh::hooks_dir(&repo)?;
    let mut plan = Vec::new();
    for &hook in hooks {
        let path = dir.join(hook.name());
        let text = script(hook, &opts.binary);
        let action = if !exists(&path) {
            Action::Installed
        } else if is_ours(&path) {
            if std::fs::read(&path).is_ok_and(|b| b == text.as_bytes()) {
                Action::Unchanged
            } else {
                Action::Updated
            }
        } else {
            let local = local_of(&path);
            if exists(&local) {
                return Err(refused(format!(
                    "both `{}` and `{}` exist and neither was written by cekops",
                    path.display(),
                    local.display()
                ))
                .hint(format!(
                    "cekops keeps your `{0}` hook as `{0}.local`; merge the two into one hook first, then run `cekops hooks install` again (nothing was written)",
                    hook.name()
                ))
                .into());
            }
            Action::Chained
        };
        plan.push((hook, path, text, action));
    }
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the hooks folder `{}`", dir.display()))?;
    let mut changes = Vec::new();
    for (hook, path, text, action) in plan {
        match action {
            Action::Unchanged => {}
            Action::Chained => {
                let local = local_of(&path);
                std::fs::rename(&path, &local).with_context(|| {
                    format!("cannot move `{}` to `{}`", path.display(), local.display())
                })?;
                write_hook(&path, &text)?;
            }
            _ => write_hook(&path, &text)?,
        }
        changes.push(HookChange { hook, path, action });
    }
    let unborn_head = if opts.server {
        repo.head_branch().filter(|b| {
            b != "service"
                && refs::read(&repo, &format!("refs/heads/{b}"))
                    .ok()
                    .flatten()
                    .is_none()
        })
    } else {
        None
    };
    Ok(HooksReport {
        dir,
        changes,
        unborn_head,
    })
}

fn write_hook(path: &Path, text: &str) -> Result<()> {
    // Write beside it and rename, so git never runs a half-written hook.
    let tmp = path.with_extension("cekops-tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write `{}`", tmp.display()))?;
    make_executable(&tmp)?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write `{}`", path.display()))
}

/// Remove cekops's hooks (client and server) and put chained user hooks back.
pub fn uninstall(dir: &Path) -> Result<HooksReport> {
    let repo = open(dir)?;
    let hooks_dir = gh::hooks_dir(&repo)?;
    let mut changes = Vec::new();
    for hook in Hook::CLIENT.into_iter().chain(Hook::SERVER) {
        let path = hooks_dir.join(hook.name());
        let local = local_of(&path);
        let action = if !exists(&path) {
            if exists(&local) {
                std::fs::rename(&local, &path)
                    .with_context(|| format!("cannot restore `{}`", local.display()))?;
                Action::Restored
            } else {
                Action::Absent
            }
        } else if !is_ours(&path) {
            Action::NotOurs
        } else {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove `{}`", path.display()))?;
            if exists(&local) {
                std::fs::rename(&local, &path)
                    .with_context(|| format!("cannot restore `{}`", local.display()))?;
                Action::Restored
            } else {
                Action::Removed
            }
        };
        changes.push(HookChange { hook, path, action });
    }
    Ok(HooksReport {
        dir: hooks_dir,
        changes,
        unborn_head: None,
    })
}

// ---------------------------------------------------------------------------------------------
// The checks.

/// One refused ref update (or commit), with the reason shown to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The full ref name (`refs/heads/service`) the refusal is about.
    pub refname: String,
    pub message: String,
    pub hint: Option<String>,
}

impl Refusal {
    fn new(refname: &str, message: impl Into<String>) -> Self {
        Self {
            refname: refname.to_string(),
            message: message.into(),
            hint: None,
        }
    }
    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

fn short(id: Oid) -> String {
    crate::git::short(id)
}

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

/// `reference-transaction`: refuse, in the `prepared` state, any move or deletion of the service
/// branch that cekops did not make. Moves cekops makes itself go through the git library (which runs no
/// hooks) or carry [`INTERNAL_ENV`]. A fast-forward of `service` to a commit a remote's
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
        let (Some(_old), Some(new), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if name != service_ref {
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
            (Some(_), Some(Value::None)) => Some(
                Refusal::new(name, format!("{} (refused deleting it)", protected())).hint(
                    "stopping an extension is `cekops stop <ID>`; nothing else removes what is in service",
                ),
            ),
            (Some(cur), Some(Value::Commit(n))) => {
                let ff = objects::has_commit(&repo, n) && objects::is_ancestor(&repo, cur, n)?;
                let upstream = refs::remote_tracking_tips(&repo, &service)
                    .into_iter()
                    .any(|t| objects::is_ancestor(&repo, n, t).unwrap_or(false));
                (!(ff && upstream)).then(|| {
                    Refusal::new(
                        name,
                        format!("{} (refused {} -> {})", protected(), short(cur), short(n)),
                    )
                    .hint(format!(
                        "commit on a test branch and run `cekops review request <ID>`; `cekops review approve <ID>` moves `{service}`, and `cekops fetch` follows the remote's"
                    ))
                })
            }
            (Some(_), _) => Some(Refusal::new(name, protected())),
        };
        out.extend(refusal);
    }
    Ok(out)
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
                            short(remote),
                            short(local)
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
        // No service branch yet: the first push sets the repository up.
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
                    short(new),
                    short(old)
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
                    short(new),
                    short(old)
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
    fn quoting_survives_quotes_and_spaces() {
        assert_eq!(sh_quote("/a b/c"), "'/a b/c'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn scripts_carry_the_marker_and_the_fallback() {
        for hook in Hook::CLIENT.into_iter().chain(Hook::SERVER) {
            let s = script(hook, Path::new("/opt/cekops"));
            assert!(s.starts_with("#!/bin/sh\n# cekops-hook: "));
            assert!(s.contains("cekops='/opt/cekops'"));
            assert!(s.contains("command -v cekops"));
            assert!(s.contains(&format!("hook {} \"$@\"", hook.name())));
        }
    }

    #[test]
    fn hook_values_parse() {
        assert_eq!(parse_value(&"0".repeat(40)), Some(Value::None));
        assert_eq!(parse_value("ref:refs/heads/x"), Some(Value::Symbolic));
        assert_eq!(parse_value("zz"), None);
    }
}
