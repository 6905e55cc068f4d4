//! `cekops ci github|gitlab`: pull-request review through CI, forge-neutral core.
//!
//! A forge event (a GitHub webhook payload, GitLab's CI variables) is parsed into a
//! [`PrEvent`] by [`github`] or [`gitlab`]; [`run`] then acts on the checked-out repository and
//! its remote with the existing review code paths ([`super::review`], [`super::fetch`],
//! [`super::push`]):
//!
//! - opened / updated: the review is requested (or re-pinned to the new head with a `sync`
//!   event), and the plan comment ([`plan`]) is produced;
//! - approved: the reviewer's login is mapped through `[forge]` on `service`; the approval is
//!   recorded by the CI identity with a forge attestation, and the last required approval
//!   fast-forwards `service` to the reviewed head; `service` and the records are pushed in one
//!   `git push --atomic` with leases;
//! - changes requested: the review is rejected with the review's body as feedback;
//! - closed: an unmerged pull request's review is cancelled; a pull request merged with the
//!   forge's button (not by cekops) is reported as a bypass.
//!
//! Commits always come from the event, never from `HEAD` (the checkout may be detached at the
//! head or at a merge ref). Logs go to [`Outcome::log`]; the comment to [`Outcome::comment`].

pub mod github;
pub mod gitlab;
pub mod plan;

use std::path::PathBuf;

use anyhow::Result;

use super::chart::Chart;
use super::review;
use super::review::Checked;
use super::review::Via;
use crate::error::UserError;
use crate::git::Oid;
use crate::git::cli;
use crate::git::objects;
use crate::model::ForgeAttestation;
use crate::model::RecordKind;
use crate::model::RecordState;

pub use plan::MARKER;

/// Which forge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forge {
    Github,
    Gitlab,
}

impl Forge {
    /// The name used in `[forge]` and in attestations.
    pub fn name(self) -> &'static str {
        match self {
            Forge::Github => "github",
            Forge::Gitlab => "gitlab",
        }
    }
    fn request_word(self) -> &'static str {
        match self {
            Forge::Github => "pull request",
            Forge::Gitlab => "merge request",
        }
    }
}

/// A pull (merge) request as the event describes it.
#[derive(Clone, Debug)]
pub struct PullRequest {
    pub forge: Forge,
    pub number: u64,
    pub url: String,
    /// The login of the person the request counts as requested by.
    pub author: String,
    /// The head commit (full hex).
    pub head_sha: String,
    /// The source branch (short name).
    pub head_ref: String,
    /// The target branch (short name).
    pub base_ref: String,
    pub title: String,
    pub body: String,
}

/// A review on the forge.
#[derive(Clone, Debug)]
pub struct Review {
    pub login: String,
    /// GitHub's review id; GitLab's approving job id.
    pub id: Option<u64>,
    pub url: Option<String>,
    pub body: String,
    /// The commit the reviewer reviewed (GitHub's `review.commit_id`), when the forge says.
    pub commit: Option<String>,
}

/// What happened.
#[derive(Clone, Debug)]
pub enum Action {
    /// Opened or reopened.
    Opened,
    /// New commits (or a new base): the review follows the head.
    Updated,
    Approved(Review),
    ChangesRequested(Review),
    Closed {
        merged: bool,
    },
}

/// One forge event about a pull request.
#[derive(Clone, Debug)]
pub struct PrEvent {
    pub pr: PullRequest,
    pub action: Action,
}

/// An event parsed, or why there is nothing to do.
#[derive(Clone, Debug)]
pub enum Parsed {
    Act(Box<PrEvent>),
    /// Nothing to do (an event or action cekops does not act on): the note goes to stderr and
    /// stdout stays empty.
    Nothing(String),
}

/// What [`run`] produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The comment (GitHub-flavoured markdown, first line [`MARKER`]); `None`: nothing to post.
    pub comment: Option<String>,
    /// The plan has errors, or the approval could not move `service` (exit 1).
    pub failed: bool,
    /// Progress for stderr.
    pub log: Vec<String>,
}

