//! Converting an Alexa interaction model (`interactionModel.languageModel`) into the files of a
//! new Clova extension.
//!
//! What converts: the invocation name, custom intents with their slots and sample utterances,
//! custom slot types with values and synonyms, the `AMAZON.*` built-in intents and slot types
//! that have a `Clova.*` / `CLOVA.*` equivalent. `{slot}` placeholders become tagged values
//! (`<slot>value</slot>`) taken from the slot type (custom types: their representative values in
//! turn; built-in types: sample values for the language). Slot elicitation samples become
//! sample utterances of their intent (follow-up answers). Everything else — the dialog model,
//! prompts, validations, value IDs, built-ins without an equivalent —
//! is listed as a [`Note`], never dropped silently.

use std::collections::BTreeSet;
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Map;
use serde_json::Value;

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::model::Language;
use crate::rules;
use crate::rules::lang;
use crate::toml_write;
use crate::utterance;

// ---------------------------------------------------------------------------------------------
// The Alexa model (only what is converted is typed; every other key is reported from the raw
// JSON)

/// A parsed model: the typed parts that convert, and the whole document (to report every key
/// that does not convert).
#[derive(Debug)]
pub struct Model {
    pub root: Root,
    pub raw: Value,
}

/// An Alexa interaction-model file (`models/<locale>.json` of a skill package). Unknown keys are
/// ignored here and reported from [`Model::raw`].
#[derive(Debug, Deserialize)]
pub struct Root {
    #[serde(rename = "interactionModel")]
    pub interaction_model: InteractionModel,
}

#[derive(Debug, Deserialize)]
pub struct InteractionModel {
    #[serde(rename = "languageModel")]
    pub language_model: LanguageModel,
}

#[derive(Debug, Deserialize)]
pub struct LanguageModel {
    #[serde(rename = "invocationName")]
    pub invocation_name: String,
    #[serde(default)]
    pub intents: Vec<AlexaIntent>,
    #[serde(default)]
    pub types: Vec<AlexaType>,
}

#[derive(Debug, Deserialize)]
pub struct AlexaIntent {
    pub name: String,
    #[serde(default)]
    pub slots: Vec<AlexaSlot>,
    #[serde(default)]
    pub samples: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct AlexaSlot {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Slot elicitation samples (used by the dialog model).
    #[serde(default)]
    pub samples: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct AlexaType {
    pub name: String,
    #[serde(default)]
    pub values: Vec<AlexaValue>,
}

#[derive(Debug, Deserialize)]
pub struct AlexaValue {
    #[serde(default)]
    pub id: Option<String>,
    pub name: AlexaValueName,
}

#[derive(Debug, Deserialize)]
pub struct AlexaValueName {
    pub value: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
}

/// Byte offset of a 1-based line and column (as serde_json reports them).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    let mut at = (start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Parse a model file. Syntax and structure errors are diagnostics at serde_json's line and
/// column.
pub fn parse(path: &str, text: &str) -> Result<Model, Box<Diagnostic>> {
    let diag = |e: serde_json::Error| {
        let full = e.to_string();
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_string(),
            None => full,
        };
        let at = offset_of(text, e.line(), e.column());
        let end = text[at..]
            .chars()
            .next()
            .map(|c| at + c.len_utf8())
            .unwrap_or(at);
        let (what, hint) = if e.is_data() {
            (
                "not an Alexa interaction model",
                "the file must hold `interactionModel.languageModel` with `invocationName`, `intents` and `types`, as in a skill package's `models/<locale>.json`",
            )
        } else {
            ("invalid JSON", "fix the JSON syntax at this position")
        };
        Box::new(
            Diagnostic::new(Code::SchemaViolation, format!("{what}: {message}"))
                .at(path, at..end)
                .hint(hint),
        )
    };
    // Typed first: without buffering, serde_json knows where a wrong value is.
    let root = serde_json::from_str::<Root>(text).map_err(diag)?;
    let raw = serde_json::from_str::<Value>(text).map_err(diag)?;
    Ok(Model { root, raw })
}

// ---------------------------------------------------------------------------------------------
// Conversion

/// What the conversion did with one part of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    /// Converted to its Clova equivalent.
    Mapped,
    /// Converted to something different in kind (a built-in intent into a custom intent).
    Converted,
    /// Added because Clova requires it, or filled in with a placeholder.
    Added,
    /// Not converted: no Clova equivalent.
    Dropped,
    /// Kept as it is, worth knowing.
    Note,
}

impl NoteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Mapped => "mapped",
            NoteKind::Converted => "converted",
            NoteKind::Added => "added",
            NoteKind::Dropped => "dropped",
            NoteKind::Note => "note",
        }
    }
}

/// One line of the import report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub kind: NoteKind,
    pub message: String,
}

/// Settings for a conversion.
#[derive(Clone, Debug)]
pub struct Options {
    pub id: String,
    pub language: Language,
    /// Extension name; default: the invocation name.
    pub name: Option<String>,
    /// Extension server URL; default: a placeholder under `example.invalid`.
    pub endpoint: Option<String>,
    pub provider: Option<String>,
    pub contact_email: Option<String>,
    /// The model's locale when known (Alexa keeps models as `<locale>.json`), e.g. `en-US`.
    pub locale: Option<String>,
}

