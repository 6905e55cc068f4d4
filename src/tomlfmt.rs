//! The canonical layout of the TOML files cekops reads (`cekops fmt`).
//!
//! The layout, in short:
//! - `key = value` with one space on each side of `=`; no indentation of entries;
//! - arrays stay on one line when they fit in [`MAX_WIDTH`] columns and hold no comments;
//!   otherwise (and always for the utterance lists `utterances` and `example_phrases`) one element per line, indented by two spaces per
//!   level, each followed by a comma, the closing bracket on its own line;
//! - inline tables as `{ a = 1, b = 2 }`;
//! - one blank line before each table header (comments directly above a header stay with it), at
//!   most one blank line anywhere else, none at the top of the file or right after a header;
//! - a comment after a value or a header is separated from it by one space;
//! - no trailing whitespace, exactly one final newline (an empty file stays empty).
//!
//! Comments are kept. Keys, strings and numbers keep their spelling (quotes, escapes, digits).
//!
//! The formatter works on `toml_edit`'s document, where every comment lives in the whitespace
//! ("decor") around keys, values and headers, and only rewrites that whitespace. [`format()`] then
//! checks its own result: the data must be unchanged, every comment present in the same order
//! (counted by the TOML lexer, independently of `toml_edit`) and a second run must change
//! nothing. A file that fails a check is never written.

use std::ops::Range;

use toml_edit::Array;
use toml_edit::DocumentMut;
use toml_edit::InlineTable;
use toml_edit::Item;
use toml_edit::Table;
use toml_edit::Value;
use unicode_width::UnicodeWidthStr;

/// Lines are kept within this many columns where the layout allows (East Asian wide characters
/// count as two columns).
pub const MAX_WIDTH: usize = 100;

const INDENT: usize = 2;

/// Keys whose arrays are always written one element per line: the utterance lists (sample
/// utterances, Skill Store example phrases), so that a pull request shows one utterance per line.
const ALWAYS_EXPANDED: &[&str] = &["utterances", "example_phrases"];

/// Why a text could not be formatted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The text is not valid TOML; nothing was formatted.
    #[error("{message}")]
    Syntax {
        message: String,
        /// Byte range of the problem in the input.
        span: Range<usize>,
    },
    /// The formatted text failed one of the safety checks (a formatter bug); the input must be
    /// kept as it is.
    #[error("formatting would not be safe ({0}); the file is left as it is")]
    Unsafe(String),
}

/// `text` in the canonical layout; unchanged when it cannot be formatted (generated text that
/// `cekops fmt` would rewrite is written canonical from the start).
pub fn canonical(text: String) -> String {
    format(&text).unwrap_or(text)
}

/// Format a TOML document in the canonical layout. Safe by construction and by check: see the
/// module documentation.
pub fn format(text: &str) -> Result<String, FormatError> {
    let before = data(text)?;
    let out = format_unchecked(text)?;
    if out == text {
        return Ok(out);
    }
    let after =
        data(&out).map_err(|e| FormatError::Unsafe(format!("output does not parse: {e}")))?;
    if before != after {
        return Err(FormatError::Unsafe("the data would change".into()));
    }
    if comments(text) != comments(&out) {
        return Err(FormatError::Unsafe(
            "comments would be lost or moved".into(),
        ));
    }
    match format_unchecked(&out) {
        Ok(again) if again == out => Ok(out),
        _ => Err(FormatError::Unsafe(
            "a second run would change the result".into(),
        )),
    }
}

/// The data of a document as JSON (the loader's conversion), or the syntax error.
fn data(text: &str) -> Result<serde_json::Value, FormatError> {
    match toml::de::DeTable::parse(text) {
        Ok(t) => Ok(crate::model::schema::to_json(t.get_ref())),
        Err(e) => Err(FormatError::Syntax {
            message: syntax_message(e.message()),
            span: e.span().unwrap_or(0..0),
        }),
    }
}

fn syntax_message(m: &str) -> String {
    let m = m.trim().trim_end_matches('.');
    let mut c = m.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => "invalid TOML".into(),
    }
}

/// Every comment of a document, in order, without trailing whitespace (found by the TOML lexer).
fn comments(text: &str) -> Vec<&str> {
    let source = toml_parser::Source::new(text);
    source
        .lex()
        .filter(|t| t.kind() == toml_parser::lexer::TokenKind::Comment)
        .filter_map(|t| source.get(t.span()).map(|r| r.as_str().trim_end()))
        .collect()
}

