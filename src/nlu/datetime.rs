//! `CLOVA.DATETIME` (and `_RECENT`) and `CLOVA.DURATION` for a documented subset of Korean and
//! Japanese expressions (README "Testing extensions"):
//!
//! - days: `오늘 내일 모레 글피 어제 그제/그저께`, `今日 明日 明後日 昨日 一昨日` (and kana);
//!   weekdays (`월요일`, `金曜日`/`金曜`), optionally after `이번 주/다음 주/지난주`,
//!   `今週/来週/再来週/先週`; `[N년] N월 N일`, `[N年]N月N日`, `N일`/`N日`;
//! - times: `[오전|오후|아침|저녁|밤|새벽|낮] N시 [N분|반] [N초]`, `정오`, `자정`,
//!   `[午前|午後|朝|夜|夕方] N時[N分|半]`, `正午`; a time without a day is a `TIME`;
//! - relative: `N분 후/뒤`, `N시간 전`, `N日後`, `N分前`… (seconds to years);
//! - weeks alone (`다음 주`, `来週`) are a `DATE.INTERVAL`, Monday to Sunday.
//! - months alone (`7월`, `7月`) and weekends (`주말`, `이번 주말`, `来週末`) are a
//!   `DATE.INTERVAL` too, first to last day;
//! - day parts (`朝`, `夕方`, `아침`, `저녁`…) are a `TIME.INTERVAL` (`06:00:00/09:00:00`), or a
//!   `DATETIME.INTERVAL` after a day (`明日の昼`, `내일 아침`); seasons (`秋`, `가을`) a
//!   `DATE.INTERVAL`: the ranges are [`DAY_PARTS`] and [`SEASONS`];
//! - `CLOVA.DATETIME_RECENT` resolves a date without its year, month or week backwards.
//!
//! Value formats follow the CEK reference (ja-JP `CEK/References/Interaction_Model.md`,
//! `CLOVA.DATETIME` examples): a date-time carries the `+09:00` offset
//! (`2018-08-10T03:00:00+09:00`); a date (`2018-08-10`) and a time (`03:00:00`) carry none;
//! an interval is `start/end` of the same forms.
//!
//! Durations: `N년 N개월/달 N주 N일 N시간 N분 N초` with `반` (`한 시간 반`), `하루 이틀 사흘
//! 나흘 보름 일주일`, `N年(間) Nか月 N週間 N日(間) N時間 N分(間) N秒(間)` and `半` → ISO 8601
//! (`PT1H30M`, `P2D`).
//!
//! Dates are resolved against a clock (`--now`, default the current time in UTC+9, the time of
//! Korea and Japan).

use jiff::SignedDuration;
use jiff::Span;
use jiff::Timestamp;
use jiff::civil;
use jiff::civil::Date;

use super::number;

/// A date and a time of day (local time, no zone), to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(civil::DateTime);

/// `year-month-day` when that day exists (years -9999 to 9999, jiff's range).
fn date(year: i64, month: i64, day: i64) -> Option<Date> {
    Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

/// `n` days after `d` (before when negative); `None` beyond jiff's range.
fn add_days(d: Date, n: i64) -> Option<Date> {
    d.checked_add(Span::new().try_days(n).ok()?).ok()
}

/// `n` months after `d`, the day clamped to the last of a shorter month (1-31 + 1 month =
/// 2-28); `None` beyond jiff's range.
fn add_months(d: Date, n: i64) -> Option<Date> {
    d.checked_add(Span::new().try_months(n).ok()?).ok()
}

/// Monday = 0 … Sunday = 6.
fn days_from_monday(d: Date) -> i64 {
    i64::from(d.weekday().to_monday_zero_offset())
}

/// `YYYY-MM-DD`.
fn iso_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

impl DateTime {
    /// The current time in UTC+9 (Korea and Japan have no daylight-saving time), to the second.
    pub fn now_utc9() -> DateTime {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let now = Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH);
        DateTime(jiff::tz::offset(9).to_datetime(now))
    }
    /// Parse `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS]` (a space may replace the `T`).
    pub fn parse(s: &str) -> Option<DateTime> {
        let s = s.trim();
        let (d, t) = match s.split_once(['T', ' ']) {
            Some((d, t)) => (d, Some(t)),
            None => (s, None),
        };
        let mut dp = d.split('-');
        let year: i32 = dp.next()?.parse().ok()?;
        let month: u32 = dp.next()?.parse().ok()?;
        let day: u32 = dp.next()?.parse().ok()?;
        if dp.next().is_some() {
            return None;
        }
        if !(1..=9999).contains(&year) {
            return None;
        }
        let date = date(year.into(), month.into(), day.into())?;
        let (mut hour, mut minute, mut second) = (0u32, 0u32, 0u32);
        if let Some(t) = t {
            let mut tp = t.split(':');
            hour = tp.next()?.parse().ok()?;
            minute = tp.next()?.parse().ok()?;
            if let Some(s) = tp.next() {
                second = s.parse().ok()?;
            }
            if tp.next().is_some() {
                return None;
            }
        }
        let time = civil::Time::new(
            i8::try_from(hour).ok()?,
            i8::try_from(minute).ok()?,
            i8::try_from(second).ok()?,
            0,
        )
        .ok()?;
        Some(DateTime(date.to_datetime(time)))
    }
    pub fn iso(self) -> String {
        format!(
            "{}T{:02}:{:02}:{:02}",
            iso_date(self.0.date()),
            self.0.hour(),
            self.0.minute(),
            self.0.second()
        )
    }
}

/// The UTC offset CEK writes on date-time values (Korea and Japan).
pub const OFFSET: &str = "+09:00";

