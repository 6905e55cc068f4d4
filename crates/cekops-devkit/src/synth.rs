//! Synthetic extension repositories, for benchmarks and tests.
//!
//! [`Synth::generate`] builds a complete, valid repository from [`Params`]: `cekops.toml` and N
//! extensions (ko-KR and ja-JP), each with `extension.toml`, `server.toml` (some with account
//! linking, secrets by reference), `store.toml` with real PNG icons of the exact sizes, custom
//! intents whose sample utterances are Korean or Japanese phrases with `<slot>value</slot>` tags,
//! custom slot types (`.toml`, and every other one in the console's `.tsv` format) with
//! representative values and synonyms, the built-in slot types `CLOVA.NUMBER` and
//! `CLOVA.DATETIME`, and a test suite. `cekops validate` reports nothing for it, under test and
//! under service rules.
//!
//! The same parameters and seed always give the same bytes. The repository lives in memory:
//! [`Synth::files`] renders it, [`Synth::write_to`] writes it into a folder and [`Synth::tree`]
//! gives a [`Tree`] snapshot for in-process use. [`Synth::edit_utterances`] replaces some sample
//! utterances of one extension (still valid), for measuring `validate --staged` after a small
//! change or `diff` between two revisions.
//!
//! ```text
//! let mut synth = Synth::generate(&Params { extensions: 100, utterances: 1_000_000, ..Params::default() })?;
//! synth.write_to(Path::new("/tmp/big"))?;
//! let changed = synth.edit_utterances(7, 1, 42)?; // paths of the rewritten intent files
//! ```

use std::collections::BTreeMap;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use anyhow::bail;

use cekops::model::Language;
use cekops::rules::lang;
use cekops::tree::Entry;
use cekops::tree::Tree;
use cekops::utterance::normalize;

use crate::rng::Rng;

/// The size and shape of a synthetic repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// Number of extensions.
    pub extensions: usize,
    /// Sample utterances in the whole repository, spread evenly over the extensions.
    pub utterances: usize,
    /// Most sample utterances in one intent (the console allows 2,000); an extension gets as many
    /// intents as its share of utterances needs.
    pub max_utterances_per_intent: usize,
    /// Custom slot types per extension (at most one per intent; fewer when there are fewer intents).
    pub slot_types_per_extension: usize,
    /// Representative values per custom slot type.
    pub values_per_type: usize,
    /// Synonyms per representative value (at most; a candidate that would belong to two values is
    /// left out).
    pub synonyms_per_value: usize,
    /// Every n-th extension (the 2nd, 2nd + n, …) is Japanese (`ja-JP`); 0 makes all Korean.
    pub japanese_every: usize,
    /// Seed of the pseudo-random choices.
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            extensions: 10,
            utterances: 10_000,
            max_utterances_per_intent: 1_000,
            slot_types_per_extension: 8,
            values_per_type: 200,
            synonyms_per_value: 2,
            japanese_every: 4,
            seed: 1,
        }
    }
}

/// Counts of what a synthetic repository holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub extensions: usize,
    pub intents: usize,
    pub utterances: usize,
    pub slot_types: usize,
    /// Representative values and synonyms of all custom slot types.
    pub slot_entries: usize,
    pub files: usize,
    pub bytes: usize,
}

/// A generated repository (kept as a model; files are rendered on demand).
#[derive(Clone, Debug)]
pub struct Synth {
    params: Params,
    exts: Vec<ExtGen>,
    icons: (Arc<[u8]>, Arc<[u8]>),
}

#[derive(Clone, Debug)]
struct ExtGen {
    id: String,
    lang: Language,
    index: usize,
    name: String,
    invocation: String,
    account_linking: bool,
    types: Vec<TypeGen>,
    intents: Vec<IntentGen>,
    /// Normalised plain text of every sample utterance of the extension.
    seen: HashSet<String>,
}

#[derive(Clone, Debug)]
struct TypeGen {
    name: String,
    domain: usize,
    tsv: bool,
    values: Vec<(String, Vec<String>)>,
}

#[derive(Clone, Debug)]
struct IntentGen {
    name: String,
    domain: usize,
    /// Index into the extension's slot types.
    ty: usize,
    utterances: Vec<Utt>,
}

#[derive(Clone, Debug)]
struct Utt {
    tagged: String,
    norm: String,
}

/// One kind of intent: its custom slot type's vocabulary, a second slot with a built-in type,
/// and the words around them.
struct Domain {
    intent: &'static str,
    ty: &'static str,
    slot: &'static str,
    about: &'static str,
    /// Representative values are `modifier + head`.
    mods: &'static [&'static str],
    heads: &'static [&'static str],
    /// Synonym tails: `modifier head tail`.
    tails: &'static [&'static str],
    b_slot: &'static str,
    b_type: &'static str,
    b_values: &'static [&'static str],
    verbs: &'static [&'static str],
}

struct Vocab {
    openings: &'static [&'static str],
    /// `{a}`: the custom slot, `{b}`: the built-in slot, `{v}`: the verb phrase. The first
    /// template has both slots.
    templates: &'static [&'static str],
    /// Between modifier and head in the spaced synonym.
    space: &'static str,
    domains: &'static [Domain],
    brands: &'static [&'static str],
    things: &'static [&'static str],
}

const KO_CITIES: &[&str] = &[
    "서울", "부산", "대구", "인천", "광주", "대전", "울산", "수원", "춘천", "강릉", "전주", "제주",
    "포항", "창원", "여수", "목포", "청주", "천안", "안동", "속초",
];
const KO_WHEN: &[&str] = &[
    "오늘",
    "내일",
    "모레",
    "이번 주말",
    "오늘 저녁",
    "내일 아침",
    "토요일",
    "다음 주 월요일",
];

