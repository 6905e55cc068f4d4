//! Writing history from git objects: identities resolved as git resolves them, blobs and trees
//! built on top of an existing tree (no index, no work tree), commits, and branch creation that
//! fails instead of overwriting.

use anyhow::Context as _;
use anyhow::Result;
use git2::Oid;
use git2::Repository;

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
    /// when there is no repository yet), then `EMAIL`. A missing name or e-mail is an error with
    /// a hint, never a made-up identity.
    pub fn resolve(repo: Option<&Repository>) -> Result<Identity> {
        let config = match repo {
            Some(r) => r.config().ok(),
            None => git2::Config::open_default().ok(),
        };
        let config = config.and_then(|mut c| c.snapshot().ok());
        let setting = |key: &str| -> Option<String> {
            config
                .as_ref()
                .and_then(|c| c.get_string(key).ok())
                .filter(|v| !v.trim().is_empty())
        };
        let env = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
        let person = |role: &str| -> Result<Person> {
            let upper = role.to_uppercase();
            let name = env(&format!("GIT_{upper}_NAME"))
                .or_else(|| setting(&format!("{role}.name")))
                .or_else(|| setting("user.name"));
            let email = env(&format!("GIT_{upper}_EMAIL"))
                .or_else(|| setting(&format!("{role}.email")))
                .or_else(|| setting("user.email"))
                .or_else(|| env("EMAIL"));
            let (Some(name), Some(email)) = (name, email) else {
                return Err(UserError::usage(format!(
                    "no git identity for the {role}: cekops commits as you, like git does"
                ))
                .hint(
                    "set it with `git config --global user.name \"Your Name\"` and `git config --global user.email you@example.com` (or the GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL environment variables)",
                )
                .into());
            };
            let date_var = format!("GIT_{upper}_DATE");
            let when = match env(&date_var) {
                Some(d) => Some(parse_date(&d).ok_or_else(|| {
                    UserError::usage(format!("cannot read {date_var} `{d}`")).hint(
                        "use `2026-01-31T12:00:00+09:00`, `2026-01-31 12:00:00 +0900` or `@1769828400 +0900`",
                    )
                })?),
                None => None,
            };
            Ok(Person {
                name: name.trim().to_string(),
                email: email.trim().trim_matches(['<', '>']).to_string(),
                when,
            })
        };
        Ok(Identity {
            author: person("author")?,
            committer: person("committer")?,
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

/// Parse a date in one of the forms git accepts in `GIT_AUTHOR_DATE`: its internal form
/// (`@1769828400 +0900` or `1769828400 +0900`), ISO 8601 (`2026-01-31T12:00:00+09:00`,
/// `2026-01-31 12:00:00 +0900`, `…Z`) and RFC 2822 (`Sat, 31 Jan 2026 12:00:00 +0900`).
/// Returns seconds since the epoch and the offset in minutes.
pub fn parse_date(s: &str) -> Option<(i64, i32)> {
    let s = s.trim();
    // internal form
    let raw = s.strip_prefix('@').unwrap_or(s);
    let mut parts = raw.split_whitespace();
    if let (Some(secs), tz, None) = (parts.next(), parts.next(), parts.next())
        && let Ok(secs) = secs.parse::<i64>()
    {
        let offset = match tz {
            Some(tz) => parse_offset(tz)?,
            None => 0,
        };
        return Some((secs, offset));
    }
    parse_iso(s).or_else(|| parse_rfc2822(s))
}

/// `+0900`, `+09:00`, `-05`, `Z`.
fn parse_offset(tz: &str) -> Option<i32> {
    if tz == "Z" || tz == "z" {
        return Some(0);
    }
    let (sign, rest) = match tz.as_bytes().first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    (h < 24 && m < 60).then_some(sign * (h * 60 + m))
}

fn parse_iso(s: &str) -> Option<(i64, i32)> {
    let (date, rest) = s.split_at_checked(10)?;
    let mut d = date.split('-');
    let (y, mo, da) = (
        d.next()?.parse::<i64>().ok()?,
        d.next()?.parse::<u32>().ok()?,
        d.next()?.parse::<u32>().ok()?,
    );
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let time_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(rest.len());
    let (time, tz) = rest.split_at(time_len);
    let mut t = time.split(':');
    let (h, mi) = (
        t.next()?.parse::<u32>().ok()?,
        t.next()?.parse::<u32>().ok()?,
    );
    let sec = match t.next() {
        Some(sec) => sec.split('.').next()?.parse::<u32>().ok()?,
        None => 0,
    };
    let tz = tz.trim();
    let offset = if tz.is_empty() { 0 } else { parse_offset(tz)? };
    to_epoch(y, mo, da, h, mi, sec, offset)
}

fn parse_rfc2822(s: &str) -> Option<(i64, i32)> {
    let s = match s.split_once(',') {
        Some((_, rest)) => rest,
        None => s,
    };
    let mut p = s.split_whitespace();
    let day = p.next()?.parse::<u32>().ok()?;
    let month = p.next()?.to_ascii_lowercase();
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let mo = months.iter().position(|m| month.starts_with(m))? as u32 + 1;
    let y = p.next()?.parse::<i64>().ok()?;
    let mut t = p.next()?.split(':');
    let (h, mi) = (
        t.next()?.parse::<u32>().ok()?,
        t.next()?.parse::<u32>().ok()?,
    );
    let sec = t.next().map_or(Some(0), |x| x.parse::<u32>().ok())?;
    let offset = match p.next() {
        Some(tz) => parse_offset(tz)?,
        None => 0,
    };
    to_epoch(y, mo, day, h, mi, sec, offset)
}

/// Civil date and time at a UTC offset to seconds since the epoch (Howard Hinnant's
/// days-from-civil algorithm).
fn to_epoch(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, offset: i32) -> Option<(i64, i32)> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(mo);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
    Some((secs - i64::from(offset) * 60, offset))
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
