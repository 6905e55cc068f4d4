//! `schemas/*.schema.json`: generated from the model types, checked in, documented, and usable by
//! editors through a `#:schema` comment.

use std::path::Path;
use std::path::PathBuf;

use cekops::diag::Report;
use cekops::load::parse_toml;
use cekops::model;
use cekops::model::schema::FileKind;

use crate::common::TestEnv;
use crate::common::fixtures::fixtures_dir;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")
}

#[test]
fn test_checked_in_schemas_match_the_types() {
    let generated = cekops::ops::schema::all();
    let mut stale = Vec::new();
    for (name, text) in &generated {
        let on_disk = std::fs::read_to_string(schemas_dir().join(name)).unwrap_or_default();
        if on_disk != *text {
            stale.push(*name);
        }
    }
    assert!(
        stale.is_empty(),
        "schemas/ differs from the model types: {stale:?}; run `cargo run -- schema --write`"
    );
    let mut extra: Vec<String> = std::fs::read_dir(schemas_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !generated.iter().any(|(g, _)| g == n))
        .collect();
    extra.sort();
    assert!(
        extra.is_empty(),
        "files in schemas/ that cekops does not generate: {extra:?}"
    );
}

#[test]
fn test_schema_check_command_detects_drift() {
    let env = TestEnv::new();
    env.cekops(&["schema", "--write"]).code(0);
    for (name, text) in cekops::ops::schema::all() {
        assert_eq!(env.read(&format!("schemas/{name}")), text);
    }
    env.cekops(&["schema", "--check"]).code(0);
    let path = "schemas/server.schema.json";
    let edited = env
        .read(path)
        .replacen("Extension server URL", "Server URL", 1);
    env.write(path, edited);
    env.cekops(&["schema", "--check"])
        .code(1)
        .contains("schemas out of date: server.schema.json")
        .contains("cekops schema --write");
    // The project's own schemas pass the check.
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    env.cekops_in(project, &["schema", "--check"], &[]).code(0);
}

