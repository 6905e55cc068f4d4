//! `cekops fmt` end to end.

use crate::common::TestEnv;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

const MESSY_CONFIG: &str = "\
#:schema ./schemas/cekops.schema.json
# repository settings
[branches]
service=\"service\"   # the protected branch
[review]
reviewers = [ \"alice@example.com\" ,
   \"bob@example.com\" ]
required_approvals=1
";

const CANONICAL_CONFIG: &str = "\
#:schema ./schemas/cekops.schema.json
# repository settings
[branches]
service = \"service\" # the protected branch

[review]
reviewers = [\"alice@example.com\", \"bob@example.com\"]
required_approvals = 1
";

const MESSY_INTENT: &str = "\
description   =   \"Order a pizza\"    \n\
[slots]\n\
pizzaType=\"PIZZA_TYPE\"\n\
\n\
\n\
\n\
[ utterances_note ]\n\
# a table only to check headers\n\
x = 1\n\
";

const MESSY_UTTERANCES: &str = "\
utterances = [\"<pizzaType>페퍼로니</pizzaType> 피자 주문해줘\", # the classic
  # plain
  \"피자 주문\"]
";

const CANONICAL_UTTERANCES: &str = "\
utterances = [
  \"<pizzaType>페퍼로니</pizzaType> 피자 주문해줘\", # the classic
  # plain
  \"피자 주문\",
]
";

fn messy_repo() -> TestEnv {
    let env = TestEnv::new();
    env.write("cekops.toml", MESSY_CONFIG);
    env.write(
        "extensions/com.example.pizza/interaction-model/intents/Order.toml",
        MESSY_INTENT,
    );
    env.write(
        "extensions/com.example.pizza/interaction-model/intents/Menu.toml",
        MESSY_UTTERANCES,
    );
    env.write(
        "extensions/com.example.pizza/server.toml",
        "endpoint = \"https://pizza.example.com/clova\"\n",
    );
    env
}

#[test]
fn test_fmt_rewrites_files_keeping_comments() {
    let env = messy_repo();
    let out = env.cekops(&["fmt"]);
    out.code(0);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "reformatted cekops.toml\n\
         reformatted extensions/com.example.pizza/interaction-model/intents/Menu.toml\n\
         reformatted extensions/com.example.pizza/interaction-model/intents/Order.toml\n\
         3 of 4 files reformatted, 1 already formatted\n"
    );
    assert_eq!(env.read("cekops.toml"), CANONICAL_CONFIG);
    assert_eq!(
        env.read("extensions/com.example.pizza/interaction-model/intents/Menu.toml"),
        CANONICAL_UTTERANCES
    );
    assert_eq!(
        env.read("extensions/com.example.pizza/interaction-model/intents/Order.toml"),
        "description = \"Order a pizza\"\n\n[slots]\npizzaType = \"PIZZA_TYPE\"\n\n[utterances_note]\n# a table only to check headers\nx = 1\n"
    );
    // Idempotent: a second run changes nothing.
    let again = env.cekops(&["fmt"]);
    again.code(0);
    assert_eq!(
        again.stderr,
        "0 of 4 files reformatted, 4 already formatted\n"
    );
    env.cekops(&["fmt", "--check"]).code(0);
    // Still the same data for validate.
    env.cekops(&["validate", "--format", "json"])
        .lacks("toml-syntax");
}

#[test]
fn test_fmt_check_lists_files_and_writes_nothing() {
    let env = messy_repo();
    let out = env.cekops(&["fmt", "--check"]);
    out.code(1).contains("3 of 4 files would be reformatted");
    assert_eq!(
        out.stdout,
        "cekops.toml\n\
         extensions/com.example.pizza/interaction-model/intents/Menu.toml\n\
         extensions/com.example.pizza/interaction-model/intents/Order.toml\n"
    );
    assert_eq!(env.read("cekops.toml"), MESSY_CONFIG);
    assert_eq!(
        env.read("extensions/com.example.pizza/interaction-model/intents/Menu.toml"),
        MESSY_UTTERANCES
    );
}

