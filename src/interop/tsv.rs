//! The Clova console's bulk formats (spec §3.4): one TSV file per custom slot type and per
//! custom intent, exactly as the console's upload and download buttons use them.
//!
//! *Slot type*: one line per representative value, then its synonyms, tab-separated:
//! ```text
//! Pepperoni<TAB>Pepperoni pizza
//! Barbecue<TAB>Barbecue pizza<TAB>BBQ pizza
//! ```
//! *Intent*: two sections. `[INTENT SLOT]` lines are `slotName<TAB>slotType`; after a blank line,
//! `[INTENT EXPRESSION]` is followed by one sample utterance per line, slots tagged inline:
//! ```text
//! [INTENT SLOT]
//! pizzaType<TAB>PIZZA_TYPE
//!
//! [INTENT EXPRESSION]
//! <pizzaType>BBQ pizza</pizzaType> please
//! ```
//! Files are written as UTF-8 without a byte-order mark, with `\n` line ends and a final line
//! end. Reading accepts a byte-order mark and `\r\n`, ignores blank lines and trims each field.
//! Every problem is a [`Diagnostic`] with the file and byte range of the offending line.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::path::PathBuf;

use indexmap::IndexMap;

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::diag::Report;
use crate::model::Extension;
use crate::model::Intent;
use crate::model::IntentFile;
use crate::model::SharedStr;
use crate::model::SlotType;
use crate::model::SlotTypeFile;
use crate::model::SlotValue;
use crate::model::Sp;
use crate::toml_write;
use crate::tree::Entry;
use crate::tree::MAX_FILE_SIZE;
use crate::tree::Tree;
use crate::tree::read_text;
use crate::utterance;

/// Header of the slot section of an intent TSV.
pub const SLOT_HEADER: &str = "[INTENT SLOT]";
/// Header of the sample-utterance section of an intent TSV.
pub const EXPRESSION_HEADER: &str = "[INTENT EXPRESSION]";

/// Which of the two console formats a file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Intent,
    SlotType,
}

/// The lines of a text: (byte offset of the line, line without its line end). A leading
/// byte-order mark is skipped.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut offset = text.len() - body.len();
    body.split_inclusive('\n').map(move |line| {
        let start = offset;
        offset += line.len();
        (start, line.trim_end_matches(['\n', '\r']))
    })
}

/// `text` trimmed, with its byte range when it starts at `start`.
fn trimmed(text: &str, start: usize) -> (&str, Range<usize>) {
    let lead = text.len() - text.trim_start().len();
    let t = text.trim();
    (t, start + lead..start + lead + t.len())
}

fn looks_like_header(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('[') && t.ends_with(']') && !line.contains('\t')
}

/// Decide which format a file holds: a parent folder named `intents` or `slot-types` decides;
/// otherwise a file whose first non-blank line looks like a `[SECTION]` header is an intent, any
/// other a slot type.
pub fn detect(path: &str, text: &str) -> Kind {
    let parent = Path::new(path)
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str());
    match parent {
        Some("intents") => return Kind::Intent,
        Some("slot-types") => return Kind::SlotType,
        _ => {}
    }
    let first = lines(text).map(|(_, l)| l).find(|l| !l.trim().is_empty());
    if first.is_some_and(looks_like_header) {
        Kind::Intent
    } else {
        Kind::SlotType
    }
}

/// Parse a slot-type TSV. `None` when an error was reported.
pub fn parse_slot_type(path: &str, text: &str, sink: &mut Report) -> Option<Vec<SlotValue>> {
    let before = sink.diagnostics.iter().filter(|d| d.is_error()).count();
    let values = parse_slot_tsv(path, &std::sync::Arc::from(text), sink);
    let after = sink.diagnostics.iter().filter(|d| d.is_error()).count();
    (after == before).then_some(values)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Before any header.
    Start,
    Slots,
    Expressions,
    /// After an unknown header: lines are skipped (the header was reported).
    Unknown,
}

