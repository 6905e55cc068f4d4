//! Units and measures: `CLOVA.UNIT` and `CLOVA.UNIT_*` (the unit alone: `value` = the unit),
//! `CLOVA.MONEY`, `CLOVA.LENGTH`, `CLOVA.WEIGHT`… (a number and a unit: `value` = the number,
//! `unit` = the unit), as the CEK reference describes them (ja-JP
//! `CEK/References/Interaction_Model.md`, 単位を取得する / 数値と単位を取得する).
//!
//! The unit is written as the reference writes it: the full Japanese word (`キロメートル` for
//! `km`, `度` for `℃`, `パーセント` for `%`), the full Korean word for Korean units, and the
//! ISO 4217 code for currencies (`JPY`, `KRW`). Words are compared folded.

use std::sync::OnceLock;

use super::normalize::fold;
use super::number;

/// The unit classes of the `CLOVA.UNIT_*` types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    General,
    Area,
    Currency,
    Information,
    Length,
    Ratio,
    Speed,
    Temperature,
    Volume,
    Weight,
}

/// The unit class of a built-in type, and whether it is a number with the unit (`CLOVA.MONEY`)
/// rather than the unit alone (`CLOVA.UNIT_CURRENCY`); `None` class = every class
/// (`CLOVA.UNIT`).
pub fn builtin(name: &str) -> Option<(Option<Class>, bool)> {
    use Class::*;
    Some(match name {
        "CLOVA.UNIT" => (None, false),
        "CLOVA.UNIT_GENERAL" => (Some(General), false),
        "CLOVA.UNIT_AREA" => (Some(Area), false),
        "CLOVA.UNIT_CURRENCY" | "CLOVA.CURRENCY" => (Some(Currency), false),
        "CLOVA.UNIT_INFORMATION" => (Some(Information), false),
        "CLOVA.UNIT_LENGTH" => (Some(Length), false),
        "CLOVA.UNIT_RATIO" => (Some(Ratio), false),
        "CLOVA.UNIT_SPEED" => (Some(Speed), false),
        "CLOVA.UNIT_TEMPERATURE" => (Some(Temperature), false),
        "CLOVA.UNIT_VOLUME" => (Some(Volume), false),
        "CLOVA.UNIT_WEIGHT" => (Some(Weight), false),
        "CLOVA.AREA" => (Some(Area), true),
        "CLOVA.MONEY" => (Some(Currency), true),
        "CLOVA.INFORMATION" => (Some(Information), true),
        "CLOVA.LENGTH" => (Some(Length), true),
        "CLOVA.RATIO" => (Some(Ratio), true),
        "CLOVA.SPEED" => (Some(Speed), true),
        "CLOVA.TEMPERATURE" => (Some(Temperature), true),
        "CLOVA.VOLUME" => (Some(Volume), true),
        "CLOVA.WEIGHT" => (Some(Weight), true),
        _ => return None,
    })
}

