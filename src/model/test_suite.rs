//! `extensions/<id>/tests/*.toml`: utterance test cases.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::Serialize;

use super::Sp;

/// A suite of utterance test cases run by `cekops test`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "test suite")]
pub struct TestSuite {
    /// Test cases: each is one utterance, or a multi-turn conversation given as `turns`.
    #[serde(default, rename = "case")]
    pub cases: Vec<Sp<TestCase>>,
}

/// One test case.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    /// A name for the case, shown in reports (defaults to the utterance).
    #[serde(default)]
    pub name: Option<Sp<String>>,
    /// The user utterance (single-turn case).
    #[serde(default)]
    pub utterance: Option<Sp<String>>,
    /// The expected intent, e.g. `OrderPizza` or `Clova.GuideIntent`.
    #[serde(default)]
    pub intent: Option<Sp<String>>,
    /// The expected slots: slot name → value (custom types: the representative value).
    #[serde(default)]
    pub slots: Option<Sp<IndexMap<String, Sp<String>>>>,
    /// A multi-turn conversation: each turn is checked in order.
    #[serde(default)]
    pub turns: Vec<Sp<Turn>>,
}

/// One turn of a multi-turn test case.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    /// The user utterance of this turn.
    pub utterance: Sp<String>,
    /// The expected intent.
    pub intent: Sp<String>,
    /// The expected slots: slot name → value.
    #[serde(default)]
    pub slots: Option<Sp<IndexMap<String, Sp<String>>>>,
}
