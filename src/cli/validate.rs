//! `cekops validate`

use std::path::PathBuf;
use std::process::ExitCode;

use super::args::Format;
use super::args::Stage;
use cekops::diag::render;
use cekops::ops::validate::Source;
use cekops::ops::validate::ValidateOptions;
use cekops::ops::validate::validate_findings as validate;

/// Check extensions against the file formats and every console rule; report all findings.
///
/// Reads the work tree by default, a commit with `--rev` or the index with `--staged` (straight
/// from git objects: no checkout, works in a bare repository). Each finding has a stable code,
/// file, line and column, a message and a hint.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage or internal failure.\n\nExamples:\n  cekops validate example-repo\n  cekops validate --staged\n  cekops validate --rev service --format json\n  cekops validate --format github com.example.pizzabot"
)]
pub struct ValidateArgs {
    /// Repository folder to check (default: the current one; `extensions/<id>` checks one extension).
    pub path: Option<PathBuf>,
    /// Only these extensions (by Extension ID).
    #[arg(value_name = "ID", last = false, num_args = 0..)]
    pub ids: Vec<String>,
    /// Check this revision (branch, tag or commit) from git objects instead of the work tree.
    #[arg(long, value_name = "REV", conflicts_with = "staged")]
    pub rev: Option<String>,
    /// Check the staged files (the index); only the extensions the change touches are checked in full.
    #[arg(long)]
    pub staged: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Rules to apply: `service` also demands what a review needs (HTTPS, deployment
    /// information). Default: service rules on the service branch, test rules elsewhere.
    #[arg(long, value_enum)]
    pub stage: Option<Stage>,
}

pub fn run(ctx: &super::Context, args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    // A first positional that is not a folder is an extension ID.
    let mut ids = args.ids.clone();
    let mut path = args.path.clone();
    if let Some(p) = &path {
        let full = ctx.dir.join(p);
        if !full.exists() && !p.to_string_lossy().contains('/') {
            ids.insert(0, p.to_string_lossy().into_owned());
            path = None;
        }
    }
    let dir = match &path {
        Some(p) => ctx.dir.join(p),
        None => ctx.dir.clone(),
    };
    let source = if let Some(rev) = &args.rev {
        Source::Rev(dir, rev.clone())
    } else if args.staged {
        Source::Staged(dir)
    } else {
        Source::Dir(dir)
    };
    let outcome = validate(&ValidateOptions {
        source,
        ids,
        stage: args.stage.map(Into::into),
    })?;
    let report = &outcome.report;
    match args.format {
        Format::Human => {
            let text = render::human(report, ctx.color_for(false));
            super::err(&text);
        }
        f => super::out(&render::render(report, f.into(), false)),
    }
    let code = ExitCode::from(if report.errors() > 0 { 1 } else { 0 });
    // The process ends right after: freeing the model of a large repository (a million small
    // strings) one by one takes longer than the operating system reclaiming it at exit.
    std::mem::forget(outcome);
    Ok(code)
}
