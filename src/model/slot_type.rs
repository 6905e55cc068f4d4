//! `interaction-model/slot-types/<TYPE>.toml`: one custom slot type (spec §3.2).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::Serialize;

use super::SharedStr;
use super::Sp;

/// One custom slot type; the file name (without `.toml`) is the type name. A `<TYPE>.tsv` file in
/// the console's download format (representative value, then synonyms, tab-separated) is accepted
/// instead.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "slot type")]
pub struct SlotTypeFile {
    /// What the slot type holds (not sent to the console).
    #[serde(default)]
    pub description: Option<Sp<String>>,
    /// Slot type dictionary: representative value → its synonyms. Recognised synonyms are
    /// normalised to the representative value. At most 200,000 entries, values and synonyms
    /// counted together.
    #[serde(default)]
    pub values: Sp<SlotValues>,
}

/// Representative value → synonyms, with spans.
pub type SlotValues = IndexMap<Sp<SharedStr>, Sp<Vec<Sp<SharedStr>>>>;
