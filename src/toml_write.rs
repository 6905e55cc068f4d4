//! Writing the interaction-model TOML files that `import` produces, in one fixed layout so that
//! the same model always gives the same bytes.
//!
//! Intent files:
//! ```toml
//! description = "…"          # only when there is one
//! utterances = [
//!     "<pizzaType>페퍼로니</pizzaType> 피자 주문해줘",
//! ]
//!
//! [slots]
//! pizzaType = "PIZZA_TYPE"
//! ```
//! Slot-type files: an optional `description`, then `[values]` with one `value = [synonyms]` line
//! per representative value.

use std::fmt::Write as _;

/// A TOML basic string: `"…"` with `\`, `"` and control characters escaped.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it only holds `A-Za-z0-9_-`, quoted otherwise.
pub fn key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_string()
    } else {
        string(s)
    }
}

/// An inline array of strings on one line: `["a", "b"]`.
pub fn inline_array<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let parts: Vec<String> = items.into_iter().map(string).collect();
    format!("[{}]", parts.join(", "))
}

/// Leading comment lines of an existing file (a `#:schema` line and notes), kept on rewrite.
pub fn leading_comments(existing: &str) -> String {
    let mut out = String::new();
    for line in existing.lines() {
        if line.starts_with('#') {
            out.push_str(line);
            out.push('\n');
        } else {
            break;
        }
    }
    out
}

/// An intent file. `header` is written first (comments kept from an existing file).
pub fn intent(
    header: &str,
    description: Option<&str>,
    slots: &[(String, String)],
    utterances: &[String],
) -> String {
    let mut out = String::from(header);
    if let Some(d) = description {
        let _ = writeln!(out, "description = {}", string(d));
    }
    if utterances.is_empty() {
        out.push_str("utterances = []\n");
    } else {
        out.push_str("utterances = [\n");
        for u in utterances {
            let _ = writeln!(out, "    {},", string(u));
        }
        out.push_str("]\n");
    }
    if !slots.is_empty() {
        out.push_str("\n[slots]\n");
        for (name, ty) in slots {
            let _ = writeln!(out, "{} = {}", key(name), string(ty));
        }
    }
    out
}

/// A slot-type file.
pub fn slot_type(
    header: &str,
    description: Option<&str>,
    values: &[(String, Vec<String>)],
) -> String {
    let mut out = String::from(header);
    if let Some(d) = description {
        let _ = writeln!(out, "description = {}\n", string(d));
    }
    out.push_str("[values]\n");
    for (value, synonyms) in values {
        let _ = writeln!(
            out,
            "{} = {}",
            key(value),
            inline_array(synonyms.iter().map(String::as_str))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IntentFile;
    use crate::model::SlotTypeFile;

    #[test]
    fn written_files_parse_back() {
        let text = intent(
            "#:schema x\n",
            Some("a \"quoted\" one"),
            &[("pizza Type".into(), "PIZZA_TYPE".into())],
            &["<pizza Type>페퍼로니</pizza Type> \\ 주문\t해줘".into()],
        );
        let f: IntentFile = toml::from_str(&text).unwrap();
        assert_eq!(
            f.utterances.value[0].value,
            "<pizza Type>페퍼로니</pizza Type> \\ 주문\t해줘"
        );
        assert_eq!(f.slots.value.keys().next().unwrap().value, "pizza Type");
        let text = slot_type(
            "",
            None,
            &[
                ("페퍼로니".into(), vec!["페퍼로니 피자".into()]),
                ("a-b".into(), vec![]),
            ],
        );
        let s: SlotTypeFile = toml::from_str(&text).unwrap();
        assert_eq!(s.values.value.len(), 2);
        assert!(text.contains("a-b = []"));
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(string("a\u{1}b"), "\"a\\u0001b\"");
        let v: toml::Value = toml::from_str(&format!("x = {}", string("\u{7f}\u{1b}"))).unwrap();
        assert_eq!(v["x"].as_str(), Some("\u{7f}\u{1b}"));
    }
}
