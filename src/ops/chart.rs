//! The branch chart every lifecycle command works on: the repository, the branch names and review
//! policy read from `service`, and the records branch.

use std::path::Path;

use anyhow::Result;

use crate::error::refused;
use crate::error::usage;
use crate::git;
use crate::git::Oid;
use crate::git::Repository;
use crate::git::identity::Identity;
use crate::git::identity::Role;
use crate::git::objects;
use crate::git::records::RecordFiles;
use crate::git::records::RecordWrite;
use crate::git::refs;
use crate::git::refs::RefUpdate;
use crate::model::Branches;
use crate::model::Record;
use crate::model::RecordKind;
use crate::model::RecordState;
use crate::model::RepoConfig;
use crate::model::ReviewPolicy;

/// An opened repository with its lifecycle settings.
pub struct Chart {
    pub repo: Repository,
    /// Branch names, from `cekops.toml` on `service`.
    pub branches: Branches,
    /// Review policy, from `cekops.toml` on `service` (never from a branch under review).
    pub policy: ReviewPolicy,
    /// Forge logins and the CI identity, from `cekops.toml` on `service`.
    pub forge: crate::model::ForgeConfig,
    /// Whether `service` holds a `cekops.toml` at all.
    pub has_config: bool,
    /// The `service` commit.
    pub service: Oid,
    /// The records files at the records branch tip.
    pub records: RecordFiles,
}

/// What a test branch's changes touch, compared with where it left `service`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Nothing differs from `service`.
    Empty,
    /// Only `extensions/<id>/`.
    Extension,
    /// Only repository-level files (nothing under `extensions/`).
    Config,
    /// Another extension's folder, or an extension and repository-level files together.
    Mixed(Vec<String>),
}

// ---------------------------------------------------------------------------------------------
// Repository settings (`cekops.toml`) as git holds them: this module is their only reader from
// git objects. Each reader names its fallback; all but `config_at_checked` share `parse_at`.

/// Why a commit's `cekops.toml` is not usable settings.
enum Invalid {
    NotUtf8,
    /// The TOML parser's message.
    Toml(String),
}

/// `cekops.toml` in a commit: `None` when there is no such file, else the settings or why they
/// cannot be read.
fn parse_at(repo: &Repository, commit: Oid) -> Result<Option<Result<RepoConfig, Invalid>>> {
    let Some(bytes) = objects::read_file(repo, commit, "cekops.toml")? else {
        return Ok(None);
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Ok(Some(Err(Invalid::NotUtf8)));
    };
    Ok(Some(toml::from_str(&text).map_err(|e| {
        Invalid::Toml(e.message().trim().to_string())
    })))
}

/// The settings in a commit of `branch`, strictly: a file that is not valid settings is refused.
fn read_config_at(repo: &Repository, commit: Oid, branch: &str) -> Result<Option<RepoConfig>> {
    match parse_at(repo, commit)? {
        None => Ok(None),
        Some(Ok(cfg)) => Ok(Some(cfg)),
        Some(Err(Invalid::NotUtf8)) => Err(refused(format!(
            "`cekops.toml` on `{branch}` is not UTF-8 text"
        ))
        .hint("fix it through a config review (a test branch that changes only repository-level files)")
        .into()),
        Some(Err(Invalid::Toml(message))) => Err(refused(format!(
            "`cekops.toml` on `{branch}` is not valid: {message}"
        ))
        .hint(format!(
            "run `cekops validate --rev {branch}` for details; fix it through a config review"
        ))
        .into()),
    }
}

/// The repository settings in a commit, checked against the schema like `validate` checks them
/// (`None`: no file, not UTF-8, or not valid).
pub fn config_at_checked(repo: &Repository, commit: Oid) -> Option<RepoConfig> {
    let bytes = objects::read_file(repo, commit, "cekops.toml").ok()??;
    let text = std::str::from_utf8(&bytes).ok()?;
    let mut sink = crate::diag::Report::default();
    crate::load::parse_toml::<RepoConfig>(
        crate::model::schema::FileKind::Config,
        "cekops.toml",
        text,
        &mut sink,
    )
}

