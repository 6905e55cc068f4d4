//! `store.toml` rules (spec §5) and icons.

use super::Ctx;
use super::parse_url;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::model::Language;
use crate::model::ProviderType;
use crate::model::Sp;

pub fn check(ctx: &mut Ctx<'_>) {
    let ext = ctx.ext;
    let path = ext.path("store.toml");
    let Some(lang) = ext.language() else { return };
    let Some(store) = &ext.store else {
        if ext.unreadable.contains(&path) {
            return;
        }
        {
            let d = Diagnostic::new(
                Code::MissingFile,
                format!("extension `{}` has no `store.toml` (deployment information)", ext.id),
            )
            .at(ext.dir.clone(), 0..0)
            .hint("a review request needs the Skill Store and privacy information; see README \"store.toml\"");
            ctx.push_review(d);
        }
        return;
    };
    let s = &store.store.value;
    let p = &store.privacy.value;
    let r = &store.review.value;
    for (name, u) in [
        ("privacy.privacy_policy_url", &p.privacy_policy_url),
        ("privacy.terms_url", &p.terms_url),
        ("review.website", &r.website),
    ] {
        if let Some(u) = u {
            super::server::check_url_secrets(ctx, &path, name, u);
        }
    }
    let missing = |name: &str, present: bool| -> Option<Diagnostic> {
        (!present).then(|| {
            Diagnostic::new(
                Code::StoreFieldMissing,
                format!("deployment information `{name}` is missing"),
            )
            .at(path.clone(), 0..0)
            .hint("required before a review request")
        })
    };
    let filled = |v: &Option<Sp<String>>| v.as_ref().is_some_and(|v| !v.value.trim().is_empty());
    let mut required: Vec<(&str, bool)> = vec![
        ("store.description", filled(&s.description)),
        ("store.large_icon", s.large_icon.is_some()),
        ("store.example_phrases", !s.example_phrases.value.is_empty()),
        ("privacy.purchase", p.purchase.is_some()),
        ("privacy.personal_info", p.personal_info.is_some()),
    ];
    if lang == Language::Korean {
        required.extend([
            ("store.category", filled(&s.category)),
            ("store.short_description", filled(&s.short_description)),
            ("store.small_icon", s.small_icon.is_some()),
            ("privacy.minors", p.minors.is_some()),
            ("review.description", filled(&r.description)),
        ]);
    }
    for (name, present) in required {
        if let Some(d) = missing(name, present) {
            ctx.push_review(d);
        }
    }
    // fields the language's console does not have
    let mut unsupported: Vec<(&str, std::ops::Range<usize>)> = Vec::new();
    match lang {
        Language::Korean => {
            if !s.target_devices.value.is_empty() {
                unsupported.push(("store.target_devices", s.target_devices.span.clone()));
            }
            for (n, v) in [
                ("review.provider_name", &r.provider_name),
                ("review.provider_name_reading", &r.provider_name_reading),
                ("review.address", &r.address),
                ("review.phone", &r.phone),
                ("review.representative", &r.representative),
                ("review.website", &r.website),
                ("review.line_account", &r.line_account),
            ] {
                if let Some(v) = v {
                    unsupported.push((n, v.span.clone()));
                }
            }
            if let Some(v) = &r.provider_type {
                unsupported.push(("review.provider_type", v.span.clone()));
            }
        }
        Language::Japanese => {
            if let Some(v) = &s.small_icon {
                unsupported.push(("store.small_icon", v.span.clone()));
            }
            if let Some(v) = &s.short_description {
                unsupported.push(("store.short_description", v.span.clone()));
            }
            if let Some(v) = &p.minors {
                unsupported.push(("privacy.minors", v.span.clone()));
            }
        }
    }
    for (name, span) in unsupported {
        ctx.push(
            Diagnostic::new(
                Code::StoreFieldNotSupported,
                format!("`{name}` does not exist on the {} console", lang.variant()),
            )
            .at(path.clone(), span)
            .hint("remove it; the console has nowhere to put it"),
        );
    }
    if let Some(d) = &s.description {
        let n = d.value.chars().count();
        if lang == Language::Korean && n > 500 {
            ctx.push(
                Diagnostic::new(
                    Code::StoreDescriptionLength,
                    format!("Skill Store description has {n} characters; at most 500"),
                )
                .at(path.clone(), d.span.clone()),
            );
        }
    }
    if let Some(d) = &s.short_description {
        let n = d.value.chars().count();
        if n > 200 {
            ctx.push(
                Diagnostic::new(
                    Code::StoreShortDescriptionLength,
                    format!("short description has {n} characters; at most 200"),
                )
                .at(path.clone(), d.span.clone()),
            );
        }
    }
    let phrases = &s.example_phrases;
    if lang == Language::Korean && !phrases.value.is_empty() && phrases.value.len() != 3 {
        ctx.push(
            Diagnostic::new(
                Code::StoreExamplePhrases,
                format!("{} example phrases; the KR Skill Store shows exactly 3", phrases.value.len()),
            )
            .at(path.clone(), phrases.span.clone())
            .hint("give three utterances that actually work by voice; the first appears on Skill Store home"),
        );
    }
    // §5.3: the first representative utterance must be a launch phrase
    // ("ねぇCLOVA、<name>を起動して" / "<name>を開いて"), not a request to the skill.
    if lang == Language::Japanese
        && let (Some(first), Some(info)) = (phrases.value.first(), &ext.info)
        && let Some(main) = info.invocation_names.value.first()
        && (!super::info::squash(&first.value).contains(&super::info::squash(&main.value))
            || crate::nlu::launch::split(&first.value, lang, std::slice::from_ref(&main.value))
                != crate::nlu::launch::Spoken::Launch)
    {
        ctx.push(
            Diagnostic::new(
                Code::StoreExamplePhrases,
                "the first representative utterance must launch the skill by its main invocation name",
            )
            .at(path.clone(), first.span.clone())
            .hint(format!("for example \"ねぇCLOVA、{}を起動して\"", main.value)),
        );
    }
    let kw = &s.keywords;
    match lang {
        Language::Korean => {
            let joined = kw
                .value
                .iter()
                .map(|k| k.value.as_str())
                .collect::<Vec<_>>()
                .join(",");
            let n = joined.chars().count();
            if n > 100 {
                ctx.push(
                    Diagnostic::new(
                        Code::StoreKeywords,
                        format!(
                            "search keywords are {n} characters joined with commas; at most 100"
                        ),
                    )
                    .at(path.clone(), kw.span.clone()),
                );
            }
        }
        Language::Japanese => {
            if kw.value.len() > 5 {
                ctx.push(
                    Diagnostic::new(
                        Code::StoreKeywords,
                        format!("{} search keywords; JP allows at most 5", kw.value.len()),
                    )
                    .at(path.clone(), kw.span.clone()),
                );
            }
        }
    }
    if p.personal_info.as_ref().is_some_and(|v| v.value) && p.privacy_policy_url.is_none() {
        ctx.push(
            Diagnostic::new(
                Code::PrivacyPolicyRequired,
                "personal information is collected but no privacy policy URL is given",
            )
            .at(
                path.clone(),
                p.personal_info
                    .as_ref()
                    .map(|v| v.span.clone())
                    .unwrap_or(0..0),
            )
            .hint("add `privacy_policy_url` under `[privacy]`"),
        );
    }
    if let Some(ta) = &r.test_account {
        super::server::check_secret(
            ctx,
            &path,
            "review.test_account.password",
            &ta.value.password,
        );
    }
    // JP has one icon: a small icon is reported once, as `store-field-not-supported`.
    if let Some(icon) = &s.small_icon
        && lang == Language::Korean
    {
        check_icon(ctx, &path, "small_icon", icon, 108);
    }
    check_country(ctx, &path, lang, &s.countries);
    if lang == Language::Korean
        && let Some(d) = &s.description
        && !d.value.trim().is_empty()
        && !has_contact(&d.value)
    {
        // §5.1: "Must include customer-support contact details" (screenshot).
        ctx.push_review(
            Diagnostic::new(
                Code::StoreSupportContact,
                "the Skill Store description gives no customer-support contact",
            )
            .at(path.clone(), d.span.clone())
            .hint("add an e-mail address, phone number or support URL (e.g. \"고객센터: help@example.com\"); the review may reject it otherwise"),
        );
    }
    // §5.2 / §5.3: privacy-policy and terms URLs are links on the Extension page.
    for (name, url) in [
        ("privacy.privacy_policy_url", &p.privacy_policy_url),
        ("privacy.terms_url", &p.terms_url),
    ] {
        if let Some(u) = url
            && parse_url(u.value.trim()).is_none_or(|x| x.scheme != "https")
        {
            ctx.push(
                Diagnostic::new(
                    Code::PrivacyUrl,
                    format!("`{name}` `{}` is not a well-formed https URL", u.value),
                )
                .at(path.clone(), u.span.clone())
                .hint("give the full address of the page, e.g. `https://example.com/privacy`"),
            );
        }
    }
    if ctx.stage == super::Stage::Service {
        check_review_stage(ctx, &path, lang);
    }
    if let Some(icon) = &s.large_icon {
        check_icon(ctx, &path, "large_icon", icon, 512);
    }
}

