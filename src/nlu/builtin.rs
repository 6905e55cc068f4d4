//! The usual phrases of the built-in intents (spec §3.1), per language. CEK's own lists are not
//! published; these are the common ways to say each intent, compared after folding.

use crate::model::Language;

/// (intent, phrases) for a language.
pub fn phrases(lang: Language) -> &'static [(&'static str, &'static [&'static str])] {
    match lang {
        Language::Korean => KO,
        Language::Japanese => JA,
    }
}

const KO: &[(&str, &[&str])] = &[
    (
        "Clova.GuideIntent",
        &[
            "도움말",
            "도움말 알려줘",
            "도움",
            "도와줘",
            "도와주세요",
            "헬프",
            "사용법",
            "사용법 알려줘",
            "어떻게 써",
            "어떻게 사용해",
            "어떻게 해야 돼",
            "뭐 할 수 있어",
            "뭘 할 수 있어",
            "뭐 할 수 있니",
            "무엇을 할 수 있어",
            "뭐 해줄 수 있어",
            "뭐 할 수 있어요",
            "기능 알려줘",
        ],
    ),
    (
        "Clova.CancelIntent",
        &[
            "취소",
            "취소해",
            "취소해줘",
            "취소해 주세요",
            "취소할래",
            "취소할게",
            "캔슬",
        ],
    ),
    (
        "Clova.YesIntent",
        &[
            "응",
            "네",
            "예",
            "어",
            "웅",
            "그래",
            "그래요",
            "좋아",
            "좋아요",
            "맞아",
            "맞아요",
            "네 맞아요",
            "그렇게 해줘",
            "오케이",
            "ok",
            "예스",
            "yes",
        ],
    ),
    (
        "Clova.NoIntent",
        &[
            "아니",
            "아니요",
            "아니오",
            "아뇨",
            "아니야",
            "싫어",
            "싫어요",
            "안 돼",
            "노",
            "no",
        ],
    ),
    (
        "Clova.NextIntent",
        &[
            "다음",
            "다음 거",
            "다음 곡",
            "다음으로",
            "다음 거 틀어줘",
            "넘겨",
            "넘겨줘",
        ],
    ),
    (
        "Clova.PreviousIntent",
        &[
            "이전",
            "이전 거",
            "이전 곡",
            "이전으로",
            "전으로",
            "이전 거 틀어줘",
        ],
    ),
    (
        "Clova.PauseIntent",
        &[
            "일시정지",
            "일시 정지",
            "일시정지해줘",
            "잠깐 멈춰",
            "잠깐만",
            "멈춰",
        ],
    ),
    (
        "Clova.ResumeIntent",
        &[
            "다시 재생",
            "다시 재생해줘",
            "계속",
            "계속해",
            "계속 재생",
            "이어서 재생",
            "재생",
        ],
    ),
    (
        "Clova.StopIntent",
        &["정지", "정지해줘", "그만", "그만해", "중지", "꺼", "꺼줘"],
    ),
    (
        "Clova.RequestAlternativesIntent",
        &[
            "다른 거",
            "다른 거 틀어줘",
            "다른 노래",
            "딴 거",
            "다른 거 없어",
        ],
    ),
];

const JA: &[(&str, &[&str])] = &[
    (
        "Clova.GuideIntent",
        &[
            "ヘルプ",
            "助けて",
            "使い方",
            "使い方を教えて",
            "何ができるの",
            "何ができる",
            "何ができますか",
            "何ができるか教えて",
            "どうすればいい",
            "ガイド",
        ],
    ),
    (
        "Clova.CancelIntent",
        &[
            "キャンセル",
            "キャンセルして",
            "取り消し",
            "取り消して",
            "中止",
            "中止して",
        ],
    ),
    (
        "Clova.YesIntent",
        &[
            "はい",
            "うん",
            "ええ",
            "そう",
            "そうです",
            "いいよ",
            "いいです",
            "オッケー",
            "お願い",
            "お願いします",
            "イエス",
            "yes",
        ],
    ),
    (
        "Clova.NoIntent",
        &[
            "いいえ",
            "いや",
            "ううん",
            "違う",
            "違います",
            "ノー",
            "いらない",
            "だめ",
            "no",
        ],
    ),
    (
        "Clova.NextIntent",
        &["次", "次へ", "次の曲", "次に進んで", "スキップ"],
    ),
    (
        "Clova.PreviousIntent",
        &["前", "前へ", "前の曲", "戻って", "一つ前"],
    ),
    (
        "Clova.PauseIntent",
        &["一時停止", "ちょっと止めて", "ポーズ", "止めて"],
    ),
    (
        "Clova.ResumeIntent",
        &["再開", "再生再開", "続けて", "続きから"],
    ),
];
