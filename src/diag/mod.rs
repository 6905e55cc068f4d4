//! Findings about a repository: the diagnostic model, stable codes, source positions and the
//! renderers for each `--format`.

pub mod codes;
mod files;
pub mod render;
pub mod suggest;

pub use suggest::closest;
pub use suggest::edit_distance;

use std::ops::Range;

pub use codes::Code;
pub use files::LineIndex;
pub use files::Position;
pub use files::SourceMap;
use serde::Serialize;

/// How serious a finding is. Errors make `validate` exit 1; warnings and information do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// Guidance that never fails a build (e.g. the design guide's utterance counts).
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A place in a file: repository-relative path and byte range (empty when the whole file is meant).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    pub file: String,
    pub span: Range<usize>,
}

/// A secondary place that explains a finding ("first defined here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

/// One finding: a stable code, a message, where, and a hint on how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Lower-case phrase, no trailing period.
    pub message: String,
    /// Where; `None` for findings about the repository as a whole.
    pub location: Option<Location>,
    /// Short label printed under the carets.
    pub label: Option<String>,
    pub related: Vec<Related>,
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A new finding with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            message: message.into(),
            location: None,
            label: None,
            related: Vec::new(),
            hint: None,
        }
    }
    pub fn at(mut self, file: impl Into<String>, span: Range<usize>) -> Self {
        self.location = Some(Location {
            file: file.into(),
            span,
        });
        self
    }
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn related(
        mut self,
        file: impl Into<String>,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        self.related.push(Related {
            location: Location {
                file: file.into(),
                span,
            },
            message: message.into(),
        });
        self
    }
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Diagnostics plus the sources they point into: the one container, filled while files are read
/// and rules run, then sorted and rendered.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
}

impl Report {
    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }
    /// Add another report's diagnostics and sources.
    pub fn merge(&mut self, other: Report) {
        self.diagnostics.extend(other.diagnostics);
        self.sources.extend(other.sources);
    }
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }
    /// Information-level findings (guidance; they never fail a build).
    pub fn infos(&self) -> usize {
        self.count(Severity::Info)
    }
    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
    /// Sort by file, position, code: the order every renderer prints in.
    pub fn sort(&mut self) {
        self.diagnostics.sort_by(|a, b| {
            let ka = a
                .location
                .as_ref()
                .map(|l| (l.file.as_str(), l.span.start, l.span.end));
            let kb = b
                .location
                .as_ref()
                .map(|l| (l.file.as_str(), l.span.start, l.span.end));
            ka.cmp(&kb)
                .then_with(|| a.code.as_str().cmp(b.code.as_str()))
                .then_with(|| a.message.cmp(&b.message))
        });
        self.diagnostics.dedup();
    }
}

/// Text from outside (a server's answer, a file in a commit) made safe for a terminal: control characters (except newline and tab) and
/// bidirectional-override characters are shown as `\u{..}` escapes, so that text cannot carry
/// escape sequences that rewrite the screen, the title or the clipboard.
pub fn printable(text: &str) -> String {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if unsafe_char(c) {
                format!("\\u{{{:x}}}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}