fn check_icon(ctx: &mut Ctx<'_>, path: &str, name: &str, icon: &Sp<String>, px: u32) {
    let ext = ctx.ext;
    let rel = icon.value.trim_start_matches("./");
    let full = ext.path(rel);
    let Some(asset) = ext.assets.get(&full) else {
        if ext.unreadable.contains(&full) {
            return;
        }
        ctx.push(
            Diagnostic::new(Code::IconMissing, format!("`{name}` file `{}` does not exist", icon.value))
                .at(path, icon.span.clone())
                .hint(format!("put a {px}×{px} PNG or JPG under `{}/assets/` and give its path relative to the extension folder", ext.dir)),
        );
        return;
    };
    let bytes = &asset.bytes;
    let format = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("PNG")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("JPG")
    } else {
        None
    };
    if format.is_none() {
        ctx.push(
            Diagnostic::new(
                Code::IconFormat,
                format!("`{}` is not a PNG or JPG image", icon.value),
            )
            .at(path, icon.span.clone())
            .hint("the console accepts PNG (transparency allowed) or JPG"),
        );
        return;
    }
    match imagesize::blob_size(bytes) {
        Ok(size) if size.width == px as usize && size.height == px as usize => {}
        Ok(size) => ctx.push(
            Diagnostic::new(
                Code::IconSize,
                format!(
                    "`{}` is {}×{} pixels; `{name}` must be {px}×{px}",
                    icon.value, size.width, size.height
                ),
            )
            .at(path, icon.span.clone()),
        ),
        Err(_) => ctx.push(
            Diagnostic::new(
                Code::IconFormat,
                format!("`{}` is a damaged image", icon.value),
            )
            .at(path, icon.span.clone()),
        ),
    }
}