/// The settings on the service branch's commit for registering an extension: the defaults when
/// there is no `cekops.toml`, refused when it is not valid.
pub fn config_for_new(repo: &Repository, commit: Oid, service: &str) -> Result<RepoConfig> {
    match parse_at(repo, commit)? {
        None => Ok(RepoConfig::default()),
        Some(Ok(cfg)) => Ok(cfg),
        Some(Err(_)) => Err(
            refused(format!("`cekops.toml` on `{service}` is not valid"))
                .hint(format!("run `cekops validate --rev {service}` to see why"))
                .into(),
        ),
    }
}

/// The repository settings in a commit, leniently: `None` when the commit has no `cekops.toml`
/// or it is not valid (callers then fall back to the defaults). [`Chart`] reads the settings
/// on `service` strictly instead.
pub fn config_at(repo: &Repository, commit: Oid) -> Option<RepoConfig> {
    parse_at(repo, commit).ok()??.ok()
}

/// The git configuration key (in the server repository's own config) that pins the name of the
/// protected service branch; `cekops hooks install --server` writes it.
pub const SERVICE_PIN: &str = "cekops.serviceBranch";

impl Chart {
    /// Open the repository containing `dir` and read the chart from its `service` branch.
    pub fn open(dir: &Path) -> Result<Chart> {
        let repo = git::discover(dir).map_err(|_| {
            usage(format!(
                "`{}` is not inside a git repository",
                dir.display()
            ))
            .hint("run cekops inside an extension repository (or `cekops init` to create one)")
        })?;
        Self::from_repo(repo)
    }

    /// The chart of an opened repository (hooks open it with the objects of a push in progress).
    pub fn from_repo(repo: Repository) -> Result<Chart> {
        let service_name = Self::service_name_of(&repo)?;
        let service_ref = refs::branch_ref(&service_name);
        let Some(service) = refs::read(&repo, &service_ref)? else {
            let remote_has = refs::any_matching(&repo, &format!("refs/remotes/*/{service_name}"));
            let hint = if remote_has {
                "this clone has no local branch yet: run `cekops fetch` to create it"
            } else {
                "run `cekops init` to create the repository layout"
            };
            return Err(refused(format!(
                "the repository has no `{service_name}` branch (the service version)"
            ))
            .hint(hint)
            .into());
        };
        let cfg = read_config_at(&repo, service, &service_name)?;
        let has_config = cfg.is_some();
        let cfg = cfg.unwrap_or_default();
        let branches = cfg.branches.clone();
        if branches.service.value != service_name {
            return Err(refused(format!(
                "`cekops.toml` on `{service_name}` names `{}` as the service branch",
                branches.service.value
            ))
            .hint("the `[branches] service` setting must name the branch it is on")
            .into());
        }
        if let Some((which, why)) = branches.problems().into_iter().next() {
            return Err(refused(format!(
                "`[branches] {which}` in `cekops.toml` on `{service_name}`: {why}"
            ))
            .hint("nothing is written while the branch names are unusable; fix them through a config review")
            .into());
        }
        let records_tip = refs::read(&repo, &refs::branch_ref(&branches.records.value))?;
        let records = git::records::list(&repo, records_tip)?;
        Ok(Chart {
            repo,
            policy: cfg.review.clone(),
            forge: cfg.forge.clone(),
            branches,
            has_config,
            service,
            records,
        })
    }

