//! Command-line spellings of library enums. The library knows no clap: each enum here derives
//! `clap::ValueEnum` (its doc comments are the `--help` text of the values) and maps onto the
//! library type it names.

use cekops::diag::render;
use cekops::ops;
use cekops::rules;

/// `--stage`: which rules apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Stage {
    /// In development (a `test/<id>` branch or a work tree).
    Test,
    /// In service or under review (the `service` branch, `review request`).
    Service,
}

impl From<Stage> for rules::Stage {
    fn from(s: Stage) -> Self {
        match s {
            Stage::Test => rules::Stage::Test,
            Stage::Service => rules::Stage::Service,
        }
    }
}

/// `--format` of commands that report findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippets with carets, like rustc (default).
    Human,
    /// One JSON document with a `version` field.
    Json,
    /// GitHub Actions workflow commands (`::error file=…,line=…,col=…::…`).
    Github,
    /// SARIF 2.1.0, for code-scanning upload.
    Sarif,
}

impl From<Format> for render::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Human => render::Format::Human,
            Format::Json => render::Format::Json,
            Format::Github => render::Format::Github,
            Format::Sarif => render::Format::Sarif,
        }
    }
}

/// `init --ci`: which CI system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Ci {
    /// GitHub Actions: `.github/workflows/cekops.yml`.
    Github,
    /// GitLab CI/CD: `.gitlab-ci.yml`.
    Gitlab,
}

impl From<Ci> for ops::ci::Ci {
    fn from(c: Ci) -> Self {
        match c {
            Ci::Github => ops::ci::Ci::Github,
            Ci::Gitlab => ops::ci::Ci::Gitlab,
        }
    }
}

/// The hidden `cekops hook <name>`: which git hook is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Hook {
    /// Validate the staged files; refuse commits on `service` and on a test branch under review.
    PreCommit,
    /// Refuse moving or deleting `service` other than through cekops.
    ReferenceTransaction,
    /// Refuse pushing a `service` that `cekops audit` would not accept.
    PrePush,
    /// Server side: enforce the branch chart on every push.
    PreReceive,
}

impl From<Hook> for ops::hooks::Hook {
    fn from(h: Hook) -> Self {
        match h {
            Hook::PreCommit => ops::hooks::Hook::PreCommit,
            Hook::ReferenceTransaction => ops::hooks::Hook::ReferenceTransaction,
            Hook::PrePush => ops::hooks::Hook::PrePush,
            Hook::PreReceive => ops::hooks::Hook::PreReceive,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum as _;

    use super::*;

    /// The spelling of each value is the library variant it maps to (`reference-transaction` →
    /// `ReferenceTransaction`), so a swapped arm in a `From` impl fails here; a new library
    /// variant fails to compile in the `From` impls.
    fn spelled_as(name: &str, library: impl std::fmt::Debug) {
        let camel: String = name
            .split('-')
            .map(|w| w[..1].to_uppercase() + &w[1..])
            .collect();
        assert_eq!(camel, format!("{library:?}"), "`{name}`");
    }

    #[test]
    fn spellings_match_the_library() {
        let name = |v: clap::builder::PossibleValue| v.get_name().to_string();
        for v in Stage::value_variants() {
            spelled_as(
                &name(v.to_possible_value().unwrap()),
                rules::Stage::from(*v),
            );
        }
        for v in Format::value_variants() {
            spelled_as(
                &name(v.to_possible_value().unwrap()),
                render::Format::from(*v),
            );
        }
        for v in Ci::value_variants() {
            spelled_as(&name(v.to_possible_value().unwrap()), ops::ci::Ci::from(*v));
        }
        for v in Hook::value_variants() {
            let n = name(v.to_possible_value().unwrap());
            assert_eq!(ops::hooks::Hook::from(*v).name(), n);
            spelled_as(&n, ops::hooks::Hook::from(*v));
        }
    }
}