/// §5.1 / §5.3: the service country is one fixed choice per console: KR on the NAVER console,
/// JP on the LINE console.
fn check_country(ctx: &mut Ctx<'_>, path: &str, lang: Language, countries: &Option<Sp<String>>) {
    let Some(c) = countries else { return };
    let want = lang.variant();
    if c.value.trim() != want {
        ctx.push(
            Diagnostic::new(
                Code::StoreCountry,
                format!(
                    "`{}` is not a service country of the {want} console; its only choice is `{want}`",
                    c.value
                ),
            )
            .at(path, c.span.clone())
            .label("not an allowed value")
            .hint(format!("write `countries = \"{want}\"`")),
        );
    }
}

/// Whether a text gives a way to reach customer support: an e-mail address, a web address or a
/// phone number (8 or more digits, dashes allowed).
fn has_contact(text: &str) -> bool {
    let is_sep = |c: char| c.is_whitespace() || "()[]{}<>,;\"'「」（）：、。".contains(c);
    text.split(is_sep).any(|w| {
        let w = w.trim_matches(|c: char| c == '.' || c == '!' || c == '?');
        let after_colon = w.rsplit(':').next().unwrap_or(w); // "문의:help@example.com"
        super::is_email(after_colon) || w.contains("http://") || w.contains("https://")
    }) || {
        let mut digits = 0;
        let mut best = 0;
        for c in text.chars() {
            if c.is_ascii_digit() {
                digits += 1;
                best = best.max(digits);
            } else if !(c == '-' || c == '+' || c == ' ' && digits > 0) {
                digits = 0;
            }
        }
        best >= 8
    }
}

/// Rules of the review itself (service stage only): the JP corporation fields (§5.4) and a
/// reviewer test account when account linking is used (§5.1 / §5.4).
fn check_review_stage(ctx: &mut Ctx<'_>, path: &str, lang: Language) {
    let ext = ctx.ext;
    let Some(store) = &ext.store else { return };
    let r = &store.review.value;
    if lang == Language::Japanese
        && let Some(t) = &r.provider_type
        && t.value == ProviderType::Corporation
    {
        let filled =
            |v: &Option<Sp<String>>| v.as_ref().is_some_and(|v| !v.value.trim().is_empty());
        let missing: Vec<&str> = [
            ("address", filled(&r.address)),
            ("phone", filled(&r.phone)),
            ("representative", filled(&r.representative)),
            ("website", filled(&r.website)),
        ]
        .into_iter()
        .filter(|(_, ok)| !ok)
        .map(|(n, _)| n)
        .collect();
        if !missing.is_empty() {
            ctx.push(
                Diagnostic::new(
                    Code::CorporationInfoMissing,
                    format!(
                        "a corporation must give {} under `[review]`",
                        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .at(path, t.span.clone())
                .label("provider type")
                .hint("corporations give the head-office address, main phone, representative name and corporate site (not shown to users)"),
            );
        }
    }
    let linked = ext.server.as_ref().and_then(|s| s.account_linking.as_ref());
    if let Some(al) = linked
        && r.test_account.is_none()
    {
        let server = ext.path("server.toml");
        ctx.push(
            Diagnostic::new(
                Code::TestAccountRequired,
                "account linking is used but `[review.test_account]` is missing",
            )
            .at(path, store.review.span.clone())
            .related(server, al.span.clone(), "account linking is on here")
            .hint("reviewers log in with it: add `[review.test_account]` with `id` and `password = { env = \"NAME\" }`"),
        );
    }
}

#[cfg(test)]
mod unit {
    use super::has_contact;

    #[test]
    fn contacts() {
        assert!(has_contact("문의: support@example.com"));
        assert!(has_contact("문의:support@example.com"));
        assert!(has_contact("고객센터 1588-0000"));
        assert!(has_contact("お問い合わせ: https://example.jp/help"));
        assert!(!has_contact("피자를 주문합니다. 3판까지 가능합니다."));
    }
}
