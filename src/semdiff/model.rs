//! The interaction model: built-in lists, intents (with rename detection), slot types.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::HashSet;

use foldhash::fast::FixedState;
use indexmap::IndexMap;
use rayon::prelude::*;

use super::Builder;
use super::Change;
use super::Key;
use super::RENAME_THRESHOLD;
use super::SlotRef;
use super::strs;
use crate::model;
use crate::utterance;

// ---------------------------------------------------------------------------------------------
// Interaction model

pub(super) fn interaction_model(
    b: &mut Builder,
    old: Option<&model::Extension>,
    new: Option<&model::Extension>,
) {
    let oi = old.and_then(|e| e.info.as_ref());
    let ni = new.and_then(|e| e.info.as_ref());
    b.list(
        "builtin_intents",
        oi.map(|i| strs(&i.builtin_intents)).unwrap_or_default(),
        ni.map(|i| strs(&i.builtin_intents)).unwrap_or_default(),
        Key::Exact,
        true,
    );
    b.list(
        "builtin_slot_types",
        oi.map(|i| strs(&i.builtin_slot_types)).unwrap_or_default(),
        ni.map(|i| strs(&i.builtin_slot_types)).unwrap_or_default(),
        Key::Exact,
        false,
    );
    let (old_intents, new_intents) = rayon::join(|| intent_views(old), || intent_views(new));
    intents(b, &old_intents, &new_intents);
    let (old_types, new_types) = rayon::join(|| type_views(old), || type_views(new));
    slot_types(b, &old_types, &new_types);
}

/// Append `text` normalised like [`utterance::normalize`]; `space` carries a pending space
/// between calls and whitespace is dropped while `out` is no longer than `start`.
fn normalize_into(out: &mut String, text: &str, space: &mut bool, start: usize) {
    utterance::push_normalized(out, start, space, text);
}

/// [`utterance::normalize`] of `text`.
pub(super) fn normalized(text: &str) -> String {
    utterance::normalize(text)
}

/// The comparison key of a sample utterance: text and slot values normalised with
/// [`utterance::normalize`], slot names kept as written. Malformed tags: the whole text normalised.
pub fn utterance_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    utterance_key_into(&mut out, text, &mut Vec::new());
    out
}

/// [`utterance_key`] appended to `out` (empty when called); `segments` is room for the parsed
/// tags, reused from one utterance to the next.
fn utterance_key_into<'a>(
    out: &mut String,
    text: &'a str,
    segments: &mut Vec<utterance::Segment<'a>>,
) {
    if !text.contains('<') {
        utterance::normalize_into(text, out);
        return;
    }
    if utterance::parse_into(text, segments).is_err() {
        utterance::normalize_into(text, out);
        return;
    }
    let mut space = false;
    for seg in segments.iter() {
        match seg {
            utterance::Segment::Text(t) => normalize_into(out, t, &mut space, 0),
            utterance::Segment::Slot { name, value, .. } => {
                if space {
                    out.push(' ');
                    space = false;
                }
                out.push('<');
                out.push_str(name);
                out.push('>');
                let start = out.len();
                normalize_into(out, value, &mut false, start);
                out.push_str("</");
                out.push_str(name);
                out.push('>');
            }
        }
    }
}

/// A comparison key: the text itself when normalising leaves it as it is (most utterances and
/// values as written), so that no copy is kept.
type KeyText<'a> = Cow<'a, str>;

/// `key` of `text` (computed in `scratch`) as a [`KeyText`]: borrowed when it equals `text`.
fn key_of<'a>(
    scratch: &mut String,
    text: &'a str,
    key: impl FnOnce(&mut String, &'a str),
) -> KeyText<'a> {
    scratch.clear();
    key(scratch, text);
    if scratch.as_str() == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(scratch.clone())
    }
}

fn intent_views(e: Option<&model::Extension>) -> Vec<IntentView<'_>> {
    e.map(|e| e.intents.par_iter().map(IntentView::new).collect())
        .unwrap_or_default()
}

fn type_views(e: Option<&model::Extension>) -> Vec<TypeView<'_>> {
    e.map(|e| e.slot_types.par_iter().map(TypeView::new).collect())
        .unwrap_or_default()
}

