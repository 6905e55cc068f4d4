//! The pages: each reads the repository through the operations the commands use (validate,
//! status, review, log, diff, test) and renders escaped HTML.

use std::fmt::Write as _;

use anyhow::Result;
use serde::Serialize;

use super::Site;
use super::html::esc;
use super::html::field;
use super::html::items;
use super::html::opt;
use super::html::url;
use super::svg;
use crate::diag::Diagnostic;
use crate::diag::Report;
use crate::diag::Severity;
use crate::model::Extension;
use crate::model::Secret;
use crate::model::Sp;
use crate::ops::chart::Chart;
use crate::ops::diff;
use crate::ops::log;
use crate::ops::review;
use crate::ops::review::RecordView;
use crate::ops::status;
use crate::ops::test;
use crate::ops::validate::ValidateOutcome;
use crate::semdiff::render as diff_render;
use crate::utterance;
use crate::utterance::Segment;

/// A rendered page: its title and the content of `<main>`.
pub struct Page {
    pub title: String,
    pub main: String,
}

/// A value as its serialized spelling (`ko-KR`, `custom`, `http-basic`).
fn word<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// Findings of one extension, as shown beside the fields they concern.
struct Findings<'r> {
    report: &'r Report,
}

impl<'r> Findings<'r> {
    fn of_extension(&self, id: &str) -> Vec<&'r Diagnostic> {
        self.report
            .diagnostics
            .iter()
            .filter(|d| test::is_about(d, id))
            .collect()
    }

    /// Errors, warnings and information-level findings (guidance that never fails a build).
    fn counts(&self, id: &str) -> (usize, usize, usize) {
        let all = self.of_extension(id);
        let of = |s: Severity| all.iter().filter(|d| d.severity == s).count();
        (
            of(Severity::Error),
            of(Severity::Warning),
            of(Severity::Info),
        )
    }

    fn item(&self, d: &Diagnostic) -> String {
        let place = match &d.location {
            Some(l) => {
                let p = self.report.sources.position(&l.file, l.span.start);
                format!("{}:{}:{}", l.file, p.line, p.column)
            }
            None => String::new(),
        };
        format!(
            "<li class=\"finding {sev}\" data-code=\"{code}\"><span class=\"sev\">{sev}</span> \
<code>{code}</code> {msg}{hint} <span class=\"where\">{place}</span></li>",
            sev = d.severity.as_str(),
            code = d.code.as_str(),
            msg = esc(&d.message),
            hint = d
                .hint
                .as_deref()
                .map(|h| format!(" <span class=\"hint\">({})</span>", esc(h)))
                .unwrap_or_default(),
            place = esc(&place),
        )
    }

    /// The findings whose location overlaps `span` in `file` (a whole-file finding with an
    /// empty span at 0 belongs to the file, not to a field).
    fn at(&self, file: &str, span: &std::ops::Range<usize>) -> String {
        let list: Vec<String> = self
            .report
            .diagnostics
            .iter()
            .filter(|d| {
                d.location.as_ref().is_some_and(|l| {
                    l.file == file
                        && !l.span.is_empty()
                        && l.span.start < span.end.max(span.start + 1)
                        && span.start < l.span.end
                })
            })
            .map(|d| self.item(d))
            .collect();
        if list.is_empty() {
            String::new()
        } else {
            format!("<ul class=\"findings\">{}</ul>", list.concat())
        }
    }

    fn at_sp<T>(&self, file: &str, sp: &Sp<T>) -> String {
        self.at(file, &sp.span)
    }

    fn at_opt<T>(&self, file: &str, sp: &Option<Sp<T>>) -> String {
        sp.as_ref()
            .map(|sp| self.at_sp(file, sp))
            .unwrap_or_default()
    }
}

/// An optional text value, escaped.
fn opt_sp(v: &Option<Sp<String>>) -> String {
    opt(v.as_ref().map(|x| x.value.as_str()))
}

/// An utterance with its slot tags highlighted.
pub fn utterance_html(u: &str) -> String {
    match utterance::parse(u) {
        Ok(segments) => segments
            .iter()
            .map(|s| match s {
                Segment::Text(t) => esc(t),
                Segment::Slot { name, value, .. } => format!(
                    "<mark class=\"slot\" data-slot=\"{n}\" title=\"{n}\">{}</mark>",
                    esc(value),
                    n = esc(name)
                ),
            })
            .collect(),
        Err(_) => format!("<span class=\"bad\">{}</span>", esc(u)),
    }
}

