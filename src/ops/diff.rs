//! `cekops diff`: the semantic diff of two revisions, read straight from git objects (no
//! checkout; works in a bare repository).
//!
//! Only what differs is read: the paths whose blobs differ between the two commits (found by
//! comparing tree ids, so unchanged folders cost nothing), plus each changed extension's
//! `extension.toml` and `store.toml`. A file that is identical on both sides is left out of both
//! loads, which cannot change the result because every file's changes are independent of the
//! other files' (the icons referenced by `store.toml` are why that file is always read).

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::Result;

use crate::diag;
use crate::diag::Code;
use crate::error::refused;
use crate::git;
use crate::git::Oid;
use crate::git::Repository;
use crate::load;
use crate::model::Branches;
use crate::semdiff;
use crate::semdiff::FileChange;
use crate::semdiff::FileKind;
use crate::semdiff::RepoDiff;
use crate::semdiff::Status;
use crate::semdiff::render::Sides;
use crate::tree::Tree;
use crate::tree::extension_of;

#[derive(Clone, Debug)]
pub struct DiffOptions {
    /// A folder inside the repository (or the bare repository itself).
    pub dir: PathBuf,
    /// Only this extension; also picks the default `--to` (its test branch).
    pub id: Option<String>,
    /// Old side; default: the service branch.
    pub from: Option<String>,
    /// New side; default: the extension's test branch with an ID, else `HEAD`.
    pub to: Option<String>,
    /// New side: the work tree (files on disk, uncommitted edits and untracked files included).
    /// Also the default with an ID when its test branch is checked out with uncommitted edits
    /// in the extension's folder.
    pub work_tree: bool,
}

#[derive(Debug)]
pub struct DiffOutcome {
    pub sides: Sides,
    pub diff: RepoDiff,
    /// Files that could not be read on one side (their changes may be shown wrongly).
    pub warnings: Vec<String>,
    /// The two loaded revisions the diff was computed from, handed over with it so that a
    /// command about to exit can leave them to the operating system instead of freeing their
    /// hundreds of thousands of strings one by one (dropping the outcome frees them).
    pub loaded: Vec<(crate::model::Repo, crate::diag::Report)>,
}

/// The branch names, from `cekops.toml` on the service branch (or `HEAD` when there is no
/// `service` branch); the defaults when neither has a readable one.
fn branches(repo: &Repository) -> Branches {
    let default = Branches::default();
    let commit =
        resolve_quiet(repo, &default.service.value).or_else(|| repo.resolve_commit("HEAD").ok());
    let Some(commit) = commit else {
        return default;
    };
    super::chart::config_at_checked(repo, commit)
        .map(|c| c.branches)
        .unwrap_or(default)
}

/// A revision, or the same name on `origin` (a fresh clone has only one local branch).
fn resolve_quiet(repo: &Repository, rev: &str) -> Option<Oid> {
    repo.resolve_commit(rev).ok().or_else(|| {
        repo.resolve_commit(&format!("refs/remotes/origin/{rev}"))
            .ok()
    })
}

/// The name a default branch resolved to (`service` or `origin/service`).
fn resolved_name(repo: &Repository, rev: &str) -> String {
    if repo.resolve_commit(rev).is_ok() {
        rev.to_string()
    } else {
        format!("origin/{rev}")
    }
}

