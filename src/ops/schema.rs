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
