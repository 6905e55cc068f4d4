//! `cekops import tsv` (console TSV files into an extension's TOML files in the work tree) and
//! `cekops import alexa` (an Alexa interaction model into a new extension on `test/<id>`).

use std::collections::BTreeSet;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;

use crate::diag;
use crate::diag::Report;
use crate::error::refused;
use crate::error::usage;
use crate::git;
use crate::interop::alexa;
use crate::interop::tsv;
use crate::load;
use crate::model::Language;
use crate::model::RepoConfig;
use crate::ops::export::write_atomic;
use crate::rules;
use crate::rules::Stage;
use crate::tree::Entry;
use crate::tree::Tree;

/// The work-tree root for a folder: the nearest folder (itself or a parent) holding `cekops.toml`
/// or `extensions/`; else the git work tree containing it; else the folder itself.
pub fn work_root(dir: &Path) -> Result<PathBuf> {
    let canon = dir
        .canonicalize()
        .map_err(|e| usage(format!("cannot open `{}`: {e}", dir.display())))?;
    for a in canon.ancestors() {
        if a.join("cekops.toml").is_file() || a.join("extensions").is_dir() {
            return Ok(a.to_path_buf());
        }
    }
    if let Some(repo) = git::try_discover(&canon)
        && let Some(wd) = repo.workdir().map(Path::to_path_buf)
    {
        return Ok(wd);
    }
    Ok(canon)
}

// ---------------------------------------------------------------------------------------------
// import tsv

/// Options of `import tsv`.
#[derive(Clone, Debug)]
pub struct ImportTsvOptions {
    /// The folder the command runs in.
    pub dir: PathBuf,
    pub id: String,
    /// `(name as typed, path)`: TSV files, or folders holding them (as `export tsv` writes).
    pub files: Vec<(String, PathBuf)>,
}

/// What happened to one target file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    Unchanged,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Updated => "updated",
            Change::Unchanged => "unchanged",
        }
    }
}

/// One file of the extension written by `import tsv`.
#[derive(Clone, Debug)]
pub struct Imported {
    /// Repository path of the file written.
    pub path: String,
    /// The TSV file it came from, as typed.
    pub from: String,
    pub kind: tsv::Kind,
    pub name: String,
    pub change: Change,
    /// Utterances (intents) or representative values (slot types).
    pub count: usize,
}

/// What `import tsv` did.
#[derive(Debug)]
pub enum TsvImport {
    /// Files written, and what `validate` finds in the extension afterwards.
    Written {
        files: Vec<Imported>,
        /// Built-in slot types the imported intents use that `extension.toml` did not declare:
        /// now added to its `builtin_slot_types` (spec §3.2, "tick them … → Save").
        declared: Vec<String>,
        report: Report,
    },
    /// Nothing written: a file did not parse.
    Refused(Report),
}

/// Expand folders into their `.tsv` files.
fn expand(files: &[(String, PathBuf)]) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for (name, path) in files {
        if path.is_dir() {
            let found = tsv::folder_files(path)?;
            if found.is_empty() {
                return Err(usage(format!("no `.tsv` files in `{name}`"))
                    .hint("give TSV files, or a folder written by `cekops export tsv`")
                    .into());
            }
            for f in found {
                let rel = f.strip_prefix(path).unwrap_or(&f).to_string_lossy();
                let shown = format!("{}/{}", name.trim_end_matches('/'), rel.replace('\\', "/"));
                out.push((shown, f));
            }
        } else if path.exists() {
            out.push((name.clone(), path.clone()));
        } else {
            return Err(usage(format!("`{name}` does not exist")).into());
        }
    }
    Ok(out)
}

