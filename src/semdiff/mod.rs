//! Semantic diff of extensions: what changed *for the console*, grouped by the console's update
//! categories (basic information, server connection, interaction model, deployment information).
//!
//! The engine compares loaded values ([`load::Extension`], [`load::Repo`]), never files or git
//! objects, so anything that can be loaded can be compared: two commits (`cekops diff`), a work
//! tree, or a console download. Comparisons are order-insensitive and whitespace-normalised:
//! utterances, slot values, synonyms and invocation names are compared through
//! [`utterance::normalize`]; other text with runs of whitespace collapsed. Descriptions that are
//! not sent to the console (intent and slot-type `description`) and test suites are not compared.
//!
//! Destructive changes (they can break what users of the service version rely on) are flagged:
//! removed intents (and renamed ones: the server receives a new name), removed slots, slot values
//! and synonyms, removed slot types and built-in intents, removed invocation names, a changed or
//! removed endpoint, and turning account linking off.

pub mod render;

use std::collections::HashMap;
use std::collections::HashSet;

use foldhash::fast::FixedState;
use indexmap::IndexMap;
use rayon::prelude::*;
use serde::Serialize;

use crate::load;
use crate::model::RepoConfig;
use crate::model::Sp;
use crate::utterance;

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
}

impl RepoDiff {
    pub fn is_empty(&self) -> bool {
        self.settings.is_empty() && self.extensions.is_empty()
    }
    /// Number of changes (settings and extensions).
    pub fn changes(&self) -> usize {
        self.settings.len()
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
pub fn diff_repo(old: &load::Repo, new: &load::Repo) -> RepoDiff {
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
    old: Option<&load::Extension>,
    new: Option<&load::Extension>,
) -> ExtensionDiff {
    diff_extension_in(old, new, &Category::ALL)
}

/// Like [`diff_extension`], comparing only some categories: e.g. only
/// [`Category::InteractionModel`] when one side is a console download that holds nothing else.
pub fn diff_extension_in(
    old: Option<&load::Extension>,
    new: Option<&load::Extension>,
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
    /// Spoken text: [`utterance::normalize`] (case, width and whitespace folded).
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

// ---------------------------------------------------------------------------------------------
// Basic information

fn basic(b: &mut Builder, old: Option<&load::Extension>, new: Option<&load::Extension>) {
    let o = old.and_then(|e| e.info.as_ref());
    let n = new.and_then(|e| e.info.as_ref());
    macro_rules! text {
        ($field:literal, $get:expr) => {
            b.field($field, o.and_then($get), n.and_then($get), false)
        };
    }
    text!("id", |i| Some(i.id.value.clone()));
    text!("type", |i| Some(Value::Word(wire(&i.kind))));
    text!("language", |i| Some(Value::Word(
        i.language.value.code().to_string()
    )));
    text!("name", |i| Some(i.name.value.clone()));
    text!("name_reading", |i| i
        .name_reading
        .as_ref()
        .map(|s| s.value.clone()));
    b.list(
        "invocation_names",
        o.map(|i| strs(&i.invocation_names)).unwrap_or_default(),
        n.map(|i| strs(&i.invocation_names)).unwrap_or_default(),
        Key::Spoken,
        true,
    );
    text!("provider", |i| i.provider.as_ref().map(|s| s.value.clone()));
    text!("audio_player", |i| Some(Value::Flag(i.audio_player)));
    text!("contact_email", |i| i
        .contact_email
        .as_ref()
        .map(|s| s.value.clone()));
    b.list(
        "testers",
        o.map(|i| strs(&i.testers)).unwrap_or_default(),
        n.map(|i| strs(&i.testers)).unwrap_or_default(),
        Key::Exact,
        false,
    );
}

// ---------------------------------------------------------------------------------------------
// Server connection

fn server(b: &mut Builder, old: Option<&load::Extension>, new: Option<&load::Extension>) {
    let o = old.and_then(|e| e.server.as_ref());
    let n = new.and_then(|e| e.server.as_ref());
    b.field(
        "endpoint",
        o.map(|s| s.endpoint.value.clone()),
        n.map(|s| s.endpoint.value.clone()),
        true,
    );
    b.field(
        "trusted_certificate",
        o.map(|s| s.trusted_certificate.value),
        n.map(|s| s.trusted_certificate.value),
        false,
    );
    let oa = o.and_then(|s| s.account_linking.as_ref()).map(|a| &a.value);
    let na = n.and_then(|s| s.account_linking.as_ref()).map(|a| &a.value);
    // Only report the switch when the server settings exist on both sides (otherwise the
    // endpoint line already says the whole tab appeared or went away).
    if o.is_some() && n.is_some() && oa.is_some() != na.is_some() {
        b.field(
            "account_linking",
            Some(oa.is_some()),
            Some(na.is_some()),
            true,
        );
    }
    let Some(na) = na else {
        return;
    };
    macro_rules! opt {
        ($field:literal, $name:ident) => {
            b.field(
                concat!("account_linking.", $field),
                oa.and_then(|a| a.$name.as_ref()).map(|s| s.value.clone()),
                na.$name.as_ref().map(|s| s.value.clone()),
                false,
            )
        };
    }
    opt!("authorization_uri", authorization_uri);
    opt!("account_config_url", account_config_url);
    opt!("client_id", client_id);
    opt!("privacy_policy_url", privacy_policy_url);
    b.list(
        "account_linking.domains",
        oa.map(|a| strs(&a.domains)).unwrap_or_default(),
        strs(&na.domains),
        Key::Exact,
        false,
    );
    b.list(
        "account_linking.scopes",
        oa.map(|a| strs(&a.scopes)).unwrap_or_default(),
        strs(&na.scopes),
        Key::Exact,
        false,
    );
    b.field(
        "account_linking.grant_type",
        oa.map(|a| Value::Word(wire(&a.grant_type.value))),
        Some(Value::Word(wire(&na.grant_type.value))),
        false,
    );
    opt!("access_token_uri", access_token_uri);
    opt!("refresh_token_uri", refresh_token_uri);
    b.field(
        "account_linking.client_secret",
        oa.and_then(|a| a.client_secret.as_ref())
            .map(|s| Value::Word(s.value.display())),
        na.client_secret
            .as_ref()
            .map(|s| Value::Word(s.value.display())),
        false,
    );
    b.field(
        "account_linking.client_auth",
        oa.and_then(|a| a.client_auth.as_ref())
            .map(|s| Value::Word(wire(&s.value))),
        na.client_auth.as_ref().map(|s| Value::Word(wire(&s.value))),
        false,
    );
}

// ---------------------------------------------------------------------------------------------
// Deployment information

fn deployment(b: &mut Builder, old: Option<&load::Extension>, new: Option<&load::Extension>) {
    let o = old.and_then(|e| e.store.as_ref());
    let n = new.and_then(|e| e.store.as_ref());
    let os = o.map(|s| &s.store.value);
    let ns = n.map(|s| &s.store.value);
    macro_rules! opt {
        ($o:expr, $n:expr, $field:literal, $name:ident) => {
            b.field(
                $field,
                $o.and_then(|x| x.$name.as_ref()).map(|s| s.value.clone()),
                $n.and_then(|x| x.$name.as_ref()).map(|s| s.value.clone()),
                false,
            )
        };
    }
    macro_rules! list {
        ($o:expr, $n:expr, $field:literal, $name:ident, $key:expr) => {
            b.list(
                $field,
                $o.map(|x| strs(&x.$name)).unwrap_or_default(),
                $n.map(|x| strs(&x.$name)).unwrap_or_default(),
                $key,
                false,
            )
        };
    }
    opt!(os, ns, "store.category", category);
    opt!(os, ns, "store.countries", countries);
    opt!(os, ns, "store.description", description);
    opt!(os, ns, "store.short_description", short_description);
    list!(
        os,
        ns,
        "store.example_phrases",
        example_phrases,
        Key::Spoken
    );
    list!(os, ns, "store.keywords", keywords, Key::Spoken);
    icon(
        b,
        old,
        new,
        "store.small_icon",
        os.and_then(|s| s.small_icon.as_ref()),
        ns.and_then(|s| s.small_icon.as_ref()),
    );
    icon(
        b,
        old,
        new,
        "store.large_icon",
        os.and_then(|s| s.large_icon.as_ref()),
        ns.and_then(|s| s.large_icon.as_ref()),
    );
    list!(os, ns, "store.target_devices", target_devices, Key::Exact);

    let op = o.map(|s| &s.privacy.value);
    let np = n.map(|s| &s.privacy.value);
    macro_rules! flag {
        ($field:literal, $name:ident) => {
            b.field(
                $field,
                op.and_then(|x| x.$name.as_ref()).map(|s| s.value),
                np.and_then(|x| x.$name.as_ref()).map(|s| s.value),
                false,
            )
        };
    }
    flag!("privacy.purchase", purchase);
    flag!("privacy.personal_info", personal_info);
    flag!("privacy.minors", minors);
    opt!(op, np, "privacy.privacy_policy_url", privacy_policy_url);
    opt!(op, np, "privacy.terms_url", terms_url);

    let or = o.map(|s| &s.review.value);
    let nr = n.map(|s| &s.review.value);
    opt!(or, nr, "review.description", description);
    let ota = or.and_then(|r| r.test_account.as_ref()).map(|t| &t.value);
    let nta = nr.and_then(|r| r.test_account.as_ref()).map(|t| &t.value);
    b.field(
        "review.test_account.id",
        ota.map(|t| t.id.value.clone()),
        nta.map(|t| t.id.value.clone()),
        false,
    );
    b.field(
        "review.test_account.password",
        ota.map(|t| Value::Word(t.password.value.display())),
        nta.map(|t| Value::Word(t.password.value.display())),
        false,
    );
    b.field(
        "review.provider_type",
        or.and_then(|r| r.provider_type.as_ref())
            .map(|s| Value::Word(wire(&s.value))),
        nr.and_then(|r| r.provider_type.as_ref())
            .map(|s| Value::Word(wire(&s.value))),
        false,
    );
    opt!(or, nr, "review.provider_name", provider_name);
    opt!(
        or,
        nr,
        "review.provider_name_reading",
        provider_name_reading
    );
    opt!(or, nr, "review.address", address);
    opt!(or, nr, "review.phone", phone);
    opt!(or, nr, "review.representative", representative);
    opt!(or, nr, "review.website", website);
    opt!(or, nr, "review.line_account", line_account);
}

/// An icon setting: its path, and the image when the path stayed the same.
fn icon(
    b: &mut Builder,
    old: Option<&load::Extension>,
    new: Option<&load::Extension>,
    field: &str,
    op: Option<&Sp<String>>,
    np: Option<&Sp<String>>,
) {
    let op = op.map(|s| s.value.trim());
    let np = np.map(|s| s.value.trim());
    b.field(field, op.map(str::to_string), np.map(str::to_string), false);
    if let (Some(op), Some(np)) = (op, np)
        && op == np
        && icon_bytes(old, op) != icon_bytes(new, np)
    {
        b.push(
            Change::FileChanged {
                field: field.to_string(),
                path: np.to_string(),
            },
            false,
        );
    }
}

/// The bytes of an icon referenced by `store.toml` (a path relative to the extension folder).
fn icon_bytes<'a>(ext: Option<&'a load::Extension>, rel: &str) -> Option<&'a [u8]> {
    let ext = ext?;
    let rel = rel.trim_start_matches("./");
    ext.assets.get(&ext.path(rel)).map(|a| &a.bytes[..])
}

// ---------------------------------------------------------------------------------------------
// Interaction model

fn interaction_model(
    b: &mut Builder,
    old: Option<&load::Extension>,
    new: Option<&load::Extension>,
) {
    let oi = old.and_then(|e| e.info.as_ref());
    let ni = new.and_then(|e| e.info.as_ref());
    b.list(
        "builtin_intents",
        oi.map(|i| strs(&i.builtin_intents)).unwrap_or_default(),
        ni.map(|i| strs(&i.builtin_intents)).unwrap_or_default(),
        Key::Exact,
        true,
    );
    b.list(
        "builtin_slot_types",
        oi.map(|i| strs(&i.builtin_slot_types)).unwrap_or_default(),
        ni.map(|i| strs(&i.builtin_slot_types)).unwrap_or_default(),
        Key::Exact,
        false,
    );
    let (old_intents, new_intents) = rayon::join(|| intent_views(old), || intent_views(new));
    intents(b, &old_intents, &new_intents);
    let (old_types, new_types) = rayon::join(|| type_views(old), || type_views(new));
    slot_types(b, &old_types, &new_types);
}

/// Append `text` normalised exactly like [`utterance::normalize`] (full-width ASCII folded,
/// lower-cased, runs of whitespace collapsed), without allocating. `space` carries a pending
/// space between calls; whitespace is dropped while `out` is no longer than `start`.
fn normalize_into(out: &mut String, text: &str, space: &mut bool, start: usize) {
    for c in text.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        };
        if c.is_whitespace() {
            *space = out.len() > start;
            continue;
        }
        if *space {
            out.push(' ');
            *space = false;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if is_caseless(c) {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
}

/// Scripts without letter case (their `to_lowercase` is the identity): Hangul, kana, CJK.
fn is_caseless(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}'
        | '\u{3040}'..='\u{30FF}'
        | '\u{3130}'..='\u{318F}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{FF66}'..='\u{FF9F}')
}