const KO: Vocab = Vocab {
    openings: &[
        "",
        "지금 ",
        "빨리 ",
        "오늘 ",
        "혹시 ",
        "음 ",
        "저기 ",
        "이번에는 ",
        "좀 ",
        "그럼 ",
        "아 ",
        "나 ",
    ],
    templates: &["{a} {b} {v}", "{b} {a} {v}", "{a} {v}"],
    space: " ",
    domains: &[
        Domain {
            intent: "OrderMenu",
            ty: "MENU",
            slot: "menu",
            about: "메뉴 주문",
            mods: &[
                "불고기",
                "치즈",
                "고구마",
                "새우",
                "페퍼로니",
                "포테이토",
                "베이컨",
                "콤비네이션",
                "하와이안",
                "양념",
                "간장",
                "마늘",
                "크림",
                "토마토",
                "참치",
                "야채",
                "김치",
                "소불고기",
                "매콤",
                "트러플",
            ],
            heads: &[
                "피자",
                "버거",
                "파스타",
                "치킨",
                "떡볶이",
                "김밥",
                "라면",
                "샐러드",
                "덮밥",
                "우동",
            ],
            tails: &["세트", "메뉴", "큰 거", "작은 거"],
            b_slot: "count",
            b_type: "CLOVA.NUMBER",
            b_values: &["한 판", "두 판", "세 판", "하나", "둘", "셋", "2개", "3개"],
            verbs: &[
                "주문해줘",
                "주문해 주세요",
                "주문할게",
                "시켜줘",
                "시켜 주세요",
                "배달해줘",
                "배달해 주세요",
                "부탁해",
            ],
        },
        Domain {
            intent: "AskWeather",
            ty: "CITY",
            slot: "city",
            about: "날씨 안내",
            mods: KO_CITIES,
            heads: &["", "시내", "역", "공항", "해변", "시청"],
            tails: &["쪽", "근처", "지역"],
            b_slot: "when",
            b_type: "CLOVA.DATETIME",
            b_values: KO_WHEN,
            verbs: &[
                "날씨 알려줘",
                "날씨 어때",
                "날씨 어때요",
                "비 와",
                "기온 알려줘",
                "미세먼지 어때",
                "날씨 좀 알려 줄래",
                "우산 필요해",
            ],
        },
        Domain {
            intent: "PlayMusic",
            ty: "PLAYLIST",
            slot: "playlist",
            about: "음악 재생",
            mods: &[
                "신나는",
                "잔잔한",
                "감성",
                "새벽",
                "출근길",
                "운동용",
                "드라이브",
                "카페",
                "공부용",
                "힐링",
                "여름",
                "겨울",
            ],
            heads: &[
                "음악",
                "노래",
                "재즈",
                "발라드",
                "힙합",
                "클래식",
                "팝송",
                "동요",
            ],
            tails: &["모음", "플레이리스트", "목록"],
            b_slot: "count",
            b_type: "CLOVA.NUMBER",
            b_values: &["한 곡", "두 곡", "세 곡", "다섯 곡", "열 곡"],
            verbs: &[
                "틀어줘",
                "틀어 주세요",
                "재생해줘",
                "들려줘",
                "재생해 주세요",
                "켜줘",
                "듣고 싶어",
            ],
        },
        Domain {
            intent: "CallTaxi",
            ty: "PLACE",
            slot: "place",
            about: "택시 호출",
            mods: KO_CITIES,
            heads: &[
                "역",
                "공항",
                "터미널",
                "시청",
                "병원",
                "대학교",
                "시장",
                "공원",
            ],
            tails: &["앞", "입구", "정문"],
            b_slot: "when",
            b_type: "CLOVA.DATETIME",
            b_values: &[
                "지금",
                "10분 뒤",
                "오후 3시",
                "내일 아침 7시",
                "30분 후",
                "오늘 밤",
            ],
            verbs: &[
                "택시 불러줘",
                "택시 잡아줘",
                "택시 불러 주세요",
                "택시 예약해줘",
                "가는 택시 불러줘",
                "가야 해",
            ],
        },
        Domain {
            intent: "SetAlarm",
            ty: "ALARM_SOUND",
            slot: "sound",
            about: "알람 설정",
            mods: &[
                "새소리",
                "파도",
                "빗소리",
                "종소리",
                "피아노",
                "기타",
                "바람",
                "시냇물",
                "오르골",
                "뻐꾸기",
            ],
            heads: &["알람", "벨", "멜로디", "소리"],
            tails: &["버전", "모드"],
            b_slot: "when",
            b_type: "CLOVA.DATETIME",
            b_values: &[
                "내일 아침 6시",
                "오전 7시",
                "30분 뒤",
                "매일 아침",
                "주말 아침 9시",
            ],
            verbs: &[
                "알람 맞춰줘",
                "깨워줘",
                "알람 설정해줘",
                "알람 켜줘",
                "알람 부탁해",
                "알람 맞춰 주세요",
            ],
        },
        Domain {
            intent: "AddToCart",
            ty: "PRODUCT",
            slot: "product",
            about: "장보기",
            mods: &[
                "유기농",
                "저지방",
                "무가당",
                "국산",
                "수입",
                "대용량",
                "미니",
                "친환경",
            ],
            heads: &[
                "우유",
                "두부",
                "계란",
                "사과",
                "바나나",
                "생수",
                "쌀",
                "커피",
                "휴지",
                "식빵",
            ],
            tails: &["한 묶음", "특가", "묶음"],
            b_slot: "count",
            b_type: "CLOVA.NUMBER",
            b_values: &["한 개", "두 개", "세 개", "한 팩", "두 병", "한 박스"],
            verbs: &[
                "장바구니에 담아줘",
                "담아줘",
                "사줘",
                "주문 목록에 넣어줘",
                "구매해줘",
                "추가해 줘",
            ],
        },
        Domain {
            intent: "FindRecipe",
            ty: "DISH",
            slot: "dish",
            about: "레시피 검색",
            mods: &[
                "김치",
                "된장",
                "순두부",
                "부대",
                "닭",
                "돼지고기",
                "소고기",
                "해물",
                "버섯",
                "감자",
            ],
            heads: &["찌개", "볶음", "전", "국", "조림", "무침", "구이", "찜"],
            tails: &["요리", "만들기"],
            b_slot: "count",
            b_type: "CLOVA.NUMBER",
            b_values: &["1인분", "2인분", "3인분", "4인분"],
            verbs: &[
                "레시피 알려줘",
                "만드는 법 알려줘",
                "요리법 찾아줘",
                "레시피 보여줘",
                "만들고 싶어",
            ],
        },
        Domain {
            intent: "BookRoom",
            ty: "ROOM_TYPE",
            slot: "room",
            about: "객실 예약",
            mods: &[
                "스탠다드",
                "디럭스",
                "패밀리",
                "스위트",
                "오션뷰",
                "트윈",
                "더블",
                "온돌",
            ],
            heads: &["룸", "객실", "방"],
            tails: &["타입", "패키지"],
            b_slot: "when",
            b_type: "CLOVA.DATETIME",
            b_values: &["이번 주말", "다음 주 금요일", "내일", "12월 24일", "모레"],
            verbs: &[
                "예약해줘",
                "잡아줘",
                "예약하고 싶어",
                "예약 부탁해",
                "있는지 알려줘",
            ],
        },
    ],
    brands: &[
        "맛있는",
        "행복한",
        "똑똑한",
        "빠른",
        "우리동네",
        "오늘의",
        "달콤한",
        "든든한",
        "친절한",
        "즐거운",
    ],
    things: &[
        "피자가게",
        "날씨요정",
        "음악상자",
        "택시친구",
        "알람시계",
        "장보기",
        "요리사",
        "호텔예약",
        "비서",
        "도우미",
    ],
};

