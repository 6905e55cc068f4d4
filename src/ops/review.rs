//! `cekops review request|cancel|approve|reject|show|list`: the review workflow on the records
//! branch; the last required approval fast-forwards `service` in the same ref transaction.

use std::path::Path;
use std::path::PathBuf;

use anyhow::Result;

use super::chart::Chart;
use super::chart::Scope;
use super::trust;
use super::trust::EventLog;
use super::trust::Need;
use super::trust::Policy;
use super::validate::Source;
use super::validate::ValidateOptions;
use crate::diag::Report;
use crate::error::UserError;
use crate::error::refused;
use crate::error::usage;
use crate::git::Oid;
use crate::git::identity::Identity;
use crate::git::objects;
use crate::git::refs::RefUpdate;
use crate::git::short_text;
use crate::git::worktree;
use crate::model::Action;
use crate::model::Event;
use crate::model::ForgeAttestation;
use crate::model::RECORD_FORMAT;
use crate::model::Record;
use crate::model::RecordKind;
use crate::model::RecordState;
use crate::model::ValidationSummary;
use crate::rules::Stage;

/// A new event by `who`.
pub fn event(action: Action, who: &Identity, message: Option<String>) -> Event {
    Event {
        action,
        name: who.name.clone(),
        email: who.email.clone(),
        at: who.timestamp(),
        message,
        commit: None,
        tree: None,
        service_before: None,
        service_after: None,
        validation: None,
        forge: None,
    }
}

/// An event done on a forge's pull request and recorded by the CI job (`cekops ci`).
#[derive(Clone, Debug)]
pub struct Via {
    pub attestation: ForgeAttestation,
    /// The identity `[forge]` on `service` maps the login to (`None`: unmapped).
    pub identity: Option<String>,
    /// The commit the forge names as the pull request's head (request, re-pin) or as the
    /// reviewed commit (approve, reject): the record must be about exactly this commit.
    pub head: Option<Oid>,
}

/// Who does an event: the identity the event names, and the author of its records commit
/// (the same person, except for forge events, which the CI identity writes).
struct Acting {
    event: Identity,
    author: Identity,
    forge: Option<ForgeAttestation>,
}

impl Acting {
    fn plain(who: Identity) -> Acting {
        Acting {
            event: who.clone(),
            author: who,
            forge: None,
        }
    }
    fn event(&self, action: Action, message: Option<String>) -> Event {
        let mut e = event(action, &self.event, message);
        e.forge = self.forge.clone();
        e
    }
}

/// The CI job's identity: the git author (under `require_signed`, the principal of its signing
/// key), which must be `[forge] ci_identity` on `service`.
fn ci_author(chart: &Chart, policy: &Policy) -> Result<Identity> {
    let Some(ci) = chart.forge.ci_identity.as_ref() else {
        return Err(refused(format!(
            "`[forge] ci_identity` is not set in `cekops.toml` on `{}`: forge reviews cannot be recorded",
            chart.service_name()
        ))
        .hint("add `[forge] ci_identity = \"cekops-ci@example.com\"` through a config review and run the CI job as that identity (GIT_AUTHOR_EMAIL, GIT_COMMITTER_EMAIL)")
        .into());
    };
    let me = trust::actor(chart, policy, &Need::Anyone)?;
    if trust::normalise_identity(&me.email) != trust::normalise_identity(&ci.value) {
        return Err(refused(format!(
            "the CI job records as {}, but `[forge] ci_identity` on `{}` is {}",
            me.email,
            chart.service_name(),
            ci.value
        ))
        .hint("run the job with GIT_AUTHOR_EMAIL and GIT_COMMITTER_EMAIL set to the CI identity (under `require_signed`, with the key the allowed-signers file lists for it)")
        .into());
    }
    Ok(me)
}

fn acting_via(chart: &Chart, policy: &Policy, via: &Via) -> Result<Acting> {
    let author = ci_author(chart, policy)?;
    let mut who = author.clone();
    who.name = format!("{}:{}", via.attestation.name, via.attestation.login);
    if let Some(m) = &via.identity {
        who.email = m.clone();
    }
    Ok(Acting {
        event: who,
        author,
        forge: Some(via.attestation.clone()),
    })
}

fn head_mismatch(branch: &str, head: Oid, tip: Oid) -> anyhow::Error {
    refused(format!(
        "the pull request's head {} is not the tip of `{branch}` ({}): the branch moved again",
        head.short(),
        tip.short()
    ))
    .hint("the run for the newer push records it; nothing was changed here")
    .into()
}

/// Validate a commit with service rules (only `id`'s extension for an extension review).
fn validate_commit(chart: &Chart, kind: RecordKind, id: &str, commit: Oid) -> Result<Report> {
    let ids = if kind == RecordKind::ConfigReview {
        Vec::new()
    } else {
        vec![id.to_string()]
    };
    let outcome = super::validate::validate(&ValidateOptions {
        source: Source::Rev(chart.git_dir().to_path_buf(), commit.to_string()),
        ids,
        stage: Some(Stage::Service),
    })?;
    Ok(outcome.report)
}

