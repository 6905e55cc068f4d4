//! `cekops status`: the console's extension list, derived from git alone (branches, the service
//! tree and the records branch). Status is never stored.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::chart::Chart;
use super::trust::Policy;
use crate::git::Oid;
use crate::git::objects;
use crate::git::refs;
use crate::git::worktree;
use crate::model::Action;
use crate::model::Record;
use crate::model::RecordKind;
use crate::model::RecordState;

/// The console's statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    InDevelopment,
    UnderReview,
    ConfirmationRequired,
    InService,
    /// The test branch was deleted (shown only when asked for by ID).
    Deleted,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::InDevelopment => "In development",
            Status::UnderReview => "Under review",
            Status::ConfirmationRequired => "Confirmation required",
            Status::InService => "In service",
            Status::Deleted => "Deleted",
        }
    }
}

/// Which version a row shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Version {
    CommercialUse,
    Test,
}

impl Version {
    pub fn label(self) -> &'static str {
        match self {
            Version::CommercialUse => "Commercial use",
            Version::Test => "Test",
        }
    }
}

/// One row of the list.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub version: Version,
    pub status: Status,
    pub branch: String,
    pub commit: Option<String>,
    /// Commits on the test branch not on `service`.
    pub ahead: Option<usize>,
    /// Commits on `service` not on the test branch.
    pub behind: Option<usize>,
}

impl Row {
    /// The test version of a branch deleted with a record (no commit: it is gone everywhere).
    fn deleted(branch: String) -> Row {
        Row {
            version: Version::Test,
            status: Status::Deleted,
            branch,
            commit: None,
            ahead: None,
            behind: None,
        }
    }
}

/// The open review or stop request.
#[derive(Clone, Debug, Serialize)]
pub struct OpenReview {
    pub kind: RecordKind,
    pub number: u32,
    pub requested_by: String,
    pub requested_at: String,
    pub message: Option<String>,
    pub commit: Option<String>,
    pub approvals: usize,
    pub required_approvals: u32,
    pub stale: bool,
    pub needs_sync: bool,
}

/// Mark each rejection shown with how its records commit is signed, against the allowed signers
/// on `service`. A rejection closes its record, so the commit that wrote the record's current
/// version is the rejection's: one walk back along the records branch finds them all.
fn mark_feedback(chart: &Chart, extensions: &mut [ExtensionStatus]) -> Result<()> {
    let keys: Vec<(String, u32)> = extensions
        .iter()
        .filter_map(|e| Some((e.id.clone(), e.feedback.as_ref()?.number)))
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    let written = crate::git::records::written_by(&chart.repo, chart.records.tip, &keys)?;
    let policy = Policy::of_chart(chart);
    for e in extensions {
        let Some(f) = e.feedback.as_mut() else {
            continue;
        };
        if let Some(c) = written.get(&(e.id.clone(), f.number)) {
            f.signature = policy.verdict(&chart.repo, *c)?.label();
        }
    }
    Ok(())
}

/// The last reviewer feedback.
#[derive(Clone, Debug, Serialize)]
pub struct Feedback {
    pub number: u32,
    pub by: String,
    /// How the rejection's records commit is signed: `signed-and-verified`,
    /// `signed-unknown-key`, `bad-signature` or `unsigned` (against the allowed signers on
    /// `service`).
    pub signature: &'static str,
    pub at: String,
    pub message: String,
}

/// One extension (or config branch) in the list.
#[derive(Clone, Debug, Serialize)]
pub struct ExtensionStatus {
    pub id: String,
    pub name: Option<String>,
    /// `extension`, or `config` for a test branch that changes only repository-level files.
    pub kind: &'static str,
    pub rows: Vec<Row>,
    pub review: Option<OpenReview>,
    pub feedback: Option<Feedback>,
}

