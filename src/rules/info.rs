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
    check_name_reading(ctx, &path);
    // §1.1: the extension name obeys the naming rules too.
    if let Some(word) = naming_violation(lang, &info.name.value) {
        ctx.push(
            Diagnostic::new(
                Code::NameReserved,
                format!("extension name `{}` contains `{word}`", info.name.value),
            )
            .at(path.clone(), info.name.span.clone())
            .label("wake word, start/stop word, built-in-skill phrase or particle")
            .hint("the skill name follows the invocation-name rules: no Clova wake word, start/stop phrases, built-in-skill phrases or connecting particles"),
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
        if let Some(phrase) = builtin_skill_phrase(lang, &n.value) {
            ctx.push(
                Diagnostic::new(
                    Code::InvocationNameBuiltinSkill,
                    format!("invocation name `{}` contains `{phrase}`, which starts a built-in skill", n.value),
                )
                .at(path.clone(), n.span.clone())
                .hint("Clova answers such phrases itself (weather, news, music, alarms); choose a name of your own (spec §1.1)"),
            );
        }
        if let Some(particle) = trailing_particle(lang, &n.value) {
            ctx.push(
                Diagnostic::new(
                    Code::InvocationNameParticle,
                    format!("invocation name `{}` ends in the particle `{particle}`", n.value),
                )
                .at(path.clone(), n.span.clone())
                .hint(format!(
                    "users add the particle themselves (\"{}{particle} …\"); drop it from the name (spec §1.1)",
                    n.value.trim().trim_end_matches(particle).trim_end()
                )),
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
    if lang == Language::Japanese
        && let Some((main, subs)) = names.value.split_first()
        && !main.value.trim().is_empty()
    {
        for sub in subs {
            if !sub.value.trim().is_empty() && !is_variant(&main.value, &sub.value) {
                ctx.push(
                    Diagnostic::new(
                        Code::InvocationNameVariant,
                        format!(
                            "sub invocation name `{}` is not a variant of the main name `{}`",
                            sub.value, main.value
                        ),
                    )
                    .at(path.clone(), sub.span.clone())
                    .related(path.clone(), main.span.clone(), "main invocation name")
                    .hint("sub names absorb speech-recognition spelling variants of the main name (kana, kanji, width); a different name needs its own extension (spec §1.1)"),
                );
            }
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

/// JP skill-name reading (spec §1 #3b): kana only, and required under service rules.
fn check_name_reading(ctx: &mut Ctx<'_>, path: &str) {
    let Some(info) = &ctx.ext.info else { return };
    if info.language.value != Language::Japanese {
        return;
    }
    match &info.name_reading {
        Some(r) if !r.value.trim().is_empty() && !is_kana(&r.value) => {
            let bad: String = r
                .value
                .chars()
                .filter(|c| !is_kana_char(*c))
                .take(5)
                .collect();
            ctx.push(
                Diagnostic::new(
                    Code::NameReading,
                    format!("skill-name reading `{}` is not kana (`{bad}`)", r.value),
                )
                .at(path, r.span.clone())
                .hint("write how the name is read aloud in hiragana or katakana, e.g. `らーめんてちょう`"),
            );
        }
        Some(r) if !r.value.trim().is_empty() => {}
        other if ctx.stage == super::Stage::Service => {
            let span = other
                .as_ref()
                .map_or(info.name.span.clone(), |r| r.span.clone());
            ctx.push(
                Diagnostic::new(
                    Code::NameReading,
                    "JP skill-name reading (`name_reading`) is missing",
                )
                .at(path, span)
                .hint(format!(
                    "add `name_reading = \"<kana>\"`: the TTS pronunciation of `{}`",
                    info.name.value
                )),
            );
        }
        _ => {}
    }
}

/// Hiragana, katakana (full and half width), the prolonged-sound mark, middle dot and spaces.
fn is_kana_char(c: char) -> bool {
    matches!(c,
        '\u{3041}'..='\u{309F}'
        | '\u{30A0}'..='\u{30FF}'
        | '\u{31F0}'..='\u{31FF}'
        | '\u{FF66}'..='\u{FF9F}'
        | '\u{3000}'
        | '〜'
    ) || c == ' '
}

fn is_kana(s: &str) -> bool {
    s.chars().all(is_kana_char)
}

/// The wake word, start/stop word, built-in-skill phrase or particle a name contains (§1.1).
fn naming_violation(lang: Language, name: &str) -> Option<String> {
    let sq = squash(name);
    if sq.is_empty() {
        return None;
    }
    lang::reserved_invocation_words(lang)
        .iter()
        .find(|w| sq.contains(&squash(w)))
        .map(|w| w.to_string())
        .or_else(|| builtin_skill_phrase(lang, name).map(str::to_string))
        .or_else(|| trailing_particle(lang, name).map(str::to_string))
}

fn builtin_skill_phrase(lang: Language, name: &str) -> Option<&'static str> {
    let sq = squash(name);
    lang::builtin_skill_phrases(lang)
        .iter()
        .copied()
        .find(|p| sq.contains(&squash(p)))
}

fn trailing_particle(lang: Language, name: &str) -> Option<&'static str> {
    if lang != Language::Korean {
        return None;
    }
    let name = name.trim();
    lang::KR_PARTICLES
        .iter()
        .copied()
        .find(|p| name.ends_with(p) && name.chars().count() > p.chars().count())
}

/// Whether a JP sub invocation name is a spelling variant of the main name: after folding (width,
/// case, katakana → hiragana) one contains the other, or they share a run of two or more
/// characters ("拉麺手帳" / "ラーメン手帳" share "手帳"; "らーめんてちょう" / "らーめん手帳"
/// share "らーめん").
fn is_variant(main: &str, sub: &str) -> bool {
    let a: Vec<char> = crate::nlu::normalize::fold(main)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let b: Vec<char> = crate::nlu::normalize::fold(sub)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if a.is_empty() || b.is_empty() {
        return true;
    }
    let shorter = a.len().min(b.len());
    let run = 2.min(shorter);
    b.windows(run).any(|w| a.windows(run).any(|v| v == w))
}

#[cfg(test)]
mod naming {
    use super::*;

    #[test]
    fn variants() {
        assert!(is_variant("ラーメン手帳", "らーめん手帳"));
        assert!(is_variant("ラーメン手帳", "拉麺手帳"));
        assert!(is_variant("ラーメン手帳", "ラーメンてちょう"));
        assert!(!is_variant("ラーメン手帳", "寿司ノート"));
    }

    #[test]
    fn kana() {
        assert!(is_kana("らーめんてちょう"));
        assert!(is_kana("ラーメン テチョウ"));
        assert!(!is_kana("Ramen Notebook"));
        assert!(!is_kana("ラーメン手帳"));
    }

    #[test]
    fn particles_and_phrases() {
        assert_eq!(
            trailing_particle(Language::Korean, "피자봇에서"),
            Some("에서")
        );
        assert_eq!(trailing_particle(Language::Korean, "피자봇"), None);
        assert_eq!(trailing_particle(Language::Korean, "에서"), None);
        assert_eq!(
            builtin_skill_phrase(Language::Korean, "오늘 날씨 봇"),
            Some("오늘 날씨")
        );
        assert_eq!(
            builtin_skill_phrase(Language::Japanese, "今日の天気ナビ"),
            Some("今日の天気")
        );
        assert_eq!(
            naming_violation(Language::Korean, "예제피자 주문하기"),
            None
        );
        assert!(naming_violation(Language::Korean, "클로바 피자").is_some());
    }
}
