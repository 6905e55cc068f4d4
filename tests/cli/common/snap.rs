//! Snapshots of command runs: stdout, stderr and the exit status as one text (jj's layout),
//! with the parts that vary between runs or machines replaced by placeholders.
//!
//! What is filtered, and why:
//! - the test's temp folder → `[TMP]` (a new one per run);
//! - the crate version → `[VERSION]` (changes with every release, not with behaviour);
//! - the built binary's path → `[CEKOPS]` and this project's folder → `[PROJECT]`;
//! - a loopback port → `127.0.0.1:[PORT]` (the simulate server binds port 0).
//!
//! To accept a changed output (there is no cargo-insta here):
//! `INSTA_UPDATE=always cargo test --test cli -- <filter>`, then read `git diff tests/cli/snapshots`.
//! Under `CI` insta never writes: a changed output fails the test.
//!
//! Commit ids are *not* filtered: every test process gets fixed author/committer names and
//! dates (see [`super::TestEnv::apply`]), so the ids are the same on every run.

use super::Out;
use super::TestEnv;

impl Out {
    /// The run as one text: `----- stdout -----`, `----- stderr -----`, `[exit status: N]`.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for (title, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            s.push_str(&format!("----- {title} -----\n"));
            s.push_str(text);
            if !text.is_empty() && !text.ends_with('\n') {
                s.push_str("\n[no newline at end]\n");
            }
        }
        s.push_str(&format!("[exit status: {}]\n", self.code));
        s
    }
}

/// Insta settings with the filters above, for snapshots of runs in `env`.
pub fn settings(env: &TestEnv) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    let tmp = env.tmp.path();
    let mut tmps = vec![tmp.to_string_lossy().into_owned()];
    if let Ok(real) = std::fs::canonicalize(tmp) {
        tmps.push(real.to_string_lossy().into_owned());
    }
    for t in tmps {
        s.add_filter(&regex_escape(&t), "[TMP]");
    }
    s.add_filter(&regex_escape(env!("CARGO_BIN_EXE_cekops")), "[CEKOPS]");
    s.add_filter(&regex_escape(env!("CARGO_MANIFEST_DIR")), "[PROJECT]");
    s.add_filter(
        &format!(r"\b{}\b", regex_escape(env!("CARGO_PKG_VERSION"))),
        "[VERSION]",
    );
    s.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    // `cekops --version` names the commit it was built from (or nothing outside git).
    s.add_filter(
        r"(?m)^cekops \[VERSION\](?: \(commit [^)\n]*\))?$",
        "cekops [VERSION] [BUILD]",
    );
    s
}

pub fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Several runs in one snapshot, each headed by its command line (`$ cekops …`).
pub struct Transcript<'a> {
    env: &'a TestEnv,
    text: String,
}

impl<'a> Transcript<'a> {
    pub fn new(env: &'a TestEnv) -> Self {
        Self {
            env,
            text: String::new(),
        }
    }

    /// Run cekops in the repo folder and record the run.
    pub fn cekops(&mut self, args: &[&str]) -> Out {
        self.cekops_in(&self.env.root.clone(), args, &[])
    }

    /// Run cekops with extra environment variables (an identity: shown as `[as <email>]`).
    pub fn cekops_with(&mut self, args: &[&str], envs: &[(&str, &str)]) -> Out {
        self.cekops_in(&self.env.root.clone(), args, envs)
    }

    /// Run cekops in `dir` (shown as `[in <dir>]`, temp folder filtered) and record the run.
    pub fn cekops_in(
        &mut self,
        dir: &std::path::Path,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Out {
        let out = self.env.cekops_in(dir, args, envs);
        self.record(dir, args, envs, &out);
        out
    }

    /// Add a run made some other way (e.g. with stdin).
    pub fn record(
        &mut self,
        dir: &std::path::Path,
        args: &[&str],
        envs: &[(&str, &str)],
        out: &Out,
    ) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        let mut line = String::from("$ cekops");
        for a in args {
            line.push(' ');
            line.push_str(&shell_quote(a));
        }
        if let Some((_, who)) = envs.iter().find(|(k, _)| *k == "GIT_COMMITTER_EMAIL") {
            line.push_str(&format!("   [as {who}]"));
        }
        for (k, v) in envs.iter().filter(|(k, _)| !k.starts_with("GIT_")) {
            line.push_str(&format!("   [{k}={v}]"));
        }
        if dir != self.env.root {
            line.push_str(&format!("   [in {}]", dir.display()));
        }
        self.text.push_str(&line);
        self.text.push('\n');
        self.text.push_str(&out.render());
    }

    /// A note between runs (`# …`), to say what the next runs show.
    pub fn note(&mut self, text: &str) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        for line in text.lines() {
            self.text.push_str(&format!("# {line}\n"));
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

fn shell_quote(a: &str) -> String {
    if !a.is_empty()
        && a.chars()
            .all(|c| c.is_alphanumeric() || "-_./=:@,+%".contains(c))
    {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// `assert_snapshot!` of a rendered text, with the filters of [`settings`] for `env`:
/// `snapshot!(&env, "name", out.render())`. The snapshot file is
/// `tests/cli/snapshots/cli__<module>__<name>.snap`.
macro_rules! snapshot {
    ($env:expr, $name:expr, $text:expr) => {{
        let name: String = ::std::string::ToString::to_string(&$name);
        let text: String = ::std::string::ToString::to_string(&$text);
        $crate::common::snap::settings($env)
            .bind(|| ::insta::assert_snapshot!(name.as_str(), text));
    }};
}
pub(crate) use snapshot;
