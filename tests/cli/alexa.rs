//! `cekops import alexa` end to end, over the real Alexa sample models in
//! `tests/fixtures/alexa-samples/` (Apache-2.0, see its README and SOURCES).

use std::path::Path;
use std::path::PathBuf;

use crate::common::TestEnv;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

fn samples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/alexa-samples");
    let mut out = Vec::new();
    for skill in std::fs::read_dir(&root).unwrap() {
        let skill = skill.unwrap().path();
        if !skill.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&skill).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "json") {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

/// A repository on `service` with one commit, and a dirty file the import must leave alone.
fn service_repo(env: &TestEnv) -> String {
    env.write(
        "cekops.toml",
        "[review]\nreviewers = [\"alice@example.com\"]\n",
    );
    env.git_init_commit("service", "init");
    env.write("notes.txt", "uncommitted");
    env.git(&["rev-parse", "service"])
}

/// [`service_repo`] with the adventure-game sample model copied in as `en-US.json`.
fn adventure_repo(env: &TestEnv) {
    service_repo(env);
    let model = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/alexa-samples/adventure-game/en-US.json");
    std::fs::copy(&model, env.path("en-US.json")).unwrap();
}

/// Import the model of [`adventure_repo`] as `com.example.adventure`, "Text Adventure", ko-KR.
const IMPORT_ADVENTURE: [&str; 9] = [
    "import",
    "alexa",
    "en-US.json",
    "--id",
    "com.example.adventure",
    "--language",
    "ko-KR",
    "--name",
    "Text Adventure",
];

fn branches(env: &TestEnv) -> String {
    env.git(&["for-each-ref", "--format=%(refname) %(objectname)"])
}

#[test]
fn test_every_sample_model_imports_and_validates() {
    let env = TestEnv::new();
    let service = service_repo(&env);
    let files = samples();
    assert_eq!(files.len(), 20, "the fixture set changed");
    for f in &files {
        let skill = f.parent().unwrap().file_name().unwrap().to_string_lossy();
        let locale = f.file_stem().unwrap().to_string_lossy();
        for language in ["ko-KR", "ja-JP"] {
            let id = format!(
                "com.example.{}.{}.{}",
                skill.replace('-', "_"),
                locale.to_lowercase().replace('-', "_"),
                language.to_lowercase().replace('-', "_")
            );
            let out = env.cekops(&[
                "import",
                "alexa",
                f.to_str().unwrap(),
                "--id",
                &id,
                "--language",
                language,
            ]);
            out.code(0)
                .contains(&format!("on `test/{id}` (from `service`)"))
                .contains("mapped    intent `AMAZON.HelpIntent` → built-in `Clova.GuideIntent`");
            // one commit on top of service, touching only the new extension's folder
            let branch = format!("test/{id}");
            assert_eq!(env.git(&["rev-parse", &format!("{branch}^")]), service);
            let changed = env.git(&["diff", "--name-only", "service", &branch]);
            assert!(
                changed
                    .lines()
                    .all(|p| p.starts_with(&format!("extensions/{id}/"))),
                "{changed}"
            );
            // the report's verdict is the one `validate` gives, and every error is named in it
            let v = env.cekops(&["validate", "--rev", &branch, &id, "--format", "json"]);
            let doc: serde_json::Value = serde_json::from_str(&v.stdout).unwrap();
            let errors = doc["summary"]["errors"].as_u64().unwrap();
            let warnings = doc["summary"]["warnings"].as_u64().unwrap();
            if errors + warnings == 0 {
                out.contains("validate: no problems found");
            } else {
                out.contains(&format!(
                    "validate: {errors} error{}, {warnings} warning{}",
                    if errors == 1 { "" } else { "s" },
                    if warnings == 1 { "" } else { "s" }
                ));
            }
            for d in doc["diagnostics"].as_array().unwrap() {
                out.contains(&format!(
                    "{}[{}]: {}",
                    d["severity"].as_str().unwrap(),
                    d["code"].as_str().unwrap(),
                    d["message"].as_str().unwrap()
                ));
            }
            // every sample converts into an extension without errors (a missing store.toml is a
            // warning while in test)
            assert_eq!(errors, 0, "{f:?} as {language}: {}", v.stdout);
        }
    }
    // the work tree was never touched
    assert_eq!(env.git(&["symbolic-ref", "--short", "HEAD"]), "service");
    assert_eq!(env.git(&["status", "--porcelain"]), "?? notes.txt");
    assert!(!env.path("extensions").exists());
}

#[test]
fn test_import_report_lists_every_mapping_and_drop() {
    let env = TestEnv::new();
    adventure_repo(&env);
    let out = env.cekops(&IMPORT_ADVENTURE);
    out.code(0);
    let report: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with("committed "))
        .collect();
    assert_eq!(
        report,
        [
            "import alexa: en-US.json → com.example.adventure (ko-KR)",
            "  note      the model is for `en-US`: its invocation name, sample utterances and values are kept as written in this ko-KR extension; translate them for KR users",
            "  dropped   id `desk` of value `desk` in slot type `LIST_OF_DIRECTIONS`: Clova sends the representative value, values have no IDs",
            "  mapped    intent `AMAZON.CancelIntent` → built-in `Clova.CancelIntent`",
            "  mapped    intent `AMAZON.HelpIntent` → built-in `Clova.GuideIntent`",
            "  converted intent `AMAZON.RepeatIntent` → custom intent `RepeatIntent` (no Clova KR built-in does the same; its sample utterances are kept)",
            "  mapped    intent `AMAZON.StopIntent` → built-in `Clova.StopIntent`",
            "  mapped    slot type `AMAZON.NUMBER` → built-in `CLOVA.NUMBER` (tagged with sample values `3`, `5`, `12`; check them)",
            "  added     built-in intent `Clova.YesIntent`: required for KR extensions (handle it in the extension server)",
            "  added     built-in intent `Clova.NoIntent`: required for KR extensions (handle it in the extension server)",
            "  added     server.toml with the placeholder endpoint `https://example.invalid/clova/com.example.adventure`: an Alexa model has no endpoint; set the extension server URL",
            "  dropped   deployment information (store.toml): not part of an Alexa interaction model; add it before requesting a review",
            "  file      extensions/com.example.adventure/extension.toml",
            "  file      extensions/com.example.adventure/server.toml",
            "  file      extensions/com.example.adventure/interaction-model/intents/Fight.toml",
            "  file      extensions/com.example.adventure/interaction-model/intents/Go.toml",
            "  file      extensions/com.example.adventure/interaction-model/intents/Jump.toml",
            "  file      extensions/com.example.adventure/interaction-model/intents/Lock.toml",
            "  file      extensions/com.example.adventure/interaction-model/intents/Open.toml",
            "  file      extensions/com.example.adventure/interaction-model/intents/Page.toml",
            "  file      extensions/com.example.adventure/interaction-model/intents/RepeatIntent.toml",
            "  file      extensions/com.example.adventure/interaction-model/intents/RestartGame.toml",
            "  file      extensions/com.example.adventure/interaction-model/intents/ResumeGame.toml",
            "  file      extensions/com.example.adventure/interaction-model/slot-types/LIST_OF_DIRECTIONS.toml",
            "  file      extensions/com.example.adventure/interaction-model/slot-types/LIST_OF_NON_PLAYING_CHARACTERS.toml",
            "9 custom intents, 2 custom slot types",
            "validate: 0 errors, 1 warning, 9 info (listed on stderr)",
        ]
    );
    out.contains("warning[missing-file]: extension `com.example.adventure` has no `store.toml`");
    let b = "test/com.example.adventure";
    let show = |p: &str| env.git(&["show", &format!("{b}:extensions/com.example.adventure/{p}")]);
    assert_eq!(
        show("extension.toml"),
        "id = \"com.example.adventure\"\nlanguage = \"ko-KR\"\nname = \"Text Adventure\"\ninvocation_names = [\"text adventure\"]\nprovider = \"Dev Eloper\"\ncontact_email = \"dev@example.com\"\nbuiltin_intents = [\n  \"Clova.GuideIntent\",\n  \"Clova.CancelIntent\",\n  \"Clova.YesIntent\",\n  \"Clova.NoIntent\",\n  \"Clova.StopIntent\",\n]\nbuiltin_slot_types = [\"CLOVA.NUMBER\"]"
    );
    assert_eq!(
        show("interaction-model/intents/Page.toml"),
        "utterances = [\n  \"page <number>3</number>\",\n  \"turn to page <number>5</number>\",\n]\n\n[slots]\nnumber = \"CLOVA.NUMBER\""
    );
    // values in turn for a custom type
    let go = show("interaction-model/intents/Go.toml");
    assert!(go.starts_with("utterances = [\n  \"go <direction>north</direction>\",\n  \"run <direction>south</direction>\",\n"), "{go}");
    // synonyms kept
    assert!(
        show("interaction-model/slot-types/LIST_OF_DIRECTIONS.toml").contains("desk = [\"table\"]")
    );
    // the commit is authored by the git identity and says what it is
    assert_eq!(
        env.git(&["log", "-1", "--format=%an <%ae>%n%s", b]),
        "Dev Eloper <dev@example.com>\nimport: com.example.adventure from Alexa model en-US.json"
    );
    // the new extension exports to the console format straight from the branch
    env.cekops(&[
        "export",
        "tsv",
        "com.example.adventure",
        "--rev",
        b,
        "--out",
        "../upload",
    ])
    .code(0);
    assert_eq!(
        std::fs::read_to_string(env.tmp.path().join("upload/intents/Page.tsv")).unwrap(),
        "[INTENT SLOT]\nnumber\tCLOVA.NUMBER\n\n[INTENT EXPRESSION]\npage <number>3</number>\nturn to page <number>5</number>\n"
    );
}