/// (class, unit as CEK writes it, ways to say it). `キロ` / `킬로` alone is a length for
/// `CLOVA.LENGTH` and a weight for `CLOVA.WEIGHT`; for `CLOVA.UNIT` the first row wins (weight),
/// as the reference advises the typed unit types when it matters.
const UNITS: &[(Class, &str, &[&str])] = &[
    // currencies (ISO 4217)
    (
        Class::Currency,
        "JPY",
        &["円", "えん", "日本円", "엔", "엔화"],
    ),
    (Class::Currency, "KRW", &["ウォン", "원", "원화"]),
    (
        Class::Currency,
        "USD",
        &["ドル", "米ドル", "달러", "미국 달러", "불"],
    ),
    (Class::Currency, "EUR", &["ユーロ", "유로"]),
    (Class::Currency, "CNY", &["人民元", "元", "위안", "위안화"]),
    (Class::Currency, "GBP", &["ポンド", "파운드"]),
    // weights
    (Class::Weight, "キログラム", &["キログラム", "キロ", "kg"]),
    (Class::Weight, "グラム", &["グラム", "g"]),
    (Class::Weight, "ミリグラム", &["ミリグラム", "mg"]),
    (Class::Weight, "トン", &["トン", "t"]),
    (Class::Weight, "킬로그램", &["킬로그램", "킬로"]),
    (Class::Weight, "그램", &["그램"]),
    (Class::Weight, "밀리그램", &["밀리그램"]),
    (Class::Weight, "톤", &["톤"]),
    // lengths
    (
        Class::Length,
        "キロメートル",
        &["キロメートル", "キロ", "km"],
    ),
    (Class::Length, "メートル", &["メートル", "m"]),
    (
        Class::Length,
        "センチメートル",
        &["センチメートル", "センチ", "cm"],
    ),
    (
        Class::Length,
        "ミリメートル",
        &["ミリメートル", "ミリ", "mm"],
    ),
    (Class::Length, "マイル", &["マイル", "mile", "miles"]),
    (Class::Length, "킬로미터", &["킬로미터", "킬로"]),
    (Class::Length, "미터", &["미터"]),
    (Class::Length, "센티미터", &["센티미터", "센티"]),
    (Class::Length, "밀리미터", &["밀리미터", "밀리"]),
    (Class::Length, "마일", &["마일"]),
    // areas
    (
        Class::Area,
        "平方メートル",
        &["平方メートル", "平米", "㎡", "m2"],
    ),
    (Class::Area, "坪", &["坪"]),
    (Class::Area, "제곱미터", &["제곱미터"]),
    (Class::Area, "평", &["평"]),
    // volumes
    (Class::Volume, "リットル", &["リットル", "l"]),
    (Class::Volume, "ミリリットル", &["ミリリットル", "ml", "cc"]),
    (Class::Volume, "리터", &["리터"]),
    (Class::Volume, "밀리리터", &["밀리리터"]),
    // information
    (Class::Information, "ビット", &["ビット", "bit"]),
    (Class::Information, "バイト", &["バイト", "byte"]),
    (Class::Information, "キロバイト", &["キロバイト", "kb"]),
    (
        Class::Information,
        "メガバイト",
        &["メガバイト", "メガ", "mb"],
    ),
    (
        Class::Information,
        "ギガバイト",
        &["ギガバイト", "ギガ", "gb"],
    ),
    (Class::Information, "テラバイト", &["テラバイト", "tb"]),
    (Class::Information, "비트", &["비트"]),
    (Class::Information, "바이트", &["바이트"]),
    (Class::Information, "킬로바이트", &["킬로바이트"]),
    (Class::Information, "메가바이트", &["메가바이트", "메가"]),
    (Class::Information, "기가바이트", &["기가바이트", "기가"]),
    (Class::Information, "테라바이트", &["테라바이트", "테라"]),
    // ratios
    (
        Class::Ratio,
        "パーセント",
        &["パーセント", "%", "％", "プロ"],
    ),
    (Class::Ratio, "倍", &["倍"]),
    (Class::Ratio, "割", &["割"]),
    (Class::Ratio, "퍼센트", &["퍼센트", "프로"]),
    (Class::Ratio, "배", &["배"]),
    // speeds
    (
        Class::Speed,
        "キロメートル毎時",
        &["キロメートル毎時", "km/h"],
    ),
    (Class::Speed, "メートル毎秒", &["メートル毎秒", "m/s"]),
    (Class::Speed, "メートル毎分", &["メートル毎分"]),
    (
        Class::Speed,
        "킬로미터 매시",
        &["킬로미터 매시", "킬로미터 매 시"],
    ),
    // temperatures
    (Class::Temperature, "度", &["度", "℃", "°c", "度c"]),
    (Class::Temperature, "도", &["도", "섭씨"]),
    // general counters (the reference's list for ja-JP; the usual Korean counters)
    (Class::General, "個", &["個"]),
    (Class::General, "枚", &["枚"]),
    (Class::General, "本", &["本"]),
    (Class::General, "台", &["台"]),
    (Class::General, "体", &["体"]),
    (Class::General, "回", &["回"]),
    (Class::General, "件", &["件"]),
    (Class::General, "軒", &["軒"]),
    (Class::General, "つ", &["つ"]),
    (Class::General, "号", &["号"]),
    (Class::General, "冊", &["冊"]),
    (Class::General, "杯", &["杯"]),
    (Class::General, "カップ", &["カップ"]),
    (Class::General, "人", &["人"]),
    (Class::General, "匹", &["匹"]),
    (Class::General, "頭", &["頭"]),
    (Class::General, "階", &["階"]),
    (Class::General, "歳", &["歳"]),
    (Class::General, "才", &["才"]),
    (Class::General, "食", &["食"]),
    (Class::General, "席", &["席"]),
    (Class::General, "位", &["位"]),
    (Class::General, "箱", &["箱"]),
    (Class::General, "袋", &["袋"]),
    (Class::General, "ケース", &["ケース"]),
    (Class::General, "缶", &["缶"]),
    (Class::General, "개", &["개"]),
    (Class::General, "판", &["판"]),
    (Class::General, "명", &["명"]),
    (Class::General, "번", &["번"]),
    (Class::General, "잔", &["잔"]),
    (Class::General, "병", &["병"]),
    (Class::General, "마리", &["마리"]),
    (Class::General, "권", &["권"]),
    (Class::General, "장", &["장"]),
    (Class::General, "대", &["대"]),
    (Class::General, "살", &["살"]),
    (Class::General, "층", &["층"]),
    (Class::General, "그릇", &["그릇"]),
    (Class::General, "상자", &["상자", "박스"]),
    (Class::General, "봉지", &["봉지"]),
    (Class::General, "캔", &["캔"]),
    (Class::General, "컵", &["컵"]),
    (Class::General, "세트", &["세트"]),
];

/// The folded ways to say each unit: (folded, class, unit).
fn folded() -> &'static [(String, Class, &'static str)] {
    static FOLDED: OnceLock<Vec<(String, Class, &'static str)>> = OnceLock::new();
    FOLDED.get_or_init(|| {
        UNITS
            .iter()
            .flat_map(|(class, unit, said)| said.iter().map(move |s| (fold(s), *class, *unit)))
            .collect()
    })
}

/// The unit folded text `s` is entirely, of `class` (any class for `None`).
pub fn parse_unit(s: &str, class: Option<Class>) -> Option<&'static str> {
    folded()
        .iter()
        .find(|(f, c, _)| f == s && class.is_none_or(|k| k == *c))
        .map(|(_, _, unit)| *unit)
}