/// Day parts and their time ranges (`end` 24 = midnight). The Japanese words and ranges are the
/// CEK reference's table (時間細分の定義); the Korean guides document none, so each Korean word
/// takes the range of the Japanese word of the same meaning.
pub const DAY_PARTS: &[(&[&str], u32, u32)] = &[
    (&["未明", "深夜", "심야"], 0, 3),
    (&["明け方", "새벽"], 3, 6),
    (&["朝", "아침"], 6, 9),
    (&["昼前", "お昼前"], 9, 12),
    (&["昼", "お昼", "昼頃", "점심", "점심때"], 11, 13),
    (&["昼過ぎ", "お昼過ぎ"], 12, 15),
    (&["夕方"], 15, 18),
    (&["午前", "오전"], 0, 12),
    (&["午後", "오후"], 12, 24),
    (&["日中", "낮"], 9, 18),
    (&["夜", "晩", "저녁", "밤"], 18, 24),
];

/// Seasons: (words, first month, last month); a season ends on its last month's last day
/// (winter: December to February of the next year). From the CEK reference's table (季節の定義).
pub const SEASONS: &[(&[&str], i64, i64)] = &[
    (&["春", "봄"], 3, 5),
    (&["夏", "여름"], 6, 8),
    (&["秋", "가을"], 9, 11),
    (&["冬", "겨울"], 12, 2),
];

/// The day part `s` is entirely: (start hour, end hour).
fn day_part(s: &str) -> Option<(u32, u32)> {
    DAY_PARTS
        .iter()
        .find(|(words, _, _)| words.contains(&s))
        .map(|(_, a, b)| (*a, *b))
}

/// The season `s` is entirely, as its interval nearest to `today` (the one under way or the
/// next; with `recent`, the one under way or the last).
fn season(s: &str, today: Date, recent: bool) -> Option<(Date, Date)> {
    let (_, first, last) = SEASONS.iter().find(|(words, _, _)| words.contains(&s))?;
    let y = i64::from(today.year());
    let span = |y: i64| -> Option<(Date, Date)> {
        let start = date(y, *first, 1)?;
        let end_year = if last < first { y + 1 } else { y };
        let end = add_days(add_months(date(end_year, *last, 1)?, 1)?, -1)?;
        Some((start, end))
    };
    let spans = [span(y - 1)?, span(y)?, span(y + 1)?];
    if recent {
        spans.into_iter().rev().find(|(a, _)| *a <= today)
    } else {
        spans.into_iter().find(|(_, b)| *b >= today)
    }
}

/// A recognised `CLOVA.DATETIME` value: ISO 8601 text and its `valueType`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateTimeValue {
    pub value: String,
    /// `DATE`, `TIME`, `DATETIME`, `TIME.INTERVAL`, `DATE.INTERVAL`, `DATETIME.INTERVAL`.
    pub value_type: &'static str,
}

/// Strip the longest of `words` (written folded) from the start of `s`.
fn strip<'a>(s: &'a str, words: &[&str]) -> Option<(&'a str, usize)> {
    words
        .iter()
        .filter_map(|w| s.strip_prefix(w).map(|r| (r, w.len())))
        .max_by_key(|(_, l)| *l)
}