const JA_CITIES: &[&str] = &[
    "東京",
    "大阪",
    "名古屋",
    "札幌",
    "福岡",
    "横浜",
    "神戸",
    "京都",
    "仙台",
    "広島",
    "那覇",
    "金沢",
    "新潟",
    "静岡",
    "熊本",
    "長崎",
];

const JA: Vocab = Vocab {
    openings: &[
        "",
        "今すぐ",
        "えっと、",
        "ちょっと",
        "あの、",
        "すみません、",
        "じゃあ",
        "急いで",
    ],
    templates: &["{b}の{a}{v}", "{a}{v}", "{b}、{a}{v}"],
    space: " ",
    domains: &[
        Domain {
            intent: "OrderMenu",
            ty: "MENU",
            slot: "menu",
            about: "メニューの注文",
            mods: &[
                "照り焼き",
                "チーズ",
                "えび",
                "ツナ",
                "マルゲリータ",
                "ペパロニ",
                "ベーコン",
                "明太子",
                "ガーリック",
                "トマト",
                "きのこ",
                "カレー",
            ],
            heads: &[
                "ピザ",
                "バーガー",
                "パスタ",
                "うどん",
                "ラーメン",
                "丼",
                "サラダ",
                "ドリア",
            ],
            tails: &["セット", "大盛り", "単品"],
            b_slot: "count",
            b_type: "CLOVA.NUMBER",
            b_values: &["一つ", "二つ", "三つ", "1個", "2個", "3枚"],
            verbs: &[
                "を注文して",
                "を頼んで",
                "を注文したい",
                "をください",
                "をお願い",
                "を届けて",
                "を注文お願いします",
            ],
        },
        Domain {
            intent: "AskWeather",
            ty: "CITY",
            slot: "city",
            about: "天気の案内",
            mods: JA_CITIES,
            heads: &["", "市", "駅周辺", "空港", "市内"],
            tails: &["方面", "あたり"],
            b_slot: "when",
            b_type: "CLOVA.DATETIME",
            b_values: &[
                "今日",
                "明日",
                "明後日",
                "今夜",
                "週末",
                "土曜日",
                "明日の朝",
            ],
            verbs: &[
                "の天気を教えて",
                "の天気は",
                "の天気どう",
                "の気温を教えて",
                "の降水確率は",
                "は雨が降る",
            ],
        },
        Domain {
            intent: "PlayMusic",
            ty: "PLAYLIST",
            slot: "playlist",
            about: "音楽の再生",
            mods: &[
                "元気な",
                "静かな",
                "朝の",
                "夜の",
                "ドライブ用",
                "作業用",
                "カフェ風",
                "懐かしい",
            ],
            heads: &[
                "音楽",
                "曲",
                "ジャズ",
                "ロック",
                "ポップス",
                "クラシック",
                "バラード",
            ],
            tails: &["メドレー", "特集"],
            b_slot: "count",
            b_type: "CLOVA.NUMBER",
            b_values: &["1曲", "2曲", "3曲", "5曲", "10曲"],
            verbs: &[
                "をかけて",
                "を流して",
                "を再生して",
                "が聴きたい",
                "をかけてください",
            ],
        },
        Domain {
            intent: "CallTaxi",
            ty: "PLACE",
            slot: "place",
            about: "タクシーの配車",
            mods: JA_CITIES,
            heads: &["駅", "空港", "市役所", "病院", "大学", "公園", "ホテル"],
            tails: &["前", "入口"],
            b_slot: "when",
            b_type: "CLOVA.DATETIME",
            b_values: &["今", "10分後", "午後3時", "明日の朝7時", "30分後"],
            verbs: &[
                "までタクシーを呼んで",
                "に行くタクシーを呼んで",
                "までお願い",
                "まで行きたい",
                "までタクシーを予約して",
            ],
        },
        Domain {
            intent: "SetAlarm",
            ty: "ALARM_SOUND",
            slot: "sound",
            about: "アラームの設定",
            mods: &[
                "鳥の声",
                "波の音",
                "雨音",
                "鐘",
                "ピアノ",
                "ギター",
                "風鈴",
                "小川",
            ],
            heads: &["のアラーム", "の音", "のメロディ"],
            tails: &["バージョン", "モード"],
            b_slot: "when",
            b_type: "CLOVA.DATETIME",
            b_values: &["明日の朝6時", "午前7時", "30分後", "毎朝", "土曜の朝9時"],
            verbs: &[
                "でアラームをセットして",
                "で起こして",
                "をセットして",
                "でアラームかけて",
            ],
        },
        Domain {
            intent: "AddToCart",
            ty: "PRODUCT",
            slot: "product",
            about: "お買い物",
            mods: &["有機", "低脂肪", "無糖", "国産", "大容量", "ミニ", "特選"],
            heads: &[
                "牛乳",
                "豆腐",
                "卵",
                "りんご",
                "バナナ",
                "水",
                "お米",
                "コーヒー",
            ],
            tails: &["パック", "お徳用"],
            b_slot: "count",
            b_type: "CLOVA.NUMBER",
            b_values: &["1個", "2個", "3本", "1パック", "2袋"],
            verbs: &[
                "をカートに入れて",
                "を買って",
                "をカートに追加して",
                "を注文リストに入れて",
            ],
        },
        Domain {
            intent: "FindRecipe",
            ty: "DISH",
            slot: "dish",
            about: "レシピ検索",
            mods: &["豚", "鶏", "牛", "野菜", "きのこ", "海鮮", "卵", "豆腐"],
            heads: &[
                "炒め",
                "丼",
                "カレー",
                "鍋",
                "煮物",
                "焼き",
                "サラダ",
                "スープ",
            ],
            tails: &["料理", "の作り方"],
            b_slot: "count",
            b_type: "CLOVA.NUMBER",
            b_values: &["1人分", "2人分", "3人分", "4人分"],
            verbs: &[
                "のレシピを教えて",
                "の作り方を教えて",
                "のレシピを探して",
                "の作り方は",
            ],
        },
        Domain {
            intent: "BookRoom",
            ty: "ROOM_TYPE",
            slot: "room",
            about: "客室の予約",
            mods: &[
                "スタンダード",
                "デラックス",
                "ファミリー",
                "スイート",
                "オーシャンビュー",
                "ツイン",
                "ダブル",
                "和室",
            ],
            heads: &["ルーム", "客室", "プラン"],
            tails: &["タイプ", "パック"],
            b_slot: "when",
            b_type: "CLOVA.DATETIME",
            b_values: &["今週末", "来週の金曜日", "明日", "12月24日", "明後日"],
            verbs: &[
                "を予約して",
                "を取って",
                "を予約したい",
                "は空いてる",
                "の空きを教えて",
            ],
        },
    ],
    brands: &[
        "おいしい",
        "たのしい",
        "かしこい",
        "はやい",
        "まちの",
        "きょうの",
        "あまい",
        "やさしい",
        "げんきな",
        "しずかな",
    ],
    things: &[
        "ピザ屋",
        "お天気",
        "ミュージック",
        "タクシー",
        "目覚まし",
        "お買い物",
        "レシピ帳",
        "ホテル予約",
        "執事",
        "お手伝い",
    ],
};