#[test]
fn test_fmt_leaves_invalid_toml_untouched_and_reports_location() {
    let env = messy_repo();
    let broken = "id = \"com.example.pizza\"\nname = = \"x\"   \n";
    env.write("extensions/com.example.pizza/extension.toml", broken);
    let out = env.cekops(&["fmt"]);
    out.code(1)
        .contains("error[toml-syntax]")
        .contains("--> extensions/com.example.pizza/extension.toml:2:8")
        .contains("reformatted cekops.toml")
        .contains("1 not valid (left untouched)");
    assert_eq!(
        env.read("extensions/com.example.pizza/extension.toml"),
        broken
    );
    assert_eq!(env.read("cekops.toml"), CANONICAL_CONFIG);
    // --check: the broken file is reported, not listed as "would change".
    let out = env.cekops(&["fmt", "--check"]);
    out.code(1).contains("error[toml-syntax]");
    assert_eq!(out.stdout, "");
}

#[test]
fn test_fmt_reports_binary_and_non_utf8_files() {
    let env = TestEnv::new();
    env.write("cekops.toml", b"a = \"\xff\xfe\"\n");
    env.write(
        "extensions/com.example.a/store.toml",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
    );
    let out = env.cekops(&["fmt"]);
    out.code(1)
        .contains("error[invalid-utf8]: file is not valid UTF-8")
        .contains("error[invalid-utf8]: file is binary");
    assert_eq!(
        std::fs::read(env.path("cekops.toml")).unwrap(),
        b"a = \"\xff\xfe\"\n"
    );
}

#[test]
fn test_fmt_path_selects_a_folder_or_a_file() {
    let env = messy_repo();
    env.write(
        "extensions/com.example.other/server.toml",
        "endpoint=\"https://o.example.com\"\n",
    );
    env.cekops(&["fmt", "extensions/com.example.other"])
        .code(0)
        .contains("reformatted extensions/com.example.other/server.toml")
        .contains("1 of 1 files reformatted");
    assert_eq!(env.read("cekops.toml"), MESSY_CONFIG);
    env.cekops(&["fmt", "cekops.toml"])
        .code(0)
        .contains("reformatted cekops.toml\n1 of 1 files reformatted");
    assert_eq!(
        env.read("extensions/com.example.pizza/interaction-model/intents/Menu.toml"),
        MESSY_UTTERANCES
    );
    env.cekops(&["fmt", "extensions/nothing"])
        .code(2)
        .contains("`extensions/nothing` does not exist");
    env.write("README.md", "# x\n");
    env.cekops(&["fmt", "README.md"])
        .code(2)
        .contains("is not a `.toml` file");
}

#[test]
fn test_fmt_with_c_and_from_a_subfolder() {
    let env = messy_repo();
    env.git_init_commit("service", "start");
    // -C: paths relative to the folder cekops runs in.
    let out = env.cekops_in(env.tmp.path(), &["-C", "repo", "fmt", "--check"], &[]);
    out.code(1);
    assert!(out.stdout.starts_with("cekops.toml\n"), "{}", out.stdout);
    // From a folder inside the repository that is not an extension: the whole repository.
    std::fs::create_dir_all(env.path("docs")).unwrap();
    let out = env.cekops_in(&env.path("docs"), &["fmt", "--check"], &[]);
    out.code(1).contains("3 of 4 files would be reformatted");
    // From inside an extension folder: that folder.
    let out = env.cekops_in(
        &env.path("extensions/com.example.pizza/interaction-model"),
        &["fmt", "--check"],
        &[],
    );
    out.code(1);
    assert_eq!(out.stdout, "intents/Menu.toml\nintents/Order.toml\n");
}

#[test]
fn test_fmt_only_touches_files_cekops_reads() {
    let env = messy_repo();
    let cargo = "[package]\nname=\"x\"\n";
    env.write("Cargo.toml", cargo);
    env.write("docs/notes.toml", cargo);
    env.cekops(&["fmt"]).code(0);
    assert_eq!(env.read("Cargo.toml"), cargo);
    assert_eq!(env.read("docs/notes.toml"), cargo);
}

