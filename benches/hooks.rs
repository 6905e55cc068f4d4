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
//! - `pre-commit run` and `prek run`: the same check through a hook manager reading this
//!   project's `.pre-commit-hooks.yaml` (hook `cekops-validate-system`, the binary first on PATH),
//!   when the manager is installed (`pre-commit` / `prek` on PATH, or `CEKOPS_PRE_COMMIT` /
//!   `CEKOPS_PREK`; `pip install pre-commit prek`); a missing one is said and left out. What it
//!   costs over `cekops hook pre-commit` is the manager's own.
//!
//! ```text
//! cargo bench --bench hooks                              # 100 extensions, 10 x 1,000 utterances
//! cargo bench --bench hooks -- --extensions 20 --intents 2 --utterances 50 --runs 5
//! cargo bench --bench hooks -- --compare /path/to/old/cekops   # old and new, ratio old/new
//! ```
//!
//! Options: `--extensions N`, `--intents N` (per extension), `--utterances N` (per intent),
//! `--runs N`, `--dir PATH` (default `target/bench-hooks`), `--fresh`, `--bin PATH` (measure
//! another `cekops` binary), `--bin OLD --bin NEW` or `--compare OLD` (two binaries, their runs
//! alternating per case; prints both medians and the ratio old/new; `--compare OLD` compares
//! with the binary cargo built).
//!
//! The repository is written under `target/bench-hooks` (rebuilt when the parameters change, or
//! with `--fresh`). Each binary installs its hooks into its own folder under
//! `.git/bench-hooks/` (the scripts name the binary that installed them), which git is pointed
//! at with `core.hooksPath` for the commit with hooks.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::path::Path;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;

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
use cekops_devkit::git::hermetic;
use cekops_devkit::timing::Stats;

struct Options {
    extensions: usize,
    intents: usize,
    utterances: usize,
    runs: usize,
    fresh: bool,
    dir: PathBuf,
    bins: Vec<Bin>,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        extensions: 100,
        intents: 10,
        utterances: 1000,
        runs: 21,
        fresh: false,
        dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-hooks"),
        bins: Vec::new(),
    };
    let mut bins = BinOptions::default();
    let mut args = Args::from_env("benches/hooks.rs");
    while let Some(a) = args.flag() {
        if bins.take(&a, &mut args)? {
            continue;
        }
        match a.as_str() {
            "--extensions" => o.extensions = args.number::<usize>(&a)?.max(1),
            "--intents" => o.intents = args.number::<usize>(&a)?.max(1),
            "--utterances" => o.utterances = args.number::<usize>(&a)?.max(1),
            "--runs" => o.runs = args.number::<usize>(&a)?.max(1),
            "--fresh" => o.fresh = true,
            "--dir" => o.dir = args.path(&a)?,
            _ => return Err(args.unknown(&a)),
        }
    }
    o.bins = bins.resolve(env!("CARGO_BIN_EXE_cekops"))?;
    Ok(o)
}

/// A hermetic git or cekops command in `dir`.
fn command(program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(dir);
    hermetic(&mut c).env("NO_COLOR", "1");
    c
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
    commit_all(&o.dir, "service", "synthetic repository");
    git(
        &o.dir,
        &["switch", "-q", "-c", &format!("test/{}", ext_id(0))],
    );
    std::fs::write(&stamp_file, stamp).expect("stamp");
}

