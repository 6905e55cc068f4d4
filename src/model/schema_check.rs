//! Checking a JSON value against the JSON Schemas cekops generates (draft 2020-12).
//!
//! The schemas come from our own types (`schemars`), so they use a small, known set of keywords:
//! `type`, `properties`, `additionalProperties`, `required`, `items`, `$ref` (to `#/$defs/…`),
//! `anyOf`, `oneOf`, `allOf`, `const`, `enum`, `minimum`/`maximum` (and their exclusive forms),
//! `minLength`/`maxLength`, `minItems`/`maxItems`. Annotations (`description`, `title`,
//! `default`, `format`, …) assert nothing, as draft 2020-12 says for `format`. This replaced the
//! `jsonschema` crate at run time (issue 18: it was the longest crate of a cold build, for a check
//! that only runs once a file has already failed to deserialize); the messages are worded as that
//! crate words them, so findings did not change.

use std::fmt::Write as _;

use serde_json::Value;

/// One violation: where in the instance, and what.
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaError {
    /// Path of the offending value in the instance (object keys and array indexes).
    pub path: Vec<String>,
    pub kind: SchemaErrorKind,
}

/// What a [`SchemaError`] is about.
#[derive(Clone, Debug, PartialEq)]
pub enum SchemaErrorKind {
    /// Keys that `additionalProperties: false` does not allow, in the instance's order.
    AdditionalProperties(Vec<String>),
    /// A key that `required` names is missing.
    Required(String),
    /// The value's JSON type is not the one `type` names (the message says which).
    Type(String),
    /// The value is not the `const` value `expected`.
    Const { expected: Value, message: String },
    /// The value (`got`, strings without quotes) is none of the `enum`'s `options`.
    Enum {
        options: Vec<Value>,
        got: String,
        message: String,
    },
    /// No branch of an `anyOf` (or `oneOf`) accepts the value; `context` holds each branch's
    /// violations, in the schema's order, so a caller can report inside the branch that was meant.
    NoBranch {
        context: Vec<Vec<SchemaError>>,
        got: String,
        message: String,
    },
    /// Any other violation, as a sentence (e.g. `"x" is shorter than 1 character`).
    Other(String),
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            SchemaErrorKind::AdditionalProperties(names) => {
                f.write_str("Additional properties are not allowed (")?;
                let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
                f.write_str(&quoted.join(", "))?;
                f.write_str(if names.len() == 1 {
                    " was unexpected)"
                } else {
                    " were unexpected)"
                })
            }
            SchemaErrorKind::Required(name) => {
                write!(f, "{} is a required property", Value::from(name.as_str()))
            }
            SchemaErrorKind::Type(m)
            | SchemaErrorKind::Const { message: m, .. }
            | SchemaErrorKind::Enum { message: m, .. }
            | SchemaErrorKind::NoBranch { message: m, .. }
            | SchemaErrorKind::Other(m) => f.write_str(m),
        }
    }
}

/// Every violation of `schema` by `instance` (empty when it conforms). `schema` is a root
/// schema whose `$ref`s point into its own `$defs`.
pub fn check(schema: &Value, instance: &Value) -> Vec<SchemaError> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    Checker { root: schema }.walk(schema, instance, &mut path, &mut out);
    out
}

struct Checker<'s> {
    root: &'s Value,
}

impl<'s> Checker<'s> {
    /// The violations of one branch of `anyOf`/`oneOf`, with paths from the instance's root.
    fn errors_at(
        &self,
        schema: &'s Value,
        instance: &Value,
        path: &mut Vec<String>,
    ) -> Vec<SchemaError> {
        let mut out = Vec::new();
        self.walk(schema, instance, path, &mut out);
        out
    }

