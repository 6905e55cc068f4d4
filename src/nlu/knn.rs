//! The near-match classifier: each compiled pattern (a sample with its slot values replaced by
//! their types) is a TF-IDF vector of character 1- to 4-grams; an utterance (its slot values
//! replaced the same way) goes to the pattern with the highest cosine similarity — a
//! nearest-neighbour classifier, trained when the model is compiled, that also names the sample
//! that decided. Deterministic: ties go to the pattern compiled first.

use super::Map;

/// Shortest and longest character n-gram (single characters matter in Korean and Japanese,
/// where one syllable or kanji is often a word).
const MIN_N: usize = 1;
const MAX_N: usize = 4;
/// Start and end of text in n-grams.
const START: char = '\u{2}';
const END: char = '\u{3}';

/// One n-gram of up to four characters, packed.
type Gram = u128;

/// Below this many patterns every posting is visited (the index is small, and the similarity is
/// exact); from it on, n-grams in at least [`COMMON_SHARE`]-th of the patterns are "common".
const PRUNE_FROM: usize = 2048;
const COMMON_SHARE: usize = 8;
/// At most this many candidates (by their similarity over the rarer n-grams) are scored in full
/// once common n-grams are set apart.
const CANDIDATES: usize = 256;

struct Posting {
    idf: f32,
    /// Patterns with the n-gram, and its weight in each (tf × idf).
    list: Vec<(u32, f32)>,
    /// For a common n-gram of a large index: its weight in every pattern (0 when absent), read
    /// for the candidates only.
    dense: Option<Box<[f32]>>,
}

/// The index of the patterns' n-gram vectors.
pub(super) struct Knn {
    postings: Map<Gram, Posting>,
    /// Euclidean norm of each pattern's vector.
    norms: Vec<f32>,
    /// Weight of an n-gram no pattern has.
    unseen_idf: f32,
    /// The patterns of the second group (always scored in full; few: the built-in phrases).
    second: Vec<u32>,
    is_second: Vec<bool>,
}

