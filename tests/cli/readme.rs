//! README.md and example-repo/ keep their promises: every validation code is documented with its
//! severity, the Quick start commands are the ones CI runs, and the example repository is clean.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::Path;

use cekops::diag::Code;

use crate::common::TestEnv;

pub fn project_file(rel: &str) -> String {
    std::fs::read_to_string(crate::common::project_path(rel))
        .unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

/// The text of a `## <title>` section, up to the next `## ` heading.
fn section<'a>(doc: &'a str, title: &str) -> &'a str {
    let heading = format!("\n## {title}\n");
    let start = doc
        .find(&heading)
        .unwrap_or_else(|| panic!("README.md has no `## {title}` section"))
        + heading.len();
    let rest = &doc[start..];
    match rest.find("\n## ") {
        Some(end) => &rest[..end],
        None => rest,
    }
}

/// The lines of the first fenced code block in `text`.
fn first_code_block(text: &str) -> Vec<&str> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with("```")).skip(1);
    let mut out = Vec::new();
    for l in lines.by_ref() {
        if l.starts_with("```") {
            return out;
        }
        out.push(l);
    }
    panic!("unterminated code block");
}

#[test]
fn test_readme_documents_every_code_with_its_severity() {
    let readme = project_file("README.md");
    let table = section(&readme, "Validation codes");
    let mut missing = Vec::new();
    for code in Code::ALL {
        let row = format!("| `{}` | {} |", code.as_str(), code.severity().as_str());
        if !table.lines().any(|l| l.starts_with(&row)) {
            missing.push(row);
        }
    }
    assert!(
        missing.is_empty(),
        "README.md `## Validation codes` lacks these rows (code, default severity):\n{}",
        missing.join("\n")
    );
    // and no row for a code that does not exist
    for line in table.lines() {
        if let Some(rest) = line.strip_prefix("| `") {
            let name = rest.split('`').next().unwrap_or_default();
            assert!(
                Code::from_name(name).is_some(),
                "README.md documents `{name}`, which is not a code in src/diag/codes.rs"
            );
        }
    }
}

#[test]
fn test_readme_json_version_matches_the_renderer() {
    let readme = project_file("README.md");
    let formats = section(&readme, "Output formats");
    let version = cekops::diag::render::JSON_VERSION;
    assert!(
        formats.contains(&format!("\"version\": {version},")),
        "the json sample in README.md must show \"version\": {version}"
    );
}

#[test]
fn test_quick_start_commands_are_the_ones_ci_runs() {
    let readme = project_file("README.md");
    let commands = first_code_block(section(&readme, "Quick start"));
    assert_eq!(
        commands,
        [
            "cargo run --release -- validate example-repo",
            "cargo test --release"
        ],
        "the Quick start shows exactly two commands"
    );
    let ci = project_file(".ci/run");
    assert!(
        ci.lines()
            .any(|l| l.trim() == format!("run {}", commands[1])),
        ".ci/run must run the README's test command `{}`",
        commands[1]
    );
}

/// What `cargo tree` resolves for `args`: each package (`name vX.Y.Z`, with its path or
/// `(proc-macro)` where cargo shows one) with the feature sets it is built with.
fn cargo_tree_features(args: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var_os("CARGO")
        .or_else(|| option_env!("CARGO").map(Into::into))
        .unwrap_or_else(|| "cargo".into());
    let out = std::process::Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "tree",
            "--locked",
            "--offline",
            "--prefix",
            "none",
            "--no-dedupe",
        ])
        .args(["--format", "{p}|{f}"])
        .args(args)
        .output()
        .expect("run cargo tree");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cargo tree {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        // ` (*)` marks where the tree stops at a cycle (the dev crate depends on cekops).
        let (package, features) = line
            .trim_end_matches(" (*)")
            .split_once('|')
            .unwrap_or_else(|| panic!("unexpected cargo tree line {line:?}"));
        map.entry(package.to_string())
            .or_default()
            .insert(features.to_string());
    }
    map
}

