//! `cekops simulate`: play CEK against a running extension server. Utterances are analysed
//! offline ([`crate::nlu`]) and sent as real CEK requests over HTTP; each response is checked
//! against the message format and its speech reported.

use std::hash::BuildHasher;
use std::hash::Hasher;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;
use serde_json::json;

use crate::cek;
use crate::cek::Caller;
use crate::cek::Checked;
use crate::cek::RequestKind;
use crate::error::refused;
use crate::error::usage;
use crate::nlu;
use crate::nlu::Analysis;
use crate::nlu::Model;
use crate::ops::validate::ValidateOutcome;

/// How to reach the extension and who is calling.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub endpoint: String,
    pub timeout: Duration,
    /// Start with the first utterance as an `IntentRequest` (`session.new` true) instead of a
    /// `LaunchRequest`.
    pub one_shot: bool,
    pub caller: Caller,
    /// Extra headers; a `SignatureCEK` among them replaces the computed one.
    pub headers: Vec<(String, String)>,
    /// A PEM RSA private key to sign each body with (`SignatureCEK`), as CEK signs with Clova's.
    pub sign_key: Option<std::path::PathBuf>,
    pub nlu: nlu::Options,
}

/// One request and its response.
#[derive(Clone, Debug, Serialize)]
pub struct Exchange {
    pub kind: RequestKind,
    pub session_id: String,
    /// The utterance of an `IntentRequest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utterance: Option<String>,
    /// How the utterance was analysed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Analysis>,
    /// The event of an `EventRequest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<cek::Event>,
    pub request: Value,
    pub status: u16,
    /// The response body (`null` when empty).
    pub response: Value,
    pub checked: Checked,
}

/// What a whole run did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub exchanges: usize,
    /// Responses that broke the message format.
    pub invalid: usize,
    /// Utterances left when the extension ended the session.
    pub unsent: Vec<String>,
}

