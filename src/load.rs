//! Reading a snapshot into the model: TOML parsing with spans, schema validation, slot-type TSV.
//!
//! Every problem found while reading is a [`Diagnostic`]; loading never fails and never panics on
//! bad input.

mod fast;

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;
use serde::de::DeserializeOwned;
use toml::de::DeTable;
use toml::de::DeValue;

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::diag::SourceMap;
use crate::model::*;
use crate::schema::FileKind;
use crate::tree::Entry;
use crate::tree::Read;
use crate::tree::Tree;

/// Diagnostics and sources gathered while reading some files.
#[derive(Debug, Default)]
pub struct Sink {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
}

impl Sink {
    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }
    pub fn merge(&mut self, other: Sink) {
        self.diagnostics.extend(other.diagnostics);
        self.sources.extend(other.sources);
    }
}

/// Read a snapshot file as UTF-8 text, reporting why it cannot be read. The text is added to the
/// sink's sources.
pub fn read_text(tree: &Tree, path: &str, sink: &mut Sink) -> Option<Arc<str>> {
    let bytes = match tree.read(path) {
        Read::Bytes(b) => b,
        Read::Missing => {
            if let Some(Entry::Symlink(target)) = tree.files.get(path) {
                sink.push(
                    Diagnostic::new(
                        Code::MissingFile,
                        format!("symbolic link points to `{target}`, which is not a file of this revision"),
                    )
                    .at(path, 0..0)
                    .hint("a link must lead to a file inside the repository (not a folder, not through a link out of it)"),
                );
            }
            return None;
        }
        Read::Escapes(target) => {
            sink.push(
                Diagnostic::new(
                    Code::SymlinkEscape,
                    format!("symbolic link points outside the repository: `{target}`"),
                )
                .at(path, 0..0)
                .hint("replace the link with the file itself; cekops never follows links out of the repository"),
            );
            return None;
        }
        Read::TooLarge(n) => {
            sink.push(
                Diagnostic::new(
                    Code::FileTooLarge,
                    format!(
                        "file is {n} bytes, more than cekops reads ({} bytes)",
                        crate::tree::MAX_FILE_SIZE
                    ),
                )
                .at(path, 0..0)
                .hint("cekops does not read files this large; split a large intent or slot type into several files"),
            );
            return None;
        }
        Read::Unreadable(e) => {
            sink.push(
                Diagnostic::new(Code::UnreadableFile, format!("file cannot be read: {e}"))
                    .at(path, 0..0),
            );
            return None;
        }
    };
    // simdutf8 validates Korean and Japanese text several times faster than `std`; on failure,
    // `std` gives the position of the first invalid byte.
    match simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes)) {
        Ok(s) => {
            let text: Arc<str> = Arc::from(s);
            sink.sources.insert(path, text.clone());
            Some(text)
        }
        Err(e) => {
            let at = e.valid_up_to();
            let lossy: Arc<str> = Arc::from(String::from_utf8_lossy(bytes).as_ref());
            sink.sources.insert(path, lossy);
            let binary = bytes.iter().take(8000).any(|b| *b == 0);
            sink.push(
                Diagnostic::new(
                    Code::InvalidUtf8,
                    if binary {
                        "file is binary, not UTF-8 text".to_string()
                    } else {
                        format!("file is not valid UTF-8 (invalid byte at offset {at})")
                    },
                )
                .at(path, at..at + 1)
                .label("invalid UTF-8 here")
                .hint("save the file as UTF-8 text"),
            );
            None
        }
    }
}

