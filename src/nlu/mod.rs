//! Offline natural-language understanding: an extension's interaction model compiled once into an
//! index, then utterances matched against it (intent, slots, confidence, closest sample).
//!
//! How an utterance is matched (README "Testing extensions" documents it for users):
//! 1. The utterance and every sample utterance are folded ([`normalize`]): width, kana, spacing,
//!    punctuation and long-vowel marks do not matter.
//! 2. Each sample becomes a pattern: its text with each tagged slot replaced by the slot. An
//!    utterance matches a pattern when its text around the slots is the same and each slot's
//!    text is a value of the slot's type: a representative value or synonym of a custom type
//!    (or a value tagged in a sample), a number for `CLOVA.NUMBER`, a date or time for
//!    `CLOVA.DATETIME`, a period for `CLOVA.DURATION`, a unit for `CLOVA.UNIT_*`, a number and
//!    a unit for `CLOVA.MONEY`, `CLOVA.LENGTH`… ([`mod@unit`]). Other built-in types take any text,
//!    except in a pattern that is only slots (`<city>東京</city>`): there only values tagged in
//!    samples, or it would match every utterance. Confidence 1 (0.9 when a slot took free text).
//! 3. Built-in intents match their usual phrases ([`builtin`]). A sample said exactly as written
//!    is its intent with its tagged values, even when cekops does not recognise a value.
//! 4. Otherwise a nearest-neighbour classifier trained on the patterns when the model is compiled
//!    (`knn`): the utterance, with the slot values found in it replaced by their types, and
//!    every pattern are TF-IDF vectors of character 1- to 4-grams; the pattern with the highest
//!    cosine similarity counts when at least [`SIMILARITY_THRESHOLD`] (at least
//!    `SLOT_EVIDENCE_THRESHOLD` when the utterance holds a value of one of the intent's custom
//!    slot types; a built-in phrase needs `BUILTIN_NEAR_THRESHOLD`); the confidence is that
//!    similarity (at most 0.95) and its slots are read from the utterance.
//! 5. Nothing close: `Clova.GuideIntent`, or `Clova.FallbackIntent` when the extension lists it
//!    in `builtin_intents` — as CEK does.

pub mod builtin;
pub mod crossval;
pub mod datetime;
mod knn;
pub mod launch;
pub mod normalize;
pub mod number;
pub mod scan;
pub mod unit;

use std::collections::HashMap;

/// Hash maps keyed by short strings and character pairs: a fast (non-DoS-resistant) hasher.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::ops::Range;
use std::sync::OnceLock;

pub use datetime::DateTime;
use normalize::fold;

use crate::model::Extension;
use crate::model::Language;
use crate::model::SlotType;
use crate::utterance;

/// A near match below this similarity (cosine of n-gram vectors) is no match: calibrated so
/// that unseen phrasings of an intent pass and utterances of other domains do not (BENCHMARKS.md
/// `## test (matcher)`).
pub const SIMILARITY_THRESHOLD: f32 = 0.35;
/// A near match needs only this similarity when the utterance holds a value of one of the
/// intent's custom slot types.
const SLOT_EVIDENCE_THRESHOLD: f32 = 0.2;
/// A near match to a built-in intent's phrase needs this similarity.
const BUILTIN_NEAR_THRESHOLD: f32 = 0.6;
/// Confidence of an exact match in which a slot took free text (a type cekops cannot check).
const FREE_TEXT_CONFIDENCE: f32 = 0.9;
/// Highest confidence of a near match.
const MAX_NEAR_CONFIDENCE: f32 = 0.95;
/// A slot-filling answer may hold this many characters besides its slot values (`で`, `으로`).
const ANSWER_REST: usize = 2;
/// Confidence of a slot-filling answer (`Model::answer`).
const ANSWER_CONFIDENCE: f32 = 0.5;

/// How an utterance was matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// Same words as a sample pattern (slots filled with values of their types).
    Exact,
    /// Close to a sample pattern.
    Similar,
    /// Nothing close: the fallback intent.
    None,
}

/// One analysed slot, as CEK puts it in `intent.slots`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SlotOut {
    pub name: String,
    /// The slot's type (`PIZZA_TYPE`, `CLOVA.NUMBER`).
    #[serde(rename = "type")]
    pub slot_type: String,
    /// The value: the representative value of a custom type, a number, an ISO 8601 text.
    pub value: String,
    /// `CLOVA.NUMBER`: the counter said with the number; `CLOVA.MONEY`, `CLOVA.LENGTH`…: the
    /// unit (ISO 4217 code for money).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// `CLOVA.DATETIME`: `DATE`, `TIME`, `DATETIME`, `TIME.INTERVAL`, `DATE.INTERVAL`,
    /// `DATETIME.INTERVAL`.
    #[serde(rename = "valueType", skip_serializing_if = "Option::is_none")]
    pub value_type: Option<String>,
    /// The words of the utterance the value came from.
    pub text: String,
}

/// The sample utterance closest to an utterance.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Closest {
    pub intent: String,
    /// The sample as written (with slot tags); a built-in intent's phrase for built-ins.
    pub utterance: String,
    /// The intent file; `None` for built-in phrases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Byte range of the sample in its file.
    #[serde(skip)]
    pub span: Range<usize>,
    /// 1 for the pattern that matched exactly, else the similarity.
    pub similarity: f32,
}

