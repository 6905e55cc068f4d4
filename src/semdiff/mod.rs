//! Semantic diff of extensions: what changed *for the console*, grouped by the console's update
//! categories (basic information, server connection, interaction model, deployment information).
//!
//! The engine compares loaded values ([`crate::model::Extension`], [`crate::model::Repo`]), never files or git
//! objects, so anything that can be loaded can be compared: two commits (`cekops diff`), a work
//! tree, or a console download. Comparisons are order-insensitive and whitespace-normalised:
//! utterances, slot values, synonyms and invocation names are compared through
//! [`crate::utterance::normalize`]; other text with runs of whitespace collapsed. Descriptions that are
//! not sent to the console (intent and slot-type `description`) and test suites are not compared.
//!
//! Destructive changes (they can break what users of the service version rely on) are flagged:
//! removed intents (and renamed ones: the server receives a new name), removed slots, slot values
//! and synonyms, removed slot types and built-in intents, removed invocation names, a changed or
//! removed endpoint, and turning account linking off.

mod fields;
mod model;
pub mod render;

use std::collections::HashSet;

use serde::Serialize;

use crate::model::RepoConfig;
use crate::model::Sp;
use fields::basic;
use fields::deployment;
use fields::server;
use model::interaction_model;
use model::normalized;
pub use model::utterance_key;

/// Version of the JSON output (`--format json`); bumped on any breaking change.
pub const JSON_VERSION: u32 = 1;

/// Two intents (or slot types) present on one side only count as a rename when the Jaccard
/// similarity of their normalised utterance (or value) sets is at least this.
pub const RENAME_THRESHOLD: f64 = 0.5;

/// The console's update categories (spec §6), in the order they are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// `extension.toml`: the **Extension information** tab.
    BasicInformation,
    /// `server.toml`: **Server connection settings** and account linking.
    ServerConnection,
    /// Intents, slot types and the built-in intents and slot types in use.
    InteractionModel,
    /// `store.toml`: Skill Store exposure, privacy and compliance, review information.
    DeploymentInformation,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::BasicInformation,
        Category::ServerConnection,
        Category::InteractionModel,
        Category::DeploymentInformation,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Category::BasicInformation => "Basic information",
            Category::ServerConnection => "Server connection",
            Category::InteractionModel => "Interaction model",
            Category::DeploymentInformation => "Deployment information",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::BasicInformation => "basic_information",
            Category::ServerConnection => "server_connection",
            Category::InteractionModel => "interaction_model",
            Category::DeploymentInformation => "deployment_information",
        }
    }
}

/// A slot of an intent: name and slot type.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlotRef {
    pub slot: String,
    pub slot_type: String,
}

/// The value of a setting.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// Text as written (compared with runs of whitespace collapsed).
    Text(String),
    /// A yes/no setting.
    Flag(bool),
    Number(u64),
    /// A fixed choice (`ko-KR`, `http-basic`) or a secret reference (`{ env = "NAME" }`): shown
    /// as is, never quoted.
    Word(String),
}

