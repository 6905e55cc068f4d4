//! A fast reader for the two kinds of file that hold nearly all the bytes of a large repository:
//! intent files (sample utterances) and slot-type files (values and synonyms).
//!
//! It understands only a small, strict subset of TOML — the shape these files normally have:
//! comments, `key = "string"`, `key = ["string", …]` over several lines, `[table]` headers,
//! one-line inline tables of strings for an intent's slots (`slots = { a = "T" }`), bare or
//! quoted keys — with basic strings that have no escapes. For anything else (escapes, literal or
//! multi-line strings, other inline tables or ones over several lines or with a trailing comma,
//! dotted keys, unknown keys, duplicates, wrong types, any syntax error) it gives `None`, and
//! the file goes through the `toml` parser and
//! schema checks as before. When it gives a value, that value and every span in it are what the
//! `toml` path would produce (the tests compare both on generated and hand-written documents).
//!
//! Why it exists (measured, BENCHMARKS.md → validate → "What made the difference"): these two
//! kinds of file hold nearly all the bytes of a large repository, and parsing them through the
//! spanned `toml` tree plus the schema check was the largest share of the 3.1 s CPU that a full
//! `validate` of 1,000,000 utterances took before; with this reader (and the other changes
//! listed there) the same run takes 0.78 s.

use std::ops::Range;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::model::IntentFile;
use crate::model::SharedStr;
use crate::model::SlotTypeFile;
use crate::model::Sp;

/// An intent file in the common shape (`description`, `utterances`, `[slots]`). The sample
/// utterances share `text` (no allocation each).
pub(super) fn intent(text: &Arc<str>) -> Option<IntentFile> {
    let doc = parse(text)?;
    let mut file = IntentFile::default();
    for (key, value) in doc.top {
        match (&text[key.value], value) {
            ("description", Value::Str(s)) => file.description = Some(s),
            ("utterances", Value::Array(a)) => {
                let items = a
                    .value
                    .into_iter()
                    .map(|span| Sp::new(SharedStr::slice(text, inner(&span)), span))
                    .collect();
                file.utterances = Sp::new(items, a.span);
            }
            ("slots", Value::Table(t)) => {
                let mut slots = IndexMap::with_capacity(t.value.len());
                for (key, ty) in t.value {
                    slots.insert(key, ty);
                }
                file.slots = Sp::new(slots, t.span);
            }
            _ => return None,
        }
    }
    for (name, header, entries) in doc.tables {
        if name != "slots" {
            return None;
        }
        let mut slots = IndexMap::with_capacity(entries.len());
        for (key, value) in entries {
            let Value::Str(ty) = value else { return None };
            slots.insert(owned(text, key), ty);
        }
        file.slots = Sp::new(slots, header);
    }
    Some(file)
}

/// A slot-type file in the common shape (`description`, `[values]` of string arrays). The
/// values and synonyms share `text` (no allocation each).
pub(super) fn slot_type(text: &Arc<str>) -> Option<SlotTypeFile> {
    let doc = parse(text)?;
    let mut file = SlotTypeFile::default();
    for (key, value) in doc.top {
        match (&text[key.value], value) {
            ("description", Value::Str(s)) => file.description = Some(s),
            _ => return None,
        }
    }
    for (name, header, entries) in doc.tables {
        if name != "values" {
            return None;
        }
        let mut values = IndexMap::with_capacity(entries.len());
        for (key, value) in entries {
            let Value::Array(syns) = value else {
                return None;
            };
            let items = syns
                .value
                .into_iter()
                .map(|span| Sp::new(SharedStr::slice(text, inner(&span)), span))
                .collect();
            let key = Sp::new(SharedStr::slice(text, key.value), key.span);
            values.insert(key, Sp::new(items, syns.span));
        }
        file.values = Sp::new(values, header);
    }
    Some(file)
}

/// The content of a basic string without escapes whose literal (quotes included) spans `span`.
fn inner(span: &Range<usize>) -> Range<usize> {
    span.start + 1..span.end - 1
}