/// What the matcher made of an utterance.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Analysis {
    pub utterance: String,
    pub intent: String,
    #[serde(rename = "match")]
    pub kind: MatchKind,
    pub confidence: f32,
    pub slots: Vec<SlotOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closest: Option<Closest>,
}

impl Analysis {
    pub fn slot(&self, name: &str) -> Option<&SlotOut> {
        self.slots.iter().find(|s| s.name == name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Custom,
    Number,
    WholeNumber,
    DateTime,
    /// `CLOVA.DATETIME_RECENT`: now or earlier (spec §3.2).
    DateTimeRecent,
    Duration,
    /// `CLOVA.UNIT`, `CLOVA.UNIT_*`: a unit alone, of a class (every class for `None`).
    Unit(Option<unit::Class>),
    /// `CLOVA.MONEY`, `CLOVA.LENGTH`…: a number and a unit of the class.
    Measure(unit::Class),
    /// A built-in type cekops has no dictionary for: any text.
    Any,
}

struct Dict {
    map: Map<Box<str>, u32>,
    reps: Vec<String>,
    /// Longest entry, in bytes.
    max_len: usize,
}

struct TypeInfo<'a> {
    name: String,
    kind: Kind,
    source: Option<&'a SlotType>,
    /// Values tagged in sample utterances (raw text).
    tagged: Vec<&'a str>,
    dict: OnceLock<Dict>,
}

impl TypeInfo<'_> {
    fn dict(&self) -> &Dict {
        self.dict.get_or_init(|| {
            let mut map: Map<Box<str>, u32> = Map::default();
            let mut reps = Vec::new();
            let mut max_len = 0;
            let mut add = |key: String, rep: u32, map: &mut Map<Box<str>, u32>| {
                if key.is_empty() {
                    return;
                }
                max_len = max_len.max(key.len());
                map.entry(key.into_boxed_str()).or_insert(rep);
            };
            if let Some(st) = self.source {
                reps.reserve(st.values.len());
                // Representative values first: one stands for itself even when another value
                // also lists it as a synonym (the `synonym-conflict` warning).
                for v in &st.values {
                    let rep = reps.len() as u32;
                    reps.push(v.value.value.to_string());
                    add(fold(&v.value.value), rep, &mut map);
                }
                for (rep, v) in st.values.iter().enumerate() {
                    for s in &v.synonyms {
                        add(fold(&s.value), rep as u32, &mut map);
                    }
                }
            }
            for t in &self.tagged {
                let key = fold(t);
                if !key.is_empty() && !map.contains_key(key.as_str()) {
                    let rep = reps.len() as u32;
                    reps.push((*t).to_string());
                    add(key, rep, &mut map);
                }
            }
            Dict { map, reps, max_len }
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Elem {
    Lit(Box<str>),
    Slot { slot: u16, ty: u32 },
}

struct IntentInfo {
    name: String,
    builtin: bool,
    /// Slot name and type id, in declaration order.
    slots: Vec<(String, u32)>,
}

struct Skeleton {
    intent: u32,
    elems: Vec<Elem>,
    samples: Vec<u32>,
    /// Folded literal characters: more is more specific.
    literal_chars: usize,
    /// The pattern with each slot as one private-use character per slot type: for the
    /// near-match classifier (`knn`).
    text: Vec<char>,
}

struct Sample<'a> {
    skeleton: u32,
    text: &'a str,
    file: Option<u32>,
    span: Range<usize>,
    /// Folded plain text (slot values kept).
    plain: String,
    /// The tagged slots: slot, type and folded byte range in `plain`.
    tagged: Vec<(u16, u32, Range<usize>)>,
}

/// Options of one analysis.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// "Now", for relative dates and times.
    pub now: DateTime,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            now: DateTime::now_utc9(),
        }
    }
}

/// An extension's interaction model, compiled for matching. Slot dictionaries and the
/// near-match index are built on first use.
pub struct Model<'a> {
    lang: Language,
    intents: Vec<IntentInfo>,
    types: Vec<TypeInfo<'a>>,
    skeletons: Vec<Skeleton>,
    samples: Vec<Sample<'a>>,
    files: Vec<String>,
    /// Slot-free patterns: folded text → skeletons.
    exact: Map<Box<str>, Vec<u32>>,
    /// Patterns with slots: text before the first slot → text after the last → skeletons.
    edges: Map<Box<str>, Edge>,
    max_head: usize,
    knn: OnceLock<knn::Knn>,
    /// Folded plain text of each sample → the first sample with it.
    plain: OnceLock<Map<Box<str>, u32>>,
    fallback: String,
}

#[derive(Default)]
struct Edge {
    tails: Map<Box<str>, Vec<u32>>,
    max_tail: usize,
}

fn builtin_kind(name: &str) -> Kind {
    match name {
        "CLOVA.NUMBER" | "CLOVA.GENERIC_NUMBER" => Kind::Number,
        "CLOVA.WHOLE_NUMBER" => Kind::WholeNumber,
        "CLOVA.DATETIME" => Kind::DateTime,
        "CLOVA.DATETIME_RECENT" => Kind::DateTimeRecent,
        "CLOVA.DURATION" => Kind::Duration,
        _ => match unit::builtin(name) {
            Some((Some(class), true)) => Kind::Measure(class),
            Some((class, _)) => Kind::Unit(class),
            None => Kind::Any,
        },
    }
}

