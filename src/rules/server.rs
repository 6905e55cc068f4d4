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
        check_link_url(ctx, &path, "authorization_uri", u, true);
    }
    for (name, u) in [
        ("access_token_uri", &al.access_token_uri),
        ("refresh_token_uri", &al.refresh_token_uri),
        ("account_config_url", &al.account_config_url),
        ("privacy_policy_url", &al.privacy_policy_url),
    ] {
        if let Some(u) = u {
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

/// Report an inline secret.
pub fn check_secret(ctx: &mut Ctx<'_>, path: &str, name: &str, s: &Sp<Secret>) {
    if let Secret::Inline(_) = &s.value {
        ctx.push(
            Diagnostic::new(
                Code::InlineSecret,
                format!("`{name}` is written inline; secrets must never be committed"),
            )
            .at(path, s.span.clone())
            .label("secret value in the repository")
            .hint(format!(
                "write `{name} = {{ env = \"NAME\" }}` and keep the value in that environment variable; rotate the leaked secret"
            )),
        );
    }
}
