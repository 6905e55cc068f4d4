//! `extensions/<id>/store.toml`: deployment information (spec §5).

use schemars::JsonSchema;
use serde::Deserialize;
use serde::Serialize;

use super::Secret;
use super::Sp;

/// Deployment information: Skill Store exposure, privacy and compliance, and (JP) review info.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "store.toml")]
pub struct StoreInfo {
    /// Skill Store exposure information (KR **Skill Store exposure information**, JP *Skill Store*).
    #[serde(default)]
    pub store: Sp<StoreExposure>,
    /// Privacy and compliance (KR **Privacy and compliance**, JP *Privacy & terms*).
    #[serde(default)]
    pub privacy: Sp<Privacy>,
    /// Information for the reviewers (KR review description; JP *Review info* page).
    #[serde(default)]
    pub review: Sp<ReviewInfo>,
}

/// Skill Store exposure information.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreExposure {
    /// Classification (category) used for browsing and search, e.g. `food-and-drink`. Required for KR.
    #[serde(default)]
    pub category: Option<Sp<String>>,
    /// Service countries/regions. KR offers one choice (all Clova regions, Korea); JP Japan only.
    #[serde(default)]
    pub countries: Option<Sp<String>>,
    /// Description of Skill Store (KR ≤ 500 characters): what the skill does, how to use it, and
    /// customer-support contact details.
    #[serde(default)]
    pub description: Option<Sp<String>>,
    /// KR: short description of the extension (≤ 200 characters), for promotion and store home.
    #[serde(default)]
    pub short_description: Option<Sp<String>>,
    /// Utterance phrases for the Skill Store: KR exactly 3; JP representative sample utterances,
    /// the first including a launch phrase. They must actually work by voice.
    #[serde(default)]
    pub example_phrases: Sp<Vec<Sp<String>>>,
    /// Search keywords: KR ≤ 100 characters when joined with commas; JP at most 5 keywords.
    #[serde(default)]
    pub keywords: Sp<Vec<Sp<String>>>,
    /// KR: small icon, a path under the extension folder to a 108×108 PNG or JPG.
    #[serde(default)]
    pub small_icon: Option<Sp<String>>,
    /// Large icon, a path under the extension folder to a 512×512 PNG or JPG (JP's only icon).
    #[serde(default)]
    pub large_icon: Option<Sp<String>>,
    /// JP only: target devices that may invoke the skill; devices not listed cannot.
    #[serde(default)]
    pub target_devices: Sp<Vec<Sp<String>>>,
}

/// Privacy and compliance answers.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// Purchase/payment feature: does the user pay inside the skill?
    #[serde(default)]
    pub purchase: Option<Sp<bool>>,
    /// Collection of personal information.
    #[serde(default)]
    pub personal_info: Option<Sp<bool>>,
    /// KR: possibility of use by minors.
    #[serde(default)]
    pub minors: Option<Sp<bool>>,
    /// Privacy policy URL, shown at the bottom of the Extension page; needed when personal
    /// information is collected.
    #[serde(default)]
    pub privacy_policy_url: Option<Sp<String>>,
    /// Terms URL: KR disclaimer URL, JP terms-of-use URL.
    #[serde(default)]
    pub terms_url: Option<Sp<String>>,
}

/// Whether the provider is a corporation or an individual (JP review info).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProviderType {
    /// A corporation (also gives address, phone, representative and website).
    Corporation,
    /// An individual.
    Individual,
}

/// Information for reviewers.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInfo {
    /// Description for extension review (KR) / comments for reviewers (JP): a one-line summary and
    /// the intents with example utterances. Never shown to users. Required for KR.
    #[serde(default)]
    pub description: Option<Sp<String>>,
    /// Test account for reviewers when account linking is used; the password is a reference.
    #[serde(default)]
    pub test_account: Option<Sp<TestAccount>>,
    /// JP: provider type, `corporation` or `individual`.
    #[serde(default)]
    pub provider_type: Option<Sp<ProviderType>>,
    /// JP: provider name shown in the store.
    #[serde(default)]
    pub provider_name: Option<Sp<String>>,
    /// JP: TTS reading of the provider name.
    #[serde(default)]
    pub provider_name_reading: Option<Sp<String>>,
    /// JP corporations: head-office address (not shown to users).
    #[serde(default)]
    pub address: Option<Sp<String>>,
    /// JP corporations: main phone number (not shown to users).
    #[serde(default)]
    pub phone: Option<Sp<String>>,
    /// JP corporations: name of the representative (not shown to users).
    #[serde(default)]
    pub representative: Option<Sp<String>>,
    /// JP corporations: corporate website URL (not shown to users).
    #[serde(default)]
    pub website: Option<Sp<String>>,
    /// JP: LINE official account linked to the skill (adds an add-friend link).
    #[serde(default)]
    pub line_account: Option<Sp<String>>,
}

/// A test account for reviewers.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestAccount {
    /// The account ID reviewers log in with.
    pub id: Sp<String>,
    /// The password, by reference only: `{ env = "NAME" }`.
    pub password: Sp<Secret>,
}
