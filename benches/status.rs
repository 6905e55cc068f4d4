//! Benchmark of `cekops status` on a synthetic repository: 100 extensions in service, 100 test
//! branches one commit ahead, and 10,000 lifecycle records (100 per extension: rejected,
//! cancelled and approved reviews, every third extension with an open review). Runs the release
//! binary in a child process and reports the median wall time from spawn to exit.
//!
//! ```text
//! cargo bench --bench status                        # 100 extensions, 10,000 records
//! cargo bench --bench status -- --extensions 20 --records 50 --runs 5
//! cargo bench --bench status -- --compare /path/to/old/cekops   # old and new, ratio old/new
//! ```
//!
//! Options: `--extensions N`, `--records N` (per extension), `--runs N`, `--dir PATH` (default
//! `target/bench-status`), `--fresh`, `--bin PATH` (measure another `cekops` binary),
//! `--bin OLD --bin NEW` or `--compare OLD` (two binaries, their runs alternating per case; prints
//! both medians and the ratio old/new; `--compare OLD` compares with the binary cargo built).
//!
//! The repository is written with `git fast-import` under `target/bench-status` (rebuilt when the
//! parameters change, or with `--fresh`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use std::time::Instant;

use cekops_devkit::args::Args;
use cekops_devkit::args::or_exit;
use cekops_devkit::compare::Bin;
use cekops_devkit::compare::BinOptions;
use cekops_devkit::compare::Ratio;
use cekops_devkit::compare::interleave;
use cekops_devkit::compare::print_ratios;
use cekops_devkit::git::fast_import;
use cekops_devkit::git::git;
use cekops_devkit::timing::Stats;

struct Options {
    extensions: usize,
    records: usize,
    runs: usize,
    fresh: bool,
    dir: PathBuf,
    bins: Vec<Bin>,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        extensions: 100,
        records: 100,
        runs: 11,
        fresh: false,
        dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-status"),
        bins: Vec::new(),
    };
    let mut bins = BinOptions::default();
    let mut args = Args::from_env("benches/status.rs");
    while let Some(a) = args.flag() {
        if bins.take(&a, &mut args)? {
            continue;
        }
        match a.as_str() {
            "--extensions" => o.extensions = args.number(&a)?,
            "--records" => o.records = args.number(&a)?,
            "--runs" => o.runs = args.number::<usize>(&a)?.max(1),
            "--fresh" => o.fresh = true,
            "--dir" => o.dir = args.path(&a)?,
            _ => return Err(args.unknown(&a)),
        }
    }
    o.bins = bins.resolve(env!("CARGO_BIN_EXE_cekops"))?;
    Ok(o)
}

fn data(s: &mut String, text: &str) {
    s.push_str(&format!("data {}\n{text}\n", text.len()));
}

fn id(i: usize) -> String {
    format!("com.example.ext{i:03}")
}

const WHO: &str = "Dev Eloper <dev@example.com> 1767225600 +0000";

fn record(id: &str, n: usize, state: &str, service: &str, base: &str) -> String {
    let mut t = format!(
        "# cekops lifecycle record: review of {id}\nformat = 1\nkind = \"review\"\nextension = \"{id}\"\nnumber = {n}\nstate = \"{state}\"\nbranch = \"test/{id}\"\ncommit = \"{service}\"\ntree = \"{base}\"\nbase = \"{base}\"\n\n[[events]]\naction = \"request\"\nname = \"Dev Eloper\"\nemail = \"dev@example.com\"\nat = \"2026-01-01T00:00:00+00:00\"\nmessage = \"submission {n}\"\ncommit = \"{service}\"\n\n[events.validation]\nerrors = 0\nwarnings = 0\n"
    );
    let (action, msg) = match state {
        "rejected" => ("reject", "please fix the store description"),
        "cancelled" => ("cancel", "withdrawn"),
        "approved" => ("approve", "looks good"),
        _ => return t,
    };
    t.push_str(&format!(
        "\n[[events]]\naction = \"{action}\"\nname = \"Alice Reviewer\"\nemail = \"alice@example.com\"\nat = \"2026-01-02T00:00:00+00:00\"\nmessage = \"{msg}\"\n"
    ));
    if state == "approved" {
        t.push_str(&format!(
            "commit = \"{service}\"\ntree = \"{base}\"\nservice_before = \"{base}\"\nservice_after = \"{service}\"\n"
        ));
    }
    t
}

