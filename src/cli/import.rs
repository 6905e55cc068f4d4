//! `cekops import tsv` and `cekops import alexa`

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use cekops::diag::render;
use cekops::interop::tsv::Kind;
use cekops::model::Language;
use cekops::ops::import::AlexaImport;
use cekops::ops::import::ImportAlexaOptions;
use cekops::ops::import::ImportTsvOptions;
use cekops::ops::import::TsvImport;
use cekops::ops::import::import_alexa;
use cekops::ops::import::import_tsv;

/// Bring interaction models in: console TSV downloads, or an Alexa skill's interaction model.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub what: ImportCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    Tsv(ImportTsvArgs),
    Alexa(ImportAlexaArgs),
}

/// Read console TSV files (one per custom intent or slot type) into an extension's TOML files.
///
/// Each file's name without `.tsv` is the intent or slot-type name. A file in an `intents/` or
/// `slot-types/` folder is of that kind; otherwise a file starting with a `[INTENT SLOT]` header
/// is an intent and any other a slot type. Intents are written to
/// `extensions/<ID>/interaction-model/intents/<Name>.toml`, slot types to
/// `slot-types/<TYPE>.toml` (or the existing `<TYPE>.tsv`), keeping each file's `description`
/// and leading comments. Every file is checked first: when one has an error, nothing is written.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 imported, 1 a file has errors (nothing written), 2 usage.\n\nExamples:\n  cekops import tsv com.example.pizzabot OrderPizza.tsv PIZZA_TYPE.tsv\n  cekops import tsv com.example.pizzabot console-download/"
)]
pub struct ImportTsvArgs {
    /// The Extension ID to import into (its folder must exist in the work tree).
    pub id: String,
    /// TSV files, or folders holding them (as `cekops export tsv` writes).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Convert an Alexa interaction model into a new extension on its test branch.
///
/// Reads `interactionModel.languageModel` (invocation name, intents with slots and samples,
/// custom slot types with values and synonyms) and commits the new extension folder on
/// `test/<ID>`, branched from `service`, without touching the work tree. `{slot}` placeholders
/// become tagged values; `AMAZON.*` intents and slot types map to their Clova equivalents. The
/// report lists every mapping and everything that could not be converted (dialog model, prompts,
/// slot elicitation, validations, built-ins without an equivalent), then what `validate` says
/// about the result.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 imported, 1 the model cannot be read or the repository refuses (nothing written), 2 usage.\n\nExample:\n  cekops import alexa skill-package/interactionModels/custom/ja-JP.json --id com.example.facts --language ja-JP"
)]
pub struct ImportAlexaArgs {
    /// The Alexa interaction-model JSON file.
    #[arg(value_name = "MODEL.json")]
    pub model: PathBuf,
    /// Extension ID of the new extension (reverse-domain notation).
    #[arg(long)]
    pub id: String,
    /// Language of the new extension: `ko-KR` or `ja-JP`.
    #[arg(long, value_parser = parse_language)]
    pub language: Language,
    /// Extension name (default: the invocation name).
    #[arg(long)]
    pub name: Option<String>,
    /// Extension server URL (default: a placeholder under `example.invalid` to replace).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Convert and report, but create no branch.
    #[arg(long)]
    pub dry_run: bool,
}

fn parse_language(s: &str) -> Result<Language, String> {
    match s {
        "ko-KR" => Ok(Language::Korean),
        "ja-JP" => Ok(Language::Japanese),
        _ => Err("expected `ko-KR` or `ja-JP`".into()),
    }
}

pub fn run(ctx: &super::Context, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    match &args.what {
        ImportCommand::Tsv(a) => run_tsv(ctx, a),
        ImportCommand::Alexa(a) => run_alexa(ctx, a),
    }
}

