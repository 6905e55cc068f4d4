//! `extension.toml` rules (spec §1).

use super::Ctx;
use super::is_email;
use super::lang;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::model::Language;

/// Lower-case reverse-domain notation: two or more dot-separated labels of `a-z`, `0-9`, `-`, `_`,
/// each starting with a letter or digit.
pub fn is_valid_id(id: &str) -> bool {
    let labels: Vec<&str> = id.split('.').collect();
    labels.len() >= 2
        && id.len() <= 255
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && l.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        })
}

pub fn squash(s: &str) -> String {
    crate::utterance::normalize(s).replace(' ', "")
}

pub fn check(ctx: &mut Ctx<'_>) {
    let ext = ctx.ext;
    let path = ext.path("extension.toml");
    if !is_valid_id(&ext.id) {
        let span = ext.info.as_ref().map(|i| i.id.span.clone()).unwrap_or(0..0);
        ctx.push(
            Diagnostic::new(
                Code::IdFormat,
                format!("extension folder `{}` is not a valid Extension ID", ext.id),
            )
            .at(
                if ext.info.is_some() {
                    path.clone()
                } else {
                    ext.dir.clone()
                },
                span,
            )
            .hint("use lower-case reverse-domain notation such as `com.example.pizzabot`"),
        );
    }
    let Some(info) = &ext.info else { return };
    let lang = info.language.value;
    if info.id.value != ext.id {
        if is_valid_id(&info.id.value) || info.id.value.is_empty() {
            ctx.push(
                Diagnostic::new(
                    Code::IdMismatch,
                    format!(
                        "Extension ID `{}` differs from its folder name `{}`",
                        info.id.value, ext.id
                    ),
                )
                .at(path.clone(), info.id.span.clone())
                .label("must equal the folder name")
                .hint(
                    "the Extension ID can never change; rename the folder only for a new extension",
                ),
            );
        } else {
            ctx.push(
                Diagnostic::new(
                    Code::IdFormat,
                    format!("`{}` is not a valid Extension ID", info.id.value),
                )
                .at(path.clone(), info.id.span.clone())
                .hint("use lower-case reverse-domain notation such as `com.example.pizzabot`"),
            );
        }
    }
    if info.name.value.trim().is_empty() {
        ctx.push(
            Diagnostic::new(Code::NameEmpty, "extension name is empty")
                .at(path.clone(), info.name.span.clone())
                .hint("the name shown in the Skill Store; include the brand or maker"),
        );
    }
    if let Some(r) = &info.name_reading
        && lang == Language::Korean
    {
        ctx.push(
            Diagnostic::new(
                Code::NameReadingNotSupported,
                "`name_reading` exists only on the JP console",
            )
            .at(path.clone(), r.span.clone())
            .hint("remove it, or set `language = \"ja-JP\"`"),
        );
    }
    // invocation names
    let names = &info.invocation_names;
    let max = lang::max_invocation_names(lang);
    if names.value.is_empty() || names.value.len() > max {
        let msg = match lang {
            Language::Korean => format!(
                "{} invocation names; KR extensions have 1 to 3",
                names.value.len()
            ),
            Language::Japanese => format!(
                "{} invocation names; JP extensions have one main name and up to 4 sub names",
                names.value.len()
            ),
        };
        ctx.push(
            Diagnostic::new(Code::InvocationNameCount, msg)
                .at(path.clone(), names.span.clone())
                .hint(if lang == Language::Japanese {
                    "the first name is the main invocation name, the others absorb ASR spelling variants"
                } else {
                    "keep the names users actually say; check them in the Clova app"
                }),
        );
    }
    let reserved = lang::reserved_invocation_words(lang);
    let mut seen: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    for n in &names.value {
        if n.value.trim().is_empty() {
            ctx.push(
                Diagnostic::new(Code::InvocationNameEmpty, "invocation name is empty")
                    .at(path.clone(), n.span.clone()),
            );
            continue;
        }
        let sq = squash(&n.value);
        if let Some(word) = reserved.iter().find(|w| sq.contains(&squash(w))) {
            ctx.push(
                Diagnostic::new(
                    Code::InvocationNameReserved,
                    format!("invocation name `{}` contains `{word}`", n.value),
                )
                .at(path.clone(), n.span.clone())
                .label("wake word, start/stop word or particle")
                .hint("a name must not contain Clova's wake word, start/stop phrases or the particles used around it; it must read naturally in \"ask <name> to …\""),
            );
        }
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == sq) {
            ctx.push(
                Diagnostic::new(
                    Code::DuplicateInvocationName,
                    format!("invocation name `{}` is listed twice", n.value),
                )
                .at(path.clone(), n.span.clone())
                .related(path.clone(), first.clone(), "first listed here")
                .hint("names are compared ignoring case and spaces"),
            );
        } else {
            seen.push((sq, n.span.clone()));
        }
    }
    match &info.provider {
        Some(p) if !p.value.trim().is_empty() => {}
        other => {
            let span = other.as_ref().map(|p| p.span.clone()).unwrap_or(0..0);
            ctx.push(
                Diagnostic::new(Code::ProviderMissing, "developer company (provider) is missing")
                    .at(path.clone(), span)
                    .hint("add `provider = \"<company or your name>\"`; it is shown in the Skill Store and reviewed"),
            );
        }
    }
    match &info.contact_email {
        Some(e) if is_email(e.value.trim()) => {}
        Some(e) => ctx.push(
            Diagnostic::new(
                Code::ContactEmail,
                format!("`{}` is not an e-mail address", e.value),
            )
            .at(path.clone(), e.span.clone())
            .hint("the address that receives important notices from the operator"),
        ),
        None => ctx.push(
            Diagnostic::new(Code::ContactEmail, "contact e-mail is missing")
                .at(path.clone(), 0..0)
                .hint("add `contact_email = \"you@example.com\"`: the address that receives important notices"),
        ),
    }
    if info.testers.value.len() > 10 {
        ctx.push(
            Diagnostic::new(
                Code::TestersCount,
                format!(
                    "{} tester IDs; at most 10 are allowed",
                    info.testers.value.len()
                ),
            )
            .at(path.clone(), info.testers.span.clone())
            .hint("your own account counts among the 10"),
        );
    }
    if lang == Language::Japanese && !info.testers.value.is_empty() {
        ctx.push(
            Diagnostic::new(
                Code::TestersNotSupported,
                "JP extensions have no tester IDs; testers are roles of the LINE Developers channel",
            )
            .at(path.clone(), info.testers.span.clone())
            .hint("remove `testers` and invite testers in the LINE Developers console"),
        );
    }
    let known = lang::builtin_intents(lang);
    for i in &info.builtin_intents.value {
        if !known.contains(&i.value.as_str()) {
            let mut d = Diagnostic::new(
                Code::BuiltinIntentUnknown,
                format!(
                    "`{}` is not a built-in intent of {}",
                    i.value,
                    lang.variant()
                ),
            )
            .at(path.clone(), i.span.clone());
            let cands: Vec<String> = known.iter().map(|s| s.to_string()).collect();
            if let Some(best) = crate::diag::closest(&i.value, &cands) {
                d = d.hint(format!("did you mean `{best}`?"));
            } else {
                d = d.hint(format!(
                    "{} built-in intents: {}",
                    lang.variant(),
                    known.join(", ")
                ));
            }
            ctx.push(d);
        }
    }
    for req in lang::required_intents(lang) {
        if !info.builtin_intents.value.iter().any(|i| i.value == *req) {
            ctx.push(
                Diagnostic::new(
                    Code::BuiltinIntentMissing,
                    format!("built-in intent `{req}` is required for {} extensions", lang.variant()),
                )
                .at(path.clone(), info.builtin_intents.span.clone())
                .hint(match lang {
                    Language::Korean => "KR extensions must handle Clova.GuideIntent, Clova.CancelIntent, Clova.YesIntent and Clova.NoIntent",
                    Language::Japanese => "Clova.GuideIntent is mandatory on the JP console",
                }),
            );
        }
    }
    for t in &info.builtin_slot_types.value {
        if !lang::is_builtin_slot_type(lang, &t.value) {
            let cands: Vec<String> = lang::builtin_slot_types(lang)
                .iter()
                .map(|s| s.to_string())
                .collect();
            let mut d = Diagnostic::new(
                Code::BuiltinSlotTypeUnknown,
                format!(
                    "`{}` is not a built-in slot type of {}",
                    t.value,
                    lang.variant()
                ),
            )
            .at(path.clone(), t.span.clone());
            if let Some(best) = crate::diag::closest(&t.value, &cands) {
                d = d.hint(format!("did you mean `{best}`?"));
            }
            ctx.push(d);
        }
    }
}