fn vocab(lang: Language) -> &'static Vocab {
    match lang {
        Language::Korean => &KO,
        Language::Japanese => &JA,
    }
}

/// A made-up word of 2–3 syllables in the script of the language.
fn random_word(rng: &mut Rng, lang: Language) -> String {
    let n = 2 + rng.below(2);
    let mut s = String::new();
    match lang {
        Language::Korean => {
            const INITIAL: &[u32] = &[0, 2, 3, 5, 6, 7, 9, 11, 12, 14, 15, 16, 17, 18];
            const MEDIAL: &[u32] = &[0, 1, 4, 5, 8, 13, 18, 20];
            const FINAL: &[u32] = &[0, 0, 0, 0, 4, 8, 16, 21];
            for _ in 0..n {
                let code =
                    0xAC00 + (rng.pick(INITIAL) * 21 + rng.pick(MEDIAL)) * 28 + rng.pick(FINAL);
                s.push(char::from_u32(code).unwrap_or('가'));
            }
        }
        Language::Japanese => {
            const MORA: &[&str] = &[
                "カ", "キ", "ク", "ケ", "コ", "サ", "シ", "ス", "セ", "ソ", "タ", "チ", "ツ", "テ",
                "ト", "ナ", "ニ", "ネ", "ノ", "ハ", "ヒ", "フ", "ホ", "マ", "ミ", "ム", "メ", "モ",
                "ラ", "リ", "ル", "レ", "ロ", "ア", "イ", "ウ", "エ", "オ",
            ];
            for _ in 0..n + 1 {
                let mora: &&str = rng.pick(MORA);
                s.push_str(mora);
            }
        }
    }
    s
}

/// Does a name contain a word an invocation name must not contain?
fn reserved(lang: Language, name: &str) -> bool {
    let squash = |s: &str| normalize(s).replace(' ', "");
    let sq = squash(name);
    lang::reserved_invocation_words(lang)
        .iter()
        .any(|w| sq.contains(&squash(w)))
}

fn toml_str(s: &str) -> String {
    cekops::toml_write::string(s)
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", quoted.join(", "))
}

impl Synth {
    /// Build a repository. Fails when the parameters ask for something the rules forbid or the
    /// vocabulary cannot provide (too many distinct utterances for the slot values).
    pub fn generate(params: &Params) -> Result<Synth> {
        if params.max_utterances_per_intent == 0 || params.max_utterances_per_intent > 2000 {
            bail!("max_utterances_per_intent must be 1 to 2,000 (the console's limit per intent)");
        }
        if params.values_per_type == 0 {
            bail!("values_per_type must be at least 1");
        }
        if params.values_per_type * (1 + params.synonyms_per_value) > 200_000 {
            bail!("a slot type can hold at most 200,000 values and synonyms together");
        }
        if params.extensions > 0 && params.utterances < params.extensions {
            bail!("every extension needs at least one sample utterance");
        }
        let mut rng = Rng::new(params.seed);
        let mut names_used: HashSet<String> = HashSet::new();
        let mut exts = Vec::with_capacity(params.extensions);
        for i in 0..params.extensions {
            let lang = if params.japanese_every > 0 && i % params.japanese_every == 1 {
                Language::Japanese
            } else {
                Language::Korean
            };
            let share = params.utterances / params.extensions
                + usize::from(i < params.utterances % params.extensions);
            let mut ext_rng = Rng::new(params.seed.wrapping_mul(1_000_003).wrapping_add(i as u64));
            let invocation = invocation_name(&mut rng, lang, i, &mut names_used);
            exts.push(ExtGen::generate(
                params,
                &mut ext_rng,
                i,
                lang,
                invocation,
                share,
            )?);
        }
        Ok(Synth {
            params: params.clone(),
            exts,
            icons: (png_icon(108).into(), png_icon(512).into()),
        })
    }

    /// The parameters it was built from.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Extension IDs, in order.
    pub fn extension_ids(&self) -> Vec<String> {
        self.exts.iter().map(|e| e.id.clone()).collect()
    }

    /// What the repository holds.
    pub fn summary(&self) -> Summary {
        let files = self.files();
        Summary {
            extensions: self.exts.len(),
            intents: self.exts.iter().map(|e| e.intents.len()).sum(),
            utterances: self
                .exts
                .iter()
                .flat_map(|e| &e.intents)
                .map(|i| i.utterances.len())
                .sum(),
            slot_types: self.exts.iter().map(|e| e.types.len()).sum(),
            slot_entries: self
                .exts
                .iter()
                .flat_map(|e| &e.types)
                .flat_map(|t| &t.values)
                .map(|(_, syn)| 1 + syn.len())
                .sum(),
            files: files.len(),
            bytes: files.values().map(Vec::len).sum(),
        }
    }

    /// Every file, by repository path.
    pub fn files(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        out.insert("cekops.toml".to_string(), CONFIG.as_bytes().to_vec());
        for e in &self.exts {
            out.extend(self.extension_files(e));
        }
        out
    }

    /// The files as a snapshot, as `load::load` reads them.
    pub fn tree(&self) -> Tree {
        let mut tree = Tree::default();
        for (path, bytes) in self.files() {
            tree.insert(path, Entry::Blob(bytes.into()));
        }
        tree
    }

    /// Write every file under `dir` (created when missing; existing files are overwritten).
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        for (path, bytes) in self.files() {
            let full = dir.join(&path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(full, bytes)?;
        }
        Ok(())
    }

