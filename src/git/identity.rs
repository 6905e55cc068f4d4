//! Who is acting: the author and committer identities, resolved as git resolves them
//! (`GIT_AUTHOR_*` / `GIT_COMMITTER_*` environment, then `author.*` / `committer.*`, then
//! `user.name` / `user.email` from the repository's configuration, then `EMAIL`).

use anyhow::Result;

use super::Repository;
use crate::error::usage;

/// A person and a moment, as in a commit's author or committer line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub email: String,
    /// Seconds since the Unix epoch.
    pub seconds: i64,
    /// Offset from UTC in minutes.
    pub offset_minutes: i32,
}

impl Identity {
    /// `Name <email>`.
    pub fn display(&self) -> String {
        format!("{} <{}>", self.name, self.email)
    }

    /// The moment as RFC 3339 text in the identity's own offset (`2026-01-01T09:00:00+09:00`).
    pub fn timestamp(&self) -> String {
        format_time(self.seconds, self.offset_minutes)
    }

    pub(crate) fn signature(&self) -> Result<git2::Signature<'static>> {
        let time = git2::Time::new(self.seconds, self.offset_minutes);
        Ok(git2::Signature::new(&self.name, &self.email, &time)?)
    }
}

/// Which of a commit's two identities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Author,
    Committer,
}

impl Role {
    fn env_prefix(self) -> &'static str {
        match self {
            Role::Author => "GIT_AUTHOR",
            Role::Committer => "GIT_COMMITTER",
        }
    }
    fn config_section(self) -> &'static str {
        match self {
            Role::Author => "author",
            Role::Committer => "committer",
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Resolve an identity as git does for a new commit.
pub fn resolve(repo: &Repository, role: Role) -> Result<Identity> {
    resolve_in(Some(repo), role)
}

/// [`resolve`], also before a repository exists (then the global and system configuration).
pub fn resolve_in(repo: Option<&Repository>, role: Role) -> Result<Identity> {
    let config = match repo {
        Some(r) => r.raw.config().ok(),
        None => git2::Config::open_default().ok(),
    };
    let get = |key: &str| -> Option<String> {
        config
            .as_ref()
            .and_then(|c| c.get_string(key).ok())
            .filter(|v| !v.trim().is_empty())
    };
    let prefix = role.env_prefix();
    let section = role.config_section();
    let name = env(&format!("{prefix}_NAME"))
        .or_else(|| get(&format!("{section}.name")))
        .or_else(|| get("user.name"));
    let email = env(&format!("{prefix}_EMAIL"))
        .or_else(|| get(&format!("{section}.email")))
        .or_else(|| get("user.email"))
        .or_else(|| env("EMAIL"));
    let (Some(name), Some(email)) = (name, email) else {
        return Err(usage(format!(
            "no git identity for the {section}: cekops records and commits as you, like git does"
        ))
        .hint("set it with `git config --global user.name \"Your Name\"` and `git config --global user.email you@example.com` (or the GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL environment variables)")
        .into());
    };
    let date_var = format!("{prefix}_DATE");
    let (seconds, offset_minutes) = match env(&date_var) {
        Some(text) => parse_git_date(&text).ok_or_else(|| {
            usage(format!("{date_var} holds a date git cannot read: `{text}`"))
                .hint("use ISO 8601 (`2026-01-01T09:00:00+09:00`) or `@<seconds> <+hhmm>`")
        })?,
        None => now(),
    };
    Ok(Identity {
        name: name.trim().to_string(),
        email: email.trim().trim_matches(['<', '>']).to_string(),
        seconds,
        offset_minutes,
    })
}

/// The author and the committer of a new commit, each resolved as git resolves them.
pub fn author_and_committer(repo: Option<&Repository>) -> Result<(Identity, Identity)> {
    Ok((
        resolve_in(repo, Role::Author)?,
        resolve_in(repo, Role::Committer)?,
    ))
}

/// The current time and the local offset (UTC when unknown).
fn now() -> (i64, i32) {
    let secs = jiff::Timestamp::now().as_second();
    (secs, 0)
}

/// Parse the date formats git accepts in `GIT_AUTHOR_DATE`: its internal `<seconds> <+hhmm>`
/// (optionally with `@`), ISO 8601 / RFC 3339 and RFC 2822.
pub fn parse_git_date(text: &str) -> Option<(i64, i32)> {
    let text = text.trim();
    // internal format: "@1700000000 +0900" or "1700000000 +0900"
    let raw = text.strip_prefix('@').unwrap_or(text);
    let mut parts = raw.split_whitespace();
    if let Some(first) = parts.next()
        && let Ok(secs) = first.parse::<i64>()
    {
        let offset = match parts.next() {
            Some(tz) => parse_hhmm(tz)?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        return Some((secs, offset));
    }
    // ISO 8601 with a space instead of `T` is accepted by git too.
    let iso = if text.len() > 10 && text.as_bytes().get(10) == Some(&b' ') {
        format!("{}T{}", &text[..10], text[11..].replace(' ', ""))
    } else {
        text.to_string()
    };
    if let Ok(pieces) = jiff::fmt::temporal::Pieces::parse(iso.as_str())
        && let Some(offset) = pieces.offset()
    {
        let offset = match offset {
            jiff::fmt::temporal::PiecesOffset::Zulu => jiff::tz::Offset::UTC,
            jiff::fmt::temporal::PiecesOffset::Numeric(n) => n.offset(),
            _ => return None,
        };
        let time = pieces.time().unwrap_or(jiff::civil::Time::midnight());
        let dt = pieces.date().to_datetime(time);
        let ts = offset.to_timestamp(dt).ok()?;
        return Some((ts.as_second(), offset.seconds() / 60));
    }
    if let Ok(z) = jiff::fmt::rfc2822::parse(text) {
        let offset = z.offset();
        return Some((z.timestamp().as_second(), offset.seconds() / 60));
    }
    None
}

fn parse_hhmm(tz: &str) -> Option<i32> {
    let (sign, digits) = match tz.as_bytes().first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        _ => return None,
    };
    let digits = digits.replace(':', "");
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    Some(sign * (h * 60 + m))
}

/// RFC 3339 text for a moment in a given offset.
pub fn format_time(seconds: i64, offset_minutes: i32) -> String {
    let Ok(ts) = jiff::Timestamp::from_second(seconds) else {
        return format!("@{seconds}");
    };
    let Ok(offset) = jiff::tz::Offset::from_seconds(offset_minutes * 60) else {
        return ts.to_string();
    };
    let dt = offset.to_datetime(ts);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let abs = offset_minutes.abs();
    format!(
        "{}{sign}{:02}:{:02}",
        dt.strftime("%Y-%m-%dT%H:%M:%S"),
        abs / 60,
        abs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_git_accepts() {
        let parse_date = parse_git_date;
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
        assert_eq!(parse_date("1700000000 +0900"), Some((1_700_000_000, 540)));
        assert_eq!(
            parse_date("2026-01-01 09:00:00 +09:00"),
            Some((1_767_225_600, 540))
        );
        assert_eq!(
            parse_date("Thu, 01 Jan 2026 09:00:00 +0900"),
            Some((1_767_225_600, 540))
        );
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("yesterday-ish"), None);
        assert_eq!(parse_date("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_date("2026-01-01T00:00:00+9"), None);
    }

    #[test]
    fn formats_with_offset() {
        assert_eq!(format_time(1_767_225_600, 540), "2026-01-01T09:00:00+09:00");
        assert_eq!(format_time(0, -90), "1969-12-31T22:30:00-01:30");
    }
}
