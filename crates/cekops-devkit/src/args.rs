//! Command-line options of the benchmarks: `cargo bench --bench NAME -- OPTIONS`.
//!
//! ```text
//! let mut args = Args::from_env("benches/status.rs");
//! while let Some(flag) = args.flag() {
//!     match flag.as_str() {
//!         "--runs" => runs = args.number::<usize>(&flag)?.max(1),
//!         "--dir" => dir = args.path(&flag)?,
//!         _ => return Err(args.unknown(&flag)),
//!     }
//! }
//! ```

use std::path::PathBuf;
use std::str::FromStr;

/// The options of a benchmark, read one at a time.
pub struct Args {
    rest: std::vec::IntoIter<String>,
    /// Whether `--bench` was given: `cargo bench` passes it, `cargo test --benches` does not.
    pub bench: bool,
    /// The bench's source file, named in the message about an unknown option.
    source: &'static str,
}

impl Args {
    /// The process's arguments (the program name left out).
    pub fn from_env(source: &'static str) -> Self {
        Self::new(std::env::args().skip(1).collect(), source)
    }

    pub fn new(args: Vec<String>, source: &'static str) -> Self {
        Self {
            rest: args.into_iter(),
            bench: false,
            source,
        }
    }

    /// The next option; `--bench` is taken here (see [`Args::bench`]).
    pub fn flag(&mut self) -> Option<String> {
        for a in self.rest.by_ref() {
            if a == "--bench" {
                self.bench = true;
            } else {
                return Some(a);
            }
        }
        None
    }

    /// The number after `flag`; `_` may group digits (`1_000_000`).
    pub fn number<T: FromStr>(&mut self, flag: &str) -> Result<T, String> {
        self.rest
            .next()
            .and_then(|v| v.replace('_', "").parse().ok())
            .ok_or(format!("{flag} needs a number"))
    }

    /// The path after `flag`.
    pub fn path(&mut self, flag: &str) -> Result<PathBuf, String> {
        self.rest
            .next()
            .map(PathBuf::from)
            .ok_or(format!("{flag} needs a path"))
    }

    /// The message for an option the bench does not know.
    pub fn unknown(&self, flag: &str) -> String {
        format!("unknown option `{flag}` (see {})", self.source)
    }
}

/// The parsed options, or the error printed and exit status 2.
pub fn or_exit<T>(parsed: Result<T, String>) -> T {
    parsed.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_numbers_and_paths() {
        let mut a = Args::new(
            ["--runs", "1_000", "--bench", "--dir", "/tmp/x", "--runs"]
                .map(String::from)
                .to_vec(),
            "benches/x.rs",
        );
        assert_eq!(a.flag().as_deref(), Some("--runs"));
        assert_eq!(a.number::<usize>("--runs"), Ok(1000));
        assert_eq!(a.flag().as_deref(), Some("--dir"));
        assert!(a.bench);
        assert_eq!(a.path("--dir"), Ok(PathBuf::from("/tmp/x")));
        assert_eq!(a.flag().as_deref(), Some("--runs"));
        assert_eq!(
            a.number::<usize>("--runs"),
            Err("--runs needs a number".into())
        );
        assert_eq!(a.flag(), None);
        assert_eq!(a.unknown("--x"), "unknown option `--x` (see benches/x.rs)");
    }
}
