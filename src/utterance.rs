//! Sample utterances in the console's tag syntax: `<pizzaType>페퍼로니</pizzaType> 주문해줘`.

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
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
}

/// Split an utterance into text and tagged slots. Every problem is a [`TagError`].
pub fn parse(utterance: &str) -> Result<Vec<Segment<'_>>, TagError> {
    let mut out = Vec::new();
    let mut rest_start = 0;
    let bytes = utterance.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                let Some(close_rel) = utterance[i..].find('>') else {
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
                let closing = format!("</{name}>");
                let Some(end_rel) = utterance[open_end..].find(&closing) else {
                    return Err(TagError {
                        message: format!("tag `<{name}>` is never closed with `{closing}`"),
                        span: i..open_end,
                    });
                };
                let value_end = open_end + end_rel;
                let value = &utterance[open_end..value_end];
                if let Some(p) = value.find(['<', '>']) {
                    return Err(TagError {
                        message: format!(
                            "tag `<{name}>` contains another tag; slot tags cannot nest"
                        ),
                        span: open_end + p..value_end,
                    });
                }
                if value.trim().is_empty() {
                    return Err(TagError {
                        message: format!("tag `<{name}>` holds no value; tag a real example value"),
                        span: i..value_end + closing.len(),
                    });
                }
                if rest_start < i {
                    out.push(Segment::Text(&utterance[rest_start..i]));
                }
                let end = value_end + closing.len();
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
            _ => i += 1,
        }
    }
    if rest_start < utterance.len() {
        out.push(Segment::Text(&utterance[rest_start..]));
    }
    Ok(out)
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
