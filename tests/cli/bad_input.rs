//! Bad input: every problem is a diagnostic with a location, never a panic or a crash.

use std::collections::BTreeSet;
use std::os::unix::fs::symlink;

use crate::common::Out;
use crate::common::TestEnv;
use crate::common::fixtures::copy_overlay;
use crate::common::fixtures::fixtures_dir;
use crate::common::snap::snapshot;

const EXT: &str = "extensions/com.example.base";

fn base() -> TestEnv {
    let env = TestEnv::new();
    copy_overlay(&fixtures_dir().join("base"), &env.root, false);
    env
}

/// The findings of `validate --format json`: (code, file) pairs. Asserts that the run ended
/// normally (exit 0 or 1, JSON on stdout) and that every finding has a location.
#[track_caller]
fn findings_of(out: &Out) -> BTreeSet<(String, String)> {
    assert!(
        out.code == 0 || out.code == 1,
        "exit {} (101 = panic)\n--- stdout\n{}\n--- stderr\n{}",
        out.code,
        out.stdout,
        out.stderr
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let diags = doc["diagnostics"].as_array().unwrap();
    let errors = diags.iter().filter(|d| d["severity"] == "error").count();
    assert_eq!(
        out.code,
        i32::from(errors > 0),
        "exit code follows the errors"
    );
    diags
        .iter()
        .map(|d| {
            let file = d["location"]["file"]
                .as_str()
                .unwrap_or_else(|| panic!("finding without a location: {d}"));
            assert!(d["location"]["start"]["line"].as_u64().unwrap() >= 1);
            (d["code"].as_str().unwrap().to_string(), file.to_string())
        })
        .collect()
}

#[track_caller]
fn validate(env: &TestEnv, args: &[&str]) -> BTreeSet<(String, String)> {
    let mut all = vec!["validate", "--format", "json"];
    all.extend(args);
    findings_of(&env.cekops(&all))
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(c, f)| (c.to_string(), f.to_string()))
        .collect()
}

/// Every TOML file of the base fixture, with what an empty version of it yields.
fn toml_files() -> Vec<(String, Vec<&'static str>)> {
    let im = format!("{EXT}/interaction-model");
    vec![
        ("cekops.toml".into(), vec![]),
        (format!("{EXT}/extension.toml"), vec!["schema-violation"]),
        (format!("{EXT}/server.toml"), vec!["schema-violation"]),
        (format!("{EXT}/store.toml"), vec!["store-field-missing"]),
        (
            format!("{im}/intents/OrderCoffee.toml"),
            // The intent now declares nothing, so the slot type is unused, the test case
            // expects an undeclared slot and the store phrases reach no intent: real findings,
            // not cascades of an unreadable file.
            vec![
                "no-utterances",
                "store-phrase-unmatched",
                "test-case-invalid",
                "unused-slot-type",
            ],
        ),
        (format!("{im}/slot-types/COFFEE_TYPE.toml"), vec![]),
        (format!("{EXT}/tests/order.toml"), vec![]),
    ]
}

#[test]
fn test_broken_toml_in_each_file_is_one_syntax_error_and_no_cascade() {
    for (file, _) in toml_files() {
        let env = base();
        let text = env.read(&file);
        // An unclosed array in the middle of the file.
        env.write(&file, format!("{text}\nbroken = [1, 2\n"));
        assert_eq!(
            validate(&env, &[]),
            set(&[("toml-syntax", &file)]),
            "broken {file}"
        );
    }
}

