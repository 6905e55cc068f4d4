//! The library's walls, checked on the source: libgit2 only behind `src/git/`, clap only in the
//! binary (`src/main.rs`, `src/cli/`), the CLI never reaching into `git`, and no import cycle
//! between the library's files.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::Path;
use std::path::PathBuf;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/`, as (path relative to `src/`, text).
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                walk(&p, base, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(&src(), &src(), &mut out);
    out
}

fn is_binary(rel: &str) -> bool {
    rel == "main.rs" || rel.starts_with("cli/")
}

/// Lines mentioning `word` (as in `grep -rn word src`), outside the allowed files.
fn offenders(word: &str, allowed: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for (rel, text) in sources() {
        if allowed(&rel) {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            if line.contains(word) {
                out.push(format!("src/{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    out
}

#[test]
fn git2_only_behind_the_git_wall() {
    let found = offenders("git2", |rel| rel.starts_with("git/"));
    assert!(
        found.is_empty(),
        "git2 outside src/git/:\n{}",
        found.join("\n")
    );
}

#[test]
fn clap_only_in_the_binary() {
    let found = offenders("clap", is_binary);
    assert!(
        found.is_empty(),
        "clap outside the binary:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_cli_asks_ops_not_git() {
    let found = offenders("cekops::git", |rel| !rel.starts_with("cli/"));
    assert!(
        found.is_empty(),
        "the CLI imports git:\n{}",
        found.join("\n")
    );
}

/// The code of a file as the layering checks read it: without comments and without the test
/// module at its end.
fn code_of(text: &str) -> String {
    text.split("#[cfg(test)]\nmod ")
        .next()
        .unwrap_or("")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module path of a library file: `ops/hooks/mod.rs` → `["ops", "hooks"]`.
fn module_of(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// Paths after `prefix::` in code (comments and test modules left out).
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<Vec<&'a str>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let path: Vec<&str> = rest[..end]
            .split("::")
            .take_while(|s| s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_'))
            .collect();
        out.push(path);
    }
    out
}

#[test]
fn no_import_cycle_between_library_files() {
    let files: BTreeMap<Vec<String>, String> = sources()
        .into_iter()
        .filter(|(rel, _)| !is_binary(rel))
        .map(|(rel, text)| (module_of(&rel), text))
        .collect();
    let resolve = |path: &[String]| -> Option<Vec<String>> {
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| files.contains_key(p))
    };
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, text) in &files {
        let code = code_of(text);
        let parent: Vec<String> = module[..module.len().saturating_sub(1)].to_vec();
        let mut targets = BTreeSet::new();
        for p in paths_after(&code, "crate::") {
            let full: Vec<String> = p.iter().map(|s| s.to_string()).collect();
            targets.extend(resolve(&full));
        }
        for p in paths_after(&code, "super::") {
            let mut full = parent.clone();
            full.extend(p.iter().map(|s| s.to_string()));
            targets.extend(resolve(&full));
        }
        // A module re-exporting its children (`pub use config::*;`) depends on them.
        for p in paths_after(&code, "pub use ") {
            let mut full = module.clone();
            full.extend(p.iter().map(|s| s.to_string()));
            if full.len() > module.len() + 1 || files.contains_key(&full) {
                targets.extend(resolve(&full).filter(|t| t.len() > module.len()));
            }
        }
        // A child reaching items through its parent's re-exports is not a dependency of the
        // parent on the child's users: only edges to non-ancestors count.
        targets.retain(|t| !module.starts_with(t));
        edges.insert(module.clone(), targets);
    }
    // Depth-first search for a back edge.
    fn visit(
        m: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        state.insert(m.clone(), 1);
        stack.push(m.clone());
        for t in edges.get(m).into_iter().flatten() {
            match state.get(t) {
                Some(1) => {
                    let i = stack.iter().position(|x| x == t).unwrap();
                    let mut cycle = stack[i..].to_vec();
                    cycle.push(t.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(t, edges, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(m.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in edges.keys() {
        if !state.contains_key(m)
            && let Some(cycle) = visit(m, &edges, &mut state, &mut Vec::new())
        {
            let shown: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
            panic!("import cycle between library files: {}", shown.join(" -> "));
        }
    }
    assert!(
        edges.len() > 50,
        "the walk found too few files: {}",
        edges.len()
    );
}

/// The library's top-level modules from the bottom up: a module may use only modules of lower
/// layers. A new module gets a row here; moving a module up or down is a design decision that
/// shows in review.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundations: errors, findings, utterance syntax, the file model",
        &["error", "diag", "utterance", "model"],
    ),
    (
        "snapshots and TOML text; the offline matcher",
        &["tree", "toml_write", "tomlfmt", "nlu"],
    ),
    (
        "git behind its wall; rules; CEK messages",
        &["git", "rules", "cek"],
    ),
    ("semantic diff; outside formats", &["semdiff", "interop"]),
    ("reading a snapshot into the model", &["load"]),
    ("the commands' work", &["ops"]),
];

#[test]
fn each_layer_only_looks_down() {
    let rank = |m: &str| LAYERS.iter().position(|(_, ms)| ms.contains(&m));
    let mut problems = Vec::new();
    for (rel, text) in sources() {
        if is_binary(&rel) || rel == "lib.rs" || rel.ends_with("tests.rs") {
            continue;
        }
        let top = rel.split('/').next().unwrap().trim_end_matches(".rs");
        let Some(own) = rank(top) else {
            problems.push(format!("src/{rel}: module `{top}` is not in LAYERS"));
            continue;
        };
        let code = code_of(&text);
        for path in paths_after(&code, "crate::") {
            let Some(dep) = path.first().copied() else {
                continue;
            };
            if dep == top {
                continue;
            }
            match rank(dep) {
                Some(r) if r < own => {}
                _ => problems.push(format!(
                    "src/{rel}: `{top}` uses `{dep}`, which is not below it"
                )),
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "layering:\n{}", problems.join("\n"));
}