#[test]
fn test_unsupported_features_are_reported_not_dropped_silently() {
    let env = TestEnv::new();
    service_repo(&env);
    env.write(
        "model.json",
        r#"{
  "interactionModel": {
    "languageModel": {
      "invocationName": "pizza shop",
      "modelConfiguration": {"fallbackIntentSensitivity": {"level": "LOW"}},
      "intents": [
        {"name": "AMAZON.FallbackIntent", "samples": []},
        {"name": "AMAZON.HelpIntent", "samples": ["what can you do"]},
        {"name": "OrderIntent",
         "slots": [
           {"name": "size", "type": "SIZE", "samples": ["{size}", "a {size} one"]},
           {"name": "when", "type": "AMAZON.DATE"},
           {"name": "who", "type": "AMAZON.Person", "multipleValues": {"enabled": true}}
         ],
         "samples": ["order a {size} pizza", "order a pizza {when}", "order for {who}", "order {nothing}"]}
      ],
      "types": [
        {"name": "SIZE", "values": [{"name": {"value": "large", "synonyms": ["big"]}}, {"name": {"value": "small"}}]},
        {"name": "CATALOG", "valueSupplier": {"type": "CatalogValueSupplier"}}
      ]
    },
    "dialog": {
      "delegationStrategy": "ALWAYS",
      "intents": [{"name": "OrderIntent", "confirmationRequired": true, "prompts": {"confirmation": "Confirm.Intent.1"},
        "slots": [{"name": "size", "type": "SIZE", "elicitationRequired": true, "confirmationRequired": false,
                   "prompts": {"elicitation": "Elicit.Slot.1"}, "validations": [{"type": "isInSet", "prompt": "Slot.Validation.1", "values": ["large"]}]}]}]
    },
    "prompts": [
      {"id": "Elicit.Slot.1", "variations": [{"type": "PlainText", "value": "Which size?"}]},
      {"id": "Confirm.Intent.1", "variations": [{"type": "PlainText", "value": "Sure?"}]}
    ]
  }
}"#,
    );
    let out = env.cekops(&[
        "import",
        "alexa",
        "model.json",
        "--id",
        "com.example.pizza",
        "--language",
        "ko-KR",
        "--endpoint",
        "https://pizza.example.com/clova",
    ]);
    out.code(0);
    for line in [
        "dropped   dialog setting `delegationStrategy` = \"ALWAYS\": Clova has no dialog model",
        "dropped   dialog model of intent `OrderIntent`: intent confirmation, `prompts` = {\"confirmation\":\"Confirm.Intent.1\"}, slot `size` elicitation, slot `size` validations (isInSet): Clova has no dialog model",
        "dropped   2 prompts (`Elicit.Slot.1`, `Confirm.Intent.1`): Clova has no prompts",
        "dropped   languageModel key `modelConfiguration` = {\"fallbackIntentSensitivity\":{\"level\":\"LOW\"}}: not part of a Clova interaction model",
        "dropped   intent `OrderIntent` slot `who` key `multipleValues` = {\"enabled\":true}",
        "dropped   slot type `CATALOG` key `valueSupplier` = {\"type\":\"CatalogValueSupplier\"}",
        "dropped   intent `AMAZON.FallbackIntent`: no Clova KR built-in intent does the same",
        "mapped    intent `AMAZON.HelpIntent` → built-in `Clova.GuideIntent`",
        "dropped   1 sample utterance of `AMAZON.HelpIntent` (`what can you do`): Clova built-in intents take no sample utterances",
        "converted 2 elicitation samples of slot `size` in `OrderIntent` (`{size}`, `a {size} one`) → sample utterances of the intent: the answers users give when asked for the slot",
        "mapped    slot type `AMAZON.DATE` → built-in `CLOVA.DATETIME` (tagged with sample values `내일`, `3월 5일`, `다음 주 월요일`; check them)",
        "dropped   slot `who` of intent `OrderIntent`: `AMAZON.Person` has no Clova KR built-in equivalent: CEK has no built-in dictionary of names: make a custom slot type with the names (in Alexa, extending the type with values makes import convert it)",
        "dropped   sample `order for {who}` of intent `OrderIntent`: uses slot `who`: `AMAZON.Person` has no Clova KR built-in equivalent: CEK has no built-in dictionary of names: make a custom slot type with the names (in Alexa, extending the type with values makes import convert it)",
        "dropped   sample `order {nothing}` of intent `OrderIntent`: uses `{nothing}`, which is not a slot of the intent",
    ] {
        out.contains(line);
    }
    out.lacks("placeholder endpoint");
    let intent = env.git(&[
        "show",
        "test/com.example.pizza:extensions/com.example.pizza/interaction-model/intents/OrderIntent.toml",
    ]);
    assert_eq!(
        intent,
        "utterances = [\n  \"order a <size>large</size> pizza\",\n  \"order a pizza <when>내일</when>\",\n  \"<size>small</size>\",\n  \"a <size>large</size> one\",\n]\n\n[slots]\nsize = \"SIZE\"\nwhen = \"CLOVA.DATETIME\""
    );
}