impl Outcome {
    fn note(text: String) -> Outcome {
        Outcome {
            log: vec![text],
            ..Outcome::default()
        }
    }
}

pub struct RunOptions {
    pub dir: PathBuf,
    pub remote: String,
}

/// The ID a branch is the test branch of, under the pattern `test/{id}`.
fn test_id(pattern: &str, branch: &str) -> Option<String> {
    let (prefix, suffix) = pattern.split_once("{id}")?;
    let id = branch.strip_prefix(prefix)?.strip_suffix(suffix)?;
    (!id.is_empty() && !id.contains('/')).then(|| id.to_string())
}

/// Everything one run needs about the pull request, once it is known to be a review request.
struct Ctx<'a> {
    opts: &'a RunOptions,
    ev: &'a PrEvent,
    id: String,
    head: Oid,
}

impl Ctx<'_> {
    fn via(&self, login: &str, review: Option<&Review>, head: Option<Oid>) -> Result<Via> {
        let chart = Chart::open(&self.opts.dir)?;
        let forge = self.ev.pr.forge.name();
        Ok(Via {
            attestation: ForgeAttestation {
                name: forge.to_string(),
                pull_request: self.ev.pr.number,
                review_id: review.and_then(|r| r.id),
                url: review
                    .and_then(|r| r.url.clone())
                    .or_else(|| Some(self.ev.pr.url.clone()).filter(|u| !u.is_empty())),
                login: login.to_string(),
            },
            identity: chart.forge.identity_of(forge, login),
            head,
        })
    }

    fn pr_link(&self) -> String {
        let pr = &self.ev.pr;
        let word = pr.forge.request_word();
        let sign = if pr.forge == Forge::Github { '#' } else { '!' };
        if pr.url.is_empty() {
            format!("{word} {sign}{}", pr.number)
        } else {
            format!("[{word} {sign}{}]({})", pr.number, pr.url)
        }
    }

    fn push(&self, out: &mut Outcome) -> Result<super::push::Pushed> {
        let pushed = super::push::push(&self.opts.dir, Some(&self.opts.remote))?;
        if pushed.refspecs.is_empty() {
            out.log
                .push(format!("nothing to push to `{}`", pushed.remote));
        } else {
            out.log.push(format!(
                "pushed to `{}`: {}",
                pushed.remote,
                pushed.refspecs.join(" ")
            ));
        }
        for f in &pushed.fetched {
            for r in &f.replays {
                out.log.push(r.describe());
            }
        }
        Ok(pushed)
    }
}

/// Act on one event in the repository at `opts.dir` and its remote `opts.remote`.
pub fn run(opts: &RunOptions, parsed: Parsed) -> Result<Outcome> {
    let ev = match parsed {
        Parsed::Nothing(why) => return Ok(Outcome::note(why)),
        Parsed::Act(ev) => *ev,
    };
    let mut log = Vec::new();
    let fetched = super::fetch::fetch(&opts.dir, Some(&opts.remote))?;
    log.push(format!(
        "fetched `{}` ({} branch{})",
        fetched.remote,
        fetched.branches.len(),
        if fetched.branches.len() == 1 {
            ""
        } else {
            "es"
        }
    ));
    let chart = Chart::open(&opts.dir)?;
    let service = chart.service_name().to_string();
    let word = ev.pr.forge.request_word();
    let id = match test_id(&chart.branches.test.value, &ev.pr.head_ref) {
        Some(id) if ev.pr.base_ref == service => id,
        _ => {
            let mut out = Outcome::note(format!(
                "{word} #{} is from `{}` into `{}`: cekops acts only on requests from a test branch (`{}`) into `{service}`; nothing to do",
                ev.pr.number, ev.pr.head_ref, ev.pr.base_ref, chart.branches.test.value
            ));
            out.log.splice(0..0, log);
            return Ok(out);
        }
    };
    let Some(head) = Oid::parse(&ev.pr.head_sha) else {
        return Err(crate::error::usage(format!(
            "the event's head commit `{}` is not a full commit id",
            ev.pr.head_sha
        ))
        .into());
    };
    if !objects::has_commit(&chart.repo, head) {
        // The head of a pull request is always on the forge (`refs/pull/N/head`); fetch it by id.
        cli::run(
            super::remote::git_dir_for_cli(&chart.repo),
            &["fetch", "--quiet", &opts.remote, &head.to_string()],
        )
        .map_err(|e| {
            crate::error::usage(format!(
                "the head commit {} of {word} #{} is not on `{}`: {e:#}",
                head.short(),
                ev.pr.number,
                opts.remote
            ))
            .hint("the event names a commit the remote does not have: was the branch force-pushed or the event file written for another repository?")
        })?;
    }
    drop(chart);
    let ctx = Ctx {
        opts,
        ev: &ev,
        id,
        head,
    };
    let mut out = match &ev.action {
        Action::Opened | Action::Updated => opened(&ctx)?,
        Action::Approved(r) => approved(&ctx, r)?,
        Action::ChangesRequested(r) => changes_requested(&ctx, r)?,
        Action::Closed { merged } => closed(&ctx, *merged)?,
    };
    out.log.splice(0..0, log);
    Ok(out)
}