    fn resolve(&self, reference: &str) -> Option<&'s Value> {
        let pointer = reference.strip_prefix('#')?;
        self.root.pointer(pointer)
    }

    fn walk(
        &self,
        schema: &'s Value,
        instance: &Value,
        path: &mut Vec<String>,
        out: &mut Vec<SchemaError>,
    ) {
        let obj = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                return push(out, path, format!("False schema does not allow {instance}"));
            }
            Value::Object(o) => o,
            _ => return,
        };
        for (keyword, value) in obj {
            match keyword.as_str() {
                "$ref" => {
                    if let Some(target) = value.as_str().and_then(|r| self.resolve(r)) {
                        self.walk(target, instance, path, out);
                    }
                }
                "type" => {
                    let names: Vec<&str> = match value {
                        Value::String(s) => vec![s.as_str()],
                        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                        _ => continue,
                    };
                    if !names.iter().any(|t| is_type(instance, t)) {
                        let message = if let [one] = names.as_slice() {
                            format!(r#"{instance} is not of type "{one}""#)
                        } else {
                            // Listed in a fixed order, whatever the schema's order.
                            let mut listed = String::new();
                            for t in TYPE_ORDER.iter().filter(|t| names.contains(t)) {
                                if !listed.is_empty() {
                                    listed.push_str(", ");
                                }
                                let _ = write!(listed, "\"{t}\"");
                            }
                            format!("{instance} is not of types {listed}")
                        };
                        out.push(SchemaError {
                            path: path.clone(),
                            kind: SchemaErrorKind::Type(message),
                        });
                    }
                }
                "const" if !equal(value, instance) => {
                    out.push(SchemaError {
                        path: path.clone(),
                        kind: SchemaErrorKind::Const {
                            expected: value.clone(),
                            message: format!("{value} was expected"),
                        },
                    });
                }
                "enum" => {
                    if let Some(options) = value.as_array()
                        && !options.iter().any(|o| equal(o, instance))
                    {
                        out.push(SchemaError {
                            path: path.clone(),
                            kind: SchemaErrorKind::Enum {
                                options: options.clone(),
                                got: plain(instance),
                                message: enum_message(instance, options),
                            },
                        });
                    }
                }
                "anyOf" | "oneOf" => {
                    let Some(list) = value.as_array() else {
                        continue;
                    };
                    let context: Vec<Vec<SchemaError>> = list
                        .iter()
                        .map(|s| self.errors_at(s, instance, path))
                        .collect();
                    let matching = context.iter().filter(|e| e.is_empty()).count();
                    if matching == 0 {
                        out.push(SchemaError {
                            path: path.clone(),
                            kind: SchemaErrorKind::NoBranch {
                                context,
                                got: plain(instance),
                                message: format!(
                                    "{instance} is not valid under any of the schemas listed in the '{keyword}' keyword"
                                ),
                            },
                        });
                    } else if matching > 1 && keyword == "oneOf" {
                        push(
                            out,
                            path,
                            format!(
                                "{instance} is valid under more than one of the schemas listed in the 'oneOf' keyword"
                            ),
                        );
                    }
                }
                "allOf" => {
                    for s in value.as_array().into_iter().flatten() {
                        self.walk(s, instance, path, out);
                    }
                }
                "properties" => {
                    if let (Some(props), Value::Object(map)) = (value.as_object(), instance) {
                        for (name, item) in map {
                            if let Some(s) = props.get(name) {
                                path.push(name.clone());
                                self.walk(s, item, path, out);
                                path.pop();
                            }
                        }
                    }
                }
                "additionalProperties" => {
                    let Value::Object(map) = instance else {
                        continue;
                    };
                    let declared = obj.get("properties").and_then(Value::as_object);
                    let extra = map
                        .iter()
                        .filter(|(k, _)| !declared.is_some_and(|d| d.contains_key(k.as_str())));
                    if value == &Value::Bool(false) {
                        let names: Vec<String> = extra.map(|(k, _)| k.clone()).collect();
                        if !names.is_empty() {
                            out.push(SchemaError {
                                path: path.clone(),
                                kind: SchemaErrorKind::AdditionalProperties(names),
                            });
                        }
                    } else {
                        for (name, item) in extra {
                            path.push(name.clone());
                            self.walk(value, item, path, out);
                            path.pop();
                        }
                    }
                }
                "required" => {
                    if let Value::Object(map) = instance {
                        for name in value
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                        {
                            if !map.contains_key(name) {
                                out.push(SchemaError {
                                    path: path.clone(),
                                    kind: SchemaErrorKind::Required(name.to_string()),
                                });
                            }
                        }
                    }
                }
                "items" => {
                    if let Value::Array(items) = instance {
                        for (i, item) in items.iter().enumerate() {
                            path.push(i.to_string());
                            self.walk(value, item, path, out);
                            path.pop();
                        }
                    }
                }
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                    // `as_f64` is Some for numbers only.
                    let (Some(limit), Some(n)) = (value.as_f64(), instance.as_f64()) else {
                        continue;
                    };
                    let message = match keyword.as_str() {
                        "minimum" if n < limit => "is less than the minimum of",
                        "maximum" if n > limit => "is greater than the maximum of",
                        "exclusiveMinimum" if n <= limit => {
                            "is less than or equal to the minimum of"
                        }
                        "exclusiveMaximum" if n >= limit => {
                            "is greater than or equal to the maximum of"
                        }
                        _ => continue,
                    };
                    push(out, path, format!("{instance} {message} {value}"));
                }
                "minLength" | "maxLength" => {
                    let (Some(limit), Value::String(s)) = (value.as_u64(), instance) else {
                        continue;
                    };
                    let len = s.chars().count() as u64;
                    let plural = if limit == 1 { "" } else { "s" };
                    if keyword == "minLength" && len < limit {
                        push(
                            out,
                            path,
                            format!("{instance} is shorter than {limit} character{plural}"),
                        );
                    } else if keyword == "maxLength" && len > limit {
                        push(
                            out,
                            path,
                            format!("{instance} is longer than {limit} character{plural}"),
                        );
                    }
                }
                "minItems" | "maxItems" => {
                    let (Some(limit), Value::Array(a)) = (value.as_u64(), instance) else {
                        continue;
                    };
                    let len = a.len() as u64;
                    let plural = if limit == 1 { "" } else { "s" };
                    if keyword == "minItems" && len < limit {
                        push(
                            out,
                            path,
                            format!("{instance} has less than {limit} item{plural}"),
                        );
                    } else if keyword == "maxItems" && len > limit {
                        push(
                            out,
                            path,
                            format!("{instance} has more than {limit} item{plural}"),
                        );
                    }
                }
                // Annotations and `$defs`: nothing to assert.
                _ => {}
            }
        }
    }
}