fn shown(p: &std::path::Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

fn run_tsv(ctx: &super::Context, args: &ImportTsvArgs) -> anyhow::Result<ExitCode> {
    let files = args
        .files
        .iter()
        .map(|f| (shown(f), ctx.dir.join(f)))
        .collect();
    let outcome = import_tsv(&ImportTsvOptions {
        dir: ctx.dir.clone(),
        id: args.id.clone(),
        files,
    })?;
    match outcome {
        TsvImport::Refused(report) => {
            super::err(&render::human(&report, ctx.color_for(false)));
            super::err("error: nothing imported: fix the files above and run again\n");
            Ok(ExitCode::from(1))
        }
        TsvImport::Written {
            files,
            declared,
            report,
        } => {
            let mut s = String::new();
            for f in &files {
                let plural = if f.count == 1 { "" } else { "s" };
                let what = match f.kind {
                    Kind::Intent => format!("intent `{}`, {} utterance{plural}", f.name, f.count),
                    Kind::SlotType => format!("slot type `{}`, {} value{plural}", f.name, f.count),
                };
                let _ = writeln!(
                    s,
                    "{:<9} {} ({what}) from {}",
                    f.change.as_str(),
                    f.path,
                    f.from
                );
            }
            if !declared.is_empty() {
                let _ = writeln!(
                    s,
                    "{:<9} extensions/{}/extension.toml (declared built-in slot type{} {})",
                    "updated",
                    args.id,
                    if declared.len() == 1 { "" } else { "s" },
                    declared
                        .iter()
                        .map(|d| format!("`{d}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            super::out(&s);
            if !report.diagnostics.is_empty() {
                super::err(&render::human(&report, ctx.color_for(false)));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run_alexa(ctx: &super::Context, args: &ImportAlexaArgs) -> anyhow::Result<ExitCode> {
    let outcome = import_alexa(&ImportAlexaOptions {
        dir: ctx.dir.clone(),
        file: (shown(&args.model), ctx.dir.join(&args.model)),
        id: args.id.clone(),
        language: args.language,
        name: args.name.clone(),
        endpoint: args.endpoint.clone(),
        dry_run: args.dry_run,
    })?;
    let done = match outcome {
        AlexaImport::Refused(report) => {
            super::err(&render::human(&report, ctx.color_for(false)));
            super::err("error: nothing imported\n");
            return Ok(ExitCode::from(1));
        }
        AlexaImport::Done(d) => d,
    };
    let conv = &done.conversion;
    let mut s = format!(
        "import alexa: {} → {} ({})\n",
        shown(&args.model),
        args.id,
        args.language.code()
    );
    for n in &conv.notes {
        let _ = writeln!(s, "  {:<9} {}", n.kind.as_str(), n.message);
    }
    for (path, _) in &conv.files {
        let _ = writeln!(s, "  {:<9} extensions/{}/{path}", "file", args.id);
    }
    let _ = writeln!(
        s,
        "{} custom intents, {} custom slot types",
        conv.intents.len(),
        conv.slot_types.len()
    );
    match &done.commit {
        Some(c) => {
            let _ = writeln!(
                s,
                "committed {} on `{}` (from `{}`); the work tree is unchanged",
                &c.to_string()[..12],
                done.branch,
                done.base
            );
        }
        None => {
            let _ = writeln!(
                s,
                "dry run: would commit on `{}` (from `{}`)",
                done.branch, done.base
            );
        }
    }
    let r = &done.report;
    if r.diagnostics.is_empty() {
        s.push_str("validate: no problems found\n");
    } else {
        let info = match r.infos() {
            0 => String::new(),
            n => format!(", {n} info"),
        };
        let _ = writeln!(
            s,
            "validate: {} error{}, {} warning{}{info} (listed on stderr)",
            r.errors(),
            if r.errors() == 1 { "" } else { "s" },
            r.warnings(),
            if r.warnings() == 1 { "" } else { "s" }
        );
        super::err(&render::human(r, ctx.color_for(false)));
    }
    super::out(&s);
    if done.commit.is_some() {
        super::err(&format!(
            "hint: `git switch {}` to edit it; `cekops validate {}` checks it\n",
            done.branch, args.id
        ));
    }
    Ok(ExitCode::SUCCESS)
}