/// The files of the new extension (paths relative to `extensions/<id>/`) and the report.
#[derive(Clone, Debug, Default)]
pub struct Conversion {
    pub files: Vec<(String, String)>,
    pub notes: Vec<Note>,
    /// Custom intents written, with their utterance counts.
    pub intents: Vec<(String, usize)>,
    /// Custom slot types written, with their value counts.
    pub slot_types: Vec<(String, usize)>,
}

impl Conversion {
    fn note(&mut self, kind: NoteKind, message: impl Into<String>) {
        self.notes.push(Note {
            kind,
            message: message.into(),
        });
    }
}

/// The Clova built-in intent for an `AMAZON.*` intent in a language.
pub fn builtin_intent(amazon: &str, language: Language) -> Option<&'static str> {
    let jp = language == Language::Japanese;
    Some(match amazon {
        "AMAZON.HelpIntent" => "Clova.GuideIntent",
        "AMAZON.CancelIntent" => "Clova.CancelIntent",
        // KR has a stop intent (stop playback); JP ends with the cancel intent.
        "AMAZON.StopIntent" if jp => "Clova.CancelIntent",
        "AMAZON.StopIntent" => "Clova.StopIntent",
        "AMAZON.YesIntent" => "Clova.YesIntent",
        "AMAZON.NoIntent" => "Clova.NoIntent",
        "AMAZON.NextIntent" => "Clova.NextIntent",
        "AMAZON.PreviousIntent" => "Clova.PreviousIntent",
        "AMAZON.PauseIntent" => "Clova.PauseIntent",
        "AMAZON.ResumeIntent" => "Clova.ResumeIntent",
        "AMAZON.FallbackIntent" if jp => "Clova.FallbackIntent",
        _ => return None,
    })
}

