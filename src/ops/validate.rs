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

pub fn validate(opts: &ValidateOptions) -> Result<ValidateOutcome> {
    let mut ids = opts.ids.clone();
    let mut changed: Option<BTreeSet<String>> = None;
    let (tree, service_branch_hint): (Tree, Option<String>) = match &opts.source {
        Source::Dir(path) => {
            let root = resolve_dir(path, &mut ids)?;
            let branch = git::try_discover(&root).and_then(|r| r.current_branch());
            (Tree::from_dir(&root, &|_| true)?, branch)
        }
        Source::Rev(path, rev) => {
            let repo = git::discover(path)?;
            let commit = repo.resolve_commit(rev)?;
            let branch = repo.branch_name_of(rev);
            (
                git::snapshot::tree_from_commit(&repo, commit, &|_| true)?,
                branch,
            )
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
            let repo_level = staged.contains("cekops.toml");
            let want = exts.clone();
            let load_fn = move |p: &str| {
                p == "cekops.toml"
                    || p.ends_with("/extension.toml")
                    || extension_of(p).is_some_and(|id| want.contains(id))
            };
            let tree = git::snapshot::tree_from_index(&repo, &load_fn)?;
            let _ = repo_level;
            changed = Some(exts);
            (tree, repo.current_branch())
        }
    };
    let all_ids = tree.extension_ids();
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
    let (repo, sink) = load::load(&tree, full.as_ref());
    let service = repo
        .config
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
    let mut report = Report {
        diagnostics: sink.diagnostics,
        sources: sink.sources,
    };
    if !tree.files.contains_key("cekops.toml") && ids.is_empty() {
        report.diagnostics.push(
            Diagnostic::new(Code::MissingConfig, "the repository has no `cekops.toml`")
                .hint("run `cekops init` to create one with the branch names and review policy"),
        );
    }
    let per_ext: Vec<Vec<Diagnostic>> = repo
        .extensions
        .par_iter()
        .map(|e| rules::check_extension(e, &report.sources, stage))
        .collect();
    for d in per_ext {
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
