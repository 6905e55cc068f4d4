//! `cekops validate`: every rule over a work tree, a commit or the index.

use std::collections::BTreeSet;
use std::path::Path;
use std::path::PathBuf;

use anyhow::Result;
use rayon::prelude::*;

use crate::diag;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::diag::Report;
use crate::error::usage;
use crate::git;
use crate::load;
use crate::model;
use crate::rules;
use crate::rules::Stage;
use crate::tree::Tree;
use crate::tree::extension_of;

/// Where to read the files from.
#[derive(Clone, Debug)]
pub enum Source {
    /// A folder (a work tree, or a plain folder without git).
    Dir(PathBuf),
    /// A revision of the repository containing the folder.
    Rev(PathBuf, String),
    /// The index (staged files) of the repository containing the folder.
    Staged(PathBuf),
}

#[derive(Clone, Debug)]
pub struct ValidateOptions {
    pub source: Source,
    /// Only these extensions (all when empty).
    pub ids: Vec<String>,
    /// Rules to apply; `None` picks service rules when the revision (or the checked-out branch)
    /// is the service branch.
    pub stage: Option<Stage>,
}

/// What validation found.
#[derive(Debug)]
pub struct ValidateOutcome {
    pub report: Report,
    pub stage: Stage,
    /// Extensions fully checked.
    pub checked: Vec<String>,
    pub repo: model::Repo,
}

/// The repository root for a folder argument: the folder itself when it holds `cekops.toml` or
/// `extensions/`; the repository root when inside one; `extensions/<id>` selects that extension.
fn resolve_dir(path: &Path, ids: &mut Vec<String>) -> Result<PathBuf> {
    if !path.exists() {
        return Err(usage(format!("`{}` does not exist", path.display())).into());
    }
    if !path.is_dir() {
        return Err(usage(format!("`{}` is not a folder", path.display()))
            .hint("give the repository folder (or an `extensions/<id>` folder)")
            .into());
    }
    let canon = path.canonicalize()?;
    if let Some(parent) = canon.parent()
        && parent.file_name().is_some_and(|n| n == "extensions")
        && let Some(root) = parent.parent()
        && let Some(id) = canon.file_name().and_then(|n| n.to_str())
    {
        if ids.is_empty() {
            ids.push(id.to_string());
        }
        return Ok(root.to_path_buf());
    }
    if canon.join("cekops.toml").exists() || canon.join("extensions").is_dir() {
        return Ok(canon);
    }
    if let Some(repo) = git::try_discover(&canon) {
        return match repo.workdir().map(Path::to_path_buf) {
            Some(wd) => Ok(wd),
            None => Err(bare(path).into()),
        };
    }
    Ok(canon)
}

/// A bare repository has no work tree and no index: only `--rev` can read it.
fn bare(path: &Path) -> crate::error::UserError {
    usage(format!(
        "`{}` is a bare repository: it has no work tree and no index",
        path.display()
    ))
    .hint("check a revision from git objects: `cekops validate --rev HEAD`")
}

/// What [`validate`] keeps of each extension once its rules ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keep {
    /// The whole model and every source text (`test` and `simulate` read them afterwards).
    Models,
    /// Only what repository-wide rules and rendering need: each extension's basic information
    /// and the texts of the files findings point at. Memory stays bounded by the extensions
    /// being checked at a time, not by the repository.
    Findings,
}

/// Validate, keeping every extension's model in [`ValidateOutcome::repo`].
pub fn validate(opts: &ValidateOptions) -> Result<ValidateOutcome> {
    run(opts, Keep::Models)
}

/// Validate for the findings only: extensions are read, loaded and checked one at a time per
/// thread and dropped afterwards. [`ValidateOutcome::repo`] holds each extension's basic
/// information (`extension.toml`) only, and the report's sources only the files findings
/// point at (and every `extension.toml`).
pub fn validate_findings(opts: &ValidateOptions) -> Result<ValidateOutcome> {
    run(opts, Keep::Findings)
}

/// Where the files of each extension come from: read when that extension's turn comes.
enum Files {
    /// Already in memory (the index: only the extensions a change touches are read in full).
    Loaded(Tree),
    Dir(crate::tree::DirFiles),
    Commit(git::snapshot::CommitFiles),
}

