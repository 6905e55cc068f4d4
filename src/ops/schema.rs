//! `cekops schema`: the JSON Schema files under `schemas/`, generated from the Rust types (the
//! file kinds of [`crate::model::schema`] and the bundle document of [`crate::interop::bundle`]).

use crate::model::schema::FileKind;

/// Every schema file: (file name, pretty JSON text with a final newline). Besides the file
/// kinds, `bundle.schema.json` describes the document `cekops export bundle` writes.
pub fn all() -> Vec<(&'static str, String)> {
    let pretty = |v: &serde_json::Value| {
        let mut text = serde_json::to_string_pretty(v).expect("schema serializes");
        text.push('\n');
        text
    };
    let mut out: Vec<(&'static str, String)> = FileKind::ALL
        .iter()
        .map(|k| (k.schema_file(), pretty(k.schema())))
        .collect();
    out.push((
        "bundle.schema.json",
        pretty(&crate::interop::bundle::schema()),
    ));
    out
}

/// Every schema as one JSON document (what `cekops schema` prints): an object from each file name
/// to its schema, in the order of [`all`], pretty-printed with a final newline.
pub fn document() -> String {
    let mut map = serde_json::Map::new();
    for (name, text) in all() {
        let value: serde_json::Value =
            serde_json::from_str(&text).expect("generated schema is JSON");
        map.insert(name.to_string(), value);
    }
    let mut text =
        serde_json::to_string_pretty(&serde_json::Value::Object(map)).expect("schema serializes");
    text.push('\n');
    text
}