pub fn diff(opts: &DiffOptions) -> Result<DiffOutcome> {
    let repo = git::discover(&opts.dir).map_err(|_| {
        refused(format!(
            "`{}` is not inside a git repository",
            opts.dir.display()
        ))
        .hint("run `cekops diff` inside an extension repository, or give `-C DIR`")
    })?;
    let branches = branches(&repo);
    let service = branches.service.value.clone();

    // The old side.
    let (from_label, from_commit) = match &opts.from {
        Some(rev) => (rev.clone(), explicit(&repo, rev, "--from")?),
        None => match resolve_quiet(&repo, &service) {
            Some(c) => (resolved_name(&repo, &service), c),
            None => {
                return Err(refused(format!("there is no service branch `{service}`"))
                    .hint("give the old side with `--from REV`, or create the branch with `cekops init`")
                    .into());
            }
        },
    };
    // The new side: a commit, or the work tree.
    let head_is_test = opts.id.as_ref().is_some_and(|id| {
        repo.current_branch().as_deref() == Some(branches.test_branch(id).as_str())
    });
    let workdir = repo.workdir().map(std::path::Path::to_path_buf);
    let (to_label, to_commit) = match (&opts.to, &opts.id) {
        _ if opts.work_tree => {
            if workdir.is_none() {
                return Err(
                    refused("`--work-tree`: this repository has no work tree (bare)")
                        .hint("compare commits with `--to REV`")
                        .into(),
                );
            }
            ("work tree".to_string(), None)
        }
        (Some(rev), _) => (rev.clone(), Some(explicit(&repo, rev, "--to")?)),
        (None, Some(id)) => {
            let test = branches.test_branch(id);
            match resolve_quiet(&repo, &test) {
                Some(c) => (resolved_name(&repo, &test), Some(c)),
                None => {
                    return Err(missing_test_branch(
                        &repo,
                        from_commit,
                        id,
                        &test,
                        &from_label,
                    ));
                }
            }
        }
        (None, None) => match repo.resolve_commit("HEAD") {
            Ok(c) => ("HEAD".to_string(), Some(c)),
            Err(_) => {
                return Err(refused("`HEAD` does not point at a commit yet")
                    .hint("give the new side with `--to REV`")
                    .into());
            }
        },
    };
    // Every path that differs, repository files included.
    let mut all = match to_commit {
        Some(to) => git::objects::changed_paths(&repo, Some(from_commit), to)?,
        None => git::objects::changed_paths_to_workdir(&repo, from_commit)?,
    };
    // The test branch checked out with uncommitted edits of the extension: those are what the
    // user is looking at, so they are compared (and the sides say so).
    let (to_label, to_commit) = match (&opts.id, to_commit) {
        (Some(id), Some(tip)) if opts.to.is_none() && head_is_test && workdir.is_some() => {
            let prefix = format!("extensions/{id}/");
            let edits = git::objects::changed_paths_to_workdir(&repo, tip)?;
            if edits.iter().any(|p| p.starts_with(&prefix)) {
                all = git::objects::changed_paths_to_workdir(&repo, from_commit)?;
                (format!("{to_label} + uncommitted edits (work tree)"), None)
            } else {
                (to_label, Some(tip))
            }
        }
        (_, to) => (to_label, to),
    };
    let sides = Sides {
        from: from_label.clone(),
        to: to_label.clone(),
        from_commit: Some(from_commit.to_string()),
        to_commit: to_commit.map(|c| c.to_string()),
    };
    // Two commits with the same files (and the extension asked for in both): nothing to read.
    if to_commit.is_some()
        && all.is_empty()
        && opts.id.as_ref().is_none_or(|id| {
            git::objects::subtree(&repo, from_commit, &format!("extensions/{id}"))
                .is_ok_and(|t| t.is_some())
        })
    {
        return Ok(DiffOutcome {
            sides,
            diff: RepoDiff::default(),
            warnings: Vec::new(),
            loaded: Vec::new(),
        });
    }
    let relevant = |p: &str| p == "cekops.toml" || p.starts_with("extensions/");
    let mut changed: BTreeSet<String> = all.iter().filter(|p| relevant(p)).cloned().collect();
    // Every repository-level file (outside `extensions/<id>/` folders) is shown as a plain file
    // diff, with or without an ID: a review of a test branch would bring it to `service` too.
    let outside: Vec<String> = all
        .iter()
        .filter(|p| extension_of(p).is_none())
        .cloned()
        .collect();
    if let Some(id) = &opts.id {
        let prefix = format!("extensions/{id}/");
        changed.retain(|p| p.starts_with(&prefix));
    }
    let ids: BTreeSet<String> = changed
        .iter()
        .filter_map(|p| extension_of(p).map(str::to_string))
        .collect();
    let settings_changed = opts.id.is_none() && changed.contains("cekops.toml");
    let want = |p: &str| {
        changed.contains(p)
            || (p == "cekops.toml" && settings_changed)
            || extension_of(p).is_some_and(|id| {
                ids.contains(id)
                    && p.strip_prefix("extensions/")
                        .and_then(|r| r.strip_prefix(id))
                        .is_some_and(|r| r == "/extension.toml" || r == "/store.toml")
            })
    };
    let (old_tree, new_tree) = match (to_commit, &workdir) {
        (Some(to), _) => git::snapshot::trees_from_commits(&repo, from_commit, to, &want)?,
        (None, Some(wd)) => (
            git::snapshot::tree_from_commit(&repo, from_commit, &want)?,
            Tree::from_dir(wd, &want)?,
        ),
        (None, None) => {
            return Err(refused("this repository has no work tree (bare)")
                .hint("compare commits with `--to REV`")
                .into());
        }
    };

    if let Some(id) = &opts.id
        && outside.is_empty()
        && !has_extension(&old_tree, id)
        && !has_extension(&new_tree, id)
    {
        let mut known: Vec<String> = old_tree.extension_ids();
        known.extend(new_tree.extension_ids());
        known.sort();
        known.dedup();
        let mut e = refused(format!(
            "no extension `{id}` in `{from_label}` or `{to_label}`"
        ));
        if let Some(best) = diag::closest(id, &known) {
            e = e.hint(format!("did you mean `{best}`?"));
        } else if !known.is_empty() {
            e = e.hint(format!("extensions: {}", known.join(", ")));
        }
        return Err(e.into());
    }

    let ((old, old_sink), (new, new_sink)) = rayon::join(
        || load::load(&old_tree, Some(&ids)),
        || load::load(&new_tree, Some(&ids)),
    );
    // The snapshots are not needed any more (the files' text lives on in the sinks' sources).
    drop((old_tree, new_tree));
    let mut diff = semdiff::diff_repo(&old, &new);
    if !settings_changed {
        diff.settings.clear();
    }
    diff.files = file_changes(&repo, from_commit, to_commit, &outside)?;
    let mut warnings = Vec::new();
    for (sink, label) in [(&old_sink, &from_label), (&new_sink, &to_label)] {
        for d in &sink.diagnostics {
            if !d.is_error() || d.code == Code::MissingFile {
                continue;
            }
            let file = d
                .location
                .as_ref()
                .map(|l| l.file.as_str())
                .unwrap_or("cekops.toml");
            warnings.push(format!(
                "`{file}` in `{label}` cannot be read ({}): {}; the diff treats what it cannot read as absent",
                d.code.as_str(),
                d.message
            ));
        }
    }
    warnings.sort();
    warnings.dedup();
    Ok(DiffOutcome {
        sides,
        diff,
        warnings,
        loaded: vec![(old, old_sink), (new, new_sink)],
    })
}

