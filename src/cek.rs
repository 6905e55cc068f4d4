//! CEK custom-extension messages (spec §4.2–4.4): the request bodies CEK sends, the headers it
//! sends them with, and the checks a response body must pass.

use serde_json::Map;
use serde_json::Value;
use serde_json::json;

use crate::model::Language;
use crate::nlu::Analysis;

/// The message format version CEK sends, per console: the KR guide's messages (and LINE's
/// Node.js SDK fixtures) show `"0.1.0"`, the JP guide's (and requests captured in LINE's Kotlin
/// SDK tests, and the responses of LINE's Python SDK) `"1.0"`.
pub fn version(language: Language) -> &'static str {
    match language {
        Language::Korean => "0.1.0",
        Language::Japanese => "1.0",
    }
}

/// The headers CEK sends (spec §4.2), besides `SignatureCEK` (see [`UNSIGNED_SIGNATURE`] and
/// `cekops simulate --sign-key`).
pub const HEADERS: &[(&str, &str)] = &[
    ("Content-Type", "application/json;charset-UTF-8"),
    ("Accept", "application/json"),
    ("Accept-Charset", "utf-8"),
];

/// The `SignatureCEK` value sent when no signing key is given: valid base64 (of the ASCII text
/// `cekops-unsigned-test-request`), so a server that decodes the header before verifying fails
/// on the signature, not on the encoding. Only Clova holds the key real requests are signed with.
pub const UNSIGNED_SIGNATURE: &str = "Y2Vrb3BzLXVuc2lnbmVkLXRlc3QtcmVxdWVzdA==";

/// Directives a response may carry without an agreement with the partnership team.
pub const KNOWN_DIRECTIVES: &[&str] = &[
    "AudioPlayer.Play",
    "AudioPlayer.StreamDeliver",
    "PlaybackController.Pause",
    "PlaybackController.Resume",
    "PlaybackController.Stop",
    "TemplateRuntime.RenderPlayerInfo",
];

/// Who is talking to which extension: `context.System`, `session.user` and the request's
/// `locale` / `extensionId`.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The Extension ID (`context.System.application.applicationId`, `request.extensionId`).
    pub application_id: String,
    /// The extension's language: the message `version` and the request's `locale`.
    pub language: Language,
    pub user_id: String,
    pub device_id: String,
    /// Account-linking access token, sent as `accessToken` when given (a linked account).
    pub access_token: Option<String>,
}

/// The kind of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum RequestKind {
    LaunchRequest,
    IntentRequest,
    SessionEndedRequest,
    EventRequest,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::LaunchRequest => "LaunchRequest",
            RequestKind::IntentRequest => "IntentRequest",
            RequestKind::SessionEndedRequest => "SessionEndedRequest",
            RequestKind::EventRequest => "EventRequest",
        }
    }
}

/// The `request.intent` object for an analysed utterance: `name` and `slots`
/// (`{slot: {name, value[, unit | valueType]}}`, `null` without slots, as CEK sends it).
pub fn intent_object(analysis: &Analysis) -> Value {
    let mut slots = Map::new();
    for s in &analysis.slots {
        let mut slot = Map::new();
        slot.insert("name".into(), json!(s.name));
        slot.insert("value".into(), json!(s.value));
        if let Some(u) = &s.unit {
            slot.insert("unit".into(), json!(u));
        }
        if let Some(t) = &s.value_type {
            slot.insert("valueType".into(), json!(t));
        }
        slots.insert(s.name.clone(), Value::Object(slot));
    }
    let slots = if slots.is_empty() {
        Value::Null
    } else {
        Value::Object(slots)
    };
    json!({ "name": analysis.intent, "slots": slots })
}

/// What a request is about, besides its session.
#[derive(Clone, Copy, Debug)]
pub enum Body<'a> {
    Launch,
    /// The `request.intent` object ([`intent_object`]).
    Intent(&'a Value),
    SessionEnded,
    /// An event, and the stream the player holds (`context.AudioPlayer.stream`): the
    /// `audioItem.stream` of the last `AudioPlayer.Play` directive, when there was one.
    Event(&'a Event, Option<&'a Value>),
}

impl Body<'_> {
    pub fn kind(&self) -> RequestKind {
        match self {
            Body::Launch => RequestKind::LaunchRequest,
            Body::Intent(_) => RequestKind::IntentRequest,
            Body::SessionEnded => RequestKind::SessionEndedRequest,
            Body::Event(..) => RequestKind::EventRequest,
        }
    }
}

