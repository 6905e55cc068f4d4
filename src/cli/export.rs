//! `cekops export tsv` and `cekops export bundle`

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use super::args::Stage;
use cekops::diag::render;
use cekops::ops::export::BundleExport;
use cekops::ops::export::BundleOptions;
use cekops::ops::export::ExportTsvOptions;
use cekops::ops::export::TsvExport;
use cekops::ops::export::export_bundle;
use cekops::ops::export::export_tsv;
use cekops::ops::export::write_atomic;
use cekops::ops::validate::Source;

/// Write extensions out: the console's TSV upload files, or a deployable JSON bundle.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub what: ExportCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    Tsv(ExportTsvArgs),
    Bundle(ExportBundleArgs),
}

/// Write one extension's custom intents and slot types in the console's TSV upload format.
///
/// Files: `DIR/intents/<IntentName>.tsv` (an `[INTENT SLOT]` section of `slotName<TAB>slotType`
/// lines, a blank line, then `[INTENT EXPRESSION]` and one tagged utterance per line) and
/// `DIR/slot-types/<TYPE>.tsv` (a representative value and its synonyms per line, tab-separated).
/// UTF-8 without byte-order mark, `\n` line ends; the same model always gives the same bytes.
/// A console upload replaces the whole intent or slot type.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 written, 1 the model cannot be written as TSV or DIR is not empty (nothing written), 2 usage.\n\nExamples:\n  cekops export tsv com.example.pizzabot --out upload/\n  cekops export tsv com.example.pizzabot --rev service --out upload/ --force"
)]
pub struct ExportTsvArgs {
    /// The Extension ID.
    pub id: String,
    /// Read this revision (branch, tag or commit) from git objects instead of the work tree.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Output folder (created when missing; must be empty unless `--force`).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace the `.tsv` files of an earlier export in DIR.
    #[arg(long)]
    pub force: bool,
}

/// Write one JSON document holding every extension: what a deploy job ships.
///
/// All four categories (basic information, server connection with secrets as references, the
/// interaction model compiled into slots and parsed utterances, deployment information) and icons
/// as SHA-256 digests with size and pixel dimensions. Reads the files on disk by default (a plain
/// folder works too) or a revision with `--rev`; the same files give byte-identical output. Its
/// JSON Schema is `schemas/bundle.schema.json`. Refuses when `validate` finds errors.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 written, 1 validation errors (nothing written), 2 usage.\n\nExamples:\n  cekops export bundle --out bundle.json\n  cekops export bundle --rev service --out - | jq .extensions[].id"
)]
pub struct ExportBundleArgs {
    /// Repository folder (default: the current one).
    pub path: Option<PathBuf>,
    /// Read this revision (branch, tag or commit) from git objects instead of the files on disk.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Output file; `-` writes to stdout.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Rules to check before bundling (default as `validate`: service rules on the service branch).
    #[arg(long, value_enum)]
    pub stage: Option<Stage>,
}

pub fn run(ctx: &super::Context, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    match &args.what {
        ExportCommand::Tsv(a) => run_tsv(ctx, a),
        ExportCommand::Bundle(a) => run_bundle(ctx, a),
    }
}

fn source(dir: PathBuf, rev: &Option<String>) -> Source {
    match rev {
        Some(r) => Source::Rev(dir, r.clone()),
        None => Source::Dir(dir),
    }
}

fn run_tsv(ctx: &super::Context, args: &ExportTsvArgs) -> anyhow::Result<ExitCode> {
    let outcome = export_tsv(&ExportTsvOptions {
        source: source(ctx.dir.clone(), &args.rev),
        id: args.id.clone(),
        out: ctx.dir.join(&args.out),
        out_name: args.out.to_string_lossy().into_owned(),
        force: args.force,
    })?;
    match outcome {
        TsvExport::Refused(report) => {
            super::err(&render::human(&report, ctx.color_for(false)));
            super::err(
                "error: nothing exported: the console's TSV format cannot hold the model as it is\n",
            );
            Ok(ExitCode::from(1))
        }
        TsvExport::Written(files) => {
            let mut s = String::new();
            let dir = args.out.to_string_lossy();
            for f in &files {
                let unit = match (f.kind, f.count) {
                    (cekops::interop::tsv::Kind::Intent, 1) => "utterance",
                    (cekops::interop::tsv::Kind::Intent, _) => "utterances",
                    (cekops::interop::tsv::Kind::SlotType, 1) => "value",
                    (cekops::interop::tsv::Kind::SlotType, _) => "values",
                };
                let _ = writeln!(
                    s,
                    "{}/{} ({} {unit})",
                    dir.trim_end_matches('/'),
                    f.rel,
                    f.count
                );
            }
            super::out(&s);
            super::err(&format!(
                "wrote {} file{} for `{}`\n",
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                args.id
            ));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run_bundle(ctx: &super::Context, args: &ExportBundleArgs) -> anyhow::Result<ExitCode> {
    let dir = match &args.path {
        Some(p) => ctx.dir.join(p),
        None => ctx.dir.clone(),
    };
    let outcome = export_bundle(&BundleOptions {
        source: source(dir, &args.rev),
        stage: args.stage.map(Into::into),
    })?;
    match outcome {
        BundleExport::Refused(report) => {
            super::err(&render::human(&report, ctx.color_for(false)));
            super::err("error: no bundle written: fix the errors above first\n");
            Ok(ExitCode::from(1))
        }
        BundleExport::Bundle {
            json,
            extensions,
            warnings,
        } => {
            if args.out.as_os_str() == "-" {
                super::out(&json);
            } else {
                write_atomic(&ctx.dir.join(&args.out), json.as_bytes())?;
            }
            let w = warnings.warnings();
            super::err(&format!(
                "bundled {extensions} extension{}{}\n",
                if extensions == 1 { "" } else { "s" },
                if w > 0 {
                    format!(
                        " ({w} warning{}: see `cekops validate`)",
                        if w == 1 { "" } else { "s" }
                    )
                } else {
                    String::new()
                }
            ));
            Ok(ExitCode::SUCCESS)
        }
    }
}
