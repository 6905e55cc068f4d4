//! The only module that talks to git2. Reads snapshots from commits and the index; ref updates
//! live in [`refs`].

pub mod cli;
pub mod hooks;
pub mod identity;
pub mod objects;
mod packread;
pub mod records;
pub mod refs;
pub mod sign;
pub mod snapshot;
#[cfg(test)]
pub(crate) mod testgit;
pub mod worktree;

use std::fmt;
use std::path::Path;

use anyhow::Context as _;
use anyhow::Result;
use anyhow::anyhow;

/// How many hex digits of a commit id cekops shows (every command, every message).
pub const ABBREV: usize = 12;

/// An open git repository. Everything cekops asks of git goes through this handle and the
/// functions of this module; libgit2's types never leave it.
pub struct Repository {
    raw: git2::Repository,
}

/// A git object id (a commit, tree or blob), shown as 40 hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Oid(git2::Oid);

impl Oid {
    /// Parse a full hexadecimal object id (exactly 40 digits).
    pub fn parse(text: &str) -> Option<Oid> {
        if text.len() != 40 {
            return None;
        }
        git2::Oid::from_str(text).ok().map(Oid)
    }
    /// Whether this is git's all-zero id, which stands for "no object" in hook input.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }
    /// The first [`ABBREV`] hex digits, as cekops shows a commit.
    pub fn short(self) -> String {
        short_text(&self.to_string()).to_string()
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::str::FromStr for Oid {
    type Err = anyhow::Error;
    /// A full or abbreviated hexadecimal id (git's parser: shorter text is zero-padded).
    fn from_str(s: &str) -> Result<Self> {
        git2::Oid::from_str(s)
            .map(Oid)
            .map_err(|e| anyhow!("`{s}` is not an object id: {}", e.message()))
    }
}

impl From<git2::Oid> for Oid {
    fn from(o: git2::Oid) -> Self {
        Oid(o)
    }
}

impl From<Oid> for git2::Oid {
    fn from(o: Oid) -> Self {
        o.0
    }
}

/// The short form of an object id held as text (a record's `commit`): its first [`ABBREV`]
/// characters.
pub fn short_text(id: &str) -> &str {
    id.get(..ABBREV).unwrap_or(id)
}

/// Process-wide libgit2 settings, applied once before the first repository is opened: objects
/// are not re-hashed on every read (git itself checks hashes in `fsck` and on transfer, not on
/// each read; re-hashing costs `validate --staged` a tenth of its time).
fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::strict_hash_verification(false));
}

impl Repository {
    pub(crate) fn wrap(raw: git2::Repository) -> Self {
        Self { raw }
    }
    /// The work-tree root (`None` for a bare repository).
    pub fn workdir(&self) -> Option<&Path> {
        self.raw.workdir()
    }
    /// The repository folder (`.git`, a linked work tree's folder, or the bare repository).
    pub fn git_dir(&self) -> &Path {
        self.raw.path()
    }
    /// The folder shared by all work trees (refs, objects, hooks).
    pub fn common_dir(&self) -> &Path {
        self.raw.commondir()
    }
    /// Whether the repository has no work tree.
    pub fn is_bare(&self) -> bool {
        self.raw.is_bare()
    }
    /// Whether the repository is a shallow clone (its history is cut off).
    pub fn is_shallow(&self) -> bool {
        self.raw.is_shallow()
    }
    /// The commit HEAD points at (`None`: no commit yet, or HEAD is broken).
    pub fn head_commit(&self) -> Option<Oid> {
        self.raw
            .head()
            .ok()?
            .peel_to_commit()
            .ok()
            .map(|c| c.id().into())
    }
    /// The branch HEAD names, even when it has no commit yet (`None`: detached HEAD).
    pub fn head_branch(&self) -> Option<String> {
        let head = self.raw.find_reference("HEAD").ok()?;
        let target = head.symbolic_target().ok()??;
        target.strip_prefix("refs/heads/").map(str::to_string)
    }
    /// The checked-out branch when it has a commit (`None`: detached HEAD or no commit yet).
    pub fn current_branch(&self) -> Option<String> {
        let head = self.raw.head().ok()?;
        if !head.is_branch() {
            return None;
        }
        head.shorthand().ok().map(str::to_string)
    }
    /// A short description of HEAD: the branch name, or the short commit id when detached.
    pub fn head_name(&self) -> Option<String> {
        let head = self.raw.head().ok()?;
        if head.is_branch() {
            return head.shorthand().ok().map(str::to_string);
        }
        head.target().map(|o| Oid(o).short())
    }
    /// The short branch name `rev` names, when it is a local branch (or `HEAD` on one).
    pub fn branch_name_of(&self, rev: &str) -> Option<String> {
        if let Ok(b) = self.raw.find_branch(rev, git2::BranchType::Local) {
            return b.name().ok().flatten().map(str::to_string);
        }
        if rev == "HEAD" {
            return self.current_branch();
        }
        None
    }
    /// Resolve a revision (branch, tag, `HEAD~2`, commit id) to a commit.
    pub fn resolve_commit(&self, rev: &str) -> Result<Oid> {
        let obj = self
            .raw
            .revparse_single(rev)
            .map_err(|e| anyhow!("unknown revision `{rev}`: {}", e.message()))?;
        obj.peel_to_commit()
            .map(|c| c.id().into())
            .map_err(|_| anyhow!("revision `{rev}` is not a commit"))
    }
    /// The names of the configured remotes.
    pub fn remote_names(&self) -> Result<Vec<String>> {
        Ok(self
            .raw
            .remotes()?
            .iter()
            .flatten()
            .flatten()
            .map(str::to_string)
            .collect())
    }
    /// A value of the repository's own configuration file (`git config --local`).
    pub fn local_config(&self, key: &str) -> Option<String> {
        let cfg = self.raw.config().ok()?;
        let local = cfg.open_level(git2::ConfigLevel::Local).ok()?;
        local
            .get_string(key)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }
    /// Set a value in the repository's own configuration file (`git config --local`).
    pub fn set_local_config(&self, key: &str, value: &str) -> Result<()> {
        let cfg = self.raw.config()?;
        let mut local = cfg.open_level(git2::ConfigLevel::Local)?;
        local
            .set_str(key, value)
            .map_err(|e| anyhow!("cannot set `{key}`: {}", e.message()))
    }
    /// A second handle on the same repository (for reading on another thread).
    pub fn reopen(&self) -> Result<Repository> {
        init();
        Ok(Self::wrap(git2::Repository::open(self.raw.path())?))
    }
}

/// Open the repository that contains `dir` (like git, searching parent folders).
pub fn discover(dir: &Path) -> Result<Repository> {
    init();
    git2::Repository::discover(dir)
        .map(Repository::wrap)
        .with_context(|| format!("`{}` is not inside a git repository", dir.display()))
}

/// Open the repository containing `dir`, or `None` when there is none.
pub fn try_discover(dir: &Path) -> Option<Repository> {
    init();
    git2::Repository::discover(dir).ok().map(Repository::wrap)
}