/// Refuse a test branch that touches more than one review may: what kind of review it is.
fn review_kind(chart: &Chart, id: &str, tip: Oid) -> Result<RecordKind> {
    let branch = chart.test_name(id);
    match chart.scope(id, tip)? {
        Scope::Extension => {
            if objects::subtree(&chart.repo, tip, &Chart::ext_path(id))?.is_none() {
                return Err(refused(format!(
                    "`{branch}` removes `extensions/{id}/`: a review cannot take an extension out of service"
                ))
                .hint(format!("to stop serving it, run `cekops stop {id} --reason TEXT`"))
                .into());
            }
            Ok(RecordKind::Review)
        }
        Scope::Config => Ok(RecordKind::ConfigReview),
        Scope::Empty => Err(refused(format!(
            "`{branch}` has no changes from `{}`: nothing to review",
            chart.service_name()
        ))
        .hint(format!("commit your changes on `{branch}` first"))
        .into()),
        Scope::Mixed(paths) => {
            let mut list: Vec<String> = paths.iter().take(5).map(|p| format!("`{p}`")).collect();
            if paths.len() > 5 {
                list.push(format!("and {} more", paths.len() - 5));
            }
            Err(refused(format!(
                "`{branch}` touches files outside `extensions/{id}/`: {}",
                list.join(", ")
            ))
            .hint(format!(
                "an extension review may change only its own folder, and a config review only repository-level files; move the other changes to their own test branch (`git diff {}...{branch} --stat`)",
                chart.service_name()
            ))
            .into())
        }
    }
}

/// Outcome of a step that validates first.
#[derive(Debug)]
pub enum Checked<T> {
    Done(T),
    /// `validate` with service rules found errors; nothing was changed.
    Invalid {
        report: Report,
        commit: Oid,
    },
}

/// What `review request` recorded.
#[derive(Debug)]
pub struct Requested {
    pub record: Record,
    pub warnings: usize,
}

pub struct RequestOptions {
    pub dir: PathBuf,
    pub id: String,
    pub message: String,
    /// Requested on a forge's pull request (`cekops ci`).
    pub via: Option<Via>,
}

/// `review request`: validate the test branch with service rules and open a review record pinned
/// to its commit and to the tree of `extensions/<id>/`.
pub fn request(opts: &RequestOptions) -> Result<Checked<Requested>> {
    let chart = Chart::open(&opts.dir)?;
    let id = opts.id.as_str();
    chart.require_known(id)?;
    let policy = Policy::of_chart(&chart);
    let act = match &opts.via {
        Some(v) => acting_via(&chart, &policy, v)?,
        None => Acting::plain(trust::actor(&chart, &policy, &Need::Anyone)?),
    };
    let branch = chart.test_name(id);
    let Some(tip) = chart.test_tip(id)? else {
        return Err(refused(format!("there is no `{branch}` branch to review"))
            .hint(format!(
                "create it from `{}` (`cekops new {id}`, or `cekops restore {id}` after a delete)",
                chart.service_name()
            ))
            .into());
    };
    if let Some(head) = opts.via.as_ref().and_then(|v| v.head)
        && head != tip
    {
        return Err(head_mismatch(&branch, head, tip));
    }
    if let Some(open) = chart.open_record(id)? {
        return Err(already_open(&open));
    }
    let kind = review_kind(&chart, id, tip)?;
    let report = validate_commit(&chart, kind, id, tip)?;
    if report.errors() > 0 {
        return Ok(Checked::Invalid {
            report,
            commit: tip,
        });
    }
    let number = chart.records.next_number(id)?;
    let mut ev = act.event(Action::Request, Some(opts.message.clone()));
    ev.commit = Some(tip.to_string());
    ev.validation = Some(ValidationSummary {
        errors: report.errors() as u32,
        warnings: report.warnings() as u32,
    });
    let tree = chart.review_tree(kind, id, tip)?;
    let record = Record {
        format: RECORD_FORMAT,
        kind,
        extension: id.to_string(),
        number,
        state: RecordState::Open,
        branch: branch.clone(),
        commit: Some(tip.to_string()),
        tree: tree.map(|t| t.to_string()),
        base: Some(chart.service.to_string()),
        events: vec![ev],
    };
    // The test branch must not move while the record is written.
    let pin = RefUpdate {
        name: chart.test_ref(id),
        old: Some(tip),
        new: Some(tip),
    };
    chart.commit_record(
        &record,
        &format!("review request {id} #{number}"),
        &act.author,
        None,
        vec![pin],
    )?;
    Ok(Checked::Done(Requested {
        record,
        warnings: report.warnings(),
    }))
}

/// A review that followed its pull request's new head: (the old commit, the new one, the record).
pub type Repinned = Option<(Oid, Oid, Record)>;

