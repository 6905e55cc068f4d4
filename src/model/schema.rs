//! JSON Schemas generated from the model types, and validation of TOML documents against them.
//!
//! `schemas/*.schema.json` are written by `cekops schema --write` from `ops::schema::all`; a
//! test fails when the checked-in files differ from what the types generate. Documents are checked
//! against them by [`crate::model::schema_check`].

use std::sync::OnceLock;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use toml::de::DeTable;
use toml::de::DeValue;

use crate::model;

/// The kinds of file cekops reads, each with its own schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    Config,
    Extension,
    Server,
    Store,
    Intent,
    SlotType,
    TestSuite,
}

impl FileKind {
    pub const ALL: [FileKind; 7] = [
        FileKind::Config,
        FileKind::Extension,
        FileKind::Server,
        FileKind::Store,
        FileKind::Intent,
        FileKind::SlotType,
        FileKind::TestSuite,
    ];

    /// File name under `schemas/`.
    pub fn schema_file(self) -> &'static str {
        match self {
            FileKind::Config => "cekops.schema.json",
            FileKind::Extension => "extension.schema.json",
            FileKind::Server => "server.schema.json",
            FileKind::Store => "store.schema.json",
            FileKind::Intent => "intent.schema.json",
            FileKind::SlotType => "slot-type.schema.json",
            FileKind::TestSuite => "test-suite.schema.json",
        }
    }

    fn generate(self) -> serde_json::Value {
        let gen_for = |f: fn(schemars::SchemaGenerator) -> schemars::Schema| {
            let settings = SchemaSettings::draft2020_12();
            f(settings.into_generator()).to_value()
        };
        fn root<T: JsonSchema>(g: schemars::SchemaGenerator) -> schemars::Schema {
            g.into_root_schema_for::<T>()
        }
        match self {
            FileKind::Config => gen_for(root::<model::RepoConfig>),
            FileKind::Extension => gen_for(root::<model::ExtensionInfo>),
            FileKind::Server => gen_for(root::<model::ServerSettings>),
            FileKind::Store => gen_for(root::<model::StoreInfo>),
            FileKind::Intent => gen_for(root::<model::IntentFile>),
            FileKind::SlotType => gen_for(root::<model::SlotTypeFile>),
            FileKind::TestSuite => gen_for(root::<model::TestSuite>),
        }
    }

    /// The schema as JSON.
    pub fn schema(self) -> &'static serde_json::Value {
        static CACHE: [OnceLock<serde_json::Value>; 7] = [const { OnceLock::new() }; 7];
        CACHE[self as usize].get_or_init(|| self.generate())
    }

    /// Every violation of this kind's schema by `instance` (a document converted by [`to_json`]).
    pub fn check(
        self,
        instance: &serde_json::Value,
    ) -> Vec<crate::model::schema_check::SchemaError> {
        crate::model::schema_check::check(self.schema(), instance)
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