fn new_session_id() -> String {
    let state = std::collections::hash_map::RandomState::new();
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut h = state.build_hasher();
        h.write_usize(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        h.write_u32(std::process::id());
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    // UUID version 4, variant 1
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `request.timestamp` for now: UTC, to the second (`2026-12-02T06:30:00Z`).
fn now_timestamp() -> String {
    let now = jiff::Timestamp::now();
    jiff::Timestamp::from_second(now.as_second())
        .unwrap_or(now)
        .to_string()
}

/// A conversation with one extension server.
pub struct Simulator<'m, 'a> {
    model: &'m Model<'a>,
    opts: SimOptions,
    agent: ureq::Agent,
    session_id: String,
    attributes: Value,
    /// A session is open (the extension has not ended it).
    open: bool,
    /// The next request is the first of its session.
    first: bool,
    /// A session has been opened before (the next one gets a new ID).
    started: bool,
    /// The stream the player holds: the last `AudioPlayer.Play` directive's.
    stream: Option<Value>,
}

impl<'m, 'a> Simulator<'m, 'a> {
    pub fn new(model: &'m Model<'a>, opts: SimOptions) -> Result<Self> {
        let url = opts.endpoint.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(usage(format!("`{url}` is not an http(s) URL"))
                .hint("give the extension server's URL, e.g. --endpoint http://127.0.0.1:8080/cek")
                .into());
        }
        if let Some(key) = &opts.sign_key {
            // Fail before the first request: a missing key, a key openssl cannot read.
            sign(key, b"")?;
        }
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(opts.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("cekops/", env!("CARGO_PKG_VERSION"), " (simulate)"))
            .build();
        Ok(Self {
            model,
            opts,
            agent: config.into(),
            session_id: new_session_id(),
            attributes: json!({}),
            open: false,
            first: true,
            started: false,
            stream: None,
        })
    }

    /// Whether a session is open.
    pub fn is_open(&self) -> bool {
        self.open
    }

    fn begin(&mut self) {
        if self.started {
            self.session_id = new_session_id();
        }
        self.started = true;
        self.attributes = json!({});
        self.open = true;
        self.first = true;
    }

    /// Open a session: `LaunchRequest`, or nothing in one-shot mode (the first utterance opens
    /// it).
    pub fn start(&mut self) -> Result<Option<Exchange>> {
        self.begin();
        if self.opts.one_shot {
            return Ok(None);
        }
        self.send(cek::Body::Launch, None, None).map(Some)
    }

    /// Send an utterance as an `IntentRequest`.
    pub fn say(&mut self, utterance: &str) -> Result<Exchange> {
        if !self.open {
            self.begin();
        }
        let analysis = self.model.analyse(utterance, &self.opts.nlu);
        let intent = cek::intent_object(&analysis);
        self.send(
            cek::Body::Intent(&intent),
            Some((utterance.to_string(), analysis)),
            None,
        )
    }

    /// The user ends the session: `SessionEndedRequest`, when one is open.
    pub fn end(&mut self) -> Result<Option<Exchange>> {
        if !self.open {
            return Ok(None);
        }
        let x = self.send(cek::Body::SessionEnded, None, None)?;
        self.open = false;
        Ok(Some(x))
    }

    /// Send one event as an `EventRequest`: in the current (or last) session's ID with its
    /// attributes and `session.new` false, whether the session is still open or not (a player
    /// reports on a stream after the extension ended the session); it neither opens nor ends the
    /// session. An AudioPlayer event carries the stream the last `AudioPlayer.Play` directive
    /// gave the player. An empty answer is accepted (CEK only needs `200 OK`); a JSON one is
    /// checked.
    pub fn event(&mut self, event: &cek::Event) -> Result<Exchange> {
        self.send(cek::Body::Event(event, None), None, Some(event))
    }

    fn send(
        &mut self,
        body: cek::Body<'_>,
        said: Option<(String, Analysis)>,
        event: Option<&cek::Event>,
    ) -> Result<Exchange> {
        let kind = body.kind();
        let body = match body {
            cek::Body::Event(e, _) => cek::Body::Event(e, self.stream.as_ref()),
            other => other,
        };
        let stamp = cek::Stamp {
            request_id: new_session_id(),
            timestamp: now_timestamp(),
        };
        let new = self.first && kind != RequestKind::EventRequest;
        let request = cek::request(
            &self.opts.caller,
            cek::SessionRef {
                id: &self.session_id,
                new,
                attributes: &self.attributes,
            },
            body,
            &stamp,
        );
        if kind != RequestKind::EventRequest {
            self.first = false;
        }
        let (status, response) = self.post(&request)?;
        // CEK ignores what an extension answers to `SessionEndedRequest`; an event may be
        // answered with an empty body.
        let mut checked = if kind == RequestKind::SessionEndedRequest
            || (kind == RequestKind::EventRequest && response.is_null())
        {
            Checked::default()
        } else {
            cek::check_response(&response)
        };
        if self.opts.caller.language == crate::model::Language::Japanese
            && response
                .pointer("/response/card")
                .and_then(Value::as_object)
                .is_some_and(|card| !card.is_empty())
        {
            checked.warnings.push(
                "`response.card` is not supported in Japan (the JP guide); send `{}`".to_string(),
            );
        }
        if checked.problems.is_empty()
            && let Some(stream) = cek::played_stream(&response)
        {
            self.stream = Some(stream);
        }
        if matches!(
            kind,
            RequestKind::LaunchRequest | RequestKind::IntentRequest
        ) {
            if checked.problems.is_empty() {
                self.attributes = checked.session_attributes.clone();
            }
            if checked.should_end_session || !checked.problems.is_empty() {
                self.open = false;
            }
        }
        let (utterance, analysis) = match said {
            Some((u, a)) => (Some(u), Some(a)),
            None => (None, None),
        };
        Ok(Exchange {
            kind,
            session_id: self.session_id.clone(),
            utterance,
            analysis,
            event: event.cloned(),
            request: hide_access_token(request),
            status,
            response,
            checked,
        })
    }

    /// POST a body; transport failures, HTTP errors and non-JSON bodies are errors.
    fn post(&self, body: &Value) -> Result<(u16, Value)> {
        let url = self.opts.endpoint.trim();
        let text = serde_json::to_string(body)?;
        let mut req = self.agent.post(url);
        for (k, v) in cek::HEADERS {
            req = req.header(*k, *v);
        }
        let custom_signature = self
            .opts
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("SignatureCEK"));
        if !custom_signature {
            let signature = match &self.opts.sign_key {
                Some(key) => sign(key, text.as_bytes())?,
                None => cek::UNSIGNED_SIGNATURE.to_string(),
            };
            req = req.header("SignatureCEK", signature);
        }
        for (k, v) in &self.opts.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let secs = self.opts.timeout.as_secs_f64();
        let mut resp = match req.send(text.as_bytes()) {
            Ok(r) => r,
            Err(e) => return Err(transport_error(url, secs, e).into()),
        };
        let status = resp.status().as_u16();
        let bytes = match resp
            .body_mut()
            .with_config()
            .limit(16 * 1024 * 1024)
            .read_to_vec()
        {
            Ok(b) => b,
            Err(e) => return Err(transport_error(url, secs, e).into()),
        };
        if status != 200 {
            let excerpt = excerpt(&bytes);
            let reason = resp.status().canonical_reason().unwrap_or("");
            let mut err = refused(format!(
                "the extension server answered HTTP {status} {reason} to {url}"
            ));
            err = if excerpt.is_empty() {
                err.hint("CEK expects `200 OK` with a JSON body")
            } else {
                err.hint(format!("response body: {excerpt}"))
            };
            return Err(err.into());
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok((status, Value::Null));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => Ok((status, v)),
            Err(e) => Err(
                refused(format!("the extension server's response is not JSON: {e}"))
                    .hint(format!("response body: {}", excerpt(&bytes)))
                    .into(),
            ),
        }
    }
}

