//! Renderers for a [`RepoDiff`]: text (terminal), Markdown (a pull-request comment) and JSON.
//! They return strings; the caller prints.

use std::fmt::Write as _;
use std::io::Write as _;

use anstyle::AnsiColor;
use anstyle::Style;
use serde::Serialize;

use super::Category;
use super::Change;
use super::Entry;
use super::ExtensionDiff;
use super::FileChange;
use super::JSON_VERSION;
use super::RepoDiff;
use super::Status;
use super::Subject;
use super::Value;

/// Where the renderers write: a `String`, or an [`IoSink`] in front of a writer. (`String`'s own
/// `push_str` and `push` are used where the output is a `String`.)
trait Sink: std::fmt::Write {
    fn push_str(&mut self, s: &str) {
        let _ = self.write_str(s);
    }
    fn push(&mut self, c: char) {
        let _ = self.write_char(c);
    }
}

impl<W: std::fmt::Write + ?Sized> Sink for W {}

/// Bytes gathered before each write to the writer.
const WRITE_BUFFER: usize = 64 * 1024;

/// A [`Sink`] writing through a buffer to an `io::Write`; the first write error stops all
/// further writing and is returned by [`IoSink::finish`].
struct IoSink<'w> {
    w: &'w mut dyn std::io::Write,
    buf: Vec<u8>,
    error: Option<std::io::Error>,
}

impl<'w> IoSink<'w> {
    fn new(w: &'w mut dyn std::io::Write) -> Self {
        Self {
            w,
            buf: Vec::with_capacity(WRITE_BUFFER),
            error: None,
        }
    }

    fn flush_buf(&mut self) {
        if self.error.is_none()
            && let Err(e) = self.w.write_all(&self.buf)
        {
            self.error = Some(e);
        }
        self.buf.clear();
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.flush_buf();
        match self.error.take() {
            Some(e) => Err(e),
            None => self.w.flush(),
        }
    }
}

impl std::fmt::Write for IoSink<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.error.is_some() {
            return Err(std::fmt::Error);
        }
        self.buf.extend_from_slice(s.as_bytes());
        if self.buf.len() >= WRITE_BUFFER {
            self.flush_buf();
        }
        Ok(())
    }
}

/// What was compared: two labels (revision names as the user gave them, or e.g. `console`) and,
/// when known, the commits they resolved to.
#[derive(Clone, Debug, Default)]
pub struct Sides {
    pub from: String,
    pub to: String,
    pub from_commit: Option<String>,
    pub to_commit: Option<String>,
}

/// Markdown groups with more nested lines than this are folded into `<details>`.
const FOLD_AFTER: usize = 10;
/// At most this many destructive changes are listed in the Markdown warning.
const WARNING_LIST: usize = 20;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One-line summary: `1 extension changed, 9 changes (3 destructive)`.
pub fn summary(diff: &RepoDiff) -> String {
    if diff.is_empty() {
        return "no changes".into();
    }
    let mut parts = Vec::new();
    if !diff.extensions.is_empty() {
        parts.push(format!(
            "{} changed",
            plural(diff.extensions.len(), "extension", "extensions")
        ));
    }
    if !diff.settings.is_empty() {
        parts.push("repository settings changed".into());
    }
    if !diff.files.is_empty() {
        parts.push(format!(
            "{} outside the extensions",
            plural(diff.files.len(), "file", "files")
        ));
    }
    let mut s = parts.join(", ");
    let d = diff.destructive();
    write!(s, ", {}", plural(diff.changes(), "change", "changes")).ok();
    if d > 0 {
        write!(s, " ({d} destructive)").ok();
    }
    let f = diff.flagged_files();
    if f > 0 {
        write!(s, "; {} to read with care", plural(f, "file", "files")).ok();
    }
    s
}

/// A file's heading: sign, path, status and why it is flagged.
fn file_head(f: &FileChange) -> String {
    let sign = match f.status {
        Status::Added => '+',
        Status::Removed => '-',
        _ => '~',
    };
    let mut s = format!("{sign} {} ({})", f.path, f.status.as_str());
    if let Some(why) = f.kind.flag() {
        write!(s, " — {why}").ok();
    }
    s
}

/// The plain file diffs of the files outside the compared extensions.
fn text_files<W: Sink + ?Sized>(out: &mut W, p: &Paint, diff: &RepoDiff) {
    if diff.files.is_empty() {
        return;
    }
    writeln!(
        out,
        "\n{}",
        p.bold("repository files (outside the extension; a review brings them to service too)")
    )
    .ok();
    for f in &diff.files {
        writeln!(out, "{}   {}", p.marker(f.flagged), file_head(f)).ok();
        for line in f.patch.lines() {
            writeln!(out, "      {line}").ok();
        }
    }
}

