//! `CLOVA.NUMBER` and friends: numbers in digits, Sino-Korean (`일 이 삼 … 십 백 천 만 억`),
//! native Korean (`하나/한 … 아흔아홉`), Japanese kanji (`一 二 三 … 十 百 千 万 億`) and native
//! Japanese (`ひとつ … とお`), optionally followed by a counter (`두 판`, `2枚`, `3개`, `二つ`).
//!
//! Every function works on folded text (see [`super::normalize`]): no spaces, lower case,
//! hiragana for katakana.

/// A number read from text.
#[derive(Clone, Debug, PartialEq)]
pub struct Num {
    /// The integer value, when the number is whole.
    pub int: Option<i64>,
    /// The value as CEK sends it: `2`, `1.5`, `-3`.
    pub text: String,
}

impl Num {
    fn int(v: i64) -> Self {
        Self {
            int: Some(v),
            text: v.to_string(),
        }
    }
}

/// A number slot value: the number and the counter said with it.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberValue {
    pub num: Num,
    /// The counter or unit, as written in [`COUNTERS`] (`판`, `枚`, `パーセント`).
    pub unit: Option<&'static str>,
}

/// Counters and units recognised after a number (display form; matched folded).
pub const COUNTERS: &[&str] = &[
    // Korean
    "개",
    "판",
    "명",
    "분",
    "번",
    "잔",
    "병",
    "마리",
    "권",
    "장",
    "대",
    "살",
    "곡",
    "층",
    "개월",
    "인분",
    "조각",
    "송이",
    "그릇",
    "박스",
    "상자",
    "봉지",
    "캔",
    "컵",
    "통",
    "줄",
    "켤레",
    "벌",
    "채",
    "군데",
    "가지",
    "배",
    "퍼센트",
    "프로",
    "원",
    "달러",
    "킬로",
    "킬로그램",
    "그램",
    "미터",
    "센티",
    "도",
    "점",
    "세트",
    "人", // (a Japanese counter shared below)
    // Japanese
    "個",
    "枚",
    "名",
    "本",
    "杯",
    "匹",
    "頭",
    "冊",
    "台",
    "回",
    "度",
    "歳",
    "才",
    "階",
    "件",
    "着",
    "足",
    "皿",
    "箱",
    "袋",
    "缶",
    "円",
    "つ",
    "人前",
    "切れ",
    "パーセント",
    "キロ",
    "グラム",
    "メートル",
    "セット",
    "ドル",
    "番",
    "点",
    "羽",
    "粒",
    "通",
    "票",
    // symbols
    "%",
    "kg",
    "g",
    "km",
    "m",
    "cm",
    "mm",
    "l",
    "ml",
];

struct Word {
    text: &'static str,
    value: i64,
}

const NATIVE_KO_TENS: &[Word] = &[
    Word {
        text: "열",
        value: 10,
    },
    Word {
        text: "스물",
        value: 20,
    },
    Word {
        text: "스무",
        value: 20,
    },
    Word {
        text: "서른",
        value: 30,
    },
    Word {
        text: "마흔",
        value: 40,
    },
    Word {
        text: "쉰",
        value: 50,
    },
    Word {
        text: "예순",
        value: 60,
    },
    Word {
        text: "일흔",
        value: 70,
    },
    Word {
        text: "여든",
        value: 80,
    },
    Word {
        text: "아흔",
        value: 90,
    },
];

const NATIVE_KO_UNITS: &[Word] = &[
    Word {
        text: "하나",
        value: 1,
    },
    Word {
        text: "한",
        value: 1,
    },
    Word {
        text: "둘",
        value: 2,
    },
    Word {
        text: "두",
        value: 2,
    },
    Word {
        text: "셋",
        value: 3,
    },
    Word {
        text: "세",
        value: 3,
    },
    Word {
        text: "석",
        value: 3,
    },
    Word {
        text: "넷",
        value: 4,
    },
    Word {
        text: "네",
        value: 4,
    },
    Word {
        text: "넉",
        value: 4,
    },
    Word {
        text: "다섯",
        value: 5,
    },
    Word {
        text: "여섯",
        value: 6,
    },
    Word {
        text: "일곱",
        value: 7,
    },
    Word {
        text: "여덟",
        value: 8,
    },
    Word {
        text: "아홉",
        value: 9,
    },
];

