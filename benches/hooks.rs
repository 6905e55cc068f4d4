//! Benchmark of the pre-commit hook on a synthetic repository of 100 extensions (10 intents of
//! 1,000 sample utterances each: 1,000,000 in all) where one intent file changed.
//!
//! Times, from spawn to exit (min / median / max over the runs):
//! - `hook script`: `.git/hooks/pre-commit` exactly as git runs it (sh, then `cekops hook
//!   pre-commit`: branch and review checks, then `validate --staged`) — the target is < 100 ms;
//! - `cekops hook pre-commit`: the binary alone;
//! - `reference-transaction prepared`: the hook git runs before every ref update (here a commit
//!   on a test branch, which it lets through);
//! - `git commit`: a whole commit with every cekops hook (pre-commit and reference-transaction),
//!   and the same commit with no hooks at all, so the difference is what the hooks cost.
//!
//! ```text
//! cargo bench --bench hooks                              # 100 extensions, 10 x 1,000 utterances
//! cargo bench --bench hooks -- --extensions 20 --intents 2 --utterances 50 --runs 5
//! ```
//!
//! The repository is written under `target/bench-hooks` (rebuilt when the parameters change, or
//! with `--fresh`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::path::Path;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_cekops");

struct Options {
    extensions: usize,
    intents: usize,
    utterances: usize,
    runs: usize,
    fresh: bool,
    dir: PathBuf,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        extensions: 100,
        intents: 10,
        utterances: 1000,
        runs: 21,
        fresh: false,
        dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-hooks"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .ok_or(format!("{name} needs a number"))
        };
        match a.as_str() {
            "--extensions" => o.extensions = num("--extensions")?.max(1),
            "--intents" => o.intents = num("--intents")?.max(1),
            "--utterances" => o.utterances = num("--utterances")?.max(1),
            "--runs" => o.runs = num("--runs")?.max(1),
            "--fresh" => o.fresh = true,
            "--dir" => o.dir = PathBuf::from(args.next().ok_or("--dir needs a path")?),
            // cargo bench passes --bench
            "--bench" => {}
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

/// A hermetic git or cekops command in `dir`.
fn command(program: &str, dir: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .env("NO_COLOR", "1");
    c
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = command("git", dir).args(args).output().expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

/// Hangul syllables for unique, readable words.
const SYL: [&str; 20] = [
    "가", "나", "다", "라", "마", "바", "사", "아", "자", "차", "카", "타", "파", "하", "고", "노",
    "도", "로", "모", "보",
];

/// A word made of syllables for `n` (unique per `n`).
fn word(mut n: usize, len: usize) -> String {
    let mut s = String::new();
    for _ in 0..len {
        s.push_str(SYL[n % SYL.len()]);
        n /= SYL.len();
    }
    s
}

fn ext_id(i: usize) -> String {
    format!("com.example.ext{i:03}")
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

fn intent_path(id: &str, k: usize) -> String {
    format!("extensions/{id}/interaction-model/intents/Intent{k:02}.toml")
}

/// Write one valid extension.
fn write_extension(root: &Path, o: &Options, i: usize) {
    let id = ext_id(i);
    let invocation = format!("{}봇", word(i, 3));
    let d = format!("extensions/{id}");
    write(
        root,
        &format!("{d}/extension.toml"),
        &format!(
            "id = \"{id}\"\nlanguage = \"ko-KR\"\nname = \"{invocation}\"\ninvocation_names = [\"{invocation}\"]\nprovider = \"Example Corp\"\ncontact_email = \"dev@example.com\"\nbuiltin_intents = [\"Clova.GuideIntent\", \"Clova.CancelIntent\", \"Clova.YesIntent\", \"Clova.NoIntent\"]\n"
        ),
    );
    write(
        root,
        &format!("{d}/server.toml"),
        "endpoint = \"https://ext.example.com/clova\"\n",
    );
    for k in 0..o.intents {
        let mut text = String::from("utterances = [\n");
        for u in 0..o.utterances {
            let n = k * o.utterances + u;
            let _ = writeln!(text, "  \"{} {} 주문해줘\",", word(n, 2), word(n / 400, 2));
        }
        text.push_str("]\n");
        write(root, &intent_path(&id, k), &text);
    }
}

fn build(o: &Options) {
    let stamp = format!(
        "extensions={} intents={} utterances={}",
        o.extensions, o.intents, o.utterances
    );
    let stamp_file = o.dir.join(".git/cekops-bench");
    if !o.fresh && std::fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp) {
        return;
    }
    if o.dir.exists() {
        std::fs::remove_dir_all(&o.dir).expect("remove old bench repo");
    }
    std::fs::create_dir_all(&o.dir).expect("mkdir");
    eprintln!("building {} ({stamp})", o.dir.display());
    write(
        &o.dir,
        "cekops.toml",
        "[review]\nreviewers = [\"alice@example.com\"]\n",
    );
    for i in 0..o.extensions {
        write_extension(&o.dir, o, i);
    }
    git(&o.dir, &["init", "-q", "-b", "service"]);
    git(&o.dir, &["add", "-A"]);
    git(&o.dir, &["commit", "-q", "-m", "synthetic repository"]);
    git(
        &o.dir,
        &["switch", "-q", "-c", &format!("test/{}", ext_id(0))],
    );
    let out = command(BIN, &o.dir)
        .args(["hooks", "install"])
        .output()
        .expect("cekops hooks install");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&stamp_file, stamp).expect("stamp");
}

/// Change one intent file of extension 0 (a new, unique utterance) and stage it.
fn stage_one_change(o: &Options, run: usize) {
    let rel = intent_path(&ext_id(0), 0);
    let path = o.dir.join(&rel);
    let text = std::fs::read_to_string(&path).expect("read intent");
    let line = format!("  \"{} 새로 주문해줘\",\n", word(run + 7_000, 4));
    std::fs::write(
        &path,
        text.replacen("utterances = [\n", &format!("utterances = [\n{line}"), 1),
    )
    .expect("write intent");
    git(&o.dir, &["add", &rel]);
}

fn summary(mut d: Vec<Duration>) -> (Duration, Duration, Duration) {
    d.sort();
    (d[0], d[d.len() / 2], d[d.len() - 1])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Time `cmd` `runs` times with a fresh staged change before each; `commit` commits it.
fn time(o: &Options, label: &str, make: &dyn Fn() -> Command, commits: bool) {
    let mut times = Vec::new();
    // One warm-up run (page cache), not counted.
    for run in 0..=o.runs {
        stage_one_change(o, run + label.len() * 1000);
        let mut cmd = make();
        let start = Instant::now();
        let out = cmd.output().expect("spawn");
        let took = start.elapsed();
        assert!(
            out.status.success(),
            "{label} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if !commits {
            git(
                &o.dir,
                &[
                    "-c",
                    "core.hooksPath=/dev/null",
                    "commit",
                    "-q",
                    "-m",
                    "bench",
                ],
            );
        }
        if run > 0 {
            times.push(took);
        }
    }
    let (min, med, max) = summary(times);
    println!("| {label} | {} | {} | {} |", ms(min), ms(med), ms(max));
}

fn main() {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    build(&o);
    println!(
        "pre-commit hook benchmark: {} extensions, {} intents x {} utterances each, one intent file changed; {} runs (min / median / max)\n",
        o.extensions, o.intents, o.utterances, o.runs
    );
    println!("| what | min | median | max |\n|---|---|---|---|");
    let dir = o.dir.clone();
    time(
        &o,
        "`.git/hooks/pre-commit` (sh + cekops)",
        &|| {
            let mut c = command(".git/hooks/pre-commit", &dir);
            c.env("GIT_INDEX_FILE", ".git/index");
            c
        },
        false,
    );
    time(
        &o,
        "`cekops hook pre-commit`",
        &|| {
            let mut c = command(BIN, &dir);
            c.args(["hook", "pre-commit"]);
            c
        },
        false,
    );
    let head = git(&dir, &["rev-parse", "HEAD"]);
    let input = format!("{head} {head} refs/heads/test/{}\n", ext_id(0));
    time(
        &o,
        "`.git/hooks/reference-transaction prepared` (sh + cekops)",
        &|| {
            let mut c = command("sh", &dir);
            c.args([
                "-c",
                &format!("printf '%s' '{input}' | .git/hooks/reference-transaction prepared"),
            ]);
            c
        },
        false,
    );
    time(
        &o,
        "`git commit` with the cekops hooks",
        &|| {
            let mut c = command("git", &dir);
            c.args(["commit", "-q", "-m", "bench"]);
            c
        },
        true,
    );
    time(
        &o,
        "`git commit` without hooks",
        &|| {
            let mut c = command("git", &dir);
            c.args([
                "-c",
                "core.hooksPath=/dev/null",
                "commit",
                "-q",
                "-m",
                "bench",
            ]);
            c
        },
        true,
    );
}
