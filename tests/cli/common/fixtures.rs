//! The fixtures of `tests/fixtures/`: the valid `base` repository and overlays on top of it
//! (see `tests/fixtures/codes/README.md` for the overlay format).

use std::path::Path;
use std::path::PathBuf;

/// `tests/fixtures` of this project.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Control files of an overlay that are not copied.
const CONTROL: &[&str] = &["DELETE", "ARGS", "GROW", "README.md"];

/// Copy a folder, keeping symbolic links as links and expanding `@repeat N TEMPLATE` lines in
/// text files (N lines of TEMPLATE with `{n}` replaced by 1..=N).
pub fn copy_overlay(src: &Path, dst: &Path, top: bool) {
    std::fs::create_dir_all(dst).unwrap();
    let mut entries: Vec<_> = std::fs::read_dir(src)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        if top && CONTROL.iter().any(|c| name == *c) {
            continue;
        }
        let from = e.path();
        let to = dst.join(&name);
        let ft = e.file_type().unwrap();
        if ft.is_symlink() {
            let target = std::fs::read_link(&from).unwrap();
            let _ = std::fs::remove_file(&to);
            std::os::unix::fs::symlink(target, &to).unwrap();
        } else if ft.is_dir() {
            copy_overlay(&from, &to, false);
        } else {
            let bytes = std::fs::read(&from).unwrap();
            std::fs::write(&to, expand_repeats(bytes)).unwrap();
        }
    }
}

fn expand_repeats(bytes: Vec<u8>) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return bytes;
    };
    if !text.contains("@repeat ") {
        return bytes;
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let Some(rest) = line.strip_prefix("@repeat ") else {
            out.push_str(line);
            continue;
        };
        let rest = rest.trim_end_matches(['\n', '\r']);
        let (n, template) = rest.split_once(' ').expect("@repeat N TEMPLATE");
        let n: usize = n.parse().expect("@repeat count");
        for i in 1..=n {
            out.push_str(&template.replace("{n}", &i.to_string()));
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// Copy the base fixture into `root`, then the overlay in `dir` (with its `DELETE` and `GROW`).
pub fn apply_overlay_dir(root: &Path, dir: &Path) {
    let code = dir.file_name().unwrap().to_string_lossy();
    copy_overlay(&fixtures_dir().join("base"), root, false);
    if let Ok(list) = std::fs::read_to_string(dir.join("DELETE")) {
        for rel in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let p = root.join(rel);
            assert!(
                std::fs::symlink_metadata(&p).is_ok(),
                "{code}/DELETE names `{rel}`, which base does not have"
            );
            if p.is_dir() {
                std::fs::remove_dir_all(&p).unwrap();
            } else {
                std::fs::remove_file(&p).unwrap();
            }
        }
    }
    copy_overlay(dir, root, true);
    if let Ok(list) = std::fs::read_to_string(dir.join("GROW")) {
        for line in list.lines().filter(|l| !l.trim().is_empty()) {
            let (rel, size) = line.rsplit_once(' ').expect("GROW: <path> <bytes>");
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&p)
                .unwrap();
            f.set_len(size.trim().parse().expect("GROW size")).unwrap();
        }
    }
}
