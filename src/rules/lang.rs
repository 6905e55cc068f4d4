//! Language-variant facts: built-in intents and slot types, reserved words (spec §1.1, §3).

use crate::model::Language;

/// Built-in intents that exist for a language.
pub fn builtin_intents(lang: Language) -> &'static [&'static str] {
    match lang {
        Language::Korean => &[
            "Clova.GuideIntent",
            "Clova.CancelIntent",
            "Clova.YesIntent",
            "Clova.NoIntent",
            "Clova.NextIntent",
            "Clova.PreviousIntent",
            "Clova.PauseIntent",
            "Clova.ResumeIntent",
            "Clova.StopIntent",
            "Clova.RequestAlternativesIntent",
        ],
        Language::Japanese => &[
            "Clova.GuideIntent",
            "Clova.CancelIntent",
            "Clova.YesIntent",
            "Clova.NoIntent",
            "Clova.NextIntent",
            "Clova.PreviousIntent",
            "Clova.PauseIntent",
            "Clova.ResumeIntent",
            "Clova.FallbackIntent",
        ],
    }
}

/// Built-in intents every extension of the language must declare.
pub fn required_intents(lang: Language) -> &'static [&'static str] {
    match lang {
        Language::Korean => &[
            "Clova.GuideIntent",
            "Clova.CancelIntent",
            "Clova.YesIntent",
            "Clova.NoIntent",
        ],
        Language::Japanese => &["Clova.GuideIntent"],
    }
}

const KR_SLOT_TYPES: &[&str] = &[
    "CLOVA.DATETIME",
    "CLOVA.DURATION",
    "CLOVA.NUMBER",
    "CLOVA.RELATIVETIME",
    "CLOVA.UNIT",
    "CLOVA.ORDER",
    "CLOVA.WORLD_COUNTRY",
    "CLOVA.WORLD_CITY",
    "CLOVA.CURRENCY",
    "CLOVA.OFFICIALDATE",
];

const JP_SLOT_TYPES: &[&str] = &[
    "CLOVA.JP_ADDRESS_KEN",
    "CLOVA.JP_ADDRESS_SHI",
    "CLOVA.JP_ADDRESS_KU",
    "CLOVA.WORLD_COUNTRY",
    "CLOVA.WORLD_CITY",
    "CLOVA.DATETIME",
    "CLOVA.DATETIME_RECENT",
    "CLOVA.DURATION",
    "CLOVA.OFFICIALDATE",
    "CLOVA.ORDER",
    "CLOVA.RELATIVETIME",
    "CLOVA.WHOLE_NUMBER",
    "CLOVA.UNIT",
    "CLOVA.UNIT_GENERAL",
    "CLOVA.UNIT_AREA",
    "CLOVA.UNIT_CURRENCY",
    "CLOVA.UNIT_INFORMATION",
    "CLOVA.UNIT_LENGTH",
    "CLOVA.UNIT_RATIO",
    "CLOVA.UNIT_SPEED",
    "CLOVA.UNIT_TEMPERATURE",
    "CLOVA.UNIT_VOLUME",
    "CLOVA.UNIT_WEIGHT",
    "CLOVA.NUMBER",
    "CLOVA.GENERIC_NUMBER",
    "CLOVA.AREA",
    "CLOVA.INFORMATION",
    "CLOVA.LENGTH",
    "CLOVA.MONEY",
    "CLOVA.RATIO",
    "CLOVA.SPEED",
    "CLOVA.VOLUME",
    "CLOVA.WEIGHT",
    "CLOVA.TEMPERATURE",
];

/// Built-in slot types that exist for a language (KR `CLOVA.KO_ADDRESS_<unit>` accepted by prefix).
pub fn builtin_slot_types(lang: Language) -> &'static [&'static str] {
    match lang {
        Language::Korean => KR_SLOT_TYPES,
        Language::Japanese => JP_SLOT_TYPES,
    }
}

/// Is `name` a built-in slot type of the language?
pub fn is_builtin_slot_type(lang: Language, name: &str) -> bool {
    builtin_slot_types(lang).contains(&name)
        || (lang == Language::Korean
            && name.strip_prefix("CLOVA.KO_ADDRESS_").is_some_and(|u| {
                !u.is_empty() && u.chars().all(|c| c.is_ascii_uppercase() || c == '_')
            }))
}

/// Words an invocation name must not contain: wake words, start/stop phrases and the particles
/// used around the name (spec §1.1). Compared on lower-case text without spaces.
pub fn reserved_invocation_words(lang: Language) -> &'static [&'static str] {
    match lang {
        Language::Korean => &[
            "clova",
            "클로바",
            "헤이클로바",
            "start",
            "stop",
            "시작",
            "종료",
            "그만",
            "멈춰",
            "실행해",
            "열어줘",
        ],
        Language::Japanese => &[
            "clova",
            "クローバ",
            "クローバー",
            "ねぇclova",
            "start",
            "stop",
            "を使って",
            "起動",
            "開始",
            "終了",
            "停止",
        ],
    }
}

/// Maximum invocation names (KR 3; JP 1 main + 4 sub names).
pub fn max_invocation_names(lang: Language) -> usize {
    match lang {
        Language::Korean => 3,
        Language::Japanese => 5,
    }
}

/// Phrases that trigger Clova's built-in skills (weather, news, music, alarms…): a name that
/// contains one is rejected at review (spec §1.1, "phrases that trigger built-in skills (\"today's
/// weather\")"). Compared on lower-case text without spaces.
pub fn builtin_skill_phrases(lang: Language) -> &'static [&'static str] {
    match lang {
        Language::Korean => &[
            "오늘 날씨",
            "내일 날씨",
            "날씨 알려줘",
            "뉴스 들려줘",
            "음악 틀어줘",
            "노래 틀어줘",
            "알람 맞춰줘",
            "타이머 맞춰줘",
            "today's weather",
        ],
        Language::Japanese => &[
            "今日の天気",
            "明日の天気",
            "天気を教えて",
            "ニュースを読んで",
            "音楽をかけて",
            "アラームをセット",
            "タイマーをセット",
            "today's weather",
        ],
    }
}

/// KR connecting particles said right after a name ("피자봇에서 …", "피자봇한테 …"): a name must
/// not end in one (spec §1.1, "the connecting particles used with the name").
pub const KR_PARTICLES: &[&str] = &["한테서", "에게서", "한테", "에게", "에서"];
