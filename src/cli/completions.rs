//! `cekops completions` and `cekops man`: generated from the CLI definition.

use std::process::ExitCode;

use clap::CommandFactory;

/// Print a shell completion script.
///
/// For example: `cekops completions bash > ~/.local/share/bash-completion/completions/cekops`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(_ctx: &super::Context, args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = super::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "cekops", &mut buf);
    super::out(&String::from_utf8_lossy(&buf));
    Ok(ExitCode::SUCCESS)
}

/// Print the man page (roff) of cekops and its commands.
///
/// For example: `cekops man > /usr/local/share/man/man1/cekops.1`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {}

pub fn run_man(_ctx: &super::Context, _args: &ManArgs) -> anyhow::Result<ExitCode> {
    let cmd = super::Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        let name = format!("cekops-{}", sub.get_name());
        let sub = sub.clone().name(name);
        buf.extend_from_slice(b"\n");
        clap_mangen::Man::new(sub).render(&mut buf)?;
    }
    super::out(&String::from_utf8_lossy(&buf));
    Ok(ExitCode::SUCCESS)
}