/// A push to a pull request under review (`cekops ci`): the open review follows the new head
/// with a `sync` event, as `cekops sync` moves it, after validating the new head with service
/// rules. Approvals stay valid only for the tree they approved, so a changed extension drops
/// them. `None`: the review was already pinned to the head.
pub fn repin_via(dir: &Path, id: &str, via: &Via) -> Result<Checked<Repinned>> {
    let chart = Chart::open(dir)?;
    chart.require_known(id)?;
    let policy = Policy::of_chart(&chart);
    let act = acting_via(&chart, &policy, via)?;
    let branch = chart.test_name(id);
    let Some(mut record) = chart.open_record(id)? else {
        return Err(no_open(id));
    };
    let Some(tip) = chart.test_tip(id)? else {
        return Err(refused(format!("there is no `{branch}` branch to review")).into());
    };
    if let Some(head) = via.head
        && head != tip
    {
        return Err(head_mismatch(&branch, head, tip));
    }
    let pinned = record.commit.as_deref().and_then(Oid::parse);
    if pinned == Some(tip) {
        return Ok(Checked::Done(None));
    }
    let kind = review_kind(&chart, id, tip)?;
    if kind != record.kind {
        return Err(refused(format!(
            "`{branch}` is now a {} rather than a {}",
            kind.as_str(),
            record.kind.as_str()
        ))
        .hint("close the pull request (which cancels the review) and open a new one")
        .into());
    }
    let report = validate_commit(&chart, kind, id, tip)?;
    if report.errors() > 0 {
        return Ok(Checked::Invalid {
            report,
            commit: tip,
        });
    }
    let tree = chart.review_tree(kind, id, tip)?.map(|t| t.to_string());
    let mut ev = act.event(
        Action::Sync,
        Some(format!(
            "{} pull request #{} updated",
            via.attestation.name, via.attestation.pull_request
        )),
    );
    ev.commit = Some(tip.to_string());
    ev.tree = tree.clone();
    ev.validation = Some(ValidationSummary {
        errors: 0,
        warnings: report.warnings() as u32,
    });
    record.events.push(ev);
    record.commit = Some(tip.to_string());
    record.tree = tree;
    record.base = Some(chart.service.to_string());
    let pin = RefUpdate {
        name: chart.test_ref(id),
        old: Some(tip),
        new: Some(tip),
    };
    chart.commit_record(
        &record,
        &format!("sync {id} #{} (pull request updated)", record.number),
        &act.author,
        None,
        vec![pin],
    )?;
    Ok(Checked::Done(Some((pinned.unwrap_or(tip), tip, record))))
}

fn already_open(open: &Record) -> anyhow::Error {
    let who = open.request().map(|e| e.email.clone()).unwrap_or_default();
    let what = if open.kind == RecordKind::Stop {
        "a stop request"
    } else {
        "a review"
    };
    refused(format!(
        "`{}` already has {what} open (#{} by {who})",
        open.extension, open.number
    ))
    .hint(format!(
        "see it with `cekops review show {}`; withdraw it with `cekops review cancel {}`",
        open.extension, open.extension
    ))
    .into()
}

fn no_open(id: &str) -> anyhow::Error {
    refused(format!("`{id}` has no open review or stop request"))
        .hint(format!(
            "request one with `cekops review request {id} -m MESSAGE`"
        ))
        .into()
}

/// `review cancel`: withdraw the open review (or stop request); the extension returns to its
/// previous status and the test branch unlocks.
pub fn cancel(dir: &Path, id: &str, message: Option<String>) -> Result<Record> {
    cancel_via(dir, id, message, None)
}

/// [`cancel`], or the cancel of a closed pull request recorded by the CI job (`via`).
pub fn cancel_via(
    dir: &Path,
    id: &str,
    message: Option<String>,
    via: Option<&Via>,
) -> Result<Record> {
    let chart = Chart::open(dir)?;
    chart.require_known(id)?;
    let Some(record) = chart.open_record(id)? else {
        return Err(no_open(id));
    };
    let policy = Policy::of_chart(&chart);
    let log = trust::event_log(&chart.repo, chart.records.tip, None, None)?;
    let requester = requester_identity(&chart, &policy, &record, &log)?.unwrap_or_default();
    if let Some(v) = via {
        let act = acting_via(&chart, &policy, v)?;
        return finish_cancel(&chart, record, &act, message);
    }
    let actor =
        trust::actor(&chart, &policy, &Need::RequesterOrReviewer(requester)).map_err(|e| {
            match e.downcast::<UserError>() {
                Ok(u) => refused(format!(
                    "only the requester of `{id}` #{} or a reviewer may cancel it ({})",
                    record.number, u.message
                ))
                .hint(u.hint.unwrap_or_default())
                .into(),
                Err(e) => e,
            }
        })?;
    finish_cancel(&chart, record, &Acting::plain(actor), message)
}

fn finish_cancel(
    chart: &Chart,
    mut record: Record,
    act: &Acting,
    message: Option<String>,
) -> Result<Record> {
    record.events.push(act.event(Action::Cancel, message));
    record.state = RecordState::Cancelled;
    chart.commit_record(
        &record,
        &format!("review cancel {} #{}", record.extension, record.number),
        &act.author,
        None,
        Vec::new(),
    )?;
    Ok(record)
}

/// The identity deciding `record` under the policy on `service` (with `require_signed`, the
/// reviewer principal of the user's signing key), after checking it may decide it.
fn decider(
    chart: &Chart,
    policy: &Policy,
    record: &Record,
    log: &EventLog,
    via: Option<&Via>,
) -> Result<Acting> {
    if chart.reviewers().is_empty() {
        return Err(refused(format!(
            "`cekops.toml` on `{}` lists no reviewers, so nobody can decide reviews",
            chart.service_name()
        ))
        .hint("add `[review] reviewers = [\"you@example.com\"]` through a config review (bootstrap: commit it on the service branch with `cekops init`)")
        .into());
    }
    let act = match via {
        Some(v) => {
            let act = acting_via(chart, policy, v)?;
            let f = &v.attestation;
            match &v.identity {
                None => {
                    return Err(refused(format!(
                        "the {} login `{}` is not mapped to a person in `[forge] {}` of `cekops.toml` on `{}`",
                        f.name,
                        f.login,
                        f.name,
                        chart.service_name()
                    ))
                    .hint(format!("map it through a config review: `[forge] {} = {{ {} = \"someone@example.com\" }}`", f.name, f.login))
                    .into());
                }
                Some(m) if !policy.is_reviewer(m) => {
                    return Err(refused(format!(
                        "the {} login `{}` maps to {m}, who is not in `[review] reviewers` on `{}`",
                        f.name,
                        f.login,
                        chart.service_name()
                    ))
                    .hint(format!("reviewers: {}", chart.reviewers().join(", ")))
                    .into());
                }
                Some(_) => act,
            }
        }
        None => Acting::plain(decider_actor(chart, policy)?),
    };
    let actor = &act.event;
    let requester = requester_identity(chart, policy, record, log)?;
    if requester.as_deref() == Some(trust::normalise_identity(&actor.email).as_str())
        && !policy.review.allow_self_approval
    {
        return Err(refused(format!(
            "{} requested `{}` #{} and cannot decide it too",
            actor.email, record.extension, record.number
        ))
        .hint("another reviewer must decide it (`allow_self_approval = true` in `cekops.toml` changes this); identities are compared lower-cased and without a `+tag`")
        .into());
    }
    Ok(act)
}

