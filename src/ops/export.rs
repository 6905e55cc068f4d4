//! `cekops export tsv` (the console's upload files of one extension) and `cekops export bundle`
//! (one deterministic JSON document of every extension).

use std::path::Path;
use std::path::PathBuf;

use anyhow::Result;

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::diag::Report;
use crate::error::refused;
use crate::error::usage;
use crate::interop::bundle;
use crate::interop::tsv;
use crate::ops::validate::Source;
use crate::ops::validate::ValidateOptions;
use crate::ops::validate::validate;
use crate::rules::Stage;

/// Options of `export tsv`.
#[derive(Clone, Debug)]
pub struct ExportTsvOptions {
    /// Where to read the extension: a folder (work tree) or a revision.
    pub source: Source,
    pub id: String,
    /// Output folder.
    pub out: PathBuf,
    /// How messages name the output folder (as the user typed it).
    pub out_name: String,
    /// Replace the `.tsv` files of an earlier export in `out`.
    pub force: bool,
}

/// One file written by `export tsv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TsvFile {
    /// Path relative to the output folder: `intents/<Name>.tsv` or `slot-types/<TYPE>.tsv`.
    pub rel: String,
    pub kind: tsv::Kind,
    pub name: String,
    /// Utterances (intents) or representative values (slot types).
    pub count: usize,
}

/// What `export tsv` did.
#[derive(Debug)]
pub enum TsvExport {
    Written(Vec<TsvFile>),
    /// Nothing written: the model does not load, or holds something the TSV format cannot.
    Refused(Report),
}

/// Codes that mean a file of the model did not load (so an export would silently lack it).
const LOAD_FAILURES: &[Code] = &[
    Code::TomlSyntax,
    Code::InvalidUtf8,
    Code::UnreadableFile,
    Code::FileTooLarge,
    Code::UnknownKey,
    Code::SchemaViolation,
    Code::SymlinkEscape,
    Code::TsvSyntax,
];

/// The file contents of every custom intent and slot type of an extension in the console's TSV
/// format: `(relative path, file, text)`, sorted by path.
pub fn tsv_files(ext: &crate::model::Extension) -> Result<Vec<(TsvFile, String)>, Vec<Diagnostic>> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for intent in &ext.intents {
        match tsv::intent_to_tsv(intent) {
            Ok(text) => files.push((
                TsvFile {
                    rel: format!("intents/{}.tsv", intent.name),
                    kind: tsv::Kind::Intent,
                    name: intent.name.clone(),
                    count: intent.def.utterances.value.len(),
                },
                text,
            )),
            Err(p) => problems.extend(p),
        }
    }
    for st in &ext.slot_types {
        match tsv::slot_type_to_tsv(st) {
            Ok(text) => files.push((
                TsvFile {
                    rel: format!("slot-types/{}.tsv", st.name),
                    kind: tsv::Kind::SlotType,
                    name: st.name.clone(),
                    count: st.values.len(),
                },
                text,
            )),
            Err(p) => problems.extend(p),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    files.sort_by(|a, b| a.0.rel.cmp(&b.0.rel));
    Ok(files)
}

/// Write the console TSV files of one extension into a folder.
pub fn export_tsv(opts: &ExportTsvOptions) -> Result<TsvExport> {
    let outcome = validate(&ValidateOptions {
        source: opts.source.clone(),
        ids: vec![opts.id.clone()],
        stage: None,
    })?;
    let mut report = outcome.report;
    let model_dir = format!("extensions/{}/interaction-model/", opts.id);
    let blocking: Vec<Diagnostic> = report
        .diagnostics
        .iter()
        .filter(|d| {
            d.is_error()
                && LOAD_FAILURES.contains(&d.code)
                && d.location
                    .as_ref()
                    .is_some_and(|l| l.file.starts_with(&model_dir))
        })
        .cloned()
        .collect();
    if !blocking.is_empty() {
        report.diagnostics = blocking;
        return Ok(TsvExport::Refused(report));
    }
    let Some(ext) = outcome.repo.extension(&opts.id) else {
        return Err(usage(format!("no extension `{}` in the repository", opts.id)).into());
    };
    let files = match tsv_files(ext) {
        Ok(f) => f,
        Err(problems) => {
            report.diagnostics = problems;
            report.sort();
            return Ok(TsvExport::Refused(report));
        }
    };
    prepare_out(&opts.out, &opts.out_name, opts.force)?;
    for (file, text) in &files {
        let path = opts.out.join(&file.rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| usage(format!("cannot create `{}`: {e}", parent.display())))?;
        }
        write_atomic(&path, text.as_bytes())?;
    }
    Ok(TsvExport::Written(
        files.into_iter().map(|(f, _)| f).collect(),
    ))
}

/// Make sure the output folder can take an export: missing or empty, or (with `force`) emptied of
/// the `.tsv` files of an earlier export.
fn prepare_out(out: &Path, name: &str, force: bool) -> Result<()> {
    if out.exists() && !out.is_dir() {
        return Err(usage(format!("`{name}` is not a folder")).into());
    }
    if !out.exists() {
        std::fs::create_dir_all(out).map_err(|e| usage(format!("cannot create `{name}`: {e}")))?;
        return Ok(());
    }
    let non_empty = std::fs::read_dir(out)?.next().is_some();
    if !non_empty {
        return Ok(());
    }
    if !force {
        return Err(refused(format!("`{name}` is not empty"))
            .hint("export into a new folder, or add `--force` to replace the `.tsv` files of an earlier export (in its `intents/` and `slot-types/` folders)")
            .into());
    }
    for sub in ["intents", "slot-types"] {
        let dir = out.join(sub);
        if !dir.is_dir() {
            continue;
        }
        for e in std::fs::read_dir(&dir)? {
            let p = e?.path();
            if p.is_file() && p.extension().is_some_and(|x| x == "tsv") {
                std::fs::remove_file(&p)?;
            }
        }
    }
    Ok(())
}

/// Write a file through a temporary file in the same folder and a rename, so that a reader never
/// sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.cekops-tmp"));
    std::fs::write(&tmp, bytes).map_err(|e| {
        // A full disk: leave no half-written temporary file behind.
        let _ = std::fs::remove_file(&tmp);
        usage(format!("cannot write `{}`: {e}", path.display()))
    })?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        usage(format!("cannot write `{}`: {e}", path.display()))
    })?;
    Ok(())
}

/// Options of `export bundle`.
#[derive(Clone, Debug)]
pub struct BundleOptions {
    pub source: Source,
    pub stage: Option<Stage>,
}

/// What `export bundle` made.
#[derive(Debug)]
pub enum BundleExport {
    /// The document, with the number of extensions and of warnings found on the way.
    Bundle {
        json: String,
        extensions: usize,
        warnings: Report,
    },
    /// Validation found errors: a deploy job must not ship these files.
    Refused(Report),
}

/// Build the bundle of every extension at a revision (or in a folder).
pub fn export_bundle(opts: &BundleOptions) -> Result<BundleExport> {
    let outcome = validate(&ValidateOptions {
        source: opts.source.clone(),
        ids: Vec::new(),
        stage: opts.stage,
    })?;
    if outcome.report.errors() > 0 {
        return Ok(BundleExport::Refused(outcome.report));
    }
    let mut repo = outcome.repo;
    repo.extensions.retain(|e| e.full);
    let b = bundle::build(&repo).map_err(|errors| {
        usage(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    Ok(BundleExport::Bundle {
        extensions: b.extensions.len(),
        json: bundle::to_json(&b),
        warnings: outcome.report,
    })
}
