//! `server.toml` rules (spec §2).

use super::Ctx;
use super::Stage;
use super::parse_url;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::model::GrantType;
use crate::model::Language;
use crate::model::Secret;
use crate::model::Sp;

pub fn check(ctx: &mut Ctx<'_>) {
    let ext = ctx.ext;
    let Some(server) = &ext.server else { return };
    let path = ext.path("server.toml");
    let lang = ext.language();
    let ep = &server.endpoint;
    check_url_secrets(ctx, &path, "endpoint", ep);
    match parse_url(&ep.value) {
        None => ctx.push(
            Diagnostic::new(
                Code::EndpointUrl,
                format!("`{}` is not an http(s) URL", ep.value),
            )
            .at(path.clone(), ep.span.clone())
            .hint("the extension server URL receives CEK's POST requests, e.g. `https://example.com/pizzabot`"),
        ),
        Some(url) => {
            let https = url.scheme == "https";
            if !https {
                let refuse = match (lang, ctx.stage) {
                    (Some(Language::Japanese), _) => Some("JP extensions accept HTTPS on port 443 only"),
                    (_, Stage::Service) => Some("an extension in service or under review needs HTTPS on port 443"),
                    _ => None,
                };
                if let Some(why) = refuse {
                    ctx.push(
                        Diagnostic::new(Code::EndpointScheme, format!("endpoint uses plain HTTP: {why}"))
                            .at(path.clone(), ep.span.clone())
                            .hint("serve the endpoint over HTTPS with a certificate from a trusted CA"),
                    );
                }
            }
            let allowed = if https { 443 } else { 80 };
            if let Some(port) = url.port
                && port != allowed
            {
                ctx.push(
                    Diagnostic::new(
                        Code::EndpointPort,
                        format!("endpoint uses port {port}; {} must use port {allowed}", url.scheme.to_uppercase()),
                    )
                    .at(path.clone(), ep.span.clone())
                    .hint("the console fixes the ports: 443 for HTTPS, 80 for HTTP"),
                );
            }
        }
    }
    if !server.trusted_certificate.value {
        ctx.push(
            Diagnostic::new(
                Code::UntrustedCertificate,
                "the server's certificate is not from a trusted CA",
            )
            .at(path.clone(), server.trusted_certificate.span.clone())
            .hint(
                "self-signed certificates are not accepted; CEK may not call the extension at all",
            ),
        );
    }
    let Some(al) = &server.account_linking else {
        return;
    };
    let table = al.span.clone();
    let al = &al.value;
    let required: [(&str, bool); 4] = [
        ("authorization_uri", al.authorization_uri.is_some()),
        ("client_id", al.client_id.is_some()),
        ("access_token_uri", al.access_token_uri.is_some()),
        ("client_secret", al.client_secret.is_some()),
    ];
    for (name, present) in required {
        if !present {
            ctx.push(
                Diagnostic::new(
                    Code::AccountLinkingRequired,
                    format!("account linking needs `{name}`"),
                )
                .at(path.clone(), table.start..table.start)
                .hint(match name {
                    "client_secret" => "add `client_secret = { env = \"NAME\" }`: a reference, never the secret itself",
                    "authorization_uri" => "the login page users are sent to, HTTPS on port 443",
                    "access_token_uri" => "the token endpoint that swaps the code for tokens",
                    _ => "the client ID issued by your authorization server",
                }),
            );
        }
    }
    if let Some(u) = &al.authorization_uri {
        check_url_secrets(ctx, &path, "authorization_uri", u);
        check_link_url(ctx, &path, "authorization_uri", u, true);
    }
    for (name, u) in [
        ("access_token_uri", &al.access_token_uri),
        ("refresh_token_uri", &al.refresh_token_uri),
        ("account_config_url", &al.account_config_url),
        ("privacy_policy_url", &al.privacy_policy_url),
    ] {
        if let Some(u) = u {
            check_url_secrets(ctx, &path, name, u);
            check_link_url(ctx, &path, name, u, false);
        }
    }
    if al.domains.value.len() > 15 {
        ctx.push(
            Diagnostic::new(
                Code::AccountLinkingDomainsCount,
                format!("{} domains; at most 15 are allowed", al.domains.value.len()),
            )
            .at(path.clone(), al.domains.span.clone()),
        );
    }
    if al.scopes.value.len() > 15 {
        ctx.push(
            Diagnostic::new(
                Code::AccountLinkingScopesCount,
                format!("{} scopes; at most 15 are allowed", al.scopes.value.len()),
            )
            .at(path.clone(), al.scopes.span.clone()),
        );
    }
    if al.grant_type.value != GrantType::Code {
        ctx.push(
            Diagnostic::new(
                Code::AccountLinkingGrantType,
                "only the authorization-code grant is supported",
            )
            .at(path.clone(), al.grant_type.span.clone())
            .hint("set `grant_type = \"code\"` (or remove it)"),
        );
    }
    if let Some(s) = &al.client_secret {
        check_secret(ctx, &path, "client_secret", s);
    }
}