#[test]
fn test_invalid_utf8_and_binary_files_are_reported_where_they_are() {
    for (file, _) in toml_files() {
        for (what, bytes) in [
            ("latin-1", b"name = \"caf\xe9\"\n".to_vec()),
            (
                "binary",
                std::fs::read(fixtures_dir().join(format!("base/{EXT}/assets/small.png"))).unwrap(),
            ),
            (
                "bad utf-8 late",
                [b"id = \"x\"\n".repeat(50), b"\xff\xfe\n".to_vec()].concat(),
            ),
        ] {
            let env = base();
            env.write(&file, &bytes);
            let out = env.cekops(&["validate", "--format", "json"]);
            assert_eq!(
                findings_of(&out),
                set(&[("invalid-utf8", &file)]),
                "{what} {file}"
            );
            if what == "binary" {
                assert!(out.stdout.contains("file is binary"), "{}", out.stdout);
            }
            if what == "bad utf-8 late" {
                // Pointed at the first bad byte: line 51.
                let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
                assert_eq!(doc["diagnostics"][0]["location"]["start"]["line"], 51);
            }
        }
    }
}

#[test]
fn test_empty_files() {
    for (file, codes) in toml_files() {
        let env = base();
        env.write(&file, "");
        let want: BTreeSet<String> = codes.iter().map(|c| c.to_string()).collect();
        let got: BTreeSet<String> = validate(&env, &[]).into_iter().map(|(c, _)| c).collect();
        assert_eq!(got, want, "empty {file}");
    }
    // Empty icons and an empty TSV slot type.
    let env = base();
    env.write(&format!("{EXT}/assets/small.png"), "");
    assert_eq!(
        validate(&env, &[]),
        set(&[("icon-format", &format!("{EXT}/store.toml"))])
    );
    let env = base();
    std::fs::remove_file(env.path(&format!(
        "{EXT}/interaction-model/slot-types/COFFEE_TYPE.toml"
    )))
    .unwrap();
    env.write(
        &format!("{EXT}/interaction-model/slot-types/COFFEE_TYPE.tsv"),
        "",
    );
    assert_eq!(validate(&env, &[]), set(&[]));
}

#[test]
fn test_unreadable_slot_type_and_intent_do_not_cascade() {
    // A slot type in TSV form that is not UTF-8: the intent using it is not told the type is
    // unknown.
    let env = base();
    let st = format!("{EXT}/interaction-model/slot-types/COFFEE_TYPE");
    std::fs::remove_file(env.path(&format!("{st}.toml"))).unwrap();
    env.write(&format!("{st}.tsv"), b"\xff\tx\n");
    assert_eq!(
        validate(&env, &[]),
        set(&[("invalid-utf8", &format!("{st}.tsv"))])
    );
    // A broken intent: the test suite naming it and the slot type it uses are not reported.
    let env = base();
    let intent = format!("{EXT}/interaction-model/intents/OrderCoffee.toml");
    env.write(&intent, "utterances = [\n");
    assert_eq!(validate(&env, &[]), set(&[("toml-syntax", &intent)]));
}

