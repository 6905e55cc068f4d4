//! `cekops test` end to end: one utterance, suites (human, json, junit), `--rev`, and the
//! matcher-based `validate` rules.

use serde_json::Value;
use serde_json::json;

use crate::common::TestEnv;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

const ID: &str = "com.example.pizzabot";
const NOW: &str = "--now=2026-01-01T10:00";

fn pizzabot() -> TestEnv {
    let env = TestEnv::new();
    env.copy_from_project("tests/fixtures/pizzabot");
    env
}

fn json_of(out: &crate::common::Out) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

#[test]
fn test_utterance_prints_intent_slots_confidence_and_closest_sample() {
    let env = pizzabot();
    let out = env.cekops(&["test", ID, "페파로니 피자 세 판 주문해 줘!", NOW]);
    out.code(0);
    assert_eq!(
        out.stdout,
        "utterance   페파로니 피자 세 판 주문해 줘!
intent      OrderPizza
confidence  1.00 (matches a sample pattern)
slots       pizzaType = \"페퍼로니\"  [PIZZA_TYPE] from \"페파로니\"
            pizzaAmount = \"3\" (unit \"판\")  [CLOVA.NUMBER] from \"세 판\"
closest     <pizzaType>불고기</pizzaType> 피자 <pizzaAmount>두 판</pizzaAmount> 주문해줘  [OrderPizza, similarity 1.00]
            extensions/com.example.pizzabot/interaction-model/intents/OrderPizza.toml:5
"
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn test_utterance_json_has_cek_slots() {
    let env = pizzabot();
    let out = env.cekops(&[
        "test",
        ID,
        "내일 저녁 7시에 배달해줘",
        NOW,
        "--format",
        "json",
    ]);
    out.code(0);
    assert_eq!(
        json_of(&out),
        json!({
            "version": 1,
            "extension": ID,
            "utterance": "내일 저녁 7시에 배달해줘",
            "intent": "Deliver",
            "match": "exact",
            "confidence": 1.0,
            "slots": {
                "when": {
                    "name": "when",
                    "type": "CLOVA.DATETIME",
                    "value": "2026-01-02T19:00:00+09:00",
                    "valueType": "DATETIME",
                    "text": "내일 저녁 7시"
                }
            },
            "closest": {
                "intent": "Deliver",
                "utterance": "<when>내일 오후 3시</when>에 배달해줘",
                "file": "extensions/com.example.pizzabot/interaction-model/intents/Deliver.toml",
                "line": 3,
                "similarity": 1.0
            }
        })
    );
}

#[test]
fn test_utterance_without_id_in_a_one_extension_repo() {
    let env = pizzabot();
    let out = env.cekops(&["test", "뭐 할 수 있어?", "--format", "json"]);
    out.code(0);
    let v = json_of(&out);
    assert_eq!(v["intent"], "Clova.GuideIntent");
    assert_eq!(v["match"], "exact");
    // --utterance takes text shaped like an Extension ID
    let out = env.cekops(&["test", ID, "--utterance", "com.example", "--format", "json"]);
    out.code(0);
    assert_eq!(json_of(&out)["utterance"], "com.example");
}

#[test]
fn test_unmatched_utterance_goes_to_guide_or_fallback_intent() {
    let env = pizzabot();
    let out = env.cekops(&["test", ID, "오늘 주식 시세 알려줘", "--format", "json"]);
    out.code(0);
    let v = json_of(&out);
    assert_eq!(v["intent"], "Clova.GuideIntent");
    assert_eq!(v["match"], "none");
    assert_eq!(v["confidence"], 0.0);
    assert_eq!(v["slots"], json!({}));
    // listing Clova.FallbackIntent sends unmatched utterances there
    let info = env
        .read("extensions/com.example.pizzabot/extension.toml")
        .replace(
            "\"Clova.NoIntent\"]",
            "\"Clova.NoIntent\", \"Clova.FallbackIntent\"]",
        );
    env.write("extensions/com.example.pizzabot/extension.toml", info);
    let out = env.cekops(&["test", ID, "오늘 주식 시세 알려줘", "--format", "json"]);
    out.code(0);
    assert_eq!(json_of(&out)["intent"], "Clova.FallbackIntent");
    // (ko-KR has no FallbackIntent, which validate reports; the matcher still honours it)
    out.contains("note: extension `com.example.pizzabot` has 1 validation error(s)");
}

#[test]
fn test_japanese_normalisation_and_counters() {
    let env = TestEnv::new();
    env.write(
        "extensions/com.example.pizza/extension.toml",
        r#"id = "com.example.pizza"
language = "ja-JP"
name = "ピザ"
invocation_names = ["ピザボット"]
builtin_intents = ["Clova.GuideIntent", "Clova.YesIntent"]
builtin_slot_types = ["CLOVA.NUMBER"]
"#,
    );
    env.write(
        "extensions/com.example.pizza/interaction-model/intents/Order.toml",
        "slots = { drink = \"DRINK\", n = \"CLOVA.NUMBER\" }\nutterances = [\"<drink>コーヒー</drink>を<n>1杯</n>ください\"]\n",
    );
    env.write(
        "extensions/com.example.pizza/interaction-model/slot-types/DRINK.tsv",
        "コーヒー\t珈琲\n紅茶\tティー\n",
    );
    let out = env.cekops(&[
        "test",
        "com.example.pizza",
        "ｺ～ﾋｰを 二杯 ください。",
        "--format",
        "json",
    ]);
    out.code(0);
    let v = json_of(&out);
    assert_eq!(v["intent"], "Order");
    assert_eq!(v["slots"]["drink"]["value"], "コーヒー");
    assert_eq!(v["slots"]["n"]["value"], "2");
    assert_eq!(v["slots"]["n"]["unit"], "杯");
    let out = env.cekops(&["test", "com.example.pizza", "はい"]);
    out.code(0).contains("intent      Clova.YesIntent");
}

#[test]
fn test_suites_pass() {
    let env = pizzabot();
    let out = env.cekops(&["test", NOW]);
    out.code(0);
    assert_eq!(
        out.stdout,
        "com.example.pizzabot (extensions/com.example.pizzabot/tests/order.toml)
  ok    페파로니 피자 세 판 주문해줘
  ok    delivery tomorrow
  ok    help then yes

test result: ok. 3 passed, 0 failed
"
    );
}

const FAILING: &str = r#"[[case]]
utterance = "불고기 피자 주문해줘"
intent = "OrderPizza"
slots = { pizzaType = "치즈" }

[[case]]
name = "yes or no"
turns = [
  { utterance = "도움말", intent = "Clova.GuideIntent" },
  { utterance = "응", intent = "Clova.NoIntent" },
]

[[case]]
utterance = "치즈 피자 주문해줘"
intent = "OrderPizza"
"#;

#[test]
fn test_suites_fail_with_differences() {
    let env = pizzabot();
    env.write("extensions/com.example.pizzabot/tests/more.toml", FAILING);
    let out = env.cekops(&["test", ID, NOW]);
    out.code(1);
    assert_eq!(
        out.stdout,
        "com.example.pizzabot (extensions/com.example.pizzabot/tests/more.toml)
  FAIL  불고기 피자 주문해줘  (extensions/com.example.pizzabot/tests/more.toml:1)
          slot pizzaType: expected \"치즈\", got \"불고기\"
          closest sample: <pizzaType>페퍼로니</pizzaType> 피자 주문해줘 [OrderPizza, similarity 1.00]
  FAIL  yes or no  (extensions/com.example.pizzabot/tests/more.toml:6)
          turn 2 \"응\" (line 10)
            intent: expected Clova.NoIntent, got Clova.YesIntent
            closest sample: 응 [Clova.YesIntent, similarity 1.00]
  ok    치즈 피자 주문해줘
com.example.pizzabot (extensions/com.example.pizzabot/tests/order.toml)
  ok    페파로니 피자 세 판 주문해줘
  ok    delivery tomorrow
  ok    help then yes

test result: FAILED. 4 passed, 2 failed
"
    );
}

#[test]
fn test_suites_junit_shape() {
    let env = pizzabot();
    env.write("extensions/com.example.pizzabot/tests/more.toml", FAILING);
    std::fs::remove_file(env.path("extensions/com.example.pizzabot/tests/order.toml")).unwrap();
    let out = env.cekops(&["test", NOW, "--format", "junit"]);
    out.code(1);
    assert_eq!(
        out.stdout,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="cekops test" tests="3" failures="2" errors="0">
  <testsuite name="extensions/com.example.pizzabot/tests/more.toml" tests="3" failures="2" errors="0" skipped="0">
    <testcase name="불고기 피자 주문해줘" classname="com.example.pizzabot.more" file="extensions/com.example.pizzabot/tests/more.toml" line="1">
      <failure message="&quot;불고기 피자 주문해줘&quot;: slot pizzaType: expected &quot;치즈&quot;, got &quot;불고기&quot;" type="mismatch">&quot;불고기 피자 주문해줘&quot;: slot pizzaType: expected &quot;치즈&quot;, got &quot;불고기&quot;</failure>
    </testcase>
    <testcase name="yes or no" classname="com.example.pizzabot.more" file="extensions/com.example.pizzabot/tests/more.toml" line="6">
      <failure message="turn 2 &quot;응&quot;: intent: expected Clova.NoIntent, got Clova.YesIntent" type="mismatch">turn 2 &quot;응&quot;: intent: expected Clova.NoIntent, got Clova.YesIntent</failure>
    </testcase>
    <testcase name="치즈 피자 주문해줘" classname="com.example.pizzabot.more" file="extensions/com.example.pizzabot/tests/more.toml" line="13"/>
  </testsuite>
</testsuites>
"#
    );
}

#[test]
fn test_suites_json_and_invalid_cases() {
    let env = pizzabot();
    std::fs::remove_file(env.path("extensions/com.example.pizzabot/tests/order.toml")).unwrap();
    env.write(
        "extensions/com.example.pizzabot/tests/bad.toml",
        "[[case]]\nname = \"nothing\"\n\n[[case]]\nutterance = \"치즈 피자 주문해줘\"\nintent = \"OrderPizza\"\nslots = { pizzaType = \"치즈\", pizzaAmount = \"1\" }\n",
    );
    let out = env.cekops(&["test", "--format", "json"]);
    out.code(1);
    let v = json_of(&out);
    assert_eq!(v["summary"], json!({ "passed": 0, "failed": 2 }));
    let cases = &v["suites"][0]["cases"];
    assert_eq!(cases[0]["name"], "nothing");
    assert_eq!(
        cases[0]["invalid"],
        "the case has neither `utterance` nor `turns`"
    );
    assert_eq!(
        cases[1]["turns"][0]["differences"],
        json!([{ "kind": "slot", "name": "pizzaAmount", "expected": "1", "got": null }])
    );
    assert_eq!(cases[1]["turns"][0]["got"]["intent"], "OrderPizza");
}

#[test]
fn test_suites_from_a_revision() {
    let env = pizzabot();
    env.git_init_commit("test/com.example.pizzabot", "pizzabot");
    // a work-tree edit that breaks the suite is not in HEAD
    env.write(
        "extensions/com.example.pizzabot/interaction-model/slot-types/PIZZA_TYPE.toml",
        "[values]\n\"불고기\" = []\n",
    );
    env.cekops(&["test", NOW]).code(1);
    let out = env.cekops(&["test", NOW, "--rev", "HEAD"]);
    out.code(0).contains("3 passed, 0 failed");
    env.cekops(&["test", ID, "페파로니 피자 주문해줘", "--rev", "HEAD"])
        .code(0)
        .contains("pizzaType = \"페퍼로니\"");
}

#[test]
fn test_usage_errors() {
    let env = pizzabot();
    let out = env.cekops(&["test", "com.example.pizzbot", "피자"]);
    out.code(2)
        .contains("error: no extension `com.example.pizzbot` in the repository")
        .contains("did you mean `com.example.pizzabot`?");
    let out = env.cekops(&["test", "com.a.b", "com.a.c", "피자 주문"]);
    out.code(2)
        .contains("error: `피자 주문` is not an Extension ID")
        .contains("hint: to analyse an utterance give one ID and the utterance");
    env.cekops(&["test", ID, "피자", "--format", "junit"])
        .code(2)
        .contains("`--format junit` is for test suites");
    env.cekops(&["test", "--now", "tomorrow"])
        .code(2)
        .contains("`tomorrow` is not a date and time");
}

#[test]
fn test_validate_reports_unmatched_store_phrase_and_ambiguous_pattern() {
    let env = pizzabot();
    let store = env
        .read("extensions/com.example.pizzabot/store.toml")
        .replace(
            "피자봇에서 내일 저녁 7시에 배달해줘",
            "피자봇에서 주식 시세 알려줘",
        );
    env.write("extensions/com.example.pizzabot/store.toml", store);
    env.write(
        "extensions/com.example.pizzabot/interaction-model/intents/CancelOrder.toml",
        "slots = { pizzaType = \"PIZZA_TYPE\" }\nutterances = [\"<pizzaType>치즈</pizzaType> 피자 주문해줘\"]\n",
    );
    let out = env.cekops(&["validate", "--format", "json"]);
    out.code(1);
    let v = json_of(&out);
    let mut diags = v["diagnostics"].as_array().unwrap().clone();
    diags.retain(|d| d["severity"] != "info"); // guidance on the pizzabot's short intents
    let codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["ambiguous-pattern", "store-phrase-unmatched"]);
    let amb = &diags[0];
    assert_eq!(amb["severity"], "error");
    assert_eq!(
        amb["message"],
        "utterance pattern `<pizzaType> 피자 주문해줘` is in intents `CancelOrder` and `OrderPizza`"
    );
    assert_eq!(
        amb["location"]["file"],
        "extensions/com.example.pizzabot/interaction-model/intents/OrderPizza.toml"
    );
    assert_eq!(amb["location"]["start"]["line"], 4);
    let rel = &amb["related"][0];
    assert_eq!(
        rel["location"]["file"],
        "extensions/com.example.pizzabot/interaction-model/intents/CancelOrder.toml"
    );
    assert_eq!(rel["location"]["start"]["line"], 2);
    let phrase = &diags[1];
    assert_eq!(phrase["severity"], "warning");
    assert_eq!(
        phrase["message"],
        "example phrase `피자봇에서 주식 시세 알려줘` matches no intent (it would go to `Clova.GuideIntent`)"
    );
    assert_eq!(phrase["location"]["start"]["line"], 5);
    // at review time the phrase is an error
    let out = env.cekops(&["validate", "--stage", "service", "--format", "json"]);
    let v = json_of(&out);
    let sev: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "store-phrase-unmatched")
        .map(|d| d["severity"].as_str().unwrap())
        .collect();
    assert_eq!(sev, ["error"]);
}