#[cfg(unix)]
#[test]
fn test_fmt_never_writes_through_symbolic_links() {
    let env = messy_repo();
    let outside = env.tmp.path().join("outside.toml");
    std::fs::write(&outside, "a=1\n").unwrap();
    std::os::unix::fs::symlink(&outside, env.path("extensions/com.example.pizza/link.toml"))
        .unwrap();
    env.cekops(&["fmt"]).code(0).lacks("link.toml");
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "a=1\n");
    assert!(
        std::fs::symlink_metadata(env.path("extensions/com.example.pizza/link.toml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn test_fmt_is_idempotent_over_example_inputs() {
    let inputs = [
        "",
        "\n\n\n",
        "# only comments\n\n\n# more   \n",
        "a=1\nb=[1,2,3]\nc={x=1,y=[\"a\",\n\"b\"]}\n",
        "utterances=[]\n[slots]\n",
        "[[case]]\nutterance=\"안녕\"\nintent=\"HelloIntent\"\n[[case]]\nturns=[{utterance=\"a\",intent=\"B\"},{utterance=\"c\",intent=\"D\",slots={x=\"y\"}}]\n",
        "[values]\n\"페퍼로니\"=[\"pepperoni\",\"페페로니\", \"pepperoni pizza\", \"페퍼로니 피자\", \"peperoni\", \"pepperonie\", \"페파로니\"]\n",
        "x = [ # c\n]\n",
        "key = \"\"\"\nmulti  \nline\"\"\"\n  # indented comment\n  other = 'lit'\n",
        "a.b.c = 1\na.b.d = [ [1, 2], [3, [4, 5]] ]\n",
        "client_secret = { env = \"X\" }   # by reference\n\n\n\n[account_linking]\n\n\nscopes = [\"a\",\n\n\n\"b\",]\n",
    ];
    for (i, input) in inputs.iter().enumerate() {
        let env = TestEnv::new();
        let file = format!("extensions/com.example.a/tests/case{i}.toml");
        env.write(&file, input);
        env.cekops(&["fmt"]).code(0);
        let once = env.read(&file);
        assert!(
            once.is_empty() || (once.ends_with('\n') && !once.ends_with("\n\n")),
            "input {i}: {once:?}"
        );
        assert!(
            !once.lines().any(|l| l.ends_with(' ')) || once.contains("\"\"\""),
            "input {i}: trailing whitespace in {once:?}"
        );
        let again = env.cekops(&["fmt", "--check"]);
        again.code(0);
        assert_eq!(again.stdout, "", "input {i} is not stable");
        env.cekops(&["fmt"]).code(0);
        assert_eq!(env.read(&file), once, "input {i}");
        // Comments survive.
        for line in input.lines().filter(|l| l.trim_start().starts_with('#')) {
            assert!(
                once.contains(line.trim()),
                "input {i} lost {line:?}: {once:?}"
            );
        }
    }
}

#[test]
fn test_fmt_on_a_folder_without_toml_files() {
    let env = TestEnv::new();
    env.cekops(&["fmt"])
        .code(0)
        .contains("no TOML files to format");
}

#[test]
fn test_fmt_help_teaches() {
    let env = TestEnv::new();
    env.cekops(&["fmt", "--help"])
        .code(0)
        .contains("--check")
        .contains("Examples:")
        .contains("cekops fmt --check");
}

#[test]
fn test_example_repo_is_in_the_canonical_layout() {
    let env = TestEnv::new();
    env.copy_from_project("example-repo");
    env.cekops(&["fmt", "--check"]).code(0);
}

#[test]
fn test_fmt_output() {
    let env = messy_repo();
    let mut t = Transcript::new(&env);
    t.cekops(&["fmt", "--check"]).code(1);
    t.cekops(&["fmt"]).code(0);
    t.cekops(&["fmt", "--check"]).code(0);
    t.note("a file that is not TOML is left alone and reported");
    env.write(
        "extensions/com.example.pizza/interaction-model/intents/Broken.toml",
        "utterances = [\n",
    );
    t.cekops(&["fmt", "--check"]).code(1);
    snapshot!(&env, "fmt", t.text());
}