/// Each n-gram of `text` (with start and end marks) and how often it occurs.
fn grams(text: &[char]) -> Vec<(Gram, u32)> {
    let mut padded = Vec::with_capacity(text.len() + 2);
    padded.push(START);
    padded.extend_from_slice(text);
    padded.push(END);
    let mut out: Vec<Gram> = Vec::with_capacity(padded.len() * (MAX_N - MIN_N + 1));
    for n in MIN_N..=MAX_N {
        // single characters of the text only: every text has the start and end marks
        let windows = if n == 1 {
            padded[1..padded.len() - 1].windows(1)
        } else {
            padded.windows(n)
        };
        for w in windows {
            let mut g: Gram = n as Gram;
            for c in w {
                g = (g << 21) | Gram::from(u32::from(*c));
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

impl Knn {
    /// Index the patterns' texts (slot values as one placeholder character per type), each with
    /// its group: `true` for the second group of [`Knn::best`].
    pub(super) fn build<'t>(texts: impl ExactSizeIterator<Item = (&'t [char], bool)>) -> Knn {
        Knn::build_pruned_from(texts, PRUNE_FROM)
    }

    fn build_pruned_from<'t>(
        texts: impl ExactSizeIterator<Item = (&'t [char], bool)>,
        prune_from: usize,
    ) -> Knn {
        let n = texts.len();
        let mut postings: Map<Gram, Posting> = Map::default();
        let mut second = Vec::new();
        let mut is_second = Vec::with_capacity(n);
        for (id, (text, group)) in texts.enumerate() {
            if group {
                second.push(id as u32);
            }
            is_second.push(group);
            for (g, c) in grams(text) {
                postings
                    .entry(g)
                    .or_insert_with(|| Posting {
                        idf: 0.0,
                        list: Vec::new(),
                        dense: None,
                    })
                    .list
                    .push((id as u32, tf(c)));
            }
        }
        let idf = |df: usize| ((1 + n) as f32 / (1 + df) as f32).ln() + 1.0;
        let common_df = if n >= prune_from {
            n / COMMON_SHARE
        } else {
            usize::MAX
        };
        let mut norms = vec![0.0f32; n];
        for p in postings.values_mut() {
            p.idf = idf(p.list.len());
            for (id, w) in &mut p.list {
                *w *= p.idf;
                norms[*id as usize] += *w * *w;
            }
            if p.list.len() >= common_df {
                let mut dense = vec![0.0f32; n];
                for (id, w) in &p.list {
                    dense[*id as usize] = *w;
                }
                p.dense = Some(dense.into_boxed_slice());
                p.list = Vec::new();
            }
        }
        for x in &mut norms {
            *x = x.sqrt().max(f32::MIN_POSITIVE);
        }
        Knn {
            postings,
            norms,
            unseen_idf: idf(0),
            second,
            is_second,
        }
    }

    /// The patterns most similar to `text`, with their cosine similarity (0 to 1): the best of
    /// the first group and the best of the second. Ties go to the lowest id.
    ///
    /// In a large index ([`PRUNE_FROM`] patterns) the postings of common n-grams (in an eighth
    /// of the patterns or more: single syllables, `해줘`, `して`) are long and weigh little
    /// (low idf). They are then read only for the candidates: the [`CANDIDATES`] patterns most
    /// similar over the rarer n-grams, and every pattern of the second group; a text made only
    /// of common n-grams is scored against every pattern.
    pub(super) fn best(&self, text: &[char]) -> [Option<(f32, u32)>; 2] {
        let n = self.norms.len();
        // dense accumulators: a posting visit is an add, not a hash lookup
        let mut dot: Vec<f32> = vec![0.0; n];
        let mut touched: Vec<u32> = Vec::new();
        let mut common: Vec<(&[f32], f32)> = Vec::new();
        let mut norm = 0.0f32;
        for (g, c) in grams(text) {
            match self.postings.get(&g) {
                Some(p) => {
                    let w = tf(c) * p.idf;
                    norm += w * w;
                    if let Some(dense) = &p.dense {
                        common.push((dense, w));
                        continue;
                    }
                    for (id, pw) in &p.list {
                        let d = &mut dot[*id as usize];
                        if *d == 0.0 {
                            touched.push(*id);
                        }
                        *d += w * pw;
                    }
                }
                None => {
                    let w = tf(c) * self.unseen_idf;
                    norm += w * w;
                }
            }
        }
        let norm = norm.sqrt().max(f32::MIN_POSITIVE);
        let candidates = if common.is_empty() {
            touched
        } else {
            let mut cands: Vec<u32> = if touched.is_empty() {
                (0..n as u32).collect()
            } else {
                if touched.len() > CANDIDATES {
                    let score = |id: u32| dot[id as usize] / self.norms[id as usize];
                    touched.select_nth_unstable_by(CANDIDATES - 1, |a, b| {
                        score(*b).total_cmp(&score(*a)).then(a.cmp(b))
                    });
                    touched.truncate(CANDIDATES);
                }
                let mut seen = vec![false; n];
                for id in &touched {
                    seen[*id as usize] = true;
                }
                touched.extend(self.second.iter().filter(|id| !seen[**id as usize]));
                touched
            };
            cands.retain(|id| {
                let i = *id as usize;
                let d = &mut dot[i];
                for (dense, w) in &common {
                    *d += w * dense[i];
                }
                *d != 0.0
            });
            cands
        };
        let mut out: [Option<(f32, u32)>; 2] = [None, None];
        for id in candidates {
            let sim = (dot[id as usize] / (norm * self.norms[id as usize])).min(1.0);
            let slot = &mut out[usize::from(self.is_second[id as usize])];
            if slot.is_none_or(|(bs, bid)| sim > bs || (sim == bs && id < bid)) {
                *slot = Some((sim, id));
            }
        }
        out
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

    /// A large index with common n-grams set apart finds the same nearest pattern as the exact
    /// one for near variants of its patterns, and the same best of the second group.
    #[test]
    fn pruned_index_agrees_with_the_exact_one() {
        const SYL: &[char] = &[
            '가', '나', '다', '라', '마', '바', '사', '아', '자', '차', '카', '타',
        ];
        const ENDINGS: &[&str] = &["주문해줘", "알려줘", "틀어줘", "해줘", "보여줘"];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |m: usize| {
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
        for p in ["도움말", "취소", "다음", "그만"] {
            texts.push(chars(p));
        }
        let group = |i: usize| i >= 3000;
        let exact = Knn::build_pruned_from(
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| (t.as_slice(), group(i))),
            usize::MAX,
        );
        let pruned = Knn::build(
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| (t.as_slice(), group(i))),
        );
        assert!(pruned.postings.values().any(|p| p.dense.is_some()));
        let mut same = 0;
        for i in (0..3000).step_by(7) {
            // a near variant: the ending changed
            let mut q = texts[i][..texts[i].len() - 2].to_vec();
            q.extend("할래".chars());
            let [a, b] = exact.best(&q);
            let [pa, pb] = pruned.best(&q);
            same += usize::from(a.map(|x| x.1) == pa.map(|x| x.1));
            if let (Some((s, _)), Some((ps, _))) = (a, pa) {
                assert!(ps <= s + 1e-5, "{ps} > {s}");
            }
            assert!(close(b, pb), "{i}: {b:?} {pb:?}");
        }
        assert_eq!(same, (0..3000).step_by(7).count());
        // a text of common n-grams only is scored against every pattern
        for q in ["해줘", "도움말", "다음 거"] {
            let ([a, b], [pa, pb]) = (exact.best(&chars(q)), pruned.best(&chars(q)));
            assert!(
                close(a, pa) && close(b, pb),
                "{q}: {a:?} {pa:?} {b:?} {pb:?}"
            );
        }
    }

    /// The same pattern with the same similarity, up to the order of float additions.
    fn close(a: Option<(f32, u32)>, b: Option<(f32, u32)>) -> bool {
        match (a, b) {
            (Some((s, i)), Some((t, j))) => i == j && (s - t).abs() < 1e-5,
            (a, b) => a == b,
        }
    }
}