fn format_unchecked(text: &str) -> Result<String, FormatError> {
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| FormatError::Syntax {
                message: syntax_message(e.message()),
                span: e.span().unwrap_or(0..0),
            })?;
    let trailing = raw(Some(doc.trailing()));
    doc.set_trailing(end_block(&trailing));
    let decor = doc.decor_mut();
    let (p, s) = (raw(decor.prefix()), raw(decor.suffix()));
    decor.set_prefix(block(&p, Block::First));
    decor.set_suffix(block(&s, Block::First));
    let root = doc.as_table_mut();
    let mut first = true;
    body(root, &mut first, 0);
    let out = doc.to_string();
    let out = out
        .trim_start_matches('\n')
        .trim_end_matches([' ', '\t', '\n', '\r']);
    Ok(if out.is_empty() {
        String::new()
    } else {
        format!("{out}\n")
    })
}

fn raw(r: Option<&toml_edit::RawString>) -> String {
    r.and_then(|r| r.as_str()).unwrap_or("").to_string()
}

fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// A header table: its decor, then its entries.
fn table(t: &mut Table) {
    let d = t.decor_mut();
    let (p, s) = (raw(d.prefix()), raw(d.suffix()));
    d.set_prefix(block(&p, Block::Header));
    d.set_suffix(same_line(&s));
    let mut first = true;
    body(t, &mut first, 0);
}

/// The entries of a table; `path_width` is the width of the dotted-key prefix (`a.` in `a.b = 1`).
fn body(t: &mut Table, first: &mut bool, path_width: usize) {
    for (mut key, item) in t.iter_mut() {
        key.dotted_decor_mut().set_prefix("");
        key.dotted_decor_mut().set_suffix("");
        match item {
            Item::Value(v) => {
                let leaf = key.leaf_decor_mut();
                let p = raw(leaf.prefix());
                leaf.set_prefix(block(&p, if *first { Block::First } else { Block::Entry }));
                leaf.set_suffix(" ");
                *first = false;
                let key_width = path_width + width(&key.display_repr());
                let d = v.decor_mut();
                let s = raw(d.suffix());
                d.set_prefix(" ");
                d.set_suffix(same_line(&s));
                let force = ALWAYS_EXPANDED.contains(&key.get());
                value(v, 0, MAX_WIDTH.saturating_sub(key_width + 3), force);
            }
            Item::Table(sub) if sub.is_dotted() => {
                let w = path_width + width(&key.display_repr()) + 1;
                clear_leaf(&mut key);
                body(sub, first, w);
            }
            Item::Table(sub) => {
                clear_leaf(&mut key);
                table(sub);
            }
            Item::ArrayOfTables(a) => {
                clear_leaf(&mut key);
                for sub in a.iter_mut() {
                    table(sub);
                }
            }
            Item::None => {}
        }
    }
}

fn clear_leaf(key: &mut toml_edit::KeyMut<'_>) {
    let leaf = key.leaf_decor_mut();
    leaf.set_prefix("");
    leaf.set_suffix("");
}

/// Where a block of comment and blank lines sits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    /// Before the first entry of a table or the file: no leading blank line.
    First,
    /// Before an entry: at most one blank line between blocks of lines.
    Entry,
    /// Before a table header: a blank line somewhere above the header.
    Header,
}

/// One line of a comment block: blank (`None`) or a comment.
type Line<'a> = Option<&'a str>;

/// The comment and blank lines of whitespace that ends right before an item (the last piece, the
/// indentation of the item, is dropped). Runs of blank lines collapse to one.
fn lines(raw: &str) -> Vec<Line<'_>> {
    let mut out: Vec<Line<'_>> = Vec::new();
    let pieces: Vec<&str> = raw.split('\n').collect();
    let (full, last) = pieces.split_at(pieces.len().saturating_sub(1));
    for piece in full.iter().chain(last.iter().filter(|l| l.contains('#'))) {
        let t = piece.trim();
        if t.is_empty() {
            if out.last() != Some(&None) {
                out.push(None);
            }
        } else {
            out.push(Some(t));
        }
    }
    out
}

