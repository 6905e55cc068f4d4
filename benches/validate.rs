//! Benchmark of `cekops validate` on a synthetic repository, run as a user runs it: the release
//! binary in a child process, wall time from spawn to exit, peak memory (max RSS) from
//! `/usr/bin/time`.
//!
//! ```text
//! cargo bench --bench validate                      # 100 extensions, 1,000,000 utterances
//! cargo bench --bench validate -- --extensions 10 --utterances 100000 --runs 3
//! cargo bench --bench validate -- --generate /tmp/big   # only write the repository
//! cargo bench --bench validate -- --compare /path/to/old/cekops   # old and new, ratio old/new
//! cargo bench --bench validate -- --extensions 1000 --utterances 10000000 --runs 3
//! cargo bench --bench validate -- --scale 10000,100000,1000000,3000000,10000000 --runs 3
//! ```
//!
//! `--scale SIZES` (utterance counts, comma-separated) measures `cekops validate` on the work
//! tree at each size next to its peers, in the same run and alternating with them: the floor
//! (this bench re-run as `--toml-floor DIR`: every TOML file read and parsed with the `toml`
//! crate on all cores, nothing checked), `taplo lint` with the JSON Schemas (`taplo` on PATH or
//! `CEKOPS_BENCH_TAPLO`; `pip install taplo`) and `ajv validate` on JSON copies of the files
//! (`ajv` on PATH or `CEKOPS_BENCH_AJV`; `npm install ajv-cli`). Both peers check the intent
//! and `.toml` slot-type files (nearly all the bytes) against `schemas/`, schema only. A missing
//! peer is said and left out. Each size has `max(--extensions, utterances / 10,000)` extensions
//! (100 up to 1M, 300 at 3M, 1,000 at 10M). It prints a table (wall, CPU, peak RSS, ratio to the floor)
//! and writes a plot of time and memory against size (`--plot PATH`, default
//! `target/bench-validate-scale.svg`).
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
use cekops_devkit::compare::find_program;
use cekops_devkit::compare::interleave;
use cekops_devkit::compare::print_ratios;
use cekops_devkit::git::commit_all;
use cekops_devkit::git::git;
use cekops_devkit::plot::Panel;
use cekops_devkit::plot::Series;
use cekops_devkit::plot::svg;
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
    /// `--scale`: utterance counts to measure at, with the peers.
    scale: Vec<usize>,
    plot: PathBuf,
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
        scale: Vec::new(),
        plot: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-validate-scale.svg"),
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
            "--plot" => o.plot = args.path(&a)?,
            "--scale" => {
                let list = args.path(&a)?;
                o.scale = list
                    .to_string_lossy()
                    .split(',')
                    .map(|n| n.trim().replace('_', "").parse::<usize>())
                    .collect::<Result<_, _>>()
                    .map_err(|e| {
                        format!("--scale: {e} (give utterance counts like 10000,1000000)")
                    })?;
            }
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
    let argv: Vec<String> = std::env::args().collect();
    if let Some(i) = argv.iter().position(|a| a == "--toml-floor") {
        let dir = PathBuf::from(argv.get(i + 1).expect("--toml-floor DIR"));
        let files = toml_floor(&dir);
        println!("{files} TOML files parsed");
        return;
    }
    let o = or_exit(parse_args());
    if !o.scale.is_empty() {
        scale(&o);
        return;
    }
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
    // The same commits as a server holds them: a bare clone, packed with deltas.
    let packed = o.dir.join("packed.git");
    if !packed.join("objects/pack").is_dir()
        || std::fs::read_dir(packed.join("objects/pack")).map_or(true, |mut d| d.next().is_none())
    {
        let _ = std::fs::remove_dir_all(&packed);
        let ok = std::process::Command::new("git")
            .args(["clone", "-q", "--mirror", "--no-local"])
            .arg(&repo)
            .arg(&packed)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "git clone --mirror of the bench repository failed");
    }
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
            Some(time_target(p.utterances)),
            Some(memory_target(p.utterances)),
        ),
        measure(
            &o.bins,
            "full validate --rev service",
            &repo,
            &["validate", "--rev", "service"],
            o.runs,
            None,
            Some(memory_target(p.utterances)),
        ),
        measure(
            &o.bins,
            "full validate --rev service (packed bare clone)",
            &packed,
            &["validate", "--rev", "service"],
            o.runs,
            None,
            Some(memory_target(p.utterances)),
        ),
        measure(
            &o.bins,
            "validate --staged (1 file changed)",
            &repo,
            &["validate", "--staged"],
            o.runs,
            Some(Duration::from_millis(50)),
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

/// Issue 17's wall-time target for a full validation: 0.5 s at 1M utterances, 5 s at 10M
/// (none in between or beyond: the table says `info`).
fn time_target(utterances: usize) -> Duration {
    if utterances <= 1_000_000 {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(5)
    }
}

/// Issue 17's peak-memory targets: 150 MiB up to 1M utterances, 200 MiB up to 3M, 300 MiB up to
/// 10M.
fn memory_target(utterances: usize) -> u64 {
    match utterances {
        0..=1_000_000 => 150,
        1_000_001..=3_000_000 => 200,
        _ => 300,
    }
}

/// Every `.toml` file of a repository folder (`cekops.toml` and under `extensions/`).
fn toml_files(root: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "toml") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    if root.join("cekops.toml").is_file() {
        out.push(root.join("cekops.toml"));
    }
    walk(&root.join("extensions"), &mut out);
    out
}