/// The user deciding a review from the command line: a reviewer.
fn decider_actor(chart: &Chart, policy: &Policy) -> Result<Identity> {
    trust::actor(chart, policy, &Need::Reviewer).map_err(|e| match e.downcast::<UserError>() {
        Ok(u) if !policy.review.require_signed => refused(format!(
            "{}: only the reviewers listed in `cekops.toml` on `{}` may decide reviews",
            u.message.split(':').next().unwrap_or_default(),
            chart.service_name()
        ))
        .hint(format!(
            "reviewers: {} (your identity comes from GIT_AUTHOR_EMAIL or `git config user.email`)",
            chart.reviewers().join(", ")
        ))
        .into(),
        Ok(u) => u.into(),
        Err(e) => e,
    })
}

/// The normalised identity that requested `record` (`None`: it cannot be proved).
fn requester_identity(
    chart: &Chart,
    policy: &Policy,
    record: &Record,
    log: &EventLog,
) -> Result<Option<String>> {
    let Some(req) = record.request() else {
        return Ok(None);
    };
    let first = log.of(record).first().copied();
    Ok(policy
        .identity(&chart.repo, req, first, &Need::Anyone)?
        .ok()
        .map(|i| trust::normalise_identity(&i)))
}

/// What a decision did.
#[derive(Debug)]
pub struct Decided {
    pub record: Record,
    /// Distinct valid approvals so far, and how many the policy wants.
    pub approvals: usize,
    pub required: u32,
    /// When `service` moved: (before, after).
    pub moved: Option<(Oid, Oid)>,
    /// Work trees with `service` checked out that were brought up to date.
    pub updated_checkouts: Vec<PathBuf>,
    /// Work trees that could not be updated (the message says how to finish).
    pub checkout_problems: Vec<String>,
    /// This run finished an approval that an earlier, interrupted run had recorded.
    pub resumed: bool,
    /// What went live when `service` moved: computed before it moved.
    pub changes: Option<super::diff::DiffOutcome>,
}

/// What moving `service` from `from` to `to` brings for record `id`: the semantic diff of the
/// extension and the plain diffs of every other file.
fn going_live(
    chart: &Chart,
    kind: RecordKind,
    id: &str,
    from: Oid,
    to: Oid,
) -> Result<super::diff::DiffOutcome> {
    let mut outcome = super::diff::diff(&super::diff::DiffOptions {
        dir: chart.git_dir().to_path_buf(),
        id: Some(id.to_string()),
        from: Some(from.to_string()),
        to: Some(to.to_string()),
        work_tree: false,
    })?;
    outcome.sides.from = chart.service_name().to_string();
    outcome.sides.to = if kind == RecordKind::Stop {
        format!("{} without `{id}`", chart.service_name())
    } else {
        "the reviewed commit".to_string()
    };
    Ok(outcome)
}

/// Refuse when a checked-out `service` work tree has changes the update would overwrite.
fn service_checkouts(chart: &Chart, new: Oid) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for c in worktree::checkouts_of(&chart.repo, &chart.service_ref())? {
        let blocking = worktree::blocking_changes(&c.path, Some(new))?;
        if !blocking.is_empty() {
            let list: Vec<String> = blocking.iter().take(5).map(|p| format!("`{p}`")).collect();
            return Err(refused(format!(
                "`{}` is checked out in `{}` with uncommitted changes ({}); nothing was changed",
                chart.service_name(),
                c.path.display(),
                list.join(", ")
            ))
            .hint("commit them on a test branch, stash or discard them, then approve again")
            .into());
        }
        // The work tree must be able to follow before `service` moves (a touched file, a
        // half-staged index): refuse now rather than report success with a stale index.
        worktree::check_advance(&c.path, chart.service, new).map_err(|e| {
            refused(format!(
                "`{}` is checked out in `{}`, whose files cannot be updated ({e}); nothing was changed",
                chart.service_name(),
                c.path.display()
            ))
            .hint("commit them on a test branch, stash or discard them, then approve again")
        })?;
        out.push(c.path);
    }
    Ok(out)
}

fn advance_checkouts(paths: &[PathBuf], old: Oid, new: Oid, d: &mut Decided) {
    for p in paths {
        match worktree::advance(p, old, new) {
            Ok(()) => d.updated_checkouts.push(p.clone()),
            Err(e) => d.checkout_problems.push(format!(
                "the work tree `{}` still holds the previous version ({e}); update it with `git -C {} read-tree -m -u {old} {new}`",
                p.display(),
                p.display()
            )),
        }
    }
}

