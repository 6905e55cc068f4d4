//! `cekops validate` end to end.

use crate::common::TestEnv;

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
