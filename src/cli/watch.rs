//! `cekops watch`

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::time::Duration;
use std::time::Instant;

use notify_debouncer_full::new_debouncer;
use notify_debouncer_full::notify::EventKind;
use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::notify::event::ModifyKind;

use cekops::diag::render;
use cekops::error::usage;
use cekops::ops::validate::Source;
use cekops::ops::validate::ValidateOptions;
use cekops::ops::validate::validate;
use cekops::ops::watch::Affected;
use cekops::ops::watch::affected;

/// Re-validate extensions on every save, until Ctrl-C.
///
/// Watches `cekops.toml` and `extensions/` (never `.git/`), waits until a burst of events settles
/// (editors that save by writing a temporary file and renaming it are handled), then re-checks
/// only the extensions whose files changed and prints fresh findings.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cekops watch\n  cekops watch com.example.pizzabot\n\nExit status: 0 after Ctrl-C, 2 when the folder cannot be watched."
)]
pub struct WatchArgs {
    /// Only watch these extensions.
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,
    /// Quiet period after the last event before re-checking, in milliseconds.
    #[arg(long, default_value_t = 50, value_name = "MS")]
    pub debounce: u64,
}

fn check(root: &std::path::Path, ids: &[String], color: bool) -> String {
    let started = Instant::now();
    let outcome = validate(&ValidateOptions {
        source: Source::Dir(root.to_path_buf()),
        ids: ids.to_vec(),
        stage: None,
    });
    let mut s = String::new();
    match outcome {
        Ok(o) => {
            let what = if ids.is_empty() {
                "all extensions".to_string()
            } else {
                ids.join(", ")
            };
            s.push_str(&format!(
                "── checked {what} in {} ms: {} error(s), {} warning(s)\n",
                started.elapsed().as_millis(),
                o.report.errors(),
                o.report.warnings()
            ));
            if !o.report.diagnostics.is_empty() {
                s.push_str(&render::human(&o.report, color));
            }
        }
        Err(e) => s.push_str(&format!("── error: {e:#}\n")),
    }
    s
}

fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any => true,
        EventKind::Other => false,
    }
}

fn has_files(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut r| r.next().is_some())
}

pub fn run(ctx: &super::Context, args: &WatchArgs) -> anyhow::Result<ExitCode> {
    let root: PathBuf = match cekops::git::try_discover(&ctx.dir)
        .and_then(|r| cekops::git::workdir(&r))
    {
        Some(wd)
            if !ctx.dir.join("cekops.toml").exists() && !ctx.dir.join("extensions").is_dir() =>
        {
            wd
        }
        _ => ctx.dir.canonicalize()?,
    };
    let ext_dir = root.join("extensions");
    if !ext_dir.is_dir() {
        return Err(
            usage(format!("`{}` has no `extensions/` folder", root.display()))
                .hint("run `cekops watch` in an extension repository (see `cekops init`)")
                .into(),
        );
    }
    let color = ctx.color_for(true);
    let only: BTreeSet<String> = args.ids.iter().cloned().collect();
    super::out(&check(&root, &args.ids, color));

    let (tx, rx) = std::sync::mpsc::channel();
    let mut debouncer = new_debouncer(Duration::from_millis(args.debounce), None, tx)
        .map_err(|e| usage(format!("cannot watch `{}`: {e}", root.display())))?;
    debouncer
        .watch(&ext_dir, RecursiveMode::Recursive)
        .map_err(|e| usage(format!("cannot watch `{}`: {e}", ext_dir.display())))?;
    debouncer
        .watch(&root, RecursiveMode::NonRecursive)
        .map_err(|e| usage(format!("cannot watch `{}`: {e}", root.display())))?;

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .map_err(|e| usage(format!("cannot install the Ctrl-C handler: {e}")))?;
    }
    super::err(&format!("watching {} (Ctrl-C to stop)\n", root.display()));
    while !stop.load(Ordering::SeqCst) {
        let events = match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Ok(events)) => events,
            Ok(Err(errors)) => {
                for e in errors {
                    super::err(&format!("watch error: {e}\n"));
                }
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        };
        // Reading files (our own validation included) is not a change.
        let paths: Vec<PathBuf> = events
            .iter()
            .filter(|e| is_change(&e.kind))
            .flat_map(|e| e.paths.iter().cloned())
            .collect();
        let ids: Vec<String> = match affected(&root, &paths, &only) {
            Affected::Nothing => continue,
            Affected::All => args.ids.clone(),
            Affected::Ids(ids) => {
                // A folder that disappeared or holds no file yet has nothing to check.
                let ids: Vec<String> = ids
                    .into_iter()
                    .filter(|id| has_files(&ext_dir.join(id)))
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                ids
            }
        };
        super::out(&check(&root, &ids, color));
    }
    debouncer.stop();
    super::err("stopped watching\n");
    Ok(ExitCode::SUCCESS)
}