fn build(o: &Options) {
    let stamp = format!("{} {}", o.extensions, o.records);
    let stamp_file = o.dir.join(".bench-params");
    if !o.fresh && std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(stamp.as_str()) {
        return;
    }
    let _ = std::fs::remove_dir_all(&o.dir);
    std::fs::create_dir_all(&o.dir).expect("mkdir");
    git(&o.dir, &["init", "-q", "--bare", "-b", "service"]);
    let start = Instant::now();
    // service: cekops.toml and every extension; each test branch one commit ahead.
    let mut s = String::new();
    s.push_str(&format!(
        "commit refs/heads/service\nmark :1\ncommitter {WHO}\n"
    ));
    data(&mut s, "init");
    s.push_str("M 100644 inline cekops.toml\n");
    data(
        &mut s,
        "[review]\nreviewers = [\"alice@example.com\", \"bob@example.com\"]\n",
    );
    for i in 0..o.extensions {
        let id = id(i);
        s.push_str(&format!("M 100644 inline extensions/{id}/extension.toml\n"));
        data(
            &mut s,
            &format!(
                "id = \"{id}\"\nlanguage = \"ko-KR\"\nname = \"확장 {i}\"\ninvocation_names = [\"확장{i}\"]\n"
            ),
        );
    }
    s.push('\n');
    for i in 0..o.extensions {
        let id = id(i);
        s.push_str(&format!("commit refs/heads/test/{id}\ncommitter {WHO}\n"));
        data(&mut s, &format!("update {id}"));
        s.push_str(&format!(
            "from :1\nM 100644 inline extensions/{id}/interaction-model/intents/HelpIntent.toml\n"
        ));
        data(&mut s, "utterances = [\"도와줘\"]\n");
        s.push('\n');
    }
    fast_import(&o.dir, s.as_bytes());
    let service = git(&o.dir, &["rev-parse", "service"]);
    let base = service.clone();
    let tips: std::collections::HashMap<String, String> = git(
        &o.dir,
        &[
            "for-each-ref",
            "--format=%(refname:short) %(objectname)",
            "refs/heads/test/",
        ],
    )
    .lines()
    .filter_map(|l| l.split_once(' '))
    .map(|(r, c)| (r.trim_start_matches("test/").to_string(), c.to_string()))
    .collect();
    // records: one commit per record.
    let mut s = String::new();
    for n in 1..=o.records {
        for i in 0..o.extensions {
            let id = id(i);
            let last = n == o.records;
            let state = if last && i % 3 == 0 {
                "open"
            } else if last || n % 10 == 0 {
                "approved"
            } else if n % 2 == 0 {
                "rejected"
            } else {
                "cancelled"
            };
            s.push_str(&format!(
                "commit refs/heads/cekops/records\ncommitter {WHO}\n"
            ));
            data(&mut s, &format!("review {id} #{n}"));
            s.push_str(&format!("M 100644 inline {id}/{n}.toml\n"));
            // Open reviews are pinned to their test branch; closed ones to service.
            let commit = if state == "open" {
                &tips[&id]
            } else {
                &service
            };
            data(&mut s, &record(&id, n, state, commit, &base));
            s.push('\n');
        }
    }
    fast_import(&o.dir, s.as_bytes());
    git(&o.dir, &["gc", "-q"]);
    std::fs::write(&stamp_file, stamp).expect("stamp");
    eprintln!(
        "built {} ({} extensions, {} records) in {:.1?}",
        o.dir.display(),
        o.extensions,
        o.extensions * o.records,
        start.elapsed()
    );
}

/// One run of `cekops args` in `dir`: wall time from spawn to exit.
fn run(bin: &Path, dir: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let out = Command::new(bin)
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("run cekops");
    let t = start.elapsed();
    assert!(
        out.status.success(),
        "cekops {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    t
}

fn main() {
    let o = or_exit(parse_args());
    build(&o);
    println!(
        "status benchmark: {} extensions, {} records, {} runs (min / median / max)",
        o.extensions,
        o.extensions * o.records,
        o.runs
    );
    let target = id(o.extensions / 2);
    let mut ratios = Vec::new();
    for args in [
        vec!["status"],
        vec!["status", "--format", "json"],
        vec!["status", target.as_str()],
    ] {
        let times = interleave(o.bins.len(), 0, o.runs, |i| {
            run(&o.bins[i].path, &o.dir, &args)
        });
        let stats: Vec<Stats> = times.into_iter().map(Stats::of).collect();
        for (bin, s) in o.bins.iter().zip(&stats) {
            let label = if o.bins.len() > 1 {
                format!(" ({})", bin.label)
            } else {
                String::new()
            };
            println!(
                "  cekops {:<28} {:>8.1?} / {:>8.1?} / {:>8.1?}{label}",
                args.join(" "),
                s.min,
                s.median,
                s.max
            );
        }
        if let [old, new] = stats[..] {
            ratios.push(Ratio {
                case: format!("`cekops {}`", args.join(" ")),
                old: old.median,
                new: new.median,
            });
        }
    }
    if o.bins.len() == 2 {
        print_ratios(&o.bins, o.runs, &ratios);
    }
}
