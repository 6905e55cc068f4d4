//! `cekops fmt`: rewrite the TOML files cekops reads in the canonical layout of [`crate::tomlfmt`].
//!
//! Files that cannot be read as TOML are reported as diagnostics (`toml-syntax`, `invalid-utf8`,
//! `file-too-large`) and left untouched. Symbolic links are never followed or written through.

use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use anyhow::Result;
use rayon::prelude::*;

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::diag::Report;
use crate::error::usage;
use crate::git;
use crate::tomlfmt;
use crate::tomlfmt::FormatError;
use crate::tree::MAX_FILE_SIZE;

#[derive(Clone, Debug)]
pub struct FmtOptions {
    /// A repository folder, a folder inside `extensions/`, or one `.toml` file.
    pub path: PathBuf,
    /// Only report what would change; write nothing.
    pub check: bool,
    /// Paths in the report are shown relative to this folder when they are inside it.
    pub base: PathBuf,
}

/// What happened to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Already in the canonical layout.
    Unchanged,
    /// Rewritten (or, with `check`, would be).
    Reformatted,
    /// Not formatted: the reason is a diagnostic in the report.
    Invalid,
    /// Not formatted: the formatter could not guarantee a safe result (a bug in cekops).
    Unsafe(String),
}

#[derive(Clone, Debug)]
pub struct FileResult {
    /// The path as shown to the user.
    pub display: String,
    pub outcome: Outcome,
}

#[derive(Debug, Default)]
pub struct FmtReport {
    /// Every file looked at, in path order.
    pub files: Vec<FileResult>,
    /// Why invalid files were left alone.
    pub report: Report,
}

impl FmtReport {
    pub fn count(&self, outcome: &Outcome) -> usize {
        self.files.iter().filter(|f| &f.outcome == outcome).count()
    }
    pub fn reformatted(&self) -> impl Iterator<Item = &FileResult> {
        self.files
            .iter()
            .filter(|f| f.outcome == Outcome::Reformatted)
    }
    pub fn unsafe_files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().filter_map(|f| match &f.outcome {
            Outcome::Unsafe(why) => Some((f.display.as_str(), why.as_str())),
            _ => None,
        })
    }
}

/// Format (or check) the TOML files under `opts.path`.
pub fn fmt(opts: &FmtOptions) -> Result<FmtReport> {
    let files = targets(&opts.path)?;
    let base = opts
        .base
        .canonicalize()
        .unwrap_or_else(|_| opts.base.clone());
    let results: Vec<Result<FileOutcome>> = files
        .par_iter()
        .map(|file| {
            let display = display_path(file, &base);
            format_file(file, display, opts.check)
        })
        .collect();
    let mut out = FmtReport::default();
    for r in results {
        let (file, diags, source) = r?;
        out.files.push(file);
        out.report.diagnostics.extend(diags);
        if let Some((name, text)) = source {
            out.report.sources.insert(name, text);
        }
    }
    out.report.sort();
    Ok(out)
}

type FileOutcome = (FileResult, Vec<Diagnostic>, Option<(String, Arc<str>)>);