/// A refusal as a comment (exit 1); other errors stay errors.
fn refusal_comment(ctx: &Ctx<'_>, title: &str, e: anyhow::Error) -> Result<Outcome> {
    let u = e.downcast::<UserError>()?;
    let mut text = format!(
        "{MARKER}\n## cekops: {title} (`{}`, {})\n\n{}\n",
        ctx.id,
        ctx.pr_link(),
        plan::md_text(&u.message)
    );
    if let Some(h) = &u.hint {
        text.push_str(&format!("\nHint: {}\n", plan::md_text(h)));
    }
    Ok(Outcome {
        comment: Some(text),
        failed: true,
        log: vec![format!("error: {}", u.message)],
    })
}

fn opened(ctx: &Ctx<'_>) -> Result<Outcome> {
    let pr = &ctx.ev.pr;
    let via = ctx.via(&pr.author, None, Some(ctx.head))?;
    let chart = Chart::open(&ctx.opts.dir)?;
    let open = chart.open_record(&ctx.id)?;
    let tip = chart.test_tip(&ctx.id)?;
    drop(chart);
    if tip != Some(ctx.head) {
        return Ok(Outcome::note(format!(
            "the {}'s head {} is no longer the tip of its branch ({}): the run for the newer push handles it; nothing to do",
            pr.forge.request_word(),
            ctx.head.short(),
            tip.map(|t| t.short()).unwrap_or_else(|| "deleted".into())
        )));
    }
    let mut out = Outcome::default();
    let mut recorded = false;
    match open {
        None => {
            let mut message = pr.title.trim().to_string();
            if !pr.body.trim().is_empty() {
                message.push_str("\n\n");
                message.push_str(pr.body.trim());
            }
            if via.identity.is_none() {
                message.push_str(&format!(
                    "\n\n(requested on {} by `{}`, who is not mapped in `[forge] {}`)",
                    pr.forge.name(),
                    pr.author,
                    pr.forge.name()
                ));
            }
            let r = review::request(&review::RequestOptions {
                dir: ctx.opts.dir.clone(),
                id: ctx.id.clone(),
                message: format!("{message}\n\n{}", pr.url).trim().to_string(),
                via: Some(via),
            });
            match r {
                Ok(Checked::Done(req)) => {
                    out.log.push(format!(
                        "requested review #{} of `{}` at {}",
                        req.record.number,
                        ctx.id,
                        ctx.head.short()
                    ));
                    recorded = true;
                }
                Ok(Checked::Invalid { .. }) => {
                    out.log
                        .push("validation with service rules failed: nothing recorded".into());
                }
                Err(e) => return refusal_comment(ctx, "the review cannot be requested", e),
            }
        }
        Some(r) if r.kind == RecordKind::Stop => {
            return refusal_comment(
                ctx,
                "the review cannot be requested",
                crate::error::refused(format!(
                    "`{}` has a stop request open (#{}): it must be decided or cancelled first",
                    ctx.id, r.number
                ))
                .into(),
            );
        }
        Some(r) => match review::repin_via(&ctx.opts.dir, &ctx.id, &via) {
            Ok(Checked::Done(Some((from, to, rec)))) => {
                out.log.push(format!(
                    "review #{} follows the {}: {} → {} (approvals of another tree no longer count)",
                    rec.number,
                    pr.forge.request_word(),
                    from.short(),
                    to.short()
                ));
                recorded = true;
            }
            Ok(Checked::Done(None)) => {
                out.log.push(format!(
                    "review #{} is already pinned to {}",
                    r.number,
                    ctx.head.short()
                ));
            }
            Ok(Checked::Invalid { .. }) => {
                out.log.push(format!(
                    "the new head fails validation with service rules: review #{} stays at {} (it can no longer be approved until fixed)",
                    r.number,
                    r.commit.as_deref().map(crate::git::short_text).unwrap_or("-")
                ));
            }
            Err(e) => return refusal_comment(ctx, "the review cannot follow the new head", e),
        },
    }
    if recorded {
        ctx.push(&mut out)?;
    }
    let chart = Chart::open(&ctx.opts.dir)?;
    let p = plan::plan(&chart, &ctx.id, ctx.head)?;
    out.failed = p.failed;
    out.comment = Some(plan::render(&p, &ctx.pr_link()));
    Ok(out)
}

