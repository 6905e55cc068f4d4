//! `cekops export tsv`, `cekops import tsv` and `cekops export bundle` end to end.

use std::path::Path;

use cekops::model::schema_check::check;

use crate::common::Out;
use crate::common::TestEnv;
use crate::common::png;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

pub const ID: &str = "com.example.pizzabot";

const INTENT: &str = r#"#:schema ../../../../schemas/intent.schema.json
description = "Order a pizza"
utterances = [
  "<pizzaType>페퍼로니</pizzaType> 피자 <pizzaAmount>두 판</pizzaAmount> 주문해줘",
  "<pizzaType>바베큐</pizzaType> 피자 주문",
]

[slots]
pizzaType = "PIZZA_TYPE"
pizzaAmount = "CLOVA.NUMBER"
"#;

/// A repository with one complete KR extension (valid even under the service rules).
pub fn pizza_repo(env: &TestEnv) {
    env.write(
        "cekops.toml",
        "[review]\nreviewers = [\"alice@example.com\"]\n",
    );
    let d = format!("extensions/{ID}");
    env.write(
        &format!("{d}/extension.toml"),
        r#"id = "com.example.pizzabot"
language = "ko-KR"
name = "피자봇"
invocation_names = ["피자봇"]
provider = "Example Inc."
contact_email = "dev@example.com"
builtin_intents = ["Clova.GuideIntent", "Clova.CancelIntent", "Clova.YesIntent", "Clova.NoIntent"]
builtin_slot_types = ["CLOVA.NUMBER"]
"#,
    );
    env.write(
        &format!("{d}/server.toml"),
        r#"endpoint = "https://pizzabot.example.com/clova"

[account_linking]
authorization_uri = "https://auth.example.com/login"
client_id = "pizzabot"
access_token_uri = "https://auth.example.com/token"
client_secret = { env = "PIZZABOT_CLIENT_SECRET" }
"#,
    );
    env.write(
        &format!("{d}/store.toml"),
        r#"[store]
category = "food-and-drink"
description = "피자를 주문합니다. 고객센터 02-123-4567"
short_description = "피자 주문"
example_phrases = ["피자봇에서 피자 주문해줘", "피자봇에서 라지로 주세요", "피자봇 도움말"]
keywords = ["피자", "주문"]
small_icon = "assets/small.png"
large_icon = "assets/large.png"

[privacy]
purchase = false
personal_info = false
minors = true

[review]
description = "피자 주문: OrderPizza (페퍼로니 피자 두 판 주문해줘), ChooseSize (라지로 주세요)"

[review.test_account]
id = "review@example.com"
password = { env = "PIZZABOT_REVIEW_PASSWORD" }
"#,
    );
    env.write(&format!("{d}/assets/small.png"), png(108, 108));
    env.write(&format!("{d}/assets/large.png"), png(512, 512));
    env.write(
        &format!("{d}/interaction-model/intents/OrderPizza.toml"),
        INTENT,
    );
    env.write(
        &format!("{d}/interaction-model/intents/ChooseSize.toml"),
        "utterances = [\n  \"<size>라지</size>로 주세요\",\n]\n\n[slots]\nsize = \"SIZE\"\n",
    );
    env.write(
        &format!("{d}/interaction-model/slot-types/PIZZA_TYPE.toml"),
        "description = \"Pizza kinds\"\n\n[values]\n\"페퍼로니\" = [\"페퍼로니 피자\"]\n\"바베큐\" = [\"바베큐 피자\", \"BBQ 피자\"]\n",
    );
    env.write(
        &format!("{d}/interaction-model/slot-types/SIZE.tsv"),
        "라지\t큰 거\n미디엄\n",
    );
}

fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

#[test]
fn test_validate_accepts_the_pizza_fixture_under_service_rules() {
    let env = TestEnv::new();
    pizza_repo(&env);
    let out = env.cekops(&["validate", "--stage", "service"]);
    out.code(0);
}

// ---------------------------------------------------------------------------------------------
// export tsv