    /// The service branch name: the one pinned in the repository's configuration (servers), else
    /// the default when that branch exists and names itself, else what HEAD's cekops.toml says. The policy is then read from that branch only, so a branch
    /// under review cannot redirect cekops to another "service".
    pub fn service_name_of(repo: &Repository) -> Result<String> {
        // A server pins the name it protects when its hook is installed.
        if let Some(pinned) = repo.local_config(SERVICE_PIN) {
            return Ok(pinned);
        }
        let default_name = Branches::default().service.value;
        let mut service_name = default_name.clone();
        let default_ok = match refs::read(repo, &refs::branch_ref(&default_name))? {
            Some(oid) => read_config_at(repo, oid, &default_name)
                .ok()
                .flatten()
                .is_none_or(|c| c.branches.service.value == default_name),
            None => false,
        };
        if !default_ok
            && let Some(c) = repo.head_commit()
            && let Ok(Some(cfg)) = read_config_at(repo, c, "HEAD")
        {
            service_name = cfg.branches.service.value.clone();
        }
        Ok(service_name)
    }

    pub fn service_name(&self) -> &str {
        &self.branches.service.value
    }
    pub fn records_name(&self) -> &str {
        &self.branches.records.value
    }
    pub fn service_ref(&self) -> String {
        refs::branch_ref(self.service_name())
    }
    pub fn records_ref(&self) -> String {
        refs::branch_ref(self.records_name())
    }
    pub fn test_name(&self, id: &str) -> String {
        self.branches.test_branch(id)
    }
    pub fn test_ref(&self, id: &str) -> String {
        refs::branch_ref(&self.test_name(id))
    }
    /// The test branch's commit, if the branch exists.
    pub fn test_tip(&self, id: &str) -> Result<Option<Oid>> {
        refs::read(&self.repo, &self.test_ref(id))
    }
    /// Every test branch: (ID, commit).
    pub fn test_branches(&self) -> Result<Vec<(String, Oid)>> {
        refs::branches_matching(&self.repo, &self.branches.test.value)
    }
    /// The folder of an extension in a tree.
    pub fn ext_path(id: &str) -> String {
        format!("extensions/{id}")
    }
    /// Whether `service` serves the extension.
    pub fn in_service(&self, id: &str) -> Result<bool> {
        Ok(objects::subtree(&self.repo, self.service, &Self::ext_path(id))?.is_some())
    }

    /// Folder for `validate --rev`.
    pub fn git_dir(&self) -> &Path {
        self.repo.git_dir()
    }

    pub fn author(&self) -> Result<Identity> {
        git::identity::resolve(&self.repo, Role::Author)
    }
    pub fn committer(&self) -> Result<Identity> {
        git::identity::resolve(&self.repo, Role::Committer)
    }

    /// The user's signing key, as `git commit -S` would use it, when records are to be signed:
    /// always under `require_signed` (refused when there is none, or it is not an ssh key), else
    /// when the user has `commit.gpgSign = true`.
    pub fn signer(&self) -> Result<Option<git::sign::Signer>> {
        // Like git: sign when asked to (`commit.gpgSign`), and always when the policy requires it.
        let wanted = self.policy.require_signed || git::sign::Signer::wanted(&self.repo);
        if !wanted {
            return Ok(None);
        }
        let s = git::sign::Signer::from_config(&self.repo).map_err(|e| {
            usage(format!("{e:#}")).hint("cekops signs records as `git commit -S` does: `git config gpg.format ssh` and `git config user.signingKey ~/.ssh/id_ed25519.pub`")
        })?;
        if s.is_none() && self.policy.require_signed {
            return Err(refused(format!(
                "`require_signed = true` on `{}`, and you have no signing key: records must be signed",
                self.service_name()
            ))
            .hint("set it as for `git commit -S`: `git config gpg.format ssh` and `git config user.signingKey ~/.ssh/id_ed25519.pub` (or `key::ssh-ed25519 AAAA...` for an ssh-agent key)")
            .into());
        }
        Ok(s)
    }

    /// Refuse work that needs full history in a shallow clone.
    pub fn require_full_history(&self) -> Result<()> {
        if self.repo.is_shallow() {
            return Err(refused(
                "this is a shallow clone: cekops needs the full history to check ancestry",
            )
            .hint("run `git fetch --unshallow` first")
            .into());
        }
        Ok(())
    }

