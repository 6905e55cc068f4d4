//! Benchmark of `cekops validate` on a synthetic repository, run as a user runs it: the release
//! binary in a child process, wall time from spawn to exit, peak memory (max RSS) from
//! `/usr/bin/time`.
//!
//! ```text
//! cargo bench --bench validate                      # 100 extensions, 1,000,000 utterances
//! cargo bench --bench validate -- --extensions 10 --utterances 100000 --runs 3
//! cargo bench --bench validate -- --generate /tmp/big   # only write the repository
//! cargo bench --bench validate -- --compare /path/to/old/cekops   # old and new, ratio old/new
//! ```
//!
//! Options: `--extensions N`, `--utterances N`, `--per-intent N`, `--types N` (custom slot types
//! per extension), `--values N` (slot values per type), `--synonyms N`, `--seed N`, `--runs N`
//! (timed runs per case, median reported), `--dir PATH` (where the repository is built; default
//! `target/bench-repo`), `--fresh` (rebuild it even when one with the same parameters exists),
//! `--generate PATH` (write the repository there and stop), `--bin PATH` (measure another
//! `cekops` binary, e.g. an older build), `--bin OLD --bin NEW` or `--compare OLD` (measure two
//! binaries, alternating their runs per case, and print both medians and the ratio old/new per
//! case; `--compare OLD` compares with the binary cargo built).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::path::PathBuf;
use std::time::Duration;
use std::time::Instant;

use cekops_devkit::args::Args;
use cekops_devkit::args::or_exit;
use cekops_devkit::compare::Bin;
use cekops_devkit::compare::BinOptions;
use cekops_devkit::compare::Ratio;
use cekops_devkit::compare::interleave;
use cekops_devkit::compare::print_ratios;
use cekops_devkit::git::commit_all;
use cekops_devkit::git::git;
use cekops_devkit::synth::Params;
use cekops_devkit::synth::Synth;
use cekops_devkit::timing::Measured;
use cekops_devkit::timing::cpu_model;
use cekops_devkit::timing::load_average;
use cekops_devkit::timing::median;
use cekops_devkit::timing::ms;
use cekops_devkit::timing::run_measured;

struct Options {
    /// The binaries to measure (default: the one cargo just built).
    bins: Vec<Bin>,
    params: Params,
    runs: usize,
    dir: PathBuf,
    fresh: bool,
    generate: Option<PathBuf>,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        bins: Vec::new(),
        params: Params {
            extensions: 100,
            utterances: 1_000_000,
            ..Params::default()
        },
        runs: 5,
        dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-repo"),
        fresh: false,
        generate: None,
    };
    let mut bins = BinOptions::default();
    let mut args = Args::from_env("benches/validate.rs");
    while let Some(a) = args.flag() {
        if bins.take(&a, &mut args)? {
            continue;
        }
        match a.as_str() {
            "--extensions" => o.params.extensions = args.number(&a)?,
            "--utterances" => o.params.utterances = args.number(&a)?,
            "--per-intent" => o.params.max_utterances_per_intent = args.number(&a)?,
            "--types" => o.params.slot_types_per_extension = args.number(&a)?,
            "--values" => o.params.values_per_type = args.number(&a)?,
            "--synonyms" => o.params.synonyms_per_value = args.number(&a)?,
            "--seed" => o.params.seed = args.number(&a)?,
            "--runs" => o.runs = args.number::<usize>(&a)?.max(1),
            "--fresh" => o.fresh = true,
            "--dir" => o.dir = args.path(&a)?,
            "--generate" => o.generate = Some(args.path(&a)?),
            _ => return Err(args.unknown(&a)),
        }
    }
    o.bins = bins.resolve(env!("CARGO_BIN_EXE_cekops"))?;
    Ok(o)
}