/// Sign `body` as CEK signs a request (spec §4.2 "Signature check"): RSA PKCS#1 v1.5 with
/// SHA-256 (SHA256withRSA) over the exact body bytes sent, base64-encoded for the `SignatureCEK`
/// header. This is what LINE's Python SDK checks (clova-cek-sdk 1.1.2, `cek/core/handler.py`,
/// `RequestHandler._verify_request`: base64-decodes the `signaturecek` header and verifies it
/// with `PKCS1v15()` and `SHA256()` over the raw request body), which
/// tests/cli/simulate.rs runs against. The key is a PEM RSA private key; `openssl dgst -sha256 -sign` does the RSA work, so
/// that no RSA crate is compiled into every build for a test-only feature (the same choice as
/// `ssh-keygen` for ssh signatures).
pub fn sign(key: &Path, body: &[u8]) -> Result<String> {
    use base64::Engine as _;
    use std::io::Write as _;
    use std::process::Command;
    use std::process::Stdio;
    if !key.is_file() {
        return Err(usage(format!("signing key `{}` is not a file", key.display()))
            .hint("give a PEM RSA private key, e.g. made with `openssl genrsa -out test-key.pem 2048`")
            .into());
    }
    let child = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Err(
                refused(format!("cannot run `openssl` to sign requests: {e}"))
                    .hint("--sign-key needs the openssl command-line tool on PATH")
                    .into(),
            );
        }
    };
    let input = child.stdin.take().map(|mut stdin| {
        let body = body.to_vec();
        std::thread::spawn(move || stdin.write_all(&body))
    });
    let out = child.wait_with_output()?;
    if let Some(t) = input {
        // A write error is reported through openssl's status below.
        let _ = t.join();
    }
    if !out.status.success() || out.stdout.is_empty() {
        let why = String::from_utf8_lossy(&out.stderr);
        let why = why
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        return Err(usage(format!(
            "cannot sign with `{}`: openssl failed{}",
            key.display(),
            if why.is_empty() { String::new() } else { format!(": {why}") }
        ))
        .hint("--sign-key takes a PEM RSA private key (`-----BEGIN PRIVATE KEY-----` or `-----BEGIN RSA PRIVATE KEY-----`)")
        .into());
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(&out.stdout))
}

/// The request as it may be shown (`--show-json`, `--format json`): every `accessToken` replaced by
/// `<hidden>`, so that a transcript can be shared or logged without the user's credential.
pub fn hide_access_token(mut request: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if key == "accessToken" && value.is_string() {
                        *value = Value::String("<hidden>".into());
                    } else {
                        walk(value);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut request);
    request
}

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = crate::diag::printable(&text);
    let text = text.trim();
    let cut: String = text.chars().take(200).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

fn transport_error(url: &str, secs: f64, e: ureq::Error) -> crate::error::UserError {
    match e {
        ureq::Error::Timeout(_) => refused(format!("no answer from {url} within {secs} s"))
            .hint("is the extension server busy or stuck? raise the limit with --timeout SECONDS"),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            refused(format!("cannot connect to {url}: connection refused"))
                .hint("is the extension server running and listening on that address and port?")
        }
        ureq::Error::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) =>
        {
            refused(format!("no answer from {url} within {secs} s"))
                .hint("raise the limit with --timeout SECONDS")
        }
        ureq::Error::HostNotFound => refused(format!("cannot resolve the host of {url}"))
            .hint("check the host name in --endpoint (or `endpoint` in server.toml)"),
        ureq::Error::BadUri(m) => usage(format!("`{url}` is not a valid URL: {m}")),
        ureq::Error::ConnectionFailed => {
            refused(format!("cannot connect to {url}")).hint("is the extension server running?")
        }
        ureq::Error::Tls(m) => refused(format!("TLS with {url} failed: {m}")),
        other => refused(format!("the request to {url} failed: {other}")),
    }
}

/// A scenario file: turns replayed against a server, with what each response must say.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Send the first utterance as an `IntentRequest` with `session.new` true (no launch).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub one_shot: bool,
    /// What the `LaunchRequest`'s response must say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch: Option<Expect>,
    /// The user's turns, in order.
    #[serde(default, rename = "turn")]
    pub turns: Vec<ScenarioTurn>,
}

/// Expectations on one response.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Text the speech must contain (compared after folding width, spaces and punctuation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech: Option<String>,
    /// The expected `shouldEndSession`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session: Option<bool>,
}

/// One turn of a scenario: an utterance, or an event the client reports.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioTurn {
    /// What the user says (sent as an `IntentRequest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utterance: Option<String>,
    /// Instead of an utterance, an event sent as an `EventRequest`: `Namespace.Name`, one of
    /// [`cek::EVENTS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The event's `token` (default: the token of the stream the last `AudioPlayer.Play`
    /// directive gave the player).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The event's `offsetInMilliseconds` (AudioPlayer events; default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_ms: Option<u64>,
    /// The intent the utterance must be analysed as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session: Option<bool>,
}

impl ScenarioTurn {
    /// What the turn sends (a parsed scenario has exactly one of `utterance` and `event`).
    pub fn step(&self) -> Step {
        match (&self.utterance, &self.event) {
            (Some(u), _) => Step::Say(u.clone()),
            (None, Some(e)) => Step::Event(cek::Event {
                name: e.clone(),
                token: self.token.clone(),
                offset_ms: self.offset_ms,
            }),
            (None, None) => Step::Say(String::new()),
        }
    }

