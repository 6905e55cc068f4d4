//! Findings are the same whatever way validation reads the repository (work tree, `--rev`,
//! `--staged`, one extension): the snapshots below were taken before validation streamed
//! extensions one by one (issue 17) and must not change with how the work is scheduled.

use crate::common::TestEnv;
use crate::common::copy_dir;
use crate::common::project_path;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;
use cekops_devkit::synth::Params;
use cekops_devkit::synth::Synth;

/// A small synthetic repository with problems of every scope: broken files, a copied extension
/// (duplicate ID and invocation name), an intent copied under another name (ambiguous samples), a
/// link into another extension, an unknown file and a loose file under `extensions/`.
fn broken_synthetic(env: &TestEnv) -> Vec<String> {
    let s = Synth::generate(&Params {
        extensions: 6,
        utterances: 6_000,
        max_utterances_per_intent: 40,
        ..Params::default()
    })
    .unwrap();
    s.write_to(&env.root).unwrap();
    let ids = s.extension_ids();
    let ext = |i: usize| format!("extensions/{}", ids[i]);
    let intents = |i: usize| {
        let mut v: Vec<String> =
            std::fs::read_dir(env.path(&format!("{}/interaction-model/intents", ext(i))))
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
        v.sort();
        v
    };
    // A copied extension that kept the original's ID and invocation names.
    copy_dir(
        &env.path(&ext(0)),
        &env.path("extensions/com.example.copied"),
    );
    // An intent copied under another name: every sample is in two intents.
    let first = intents(1)[0].clone();
    let text = env.read(&format!("{}/interaction-model/intents/{first}", ext(1)));
    env.write(
        &format!("{}/interaction-model/intents/Copy.toml", ext(1)),
        &text,
    );
    // A broken intent file, a broken server file, an unknown file.
    let second = intents(2)[1].clone();
    let path = format!("{}/interaction-model/intents/{second}", ext(2));
    let text = env.read(&path);
    env.write(&path, format!("{text}\nutterances = [\"x\"\n"));
    env.write(&format!("{}/server.toml", ext(3)), "endpoint = 42\n");
    env.write(&format!("{}/notes.txt", ext(3)), "hello\n");
    env.write("extensions/loose.toml", "x = 1\n");
    // A store phrase no sample is close to.
    let store = format!("{}/store.toml", ext(4));
    let text = env.read(&store).replacen(
        "example_phrases = [",
        "example_phrases = [\"우주선 발사 카운트다운을 시작해 줘\", ",
        1,
    );
    env.write(&store, text);
    // A link to another extension's intent file (followed), and one out of the repository.
    let target = intents(4)[0].clone();
    std::os::unix::fs::symlink(
        format!("../../../{}/interaction-model/intents/{target}", ids[4]),
        env.path(&format!("{}/interaction-model/intents/Linked.toml", ext(5))),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        "/etc/hostname",
        env.path(&format!(
            "{}/interaction-model/intents/Outside.toml",
            ext(5)
        )),
    )
    .unwrap();
    ids
}