/// The reviewer's login as a person who may decide, or the comment saying the approval (or
/// rejection) is ignored.
fn reviewer_or_ignored(ctx: &Ctx<'_>, r: &Review, what: &str) -> Result<Result<Via, Outcome>> {
    let reviewed = r
        .commit
        .as_deref()
        .map(|c| {
            Oid::parse(c).ok_or_else(|| {
                crate::error::usage(format!("the review's commit `{c}` is not a commit id"))
            })
        })
        .transpose()?;
    let via = ctx.via(&r.login, Some(r), Some(reviewed.unwrap_or(ctx.head)))?;
    let chart = Chart::open(&ctx.opts.dir)?;
    let forge = ctx.ev.pr.forge.name();
    let why = match &via.identity {
        None => Some(format!(
            "`{}` is not mapped to a person in `[forge] {forge}` of `cekops.toml` on `{}`",
            r.login,
            chart.service_name()
        )),
        Some(m) if !chart.is_reviewer(m) => Some(format!(
            "`{}` is {m}, who is not in `[review] reviewers` of `cekops.toml` on `{}`",
            r.login,
            chart.service_name()
        )),
        Some(_) => None,
    };
    Ok(match why {
        None => Ok(via),
        Some(why) => Err(Outcome {
            comment: Some(format!(
                "{MARKER}\n## cekops: {what} by `{}` ignored (`{}`, {})\n\n{}: it does not count as a cekops review. Nothing was changed.\n",
                r.login,
                ctx.id,
                ctx.pr_link(),
                plan::md_text(&why)
            )),
            failed: false,
            log: vec![format!("{what} by {} ignored: {why}", r.login)],
        }),
    })
}