fn short(commit: &Option<String>) -> String {
    commit
        .as_deref()
        .map(|c| crate::git::short_text(c).to_string())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Wording shared by text and Markdown

/// How values are quoted in a format.
trait Quote {
    /// A value (text the user wrote).
    fn q(&self, s: &str) -> String;
    /// A setting's value: text quoted, other values as they are.
    fn v(&self, v: &Value) -> String;
    /// A name (intent, slot, slot type, setting key).
    fn n(&self, s: &str) -> String;
}

struct TextQuote;
impl Quote for TextQuote {
    fn q(&self, s: &str) -> String {
        quote(s)
    }
    fn v(&self, v: &Value) -> String {
        match v {
            Value::Text(s) => self.q(s),
            v => v.as_text(),
        }
    }
    fn n(&self, s: &str) -> String {
        if s.is_empty() || s.contains(char::is_whitespace) {
            quote(s)
        } else {
            s.to_string()
        }
    }
}

struct MdQuote;
impl Quote for MdQuote {
    fn q(&self, s: &str) -> String {
        md_code(s)
    }
    fn v(&self, v: &Value) -> String {
        md_code(&v.as_text())
    }
    fn n(&self, s: &str) -> String {
        md_code(s)
    }
}

/// Text in double quotes for the terminal: `"` and `\\` escaped, and control characters and
/// invisible formatting characters (zero-width, bidirectional overrides) shown as `\\u{..}`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(&mut out, s);
    out
}

