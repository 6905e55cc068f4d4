//! Interaction-model rules (spec §3): intents, slots, utterances, slot types.

use std::collections::HashMap;

use super::Ctx;
use super::lang;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::utterance;

fn valid_model_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
}

pub fn check(ctx: &mut Ctx<'_>) {
    let ext = ctx.ext;
    let lang = ext.language();
    let builtin_types: Vec<&str> = ext
        .info
        .as_ref()
        .map(|i| {
            i.builtin_slot_types
                .value
                .iter()
                .map(|t| t.value.as_str())
                .collect()
        })
        .unwrap_or_default();
    // slot types
    let mut by_lower: HashMap<String, &crate::load::SlotType> = HashMap::new();
    for st in &ext.slot_types {
        if let Some(first) = by_lower.get(&st.name.to_lowercase()) {
            ctx.push(
                Diagnostic::new(
                    Code::DuplicateSlotType,
                    format!("slot type `{}` is defined twice", st.name),
                )
                .at(st.file.clone(), 0..0)
                .related(first.file.clone(), 0..0, "also defined here")
                .hint("keep one file per slot type: either `.toml` or the console's `.tsv`"),
            );
        } else {
            by_lower.insert(st.name.to_lowercase(), st);
        }
        if !valid_model_name(&st.name) || st.name.starts_with("CLOVA.") {
            ctx.push(
                Diagnostic::new(
                    Code::IntentNameInvalid,
                    format!("`{}` cannot be a custom slot type name", st.name),
                )
                .at(st.file.clone(), 0..0)
                .hint("use letters, digits and `_` (e.g. `PIZZA_TYPE`); the `CLOVA.` prefix is reserved for built-in types"),
            );
        }
        check_slot_type(ctx, st);
    }
    // intents
    let mut intents_lower: HashMap<String, &crate::load::Intent> = HashMap::new();
    let mut used_types: std::collections::HashSet<&str> = Default::default();
    // normalized plain utterance -> (intent, file, span)
    let mut all_utts: HashMap<String, (&str, &str, std::ops::Range<usize>)> = HashMap::new();
    for intent in &ext.intents {
        let file = intent.file.as_str();
        if intent.name.starts_with("Clova.") {
            ctx.push(
                Diagnostic::new(
                    Code::IntentNameReserved,
                    format!("custom intent `{}` uses the reserved `Clova.` prefix", intent.name),
                )
                .at(file, 0..0)
                .hint("built-in intents are declared in `extension.toml` `builtin_intents`; rename the custom intent"),
            );
        } else if !valid_model_name(&intent.name) {
            ctx.push(
                Diagnostic::new(
                    Code::IntentNameInvalid,
                    format!("`{}` cannot be an intent name", intent.name),
                )
                .at(file, 0..0)
                .hint(
                    "name intents with letters, digits and `_`, after the verb (e.g. `OrderPizza`)",
                ),
            );
        }
        if let Some(first) = intents_lower.get(&intent.name.to_lowercase()) {
            ctx.push(
                Diagnostic::new(
                    Code::DuplicateIntent,
                    format!("intents `{}` and `{}` differ only in case", first.name, intent.name),
                )
                .at(file, 0..0)
                .related(first.file.clone(), 0..0, "the other intent")
                .hint("intent names are case-sensitive, but such names confuse people and break on case-insensitive file systems"),
            );
        } else {
            intents_lower.insert(intent.name.to_lowercase(), intent);
        }
        let def = &intent.def;
        let mut has_dt = None;
        let mut has_dt_recent = None;
        for (slot, ty) in &def.slots.value {
            used_types.insert(ty.value.as_str());
            let custom = ext.slot_type(&ty.value).is_some()
                || [".toml", ".tsv"].iter().any(|suffix| {
                    ext.unreadable.contains(&ext.path(&format!(
                        "interaction-model/slot-types/{}{suffix}",
                        ty.value
                    )))
                });
            let builtin = builtin_types.contains(&ty.value.as_str());
            if ty.value == "CLOVA.DATETIME" {
                has_dt = Some(ty.span.clone());
            }
            if ty.value == "CLOVA.DATETIME_RECENT" {
                has_dt_recent = Some(ty.span.clone());
            }
            // Without a readable extension.toml the declared built-in types are unknown.
            let unknowable = ext.info.is_none() && ty.value.starts_with("CLOVA.");
            if !custom && !builtin && !unknowable {
                let mut d = Diagnostic::new(
                    Code::UnknownSlotType,
                    format!(
                        "slot `{}` has type `{}`, which is not declared",
                        slot.value, ty.value
                    ),
                )
                .at(file, ty.span.clone());
                d = match lang {
                    Some(l) if lang::is_builtin_slot_type(l, &ty.value) => d.hint(format!(
                        "`{}` is a built-in type: add it to `builtin_slot_types` in extension.toml",
                        ty.value
                    )),
                    _ => {
                        let mut cands: Vec<String> =
                            ext.slot_types.iter().map(|s| s.name.clone()).collect();
                        cands.extend(builtin_types.iter().map(|s| s.to_string()));
                        match crate::load::closest(&ty.value, &cands) {
                            Some(best) => d.hint(format!("did you mean `{best}`?")),
                            None => d.hint(format!(
                                "create `{}/interaction-model/slot-types/{}.toml`",
                                ext.dir, ty.value
                            )),
                        }
                    }
                };
                ctx.push(d);
            }
        }
        if let (Some(a), Some(b)) = (has_dt, has_dt_recent) {
            ctx.push(
                Diagnostic::new(
                    Code::DatetimeConflict,
                    format!("intent `{}` uses both `CLOVA.DATETIME` and `CLOVA.DATETIME_RECENT`", intent.name),
                )
                .at(file, b)
                .related(file, a, "`CLOVA.DATETIME` here")
                .hint("an intent can use only one of them: DATETIME for now or later, DATETIME_RECENT for now or earlier"),
            );
        }
        let utts = &def.utterances;
        if utts.value.len() > 2000 {
            ctx.push(
                Diagnostic::new(
                    Code::UtteranceCount,
                    format!(
                        "intent `{}` has {} sample utterances; at most 2,000",
                        intent.name,
                        utts.value.len()
                    ),
                )
                .at(file, utts.span.clone())
                .hint("more utterances do not mean better recognition; keep distinct patterns"),
            );
        }
        if utts.value.is_empty() {
            ctx.push(
                Diagnostic::new(
                    Code::NoUtterances,
                    format!("intent `{}` has no sample utterances", intent.name),
                )
                .at(file, utts.span.clone())
                .hint("add about 10 for a simple intent, 30 or more for one with slots"),
            );
        }
        let source = ctx.sources.get(file).unwrap_or("");
        let mut used_slots: std::collections::HashSet<&str> = Default::default();
        let mut seen: HashMap<String, std::ops::Range<usize>> = HashMap::new();
        for u in &utts.value {
            let text = u.value.as_str();
            let at = |off: usize| utterance::source_offset(source, &u.span, text, off);
            if text.trim().is_empty() {
                ctx.push(
                    Diagnostic::new(Code::EmptyUtterance, "empty sample utterance")
                        .at(file, u.span.clone()),
                );
                continue;
            }
            let segs = match utterance::parse(text) {
                Ok(s) => s,
                Err(e) => {
                    ctx.push(
                        Diagnostic::new(Code::UtteranceTag, e.message)
                            .at(file, at(e.span.start)..at(e.span.end))
                            .hint("tag a slot value as `<slotName>value</slotName>`"),
                    );
                    continue;
                }
            };
            for seg in &segs {
                if let utterance::Segment::Slot { name, span, .. } = seg {
                    if def.slots.value.keys().any(|k| k.value == *name) {
                        used_slots.insert(name);
                    } else {
                        let cands: Vec<String> =
                            def.slots.value.keys().map(|k| k.value.clone()).collect();
                        let mut d = Diagnostic::new(
                            Code::UnknownSlot,
                            format!(
                                "tag `<{name}>` names a slot that intent `{}` does not declare",
                                intent.name
                            ),
                        )
                        .at(file, at(span.start)..at(span.start + name.len() + 2));
                        d = match crate::load::closest(name, &cands) {
                            Some(best) => d.hint(format!("did you mean `{best}`?")),
                            None => {
                                d.hint(format!("declare it under `slots`: `{name} = \"<TYPE>\"`"))
                            }
                        };
                        ctx.push(d);
                    }
                }
            }
            let norm = utterance::normalize(&utterance::plain_text(&segs));
            if let Some(first) = seen.get(&norm) {
                ctx.push(
                    Diagnostic::new(
                        Code::DuplicateUtterance,
                        format!("sample utterance `{}` appears twice", text),
                    )
                    .at(file, u.span.clone())
                    .related(file, first.clone(), "first here")
                    .hint("remove the repeat; near-duplicates can make recognition worse"),
                );
                continue;
            }
            seen.insert(norm.clone(), u.span.clone());
            match all_utts.get(&norm) {
                Some((other, ofile, ospan)) if *other != intent.name.as_str() => {
                    ctx.push(
                        Diagnostic::new(
                            Code::AmbiguousUtterance,
                            format!(
                                "sample utterance `{text}` is in intents `{other}` and `{}`",
                                intent.name
                            ),
                        )
                        .at(file, u.span.clone())
                        .related(*ofile, ospan.clone(), format!("also in `{other}`"))
                        .hint("the same words cannot lead to two intents; keep it in one"),
                    );
                }
                Some(_) => {}
                None => {
                    all_utts.insert(norm, (intent.name.as_str(), file, u.span.clone()));
                }
            }
        }
        for (slot, _) in &def.slots.value {
            if !used_slots.contains(slot.value.as_str()) && !utts.value.is_empty() {
                ctx.push(
                    Diagnostic::new(
                        Code::UnusedSlot,
                        format!(
                            "slot `{}` is never tagged in a sample utterance of `{}`",
                            slot.value, intent.name
                        ),
                    )
                    .at(file, slot.span.clone())
                    .hint("tag it in the utterances that carry it, or remove it"),
                );
            }
        }
    }
    // An intent that could not be read may use any slot type.
    let intents_unknown = ext
        .unreadable
        .iter()
        .any(|p| p.contains("/interaction-model/intents/"));
    for st in &ext.slot_types {
        if !used_types.contains(st.name.as_str()) && !intents_unknown {
            ctx.push(
                Diagnostic::new(
                    Code::UnusedSlotType,
                    format!("slot type `{}` is not used by any intent", st.name),
                )
                .at(st.file.clone(), 0..0)
                .hint("use it in an intent's `slots`, or remove the file"),
            );
        }
    }
}