/// The session a request belongs to.
#[derive(Clone, Copy, Debug)]
pub struct SessionRef<'a> {
    pub id: &'a str,
    /// `session.new`: the first request of the session.
    pub new: bool,
    /// `session.sessionAttributes`: the last response's, `{}` at first.
    pub attributes: &'a Value,
}

/// What makes each request unique: `request.requestId` (a UUID) and `request.timestamp` (UTC,
/// ISO 8601 to the second, `YYYY-MM-DDThh:mm:ssZ` as the guide documents it).
#[derive(Clone, Debug)]
pub struct Stamp {
    pub request_id: String,
    pub timestamp: String,
}

/// A request body (spec §4.3) as CEK sends it. Besides what the guides document (`version`,
/// `session`, `context.System`, `request.type` and the type's fields), real CEK requests carry in
/// `request` the fields of one fixed structure whatever the type, as requests captured in LINE's
/// SDK tests show (Kotlin SDK `LaunchRequestSample.json`, `SessionEndedRequestSample.json`,
/// Node.js SDK `eventRequestAudioPlayer.json`): `requestId`, `timestamp`, `locale` (`ko-KR`,
/// `ja-JP`), `extensionId`, an `intent` (empty, `slots: null`, outside `IntentRequest`s), an
/// `event` (empty, `payload: null`, outside `EventRequest`s) and, for `SessionEndedRequest`, the
/// `reason` (`USER_INITIATED`: cekops ends a session only when the user's input runs out).
/// `accessToken` is sent only for a linked account. The display is `size: "none"` (a speaker;
/// the guide omits `orientation`, `dpi` and `contentLayer` then).
pub fn request(caller: &Caller, session: SessionRef<'_>, body: Body<'_>, stamp: &Stamp) -> Value {
    let mut user = Map::new();
    user.insert("userId".into(), json!(caller.user_id));
    if let Some(t) = &caller.access_token {
        user.insert("accessToken".into(), json!(t));
    }
    let mut context = Map::new();
    if let Body::Event(event, stream) = body
        && let Some(audio) = audio_player_context(event, stream)
    {
        context.insert("AudioPlayer".into(), audio);
    }
    context.insert(
        "System".into(),
        json!({
            "application": { "applicationId": caller.application_id },
            "device": { "deviceId": caller.device_id, "display": { "size": "none" } },
            "user": Value::Object(user.clone()),
        }),
    );
    let mut req = Map::new();
    req.insert("type".into(), json!(body.kind().as_str()));
    req.insert("requestId".into(), json!(stamp.request_id));
    req.insert("timestamp".into(), json!(stamp.timestamp));
    req.insert("locale".into(), json!(caller.language.code()));
    if let Body::SessionEnded = body {
        req.insert("reason".into(), json!("USER_INITIATED"));
    }
    req.insert("extensionId".into(), json!(caller.application_id));
    let intent = match body {
        Body::Intent(i) => i.clone(),
        _ => json!({ "intent": "", "name": "", "slots": null }),
    };
    req.insert("intent".into(), intent);
    let event = match body {
        Body::Event(e, stream) => event_object(e, stream),
        _ => json!({ "namespace": "", "name": "", "payload": null }),
    };
    req.insert("event".into(), event);
    json!({
        "version": version(caller.language),
        "session": {
            "new": session.new,
            "sessionAttributes": session.attributes,
            "sessionId": session.id,
            "user": Value::Object(user),
        },
        "context": Value::Object(context),
        "request": Value::Object(req),
    })
}