impl Value {
    /// The value as plain text.
    pub fn as_text(&self) -> String {
        match self {
            Value::Text(s) | Value::Word(s) => s.clone(),
            Value::Flag(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
        }
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Flag(b)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Number(n.into())
    }
}

/// One semantic change. `field` names are the file's key paths (`name`,
/// `account_linking.client_id`, `store.keywords`, ...).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Change {
    /// A single-valued setting was set (`old` = null), changed, or cleared (`new` = null).
    Field {
        field: String,
        old: Option<Value>,
        new: Option<Value>,
    },
    /// An entry was added to a list setting (invocation names, testers, keywords, ...).
    ItemAdded {
        field: String,
        value: String,
    },
    /// An entry was removed from a list setting.
    ItemRemoved {
        field: String,
        value: String,
    },
    /// The file a setting points at (an icon) changed while the setting did not.
    FileChanged {
        field: String,
        path: String,
    },
    IntentAdded {
        intent: String,
        utterances: usize,
        slots: Vec<SlotRef>,
    },
    IntentRemoved {
        intent: String,
        utterances: usize,
    },
    /// An intent removed and one added whose utterances are mostly the same.
    IntentRenamed {
        from: String,
        to: String,
        similarity: f64,
    },
    UtteranceAdded {
        intent: String,
        utterance: String,
    },
    UtteranceRemoved {
        intent: String,
        utterance: String,
    },
    SlotAdded {
        intent: String,
        slot: String,
        slot_type: String,
    },
    SlotRemoved {
        intent: String,
        slot: String,
        slot_type: String,
    },
    /// A slot of an intent now has another slot type.
    SlotRetyped {
        intent: String,
        slot: String,
        old: String,
        new: String,
    },
    SlotTypeAdded {
        slot_type: String,
        values: usize,
    },
    SlotTypeRemoved {
        slot_type: String,
        values: usize,
    },
    /// A slot type removed and one added whose values are mostly the same.
    SlotTypeRenamed {
        from: String,
        to: String,
        similarity: f64,
    },
    ValueAdded {
        slot_type: String,
        value: String,
        synonyms: Vec<String>,
    },
    ValueRemoved {
        slot_type: String,
        value: String,
    },
    SynonymAdded {
        slot_type: String,
        value: String,
        synonym: String,
    },
    SynonymRemoved {
        slot_type: String,
        value: String,
        synonym: String,
    },
}

/// What a change is about, for grouping in renderers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject<'a> {
    /// A setting of the category itself.
    Setting,
    Intent(&'a str),
    SlotType(&'a str),
}

impl Change {
    /// The intent or slot type a change belongs to (the new name after a rename).
    pub fn subject(&self) -> Subject<'_> {
        match self {
            Change::Field { .. }
            | Change::ItemAdded { .. }
            | Change::ItemRemoved { .. }
            | Change::FileChanged { .. } => Subject::Setting,
            Change::IntentAdded { intent, .. }
            | Change::IntentRemoved { intent, .. }
            | Change::UtteranceAdded { intent, .. }
            | Change::UtteranceRemoved { intent, .. }
            | Change::SlotAdded { intent, .. }
            | Change::SlotRemoved { intent, .. }
            | Change::SlotRetyped { intent, .. } => Subject::Intent(intent),
            Change::IntentRenamed { to, .. } => Subject::Intent(to),
            Change::SlotTypeAdded { slot_type, .. }
            | Change::SlotTypeRemoved { slot_type, .. }
            | Change::ValueAdded { slot_type, .. }
            | Change::ValueRemoved { slot_type, .. }
            | Change::SynonymAdded { slot_type, .. }
            | Change::SynonymRemoved { slot_type, .. } => Subject::SlotType(slot_type),
            Change::SlotTypeRenamed { to, .. } => Subject::SlotType(to),
        }
    }

    /// Whether this change introduces, removes or renames its subject (an intent or slot type)
    /// rather than changing something inside it.
    pub fn is_subject_header(&self) -> bool {
        matches!(
            self,
            Change::IntentAdded { .. }
                | Change::IntentRemoved { .. }
                | Change::IntentRenamed { .. }
                | Change::SlotTypeAdded { .. }
                | Change::SlotTypeRemoved { .. }
                | Change::SlotTypeRenamed { .. }
        )
    }

    /// `+` added, `-` removed, `~` changed.
    pub fn sign(&self) -> char {
        match self {
            Change::Field { old: None, .. }
            | Change::ItemAdded { .. }
            | Change::IntentAdded { .. }
            | Change::UtteranceAdded { .. }
            | Change::SlotAdded { .. }
            | Change::SlotTypeAdded { .. }
            | Change::ValueAdded { .. }
            | Change::SynonymAdded { .. } => '+',
            Change::Field { new: None, .. }
            | Change::ItemRemoved { .. }
            | Change::IntentRemoved { .. }
            | Change::UtteranceRemoved { .. }
            | Change::SlotRemoved { .. }
            | Change::SlotTypeRemoved { .. }
            | Change::ValueRemoved { .. }
            | Change::SynonymRemoved { .. } => '-',
            Change::Field { .. }
            | Change::FileChanged { .. }
            | Change::IntentRenamed { .. }
            | Change::SlotRetyped { .. }
            | Change::SlotTypeRenamed { .. } => '~',
        }
    }
}