#[test]
fn test_malformed_json_is_reported_with_line_and_column_and_nothing_is_written() {
    let env = TestEnv::new();
    service_repo(&env);
    let before = branches(&env);
    env.write(
        "model.json",
        "{\n  \"interactionModel\": {\n    \"languageModel\": {\n      \"invocationName\": \"x\",\n      \"intents\": [,]\n    }\n  }\n}\n",
    );
    let out = env.cekops(&[
        "import",
        "alexa",
        "model.json",
        "--id",
        "com.example.x",
        "--language",
        "ja-JP",
    ]);
    out.code(1)
        .contains("error[schema-violation]: invalid JSON: expected value")
        .contains("model.json:5:19")
        .contains("nothing imported");
    assert_eq!(branches(&env), before);

    env.write(
        "model.json",
        "{\"interactionModel\": {\"languageModel\": {\n  \"invocationName\": \"x\",\n  \"intents\": [{\"name\": \"A\", \"samples\": [\"a\", 2]}]}}}\n",
    );
    let out = env.cekops(&[
        "import",
        "alexa",
        "model.json",
        "--id",
        "com.example.x",
        "--language",
        "ja-JP",
    ]);
    out.code(1)
        .contains("error[schema-violation]: not an Alexa interaction model: invalid type: integer `2`, expected a string")
        .contains("model.json:3:");
    assert_eq!(branches(&env), before);

    env.write("model.json", "{\"skillManifest\": {}}");
    env.cekops(&[
        "import",
        "alexa",
        "model.json",
        "--id",
        "com.example.x",
        "--language",
        "ja-JP",
    ])
    .code(1)
    .contains("not an Alexa interaction model: missing field `interactionModel`")
    .contains("help: the file must hold `interactionModel.languageModel`");
    assert_eq!(branches(&env), before);
    assert_eq!(
        env.git(&["status", "--porcelain"]),
        "?? model.json\n?? notes.txt"
    );
}

