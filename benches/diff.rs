//! `cekops diff` speed: two revisions with 100,000 sample utterances each (target: < 300 ms).
//!
//! Builds synthetic bare repositories with `git fast-import` (self-contained generator), then
//! times the release binary end to end (process start, git object reads, TOML parsing, the
//! semantic comparison and rendering). Run with `cargo bench --bench diff`; figures go to
//! BENCHMARKS.md under `## diff`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::process::Stdio;
use std::time::Duration;
use std::time::Instant;

const RUNS: usize = 15;

/// Deterministic pseudo-random numbers (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
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
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
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
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.pick(WORDS),
                if replace_all { "새 " } else { "" },
                rng.pick(WORDS),
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
    let git = |args: &[&str]| {
        let st = Command::new("git")
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .status()
            .expect("git");
        assert!(st.success(), "git {args:?}");
    };
    git(&["init", "-q", "--bare", path.to_str().unwrap()]);
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
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(path)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&stream)
        .expect("write stream");
    assert!(child.wait().expect("fast-import").success());
    git(&[
        "--git-dir",
        path.to_str().unwrap(),
        "symbolic-ref",
        "HEAD",
        "refs/heads/service",
    ]);
}

/// CPU time (user + system) of this process's waited-for children, from `/proc/self/stat`
/// (Linux; clock ticks of 10 ms). `None` elsewhere.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (in parentheses, may contain spaces) start at field 3;
    // cutime and cstime are fields 16 and 17.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let cutime: u64 = fields.get(13)?.parse().ok()?;
    let cstime: u64 = fields.get(14)?.parse().ok()?;
    Some(Duration::from_millis((cutime + cstime) * 10))
}

struct Timing {
    min: Duration,
    median: Duration,
    max: Duration,
    /// Average CPU time (user + system) per run.
    cpu: Option<Duration>,
    bytes: usize,
}

fn time(bin: &str, repo: &Path, args: &[&str], expect: i32) -> Timing {
    // CEKOPS_BENCH_CHRT=1 runs cekops under `chrt -f 10` (real-time priority; needs root): on a
    // shared, busy machine this approximates an idle one.
    let chrt = std::env::var_os("CEKOPS_BENCH_CHRT").is_some();
    let run = || {
        let mut cmd = if chrt {
            let mut c = Command::new("chrt");
            c.args(["-f", "10", bin]);
            c
        } else {
            Command::new(bin)
        };
        let start = Instant::now();
        let out = cmd
            .arg("-C")
            .arg(repo)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run cekops");
        let took = start.elapsed();
        assert_eq!(
            out.status.code(),
            Some(expect),
            "cekops {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (took, out.stdout.len())
    };
    let (_, bytes) = run(); // warm the page cache
    let cpu_before = children_cpu();
    let mut times: Vec<Duration> = (0..RUNS).map(|_| run().0).collect();
    let cpu = match (cpu_before, children_cpu()) {
        (Some(a), Some(b)) => Some((b - a) / RUNS as u32),
        _ => None,
    };
    times.sort();
    Timing {
        min: times[0],
        median: times[RUNS / 2],
        max: times[RUNS - 1],
        cpu,
        bytes,
    }
}

fn row(name: &str, utterances: usize, changed: usize, t: &Timing) {
    println!(
        "| {name} | {utterances} | {changed} | {} KiB | **{} ms** | {}..{} ms | {} |",
        t.bytes / 1024,
        t.median.as_millis(),
        t.min.as_millis(),
        t.max.as_millis(),
        t.cpu
            .map(|c| format!("{} ms", c.as_millis()))
            .unwrap_or_else(|| "—".into())
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
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this too: keep it quick then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let bin = env!("CARGO_BIN_EXE_cekops");
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
        "cekops diff benchmark: median of {RUNS} runs (min..max), {} binary{}\n",
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
        "| case | utterances per revision | changed files | output | median wall | min..max | CPU per run |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");

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
    let cases: Vec<(&str, Vec<&str>, usize)> = vec![
        (
            "1 extension, every file changed (`diff ID`)",
            vec!["diff", id],
            count_changed(&old, &new),
        ),
        (
            "same, `--format json`",
            vec!["diff", id, "--format", "json"],
            count_changed(&old, &new),
        ),
        (
            "1 extension, every utterance replaced (all printed)",
            vec!["diff", "--to", "replace-all"],
            count_changed(&old, &all),
        ),
        (
            "1 extension, one intent changed",
            vec!["diff", "--to", "one-intent"],
            1,
        ),
    ];
    for (name, args, changed) in cases {
        row(name, n, changed, &time(bin, &repo, &args, 2));
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
    row(
        "10 extensions, every file changed (no ID)",
        n,
        count_changed(&old, &new),
        &time(bin, &repo, &["diff", "--to", "next"], 2),
    );
    row(
        "10 extensions, no change",
        n,
        0,
        &time(bin, &repo, &["diff", "--to", "service"], 0),
    );
}