fn approved(ctx: &Ctx<'_>, r: &Review) -> Result<Outcome> {
    let via = match reviewer_or_ignored(ctx, r, "approval")? {
        Ok(v) => v,
        Err(out) => return Ok(out),
    };
    let reviewed = via.head.unwrap_or(ctx.head);
    // Already done (a re-run, or another job won the race before this one fetched).
    if let Some(done) = already_approved(ctx, reviewed)? {
        return Ok(done);
    }
    if reviewed != ctx.head {
        return refusal_comment(
            ctx,
            "the approval cannot move `service`",
            crate::error::refused(format!(
                "the review approved {}, but the head is now {}: the head moved after the review",
                reviewed.short(),
                ctx.head.short()
            ))
            .hint("review the new head and approve again")
            .into(),
        );
    }
    let message = (!r.body.trim().is_empty()).then(|| r.body.trim().to_string());
    let mut out = Outcome::default();
    let who = via.identity.clone().unwrap_or_default();
    // Other jobs may record approvals of the same review at the same time: each attempt starts
    // from what the remote has (the push fetched and merged the records when it lost a race).
    let mut last_error = None;
    let mut decided = None;
    let mut looked_again = false;
    for _ in 0..4 {
        if let Some(done) = already_approved(ctx, reviewed)? {
            out.log.extend(done.log);
            return Ok(Outcome {
                log: out.log,
                ..done
            });
        }
        let counted = my_approval(ctx, reviewed, &who)?;
        if let Some((approvals, required)) = counted
            && approvals < required
        {
            // Recorded and pushed (perhaps by a run that lost the push race and merged).
            let number = review::show(&ctx.opts.dir, &ctx.id, None)?.record.number;
            return Ok(pending_comment(
                ctx, r, &who, number, approvals, required, out,
            ));
        }
        let d = match review::approve_via(&ctx.opts.dir, &ctx.id, message.clone(), Some(&via)) {
            Ok(Checked::Done(d)) => d,
            Ok(Checked::Invalid { report, commit }) => {
                let chart = Chart::open(&ctx.opts.dir)?;
                let p = plan::plan(&chart, &ctx.id, commit)?;
                let mut text = plan::render(&p, &ctx.pr_link());
                text.push_str(&format!(
                    "\n**The approval was not recorded**: the reviewed commit has {} error(s) under service rules.\n",
                    report.errors()
                ));
                return Ok(Outcome {
                    comment: Some(text),
                    failed: true,
                    log: vec!["the reviewed commit fails validation: nothing recorded".into()],
                });
            }
            Err(e) if looked_again => {
                return refusal_comment(ctx, "the approval cannot move `service`", e);
            }
            Err(_) => {
                // A fetch can see another job's push half-way (its records already approved,
                // `service` not yet moved): fetch once more and look again before refusing.
                looked_again = true;
                super::fetch::fetch(&ctx.opts.dir, Some(&ctx.opts.remote))?;
                continue;
            }
        };
        out.log.push(format!(
            "approval of `{}` #{} recorded ({} of {})",
            ctx.id, d.record.number, d.approvals, d.required
        ));
        match ctx.push(&mut out) {
            Ok(pushed) => {
                let dropped = pushed
                    .fetched
                    .iter()
                    .flat_map(|f| f.replays.iter())
                    .any(|r| matches!(r.outcome, super::records::Outcome::Dropped { .. }));
                let merged = !pushed.fetched.is_empty();
                if !dropped && (d.moved.is_some() || !merged) {
                    decided = Some(d);
                    break;
                }
                // The records were merged with another job's: look again (this approval may
                // have been dropped, or may now complete the count).
            }
            Err(e) => {
                // Another job moved the refs first: fetch (merging the records) and look again.
                super::fetch::fetch(&ctx.opts.dir, Some(&ctx.opts.remote))?;
                last_error = Some(e);
            }
        }
    }
    let Some(d) = decided else {
        if let Some(done) = already_approved(ctx, reviewed)? {
            return Ok(done);
        }
        let e = last_error.unwrap_or_else(|| {
            crate::error::refused(
                "other runs kept changing the review; this approval was not pushed",
            )
            .hint(
                "see the review with `cekops review show`, then approve again if it is still open",
            )
            .into()
        });
        return refusal_comment(ctx, "the approval could not be pushed", e);
    };
    if d.moved.is_none() {
        return Ok(pending_comment(
            ctx,
            r,
            &who,
            d.record.number,
            d.approvals as u32,
            d.required,
            out,
        ));
    }
    let mut text = format!(
        "{MARKER}\n## cekops: `{}` review #{} approved by {} (`{}`, {})\n\n",
        ctx.id,
        d.record.number,
        via.identity.as_deref().unwrap_or_default(),
        r.login,
        ctx.pr_link()
    );
    if let Some((before, after)) = d.moved {
        text.push_str(&format!(
            "`{}` moved {} → {} and was pushed with the record. The {} now shows as merged.\n",
            chart_service(ctx)?,
            before.short(),
            after.short(),
            ctx.ev.pr.forge.request_word()
        ));
        if let Some(c) = &d.changes {
            text.push('\n');
            text.push_str(&crate::semdiff::render::markdown(&c.diff, &c.sides));
        }
    }
    out.comment = Some(text);
    Ok(out)
}

