//! Phrases said to Clova rather than to a running extension, like the Skill Store's example
//! phrases: "클로바, 피자봇에서 페퍼로니 피자 주문해줘", "ねぇClova、ピザボットを起動して".
//! The wake word and the invocation name (with its particle) are removed; what is left is a
//! launch ("시작해줘", "起動して", nothing) or a request for the extension.

use super::normalize::fold;
use super::normalize::fold_mapped;
use crate::model::Language;

/// What a phrase said to Clova asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spoken {
    /// Starts the extension (a `LaunchRequest`).
    Launch,
    /// A request for the extension: the words left for intent matching (folded).
    Request(String),
}

const WAKE: &[&str] = &[
    "헤이클로바",
    "클로바",
    "heyclova",
    "clova",
    "ねぇclova",
    "ねえclova",
    "ねぇくろーば",
    "ねえくろーば",
    "くろーば",
];

fn particles(lang: Language) -> &'static [&'static str] {
    match lang {
        Language::Korean => &[
            "에서", "에게", "한테", "으로", "로", "를", "을", "이", "가", "야", "아", "좀", "의",
        ],
        Language::Japanese => &[
            "をつかって",
            "を使って",
            "で",
            "に",
            "を",
            "の",
            "から",
            "って",
            "は",
        ],
    }
}

fn launch_words(lang: Language) -> &'static [&'static str] {
    match lang {
        Language::Korean => &[
            "시작",
            "시작해",
            "시작해줘",
            "시작하자",
            "시작해주세요",
            "열어",
            "열어줘",
            "열어주세요",
            "실행",
            "실행해",
            "실행해줘",
            "실행해주세요",
            "켜줘",
            "불러줘",
        ],
        Language::Japanese => &[
            "起動",
            "起動して",
            "起動してください",
            "開いて",
            "ひらいて",
            "開始",
            "開始して",
            "始めて",
            "はじめて",
            "呼んで",
            "つないで",
        ],
    }
}

/// Rewrites of indirect requests ("…해 달라고 해줘" → "…해줘").
const INDIRECT: &[(&str, &str)] = &[
    ("해달라고해줘", "해줘"),
    ("달라고해줘", "줘"),
    ("라고해줘", ""),
    ("물어봐줘", ""),
    ("물어봐", ""),
    ("ってきいて", ""),
    ("って聞いて", ""),
    ("と伝えて", ""),
];

/// Split a phrase said to Clova into a launch or a request, given the invocation names.
pub fn split(phrase: &str, lang: Language, invocation_names: &[String]) -> Spoken {
    let folded = fold_mapped(phrase);
    let start = WAKE
        .iter()
        .find(|w| folded.text.starts_with(**w))
        .map_or(0, |w| w.len());
    let f = folded.text[start..].to_string();
    let mut names: Vec<String> = invocation_names
        .iter()
        .map(|n| fold(n))
        .filter(|n| !n.is_empty())
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let Some((pos, len)) = names
        .iter()
        .find_map(|n| f.find(n.as_str()).map(|p| (p, n.len())))
    else {
        return if f.is_empty() {
            Spoken::Launch
        } else {
            Spoken::Request(f)
        };
    };
    let before = &f[..pos];
    let mut after = &f[pos + len..];
    // A particle is written against the name: "피자봇에서", not "피자봇 이번 주".
    let attached = folded
        .gap_after(start + pos + len)
        .and_then(|g| phrase.get(g))
        .is_none_or(|g| !g.chars().any(char::is_whitespace));
    if attached
        && let Some(p) = particles(lang)
            .iter()
            .filter(|p| after.starts_with(**p))
            .max_by_key(|p| p.len())
    {
        after = &after[p.len()..];
    }
    let words = launch_words(lang);
    if after.is_empty() || words.contains(&after) {
        return if before.is_empty() {
            Spoken::Launch
        } else {
            Spoken::Request(before.to_string())
        };
    }
    let mut rest = format!("{before}{after}");
    for (from, to) in INDIRECT {
        if let Some(head) = rest.strip_suffix(from) {
            rest = format!("{head}{to}");
            break;
        }
    }
    if rest.is_empty() {
        Spoken::Launch
    } else {
        Spoken::Request(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ko(p: &str) -> Spoken {
        split(p, Language::Korean, &["피자봇".to_string()])
    }

    fn ja(p: &str) -> Spoken {
        split(p, Language::Japanese, &["ピザボット".to_string()])
    }

    #[test]
    fn launches() {
        assert_eq!(ko("피자봇 시작해줘"), Spoken::Launch);
        assert_eq!(ko("클로바, 피자봇 열어줘"), Spoken::Launch);
        assert_eq!(ko("피자봇"), Spoken::Launch);
        assert_eq!(ja("ねぇClova、ピザボットを起動して"), Spoken::Launch);
        assert_eq!(ja("ピザボットを開いて"), Spoken::Launch);
    }

    #[test]
    fn requests() {
        assert_eq!(
            ko("피자봇에서 페퍼로니 피자 주문해줘"),
            Spoken::Request("페퍼로니피자주문해줘".into())
        );
        assert_eq!(
            ko("피자봇한테 피자 주문해 달라고 해줘"),
            Spoken::Request("피자주문해줘".into())
        );
        assert_eq!(
            ja("ピザボットでピザを注文して"),
            Spoken::Request(fold("ピザを注文して"))
        );
        assert_eq!(ko("메뉴 알려줘"), Spoken::Request("메뉴알려줘".into()));
        assert_eq!(
            ko("피자봇 이번 주 메뉴 알려줘"),
            Spoken::Request("이번주메뉴알려줘".into())
        );
    }
}