/// The floor: read and parse every TOML file with the `toml` crate on all cores (what any
/// validator of these files must at least do). Panics on a file that does not parse.
fn toml_floor(root: &Path) -> usize {
    use rayon::prelude::*;
    let files = toml_files(root);
    files.par_iter().for_each(|p| {
        let text = std::fs::read_to_string(p).expect("read");
        let table: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        std::hint::black_box(table);
    });
    files.len()
}

/// JSON copies of the intent and `.toml` slot-type files under `json` (for `ajv`, which reads
/// JSON only), made once per repository.
fn json_copies(repo: &Path, json: &Path) {
    use rayon::prelude::*;
    let done = json.join(".complete");
    if done.exists() {
        return;
    }
    let _ = std::fs::remove_dir_all(json);
    let files: Vec<PathBuf> = toml_files(repo)
        .into_iter()
        .filter(|p| {
            let s = p.to_string_lossy();
            s.contains("/interaction-model/intents/")
                || s.contains("/interaction-model/slot-types/")
        })
        .collect();
    files.par_iter().for_each(|p| {
        let rel = p.strip_prefix(repo).expect("inside the repository");
        let out = json.join(rel).with_extension("json");
        std::fs::create_dir_all(out.parent().expect("a folder")).expect("create");
        let text = std::fs::read_to_string(p).expect("read");
        let value: toml::Value = toml::from_str(&text).expect("parse");
        std::fs::write(&out, serde_json::to_vec(&value).expect("json")).expect("write");
    });
    std::fs::write(done, "").expect("write marker");
}

/// One command measured at each size: a `cekops` binary or a peer.
struct Tool {
    label: String,
    program: PathBuf,
    args: Vec<String>,
}

