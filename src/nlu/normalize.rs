//! Text folding for matching Korean and Japanese utterances.
//!
//! Two spellings of the same utterance fold to the same string:
//! - full-width ASCII → half-width, half-width katakana → full-width (voiced marks composed),
//!   katakana → hiragana, decomposed Hangul jamo → syllables, lower case;
//! - every space removed (Korean spacing is inconsistent; Japanese has none);
//! - punctuation removed (`、。！？「」…~,.` …), except a `.` between digits and a `-` before one;
//! - long-vowel marks (`ー`, `ｰ`, `〜`, `～`, `~`, `-`, `—` … after kana) become one `ー`, and a
//!   run of them counts once.

/// A folded text, with the source byte range of each folded character.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Folded {
    pub text: String,
    /// For each char of `text`: (byte offset in `text`, source start, source end).
    chars: Vec<(usize, usize, usize)>,
}

impl Folded {
    /// The byte range in the source text of the folded byte range `range` (from the start of
    /// its first character to the end of its last).
    pub fn source_range(&self, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
        let first = self.chars.partition_point(|(f, _, _)| *f < range.start);
        let last = self.chars.partition_point(|(f, _, _)| *f < range.end);
        match (
            self.chars.get(first),
            last.checked_sub(1).and_then(|l| self.chars.get(l)),
        ) {
            (Some(a), Some(b)) if first < last => a.1..b.2,
            _ => 0..0,
        }
    }

    /// Folded byte offsets where a spoken word starts (after a space in `source`), with 0.
    pub fn word_starts(&self, source: &str) -> Vec<usize> {
        let mut out = vec![0];
        for w in self.chars.windows(2) {
            let gap = source.get(w[0].2..w[1].1).unwrap_or_default();
            if gap.chars().any(char::is_whitespace) {
                out.push(w[1].0);
            }
        }
        out
    }

    /// The source text dropped between the folded character ending at byte `folded` and the
    /// next one (spaces, punctuation), as a source byte range; `None` at the end of the text.
    pub fn gap_after(&self, folded: usize) -> Option<std::ops::Range<usize>> {
        let idx = self.chars.partition_point(|(f, _, _)| *f < folded);
        let prev = idx.checked_sub(1).and_then(|i| self.chars.get(i))?;
        let next = self.chars.get(idx)?;
        Some(prev.2..next.1)
    }
}

const HALF_KATAKANA: &str = "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン゛゜";

fn half_katakana(c: char) -> Option<char> {
    let i = (c as u32).checked_sub(0xFF61)? as usize;
    HALF_KATAKANA.chars().nth(i)
}

/// Add a voiced (`dakuten`) or semi-voiced (`handakuten`) mark to a kana.
fn voice(prev: char, semi: bool) -> Option<char> {
    let p = prev as u32;
    // Work on hiragana; katakana is 0x60 above.
    let (h, kata) = if (0x30A1..=0x30F6).contains(&p) {
        (p - 0x60, true)
    } else {
        (p, false)
    };
    let back = |h: u32| char::from_u32(if kata { h + 0x60 } else { h });
    if !semi {
        if (0x304B..=0x3062).contains(&h) && (h - 0x304B).is_multiple_of(2) {
            return back(h + 1);
        }
        if (0x3064..=0x3069).contains(&h) && matches!(h, 0x3064 | 0x3066 | 0x3068) {
            return back(h + 1);
        }
        if (0x306F..=0x307D).contains(&h) && (h - 0x306F).is_multiple_of(3) {
            return back(h + 1);
        }
        if h == 0x3046 {
            return char::from_u32(if kata { 0x30F4 } else { 0x3094 });
        }
    } else if (0x306F..=0x307D).contains(&h) && (h - 0x306F).is_multiple_of(3) {
        return back(h + 2);
    }
    None
}

fn is_kana(c: char) -> bool {
    matches!(c as u32, 0x3041..=0x3096 | 0x30A1..=0x30FA | 0x30FC)
}