/// The plain diffs of files outside the compared extensions, classified and terminal-safe.
pub fn file_changes(
    repo: &Repository,
    from: Oid,
    to: Option<Oid>,
    paths: &[String],
) -> Result<Vec<FileChange>> {
    let mut patches = git::objects::file_patches(repo, from, to, paths)?;
    patches.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(patches
        .into_iter()
        .map(|p| {
            let kind = FileKind::of(&p.path);
            FileChange {
                status: match p.status {
                    'A' => Status::Added,
                    'D' => Status::Removed,
                    _ => Status::Modified,
                },
                flagged: kind.flag().is_some(),
                kind,
                patch: diag::printable(&p.patch),
                path: diag::printable(&p.path),
            }
        })
        .collect())
}

fn has_extension(tree: &Tree, id: &str) -> bool {
    tree.under(&format!("extensions/{id}/")).next().is_some()
}

/// Resolve a revision the user gave.
fn explicit(repo: &Repository, rev: &str, flag: &str) -> Result<Oid> {
    repo.resolve_commit(rev).map_err(|e| {
        refused(format!("{flag}: {e}"))
            .hint("give a branch, tag or commit that `git rev-parse` knows (see `git branch -a`)")
            .into()
    })
}

fn missing_test_branch(
    repo: &Repository,
    service: Oid,
    id: &str,
    test: &str,
    service_label: &str,
) -> anyhow::Error {
    let tree = git::snapshot::tree_from_commit(repo, service, &|_| false).unwrap_or_default();
    let ids = tree.extension_ids();
    let mut e = refused(format!("extension `{id}` has no test branch `{test}`"));
    if ids.iter().any(|x| x == id) {
        e = e.hint(format!(
            "`{id}` is in service on `{service_label}` without a test version; compare with another revision using `--to REV`"
        ));
    } else if let Some(best) = diag::closest(id, &ids) {
        e = e.hint(format!("did you mean `{best}`?"));
    } else {
        e = e.hint(format!(
            "check the Extension ID, or create the test branch with `cekops new {id}`"
        ));
    }
    e.into()
}

