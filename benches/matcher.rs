//! `cekops test` matcher speed: a synthetic ko-KR model with 10,000 sample utterances and
//! 200,000 slot-type entries (100,000 values with one synonym each), compiled once; then
//! utterances of each kind are analysed one at a time and the median / p90 / p99 reported.
//!
//! Run: `cargo bench --bench matcher` (figures in BENCHMARKS.md, `## test (matcher)`).
//! `MATCHER_QUERIES=N` sets the utterances per kind (default 2,000); `MATCHER_DEBUG=1` prints
//! the utterances whose result differs from the expected one.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use cekops::nlu::DateTime;
use cekops::nlu::MatchKind;
use cekops::nlu::Model;
use cekops::nlu::Options;
use cekops::tree::Entry;
use cekops::tree::Tree;
use cekops_devkit::rng::Rng;
use cekops_devkit::timing::percentile;

const INTENTS: usize = 100;
const SAMPLES_PER_INTENT: usize = 100;
const VALUES: usize = 100_000;

const SYLLABLES: &[&str] = &[
    "가", "나", "다", "라", "마", "바", "사", "아", "자", "차", "카", "타", "파", "하", "고", "노",
    "도", "로", "모", "보", "소", "오", "조", "초", "코", "토", "포", "호", "구", "누", "두", "루",
    "무", "부", "수", "우", "주", "추", "쿠", "투", "푸", "후", "기", "니", "디", "리", "미", "비",
];

fn word(rng: &mut Rng, len: usize) -> String {
    (0..len).map(|_| *rng.pick(SYLLABLES)).collect()
}

struct Synthetic {
    tree: Tree,
    /// (intent, pattern with `{song}` / `{n}`) per sample.
    samples: Vec<(String, String)>,
    values: Vec<(String, String)>,
    vocab: Vec<String>,
}

fn synthetic() -> Synthetic {
    let mut rng = Rng::new(0x5EED_CE4B_0B5E_55ED);
    let dir = "extensions/com.example.bench";
    let mut tree = Tree::default();
    let mut put = |path: String, text: String| {
        let bytes: Arc<[u8]> = Arc::from(text.into_bytes().into_boxed_slice());
        tree.insert(path, Entry::Blob(bytes));
    };
    put(
        format!("{dir}/extension.toml"),
        "id = \"com.example.bench\"\nlanguage = \"ko-KR\"\nname = \"벤치\"\ninvocation_names = [\"벤치봇\"]\nbuiltin_intents = [\"Clova.GuideIntent\", \"Clova.CancelIntent\", \"Clova.YesIntent\", \"Clova.NoIntent\"]\nbuiltin_slot_types = [\"CLOVA.NUMBER\"]\n".into(),
    );
    put(
        format!("{dir}/server.toml"),
        "endpoint = \"https://example.com/cek\"\n".into(),
    );
    // 100,000 values with one synonym each: 200,000 entries.
    let mut values = Vec::with_capacity(VALUES);
    let mut seen = std::collections::HashSet::new();
    let mut tsv = String::new();
    while values.len() < VALUES {
        let len = 3 + rng.below(3);
        let v = word(&mut rng, len);
        let s = format!("{v}{}", word(&mut rng, 1));
        if !seen.insert(v.clone()) || !seen.insert(s.clone()) {
            continue;
        }
        writeln!(tsv, "{v}\t{s}").unwrap();
        values.push((v, s));
    }
    put(format!("{dir}/interaction-model/slot-types/SONG.tsv"), tsv);
    let vocab: Vec<String> = (0..600).map(|_| word(&mut rng, 2)).collect();
    let endings = [
        "해줘",
        "해 줄래",
        "하고 싶어",
        "부탁해",
        "해 주세요",
        "할래",
    ];
    let mut samples = Vec::new();
    for i in 0..INTENTS {
        let name = format!("Intent{i:03}");
        let verb = format!("{}{}", vocab[i], vocab[(i * 7 + 3) % vocab.len()]);
        let mut utts = Vec::new();
        for k in 0..SAMPLES_PER_INTENT {
            let a = &vocab[rng.below(vocab.len())];
            let b = &vocab[rng.below(vocab.len())];
            let end = endings[k % endings.len()];
            let (val, _) = &values[rng.below(values.len())];
            let pattern = match k % 4 {
                0 => format!("{{song}} {a} {verb} {end}"),
                1 => format!("{a} {{song}} {{n}} {verb} {end}"),
                2 => format!("{a} {b} {verb} {end}"),
                _ => format!("{b} {{song}} {a} {verb} {end}"),
            };
            let tagged = pattern
                .replace("{song}", &format!("<song>{val}</song>"))
                .replace("{n}", "<n>두 개</n>");
            utts.push(format!("  \"{tagged}\","));
            samples.push((name.clone(), pattern));
        }
        put(
            format!("{dir}/interaction-model/intents/{name}.toml"),
            format!(
                "slots = {{ song = \"SONG\", n = \"CLOVA.NUMBER\" }}\nutterances = [\n{}\n]\n",
                utts.join("\n")
            ),
        );
    }
    Synthetic {
        tree,
        samples,
        values,
        vocab,
    }
}

