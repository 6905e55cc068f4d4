//! K-fold cross-validation of an interaction model, like `rasa test nlu`: the sample utterances
//! are split into folds (each intent's samples dealt in turn); each fold's samples are removed,
//! the model is compiled from the others and the removed utterances are analysed. Reports the
//! accuracy (intent, and intent with every slot value), per-intent precision / recall / F1, the
//! confusion matrix and the confused pairs with examples.

use std::fmt::Write as _;

use serde::Serialize;

use super::Model;
use super::Options;
use crate::model::Extension;
use crate::utterance;

/// One held-out sample utterance and what the model without it made of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Case {
    /// The intent file's intent.
    pub intent: String,
    /// The sample as said (slot tags removed).
    pub utterance: String,
    /// The intent file.
    pub file: String,
    pub fold: usize,
    pub predicted: String,
    pub confidence: f32,
    /// Slot name and value the full model gives for the sample (what a right answer carries).
    pub expected_slots: Vec<(String, String)>,
    /// Slot name and value given without the sample.
    pub slots: Vec<(String, String)>,
}

impl Case {
    pub fn intent_ok(&self) -> bool {
        self.predicted == self.intent
    }
    /// The right intent with the same slot values.
    pub fn slots_ok(&self) -> bool {
        self.intent_ok() && self.slots == self.expected_slots
    }
}

/// Precision, recall and F1 of one intent (label).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IntentScore {
    pub intent: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Held-out samples of the intent.
    pub support: usize,
}

/// Utterances of one intent analysed as another.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Confusion {
    pub intent: String,
    pub predicted: String,
    pub count: usize,
    /// Up to three of the utterances.
    pub examples: Vec<String>,
}

/// The result of a cross-validation of one extension.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CrossValidation {
    pub extension: String,
    pub folds: usize,
    /// Share of held-out samples analysed as their intent (0 to 1).
    pub intent_accuracy: f64,
    /// Share analysed as their intent with the same slot values.
    pub intent_slot_accuracy: f64,
    pub intents: Vec<IntentScore>,
    /// Row and column labels of `matrix`: the intents, then the other intents predicted (the
    /// fallback intent, built-in intents).
    pub labels: Vec<String>,
    /// `matrix[expected][predicted]`: number of held-out samples.
    pub matrix: Vec<Vec<usize>>,
    /// Confused pairs, most frequent first.
    pub confused: Vec<Confusion>,
    pub cases: Vec<Case>,
}

impl CrossValidation {
    pub fn failures(&self) -> impl Iterator<Item = &Case> {
        self.cases.iter().filter(|c| !c.intent_ok())
    }
}

fn plain(sample: &str) -> Option<String> {
    let segs = utterance::parse(sample).ok()?;
    let mut out = String::new();
    for s in segs {
        match s {
            utterance::Segment::Text(t) => out.push_str(t),
            utterance::Segment::Slot { value, .. } => out.push_str(value),
        }
    }
    Some(out)
}

fn slot_pairs(a: &super::Analysis) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = a
        .slots
        .iter()
        .map(|s| (s.name.clone(), s.value.clone()))
        .collect();
    v.sort();
    v
}

/// Fold `fold` of `folds`: the extension without the fold's samples, and those samples (intent
/// index, sample as written). The k-th sample of the extension is in fold k mod `folds`.
pub fn split(ext: &Extension, folds: usize, fold: usize) -> (Extension, Vec<(usize, String)>) {
    let mut train = ext.clone();
    let mut held: Vec<(usize, String)> = Vec::new();
    let mut k = 0usize;
    for (i, intent) in train.intents.iter_mut().enumerate() {
        intent.def.utterances.value.retain(|u| {
            let out = k % folds == fold;
            k += 1;
            if out {
                held.push((i, u.value.to_string()));
            }
            !out
        });
    }
    (train, held)
}