/// Parse TOML text into `T`, reporting syntax errors, unknown keys and schema violations.
pub fn parse_toml<T: DeserializeOwned>(
    kind: FileKind,
    path: &str,
    text: &str,
    sink: &mut Sink,
) -> Option<T> {
    // Fast path: one parse straight into the typed model.
    let first_error = match toml::de::Deserializer::parse(text).and_then(T::deserialize) {
        Ok(v) => return Some(v),
        Err(e) => e,
    };
    let (table, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            sink.push(
                Diagnostic::new(Code::TomlSyntax, toml_message(e.message()))
                    .at(path, span)
                    .hint("see https://toml.io for the TOML syntax"),
            );
        }
        return None;
    }
    let value = to_json(table.get_ref());
    let before = sink.diagnostics.len();
    for err in kind.validator().iter_errors(&value) {
        schema_diagnostic(kind, path, text, table.get_ref(), &err, sink);
    }
    if sink.diagnostics.len() == before {
        // The schema accepted what serde refused: report serde's own message.
        let span = first_error.span().unwrap_or(0..0);
        sink.push(
            Diagnostic::new(Code::SchemaViolation, toml_message(first_error.message()))
                .at(path, span),
        );
    }
    None
}

fn toml_message(m: &str) -> String {
    let m = m.trim().trim_end_matches('.');
    let mut c = m.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => "invalid TOML".into(),
    }
}

/// Convert a parsed TOML table to JSON for schema validation (datetimes become strings).
pub fn to_json(table: &DeTable<'_>) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (k, v) in table {
        map.insert(k.get_ref().to_string(), value_json(v.get_ref()));
    }
    serde_json::Value::Object(map)
}

fn value_json(v: &DeValue<'_>) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        DeValue::String(s) => J::String(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map(J::from)
            .unwrap_or_else(|_| J::String(i.as_str().to_string())),
        DeValue::Float(f) => f
            .as_str()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(J::Number)
            .unwrap_or_else(|| J::String(f.as_str().to_string())),
        DeValue::Boolean(b) => J::Bool(*b),
        DeValue::Datetime(d) => J::String(d.to_string()),
        DeValue::Array(a) => J::Array(a.iter().map(|x| value_json(x.get_ref())).collect()),
        DeValue::Table(t) => to_json(t),
    }
}

/// Span of the key (`key: true`) or value at a JSON-pointer-like path in a parsed table.
fn locate(table: &DeTable<'_>, segments: &[String], key: bool) -> Option<Range<usize>> {
    let (first, rest) = segments.split_first()?;
    let (k, v) = table.get_key_value(first.as_str())?;
    if rest.is_empty() {
        return Some(if key { k.span() } else { v.span() });
    }
    locate_value(v.get_ref(), rest, key).or(Some(v.span()))
}

fn locate_value(v: &DeValue<'_>, segments: &[String], key: bool) -> Option<Range<usize>> {
    match v {
        DeValue::Table(t) => locate(t, segments, key),
        DeValue::Array(a) => {
            let (first, rest) = segments.split_first()?;
            let item = a.get(first.parse::<usize>().ok()?)?;
            if rest.is_empty() {
                Some(item.span())
            } else {
                locate_value(item.get_ref(), rest, key).or(Some(item.span()))
            }
        }
        _ => None,
    }
}

/// The `description` of the property a path leads to in a schema (followed through `$ref`).
fn describe(schema: &serde_json::Value, segments: &[String]) -> Option<String> {
    let defs = schema.get("$defs");
    let resolve = |s: &serde_json::Value| -> serde_json::Value {
        let mut s = s.clone();
        for _ in 0..8 {
            let next = s
                .get("$ref")
                .and_then(|r| r.as_str())
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .and_then(|name| defs.and_then(|d| d.get(name)).cloned());
            match next {
                Some(n) => s = n,
                None => break,
            }
            if let Some(any) = s.get("anyOf").and_then(|a| a.as_array())
                && let Some(first) = any.iter().find(|x| x.get("type") != Some(&"null".into()))
            {
                s = first.clone();
            }
        }
        s
    };
    let mut cur = resolve(schema);
    let mut desc = None;
    for seg in segments {
        let next = if let Some(p) = cur.get("properties").and_then(|p| p.get(seg.as_str())) {
            p.clone()
        } else if let Some(i) = cur.get("items") {
            i.clone()
        } else if let Some(a) = cur.get("additionalProperties").filter(|a| a.is_object()) {
            a.clone()
        } else {
            return desc;
        };
        desc = next
            .get("description")
            .and_then(|d| d.as_str())
            .map(str::to_string)
            .or(desc);
        cur = resolve(&next);
    }
    desc
}

