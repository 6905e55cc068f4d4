//! The settings categories: basic information, server connection, deployment information.

use super::Builder;
use super::Change;
use super::Key;
use super::Value;
use super::strs;
use super::wire;
use crate::model;
use crate::model::Sp;

// ---------------------------------------------------------------------------------------------
// Basic information

pub(super) fn basic(
    b: &mut Builder,
    old: Option<&model::Extension>,
    new: Option<&model::Extension>,
) {
    let o = old.and_then(|e| e.info.as_ref());
    let n = new.and_then(|e| e.info.as_ref());
    macro_rules! text {
        ($field:literal, $get:expr) => {
            b.field($field, o.and_then($get), n.and_then($get), false)
        };
    }
    text!("id", |i| Some(i.id.value.clone()));
    text!("type", |i| Some(Value::Word(wire(&i.kind))));
    text!("language", |i| Some(Value::Word(
        i.language.value.code().to_string()
    )));
    text!("name", |i| Some(i.name.value.clone()));
    text!("name_reading", |i| i
        .name_reading
        .as_ref()
        .map(|s| s.value.clone()));
    b.list(
        "invocation_names",
        o.map(|i| strs(&i.invocation_names)).unwrap_or_default(),
        n.map(|i| strs(&i.invocation_names)).unwrap_or_default(),
        Key::Spoken,
        true,
    );
    text!("provider", |i| i.provider.as_ref().map(|s| s.value.clone()));
    text!("audio_player", |i| Some(Value::Flag(i.audio_player)));
    text!("contact_email", |i| i
        .contact_email
        .as_ref()
        .map(|s| s.value.clone()));
    b.list(
        "testers",
        o.map(|i| strs(&i.testers)).unwrap_or_default(),
        n.map(|i| strs(&i.testers)).unwrap_or_default(),
        Key::Exact,
        false,
    );
}

// ---------------------------------------------------------------------------------------------
// Server connection

pub(super) fn server(
    b: &mut Builder,
    old: Option<&model::Extension>,
    new: Option<&model::Extension>,
) {
    let o = old.and_then(|e| e.server.as_ref());
    let n = new.and_then(|e| e.server.as_ref());
    b.field(
        "endpoint",
        o.map(|s| s.endpoint.value.clone()),
        n.map(|s| s.endpoint.value.clone()),
        true,
    );
    b.field(
        "trusted_certificate",
        o.map(|s| s.trusted_certificate.value),
        n.map(|s| s.trusted_certificate.value),
        false,
    );
    let oa = o.and_then(|s| s.account_linking.as_ref()).map(|a| &a.value);
    let na = n.and_then(|s| s.account_linking.as_ref()).map(|a| &a.value);
    // Only report the switch when the server settings exist on both sides (otherwise the
    // endpoint line already says the whole tab appeared or went away).
    if o.is_some() && n.is_some() && oa.is_some() != na.is_some() {
        b.field(
            "account_linking",
            Some(oa.is_some()),
            Some(na.is_some()),
            true,
        );
    }
    let Some(na) = na else {
        return;
    };
    macro_rules! opt {
        ($field:literal, $name:ident) => {
            b.field(
                concat!("account_linking.", $field),
                oa.and_then(|a| a.$name.as_ref()).map(|s| s.value.clone()),
                na.$name.as_ref().map(|s| s.value.clone()),
                false,
            )
        };
    }
    opt!("authorization_uri", authorization_uri);
    opt!("account_config_url", account_config_url);
    opt!("client_id", client_id);
    opt!("privacy_policy_url", privacy_policy_url);
    b.list(
        "account_linking.domains",
        oa.map(|a| strs(&a.domains)).unwrap_or_default(),
        strs(&na.domains),
        Key::Exact,
        false,
    );
    b.list(
        "account_linking.scopes",
        oa.map(|a| strs(&a.scopes)).unwrap_or_default(),
        strs(&na.scopes),
        Key::Exact,
        false,
    );
    b.field(
        "account_linking.grant_type",
        oa.map(|a| Value::Word(wire(&a.grant_type.value))),
        Some(Value::Word(wire(&na.grant_type.value))),
        false,
    );
    opt!("access_token_uri", access_token_uri);
    opt!("refresh_token_uri", refresh_token_uri);
    b.field(
        "account_linking.client_secret",
        oa.and_then(|a| a.client_secret.as_ref())
            .map(|s| Value::Word(s.value.display())),
        na.client_secret
            .as_ref()
            .map(|s| Value::Word(s.value.display())),
        false,
    );
    b.field(
        "account_linking.client_auth",
        oa.and_then(|a| a.client_auth.as_ref())
            .map(|s| Value::Word(wire(&s.value))),
        na.client_auth.as_ref().map(|s| Value::Word(wire(&s.value))),
        false,
    );
}

// ---------------------------------------------------------------------------------------------
// Deployment information

