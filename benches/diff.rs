//! `cekops diff` speed: two revisions with 100,000 sample utterances each (target: < 300 ms).
//!
//! Builds synthetic bare repositories with `git fast-import` (self-contained generator), then
//! times the release binary end to end (process start, git object reads, TOML parsing, the
//! semantic comparison and rendering). Every case also runs `git diff FROM TO` of the same two
//! revisions, alternating with cekops, and prints cekops's ratio to it (wall and CPU; issue 17's
//! target: at most 2). Run with `cargo bench --bench diff`; figures go to BENCHMARKS.md under
//! `## diff`.
//!
//! ```text
//! cargo bench --bench diff                                # 15 runs per case
//! cargo bench --bench diff -- --quick --runs 3            # 1/100 of the size
//! cargo bench --bench diff -- --compare /path/to/old/cekops   # old and new, ratio old/new
//! ```
//!
//! Options: `--runs N` (timed runs per case, after one warm-up), `--quick` (repositories of 1/100
//! the size; also what `cargo test --benches` runs, without `--bench`), `--bin PATH` (measure
//! another `cekops` binary), `--bin OLD --bin NEW` or `--compare OLD` (two binaries, their runs
//! alternating per case; prints both medians and the ratio old/new; `--compare OLD` compares
//! with the binary cargo built). Environment: `CEKOPS_BENCH_DIR=<dir>` keeps the generated
//! repositories there (for profiling); `CEKOPS_BENCH_CHRT=1` runs cekops under `chrt -f 10`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
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
use cekops_devkit::rng::Rng;
use cekops_devkit::timing::Stats;
use cekops_devkit::timing::children_cpu;

struct Options {
    runs: usize,
    /// Repositories of 1/100 the size.
    quick: bool,
    bins: Vec<Bin>,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        runs: 15,
        quick: false,
        bins: Vec::new(),
    };
    let mut bins = BinOptions::default();
    let mut args = Args::from_env("benches/diff.rs");
    while let Some(a) = args.flag() {
        if bins.take(&a, &mut args)? {
            continue;
        }
        match a.as_str() {
            "--runs" => o.runs = args.number::<usize>(&a)?.max(1),
            "--quick" => o.quick = true,
            _ => return Err(args.unknown(&a)),
        }
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this too: keep it quick then.
    o.quick |= !args.bench;
    o.bins = bins.resolve(env!("CARGO_BIN_EXE_cekops"))?;
    Ok(o)
}

const WORDS: &[&str] = &[
    "피자",
    "주문",
    "배달",
    "라지",
    "미디엄",
    "콜라",
    "사이드",
    "메뉴",
    "가격",
    "알려줘",
    "해줘",
    "지금",
    "오늘",
    "내일",
    "저녁",
    "점심",
    "두",
    "세",
    "판",
    "추가",
    "빼고",
    "많이",
    "조금",
    "따뜻한",
    "시원한",
    "매운",
    "달콤한",
    "치즈",
    "감자",
    "샐러드",
];