/// When the open review of the reviewed commit already counts `who`'s approval: (valid
/// approvals, required).
fn my_approval(ctx: &Ctx<'_>, reviewed: Oid, who: &str) -> Result<Option<(u32, u32)>> {
    let Ok(v) = review::show(&ctx.opts.dir, &ctx.id, None) else {
        return Ok(None);
    };
    let mine = v.record.events.iter().any(|e| {
        e.action == crate::model::Action::Approve
            && e.tree == v.record.tree
            && e.email.eq_ignore_ascii_case(who)
    });
    let open = v.record.state == RecordState::Open
        && v.record.commit.as_deref() == Some(reviewed.to_string().as_str());
    Ok((open && mine).then_some((v.approvals as u32, v.required_approvals)))
}

/// The approval is recorded and `service` waits for more.
fn pending_comment(
    ctx: &Ctx<'_>,
    r: &Review,
    who: &str,
    number: u32,
    approvals: u32,
    required: u32,
    mut out: Outcome,
) -> Outcome {
    out.comment = Some(format!(
        "{MARKER}\n## cekops: `{}` review #{number} approved by {who} (`{}`, {})\n\nApprovals: {approvals} of {required}. `{}` moves when the last required approval arrives.\n",
        ctx.id,
        r.login,
        ctx.pr_link(),
        chart_service(ctx).unwrap_or_default()
    ));
    out
}

fn chart_service(ctx: &Ctx<'_>) -> Result<String> {
    Ok(Chart::open(&ctx.opts.dir)?.service_name().to_string())
}

/// When `service` already is the reviewed commit through an approved record of this ID: the
/// comment saying so.
fn already_approved(ctx: &Ctx<'_>, reviewed: Oid) -> Result<Option<Outcome>> {
    let chart = Chart::open(&ctx.opts.dir)?;
    if chart.service != reviewed {
        return Ok(None);
    }
    let Some(rec) = chart.latest(&ctx.id)? else {
        return Ok(None);
    };
    let moved = rec.state == RecordState::Approved
        && rec
            .events
            .last()
            .and_then(|e| e.service_after.as_deref())
            .and_then(Oid::parse)
            == Some(reviewed);
    if !moved {
        return Ok(None);
    }
    let by = rec
        .events
        .last()
        .map(|e| e.email.clone())
        .unwrap_or_default();
    Ok(Some(Outcome {
        comment: Some(format!(
            "{MARKER}\n## cekops: `{}` review #{} is already approved (`{}`, {})\n\n{by}'s approval moved `{}` to {}; nothing more to do.\n",
            ctx.id,
            rec.number,
            ctx.id,
            ctx.pr_link(),
            chart.service_name(),
            reviewed.short()
        )),
        failed: false,
        log: vec![format!(
            "`{}` #{} was already approved by {by}: `{}` is at {}",
            ctx.id,
            rec.number,
            chart.service_name(),
            reviewed.short()
        )],
    }))
}