    /// How failures name the turn: `turn 2 "utterance"`, `turn 3 event AudioPlayer.PlayStarted`.
    fn label(&self, i: usize) -> String {
        match (&self.utterance, &self.event) {
            (Some(u), _) => format!("turn {} \"{u}\"", i + 1),
            (None, Some(e)) => format!("turn {} event {e}", i + 1),
            (None, None) => format!("turn {}", i + 1),
        }
    }
}

/// One thing a conversation sends besides its launch and end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// An utterance, sent as an `IntentRequest` in the open session.
    Say(String),
    /// An event, sent as an `EventRequest` (even after the session ended).
    Event(cek::Event),
}

/// The scenario a run followed (`simulate --record`): one-shot or the launch's speech, then
/// each utterance with the intent it was analysed as, and each event, with what the extension
/// said, so that replaying it (`--scenario`) sends the same requests and checks the server still
/// answers the same. `None` when the run sent nothing but a launch, or opened more than one
/// session (a scenario is one session).
pub fn recorded_scenario(exchanges: &[Exchange]) -> Option<Scenario> {
    let first = exchanges.first()?;
    if exchanges.iter().any(|x| x.session_id != first.session_id) {
        return None;
    }
    let expect = |x: &Exchange| {
        if x.response.is_null() {
            return Expect::default();
        }
        Expect {
            speech: Some(x.checked.text()).filter(|t| !t.is_empty()),
            end_session: Some(x.checked.should_end_session),
        }
    };
    let launch = exchanges
        .iter()
        .find(|x| x.kind == RequestKind::LaunchRequest)
        .map(expect);
    let turns: Vec<ScenarioTurn> = exchanges
        .iter()
        .filter_map(|x| {
            let e = expect(x);
            let turn = ScenarioTurn {
                speech: e.speech,
                end_session: e.end_session,
                ..ScenarioTurn::default()
            };
            match (x.kind, &x.event) {
                (RequestKind::IntentRequest, _) => Some(ScenarioTurn {
                    utterance: Some(x.utterance.clone().unwrap_or_default()),
                    intent: x.analysis.as_ref().map(|a| a.intent.clone()),
                    ..turn
                }),
                (RequestKind::EventRequest, Some(ev)) => Some(ScenarioTurn {
                    event: Some(ev.name.clone()),
                    token: ev.token.clone(),
                    offset_ms: ev.offset_ms,
                    ..turn
                }),
                _ => None,
            }
        })
        .collect();
    if turns.is_empty() {
        return None;
    }
    let talks = turns.iter().any(|t| t.utterance.is_some());
    Some(Scenario {
        one_shot: launch.is_none() && talks,
        launch,
        turns,
    })
}

/// A recorded scenario as the text of a scenario file, with a comment saying where it came from.
pub fn scenario_text(sc: &Scenario, id: &str, endpoint: &str) -> Result<String> {
    let body = toml::to_string(sc)?;
    Ok(format!(
        "# recorded by `cekops simulate {id} --record` against {endpoint}\n# replay: cekops simulate {id} --scenario FILE\n\n{body}"
    ))
}

/// Parse a scenario file's text.
pub fn parse_scenario(path: &str, text: &str) -> Result<Scenario> {
    let s: Scenario = toml::from_str(text).map_err(|e| {
        usage(format!("scenario `{path}` is not valid: {}", e.to_string().trim()))
            .hint("a scenario has `[[turn]]` tables, each with an `utterance` (and optional `intent`) or an `event` (and optional `token`, `offset_ms`), and optional `speech`, `end_session`; see README \"Testing extensions\"")
    })?;
    if s.one_shot && s.launch.is_some() {
        return Err(usage(format!(
            "scenario `{path}` has `one_shot = true` and a `[launch]` expectation"
        ))
        .hint("a one-shot session sends no LaunchRequest")
        .into());
    }
    if s.turns.is_empty() && s.launch.is_none() {
        return Err(usage(format!("scenario `{path}` has no turns"))
            .hint("add [[turn]] tables with `utterance = \"…\"` or `event = \"Namespace.Name\"`")
            .into());
    }
    for (i, t) in s.turns.iter().enumerate() {
        let turn = i + 1;
        let bad = |what: String, hint: &str| -> anyhow::Error {
            usage(format!("scenario `{path}`, turn {turn}: {what}"))
                .hint(hint.to_string())
                .into()
        };
        match (&t.utterance, &t.event) {
            (Some(_), Some(_)) => {
                return Err(bad(
                    "has both `utterance` and `event`".into(),
                    "a turn is either an utterance or an event; split it into two [[turn]] tables",
                ));
            }
            (None, None) => {
                return Err(bad(
                    "has neither `utterance` nor `event`".into(),
                    "add `utterance = \"…\"`, or `event = \"Namespace.Name\"`",
                ));
            }
            (Some(_), None) => {
                if t.token.is_some() || t.offset_ms.is_some() {
                    return Err(bad(
                        "`token` and `offset_ms` belong to an `event` turn".into(),
                        "move them to a turn with `event = \"AudioPlayer.…\"`",
                    ));
                }
            }
            (None, Some(e)) => {
                if t.intent.is_some() {
                    return Err(bad(
                        format!("`intent` belongs to an utterance, not to event `{e}`"),
                        "an event is not analysed; drop `intent`",
                    ));
                }
                parse_event(e, None, None).map_err(|err| {
                    anyhow::Error::from(
                        usage(format!("scenario `{path}`, turn {turn}: {err}"))
                            .hint(format!("events: {}", event_names().join(", "))),
                    )
                })?;
            }
        }
    }
    Ok(s)
}

