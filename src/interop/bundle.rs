//! The deployable bundle: one JSON document holding every extension of a revision, all four
//! console categories, with the interaction model compiled (utterances parsed into text and
//! slots) and icons as digests. `schemas/bundle.schema.json` is generated from these types.
//!
//! The document depends only on the files: the same files give the same bytes, whether read from
//! a folder or from a commit (no paths, times or commit ids inside).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use sha2::Digest as _;

use crate::model;
use crate::model::Language;
use crate::model::Secret;
use crate::model::Sp;
use crate::utterance;

/// Version of the bundle format; bumped on any incompatible change.
pub const BUNDLE_VERSION: u32 = 1;

/// A deployable bundle made by `cekops export bundle`: every extension of one revision.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(title = "cekops bundle")]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Format version of this document (currently 1); bumped on any incompatible change.
    pub version: u32,
    /// The tool that wrote the bundle: always `cekops`.
    pub tool: String,
    /// Every extension, sorted by Extension ID.
    pub extensions: Vec<BundleExtension>,
}

/// One extension: the console's four categories.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleExtension {
    /// Extension ID (reverse-domain notation).
    pub id: String,
    /// Basic information (the console's **Extension information** tab).
    pub info: BasicInfo,
    /// Server connection settings, with secrets as references only.
    pub server: ServerConnection,
    /// The interaction model, compiled.
    pub interaction_model: InteractionModel,
    /// Deployment information (Skill Store exposure, privacy, review info); absent when the
    /// extension has no `store.toml` yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment: Option<Deployment>,
}

/// Basic extension information.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BasicInfo {
    /// Extension type: always `custom`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Used language: `ko-KR` or `ja-JP`.
    pub language: Language,
    /// Extension name shown in the Skill Store.
    pub name: String,
    /// JP only: speech reading of the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_reading: Option<String>,
    /// Invocation names (JP: the first is the main invocation name).
    pub invocation_names: Vec<String>,
    /// Developer company (provider).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Whether the extension sends `AudioPlayer` directives.
    pub audio_player: bool,
    /// Contact e-mail of the service personnel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// KR: tester account IDs.
    pub testers: Vec<String>,
}

/// A secret given by reference: the name of the environment variable that holds it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    /// Environment variable holding the secret (read by the deploy job, never stored here).
    pub env: String,
}

/// Server connection settings.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerConnection {
    /// Extension server URL.
    pub endpoint: String,
    /// The server's certificate is from a trusted CA.
    pub trusted_certificate: bool,
    /// Account linking; absent when off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_linking: Option<AccountLinking>,
}

/// Account-linking settings.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountLinking {
    /// Login URL (authorization URI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_uri: Option<String>,
    /// Account configuration page URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_config_url: Option<String>,
    /// Client ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Privacy policy URL of the linked service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy_policy_url: Option<String>,
    /// Domain list.
    pub domains: Vec<String>,
    /// Permission scopes.
    pub scopes: Vec<String>,
    /// Authorization grant type (`code`).
    pub grant_type: model::GrantType,
    /// Access token URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token_uri: Option<String>,
    /// Access token reissue URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token_uri: Option<String>,
    /// Client secret, by reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<SecretRef>,
    /// Method of sending client credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_auth: Option<model::ClientAuth>,
}

/// The interaction model as the console builds it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionModel {
    /// Built-in intents in use (e.g. `Clova.GuideIntent`), as listed.
    pub builtin_intents: Vec<String>,
    /// Built-in slot types in use (e.g. `CLOVA.NUMBER`), as listed.
    pub builtin_slot_types: Vec<String>,
    /// Custom intents, sorted by name.
    pub intents: Vec<Intent>,
    /// Custom slot types, sorted by name.
    pub slot_types: Vec<SlotType>,
}

/// One custom intent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Intent {
    /// Intent name (case-sensitive).
    pub name: String,
    /// What the intent is for (not sent to the console).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Slot list, in file order.
    pub slots: Vec<Slot>,
    /// Sample utterances, in file order.
    pub utterances: Vec<Utterance>,
}