/// The events `cekops simulate --event` and scenario files can send (spec §4.3, `EventRequest`),
/// with the state of the player each leaves in `context.AudioPlayer.playerActivity` (`None`: not
/// an AudioPlayer event). `AudioPlayer.StreamRequested` (payload `audioItemId` + `audioStream`)
/// and `TemplateRuntime.RequestPlayerInfo` are not offered.
pub const EVENTS: &[(&str, Option<&str>)] = &[
    ("AudioPlayer.PlayStarted", Some("PLAYING")),
    ("AudioPlayer.PlayPaused", Some("PAUSED")),
    ("AudioPlayer.PlayResumed", Some("PLAYING")),
    ("AudioPlayer.PlayStopped", Some("STOPPED")),
    ("AudioPlayer.PlayFinished", Some("STOPPED")),
    ("AudioPlayer.ProgressReportDelayPassed", Some("PLAYING")),
    ("AudioPlayer.ProgressReportIntervalPassed", Some("PLAYING")),
    ("AudioPlayer.ProgressReportPositionPassed", Some("PLAYING")),
    ("SpeechSynthesizer.SpeechStarted", None),
    ("SpeechSynthesizer.SpeechStopped", None),
    ("SpeechSynthesizer.SpeechFinished", None),
    ("ClovaSkill.SkillEnabled", None),
    ("ClovaSkill.SkillDisabled", None),
];

/// An event to send as an `EventRequest`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Event {
    /// `Namespace.Name`, one of [`EVENTS`].
    pub name: String,
    /// The `token` of the audio item or speech (AudioPlayer and SpeechSynthesizer events);
    /// without it, an AudioPlayer event carries the token of the stream the player holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// `offsetInMilliseconds` (AudioPlayer events; 0 when not given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset_ms: Option<u64>,
}

impl Event {
    /// (namespace, name).
    pub fn split(&self) -> (&str, &str) {
        self.name.split_once('.').unwrap_or(("", &self.name))
    }

    /// The token sent: the given one, else the held stream's.
    fn token<'v>(&'v self, stream: Option<&'v Value>) -> &'v str {
        match &self.token {
            Some(t) => t,
            None => stream
                .and_then(|s| s.get("token"))
                .and_then(Value::as_str)
                .unwrap_or_default(),
        }
    }
}

/// `request.event`: AudioPlayer events carry `{token, offsetInMilliseconds}`, SpeechSynthesizer
/// events `{token}`, `ClovaSkill` events a `null` payload.
fn event_object(event: &Event, stream: Option<&Value>) -> Value {
    let (namespace, name) = event.split();
    let token = event.token(stream);
    let payload = match namespace {
        "AudioPlayer" => {
            json!({ "token": token, "offsetInMilliseconds": event.offset_ms.unwrap_or(0) })
        }
        "SpeechSynthesizer" => json!({ "token": event.token.as_deref().unwrap_or_default() }),
        _ => Value::Null,
    };
    json!({ "namespace": namespace, "name": name, "payload": payload })
}

/// `context.AudioPlayer` for an AudioPlayer event: the state the event leaves the player in, the
/// offset, and the stream: the held one (the last `AudioPlayer.Play` directive's
/// `audioItem.stream`, with its `durationInMilliseconds` as `totalInMilliseconds`) when its token
/// is the event's, else `{token}`.
fn audio_player_context(event: &Event, stream: Option<&Value>) -> Option<Value> {
    let activity = EVENTS
        .iter()
        .find(|(n, _)| *n == event.name)
        .and_then(|(_, a)| *a)?;
    let token = event.token(stream);
    let held = stream.filter(|s| s.get("token").and_then(Value::as_str) == Some(token));
    let mut audio = Map::new();
    audio.insert(
        "offsetInMilliseconds".into(),
        json!(event.offset_ms.unwrap_or(0)),
    );
    audio.insert("playerActivity".into(), json!(activity));
    audio.insert(
        "stream".into(),
        held.cloned().unwrap_or_else(|| json!({ "token": token })),
    );
    if let Some(total) = held
        .and_then(|s| s.get("durationInMilliseconds"))
        .filter(|d| d.is_u64())
    {
        audio.insert("totalInMilliseconds".into(), total.clone());
    }
    Some(Value::Object(audio))
}

/// The stream a response tells the player to hold: `payload.audioItem.stream` of its last
/// `AudioPlayer.Play` directive (with `AudioPlayer.StreamDeliver`'s `audioStream` fields over
/// it when their tokens match).
pub fn played_stream(response: &Value) -> Option<Value> {
    let directives = response.pointer("/response/directives")?.as_array()?;
    let mut stream: Option<Value> = None;
    for d in directives {
        let ns = d.pointer("/header/namespace").and_then(Value::as_str);
        let name = d.pointer("/header/name").and_then(Value::as_str);
        match (ns, name) {
            (Some("AudioPlayer"), Some("Play")) => {
                if let Some(s) = d
                    .pointer("/payload/audioItem/stream")
                    .filter(|s| s.is_object())
                {
                    stream = Some(s.clone());
                }
            }
            (Some("AudioPlayer"), Some("StreamDeliver")) => {
                if let (Some(Value::Object(held)), Some(Value::Object(more))) =
                    (stream.as_mut(), d.pointer("/payload/audioStream"))
                    && held.get("token") == more.get("token")
                {
                    for (k, v) in more {
                        held.insert(k.clone(), v.clone());
                    }
                }
            }
            _ => {}
        }
    }
    stream
}