/// Read console TSV files into an extension's interaction-model files in the work tree. Every file
/// is parsed first; when any has an error nothing is written.
pub fn import_tsv(opts: &ImportTsvOptions) -> Result<TsvImport> {
    let root = work_root(&opts.dir)?;
    let ext_rel = format!("extensions/{}", opts.id);
    if !root.join(&ext_rel).join("extension.toml").is_file() {
        return Err(
            refused(format!("no extension `{}` in `{}`", opts.id, root.display()))
                .hint(format!(
                    "import into an existing extension folder `{ext_rel}/`; create one with `cekops new {}`",
                    opts.id
                ))
                .into(),
        );
    }
    let files = expand(&opts.files)?;
    let (model, sink) = tsv::read_files(&files);
    if sink.diagnostics.iter().any(|d| d.is_error()) {
        let mut report = Report {
            diagnostics: sink.diagnostics,
            sources: sink.sources,
        };
        report.sort();
        return Ok(TsvImport::Refused(report));
    }
    // Everything parsed: check what the console would refuse, before anything is written.
    let info_rel = format!("{ext_rel}/extension.toml");
    let info_text = std::fs::read_to_string(root.join(&info_rel))
        .map_err(|e| usage(format!("cannot read `{info_rel}`: {e}")))?;
    let info: crate::model::ExtensionInfo = toml::from_str(&info_text).map_err(|e| {
        refused(format!("`{info_rel}` is invalid: {}", e.message())).hint(format!(
            "run `cekops validate {}` and fix it first",
            opts.id
        ))
    })?;
    let (declared, refusals) = builtin_types_to_declare(&model, &info);
    let mut refusals = refusals;
    refusals.extend(oversized_slot_types(&model));
    if !refusals.is_empty() {
        let mut report = Report {
            diagnostics: refusals,
            sources: sink.sources,
        };
        report.sort();
        return Ok(TsvImport::Refused(report));
    }
    // Compute every target file, then write.
    let mut plan: Vec<(Imported, String)> = Vec::new();
    for intent in &model.intents {
        let rel = format!("{ext_rel}/interaction-model/intents/{}.toml", intent.name);
        let existing = std::fs::read_to_string(root.join(&rel)).ok();
        let text = crate::tomlfmt::canonical(tsv::intent_toml(intent, existing.as_deref()));
        plan.push((
            Imported {
                change: change(existing.as_deref(), &text),
                path: rel,
                from: intent.file.clone(),
                kind: tsv::Kind::Intent,
                name: intent.name.clone(),
                count: intent.def.utterances.value.len(),
            },
            text,
        ));
    }
    for st in &model.slot_types {
        let base = format!("{ext_rel}/interaction-model/slot-types/{}", st.name);
        let tsv_rel = format!("{base}.tsv");
        let (rel, text, existing) = if root.join(&tsv_rel).is_file() {
            // The extension keeps this slot type in the console's own format: keep it so.
            let existing = std::fs::read_to_string(root.join(&tsv_rel)).ok();
            (tsv_rel, tsv::slot_type_tsv(st), existing)
        } else {
            let rel = format!("{base}.toml");
            let existing = std::fs::read_to_string(root.join(&rel)).ok();
            let text = crate::tomlfmt::canonical(tsv::slot_type_toml(st, existing.as_deref()));
            (rel, text, existing)
        };
        plan.push((
            Imported {
                change: change(existing.as_deref(), &text),
                path: rel,
                from: st.file.clone(),
                kind: tsv::Kind::SlotType,
                name: st.name.clone(),
                count: st.values.len(),
            },
            text,
        ));
    }
    let info_new = if declared.is_empty() {
        None
    } else {
        Some(declare_builtin_types(&info_text, &declared)?)
    };
    refuse_uncommitted_edits(&root, &plan)?;
    for (imp, text) in &plan {
        if imp.change == Change::Unchanged {
            continue;
        }
        let path = root.join(&imp.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| usage(format!("cannot create `{}`: {e}", parent.display())))?;
        }
        write_atomic(&path, text.as_bytes())?;
    }
    if let Some(text) = &info_new {
        write_atomic(&root.join(&info_rel), text.as_bytes())?;
    }
    let outcome = crate::ops::validate::validate(&crate::ops::validate::ValidateOptions {
        source: crate::ops::validate::Source::Dir(root),
        ids: vec![opts.id.clone()],
        stage: Some(Stage::Test),
    })?;
    let files: Vec<Imported> = plan.into_iter().map(|(i, _)| i).collect();
    Ok(TsvImport::Written {
        files,
        declared,
        report: outcome.report,
    })
}