/// Whether [`quote`] shows `c` other than as itself.
fn needs_escape(c: char) -> bool {
    matches!(c, '"' | '\\')
        || c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Whether `s` may hold a character [`needs_escape`] is true of, byte by byte (no decoding): the
/// ASCII ones, and the lead bytes of the others (0xC2: C1 controls; 0xE2: zero-width and
/// bidirectional marks; 0xEF: U+FEFF). False means that nothing needs escaping.
fn may_need_escape(s: &str) -> bool {
    // No early exit: the loop over all bytes is vectorised, and the text is short.
    s.bytes().fold(false, |found, b| {
        found | (b < 0x20) | matches!(b, b'"' | b'\\' | 0x7f | 0xc2 | 0xe2 | 0xef)
    })
}

/// [`quote`] appended to `out`; text with nothing to escape (nearly all) is copied in one go.
fn quote_into<W: Sink + ?Sized>(out: &mut W, s: &str) {
    out.push('"');
    if !may_need_escape(s) || !s.chars().any(needs_escape) {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control()
                || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}') =>
            {
                write!(out, "\\u{{{:x}}}", c as u32).ok();
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A Markdown code span holding `s` verbatim (on one line).
fn md_code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    if s.is_empty() {
        return "` `".into();
    }
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    if longest == 0 {
        return format!("`{s}`");
    }
    let fence = "`".repeat(longest + 1);
    format!("{fence} {s} {fence}")
}

fn pct(similarity: f64) -> String {
    format!("{}%", (similarity * 100.0).round() as i64)
}

/// The words for a change (without sign or marker). `nested` changes are shown under their
/// intent or slot type and do not repeat its name.
fn words(change: &Change, q: &dyn Quote) -> String {
    match change {
        Change::Field { field, old, new } => match (old, new) {
            (None, Some(n)) => format!("{}: {}", q.n(field), q.v(n)),
            (Some(o), None) => format!("{}: {} (cleared)", q.n(field), q.v(o)),
            (Some(o), Some(n)) => format!("{}: {} → {}", q.n(field), q.v(o), q.v(n)),
            (None, None) => q.n(field),
        },
        Change::ItemAdded { field, value } | Change::ItemRemoved { field, value } => {
            format!("{}: {}", q.n(field), q.q(value))
        }
        Change::FileChanged { field, path } => {
            format!("{}: {} (image changed)", q.n(field), q.q(path))
        }
        Change::IntentAdded {
            intent,
            utterances,
            slots,
        } => {
            let mut s = format!(
                "intent {} ({}",
                q.n(intent),
                plural(*utterances, "utterance", "utterances")
            );
            if !slots.is_empty() {
                let list: Vec<String> = slots
                    .iter()
                    .map(|r| format!("{}: {}", q.n(&r.slot), q.n(&r.slot_type)))
                    .collect();
                write!(s, "; slots {}", list.join(", ")).ok();
            }
            s.push(')');
            s
        }
        Change::IntentRemoved { intent, utterances } => format!(
            "intent {} ({})",
            q.n(intent),
            plural(*utterances, "utterance", "utterances")
        ),
        Change::IntentRenamed {
            from,
            to,
            similarity,
        } => format!(
            "intent {} renamed to {} ({} of utterances alike)",
            q.n(from),
            q.n(to),
            pct(*similarity)
        ),
        Change::UtteranceAdded { utterance, .. } | Change::UtteranceRemoved { utterance, .. } => {
            format!("utterance {}", q.q(utterance))
        }
        Change::SlotAdded {
            slot, slot_type, ..
        }
        | Change::SlotRemoved {
            slot, slot_type, ..
        } => format!("slot {}: {}", q.n(slot), q.n(slot_type)),
        Change::SlotRetyped { slot, old, new, .. } => {
            format!("slot {}: {} → {}", q.n(slot), q.n(old), q.n(new))
        }
        Change::SlotTypeAdded { slot_type, values }
        | Change::SlotTypeRemoved { slot_type, values } => format!(
            "slot type {} ({})",
            q.n(slot_type),
            plural(*values, "value", "values")
        ),
        Change::SlotTypeRenamed {
            from,
            to,
            similarity,
        } => format!(
            "slot type {} renamed to {} ({} of values alike)",
            q.n(from),
            q.n(to),
            pct(*similarity)
        ),
        Change::ValueAdded {
            value, synonyms, ..
        } => {
            let mut s = format!("value {}", q.q(value));
            if !synonyms.is_empty() {
                let list: Vec<String> = synonyms.iter().map(|x| q.q(x)).collect();
                write!(s, " (synonyms {})", list.join(", ")).ok();
            }
            s
        }
        Change::ValueRemoved { value, .. } => format!("value {}", q.q(value)),
        Change::SynonymAdded { value, synonym, .. }
        | Change::SynonymRemoved { value, synonym, .. } => {
            format!("synonym {} of {}", q.q(synonym), q.q(value))
        }
    }
}

/// The changes of one category split into groups: settings lines stand alone; an intent or
/// slot type is one group with an optional header change and its nested changes.
struct Group<'a> {
    subject: Subject<'a>,
    header: Option<&'a Entry>,
    nested: Vec<&'a Entry>,
}

fn groups<'a>(entries: impl Iterator<Item = &'a Entry>) -> Vec<Group<'a>> {
    let mut out: Vec<Group<'a>> = Vec::new();
    for e in entries {
        let subject = e.change.subject();
        if subject == Subject::Setting {
            out.push(Group {
                subject,
                header: Some(e),
                nested: Vec::new(),
            });
            continue;
        }
        let same = out
            .last()
            .is_some_and(|g| g.subject == subject && g.subject != Subject::Setting);
        if e.change.is_subject_header() || !same {
            let (header, nested) = if e.change.is_subject_header() {
                (Some(e), Vec::new())
            } else {
                (None, vec![e])
            };
            out.push(Group {
                subject,
                header,
                nested,
            });
        } else if let Some(g) = out.last_mut() {
            g.nested.push(e);
        }
    }
    out
}

/// The line for a subject that has no header change (changed inside).
fn subject_words(subject: &Subject<'_>, q: &dyn Quote) -> String {
    match subject {
        Subject::Setting => String::new(),
        Subject::Intent(n) => format!("intent {}", q.n(n)),
        Subject::SlotType(n) => format!("slot type {}", q.n(n)),
    }
}

// ---------------------------------------------------------------------------------------------
// Text

struct Paint {
    on: bool,
}

