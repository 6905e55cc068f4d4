//! `cekops watch`: which extensions a batch of file-system events touches.

use std::collections::BTreeSet;
use std::path::Path;

/// What a batch of changes requires re-checking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Affected {
    /// Nothing cekops reads changed.
    Nothing,
    /// Repository-level files changed (`cekops.toml`): re-check everything.
    All,
    /// These extensions changed.
    Ids(BTreeSet<String>),
}

/// Editor scratch files that never hold content cekops reads.
fn is_scratch(name: &str) -> bool {
    name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.starts_with(".#")
        || name == "4913"
}

/// Map changed paths (absolute or relative to `root`) to what must be re-checked. Paths inside
/// `.git/`, outside the repository, or editor scratch files are ignored; `only` restricts the
/// result to the extensions being watched.
pub fn affected<P: AsRef<Path>>(root: &Path, paths: &[P], only: &BTreeSet<String>) -> Affected {
    let mut ids = BTreeSet::new();
    let mut all = false;
    for p in paths {
        let p = p.as_ref();
        let rel = match p.strip_prefix(root) {
            Ok(r) => r,
            Err(_) if p.is_relative() => p,
            Err(_) => continue,
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if rel == ".git" || rel.starts_with(".git/") {
            continue;
        }
        if rel.rsplit('/').next().is_some_and(is_scratch) {
            continue;
        }
        if rel == "cekops.toml" {
            all = true;
            continue;
        }
        let Some(rest) = rel.strip_prefix("extensions/") else {
            continue;
        };
        let id = rest.split('/').next().unwrap_or("");
        if id.is_empty() {
            continue;
        }
        if only.is_empty() || only.contains(id) {
            ids.insert(id.to_string());
        }
    }
    if all {
        Affected::All
    } else if ids.is_empty() {
        Affected::Nothing
    } else {
        Affected::Ids(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_events_to_extensions() {
        let root = Path::new("/r");
        let none = BTreeSet::new();
        assert_eq!(
            affected(
                root,
                &[
                    "/r/extensions/a/interaction-model/intents/X.toml",
                    "/r/.git/index",
                    "/r/extensions/b/x.toml~"
                ],
                &none
            ),
            Affected::Ids(["a".to_string()].into())
        );
        assert_eq!(affected(root, &["/r/cekops.toml"], &none), Affected::All);
        assert_eq!(
            affected(root, &["/r/.git/HEAD", "/elsewhere/x"], &none),
            Affected::Nothing
        );
        let only: BTreeSet<String> = ["b".to_string()].into();
        assert_eq!(
            affected(root, &["/r/extensions/a/extension.toml"], &only),
            Affected::Nothing
        );
    }
}