/// A change with its category and whether it is destructive.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    #[serde(skip)]
    pub category: Category,
    #[serde(flatten)]
    pub change: Change,
    pub destructive: bool,
}

/// How an extension differs as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Only on the new side.
    Added,
    /// Only on the old side.
    Removed,
    /// On both sides, with changes.
    Modified,
    /// On both sides, no change.
    Unchanged,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Modified => "modified",
            Status::Unchanged => "unchanged",
        }
    }
}

/// The semantic changes of one extension, in display order (by category, then subject).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExtensionDiff {
    pub id: String,
    /// The extension name (new side, else old side).
    pub name: Option<String>,
    pub status: Status,
    pub changes: Vec<Entry>,
}

impl ExtensionDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && matches!(self.status, Status::Unchanged | Status::Modified)
    }
    pub fn destructive(&self) -> usize {
        self.changes.iter().filter(|e| e.destructive).count()
    }
    /// The changes of one category.
    pub fn category(&self, category: Category) -> impl Iterator<Item = &Entry> {
        self.changes.iter().filter(move |e| e.category == category)
    }
}

/// The semantic changes between two repositories (or revisions).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RepoDiff {
    /// Changes of the repository settings (`cekops.toml`): branch names and review policy.
    pub settings: Vec<Change>,
    /// Extensions that differ, by Extension ID.
    pub extensions: Vec<ExtensionDiff>,
    /// Files outside the compared extensions that differ, as plain file diffs: not part of the
    /// console's model, but a review would bring them to `service` all the same.
    pub files: Vec<FileChange>,
}

/// What a repository file outside the compared extensions is, for a reviewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// A CI workflow or pipeline: runs code in CI, with the repository's secrets.
    CiWorkflow,
    /// A git hook or hook configuration: runs code on developers' machines.
    Hook,
    /// `cekops.toml`: branch names and the review policy.
    Settings,
    /// Any other file.
    Other,
}

impl FileKind {
    /// Classify a repository path.
    pub fn of(path: &str) -> FileKind {
        let lower = path.to_ascii_lowercase();
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        if lower.starts_with(".github/workflows/")
            || lower.starts_with(".github/actions/")
            || lower.starts_with(".gitlab/")
            || lower.starts_with(".circleci/")
            || lower.starts_with(".buildkite/")
            || lower.starts_with(".woodpecker")
            || lower.starts_with(".forgejo/workflows/")
            || lower.starts_with(".gitea/workflows/")
            || matches!(
                lower.as_str(),
                ".gitlab-ci.yml"
                    | ".gitlab-ci.yaml"
                    | ".travis.yml"
                    | "jenkinsfile"
                    | "azure-pipelines.yml"
                    | "bitbucket-pipelines.yml"
                    | ".drone.yml"
            )
        {
            FileKind::CiWorkflow
        } else if lower.starts_with(".githooks/")
            || lower.starts_with(".husky/")
            || lower.starts_with("hooks/")
            || lower.contains("/hooks/")
            || matches!(
                name,
                ".pre-commit-config.yaml" | ".pre-commit-hooks.yaml" | "lefthook.yml"
            )
        {
            FileKind::Hook
        } else if lower == "cekops.toml" {
            FileKind::Settings
        } else {
            FileKind::Other
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::CiWorkflow => "ci-workflow",
            FileKind::Hook => "hook",
            FileKind::Settings => "settings",
            FileKind::Other => "other",
        }
    }

    /// Why a reviewer must read this file with care; `None` for ordinary files.
    pub fn flag(self) -> Option<&'static str> {
        match self {
            FileKind::CiWorkflow => Some("CI workflow: runs in CI with the repository's secrets"),
            FileKind::Hook => Some("hook: runs on developers' machines"),
            FileKind::Settings => Some("repository settings: branch names and the review policy"),
            FileKind::Other => None,
        }
    }
}

/// One file that differs, with its plain diff (made safe for a terminal).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileChange {
    pub path: String,
    pub status: Status,
    pub kind: FileKind,
    /// Whether a reviewer must read it with care (see [`FileKind::flag`]).
    pub flagged: bool,
    /// The unified diff of the file (`git diff` format, without the header lines).
    pub patch: String,
}

