//! Compare-and-swap ref updates. Several refs that move together are all locked first, checked
//! against the values the caller read, and only then written, in the caller's order: either all
//! move or (short of a crash between two renames) none does.

use std::path::PathBuf;
use std::time::Duration;
use std::time::Instant;

use anyhow::Result;

use super::Oid;
use super::Repository;
use super::identity::Identity;
use crate::error::UserError;
use crate::error::refused;

/// One ref move: from `old` (`None`: must not exist) to `new` (`None`: delete).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefUpdate {
    /// Full ref name (`refs/heads/service`).
    pub name: String,
    pub old: Option<Oid>,
    pub new: Option<Oid>,
}

/// `refs/heads/<branch>`.
pub fn branch_ref(branch: &str) -> String {
    format!("refs/heads/{branch}")
}

/// The commit a ref points at (following symbolic refs), `None` when it does not exist.
pub fn read(repo: &Repository, name: &str) -> Result<Option<Oid>> {
    match repo.raw.find_reference(name) {
        Ok(r) => match r.resolve() {
            Ok(r) => Ok(r.target().map(Oid)),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        },
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) if e.code() == git2::ErrorCode::InvalidSpec => Ok(None),
        Err(e) => Err(anyhow::anyhow!("cannot read `{name}`: {}", e.message())),
    }
}

/// Full names of local branches matching a pattern with one `{id}`, with the `{id}` part.
pub fn branches_matching(repo: &Repository, pattern: &str) -> Result<Vec<(String, Oid)>> {
    let Some((prefix, suffix)) = pattern.split_once("{id}") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let glob = format!("refs/heads/{prefix}*");
    for r in repo.raw.references_glob(&glob)? {
        let r = r?;
        let Ok(name) = r.name() else { continue };
        let Some(short) = name.strip_prefix("refs/heads/") else {
            continue;
        };
        let Some(rest) = short.strip_prefix(prefix) else {
            continue;
        };
        let Some(id) = rest.strip_suffix(suffix) else {
            continue;
        };
        if id.is_empty() || id.contains('/') {
            continue;
        }
        if let Ok(r) = r.resolve()
            && let Some(oid) = r.target()
        {
            out.push((id.to_string(), oid.into()));
        }
    }
    out.sort();
    Ok(out)
}

/// Whether `name` can be a branch name (`refs/heads/<name>` is a valid reference name).
pub fn is_valid_branch_name(name: &str) -> bool {
    !name.is_empty() && git2::Reference::is_valid_name(&format!("refs/heads/{name}"))
}

/// The commit a local branch points at, if the branch exists.
pub fn branch_target(repo: &Repository, branch: &str) -> Option<Oid> {
    repo.raw
        .find_reference(&format!("refs/heads/{branch}"))
        .ok()
        .and_then(|r| r.peel_to_commit().ok())
        .map(|c| c.id().into())
}

/// Whether a local branch exists (even when it does not point at a commit).
pub fn branch_exists(repo: &Repository, branch: &str) -> bool {
    repo.raw
        .find_reference(&format!("refs/heads/{branch}"))
        .is_ok()
}

/// Create a local branch at `target`. Fails — changing nothing — when the branch already exists
/// (the expected old value is "no branch"), or when its name clashes with another branch
/// (`test` existing blocks `test/x`).
pub fn create_branch(repo: &Repository, branch: &str, target: Oid, reflog: &str) -> Result<()> {
    let name = format!("refs/heads/{branch}");
    match repo.raw.reference(&name, target.0, false, reflog) {
        Ok(_) => Ok(()),
        Err(e) if e.code() == git2::ErrorCode::Exists => {
            Err(UserError::refused(format!("branch `{branch}` already exists")).into())
        }
        Err(e) => Err(UserError::refused(format!(
            "cannot create branch `{branch}`: {}",
            e.message()
        ))
        .into()),
    }
}

/// The lock file git and cekops create while updating a ref, when one exists right now (a
/// running process, or one that crashed).
pub fn lock_file(repo: &Repository, name: &str) -> Option<PathBuf> {
    let p = repo.common_dir().join(format!("{name}.lock"));
    p.exists().then_some(p)
}

/// Tests only: when `CEKOPS_TEST_BARRIER=<dir>:<n>` is set, wait (at most 20 s) until `n`
/// processes reached this point, so that concurrent updates really race. Compiled into every
/// build (one environment lookup per ref update), because the test suite runs the release binary
/// (`cargo test --release` shares the quick start's build).
fn test_barrier() {
    let Ok(spec) = std::env::var("CEKOPS_TEST_BARRIER") else {
        return;
    };
    let Some((dir, n)) = spec.rsplit_once(':') else {
        return;
    };
    let Ok(n) = n.parse::<usize>() else { return };
    let dir = PathBuf::from(dir);
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("{}.ready", std::process::id())), "");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        let count = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok()).count())
            .unwrap_or(0);
        if count >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn short(oid: Option<Oid>) -> String {
    match oid {
        Some(o) => o.short(),
        None => "nothing".to_string(),
    }
}

