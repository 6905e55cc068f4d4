//! `extensions/<id>/server.toml`: server connection and account linking (spec §2).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::Serialize;

use super::Sp;

/// Server connection settings: the console's **Server connection settings** tab.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "server.toml")]
pub struct ServerSettings {
    /// Extension server URL that receives CEK's POST requests. KR: HTTP on port 80 only while
    /// testing, HTTPS on 443 in service; JP: HTTPS on port 443 only.
    pub endpoint: Sp<String>,
    /// SSL certificate: the server has a certificate from a trusted CA (self-signed certificates
    /// are not accepted).
    #[serde(default = "yes")]
    pub trusted_certificate: Sp<bool>,
    /// Account linking (OAuth 2.0 authorization-code grant). Present means "Account linking
    /// status: Yes".
    #[serde(default)]
    pub account_linking: Option<Sp<AccountLinking>>,
}

fn yes() -> Sp<bool> {
    Sp::bare(true)
}

/// A secret value, given by reference; an inline string is reported as `inline-secret`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Secret {
    /// A reference to an environment variable that holds the secret, e.g.
    /// `{ env = "PIZZABOT_CLIENT_SECRET" }`.
    Env {
        /// Name of the environment variable holding the secret.
        env: String,
        /// Any other key written beside `env` (e.g. `value = "..."`): always an error
        /// (`secret-extra-key`), since such a key usually holds the secret itself. Kept so that
        /// `validate` can report it and `diff` can show that it changed, never its value.
        #[serde(flatten, default, skip_serializing_if = "BTreeMap::is_empty")]
        extra: BTreeMap<String, serde_json::Value>,
    },
    /// An inline secret. Accepted by the parser only so that `validate` can point at it: it is
    /// always an error (`inline-secret`).
    Inline(String),
}

impl Secret {
    /// How the secret is shown in diffs and bundles: the reference, never a value.
    pub fn display(&self) -> String {
        match self {
            Secret::Env { env, extra } => {
                let mut out = format!("{{ env = \"{env}\"");
                for (key, value) in extra {
                    // The value is never shown; its length tells a reviewer that it changed.
                    let len = value.to_string().len();
                    out.push_str(&format!(", {key} = <hidden, {len} bytes>"));
                }
                out.push_str(" }");
                out
            }
            Secret::Inline(_) => "<inline secret>".to_string(),
        }
    }
}

/// The authorization grant type. Only the authorization-code grant is supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GrantType {
    /// Authorization-code grant (the only one the console supports).
    Code,
    /// Implicit grant (listed by old console builds; rejected by `validate`).
    Implicit,
}

/// How client credentials are sent to the token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ClientAuth {
    /// HTTP Basic (recommended): credentials in the `Authorization` header.
    HttpBasic,
    /// Credentials in the request body.
    RequestBody,
}

/// Account-linking fields (shown when account linking is on).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountLinking {
    /// Login URL (authorization URI): the login page, HTTPS on port 443, mobile-friendly, no pop-ups.
    #[serde(default)]
    pub authorization_uri: Option<Sp<String>>,
    /// Account configuration page URL (optional): where users manage their service account.
    #[serde(default)]
    pub account_config_url: Option<Sp<String>>,
    /// Client ID issued by your authorization server.
    #[serde(default)]
    pub client_id: Option<Sp<String>>,
    /// Privacy policy URL of the linked service (optional; shown in the Skill Store).
    #[serde(default)]
    pub privacy_policy_url: Option<Sp<String>>,
    /// Domain list: extra domains the login or privacy pages load resources from (max 15).
    #[serde(default)]
    pub domains: Sp<Vec<Sp<String>>>,
    /// Permission scopes (e.g. `ReadProfile`), sent as `scope` (max 15).
    #[serde(default)]
    pub scopes: Sp<Vec<Sp<String>>>,
    /// Authorization grant type; only `code` is supported.
    #[serde(default = "code")]
    pub grant_type: Sp<GrantType>,
    /// Access token URI: swaps the code for access and refresh tokens.
    #[serde(default)]
    pub access_token_uri: Option<Sp<String>>,
    /// Access token reissue URI (optional): the refresh endpoint.
    #[serde(default)]
    pub refresh_token_uri: Option<Sp<String>>,
    /// Client secret, by reference only: `{ env = "NAME" }`.
    #[serde(default)]
    pub client_secret: Option<Sp<Secret>>,
    /// Method of sending client credentials: `http-basic` (recommended) or `request-body`.
    #[serde(default)]
    pub client_auth: Option<Sp<ClientAuth>>,
}

fn code() -> Sp<GrantType> {
    Sp::bare(GrantType::Code)
}

/// The read-only redirect URL your authorization server must accept, per console variant.
pub fn redirect_url(language: super::Language) -> &'static str {
    match language {
        super::Language::Korean => "https://prod-ni-cic.clova.ai/v1/al/token/",
        super::Language::Japanese => "https://clova-cic.line-apps.com/v1/al/token/",
    }
}