    /// An ID is known when it has a test branch, is in service or has records.
    pub fn require_known(&self, id: &str) -> Result<()> {
        if self.test_tip(id)?.is_some()
            || self.in_service(id)?
            || self.records.by_id.contains_key(id)
        {
            return Ok(());
        }
        let mut known: Vec<String> = self.test_branches()?.into_iter().map(|(i, _)| i).collect();
        known.extend(objects::extension_folders(&self.repo, self.service)?);
        known.sort();
        known.dedup();
        let mut e = usage(format!(
            "unknown extension `{id}`: no `{}` branch, not in service and no records",
            self.test_name(id)
        ));
        if let Some(best) = crate::diag::closest(id, &known) {
            e = e.hint(format!("did you mean `{best}`?"));
        } else if known.is_empty() {
            e = e.hint("register one with `cekops new <ID>`");
        } else {
            e = e.hint(format!("known extensions: {}", known.join(", ")));
        }
        Err(e.into())
    }

    /// Parse one record file.
    pub fn read_record(&self, id: &str, number: u32) -> Result<Record> {
        let path = format!("{id}/{number}.toml");
        let Some(blob) = self.records.by_id.get(id).and_then(|m| m.get(&number)) else {
            return Err(usage(format!("no record `{path}` on `{}`", self.records_name())).into());
        };
        let bytes = git::records::read_blob(&self.repo, *blob)?;
        parse_record(&bytes, &path, self.records_name(), id, number)
    }

    /// Record numbers of an ID, oldest first.
    pub fn numbers(&self, id: &str) -> Vec<u32> {
        self.records
            .by_id
            .get(id)
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default()
    }

    /// The latest record of an ID.
    pub fn latest(&self, id: &str) -> Result<Option<Record>> {
        match self.numbers(id).last() {
            Some(n) => Ok(Some(self.read_record(id, *n)?)),
            None => Ok(None),
        }
    }

    /// The open record of an ID (at most one: the latest).
    pub fn open_record(&self, id: &str) -> Result<Option<Record>> {
        Ok(self.latest(id)?.filter(|r| r.state == RecordState::Open))
    }

    /// Every record of an ID, oldest first.
    pub fn all_records(&self, id: &str) -> Result<Vec<Record>> {
        self.numbers(id)
            .into_iter()
            .map(|n| self.read_record(id, n))
            .collect()
    }

    /// Records of an ID from the newest backwards, until `stop` says enough.
    pub fn scan_back(&self, id: &str, mut stop: impl FnMut(&Record) -> bool) -> Result<()> {
        for n in self.numbers(id).into_iter().rev() {
            let r = self.read_record(id, n)?;
            if stop(&r) {
                break;
            }
        }
        Ok(())
    }

    /// What a commit's changes touch relative to where it left `service`.
    pub fn scope(&self, id: &str, tip: Oid) -> Result<Scope> {
        let base = objects::merge_base(&self.repo, self.service, tip)?;
        let changed = objects::changed_paths(&self.repo, base, tip)?;
        if changed.is_empty() {
            return Ok(Scope::Empty);
        }
        let own = format!("extensions/{id}/");
        let in_own = changed.iter().filter(|p| p.starts_with(&own)).count();
        let in_ext = changed
            .iter()
            .filter(|p| p.starts_with("extensions/"))
            .count();
        if in_own == changed.len() {
            return Ok(Scope::Extension);
        }
        if in_ext == 0 {
            return Ok(Scope::Config);
        }
        let others: Vec<String> = if in_own > 0 {
            changed
                .into_iter()
                .filter(|p| !p.starts_with(&own))
                .collect()
        } else {
            changed
                .into_iter()
                .filter(|p| p.starts_with("extensions/"))
                .collect()
        };
        Ok(Scope::Mixed(others))
    }

    /// The tree a review of `kind` pins: `extensions/<id>/` or the whole commit.
    pub fn review_tree(&self, kind: RecordKind, id: &str, commit: Oid) -> Result<Option<Oid>> {
        match kind {
            RecordKind::ConfigReview => Ok(Some(objects::commit_info(&self.repo, commit)?.tree)),
            _ => objects::subtree(&self.repo, commit, &Self::ext_path(id)),
        }
    }

