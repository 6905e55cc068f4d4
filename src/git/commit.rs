//! Writing history from git objects: identities resolved as git resolves them, blobs and trees
//! built on top of an existing tree (no index, no work tree), commits, and branch creation that
//! fails instead of overwriting.

use anyhow::Context as _;
use anyhow::Result;
use git2::Oid;
use git2::Repository;

use super::identity;
use super::identity::Role;
use crate::error::UserError;

/// A person and a moment, as in a commit's author or committer line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
    /// Seconds since the epoch and the UTC offset in minutes; `None` means "now".
    pub when: Option<(i64, i32)>,
}

/// Who writes a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub author: Person,
    pub committer: Person,
}

impl Identity {
    /// Resolve the identity the way git does: `GIT_AUTHOR_NAME`, `GIT_AUTHOR_EMAIL` and
    /// `GIT_AUTHOR_DATE` (likewise `GIT_COMMITTER_*`), then the `author.*`/`committer.*` and
    /// `user.name`/`user.email` settings of the repository's configuration (or the global one
    /// when there is no repository yet), then `EMAIL` (see [`super::identity`]). A missing name or
    /// e-mail is an error with a hint, never a made-up identity.
    pub fn resolve(repo: Option<&Repository>) -> Result<Identity> {
        let person = |role: Role| -> Result<Person> {
            let who = identity::resolve_in(repo, role)?;
            Ok(Person {
                name: who.name,
                email: who.email.trim_matches(['<', '>']).to_string(),
                when: Some((who.seconds, who.offset_minutes)),
            })
        };
        Ok(Identity {
            author: person(Role::Author)?,
            committer: person(Role::Committer)?,
        })
    }
}

fn signature(p: &Person) -> Result<git2::Signature<'static>> {
    let sig = match p.when {
        Some((secs, offset)) => {
            git2::Signature::new(&p.name, &p.email, &git2::Time::new(secs, offset))
        }
        None => git2::Signature::now(&p.name, &p.email),
    };
    sig.with_context(|| format!("invalid git identity `{} <{}>`", p.name, p.email))
}

/// A file to add to a tree: repository path (with `/`) and content.
#[derive(Clone, Debug)]
pub struct NewFile {
    pub path: String,
    pub content: Vec<u8>,
}

impl NewFile {
    pub fn new(path: impl Into<String>, content: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            content: content.into(),
        }
    }
}

/// Write `files` as blobs and return the id of `base` (a tree; empty when `None`) with them added
/// or replaced. Nothing but objects is written: no ref, no index, no work tree.
pub fn tree_with(repo: &Repository, base: Option<Oid>, files: &[NewFile]) -> Result<Oid> {
    let base = match base {
        Some(id) => repo.find_tree(id)?,
        None => {
            let empty = repo.treebuilder(None)?.write()?;
            repo.find_tree(empty)?
        }
    };
    let mut update = git2::build::TreeUpdateBuilder::new();
    for f in files {
        let blob = repo.blob(&f.content)?;
        update.upsert(f.path.as_str(), blob, git2::FileMode::Blob);
    }
    Ok(update.create_updated(repo, &base)?)
}

/// Write a commit object (no ref moves). Returns its id.
pub fn commit(
    repo: &Repository,
    who: &Identity,
    message: &str,
    tree: Oid,
    parents: &[Oid],
) -> Result<Oid> {
    let tree = repo.find_tree(tree)?;
    let parents: Vec<git2::Commit<'_>> = parents
        .iter()
        .map(|p| repo.find_commit(*p))
        .collect::<Result<_, _>>()?;
    let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
    let author = signature(&who.author)?;
    let committer = signature(&who.committer)?;
    Ok(repo.commit(None, &author, &committer, message, &tree, &parent_refs)?)
}

/// Whether `name` can be a branch name (`refs/heads/<name>` is a valid reference name).
pub fn is_valid_branch_name(name: &str) -> bool {
    !name.is_empty() && git2::Reference::is_valid_name(&format!("refs/heads/{name}"))
}

/// The commit a local branch points at, if the branch exists.
pub fn branch_target(repo: &Repository, branch: &str) -> Option<Oid> {
    repo.find_reference(&format!("refs/heads/{branch}"))
        .ok()
        .and_then(|r| r.peel_to_commit().ok())
        .map(|c| c.id())
}

/// Whether a local branch exists (even when it does not point at a commit).
pub fn branch_exists(repo: &Repository, branch: &str) -> bool {
    repo.find_reference(&format!("refs/heads/{branch}")).is_ok()
}

/// Create a local branch at `target`. Fails — changing nothing — when the branch already exists
/// (the expected old value is "no branch"), or when its name clashes with another branch
/// (`test` existing blocks `test/x`).
pub fn create_branch(repo: &Repository, branch: &str, target: Oid, reflog: &str) -> Result<()> {
    let name = format!("refs/heads/{branch}");
    match repo.reference(&name, target, false, reflog) {
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

/// The tree of a commit.
pub fn tree_of(repo: &Repository, commit: Oid) -> Result<Oid> {
    Ok(repo.find_commit(commit)?.tree_id())
}

/// Whether `path` (a file or a folder) exists in a commit.
pub fn exists_at(repo: &Repository, commit: Oid, path: &str) -> Result<bool> {
    let tree = repo.find_commit(commit)?.tree()?;
    Ok(tree.get_path(std::path::Path::new(path)).is_ok())
}

/// The content of a file in a commit, or `None` when there is no such file.
pub fn read_at(repo: &Repository, commit: Oid, path: &str) -> Result<Option<Vec<u8>>> {
    let tree = repo.find_commit(commit)?.tree()?;
    let Ok(entry) = tree.get_path(std::path::Path::new(path)) else {
        return Ok(None);
    };
    match entry.to_object(repo)?.into_blob() {
        Ok(blob) => Ok(Some(blob.content().to_vec())),
        Err(_) => Ok(None),
    }
}

/// The first 7 hex digits of an object id, as git shows them.
pub fn short(id: Oid) -> String {
    id.to_string().chars().take(7).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_git_accepts() {
        let parse_date = identity::parse_git_date;
        assert_eq!(parse_date("@0 +0000"), Some((0, 0)));
        assert_eq!(parse_date("1769828400 +0900"), Some((1769828400, 540)));
        assert_eq!(
            parse_date("2026-01-01T00:00:00+00:00"),
            Some((1_767_225_600, 0))
        );
        assert_eq!(
            parse_date("2026-01-01 09:00:00 +0900"),
            Some((1_767_225_600, 540))
        );
        assert_eq!(parse_date("2026-01-01T00:00:00Z"), Some((1_767_225_600, 0)));
        assert_eq!(
            parse_date("Thu, 01 Jan 2026 00:00:00 +0000"),
            Some((1_767_225_600, 0))
        );
        assert_eq!(
            parse_date("2000-03-01T00:00:00-05:30"),
            Some((951_888_600, -330))
        );
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_date("2026-01-01T00:00:00+9"), None);
    }

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
