//! The terminal: writing to stdout and stderr, and whether to colour.

use std::io::IsTerminal;
use std::io::Write;

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Whether to colour output written to stdout (`stdout = true`) or stderr: `always`, `never`, or
/// `auto` = the stream is a terminal and `NO_COLOR` is unset or empty.
pub fn use_color(choice: ColorChoice, stdout: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && if stdout {
                    std::io::stdout().is_terminal()
                } else {
                    std::io::stderr().is_terminal()
                }
        }
    }
}

/// Write to stdout; a closed pipe is not an error.
pub fn out(text: &str) {
    let mut s = std::io::stdout().lock();
    let _ = s.write_all(text.as_bytes());
    let _ = s.flush();
}

/// Write to stderr.
pub fn err(text: &str) {
    let mut s = std::io::stderr().lock();
    let _ = s.write_all(text.as_bytes());
}
