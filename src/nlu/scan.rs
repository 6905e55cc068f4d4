//! A light pass over an extension's sample utterances, for validation rules that look at every
//! sample once: each sample's pattern (folded text, each slot as one character standing for its
//! slot *type*) without building the matching index of [`super::Model`].

use std::collections::HashMap;

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::sync::OnceLock;

use super::datetime;
use super::normalize::fold;
use super::normalize::fold_into;
use super::number;
use crate::model::Extension;
use crate::model::Intent;
use crate::model::SharedStr;
use crate::model::SlotType;
use crate::model::Sp;
use crate::utterance;

/// The slot types of an extension, each with a lazily built dictionary.
pub struct Types<'a> {
    ids: Map<&'a str, u32>,
    types: Vec<TypeEntry<'a>>,
}

struct TypeEntry<'a> {
    name: &'a str,
    source: Option<&'a SlotType>,
    /// Values tagged in samples: a custom type accepts them too.
    tagged: Vec<&'a str>,
    /// Folded values, synonyms and tagged values.
    dict: OnceLock<utterance::TextTable<()>>,
}

/// First private-use code point of the slot-type characters in patterns.
const BASE: u32 = 0xF0000;

fn type_char(id: u32) -> char {
    char::from_u32(BASE + id.min(0xFFFD)).unwrap_or('\u{FFFD}')
}

fn type_of(c: char) -> Option<u32> {
    (c as u32).checked_sub(BASE).filter(|v| *v <= 0xFFFD)
}

impl<'a> Types<'a> {
    pub fn new(ext: &'a Extension) -> Self {
        let mut t = Types {
            ids: Map::default(),
            types: Vec::new(),
        };
        for intent in &ext.intents {
            for ty in intent.def.slots.value.values() {
                let name = ty.value.as_str();
                if !t.ids.contains_key(name) {
                    t.ids.insert(name, t.types.len() as u32);
                    t.types.push(TypeEntry {
                        name,
                        source: ext.slot_type(name),
                        tagged: Vec::new(),
                        dict: OnceLock::new(),
                    });
                }
            }
        }
        t
    }

    /// Whether folded `text` is a value of type `id`.
    pub fn accepts(&self, id: u32, text: &str) -> bool {
        let Some(t) = self.types.get(id as usize) else {
            return false;
        };
        if text.is_empty() {
            return false;
        }
        if let Some(st) = t.source {
            let dict = t.dict.get_or_init(|| {
                let n = st.entry_count() + t.tagged.len();
                let mut d = utterance::TextTable::with_capacity(n, n * 16);
                let mut add = |text: &str| {
                    d.find_or_insert(|out| fold_into(out, text), || ());
                };
                for v in &st.values {
                    add(&v.value.value);
                    for s in &v.synonyms {
                        add(&s.value);
                    }
                }
                for v in &t.tagged {
                    add(v);
                }
                d
            });
            return dict.get(text).is_some();
        }
        match t.name {
            "CLOVA.NUMBER" | "CLOVA.GENERIC_NUMBER" => number::parse_number(text).is_some(),
            "CLOVA.WHOLE_NUMBER" => number::parse_whole_number(text).is_some(),
            "CLOVA.DATETIME" | "CLOVA.DATETIME_RECENT" => datetime::parse_datetime(
                text,
                datetime::DateTime::parse("2026-01-01")
                    .unwrap_or_else(datetime::DateTime::now_utc9),
            )
            .is_some(),
            "CLOVA.DURATION" => datetime::parse_duration(text).is_some(),
            _ => true,
        }
    }
}

/// One sample as the pass sees it.
pub struct Sample<'a, 's> {
    pub intent: &'a Intent,
    pub utterance: &'a Sp<SharedStr>,
    /// Folded text with each slot as one character standing for its type: equal patterns
    /// cannot be told apart by the words.
    pub pattern: &'s str,
    pub has_slots: bool,
}

/// Each declared slot of `intent` with the id of its type (`None`: a type without an entry).
fn slot_ids<'a>(intent: &'a Intent, ids: &Map<&'a str, u32>) -> Vec<(&'a str, Option<u32>)> {
    intent
        .def
        .slots
        .value
        .iter()
        .map(|(k, ty)| (k.value.as_str(), ids.get(ty.value.as_str()).copied()))
        .collect()
}