/// A number at the start of `s` followed by one of `units`: (value, unit index, rest).
/// Tries the longest number first.
fn num_unit<'a>(s: &'a str, units: &[&[&str]]) -> Option<(i64, usize, &'a str)> {
    let mut cands = number::prefixes(s);
    cands.reverse();
    for (num, len) in cands {
        let Some(v) = num.int else { continue };
        let rest = &s[len..];
        let mut best: Option<(usize, &'a str, usize)> = None;
        for (i, words) in units.iter().enumerate() {
            if let Some((r, l)) = strip(rest, words)
                && best.is_none_or(|(_, _, bl)| l > bl)
            {
                best = Some((i, r, l));
            }
        }
        if let Some((i, r, _)) = best {
            return Some((v, i, r));
        }
    }
    None
}

const WEEKDAYS: &[&[&str]] = &[
    &["월요일", "月曜日", "月曜"],
    &["화요일", "火曜日", "火曜"],
    &["수요일", "水曜日", "水曜"],
    &["목요일", "木曜日", "木曜"],
    &["금요일", "金曜日", "金曜"],
    &["토요일", "土曜日", "土曜"],
    &["일요일", "日曜日", "日曜"],
];

fn weekday(s: &str) -> Option<(u32, &str)> {
    for (i, words) in WEEKDAYS.iter().enumerate() {
        if let Some((r, _)) = strip(s, words) {
            return Some((i as u32, r));
        }
    }
    None
}

enum DatePart {
    Day(Date),
    Week(Date),
}

/// A date said without its year, month or week: the next one (`CLOVA.DATETIME`, "now or later")
/// or, `recent`, the last one (`CLOVA.DATETIME_RECENT`, "now or earlier"; spec §3.2).
fn date_part(s: &str, today: Date, recent: bool) -> Option<(DatePart, &str)> {
    const DAYS: &[(&[&str], i64)] = &[
        (&["오늘", "今日", "きょう", "本日"], 0),
        (&["내일", "明日", "あした", "あす"], 1),
        (&["모레", "明後日", "あさって"], 2),
        (&["글피", "明々後日", "明明後日", "しあさって"], 3),
        (&["어제", "昨日", "きのう"], -1),
        (&["그제", "그저께", "一昨日", "おととい"], -2),
    ];
    for (words, n) in DAYS {
        if let Some((r, _)) = strip(s, words) {
            return Some((DatePart::Day(add_days(today, *n)?), r));
        }
    }
    const WEEKS: &[(&[&str], i64)] = &[
        (&["이번주", "今週"], 0),
        (&["다음주", "来週"], 1),
        (&["다다음주", "再来週"], 2),
        (&["지난주", "저번주", "先週"], -1),
    ];
    for (words, n) in WEEKS {
        if let Some((r, _)) = strip(s, words) {
            let start = add_days(today, 7 * n - days_from_monday(today))?;
            let r2 = r.strip_prefix('の').unwrap_or(r);
            if let Some((wd, r3)) = weekday(r2) {
                return Some((DatePart::Day(add_days(start, i64::from(wd))?), r3));
            }
            return Some((DatePart::Week(start), r));
        }
    }
    if let Some((wd, r)) = weekday(s) {
        let ahead = if recent {
            -(days_from_monday(today) - i64::from(wd)).rem_euclid(7)
        } else {
            (i64::from(wd) - days_from_monday(today)).rem_euclid(7)
        };
        return Some((DatePart::Day(add_days(today, ahead)?), r));
    }
    // [N년] N월 N일 / [N年]N月N日 / N일
    let (year, s2) = match num_unit(s, &[&["년", "年"]]) {
        Some((y, _, r)) if (1..=9999).contains(&y) => (Some(y), r),
        Some(_) => return None,
        None => (None, s),
    };
    if let Some((m, _, r)) = num_unit(s2, &[&["월", "月"]])
        && let Some((d, _, r)) = num_unit(r, &[&["일", "日"]])
    {
        let date = match year {
            Some(y) => date(y, m, d)?,
            None => {
                let this = date(today.year().into(), m, d);
                match this {
                    Some(t) if recent && t <= today => t,
                    Some(t) if !recent && t >= today => t,
                    _ => date(i64::from(today.year()) + if recent { -1 } else { 1 }, m, d)?,
                }
            }
        };
        return Some((DatePart::Day(date), r));
    }
    if year.is_none()
        && let Some((d, _, r)) = num_unit(s, &[&["일", "日"]])
    {
        let this = date(today.year().into(), today.month().into(), d);
        let date = match this {
            Some(t) if recent && t <= today => t,
            Some(t) if !recent && t >= today => t,
            _ => {
                let other = add_months(today, if recent { -1 } else { 1 })?;
                date(other.year().into(), other.month().into(), d)?
            }
        };
        return Some((DatePart::Day(date), r));
    }
    None
}

/// A time of day: (hour, minute, second, rest).
fn time_part(s: &str) -> Option<(u32, u32, u32, &str)> {
    if let Some((r, _)) = strip(s, &["정오", "正午"]) {
        return Some((12, 0, 0, r));
    }
    if let Some((r, _)) = strip(s, &["자정"]) {
        return Some((0, 0, 0, r));
    }
    let (pm, am, s) = if let Some((r, _)) =
        strip(s, &["오후", "저녁", "밤", "낮", "午後", "夜", "夕方"])
    {
        (true, false, r)
    } else if let Some((r, _)) = strip(s, &["오전", "아침", "새벽", "午前", "朝"]) {
        (false, true, r)
    } else {
        (false, false, s)
    };
    let (h, _, mut rest) = num_unit(s, &[&["시", "時"]])?;
    let mut hour = u32::try_from(h).ok().filter(|h| *h <= 24)?;
    if pm && hour < 12 {
        hour += 12;
    }
    if am && hour == 12 {
        hour = 0;
    }
    if hour == 24 {
        hour = 0;
    }
    let mut minute = 0;
    let mut second = 0;
    if let Some((r, _)) = strip(rest, &["반", "半"]) {
        minute = 30;
        rest = r;
    } else if let Some((m, _, r)) = num_unit(rest, &[&["분", "分"]]) {
        minute = u32::try_from(m).ok().filter(|m| *m < 60)?;
        rest = r;
        if let Some((sec, _, r)) = num_unit(rest, &[&["초", "秒"]]) {
            second = u32::try_from(sec).ok().filter(|s| *s < 60)?;
            rest = r;
        }
    }
    Some((hour, minute, second, rest))
}

const UNITS: &[&[&str]] = &[
    &["년", "年", "年間"],
    &[
        "개월",
        "달",
        "か月",
        "ゖ月",
        "ゕ月",
        "け月",
        "箇月",
        "ゖ月間",
        "か月間",
    ],
    &["주", "주일", "週", "週間"],
    &["일", "日", "日間"],
    &["시간", "時間"],
    &["분", "分", "分間"],
    &["초", "秒", "秒間"],
];

/// Durations as (years, months, weeks, days, hours, minutes, seconds).
type Parts = [i64; 7];

fn duration_parts(s: &str) -> Option<Parts> {
    let mut parts: Parts = [0; 7];
    let mut rest = s;
    let mut any = false;
    const WORDS: &[(&[&str], usize, i64)] = &[
        (&["하루"], 3, 1),
        (&["이틀"], 3, 2),
        (&["사흘"], 3, 3),
        (&["나흘"], 3, 4),
        (&["보름"], 3, 15),
        (&["일주일"], 2, 1),
    ];
    while !rest.is_empty() {
        if let Some((i, n, r)) = WORDS
            .iter()
            .find_map(|(w, i, n)| strip(rest, w).map(|(r, _)| (*i, *n, r)))
        {
            parts[i] += n;
            rest = r;
            any = true;
            continue;
        }
        let (v, unit, r) = num_unit(rest, UNITS)?;
        // beyond any useful period (and keeps date arithmetic in range)
        if !(0..=100_000).contains(&v) {
            return None;
        }
        parts[unit] += v;
        rest = r;
        any = true;
        if let Some((r, _)) = strip(rest, &["반", "半"]) {
            // half of the unit just said
            match unit {
                0 => parts[1] += 6,
                1 => parts[3] += 15,
                3 => parts[4] += 12,
                4 => parts[5] += 30,
                5 => parts[6] += 30,
                _ => return None,
            }
            rest = r;
        }
    }
    any.then_some(parts)
}

fn iso_duration(p: &Parts) -> String {
    let [y, mo, w, d, h, mi, s] = *p;
    if w > 0 && y == 0 && mo == 0 && d == 0 && h == 0 && mi == 0 && s == 0 {
        return format!("P{w}W");
    }
    let d = d + 7 * w;
    let mut out = String::from("P");
    for (v, u) in [(y, 'Y'), (mo, 'M'), (d, 'D')] {
        if v != 0 {
            out.push_str(&format!("{v}{u}"));
        }
    }
    if h != 0 || mi != 0 || s != 0 {
        out.push('T');
        for (v, u) in [(h, 'H'), (mi, 'M'), (s, 'S')] {
            if v != 0 {
                out.push_str(&format!("{v}{u}"));
            }
        }
    }
    if out == "P" {
        out.push_str("T0S");
    }
    out
}

/// `CLOVA.DURATION`: the whole folded text as an ISO 8601 duration.
pub fn parse_duration(s: &str) -> Option<String> {
    duration_parts(s).map(|p| iso_duration(&p))
}

/// `CLOVA.DATETIME`: the whole folded text as a date, time, date-time or week.
pub fn parse_datetime(s: &str, now: DateTime) -> Option<DateTimeValue> {
    parse_datetime_toward(s, now, false)
}

/// [`parse_datetime`], or with `recent` as `CLOVA.DATETIME_RECENT`: a date without its year,
/// month or week is the last one, not the next (`월요일` on a Wednesday is two days ago).
pub fn parse_datetime_toward(s: &str, now: DateTime, recent: bool) -> Option<DateTimeValue> {
    if s.is_empty() {
        return None;
    }
    // relative: N unit 후/뒤/전, N unit 後/前
    if let Some((r, later)) = strip_suffix_any(
        s,
        &[
            ("후", true),
            ("뒤", true),
            ("있다가", true),
            ("後", true),
            ("전", false),
            ("前", false),
        ],
    ) && let Some(p) = duration_parts(r)
    {
        let sign = if later { 1 } else { -1 };
        let [y, mo, w, d, h, mi, sec] = p;
        // Months first (the day clamped to a shorter month), then the exact seconds; beyond
        // jiff's years (-9999 to 9999) it is no date.
        let date = add_months(now.0.date(), sign * (12 * y + mo))?;
        let secs = sign * (((w * 7 + d) * 24 + h) * 3600 + mi * 60 + sec);
        let t = DateTime(
            date.to_datetime(now.0.time())
                .checked_add(SignedDuration::from_secs(secs))
                .ok()?,
        );
        let date_only = h == 0 && mi == 0 && sec == 0;
        return Some(if date_only {
            DateTimeValue {
                value: iso_date(t.0.date()),
                value_type: "DATE",
            }
        } else {
            DateTimeValue {
                value: format!("{}{OFFSET}", t.iso()),
                value_type: "DATETIME",
            }
        });
    }
    let today = now.0.date();
    let interval = |a: Date, b: Date| DateTimeValue {
        value: format!("{}/{}", iso_date(a), iso_date(b)),
        value_type: "DATE.INTERVAL",
    };
    // a month alone (`7월`, `7月`): its first to last day (spec §3.2, intervals as `a/b`)
    if let Some((m, _, r)) = num_unit(s, &[&["월", "月"]])
        && r.is_empty()
        && (1..=12).contains(&m)
    {
        let first = |y: i64| date(y, m, 1);
        let y = i64::from(today.year());
        let this = first(y)?;
        let last_day = |d: Date| add_days(add_months(d, 1)?, -1);
        let start = match (recent, this) {
            (false, t) if last_day(t)? >= today => t,
            (false, _) => first(y + 1)?,
            (true, t) if t <= today => t,
            (true, _) => first(y - 1)?,
        };
        return Some(interval(start, last_day(start)?));
    }
    // a season alone (`秋`, `가을`): its first to last day
    if let Some((a, b)) = season(s, today, recent) {
        return Some(interval(a, b));
    }
    // a day part alone (`朝`, `저녁`): its hours
    if let Some((a, b)) = day_part(s) {
        return Some(DateTimeValue {
            value: format!("{a:02}:00:00/{b:02}:00:00"),
            value_type: "TIME.INTERVAL",
        });
    }
    // a weekend alone (`주말`, `週末`): Saturday and Sunday of this week (or the last one)
    if let Some((r, _)) = strip(s, &["주말", "週末"])
        && r.is_empty()
    {
        let monday = add_days(today, -days_from_monday(today))?;
        let saturday = add_days(monday, 5)?;
        let saturday = if recent && saturday > today {
            add_days(saturday, -7)?
        } else {
            saturday
        };
        return Some(interval(saturday, add_days(saturday, 1)?));
    }
    let (day, rest) = match date_part(s, today, recent) {
        Some((d, r)) => (Some(d), r),
        None => (None, s),
    };
    // `이번 주말`, `来週末`: the week's Saturday and Sunday
    if let Some(DatePart::Week(start)) = day
        && matches!(rest, "말" | "末")
    {
        return Some(interval(add_days(start, 5)?, add_days(start, 6)?));
    }
    let rest = rest.strip_prefix('の').unwrap_or(rest);
    if rest.is_empty() {
        return day.and_then(|d| match d {
            DatePart::Day(d) => Some(DateTimeValue {
                value: iso_date(d),
                value_type: "DATE",
            }),
            DatePart::Week(start) => Some(DateTimeValue {
                value: format!("{}/{}", iso_date(start), iso_date(add_days(start, 6)?)),
                value_type: "DATE.INTERVAL",
            }),
        });
    }
    // a day and a day part (`明日の昼`, `내일 아침`): those hours of that day
    if let Some(DatePart::Day(d)) = day
        && let Some((a, b)) = day_part(rest)
    {
        let at = |d: Date, h: u32| format!("{}T{h:02}:00:00{OFFSET}", iso_date(d));
        let end = if b == 24 {
            at(add_days(d, 1)?, 0)
        } else {
            at(d, b)
        };
        return Some(DateTimeValue {
            value: format!("{}/{end}", at(d, a)),
            value_type: "DATETIME.INTERVAL",
        });
    }
    let (h, m, sec, rest) = time_part(rest)?;
    if !rest.is_empty() {
        return None;
    }
    match day {
        Some(DatePart::Day(date)) => Some(DateTimeValue {
            value: format!("{}T{h:02}:{m:02}:{sec:02}{OFFSET}", iso_date(date)),
            value_type: "DATETIME",
        }),
        Some(DatePart::Week(_)) => None,
        None => Some(DateTimeValue {
            value: format!("{h:02}:{m:02}:{sec:02}"),
            value_type: "TIME",
        }),
    }
}

fn strip_suffix_any<'a>(s: &'a str, words: &[(&str, bool)]) -> Option<(&'a str, bool)> {
    words
        .iter()
        .find_map(|(w, later)| s.strip_suffix(w).map(|r| (r, *later)))
}