fn fill(pattern: &str, rng: &mut Rng, values: &[(String, String)]) -> String {
    let (v, s) = &values[rng.below(values.len())];
    let song = if rng.below(2) == 0 { v } else { s };
    let n = ["세 개", "3개", "열두 개", "한 개"][rng.below(4)];
    pattern.replace("{song}", song).replace("{n}", n)
}

fn stats(name: &str, mut times: Vec<Duration>, hits: usize, out: &mut String) {
    times.sort();
    let pct = |p: f64| percentile(&times, p);
    writeln!(
        out,
        "| {name} | {} | {:.1} µs | {:.1} µs | {:.1} µs | {hits}/{} |",
        times.len(),
        pct(0.5).as_secs_f64() * 1e6,
        pct(0.9).as_secs_f64() * 1e6,
        pct(0.99).as_secs_f64() * 1e6,
        times.len(),
    )
    .unwrap();
}

fn opts0() -> Options {
    Options {
        now: DateTime::parse("2026-01-01T10:00:00").expect("date"),
    }
}

fn main() {
    let queries: usize = std::env::var("MATCHER_QUERIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let syn = synthetic();
    let t = Instant::now();
    let (ext, sink) = cekops::load::load_extension(&syn.tree, "com.example.bench", true);
    let load = t.elapsed();
    assert!(sink.diagnostics.is_empty(), "{:?}", &sink.diagnostics[..1]);
    let entries: usize = ext.slot_types.iter().map(|s| s.entry_count()).sum();
    // compile and first use, best of 5 (the machine may be shared)
    let mut compile = Duration::MAX;
    let mut warm = Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let m = Model::compile(&ext);
        compile = compile.min(t.elapsed());
        let t = Instant::now();
        let _ = m.analyse(
            &fill(&syn.samples[0].1, &mut Rng::new(1), &syn.values),
            &opts0(),
        );
        let _ = m.analyse("전혀 관계없는 말", &opts0());
        warm = warm.min(t.elapsed());
    }
    let model = Model::compile(&ext);
    let opts = opts0();
    let _ = model.analyse("전혀 관계없는 말", &opts);

    let mut rng = Rng::new(42);
    let mut report = String::new();
    writeln!(
        report,
        "model: {} samples ({} compiled patterns incl. built-in phrases), {entries} slot-type entries",
        INTENTS * SAMPLES_PER_INTENT,
        model.sample_count()
    )
    .unwrap();
    writeln!(
        report,
        "load {:.0} ms; best of 5: compile {:.1} ms, first use (slot dictionary + near-match index) {:.1} ms\n",
        load.as_secs_f64() * 1e3,
        compile.as_secs_f64() * 1e3,
        warm.as_secs_f64() * 1e3,
    )
    .unwrap();
    writeln!(
        report,
        "| utterances | n | median | p90 | p99 | expected result |"
    )
    .unwrap();
    writeln!(report, "|---|---|---|---|---|---|").unwrap();
    let mut all = Vec::new();
    type Gen<'a> = Box<dyn Fn(&mut Rng) -> (String, Option<String>, MatchKind) + 'a>;
    let kinds: Vec<(&str, Gen<'_>)> = vec![
        (
            "exact, custom + number slots",
            Box::new(|rng: &mut Rng| {
                let (i, p) = &syn.samples[rng.below(syn.samples.len())];
                (fill(p, rng, &syn.values), Some(i.clone()), MatchKind::Exact)
            }),
        ),
        (
            "built-in intent phrase",
            Box::new(|rng: &mut Rng| {
                let p = ["도움말", "취소", "응", "아니", "뭐 할 수 있어"][rng.below(5)];
                (p.to_string(), None, MatchKind::Exact)
            }),
        ),
        (
            "near match (ending changed)",
            Box::new(|rng: &mut Rng| {
                let (i, p) = &syn.samples[rng.below(syn.samples.len())];
                let u = fill(p, rng, &syn.values);
                let cut: String = u.chars().take(u.chars().count() - 1).collect();
                (format!("{cut}네"), Some(i.clone()), MatchKind::Similar)
            }),
        ),
        (
            "no match (unrelated words)",
            Box::new(|rng: &mut Rng| {
                let u = (0..4)
                    .map(|_| syn.vocab[rng.below(syn.vocab.len())].clone() + "는")
                    .collect::<Vec<_>>()
                    .join(" ");
                (u, None, MatchKind::None)
            }),
        ),
    ];
    for (name, gen_) in &kinds {
        let mut times = Vec::with_capacity(queries);
        let mut ok = 0;
        for _ in 0..queries {
            let (u, intent, kind) = gen_(&mut rng);
            let t = Instant::now();
            let a = model.analyse(&u, &opts);
            let e = t.elapsed();
            times.push(e);
            all.push(e);
            if a.kind == kind && intent.as_ref().is_none_or(|i| *i == a.intent) {
                ok += 1;
            } else if std::env::var_os("MATCHER_DEBUG").is_some() {
                eprintln!(
                    "{u} → {:?} {} {:?} (expected {intent:?})",
                    a.kind,
                    a.intent,
                    a.closest.map(|c| (c.utterance, c.similarity))
                );
            }
        }
        stats(name, times, ok, &mut report);
    }
    let n = all.len();
    stats("all of the above", all, n, &mut report);
    print!("{report}");
}