impl Paint {
    fn style(&self, style: Style, text: &str) -> String {
        if self.on {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }
    fn sign(&self, sign: char) -> String {
        let color = match sign {
            '+' => AnsiColor::Green,
            '-' => AnsiColor::Red,
            _ => AnsiColor::Yellow,
        };
        self.style(Style::new().fg_color(Some(color.into())), &sign.to_string())
    }
    fn bold(&self, text: &str) -> String {
        self.style(Style::new().bold(), text)
    }
    fn marker(&self, destructive: bool) -> String {
        if destructive {
            self.style(
                Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
                "!",
            )
        } else {
            " ".into()
        }
    }
}

fn text_line<W: Sink + ?Sized>(out: &mut W, p: &Paint, e: &Entry, indent: usize) {
    // Written in few pieces: a large diff has one line per utterance.
    const SPACES: &str = "        ";
    let indent = indent.clamp(1, SPACES.len());
    if e.destructive {
        out.push_str(&p.marker(true));
        out.push_str(&SPACES[..indent - 1]);
    } else {
        out.push_str(&SPACES[..indent]);
    }
    let sign = e.change.sign();
    if p.on {
        out.push_str(&p.sign(sign));
        out.push(' ');
    } else {
        out.push_str(match sign {
            '+' => "+ ",
            '-' => "- ",
            _ => "~ ",
        });
    }
    match &e.change {
        Change::UtteranceAdded { utterance, .. } | Change::UtteranceRemoved { utterance, .. } => {
            if may_need_escape(utterance) {
                out.push_str("utterance ");
                quote_into(out, utterance);
                out.push('\n');
            } else {
                out.push_str("utterance \"");
                out.push_str(utterance);
                out.push_str("\"\n");
            }
        }
        change => {
            out.push_str(&words(change, &TextQuote));
            out.push('\n');
        }
    }
}

fn text_entries<'a, W: Sink + ?Sized>(
    out: &mut W,
    p: &Paint,
    entries: impl Iterator<Item = &'a Entry>,
) {
    for g in groups(entries) {
        match g.header {
            Some(h) => text_line(out, p, h, 4),
            None => writeln!(
                out,
                "    {} {}",
                p.sign('~'),
                subject_words(&g.subject, &TextQuote)
            )
            .unwrap_or(()),
        }
        for e in g.nested {
            text_line(out, p, e, 8);
        }
    }
}

/// The terminal format. Destructive changes carry `!` in the first column.
pub fn text(diff: &RepoDiff, sides: &Sides, color: bool) -> String {
    let mut out = String::new();
    text_into(&mut out, diff, sides, color);
    out
}

/// [`text`] written to `w` as it is produced (a large diff is never held whole in memory).
pub fn write_text(
    w: &mut dyn std::io::Write,
    diff: &RepoDiff,
    sides: &Sides,
    color: bool,
) -> std::io::Result<()> {
    let mut out = IoSink::new(w);
    text_into(&mut out, diff, sides, color);
    out.finish()
}

fn text_into<W: Sink + ?Sized>(out: &mut W, diff: &RepoDiff, sides: &Sides, color: bool) {
    let p = Paint { on: color };
    let range = match (&sides.from_commit, &sides.to_commit) {
        (Some(_), Some(_)) => format!(
            " ({}..{})",
            short(&sides.from_commit),
            short(&sides.to_commit)
        ),
        _ => String::new(),
    };
    writeln!(
        out,
        "{}",
        p.bold(&format!("diff {} → {}{range}", sides.from, sides.to))
    )
    .ok();
    if diff.is_empty() {
        out.push_str("\nno changes\n");
        return;
    }
    if !diff.settings.is_empty() {
        writeln!(out, "\n{}", p.bold("repository settings (cekops.toml)")).ok();
        for c in &diff.settings {
            writeln!(out, "    {} {}", p.sign(c.sign()), words(c, &TextQuote)).ok();
        }
    }
    for ext in &diff.extensions {
        let name = ext
            .name
            .as_deref()
            .map(|n| format!(" {n:?}"))
            .unwrap_or_default();
        let mut head = format!(
            "{}{name}: {}, {}",
            ext.id,
            ext.status.as_str(),
            plural(ext.changes.len(), "change", "changes")
        );
        let d = ext.destructive();
        if d > 0 {
            write!(head, " ({d} destructive)").ok();
        }
        writeln!(out, "\n{}", p.bold(&head)).ok();
        for cat in Category::ALL {
            if ext.category(cat).next().is_none() {
                continue;
            }
            writeln!(out, "  {}", cat.title()).ok();
            text_entries(out, &p, ext.category(cat));
        }
    }
    text_files(out, &p, diff);
    writeln!(out, "\n{}", summary(diff)).ok();
    if diff.destructive() > 0 {
        out.push_str("destructive changes are marked with `!`\n");
    }
    if diff.flagged_files() > 0 {
        out.push_str("files that run code or change the review policy are marked with `!`: read them before approving\n");
    }
}

// ---------------------------------------------------------------------------------------------
// Markdown

fn md_verb(sign: char) -> &'static str {
    match sign {
        '+' => "Added",
        '-' => "Removed",
        _ => "Changed",
    }
}