#[cfg(test)]
mod tests {
    use super::super::normalize::fold;
    use super::*;

    // 2026-01-01 was a Thursday.
    fn now() -> DateTime {
        DateTime::parse("2026-01-01T10:00:00").unwrap()
    }

    fn dt(s: &str) -> Option<(String, &'static str)> {
        parse_datetime(&fold(s), now()).map(|v| (v.value, v.value_type))
    }

    fn dur(s: &str) -> Option<String> {
        parse_duration(&fold(s))
    }

    /// The CEK reference's examples (ja-JP `CEK/References/Interaction_Model.md`), said on
    /// Friday 2018-08-10 at 9:00: values, offsets and intervals as CEK writes them.
    #[test]
    fn reference_examples() {
        let at = DateTime::parse("2018-08-10T09:00:00").unwrap();
        let v = |s: &str, recent: bool| {
            parse_datetime_toward(&fold(s), at, recent).map(|v| (v.value, v.value_type))
        };
        let some = |v: &str, t: &'static str| Some((v.to_string(), t));
        for recent in [false, true] {
            assert_eq!(v("3時", recent), some("03:00:00", "TIME"));
            assert_eq!(v("2018年8月10日", recent), some("2018-08-10", "DATE"));
            assert_eq!(
                v("2018年8月10日3時", recent),
                some("2018-08-10T03:00:00+09:00", "DATETIME")
            );
            assert_eq!(v("朝", recent), some("06:00:00/09:00:00", "TIME.INTERVAL"));
        }
        // the reference writes `…T11:00:00+09:00/2018-08-09T13:00:00+09:00` and DATE.INTERVAL:
        // a slip (the end before the start, a date-time labelled a date)
        assert_eq!(
            v("明日の昼", false),
            some(
                "2018-08-11T11:00:00+09:00/2018-08-11T13:00:00+09:00",
                "DATETIME.INTERVAL"
            )
        );
        assert_eq!(
            v("秋", false),
            some("2018-09-01/2018-11-30", "DATE.INTERVAL")
        );
        assert_eq!(
            v("秋", true),
            some("2017-09-01/2017-11-30", "DATE.INTERVAL")
        );
        assert_eq!(v("火曜日", false), some("2018-08-14", "DATE"));
        assert_eq!(v("火曜日", true), some("2018-08-07", "DATE"));
        assert_eq!(
            v("7月", true),
            some("2018-07-01/2018-07-31", "DATE.INTERVAL")
        );
        assert_eq!(
            v("7月", false),
            some("2019-07-01/2019-07-31", "DATE.INTERVAL")
        );
    }

