//! Writing and removing the hook scripts.

use std::path::Path;
use std::path::PathBuf;

use anyhow::Context as _;
use anyhow::Result;

use crate::error::refused;
use crate::error::usage;
use crate::git;
use crate::git::Repository;
use crate::git::hooks as gh;
use crate::git::refs;
use crate::ops::chart::Chart;
use crate::ops::chart::SERVICE_PIN;

use super::*;

/// Quote a string for POSIX sh.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The script for one hook, calling `binary` (or `cekops` on PATH when it is gone).
pub fn script(hook: Hook, binary: &Path) -> String {
    let name = hook.name();
    let bin = sh_quote(&binary.to_string_lossy());
    let mut s = format!(
        "#!/bin/sh\n\
         {MARKER} {name}\n\
         # Written by `cekops hooks install`; `cekops hooks uninstall` removes it. A hook you had\n\
         # before is kept as `{name}.local` and runs first.\n\
         cekops={bin}\n\
         [ -x \"$cekops\" ] || cekops=$(command -v cekops) || cekops=\n"
    );
    // Without cekops: a local guard-rail on every ref update must not lock the user out of git;
    // every other hook fails closed.
    let missing = match hook {
        Hook::ReferenceTransaction => format!(
            "if [ -z \"$cekops\" ]; then\n  \
             [ \"$1\" = prepared ] && echo \"cekops {name} hook: cekops is not installed (not at {bin} nor on PATH); service is not protected\" >&2\n  \
             cekops=:\n\
             fi\n"
        ),
        _ => format!(
            "if [ -z \"$cekops\" ]; then\n  \
             echo \"cekops {name} hook: cekops is not installed (not at {bin} nor on PATH)\" >&2\n  \
             echo \"hint: install cekops, or remove the hook with \\`cekops hooks uninstall\\`\" >&2\n  \
             exit 1\n\
             fi\n"
        ),
    };
    s.push_str(&missing);
    if hook.reads_stdin() {
        s.push_str(
            "input=$(cat)\n\
             feed() { [ -z \"$input\" ] || printf '%s\\n' \"$input\"; }\n\
             if [ -x \"$0.local\" ]; then\n  \
             feed | \"$0.local\" \"$@\" || exit $?\n\
             fi\n",
        );
        if hook == Hook::ReferenceTransaction {
            // The git command's process id: the hook tells a rename's deletion from others by it.
            s.push_str(
                "[ \"$1\" = prepared ] || exit 0\nCEKOPS_GIT_PID=$PPID\nexport CEKOPS_GIT_PID\n",
            );
        }
        s.push_str(&format!("feed | \"$cekops\" hook {name} \"$@\"\n"));
    } else {
        s.push_str(&format!(
            "if [ -x \"$0.local\" ]; then\n  \
             \"$0.local\" \"$@\" || exit $?\n\
             fi\n\
             exec \"$cekops\" hook {name} \"$@\"\n"
        ));
    }
    s
}

/// Whether a hook file was written by cekops.
fn is_ours(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| {
        String::from_utf8_lossy(&b)
            .lines()
            .take(3)
            .any(|l| l.starts_with(MARKER))
    })
}

#[derive(Clone, Debug)]
pub struct InstallOptions {
    /// A folder inside the repository.
    pub dir: PathBuf,
    /// Install the server hook (`pre-receive`) instead of the client hooks.
    pub server: bool,
    /// The cekops binary the hooks call.
    pub binary: PathBuf,
}

/// What happened to one hook file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Written where there was none.
    Installed,
    /// Already the same script: nothing written.
    Unchanged,
    /// An older cekops script replaced (a different binary path).
    Updated,
    /// Written; the user's hook was kept as `<name>.local` and runs first.
    Chained,
    /// Uninstall: removed.
    Removed,
    /// Uninstall: removed and the user's `<name>.local` put back.
    Restored,
    /// Uninstall: the hook is not cekops's and was left as it is.
    NotOurs,
    /// Uninstall: there was no hook.
    Absent,
}

#[derive(Clone, Debug)]
pub struct HookChange {
    pub hook: Hook,
    pub path: PathBuf,
    pub action: Action,
}

#[derive(Clone, Debug)]
pub struct HooksReport {
    pub dir: PathBuf,
    pub changes: Vec<HookChange>,
    /// `--server` with HEAD on a branch that does not exist (and is not `service`): the hook finds a
    /// service branch not called `service` through HEAD's `cekops.toml`.
    pub unborn_head: Option<String>,
    /// `--server`: the service branch name the hook protects, pinned in the repository's config
    /// (`None` on an empty server: the first push that creates the service branch pins it).
    pub pinned_service: Option<String>,

    /// `--server` on an empty repository: HEAD named this unborn branch and now names `service`.
    pub head_set: Option<String>,
}

/// Pin the name of the branch the server hook protects (kept when already pinned): the existing
/// service branch. On an empty server nothing is pinned yet: the first push that creates the
/// service branch pins it ([`pin_service_name`]). A branch pushed later under another name (a
/// `service` next to `prod`) then cannot take over.
fn pin_service(repo: &Repository) -> Result<Option<String>> {
    if let Some(p) = repo.local_config(SERVICE_PIN) {
        return Ok(Some(p));
    }
    let found = Chart::service_name_of(repo)?;
    if refs::read(repo, &refs::branch_ref(&found))?.is_none() {
        return Ok(None);
    }
    pin_service_name(repo, &found)?;
    Ok(Some(found))
}

/// Write the pin of the protected service branch name.
pub fn pin_service_name(repo: &Repository, name: &str) -> Result<()> {
    repo.set_local_config(SERVICE_PIN, name)
}

