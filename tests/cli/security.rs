//! Attacks on the protected branch, tried as someone with push access would: real ssh keys made
//! by `ssh-keygen` in the temp folder, a bare server with `cekops hooks install --server`, and
//! three clones (carol the developer, alice and bob the reviewers). Every attack must be refused
//! by `review approve`, by `audit` and by the server; the legitimate flow must work.

use std::path::Path;
use std::path::PathBuf;

use crate::common::Out;
use crate::common::TestEnv;
use crate::common::chart::new_extension;
use crate::common::chart::setup;
use crate::common::tool_or_skip;

const A: &str = "com.example.alpha";
const TEST_A: &str = "test/com.example.alpha";
const RECORDS: &str = "cekops/records";
const SIGNED: &str = "[review]\nreviewers = [\"alice@example.com\", \"bob@example.com\"]\nrequired_approvals = 1\nrequire_signed = true\nallowed_signers = \".cekops/allowed_signers\"\n";

struct Person {
    name: &'static str,
    email: &'static str,
    key: PathBuf,
    clone: PathBuf,
}

impl Person {
    fn env(&self) -> Vec<(&str, &str)> {
        vec![
            ("GIT_AUTHOR_NAME", self.name),
            ("GIT_AUTHOR_EMAIL", self.email),
            ("GIT_COMMITTER_NAME", self.name),
            ("GIT_COMMITTER_EMAIL", self.email),
        ]
    }
}

struct World {
    env: TestEnv,
    server: PathBuf,
    allowed: PathBuf,
    carol: Person,
    alice: Person,
    bob: Person,
}

fn keygen(dir: &Path, name: &str) -> PathBuf {
    let key = dir.join(name);
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    key
}

fn pubkey(key: &Path) -> String {
    let text = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let mut parts = text.split_whitespace();
    format!("{} {}", parts.next().unwrap(), parts.next().unwrap())
}

impl World {
    fn run(&self, who: &Person, args: &[&str]) -> Out {
        self.env.cekops_in(&who.clone, args, &who.env())
    }
    fn git(&self, who: &Person, args: &[&str]) -> Out {
        self.env.git_try_in(&who.clone, args, &who.env())
    }
    fn server_rev(&self, r: &str) -> String {
        self.env.git_in(&self.server, &["rev-parse", r])
    }
    fn server_refs(&self) -> String {
        self.env.git_in(&self.server, &["for-each-ref"])
    }
    /// A push the server must refuse, leaving its refs as they were.
    #[track_caller]
    fn refused_push(&self, who: &Person, args: &[&str], why: &str) {
        let before = self.server_refs();
        let mut all = vec!["push", "origin"];
        all.extend(args);
        let out = self.git(who, &all);
        assert_ne!(out.code, 0, "push {args:?} accepted:\n{}", out.both());
        out.contains("cekops pre-receive").contains(why);
        assert_eq!(self.server_refs(), before, "push {args:?} moved refs");
    }
}

/// Keys for carol, alice and bob; `service` with the signed policy and `test/<A>`, on a bare
/// server with the hook; a clone per person signing with their own key.
fn world(test: &str) -> Option<World> {
    tool_or_skip(test, "ssh-keygen", "CEKOPS_SSH_KEYGEN", "apt-get install openssh-client")?;
    let env = TestEnv::new();
    let keys = env.root.parent().unwrap().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let (kc, ka, kb) = (
        keygen(&keys, "carol"),
        keygen(&keys, "alice"),
        keygen(&keys, "bob"),
    );
    let allowed_text = format!(
        "alice@example.com {}\nbob@example.com {}\ncarol@example.com {}\n",
        pubkey(&ka),
        pubkey(&kb),
        pubkey(&kc)
    );
    env.write(".cekops/allowed_signers", &allowed_text);
    setup(&env, SIGNED);
    new_extension(&env, A, "알파봇");
    let allowed = keys.join("allowed_signers");
    std::fs::write(&allowed, &allowed_text).unwrap();
    let server = env.bare_remote();
    env.cekops_in(&server, &["hooks", "install", "--server"], &[])
        .code(0)
        .contains("pre-receive");
    env.git(&["push", "-q", "origin", "service", TEST_A]);
    let base = env.root.parent().unwrap().to_path_buf();
    let person = |name: &'static str, email: &'static str, key: PathBuf| {
        let clone = base.join(format!("clone-{name}"));
        env.git_in(
            &base,
            &["clone", "-q", server.to_str().unwrap(), clone.to_str().unwrap()],
        );
        env.git_in(&clone, &["config", "gpg.format", "ssh"]);
        env.git_in(&clone, &["config", "user.signingKey", key.to_str().unwrap()]);
        env.git_in(&clone, &["branch", "-q", TEST_A, &format!("origin/{TEST_A}")]);
        Person {
            name,
            email,
            key,
            clone,
        }
    };
    let carol = person("Carol Dev", "carol@example.com", kc);
    let alice = person("Alice Reviewer", "alice@example.com", ka);
    let bob = person("Bob Reviewer", "bob@example.com", kb);
    Some(World {
        env,
        server,
        allowed,
        carol,
        alice,
        bob,
    })
}

/// Carol requests a review of `A` and pushes the signed request; the reviewers fetch it.
fn requested(w: &World) {
    w.run(&w.carol, &["review", "request", A, "-m", "please"])
        .code(0);
    w.git(&w.carol, &["push", "-q", "origin", RECORDS]).code(0);
    for p in [&w.alice, &w.bob] {
        w.git(p, &["fetch", "-q", "origin", &format!("{RECORDS}:{RECORDS}")])
            .code(0);
    }
}

