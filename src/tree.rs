//! A snapshot of the repository files cekops reads: from a work-tree folder, a commit or the index.
//!
//! Paths are repository-relative with `/` separators. Only `cekops.toml` and everything under
//! `extensions/` are part of a snapshot.

use std::collections::BTreeMap;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::diag::Report;

/// Files larger than this are reported (`file-too-large`), never read.
pub const MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;

/// One file of a snapshot.
#[derive(Clone, Debug)]
pub enum Entry {
    /// The file's bytes.
    Blob(Arc<[u8]>),
    /// The file's bytes, known to be UTF-8 text (read once, shared with the loaded sources).
    Text(Arc<str>),
    /// Listed, but its content was not read (outside the requested extensions).
    Unloaded,
    /// A symbolic link with its target as written.
    Symlink(String),
    /// Larger than [`MAX_FILE_SIZE`]; not read.
    TooLarge(u64),
    /// Could not be read (permission, I/O error).
    Unreadable(String),
}

impl Entry {
    /// A file's content: [`Entry::Text`] when it is UTF-8, so that reading it as text later
    /// needs no second copy, else [`Entry::Blob`].
    pub fn content(bytes: &[u8]) -> Entry {
        match simdutf8::basic::from_utf8(bytes) {
            Ok(text) => Entry::Text(Arc::from(text)),
            Err(_) => Entry::Blob(Arc::from(bytes)),
        }
    }
}

/// The files of one revision (or a folder) under `cekops.toml` and `extensions/`.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub files: BTreeMap<String, Entry>,
}

/// Is this repository path part of what cekops reads?
pub fn is_relevant(path: &str) -> bool {
    path == "cekops.toml" || path.starts_with("extensions/")
}

/// The extension ID a path belongs to (`extensions/<id>/...`).
pub fn extension_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("extensions/")?;
    let (id, _) = rest.split_once('/')?;
    Some(id)
}

/// What reading a snapshot path gave.
pub enum Read<'a> {
    Bytes(&'a Arc<[u8]>),
    /// A file known to be UTF-8 text ([`Entry::Text`]).
    Text(&'a Arc<str>),
    Missing,
    Escapes(String),
    TooLarge(u64),
    Unreadable(String),
}

impl Tree {
    pub fn insert(&mut self, path: String, entry: Entry) {
        self.files.insert(path, entry);
    }

    /// Read a file, following symbolic links that stay inside the repository.
    pub fn read(&self, path: &str) -> Read<'_> {
        let mut current = path.to_string();
        for _ in 0..16 {
            match self.files.get(&current) {
                None | Some(Entry::Unloaded) => return Read::Missing,
                Some(Entry::Blob(b)) => return Read::Bytes(b),
                Some(Entry::Text(t)) => return Read::Text(t),
                Some(Entry::TooLarge(n)) => return Read::TooLarge(*n),
                Some(Entry::Unreadable(e)) => return Read::Unreadable(e.clone()),
                Some(Entry::Symlink(target)) => match resolve_link(&current, target) {
                    Some(next) => current = next,
                    None => return Read::Escapes(target.clone()),
                },
            }
        }
        Read::Unreadable("too many levels of symbolic links".into())
    }

    /// Add the targets of symbolic links that the snapshot lacks (files outside `extensions/`, or
    /// in extensions that were not loaded), so that links inside the repository can be followed.
    /// `fetch` reads one repository path; it is called only for link targets.
    pub fn fetch_link_targets(&mut self, fetch: &mut dyn FnMut(&str) -> Option<Entry>) {
        let links: Vec<(String, String)> = self
            .files
            .iter()
            .filter_map(|(p, e)| match e {
                Entry::Symlink(t) => Some((p.clone(), t.clone())),
                _ => None,
            })
            .collect();
        for (mut current, mut target) in links {
            for _ in 0..16 {
                let Some(next) = resolve_link(&current, &target) else {
                    break;
                };
                let entry = match self.files.get(&next) {
                    None | Some(Entry::Unloaded) => match fetch(&next) {
                        Some(e) => {
                            self.insert(next.clone(), e.clone());
                            e
                        }
                        None => break,
                    },
                    Some(e) => e.clone(),
                };
                match entry {
                    Entry::Symlink(t) => {
                        current = next;
                        target = t;
                    }
                    _ => break,
                }
            }
        }
    }

    /// Paths under a folder prefix (`extensions/x/`).
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a String, &'a Entry)> {
        self.files
            .range(prefix.to_string()..)
            .take_while(move |(p, _)| p.starts_with(prefix))
    }

    /// Extension folder names, in order.
    pub fn extension_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for path in self.files.keys() {
            if let Some(id) = extension_of(path)
                && ids.last().map(String::as_str) != Some(id)
            {
                ids.push(id.to_string());
            }
        }
        ids.dedup();
        ids
    }

    /// Read a work-tree folder. `load` decides which files' contents are read.
    pub fn from_dir(root: &Path, load: &dyn Fn(&str) -> bool) -> std::io::Result<Tree> {
        let mut tree = Tree::default();
        // Files to read: listed first, then read on all cores.
        let mut pending: Vec<(String, PathBuf, u64)> = Vec::new();
        let config = root.join("cekops.toml");
        if std::fs::symlink_metadata(&config).is_ok() {
            probe(config, "cekops.toml".into(), load, &mut tree, &mut pending);
        }
        let ext = root.join("extensions");
        if std::fs::symlink_metadata(&ext)
            .map(|m| m.is_dir())
            .unwrap_or(false)
        {
            walk(&ext, "extensions", &mut tree, &mut pending, load)?;
        }
        let read: Vec<(String, Entry)> = pending
            .into_par_iter()
            .map(|(rel, full, len)| {
                let entry = read_entry(&full, len);
                (rel, entry)
            })
            .collect();
        for (rel, entry) in read {
            tree.insert(rel, entry);
        }
        let canon_root = root.canonicalize()?;
        tree.fetch_link_targets(&mut |rel| link_target_on_disk(root, &canon_root, rel));
        Ok(tree)
    }
}