/// Normalised key → what it stands for, in file order (duplicate keys keep the first).
type Keyed<'a, V> = IndexMap<KeyText<'a>, V, FixedState>;

/// An intent prepared for comparison.
struct IntentView<'a> {
    name: &'a str,
    /// Utterance key → the utterance as written.
    utterances: Keyed<'a, &'a str>,
    slots: Vec<(&'a str, &'a str)>,
}

impl<'a> IntentView<'a> {
    fn new(intent: &'a model::Intent) -> Self {
        let list = &intent.def.utterances;
        let mut utterances = Keyed::with_capacity_and_hasher(list.len(), FixedState::default());
        let mut scratch = String::new();
        let mut segments = Vec::new();
        for u in list.iter() {
            let k = key_of(&mut scratch, &u.value, |out, text| {
                utterance_key_into(out, text, &mut segments)
            });
            if !k.is_empty() {
                utterances.entry(k).or_insert(u.value.as_str());
            }
        }
        let slots = intent
            .def
            .slots
            .iter()
            .map(|(k, v)| (k.value.as_str(), v.value.as_str()))
            .collect();
        Self {
            name: &intent.name,
            utterances,
            slots,
        }
    }
}

/// A slot type prepared for comparison: normalised value → (value as written, synonyms by
/// normalised synonym). Values listed twice have their synonyms merged.
struct TypeView<'a> {
    name: &'a str,
    values: Keyed<'a, (&'a str, Keyed<'a, &'a str>)>,
}

impl<'a> TypeView<'a> {
    fn new(t: &'a model::SlotType) -> Self {
        let mut values: Keyed<'a, (&'a str, Keyed<'a, &'a str>)> =
            Keyed::with_capacity_and_hasher(t.values.len(), FixedState::default());
        let mut scratch = String::new();
        let norm: fn(&mut String, &str) = |out, text| utterance::normalize_into(text, out);
        for v in &t.values {
            let k = key_of(&mut scratch, &v.value.value, norm);
            if k.is_empty() {
                continue;
            }
            let entry = values
                .entry(k)
                .or_insert_with(|| (v.value.value.as_str(), Keyed::default()));
            for s in &v.synonyms {
                let sk = key_of(&mut scratch, &s.value, norm);
                if !sk.is_empty() {
                    entry.1.entry(sk).or_insert(s.value.as_str());
                }
            }
        }
        Self {
            name: &t.name,
            values,
        }
    }
}

/// Jaccard similarity of two key sets (0 when either is empty).
fn jaccard<A, B>(a: &Keyed<'_, A>, b: &Keyed<'_, B>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let inter = if a.len() <= b.len() {
        a.keys().filter(|k| b.contains_key(*k)).count()
    } else {
        b.keys().filter(|k| a.contains_key(*k)).count()
    };
    let union = a.len() + b.len() - inter;
    inter as f64 / union as f64
}