/// The Clova built-in slot type for an `AMAZON.*` slot type, with sample values to tag.
pub fn builtin_slot_type(
    amazon: &str,
    language: Language,
) -> Option<(&'static str, &'static [&'static str])> {
    let ko = language == Language::Korean;
    Some(match amazon {
        "AMAZON.NUMBER" => ("CLOVA.NUMBER", &["3", "5", "12"]),
        "AMAZON.FOUR_DIGIT_NUMBER" => ("CLOVA.NUMBER", &["2024", "1234"]),
        "AMAZON.DATE" if ko => ("CLOVA.DATETIME", &["내일", "3월 5일", "다음 주 월요일"]),
        "AMAZON.DATE" => ("CLOVA.DATETIME", &["明日", "3月5日", "来週の月曜日"]),
        "AMAZON.TIME" if ko => ("CLOVA.DATETIME", &["오후 3시", "아침 7시"]),
        "AMAZON.TIME" => ("CLOVA.DATETIME", &["午後3時", "朝7時"]),
        "AMAZON.DURATION" if ko => ("CLOVA.DURATION", &["10분", "2시간"]),
        "AMAZON.DURATION" => ("CLOVA.DURATION", &["10分", "2時間"]),
        // ordinals: CEK's number type takes the counter (`3번째`, `3番目`); CLOVA.ORDER is
        // next / previous / last / this, not first / second
        "AMAZON.Ordinal" if ko => ("CLOVA.NUMBER", &["3번째", "2번째"]),
        "AMAZON.Ordinal" => ("CLOVA.NUMBER", &["3番目", "2番目"]),
        // prefectures; KR's administrative-area types are not documented
        "AMAZON.Region" if !ko => ("CLOVA.JP_ADDRESS_KEN", &["東京都", "大阪府", "北海道"]),
        "AMAZON.Country" if ko => ("CLOVA.WORLD_COUNTRY", &["미국", "일본"]),
        "AMAZON.Country" => ("CLOVA.WORLD_COUNTRY", &["アメリカ", "韓国"]),
        "AMAZON.City" | "AMAZON.US_CITY" | "AMAZON.GB_CITY" | "AMAZON.DE_CITY"
        | "AMAZON.EUROPE_CITY" | "AMAZON.AT_CITY"
            if ko =>
        {
            ("CLOVA.WORLD_CITY", &["서울", "파리"])
        }
        "AMAZON.City" | "AMAZON.US_CITY" | "AMAZON.GB_CITY" | "AMAZON.DE_CITY"
        | "AMAZON.EUROPE_CITY" | "AMAZON.AT_CITY" => ("CLOVA.WORLD_CITY", &["東京", "パリ"]),
        // a weekday is a date to CEK (spec §3.2: `CLOVA.DATETIME`, "now or later")
        "AMAZON.DayOfWeek" if ko => ("CLOVA.DATETIME", &["월요일", "금요일"]),
        "AMAZON.DayOfWeek" => ("CLOVA.DATETIME", &["月曜日", "金曜日"]),
        // JP `CLOVA.WHOLE_NUMBER` keeps digit strings whole ("0123 4567" → `01234567`, spec
        // §3.2); KR has no such type, and `CLOVA.NUMBER` would drop the leading zero
        "AMAZON.PhoneNumber" if !ko => ("CLOVA.WHOLE_NUMBER", &["09012345678", "0312345678"]),
        _ => return None,
    })
}

/// Why an `AMAZON.*` slot type without a Clova equivalent is dropped, and what to do instead.
fn no_equivalent(amazon: &str, language: Language) -> String {
    let variant = language.variant();
    let why = match amazon {
        "AMAZON.SearchQuery" => {
            "CEK has no free-text slot type: a slot only recognises the values of its type; make a custom slot type with the phrases you expect"
        }
        "AMAZON.FirstName"
        | "AMAZON.US_FIRST_NAME"
        | "AMAZON.GB_FIRST_NAME"
        | "AMAZON.DE_FIRST_NAME"
        | "AMAZON.Person"
        | "AMAZON.Actor"
        | "AMAZON.Artist"
        | "AMAZON.Author"
        | "AMAZON.Musician"
        | "AMAZON.Athlete" => {
            "CEK has no built-in dictionary of names: make a custom slot type with the names (in Alexa, extending the type with values makes import convert it)"
        }
        "AMAZON.Food"
        | "AMAZON.Color"
        | "AMAZON.Animal"
        | "AMAZON.Sport"
        | "AMAZON.Genre"
        | "AMAZON.Language"
        | "AMAZON.Movie"
        | "AMAZON.Book"
        | "AMAZON.MusicAlbum"
        | "AMAZON.MusicGroup"
        | "AMAZON.MusicRecording"
        | "AMAZON.VideoGame"
        | "AMAZON.TVSeries"
        | "AMAZON.Game" => {
            "CEK has no built-in dictionary of these: make a custom slot type with the values your extension handles (in Alexa, extending the type with values makes import convert it)"
        }
        "AMAZON.Region" => {
            "the Korean administrative-area types (`CLOVA.KO_ADDRESS_*`) are not documented; pick one in the console"
        }
        "AMAZON.PhoneNumber" => {
            "KR has no digit-string type, and `CLOVA.NUMBER` drops leading zeros; make a custom slot type or ask for the number in parts"
        }
        _ => "",
    };
    if why.is_empty() {
        format!("`{amazon}` has no Clova {variant} built-in equivalent")
    } else {
        format!("`{amazon}` has no Clova {variant} built-in equivalent: {why}")
    }
}

/// How a slot's placeholders are filled.
#[derive(Clone, Debug)]
enum Fill {
    /// Tag with these values in turn; declare the slot with `clova_type`.
    Values {
        clova_type: String,
        values: Vec<String>,
    },
    /// Cannot be converted, for this reason.
    No(String),
}

/// A piece of an Alexa sample.
enum Piece<'a> {
    Text(&'a str),
    Slot(&'a str),
}

fn split_sample(s: &str) -> Result<Vec<Piece<'_>>, String> {
    if s.contains(['<', '>']) {
        return Err("contains `<` or `>`, which Clova reads as slot tags".into());
    }
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        match (rest.find('{'), rest.find('}')) {
            (None, None) => {
                out.push(Piece::Text(rest));
                break;
            }
            (Some(o), Some(c)) if o < c => {
                if o > 0 {
                    out.push(Piece::Text(&rest[..o]));
                }
                let name = rest[o + 1..c].trim();
                if name.contains('{') {
                    return Err("has nested `{`".into());
                }
                out.push(Piece::Slot(name));
                rest = &rest[c + 1..];
            }
            _ => return Err("has an unbalanced `{` or `}`".into()),
        }
    }
    Ok(out)
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Describe the parts of a dialog model for the report.
fn describe_dialog(conv: &mut Conversion, dialog: &Value) {
    let why = "Clova has no dialog model: ask for missing slots and confirmations from the extension server (multi-turn session)";
    let Some(obj) = dialog.as_object() else {
        conv.note(
            NoteKind::Dropped,
            format!("dialog model (`interactionModel.dialog`): {why}"),
        );
        return;
    };
    for (k, v) in obj {
        if k == "intents" {
            continue;
        }
        conv.note(
            NoteKind::Dropped,
            format!("dialog setting `{k}` = {v}: {why}"),
        );
    }
    for intent in obj
        .get("intents")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = intent.get("name").and_then(Value::as_str).unwrap_or("?");
        let mut features = Vec::new();
        if let Some(o) = intent.as_object() {
            for (k, v) in o {
                match k.as_str() {
                    "name" | "slots" => {}
                    "confirmationRequired" if v == &Value::Bool(false) => {}
                    "confirmationRequired" => features.push("intent confirmation".to_string()),
                    "prompts" if v.as_object().is_some_and(Map::is_empty) => {}
                    other => features.push(format!("`{other}` = {v}")),
                }
            }
        }
        for slot in intent
            .get("slots")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let sname = slot.get("name").and_then(Value::as_str).unwrap_or("?");
            if slot.get("elicitationRequired") == Some(&Value::Bool(true)) {
                features.push(format!("slot `{sname}` elicitation"));
            }
            if slot.get("confirmationRequired") == Some(&Value::Bool(true)) {
                features.push(format!("slot `{sname}` confirmation"));
            }
            if let Some(vals) = slot.get("validations").and_then(Value::as_array)
                && !vals.is_empty()
            {
                let kinds: Vec<String> = vals
                    .iter()
                    .map(|v| {
                        v.get("type")
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_string()
                    })
                    .collect();
                features.push(format!("slot `{sname}` validations ({})", kinds.join(", ")));
            }
            if let Some(o) = slot.as_object() {
                for (k, v) in o {
                    match k.as_str() {
                        "name"
                        | "type"
                        | "elicitationRequired"
                        | "confirmationRequired"
                        | "validations"
                        | "prompts" => {}
                        other => features.push(format!("slot `{sname}` `{other}` = {v}")),
                    }
                }
            }
        }
        if features.is_empty() {
            features.push("dialog entry".into());
        }
        conv.note(
            NoteKind::Dropped,
            format!(
                "dialog model of intent `{name}`: {}: {why}",
                features.join(", ")
            ),
        );
    }
}