#[test]
fn test_example_repo_suites_pass() {
    let env = crate::common::TestEnv::new();
    env.copy_from_project("example-repo");
    env.cekops(&["test"])
        .code(0)
        .contains("test result: ok. 14 passed, 0 failed");
}

#[test]
fn test_broken_model_files_are_counted_and_said_to_be_left_out() {
    let env = pizzabot();
    env.write(
        "extensions/com.example.pizzabot/interaction-model/intents/Broken.toml",
        "utterances = [\n",
    );
    std::fs::remove_file(env.path("extensions/com.example.pizzabot/server.toml")).unwrap();
    let validate = env.cekops(&["validate", ID, "--format", "json"]);
    validate.code(1);
    let errors = json_of(&validate)["summary"]["errors"].as_u64().unwrap();
    // the missing server.toml is reported on the extension folder itself: it counts too
    assert!(errors >= 2, "{errors}");
    env.cekops(&["test", ID, "페퍼로니 피자 주문해줘"])
        .code(0)
        .contains(&format!(
            "note: extension `{ID}` has {errors} validation error(s); files that do not load are left out of the analysis"
        ));
}

#[test]
fn test_test_output() {
    let env = pizzabot();
    let mut t = Transcript::new(&env);
    t.note("one utterance");
    t.cekops(&["test", ID, "페파로니 피자 세 판 주문해 줘!", NOW])
        .code(0);
    t.cekops(&["test", ID, "날씨 알려줘", NOW]).code(0);
    t.note("the suites");
    t.cekops(&["test", NOW]).code(0);
    env.write("extensions/com.example.pizzabot/tests/more.toml", FAILING);
    t.cekops(&["test", ID, NOW]).code(1);
    t.note("a usage error");
    t.cekops(&["test", "com.example.pizzbot", "피자"]).code(2);
    snapshot!(&env, "test", t.text());
}

