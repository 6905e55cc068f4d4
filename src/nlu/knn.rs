//! The near-match classifier: each compiled pattern (a sample with its slot values replaced by
//! their types) is a TF-IDF vector of character 1- to 4-grams; an utterance (its slot values
//! replaced the same way) goes to the pattern with the highest cosine similarity — a
//! nearest-neighbour classifier, trained when the model is compiled, that also names the sample
//! that decided. Deterministic: ties go to the pattern compiled first.
//!
//! Both vectors are normalised and their weights stored as fixed-point integers
//! ([`SCALE`]), so a similarity is an integer sum that does not depend on the order of its
//! terms: the pruned search below and the exhaustive one ([`Knn::best_exhaustive`]) give the
//! same pattern with the same similarity, bit for bit.
//!
//! Speed: the n-grams in many patterns (single syllables, `해줘`, `して`) have long postings and
//! weigh little. Those "common" n-grams are not read posting by posting: the rarer n-grams give
//! each pattern they share a partial score; a common n-gram can add at most its largest weight
//! in any pattern ([`Posting::max`]), so a pattern whose partial score plus that bound cannot
//! reach the best complete score found cannot win, and only the others are completed (from a
//! dense per-pattern column). When the bound alone could beat the best (an utterance made of
//! common n-grams only), every pattern is scored.

use std::cell::RefCell;

use super::Map;

/// Shortest and longest character n-gram (single characters matter in Korean and Japanese,
/// where one syllable or kanji is often a word).
const MIN_N: usize = 1;
const MAX_N: usize = 4;
/// Start and end of text in n-grams.
const START: char = '\u{2}';
const END: char = '\u{3}';
/// Fixed-point scale of a normalised weight (at most 1): 2^24, the precision of an `f32`.
const SCALE: f64 = (1u64 << 24) as f64;
/// An n-gram in more than this share of the patterns (1/16) is common (see the module
/// documentation), once the index has [`COMMON_FROM`] patterns.
const COMMON_SHARE: usize = 16;
const COMMON_FROM: usize = 256;

/// One n-gram of up to four characters, packed.
type Gram = u128;

struct Posting {
    idf: f32,
    /// Patterns with the n-gram (ascending), and its normalised weight in each.
    list: Vec<(u32, u32)>,
    /// The largest weight in `list`.
    max: u32,
    /// A common n-gram: its weight in every pattern (0 when absent).
    dense: Option<Box<[u32]>>,
}