/// One extension's files: `intents` intents of `per_intent` utterances and `types` slot types
/// of `values` values each. `variant` changes every file a little (one utterance replaced, one
/// synonym added, order shuffled); `replace_all` makes every utterance different.
fn extension(
    id: &str,
    intents: usize,
    per_intent: usize,
    types: usize,
    values: usize,
    variant: bool,
    replace_all: bool,
) -> Vec<(String, String)> {
    let dir = format!("extensions/{id}");
    let mut files = Vec::new();
    files.push((
        format!("{dir}/extension.toml"),
        format!(
            "id = \"{id}\"\nlanguage = \"ko-KR\"\nname = \"Bench {id}\"\ninvocation_names = [\"벤치봇\"]\nprovider = \"Bench\"\ncontact_email = \"bench@example.com\"\nbuiltin_intents = [\"Clova.GuideIntent\", \"Clova.CancelIntent\", \"Clova.YesIntent\", \"Clova.NoIntent\"]\n"
        ),
    ));
    files.push((
        format!("{dir}/server.toml"),
        format!(
            "endpoint = \"https://{}.example.com/clova\"\n",
            if variant { "v2" } else { "v1" }
        ),
    ));
    for t in 0..types {
        let mut s = String::from("[values]\n");
        let mut lines: Vec<String> = (0..values)
            .map(|v| {
                let extra = if variant && v == 0 {
                    ", \"새동의어\""
                } else {
                    ""
                };
                format!("\"값{t}-{v}\" = [\"동의어{t}-{v}\"{extra}]\n")
            })
            .collect();
        if variant {
            lines.reverse();
        }
        s.extend(lines);
        files.push((
            format!("{dir}/interaction-model/slot-types/TYPE{t}.toml"),
            s,
        ));
    }
    for i in 0..intents {
        let mut rng = Rng::new(i as u64 + 1);
        let mut s = format!(
            "slots = {{ item = \"TYPE{}\" }}\nutterances = [\n",
            i % types.max(1)
        );
        let mut lines = Vec::with_capacity(per_intent);
        for u in 0..per_intent {
            let mut line = String::new();
            let tag = if u % 3 == 0 {
                format!("<item>값{}-{}</item> ", i % types.max(1), u % values.max(1))
            } else {
                String::new()
            };
            writeln!(
                line,
                "  \"{tag}{} {} {} {}{}{}\",",
                *rng.pick(WORDS),
                *rng.pick(WORDS),
                *rng.pick(WORDS),
                if replace_all { "새 " } else { "" },
                *rng.pick(WORDS),
                u
            )
            .ok();
            lines.push(line);
        }
        if variant {
            lines[per_intent / 2] = format!("  \"바뀐 문장 {i}\",\n");
            lines.reverse();
        }
        s.extend(lines);
        s.push_str("]\n");
        files.push((format!("{dir}/interaction-model/intents/Intent{i}.toml"), s));
    }
    files
}

/// Write a bare repository with `service` (old) and the given branches (new) via fast-import.
fn build_repo(path: &Path, old: &[(String, String)], branches: &[(&str, Vec<(String, String)>)]) {
    std::fs::create_dir_all(path).expect("create the repository folder");
    git(path, &["init", "-q", "--bare"]);
    let mut stream: Vec<u8> = Vec::new();
    let mut mark = 0usize;
    let commit = |stream: &mut Vec<u8>,
                  mark: &mut usize,
                  branch: &str,
                  from: Option<usize>,
                  files: &[(String, String)]| {
        let mut blobs = Vec::new();
        for (p, text) in files {
            *mark += 1;
            write!(stream, "blob\nmark :{mark}\ndata {}\n", text.len()).unwrap();
            stream.extend_from_slice(text.as_bytes());
            stream.push(b'\n');
            blobs.push((p, *mark));
        }
        *mark += 1;
        let msg = format!("{branch}\n");
        write!(
            stream,
            "commit refs/heads/{branch}\nmark :{mark}\nauthor Bench <b@example.com> 1700000000 +0000\ncommitter Bench <b@example.com> 1700000000 +0000\ndata {}\n{msg}",
            msg.len()
        )
        .unwrap();
        if let Some(f) = from {
            writeln!(stream, "from :{f}").unwrap();
        }
        for (p, m) in blobs {
            writeln!(stream, "M 100644 :{m} {p}").unwrap();
        }
        stream.push(b'\n');
        *mark
    };
    let mut files = old.to_vec();
    files.push((
        "cekops.toml".into(),
        "[review]\nreviewers = [\"alice@example.com\"]\n".into(),
    ));
    let base = commit(&mut stream, &mut mark, "service", None, &files);
    for (name, changed) in branches {
        commit(&mut stream, &mut mark, name, Some(base), changed);
    }
    fast_import(path, &stream);
    git(path, &["symbolic-ref", "HEAD", "refs/heads/service"]);
}

struct Timing {
    min: Duration,
    median: Duration,
    max: Duration,
    /// Average CPU time (user + system) per run.
    cpu: Option<Duration>,
    bytes: usize,
}

