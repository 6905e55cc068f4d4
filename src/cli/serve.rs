//! `cekops serve`

use std::net::IpAddr;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;

use cekops::error::usage;
use cekops::ops::serve::ServeOptions;
use cekops::ops::serve::Server;

/// Browse extensions, reviews and the branch chart in a local, read-only web console.
///
/// Serves the extension list (Commercial use and Test rows, status, open review, last feedback,
/// validation counts), each extension by console category with its findings beside the fields,
/// a Test box (the offline matcher of `cekops test`), the semantic diff of test against service
/// or of any two revisions, the review queue with each review's timeline, and each extension's
/// history with its branch chart drawn from git. Pages follow the repository: a commit, a fetch
/// or an edited file shows up without reloading.
///
/// Nothing can be changed from the page. The server listens on 127.0.0.1 only, unless `--bind`
/// names another address; it then answers anyone who can reach it.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cekops serve\n  cekops serve example-repo --port 0\n  cekops serve --rev service\n\nExit status: 0 after Ctrl-C, 2 when the repository cannot be read or the port is taken."
)]
pub struct ServeArgs {
    /// The repository (a folder inside it); default: the current folder.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// The port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8420, value_name = "N")]
    pub port: u16,
    /// Show the extension files of this revision (a branch is followed as it moves) instead of
    /// the work tree.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// The address to listen on. Anything but a loopback address exposes the repository to
    /// the network.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST), value_name = "ADDR")]
    pub bind: IpAddr,
}

pub fn run(ctx: &super::Context, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let dir = match &args.path {
        Some(p) => ctx.dir.join(p),
        None => ctx.dir.clone(),
    };
    let server = Server::bind(&ServeOptions {
        dir,
        rev: args.rev.clone(),
        addr: args.bind,
        port: args.port,
    })?;
    if server.is_exposed() {
        super::err(&format!(
            "warning: listening on {}: anyone who can reach this address can read the repository\n",
            server.addr()
        ));
    }
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .map_err(|e| usage(format!("cannot install the Ctrl-C handler: {e}")))?;
    }
    super::err(&format!(
        "serving {} (read-only; Ctrl-C to stop)\n",
        server.root().display()
    ));
    super::out(&format!("{}\n", server.url()));
    server.run(&stop);
    super::err("stopped serving\n");
    Ok(ExitCode::SUCCESS)
}