/// Something about the repository the user should know (an interrupted command, a lock).
#[derive(Clone, Debug, Serialize)]
pub struct Note {
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StatusReport {
    pub version: u32,
    pub service: BranchInfo,
    pub records: BranchInfo,
    pub extensions: Vec<ExtensionStatus>,
    pub notes: Vec<Note>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BranchInfo {
    pub branch: String,
    pub commit: Option<String>,
}

/// What the records say about one ID, read from the newest record backwards.
#[derive(Default)]
struct History {
    open: Option<Record>,
    /// The latest decided (not cancelled) review.
    last_decided: Option<Record>,
    /// The latest rejected review (for its feedback), unless an approval came after it.
    last_rejected: Option<Record>,
    /// The latest approval that moved service.
    last_moved: Option<Record>,
    latest_kind: Option<RecordKind>,
    broken: Option<String>,
}

fn history(chart: &Chart, id: &str) -> History {
    let mut h = History::default();
    let mut first = true;
    let res = chart.scan_back(id, |r| {
        if first {
            h.latest_kind = Some(r.kind);
            if r.state == RecordState::Open {
                h.open = Some(r.clone());
            }
            first = false;
        }
        let review = matches!(r.kind, RecordKind::Review | RecordKind::ConfigReview);
        if review
            && h.last_decided.is_none()
            && matches!(r.state, RecordState::Approved | RecordState::Rejected)
        {
            h.last_decided = Some(r.clone());
        }
        if review && h.last_rejected.is_none() && r.state == RecordState::Rejected {
            h.last_rejected = Some(r.clone());
        }
        if h.last_moved.is_none() && r.state == RecordState::Approved && r.kind.is_request() {
            h.last_moved = Some(r.clone());
        }
        // Older rejections were superseded by the decisions found so far.
        h.last_decided.is_some() && h.last_moved.is_some()
    });
    if let Err(e) = res {
        h.broken = Some(e.to_string());
    }
    h
}

/// The extension name from `extension.toml` (only the `name` key is read).
fn ext_name(chart: &Chart, commit: Oid, id: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct NameOnly {
        name: Option<String>,
    }
    let bytes = objects::read_file(
        &chart.repo,
        commit,
        &format!("extensions/{id}/extension.toml"),
    )
    .ok()??;
    let text = String::from_utf8(bytes).ok()?;
    toml::from_str::<NameOnly>(&text).ok()?.name
}

fn moved_pair(r: &Record) -> Option<(Oid, Oid)> {
    let e = r
        .events
        .iter()
        .rev()
        .find(|e| e.action == Action::Approve)?;
    Some((
        Oid::parse(e.service_before.as_deref()?)?,
        Oid::parse(e.service_after.as_deref()?)?,
    ))
}

/// Build the list (all extensions, or one ID).
/// Whether the records branch is missing locally but a remote has it (a fresh clone).
fn records_only_remote(chart: &Chart) -> bool {
    chart.records.tip.is_none()
        && refs::any_matching(
            &chart.repo,
            &format!("refs/remotes/*/{}", chart.records_name()),
        )
}

/// The one command to run next in `dir`, for someone who runs `cekops` without a command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NextStep {
    /// The command line, e.g. `cekops init`.
    pub command: String,
    /// Why, in one sentence about this folder.
    pub why: String,
}

/// What a newcomer should run next in `dir`: `cekops init` outside any extension repository,
/// `cekops fetch` in a fresh clone whose lifecycle branches exist only on the remote, else
/// `cekops status`.
pub fn next_step(dir: &Path) -> NextStep {
    let step = |command: &str, why: String| NextStep {
        command: command.to_string(),
        why,
    };
    let Ok(repo) = crate::git::discover(dir) else {
        return step(
            "cekops init",
            "this folder is not inside a git repository; `cekops init` creates one here with `cekops.toml`, `extensions/` and the `service` branch".into(),
        );
    };
    if repo.is_bare() {
        return step(
            "cekops hooks install --server",
            "this is a bare repository (the one people push to); the server hooks keep `service` and the records to the review policy".into(),
        );
    }
    let service_name = Chart::service_name_of(&repo).ok();
    let service_name = service_name.as_deref().unwrap_or("service");
    let has_local = refs::read(&repo, &refs::branch_ref(service_name))
        .ok()
        .flatten()
        .is_some();
    if !has_local {
        if refs::any_matching(&repo, &format!("refs/remotes/*/{service_name}")) {
            return step(
                "cekops fetch",
                format!(
                    "this clone has no local `{service_name}` branch yet; `cekops fetch` creates it and the records branch from the remote"
                ),
            );
        }
        return step(
            "cekops init",
            format!(
                "this git repository is not an extension repository (no `{service_name}` branch); `cekops init` adds `cekops.toml`, `extensions/` and the `service` branch"
            ),
        );
    }
    match Chart::from_repo(repo) {
        Ok(chart) if records_only_remote(&chart) => step(
            "cekops fetch",
            format!(
                "this clone has no local `{}` branch yet (the lifecycle records); `cekops fetch` creates it from the remote",
                chart.records_name()
            ),
        ),
        _ => step(
            "cekops status",
            "this is an extension repository; `cekops status` shows every extension and what to do next".into(),
        ),
    }
}

pub fn status(dir: &Path, only: Option<&str>) -> Result<StatusReport> {
    let chart = Chart::open(dir)?;
    if let Some(id) = only {
        chart.require_known(id)?;
    }
    let tests: BTreeMap<String, Oid> = chart.test_branches()?.into_iter().collect();
    let served: BTreeSet<String> = objects::extension_folders(&chart.repo, chart.service)?
        .into_iter()
        .collect();
    let mut ids: BTreeSet<String> = tests.keys().cloned().collect();
    ids.extend(served.iter().cloned());
    let mut histories: BTreeMap<String, History> = BTreeMap::new();
    for id in chart.records.by_id.keys() {
        if only.is_some_and(|o| o != id) {
            continue;
        }
        let h = history(&chart, id);
        if h.open.is_some() || only == Some(id.as_str()) {
            ids.insert(id.clone());
        }
        histories.insert(id.clone(), h);
    }
    if let Some(o) = only {
        ids.retain(|i| i == o);
    }
    let mut notes = Vec::new();
    let mut extensions = Vec::new();
    let empty = History::default();
    for id in &ids {
        let h = histories.get(id).unwrap_or(&empty);
        if let Some(b) = &h.broken {
            notes.push(Note {
                message: b.clone(),
                hint: Some(format!(
                    "the status of `{id}` may be incomplete; fix the record with a new commit on `{}`",
                    chart.records_name()
                )),
            });
        }
        let tip = tests.get(id).copied();
        let in_service = served.contains(id);
        let name = tip
            .and_then(|t| ext_name(&chart, t, id))
            .or_else(|| ext_name(&chart, chart.service, id));
        let is_ext = in_service
            || match tip {
                Some(t) => objects::subtree(&chart.repo, t, &Chart::ext_path(id))
                    .ok()
                    .flatten()
                    .is_some(),
                None => h.latest_kind != Some(RecordKind::ConfigReview),
            };
        let mut rows = Vec::new();
        if in_service {
            rows.push(Row {
                version: Version::CommercialUse,
                status: Status::InService,
                branch: chart.service_name().to_string(),
                commit: Some(chart.service.to_string()),
                ahead: None,
                behind: None,
            });
        }
        let open_review = h
            .open
            .as_ref()
            .filter(|r| matches!(r.kind, RecordKind::Review | RecordKind::ConfigReview));
        let test_status = if open_review.is_some() {
            Status::UnderReview
        } else if h
            .last_decided
            .as_ref()
            .is_some_and(|r| r.state == RecordState::Rejected)
        {
            Status::ConfirmationRequired
        } else {
            Status::InDevelopment
        };
        let deleted = h.latest_kind == Some(RecordKind::Delete);
        match tip {
            // A deletion is durable: a local copy left behind does not bring the branch back.
            Some(t) if deleted && open_review.is_none() => {
                rows.push(Row::deleted(chart.test_name(id)));
                notes.push(Note {
                    message: format!(
                        "`{}` was deleted (a deletion record), but this clone still has a copy at {}",
                        chart.test_name(id),
                        t.short()
                    ),
                    hint: Some(format!(
                        "`cekops fetch` removes a copy with nothing of its own; only `cekops restore {id}` brings the branch back"
                    )),
                });
            }
            Some(t) => {
                let (ahead, behind) = objects::ahead_behind(&chart.repo, t, chart.service)?;
                rows.push(Row {
                    version: Version::Test,
                    status: test_status,
                    branch: chart.test_name(id),
                    commit: Some(t.to_string()),
                    ahead: Some(ahead),
                    behind: Some(behind),
                });
            }
            None if open_review.is_some() => {
                rows.push(Row {
                    version: Version::Test,
                    status: Status::UnderReview,
                    branch: chart.test_name(id),
                    commit: None,
                    ahead: None,
                    behind: None,
                });
                notes.push(Note {
                    message: format!(
                        "`{}` is under review but its branch is missing",
                        chart.test_name(id)
                    ),
                    hint: Some(format!(
                        "restore the branch at the reviewed commit, or cancel with `cekops review cancel {id}`"
                    )),
                });
            }
            None if !in_service && deleted => {
                rows.push(Row::deleted(chart.test_name(id)));
            }
            None => {}
        }
        let review = match &h.open {
            Some(r) => {
                let req = r.request();
                let pinned = r.commit.as_deref().and_then(Oid::parse);
                let reviewable = matches!(r.kind, RecordKind::Review | RecordKind::ConfigReview);
                let stale = reviewable && (tip.is_none() || tip != pinned);
                let needs_sync = reviewable
                    && !stale
                    && tip.is_some_and(|t| {
                        !objects::is_ancestor(&chart.repo, chart.service, t).unwrap_or(false)
                    });
                if stale && tip.is_some() {
                    notes.push(Note {
                        message: format!(
                            "review #{} of `{id}` is stale: `{}` moved after the review was requested",
                            r.number,
                            chart.test_name(id)
                        ),
                        hint: Some(format!(
                            "it cannot be approved; cancel it (`cekops review cancel {id}`) and request again"
                        )),
                    });
                }
                Some(OpenReview {
                    kind: r.kind,
                    number: r.number,
                    requested_by: req
                        .map(|e| format!("{} <{}>", e.name, e.email))
                        .unwrap_or_default(),
                    requested_at: req.map(|e| e.at.clone()).unwrap_or_default(),
                    message: req.and_then(|e| e.message.clone()),
                    commit: r.commit.clone(),
                    approvals: r.valid_approvals().len(),
                    required_approvals: chart.required_approvals(),
                    stale,
                    needs_sync,
                })
            }
            None => None,
        };
        let feedback = h.last_rejected.as_ref().and_then(|r| {
            let e = r.events.iter().rev().find(|e| e.action == Action::Reject)?;
            Some(Feedback {
                // Filled in below, for every extension at once.
                signature: "unsigned",
                number: r.number,
                by: format!("{} <{}>", e.name, e.email),
                at: e.at.clone(),
                message: e.message.clone().unwrap_or_default(),
            })
        });
        if rows.is_empty() && review.is_none() && only.is_none() {
            continue;
        }
        extensions.push(ExtensionStatus {
            id: id.clone(),
            name,
            kind: if is_ext { "extension" } else { "config" },
            rows,
            review,
            feedback,
        });
    }
    mark_feedback(&chart, &mut extensions)?;
    if only.is_none() {
        consistency_notes(&chart, &histories, &mut notes)?;
    }
    Ok(StatusReport {
        version: 1,
        service: BranchInfo {
            branch: chart.service_name().to_string(),
            commit: Some(chart.service.to_string()),
        },
        records: BranchInfo {
            branch: chart.records_name().to_string(),
            commit: chart.records.tip.map(|t| t.to_string()),
        },
        extensions,
        notes,
    })
}

/// Explain states an interrupted command (or a move outside cekops) leaves behind.
fn consistency_notes(
    chart: &Chart,
    histories: &BTreeMap<String, History>,
    notes: &mut Vec<Note>,
) -> Result<()> {
    for name in [chart.service_ref(), chart.records_ref()] {
        if let Some(p) = refs::lock_file(&chart.repo, &name) {
            notes.push(Note {
                message: format!("`{name}` is locked (`{}` exists)", p.display()),
                hint: Some(
                    "a git or cekops command is running, or one crashed; if none is running, remove the lock file"
                        .into(),
                ),
            });
        }
    }
    // A fresh clone: the remote's records and test branches have no local copies yet.
    let records_remote = refs::any_matching(
        &chart.repo,
        &format!("refs/remotes/*/{}", chart.records_name()),
    );
    let mut missing = Vec::new();
    if let Some((prefix, suffix)) = chart.branches.test.value.split_once("{id}") {
        for (name, _) in refs::list(&chart.repo, &format!("refs/remotes/*/{prefix}*"))? {
            let Some((_, short)) = name
                .strip_prefix("refs/remotes/")
                .and_then(|r| r.split_once('/'))
            else {
                continue;
            };
            let Some(id) = short
                .strip_prefix(prefix)
                .and_then(|r| r.strip_suffix(suffix))
            else {
                continue;
            };
            if id.is_empty() || id.contains('/') || chart.test_tip(id)?.is_some() {
                continue;
            }
            if histories
                .get(id)
                .is_some_and(|h| h.latest_kind == Some(RecordKind::Delete))
            {
                continue;
            }
            missing.push(format!("`{short}`"));
        }
    }
    missing.sort();
    missing.dedup();
    if (chart.records.tip.is_none() && records_remote) || !missing.is_empty() {
        let what = if chart.records.tip.is_none() && records_remote {
            let mut w = vec![format!("`{}`", chart.records_name())];
            w.extend(missing.iter().cloned());
            w
        } else {
            missing
        };
        notes.push(Note {
            message: format!(
                "the remote has branches this clone has no local copy of yet, so this status is incomplete: {}",
                what.join(", ")
            ),
            hint: Some("run `cekops fetch` to create them".into()),
        });
    }
    if chart.repo.is_shallow() {
        notes.push(Note {
            message: "this is a shallow clone: ahead/behind counts may be wrong".into(),
            hint: Some("run `git fetch --unshallow`".into()),
        });
    }
    if !chart.records.strays.is_empty() {
        notes.push(Note {
            message: format!(
                "`{}` holds files that are not records: {}",
                chart.records_name(),
                chart.records.strays.join(", ")
            ),
            hint: Some("records are `<id>/<number>.toml`; cekops ignores other files".into()),
        });
    }
    // A fresh clone: the records branch exists only as a remote-tracking branch, so no record
    // can be read yet (and every check against them below would mislead). The note above
    // already names it and the command to run.
    let records_not_fetched = records_only_remote(chart);
    // The latest move of service must be explained by an approval.
    let mut explained = false;
    let mut recorded_not_moved = Vec::new();
    for (id, h) in histories {
        let Some(r) = &h.last_moved else { continue };
        let Some((before, after)) = moved_pair(r) else {
            continue;
        };
        if after == chart.service {
            explained = true;
        } else if before == chart.service {
            recorded_not_moved.push((id.clone(), r.number, before, after));
        }
    }
    for (id, number, _before, after) in &recorded_not_moved {
        notes.push(Note {
            message: format!(
                "approval #{number} of `{id}` is recorded but `{}` did not move to {} (the approval was interrupted)",
                chart.service_name(),
                after.short()
            ),
            hint: Some(format!(
                "a reviewer finishes it with `cekops review approve {id}`"
            )),
        });
    }
    let root = objects::commit_info(&chart.repo, chart.service)?
        .parents
        .is_empty();
    if !explained && !root && recorded_not_moved.is_empty() && !records_not_fetched {
        // An open review whose commit service already points at: interrupted the other way round.
        let interrupted = histories.iter().find_map(|(id, h)| {
            let r = h.open.as_ref()?;
            (r.commit.as_deref() == Some(chart.service.to_string().as_str()))
                .then(|| (id.clone(), r.number))
        });
        notes.push(Note {
            message: match &interrupted {
                Some((id, n)) => format!(
                    "`{}` points at the commit of open review #{n} of `{id}`, but no approval is recorded",
                    chart.service_name()
                ),
                None => format!(
                    "`{}` is at {}, which no approval record explains",
                    chart.service_name(),
                    chart.service.short()
                ),
            },
            hint: Some(
                "it moved outside cekops (or an approval was interrupted): run `cekops audit` for the full history"
                    .into(),
            ),
        });
    }
    // A checked-out service work tree left behind by an interrupted update.
    for c in worktree::checkouts_of(&chart.repo, &chart.service_ref())? {
        for h in histories.values() {
            let Some(r) = &h.last_moved else { continue };
            let Some((before, after)) = moved_pair(r) else {
                continue;
            };
            if after != chart.service {
                continue;
            }
            if worktree::index_matches(&c.path, before).unwrap_or(false)
                && !worktree::index_matches(&c.path, after).unwrap_or(true)
            {
                notes.push(Note {
                    message: format!(
                        "the work tree `{}` still holds `{}` from before approval #{} of `{}`",
                        c.path.display(),
                        chart.service_name(),
                        r.number,
                        r.extension
                    ),
                    hint: Some(format!(
                        "update it with `git -C {} read-tree -m -u {before} {after}`",
                        c.path.display()
                    )),
                });
            }
        }
    }
    Ok(())
}
