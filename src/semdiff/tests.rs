use super::*;
use crate::load;
use crate::model;
use crate::tree::Entry as TreeEntry;
use crate::tree::Tree;

const ID: &str = "com.example.a";

/// Load one extension from (relative path, content) pairs.
fn ext(files: &[(&str, &str)]) -> model::Extension {
    let mut tree = Tree::default();
    for (rel, text) in files {
        tree.insert(
            format!("extensions/{ID}/{rel}"),
            TreeEntry::Blob(text.as_bytes().into()),
        );
    }
    let (e, sink) = load::load_extension(&tree, ID, true);
    let errors: Vec<_> = sink.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "fixture does not load: {errors:?}");
    e
}

const INFO: &str = r#"id = "com.example.a"
language = "ko-KR"
name = "A Bot"
invocation_names = ["에이봇", "에이 봇"]
provider = "Example"
contact_email = "a@example.com"
builtin_intents = ["Clova.GuideIntent", "Clova.CancelIntent"]
"#;
const SERVER: &str = "endpoint = \"https://a.example.com/clova\"\n";

fn with(extra: &[(&'static str, &'static str)]) -> model::Extension {
    let mut files = vec![("extension.toml", INFO), ("server.toml", SERVER)];
    for (rel, text) in extra {
        files.retain(|(r, _)| r != rel);
        files.push((rel, text));
    }
    ext(&files)
}

fn kinds(d: &ExtensionDiff) -> Vec<String> {
    d.changes
        .iter()
        .map(|e| {
            let v = serde_json::to_value(e).unwrap();
            let mut s = v["kind"].as_str().unwrap().to_string();
            if e.destructive {
                s.push('!');
            }
            s
        })
        .collect()
}

fn diff(old: &model::Extension, new: &model::Extension) -> ExtensionDiff {
    diff_extension(Some(old), Some(new))
}

#[test]
fn identical_extensions_have_no_changes() {
    let a = with(&[]);
    let d = diff(&a, &a.clone());
    assert!(d.is_empty());
    assert_eq!(d.status, Status::Unchanged);
}

#[test]
fn order_case_width_and_whitespace_do_not_count() {
    let old = with(&[
        (
            "interaction-model/intents/Order.toml",
            "slots = { kind = \"PIZZA\", size = \"SIZE\" }\nutterances = [\"<kind>페퍼로니</kind> 피자 주문\", \"Pizza please\", \"피자  시켜줘\"]\n",
        ),
        (
            "interaction-model/slot-types/PIZZA.toml",
            "[values]\n\"페퍼로니\" = [\"페퍼\", \"Pep\"]\n\"불고기\" = []\n",
        ),
    ]);
    let new = with(&[
        (
            "interaction-model/intents/Order.toml",
            "utterances = [\" 피자 시켜줘 \", \"ＰＩＺＺＡ　please\", \"<kind> 페퍼로니 </kind>  피자 주문\", \"Pizza please\"]\nslots = { size = \"SIZE\", kind = \"PIZZA\" }\n",
        ),
        (
            "interaction-model/slot-types/PIZZA.tsv",
            "불고기\n페퍼로니\tpep\t페퍼\n",
        ),
    ]);
    let d = diff(&old, &new);
    assert!(d.is_empty(), "{:?}", d.changes);
}

#[test]
fn utterance_keys_keep_slot_names_but_fold_values() {
    assert_eq!(
        utterance_key("<Kind>  ＰＥＰ </Kind>피자   주문"),
        utterance_key("<Kind>pep</Kind>피자 주문")
    );
    assert_ne!(
        utterance_key("<Kind>pep</Kind> 피자"),
        utterance_key("<kind>pep</kind> 피자")
    );
    assert_eq!(utterance_key("a <b>c</b> d"), "a <b>c</b> d");
    assert_eq!(utterance_key(" <b>c</b>d "), "<b>c</b>d");
    // Malformed tags still compare (normalised as plain text).
    assert_eq!(utterance_key("a <b"), utterance_key("A  <B"));
}

#[test]
fn utterances_and_slots_changes_per_intent() {
    let old = with(&[(
        "interaction-model/intents/Order.toml",
        "slots = { kind = \"PIZZA\", size = \"SIZE\" }\nutterances = [\"피자 주문\", \"피자 시켜줘\"]\n",
    )]);
    let new = with(&[(
        "interaction-model/intents/Order.toml",
        "slots = { kind = \"PIZZA_KIND\", count = \"CLOVA.NUMBER\" }\nutterances = [\"피자 주문\", \"피자 배달\"]\n",
    )]);
    let d = diff(&old, &new);
    assert_eq!(
        kinds(&d),
        [
            "slot-retyped",
            "slot-removed!",
            "slot-added",
            "utterance-removed",
            "utterance-added"
        ]
    );
    assert!(
        d.changes
            .iter()
            .all(|e| e.category == Category::InteractionModel)
    );
    assert_eq!(d.status, Status::Modified);
}

