//! Parsing TOML with spans: syntax errors, unknown keys and schema violations become diagnostics
//! that point at the key or value they concern.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::de::DeTable;
use toml::de::DeValue;

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::diag::Report;
use crate::diag::closest;
use crate::model::schema::FileKind;
use crate::model::schema::to_json;
use crate::model::schema_check::SchemaError;
use crate::model::schema_check::SchemaErrorKind;

/// Parse TOML text into `T`, reporting syntax errors, unknown keys and schema violations.
pub fn parse_toml<T: DeserializeOwned>(
    kind: FileKind,
    path: &str,
    text: &str,
    sink: &mut Report,
) -> Option<T> {
    // Fast path: one parse straight into the typed model.
    let first_error = match toml::de::Deserializer::parse(text).and_then(T::deserialize) {
        Ok(v) => return Some(v),
        Err(e) => e,
    };
    let (table, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            sink.push(
                Diagnostic::new(Code::TomlSyntax, toml_message(e.message()))
                    .at(path, span)
                    .hint("see https://toml.io for the TOML syntax"),
            );
        }
        return None;
    }
    let value = to_json(table.get_ref());
    let before = sink.diagnostics.len();
    for err in kind.check(&value) {
        schema_diagnostic(kind, path, text, table.get_ref(), &err, sink);
    }
    if sink.diagnostics.len() == before {
        // The schema accepted what serde refused: report serde's own message.
        let span = first_error.span().unwrap_or(0..0);
        sink.push(
            Diagnostic::new(Code::SchemaViolation, toml_message(first_error.message()))
                .at(path, span),
        );
    }
    None
}

fn toml_message(m: &str) -> String {
    let m = m.trim().trim_end_matches('.');
    let mut c = m.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => "invalid TOML".into(),
    }
}

/// Span of the key (`key: true`) or value at a JSON-pointer-like path in a parsed table.
fn locate(table: &DeTable<'_>, segments: &[String], key: bool) -> Option<Range<usize>> {
    let (first, rest) = segments.split_first()?;
    let (k, v) = table.get_key_value(first.as_str())?;
    if rest.is_empty() {
        return Some(if key { k.span() } else { v.span() });
    }
    locate_value(v.get_ref(), rest, key).or(Some(v.span()))
}

fn locate_value(v: &DeValue<'_>, segments: &[String], key: bool) -> Option<Range<usize>> {
    match v {
        DeValue::Table(t) => locate(t, segments, key),
        DeValue::Array(a) => {
            let (first, rest) = segments.split_first()?;
            let item = a.get(first.parse::<usize>().ok()?)?;
            if rest.is_empty() {
                Some(item.span())
            } else {
                locate_value(item.get_ref(), rest, key).or(Some(item.span()))
            }
        }
        _ => None,
    }
}

/// The `description` of the property a path leads to in a schema (followed through `$ref`).
fn describe(schema: &serde_json::Value, segments: &[String]) -> Option<String> {
    let defs = schema.get("$defs");
    let resolve = |s: &serde_json::Value| -> serde_json::Value {
        let mut s = s.clone();
        for _ in 0..8 {
            let next = s
                .get("$ref")
                .and_then(|r| r.as_str())
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .and_then(|name| defs.and_then(|d| d.get(name)).cloned());
            match next {
                Some(n) => s = n,
                None => break,
            }
            if let Some(any) = s.get("anyOf").and_then(|a| a.as_array())
                && let Some(first) = any.iter().find(|x| x.get("type") != Some(&"null".into()))
            {
                s = first.clone();
            }
        }
        s
    };
    let mut cur = resolve(schema);
    let mut desc = None;
    for seg in segments {
        let next = if let Some(p) = cur.get("properties").and_then(|p| p.get(seg.as_str())) {
            p.clone()
        } else if let Some(i) = cur.get("items") {
            i.clone()
        } else if let Some(a) = cur.get("additionalProperties").filter(|a| a.is_object()) {
            a.clone()
        } else {
            return desc;
        };
        desc = next
            .get("description")
            .and_then(|d| d.as_str())
            .map(str::to_string)
            .or(desc);
        cur = resolve(&next);
    }
    desc
}