/// Time `cekops -C repo args` with every binary and `git diff FROM TO` of the same revisions
/// (`git` = [FROM, TO]), all alternately, one warm-up run each; `expect` is cekops's exit
/// status. One timing per binary, then git's.
fn time(o: &Options, repo: &Path, args: &[&str], expect: i32, git: [&str; 2]) -> Vec<Timing> {
    // CEKOPS_BENCH_CHRT=1 runs cekops under `chrt -f 10` (real-time priority; needs root): on a
    // shared, busy machine this approximates an idle one.
    let chrt = std::env::var_os("CEKOPS_BENCH_CHRT").is_some();
    let run = |bin: &Path| {
        let mut cmd = if chrt {
            let mut c = Command::new("chrt");
            c.args(["-f", "10"]).arg(bin);
            c
        } else {
            Command::new(bin)
        };
        let cpu_before = children_cpu();
        let start = Instant::now();
        let out = cmd
            .arg("-C")
            .arg(repo)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run cekops");
        let took = start.elapsed();
        let cpu = match (cpu_before, children_cpu()) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        };
        assert_eq!(
            out.status.code(),
            Some(expect),
            "cekops {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (took, out.stdout.len(), cpu)
    };
    let run_git = || {
        let cpu_before = children_cpu();
        let start = Instant::now();
        let out = Command::new("git")
            .arg("--git-dir")
            .arg(repo)
            .args(["diff", "--no-color", git[0], git[1]])
            .output()
            .expect("run git");
        let took = start.elapsed();
        let cpu = match (cpu_before, children_cpu()) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        };
        assert!(out.status.success(), "git diff {git:?} failed");
        (took, out.stdout.len(), cpu)
    };
    let n = o.bins.len();
    let runs = interleave(n + 1, 1, o.runs, |i| {
        if i == n {
            run_git()
        } else {
            run(&o.bins[i].path)
        }
    });
    runs.into_iter()
        .map(|samples| {
            let cpu: Option<Duration> = samples.iter().map(|s| s.2).sum();
            let stats = Stats::of(samples.iter().map(|s| s.0).collect());
            Timing {
                min: stats.min,
                median: stats.median,
                max: stats.max,
                cpu: cpu.map(|c| c / samples.len() as u32),
                bytes: samples[0].1,
            }
        })
        .collect()
}

/// The table rows of a case (one per binary, then `git diff`) and, when comparing, its line of
/// the ratio table.
fn rows(
    o: &Options,
    ratios: &mut Vec<Ratio>,
    name: &str,
    utterances: usize,
    changed: usize,
    t: &[Timing],
) {
    let git = &t[t.len() - 1];
    let t = &t[..t.len() - 1];
    for (bin, t) in o.bins.iter().zip(t) {
        let name = if o.bins.len() > 1 {
            format!("{name} ({})", bin.label)
        } else {
            name.to_string()
        };
        row(&name, utterances, changed, t, Some(git));
    }
    row(
        &format!("{name}: `git diff`"),
        utterances,
        changed,
        git,
        None,
    );
    if let [old, new] = t {
        ratios.push(Ratio {
            case: name.to_string(),
            old: old.median,
            new: new.median,
        });
    }
}