fn schema_diagnostic(
    kind: FileKind,
    path: &str,
    _text: &str,
    table: &DeTable<'_>,
    err: &jsonschema::ValidationError<'_>,
    sink: &mut Sink,
) {
    use jsonschema::error::ValidationErrorKind as K;
    let segments: Vec<String> = err.instance_path().iter().map(|s| s.to_string()).collect();
    let whole = 0..0;
    match err.kind() {
        K::AdditionalProperties { unexpected } => {
            for name in unexpected {
                let mut p = segments.clone();
                p.push(name.clone());
                let span = locate(table, &p, true).unwrap_or(whole.clone());
                let mut d = Diagnostic::new(Code::UnknownKey, format!("unknown key `{name}`"))
                    .at(path, span)
                    .label("not part of this file's format");
                let known = known_keys(kind.schema(), &segments);
                if let Some(best) = closest(name, &known) {
                    d = d.hint(format!("did you mean `{best}`?"));
                } else if !known.is_empty() {
                    d = d.hint(format!("allowed keys: {}", known.join(", ")));
                }
                sink.push(d);
            }
        }
        K::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let span = if segments.is_empty() {
                0..0
            } else {
                locate(table, &segments, true).unwrap_or(0..0)
            };
            let where_ = if segments.is_empty() {
                "the file".to_string()
            } else {
                format!("`{}`", segments.join("."))
            };
            let mut p = segments.clone();
            p.push(name.to_string());
            let mut d = Diagnostic::new(
                Code::SchemaViolation,
                format!("missing required key `{name}` in {where_}"),
            )
            .at(path, span);
            if let Some(desc) = describe(kind.schema(), &p) {
                d = d.hint(format!("`{name}`: {}", first_sentence(&desc)));
            }
            sink.push(d);
        }
        _ => {
            let span = locate(table, &segments, false).unwrap_or(0..0);
            let key = if segments.is_empty() {
                String::new()
            } else {
                format!("`{}`: ", segments.join("."))
            };
            let mut d = Diagnostic::new(
                Code::SchemaViolation,
                format!("{key}{}", schema_message(err)),
            )
            .at(path, span);
            if let Some(desc) = describe(kind.schema(), &segments) {
                d = d.hint(first_sentence(&desc));
            }
            sink.push(d);
        }
    }
}

fn first_sentence(s: &str) -> String {
    let s = s.split("\n\n").next().unwrap_or(s).replace('\n', " ");
    s.trim().trim_end_matches('.').to_string()
}

fn schema_message(err: &jsonschema::ValidationError<'_>) -> String {
    let m = err.to_string();
    // jsonschema prints the whole instance for some errors; keep messages short.
    if m.chars().count() > 200 {
        let cut: String = m.chars().take(200).collect();
        format!("{cut}…")
    } else {
        m
    }
}

fn known_keys(schema: &serde_json::Value, segments: &[String]) -> Vec<String> {
    let _ = segments;
    let mut keys = Vec::new();
    // Collect property names anywhere at the matching depth (good enough for hints).
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        if let Some(p) = v.get("properties").and_then(|p| p.as_object()) {
            out.extend(p.keys().cloned());
        }
    }
    let mut cur = schema.clone();
    for seg in segments {
        let r = cur
            .get("properties")
            .and_then(|p| p.get(seg.as_str()))
            .or_else(|| cur.get("items").filter(|_| seg.parse::<usize>().is_ok()))
            .cloned()
            .unwrap_or_default();
        cur = deref(schema, &r);
    }
    walk(&cur, &mut keys);
    keys
}