/// One thread's reader of [`Files`].
enum Reader<'a> {
    Loaded(&'a Tree),
    Dir(&'a crate::tree::DirFiles),
    Commit(Result<git::snapshot::CommitReader>),
}

impl Files {
    fn reader(&self) -> Reader<'_> {
        match self {
            Files::Loaded(t) => Reader::Loaded(t),
            Files::Dir(d) => Reader::Dir(d),
            Files::Commit(c) => Reader::Commit(c.reader()),
        }
    }
}

impl Reader<'_> {
    /// The snapshot holding extension `id` (all of it, or that extension's folder; without
    /// `full`, only its `extension.toml` read).
    fn extension(&self, id: &str, full: bool) -> Result<std::borrow::Cow<'_, Tree>> {
        use std::borrow::Cow;
        Ok(match self {
            Reader::Loaded(t) => Cow::Borrowed(*t),
            Reader::Dir(d) => Cow::Owned(d.extension(id, full)?),
            Reader::Commit(Ok(r)) => Cow::Owned(r.extension(id, full)?),
            Reader::Commit(Err(e)) => return Err(anyhow::anyhow!("{e:#}")),
        })
    }
}

/// One extension after its rules ran.
struct Checked {
    ext: model::Extension,
    /// Findings while reading, and the texts read.
    load: Report,
    /// Findings of the rules.
    found: Vec<Diagnostic>,
}

fn check_one(
    reader: &Reader<'_>,
    id: &str,
    full: bool,
    stage: Stage,
    keep: Keep,
) -> Result<Option<Checked>> {
    let tree = reader.extension(id, full)?;
    // A folder without any file (at any depth) is no extension.
    if tree.under(&format!("extensions/{id}/")).next().is_none() {
        return Ok(None);
    }
    let (ext, mut load) = load::load_extension(&tree, id, full);
    drop(tree);
    let found = rules::check_extension(&ext, &load.sources, stage);
    if keep == Keep::Models {
        return Ok(Some(Checked { ext, load, found }));
    }
    let info = ext.path("extension.toml");
    let mut wanted: BTreeSet<&str> = BTreeSet::new();
    wanted.insert(&info);
    for d in load.diagnostics.iter().chain(&found) {
        if let Some(l) = &d.location {
            wanted.insert(&l.file);
        }
        for r in &d.related {
            wanted.insert(&r.location.file);
        }
    }
    load.sources.retain(|path| wanted.contains(path));
    let compact = model::Extension {
        id: ext.id.clone(),
        dir: ext.dir.clone(),
        full: ext.full,
        info: ext.info.clone(),
        ..Default::default()
    };
    Ok(Some(Checked {
        ext: compact,
        load,
        found,
    }))
}