/// Pair items present only on the old side with items present only on the new side whose key
/// sets are similar enough: best pairs first, each item used once. Returns (old, new, similarity).
fn match_renames<T: Sync>(
    old: &[T],
    new: &[T],
    removed: &[usize],
    added: &[usize],
    similarity: &(dyn Fn(&T, &T) -> f64 + Sync),
) -> Vec<(usize, usize, f64)> {
    let mut candidates: Vec<(usize, usize, f64)> = removed
        .par_iter()
        .flat_map_iter(|&o| {
            added.iter().filter_map(move |&n| {
                let s = similarity(&old[o], &new[n]);
                (s >= RENAME_THRESHOLD).then_some((o, n, s))
            })
        })
        .collect();
    candidates.sort_by(|a, b| {
        b.2.total_cmp(&a.2)
            .then_with(|| a.0.cmp(&b.0))
            .then_with(|| a.1.cmp(&b.1))
    });
    let mut used_old = HashSet::new();
    let mut used_new = HashSet::new();
    let mut out = Vec::new();
    for (o, n, s) in candidates {
        if used_old.contains(&o) || used_new.contains(&n) {
            continue;
        }
        used_old.insert(o);
        used_new.insert(n);
        out.push((o, n, s));
    }
    out
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// (old, new, rename similarity) pairs by name, with renames detected; sorted by the name shown
/// (the new name, or the old one for removals).
type Pair<'v, T> = (Option<&'v T>, Option<&'v T>, Option<f64>);

fn pair_up<'v, T: Sync>(
    old: &'v [T],
    new: &'v [T],
    name: impl Fn(&T) -> &str,
    similarity: &(dyn Fn(&T, &T) -> f64 + Sync),
) -> Vec<Pair<'v, T>> {
    let new_by_name: HashMap<&str, usize> =
        new.iter().enumerate().map(|(i, t)| (name(t), i)).collect();
    let old_by_name: HashMap<&str, usize> =
        old.iter().enumerate().map(|(i, t)| (name(t), i)).collect();
    let removed: Vec<usize> = (0..old.len())
        .filter(|&i| !new_by_name.contains_key(name(&old[i])))
        .collect();
    let added: Vec<usize> = (0..new.len())
        .filter(|&i| !old_by_name.contains_key(name(&new[i])))
        .collect();
    let renames = match_renames(old, new, &removed, &added, similarity);
    let renamed_old: HashMap<usize, (usize, f64)> =
        renames.iter().map(|(o, n, s)| (*o, (*n, *s))).collect();
    let renamed_new: HashSet<usize> = renames.iter().map(|(_, n, _)| *n).collect();
    let mut pairs = Vec::new();
    for (i, t) in old.iter().enumerate() {
        if let Some(&j) = new_by_name.get(name(t)) {
            pairs.push((Some(t), Some(&new[j]), None));
        } else if let Some(&(j, s)) = renamed_old.get(&i) {
            pairs.push((Some(t), Some(&new[j]), Some(round2(s))));
        } else {
            pairs.push((Some(t), None, None));
        }
    }
    for (j, t) in new.iter().enumerate() {
        if !old_by_name.contains_key(name(t)) && !renamed_new.contains(&j) {
            pairs.push((None, Some(t), None));
        }
    }
    pairs.sort_by(|a, b| {
        let ka = a.1.or(a.0).map(&name).unwrap_or_default();
        let kb = b.1.or(b.0).map(&name).unwrap_or_default();
        ka.cmp(kb)
    });
    pairs
}

/// Run `body` for each pair, appending the changes in pair order. On one thread, straight into
/// `b`: what the body does per change is a string copy or two, cheaper than gathering the
/// changes of parallel runs and copying them all once more (tens of megabytes when every
/// utterance changed); the parallel work is in building the views and matching renames.
fn each_pair<T>(b: &mut Builder, pairs: &[Pair<'_, T>], body: impl Fn(&mut Builder, &Pair<'_, T>)) {
    for p in pairs {
        body(b, p);
    }
}

fn intents(b: &mut Builder, old: &[IntentView<'_>], new: &[IntentView<'_>]) {
    let similarity = |a: &IntentView<'_>, b: &IntentView<'_>| jaccard(&a.utterances, &b.utterances);
    let pairs = pair_up(old, new, |i| i.name, &similarity);
    each_pair(b, &pairs, |b, &(o, n, similarity)| match (o, n) {
        (Some(o), None) => b.push(
            Change::IntentRemoved {
                intent: o.name.to_string(),
                utterances: o.utterances.len(),
            },
            true,
        ),
        (None, Some(n)) => {
            b.push(
                Change::IntentAdded {
                    intent: n.name.to_string(),
                    utterances: n.utterances.len(),
                    slots: n
                        .slots
                        .iter()
                        .map(|(s, t)| SlotRef {
                            slot: s.to_string(),
                            slot_type: t.to_string(),
                        })
                        .collect(),
                },
                false,
            );
            for text in n.utterances.values() {
                b.push(
                    Change::UtteranceAdded {
                        intent: n.name.to_string(),
                        utterance: text.to_string(),
                    },
                    false,
                );
            }
        }
        (Some(o), Some(n)) => {
            if let Some(similarity) = similarity {
                b.push(
                    Change::IntentRenamed {
                        from: o.name.to_string(),
                        to: n.name.to_string(),
                        similarity,
                    },
                    true,
                );
            }
            intent_body(b, o, n);
        }
        (None, None) => {}
    });
}