const U5: &str = "utterances = [\"하나\", \"둘\", \"셋\", \"넷\", \"다섯\"]\n";
const U5_PLUS: &str = "utterances = [\"하나\", \"둘\", \"셋\", \"넷\", \"다섯\", \"여섯\"]\n";
const U5_HALF: &str = "utterances = [\"하나\", \"둘\", \"셋\", \"열\", \"스물\", \"서른\"]\n";

#[test]
fn intent_rename_is_detected_by_utterance_similarity() {
    let old = with(&[("interaction-model/intents/Order.toml", U5)]);
    let new = with(&[("interaction-model/intents/PlaceOrder.toml", U5_PLUS)]);
    let d = diff(&old, &new);
    assert_eq!(kinds(&d), ["intent-renamed!", "utterance-added"]);
    assert_eq!(
        d.changes[0].change,
        Change::IntentRenamed {
            from: "Order".into(),
            to: "PlaceOrder".into(),
            similarity: 0.83
        }
    );
    match &d.changes[1].change {
        Change::UtteranceAdded { intent, utterance } => {
            assert_eq!(
                (intent.as_str(), utterance.as_str()),
                ("PlaceOrder", "여섯")
            );
        }
        c => panic!("{c:?}"),
    }
}

#[test]
fn dissimilar_intents_are_removed_and_added_not_renamed() {
    // 3 shared of 8 distinct: 0.375 < 0.5
    let old = with(&[("interaction-model/intents/Order.toml", U5)]);
    let new = with(&[("interaction-model/intents/Other.toml", U5_HALF)]);
    let d = diff(&old, &new);
    let k = kinds(&d);
    // Sorted by name: `Order` (removed) before `Other` (added).
    assert_eq!(k[0], "intent-removed!");
    assert_eq!(k[1], "intent-added");
    assert_eq!(k[2..], ["utterance-added"; 6]);
}

#[test]
fn each_removed_intent_pairs_with_its_best_match_once() {
    let old = with(&[
        ("interaction-model/intents/A.toml", U5),
        ("interaction-model/intents/B.toml", U5_PLUS),
    ]);
    let new = with(&[("interaction-model/intents/C.toml", U5_PLUS)]);
    let d = diff(&old, &new);
    assert_eq!(kinds(&d), ["intent-removed!", "intent-renamed!"]);
    assert!(matches!(
        &d.changes[1].change,
        Change::IntentRenamed { from, similarity, .. } if from == "B" && *similarity == 1.0
    ));
}

#[test]
fn slot_type_values_and_synonyms() {
    let old = with(&[(
        "interaction-model/slot-types/PIZZA.toml",
        "[values]\n\"페퍼로니\" = [\"페퍼\"]\n\"불고기\" = []\n",
    )]);
    let new = with(&[(
        "interaction-model/slot-types/PIZZA.toml",
        "[values]\n\"페퍼로니\" = [\"페페로니\"]\n\"하와이안\" = [\"하와이\"]\n",
    )]);
    let d = diff(&old, &new);
    assert_eq!(
        kinds(&d),
        [
            "value-removed!",
            "synonym-removed!",
            "synonym-added",
            "value-added"
        ]
    );
    assert_eq!(
        d.changes[3].change,
        Change::ValueAdded {
            slot_type: "PIZZA".into(),
            value: "하와이안".into(),
            synonyms: vec!["하와이".into()]
        }
    );
}

#[test]
fn slot_type_rename_and_removal() {
    let old = with(&[
        (
            "interaction-model/slot-types/PIZZA.toml",
            "[values]\n\"a\" = []\n\"b\" = []\n\"c\" = []\n",
        ),
        (
            "interaction-model/slot-types/GONE.toml",
            "[values]\n\"x\" = []\n",
        ),
    ]);
    let new = with(&[(
        "interaction-model/slot-types/PIZZA_KIND.toml",
        "[values]\n\"a\" = []\n\"b\" = []\n\"c\" = []\n\"d\" = []\n",
    )]);
    let d = diff(&old, &new);
    assert_eq!(
        kinds(&d),
        ["slot-type-removed!", "slot-type-renamed", "value-added"]
    );
}

#[test]
fn basic_information_fields_and_lists() {
    let new_info = r#"id = "com.example.a"
language = "ko-KR"
name = "A  Bot Plus"
invocation_names = ["에이 봇", "새 이름"]
provider = "Example"
audio_player = true
testers = ["someone"]
builtin_intents = ["Clova.GuideIntent", "Clova.YesIntent"]
"#;
    let d = diff(&with(&[]), &with(&[("extension.toml", new_info)]));
    assert_eq!(
        kinds(&d),
        [
            "field",
            "item-removed!",
            "item-added",
            "field",
            "field",
            "item-added",
            "item-removed!",
            "item-added"
        ]
    );
    assert_eq!(
        d.changes[0].change,
        Change::Field {
            field: "name".into(),
            old: Some(Value::Text("A Bot".into())),
            new: Some(Value::Text("A  Bot Plus".into()))
        }
    );
    let cats: Vec<Category> = d.changes.iter().map(|e| e.category).collect();
    assert_eq!(cats[..6], [Category::BasicInformation; 6]);
    assert_eq!(cats[6..], [Category::InteractionModel; 2]);
    // Whitespace inside a setting does not count.
    let spaced = INFO.replace("\"A Bot\"", "\"  A   Bot \"");
    let d = diff(
        &with(&[]),
        &with(&[("extension.toml", Box::leak(spaced.into_boxed_str()))]),
    );
    assert!(d.is_empty(), "{:?}", d.changes);
}