    /// Write `record` as one commit on the records branch and move the records branch together
    /// with `also` (other ref moves) in one compare-and-swap transaction. The records branch is
    /// written first: an interrupted approval then shows as "recorded, service not moved", which
    /// `review approve` can finish.
    pub fn commit_record(
        &self,
        record: &Record,
        subject: &str,
        actor: &Identity,
        keep: Option<Oid>,
        also: Vec<RefUpdate>,
    ) -> Result<Oid> {
        let committer = self.committer()?;
        let new = self.write_record(record, &record_message(subject, record), actor, keep)?;
        let mut updates = vec![RefUpdate {
            name: self.records_ref(),
            old: self.records.tip,
            new: Some(new),
        }];
        updates.extend(also);
        refs::update(
            &self.repo,
            &updates,
            &committer,
            &format!("cekops: {subject}"),
        )?;
        Ok(new)
    }

    /// Write `record` as one commit on top of the records tip (`self.records.tip`), authored
    /// by `author`; no ref moves. The one place records commits are made.
    pub fn write_record(
        &self,
        record: &Record,
        message: &str,
        author: &Identity,
        keep: Option<Oid>,
    ) -> Result<Oid> {
        let text = record
            .to_toml()
            .map_err(|e| anyhow::anyhow!("cannot write the record: {e}"))?;
        git::records::write_commit(
            &self.repo,
            self.records.tip,
            &RecordWrite {
                id: &record.extension,
                number: record.number,
                text: &text,
                message,
                keep,
            },
            author,
            &self.committer()?,
            // Signed with the user's key as `git commit -S` would (replayed events too: a
            // signature covers the parent, which changed).
            self.signer()?.as_ref(),
        )
    }

    /// Reviewers, lower-cased.
    pub fn reviewers(&self) -> Vec<String> {
        self.policy
            .reviewers
            .iter()
            .map(|r| r.value.trim().to_lowercase())
            .collect()
    }

    pub fn is_reviewer(&self, email: &str) -> bool {
        let e = email.trim().to_lowercase();
        self.reviewers().contains(&e)
    }

    pub fn required_approvals(&self) -> u32 {
        self.policy.required_approvals.value.max(1)
    }
}

/// Parse a record's TOML, with an error that says where it is and how to recover.
/// The message of a records commit: the subject, then a `Record:` trailer naming the file.
pub fn record_message(subject: &str, record: &Record) -> String {
    format!(
        "{subject}\n\nRecord: {}/{}.toml ({} {}, {})\n",
        record.extension,
        record.number,
        record.kind.as_str(),
        record.state.as_str(),
        record.branch
    )
}

pub fn parse_record(
    bytes: &[u8],
    path: &str,
    records_branch: &str,
    id: &str,
    number: u32,
) -> Result<Record> {
    let broken = |why: String| {
        refused(format!(
            "record `{path}` on `{records_branch}` cannot be read: {why}"
        ))
        .hint(format!(
            "it was probably edited by hand; see `git log -p {records_branch} -- {path}` and commit a fixed version on `{records_branch}` (nothing else was changed)"
        ))
    };
    let text = std::str::from_utf8(bytes).map_err(|_| broken("not UTF-8 text".into()))?;
    let rec: Record = toml::from_str(text).map_err(|e| broken(e.message().trim().to_string()))?;
    if rec.extension != id || rec.number != number {
        return Err(broken(format!(
            "it says it is `{}/{}.toml`",
            rec.extension, rec.number
        ))
        .into());
    }
    if rec.format > crate::model::RECORD_FORMAT {
        return Err(refused(format!(
            "record `{path}` uses record format {}; this cekops reads format {}",
            rec.format,
            crate::model::RECORD_FORMAT
        ))
        .hint("update cekops")
        .into());
    }
    Ok(rec)
}
