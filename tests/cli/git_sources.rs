//! `validate --rev` and `--staged` on real repositories made with the git CLI: they read git
//! objects (a commit, the index) and never the work tree; they work in bare repositories.

use std::collections::BTreeSet;
use std::os::unix::fs::symlink;

use crate::common::Out;
use crate::common::TestEnv;
use crate::common::fixtures::copy_overlay;
use crate::common::fixtures::fixtures_dir;

const EXT: &str = "extensions/com.example.base";
const OTHER: &str = "extensions/com.example.other";

/// The base fixture committed on `main`.
fn repo() -> TestEnv {
    let env = TestEnv::new();
    copy_overlay(&fixtures_dir().join("base"), &env.root, false);
    env.git_init_commit("main", "base");
    env
}

/// A second valid extension, a copy of base with its own ID and invocation name.
/// A second extension, `com.example.other`: a copy of base with its own ID and invocation name.
pub fn add_other(env: &TestEnv) {
    copy_overlay(
        &fixtures_dir().join(format!("base/{EXT}")),
        &env.path(OTHER),
        false,
    );
    let info = env
        .read(&format!("{OTHER}/extension.toml"))
        .replace("\"com.example.base\"", "\"com.example.other\"")
        .replace("[\"베이스 커피\"]", "[\"다른 커피\"]");
    env.write(&format!("{OTHER}/extension.toml"), info);
    let store = env
        .read(&format!("{OTHER}/store.toml"))
        .replace("베이스 커피", "다른 커피");
    env.write(&format!("{OTHER}/store.toml"), store);
}

