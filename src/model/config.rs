//! `cekops.toml`: repository settings (branch names and review policy).

use schemars::JsonSchema;
use serde::Deserialize;
use serde::Serialize;

use super::Sp;

/// Repository settings of a cekops extension repository (`cekops.toml` at the top level).
///
/// The review policy is read from the `service` branch only, never from a branch under review.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "cekops.toml")]
pub struct RepoConfig {
    /// Branch names: the protected service branch, the test-branch pattern and the records branch.
    #[serde(default)]
    pub branches: Branches,
    /// Review policy: who may approve, how many approvals a review needs.
    #[serde(default)]
    pub review: ReviewPolicy,
}

/// Branch names used by cekops.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Branches {
    /// The protected branch holding every in-service extension (the console's *Commercial use* version).
    #[serde(default = "default_service")]
    pub service: Sp<String>,
    /// The test branch of each extension (the console's *Test* version); `{id}` is replaced by the Extension ID.
    #[serde(default = "default_test")]
    pub test: Sp<String>,
    /// The append-only branch that holds every review and lifecycle record.
    #[serde(default = "default_records")]
    pub records: Sp<String>,
}

fn default_service() -> Sp<String> {
    Sp::bare("service".into())
}
fn default_test() -> Sp<String> {
    Sp::bare("test/{id}".into())
}
fn default_records() -> Sp<String> {
    Sp::bare("cekops/records".into())
}

impl Default for Branches {
    fn default() -> Self {
        Self {
            service: default_service(),
            test: default_test(),
            records: default_records(),
        }
    }
}

impl Branches {
    /// The test branch name of an extension.
    pub fn test_branch(&self, id: &str) -> String {
        self.test.value.replace("{id}", id)
    }
}

/// Review policy (design.md "Branches and records").
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewPolicy {
    /// E-mail identities allowed to approve reviews, resolved as git resolves identities.
    #[serde(default)]
    pub reviewers: Vec<Sp<String>>,
    /// Number of distinct reviewer approvals a review needs before `service` moves.
    #[serde(default = "one")]
    #[schemars(range(min = 1))]
    pub required_approvals: Sp<u32>,
    /// Whether the person who requested a review may also approve it.
    #[serde(default)]
    pub allow_self_approval: bool,
    /// Whether approvals must carry an ssh or gpg signature from `allowed_signers`.
    #[serde(default)]
    pub require_signed: bool,
    /// Path (in the repository) of an ssh allowed-signers file used to verify signed approvals.
    #[serde(default)]
    pub allowed_signers: Option<Sp<String>>,
}

fn one() -> Sp<u32> {
    Sp::bare(1)
}

impl Default for ReviewPolicy {
    fn default() -> Self {
        Self {
            reviewers: Vec::new(),
            required_approvals: one(),
            allow_self_approval: false,
            require_signed: false,
            allowed_signers: None,
        }
    }
}
