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

struct Posting {
    idf: f32,
    /// Patterns with the n-gram, and its weight in each (tf × idf).
    list: Vec<(u32, f32)>,
}

/// The index of the patterns' n-gram vectors.
pub(super) struct Knn {
    postings: Map<Gram, Posting>,
    /// Euclidean norm of each pattern's vector.
    norms: Vec<f32>,
    /// Weight of an n-gram no pattern has.
    unseen_idf: f32,
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
    /// Index the patterns' texts (slot values as one placeholder character per type).
    pub(super) fn build<'t>(texts: impl ExactSizeIterator<Item = &'t [char]>) -> Knn {
        let n = texts.len();
        let mut postings: Map<Gram, Posting> = Map::default();
        for (id, text) in texts.enumerate() {
            for (g, c) in grams(text) {
                postings
                    .entry(g)
                    .or_insert_with(|| Posting {
                        idf: 0.0,
                        list: Vec::new(),
                    })
                    .list
                    .push((id as u32, tf(c)));
            }
        }
        let idf = |df: usize| ((1 + n) as f32 / (1 + df) as f32).ln() + 1.0;
        let mut norms = vec![0.0f32; n];
        for p in postings.values_mut() {
            p.idf = idf(p.list.len());
            for (id, w) in &mut p.list {
                *w *= p.idf;
                norms[*id as usize] += *w * *w;
            }
        }
        for x in &mut norms {
            *x = x.sqrt().max(f32::MIN_POSITIVE);
        }
        Knn {
            postings,
            norms,
            unseen_idf: idf(0),
        }
    }

    /// The patterns most similar to `text`, with their cosine similarity (0 to 1): the best of
    /// the patterns `second` says no to, and the best of those it says yes to. Ties go to the
    /// lowest id.
    pub(super) fn best(
        &self,
        text: &[char],
        second: impl Fn(u32) -> bool,
    ) -> [Option<(f32, u32)>; 2] {
        // dense accumulators: a posting visit is an add, not a hash lookup
        let mut dot: Vec<f32> = vec![0.0; self.norms.len()];
        let mut touched: Vec<u32> = Vec::new();
        let mut norm = 0.0f32;
        for (g, c) in grams(text) {
            match self.postings.get(&g) {
                Some(p) => {
                    let w = tf(c) * p.idf;
                    norm += w * w;
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
        let mut out: [Option<(f32, u32)>; 2] = [None, None];
        for id in touched {
            let sim = (dot[id as usize] / (norm * self.norms[id as usize])).min(1.0);
            let slot = &mut out[usize::from(second(id))];
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
        let knn = Knn::build(texts.iter().map(Vec::as_slice));
        let (sim, id) = knn.best(&chars("피자주문할래"), |_| false)[0].unwrap();
        assert_eq!(id, 0);
        assert!(sim > 0.3 && sim < 1.0, "{sim}");
        let (sim, id) = knn.best(&chars("날씨알려줘"), |_| false)[0].unwrap();
        assert_eq!((id, (sim * 1000.0).round()), (1, 1000.0));
        assert_eq!(knn.best(&chars("ㅋㅋ"), |_| false), [None, None]);
        // the best of each group
        let [a, b] = knn.best(&chars("날씨알려줘"), |i| i != 1);
        assert_eq!(a.unwrap().1, 1);
        assert_ne!(b.unwrap().1, 1);
    }
}
