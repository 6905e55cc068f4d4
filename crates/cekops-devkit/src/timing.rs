//! Timing a child process and the statistics the benchmarks print.

use std::path::Path;
use std::process::Command;
use std::process::Output;
use std::time::Duration;
use std::time::Instant;

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The middle value of a sorted, non-empty slice (the upper one of an even count).
pub fn median<T: Copy>(sorted: &[T]) -> T {
    sorted[sorted.len() / 2]
}

/// The value below which a share `p` (0.0..=1.0) of a sorted, non-empty slice lies.
pub fn percentile<T: Copy>(sorted: &[T], p: f64) -> T {
    sorted[((sorted.len() as f64 - 1.0) * p) as usize]
}

/// Minimum, median and maximum of some durations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stats {
    pub min: Duration,
    pub median: Duration,
    pub max: Duration,
}

impl Stats {
    /// The statistics of `times` (not empty).
    pub fn of(mut times: Vec<Duration>) -> Stats {
        times.sort();
        Stats {
            min: times[0],
            median: median(&times),
            max: times[times.len() - 1],
        }
    }
}

/// One run of a child process.
pub struct Measured {
    /// From spawn to exit.
    pub wall: Duration,
    pub output: Output,
    /// Peak memory (from GNU time), when `/usr/bin/time` is there.
    pub max_rss_kib: Option<u64>,
    /// User plus system CPU time (from GNU time), when `/usr/bin/time` is there.
    pub cpu: Option<Duration>,
}

/// Run `program` with `args` once (`setup` sets its folder, environment…) under
/// `/usr/bin/time -f "%M %U %S"` when that exists, and wait for it.
pub fn run_measured(program: &Path, args: &[&str], setup: impl FnOnce(&mut Command)) -> Measured {
    let time = Path::new("/usr/bin/time");
    let report = std::env::temp_dir().join(format!("cekops-bench-rss-{}", std::process::id()));
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f")
            .arg("%M %U %S")
            .arg("-o")
            .arg(&report)
            .arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args);
    setup(&mut cmd);
    let start = Instant::now();
    let output = cmd.output().expect("the measured program runs");
    let wall = start.elapsed();
    let parsed = std::fs::read_to_string(&report)
        .ok()
        .and_then(|s| parse_gnu_time(&s));
    let _ = std::fs::remove_file(&report);
    Measured {
        wall,
        output,
        max_rss_kib: parsed.map(|(rss, _)| rss),
        cpu: parsed.map(|(_, cpu)| cpu),
    }
}

/// GNU time's `-f "%M %U %S"` report: its last line is "max-RSS-KiB user-seconds
/// system-seconds" (a line before it may say that the command failed). Gives the peak memory in
/// KiB and the user plus system CPU time.
pub fn parse_gnu_time(report: &str) -> Option<(u64, Duration)> {
    let fields: Vec<f64> = report
        .lines()
        .last()?
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    match fields[..] {
        [rss, user, sys] => Some((rss as u64, Duration::from_secs_f64(user + sys))),
        _ => None,
    }
}

/// CPU time (user + system) of this process's waited-for children, from `/proc/self/stat`
/// (Linux; clock ticks of 10 ms). `None` elsewhere.
pub fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (in parentheses, may contain spaces) start at field 3;
    // cutime and cstime are fields 16 and 17.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let cutime: u64 = fields.get(13)?.parse().ok()?;
    let cstime: u64 = fields.get(14)?.parse().ok()?;
    Some(Duration::from_millis((cutime + cstime) * 10))
}

/// The processor's model name from `/proc/cpuinfo`.
pub fn cpu_model() -> String {
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

/// The 1, 5 and 15 minute load averages, as `/proc/loadavg` writes them ("" elsewhere).
pub fn load_average() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    load.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics() {
        let d = |ms: u64| Duration::from_millis(ms);
        let s = Stats::of(vec![d(5), d(1), d(3), d(9)]);
        assert_eq!(
            s,
            Stats {
                min: d(1),
                median: d(5),
                max: d(9)
            }
        );
        assert_eq!(percentile(&[1, 2, 3, 4, 5], 0.5), 3);
        assert_eq!(percentile(&[1, 2, 3, 4, 5], 0.99), 4);
        assert_eq!(median(&[1, 2, 3]), 2);
    }

    #[test]
    fn gnu_time_report() {
        let ms = |r: Option<(u64, Duration)>| r.map(|(kib, cpu)| (kib, ms(cpu).round()));
        assert_eq!(
            ms(parse_gnu_time("365432 1.20 0.10\n")),
            Some((365_432, 1300.0))
        );
        assert_eq!(
            ms(parse_gnu_time(
                "Command exited with non-zero status 1\n12000 0.01 0.00\n"
            )),
            Some((12_000, 10.0))
        );
        assert_eq!(parse_gnu_time(""), None);
        assert_eq!(parse_gnu_time("garbage"), None);
    }
}
