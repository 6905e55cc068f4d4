//! `cekops fmt`

use std::path::PathBuf;
use std::process::ExitCode;

use cekops::diag::render;
use cekops::ops::fmt::FmtOptions;
use cekops::ops::fmt::Outcome;
use cekops::ops::fmt::fmt;

/// Rewrite the TOML files in one canonical layout, keeping every comment.
///
/// Formats `cekops.toml` and every `.toml` file under `extensions/` (or just the folder or file
/// given): `key = value` with single spaces, short arrays on one line, longer ones — and the
/// utterance lists `utterances` and `example_phrases` always — one element per line indented by
/// two spaces with a trailing comma, one blank line before each `[table]` header, no trailing
/// whitespace, exactly one final newline. Keys, strings and numbers keep their spelling.
/// Formatting twice changes nothing.
///
/// Every result is checked before it is written (same data, same comments, stable); a file that
/// is not valid TOML is reported (`toml-syntax`, with file:line:col) and left untouched.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 all files formatted (or already canonical), 1 with --check when a file would change, or when a file is not valid TOML, 2 usage or internal failure.\n\nExamples:\n  cekops fmt                                    format the whole repository\n  cekops fmt --check                            list files that would change (CI, pre-commit)\n  cekops fmt extensions/com.example.pizzabot    one extension\n  cekops -C ../skills fmt extensions/com.example.pizzabot/store.toml"
)]
pub struct FmtArgs {
    /// Repository folder, a folder under `extensions/`, or one `.toml` file (default: the
    /// repository containing the current folder).
    pub path: Option<PathBuf>,
    /// Write nothing; list the files that would change on stdout, one per line, and exit 1 if any.
    #[arg(long)]
    pub check: bool,
}

pub fn run(ctx: &super::Context, args: &FmtArgs) -> anyhow::Result<ExitCode> {
    let path = match &args.path {
        Some(p) if ctx.dir == std::path::Path::new(".") => p.clone(),
        Some(p) => ctx.dir.join(p),
        None => ctx.dir.clone(),
    };
    let report = fmt(&FmtOptions {
        path,
        check: args.check,
        base: ctx.dir.clone(),
    })?;
    let mut listing = String::new();
    let mut log = String::new();
    for f in report.reformatted() {
        if args.check {
            listing.push_str(&f.display);
            listing.push('\n');
        } else {
            log.push_str(&format!("reformatted {}\n", f.display));
        }
    }
    super::out(&listing);
    if !report.report.diagnostics.is_empty() {
        log.push_str(&render::human(&report.report, ctx.color_for(false)));
    }
    let mut internal = false;
    for (file, why) in report.unsafe_files() {
        internal = true;
        log.push_str(&format!("error: {file}: {why}\n"));
    }
    let changed = report.count(&Outcome::Reformatted);
    let unchanged = report.count(&Outcome::Unchanged);
    let invalid = report.count(&Outcome::Invalid);
    let total = report.files.len();
    if total == 0 {
        log.push_str("no TOML files to format (cekops.toml, extensions/**/*.toml)\n");
    } else {
        let verb = if args.check {
            "would be reformatted"
        } else {
            "reformatted"
        };
        let mut summary =
            format!("{changed} of {total} files {verb}, {unchanged} already formatted");
        if invalid > 0 {
            summary.push_str(&format!(", {invalid} not valid (left untouched)"));
        }
        log.push_str(&summary);
        log.push('\n');
        if args.check && changed > 0 {
            log.push_str("\nhint: run `cekops fmt` to rewrite them\n");
        }
    }
    super::err(&log);
    let code = if internal {
        2
    } else if invalid > 0 || (args.check && changed > 0) {
        1
    } else {
        0
    };
    Ok(ExitCode::from(code))
}
