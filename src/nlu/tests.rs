use std::sync::Arc;

use super::*;
use crate::tree::Entry;
use crate::tree::Tree;

/// Build an extension from `(relative path, content)` pairs.
pub(crate) fn extension(files: &[(&str, &str)]) -> Extension {
    let mut tree = Tree::default();
    for (p, c) in files {
        let bytes: Arc<[u8]> = Arc::from(c.as_bytes());
        tree.insert(format!("extensions/com.example.t/{p}"), Entry::Blob(bytes));
    }
    let (ext, sink) = crate::load::load_extension(&tree, "com.example.t", true);
    assert!(
        sink.diagnostics.is_empty(),
        "test extension does not load: {:?}",
        sink.diagnostics
    );
    ext
}

const KO_INFO: &str = r#"id = "com.example.t"
language = "ko-KR"
name = "피자봇"
invocation_names = ["피자봇"]
builtin_intents = ["Clova.GuideIntent", "Clova.CancelIntent", "Clova.YesIntent", "Clova.NoIntent"]
builtin_slot_types = ["CLOVA.NUMBER", "CLOVA.DATETIME", "CLOVA.DURATION", "CLOVA.WORLD_CITY"]
"#;

fn pizza() -> Extension {
    extension(&[
        ("extension.toml", KO_INFO),
        ("server.toml", "endpoint = \"https://example.com/cek\"\n"),
        (
            "interaction-model/intents/OrderPizza.toml",
            r#"slots = { pizzaType = "PIZZA_TYPE", pizzaAmount = "CLOVA.NUMBER" }
utterances = [
  "<pizzaType>페퍼로니</pizzaType> 피자 주문해줘",
  "<pizzaType>페퍼로니</pizzaType> 피자 <pizzaAmount>두 판</pizzaAmount> 주문해줘",
  "<pizzaAmount>한 판</pizzaAmount> 주문할게",
]
"#,
        ),
        (
            "interaction-model/intents/Reserve.toml",
            r#"slots = { when = "CLOVA.DATETIME" }
utterances = ["<when>내일 오후 3시</when>에 예약해줘"]
"#,
        ),
        (
            "interaction-model/intents/Timer.toml",
            r#"slots = { length = "CLOVA.DURATION" }
utterances = ["<length>10분</length> 타이머 맞춰줘"]
"#,
        ),
        (
            "interaction-model/intents/Weather.toml",
            r#"slots = { city = "CLOVA.WORLD_CITY" }
utterances = ["<city>서울</city> 날씨 알려줘"]
"#,
        ),
        (
            "interaction-model/intents/Menu.toml",
            r#"utterances = ["메뉴 알려줘", "메뉴 뭐 있어"]
"#,
        ),
        (
            "interaction-model/slot-types/PIZZA_TYPE.toml",
            r#"[values]
"페퍼로니" = ["페파로니", "페퍼로니 피자"]
"불고기" = ["불고기 피자"]
"치즈" = []
"#,
        ),
    ])
}

fn now() -> Options {
    Options {
        now: DateTime::parse("2026-01-01T10:00:00").unwrap(),
    }
}

fn slots(a: &Analysis) -> Vec<(String, String)> {
    a.slots
        .iter()
        .map(|s| (s.name.clone(), s.value.clone()))
        .collect()
}

#[test]
fn exact_match_with_custom_slot_and_synonym() {
    let ext = pizza();
    let m = Model::compile(&ext);
    let a = m.analyse("페파로니 피자 주문해 줘!", &now());
    assert_eq!(a.intent, "OrderPizza");
    assert_eq!(a.kind, MatchKind::Exact);
    assert_eq!(a.confidence, 1.0);
    assert_eq!(slots(&a), vec![("pizzaType".into(), "페퍼로니".into())]);
    assert_eq!(a.slots[0].text, "페파로니");
    let c = a.closest.unwrap();
    assert_eq!(c.utterance, "<pizzaType>페퍼로니</pizzaType> 피자 주문해줘");
    assert_eq!(
        c.file.as_deref(),
        Some("extensions/com.example.t/interaction-model/intents/OrderPizza.toml")
    );
}

