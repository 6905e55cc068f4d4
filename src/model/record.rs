//! Lifecycle records: `<id>/<number>.toml` on the records branch (`cekops/records` by default).
//!
//! One file per review or operation. Every state change is a commit on the records branch,
//! authored by the person who made it, that rewrites the file with one more event. The file is
//! plain TOML: `git show cekops/records:com.example.pizzabot/3.toml`.

use schemars::JsonSchema;
use serde::Deserialize;
use serde::Serialize;

/// The version of the record format written by this build.
pub const RECORD_FORMAT: u32 = 1;

/// One lifecycle record: a review (of an extension or of the repository-level files), a stop
/// request, a deletion or a restoration.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[schemars(title = "lifecycle record")]
pub struct Record {
    /// Record format version (currently 1).
    pub format: u32,
    /// What the record is about.
    pub kind: RecordKind,
    /// The Extension ID (for a config review: the name after the test-branch prefix).
    pub extension: String,
    /// The record's number among the records of this ID (the file name `<number>.toml`).
    pub number: u32,
    /// Current state; only `open` records can change.
    pub state: RecordState,
    /// The test branch the record is about (`test/<id>`).
    pub branch: String,
    /// The commit under review (reviews), or the commit the test branch held (delete, restore).
    /// Reviews move it only through `cekops sync`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The tree id of `extensions/<id>/` at `commit` (extension reviews), or the commit's root
    /// tree (config reviews). Approvals are valid for this tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
    /// The `service` commit the record was opened against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// What happened, oldest first.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// What a record is about.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum RecordKind {
    /// A review of one extension's test version (touches only `extensions/<id>/`).
    Review,
    /// A review of repository-level files (`cekops.toml` and anything outside `extensions/`).
    ConfigReview,
    /// A request to stop serving an extension; approving it removes `extensions/<id>/` from service.
    Stop,
    /// The test branch was deleted.
    Delete,
    /// The test branch was brought back from a deletion record.
    Restore,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Review => "review",
            RecordKind::ConfigReview => "config-review",
            RecordKind::Stop => "stop",
            RecordKind::Delete => "delete",
            RecordKind::Restore => "restore",
        }
    }
    /// Reviews and stops are requests that a reviewer decides.
    pub fn is_request(self) -> bool {
        matches!(
            self,
            RecordKind::Review | RecordKind::ConfigReview | RecordKind::Stop
        )
    }
}

/// The state of a record.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum RecordState {
    /// Waiting for reviewers; the test branch is locked.
    Open,
    /// Approved: `service` moved (see the `approve` event's `service_before` / `service_after`).
    Approved,
    /// Rejected with feedback (*Confirmation required*).
    Rejected,
    /// Cancelled by the requester (returns to the previous status).
    Cancelled,
    /// A one-step operation (delete, restore) that is complete.
    Done,
}

impl RecordState {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Open => "open",
            RecordState::Approved => "approved",
            RecordState::Rejected => "rejected",
            RecordState::Cancelled => "cancelled",
            RecordState::Done => "done",
        }
    }
}

/// One state change, authored by `name <email>` at `at`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// What was done.
    pub action: Action,
    /// Name of the person who did it (as git resolves the author).
    pub name: String,
    /// E-mail of the person who did it; reviewers are matched on it.
    pub email: String,
    /// When, RFC 3339 with the author's offset.
    pub at: String,
    /// The message to reviewers (request), the reason (stop), the feedback (reject) or a comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The commit the event is about (the reviewed commit for `request`, `approve`, `sync`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The tree the event is about (`approve`: the tree approved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
    /// `approve` that moved `service`: its commit before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_before: Option<String>,
    /// `approve` that moved `service`: its commit after (the reviewed commit, or the stop commit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_after: Option<String>,
    /// `request`: what `validate` with service rules found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<ValidationSummary>,
    /// The event happened on a forge's pull request and the CI job (`cekops ci`) recorded it:
    /// `email` is the person `[forge]` maps the login to. It counts only when its records
    /// commit is by `[forge] ci_identity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forge: Option<ForgeAttestation>,
}

/// Where on a forge an event happened (a pull-request review recorded by `cekops ci`).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ForgeAttestation {
    /// `github` or `gitlab`.
    pub name: String,
    /// The pull (merge) request number.
    pub pull_request: u64,
    /// The review id (GitHub) or the job id of the approving job (GitLab).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_id: Option<u64>,
    /// Link to the review, the job or the pull request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The forge login that did it.
    pub login: String,
}

/// What a state change was.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// A review or stop was requested.
    Request,
    /// The requester withdrew the request.
    Cancel,
    /// A reviewer approved (the last required approval also moves `service`).
    Approve,
    /// A reviewer rejected, with feedback.
    Reject,
    /// `cekops sync` rebased the test branch onto `service`; `commit` is the new commit.
    Sync,
    /// The test branch was deleted.
    Delete,
    /// The test branch was restored.
    Restore,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Request => "request",
            Action::Cancel => "cancel",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Sync => "sync",
            Action::Delete => "delete",
            Action::Restore => "restore",
        }
    }
}

/// Counts of findings at request time.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ValidationSummary {
    pub errors: u32,
    pub warnings: u32,
}

impl Record {
    /// The event that opened the record.
    pub fn request(&self) -> Option<&Event> {
        self.events.first()
    }

    /// The approvals that count: by distinct reviewers, for the record's current tree.
    pub fn valid_approvals(&self) -> Vec<&Event> {
        let mut seen: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for e in &self.events {
            if e.action == Action::Approve && e.tree == self.tree {
                let key = e.email.to_lowercase();
                if !seen.contains(&key) {
                    seen.push(key);
                    out.push(e);
                }
            }
        }
        out
    }

    /// The event that closed the record (approve that moved service, reject, cancel).
    pub fn decision(&self) -> Option<&Event> {
        if self.state == RecordState::Open {
            return None;
        }
        self.events.last()
    }

    /// Serialize as the TOML file stored on the records branch.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        let mut text = format!(
            "# cekops lifecycle record: {} of {} (see README \"Records\")\n",
            self.kind.as_str(),
            self.extension
        );
        text.push_str(&toml::to_string(self)?);
        Ok(text)
    }
}