/// Every object under `properties` (in the root, `$defs`, `items`, `anyOf`, …) has a description.
fn undocumented(node: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    match node {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                for (name, prop) in props {
                    let has = prop
                        .get("description")
                        .and_then(|d| d.as_str())
                        .is_some_and(|d| !d.trim().is_empty());
                    if !has {
                        out.push(format!("{path}/properties/{name}"));
                    }
                }
            }
            for (k, v) in map {
                undocumented(v, &format!("{path}/{k}"), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                undocumented(v, &format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn test_every_property_has_a_description() {
    let mut missing = Vec::new();
    let mut properties = 0;
    for kind in FileKind::ALL {
        let schema = kind.schema();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema",
            "{}",
            kind.schema_file()
        );
        assert!(
            schema.get("description").is_some(),
            "{} has no top-level description",
            kind.schema_file()
        );
        undocumented(schema, kind.schema_file(), &mut missing);
        properties += serde_json::to_string(schema)
            .unwrap()
            .matches("\"description\"")
            .count();
    }
    assert!(
        missing.is_empty(),
        "properties without a description (add a doc comment in src/model): {missing:#?}"
    );
    assert!(
        properties > 50,
        "the walk found too few descriptions: {properties}"
    );
}

#[test]
fn test_description_walk_finds_a_missing_description() {
    let schema = serde_json::json!({
        "properties": { "a": { "description": "documented" } },
        "$defs": { "T": { "properties": { "b": { "type": "string" } } } },
        "items": { "anyOf": [ { "properties": { "c": {} } } ] },
    });
    let mut missing = Vec::new();
    undocumented(&schema, "x", &mut missing);
    assert_eq!(
        missing,
        ["x/$defs/T/properties/b", "x/items/anyOf/0/properties/c"]
    );
}

/// The checked-in schemas accept every TOML file of the base fixture (what editors check with
/// the `#:schema` comment agrees with what cekops reads).
#[test]
fn test_checked_in_schemas_accept_the_base_fixture() {
    let base = fixtures_dir().join("base");
    let mut checked = 0;
    for (rel, kind) in [
        ("cekops.toml", FileKind::Config),
        (
            "extensions/com.example.base/extension.toml",
            FileKind::Extension,
        ),
        ("extensions/com.example.base/server.toml", FileKind::Server),
        ("extensions/com.example.base/store.toml", FileKind::Store),
        (
            "extensions/com.example.base/interaction-model/intents/OrderCoffee.toml",
            FileKind::Intent,
        ),
        (
            "extensions/com.example.base/interaction-model/slot-types/COFFEE_TYPE.toml",
            FileKind::SlotType,
        ),
        (
            "extensions/com.example.base/tests/order.toml",
            FileKind::TestSuite,
        ),
    ] {
        let path = base.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        // The comment names the right schema, by a path that exists from the file's folder.
        let first = text.lines().next().unwrap();
        let target = first
            .strip_prefix("#:schema ")
            .unwrap_or_else(|| panic!("{rel} does not start with a #:schema comment"));
        assert!(target.ends_with(kind.schema_file()), "{rel}: {target}");
        let schema_path = path.parent().unwrap().join(target);
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
        let doc: serde_json::Value = toml::from_str(&text).unwrap();
        let errors: Vec<String> = cekops::model::schema_check::check(&schema, &doc)
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{rel}: {errors:?}");
        checked += 1;
    }
    assert_eq!(checked, FileKind::ALL.len());
}

fn parses<T: serde::de::DeserializeOwned>(kind: FileKind, text: &str) -> (bool, Vec<String>) {
    let mut sink = Report::default();
    let ok = parse_toml::<T>(kind, "f.toml", text, &mut sink).is_some();
    let codes = sink
        .diagnostics
        .iter()
        .map(|d| d.code.as_str().to_string())
        .collect();
    (ok, codes)
}

#[test]
fn test_a_leading_schema_comment_is_accepted_in_every_file_kind() {
    type Parse = fn(FileKind, &str) -> (bool, Vec<String>);
    let cases: [(FileKind, &str, Parse); 7] = [
        (
            FileKind::Config,
            "[review]\nreviewers = []\n",
            parses::<model::RepoConfig>,
        ),
        (
            FileKind::Extension,
            "id = \"com.example.a\"\nlanguage = \"ko-KR\"\nname = \"A\"\ninvocation_names = [\"에이\"]\n",
            parses::<model::ExtensionInfo>,
        ),
        (
            FileKind::Server,
            "endpoint = \"https://example.com\"\n",
            parses::<model::ServerSettings>,
        ),
        (
            FileKind::Store,
            "[store]\ndescription = \"x\"\n",
            parses::<model::StoreInfo>,
        ),
        (
            FileKind::Intent,
            "utterances = [\"a\"]\n",
            parses::<model::IntentFile>,
        ),
        (
            FileKind::SlotType,
            "[values]\na = [\"b\"]\n",
            parses::<model::SlotTypeFile>,
        ),
        (
            FileKind::TestSuite,
            "[[case]]\nutterance = \"a\"\nintent = \"A\"\n",
            parses::<model::TestSuite>,
        ),
    ];
    for (kind, body, parse) in cases {
        for header in [
            format!("#:schema ../../schemas/{}\n", kind.schema_file()),
            format!(
                "#:schema https://example.com/{}\n\n# notes\n",
                kind.schema_file()
            ),
            String::new(),
        ] {
            let text = format!("{header}{body}");
            let (ok, codes) = parse(kind, &text);
            assert!(
                ok && codes.is_empty(),
                "{kind:?} with {header:?}: {codes:?}"
            );
        }
    }
}

#[test]
fn test_schema_comment_does_not_shift_reported_positions() {
    let env = TestEnv::new();
    env.copy_from_project("tests/fixtures/base");
    let path = "extensions/com.example.base/server.toml";
    let text = env.read(path);
    assert!(text.starts_with("#:schema "));
    env.write(
        path,
        text.replace("trusted_certificate = true", "trusted_certificate = 1"),
    );
    env.cekops(&["validate"])
        .code(1)
        .contains("error[schema-violation]")
        .contains("extensions/com.example.base/server.toml:3:23");
}

#[test]
fn test_schema_output() {
    let env = TestEnv::new();
    let mut t = Transcript::new(&env);
    t.cekops(&["schema", "--check"]).code(1);
    t.cekops(&["schema", "--write"]).code(0);
    t.cekops(&["schema", "--check"]).code(0);
    t.note("one schema edited by hand");
    let path = "schemas/server.schema.json";
    let edited = env
        .read(path)
        .replacen("Extension server URL", "Server URL", 1);
    env.write(path, edited);
    t.cekops(&["schema", "--check"]).code(1);
    snapshot!(&env, "schema", t.text());
}

#[test]
fn test_schema_stdout_is_one_json_document() {
    let env = TestEnv::new();
    let out = env.cekops(&["schema"]);
    out.code(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("`cekops schema` stdout is not JSON: {e}\n{}", out.stdout));
    let names: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let files: Vec<&str> = cekops::ops::schema::all().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, files, "one entry per schema file, in order");
    for (name, text) in cekops::ops::schema::all() {
        let on_disk: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc[name], on_disk, "{name} printed as written by --write");
    }
    assert_eq!(doc["store.schema.json"]["title"], "store.toml");
}