fn md_item(e: &Entry) -> String {
    let warn = if e.destructive { "⚠️ " } else { "" };
    let q = MdQuote;
    let text = match &e.change {
        Change::Field { field, old, new } => match (old, new) {
            (None, Some(n)) => format!("Set {} to {}", q.n(field), q.v(n)),
            (Some(o), None) => format!("Cleared {} (was {})", q.n(field), q.v(o)),
            (Some(o), Some(n)) => format!("Changed {}: {} → {}", q.n(field), q.v(o), q.v(n)),
            (None, None) => format!("Changed {}", q.n(field)),
        },
        Change::ItemAdded { field, value } => {
            format!("Added {} to {}", q.q(value), q.n(field))
        }
        Change::ItemRemoved { field, value } => {
            format!("Removed {} from {}", q.q(value), q.n(field))
        }
        Change::IntentRenamed { .. } | Change::SlotTypeRenamed { .. } => {
            let w = words(&e.change, &q);
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => w,
            }
        }
        Change::FileChanged { .. } | Change::SlotRetyped { .. } => {
            format!("Changed {}", words(&e.change, &q))
        }
        c => format!("{} {}", md_verb(c.sign()), words(c, &q)),
    };
    format!("{warn}{text}")
}

fn md_entries<'a, W: Sink + ?Sized>(out: &mut W, entries: impl Iterator<Item = &'a Entry>) {
    for g in groups(entries) {
        match g.header {
            Some(h) => writeln!(out, "- {}", md_item(h)).ok(),
            None => writeln!(out, "- Changed {}", subject_words(&g.subject, &MdQuote)).ok(),
        };
        if g.nested.len() > FOLD_AFTER {
            let destructive = g.nested.iter().filter(|e| e.destructive).count();
            let extra = if destructive > 0 {
                format!(", {destructive} destructive")
            } else {
                String::new()
            };
            writeln!(
                out,
                "  <details><summary>{}{extra}</summary>\n",
                plural(g.nested.len(), "change", "changes")
            )
            .ok();
            for e in &g.nested {
                writeln!(out, "  - {}", md_item(e)).ok();
            }
            out.push_str("\n  </details>\n");
        } else {
            for e in &g.nested {
                writeln!(out, "  - {}", md_item(e)).ok();
            }
        }
    }
}

fn md_heading_name(ext: &ExtensionDiff) -> String {
    let mut s = md_code(&ext.id);
    if let Some(n) = &ext.name {
        write!(s, " · {}", md_text(n)).ok();
    }
    let status = match ext.status {
        Status::Added => " (new)",
        Status::Removed => " (removed)",
        _ => "",
    };
    s.push_str(status);
    s
}

/// Plain text safe in Markdown (characters with meaning escaped).
fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.replace(['\n', '\r'], " ").chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Markdown ready to paste as a pull-request comment: a summary line, a warning listing the
/// destructive changes, then a heading per extension and per category with bullet lists.
pub fn markdown(diff: &RepoDiff, sides: &Sides) -> String {
    let mut out = String::new();
    markdown_into(&mut out, diff, sides);
    out
}

/// [`markdown`] written to `w` as it is produced.
pub fn write_markdown(
    w: &mut dyn std::io::Write,
    diff: &RepoDiff,
    sides: &Sides,
) -> std::io::Result<()> {
    let mut out = IoSink::new(w);
    markdown_into(&mut out, diff, sides);
    out.finish()
}