/// The hooks folder of binary `i`: `cekops hooks install` run by that binary with
/// `core.hooksPath` pointing there (the scripts exec the binary that installed them).
fn install_hooks(o: &Options, i: usize) -> PathBuf {
    let dir = o.dir.join(".git/bench-hooks").join(o.bins[i].label);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir hooks");
    git(
        &o.dir,
        &["config", "core.hooksPath", &dir.to_string_lossy()],
    );
    let out = command(&o.bins[i].path, &o.dir)
        .args(["hooks", "install"])
        .output()
        .expect("cekops hooks install");
    git(&o.dir, &["config", "--unset", "core.hooksPath"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// Change one intent file of extension 0 (a new, unique utterance) and stage it.
fn stage_one_change(o: &Options) {
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let run = RUN.fetch_add(1, Ordering::Relaxed);
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

fn ms(d: std::time::Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Time `make(i)` with every binary `i` (alternately when there are two), a fresh staged change
/// before each run, one warm-up run each; `commits`: the command commits the change (else it is
/// committed after the run, without hooks).
fn time(
    o: &Options,
    label: &str,
    make: &dyn Fn(usize) -> Command,
    commits: bool,
    ratios: &mut Vec<Ratio>,
) {
    let times = interleave(o.bins.len(), 1, o.runs, |i| {
        stage_one_change(o);
        let mut cmd = make(i);
        let start = std::time::Instant::now();
        let out = cmd.output().expect("spawn");
        let took = start.elapsed();
        assert!(
            out.status.success(),
            "{label} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if !commits {
            commit_without_hooks(&o.dir, "bench");
        }
        took
    });
    let stats: Vec<Stats> = times.into_iter().map(Stats::of).collect();
    for (bin, s) in o.bins.iter().zip(&stats) {
        let label = if o.bins.len() > 1 {
            format!("{label} ({})", bin.label)
        } else {
            label.to_string()
        };
        println!(
            "| {label} | {} | {} | {} |",
            ms(s.min),
            ms(s.median),
            ms(s.max)
        );
    }
    if let [old, new] = stats[..] {
        ratios.push(Ratio {
            case: label.to_string(),
            old: old.median,
            new: new.median,
        });
    }
}

fn main() {
    let o = or_exit(parse_args());
    build(&o);
    let _ = std::fs::remove_dir_all(o.dir.join(".git/bench-hooks"));
    let hooks: Vec<PathBuf> = (0..o.bins.len()).map(|i| install_hooks(&o, i)).collect();
    println!(
        "pre-commit hook benchmark: {} extensions, {} intents x {} utterances each, one intent file changed; {} runs (min / median / max)\n",
        o.extensions, o.intents, o.utterances, o.runs
    );
    println!("| what | min | median | max |\n|---|---|---|---|");
    let dir = o.dir.clone();
    let mut ratios = Vec::new();
    time(
        &o,
        "`.git/hooks/pre-commit` (sh + cekops)",
        &|i| {
            let mut c = command(hooks[i].join("pre-commit"), &dir);
            c.env("GIT_INDEX_FILE", ".git/index");
            c
        },
        false,
        &mut ratios,
    );
    time(
        &o,
        "`cekops hook pre-commit`",
        &|i| {
            let mut c = command(&o.bins[i].path, &dir);
            c.args(["hook", "pre-commit"]);
            c
        },
        false,
        &mut ratios,
    );
    for (name, var) in [("pre-commit", "CEKOPS_PRE_COMMIT"), ("prek", "CEKOPS_PREK")] {
        let Some(tool) = find_program(var, name) else {
            println!("| `{name} run`: not installed (`pip install {name}`, or set {var}) | | | |");
            continue;
        };
        let path = manager_setup(&o);
        let home = o.dir.join(format!(".git/bench-{name}-home"));
        time(
            &o,
            &format!("`{name} run` (hook `cekops-validate-system`)"),
            &|i| {
                let mut c = command(&tool, &dir);
                c.arg("run")
                    .env("PATH", &path[i])
                    .env("PRE_COMMIT_HOME", &home)
                    .env("PREK_HOME", &home);
                c
            },
            false,
            &mut ratios,
        );
    }
    let head = git(&dir, &["rev-parse", "HEAD"]);
    let input = format!("{head} {head} refs/heads/test/{}\n", ext_id(0));
    time(
        &o,
        "`.git/hooks/reference-transaction prepared` (sh + cekops)",
        &|i| {
            let mut c = command("sh", &dir);
            c.args([
                "-c",
                &format!(
                    "printf '%s' '{input}' | '{}' prepared",
                    hooks[i].join("reference-transaction").display()
                ),
            ]);
            c
        },
        false,
        &mut ratios,
    );
    time(
        &o,
        "`git commit` with the cekops hooks",
        &|i| {
            let mut c = command("git", &dir);
            c.arg("-c")
                .arg(format!("core.hooksPath={}", hooks[i].display()))
                .args(["commit", "-q", "-m", "bench"]);
            c
        },
        true,
        &mut ratios,
    );
    time(
        &o,
        "`git commit` without hooks",
        &|_| {
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
        &mut ratios,
    );
    if o.bins.len() == 2 {
        print_ratios(&o.bins, o.runs, &ratios);
    }
}

/// A hook repository holding this project's `.pre-commit-hooks.yaml` and a committed
/// `.pre-commit-config.yaml` using its `cekops-validate-system` hook; per binary, a PATH whose
/// first folder has `cekops` (a link to that binary).
fn manager_setup(o: &Options) -> Vec<std::ffi::OsString> {
    let hooks = o.dir.join(".git/bench-hook-repo");
    if !hooks.join(".git").is_dir() {
        std::fs::create_dir_all(&hooks).expect("mkdir");
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
            hooks.join(".pre-commit-hooks.yaml"),
        )
        .expect("copy .pre-commit-hooks.yaml");
        commit_all(&hooks, "main", "hooks");
    }
    let rev = git(&hooks, &["rev-parse", "HEAD"]);
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: cekops-validate-system\n",
        hooks.display()
    );
    let path = o.dir.join(".pre-commit-config.yaml");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(config.as_str()) {
        std::fs::write(&path, config).expect("write config");
        git(&o.dir, &["add", ".pre-commit-config.yaml"]);
        commit_without_hooks(&o.dir, "pre-commit config");
    }
    let rest = std::env::var_os("PATH").unwrap_or_default();
    o.bins
        .iter()
        .map(|b| {
            let dir = o.dir.join(".git/bench-bin").join(b.label);
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::os::unix::fs::symlink(&b.path, dir.join("cekops")).expect("link cekops");
            std::env::join_paths(std::iter::once(dir).chain(std::env::split_paths(&rest)))
                .expect("PATH")
        })
        .collect()
}

/// Commit what is staged, running no hook.
fn commit_without_hooks(dir: &Path, message: &str) {
    git(
        dir,
        &[
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "-q",
            "-m",
            message,
        ],
    );
}