fn deref(root: &serde_json::Value, v: &serde_json::Value) -> serde_json::Value {
    let mut v = v.clone();
    for _ in 0..8 {
        if let Some(any) = v.get("anyOf").and_then(|a| a.as_array())
            && let Some(first) = any.iter().find(|x| x.get("type") != Some(&"null".into()))
        {
            v = first.clone();
            continue;
        }
        let Some(name) = v
            .get("$ref")
            .and_then(|r| r.as_str())
            .and_then(|r| r.strip_prefix("#/$defs/"))
        else {
            break;
        };
        v = root
            .get("$defs")
            .and_then(|d| d.get(name))
            .cloned()
            .unwrap_or_default();
    }
    v
}

/// The candidate closest to `name` by edit distance, when close enough to be a typo.
pub fn closest<'a>(name: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.as_str())
}

pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

// ---------------------------------------------------------------------------------------------
// The loaded repository

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
    pub value: Sp<String>,
    pub synonyms: Vec<Sp<String>>,
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

/// Load a snapshot. `full` names the extensions read completely; `None` reads all of them. Other
/// extensions get only their `extension.toml` (for repository-wide rules).
pub fn load(tree: &Tree, full: Option<&BTreeSet<String>>) -> (Repo, Sink) {
    let mut sink = Sink::default();
    let config = if tree.files.contains_key("cekops.toml") {
        read_text(tree, "cekops.toml", &mut sink)
            .and_then(|t| parse_toml::<RepoConfig>(FileKind::Config, "cekops.toml", &t, &mut sink))
    } else {
        None
    };
    let ids = tree.extension_ids();
    let results: Vec<(Extension, Sink)> = ids
        .par_iter()
        .map(|id| {
            let is_full = full.is_none_or(|f| f.contains(id));
            load_extension(tree, id, is_full)
        })
        .collect();
    let mut extensions = Vec::with_capacity(results.len());
    for (ext, s) in results {
        sink.merge(s);
        extensions.push(ext);
    }
    // Loose files directly under extensions/ (not in a folder).
    for path in tree.files.keys() {
        if let Some(rest) = path.strip_prefix("extensions/")
            && !rest.contains('/')
            && rest != ".gitkeep"
        {
            if matches!(tree.read(path), Read::Escapes(_)) {
                let _ = read_text(tree, path, &mut sink);
                continue;
            }
            sink.push(
                Diagnostic::new(
                    Code::UnknownFile,
                    format!("`{path}` is not inside an extension folder"),
                )
                .at(path.clone(), 0..0)
                .hint("each extension lives in `extensions/<id>/`"),
            );
        }
    }
    (Repo { config, extensions }, sink)
}

/// Where a file of an extension folder belongs.
#[derive(Debug, PartialEq, Eq)]
pub enum FileRole {
    Info,
    Server,
    Store,
    Intent(String),
    SlotTypeToml(String),
    SlotTypeTsv(String),
    Suite,
    Asset,
    /// `README.md` and similar notes cekops keeps alongside.
    Doc,
    Unknown,
}

