//! Sample utterances in the console's tag syntax: `<pizzaType>페퍼로니</pizzaType> 주문해줘`.

use std::hash::BuildHasher as _;
use std::ops::Range;

/// A piece of a sample utterance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Plain text.
    Text(&'a str),
    /// A tagged slot value: `<name>value</name>`; `span` covers the whole tag in the utterance.
    Slot {
        name: &'a str,
        value: &'a str,
        span: Range<usize>,
    },
}

/// A malformed tag, with its byte range inside the utterance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagError {
    pub message: String,
    pub span: Range<usize>,
}

/// Whether `name` can be a slot name inside a tag: letters, digits, `_`, `-` or `.`.
pub fn valid_slot_name(name: &str) -> bool {
    let ascii_ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    !name.is_empty()
        && (name.bytes().all(ascii_ok)
            || name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
}

/// Split an utterance into text and tagged slots. Every problem is a [`TagError`].
pub fn parse(utterance: &str) -> Result<Vec<Segment<'_>>, TagError> {
    let mut out = Vec::new();
    parse_into(utterance, &mut out)?;
    Ok(out)
}

/// [`parse`] into a vector that is reused from one utterance to the next (cleared first), for
/// loops over many utterances.
pub fn parse_into<'a>(utterance: &'a str, out: &mut Vec<Segment<'a>>) -> Result<(), TagError> {
    out.clear();
    parse_append(utterance, out)
}

/// [`parse`] onto the end of `out` (on an error, some segments may have been added).
fn parse_append<'a>(utterance: &'a str, out: &mut Vec<Segment<'a>>) -> Result<(), TagError> {
    let mut rest_start = 0;
    let bytes = utterance.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                let Some(close_rel) = memchr::memchr(b'>', &bytes[i..]) else {
                    return Err(TagError {
                        message: "`<` starts a tag that is never closed with `>`".into(),
                        span: i..utterance.len(),
                    });
                };
                let open_end = i + close_rel + 1;
                let name = &utterance[i + 1..open_end - 1];
                if let Some(n) = name.strip_prefix('/') {
                    return Err(TagError {
                        message: format!("closing tag `</{n}>` without an opening tag"),
                        span: i..open_end,
                    });
                }
                if !valid_slot_name(name) {
                    return Err(TagError {
                        message: format!(
                            "`<{name}>` is not a slot tag (a slot name has letters, digits, `_`, `-` or `.`)"
                        ),
                        span: i..open_end,
                    });
                }
                let Some(value_end) = find_closing(utterance, open_end, name) else {
                    return Err(TagError {
                        message: format!("tag `<{name}>` is never closed with `</{name}>`"),
                        span: i..open_end,
                    });
                };
                let closing_len = name.len() + 3;
                let value = &utterance[open_end..value_end];
                if let Some(p) = memchr::memchr2(b'<', b'>', value.as_bytes()) {
                    return Err(TagError {
                        message: format!(
                            "tag `<{name}>` contains another tag; slot tags cannot nest"
                        ),
                        span: open_end + p..value_end,
                    });
                }
                // (`trim().is_empty()`, stopping at the first character that is not a space)
                if value.chars().all(char::is_whitespace) {
                    return Err(TagError {
                        message: format!("tag `<{name}>` holds no value; tag a real example value"),
                        span: i..value_end + closing_len,
                    });
                }
                if rest_start < i {
                    out.push(Segment::Text(&utterance[rest_start..i]));
                }
                let end = value_end + closing_len;
                out.push(Segment::Slot {
                    name,
                    value,
                    span: i..end,
                });
                i = end;
                rest_start = end;
            }
            b'>' => {
                return Err(TagError {
                    message: "`>` outside a tag".into(),
                    span: i..i + 1,
                });
            }
            // jump to the next `<` or `>`
            _ => match memchr::memchr2(b'<', b'>', &bytes[i..]) {
                Some(k) => i += k,
                None => break,
            },
        }
    }
    if rest_start < utterance.len() {
        out.push(Segment::Text(&utterance[rest_start..]));
    }
    Ok(())
}

/// Many utterances parsed once, for passes that each look at every sample (the model rules and
/// the matcher's light pass): all segments in one buffer, and per utterance its range there, or
/// `None` when its tags are malformed ([`parse`] says how).
#[derive(Debug, Default)]
pub struct ParsedSet<'a> {
    segments: Vec<Segment<'a>>,
    ranges: Vec<Option<(u32, u32)>>,
}