    /// Every day part and season of the tables, in Korean and Japanese.
    #[test]
    fn day_parts_and_seasons() {
        let some = |v: &str, t: &'static str| Some((v.to_string(), t));
        assert_eq!(dt("夕方"), some("15:00:00/18:00:00", "TIME.INTERVAL"));
        assert_eq!(dt("お昼"), some("11:00:00/13:00:00", "TIME.INTERVAL"));
        assert_eq!(dt("아침"), some("06:00:00/09:00:00", "TIME.INTERVAL"));
        assert_eq!(dt("저녁"), some("18:00:00/24:00:00", "TIME.INTERVAL"));
        assert_eq!(dt("오후"), some("12:00:00/24:00:00", "TIME.INTERVAL"));
        assert_eq!(
            dt("내일 저녁"),
            some(
                "2026-01-02T18:00:00+09:00/2026-01-03T00:00:00+09:00",
                "DATETIME.INTERVAL"
            )
        );
        assert_eq!(
            dt("오늘 아침"),
            some(
                "2026-01-01T06:00:00+09:00/2026-01-01T09:00:00+09:00",
                "DATETIME.INTERVAL"
            )
        );
        // times with a day part still are times
        assert_eq!(dt("저녁 7시"), some("19:00:00", "TIME"));
        assert_eq!(dt("朝7時"), some("07:00:00", "TIME"));
        // on 2026-01-01 winter is under way (December to February)
        assert_eq!(dt("겨울"), some("2025-12-01/2026-02-28", "DATE.INTERVAL"));
        assert_eq!(dt("冬"), some("2025-12-01/2026-02-28", "DATE.INTERVAL"));
        assert_eq!(dt("봄"), some("2026-03-01/2026-05-31", "DATE.INTERVAL"));
        assert_eq!(dt("여름"), some("2026-06-01/2026-08-31", "DATE.INTERVAL"));
        assert_eq!(dt("가을"), some("2026-09-01/2026-11-30", "DATE.INTERVAL"));
        let recent = |s: &str| parse_datetime_toward(&fold(s), now(), true).map(|v| v.value);
        assert_eq!(recent("가을").as_deref(), Some("2025-09-01/2025-11-30"));
        assert_eq!(recent("겨울").as_deref(), Some("2025-12-01/2026-02-28"));
        let leap = DateTime::parse("2027-12-15T10:00:00").unwrap();
        assert_eq!(
            parse_datetime(&fold("冬"), leap)
                .map(|v| v.value)
                .as_deref(),
            Some("2027-12-01/2028-02-29")
        );
        assert_eq!(dt("가을 7시"), None);
        assert_eq!(dt("다음 주 아침"), None);
    }