/// A link target of a work-tree folder, read from disk.
fn link_target_on_disk(root: &Path, canon_root: &Path, rel: &str) -> Option<Entry> {
    let full = root.join(rel);
    if std::fs::symlink_metadata(&full).ok()?.is_dir() {
        return None;
    }
    // A folder on the way that is itself a link out of the repository.
    let parent = full.parent()?.canonicalize().ok()?;
    if !parent.starts_with(canon_root) {
        let name = full.file_name()?;
        return Some(Entry::Symlink(
            parent.join(name).to_string_lossy().replace('\\', "/"),
        ));
    }
    Some(read_disk(&full, rel, &|_| true))
}

/// A work-tree folder read one extension at a time (so that only the extensions being checked
/// are in memory): [`DirFiles::open`] reads the top, [`DirFiles::extension`] one extension folder.
pub struct DirFiles {
    root: PathBuf,
    canon_root: PathBuf,
}

impl DirFiles {
    /// The folder's `cekops.toml` and the files directly under `extensions/` as a snapshot, and
    /// the extension folder names in snapshot order (the order [`Tree::extension_ids`] gives).
    pub fn open(root: &Path) -> std::io::Result<(DirFiles, Tree, Vec<String>)> {
        let mut tree = Tree::default();
        let mut pending: Vec<(String, PathBuf, u64)> = Vec::new();
        let mut ids = Vec::new();
        let config = root.join("cekops.toml");
        if std::fs::symlink_metadata(&config).is_ok() {
            probe(
                config,
                "cekops.toml".into(),
                &|_| true,
                &mut tree,
                &mut pending,
            );
        }
        let ext = root.join("extensions");
        if std::fs::symlink_metadata(&ext)
            .map(|m| m.is_dir())
            .unwrap_or(false)
        {
            for e in std::fs::read_dir(&ext)? {
                let e = e?;
                let name = e.file_name();
                let Some(name) = name.to_str() else {
                    tree.insert(
                        format!("extensions/{}", name.to_string_lossy()),
                        Entry::Unreadable("file name is not valid UTF-8".into()),
                    );
                    continue;
                };
                if name == ".git" {
                    continue;
                }
                if e.file_type()?.is_dir() {
                    ids.push(name.to_string());
                } else {
                    probe(
                        e.path(),
                        format!("extensions/{name}"),
                        &|_| true,
                        &mut tree,
                        &mut pending,
                    );
                }
            }
        }
        for (rel, full, len) in pending {
            tree.insert(rel, read_entry(&full, len));
        }
        let canon_root = root.canonicalize()?;
        tree.fetch_link_targets(&mut |rel| link_target_on_disk(root, &canon_root, rel));
        // Snapshot order: `a.b/` sorts before `a/`.
        ids.sort_by_cached_key(|id| format!("{id}/"));
        let files = DirFiles {
            root: root.to_path_buf(),
            canon_root,
        };
        Ok((files, tree, ids))
    }

