//! A team on one server: three clones of a bare repository with the server hook, the routine
//! being `cekops fetch` before and `cekops push` after each action. Scenario tests for each
//! way a team used to lose work, and a seeded randomized simulation that checks the invariants
//! after every step (`CEKOPS_SIM_SEEDS=1-1000` runs a soak; see `scripts/soak.sh`).

use std::collections::BTreeMap;
use std::path::Path;
use std::path::PathBuf;

use crate::common::Out;
use crate::common::TestEnv;
use crate::common::chart::ALICE;
use crate::common::chart::CAROL;
use crate::common::chart::Who;
use crate::common::chart::extension_files;

const A: &str = "com.example.alpha";
const B: &str = "com.example.bravo";
const C: &str = "com.example.charlie";

/// The default identity of [`TestEnv`] (a developer).
const DEV: Who = [
    ("GIT_AUTHOR_NAME", "Dev Eloper"),
    ("GIT_AUTHOR_EMAIL", "dev@example.com"),
    ("GIT_COMMITTER_NAME", "Dev Eloper"),
    ("GIT_COMMITTER_EMAIL", "dev@example.com"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum P {
    Dev,
    Carol,
    Alice,
}

const PEOPLE: [P; 3] = [P::Dev, P::Carol, P::Alice];

impl P {
    fn who(self) -> &'static Who {
        match self {
            P::Dev => &DEV,
            P::Carol => &CAROL,
            P::Alice => &ALICE,
        }
    }
    fn name(self) -> &'static str {
        match self {
            P::Dev => "dev",
            P::Carol => "carol",
            P::Alice => "alice",
        }
    }
}

/// A bare server with `hooks install --server` and one clone per person, set up the way the
/// README's team walkthrough does it.
struct Team {
    env: TestEnv,
    server: PathBuf,
    log: Vec<String>,
}

impl Team {
    fn new() -> Team {
        let env = TestEnv::new();
        let server = env.tmp.path().join("server.git");
        // A plain `git init --bare`: HEAD on an unborn `master`.
        env.git_in(
            env.tmp.path(),
            &["init", "-q", "--bare", server.to_str().unwrap()],
        );
        env.cekops_in(&server, &["hooks", "install", "--server"], &[])
            .code(0)
            .contains("HEAD now names `service`");
        let mut team = Team {
            env,
            server,
            log: Vec::new(),
        };
        for p in PEOPLE {
            let dir = team.dir(p);
            team.env.git_in(
                team.env.tmp.path(),
                &[
                    "clone",
                    "-q",
                    team.server.to_str().unwrap(),
                    dir.to_str().unwrap(),
                ],
            );
            if p == P::Dev {
                team.run(
                    p,
                    &[
                        "init",
                        "--reviewer",
                        "alice@example.com",
                        "--reviewer",
                        "bob@example.com",
                    ],
                )
                .code(0);
                team.run(p, &["push"]).code(0);
            }
        }
        for p in PEOPLE {
            team.run(p, &["fetch"]).code(0);
        }
        team
    }

    fn dir(&self, p: P) -> PathBuf {
        self.env.tmp.path().join(p.name())
    }

    fn run(&mut self, p: P, args: &[&str]) -> Out {
        let out = self.env.cekops_in(&self.dir(p), args, p.who());
        self.log.push(format!(
            "{}: cekops {} -> {}",
            p.name(),
            args.join(" "),
            out.code
        ));
        out
    }

    #[track_caller]
    fn git(&self, p: P, args: &[&str]) -> String {
        let out = self.env.git_try_in(&self.dir(p), args, p.who());
        assert_eq!(out.code, 0, "git {args:?} failed: {}", out.stderr);
        out.stdout.trim_end().to_string()
    }

    fn rev_in(&self, dir: &Path, name: &str) -> Option<String> {
        let out = self
            .env
            .git_try_in(dir, &["rev-parse", "--verify", "-q", name], &[]);
        (out.code == 0).then(|| out.stdout.trim().to_string())
    }

    fn server_rev(&self, name: &str) -> Option<String> {
        self.rev_in(&self.server, name)
    }

    /// `git checkout -b test/<id> service`, the files of a valid extension, commit, detach.
    fn new_extension(&mut self, p: P, id: &str, invocation: &str) {
        self.git(
            p,
            &["checkout", "-q", "-b", &format!("test/{id}"), "service"],
        );
        self.write_files(p, extension_files(id, invocation));
        self.git(p, &["add", "-A"]);
        self.git(p, &["commit", "-q", "-m", &format!("new {id}")]);
        self.git(p, &["checkout", "-q", "--detach"]);
        self.log
            .push(format!("{}: git commit (new {id})", p.name()));
    }

    /// A new extension with its review requested and pushed.
    fn requested(&mut self, p: P, id: &str, invocation: &str) {
        self.new_extension(p, id, invocation);
        self.run(p, &["review", "request", id, "-m", "please"])
            .code(0);
        self.push(p).unwrap();
    }

