//! `cekops validate` end to end.

use crate::common::TestEnv;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

#[test]
fn test_validate_reports_unknown_key_with_location() {
    let env = TestEnv::new();
    env.write(
        "cekops.toml",
        "[review]\nreviewers = [\"alice@example.com\"]\n",
    );
    env.write(
        "extensions/com.example.a/extension.toml",
        "id = \"com.example.a\"\nlanguage = \"ko-KR\"\nname = \"A\"\ninvocation_names = [\"에이봇\"]\ncolour = 1\n",
    );
    let out = env.cekops(&["validate"]);
    out.code(1)
        .contains("error[unknown-key]: unknown key `colour`")
        .contains("extensions/com.example.a/extension.toml:5:1");
}

#[test]
fn test_validate_output() {
    let env = TestEnv::new();
    env.write(
        "cekops.toml",
        "[review]\nreviewers = [\"alice@example.com\"]\n",
    );
    for (p, c) in crate::common::chart::extension_files("com.example.a", "에이봇") {
        env.write(&p, c);
    }
    let ext = "extensions/com.example.a/extension.toml";
    let info = env.read(ext);
    env.write(ext, format!("{info}colour = 1\n"));
    let mut t = Transcript::new(&env);
    t.cekops(&["validate"]).code(1);
    env.write(ext, &info);
    t.cekops(&["validate"]).code(0);
    t.cekops(&["validate", "com.example.b"]).code(2);
    snapshot!(&env, "validate", t.text());
}

/// A synonym that is another value's representative value only shadows itself (a warning, and
/// matching resolves the word to that value); a synonym under two values leaves matching unable
/// to choose (an error).
#[test]
fn test_synonym_conflict_is_an_error_only_when_matching_is_ambiguous() {
    let env = TestEnv::new();
    env.write(
        "cekops.toml",
        "[review]\nreviewers = [\"alice@example.com\"]\n",
    );
    for (p, c) in crate::common::chart::extension_files("com.example.a", "에이봇") {
        env.write(&p, c);
    }
    let d = "extensions/com.example.a/interaction-model";
    env.write(
        &format!("{d}/intents/OrderIntent.toml"),
        "utterances = [\"주문해줘\", \"<drink>라떼</drink> 주문해줘\", \"<drink>아메리카노</drink> 시켜줘\"]\n[slots]\ndrink = \"DRINK\"\n",
    );
    env.write(
        &format!("{d}/slot-types/DRINK.toml"),
        "[values]\n\"아메리카노\" = [\"americano\"]\n\"라떼\" = [\"latte\", \"아메리카노\"]\n",
    );
    let mut t = Transcript::new(&env);
    t.cekops(&["validate"]).code(0);
    // The representative value wins: `test` resolves the word to `아메리카노`.
    env.write(
        "extensions/com.example.a/tests/drink.toml",
        "[[case]]\nutterance = \"아메리카노 시켜줘\"\nintent = \"OrderIntent\"\nslots = { drink = \"아메리카노\" }\n",
    );
    t.cekops(&["test", "com.example.a"]).code(0);
    env.write(
        &format!("{d}/slot-types/DRINK.toml"),
        "[values]\n\"아메리카노\" = [\"americano\"]\n\"라떼\" = [\"latte\", \"americano\"]\n",
    );
    t.cekops(&["validate"]).code(1);
    snapshot!(&env, "validate_synonym_conflict", t.text());
}