fn intent_body(b: &mut Builder, o: &IntentView<'_>, n: &IntentView<'_>) {
    let intent = n.name;
    let old_slots: HashMap<&str, &str> = o.slots.iter().copied().collect();
    let new_slots: HashMap<&str, &str> = n.slots.iter().copied().collect();
    for (slot, ty) in &o.slots {
        match new_slots.get(slot) {
            None => b.push(
                Change::SlotRemoved {
                    intent: intent.to_string(),
                    slot: slot.to_string(),
                    slot_type: ty.to_string(),
                },
                true,
            ),
            Some(nt) if nt.trim() != ty.trim() => b.push(
                Change::SlotRetyped {
                    intent: intent.to_string(),
                    slot: slot.to_string(),
                    old: ty.to_string(),
                    new: nt.to_string(),
                },
                false,
            ),
            Some(_) => {}
        }
    }
    for (slot, ty) in &n.slots {
        if !old_slots.contains_key(slot) {
            b.push(
                Change::SlotAdded {
                    intent: intent.to_string(),
                    slot: slot.to_string(),
                    slot_type: ty.to_string(),
                },
                false,
            );
        }
    }
    for (k, text) in &o.utterances {
        if !n.utterances.contains_key(k) {
            b.push(
                Change::UtteranceRemoved {
                    intent: intent.to_string(),
                    utterance: text.to_string(),
                },
                false,
            );
        }
    }
    for (k, text) in &n.utterances {
        if !o.utterances.contains_key(k) {
            b.push(
                Change::UtteranceAdded {
                    intent: intent.to_string(),
                    utterance: text.to_string(),
                },
                false,
            );
        }
    }
}

fn slot_types(b: &mut Builder, old: &[TypeView<'_>], new: &[TypeView<'_>]) {
    let similarity = |a: &TypeView<'_>, b: &TypeView<'_>| jaccard(&a.values, &b.values);
    let pairs = pair_up(old, new, |t| t.name, &similarity);
    each_pair(b, &pairs, |b, &(o, n, similarity)| match (o, n) {
        (Some(o), None) => b.push(
            Change::SlotTypeRemoved {
                slot_type: o.name.to_string(),
                values: o.values.len(),
            },
            true,
        ),
        (None, Some(n)) => {
            b.push(
                Change::SlotTypeAdded {
                    slot_type: n.name.to_string(),
                    values: n.values.len(),
                },
                false,
            );
            for (value, synonyms) in n.values.values() {
                b.push(
                    Change::ValueAdded {
                        slot_type: n.name.to_string(),
                        value: value.to_string(),
                        synonyms: synonyms.values().map(|s| s.to_string()).collect(),
                    },
                    false,
                );
            }
        }
        (Some(o), Some(n)) => {
            if let Some(similarity) = similarity {
                b.push(
                    Change::SlotTypeRenamed {
                        from: o.name.to_string(),
                        to: n.name.to_string(),
                        similarity,
                    },
                    false,
                );
            }
            slot_type_body(b, o, n);
        }
        (None, None) => {}
    });
}

fn slot_type_body(b: &mut Builder, o: &TypeView<'_>, n: &TypeView<'_>) {
    let ty = n.name;
    for (k, (value, _)) in &o.values {
        if !n.values.contains_key(k) {
            b.push(
                Change::ValueRemoved {
                    slot_type: ty.to_string(),
                    value: value.to_string(),
                },
                true,
            );
        }
    }
    for (k, (value, synonyms)) in &n.values {
        match o.values.get(k) {
            None => b.push(
                Change::ValueAdded {
                    slot_type: ty.to_string(),
                    value: value.to_string(),
                    synonyms: synonyms.values().map(|s| s.to_string()).collect(),
                },
                false,
            ),
            Some((_, old_syn)) => {
                for (sk, s) in old_syn {
                    if !synonyms.contains_key(sk) {
                        b.push(
                            Change::SynonymRemoved {
                                slot_type: ty.to_string(),
                                value: value.to_string(),
                                synonym: s.to_string(),
                            },
                            true,
                        );
                    }
                }
                for (sk, s) in synonyms {
                    if !old_syn.contains_key(sk) {
                        b.push(
                            Change::SynonymAdded {
                                slot_type: ty.to_string(),
                                value: value.to_string(),
                                synonym: s.to_string(),
                            },
                            false,
                        );
                    }
                }
            }
        }
    }
}