fn format_file(file: &Path, display: String, check: bool) -> Result<FileOutcome> {
    let result = |outcome| FileResult {
        display: display.clone(),
        outcome,
    };
    let meta = std::fs::symlink_metadata(file)
        .with_context(|| format!("cannot read `{}`", file.display()))?;
    if meta.len() > MAX_FILE_SIZE {
        let d = Diagnostic::new(
            Code::FileTooLarge,
            format!(
                "file is {} bytes, more than cekops reads ({MAX_FILE_SIZE} bytes)",
                meta.len()
            ),
        )
        .at(display.clone(), 0..0);
        return Ok((result(Outcome::Invalid), vec![d], None));
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read `{}`", file.display()))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let binary = bytes.iter().take(8000).any(|b| *b == 0);
            let lossy: Arc<str> = Arc::from(String::from_utf8_lossy(&bytes).as_ref());
            let d = Diagnostic::new(
                Code::InvalidUtf8,
                if binary {
                    "file is binary, not UTF-8 text".to_string()
                } else {
                    format!("file is not valid UTF-8 (invalid byte at offset {at})")
                },
            )
            .at(display.clone(), at..at + 1)
            .hint("save the file as UTF-8 text; `cekops fmt` left it untouched");
            return Ok((result(Outcome::Invalid), vec![d], Some((display, lossy))));
        }
    };
    match tomlfmt::format(&text) {
        Ok(formatted) if formatted == text => Ok((result(Outcome::Unchanged), Vec::new(), None)),
        Ok(formatted) => {
            if !check {
                write_atomic(file, formatted.as_bytes(), &meta)
                    .with_context(|| format!("cannot write `{}`", file.display()))?;
            }
            Ok((result(Outcome::Reformatted), Vec::new(), None))
        }
        Err(FormatError::Syntax { message, span }) => {
            let d = Diagnostic::new(Code::TomlSyntax, message)
                .at(display.clone(), span)
                .hint("fix the TOML syntax (see https://toml.io); `cekops fmt` left the file untouched");
            Ok((
                result(Outcome::Invalid),
                vec![d],
                Some((display, Arc::from(text.as_str()))),
            ))
        }
        Err(e @ FormatError::Unsafe(_)) => {
            Ok((result(Outcome::Unsafe(e.to_string())), Vec::new(), None))
        }
    }
}

/// Replace a file's content through a temporary file in the same folder and a rename, keeping
/// its permissions: a crash never leaves a half-written file.
fn write_atomic(file: &Path, content: &[u8], meta: &std::fs::Metadata) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.cekops-fmt-{}.tmp", std::process::id()));
    let result = (|| {
        std::fs::write(&tmp, content)?;
        std::fs::set_permissions(&tmp, meta.permissions())?;
        std::fs::rename(&tmp, file)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn display_path(file: &Path, base: &Path) -> String {
    let shown = file.strip_prefix(base).unwrap_or(file);
    shown.to_string_lossy().replace('\\', "/")
}

/// The files to format: one `.toml` file, every `.toml` file under a folder inside
/// `extensions/`, or `cekops.toml` and `extensions/**/*.toml` of a repository.
fn targets(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::symlink_metadata(path)
        .map_err(|_| usage(format!("`{}` does not exist", path.display())))?;
    if meta.file_type().is_symlink() {
        return Err(usage(format!(
            "`{}` is a symbolic link; cekops fmt does not follow links",
            path.display()
        ))
        .into());
    }
    let path = path.canonicalize()?;
    if meta.is_file() {
        if path.extension().is_none_or(|e| e != "toml") {
            return Err(usage(format!("`{}` is not a `.toml` file", path.display()))
                .hint("give a `.toml` file, an extension folder or the repository folder")
                .into());
        }
        return Ok(vec![path]);
    }
    let mut files = Vec::new();
    let is_root = |p: &Path| p.join("cekops.toml").exists() || p.join("extensions").is_dir();
    let inside_extensions = path.ancestors().any(|a| {
        a.file_name().is_some_and(|n| n == "extensions") && a.parent().is_some_and(is_root)
    });
    if !is_root(&path) && inside_extensions {
        collect(&path, &mut files)?;
        return Ok(files);
    }
    let root = if is_root(&path) {
        path
    } else {
        git::try_discover(&path)
            .and_then(|r| r.workdir().map(Path::to_path_buf))
            .and_then(|w| w.canonicalize().ok())
            .unwrap_or(path)
    };
    let config = root.join("cekops.toml");
    if std::fs::symlink_metadata(&config).is_ok_and(|m| m.is_file()) {
        files.push(config);
    }
    let ext = root.join("extensions");
    if std::fs::symlink_metadata(&ext).is_ok_and(|m| m.is_dir()) {
        collect(&ext, &mut files)?;
    }
    Ok(files)
}

/// Every regular `.toml` file under `dir`, sorted; links are skipped.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read folder `{}`", dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let ft = e.file_type()?;
        if ft.is_dir() {
            if e.file_name() != ".git" {
                collect(&e.path(), out)?;
            }
        } else if ft.is_file() && e.path().extension().is_some_and(|x| x == "toml") {
            out.push(e.path());
        }
    }
    Ok(())
}
