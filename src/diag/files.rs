//! Source texts and byte-offset → line:column conversion.

use std::collections::BTreeMap;
use std::sync::Arc;

/// A 1-based line and a 1-based column counted in Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Line starts of one text, for converting byte offsets to positions.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self { starts }
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte range of 0-based `line`, without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self.starts[line.min(self.starts.len() - 1)];
        let mut end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let bytes = text.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        start..end
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.starts[line];
        let column = text[start..offset].chars().count() + 1;
        Position {
            line: line + 1,
            column,
        }
    }
}

pub(crate) fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The texts diagnostics point into, by repository-relative path.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: BTreeMap<String, (Arc<str>, std::sync::OnceLock<LineIndex>)>,
}

impl SourceMap {
    pub fn insert(&mut self, path: impl Into<String>, text: Arc<str>) {
        self.files
            .insert(path.into(), (text, std::sync::OnceLock::new()));
    }
    pub fn extend(&mut self, other: SourceMap) {
        self.files.extend(other.files);
    }
    /// Keep only the files `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.files.retain(|path, _| keep(path));
    }
    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(|(t, _)| &**t)
    }
    pub fn index(&self, path: &str) -> Option<(&str, &LineIndex)> {
        self.files
            .get(path)
            .map(|(t, idx)| (&**t, idx.get_or_init(|| LineIndex::new(t))))
    }
    /// Position of a byte offset; line 1 column 1 when the file is not known.
    pub fn position(&self, path: &str, offset: usize) -> Position {
        match self.index(path) {
            Some((text, idx)) => idx.position(text, offset),
            None => Position { line: 1, column: 1 },
        }
    }
}