/// [`utterance::normalize`] of `text`, through the same fast path the keys use.
fn normalized(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(&mut out, text, &mut false, 0);
    out
}

/// The comparison key of a sample utterance: text and slot values normalised with
/// [`utterance::normalize`], slot names kept as written. Malformed tags: the whole text normalised.
pub fn utterance_key(text: &str) -> String {
    if !text.contains('<') {
        return normalized(text);
    }
    let Ok(segments) = utterance::parse(text) else {
        return normalized(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    let mut space = false;
    for seg in segments {
        match seg {
            utterance::Segment::Text(t) => normalize_into(&mut out, t, &mut space, 0),
            utterance::Segment::Slot { name, value, .. } => {
                if space {
                    out.push(' ');
                    space = false;
                }
                out.push('<');
                out.push_str(name);
                out.push('>');
                let start = out.len();
                normalize_into(&mut out, value, &mut false, start);
                out.push_str("</");
                out.push_str(name);
                out.push('>');
            }
        }
    }
    out
}

fn intent_views(e: Option<&load::Extension>) -> Vec<IntentView<'_>> {
    e.map(|e| e.intents.par_iter().map(IntentView::new).collect())
        .unwrap_or_default()
}

fn type_views(e: Option<&load::Extension>) -> Vec<TypeView<'_>> {
    e.map(|e| e.slot_types.par_iter().map(TypeView::new).collect())
        .unwrap_or_default()
}