/// `review approve`: one approval; the last required one fast-forwards `service` (or, for a stop
/// request, commits the removal of `extensions/<id>/`) atomically with the record.
pub fn approve(dir: &Path, id: &str, message: Option<String>) -> Result<Checked<Decided>> {
    approve_via(dir, id, message, None)
}

/// [`approve`], or an approval on a forge's pull request recorded by the CI job (`via`): the
/// reviewed commit the forge names must be the one the review is pinned to.
pub fn approve_via(
    dir: &Path,
    id: &str,
    message: Option<String>,
    via: Option<&Via>,
) -> Result<Checked<Decided>> {
    let chart = Chart::open(dir)?;
    chart.require_known(id)?;
    chart.require_full_history()?;
    let policy = Policy::of_chart(&chart);
    let log = trust::event_log(&chart.repo, chart.records.tip, None, None)?;
    let Some(mut record) = chart.open_record(id)? else {
        if via.is_none()
            && let Some(d) = resume_interrupted(&chart, &policy, &log, id)?
        {
            return Ok(Checked::Done(d));
        }
        return Err(no_open(id));
    };
    let act = decider(&chart, &policy, &record, &log, via)?;
    if let Some(head) = via.and_then(|v| v.head) {
        let pinned = record.commit.as_deref().and_then(Oid::parse);
        if pinned != Some(head) {
            return Err(refused(format!(
                "the review approved {}, but review #{} of `{id}` is pinned to {}: the head moved after the review",
                head.short(),
                record.number,
                pinned.map(|p| p.short()).unwrap_or_default()
            ))
            .hint("approve the pull request's current head again (its plan comment names it)")
            .into());
        }
    }
    let actor = &act.event;
    let (valid, _) = policy.approvals(&chart.repo, &record, log.of(&record))?;
    let me = trust::normalise_identity(&actor.email);
    let already = valid.iter().any(|v| trust::normalise_identity(v) == me);
    // Two CI jobs recording the last approvals at once (each "1 of 2"): the records merge with
    // both approvals and nothing moved. The job whose approval is already there finishes the
    // move with one more approve event of the same reviewer (counted once).
    let finishing = already && via.is_some() && valid.len() as u32 >= policy.required();
    if already && !finishing {
        return Err(refused(format!(
            "{} already approved `{id}` #{}",
            actor.email, record.number
        ))
        .hint(format!(
            "{} of {} approvals so far; another reviewer must approve",
            valid.len(),
            policy.required()
        ))
        .into());
    }
    let required = policy.required();
    let mut ev = act.event(Action::Approve, message);
    ev.tree = record.tree.clone();
    let (target, before) = match record.kind {
        RecordKind::Review | RecordKind::ConfigReview => {
            let commit = check_reviewable(&chart, &record)?;
            let report = validate_commit(&chart, record.kind, id, commit)?;
            if report.errors() > 0 {
                return Ok(Checked::Invalid { report, commit });
            }
            ev.commit = Some(commit.to_string());
            (commit, chart.service)
        }
        RecordKind::Stop => {
            if !chart.in_service(id)? {
                return Err(refused(format!(
                    "`{id}` is no longer in service on `{}`; the stop request cannot be approved",
                    chart.service_name()
                ))
                .hint(format!("cancel it with `cekops review cancel {id}`"))
                .into());
            }
            (chart.service, chart.service)
        }
        RecordKind::Delete | RecordKind::Restore => return Err(no_open(id)),
    };
    // Only approvals this policy proves count (with `require_signed`: signed by a reviewer's key).
    let count = if finishing {
        valid.len()
    } else {
        valid.len() + 1
    };
    if (count as u32) < required {
        record.events.push(ev);
        chart.commit_record(
            &record,
            &format!(
                "review approve {id} #{} ({count} of {required})",
                record.number
            ),
            &act.author,
            None,
            Vec::new(),
        )?;
        return Ok(Checked::Done(Decided {
            record,
            approvals: count,
            required,
            moved: None,
            updated_checkouts: Vec::new(),
            checkout_problems: Vec::new(),
            resumed: false,
            changes: None,
        }));
    }
    // The last approval moves service.
    let after = if record.kind == RecordKind::Stop {
        stop_commit(&chart, &record, actor)?
    } else {
        target
    };
    let checkouts = service_checkouts(&chart, after)?;
    let changes = Some(going_live(&chart, record.kind, id, before, after)?);
    ev.service_before = Some(before.to_string());
    ev.service_after = Some(after.to_string());
    record.events.push(ev);
    record.state = RecordState::Approved;
    let mut also = vec![RefUpdate {
        name: chart.service_ref(),
        old: Some(before),
        new: Some(after),
    }];
    if record.kind != RecordKind::Stop {
        // The reviewed test branch must still be where it was reviewed.
        also.insert(
            0,
            RefUpdate {
                name: chart.test_ref(id),
                old: Some(target),
                new: Some(target),
            },
        );
    }
    chart.commit_record(
        &record,
        &format!("review approve {id} #{}", record.number),
        &act.author,
        None,
        also,
    )?;
    let mut d = Decided {
        record,
        approvals: count,
        required,
        moved: Some((before, after)),
        updated_checkouts: Vec::new(),
        checkout_problems: Vec::new(),
        resumed: false,
        changes,
    };
    advance_checkouts(&checkouts, before, after, &mut d);
    Ok(Checked::Done(d))
}