#[test]
fn test_export_tsv_writes_the_console_format() {
    let env = TestEnv::new();
    pizza_repo(&env);
    let out = env.cekops(&["export", "tsv", ID, "--out", "upload"]);
    out.code(0).contains("wrote 4 files");
    assert_eq!(
        out.stdout,
        "upload/intents/ChooseSize.tsv (1 utterance)\nupload/intents/OrderPizza.tsv (2 utterances)\nupload/slot-types/PIZZA_TYPE.tsv (2 values)\nupload/slot-types/SIZE.tsv (2 values)\n"
    );
    assert_eq!(
        env.read("upload/intents/OrderPizza.tsv"),
        "[INTENT SLOT]\npizzaType\tPIZZA_TYPE\npizzaAmount\tCLOVA.NUMBER\n\n[INTENT EXPRESSION]\n<pizzaType>페퍼로니</pizzaType> 피자 <pizzaAmount>두 판</pizzaAmount> 주문해줘\n<pizzaType>바베큐</pizzaType> 피자 주문\n"
    );
    assert_eq!(
        env.read("upload/slot-types/PIZZA_TYPE.tsv"),
        "페퍼로니\t페퍼로니 피자\n바베큐\t바베큐 피자\tBBQ 피자\n"
    );
    assert_eq!(
        env.read("upload/slot-types/SIZE.tsv"),
        "라지\t큰 거\n미디엄\n"
    );
    let names: Vec<String> = files_under(&env.path("upload"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        [
            "intents/ChooseSize.tsv",
            "intents/OrderPizza.tsv",
            "slot-types/PIZZA_TYPE.tsv",
            "slot-types/SIZE.tsv"
        ]
    );
}

#[test]
fn test_export_tsv_from_rev_equals_the_work_tree_and_reads_no_checkout() {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.git_init_commit("service", "pizzabot");
    // A later, uncommitted edit must not leak into `--rev service`.
    env.write(
        &format!("extensions/{ID}/interaction-model/intents/ChooseSize.toml"),
        "utterances = [\n    \"<size>미디엄</size>으로 주세요\",\n]\n\n[slots]\nsize = \"SIZE\"\n",
    );
    env.cekops(&["export", "tsv", ID, "--rev", "service", "--out", "a"])
        .code(0);
    env.git(&["stash", "-q"]);
    env.cekops(&["export", "tsv", ID, "--out", "b"]).code(0);
    assert_eq!(files_under(&env.path("a")), files_under(&env.path("b")));
    assert!(
        env.read("a/intents/ChooseSize.tsv")
            .contains("<size>라지</size>")
    );
}

#[test]
fn test_export_tsv_needs_an_empty_folder_or_force() {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.write(
        "upload/intents/Gone.tsv",
        "[INTENT SLOT]\n\n[INTENT EXPRESSION]\nx\n",
    );
    env.write("upload/notes.txt", "mine");
    let out = env.cekops(&["export", "tsv", ID, "--out", "upload"]);
    out.code(1)
        .contains("error: `upload` is not empty")
        .contains("--force");
    assert_eq!(files_under(&env.path("upload")).len(), 2);
    env.cekops(&["export", "tsv", ID, "--out", "upload", "--force"])
        .code(0);
    assert!(!env.path("upload/intents/Gone.tsv").exists());
    assert_eq!(env.read("upload/notes.txt"), "mine");
    assert!(env.path("upload/intents/OrderPizza.tsv").exists());
}

#[test]
fn test_export_tsv_refuses_what_the_format_cannot_hold() {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.write(
        &format!("extensions/{ID}/interaction-model/slot-types/PIZZA_TYPE.toml"),
        "[values]\n\"페퍼로니\" = [\"페퍼\\t로니\"]\n",
    );
    let out = env.cekops(&["export", "tsv", ID, "--out", "upload"]);
    out.code(1)
        .contains("error[tsv-syntax]: synonym `페퍼\\t로니` holds a tab")
        .contains(&format!(
            "extensions/{ID}/interaction-model/slot-types/PIZZA_TYPE.toml:2:"
        ))
        .contains("nothing exported");
    assert!(!env.path("upload").exists());
}

#[test]
fn test_export_tsv_refuses_a_model_that_does_not_load() {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.write(
        &format!("extensions/{ID}/interaction-model/intents/Broken.toml"),
        "utterances = [\n",
    );
    let out = env.cekops(&["export", "tsv", ID, "--out", "upload"]);
    out.code(1).contains("error[toml-syntax]");
    assert!(!env.path("upload").exists());
}

#[test]
fn test_export_tsv_unknown_extension_is_a_usage_error() {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.cekops(&["export", "tsv", "com.example.pizzabox", "--out", "x"])
        .code(2)
        .contains("no extension `com.example.pizzabox`")
        .contains("did you mean `com.example.pizzabot`?");
}

// ---------------------------------------------------------------------------------------------
// import tsv

#[test]
fn test_import_tsv_round_trip_changes_nothing() {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.git_init_commit("service", "pizzabot");
    env.cekops(&["export", "tsv", ID, "--out", "../upload"])
        .code(0);
    let out = env.cekops(&["import", "tsv", ID, "../upload"]);
    out.code(0);
    assert_eq!(
        out.stdout.matches("unchanged ").count(),
        4,
        "{}",
        out.stdout
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    env.cekops(&["export", "tsv", ID, "--out", "../again"])
        .code(0);
    assert_eq!(
        files_under(&env.tmp.path().join("upload")),
        files_under(&env.tmp.path().join("again"))
    );
}

/// The pizzabot committed on `service`, exported to `../upload`, with one utterance added to the
/// download's `OrderPizza.tsv`.
fn exported_with_a_new_utterance() -> TestEnv {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.git_init_commit("service", "pizzabot");
    env.cekops(&["export", "tsv", ID, "--out", "../upload"])
        .code(0);
    let dl = env.tmp.path().join("upload/intents/OrderPizza.tsv");
    let mut text = std::fs::read_to_string(&dl).unwrap();
    text.push_str("<pizzaType>페퍼로니</pizzaType> 한 판\n");
    std::fs::write(&dl, text).unwrap();
    env
}

#[test]
fn test_import_tsv_never_overwrites_uncommitted_edits() {
    let env = exported_with_a_new_utterance();
    // An edit in progress, not committed yet.
    let rel = format!("extensions/{ID}/interaction-model/intents/OrderPizza.toml");
    let mine = format!("{}# my edit in progress\n", env.read(&rel));
    env.write(&rel, &mine);
    let before = env.git(&["status", "--porcelain"]);
    let out = env.cekops(&["import", "tsv", ID, "../upload"]);
    out.code(1)
        .contains(&format!(
            "import would overwrite uncommitted edits in 1 file(s): `{rel}`"
        ))
        .contains("nothing was written");
    assert_eq!(env.read(&rel), mine);
    assert_eq!(env.git(&["status", "--porcelain"]), before);
    // staged is not committed either
    env.git(&["add", "-A"]);
    env.cekops(&["import", "tsv", ID, "../upload"]).code(1);
    assert_eq!(env.read(&rel), mine);
    // once committed, the import goes ahead (and git keeps the edit in history)
    env.git(&["commit", "-q", "-m", "my edit"]);
    env.cekops(&["import", "tsv", ID, "../upload"])
        .code(0)
        .contains("updated   ");
}

#[test]
fn test_import_tsv_updates_keep_description_and_comments() {
    let env = exported_with_a_new_utterance();
    let out = env.cekops(&["import", "tsv", ID, "../upload/intents/OrderPizza.tsv"]);
    out.code(0).contains(&format!(
        "updated   extensions/{ID}/interaction-model/intents/OrderPizza.toml (intent `OrderPizza`, 3 utterances)"
    ));
    let diff = env.git(&["diff", "--unified=0"]);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(changed, ["+  \"<pizzaType>페퍼로니</pizzaType> 한 판\","]);
    env.cekops(&["validate"]).code(0);
}

#[test]
fn test_import_tsv_reads_console_downloads() {
    let env = TestEnv::new();
    pizza_repo(&env);
    // A console download: byte-order mark, CRLF line ends, loose file names.
    env.write(
        "../dl/DeliveryTime.tsv",
        "\u{feff}[INTENT SLOT]\r\nwhen\tCLOVA.NUMBER\r\n\r\n[INTENT EXPRESSION]\r\n<when>30</when>분 뒤에 배달해줘\r\n",
    );
    env.write("../dl/TOPPING.tsv", "\u{feff}치즈\t치즈 추가\r\n올리브\r\n");
    env.write("../dl/SIZE.tsv", "라지\t큰 거\tL\r\n");
    let out = env.cekops(&[
        "import",
        "tsv",
        ID,
        "../dl/DeliveryTime.tsv",
        "../dl/TOPPING.tsv",
        "../dl/SIZE.tsv",
    ]);
    out.code(0)
        .contains(&format!(
            "created   extensions/{ID}/interaction-model/intents/DeliveryTime.toml"
        ))
        .contains(&format!(
            "created   extensions/{ID}/interaction-model/slot-types/TOPPING.toml"
        ))
        // SIZE is kept as a .tsv in this extension: it stays one.
        .contains(&format!(
            "updated   extensions/{ID}/interaction-model/slot-types/SIZE.tsv"
        ))
        // the new slot type is not used yet: validate says so
        .contains("warning[unused-slot-type]");
    assert_eq!(
        env.read(&format!(
            "extensions/{ID}/interaction-model/intents/DeliveryTime.toml"
        )),
        "utterances = [\n  \"<when>30</when>분 뒤에 배달해줘\",\n]\n\n[slots]\nwhen = \"CLOVA.NUMBER\"\n"
    );
    assert_eq!(
        env.read(&format!(
            "extensions/{ID}/interaction-model/slot-types/TOPPING.toml"
        )),
        "[values]\n\"치즈\" = [\"치즈 추가\"]\n\"올리브\" = []\n"
    );
    assert_eq!(
        env.read(&format!(
            "extensions/{ID}/interaction-model/slot-types/SIZE.tsv"
        )),
        "라지\t큰 거\tL\n"
    );
    assert!(
        !env.path(&format!(
            "extensions/{ID}/interaction-model/slot-types/SIZE.toml"
        ))
        .exists()
    );
}

#[test]
fn test_import_tsv_writes_the_fmt_layout_and_declares_builtin_types() {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.git_init_commit("service", "pizzabot");
    // The guide's own example: a built-in type the extension does not declare yet.
    env.write(
        "../dl/OrderPizza.tsv",
        "[INTENT SLOT]\npizzaType\tPIZZA_TYPE\npizzaAmount\tCLOVA.NUMBER\nwhen\tCLOVA.DATETIME\n\n[INTENT EXPRESSION]\n<pizzaType>바베큐</pizzaType> 피자 <pizzaAmount>두 판</pizzaAmount> <when>저녁 7시</when>에 주문해줘\n",
    );
    env.write("../dl/TOPPING.tsv", "치즈\t치즈 추가\t더블 치즈\n올리브\n");
    let out = env.cekops(&[
        "import",
        "tsv",
        ID,
        "../dl/OrderPizza.tsv",
        "../dl/TOPPING.tsv",
    ]);
    out.code(0)
        .contains(&format!(
            "updated   extensions/{ID}/extension.toml (declared built-in slot type `CLOVA.DATETIME`)"
        ))
        .lacks("unknown-slot-type");
    assert!(
        env.read(&format!("extensions/{ID}/extension.toml"))
            .contains("builtin_slot_types = [\"CLOVA.NUMBER\", \"CLOVA.DATETIME\"]"),
        "{}",
        env.read(&format!("extensions/{ID}/extension.toml"))
    );
    // What import writes is what `fmt` writes.
    let ext = format!("extensions/{ID}");
    env.cekops(&["fmt", "--check", &format!("{ext}/extension.toml")])
        .code(0);
    env.cekops(&["fmt", "--check", &format!("{ext}/interaction-model")])
        .code(0);
    // The same download again changes nothing.
    let again = env.cekops(&[
        "import",
        "tsv",
        ID,
        "../dl/OrderPizza.tsv",
        "../dl/TOPPING.tsv",
    ]);
    again.code(0).lacks("extension.toml");
    assert_eq!(
        again.stdout.matches("unchanged ").count(),
        2,
        "{}",
        again.stdout
    );
}

#[test]
fn test_import_tsv_refuses_a_type_that_is_no_builtin_of_the_language() {
    import_fails(
        "History.tsv",
        "[INTENT SLOT]\nsince\tCLOVA.DATETIME_RECENT\n\n[INTENT EXPRESSION]\n<since>어제</since>부터 주문 내역\n",
        &[
            "error[builtin-slot-type-unknown]: slot `since` has type `CLOVA.DATETIME_RECENT`, which is not a built-in slot type of KR",
            "../dl/History.tsv:2:7",
        ],
    );
}

#[test]
fn test_import_tsv_refuses_a_slot_type_over_200000_entries() {
    let mut big = String::new();
    for n in 0..100_000 {
        big.push_str(&format!("값{n}\t동의어{n}\n"));
    }
    big.push_str("마지막\n"); // 200,001 entries
    import_fails(
        "HUGE.tsv",
        big,
        &["error[slot-type-size]: slot type `HUGE` has 200001 entries; at most 200,000"],
    );
}

/// Import a set of files where one is bad; assert the diagnostics and that nothing was written.
fn import_fails(bad_name: &str, bad: impl AsRef<[u8]>, expect: &[&str]) {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.git_init_commit("service", "pizzabot");
    env.write(
        "../dl/Good.tsv",
        "[INTENT SLOT]\n\n[INTENT EXPRESSION]\n좋아요\n",
    );
    env.write(&format!("../dl/{bad_name}"), bad);
    let out = env.cekops(&[
        "import",
        "tsv",
        ID,
        "../dl/Good.tsv",
        &format!("../dl/{bad_name}"),
    ]);
    out.code(1).contains("nothing imported");
    for e in expect {
        out.contains(e);
    }
    assert_eq!(
        env.git(&["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
}

#[test]
fn test_import_tsv_missing_section_header() {
    import_fails(
        "Order.tsv",
        "[INTENT SLOT]\na\tT\n\n<a>x</a> 주세요\n",
        &[
            "error[tsv-syntax]: missing `[INTENT EXPRESSION]` section header",
            "error[tsv-syntax]: slot line has 1 column; expected 2",
            "../dl/Order.tsv:4:1",
        ],
    );
    import_fails(
        "Order.tsv",
        "[INTENT EXPRESSION]\n주세요\n",
        &[
            "error[tsv-syntax]: missing `[INTENT SLOT]` section header",
            "../dl/Order.tsv:1:1",
        ],
    );
}

#[test]
fn test_import_tsv_unbalanced_tags() {
    import_fails(
        "Order.tsv",
        "[INTENT SLOT]\na\tT\n\n[INTENT EXPRESSION]\n<a>x</a> 주세요\n<a>y 주세요\n",
        &[
            "error[tsv-syntax]: tag `<a>` is never closed with `</a>`",
            "../dl/Order.tsv:6:1",
        ],
    );
    import_fails(
        "Order.tsv",
        "[INTENT SLOT]\na\tT\n\n[INTENT EXPRESSION]\n주세요 <b>y</b>\n",
        &[
            "error[unknown-slot]: tag `<b>` names a slot that `[INTENT SLOT]` does not list",
            "../dl/Order.tsv:5:5",
        ],
    );
}

#[test]
fn test_import_tsv_wrong_column_counts() {
    import_fails(
        "Order.tsv",
        "[INTENT SLOT]\na\tT\textra\n\n[INTENT EXPRESSION]\n<a>x</a>\n",
        &[
            "error[tsv-syntax]: slot line has 3 columns; expected 2",
            "../dl/Order.tsv:2:1",
        ],
    );
    import_fails(
        "Order.tsv",
        "[INTENT SLOT]\n\n[INTENT EXPRESSION]\n주세요\t두 개\n",
        &[
            "error[tsv-syntax]: utterance line has 2 columns; expected 1",
            "../dl/Order.tsv:4:1",
        ],
    );
    import_fails(
        "slot-types/KIND.tsv",
        "a\tb\n\tc\n",
        &[
            "error[tsv-syntax]: line has synonyms but no representative value",
            "../dl/slot-types/KIND.tsv:2:1",
        ],
    );
}

#[test]
fn test_import_tsv_bad_names_and_encoding() {
    import_fails(
        "Clova.Mine.tsv",
        "[INTENT SLOT]\n\n[INTENT EXPRESSION]\nx\n",
        &[
            "error[intent-name-reserved]: intent name `Clova.Mine` uses the reserved `Clova.` prefix",
        ],
    );
    import_fails(
        "KIND.tsv",
        b"a\xff\n",
        &["error[invalid-utf8]: file is not valid UTF-8"],
    );
}

#[test]
fn test_import_tsv_needs_the_extension_and_the_files() {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.write("x.tsv", "a\n");
    env.cekops(&["import", "tsv", "com.example.other", "x.tsv"])
        .code(1)
        .contains("no extension `com.example.other`");
    env.cekops(&["import", "tsv", ID, "missing.tsv"])
        .code(2)
        .contains("`missing.tsv` does not exist");
}

// ---------------------------------------------------------------------------------------------
// export bundle

fn bundle_json(env: &TestEnv, out: &str) -> serde_json::Value {
    serde_json::from_str(&env.read(out)).unwrap()
}

#[test]
fn test_bundle_is_deterministic_from_disk_and_from_rev() {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.write(
        "extensions/com.example.second/extension.toml",
        "id = \"com.example.second\"\nlanguage = \"ja-JP\"\nname = \"セカンド\"\ninvocation_names = [\"セカンド\"]\nprovider = \"Example\"\ncontact_email = \"dev@example.com\"\nbuiltin_intents = [\"Clova.GuideIntent\"]\n",
    );
    env.write(
        "extensions/com.example.second/server.toml",
        "endpoint = \"https://second.example.com/\"\n",
    );
    env.git_init_commit("main", "two extensions");
    env.cekops(&["export", "bundle", "--out", "../one.json"])
        .code(0)
        .contains("bundled 2 extensions");
    env.cekops(&["export", "bundle", "--out", "../two.json"])
        .code(0);
    env.cekops(&[
        "export",
        "bundle",
        "--rev",
        "HEAD",
        "--out",
        "../three.json",
    ])
    .code(0);
    let read = |n: &str| std::fs::read(env.tmp.path().join(n)).unwrap();
    assert_eq!(read("one.json"), read("two.json"));
    assert_eq!(read("one.json"), read("three.json"));
    // stdout gives the same bytes
    let out = env.cekops(&["export", "bundle", "--out", "-"]);
    assert_eq!(out.stdout.as_bytes(), read("one.json"));
    // and a plain folder without git too
    let plain = env.tmp.path().join("plain");
    crate::common::copy_dir(&env.path("extensions"), &plain.join("extensions"));
    std::fs::copy(env.path("cekops.toml"), plain.join("cekops.toml")).unwrap();
    env.cekops_in(&plain, &["export", "bundle", "--out", "b.json"], &[])
        .code(0);
    assert_eq!(
        std::fs::read(plain.join("b.json")).unwrap(),
        read("one.json")
    );
}

#[test]
fn test_bundle_content() {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.cekops(&["export", "bundle", "--out", "b.json"]).code(0);
    let b = bundle_json(&env, "b.json");
    assert_eq!(b["version"], 1);
    let ext = &b["extensions"][0];
    assert_eq!(ext["id"], ID);
    assert_eq!(ext["info"]["invocation_names"][0], "피자봇");
    assert_eq!(
        ext["server"]["account_linking"]["client_secret"],
        serde_json::json!({"env": "PIZZABOT_CLIENT_SECRET"})
    );
    let im = &ext["interaction_model"];
    assert_eq!(
        im["builtin_slot_types"],
        serde_json::json!(["CLOVA.NUMBER"])
    );
    let order = &im["intents"][1];
    assert_eq!(order["name"], "OrderPizza");
    assert_eq!(order["description"], "Order a pizza");
    assert_eq!(
        order["slots"],
        serde_json::json!([{"name": "pizzaType", "type": "PIZZA_TYPE"}, {"name": "pizzaAmount", "type": "CLOVA.NUMBER"}])
    );
    assert_eq!(
        order["utterances"][0],
        serde_json::json!({
            "text": "<pizzaType>페퍼로니</pizzaType> 피자 <pizzaAmount>두 판</pizzaAmount> 주문해줘",
            "plain": "페퍼로니 피자 두 판 주문해줘",
            "slots": [
                {"name": "pizzaType", "value": "페퍼로니", "start": 0, "end": 4},
                {"name": "pizzaAmount", "value": "두 판", "start": 8, "end": 11}
            ]
        })
    );
    assert_eq!(
        im["slot_types"][1],
        serde_json::json!({"name": "SIZE", "values": [
            {"value": "라지", "synonyms": ["큰 거"]},
            {"value": "미디엄", "synonyms": []}
        ]})
    );
    let icon = &ext["deployment"]["store"]["large_icon"];
    let bytes = png(512, 512);
    use sha2::Digest as _;
    let digest: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        icon,
        &serde_json::json!({"path": "assets/large.png", "sha256": digest, "size": bytes.len(), "format": "png", "width": 512, "height": 512})
    );
    assert_eq!(ext["deployment"]["privacy"]["minors"], true);
    // no secret value and no path of this machine anywhere
    let text = env.read("b.json");
    assert!(!text.contains(env.tmp.path().to_str().unwrap()));
}

#[test]
fn test_bundle_matches_its_schema() {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.cekops(&["export", "bundle", "--out", "b.json"]).code(0);
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/bundle.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
    let b = bundle_json(&env, "b.json");
    let errors: Vec<String> = check(&schema, &b).iter().map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    // the schema is what `cekops schema --write` generates
    env.cekops(&["schema", "--write", "--out", "gen"]).code(0);
    assert_eq!(
        env.read("gen/bundle.schema.json"),
        std::fs::read_to_string(&schema_path).unwrap()
    );
    // and it rejects what is not a bundle
    let mut bad = b.clone();
    bad["extensions"][0]["server"]["account_linking"]["client_secret"] = "hunter2".into();
    assert!(!check(&schema, &bad).is_empty());
}

#[test]
fn test_bundle_refuses_invalid_extensions() {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.write(
        &format!("extensions/{ID}/server.toml"),
        "endpoint = \"https://pizzabot.example.com/clova\"\n\n[account_linking]\nauthorization_uri = \"https://auth.example.com/login\"\nclient_id = \"pizzabot\"\naccess_token_uri = \"https://auth.example.com/token\"\nclient_secret = \"hunter2\"\n",
    );
    let out = env.cekops(&["export", "bundle", "--out", "b.json"]);
    out.code(1)
        .contains("error[inline-secret]")
        .contains("no bundle written");
    assert!(!env.path("b.json").exists());
}

// ---------------------------------------------------------------------------------------------
// human output

#[test]
fn test_export_and_import_tsv_output() {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.git_init_commit("service", "pizzabot");
    let mut t = Transcript::new(&env);
    t.note("export tsv");
    t.cekops(&["export", "tsv", ID, "--out", "../upload"])
        .code(0);
    t.cekops(&["export", "tsv", ID, "--out", "../upload"])
        .code(1);
    t.cekops(&["export", "tsv", "com.example.pizzabox", "--out", "x"])
        .code(2);
    t.note("import tsv: the round trip changes nothing, an added utterance updates one file");
    t.cekops(&["import", "tsv", ID, "../upload"]).code(0);
    let dl = env.tmp.path().join("upload/intents/OrderPizza.tsv");
    let mut text = std::fs::read_to_string(&dl).unwrap();
    text.push_str("<pizzaType>페퍼로니</pizzaType> 한 판\n");
    std::fs::write(&dl, text).unwrap();
    t.cekops(&["import", "tsv", ID, "../upload/intents/OrderPizza.tsv"])
        .code(0);
    t.note("a malformed download");
    env.write(
        "../dl/Order.tsv",
        "[INTENT SLOT]\na\tT\n\n<a>x</a> 주세요\n",
    );
    t.cekops(&["import", "tsv", ID, "../dl/Order.tsv"]).code(1);
    snapshot!(&env, "export-and-import-tsv", t.text());
}

#[test]
fn test_export_bundle_output() {
    let env = TestEnv::new();
    pizza_repo(&env);
    let mut t = Transcript::new(&env);
    t.cekops(&["export", "bundle", "--out", "b.json"]).code(0);
    // To stdout, the bundle is JSON (its content has its own tests): show its outline.
    let out = env.cekops(&["export", "bundle", "--out", "-"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let outline = format!(
        "JSON: top-level keys {:?}; extensions {:?}\n",
        v.as_object().unwrap().keys().collect::<Vec<_>>(),
        v["extensions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap_or_default())
            .collect::<Vec<_>>()
    );
    t.record(
        &env.root,
        &["export", "bundle", "--out", "-"],
        &[],
        &Out {
            stdout: outline,
            ..out
        },
    );
    t.note("an inline secret: refused");
    env.write(
        &format!("extensions/{ID}/server.toml"),
        "endpoint = \"https://pizzabot.example.com/clova\"\n\n[account_linking]\nauthorization_uri = \"https://auth.example.com/login\"\nclient_id = \"pizzabot\"\naccess_token_uri = \"https://auth.example.com/token\"\nclient_secret = \"hunter2\"\n",
    );
    t.cekops(&["export", "bundle", "--out", "c.json"]).code(1);
    snapshot!(&env, "export-bundle", t.text());
}