impl<'a> ParsedSet<'a> {
    /// Parse each of `utterances`, in order.
    pub fn parse_all(utterances: impl IntoIterator<Item = &'a str>) -> Self {
        let utterances = utterances.into_iter();
        let n = utterances.size_hint().0;
        // a sample is usually text and a slot or two: room for that, grown rarely
        let mut set = ParsedSet {
            segments: Vec::with_capacity(n * 3),
            ranges: Vec::with_capacity(n),
        };
        for u in utterances {
            let start = set.segments.len();
            let range = match parse_append(u, &mut set.segments) {
                Ok(()) => u32::try_from(start)
                    .ok()
                    .zip(u32::try_from(set.segments.len()).ok()),
                Err(_) => None,
            };
            if range.is_none() {
                set.segments.truncate(start);
            }
            set.ranges.push(range);
        }
        set
    }

    /// The segments of the `index`-th utterance (`None`: malformed tags, or no such utterance).
    pub fn get(&self, index: usize) -> Option<&[Segment<'a>]> {
        let (start, end) = (*self.ranges.get(index)?)?;
        self.segments.get(start as usize..end as usize)
    }

    /// How many utterances were parsed.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

/// Byte offset of the first `</name>` at or after `from` (no allocation: this runs for every tag
/// of every sample utterance).
fn find_closing(utterance: &str, from: usize, name: &str) -> Option<usize> {
    let mut at = from;
    while let Some(rel) = memchr::memchr(b'<', &utterance.as_bytes()[at..]) {
        let start = at + rel;
        // `</name>`
        let tag = &utterance.as_bytes()[start + 1..];
        if tag.first() == Some(&b'/')
            && tag.get(1 + name.len()) == Some(&b'>')
            && same_name(&utterance[start + 2..start + 2 + name.len()], name)
        {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

/// `a == b` for short texts such as slot names, compared in line (a `memcmp` call costs more
/// than the comparison: this runs for every tag of every sample utterance, in several passes).
pub fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// The utterance as spoken: tags removed, values kept.
pub fn plain_text(segments: &[Segment<'_>]) -> String {
    segments
        .iter()
        .map(|s| match s {
            Segment::Text(t) => *t,
            Segment::Slot { value, .. } => value,
        })
        .collect()
}

/// Normalise text for comparisons: lower-case, full-width ASCII folded to half-width,
/// whitespace collapsed and trimmed.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    push_normalized(&mut out, 0, &mut space, text);
    out
}

/// Append `normalize(text)` to `out` (which may hold other text before it).
pub fn normalize_into(text: &str, out: &mut String) {
    let base = out.len();
    let mut space = false;
    push_normalized(out, base, &mut space, text);
}

/// `normalize(&plain_text(segments))` without building the plain text first.
pub fn normalize_segments(segments: &[Segment<'_>]) -> String {
    let len = segments
        .iter()
        .map(|s| match s {
            Segment::Text(t) => t.len(),
            Segment::Slot { value, .. } => value.len(),
        })
        .sum();
    let mut out = String::with_capacity(len);
    normalize_segments_into(segments, &mut out);
    out
}

/// Append `normalize(&plain_text(segments))` to `out` (which may hold other text before it).
pub fn normalize_segments_into(segments: &[Segment<'_>], out: &mut String) {
    let base = out.len();
    let mut space = false;
    for s in segments {
        let piece = match s {
            Segment::Text(t) => t,
            Segment::Slot { value, .. } => value,
        };
        push_normalized(out, base, &mut space, piece);
    }
}

/// Characters without a lower-case mapping that are common in Korean and Japanese text (kana,
/// CJK punctuation and ideographs, Hangul syllables): lower-casing them is skipped, which is
/// much faster than the general Unicode lookup (a unit test checks every one of them).
/// [`verbatim_len`] tells them by their UTF-8 bytes (a unit test compares the two).
#[cfg(test)]
fn caseless_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7A3}')
}

/// The normalisation step of [`normalize`], continued over several pieces of text: `space`
/// carries a pending whitespace run from one piece to the next; the normalised text starts at
/// byte `base` of `out`. Runs of characters that stay as they are (lower-case ASCII, digits,
/// punctuation, kana, ideographs, Hangul) are found byte by byte (no char decoding) and copied
/// in one go; any other character goes through the general step.
pub fn push_normalized(out: &mut String, base: usize, space: &mut bool, text: &str) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        i = verbatim_run(bytes, i);
        if i > start {
            if *space {
                out.push(' ');
                *space = false;
            }
            out.push_str(&text[start..i]);
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        };
        if c.is_whitespace() {
            *space = out.len() > base;
            continue;
        }
        if *space {
            out.push(' ');
            *space = false;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
}

/// Whether ASCII byte `b` normalises to itself: not upper case, not whitespace.
const fn ascii_verbatim(b: u8) -> bool {
    !matches!(b, b'A'..=b'Z' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// End of the run of characters from byte `start` (a character boundary) that normalise to
/// themselves: ASCII per [`ascii_verbatim`], the three-byte characters that `caseless_cjk`
/// accepts except the ideographic space (U+3000, whitespace), and a single ASCII space between
/// two such characters (it stays one space).
fn verbatim_run(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    loop {
        // most of the text: Hangul syllables and CJK ideographs (U+4000..U+9FFF,
        // U+B000..U+CFFF), three bytes each, told by their lead byte alone
        while i + 2 < bytes.len() && matches!(bytes[i], 0xE4..=0xE9 | 0xEB | 0xEC) {
            i += 3;
        }
        let Some(&b) = bytes.get(i) else {
            break;
        };
        if b == b' ' && i > start && bytes.get(i + 1).is_some_and(|&n| n != b' ') {
            // keep the space only when the next character is in the run too
            let n = verbatim_len(bytes, i + 1);
            if n == 0 {
                break;
            }
            i += 1 + n;
            continue;
        }
        let n = verbatim_len(bytes, i);
        if n == 0 {
            break;
        }
        i += n;
    }
    i
}

/// The length of the character at byte `i` when it normalises to itself (see
/// [`verbatim_run`]), else 0.
fn verbatim_len(bytes: &[u8], i: usize) -> usize {
    let Some(&b) = bytes.get(i) else {
        return 0;
    };
    if b < 0x80 {
        return usize::from(ascii_verbatim(b));
    }
    // U+3000..U+DFFF are the three-byte sequences led by 0xE3..=0xED; told apart by their first
    // two bytes without decoding (a unit test compares with [`caseless_cjk`] for every one)
    let (Some(&b1), Some(&b2)) = (bytes.get(i + 1), bytes.get(i + 2)) else {
        return 0;
    };
    let verbatim = match b {
        // U+4000..U+9FFF, U+B000..U+CFFF
        0xE4..=0xE9 | 0xEB | 0xEC => true,
        // U+3000..U+3FFF but the ideographic space (whitespace)
        0xE3 => !(b1 == 0x80 && b2 == 0x80),
        // U+AC00..U+AFFF
        0xEA => b1 >= 0xB0,
        // U+D000..U+D7A3
        0xED => b1 < 0x9E || (b1 == 0x9E && b2 <= 0xA3),
        _ => false,
    };
    if verbatim { 3 } else { 0 }
}

/// Byte offset in the TOML source of byte `offset` inside a string value whose literal spans
/// `literal` in `source`, when the literal holds the value verbatim (no escapes). Falls back to
/// the literal's start.
pub fn source_offset(source: &str, literal: &Range<usize>, value: &str, offset: usize) -> usize {
    let Some(raw) = source.get(literal.clone()) else {
        return literal.start;
    };
    for quote in ["\"\"\"", "'''", "\"", "'"] {
        if let Some(inner) = raw.strip_prefix(quote).and_then(|r| r.strip_suffix(quote)) {
            let lead = inner.len() - inner.trim_start_matches(['\n', '\r']).len();
            let inner_trim = &inner[if quote.len() == 3 { lead } else { 0 }..];
            if inner_trim == value {
                return literal.start
                    + quote.len()
                    + if quote.len() == 3 { lead } else { 0 }
                    + offset;
            }
            break;
        }
    }
    literal.start
}

/// Texts (normalised or folded), each with a value: one hash table over a shared text buffer
/// rather than a `String` per entry (an extension can have 20,000 sample utterances and 200,000
/// slot values).
pub struct TextTable<V> {
    text: String,
    entries: Vec<(Range<usize>, V)>,
    table: hashbrown::HashTable<usize>,
    hasher: foldhash::fast::FixedState,
}

impl<V> TextTable<V> {
    /// Room for `n` entries of `bytes` bytes in all (normalised text is rarely longer).
    pub fn with_capacity(n: usize, bytes: usize) -> Self {
        Self {
            text: String::with_capacity(bytes),
            entries: Vec::with_capacity(n),
            table: hashbrown::HashTable::with_capacity(n),
            hasher: foldhash::fast::FixedState::default(),
        }
    }

    /// Look up the text `write` appends; when it is not there yet, add it with `value()`.
    /// Returns the entry's value and whether it was just added.
    pub fn find_or_insert(
        &mut self,
        write: impl FnOnce(&mut String),
        value: impl FnOnce() -> V,
    ) -> (&mut V, bool) {
        let start = self.text.len();
        write(&mut self.text);
        let Self {
            text,
            entries,
            table,
            hasher,
        } = self;
        let hash = hasher.hash_one(&text[start..]);
        if let Some(&i) = table.find(hash, |&i| text[entries[i].0.clone()] == text[start..]) {
            text.truncate(start);
            return (&mut entries[i].1, false);
        }
        let i = entries.len();
        entries.push((start..text.len(), value()));
        table.insert_unique(hash, i, |&j| hasher.hash_one(&text[entries[j].0.clone()]));
        (&mut entries[i].1, true)
    }

    /// The value of `text`, when it is there.
    pub fn get(&self, text: &str) -> Option<&V> {
        let hash = self.hasher.hash_one(text);
        self.table
            .find(hash, |&i| self.text[self.entries[i].0.clone()] == *text)
            .map(|&i| &self.entries[i].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags() {
        let s = parse("<pizzaType>페퍼로니</pizzaType> 피자 <n>두 판</n> 주문해줘").unwrap();
        assert_eq!(s.len(), 4);
        assert!(matches!(
            s[0],
            Segment::Slot {
                name: "pizzaType",
                value: "페퍼로니",
                ..
            }
        ));
        assert_eq!(plain_text(&s), "페퍼로니 피자 두 판 주문해줘");
    }

    #[test]
    fn reports_bad_tags() {
        assert!(parse("<a>x</b>").is_err());
        assert!(parse("<a>x").is_err());
        assert!(parse("x</a>").is_err());
        assert!(parse("<a></a>").is_err());
        assert!(parse("<a><b>x</b></a>").is_err());
        assert!(parse("a > b").is_err());
        assert!(parse("<a b>x</a b>").is_err());
    }

    #[test]
    fn normalizes_width_and_space() {
        assert_eq!(normalize("  ＡＢＣ　 def "), "abc def");
        assert_eq!(normalize("ÀÉ Σ 불고기 ピザ"), "àé σ 불고기 ピザ");
    }

    /// The plain definition of [`normalize`], to check the fast one against.
    fn normalize_reference(text: &str) -> String {
        let mut out = String::new();
        let mut space = false;
        for c in text.chars() {
            let c = match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{3000}' => ' ',
                _ => c,
            };
            if c.is_whitespace() {
                space = !out.is_empty();
                continue;
            }
            if space {
                out.push(' ');
                space = false;
            }
            out.extend(c.to_lowercase());
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn normalize_matches_its_definition(
            text in "[ \t\n\u{0B}\u{0C}\r\u{85}\u{A0}\u{3000}a-zA-Z0-9ＡＺａｚ！～ÀÉİΣẞ가-힣ぁ-んァ-ン一-龥<>/]{0,40}"
        ) {
            proptest::prop_assert_eq!(normalize(&text), normalize_reference(&text));
            if let Ok(segs) = parse(&text) {
                let mut out = String::from("prefix ");
                normalize_segments_into(&segs, &mut out);
                proptest::prop_assert_eq!(&out[7..], normalize_reference(&plain_text(&segs)));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn normalize_matches_its_definition_on_any_text(text in proptest::prelude::any::<String>()) {
            proptest::prop_assert_eq!(normalize(&text), normalize_reference(&text));
        }
    }

    #[test]
    fn every_three_byte_character_normalizes_like_its_definition() {
        let all: String = ('\u{800}'..='\u{FFFF}').collect();
        assert_eq!(normalize(&all), normalize_reference(&all));
        for c in [
            '\u{3000}', '\u{3001}', '\u{9FFF}', '\u{A000}', '\u{ABFF}', '\u{AC00}', '\u{D7A3}',
            '\u{D7A4}',
        ] {
            let t = format!("A{c}b{c}");
            assert_eq!(normalize(&t), normalize_reference(&t), "{c:?}");
        }
    }

    #[test]
    fn verbatim_len_of_every_three_byte_character() {
        for c in '\u{800}'..='\u{FFFF}' {
            let mut buf = [0u8; 4];
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            let want = if c != '\u{3000}' && caseless_cjk(c) {
                3
            } else {
                0
            };
            assert_eq!(verbatim_len(bytes, 0), want, "{c:?}");
            // cut short: not a character
            assert_eq!(verbatim_len(&bytes[..2], 0), 0, "{c:?}");
        }
    }

    #[test]
    fn caseless_ranges_have_no_lower_case_mapping() {
        for c in ('\u{3000}'..='\u{9FFF}').chain('\u{AC00}'..='\u{D7A3}') {
            assert!(caseless_cjk(c));
            assert!(
                c.to_lowercase().eq(std::iter::once(c)),
                "{c:?} has a mapping"
            );
        }
    }

    #[test]
    fn segments_normalize_like_their_plain_text() {
        for u in [
            "<a>X Y</a>  피자 <b> 두 판 </b>주문해줘 ",
            "  <a>ＡＢ</a>",
            "abc<a> </a>",
            "<a>x</a><b>y</b>",
        ] {
            if let Ok(segs) = parse(u) {
                assert_eq!(
                    normalize_segments(&segs),
                    normalize(&plain_text(&segs)),
                    "{u}"
                );
            }
        }
    }

    #[test]
    fn closing_tag_is_found_after_lookalikes() {
        let s = parse("<ab>x</a></abc></ab> y").unwrap_err();
        assert!(s.message.contains("contains another tag"), "{s:?}");
        let s = parse("<a>x</ab></a>").unwrap_err();
        assert_eq!(s.span, 4..9);
        assert_eq!(parse("<a>x</a>").unwrap().len(), 1);
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        /// Utterance-like text: tags (well formed or not), words, spaces, multi-byte characters.
        fn utterance() -> impl Strategy<Value = String> {
            let pieces = prop_oneof![
                Just("<"),
                Just(">"),
                Just("</"),
                Just("<a>"),
                Just("</a>"),
                Just("<b>"),
                Just("</b>"),
                Just("<slot_1>"),
                Just("</slot_1>"),
                Just("a"),
                Just("b"),
                Just(" "),
                Just("\u{3000}"),
                Just("피자"),
                Just("ピザ"),
                Just("Ｐ"),
                Just("\n"),
                Just("/"),
                Just("<a b>"),
                Just("é"),
            ];
            prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
        }

        fn check(s: &str) -> Result<(), TestCaseError> {
            match parse(s) {
                Ok(segs) => {
                    // Putting the tags back re-creates the input.
                    let mut back = String::new();
                    let mut plain = String::new();
                    for seg in &segs {
                        match seg {
                            Segment::Text(t) => {
                                prop_assert!(!t.is_empty());
                                back.push_str(t);
                                plain.push_str(t);
                            }
                            Segment::Slot { name, value, span } => {
                                let tag = format!("<{name}>{value}</{name}>");
                                prop_assert_eq!(&s[span.clone()], tag.as_str());
                                back.push_str(&tag);
                                plain.push_str(value);
                            }
                        }
                    }
                    prop_assert_eq!(back.as_str(), s);
                    prop_assert_eq!(plain_text(&segs), plain);
                }
                Err(e) => {
                    prop_assert!(
                        e.span.start <= e.span.end && e.span.end <= s.len(),
                        "{:?}",
                        e
                    );
                    prop_assert!(
                        s.is_char_boundary(e.span.start) && s.is_char_boundary(e.span.end)
                    );
                    prop_assert!(!e.message.is_empty());
                }
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn tag_like_text_round_trips_or_errs_in_bounds(s in utterance()) {
                check(&s)?;
            }

            #[test]
            fn any_text_round_trips_or_errs_in_bounds(s in any::<String>()) {
                check(&s)?;
            }

            #[test]
            fn normalize_is_idempotent(s in any::<String>()) {
                let once = normalize(&s);
                prop_assert_eq!(normalize(&once), once.clone());
                prop_assert_eq!(once.trim(), once.as_str());
            }
        }
    }
}