fn render_lines(lines: &[Line<'_>], indent: &str) -> String {
    let mut s = String::new();
    for l in lines {
        if let Some(c) = l {
            s.push_str(indent);
            s.push_str(c);
        }
        s.push('\n');
    }
    s
}

/// Normalise the comment block before an entry or a header.
fn block(raw: &str, kind: Block) -> String {
    let mut l = lines(raw);
    match kind {
        Block::First => {
            while l.first() == Some(&None) {
                l.remove(0);
            }
        }
        Block::Entry => {}
        Block::Header => {
            if !l.contains(&None) {
                l.insert(0, None);
            }
        }
    }
    render_lines(&l, "")
}

/// The comment lines at the end of the file.
fn end_block(raw: &str) -> String {
    let text = format!("{raw}\n");
    let mut l = lines(&text);
    while l.last() == Some(&None) {
        l.pop();
    }
    render_lines(&l, "")
}

/// A comment on the same line after a value or header: ` # …`, or nothing.
fn same_line(raw: &str) -> String {
    match raw.find('#') {
        Some(i) => format!(" {}", raw[i..].trim_end()),
        None => String::new(),
    }
}

fn has_comment(r: Option<&toml_edit::RawString>) -> bool {
    r.and_then(|r| r.as_str()).is_some_and(|s| s.contains('#'))
}

/// Whether a value holds comments inside it (in arrays or inline tables).
fn has_comments(v: &Value) -> bool {
    match v {
        Value::Array(a) => {
            has_comment(Some(a.trailing()))
                || a.iter().any(|e| {
                    has_comment(e.decor().prefix())
                        || has_comment(e.decor().suffix())
                        || has_comments(e)
                })
        }
        Value::InlineTable(t) => inline_has_comments(t),
        _ => false,
    }
}

/// Whether an inline table holds comments anywhere inside.
fn inline_has_comments(t: &InlineTable) -> bool {
    own_comments(t) || t.iter().any(|(_, v)| has_comments(v))
}

/// Whether an inline table holds comments between its own entries (TOML 1.1 multi-line inline
/// tables), not counting comments inside its values.
fn own_comments(t: &InlineTable) -> bool {
    has_comment(Some(t.trailing()))
        || t.iter().any(|(k, v)| {
            t.key(k).is_some_and(|key| {
                has_comment(key.leaf_decor().prefix())
                    || has_comment(key.leaf_decor().suffix())
                    || has_comment(key.dotted_decor().prefix())
                    || has_comment(key.dotted_decor().suffix())
            }) || has_comment(v.decor().prefix())
                || has_comment(v.decor().suffix())
                || matches!(v, Value::InlineTable(sub) if sub.is_dotted() && own_comments(sub))
        })
}

/// The width of a value written on one line, or `None` when it cannot be (comments inside, a
/// multi-line string).
fn inline_width(v: &Value) -> Option<usize> {
    let scalar = |r: &str| (!r.contains('\n')).then(|| width(r));
    match v {
        Value::String(f) => scalar(&f.display_repr()),
        Value::Integer(f) => scalar(&f.display_repr()),
        Value::Float(f) => scalar(&f.display_repr()),
        Value::Boolean(f) => scalar(&f.display_repr()),
        Value::Datetime(f) => scalar(&f.display_repr()),
        Value::Array(a) => {
            if has_comments(v) {
                return None;
            }
            let mut w = 2;
            for (i, e) in a.iter().enumerate() {
                w += inline_width(e)? + if i > 0 { 2 } else { 0 };
            }
            Some(w)
        }
        Value::InlineTable(t) => {
            if inline_has_comments(t) {
                return None;
            }
            let entries = t.get_values();
            if entries.is_empty() {
                return Some(2);
            }
            let mut w = 4;
            for (i, (path, val)) in entries.iter().enumerate() {
                for (j, k) in path.iter().enumerate() {
                    w += width(&k.display_repr()) + usize::from(j > 0);
                }
                w += 3 + inline_width(val)? + if i > 0 { 2 } else { 0 };
            }
            Some(w)
        }
    }
}

/// Lay out the inside of a value that starts at a line indented by `indent` columns, with `avail`
/// columns left for it on that line.
fn value(v: &mut Value, indent: usize, avail: usize, force_expand: bool) {
    match v {
        Value::Array(_) => {
            let fits = !force_expand && inline_width(v).is_some_and(|w| w <= avail);
            let Value::Array(a) = v else { return };
            if fits || (a.is_empty() && !has_comment(Some(a.trailing()))) {
                inline(v);
            } else {
                expand(a, indent);
            }
        }
        Value::InlineTable(t) => {
            if own_comments(t) {
                expand_table(t, indent);
            } else {
                inline_table(t, indent);
            }
        }
        _ => {}
    }
}

/// Write a value (and everything in it) on one line. Only called without comments inside.
fn inline(v: &mut Value) {
    match v {
        Value::Array(a) => {
            for (i, e) in a.iter_mut().enumerate() {
                let d = e.decor_mut();
                d.set_prefix(if i == 0 { "" } else { " " });
                d.set_suffix("");
                inline(e);
            }
            a.set_trailing("");
            a.set_trailing_comma(false);
        }
        Value::InlineTable(t) => inline_table(t, 0),
        _ => {}
    }
}

/// Write an inline table on one line: `{ a = 1, b = 2 }`. A value with comments inside (an array
/// in the table) is laid out one element per line from `indent`.
fn inline_table(t: &mut InlineTable, indent: usize) {
    let empty = t.is_empty();
    for (mut key, val) in t.iter_mut() {
        key.dotted_decor_mut().set_prefix("");
        key.dotted_decor_mut().set_suffix("");
        match val {
            Value::InlineTable(sub) if sub.is_dotted() => {
                let leaf = key.leaf_decor_mut();
                leaf.set_prefix("");
                leaf.set_suffix("");
                inline_table(sub, indent);
            }
            _ => {
                let leaf = key.leaf_decor_mut();
                leaf.set_prefix(" ");
                leaf.set_suffix(" ");
                let d = val.decor_mut();
                d.set_prefix(" ");
                d.set_suffix("");
                if has_comments(val) {
                    value(val, indent, 0, false);
                } else {
                    inline(val);
                }
            }
        }
    }
    t.set_trailing(if empty || t.is_dotted() { "" } else { " " });
    t.set_trailing_comma(false);
}

/// The raw text before each entry of an inline table (flattened through dotted keys, in the
/// order they are written) and the suffix of each entry's value.
fn table_gaps(t: &InlineTable, before: &mut Vec<String>, after: &mut Vec<String>) {
    for (k, v) in t.iter() {
        match v {
            Value::InlineTable(sub) if sub.is_dotted() => table_gaps(sub, before, after),
            _ => {
                before.push(
                    t.key(k)
                        .map(|k| raw(k.leaf_decor().prefix()))
                        .unwrap_or_default(),
                );
                after.push(raw(v.decor().suffix()));
            }
        }
    }
}

/// Set the prefix of each flattened entry (by position) and lay out the values.
fn set_entries(t: &mut InlineTable, prefixes: &[String], next: &mut usize, indent: usize) {
    for (mut key, val) in t.iter_mut() {
        key.dotted_decor_mut().set_prefix("");
        key.dotted_decor_mut().set_suffix("");
        match val {
            Value::InlineTable(sub) if sub.is_dotted() => {
                let leaf = key.leaf_decor_mut();
                leaf.set_prefix("");
                leaf.set_suffix("");
                set_entries(sub, prefixes, next, indent);
            }
            _ => {
                let leaf = key.leaf_decor_mut();
                leaf.set_prefix(prefixes.get(*next).cloned().unwrap_or_default());
                leaf.set_suffix(" ");
                *next += 1;
                let key_width = indent + width(&key.display_repr());
                let d = val.decor_mut();
                d.set_prefix(" ");
                d.set_suffix("");
                value(val, indent, MAX_WIDTH.saturating_sub(key_width + 4), false);
            }
        }
    }
}

/// Write an inline table with comments between its entries one entry per line (TOML 1.1).
fn expand_table(t: &mut InlineTable, indent: usize) {
    let inner = " ".repeat(indent + INDENT);
    let outer = " ".repeat(indent);
    let (mut before, mut after) = (Vec::new(), Vec::new());
    table_gaps(t, &mut before, &mut after);
    let n = before.len();
    let mut gaps: Vec<String> = Vec::with_capacity(n + 1);
    let mut prev_suffix = String::new();
    for (b, a) in before.iter().zip(&after) {
        gaps.push(format!("{prev_suffix}{b}"));
        prev_suffix = a.clone();
    }
    gaps.push(format!("{prev_suffix}{}", raw(Some(t.trailing()))));
    let prefixes: Vec<String> = gaps[..n]
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let (same, mut l) = gap(g);
            if i == 0 {
                while l.first() == Some(&None) {
                    l.remove(0);
                }
            }
            render_gap(same, &l, &inner, &inner)
        })
        .collect();
    let mut next = 0;
    set_entries(t, &prefixes, &mut next, indent + INDENT);
    let (same, mut l) = gap(&gaps[n]);
    while l.last() == Some(&None) {
        l.pop();
    }
    if n == 0 {
        while l.first() == Some(&None) {
            l.remove(0);
        }
    }
    t.set_trailing(render_gap(same, &l, &inner, &outer));
    t.set_trailing_comma(n > 0);
}