fn describe_prompts(conv: &mut Conversion, prompts: &Value) {
    let ids: Vec<String> = prompts
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            p.get("id")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string()
        })
        .collect();
    conv.note(
        NoteKind::Dropped,
        format!(
            "{} prompt{} ({}): Clova has no prompts; the extension server writes every response",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
            list(&ids)
        ),
    );
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

fn unknown_keys(conv: &mut Conversion, where_: &str, obj: &Map<String, Value>, known: &[&str]) {
    for (k, v) in obj {
        if !known.contains(&k.as_str()) {
            conv.note(
                NoteKind::Dropped,
                format!(
                    "{where_} `{k}` = {}: not part of a Clova interaction model",
                    short(v)
                ),
            );
        }
    }
}

fn objects(v: Option<&Value>) -> impl Iterator<Item = &Map<String, Value>> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

fn name_of(o: &Map<String, Value>) -> &str {
    o.get("name").and_then(Value::as_str).unwrap_or("?")
}

/// Report every key of the document that the conversion does not use.
fn report_unused(conv: &mut Conversion, raw: &Value) {
    let Some(root) = raw.as_object() else { return };
    unknown_keys(conv, "top-level key", root, &["interactionModel"]);
    let Some(im) = root.get("interactionModel").and_then(Value::as_object) else {
        return;
    };
    for (k, v) in im {
        match k.as_str() {
            "languageModel" => {}
            "dialog" => describe_dialog(conv, v),
            "prompts" => describe_prompts(conv, v),
            _ => conv.note(
                NoteKind::Dropped,
                format!(
                    "interactionModel key `{k}` = {}: not part of a Clova interaction model",
                    short(v)
                ),
            ),
        }
    }
    let Some(lm) = im.get("languageModel").and_then(Value::as_object) else {
        return;
    };
    unknown_keys(
        conv,
        "languageModel key",
        lm,
        &["invocationName", "intents", "types"],
    );
    for intent in objects(lm.get("intents")) {
        let name = name_of(intent);
        unknown_keys(
            conv,
            &format!("intent `{name}` key"),
            intent,
            &["name", "slots", "samples"],
        );
        for slot in objects(intent.get("slots")) {
            unknown_keys(
                conv,
                &format!("intent `{name}` slot `{}` key", name_of(slot)),
                slot,
                &["name", "type", "samples"],
            );
        }
    }
    for t in objects(lm.get("types")) {
        let name = name_of(t);
        unknown_keys(
            conv,
            &format!("slot type `{name}` key"),
            t,
            &["name", "values"],
        );
        for v in objects(t.get("values")) {
            unknown_keys(
                conv,
                &format!("slot type `{name}` value key"),
                v,
                &["id", "name"],
            );
            if let Some(n) = v.get("name").and_then(Value::as_object) {
                unknown_keys(
                    conv,
                    &format!("slot type `{name}` value name key"),
                    n,
                    &["value", "synonyms"],
                );
            }
        }
    }
}

