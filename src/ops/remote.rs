//! What `push` and `fetch` share: which remote, where to run `git`, and how to tell that a
//! branch's commits were replayed elsewhere by `cekops sync`.

use std::path::Path;

use anyhow::Result;

use crate::error::usage;
use crate::git;
use crate::git::Oid;
use crate::git::Repository;
use crate::git::objects;

/// The remote to use: the one given, else `origin`, else the only remote.
pub fn pick_remote(repo: &Repository, given: Option<&str>) -> Result<String> {
    let names: Vec<String> = repo.remote_names()?;
    if let Some(g) = given {
        if names.iter().any(|n| n == g) || g.contains('/') || g.contains(':') {
            return Ok(g.to_string());
        }
        return Err(usage(format!("no remote named `{g}`"))
            .hint(if names.is_empty() {
                "add one with `git remote add origin URL`".to_string()
            } else {
                format!("remotes: {}", names.join(", "))
            })
            .into());
    }
    if names.iter().any(|n| n == "origin") {
        return Ok("origin".into());
    }
    match names.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(usage("the repository has no remote")
            .hint("add one with `git remote add origin URL`")
            .into()),
        _ => Err(usage("several remotes and none is `origin`: say which one")
            .hint(format!("remotes: {}", names.join(", ")))
            .into()),
    }
}

/// The folder to run git in.
pub fn git_dir_for_cli(repo: &Repository) -> &Path {
    repo.workdir().unwrap_or_else(|| repo.git_dir())
}

/// Whether every commit of `local` that `remote` lacks has an equivalent in `remote`: the same
/// author, author date, message and tree of `folder` (what `cekops sync` keeps when it replays
/// a commit onto a newer `service`). Then `local` holds nothing of its own.
pub fn rewritten_in(repo: &git::Repository, local: Oid, remote: Oid, folder: &str) -> Result<bool> {
    let Some(base) = objects::merge_base(repo, local, remote)? else {
        return Ok(false);
    };
    let mine = objects::commits_between(repo, base, local)?;
    if mine.is_empty() {
        return Ok(true);
    }
    let theirs = objects::commits_between(repo, base, remote)?;
    for c in &mine {
        let sub = objects::subtree(repo, c.id, folder)?;
        let mut found = false;
        for t in &theirs {
            if t.author_email == c.author_email
                && t.author_seconds == c.author_seconds
                && t.message == c.message
                && objects::subtree(repo, t.id, folder)? == sub
            {
                found = true;
                break;
            }
        }
        if !found {
            return Ok(false);
        }
    }
    Ok(true)
}