/// The order in which a list of types is named in a message.
const TYPE_ORDER: [&str; 7] = [
    "null", "boolean", "integer", "number", "string", "array", "object",
];

/// A value as the user wrote it: strings without quotes.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn push(out: &mut Vec<SchemaError>, path: &[String], message: String) {
    out.push(SchemaError {
        path: path.to_vec(),
        kind: SchemaErrorKind::Other(message),
    });
}

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "number" => v.is_number(),
        "integer" => match v {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        _ => true,
    }
}

/// JSON equality with numbers compared by value (`1` equals `1.0`).
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                x == y
            } else if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                x == y
            } else {
                x.as_f64() == y.as_f64()
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

fn enum_message(instance: &Value, options: &[Value]) -> String {
    const SHOWN: usize = 3;
    let mut m = format!("{instance} is not one of ");
    if options.len() <= SHOWN {
        for (i, o) in options.iter().enumerate() {
            let sep = match i {
                0 => "",
                _ if i == options.len() - 1 => " or ",
                _ => ", ",
            };
            let _ = write!(m, "{sep}{o}");
        }
    } else {
        for (i, o) in options.iter().take(SHOWN).enumerate() {
            let _ = write!(m, "{}{o}", if i == 0 { "" } else { ", " });
        }
        let rest = options.len() - SHOWN;
        let _ = write!(
            m,
            " or {rest} other candidate{}",
            if rest == 1 { "" } else { "s" }
        );
    }
    m
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(schema: Value, instance: Value) -> Vec<(String, String)> {
        check(&schema, &instance)
            .iter()
            .map(|e| (e.path.join("/"), e.to_string()))
            .collect()
    }

    #[test]
    fn objects_keys_and_types() {
        let schema = json!({
            "$defs": { "Port": { "type": "integer", "format": "uint16", "minimum": 0, "maximum": 65535 } },
            "type": "object",
            "properties": {
                "name": { "type": "string" },
                "id": { "type": "integer" },
                "port": { "$ref": "#/$defs/Port" },
                "tags": { "type": ["array", "null"], "items": { "type": "string" } },
                "mode": { "oneOf": [ { "const": "a" }, { "const": "b" } ] },
                "env": { "type": "object", "additionalProperties": { "type": "string" } }
            },
            "additionalProperties": false,
            "required": ["name", "id"]
        });
        assert_eq!(
            messages(schema.clone(), json!({"name": "x", "id": 1})),
            vec![]
        );
        assert_eq!(
            messages(
                schema,
                json!({"nam": 1, "port": 70000, "tags": ["a", 2], "mode": "c",
                       "env": {"A": true}, "zzz": 1, "name": 1.0})
            ),
            vec![
                (
                    "port".into(),
                    "70000 is greater than the maximum of 65535".into()
                ),
                ("tags/1".into(), r#"2 is not of type "string""#.into()),
                (
                    "mode".into(),
                    r#""c" is not valid under any of the schemas listed in the 'oneOf' keyword"#
                        .into()
                ),
                ("env/A".into(), r#"true is not of type "string""#.into()),
                ("name".into(), r#"1.0 is not of type "string""#.into()),
                (
                    "".into(),
                    "Additional properties are not allowed ('nam', 'zzz' were unexpected)".into()
                ),
                ("".into(), r#""id" is a required property"#.into()),
            ]
        );
    }

    #[test]
    fn type_lists_numbers_and_combinators() {
        let s = json!({"type": ["string", "null"]});
        assert_eq!(
            messages(s, json!(3)),
            vec![("".into(), r#"3 is not of types "null", "string""#.into())]
        );
        assert_eq!(messages(json!({"type": "integer"}), json!(2.0)), vec![]);
        assert_eq!(
            messages(json!({"type": "integer"}), json!(2.5)),
            vec![("".into(), r#"2.5 is not of type "integer""#.into())]
        );
        assert_eq!(
            messages(json!({"minimum": 0}), json!(-1)),
            vec![("".into(), "-1 is less than the minimum of 0".into())]
        );
        assert_eq!(
            messages(
                json!({"anyOf": [{"type": "string"}, {"type": "null"}]}),
                json!([1])
            ),
            vec![(
                "".into(),
                "[1] is not valid under any of the schemas listed in the 'anyOf' keyword".into()
            )]
        );
        assert_eq!(
            messages(
                json!({"oneOf": [{"type": "integer"}, {"type": "number"}]}),
                json!(1)
            ),
            vec![(
                "".into(),
                "1 is valid under more than one of the schemas listed in the 'oneOf' keyword"
                    .into()
            )]
        );
        assert_eq!(
            messages(json!({"const": 1}), json!(1.0)),
            vec![],
            "numbers compare by value"
        );
        assert_eq!(
            messages(json!({"enum": ["a", "b", "c", "d"]}), json!("x")),
            vec![(
                "".into(),
                r#""x" is not one of "a", "b", "c" or 1 other candidate"#.into()
            )]
        );
        assert_eq!(
            messages(json!({"enum": ["a", "b"]}), json!("x")),
            vec![("".into(), r#""x" is not one of "a" or "b""#.into())]
        );
        assert_eq!(
            messages(json!({"maxLength": 2, "minItems": 1}), json!("abc")),
            vec![("".into(), r#""abc" is longer than 2 characters"#.into())]
        );
        assert_eq!(
            messages(json!(false), json!(1)),
            vec![("".into(), "False schema does not allow 1".into())]
        );
    }

    #[test]
    fn the_checked_in_schemas_use_only_known_keywords() {
        // The schemas use no keyword this checker does not know (an unknown assertion would be
        // silently ignored): every key of every schema object is a keyword listed here or a
        // property name under `properties`/`$defs`.
        const KNOWN: &[&str] = &[
            "$schema",
            "$ref",
            "$defs",
            "title",
            "description",
            "default",
            "format",
            "type",
            "properties",
            "additionalProperties",
            "required",
            "items",
            "anyOf",
            "oneOf",
            "allOf",
            "const",
            "enum",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
            "examples",
            "deprecated",
            "readOnly",
            "writeOnly",
        ];
        fn visit(v: &Value, at: &str) {
            let Some(o) = v.as_object() else { return };
            for (k, child) in o {
                assert!(KNOWN.contains(&k.as_str()), "unknown keyword `{k}` at {at}");
                match k.as_str() {
                    "properties" | "$defs" => {
                        for (name, s) in child.as_object().into_iter().flatten() {
                            visit(s, &format!("{at}/{k}/{name}"));
                        }
                    }
                    "anyOf" | "oneOf" | "allOf" => {
                        for (i, s) in child.as_array().into_iter().flatten().enumerate() {
                            visit(s, &format!("{at}/{k}/{i}"));
                        }
                    }
                    "items" | "additionalProperties" => visit(child, &format!("{at}/{k}")),
                    _ => {}
                }
            }
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let schema: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            visit(&schema, &path.display().to_string());
            seen += 1;
        }
        assert_eq!(seen, 8, "the seven file kinds and the bundle");
    }
}