/// Cross-validate `ext` with `folds` folds (at least 2).
pub fn cross_validate(ext: &Extension, folds: usize, opts: &Options) -> CrossValidation {
    let samples: usize = ext
        .intents
        .iter()
        .map(|i| i.def.utterances.value.len())
        .sum();
    // the samples are dealt into the folds in turn (the k-th sample of the extension into fold
    // k mod folds): every intent's samples spread over the folds; no more folds than samples
    let folds = folds.clamp(2, samples.max(2));
    let full = Model::compile(ext);
    let mut cases = Vec::new();
    for fold in 0..folds {
        let (train, held) = split(ext, folds, fold);
        if held.is_empty() {
            continue;
        }
        let model = Model::compile(&train);
        for (i, sample) in held {
            let Some(said) = plain(&sample) else { continue };
            let intent = &ext.intents[i];
            let expected = full.analyse(&said, opts);
            let got = model.analyse(&said, opts);
            cases.push(Case {
                intent: intent.name.clone(),
                utterance: said,
                file: intent.file.clone(),
                fold,
                predicted: got.intent.clone(),
                confidence: got.confidence,
                expected_slots: if expected.intent == intent.name {
                    slot_pairs(&expected)
                } else {
                    Vec::new()
                },
                slots: slot_pairs(&got),
            });
        }
    }
    report(
        &ext.id,
        folds,
        ext.intents.iter().map(|i| i.name.as_str()),
        cases,
    )
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn report<'a>(
    extension: &str,
    folds: usize,
    intents: impl Iterator<Item = &'a str>,
    cases: Vec<Case>,
) -> CrossValidation {
    let mut labels: Vec<String> = intents.map(str::to_string).collect();
    for c in &cases {
        if !labels.contains(&c.predicted) {
            labels.push(c.predicted.clone());
        }
    }
    let at = |l: &str| labels.iter().position(|x| x == l).unwrap_or(0);
    let mut matrix = vec![vec![0usize; labels.len()]; labels.len()];
    for c in &cases {
        matrix[at(&c.intent)][at(&c.predicted)] += 1;
    }
    let n = labels.len();
    let intents = (0..n)
        .filter(|i| (0..n).any(|j| matrix[*i][j] + matrix[j][*i] > 0))
        .map(|i| {
            let tp = matrix[i][i];
            let support: usize = matrix[i].iter().sum();
            let predicted: usize = (0..n).map(|j| matrix[j][i]).sum();
            let precision = ratio(tp, predicted);
            let recall = ratio(tp, support);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            IntentScore {
                intent: labels[i].clone(),
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect();
    let mut confused: Vec<Confusion> = Vec::new();
    for c in cases.iter().filter(|c| !c.intent_ok()) {
        match confused
            .iter_mut()
            .find(|x| x.intent == c.intent && x.predicted == c.predicted)
        {
            Some(x) => {
                x.count += 1;
                if x.examples.len() < 3 {
                    x.examples.push(c.utterance.clone());
                }
            }
            None => confused.push(Confusion {
                intent: c.intent.clone(),
                predicted: c.predicted.clone(),
                count: 1,
                examples: vec![c.utterance.clone()],
            }),
        }
    }
    confused.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.intent.cmp(&b.intent)));
    CrossValidation {
        extension: extension.to_string(),
        folds,
        intent_accuracy: ratio(cases.iter().filter(|c| c.intent_ok()).count(), cases.len()),
        intent_slot_accuracy: ratio(cases.iter().filter(|c| c.slots_ok()).count(), cases.len()),
        intents,
        labels,
        matrix,
        confused,
        cases,
    }
}

/// Escape text for XML attributes and content (the SVG picture here, JUnit reports): the five
/// special characters as entities, a newline as `&#10;`, tabs and carriage returns as spaces,
/// other control characters XML cannot hold dropped.
pub fn xml_escape(s: &str) -> String {
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

/// The confusion matrix as an SVG picture: a row per expected intent, a column per predicted
/// intent, each cell shaded by the share of the row's samples (blue on the diagonal, red off
/// it) and labelled with its count.
pub fn svg(cv: &CrossValidation) -> String {
    const CELL: usize = 36;
    let n = cv.labels.len();
    let label_w = 12
        + 8 * cv
            .labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0);
    let (x0, y0) = (label_w, label_w + 40);
    let (w, h) = (x0 + n * CELL + 20, y0 + n * CELL + 40);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r#"<title>{} — {}-fold cross-validation: intent accuracy {:.1} %</title>"#,
        xml_escape(&cv.extension),
        cv.folds,
        cv.intent_accuracy * 100.0
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="8" y="20" font-size="14">{} — intent accuracy {:.1} % ({} folds). Rows: expected; columns: predicted.</text>"#,
        xml_escape(&cv.extension),
        cv.intent_accuracy * 100.0,
        cv.folds
    );
    for (i, l) in cv.labels.iter().enumerate() {
        let y = y0 + i * CELL + CELL / 2 + 4;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{y}" text-anchor="end">{}</text>"#,
            x0 - 6,
            xml_escape(l)
        );
        let x = x0 + i * CELL + CELL / 2 + 4;
        let _ = writeln!(
            s,
            r#"<text x="{x}" y="{}" text-anchor="start" transform="rotate(-90 {x} {})">{}</text>"#,
            y0 - 6,
            y0 - 6,
            xml_escape(l)
        );
    }
    for (i, row) in cv.matrix.iter().enumerate() {
        let total: usize = row.iter().sum();
        for (j, count) in row.iter().enumerate() {
            let share = ratio(*count, total);
            let (r, g, b) = if i == j { (33, 102, 172) } else { (202, 0, 32) };
            let (x, y) = (x0 + j * CELL, y0 + i * CELL);
            let _ = writeln!(
                s,
                r##"<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="rgb({r},{g},{b})" fill-opacity="{share:.2}" stroke="#ccc"><title>{} → {}: {count}</title></rect>"##,
                xml_escape(&cv.labels[i]),
                xml_escape(&cv.labels[j]),
            );
            if *count > 0 {
                let fill = if share > 0.5 { "white" } else { "black" };
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{}" text-anchor="middle" fill="{fill}">{count}</text>"#,
                    x + CELL / 2,
                    y + CELL / 2 + 4
                );
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(intent: &str, predicted: &str, u: &str) -> Case {
        Case {
            intent: intent.into(),
            utterance: u.into(),
            file: format!("{intent}.toml"),
            fold: 0,
            predicted: predicted.into(),
            confidence: 1.0,
            expected_slots: Vec::new(),
            slots: Vec::new(),
        }
    }

    #[test]
    fn scores_matrix_and_confused_pairs() {
        let cv = report(
            "com.example.t",
            2,
            ["A", "B"].into_iter(),
            vec![
                case("A", "A", "a1"),
                case("A", "B", "a2"),
                case("B", "B", "b1"),
                case("B", "Clova.GuideIntent", "b2"),
            ],
        );
        assert_eq!(cv.labels, ["A", "B", "Clova.GuideIntent"]);
        assert_eq!(cv.matrix, vec![vec![1, 1, 0], vec![0, 1, 1], vec![0, 0, 0]]);
        assert_eq!(cv.intent_accuracy, 0.5);
        let b = &cv.intents[1];
        assert_eq!((b.precision, b.recall, b.support), (0.5, 0.5, 2));
        let guide = &cv.intents[2];
        assert_eq!(
            (guide.precision, guide.recall, guide.support),
            (0.0, 0.0, 0)
        );
        assert_eq!(cv.confused.len(), 2);
        assert_eq!(cv.confused[0].examples, ["a2"]);
        let pic = svg(&cv);
        assert!(pic.starts_with("<svg") && pic.ends_with("</svg>\n"));
        assert_eq!(pic.matches("<rect x=").count(), 9);
    }
}
