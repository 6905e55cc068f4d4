//! Building commits from objects (no work tree, no index): a base commit's tree plus new files,
//! committed on a new branch that must not exist yet.

use anyhow::Context as _;
use anyhow::Result;
use git2::Oid;
use git2::Repository;
use git2::Signature;

/// Who a commit is by: `GIT_AUTHOR_*` / `GIT_COMMITTER_*` when set (as git does), otherwise
/// `user.name` / `user.email` from the git configuration.
pub fn signature(repo: &Repository, role: Role) -> Result<Signature<'static>> {
    let (name_var, email_var, date_var) = match role {
        Role::Author => ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE"),
        Role::Committer => (
            "GIT_COMMITTER_NAME",
            "GIT_COMMITTER_EMAIL",
            "GIT_COMMITTER_DATE",
        ),
    };
    let config = repo.config().ok();
    let from_config = |key: &str| config.as_ref().and_then(|c| c.get_string(key).ok());
    let name = std::env::var(name_var)
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| from_config("user.name"));
    let email = std::env::var(email_var)
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| from_config("user.email"));
    let (Some(name), Some(email)) = (name, email) else {
        return Err(crate::error::usage("git does not know who you are")
            .hint("set it with `git config user.name \"Your Name\"` and `git config user.email you@example.com`")
            .into());
    };
    let date = std::env::var(date_var).ok().and_then(|d| parse_date(&d));
    let sig = match date {
        Some((secs, offset_min)) => {
            Signature::new(&name, &email, &git2::Time::new(secs, offset_min))?
        }
        None => Signature::now(&name, &email)?,
    };
    Ok(sig)
}

/// The author's name and e-mail (as [`signature`] finds them), when git knows them.
pub fn identity(repo: &Repository) -> Option<(String, String)> {
    let sig = signature(repo, Role::Author).ok()?;
    Some((sig.name().ok()?.to_string(), sig.email().ok()?.to_string()))
}

/// Which identity of a commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Author,
    Committer,
}

/// Parse the date formats git accepts in `GIT_*_DATE` that matter here: `@<secs> <±hhmm>`,
/// `<secs> <±hhmm>` and ISO 8601 `YYYY-MM-DDTHH:MM:SS` with `Z` or `±HH:MM`. Returns seconds since
/// the epoch and the offset in minutes.
pub fn parse_date(s: &str) -> Option<(i64, i32)> {
    let s = s.trim();
    let raw = s.strip_prefix('@').unwrap_or(s);
    if let Some((secs, tz)) = raw.split_once(' ')
        && let Ok(secs) = secs.parse::<i64>()
    {
        return Some((secs, parse_offset(tz)?));
    }
    if let Ok(secs) = raw.parse::<i64>() {
        return Some((secs, 0));
    }
    // ISO 8601
    let (date, rest) = s.split_once(['T', ' '])?;
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let mo: i64 = d.next()?.parse().ok()?;
    let da: i64 = d.next()?.parse().ok()?;
    let (time, offset) = if let Some(t) = rest.strip_suffix('Z') {
        (t, 0)
    } else if let Some(i) = rest.rfind(['+', '-']) {
        (&rest[..i], parse_offset(&rest[i..])?)
    } else {
        (rest, 0)
    };
    let mut t = time.split(':');
    let h: i64 = t.next()?.parse().ok()?;
    let mi: i64 = t.next()?.parse().ok()?;
    let se: i64 = t.next().map(|x| x.parse().ok()).unwrap_or(Some(0))?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let days = days_from_civil(y, mo, da);
    let local = days * 86400 + h * 3600 + mi * 60 + se;
    Some((local - i64::from(offset) * 60, offset))
}

fn parse_offset(tz: &str) -> Option<i32> {
    let tz = tz.trim();
    let (sign, digits) = match tz.as_bytes().first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        _ => return None,
    };
    let digits = digits.replace(':', "");
    if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    Some(sign * (h * 60 + m))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// Commit `files` (repository path → content) on top of `base` and create `refs/heads/<branch>`
/// pointing at the new commit. The branch must not exist: the reference is created without
/// force, so a branch that appeared meanwhile makes this fail and nothing changes. The work tree
/// and index are not touched.
pub fn commit_on_new_branch(
    repo: &Repository,
    base: Oid,
    branch: &str,
    files: &[(String, Vec<u8>)],
    message: &str,
) -> Result<Oid> {
    let base_commit = repo
        .find_commit(base)
        .with_context(|| format!("cannot read commit {base}"))?;
    let base_tree = base_commit.tree()?;
    let mut update = git2::build::TreeUpdateBuilder::new();
    for (path, content) in files {
        let blob = repo.blob(content)?;
        update.upsert(path.as_str(), blob, git2::FileMode::Blob);
    }
    let tree_id = update.create_updated(repo, &base_tree)?;
    let tree = repo.find_tree(tree_id)?;
    let author = signature(repo, Role::Author)?;
    let committer = signature(repo, Role::Committer)?;
    let commit = repo.commit(None, &author, &committer, message, &tree, &[&base_commit])?;
    let refname = format!("refs/heads/{branch}");
    repo.reference(&refname, commit, false, &format!("cekops: {message}"))
        .map_err(|e| {
            if e.code() == git2::ErrorCode::Exists {
                anyhow::Error::from(crate::error::refused(format!(
                    "branch `{branch}` already exists"
                )))
            } else {
                anyhow::Error::from(e)
            }
        })?;
    Ok(commit)
}

/// Whether `refs/heads/<branch>` exists.
pub fn branch_exists(repo: &Repository, branch: &str) -> bool {
    repo.find_reference(&format!("refs/heads/{branch}")).is_ok()
}

/// The commit a local branch points at.
pub fn branch_commit(repo: &Repository, branch: &str) -> Option<Oid> {
    repo.find_reference(&format!("refs/heads/{branch}"))
        .ok()?
        .peel_to_commit()
        .ok()
        .map(|c| c.id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            parse_date("2026-01-01T00:00:00+00:00"),
            Some((1_767_225_600, 0))
        );
        assert_eq!(
            parse_date("2026-01-01T09:00:00+09:00"),
            Some((1_767_225_600, 540))
        );
        assert_eq!(parse_date("2026-01-01T00:00:00Z"), Some((1_767_225_600, 0)));
        assert_eq!(parse_date("@1767225600 +0900"), Some((1_767_225_600, 540)));
        assert_eq!(parse_date("1767225600 -0130"), Some((1_767_225_600, -90)));
        assert_eq!(parse_date("yesterday"), None);
    }
}