enum Value {
    Str(Sp<String>),
    /// The spans of the string literals (quotes included), read with [`inner`].
    Array(Sp<Vec<Range<usize>>>),
    /// A one-line inline table of strings: `{ a = "T", "b" = "U" }`.
    Table(Sp<Vec<(Sp<String>, Sp<String>)>>),
}

/// A key: the range of its name in the text, and its span (with the quotes of a quoted key).
type Key = Sp<Range<usize>>;

/// A key as a string of its own.
fn owned(text: &str, key: Key) -> Sp<String> {
    Sp::new(text[key.value].to_string(), key.span)
}

/// Key-value pairs, each key once.
type Pairs = Vec<(Key, Value)>;

/// Top-level pairs and tables (name, header span, pairs).
struct Doc {
    top: Pairs,
    tables: Vec<(String, Range<usize>, Pairs)>,
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

fn parse(text: &str) -> Option<Doc> {
    let mut s = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut doc = Doc {
        top: Vec::new(),
        tables: Vec::new(),
    };
    // Keys of the current table, to refuse duplicates (the `toml` path reports them).
    let mut seen: foldhash::HashSet<&str> = foldhash::HashSet::default();
    loop {
        s.skip_ws();
        if s.peek() == Some(b'#') {
            s.comment()?;
        }
        match s.peek() {
            None => break,
            Some(b'\n' | b'\r') => s.newline()?,
            Some(b'[') => {
                let start = s.at;
                s.at += 1;
                s.skip_ws();
                let (name, _) = s.bare_key()?;
                s.skip_ws();
                s.expect(b']')?;
                let header = start..s.at;
                s.end_of_line()?;
                // a table may not repeat a top-level key or another table
                if doc.top.iter().any(|(k, _)| text[k.value.clone()] == *name)
                    || doc.tables.iter().any(|(n, _, _)| *n == name)
                {
                    return None;
                }
                doc.tables.push((name.to_string(), header, Vec::new()));
                seen.clear();
            }
            Some(_) => {
                let (key, key_text) = s.key()?;
                s.skip_ws();
                s.expect(b'=')?;
                s.skip_ws();
                let value = match s.peek()? {
                    b'"' => Value::Str(s.string()?),
                    b'[' => Value::Array(s.array()?),
                    b'{' => Value::Table(s.inline_table()?),
                    _ => return None,
                };
                s.end_of_line()?;
                if !seen.insert(key_text) {
                    return None;
                }
                match doc.tables.last_mut() {
                    Some((_, _, entries)) => entries.push((key, value)),
                    None => doc.top.push((key, value)),
                }
            }
        }
    }
    Some(doc)
}

/// Control characters TOML allows in neither strings nor comments (tab is allowed).
fn has_control(bytes: &[u8]) -> bool {
    // branch-free so that it vectorises
    bytes.iter().fold(false, |acc, &b| {
        acc | ((b < 0x20) & (b != b'\t')) | (b == 0x7F)
    })
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.at += 1)
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    /// `\n` or `\r\n`.
    fn newline(&mut self) -> Option<()> {
        match self.peek()? {
            b'\n' => self.at += 1,
            b'\r' if self.bytes.get(self.at + 1) == Some(&b'\n') => self.at += 2,
            _ => return None,
        }
        Some(())
    }

    /// `# …` up to (not including) the line break.
    fn comment(&mut self) -> Option<()> {
        let rest = &self.bytes[self.at..];
        let len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let mut body = &rest[1..len];
        if let Some(b) = body.strip_suffix(b"\r") {
            body = b;
        }
        if has_control(body) {
            return None;
        }
        self.at += 1 + body.len();
        Some(())
    }

    /// After a value or header: spaces, an optional comment, then a line break or the end.
    fn end_of_line(&mut self) -> Option<()> {
        self.skip_ws();
        if self.peek() == Some(b'#') {
            self.comment()?;
        }
        match self.peek() {
            None => Some(()),
            Some(_) => self.newline(),
        }
    }