    /// Replace `count` sample utterances of extension number `ext` (spread over its intents,
    /// from the last utterance backwards) by new distinct ones. Returns the rewritten files with
    /// their new content; the repository stays valid.
    pub fn edit_utterances(
        &mut self,
        ext: usize,
        count: usize,
        seed: u64,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        let Some(e) = self.exts.get_mut(ext) else {
            bail!("there is no extension number {ext}");
        };
        // The first utterance of each intent stays: it tags every slot.
        let removable: usize = e.intents.iter().map(|i| i.utterances.len() - 1).sum();
        if count > removable {
            bail!(
                "extension {} has only {removable} sample utterances that can be replaced",
                e.id
            );
        }
        let mut rng = Rng::new(seed ^ 0xA5A5_5A5A_0000_0000);
        let n_intents = e.intents.len();
        let mut touched = std::collections::BTreeSet::new();
        let mut plan: Vec<usize> = Vec::with_capacity(count);
        let mut taken = vec![0usize; n_intents];
        let mut i = 0;
        while plan.len() < count {
            if taken[i] + 1 < e.intents[i].utterances.len() {
                taken[i] += 1;
                plan.push(i);
            }
            i = (i + 1) % n_intents;
        }
        // Remove first, then add (a replacement may by chance bring back a removed utterance;
        // the repository stays valid either way).
        for (i, n) in taken.iter().enumerate() {
            let len = e.intents[i].utterances.len();
            for u in e.intents[i].utterances.drain(len - n..) {
                e.seen.remove(&u.norm);
            }
        }
        for i in plan {
            let intent = &e.intents[i];
            let round = i / vocab(e.lang).domains.len();
            let u = e.make_utterance(&mut rng, intent.domain, intent.ty, round, false)?;
            e.intents[i].utterances.push(u);
            touched.insert(i);
        }
        let mut files: Vec<(String, Vec<u8>)> = touched
            .into_iter()
            .map(|i| {
                let intent = &e.intents[i];
                (
                    format!(
                        "extensions/{}/interaction-model/intents/{}.toml",
                        e.id, intent.name
                    ),
                    e.render_intent(intent).into_bytes(),
                )
            })
            .collect();
        files.sort();
        Ok(files)
    }

    fn extension_files(&self, e: &ExtGen) -> Vec<(String, Vec<u8>)> {
        let dir = format!("extensions/{}", e.id);
        let mut out = vec![
            (
                format!("{dir}/extension.toml"),
                e.render_info().into_bytes(),
            ),
            (format!("{dir}/server.toml"), e.render_server().into_bytes()),
            (format!("{dir}/store.toml"), e.render_store().into_bytes()),
            (format!("{dir}/assets/icon-512.png"), self.icons.1.to_vec()),
            (
                format!("{dir}/tests/smoke.toml"),
                e.render_suite().into_bytes(),
            ),
        ];
        if e.lang == Language::Korean {
            out.push((format!("{dir}/assets/icon-108.png"), self.icons.0.to_vec()));
        }
        for t in &e.types {
            let (ext, text) = if t.tsv {
                ("tsv", t.render_tsv())
            } else {
                ("toml", t.render_toml(e.lang))
            };
            out.push((
                format!("{dir}/interaction-model/slot-types/{}.{ext}", t.name),
                text.into_bytes(),
            ));
        }
        for i in &e.intents {
            out.push((
                format!("{dir}/interaction-model/intents/{}.toml", i.name),
                e.render_intent(i).into_bytes(),
            ));
        }
        out
    }
}

const CONFIG: &str = r#"# Synthetic repository generated by cekops::synth.

[branches]
service = "service"
test = "test/{id}"
records = "cekops/records"

[review]
reviewers = ["alice@example.com", "bob@example.com"]
required_approvals = 1
allow_self_approval = false
require_signed = false
"#;

fn invocation_name(
    rng: &mut Rng,
    lang: Language,
    index: usize,
    used: &mut HashSet<String>,
) -> String {
    let v = vocab(lang);
    let squash = |s: &str| normalize(s).replace(' ', "");
    for attempt in 0.. {
        let name = if attempt < 20 {
            format!("{}{}", rng.pick(v.brands), rng.pick(v.things))
        } else {
            format!("{}{}", random_word(rng, lang), rng.pick(v.things))
        };
        if !reserved(lang, &name) && used.insert(squash(&name)) {
            return name;
        }
        if attempt > 10_000 {
            break;
        }
    }
    // Unreachable in practice: made-up words are plentiful. Fall back to a numbered name.
    format!("{}{index}", v.things[index % v.things.len()])
}

impl ExtGen {
    fn generate(
        params: &Params,
        rng: &mut Rng,
        index: usize,
        lang: Language,
        invocation: String,
        utterances: usize,
    ) -> Result<ExtGen> {
        let v = vocab(lang);
        let n_intents = utterances.div_ceil(params.max_utterances_per_intent).max(1);
        let n_types = params.slot_types_per_extension.clamp(1, n_intents);
        let mut e = ExtGen {
            id: format!("com.example.synth.ext{index:04}"),
            lang,
            index,
            name: invocation.clone(),
            invocation,
            account_linking: index % 3 == 2,
            types: Vec::with_capacity(n_types),
            intents: Vec::with_capacity(n_intents),
            seen: HashSet::with_capacity(utterances),
        };
        for t in 0..n_types {
            let domain = t % v.domains.len();
            let d = &v.domains[domain];
            let round = t / v.domains.len();
            let name = if round == 0 {
                d.ty.to_string()
            } else {
                format!("{}_{}", d.ty, round + 1)
            };
            e.types.push(TypeGen::generate(
                rng,
                lang,
                name,
                domain,
                t % 2 == 1,
                params,
            ));
        }
        for i in 0..n_intents {
            let ty = i % n_types;
            let domain = e.types[ty].domain;
            let round = i / v.domains.len();
            let name = if round == 0 {
                v.domains[domain].intent.to_string()
            } else {
                format!("{}{}", v.domains[domain].intent, round + 1)
            };
            e.intents.push(IntentGen {
                name,
                domain,
                ty,
                utterances: Vec::new(),
            });
        }
        for i in 0..n_intents {
            let n = utterances / n_intents + usize::from(i < utterances % n_intents);
            let (domain, ty) = (e.intents[i].domain, e.intents[i].ty);
            let mut list = Vec::with_capacity(n);
            // Intents of the same domain in later rounds get their own words, so no two intents
            // share an utterance pattern (`ambiguous-pattern`).
            let round = i / v.domains.len();
            for k in 0..n {
                list.push(e.make_utterance(rng, domain, ty, round, k == 0)?);
            }
            e.intents[i].utterances = list;
        }
        Ok(e)
    }

