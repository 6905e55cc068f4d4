//! `cekops watch`: watch a repository's files and re-check the extensions each burst of changes
//! touches.

use std::collections::BTreeSet;
use std::path::Path;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;
use std::time::Instant;

use anyhow::Result;
use notify_debouncer_full::DebounceEventResult;
use notify_debouncer_full::Debouncer;
use notify_debouncer_full::RecommendedCache;
use notify_debouncer_full::new_debouncer;
use notify_debouncer_full::notify::EventKind;
use notify_debouncer_full::notify::RecommendedWatcher;
use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::notify::event::ModifyKind;

use crate::error::usage;
use crate::git;
use crate::ops::validate::Source;
use crate::ops::validate::ValidateOptions;
use crate::ops::validate::ValidateOutcome;
use crate::ops::validate::validate;

/// What to watch.
#[derive(Clone, Debug)]
pub struct WatchOptions {
    /// A folder in the repository.
    pub dir: PathBuf,
    /// Only these extensions (all when empty).
    pub ids: Vec<String>,
    /// Quiet period after the last event before re-checking.
    pub debounce: Duration,
}

/// One check of the watched extensions.
#[derive(Debug)]
pub struct Check {
    /// The extensions checked (all when empty).
    pub ids: Vec<String>,
    /// How long the check took.
    pub elapsed: Duration,
    /// The validation, or why it could not run.
    pub outcome: Result<ValidateOutcome>,
}

/// What the watch loop reports.
#[derive(Debug)]
pub enum Event {
    /// Files changed and these extensions were re-checked.
    Checked(Box<Check>),
    /// The file-system watcher reported an error (watching goes on).
    Error(String),
}

/// A repository to watch, before its files are watched.
#[derive(Debug)]
pub struct Watch {
    root: PathBuf,
    ids: Vec<String>,
    only: BTreeSet<String>,
    debounce: Duration,
}

/// A repository whose files are being watched.
pub struct Watching {
    watch: Watch,
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    events: mpsc::Receiver<DebounceEventResult>,
}

fn check(root: &Path, ids: &[String]) -> Check {
    let started = Instant::now();
    let outcome = validate(&ValidateOptions {
        source: Source::Dir(root.to_path_buf()),
        ids: ids.to_vec(),
        stage: None,
    });
    Check {
        ids: ids.to_vec(),
        elapsed: started.elapsed(),
        outcome,
    }
}

/// Whether an event changes content (reading files, our own validation included, does not).
fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any => true,
        EventKind::Other => false,
    }
}

fn has_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut r| r.next().is_some())
}

impl Watch {
    /// The repository of `opts.dir`: the folder itself when it holds `cekops.toml` or
    /// `extensions/`, else the work tree of the git repository around it. An error when it has
    /// no `extensions/` folder.
    pub fn open(opts: &WatchOptions) -> Result<Watch> {
        let dir = &opts.dir;
        let root = match git::try_discover(dir).and_then(|r| r.workdir().map(Path::to_path_buf)) {
            Some(wd) if !dir.join("cekops.toml").exists() && !dir.join("extensions").is_dir() => wd,
            _ => dir.canonicalize()?,
        };
        if !root.join("extensions").is_dir() {
            return Err(
                usage(format!("`{}` has no `extensions/` folder", root.display()))
                    .hint("run `cekops watch` in an extension repository (see `cekops init`)")
                    .into(),
            );
        }
        // An unknown ID would never match a change: refuse it now instead of watching forever.
        let known: Vec<String> = std::fs::read_dir(root.join("extensions"))?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        for id in &opts.ids {
            if !known.contains(id) {
                let mut e = usage(format!("no extension `{id}` in `{}`", root.display()));
                if let Some(best) = crate::diag::closest(id, &known) {
                    e = e.hint(format!("did you mean `{best}`?"));
                } else if !known.is_empty() {
                    e = e.hint(format!("extensions: {}", known.join(", ")));
                }
                return Err(e.into());
            }
        }
        Ok(Watch {
            root,
            ids: opts.ids.clone(),
            only: opts.ids.iter().cloned().collect(),
            debounce: opts.debounce,
        })
    }

