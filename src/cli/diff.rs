//! `cekops diff`

use std::process::ExitCode;

use cekops::ops::diff::AgainstTsv;
use cekops::ops::diff::DiffOptions;
use cekops::ops::diff::against_tsv;
use cekops::ops::diff::diff;
use cekops::semdiff::render;

/// Show what changed for the console between two revisions, by update category.
///
/// A semantic diff, read straight from git objects (no checkout; works in a bare repository):
/// changes are grouped like the console's update categories — basic information
/// (extension.toml), server connection (server.toml), interaction model (intents, slot types,
/// built-in intents and slot types) and deployment information (store.toml). Order and whitespace
/// do not count: utterances, slot values, synonyms and invocation names are compared normalised
/// (case, full-width characters and spaces folded). An intent that disappears while another with
/// mostly the same utterances appears is shown as renamed. Secrets are shown only as references
/// (keys written beside `env` as `<hidden, N bytes>`).
///
/// Every repository-level file that differs (outside the `extensions/<ID>/` folders) is shown as a
/// plain file diff under "repository files", with or without an ID: a review of the test branch
/// brings it to service too. CI workflows, hooks and `cekops.toml` are flagged with `!`: they run
/// code or change the review policy.
///
/// Destructive changes are flagged (`!` in text, ⚠️ in Markdown, `"destructive": true` in JSON):
/// removed or renamed intents, removed slots, slot values, synonyms, slot types, built-in
/// intents and invocation names, a changed or removed endpoint, account linking turned off.
///
/// With an ID: `service` → `test/<ID>` for that extension (branch names from `cekops.toml` on
/// the service branch). Without an ID: every extension that differs between `service` and the
/// current `HEAD`. `--from` and `--to` take any revision (branch, tag, commit, `HEAD~2`).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status (like `terraform plan -detailed-exitcode`):\n  0  no changes\n  1  error (unknown revision or extension, not a git repository, bad arguments)\n  2  changes found\n\nExamples:\n  cekops diff com.example.pizzabot\n  cekops diff --from service --to HEAD --format markdown > comment.md\n  cekops diff com.example.pizzabot --from v1.2 --format json\n  cekops diff com.example.pizzabot --against-tsv console-download/"
)]
pub struct DiffArgs {
    /// Only this extension (Extension ID); without `--to`, compares with its test branch.
    #[arg(value_name = "ID")]
    pub id: Option<String>,
    /// The old revision [default: the service branch].
    #[arg(long, value_name = "REV")]
    pub from: Option<String>,
    /// The new revision [default: `test/<ID>` with an ID, else `HEAD`]. With an ID and its test
    /// branch checked out with uncommitted edits in the extension's folder, the default new side
    /// is the work tree (the header says so); `--to test/<ID>` compares the commit.
    #[arg(long, value_name = "REV")]
    pub to: Option<String>,
    /// Compare with the work tree: the files on disk, uncommitted edits and untracked files
    /// included.
    #[arg(long, conflicts_with_all = ["to", "against_tsv"])]
    pub work_tree: bool,
    /// Compare the interaction model in git with a console TSV download in DIR (`intents/*.tsv`,
    /// `slot-types/*.tsv`) instead of two revisions: shows what uploading the git version would
    /// add and delete (a console upload replaces everything). Needs an ID; `--to` picks the git
    /// side (default: the test branch).
    #[arg(long, value_name = "DIR", conflicts_with = "from")]
    pub against_tsv: Option<std::path::PathBuf>,
    /// Output format: text (terminal), markdown (a pull-request comment), json (`version` 1).
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Markdown,
    Json,
}

/// Exit status for errors: 1 (2 means "changes" for this command).
pub const EXIT_ERROR: u8 = 1;

pub fn run(ctx: &super::Context, args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let opts = DiffOptions {
        dir: ctx.dir.clone(),
        id: args.id.clone(),
        from: args.from.clone(),
        to: args.to.clone(),
        work_tree: args.work_tree,
    };
    let result = match &args.against_tsv {
        Some(folder) => against_tsv(&opts, &ctx.dir.join(folder)),
        None => diff(&opts).map(AgainstTsv::Compared),
    };
    let outcome = match result {
        Ok(AgainstTsv::Compared(o)) => o,
        Ok(AgainstTsv::Unreadable(report)) => {
            super::err(&cekops::diag::render::human(&report, ctx.color_for(false)));
            super::err("error: the console download cannot be read; nothing was compared\n");
            return Ok(ExitCode::from(EXIT_ERROR));
        }
        Err(e) => {
            super::report_error(&e);
            return Ok(ExitCode::from(EXIT_ERROR));
        }
    };
    for w in &outcome.warnings {
        super::err(&format!("warning: {w}\n"));
    }
    // Written as it is rendered: a diff of every utterance of a large model is megabytes of
    // text, never held whole. A closed pipe (`| head`) is not an error, as with `super::out`.
    let mut stdout = std::io::stdout().lock();
    let _ = match args.format {
        DiffFormat::Text => render::write_text(
            &mut stdout,
            &outcome.diff,
            &outcome.sides,
            ctx.color_for(true),
        ),
        DiffFormat::Markdown => render::write_markdown(&mut stdout, &outcome.diff, &outcome.sides),
        DiffFormat::Json => render::write_json(
            &mut stdout,
            &outcome.diff,
            &outcome.sides,
            &outcome.warnings,
        ),
    };
    drop(stdout);
    let code = ExitCode::from(if outcome.diff.is_empty() { 0 } else { 2 });
    // The process ends right after: freeing both loaded revisions and the diff (hundreds of
    // thousands of small strings for a large model) one by one takes longer than the operating
    // system reclaiming them at exit.
    std::mem::forget(outcome);
    Ok(code)
}