/// The commands to measure on `repo` (its JSON copies in `json`); says which peers are missing.
fn tools(o: &Options, repo: &Path, json: &Path, say_missing: bool) -> Vec<Tool> {
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let intent_schema = schemas.join("intent.schema.json");
    let slot_schema = schemas.join("slot-type.schema.json");
    let repo_s = repo.display().to_string();
    let mut out: Vec<Tool> = o
        .bins
        .iter()
        .map(|b| Tool {
            label: if o.bins.len() > 1 {
                format!("cekops validate ({})", b.label)
            } else {
                "cekops validate".into()
            },
            program: b.path.clone(),
            args: vec!["validate".into(), repo_s.clone()],
        })
        .collect();
    out.push(Tool {
        label: "floor: toml crate parse".into(),
        program: std::env::current_exe().expect("this bench"),
        args: vec!["--toml-floor".into(), repo_s.clone()],
    });
    let intents = "extensions/*/interaction-model/intents/*";
    let slots = "extensions/*/interaction-model/slot-types/*";
    match find_program("CEKOPS_BENCH_TAPLO", "taplo") {
        Some(taplo) => {
            let lint = |schema: &Path, glob: &str| {
                format!(
                    "'{}' lint --colors never --schema 'file://{}' '{repo_s}/{glob}.toml'",
                    taplo.display(),
                    schema.display()
                )
            };
            out.push(Tool {
                label: "taplo lint (schema)".into(),
                program: PathBuf::from("/bin/sh"),
                args: vec![
                    "-c".into(),
                    format!(
                        "{} && {}",
                        lint(&intent_schema, intents),
                        lint(&slot_schema, slots)
                    ),
                ],
            });
        }
        None if say_missing => eprintln!(
            "peer missing: taplo (`pip install taplo`, or set CEKOPS_BENCH_TAPLO): left out"
        ),
        None => {}
    }
    match find_program("CEKOPS_BENCH_AJV", "ajv") {
        Some(ajv) => {
            let json_s = json.display().to_string();
            let check = |schema: &Path, glob: &str| {
                format!(
                    "'{}' validate --spec=draft2020 --strict=false -s '{}' -d '{json_s}/{glob}.json'",
                    ajv.display(),
                    schema.display()
                )
            };
            out.push(Tool {
                label: "ajv-cli (schema, JSON copies)".into(),
                program: PathBuf::from("/bin/sh"),
                args: vec![
                    "-c".into(),
                    format!(
                        "{} && {}",
                        check(&intent_schema, intents),
                        check(&slot_schema, slots)
                    ),
                ],
            });
        }
        None if say_missing => eprintln!(
            "peer missing: ajv-cli (`npm install ajv-cli`, or set CEKOPS_BENCH_AJV): left out"
        ),
        None => {}
    }
    out
}

/// A repository of `utterances` (work tree only, no git), built once per parameters.
fn scale_repo(o: &Options, utterances: usize) -> (PathBuf, Params) {
    let mut params = o.params.clone();
    params.utterances = utterances;
    params.extensions = o.params.extensions.max(utterances / 10_000).max(1);
    let dir = o.dir.join(format!("scale-{utterances}"));
    let repo = dir.join("repo");
    let stamp_path = dir.join("params.txt");
    let stamp = format!("{params:?}\n");
    if o.fresh || !std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp) {
        let t = Instant::now();
        let s = Synth::generate(&params).expect("generate");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&repo).expect("create bench dir");
        s.write_to(&repo).expect("write repository");
        std::fs::write(&stamp_path, &stamp).expect("write stamp");
        eprintln!(
            "generated {} utterances in {} extensions ({:.1} MB) in {:.1} s",
            utterances,
            params.extensions,
            s.summary().bytes as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
    }
    (repo, params)
}

/// One tool at one size.
struct Point {
    utterances: usize,
    extensions: usize,
    tool: String,
    wall: Option<Duration>,
    cpu: Option<Duration>,
    rss_kib: Option<u64>,
    failed: Option<String>,
}