/// Classify a path relative to an extension folder.
pub fn classify(rel: &str) -> FileRole {
    match rel {
        "extension.toml" => return FileRole::Info,
        "server.toml" => return FileRole::Server,
        "store.toml" => return FileRole::Store,
        "README.md" | "NOTES.md" | ".gitkeep" => return FileRole::Doc,
        _ => {}
    }
    if let Some(name) = rel.strip_prefix("interaction-model/intents/") {
        if !name.contains('/')
            && let Some(stem) = name.strip_suffix(".toml")
        {
            return FileRole::Intent(stem.to_string());
        }
        return if name.ends_with(".gitkeep") {
            FileRole::Doc
        } else {
            FileRole::Unknown
        };
    }
    if let Some(name) = rel.strip_prefix("interaction-model/slot-types/") {
        if !name.contains('/') {
            if let Some(stem) = name.strip_suffix(".toml") {
                return FileRole::SlotTypeToml(stem.to_string());
            }
            if let Some(stem) = name.strip_suffix(".tsv") {
                return FileRole::SlotTypeTsv(stem.to_string());
            }
        }
        return if name.ends_with(".gitkeep") {
            FileRole::Doc
        } else {
            FileRole::Unknown
        };
    }
    if let Some(name) = rel.strip_prefix("tests/") {
        if name.ends_with(".toml") && !name.contains('/') {
            return FileRole::Suite;
        }
        return if name.ends_with(".gitkeep") {
            FileRole::Doc
        } else {
            FileRole::Unknown
        };
    }
    if rel.starts_with("assets/") {
        return FileRole::Asset;
    }
    FileRole::Unknown
}

/// Load one extension folder.
pub fn load_extension(tree: &Tree, id: &str, full: bool) -> (Extension, Sink) {
    let mut sink = Sink::default();
    let dir = format!("extensions/{id}");
    let prefix = format!("{dir}/");
    let mut ext = Extension {
        id: id.to_string(),
        dir: dir.clone(),
        full,
        ..Default::default()
    };
    let info_path = format!("{dir}/extension.toml");
    if tree.files.contains_key(&info_path) {
        ext.info = read_text(tree, &info_path, &mut sink).and_then(|t| {
            parse_toml::<ExtensionInfo>(FileKind::Extension, &info_path, &t, &mut sink)
        });
    } else if full {
        sink.push(
            Diagnostic::new(
                Code::MissingFile,
                format!("extension `{id}` has no `extension.toml`"),
            )
            .at(dir.clone(), 0..0)
            .hint(format!(
                "create `{info_path}` with the basic information, or run `cekops new {id}`"
            )),
        );
    }
    if !full {
        return (ext, sink);
    }
    let mut have_server = false;
    for (path, _) in tree.under(&prefix) {
        let rel = &path[prefix.len()..];
        match classify(rel) {
            FileRole::Info | FileRole::Doc => {}
            FileRole::Server => {
                have_server = true;
                ext.server = read_text(tree, path, &mut sink).and_then(|t| {
                    parse_toml::<ServerSettings>(FileKind::Server, path, &t, &mut sink)
                });
                if ext.server.is_none() {
                    ext.unreadable.insert(path.clone());
                }
            }
            FileRole::Store => {
                ext.store = read_text(tree, path, &mut sink)
                    .and_then(|t| parse_toml::<StoreInfo>(FileKind::Store, path, &t, &mut sink));
                if ext.store.is_none() {
                    ext.unreadable.insert(path.clone());
                }
            }
            FileRole::Intent(name) => {
                if let Some(def) = read_text(tree, path, &mut sink).and_then(|t| {
                    fast::intent(&t)
                        .or_else(|| parse_toml::<IntentFile>(FileKind::Intent, path, &t, &mut sink))
                }) {
                    ext.intents.push(Intent {
                        name,
                        file: path.clone(),
                        def,
                    });
                } else {
                    ext.unreadable.insert(path.clone());
                }
            }
            FileRole::SlotTypeToml(name) => {
                if let Some(def) = read_text(tree, path, &mut sink).and_then(|t| {
                    fast::slot_type(&t).or_else(|| {
                        parse_toml::<SlotTypeFile>(FileKind::SlotType, path, &t, &mut sink)
                    })
                }) {
                    ext.slot_types.push(SlotType {
                        name,
                        file: path.clone(),
                        description: def.description.map(|d| d.value),
                        values: def
                            .values
                            .value
                            .into_iter()
                            .map(|(value, syns)| SlotValue {
                                value,
                                synonyms: syns.value,
                            })
                            .collect(),
                    });
                } else {
                    ext.unreadable.insert(path.clone());
                }
            }
            FileRole::SlotTypeTsv(name) => {
                if let Some(text) = read_text(tree, path, &mut sink) {
                    let values = parse_slot_tsv(path, &text, &mut sink);
                    ext.slot_types.push(SlotType {
                        name,
                        file: path.clone(),
                        description: None,
                        values,
                    });
                } else {
                    ext.unreadable.insert(path.clone());
                }
            }
            FileRole::Suite => {
                if let Some(suite) = read_text(tree, path, &mut sink)
                    .and_then(|t| parse_toml::<TestSuite>(FileKind::TestSuite, path, &t, &mut sink))
                {
                    ext.suites.push(Suite {
                        file: path.clone(),
                        suite,
                    });
                } else {
                    ext.unreadable.insert(path.clone());
                }
            }
            FileRole::Asset => match tree.read(path) {
                Read::Bytes(b) => {
                    ext.assets.insert(
                        path.clone(),
                        Asset {
                            path: path.clone(),
                            bytes: b.clone(),
                        },
                    );
                }
                _ => {
                    // read_text reports why (symlink-escape, file-too-large, dangling link, …).
                    let _ = read_text(tree, path, &mut sink);
                    ext.unreadable.insert(path.clone());
                }
            },
            FileRole::Unknown if matches!(tree.read(path), Read::Escapes(_)) => {
                let _ = read_text(tree, path, &mut sink);
            }
            FileRole::Unknown => sink.push(
                Diagnostic::new(Code::UnknownFile, format!("unknown file `{rel}` in extension `{id}`"))
                    .at(path.clone(), 0..0)
                    .hint("intents go in `interaction-model/intents/<Name>.toml`, slot types in `interaction-model/slot-types/<TYPE>.toml|.tsv`, tests in `tests/*.toml`, icons in `assets/`"),
            ),
        }
    }
    if !have_server {
        sink.push(
            Diagnostic::new(
                Code::MissingFile,
                format!("extension `{id}` has no `server.toml`"),
            )
            .at(dir.clone(), 0..0)
            .hint(format!(
                "create `{dir}/server.toml` with at least `endpoint = \"https://…\"`"
            )),
        );
    }
    (ext, sink)
}