fn schema_diagnostic(
    kind: FileKind,
    path: &str,
    _text: &str,
    table: &DeTable<'_>,
    err: &SchemaError,
    sink: &mut Report,
) {
    let segments: Vec<String> = err.path.clone();
    let whole = 0..0;
    match &err.kind {
        SchemaErrorKind::AdditionalProperties(unexpected) => {
            for name in unexpected {
                let mut p = segments.clone();
                p.push(name.clone());
                let span = locate(table, &p, true).unwrap_or(whole.clone());
                let mut d = Diagnostic::new(Code::UnknownKey, format!("unknown key `{name}`"))
                    .at(path, span)
                    .label("not part of this file's format");
                let known = known_keys(kind.schema(), &segments);
                if let Some(best) = closest(name, &known) {
                    d = d.hint(format!("did you mean `{best}`?"));
                } else if !known.is_empty() {
                    d = d.hint(format!("allowed keys: {}", known.join(", ")));
                }
                sink.push(d);
            }
        }
        SchemaErrorKind::Required(name) => {
            let name = name.as_str();
            let span = if segments.is_empty() {
                0..0
            } else {
                locate(table, &segments, true).unwrap_or(0..0)
            };
            let where_ = if segments.is_empty() {
                "the file".to_string()
            } else {
                format!("`{}`", segments.join("."))
            };
            let mut p = segments.clone();
            p.push(name.to_string());
            let mut d = Diagnostic::new(
                Code::SchemaViolation,
                format!("missing required key `{name}` in {where_}"),
            )
            .at(path, span);
            if let Some(desc) = describe(kind.schema(), &p) {
                d = d.hint(format!("`{name}`: {}", first_sentence(&desc)));
            }
            sink.push(d);
        }
        SchemaErrorKind::NoBranch { context, got, .. } => {
            // An optional table (`Option<T>` is `anyOf: [T, null]`) or an enum (`oneOf` of
            // constants): report what is wrong inside the branch that was meant, at its key or
            // value, rather than one error at the table header with the table dumped as JSON.
            let meant: Vec<&Vec<SchemaError>> = context
                .iter()
                .filter(|branch| {
                    !branch.iter().all(|e| {
                        e.path == err.path
                            && matches!(
                                e.kind,
                                SchemaErrorKind::Type(_) | SchemaErrorKind::Const { .. }
                            )
                    })
                })
                .collect();
            if let [branch] = meant.as_slice() {
                for e in branch.iter() {
                    schema_diagnostic(kind, path, _text, table, e, sink);
                }
                return;
            }
            let choices: Vec<String> = context
                .iter()
                .flatten()
                .flat_map(|e| match &e.kind {
                    SchemaErrorKind::Const { expected, .. } => vec![display_json(expected)],
                    SchemaErrorKind::Enum { options, .. } => {
                        options.iter().map(display_json).collect()
                    }
                    _ => Vec::new(),
                })
                .collect();
            if choices.is_empty() {
                other_diagnostic(kind, path, table, &segments, err, sink);
                return;
            }
            not_one_of(kind, path, table, &segments, got, &choices, sink);
        }
        SchemaErrorKind::Enum { options, got, .. } => {
            let choices: Vec<String> = options.iter().map(display_json).collect();
            not_one_of(kind, path, table, &segments, got, &choices, sink);
        }
        _ => other_diagnostic(kind, path, table, &segments, err, sink),
    }
}

/// A value outside a fixed set of choices, located at the value, with the closest choice.
fn not_one_of(
    kind: FileKind,
    path: &str,
    table: &DeTable<'_>,
    segments: &[String],
    got: &str,
    choices: &[String],
    sink: &mut Report,
) {
    let span = locate(table, segments, false).unwrap_or(0..0);
    let listed: Vec<String> = choices.iter().map(|c| format!("`{c}`")).collect();
    let mut d = Diagnostic::new(
        Code::SchemaViolation,
        format!(
            "`{}`: `{got}` is not one of {}",
            segments.join("."),
            listed.join(", ")
        ),
    )
    .at(path, span)
    .label("not an allowed value");
    if let Some(best) = closest(got, choices) {
        d = d.hint(format!("did you mean `{best}`?"));
    } else if let Some(desc) = describe(kind.schema(), segments) {
        d = d.hint(first_sentence(&desc));
    }
    sink.push(d);
}

/// A JSON value as the user wrote it: strings without quotes.
fn display_json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Any other schema error, located at the value it concerns.
fn other_diagnostic(
    kind: FileKind,
    path: &str,
    table: &DeTable<'_>,
    segments: &[String],
    err: &SchemaError,
    sink: &mut Report,
) {
    let span = locate(table, segments, false).unwrap_or(0..0);
    let key = if segments.is_empty() {
        String::new()
    } else {
        format!("`{}`: ", segments.join("."))
    };
    let mut d = Diagnostic::new(
        Code::SchemaViolation,
        format!("{key}{}", schema_message(err)),
    )
    .at(path, span);
    if let Some(desc) = describe(kind.schema(), segments) {
        d = d.hint(first_sentence(&desc));
    }
    sink.push(d);
}

fn first_sentence(s: &str) -> String {
    let s = s.split("\n\n").next().unwrap_or(s).replace('\n', " ");
    s.trim().trim_end_matches('.').to_string()
}

fn schema_message(err: &SchemaError) -> String {
    let m = err.to_string();
    // Messages quote the offending value, which can be long; keep them short.
    if m.chars().count() > 200 {
        let cut: String = m.chars().take(200).collect();
        format!("{cut}…")
    } else {
        m
    }
}

fn known_keys(schema: &serde_json::Value, segments: &[String]) -> Vec<String> {
    let _ = segments;
    let mut keys = Vec::new();
    // Collect property names anywhere at the matching depth (good enough for hints).
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        if let Some(p) = v.get("properties").and_then(|p| p.as_object()) {
            out.extend(p.keys().cloned());
        }
    }
    let mut cur = schema.clone();
    for seg in segments {
        let r = cur
            .get("properties")
            .and_then(|p| p.get(seg.as_str()))
            .or_else(|| cur.get("items").filter(|_| seg.parse::<usize>().is_ok()))
            .cloned()
            .unwrap_or_default();
        cur = deref(schema, &r);
    }
    walk(&cur, &mut keys);
    keys
}

fn deref(root: &serde_json::Value, v: &serde_json::Value) -> serde_json::Value {
    let mut v = v.clone();
    for _ in 0..8 {
        if let Some(any) = v.get("anyOf").and_then(|a| a.as_array())
            && let Some(first) = any.iter().find(|x| x.get("type") != Some(&"null".into()))
        {
            v = first.clone();
            continue;
        }
        let Some(name) = v
            .get("$ref")
            .and_then(|r| r.as_str())
            .and_then(|r| r.strip_prefix("#/$defs/"))
        else {
            break;
        };
        v = root
            .get("$defs")
            .and_then(|d| d.get(name))
            .cloned()
            .unwrap_or_default();
    }
    v
}