impl RepoDiff {
    pub fn is_empty(&self) -> bool {
        self.settings.is_empty() && self.extensions.is_empty() && self.files.is_empty()
    }
    /// Files that a reviewer must read with care (CI workflows, hooks, settings).
    pub fn flagged_files(&self) -> usize {
        self.files.iter().filter(|f| f.flagged).count()
    }
    /// Number of changes (settings, extensions and files).
    pub fn changes(&self) -> usize {
        self.settings.len()
            + self.files.len()
            + self
                .extensions
                .iter()
                .map(|e| e.changes.len())
                .sum::<usize>()
    }
    pub fn destructive(&self) -> usize {
        self.extensions.iter().map(ExtensionDiff::destructive).sum()
    }
}

/// Compare two repositories: the settings and every extension on either side. Only extensions
/// that differ are returned.
pub fn diff_repo(old: &crate::model::Repo, new: &crate::model::Repo) -> RepoDiff {
    let mut ids: Vec<&str> = old
        .extensions
        .iter()
        .chain(&new.extensions)
        .map(|e| e.id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let extensions = ids
        .into_iter()
        .map(|id| diff_extension(old.extension(id), new.extension(id)))
        .filter(|d| !d.is_empty())
        .collect();
    RepoDiff {
        settings: diff_settings(old.config.as_ref(), new.config.as_ref()),
        extensions,
        files: Vec::new(),
    }
}

/// Compare the repository settings; a missing `cekops.toml` counts as the defaults.
pub fn diff_settings(old: Option<&RepoConfig>, new: Option<&RepoConfig>) -> Vec<Change> {
    let default = RepoConfig::default();
    let o = old.unwrap_or(&default);
    let n = new.unwrap_or(&default);
    let mut b = Builder::new(Category::BasicInformation);
    b.field(
        "branches.service",
        Some(o.branches.service.value.clone()),
        Some(n.branches.service.value.clone()),
        false,
    );
    b.field(
        "branches.test",
        Some(o.branches.test.value.clone()),
        Some(n.branches.test.value.clone()),
        false,
    );
    b.field(
        "branches.records",
        Some(o.branches.records.value.clone()),
        Some(n.branches.records.value.clone()),
        false,
    );
    b.list(
        "review.reviewers",
        strs(&o.review.reviewers),
        strs(&n.review.reviewers),
        Key::Exact,
        false,
    );
    b.field(
        "review.required_approvals",
        Some(o.review.required_approvals.value),
        Some(n.review.required_approvals.value),
        false,
    );
    b.field(
        "review.allow_self_approval",
        Some(o.review.allow_self_approval),
        Some(n.review.allow_self_approval),
        false,
    );
    b.field(
        "review.require_signed",
        Some(o.review.require_signed),
        Some(n.review.require_signed),
        false,
    );
    b.field(
        "review.allowed_signers",
        o.review.allowed_signers.as_ref().map(|s| s.value.clone()),
        n.review.allowed_signers.as_ref().map(|s| s.value.clone()),
        false,
    );
    b.entries.into_iter().map(|e| e.change).collect()
}

/// Compare two versions of an extension; `None` is an extension that does not exist on that
/// side (everything in the other one is added or removed).
pub fn diff_extension(
    old: Option<&crate::model::Extension>,
    new: Option<&crate::model::Extension>,
) -> ExtensionDiff {
    diff_extension_in(old, new, &Category::ALL)
}

/// Like [`diff_extension`], comparing only some categories: e.g. only
/// [`Category::InteractionModel`] when one side is a console download that holds nothing else.
pub fn diff_extension_in(
    old: Option<&crate::model::Extension>,
    new: Option<&crate::model::Extension>,
    categories: &[Category],
) -> ExtensionDiff {
    let id = new.or(old).map(|e| e.id.clone()).unwrap_or_default();
    let name = new
        .or(old)
        .and_then(|e| e.info.as_ref())
        .map(|i| i.name.value.trim().to_string());
    let mut b = Builder::new(Category::BasicInformation);
    for &category in Category::ALL.iter().filter(|c| categories.contains(c)) {
        b.category = category;
        match category {
            Category::BasicInformation => basic(&mut b, old, new),
            Category::ServerConnection => server(&mut b, old, new),
            Category::InteractionModel => interaction_model(&mut b, old, new),
            Category::DeploymentInformation => deployment(&mut b, old, new),
        }
    }
    let status = match (old, new) {
        (None, Some(_)) => Status::Added,
        (Some(_), None) => Status::Removed,
        _ if b.entries.is_empty() => Status::Unchanged,
        _ => Status::Modified,
    };
    ExtensionDiff {
        id,
        name,
        status,
        changes: b.entries,
    }
}

// ---------------------------------------------------------------------------------------------
// Comparison helpers

/// How list entries are compared.
#[derive(Clone, Copy)]
enum Key {
    /// As written, trimmed (IDs, e-mail addresses, URLs, scopes).
    Exact,
    /// Spoken text: [`crate::utterance::normalize`] (case, width and whitespace folded).
    Spoken,
}

impl Key {
    fn of(self, s: &str) -> String {
        match self {
            Key::Exact => s.trim().to_string(),
            Key::Spoken => normalized(s),
        }
    }
}

/// Text with runs of whitespace collapsed to one space and trimmed.
fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn strs(v: &[Sp<String>]) -> Vec<&str> {
    v.iter().map(|s| s.value.as_str()).collect()
}

/// A serde enum's wire name (`ko-KR`, `http-basic`, ...).
fn wire<T: Serialize + std::fmt::Debug>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{v:?}"),
    }
}