/// The comments around one gap between array elements: one on the line of the previous token,
/// then whole lines.
fn gap(raw: &str) -> (Option<&str>, Vec<Line<'_>>) {
    let (first, rest) = match raw.split_once('\n') {
        Some((f, r)) => (f, Some(r)),
        None => (raw, None),
    };
    let same = first.find('#').map(|i| first[i..].trim_end());
    let lines = match rest {
        // `rest` ends with the indentation before the next token; `lines` drops it.
        Some(r) => lines(r),
        None => Vec::new(),
    };
    (same, lines)
}

fn render_gap(same: Option<&str>, lines: &[Line<'_>], indent: &str, close: &str) -> String {
    let mut s = String::new();
    if let Some(c) = same {
        s.push(' ');
        s.push_str(c);
    }
    for l in lines {
        s.push('\n');
        if let Some(c) = l {
            s.push_str(indent);
            s.push_str(c);
        }
    }
    s.push('\n');
    s.push_str(close);
    s
}

/// Write an array one element per line.
fn expand(a: &mut Array, indent: usize) {
    let inner = " ".repeat(indent + INDENT);
    let outer = " ".repeat(indent);
    let n = a.len();
    // The raw text of each gap: before the first element, between elements, after the last.
    let mut gaps: Vec<String> = Vec::with_capacity(n + 1);
    let mut prev_suffix = String::new();
    for e in a.iter() {
        gaps.push(format!("{prev_suffix}{}", raw(e.decor().prefix())));
        prev_suffix = raw(e.decor().suffix());
    }
    gaps.push(format!("{prev_suffix}{}", raw(Some(a.trailing()))));
    for (i, e) in a.iter_mut().enumerate() {
        let (same, mut l) = gap(&gaps[i]);
        if i == 0 {
            while l.first() == Some(&None) {
                l.remove(0);
            }
        }
        let d = e.decor_mut();
        d.set_prefix(render_gap(same, &l, &inner, &inner));
        d.set_suffix("");
        value(
            e,
            indent + INDENT,
            MAX_WIDTH.saturating_sub(indent + INDENT + 1),
            false,
        );
    }
    let (same, mut l) = gap(&gaps[n]);
    while l.last() == Some(&None) {
        l.pop();
    }
    if n == 0 {
        while l.first() == Some(&None) {
            l.remove(0);
        }
    }
    a.set_trailing(render_gap(same, &l, &inner, &outer));
    a.set_trailing_comma(n > 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        match format(s) {
            Ok(o) => o,
            Err(e) => panic!("format failed: {e}\n--- input\n{s}"),
        }
    }

    #[track_caller]
    fn check(input: &str, expected: &str) {
        let out = fmt(input);
        assert_eq!(out, expected, "\n--- got\n{out}\n--- expected\n{expected}");
        assert_eq!(fmt(&out), out, "not idempotent");
    }

    #[test]
    fn spacing_around_equals_and_comments() {
        check(
            "a=1\nb   =  \"x\"   # note   \n  c = true\n",
            "a = 1\nb = \"x\" # note\nc = true\n",
        );
    }

    #[test]
    fn empty_and_comment_only_files() {
        check("", "");
        check("\n\n  \n", "");
        check("# only a comment   \n\n\n", "# only a comment\n");
        check("\n\n# a\n\n\n# b", "# a\n\n# b\n");
    }

    #[test]
    fn final_newline_exactly_once() {
        check("a = 1", "a = 1\n");
        check("a = 1\n\n\n\n", "a = 1\n");
    }

    #[test]
    fn blank_line_before_each_header() {
        check(
            "a = 1\n[t]\nx = 1\n[[c]]\ny = 2\n[[c]]\ny = 3\n",
            "a = 1\n\n[t]\nx = 1\n\n[[c]]\ny = 2\n\n[[c]]\ny = 3\n",
        );
        check("[t]\n\n\nx = 1\n\n\n\n[u]\n", "[t]\nx = 1\n\n[u]\n");
    }

    #[test]
    fn comments_above_header_stay_with_it() {
        check(
            "x = 1\n# about t\n[t]\ny = 2\n",
            "x = 1\n\n# about t\n[t]\ny = 2\n",
        );
        check(
            "x = 1\n# end of root\n\n# about t\n[t]   # same line\n",
            "x = 1\n# end of root\n\n# about t\n[t] # same line\n",
        );
        check(
            "#:schema ./x.json\n[t]\na = 1\n",
            "#:schema ./x.json\n[t]\na = 1\n",
        );
    }

    #[test]
    fn header_spacing() {
        check("[ a . b ]\nx = 1\n[[ c ]]\n", "[a.b]\nx = 1\n\n[[c]]\n");
    }

    #[test]
    fn dotted_keys() {
        check(
            "# lead\na . b=1\na.c = [1,2]\n",
            "# lead\na.b = 1\na.c = [1, 2]\n",
        );
    }

    #[test]
    fn short_arrays_inline() {
        check(
            "keywords = [\n  \"a\",\n  \"b\",\n]\n",
            "keywords = [\"a\", \"b\"]\n",
        );
        check("x = [ ]\n", "x = []\n");
        check("x = [[1,2],[3]]\n", "x = [[1, 2], [3]]\n");
    }

    #[test]
    fn utterances_always_one_per_line() {
        check(
            "utterances = [\"안녕\", \"<name>피자</name> 주문해줘\"]\n",
            "utterances = [\n  \"안녕\",\n  \"<name>피자</name> 주문해줘\",\n]\n",
        );
        check("utterances = []\n", "utterances = []\n");
    }

    #[test]
    fn long_arrays_expand() {
        let items: Vec<String> = (0..12).map(|i| format!("\"value number {i}\"")).collect();
        let input = format!("synonyms = [{}]\n", items.join(", "));
        let mut expected = "synonyms = [\n".to_string();
        for i in &items {
            expected.push_str(&format!("  {i},\n"));
        }
        expected.push_str("]\n");
        check(&input, &expected);
    }

    #[test]
    fn wide_characters_count_double() {
        // 2 × 25 Hangul syllables are 100 columns: too wide, though only 50 characters.
        let word = "가".repeat(25);
        let input = format!("k = [\"{word}\", \"{word}\"]\n");
        let out = fmt(&input);
        assert!(out.starts_with("k = [\n  \""), "{out}");
    }

    #[test]
    fn nested_expanded_arrays_indent() {
        let long = "x".repeat(60);
        check(
            &format!("a = [[\"{long}\", \"{long}\"], [1]]\n"),
            &format!("a = [\n  [\n    \"{long}\",\n    \"{long}\",\n  ],\n  [1],\n]\n"),
        );
    }

    #[test]
    fn comments_in_arrays_are_kept() {
        check(
            "c = [ # open\n  1, # one\n      # own line\n  2 # two\n  , 3, # three\n\n\n  # end\n\n] # after\n",
            "c = [ # open\n  1, # one\n  # own line\n  2, # two\n  3, # three\n\n  # end\n] # after\n",
        );
        check("c = [ # nothing here\n]\n", "c = [ # nothing here\n]\n");
        check(
            "utterances = [\n\n  \"a\",\n\n\n  # group two\n  \"b\",\n]\n",
            "utterances = [\n  \"a\",\n\n  # group two\n  \"b\",\n]\n",
        );
    }

    #[test]
    fn inline_tables() {
        check(
            "s = {env=\"X\"}\nt = {  }\nu = { a.b = 1,c=[1 , 2] }\n",
            "s = { env = \"X\" }\nt = {}\nu = { a.b = 1, c = [1, 2] }\n",
        );
    }

    #[test]
    fn comments_inside_inline_tables() {
        // An array with comments inside a one-line inline table (valid TOML 1.0).
        check(
            "k = {a=[0 # zero   \n  ], b = 1}\n",
            "k = { a = [\n  0, # zero\n], b = 1 }\n",
        );
        // Comments between the entries of an inline table (TOML 1.1): one entry per line.
        check(
            "k = { # open\n  a = 1, # one\n\n  # about b\n  b.c = [1,2] }\n",
            "k = { # open\n  a = 1, # one\n\n  # about b\n  b.c = [1, 2],\n}\n",
        );
    }

    #[test]
    fn strings_keep_their_spelling() {
        check(
            "a = 'single'\nb = \"\"\"\nline  \n  two\"\"\"\n\"quoted key\" = 0x1F\n",
            "a = 'single'\nb = \"\"\"\nline  \n  two\"\"\"\n\"quoted key\" = 0x1F\n",
        );
    }

    #[test]
    fn multi_line_string_in_array_expands() {
        check(
            "a = [\"\"\"x\ny\"\"\", 'z']\n",
            "a = [\n  \"\"\"x\ny\"\"\",\n  'z',\n]\n",
        );
    }

    #[test]
    fn crlf_becomes_lf() {
        check("a = 1\r\n# c\r\nb = 2\r\n", "a = 1\n# c\nb = 2\n");
    }

    #[test]
    fn syntax_errors_have_a_span() {
        let Err(FormatError::Syntax { span, message }) = format("a = 1\nb = = 2\n") else {
            panic!("expected a syntax error");
        };
        assert!(span.start >= 6, "{span:?} {message}");
        assert!(format("[a]\n[a]\n").is_err());
    }

    #[test]
    fn deep_nesting_is_not_a_problem() {
        let deep = format!("a = {}1{}\n", "[".repeat(60), "]".repeat(60));
        let out = fmt(&deep);
        assert_eq!(fmt(&out), out);
        let too_deep = format!("a = {}1{}\n", "[".repeat(5000), "]".repeat(5000));
        assert!(format(&too_deep).is_err());
    }

    #[test]
    fn realistic_files() {
        let intent = "#:schema ../../../../schemas/intent.schema.json\ndescription = \"Order a pizza\"\n\n[slots]\npizzaType = \"PIZZA_TYPE\"\npizzaAmount=\"CLOVA.NUMBER\"\n\n# sample utterances\n[ utterances ]\n";
        let out = fmt(intent);
        assert_eq!(fmt(&out), out);
        let store = "[store]\ncategory = \"food\"\nexample_phrases = [\"피자봇에서 피자 주문해줘\", \"피자봇 열어줘\", \"피자봇에게 메뉴 물어봐\"]\nkeywords=[\"pizza\"]\n[privacy]\npurchase=true\n";
        check(
            store,
            "[store]\ncategory = \"food\"\nexample_phrases = [\n  \"피자봇에서 피자 주문해줘\",\n  \"피자봇 열어줘\",\n  \"피자봇에게 메뉴 물어봐\",\n]\nkeywords = [\"pizza\"]\n\n[privacy]\npurchase = true\n",
        );
    }

    mod property {
        use proptest::prelude::*;

        /// Whitespace allowed between array elements: spaces, newlines, comments.
        fn array_ws() -> impl Strategy<Value = String> {
            prop_oneof![
                Just(String::new()),
                Just(" ".to_string()),
                Just("\n    ".to_string()),
                Just("\n\n\n".to_string()),
                "[ a-z#가-힣]{0,10}".prop_map(|c| format!(" # {c}  \n  ")),
                "[a-z ]{0,6}".prop_map(|c| format!("\n\n  #{c}\n\t")),
            ]
        }

        fn scalar() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<i32>().prop_map(|i| i.to_string()),
                "[a-z 가-힣#<>/=\\[\\]]{0,14}".prop_map(|s| format!("\"{s}\"")),
                "[a-z#,]{0,8}".prop_map(|s| format!("'{s}'")),
                Just("true".to_string()),
                Just("1.5".to_string()),
                Just("\"\"\"multi\nline # not a comment\n\"\"\"".to_string()),
            ]
        }

        fn value() -> impl Strategy<Value = String> {
            scalar().prop_recursive(3, 32, 8, |inner| {
                prop_oneof![
                    (
                        prop::collection::vec((array_ws(), inner.clone(), array_ws()), 0..8),
                        any::<bool>(),
                        array_ws(),
                    )
                        .prop_map(|(items, trailing_comma, end)| {
                            let mut s = "[".to_string();
                            for (i, (before, v, after)) in items.iter().enumerate() {
                                if i > 0 {
                                    s.push(',');
                                }
                                s.push_str(before);
                                s.push_str(v);
                                s.push_str(after);
                            }
                            if trailing_comma && !items.is_empty() {
                                s.push(',');
                            }
                            s.push_str(&end);
                            s.push(']');
                            s
                        }),
                    prop::collection::vec(inner, 0..4).prop_map(|vals| {
                        let entries: Vec<String> = vals
                            .iter()
                            .enumerate()
                            .map(|(i, v)| format!("i{i}={v}"))
                            .collect();
                        format!("{{{}}}", entries.join(" , "))
                    }),
                ]
            })
        }

        #[derive(Debug, Clone)]
        enum Piece {
            Blank,
            Comment(String),
            Entry(String, String, String, Option<String>),
            Header(String, bool),
        }

        fn piece() -> impl Strategy<Value = Piece> {
            prop_oneof![
                Just(Piece::Blank),
                "[ a-z:#가-힣]{0,12}".prop_map(|c| Piece::Comment(format!("  #{c}   "))),
                (
                    "[ \t]{0,2}",
                    value(),
                    "[ \t]{0,3}",
                    prop::option::of("[ a-z#]{0,8}")
                )
                    .prop_map(|(a, v, b, c)| Piece::Entry(a, v, b, c)),
                ("[ ]{0,2}", any::<bool>()).prop_map(|(w, aot)| Piece::Header(w, aot)),
                Just(Piece::Entry(
                    String::new(),
                    "[]".into(),
                    String::new(),
                    None
                )),
            ]
        }

        fn document() -> impl Strategy<Value = String> {
            prop::collection::vec(piece(), 0..24).prop_map(|pieces| {
                let mut s = String::new();
                let mut key = 0;
                let mut table = 0;
                for p in pieces {
                    match p {
                        Piece::Blank => s.push('\n'),
                        Piece::Comment(c) => {
                            s.push_str(&c);
                            s.push('\n');
                        }
                        Piece::Entry(a, v, b, c) => {
                            let name = if key == 4 {
                                "utterances".to_string()
                            } else {
                                format!("k{key}")
                            };
                            s.push_str(&format!("{a}{name}{a}={b}{v}{b}"));
                            if let Some(c) = c {
                                s.push_str(&format!("#{c}"));
                            }
                            s.push('\n');
                            key += 1;
                        }
                        Piece::Header(w, aot) => {
                            let (open, close) = if aot { ("[[", "]]") } else { ("[", "]") };
                            s.push_str(&format!("{open}{w}t{table}{w}{close}{w}\n"));
                            table += 1;
                            key = 0;
                        }
                    }
                }
                s
            })
        }

        #[test]
        fn most_generated_documents_are_valid() {
            use proptest::strategy::ValueTree;
            let mut runner = proptest::test_runner::TestRunner::deterministic();
            let mut valid = 0;
            for _ in 0..200 {
                let doc = document().new_tree(&mut runner).unwrap().current();
                if doc.parse::<toml_edit::DocumentMut>().is_ok() {
                    valid += 1;
                }
            }
            assert!(
                valid > 150,
                "only {valid} of 200 generated documents are valid TOML"
            );
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            /// Any valid document formats without tripping a safety check, and formatting is
            /// idempotent.
            #[test]
            fn formatting_is_safe_and_idempotent(doc in document()) {
                prop_assume!(doc.parse::<toml_edit::DocumentMut>().is_ok());
                let once = match super::super::format(&doc) {
                    Ok(o) => o,
                    Err(e) => return Err(TestCaseError::fail(format!("{e}\n--- input\n{doc}"))),
                };
                let twice = super::super::format(&once).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&twice, &once);
                prop_assert!(!once.lines().any(|l| l.ends_with(' ') && !l.contains("\"\"\"")));
                prop_assert!(once.is_empty() || (once.ends_with('\n') && !once.ends_with("\n\n")));
            }
        }
    }
}