fn event_names() -> Vec<String> {
    cek::EVENTS.iter().map(|(n, _)| n.to_string()).collect()
}

/// Read and parse the scenario file `path` (relative to `dir`).
pub fn read_scenario(dir: &Path, path: &Path) -> Result<Scenario> {
    let text = std::fs::read_to_string(dir.join(path))
        .map_err(|e| usage(format!("cannot read scenario `{}`: {e}", path.display())))?;
    parse_scenario(&path.display().to_string(), &text)
}

/// The URL to send requests to: `given` (`--endpoint`), else `endpoint` in the extension's
/// server.toml.
pub fn endpoint(outcome: &ValidateOutcome, id: &str, given: Option<&str>) -> Result<String> {
    if let Some(e) = given {
        return Ok(e.to_string());
    }
    outcome
        .repo
        .extension(id)
        .and_then(|ext| ext.server.as_ref())
        .map(|s| s.endpoint.value.clone())
        .ok_or_else(|| {
            usage("no endpoint to send requests to")
                .hint("give --endpoint URL, or set `endpoint` in the extension's server.toml")
                .into()
        })
}

/// Check one response against expectations; the failures as sentences.
pub fn expect(
    what: &str,
    x: &Exchange,
    speech: Option<&str>,
    end: Option<bool>,
    intent: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some(want), Some(a)) = (intent, &x.analysis)
        && a.intent != want
    {
        out.push(format!(
            "{what}: expected intent {want}, the utterance was analysed as {}",
            a.intent
        ));
    }
    if let Some(want) = speech {
        let got = x.checked.text();
        let all = format!(
            "{got} {}",
            x.checked
                .brief
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        );
        if !nlu::normalize::fold(&all).contains(&nlu::normalize::fold(want)) {
            out.push(format!(
                "{what}: expected speech containing \"{want}\", got \"{got}\""
            ));
        }
    }
    if let Some(want) = end
        && x.checked.should_end_session != want
    {
        out.push(format!(
            "{what}: expected shouldEndSession {want}, got {}",
            x.checked.should_end_session
        ));
    }
    out
}

/// Where utterances come from.
pub enum Input<'i> {
    /// A fixed list (arguments or a scenario). The session opens before the first utterance
    /// (events before it are sent first), or, when there is none, at the end if `open` is set
    /// (a scenario with a `[launch]` expectation). When the extension ends the session early,
    /// the utterances left are not sent; events still are.
    List { steps: Vec<Step>, open: bool },
    /// Interactive lines ([`parse_line`]): when the extension ends the session, the next
    /// utterance opens a new one.
    Lines(&'i mut dyn Iterator<Item = Step>),
}

/// Run a conversation: open a session, send each utterance (and event), end the session when
/// the input ends. `on_exchange` sees every exchange as it happens. Stops at the first response
/// that breaks the message format.
pub fn converse(
    sim: &mut Simulator<'_, '_>,
    input: Input<'_>,
    on_exchange: &mut dyn FnMut(&Exchange),
) -> Result<Summary> {
    let mut summary = Summary::default();
    let mut record = |x: &Exchange, summary: &mut Summary| -> bool {
        on_exchange(x);
        summary.exchanges += 1;
        if x.checked.problems.is_empty() {
            true
        } else {
            summary.invalid += 1;
            false
        }
    };
    match input {
        Input::List { steps, open } => {
            let first_say = steps.iter().position(|s| matches!(s, Step::Say(_)));
            let open_at = first_say.or(open.then_some(steps.len()));
            let n = steps.len();
            for (i, step) in steps.into_iter().enumerate() {
                if open_at == Some(i)
                    && let Some(x) = sim.start()?
                    && !record(&x, &mut summary)
                {
                    return Ok(summary);
                }
                let x = match step {
                    Step::Event(e) => sim.event(&e)?,
                    Step::Say(u) if !sim.is_open() => {
                        summary.unsent.push(u);
                        continue;
                    }
                    Step::Say(u) => sim.say(&u)?,
                };
                if !record(&x, &mut summary) {
                    return Ok(summary);
                }
            }
            if open_at == Some(n)
                && let Some(x) = sim.start()?
                && !record(&x, &mut summary)
            {
                return Ok(summary);
            }
        }
        Input::Lines(lines) => {
            if let Some(x) = sim.start()?
                && !record(&x, &mut summary)
            {
                return Ok(summary);
            }
            for step in lines {
                let x = match step {
                    Step::Event(e) => sim.event(&e)?,
                    Step::Say(u) => {
                        if !sim.is_open()
                            && let Some(x) = sim.start()?
                            && !record(&x, &mut summary)
                        {
                            return Ok(summary);
                        }
                        sim.say(&u)?
                    }
                };
                if !record(&x, &mut summary) {
                    return Ok(summary);
                }
            }
        }
    }
    if let Some(x) = sim.end()? {
        record(&x, &mut summary);
    }
    Ok(summary)
}

