//! The terminal: writing to stdout and stderr, whether to colour, and how wide text is.

use std::io::IsTerminal;
use std::io::Write;

use unicode_width::UnicodeWidthStr;

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

/// The columns `text` takes in a terminal: East Asian wide characters (Hangul, kana, CJK,
/// fullwidth forms) and emoji take two, combining marks none.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` padded with spaces to `columns` terminal columns.
pub fn pad(text: &str, columns: usize) -> String {
    format!("{text}{}", " ".repeat(columns.saturating_sub(width(text))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn east_asian_text_is_two_columns_wide() {
        assert_eq!(width("com.example.alpha"), 17);
        assert_eq!(width("알파봇"), 6);
        assert_eq!(width("브라보봇"), 8);
        assert_eq!(width("ピザボット"), 10);
        assert_eq!(width("天気"), 4);
        assert_eq!(width("ＡＢＣ"), 6);
        assert_eq!(width("ｱｲｳ"), 3);
        assert_eq!(pad("알파봇", 8), "알파봇  ");
        assert_eq!(pad("브라보봇", 6), "브라보봇");
    }
}