/// One piece of speech of a response.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Speech {
    /// `PlainText` or `URL`.
    #[serde(rename = "type")]
    pub kind: String,
    pub lang: String,
    pub value: String,
}

impl std::fmt::Display for Speech {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kind == "URL" {
            write!(f, "[audio {}]", self.value)
        } else {
            f.write_str(&self.value)
        }
    }
}

/// What a response says and does, and what is wrong with it.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Checked {
    /// The speech (a `SpeechSet`'s verbose part).
    pub speech: Vec<Speech>,
    /// A `SpeechSet`'s brief part.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub brief: Vec<Speech>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reprompt: Vec<Speech>,
    pub should_end_session: bool,
    /// `namespace.name` of each directive.
    pub directives: Vec<String>,
    /// The response's `sessionAttributes` (echoed in the next request).
    pub session_attributes: Value,
    /// Violations of the message format: the response is not one CEK accepts.
    pub problems: Vec<String>,
    /// Allowed but worth a look (a directive that needs an agreement).
    pub warnings: Vec<String>,
}

impl Checked {
    /// The speech as one line.
    pub fn text(&self) -> String {
        self.speech
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

struct Checker {
    problems: Vec<String>,
}

impl Checker {
    fn object<'v>(&mut self, v: Option<&'v Value>, path: &str) -> Option<&'v Map<String, Value>> {
        match v {
            None => {
                self.problems.push(format!("`{path}` is missing"));
                None
            }
            Some(Value::Object(o)) => Some(o),
            Some(other) => {
                self.problems.push(format!(
                    "`{path}` must be an object, not {}",
                    kind_of(other)
                ));
                None
            }
        }
    }