/// Characters that may stand for a long-vowel mark after kana.
fn is_long_vowel_like(c: char) -> bool {
    matches!(
        c,
        'ー' | 'ｰ'
            | '〜'
            | '～'
            | '~'
            | '-'
            | '－'
            | '‐'
            | '‑'
            | '–'
            | '—'
            | '―'
            | '─'
            | '−'
            | '⁓'
    )
}

/// Punctuation dropped when folding.
fn is_punct(c: char) -> bool {
    match c {
        '!' | '"' | '\'' | '(' | ')' | ',' | '.' | ':' | ';' | '?' | '[' | ']' | '{' | '}'
        | '`' | '<' | '>' | '~' | '-' | '_' | '*' | '\\' | '|' | '^' => true,
        _ => matches!(
            c as u32,
            0x2010..=0x2027
                | 0x2030..=0x205E
                | 0x3001..=0x3003
                | 0x3008..=0x3011
                | 0x3014..=0x301F
                | 0x30FB
                | 0x00A1
                | 0x00BF
                | 0x00AB
                | 0x00BB
                | 0x00B7
        ),
    }
}

/// Compose a Hangul syllable from conjoining jamo (L V [T]).
fn hangul_compose(out: &mut String, c: char) -> bool {
    let cu = c as u32;
    let Some(last) = out.chars().last() else {
        return false;
    };
    let lu = last as u32;
    // L + V
    if (0x1100..=0x1112).contains(&lu) && (0x1161..=0x1175).contains(&cu) {
        let s = 0xAC00 + ((lu - 0x1100) * 21 + (cu - 0x1161)) * 28;
        out.pop();
        if let Some(ch) = char::from_u32(s) {
            out.push(ch);
        }
        return true;
    }
    // LV + T
    if (0xAC00..=0xD7A3).contains(&lu)
        && (lu - 0xAC00).is_multiple_of(28)
        && (0x11A8..=0x11C2).contains(&cu)
    {
        let s = lu + (cu - 0x11A7);
        out.pop();
        if let Some(ch) = char::from_u32(s) {
            out.push(ch);
        }
        return true;
    }
    false
}

/// Fold a text for matching (see the module documentation).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_core(text, &mut out, None);
    out
}

/// Fold `text` and append it to `out`.
pub fn fold_into(out: &mut String, text: &str) {
    fold_core(text, out, None);
}

/// Fold a text and keep where each folded character came from.
pub fn fold_mapped(text: &str) -> Folded {
    let mut out = String::with_capacity(text.len());
    let mut chars: Vec<(usize, usize, usize)> = Vec::with_capacity(text.len() / 2);
    fold_core(text, &mut out, Some(&mut chars));
    Folded { text: out, chars }
}

/// Whether `c` folds to itself whatever surrounds it: Hangul syllables, hiragana and CJK
/// ideographs (most of the text).
fn folds_to_itself(c: u32) -> bool {
    matches!(c, 0xAC00..=0xD7A3 | 0x3041..=0x3096 | 0x4E00..=0x9FFF)
}

/// End of the run of [`folds_to_itself`] characters from byte `i` (a character boundary). All of
/// them are three bytes long in UTF-8, found without decoding through `char`.
fn self_folding_run(bytes: &[u8], mut i: usize) -> usize {
    loop {
        // most of the text: U+5000..U+9FFF, U+B000..U+CFFF, told by their lead byte alone
        while i + 2 < bytes.len() && matches!(bytes[i], 0xE5..=0xE9 | 0xEB | 0xEC) {
            i += 3;
        }
        let (Some(&b0), Some(&b1), Some(&b2)) = (bytes.get(i), bytes.get(i + 1), bytes.get(i + 2))
        else {
            break;
        };
        // told apart by the first two bytes where that is enough (a unit test compares with
        // `folds_to_itself` for every three-byte character)
        let same = match b0 {
            // U+5000..U+9FFF, U+B000..U+CFFF
            0xE5..=0xE9 | 0xEB | 0xEC => true,
            // U+4E00..U+4FFF
            0xE4 => b1 >= 0xB8,
            // U+AC00..U+AFFF
            0xEA => b1 >= 0xB0,
            // U+D000..U+D7A3
            0xED => b1 < 0x9E || (b1 == 0x9E && b2 <= 0xA3),
            // hiragana
            0xE3 => folds_to_itself(0x3000 | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F)),
            _ => false,
        };
        if !same {
            break;
        }
        i += 3;
    }
    i
}

