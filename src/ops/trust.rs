//! Who did what on the records branch, and whether the review policy lets it count.
//!
//! Identities: with `require_signed = true` an event's author is the principal the
//! allowed-signers file (read from the `service` commit the policy comes from) lists for the key
//! that signed the event's records commit, whatever the e-mail in the event says. Without it,
//! identities are the self-asserted e-mails of the events: the forge's push permissions are the
//! only guard.
//!
//! Events: the records branch is append-only at the level of events. Every commit may add events
//! to an open record (in the order of the lifecycle) or add the next record of an ID; it may never
//! change or remove an event already written, nor change a closed record.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::collections::HashSet;

use anyhow::Result;

use super::chart::Chart;
use crate::error::refused;
use crate::git::Oid;
use crate::git::Repository;
use crate::git::identity::Identity;
use crate::git::objects;
use crate::git::records;
use crate::git::sign::Verdict;
use crate::model::Action;
use crate::model::Event;
use crate::model::ForgeAttestation;
use crate::model::ForgeConfig;
use crate::model::Record;
use crate::model::RecordKind;
use crate::model::RecordState;
use crate::model::ReviewPolicy;

/// The identity two e-mails are compared by (requester against approver, reviewer lists):
/// trimmed, without surrounding `<>`, lower-cased, and without a `+tag` in the local part
/// (`Alice+alt@Example.com` → `alice@example.com`). Nothing else is folded (dots stay).
pub fn normalise_identity(email: &str) -> String {
    let e = email.trim().trim_matches(['<', '>']).trim().to_lowercase();
    match e.split_once('@') {
        Some((local, domain)) => {
            let local = local.split_once('+').map_or(local, |(l, _)| l);
            format!("{local}@{domain}")
        }
        None => e,
    }
}

/// The review policy of one `service` commit, with its allowed-signers file.
#[derive(Clone, Debug)]
pub struct Policy {
    pub review: ReviewPolicy,
    /// `[forge]`: logins and the CI identity whose records carry forge approvals.
    pub forge: ForgeConfig,
    /// The allowed-signers file's text at that commit (`None`: not set or not there).
    pub allowed: Option<Vec<u8>>,
}

/// What an event needs its author to be.
#[derive(Clone, Debug)]
pub enum Need {
    /// Any identity (a request, sync, delete, restore): with signing, any listed principal.
    Anyone,
    /// A reviewer (approve, reject).
    Reviewer,
    /// The requester (normalised identity) or a reviewer (cancel).
    RequesterOrReviewer(String),
}

impl Policy {
    fn with_allowed(
        repo: &Repository,
        commit: Oid,
        review: ReviewPolicy,
        forge: ForgeConfig,
    ) -> Policy {
        let allowed = review.allowed_signers.as_ref().and_then(|p| {
            objects::read_file(repo, commit, p.value.trim_start_matches("./"))
                .ok()
                .flatten()
        });
        Policy {
            review,
            allowed,
            forge,
        }
    }

    /// The policy on the `service` commit `commit` (`None`: no readable `cekops.toml`).
    pub fn at(repo: &Repository, commit: Oid) -> Option<Policy> {
        let cfg = super::chart::config_at(repo, commit)?;
        Some(Self::with_allowed(repo, commit, cfg.review, cfg.forge))
    }

    /// The policy of the chart's `service`.
    pub fn of_chart(chart: &Chart) -> Policy {
        Self::with_allowed(
            &chart.repo,
            chart.service,
            chart.policy.clone(),
            chart.forge.clone(),
        )
    }

    pub fn is_reviewer(&self, identity: &str) -> bool {
        let id = normalise_identity(identity);
        self.review
            .reviewers
            .iter()
            .any(|r| normalise_identity(&r.value) == id)
    }

    pub fn required(&self) -> u32 {
        self.review.required_approvals.value.max(1)
    }

    /// The signature check of a records commit against this policy's allowed signers.
    pub fn verdict(&self, repo: &Repository, commit: Oid) -> Result<Verdict> {
        let allowed = self.allowed.as_deref().unwrap_or(b"");
        crate::git::sign::verify_commit(repo, commit, allowed)
    }