/// A slot of an intent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slot {
    /// Slot name.
    pub name: String,
    /// Slot type: a custom type of this extension or a built-in `CLOVA.*` type.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A sample utterance, parsed.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Utterance {
    /// The utterance as written, slots tagged: `<pizzaType>페퍼로니</pizzaType> 주문해줘`.
    pub text: String,
    /// The utterance as spoken: tags removed, values kept.
    pub plain: String,
    /// The tagged slot values, in order.
    pub slots: Vec<TaggedSlot>,
}

/// A tagged slot value inside an utterance.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaggedSlot {
    /// Slot name.
    pub name: String,
    /// The tagged value.
    pub value: String,
    /// Start of the value in `plain`, in Unicode scalar values (characters).
    pub start: usize,
    /// End (exclusive) of the value in `plain`, in Unicode scalar values (characters).
    pub end: usize,
}

/// One custom slot type.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotType {
    /// Slot type name.
    pub name: String,
    /// What the slot type holds (not sent to the console).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The dictionary: representative values with their synonyms, in file order.
    pub values: Vec<SlotValue>,
}

/// A representative value and its synonyms.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotValue {
    /// Representative value (what CEK sends).
    pub value: String,
    /// Synonyms normalised to the value.
    pub synonyms: Vec<String>,
}

/// Deployment information.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// Skill Store exposure information.
    pub store: Store,
    /// Privacy and compliance.
    pub privacy: Privacy,
    /// Information for reviewers.
    pub review: Review,
}

/// Skill Store exposure information.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Store {
    /// Classification (category).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Service countries/regions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub countries: Option<String>,
    /// Description of Skill Store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// KR: short description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_description: Option<String>,
    /// Utterance phrases for the Skill Store.
    pub example_phrases: Vec<String>,
    /// Search keywords.
    pub keywords: Vec<String>,
    /// KR: small icon (108×108).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub small_icon: Option<Icon>,
    /// Large icon (512×512).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub large_icon: Option<Icon>,
    /// JP: target devices.
    pub target_devices: Vec<String>,
}

/// An icon, by digest: the deploy job uploads the file with this digest.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Icon {
    /// Path relative to the extension folder, as written in `store.toml`.
    pub path: String,
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
    /// File size in bytes.
    pub size: u64,
    /// Image format: `png` or `jpeg`; absent when the file is neither.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Width in pixels; absent when the image cannot be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels; absent when the image cannot be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

/// Privacy and compliance.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// Purchase/payment feature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase: Option<bool>,
    /// Collection of personal information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personal_info: Option<bool>,
    /// KR: possibility of use by minors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minors: Option<bool>,
    /// Privacy policy URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy_policy_url: Option<String>,
    /// Terms / disclaimer URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terms_url: Option<String>,
}

/// Information for reviewers.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// Description for extension review / comments for reviewers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Test account for reviewers; the password by reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_account: Option<TestAccount>,
    /// JP: provider type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_type: Option<model::ProviderType>,
    /// JP: provider name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_name: Option<String>,
    /// JP: TTS reading of the provider name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_name_reading: Option<String>,
    /// JP corporations: head-office address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// JP corporations: main phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// JP corporations: representative.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub representative: Option<String>,
    /// JP corporations: website.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// JP: linked LINE official account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line_account: Option<String>,
}

/// A reviewer test account.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestAccount {
    /// Account ID.
    pub id: String,
    /// Password, by reference.
    pub password: SecretRef,
}

/// Why an extension cannot go into a bundle (the loader or the rules report the details).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleError {
    /// A file that the bundle needs did not load.
    Missing { id: String, what: &'static str },
    /// A secret is written inline, or has keys beside `env`.
    InlineSecret { id: String, field: &'static str },
}

impl std::fmt::Display for BundleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BundleError::Missing { id, what } => {
                write!(f, "extension `{id}` has no valid {what}")
            }
            BundleError::InlineSecret { id, field } => {
                write!(f, "extension `{id}` has an inline secret in `{field}`")
            }
        }
    }
}

fn s(v: &Sp<String>) -> String {
    v.value.clone()
}
fn os(v: &Option<Sp<String>>) -> Option<String> {
    v.as_ref().map(s)
}
fn vs(v: &Sp<Vec<Sp<String>>>) -> Vec<String> {
    v.value.iter().map(s).collect()
}