fn check_slot_type(ctx: &mut Ctx<'_>, st: &crate::load::SlotType) {
    let n = st.entry_count();
    if n > 200_000 {
        ctx.push(
            Diagnostic::new(
                Code::SlotTypeSize,
                format!("slot type `{}` has {n} entries; at most 200,000 (values and synonyms together)", st.name),
            )
            .at(st.file.clone(), 0..0),
        );
    }
    // normalized entry -> (representative value, span)
    let mut owner: HashMap<String, (&str, std::ops::Range<usize>)> = HashMap::new();
    for v in &st.values {
        owner
            .entry(utterance::normalize(&v.value.value))
            .or_insert((v.value.value.as_str(), v.value.span.clone()));
    }
    for v in &st.values {
        for s in &v.synonyms {
            let key = utterance::normalize(&s.value);
            match owner.get(&key) {
                Some((rep, span)) if *rep != v.value.value.as_str() => {
                    ctx.push(
                        Diagnostic::new(
                            Code::SynonymConflict,
                            format!(
                                "`{}` is a synonym of `{}` and also belongs to `{rep}`",
                                s.value, v.value.value
                            ),
                        )
                        .at(st.file.clone(), s.span.clone())
                        .related(
                            st.file.clone(),
                            span.clone(),
                            format!("belongs to `{rep}` here"),
                        )
                        .hint("a synonym can normalise to only one representative value"),
                    );
                }
                Some(_) => {}
                None => {
                    owner.insert(key, (v.value.value.as_str(), s.span.clone()));
                }
            }
        }
    }
}