    /// A new sample utterance, distinct (after normalisation) from every other of the extension.
    fn make_utterance(
        &mut self,
        rng: &mut Rng,
        domain: usize,
        ty: usize,
        round: usize,
        both_slots: bool,
    ) -> Result<Utt> {
        let v = vocab(self.lang);
        let markers: &[&str] = match self.lang {
            Language::Korean => &["", "다시", "얼른", "꼭", "한번 더", "제발", "바로", "당장"],
            Language::Japanese => &[
                "",
                "もう一度",
                "すぐに",
                "必ず",
                "ぜひ",
                "今すぐ",
                "急いで",
                "改めて",
            ],
        };
        let marker = if round < markers.len() {
            markers[round].to_string()
        } else {
            format!(
                "{}{}{}",
                markers[round / markers.len() % markers.len()],
                v.space,
                markers[round % markers.len()]
            )
        };
        let d = &v.domains[domain];
        let values = &self.types[ty].values;
        for _ in 0..1000 {
            let tpl = if both_slots {
                v.templates[0]
            } else {
                *rng.pick(v.templates)
            };
            let opening = *rng.pick(v.openings);
            let (rep, syns) = rng.pick(values);
            // Mostly the representative value, sometimes a synonym, as people say it.
            let a = if !syns.is_empty() && rng.below(4) == 0 {
                rng.pick(syns).as_str()
            } else {
                rep.as_str()
            };
            let b = *rng.pick(d.b_values);
            let verb = *rng.pick(d.verbs);
            let verb = if marker.is_empty() {
                verb.to_string()
            } else {
                format!("{marker}{}{verb}", v.space)
            };
            let verb = verb.as_str();
            let plain = format!("{opening}{tpl}")
                .replace("{a}", a)
                .replace("{b}", b)
                .replace("{v}", verb);
            let norm = normalize(&plain);
            if self.seen.contains(&norm) {
                continue;
            }
            let tagged = format!("{opening}{tpl}")
                .replace("{a}", &format!("<{0}>{a}</{0}>", d.slot))
                .replace("{b}", &format!("<{0}>{b}</{0}>", d.b_slot))
                .replace("{v}", verb);
            self.seen.insert(norm.clone());
            return Ok(Utt { tagged, norm });
        }
        bail!(
            "cannot find more distinct sample utterances for extension {} ({} so far); raise values_per_type or lower the utterance count",
            self.id,
            self.seen.len()
        )
    }

    fn builtin_slot_types(&self) -> Vec<String> {
        let v = vocab(self.lang);
        let mut out: Vec<String> = Vec::new();
        for i in &self.intents {
            let t = v.domains[i.domain].b_type.to_string();
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out.sort();
        out
    }

    fn render_info(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "id = {}", toml_str(&self.id));
        let _ = writeln!(s, "type = \"custom\"");
        let _ = writeln!(s, "language = {}", toml_str(self.lang.code()));
        let _ = writeln!(s, "name = {}", toml_str(&self.name));
        if self.lang == Language::Japanese {
            // The reading must be kana (spec §1 #3b); the generated names mix in kanji.
            let _ = writeln!(s, "name_reading = \"ごうせいすきる\"");
        }
        let _ = writeln!(
            s,
            "invocation_names = {}",
            toml_list(std::slice::from_ref(&self.invocation))
        );
        let _ = writeln!(
            s,
            "provider = {}",
            toml_str(&format!("Synth Corporation {}", self.index))
        );
        let _ = writeln!(s, "audio_player = false");
        let _ = writeln!(
            s,
            "contact_email = {}",
            toml_str(&format!("ext{}@example.com", self.index))
        );
        if self.lang == Language::Korean {
            let _ = writeln!(
                s,
                "testers = {}",
                toml_list(&[format!("tester{}", self.index), "qa.team".to_string()])
            );
        }
        let intents: Vec<String> = lang::required_intents(self.lang)
            .iter()
            .map(|s| s.to_string())
            .collect();
        let _ = writeln!(s, "builtin_intents = {}", toml_list(&intents));
        let _ = writeln!(
            s,
            "builtin_slot_types = {}",
            toml_list(&self.builtin_slot_types())
        );
        s
    }

    fn render_server(&self) -> String {
        let mut s = format!(
            "endpoint = \"https://ext{}.synth.example.com/clova\"\ntrusted_certificate = true\n",
            self.index
        );
        if self.account_linking {
            let n = self.index;
            let _ = write!(
                s,
                r#"
[account_linking]
authorization_uri = "https://auth{n}.example.com/login"
client_id = "synth-client-{n}"
access_token_uri = "https://auth{n}.example.com/token"
refresh_token_uri = "https://auth{n}.example.com/token/refresh"
client_secret = {{ env = "SYNTH{n}_CLIENT_SECRET" }}
client_auth = "http-basic"
grant_type = "code"
scopes = ["ReadProfile", "Orders"]
domains = ["static{n}.example.com"]
"#
            );
        }
        s
    }

    fn render_store(&self) -> String {
        let v = vocab(self.lang);
        let first = &self.intents[0];
        let d = &v.domains[first.domain];
        let example = |k: usize| -> String {
            let value = &self.types[first.ty].values[k % self.types[first.ty].values.len()].0;
            match self.lang {
                Language::Korean => format!("{}에서 {value} {}", self.invocation, d.verbs[0]),
                Language::Japanese => format!("{}で{value}{}", self.invocation, d.verbs[0]),
            }
        };
        let mut s = String::from("[store]\n");
        match self.lang {
            Language::Korean => {
                let _ = writeln!(s, "category = \"food-and-drink\"");
                let _ = writeln!(
                    s,
                    "description = {}",
                    toml_str(&format!(
                        "{}: {} 서비스입니다. \"{}\"처럼 말해 보세요. 문의: ext{}@example.com",
                        self.name,
                        d.about,
                        example(0),
                        self.index
                    ))
                );
                let _ = writeln!(
                    s,
                    "short_description = {}",
                    toml_str(&format!("목소리로 간편하게 {}", d.about))
                );
                let phrases = vec![
                    format!("{} 열어 줘", self.invocation),
                    example(1),
                    example(2),
                ];
                let _ = writeln!(s, "example_phrases = {}", toml_list(&phrases));
                let _ = writeln!(
                    s,
                    "keywords = {}",
                    toml_list(&[d.about.to_string(), "합성".to_string()])
                );
                let _ = writeln!(s, "small_icon = \"assets/icon-108.png\"");
                let _ = writeln!(s, "large_icon = \"assets/icon-512.png\"");
            }
            Language::Japanese => {
                let _ = writeln!(s, "countries = \"JP\"");
                let _ = writeln!(
                    s,
                    "description = {}",
                    toml_str(&format!(
                        "{}は{}のスキルです。「{}」のように話しかけてください。",
                        self.name,
                        d.about,
                        example(0)
                    ))
                );
                let phrases = vec![
                    format!("ねぇClova、{}を起動して", self.invocation),
                    example(1),
                ];
                let _ = writeln!(s, "example_phrases = {}", toml_list(&phrases));
                let _ = writeln!(
                    s,
                    "keywords = {}",
                    toml_list(&[d.about.to_string(), "合成".to_string()])
                );
                let _ = writeln!(s, "large_icon = \"assets/icon-512.png\"");
            }
        }
        let _ = writeln!(s, "\n[privacy]\npurchase = false");
        if self.account_linking {
            let _ = writeln!(
                s,
                "personal_info = true\nprivacy_policy_url = \"https://ext{}.synth.example.com/privacy\"",
                self.index
            );
        } else {
            let _ = writeln!(s, "personal_info = false");
        }
        if self.lang == Language::Korean {
            let _ = writeln!(s, "minors = true");
        }
        let _ = writeln!(
            s,
            "terms_url = \"https://ext{}.synth.example.com/terms\"",
            self.index
        );
        let _ = writeln!(s, "\n[review]");
        let mut desc = format!("{} ({}).", self.name, d.about);
        for i in self.intents.iter().take(3) {
            let _ = write!(desc, " {}: {}", i.name, plain_of(&i.utterances[0].tagged));
        }
        let _ = writeln!(s, "description = {}", toml_str(&desc));
        if self.account_linking {
            let _ = writeln!(
                s,
                "test_account = {{ id = \"reviewer{0}\", password = {{ env = \"SYNTH{0}_REVIEW_PASSWORD\" }} }}",
                self.index
            );
        }
        s
    }