/// The commit that removes `extensions/<id>/` from `service` for an approved stop request.
fn stop_commit(chart: &Chart, record: &Record, actor: &Identity) -> Result<Oid> {
    let info = objects::commit_info(&chart.repo, chart.service)?;
    let tree = objects::replace_subtree(
        &chart.repo,
        info.tree,
        &Chart::ext_path(&record.extension),
        None,
    )?;
    let reason = record
        .request()
        .and_then(|e| e.message.clone())
        .unwrap_or_default();
    let message = format!(
        "stop {}: {}\n\nApproved stop request {}/{}.toml on {}.\n",
        record.extension,
        reason.lines().next().unwrap_or(""),
        record.extension,
        record.number,
        chart.records_name()
    );
    let committer = chart.committer()?;
    objects::create_commit(
        &chart.repo,
        tree,
        &[chart.service],
        actor,
        &committer,
        &message,
    )
}

/// The reviewed commit, after checking that the test branch did not move, that the review's
/// scope still holds and that `service` is an ancestor.
fn check_reviewable(chart: &Chart, record: &Record) -> Result<Oid> {
    let id = &record.extension;
    let branch = chart.test_name(id);
    let pinned = record.commit.as_deref().and_then(Oid::parse);
    let Some(pinned) = pinned else {
        return Err(refused(format!(
            "record `{id}/{}.toml` names no valid commit",
            record.number
        ))
        .hint(format!(
            "cancel it (`cekops review cancel {id}`) and request again"
        ))
        .into());
    };
    let Some(tip) = chart.test_tip(id)? else {
        return Err(refused(format!(
            "`{branch}` no longer exists, so review #{} cannot be approved",
            record.number
        ))
        .hint(format!("cancel it with `cekops review cancel {id}`"))
        .into());
    };
    if tip != pinned {
        return Err(stale_error(chart, record, pinned, tip));
    }
    if tip == chart.service {
        return Err(refused(format!(
            "`{}` already points at the reviewed commit {}, but no approval moved it there",
            chart.service_name(),
            tip.short()
        ))
        .hint(format!(
            "it was moved outside cekops: run `cekops audit`, then cancel this review (`cekops review cancel {id}`)"
        ))
        .into());
    }
    let kind = review_kind(chart, id, tip)?;
    if kind != record.kind {
        return Err(refused(format!(
            "`{branch}` is now a {} rather than a {}",
            kind.as_str(),
            record.kind.as_str()
        ))
        .hint(format!(
            "cancel the review (`cekops review cancel {id}`) and request again"
        ))
        .into());
    }
    if chart
        .review_tree(record.kind, id, tip)?
        .map(|t| t.to_string())
        != record.tree
    {
        return Err(stale_error(chart, record, pinned, tip));
    }
    if !objects::first_parent_reaches(&chart.repo, tip, chart.service)? {
        return Err(refused(format!(
            "`{}` moved since `{branch}` branched from it: approval must fast-forward `{}`",
            chart.service_name(),
            chart.service_name()
        ))
        .hint(format!(
            "run `cekops sync {id}` to rebase `{branch}` onto `{}` (approvals stay valid when `extensions/{id}/` does not change)",
            chart.service_name()
        ))
        .into());
    }
    Ok(tip)
}

fn stale_error(chart: &Chart, record: &Record, pinned: Oid, tip: Oid) -> anyhow::Error {
    let id = &record.extension;
    refused(format!(
        "review #{} of `{id}` is stale: `{}` moved from the reviewed commit {} to {} while under review",
        record.number,
        chart.test_name(id),
        pinned.short(),
        tip.short()
    ))
    .hint(format!(
        "cancel the review (`cekops review cancel {id}`) and request a new one for the current commit"
    ))
    .into()
}

/// When the records say an approval moved `service` but `service` did not move (a crash between
/// the two ref writes), finish the move: only when that approval is proved under the policy on
/// `service` (its approvals verified, the move a fast-forward from the current `service`). An
/// approved record that is not proved is refused, never finished.
fn resume_interrupted(
    chart: &Chart,
    policy: &Policy,
    log: &EventLog,
    id: &str,
) -> Result<Option<Decided>> {
    let Some(record) = chart.latest(id)? else {
        return Ok(None);
    };
    if record.state != RecordState::Approved {
        return Ok(None);
    }
    let Some(last) = record.events.last() else {
        return Ok(None);
    };
    let before = last.service_before.as_deref().and_then(Oid::parse);
    let after = last.service_after.as_deref().and_then(Oid::parse);
    let (Some(before), Some(after)) = (before, after) else {
        return Ok(None);
    };
    if chart.service != before || !objects::has_commit(&chart.repo, after) {
        return Ok(None);
    }
    let actor = decider(chart, policy, &record, log, None)?.event;
    let (valid, not) = policy.approvals(&chart.repo, &record, log.of(&record))?;
    let pinned = record.commit.as_deref().and_then(Oid::parse);
    let shape_ok = match record.kind {
        RecordKind::Stop => {
            let info = objects::commit_info(&chart.repo, after)?;
            let expected = objects::replace_subtree(
                &chart.repo,
                objects::commit_info(&chart.repo, before)?.tree,
                &Chart::ext_path(&record.extension),
                None,
            )?;
            info.parents.first() == Some(&before) && info.tree == expected
        }
        _ => {
            pinned == Some(after)
                && chart
                    .review_tree(record.kind, id, after)?
                    .map(|t| t.to_string())
                    == record.tree
                && objects::first_parent_reaches(&chart.repo, after, before)?
        }
    };
    if (valid.len() as u32) < policy.required() || !shape_ok {
        let mut why = format!(
            "record `{id}/{}.toml` says it is approved, but {} of {} approvals are valid under the policy on `{}`",
            record.number,
            valid.len(),
            policy.required(),
            chart.service_name()
        );
        if !shape_ok {
            why = format!(
                "record `{id}/{}.toml` says it is approved, but its move of `{}` is not the reviewed fast-forward",
                record.number,
                chart.service_name()
            );
        }
        for n in not.iter().take(3) {
            why.push_str(&format!("; {n}"));
        }
        return Err(refused(why)
            .hint("this is not an interrupted approval cekops can finish: run `cekops audit`; the records branch holds an approval nobody can prove")
            .into());
    }
    let checkouts = service_checkouts(chart, after)?;
    let changes = Some(going_live(chart, record.kind, id, before, after)?);
    let committer = chart.committer()?;
    crate::git::refs::update(
        &chart.repo,
        &[RefUpdate {
            name: chart.service_ref(),
            old: Some(before),
            new: Some(after),
        }],
        &committer,
        &format!(
            "cekops: finish approval of {id} #{} ({})",
            record.number, actor.email
        ),
    )?;
    let mut d = Decided {
        approvals: valid.len(),
        required: policy.required(),
        record,
        moved: Some((before, after)),
        updated_checkouts: Vec::new(),
        checkout_problems: Vec::new(),
        resumed: true,
        changes,
    };
    advance_checkouts(&checkouts, before, after, &mut d);
    Ok(Some(d))
}