fn markdown_into<W: Sink + ?Sized>(out: &mut W, diff: &RepoDiff, sides: &Sides) {
    writeln!(
        out,
        "### cekops diff: {} → {}\n",
        md_code(&sides.from),
        md_code(&sides.to)
    )
    .ok();
    if diff.is_empty() {
        out.push_str("No changes.\n");
        return;
    }
    let mut s = summary(diff);
    if let Some(f) = s.get_mut(0..1) {
        f.make_ascii_uppercase();
    }
    writeln!(out, "**{s}.**\n").ok();
    let destructive: Vec<(&ExtensionDiff, &Entry)> = diff
        .extensions
        .iter()
        .flat_map(|x| {
            x.changes
                .iter()
                .filter(|e| e.destructive)
                .map(move |e| (x, e))
        })
        .collect();
    if !destructive.is_empty() {
        out.push_str("> [!WARNING]\n");
        writeln!(
            out,
            "> **{}** (marked ⚠️): users of the service version may lose what they rely on.\n>",
            plural(
                destructive.len(),
                "destructive change",
                "destructive changes"
            )
        )
        .ok();
        for (x, e) in destructive.iter().take(WARNING_LIST) {
            let mut item = md_item(e);
            if let Some(rest) = item.strip_prefix("⚠️ ") {
                item = rest.to_string();
            }
            let within = match e.change.subject() {
                Subject::Intent(n) if !e.change.is_subject_header() => {
                    format!(" in intent {}", md_code(n))
                }
                Subject::SlotType(n) if !e.change.is_subject_header() => {
                    format!(" in slot type {}", md_code(n))
                }
                _ => String::new(),
            };
            writeln!(out, "> - {}: {item}{within}", md_code(&x.id)).ok();
        }
        if destructive.len() > WARNING_LIST {
            writeln!(out, "> - … and {} more", destructive.len() - WARNING_LIST).ok();
        }
        out.push('\n');
    }
    if !diff.settings.is_empty() {
        out.push_str("#### Repository settings (`cekops.toml`)\n\n");
        for c in &diff.settings {
            let e = Entry {
                category: Category::BasicInformation,
                change: c.clone(),
                destructive: false,
            };
            writeln!(out, "- {}", md_item(&e)).ok();
        }
        out.push('\n');
    }
    for ext in &diff.extensions {
        writeln!(out, "#### {}\n", md_heading_name(ext)).ok();
        for cat in Category::ALL {
            if ext.category(cat).next().is_none() {
                continue;
            }
            writeln!(out, "##### {}\n", cat.title()).ok();
            md_entries(out, ext.category(cat));
            out.push('\n');
        }
    }
    if !diff.files.is_empty() {
        out.push_str("#### Repository files (outside the extension)\n\n");
        for f in &diff.files {
            let warn = if f.flagged { "⚠️ " } else { "" };
            let why = f
                .kind
                .flag()
                .map(|w| format!(" — {}", md_text(w)))
                .unwrap_or_default();
            writeln!(
                out,
                "- {warn}{} ({}){why}\n",
                md_code(&f.path),
                f.status.as_str()
            )
            .ok();
            // A fence longer than any run of backticks in the file: its content cannot close it.
            let longest = f.patch.split(|c| c != '`').map(str::len).max().unwrap_or(0);
            let fence = "`".repeat(longest.max(2) + 1);
            writeln!(out, "{fence}diff\n{}{fence}\n", f.patch).ok();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

#[derive(Serialize)]
struct JsonSide<'a> {
    rev: &'a str,
    commit: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonCount {
    #[serde(skip_serializing_if = "Option::is_none")]
    extensions: Option<usize>,
    changes: usize,
    destructive: usize,
}

#[derive(Serialize)]
struct JsonCategory<'a> {
    category: &'static str,
    title: &'static str,
    changes: Vec<&'a Entry>,
}

#[derive(Serialize)]
struct JsonExtension<'a> {
    id: &'a str,
    name: Option<&'a str>,
    status: Status,
    summary: JsonCount,
    categories: Vec<JsonCategory<'a>>,
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    version: u32,
    from: JsonSide<'a>,
    to: JsonSide<'a>,
    settings: &'a [Change],
    extensions: Vec<JsonExtension<'a>>,
    files: &'a [FileChange],
    summary: JsonCount,
    warnings: &'a [String],
}

/// The JSON document (`version` 1): sides, settings changes, extensions with their changes by
/// category, a summary and the warnings.
pub fn json(diff: &RepoDiff, sides: &Sides, warnings: &[String]) -> String {
    let mut s = serde_json::to_string_pretty(&json_doc(diff, sides, warnings)).unwrap_or_default();
    s.push('\n');
    s
}

/// [`json`] written to `w` as it is produced.
pub fn write_json(
    w: &mut dyn std::io::Write,
    diff: &RepoDiff,
    sides: &Sides,
    warnings: &[String],
) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(WRITE_BUFFER, w);
    serde_json::to_writer_pretty(&mut w, &json_doc(diff, sides, warnings))?;
    w.write_all(b"\n")?;
    w.flush()
}