/// One table row; `git`: the `git diff` timing of the same case, for the ratio column.
fn row(name: &str, utterances: usize, changed: usize, t: &Timing, git: Option<&Timing>) {
    let cpu = |t: &Timing| t.cpu.map(|c| c.as_secs_f64());
    println!(
        "| {name} | {utterances} | {changed} | {} KiB | **{} ms** | {}..{} ms | {} | {} |",
        t.bytes / 1024,
        t.median.as_millis(),
        t.min.as_millis(),
        t.max.as_millis(),
        t.cpu
            .map(|c| format!("{} ms", c.as_millis()))
            .unwrap_or_else(|| "—".into()),
        match git {
            Some(g) => format!(
                "{:.2} / {}",
                t.median.as_secs_f64() / g.median.as_secs_f64(),
                match (cpu(t), cpu(g)) {
                    (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
                    _ => "—".into(),
                }
            ),
            None => "1".into(),
        }
    );
}

/// Files of `new` whose content differs from `old` (or that `old` lacks).
fn count_changed(old: &[(String, String)], new: &[(String, String)]) -> usize {
    new.iter()
        .filter(|(p, t)| !old.iter().any(|(op, ot)| op == p && ot == t))
        .count()
}

fn count_utterances(files: &[(String, String)]) -> usize {
    files
        .iter()
        .filter(|(p, _)| p.contains("/intents/"))
        .map(|(_, t)| t.lines().filter(|l| l.starts_with("  \"")).count())
        .sum()
}

fn main() {
    let o = or_exit(parse_args());
    let quick = o.quick;
    let mut ratios = Vec::new();
    // CEKOPS_BENCH_DIR=<dir> keeps the generated repositories there (for profiling).
    let tmp = tempfile::tempdir().expect("tempdir");
    let tmp = match std::env::var_os("CEKOPS_BENCH_DIR") {
        Some(d) => {
            std::fs::create_dir_all(&d).expect("CEKOPS_BENCH_DIR");
            tempfile::Builder::new()
                .prefix("diff-")
                .tempdir_in(d)
                .expect("tempdir")
                .keep()
        }
        None => tmp.path().to_path_buf(),
    };
    let scale = if quick { 100 } else { 1 };

    println!(
        "cekops diff benchmark: median of {} runs (min..max), {} binary{}\n",
        o.runs,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        if quick {
            ", quick mode (1/100 size)"
        } else {
            ""
        }
    );
    if std::env::var_os("CEKOPS_BENCH_CHRT").is_some() {
        println!("(run under `chrt -f 10`: real-time priority, approximates an idle machine)\n");
    }
    println!(
        "| case | utterances per revision | changed files | output | median wall | min..max | CPU per run | / `git diff` (wall / CPU) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");

    // 1. One extension, 50 intents × 2,000 utterances, 5 slot types × 2,000 values; every file
    //    of the test branch differs (the whole extension is read on both sides).
    let id = "com.example.bench";
    let old = extension(id, 50, 2000 / scale, 5, 2000 / scale, false, false);
    let new = extension(id, 50, 2000 / scale, 5, 2000 / scale, true, false);
    let all = extension(id, 50, 2000 / scale, 5, 2000 / scale, true, true);
    let one_intent: Vec<(String, String)> = new
        .iter()
        .filter(|(p, _)| p.ends_with("/Intent7.toml"))
        .cloned()
        .collect();
    let n = count_utterances(&old);
    let repo = tmp.join("one.git");
    build_repo(
        &repo,
        &old,
        &[
            (&format!("test/{id}"), new.clone()),
            ("replace-all", all.clone()),
            ("one-intent", one_intent.clone()),
        ],
    );
    let test_branch = format!("test/{id}");
    let cases: Vec<(&str, Vec<&str>, usize, &str)> = vec![
        (
            "1 extension, every file changed (`diff ID`)",
            vec!["diff", id],
            count_changed(&old, &new),
            &test_branch,
        ),
        (
            "same, `--format json`",
            vec!["diff", id, "--format", "json"],
            count_changed(&old, &new),
            &test_branch,
        ),
        (
            "1 extension, every utterance replaced (all printed)",
            vec!["diff", "--to", "replace-all"],
            count_changed(&old, &all),
            "replace-all",
        ),
        (
            "1 extension, one intent changed",
            vec!["diff", "--to", "one-intent"],
            1,
            "one-intent",
        ),
    ];
    for (name, args, changed, to) in cases {
        let t = time(&o, &repo, &args, 2, ["service", to]);
        rows(&o, &mut ratios, name, n, changed, &t);
    }

    // 2. Ten extensions × (20 intents × 500 utterances); every file differs; no ID.
    let mut old = Vec::new();
    let mut new = Vec::new();
    for e in 0..10 {
        let id = format!("com.example.bench{e}");
        old.extend(extension(
            &id,
            20,
            500 / scale,
            2,
            1000 / scale,
            false,
            false,
        ));
        new.extend(extension(
            &id,
            20,
            500 / scale,
            2,
            1000 / scale,
            true,
            false,
        ));
    }
    let n = count_utterances(&old);
    let repo = tmp.join("ten.git");
    build_repo(&repo, &old, &[("next", new.clone())]);
    let t = time(&o, &repo, &["diff", "--to", "next"], 2, ["service", "next"]);
    rows(
        &o,
        &mut ratios,
        "10 extensions, every file changed (no ID)",
        n,
        count_changed(&old, &new),
        &t,
    );
    let t = time(
        &o,
        &repo,
        &["diff", "--to", "service"],
        0,
        ["service", "service"],
    );
    rows(&o, &mut ratios, "10 extensions, no change", n, 0, &t);
    if o.bins.len() == 2 {
        print_ratios(&o.bins, o.runs, &ratios);
    }
}