#[test]
fn test_import_refusals_change_nothing() {
    let env = TestEnv::new();
    service_repo(&env);
    let model =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/alexa-samples/fact/ja-JP.json");
    let model = model.to_str().unwrap();
    let import = |id: &str, lang: &str| {
        env.cekops(&["import", "alexa", model, "--id", id, "--language", lang])
    };
    import("Com.Example", "ja-JP")
        .code(2)
        .contains("`Com.Example` is not a valid Extension ID");
    import("com.example.fact", "en-US")
        .code(2)
        .contains("expected `ko-KR` or `ja-JP`");
    // dry run: a report, no branch
    let before = branches(&env);
    env.cekops(&[
        "import",
        "alexa",
        model,
        "--id",
        "com.example.fact",
        "--language",
        "ja-JP",
        "--dry-run",
    ])
    .code(0)
    .contains("dry run: would commit on `test/com.example.fact` (from `service`)");
    assert_eq!(branches(&env), before);
    // the test branch exists already
    import("com.example.fact", "ja-JP").code(0);
    let after = branches(&env);
    import("com.example.fact", "ja-JP")
        .code(1)
        .contains("branch `test/com.example.fact` already exists");
    assert_eq!(branches(&env), after);
    // the extension is in service already
    env.git(&["merge", "-q", "--ff-only", "test/com.example.fact"]);
    env.git(&["branch", "-q", "-D", "test/com.example.fact"]);
    let after = branches(&env);
    import("com.example.fact", "ja-JP")
        .code(1)
        .contains("extension `com.example.fact` exists already on `service`");
    assert_eq!(branches(&env), after);
    // no service branch
    let bare = TestEnv::new();
    bare.git(&["init", "-q", "-b", "main"]);
    bare.git(&["commit", "-q", "--allow-empty", "-m", "x"]);
    bare.cekops(&[
        "import",
        "alexa",
        model,
        "--id",
        "com.example.fact",
        "--language",
        "ja-JP",
    ])
    .code(1)
    .contains("the repository has no `service` branch");
}

