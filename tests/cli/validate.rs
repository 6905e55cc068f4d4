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
