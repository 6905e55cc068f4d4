//! `extensions/<id>/extension.toml`: basic information (spec §1).

use schemars::JsonSchema;
use serde::Deserialize;
use serde::Serialize;

use super::Sp;

/// The language (and so the console variant) of an extension: `ko-KR` follows the NAVER (KR)
/// console rules, `ja-JP` the LINE (JP) console rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
pub enum Language {
    /// Korean (NAVER Clova console, KR rules).
    #[serde(rename = "ko-KR")]
    Korean,
    /// Japanese (LINE CLOVA Developer Center, JP rules).
    #[serde(rename = "ja-JP")]
    Japanese,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Korean => "ko-KR",
            Language::Japanese => "ja-JP",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ko-KR" | "ko_KR" | "ko" => Some(Language::Korean),
            "ja-JP" | "ja_JP" | "ja" => Some(Language::Japanese),
            _ => None,
        }
    }
    /// The console variant name used in messages (`KR` or `JP`).
    pub fn variant(self) -> &'static str {
        match self {
            Language::Korean => "KR",
            Language::Japanese => "JP",
        }
    }
}

/// The extension type. Only custom extensions are described by cekops.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExtensionType {
    /// A custom extension (the console's `Custom` type).
    #[default]
    Custom,
}

/// Basic extension information: the console's **Extension information** tab.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "extension.toml")]
pub struct ExtensionInfo {
    /// Extension ID in reverse-domain notation (e.g. `com.example.pizzabot`); must equal the folder
    /// name under `extensions/` and can never change after creation. CEK sends it as
    /// `context.System.application.applicationId`.
    pub id: Sp<String>,
    /// Extension type; only `custom` is supported.
    #[serde(rename = "type", default)]
    pub kind: ExtensionType,
    /// Used language: `ko-KR` (KR console rules) or `ja-JP` (JP console rules).
    pub language: Sp<Language>,
    /// Extension name shown in the Skill Store; include the brand or maker.
    pub name: Sp<String>,
    /// JP only: the speech reading (kana) of the skill name, used for TTS.
    #[serde(default)]
    pub name_reading: Option<Sp<String>>,
    /// Invocation names the user says to start the extension. KR: 1 to 3 names. JP: the first is
    /// the main invocation name, up to 4 more are sub invocation names for ASR spelling variants.
    pub invocation_names: Sp<Vec<Sp<String>>>,
    /// Developer company (provider): the company or individual who made the extension; shown in
    /// the Skill Store and reviewed.
    #[serde(default)]
    pub provider: Option<Sp<String>>,
    /// Use audio player: true when the extension sends `AudioPlayer` directives (AAC not allowed).
    #[serde(default)]
    pub audio_player: bool,
    /// Contact e-mail of the service personnel (receives important notices; not shown to users).
    #[serde(default)]
    pub contact_email: Option<Sp<String>>,
    /// KR only: NAVER account IDs allowed to test the in-development version (max 10, your own
    /// account included).
    #[serde(default)]
    pub testers: Sp<Vec<Sp<String>>>,
    /// Built-in intents the interaction model uses (e.g. `Clova.GuideIntent`). KR requires Guide,
    /// Cancel, Yes and No; JP requires `Clova.GuideIntent`; listing `Clova.FallbackIntent` (JP)
    /// sends unmatched utterances to it instead of the guide intent.
    #[serde(default)]
    pub builtin_intents: Sp<Vec<Sp<String>>>,
    /// Built-in slot types ticked under "Use the new built-in slot type provided by Clova"
    /// (e.g. `CLOVA.NUMBER`); a slot may use a built-in type only when it is listed here.
    #[serde(default)]
    pub builtin_slot_types: Sp<Vec<Sp<String>>>,
}