fn ext_nav(id: &str, here: &str) -> String {
    let mut s = format!("<nav class=\"tabs\" aria-label=\"{}\">", esc(id));
    for (path, label) in [
        ("", "Extension"),
        ("/test", "Test"),
        ("/diff", "Changes"),
        ("/history", "History"),
    ] {
        let cls = if path == here { " class=\"here\"" } else { "" };
        let _ = write!(s, "<a{cls} href=\"/ext/{}{path}\">{}</a>", url(id), label);
    }
    s.push_str("</nav>");
    s
}

fn error_box(e: &anyhow::Error) -> String {
    format!(
        "<p class=\"error\" role=\"alert\">{}</p>",
        esc(&format!("{e:#}"))
    )
}

fn counts_cell((errors, warnings, infos): (usize, usize, usize)) -> String {
    let mut cell = format!(
        "<span class=\"count errors{}\">{errors} error(s)</span> \
<span class=\"count warnings{}\">{warnings} warning(s)</span>",
        if errors > 0 { " some" } else { "" },
        if warnings > 0 { " some" } else { "" },
    );
    if infos > 0 {
        let _ = write!(cell, " <span class=\"count infos\">{infos} info</span>");
    }
    cell
}

/// `/`: the extension list, like the console's.
pub fn list(site: &Site) -> Result<Page> {
    let outcome = site.load(&[])?;
    let findings = Findings {
        report: &outcome.report,
    };
    let status = status::status(&site.dir, None);
    let mut main = String::from("<h1>Extensions</h1>");
    main.push_str(&site.source_note());
    let mut ids: Vec<String> = outcome
        .repo
        .extensions
        .iter()
        .map(|e| e.id.clone())
        .collect();
    match &status {
        Ok(st) => {
            for e in &st.extensions {
                if !ids.contains(&e.id) {
                    ids.push(e.id.clone());
                }
            }
            for n in &st.notes {
                let _ = write!(main, "<p class=\"note\">{}</p>", esc(&n.message));
            }
        }
        Err(e) => {
            let _ = write!(
                main,
                "<p class=\"note\">No lifecycle to show: {}</p>",
                esc(&format!("{e:#}"))
            );
        }
    }
    ids.sort();
    main.push_str(
        "<table class=\"extensions\"><thead><tr><th>Name</th><th>Extension ID</th>\
<th>Language</th><th>Version</th><th>Status</th><th>Commit</th><th>Ahead / behind</th>\
<th>Open review</th><th>Last feedback</th><th>Validation</th></tr></thead><tbody>",
    );
    for id in &ids {
        let ext = outcome.repo.extension(id);
        let st = status
            .as_ref()
            .ok()
            .and_then(|s| s.extensions.iter().find(|e| &e.id == id));
        let name = ext
            .and_then(|e| e.info.as_ref())
            .map(|i| i.name.value.clone())
            .or_else(|| st.and_then(|s| s.name.clone()));
        let lang = ext.and_then(Extension::language).map(|l| word(&l));
        let rows: Vec<String> = match st {
            Some(s) if !s.rows.is_empty() => s
                .rows
                .iter()
                .map(|r| {
                    let ab = match (r.ahead, r.behind) {
                        (Some(a), Some(b)) => format!("+{a} / −{b}"),
                        _ => String::new(),
                    };
                    format!(
                        "<td class=\"version\">{}</td><td class=\"status\" data-status=\"{}\">{}</td>\
<td><code title=\"{}\">{}</code></td><td class=\"ab\">{}</td>",
                        r.version.label(),
                        word(&r.status),
                        r.status.label(),
                        esc(&r.branch),
                        opt(r.commit.as_deref().map(crate::git::short_text)),
                        esc(&ab),
                    )
                })
                .collect(),
            _ => vec![
                "<td class=\"version\">Files</td><td class=\"status\">—</td><td></td><td></td>"
                    .to_string(),
            ],
        };
        let review = st.and_then(|s| s.review.as_ref()).map(|r| {
            format!(
                "<a href=\"/ext/{}/review/{}\">#{} {}</a> by {} — {}/{} approval(s){}{}",
                url(id),
                r.number,
                r.number,
                r.kind.as_str(),
                esc(&r.requested_by),
                r.approvals,
                r.required_approvals,
                if r.stale { " · stale" } else { "" },
                if r.needs_sync { " · needs sync" } else { "" },
            )
        });
        let feedback = st.and_then(|s| s.feedback.as_ref()).map(|f| {
            format!(
                "<a href=\"/ext/{}/review/{}\">#{}</a> {} ({}): {}",
                url(id),
                f.number,
                f.number,
                esc(&f.by),
                esc(&f.at),
                esc(&f.message)
            )
        });
        let counts = findings.counts(id);
        let span = rows.len();
        let _ = write!(
            main,
            "<tr class=\"ext\" data-id=\"{eid}\"><td rowspan=\"{span}\" class=\"name\">\
<a href=\"/ext/{uid}\">{name}</a></td><td rowspan=\"{span}\"><code>{eid}</code></td>\
<td rowspan=\"{span}\">{lang}</td>{first}<td rowspan=\"{span}\" class=\"review\">{review}</td>\
<td rowspan=\"{span}\" class=\"feedback\">{feedback}</td><td rowspan=\"{span}\" class=\"validation\">{counts}</td></tr>",
            eid = esc(id),
            uid = url(id),
            name = opt(name.as_deref()),
            lang = opt(lang.as_deref()),
            first = rows[0],
            review = review.unwrap_or_else(|| opt(None)),
            feedback = feedback.unwrap_or_else(|| opt(None)),
            counts = counts_cell(counts),
        );
        for r in &rows[1..] {
            let _ = write!(
                main,
                "<tr class=\"ext-more\" data-id=\"{}\">{r}</tr>",
                esc(id)
            );
        }
    }
    main.push_str("</tbody></table>");
    if ids.is_empty() {
        main.push_str(
            "<p class=\"note\">No extensions yet (create one with <code>cekops new ID</code>).</p>",
        );
    }
    Ok(Page {
        title: "Extensions".into(),
        main,
    })
}