/// Build the pattern of one sample (its parsed `segs`) into `pattern`; whether it has slots.
/// `slots` are the intent's [`slot_ids`]. `on_tag` sees each tagged value with its type.
fn build<'a>(
    segs: &[utterance::Segment<'a>],
    slots: &[(&'a str, Option<u32>)],
    pattern: &mut String,
    mut on_tag: impl FnMut(u32, &'a str),
) -> bool {
    pattern.clear();
    let mut has_slots = false;
    for seg in segs {
        match seg {
            utterance::Segment::Text(t) => fold_into(pattern, t),
            utterance::Segment::Slot { name, value, .. } => {
                match slots
                    .iter()
                    .find(|(k, _)| utterance::same_name(k, name))
                    .and_then(|(_, id)| *id)
                {
                    Some(id) => {
                        pattern.push(type_char(id));
                        has_slots = true;
                        on_tag(id, value);
                    }
                    None => fold_into(pattern, value),
                }
            }
        }
    }
    has_slots
}

/// Call `f` with each sample utterance's pattern (samples with malformed tags are skipped).
/// `samples` holds the samples already parsed, in model order (intents, then their utterances;
/// one not found there is parsed here). Collects the values tagged in samples into `types` (so
/// match with [`matches()`] after the pass).
pub fn for_each_sample<'a>(
    ext: &'a Extension,
    samples: &utterance::ParsedSet<'a>,
    types: &mut Types<'a>,
    mut f: impl FnMut(Sample<'a, '_>),
) {
    let mut pattern = String::new();
    let mut own = Vec::new();
    let Types {
        ids,
        types: entries,
    } = types;
    let mut index = 0;
    for intent in &ext.intents {
        let slots = slot_ids(intent, ids);
        for u in &intent.def.utterances.value {
            let sample = index;
            index += 1;
            let segs = match samples.get(sample) {
                Some(s) => s,
                None => match utterance::parse_into(&u.value, &mut own) {
                    Ok(()) => &own[..],
                    Err(_) => continue,
                },
            };
            let tag = |id: u32, v: &'a str| {
                if let Some(t) = entries.get_mut(id as usize) {
                    t.tagged.push(v);
                }
            };
            let has_slots = build(segs, &slots, &mut pattern, tag);
            f(Sample {
                intent,
                utterance: u,
                pattern: &pattern,
                has_slots,
            });
        }
    }
}

/// The pattern of one sample.
pub fn pattern_of<'a>(intent: &'a Intent, utterance: &'a str, types: &Types<'a>) -> Option<String> {
    let mut pattern = String::new();
    let slots = slot_ids(intent, &types.ids);
    let segs = utterance::parse(utterance).ok()?;
    build(&segs, &slots, &mut pattern, |_, _| {});
    Some(pattern)
}

/// The folded plain text (slot values kept) of a sample.
pub fn plain(text: &str) -> String {
    match utterance::parse(text) {
        Ok(segs) => fold(&utterance::plain_text(&segs)),
        Err(_) => fold(text),
    }
}

/// The text before the first and after the last slot of a pattern (`None`: no slot).
pub fn edges(pattern: &str) -> Option<(usize, usize)> {
    // Type characters (plane 15) are four bytes led by 0xF3: only those characters are decoded.
    let is_type = |i: usize| pattern[i..].chars().next().and_then(type_of).is_some();
    let bytes = pattern.as_bytes();
    let first = memchr::memchr_iter(0xF3, bytes).find(|&i| is_type(i))?;
    let last_end = memchr::memrchr_iter(0xF3, bytes)
        .find(|&i| is_type(i))
        .map_or(first, |i| i + 4);
    Some((first, last_end))
}

/// A cheap test: can folded `u` match `pattern` at all (same text before the first slot and
/// after the last)?
pub fn could_match(pattern: &str, u: &str) -> bool {
    could_match_with(pattern, edges(pattern), u)
}

/// [`could_match`] with the pattern's [`edges`] already found (one pattern, many utterances).
pub fn could_match_with(pattern: &str, edges: Option<(usize, usize)>, u: &str) -> bool {
    match edges {
        None => pattern == u,
        Some((first, last_end)) => {
            let (head, tail) = (&pattern[..first], &pattern[last_end..]);
            u.len() > head.len() + tail.len() && u.starts_with(head) && u.ends_with(tail)
        }
    }
}

/// Whether folded utterance `u` matches `pattern` exactly (each type character standing for a
/// value of its type).
pub fn matches(pattern: &str, u: &str, types: &Types<'_>) -> bool {
    if !could_match(pattern, u) {
        return false;
    }
    let Some((first, last_end)) = edges(pattern) else {
        return true;
    };
    let tail = pattern.len() - last_end;
    mid(&pattern[first..last_end], &u[first..u.len() - tail], types)
}