fn placeholder(n: u32) -> char {
    char::from_u32(0xF0000 + n.min(0xFFFD)).unwrap_or('\u{FFFD}')
}

/// A slot type in pattern texts: one private-use character per type.
fn type_placeholder(ty: u32) -> char {
    char::from_u32(0x100000 + ty.min(0xFFFD)).unwrap_or('\u{FFFD}')
}

/// A slot found in an utterance (folded byte range).
#[derive(Clone, Debug)]
struct Hit {
    slot: u16,
    ty: u32,
    range: Range<usize>,
    value: Value,
}

#[derive(Clone, Debug)]
struct Value {
    value: String,
    unit: Option<&'static str>,
    value_type: Option<&'static str>,
    /// Free text: the value is the words as said.
    free: bool,
}

impl<'a> Model<'a> {
    /// Compile an extension's interaction model (custom intents, their samples and slot types,
    /// and the built-in intents it uses).
    pub fn compile(ext: &'a Extension) -> Model<'a> {
        let lang = ext.language().unwrap_or(Language::Korean);
        let declared: Vec<&str> = ext
            .info
            .as_ref()
            .map(|i| {
                i.builtin_intents
                    .value
                    .iter()
                    .map(|s| s.value.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let fallback = if declared.contains(&"Clova.FallbackIntent") {
            "Clova.FallbackIntent"
        } else {
            "Clova.GuideIntent"
        };
        let mut m = Model {
            lang,
            intents: Vec::new(),
            types: Vec::new(),
            skeletons: Vec::new(),
            samples: Vec::new(),
            files: Vec::new(),
            exact: Map::default(),
            edges: Map::default(),
            max_head: 0,
            knn: OnceLock::new(),
            plain: OnceLock::new(),
            fallback: fallback.to_string(),
        };
        let mut type_ids: Map<String, u32> = Map::default();
        let mut skel_ids: Map<u32, Map<String, u32>> = Map::default();
        for intent in &ext.intents {
            let iid = m.intents.len() as u32;
            let file = m.files.len() as u32;
            m.files.push(intent.file.clone());
            let mut slots = Vec::new();
            for (name, ty) in &intent.def.slots.value {
                let tid = *type_ids.entry(ty.value.clone()).or_insert_with(|| {
                    let source = ext.slot_type(&ty.value);
                    m.types.push(TypeInfo {
                        name: ty.value.clone(),
                        kind: if source.is_some() {
                            Kind::Custom
                        } else {
                            builtin_kind(&ty.value)
                        },
                        source,
                        tagged: Vec::new(),
                        dict: OnceLock::new(),
                    });
                    (m.types.len() - 1) as u32
                });
                slots.push((name.value.clone(), tid));
            }
            m.intents.push(IntentInfo {
                name: intent.name.clone(),
                builtin: false,
                slots,
            });
            for u in &intent.def.utterances.value {
                let Ok(segs) = utterance::parse(&u.value) else {
                    continue;
                };
                let mut elems: Vec<Elem> = Vec::new();
                // literal text since the last slot; the dedup key; the plain text
                let mut lit = String::new();
                let mut key = String::new();
                let mut plain = String::new();
                let mut tagged: Vec<(u16, u32, Range<usize>)> = Vec::new();
                for seg in &segs {
                    let (text, slot) = match seg {
                        utterance::Segment::Text(t) => (*t, None),
                        utterance::Segment::Slot { name, value, .. } => {
                            let info = &m.intents[iid as usize];
                            (*value, info.slots.iter().position(|(n, _)| n == name))
                        }
                    };
                    let at = plain.len();
                    normalize::fold_into(&mut plain, text);
                    let folded = &plain[at..];
                    match slot {
                        None => {
                            lit.push_str(folded);
                            key.push_str(folded);
                        }
                        Some(pos) => {
                            let ty = m.intents[iid as usize].slots[pos].1;
                            if !lit.is_empty() {
                                elems.push(Elem::Lit(std::mem::take(&mut lit).into()));
                            }
                            elems.push(Elem::Slot {
                                slot: pos as u16,
                                ty,
                            });
                            key.push(placeholder(pos as u32));
                            tagged.push((pos as u16, ty, at..plain.len()));
                            let t = &mut m.types[ty as usize];
                            if matches!(t.kind, Kind::Custom | Kind::Any) {
                                t.tagged.push(text);
                            }
                        }
                    }
                }
                if !lit.is_empty() {
                    elems.push(Elem::Lit(lit.into()));
                }
                if elems.is_empty() {
                    continue;
                }
                let sid = m.samples.len() as u32;
                let skel = m.skeleton(&mut skel_ids, iid, key, elems);
                m.skeletons[skel as usize].samples.push(sid);
                m.samples.push(Sample {
                    skeleton: skel,
                    text: &u.value,
                    file: Some(file),
                    span: u.span.clone(),
                    plain,
                    tagged,
                });
            }
        }
        // built-in intents: the declared ones, and the guide intent CEK always has
        let mut builtins: Vec<&str> = vec!["Clova.GuideIntent"];
        for d in &declared {
            if !builtins.contains(d) {
                builtins.push(d);
            }
        }
        for (name, phrases) in builtin::phrases(lang) {
            if !builtins.contains(name) {
                continue;
            }
            let iid = m.intents.len() as u32;
            m.intents.push(IntentInfo {
                name: (*name).to_string(),
                builtin: true,
                slots: Vec::new(),
            });
            for p in *phrases {
                let f = fold(p);
                let sid = m.samples.len() as u32;
                let skel = m.skeleton(
                    &mut skel_ids,
                    iid,
                    f.clone(),
                    vec![Elem::Lit(f.clone().into())],
                );
                m.skeletons[skel as usize].samples.push(sid);
                m.samples.push(Sample {
                    skeleton: skel,
                    text: p,
                    file: None,
                    span: 0..0,
                    plain: f,
                    tagged: Vec::new(),
                });
            }
        }
        m
    }

    fn skeleton(
        &mut self,
        ids: &mut Map<u32, Map<String, u32>>,
        intent: u32,
        key: String,
        elems: Vec<Elem>,
    ) -> u32 {
        let known = ids.entry(intent).or_default();
        if let Some(id) = known.get(&key) {
            return *id;
        }
        let id = self.skeletons.len() as u32;
        let mut literal_chars = 0;
        let mut text = Vec::new();
        for e in &elems {
            match e {
                Elem::Lit(l) => {
                    literal_chars += l.chars().count();
                    text.extend(l.chars());
                }
                Elem::Slot { ty, .. } => text.push(type_placeholder(*ty)),
            }
        }
        let has_slot = elems.iter().any(|e| matches!(e, Elem::Slot { .. }));
        if has_slot {
            let head: &str = match elems.first() {
                Some(Elem::Lit(l)) => l,
                _ => "",
            };
            let tail: &str = match elems.last() {
                Some(Elem::Lit(l)) if elems.len() > 1 => l,
                _ => "",
            };
            self.max_head = self.max_head.max(head.len());
            let edge = self.edges.entry(head.into()).or_default();
            edge.max_tail = edge.max_tail.max(tail.len());
            edge.tails.entry(tail.into()).or_default().push(id);
        } else if let Some(Elem::Lit(l)) = elems.first() {
            self.exact.entry(l.clone()).or_default().push(id);
        }
        self.skeletons.push(Skeleton {
            intent,
            elems,
            samples: Vec::new(),
            literal_chars,
            text,
        });
        ids.entry(intent).or_default().insert(key, id);
        id
    }

    /// The language the model was compiled for.
    pub fn language(&self) -> Language {
        self.lang
    }

    /// The intent an unmatched utterance goes to.
    pub fn fallback_intent(&self) -> &str {
        &self.fallback
    }

    /// Number of sample utterances compiled (custom and built-in phrases).
    pub fn sample_count(&self) -> usize {
        self.samples.len()
    }

    fn recognise(&self, ty: u32, text: &str, opts: &Options) -> Option<Value> {
        if text.is_empty() {
            return None;
        }
        let t = &self.types[ty as usize];
        let plain = |value: String| Value {
            value,
            unit: None,
            value_type: None,
            free: false,
        };
        match t.kind {
            Kind::Custom => {
                let d = t.dict();
                if text.len() > d.max_len {
                    return None;
                }
                d.map
                    .get(text)
                    .map(|rep| plain(d.reps[*rep as usize].clone()))
            }
            Kind::Number => number::parse_number(text).map(|n| Value {
                value: n.num.text,
                unit: n.unit,
                value_type: None,
                free: false,
            }),
            Kind::WholeNumber => number::parse_whole_number(text).map(plain),
            Kind::DateTime | Kind::DateTimeRecent => {
                datetime::parse_datetime_toward(text, opts.now, t.kind == Kind::DateTimeRecent).map(
                    |v| Value {
                        value: v.value,
                        unit: None,
                        value_type: Some(v.value_type),
                        free: false,
                    },
                )
            }
            Kind::Duration => datetime::parse_duration(text).map(plain),
            Kind::Unit(class) => unit::parse_unit(text, class).map(|u| plain(u.to_string())),
            Kind::Measure(class) => unit::parse_measure(text, class).map(|(n, u)| Value {
                value: n,
                unit: Some(u),
                value_type: None,
                free: false,
            }),
            Kind::Any => Some(Value {
                value: String::new(),
                unit: None,
                value_type: None,
                free: true,
            }),
        }
    }

    /// Match the slots and literals of `elems` (starting with a slot) against all of `text`;
    /// `base` is the byte offset of `text` in the folded utterance.
    fn match_mid(
        &self,
        elems: &[Elem],
        text: &str,
        base: usize,
        opts: &Options,
        hits: &mut Vec<Hit>,
    ) -> bool {
        let Some((Elem::Slot { slot, ty }, rest)) = elems.split_first() else {
            return elems.is_empty() && text.is_empty();
        };
        let try_span = |end: usize, next: usize, rest: &[Elem], hits: &mut Vec<Hit>| -> bool {
            let Some(value) = self.recognise(*ty, &text[..end], opts) else {
                return false;
            };
            hits.push(Hit {
                slot: *slot,
                ty: *ty,
                range: base..base + end,
                value,
            });
            if self.match_mid(rest, &text[next..], base + next, opts, hits) {
                return true;
            }
            hits.pop();
            false
        };
        match rest.first() {
            None => try_span(text.len(), text.len(), rest, hits),
            Some(Elem::Lit(lit)) => {
                let mut from = text.chars().next().map_or(text.len(), char::len_utf8);
                while let Some(off) = text.get(from..).and_then(|t| t.find(&**lit)) {
                    let at = from + off;
                    if try_span(at, at + lit.len(), &rest[1..], hits) {
                        return true;
                    }
                    from = at + lit.chars().next().map_or(1, char::len_utf8);
                }
                false
            }
            Some(Elem::Slot { .. }) => {
                for (end, _) in text.char_indices().skip(1) {
                    if try_span(end, end, rest, hits) {
                        return true;
                    }
                }
                false
            }
        }
    }

    /// Analyse one utterance.
    pub fn analyse(&self, utterance: &str, opts: &Options) -> Analysis {
        self.analyse_after(utterance, opts, None)
    }

    /// Analyse one utterance of a conversation whose previous utterance went to `previous`: a
    /// slot-filling answer (`Model::answer`) goes to that intent when it has the slot.
    pub fn analyse_after(
        &self,
        utterance: &str,
        opts: &Options,
        previous: Option<&str>,
    ) -> Analysis {
        let folded = normalize::fold_mapped(utterance);
        let u = folded.text.as_str();
        // (skeleton, hits)
        let mut found: Vec<(u32, Vec<Hit>)> = Vec::new();
        if let Some(ids) = self.exact.get(u) {
            found.extend(ids.iter().map(|id| (*id, Vec::new())));
        }
        if !u.is_empty() {
            let mut heads: Vec<usize> = vec![0];
            heads.extend(u.char_indices().skip(1).map(|(i, _)| i));
            for &h in heads.iter().take_while(|h| **h <= self.max_head) {
                let Some(edge) = self.edges.get(&u[..h]) else {
                    continue;
                };
                let rest = &u[h..];
                let mut tails: Vec<usize> = vec![rest.len()];
                tails.extend(rest.char_indices().rev().map(|(i, _)| i).filter(|i| *i > 0));
                for t in tails {
                    if rest.len() - t > edge.max_tail {
                        break;
                    }
                    let Some(ids) = edge.tails.get(&rest[t..]) else {
                        continue;
                    };
                    let mid = &rest[..t];
                    for id in ids {
                        let sk = &self.skeletons[*id as usize];
                        let first = usize::from(matches!(sk.elems.first(), Some(Elem::Lit(_))));
                        let last = sk.elems.len()
                            - usize::from(
                                sk.elems.len() > 1 && matches!(sk.elems.last(), Some(Elem::Lit(_))),
                            );
                        let mut hits = Vec::new();
                        if self.match_mid(&sk.elems[first..last], mid, h, opts, &mut hits)
                            && (sk.literal_chars > 0 || hits.iter().all(|h| self.tagged(h, u)))
                        {
                            found.push((*id, hits));
                        }
                    }
                }
            }
        }
        let best = found.into_iter().min_by_key(|(id, hits)| {
            let sk = &self.skeletons[*id as usize];
            (
                self.intents[sk.intent as usize].builtin,
                hits.iter().filter(|h| h.value.free).count(),
                std::cmp::Reverse(sk.literal_chars),
                *id,
            )
        });
        if let Some((id, hits)) = best {
            let sk = &self.skeletons[id as usize];
            let free = hits.iter().any(|h| h.value.free);
            let sample = sk
                .samples
                .iter()
                .find(|s| self.samples[**s as usize].plain == u)
                .or(sk.samples.first())
                .copied();
            return Analysis {
                utterance: utterance.to_string(),
                intent: self.intents[sk.intent as usize].name.clone(),
                kind: MatchKind::Exact,
                confidence: if free { FREE_TEXT_CONFIDENCE } else { 1.0 },
                slots: self.slots_out(sk.intent, &hits, utterance, &folded),
                closest: sample.map(|s| self.closest(s, 1.0)),
            };
        }
        if let Some(a) = self.as_sample(utterance, &folded, opts) {
            return a;
        }
        self.near(utterance, &folded, opts, previous)
    }

    /// A sample said as written whose pattern did not match (a value cekops does not
    /// recognise, such as `내일 점심`): its intent, with its tagged values.
    fn as_sample(
        &self,
        utterance: &str,
        folded: &normalize::Folded,
        opts: &Options,
    ) -> Option<Analysis> {
        let u = folded.text.as_str();
        let plain = self.plain.get_or_init(|| {
            let mut map: Map<Box<str>, u32> = Map::default();
            for (id, s) in self.samples.iter().enumerate() {
                map.entry(s.plain.as_str().into()).or_insert(id as u32);
            }
            map
        });
        let id = *plain.get(u)?;
        let s = &self.samples[id as usize];
        let hits: Vec<Hit> = s
            .tagged
            .iter()
            .map(|(slot, ty, range)| Hit {
                slot: *slot,
                ty: *ty,
                range: range.clone(),
                value: self
                    .recognise(*ty, &u[range.clone()], opts)
                    .unwrap_or(Value {
                        value: String::new(),
                        unit: None,
                        value_type: None,
                        free: true,
                    }),
            })
            .collect();
        let intent = self.skeletons[s.skeleton as usize].intent;
        Some(Analysis {
            utterance: utterance.to_string(),
            intent: self.intents[intent as usize].name.clone(),
            kind: MatchKind::Exact,
            confidence: if hits.iter().any(|h| h.value.free) {
                FREE_TEXT_CONFIDENCE
            } else {
                1.0
            },
            slots: self.slots_out(intent, &hits, utterance, folded),
            closest: Some(self.closest(id, 1.0)),
        })
    }

    /// Whether a slot hit is a value the type knows: a free-text hit only when its text was
    /// tagged in a sample. A pattern that is only slots takes free text no other way, or it
    /// would match every utterance (`ヘルプ`, `취소`).
    fn tagged(&self, hit: &Hit, u: &str) -> bool {
        !hit.value.free
            || u.get(hit.range.clone())
                .is_some_and(|t| self.types[hit.ty as usize].dict().map.contains_key(t))
    }

    fn closest(&self, sample: u32, similarity: f32) -> Closest {
        let s = &self.samples[sample as usize];
        let sk = &self.skeletons[s.skeleton as usize];
        Closest {
            intent: self.intents[sk.intent as usize].name.clone(),
            utterance: s.text.to_string(),
            file: s.file.map(|f| self.files[f as usize].clone()),
            span: s.span.clone(),
            similarity,
        }
    }

    fn slots_out(
        &self,
        intent: u32,
        hits: &[Hit],
        utterance: &str,
        folded: &normalize::Folded,
    ) -> Vec<SlotOut> {
        let info = &self.intents[intent as usize];
        let mut out: Vec<SlotOut> = Vec::new();
        for h in hits {
            let name = &info.slots[usize::from(h.slot)].0;
            if out.iter().any(|o| &o.name == name) {
                continue;
            }
            let src = folded.source_range(h.range.clone());
            let said = utterance.get(src).unwrap_or_default().trim().to_string();
            out.push(SlotOut {
                name: name.clone(),
                slot_type: self.types[h.ty as usize].name.clone(),
                value: if h.value.free {
                    said.clone()
                } else {
                    h.value.value.clone()
                },
                unit: h.value.unit.map(str::to_string),
                value_type: h.value.value_type.map(str::to_string),
                text: said,
            });
        }
        out
    }

    fn knn(&self) -> &knn::Knn {
        self.knn.get_or_init(|| {
            knn::Knn::build(
                self.skeletons
                    .iter()
                    .map(|sk| (sk.text.as_slice(), self.intents[sk.intent as usize].builtin)),
            )
        })
    }

    /// No exact match: the nearest pattern (`knn`), if similar enough.
    fn near(
        &self,
        utterance: &str,
        folded: &normalize::Folded,
        opts: &Options,
        previous: Option<&str>,
    ) -> Analysis {
        let u = folded.text.as_str();
        let none = |closest: Option<Closest>| Analysis {
            utterance: utterance.to_string(),
            intent: self.fallback.clone(),
            kind: MatchKind::None,
            confidence: 0.0,
            slots: Vec::new(),
            closest,
        };
        if u.is_empty() || self.skeletons.is_empty() {
            return none(None);
        }
        let words = folded.word_starts(utterance);
        let mut found: Map<u32, Vec<(Range<usize>, Value)>> = Map::default();
        let (text, spans) = self.abstracted(u, &words, &mut found, opts);
        if let Some(a) = self.answer(utterance, folded, (&text, &spans), &words, &found, previous) {
            return a;
        }
        // built-in intents are near-matched only when very close: their phrases are short and
        // share endings with every domain (`天気を教えて` is not `使い方を教えて`)
        let [custom, builtin] = self.knn().best(&text);
        // a value of one of the intent's custom slot types is evidence of its own
        let evidence = |id: u32, sim: f32| {
            let intent = &self.intents[self.skeletons[id as usize].intent as usize];
            sim >= SLOT_EVIDENCE_THRESHOLD
                && spans.iter().any(|(_, ty)| {
                    self.types[*ty as usize].kind == Kind::Custom
                        && intent.slots.iter().any(|(_, t)| t == ty)
                })
        };
        let custom = custom.map(|(s, id)| (s, id, s >= SIMILARITY_THRESHOLD || evidence(id, s)));
        let builtin = builtin.map(|(s, id)| (s, id, s >= BUILTIN_NEAR_THRESHOLD));
        let best = match (custom, builtin) {
            // a built-in phrase when it is accepted and closer, or neither is and it is closer
            (Some(c), Some(b)) if b.0 > c.0 && (b.2 || !c.2) => Some(b),
            (Some(c), _) => Some(c),
            (None, b) => b,
        };
        let Some((sim, id, accept)) = best else {
            return none(None);
        };
        let sk = &self.skeletons[id as usize];
        let closest = sk.samples.first().map(|s| self.closest(*s, round2(sim)));
        if !accept {
            return none(closest);
        }
        let hits = self.slots_in(sk, u, &words, &spans, &found);
        Analysis {
            utterance: utterance.to_string(),
            intent: self.intents[sk.intent as usize].name.clone(),
            kind: MatchKind::Similar,
            confidence: round2(sim.min(MAX_NEAR_CONFIDENCE)),
            slots: self.slots_out(sk.intent, &hits, utterance, folded),
            closest,
        }
    }

    /// A slot-filling answer (`{size}`, `{duration}で`, `라지요`): an utterance that is only slot
    /// values and at most [`ANSWER_REST`] other characters (a particle). CEK hears it outside any
    /// dialog model (Clova has none): it goes to the intent of the conversation's `previous`
    /// utterance when that intent has slots of the values' types (the extension asked for
    /// one), else to the custom intent with the most samples holding a slot of each of the
    /// values' types (ties: the intent declared first), with the values in its slots — or, when
    /// one of the types is built-in (a number, a date), only when a single intent has such
    /// slots. Confidence [`ANSWER_CONFIDENCE`].
    fn answer(
        &self,
        utterance: &str,
        folded: &normalize::Folded,
        (text, spans): (&[char], &[(Range<usize>, u32)]),
        words: &[usize],
        found: &Map<u32, Vec<(Range<usize>, Value)>>,
        previous: Option<&str>,
    ) -> Option<Analysis> {
        if spans.is_empty() || text.len() > spans.len() + ANSWER_REST {
            return None;
        }
        let has = |sk: &Skeleton, ty: u32| {
            sk.elems
                .iter()
                .any(|e| matches!(e, Elem::Slot { ty: t, .. } if *t == ty))
        };
        // per intent: (samples holding every type, first such skeleton)
        let mut owners: Vec<(u32, usize, u32)> = Vec::new();
        for (id, sk) in self.skeletons.iter().enumerate() {
            if self.intents[sk.intent as usize].builtin || !spans.iter().all(|(_, ty)| has(sk, *ty))
            {
                continue;
            }
            match owners.iter_mut().find(|(i, _, _)| *i == sk.intent) {
                Some(o) => o.1 += sk.samples.len(),
                None => owners.push((sk.intent, sk.samples.len(), id as u32)),
            }
        }
        let asked = owners
            .iter()
            .find(|(i, _, _)| Some(self.intents[*i as usize].name.as_str()) == previous);
        let all_custom = spans
            .iter()
            .all(|(_, ty)| self.types[*ty as usize].kind == Kind::Custom);
        if asked.is_none() && (owners.is_empty() || (!all_custom && owners.len() > 1)) {
            return None;
        }
        let (intent, _, id) = asked
            .or_else(|| {
                owners
                    .iter()
                    .min_by_key(|(i, n, _)| (std::cmp::Reverse(*n), *i))
            })
            .copied()?;
        let sk = &self.skeletons[id as usize];
        let hits = self.slots_in(sk, folded.text.as_str(), words, spans, found);
        Some(Analysis {
            utterance: utterance.to_string(),
            intent: self.intents[intent as usize].name.clone(),
            kind: MatchKind::Similar,
            confidence: ANSWER_CONFIDENCE,
            slots: self.slots_out(intent, &hits, utterance, folded),
            closest: sk
                .samples
                .first()
                .map(|s| self.closest(*s, ANSWER_CONFIDENCE)),
        })
    }

    /// `u` with the values of every slot type the patterns use replaced by the type's
    /// placeholder: longer values first, never overlapping; and the spans replaced (range and
    /// type). `found` caches each type's values.
    fn abstracted(
        &self,
        u: &str,
        words: &[usize],
        found: &mut Map<u32, Vec<(Range<usize>, Value)>>,
        opts: &Options,
    ) -> (Vec<char>, Vec<(Range<usize>, u32)>) {
        let mut spans: Vec<(Range<usize>, u32)> = Vec::new();
        for (ty, t) in self.types.iter().enumerate() {
            if t.kind == Kind::Any {
                continue;
            }
            let values = found
                .entry(ty as u32)
                .or_insert_with(|| self.values_in(ty as u32, u, words, opts));
            spans.extend(values.iter().map(|(r, _)| (r.clone(), ty as u32)));
        }
        spans.sort_by_key(|(r, ty)| (std::cmp::Reverse(r.len()), r.start, *ty));
        let mut taken: Vec<(Range<usize>, u32)> = Vec::new();
        for (r, ty) in spans {
            if !taken
                .iter()
                .any(|(t, _)| t.start < r.end && r.start < t.end)
            {
                taken.push((r, ty));
            }
        }
        taken.sort_by_key(|(r, _)| r.start);
        let mut text = Vec::with_capacity(u.len());
        let mut pos = 0;
        for (r, ty) in &taken {
            text.extend(u[pos..r.start].chars());
            text.push(type_placeholder(*ty));
            pos = r.end;
        }
        text.extend(u[pos..].chars());
        (text, taken)
    }

    /// The slots of a near match found in `u`: the skeleton's slots, then the intent's other
    /// slots (CEK fills any slot of the intent its words hold). A slot takes a value not taken
    /// yet: whole words and longer values first (`ein` is not the value `Ei`), left to right
    /// when the skeleton has several slots of the type. Only the `spans` the utterance was
    /// abstracted with count (`저녁 7시` is a time, not the number 7); `found` holds each type's
    /// values.
    fn slots_in(
        &self,
        sk: &Skeleton,
        u: &str,
        words: &[usize],
        spans: &[(Range<usize>, u32)],
        found: &Map<u32, Vec<(Range<usize>, Value)>>,
    ) -> Vec<Hit> {
        let mut wanted: Vec<(u16, u32)> = Vec::new();
        for e in &sk.elems {
            if let Elem::Slot { slot, ty } = e
                && !wanted.iter().any(|(s, _)| s == slot)
            {
                wanted.push((*slot, *ty));
            }
        }
        let in_skeleton = wanted.len();
        for (i, (_, ty)) in self.intents[sk.intent as usize].slots.iter().enumerate() {
            if self.types[*ty as usize].kind != Kind::Any
                && !wanted.iter().any(|(s, _)| usize::from(*s) == i)
            {
                wanted.push((i as u16, *ty));
            }
        }
        let whole = |r: &Range<usize>| r.end == u.len() || words.binary_search(&r.end).is_ok();
        let mut hits: Vec<Hit> = Vec::new();
        for (k, (slot, ty)) in wanted.iter().enumerate() {
            let Some(values) = found.get(ty) else {
                continue;
            };
            let free = values.iter().filter(|(r, _)| {
                spans.iter().any(|(sr, st)| sr == r && st == ty)
                    && !hits
                        .iter()
                        .any(|h| h.range.start < r.end && r.start < h.range.end)
            });
            let same_type = wanted[..in_skeleton]
                .iter()
                .filter(|(_, t)| t == ty)
                .count();
            let pick = if k < in_skeleton && same_type > 1 {
                free.min_by_key(|(r, _)| r.start)
            } else {
                free.min_by_key(|(r, _)| (!whole(r), std::cmp::Reverse(r.len()), r.start))
            };
            if let Some((range, value)) = pick {
                hits.push(Hit {
                    slot: *slot,
                    ty: *ty,
                    range: range.clone(),
                    value: value.clone(),
                });
            }
        }
        hits.sort_by_key(|h| h.range.start);
        hits
    }

    /// The values of a type in `u`, left to right, not overlapping. Values start at a spoken
    /// word (`words`: folded offsets after a space) when the utterance has spaces, so that
    /// `사과` is not "4"; numbers in digits may start anywhere. Values that are whole words are
    /// taken first, then values followed by more text (a particle: `페퍼로니로`).
    fn values_in(
        &self,
        ty: u32,
        u: &str,
        words: &[usize],
        opts: &Options,
    ) -> Vec<(Range<usize>, Value)> {
        let t = &self.types[ty as usize];
        let mut out: Vec<(Range<usize>, Value)> = Vec::new();
        let max_len = match t.kind {
            Kind::Any => return out,
            Kind::Custom => t.dict().max_len,
            Kind::Number | Kind::WholeNumber => 0,
            Kind::DateTime | Kind::DateTimeRecent | Kind::Duration => 60,
            Kind::Unit(_) | Kind::Measure(_) => 40,
        };
        let at_word = |e: usize| e == u.len() || words.binary_search(&e).is_ok();
        for whole_words in [true, false] {
            let mut s = 0;
            while s < u.len() {
                let step = u[s..].chars().next().map_or(1, char::len_utf8);
                if let Some(r) = out.iter().find(|(r, _)| r.contains(&s)) {
                    s = r.0.end;
                    continue;
                }
                let next_taken = out
                    .iter()
                    .map(|(r, _)| r.start)
                    .filter(|st| *st > s)
                    .min()
                    .unwrap_or(u.len());
                let word_start = words.len() <= 1 || words.binary_search(&s).is_ok();
                let digit = u[s..].starts_with(|c: char| c.is_ascii_digit());
                let hit = match t.kind {
                    Kind::Number | Kind::WholeNumber if word_start || digit => self
                        .number_at(ty, u, s, words, opts)
                        .filter(|(r, _)| r.end <= next_taken),
                    Kind::Number | Kind::WholeNumber => None,
                    _ if !(word_start || digit) => None,
                    _ => {
                        let limit = next_taken.min(s + max_len);
                        let at = |e: usize| self.recognise(ty, &u[s..e], opts).map(|v| (s..e, v));
                        let hit = (s + 1..=limit)
                            .rev()
                            .filter(|e| u.is_char_boundary(*e) && at_word(*e) == whole_words)
                            .find_map(at);
                        // a date or day part said as a word of its own may start a longer
                        // date-time that ends inside a word (`내일 3시에`, `저녁 7시에`): the longer
                        match (&hit, t.kind) {
                            (Some((r, _)), Kind::DateTime | Kind::DateTimeRecent)
                                if whole_words =>
                            {
                                (r.end + 1..=limit)
                                    .rev()
                                    .filter(|e| u.is_char_boundary(*e))
                                    .find_map(at)
                                    .or(hit)
                            }
                            _ => hit,
                        }
                    }
                };
                match hit {
                    Some((r, v)) => {
                        s = r.end;
                        out.push((r, v));
                    }
                    None => s += step,
                }
            }
            if matches!(t.kind, Kind::Number | Kind::WholeNumber) {
                break;
            }
        }
        out.sort_by_key(|(r, _)| r.start);
        out
    }

    /// A number (with its counter) starting at `s`: digits anywhere; spelled numbers only when
    /// a counter follows or the word ends.
    fn number_at(
        &self,
        ty: u32,
        u: &str,
        s: usize,
        words: &[usize],
        opts: &Options,
    ) -> Option<(Range<usize>, Value)> {
        let rest = &u[s..];
        let digit = rest.starts_with(|c: char| c.is_ascii_digit() || c == '-');
        for (_, len) in number::prefixes(rest).into_iter().rev() {
            let mut end = s + len;
            let counter = number::counter_at(&u[end..]);
            if let Some((_, clen)) = counter {
                end += clen;
            }
            let bounded = end == u.len() || words.binary_search(&end).is_ok();
            if !(digit || counter.is_some() || bounded) {
                continue;
            }
            if let Some(v) = self.recognise(ty, &u[s..end], opts) {
                return Some((s..end, v));
            }
        }
        None
    }
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests;
