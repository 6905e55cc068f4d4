//! `cekops test`

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use cekops::error::usage;
use cekops::nlu;
use cekops::nlu::crossval::xml_escape as xml;
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
/// `cekops test --cross-validate [ID...]` measures how the interaction model generalises to
/// phrasings it was not given, as the console's trained NLU would: the sample utterances are
/// split into folds (`--folds`, default 5); each fold is removed in turn, the model compiled from
/// the others and the removed utterances analysed. It reports the intent accuracy, the accuracy
/// with every slot value right, precision / recall / F1 per intent, the confusion matrix and the
/// confused pairs with examples; `--plot FILE` draws the matrix as an SVG picture and
/// `--fail-under PERCENT` exits 1 when the intent accuracy is lower.
///
/// A positional argument is an utterance when it is not shaped like an Extension ID
/// (lower-case reverse-domain notation such as `com.example.pizzabot`): `test ID "UTTERANCE"`,
/// or `test "UTTERANCE"` in a repository with one extension. `--utterance` says it explicitly.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 all cases passed (or an utterance was analysed, or a cross-validation ran), 1 a case failed (or the cross-validation is under --fail-under), 2 usage or internal error.\n\nExamples:\n  cekops test com.example.pizzabot \"페퍼로니 피자 두 판 주문해줘\"\n  cekops test com.example.pizzabot --utterance \"com.example\" --format json\n  cekops test\n  cekops test com.example.pizzabot --format junit > junit.xml\n  cekops test --rev service --now 2026-01-01T09:00\n  cekops test --cross-validate com.example.pizzabot --plot confusion.svg --fail-under 90"
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
    /// Cross-validate the interaction models instead of running the suites: per-intent
    /// precision, recall and F1, the confusion matrix and the confused pairs.
    #[arg(long)]
    pub cross_validate: bool,
    /// Number of folds of the cross-validation (at least 2).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 5,
        requires = "cross_validate"
    )]
    pub folds: usize,
    /// Write the confusion matrix as an SVG picture to FILE (with several extensions,
    /// FILE-<id>.svg for each).
    #[arg(long, value_name = "FILE", requires = "cross_validate")]
    pub plot: Option<PathBuf>,
    /// Exit 1 when the intent accuracy of the cross-validation (all extensions together) is
    /// below PERCENT.
    #[arg(long, value_name = "PERCENT", requires = "cross_validate")]
    pub fail_under: Option<f64>,
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
    if args.cross_validate {
        if let Some(u) = utterance {
            return Err(usage(format!(
                "`--cross-validate` tests the sample utterances, not `{u}`"
            ))
            .hint("cekops test --cross-validate [ID...]")
            .into());
        }
        return cross_validate(&opts, args);
    }
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