    #[test]
    fn calendar() {
        let d = |y, m, d| date(y, m, d).unwrap();
        assert_eq!(days_from_monday(d(2026, 1, 1)), 3);
        assert_eq!(days_from_monday(d(2026, 1, 5)), 0);
        assert_eq!(days_from_monday(d(2026, 1, 4)), 6);
        for ((y, m, day), n, want) in [
            ((2024, 2, 29), 1, "2024-03-01"),
            ((2025, 2, 28), 1, "2025-03-01"),
            ((2025, 12, 31), 1, "2026-01-01"),
            ((2026, 1, 1), -1, "2025-12-31"),
        ] {
            assert_eq!(add_days(d(y, m, day), n).map(iso_date).unwrap(), want);
        }
        for ((y, m, day), n, want) in [
            ((2026, 1, 31), 1, "2026-02-28"),
            ((2024, 1, 31), 1, "2024-02-29"),
            ((2024, 2, 29), 12, "2025-02-28"),
            ((2026, 3, 31), -1, "2026-02-28"),
            ((2025, 12, 15), 1, "2026-01-15"),
        ] {
            assert_eq!(add_months(d(y, m, day), n).map(iso_date).unwrap(), want);
        }
        assert_eq!(iso_date(d(1, 1, 1)), "0001-01-01");
        assert!(date(2025, 2, 29).is_none());
        assert!(date(1900, 2, 29).is_none());
        assert!(date(2000, 2, 29).is_some());
        assert!(date(2026, 4, 31).is_none());
        assert!(date(2026, 0, 1).is_none());
        assert!(date(2026, 1, 0).is_none());
        assert!(date(i64::MAX, 1, 1).is_none());
        assert!(date(2026, -1, 300).is_none());
        // Past jiff's years: no date, no panic.
        assert!(add_days(d(9999, 12, 31), 1).is_none());
        assert!(add_days(d(2026, 1, 1), i64::MAX).is_none());
        assert!(add_months(d(9999, 12, 1), 1).is_none());
        assert!(add_months(d(2026, 1, 1), i64::MIN).is_none());
        assert!(DateTime::parse("2026-13-01").is_none());
        assert!(DateTime::parse("2026-01-01T25:00").is_none());
        assert!(DateTime::parse("2026-01-01T23:60").is_none());
        assert!(DateTime::parse("2026-01-01T23:59:60").is_none());
        assert!(DateTime::parse("2026-02-29").is_none());
        assert!(DateTime::parse("0000-01-01").is_none());
        assert!(DateTime::parse("10000-01-01").is_none());
        assert_eq!(
            DateTime::parse("2024-02-29 23:59:59").unwrap().iso(),
            "2024-02-29T23:59:59"
        );
        assert_eq!(
            DateTime::parse("2026-1-5T7:05").unwrap().iso(),
            "2026-01-05T07:05:00"
        );
        // Whole seconds: what `iso` prints parses back to the same value.
        let now = DateTime::now_utc9();
        assert_eq!(DateTime::parse(&now.iso()), Some(now));
    }

    fn dt_at(now: &str, s: &str) -> Option<(String, &'static str)> {
        let now = DateTime::parse(now).unwrap();
        parse_datetime(&fold(s), now).map(|v| (v.value, v.value_type))
    }

    /// `CLOVA.DATETIME` is "now or later", `CLOVA.DATETIME_RECENT` "now or earlier" (spec
    /// §3.2): a date without its year, month or week goes forward or back.
    #[test]
    fn recent_dates_are_in_the_past() {
        let at = |s: &str, recent: bool| {
            let now = DateTime::parse("2026-01-07T10:00").unwrap(); // a Wednesday
            parse_datetime_toward(&fold(s), now, recent).map(|v| (v.value, v.value_type))
        };
        let date = |s: &str| Some((s.to_string(), "DATE"));
        for (said, next, last) in [
            ("월요일", "2026-01-12", "2026-01-05"),
            ("수요일", "2026-01-07", "2026-01-07"),
            ("金曜日", "2026-01-09", "2026-01-02"),
            ("12월 25일", "2026-12-25", "2025-12-25"),
            ("1月7日", "2026-01-07", "2026-01-07"),
            ("3월 5일", "2026-03-05", "2025-03-05"),
            ("20일", "2026-01-20", "2025-12-20"),
            ("5日", "2026-02-05", "2026-01-05"),
            ("어제", "2026-01-06", "2026-01-06"),
        ] {
            assert_eq!(at(said, false), date(next), "{said}");
            assert_eq!(at(said, true), date(last), "{said}");
        }
        // explicit weeks, years and relative times do not move
        assert_eq!(at("다음 주 월요일", true), date("2026-01-12"));
        assert_eq!(at("2025년 3월 5일", true), date("2025-03-05"));
        assert_eq!(at("3일 전", true), date("2026-01-04"));
    }

