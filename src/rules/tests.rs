//! Test-suite files: every case names an utterance, and known intents and slots.

use super::Ctx;
use super::lang;
use crate::diag::Code;
use crate::diag::Diagnostic;

pub fn check(ctx: &mut Ctx<'_>) {
    let ext = ctx.ext;
    let lang = ext.language();
    for suite in &ext.suites {
        for case in &suite.suite.cases {
            let c = &case.value;
            #[allow(clippy::type_complexity)]
            let mut turns: Vec<(
                Option<&crate::model::Sp<String>>,
                Option<&crate::model::Sp<String>>,
                Option<&crate::model::Sp<indexmap::IndexMap<String, crate::model::Sp<String>>>>,
            )> = Vec::new();
            if c.utterance.is_some() && !c.turns.is_empty() {
                ctx.push(
                    Diagnostic::new(
                        Code::TestCaseInvalid,
                        "a test case has both `utterance` and `turns`",
                    )
                    .at(suite.file.clone(), case.span.clone())
                    .hint("use `utterance` for one turn, `turns` for a conversation"),
                );
                continue;
            }
            if c.utterance.is_none() && c.turns.is_empty() {
                ctx.push(
                    Diagnostic::new(
                        Code::TestCaseInvalid,
                        "a test case has neither `utterance` nor `turns`",
                    )
                    .at(suite.file.clone(), case.span.clone())
                    .hint("add `utterance = \"…\"` and the expected `intent`"),
                );
                continue;
            }
            if c.utterance.is_some() {
                if c.intent.is_none() {
                    ctx.push(
                        Diagnostic::new(
                            Code::TestCaseInvalid,
                            "a test case does not say which `intent` it expects",
                        )
                        .at(suite.file.clone(), case.span.clone()),
                    );
                    continue;
                }
                turns.push((c.utterance.as_ref(), c.intent.as_ref(), c.slots.as_ref()));
            }
            for t in &c.turns {
                turns.push((
                    Some(&t.value.utterance),
                    Some(&t.value.intent),
                    t.value.slots.as_ref(),
                ));
            }
            for (_, intent, slots) in turns {
                let Some(intent) = intent else { continue };
                let name = intent.value.as_str();
                let custom = ext.intent(name);
                let builtin = name.starts_with("Clova.")
                    && lang.is_none_or(|l| lang::builtin_intents(l).contains(&name));
                let unreadable = ext
                    .unreadable
                    .contains(&ext.path(&format!("interaction-model/intents/{name}.toml")));
                if custom.is_none() && !builtin && !unreadable {
                    ctx.push(
                        Diagnostic::new(
                            Code::TestCaseInvalid,
                            format!("test case expects unknown intent `{name}`"),
                        )
                        .at(suite.file.clone(), intent.span.clone())
                        .hint(
                            "name a custom intent of this extension or a built-in `Clova.*` intent",
                        ),
                    );
                    continue;
                }
                if let (Some(ci), Some(slots)) = (custom, slots) {
                    for (slot, v) in &slots.value {
                        if !ci.def.slots.value.keys().any(|k| k.value == *slot) {
                            ctx.push(
                                Diagnostic::new(
                                    Code::TestCaseInvalid,
                                    format!("test case expects slot `{slot}`, which intent `{name}` does not declare"),
                                )
                                .at(suite.file.clone(), v.span.clone()),
                            );
                        }
                    }
                }
            }
        }
    }
}
