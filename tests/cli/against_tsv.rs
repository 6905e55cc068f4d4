//! `cekops diff <ID> --against-tsv DIR`: drift between git and a console TSV download.

use crate::common::TestEnv;
use crate::interop::pizza_repo;

const ID: &str = "com.example.pizzabot";

/// A repository with the pizza extension on `service` and its test branch, and a console
/// download exported from it into `dl/`.
fn setup() -> TestEnv {
    let env = TestEnv::new();
    pizza_repo(&env);
    env.git_init_commit("service", "pizzabot");
    env.git(&["branch", &format!("test/{ID}")]);
    let out = env.cekops(&["export", "tsv", ID, "--out", "../dl"]);
    out.code(0);
    env
}

#[test]
fn test_against_tsv_without_drift_is_exit_0() {
    let env = setup();
    let dl = env.tmp.path().join("dl");
    let out = env.cekops(&["diff", ID, "--against-tsv", dl.to_str().unwrap()]);
    out.code(0).contains("no changes");
}

#[test]
fn test_against_tsv_shows_what_an_upload_adds_and_deletes() {
    let env = setup();
    let dl = env.tmp.path().join("dl");
    // The console has a value git lacks (an upload deletes it) and lacks an utterance git has
    // (an upload adds it).
    let pizza = dl.join("slot-types/PIZZA_TYPE.tsv");
    let mut text = std::fs::read_to_string(&pizza).unwrap();
    text.push_str("하와이안\t하와이안 피자\n");
    std::fs::write(&pizza, text).unwrap();
    let order = dl.join("intents/OrderPizza.tsv");
    let text = std::fs::read_to_string(&order).unwrap();
    let last = text.trim_end().lines().last().unwrap().to_string();
    std::fs::write(&order, text.replace(&format!("{last}\n"), "")).unwrap();
    let head = env.git(&["rev-parse", "HEAD"]);
    let out = env.cekops(&["diff", ID, "--against-tsv", dl.to_str().unwrap()]);
    out.code(2)
        .contains("- value \"하와이안\"")
        .contains("+ utterance")
        .contains("1 destructive");
    let json = env.cekops(&[
        "diff",
        ID,
        "--against-tsv",
        dl.to_str().unwrap(),
        "--format",
        "json",
    ]);
    json.code(2);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["version"], 1);
    // Nothing in git changed.
    assert_eq!(env.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn test_against_tsv_malformed_download_is_an_error_with_line_numbers() {
    let env = setup();
    let dl = env.tmp.path().join("dl");
    std::fs::write(dl.join("intents/Broken.tsv"), "[INTENT SLOT]\nonlyone\n").unwrap();
    let out = env.cekops(&["diff", ID, "--against-tsv", dl.to_str().unwrap()]);
    out.code(1)
        .contains("error[tsv-syntax]")
        .contains("Broken.tsv:2:1")
        .contains("nothing was compared");
}

#[test]
fn test_against_tsv_needs_an_id_and_a_folder() {
    let env = setup();
    env.cekops(&["diff", "--against-tsv", "../dl"])
        .code(1)
        .contains("give its ID");
    env.cekops(&["diff", ID, "--against-tsv", "../nope"])
        .code(1)
        .contains("is not a folder");
}