    fn render_suite(&self) -> String {
        let v = vocab(self.lang);
        let mut s = String::from("# Smoke tests: the first sample utterance of each intent.\n");
        for i in &self.intents {
            let d = &v.domains[i.domain];
            let tagged = &i.utterances[0].tagged;
            let _ = writeln!(s, "\n[[case]]");
            let _ = writeln!(s, "utterance = {}", toml_str(&plain_of(tagged)));
            let _ = writeln!(s, "intent = {}", toml_str(&i.name));
            let mut slots = Vec::new();
            for slot in [d.slot, d.b_slot] {
                if let Some(value) = tag_value(tagged, slot) {
                    let value = if slot == d.slot {
                        self.types[i.ty].representative(value).to_string()
                    } else {
                        value.to_string()
                    };
                    slots.push(format!("{slot} = {}", toml_str(&value)));
                }
            }
            let _ = writeln!(s, "slots = {{ {} }}", slots.join(", "));
        }
        s
    }

    fn render_intent(&self, i: &IntentGen) -> String {
        let v = vocab(self.lang);
        let d = &v.domains[i.domain];
        let mut s = String::with_capacity(i.utterances.iter().map(|u| u.tagged.len() + 6).sum());
        let _ = writeln!(s, "description = {}", toml_str(d.about));
        s.push_str("utterances = [\n");
        for u in &i.utterances {
            s.push_str("  ");
            s.push_str(&toml_str(&u.tagged));
            s.push_str(",\n");
        }
        s.push_str("]\n\n[slots]\n");
        let _ = writeln!(s, "{} = {}", d.slot, toml_str(&self.types[i.ty].name));
        let _ = writeln!(s, "{} = {}", d.b_slot, toml_str(d.b_type));
        s
    }
}

/// The utterance without tags.
fn plain_of(tagged: &str) -> String {
    match cekops::utterance::parse(tagged) {
        Ok(segs) => cekops::utterance::plain_text(&segs),
        Err(_) => tagged.to_string(),
    }
}

fn tag_value<'a>(tagged: &'a str, slot: &str) -> Option<&'a str> {
    let open = format!("<{slot}>");
    let close = format!("</{slot}>");
    let start = tagged.find(&open)? + open.len();
    let end = start + tagged[start..].find(&close)?;
    Some(&tagged[start..end])
}

impl TypeGen {
    fn generate(
        rng: &mut Rng,
        lang: Language,
        name: String,
        domain: usize,
        tsv: bool,
        params: &Params,
    ) -> TypeGen {
        let v = vocab(lang);
        let d = &v.domains[domain];
        let want = params.values_per_type;
        let mut entries: HashSet<String> = HashSet::new();
        let mut parts: Vec<(String, &str)> = Vec::with_capacity(want);
        // Real words first (in a seeded order), then made-up modifiers.
        let mut combos: Vec<(&str, &str)> = d
            .mods
            .iter()
            .flat_map(|m| d.heads.iter().map(move |h| (*m, *h)))
            .collect();
        for k in (1..combos.len()).rev() {
            combos.swap(k, rng.below(k + 1));
        }
        for (m, h) in combos {
            if parts.len() == want {
                break;
            }
            if entries.insert(normalize(&format!("{m}{h}"))) {
                parts.push((m.to_string(), h));
            }
        }
        let mut misses = 0;
        while parts.len() < want && misses < 100_000 {
            let m = random_word(rng, lang);
            let h = *rng.pick(d.heads);
            if entries.insert(normalize(&format!("{m}{h}"))) {
                parts.push((m, h));
            } else {
                misses += 1;
            }
        }
        let mut values = Vec::with_capacity(parts.len());
        for (m, h) in &parts {
            let mut syns = Vec::new();
            let mut candidates: Vec<String> = Vec::new();
            if !h.is_empty() && !h.starts_with('の') {
                candidates.push(format!("{m}{}{h}", v.space));
            }
            for t in d.tails {
                candidates.push(format!("{m}{h} {t}"));
            }
            candidates.push(m.clone());
            for t in d.tails {
                candidates.push(format!("{m} {t}"));
            }
            for c in candidates {
                if syns.len() == params.synonyms_per_value {
                    break;
                }
                if entries.insert(normalize(&c)) {
                    syns.push(c);
                }
            }
            values.push((format!("{m}{h}"), syns));
        }
        TypeGen {
            name,
            domain,
            tsv,
            values,
        }
    }

    /// The representative value a value or synonym belongs to.
    fn representative<'a>(&'a self, said: &'a str) -> &'a str {
        for (rep, syns) in &self.values {
            if rep == said || syns.iter().any(|s| s == said) {
                return rep;
            }
        }
        said
    }

    fn render_toml(&self, lang: Language) -> String {
        let v = vocab(lang);
        let mut s = String::with_capacity(self.values.len() * 64);
        let _ = writeln!(
            s,
            "description = {}",
            toml_str(v.domains[self.domain].about)
        );
        s.push_str("\n[values]\n");
        for (rep, syns) in &self.values {
            let _ = writeln!(s, "{} = {}", toml_str(rep), toml_list(syns));
        }
        s
    }

    fn render_tsv(&self) -> String {
        let mut s = String::with_capacity(self.values.len() * 48);
        for (rep, syns) in &self.values {
            s.push_str(rep);
            for syn in syns {
                s.push('\t');
                s.push_str(syn);
            }
            s.push('\n');
        }
        s
    }
}

