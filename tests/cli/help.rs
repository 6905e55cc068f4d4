//! `--help` of every command, `--version`, shell completions and the man page, as snapshots.
//! The command tree is discovered from the `Commands:` section of each `--help` (the tests run
//! the binary and cannot reach the clap definition), so an added command shows up in review.

use crate::common::TestEnv;
use crate::common::snap;

/// The subcommands listed under `Commands:` in a `--help` text (without clap's `help`).
fn subcommands(help: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_section = false;
    for line in help.lines() {
        if line == "Commands:" {
            in_section = true;
            continue;
        }
        if !in_section {
            continue;
        }
        if line.is_empty() {
            break;
        }
        // A command line is indented by exactly two spaces; deeper lines continue a description.
        if let Some(rest) = line.strip_prefix("  ")
            && !rest.starts_with(' ')
        {
            let name = rest.split_whitespace().next().unwrap();
            if name != "help" {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// Every command path (`[]` is `cekops` itself), depth first, each with its `--help` run.
fn command_tree(env: &TestEnv) -> Vec<(Vec<String>, crate::common::Out)> {
    let mut found = Vec::new();
    let mut stack = vec![Vec::<String>::new()];
    while let Some(path) = stack.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = env.cekops(&args);
        out.code(0);
        assert_eq!(
            out.stderr,
            "",
            "`cekops {}` writes help to stdout",
            args.join(" ")
        );
        let subs = subcommands(&out.stdout);
        for s in subs.iter().rev() {
            let mut p = path.clone();
            p.push(s.clone());
            stack.push(p);
        }
        found.push((path, out));
    }
    found
}

fn display(path: &[String]) -> String {
    if path.is_empty() {
        "cekops".to_string()
    } else {
        format!("cekops {}", path.join(" "))
    }
}

#[test]
fn test_subcommands_parses_the_commands_section() {
    let help = "Usage: x\n\nCommands:\n  one    First, with a long\n         description\n  two-words  Second\n  help   Print this message\n\nOptions:\n  -h, --help  Print help\n";
    assert_eq!(subcommands(help), ["one", "two-words"]);
    assert!(subcommands("Usage: x\n\nOptions:\n  -h\n").is_empty());
}

#[test]
fn test_help_of_every_command() {
    let env = TestEnv::new();
    let tree = command_tree(&env);
    let list: String = tree.iter().map(|(p, _)| display(p) + "\n").collect();
    snap::snapshot!(&env, "commands", list);
    assert!(tree.len() > 30, "the tree was not discovered:\n{list}");
    for (path, out) in &tree {
        let name = if path.is_empty() {
            "cekops".to_string()
        } else {
            path.join("-")
        };
        let text = format!("$ {} --help\n{}", display(path), out.render());
        snap::snapshot!(&env, &format!("help-{name}"), text);
    }
}

/// Commands with no human-output snapshot, and why.
const WITHOUT_OUTPUT_SNAPSHOT: &[(&str, &str)] = &[(
    "cekops watch",
    "runs until Ctrl-C; tests/cli/watch.rs drives it",
)];

#[test]
fn test_every_command_has_an_output_snapshot() {
    let env = TestEnv::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/snapshots");
    let mut runs = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".snap") || name.starts_with("cli__help__help-") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        runs.extend(
            text.lines()
                .filter(|l| l.starts_with("$ cekops "))
                .map(|l| format!("{l} ")),
        );
    }
    let mut missing = Vec::new();
    for (path, out) in command_tree(&env) {
        let name = display(&path);
        let leaf = subcommands(&out.stdout).is_empty();
        if path.is_empty() || !leaf || WITHOUT_OUTPUT_SNAPSHOT.iter().any(|(c, _)| *c == name) {
            continue;
        }
        let prefix = format!("$ {name} ");
        if !runs.iter().any(|r| r.starts_with(&prefix)) {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "commands without a human-output snapshot (a `$ cekops …` run in tests/cli/snapshots/, \
         see common::snap::Transcript): {missing:?}"
    );
}

#[test]
fn test_short_help_and_version() {
    let env = TestEnv::new();
    let mut t = snap::Transcript::new(&env);
    t.cekops(&["-h"]).code(0);
    t.cekops(&["review", "-h"]).code(0);
    t.cekops(&["--version"]).code(0);
    t.cekops(&[]).code(2);
    t.cekops(&["nosuchcommand"]).code(2);
    t.cekops(&["review", "approve"]).code(2);
    snap::snapshot!(&env, "short-help-version-and-usage-errors", t.text());
}

#[test]
fn test_completions_and_man_are_generated() {
    let env = TestEnv::new();
    env.cekops(&["completions", "bash"])
        .code(0)
        .contains("_cekops()");
    env.cekops(&["completions", "zsh"])
        .code(0)
        .contains("#compdef cekops");
    let man = env.cekops(&["man"]);
    man.code(0)
        .contains(".TH cekops 1")
        .contains("cekops\\-validate");
    env.cekops(&["completions", "nosuchshell"]).code(2);
}

/// The first lines of a run (generated scripts are long; their start shows the shape).
fn head(out: &crate::common::Out, lines: usize) -> crate::common::Out {
    let mut stdout: String = out
        .stdout
        .lines()
        .take(lines)
        .map(|l| format!("{l}\n"))
        .collect();
    let total = out.stdout.lines().count();
    if total > lines {
        stdout.push_str(&format!("[… {} more lines]\n", total - lines));
    }
    crate::common::Out {
        code: out.code,
        stdout,
        stderr: out.stderr.clone(),
    }
}

#[test]
fn test_completions_and_man_snapshots() {
    let env = TestEnv::new();
    let mut text = String::new();
    for args in [
        &["completions", "bash"][..],
        &["completions", "zsh"],
        &["completions", "fish"],
        &["man"],
    ] {
        let out = env.cekops(args);
        out.code(0);
        text.push_str(&format!(
            "$ cekops {}\n{}\n",
            args.join(" "),
            head(&out, 12).render()
        ));
    }
    let bad = env.cekops(&["completions", "nosuchshell"]);
    text.push_str(&format!(
        "$ cekops completions nosuchshell\n{}",
        bad.render()
    ));
    snap::snapshot!(&env, "completions-and-man-first-lines", text);
}