/// Normalised key → what it stands for, in file order (duplicate keys keep the first).
type Keyed<V> = IndexMap<String, V, FixedState>;

/// An intent prepared for comparison.
struct IntentView<'a> {
    name: &'a str,
    /// Utterance key → the utterance as written.
    utterances: Keyed<&'a str>,
    slots: Vec<(&'a str, &'a str)>,
}

impl<'a> IntentView<'a> {
    fn new(intent: &'a load::Intent) -> Self {
        let list = &intent.def.utterances;
        let mut utterances = Keyed::with_capacity_and_hasher(list.len(), FixedState::default());
        for u in list.iter() {
            let k = utterance_key(&u.value);
            if !k.is_empty() {
                utterances.entry(k).or_insert(u.value.as_str());
            }
        }
        let slots = intent
            .def
            .slots
            .iter()
            .map(|(k, v)| (k.value.as_str(), v.value.as_str()))
            .collect();
        Self {
            name: &intent.name,
            utterances,
            slots,
        }
    }
}

/// A slot type prepared for comparison: normalised value → (value as written, synonyms by
/// normalised synonym). Values listed twice have their synonyms merged.
struct TypeView<'a> {
    name: &'a str,
    values: Keyed<(&'a str, Keyed<&'a str>)>,
}

impl<'a> TypeView<'a> {
    fn new(t: &'a load::SlotType) -> Self {
        let mut values: Keyed<(&'a str, Keyed<&'a str>)> =
            Keyed::with_capacity_and_hasher(t.values.len(), FixedState::default());
        for v in &t.values {
            let k = normalized(&v.value.value);
            if k.is_empty() {
                continue;
            }
            let entry = values
                .entry(k)
                .or_insert_with(|| (v.value.value.as_str(), Keyed::default()));
            for s in &v.synonyms {
                let sk = normalized(&s.value);
                if !sk.is_empty() {
                    entry.1.entry(sk).or_insert(s.value.as_str());
                }
            }
        }
        Self {
            name: &t.name,
            values,
        }
    }
}