fn secret(id: &str, field: &'static str, v: &Sp<Secret>) -> Result<SecretRef, BundleError> {
    match &v.value {
        Secret::Env { env, extra } if extra.is_empty() => Ok(SecretRef { env: env.clone() }),
        Secret::Env { .. } | Secret::Inline(_) => Err(BundleError::InlineSecret {
            id: id.to_string(),
            field,
        }),
    }
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = sha2::Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn icon(ext: &model::Extension, path: &Option<Sp<String>>) -> Option<Icon> {
    let p = path.as_ref()?;
    let rel = p.value.trim_start_matches("./");
    let asset = ext.assets.get(&ext.path(rel));
    let bytes: &[u8] = asset.map(|a| &a.bytes[..]).unwrap_or(&[]);
    let format = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png".to_string())
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpeg".to_string())
    } else {
        None
    };
    let size = imagesize::blob_size(bytes).ok();
    Some(Icon {
        path: p.value.clone(),
        sha256: sha256_hex(bytes),
        size: bytes.len() as u64,
        format,
        width: size.and_then(|s| u32::try_from(s.width).ok()),
        height: size.and_then(|s| u32::try_from(s.height).ok()),
    })
}

/// Compile one utterance: plain text and tagged slots with character offsets. Malformed tags
/// (reported by `validate`) leave the text as it is, with no slots.
pub fn compile_utterance(text: &str) -> Utterance {
    let Ok(segs) = utterance::parse(text) else {
        return Utterance {
            text: text.to_string(),
            plain: text.to_string(),
            slots: Vec::new(),
        };
    };
    let mut plain = String::new();
    let mut chars = 0;
    let mut slots = Vec::new();
    for seg in segs {
        match seg {
            utterance::Segment::Text(t) => {
                plain.push_str(t);
                chars += t.chars().count();
            }
            utterance::Segment::Slot { name, value, .. } => {
                let n = value.chars().count();
                slots.push(TaggedSlot {
                    name: name.to_string(),
                    value: value.to_string(),
                    start: chars,
                    end: chars + n,
                });
                plain.push_str(value);
                chars += n;
            }
        }
    }
    Utterance {
        text: text.to_string(),
        plain,
        slots,
    }
}