    fn write_files(&self, p: P, files: Vec<(String, Vec<u8>)>) {
        for (path, content) in files {
            let full = self.dir(p).join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, content).unwrap();
        }
    }

    /// A plain `git commit` on `test/<id>` changing the help intent; `false` when the branch
    /// does not exist here.
    fn commit(&mut self, p: P, id: &str, n: u64) -> bool {
        let branch = format!("test/{id}");
        if self.rev_in(&self.dir(p), &branch).is_none() {
            return false;
        }
        self.git(p, &["checkout", "-q", &branch]);
        let variants = [
            "[\"도와줘\"]",
            "[\"도와줘\", \"도움말\"]",
            "[\"도움이 필요해\"]",
        ];
        let path = format!("extensions/{id}/interaction-model/intents/HelpIntent.toml");
        let before = std::fs::read_to_string(self.dir(p).join(&path)).unwrap_or_default();
        let mut text = String::new();
        for k in 0..3 {
            text = format!("utterances = {}\n", variants[((n + k) % 3) as usize]);
            if text != before {
                break;
            }
        }
        self.write_files(p, vec![(path, text.into_bytes())]);
        self.git(p, &["add", "-A"]);
        self.git(
            p,
            &["commit", "-q", "-m", &format!("help intent, step {n}")],
        );
        self.git(p, &["checkout", "-q", "--detach"]);
        self.log
            .push(format!("{}: git commit on {branch}", p.name()));
        true
    }

    fn status_json(&mut self, p: P) -> String {
        let out = self.run(p, &["status", "--format", "json"]);
        assert_eq!(out.code, 0, "status failed in {}: {}", p.name(), out.stderr);
        out.stdout
    }

    /// The routine push: when refused, `cekops fetch` and push again must succeed.
    fn push(&mut self, p: P) -> Result<(), String> {
        let out = self.run(p, &["push"]);
        if out.code == 0 {
            return Ok(());
        }
        let first = out.both();
        let f = self.run(p, &["fetch"]);
        if f.code != 0 {
            return Err(format!(
                "fetch after a refused push failed:\n{first}\n{}",
                f.both()
            ));
        }
        let again = self.run(p, &["push"]);
        if again.code != 0 {
            return Err(format!(
                "push still refused after fetch:\nfirst push:\n{first}\nsecond push:\n{}",
                again.both()
            ));
        }
        Ok(())
    }
}

fn assert_no_panic(out: &Out, what: &str) -> Result<(), String> {
    if out.code == 101 || out.stderr.contains("panicked") {
        return Err(format!("{what} panicked:\n{}", out.both()));
    }
    Ok(())
}