/// Jaccard similarity of two key sets (0 when either is empty).
fn jaccard<A, B>(a: &Keyed<A>, b: &Keyed<B>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let inter = if a.len() <= b.len() {
        a.keys().filter(|k| b.contains_key(*k)).count()
    } else {
        b.keys().filter(|k| a.contains_key(*k)).count()
    };
    let union = a.len() + b.len() - inter;
    inter as f64 / union as f64
}

/// Pair items present only on the old side with items present only on the new side whose key
/// sets are similar enough: best pairs first, each item used once. Returns (old, new, similarity).
fn match_renames<T: Sync>(
    old: &[T],
    new: &[T],
    removed: &[usize],
    added: &[usize],
    similarity: &(dyn Fn(&T, &T) -> f64 + Sync),
) -> Vec<(usize, usize, f64)> {
    let mut candidates: Vec<(usize, usize, f64)> = removed
        .par_iter()
        .flat_map_iter(|&o| {
            added.iter().filter_map(move |&n| {
                let s = similarity(&old[o], &new[n]);
                (s >= RENAME_THRESHOLD).then_some((o, n, s))
            })
        })
        .collect();
    candidates.sort_by(|a, b| {
        b.2.total_cmp(&a.2)
            .then_with(|| a.0.cmp(&b.0))
            .then_with(|| a.1.cmp(&b.1))
    });
    let mut used_old = HashSet::new();
    let mut used_new = HashSet::new();
    let mut out = Vec::new();
    for (o, n, s) in candidates {
        if used_old.contains(&o) || used_new.contains(&n) {
            continue;
        }
        used_old.insert(o);
        used_new.insert(n);
        out.push((o, n, s));
    }
    out
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// (old, new, rename similarity) pairs by name, with renames detected; sorted by the name shown
/// (the new name, or the old one for removals).
type Pair<'v, T> = (Option<&'v T>, Option<&'v T>, Option<f64>);

fn pair_up<'v, T: Sync>(
    old: &'v [T],
    new: &'v [T],
    name: impl Fn(&T) -> &str,
    similarity: &(dyn Fn(&T, &T) -> f64 + Sync),
) -> Vec<Pair<'v, T>> {
    let new_by_name: HashMap<&str, usize> =
        new.iter().enumerate().map(|(i, t)| (name(t), i)).collect();
    let old_by_name: HashMap<&str, usize> =
        old.iter().enumerate().map(|(i, t)| (name(t), i)).collect();
    let removed: Vec<usize> = (0..old.len())
        .filter(|&i| !new_by_name.contains_key(name(&old[i])))
        .collect();
    let added: Vec<usize> = (0..new.len())
        .filter(|&i| !old_by_name.contains_key(name(&new[i])))
        .collect();
    let renames = match_renames(old, new, &removed, &added, similarity);
    let renamed_old: HashMap<usize, (usize, f64)> =
        renames.iter().map(|(o, n, s)| (*o, (*n, *s))).collect();
    let renamed_new: HashSet<usize> = renames.iter().map(|(_, n, _)| *n).collect();
    let mut pairs = Vec::new();
    for (i, t) in old.iter().enumerate() {
        if let Some(&j) = new_by_name.get(name(t)) {
            pairs.push((Some(t), Some(&new[j]), None));
        } else if let Some(&(j, s)) = renamed_old.get(&i) {
            pairs.push((Some(t), Some(&new[j]), Some(round2(s))));
        } else {
            pairs.push((Some(t), None, None));
        }
    }
    for (j, t) in new.iter().enumerate() {
        if !old_by_name.contains_key(name(t)) && !renamed_new.contains(&j) {
            pairs.push((None, Some(t), None));
        }
    }
    pairs.sort_by(|a, b| {
        let ka = a.1.or(a.0).map(&name).unwrap_or_default();
        let kb = b.1.or(b.0).map(&name).unwrap_or_default();
        ka.cmp(kb)
    });
    pairs
}