/// Build (or reuse) the repository: committed on `service`, then `test/<id>` checked out with
/// one intent file of that extension changed and staged.
fn prepare(o: &Options) -> (PathBuf, String) {
    let repo = o.dir.join("repo");
    let stamp_path = o.dir.join("params.txt");
    let stamp = format!("{:?}\n", o.params);
    let mut synth = None;
    let reuse = !o.fresh
        && std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp)
        && repo.join(".git").is_dir();
    if !reuse {
        let t = Instant::now();
        let s = Synth::generate(&o.params).expect("generate");
        let sum = s.summary();
        eprintln!(
            "generated {} extensions, {} intents, {} utterances, {} slot types ({} entries), {} files, {:.1} MB in {:.1} s",
            sum.extensions,
            sum.intents,
            sum.utterances,
            sum.slot_types,
            sum.slot_entries,
            sum.files,
            sum.bytes as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
        let _ = std::fs::remove_dir_all(&o.dir);
        std::fs::create_dir_all(&repo).expect("create bench dir");
        s.write_to(&repo).expect("write repository");
        commit_all(&repo, "service", "synthetic repository");
        std::fs::write(&stamp_path, &stamp).expect("write stamp");
        synth = Some(s);
    }
    // The one-file change: a test branch of one extension, one utterance replaced, staged.
    let ext = (o.params.extensions / 2).min(o.params.extensions.saturating_sub(1));
    let mut s = match synth {
        Some(s) => s,
        None => Synth::generate(&o.params).expect("generate"),
    };
    let id = s.extension_ids()[ext].clone();
    git(&repo, &["reset", "-q", "--hard"]);
    git(
        &repo,
        &["checkout", "-q", "-B", &format!("test/{id}"), "service"],
    );
    let changed = s.edit_utterances(ext, 1, 2026).expect("edit");
    for (path, bytes) in &changed {
        std::fs::write(repo.join(path), bytes).expect("write change");
        git(&repo, &["add", path]);
    }
    (repo, id)
}

/// Run the binary once; panics when it does not exit 0 (a clean repository must stay clean).
fn run_once(bin: &Path, cwd: &Path, args: &[&str]) -> Measured {
    let m = run_measured(bin, args, |c| {
        c.current_dir(cwd).env("NO_COLOR", "1");
    });
    assert!(
        m.output.status.success(),
        "cekops {args:?} exited {:?}\n{}{}",
        m.output.status.code(),
        String::from_utf8_lossy(&m.output.stdout),
        String::from_utf8_lossy(&m.output.stderr)
    );
    m
}

/// One case measured with one binary.
struct Row {
    case: String,
    command: String,
    target: Option<Duration>,
    mem_target_mib: Option<u64>,
    walls: Vec<Duration>,
    rss: Vec<u64>,
    cpu: Vec<Duration>,
}

/// Measure one case with every binary (alternating when there are two): one row per binary.
fn measure(
    bins: &[Bin],
    case: &str,
    cwd: &Path,
    args: &[&str],
    runs: usize,
    target: Option<Duration>,
    mem_target_mib: Option<u64>,
) -> Vec<Row> {
    // One warm-up run per binary: page cache, first-run effects.
    let samples = interleave(bins.len(), 1, runs, |i| run_once(&bins[i].path, cwd, args));
    bins.iter()
        .zip(samples)
        .map(|(bin, samples)| {
            let mut walls: Vec<Duration> = samples.iter().map(|s| s.wall).collect();
            let mut rss: Vec<u64> = samples.iter().filter_map(|s| s.max_rss_kib).collect();
            let mut cpu: Vec<Duration> = samples.iter().filter_map(|s| s.cpu).collect();
            walls.sort();
            rss.sort();
            cpu.sort();
            let row = Row {
                case: case.to_string(),
                command: format!("cekops {}", args.join(" ")),
                target,
                mem_target_mib,
                walls,
                rss,
                cpu,
            };
            let label = if bins.len() > 1 {
                format!(" ({})", bin.label)
            } else {
                String::new()
            };
            eprintln!(
                "  {:<34} median {:>8.1} ms{label}",
                row.case,
                ms(median(&row.walls))
            );
            row
        })
        .collect()
}

