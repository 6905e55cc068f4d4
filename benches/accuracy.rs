//! `cekops test` matcher accuracy on real interaction models written outside this project: the
//! Alexa sample models of `../shared/data/alexa-samples` (or `$ALEXA_SAMPLES`), each imported as
//! `cekops import alexa` does (ja-JP for `ja-JP.json`, ko-KR for the others). Per model:
//! - the sample utterances themselves → the right intent (full model);
//! - 5-fold cross-validation (`cekops test --cross-validate`): intent, intent + slot values;
//! - out of domain: the samples of the other skills in the same language, and a few everyday
//!   requests, must fall to `Clova.GuideIntent` / `Clova.FallbackIntent`;
//! - the median time per utterance (samples and out-of-domain utterances on the full models).
//!
//! And the method (issue 14: "filled with real slot values"), printed as a second table:
//! - 5-fold cross-validation with each held-out sample said with *other* values of its slot
//!   types (a custom type's other representative values and synonyms in turn; the expected
//!   value is the representative value), not the value it was written with;
//! - slot-filling answers as a dialog gets them: a custom slot's value alone (`{size}`) and with a
//!   particle (`{duration}で`, `{size}요`), on the full model with no dialog context; right when
//!   the intent is one that has a slot of that type and the slot holds the value.
//!
//! The extensions of `example-repo` (Korean, Japanese) are measured the same way, apart.
//!
//! Run: `cargo bench --bench accuracy` (figures in BENCHMARKS.md, `## test (matcher)`).
//! `ACCURACY_DEBUG=1` prints each miss.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use cekops::interop::alexa;
use cekops::model::Extension;
use cekops::model::Language;
use cekops::nlu::DateTime;
use cekops::nlu::Model;
use cekops::nlu::Options;
use cekops::nlu::crossval::cross_validate;
use cekops::tree::Entry;
use cekops::tree::Tree;
use cekops_devkit::timing::percentile;

/// Everyday requests no sample skill handles, in the languages of the samples.
const EVERYDAY: &[&str] = &[
    "what's the weather like today",
    "play some music",
    "set an alarm for seven",
    "call my mother",
    "turn off the lights",
    "오늘 날씨 어때",
    "노래 틀어줘",
    "알람 맞춰줘",
    "엄마한테 전화해줘",
    "불 꺼줘",
    "오늘 날씨 알려줘",
    "뉴스 읽어줘",
    "내일 일정 알려줘",
    "택시 불러줘",
    "주식 시세 알려줘",
    "환율 알려줘",
    "영화 예매해줘",
    "지금 몇 시야",
    "엄마한테 문자 보내줘",
    "볼륨 높여줘",
    "今日の天気は",
    "音楽をかけて",
    "アラームをセットして",
    "電気を消して",
    "母に電話して",
    "今日の天気を教えてください",
    "ニュースを読んで",
    "明日の予定を教えて",
    "タクシーを呼んで",
    "株価を教えて",
    "今何時",
    "映画のチケットを予約して",
    "音量を上げて",
    "母にメッセージを送って",
    "為替レートを教えてください",
];

struct Imported {
    name: String,
    locale: String,
    ext: Extension,
    /// The samples as said, with their intent.
    samples: Vec<(String, String)>,
}