/// Write a sparse file of `size` zero bytes (no 100 MB written to disk).
fn sparse(env: &TestEnv, rel: &str, size: u64) {
    let p = env.path(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(size).unwrap();
}

#[test]
fn test_a_100_mb_file_is_too_large_and_not_read() {
    let env = base();
    let big = format!("{EXT}/interaction-model/intents/Huge.toml");
    sparse(&env, &big, 100 * 1024 * 1024);
    let out = env.cekops(&["validate", "--format", "json"]);
    assert_eq!(findings_of(&out), set(&[("file-too-large", &big)]));
    assert!(out.stdout.contains("104857600 bytes"), "{}", out.stdout);
    // The same as an icon and as the store file.
    let env = base();
    sparse(&env, &format!("{EXT}/assets/small.png"), 100 * 1024 * 1024);
    sparse(&env, &format!("{EXT}/store.toml"), 100 * 1024 * 1024);
    assert_eq!(
        validate(&env, &[]),
        set(&[
            ("file-too-large", &format!("{EXT}/assets/small.png")),
            ("file-too-large", &format!("{EXT}/store.toml")),
        ])
    );
}

#[test]
fn test_deeply_nested_arrays_and_tables() {
    let n = 10_000;
    let cases = [
        format!("utterances = {}{}\n", "[".repeat(n), "]".repeat(n)),
        format!("utterances = {}\n", "[".repeat(n)),
        format!("x = {}1{}\n", "{a = ".repeat(n), "}".repeat(n)),
        format!("[{}]\n", vec!["a"; n].join(".")),
        format!(
            "{}\n",
            (0..n)
                .map(|i| format!("[[t{}]]\n", "x".repeat(i % 50)))
                .collect::<String>()
        ),
        // Just under the parser's limit: parsed, then rejected by the schema.
        format!("utterances = {}\"x\"{}\n", "[".repeat(60), "]".repeat(60)),
    ];
    let file = format!("{EXT}/interaction-model/intents/Deep.toml");
    for (i, text) in cases.iter().enumerate() {
        let env = base();
        env.write(&file, text);
        let codes: BTreeSet<String> = validate(&env, &[])
            .into_iter()
            .map(|(c, f)| {
                assert_eq!(f, file, "case {i}");
                c
            })
            .collect();
        assert!(
            codes == ["toml-syntax".to_string()].into()
                || codes == ["schema-violation".to_string()].into()
                || codes == ["unknown-key".to_string()].into(),
            "case {i}: {codes:?}"
        );
    }
}

#[test]
fn test_symlinks_out_of_the_repository_are_never_followed() {
    let env = base();
    // A secret outside the repository that a link tries to pull in.
    let outside = env.tmp.path().join("outside.toml");
    std::fs::write(&outside, "endpoint = \"SECRET-CONTENT\"\n").unwrap();
    let server = format!("{EXT}/server.toml");
    std::fs::remove_file(env.path(&server)).unwrap();
    symlink(&outside, env.path(&server)).unwrap();
    let intent = format!("{EXT}/interaction-model/intents/Linked.toml");
    symlink("../../../../../outside.toml", env.path(&intent)).unwrap();
    let icon = format!("{EXT}/assets/small.png");
    std::fs::remove_file(env.path(&icon)).unwrap();
    symlink("/etc/hostname", env.path(&icon)).unwrap();
    let dir = format!("{EXT}/tests/more");
    symlink(env.tmp.path(), env.path(&dir)).unwrap();
    let loose = "extensions/elsewhere";
    symlink("/", env.path(loose)).unwrap();
    let out = env.cekops(&["validate", "--format", "json"]);
    assert_eq!(
        findings_of(&out),
        set(&[
            ("symlink-escape", &server),
            ("symlink-escape", &intent),
            ("symlink-escape", &icon),
            ("symlink-escape", &dir),
            ("symlink-escape", loose),
        ])
    );
    assert!(!out.stdout.contains("SECRET-CONTENT"));
    let human = env.cekops(&["validate"]);
    human.code(1).lacks("SECRET-CONTENT");
}

#[test]
fn test_symlinks_into_dot_git_are_never_followed() {
    let env = base();
    env.git_init_commit("service", "base");
    // `.git/config` may hold credentials (remote URLs with tokens); a link must not pull it in,
    // neither from the work tree nor from a commit.
    env.git(&[
        "config",
        "remote.origin.url",
        "https://x:GIT-SECRET@example.com/r.git",
    ]);
    let intent = format!("{EXT}/interaction-model/intents/Config.toml");
    symlink("../../../../.git/config", env.path(&intent)).unwrap();
    let out = env.cekops(&["validate", "--format", "json"]);
    assert_eq!(findings_of(&out), set(&[("symlink-escape", &intent)]));
    out.lacks("GIT-SECRET");
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", "link into .git"]);
    let out = env.cekops(&["validate", "--rev", "HEAD", "--format", "json"]);
    assert_eq!(findings_of(&out), set(&[("symlink-escape", &intent)]));
    out.lacks("GIT-SECRET");
}

#[test]
fn test_symlinks_inside_the_repository_are_followed() {
    let env = base();
    // A second extension sharing the first one's slot type and icons through links.
    let other = "extensions/com.example.other";
    crate::git_sources::add_other(&env);
    for rel in [
        "interaction-model/slot-types/COFFEE_TYPE.toml",
        "assets/small.png",
        "assets/large.png",
    ] {
        let p = env.path(&format!("{other}/{rel}"));
        std::fs::remove_file(&p).unwrap();
        let up = "../".repeat(rel.matches('/').count() + 1);
        symlink(format!("{up}com.example.base/{rel}"), &p).unwrap();
    }
    assert_eq!(validate(&env, &[]), set(&[]));
    // The link is followed: breaking the target is reported through the other extension too.
    let target = format!("{EXT}/interaction-model/slot-types/COFFEE_TYPE.toml");
    env.write(
        &target,
        "[values]\n\"라떼\" = [\"americano\"]\n\"아메리카노\" = [\"americano\"]\n",
    );
    let found = validate(&env, &[]);
    assert!(
        found.contains(&(
            "synonym-conflict".into(),
            format!("{other}/interaction-model/slot-types/COFFEE_TYPE.toml")
        )),
        "{found:?}"
    );
    // A link to a file outside `extensions/` (inside the repository), through a second link,
    // is followed too; a dangling link is reported, not silently dropped.
    let env = base();
    let st = format!("{EXT}/interaction-model/slot-types/COFFEE_TYPE.toml");
    let text = env.read(&st);
    env.write("shared/types/COFFEE_TYPE.toml", text);
    symlink("types/COFFEE_TYPE.toml", env.path("shared/coffee.toml")).unwrap();
    std::fs::remove_file(env.path(&st)).unwrap();
    symlink("../../../../shared/coffee.toml", env.path(&st)).unwrap();
    assert_eq!(validate(&env, &[]), set(&[]));
    env.write("shared/types/COFFEE_TYPE.toml", "[values\n");
    assert_eq!(validate(&env, &[]), set(&[("toml-syntax", &st)]));
    let dangling = format!("{EXT}/tests/gone.toml");
    symlink("nothing-here.toml", env.path(&dangling)).unwrap();
    symlink(
        "../../../shared/nothing.toml",
        env.path(&format!("{EXT}/tests/gone2.toml")),
    )
    .unwrap();
    assert_eq!(
        validate(&env, &[]),
        set(&[
            ("toml-syntax", &st),
            ("missing-file", &dangling),
            ("missing-file", &format!("{EXT}/tests/gone2.toml")),
        ])
    );
    // A link that stays inside the repository on paper but passes through a folder that is a
    // link to elsewhere is an escape.
    let env = base();
    let outside = env.tmp.path().join("elsewhere");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(
        outside.join("secret.toml"),
        "[values]\nSECRET-CONTENT = []\n",
    )
    .unwrap();
    symlink(&outside, env.path("shared")).unwrap();
    std::fs::remove_file(env.path(&st)).unwrap();
    symlink("../../../../shared/secret.toml", env.path(&st)).unwrap();
    let out = env.cekops(&["validate", "--format", "json"]);
    assert_eq!(findings_of(&out), set(&[("symlink-escape", &st)]));
    assert!(!out.stdout.contains("SECRET-CONTENT"));
    // A link to a folder is not a file.
    let env = base();
    let to_dir = format!("{EXT}/tests/here.toml");
    symlink(".", env.path(&to_dir)).unwrap();
    symlink("../assets", env.path(&format!("{EXT}/tests/assets.toml"))).unwrap();
    assert_eq!(
        validate(&env, &[]),
        set(&[
            ("missing-file", &to_dir),
            ("missing-file", &format!("{EXT}/tests/assets.toml")),
        ])
    );
    // A loop of links.
    let env = base();
    let a = format!("{EXT}/tests/a.toml");
    symlink("b.toml", env.path(&a)).unwrap();
    symlink("a.toml", env.path(&format!("{EXT}/tests/b.toml"))).unwrap();
    let found = validate(&env, &[]);
    assert!(found.contains(&("unreadable-file".into(), a)), "{found:?}");
}

#[test]
fn test_unknown_files_and_folders_in_an_extension() {
    let env = base();
    env.write(&format!("{EXT}/notes.txt"), "x");
    env.write(
        &format!("{EXT}/interaction-model/intents/old/Order.toml"),
        "x",
    );
    env.write(&format!("{EXT}/interaction-model/intents/Order.json"), "{}");
    env.write(&format!("{EXT}/tests/data/case.toml"), "x");
    env.write("extensions/loose.toml", "x");
    // Documentation files are allowed.
    env.write(&format!("{EXT}/README.md"), "# base\n");
    assert_eq!(
        validate(&env, &[]),
        set(&[
            ("unknown-file", &format!("{EXT}/notes.txt")),
            (
                "unknown-file",
                &format!("{EXT}/interaction-model/intents/old/Order.toml")
            ),
            (
                "unknown-file",
                &format!("{EXT}/interaction-model/intents/Order.json")
            ),
            ("unknown-file", &format!("{EXT}/tests/data/case.toml")),
            ("unknown-file", "extensions/loose.toml"),
        ])
    );
}

#[test]
fn test_a_folder_named_like_a_file() {
    let env = base();
    let store = format!("{EXT}/store.toml");
    std::fs::remove_file(env.path(&store)).unwrap();
    env.write(&format!("{store}/store.toml"), "[store]\n");
    let intent = format!("{EXT}/interaction-model/intents/Extra.toml");
    env.write(&format!("{intent}/x"), "");
    let found = validate(&env, &[]);
    assert_eq!(
        found,
        set(&[
            ("missing-file", EXT),
            ("unknown-file", &format!("{store}/store.toml")),
            ("unknown-file", &format!("{intent}/x")),
        ])
    );
    // An empty folder named like the basic-information file.
    let env = base();
    let info = format!("{EXT}/extension.toml");
    std::fs::remove_file(env.path(&info)).unwrap();
    std::fs::create_dir(env.path(&info)).unwrap();
    let found = validate(&env, &[]);
    assert!(
        found.contains(&("missing-file".into(), EXT.into())),
        "{found:?}"
    );
}

#[test]
fn test_non_utf8_file_names() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let env = base();
    let dir = env.path(&format!("{EXT}/interaction-model/intents"));
    let name = OsStr::from_bytes(b"Order\xff.toml");
    if std::fs::write(dir.join(name), "utterances = [\"x\"]\n").is_err() {
        // The file system refuses such names (not the case on Linux ext4/tmpfs).
        #[allow(clippy::print_stderr)]
        {
            eprintln!("SKIPPED test_non_utf8_file_names: the file system refuses non-UTF-8 names");
        }
        return;
    }
    std::fs::create_dir(env.path(EXT).join(OsStr::from_bytes(b"bad\xfe"))).unwrap();
    std::fs::write(
        env.path(EXT)
            .join(OsStr::from_bytes(b"bad\xfe"))
            .join("x.toml"),
        "x",
    )
    .unwrap();
    let found = validate(&env, &[]);
    let codes: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(codes.contains(&"unreadable-file"), "{found:?}");
    assert!(codes.contains(&"unknown-file"), "{found:?}");
    // The same names committed to git and read with --rev.
    env.git_init_commit("main", "bad names");
    let out = env.cekops(&["validate", "--format", "json", "--rev", "HEAD"]);
    let found = findings_of(&out);
    assert!(
        found.iter().any(|(_, f)| f.contains('\u{FFFD}')),
        "the bad names are reported: {found:?}"
    );
}