    /// The identity that did `ev` (written by the records commit `commit`), if it may do what
    /// `need` says; else why not.
    pub fn identity(
        &self,
        repo: &Repository,
        ev: &Event,
        commit: Option<Oid>,
        need: &Need,
    ) -> Result<Result<String, String>> {
        if let Some(f) = &ev.forge {
            return self.forge_identity(repo, ev, f, commit, need);
        }
        if !self.review.require_signed {
            return Ok(self
                .pick(std::slice::from_ref(&ev.email), &ev.email, need)
                .ok_or_else(|| format!("{} is not {}", ev.email, need_role(need))));
        }
        let Some(commit) = commit else {
            return Ok(Err(format!(
                "the {} by {} has no records commit to verify",
                ev.action.as_str(),
                ev.email
            )));
        };
        Ok(match self.verdict(repo, commit)? {
            Verdict::Verified(principals) => {
                self.pick(&principals, &ev.email, need).ok_or_else(|| {
                    format!(
                        "commit {} is signed by a key listed for {}, who is not {}",
                        commit.short(),
                        principals.join(", "),
                        need_role(need)
                    )
                })
            }
            v => Err(format!(
                "commit {} is {} (`require_signed = true` needs a key from the allowed-signers file)",
                commit.short(),
                v.label()
            )),
        })
    }

    /// Whether the records commit `commit` is by `[forge] ci_identity`: signed by a key the
    /// allowed-signers file lists for it under `require_signed`, else authored by it.
    pub fn by_ci(&self, repo: &Repository, commit: Oid) -> Result<Result<(), String>> {
        let Some(ci) = self
            .forge
            .ci_identity
            .as_ref()
            .map(|c| normalise_identity(&c.value))
        else {
            return Ok(Err(
                "`[forge] ci_identity` is not set on `service`, so no forge attestation counts"
                    .to_string(),
            ));
        };
        if self.review.require_signed {
            return Ok(match self.verdict(repo, commit)? {
                Verdict::Verified(p) if p.iter().any(|p| normalise_identity(p) == ci) => Ok(()),
                Verdict::Verified(p) => Err(format!(
                    "its records commit {} is signed by a key listed for {}, not for the CI identity {ci}",
                    commit.short(),
                    p.join(", ")
                )),
                v => Err(format!(
                    "its records commit {} is {} (`require_signed = true` needs the CI identity's key)",
                    commit.short(),
                    v.label()
                )),
            });
        }
        let author = objects::commit_info(repo, commit)?.author_email;
        Ok(if normalise_identity(&author) == ci {
            Ok(())
        } else {
            Err(format!(
                "its records commit {} is by {author}, not by the CI identity {ci}",
                commit.short()
            ))
        })
    }

    /// The identity of an event that carries a forge attestation: it counts only when the CI
    /// identity wrote it, and then it is the person `[forge]` maps the login to (the CI identity
    /// itself for an unmapped login's request, and for a cancel of a closed pull request).
    fn forge_identity(
        &self,
        repo: &Repository,
        ev: &Event,
        f: &ForgeAttestation,
        commit: Option<Oid>,
        need: &Need,
    ) -> Result<Result<String, String>> {
        let what = format!(
            "the {} by {} claims a {} pull-request attestation (#{} by {})",
            ev.action.as_str(),
            ev.email,
            f.name,
            f.pull_request,
            f.login
        );
        let Some(commit) = commit else {
            return Ok(Err(format!("{what} but has no records commit to verify")));
        };
        if let Err(why) = self.by_ci(repo, commit)? {
            return Ok(Err(format!("{what}, but {why}")));
        }
        let ci = self
            .forge
            .ci_identity
            .as_ref()
            .map(|c| c.value.trim().to_lowercase())
            .unwrap_or_default();
        let mapped = self.forge.identity_of(&f.name, &f.login);
        if let Some(m) = &mapped
            && normalise_identity(m) != normalise_identity(&ev.email)
        {
            return Ok(Err(format!(
                "{what}, but `[forge] {}` maps `{}` to {m}",
                f.name, f.login
            )));
        }
        let claimed = mapped.clone().unwrap_or_else(|| ci.clone());
        if mapped.is_none() && normalise_identity(&ev.email) != normalise_identity(&ci) {
            return Ok(Err(format!(
                "{what}, but `{}` is not mapped in `[forge] {}`",
                f.login, f.name
            )));
        }
        if let Some(id) = self.pick(std::slice::from_ref(&claimed), &claimed, need) {
            return Ok(Ok(id));
        }
        if matches!(need, Need::RequesterOrReviewer(_)) {
            // Closing a pull request on the forge cancels its review: the CI identity acts for
            // whoever closed it (anyone the forge lets close it).
            return Ok(Ok(ci));
        }
        Ok(Err(format!(
            "{what}, but {claimed} is not {}",
            need_role(need)
        )))
    }

