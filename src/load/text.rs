//! Reading a snapshot file as text: every reason it cannot be read is a diagnostic.

use std::sync::Arc;

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::diag::Sink;
use crate::tree::Entry;
use crate::tree::Read;
use crate::tree::Tree;

/// Read a snapshot file as UTF-8 text, reporting why it cannot be read. The text is added to the
/// sink's sources.
pub fn read_text(tree: &Tree, path: &str, sink: &mut Sink) -> Option<Arc<str>> {
    let bytes = match tree.read(path) {
        Read::Bytes(b) => b,
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
                    format!("symbolic link points outside the repository: `{target}`"),
                )
                .at(path, 0..0)
                .hint("replace the link with the file itself; cekops never follows links out of the repository"),
            );
            return None;
        }
        Read::TooLarge(n) => {
            sink.push(
                Diagnostic::new(
                    Code::FileTooLarge,
                    format!(
                        "file is {n} bytes, more than cekops reads ({} bytes)",
                        crate::tree::MAX_FILE_SIZE
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