/// Native Japanese numbers (folded: hiragana), with the counter they include.
const NATIVE_JA: &[(&str, i64, Option<&str>)] = &[
    ("ひとつ", 1, Some("つ")),
    ("ふたつ", 2, Some("つ")),
    ("みっつ", 3, Some("つ")),
    ("よっつ", 4, Some("つ")),
    ("いつつ", 5, Some("つ")),
    ("むっつ", 6, Some("つ")),
    ("ななつ", 7, Some("つ")),
    ("やっつ", 8, Some("つ")),
    ("ここのつ", 9, Some("つ")),
    ("とお", 10, None),
    ("ひとり", 1, Some("人")),
    ("ふたり", 2, Some("人")),
];

enum Tok {
    /// One spelled digit (`삼`, `三`) or a run of ASCII digits (value, digit count, decimal text).
    Digit(i64),
    Digits(i64, Option<String>),
    Small(i64),
    Big(i64),
}

fn sino_digit(c: char) -> Option<i64> {
    Some(match c {
        '영' | '공' | '〇' | '零' => 0,
        '일' | '一' => 1,
        '이' | '二' => 2,
        '삼' | '三' => 3,
        '사' | '四' => 4,
        '오' | '五' => 5,
        '육' | '륙' | '六' => 6,
        '칠' | '七' => 7,
        '팔' | '八' => 8,
        '구' | '九' => 9,
        _ => return None,
    })
}

fn small_unit(c: char) -> Option<i64> {
    Some(match c {
        '십' | '十' => 10,
        '백' | '百' => 100,
        '천' | '千' => 1000,
        _ => return None,
    })
}

fn big_unit(c: char) -> Option<i64> {
    Some(match c {
        '만' | '万' => 10_000,
        '억' | '億' => 100_000_000,
        '조' | '兆' => 1_000_000_000_000,
        _ => return None,
    })
}