/// Fold `text` onto the end of `out`; `map` receives (folded offset, source start, source end)
/// per folded character (offsets in `out`, sources in `text`).
fn fold_core(text: &str, out: &mut String, mut map: Option<&mut Vec<(usize, usize, usize)>>) {
    let mut pos = 0;
    while pos < text.len() {
        // Without a map, a run of characters that fold to themselves is copied in one go.
        if map.is_none() {
            let run = self_folding_run(text.as_bytes(), pos);
            if run > pos {
                out.push_str(&text[pos..run]);
                pos = run;
                continue;
            }
        }
        // a space folds away (as whitespace below), the commonest character between runs
        if text.as_bytes()[pos] == b' ' {
            pos += 1;
            continue;
        }
        let Some(raw) = text[pos..].chars().next() else {
            break;
        };
        let at = pos;
        let end = at + raw.len_utf8();
        pos = end;
        let next_is_digit = || {
            text[end..]
                .chars()
                .next()
                .is_some_and(|n| n.is_ascii_digit())
        };
        // Hangul syllables, hiragana and CJK ideographs (most of the text) fold to themselves.
        if folds_to_itself(raw as u32) {
            if let Some(m) = map.as_deref_mut() {
                m.push((out.len(), at, end));
            }
            out.push(raw);
            continue;
        }
        // width
        let mut c = match raw {
            '\u{FF01}'..='\u{FF5D}' => char::from_u32(raw as u32 - 0xFEE0).unwrap_or(raw),
            '\u{3000}' => ' ',
            '\u{FF61}'..='\u{FF9F}' => half_katakana(raw).unwrap_or(raw),
            _ => raw,
        };
        if raw == '\u{FF5E}' {
            c = '～';
        }
        if c.is_whitespace() {
            continue;
        }
        // voiced marks: combining (U+3099/309A), spacing (゛゜) and half-width (ﾞﾟ, folded above)
        if matches!(c, '\u{3099}' | '\u{309A}' | '゛' | '゜') {
            let semi = matches!(c, '\u{309A}' | '゜');
            if let Some(prev) = out.chars().last()
                && let Some(v) = voice(prev, semi)
            {
                out.pop();
                out.push(v);
                if let Some(last) = map.as_deref_mut().and_then(|m| m.last_mut()) {
                    last.2 = end;
                }
                continue;
            }
            continue;
        }
        if ((0x1161..=0x1175).contains(&(c as u32)) || (0x11A8..=0x11C2).contains(&(c as u32)))
            && hangul_compose(out, c)
        {
            if let Some(last) = map.as_deref_mut().and_then(|m| m.last_mut()) {
                last.2 = end;
            }
            continue;
        }
        let prev = out.chars().last();
        if is_long_vowel_like(c) {
            if prev.is_some_and(|p| is_kana(p) && p != 'ー') {
                if let Some(m) = map.as_deref_mut() {
                    m.push((out.len(), at, end));
                }
                out.push('ー');
                continue;
            }
            if c == '-' && !prev.is_some_and(|p| p.is_ascii_digit()) && next_is_digit() {
                if let Some(m) = map.as_deref_mut() {
                    m.push((out.len(), at, end));
                }
                out.push('-');
                continue;
            }
            // a repeated mark, or a mark not after kana: punctuation
            continue;
        }
        if c == '.' && prev.is_some_and(|p| p.is_ascii_digit()) && next_is_digit() {
            if let Some(m) = map.as_deref_mut() {
                m.push((out.len(), at, end));
            }
            out.push('.');
            continue;
        }
        if is_punct(c) {
            continue;
        }
        // katakana → hiragana (ヴ stays as ゔ)
        let c = match c as u32 {
            0x30A1..=0x30F6 => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            _ => c,
        };
        if let Some(m) = map.as_deref_mut() {
            m.push((out.len(), at, end));
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if c.is_uppercase() {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_folding_run_of_every_three_byte_character() {
        for c in '\u{800}'..='\u{FFFF}' {
            let mut buf = [0u8; 4];
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            let want = if folds_to_itself(c as u32) { 3 } else { 0 };
            assert_eq!(self_folding_run(bytes, 0), want, "{c:?}");
            assert_eq!(self_folding_run(&bytes[..2], 0), 0, "{c:?}");
        }
    }

    #[test]
    fn width_space_and_case() {
        assert_eq!(fold("  ＡＢＣ　 def "), "abcdef");
        assert_eq!(fold("페퍼로니 피자  주문해 줘"), "페퍼로니피자주문해줘");
        assert_eq!(fold("１２３"), "123");
    }

    #[test]
    fn half_width_katakana_and_voicing() {
        assert_eq!(fold("ﾋﾟｻﾞ"), fold("ピザ"));
        assert_eq!(fold("ｶﾞｲﾄﾞ"), fold("ガイド"));
        assert_eq!(fold("ピザ"), "ぴざ");
        // combining marks
        assert_eq!(fold("ヒ\u{309A}サ\u{3099}"), fold("ピザ"));
    }

    #[test]
    fn long_vowels() {
        assert_eq!(fold("コーヒー"), fold("コ～ヒ〜"));
        assert_eq!(fold("コーヒー"), fold("ｺｰﾋｰ"));
        assert_eq!(fold("コーーヒー"), fold("コーヒー"));
        assert_eq!(fold("コ-ヒ-"), fold("コーヒー"));
    }

    #[test]
    fn punctuation() {
        assert_eq!(fold("네, 좋아요!"), "네좋아요");
        assert_eq!(fold("はい、お願いします。"), "はいお願いします");
        assert_eq!(fold("「ピザ」を注文して！"), "ぴざを注文して");
        assert_eq!(fold("주문해줘~"), "주문해줘");
        assert_eq!(fold("1.5 kg"), "1.5kg");
        assert_eq!(fold("1,000원"), "1000원");
        assert_eq!(fold("-3도"), "-3도");
    }

    #[test]
    fn hangul_jamo_compose() {
        // 한 = ᄒ ᅡ ᆫ
        assert_eq!(fold("\u{1112}\u{1161}\u{11AB}"), "한");
    }

    proptest::proptest! {
        /// The run-copying path (no map) folds exactly like the character-by-character one.
        #[test]
        fn fold_runs_fold_like_single_characters(text in proptest::prelude::any::<String>()) {
            proptest::prop_assert_eq!(fold(&text), fold_mapped(&text).text);
        }

        #[test]
        fn fold_runs_in_korean_and_japanese(
            text in "[ 　.,!?~ー〜ｰﾞﾟ゛゜\u{3099}\u{309A}0-9a-zA-ZＡ-Ｚ가-힣\u{1100}-\u{1112}\u{1161}-\u{1175}\u{11A8}-\u{11C2}ぁ-ゖァ-ヺｦ-ﾝ一-龥-]{0,30}"
        ) {
            proptest::prop_assert_eq!(fold(&text), fold_mapped(&text).text);
        }
    }

    #[test]
    fn source_ranges() {
        let f = fold_mapped("뉴 욕 날씨");
        assert_eq!(f.text, "뉴욕날씨");
        assert_eq!(f.source_range(0..6), 0..7);
        assert_eq!(f.source_range(6..12), 8..14);
        let f = fold_mapped("ｶﾞ ｲﾄﾞ!");
        assert_eq!(f.text, "がいど");
        assert_eq!(f.source_range(0..9), 0..16);
    }
}