/// A real PNG (1-bit greyscale, a ring on a light ground) of `px`×`px` pixels, stored without
/// compression.
fn png_icon(px: u32) -> Vec<u8> {
    let row_bytes = px.div_ceil(8) as usize;
    let mut raw = Vec::with_capacity((row_bytes + 1) * px as usize);
    let c = px as i64 / 2;
    let (r_out, r_in) = ((px as i64 * 2 / 5).pow(2), (px as i64 / 4).pow(2));
    for y in 0..px as i64 {
        raw.push(0); // filter: none
        for xb in 0..row_bytes {
            let mut byte = 0u8;
            for bit in 0..8 {
                let x = (xb * 8 + bit) as i64;
                let d = (x - c).pow(2) + (y - c).pow(2);
                let white = !(d <= r_out && d >= r_in);
                if white {
                    byte |= 0x80 >> bit;
                }
            }
            raw.push(byte);
        }
    }
    // zlib stream with stored deflate blocks
    let mut z = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (k, block) in chunks.iter().enumerate() {
        z.push(u8::from(k + 1 == chunks.len()));
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in &raw {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());

    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&px.to_be_bytes());
    ihdr.extend_from_slice(&px.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]); // depth 1, greyscale, deflate, filter 0, no interlace
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &z);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use cekops::ops::validate::Source;
    use cekops::ops::validate::ValidateOptions;
    use cekops::rules::Stage;

    fn small() -> Params {
        Params {
            extensions: 5,
            utterances: 3_000,
            max_utterances_per_intent: 200,
            slot_types_per_extension: 9,
            values_per_type: 40,
            synonyms_per_value: 3,
            japanese_every: 2,
            seed: 7,
        }
    }

    fn validate_dir(dir: &Path, stage: Stage) -> cekops::diag::Report {
        validate_source(Source::Dir(dir.to_path_buf()), stage)
    }

    fn validate_source(source: Source, stage: Stage) -> cekops::diag::Report {
        cekops::ops::validate::validate(&ValidateOptions {
            source,
            ids: Vec::new(),
            stage: Some(stage),
        })
        .expect("validate runs")
        .report
    }

    #[test]
    fn generated_repository_is_clean_under_both_stages() {
        let synth = Synth::generate(&small()).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        synth.write_to(tmp.path()).unwrap();
        for stage in [Stage::Test, Stage::Service] {
            let report = validate_dir(tmp.path(), stage);
            let codes: Vec<String> = report
                .diagnostics
                .iter()
                .take(5)
                .map(|d| format!("{} {:?} {}", d.code.as_str(), d.location, d.message))
                .collect();
            assert!(
                report.diagnostics.is_empty(),
                "{stage:?}: {} findings: {codes:#?}",
                report.diagnostics.len()
            );
        }
    }

    #[test]
    fn more_intents_than_domains_share_no_utterance_pattern() {
        // The benchmark's shape in small: 10 intents per extension over 8 domains, so some
        // domains get a second intent that must not repeat the first one's patterns.
        let p = Params {
            extensions: 2,
            utterances: 2_000,
            max_utterances_per_intent: 100,
            slot_types_per_extension: 8,
            values_per_type: 40,
            synonyms_per_value: 2,
            japanese_every: 2,
            seed: 3,
        };
        let synth = Synth::generate(&p).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        synth.write_to(tmp.path()).unwrap();
        let report = validate_dir(tmp.path(), Stage::Test);
        let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert!(
            codes.is_empty(),
            "{} findings: {:?}",
            codes.len(),
            &codes[..codes.len().min(5)]
        );
    }

    #[test]
    fn sizes_follow_the_parameters() {
        let p = small();
        let synth = Synth::generate(&p).unwrap();
        let s = synth.summary();
        assert_eq!(s.extensions, 5);
        assert_eq!(s.utterances, 3_000);
        assert_eq!(s.intents, 15); // 600 per extension, 200 per intent
        assert_eq!(s.slot_types, 15); // clamped to one per intent
        assert!(s.slot_entries > 15 * 40 * 3, "{s:?}");
        let langs: Vec<bool> = synth
            .files()
            .iter()
            .filter(|(p, _)| p.ends_with("/extension.toml"))
            .map(|(_, b)| String::from_utf8_lossy(b).contains("ja-JP"))
            .collect();
        assert_eq!(langs, [false, true, false, true, false]);
        for e in &synth.exts {
            for i in &e.intents {
                assert!(i.utterances.len() <= p.max_utterances_per_intent);
            }
        }
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = Synth::generate(&small()).unwrap().files();
        let b = Synth::generate(&small()).unwrap().files();
        assert_eq!(a, b);
        let c = Synth::generate(&Params { seed: 8, ..small() })
            .unwrap()
            .files();
        assert_ne!(a, c);
    }

    #[test]
    fn edits_change_only_the_named_extension_and_stay_valid() {
        let mut synth = Synth::generate(&small()).unwrap();
        let before = synth.files();
        let changed = synth.edit_utterances(1, 5, 99).unwrap();
        assert!(!changed.is_empty() && changed.len() <= 3, "{changed:?}");
        let after = synth.files();
        let differing: Vec<&String> = before
            .keys()
            .filter(|p| before.get(*p) != after.get(*p))
            .collect();
        let changed_paths: Vec<&String> = changed.iter().map(|(p, _)| p).collect();
        assert_eq!(differing, changed_paths);
        for (p, bytes) in &changed {
            assert!(p.starts_with("extensions/com.example.synth.ext0001/"));
            assert_eq!(after.get(p), Some(bytes));
        }
        assert_eq!(synth.summary().utterances, 3_000);
        let tmp = tempfile::tempdir().unwrap();
        synth.write_to(tmp.path()).unwrap();
        assert!(
            validate_dir(tmp.path(), Stage::Service)
                .diagnostics
                .is_empty()
        );
    }

    #[test]
    fn bad_parameters_are_refused() {
        for p in [
            Params {
                max_utterances_per_intent: 2001,
                ..small()
            },
            Params {
                values_per_type: 0,
                ..small()
            },
            Params {
                values_per_type: 100_000,
                synonyms_per_value: 2,
                ..small()
            },
            Params {
                utterances: 4,
                ..small()
            },
            // far more utterances than 2 values can make distinct
            Params {
                extensions: 1,
                utterances: 50_000,
                max_utterances_per_intent: 2000,
                slot_types_per_extension: 1,
                values_per_type: 1,
                ..small()
            },
        ] {
            assert!(Synth::generate(&p).is_err(), "{p:?}");
        }
    }

    #[test]
    fn icons_have_the_sizes_and_a_valid_checksum() {
        for px in [108, 512] {
            let png = png_icon(px);
            let size = imagesize::blob_size(&png).unwrap();
            assert_eq!((size.width, size.height), (px as usize, px as usize));
        }
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }
}
