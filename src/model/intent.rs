//! `interaction-model/intents/<IntentName>.toml`: one custom intent (spec §3.1, §3.3).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::Serialize;

use super::SharedStr;
use super::Sp;

/// One custom intent; the file name (without `.toml`) is the intent name (case-sensitive).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "intent")]
pub struct IntentFile {
    /// What the intent is for (not sent to the console).
    #[serde(default)]
    pub description: Option<Sp<String>>,
    /// Slot list: slot name → slot type (a custom type under `slot-types/` or a built-in
    /// `CLOVA.*` type listed in `extension.toml`).
    #[serde(default)]
    pub slots: Sp<IndexMap<Sp<String>, Sp<String>>>,
    /// Sample utterances (at most 2,000). Slots are tagged with the console syntax and carry a real
    /// value: `<pizzaType>페퍼로니</pizzaType> 피자 주문해줘`.
    #[serde(default)]
    pub utterances: Sp<Vec<Sp<SharedStr>>>,
}