    fn string<'v>(&mut self, v: Option<&'v Value>, path: &str) -> Option<&'v str> {
        match v {
            None => {
                self.problems.push(format!("`{path}` is missing"));
                None
            }
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                self.problems
                    .push(format!("`{path}` must be a string, not {}", kind_of(other)));
                None
            }
        }
    }

    fn speech_info(&mut self, v: Option<&Value>, path: &str, out: &mut Vec<Speech>) {
        let Some(o) = self.object(v, path) else {
            return;
        };
        let kind = self.string(o.get("type"), &format!("{path}.type"));
        let lang = self.string(o.get("lang"), &format!("{path}.lang"));
        let value = self.string(o.get("value"), &format!("{path}.value"));
        match kind {
            Some("PlainText") => {
                if let Some(l) = lang
                    && !matches!(l, "ko" | "ja" | "en")
                {
                    self.problems.push(format!(
                        "`{path}.lang` is \"{l}\"; PlainText speech must be \"ko\", \"ja\" or \"en\""
                    ));
                }
            }
            Some("URL") => {
                if let Some(l) = lang
                    && !l.is_empty()
                {
                    self.problems.push(format!(
                        "`{path}.lang` must be \"\" for URL speech, not \"{l}\""
                    ));
                }
                if let Some(v) = value
                    && v.len() > 2048
                {
                    self.problems.push(format!(
                        "`{path}.value` is a URL of {} bytes; at most 2048",
                        v.len()
                    ));
                }
            }
            Some(other) => self.problems.push(format!(
                "`{path}.type` is \"{other}\"; must be \"PlainText\" or \"URL\""
            )),
            None => {}
        }
        if let Some(t) = o.get("token") {
            match t.as_str() {
                Some(t) if t.len() > 2048 => self
                    .problems
                    .push(format!("`{path}.token` is {} bytes; at most 2048", t.len())),
                Some(_) => {}
                None => self.problems.push(format!(
                    "`{path}.token` must be a string, not {}",
                    kind_of(t)
                )),
            }
        }
        if let (Some(kind), Some(lang), Some(value)) = (kind, lang, value) {
            out.push(Speech {
                kind: kind.to_string(),
                lang: lang.to_string(),
                value: value.to_string(),
            });
        }
    }

    /// An `AudioPlayer.Play` payload (JP guide, `Play` directive): `audioItem` with its
    /// `audioItemId` and `stream` (a `url`, `urlPlayable`), `playBehavior` `REPLACE_ALL` or
    /// `ENQUEUE`, and the `source` with its `name`.
    fn play_payload(&mut self, payload: &Map<String, Value>, path: &str) {
        if let Some(item) = self.object(payload.get("audioItem"), &format!("{path}.audioItem")) {
            self.string(
                item.get("audioItemId"),
                &format!("{path}.audioItem.audioItemId"),
            );
            let spath = format!("{path}.audioItem.stream");
            if let Some(stream) = self.object(item.get("stream"), &spath) {
                self.string(stream.get("url"), &format!("{spath}.url"));
                match stream.get("urlPlayable") {
                    Some(Value::Bool(_)) => {}
                    None => self
                        .problems
                        .push(format!("`{spath}.urlPlayable` is missing")),
                    Some(other) => self.problems.push(format!(
                        "`{spath}.urlPlayable` must be true or false, not {}",
                        kind_of(other)
                    )),
                }
            }
        }
        if let Some(b) = self.string(payload.get("playBehavior"), &format!("{path}.playBehavior"))
            && !matches!(b, "REPLACE_ALL" | "ENQUEUE")
        {
            self.problems.push(format!(
                "`{path}.playBehavior` is \"{b}\"; must be \"REPLACE_ALL\" or \"ENQUEUE\""
            ));
        }
        if let Some(source) = self.object(payload.get("source"), &format!("{path}.source")) {
            self.string(source.get("name"), &format!("{path}.source.name"));
        }
    }

    /// `SimpleSpeech` / `SpeechList` values.
    fn values(&mut self, o: &Map<String, Value>, kind: &str, path: &str, out: &mut Vec<Speech>) {
        let vpath = format!("{path}.values");
        match kind {
            "SimpleSpeech" => self.speech_info(o.get("values"), &vpath, out),
            "SpeechList" => match o.get("values") {
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        self.speech_info(Some(item), &format!("{vpath}[{i}]"), out);
                    }
                }
                None => self.problems.push(format!("`{vpath}` is missing")),
                Some(other) => self.problems.push(format!(
                    "`{vpath}` must be an array for SpeechList, not {}",
                    kind_of(other)
                )),
            },
            _ => {}
        }
    }

    fn output_speech(
        &mut self,
        v: Option<&Value>,
        path: &str,
        speech: &mut Vec<Speech>,
        brief: &mut Vec<Speech>,
    ) {
        let Some(o) = self.object(v, path) else {
            return;
        };
        if o.is_empty() {
            return;
        }
        let Some(kind) = self.string(o.get("type"), &format!("{path}.type")) else {
            return;
        };
        match kind {
            "SimpleSpeech" | "SpeechList" => self.values(o, kind, path, speech),
            "SpeechSet" => {
                self.speech_info(o.get("brief"), &format!("{path}.brief"), brief);
                let vpath = format!("{path}.verbose");
                if let Some(verbose) = self.object(o.get("verbose"), &vpath)
                    && let Some(vk) = self.string(verbose.get("type"), &format!("{vpath}.type"))
                {
                    if matches!(vk, "SimpleSpeech" | "SpeechList") {
                        self.values(verbose, vk, &vpath, speech);
                    } else {
                        self.problems.push(format!(
                            "`{vpath}.type` is \"{vk}\"; must be \"SimpleSpeech\" or \"SpeechList\""
                        ));
                    }
                }
            }
            other => self.problems.push(format!(
                "`{path}.type` is \"{other}\"; must be \"SimpleSpeech\", \"SpeechList\" or \"SpeechSet\""
            )),
        }
    }
}