    /// Of the identities a signature (or the self-asserted e-mail) proves, the one that may do
    /// what `need` says, preferring the one the event claims.
    pub fn pick(&self, candidates: &[String], claimed: &str, need: &Need) -> Option<String> {
        let fits = |id: &str| match need {
            Need::Anyone => true,
            Need::Reviewer => self.is_reviewer(id),
            Need::RequesterOrReviewer(req) => {
                normalise_identity(id) == *req || self.is_reviewer(id)
            }
        };
        let mine = normalise_identity(claimed);
        let mut ordered: Vec<&String> = candidates
            .iter()
            .filter(|p| normalise_identity(p) == mine)
            .collect();
        ordered.extend(candidates.iter().filter(|p| normalise_identity(p) != mine));
        ordered
            .into_iter()
            .find(|p| fits(p))
            .map(|p| p.trim().to_lowercase())
    }

    /// The distinct identities whose approvals of `record` count under this policy (for its
    /// current tree, by reviewers, not the requester unless self-approval is allowed), and the
    /// reasons the other approvals do not count.
    pub fn approvals(
        &self,
        repo: &Repository,
        record: &Record,
        commits: &[Oid],
    ) -> Result<(Vec<String>, Vec<String>)> {
        let requester = match record.request() {
            Some(req) => match self.identity(repo, req, commits.first().copied(), &Need::Anyone)? {
                Ok(id) => Some(normalise_identity(&id)),
                Err(_) => None,
            },
            None => None,
        };
        let mut ok: Vec<String> = Vec::new();
        let mut not = Vec::new();
        for (i, ev) in record.events.iter().enumerate() {
            if ev.action != Action::Approve || ev.tree != record.tree {
                continue;
            }
            match self.identity(repo, ev, commits.get(i).copied(), &Need::Reviewer)? {
                Ok(id) => {
                    let n = normalise_identity(&id);
                    if !self.review.allow_self_approval && Some(&n) == requester.as_ref() {
                        not.push(format!("{id} approved their own request"));
                    } else if !ok.iter().any(|o| normalise_identity(o) == n) {
                        ok.push(id);
                    }
                }
                Err(why) => not.push(why),
            }
        }
        Ok((ok, not))
    }
}

fn need_role(need: &Need) -> &'static str {
    match need {
        Need::Anyone => "a listed signer",
        Need::Reviewer => "a reviewer",
        Need::RequesterOrReviewer(_) => "the requester or a reviewer",
    }
}

/// The identity the user acts as for an event that needs `need`: with `require_signed`, the
/// principal the allowed-signers file on `service` lists for the user's signing key (whatever
/// the git e-mail says); without, the git author. Refused when that identity may not do it.
pub fn actor(chart: &Chart, policy: &Policy, need: &Need) -> Result<Identity> {
    let mut me = chart.author()?;
    let service = chart.service_name();
    if !policy.review.require_signed {
        return match policy.pick(std::slice::from_ref(&me.email), &me.email, need) {
            Some(_) => Ok(me),
            None => Err(refused(format!(
                "{} is not {}: see `[review] reviewers` in `cekops.toml` on `{service}`",
                me.email,
                need_role(need)
            ))
            .hint("your identity comes from GIT_AUTHOR_EMAIL or `git config user.email`")
            .into()),
        };
    }
    let Some(signer) = chart.signer()? else {
        // `Chart::signer` already refuses a missing key under `require_signed`.
        return Err(refused("no signing key").into());
    };
    let Some(allowed) = policy
        .allowed
        .as_deref()
        .filter(|a| crate::git::sign::has_keys(a))
    else {
        return Err(refused(format!(
            "`require_signed = true` on `{service}`, but its allowed-signers file (`[review] allowed_signers`) is missing or lists no key"
        ))
        .hint("add the reviewers' public keys to it through a config review")
        .into());
    };
    let principals = signer.principals(allowed)?;
    match policy.pick(&principals, &me.email, need) {
        Some(p) => {
            me.email = p;
            Ok(me)
        }
        None if principals.is_empty() => Err(refused(format!(
            "your signing key (`user.signingKey` = {}) is not in the allowed-signers file on `{service}`",
            signer.configured
        ))
        .hint("ask for your public key to be added to it (a config review), or sign with a listed key")
        .into()),
        None => Err(refused(format!(
            "your signing key is listed for {}, who is not {}",
            principals.join(", "),
            need_role(need)
        ))
        .hint(format!("see `[review] reviewers` in `cekops.toml` on `{service}`"))
        .into()),
    }
}