/// The README promises that its second command reuses the first one's build. Cargo builds a
/// crate once per feature set (and again for every crate above it), and resolves features
/// without the dev-dependencies for `cargo run` but with them for `cargo test`: a
/// dev-dependency that turns on one more feature of a shared crate (`tempfile` turning on
/// `rustix/fs` did) makes `cargo test --release` compile that crate, everything that depends on
/// it and the whole cekops library a second time. Cargo.toml then names the feature in
/// `[dependencies]` (see `once_cell` there).
#[test]
fn test_quick_start_builds_every_crate_once() {
    // `cargo run --release` builds the package of the binary without dev-dependencies;
    // `cargo test --release` builds every default member with its dev-dependencies.
    let run = cargo_tree_features(&["--package", "cekops", "--edges", "normal,build"]);
    let test = cargo_tree_features(&["--workspace", "--edges", "normal,build,dev"]);
    assert!(
        run.len() > 50 && run.keys().any(|k| k.starts_with("cekops v")),
        "cargo tree listed too little: {run:?}"
    );
    let differ: Vec<String> = run
        .iter()
        .filter_map(|(package, features)| {
            let in_test = test.get(package)?;
            (in_test != features)
                .then(|| format!("{package}: cargo run {features:?}, cargo test {in_test:?}"))
        })
        .collect();
    assert!(
        differ.is_empty(),
        "the README's second command would build these again with other features \
         (name the features in Cargo.toml's [dependencies]):\n{}",
        differ.join("\n")
    );
}

#[test]
fn test_quick_start_validates_example_repo_cleanly() {
    // The Quick start's main job, run from the project root exactly as a newcomer types it
    // (validate only reads).
    let env = TestEnv::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    env.cekops_in(root, &["validate", "example-repo"], &[])
        .code(0)
        .contains("no problems found");
}

