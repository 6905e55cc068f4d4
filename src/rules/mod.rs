//! The validation rules: every check of the spec for an extension's language variant, and the
//! repository-wide checks. Rules only read the loaded model and push diagnostics.

mod info;
pub mod lang;
mod matching;
mod model;
mod repo;
mod server;
mod store;
mod tests;

pub use info::is_valid_id;
pub use info::squash;

use crate::diag::Diagnostic;
use crate::diag::Severity;
use crate::diag::SourceMap;
use crate::model::Extension;
use crate::model::Repo;
use crate::utterance::ParsedSet;

/// Which rules apply: the console allows more while an extension is in test than in service or
/// under review (plain HTTP on KR, missing deployment information).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// In development (a `test/<id>` branch or a work tree).
    Test,
    /// In service or under review (the `service` branch, `review request`).
    Service,
}

/// What rules see of one extension.
pub struct Ctx<'a> {
    pub ext: &'a Extension,
    pub sources: &'a SourceMap,
    pub stage: Stage,
    /// Every sample utterance of the extension parsed once, in model order (intents, then
    /// their utterances); empty unless the extension is checked in full.
    pub samples: &'a ParsedSet<'a>,
    pub out: Vec<Diagnostic>,
}

impl Ctx<'_> {
    pub fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }
    /// Errors that the console only enforces at review time are warnings while in test.
    pub fn push_review(&mut self, d: Diagnostic) {
        let d = if self.stage == Stage::Test {
            d.severity(Severity::Warning)
        } else {
            d
        };
        self.out.push(d);
    }
}

/// Run every per-extension rule.
pub fn check_extension(ext: &Extension, sources: &SourceMap, stage: Stage) -> Vec<Diagnostic> {
    let samples = if ext.full {
        let n = ext
            .intents
            .iter()
            .map(|i| i.def.utterances.value.len())
            .sum();
        let mut texts: Vec<&str> = Vec::with_capacity(n);
        for i in &ext.intents {
            texts.extend(i.def.utterances.value.iter().map(|u| u.value.as_str()));
        }
        // (a slice iterator tells its length: the set is sized once)
        ParsedSet::parse_all(texts)
    } else {
        ParsedSet::default()
    };
    let mut ctx = Ctx {
        ext,
        sources,
        stage,
        samples: &samples,
        out: Vec::new(),
    };
    info::check(&mut ctx);
    if ext.full {
        server::check(&mut ctx);
        store::check(&mut ctx);
        model::check(&mut ctx);
        tests::check(&mut ctx);
        matching::check(&mut ctx);
    }
    ctx.out
}

/// Run the repository-wide rules.
pub fn check_repo(repo: &Repo, stage: Stage) -> Vec<Diagnostic> {
    repo::check(repo, stage)
}

/// Whether `s` looks like an e-mail address.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

/// The longest intent or slot-type name: `<name>.toml` must stay a valid file name (255 bytes on
/// common file systems) with room for git's and editors' temporary suffixes.
pub const MAX_MODEL_NAME_BYTES: usize = 200;

/// An intent or slot-type name the console can hold and that makes a valid file name.
pub fn valid_model_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_MODEL_NAME_BYTES
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
}

/// A parsed http(s) URL: scheme, host, explicit port.
#[derive(Debug, PartialEq, Eq)]
pub struct Url<'a> {
    pub scheme: &'a str,
    pub host: &'a str,
    pub port: Option<u16>,
}

/// Parse an absolute `http://` or `https://` URL; `None` when it is not one.
pub fn parse_url(s: &str) -> Option<Url<'_>> {
    let (scheme, rest) = s.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    if s.chars().any(char::is_whitespace) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let host = &authority[..=end];
        let port = authority[end + 1..].strip_prefix(':');
        (host, port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() || host.starts_with('.') || host.ends_with('.') && host.len() == 1 {
        return None;
    }
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    Some(Url { scheme, host, port })
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn urls() {
        let u = parse_url("https://example.com:8443/x").unwrap();
        assert_eq!(
            (u.scheme, u.host, u.port),
            ("https", "example.com", Some(8443))
        );
        assert!(parse_url("ftp://x").is_none());
        assert!(parse_url("https://").is_none());
        assert!(parse_url("https://a:99999").is_none());
        assert!(parse_url("example.com").is_none());
    }

    #[test]
    fn emails() {
        assert!(is_email("a@b.co"));
        assert!(!is_email("a@b"));
        assert!(!is_email("a b@c.d"));
    }
}