/// `review reject`: close the open review with feedback (*Confirmation required*).
pub fn reject(dir: &Path, id: &str, feedback: &str) -> Result<Record> {
    reject_via(dir, id, feedback, None)
}

/// [`reject`], or changes requested on a forge's pull request recorded by the CI job (`via`).
pub fn reject_via(dir: &Path, id: &str, feedback: &str, via: Option<&Via>) -> Result<Record> {
    let chart = Chart::open(dir)?;
    chart.require_known(id)?;
    let Some(mut record) = chart.open_record(id)? else {
        return Err(no_open(id));
    };
    let policy = Policy::of_chart(&chart);
    let log = trust::event_log(&chart.repo, chart.records.tip, None, None)?;
    let act = decider(&chart, &policy, &record, &log, via)?;
    if feedback.trim().is_empty() {
        return Err(usage("feedback must not be empty")
            .hint("say what must change: `-m \"...\"`")
            .into());
    }
    record
        .events
        .push(act.event(Action::Reject, Some(feedback.to_string())));
    record.state = RecordState::Rejected;
    chart.commit_record(
        &record,
        &format!("review reject {id} #{}", record.number),
        &act.author,
        None,
        Vec::new(),
    )?;
    Ok(record)
}

/// A record with what `show` and `list` add: the policy's count and whether it went stale.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RecordView {
    #[serde(flatten)]
    pub record: Record,
    pub approvals: usize,
    pub required_approvals: u32,
    /// Open review whose test branch moved away from the reviewed commit.
    pub stale: bool,
    /// Open review that needs `cekops sync` before it can be approved.
    pub needs_sync: bool,
    /// `review show`: what the reviewed commit brings to `service` (from the record's base).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<crate::semdiff::RepoDiff>,
    /// The sides of [`Self::changes`].
    #[serde(skip)]
    pub sides: Option<crate::semdiff::render::Sides>,
    /// For each event, how its records commit is signed, checked against the allowed-signers
    /// file on `service`: `signed-and-verified`, `signed-unknown-key`, `bad-signature` or
    /// `unsigned` (empty when not computed, as in `review list`).
    pub signatures: Vec<&'static str>,
}

fn view(chart: &Chart, record: Record, proof: Option<(&Policy, &EventLog)>) -> Result<RecordView> {
    let mut stale = false;
    let mut needs_sync = false;
    if record.state == RecordState::Open
        && matches!(record.kind, RecordKind::Review | RecordKind::ConfigReview)
    {
        let tip = chart.test_tip(&record.extension)?;
        let pinned = record.commit.as_deref().and_then(Oid::parse);
        stale = tip.is_none() || tip != pinned;
        if let Some(t) = tip
            && !stale
        {
            needs_sync = !objects::is_ancestor(&chart.repo, chart.service, t).unwrap_or(false);
        }
    }
    let mut signatures = Vec::new();
    if let Some((policy, log)) = proof {
        for c in log.of(&record) {
            signatures.push(policy.verdict(&chart.repo, *c)?.label());
        }
    }
    Ok(RecordView {
        signatures,
        approvals: match proof {
            Some((policy, log)) => policy
                .approvals(&chart.repo, &record, log.of(&record))?
                .0
                .len(),
            None => record.valid_approvals().len(),
        },
        required_approvals: chart.required_approvals(),
        record,
        stale,
        needs_sync,
        changes: None,
        sides: None,
    })
}

