//! `cekops watch`

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::time::Duration;

use cekops::diag::render;
use cekops::error::usage;
use cekops::ops::watch::Check;
use cekops::ops::watch::Event;
use cekops::ops::watch::Watch;
use cekops::ops::watch::WatchOptions;

/// Re-validate extensions on every save, until Ctrl-C.
///
/// Watches `cekops.toml` and `extensions/` (never `.git/`), waits until a burst of events settles
/// (editors that save by writing a temporary file and renaming it are handled), then re-checks
/// only the extensions whose files changed and prints fresh findings.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cekops watch\n  cekops watch com.example.pizzabot\n\nExit status: 0 after Ctrl-C, 2 when the folder cannot be watched or an ID names no extension."
)]
pub struct WatchArgs {
    /// Only watch these extensions.
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,
    /// Quiet period after the last event before re-checking, in milliseconds.
    #[arg(long, default_value_t = 50, value_name = "MS")]
    pub debounce: u64,
}

/// One check, as printed: a summary line, then the findings.
fn check_human(c: &Check, color: bool) -> String {
    match &c.outcome {
        Ok(o) => {
            let what = if c.ids.is_empty() {
                "all extensions".to_string()
            } else {
                c.ids.join(", ")
            };
            let mut s = format!(
                "── checked {what} in {} ms: {} error(s), {} warning(s)\n",
                c.elapsed.as_millis(),
                o.report.errors(),
                o.report.warnings()
            );
            if !o.report.diagnostics.is_empty() {
                s.push_str(&render::human(&o.report, color));
            }
            s
        }
        Err(e) => format!("── error: {e:#}\n"),
    }
}

pub fn run(ctx: &super::Context, args: &WatchArgs) -> anyhow::Result<ExitCode> {
    let watch = Watch::open(&WatchOptions {
        dir: ctx.dir.clone(),
        ids: args.ids.clone(),
        debounce: Duration::from_millis(args.debounce),
    })?;
    let color = ctx.color_for(true);
    super::out(&check_human(&watch.check(), color));
    let root = watch.root().to_path_buf();
    let watching = watch.start()?;
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .map_err(|e| usage(format!("cannot install the Ctrl-C handler: {e}")))?;
    }
    super::err(&format!("watching {} (Ctrl-C to stop)\n", root.display()));
    watching.run(&stop, &mut |event| match event {
        Event::Checked(c) => super::out(&check_human(&c, color)),
        Event::Error(e) => super::err(&format!("watch error: {e}\n")),
    });
    super::err("stopped watching\n");
    Ok(ExitCode::SUCCESS)
}
