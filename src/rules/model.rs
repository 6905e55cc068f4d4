//! Interaction-model rules (spec §3): intents, slots, utterances, slot types.

use std::collections::HashMap;
use std::ops::Range;

use super::Ctx;
use super::lang;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::diag::Severity;
use crate::utterance;
use crate::utterance::TextTable;

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
    let mut by_lower: HashMap<String, &crate::model::SlotType> = HashMap::new();
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
        if !super::valid_model_name(&st.name) || st.name.starts_with("CLOVA.") {
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
    let mut intents_lower: HashMap<String, &crate::model::Intent> = HashMap::new();
    let mut used_types: std::collections::HashSet<&str> = Default::default();
    // normalized plain utterance -> where it was first seen, overall and in the latest intent
    let (total, bytes) = ext
        .intents
        .iter()
        .flat_map(|i| &i.def.utterances.value)
        .fold((0, 0), |(n, b), u| (n + 1, b + u.value.len()));
    let mut all_utts: TextTable<Seen> = TextTable::with_capacity(total, bytes);
    let samples = ctx.samples;
    let mut next_base = 0usize;
    let mut own_segs: Vec<utterance::Segment<'_>> = Vec::new();
    // §3.2: slot name → (type, intent, file, span) where first declared
    let mut slot_names: HashMap<&str, (&str, &str, &str, Range<usize>)> = HashMap::new();
    // §3.2 (JP): the first intent using `CLOVA.DATETIME` / `CLOVA.DATETIME_RECENT`
    let mut dt_first: Option<(&str, &str, Range<usize>)> = None;
    let mut dt_recent_first: Option<(&str, &str, Range<usize>)> = None;
    for (intent_index, intent) in ext.intents.iter().enumerate() {
        // index in `samples` of this intent's first utterance
        let base = next_base;
        next_base += intent.def.utterances.value.len();
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
        } else if !super::valid_model_name(&intent.name) {
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
            match slot_names.get(slot.value.as_str()) {
                None => {
                    slot_names.insert(
                        slot.value.as_str(),
                        (
                            ty.value.as_str(),
                            intent.name.as_str(),
                            file,
                            ty.span.clone(),
                        ),
                    );
                }
                Some((first_ty, first_intent, first_file, first_span))
                    if *first_ty != ty.value.as_str() && *first_intent != intent.name.as_str() =>
                {
                    ctx.push(
                        Diagnostic::new(
                            Code::SlotNameType,
                            format!(
                                "slot `{}` is `{}` here but `{first_ty}` in intent `{first_intent}`",
                                slot.value, ty.value
                            ),
                        )
                        .at(file, ty.span.clone())
                        .related(*first_file, first_span.clone(), format!("`{first_ty}` here"))
                        .hint("keep one slot name per slot type in every intent; give different names only to different roles (spec §3.2)"),
                    );
                }
                Some(_) => {}
            }
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
                        match crate::diag::closest(&ty.value, &cands) {
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
        if let Some(span) = &has_dt {
            dt_first.get_or_insert((intent.name.as_str(), file, span.clone()));
        }
        if let Some(span) = &has_dt_recent {
            dt_recent_first.get_or_insert((intent.name.as_str(), file, span.clone()));
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
        // declared slots (by position) that some utterance tags
        let mut used_slots = vec![0usize; def.slots.value.len()];
        for (k, u) in utts.value.iter().enumerate() {
            let sample = base + k;
            let text = u.value.as_str();
            let at = |off: usize| utterance::source_offset(source, &u.span, text, off);
            if text.chars().all(char::is_whitespace) {
                ctx.push(
                    Diagnostic::new(Code::EmptyUtterance, "empty sample utterance")
                        .at(file, u.span.clone()),
                );
                continue;
            }
            // parsed once for every rule (`Ctx::samples`); parsed again only to say what is wrong
            let segs: &[utterance::Segment<'_>] = match samples.get(sample) {
                Some(s) => s,
                None => match utterance::parse_into(text, &mut own_segs) {
                    Ok(()) => &own_segs,
                    Err(e) => {
                        ctx.push(
                            Diagnostic::new(Code::UtteranceTag, e.message)
                                .at(file, at(e.span.start)..at(e.span.end))
                                .hint("tag a slot value as `<slotName>value</slotName>`"),
                        );
                        continue;
                    }
                },
            };
            for seg in segs {
                if let utterance::Segment::Slot { name, span, .. } = seg {
                    if let Some(k) = def
                        .slots
                        .value
                        .keys()
                        .position(|k| utterance::same_name(&k.value, name))
                    {
                        used_slots[k] += 1;
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
                        d = match crate::diag::closest(name, &cands) {
                            Some(best) => d.hint(format!("did you mean `{best}`?")),
                            None => {
                                d.hint(format!("declare it under `slots`: `{name} = \"<TYPE>\"`"))
                            }
                        };
                        ctx.push(d);
                    }
                }
            }
            let (seen, new) = all_utts.find_or_insert(
                |out| utterance::normalize_segments_into(segs, out),
                || Seen {
                    intent: intent_index,
                    span: u.span.clone(),
                    latest_intent: intent_index,
                    latest_span: u.span.clone(),
                },
            );
            if new {
                continue;
            }
            if seen.latest_intent == intent_index {
                ctx.push(
                    Diagnostic::new(
                        Code::DuplicateUtterance,
                        format!("sample utterance `{}` appears twice", text),
                    )
                    .at(file, u.span.clone())
                    .related(file, seen.latest_span.clone(), "first here")
                    .hint("remove the repeat; near-duplicates can make recognition worse"),
                );
                continue;
            }
            seen.latest_intent = intent_index;
            seen.latest_span = u.span.clone();
            // first seen in an earlier intent (an entry of this intent would be `latest`)
            let first = &ext.intents[seen.intent];
            let other = first.name.as_str();
            ctx.push(
                Diagnostic::new(
                    Code::AmbiguousUtterance,
                    format!(
                        "sample utterance `{text}` is in intents `{other}` and `{}`",
                        intent.name
                    ),
                )
                .at(file, u.span.clone())
                .related(
                    first.file.as_str(),
                    seen.span.clone(),
                    format!("also in `{other}`"),
                )
                .hint("the same words cannot lead to two intents; keep it in one"),
            );
        }
        guidance(ctx, intent);
        for ((slot, _), used) in def.slots.value.iter().zip(used_slots) {
            if used == 0 && !utts.value.is_empty() {
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
    if let (Some((a, a_file, a_span)), Some((b, b_file, b_span))) = (dt_first, dt_recent_first)
        && a != b
    {
        ctx.push(
            Diagnostic::new(
                Code::DatetimeMixed,
                format!("intent `{b}` uses `CLOVA.DATETIME_RECENT` and intent `{a}` `CLOVA.DATETIME`"),
            )
            .at(b_file, b_span)
            .related(a_file, a_span, "`CLOVA.DATETIME` here")
            .hint("using both in one extension is discouraged (spec §3.2): pick DATETIME (now or later) or DATETIME_RECENT (now or earlier) for the whole extension"),
        );
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

/// Utterances the design guide asks for (spec §3.3): at least 30 in an intent with slots (100
/// when a slot's dictionary is huge: song titles, company names), about 10 in a simple intent.
/// Information only: it never fails a build.
const PER_SLOT_INTENT: usize = 30;
const PER_HUGE_SLOT_INTENT: usize = 100;
/// A custom slot type with this many entries counts as a huge dictionary.
const HUGE_DICTIONARY: usize = 1_000;
const PER_SIMPLE_INTENT: usize = 10;

fn guidance(ctx: &mut Ctx<'_>, intent: &crate::model::Intent) {
    let def = &intent.def;
    let total = def.utterances.value.len();
    if total == 0 {
        return; // `no-utterances`
    }
    let huge = def.slots.value.values().find(|ty| {
        ctx.ext
            .slot_type(&ty.value)
            .is_some_and(|st| st.entry_count() >= HUGE_DICTIONARY)
    });
    let (want, why) = match (def.slots.value.is_empty(), huge) {
        (true, _) => (
            PER_SIMPLE_INTENT,
            "about 10 for a simple intent".to_string(),
        ),
        (false, None) => (
            PER_SLOT_INTENT,
            "at least 30 for an intent with slots".to_string(),
        ),
        (false, Some(ty)) => (
            PER_HUGE_SLOT_INTENT,
            format!(
                "at least 100 for an intent with a slot of a huge dictionary (`{}`)",
                ty.value
            ),
        ),
    };
    if total < want {
        ctx.push(
            Diagnostic::new(
                Code::UtteranceGuidance,
                format!(
                    "intent `{}` has {total} sample utterance{}; the design guide suggests {why}",
                    intent.name,
                    if total == 1 { "" } else { "s" }
                ),
            )
            // the opening bracket: one line, not the whole list
            .at(
                intent.file.as_str(),
                def.utterances.span.start..def.utterances.span.start + 1,
            )
            .hint("add distinct patterns (no repeated slot-value combinations), and keep adding from test logs"),
        );
    }
}

fn check_slot_type(ctx: &mut Ctx<'_>, st: &crate::model::SlotType) {
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
    for v in &st.values {
        for s in std::iter::once(&v.value).chain(&v.synonyms) {
            // Control characters (U+0000..U+001F, U+007F..U+009F) are the bytes below 0x20,
            // 0x7F, or two bytes led by 0xC2: only such a text is decoded.
            let maybe = s.value.bytes().any(|b| b < 0x20 || b == 0x7F || b == 0xC2);
            if maybe && let Some(c) = s.value.chars().find(|c| c.is_control()) {
                ctx.push(
                    Diagnostic::new(
                        Code::SlotValueControl,
                        format!(
                            "slot value `{}` of `{}` holds the control character U+{:04X}",
                            s.value.escape_debug(),
                            st.name,
                            u32::from(c)
                        ),
                    )
                    .at(st.file.clone(), s.span.clone())
                    .hint("the console's TSV cannot hold NUL bytes, tabs, line breaks or other control characters in a value; remove it"),
                );
            }
        }
    }
    // normalized entry -> (representative value, span, the entry is that representative value)
    let mut owner: TextTable<(&str, Range<usize>, bool)> = TextTable::with_capacity(n, n * 32);
    for v in &st.values {
        owner.find_or_insert(
            |out| utterance::normalize_into(&v.value.value, out),
            || (v.value.value.as_str(), v.value.span.clone(), true),
        );
    }
    // The CEK guides (spec §3.2) only say that a recognised synonym is normalised to its
    // representative value; they state no rule against a synonym under two values. What matters
    // is whether matching can still tell which value to send:
    // - a synonym that is another entry's representative value resolves to that value (a
    //   representative value stands for itself; the offline matcher does the same), so the
    //   synonym is merely unreachable: a warning;
    // - a synonym listed under two representative values leaves the value to send undecided: an
    //   error, and the message says so.
    for v in &st.values {
        for s in &v.synonyms {
            let ((rep, span, is_rep), new) = owner.find_or_insert(
                |out| utterance::normalize_into(&s.value, out),
                || (v.value.value.as_str(), s.span.clone(), false),
            );
            if new || *rep == v.value.value.as_str() {
                continue;
            }
            let d = if *is_rep {
                Diagnostic::new(
                    Code::SynonymConflict,
                    format!(
                        "`{}` is a synonym of `{}` but is also the representative value `{rep}`; it resolves to `{rep}`, so this synonym is never used",
                        s.value, v.value.value
                    ),
                )
                .severity(Severity::Warning)
                .related(st.file.clone(), span.clone(), format!("`{rep}` is defined here"))
                .hint("remove the synonym, or move it if it should resolve to the other value")
            } else {
                Diagnostic::new(
                    Code::SynonymConflict,
                    format!(
                        "`{}` is a synonym of both `{rep}` and `{}`: matching is ambiguous, an utterance saying it could resolve to either value",
                        s.value, v.value.value
                    ),
                )
                .related(
                    st.file.clone(),
                    span.clone(),
                    format!("also a synonym of `{rep}` here"),
                )
                .hint("keep the synonym under one representative value only")
            };
            ctx.push(d.at(st.file.clone(), s.span.clone()));
        }
    }
}

/// Where a normalised sample utterance was first seen: in the extension (the intent that owns
/// it) and in the latest intent that has it (to tell a repeat within one intent from the same
/// utterance in two intents).
struct Seen {
    /// Index in the extension's intents.
    intent: usize,
    span: Range<usize>,
    latest_intent: usize,
    latest_span: Range<usize>,
}