fn open(dir: &Path) -> Result<Repository> {
    git::discover(dir).map_err(|_| {
        usage(format!(
            "`{}` is not inside a git repository",
            dir.display()
        ))
        .hint("run it inside the extension repository (or give one with `-C DIR`)")
        .into()
    })
}

fn local_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".local");
    PathBuf::from(s)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut perm = std::fs::metadata(path)?.permissions();
    perm.set_mode(perm.mode() | 0o755);
    std::fs::set_permissions(path, perm)
        .with_context(|| format!("cannot make `{}` executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<()> {
    Ok(())
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Write the hooks. Every refusal happens before anything is written.
pub fn install(opts: &InstallOptions) -> Result<HooksReport> {
    let repo = open(&opts.dir)?;
    let hooks = if opts.server {
        &Hook::SERVER[..]
    } else {
        if repo.is_bare() {
            return Err(refused(
                "this is a bare repository: it has no commits of its own to check",
            )
            .hint(
                "for a server repository, install the server hook: `cekops hooks install --server`",
            )
            .into());
        }
        &Hook::CLIENT[..]
    };
    let dir = gh::hooks_dir(&repo)?;
    let mut plan = Vec::new();
    for &hook in hooks {
        let path = dir.join(hook.name());
        let text = script(hook, &opts.binary);
        let action = if !exists(&path) {
            Action::Installed
        } else if is_ours(&path) {
            if std::fs::read(&path).is_ok_and(|b| b == text.as_bytes()) {
                Action::Unchanged
            } else {
                Action::Updated
            }
        } else {
            let local = local_of(&path);
            if exists(&local) {
                return Err(refused(format!(
                    "both `{}` and `{}` exist and neither was written by cekops",
                    path.display(),
                    local.display()
                ))
                .hint(format!(
                    "cekops keeps your `{0}` hook as `{0}.local`; merge the two into one hook first, then run `cekops hooks install` again (nothing was written)",
                    hook.name()
                ))
                .into());
            }
            Action::Chained
        };
        plan.push((hook, path, text, action));
    }
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the hooks folder `{}`", dir.display()))?;
    let mut changes = Vec::new();
    for (hook, path, text, action) in plan {
        match action {
            Action::Unchanged => {}
            Action::Chained => {
                let local = local_of(&path);
                std::fs::rename(&path, &local).with_context(|| {
                    format!("cannot move `{}` to `{}`", path.display(), local.display())
                })?;
                write_hook(&path, &text)?;
            }
            _ => write_hook(&path, &text)?,
        }
        changes.push(HookChange { hook, path, action });
    }
    let pinned_service = if opts.server {
        pin_service(&repo)?
    } else {
        None
    };
    // An empty server (no branch yet, HEAD on an unborn `master`): point HEAD at `service`, so
    // that clones check out the service branch once it is pushed.
    let mut head_set = None;
    if opts.server
        && let Some(b) = repo.head_branch()
        && b != "service"
        && refs::list(&repo, "refs/heads/*")?.is_empty()
    {
        crate::git::worktree::set_head(&repo, "service")?;
        head_set = Some(b);
    }
    let unborn_head = if opts.server && head_set.is_none() {
        repo.head_branch().filter(|b| {
            b != "service"
                && refs::read(&repo, &format!("refs/heads/{b}"))
                    .ok()
                    .flatten()
                    .is_none()
        })
    } else {
        None
    };
    Ok(HooksReport {
        dir,
        changes,
        unborn_head,
        pinned_service,
        head_set,
    })
}

fn write_hook(path: &Path, text: &str) -> Result<()> {
    // Write beside it and rename, so git never runs a half-written hook.
    let tmp = path.with_extension("cekops-tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write `{}`", tmp.display()))?;
    make_executable(&tmp)?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write `{}`", path.display()))
}

/// Remove cekops's hooks (client and server) and put chained user hooks back.
pub fn uninstall(dir: &Path) -> Result<HooksReport> {
    let repo = open(dir)?;
    let hooks_dir = gh::hooks_dir(&repo)?;
    let mut changes = Vec::new();
    for hook in Hook::CLIENT.into_iter().chain(Hook::SERVER) {
        let path = hooks_dir.join(hook.name());
        let local = local_of(&path);
        let action = if !exists(&path) {
            if exists(&local) {
                std::fs::rename(&local, &path)
                    .with_context(|| format!("cannot restore `{}`", local.display()))?;
                Action::Restored
            } else {
                Action::Absent
            }
        } else if !is_ours(&path) {
            Action::NotOurs
        } else {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove `{}`", path.display()))?;
            if exists(&local) {
                std::fs::rename(&local, &path)
                    .with_context(|| format!("cannot restore `{}`", local.display()))?;
                Action::Restored
            } else {
                Action::Removed
            }
        };
        changes.push(HookChange { hook, path, action });
    }
    Ok(HooksReport {
        dir: hooks_dir,
        changes,
        unborn_head: None,
        pinned_service: None,
        head_set: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_quotes_and_spaces() {
        assert_eq!(sh_quote("/a b/c"), "'/a b/c'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn scripts_carry_the_marker_and_the_fallback() {
        for hook in Hook::CLIENT.into_iter().chain(Hook::SERVER) {
            let s = script(hook, Path::new("/opt/cekops"));
            assert!(s.starts_with("#!/bin/sh\n# cekops-hook: "));
            assert!(s.contains("cekops='/opt/cekops'"));
            assert!(s.contains("command -v cekops"));
            assert!(s.contains(&format!("hook {} \"$@\"", hook.name())));
        }
    }
}
