//! Benchmark of `cekops status` on a synthetic repository: 100 extensions in service, 100 test
//! branches one commit ahead, and 10,000 lifecycle records (100 per extension: rejected,
//! cancelled and approved reviews, every third extension with an open review). Runs the release
//! binary in a child process and reports the median wall time from spawn to exit.
//!
//! ```text
//! cargo bench --bench status                        # 100 extensions, 10,000 records
//! cargo bench --bench status -- --extensions 20 --records 50 --runs 5
//! ```
//!
//! The repository is written with `git fast-import` under `target/bench-status` (rebuilt when the
//! parameters change, or with `--fresh`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::path::Path;
use std::path::PathBuf;
use std::process::Command;
use std::process::Stdio;
use std::time::Duration;
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_cekops");

struct Options {
    extensions: usize,
    records: usize,
    runs: usize,
    fresh: bool,
    dir: PathBuf,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        extensions: 100,
        records: 100,
        runs: 11,
        fresh: false,
        dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-status"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .ok_or(format!("{name} needs a number"))
        };
        match a.as_str() {
            "--extensions" => o.extensions = num("--extensions")?,
            "--records" => o.records = num("--records")?,
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

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn fast_import(dir: &Path, stream: &str) {
    let mut child = Command::new("git")
        .current_dir(dir)
        .args(["fast-import", "--quiet"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    child
        .stdin
        .as_mut()
        .expect("stdin")
        .write_all(stream.as_bytes())
        .expect("write stream");
    assert!(child.wait().expect("wait").success(), "fast-import failed");
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
    fast_import(&o.dir, &s);
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
    fast_import(&o.dir, &s);
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

fn time(dir: &Path, args: &[&str], runs: usize) -> (Duration, Duration, Duration) {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let out = Command::new(BIN)
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
        times.push(t);
    }
    times.sort();
    (times[0], times[times.len() / 2], times[times.len() - 1])
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
        "status benchmark: {} extensions, {} records, {} runs (min / median / max)",
        o.extensions,
        o.extensions * o.records,
        o.runs
    );
    let target = id(o.extensions / 2);
    for args in [
        vec!["status"],
        vec!["status", "--format", "json"],
        vec!["status", target.as_str()],
    ] {
        let (min, med, max) = time(&o.dir, &args, o.runs);
        println!(
            "  cekops {:<28} {:>8.1?} / {:>8.1?} / {:>8.1?}",
            args.join(" "),
            min,
            med,
            max
        );
    }
}