fn check_link_url(ctx: &mut Ctx<'_>, path: &str, name: &str, u: &Sp<String>, login: bool) {
    match parse_url(&u.value) {
        None => ctx.push(
            Diagnostic::new(
                Code::AccountLinkingUrl,
                format!("`{name}` is not an http(s) URL: `{}`", u.value),
            )
            .at(path, u.span.clone()),
        ),
        Some(url) if login && (url.scheme != "https" || url.port.is_some_and(|p| p != 443)) => ctx
            .push(
                Diagnostic::new(
                    Code::AccountLinkingUrl,
                    "the login page (`authorization_uri`) must be HTTPS on port 443",
                )
                .at(path, u.span.clone()),
            ),
        Some(_) => {}
    }
}

/// Report a secret that is not a plain reference: written inline, with keys beside `env`, or
/// naming something that cannot be an environment variable.
pub fn check_secret(ctx: &mut Ctx<'_>, path: &str, name: &str, s: &Sp<Secret>) {
    match &s.value {
        Secret::Inline(_) => ctx.push(
            Diagnostic::new(
                Code::InlineSecret,
                format!("`{name}` is written inline; secrets must never be committed"),
            )
            .at(path, s.span.clone())
            .label("secret value in the repository")
            .hint(format!(
                "write `{name} = {{ env = \"NAME\" }}` and keep the value in that environment variable; rotate the leaked secret"
            )),
        ),
        Secret::Env { env, extra } => {
            if !extra.is_empty() {
                ctx.push(
                    Diagnostic::new(
                        Code::SecretExtraKey,
                        format!(
                            "`{name}` has {} beside `env`: {}",
                            if extra.len() == 1 { "a key" } else { "keys" },
                            code_list(extra.keys())
                        ),
                    )
                    .at(path, s.span.clone())
                    .label("possibly a secret value in the repository")
                    .hint(format!(
                        "a secret reference is only `{name} = {{ env = \"NAME\" }}`; remove the other keys and rotate the value if it was a secret"
                    )),
                );
            }
            if !is_env_name(env) {
                ctx.push(
                    Diagnostic::new(
                        Code::SecretEnvName,
                        format!("`{name}` names `{env}`, which is not a valid environment variable name"),
                    )
                    .at(path, s.span.clone())
                    .hint("an environment variable name is letters, digits and `_`, not starting with a digit, e.g. `PIZZABOT_CLIENT_SECRET`"),
                );
            }
        }
    }
}

/// Names in backticks, comma-separated.
fn code_list<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> String {
    names
        .into_iter()
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A portable environment variable name (POSIX: `[A-Za-z_][A-Za-z0-9_]*`).
pub fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Query parameters whose value is a credential: a URL that carries one leaks it to everyone who
/// can read the repository (and to the console, logs and referrers).
const SECRET_QUERY_KEYS: &[&str] = &[
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "auth",
    "auth_token",
    "authorization",
    "key",
    "api_key",
    "apikey",
    "secret",
    "client_secret",
    "password",
    "passwd",
    "pwd",
    "sig",
    "signature",
    "session",
    "sessionid",
    "x-api-key",
    "x-amz-signature",
    "x-amz-security-token",
];

/// Report credentials written into a URL field: `user:password@` in the authority, or a token in
/// the query string. Applies to every URL field of every file, whatever its scheme.
pub fn check_url_secrets(ctx: &mut Ctx<'_>, path: &str, name: &str, u: &Sp<String>) {
    let s = u.value.as_str();
    let Some((_, rest)) = s.split_once("://") else {
        return;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        ctx.push(
            Diagnostic::new(
                Code::UrlCredentials,
                format!("`{name}` has credentials in the URL (`user:password@host`)"),
            )
            .at(path, u.span.clone())
            .label("credentials in the repository")
            .hint("remove the `user:password@` part; the server must authenticate CEK another way (e.g. the request signature); rotate the leaked password"),
        );
    }
    let query = rest
        .split('#')
        .next()
        .unwrap_or("")
        .split_once('?')
        .map_or("", |(_, q)| q);
    let leaked: Vec<&str> = query
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let lower = key.to_ascii_lowercase();
            (!value.is_empty() && SECRET_QUERY_KEYS.contains(&lower.as_str())).then_some(key)
        })
        .collect();
    if !leaked.is_empty() {
        ctx.push(
            Diagnostic::new(
                Code::UrlToken,
                format!(
                    "`{name}` carries a credential in its query string ({})",
                    code_list(leaked)
                ),
            )
            .at(path, u.span.clone())
            .label("token in the repository")
            .hint("remove the parameter; secrets belong in environment variables (`{ env = \"NAME\" }`), never in a URL; rotate the leaked token"),
        );
    }
}
