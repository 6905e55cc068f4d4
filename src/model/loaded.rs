//! The loaded model: an extension repository (or revision) as read, with every file's values
//! and the spans they came from. Built by `load`; read by `rules`, `nlu`, `semdiff` and `interop`.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::sync::Arc;

use super::*;

/// One custom intent as read.
#[derive(Clone, Debug)]
pub struct Intent {
    /// The intent name (file name without `.toml`).
    pub name: String,
    /// Repository path of the file.
    pub file: String,
    pub def: IntentFile,
}

/// One representative value and its synonyms, with spans into the slot type's file.
#[derive(Clone, Debug)]
pub struct SlotValue {
    pub value: Sp<SharedStr>,
    pub synonyms: Vec<Sp<SharedStr>>,
}

/// One custom slot type as read (from `.toml` or `.tsv`).
#[derive(Clone, Debug)]
pub struct SlotType {
    pub name: String,
    pub file: String,
    pub description: Option<String>,
    pub values: Vec<SlotValue>,
}

impl SlotType {
    /// Representative values plus synonyms (the console's entry count).
    pub fn entry_count(&self) -> usize {
        self.values.iter().map(|v| 1 + v.synonyms.len()).sum()
    }
}

/// A suite of test cases as read.
#[derive(Clone, Debug)]
pub struct Suite {
    pub file: String,
    pub suite: TestSuite,
}

/// An asset file (icon) of an extension.
#[derive(Clone, Debug)]
pub struct Asset {
    pub path: String,
    pub bytes: Arc<[u8]>,
}

/// One extension folder as read. Fields are `None` when the file is missing or invalid (the
/// reason is a diagnostic).
#[derive(Clone, Debug, Default)]
pub struct Extension {
    /// Folder name under `extensions/`.
    pub id: String,
    /// `extensions/<id>`
    pub dir: String,
    pub info: Option<ExtensionInfo>,
    pub server: Option<ServerSettings>,
    pub store: Option<StoreInfo>,
    pub intents: Vec<Intent>,
    pub slot_types: Vec<SlotType>,
    pub suites: Vec<Suite>,
    pub assets: BTreeMap<String, Asset>,
    /// Whether every file was read (false: only `extension.toml`, for repository-wide rules).
    pub full: bool,
    /// Files that exist but could not be read or parsed (a diagnostic says why): rules must not
    /// report them as missing, nor what they would have declared as unknown.
    pub unreadable: BTreeSet<String>,
}

impl Extension {
    pub fn language(&self) -> Option<Language> {
        self.info.as_ref().map(|i| i.language.value)
    }
    pub fn path(&self, rel: &str) -> String {
        format!("{}/{rel}", self.dir)
    }
    pub fn intent(&self, name: &str) -> Option<&Intent> {
        self.intents.iter().find(|i| i.name == name)
    }
    pub fn slot_type(&self, name: &str) -> Option<&SlotType> {
        self.slot_types.iter().find(|s| s.name == name)
    }
}

/// A repository (or revision) as read.
#[derive(Clone, Debug, Default)]
pub struct Repo {
    pub config: Option<RepoConfig>,
    pub extensions: Vec<Extension>,
}

impl Repo {
    pub fn extension(&self, id: &str) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.id == id)
    }
}