/// What `diff <ID> --against-tsv DIR` found.
#[derive(Debug)]
pub enum AgainstTsv {
    /// The download folder holds files the console format cannot hold: nothing compared.
    Unreadable(crate::diag::Report),
    /// Old side: the console download; new side: the git version. Added entries are what an
    /// upload of the git version would add to the console, removed entries what it would delete.
    Compared(DiffOutcome),
}

/// Compare a console TSV download folder (`intents/*.tsv`, `slot-types/*.tsv` or flat files)
/// with the interaction model of extension `id` in git (its test branch, or `--to REV`). Because
/// a console upload replaces everything, this is exactly what an upload would change.
pub fn against_tsv(opts: &DiffOptions, folder: &std::path::Path) -> Result<AgainstTsv> {
    let Some(id) = &opts.id else {
        return Err(
            refused("`--against-tsv` compares one extension: give its ID")
                .hint("cekops diff com.example.pizzabot --against-tsv console-download/")
                .into(),
        );
    };
    if !folder.is_dir() {
        return Err(refused(format!("`{}` is not a folder", folder.display()))
            .hint("download the intents and slot types from the console (TSV) into one folder")
            .into());
    }
    let repo = git::discover(&opts.dir).map_err(|_| {
        refused(format!(
            "`{}` is not inside a git repository",
            opts.dir.display()
        ))
        .hint("run `cekops diff` inside an extension repository, or give `-C DIR`")
    })?;
    let branches = branches(&repo);
    let test = branches.test_branch(id);
    let (label, commit) = match &opts.to {
        Some(rev) => (rev.clone(), explicit(&repo, rev, "--to")?),
        None => match resolve_quiet(&repo, &test)
            .map(|c| (resolved_name(&repo, &test), c))
            .or_else(|| {
                let service = &branches.service.value;
                resolve_quiet(&repo, service).map(|c| (resolved_name(&repo, service), c))
            }) {
            Some(found) => found,
            None => {
                return Err(refused(format!("no branch `{test}` and no service branch"))
                    .hint("give the git side with `--to REV`")
                    .into());
            }
        },
    };
    let prefix = format!("extensions/{id}/");
    let tree = git::snapshot::tree_from_commit(&repo, commit, &|p| p.starts_with(&prefix))?;
    if !has_extension(&tree, id) {
        return Err(refused(format!("no extension `{id}` in `{label}`")).into());
    }
    let only: BTreeSet<String> = [id.clone()].into();
    let (git_repo, git_sink) = load::load(&tree, Some(&only));
    let Some(git_ext) = git_repo.extension(id) else {
        return Err(refused(format!("no extension `{id}` in `{label}`")).into());
    };
    let (model, sink) = crate::interop::tsv::read_folder(folder)
        .map_err(|e| refused(format!("cannot read `{}`: {e}", folder.display())))?;
    if sink.diagnostics.iter().any(|d| d.is_error()) {
        let mut report = crate::diag::Report {
            diagnostics: sink.diagnostics,
            sources: sink.sources,
        };
        report.sort();
        return Ok(AgainstTsv::Unreadable(report));
    }
    let console = model.into_extension(git_ext);
    let ext_diff = semdiff::diff_extension_in(
        Some(&console),
        Some(git_ext),
        &[semdiff::Category::InteractionModel],
    );
    let mut warnings: Vec<String> = git_sink
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && d.code != Code::MissingFile)
        .map(|d| {
            let file = d.location.as_ref().map(|l| l.file.as_str()).unwrap_or("");
            format!(
                "`{file}` in `{label}` cannot be read ({}): {}; the diff treats it as absent",
                d.code.as_str(),
                d.message
            )
        })
        .collect();
    warnings.sort();
    warnings.dedup();
    Ok(AgainstTsv::Compared(DiffOutcome {
        sides: Sides {
            from: format!("console download {}", folder.display()),
            to: label,
            from_commit: None,
            to_commit: Some(commit.to_string()),
        },
        diff: RepoDiff {
            files: Vec::new(),
            settings: Vec::new(),
            extensions: if ext_diff.is_empty() {
                Vec::new()
            } else {
                vec![ext_diff]
            },
        },
        warnings,
        loaded: Vec::new(),
    }))
}