/// Convert a parsed model into the files of a new extension.
pub fn convert(model: &Model, opts: &Options) -> Conversion {
    let mut conv = Conversion::default();
    let lang_code = opts.language;
    let lm = &model.root.interaction_model.language_model;
    if let Some(locale) = &opts.locale
        && !locale.eq_ignore_ascii_case(lang_code.code())
    {
        conv.note(
            NoteKind::Note,
            format!(
                "the model is for `{locale}`: its invocation name, sample utterances and values are kept as written in this {} extension; translate them for {} users",
                lang_code.code(),
                lang_code.variant()
            ),
        );
    }
    report_unused(&mut conv, &model.raw);

    // Custom slot types.
    let mut fills: HashMap<String, Fill> = HashMap::new();
    let mut builtin_types: BTreeSet<&'static str> = BTreeSet::new();
    let mut type_files: Vec<(String, String)> = Vec::new();
    for t in &lm.types {
        let mut name = t.name.clone();
        if let Some(rest) = t.name.strip_prefix("AMAZON.") {
            if let Some((clova, _)) = builtin_slot_type(&t.name, lang_code) {
                conv.note(
                    NoteKind::Dropped,
                    format!(
                        "{} values extending `{}`: slots of that type use Clova's built-in `{clova}`, whose dictionary is fixed",
                        t.values.len(),
                        t.name
                    ),
                );
                continue;
            }
            name = format!("AMAZON_{rest}");
            conv.note(
                NoteKind::Converted,
                format!(
                    "slot type `{}` (an extended Alexa built-in) → custom slot type `{name}` with its {} values only",
                    t.name,
                    t.values.len()
                ),
            );
        }
        if !rules::valid_model_name(&name) || name.starts_with("CLOVA.") {
            conv.note(
                NoteKind::Dropped,
                format!("slot type `{}`: not a valid Clova slot type name", t.name),
            );
            fills.insert(
                t.name.clone(),
                Fill::No(format!("slot type `{}` has an invalid name", t.name)),
            );
            continue;
        }
        // value -> synonyms, in order, duplicates merged (an index keeps this linear: models with
        // hundreds of thousands of values exist)
        let mut values: Vec<(String, Vec<String>)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::with_capacity(t.values.len());
        for v in &t.values {
            let value = v.name.value.trim().to_string();
            if let Some(id) = &v.id {
                conv.note(
                    NoteKind::Dropped,
                    format!(
                        "id `{id}` of value `{value}` in slot type `{}`: Clova sends the representative value, values have no IDs",
                        t.name
                    ),
                );
            }
            if value.is_empty() {
                conv.note(
                    NoteKind::Dropped,
                    format!("an empty value in slot type `{}`", t.name),
                );
                continue;
            }
            let synonyms: Vec<String> = v
                .name
                .synonyms
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            match index.get(&value).map(|&i| &mut values[i]) {
                Some((_, syns)) => {
                    conv.note(
                        NoteKind::Converted,
                        format!(
                            "value `{value}` listed twice in slot type `{}`: merged into one",
                            t.name
                        ),
                    );
                    for s in synonyms {
                        if !syns.contains(&s) {
                            syns.push(s);
                        }
                    }
                }
                None => {
                    index.insert(value.clone(), values.len());
                    values.push((value, synonyms));
                }
            }
        }
        let taggable: Vec<String> = values
            .iter()
            .map(|(v, _)| v.clone())
            .filter(|v| utterance::parse(&format!("<s>{v}</s>")).is_ok())
            .collect();
        fills.insert(
            t.name.clone(),
            if taggable.is_empty() {
                Fill::No(format!("slot type `{}` has no value to tag", t.name))
            } else {
                Fill::Values {
                    clova_type: name.clone(),
                    values: taggable,
                }
            },
        );
        conv.slot_types.push((name.clone(), values.len()));
        type_files.push((
            format!("interaction-model/slot-types/{name}.toml"),
            toml_write::slot_type("", None, &values),
        ));
    }

    // Intents.
    let mut builtin_intents: BTreeSet<&'static str> = BTreeSet::new();
    let mut intent_files: Vec<(String, String)> = Vec::new();
    let custom_names: BTreeSet<&str> = lm
        .intents
        .iter()
        .filter(|i| !i.name.starts_with("AMAZON."))
        .map(|i| i.name.as_str())
        .collect();
    let mut mapped_types: BTreeSet<(String, String)> = BTreeSet::new();
    for intent in &lm.intents {
        let mut name = intent.name.clone();
        if intent.name.starts_with("AMAZON.") {
            if let Some(clova) = builtin_intent(&intent.name, lang_code) {
                let again = !builtin_intents.insert(clova);
                conv.note(
                    NoteKind::Mapped,
                    format!(
                        "intent `{}` → built-in `{clova}`{}",
                        intent.name,
                        if again { " (already declared)" } else { "" }
                    ),
                );
                if !intent.samples.is_empty() {
                    conv.note(
                        NoteKind::Dropped,
                        format!(
                            "{} sample utterance{} of `{}` ({}): Clova built-in intents take no sample utterances",
                            intent.samples.len(),
                            if intent.samples.len() == 1 { "" } else { "s" },
                            intent.name,
                            list(&intent.samples)
                        ),
                    );
                }
                if !intent.slots.is_empty() {
                    let names: Vec<String> = intent.slots.iter().map(|s| s.name.clone()).collect();
                    conv.note(
                        NoteKind::Dropped,
                        format!(
                            "slots {} of `{}`: Clova built-in intents have no slots",
                            list(&names),
                            intent.name
                        ),
                    );
                }
                continue;
            }
            let plain = intent.name.trim_start_matches("AMAZON.").to_string();
            if intent.samples.is_empty() {
                conv.note(
                    NoteKind::Dropped,
                    format!(
                        "intent `{}`: no Clova {} built-in intent does the same, and it has no sample utterances to make a custom intent from",
                        intent.name,
                        lang_code.variant()
                    ),
                );
                continue;
            }
            if custom_names.contains(plain.as_str()) {
                conv.note(
                    NoteKind::Dropped,
                    format!(
                        "intent `{}`: no Clova {} equivalent, and a custom intent `{plain}` exists already",
                        intent.name,
                        lang_code.variant()
                    ),
                );
                continue;
            }
            conv.note(
                NoteKind::Converted,
                format!(
                    "intent `{}` → custom intent `{plain}` (no Clova {} built-in does the same; its sample utterances are kept)",
                    intent.name,
                    lang_code.variant()
                ),
            );
            name = plain;
        }
        if !rules::valid_model_name(&name) {
            conv.note(
                NoteKind::Dropped,
                format!("intent `{}`: not a valid Clova intent name", intent.name),
            );
            continue;
        }
        // slots
        let mut slots: Vec<(String, String)> = Vec::new();
        let mut slot_fill: HashMap<&str, Fill> = HashMap::new();
        for slot in &intent.slots {
            if !slot.samples.is_empty() {
                conv.note(
                    NoteKind::Converted,
                    format!(
                        "{} elicitation sample{} of slot `{}` in `{}` ({}) → sample utterances of the intent: the answers users give when asked for the slot (Clova has no slot elicitation; the extension server asks)",
                        slot.samples.len(),
                        if slot.samples.len() == 1 { "" } else { "s" },
                        slot.name,
                        intent.name,
                        list(&slot.samples)
                    ),
                );
            }
            let fill = if !utterance::valid_slot_name(&slot.name) {
                Fill::No(format!("`{}` is not a valid Clova slot name", slot.name))
            } else if let Some(f) = fills.get(&slot.kind) {
                f.clone()
            } else if let Some((clova, samples)) = builtin_slot_type(&slot.kind, lang_code) {
                builtin_types.insert(clova);
                if mapped_types.insert((slot.kind.clone(), clova.to_string())) {
                    conv.note(
                        NoteKind::Mapped,
                        format!(
                            "slot type `{}` → built-in `{clova}` (tagged with sample values {}; check them)",
                            slot.kind,
                            list(&samples.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                        ),
                    );
                }
                Fill::Values {
                    clova_type: clova.to_string(),
                    values: samples.iter().map(|s| s.to_string()).collect(),
                }
            } else if slot.kind.starts_with("AMAZON.") {
                Fill::No(no_equivalent(&slot.kind, lang_code))
            } else {
                Fill::No(format!(
                    "slot type `{}` is not defined in the model",
                    slot.kind
                ))
            };
            match &fill {
                Fill::Values { clova_type, .. } => {
                    slots.push((slot.name.clone(), clova_type.clone()));
                }
                Fill::No(why) => conv.note(
                    NoteKind::Dropped,
                    format!("slot `{}` of intent `{}`: {why}", slot.name, intent.name),
                ),
            }
            slot_fill.insert(slot.name.as_str(), fill);
        }
        // samples
        let mut turn: HashMap<&str, usize> = HashMap::new();
        let mut utterances: Vec<String> = Vec::new();
        let mut dropped: Vec<(String, String)> = Vec::new();
        // the intent's samples, then its slots' elicitation samples (follow-up answers such as
        // `{size}` or `{duration}で`), each once
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let all_samples = intent
            .samples
            .iter()
            .chain(intent.slots.iter().flat_map(|s| s.samples.iter()))
            .filter(|s| seen.insert(s.trim()));
        'samples: for sample in all_samples {
            let pieces = match split_sample(sample.trim()) {
                Ok(p) => p,
                Err(why) => {
                    dropped.push((sample.clone(), why));
                    continue;
                }
            };
            if pieces.is_empty() {
                dropped.push((sample.clone(), "is empty".into()));
                continue;
            }
            let mut out = String::new();
            for piece in &pieces {
                match piece {
                    Piece::Text(t) => out.push_str(t),
                    Piece::Slot(s) => match slot_fill.get(s) {
                        Some(Fill::Values { values, .. }) => {
                            let k = turn.entry(s).or_insert(0);
                            let v = &values[*k % values.len()];
                            *k += 1;
                            out.push_str(&format!("<{s}>{v}</{s}>"));
                        }
                        Some(Fill::No(why)) => {
                            dropped.push((sample.clone(), format!("uses slot `{s}`: {why}")));
                            continue 'samples;
                        }
                        None => {
                            dropped.push((
                                sample.clone(),
                                format!("uses `{{{s}}}`, which is not a slot of the intent"),
                            ));
                            continue 'samples;
                        }
                    },
                }
            }
            if utterance::parse(&out).is_err() {
                dropped.push((sample.clone(), "cannot be tagged".into()));
                continue;
            }
            utterances.push(out);
        }
        for (sample, why) in &dropped {
            conv.note(
                NoteKind::Dropped,
                format!("sample `{sample}` of intent `{}`: {why}", intent.name),
            );
        }
        conv.intents.push((name.clone(), utterances.len()));
        intent_files.push((
            format!("interaction-model/intents/{name}.toml"),
            toml_write::intent("", None, &slots, &utterances),
        ));
    }
    for req in lang::required_intents(lang_code) {
        if builtin_intents.insert(req) {
            conv.note(
                NoteKind::Added,
                format!(
                    "built-in intent `{req}`: required for {} extensions (handle it in the extension server)",
                    lang_code.variant()
                ),
            );
        }
    }

    // extension.toml, server.toml
    let invocation = lm.invocation_name.trim().to_string();
    if invocation.is_empty() {
        conv.note(
            NoteKind::Dropped,
            "the invocation name is empty; set `invocation_names` in extension.toml",
        );
    }
    let name = opts.name.clone().unwrap_or_else(|| invocation.clone());
    let order = |all: &[&str], set: &BTreeSet<&str>| -> Vec<String> {
        let mut v: Vec<String> = all
            .iter()
            .filter(|x| set.contains(*x))
            .map(|s| s.to_string())
            .collect();
        v.extend(
            set.iter()
                .filter(|x| !all.contains(x))
                .map(|s| s.to_string()),
        );
        v
    };
    let intents_list = order(lang::builtin_intents(lang_code), &builtin_intents);
    let types_list = order(lang::builtin_slot_types(lang_code), &builtin_types);
    let mut info = String::new();
    info.push_str(&format!("id = {}\n", toml_write::string(&opts.id)));
    info.push_str(&format!(
        "language = {}\n",
        toml_write::string(lang_code.code())
    ));
    info.push_str(&format!("name = {}\n", toml_write::string(&name)));
    info.push_str(&format!(
        "invocation_names = {}\n",
        toml_write::inline_array(std::iter::once(invocation.as_str()).filter(|s| !s.is_empty()))
    ));
    match &opts.provider {
        Some(p) => info.push_str(&format!("provider = {}\n", toml_write::string(p))),
        None => conv.note(
            NoteKind::Dropped,
            "provider: not in the Alexa model; add `provider` to extension.toml",
        ),
    }
    match &opts.contact_email {
        Some(e) => info.push_str(&format!("contact_email = {}\n", toml_write::string(e))),
        None => conv.note(
            NoteKind::Dropped,
            "contact e-mail: not in the Alexa model; add `contact_email` to extension.toml",
        ),
    }
    info.push_str(&format!(
        "builtin_intents = {}\n",
        toml_write::inline_array(intents_list.iter().map(String::as_str))
    ));
    info.push_str(&format!(
        "builtin_slot_types = {}\n",
        toml_write::inline_array(types_list.iter().map(String::as_str))
    ));
    let endpoint = match &opts.endpoint {
        Some(e) => e.clone(),
        None => {
            let e = format!("https://example.invalid/clova/{}", opts.id);
            conv.note(
                NoteKind::Added,
                format!("server.toml with the placeholder endpoint `{e}`: an Alexa model has no endpoint; set the extension server URL"),
            );
            e
        }
    };
    let server = format!("endpoint = {}\n", toml_write::string(&endpoint));
    conv.note(
        NoteKind::Dropped,
        "deployment information (store.toml): not part of an Alexa interaction model; add it before requesting a review",
    );
    let mut files = vec![
        ("extension.toml".to_string(), info),
        ("server.toml".to_string(), server),
    ];
    intent_files.sort();
    type_files.sort();
    files.extend(intent_files);
    files.extend(type_files);
    conv.files = files
        .into_iter()
        .map(|(path, text)| (path, crate::tomlfmt::canonical(text)))
        .collect();
    conv
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(language: Language) -> Options {
        Options {
            id: "com.example.x".into(),
            language,
            name: None,
            endpoint: None,
            provider: Some("P".into()),
            contact_email: Some("p@example.com".into()),
            locale: None,
        }
    }

    #[test]
    fn placeholders_become_tags_in_turn() {
        let root = parse(
            "m.json",
            r#"{"interactionModel":{"languageModel":{"invocationName":"x","intents":[
              {"name":"Go","slots":[{"name":"d","type":"DIR"},{"name":"n","type":"AMAZON.NUMBER"}],
               "samples":["go {d}","go {d} now","walk {n} steps {d}"]}],
              "types":[{"name":"DIR","values":[{"name":{"value":"north","synonyms":["up"]}},{"name":{"value":"south"}}]}]}}}"#,
        )
        .unwrap();
        let conv = convert(&root, &opts(Language::Korean));
        let intent = &conv
            .files
            .iter()
            .find(|(p, _)| p.ends_with("Go.toml"))
            .unwrap()
            .1;
        let f: crate::model::IntentFile = toml::from_str(intent).unwrap();
        let utts: Vec<&str> = f
            .utterances
            .value
            .iter()
            .map(|u| u.value.as_str())
            .collect();
        assert_eq!(
            utts,
            [
                "go <d>north</d>",
                "go <d>south</d> now",
                "walk <n>3</n> steps <d>north</d>"
            ]
        );
        assert_eq!(f.slots.value.len(), 2);
        let info = &conv.files[0].1;
        assert!(info.contains("builtin_slot_types = [\"CLOVA.NUMBER\"]"));
        assert!(info.contains(
            "builtin_intents = [\"Clova.GuideIntent\", \"Clova.CancelIntent\", \"Clova.YesIntent\", \"Clova.NoIntent\"]"
        ));
    }

    #[test]
    fn unsupported_parts_are_reported() {
        let root = parse(
            "m.json",
            r#"{"interactionModel":{"languageModel":{"invocationName":"x","intents":[
              {"name":"AMAZON.StopIntent"},{"name":"AMAZON.CancelIntent"},
              {"name":"AMAZON.NavigateHomeIntent","samples":[]},
              {"name":"AMAZON.RepeatIntent","samples":["again"]},
              {"name":"Find","slots":[{"name":"q","type":"AMAZON.SearchQuery","samples":["{q}"]}],
               "samples":["find {q}","search"]}],
              "types":[{"name":"T","values":[{"id":"a","name":{"value":"A"}}]}]},
              "dialog":{"intents":[{"name":"Find","confirmationRequired":true,"prompts":{},
                "slots":[{"name":"q","type":"AMAZON.SearchQuery","elicitationRequired":true,
                  "validations":[{"type":"isNotInSet"}]}]}]},
              "prompts":[{"id":"Elicit.1","variations":[]}]}}"#,
        )
        .unwrap();
        let conv = convert(&root, &opts(Language::Japanese));
        let text: Vec<String> = conv
            .notes
            .iter()
            .map(|n| format!("{} {}", n.kind.as_str(), n.message))
            .collect();
        let all = text.join("\n");
        for needle in [
            "dropped dialog model of intent `Find`: intent confirmation, slot `q` elicitation, slot `q` validations (isNotInSet)",
            "dropped 1 prompt (`Elicit.1`)",
            "mapped intent `AMAZON.StopIntent` → built-in `Clova.CancelIntent`",
            "mapped intent `AMAZON.CancelIntent` → built-in `Clova.CancelIntent` (already declared)",
            "dropped intent `AMAZON.NavigateHomeIntent`",
            "converted intent `AMAZON.RepeatIntent` → custom intent `RepeatIntent`",
            "converted 1 elicitation sample of slot `q` in `Find` (`{q}`) → sample utterances of the intent",
            "dropped sample `{q}` of intent `Find`: uses slot `q`",
            "dropped slot `q` of intent `Find`: `AMAZON.SearchQuery` has no Clova JP built-in equivalent: CEK has no free-text slot type",
            "dropped sample `find {q}` of intent `Find`: uses slot `q`",
            "dropped id `a` of value `A` in slot type `T`",
            "added built-in intent `Clova.GuideIntent`",
        ] {
            assert!(all.contains(needle), "missing {needle:?} in\n{all}");
        }
    }

    #[test]
    fn amazon_slot_types_map_or_say_why_not() {
        let (ko, ja) = (Language::Korean, Language::Japanese);
        assert_eq!(
            builtin_slot_type("AMAZON.DayOfWeek", ko).map(|m| m.0),
            Some("CLOVA.DATETIME")
        );
        assert_eq!(
            builtin_slot_type("AMAZON.PhoneNumber", ja).map(|m| m.0),
            Some("CLOVA.WHOLE_NUMBER")
        );
        assert_eq!(builtin_slot_type("AMAZON.PhoneNumber", ko), None);
        assert_eq!(
            builtin_slot_type("AMAZON.Region", ja).map(|m| m.0),
            Some("CLOVA.JP_ADDRESS_KEN")
        );
        for (t, why) in [
            ("AMAZON.SearchQuery", "no free-text slot type"),
            ("AMAZON.FirstName", "no built-in dictionary of names"),
            ("AMAZON.US_FIRST_NAME", "no built-in dictionary of names"),
            ("AMAZON.Food", "make a custom slot type with the values"),
            ("AMAZON.Region", "`CLOVA.KO_ADDRESS_*`"),
            ("AMAZON.PhoneNumber", "drops leading zeros"),
        ] {
            assert_eq!(builtin_slot_type(t, ko), None, "{t}");
            let msg = no_equivalent(t, ko);
            assert!(msg.contains(why), "{t}: {msg}");
        }
        assert_eq!(
            no_equivalent("AMAZON.Airport", ja),
            "`AMAZON.Airport` has no Clova JP built-in equivalent"
        );
    }

    #[test]
    fn json_errors_have_positions() {
        let text = "{\n  \"interactionModel\": {\n    \"languageModel\": {\"a\": 1,}\n  }\n}";
        let d = parse("m.json", text).unwrap_err();
        assert!(d.message.starts_with("invalid JSON: "), "{}", d.message);
        let span = d.location.unwrap().span;
        let idx = crate::diag::LineIndex::new(text);
        assert_eq!(idx.line_of(span.start), 2);
        let d = parse("m.json", "{\"interactionModel\": {}}").unwrap_err();
        assert_eq!(
            d.message,
            "not an Alexa interaction model: missing field `languageModel`"
        );
        let text = "{\"interactionModel\": {\"languageModel\": {\"invocationName\": \"x\",\n \"intents\": [{\"name\": \"A\", \"samples\": [1]}]}}}";
        let d = parse("m.json", text).unwrap_err();
        assert_eq!(
            d.message,
            "not an Alexa interaction model: invalid type: integer `1`, expected a string"
        );
        let span = d.location.unwrap().span;
        assert_eq!(crate::diag::LineIndex::new(text).line_of(span.start), 1);
        // columns are bytes: the span lands on the offending character after multi-byte text
        let text = "{\"interactionModel\": {\"languageModel\": {\"invocationName\": \"한글\" x}}}";
        let d = parse("m.json", text).unwrap_err();
        assert_eq!(&text[d.location.unwrap().span], "x");
    }
}