    /// Spaces, tabs, line breaks and comments inside an array.
    fn skip_array_ws(&mut self) -> Option<()> {
        loop {
            self.skip_ws();
            match self.peek()? {
                b'#' => self.comment()?,
                b'\n' | b'\r' => self.newline()?,
                _ => return Some(()),
            }
        }
    }

    /// `A-Za-z0-9_-`, at least one.
    fn bare_key(&mut self) -> Option<(&'a str, Range<usize>)> {
        let start = self.at;
        while let Some(b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-') = self.peek() {
            self.at += 1;
        }
        (self.at > start).then(|| (&self.text[start..self.at], start..self.at))
    }

    /// A bare key or a non-empty basic string without escapes; the span covers the quotes.
    fn key(&mut self) -> Option<(Key, &'a str)> {
        if self.peek()? == b'"' {
            let (name, span) = self.raw_string()?;
            if name.is_empty() {
                return None;
            }
            Some((Sp::new(inner(&span), span), name))
        } else {
            let (name, span) = self.bare_key()?;
            Some((Sp::new(span.clone(), span), name))
        }
    }

    fn string(&mut self) -> Option<Sp<String>> {
        let (inner, span) = self.raw_string()?;
        Some(Sp::new(inner.to_string(), span))
    }

    /// A one-line basic string without escapes: its content and the span with the quotes.
    fn raw_string(&mut self) -> Option<(&'a str, Range<usize>)> {
        let start = self.at;
        let body = self.bytes.get(start + 1..)?;
        let len = memchr::memchr2(b'"', b'\\', body)?;
        if body[len] != b'"' || has_control(&body[..len]) {
            return None;
        }
        // `""` followed by `"` starts a multi-line string
        if len == 0 && body.get(1) == Some(&b'"') {
            return None;
        }
        self.at = start + len + 2;
        Some((&self.text[start + 1..start + 1 + len], start..self.at))
    }

