//! `cekops new`

use std::process::ExitCode;

use cekops::model::Language;
use cekops::ops::new::Checkout;
use cekops::ops::new::NewOptions;
use cekops::ops::new::new;

/// Register an extension: create its test branch from `service` with a scaffold that validates.
///
/// Like the console's "Create extension": the new extension is In development on its test branch
/// `test/<ID>` (the pattern in cekops.toml). The branch starts from `service` with one commit that
/// adds `extensions/<ID>/`: extension.toml (basic information), server.toml (server connection),
/// store.toml (deployment information), interaction-model/intents/HelloIntent.toml and
/// tests/hello.toml. `cekops validate` passes on it; what only you can provide (descriptions,
/// icons) is left commented out and reported as warnings until you fill it in.
///
/// The branch is checked out when that is safe: never over uncommitted changes (then switch with
/// `git switch test/<ID>` yourself). A bad or existing ID changes nothing.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 created, 1 refused (the extension or its branch exists, no service branch), 2 usage error (bad ID or name).\n\nExamples:\n  cekops new com.example.pizzabot --language ko-KR --name 피자봇\n  cekops new com.example.weather --language ja-JP --name \"お天気ガイド\" --invocation-name \"お天気\"\n  cekops -C ~/skills new com.example.quiz --language ko-KR"
)]
pub struct NewArgs {
    /// Extension ID in lower-case reverse-domain notation (e.g. `com.example.pizzabot`); it can
    /// never change.
    #[arg(value_name = "ID")]
    pub id: String,
    /// Language and console rules: ko-KR (KR console) or ja-JP (JP console).
    #[arg(long, value_name = "LANG", value_parser = parse_language)]
    pub language: Language,
    /// Extension name shown in the Skill Store (default: from the ID, e.g. `Pizzabot`).
    #[arg(long)]
    pub name: Option<String>,
    /// What users say to start the extension (default: the name).
    #[arg(long, value_name = "NAME")]
    pub invocation_name: Option<String>,
    /// Developer company shown in the Skill Store (default: your git user name).
    #[arg(long)]
    pub provider: Option<String>,
    /// Contact e-mail for notices from the operator (default: your git user e-mail).
    #[arg(long, value_name = "EMAIL")]
    pub contact_email: Option<String>,
}

fn parse_language(s: &str) -> Result<Language, String> {
    match s {
        "ko-KR" => Ok(Language::Korean),
        "ja-JP" => Ok(Language::Japanese),
        _ => Err("expected `ko-KR` (KR console) or `ja-JP` (JP console)".to_string()),
    }
}

pub fn run(ctx: &super::Context, args: &NewArgs) -> anyhow::Result<ExitCode> {
    let report = new(&NewOptions {
        dir: ctx.dir.clone(),
        id: args.id.clone(),
        language: args.language,
        name: args.name.clone(),
        invocation_name: args.invocation_name.clone(),
        provider: args.provider.clone(),
        contact_email: args.contact_email.clone(),
    })?;
    let mut s = format!(
        "Created branch `{}` from `{}` with {} ({} files in extensions/{}/)\n",
        report.branch,
        report.service,
        report.commit.short(),
        report.files.len(),
        report.id
    );
    match &report.checkout {
        Checkout::Switched => s.push_str(&format!("Switched to `{}`\n", report.branch)),
        Checkout::Bare => s.push_str("Not checked out: the repository is bare\n"),
        Checkout::Dirty(paths) => {
            let mut shown: Vec<&str> = paths.iter().take(10).map(String::as_str).collect();
            if paths.len() > 10 {
                shown.push("…");
            }
            s.push_str(&format!(
                "Not checked out, to keep your uncommitted changes: {}\nhint: commit or stash them, then `git switch {}`\n",
                shown.join(", "),
                report.branch
            ));
        }
        Checkout::Failed(why) => s.push_str(&format!(
            "Not checked out ({why}); nothing was overwritten\nhint: `git switch {}` when the work tree allows it\n",
            report.branch
        )),
    }
    s.push_str(&format!(
        "\nnext: edit extensions/{}/ (endpoint, store.toml), then `cekops validate`\n",
        report.id
    ));
    super::err(&s);
    Ok(ExitCode::SUCCESS)
}
