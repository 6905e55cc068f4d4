//! `cekops.toml`: repository settings (branch names and review policy).

use std::collections::BTreeMap;

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
    /// Pull-request review through CI (`cekops ci github|gitlab`): which forge login is which
    /// person, and the identity the CI job records reviews as.
    #[serde(default, skip_serializing_if = "ForgeConfig::is_empty")]
    pub forge: ForgeConfig,
}

/// Forge logins and the CI identity (`[forge]`), read from `service` only.
///
/// A login's approval on the forge counts as the mapped person's approval (who must be in
/// `[review] reviewers`) only when the CI job recorded it: an event carrying a forge attestation
/// counts when its records commit is by `ci_identity` (signed by a key the allowed-signers file
/// lists for `ci_identity` under `require_signed`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgeConfig {
    /// GitHub login → e-mail identity, e.g. `github = { rita = "rita@example.com" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub github: BTreeMap<String, Sp<String>>,
    /// GitLab username → e-mail identity, e.g. `gitlab = { rita = "rita@example.com" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub gitlab: BTreeMap<String, Sp<String>>,
    /// The e-mail identity the CI job commits records as (`GIT_AUTHOR_EMAIL` of the job); only
    /// its records carry forge approvals that count. Required when a login map is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_identity: Option<Sp<String>>,
}

impl ForgeConfig {
    pub fn is_empty(&self) -> bool {
        self.github.is_empty() && self.gitlab.is_empty() && self.ci_identity.is_none()
    }

    /// The identity `[forge] <forge>` maps `login` to (logins compared case-insensitively, as
    /// both forges do).
    pub fn identity_of(&self, forge: &str, login: &str) -> Option<String> {
        let map = match forge {
            "github" => &self.github,
            "gitlab" => &self.gitlab,
            _ => return None,
        };
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(login))
            .map(|(_, v)| v.value.trim().to_string())
    }
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

    /// What is wrong with the branch names: each as (`service`, `test` or `records`, message).
    /// Every name must be a valid git branch name (`git check-ref-format --branch` rules; the
    /// test pattern with an Extension ID in place of `{id}`), and the three must be distinct:
    /// neither fixed branch a test branch, nor one inside the other's folder (`service/x`).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let sample = self.test_branch("com.example.sample");
        for (which, name) in [
            ("service", self.service.value.as_str()),
            ("records", self.records.value.as_str()),
            ("test", sample.as_str()),
        ] {
            if let Some(why) = ref_name_problem(name) {
                let shown = if which == "test" {
                    self.test.value.as_str()
                } else {
                    name
                };
                out.push((
                    which,
                    format!("`{shown}` is not a valid branch name: {why}"),
                ));
            }
        }
        if !self.test.value.contains("{id}") {
            out.push(("test", "the test-branch pattern has no `{id}`".to_string()));
        }
        let clash = |a: &str, b: &str| {
            a == b || a.starts_with(&format!("{b}/")) || b.starts_with(&format!("{a}/"))
        };
        let (svc, rec) = (self.service.value.as_str(), self.records.value.as_str());
        if clash(svc, rec) {
            out.push((
                "records",
                format!("the records branch `{rec}` must be distinct from the service branch `{svc}` (and not inside its folder)"),
            ));
        }
        if let Some((prefix, suffix)) = self.test.value.split_once("{id}") {
            for (which, name) in [("service", svc), ("records", rec)] {
                let inside = name.len() > prefix.len() + suffix.len()
                    && name.starts_with(prefix)
                    && name.ends_with(suffix);
                let folder = prefix.strip_suffix('/').is_some_and(|p| {
                    !p.is_empty() && (name == p || p.starts_with(&format!("{name}/")))
                });
                if inside || folder {
                    out.push((
                        which,
                        format!("the {which} branch `{name}` collides with the test-branch pattern `{}`", self.test.value),
                    ));
                }
            }
        }
        out
    }
}

/// Why `name` is not a valid git branch name (the rules of `git check-ref-format`), if it is not.
pub fn ref_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if name == "@" || name == "HEAD" || name.starts_with('-') {
        return Some("git reserves it");
    }
    if name
        .chars()
        .any(|c| c.is_control() || " ~^:?*[\\".contains(c))
    {
        return Some("it holds a space, a control character or one of ~ ^ : ? * [ \\");
    }
    if name.contains("..") || name.contains("@{") {
        return Some("it holds `..` or `@{`");
    }
    if name.starts_with('/') || name.ends_with('/') || name.contains("//") || name.ends_with('.') {
        return Some("it starts or ends with `/`, ends with `.`, or holds `//`");
    }
    if name
        .split('/')
        .any(|c| c.starts_with('.') || c.ends_with(".lock"))
    {
        return Some("a part starts with `.` or ends with `.lock`");
    }
    None
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