#[test]
fn test_example_repo_passes_service_rules_from_git_objects() {
    let env = TestEnv::new();
    env.copy_from_project("example-repo");
    env.git_init_commit("service", "example extensions");
    assert_eq!(env.git(&["rev-parse", "--abbrev-ref", "HEAD"]), "service");
    // On the service branch the default stage is `service`: HTTPS and full deployment information.
    env.cekops(&["validate"])
        .code(0)
        .contains("no problems found");
    let out = env.cekops(&["validate", "--rev", "service", "--format", "json"]);
    out.code(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("json output");
    assert_eq!(doc["diagnostics"], serde_json::json!([]), "{}", out.stdout);
    assert_eq!(doc["summary"]["errors"], 0);
    assert_eq!(doc["summary"]["warnings"], 0);
    // Both extensions were read: an ID selection that names them works.
    env.cekops(&[
        "validate",
        "--rev",
        "service",
        "com.example.pizzabot",
        "com.example.ramen.jp",
    ])
    .code(0);
}

/// Every property name of a JSON Schema, in nested objects and `$defs` too.
fn property_names(schema: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match schema {
        serde_json::Value::Object(map) => {
            if let Some(props) = map.get("properties").and_then(|p| p.as_object()) {
                out.extend(props.keys().cloned());
            }
            for v in map.values() {
                property_names(v, out);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                property_names(v, out);
            }
        }
        _ => {}
    }
}

#[test]
fn test_readme_file_format_reference_names_every_key() {
    let readme = project_file("README.md");
    let reference = section(&readme, "File format reference");
    // identifiers inside `code spans`
    let documented: std::collections::BTreeSet<&str> = reference
        .split('`')
        .skip(1)
        .step_by(2)
        .flat_map(|span| span.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
        .filter(|w| !w.is_empty())
        .collect();
    for kind in cekops::model::schema::FileKind::ALL {
        let mut keys = std::collections::BTreeSet::new();
        property_names(kind.schema(), &mut keys);
        let missing: Vec<&String> = keys
            .iter()
            .filter(|k| !documented.contains(k.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "README.md `## File format reference` does not document these keys of {}: {missing:?}",
            kind.schema_file()
        );
    }
}

/// Every fenced block of `text` with its info string: (info, lines).
pub fn code_blocks(text: &str) -> Vec<(&str, Vec<&str>)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        let Some(info) = l.strip_prefix("```") else {
            continue;
        };
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        out.push((info.trim(), body));
    }
    out
}

/// Split a shell-like command line (double quotes only, as the README writes them).
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// The `console` blocks that are not runnable here, each with why.
const NOT_RUN: &[(&str, &str)] = &[
    (
        "$ git show cekops/records:",
        "a record with real commit ids and times: its format is checked by the records tests",
    ),
    (
        "$ git init --bare team.git",
        "the team walkthrough (three clones of a server): `team::test_readme_team_walkthrough` runs it",
    ),
    (
        "$ cekops simulate ",
        "needs a server: `simulate::test_readme_simulate_example_runs_as_shown` runs it",
    ),
];

#[test]
fn test_readme_console_examples_run_as_shown() {
    // Every ```console block: `$ cekops …` runs in a copy of example-repo (committed on
    // `service`) and prints exactly the lines below it.
    let readme = project_file("README.md");
    let mut ran = 0;
    for (info, body) in code_blocks(&readme) {
        if info != "console" {
            continue;
        }
        let command = body.first().copied().unwrap_or_default();
        // A trailing `# remark` (where the example runs) is not part of the command.
        let command = command
            .split_once("  #")
            .map_or(command, |(c, _)| c.trim_end());
        if NOT_RUN
            .iter()
            .any(|(prefix, _)| command.starts_with(prefix))
        {
            continue;
        }
        let args = words(command.strip_prefix("$ cekops ").unwrap_or_else(|| {
            panic!(
                "README console example `{command}` is neither `$ cekops …` nor listed in NOT_RUN"
            )
        }));
        let env = TestEnv::new();
        env.copy_from_project("example-repo");
        env.git_init_commit("service", "example extensions");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = env.cekops(&args);
        out.code(0);
        let want = body[1..].join("\n") + "\n";
        assert_eq!(
            out.stdout, want,
            "README example `{command}` prints something else; update README.md"
        );
        ran += 1;
    }
    assert!(ran >= 1, "no runnable console example found");
}

/// Replace the first `from` in the project-copy file `rel` (which must contain it).
fn replace_once(env: &TestEnv, rel: &str, from: &str, to: &str) {
    let text = env.read(rel);
    assert!(text.contains(from), "{rel} no longer contains `{from}`");
    env.write(rel, text.replacen(from, to, 1));
}

/// example-repo with the two mistakes the `## Output formats` samples show.
fn example_with_mistakes(env: &TestEnv) {
    env.copy_from_project("example-repo");
    replace_once(
        env,
        "extensions/com.example.pizzabot/interaction-model/intents/OrderPizza.toml",
        "\"<pizzaType>쉬림프</pizzaType> 피자 부탁해\"",
        "\"<pizzaTpye>쉬림프</pizzaTpye> 피자 부탁해\"",
    );
    replace_once(
        env,
        "extensions/com.example.pizzabot/server.toml",
        "client_secret = { env = \"PIZZABOT_CLIENT_SECRET\" }",
        "client_secret = \"s3cr3t\"",
    );
}

#[test]
fn test_readme_output_format_samples_are_real_output() {
    let readme = project_file("README.md");
    let blocks = code_blocks(section(&readme, "Output formats"));
    let env = TestEnv::new();
    example_with_mistakes(&env);
    // human (stderr), exactly
    let human = env.cekops(&["validate"]);
    human.code(1);
    assert_eq!(blocks[0].0, "");
    assert_eq!(
        human.stderr,
        blocks[0].1.join("\n") + "\n",
        "README human sample"
    );
    // json: the same document (the README lays objects out more compactly); the sample shows
    // the inline-secret finding only
    let json = env.cekops(&["validate", "--format", "json"]);
    let mut got: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let diags = got["diagnostics"].as_array_mut().unwrap();
    diags.retain(|d| d["code"] == "inline-secret");
    got["summary"]["errors"] = 1.into();
    assert_eq!(blocks[1].0, "json");
    let want: serde_json::Value = serde_json::from_str(&blocks[1].1.join("\n")).unwrap();
    assert_eq!(got, want, "README json sample");
    // github, exactly
    let github = env.cekops(&["validate", "--format", "github"]);
    assert_eq!(
        github.stdout,
        blocks[2].1.join("\n") + "\n",
        "README github sample"
    );
}