/// Parse a slot type in the console's TSV format: each line a representative value followed by
/// its synonyms, tab-separated. Blank lines and empty fields are skipped, fields are trimmed; a
/// representative value listed twice is reported (`tsv-syntax`). See also [`crate::tsv`].
pub fn parse_slot_tsv(path: &str, text: &str, sink: &mut Sink) -> Vec<SlotValue> {
    let mut values = Vec::new();
    let mut seen: std::collections::HashMap<String, Range<usize>> = Default::default();
    let mut offset = 0;
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if body.len() != text.len() {
        offset = text.len() - body.len();
    }
    for line in body.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::new();
        let mut pos = start;
        for field in content.split('\t') {
            fields.push((field, pos..pos + field.len()));
            pos += field.len() + 1;
        }
        let (value, vspan) = fields[0].clone();
        if value.trim().is_empty() {
            sink.push(
                Diagnostic::new(
                    Code::TsvSyntax,
                    "line has synonyms but no representative value",
                )
                .at(path, start..start + content.len())
                .hint("the first tab-separated field of each line is the representative value"),
            );
            continue;
        }
        let value = value.trim();
        let vstart = vspan.start + fields[0].0.len() - fields[0].0.trim_start().len();
        let vspan = vstart..vstart + value.len();
        if let Some(first) = seen.get(value) {
            sink.push(
                Diagnostic::new(
                    Code::TsvSyntax,
                    format!("representative value `{value}` is listed twice"),
                )
                .at(path, vspan)
                .related(path, first.clone(), "first listed here")
                .hint("keep one line per representative value, with all its synonyms"),
            );
            continue;
        }
        seen.insert(value.to_string(), vspan.clone());
        let mut synonyms = Vec::new();
        for (syn, span) in fields.into_iter().skip(1) {
            if syn.trim().is_empty() {
                continue;
            }
            let lead = syn.len() - syn.trim_start().len();
            let span = span.start + lead..span.start + lead + syn.trim().len();
            synonyms.push(Sp::new(syn.trim().to_string(), span));
        }
        values.push(SlotValue {
            value: Sp::new(value.to_string(), vspan),
            synonyms,
        });
    }
    values
}

