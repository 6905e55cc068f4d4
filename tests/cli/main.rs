//! The single integration-test binary: one module per command or theme.

mod against_tsv;
mod alexa;
mod bad_input;
mod ci;
mod codes;
mod common;
mod diff;
mod faults;
mod findings;
mod fmt;
mod fuzz;
mod git_sources;
mod help;
mod hooks;
mod init;
mod interop;
mod layers;
mod lifecycle;
mod new;
mod newcomer;
mod pr;
mod pre_commit_framework;
mod readme;
mod review;
mod schema;
mod security;
mod serve;
mod simulate;
mod snapshots;
mod status;
mod team;
mod test_cmd;
mod validate;
mod watch;

#[test]
fn no_forgotten_test_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli");
    let main = std::fs::read_to_string(dir.join("main.rs")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(stem) = name.strip_suffix(".rs")
            && stem != "main"
        {
            assert!(
                main.contains(&format!("mod {stem};")),
                "tests/cli/{name} is not declared in main.rs"
            );
        }
    }
}