/// One extension of the bundle.
pub fn extension(ext: &model::Extension) -> Result<BundleExtension, BundleError> {
    let id = ext.id.as_str();
    let missing = |what| BundleError::Missing {
        id: id.to_string(),
        what,
    };
    let info = ext.info.as_ref().ok_or_else(|| missing("extension.toml"))?;
    let server = ext.server.as_ref().ok_or_else(|| missing("server.toml"))?;
    let account_linking = match &server.account_linking {
        None => None,
        Some(al) => {
            let al = &al.value;
            Some(AccountLinking {
                authorization_uri: os(&al.authorization_uri),
                account_config_url: os(&al.account_config_url),
                client_id: os(&al.client_id),
                privacy_policy_url: os(&al.privacy_policy_url),
                domains: vs(&al.domains),
                scopes: vs(&al.scopes),
                grant_type: al.grant_type.value,
                access_token_uri: os(&al.access_token_uri),
                refresh_token_uri: os(&al.refresh_token_uri),
                client_secret: al
                    .client_secret
                    .as_ref()
                    .map(|c| secret(id, "account_linking.client_secret", c))
                    .transpose()?,
                client_auth: al.client_auth.as_ref().map(|c| c.value),
            })
        }
    };
    let mut intents: Vec<Intent> = ext
        .intents
        .iter()
        .map(|i| Intent {
            name: i.name.clone(),
            description: os(&i.def.description),
            slots: i
                .def
                .slots
                .value
                .iter()
                .map(|(k, v)| Slot {
                    name: k.value.clone(),
                    kind: v.value.clone(),
                })
                .collect(),
            utterances: i
                .def
                .utterances
                .value
                .iter()
                .map(|u| compile_utterance(&u.value))
                .collect(),
        })
        .collect();
    intents.sort_by(|a, b| a.name.cmp(&b.name));
    let mut slot_types: Vec<SlotType> = ext
        .slot_types
        .iter()
        .map(|t| SlotType {
            name: t.name.clone(),
            description: t.description.clone(),
            values: t
                .values
                .iter()
                .map(|v| SlotValue {
                    value: v.value.value.to_string(),
                    synonyms: v.synonyms.iter().map(|x| x.value.to_string()).collect(),
                })
                .collect(),
        })
        .collect();
    slot_types.sort_by(|a, b| a.name.cmp(&b.name));
    let deployment = match &ext.store {
        None => None,
        Some(st) => {
            let e = &st.store.value;
            let p = &st.privacy.value;
            let r = &st.review.value;
            Some(Deployment {
                store: Store {
                    category: os(&e.category),
                    countries: os(&e.countries),
                    description: os(&e.description),
                    short_description: os(&e.short_description),
                    example_phrases: vs(&e.example_phrases),
                    keywords: vs(&e.keywords),
                    small_icon: icon(ext, &e.small_icon),
                    large_icon: icon(ext, &e.large_icon),
                    target_devices: vs(&e.target_devices),
                },
                privacy: Privacy {
                    purchase: p.purchase.as_ref().map(|v| v.value),
                    personal_info: p.personal_info.as_ref().map(|v| v.value),
                    minors: p.minors.as_ref().map(|v| v.value),
                    privacy_policy_url: os(&p.privacy_policy_url),
                    terms_url: os(&p.terms_url),
                },
                review: Review {
                    description: os(&r.description),
                    test_account: r
                        .test_account
                        .as_ref()
                        .map(|ta| -> Result<TestAccount, BundleError> {
                            Ok(TestAccount {
                                id: ta.value.id.value.clone(),
                                password: secret(
                                    id,
                                    "review.test_account.password",
                                    &ta.value.password,
                                )?,
                            })
                        })
                        .transpose()?,
                    provider_type: r.provider_type.as_ref().map(|v| v.value),
                    provider_name: os(&r.provider_name),
                    provider_name_reading: os(&r.provider_name_reading),
                    address: os(&r.address),
                    phone: os(&r.phone),
                    representative: os(&r.representative),
                    website: os(&r.website),
                    line_account: os(&r.line_account),
                },
            })
        }
    };
    Ok(BundleExtension {
        id: id.to_string(),
        info: BasicInfo {
            kind: "custom".into(),
            language: info.language.value,
            name: s(&info.name),
            name_reading: os(&info.name_reading),
            invocation_names: vs(&info.invocation_names),
            provider: os(&info.provider),
            audio_player: info.audio_player,
            contact_email: os(&info.contact_email),
            testers: vs(&info.testers),
        },
        server: ServerConnection {
            endpoint: s(&server.endpoint),
            trusted_certificate: server.trusted_certificate.value,
            account_linking,
        },
        interaction_model: InteractionModel {
            builtin_intents: vs(&info.builtin_intents),
            builtin_slot_types: vs(&info.builtin_slot_types),
            intents,
            slot_types,
        },
        deployment,
    })
}

/// The bundle of a loaded repository; every problem that keeps an extension out is returned.
pub fn build(repo: &model::Repo) -> Result<Bundle, Vec<BundleError>> {
    let mut by_id: BTreeMap<&str, BundleExtension> = BTreeMap::new();
    let mut errors = Vec::new();
    for ext in &repo.extensions {
        match extension(ext) {
            Ok(b) => {
                by_id.insert(ext.id.as_str(), b);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Bundle {
        version: BUNDLE_VERSION,
        tool: "cekops".into(),
        extensions: by_id.into_values().collect(),
    })
}

/// The bundle as pretty JSON with a final newline (the bytes `export bundle` writes).
pub fn to_json(bundle: &Bundle) -> String {
    let mut text = serde_json::to_string_pretty(bundle).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema of the bundle document.
pub fn schema() -> serde_json::Value {
    let settings = schemars::generate::SchemaSettings::draft2020_12();
    settings
        .into_generator()
        .into_root_schema_for::<Bundle>()
        .to_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utterances_compile_with_character_offsets() {
        let u = compile_utterance("<pizzaType>페퍼로니</pizzaType> 피자 <n>두 판</n> 주문해줘");
        assert_eq!(u.plain, "페퍼로니 피자 두 판 주문해줘");
        assert_eq!(u.slots.len(), 2);
        assert_eq!((u.slots[0].start, u.slots[0].end), (0, 4));
        assert_eq!((u.slots[1].start, u.slots[1].end), (8, 11));
        let chars: Vec<char> = u.plain.chars().collect();
        let v: String = chars[u.slots[1].start..u.slots[1].end].iter().collect();
        assert_eq!(v, "두 판");
    }

    #[test]
    fn sha256_of_empty_input() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