/// After everyone pushed and fetched, every clone and the server report the same
/// `status --format json`, and the server passes `cekops audit`.
fn converge(team: &mut Team) -> Result<(), String> {
    for p in PEOPLE {
        team.push(p)?;
    }
    for p in PEOPLE {
        let f = team.run(p, &["fetch"]);
        if f.code != 0 {
            return Err(format!("fetch failed for {}: {}", p.name(), f.both()));
        }
    }
    let audit = team.env.cekops_in(&team.server.clone(), &["audit"], &[]);
    if audit.code != 0 {
        return Err(format!(
            "`cekops audit` on the server failed:\n{}",
            audit.both()
        ));
    }
    let server = team
        .env
        .cekops_in(&team.server.clone(), &["status", "--format", "json"], &[]);
    let want = server.stdout.clone();
    for p in PEOPLE {
        let got = team.status_json(p);
        if got != want {
            return Err(format!(
                "{}'s status differs from the server's:\nserver:\n{want}\n{}:\n{got}",
                p.name(),
                p.name()
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Scenarios

#[test]
fn test_team_setup_clones_check_out_service() {
    let team = Team::new();
    for p in [P::Carol, P::Alice] {
        assert_eq!(team.git(p, &["symbolic-ref", "HEAD"]), "refs/heads/service");
        assert!(team.dir(p).join("cekops.toml").is_file());
    }
    assert_eq!(
        team.env.git_in(&team.server, &["symbolic-ref", "HEAD"]),
        "refs/heads/service"
    );
}

/// A bare server and one clone of it, with `cekops init ARGS` run and pushed; returns the
/// push's output and the folder a fresh `git clone` of the server made.
fn init_and_push_to_empty_server(hook: bool, init: &[&str]) -> (TestEnv, PathBuf, Out, PathBuf) {
    let env = TestEnv::new();
    let tmp = env.tmp.path().to_path_buf();
    let server = tmp.join("server.git");
    env.git_in(&tmp, &["init", "-q", "--bare", server.to_str().unwrap()]);
    if hook {
        env.cekops_in(&server, &["hooks", "install", "--server"], &[])
            .code(0);
    }
    let first = tmp.join("first");
    env.git_in(
        &tmp,
        &[
            "clone",
            "-q",
            server.to_str().unwrap(),
            first.to_str().unwrap(),
        ],
    );
    let mut args = vec!["init"];
    args.extend_from_slice(init);
    env.cekops_in(&first, &args, &[]).code(0);
    let pushed = env.cekops_in(&first, &["push"], &[]);
    pushed.code(0);
    let fresh = tmp.join("fresh");
    env.git_in(
        &tmp,
        &[
            "clone",
            "-q",
            server.to_str().unwrap(),
            fresh.to_str().unwrap(),
        ],
    );
    (env, server, pushed, fresh)
}

#[test]
fn test_server_hook_points_head_at_a_service_branch_named_otherwise() {
    let (env, server, pushed, fresh) =
        init_and_push_to_empty_server(true, &["--service-branch", "main"]);
    assert_eq!(
        env.git_in(&server, &["symbolic-ref", "HEAD"]),
        "refs/heads/main"
    );
    pushed.lacks("HEAD");
    assert_eq!(
        env.git_in(&fresh, &["symbolic-ref", "HEAD"]),
        "refs/heads/main"
    );
    assert!(fresh.join("cekops.toml").is_file());
}

#[test]
fn test_push_says_how_to_fix_a_server_head_that_is_not_service() {
    // A plain bare server without the cekops hook: its HEAD names the unborn `master`.
    let (env, server, pushed, fresh) = init_and_push_to_empty_server(false, &[]);
    pushed.contains(
        "warning: `origin`'s HEAD names no existing branch: a fresh `git clone` checks out nothing, not the service branch `service`",
    );
    pushed.contains("`git symbolic-ref HEAD refs/heads/service`");
    assert!(!fresh.join("cekops.toml").exists());
    // Doing what the hint says on the server makes the next clone land on `service`.
    env.git_in(&server, &["symbolic-ref", "HEAD", "refs/heads/service"]);
    let again = env.tmp.path().join("again");
    env.git_in(
        env.tmp.path(),
        &[
            "clone",
            "-q",
            server.to_str().unwrap(),
            again.to_str().unwrap(),
        ],
    );
    assert_eq!(
        env.git_in(&again, &["symbolic-ref", "HEAD"]),
        "refs/heads/service"
    );
    assert!(again.join("cekops.toml").is_file());
}

#[test]
fn test_push_never_overwrites_the_owners_newer_sync() {
    let mut team = Team::new();
    team.new_extension(P::Dev, A, "알파봇");
    team.new_extension(P::Carol, B, "브라보봇");
    team.push(P::Dev).unwrap();
    team.push(P::Carol).unwrap();
    // Alice gets local copies of both test branches.
    team.run(P::Alice, &["fetch"]).code(0);
    // B goes into service: `service` moves.
    team.run(P::Carol, &["review", "request", B, "-m", "b"])
        .code(0);
    team.push(P::Carol).unwrap();
    team.run(P::Alice, &["fetch"]).code(0);
    team.run(P::Alice, &["review", "approve", B]).code(0);
    team.push(P::Alice).unwrap();
    // Dev syncs A onto the new service, commits more and pushes.
    team.run(P::Dev, &["fetch"]).code(0);
    team.run(P::Dev, &["sync", A]).code(0);
    assert!(team.commit(P::Dev, A, 1));
    team.run(P::Dev, &["push"])
        .code(0)
        .contains(&format!("refs/heads/test/{A}"));
    let dev_tip = team.server_rev(&format!("test/{A}")).unwrap();
    // Alice's routine push with her stale copy of test/A leaves the server's alone.
    team.run(P::Alice, &["push"])
        .code(0)
        .lacks(&format!("test/{A}"));
    assert_eq!(team.server_rev(&format!("test/{A}")).unwrap(), dev_tip);
    // Her fetch follows the owner's rewrite.
    team.run(P::Alice, &["fetch"])
        .code(0)
        .contains(&format!("test/{A}: follows the remote's rewrite"));
    assert_eq!(
        team.rev_in(&team.dir(P::Alice), &format!("test/{A}"))
            .unwrap(),
        dev_tip
    );
    converge(&mut team).unwrap();
}

#[test]
fn test_a_local_copy_with_its_own_commits_is_never_pushed_over_the_owners() {
    let mut team = Team::new();
    team.new_extension(P::Dev, A, "알파봇");
    team.push(P::Dev).unwrap();
    team.run(P::Carol, &["fetch"]).code(0);
    assert!(team.commit(P::Dev, A, 1));
    team.push(P::Dev).unwrap();
    // Carol commits on her copy too: both sides have commits the other lacks.
    assert!(team.commit(P::Carol, A, 2));
    let carol_tip = team
        .rev_in(&team.dir(P::Carol), &format!("test/{A}"))
        .unwrap();
    let server_tip = team.server_rev(&format!("test/{A}")).unwrap();
    team.run(P::Carol, &["push"])
        .code(0)
        .contains(&format!("not pushed `test/{A}`"));
    assert_eq!(team.server_rev(&format!("test/{A}")).unwrap(), server_tip);
    team.run(P::Carol, &["fetch"])
        .code(0)
        .contains("both left intact");
    assert_eq!(
        team.rev_in(&team.dir(P::Carol), &format!("test/{A}"))
            .unwrap(),
        carol_tip
    );
}

#[test]
fn test_concurrent_review_requests_both_land() {
    let mut team = Team::new();
    team.new_extension(P::Dev, A, "알파봇");
    team.new_extension(P::Carol, B, "브라보봇");
    team.push(P::Dev).unwrap();
    team.push(P::Carol).unwrap();
    team.run(P::Dev, &["review", "request", A, "-m", "a"])
        .code(0);
    team.run(P::Carol, &["review", "request", B, "-m", "b"])
        .code(0);
    team.run(P::Dev, &["push"]).code(0);
    // Carol's records diverged: push merges them by itself.
    team.run(P::Carol, &["push"])
        .code(0)
        .contains("had moved: fetched first (as `cekops fetch` does)")
        .contains(&format!(
            "request of `{B}` #1 by carol@example.com: replayed"
        ));
    team.run(P::Alice, &["fetch"]).code(0);
    let list = team.run(P::Alice, &["review", "list"]);
    list.code(0).contains(A).contains(B);
    team.run(P::Alice, &["review", "approve", A]).code(0);
    team.push(P::Alice).unwrap();
    // `service` moved: Carol syncs B (recorded on her review), then Alice approves it.
    team.run(P::Carol, &["fetch"]).code(0);
    team.run(P::Carol, &["sync", B]).code(0);
    team.push(P::Carol).unwrap();
    team.run(P::Alice, &["fetch"]).code(0);
    team.run(P::Alice, &["review", "approve", B]).code(0);
    team.push(P::Alice).unwrap();
    converge(&mut team).unwrap();
}

#[test]
fn test_a_taken_review_number_is_renumbered() {
    let mut team = Team::new();
    team.new_extension(P::Dev, A, "알파봇");
    team.push(P::Dev).unwrap();
    team.run(P::Carol, &["fetch"]).code(0);
    // Carol requests and withdraws #1 of A; dev, not knowing, requests #1 too.
    team.run(P::Carol, &["review", "request", A, "-m", "try"])
        .code(0);
    team.run(P::Carol, &["review", "cancel", A]).code(0);
    team.push(P::Carol).unwrap();
    team.run(P::Dev, &["review", "request", A, "-m", "mine"])
        .code(0);
    team.run(P::Dev, &["push"]).code(0).contains(&format!(
        "request of `{A}` #1 by dev@example.com: replayed as #2"
    ));
    let two = team.env.git_in(
        &team.server,
        &["show", &format!("cekops/records:{A}/2.toml")],
    );
    assert!(two.contains("state = \"open\""), "{two}");
    assert!(two.contains("mine"), "{two}");
    converge(&mut team).unwrap();
}

#[test]
fn test_two_conflicting_decisions_one_wins_and_the_loser_is_told() {
    let mut team = Team::new();
    team.requested(P::Dev, A, "알파봇");
    team.run(P::Alice, &["fetch"]).code(0);
    // Dev withdraws and pushes first; Alice approves the review she still sees.
    team.run(P::Dev, &["review", "cancel", A]).code(0);
    team.push(P::Dev).unwrap();
    let server_service = team.server_rev("service").unwrap();
    team.run(P::Alice, &["review", "approve", A]).code(0);
    let out = team.run(P::Alice, &["push"]);
    out.code(0).contains(&format!(
        "approve of `{A}` #1 by alice@example.com: dropped, #1 was cancelled by dev@example.com meanwhile"
    ));
    // The cancellation won: service did not move, and Alice's clone follows.
    assert_eq!(team.server_rev("service").unwrap(), server_service);
    assert_eq!(
        team.rev_in(&team.dir(P::Alice), "service").unwrap(),
        server_service
    );
    converge(&mut team).unwrap();
}

#[test]
fn test_deletions_are_durable_until_restore() {
    let mut team = Team::new();
    team.new_extension(P::Dev, C, "찰리봇");
    team.new_extension(P::Dev, A, "알파봇");
    team.push(P::Dev).unwrap();
    team.run(P::Carol, &["fetch"]).code(0);
    team.run(P::Alice, &["fetch"]).code(0);
    team.run(P::Dev, &["delete", C]).code(0);
    team.push(P::Dev).unwrap();
    assert_eq!(team.server_rev(&format!("test/{C}")), None);
    // Alice's routine push with her stale copy does not bring it back; her fetch drops it.
    team.run(P::Alice, &["push"])
        .code(0)
        .lacks(&format!("test/{C}"));
    assert_eq!(team.server_rev(&format!("test/{C}")), None);
    team.run(P::Alice, &["fetch"])
        .code(0)
        .contains(&format!("test/{C}: deleted"));
    assert_eq!(team.rev_in(&team.dir(P::Alice), &format!("test/{C}")), None);
    // Carol had committed on her copy: her push learns of the deletion and skips it.
    assert!(team.commit(P::Carol, C, 1));
    team.run(P::Carol, &["push"]).code(0).contains(&format!(
        "not pushed `test/{C}`: deleted by dev@example.com"
    ));
    assert_eq!(team.server_rev(&format!("test/{C}")), None);
    // Nor does a raw git push: the server hook refuses it.
    let raw = team.env.git_try_in(
        &team.dir(P::Carol),
        &["push", "origin", &format!("test/{C}")],
        &[],
    );
    assert_ne!(raw.code, 0);
    assert!(raw.stderr.contains("stays deleted"), "{}", raw.stderr);
    // Her fetch keeps her copy (it has a commit of its own) and says so.
    team.run(P::Carol, &["fetch"]).code(0).contains(&format!(
        "`test/{C}` was deleted on `origin` with a record, but your copy has commits of its own"
    ));
    assert!(
        team.rev_in(&team.dir(P::Carol), &format!("test/{C}"))
            .is_some()
    );
    // Her status shows it deleted all the same, and says what her copy is.
    let status = team.run(P::Carol, &["status", C]);
    status.code(0).contains(&format!(
        "`test/{C}` was deleted (a deletion record), but this clone still has a copy"
    ));
    assert!(status.stdout.contains("Deleted"), "{}", status.stdout);
    team.git(P::Carol, &["branch", "-D", &format!("test/{C}")]);
    converge(&mut team).unwrap();
    // Only restore brings it back.
    team.run(P::Carol, &["restore", C]).code(0);
    team.push(P::Carol).unwrap();
    assert!(team.server_rev(&format!("test/{C}")).is_some());
    converge(&mut team).unwrap();
}

#[test]
fn test_reviewer_approves_after_a_recorded_sync() {
    let mut team = Team::new();
    team.new_extension(P::Dev, A, "알파봇");
    team.new_extension(P::Carol, B, "브라보봇");
    team.run(P::Dev, &["review", "request", A, "-m", "a"])
        .code(0);
    team.run(P::Carol, &["review", "request", B, "-m", "b"])
        .code(0);
    team.push(P::Dev).unwrap();
    team.push(P::Carol).unwrap();
    team.run(P::Alice, &["fetch"]).code(0);
    team.run(P::Alice, &["review", "approve", B]).code(0);
    team.push(P::Alice).unwrap();
    // A's review is now behind service: dev syncs (recorded on the review) and pushes.
    team.run(P::Dev, &["fetch"]).code(0);
    team.run(P::Dev, &["sync", A]).code(0);
    team.push(P::Dev).unwrap();
    team.run(P::Alice, &["fetch"]).code(0);
    team.run(P::Alice, &["review", "approve", A]).code(0);
    team.push(P::Alice).unwrap();
    assert_eq!(
        team.server_rev("service"),
        team.server_rev(&format!("test/{A}"))
    );
    converge(&mut team).unwrap();
}

#[test]
fn test_a_server_refusal_is_shown_as_such() {
    let mut team = Team::new();
    team.requested(P::Dev, A, "알파봇");
    // Commit on the locked branch and push: the server hook refuses it.
    assert!(team.commit(P::Dev, A, 1));
    team.run(P::Dev, &["push"])
        .code(1)
        .contains("the server refused the push; no ref was updated")
        .contains("remote:")
        .contains("is under review")
        .lacks("someone else pushed first");
}

#[test]
fn test_network_failure_or_missing_git_leaves_nothing_half_done() {
    let mut team = Team::new();
    team.new_extension(P::Dev, A, "알파봇");
    team.run(P::Dev, &["review", "request", A, "-m", "a"])
        .code(0);
    let refs_before = team.git(P::Dev, &["for-each-ref"]);
    let url = team.server.to_str().unwrap().to_string();
    team.git(
        P::Dev,
        &["remote", "set-url", "origin", "/nonexistent/server.git"],
    );
    team.run(P::Dev, &["push"])
        .code(1)
        .contains("no ref was updated")
        .contains("run `cekops push` again");
    // `git` missing from PATH.
    let no_git = team.env.tmp.path().join("empty-bin");
    std::fs::create_dir_all(&no_git).unwrap();
    let out = team.env.cekops_in(
        &team.dir(P::Dev),
        &["push"],
        &[("PATH", no_git.to_str().unwrap())],
    );
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("cannot run `git`"), "{}", out.stderr);
    team.git(P::Dev, &["remote", "set-url", "origin", &url]);
    assert_eq!(team.git(P::Dev, &["for-each-ref"]), refs_before);
    team.run(P::Dev, &["push"]).code(0);
    assert_eq!(
        team.server_rev(&format!("test/{A}")),
        team.rev_in(&team.dir(P::Dev), &format!("test/{A}"))
    );
    converge(&mut team).unwrap();
}

// ---------------------------------------------------------------------------------------------
// The randomized simulation

/// SplitMix64: a tiny seeded generator (the simulation must replay exactly from its seed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Who owns which extension (only the owner develops it; the reviewer decides).
fn owned(p: P) -> &'static [(&'static str, &'static str)] {
    match p {
        P::Dev => &[(A, "알파봇"), (C, "찰리봇")],
        P::Carol => &[(B, "브라보봇")],
        P::Alice => &[],
    }
}

/// One random action by one person, usually with the routine around it (`cekops fetch` before,
/// `cekops push` after; sometimes skipped, so that actions interleave between fetches). The
/// command itself may legitimately refuse; it must never panic.
fn step(team: &mut Team, rng: &mut Rng, n: u64) -> Result<(), String> {
    let p = PEOPLE[rng.below(3)];
    if rng.below(10) < 7 {
        let f = team.run(p, &["fetch"]);
        if f.code != 0 {
            return Err(format!("fetch failed:\n{}", f.both()));
        }
    }
    act(team, rng, p, n)?;
    if rng.below(10) < 7 {
        team.push(p)?;
    }
    Ok(())
}

fn act(team: &mut Team, rng: &mut Rng, p: P, n: u64) -> Result<(), String> {
    if p == P::Alice {
        let id = [A, B, C][rng.below(3)];
        let out = match rng.below(10) {
            0..=5 => team.run(p, &["review", "approve", id]),
            6 => team.run(p, &["review", "reject", id, "-m", "not yet"]),
            7 => team.run(p, &["fetch"]),
            _ => return team.push(p),
        };
        return assert_no_panic(&out, "a reviewer's command");
    }
    let mine = owned(p);
    let (id, invocation) = mine[rng.below(mine.len())];
    let has_branch = team.rev_in(&team.dir(p), &format!("test/{id}")).is_some();
    let ever = team
        .rev_in(&team.dir(p), &format!("refs/remotes/origin/test/{id}"))
        .is_some()
        || has_branch;
    let out = match rng.below(16) {
        _ if !ever && rng.below(2) == 0 => {
            let out = team.run(p, &["new", id, "--language", "ko-KR", "--name", invocation]);
            if out.code == 0 {
                // Make it a complete extension, as a developer would.
                team.write_files(p, extension_files(id, invocation));
                team.git(p, &["add", "-A"]);
                team.git(p, &["commit", "-q", "-m", &format!("complete {id}")]);
            }
            team.git(p, &["checkout", "-q", "--detach"]);
            out
        }
        0..=2 => {
            // No commits on a branch under review: the owner knows it is locked.
            let open = team
                .run(p, &["review", "list"])
                .stdout
                .lines()
                .any(|l| l.starts_with(&format!("{id}#")));
            if !open {
                team.commit(p, id, n);
            }
            return Ok(());
        }
        3..=6 => team.run(p, &["review", "request", id, "-m", "please"]),
        7 => team.run(p, &["review", "cancel", id]),
        8..=9 => team.run(p, &["sync", id]),
        10 => team.run(p, &["stop", id, "--reason", "retired"]),
        11 => team.run(p, &["delete", id]),
        12 => team.run(p, &["restore", id]),
        13 => team.run(p, &["fetch"]),
        _ => return team.push(p),
    };
    assert_no_panic(&out, "a developer's command")
}

/// Test-branch commits the server ever held, by branch.
type Seen = BTreeMap<String, Vec<String>>;

/// After every step: nothing pushed is lost, the server passes `audit` and `git fsck`.
fn check(team: &Team, seen: &mut Seen) -> Result<(), String> {
    let env = &team.env;
    let server = &team.server;
    let heads = env.git_in(
        server,
        &[
            "for-each-ref",
            "--format=%(refname:short) %(objectname)",
            "refs/heads/test/",
        ],
    );
    for line in heads.lines() {
        let (b, c) = line.split_once(' ').unwrap();
        let list = seen.entry(b.to_string()).or_default();
        if !list.iter().any(|x| x == c) {
            list.push(c.to_string());
        }
    }
    for (branch, commits) in seen.iter() {
        let id = branch.strip_prefix("test/").unwrap();
        let tip = team.server_rev(branch);
        for c in commits {
            let kept = match &tip {
                Some(t) => {
                    env.git_try_in(server, &["merge-base", "--is-ancestor", c, t], &[])
                        .code
                        == 0
                        || replaced_by_sync(team, c, t, id)
                }
                // Removed by a deletion record: the records branch keeps the tip.
                None => {
                    env.git_try_in(
                        server,
                        &["merge-base", "--is-ancestor", c, "cekops/records"],
                        &[],
                    )
                    .code
                        == 0
                }
            };
            if !kept {
                return Err(format!(
                    "commit {c} pushed to `{branch}` is lost from the server (tip now {tip:?})"
                ));
            }
        }
    }
    let audit = env.cekops_in(server, &["audit"], &[]);
    if audit.code != 0 {
        return Err(format!(
            "`cekops audit` on the server failed:\n{}",
            audit.both()
        ));
    }
    let fsck = env.git_try_in(server, &["fsck", "--no-progress"], &[]);
    if fsck.code != 0 {
        return Err(format!("`git fsck` on the server failed:\n{}", fsck.both()));
    }
    Ok(())
}

/// Whether the server's `tip` holds a commit with the same message and extension folder as `c`
/// (a recorded `sync` replays commits that way).
fn replaced_by_sync(team: &Team, c: &str, tip: &str, id: &str) -> bool {
    let env = &team.env;
    let key = |commit: &str| -> String {
        let msg = env.git_in(
            &team.server,
            &["log", "-1", "--format=%an %ae %at%n%B", commit],
        );
        let tree = env
            .git_try_in(
                &team.server,
                &["rev-parse", &format!("{commit}:extensions/{id}")],
                &[],
            )
            .stdout;
        format!("{msg}\n{}", tree.trim())
    };
    let want = key(c);
    let list = env.git_in(&team.server, &["rev-list", tip]);
    list.lines().any(|x| key(x) == want)
}

fn simulate(seed: u64, steps: u64) -> Result<Vec<String>, (String, Vec<String>)> {
    let mut team = Team::new();
    let mut rng = Rng(seed);
    let mut seen = Seen::new();
    let mut go = || -> Result<(), String> {
        for n in 0..steps {
            step(&mut team, &mut rng, n)?;
            check(&team, &mut seen)?;
            if n % 10 == 9 {
                converge(&mut team)?;
                check(&team, &mut seen)?;
            }
        }
        converge(&mut team)?;
        check(&team, &mut seen)
    };
    let result = go();
    match result {
        Ok(()) => Ok(team.log.clone()),
        Err(e) => Err((e, team.log.clone())),
    }
}

/// Successful commands of the action log by kind (`review approve`, `push`...), to show that
/// the simulation did real work.
fn successes(log: &[String]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for line in log {
        let Some((_, cmd)) = line.split_once(": cekops ") else {
            continue;
        };
        if !cmd.ends_with("-> 0") {
            continue;
        }
        let w: Vec<&str> = cmd.split(' ').collect();
        let kind = if w[0] == "review" {
            format!("review {}", w[1])
        } else {
            w[0].to_string()
        };
        *out.entry(kind).or_insert(0) += 1;
    }
    out
}

/// [`simulate`] for every seed, in order. Each seed has its own server and clones, so they run
/// on one thread per core: the three default seeds are the longest test of the suite, and run
/// one after the other they kept a core idle at the end of `cargo test` (the soak's thousand
/// seeds also finish sooner). A panic in a seed fails the test as it did before.
fn simulate_all(seeds: &[u64], steps: u64) -> Vec<Result<Vec<String>, (String, Vec<String>)>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.min(seeds.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(seed) = seeds.get(i) else { break };
                    let result = simulate(*seed, steps);
                    results.lock().unwrap().insert(i, result);
                }
            });
        }
    });
    results.into_inner().unwrap().into_values().collect()
}