#[test]
fn server_changes_show_secret_references_only() {
    let old = with(&[(
        "server.toml",
        "endpoint = \"https://a.example.com/clova\"\n[account_linking]\nclient_id = \"x\"\nclient_secret = { env = \"OLD_SECRET\" }\nscopes = [\"a\"]\n",
    )]);
    let new = with(&[(
        "server.toml",
        "endpoint = \"https://b.example.com/clova\"\n[account_linking]\nclient_id = \"x\"\nclient_secret = \"hunter2\"\nscopes = [\"a\", \"b\"]\n",
    )]);
    let d = diff(&old, &new);
    assert_eq!(kinds(&d), ["field!", "item-added", "field"]);
    let json = serde_json::to_string(&d).unwrap();
    assert!(json.contains("{ env = \\\"OLD_SECRET\\\" }"), "{json}");
    assert!(json.contains("<inline secret>"), "{json}");
    assert!(!json.contains("hunter2"), "{json}");
    // Turning account linking off is destructive.
    let off = with(&[(
        "server.toml",
        "endpoint = \"https://b.example.com/clova\"\n",
    )]);
    let d = diff(&new, &off);
    assert_eq!(kinds(&d), ["field!"]);
}

#[test]
fn deployment_information_and_icon_content() {
    let store = "[store]\ncategory = \"food\"\nkeywords = [\"pizza\"]\nsmall_icon = \"assets/s.png\"\n[privacy]\npurchase = false\n";
    let store2 = "[store]\ncategory = \"food\"\nkeywords = [\"Pizza\", \"order\"]\nsmall_icon = \"assets/s.png\"\n[privacy]\npurchase = true\n[review]\ntest_account = { id = \"t\", password = { env = \"PW\" } }\n";
    let mut old = with(&[("store.toml", store)]);
    let mut new = with(&[("store.toml", store2)]);
    let icon = |b: &[u8]| model::Asset {
        path: format!("extensions/{ID}/assets/s.png"),
        bytes: b.into(),
    };
    old.assets
        .insert(format!("extensions/{ID}/assets/s.png"), icon(b"one"));
    new.assets
        .insert(format!("extensions/{ID}/assets/s.png"), icon(b"two"));
    let d = diff(&old, &new);
    assert_eq!(
        kinds(&d),
        ["item-added", "file-changed", "field", "field", "field"]
    );
    assert!(
        d.changes
            .iter()
            .all(|e| e.category == Category::DeploymentInformation)
    );
}

#[test]
fn added_and_removed_extensions() {
    let a = with(&[("interaction-model/intents/Order.toml", U5)]);
    let d = diff_extension(None, Some(&a));
    assert_eq!(d.status, Status::Added);
    assert_eq!(d.destructive(), 0);
    assert!(kinds(&d).contains(&"intent-added".to_string()));
    let d = diff_extension(Some(&a), None);
    assert_eq!(d.status, Status::Removed);
    assert!(kinds(&d).contains(&"intent-removed!".to_string()));
    assert!(
        kinds(&d).contains(&"field!".to_string()),
        "endpoint removed"
    );
}

#[test]
fn repo_diff_lists_only_changed_extensions_and_settings() {
    let a = with(&[]);
    let mut b = with(&[]);
    b.id = "com.example.b".into();
    let mut b2 = b.clone();
    b2.info.as_mut().unwrap().name.value = "B".into();
    let old = model::Repo {
        config: None,
        extensions: vec![a.clone(), b],
    };
    let mut cfg = RepoConfig::default();
    cfg.review
        .reviewers
        .push(Sp::bare("alice@example.com".into()));
    let new = model::Repo {
        config: Some(cfg),
        extensions: vec![a, b2],
    };
    let d = diff_repo(&old, &new);
    assert_eq!(d.extensions.len(), 1);
    assert_eq!(d.extensions[0].id, "com.example.b");
    assert_eq!(
        d.settings,
        [Change::ItemAdded {
            field: "review.reviewers".into(),
            value: "alice@example.com".into()
        }]
    );
    assert_eq!(d.changes(), 2);
}

#[test]
fn categories_can_be_chosen() {
    let old = with(&[("interaction-model/intents/Order.toml", U5)]);
    let mut new = with(&[("interaction-model/intents/Order.toml", U5_PLUS)]);
    new.server = None;
    new.store = None;
    let d = diff_extension_in(Some(&old), Some(&new), &[Category::InteractionModel]);
    assert_eq!(kinds(&d), ["utterance-added"]);
    assert!(kinds(&diff(&old, &new)).len() > 1);
}
