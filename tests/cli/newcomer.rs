//! The first ten minutes (issue 18): `cekops` without a command names the one command to run
//! next wherever it is started, `cekops status` in a fresh clone says to fetch, and
//! `cekops --version` names the commit the binary was built from.

use std::path::Path;

use crate::common::TestEnv;
use crate::common::chart::*;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

const A: &str = "com.example.alpha";

#[test]
fn test_bare_cekops_names_the_next_command_everywhere() {
    let env = TestEnv::new();
    let mut t = Transcript::new(&env);
    t.note("a folder that is not in a git repository");
    t.cekops(&[]).code(2).contains("next: cekops init");
    t.note("the same, named with -C");
    t.cekops_in(env.tmp.path(), &["-C", "repo"], &[])
        .code(2)
        .contains("next: cekops init");
    t.note("a git repository that is not an extension repository");
    env.git(&["init", "-q", "-b", "main"]);
    t.cekops(&[]).code(2).contains("next: cekops init");
    t.cekops(&["status"]).code(1).contains("`cekops init`");

    t.note("an extension repository, pushed to a bare remote");
    setup_pushed(&env);
    let remote = env.tmp.path().join("remote.git");
    t.cekops(&[]).code(2).contains("next: cekops status");
    t.cekops_in(&remote, &[], &[])
        .code(2)
        .contains("next: cekops hooks install --server");

    t.note("a fresh clone: `service` is checked out, the records are only on the remote");
    let clone = env.clone_remote(&remote, "clone");
    t.cekops_in(&clone, &[], &[])
        .code(2)
        .contains("next: cekops fetch");
    t.cekops_in(&clone, &["status"], &[])
        .code(0)
        .contains("run `cekops fetch`")
        .lacks("no approval record explains");
    t.note("after the fetch, the repository is complete");
    t.cekops_in(&clone, &["fetch"], &[]).code(0);
    t.cekops_in(&clone, &[], &[])
        .code(2)
        .contains("next: cekops status");
    t.cekops_in(&clone, &["status"], &[])
        .code(0)
        .lacks("cekops fetch");

    t.note("a fresh clone whose checked-out branch is not `service`");
    env.git_in(
        &remote,
        &["symbolic-ref", "HEAD", &format!("refs/heads/test/{A}")],
    );
    let other = env.clone_remote(&remote, "other");
    t.cekops_in(&other, &[], &[])
        .code(2)
        .contains("next: cekops fetch");
    t.cekops_in(&other, &["status"], &[])
        .code(1)
        .contains("`cekops fetch`");
    snapshot!(&env, "newcomer-next-command", t.text());
}

/// An extension in service, pushed to `<tmp>/remote.git`.
fn setup_pushed(env: &TestEnv) {
    // `setup` commits `cekops.toml` on a new `service` branch of the existing repository.
    env.write("cekops.toml", CONFIG);
    env.git(&["checkout", "-q", "-b", "service"]);
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", "init"]);
    in_service(env, A, "알파봇");
    env.bare_remote();
    env.cekops(&["push"]).code(0);
}

#[test]
fn test_version_names_the_commit_it_was_built_from() {
    let env = TestEnv::new();
    let out = env.cekops(&["--version"]);
    out.code(0);
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Only when this build is from a git work tree (the build script says nothing otherwise).
    let head = env.git_try_in(project, &["rev-parse", "--show-toplevel"], &[]);
    let is_top = head.code == 0
        && Path::new(head.stdout.trim()).canonicalize().ok() == project.canonicalize().ok();
    if !is_top {
        out.contains(&format!("cekops {}", env!("CARGO_PKG_VERSION")));
        return;
    }
    let commit = env.git_in(project, &["rev-parse", "--short=12", "HEAD"]);
    let date = env.git_in(project, &["log", "-1", "--format=%cs"]);
    out.contains(&format!(
        "cekops {} (commit {commit}, {date}",
        env!("CARGO_PKG_VERSION")
    ));
    // `-V` stays short (the man page and `--help` of subcommands use it too).
    env.cekops(&["-V"])
        .code(0)
        .contains(&format!("cekops {}\n", env!("CARGO_PKG_VERSION")))
        .lacks("commit");
}