#[test]
fn exact_match_with_number_counter() {
    let ext = pizza();
    let m = Model::compile(&ext);
    let a = m.analyse("불고기 피자 세 판 주문해줘", &now());
    assert_eq!(a.intent, "OrderPizza");
    assert_eq!(
        slots(&a),
        vec![
            ("pizzaType".into(), "불고기".into()),
            ("pizzaAmount".into(), "3".into())
        ]
    );
    assert_eq!(a.slots[1].unit.as_deref(), Some("판"));
    assert_eq!(a.slots[1].slot_type, "CLOVA.NUMBER");
    // adjacent slots after removing spaces, digits and a counter
    let a = m.analyse("치즈 피자 2판 주문해줘", &now());
    assert_eq!(a.slot("pizzaAmount").unwrap().value, "2");
    let a = m.analyse("다섯 판 주문할게", &now());
    assert_eq!(a.intent, "OrderPizza");
    assert_eq!(a.slot("pizzaAmount").unwrap().value, "5");
}

#[test]
fn datetime_and_duration_slots() {
    let ext = pizza();
    let m = Model::compile(&ext);
    let a = m.analyse("모레 저녁 7시에 예약해줘", &now());
    assert_eq!(a.intent, "Reserve");
    let s = a.slot("when").unwrap();
    assert_eq!(s.value, "2026-01-03T19:00:00+09:00");
    assert_eq!(s.value_type.as_deref(), Some("DATETIME"));
    let a = m.analyse("한 시간 반 타이머 맞춰줘", &now());
    assert_eq!(a.intent, "Timer");
    assert_eq!(a.slot("length").unwrap().value, "PT1H30M");
}

#[test]
fn free_text_builtin_type() {
    let ext = pizza();
    let m = Model::compile(&ext);
    let a = m.analyse("뉴 욕 날씨 알려줘", &now());
    assert_eq!(a.intent, "Weather");
    assert_eq!(a.confidence, 0.9);
    assert_eq!(a.slot("city").unwrap().value, "뉴 욕");
}

#[test]
fn builtin_intents_by_phrase() {
    let ext = pizza();
    let m = Model::compile(&ext);
    for (u, i) in [
        ("도움말", "Clova.GuideIntent"),
        ("뭐 할 수 있어?", "Clova.GuideIntent"),
        ("취소", "Clova.CancelIntent"),
        ("응", "Clova.YesIntent"),
        ("네", "Clova.YesIntent"),
        ("아니", "Clova.NoIntent"),
    ] {
        assert_eq!(m.analyse(u, &now()).intent, i, "{u}");
    }
    // not declared: not recognised
    assert_ne!(m.analyse("다음 곡", &now()).intent, "Clova.NextIntent");
}

#[test]
fn near_match_and_fallback() {
    let ext = pizza();
    let m = Model::compile(&ext);
    let a = m.analyse("치즈 피자 주문할래", &now());
    assert_eq!(a.intent, "OrderPizza");
    assert_eq!(a.kind, MatchKind::Similar);
    assert!(a.confidence >= SIMILARITY_THRESHOLD && a.confidence < 1.0);
    assert_eq!(slots(&a), vec![("pizzaType".into(), "치즈".into())]);
    let a = m.analyse("오늘 주식 시세는 어때", &now());
    assert_eq!(a.intent, "Clova.GuideIntent");
    assert_eq!(a.kind, MatchKind::None);
    assert_eq!(a.confidence, 0.0);
    assert!(a.slots.is_empty());
}