/// A number followed by a unit of `class` (`88円`, `2.2km`, `三十六度`), the whole folded text:
/// (the number as CEK writes it, the unit).
pub fn parse_measure(s: &str, class: Class) -> Option<(String, &'static str)> {
    let mut cands = number::prefixes(s);
    cands.reverse();
    cands.into_iter().find_map(|(num, len)| {
        let rest = &s[len..];
        if rest.is_empty() {
            return None;
        }
        parse_unit(rest, Some(class)).map(|unit| (num.text, unit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(name: &str, said: &str) -> Option<(String, &'static str)> {
        let (class, with_number) = builtin(name).unwrap();
        assert!(with_number, "{name}");
        parse_measure(&fold(said), class.unwrap())
    }

    fn unit(name: &str, said: &str) -> Option<&'static str> {
        let (class, with_number) = builtin(name).unwrap();
        assert!(!with_number, "{name}");
        parse_unit(&fold(said), class)
    }

    /// The reference's examples (ja-JP `CEK/References/Interaction_Model.md`).
    #[test]
    fn reference_examples() {
        let m = |v: &str, u: &'static str| Some((v.to_string(), u));
        assert_eq!(measure("CLOVA.MONEY", "88円"), m("88", "JPY"));
        assert_eq!(measure("CLOVA.MONEY", "1万円"), m("10000", "JPY"));
        assert_eq!(measure("CLOVA.MONEY", "200ユーロ"), m("200", "EUR"));
        assert_eq!(measure("CLOVA.AREA", "20坪"), m("20", "坪"));
        assert_eq!(
            measure("CLOVA.INFORMATION", "6ギガバイト"),
            m("6", "ギガバイト")
        );
        assert_eq!(
            measure("CLOVA.LENGTH", "2.2キロメートル"),
            m("2.2", "キロメートル")
        );
        assert_eq!(measure("CLOVA.RATIO", "100倍"), m("100", "倍"));
        assert_eq!(
            measure("CLOVA.SPEED", "75キロメートル毎時"),
            m("75", "キロメートル毎時")
        );
        assert_eq!(measure("CLOVA.VOLUME", "5リットル"), m("5", "リットル"));
        assert_eq!(measure("CLOVA.WEIGHT", "30mg"), m("30", "ミリグラム"));
        assert_eq!(measure("CLOVA.TEMPERATURE", "36.5℃"), m("36.5", "度"));
        assert_eq!(unit("CLOVA.UNIT", "冊"), Some("冊"));
        assert_eq!(unit("CLOVA.UNIT_GENERAL", "個"), Some("個"));
        assert_eq!(
            unit("CLOVA.UNIT_AREA", "平方メートル"),
            Some("平方メートル")
        );
        assert_eq!(unit("CLOVA.UNIT_CURRENCY", "ユーロ"), Some("EUR"));
        assert_eq!(unit("CLOVA.UNIT_CURRENCY", "ウォン"), Some("KRW"));
        assert_eq!(unit("CLOVA.UNIT_LENGTH", "マイル"), Some("マイル"));
        assert_eq!(unit("CLOVA.UNIT_RATIO", "％"), Some("パーセント"));
        assert_eq!(unit("CLOVA.UNIT_TEMPERATURE", "℃"), Some("度"));
        assert_eq!(unit("CLOVA.UNIT_WEIGHT", "キログラム"), Some("キログラム"));
    }

    #[test]
    fn korean_and_ambiguous_units() {
        let m = |v: &str, u: &'static str| Some((v.to_string(), u));
        assert_eq!(measure("CLOVA.MONEY", "만 원"), m("10000", "KRW"));
        assert_eq!(measure("CLOVA.MONEY", "20달러"), m("20", "USD"));
        assert_eq!(measure("CLOVA.LENGTH", "50킬로"), m("50", "킬로미터"));
        assert_eq!(measure("CLOVA.WEIGHT", "50킬로"), m("50", "킬로그램"));
        assert_eq!(measure("CLOVA.WEIGHT", "50キロ"), m("50", "キログラム"));
        assert_eq!(measure("CLOVA.LENGTH", "50キロ"), m("50", "キロメートル"));
        assert_eq!(measure("CLOVA.AREA", "113평"), m("113", "평"));
        assert_eq!(measure("CLOVA.TEMPERATURE", "영하 3도"), None);
        // the unit of another class, or no number, is no measure
        assert_eq!(measure("CLOVA.MONEY", "30kg"), None);
        assert_eq!(measure("CLOVA.MONEY", "円"), None);
        assert_eq!(unit("CLOVA.UNIT_CURRENCY", "킬로"), None);
        assert_eq!(unit("CLOVA.UNIT", "킬로"), Some("킬로그램"));
        assert_eq!(builtin("CLOVA.NUMBER"), None);
    }
}