/// (code, file) of every finding of a `--format json` run; asserts exit 0/1 matches errors.
#[track_caller]
fn findings(out: &Out) -> BTreeSet<(String, String)> {
    assert!(
        out.code == 0 || out.code == 1,
        "exit {}\n--- stdout\n{}\n--- stderr\n{}",
        out.code,
        out.stdout,
        out.stderr
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let diags = doc["diagnostics"].as_array().unwrap();
    let errors = diags.iter().filter(|d| d["severity"] == "error").count();
    assert_eq!(out.code, i32::from(errors > 0));
    diags
        .iter()
        // information-level guidance (few utterances in a small test intent) is not the subject
        .filter(|d| d["severity"] != "info")
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["location"]["file"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[track_caller]
fn validate(env: &TestEnv, args: &[&str]) -> BTreeSet<(String, String)> {
    validate_in(env, &env.root, args)
}

#[track_caller]
fn validate_in(env: &TestEnv, dir: &std::path::Path, args: &[&str]) -> BTreeSet<(String, String)> {
    let mut all = vec!["validate", "--format", "json"];
    all.extend(args);
    findings(&env.cekops_in(dir, &all, &[]))
}

fn one(code: &str, file: &str) -> BTreeSet<(String, String)> {
    [(code.to_string(), file.to_string())].into()
}

fn none() -> BTreeSet<(String, String)> {
    BTreeSet::new()
}

/// What git says about the repository: HEAD, the index and the work tree.
fn git_state(env: &TestEnv) -> (String, String, String) {
    (
        env.git(&["rev-parse", "HEAD"]),
        env.git(&["ls-files", "--stage"]),
        env.git(&["status", "--porcelain", "--untracked-files=all"]),
    )
}

const BROKEN_SERVER: &str =
    "endpoint = \"https://example.com/base\"\ntrusted_certificate = \"yes\"\n";

#[test]
fn test_rev_reads_the_commit_and_not_the_work_tree() {
    let env = repo();
    let server = format!("{EXT}/server.toml");
    let good = env.read(&server);
    let base_commit = env.git(&["rev-parse", "HEAD"]);
    // Work tree broken, commit good: --rev follows the commit.
    env.write(&server, BROKEN_SERVER);
    let before = git_state(&env);
    assert_eq!(validate(&env, &[]), one("schema-violation", &server));
    assert_eq!(validate(&env, &["--rev", "HEAD"]), none());
    assert_eq!(validate(&env, &["--rev", "main"]), none());
    assert_eq!(validate(&env, &["--rev", &base_commit]), none());
    // Nothing was checked out, staged or changed.
    assert_eq!(git_state(&env), before);
    assert_eq!(env.read(&server), BROKEN_SERVER);

    // Commit the broken file, repair the work tree: --rev follows the commit again.
    env.git(&["commit", "-qam", "break the server settings"]);
    env.git(&["tag", "broken"]);
    env.write(&server, &good);
    assert_eq!(validate(&env, &[]), none());
    assert_eq!(
        validate(&env, &["--rev", "HEAD"]),
        one("schema-violation", &server)
    );
    assert_eq!(
        validate(&env, &["--rev", "broken"]),
        one("schema-violation", &server)
    );
    assert_eq!(validate(&env, &["--rev", "HEAD~1"]), none());
    assert_eq!(validate(&env, &["--rev", &base_commit[..10]]), none());
    // Findings point at the committed text: line 2 of the committed file.
    let out = env.cekops(&["validate", "--rev", "HEAD"]);
    out.code(1).contains(&format!("{server}:2:23"));
    assert_eq!(env.read(&server), good);
}

#[test]
fn test_rev_sees_files_that_exist_only_in_the_commit() {
    let env = repo();
    let extra = format!("{EXT}/interaction-model/intents/OrderTea.toml");
    env.write(&extra, "utterances = [\"아메리카노 주문해줘\"]\n");
    env.git(&["add", "-A"]);
    env.git(&["commit", "-qm", "add an ambiguous intent"]);
    // Removed from the work tree (not committed): the commit still has it.
    std::fs::remove_file(env.path(&extra)).unwrap();
    assert_eq!(validate(&env, &[]), none());
    assert_eq!(
        validate(&env, &["--rev", "HEAD"]),
        one("ambiguous-utterance", &extra)
    );
    // A file only in the work tree is not part of the commit.
    env.write(&format!("{EXT}/notes.txt"), "x");
    assert_eq!(validate(&env, &["--rev", "HEAD~1"]), none());
}

#[test]
fn test_rev_in_a_bare_repository() {
    let env = repo();
    let server = format!("{EXT}/server.toml");
    env.write(&server, BROKEN_SERVER);
    env.git(&["commit", "-qam", "break the server settings"]);
    let bare = env.tmp.path().join("bare.git");
    env.git(&[
        "clone",
        "-q",
        "--bare",
        env.root.to_str().unwrap(),
        bare.to_str().unwrap(),
    ]);
    assert_eq!(
        env.git_in(&bare, &["rev-parse", "--is-bare-repository"]),
        "true"
    );
    assert_eq!(
        validate_in(&env, &bare, &["--rev", "main"]),
        one("schema-violation", &server)
    );
    assert_eq!(validate_in(&env, &bare, &["--rev", "main~1"]), none());
    assert_eq!(validate_in(&env, &bare, &["--rev", "HEAD~1"]), none());
    // -C works like git's.
    let out = env.cekops(&[
        "-C",
        bare.to_str().unwrap(),
        "validate",
        "--rev",
        "main",
        "--format",
        "json",
    ]);
    assert_eq!(findings(&out), one("schema-violation", &server));
    // Without --rev there is nothing to read: a clear usage error, not an empty success.
    for args in [&["validate"][..], &["validate", "--staged"]] {
        env.cekops_in(&bare, args, &[])
            .code(2)
            .contains("is a bare repository")
            .contains("--rev");
    }
}

#[test]
fn test_staged_reads_the_index_not_the_work_tree() {
    let env = repo();
    let server = format!("{EXT}/server.toml");
    let good = env.read(&server);
    // A broken file staged, a good one in the work tree.
    env.write(&server, BROKEN_SERVER);
    env.git(&["add", &server]);
    env.write(&server, &good);
    assert_eq!(env.git(&["diff", "--cached", "--name-only"]), server);
    assert_eq!(env.git(&["diff", "--name-only"]), server);
    let before = git_state(&env);
    assert_eq!(
        validate(&env, &["--staged"]),
        one("schema-violation", &server)
    );
    assert_eq!(validate(&env, &[]), none());
    assert_eq!(git_state(&env), before);
    assert_eq!(env.read(&server), good);

    // And the other way round: a good file staged, a broken one in the work tree.
    let env = repo();
    env.write(&server, BROKEN_SERVER);
    env.git(&["commit", "-qam", "break the server settings"]);
    env.write(&server, &good);
    env.git(&["add", &server]);
    env.write(&server, BROKEN_SERVER);
    assert_eq!(validate(&env, &["--staged"]), none());
    assert_eq!(validate(&env, &[]), one("schema-violation", &server));
    assert_eq!(
        validate(&env, &["--rev", "HEAD"]),
        one("schema-violation", &server)
    );
}

#[test]
fn test_staged_checks_only_the_extensions_the_change_touches() {
    let env = TestEnv::new();
    copy_overlay(&fixtures_dir().join("base"), &env.root, false);
    add_other(&env);
    // `other` is committed with an error.
    let other_server = format!("{OTHER}/server.toml");
    env.write(&other_server, BROKEN_SERVER);
    env.git_init_commit("main", "two extensions, one broken");
    assert_eq!(validate(&env, &[]), one("schema-violation", &other_server));
    // Nothing staged: nothing to check.
    assert_eq!(validate(&env, &["--staged"]), none());
    // A change to base only: the untouched broken extension is not reported...
    let store = format!("{EXT}/store.toml");
    let text = env
        .read(&store)
        .replace("커피 주문\"", "커피 주문 서비스\"");
    env.write(&store, text);
    env.git(&["add", &store]);
    assert_eq!(validate(&env, &["--staged"]), none());
    // ...but a problem in the staged change is.
    env.write(&format!("{EXT}/notes.txt"), "x");
    env.git(&["add", "-A"]);
    assert_eq!(
        validate(&env, &["--staged"]),
        one("unknown-file", &format!("{EXT}/notes.txt"))
    );
    // Repository-wide rules still see the untouched extension: an invocation name taken from it
    // is reported on the staged one.
    let info = format!("{EXT}/extension.toml");
    let text = env
        .read(&info)
        .replace("[\"베이스 커피\"]", "[\"다른 커피\"]");
    env.write(&info, text);
    env.git(&["add", &info]);
    let found = validate(&env, &["--staged"]);
    assert!(
        found.contains(&("duplicate-invocation-name".to_string(), info.clone())),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|(_, f)| f.starts_with(OTHER)),
        "{found:?}"
    );
}

#[test]
fn test_staged_deletion_and_new_extension() {
    let env = repo();
    let server = format!("{EXT}/server.toml");
    env.git(&["rm", "-q", &server]);
    assert_eq!(validate(&env, &["--staged"]), one("missing-file", EXT));
    // A new extension staged as a whole; its problems are reported.
    let env = repo();
    add_other(&env);
    env.write(&format!("{OTHER}/server.toml"), BROKEN_SERVER);
    env.git(&["add", "-A"]);
    assert_eq!(
        validate(&env, &["--staged"]),
        one("schema-violation", &format!("{OTHER}/server.toml"))
    );
    // Not yet staged: invisible to --staged.
    let env = repo();
    add_other(&env);
    env.write(&format!("{OTHER}/server.toml"), BROKEN_SERVER);
    assert_eq!(validate(&env, &["--staged"]), none());
}

#[test]
fn test_staged_before_the_first_commit() {
    let env = TestEnv::new();
    copy_overlay(&fixtures_dir().join("base"), &env.root, false);
    env.write(&format!("{EXT}/server.toml"), BROKEN_SERVER);
    env.git(&["init", "-q", "-b", "main"]);
    env.git(&["add", "-A"]);
    assert_eq!(
        validate(&env, &["--staged"]),
        one("schema-violation", &format!("{EXT}/server.toml"))
    );
}

#[test]
fn test_staged_with_a_merge_conflict() {
    let env = repo();
    let server = format!("{EXT}/server.toml");
    let good = env.read(&server);
    env.git(&["checkout", "-q", "-b", "other"]);
    env.write(&server, good.replace("/base\"", "/other\""));
    env.git(&["commit", "-qam", "other endpoint"]);
    env.git(&["checkout", "-q", "main"]);
    env.write(&server, good.replace("/base\"", "/main\""));
    env.git(&["commit", "-qam", "main endpoint"]);
    let merge = env.git_try_in(&env.root, &["merge", "-q", "other"], &[]);
    assert_ne!(merge.code, 0, "the merge conflicts");
    assert!(env.git(&["ls-files", "--unmerged"]).contains("server.toml"));
    let out = env.cekops(&["validate", "--staged", "--format", "json"]);
    assert_eq!(findings(&out), one("unreadable-file", &server));
    assert!(
        out.stdout.contains("unresolved merge conflicts"),
        "{}",
        out.stdout
    );
}

#[test]
fn test_rev_and_staged_on_the_service_branch_apply_service_rules() {
    let env = TestEnv::new();
    copy_overlay(&fixtures_dir().join("base"), &env.root, false);
    let server = format!("{EXT}/server.toml");
    let text = env
        .read(&server)
        .replace("https://example.com/base", "http://example.com/base");
    env.write(&server, text);
    env.git_init_commit("service", "plain HTTP endpoint");
    env.git(&["checkout", "-q", "-b", "test/com.example.base"]);
    // KR allows HTTP while in test; the service branch needs HTTPS.
    assert_eq!(validate(&env, &[]), none());
    assert_eq!(validate(&env, &["--rev", "test/com.example.base"]), none());
    assert_eq!(
        validate(&env, &["--rev", "service"]),
        one("endpoint-scheme", &server)
    );
    assert_eq!(
        validate(
            &env,
            &["--rev", "test/com.example.base", "--stage", "service"]
        ),
        one("endpoint-scheme", &server)
    );
}

#[test]
fn test_unknown_revision_and_not_a_repository() {
    let env = repo();
    for rev in ["nope", "HEAD~5", "main^{tree}", ""] {
        let out = env.cekops(&["validate", "--rev", rev]);
        out.code(2);
        assert!(out.stderr.starts_with("error: "), "{rev:?}: {}", out.stderr);
        assert_eq!(out.stdout, "");
    }
    env.cekops(&["validate", "--rev", "nope"])
        .code(2)
        .contains("unknown revision `nope`");
    env.cekops(&["validate", "--rev", "main^{tree}"])
        .code(2)
        .contains("is not a commit");
    // A plain folder without git: the folder itself works, git sources do not.
    let plain = TestEnv::new();
    copy_overlay(&fixtures_dir().join("base"), &plain.root, false);
    assert_eq!(validate(&plain, &[]), none());
    for args in [
        &["validate", "--rev", "HEAD"][..],
        &["validate", "--staged"],
    ] {
        let out = plain.cekops(args);
        out.code(2).contains("not inside a git repository");
        assert_eq!(out.stdout, "");
    }
}

#[test]
fn test_rev_never_follows_a_committed_symlink_out_of_the_repository() {
    let env = repo();
    let secret = env.tmp.path().join("secret.toml");
    std::fs::write(&secret, "endpoint = \"SECRET-CONTENT\"\n").unwrap();
    let server = format!("{EXT}/server.toml");
    let good = env.read(&server);
    std::fs::remove_file(env.path(&server)).unwrap();
    symlink(&secret, env.path(&server)).unwrap();
    let rel_link = format!("{EXT}/tests/escape.toml");
    symlink("../../../../secret.toml", env.path(&rel_link)).unwrap();
    env.git(&["add", "-A"]);
    env.git(&["commit", "-qm", "links out of the repository"]);
    // git stores them as symlink blobs (mode 120000).
    let tree = env.git(&["ls-tree", "-r", "HEAD", EXT]);
    assert!(tree.contains("120000 blob"), "{tree}");
    // The work tree no longer has the links; the commit does.
    std::fs::remove_file(env.path(&server)).unwrap();
    std::fs::remove_file(env.path(&rel_link)).unwrap();
    env.write(&server, &good);
    assert_eq!(validate(&env, &[]), none());
    let out = env.cekops(&["validate", "--rev", "HEAD", "--format", "json"]);
    assert_eq!(
        findings(&out),
        [
            ("symlink-escape".to_string(), server.clone()),
            ("symlink-escape".to_string(), rel_link.clone()),
        ]
        .into()
    );
    assert!(!out.stdout.contains("SECRET-CONTENT"));
    // The same links staged.
    env.git(&["reset", "-q", "--soft", "HEAD~1"]);
    let out = env.cekops(&["validate", "--staged", "--format", "json"]);
    assert_eq!(findings(&out).len(), 2, "{}", out.stdout);
    assert!(!out.stdout.contains("SECRET-CONTENT"));
}

#[test]
fn test_rev_follows_a_committed_symlink_inside_the_repository() {
    let env = repo();
    add_other(&env);
    let st = "interaction-model/slot-types/COFFEE_TYPE.toml";
    std::fs::remove_file(env.path(&format!("{OTHER}/{st}"))).unwrap();
    symlink(
        format!("../../../com.example.base/{st}"),
        env.path(&format!("{OTHER}/{st}")),
    )
    .unwrap();
    env.git(&["add", "-A"]);
    env.git(&["commit", "-qm", "share the slot type"]);
    assert_eq!(validate(&env, &["--rev", "HEAD"]), none());
    // Break the target in a commit: both extensions see it through git objects.
    env.write(
        &format!("{EXT}/{st}"),
        "[values]\n\"라떼\" = [\"americano\"]\n\"아메리카노\" = [\"americano\"]\n",
    );
    env.git(&["commit", "-qam", "conflicting synonyms"]);
    env.git(&["checkout", "-q", "HEAD~1", "--", "."]);
    let found = validate(&env, &["--rev", "HEAD"]);
    assert_eq!(
        found,
        [
            ("synonym-conflict".to_string(), format!("{EXT}/{st}")),
            ("synonym-conflict".to_string(), format!("{OTHER}/{st}")),
        ]
        .into()
    );
}

#[test]
fn test_rev_reports_a_huge_blob_without_reading_it() {
    let env = repo();
    let big = format!("{EXT}/interaction-model/intents/Huge.toml");
    let f = std::fs::File::create(env.path(&big)).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap();
    env.git(&["add", &big]);
    env.git(&["commit", "-qm", "a 100 MB file"]);
    std::fs::remove_file(env.path(&big)).unwrap();
    assert_eq!(
        validate(&env, &["--rev", "HEAD"]),
        one("file-too-large", &big)
    );
}

#[test]
fn test_links_to_files_outside_extensions_through_rev_and_staged() {
    let env = repo();
    let st = format!("{EXT}/interaction-model/slot-types/COFFEE_TYPE.toml");
    let text = env.read(&st);
    env.write("shared/COFFEE_TYPE.toml", &text);
    std::fs::remove_file(env.path(&st)).unwrap();
    symlink("../../../../shared/COFFEE_TYPE.toml", env.path(&st)).unwrap();
    env.git(&["add", "-A"]);
    // Staged: the target is read from the index.
    assert_eq!(validate(&env, &["--staged"]), none());
    env.git(&["commit", "-qm", "slot type shared from outside extensions/"]);
    assert_eq!(validate(&env, &["--rev", "HEAD"]), none());
    // Break the target in the index only: --staged follows the link into the index.
    env.write("shared/COFFEE_TYPE.toml", "[values\n");
    env.git(&["add", "shared/COFFEE_TYPE.toml"]);
    env.write("shared/COFFEE_TYPE.toml", &text);
    assert_eq!(
        validate(&env, &["--staged"]),
        none(),
        "only extensions the change touches"
    );
    env.git(&["commit", "-qm", "break the shared slot type"]);
    assert_eq!(validate(&env, &["--rev", "HEAD"]), one("toml-syntax", &st));
    assert_eq!(validate(&env, &["--rev", "HEAD~1"]), none());
    assert_eq!(validate(&env, &[]), none());
    // A committed folder link out of the repository is never followed through git objects.
    let bad = format!("{EXT}/tests/escape.toml");
    symlink("../../../../outside/x.toml", env.path(&bad)).unwrap();
    std::fs::remove_dir_all(env.path("shared")).unwrap();
    symlink("/etc", env.path("shared")).unwrap();
    symlink(
        "../../../shared/hostname",
        env.path(&format!("{EXT}/tests/via.toml")),
    )
    .unwrap();
    env.git(&["add", "-A"]);
    env.git(&["commit", "-qm", "links"]);
    // `shared` is now a link to /etc: nothing is read through it.
    assert_eq!(
        validate(&env, &["--rev", "HEAD"]),
        [
            ("missing-file".to_string(), st.clone()),
            ("missing-file".to_string(), format!("{EXT}/tests/via.toml")),
            ("symlink-escape".to_string(), bad.clone()),
        ]
        .into()
    );
}

#[test]
fn test_staged_follows_a_link_into_an_extension_it_does_not_check() {
    let env = repo();
    add_other(&env);
    let st = "interaction-model/slot-types/COFFEE_TYPE.toml";
    std::fs::remove_file(env.path(&format!("{OTHER}/{st}"))).unwrap();
    symlink(
        format!("../../../com.example.base/{st}"),
        env.path(&format!("{OTHER}/{st}")),
    )
    .unwrap();
    env.git(&["add", "-A"]);
    env.git(&["commit", "-qm", "other shares base's slot type"]);
    // A change to `other` only: base is not loaded in full, the link into it still resolves.
    let store = format!("{OTHER}/store.toml");
    let text = env.read(&store).replace("커피 주문\"", "다른 커피 주문\"");
    env.write(&store, text);
    env.git(&["add", &store]);
    assert_eq!(validate(&env, &["--staged"]), none());
}