/// Seeds from `CEKOPS_SIM_SEEDS` (`7`, `1-1000`), else a few fixed ones.
fn seeds() -> Vec<u64> {
    match std::env::var("CEKOPS_SIM_SEEDS") {
        Ok(s) => match s.split_once('-') {
            Some((a, b)) => (a.trim().parse().unwrap()..=b.trim().parse().unwrap()).collect(),
            None => vec![s.trim().parse().unwrap()],
        },
        Err(_) => vec![1, 2, 3],
    }
}

#[test]
fn test_team_simulation() {
    let steps: u64 = std::env::var("CEKOPS_SIM_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24);
    let mut failures = Vec::new();
    let mut done: BTreeMap<String, usize> = BTreeMap::new();
    let list = seeds();
    for (seed, result) in list.iter().zip(simulate_all(&list, steps)) {
        match result {
            Ok(log) => {
                for (k, n) in successes(&log) {
                    *done.entry(k).or_insert(0) += n;
                }
            }
            Err((why, log)) => failures.push(format!(
                "seed {seed} failed: {why}\naction log (replay with CEKOPS_SIM_SEEDS={seed} CEKOPS_SIM_STEPS={steps}):\n  {}",
                log.join("\n  ")
            )),
        }
    }
    let counts: Vec<String> = done.iter().map(|(k, n)| format!("{k}: {n}")).collect();
    // The soak script (`scripts/soak.sh`) reads this summary.
    if let Ok(path) = std::env::var("CEKOPS_SIM_REPORT") {
        let summary = format!(
            "team simulation: {} seeds, {steps} steps each, {} failures\nsucceeded: {}\n{}",
            list.len(),
            failures.len(),
            counts.join(", "),
            failures.join("\n\n")
        );
        std::fs::write(path, summary).expect("write the simulation report");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // A harness whose actions all fail proves nothing.
    if failures.is_empty() && list.len() >= 3 {
        for kind in ["review request", "review approve", "push", "fetch", "sync"] {
            assert!(
                done.get(kind).is_some_and(|n| *n > 0),
                "no `{kind}` succeeded in the simulation: {}",
                counts.join(", ")
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The README walkthrough

/// Split a command line on spaces, keeping `"double quoted"` words together.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in line.chars() {
        match ch {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(ch),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[test]
fn test_readme_team_walkthrough() {
    let readme = std::fs::read_to_string(crate::common::project_path("README.md")).unwrap();
    let section = readme
        .split("\n## Working as a team\n")
        .nth(1)
        .expect("README.md has a `## Working as a team` section");
    let block: Vec<&str> = section
        .lines()
        .skip_while(|l| !l.starts_with("```console"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .collect();
    assert!(block.len() > 20, "the walkthrough is too short");
    let env = TestEnv::new();
    let root = env.tmp.path().to_path_buf();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut transcript = String::new();
    for line in block {
        let (who, cmd) = line.split_once("$ ").expect("`who$ command` lines");
        let (dir, ident): (PathBuf, &Who) = match who {
            "" => (root.clone(), &DEV),
            "dev" => (root.join("dev"), &DEV),
            "carol" => (root.join("carol"), &CAROL),
            "alice" => (root.join("alice"), &ALICE),
            other => panic!("unknown person `{other}` in the walkthrough"),
        };
        let w = words(cmd);
        let args: Vec<&str> = w.iter().skip(1).map(String::as_str).collect();
        let out = match w[0].as_str() {
            "cekops" => {
                if args.first() == Some(&"new") {
                    let name = args
                        .iter()
                        .position(|a| *a == "--name")
                        .map(|i| args[i + 1].to_string())
                        .unwrap();
                    names.insert(args[1].to_string(), name);
                }
                env.cekops_in(&dir, &args, ident)
            }
            "git" => env.git_try_in(&dir, &args, ident),
            "$EDITOR" => {
                let id = args[0].strip_prefix("extensions/").unwrap();
                for (p, c) in extension_files(id, &names[id]) {
                    let full = dir.join(p);
                    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                    std::fs::write(full, c).unwrap();
                }
                continue;
            }
            other => panic!("the walkthrough runs only cekops, git and $EDITOR, not `{other}`"),
        };
        transcript.push_str(&format!("{line}\n{}", out.both()));
        assert_eq!(out.code, 0, "`{line}` failed:\n{transcript}");
    }
    // The end state: both extensions in service, the same status everywhere.
    let want = env.cekops_in(&root.join("team.git"), &["status", "--format", "json"], &[]);
    want.code(0)
        .contains("com.example.pizzabot")
        .contains("com.example.quiz");
    for p in ["dev", "carol", "alice"] {
        env.cekops_in(&root.join(p), &["fetch"], &[]).code(0);
        let got = env.cekops_in(&root.join(p), &["status", "--format", "json"], &[]);
        assert_eq!(got.stdout, want.stdout, "{p}'s status differs");
    }
    env.cekops_in(&root.join("team.git"), &["audit"], &[])
        .code(0);
}

#[test]
fn test_status_in_a_fresh_clone_names_the_command_to_run() {
    let mut team = Team::new();
    team.requested(P::Dev, A, "알파봇");
    let fresh = team.env.tmp.path().join("fresh");
    team.env.git_in(
        team.env.tmp.path(),
        &[
            "clone",
            "-q",
            team.server.to_str().unwrap(),
            fresh.to_str().unwrap(),
        ],
    );
    team.env
        .cekops_in(&fresh, &["status"], &[])
        .code(0)
        .contains(&format!(
            "the remote has branches this clone has no local copy of yet, so this status is incomplete: `cekops/records`, `test/{A}`"
        ))
        .contains("run `cekops fetch` to create them");
    team.env.cekops_in(&fresh, &["fetch"], &[]).code(0);
    let after = team
        .env
        .cekops_in(&fresh, &["status", "--format", "json"], &[]);
    after.code(0).lacks("no local copy");
    assert_eq!(after.stdout, team.status_json(P::Dev));
}