    /// Months and weekends are intervals (`DATE.INTERVAL`, `a/b`; spec §3.2).
    #[test]
    fn months_and_weekends_are_date_intervals() {
        let at = |s: &str, recent: bool| {
            let now = DateTime::parse("2026-01-07T10:00").unwrap(); // a Wednesday
            parse_datetime_toward(&fold(s), now, recent).map(|v| (v.value, v.value_type))
        };
        let iv = |s: &str| Some((s.to_string(), "DATE.INTERVAL"));
        assert_eq!(at("7월", false), iv("2026-07-01/2026-07-31"));
        assert_eq!(at("7月", true), iv("2025-07-01/2025-07-31"));
        assert_eq!(at("1월", false), iv("2026-01-01/2026-01-31"));
        assert_eq!(at("1월", true), iv("2026-01-01/2026-01-31"));
        assert_eq!(at("2월", false), iv("2026-02-01/2026-02-28"));
        assert_eq!(at("13월", false), None);
        assert_eq!(at("주말", false), iv("2026-01-10/2026-01-11"));
        assert_eq!(at("週末", true), iv("2026-01-03/2026-01-04"));
        assert_eq!(at("이번 주말", false), iv("2026-01-10/2026-01-11"));
        assert_eq!(at("다음 주말", false), iv("2026-01-17/2026-01-18"));
        assert_eq!(at("来週末", false), iv("2026-01-17/2026-01-18"));
        assert_eq!(at("지난 주말", true), iv("2026-01-03/2026-01-04"));
    }

    #[test]
    fn month_ends_leap_days_and_year_ends() {
        let date = |s: &str| Some((s.to_string(), "DATE"));
        assert_eq!(dt_at("2026-01-31", "1개월 후"), date("2026-02-28"));
        assert_eq!(dt_at("2024-01-31", "한 달 뒤"), date("2024-02-29"));
        assert_eq!(dt_at("2024-02-29", "1년 후"), date("2025-02-28"));
        assert_eq!(dt_at("2024-02-29", "4년 후"), date("2028-02-29"));
        assert_eq!(dt_at("2026-03-31", "1개월 전"), date("2026-02-28"));
        assert_eq!(dt_at("2026-01-31", "1개월 1일 후"), date("2026-03-01"));
        assert_eq!(dt_at("2024-02-28", "내일"), date("2024-02-29"));
        assert_eq!(dt_at("2025-02-28", "내일"), date("2025-03-01"));
        assert_eq!(dt_at("2025-12-31", "내일"), date("2026-01-01"));
        assert_eq!(dt_at("2026-01-01", "그제"), date("2025-12-30"));
        assert_eq!(
            dt_at("2025-12-31T23:30", "1시간 후"),
            Some(("2026-01-01T00:30:00+09:00".into(), "DATETIME"))
        );
        assert_eq!(
            dt_at("2024-03-01T00:10", "20분 전"),
            Some(("2024-02-29T23:50:00+09:00".into(), "DATETIME"))
        );
        // A week across the year's end, Monday to Sunday.
        assert_eq!(
            dt_at("2025-12-31", "이번 주"),
            Some(("2025-12-29/2026-01-04".into(), "DATE.INTERVAL"))
        );
        assert_eq!(dt_at("2026-01-02", "지난주 금요일"), date("2025-12-26"));
        assert_eq!(dt_at("2025-12-31", "月曜日"), date("2026-01-05"));
        // A month and day already past this year is next year's; a leap day only in a leap year
        // (this one or the next).
        assert_eq!(dt_at("2025-12-31", "1월 1일"), date("2026-01-01"));
        assert_eq!(dt_at("2024-01-10", "2월 29일"), date("2024-02-29"));
        assert_eq!(dt_at("2024-03-01", "2월 29일"), None);
        assert_eq!(dt_at("2023-01-10", "2월 29일"), date("2024-02-29"));
        // A day missing from this month is next month's.
        assert_eq!(dt_at("2026-04-15", "31일"), date("2026-05-31"));
        assert_eq!(dt_at("2024-01-30", "29일"), date("2024-02-29"));
        assert_eq!(dt_at("2026-01-30", "29일"), None);
        assert_eq!(dt_at("2025-12-31", "1일"), date("2026-01-01"));
        assert_eq!(dt_at("2026-02-10", "31일"), date("2026-03-31"));
    }

    #[test]
    fn out_of_range_is_no_date() {
        // Beyond year 9999 (jiff's range) nothing is recognised, and nothing panics.
        assert_eq!(dt_at("9999-12-31", "내일"), None);
        assert_eq!(dt_at("9999-12-31", "1일 후"), None);
        assert_eq!(dt_at("9999-12-31", "다음 주"), None);
        assert_eq!(dt_at("9999-12-31", "1월 1일"), None);
        assert_eq!(dt_at("9999-12-05", "1일"), None);
        assert_eq!(dt_at("2026-01-01", "100000년 후"), None);
        assert_eq!(
            dt_at("0001-01-01", "어제"),
            Some(("0000-12-31".into(), "DATE"))
        );
        assert_eq!(dt_at("0001-01-01", "100000년 전"), None);
        assert_eq!(
            dt_at(
                "2026-01-01",
                "100000년 100000개월 100000주 100000일 100000시간 100000분 100000초 후"
            ),
            None
        );
        assert_eq!(dt_at("2026-01-01", "10000년 1월 1일"), None);
        assert_eq!(
            dt_at("2026-01-01", "9999년 12월 31일"),
            Some(("9999-12-31".into(), "DATE"))
        );
    }