fn json_doc<'a>(diff: &'a RepoDiff, sides: &'a Sides, warnings: &'a [String]) -> JsonDoc<'a> {
    let extensions = diff
        .extensions
        .iter()
        .map(|x| JsonExtension {
            id: &x.id,
            name: x.name.as_deref(),
            status: x.status,
            summary: JsonCount {
                extensions: None,
                changes: x.changes.len(),
                destructive: x.destructive(),
            },
            categories: Category::ALL
                .iter()
                .filter(|c| x.category(**c).next().is_some())
                .map(|c| JsonCategory {
                    category: c.as_str(),
                    title: c.title(),
                    changes: x.category(*c).collect(),
                })
                .collect(),
        })
        .collect();
    JsonDoc {
        version: JSON_VERSION,
        from: JsonSide {
            rev: &sides.from,
            commit: sides.from_commit.as_deref(),
        },
        to: JsonSide {
            rev: &sides.to,
            commit: sides.to_commit.as_deref(),
        },
        settings: &diff.settings,
        extensions,
        files: &diff.files,
        summary: JsonCount {
            extensions: Some(diff.extensions.len()),
            changes: diff.changes(),
            destructive: diff.destructive(),
        },
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(change: Change, destructive: bool) -> Entry {
        Entry {
            category: Category::InteractionModel,
            change,
            destructive,
        }
    }

    fn one(changes: Vec<Entry>) -> RepoDiff {
        RepoDiff {
            files: Vec::new(),
            settings: Vec::new(),
            extensions: vec![ExtensionDiff {
                id: "com.example.a".into(),
                name: Some("A *bold* <b>".into()),
                status: Status::Modified,
                changes,
            }],
        }
    }

    fn sides() -> Sides {
        Sides {
            from: "service".into(),
            to: "test/com.example.a".into(),
            from_commit: None,
            to_commit: None,
        }
    }

    #[test]
    fn terminal_quoting_shows_invisible_characters() {
        assert_eq!(quote("a \"b\" \\ c"), r#""a \"b\" \\ c""#);
        assert_eq!(quote("x\u{202E}y\u{200B}\n"), r#""x\u{202e}y\u{200b}\n""#);
        assert_eq!(quote("피자"), "\"피자\"");
    }

    #[test]
    fn the_byte_test_finds_every_character_that_needs_escaping() {
        let mut buf = [0u8; 4];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if needs_escape(c) {
                assert!(may_need_escape(c.encode_utf8(&mut buf)), "{c:?}");
            }
        }
        assert!(!may_need_escape("피자 주문 <menu>라지</menu> ピザ 123 abc"));
    }

    #[test]
    fn markdown_code_spans_hold_backticks() {
        assert_eq!(md_code("a"), "`a`");
        assert_eq!(md_code("a`b"), "`` a`b ``");
        assert_eq!(md_code("``"), "``` `` ```");
        assert_eq!(md_code("a\nb"), "`a b`");
        assert_eq!(md_text("A *b* <c>"), "A \\*b\\* \\<c\\>");
    }

    #[test]
    fn markdown_folds_long_groups_and_escapes_names() {
        let mut changes = vec![entry(
            Change::IntentRemoved {
                intent: "Old".into(),
                utterances: 3,
            },
            true,
        )];
        for i in 0..12 {
            changes.push(entry(
                Change::UtteranceAdded {
                    intent: "Order".into(),
                    utterance: format!("피자 {i}"),
                },
                false,
            ));
        }
        let md = markdown(&one(changes), &sides());
        assert!(
            md.contains("#### `com.example.a` · A \\*bold\\* \\<b\\>\n"),
            "{md}"
        );
        assert!(
            md.contains("**1 extension changed, 13 changes (1 destructive).**"),
            "{md}"
        );
        assert!(md.contains("> [!WARNING]\n"), "{md}");
        assert!(
            md.contains("> - `com.example.a`: Removed intent `Old` (3 utterances)\n"),
            "{md}"
        );
        assert!(
            md.contains("- ⚠️ Removed intent `Old` (3 utterances)\n"),
            "{md}"
        );
        assert!(
            md.contains("- Changed intent `Order`\n  <details><summary>12 changes</summary>\n\n  - Added utterance `피자 0`\n"),
            "{md}"
        );
        assert!(
            md.contains("  - Added utterance `피자 11`\n\n  </details>\n"),
            "{md}"
        );
    }

    #[test]
    fn short_groups_are_not_folded_and_no_warning_without_destructive_changes() {
        let changes = vec![entry(
            Change::UtteranceAdded {
                intent: "Order".into(),
                utterance: "피자".into(),
            },
            false,
        )];
        let md = markdown(&one(changes), &sides());
        assert!(!md.contains("<details>"), "{md}");
        assert!(!md.contains("[!WARNING]"), "{md}");
    }

    #[test]
    fn text_marks_destructive_lines_in_the_first_column_and_colours_on_request() {
        let changes = vec![
            entry(
                Change::IntentRemoved {
                    intent: "Old".into(),
                    utterances: 1,
                },
                true,
            ),
            entry(
                Change::UtteranceAdded {
                    intent: "New one".into(),
                    utterance: "x".into(),
                },
                false,
            ),
        ];
        let d = one(changes);
        let t = text(&d, &sides(), false);
        assert!(t.contains("\n!   - intent Old (1 utterance)\n"), "{t}");
        assert!(
            t.contains("\n    ~ intent \"New one\"\n        + utterance \"x\"\n"),
            "{t}"
        );
        assert!(!t.contains('\u{1b}'));
        let c = text(&d, &sides(), true);
        assert!(c.contains("\u{1b}["), "{c:?}");
    }

    /// Two extensions with thousands of changes (more than one write buffer), destructive lines
    /// and text that needs escaping.
    fn large() -> RepoDiff {
        let texts = [
            "피자 주문",
            "say \"hi\" \\ there",
            "zero\u{200B}width",
            "bidi\u{202E}x",
            "bom\u{FEFF}",
            "c1\u{85}",
            "tab\tnew\nline",
            "<menu>라지</menu> 피자",
            "ピザ 注文",
            "",
        ];
        let ext = |id: &str, n: usize| {
            let mut changes = vec![entry(
                Change::IntentRemoved {
                    intent: "Old one".into(),
                    utterances: n,
                },
                true,
            )];
            for i in 0..n {
                let text = format!("{} {i}", texts[i % texts.len()]);
                changes.push(entry(
                    if i % 3 == 0 {
                        Change::UtteranceRemoved {
                            intent: "Order".into(),
                            utterance: text,
                        }
                    } else {
                        Change::UtteranceAdded {
                            intent: "Order".into(),
                            utterance: text,
                        }
                    },
                    i % 7 == 0,
                ));
            }
            ExtensionDiff {
                id: id.into(),
                name: Some(format!("Bot {id}")),
                status: Status::Modified,
                changes,
            }
        };
        RepoDiff {
            files: Vec::new(),
            settings: Vec::new(),
            extensions: vec![ext("com.example.a", 6000), ext("com.example.b", 50)],
        }
    }

    #[test]
    fn written_output_is_the_rendered_string() {
        let d = large();
        let s = sides();
        for color in [false, true] {
            let mut w = Vec::new();
            write_text(&mut w, &d, &s, color).unwrap();
            assert_eq!(String::from_utf8(w).unwrap(), text(&d, &s, color));
        }
        let mut w = Vec::new();
        write_markdown(&mut w, &d, &s).unwrap();
        assert_eq!(String::from_utf8(w).unwrap(), markdown(&d, &s));
        let warnings = vec!["a warning".to_string()];
        let mut w = Vec::new();
        write_json(&mut w, &d, &s, &warnings).unwrap();
        assert_eq!(String::from_utf8(w).unwrap(), json(&d, &s, &warnings));
        assert!(text(&d, &s, false).len() > 2 * WRITE_BUFFER);
    }

    #[test]
    fn utterance_lines_read_as_the_general_wording() {
        // The utterance lines are written without `words`; they must say what it says.
        let d = large();
        let out = text(&d, &sides(), false);
        let mut lines = out.lines().filter(|l| l.contains(" utterance "));
        for e in d.extensions.iter().flat_map(|x| &x.changes) {
            if e.change.is_subject_header() {
                continue;
            }
            let marker = if e.destructive { "!" } else { " " };
            let expected = format!(
                "{marker}       {} {}",
                e.change.sign(),
                words(&e.change, &TextQuote)
            );
            assert_eq!(lines.next(), Some(expected.as_str()));
        }
        assert_eq!(lines.next(), None);
    }

    #[test]
    fn a_failing_writer_stops_the_output_with_its_error() {
        struct Full(usize);
        impl std::io::Write for Full {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::BrokenPipe,
                        "closed",
                    ));
                }
                self.0 -= 1;
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let d = large();
        let err = write_text(&mut Full(1), &d, &sides(), false).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
        assert!(write_text(&mut Full(1000), &d, &sides(), false).is_ok());
    }

    #[test]
    fn empty_diff() {
        let d = RepoDiff::default();
        assert_eq!(summary(&d), "no changes");
        assert!(markdown(&d, &sides()).ends_with("No changes.\n"));
        let j: serde_json::Value = serde_json::from_str(&json(&d, &sides(), &[])).unwrap();
        assert_eq!(j["summary"]["changes"], 0);
        assert_eq!(j["version"], JSON_VERSION);
    }
}