/// Parse an intent TSV into the intent file model (spans point into the TSV text). `None` when
/// an error was reported.
pub fn parse_intent(path: &str, text: &str, sink: &mut Report) -> Option<IntentFile> {
    let mut errors = 0;
    let mut err = |sink: &mut Report, d: Diagnostic| {
        errors += 1;
        sink.push(d);
    };
    let mut section = Section::Start;
    let mut slot_header: Option<Range<usize>> = None;
    let mut expr_header: Option<Range<usize>> = None;
    let mut reported_start = false;
    let mut slots: IndexMap<Sp<String>, Sp<String>> = IndexMap::new();
    let mut utterances: Vec<Sp<SharedStr>> = Vec::new();
    for (start, line) in lines(text) {
        let (t, tspan) = trimmed(line, start);
        if t.is_empty() {
            continue;
        }
        if looks_like_header(line) {
            match t {
                SLOT_HEADER => {
                    if let Some(first) = &slot_header {
                        err(
                            sink,
                            Diagnostic::new(Code::TsvSyntax, "second `[INTENT SLOT]` header")
                                .at(path, tspan.clone())
                                .related(path, first.clone(), "first here")
                                .hint(
                                    "an intent TSV has one slot section and one expression section",
                                ),
                        );
                    } else if expr_header.is_some() {
                        err(
                            sink,
                            Diagnostic::new(
                                Code::TsvSyntax,
                                "`[INTENT SLOT]` comes after `[INTENT EXPRESSION]`",
                            )
                            .at(path, tspan.clone())
                            .hint("the slot section comes first, then a blank line, then the expression section"),
                        );
                    }
                    slot_header.get_or_insert(tspan);
                    section = Section::Slots;
                }
                EXPRESSION_HEADER => {
                    if let Some(first) = &expr_header {
                        err(
                            sink,
                            Diagnostic::new(Code::TsvSyntax, "second `[INTENT EXPRESSION]` header")
                                .at(path, tspan.clone())
                                .related(path, first.clone(), "first here")
                                .hint(
                                    "an intent TSV has one slot section and one expression section",
                                ),
                        );
                    } else if slot_header.is_none() && !reported_start {
                        err(
                            sink,
                            Diagnostic::new(
                                Code::TsvSyntax,
                                "missing `[INTENT SLOT]` section header",
                            )
                            .at(path, tspan.clone())
                            .label("expression section without a slot section before it")
                            .hint("start the file with `[INTENT SLOT]` (followed by no lines when the intent has no slots) and a blank line"),
                        );
                    }
                    expr_header.get_or_insert(tspan);
                    section = Section::Expressions;
                }
                _ => {
                    err(
                        sink,
                        Diagnostic::new(Code::TsvSyntax, format!("unknown section header `{t}`"))
                            .at(path, tspan)
                            .hint("an intent TSV has the sections `[INTENT SLOT]` and `[INTENT EXPRESSION]`"),
                    );
                    section = Section::Unknown;
                }
            }
            continue;
        }
        let line_span = start..start + line.len();
        match section {
            Section::Unknown => {}
            Section::Start => {
                if !reported_start {
                    reported_start = true;
                    err(
                        sink,
                        Diagnostic::new(Code::TsvSyntax, "missing section header before this line")
                            .at(path, tspan)
                            .hint("an intent TSV starts with `[INTENT SLOT]` (slotName<TAB>slotType lines), then a blank line and `[INTENT EXPRESSION]` (one utterance per line)"),
                    );
                }
            }
            Section::Slots => {
                let fields: Vec<&str> = line.split('\t').collect();
                if fields.len() != 2 {
                    err(
                        sink,
                        Diagnostic::new(
                            Code::TsvSyntax,
                            format!(
                                "slot line has {} column{}; expected 2",
                                fields.len(),
                                if fields.len() == 1 { "" } else { "s" }
                            ),
                        )
                        .at(path, line_span)
                        .hint("each line of `[INTENT SLOT]` is `slotName<TAB>slotType`"),
                    );
                    continue;
                }
                let (name, nspan) = trimmed(fields[0], start);
                let (ty, tyspan) = trimmed(fields[1], start + fields[0].len() + 1);
                if name.is_empty() || ty.is_empty() {
                    err(
                        sink,
                        Diagnostic::new(Code::TsvSyntax, "slot line has an empty column")
                            .at(path, line_span)
                            .hint("each line of `[INTENT SLOT]` is `slotName<TAB>slotType`"),
                    );
                    continue;
                }
                if !utterance::valid_slot_name(name) {
                    err(
                        sink,
                        Diagnostic::new(Code::TsvSyntax, format!("`{name}` cannot be a slot name"))
                            .at(path, nspan)
                            .hint("slot names hold letters, digits, `_`, `-` or `.`"),
                    );
                    continue;
                }
                if let Some(first) = slots.keys().find(|k| k.value == name) {
                    let first = first.span.clone();
                    err(
                        sink,
                        Diagnostic::new(Code::TsvSyntax, format!("slot `{name}` is listed twice"))
                            .at(path, nspan)
                            .related(path, first, "first listed here"),
                    );
                    continue;
                }
                slots.insert(
                    Sp::new(name.to_string(), nspan),
                    Sp::new(ty.to_string(), tyspan),
                );
            }
            Section::Expressions => {
                let columns = line.split('\t').count();
                if columns != 1 {
                    err(
                        sink,
                        Diagnostic::new(
                            Code::TsvSyntax,
                            format!("utterance line has {columns} columns; expected 1"),
                        )
                        .at(path, line_span)
                        .hint("each line of `[INTENT EXPRESSION]` is one sample utterance, without tabs"),
                    );
                    continue;
                }
                match utterance::parse(t) {
                    Err(e) => err(
                        sink,
                        Diagnostic::new(Code::TsvSyntax, e.message)
                            .at(path, tspan.start + e.span.start..tspan.start + e.span.end)
                            .hint("tag a slot value as `<slotName>value</slotName>`"),
                    ),
                    Ok(segs) => {
                        let mut ok = true;
                        for seg in &segs {
                            if let utterance::Segment::Slot { name, span, .. } = seg
                                && !slots.keys().any(|k| k.value == *name)
                            {
                                ok = false;
                                let at = tspan.start + span.start;
                                err(
                                    sink,
                                    Diagnostic::new(
                                        Code::UnknownSlot,
                                        format!("tag `<{name}>` names a slot that `[INTENT SLOT]` does not list"),
                                    )
                                    .at(path, at..at + name.len() + 2)
                                    .hint(format!("add `{name}<TAB><slot type>` under `[INTENT SLOT]`")),
                                );
                            }
                        }
                        if ok {
                            utterances.push(Sp::new(SharedStr::from(t), tspan));
                        }
                    }
                }
            }
        }
    }
    let end = text.len()..text.len();
    if expr_header.is_none() {
        errors += 1;
        sink.push(
            Diagnostic::new(
                Code::TsvSyntax,
                "missing `[INTENT EXPRESSION]` section header",
            )
            .at(path, end.clone())
            .hint("after the slot section and a blank line, `[INTENT EXPRESSION]` is followed by one sample utterance per line"),
        );
    }
    if slot_header.is_none() && expr_header.is_none() && !reported_start {
        errors += 1;
        sink.push(
            Diagnostic::new(Code::TsvSyntax, "missing `[INTENT SLOT]` section header")
                .at(path, end)
                .hint("an intent TSV starts with `[INTENT SLOT]`"),
        );
    }
    if errors > 0 {
        return None;
    }
    let slots_span = slot_header.unwrap_or(0..0);
    let utt_span = expr_header.unwrap_or(0..0);
    Some(IntentFile {
        description: None,
        slots: Sp::new(slots, slots_span),
        utterances: Sp::new(utterances, utt_span),
    })
}