/// Check a scenario's expectations against the exchanges of its run; the failures as
/// sentences.
pub fn scenario_failures(sc: &Scenario, exchanges: &[Exchange], summary: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(l) = &sc.launch
        && let Some(x) = exchanges
            .iter()
            .find(|x| x.kind == RequestKind::LaunchRequest)
    {
        out.extend(expect(
            "launch",
            x,
            l.speech.as_deref(),
            l.end_session,
            None,
        ));
    }
    // The turns' exchanges in order; an utterance not sent has none.
    let mut sent = exchanges
        .iter()
        .filter(|x| {
            matches!(
                x.kind,
                RequestKind::IntentRequest | RequestKind::EventRequest
            )
        })
        .peekable();
    for (i, t) in sc.turns.iter().enumerate() {
        let what = t.label(i);
        let step = t.step();
        let matched = sent.next_if(|x| match &step {
            Step::Say(u) => x.utterance.as_deref() == Some(u.as_str()),
            Step::Event(e) => x.event.as_ref().is_some_and(|xe| xe.name == e.name),
        });
        match (matched, &step) {
            (Some(x), Step::Event(_)) if x.response.is_null() => {
                if t.speech.is_some() || t.end_session.is_some() {
                    out.push(format!(
                        "{what}: expected a response, the server answered an empty body"
                    ));
                }
            }
            (Some(x), _) => out.extend(expect(
                &what,
                x,
                t.speech.as_deref(),
                t.end_session,
                t.intent.as_deref(),
            )),
            (None, Step::Say(u)) if summary.unsent.contains(u) => out.push(format!(
                "{what}: not sent, the extension had ended the session"
            )),
            (None, _) => out.push(format!("{what}: not sent")),
        }
    }
    out
}

/// A finished run: every exchange in order, what it did, and a scenario's failed expectations.
#[derive(Clone, Debug, Default)]
pub struct Run {
    pub exchanges: Vec<Exchange>,
    pub summary: Summary,
    /// With a scenario: its failed expectations, as sentences (empty when all held).
    pub failures: Option<Vec<String>>,
}

impl Run {
    /// No response broke the message format and every expectation held.
    pub fn passed(&self) -> bool {
        self.summary.invalid == 0 && self.failures.as_ref().is_none_or(Vec::is_empty)
    }