    /// One extension folder as a snapshot (with the targets of its links into the rest of the
    /// repository); without `full`, only its `extension.toml` is read (the other files are
    /// listed). Read on the calling thread: extensions are read in parallel, not their files.
    pub fn extension(&self, id: &str, full: bool) -> std::io::Result<Tree> {
        let mut tree = Tree::default();
        let mut pending: Vec<(String, PathBuf, u64)> = Vec::new();
        let dir = self.root.join("extensions").join(id);
        let info = format!("extensions/{id}/extension.toml");
        let load = |p: &str| full || p == info;
        walk(
            &dir,
            &format!("extensions/{id}"),
            &mut tree,
            &mut pending,
            &load,
        )?;
        for (rel, full, len) in pending {
            tree.insert(rel, read_entry(&full, len));
        }
        tree.fetch_link_targets(&mut |rel| link_target_on_disk(&self.root, &self.canon_root, rel));
        Ok(tree)
    }
}

fn read_entry(full: &Path, len: u64) -> Entry {
    match read_whole(full, len) {
        Ok(b) => Entry::Blob(b),
        Err(e) => Entry::Unreadable(e.to_string()),
    }
}

fn walk(
    dir: &Path,
    rel: &str,
    tree: &mut Tree,
    pending: &mut Vec<(String, PathBuf, u64)>,
    load: &dyn Fn(&str) -> bool,
) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let Some(name) = name.to_str() else {
            tree.insert(
                format!("{rel}/{}", name.to_string_lossy()),
                Entry::Unreadable("file name is not valid UTF-8".into()),
            );
            continue;
        };
        if name == ".git" {
            continue;
        }
        let path = format!("{rel}/{name}");
        let ft = e.file_type()?;
        if ft.is_dir() {
            walk(&e.path(), &path, tree, pending, load)?;
        } else {
            probe(e.path(), path, load, tree, pending);
        }
    }
    Ok(())
}

/// Decide what a file is: an entry right away (link, not a regular file, too large, not
/// wanted), or one to read (added to `pending` with its size).
fn probe(
    full: PathBuf,
    rel: String,
    load: &dyn Fn(&str) -> bool,
    tree: &mut Tree,
    pending: &mut Vec<(String, PathBuf, u64)>,
) {
    let meta = match std::fs::symlink_metadata(&full) {
        Ok(m) => m,
        Err(e) => return tree.insert(rel, Entry::Unreadable(e.to_string())),
    };
    let entry = if meta.file_type().is_symlink() {
        match std::fs::read_link(&full) {
            Ok(t) => Entry::Symlink(t.to_string_lossy().replace('\\', "/")),
            Err(e) => Entry::Unreadable(e.to_string()),
        }
    } else if !meta.is_file() {
        Entry::Unreadable("not a regular file".into())
    } else if meta.len() > MAX_FILE_SIZE {
        Entry::TooLarge(meta.len())
    } else if !load(&rel) {
        Entry::Unloaded
    } else {
        return pending.push((rel, full, meta.len()));
    };
    tree.insert(rel, entry);
}

/// One file read at once (for link targets found after the walk).
fn read_disk(full: &Path, rel: &str, load: &dyn Fn(&str) -> bool) -> Entry {
    let mut one = Tree::default();
    let mut pending = Vec::new();
    probe(
        full.to_path_buf(),
        rel.to_string(),
        load,
        &mut one,
        &mut pending,
    );
    match pending.pop() {
        Some((_, full, len)) => read_entry(&full, len),
        None => one
            .files
            .remove(rel)
            .unwrap_or_else(|| Entry::Unreadable("cannot be read".into())),
    }
}

