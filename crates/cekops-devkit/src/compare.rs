//! Which binary a benchmark runs, and comparing two in one run.
//!
//! Options (for the benches that run `cekops` as a child process):
//!
//! - none: the binary cargo just built;
//! - `--bin PATH`: that binary instead (e.g. an older build);
//! - `--bin OLD --bin NEW`: both, compared;
//! - `--compare OLD`: OLD compared with the binary cargo just built.
//!
//! When comparing, every case runs the two binaries alternately (old, new, then new, old, …),
//! so that a change of the machine's load touches both alike, and the bench prints per case both
//! medians and the ratio old/new (above 1: the new binary is faster).

use std::path::PathBuf;
use std::time::Duration;

use crate::args::Args;
use crate::timing::ms;

/// One binary to measure.
#[derive(Clone, Debug)]
pub struct Bin {
    /// `old` or `new` when comparing, else `cekops`.
    pub label: &'static str,
    pub path: PathBuf,
}

/// The `--bin` and `--compare` options, as given.
#[derive(Default)]
pub struct BinOptions {
    bins: Vec<PathBuf>,
    compare: Option<PathBuf>,
}

impl BinOptions {
    /// Takes `flag` (and its value) when it is `--bin` or `--compare`: `Ok(true)`.
    pub fn take(&mut self, flag: &str, args: &mut Args) -> Result<bool, String> {
        match flag {
            "--bin" => self.bins.push(args.path(flag)?),
            "--compare" => self.compare = Some(args.path(flag)?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The binaries to run: one, or old and new. `built` is the binary cargo built
    /// (`env!("CARGO_BIN_EXE_cekops")`). A relative path is made absolute here: the benches run
    /// the binaries in other folders (`cargo bench` starts a bench in the package's folder).
    pub fn resolve(self, built: &str) -> Result<Vec<Bin>, String> {
        let absolute =
            |p: PathBuf| std::path::absolute(&p).map_err(|e| format!("{}: {e}", p.display()));
        let bin = |label, path| Bin { label, path };
        let mut bins = self.bins.into_iter().map(absolute);
        match (bins.len(), self.compare) {
            (0, None) => Ok(vec![bin("cekops", PathBuf::from(built))]),
            (1, None) => Ok(vec![bin("cekops", bins.next().unwrap()?)]),
            (2, None) => Ok(vec![
                bin("old", bins.next().unwrap()?),
                bin("new", bins.next().unwrap()?),
            ]),
            (0, Some(old)) => Ok(vec![
                bin("old", absolute(old)?),
                bin("new", PathBuf::from(built)),
            ]),
            _ => Err("give `--bin PATH` once or twice, or `--compare OLD` alone".into()),
        }
    }
}

/// Another program a bench runs next to cekops (a peer tool, a hook runner): the path in `var`
/// when set, else `name` on PATH; `None` when neither.
pub fn find_program(var: &str, name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Run `run(i)` for every binary `i` of `count`: `warmups` rounds whose results are dropped,
/// then `runs` rounds; in each round every binary runs once, the order turned around from one
/// round to the next. The kept results, per binary.
pub fn interleave<S>(
    count: usize,
    warmups: usize,
    runs: usize,
    mut run: impl FnMut(usize) -> S,
) -> Vec<Vec<S>> {
    let mut kept: Vec<Vec<S>> = (0..count).map(|_| Vec::with_capacity(runs)).collect();
    for round in 0..warmups + runs {
        for k in 0..count {
            let i = if round % 2 == 0 { k } else { count - 1 - k };
            let s = run(i);
            if round >= warmups {
                kept[i].push(s);
            }
        }
    }
    kept
}

/// One line of the comparison: the median wall time of each binary for a case.
pub struct Ratio {
    pub case: String,
    pub old: Duration,
    pub new: Duration,
}

/// The comparison table: both binaries' paths, then per case both medians and old/new.
pub fn print_ratios(bins: &[Bin], runs: usize, rows: &[Ratio]) {
    println!();
    for b in bins {
        println!("{}: {}", b.label, b.path.display());
    }
    println!("median of {runs} runs each, the two binaries run alternately\n");
    println!("| case | old median | new median | old/new |\n|---|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {:.1} ms | {:.1} ms | {:.2} |",
            r.case,
            ms(r.old),
            ms(r.new),
            r.old.as_secs_f64() / r.new.as_secs_f64()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binaries for `args`: labels and paths relative to the current folder ("?" in front of
    /// a path that is not under it, so a path left relative would show).
    fn resolve(args: &[&str]) -> Result<Vec<(&'static str, String)>, String> {
        let mut a = Args::new(args.iter().map(|s| s.to_string()).collect(), "t");
        let mut o = BinOptions::default();
        while let Some(f) = a.flag() {
            assert!(o.take(&f, &mut a)?, "{f}");
        }
        let cwd = std::env::current_dir().unwrap();
        let bins = o.resolve(&cwd.join("built").to_string_lossy())?;
        Ok(bins
            .into_iter()
            .map(|b| match b.path.strip_prefix(&cwd) {
                Ok(rel) => (b.label, rel.display().to_string()),
                Err(_) => (b.label, format!("?{}", b.path.display())),
            })
            .collect())
    }

    #[test]
    fn one_binary_or_two() {
        assert_eq!(resolve(&[]), Ok(vec![("cekops", "built".into())]));
        assert_eq!(resolve(&["--bin", "a"]), Ok(vec![("cekops", "a".into())]));
        assert_eq!(
            resolve(&["--bin", "a", "--bin", "b"]),
            Ok(vec![("old", "a".into()), ("new", "b".into())])
        );
        assert_eq!(
            resolve(&["--compare", "a"]),
            Ok(vec![("old", "a".into()), ("new", "built".into())])
        );
        assert!(resolve(&["--compare", "a", "--bin", "b"]).is_err());
        assert!(resolve(&["--bin", "a", "--bin", "b", "--bin", "c"]).is_err());
        assert!(resolve(&["--bin"]).is_err());
    }

    #[test]
    fn alternating_rounds() {
        let mut order = Vec::new();
        let kept = interleave(2, 1, 3, |i| {
            order.push(i);
            order.len()
        });
        assert_eq!(order, [0, 1, 1, 0, 0, 1, 1, 0]);
        assert_eq!(kept, [vec![4, 5, 8], vec![3, 6, 7]]);
    }
}
