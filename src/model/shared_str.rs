//! [`SharedStr`]: an immutable string that can share the bytes of the file it was read from.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::Serialize;

/// An immutable string: a range of a shared text, usually the file it was read from (the fast
/// reader of intent files takes each sample utterance from the file's text this way, without an
/// allocation per utterance), or a string of its own. It derefs to `str` and compares, hashes,
/// prints, serialises and describes itself (JSON Schema) exactly as a `String`.
#[derive(Clone)]
pub struct SharedStr {
    text: Arc<str>,
    start: u32,
    end: u32,
}

impl SharedStr {
    /// `text[range]`, sharing `text` (a copy of its own when `range` is not a range of
    /// character boundaries of `text`, or lies beyond 4 GiB).
    pub fn slice(text: &Arc<str>, range: std::ops::Range<usize>) -> Self {
        match (
            text.get(range.clone()),
            u32::try_from(range.start),
            u32::try_from(range.end),
        ) {
            (Some(_), Ok(start), Ok(end)) => SharedStr {
                text: text.clone(),
                start,
                end,
            },
            (s, _, _) => SharedStr::from(s.unwrap_or_default()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text[self.start as usize..self.end as usize]
    }
}

impl From<Arc<str>> for SharedStr {
    fn from(text: Arc<str>) -> Self {
        match u32::try_from(text.len()) {
            Ok(end) => SharedStr {
                text,
                start: 0,
                end,
            },
            // longer than any file cekops reads: keep the first 4 GiB boundary-safe
            Err(_) => {
                let mut cut = u32::MAX as usize;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                SharedStr::slice(&text, 0..cut)
            }
        }
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> Self {
        SharedStr::from(Arc::<str>::from(s))
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> Self {
        SharedStr::from(Arc::<str>::from(s))
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> Self {
        s.as_str().to_string()
    }
}

impl Default for SharedStr {
    fn default() -> Self {
        SharedStr::from("")
    }
}

impl std::ops::Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for SharedStr {}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}
impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}
impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}
impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        self == other.as_str()
    }
}
impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == other.as_str()
    }
}
impl PartialEq<SharedStr> for String {
    fn eq(&self, other: &SharedStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialOrd for SharedStr {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for SharedStr {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for SharedStr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl Serialize for SharedStr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SharedStr::from)
    }
}

impl JsonSchema for SharedStr {
    fn inline_schema() -> bool {
        String::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        String::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        String::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_is_its_text_and_behaves_as_a_string() {
        let file: Arc<str> = Arc::from("a = \"피자 주문\"\n");
        let s = SharedStr::slice(&file, 5..18);
        assert_eq!(s, "피자 주문");
        assert_eq!(s.as_str(), "피자 주문");
        assert_eq!(format!("{s:?}"), format!("{:?}", "피자 주문"));
        assert_eq!(format!("{s}"), "피자 주문");
        assert_eq!(s, SharedStr::from("피자 주문".to_string()));
        // not character boundaries: a copy of nothing rather than a panic
        assert_eq!(SharedStr::slice(&file, 6..18), "");
        assert_eq!(SharedStr::slice(&file, 5..99), "");
        assert_eq!(SharedStr::default(), "");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"피자 주문\"");
        let back: SharedStr = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }
}
