//! Reading a snapshot into the model: TOML parsing with spans, schema validation, slot-type TSV.
//!
//! Every problem found while reading is a [`Diagnostic`]; loading never fails and never panics on
//! bad input.

mod fast;
mod parse;

pub use parse::parse_toml;

use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::diag::Report;
use crate::interop::tsv::parse_slot_tsv;
use crate::model::schema::FileKind;
use crate::model::*;
use crate::tree::Read;
use crate::tree::Tree;
use crate::tree::read_text;

/// Load a snapshot. `full` names the extensions read completely; `None` reads all of them. Other
/// extensions get only their `extension.toml` (for repository-wide rules).
pub fn load(tree: &Tree, full: Option<&BTreeSet<String>>) -> (Repo, Report) {
    let mut sink = Report::default();
    let config = load_config(tree, &mut sink);
    let ids = tree.extension_ids();
    let results: Vec<(Extension, Report)> = ids
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
    loose_files(tree, &mut sink);
    (Repo { config, extensions }, sink)
}

/// Read `cekops.toml` of a snapshot (`None` when it is missing or invalid: the reason is a
/// diagnostic).
pub fn load_config(tree: &Tree, sink: &mut Report) -> Option<RepoConfig> {
    if tree.files.contains_key("cekops.toml") {
        read_text(tree, "cekops.toml", sink)
            .and_then(|t| parse_toml::<RepoConfig>(FileKind::Config, "cekops.toml", &t, sink))
    } else {
        None
    }
}

/// Report loose files directly under `extensions/` (not in an extension folder).
pub fn loose_files(tree: &Tree, sink: &mut Report) {
    for path in tree.files.keys() {
        if let Some(rest) = path.strip_prefix("extensions/")
            && !rest.contains('/')
            && rest != ".gitkeep"
        {
            if matches!(tree.read(path), Read::Escapes(_)) {
                let _ = read_text(tree, path, sink);
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
pub fn load_extension(tree: &Tree, id: &str, full: bool) -> (Extension, Report) {
    let mut sink = Report::default();
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
            FileRole::Asset => {
                let bytes: Option<std::sync::Arc<[u8]>> = match tree.read(path) {
                    Read::Bytes(b) => Some(b.clone()),
                    Read::Text(t) => Some(t.clone().into()),
                    _ => None,
                };
                match bytes {
                    Some(bytes) => {
                        ext.assets.insert(
                            path.clone(),
                            Asset {
                                path: path.clone(),
                                bytes,
                            },
                        );
                    }
                    None => {
                        // read_text reports why (symlink-escape, file-too-large, dangling link, …).
                        let _ = read_text(tree, path, &mut sink);
                        ext.unreadable.insert(path.clone());
                    }
                }
            }
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
                Read::Text(t) => t.as_bytes().to_vec(),
                _ => Vec::new(),
            };
            bytes.extend_from_slice(text.as_bytes());
            tree.insert(path, Entry::Blob(bytes.into()));
            check(&tree)?;
        }

        #[test]
        fn parse_toml_never_panics(text in tomlish()) {
            for kind in FileKind::ALL {
                let mut sink = Report::default();
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