fn cross_validate(opts: &TestOptions, args: &TestArgs) -> anyhow::Result<ExitCode> {
    if let Some(p) = args.fail_under
        && !(0.0..=100.0).contains(&p)
    {
        return Err(usage(format!("`--fail-under {p}` is not a percentage"))
            .hint("give a number from 0 to 100, e.g. --fail-under 90")
            .into());
    }
    let out = cekops::ops::test::cross_validate(opts, args.folds)?;
    for (id, n) in &out.model_errors {
        super::err(&cekops::ops::test::model_errors_note(id, *n));
    }
    if out.extensions.is_empty() {
        super::err("note: no extensions to cross-validate\n");
    }
    if let Some(plot) = &args.plot {
        let several = out.extensions.len() > 1;
        for cv in &out.extensions {
            let path = if several {
                let stem = plot.file_stem().unwrap_or_default().to_string_lossy();
                plot.with_file_name(format!("{stem}-{}.svg", cv.extension))
            } else {
                plot.clone()
            };
            std::fs::write(&path, nlu::crossval::svg(cv))
                .map_err(|e| anyhow::anyhow!("cannot write the plot {}: {e}", path.display()))?;
            super::err(&format!(
                "wrote the confusion matrix of {} to {}\n",
                cv.extension,
                path.display()
            ));
        }
    }
    super::out(&match args.format {
        TestFormat::Human => crossval_human(&out),
        TestFormat::Json => crossval_json(&out, args.fail_under),
        TestFormat::Junit => crossval_junit(&out),
    });
    let accuracy = out.intent_accuracy() * 100.0;
    if let Some(min) = args.fail_under
        && accuracy < min
    {
        super::err(&format!(
            "error: intent accuracy {accuracy:.1} % is under --fail-under {min} %\n"
        ));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn pct(ok: usize, n: usize) -> String {
    if n == 0 {
        "-".to_string()
    } else {
        format!("{:.1} %", 100.0 * ok as f64 / n as f64)
    }
}

fn slot_list(slots: &[(String, String)]) -> String {
    if slots.is_empty() {
        return "(none)".to_string();
    }
    slots
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn crossval_human(o: &cekops::ops::test::CrossValidateOutcome) -> String {
    use super::ui::pad;
    use super::ui::width;
    let mut s = String::new();
    for cv in &o.extensions {
        let n = cv.cases.len();
        let ok = cv.cases.iter().filter(|c| c.intent_ok()).count();
        let slots_ok = cv.cases.iter().filter(|c| c.slots_ok()).count();
        writeln!(
            s,
            "{}: {}-fold cross-validation of {n} sample utterance(s)",
            cv.extension, cv.folds
        )
        .ok();
        if n == 0 {
            writeln!(s, "  no sample utterances\n").ok();
            continue;
        }
        writeln!(s, "  intent accuracy          {} ({ok}/{n})", pct(ok, n)).ok();
        writeln!(
            s,
            "  intent + slots accuracy  {} ({slots_ok}/{n})\n",
            pct(slots_ok, n)
        )
        .ok();
        let w = cv.labels.iter().map(|l| width(l)).max().unwrap_or(0).max(6);
        writeln!(
            s,
            "  {}  precision  recall     f1  support",
            pad("intent", w)
        )
        .ok();
        for i in &cv.intents {
            writeln!(
                s,
                "  {}  {:>9.2}  {:>6.2}  {:>5.2}  {:>7}",
                pad(&i.intent, w),
                i.precision,
                i.recall,
                i.f1,
                i.support
            )
            .ok();
        }
        writeln!(
            s,
            "\n  confusion matrix (rows: expected intent, columns: predicted)"
        )
        .ok();
        let cell = cv
            .matrix
            .iter()
            .flatten()
            .map(|c| c.to_string().len())
            .max()
            .unwrap_or(1)
            .max(cv.labels.len().to_string().len() + 1);
        let mut head = format!("  {}", pad("", w + 4));
        for j in 0..cv.labels.len() {
            write!(head, " {:>cell$}", format!("#{}", j + 1)).ok();
        }
        writeln!(s, "{}", head.trim_end()).ok();
        for (i, row) in cv.matrix.iter().enumerate() {
            write!(
                s,
                "  {:>3} {}",
                format!("#{}", i + 1),
                pad(&cv.labels[i], w)
            )
            .ok();
            for c in row {
                write!(s, " {c:>cell$}").ok();
            }
            s.push('\n');
        }
        if cv.confused.is_empty() {
            writeln!(s, "\n  no confused intents").ok();
        } else {
            writeln!(s, "\n  confused pairs").ok();
            for c in &cv.confused {
                writeln!(s, "    {} → {} ({})", c.intent, c.predicted, c.count).ok();
                for e in &c.examples {
                    writeln!(s, "      \"{e}\"").ok();
                }
            }
        }
        let wrong_slots: Vec<_> = cv
            .cases
            .iter()
            .filter(|c| c.intent_ok() && !c.slots_ok())
            .collect();
        if !wrong_slots.is_empty() {
            writeln!(s, "\n  right intent, other slot values").ok();
            for c in wrong_slots.iter().take(10) {
                writeln!(
                    s,
                    "    \"{}\" ({}): expected {}, got {}",
                    c.utterance,
                    c.intent,
                    slot_list(&c.expected_slots),
                    slot_list(&c.slots)
                )
                .ok();
            }
            if wrong_slots.len() > 10 {
                writeln!(
                    s,
                    "    … and {} more (--format json lists all)",
                    wrong_slots.len() - 10
                )
                .ok();
            }
        }
        s.push('\n');
    }
    s
}

pub fn crossval_json(
    o: &cekops::ops::test::CrossValidateOutcome,
    fail_under: Option<f64>,
) -> String {
    let doc = json!({
        "version": 1,
        "intent_accuracy": o.intent_accuracy(),
        "fail_under": fail_under,
        "extensions": o.extensions,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

/// JUnit XML: one `<testsuite>` per extension, one `<testcase>` per held-out sample utterance,
/// a `<failure>` when its intent or a slot value differs.
pub fn crossval_junit(o: &cekops::ops::test::CrossValidateOutcome) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let failed =
        |cv: &nlu::crossval::CrossValidation| cv.cases.iter().filter(|c| !c.slots_ok()).count();
    let total: usize = o.extensions.iter().map(|cv| cv.cases.len()).sum();
    let failures: usize = o.extensions.iter().map(failed).sum();
    writeln!(
        s,
        "<testsuites name=\"cekops test --cross-validate\" tests=\"{total}\" failures=\"{failures}\" errors=\"0\">"
    )
    .ok();
    for cv in &o.extensions {
        writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
            xml(&format!(
                "{} ({}-fold cross-validation)",
                cv.extension, cv.folds
            )),
            cv.cases.len(),
            failed(cv)
        )
        .ok();
        for c in &cv.cases {
            write!(
                s,
                "    <testcase name=\"{}\" classname=\"{}.{}\" file=\"{}\"",
                xml(&c.utterance),
                xml(&cv.extension),
                xml(&c.intent),
                xml(&c.file)
            )
            .ok();
            if c.slots_ok() {
                s.push_str("/>\n");
                continue;
            }
            let message = if c.intent_ok() {
                format!(
                    "slots: expected {}, got {}",
                    slot_list(&c.expected_slots),
                    slot_list(&c.slots)
                )
            } else {
                format!(
                    "intent: expected {}, got {} (confidence {:.2})",
                    c.intent, c.predicted, c.confidence
                )
            };
            writeln!(
                s,
                ">\n      <failure message=\"{}\" type=\"{}\"/>\n    </testcase>",
                xml(&message),
                if c.intent_ok() { "slots" } else { "intent" }
            )
            .ok();
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