#[test]
fn fallback_intent_when_declared() {
    let ext = extension(&[
        (
            "extension.toml",
            r#"id = "com.example.t"
language = "ja-JP"
name = "ピザボット"
invocation_names = ["ピザボット"]
builtin_intents = ["Clova.GuideIntent", "Clova.FallbackIntent", "Clova.YesIntent", "Clova.NoIntent", "Clova.CancelIntent"]
builtin_slot_types = ["CLOVA.NUMBER"]
"#,
        ),
        ("server.toml", "endpoint = \"https://example.com/cek\"\n"),
        (
            "interaction-model/intents/OrderPizza.toml",
            r#"slots = { pizzaType = "PIZZA_TYPE", amount = "CLOVA.NUMBER" }
utterances = ["<pizzaType>マルゲリータ</pizzaType>を<amount>2枚</amount>注文して", "<pizzaType>マルゲリータ</pizzaType>をください"]
"#,
        ),
        (
            "interaction-model/slot-types/PIZZA_TYPE.tsv",
            "マルゲリータ\tマルゲリータピザ\nコーヒー\tｺｰﾋｰ\n",
        ),
    ]);
    let m = Model::compile(&ext);
    assert_eq!(m.fallback_intent(), "Clova.FallbackIntent");
    let a = m.analyse("まるげりーたを二つ注文して", &now());
    assert_eq!(a.intent, "OrderPizza");
    assert_eq!(
        slots(&a),
        vec![
            ("pizzaType".into(), "マルゲリータ".into()),
            ("amount".into(), "2".into())
        ]
    );
    assert_eq!(a.slot("amount").unwrap().unit.as_deref(), Some("つ"));
    let a = m.analyse("ｺｰﾋｰをください。", &now());
    assert_eq!(a.slot("pizzaType").unwrap().value, "コーヒー");
    let a = m.analyse("コ～ヒ～をください", &now());
    assert_eq!(a.slot("pizzaType").unwrap().value, "コーヒー");
    for (u, i) in [
        ("ヘルプ", "Clova.GuideIntent"),
        ("キャンセル", "Clova.CancelIntent"),
        ("はい", "Clova.YesIntent"),
        ("いいえ", "Clova.NoIntent"),
        ("天気を教えて", "Clova.FallbackIntent"),
    ] {
        assert_eq!(m.analyse(u, &now()).intent, i, "{u}");
    }
}

#[test]
fn more_specific_pattern_wins() {
    let ext = extension(&[
        ("extension.toml", KO_INFO),
        ("server.toml", "endpoint = \"https://example.com/cek\"\n"),
        (
            "interaction-model/intents/Any.toml",
            r#"slots = { city = "CLOVA.WORLD_CITY" }
utterances = ["<city>서울</city> 알려줘"]
"#,
        ),
        (
            "interaction-model/intents/Menu.toml",
            r#"utterances = ["메뉴 알려줘"]
"#,
        ),
    ]);
    let m = Model::compile(&ext);
    assert_eq!(m.analyse("메뉴 알려줘", &now()).intent, "Menu");
    assert_eq!(m.analyse("부산 알려줘", &now()).intent, "Any");
}

#[test]
fn empty_and_odd_input_do_not_panic() {
    let ext = pizza();
    let m = Model::compile(&ext);
    for u in [
        "",
        " ",
        "!!!",
        "ｰｰｰ",
        "\u{3099}",
        "<pizzaType>",
        "피자 피자 피자 피자",
    ] {
        let a = m.analyse(u, &now());
        assert!(!a.intent.is_empty());
    }
    let empty = Extension::default();
    let m = Model::compile(&empty);
    assert_eq!(m.analyse("도움말", &now()).intent, "Clova.GuideIntent");
    assert_eq!(m.analyse("아무거나", &now()).intent, "Clova.GuideIntent");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// Any text, including odd Unicode, folds and analyses without panicking.
    #[test]
    fn arbitrary_text_does_not_panic(text in "\\PC{0,40}") {
        let f = normalize::fold_mapped(&text);
        let _ = f.source_range(0..f.text.len());
        let _ = f.word_starts(&text);
        let _ = number::parse_number(&f.text);
        let _ = number::parse_whole_number(&f.text);
        let _ = datetime::parse_datetime(&f.text, now().now);
        let _ = datetime::parse_duration(&f.text);
        let _ = launch::split(&text, Language::Korean, &["피자봇".to_string()]);
    }

    /// Number and date words in any order do not panic (overflow, odd combinations).
    #[test]
    fn number_and_date_words_do_not_panic(
        words in proptest::collection::vec(proptest::sample::select(vec![
            "9", "99999999999", "만", "억", "조", "십", "삼", "열", "스무", "두", "개", "년", "월", "일",
            "시", "분", "후", "전", "반", "오후", "다음주", "금요일", "二", "十", "万", "時", "日", "ヶ月",
            "-", ".", "5", "마이너스", "하루", "번",
        ]), 0..12)
    ) {
        let text: String = words.concat();
        let f = normalize::fold(&text);
        let _ = number::parse_number(&f);
        let _ = datetime::parse_datetime(&f, now().now);
        let _ = datetime::parse_duration(&f);
        let ext = pizza();
        let m = Model::compile(&ext);
        let _ = m.analyse(&text, &now());
    }
}

