//! Benchmark of `cekops validate` on a synthetic repository, run as a user runs it: the release
//! binary in a child process, wall time from spawn to exit, peak memory (max RSS) from
//! `/usr/bin/time`.
//!
//! ```text
//! cargo bench --bench validate                      # 100 extensions, 1,000,000 utterances
//! cargo bench --bench validate -- --extensions 10 --utterances 100000 --runs 3
//! cargo bench --bench validate -- --generate /tmp/big   # only write the repository
//! ```
//!
//! Options: `--extensions N`, `--utterances N`, `--per-intent N`, `--types N` (custom slot types
//! per extension), `--values N` (slot values per type), `--synonyms N`, `--seed N`, `--runs N` (timed runs per case, median reported),
//! `--dir PATH` (where the repository is built; default `target/bench-repo`), `--fresh` (rebuild
//! it even when one with the same parameters exists), `--generate PATH` (write the repository
//! there and stop), `--bin PATH` (measure another `cekops` binary, e.g. an older build).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use std::time::Instant;

use cekops_devkit::synth::Params;
use cekops_devkit::synth::Synth;

struct Options {
    /// The binary to measure (default: the one cargo just built).
    bin: PathBuf,
    params: Params,
    runs: usize,
    dir: PathBuf,
    fresh: bool,
    generate: Option<PathBuf>,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        bin: PathBuf::from(env!("CARGO_BIN_EXE_cekops")),
        params: Params {
            extensions: 100,
            utterances: 1_000_000,
            max_utterances_per_intent: 1_000,
            slot_types_per_extension: 8,
            values_per_type: 200,
            synonyms_per_value: 2,
            japanese_every: 4,
            seed: 1,
        },
        runs: 5,
        dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-repo"),
        fresh: false,
        generate: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> Result<u64, String> {
            args.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .ok_or(format!("{name} needs a number"))
        };
        match a.as_str() {
            "--bench" => {} // passed by `cargo bench`
            "--extensions" => o.params.extensions = num(&a)? as usize,
            "--utterances" => o.params.utterances = num(&a)? as usize,
            "--per-intent" => o.params.max_utterances_per_intent = num(&a)? as usize,
            "--types" => o.params.slot_types_per_extension = num(&a)? as usize,
            "--values" => o.params.values_per_type = num(&a)? as usize,
            "--synonyms" => o.params.synonyms_per_value = num(&a)? as usize,
            "--seed" => o.params.seed = num(&a)?,
            "--runs" => o.runs = (num(&a)? as usize).max(1),
            "--fresh" => o.fresh = true,
            "--dir" => o.dir = args.next().ok_or("--dir needs a path")?.into(),
            "--bin" => o.bin = args.next().ok_or("--bin needs a path")?.into(),
            "--generate" => o.generate = Some(args.next().ok_or("--generate needs a path")?.into()),
            other => {
                return Err(format!(
                    "unknown option `{other}` (see benches/validate.rs)"
                ));
            }
        }
    }
    Ok(o)
}

/// Run git with a fixed identity and no user or system configuration.
fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00+00:00")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00+00:00")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
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
        git(&repo, &["init", "-q", "-b", "service"]);
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "synthetic repository"]);
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

struct Sample {
    wall: Duration,
    max_rss_kib: Option<u64>,
    /// User plus system CPU time.
    cpu: Option<Duration>,
}

/// Run the binary once; panics when it does not exit 0 (a clean repository must stay clean).
fn run_once(bin: &Path, cwd: &Path, args: &[&str]) -> Sample {
    let time = Path::new("/usr/bin/time");
    let rss_file = std::env::temp_dir().join(format!("cekops-bench-rss-{}", std::process::id()));
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f")
            .arg("%M %U %S")
            .arg("-o")
            .arg(&rss_file)
            .arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args).current_dir(cwd).env("NO_COLOR", "1");
    let start = Instant::now();
    let out = cmd.output().expect("cekops runs");
    let wall = start.elapsed();
    assert!(
        out.status.success(),
        "cekops {args:?} exited {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // `/usr/bin/time` writes "max-RSS-KiB user-seconds system-seconds" as its last line.
    let fields: Vec<f64> = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|s| s.lines().last().map(str::to_string))
        .map(|l| {
            l.split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let _ = std::fs::remove_file(&rss_file);
    let (max_rss_kib, cpu) = match fields[..] {
        [rss, user, sys] => (Some(rss as u64), Some(Duration::from_secs_f64(user + sys))),
        _ => (None, None),
    };
    Sample {
        wall,
        max_rss_kib,
        cpu,
    }
}

struct Row {
    case: String,
    command: String,
    target: Option<Duration>,
    mem_target_mib: Option<u64>,
    walls: Vec<Duration>,
    rss: Vec<u64>,
    cpu: Vec<Duration>,
}

fn measure(
    bin: &Path,
    case: &str,
    cwd: &Path,
    args: &[&str],
    runs: usize,
    target: Option<Duration>,
    mem_target_mib: Option<u64>,
) -> Row {
    run_once(bin, cwd, args); // warm-up: page cache, first-run effects
    let mut walls = Vec::new();
    let mut rss = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..runs {
        let s = run_once(bin, cwd, args);
        walls.push(s.wall);
        rss.extend(s.max_rss_kib);
        cpu.extend(s.cpu);
    }
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
    eprintln!(
        "  {:<34} median {:>8.1} ms",
        row.case,
        ms(median(&row.walls))
    );
    row
}

fn median<T: Copy>(v: &[T]) -> T {
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn main() {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
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
    eprintln!(
        "benchmark: {} extensions, {} utterances, binary {}",
        p.extensions,
        p.utterances,
        o.bin.display()
    );
    let rows = vec![
        measure(
            &o.bin,
            "full validate (work tree)",
            &repo,
            &["validate", &repo_s],
            o.runs,
            Some(Duration::from_secs(2)),
            Some(1024),
        ),
        measure(
            &o.bin,
            "full validate --rev service",
            &repo,
            &["validate", "--rev", "service"],
            o.runs,
            None,
            Some(1024),
        ),
        measure(
            &o.bin,
            "validate --staged (1 file changed)",
            &repo,
            &["validate", "--staged"],
            o.runs,
            Some(Duration::from_millis(100)),
            None,
        ),
        measure(
            &o.bin,
            "validate one extension (work tree)",
            &repo,
            &["validate", &id],
            o.runs,
            None,
            None,
        ),
    ];
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    println!();
    println!(
        "cekops validate: {} extensions, {} sample utterances; {} CPUs ({}); median of {} runs; load average at the end {}",
        p.extensions,
        p.utterances,
        threads,
        cpu_model(),
        o.runs,
        load.join(" ")
    );
    println!();
    println!(
        "| case | median wall | min | max | CPU user+sys (median) | target | peak RSS (median) | verdict |\n|---|---:|---:|---:|---:|---:|---:|---|"
    );
    for r in &rows {
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
            r.command.replace(&repo_s, "<repo>"),
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