#[test]
fn test_legitimate_signed_flow_works_and_plain_git_verifies_it() {
    let Some(w) = world("test_legitimate_signed_flow_works_and_plain_git_verifies_it") else {
        return;
    };
    requested(&w);
    let tip = w.env.git_in(&w.bob.clone, &["rev-parse", TEST_A]);
    w.run(&w.bob, &["review", "approve", A]).code(0);
    assert_eq!(w.env.git_in(&w.bob.clone, &["rev-parse", "service"]), tip);
    w.git(&w.bob, &["push", "-q", "origin", "service", RECORDS])
        .code(0);
    assert_eq!(w.server_rev("service"), tip);
    w.run(&w.bob, &["audit"])
        .code(0)
        .contains("every one of")
        .lacks("self-asserted");
    w.run(&w.bob, &["review", "show", A])
        .code(0)
        .contains("signed-and-verified");
    // Plain git verifies every records commit with the same allowed-signers file.
    let log = w.env.git_in(
        &w.bob.clone,
        &[
            "-c",
            &format!("gpg.ssh.allowedSignersFile={}", w.allowed.display()),
            "log",
            "--show-signature",
            RECORDS,
        ],
    );
    assert!(log.contains("Good \"git\" signature for bob@example.com"), "{log}");
    assert!(log.contains("Good \"git\" signature for carol@example.com"), "{log}");
}

#[test]
fn test_attacks_on_signed_approvals_are_refused() {
    let Some(w) = world("test_attacks_on_signed_approvals_are_refused") else {
        return;
    };
    requested(&w);
    let service = w.server_rev("service");
    let tip = w.server_rev(TEST_A);
    let mut tried = 0;

    // 1. Anyone can approve: carol claims alice's address; her key is listed for carol only.
    tried += 1;
    w.env
        .cekops_in(
            &w.carol.clone,
            &["review", "approve", A],
            &[
                ("GIT_AUTHOR_EMAIL", "alice@example.com"),
                ("GIT_COMMITTER_EMAIL", "alice@example.com"),
            ],
        )
        .code(1)
        .contains("carol@example.com, who is not a reviewer");
    assert_eq!(w.env.git_in(&w.carol.clone, &["rev-parse", "service"]), service);

    // 2. A hand-written approval (alice's e-mail, carol's signature) pushed with `service`:
    //    the server refuses, audit finds it, and alice's `review approve` does not finish it.
    tried += 1;
    let forged = forge_approval(&w, &w.carol, &service, &tip);
    w.env.git_in(&w.carol.clone, &["update-ref", &format!("refs/heads/{RECORDS}"), &forged]);
    w.env.git_in(&w.carol.clone, &["update-ref", "refs/heads/service", &tip]);
    w.refused_push(&w.carol, &["service", RECORDS], "who is not a reviewer");
    w.run(&w.carol, &["audit"])
        .code(1)
        .contains("who is not a reviewer");
    tried += 1;
    w.env.git_in(&w.alice.clone, &["fetch", "-q", w.carol.clone.to_str().unwrap(), &format!("{RECORDS}:{RECORDS}")]);
    w.run(&w.alice, &["review", "approve", A])
        .code(1)
        .contains("says it is approved");
    assert_eq!(w.env.git_in(&w.alice.clone, &["rev-parse", "service"]), service);

    // 3. An unsigned record event pushed by plain git is refused.
    tried += 1;
    w.env.git_in(&w.bob.clone, &["-c", "user.signingKey=", "config", "--unset", "user.signingKey"]);
    w.env
        .cekops_in(&w.bob.clone, &["review", "reject", A, "-m", "no"], &w.bob.env())
        .code(1)
        .contains("no signing key");
    eprintln!("security: {tried} attacks tried, {tried} refused");
}

/// A records commit that marks review #1 of `A` approved by "alice" and moving `service` from
/// `before` to `after`, signed with `who`'s key (made with plain git plumbing).
fn forge_approval(w: &World, who: &Person, before: &str, after: &str) -> String {
    let dir = &who.clone;
    let path = format!("{A}/1.toml");
    let text = w.env.git_in(dir, &["show", &format!("{RECORDS}:{path}")]);
    let tree_id = w.env.git_in(dir, &["rev-parse", &format!("{TEST_A}:extensions/{A}")]);
    let forged = text.replace("state = \"open\"", "state = \"approved\"")
        + &format!(
            "\n[[events]]\naction = \"approve\"\nname = \"Alice Reviewer\"\nemail = \"alice@example.com\"\nat = \"2026-01-02T00:00:00+00:00\"\ncommit = \"{after}\"\ntree = \"{tree_id}\"\nservice_before = \"{before}\"\nservice_after = \"{after}\"\n"
        );
    let file = dir.join("forged.toml");
    std::fs::write(&file, forged).unwrap();
    let blob = w.env.git_in(dir, &["hash-object", "-w", file.to_str().unwrap()]);
    let idx = dir.join("forged-index");
    let envs = [("GIT_INDEX_FILE", idx.to_str().unwrap())];
    assert_eq!(w.env.git_try_in(dir, &["read-tree", RECORDS], &envs).code, 0);
    assert_eq!(
        w.env
            .git_try_in(dir, &["update-index", "--add", "--cacheinfo", &format!("100644,{blob},{path}")], &envs)
            .code,
        0
    );
    let tree = w.env.git_try_in(dir, &["write-tree"], &envs).stdout.trim().to_string();
    let _ = &who.key;
    w.env.git_in(
        dir,
        &["commit-tree", "-S", &tree, "-p", RECORDS, "-m", "review approve (forged)"],
    )
}