#[test]
fn a_pattern_of_only_a_free_text_slot_does_not_swallow_everything() {
    let ext = extension(&[
        (
            "extension.toml",
            r#"id = "com.example.t"
language = "ja-JP"
name = "てんき"
invocation_names = ["てんき"]
builtin_intents = ["Clova.GuideIntent", "Clova.YesIntent", "Clova.NoIntent", "Clova.CancelIntent"]
builtin_slot_types = ["CLOVA.WORLD_CITY"]
"#,
        ),
        ("server.toml", "endpoint = \"https://example.com/cek\"\n"),
        (
            "interaction-model/intents/Weather.toml",
            r#"slots = { city = "CLOVA.WORLD_CITY" }
utterances = ["<city>東京</city>", "<city>パリ</city>の天気を教えて"]
"#,
        ),
    ]);
    let m = Model::compile(&ext);
    for (u, intent) in [
        ("ヘルプ", "Clova.GuideIntent"),
        ("はい", "Clova.YesIntent"),
        ("キャンセル", "Clova.CancelIntent"),
        ("今日の株価", "Clova.GuideIntent"),
    ] {
        let a = m.analyse(u, &now());
        assert_eq!(a.intent, intent, "{u}: {a:?}");
    }
    // the tagged value alone still matches, and free text where the pattern has words
    let a = m.analyse("東京", &now());
    assert_eq!((a.intent.as_str(), a.kind), ("Weather", MatchKind::Exact));
    let a = m.analyse("ロンドンの天気を教えて", &now());
    assert_eq!(a.intent, "Weather");
    assert_eq!(a.slot("city").unwrap().value, "ロンドン");
}

#[test]
fn unseen_phrasings_go_to_the_nearest_pattern_with_slots_from_the_intent() {
    let ext = pizza();
    let m = Model::compile(&ext);
    // no pattern has both words and this ending; the nearest is an OrderPizza pattern
    let a = m.analyse("피자 세 판 주문해 줄래", &now());
    assert_eq!(a.intent, "OrderPizza", "{a:?}");
    assert_eq!(a.kind, MatchKind::Similar);
    assert_eq!(slots(&a), vec![("pizzaAmount".into(), "3".into())]);
    // the same answer every time, from the same model or a new one
    assert_eq!(m.analyse("피자 세 판 주문해 줄래", &now()), a);
    assert_eq!(
        Model::compile(&ext).analyse("피자 세 판 주문해 줄래", &now()),
        a
    );
    let a = m.analyse("불고기 피자 두 판 주문 부탁해", &now());
    assert_eq!(a.intent, "OrderPizza", "{a:?}");
    assert_eq!(a.slot("pizzaType").unwrap().value, "불고기");
    assert_eq!(a.slot("pizzaAmount").unwrap().value, "2");
}

/// A `CLOVA.DATETIME_RECENT` slot resolves to the last such day, a `CLOVA.DATETIME` slot to the
/// next (spec §3.2: "now or earlier" / "now or later").
#[test]
fn datetime_recent_slot_resolves_to_the_past() {
    let info = KO_INFO.replace(
        "\"CLOVA.DATETIME\"",
        "\"CLOVA.DATETIME\", \"CLOVA.DATETIME_RECENT\"",
    );
    let ext = extension(&[
        ("extension.toml", &info),
        ("server.toml", "endpoint = \"https://example.com/cek\"\n"),
        (
            "interaction-model/intents/Diary.toml",
            "slots = { day = \"CLOVA.DATETIME_RECENT\" }\nutterances = [\"<day>어제</day> 일기 보여줘\"]\n",
        ),
        (
            "interaction-model/intents/Plan.toml",
            "slots = { day = \"CLOVA.DATETIME\" }\nutterances = [\"<day>내일</day> 일정 잡아줘\"]\n",
        ),
    ]);
    let m = Model::compile(&ext);
    // 2026-01-01 is a Thursday
    let a = m.analyse("월요일 일기 보여줘", &now());
    assert_eq!(
        (a.intent.as_str(), slots(&a)),
        ("Diary", vec![("day".into(), "2025-12-29".into())])
    );
    let a = m.analyse("12월 24일 일기 보여줘", &now());
    assert_eq!(slots(&a), [("day".to_string(), "2025-12-24".to_string())]);
    let a = m.analyse("월요일 일정 잡아줘", &now());
    assert_eq!(
        (a.intent.as_str(), slots(&a)),
        ("Plan", vec![("day".into(), "2026-01-05".into())])
    );
}

