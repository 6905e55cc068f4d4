//! `cekops test`

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use cekops::error::usage;
use cekops::nlu;
use cekops::ops::test::SuitesOutcome;
use cekops::ops::test::TestOptions;
use cekops::ops::test::UtteranceOutcome;
use cekops::ops::validate::Source;

/// Test the interaction model offline: analyse an utterance, or run the test suites.
///
/// `cekops test <ID> "UTTERANCE"` prints the analysed intent, each slot with its value (custom
/// slot types give the representative value), a confidence and the closest sample utterance,
/// like the console's Test page. `cekops test [ID...]` runs every `extensions/<id>/tests/*.toml`
/// suite and exits 1 when a case fails.
///
/// A positional argument is an utterance when it is not shaped like an Extension ID
/// (lower-case reverse-domain notation such as `com.example.pizzabot`): `test ID "UTTERANCE"`,
/// or `test "UTTERANCE"` in a repository with one extension. `--utterance` says it explicitly.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 all cases passed (or an utterance was analysed), 1 a case failed, 2 usage or internal error.\n\nExamples:\n  cekops test com.example.pizzabot \"페퍼로니 피자 두 판 주문해줘\"\n  cekops test com.example.pizzabot --utterance \"com.example\" --format json\n  cekops test\n  cekops test com.example.pizzabot --format junit > junit.xml\n  cekops test --rev service --now 2026-01-01T09:00"
)]
pub struct TestArgs {
    /// Extension IDs (suite mode), or `ID "UTTERANCE"`.
    #[arg(value_name = "ID|UTTERANCE")]
    pub args: Vec<String>,
    /// The utterance to analyse (instead of a positional argument).
    #[arg(long, short = 'u', value_name = "TEXT")]
    pub utterance: Option<String>,
    /// Test this revision (branch, tag or commit) from git objects instead of the work tree.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Output format: human, json, or junit (suites only; JUnit XML for CI).
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
    /// "Now" for relative dates and times (`내일`, `10분 후`): YYYY-MM-DD[THH:MM[:SS]].
    /// Default: the current time in UTC+9 (Korea and Japan).
    #[arg(long, value_name = "DATETIME", env = "CEKOPS_NOW")]
    pub now: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    Human,
    Json,
    Junit,
}

/// Whether `s` is shaped like an Extension ID: lower-case reverse-domain notation.
pub fn looks_like_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        })
}

/// The IDs and the utterance (if any) the positional arguments stand for.
pub fn split_args(
    args: &[String],
    utterance: Option<&str>,
) -> anyhow::Result<(Vec<String>, Option<String>)> {
    if let Some(u) = utterance {
        if args.len() > 1 {
            return Err(usage("`--utterance` takes at most one extension ID")
                .hint("cekops test <ID> --utterance \"<utterance>\"")
                .into());
        }
        return Ok((args.to_vec(), Some(u.to_string())));
    }
    match args {
        [id, u] if !looks_like_id(u) => Ok((vec![id.clone()], Some(u.clone()))),
        [u] if !looks_like_id(u) => Ok((Vec::new(), Some(u.clone()))),
        _ => {
            if let Some(bad) = args.iter().find(|a| !looks_like_id(a)) {
                return Err(usage(format!("`{bad}` is not an Extension ID"))
                    .hint("to analyse an utterance give one ID and the utterance: cekops test <ID> \"<utterance>\" (or --utterance)")
                    .into());
            }
            Ok((args.to_vec(), None))
        }
    }
}

pub fn parse_now(now: Option<&str>) -> anyhow::Result<Option<nlu::DateTime>> {
    match now {
        None => Ok(None),
        Some(s) => nlu::DateTime::parse(s).map(Some).ok_or_else(|| {
            usage(format!("`{s}` is not a date and time"))
                .hint("write YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], e.g. 2026-01-01T09:00")
                .into()
        }),
    }
}

pub fn run(ctx: &super::Context, args: &TestArgs) -> anyhow::Result<ExitCode> {
    let (ids, utterance) = split_args(&args.args, args.utterance.as_deref())?;
    let dir: PathBuf = ctx.dir.clone();
    let source = match &args.rev {
        Some(rev) => Source::Rev(dir, rev.clone()),
        None => Source::Dir(dir),
    };
    let opts = TestOptions {
        source,
        ids,
        now: parse_now(args.now.as_deref())?,
    };
    match utterance {
        Some(u) => {
            if args.format == TestFormat::Junit {
                return Err(usage("`--format junit` is for test suites")
                    .hint("use --format json to analyse one utterance")
                    .into());
            }
            let out = cekops::ops::test::analyse(&opts, &u)?;
            if out.model_errors > 0 {
                super::err(&cekops::ops::test::model_errors_note(
                    &out.extension,
                    out.model_errors,
                ));
            }
            super::out(&match args.format {
                TestFormat::Json => utterance_json(&out),
                _ => utterance_human(&out),
            });
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let out = cekops::ops::test::run_suites(&opts)?;
            for (id, n) in &out.model_errors {
                super::err(&cekops::ops::test::model_errors_note(id, *n));
            }
            for id in &out.without_suites {
                if !opts.ids.is_empty() {
                    super::err(&format!(
                        "note: extension `{id}` has no test suites (extensions/{id}/tests/*.toml)\n"
                    ));
                }
            }
            if out.suites.is_empty() {
                super::err("note: no test suites found (extensions/<id>/tests/*.toml)\n");
            }
            super::out(&match args.format {
                TestFormat::Human => suites_human(&out),
                TestFormat::Json => suites_json(&out),
                TestFormat::Junit => suites_junit(&out),
            });
            Ok(ExitCode::from(u8::from(out.failed() > 0)))
        }
    }
}