/// Write an intent in the console's TSV format.
pub fn write_intent<'a>(
    slots: impl IntoIterator<Item = (&'a str, &'a str)>,
    utterances: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut out = String::from(SLOT_HEADER);
    out.push('\n');
    for (name, ty) in slots {
        out.push_str(name.trim());
        out.push('\t');
        out.push_str(ty.trim());
        out.push('\n');
    }
    out.push('\n');
    out.push_str(EXPRESSION_HEADER);
    out.push('\n');
    for u in utterances {
        out.push_str(u.trim());
        out.push('\n');
    }
    out
}

/// Write a slot type in the console's TSV format.
pub fn write_slot_type<'a>(values: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>) -> String {
    let mut out = String::new();
    for (value, synonyms) in values {
        out.push_str(value.trim());
        for s in synonyms {
            out.push('\t');
            out.push_str(s.trim());
        }
        out.push('\n');
    }
    out
}

/// Why a field cannot be written to a TSV line and read back unchanged (after trimming).
fn unrepresentable(s: &str) -> Option<&'static str> {
    if s.contains('\t') {
        Some("a tab, which separates TSV columns")
    } else if s.contains(['\n', '\r']) {
        Some("a line break, which ends a TSV line")
    } else if s.trim().is_empty() {
        Some("no text")
    } else {
        None
    }
}

fn cannot(file: &str, span: &Range<usize>, what: &str, value: &str, why: &str) -> Diagnostic {
    Diagnostic::new(
        Code::TsvSyntax,
        format!("{what} `{}` holds {why}", value.escape_debug()),
    )
    .at(file, span.clone())
    .hint("the console's TSV format cannot hold it; change the value before exporting")
}