/// Every example phrase of the built-in intents in the developer guides goes to its intent,
/// in a model with a custom intent beside.
#[test]
fn documented_builtin_phrases() {
    for (lang, code, intents) in [
        (
            Language::Korean,
            "ko-KR",
            "\"Clova.GuideIntent\", \"Clova.CancelIntent\", \"Clova.YesIntent\", \"Clova.NoIntent\", \"Clova.NextIntent\", \"Clova.PreviousIntent\", \"Clova.PauseIntent\", \"Clova.ResumeIntent\", \"Clova.StopIntent\", \"Clova.RequestAlternativesIntent\"",
        ),
        (
            Language::Japanese,
            "ja-JP",
            "\"Clova.GuideIntent\", \"Clova.CancelIntent\", \"Clova.YesIntent\", \"Clova.NoIntent\", \"Clova.NextIntent\", \"Clova.PreviousIntent\", \"Clova.PauseIntent\", \"Clova.ResumeIntent\"",
        ),
    ] {
        let info = format!(
            "id = \"com.example.t\"\nlanguage = \"{code}\"\nname = \"ボット\"\ninvocation_names = [\"テストボット\"]\nbuiltin_intents = [{intents}]\n"
        );
        let ext = extension(&[
            ("extension.toml", &info),
            ("server.toml", "endpoint = \"https://example.com/cek\"\n"),
            (
                "interaction-model/intents/Order.toml",
                "utterances = [\"피자 주문해줘\", \"ピザを注文して\"]\n",
            ),
        ]);
        let m = Model::compile(&ext);
        let documented: Vec<_> = builtin::DOCUMENTED
            .iter()
            .filter(|(l, _, _)| *l == lang)
            .collect();
        assert_eq!(
            documented.len(),
            if lang == Language::Korean { 23 } else { 12 }
        );
        for (_, intent, phrase) in documented {
            let a = m.analyse(phrase, &now());
            assert_eq!(
                (a.intent.as_str(), a.kind),
                (*intent, MatchKind::Exact),
                "{phrase}"
            );
        }
    }
}

/// Money and measures return the number and the unit; a unit type the unit alone; a date
/// with a day part is a date-time interval with offsets.
#[test]
fn units_measures_and_intervals_in_slots() {
    let ext = extension(&[
        (
            "extension.toml",
            r#"id = "com.example.t"
language = "ja-JP"
name = "ショップ"
invocation_names = ["テストショップ"]
builtin_intents = ["Clova.GuideIntent"]
builtin_slot_types = ["CLOVA.MONEY", "CLOVA.UNIT_CURRENCY", "CLOVA.WEIGHT", "CLOVA.DATETIME"]
"#,
        ),
        ("server.toml", "endpoint = \"https://example.com/cek\"\n"),
        (
            "interaction-model/intents/Buy.toml",
            r#"slots = { price = "CLOVA.MONEY", amount = "CLOVA.WEIGHT" }
utterances = ["<price>88円</price>で<amount>2キロ</amount>買って"]
"#,
        ),
        (
            "interaction-model/intents/Exchange.toml",
            r#"slots = { currency = "CLOVA.UNIT_CURRENCY" }
utterances = ["<currency>ドル</currency>に両替して"]
"#,
        ),
        (
            "interaction-model/intents/Book.toml",
            r#"slots = { when = "CLOVA.DATETIME" }
utterances = ["<when>明日の朝</when>に予約して"]
"#,
        ),
    ]);
    let m = Model::compile(&ext);
    let a = m.analyse("200ユーロで500グラム買って", &now());
    assert_eq!((a.intent.as_str(), a.kind), ("Buy", MatchKind::Exact));
    let price = a.slot("price").unwrap();
    assert_eq!(
        (price.value.as_str(), price.unit.as_deref()),
        ("200", Some("EUR"))
    );
    let amount = a.slot("amount").unwrap();
    assert_eq!(
        (amount.value.as_str(), amount.unit.as_deref()),
        ("500", Some("グラム"))
    );
    let a = m.analyse("ユーロに両替して", &now());
    assert_eq!(a.slot("currency").unwrap().value, "EUR");
    assert_eq!(a.slot("currency").unwrap().unit, None);
    let a = m.analyse("明後日の夜に予約して", &now());
    let when = a.slot("when").unwrap();
    assert_eq!(
        (when.value.as_str(), when.value_type.as_deref()),
        (
            "2026-01-03T18:00:00+09:00/2026-01-04T00:00:00+09:00",
            Some("DATETIME.INTERVAL")
        )
    );
    let a = m.analyse("秋に予約して", &now());
    let when = a.slot("when").unwrap();
    assert_eq!(
        (when.value.as_str(), when.value_type.as_deref()),
        ("2026-09-01/2026-11-30", Some("DATE.INTERVAL"))
    );
}