#[cfg(test)]
mod proptests {
    //! Loading never panics, whatever the bytes of a file: every problem is a diagnostic whose
    //! location lies inside the file, and every renderer copes with it.

    use proptest::prelude::*;

    use super::*;
    use crate::diag::Report;
    use crate::diag::render;
    use crate::tree::Entry;

    const EXT: &str = "extensions/com.example.base";

    /// The base fixture as a snapshot.
    fn base_tree() -> Tree {
        fn walk(dir: &std::path::Path, rel: &str, tree: &mut Tree) {
            for e in std::fs::read_dir(dir).unwrap() {
                let e = e.unwrap();
                let name = e.file_name().into_string().unwrap();
                let path = if rel.is_empty() {
                    name
                } else {
                    format!("{rel}/{name}")
                };
                if e.file_type().unwrap().is_dir() {
                    walk(&e.path(), &path, tree);
                } else {
                    let bytes = std::fs::read(e.path()).unwrap();
                    tree.insert(path, Entry::Blob(bytes.into()));
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base");
        let mut tree = Tree::default();
        walk(&root, "", &mut tree);
        tree
    }

    /// Every kind of file the loader reads, by path.
    fn paths() -> Vec<String> {
        vec![
            "cekops.toml".into(),
            format!("{EXT}/extension.toml"),
            format!("{EXT}/server.toml"),
            format!("{EXT}/store.toml"),
            format!("{EXT}/interaction-model/intents/OrderCoffee.toml"),
            format!("{EXT}/interaction-model/slot-types/COFFEE_TYPE.toml"),
            format!("{EXT}/interaction-model/slot-types/TEA.tsv"),
            format!("{EXT}/tests/order.toml"),
            format!("{EXT}/assets/small.png"),
        ]
    }

    /// Text that looks like the files cekops reads: their keys, TOML punctuation, slot tags,
    /// multi-byte characters and line breaks, in any order.
    fn tomlish() -> impl Strategy<Value = String> {
        let pieces = prop_oneof![
            Just("id"),
            Just("language"),
            Just("\"ko-KR\""),
            Just("name"),
            Just("invocation_names"),
            Just("utterances"),
            Just("slots"),
            Just("values"),
            Just("endpoint"),
            Just("[store]"),
            Just("[account_linking]"),
            Just("[[case]]"),
            Just("[review]"),
            Just("reviewers"),
            Just("client_secret"),
            Just("{ env = \"X\" }"),
            Just(" = "),
            Just("="),
            Just("\""),
            Just("'"),
            Just("\"\"\""),
            Just("["),
            Just("]"),
            Just("{"),
            Just("}"),
            Just(","),
            Just("."),
            Just("\n"),
            Just("\r\n"),
            Just("\t"),
            Just(" "),
            Just("#"),
            Just("1"),
            Just("-0x1F"),
            Just("1e400"),
            Just("true"),
            Just("1979-05-27T07:32:00Z"),
            Just("<a>"),
            Just("</a>"),
            Just("값"),
            Just("コーヒー"),
            Just("\u{feff}"),
            Just("\\u00e9"),
            Just("\\"),
            Just("\u{0}"),
        ];
        prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
    }

    /// Load a snapshot, run every rule and render every format; check the diagnostics.
    fn check(tree: &Tree) -> Result<(), TestCaseError> {
        let (repo, sink) = load(tree, None);
        let mut report = Report {
            diagnostics: sink.diagnostics,
            sources: sink.sources,
        };
        for ext in &repo.extensions {
            let found =
                crate::rules::check_extension(ext, &report.sources, crate::rules::Stage::Service);
            report.diagnostics.extend(found);
        }
        report.diagnostics.extend(crate::rules::check_repo(
            &repo,
            crate::rules::Stage::Service,
        ));
        report.sort();
        for d in &report.diagnostics {
            let loc = d.location.as_ref();
            prop_assert!(loc.is_some(), "finding without a location: {d:?}");
            let loc = loc.unwrap();
            prop_assert!(loc.span.start <= loc.span.end, "{d:?}");
            if let Some(text) = report.sources.get(&loc.file) {
                prop_assert!(loc.span.end <= text.len(), "span past the end: {d:?}");
            }
        }
        let human = render::render(&report, render::Format::Human, false);
        let last = human.lines().last().unwrap_or_default();
        prop_assert!(
            last == "no problems found" || last.contains(" error"),
            "{}",
            human
        );
        let github = render::render(&report, render::Format::Github, false);
        prop_assert_eq!(github.lines().count(), report.diagnostics.len());
        for format in [render::Format::Json, render::Format::Sarif] {
            let out = render::render(&report, format, false);
            prop_assert!(
                serde_json::from_str::<serde_json::Value>(&out).is_ok(),
                "{}",
                out
            );
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn any_bytes_in_any_file(which in 0usize..9, bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let mut tree = base_tree();
            tree.insert(paths()[which].clone(), Entry::Blob(bytes.into()));
            check(&tree)?;
        }

        #[test]
        fn any_text_in_any_file(which in 0usize..8, text in any::<String>()) {
            let mut tree = base_tree();
            tree.insert(paths()[which].clone(), Entry::Blob(text.into_bytes().into()));
            check(&tree)?;
        }

        #[test]
        fn toml_like_text_in_any_file(which in 0usize..8, text in tomlish()) {
            let mut tree = base_tree();
            tree.insert(paths()[which].clone(), Entry::Blob(text.into_bytes().into()));
            check(&tree)?;
        }

        #[test]
        fn toml_like_text_appended_to_a_valid_file(which in 0usize..8, text in tomlish()) {
            let mut tree = base_tree();
            let path = paths()[which].clone();
            let mut bytes = match tree.read(&path) {
                Read::Bytes(b) => b.to_vec(),
                _ => Vec::new(),
            };
            bytes.extend_from_slice(text.as_bytes());
            tree.insert(path, Entry::Blob(bytes.into()));
            check(&tree)?;
        }

        #[test]
        fn parse_toml_never_panics(text in tomlish()) {
            for kind in FileKind::ALL {
                let mut sink = Sink::default();
                let ok = match kind {
                    FileKind::Config => parse_toml::<RepoConfig>(kind, "f", &text, &mut sink).is_some(),
                    FileKind::Extension => parse_toml::<ExtensionInfo>(kind, "f", &text, &mut sink).is_some(),
                    FileKind::Server => parse_toml::<ServerSettings>(kind, "f", &text, &mut sink).is_some(),
                    FileKind::Store => parse_toml::<StoreInfo>(kind, "f", &text, &mut sink).is_some(),
                    FileKind::Intent => parse_toml::<IntentFile>(kind, "f", &text, &mut sink).is_some(),
                    FileKind::SlotType => parse_toml::<SlotTypeFile>(kind, "f", &text, &mut sink).is_some(),
                    FileKind::TestSuite => parse_toml::<TestSuite>(kind, "f", &text, &mut sink).is_some(),
                };
                // Parsed: no findings. Refused: at least one, inside the text.
                prop_assert_eq!(ok, sink.diagnostics.is_empty(), "{:?}: {:?}", kind, sink.diagnostics);
                for d in &sink.diagnostics {
                    let span = &d.location.as_ref().unwrap().span;
                    prop_assert!(span.start <= span.end && span.end <= text.len(), "{:?}", d);
                }
            }
        }
    }
}