/// `review show`: the open record of an ID, else its latest (or record `number`).
pub fn show(dir: &Path, id: &str, number: Option<u32>) -> Result<RecordView> {
    let chart = Chart::open(dir)?;
    chart.require_known(id)?;
    let record = match number {
        Some(n) => chart.read_record(id, n)?,
        None => {
            let mut found = None;
            chart.scan_back(id, |r| {
                if r.kind.is_request() {
                    found = Some(r.clone());
                    true
                } else {
                    false
                }
            })?;
            match found {
                Some(r) => r,
                None => {
                    return Err(refused(format!("`{id}` has no reviews yet"))
                        .hint(format!(
                            "request one with `cekops review request {id} -m MESSAGE`"
                        ))
                        .into());
                }
            }
        }
    };
    let policy = Policy::of_chart(&chart);
    let log = trust::event_log(&chart.repo, chart.records.tip, None, None)?;
    let mut v = view(&chart, record, Some((&policy, &log)))?;
    // What the review brings to `service`: every file, not only the extension's model.
    if v.record.kind.is_request()
        && v.record.kind != RecordKind::Stop
        && let (Some(base), Some(commit)) = (
            v.record.base.as_deref().and_then(Oid::parse),
            v.record.commit.as_deref().and_then(Oid::parse),
        )
    {
        // A shallow clone may lack the base: the record is still shown.
        if let Ok(outcome) = going_live(&chart, v.record.kind, &v.record.extension, base, commit) {
            v.changes = Some(outcome.diff);
            v.sides = Some(outcome.sides);
        }
    }
    Ok(v)
}

/// `review list`: open reviews and stop requests (every request with `all`).
pub fn list(dir: &Path, all: bool) -> Result<Vec<RecordView>> {
    let chart = Chart::open(dir)?;
    let mut out = Vec::new();
    let ids: Vec<String> = chart.records.by_id.keys().cloned().collect();
    for id in ids {
        if all {
            for r in chart.all_records(&id)? {
                if r.kind.is_request() {
                    out.push(view(&chart, r, None)?);
                }
            }
        } else if let Some(r) = chart.open_record(&id)? {
            out.push(view(&chart, r, None)?);
        }
    }
    Ok(out)
}

/// For hooks and cekops's own commands: may a commit land on `branch` (a short branch name)?
/// Refused while the branch is a test branch under review, and always for `service` (it moves
/// only through `review approve`).
pub fn check_commit_allowed(dir: &Path, branch: &str) -> Result<(), UserError> {
    let chart = match Chart::open(dir) {
        Ok(c) => c,
        // No service branch yet (a repository being set up): nothing is protected.
        Err(_) => return Ok(()),
    };
    if branch == chart.service_name() {
        return Err(refused(format!(
            "`{branch}` is the service version: it moves only when a review is approved"
        ))
        .hint("commit on a test branch (`test/<id>`) and run `cekops review request <id>`"));
    }
    let pattern = &chart.branches.test.value;
    let Some((prefix, suffix)) = pattern.split_once("{id}") else {
        return Ok(());
    };
    let Some(id) = branch
        .strip_prefix(prefix)
        .and_then(|r| r.strip_suffix(suffix))
    else {
        return Ok(());
    };
    match chart.open_record(id) {
        Ok(Some(r)) if r.kind != RecordKind::Stop => Err(locked_error(&r, branch)),
        Ok(_) => Ok(()),
        Err(e) => Err(match e.downcast::<UserError>() {
            Ok(u) => u,
            Err(e) => refused(e.to_string()),
        }),
    }
}

fn locked_error(r: &Record, branch: &str) -> UserError {
    let who = r.request().map(|e| e.email.clone()).unwrap_or_default();
    refused(format!(
        "`{branch}` is locked: review #{} requested by {who} is open, and the test version cannot change while it is under review",
        r.number
    ))
    .hint(format!(
        "wait for the decision, or withdraw it with `cekops review cancel {}`",
        r.extension
    ))
}

/// Short description of a record for messages.
pub fn describe(r: &Record) -> String {
    format!(
        "{} #{} of `{}` ({}, {})",
        r.kind.as_str(),
        r.number,
        r.extension,
        r.state.as_str(),
        r.commit.as_deref().map(short_text).unwrap_or("-")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testgit::git;

    #[test]
    fn commits_are_refused_on_service_and_on_a_test_branch_under_review() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(
            dir.join("cekops.toml"),
            "[review]\nreviewers = [\"a@example.com\"]\n",
        )
        .unwrap();
        git(dir, &["init", "-q", "-b", "service"]);
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", "init"]);
        git(dir, &["branch", "test/com.example.a"]);
        assert!(check_commit_allowed(dir, "test/com.example.a").is_ok());
        assert!(check_commit_allowed(dir, "feature/x").is_ok());
        let e = check_commit_allowed(dir, "service").unwrap_err();
        assert!(
            e.message.contains("moves only when a review is approved"),
            "{}",
            e.message
        );
        // An open review record locks the branch.
        let record = Record {
            format: RECORD_FORMAT,
            kind: RecordKind::Review,
            extension: "com.example.a".into(),
            number: 1,
            state: RecordState::Open,
            branch: "test/com.example.a".into(),
            commit: None,
            tree: None,
            base: None,
            events: vec![Event {
                action: Action::Request,
                name: "Dev".into(),
                email: "dev@example.com".into(),
                at: "2026-01-01T00:00:00+00:00".into(),
                message: None,
                commit: None,
                tree: None,
                service_before: None,
                service_after: None,
                validation: None,
                forge: None,
            }],
        };
        git(dir, &["checkout", "-q", "--orphan", "cekops/records"]);
        git(dir, &["rm", "-q", "-rf", "."]);
        std::fs::create_dir_all(dir.join("com.example.a")).unwrap();
        std::fs::write(dir.join("com.example.a/1.toml"), record.to_toml().unwrap()).unwrap();
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", "request"]);
        let e = check_commit_allowed(dir, "test/com.example.a").unwrap_err();
        assert!(
            e.message
                .contains("is locked: review #1 requested by dev@example.com"),
            "{}",
            e.message
        );
        assert!(check_commit_allowed(dir, "test/com.example.b").is_ok());
    }
}