#[test]
fn findings_are_the_same_from_every_source() {
    let env = TestEnv::new();
    let ids = broken_synthetic(&env);
    env.git(&["init", "-q", "-b", "service"]);
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", "synthetic"]);
    let json = |args: &[&str]| {
        let out = env.cekops(args);
        out.code(1);
        out.stdout.clone()
    };
    // The work tree and the commit hold the same files: the same findings.
    let tree = json(&["validate", "--format", "json", "--stage", "test"]);
    let rev = json(&[
        "validate", "--format", "json", "--stage", "test", "--rev", "HEAD",
    ]);
    assert_eq!(tree, rev, "work tree and --rev HEAD differ");
    // The same from a pack with deltas (ofs and ref), and from a pack plus loose objects.
    env.git(&["repack", "-adfq", "--depth=20", "--window=50"]);
    let packed = json(&[
        "validate", "--format", "json", "--stage", "test", "--rev", "HEAD",
    ]);
    assert_eq!(tree, packed, "work tree and --rev HEAD from a pack differ");
    env.git(&["-c", "repack.useDeltaBaseOffset=false", "repack", "-adfq"]);
    let copy = format!("extensions/{}/interaction-model/intents/Copy.toml", ids[1]);
    let text = env.read(&copy);
    env.write(
        &copy,
        format!(
            "{text}
"
        ),
    );
    env.git(&["commit", "-qam", "loose on top of the pack"]);
    let tree2 = json(&["validate", "--format", "json", "--stage", "test"]);
    let mixed = json(&[
        "validate", "--format", "json", "--stage", "test", "--rev", "HEAD",
    ]);
    assert_eq!(
        tree2, mixed,
        "work tree and --rev HEAD from pack + loose differ"
    );
    env.git(&["reset", "-q", "--hard", "HEAD~"]);
    let mut t = Transcript::new(&env);
    t.cekops(&["validate", "--stage", "test"]).code(1);
    t.cekops(&["validate", "--rev", "HEAD"]).code(1);
    t.cekops(&["validate", "--stage", "test", &ids[1]]).code(1);
    // One change staged: only that extension in full (and repository-wide rules).
    let copy = format!("extensions/{}/interaction-model/intents/Copy.toml", ids[1]);
    let text = env.read(&copy);
    env.write(&copy, format!("{text}\n"));
    env.git(&["add", &copy]);
    t.cekops(&["validate", "--staged", "--format", "json"])
        .code(1);
    snapshot!(&env, "findings-synthetic", t.text());
}

#[test]
fn findings_on_the_example_repository() {
    let env = TestEnv::new();
    copy_dir(&project_path("example-repo"), &env.root);
    let mut t = Transcript::new(&env);
    t.cekops(&["validate", "--stage", "service", "--format", "json"]);
    t.cekops(&["validate", "--stage", "test"]);
    snapshot!(&env, "findings-example-repo", t.text());
}

/// A damaged object in a pack: the fast reader leaves it to libgit2, whose error names the file
/// it was reading and how to check the store; nothing is reported as valid.
#[test]
fn a_damaged_object_names_the_file_it_belongs_to() {
    let env = TestEnv::new();
    let text: String = (0..400)
        .map(|i| format!("# line {i} of a cekops.toml long enough to compress\n"))
        .collect();
    env.write("cekops.toml", &text);
    env.git(&["init", "-q", "-b", "service"]);
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", "one file"]);
    env.git(&["repack", "-adq"]);
    // Flip a byte in the middle of that blob's compressed data (its pack entry, from
    // `git verify-pack -v`: id, type, size, size in pack, offset).
    let blob = env
        .git(&["rev-parse", "HEAD:cekops.toml"])
        .trim()
        .to_string();
    let packs = env.path(".git/objects/pack");
    let idx = std::fs::read_dir(&packs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "idx"))
        .unwrap();
    let listing = env.git(&["verify-pack", "-v", idx.to_str().unwrap()]);
    let entry: Vec<&str> = listing
        .lines()
        .find(|l| l.starts_with(&blob))
        .unwrap()
        .split_whitespace()
        .collect();
    let (in_pack, offset): (usize, usize) = (entry[3].parse().unwrap(), entry[4].parse().unwrap());
    let pack = idx.with_extension("pack");
    let mut bytes = std::fs::read(&pack).unwrap();
    bytes[offset + in_pack / 2] ^= 0x55;
    std::fs::write(&pack, bytes).unwrap();
    let out = env.cekops(&["validate", "--rev", "HEAD"]);
    out.code(2);
    assert!(
        out.stderr.contains(&format!(
            "error: cannot read `cekops.toml` (object {blob}) from the repository's objects (`git fsck` tells whether they are damaged)"
        )),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}
