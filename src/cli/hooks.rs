//! `cekops hooks install|uninstall`, and the hidden `cekops hook <name>` the hook scripts run.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use super::args::Hook;
use cekops::diag::render;
use cekops::error::usage;
use cekops::ops::hooks::Action;
use cekops::ops::hooks::HooksReport;
use cekops::ops::hooks::InstallOptions;
use cekops::ops::hooks::PreCommit;
use cekops::ops::hooks::Refusal;
use cekops::ops::hooks::install;
use cekops::ops::hooks::pre_commit;
use cekops::ops::hooks::pre_push;
use cekops::ops::hooks::reference_transaction;
use cekops::ops::hooks::uninstall;

/// Install or remove the git hooks that keep the branch chart honest.
#[derive(Debug, clap::Args)]
pub struct HooksArgs {
    #[command(subcommand)]
    pub what: HooksCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum HooksCommand {
    Install(HooksInstallArgs),
    Uninstall(HooksUninstallArgs),
}

/// Write git hooks into the repository's hooks folder (honouring `core.hooksPath`).
///
/// Client hooks (a clone with a work tree):
///   pre-commit             `validate --staged` (only the extensions the commit touches are
///                          re-checked); refuses commits on `service` and on a test branch
///                          whose review is open.
///   reference-transaction  refuses any move or deletion of `service` that cekops did not make
///                          (`git commit`, `reset`, `merge`, `branch -f`, `branch -D` on it);
///                          a fast-forward to what a remote's `service` has (`git pull`) is fine.
///   pre-push               refuses pushing a `service` that `cekops audit` would not accept,
///                          and deleting or rewinding the remote's service or records branch.
///
/// With `--server` (a bare repository that people push to): a `pre-receive` hook that refuses
/// every push moving `service` other than by a fast-forward to an approved commit (the approval
/// record may come in the same push), rewriting or deleting the records branch, or moving a test
/// branch whose review is open.
///
/// Installing again changes nothing. A hook you already had is kept as `<name>.local` and runs
/// first; when it fails, git stops as before. The hooks run this cekops binary (by its absolute
/// path, else `cekops` on PATH). `git commit --no-verify` skips pre-commit and pre-push, never
/// reference-transaction or the server hook.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 installed, 1 refused (a hook and its `.local` copy both exist), 2 usage.\n\nExamples:\n  cekops hooks install\n  cekops -C /srv/git/skills.git hooks install --server"
)]
pub struct HooksInstallArgs {
    /// Install the server hook (`pre-receive`) into a bare repository instead of the client hooks.
    #[arg(long)]
    pub server: bool,
}

/// Remove the hooks cekops wrote (client and server) and put your own `<name>.local` hooks back.
#[derive(Debug, clap::Args)]
pub struct HooksUninstallArgs {}

/// Run one hook's checks (called by the hook scripts).
#[derive(Debug, clap::Args)]
pub struct HookArgs {
    /// Which hook.
    #[arg(value_enum)]
    pub hook: Hook,
    /// The arguments git gave the hook.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

fn action_text(a: Action) -> &'static str {
    match a {
        Action::Installed => "installed",
        Action::Unchanged => "unchanged",
        Action::Updated => "updated",
        Action::Chained => "installed; your hook now runs first as",
        Action::Removed => "removed",
        Action::Restored => "removed; your own hook is back from",
        Action::NotOurs => "not written by cekops, left as it is:",
        Action::Absent => "not installed",
    }
}

fn print_report(report: &HooksReport) {
    let mut s = String::new();
    for c in &report.changes {
        let shown = c.path.display();
        match c.action {
            Action::Chained | Action::Restored => s.push_str(&format!(
                "{:<22} {} {}.local\n",
                c.hook.name(),
                action_text(c.action),
                shown
            )),
            _ => s.push_str(&format!(
                "{:<22} {} {shown}\n",
                c.hook.name(),
                action_text(c.action)
            )),
        }
    }
    if let Some(p) = &report.pinned_service {
        s.push_str(&format!(
            "protected service branch: `{p}` (pinned in this repository's `git config cekops.serviceBranch`; a branch of another name cannot take its place)\n"
        ));
    }
    if let Some(b) = &report.head_set {
        s.push_str(&format!(
            "note: the repository is empty: HEAD now names `service` instead of `{b}`, so clones check out the service branch\n"
        ));
    }
    if let Some(b) = &report.unborn_head {
        s.push_str(&format!(
            "note: HEAD names `{b}`, which does not exist: when the service branch is not called `service`, the hook finds it through HEAD's cekops.toml\nhint: if yours is called something else, point HEAD at it: `git symbolic-ref HEAD refs/heads/<name>`\n"
        ));
    }
    super::err(&s);
}

pub fn run(ctx: &super::Context, args: &HooksArgs) -> anyhow::Result<ExitCode> {
    let report = match &args.what {
        HooksCommand::Install(a) => {
            let binary = std::env::current_exe()
                .and_then(|p| p.canonicalize())
                .map_err(|e| usage(format!("cannot find the cekops binary's path: {e}")))?;
            install(&InstallOptions {
                dir: ctx.dir.clone(),
                server: a.server,
                binary,
            })?
        }
        HooksCommand::Uninstall(_) => uninstall(&ctx.dir)?,
    };
    print_report(&report);
    Ok(ExitCode::SUCCESS)
}

fn read_stdin() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| usage(format!("cannot read the hook's input: {e}")))?;
    Ok(s)
}

/// Print refusals the way git shows hook output (`remote: ` is added by git for server hooks).
fn print_refusals(hook: cekops::ops::hooks::Hook, refusals: &[Refusal]) -> ExitCode {
    if refusals.is_empty() {
        return ExitCode::SUCCESS;
    }
    let mut s = String::new();
    for r in refusals {
        s.push_str(&format!(
            "error: cekops {}: {}: {}\n",
            hook.name(),
            r.refname,
            r.message
        ));
        if let Some(h) = &r.hint {
            s.push_str(&format!("hint: {h}\n"));
        }
    }
    super::err(&s);
    ExitCode::from(1)
}

pub fn run_hook(ctx: &super::Context, args: &HookArgs) -> anyhow::Result<ExitCode> {
    let dir = PathBuf::from(&ctx.dir);
    match args.hook {
        Hook::PreCommit => {
            let outcome = match pre_commit(&dir)? {
                PreCommit::Refused(r) => return Ok(print_refusals(args.hook.into(), &[r])),
                PreCommit::Checked(outcome) => outcome,
            };
            let report = &outcome.report;
            if !report.diagnostics.is_empty() {
                super::err(&render::human(report, ctx.color_for(false)));
            }
            if report.errors() > 0 {
                super::err(&format!(
                    "error: cekops pre-commit: the staged files have {} error(s); the commit was refused\nhint: fix them and `git add` the files again (`cekops validate --staged` shows the same)\n",
                    report.errors()
                ));
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        Hook::ReferenceTransaction => {
            let input = read_stdin()?;
            let state = args.args.first().map(String::as_str).unwrap_or("");
            let refusals = reference_transaction(&dir, state, &input)?;
            Ok(print_refusals(args.hook.into(), &refusals))
        }
        Hook::PrePush => {
            let input = read_stdin()?;
            let refusals = pre_push(&dir, &input)?;
            Ok(print_refusals(args.hook.into(), &refusals))
        }
        Hook::PreReceive => {
            let input = read_stdin()?;
            let refusals = cekops::ops::hooks::pre_receive(&dir, &input)?;
            Ok(print_refusals(args.hook.into(), &refusals))
        }
    }
}