pub(super) fn deployment(
    b: &mut Builder,
    old: Option<&model::Extension>,
    new: Option<&model::Extension>,
) {
    let o = old.and_then(|e| e.store.as_ref());
    let n = new.and_then(|e| e.store.as_ref());
    let os = o.map(|s| &s.store.value);
    let ns = n.map(|s| &s.store.value);
    macro_rules! opt {
        ($o:expr, $n:expr, $field:literal, $name:ident) => {
            b.field(
                $field,
                $o.and_then(|x| x.$name.as_ref()).map(|s| s.value.clone()),
                $n.and_then(|x| x.$name.as_ref()).map(|s| s.value.clone()),
                false,
            )
        };
    }
    macro_rules! list {
        ($o:expr, $n:expr, $field:literal, $name:ident, $key:expr) => {
            b.list(
                $field,
                $o.map(|x| strs(&x.$name)).unwrap_or_default(),
                $n.map(|x| strs(&x.$name)).unwrap_or_default(),
                $key,
                false,
            )
        };
    }
    opt!(os, ns, "store.category", category);
    opt!(os, ns, "store.countries", countries);
    opt!(os, ns, "store.description", description);
    opt!(os, ns, "store.short_description", short_description);
    list!(
        os,
        ns,
        "store.example_phrases",
        example_phrases,
        Key::Spoken
    );
    list!(os, ns, "store.keywords", keywords, Key::Spoken);
    icon(
        b,
        old,
        new,
        "store.small_icon",
        os.and_then(|s| s.small_icon.as_ref()),
        ns.and_then(|s| s.small_icon.as_ref()),
    );
    icon(
        b,
        old,
        new,
        "store.large_icon",
        os.and_then(|s| s.large_icon.as_ref()),
        ns.and_then(|s| s.large_icon.as_ref()),
    );
    list!(os, ns, "store.target_devices", target_devices, Key::Exact);

    let op = o.map(|s| &s.privacy.value);
    let np = n.map(|s| &s.privacy.value);
    macro_rules! flag {
        ($field:literal, $name:ident) => {
            b.field(
                $field,
                op.and_then(|x| x.$name.as_ref()).map(|s| s.value),
                np.and_then(|x| x.$name.as_ref()).map(|s| s.value),
                false,
            )
        };
    }
    flag!("privacy.purchase", purchase);
    flag!("privacy.personal_info", personal_info);
    flag!("privacy.minors", minors);
    opt!(op, np, "privacy.privacy_policy_url", privacy_policy_url);
    opt!(op, np, "privacy.terms_url", terms_url);

    let or = o.map(|s| &s.review.value);
    let nr = n.map(|s| &s.review.value);
    opt!(or, nr, "review.description", description);
    let ota = or.and_then(|r| r.test_account.as_ref()).map(|t| &t.value);
    let nta = nr.and_then(|r| r.test_account.as_ref()).map(|t| &t.value);
    b.field(
        "review.test_account.id",
        ota.map(|t| t.id.value.clone()),
        nta.map(|t| t.id.value.clone()),
        false,
    );
    b.field(
        "review.test_account.password",
        ota.map(|t| Value::Word(t.password.value.display())),
        nta.map(|t| Value::Word(t.password.value.display())),
        false,
    );
    b.field(
        "review.provider_type",
        or.and_then(|r| r.provider_type.as_ref())
            .map(|s| Value::Word(wire(&s.value))),
        nr.and_then(|r| r.provider_type.as_ref())
            .map(|s| Value::Word(wire(&s.value))),
        false,
    );
    opt!(or, nr, "review.provider_name", provider_name);
    opt!(
        or,
        nr,
        "review.provider_name_reading",
        provider_name_reading
    );
    opt!(or, nr, "review.address", address);
    opt!(or, nr, "review.phone", phone);
    opt!(or, nr, "review.representative", representative);
    opt!(or, nr, "review.website", website);
    opt!(or, nr, "review.line_account", line_account);
}

/// An icon setting: its path, and the image when the path stayed the same.
fn icon(
    b: &mut Builder,
    old: Option<&model::Extension>,
    new: Option<&model::Extension>,
    field: &str,
    op: Option<&Sp<String>>,
    np: Option<&Sp<String>>,
) {
    let op = op.map(|s| s.value.trim());
    let np = np.map(|s| s.value.trim());
    b.field(field, op.map(str::to_string), np.map(str::to_string), false);
    if let (Some(op), Some(np)) = (op, np)
        && op == np
        && icon_bytes(old, op) != icon_bytes(new, np)
    {
        b.push(
            Change::FileChanged {
                field: field.to_string(),
                path: np.to_string(),
            },
            false,
        );
    }
}

/// The bytes of an icon referenced by `store.toml` (a path relative to the extension folder).
fn icon_bytes<'a>(ext: Option<&'a model::Extension>, rel: &str) -> Option<&'a [u8]> {
    let ext = ext?;
    let rel = rel.trim_start_matches("./");
    ext.assets.get(&ext.path(rel)).map(|a| &a.bytes[..])
}