/// The next token at the start of `s` and its byte length.
fn token(s: &str) -> Option<(Tok, usize)> {
    let c = s.chars().next()?;
    if c.is_ascii_digit() {
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let mut end = digits;
        let mut decimal = None;
        if s.as_bytes().get(digits) == Some(&b'.') {
            let frac = s[digits + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            if frac > 0 {
                end = digits + 1 + frac;
                decimal = Some(s[..end].to_string());
            }
        }
        let v = s[..digits].parse::<i64>().ok()?;
        return Some((Tok::Digits(v, decimal), end));
    }
    let len = c.len_utf8();
    if let Some(d) = sino_digit(c) {
        return Some((Tok::Digit(d), len));
    }
    if let Some(u) = small_unit(c) {
        return Some((Tok::Small(u), len));
    }
    big_unit(c).map(|b| (Tok::Big(b), len))
}

/// Every way to read a Sino-Korean / kanji / digit number at the start of `s`: the value after
/// each token, shortest first.
fn sino_prefixes(s: &str, out: &mut Vec<(Num, usize)>) {
    let mut total: i64 = 0;
    let mut section: i64 = 0;
    let mut cur: Option<i64> = None;
    let mut decimal: Option<String> = None;
    let mut spelled = false;
    let mut pos = 0;
    let mut last_was_digit = false;
    let mut last_ascii = false;
    while let Some((tok, len)) = token(&s[pos..]) {
        let ascii = matches!(tok, Tok::Digits(..));
        match tok {
            Tok::Digit(d) => {
                if last_ascii {
                    break;
                }
                if last_was_digit && decimal.is_none() {
                    let Some(c) = cur else { break };
                    cur = Some(
                        c.checked_mul(10)
                            .and_then(|v| v.checked_add(d))
                            .unwrap_or(c),
                    );
                    spelled = true;
                } else {
                    cur = Some(d);
                }
                last_was_digit = true;
            }
            Tok::Digits(v, dec) => {
                if last_was_digit {
                    break;
                }
                cur = Some(v);
                decimal = dec;
                last_was_digit = true;
            }
            Tok::Small(u) => {
                if decimal.is_some() || spelled {
                    break;
                }
                section = section.saturating_add(cur.unwrap_or(1).saturating_mul(u));
                cur = None;
                last_was_digit = false;
            }
            Tok::Big(b) => {
                if decimal.is_some() || spelled {
                    break;
                }
                let head = section.saturating_add(cur.unwrap_or(0));
                total = total.saturating_add(if head == 0 { 1 } else { head }.saturating_mul(b));
                section = 0;
                cur = None;
                last_was_digit = false;
            }
        }
        last_ascii = ascii;
        pos += len;
        let value = total
            .saturating_add(section)
            .saturating_add(cur.unwrap_or(0));
        let num = match &decimal {
            Some(d) if total == 0 && section == 0 => Num {
                int: None,
                text: d.trim_end_matches('0').trim_end_matches('.').to_string(),
            },
            _ => Num::int(value),
        };
        out.push((num, pos));
    }
}

fn native_ko_prefixes(s: &str, out: &mut Vec<(Num, usize)>) {
    let mut tens = None;
    for w in NATIVE_KO_TENS {
        if s.starts_with(w.text) {
            tens = Some((w.value, w.text.len()));
            out.push((Num::int(w.value), w.text.len()));
            break;
        }
    }
    let (base, at) = tens.unwrap_or((0, 0));
    // `스무` only stands before a counter, never with a unit digit.
    if s[..at].ends_with("스무") {
        return;
    }
    let mut best: Option<(i64, usize)> = None;
    for w in NATIVE_KO_UNITS {
        if s[at..].starts_with(w.text) && best.is_none_or(|(_, l)| w.text.len() > l) {
            best = Some((w.value, w.text.len()));
        }
    }
    if let Some((v, l)) = best {
        out.push((Num::int(base + v), at + l));
        // `한`, `두`, `세`, `네` also prefix the longer forms (`하나` is handled above).
    }
}

/// Every way to read a number at the start of folded text `s`, as (number, byte length).
pub fn prefixes(s: &str) -> Vec<(Num, usize)> {
    let mut out = Vec::new();
    let (neg, start) = if let Some(r) = s.strip_prefix('-') {
        (true, s.len() - r.len())
    } else if let Some(r) = s.strip_prefix("마이너스") {
        (true, s.len() - r.len())
    } else if let Some(r) = s.strip_prefix("まいなす") {
        (true, s.len() - r.len())
    } else {
        (false, 0)
    };
    let rest = &s[start..];
    sino_prefixes(rest, &mut out);
    if !neg {
        native_ko_prefixes(rest, &mut out);
        for (w, v, _) in NATIVE_JA {
            if rest.starts_with(w) {
                out.push((Num::int(*v), w.len()));
            }
        }
    }
    for (n, len) in &mut out {
        *len += start;
        if neg {
            n.int = n.int.map(|v| -v);
            n.text = format!("-{}", n.text);
        }
    }
    out.sort_by_key(|(_, l)| *l);
    out
}

/// The counter at the start of `s`, longest first.
pub fn counter_at(s: &str) -> Option<(&'static str, usize)> {
    counters()
        .iter()
        .filter(|(folded, _)| s.starts_with(folded.as_str()))
        .max_by_key(|(folded, _)| folded.len())
        .map(|(folded, display)| (*display, folded.len()))
}

fn counters() -> &'static [(String, &'static str)] {
    static FOLDED: std::sync::OnceLock<Vec<(String, &'static str)>> = std::sync::OnceLock::new();
    FOLDED.get_or_init(|| {
        COUNTERS
            .iter()
            .map(|c| (super::normalize::fold(c), *c))
            .collect()
    })
}

/// Read the whole folded text as a number with an optional counter (`CLOVA.NUMBER`).
pub fn parse_number(s: &str) -> Option<NumberValue> {
    if s.is_empty() {
        return None;
    }
    // Native Japanese numbers carry their counter.
    for (w, v, unit) in NATIVE_JA {
        if s == *w {
            return Some(NumberValue {
                num: Num::int(*v),
                unit: *unit,
            });
        }
    }
    let mut cands = prefixes(s);
    cands.reverse();
    for (num, len) in cands {
        let rest = &s[len..];
        if rest.is_empty() {
            return Some(NumberValue { num, unit: None });
        }
        if let Some((unit, ulen)) = counter_at(rest)
            && ulen == rest.len()
        {
            return Some(NumberValue {
                num,
                unit: Some(unit),
            });
        }
    }
    None
}

/// `CLOVA.WHOLE_NUMBER`: 0 or a positive integer; a digit string keeps its leading zeros
/// (`0123 4567` → `01234567`).
pub fn parse_whole_number(s: &str) -> Option<String> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(s.to_string());
    }
    let n = parse_number(s)?;
    match (n.num.int, n.unit) {
        (Some(v), None) if v >= 0 => Some(v.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::normalize::fold;
    use super::*;

    fn num(s: &str) -> Option<(String, Option<&'static str>)> {
        parse_number(&fold(s)).map(|n| (n.num.text, n.unit))
    }

    #[test]
    fn digits() {
        assert_eq!(num("2"), Some(("2".into(), None)));
        assert_eq!(num("１２"), Some(("12".into(), None)));
        assert_eq!(num("1,000"), Some(("1000".into(), None)));
        assert_eq!(num("1.5"), Some(("1.5".into(), None)));
        assert_eq!(num("-3"), Some(("-3".into(), None)));
        assert_eq!(num("3만"), Some(("30000".into(), None)));
        assert_eq!(num("2천5백"), Some(("2500".into(), None)));
    }

    #[test]
    fn sino_korean() {
        assert_eq!(num("일"), Some(("1".into(), None)));
        assert_eq!(num("이"), Some(("2".into(), None)));
        assert_eq!(num("삼"), Some(("3".into(), None)));
        assert_eq!(num("십"), Some(("10".into(), None)));
        assert_eq!(num("삼십오"), Some(("35".into(), None)));
        assert_eq!(num("이천이십육"), Some(("2026".into(), None)));
        assert_eq!(num("백만"), Some(("1000000".into(), None)));
        assert_eq!(num("삼만 오천"), Some(("35000".into(), None)));
        assert_eq!(num("공일공"), Some(("10".into(), None)));
        assert_eq!(num("마이너스 오"), Some(("-5".into(), None)));
    }

    #[test]
    fn native_korean() {
        assert_eq!(num("하나"), Some(("1".into(), None)));
        assert_eq!(num("둘"), Some(("2".into(), None)));
        assert_eq!(num("열하나"), Some(("11".into(), None)));
        assert_eq!(num("스물다섯"), Some(("25".into(), None)));
        assert_eq!(num("아흔아홉"), Some(("99".into(), None)));
    }

    #[test]
    fn korean_counters() {
        assert_eq!(num("두 판"), Some(("2".into(), Some("판"))));
        assert_eq!(num("세 개"), Some(("3".into(), Some("개"))));
        assert_eq!(num("3개"), Some(("3".into(), Some("개"))));
        assert_eq!(num("한 잔"), Some(("1".into(), Some("잔"))));
        assert_eq!(num("네 명"), Some(("4".into(), Some("명"))));
        assert_eq!(num("스무 살"), Some(("20".into(), Some("살"))));
        assert_eq!(num("열두 마리"), Some(("12".into(), Some("마리"))));
        assert_eq!(num("오 인분"), Some(("5".into(), Some("인분"))));
        assert_eq!(num("50%"), Some(("50".into(), Some("%"))));
    }

    #[test]
    fn japanese() {
        assert_eq!(num("三"), Some(("3".into(), None)));
        assert_eq!(num("十"), Some(("10".into(), None)));
        assert_eq!(num("二十三"), Some(("23".into(), None)));
        assert_eq!(num("百二十"), Some(("120".into(), None)));
        assert_eq!(num("三千五百"), Some(("3500".into(), None)));
        assert_eq!(num("一万二千"), Some(("12000".into(), None)));
        assert_eq!(num("二〇二六"), Some(("2026".into(), None)));
        assert_eq!(num("2枚"), Some(("2".into(), Some("枚"))));
        assert_eq!(num("二つ"), Some(("2".into(), Some("つ"))));
        assert_eq!(num("ふたつ"), Some(("2".into(), Some("つ"))));
        assert_eq!(num("三人"), Some(("3".into(), Some("人"))));
        assert_eq!(
            num("１０パーセント"),
            Some(("10".into(), Some("パーセント")))
        );
        assert_eq!(num("ﾊﾟｰｾﾝﾄ"), None);
    }

    #[test]
    fn not_numbers() {
        assert_eq!(num(""), None);
        assert_eq!(num("피자"), None);
        assert_eq!(num("두 피자"), None);
        assert_eq!(num("ピザ"), None);
        assert_eq!(num("3개요"), None);
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(
            parse_whole_number(&fold("0123 4567")),
            Some("01234567".into())
        );
        assert_eq!(parse_whole_number(&fold("二十")), Some("20".into()));
        assert_eq!(parse_whole_number(&fold("-2")), None);
        assert_eq!(parse_whole_number(&fold("2枚")), None);
    }
}