/// `--scale`: every size, every tool alternately; a table and a plot.
fn scale(o: &Options) {
    let mut points: Vec<Point> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    for (k, &u) in o.scale.iter().enumerate() {
        let (repo, params) = scale_repo(o, u);
        let json = repo.with_file_name("json");
        let tools = tools(o, &repo, &json, k == 0);
        if tools.iter().any(|t| t.label.starts_with("ajv")) {
            json_copies(&repo, &json);
        }
        eprintln!("size {u}: {} extensions", params.extensions);
        let samples = interleave(tools.len(), 1, o.runs, |i| {
            let args: Vec<&str> = tools[i].args.iter().map(String::as_str).collect();
            run_measured(&tools[i].program, &args, |c| {
                c.current_dir(&repo).env("NO_COLOR", "1");
            })
        });
        for (tool, samples) in tools.iter().zip(samples) {
            if !labels.contains(&tool.label) {
                labels.push(tool.label.clone());
            }
            let failed = samples
                .iter()
                .find(|m| !m.output.status.success())
                .map(|m| {
                    let text = String::from_utf8_lossy(&m.output.stderr);
                    let tail: Vec<&str> = text.lines().rev().take(3).collect();
                    format!("exit {:?}: {}", m.output.status.code(), tail.join(" / "))
                });
            let mut walls: Vec<Duration> = samples.iter().map(|m| m.wall).collect();
            let mut cpu: Vec<Duration> = samples.iter().filter_map(|m| m.cpu).collect();
            let mut rss: Vec<u64> = samples.iter().filter_map(|m| m.max_rss_kib).collect();
            walls.sort();
            cpu.sort();
            rss.sort();
            eprintln!(
                "  {:<32} median {:>9.1} ms{}",
                tool.label,
                ms(median(&walls)),
                if failed.is_some() { " (FAILED)" } else { "" }
            );
            points.push(Point {
                utterances: u,
                extensions: params.extensions,
                tool: tool.label.clone(),
                wall: Some(median(&walls)),
                cpu: (!cpu.is_empty()).then(|| median(&cpu)),
                rss_kib: (!rss.is_empty()).then(|| median(&rss)),
                failed,
            });
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "\ncekops validate against its peers; {threads} CPUs ({}); median of {} runs, every tool alternately per size; load average at the end {}\n",
        cpu_model(),
        o.runs,
        load_average()
    );
    println!(
        "| utterances | extensions | tool | median wall | CPU user+sys | peak RSS | wall / floor | target |\n|---:|---:|---|---:|---:|---:|---:|---|"
    );
    for p in &points {
        let floor = points
            .iter()
            .find(|f| f.utterances == p.utterances && f.tool.starts_with("floor"))
            .and_then(|f| f.wall);
        let target = if p.tool.starts_with("cekops") {
            let mem = memory_target(p.utterances);
            let ok_mem = p.rss_kib.is_none_or(|k| k <= mem * 1024);
            let time = (p.utterances == 1_000_000 || p.utterances == 10_000_000)
                .then(|| time_target(p.utterances));
            let ok_time = time.is_none_or(|t| p.wall.is_some_and(|w| w <= t));
            let verdict = if ok_mem && ok_time { "ok" } else { "MISSED" };
            match time {
                Some(t) => format!("< {:.0} ms, < {mem} MiB: {verdict}", ms(t)),
                None => format!("< {mem} MiB: {verdict}"),
            }
        } else {
            "-".into()
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            p.utterances,
            p.extensions,
            p.tool,
            match (&p.failed, p.wall) {
                (Some(e), _) => format!("failed ({e})"),
                (None, Some(w)) => format!("{:.1} ms", ms(w)),
                (None, None) => "n/a".into(),
            },
            p.cpu.map_or("n/a".into(), |c| format!("{:.0} ms", ms(c))),
            p.rss_kib
                .map_or("n/a".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0)),
            match (floor, p.wall) {
                (Some(f), Some(w)) => format!("{:.2}", w.as_secs_f64() / f.as_secs_f64()),
                _ => "n/a".into(),
            },
            target
        );
    }
    let series = |value: &dyn Fn(&Point) -> Option<f64>| -> Vec<Series> {
        labels
            .iter()
            .map(|l| Series {
                name: l.clone(),
                points: points
                    .iter()
                    .filter(|p| &p.tool == l && p.failed.is_none())
                    .filter_map(|p| Some((p.utterances as f64, value(p)?)))
                    .collect(),
            })
            .collect()
    };
    let doc = svg(
        &format!(
            "cekops validate and its peers ({threads} CPUs, median of {} runs)",
            o.runs
        ),
        &[
            Panel {
                title: "wall time (s)".into(),
                x_label: "sample utterances".into(),
                y_label: "seconds".into(),
                series: series(&|p| p.wall.map(|w| w.as_secs_f64())),
            },
            Panel {
                title: "peak memory (MiB)".into(),
                x_label: "sample utterances".into(),
                y_label: "MiB (max RSS)".into(),
                series: series(&|p| p.rss_kib.map(|k| k as f64 / 1024.0)),
            },
        ],
    );
    if let Some(dir) = o.plot.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&o.plot, doc).expect("write the plot");
    println!("\nplot: {}", o.plot.display());
}