/// A problem with the records branch history.
#[derive(Clone, Debug)]
pub struct Problem {
    /// The records commit that did it.
    pub commit: Oid,
    /// `<id>/<number>`.
    pub record: String,
    pub message: String,
}

/// The records branch read event by event.
#[derive(Debug, Default)]
pub struct EventLog {
    /// For each record (`(id, number)`), the records commit that added each of its events.
    pub commits: HashMap<(String, u32), Vec<Oid>>,
    /// Broken rules, oldest first.
    pub problems: Vec<Problem>,
}

impl EventLog {
    pub fn of(&self, record: &Record) -> &[Oid] {
        self.commits
            .get(&(record.extension.clone(), record.number))
            .map_or(&[], Vec::as_slice)
    }
}

fn parse(repo: &Repository, blob: Oid) -> Option<Record> {
    let bytes = records::read_blob(repo, blob).ok()?;
    toml::from_str(std::str::from_utf8(&bytes).ok()?).ok()
}

/// The state an event leads to, for an open record.
fn allowed_next(kind: RecordKind, action: Action, state: RecordState) -> bool {
    match action {
        Action::Approve => matches!(state, RecordState::Open | RecordState::Approved),
        Action::Reject => state == RecordState::Rejected && kind != RecordKind::Stop,
        Action::Cancel => state == RecordState::Cancelled,
        Action::Sync => state == RecordState::Open && kind != RecordKind::Stop,
        Action::Request | Action::Delete | Action::Restore => false,
    }
}

fn opening_ok(r: &Record) -> bool {
    let Some(first) = r.events.first() else {
        return false;
    };
    match r.kind {
        RecordKind::Review | RecordKind::ConfigReview | RecordKind::Stop => {
            first.action == Action::Request && r.state == RecordState::Open
        }
        RecordKind::Delete => first.action == Action::Delete && r.state == RecordState::Done,
        RecordKind::Restore => first.action == Action::Restore && r.state == RecordState::Done,
    }
}

