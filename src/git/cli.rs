//! Running the `git` command-line tool: remotes (push, fetch) go through it so that credentials,
//! ssh configuration and server hooks behave exactly as with plain git.

use std::path::Path;
use std::process::Command;

use anyhow::Result;
use anyhow::anyhow;

use crate::error::usage;

/// Set (to `1`) on every `git` command cekops runs (see [`run_any`]): the
/// `reference-transaction` hook lets the ref moves of such commands through, since cekops makes
/// them itself. Moves through libgit2 run no hooks at all.
pub const INTERNAL_ENV: &str = "CEKOPS_INTERNAL";

/// What a git command printed.
#[derive(Clone, Debug)]
pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run git in `dir`, returning its output whatever the exit status.
pub fn run_any(dir: &Path, args: &[&str]) -> Result<Output> {
    let out = Command::new("git")
        .env(INTERNAL_ENV, "1")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| {
            usage(format!("cannot run `git`: {e}")).hint(
                "cekops runs the git command-line tool for this; install git and put it on PATH",
            )
        })?;
    Ok(Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Run git in `dir`; a non-zero exit is an error carrying git's message.
pub fn run(dir: &Path, args: &[&str]) -> Result<Output> {
    let out = run_any(dir, args)?;
    if out.status != 0 {
        return Err(anyhow!(
            "`git {}` failed: {}",
            args.join(" "),
            out.stderr.trim()
        ));
    }
    Ok(out)
}