    /// `{ a = "T", "b" = "U" }` on one line, string values, no trailing comma, each key once.
    fn inline_table(&mut self) -> Option<Sp<Vec<(Sp<String>, Sp<String>)>>> {
        let start = self.at;
        self.at += 1;
        let mut pairs: Vec<(Sp<String>, Sp<String>)> = Vec::new();
        self.skip_ws();
        if self.peek()? != b'}' {
            loop {
                let (key, key_text) = self.key()?;
                if pairs.iter().any(|(k, _)| k.value == key_text) {
                    return None;
                }
                let key = owned(self.text, key);
                self.skip_ws();
                self.expect(b'=')?;
                self.skip_ws();
                if self.peek()? != b'"' {
                    return None;
                }
                let value = self.string()?;
                pairs.push((key, value));
                self.skip_ws();
                match self.peek()? {
                    b',' => {
                        self.at += 1;
                        self.skip_ws();
                    }
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        self.expect(b'}')?;
        Some(Sp::new(pairs, start..self.at))
    }

    /// `[ "a", "b", ]` with line breaks and comments between the items: the items' spans.
    fn array(&mut self) -> Option<Sp<Vec<Range<usize>>>> {
        let start = self.at;
        self.at += 1;
        // Items are ranges of 16 bytes: letting the vector double is cheaper than a pass over
        // the array's bytes to size it first (measured: 2-4 % of a full validation).
        let mut items = Vec::new();
        self.skip_array_ws()?;
        while self.peek()? == b'"' {
            items.push(self.raw_string()?.1);
            self.skip_array_ws()?;
            if self.peek()? != b',' {
                break;
            }
            self.at += 1;
            self.skip_array_ws()?;
        }
        self.expect(b']')?;
        Some(Sp::new(items, start..self.at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Report;
    use crate::load::parse_toml;
    use crate::model::schema::FileKind;

    /// The fast result, when there is one, equals the `toml` path's, spans included; and the
    /// fast reader accepts nothing the `toml` path refuses.
    fn check_intent(text: &str) -> bool {
        let slow = parse_toml::<IntentFile>(FileKind::Intent, "f", text, &mut Report::default());
        let fast = intent(&Arc::from(text));
        if let Some(f) = &fast {
            let slow = slow.unwrap_or_else(|| panic!("fast path accepted a bad file: {text:?}"));
            assert_eq!(format!("{f:?}"), format!("{slow:?}"), "{text:?}");
        }
        fast.is_some()
    }

    fn check_slot_type(text: &str) -> bool {
        let slow =
            parse_toml::<SlotTypeFile>(FileKind::SlotType, "f", text, &mut Report::default());
        let fast = slot_type(&Arc::from(text));
        if let Some(f) = &fast {
            let slow = slow.unwrap_or_else(|| panic!("fast path accepted a bad file: {text:?}"));
            assert_eq!(format!("{f:?}"), format!("{slow:?}"), "{text:?}");
        }
        fast.is_some()
    }

    #[test]
    fn usual_shapes_take_the_fast_path_with_the_same_result() {
        for text in [
            "",
            "\n\n",
            "# only a comment",
            "#:schema ../../../schemas/intent.schema.json\ndescription = \"주문\"\nutterances = [\n  \"<menu>불고기피자</menu> 주문해줘\",\n  \"피자 시켜줘\",\n]\n\n[slots]\nmenu = \"MENU\"\n",
            "utterances = [\"a\", \"b\"]",
            "utterances = [ \"a\" , \"b\" , ]   # end\r\n[ slots ]\t# t\r\nx-y_1 = \"T\"\r\n",
            "utterances = [\n  # first\n  \"a\", # one\n\n  \"b\"\n  # last\n]\n",
            "utterances = []\n[slots]\n",
            "description = \"\"\nutterances = [\"\"]\n",
            "utterances = [\"tab\there\", \"ＡＢＣ　def\", \"😀 é\"]\n",
            "[slots]\n\"quoted\" = \"T\"\nbare = \"U\"\n",
            "slots = { a = \"T\" }",
            "slots = {}\nutterances = [\"a\"]\n",
            "slots = {\tkind = \"PIZZA\",size=\"SIZE\" , \"q k\" = \"Q\"\t}  # c\nutterances = [\"<kind>a</kind>\"]\n",
        ] {
            assert!(check_intent(text), "not fast: {text:?}");
        }
        for text in [
            "description = \"d\"\n\n[values]\n\"불고기피자\" = [\"불고기 피자\", \"불고기\"]\n\"치즈피자\" = []\nbare = [\"x\"]\n",
            "[values]\r\n\"a\" = [\r\n  \"b\",\r\n]\r\n",
            "",
        ] {
            assert!(check_slot_type(text), "not fast: {text:?}");
        }
    }

    #[test]
    fn anything_else_falls_back() {
        for text in [
            "utterances = [\"a\\tb\"]",              // escape
            "utterances = ['a']",                    // literal string
            "description = \"\"\"x\"\"\"",           // multi-line string
            "utterances = [\"a\"] utterances = []",  // two pairs on a line
            "[slots]\na = \"T\" b = \"U\"",          // two pairs on a line in a table
            "[slots] a = \"T\"",                     // a pair after a header
            "utterances = [\"a\"]\nutterances = []", // duplicate key
            "[slots]\na = \"T\"\na = \"U\"",         // duplicate slot
            "[slots]\n[slots]",                      // table twice
            "slots = { a = \"T\", }",                // trailing comma in an inline table
            "slots = { a = \"T\", a = \"U\" }",      // duplicate key in an inline table
            "slots = { a = \"T\",\n b = \"U\" }",    // inline table over two lines
            "slots = { a = \"T\" # c\n}",            // comment in an inline table
            "slots = { a = 1 }",                     // wrong value type in an inline table
            "slots = { a.b = \"T\" }",               // dotted key in an inline table
            "slots = { a = \"T\" }\n[slots]",        // inline table and table
            "description = { a = \"T\" }",           // inline table for another key
            "slots = {",                             // unclosed inline table
            "utterance = [\"a\"]",                   // unknown key
            "[slot]\na = \"T\"",                     // unknown table
            "utterances = \"a\"",                    // wrong type
            "utterances = [\"a\", 1]",               // wrong item type
            "[slots]\na = [\"T\"]",                  // wrong slot type
            "utterances = [,]",                      // leading comma
            "utterances = [\"a\",,]",                // double comma
            "utterances = [\"a\"",                   // unclosed
            "utterances = [\"a]",                    // unclosed string
            "utterances = [\"a\nb\"]",               // line break in a string
            "utterances = [\"a\u{7f}\"]",            // control character
            "# bad \u{1} comment",                   // control character in a comment
            "description = \"d\"\r",                 // lone carriage return
            "\u{feff}description = \"d\"",           // byte-order mark
            "a.b = \"c\"",                           // dotted key
            "[slots.x]",                             // dotted table
            "[[slots]]",                             // array of tables
            "[\"slots\"]",                           // quoted table name
            "\"\" = \"x\"",                          // empty quoted key
            "키 = \"x\"",                            // non-ASCII bare key
            "description = \"d\" x",                 // trailing garbage
            "description =",                         // no value
            "= \"x\"",                               // no key
        ] {
            assert!(!check_intent(text), "fast path took {text:?}");
        }
        for text in [
            "[values]\n\"a\" = \"b\"",
            "[values]\n\"a\" = []\n\"a\" = []",
            "values = []",
            "[values]\n\"a\" = [\"b\"]\n[slots]",
        ] {
            assert!(!check_slot_type(text), "fast path took {text:?}");
        }
    }

    #[test]
    fn generated_repository_shapes_take_the_fast_path() {
        // The shapes the synthetic-repository generator (crates/cekops-devkit, `synth`) writes
        // for intent and slot-type files, excerpts of its output (the benchmarks' bytes): Korean
        // and Japanese utterances with tags, `[slots]` after the array, values with synonyms.
        for text in [
            "description = \"메뉴 주문\"\nutterances = [\n  \"빨리 <menu>마늘버거</menu> <count>2개</count> 배달해 주세요\",\n  \"아 <menu>매콤김밥</menu> <count>하나</count> 배달해 주세요\",\n  \"<menu>콤비네이션버거 세트</menu> <count>하나</count> 주문해줘\",\n  \"이번에는 <menu>페퍼로니 버거</menu> 주문해 주세요\",\n  \"<count>세 판</count> <menu>매콤덮밥</menu> 배달해줘\",\n]\n\n[slots]\nmenu = \"MENU\"\ncount = \"CLOVA.NUMBER\"\n",
            "description = \"天気の案内\"\nutterances = [\n  \"<when>週末</when>の<city>シトテ駅周辺</city>の降水確率は\",\n  \"今すぐ<city>ネカコヒ駅周辺</city>の降水確率は\",\n  \"<when>明日</when>、<city>ミエロウ</city>の天気を教えて\",\n  \"すみません、<city>大阪駅周辺 方面</city>の気温を教えて\",\n]\n\n[slots]\ncity = \"CITY\"\nwhen = \"CLOVA.DATETIME\"\n",
        ] {
            assert!(check_intent(text), "not fast: {text:?}");
        }
        for text in [
            "description = \"메뉴 주문\"\n\n[values]\n\"김치김밥\" = [\"김치 김밥\", \"김치김밥 세트\"]\n\"페퍼로니덮밥\" = [\"페퍼로니 덮밥\", \"페퍼로니덮밥 세트\"]\n\"매콤라면\" = [\"매콤 라면\", \"매콤라면 세트\"]\n",
            "description = \"音楽の再生\"\n\n[values]\n\"作業用ポップス\" = [\"作業用 ポップス\", \"作業用ポップス メドレー\"]\n\"朝のポップス\" = [\"朝の ポップス\", \"朝のポップス メドレー\"]\n\"テタヒ曲\" = [\"テタヒ 曲\", \"テタヒ曲 メドレー\"]\n",
        ] {
            assert!(check_slot_type(text), "not fast: {text:?}");
        }
    }

    use proptest::prelude::*;

    /// String contents: mostly ordinary text, sometimes with what must make the fast reader
    /// give up.
    fn content() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => "[a-z 가-힣ぁ-んＡ-Ｚ😀\t]{0,6}",
            1 => "[a-z\t\u{1}\u{7f}\"\\\\'#=,\\[\\]{}]{0,4}",
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => content().prop_map(|c| format!("\"{c}\"")),
            6 => (
                proptest::collection::vec(content(), 0..4),
                any::<bool>(),
                any::<bool>(),
                any::<bool>()
            )
                .prop_map(|(items, multiline, trailing, comment)| {
                    let sep = if multiline { ",\n  " } else { ", " };
                    let mut s = String::from(if multiline { "[\n  " } else { "[" });
                    s.push_str(
                        &items
                            .iter()
                            .map(|c| format!("\"{c}\""))
                            .collect::<Vec<_>>()
                            .join(sep),
                    );
                    if trailing && !items.is_empty() {
                        s.push(',');
                    }
                    if comment {
                        s.push_str(" # note\n");
                    }
                    s.push(']');
                    s
                }),
            1 => Just("1".to_string()),
            3 => (
                proptest::collection::vec(
                    (
                        proptest::sample::select(vec!["a", "b", "\"q k\"", "\"\"", "a.b", "키", "1"]),
                        content(),
                        "[ \t]{0,2}",
                    ),
                    0..3,
                ),
                any::<bool>(),
            )
                .prop_map(|(pairs, trailing)| {
                    let mut s = String::from("{");
                    let body: Vec<String> = pairs
                        .iter()
                        .map(|(k, v, ws)| format!("{ws}{k}{ws}={ws}\"{v}\""))
                        .collect();
                    s.push_str(&body.join(","));
                    if trailing {
                        s.push(',');
                    }
                    s.push_str(" }");
                    s
                }),
        ]
    }

    fn line() -> impl Strategy<Value = String> {
        let key = proptest::sample::select(vec![
            "description",
            "utterances",
            "slots",
            "values",
            "menu",
            "\"q k\"",
            "\"피자\"",
            "\"\"",
            "a.b",
            "키",
        ]);
        let header = proptest::sample::select(vec![
            "[slots]",
            "[ values ]",
            "[values]",
            "[[slots]]",
            "[slot]",
            "[\"slots\"]",
        ]);
        prop_oneof![
            4 => (key, value(), "[ \t]{0,2}").prop_map(|(k, v, ws)| format!("{k}{ws}={ws}{v}")),
            1 => header.prop_map(str::to_string),
            1 => content().prop_map(|c| format!("# {c}")),
            1 => Just(String::new()),
        ]
    }

    prop_compose! {
        /// A document of such lines, then maybe one character inserted or removed somewhere.
        fn document()(
            lines in proptest::collection::vec(line(), 0..8),
            crlf in any::<bool>(),
            edit in proptest::option::weighted(0.3, (any::<proptest::sample::Index>(), proptest::sample::select(vec![
                "", "\"", "\n", "\r", "[", "]", "{", "}", ",", "#", "=", " ", "\\", "\u{0}", "\u{feff}",
            ]))),
        ) -> String {
            let text = lines.join(if crlf { "\r\n" } else { "\n" });
            match edit {
                Some((at, piece)) if !text.is_empty() => {
                    let mut at = at.index(text.len());
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    let mut end = at;
                    if piece.is_empty() {
                        // remove one character
                        end = (at + 1..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(at);
                    }
                    format!("{}{piece}{}", &text[..at], &text[end..])
                }
                _ => text,
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// Whatever the fast reader accepts, `toml` reads the same way.
        #[test]
        fn fast_path_agrees_with_toml(text in document()) {
            check_intent(&text);
            check_slot_type(&text);
        }
    }
}