/// A slot value alone, or with a particle, is an answer to the intent that has the slot.
#[test]
fn slot_filling_answers() {
    let ext = pizza();
    let m = Model::compile(&ext);
    for (u, intent, slot, value) in [
        ("페퍼로니", "OrderPizza", "pizzaType", "페퍼로니"),
        ("페퍼로니요", "OrderPizza", "pizzaType", "페퍼로니"),
        ("한 시간으로", "Timer", "length", "PT1H"),
    ] {
        let a = m.analyse(u, &now());
        assert_eq!(
            (a.intent.as_str(), a.kind, a.confidence),
            (intent, MatchKind::Similar, ANSWER_CONFIDENCE),
            "{u}"
        );
        assert_eq!(a.slot(slot).unwrap().value, value, "{u}");
    }
    // more than a particle besides the value: not an answer
    let a = m.analyse("페퍼로니 맛있어", &now());
    assert_ne!(a.confidence, ANSWER_CONFIDENCE);
    // a free-text built-in type (`CLOVA.WORLD_CITY`) is not a value cekops can recognise alone
    let a = m.analyse("서울이요", &now());
    assert_ne!(a.confidence, ANSWER_CONFIDENCE, "{a:?}");
}

/// In a near match, a date or day part said as a word of its own does not cut short the
/// date-time it starts (`저녁 7시에`, `내일 오후 3시쯤`).
#[test]
fn near_match_keeps_whole_date_times() {
    let ext = pizza();
    let m = Model::compile(&ext);
    for (u, value, value_type) in [
        ("저녁 7시에 예약 부탁해", "19:00:00", "TIME"),
        (
            "내일 저녁 7시에 예약 부탁해",
            "2026-01-02T19:00:00+09:00",
            "DATETIME",
        ),
        (
            "내일 저녁에 예약 부탁해",
            "2026-01-02T18:00:00+09:00/2026-01-03T00:00:00+09:00",
            "DATETIME.INTERVAL",
        ),
    ] {
        let a = m.analyse(u, &now());
        assert_eq!(
            (a.intent.as_str(), a.kind),
            ("Reserve", MatchKind::Similar),
            "{u}"
        );
        let when = a.slot("when").unwrap();
        assert_eq!(
            (when.value.as_str(), when.value_type.as_deref()),
            (value, Some(value_type)),
            "{u}"
        );
    }
}

/// In a conversation, a slot-filling answer goes to the intent of the previous utterance when
/// that intent has the slot (the extension asked for it); alone, to the intent with the most
/// samples holding the slot.
#[test]
fn answers_follow_the_conversation() {
    let ext = extension(&[
        ("extension.toml", KO_INFO),
        ("server.toml", "endpoint = \"https://example.com/cek\"\n"),
        (
            "interaction-model/intents/Order.toml",
            r#"slots = { size = "SIZE" }
utterances = ["<size>라지</size> 피자 주문해줘", "<size>미디엄</size>으로 주문할게", "피자 주문해줘"]
"#,
        ),
        (
            "interaction-model/intents/Change.toml",
            r#"slots = { size = "SIZE" }
utterances = ["사이즈를 <size>라지</size>로 바꿔줘", "사이즈 변경할래"]
"#,
        ),
        (
            "interaction-model/slot-types/SIZE.toml",
            "[values]\n\"라지\" = [\"큰 거\"]\n\"미디엄\" = []\n",
        ),
    ]);
    let m = Model::compile(&ext);
    let a = m.analyse("라지요", &now());
    assert_eq!(
        (a.intent.as_str(), a.slot("size").unwrap().value.as_str()),
        ("Order", "라지")
    );
    let a = m.analyse_after("큰 거요", &now(), Some("Change"));
    assert_eq!(
        (a.intent.as_str(), a.slot("size").unwrap().value.as_str()),
        ("Change", "라지")
    );
    // a previous intent without the slot does not decide
    let a = m.analyse_after("라지요", &now(), Some("Clova.GuideIntent"));
    assert_eq!(a.intent, "Order");
}