/// Refuse to overwrite a file whose work-tree content is not the one committed at `HEAD`
/// (uncommitted or staged edits, or an untracked file): the edits would be lost without a trace.
/// Outside a git repository every file is the user's own and is rewritten as asked.
fn refuse_uncommitted_edits(root: &Path, plan: &[(Imported, String)]) -> Result<()> {
    let Some(repo) = git::try_discover(root) else {
        return Ok(());
    };
    let Some(wd) = repo.workdir().and_then(|w| w.canonicalize().ok()) else {
        return Ok(());
    };
    let head = repo.head_commit();
    let mut dirty = Vec::new();
    for (imp, _) in plan {
        if imp.change != Change::Updated {
            continue;
        }
        let full = root.join(&imp.path);
        let Ok(rel) = full.strip_prefix(&wd) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let committed = match head {
            Some(h) => git::objects::read_file(&repo, h, &rel)?,
            None => None,
        };
        if committed != std::fs::read(&full).ok() {
            dirty.push(imp.path.clone());
        }
    }
    if dirty.is_empty() {
        return Ok(());
    }
    Err(refused(format!(
        "import would overwrite uncommitted edits in {} file(s): {}",
        dirty.len(),
        dirty
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .hint("nothing was written; commit the edits (or `git stash` them) first, then import again")
    .into())
}

/// Built-in slot types (`CLOVA.*`) that imported intents use: those the extension's language
/// has but `extension.toml` does not declare yet (to declare), and refusals for names that are
/// no built-in type of the language (the console would reject the upload).
fn builtin_types_to_declare(
    model: &tsv::TsvModel,
    info: &crate::model::ExtensionInfo,
) -> (Vec<String>, Vec<diag::Diagnostic>) {
    let lang = info.language.value;
    let mut declare: Vec<String> = Vec::new();
    let mut refusals = Vec::new();
    for intent in &model.intents {
        for (slot, ty) in &intent.def.slots.value {
            let t = ty.value.as_str();
            let custom = model.slot_types.iter().any(|st| st.name == t);
            if custom
                || !t.starts_with("CLOVA.")
                || info.builtin_slot_types.value.iter().any(|d| d.value == t)
                || declare.iter().any(|d| d == t)
            {
                continue;
            }
            if rules::lang::is_builtin_slot_type(lang, t) {
                declare.push(t.to_string());
            } else {
                let cands: Vec<String> = rules::lang::builtin_slot_types(lang)
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                let mut d = diag::Diagnostic::new(
                    diag::Code::BuiltinSlotTypeUnknown,
                    format!(
                        "slot `{}` has type `{t}`, which is not a built-in slot type of {}",
                        slot.value,
                        lang.variant()
                    ),
                )
                .at(intent.file.clone(), ty.span.clone());
                if let Some(best) = diag::closest(t, &cands) {
                    d = d.hint(format!("did you mean `{best}`?"));
                }
                refusals.push(d);
            }
        }
    }
    (declare, refusals)
}

/// §3.2: "200,000 entries per slot type … The same cap applies to TSV upload": refused before
/// anything is written.
fn oversized_slot_types(model: &tsv::TsvModel) -> Vec<diag::Diagnostic> {
    model
        .slot_types
        .iter()
        .filter(|st| st.entry_count() > 200_000)
        .map(|st| {
            diag::Diagnostic::new(
                diag::Code::SlotTypeSize,
                format!(
                    "slot type `{}` has {} entries; at most 200,000 (values and synonyms together)",
                    st.name,
                    st.entry_count()
                ),
            )
            .at(st.file.clone(), 0..0)
            .hint("the console refuses larger uploads; split the dictionary or keep the common values")
        })
        .collect()
}

/// `extension.toml` with `names` appended to `builtin_slot_types` (created when absent), in the
/// canonical layout.
fn declare_builtin_types(text: &str, names: &[String]) -> Result<String> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| refused(format!("cannot edit `extension.toml`: {e}")))?;
    let item = doc
        .entry("builtin_slot_types")
        .or_insert(toml_edit::value(toml_edit::Array::new()));
    let Some(array) = item.as_array_mut() else {
        return Err(refused("`builtin_slot_types` in `extension.toml` is not an array").into());
    };
    for n in names {
        array.push(n.as_str());
    }
    Ok(crate::tomlfmt::canonical(doc.to_string()))
}

