//! Command-line parsing, dispatch and printing. The only place (with `diag::render`) that writes
//! to the terminal.

mod args;
mod audit;
mod ci;
mod completions;
mod delete;
mod diff;
mod export;
mod fetch;
mod fmt;
mod hooks;
mod import;
mod init;
mod log;
mod new;
mod push;
mod restore;
mod review;
mod schema;
mod serve;
mod simulate;
mod status;
mod stop;
mod sync;
mod test;
mod ui;
mod validate;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use clap::Subcommand;

use cekops::error::UserError;
use ui::ColorChoice;
use ui::err;
use ui::out;

/// Keep Clova (CEK) custom extensions as files in git and run their console lifecycle as git.
///
/// The `service` branch is the Commercial-use version of every extension, `test/<id>` the Test
/// version of each; reviews are records on `cekops/records`, and an approval fast-forwards
/// `service`.
#[derive(Debug, Parser)]
#[command(
    name = "cekops",
    version,
    long_version = env!("CEKOPS_LONG_VERSION"),
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Exit status: 0 success, 1 findings or refused, 2 usage or internal error.\n`cekops diff` exits 2 when there are changes (like `terraform plan -detailed-exitcode`)."
)]
pub struct Cli {
    /// Run as if cekops was started in DIR (like `git -C`).
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// When to colour output: auto (terminal and no NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::InitArgs),
    New(new::NewArgs),
    Validate(validate::ValidateArgs),
    Fmt(fmt::FmtArgs),
    Test(test::TestArgs),
    Simulate(Box<simulate::SimulateArgs>),
    Status(status::StatusArgs),
    Diff(diff::DiffArgs),
    Review(review::ReviewArgs),
    Sync(sync::SyncArgs),
    Stop(stop::StopArgs),
    Delete(delete::DeleteArgs),
    Restore(restore::RestoreArgs),
    Log(log::LogArgs),
    Audit(audit::AuditArgs),
    Push(push::PushArgs),
    Fetch(fetch::FetchArgs),
    Ci(ci::CiArgs),
    Import(import::ImportArgs),
    Export(export::ExportArgs),
    Hooks(hooks::HooksArgs),
    #[command(hide = true)]
    Hook(hooks::HookArgs),
    Watch(watch::WatchArgs),
    Serve(serve::ServeArgs),
    Schema(schema::SchemaArgs),
    Completions(completions::CompletionsArgs),
    Man(completions::ManArgs),
}

/// What every command gets: the working folder and output settings.
pub struct Context {
    pub dir: PathBuf,
    pub color: ColorChoice,
}

impl Context {
    /// Whether to colour output written to stdout (`stdout = true`) or stderr.
    pub fn color_for(&self, stdout: bool) -> bool {
        ui::use_color(self.color, stdout)
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand
            ) {
                return first_steps();
            }
            let _ = e.print();
            return ExitCode::from(if !e.use_stderr() {
                0
            } else if subcommand_name().as_deref() == Some("diff") {
                // `diff` uses 2 for "changes found"; its errors exit 1.
                diff::EXIT_ERROR
            } else {
                2
            });
        }
    };
    let dir = match &cli.dir {
        Some(d) => d.clone(),
        None => PathBuf::from("."),
    };
    if !dir.is_dir() {
        err(&format!(
            "error: cannot change to `{}`: no such folder\n",
            dir.display()
        ));
        return ExitCode::from(2);
    }
    let ctx = Context {
        dir,
        color: cli.color,
    };
    let result = match &cli.command {
        Command::Validate(a) => validate::run(&ctx, a),
        Command::Schema(a) => schema::run(&ctx, a),
        Command::Watch(a) => watch::run(&ctx, a),
        Command::Serve(a) => serve::run(&ctx, a),
        Command::Completions(a) => completions::run(&ctx, a),
        Command::Man(a) => completions::run_man(&ctx, a),
        Command::Init(a) => init::run(&ctx, a),
        Command::New(a) => new::run(&ctx, a),
        Command::Fmt(a) => fmt::run(&ctx, a),
        Command::Import(a) => import::run(&ctx, a),
        Command::Export(a) => export::run(&ctx, a),
        Command::Status(a) => status::run(&ctx, a),
        Command::Review(a) => review::run(&ctx, a),
        Command::Sync(a) => sync::run(&ctx, a),
        Command::Stop(a) => stop::run(&ctx, a),
        Command::Delete(a) => delete::run(&ctx, a),
        Command::Restore(a) => restore::run(&ctx, a),
        Command::Log(a) => log::run(&ctx, a),
        Command::Audit(a) => audit::run(&ctx, a),
        Command::Push(a) => push::run(&ctx, a),
        Command::Fetch(a) => fetch::run(&ctx, a),
        Command::Ci(a) => ci::run(&ctx, a),
        Command::Diff(a) => diff::run(&ctx, a),
        Command::Hooks(a) => hooks::run(&ctx, a),
        Command::Hook(a) => hooks::run_hook(&ctx, a),
        Command::Test(a) => test::run(&ctx, a),
        Command::Simulate(a) => simulate::run(&ctx, a),
    };
    match result {
        Ok(code) => code,
        Err(e) => report_error(&e),
    }
}

/// `cekops` without a command: what this tool is and the one command to run next here.
fn first_steps() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let dir = args
        .iter()
        .position(|a| a == "-C")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let step = cekops::ops::status::next_step(&dir);
    // The reason, wrapped under the command at 100 columns.
    let mut why = String::new();
    let mut line = String::new();
    for word in step.why.split(' ') {
        if !line.is_empty() && ui::width(&line) + 1 + ui::width(word) > 94 {
            why.push_str(&format!("      {line}\n"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    why.push_str(&format!("      {line}\n"));
    err(&format!(
        "cekops keeps Clova (CEK) custom extensions as files in git and runs their console\n\
         lifecycle as git.\n\n\
         next: {}\n{why}\n\
         every command: cekops --help\n",
        step.command
    ));
    ExitCode::from(2)
}

/// The subcommand named on the command line (the first argument that is not a global option),
/// for choosing the exit status of a parse error.
fn subcommand_name() -> Option<String> {
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        let a = a.to_string_lossy().into_owned();
        if a == "-C" || a == "--color" {
            args.next();
        } else if !a.starts_with('-') {
            return Some(a);
        }
    }
    None
}

/// Print an error (`error:`, `Caused by:`, `hint:`) and return its exit code.
pub fn report_error(e: &anyhow::Error) -> ExitCode {
    if let Some(u) = e.downcast_ref::<UserError>() {
        let mut s = format!("error: {}\n", u.message);
        if let Some(h) = &u.hint {
            s.push_str(&format!("\nhint: {h}\n"));
        }
        err(&s);
        return ExitCode::from(u.exit);
    }
    let mut s = format!("error: {e}\n");
    for cause in e.chain().skip(1) {
        s.push_str(&format!("\nCaused by:\n    {cause}\n"));
    }
    err(&s);
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