struct Builder {
    category: Category,
    entries: Vec<Entry>,
}

impl Builder {
    fn new(category: Category) -> Self {
        Self {
            category,
            entries: Vec::new(),
        }
    }

    fn push(&mut self, change: Change, destructive: bool) {
        self.entries.push(Entry {
            category: self.category,
            change,
            destructive,
        });
    }

    /// A single-valued setting; text is equal when equal after whitespace collapsing, empty
    /// text is no value. `destructive` applies when an existing value changes or is cleared.
    fn field<T: Into<Value>>(
        &mut self,
        field: &str,
        old: Option<T>,
        new: Option<T>,
        destructive: bool,
    ) {
        fn clean(v: Value) -> Option<Value> {
            match v {
                Value::Text(s) => {
                    let t = s.trim();
                    (!t.is_empty()).then(|| Value::Text(t.to_string()))
                }
                v => Some(v),
            }
        }
        fn same(a: &Option<Value>, b: &Option<Value>) -> bool {
            match (a, b) {
                (Some(Value::Text(a)), Some(Value::Text(b))) => squash(a) == squash(b),
                _ => a == b,
            }
        }
        let old = old.map(Into::into).and_then(clean);
        let new = new.map(Into::into).and_then(clean);
        if same(&old, &new) {
            return;
        }
        let destructive = destructive && old.is_some();
        self.push(
            Change::Field {
                field: field.to_string(),
                old,
                new,
            },
            destructive,
        );
    }

    /// A list setting compared as a set; removed entries first, then added ones, each in file
    /// order.
    fn list(&mut self, field: &str, old: Vec<&str>, new: Vec<&str>, key: Key, destructive: bool) {
        let old_keys: HashSet<String> = old.iter().map(|s| key.of(s)).collect();
        let new_keys: HashSet<String> = new.iter().map(|s| key.of(s)).collect();
        let mut seen = HashSet::new();
        for v in &old {
            let k = key.of(v);
            if !k.is_empty() && !new_keys.contains(&k) && seen.insert(k) {
                self.push(
                    Change::ItemRemoved {
                        field: field.to_string(),
                        value: v.trim().to_string(),
                    },
                    destructive,
                );
            }
        }
        for v in &new {
            let k = key.of(v);
            if !k.is_empty() && !old_keys.contains(&k) && seen.insert(k) {
                self.push(
                    Change::ItemAdded {
                        field: field.to_string(),
                        value: v.trim().to_string(),
                    },
                    false,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