/// How a target file changes. A file that holds the same data in another layout (one `cekops fmt`
/// would rewrite to exactly the new text) is left alone: an unchanged download is a no-op.
fn change(existing: Option<&str>, new: &str) -> Change {
    match existing {
        None => Change::Created,
        Some(e) if e == new || crate::tomlfmt::canonical(e.to_string()) == new => Change::Unchanged,
        Some(_) => Change::Updated,
    }
}

// ---------------------------------------------------------------------------------------------
// import alexa

/// Options of `import alexa`.
#[derive(Clone, Debug)]
pub struct ImportAlexaOptions {
    /// The folder the command runs in (inside the extension repository).
    pub dir: PathBuf,
    /// The model file, as typed (for messages) and its path.
    pub file: (String, PathBuf),
    pub id: String,
    pub language: Language,
    pub name: Option<String>,
    pub endpoint: Option<String>,
    /// Convert and check, but write nothing.
    pub dry_run: bool,
}

/// What `import alexa` did.
#[derive(Debug)]
pub enum AlexaImport {
    /// Nothing written: the model file cannot be read.
    Refused(Report),
    Done(AlexaDone),
}

/// A finished conversion.
#[derive(Debug)]
pub struct AlexaDone {
    pub conversion: alexa::Conversion,
    /// The test branch created (or that would be created with `--dry-run`).
    pub branch: String,
    /// The branch it starts from.
    pub base: String,
    /// The new commit (`None` with `--dry-run`).
    pub commit: Option<git::Oid>,
    /// What `validate` finds in the new extension.
    pub report: Report,
}

/// Branch names from the work tree's `cekops.toml` (defaults when there is none).
fn config(repo: &git::Repository) -> Result<RepoConfig> {
    let Some(wd) = repo.workdir().map(Path::to_path_buf) else {
        return Ok(RepoConfig::default());
    };
    let path = wd.join("cekops.toml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(RepoConfig::default());
    };
    toml::from_str(&text).map_err(|e| {
        usage(format!("`cekops.toml` is invalid: {}", e.message()))
            .hint("run `cekops validate` to see the problem")
            .into()
    })
}