/// Run `body` for each pair in parallel, appending the changes in pair order.
fn each_pair<T: Sync>(
    b: &mut Builder,
    pairs: &[Pair<'_, T>],
    body: impl Fn(&mut Builder, &Pair<'_, T>) + Sync,
) {
    let category = b.category;
    let parts: Vec<Vec<Entry>> = pairs
        .par_iter()
        .map(|p| {
            let mut local = Builder::new(category);
            body(&mut local, p);
            local.entries
        })
        .collect();
    for part in parts {
        b.entries.extend(part);
    }
}

fn intents(b: &mut Builder, old: &[IntentView<'_>], new: &[IntentView<'_>]) {
    let similarity = |a: &IntentView<'_>, b: &IntentView<'_>| jaccard(&a.utterances, &b.utterances);
    let pairs = pair_up(old, new, |i| i.name, &similarity);
    each_pair(b, &pairs, |b, &(o, n, similarity)| match (o, n) {
        (Some(o), None) => b.push(
            Change::IntentRemoved {
                intent: o.name.to_string(),
                utterances: o.utterances.len(),
            },
            true,
        ),
        (None, Some(n)) => {
            b.push(
                Change::IntentAdded {
                    intent: n.name.to_string(),
                    utterances: n.utterances.len(),
                    slots: n
                        .slots
                        .iter()
                        .map(|(s, t)| SlotRef {
                            slot: s.to_string(),
                            slot_type: t.to_string(),
                        })
                        .collect(),
                },
                false,
            );
            for text in n.utterances.values() {
                b.push(
                    Change::UtteranceAdded {
                        intent: n.name.to_string(),
                        utterance: text.to_string(),
                    },
                    false,
                );
            }
        }
        (Some(o), Some(n)) => {
            if let Some(similarity) = similarity {
                b.push(
                    Change::IntentRenamed {
                        from: o.name.to_string(),
                        to: n.name.to_string(),
                        similarity,
                    },
                    true,
                );
            }
            intent_body(b, o, n);
        }
        (None, None) => {}
    });
}

fn intent_body(b: &mut Builder, o: &IntentView<'_>, n: &IntentView<'_>) {
    let intent = n.name;
    let old_slots: HashMap<&str, &str> = o.slots.iter().copied().collect();
    let new_slots: HashMap<&str, &str> = n.slots.iter().copied().collect();
    for (slot, ty) in &o.slots {
        match new_slots.get(slot) {
            None => b.push(
                Change::SlotRemoved {
                    intent: intent.to_string(),
                    slot: slot.to_string(),
                    slot_type: ty.to_string(),
                },
                true,
            ),
            Some(nt) if nt.trim() != ty.trim() => b.push(
                Change::SlotRetyped {
                    intent: intent.to_string(),
                    slot: slot.to_string(),
                    old: ty.to_string(),
                    new: nt.to_string(),
                },
                false,
            ),
            Some(_) => {}
        }
    }
    for (slot, ty) in &n.slots {
        if !old_slots.contains_key(slot) {
            b.push(
                Change::SlotAdded {
                    intent: intent.to_string(),
                    slot: slot.to_string(),
                    slot_type: ty.to_string(),
                },
                false,
            );
        }
    }
    for (k, text) in &o.utterances {
        if !n.utterances.contains_key(k) {
            b.push(
                Change::UtteranceRemoved {
                    intent: intent.to_string(),
                    utterance: text.to_string(),
                },
                false,
            );
        }
    }
    for (k, text) in &n.utterances {
        if !o.utterances.contains_key(k) {
            b.push(
                Change::UtteranceAdded {
                    intent: intent.to_string(),
                    utterance: text.to_string(),
                },
                false,
            );
        }
    }
}

fn slot_types(b: &mut Builder, old: &[TypeView<'_>], new: &[TypeView<'_>]) {
    let similarity = |a: &TypeView<'_>, b: &TypeView<'_>| jaccard(&a.values, &b.values);
    let pairs = pair_up(old, new, |t| t.name, &similarity);
    each_pair(b, &pairs, |b, &(o, n, similarity)| match (o, n) {
        (Some(o), None) => b.push(
            Change::SlotTypeRemoved {
                slot_type: o.name.to_string(),
                values: o.values.len(),
            },
            true,
        ),
        (None, Some(n)) => {
            b.push(
                Change::SlotTypeAdded {
                    slot_type: n.name.to_string(),
                    values: n.values.len(),
                },
                false,
            );
            for (value, synonyms) in n.values.values() {
                b.push(
                    Change::ValueAdded {
                        slot_type: n.name.to_string(),
                        value: value.to_string(),
                        synonyms: synonyms.values().map(|s| s.to_string()).collect(),
                    },
                    false,
                );
            }
        }
        (Some(o), Some(n)) => {
            if let Some(similarity) = similarity {
                b.push(
                    Change::SlotTypeRenamed {
                        from: o.name.to_string(),
                        to: n.name.to_string(),
                        similarity,
                    },
                    false,
                );
            }
            slot_type_body(b, o, n);
        }
        (None, None) => {}
    });
}

fn slot_type_body(b: &mut Builder, o: &TypeView<'_>, n: &TypeView<'_>) {
    let ty = n.name;
    for (k, (value, _)) in &o.values {
        if !n.values.contains_key(k) {
            b.push(
                Change::ValueRemoved {
                    slot_type: ty.to_string(),
                    value: value.to_string(),
                },
                true,
            );
        }
    }
    for (k, (value, synonyms)) in &n.values {
        match o.values.get(k) {
            None => b.push(
                Change::ValueAdded {
                    slot_type: ty.to_string(),
                    value: value.to_string(),
                    synonyms: synonyms.values().map(|s| s.to_string()).collect(),
                },
                false,
            ),
            Some((_, old_syn)) => {
                for (sk, s) in old_syn {
                    if !synonyms.contains_key(sk) {
                        b.push(
                            Change::SynonymRemoved {
                                slot_type: ty.to_string(),
                                value: value.to_string(),
                                synonym: s.to_string(),
                            },
                            true,
                        );
                    }
                }
                for (sk, s) in synonyms {
                    if !old_syn.contains_key(sk) {
                        b.push(
                            Change::SynonymAdded {
                                slot_type: ty.to_string(),
                                value: value.to_string(),
                                synonym: s.to_string(),
                            },
                            false,
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
