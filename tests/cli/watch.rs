//! `cekops watch` with real file writes, and `completions` / `man`.

use std::io::BufRead;
use std::io::BufReader;
use std::process::Command;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;
use std::time::Instant;

use crate::common::TestEnv;

const EXT: &str = "id = \"com.example.w\"\nlanguage = \"ja-JP\"\nname = \"W\"\ninvocation_names = [\"ダブリュー\"]\nprovider = \"P\"\ncontact_email = \"a@b.co\"\nbuiltin_intents = [\"Clova.GuideIntent\"]\n";

/// Wait until a line containing `needle` arrives (liveness bound only, not a timing assertion).
fn wait_for(rx: &mpsc::Receiver<String>, needle: &str, seen: &mut Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            let hit = line.contains(needle);
            seen.push(line);
            if hit {
                return;
            }
        }
    }
    panic!("no line with {needle:?}; got:\n{}", seen.join("\n"));
}

#[test]
fn test_watch_rechecks_changed_extension_and_stops_on_ctrl_c() {
    let env = TestEnv::new();
    env.write(
        "cekops.toml",
        "[review]\nreviewers = [\"alice@example.com\"]\n",
    );
    env.write("extensions/com.example.w/extension.toml", EXT);
    env.write(
        "extensions/com.example.w/server.toml",
        "endpoint = \"https://example.com/w\"\n",
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cekops"));
    env.apply(&mut cmd);
    cmd.current_dir(&env.root)
        .args(["watch", "--debounce", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let (tx, rx) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let mut seen = Vec::new();
    wait_for(&rx, "watching", &mut seen);
    // A broken intent: the watcher reports it with its location.
    env.write(
        "extensions/com.example.w/interaction-model/intents/Ask.toml",
        "utterances = [\"<x>a</y>\"]\n",
    );
    wait_for(&rx, "utterance-tag", &mut seen);
    // An editor-style save: write a temp file, then rename it over the original.
    env.write(
        "extensions/com.example.w/interaction-model/intents/.Ask.toml.tmp",
        "utterances = [\"天気を教えて\"]\n",
    );
    std::fs::rename(
        env.path("extensions/com.example.w/interaction-model/intents/.Ask.toml.tmp"),
        env.path("extensions/com.example.w/interaction-model/intents/Ask.toml"),
    )
    .unwrap();
    wait_for(&rx, "0 error(s)", &mut seen);
    // Let any trailing batch of the rename settle, then check that .git/ writes are ignored.
    std::thread::sleep(Duration::from_millis(500));
    while rx.try_recv().is_ok() {}
    std::fs::create_dir_all(env.path(".git")).unwrap();
    env.write(".git/HEAD", "ref: refs/heads/x\n");
    std::thread::sleep(Duration::from_millis(500));
    while let Ok(line) = rx.try_recv() {
        assert!(
            !line.contains("checked"),
            "re-checked after a .git write: {line}"
        );
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap();
    assert_eq!(code.code(), Some(0), "watch must exit 0 on Ctrl-C");
    wait_for(&rx, "stopped watching", &mut seen);
}

#[test]
fn test_watch_outside_extension_repo_is_usage_error() {
    let env = TestEnv::new();
    env.cekops(&["watch"])
        .code(2)
        .contains("has no `extensions/` folder");
}

#[test]
fn test_watch_unknown_id_is_usage_error_not_watching_forever() {
    let env = TestEnv::new();
    env.copy_from_project("example-repo");
    let out = env.cekops(&["watch", "com.example.pizzabott"]);
    out.code(2)
        .contains("no extension `com.example.pizzabott`")
        .contains("did you mean `com.example.pizzabot`?");
}