/// Convert an Alexa interaction model into a new extension committed on its test branch, made
/// from the service branch. The work tree and index are not touched.
pub fn import_alexa(opts: &ImportAlexaOptions) -> Result<AlexaImport> {
    if !rules::is_valid_id(&opts.id) {
        return Err(usage(format!("`{}` is not a valid Extension ID", opts.id))
            .hint("use lower-case reverse-domain notation such as `com.example.pizzabot`")
            .into());
    }
    let (shown, path) = &opts.file;
    let bytes = std::fs::read(path).map_err(|e| usage(format!("cannot read `{shown}`: {e}")))?;
    let mut file_tree = Tree::default();
    file_tree.insert(shown.clone(), Entry::Blob(Arc::from(bytes)));
    let mut sink = diag::Report::default();
    let Some(text) = crate::tree::read_text(&file_tree, shown, &mut sink) else {
        return Ok(AlexaImport::Refused(Report {
            diagnostics: sink.diagnostics,
            sources: sink.sources,
        }));
    };
    let model = match alexa::parse(shown, &text) {
        Ok(m) => m,
        Err(d) => {
            return Ok(AlexaImport::Refused(Report {
                diagnostics: vec![*d],
                sources: sink.sources,
            }));
        }
    };
    let repo = git::discover(&opts.dir)?;
    let cfg = config(&repo)?;
    let service = cfg.branches.service.value.clone();
    let branch = cfg.branches.test_branch(&opts.id);
    let Some(base) = git::refs::branch_target(&repo, &service) else {
        return Err(refused(format!("the repository has no `{service}` branch"))
            .hint("`cekops init` creates it; a new extension starts from the service branch")
            .into());
    };
    if git::refs::branch_exists(&repo, &branch) {
        return Err(refused(format!("branch `{branch}` already exists"))
            .hint("an extension with this ID is being developed already; choose another `--id`")
            .into());
    }
    let ext_dir = format!("extensions/{}", opts.id);
    let base_tree = git::snapshot::tree_from_commit(&repo, base, &|_| true)?;
    if base_tree.under(&format!("{ext_dir}/")).next().is_some() {
        return Err(refused(format!(
            "extension `{}` exists already on `{service}`",
            opts.id
        ))
        .hint("import into a new Extension ID")
        .into());
    }
    let who = git::identity::author_and_committer(Some(&repo))
        .ok()
        .map(|(author, _)| (author.name, author.email));
    let conversion = alexa::convert(
        &model,
        &alexa::Options {
            id: opts.id.clone(),
            language: opts.language,
            name: opts.name.clone(),
            endpoint: opts.endpoint.clone(),
            provider: who.as_ref().map(|(name, _)| name.clone()),
            contact_email: who.as_ref().map(|(_, email)| email.clone()),
            locale: locale_of(path),
        },
    );
    let files: Vec<(String, Vec<u8>)> = conversion
        .files
        .iter()
        .map(|(rel, text)| (format!("{ext_dir}/{rel}"), text.clone().into_bytes()))
        .collect();
    let mut tree = base_tree;
    for (p, b) in &files {
        tree.insert(p.clone(), Entry::Blob(Arc::from(b.as_slice())));
    }
    let report = validate_one(&tree, &opts.id);
    let commit = if opts.dry_run {
        None
    } else {
        let message = format!(
            "import: {} from Alexa model {}\n\n{} custom intents, {} slot types; converted by `cekops import alexa`.\n",
            opts.id,
            Path::new(shown)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| shown.clone()),
            conversion.intents.len(),
            conversion.slot_types.len(),
        );
        let files: Vec<git::objects::NewFile> = files
            .into_iter()
            .map(|(path, content)| git::objects::NewFile { path, content })
            .collect();
        let (author, committer) = git::identity::author_and_committer(Some(&repo))?;
        let tree =
            git::objects::tree_with(&repo, Some(git::objects::tree_of(&repo, base)?), &files)?;
        let commit =
            git::objects::create_commit(&repo, tree, &[base], &author, &committer, &message)?;
        git::refs::create_branch(
            &repo,
            &branch,
            commit,
            &format!("cekops: {}", message.lines().next().unwrap_or("")),
        )?;
        Some(commit)
    };
    Ok(AlexaImport::Done(AlexaDone {
        conversion,
        branch,
        base: service,
        commit,
        report,
    }))
}

/// The locale an Alexa model file name gives (`en-US.json` → `en-US`).
fn locale_of(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let (lang, region) = stem.split_once('-')?;
    (lang.len() == 2
        && region.len() == 2
        && lang.chars().all(|c| c.is_ascii_lowercase())
        && region.chars().all(|c| c.is_ascii_uppercase()))
    .then(|| stem.to_string())
}

/// Validate one extension of a snapshot with the test-stage rules; only its findings.
fn validate_one(tree: &Tree, id: &str) -> Report {
    let full: BTreeSet<String> = [id.to_string()].into();
    let (repo, sink) = load::load(tree, Some(&full));
    let mut report = Report {
        diagnostics: sink.diagnostics,
        sources: sink.sources,
    };
    for ext in repo.extensions.iter().filter(|e| e.full) {
        report
            .diagnostics
            .extend(rules::check_extension(ext, &report.sources, Stage::Test));
    }
    report
        .diagnostics
        .extend(rules::check_repo(&repo, Stage::Test));
    let prefix = format!("extensions/{id}/");
    report.diagnostics.retain(|d| {
        d.location
            .as_ref()
            .is_some_and(|l| l.file.starts_with(&prefix) || l.file == prefix.trim_end_matches('/'))
    });
    report.sort();
    report
}