/// Move every ref in `updates` from its `old` to its `new` value, or none of them.
///
/// All refs are locked first (failing when another process holds a lock), then each is compared
/// with its expected old value, then they are written in the given order. Put the ref whose move
/// is easiest to finish after a crash last.
pub fn update(
    repo: &Repository,
    updates: &[RefUpdate],
    who: &Identity,
    message: &str,
) -> Result<()> {
    test_barrier();
    let sig = who.signature()?;
    let mut txs = Vec::with_capacity(updates.len());
    for u in updates {
        let mut tx = repo.raw.transaction()?;
        if let Err(e) = tx.lock_ref(&u.name) {
            return Err(
                if e.code() == git2::ErrorCode::Locked
                    || e.class() == git2::ErrorClass::Os
                    || lock_file(repo, &u.name).is_some()
                {
                    refused(format!(
                    "`{}` is locked by another process; nothing was changed",
                    u.name
                ))
                .hint(format!(
                    "another cekops or git command is updating it; try again. If none is running, a crashed one left `{}.lock` behind: remove that file",
                    u.name
                ))
                .into()
                } else {
                    anyhow::anyhow!("cannot lock `{}`: {}", u.name, e.message())
                },
            );
        }
        txs.push(tx);
    }
    // All locks held: nobody else can move these refs now. Check what they hold.
    for u in updates {
        let now = read(repo, &u.name)?;
        if now != u.old {
            return Err(refused(format!(
                "`{}` moved while cekops was working (expected {}, found {}); nothing was changed",
                u.name,
                short(u.old),
                short(now)
            ))
            .hint("another command changed the repository at the same time; run `cekops status` and try again")
            .into());
        }
    }
    for (u, tx) in updates.iter().zip(txs.iter_mut()) {
        match u.new {
            Some(new) => tx.set_target(&u.name, new.0, Some(&sig), message)?,
            None => tx.remove(&u.name)?,
        }
    }
    for (u, tx) in updates.iter().zip(txs) {
        tx.commit()
            .map_err(|e| anyhow::anyhow!("cannot write `{}`: {}", u.name, e.message()))?;
    }
    Ok(())
}

/// The local branches and remote-tracking branches whose full names match a glob
/// (`refs/remotes/origin/*`), with the commits they point at.
pub fn list(repo: &Repository, glob: &str) -> Result<Vec<(String, Oid)>> {
    let mut out = Vec::new();
    for r in repo.raw.references_glob(glob)? {
        let r = r?;
        let Ok(name) = r.name() else { continue };
        if let Some(t) = r.target() {
            out.push((name.to_string(), t.into()));
        }
    }
    Ok(out)
}

/// Whether any ref matches a glob (`refs/remotes/*/service`).
pub fn any_matching(repo: &Repository, glob: &str) -> bool {
    repo.raw
        .references_glob(glob)
        .map(|mut it| it.next().is_some())
        .unwrap_or(false)
}

/// The tips of every remote-tracking branch named `branch` (`refs/remotes/*/<branch>`).
pub fn remote_tracking_tips(repo: &Repository, branch: &str) -> Vec<Oid> {
    let Ok(refs) = repo.raw.references() else {
        return Vec::new();
    };
    refs.flatten()
        .filter(|r| {
            r.name().is_ok_and(|n| {
                n.strip_prefix("refs/remotes/")
                    .and_then(|rest| rest.split_once('/'))
                    .is_some_and(|(_, b)| b == branch)
            })
        })
        .filter_map(|r| r.resolve().ok().and_then(|r| r.target()))
        .map(Oid)
        .collect()
}

/// Whether deleting the loose ref `name` (at `value`) is `git pack-refs` (run by `git gc` and
/// `git maintenance`) pruning it after writing it to `packed-refs`: the ref keeps its value.
/// git shows that step to the `reference-transaction` hook as a deletion; the only trace telling
/// it from `git branch -D` is that `packed-refs` already holds the same value while the loose
/// file still exists (outside of pruning, a loose ref overrides an older packed value).
pub fn is_pruning_packed(repo: &Repository, name: &str, value: Oid) -> bool {
    let common = repo.raw.commondir();
    if !common.join(name).is_file() {
        return false;
    }
    let Ok(packed) = std::fs::read_to_string(common.join("packed-refs")) else {
        return false;
    };
    let want = value.to_string();
    packed.lines().any(|l| {
        l.split_once(' ')
            .is_some_and(|(id, r)| r == name && id == want)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names() {
        assert!(is_valid_branch_name("service"));
        assert!(is_valid_branch_name("test/com.example.a"));
        assert!(!is_valid_branch_name("test/com.example.lock"));
        assert!(!is_valid_branch_name("a..b"));
        assert!(!is_valid_branch_name(""));
        assert!(!is_valid_branch_name("has space"));
    }
}