/// An intent in the console's TSV format, or why it cannot be written so that it reads back the
/// same: fields with tabs or line breaks, empty fields, malformed tags, tags naming undeclared
/// slots. Diagnostics point into the intent's own file.
pub fn intent_to_tsv(intent: &Intent) -> Result<String, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let file = intent.file.as_str();
    let def = &intent.def;
    for (name, ty) in &def.slots.value {
        if let Some(why) = unrepresentable(&name.value) {
            problems.push(cannot(file, &name.span, "slot name", &name.value, why));
        } else if !utterance::valid_slot_name(name.value.trim()) {
            problems.push(
                Diagnostic::new(
                    Code::TsvSyntax,
                    format!("`{}` cannot be a slot name", name.value),
                )
                .at(file, name.span.clone())
                .hint("slot names hold letters, digits, `_`, `-` or `.`"),
            );
        }
        if let Some(why) = unrepresentable(&ty.value) {
            problems.push(cannot(file, &ty.span, "slot type", &ty.value, why));
        }
    }
    for u in &def.utterances.value {
        if let Some(why) = unrepresentable(&u.value) {
            problems.push(cannot(file, &u.span, "sample utterance", &u.value, why));
            continue;
        }
        if looks_like_header(&u.value) {
            problems.push(cannot(
                file,
                &u.span,
                "sample utterance",
                &u.value,
                "only a `[…]` section header",
            ));
            continue;
        }
        match utterance::parse(u.value.trim()) {
            Err(e) => problems.push(
                Diagnostic::new(Code::UtteranceTag, e.message)
                    .at(file, u.span.clone())
                    .hint("tag a slot value as `<slotName>value</slotName>`"),
            ),
            Ok(segs) => {
                for seg in segs {
                    if let utterance::Segment::Slot { name, .. } = seg
                        && !def.slots.value.keys().any(|k| k.value.trim() == name)
                    {
                        problems.push(
                            Diagnostic::new(
                                Code::UnknownSlot,
                                format!(
                                    "tag `<{name}>` names a slot that intent `{}` does not declare",
                                    intent.name
                                ),
                            )
                            .at(file, u.span.clone()),
                        );
                    }
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(write_intent(
        def.slots
            .value
            .iter()
            .map(|(k, v)| (k.value.as_str(), v.value.as_str())),
        def.utterances.value.iter().map(|u| u.value.as_str()),
    ))
}

/// A slot type in the console's TSV format, or why it cannot be written so that it reads back the
/// same.
pub fn slot_type_to_tsv(st: &SlotType) -> Result<String, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let file = st.file.as_str();
    let mut seen: HashMap<&str, &Range<usize>> = HashMap::new();
    for v in &st.values {
        if let Some(why) = unrepresentable(&v.value.value) {
            problems.push(cannot(
                file,
                &v.value.span,
                "representative value",
                &v.value.value,
                why,
            ));
        } else if let Some(first) = seen.insert(v.value.value.trim(), &v.value.span) {
            problems.push(
                Diagnostic::new(
                    Code::TsvSyntax,
                    format!(
                        "representative value `{}` is listed twice (ignoring surrounding spaces)",
                        v.value.value.trim()
                    ),
                )
                .at(file, v.value.span.clone())
                .related(file, first.clone(), "first listed here"),
            );
        }
        for s in &v.synonyms {
            if let Some(why) = unrepresentable(&s.value) {
                problems.push(cannot(file, &s.span, "synonym", &s.value, why));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(write_slot_type(st.values.iter().map(|v| {
        (
            v.value.value.as_str(),
            v.synonyms.iter().map(|s| s.value.as_str()).collect(),
        )
    })))
}

/// The intent file `import tsv` writes for an intent read from TSV: its slots and utterances,
/// keeping the `description` and the leading comment lines (e.g. `#:schema`) of the file it
/// replaces.
pub fn intent_toml(intent: &Intent, existing: Option<&str>) -> String {
    let (header, description) = match existing {
        Some(text) => (
            toml_write::leading_comments(text),
            toml::from_str::<IntentFile>(text)
                .ok()
                .and_then(|f| f.description.map(|d| d.value)),
        ),
        None => (String::new(), None),
    };
    let slots: Vec<(String, String)> = intent
        .def
        .slots
        .value
        .iter()
        .map(|(k, v)| (k.value.clone(), v.value.clone()))
        .collect();
    let utterances: Vec<String> = intent
        .def
        .utterances
        .value
        .iter()
        .map(|u| u.value.to_string())
        .collect();
    toml_write::intent(&header, description.as_deref(), &slots, &utterances)
}

fn values_of(st: &SlotType) -> Vec<(String, Vec<String>)> {
    st.values
        .iter()
        .map(|v| {
            (
                v.value.value.to_string(),
                v.synonyms.iter().map(|s| s.value.to_string()).collect(),
            )
        })
        .collect()
}

/// The slot-type file `import tsv` writes (`.toml`), keeping the `description` and leading
/// comment lines of the file it replaces.
pub fn slot_type_toml(st: &SlotType, existing: Option<&str>) -> String {
    let (header, description) = match existing {
        Some(text) => (
            toml_write::leading_comments(text),
            toml::from_str::<SlotTypeFile>(text)
                .ok()
                .and_then(|f| f.description.map(|d| d.value)),
        ),
        None => (String::new(), None),
    };
    toml_write::slot_type(&header, description.as_deref(), &values_of(st))
}

/// The slot type in canonical console TSV (for extensions that keep a slot type as `.tsv`).
pub fn slot_type_tsv(st: &SlotType) -> String {
    write_slot_type(st.values.iter().map(|v| {
        (
            v.value.value.as_str(),
            v.synonyms.iter().map(|s| s.value.as_str()).collect(),
        )
    }))
}

// ---------------------------------------------------------------------------------------------
// Reading files from disk

/// Custom intents and slot types read from console TSV files, shaped like the interaction model
/// of a [`crate::model::Extension`]: `file` is the path as given, spans point into the TSV texts (kept in
/// the sink's sources).
#[derive(Clone, Debug, Default)]
pub struct TsvModel {
    pub intents: Vec<Intent>,
    pub slot_types: Vec<SlotType>,
}

impl TsvModel {
    /// `base` with its interaction model (custom intents and slot types) replaced by this one:
    /// what the extension would be after uploading every file. Built-in intents and slot types
    /// are not part of the TSV files and stay as in `base`.
    pub fn into_extension(self, base: &Extension) -> Extension {
        let mut ext = base.clone();
        ext.intents = self.intents;
        ext.slot_types = self.slot_types;
        ext
    }
}

/// The name a file gives its intent or slot type: the file name without `.tsv`.
pub fn name_of(path: &str) -> String {
    let p = Path::new(path);
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or(path);
    name.strip_suffix(".tsv").unwrap_or(name).to_string()
}

fn valid_model_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
}

/// Parse one TSV text (already read) into the model; problems go to the sink.
pub fn parse_file(path: &str, text: &str, model: &mut TsvModel, sink: &mut Report) {
    let name = name_of(path);
    let kind = detect(path, text);
    let bad_name = match kind {
        Kind::Intent if name.starts_with("Clova.") => Some((
            Code::IntentNameReserved,
            format!("intent name `{name}` uses the reserved `Clova.` prefix"),
        )),
        Kind::SlotType if name.starts_with("CLOVA.") => Some((
            Code::IntentNameInvalid,
            format!("slot type name `{name}` uses the reserved `CLOVA.` prefix"),
        )),
        _ if !valid_model_name(&name) => Some((
            Code::IntentNameInvalid,
            format!(
                "`{name}` cannot be {} name",
                if kind == Kind::Intent {
                    "an intent"
                } else {
                    "a slot type"
                }
            ),
        )),
        _ => None,
    };
    if let Some((code, message)) = bad_name {
        sink.push(
            Diagnostic::new(code, message)
                .at(path, 0..0)
                .hint("the file name (without `.tsv`) is the name; rename the file"),
        );
    }
    match kind {
        Kind::Intent => {
            if let Some(def) = parse_intent(path, text, sink) {
                if let Some(first) = model.intents.iter().find(|i| i.name == name) {
                    sink.push(
                        Diagnostic::new(
                            Code::DuplicateIntent,
                            format!("intent `{name}` is given twice"),
                        )
                        .at(path, 0..0)
                        .related(first.file.clone(), 0..0, "also here"),
                    );
                    return;
                }
                model.intents.push(Intent {
                    name,
                    file: path.to_string(),
                    def,
                });
            }
        }
        Kind::SlotType => {
            if let Some(values) = parse_slot_type(path, text, sink) {
                if let Some(first) = model.slot_types.iter().find(|s| s.name == name) {
                    sink.push(
                        Diagnostic::new(
                            Code::DuplicateSlotType,
                            format!("slot type `{name}` is given twice"),
                        )
                        .at(path, 0..0)
                        .related(first.file.clone(), 0..0, "also here"),
                    );
                    return;
                }
                model.slot_types.push(SlotType {
                    name,
                    file: path.to_string(),
                    description: None,
                    values,
                });
            }
        }
    }
}

/// Read TSV files from disk: `(name, path)` pairs, where the name (usually the path as the user
/// typed it) is how diagnostics refer to the file. Unreadable, oversized or non-UTF-8 files are
/// diagnostics too.
pub fn read_files(files: &[(String, PathBuf)]) -> (TsvModel, Report) {
    let mut tree = Tree::default();
    for (name, p) in files {
        let entry = match std::fs::metadata(p) {
            Ok(m) if m.len() > MAX_FILE_SIZE => Entry::TooLarge(m.len()),
            Ok(m) if !m.is_file() => Entry::Unreadable("not a regular file".into()),
            Ok(_) => match std::fs::read(p) {
                Ok(b) => Entry::Blob(b.into()),
                Err(e) => Entry::Unreadable(e.to_string()),
            },
            Err(e) => Entry::Unreadable(e.to_string()),
        };
        tree.insert(name.clone(), entry);
    }
    let mut sink = Report::default();
    let mut model = TsvModel::default();
    for (name, _) in files {
        if let Some(text) = read_text(&tree, name, &mut sink) {
            parse_file(name, &text, &mut model, &mut sink);
        }
    }
    model.intents.sort_by(|a, b| a.name.cmp(&b.name));
    model.slot_types.sort_by(|a, b| a.name.cmp(&b.name));
    (model, sink)
}

/// The `.tsv` files of a console download folder: those directly in `dir` and in its `intents/`
/// and `slot-types/` sub-folders (the layout `cekops export tsv` writes), sorted.
pub fn folder_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for sub in [
        dir.to_path_buf(),
        dir.join("intents"),
        dir.join("slot-types"),
    ] {
        if !sub.is_dir() {
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&sub)?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "tsv"))
            .collect();
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

/// Read a console TSV download folder (see [`folder_files`]) into an interaction model; combine
/// it with an extension's basic information with [`TsvModel::into_extension`].
pub fn read_folder(dir: &Path) -> std::io::Result<(TsvModel, Report)> {
    let files: Vec<(String, PathBuf)> = folder_files(dir)?
        .into_iter()
        .map(|p| (p.to_string_lossy().replace('\\', "/"), p))
        .collect();
    Ok(read_files(&files))
}

/// Parse a slot type in the console's TSV format: each line a representative value followed by
/// its synonyms, tab-separated. Blank lines and empty fields are skipped, fields are trimmed; a
/// representative value listed twice is reported (`tsv-syntax`). The values share `text`.
pub fn parse_slot_tsv(path: &str, text: &std::sync::Arc<str>, sink: &mut Report) -> Vec<SlotValue> {
    let shared = text;
    let text: &str = text;
    // One entry a line, most lines non-blank: sized once. Borrowed keys and a fast hash (the
    // large slot types of a big repository hold 100,000s of lines).
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    let mut values = Vec::with_capacity(lines);
    let mut seen: foldhash::HashMap<&str, Range<usize>> =
        foldhash::HashMap::with_capacity_and_hasher(lines, Default::default());
    let mut offset = 0;
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if body.len() != text.len() {
        offset = text.len() - body.len();
    }
    for line in body.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        if content.chars().all(char::is_whitespace) {
            continue;
        }
        // the first tab-separated field is the representative value, the others its synonyms
        let (first, rest) = match content.split_once('\t') {
            Some((first, rest)) => (first, Some(rest)),
            None => (content, None),
        };
        let value = first.trim();
        if value.is_empty() {
            sink.push(
                Diagnostic::new(
                    Code::TsvSyntax,
                    "line has synonyms but no representative value",
                )
                .at(path, start..start + content.len())
                .hint("the first tab-separated field of each line is the representative value"),
            );
            continue;
        }
        let vstart = start + first.len() - first.trim_start().len();
        let vspan = vstart..vstart + value.len();
        if let Some(first) = seen.get(value) {
            sink.push(
                Diagnostic::new(
                    Code::TsvSyntax,
                    format!("representative value `{value}` is listed twice"),
                )
                .at(path, vspan)
                .related(path, first.clone(), "first listed here")
                .hint("keep one line per representative value, with all its synonyms"),
            );
            continue;
        }
        seen.insert(value, vspan.clone());
        let mut synonyms = Vec::new();
        if let Some(rest) = rest {
            let mut pos = start + first.len() + 1;
            for syn in rest.split('\t') {
                let at = pos;
                pos += syn.len() + 1;
                let trimmed = syn.trim();
                if trimmed.is_empty() {
                    continue;
                }
                let lead = syn.len() - syn.trim_start().len();
                let span = at + lead..at + lead + trimmed.len();
                synonyms.push(Sp::new(SharedStr::slice(shared, span.clone()), span));
            }
        }
        values.push(SlotValue {
            value: Sp::new(SharedStr::slice(shared, vspan.clone()), vspan),
            synonyms,
        });
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(text: &str) -> (Option<IntentFile>, Vec<Diagnostic>) {
        let mut sink = Report::default();
        let r = parse_intent("x.tsv", text, &mut sink);
        (r, sink.diagnostics)
    }

    #[test]
    fn parses_the_spec_example() {
        let text = "[INTENT SLOT]\npizzaType\tPIZZA_TYPE\npizzaAmount\tCLOVA.NUMBER\n\n[INTENT EXPRESSION]\n<pizzaType>BBQ pizza</pizzaType> <pizzaAmount>2 boxes</pizzaAmount> please\n";
        let (f, d) = intent(text);
        assert!(d.is_empty(), "{d:?}");
        let f = f.unwrap();
        assert_eq!(f.slots.value.len(), 2);
        assert_eq!(f.utterances.value.len(), 1);
        let u = &f.utterances.value[0];
        assert_eq!(&text[u.span.clone()], u.value);
        // writing gives the same bytes
        let again = write_intent(
            f.slots
                .value
                .iter()
                .map(|(k, v)| (k.value.as_str(), v.value.as_str())),
            f.utterances.value.iter().map(|u| u.value.as_str()),
        );
        assert_eq!(again, text);
    }

    #[test]
    fn crlf_and_bom_are_read() {
        let (f, d) =
            intent("\u{feff}[INTENT SLOT]\r\na\tT\r\n\r\n[INTENT EXPRESSION]\r\n<a>x</a> y\r\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(f.unwrap().utterances.value[0].value, "<a>x</a> y");
    }

    #[test]
    fn reports_bad_intent_files() {
        let codes = |text: &str| -> Vec<String> {
            let (f, d) = intent(text);
            assert!(f.is_none());
            d.iter().map(|d| d.message.clone()).collect()
        };
        assert_eq!(
            codes("hello\n"),
            vec![
                "missing section header before this line",
                "missing `[INTENT EXPRESSION]` section header"
            ]
        );
        assert_eq!(
            codes("[INTENT EXPRESSION]\nhi\n"),
            vec!["missing `[INTENT SLOT]` section header"]
        );
        assert_eq!(
            codes("[INTENT SLOT]\na\tT\tU\n\n[INTENT EXPRESSION]\nhi\n"),
            vec!["slot line has 3 columns; expected 2"]
        );
        assert_eq!(
            codes("[INTENT SLOT]\na\n\n[INTENT EXPRESSION]\nhi\n"),
            vec!["slot line has 1 column; expected 2"]
        );
        assert_eq!(
            codes("[INTENT SLOT]\na\tT\n\n[INTENT EXPRESSION]\n<a>x y\n"),
            vec!["tag `<a>` is never closed with `</a>`"]
        );
        assert_eq!(
            codes("[INTENT SLOT]\n\n[INTENT EXPRESSION]\n<b>x</b> y\n"),
            vec!["tag `<b>` names a slot that `[INTENT SLOT]` does not list"]
        );
        assert_eq!(
            codes("[INTENT SLOTS]\n\n[INTENT EXPRESSION]\nx\n"),
            vec![
                "unknown section header `[INTENT SLOTS]`",
                "missing `[INTENT SLOT]` section header"
            ]
        );
        assert_eq!(
            codes(""),
            vec![
                "missing `[INTENT EXPRESSION]` section header",
                "missing `[INTENT SLOT]` section header"
            ]
        );
    }

    #[test]
    fn error_spans_point_at_the_line() {
        let text = "[INTENT SLOT]\na\tT\n\n[INTENT EXPRESSION]\nok <a>x</a>\n  bad <a>x\n";
        let (_, d) = intent(text);
        let span = d[0].location.as_ref().unwrap().span.clone();
        assert_eq!(&text[span], "<a>");
        let idx = crate::diag::LineIndex::new(text);
        assert_eq!(idx.line_of(d[0].location.as_ref().unwrap().span.start), 5);
    }

    #[test]
    fn detects_kind() {
        assert_eq!(detect("a/intents/X.tsv", "v\ts\n"), Kind::Intent);
        assert_eq!(
            detect("a/slot-types/X.tsv", "[INTENT SLOT]\n"),
            Kind::SlotType
        );
        assert_eq!(detect("X.tsv", "\n[INTENT SLOT]\n"), Kind::Intent);
        assert_eq!(detect("X.tsv", "[INTENT EXPRESSION]\n"), Kind::Intent);
        assert_eq!(detect("X.tsv", "v\ts\n"), Kind::SlotType);
    }

    #[test]
    fn a_download_folder_reads_into_an_extension() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("intents")).unwrap();
        std::fs::create_dir_all(d.join("slot-types")).unwrap();
        std::fs::write(
            d.join("intents/Order.tsv"),
            "[INTENT SLOT]\nkind\tKIND\n\n[INTENT EXPRESSION]\n<kind>a</kind> please\n",
        )
        .unwrap();
        std::fs::write(d.join("slot-types/KIND.tsv"), "a\tA\nb\n").unwrap();
        // a loose console download next to them, detected by its content
        std::fs::write(
            d.join("Help.tsv"),
            "[INTENT SLOT]\n\n[INTENT EXPRESSION]\nhelp\n",
        )
        .unwrap();
        std::fs::write(d.join("notes.txt"), "not read").unwrap();
        let (model, sink) = read_folder(d).unwrap();
        assert!(sink.diagnostics.is_empty(), "{:?}", sink.diagnostics);
        let base = Extension {
            id: "com.example.x".into(),
            dir: "extensions/com.example.x".into(),
            full: true,
            ..Default::default()
        };
        let ext = model.into_extension(&base);
        assert_eq!(ext.id, "com.example.x");
        let names: Vec<&str> = ext.intents.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["Help", "Order"]);
        let order = ext.intent("Order").unwrap();
        assert!(order.file.ends_with("intents/Order.tsv"));
        assert_eq!(order.def.utterances.value[0].value, "<kind>a</kind> please");
        let kind = ext.slot_type("KIND").unwrap();
        assert_eq!(kind.entry_count(), 3);
        // spans point into the sources kept in the sink
        let text = sink.sources.get(&order.file).unwrap();
        let u = &order.def.utterances.value[0];
        assert_eq!(&text[u.span.clone()], u.value);
    }

    #[test]
    fn duplicate_slot_values_are_reported() {
        let mut sink = Report::default();
        assert!(parse_slot_type("t.tsv", "a\tb\n a \tc\n", &mut sink).is_none());
        assert_eq!(sink.diagnostics.len(), 1);
        assert_eq!(
            sink.diagnostics[0].message,
            "representative value `a` is listed twice"
        );
    }
}

/// Round trip: TOML model → `export tsv` → `import tsv` → `export tsv`, through the same
/// functions the commands use.
#[cfg(test)]
mod roundtrip {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    /// Text that a TSV field holds: no tab, line break or tag brackets, no surrounding spaces.
    fn word() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9가-힣ぁ-んー\"'\\#=\\[\\]{}.,!?_ \u{3000}-]{1,10}"
            .prop_filter("trimmed and not empty", |s| {
                !s.trim().is_empty() && s.trim() == s
            })
    }

    /// Text of an utterance between tags: no `[`/`]` (a whole line `[…]` reads as a header).
    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9가-힣ぁ-ん\"'\\#=.,!?_ -]{1,10}".prop_filter("trimmed and not empty", |s| {
            !s.trim().is_empty() && s.trim() == s
        })
    }

    /// Slots (name, type) and utterances of an intent.
    type IntentDef = (Vec<(String, String)>, Vec<String>);

    #[derive(Clone, Debug)]
    struct Model {
        /// name -> (slots, utterances)
        intents: BTreeMap<String, IntentDef>,
        /// name -> values with synonyms
        slot_types: BTreeMap<String, Vec<(String, Vec<String>)>>,
    }

    fn slot_type() -> impl Strategy<Value = Vec<(String, Vec<String>)>> {
        prop::collection::vec((word(), prop::collection::vec(word(), 0..3)), 0..6).prop_map(
            |vals| {
                let mut seen = std::collections::HashSet::new();
                vals.into_iter()
                    .filter(|(v, _)| seen.insert(v.clone()))
                    .collect()
            },
        )
    }

    fn intent() -> impl Strategy<Value = IntentDef> {
        prop::collection::btree_map("[a-z][a-zA-Z0-9_]{0,5}", "[A-Z][A-Z_.]{0,8}", 0..4)
            .prop_flat_map(|slots| {
                let names: Vec<String> = slots.keys().cloned().collect();
                let segment = if names.is_empty() {
                    text().prop_map(|t| (None, t)).boxed()
                } else {
                    prop_oneof![
                        text().prop_map(|t| (None, t)),
                        (prop::sample::select(names), word()).prop_map(|(n, v)| (Some(n), v)),
                    ]
                    .boxed()
                };
                let utterance = prop::collection::vec(segment, 1..5).prop_map(|segs| {
                    segs.into_iter()
                        .map(|(slot, t)| match slot {
                            Some(n) => format!("<{n}>{t}</{n}>"),
                            None => t,
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                });
                (
                    Just(slots.into_iter().collect::<Vec<_>>()),
                    prop::collection::vec(utterance, 0..6),
                )
            })
    }

    fn model() -> impl Strategy<Value = Model> {
        (
            prop::collection::btree_map("[A-Z][a-zA-Z0-9]{0,7}", intent(), 0..4),
            prop::collection::btree_map("[A-Z][A-Z0-9_]{0,7}", slot_type(), 0..3),
        )
            .prop_map(|(intents, slot_types)| Model {
                intents,
                slot_types,
            })
    }

    const DIR: &str = "extensions/com.example.rt";

    fn load(files: &BTreeMap<String, String>) -> Extension {
        let mut tree = Tree::default();
        for (p, t) in files {
            tree.insert(p.clone(), Entry::Blob(t.as_bytes().into()));
        }
        let (ext, sink) = crate::load::load_extension(&tree, "com.example.rt", true);
        let errors: Vec<_> = sink.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(
            errors.iter().all(|d| d.code == Code::MissingFile),
            "{errors:?}"
        );
        ext
    }

    /// The console files of an extension: relative path -> text.
    fn export(ext: &Extension) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for i in &ext.intents {
            out.insert(format!("intents/{}.tsv", i.name), intent_to_tsv(i).unwrap());
        }
        for t in &ext.slot_types {
            out.insert(
                format!("slot-types/{}.tsv", t.name),
                slot_type_to_tsv(t).unwrap(),
            );
        }
        out
    }

    /// Import console files over the TOML files of an extension.
    fn import(
        files: &BTreeMap<String, String>,
        over: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        let mut model = TsvModel::default();
        let mut sink = Report::default();
        for (p, t) in files {
            parse_file(&format!("download/{p}"), t, &mut model, &mut sink);
        }
        assert!(sink.diagnostics.is_empty(), "{:?}", sink.diagnostics);
        let mut out = over.clone();
        for i in &model.intents {
            let p = format!("{DIR}/interaction-model/intents/{}.toml", i.name);
            let text = intent_toml(i, over.get(&p).map(String::as_str));
            out.insert(p, text);
        }
        for t in &model.slot_types {
            let p = format!("{DIR}/interaction-model/slot-types/{}.toml", t.name);
            let text = slot_type_toml(t, over.get(&p).map(String::as_str));
            out.insert(p, text);
        }
        out
    }

    fn toml_files(m: &Model) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        for (name, (slots, utts)) in &m.intents {
            files.insert(
                format!("{DIR}/interaction-model/intents/{name}.toml"),
                toml_write::intent("#:schema ../../x.json\n", Some("kept"), slots, utts),
            );
        }
        for (name, values) in &m.slot_types {
            files.insert(
                format!("{DIR}/interaction-model/slot-types/{name}.toml"),
                toml_write::slot_type("", Some("kept too"), values),
            );
        }
        files
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn export_import_export_is_lossless(m in model()) {
            let files = toml_files(&m);
            let ext = load(&files);
            let first = export(&ext);
            // Importing a fresh download over an empty extension, and over the files themselves.
            let fresh = import(&first, &BTreeMap::new());
            let again = import(&first, &files);
            prop_assert_eq!(&again, &files, "import over the same files changes nothing");
            let ext2 = load(&fresh);
            let second = export(&ext2);
            prop_assert_eq!(&first, &second);
            // Model-level equality with what was generated.
            for (name, (slots, utts)) in &m.intents {
                let i = ext2.intent(name).expect("intent survives");
                let got_slots: Vec<(String, String)> = i.def.slots.value.iter()
                    .map(|(k, v)| (k.value.clone(), v.value.clone())).collect();
                let got_utts: Vec<String> = i.def.utterances.value.iter()
                    .map(|u| u.value.to_string()).collect();
                prop_assert_eq!(&got_slots, slots);
                prop_assert_eq!(&got_utts, utts);
            }
            for (name, values) in &m.slot_types {
                let t = ext2.slot_type(name).expect("slot type survives");
                let got: Vec<(String, Vec<String>)> = t.values.iter()
                    .map(|v| (v.value.value.to_string(), v.synonyms.iter().map(|s| s.value.to_string()).collect()))
                    .collect();
                prop_assert_eq!(&got, values);
            }
            prop_assert_eq!(ext2.intents.len(), m.intents.len());
            prop_assert_eq!(ext2.slot_types.len(), m.slot_types.len());
        }
    }
}