#[test]
fn test_imported_files_are_in_the_canonical_fmt_layout() {
    let env = TestEnv::new();
    service_repo(&env);
    let model = samples()
        .into_iter()
        .find(|p| p.ends_with("fact/ja-JP.json"))
        .unwrap();
    env.cekops(&[
        "import",
        "alexa",
        model.to_str().unwrap(),
        "--id",
        "com.example.fact",
        "--language",
        "ja-JP",
    ])
    .code(0);
    env.git(&["stash", "-u", "-q"]);
    env.git(&["switch", "-q", "test/com.example.fact"]);
    env.cekops(&["fmt", "--check"]).code(0);
}

#[test]
fn test_import_alexa_output() {
    let env = TestEnv::new();
    adventure_repo(&env);
    let mut t = Transcript::new(&env);
    t.cekops(&[&IMPORT_ADVENTURE[..], &["--dry-run"]].concat())
        .code(0);
    t.cekops(&IMPORT_ADVENTURE).code(0);
    t.note("refusals");
    t.cekops(&IMPORT_ADVENTURE).code(1);
    t.cekops(&[
        "import",
        "alexa",
        "en-US.json",
        "--id",
        "Com.Example",
        "--language",
        "ko-KR",
    ])
    .code(2);
    env.write(
        "broken.json",
        "{\"interactionModel\": {\n  \"languageModel\": [,]\n}}\n",
    );
    t.cekops(&[
        "import",
        "alexa",
        "broken.json",
        "--id",
        "com.example.broken",
        "--language",
        "ko-KR",
    ])
    .code(1);
    snapshot!(&env, "import-alexa", t.text());
}

/// An Alexa model with one intent using one custom slot type of `values` values.
fn big_model(intent: &str, slot_type: &str, values: usize) -> String {
    let mut vals: Vec<serde_json::Value> = (0..values)
        .map(|i| serde_json::json!({ "name": { "value": format!("value{i}"), "synonyms": [format!("syn{i}")] } }))
        .collect();
    // duplicates are merged (the old code searched the list for each value)
    vals.push(serde_json::json!({ "name": { "value": "value1", "synonyms": ["again"] } }));
    serde_json::json!({
        "interactionModel": { "languageModel": {
            "invocationName": "big model",
            "intents": [
                { "name": "AMAZON.HelpIntent", "samples": [] },
                { "name": intent, "slots": [{ "name": "thing", "type": slot_type }],
                  "samples": ["order {thing}", "I want {thing}"] }
            ],
            "types": [{ "name": slot_type, "values": vals }]
        } }
    })
    .to_string()
}

#[test]
fn test_import_alexa_is_linear_in_slot_values_and_refuses_overlong_names() {
    let env = TestEnv::new();
    service_repo(&env);
    // 300,000 values: finished in seconds (it did not finish in 5 minutes when quadratic)
    env.write("big.json", big_model("OrderIntent", "THING", 300_000));
    let out = env.cekops(&[
        "import",
        "alexa",
        "big.json",
        "--id",
        "com.example.big",
        "--language",
        "ko-KR",
        "--dry-run",
    ]);
    assert!(matches!(out.code, 0 | 1), "{}", out.both());
    out.contains("value `value1` listed twice in slot type `THING`: merged into one")
        .contains("slot-type-size");

    // names longer than a file name can be are dropped with a note, never written
    let long_intent = format!("Order{}", "x".repeat(300));
    let long_type = format!("THING{}", "Y".repeat(300));
    env.write("long.json", big_model(&long_intent, &long_type, 3));
    let out = env.cekops(&[
        "import",
        "alexa",
        "long.json",
        "--id",
        "com.example.long",
        "--language",
        "ko-KR",
    ]);
    out.contains(&format!(
        "slot type `{long_type}`: not a valid Clova slot type name"
    ));
    assert!(matches!(out.code, 0 | 1), "{}", out.both());
    let files = env.git(&["ls-tree", "-r", "--name-only", "test/com.example.long"]);
    for f in files.lines() {
        let name = f.rsplit('/').next().unwrap();
        assert!(name.len() <= 205, "file name too long: {f}");
    }
}