fn find<'o>(outcome: &'o ValidateOutcome, id: &str) -> Option<&'o Extension> {
    outcome.repo.extension(id)
}

fn secret(s: &Secret) -> String {
    match s {
        Secret::Env { env, extra } if extra.is_empty() => format!("<span class=\"secret\">environment variable <code>{}</code></span>", esc(env)),
        Secret::Env { env, extra } => format!(
            "<span class=\"secret\">environment variable <code>{}</code></span> \
<span class=\"bad\">and {} more key(s) beside <code>env</code>, not shown (secret-extra-key)</span>",
            esc(env),
            extra.len()
        ),
        Secret::Inline(_) => "<span class=\"secret bad\">inline secret (not shown; keep it in an environment variable)</span>".to_string(),
    }
}

/// `/ext/<id>`: the extension by console category, with findings beside the fields.
pub fn extension(site: &Site, id: &str) -> Result<Option<Page>> {
    let outcome = site.load(&[id.to_string()])?;
    let Some(ext) = find(&outcome, id) else {
        return Ok(None);
    };
    let f = Findings {
        report: &outcome.report,
    };
    let name = ext
        .info
        .as_ref()
        .map(|i| i.name.value.clone())
        .unwrap_or_else(|| id.to_string());
    let mut m = format!("<h1>{}</h1>{}", esc(&name), ext_nav(id, ""));
    m.push_str(&site.source_note());
    let all = f.of_extension(id);
    let counts = f.counts(id);
    let _ = write!(
        m,
        "<section id=\"validation\"><h2>Validation</h2><p>{}</p>",
        counts_cell(counts)
    );
    if !all.is_empty() {
        m.push_str("<ul class=\"findings all\">");
        for d in &all {
            m.push_str(&f.item(d));
        }
        m.push_str("</ul>");
    }
    m.push_str("</section>");

    // Basic information.
    let file = ext.path("extension.toml");
    m.push_str("<section id=\"basic\"><h2>Basic information</h2>");
    match &ext.info {
        Some(i) => {
            m.push_str("<dl>");
            field(
                &mut m,
                "Extension ID",
                &format!("<code>{}</code>", esc(&i.id.value)),
                &f.at_sp(&file, &i.id),
            );
            field(&mut m, "Type", &esc(&word(&i.kind)), "");
            field(
                &mut m,
                "Language",
                &esc(&word(&i.language.value)),
                &f.at_sp(&file, &i.language),
            );
            field(
                &mut m,
                "Extension name",
                &esc(&i.name.value),
                &f.at_sp(&file, &i.name),
            );
            if let Some(r) = &i.name_reading {
                field(&mut m, "Name reading", &esc(&r.value), &f.at_sp(&file, r));
            }
            field(
                &mut m,
                "Invocation names",
                &items(i.invocation_names.value.iter().map(|s| s.value.as_str())),
                &f.at_sp(&file, &i.invocation_names),
            );
            field(
                &mut m,
                "Provider",
                &opt_sp(&i.provider),
                &f.at_opt(&file, &i.provider),
            );
            field(
                &mut m,
                "AudioPlayer",
                if i.audio_player { "used" } else { "not used" },
                "",
            );
            field(
                &mut m,
                "Contact e-mail",
                &opt_sp(&i.contact_email),
                &f.at_opt(&file, &i.contact_email),
            );
            field(
                &mut m,
                "Testers",
                &items(i.testers.value.iter().map(|s| s.value.as_str())),
                &f.at_sp(&file, &i.testers),
            );
            m.push_str("</dl>");
        }
        None => m.push_str(
            "<p class=\"error\">extension.toml is missing or does not load (see Validation).</p>",
        ),
    }
    m.push_str("</section>");

    // Server connection.
    let file = ext.path("server.toml");
    m.push_str("<section id=\"server\"><h2>Server connection</h2>");
    match &ext.server {
        Some(s) => {
            m.push_str("<dl>");
            field(
                &mut m,
                "Extension server URL",
                &format!("<code>{}</code>", esc(&s.endpoint.value)),
                &f.at_sp(&file, &s.endpoint),
            );
            field(
                &mut m,
                "Trusted certificate",
                if s.trusted_certificate.value {
                    "yes"
                } else {
                    "no"
                },
                &f.at_sp(&file, &s.trusted_certificate),
            );
            match &s.account_linking {
                Some(al) => {
                    let a = &al.value;
                    field(&mut m, "Account linking", "used", &f.at_sp(&file, al));
                    field(
                        &mut m,
                        "Authorization URL",
                        &opt_sp(&a.authorization_uri),
                        &f.at_opt(&file, &a.authorization_uri),
                    );
                    field(
                        &mut m,
                        "Account settings URL",
                        &opt_sp(&a.account_config_url),
                        &f.at_opt(&file, &a.account_config_url),
                    );
                    field(
                        &mut m,
                        "Client ID",
                        &opt_sp(&a.client_id),
                        &f.at_opt(&file, &a.client_id),
                    );
                    field(
                        &mut m,
                        "Privacy policy URL",
                        &opt_sp(&a.privacy_policy_url),
                        &f.at_opt(&file, &a.privacy_policy_url),
                    );
                    field(
                        &mut m,
                        "Domains",
                        &items(a.domains.value.iter().map(|s| s.value.as_str())),
                        &f.at_sp(&file, &a.domains),
                    );
                    field(
                        &mut m,
                        "Scopes",
                        &items(a.scopes.value.iter().map(|s| s.value.as_str())),
                        &f.at_sp(&file, &a.scopes),
                    );
                    field(
                        &mut m,
                        "Grant type",
                        &esc(&word(&a.grant_type.value)),
                        &f.at_sp(&file, &a.grant_type),
                    );
                    field(
                        &mut m,
                        "Access token URI",
                        &opt_sp(&a.access_token_uri),
                        &f.at_opt(&file, &a.access_token_uri),
                    );
                    field(
                        &mut m,
                        "Refresh token URI",
                        &opt_sp(&a.refresh_token_uri),
                        &f.at_opt(&file, &a.refresh_token_uri),
                    );
                    field(
                        &mut m,
                        "Client secret",
                        &a.client_secret
                            .as_ref()
                            .map(|s| secret(&s.value))
                            .unwrap_or_else(|| opt(None)),
                        &f.at_opt(&file, &a.client_secret),
                    );
                    field(
                        &mut m,
                        "Client authentication",
                        &opt(a.client_auth.as_ref().map(|c| word(&c.value)).as_deref()),
                        "",
                    );
                }
                None => field(&mut m, "Account linking", "not used", ""),
            }
            m.push_str("</dl>");
        }
        None => m.push_str("<p class=\"none\">server.toml is missing or does not load.</p>"),
    }
    m.push_str("</section>");

    // Interaction model.
    m.push_str("<section id=\"model\"><h2>Interaction model</h2>");
    let (bi, bs): (Vec<&str>, Vec<&str>) = match &ext.info {
        Some(i) => (
            i.builtin_intents
                .value
                .iter()
                .map(|s| s.value.as_str())
                .collect(),
            i.builtin_slot_types
                .value
                .iter()
                .map(|s| s.value.as_str())
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let efile = ext.path("extension.toml");
    m.push_str("<dl>");
    field(
        &mut m,
        "Built-in intents",
        &items(bi),
        &ext.info
            .as_ref()
            .map(|i| f.at_sp(&efile, &i.builtin_intents))
            .unwrap_or_default(),
    );
    field(
        &mut m,
        "Built-in slot types",
        &items(bs),
        &ext.info
            .as_ref()
            .map(|i| f.at_sp(&efile, &i.builtin_slot_types))
            .unwrap_or_default(),
    );
    m.push_str("</dl>");
    let _ = write!(m, "<h3>Custom intents ({})</h3>", ext.intents.len());
    for intent in &ext.intents {
        let d = &intent.def;
        let _ = write!(
            m,
            "<article class=\"intent\" data-intent=\"{n}\"><h4>{n}</h4>",
            n = esc(&intent.name)
        );
        if let Some(desc) = &d.description {
            let _ = write!(
                m,
                "<p class=\"desc\">{}</p>{}",
                esc(&desc.value),
                f.at_sp(&intent.file, desc)
            );
        }
        if !d.slots.value.is_empty() {
            m.push_str("<table class=\"slots\"><thead><tr><th>Slot</th><th>Slot type</th></tr></thead><tbody>");
            for (k, v) in &d.slots.value {
                let _ = write!(
                    m,
                    "<tr><td>{}</td><td><code>{}</code>{}</td></tr>",
                    esc(&k.value),
                    esc(&v.value),
                    f.at_sp(&intent.file, v)
                );
            }
            m.push_str("</tbody></table>");
        }
        let _ = write!(
            m,
            "<p class=\"count\">{} sample utterance(s)</p><ul class=\"utterances\">",
            d.utterances.value.len()
        );
        for u in &d.utterances.value {
            let _ = write!(
                m,
                "<li class=\"utterance\">{}{}</li>",
                utterance_html(&u.value),
                f.at_sp(&intent.file, u)
            );
        }
        m.push_str("</ul></article>");
    }
    let _ = write!(m, "<h3>Custom slot types ({})</h3>", ext.slot_types.len());
    for st in &ext.slot_types {
        let _ = write!(
            m,
            "<article class=\"slot-type\" data-slot-type=\"{n}\"><h4>{n}</h4>",
            n = esc(&st.name)
        );
        if let Some(desc) = &st.description {
            let _ = write!(m, "<p class=\"desc\">{}</p>", esc(desc));
        }
        let _ = write!(
            m,
            "<p class=\"count\">{} entr(ies)</p><table class=\"values\"><thead><tr><th>Representative value</th><th>Synonyms</th></tr></thead><tbody>",
            st.entry_count()
        );
        for v in &st.values {
            let _ = write!(
                m,
                "<tr><td>{}{}</td><td>{}</td></tr>",
                esc(&v.value.value),
                f.at_sp(&st.file, &v.value),
                items(v.synonyms.iter().map(|s| s.value.as_str()))
            );
        }
        m.push_str("</tbody></table></article>");
    }
    m.push_str("</section>");

    // Deployment information.
    let file = ext.path("store.toml");
    m.push_str("<section id=\"deploy\"><h2>Deployment information</h2>");
    match &ext.store {
        Some(s) => {
            let st = &s.store.value;
            m.push_str("<dl>");
            field(
                &mut m,
                "Category",
                &opt_sp(&st.category),
                &f.at_opt(&file, &st.category),
            );
            field(
                &mut m,
                "Countries",
                &opt_sp(&st.countries),
                &f.at_opt(&file, &st.countries),
            );
            field(
                &mut m,
                "Short description",
                &opt_sp(&st.short_description),
                &f.at_opt(&file, &st.short_description),
            );
            field(
                &mut m,
                "Description",
                &opt_sp(&st.description),
                &f.at_opt(&file, &st.description),
            );
            field(
                &mut m,
                "Example phrases",
                &items(st.example_phrases.value.iter().map(|s| s.value.as_str())),
                &f.at_sp(&file, &st.example_phrases),
            );
            field(
                &mut m,
                "Keywords",
                &items(st.keywords.value.iter().map(|s| s.value.as_str())),
                &f.at_sp(&file, &st.keywords),
            );
            for (label, icon) in [
                ("Small icon", &st.small_icon),
                ("Large icon", &st.large_icon),
            ] {
                let html = match icon {
                    Some(p) => {
                        let full = ext.path(&p.value);
                        if ext.assets.contains_key(&full) {
                            format!(
                                "<img class=\"icon\" alt=\"{l}\" src=\"/ext/{}/asset?path={}\"> <code>{}</code>",
                                url(id),
                                url(&p.value),
                                esc(&p.value),
                                l = esc(label),
                            )
                        } else {
                            format!(
                                "<code>{}</code> <span class=\"bad\">(no such file)</span>",
                                esc(&p.value)
                            )
                        }
                    }
                    None => opt(None),
                };
                field(&mut m, label, &html, &f.at_opt(&file, icon));
            }
            field(
                &mut m,
                "Target devices",
                &items(st.target_devices.value.iter().map(|s| s.value.as_str())),
                &f.at_sp(&file, &st.target_devices),
            );
            let p = &s.privacy.value;
            let yn =
                |b: &Option<Sp<bool>>| opt(b.as_ref().map(|b| if b.value { "yes" } else { "no" }));
            field(&mut m, "In-app purchases", &yn(&p.purchase), "");
            field(
                &mut m,
                "Collects personal information",
                &yn(&p.personal_info),
                "",
            );
            field(&mut m, "For minors", &yn(&p.minors), "");
            field(
                &mut m,
                "Privacy policy URL",
                &opt_sp(&p.privacy_policy_url),
                &f.at_opt(&file, &p.privacy_policy_url),
            );
            field(
                &mut m,
                "Terms of use URL",
                &opt_sp(&p.terms_url),
                &f.at_opt(&file, &p.terms_url),
            );
            let r = &s.review.value;
            field(
                &mut m,
                "Note to reviewers",
                &opt_sp(&r.description),
                &f.at_opt(&file, &r.description),
            );
            if let Some(ta) = &r.test_account {
                field(
                    &mut m,
                    "Test account",
                    &format!(
                        "<code>{}</code> / password: {}",
                        esc(&ta.value.id.value),
                        secret(&ta.value.password.value)
                    ),
                    &f.at_sp(&file, ta),
                );
            }
            field(
                &mut m,
                "Provider type",
                &opt(r.provider_type.as_ref().map(|t| word(&t.value)).as_deref()),
                "",
            );
            field(
                &mut m,
                "Provider name",
                &opt_sp(&r.provider_name),
                &f.at_opt(&file, &r.provider_name),
            );
            field(
                &mut m,
                "Website",
                &opt_sp(&r.website),
                &f.at_opt(&file, &r.website),
            );
            m.push_str("</dl>");
        }
        None => m.push_str("<p class=\"none\">store.toml is missing or does not load.</p>"),
    }
    m.push_str("</section>");
    Ok(Some(Page {
        title: name,
        main: m,
    }))
}

/// `/ext/<id>/test?u=…`: the console's Test page, with the offline matcher.
pub fn test_page(site: &Site, id: &str, utterance: Option<&str>) -> Result<Option<Page>> {
    let outcome = site.load(&[id.to_string()])?;
    if find(&outcome, id).is_none() {
        return Ok(None);
    }
    let mut m = format!("<h1>Test {}</h1>{}", esc(id), ext_nav(id, "/test"));
    let _ = write!(
        m,
        "<form class=\"test\" method=\"get\" action=\"/ext/{}/test\"><label for=\"utterance\">Utterance</label> \
<input id=\"utterance\" name=\"u\" type=\"text\" size=\"50\" value=\"{}\" autocomplete=\"off\"> \
<button id=\"analyse\" type=\"submit\">Test</button></form>",
        url(id),
        esc(utterance.unwrap_or(""))
    );
    if let Some(u) = utterance.filter(|u| !u.trim().is_empty()) {
        let r = test::analyse(
            &test::TestOptions {
                source: site.source(),
                ids: vec![id.to_string()],
                now: None,
            },
            u,
        )?;
        let a = &r.analysis;
        let _ = write!(
            m,
            "<section id=\"result\" data-intent=\"{intent}\"><h2>Result</h2><dl>",
            intent = esc(&a.intent)
        );
        field(&mut m, "Utterance", &esc(&a.utterance), "");
        field(
            &mut m,
            "Intent",
            &format!("<code id=\"result-intent\">{}</code>", esc(&a.intent)),
            "",
        );
        field(&mut m, "Match", &esc(&word(&a.kind)), "");
        field(&mut m, "Confidence", &format!("{:.2}", a.confidence), "");
        m.push_str("</dl>");
        if !a.slots.is_empty() {
            m.push_str("<table class=\"slots\" id=\"result-slots\"><thead><tr><th>Slot</th><th>Type</th><th>Value</th><th>Said</th></tr></thead><tbody>");
            for s in &a.slots {
                let _ = write!(
                    m,
                    "<tr data-slot=\"{n}\"><td>{n}</td><td><code>{}</code></td><td class=\"value\">{}{}</td><td>{}</td></tr>",
                    esc(&s.slot_type),
                    esc(&s.value),
                    s.unit
                        .as_deref()
                        .map(|u| format!(" ({})", esc(u)))
                        .unwrap_or_default(),
                    esc(&s.text),
                    n = esc(&s.name),
                );
            }
            m.push_str("</tbody></table>");
        } else {
            m.push_str("<p class=\"none\">No slots.</p>");
        }
        if let Some(c) = &a.closest {
            let place = match (&c.file, r.closest_line) {
                (Some(f), Some(l)) => format!(" <span class=\"where\">{}:{l}</span>", esc(f)),
                _ => " <span class=\"where\">built-in</span>".to_string(),
            };
            let _ = write!(
                m,
                "<p class=\"closest\">Closest sample ({:.2}): <code>{}</code> {}{place}</p>",
                c.similarity,
                esc(&c.intent),
                utterance_html(&c.utterance)
            );
        }
        if r.model_errors > 0 {
            let _ = write!(
                m,
                "<p class=\"note\">{}</p>",
                esc(&test::model_errors_note(id, r.model_errors))
            );
        }
        m.push_str("</section>");
    }
    Ok(Some(Page {
        title: format!("Test {id}"),
        main: m,
    }))
}

/// `/ext/<id>/diff?from=…&to=…`: the semantic diff, test against service by default.
pub fn diff_page(site: &Site, id: &str, from: Option<&str>, to: Option<&str>) -> Page {
    let mut m = format!("<h1>Changes of {}</h1>{}", esc(id), ext_nav(id, "/diff"));
    let _ = write!(
        m,
        "<form class=\"revs\" method=\"get\" action=\"/ext/{}/diff\"><label for=\"from\">From</label> \
<input id=\"from\" name=\"from\" value=\"{}\" placeholder=\"service\"> <label for=\"to\">To</label> \
<input id=\"to\" name=\"to\" value=\"{}\" placeholder=\"test branch\"> <button type=\"submit\">Compare</button></form>",
        url(id),
        esc(from.unwrap_or("")),
        esc(to.unwrap_or(""))
    );
    let nonempty = |s: Option<&str>| s.filter(|s| !s.trim().is_empty()).map(str::to_string);
    match diff::diff(&diff::DiffOptions {
        dir: site.dir.clone(),
        id: Some(id.to_string()),
        from: nonempty(from),
        to: nonempty(to),
        work_tree: false,
    }) {
        Ok(o) => {
            for w in &o.warnings {
                let _ = write!(m, "<p class=\"note\">{}</p>", esc(w));
            }
            let _ = write!(
                m,
                "<p class=\"sides\">{} <code>{}</code> → {} <code>{}</code></p><pre class=\"diff\" id=\"diff\">{}</pre>",
                esc(&o.sides.from),
                opt(o.sides.from_commit.as_deref().map(crate::git::short_text)),
                esc(&o.sides.to),
                opt(o.sides.to_commit.as_deref().map(crate::git::short_text)),
                esc(&diff_render::text(&o.diff, &o.sides, false))
            );
        }
        Err(e) => m.push_str(&error_box(&e)),
    }
    Page {
        title: format!("Changes of {id}"),
        main: m,
    }
}

/// The signature status of an event's records commit (`signed-and-verified`,
/// `signed-unknown-key`, `bad-signature`, `unsigned`), checked against the allowed-signers file on
/// `service` (see `review show`); `—` when it is not known.
fn signature(label: Option<&str>) -> String {
    match label {
        Some(l) => format!(
            "<span class=\"sig {}\" title=\"signature of the records commit\">{}</span>",
            if l == "signed-and-verified" {
                "ok"
            } else {
                "bad"
            },
            esc(l)
        ),
        None => "<span class=\"none\" title=\"signature not known\">—</span>".to_string(),
    }
}

fn timeline(v: &RecordView) -> String {
    let r = &v.record;
    let mut m = format!("<ol class=\"timeline\" data-record=\"{}\">", r.number);
    // one records commit per event, in order (older records may hold several events per commit)
    let labels = (v.signatures.len() == r.events.len()).then_some(&v.signatures);
    for (i, e) in r.events.iter().enumerate() {
        let _ = write!(
            m,
            "<li class=\"event {a}\" data-action=\"{a}\"><span class=\"action\">{a}</span> \
<span class=\"who\">{} &lt;{}&gt;</span> <time>{}</time> {} {}{}</li>",
            esc(&e.name),
            esc(&e.email),
            esc(&e.at),
            e.commit
                .as_deref()
                .map(|c| format!("<code>{}</code>", esc(crate::git::short_text(c))))
                .unwrap_or_default(),
            signature(labels.map(|l| l[i])),
            e.message
                .as_deref()
                .map(|msg| format!("<blockquote>{}</blockquote>", esc(msg)))
                .unwrap_or_default(),
            a = e.action.as_str(),
        );
    }
    let _ = write!(
        m,
        "<li class=\"decision\">{}: {}/{} approval(s){}{}</li></ol>",
        r.state.as_str(),
        v.approvals,
        v.required_approvals,
        if v.stale {
            " · stale (the branch moved)"
        } else {
            ""
        },
        if v.needs_sync { " · needs sync" } else { "" },
    );
    m
}

fn review_row(v: &RecordView) -> String {
    let r = &v.record;
    let req = r.events.first();
    format!(
        "<tr data-id=\"{id}\" data-record=\"{n}\" data-state=\"{st}\"><td><a href=\"/ext/{uid}/review/{n}\">{id} #{n}</a></td>\
<td>{kind}</td><td class=\"state\">{st}</td><td>{who}</td><td>{at}</td><td>{msg}</td><td>{a}/{req_a}</td></tr>",
        id = esc(&r.extension),
        uid = url(&r.extension),
        n = r.number,
        kind = r.kind.as_str(),
        st = r.state.as_str(),
        who = opt(req.map(|e| e.name.as_str())),
        at = opt(req.map(|e| e.at.as_str())),
        msg = opt(req.and_then(|e| e.message.as_deref())),
        a = v.approvals,
        req_a = v.required_approvals,
    )
}

const REVIEW_HEAD: &str = "<table class=\"reviews\"><thead><tr><th>Review</th><th>Kind</th><th>State</th>\
<th>Requested by</th><th>At</th><th>Message</th><th>Approvals</th></tr></thead><tbody>";

/// `/reviews`: the open reviews, then every request.
pub fn reviews(site: &Site) -> Page {
    let mut m = String::from("<h1>Reviews</h1>");
    for (title, all, id) in [("Open", false, "open"), ("All requests", true, "all")] {
        let _ = write!(m, "<section id=\"{id}\"><h2>{title}</h2>");
        match review::list(&site.dir, all) {
            Ok(list) if list.is_empty() => m.push_str("<p class=\"none\">None.</p>"),
            Ok(list) => {
                m.push_str(REVIEW_HEAD);
                for v in list.iter().rev() {
                    m.push_str(&review_row(v));
                }
                m.push_str("</tbody></table>");
            }
            Err(e) => m.push_str(&error_box(&e)),
        }
        m.push_str("</section>");
    }
    Page {
        title: "Reviews".into(),
        main: m,
    }
}

/// `/ext/<id>/review/<n>`: one record's timeline.
pub fn review_page(site: &Site, id: &str, number: u32) -> Page {
    let mut m = format!("<h1>{} #{number}</h1>{}", esc(id), ext_nav(id, ""));
    match review::show(&site.dir, id, Some(number)) {
        Ok(v) => {
            let _ = write!(
                m,
                "<p>{} of <code>{}</code> at <code>{}</code></p>",
                v.record.kind.as_str(),
                esc(&v.record.branch),
                opt(v.record.commit.as_deref().map(crate::git::short_text))
            );
            m.push_str(&timeline(&v));
        }
        Err(e) => m.push_str(&error_box(&e)),
    }
    Page {
        title: format!("{id} #{number}"),
        main: m,
    }
}

/// `/ext/<id>/history`: the branch chart, the lifecycle log and every review's timeline.
pub fn history(site: &Site, id: &str) -> Page {
    let mut m = format!("<h1>History of {}</h1>{}", esc(id), ext_nav(id, "/history"));
    let entries = match log::log(&site.dir, id) {
        Ok(l) => l,
        Err(e) => {
            m.push_str(&error_box(&e));
            return Page {
                title: format!("History of {id}"),
                main: m,
            };
        }
    };
    m.push_str("<section id=\"chart\"><h2>Branch chart</h2>");
    match Chart::open(&site.dir).and_then(|c| svg::chart(&c, id, &entries)) {
        Ok(svg) => {
            m.push_str("<div class=\"chart-box\">");
            m.push_str(&svg);
            m.push_str(
                "</div><p class=\"legend\"><span class=\"key request\">request</span> \
<span class=\"key approve\">approve</span> <span class=\"key reject\">reject</span> \
<span class=\"key sync\">sync</span> <span class=\"key cancel\">cancel</span> \
<span class=\"key stop\">stop</span> <span class=\"key delete\">delete / restore</span></p>",
            );
        }
        Err(e) => m.push_str(&error_box(&e)),
    }
    m.push_str("</section><section id=\"log\"><h2>Lifecycle log</h2>");
    if entries.is_empty() {
        m.push_str("<p class=\"none\">No records yet.</p>");
    } else {
        m.push_str("<table class=\"log\"><thead><tr><th>Record</th><th>Kind</th><th>Action</th><th>By</th><th>At</th><th>Commit</th><th>Service</th><th>Message</th></tr></thead><tbody>");
        for e in &entries {
            let service = match (&e.service_before, &e.service_after) {
                (Some(b), Some(a)) => format!(
                    "<code>{}</code> → <code>{}</code>",
                    esc(crate::git::short_text(b)),
                    esc(crate::git::short_text(a))
                ),
                _ => String::new(),
            };
            let _ = write!(
                m,
                "<tr data-action=\"{a}\"><td><a href=\"/ext/{uid}/review/{n}\">#{n}</a></td><td>{k}</td><td>{a}</td>\
<td>{who}</td><td>{at}</td><td><code>{c}</code></td><td>{service}</td><td>{msg}</td></tr>",
                uid = url(id),
                n = e.number,
                k = e.kind.as_str(),
                a = e.action.as_str(),
                who = esc(&e.name),
                at = esc(&e.at),
                c = e
                    .commit
                    .as_deref()
                    .map(|c| esc(crate::git::short_text(c)))
                    .unwrap_or_default(),
                msg = opt(e.message.as_deref()),
            );
        }
        m.push_str("</tbody></table>");
    }
    m.push_str("</section>");
    Page {
        title: format!("History of {id}"),
        main: m,
    }
}