fn changes_requested(ctx: &Ctx<'_>, r: &Review) -> Result<Outcome> {
    let via = match reviewer_or_ignored(ctx, r, "request for changes")? {
        Ok(v) => v,
        Err(out) => return Ok(out),
    };
    let feedback = if r.body.trim().is_empty() {
        format!(
            "changes requested on {} {} #{}",
            ctx.ev.pr.forge.name(),
            ctx.ev.pr.forge.request_word(),
            ctx.ev.pr.number
        )
    } else {
        r.body.trim().to_string()
    };
    let mut out = Outcome::default();
    let rec = match review::reject_via(&ctx.opts.dir, &ctx.id, &feedback, Some(&via)) {
        Ok(rec) => rec,
        Err(e) => return refusal_comment(ctx, "the request for changes was not recorded", e),
    };
    out.log
        .push(format!("rejected `{}` #{}", ctx.id, rec.number));
    ctx.push(&mut out)?;
    out.comment = Some(format!(
        "{MARKER}\n## cekops: `{}` review #{} rejected by {} (`{}`, {})\n\nConfirmation required:\n\n{}\n\nPush new commits to the branch; the next run requests a new review.\n",
        ctx.id,
        rec.number,
        via.identity.as_deref().unwrap_or_default(),
        r.login,
        ctx.pr_link(),
        plan::quote(&feedback)
    ));
    Ok(out)
}

fn closed(ctx: &Ctx<'_>, merged: bool) -> Result<Outcome> {
    let chart = Chart::open(&ctx.opts.dir)?;
    if merged {
        // cekops's own approval makes the forge show the request as merged: nothing to do then.
        drop(chart);
        if let Some(mut done) = already_approved(ctx, ctx.head)? {
            done.comment = None;
            return Ok(done);
        }
        let chart = Chart::open(&ctx.opts.dir)?;
        return Ok(Outcome {
            comment: Some(format!(
                "{MARKER}\n## cekops: the merge button bypassed cekops (`{}`, {})\n\nThe {} was merged on the forge, not by an approval: no approval record moved `{}` to {}. `cekops audit` on `{}` flags this; restore the protection that leaves only the CI identity able to move `{}`.\n",
                ctx.id,
                ctx.pr_link(),
                ctx.ev.pr.forge.request_word(),
                chart.service_name(),
                ctx.head.short(),
                chart.service_name(),
                chart.service_name()
            )),
            failed: true,
            log: vec!["merged outside cekops".into()],
        });
    }
    let open = chart.open_record(&ctx.id)?;
    drop(chart);
    let Some(rec) = open.filter(|r| r.kind != RecordKind::Stop) else {
        return Ok(Outcome::note(format!(
            "`{}` has no open review: nothing to cancel",
            ctx.id
        )));
    };
    let via = ctx.via(&ctx.ev.pr.author, None, None)?;
    let mut out = Outcome::default();
    let message = format!(
        "{} {} #{} was closed without merging",
        ctx.ev.pr.forge.name(),
        ctx.ev.pr.forge.request_word(),
        ctx.ev.pr.number
    );
    match review::cancel_via(&ctx.opts.dir, &ctx.id, Some(message), Some(&via)) {
        Ok(_) => {}
        Err(e) => return refusal_comment(ctx, "the review could not be cancelled", e),
    }
    out.log
        .push(format!("cancelled `{}` #{}", ctx.id, rec.number));
    ctx.push(&mut out)?;
    out.comment = Some(format!(
        "{MARKER}\n## cekops: `{}` review #{} cancelled (`{}`, {})\n\nThe {} was closed without merging; `{}` is unlocked.\n",
        ctx.id,
        rec.number,
        ctx.id,
        ctx.pr_link(),
        ctx.ev.pr.forge.request_word(),
        rec.branch
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_ids_follow_the_pattern() {
        assert_eq!(
            test_id("test/{id}", "test/com.example.a").as_deref(),
            Some("com.example.a")
        );
        assert_eq!(test_id("test/{id}", "test/a/b"), None);
        assert_eq!(test_id("test/{id}", "feature/x"), None);
        assert_eq!(test_id("t-{id}-x", "t-a-x").as_deref(), Some("a"));
    }
}