fn slot_line(s: &nlu::SlotOut) -> String {
    let mut v = format!("{} = \"{}\"", s.name, s.value);
    if let Some(u) = &s.unit {
        write!(v, " (unit \"{u}\")").ok();
    }
    if let Some(t) = &s.value_type {
        write!(v, " ({t})").ok();
    }
    write!(v, "  [{}] from \"{}\"", s.slot_type, s.text).ok();
    v
}

pub fn utterance_human(o: &UtteranceOutcome) -> String {
    let a = &o.analysis;
    let mut s = String::new();
    writeln!(s, "utterance   {}", a.utterance).ok();
    writeln!(s, "intent      {}", a.intent).ok();
    let how = match a.kind {
        nlu::MatchKind::Exact => "matches a sample pattern",
        nlu::MatchKind::Similar => "close to a sample pattern",
        nlu::MatchKind::None => "no sample pattern is close: fallback intent",
    };
    writeln!(s, "confidence  {:.2} ({how})", a.confidence).ok();
    if a.slots.is_empty() {
        writeln!(s, "slots       (none)").ok();
    }
    for (i, slot) in a.slots.iter().enumerate() {
        let head = if i == 0 { "slots" } else { "" };
        writeln!(s, "{head:<12}{}", slot_line(slot)).ok();
    }
    match &a.closest {
        Some(c) => {
            writeln!(
                s,
                "closest     {}  [{}, similarity {:.2}]",
                c.utterance, c.intent, c.similarity
            )
            .ok();
            if let Some(f) = &c.file {
                match o.closest_line {
                    Some(l) => writeln!(s, "            {f}:{l}").ok(),
                    None => writeln!(s, "            {f}").ok(),
                };
            }
        }
        None => {
            writeln!(s, "closest     (no sample utterances)").ok();
        }
    }
    s
}

fn slots_json(slots: &[nlu::SlotOut]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for s in slots {
        map.insert(s.name.clone(), json!(s));
    }
    serde_json::Value::Object(map)
}