    #[test]
    fn korean_days() {
        assert_eq!(dt("오늘"), Some(("2026-01-01".into(), "DATE")));
        assert_eq!(dt("내일"), Some(("2026-01-02".into(), "DATE")));
        assert_eq!(dt("모레"), Some(("2026-01-03".into(), "DATE")));
        assert_eq!(dt("어제"), Some(("2025-12-31".into(), "DATE")));
        assert_eq!(dt("월요일"), Some(("2026-01-05".into(), "DATE")));
        assert_eq!(dt("목요일"), Some(("2026-01-01".into(), "DATE")));
        assert_eq!(dt("다음 주 월요일"), Some(("2026-01-05".into(), "DATE")));
        assert_eq!(dt("3월 1일"), Some(("2026-03-01".into(), "DATE")));
        assert_eq!(dt("2027년 3월 1일"), Some(("2027-03-01".into(), "DATE")));
        assert_eq!(dt("15일"), Some(("2026-01-15".into(), "DATE")));
        assert_eq!(
            dt("다음 주"),
            Some(("2026-01-05/2026-01-11".into(), "DATE.INTERVAL"))
        );
    }

    #[test]
    fn korean_times() {
        assert_eq!(dt("3시"), Some(("03:00:00".into(), "TIME")));
        assert_eq!(dt("세 시"), Some(("03:00:00".into(), "TIME")));
        assert_eq!(dt("오후 3시 30분"), Some(("15:30:00".into(), "TIME")));
        assert_eq!(dt("오후 세 시 반"), Some(("15:30:00".into(), "TIME")));
        assert_eq!(dt("저녁 7시"), Some(("19:00:00".into(), "TIME")));
        assert_eq!(dt("열두 시"), Some(("12:00:00".into(), "TIME")));
        assert_eq!(dt("정오"), Some(("12:00:00".into(), "TIME")));
        assert_eq!(
            dt("내일 오후 3시"),
            Some(("2026-01-02T15:00:00+09:00".into(), "DATETIME"))
        );
        assert_eq!(
            dt("10분 후"),
            Some(("2026-01-01T10:10:00+09:00".into(), "DATETIME"))
        );
        assert_eq!(
            dt("한 시간 뒤"),
            Some(("2026-01-01T11:00:00+09:00".into(), "DATETIME"))
        );
        assert_eq!(
            dt("1시간 전"),
            Some(("2026-01-01T09:00:00+09:00".into(), "DATETIME"))
        );
        assert_eq!(dt("3일 후"), Some(("2026-01-04".into(), "DATE")));
    }

    #[test]
    fn japanese() {
        assert_eq!(dt("今日"), Some(("2026-01-01".into(), "DATE")));
        assert_eq!(dt("明日"), Some(("2026-01-02".into(), "DATE")));
        assert_eq!(dt("あさって"), Some(("2026-01-03".into(), "DATE")));
        assert_eq!(dt("3時"), Some(("03:00:00".into(), "TIME")));
        assert_eq!(dt("午後3時半"), Some(("15:30:00".into(), "TIME")));
        assert_eq!(
            dt("明日の午後三時"),
            Some(("2026-01-02T15:00:00+09:00".into(), "DATETIME"))
        );
        assert_eq!(dt("来週の金曜日"), Some(("2026-01-09".into(), "DATE")));
        assert_eq!(dt("12月25日"), Some(("2026-12-25".into(), "DATE")));
        assert_eq!(
            dt("30分後"),
            Some(("2026-01-01T10:30:00+09:00".into(), "DATETIME"))
        );
    }

    #[test]
    fn not_datetimes() {
        assert_eq!(dt(""), None);
        assert_eq!(dt("피자"), None);
        assert_eq!(dt("3시 피자"), None);
        assert_eq!(dt("25시"), None);
        assert_eq!(dt("2월 30일"), None);
    }

    #[test]
    fn tables_are_folded() {
        let tables: Vec<&[&str]> = UNITS
            .iter()
            .copied()
            .chain(WEEKDAYS.iter().copied())
            .chain(DAY_PARTS.iter().map(|(w, _, _)| *w))
            .chain(SEASONS.iter().map(|(w, _, _)| *w))
            .collect();
        for t in tables {
            for w in t {
                assert_eq!(fold(w), *w, "{w} is not written folded");
            }
        }
        for w in [
            "あした",
            "あす",
            "あさって",
            "しあさって",
            "きのう",
            "おととい",
            "きょう",
        ] {
            assert_eq!(fold(w), w);
        }
    }

    #[test]
    fn durations() {
        assert_eq!(dur("10분"), Some("PT10M".into()));
        assert_eq!(dur("1시간"), Some("PT1H".into()));
        assert_eq!(dur("한 시간 반"), Some("PT1H30M".into()));
        assert_eq!(dur("1시간 30분"), Some("PT1H30M".into()));
        assert_eq!(dur("하루"), Some("P1D".into()));
        assert_eq!(dur("이틀"), Some("P2D".into()));
        assert_eq!(dur("일주일"), Some("P1W".into()));
        assert_eq!(dur("3개월"), Some("P3M".into()));
        assert_eq!(dur("한 달"), Some("P1M".into()));
        assert_eq!(dur("30초"), Some("PT30S".into()));
        assert_eq!(dur("2日間"), Some("P2D".into()));
        assert_eq!(dur("3時間"), Some("PT3H".into()));
        assert_eq!(dur("十分"), Some("PT10M".into()));
        assert_eq!(dur("1時間半"), Some("PT1H30M".into()));
        assert_eq!(dur("2週間"), Some("P2W".into()));
        assert_eq!(dur("3ヶ月"), Some("P3M".into()));
        assert_eq!(dur("3カ月"), Some("P3M".into()));
        assert_eq!(dur("1年"), Some("P1Y".into()));
        assert_eq!(dur("피자"), None);
        assert_eq!(dur(""), None);
    }
}