/// Match a pattern that starts and ends with a type character against all of `u`.
fn mid(pattern: &str, u: &str, types: &Types<'_>) -> bool {
    let mut chars = pattern.chars();
    let Some(ty) = chars.next().and_then(type_of) else {
        return pattern == u;
    };
    let rest = chars.as_str();
    if rest.is_empty() {
        return types.accepts(ty, u);
    }
    // the literal up to the next type character (may be empty: adjacent slots)
    let lit_end = rest.find(|c| type_of(c).is_some()).unwrap_or(rest.len());
    let lit = &rest[..lit_end];
    let after = &rest[lit_end..];
    let ends: Vec<usize> = u
        .char_indices()
        .map(|(i, _)| i)
        .skip(1)
        .chain(std::iter::once(u.len()))
        .collect();
    for end in ends {
        let Some(r) = u[end..].strip_prefix(lit) else {
            continue;
        };
        if types.accepts(ty, &u[..end]) && mid(after, r, types) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::tests::extension;
    use super::*;

    #[test]
    fn edges_are_the_first_and_last_type_characters() {
        let t = |id| type_char(id).to_string();
        assert_eq!(edges("abc"), None);
        assert_eq!(edges(""), None);
        // other plane-15 and 0xF3-led characters are text
        assert_eq!(edges("\u{C0000}x\u{FFFFE}"), None);
        let p = format!("가{}나\u{C0000}{}다", t(0), t(7));
        assert_eq!(edges(&p), Some((3, 3 + 4 + 3 + 4 + 4)));
        assert_eq!(edges(&t(3)), Some((0, 4)));
    }

    #[test]
    fn patterns_and_exact_matches() {
        let ext = extension(&[
            (
                "extension.toml",
                "id = \"com.example.t\"\nlanguage = \"ko-KR\"\nname = \"t\"\ninvocation_names = [\"티\"]\nbuiltin_slot_types = [\"CLOVA.NUMBER\"]\n",
            ),
            ("server.toml", "endpoint = \"https://example.com/\"\n"),
            (
                "interaction-model/intents/Order.toml",
                "slots = { p = \"P\", n = \"CLOVA.NUMBER\" }\nutterances = [\"<p>페퍼로니</p> 피자 <n>두 판</n> 주문해줘\", \"메뉴 보여줘\"]\n",
            ),
            (
                "interaction-model/slot-types/P.toml",
                "[values]\n\"불고기\" = [\"불고기 피자\"]\n",
            ),
        ]);
        // samples parsed beforehand, or parsed by the pass itself: the same patterns
        let parsed = utterance::ParsedSet::parse_all(
            ext.intents
                .iter()
                .flat_map(|i| &i.def.utterances.value)
                .map(|u| u.value.as_str()),
        );
        assert_eq!(parsed.len(), 2);
        let mut by_pass = Vec::new();
        for set in [&parsed, &utterance::ParsedSet::default()] {
            let mut types = Types::new(&ext);
            let mut seen = Vec::new();
            for_each_sample(&ext, set, &mut types, |s| {
                seen.push((s.pattern.to_string(), s.has_slots));
            });
            by_pass.push(seen);
        }
        assert_eq!(by_pass[0], by_pass[1]);
        let seen = &by_pass[0];
        let mut types = Types::new(&ext);
        for_each_sample(&ext, &parsed, &mut types, |_| {});
        assert_eq!(seen.len(), 2);
        assert!(seen[0].1 && !seen[1].1);
        assert_eq!(seen[1].0, "메뉴보여줘");
        let p = &seen[0].0;
        assert!(matches(p, &fold("불고기 피자 세 판 주문해줘"), &types));
        // a value tagged in a sample counts
        assert!(matches(p, &fold("페퍼로니 피자 3판 주문해줘"), &types));
        assert!(!matches(p, &fold("치즈 피자 세 판 주문해줘"), &types));
        assert!(!matches(p, &fold("불고기 피자 주문해줘"), &types));
        assert!(could_match(p, &fold("치즈 피자 세 판 주문해줘")));
        assert!(!could_match(p, &fold("치즈 피자 세 판 주문할래")));
        assert!(matches(&seen[1].0, &fold("메뉴 보여 줘"), &types));
    }
}