/// Per-thread scratch of [`Knn::best`]: partial scores and the patterns they touch.
#[derive(Default)]
struct Scratch {
    dot: Vec<u64>,
    touched: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The index of the patterns' n-gram vectors.
pub(super) struct Knn {
    ids: Map<Gram, u32>,
    postings: Vec<Posting>,
    /// Number of patterns.
    n: usize,
    /// Weight of an n-gram no pattern has.
    unseen_idf: f32,
    /// The patterns of the second group (always scored in full; few: the built-in phrases).
    second: Vec<u32>,
    is_second: Vec<bool>,
}

/// Each n-gram of `text` (with start and end marks) and how often it occurs, in n-gram order.
fn grams(text: &[char]) -> Vec<(Gram, u32)> {
    let mut out: Vec<Gram> = Vec::with_capacity((text.len() + 2) * (MAX_N - MIN_N + 1));
    let at = |i: usize| -> char {
        if i == 0 {
            START
        } else if i == text.len() + 1 {
            END
        } else {
            text[i - 1]
        }
    };
    let padded = text.len() + 2;
    for n in MIN_N..=MAX_N {
        // single characters of the text only: every text has the start and end marks
        let (from, to) = if n == 1 {
            (1, padded - 1)
        } else {
            (0, (padded + 1).saturating_sub(n))
        };
        for s in from..to {
            let mut g: Gram = n as Gram;
            for i in s..s + n {
                g = (g << 21) | Gram::from(u32::from(at(i)));
            }
            out.push(g);
        }
    }
    out.sort_unstable();
    let mut counted: Vec<(Gram, u32)> = Vec::with_capacity(out.len());
    for g in out {
        match counted.last_mut() {
            Some((last, c)) if *last == g => *c += 1,
            _ => counted.push((g, 1)),
        }
    }
    counted
}

/// Sublinear term frequency.
fn tf(count: u32) -> f32 {
    1.0 + (count as f32).ln()
}

/// A normalised weight (0 to 1) in fixed point; never 0 for a weight above 0.
fn fixed(w: f32, norm: f32) -> u32 {
    ((f64::from(w) / f64::from(norm) * SCALE).round() as u32).max(1)
}

/// Keep `(score, id)` in `best` when it beats it: a higher score, or the same with a lower id.
fn offer(best: &mut Option<(u64, u32)>, score: u64, id: u32) {
    if score > 0 && best.is_none_or(|(bs, bid)| score > bs || (score == bs && id < bid)) {
        *best = Some((score, id));
    }
}

/// A query: each n-gram the index knows (posting, normalised weight).
struct Query {
    known: Vec<(u32, u64)>,
}

impl Knn {
    /// Index the patterns' texts (slot values as one placeholder character per type), each with
    /// its group: `true` for the second group of [`Knn::best`].
    pub(super) fn build<'t>(texts: impl ExactSizeIterator<Item = (&'t [char], bool)>) -> Knn {
        let n = texts.len();
        let mut ids: Map<Gram, u32> = Map::default();
        let mut raw: Vec<(f32, Vec<(u32, f32)>)> = Vec::new();
        let mut second = Vec::new();
        let mut is_second = Vec::with_capacity(n);
        for (id, (text, group)) in texts.enumerate() {
            if group {
                second.push(id as u32);
            }
            is_second.push(group);
            for (g, c) in grams(text) {
                let k = *ids.entry(g).or_insert_with(|| {
                    raw.push((0.0, Vec::new()));
                    (raw.len() - 1) as u32
                });
                raw[k as usize].1.push((id as u32, tf(c)));
            }
        }
        let idf = |df: usize| ((1 + n) as f32 / (1 + df) as f32).ln() + 1.0;
        let mut norms = vec![0.0f32; n];
        for (pidf, list) in &mut raw {
            *pidf = idf(list.len());
            for (id, w) in list.iter_mut() {
                *w *= *pidf;
                norms[*id as usize] += *w * *w;
            }
        }
        for x in &mut norms {
            *x = x.sqrt().max(f32::MIN_POSITIVE);
        }
        let common_df = if n >= COMMON_FROM {
            n / COMMON_SHARE
        } else {
            usize::MAX
        };
        let postings = raw
            .into_iter()
            .map(|(idf, list)| {
                let list: Vec<(u32, u32)> = list
                    .into_iter()
                    .map(|(id, w)| (id, fixed(w, norms[id as usize])))
                    .collect();
                let max = list.iter().map(|(_, w)| *w).max().unwrap_or(0);
                let dense = (list.len() > common_df).then(|| {
                    let mut d = vec![0u32; n];
                    for (id, w) in &list {
                        d[*id as usize] = *w;
                    }
                    d.into_boxed_slice()
                });
                Posting {
                    idf,
                    list,
                    max,
                    dense,
                }
            })
            .collect();
        Knn {
            ids,
            postings,
            n,
            unseen_idf: idf(0),
            second,
            is_second,
        }
    }

    fn query(&self, text: &[char]) -> Query {
        let mut known: Vec<(u32, f32)> = Vec::new();
        let mut norm = 0.0f32;
        for (g, c) in grams(text) {
            match self.ids.get(&g) {
                Some(k) => {
                    let w = tf(c) * self.postings[*k as usize].idf;
                    norm += w * w;
                    known.push((*k, w));
                }
                None => {
                    let w = tf(c) * self.unseen_idf;
                    norm += w * w;
                }
            }
        }
        let norm = norm.sqrt().max(f32::MIN_POSITIVE);
        Query {
            known: known
                .into_iter()
                .map(|(k, w)| (k, u64::from(fixed(w, norm))))
                .collect(),
        }
    }

    /// Cosine similarity of a fixed-point dot product.
    fn similarity(dot: u64) -> f32 {
        ((dot as f64 / (SCALE * SCALE)) as f32).min(1.0)
    }

    /// The patterns most similar to `text`, with their cosine similarity (0 to 1; patterns
    /// sharing no n-gram are not counted): the best of the first group and the best of the
    /// second. Ties go to the lowest id. The same answer as [`Knn::best_exhaustive`], faster.
    pub(super) fn best(&self, text: &[char]) -> [Option<(f32, u32)>; 2] {
        let q = self.query(text);
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let s = &mut *s;
            if s.dot.len() < self.n {
                s.dot.resize(self.n, 0);
            }
            let mut common: Vec<(&[u32], u64)> = Vec::new();
            let mut bound = 0u64;
            for (k, w) in &q.known {
                let p = &self.postings[*k as usize];
                if let Some(d) = &p.dense {
                    common.push((d, *w));
                    bound += w * u64::from(p.max);
                    continue;
                }
                for (id, pw) in &p.list {
                    let d = &mut s.dot[*id as usize];
                    if *d == 0 {
                        s.touched.push(*id);
                    }
                    *d += w * u64::from(*pw);
                }
            }
            let dot = &s.dot;
            let full = |id: u32| -> u64 {
                let i = id as usize;
                common
                    .iter()
                    .fold(dot[i], |acc, (d, w)| acc + w * u64::from(d[i]))
            };
            let mut out: [Option<(u64, u32)>; 2] = [None, None];
            for id in &self.second {
                offer(&mut out[1], full(*id), *id);
            }
            // the first group: the best partial score completed gives a floor …
            let top = s
                .touched
                .iter()
                .filter(|id| !self.is_second[**id as usize])
                .max_by(|a, b| dot[**a as usize].cmp(&dot[**b as usize]).then(b.cmp(a)));
            if let Some(id) = top {
                offer(&mut out[0], full(*id), *id);
            }
            // … every pattern that could still reach it is completed
            let floor = out[0].map_or(0, |(s, _)| s);
            for id in &s.touched {
                if !self.is_second[*id as usize] && dot[*id as usize] + bound >= floor {
                    offer(&mut out[0], full(*id), *id);
                }
            }
            // a pattern no rare n-gram touched scores at most `bound`
            if bound > 0 && bound >= out[0].map_or(0, |(s, _)| s) {
                for id in 0..self.n as u32 {
                    if !self.is_second[id as usize] && dot[id as usize] == 0 {
                        offer(&mut out[0], full(id), id);
                    }
                }
            }
            for id in s.touched.drain(..) {
                s.dot[id as usize] = 0;
            }
            out.map(|o| o.map(|(score, id)| (Knn::similarity(score), id)))
        })
    }

    /// [`Knn::best`] by reading every posting of every n-gram (the reference the pruned search
    /// is tested against).
    #[cfg(test)]
    fn best_exhaustive(&self, text: &[char]) -> [Option<(f32, u32)>; 2] {
        let q = self.query(text);
        let mut dot = vec![0u64; self.n];
        for (k, w) in &q.known {
            for (id, pw) in &self.postings[*k as usize].list {
                dot[*id as usize] += w * u64::from(*pw);
            }
        }
        let mut out: [Option<(u64, u32)>; 2] = [None, None];
        for (id, score) in dot.iter().enumerate() {
            let o = &mut out[usize::from(self.is_second[id])];
            if *score > 0 && o.is_none_or(|(bs, _)| *score > bs) {
                *o = Some((*score, id as u32));
            }
        }
        out.map(|o| o.map(|(score, id)| (Knn::similarity(score), id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn nearest_pattern_by_shared_ngrams() {
        let texts = [
            chars("피자주문해줘"),
            chars("날씨알려줘"),
            chars("음악틀어줘"),
        ];
        let knn = Knn::build(texts.iter().map(|t| (t.as_slice(), false)));
        let (sim, id) = knn.best(&chars("피자주문할래"))[0].unwrap();
        assert_eq!(id, 0);
        assert!(sim > 0.3 && sim < 1.0, "{sim}");
        let (sim, id) = knn.best(&chars("날씨알려줘"))[0].unwrap();
        assert_eq!((id, (sim * 1000.0).round()), (1, 1000.0));
        assert_eq!(knn.best(&chars("ㅋㅋ")), [None, None]);
        // the best of each group
        let knn = Knn::build(
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| (t.as_slice(), i != 1)),
        );
        let [a, b] = knn.best(&chars("날씨알려줘"));
        assert_eq!(a.unwrap().1, 1);
        assert_ne!(b.unwrap().1, 1);
    }

    /// The pruned search gives exactly the answers of the exhaustive one on a large index with
    /// common n-grams: near variants, unrelated texts, texts of common n-grams only, and the
    /// built-in group.
    #[test]
    fn pruned_search_is_exhaustive_search() {
        const SYL: &[char] = &[
            '가', '나', '다', '라', '마', '바', '사', '아', '자', '차', '카', '타',
        ];
        const ENDINGS: &[&str] = &["주문해줘", "알려줘", "틀어줘", "해줘", "보여줘"];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |m: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % m as u64) as usize
        };
        let mut texts: Vec<Vec<char>> = Vec::new();
        for i in 0..3000 {
            let mut t: Vec<char> = (0..6 + next(5)).map(|_| SYL[next(SYL.len())]).collect();
            t.extend(ENDINGS[i % ENDINGS.len()].chars());
            texts.push(t);
        }
        for p in ["도움말", "취소", "다음", "그만", "해줘"] {
            texts.push(chars(p));
        }
        let knn = Knn::build(
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| (t.as_slice(), i >= 3000)),
        );
        assert!(knn.postings.iter().any(|p| p.dense.is_some()));
        let mut queries: Vec<Vec<char>> = Vec::new();
        for i in (0..3000).step_by(5) {
            let mut q = texts[i][..texts[i].len() - 2].to_vec();
            q.extend("할래".chars());
            queries.push(q);
            queries.push(texts[i].clone());
        }
        for _ in 0..500 {
            queries.push((0..1 + next(12)).map(|_| SYL[next(SYL.len())]).collect());
        }
        for q in [
            "해줘",
            "도움말",
            "다음 거",
            "가",
            "",
            "ㅋㅋ",
            "가나다라마바사해줘",
        ] {
            queries.push(chars(q));
        }
        for q in &queries {
            assert_eq!(knn.best(q), knn.best_exhaustive(q), "{q:?}");
        }
        // and the nearest pattern by floating-point cosine similarity computed the plain way
        // (the scoring before fixed point), up to float rounding
        let reference = floating_reference(&texts, 3000);
        for q in queries.iter().step_by(7) {
            let [got, _] = knn.best(q);
            let sims = reference(q);
            let want = sims.iter().enumerate().filter(|(_, s)| **s > 0.0).fold(
                None,
                |b: Option<(f32, usize)>, (i, s)| {
                    if b.is_none_or(|(bs, _)| *s > bs) {
                        Some((*s, i))
                    } else {
                        b
                    }
                },
            );
            match (got, want) {
                (Some((s, i)), Some((t, _))) => {
                    assert!((s - t).abs() < 1e-5, "{q:?}: {s} vs {t}");
                    // another pattern than the plain way's only on a tie within rounding
                    assert!(sims[i as usize] > t - 1e-5, "{q:?}: {i}");
                }
                (a, b) => assert_eq!(a.is_some(), b.is_some(), "{q:?}"),
            }
        }
    }

    /// Cosine similarity of TF-IDF vectors in `f32`, pattern by pattern: of each of the first
    /// `first` patterns with a query.
    fn floating_reference(texts: &[Vec<char>], first: usize) -> impl Fn(&[char]) -> Vec<f32> {
        let n = texts.len();
        let mut df: Map<Gram, usize> = Map::default();
        let vecs: Vec<Vec<(Gram, u32)>> = texts.iter().map(|t| grams(t)).collect();
        for v in &vecs {
            for (g, _) in v {
                *df.entry(*g).or_insert(0) += 1;
            }
        }
        let idf = move |g: &Gram| {
            ((1 + n) as f32 / (1 + df.get(g).copied().unwrap_or(0)) as f32).ln() + 1.0
        };
        let pats: Vec<(Map<Gram, f32>, f32)> = vecs
            .iter()
            .take(first)
            .map(|v| {
                let pv: Map<Gram, f32> = v.iter().map(|(g, c)| (*g, tf(*c) * idf(g))).collect();
                let pn = pv.values().map(|w| w * w).sum::<f32>().sqrt();
                (pv, pn)
            })
            .collect();
        move |q: &[char]| {
            let qv: Vec<(Gram, f32)> = grams(q)
                .into_iter()
                .map(|(g, c)| (g, tf(c) * idf(&g)))
                .collect();
            let qn = qv.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            let mut sims = Vec::new();
            for (pv, pn) in &pats {
                let dot: f32 = qv
                    .iter()
                    .filter_map(|(g, w)| pv.get(g).map(|x| x * w))
                    .sum();
                sims.push((dot / (qn * pn)).min(1.0));
            }
            sims
        }
    }
}