#[test]
fn test_cross_validate_output() {
    let env = pizzabot();
    let mut t = Transcript::new(&env);
    t.note("5-fold cross-validation: each sample is analysed by a model compiled without it");
    t.cekops(&["test", "--cross-validate", ID, NOW]).code(0);
    t.note("under the --fail-under threshold: exit 1");
    t.cekops(&[
        "test",
        "--cross-validate",
        "--folds",
        "2",
        NOW,
        "--fail-under",
        "50",
    ])
    .code(1);
    t.note("usage errors");
    t.cekops(&["test", "--cross-validate", "--folds", "1", ID])
        .code(2);
    t.cekops(&["test", "--cross-validate", ID, "--fail-under", "120"])
        .code(2);
    t.cekops(&["test", "--cross-validate", ID, "피자 주문해줘"])
        .code(2);
    t.cekops(&["test", ID, "--plot", "m.svg"]).code(2);
    snapshot!(&env, "test-cross-validate", t.text());
}

#[test]
fn test_cross_validate_json_junit_and_plot_agree() {
    let env = extension_with_samples();
    let json = env.cekops(&["test", "--cross-validate", ID, NOW, "--format", "json"]);
    json.code(0);
    let doc = json_of(&json);
    let cv = &doc["extensions"][0];
    let cases = cv["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 12, "every sample is held out once");
    let right = cases
        .iter()
        .filter(|c| c["intent"] == c["predicted"])
        .count();
    assert_eq!(
        cv["intent_accuracy"].as_f64().unwrap(),
        right as f64 / cases.len() as f64
    );
    // the matrix counts every case once, on the diagonal when right
    let matrix: Vec<Vec<u64>> = serde_json::from_value(cv["matrix"].clone()).unwrap();
    let total: u64 = matrix.iter().flatten().sum();
    let diagonal: u64 = (0..matrix.len()).map(|i| matrix[i][i]).sum();
    assert_eq!((total, diagonal), (12, right as u64));
    // most unseen phrasings of these intents are understood
    assert!(right >= 8, "{}", json.stdout);
    let order = cv["intents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["intent"] == "OrderPizza")
        .unwrap();
    assert_eq!(order["support"], 6);

    let junit = env.cekops(&["test", "--cross-validate", ID, NOW, "--format", "junit"]);
    junit.code(0);
    assert_eq!(junit.stdout.matches("<testcase ").count(), 12);
    let failed = cases
        .iter()
        .filter(|c| c["intent"] != c["predicted"] || c["slots"] != c["expected_slots"])
        .count();
    assert_eq!(junit.stdout.matches("<failure ").count(), failed);
    assert!(junit.stdout.contains(&format!("failures=\"{failed}\"")));

    let plot = env.cekops(&["test", "--cross-validate", ID, NOW, "--plot", "matrix.svg"]);
    plot.code(0)
        .contains("wrote the confusion matrix of com.example.pizzabot to matrix.svg");
    let svg = env.read("matrix.svg");
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    let n = cv["labels"].as_array().unwrap().len();
    assert_eq!(svg.matches("<rect x=").count(), n * n);
    assert!(svg.contains(">OrderPizza</text>"));
    // the picture is well-formed XML (xmllint when installed)
    if let Ok(out) = std::process::Command::new("xmllint")
        .args(["--noout"])
        .arg(env.path("matrix.svg"))
        .output()
    {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The pizzabot fixture with more sample utterances: six per intent.
fn extension_with_samples() -> TestEnv {
    let env = pizzabot();
    let dir = "extensions/com.example.pizzabot/interaction-model/intents";
    env.write(
        &format!("{dir}/OrderPizza.toml"),
        r#"slots = { pizzaType = "PIZZA_TYPE", pizzaAmount = "CLOVA.NUMBER" }
utterances = [
  "<pizzaType>페퍼로니</pizzaType> 피자 주문해줘",
  "<pizzaType>불고기</pizzaType> 피자 <pizzaAmount>두 판</pizzaAmount> 주문해줘",
  "<pizzaType>치즈</pizzaType> 피자 시켜줘",
  "피자 <pizzaAmount>한 판</pizzaAmount> 주문할게",
  "<pizzaType>페퍼로니</pizzaType> 피자 <pizzaAmount>세 판</pizzaAmount> 시켜 줄래",
  "피자 주문하고 싶어",
]
"#,
    );
    env.write(
        &format!("{dir}/Deliver.toml"),
        r#"slots = { when = "CLOVA.DATETIME" }
utterances = [
  "<when>내일 오후 3시</when>에 배달해줘",
  "<when>오늘 저녁 7시</when>에 배달해 줄래",
  "배달 언제 와",
  "배달해줘",
  "<when>내일</when> 배달 돼",
  "배달 시간 알려줘",
]
"#,
    );
    env
}

/// A slot-filling answer (`불고기요`): alone, to the intent with the most samples holding the
/// slot; in a case's turns, to the intent the previous turn got when it has the slot.
#[test]
fn test_suites_answers_follow_the_conversation() {
    let env = pizzabot();
    env.write(
        "extensions/com.example.pizzabot/interaction-model/intents/ChangePizza.toml",
        "slots = { pizzaType = \"PIZZA_TYPE\" }\nutterances = [\"<pizzaType>치즈</pizzaType> 피자로 바꿔줘\"]\n",
    );
    env.write(
        "extensions/com.example.pizzabot/tests/answers.toml",
        r#"[[case]]
utterance = "불고기요"
intent = "OrderPizza"
slots = { pizzaType = "불고기" }

[[case]]
name = "change then answer"
turns = [
  { utterance = "치즈 피자로 바꿔줘", intent = "ChangePizza", slots = { pizzaType = "치즈" } },
  { utterance = "불고기요", intent = "ChangePizza", slots = { pizzaType = "불고기" } },
]
"#,
    );
    let out = env.cekops(&["test", ID, NOW]);
    out.code(0);
    assert!(
        out.stdout.starts_with(
            "com.example.pizzabot (extensions/com.example.pizzabot/tests/answers.toml)
  ok    불고기요
  ok    change then answer
"
        ),
        "{}",
        out.stdout
    );
}
