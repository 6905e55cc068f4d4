//! Rules that need the offline matcher ([`crate::nlu`]): store example phrases must reach an
//! intent, and two intents must not share an utterance pattern.

use std::collections::HashMap;

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::nlu;
use crate::nlu::Model;
use crate::nlu::launch::Spoken;
use crate::utterance;

pub fn check(ctx: &mut Ctx<'_>) {
    let ext = ctx.ext;
    let phrases = ext
        .store
        .as_ref()
        .map(|s| s.store.value.example_phrases.value.as_slice())
        .unwrap_or_default();
    let has_slots = ext.intents.iter().any(|i| !i.def.slots.value.is_empty());
    if phrases.is_empty() && (ext.intents.len() < 2 || !has_slots) {
        return;
    }
    let model = Model::compile(ext);
    store_phrases(ctx, &model);
    ambiguous_patterns(ctx, &model);
}

fn store_phrases(ctx: &mut Ctx<'_>, model: &Model<'_>) {
    let ext = ctx.ext;
    let Some(store) = &ext.store else { return };
    let Some(info) = &ext.info else { return };
    let names: Vec<String> = info
        .invocation_names
        .value
        .iter()
        .map(|n| n.value.clone())
        .collect();
    let path = ext.path("store.toml");
    // "Now" does not matter for whether a phrase matches.
    let opts = nlu::Options {
        now: nlu::DateTime::parse("2026-01-01T12:00:00").unwrap_or_else(nlu::DateTime::now_utc9),
    };
    for phrase in &store.store.value.example_phrases.value {
        if phrase.value.trim().is_empty() {
            continue;
        }
        let Spoken::Request(request) = nlu::launch::split(&phrase.value, model.language(), &names)
        else {
            continue;
        };
        let a = model.analyse(&request, &opts);
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

fn ambiguous_patterns(ctx: &mut Ctx<'_>, model: &Model<'_>) {
    // pattern → (intent, file, span, plain text)
    let mut first: HashMap<&str, (&str, &str, std::ops::Range<usize>, &str)> = HashMap::new();
    let mut reported: std::collections::HashSet<(&str, &str, &str)> = Default::default();
    let mut out = Vec::new();
    for s in model.samples() {
        let Some(file) = s.file else { continue };
        if !s.has_slots {
            continue;
        }
        match first.get(s.pattern) {
            None => {
                first.insert(s.pattern, (s.intent, file, s.span.clone(), s.plain));
            }
            Some((intent, ofile, ospan, oplain)) => {
                // the same words are `ambiguous-utterance`; report each pair of intents once
                if *intent == s.intent
                    || *oplain == s.plain
                    || !reported.insert((s.pattern, intent, s.intent))
                {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        Code::AmbiguousPattern,
                        format!(
                            "utterance pattern `{}` is in intents `{intent}` and `{}`",
                            display_pattern(s.text),
                            s.intent
                        ),
                    )
                    .at(file, s.span.clone())
                    .label("same words and slot types as a sample of another intent")
                    .related(*ofile, ospan.clone(), format!("pattern in `{intent}`"))
                    .hint("with only the slot values differing, CEK cannot tell the intents apart: keep the pattern in one intent, or use different slot types"),
                );
            }
        }
    }
    for d in out {
        ctx.push(d);
    }
}