    /// The run's verdict, for after its output: an error when (without a scenario) the extension
    /// ended the session before every utterance was sent, or when a response broke the message
    /// format; otherwise whether every expectation held.
    pub fn verdict(&self) -> Result<bool> {
        let unsent = &self.summary.unsent;
        if self.failures.is_none() && !unsent.is_empty() {
            return Err(refused(format!(
                "the extension ended the session; {} utterance(s) not sent: {}",
                unsent.len(),
                unsent
                    .iter()
                    .map(|u| format!("\"{u}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .hint("send them in a new run, or check why the extension set shouldEndSession")
            .into());
        }
        if self.summary.invalid > 0 {
            return Err(refused("the extension's response breaks the CEK message format").into());
        }
        Ok(self.passed())
    }
}

/// Send one event ([`Simulator::event`]) as a whole run.
pub fn run_event(
    sim: &mut Simulator<'_, '_>,
    event: &cek::Event,
    on_exchange: &mut dyn FnMut(&Exchange),
) -> Result<Run> {
    let input = Input::List {
        steps: vec![Step::Event(event.clone())],
        open: false,
    };
    run(sim, input, on_exchange)
}

/// An interactive line: an utterance, `/event NAMESPACE.NAME [TOKEN] [OFFSET_MS]`, or nothing
/// (a blank line). Other lines starting with `/` are errors.
pub fn parse_line(line: &str) -> Result<Option<Step>> {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let Some(command) = trimmed.strip_prefix('/') else {
        return Ok(Some(Step::Say(line.to_string())));
    };
    let mut words = command.split_whitespace();
    if words.next() != Some("event") {
        return Err(usage(format!("`{trimmed}` is not a command"))
            .hint("type an utterance, or /event NAMESPACE.NAME [TOKEN] [OFFSET_MS]")
            .into());
    }
    let Some(name) = words.next() else {
        return Err(usage("/event needs an event name")
            .hint(format!("events: {}", event_names().join(", ")))
            .into());
    };
    let token = words.next().map(str::to_string);
    let offset_ms = match words.next() {
        None => None,
        Some(w) => Some(w.parse::<u64>().map_err(|_| {
            usage(format!("`{w}` is not an offset in milliseconds"))
                .hint("/event NAMESPACE.NAME [TOKEN] [OFFSET_MS], e.g. /event AudioPlayer.PlayFinished TR-1 184000")
        })?),
    };
    if let Some(extra) = words.next() {
        return Err(usage(format!(
            "/event takes at most a token and an offset; `{extra}` is one word too many"
        ))
        .into());
    }
    Ok(Some(Step::Event(parse_event(name, token, offset_ms)?)))
}

/// Parse `--event NAMESPACE.NAME`: one of [`cek::EVENTS`].
pub fn parse_event(
    name: &str,
    token: Option<String>,
    offset_ms: Option<u64>,
) -> Result<cek::Event> {
    if !cek::EVENTS.iter().any(|(n, _)| *n == name) {
        let known = event_names();
        let mut err = usage(format!("`{name}` is not an event cekops can send"));
        err = match crate::diag::suggest::closest(name, &known) {
            Some(s) => err.hint(format!("did you mean `{s}`? events: {}", known.join(", "))),
            None => err.hint(format!("events: {}", known.join(", "))),
        };
        return Err(err.into());
    }
    Ok(cek::Event {
        name: name.to_string(),
        token,
        offset_ms,
    })
}

/// Run a conversation ([`converse`]) and keep its exchanges.
pub fn run(
    sim: &mut Simulator<'_, '_>,
    input: Input<'_>,
    on_exchange: &mut dyn FnMut(&Exchange),
) -> Result<Run> {
    let mut exchanges: Vec<Exchange> = Vec::new();
    let mut keep = |x: &Exchange| {
        on_exchange(x);
        exchanges.push(x.clone());
    };
    let summary = converse(sim, input, &mut keep)?;
    Ok(Run {
        exchanges,
        summary,
        failures: None,
    })
}

/// Replay a scenario: send its turns, then check its expectations.
pub fn run_scenario(
    sim: &mut Simulator<'_, '_>,
    sc: &Scenario,
    on_exchange: &mut dyn FnMut(&Exchange),
) -> Result<Run> {
    let steps = sc.turns.iter().map(ScenarioTurn::step).collect();
    let input = Input::List {
        steps,
        open: sc.launch.is_some(),
    };
    let mut run = run(sim, input, on_exchange)?;
    run.failures = Some(scenario_failures(sc, &run.exchanges, &run.summary));
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_uuid_v4() {
        let a = new_session_id();
        let b = new_session_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn scenarios_parse() {
        let s = parse_scenario(
            "s.toml",
            "[launch]\nspeech = \"hi\"\n[[turn]]\nutterance = \"a\"\nend_session = true\n",
        )
        .unwrap();
        assert_eq!(s.turns.len(), 1);
        assert_eq!(s.turns[0].end_session, Some(true));
        assert!(parse_scenario("s.toml", "[[turn]]\nutterence = \"a\"\n").is_err());
        assert!(parse_scenario("s.toml", "one_shot = true\n[launch]\n").is_err());
        assert!(parse_scenario("s.toml", "").is_err());
    }

    #[test]
    fn scenarios_with_events_parse_and_bad_turns_are_refused() {
        let s = parse_scenario(
            "s.toml",
            "[[turn]]\nevent = \"ClovaSkill.SkillEnabled\"\n\
             [[turn]]\nutterance = \"노래 틀어줘\"\nend_session = true\n\
             [[turn]]\nevent = \"AudioPlayer.PlayStarted\"\ntoken = \"t-1\"\noffset_ms = 0\n",
        )
        .unwrap();
        assert_eq!(
            s.turns.iter().map(ScenarioTurn::step).collect::<Vec<_>>(),
            [
                Step::Event(cek::Event {
                    name: "ClovaSkill.SkillEnabled".into(),
                    token: None,
                    offset_ms: None
                }),
                Step::Say("노래 틀어줘".into()),
                Step::Event(cek::Event {
                    name: "AudioPlayer.PlayStarted".into(),
                    token: Some("t-1".into()),
                    offset_ms: Some(0)
                }),
            ]
        );
        let err = |text: &str| format!("{:#}", parse_scenario("s.toml", text).unwrap_err());
        assert!(
            err("[[turn]]\nutterance = \"a\"\nevent = \"ClovaSkill.SkillEnabled\"\n")
                .contains("turn 1: has both `utterance` and `event`")
        );
        assert!(err("[[turn]]\nspeech = \"a\"\n").contains("turn 1: has neither"));
        assert!(
            err("[[turn]]\nutterance = \"a\"\n[[turn]]\nutterance = \"b\"\ntoken = \"t\"\n")
                .contains("turn 2: `token` and `offset_ms` belong to an `event` turn")
        );
        assert!(
            err("[[turn]]\nevent = \"AudioPlayer.PlayStarted\"\nintent = \"X\"\n")
                .contains("`intent` belongs to an utterance")
        );
        assert!(
            err("[[turn]]\nevent = \"AudioPlayer.PlayStart\"\n")
                .contains("turn 1: `AudioPlayer.PlayStart` is not an event cekops can send")
        );
    }

    fn said(kind: RequestKind, utterance: Option<&str>, text: &str, end: bool) -> Exchange {
        let response = json!({
            "version": "0.1.0",
            "sessionAttributes": {},
            "response": {
                "outputSpeech": {
                    "type": "SimpleSpeech",
                    "values": { "type": "PlainText", "lang": "ko", "value": text }
                },
                "card": {},
                "directives": [],
                "shouldEndSession": end
            }
        });
        Exchange {
            kind,
            session_id: "s".into(),
            utterance: utterance.map(Into::into),
            analysis: None,
            event: None,
            request: json!({}),
            status: 200,
            checked: cek::check_response(&response),
            response,
        }
    }

    #[test]
    fn scenario_expectations_are_checked_turn_by_turn() {
        let sc = parse_scenario(
            "s.toml",
            "[launch]\nspeech = \"어서 오세요\"\n\
             [[turn]]\nutterance = \"피자\"\nspeech = \"몇 판\"\nend_session = false\n\
             [[turn]]\nutterance = \"두 판\"\n\
             [[turn]]\nutterance = \"콜라\"\n",
        )
        .unwrap();
        let exchanges = vec![
            said(RequestKind::LaunchRequest, None, "어서 오세요!", false),
            said(RequestKind::IntentRequest, Some("피자"), "주문 끝", true),
        ];
        let summary = Summary {
            exchanges: 2,
            invalid: 0,
            unsent: vec!["두 판".into(), "콜라".into()],
        };
        assert_eq!(
            scenario_failures(&sc, &exchanges, &summary),
            [
                "turn 1 \"피자\": expected speech containing \"몇 판\", got \"주문 끝\"",
                "turn 1 \"피자\": expected shouldEndSession false, got true",
                "turn 2 \"두 판\": not sent, the extension had ended the session",
                "turn 3 \"콜라\": not sent, the extension had ended the session",
            ]
        );
        let run = Run {
            exchanges,
            summary,
            failures: Some(scenario_failures(&sc, &[], &Summary::default())),
        };
        assert!(!run.passed());
        assert!(!run.verdict().unwrap());
    }

    #[test]
    fn event_turns_are_matched_in_order_and_sent_after_the_end() {
        let sc = parse_scenario(
            "s.toml",
            "[[turn]]\nutterance = \"노래\"\nend_session = true\n\
             [[turn]]\nutterance = \"다음\"\n\
             [[turn]]\nevent = \"AudioPlayer.PlayStarted\"\n\
             [[turn]]\nevent = \"AudioPlayer.PlayFinished\"\nspeech = \"끝\"\n",
        )
        .unwrap();
        let event = |name: &str, body: bool| {
            let mut x = said(RequestKind::EventRequest, None, "", false);
            x.event = Some(cek::Event {
                name: name.into(),
                token: None,
                offset_ms: None,
            });
            if !body {
                x.response = Value::Null;
                x.checked = Checked::default();
            }
            x
        };
        let exchanges = vec![
            said(
                RequestKind::IntentRequest,
                Some("노래"),
                "틀어 드릴게요",
                true,
            ),
            event("AudioPlayer.PlayStarted", false),
            event("AudioPlayer.PlayFinished", false),
        ];
        let summary = Summary {
            exchanges: 3,
            invalid: 0,
            unsent: vec!["다음".into()],
        };
        assert_eq!(
            scenario_failures(&sc, &exchanges, &summary),
            [
                "turn 2 \"다음\": not sent, the extension had ended the session",
                "turn 4 event AudioPlayer.PlayFinished: expected a response, the server answered an empty body",
            ]
        );
        // recorded back: the same turns, events without expectations when answered empty
        let rec = recorded_scenario(&exchanges).unwrap();
        assert!(rec.one_shot);
        assert_eq!(rec.turns.len(), 3);
        assert_eq!(
            rec.turns[1].event.as_deref(),
            Some("AudioPlayer.PlayStarted")
        );
        assert_eq!(rec.turns[1].speech, None);
        assert_eq!(rec.turns[1].end_session, None);
    }

    #[test]
    fn interactive_lines() {
        assert_eq!(parse_line("  ").unwrap(), None);
        assert_eq!(
            parse_line("도움말").unwrap(),
            Some(Step::Say("도움말".into()))
        );
        assert_eq!(
            parse_line("/event AudioPlayer.PlayFinished TR-1 184000").unwrap(),
            Some(Step::Event(cek::Event {
                name: "AudioPlayer.PlayFinished".into(),
                token: Some("TR-1".into()),
                offset_ms: Some(184000)
            }))
        );
        assert_eq!(
            parse_line("/event ClovaSkill.SkillEnabled").unwrap(),
            Some(Step::Event(cek::Event {
                name: "ClovaSkill.SkillEnabled".into(),
                token: None,
                offset_ms: None
            }))
        );
        for bad in [
            "/help",
            "/event",
            "/event AudioPlayer.PlayFinish",
            "/event AudioPlayer.PlayFinished t soon",
            "/event AudioPlayer.PlayFinished t 1 2",
        ] {
            assert!(parse_line(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn verdicts() {
        let ok = Run::default();
        assert!(ok.passed());
        assert!(ok.verdict().unwrap());
        let scenario_ok = Run {
            failures: Some(Vec::new()),
            ..Run::default()
        };
        assert!(scenario_ok.verdict().unwrap());
        // Without a scenario, utterances left unsent are an error; a scenario reports them as
        // failed expectations instead.
        let mut unsent = Run::default();
        unsent.summary.unsent.push("a".into());
        assert!(unsent.verdict().is_err());
        unsent.failures = Some(vec!["turn 1 \"a\": not sent".into()]);
        assert!(!unsent.verdict().unwrap());
        let mut invalid = Run::default();
        invalid.summary.invalid = 1;
        assert!(!invalid.passed());
        assert!(invalid.verdict().is_err());
    }
}