/// The samples of an extension as said, with their intent.
fn said_samples(ext: &Extension) -> Vec<(String, String)> {
    ext.intents
        .iter()
        .flat_map(|i| {
            i.def.utterances.value.iter().map(|u| {
                let said: String = cekops::utterance::parse(&u.value)
                    .map(|segs| {
                        segs.iter()
                            .map(|s| match s {
                                cekops::utterance::Segment::Text(t) => *t,
                                cekops::utterance::Segment::Slot { value, .. } => value,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (i.name.clone(), said)
            })
        })
        .collect()
}

/// The extensions of the project's `example-repo` (Korean and Japanese models).
fn example_repo() -> Vec<Imported> {
    let tree = Tree::from_dir(Path::new("example-repo"), &|_| true).expect("example-repo");
    tree.extension_ids()
        .into_iter()
        .map(|id| {
            let (ext, _) = cekops::load::load_extension(&tree, &id, true);
            let locale = ext.language().map_or("ko-KR", |l| l.code()).to_string();
            Imported {
                name: format!("example-repo/{id}"),
                locale,
                samples: said_samples(&ext),
                ext,
            }
        })
        .collect()
}

fn import(path: &Path, name: &str) -> Imported {
    let text = std::fs::read_to_string(path).expect("read model");
    let locale = path.file_stem().unwrap().to_string_lossy().to_string();
    let model = alexa::parse(&path.to_string_lossy(), &text).expect("parse model");
    let language = if locale == "ja-JP" {
        Language::Japanese
    } else {
        Language::Korean
    };
    let id = format!("com.example.{}", name.replace(['/', '-'], "."));
    let conv = alexa::convert(
        &model,
        &alexa::Options {
            id: id.clone(),
            language,
            name: None,
            endpoint: None,
            provider: Some("bench".into()),
            contact_email: Some("bench@example.com".into()),
            locale: Some(locale.clone()),
        },
    );
    let mut tree = Tree::default();
    for (p, body) in conv.files {
        let bytes: Arc<[u8]> = Arc::from(body.into_bytes().into_boxed_slice());
        tree.insert(format!("extensions/{id}/{p}"), Entry::Blob(bytes));
    }
    let (ext, _) = cekops::load::load_extension(&tree, &id, true);
    let samples = said_samples(&ext);
    Imported {
        name: name.to_string(),
        locale,
        ext,
        samples,
    }
}

/// Per model, the method: `[cases, intent right, intent + slots right, answers,
/// answers right]`.
fn refilled(m: &Imported, folds: usize, opts: &Options, debug: bool) -> [usize; 5] {
    use cekops::utterance::Segment;
    let ext = &m.ext;
    // each custom type's entries as said, with their representative value
    let entries = |ty: &str| -> Vec<(String, String)> {
        ext.slot_types
            .iter()
            .filter(|t| t.name == ty)
            .flat_map(|t| {
                t.values.iter().flat_map(|v| {
                    std::iter::once(v.value.value.to_string())
                        .chain(v.synonyms.iter().map(|s| s.value.to_string()))
                        .map(|said| (said, v.value.value.to_string()))
                })
            })
            .collect()
    };
    let slot_type = |intent: usize, slot: &str| -> Option<String> {
        ext.intents[intent]
            .def
            .slots
            .value
            .iter()
            .find(|(n, _)| n.value == slot)
            .map(|(_, t)| t.value.clone())
    };
    let mut out = [0usize; 5];
    let mut turn = 0usize;
    for fold in 0..folds {
        // the folds of `cekops test --cross-validate`
        let (train, held) = cekops::nlu::crossval::split(ext, folds, fold);
        if held.is_empty() {
            continue;
        }
        let model = Model::compile(&train);
        for (i, sample) in held {
            let Ok(segs) = cekops::utterance::parse(&sample) else {
                continue;
            };
            let mut said = String::new();
            let mut expected: Vec<(String, String)> = Vec::new();
            for seg in segs {
                match seg {
                    Segment::Text(t) => said.push_str(t),
                    Segment::Slot { name, value, .. } => {
                        let ty = slot_type(i, name).unwrap_or_default();
                        let es = entries(&ty);
                        // another entry of the type, in turn (the sample's own when alone)
                        let pick = es
                            .iter()
                            .cycle()
                            .skip(turn % es.len().max(1))
                            .take(es.len())
                            .find(|(e, _)| e != value)
                            .cloned();
                        turn += 1;
                        match pick {
                            Some((e, rep)) => {
                                said.push_str(&e);
                                expected.push((name.to_string(), rep));
                            }
                            None => said.push_str(value),
                        }
                    }
                }
            }
            let a = model.analyse(&said, opts);
            let intent_ok = a.intent == ext.intents[i].name;
            let slots_ok = intent_ok
                && expected
                    .iter()
                    .all(|(n, v)| a.slot(n).is_some_and(|s| s.value == *v));
            out[0] += 1;
            out[1] += usize::from(intent_ok);
            out[2] += usize::from(slots_ok);
            if debug && !slots_ok {
                eprintln!(
                    "{}: refilled {said} ({}) → {} {:?} (expected {expected:?})",
                    m.name,
                    ext.intents[i].name,
                    a.intent,
                    a.slots
                        .iter()
                        .map(|s| (&s.name, &s.value))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
    // slot-filling answers, on the full model
    let full = Model::compile(ext);
    let particle = if m.locale == "ja-JP" { "で" } else { "요" };
    let mut types: Vec<String> = ext
        .intents
        .iter()
        .flat_map(|i| i.def.slots.value.values().map(|t| t.value.clone()))
        .filter(|t| !t.starts_with("CLOVA.") && !t.starts_with("AMAZON."))
        .collect();
    types.sort();
    types.dedup();
    for ty in types {
        let owners: Vec<(&str, &str)> = ext
            .intents
            .iter()
            .flat_map(|i| {
                i.def
                    .slots
                    .value
                    .iter()
                    .filter(|(_, t)| t.value == ty)
                    .map(|(n, _)| (i.name.as_str(), n.value.as_str()))
            })
            .collect();
        let es = entries(&ty);
        // a few values of the type, spread over its dictionary
        for (said, rep) in es.iter().step_by((es.len() / 5).max(1)).take(5) {
            for answer in [said.clone(), format!("{said}{particle}")] {
                let a = full.analyse(&answer, opts);
                let ok = owners.iter().any(|(intent, slot)| {
                    a.intent == *intent && a.slot(slot).is_some_and(|s| s.value == *rep)
                });
                out[3] += 1;
                out[4] += usize::from(ok);
                if debug && !ok {
                    eprintln!(
                        "{}: answer {answer} → {} {:?} (expected one of {owners:?} = {rep})",
                        m.name,
                        a.intent,
                        a.slots
                            .iter()
                            .map(|s| (&s.name, &s.value))
                            .collect::<Vec<_>>()
                    );
                }
            }
        }
    }
    out
}

fn print_refilled(label: &str, t: &[usize; 5]) {
    println!(
        "| {label} | {} | {:.1} % | {:.1} % | {} | {:.1} % |",
        t[0],
        pct(t[1], t[0]),
        pct(t[2], t[0]),
        t[3],
        pct(t[4], t[3])
    );
}

fn pct(a: usize, b: usize) -> f64 {
    100.0 * a as f64 / b.max(1) as f64
}

fn print_total(label: &str, total: &[usize; 7]) {
    println!(
        "| {label} | {} | {:.1} % | {:.1} % | {:.1} % | {:.1} % of {} |",
        total[0],
        pct(total[1], total[0]),
        pct(total[3], total[2]),
        pct(total[4], total[2]),
        pct(total[6], total[5]),
        total[5]
    );
}

fn main() {
    let root = std::env::var_os("ALEXA_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/data/alexa-samples"));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e} (set ALEXA_SAMPLES)", root.display()))
        .filter_map(Result::ok)
        .filter(|d| d.path().is_dir())
        .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten())
        .filter_map(Result::ok)
        .map(|d| d.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut models: Vec<Imported> = paths
        .iter()
        .map(|p| {
            let skill = p.parent().unwrap().file_name().unwrap().to_string_lossy();
            let locale = p.file_stem().unwrap().to_string_lossy();
            import(p, &format!("{skill}/{locale}"))
        })
        .collect();
    let alexa_models = models.len();
    models.extend(example_repo());
    let opts = Options {
        now: DateTime::parse("2026-01-01T10:00:00").expect("date"),
    };
    let debug = std::env::var_os("ACCURACY_DEBUG").is_some();
    println!(
        "| model | samples | samples → intent | 5-fold intent | 5-fold intent + slots | out of domain → fallback |"
    );
    println!("|---|---|---|---|---|---|");
    let mut total = [0usize; 7];
    let mut times: Vec<Duration> = Vec::new();
    for (k, m) in models.iter().enumerate() {
        if k == alexa_models {
            print_total("**all Alexa samples**", &total);
            total = [0; 7];
        }
        let full = Model::compile(&m.ext);
        let mut timed = |u: &str| {
            let t = Instant::now();
            let a = full.analyse(u, &opts);
            times.push(t.elapsed());
            a
        };
        let own = m
            .samples
            .iter()
            .filter(|(i, u)| timed(u).intent == *i)
            .count();
        let cv = cross_validate(&m.ext, 5, &opts);
        let ok = cv.cases.iter().filter(|c| c.intent_ok()).count();
        let slots_ok = cv.cases.iter().filter(|c| c.slots_ok()).count();
        if debug {
            for c in cv.cases.iter().filter(|c| !c.slots_ok()) {
                eprintln!(
                    "{}: {} ({}) → {} {:.2} {:?} (expected {:?})",
                    m.name,
                    c.utterance,
                    c.intent,
                    c.predicted,
                    c.confidence,
                    c.slots,
                    c.expected_slots
                );
            }
        }
        // out of domain: other skills' samples in the same language, and everyday requests
        let lang = &m.locale[..2];
        let skill = m.name.split('/').next().unwrap_or_default();
        let ood: Vec<&str> = models
            .iter()
            .filter(|o| o.locale.starts_with(lang) && !o.name.starts_with(&format!("{skill}/")))
            .flat_map(|o| o.samples.iter().map(|(_, u)| u.as_str()))
            .chain(EVERYDAY.iter().copied())
            .collect();
        let fallback = ood
            .iter()
            .filter(|u| {
                let a = timed(u);
                let out = a.intent == "Clova.GuideIntent" || a.intent == "Clova.FallbackIntent";
                if !out && debug {
                    eprintln!(
                        "{}: out of domain {u} → {} {:.2}",
                        m.name, a.intent, a.confidence
                    );
                }
                out
            })
            .count();
        println!(
            "| {} | {} | {:.1} % | {:.1} % | {:.1} % | {:.1} % of {} |",
            m.name,
            m.samples.len(),
            pct(own, m.samples.len()),
            pct(ok, cv.cases.len()),
            pct(slots_ok, cv.cases.len()),
            pct(fallback, ood.len()),
            ood.len()
        );
        for (t, v) in total.iter_mut().zip([
            m.samples.len(),
            own,
            cv.cases.len(),
            ok,
            slots_ok,
            ood.len(),
            fallback,
        ]) {
            *t += v;
        }
    }
    print_total("**example-repo**", &total);
    println!(
        "\nThe issue's method: held-out samples said with other values of their slot types; slot-filling answers (value alone, value + particle), no dialog context\n"
    );
    println!(
        "| model | refilled cases | 5-fold intent | 5-fold intent + slots | answers | answers → intent + slot |"
    );
    println!("|---|---|---|---|---|---|");
    let mut sum = [0usize; 5];
    for (k, m) in models.iter().enumerate() {
        if k == alexa_models {
            print_refilled("**all Alexa samples**", &sum);
            sum = [0; 5];
        }
        let r = refilled(m, 5, &opts, debug);
        print_refilled(&m.name, &r);
        for (s, v) in sum.iter_mut().zip(r) {
            *s += v;
        }
    }
    print_refilled("**example-repo**", &sum);
    times.sort();
    println!(
        "\nmedian {:.1} µs per utterance (samples and out-of-domain utterances, full models)",
        percentile(&times, 0.5).as_secs_f64() * 1e6
    );
}