pub fn utterance_json(o: &UtteranceOutcome) -> String {
    let a = &o.analysis;
    let closest = a.closest.as_ref().map(|c| {
        json!({
            "intent": c.intent,
            "utterance": c.utterance,
            "file": c.file,
            "line": o.closest_line,
            "similarity": c.similarity,
        })
    });
    let doc = json!({
        "version": 1,
        "extension": o.extension,
        "utterance": a.utterance,
        "intent": a.intent,
        "match": a.kind,
        "confidence": a.confidence,
        "slots": slots_json(&a.slots),
        "closest": closest,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

pub fn suites_human(o: &SuitesOutcome) -> String {
    let mut s = String::new();
    for suite in &o.suites {
        writeln!(s, "{} ({})", suite.extension, suite.file).ok();
        for case in &suite.cases {
            if case.passed {
                writeln!(s, "  ok    {}", case.name).ok();
                continue;
            }
            writeln!(s, "  FAIL  {}  ({}:{})", case.name, suite.file, case.line).ok();
            if let Some(why) = &case.invalid {
                writeln!(s, "          invalid case: {why}").ok();
            }
            let multi = case.turns.len() > 1;
            for (i, t) in case.turns.iter().enumerate() {
                if t.differences.is_empty() {
                    continue;
                }
                if multi {
                    writeln!(
                        s,
                        "          turn {} \"{}\" (line {})",
                        i + 1,
                        t.utterance,
                        t.line
                    )
                    .ok();
                }
                let pad = if multi { "            " } else { "          " };
                for d in &t.differences {
                    writeln!(s, "{pad}{d}").ok();
                }
                if let Some(c) = &t.got.closest {
                    writeln!(
                        s,
                        "{pad}closest sample: {} [{}, similarity {:.2}]",
                        c.utterance, c.intent, c.similarity
                    )
                    .ok();
                }
            }
        }
    }
    let (p, f) = (o.passed(), o.failed());
    writeln!(
        s,
        "\ntest result: {}. {p} passed, {f} failed",
        if f == 0 { "ok" } else { "FAILED" }
    )
    .ok();
    s
}

pub fn suites_json(o: &SuitesOutcome) -> String {
    let suites: Vec<serde_json::Value> = o
        .suites
        .iter()
        .map(|suite| {
            let cases: Vec<serde_json::Value> = suite
                .cases
                .iter()
                .map(|c| {
                    let turns: Vec<serde_json::Value> = c
                        .turns
                        .iter()
                        .map(|t| {
                            json!({
                                "utterance": t.utterance,
                                "line": t.line,
                                "expected": { "intent": t.expected_intent, "slots": t.expected_slots },
                                "got": {
                                    "intent": t.got.intent,
                                    "match": t.got.kind,
                                    "confidence": t.got.confidence,
                                    "slots": slots_json(&t.got.slots),
                                },
                                "differences": t.differences,
                            })
                        })
                        .collect();
                    json!({
                        "name": c.name,
                        "line": c.line,
                        "passed": c.passed,
                        "invalid": c.invalid,
                        "turns": turns,
                    })
                })
                .collect();
            json!({ "extension": suite.extension, "file": suite.file, "cases": cases })
        })
        .collect();
    let doc = json!({
        "version": 1,
        "summary": { "passed": o.passed(), "failed": o.failed() },
        "suites": suites,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

/// Escape text for XML attributes and content; control characters XML cannot hold are dropped.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one `<testsuite>` per suite file, one `<testcase>` per case, a `<failure>` with
/// the differences for each failed case.
pub fn suites_junit(o: &SuitesOutcome) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    writeln!(
        s,
        "<testsuites name=\"cekops test\" tests=\"{}\" failures=\"{}\" errors=\"0\">",
        o.passed() + o.failed(),
        o.failed()
    )
    .ok();
    for suite in &o.suites {
        let stem = suite
            .file
            .rsplit('/')
            .next()
            .unwrap_or(&suite.file)
            .trim_end_matches(".toml");
        let classname = format!("{}.{}", suite.extension, stem);
        writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
            xml(&suite.file),
            suite.cases.len(),
            suite.failed()
        )
        .ok();
        for case in &suite.cases {
            write!(
                s,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                xml(&case.name),
                xml(&classname),
                xml(&suite.file),
                case.line
            )
            .ok();
            if case.passed {
                s.push_str("/>\n");
                continue;
            }
            s.push_str(">\n");
            let mut lines: Vec<String> = Vec::new();
            if let Some(why) = &case.invalid {
                lines.push(format!("invalid case: {why}"));
            }
            for (i, t) in case.turns.iter().enumerate() {
                for d in &t.differences {
                    lines.push(if case.turns.len() > 1 {
                        format!("turn {} \"{}\": {d}", i + 1, t.utterance)
                    } else {
                        format!("\"{}\": {d}", t.utterance)
                    });
                }
            }
            let message = lines.first().cloned().unwrap_or_default();
            writeln!(
                s,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                xml(&message),
                if case.invalid.is_some() {
                    "invalid"
                } else {
                    "mismatch"
                },
                lines
                    .iter()
                    .map(|l| xml(l))
                    .collect::<Vec<_>>()
                    .join("&#10;")
            )
            .ok();
            s.push_str("    </testcase>\n");
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_shapes() {
        assert!(looks_like_id("com.example.pizzabot"));
        assert!(looks_like_id("com.example.pizza-bot2"));
        assert!(!looks_like_id("페퍼로니 피자 주문해줘"));
        assert!(!looks_like_id("Com.Example"));
        assert!(!looks_like_id("pizzabot"));
        assert!(!looks_like_id("order pizza."));
    }

    #[test]
    fn positional_utterances() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            split_args(&s(&["com.a.b", "피자 주문"]), None).unwrap(),
            (s(&["com.a.b"]), Some("피자 주문".into()))
        );
        assert_eq!(
            split_args(&s(&["피자 주문"]), None).unwrap(),
            (vec![], Some("피자 주문".into()))
        );
        assert_eq!(
            split_args(&s(&["com.a.b", "com.a.c"]), None).unwrap(),
            (s(&["com.a.b", "com.a.c"]), None)
        );
        assert_eq!(
            split_args(&s(&["com.a.b"]), Some("com.x")).unwrap(),
            (s(&["com.a.b"]), Some("com.x".into()))
        );
        assert!(split_args(&s(&["com.a.b", "com.a.c", "피자"]), None).is_err());
        assert!(split_args(&s(&["a.b", "c.d"]), Some("x")).is_err());
    }

    #[test]
    fn xml_escapes() {
        assert_eq!(xml("a<b>&\"c'\n\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;&#10;");
    }
}