/// A file's bytes, read straight into shared memory (no copy) when its size is still `len`.
fn read_whole(full: &Path, len: u64) -> std::io::Result<Arc<[u8]>> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(full)?;
    let mut buf: Arc<[u8]> = std::iter::repeat_n(0u8, len as usize).collect();
    if let Some(slice) = Arc::get_mut(&mut buf)
        && file.read_exact(slice).is_ok()
        && file.read(&mut [0u8; 1])? == 0
    {
        return Ok(buf);
    }
    // The file changed size since it was listed: read it as it is now.
    Ok(std::fs::read(full)?.into())
}

/// Resolve a symbolic link's target against the link's folder; `None` when it leaves the repository.
pub fn resolve_link(link_path: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = link_path.split('/').collect();
    parts.pop();
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    // `.git/` holds the repository's own files (config, hooks, objects): never read through a link.
    if parts.iter().any(|p| p.eq_ignore_ascii_case(".git")) {
        return None;
    }
    Some(parts.join("/"))
}

/// Read a snapshot file as UTF-8 text, reporting why it cannot be read. The text is added to the
/// sink's sources.
pub fn read_text(tree: &Tree, path: &str, sink: &mut Report) -> Option<Arc<str>> {
    let bytes = match tree.read(path) {
        Read::Bytes(b) => b,
        Read::Text(text) => {
            sink.sources.insert(path, text.clone());
            return Some(text.clone());
        }
        Read::Missing => {
            if let Some(Entry::Symlink(target)) = tree.files.get(path) {
                sink.push(
                    Diagnostic::new(
                        Code::MissingFile,
                        format!("symbolic link points to `{target}`, which is not a file of this revision"),
                    )
                    .at(path, 0..0)
                    .hint("a link must lead to a file inside the repository (not a folder, not through a link out of it)"),
                );
            }
            return None;
        }
        Read::Escapes(target) => {
            sink.push(
                Diagnostic::new(
                    Code::SymlinkEscape,
                    format!("symbolic link points outside the repository's files: `{target}`"),
                )
                .at(path, 0..0)
                .hint("replace the link with the file itself; cekops never follows links out of the repository or into `.git/`"),
            );
            return None;
        }
        Read::TooLarge(n) => {
            sink.push(
                Diagnostic::new(
                    Code::FileTooLarge,
                    format!(
                        "file is {n} bytes, more than cekops reads ({} bytes)",
                        MAX_FILE_SIZE
                    ),
                )
                .at(path, 0..0)
                .hint("cekops does not read files this large; split a large intent or slot type into several files"),
            );
            return None;
        }
        Read::Unreadable(e) => {
            sink.push(
                Diagnostic::new(Code::UnreadableFile, format!("file cannot be read: {e}"))
                    .at(path, 0..0),
            );
            return None;
        }
    };
    // simdutf8 validates Korean and Japanese text several times faster than `std`; on failure,
    // `std` gives the position of the first invalid byte.
    match simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes)) {
        Ok(s) => {
            let text: Arc<str> = Arc::from(s);
            sink.sources.insert(path, text.clone());
            Some(text)
        }
        Err(e) => {
            let at = e.valid_up_to();
            let lossy: Arc<str> = Arc::from(String::from_utf8_lossy(bytes).as_ref());
            sink.sources.insert(path, lossy);
            let binary = bytes.iter().take(8000).any(|b| *b == 0);
            sink.push(
                Diagnostic::new(
                    Code::InvalidUtf8,
                    if binary {
                        "file is binary, not UTF-8 text".to_string()
                    } else {
                        format!("file is not valid UTF-8 (invalid byte at offset {at})")
                    },
                )
                .at(path, at..at + 1)
                .label("invalid UTF-8 here")
                .hint("save the file as UTF-8 text"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_inside_resolve_and_outside_do_not() {
        assert_eq!(
            resolve_link("extensions/a/assets/i.png", "../../b/assets/i.png").as_deref(),
            Some("extensions/b/assets/i.png")
        );
        assert_eq!(
            resolve_link("extensions/a/x", "../../../../etc/passwd"),
            None
        );
        assert_eq!(resolve_link("extensions/a/x", "/etc/passwd"), None);
        assert_eq!(resolve_link("extensions/a/x", "../../.git/config"), None);
        assert_eq!(
            resolve_link("extensions/a/x", "../../.GIT/hooks/pre-commit"),
            None
        );
    }
}