fn run(opts: &ValidateOptions, keep: Keep) -> Result<ValidateOutcome> {
    let mut ids = opts.ids.clone();
    let mut changed: Option<BTreeSet<String>> = None;
    let (files, top, all_ids, service_branch_hint): (Files, Tree, Vec<String>, Option<String>) =
        match &opts.source {
            Source::Dir(path) => {
                let root = resolve_dir(path, &mut ids)?;
                let branch = git::try_discover(&root).and_then(|r| r.current_branch());
                let (files, top, all) = crate::tree::DirFiles::open(&root)?;
                (Files::Dir(files), top, all, branch)
            }
            Source::Rev(path, rev) => {
                let repo = git::discover(path)?;
                let commit = repo.resolve_commit(rev)?;
                let branch = repo.branch_name_of(rev);
                let (files, top, all) = git::snapshot::CommitFiles::open(&repo, commit)?;
                (Files::Commit(files), top, all, branch)
            }
            Source::Staged(path) => {
                let repo = git::discover(path)?;
                if repo.workdir().is_none() {
                    return Err(bare(path).into());
                }
                let staged = git::snapshot::staged_paths(&repo)?;
                let mut exts: BTreeSet<String> = staged
                    .iter()
                    .filter_map(|p| extension_of(p).map(str::to_string))
                    .collect();
                if !ids.is_empty() {
                    exts.retain(|e| ids.contains(e));
                }
                let want = exts.clone();
                let load_fn = move |p: &str| {
                    p == "cekops.toml"
                        || p.ends_with("/extension.toml")
                        || extension_of(p).is_some_and(|id| want.contains(id))
                };
                let tree = git::snapshot::tree_from_index(&repo, &load_fn)?;
                changed = Some(exts);
                let all = tree.extension_ids();
                (
                    Files::Loaded(tree),
                    Tree::default(),
                    all,
                    repo.current_branch(),
                )
            }
        };
    for id in &ids {
        if !all_ids.contains(id) {
            let mut e = usage(format!("no extension `{id}` in the repository"));
            if let Some(best) = diag::closest(id, &all_ids) {
                e = e.hint(format!("did you mean `{best}`?"));
            } else if !all_ids.is_empty() {
                e = e.hint(format!("extensions: {}", all_ids.join(", ")));
            }
            return Err(e.into());
        }
    }
    let mut full: Option<BTreeSet<String>> = changed;
    if !ids.is_empty() {
        let sel: BTreeSet<String> = ids.iter().cloned().collect();
        full = Some(match full {
            Some(f) => f.intersection(&sel).cloned().collect(),
            None => sel,
        });
    }
    // The index is read whole: its snapshot is also the top.
    let top = match &files {
        Files::Loaded(t) => t,
        _ => &top,
    };
    let mut sink = Report::default();
    let config = load::load_config(top, &mut sink);
    let service = config
        .as_ref()
        .map(|c| c.branches.service.value.clone())
        .unwrap_or_else(|| "service".into());
    let stage = opts.stage.unwrap_or(
        if service_branch_hint.as_deref() == Some(service.as_str()) {
            Stage::Service
        } else {
            Stage::Test
        },
    );
    // Each thread reads, loads and checks one extension at a time.
    let check = |reader: &mut Reader<'_>, id: &String| {
        let is_full = full.as_ref().is_none_or(|f| f.contains(id));
        check_one(reader, id, is_full, stage, keep)
    };
    let checked: Vec<Option<Checked>> = match &files {
        // A commit's reader opens the repository: one per batch of extensions.
        Files::Commit(_) => all_ids
            .par_iter()
            .map_init(|| files.reader(), check)
            .collect::<Result<_>>()?,
        // Other readers cost nothing: each extension is a task of its own, so that the threads
        // finish together (the last one waits for at most one extension, not a batch).
        Files::Dir(_) | Files::Loaded(_) => all_ids
            .par_iter()
            .with_max_len(1)
            .map_init(|| files.reader(), check)
            .collect::<Result<_>>()?,
    };
    let mut extensions = Vec::with_capacity(checked.len());
    let mut found = Vec::new();
    for c in checked.into_iter().flatten() {
        sink.merge(c.load);
        found.push(c.found);
        extensions.push(c.ext);
    }
    load::loose_files(top, &mut sink);
    let repo = model::Repo { config, extensions };
    let mut report = Report {
        diagnostics: sink.diagnostics,
        sources: sink.sources,
    };
    if !top.files.contains_key("cekops.toml") && ids.is_empty() {
        report.diagnostics.push(
            Diagnostic::new(Code::MissingConfig, "the repository has no `cekops.toml`")
                .hint("run `cekops init` to create one with the branch names and review policy"),
        );
    }
    for d in found {
        report.diagnostics.extend(d);
    }
    report.diagnostics.extend(rules::check_repo(&repo, stage));
    // A copied folder that kept the original's ID: `duplicate-id` says it better than `id-mismatch`.
    let duplicates: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::DuplicateId)
        .filter_map(|d| d.location.clone())
        .collect();
    report.diagnostics.retain(|d| {
        d.code != Code::IdMismatch || d.location.as_ref().is_none_or(|l| !duplicates.contains(l))
    });
    let checked: Vec<String> = repo
        .extensions
        .iter()
        .filter(|e| e.full)
        .map(|e| e.id.clone())
        .collect();
    if !ids.is_empty() || full.is_some() {
        // Only findings about the selected extensions (and repository-level files).
        report.diagnostics.retain(|d| match &d.location {
            Some(l) => match extension_of(&format!("{}/", l.file)) {
                Some(id) => checked.iter().any(|c| c == id),
                None => true,
            },
            None => true,
        });
    }
    report.sort();
    Ok(ValidateOutcome {
        report,
        stage,
        checked,
        repo,
    })
}