/// Read the records branch from its first commit to `tip`, event by event. The rules on the
/// shape of the history (append-only events, lifecycle order, numbering) are checked for every
/// commit after `fresh_after` (all when `None`); with `policy`, so is who did each new event.
pub fn event_log(
    repo: &Repository,
    tip: Option<Oid>,
    fresh_after: Option<Oid>,
    policy: Option<&Policy>,
) -> Result<EventLog> {
    let mut log = EventLog::default();
    let mut settled: HashSet<Oid> = HashSet::new();
    let mut cur = fresh_after;
    while let Some(c) = cur {
        if !settled.insert(c) {
            break;
        }
        cur = objects::commit_info(repo, c)?.parents.first().copied();
    }
    let mut highest: BTreeMap<String, u32> = BTreeMap::new();
    let mut per_commit: HashMap<Oid, usize> = HashMap::new();
    let changes = records::changes(repo, tip, None)?;
    for ch in &changes {
        *per_commit.entry(ch.commit).or_default() += 1;
    }
    for ch in changes {
        let key = (ch.id.clone(), ch.number);
        let name = format!("{}/{}", ch.id, ch.number);
        let fresh = !settled.contains(&ch.commit);
        let mut problem = |message: String| {
            if fresh {
                log.problems.push(Problem {
                    commit: ch.commit,
                    record: name.clone(),
                    message,
                });
            }
        };
        let old = ch.old.and_then(|b| parse(repo, b));
        let Some(new_blob) = ch.new else {
            problem(format!("record {name} was removed"));
            continue;
        };
        let Some(new) = parse(repo, new_blob) else {
            problem(format!("record {name} is not a readable record"));
            continue;
        };
        if new.extension != ch.id || new.number != ch.number {
            problem(format!(
                "record {name} says it is {}/{}",
                new.extension, new.number
            ));
        }
        if per_commit.get(&ch.commit).copied().unwrap_or(0) > 1 {
            problem(format!(
                "commit {} changes more than one record at once",
                ch.commit.short()
            ));
        }
        let prev: &[Event] = old.as_ref().map_or(&[], |o| o.events.as_slice());
        let commits = log.commits.entry(key.clone()).or_default();
        if new.events.len() < prev.len() || new.events[..prev.len()] != *prev {
            problem(format!(
                "record {name}: events already written were changed or removed"
            ));
            continue;
        }
        let added = &new.events[prev.len()..];
        commits.extend(std::iter::repeat_n(ch.commit, added.len()));
        match &old {
            None => {
                let last = highest.get(&ch.id).copied().unwrap_or(0);
                if ch.number != last.saturating_add(1) || last == u32::MAX {
                    problem(format!(
                        "record {name} does not follow the last record of `{}` (#{last})",
                        ch.id
                    ));
                }
                if !opening_ok(&new) || added.len() != 1 {
                    problem(format!(
                        "record {name} does not start with one request, delete or restore"
                    ));
                }
            }
            Some(o) => {
                let synced = added.iter().any(|e| e.action == Action::Sync);
                if (o.kind, &o.branch) != (new.kind, &new.branch) || (!synced && o.base != new.base)
                {
                    problem(format!("record {name}: its kind, branch or base changed"));
                }
                if o.state != RecordState::Open {
                    problem(format!(
                        "record {name} was {} and cannot gain events",
                        o.state.as_str()
                    ));
                }
                if added.len() != 1 {
                    problem(format!(
                        "record {name}: commit {} adds {} events (one event per commit)",
                        ch.commit.short(),
                        added.len()
                    ));
                }
                if let Some(ev) = added.last()
                    && !allowed_next(new.kind, ev.action, new.state)
                {
                    problem(format!(
                        "record {name}: `{}` cannot leave the record {}",
                        ev.action.as_str(),
                        new.state.as_str()
                    ));
                }
                if !synced && (&o.commit, &o.tree) != (&new.commit, &new.tree) {
                    problem(format!(
                        "record {name}: the reviewed commit changed without a sync"
                    ));
                }
            }
        }
        let h = highest.entry(ch.id.clone()).or_insert(0);
        *h = (*h).max(ch.number);
        let (Some(policy), true) = (policy, fresh) else {
            continue;
        };
        let requester = match new.request() {
            Some(r) => policy
                .identity(repo, r, log.commits[&key].first().copied(), &Need::Anyone)?
                .map(|i| normalise_identity(&i))
                .unwrap_or_default(),
            None => String::new(),
        };
        for ev in added {
            let need = match ev.action {
                Action::Approve | Action::Reject => Need::Reviewer,
                Action::Cancel => Need::RequesterOrReviewer(requester.clone()),
                _ => Need::Anyone,
            };
            if let Err(why) = policy.identity(repo, ev, Some(ch.commit), &need)? {
                log.problems.push(Problem {
                    commit: ch.commit,
                    record: name.clone(),
                    message: format!("record {name}: the {}: {why}", ev.action.as_str()),
                });
            }
        }
        if new.state == RecordState::Approved && o_state(&old) != Some(RecordState::Approved) {
            let (ok, not) = policy.approvals(repo, &new, &log.commits[&key])?;
            if (ok.len() as u32) < policy.required() {
                let mut msg = format!(
                    "record {name} is approved with {} valid approvals; the policy requires {}",
                    ok.len(),
                    policy.required()
                );
                for n in not {
                    msg.push_str(&format!("; {n}"));
                }
                log.problems.push(Problem {
                    commit: ch.commit,
                    record: name.clone(),
                    message: msg,
                });
            }
        }
    }
    Ok(log)
}

fn o_state(r: &Option<Record>) -> Option<RecordState> {
    r.as_ref().map(|r| r.state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_compared_without_case_or_plus_tags() {
        for (a, b) in [
            ("alice+alt@example.com", "alice@example.com"),
            (" <Alice@Example.COM> ", "alice@example.com"),
            ("alice+a+b@example.com", "alice@example.com"),
        ] {
            assert_eq!(normalise_identity(a), b);
        }
        assert_ne!(
            normalise_identity("a.lice@example.com"),
            normalise_identity("alice@example.com")
        );
    }
}