fn print_table(rows: &[&Row], repo_s: &str) {
    println!(
        "| case | median wall | min | max | CPU user+sys (median) | target | peak RSS (median) | verdict |\n|---|---:|---:|---:|---:|---:|---:|---|"
    );
    for r in rows {
        let med = median(&r.walls);
        let rss = (!r.rss.is_empty()).then(|| median(&r.rss));
        let time_ok = r.target.is_none_or(|t| med <= t);
        let mem_ok = match (r.mem_target_mib, rss) {
            (Some(limit), Some(kib)) => kib <= limit * 1024,
            _ => true,
        };
        let target = match (r.target, r.mem_target_mib) {
            (Some(t), Some(m)) => format!("< {:.0} ms, < {m} MiB", ms(t)),
            (Some(t), None) => format!("< {:.0} ms", ms(t)),
            (None, Some(m)) => format!("< {m} MiB"),
            (None, None) => "-".into(),
        };
        let verdict = if r.target.is_none() && r.mem_target_mib.is_none() {
            "info"
        } else if time_ok && mem_ok {
            "ok"
        } else {
            "MISSED"
        };
        println!(
            "| {} (`{}`) | {:.1} ms | {:.1} ms | {:.1} ms | {} | {} | {} | {} |",
            r.case,
            r.command.replace(repo_s, "<repo>"),
            ms(med),
            ms(r.walls[0]),
            ms(r.walls[r.walls.len() - 1]),
            if r.cpu.is_empty() {
                "n/a".to_string()
            } else {
                format!("{:.0} ms", ms(median(&r.cpu)))
            },
            target,
            rss.map_or("n/a".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0)),
            verdict
        );
    }
}

fn main() {
    let o = or_exit(parse_args());
    if let Some(dir) = &o.generate {
        let s = Synth::generate(&o.params).expect("generate");
        s.write_to(dir).expect("write repository");
        let sum = s.summary();
        eprintln!(
            "wrote {} extensions, {} utterances, {} files to {}",
            sum.extensions,
            sum.utterances,
            sum.files,
            dir.display()
        );
        return;
    }
    let (repo, id) = prepare(&o);
    let repo_s = repo.to_string_lossy().into_owned();
    let p = &o.params;
    let paths: Vec<String> = o
        .bins
        .iter()
        .map(|b| b.path.display().to_string())
        .collect();
    eprintln!(
        "benchmark: {} extensions, {} utterances, binary {}",
        p.extensions,
        p.utterances,
        paths.join(" and ")
    );
    let cases = [
        measure(
            &o.bins,
            "full validate (work tree)",
            &repo,
            &["validate", &repo_s],
            o.runs,
            Some(Duration::from_secs(2)),
            Some(1024),
        ),
        measure(
            &o.bins,
            "full validate --rev service",
            &repo,
            &["validate", "--rev", "service"],
            o.runs,
            None,
            Some(1024),
        ),
        measure(
            &o.bins,
            "validate --staged (1 file changed)",
            &repo,
            &["validate", "--staged"],
            o.runs,
            Some(Duration::from_millis(100)),
            None,
        ),
        measure(
            &o.bins,
            "validate one extension (work tree)",
            &repo,
            &["validate", &id],
            o.runs,
            None,
            None,
        ),
    ];
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!();
    println!(
        "cekops validate: {} extensions, {} sample utterances; {} CPUs ({}); median of {} runs; load average at the end {}",
        p.extensions,
        p.utterances,
        threads,
        cpu_model(),
        o.runs,
        load_average()
    );
    for (i, bin) in o.bins.iter().enumerate() {
        println!();
        if o.bins.len() > 1 {
            println!("{} binary ({}):\n", bin.label, bin.path.display());
        }
        let rows: Vec<&Row> = cases.iter().map(|c| &c[i]).collect();
        print_table(&rows, &repo_s);
    }
    if o.bins.len() == 2 {
        let ratios: Vec<Ratio> = cases
            .iter()
            .map(|c| Ratio {
                case: c[0].case.clone(),
                old: median(&c[0].walls),
                new: median(&c[1].walls),
            })
            .collect();
        print_ratios(&o.bins, o.runs, &ratios);
    }
}