    /// The repository's root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Check the watched extensions (all when no IDs were given).
    pub fn check(&self) -> Check {
        check(&self.root, &self.ids)
    }

    /// Start watching `cekops.toml` and `extensions/` (never `.git/`): changes made once this
    /// returns are seen.
    pub fn start(self) -> Result<Watching> {
        let (tx, events) = mpsc::channel();
        let mut debouncer = new_debouncer(self.debounce, None, tx)
            .map_err(|e| usage(format!("cannot watch `{}`: {e}", self.root.display())))?;
        let ext_dir = self.root.join("extensions");
        debouncer
            .watch(&ext_dir, RecursiveMode::Recursive)
            .map_err(|e| usage(format!("cannot watch `{}`: {e}", ext_dir.display())))?;
        debouncer
            .watch(&self.root, RecursiveMode::NonRecursive)
            .map_err(|e| usage(format!("cannot watch `{}`: {e}", self.root.display())))?;
        Ok(Watching {
            watch: self,
            debouncer,
            events,
        })
    }
}

impl Watching {
    /// Until `stop` is set: wait until a burst of events settles, then re-check only the
    /// extensions whose files changed. `on_event` sees each check and each watcher error.
    pub fn run(self, stop: &AtomicBool, on_event: &mut dyn FnMut(Event)) {
        let Watching {
            watch,
            debouncer,
            events,
        } = self;
        let ext_dir = watch.root.join("extensions");
        while !stop.load(Ordering::SeqCst) {
            let batch = match events.recv_timeout(Duration::from_millis(100)) {
                Ok(Ok(batch)) => batch,
                Ok(Err(errors)) => {
                    for e in errors {
                        on_event(Event::Error(e.to_string()));
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            let paths: Vec<PathBuf> = batch
                .iter()
                .filter(|e| is_change(&e.kind))
                .flat_map(|e| e.paths.iter().cloned())
                .collect();
            let ids: Vec<String> = match affected(&watch.root, &paths, &watch.only) {
                Affected::Nothing => continue,
                Affected::All => watch.ids.clone(),
                Affected::Ids(ids) => {
                    // A folder that disappeared or holds no file yet has nothing to check.
                    let ids: Vec<String> = ids
                        .into_iter()
                        .filter(|id| has_files(&ext_dir.join(id)))
                        .collect();
                    if ids.is_empty() {
                        continue;
                    }
                    ids
                }
            };
            on_event(Event::Checked(Box::new(check(&watch.root, &ids))));
        }
        debouncer.stop();
    }
}

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
    fn reading_is_no_change() {
        use notify_debouncer_full::notify::event::AccessKind;
        use notify_debouncer_full::notify::event::CreateKind;
        use notify_debouncer_full::notify::event::DataChange;
        use notify_debouncer_full::notify::event::MetadataKind;
        assert!(!is_change(&EventKind::Access(AccessKind::Any)));
        assert!(!is_change(&EventKind::Modify(ModifyKind::Metadata(
            MetadataKind::Any
        ))));
        assert!(is_change(&EventKind::Modify(ModifyKind::Data(
            DataChange::Any
        ))));
        assert!(is_change(&EventKind::Create(CreateKind::File)));
    }

    #[test]
    fn opens_a_folder_with_extensions_only() {
        let tmp = tempfile::tempdir().unwrap();
        let opts = WatchOptions {
            dir: tmp.path().to_path_buf(),
            ids: Vec::new(),
            debounce: Duration::from_millis(10),
        };
        let err = Watch::open(&opts).unwrap_err();
        assert!(
            err.to_string().contains("has no `extensions/` folder"),
            "{err}"
        );
        std::fs::create_dir(tmp.path().join("extensions")).unwrap();
        let watch = Watch::open(&opts).unwrap();
        assert_eq!(watch.root(), tmp.path().canonicalize().unwrap());
        let c = watch.check();
        assert!(c.ids.is_empty());
        assert!(c.outcome.is_ok());
        // A stop already asked for: no check, and the watcher is released.
        let mut events = 0;
        watch
            .start()
            .unwrap()
            .run(&AtomicBool::new(true), &mut |_| events += 1);
        assert_eq!(events, 0);
    }

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
