//! `cekops new` end to end, cross-checked with the git CLI.

use std::collections::BTreeSet;

use crate::common::AUTHOR_EMAIL;
use crate::common::AUTHOR_NAME;
use crate::common::TestEnv;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

const ID: &str = "com.example.hello";

/// A fresh extension repository (`cekops init`) in the repo folder.
fn repo() -> TestEnv {
    let env = TestEnv::new();
    env.cekops(&["init", "--reviewer", "alice@example.com"])
        .code(0);
    env
}

/// Everything a refused command must leave alone: refs, HEAD, index and work tree.
fn state(env: &TestEnv) -> String {
    let head = env
        .git_try_in(&env.root, &["symbolic-ref", "-q", "HEAD"], &[])
        .stdout;
    format!(
        "{}\n{head}\n{}\n{}",
        env.git(&["for-each-ref", "--format=%(refname) %(objectname)"]),
        env.git(&["status", "--porcelain", "--untracked-files=all"]),
        env.git(&["ls-files", "--stage"]),
    )
}

/// The codes `validate --format json` reports, with their severities.
fn codes(env: &TestEnv, args: &[&str]) -> BTreeSet<String> {
    let mut full = vec!["validate", "--format", "json"];
    full.extend_from_slice(args);
    let out = env.cekops(&full);
    out.code(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["severity"].as_str().unwrap(),
                d["code"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn test_new_creates_test_branch_from_service_with_valid_scaffold() {
    let env = repo();
    let service = env.git(&["rev-parse", "service"]);
    let out = env.cekops(&["new", ID, "--language", "ko-KR", "--name", "헬로봇"]);
    out.code(0)
        .contains(&format!("Created branch `test/{ID}` from `service`"))
        .contains(&format!("Switched to `test/{ID}`"));
    // The branch is service plus one commit that adds only the extension folder.
    assert_eq!(env.git(&["rev-parse", "service"]), service);
    assert_eq!(env.git(&["rev-parse", &format!("test/{ID}^")]), service);
    assert_eq!(
        env.git(&["diff", "--name-status", "service", &format!("test/{ID}")]),
        [
            "extension.toml",
            "interaction-model/intents/HelloIntent.toml",
            "server.toml",
            "store.toml",
            "tests/hello.toml",
        ]
        .iter()
        .map(|f| format!("A\textensions/{ID}/{f}"))
        .collect::<Vec<_>>()
        .join("\n")
    );
    assert_eq!(
        env.git(&["log", "-1", "--date=raw", "--format=%an <%ae> %ad|%s"]),
        format!("{AUTHOR_NAME} <{AUTHOR_EMAIL}> 1767225600 +0000|Register extension {ID} (ko-KR)")
    );
    // Checked out: HEAD on the branch, work tree and index equal to it.
    assert_eq!(
        env.git(&["symbolic-ref", "HEAD"]),
        format!("refs/heads/test/{ID}")
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    let info = env.read(&format!("extensions/{ID}/extension.toml"));
    assert!(info.contains("name = \"헬로봇\""), "{info}");
    assert!(info.contains("invocation_names = [\"헬로봇\"]"), "{info}");
    assert!(
        info.contains(&format!("provider = \"{AUTHOR_NAME}\"")),
        "{info}"
    );
    assert!(
        info.contains(&format!("contact_email = \"{AUTHOR_EMAIL}\"")),
        "{info}"
    );
    // validate passes: only what a scaffold cannot know (store texts, icons) is a warning.
    let found = codes(&env, &[]);
    assert!(
        found
            .iter()
            .all(|c| c == "warning store-field-missing" || c == "info utterance-guidance"),
        "{found:?}"
    );
    assert_eq!(codes(&env, &["--rev", &format!("test/{ID}")]), found);
    // The scaffold is already in the canonical layout.
    env.cekops(&["fmt", "--check"]).code(0);
}

#[test]
fn test_new_japanese_scaffold_validates() {
    let env = repo();
    env.cekops(&[
        "new",
        "com.example.tenki",
        "--language",
        "ja-JP",
        "--name",
        "お天気ガイド",
        "--invocation-name",
        "お天気",
    ])
    .code(0);
    let info = env.read("extensions/com.example.tenki/extension.toml");
    assert!(info.contains("language = \"ja-JP\""));
    assert!(info.contains("invocation_names = [\"お天気\"]"));
    assert!(info.contains("builtin_intents = [\"Clova.GuideIntent\"]"));
    let found = codes(&env, &[]);
    assert!(
        found
            .iter()
            .all(|c| c == "warning store-field-missing" || c == "info utterance-guidance"),
        "{found:?}"
    );
    env.cekops(&["fmt", "--check"]).code(0);
}

#[test]
fn test_new_bad_ids_are_refused_and_change_nothing() {
    let env = repo();
    let before = state(&env);
    for id in [
        "../x",
        "com.example.Hello",
        "com.example.has space",
        "",
        "hello",
        "com..example",
        "com.example.hello/../../x",
        "com.example.",
    ] {
        let out = env.cekops(&["new", id, "--language", "ko-KR"]);
        out.code(2).contains("Extension ID");
        assert_eq!(state(&env), before, "`cekops new {id:?}` changed something");
    }
    env.cekops(&["new", "com.example.Hello", "--language", "ko-KR"])
        .contains("did you mean `com.example.hello`?");
    env.cekops(&["new", "", "--language", "ko-KR"])
        .contains("the Extension ID is empty");
    // An ID git cannot use in a branch name.
    env.cekops(&["new", "com.example.lock", "--language", "ko-KR"])
        .code(2)
        .contains("cannot be used in a branch name");
    assert_eq!(state(&env), before);
    assert!(!env.path("extensions/com.example.lock").exists());
}

#[test]
fn test_new_existing_test_branch_is_refused() {
    let env = repo();
    env.cekops(&["new", ID, "--language", "ko-KR"]).code(0);
    env.write(
        &format!("extensions/{ID}/server.toml"),
        "endpoint = \"https://a.example.com\"\n",
    );
    let before = state(&env);
    env.cekops(&["new", ID, "--language", "ja-JP"])
        .code(1)
        .contains(&format!("branch `test/{ID}` already exists"))
        .contains(&format!("git switch test/{ID}"));
    assert_eq!(state(&env), before);
}

#[test]
fn test_new_existing_extension_on_service_is_refused() {
    let env = repo();
    env.cekops(&["new", ID, "--language", "ko-KR"]).code(0);
    // The extension goes into service (as an approval would), and its test branch is removed.
    env.git(&[
        "update-ref",
        "refs/heads/service",
        &format!("refs/heads/test/{ID}"),
    ]);
    env.git(&["switch", "-q", "service"]);
    env.git(&["branch", "-q", "-D", &format!("test/{ID}")]);
    let before = state(&env);
    env.cekops(&["new", ID, "--language", "ko-KR"])
        .code(1)
        .contains(&format!("extension `{ID}` already exists on `service`"));
    assert_eq!(state(&env), before);
}

#[test]
fn test_new_without_service_branch_hints_init() {
    let env = TestEnv::new();
    env.write("README.md", "x\n");
    env.git_init_commit("main", "start");
    let before = state(&env);
    env.cekops(&["new", ID, "--language", "ko-KR"])
        .code(1)
        .contains("this repository has no `service` branch")
        .contains("cekops init");
    assert_eq!(state(&env), before);
    // Outside any repository.
    let env = TestEnv::new();
    env.cekops(&["new", ID, "--language", "ko-KR"])
        .code(2)
        .contains("not inside a git repository")
        .contains("cekops init");
}

#[test]
fn test_new_does_not_check_out_over_uncommitted_changes() {
    let env = repo();
    env.write(
        "cekops.toml",
        format!("{}# my edit\n", env.read("cekops.toml")),
    );
    let out = env.cekops(&["new", ID, "--language", "ko-KR"]);
    out.code(0)
        .contains("Not checked out, to keep your uncommitted changes: cekops.toml")
        .contains(&format!("git switch test/{ID}"));
    // Branch created, HEAD and the edit untouched.
    env.git(&["rev-parse", "--verify", &format!("test/{ID}")]);
    assert_eq!(env.git(&["symbolic-ref", "HEAD"]), "refs/heads/service");
    assert_eq!(env.git(&["status", "--porcelain"]), " M cekops.toml");
    assert!(env.read("cekops.toml").ends_with("# my edit\n"));
    assert!(!env.path(&format!("extensions/{ID}")).exists());
}

#[test]
fn test_new_does_not_check_out_over_untracked_files_in_the_way() {
    let env = repo();
    env.write(&format!("extensions/{ID}/extension.toml"), "# my draft\n");
    env.cekops(&["new", ID, "--language", "ko-KR"])
        .code(0)
        .contains(&format!(
            "Not checked out, to keep your uncommitted changes: extensions/{ID}/extension.toml"
        ));
    assert_eq!(env.git(&["symbolic-ref", "HEAD"]), "refs/heads/service");
    assert_eq!(
        env.read(&format!("extensions/{ID}/extension.toml")),
        "# my draft\n"
    );
}

#[test]
fn test_new_untracked_files_elsewhere_do_not_block_the_switch() {
    let env = repo();
    env.write("notes.txt", "todo\n");
    env.cekops(&["new", ID, "--language", "ko-KR"])
        .code(0)
        .contains("Switched to");
    assert_eq!(env.git(&["status", "--porcelain"]), "?? notes.txt");
    assert_eq!(env.read("notes.txt"), "todo\n");
}

#[test]
fn test_new_from_another_test_branch_starts_from_service() {
    let env = repo();
    env.cekops(&["new", "com.example.first", "--language", "ko-KR"])
        .code(0);
    env.cekops(&["new", "com.example.second", "--language", "ja-JP"])
        .code(0)
        .contains("Switched to `test/com.example.second`");
    assert_eq!(
        env.git(&["rev-parse", "test/com.example.second^"]),
        env.git(&["rev-parse", "service"])
    );
    // The first extension's files belong to its own branch only.
    assert!(!env.path("extensions/com.example.first").exists());
    assert!(
        env.path("extensions/com.example.second/extension.toml")
            .is_file()
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn test_new_refuses_reserved_and_duplicate_invocation_names() {
    let env = repo();
    let before = state(&env);
    env.cekops(&["new", ID, "--language", "ko-KR", "--name", "클로바 인사"])
        .code(2)
        .contains("contains `클로바`")
        .contains("--invocation-name");
    env.cekops(&["new", "com.example.stopwatch", "--language", "ko-KR"])
        .code(2)
        .contains("invocation name `Stopwatch` contains `stop`");
    assert_eq!(state(&env), before);
    env.cekops(&[
        "new",
        "com.example.stopwatch",
        "--language",
        "ko-KR",
        "--invocation-name",
        "초시계",
    ])
    .code(2)
    // the extension name (from the ID) obeys the naming rules too (spec §1.1)
    .contains("extension name `Stopwatch` contains `stop` [name-reserved]");
    env.cekops(&[
        "new",
        "com.example.stopwatch",
        "--language",
        "ko-KR",
        "--invocation-name",
        "초시계",
        "--name",
        "초시계 타이머",
    ])
    .code(0);
    // `초시계` goes into service; a second extension cannot take the name.
    env.git(&[
        "update-ref",
        "refs/heads/service",
        "refs/heads/test/com.example.stopwatch",
    ]);
    let before = state(&env);
    env.cekops(&[
        "new",
        "com.example.timer",
        "--language",
        "ko-KR",
        "--name",
        "초 시계",
    ])
    .code(1)
    .contains("invocation name `초 시계` is already used by `com.example.stopwatch`");
    assert_eq!(state(&env), before);
}

#[test]
fn test_new_refuses_a_scaffold_that_would_not_validate() {
    let env = repo();
    let before = state(&env);
    env.cekops(&[
        "new",
        ID,
        "--language",
        "ko-KR",
        "--contact-email",
        "nobody",
    ])
    .code(2)
    .contains("would not pass `cekops validate`")
    .contains("contact-email");
    assert_eq!(state(&env), before);
}

#[test]
fn test_new_follows_the_test_branch_pattern_of_service() {
    let env = repo();
    let config = env.read("cekops.toml").replace("test/{id}", "dev/{id}");
    env.write("cekops.toml", config);
    env.git(&["commit", "-q", "-am", "dev branches"]);
    env.cekops(&["new", ID, "--language", "ko-KR"])
        .code(0)
        .contains(&format!("Created branch `dev/{ID}`"));
    env.git(&["rev-parse", "--verify", &format!("dev/{ID}")]);
}

#[test]
fn test_new_in_a_bare_repository_with_c() {
    let env = repo();
    env.git(&["clone", "-q", "--bare", ".", "../bare.git"]);
    let bare = env.tmp.path().join("bare.git");
    let bare_s = bare.to_str().unwrap();
    env.cekops(&["-C", bare_s, "new", ID, "--language", "ko-KR"])
        .code(0)
        .contains("Not checked out: the repository is bare");
    assert_eq!(
        env.git_in(&bare, &["rev-parse", &format!("test/{ID}^")]),
        env.git_in(&bare, &["rev-parse", "service"])
    );
    env.cekops(&["-C", bare_s, "validate", "--rev", &format!("test/{ID}")])
        .code(0);
}

#[test]
fn test_new_language_is_required_and_checked() {
    let env = repo();
    env.cekops(&["new", ID]).code(2).contains("--language");
    env.cekops(&["new", ID, "--language", "en-US"])
        .code(2)
        .contains("expected `ko-KR`");
}

#[test]
fn test_new_help_teaches() {
    let env = TestEnv::new();
    env.cekops(&["new", "--help"])
        .code(0)
        .contains("--language <LANG>")
        .contains("Examples:")
        .contains("cekops new com.example.pizzabot --language ko-KR");
}

#[test]
fn test_new_output() {
    let env = repo();
    let mut t = Transcript::new(&env);
    t.cekops(&["new", ID, "--language", "ko-KR", "--name", "헬로봇"])
        .code(0);
    t.note("refusals");
    t.cekops(&["new", ID, "--language", "ko-KR"]).code(1);
    t.cekops(&["new", "com.example.lock", "--language", "ko-KR"])
        .code(2);
    t.cekops(&["new", "com.example.other"]).code(2);
    snapshot!(&env, "new", t.text());
}
