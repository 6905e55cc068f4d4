//! Rules that need the offline matcher ([`crate::nlu`]): store example phrases must reach an
//! intent, and two intents must not share an utterance pattern.
//!
//! Both run on one light pass over the samples ([`nlu::scan`]); the full matcher is compiled
//! only for a phrase that matches no sample pattern exactly (it may still be a near match).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::BuildHasher;

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::model::Intent;
use crate::model::SharedStr;
use crate::model::Sp;
use crate::nlu;
use crate::nlu::Model;
use crate::nlu::launch::Spoken;
use crate::nlu::scan;
use crate::utterance;

type SampleRef<'a> = (&'a Intent, &'a Sp<SharedStr>);

pub fn check(ctx: &mut Ctx<'_>) {
    let ext = ctx.ext;
    let lang = ext.language().unwrap_or(crate::model::Language::Korean);
    let names: Vec<String> = ext
        .info
        .as_ref()
        .map(|i| {
            i.invocation_names
                .value
                .iter()
                .map(|n| n.value.clone())
                .collect()
        })
        .unwrap_or_default();
    // The store phrases that ask the extension for something (a launch always works). Without
    // readable basic information (invocation names) or with an unreadable model file, whether a
    // phrase matches cannot be told: that file's own finding says what is wrong.
    let model_complete = ext.info.is_some() && ext.unreadable.is_empty();
    let requests: Vec<(&Sp<String>, String)> = ext
        .store
        .as_ref()
        .map(|s| s.store.value.example_phrases.value.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|p| model_complete && !p.value.trim().is_empty())
        .filter_map(|p| match nlu::launch::split(&p.value, lang, &names) {
            Spoken::Launch => None,
            Spoken::Request(r) => Some((p, r)),
        })
        .collect();
    let has_slots = ext.intents.iter().any(|i| !i.def.slots.value.is_empty());
    if requests.is_empty() && (ext.intents.len() < 2 || !has_slots) {
        return;
    }
    // One pass: patterns by hash (ambiguity), and the patterns each request could match.
    let mut types = scan::Types::new(ext);
    // Keyed by a 64-bit hash of the pattern (a fixed seed: findings do not vary between runs);
    // a clash is confirmed on the patterns themselves before it is reported.
    let hasher = foldhash::quality::FixedState::with_seed(0x17);
    let mut first: HashMap<u64, SampleRef<'_>, foldhash::fast::FixedState> = HashMap::default();
    let mut clashes: Vec<(SampleRef<'_>, SampleRef<'_>)> = Vec::new();
    let mut candidates: Vec<Vec<String>> = vec![Vec::new(); requests.len()];
    scan::for_each_sample(ext, ctx.samples, &mut types, |s| {
        if s.has_slots {
            match first.entry(hasher.hash_one(s.pattern)) {
                Entry::Vacant(v) => {
                    v.insert((s.intent, s.utterance));
                }
                Entry::Occupied(o) => {
                    let (intent, utt) = *o.get();
                    // (intent names are unique in an extension: the same intent is the same name)
                    if !std::ptr::eq(intent, s.intent) && intent.name != s.intent.name {
                        clashes.push(((intent, utt), (s.intent, s.utterance)));
                    }
                }
            }
        }
        if requests.is_empty() {
            return;
        }
        let edges = scan::edges(s.pattern);
        for (k, (_, r)) in requests.iter().enumerate() {
            if scan::could_match_with(s.pattern, edges, r) {
                candidates[k].push(s.pattern.to_string());
            }
        }
    });
    ambiguous_patterns(ctx, &types, &clashes);
    let unmatched: Vec<&(&Sp<String>, String)> = requests
        .iter()
        .zip(&candidates)
        .filter(|((_, r), cands)| !cands.iter().any(|p| scan::matches(p, r, &types)))
        .map(|(r, _)| r)
        .collect();
    if !unmatched.is_empty() {
        store_phrases(ctx, &unmatched);
    }
}

/// Phrases that match no pattern exactly: the full matcher decides (built-in phrases, near
/// matches).
fn store_phrases(ctx: &mut Ctx<'_>, unmatched: &[&(&Sp<String>, String)]) {
    let ext = ctx.ext;
    let model = Model::compile(ext);
    let path = ext.path("store.toml");
    // "Now" does not matter for whether a phrase matches.
    let opts = nlu::Options {
        now: nlu::DateTime::parse("2026-01-01T12:00:00").unwrap_or_else(nlu::DateTime::now_utc9),
    };
    for (phrase, request) in unmatched {
        let a = model.analyse(request, &opts);
        if a.kind != nlu::MatchKind::None {
            continue;
        }
        let mut d = Diagnostic::new(
            Code::StorePhraseUnmatched,
            format!(
                "example phrase `{}` matches no intent (it would go to `{}`)",
                phrase.value, a.intent
            ),
        )
        .at(path.clone(), phrase.span.clone())
        .label("no sample utterance is close");
        if let Some(c) = &a.closest
            && let Some(file) = &c.file
        {
            d = d.related(
                file.clone(),
                c.span.clone(),
                format!(
                    "closest sample (`{}`, {:.0}% alike)",
                    c.intent,
                    c.similarity * 100.0
                ),
            );
        }
        d = d.hint("Skill Store phrases must work by voice: add a matching sample utterance, or reword the phrase (`cekops test <ID> \"<phrase>\"` shows the analysis)");
        ctx.push_review(d);
    }
}

/// The sample as written with each slot tag replaced by `<slot>`.
fn display_pattern(text: &str) -> String {
    match utterance::parse(text) {
        Ok(segs) => segs
            .iter()
            .map(|s| match s {
                utterance::Segment::Text(t) => (*t).to_string(),
                utterance::Segment::Slot { name, .. } => format!("<{name}>"),
            })
            .collect(),
        Err(_) => text.to_string(),
    }
}

fn ambiguous_patterns<'a>(
    ctx: &mut Ctx<'_>,
    types: &scan::Types<'a>,
    clashes: &[(SampleRef<'a>, SampleRef<'a>)],
) {
    let mut reported: std::collections::HashSet<(&str, &str, String)> = Default::default();
    for ((i1, u1), (i2, u2)) in clashes {
        let (Some(p1), Some(p2)) = (
            scan::pattern_of(i1, &u1.value, types),
            scan::pattern_of(i2, &u2.value, types),
        ) else {
            continue;
        };
        // the same words are `ambiguous-utterance`; report each pair of intents once
        if p1 != p2
            || scan::plain(&u1.value) == scan::plain(&u2.value)
            || !reported.insert((&i1.name, &i2.name, p1))
        {
            continue;
        }
        ctx.push(
            Diagnostic::new(
                Code::AmbiguousPattern,
                format!(
                    "utterance pattern `{}` is in intents `{}` and `{}`",
                    display_pattern(&u2.value),
                    i1.name,
                    i2.name
                ),
            )
            .at(i2.file.clone(), u2.span.clone())
            .label("same words and slot types as a sample of another intent")
            .related(i1.file.clone(), u1.span.clone(), format!("pattern in `{}`", i1.name))
            .hint("with only the slot values differing, CEK cannot tell the intents apart: keep the pattern in one intent, or use different slot types"),
        );
    }
}