/// Insert `line` into `rel` right after the line `after` (which must exist); returns the
/// 1-based line number of the inserted line.
fn insert_after(env: &TestEnv, rel: &str, after: &str, line: &str) -> u64 {
    let text = env.read(rel);
    let mut lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == after)
        .unwrap_or_else(|| panic!("{rel} has no line `{after}`"));
    lines.insert(at + 1, line);
    env.write(rel, lines.join("\n") + "\n");
    at as u64 + 2
}

#[test]
fn test_a_misspelt_key_in_every_table_is_located_at_the_key() {
    // (file, line after which the key goes, misspelt key, the key it should suggest)
    let ext = |f: &str| format!("{EXT}/{f}");
    let turns = ext("tests/turns.toml");
    let cases: Vec<(String, &str, &str, &str)> = vec![
        ("cekops.toml".into(), "[branches]", "servce", "service"),
        ("cekops.toml".into(), "[review]", "reviewrs", "reviewers"),
        (
            ext("extension.toml"),
            "id = \"com.example.base\"",
            "contact_emial",
            "contact_email",
        ),
        (
            ext("server.toml"),
            "trusted_certificate = true",
            "endpont",
            "endpoint",
        ),
        (
            ext("server.toml"),
            "[account_linking]",
            "client_secrte",
            "client_secret",
        ),
        (ext("store.toml"), "[store]", "categroy", "category"),
        (ext("store.toml"), "[privacy]", "terms_ulr", "terms_url"),
        (ext("store.toml"), "[review]", "descripton", "description"),
        (
            ext("store.toml"),
            "[review.test_account]",
            "pasword",
            "password",
        ),
        (
            ext("interaction-model/intents/OrderCoffee.toml"),
            "description = \"Order a coffee\"",
            "utterancs",
            "utterances",
        ),
        (
            ext("interaction-model/slot-types/COFFEE_TYPE.toml"),
            "description = \"Coffee drinks\"",
            "descripion",
            "description",
        ),
        (
            ext("tests/order.toml"),
            "[[case]]",
            "utterence",
            "utterance",
        ),
        (turns.clone(), "[[case.turns]]", "intnet", "intent"),
    ];
    for (file, after, key, want) in cases {
        let env = base();
        env.write(
            &turns,
            "[[case]]\nname = \"two turns\"\n\n[[case.turns]]\nutterance = \"아메리카노 주문해줘\"\nintent = \"OrderCoffee\"\n",
        );
        let line = insert_after(&env, &file, after, &format!("{key} = \"x\""));
        let out = env.cekops(&["validate", "--format", "json"]);
        out.code(1);
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let diags = doc["diagnostics"].as_array().unwrap();
        assert_eq!(diags.len(), 1, "{file} {after}: {}", out.stdout);
        let d = &diags[0];
        assert_eq!(d["code"], "unknown-key", "{file} {after}: {d}");
        assert_eq!(d["message"], format!("unknown key `{key}`"));
        assert_eq!(d["location"]["file"], file.as_str());
        assert_eq!(d["location"]["start"]["line"], line, "{file} {after}: {d}");
        assert_eq!(d["location"]["start"]["column"], 1, "{file} {after}: {d}");
        assert_eq!(
            d["location"]["end"]["column"],
            key.len() as u64 + 1,
            "{file} {after}: the key exactly: {d}"
        );
        assert_eq!(
            d["hint"],
            format!("did you mean `{want}`?"),
            "{file} {after}"
        );
    }
}

#[test]
fn test_a_bad_enum_value_in_a_nested_table_is_located_at_the_value() {
    let env = base();
    let server = format!("{EXT}/server.toml");
    env.write(
        &server,
        env.read(&server)
            .replace("grant_type = \"code\"", "grant_type = \"implict\""),
    );
    let store = format!("{EXT}/store.toml");
    env.write(
        &store,
        env.read(&store)
            .replace("[review]\n", "[review]\nprovider_type = \"corporatoin\"\n"),
    );
    let out = env.cekops(&["validate"]);
    out.code(1);
    snapshot!(&env, "bad_enum_values", out.both());
}
