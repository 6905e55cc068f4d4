//! JSON Schemas generated from the model types, and validation of TOML documents against them.
//!
//! `schemas/*.schema.json` are written by `cekops schema --write` from `ops::schema::all`; a
//! test fails when the checked-in files differ from what the types generate.

use std::sync::OnceLock;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;

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

    /// The compiled validator (compiled once per process).
    pub fn validator(self) -> &'static jsonschema::Validator {
        static CACHE: [OnceLock<jsonschema::Validator>; 7] = [const { OnceLock::new() }; 7];
        CACHE[self as usize].get_or_init(|| {
            jsonschema::validator_for(self.schema()).expect("generated schemas are valid")
        })
    }
}