/// Check a response body against the message format (spec §4.4) and read what it says.
pub fn check_response(body: &Value) -> Checked {
    let mut c = Checker {
        problems: Vec::new(),
    };
    let mut out = Checked {
        session_attributes: json!({}),
        ..Default::default()
    };
    let Some(root) = c.object(Some(body), "(body)") else {
        out.problems = c.problems;
        return out;
    };
    c.string(root.get("version"), "version");
    if let Some(attrs) = c.object(root.get("sessionAttributes"), "sessionAttributes") {
        out.session_attributes = Value::Object(attrs.clone());
    }
    if let Some(resp) = c.object(root.get("response"), "response") {
        c.output_speech(
            resp.get("outputSpeech"),
            "response.outputSpeech",
            &mut out.speech,
            &mut out.brief,
        );
        c.object(resp.get("card"), "response.card");
        match resp.get("directives") {
            Some(Value::Array(ds)) => {
                for (i, d) in ds.iter().enumerate() {
                    let path = format!("response.directives[{i}]");
                    let Some(o) = c.object(Some(d), &path) else {
                        continue;
                    };
                    let mut full_name = None;
                    if let Some(h) = c.object(o.get("header"), &format!("{path}.header")) {
                        c.string(h.get("messageId"), &format!("{path}.header.messageId"));
                        let ns = c.string(h.get("namespace"), &format!("{path}.header.namespace"));
                        let name = c.string(h.get("name"), &format!("{path}.header.name"));
                        if let (Some(ns), Some(name)) = (ns, name) {
                            let full = format!("{ns}.{name}");
                            if !KNOWN_DIRECTIVES.contains(&full.as_str()) {
                                out.warnings.push(format!(
                                    "directive `{full}` is not one CEK documents; it needs an agreement with the partnership team"
                                ));
                            }
                            full_name = Some(full.clone());
                            out.directives.push(full);
                        }
                    }
                    let ppath = format!("{path}.payload");
                    if let Some(payload) = c.object(o.get("payload"), &ppath) {
                        match full_name.as_deref() {
                            Some("AudioPlayer.Play") => c.play_payload(payload, &ppath),
                            Some("AudioPlayer.StreamDeliver") => {
                                c.string(
                                    payload.get("audioItemId"),
                                    &format!("{ppath}.audioItemId"),
                                );
                                if let Some(st) = c.object(
                                    payload.get("audioStream"),
                                    &format!("{ppath}.audioStream"),
                                ) {
                                    c.string(st.get("url"), &format!("{ppath}.audioStream.url"));
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            None => c.problems.push(
                "`response.directives` is missing (send `[]` when there are none)".to_string(),
            ),
            Some(other) => c.problems.push(format!(
                "`response.directives` must be an array, not {}",
                kind_of(other)
            )),
        }
        if let Some(r) = resp.get("reprompt")
            && let Some(ro) = c.object(Some(r), "response.reprompt")
        {
            let mut ignore = Vec::new();
            c.output_speech(
                ro.get("outputSpeech"),
                "response.reprompt.outputSpeech",
                &mut out.reprompt,
                &mut ignore,
            );
        }
        if resp.get("reprompt").is_some()
            && resp.get("shouldEndSession") == Some(&Value::Bool(true))
        {
            out.warnings.push(
                "`response.reprompt` is ignored: CEK uses it only while the session goes on (shouldEndSession false)"
                    .to_string(),
            );
        }
        match resp.get("shouldEndSession") {
            Some(Value::Bool(b)) => out.should_end_session = *b,
            None => c
                .problems
                .push("`response.shouldEndSession` is missing".to_string()),
            Some(other) => c.problems.push(format!(
                "`response.shouldEndSession` must be true or false, not {}",
                kind_of(other)
            )),
        }
    }
    out.problems = c.problems;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok_body(speech: Value) -> Value {
        json!({
            "version": "0.1.0",
            "sessionAttributes": { "step": 1 },
            "response": {
                "outputSpeech": speech,
                "card": {},
                "directives": [],
                "shouldEndSession": false,
            }
        })
    }

    #[test]
    fn simple_speech() {
        let c = check_response(&ok_body(json!({
            "type": "SimpleSpeech",
            "values": { "type": "PlainText", "lang": "ko", "value": "안녕하세요" }
        })));
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.text(), "안녕하세요");
        assert!(!c.should_end_session);
        assert_eq!(c.session_attributes, json!({ "step": 1 }));
    }

    #[test]
    fn speech_list_and_set() {
        let c = check_response(&ok_body(json!({
            "type": "SpeechList",
            "values": [
                { "type": "PlainText", "lang": "ja", "value": "こんにちは" },
                { "type": "URL", "lang": "", "value": "https://example.com/a.mp3" }
            ]
        })));
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.text(), "こんにちは [audio https://example.com/a.mp3]");
        let c = check_response(&ok_body(json!({
            "type": "SpeechSet",
            "brief": { "type": "PlainText", "lang": "en", "value": "short" },
            "verbose": { "type": "SimpleSpeech", "values": { "type": "PlainText", "lang": "en", "value": "long" } }
        })));
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.text(), "long");
        assert_eq!(c.brief[0].value, "short");
    }

    #[test]
    fn problems_are_reported_with_paths() {
        let c = check_response(&json!({ "response": { "outputSpeech": { "type": "Loud" } } }));
        assert_eq!(
            c.problems,
            vec![
                "`version` is missing",
                "`sessionAttributes` is missing",
                "`response.outputSpeech.type` is \"Loud\"; must be \"SimpleSpeech\", \"SpeechList\" or \"SpeechSet\"",
                "`response.card` is missing",
                "`response.directives` is missing (send `[]` when there are none)",
                "`response.shouldEndSession` is missing",
            ]
        );
        let c = check_response(&ok_body(json!({
            "type": "SimpleSpeech",
            "values": { "type": "PlainText", "lang": "fr", "value": 3 }
        })));
        assert_eq!(
            c.problems,
            vec![
                "`response.outputSpeech.values.value` must be a string, not a number",
                "`response.outputSpeech.values.lang` is \"fr\"; PlainText speech must be \"ko\", \"ja\" or \"en\"",
            ]
        );
        let c = check_response(&json!([1]));
        assert_eq!(c.problems, vec!["`(body)` must be an object, not an array"]);
    }

    #[test]
    fn directives() {
        let mut b = ok_body(json!({}));
        b["response"]["directives"] = json!([
            { "header": { "messageId": "1", "namespace": "PlaybackController", "name": "Pause" }, "payload": {} },
            { "header": { "messageId": "2", "namespace": "Custom", "name": "Thing" }, "payload": {} },
            { "header": { "namespace": "PlaybackController", "name": "Stop" } }
        ]);
        let c = check_response(&b);
        assert_eq!(
            c.directives,
            vec![
                "PlaybackController.Pause",
                "Custom.Thing",
                "PlaybackController.Stop"
            ]
        );
        assert_eq!(c.warnings.len(), 1);
        assert_eq!(
            c.problems,
            vec![
                "`response.directives[2].header.messageId` is missing",
                "`response.directives[2].payload` is missing",
            ]
        );
    }

    #[test]
    fn play_directives_and_reprompts_are_checked() {
        let mut body = ok_body(json!({}));
        body["response"]["directives"] = json!([{
            "header": { "messageId": "m", "namespace": "AudioPlayer", "name": "Play" },
            "payload": {
                "audioItem": { "audioItemId": "a", "stream": { "url": "https://x/1.mp3", "urlPlayable": true } },
                "playBehavior": "REPLACE_ALL",
                "source": { "name": "Example" }
            }
        }]);
        let c = check_response(&body);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.directives, ["AudioPlayer.Play"]);
        body["response"]["directives"][0]["payload"] = json!({
            "audioItem": { "stream": { "urlPlayable": "yes" } },
            "playBehavior": "NOW"
        });
        body["response"]["shouldEndSession"] = json!(true);
        body["response"]["reprompt"] = json!({ "outputSpeech": {} });
        let c = check_response(&body);
        assert_eq!(
            c.problems,
            [
                "`response.directives[0].payload.audioItem.audioItemId` is missing",
                "`response.directives[0].payload.audioItem.stream.url` is missing",
                "`response.directives[0].payload.audioItem.stream.urlPlayable` must be true or false, not a string",
                "`response.directives[0].payload.playBehavior` is \"NOW\"; must be \"REPLACE_ALL\" or \"ENQUEUE\"",
                "`response.directives[0].payload.source` is missing",
            ]
        );
        assert_eq!(
            c.warnings,
            [
                "`response.reprompt` is ignored: CEK uses it only while the session goes on (shouldEndSession false)"
            ]
        );
    }

    fn caller(language: Language, token: Option<&str>) -> Caller {
        Caller {
            application_id: "com.example.a".into(),
            language,
            user_id: "u".into(),
            device_id: "d".into(),
            access_token: token.map(Into::into),
        }
    }

    fn stamp() -> Stamp {
        Stamp {
            request_id: "r-1".into(),
            timestamp: "2026-12-02T06:30:00Z".into(),
        }
    }

    #[test]
    fn request_shape() {
        let session = SessionRef {
            id: "s-1",
            new: true,
            attributes: &json!({}),
        };
        let r = request(
            &caller(Language::Korean, None),
            session,
            Body::Launch,
            &stamp(),
        );
        // serialised in CEK's order: the signature covers these exact bytes
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"version":"0.1.0","session":{"new":true,"sessionAttributes":{},"sessionId":"s-1","user":{"userId":"u"}},"context":{"System":{"application":{"applicationId":"com.example.a"},"device":{"deviceId":"d","display":{"size":"none"}},"user":{"userId":"u"}}},"request":{"type":"LaunchRequest","requestId":"r-1","timestamp":"2026-12-02T06:30:00Z","locale":"ko-KR","extensionId":"com.example.a","intent":{"intent":"","name":"","slots":null},"event":{"namespace":"","name":"","payload":null}}}"#
        );
        // JP: version 1.0, locale ja-JP; a linked account's token in both users
        let ended = request(
            &caller(Language::Japanese, Some("tok")),
            SessionRef {
                new: false,
                ..session
            },
            Body::SessionEnded,
            &stamp(),
        );
        assert_eq!(ended["version"], "1.0");
        assert_eq!(ended["request"]["locale"], "ja-JP");
        assert_eq!(ended["request"]["reason"], "USER_INITIATED");
        assert_eq!(
            ended["session"]["user"],
            json!({ "userId": "u", "accessToken": "tok" })
        );
        assert_eq!(ended["context"]["System"]["user"], ended["session"]["user"]);
        // an intent without slots: `slots: null`
        let intent = json!({ "name": "Clova.GuideIntent", "slots": null });
        let r = request(
            &caller(Language::Korean, None),
            session,
            Body::Intent(&intent),
            &stamp(),
        );
        assert_eq!(r["request"]["intent"], intent);
        assert_eq!(r["request"]["event"]["payload"], Value::Null);
    }

    #[test]
    fn events_carry_the_stream_the_player_holds() {
        let response = json!({ "response": { "directives": [
            { "header": { "messageId": "m", "namespace": "AudioPlayer", "name": "Play" },
              "payload": { "audioItem": { "audioItemId": "a", "stream": {
                  "beginAtInMilliseconds": 0, "durationInMilliseconds": 200000,
                  "token": "t-1", "url": "clova:t-1", "urlPlayable": false } } } },
            { "header": { "messageId": "n", "namespace": "AudioPlayer", "name": "StreamDeliver" },
              "payload": { "audioItemId": "a", "audioStream": { "token": "t-1", "url": "https://x/1.mp3" } } }
        ] } });
        let stream = played_stream(&response).unwrap();
        assert_eq!(stream["url"], "https://x/1.mp3");
        assert_eq!(stream["urlPlayable"], false);
        let session = SessionRef {
            id: "s",
            new: false,
            attributes: &json!({}),
        };
        let send = |e: &Event| {
            request(
                &caller(Language::Japanese, None),
                session,
                Body::Event(e, Some(&stream)),
                &stamp(),
            )
        };
        let started = Event {
            name: "AudioPlayer.PlayStarted".into(),
            token: None,
            offset_ms: None,
        };
        let r = send(&started);
        assert_eq!(
            r["context"]["AudioPlayer"],
            json!({ "offsetInMilliseconds": 0, "playerActivity": "PLAYING", "stream": stream, "totalInMilliseconds": 200000 })
        );
        assert_eq!(
            r["request"]["event"],
            json!({ "namespace": "AudioPlayer", "name": "PlayStarted", "payload": { "token": "t-1", "offsetInMilliseconds": 0 } })
        );
        assert_eq!(r["request"]["intent"]["slots"], Value::Null);
        // another token: the player reports on a stream it was not given by this extension
        let r = send(&Event {
            token: Some("t-2".into()),
            ..started
        });
        assert_eq!(
            r["context"]["AudioPlayer"]["stream"],
            json!({ "token": "t-2" })
        );
        let r = send(&Event {
            name: "ClovaSkill.SkillEnabled".into(),
            token: None,
            offset_ms: None,
        });
        assert!(r["context"].get("AudioPlayer").is_none());
        assert_eq!(r["request"]["event"]["payload"], Value::Null);
    }
}
