//! `cekops simulate` against a real HTTP extension server started on 127.0.0.1 inside the test:
//! the exact requests it received and what cekops printed.

use std::io::BufRead;
use std::io::BufReader;
use std::io::Read;
use std::io::Write;
use std::net::TcpListener;
use std::net::TcpStream;
use std::process::Command;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::Mutex;

use serde_json::Value;
use serde_json::json;

use crate::common::Out;
use crate::common::TestEnv;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

const ID: &str = "com.example.pizzabot";

/// One request the server received.
#[derive(Clone, Debug)]
struct Received {
    method: String,
    path: String,
    /// Header names in lower case, in the order received.
    headers: Vec<(String, String)>,
    body: Value,
    /// The body bytes exactly as received (what `SignatureCEK` signs).
    raw: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the handler answers: status, body.
struct Reply(u16, String);

type Handler = dyn Fn(&Received, usize) -> Reply + Send + Sync;

/// An HTTP/1.1 server on 127.0.0.1 (keep-alive aware) that records every request.
struct Server {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Server {
    fn start(handler: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/cek", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let rec = received.clone();
        let handler: Arc<Handler> = Arc::new(handler);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let rec = rec.clone();
                let handler = handler.clone();
                std::thread::spawn(move || serve(stream, &rec, &*handler));
            }
        });
        Server { url, received }
    }

    /// Every request received, each checked against CEK's request message format
    /// ([`cek_request_problems`]).
    fn requests(&self) -> Vec<Received> {
        let all = self.received.lock().unwrap().clone();
        for r in &all {
            let problems = cek_request_problems(&r.body);
            assert!(
                problems.is_empty(),
                "a request breaks CEK's message format:\n  {}\n{}",
                problems.join("\n  "),
                serde_json::to_string_pretty(&r.body).unwrap()
            );
        }
        all
    }

    fn bodies(&self) -> Vec<Value> {
        self.requests().into_iter().map(|r| r.body).collect()
    }
}

fn serve(stream: TcpStream, rec: &Mutex<Vec<Received>>, handler: &Handler) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut headers = Vec::new();
        let mut length = 0;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (k, v) = h.split_once(':').unwrap();
            let k = k.trim().to_ascii_lowercase();
            if k == "content-length" {
                length = v.trim().parse().unwrap();
            }
            headers.push((k, v.trim().to_string()));
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let r = Received {
            method,
            path,
            headers,
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            raw: body,
        };
        let n = {
            let mut all = rec.lock().unwrap();
            all.push(r.clone());
            all.len() - 1
        };
        let Reply(status, text) = handler(&r, n);
        let head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\n\r\n",
            text.len()
        );
        if stream.write_all(head.as_bytes()).is_err() || stream.write_all(text.as_bytes()).is_err()
        {
            return;
        }
    }
}

/// The keys of an object, or a problem.
fn keys_of<'v>(
    v: &'v Value,
    path: &str,
    required: &[&str],
    optional: &[&str],
    problems: &mut Vec<String>,
) -> Option<&'v serde_json::Map<String, Value>> {
    let Some(o) = v.as_object() else {
        problems.push(format!("`{path}` must be an object, not {v}"));
        return None;
    };
    for k in required {
        if !o.contains_key(*k) {
            problems.push(format!("`{path}.{k}` is missing"));
        }
    }
    for k in o.keys() {
        if !required.contains(&k.as_str()) && !optional.contains(&k.as_str()) {
            problems.push(format!("`{path}.{k}` is not a field of the message"));
        }
    }
    Some(o)
}

fn string_at(v: &Value, path: &str, problems: &mut Vec<String>) -> String {
    match v.as_str() {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => {
            problems.push(format!("`{path}` must be a non-empty string, not {v}"));
            String::new()
        }
    }
}

/// A user object (`session.user`, `context.System.user`): `userId`, `accessToken` only when
/// linked.
fn check_user(v: &Value, path: &str, problems: &mut Vec<String>) {
    if let Some(o) = keys_of(v, path, &["userId"], &["accessToken"], problems) {
        string_at(&o["userId"], &format!("{path}.userId"), problems);
        if let Some(t) = o.get("accessToken") {
            string_at(t, &format!("{path}.accessToken"), problems);
        }
    }
}

/// What is wrong with `body` as a CEK request message, field by field: the request message of
/// the CEK guides (KR `en-KR/Develop/References/Custom_Extension_Message.md`, JP
/// `ja-JP/CEK/References/Custom_Extension_Message.md`; spec §4.3) with the fields real requests
/// also carry in `request` (`requestId`, `timestamp`, `locale`, `extensionId`, the empty `intent`
/// / `event`, `reason`; see `cek::request`). Every field must be one of these, of its type and
/// values.
fn cek_request_problems(body: &Value) -> Vec<String> {
    let mut p = Vec::new();
    let Some(root) = keys_of(
        body,
        "(body)",
        &["version", "session", "context", "request"],
        &[],
        &mut p,
    ) else {
        return p;
    };
    // session
    let mut new = None;
    if let Some(session) = keys_of(
        &root["session"],
        "session",
        &["new", "sessionAttributes", "sessionId", "user"],
        &[],
        &mut p,
    ) {
        new = session["new"].as_bool();
        if new.is_none() {
            p.push("`session.new` must be a boolean".into());
        }
        if !session["sessionAttributes"].is_object() {
            p.push("`session.sessionAttributes` must be an object".into());
        }
        let id = string_at(&session["sessionId"], "session.sessionId", &mut p);
        if id.len() != 36 {
            p.push(format!("`session.sessionId` is not a UUID: {id}"));
        }
        check_user(&session["user"], "session.user", &mut p);
    }
    // context
    let mut application = String::new();
    if let Some(context) = keys_of(
        &root["context"],
        "context",
        &["System"],
        &["AudioPlayer"],
        &mut p,
    ) {
        if let Some(system) = keys_of(
            &context["System"],
            "context.System",
            &["application", "device", "user"],
            &[],
            &mut p,
        ) {
            if let Some(app) = keys_of(
                &system["application"],
                "context.System.application",
                &["applicationId"],
                &[],
                &mut p,
            ) {
                application = string_at(
                    &app["applicationId"],
                    "context.System.application.applicationId",
                    &mut p,
                );
            }
            if let Some(device) = keys_of(
                &system["device"],
                "context.System.device",
                &["deviceId", "display"],
                &[],
                &mut p,
            ) {
                string_at(
                    &device["deviceId"],
                    "context.System.device.deviceId",
                    &mut p,
                );
                if let Some(display) = keys_of(
                    &device["display"],
                    "context.System.device.display",
                    &["size"],
                    &["orientation", "dpi", "contentLayer"],
                    &mut p,
                ) {
                    let size = display["size"].as_str().unwrap_or_default();
                    if !["none", "s100", "m100", "l100", "xl100", "custom"].contains(&size) {
                        p.push(format!(
                            "`context.System.device.display.size` is {}",
                            display["size"]
                        ));
                    }
                    if size == "none" && display.len() > 1 {
                        p.push(
                            "`context.System.device.display` has more than `size` for \"none\""
                                .into(),
                        );
                    }
                }
            }
            check_user(&system["user"], "context.System.user", &mut p);
            if system["user"].get("accessToken") != root["session"]["user"].get("accessToken") {
                p.push("`accessToken` differs between session.user and context.System.user".into());
            }
        }
        if let Some(audio) = context.get("AudioPlayer")
            && let Some(a) = keys_of(
                audio,
                "context.AudioPlayer",
                &["playerActivity"],
                &["offsetInMilliseconds", "stream", "totalInMilliseconds"],
                &mut p,
            )
        {
            if !["IDLE", "PLAYING", "PAUSED", "STOPPED"]
                .contains(&a["playerActivity"].as_str().unwrap_or_default())
            {
                p.push(format!(
                    "`context.AudioPlayer.playerActivity` is {}",
                    a["playerActivity"]
                ));
            }
            for k in ["offsetInMilliseconds", "totalInMilliseconds"] {
                if a.get(k).is_some_and(|v| !v.is_u64()) {
                    p.push(format!("`context.AudioPlayer.{k}` must be a number"));
                }
            }
            if a.get("stream").is_some_and(|s| !s["token"].is_string()) {
                p.push("`context.AudioPlayer.stream.token` must be a string".into());
            }
        }
    }
    // request
    let Some(req) = keys_of(
        &root["request"],
        "request",
        &[
            "type",
            "requestId",
            "timestamp",
            "locale",
            "extensionId",
            "intent",
            "event",
        ],
        &["reason"],
        &mut p,
    ) else {
        return p;
    };
    let kind = req["type"].as_str().unwrap_or_default();
    if ![
        "LaunchRequest",
        "IntentRequest",
        "SessionEndedRequest",
        "EventRequest",
    ]
    .contains(&kind)
    {
        p.push(format!("`request.type` is {}", req["type"]));
    }
    let rid = string_at(&req["requestId"], "request.requestId", &mut p);
    if rid.len() != 36 || rid.matches('-').count() != 4 {
        p.push(format!("`request.requestId` is not a UUID: {rid}"));
    }
    // YYYY-MM-DDThh:mm:ssZ
    let ts = string_at(&req["timestamp"], "request.timestamp", &mut p);
    let shape: String = ts
        .chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect();
    if shape != "9999-99-99T99:99:99Z" {
        p.push(format!(
            "`request.timestamp` is not YYYY-MM-DDThh:mm:ssZ: {ts}"
        ));
    }
    let locale = req["locale"].as_str().unwrap_or_default();
    let version = match locale {
        "ko-KR" => "0.1.0",
        "ja-JP" => "1.0",
        other => {
            p.push(format!("`request.locale` is {other:?}"));
            ""
        }
    };
    if root["version"] != version {
        p.push(format!(
            "`version` is {} for {locale}; the guide shows {version:?}",
            root["version"]
        ));
    }
    if req["extensionId"] != application.as_str() {
        p.push(
            "`request.extensionId` differs from context.System.application.applicationId".into(),
        );
    }
    match (kind, req.get("reason")) {
        ("SessionEndedRequest", Some(r)) if r == "USER_INITIATED" => {}
        ("SessionEndedRequest", r) => p.push(format!("`request.reason` is {r:?}")),
        (_, Some(_)) => p.push(format!("`request.reason` in a {kind}")),
        _ => {}
    }
    if kind == "LaunchRequest" && new != Some(true) {
        p.push("a LaunchRequest opens a session: `session.new` must be true".into());
    }
    if kind == "EventRequest" && new != Some(false) {
        p.push("an EventRequest has `session.new` false".into());
    }
    // intent: the analysed intent, or empty
    if kind == "IntentRequest" {
        if let Some(intent) = keys_of(
            &req["intent"],
            "request.intent",
            &["name", "slots"],
            &[],
            &mut p,
        ) {
            string_at(&intent["name"], "request.intent.name", &mut p);
            match &intent["slots"] {
                Value::Null => {}
                Value::Object(slots) if !slots.is_empty() => {
                    for (name, slot) in slots {
                        let path = format!("request.intent.slots.{name}");
                        if let Some(o) = keys_of(
                            slot,
                            &path,
                            &["name", "value"],
                            &["unit", "valueType"],
                            &mut p,
                        ) {
                            if o["name"] != name.as_str() {
                                p.push(format!("`{path}.name` is not {name:?}"));
                            }
                            string_at(&o["value"], &format!("{path}.value"), &mut p);
                            if o.contains_key("unit") && o.contains_key("valueType") {
                                p.push(format!("`{path}` has both `unit` and `valueType`"));
                            }
                        }
                    }
                }
                other => p.push(format!(
                    "`request.intent.slots` must be null or slots, not {other}"
                )),
            }
        }
    } else if req["intent"] != json!({ "intent": "", "name": "", "slots": null }) {
        p.push(format!("`request.intent` of a {kind} is {}", req["intent"]));
    }
    // event: the client's event, or empty
    if kind == "EventRequest" {
        if let Some(event) = keys_of(
            &req["event"],
            "request.event",
            &["namespace", "name", "payload"],
            &[],
            &mut p,
        ) {
            let full = format!(
                "{}.{}",
                event["namespace"].as_str().unwrap_or_default(),
                event["name"].as_str().unwrap_or_default()
            );
            let payload = &event["payload"];
            let ok = match event["namespace"].as_str().unwrap_or_default() {
                "AudioPlayer" => {
                    payload["token"].is_string()
                        && payload["offsetInMilliseconds"].is_u64()
                        && payload.as_object().is_some_and(|o| o.len() == 2)
                        && root["context"]["AudioPlayer"].is_object()
                }
                "SpeechSynthesizer" => payload["token"].is_string(),
                "ClovaSkill" => {
                    matches!(
                        event["name"].as_str(),
                        Some("SkillEnabled" | "SkillDisabled")
                    ) && payload.is_null()
                }
                _ => false,
            };
            if !ok {
                p.push(format!("`request.event` {full} has the payload {payload}"));
            }
        }
    } else if req["event"] != json!({ "namespace": "", "name": "", "payload": null }) {
        p.push(format!("`request.event` of a {kind} is {}", req["event"]));
    }
    p
}

#[test]
fn the_request_format_check_catches_what_cek_would_not_send() {
    // (the check guards every other test here: it must fail on what differs from the guide)
    let good = json!({
        "version": "1.0",
        "session": { "new": true, "sessionAttributes": {}, "sessionId": "687dcc69-0744-41da-aa4e-a1e6fc9dec0c", "user": { "userId": "u" } },
        "context": { "System": {
            "application": { "applicationId": "a.b" },
            "device": { "deviceId": "d", "display": { "size": "none" } },
            "user": { "userId": "u" }
        } },
        "request": {
            "type": "LaunchRequest", "requestId": "f8dcb59c-8493-4b11-a5fd-7102180f19a9",
            "timestamp": "2018-04-23T09:11:49Z", "locale": "ja-JP", "extensionId": "a.b",
            "intent": { "intent": "", "name": "", "slots": null },
            "event": { "namespace": "", "name": "", "payload": null }
        }
    });
    assert_eq!(cek_request_problems(&good), Vec::<String>::new());
    let broken = |pointer: &str, v: Value| {
        let mut b = good.clone();
        *b.pointer_mut(pointer).unwrap() = v;
        cek_request_problems(&b)
    };
    assert!(!broken("/version", json!("0.1.0")).is_empty());
    assert!(!broken("/session/new", json!(false)).is_empty());
    assert!(!broken("/request/timestamp", json!("2018-04-23T09:11:49.123Z")).is_empty());
    assert!(!broken("/request/locale", json!("en-US")).is_empty());
    assert!(!broken("/request/extensionId", json!("x.y")).is_empty());
    assert!(!broken("/request/intent", json!({ "name": "X", "slots": {} })).is_empty());
    assert!(
        !broken(
            "/session/user",
            json!({ "userId": "u", "accessToken": "t" })
        )
        .is_empty()
    );
    assert!(
        !broken(
            "/context/System/device/display",
            json!({ "size": "none", "dpi": 96 })
        )
        .is_empty()
    );
    assert!(!broken("/request/type", json!("IntentRequest")).is_empty());
}

/// A valid response saying `text`, keeping `attrs`.
fn say(text: &str, attrs: Value, end: bool) -> Reply {
    Reply(
        200,
        json!({
            "version": "0.1.0",
            "sessionAttributes": attrs,
            "response": {
                "outputSpeech": {
                    "type": "SimpleSpeech",
                    "values": { "type": "PlainText", "lang": "ko", "value": text }
                },
                "card": {},
                "directives": [],
                "shouldEndSession": end
            }
        })
        .to_string(),
    )
}

/// The pizza server: greets, counts turns in `sessionAttributes`, ends after an order.
fn pizza_server() -> Server {
    Server::start(|r, _| {
        let kind = r.body["request"]["type"].as_str().unwrap_or_default();
        let turns = r.body["session"]["sessionAttributes"]["turns"]
            .as_i64()
            .unwrap_or(0);
        let attrs = json!({ "turns": turns + 1 });
        match kind {
            "LaunchRequest" => say("피자봇입니다. 무엇을 주문할까요?", attrs, false),
            "IntentRequest" => {
                let intent = &r.body["request"]["intent"];
                match intent["name"].as_str().unwrap_or_default() {
                    "OrderPizza" => say(
                        &format!(
                            "{} 피자를 주문했습니다.",
                            intent["slots"]["pizzaType"]["value"]
                                .as_str()
                                .unwrap_or("?")
                        ),
                        attrs,
                        true,
                    ),
                    other => say(&format!("{other} 요청입니다."), attrs, false),
                }
            }
            _ => Reply(200, String::new()),
        }
    })
}

fn pizzabot() -> TestEnv {
    let env = TestEnv::new();
    env.copy_from_project("tests/fixtures/pizzabot");
    env
}

/// Run cekops with `stdin` as its standard input.
fn cekops_stdin(env: &TestEnv, args: &[&str], stdin: &str) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cekops"));
    env.apply(&mut cmd);
    cmd.current_dir(&env.root)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn system() -> Value {
    json!({
        "application": { "applicationId": ID },
        "device": { "deviceId": "cekops-test-device", "display": { "size": "none" } },
        "user": { "userId": "cekops-test-user" }
    })
}

#[test]
fn simulate_sends_cek_requests_and_prints_the_speech() {
    let env = pizzabot();
    let server = pizza_server();
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "도움말",
        "페파로니 피자 두 판 주문해줘",
    ]);
    out.code(0);
    assert_eq!(
        out.stdout,
        "> LaunchRequest
< 피자봇입니다. 무엇을 주문할까요?
> 도움말
  IntentRequest Clova.GuideIntent
< Clova.GuideIntent 요청입니다.
> 페파로니 피자 두 판 주문해줘
  IntentRequest OrderPizza pizzaType=\"페퍼로니\" pizzaAmount=\"2\" unit \"판\"
< 페퍼로니 피자를 주문했습니다.
  (the extension ended the session)
"
    );
    let reqs = server.requests();
    // the extension ended the session: no SessionEndedRequest
    assert_eq!(reqs.len(), 3);
    for r in &reqs {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/cek");
        assert_eq!(
            r.header("content-type"),
            Some("application/json;charset-UTF-8")
        );
        assert_eq!(r.header("accept"), Some("application/json"));
        assert_eq!(r.header("accept-charset"), Some("utf-8"));
        // no key: the fixed marker, valid base64 of `cekops-unsigned-test-request`
        assert_eq!(
            r.header("signaturecek"),
            Some("Y2Vrb3BzLXVuc2lnbmVkLXRlc3QtcmVxdWVzdA==")
        );
    }
    let session = reqs[0].body["session"]["sessionId"].clone();
    assert!(
        reqs.iter()
            .all(|r| r.body["session"]["sessionId"] == session)
    );
    let ids: std::collections::BTreeSet<&str> = reqs
        .iter()
        .map(|r| r.body["request"]["requestId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "each request has its own requestId");
    let user = json!({ "userId": "cekops-test-user" });
    let bodies: Vec<Value> = server.bodies().into_iter().map(stable).collect();
    assert_eq!(
        bodies,
        vec![
            json!({
                "version": "0.1.0",
                "session": { "new": true, "sessionAttributes": {}, "sessionId": "<session>", "user": user },
                "context": { "System": system() },
                "request": plain_request("LaunchRequest")
            }),
            json!({
                "version": "0.1.0",
                "session": { "new": false, "sessionAttributes": { "turns": 1 }, "sessionId": "<session>", "user": user },
                "context": { "System": system() },
                // an intent without slots: `slots: null`, as CEK sends it
                "request": intent_request(json!({ "name": "Clova.GuideIntent", "slots": null }))
            }),
            json!({
                "version": "0.1.0",
                "session": { "new": false, "sessionAttributes": { "turns": 2 }, "sessionId": "<session>", "user": user },
                "context": { "System": system() },
                "request": intent_request(json!({
                    "name": "OrderPizza",
                    "slots": {
                        "pizzaType": { "name": "pizzaType", "value": "페퍼로니" },
                        "pizzaAmount": { "name": "pizzaAmount", "value": "2", "unit": "판" }
                    }
                }))
            }),
        ]
    );
}

#[test]
fn simulate_ends_an_open_session_and_one_shot_opens_with_the_intent() {
    let env = pizzabot();
    let server = pizza_server();
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--one-shot",
        "--header",
        "SignatureCEK: test-signature-not-real",
        "--user-id",
        "u1",
        "--access-token",
        "tok",
        "--now",
        "2026-01-01T10:00",
        "내일 저녁 7시에 배달해줘",
    ]);
    out.code(0);
    assert_eq!(
        out.stdout,
        "> 내일 저녁 7시에 배달해줘
  IntentRequest Deliver when=\"2026-01-02T19:00:00+09:00\" (DATETIME)
< Deliver 요청입니다.
> SessionEndedRequest
"
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[0].header("signaturecek"),
        Some("test-signature-not-real")
    );
    let b = &reqs[0].body;
    assert_eq!(b["session"]["new"], true);
    assert_eq!(
        b["session"]["user"],
        json!({ "userId": "u1", "accessToken": "tok" })
    );
    assert_eq!(
        b["context"]["System"]["user"],
        json!({ "userId": "u1", "accessToken": "tok" })
    );
    assert_eq!(
        b["request"]["intent"]["slots"]["when"],
        json!({ "name": "when", "value": "2026-01-02T19:00:00+09:00", "valueType": "DATETIME" })
    );
    assert_eq!(
        stable(reqs[1].body.clone())["request"],
        plain_request("SessionEndedRequest")
    );
    assert_eq!(reqs[1].body["session"]["new"], false);
    assert_eq!(
        reqs[1].body["session"]["sessionAttributes"],
        json!({ "turns": 1 })
    );
    assert_eq!(
        reqs[1].body["session"]["sessionId"],
        reqs[0].body["session"]["sessionId"]
    );
}

#[test]
fn simulate_interactive_reads_stdin_and_opens_a_new_session_after_the_end() {
    let env = pizzabot();
    let server = pizza_server();
    let out = cekops_stdin(
        &env,
        &["simulate", ID, "--endpoint", &server.url],
        "페퍼로니 피자 주문해줘\n\n도움말\n",
    );
    out.code(0);
    assert_eq!(
        out.stdout,
        "> LaunchRequest
< 피자봇입니다. 무엇을 주문할까요?
> 페퍼로니 피자 주문해줘
  IntentRequest OrderPizza pizzaType=\"페퍼로니\"
< 페퍼로니 피자를 주문했습니다.
  (the extension ended the session)
> LaunchRequest
< 피자봇입니다. 무엇을 주문할까요?
> 도움말
  IntentRequest Clova.GuideIntent
< Clova.GuideIntent 요청입니다.
> SessionEndedRequest
"
    );
    let bodies = server.bodies();
    let kinds: Vec<&str> = bodies
        .iter()
        .map(|b| b["request"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "LaunchRequest",
            "IntentRequest",
            "LaunchRequest",
            "IntentRequest",
            "SessionEndedRequest"
        ]
    );
    let news: Vec<bool> = bodies
        .iter()
        .map(|b| b["session"]["new"].as_bool().unwrap())
        .collect();
    assert_eq!(news, [true, false, true, false, false]);
    assert_ne!(
        bodies[0]["session"]["sessionId"],
        bodies[2]["session"]["sessionId"]
    );
    assert_eq!(bodies[2]["session"]["sessionAttributes"], json!({}));
    assert_eq!(
        bodies[4]["session"]["sessionId"],
        bodies[2]["session"]["sessionId"]
    );
}

#[test]
fn simulate_refuses_to_send_past_the_end_of_a_session() {
    let env = pizzabot();
    let server = pizza_server();
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "페퍼로니 피자 주문해줘",
        "도움말",
    ]);
    out.code(1)
        .contains("error: the extension ended the session; 1 utterance(s) not sent: \"도움말\"");
    assert_eq!(server.requests().len(), 2);
}

const SCENARIO: &str = r#"[launch]
speech = "피자봇입니다"
end_session = false

[[turn]]
utterance = "도움말"
intent = "Clova.GuideIntent"
speech = "요청입니다"

[[turn]]
utterance = "불고기 피자 주문해줘"
intent = "OrderPizza"
speech = "불고기 피자를 주문"
end_session = true
"#;

/// [`SCENARIO`] made to fail: the launch should end the session, turn 2 expects another
/// pizza, and a third turn comes after the session has ended.
fn failing_scenario() -> String {
    SCENARIO
        .replace("불고기 피자를 주문", "치즈 피자를 주문")
        .replace("end_session = false", "end_session = true")
        + "\n[[turn]]\nutterance = \"응\"\n"
}

#[test]
fn simulate_scenario_passes_and_fails() {
    let env = pizzabot();
    let server = pizza_server();
    env.write("scenario.toml", SCENARIO);
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--scenario",
        "scenario.toml",
    ]);
    out.code(0).contains("\nscenario scenario.toml: ok\n");
    env.write("scenario.toml", failing_scenario());
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--scenario",
        "scenario.toml",
        "--format",
        "json",
    ]);
    out.code(1);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v["scenario"],
        json!({
            "file": "scenario.toml",
            "passed": false,
            "failures": [
                "launch: expected shouldEndSession true, got false",
                "turn 2 \"불고기 피자 주문해줘\": expected speech containing \"치즈 피자를 주문\", got \"불고기 피자를 주문했습니다.\"",
                "turn 3 \"응\": not sent, the extension had ended the session"
            ]
        })
    );
    assert_eq!(
        v["summary"],
        json!({ "exchanges": 3, "invalid": 0, "unsent": ["응"] })
    );
    assert_eq!(v["exchanges"][2]["analysis"]["slots"][0]["value"], "불고기");
    assert_eq!(v["exchanges"][2]["checked"]["should_end_session"], true);
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--scenario",
        "nope.toml",
    ]);
    out.code(2).contains("cannot read scenario `nope.toml`");
}

#[test]
fn simulate_reports_invalid_responses() {
    let env = pizzabot();
    let server = Server::start(|_, _| {
        Reply(
            200,
            json!({
                "version": "0.1.0",
                "response": {
                    "outputSpeech": { "type": "SimpleSpeech", "values": { "type": "PlainText", "lang": "kr", "value": "안녕" } },
                    "directives": {}
                }
            })
            .to_string(),
        )
    });
    let out = env.cekops(&["simulate", ID, "--endpoint", &server.url, "도움말"]);
    out.code(1);
    assert_eq!(
        out.stdout,
        "> LaunchRequest
< 안녕
  error: the response breaks the CEK message format:
    - `sessionAttributes` is missing
    - `response.outputSpeech.values.lang` is \"kr\"; PlainText speech must be \"ko\", \"ja\" or \"en\"
    - `response.card` is missing
    - `response.directives` must be an array, not an object
    - `response.shouldEndSession` is missing
"
    );
    assert_eq!(
        out.stderr,
        "error: the extension's response breaks the CEK message format\n"
    );
    // nothing is sent after an invalid response
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn simulate_http_errors_non_json_refused_and_timeouts_are_clear_errors() {
    let env = pizzabot();
    let server = Server::start(|_, _| Reply(500, "{\"error\":\"boom\"}".into()));
    let out = env.cekops(&["simulate", ID, "--endpoint", &server.url, "도움말"]);
    out.code(1);
    assert_eq!(
        out.stderr,
        format!(
            "error: the extension server answered HTTP 500 Internal Server Error to {}\n\nhint: response body: {{\"error\":\"boom\"}}\n",
            server.url
        )
    );
    assert_eq!(out.stdout, "");

    let server = Server::start(|_, _| Reply(200, "<html>hello</html>".into()));
    let out = env.cekops(&["simulate", ID, "--endpoint", &server.url, "도움말"]);
    out.code(1)
        .contains(
            "error: the extension server's response is not JSON: expected value at line 1 column 1",
        )
        .contains("hint: response body: <html>hello</html>");

    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/cek");
    let out = env.cekops(&["simulate", ID, "--endpoint", &url, "도움말"]);
    out.code(1)
        .contains(&format!(
            "error: cannot connect to {url}: connection refused"
        ))
        .contains("hint: is the extension server running");

    // a server that never answers
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cek", silent.local_addr().unwrap());
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &url,
        "--timeout",
        "0.3",
        "도움말",
    ]);
    out.code(1)
        .contains(&format!("error: no answer from {url} within 0.3 s"))
        .contains("--timeout");
    drop(silent);

    env.cekops(&["simulate", ID, "--endpoint", "ftp://x/cek", "도움말"])
        .code(2)
        .contains("`ftp://x/cek` is not an http(s) URL");
    env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--header",
        "nocolon",
        "x",
    ])
    .code(2)
    .contains("`nocolon` is not a header");
}

#[test]
fn simulate_uses_the_endpoint_of_server_toml() {
    let env = pizzabot();
    let server = pizza_server();
    env.write(
        "extensions/com.example.pizzabot/server.toml",
        format!("endpoint = \"{}\"\n", server.url),
    );
    let out = env.cekops(&["simulate", ID, "--format", "json", "페퍼로니 피자 주문해줘"]);
    out.code(0);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["endpoint"], server.url);
    assert_eq!(v["exchanges"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["exchanges"][1]["checked"]["speech"],
        json!([{ "type": "PlainText", "lang": "ko", "value": "페퍼로니 피자를 주문했습니다." }])
    );
    // (port 80 on plain HTTP is what validate demands; the test server's port is reported)
    out.contains("validation error");
}

#[test]
fn simulate_output() {
    let env = pizzabot();
    let server = pizza_server();
    let mut t = Transcript::new(&env);
    t.note("a conversation");
    t.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "도움말",
        "페파로니 피자 두 판 주문해줘",
    ])
    .code(0);
    t.note("a scenario that passes, then one that fails");
    env.write("scenario.toml", SCENARIO);
    let scenario = [
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--scenario",
        "scenario.toml",
    ];
    t.cekops(&scenario).code(0);
    env.write("scenario.toml", failing_scenario());
    t.cekops(&scenario).code(1);
    t.note("a scenario with events: the player reports on the stream after the session ended");
    let music = music_server();
    env.write("music.toml", MUSIC);
    t.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &music.url,
        "--scenario",
        "music.toml",
    ])
    .code(0);
    t.note("a scenario file with a bad turn");
    env.write(
        "bad.toml",
        "[[turn]]\nutterance = \"도움말\"\nevent = \"AudioPlayer.PlayStarted\"\n",
    );
    t.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &music.url,
        "--scenario",
        "bad.toml",
    ])
    .code(2);
    t.note("the server fails");
    let failing = Server::start(|_, _| Reply(500, "{\"error\":\"boom\"}".into()));
    t.cekops(&["simulate", ID, "--endpoint", &failing.url, "도움말"])
        .code(1);
    snapshot!(&env, "simulate", t.text());
}

#[test]
fn test_readme_simulate_example_runs_as_shown() {
    // The README's `cekops simulate` session, against a server that answers what the README
    // shows (the `< ` lines, the last one ending the session) on 127.0.0.1.
    let readme = crate::readme::project_file("README.md");
    let (_, block) = crate::readme::code_blocks(&readme)
        .into_iter()
        .find(|(info, body)| {
            *info == "console"
                && body
                    .first()
                    .is_some_and(|l| l.starts_with("$ cekops simulate "))
        })
        .expect("README shows a `cekops simulate` session");
    let replies: Vec<String> = block
        .iter()
        .filter_map(|l| l.strip_prefix("< "))
        .map(str::to_string)
        .collect();
    let n = replies.len();
    assert!(n >= 2, "{block:?}");
    let server = Server::start(move |_, i| say(&replies[i.min(n - 1)], json!({}), i + 1 >= n));
    let command = block[0]
        .strip_prefix("$ cekops ")
        .unwrap()
        .replace("http://127.0.0.1:8080/cek", &server.url);
    let args = crate::readme::words(&command);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let env = TestEnv::new();
    env.copy_from_project("example-repo");
    let out = env.cekops(&args);
    out.code(0);
    assert_eq!(
        out.stdout,
        block[1..].join("\n") + "\n",
        "README `cekops simulate` example prints something else; update README.md"
    );
    assert_eq!(server.requests().len(), n);
}

#[test]
fn simulate_hides_the_access_token_and_escapes_what_the_server_sends() {
    let env = pizzabot();
    // a hostile server: clears the screen, sets the window title, and hides text with a bidi override
    let server =
        Server::start(|_, _| say("\u{1b}[2J\u{1b}]0;owned\u{7}hi\u{202e}", json!({}), true));
    let with_token = |format: &[&str]| {
        let mut args = vec![
            "simulate",
            ID,
            "--endpoint",
            &server.url,
            "--access-token",
            "tok-SECRET-123",
            "--one-shot",
            "도움말",
        ];
        args.extend_from_slice(format);
        env.cekops(&args)
    };
    let out = with_token(&["--show-json"]);
    out.code(0);
    // the token was sent to the server...
    let sent = &server.bodies()[0];
    assert_eq!(sent["session"]["user"]["accessToken"], "tok-SECRET-123");
    assert_eq!(
        sent["context"]["System"]["user"]["accessToken"],
        "tok-SECRET-123"
    );
    // ...but never printed
    out.lacks("tok-SECRET-123")
        .contains("\"accessToken\": \"<hidden>\"");
    assert!(!out.stdout.contains('\u{1b}'), "{:?}", out.stdout);
    assert!(!out.stdout.contains('\u{7}'), "{:?}", out.stdout);
    assert!(!out.stdout.contains('\u{202e}'), "{:?}", out.stdout);
    out.contains("< \\u{1b}[2J\\u{1b}]0;owned\\u{7}hi\\u{202e}");

    let out = with_token(&["--format", "json"]);
    out.code(0).lacks("tok-SECRET-123").contains("<hidden>");
    assert!(!out.stdout.contains('\u{1b}'));

    // an error body is shown escaped too
    let server = Server::start(|_, _| Reply(500, "\u{1b}[31mboom".into()));
    let out = env.cekops(&["simulate", ID, "--endpoint", &server.url, "도움말"]);
    out.code(1).contains("response body: \\u{1b}[31mboom");
    assert!(!out.stderr.contains('\u{1b}'));
}

#[test]
fn simulate_timeout_out_of_range_is_a_usage_error_not_a_panic() {
    let env = pizzabot();
    for t in ["1e300", "inf", "NaN", "0", "86401"] {
        env.cekops(&[
            "simulate",
            ID,
            "--endpoint",
            "http://127.0.0.1:9/cek",
            "--timeout",
            t,
            "x",
        ])
        .code(2)
        .contains("--timeout must be a positive number of seconds, at most 86400");
    }
}

/// Run `openssl` with `args` in `dir`; its status and stderr.
fn openssl(openssl: &std::path::Path, dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(openssl)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout),
    )
}

/// Two RSA test key pairs made for this test in `keys/`: `test-key.pem` + `test-pub.pem` and
/// `other-key.pem` + `other-pub.pem`.
fn test_keys(tool: &std::path::Path, env: &TestEnv) -> std::path::PathBuf {
    let keys = env.root.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    for (name, public) in [
        ("test-key.pem", "test-pub.pem"),
        ("other-key.pem", "other-pub.pem"),
    ] {
        let (ok, err) = openssl(tool, &keys, &["genrsa", "-out", name, "2048"]);
        assert!(ok, "{err}");
        let (ok, err) = openssl(
            tool,
            &keys,
            &["rsa", "-in", name, "-pubout", "-out", public],
        );
        assert!(ok, "{err}");
    }
    keys
}

/// Whether `openssl dgst -sha256 -verify PUB` accepts the base64 `signature` over `body`.
fn verifies(
    tool: &std::path::Path,
    dir: &std::path::Path,
    public: &str,
    body: &[u8],
    signature: &str,
) -> bool {
    std::fs::write(dir.join("body.bin"), body).unwrap();
    std::fs::write(dir.join("sig.b64"), format!("{signature}\n")).unwrap();
    let (ok, err) = openssl(
        tool,
        dir,
        &["base64", "-d", "-A", "-in", "sig.b64", "-out", "sig.bin"],
    );
    assert!(ok, "{err}");
    let (ok, out) = openssl(
        tool,
        dir,
        &[
            "dgst",
            "-sha256",
            "-verify",
            public,
            "-signature",
            "sig.bin",
            "body.bin",
        ],
    );
    assert_eq!(ok, out.contains("Verified OK"), "{out}");
    ok
}

#[test]
fn simulate_sign_key_signs_each_body_as_cek_does() {
    let Some(tool) = crate::common::tool_or_skip(
        "simulate_sign_key_signs_each_body_as_cek_does",
        "openssl",
        "CEKOPS_TEST_OPENSSL",
        "apt-get install openssl",
    ) else {
        return;
    };
    let env = pizzabot();
    let keys = test_keys(&tool, &env);
    let server = pizza_server();
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--sign-key",
        "keys/test-key.pem",
        "도움말",
        "페파로니 피자 두 판 주문해줘",
    ]);
    out.code(0);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    let scratch = env.root.join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let test_pub = keys.join("test-pub.pem");
    let other_pub = keys.join("other-pub.pem");
    for r in &reqs {
        let sig = r.header("signaturecek").expect("a SignatureCEK header");
        // RSA-2048: 256 bytes, 344 base64 characters
        assert_eq!(sig.len(), 344, "{sig}");
        assert!(verifies(
            &tool,
            &scratch,
            test_pub.to_str().unwrap(),
            &r.raw,
            sig
        ));
        // another key's public half refuses it, and so does the matching one for a changed body
        assert!(!verifies(
            &tool,
            &scratch,
            other_pub.to_str().unwrap(),
            &r.raw,
            sig
        ));
        let mut changed = r.raw.clone();
        changed.push(b' ');
        assert!(!verifies(
            &tool,
            &scratch,
            test_pub.to_str().unwrap(),
            &changed,
            sig
        ));
    }
    // each body has its own signature
    assert_ne!(
        reqs[0].header("signaturecek"),
        reqs[1].header("signaturecek")
    );

    // a --header SignatureCEK replaces the computed value
    let server = pizza_server();
    env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--sign-key",
        "keys/test-key.pem",
        "-H",
        "SignatureCEK: bXk=",
        "--one-shot",
        "도움말",
    ])
    .code(0);
    let reqs = server.requests();
    assert!(!reqs.is_empty());
    for r in &reqs {
        let all: Vec<_> = r
            .headers
            .iter()
            .filter(|(k, _)| k == "signaturecek")
            .collect();
        assert_eq!(all.len(), 1);
        assert_eq!(r.header("signaturecek"), Some("bXk="));
    }

    // a missing key and a file that is no key are usage errors before any request
    let server = pizza_server();
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--sign-key",
        "keys/nope.pem",
        "도움말",
    ]);
    out.code(2);
    assert!(out.stderr.contains("signing key `"), "{}", out.stderr);
    assert!(
        out.stderr.contains("nope.pem` is not a file"),
        "{}",
        out.stderr
    );
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--sign-key",
        "keys/test-pub.pem",
        "도움말",
    ]);
    out.code(2);
    assert!(out.stderr.contains("cannot sign with `"), "{}", out.stderr);
    assert!(out.stderr.contains("PEM RSA private key"), "{}", out.stderr);
    assert!(server.requests().is_empty());
}

/// `body` with the values that change on every run replaced by placeholders (their format is
/// checked by [`cek_request_problems`]).
fn stable(mut body: Value) -> Value {
    body["session"]["sessionId"] = json!("<session>");
    body["request"]["requestId"] = json!("<uuid>");
    body["request"]["timestamp"] = json!("<now>");
    body
}

/// The `request` object of every request but `IntentRequest`: empty `intent` and `event`.
fn plain_request(kind: &str) -> Value {
    let mut r = json!({
        "type": kind,
        "requestId": "<uuid>",
        "timestamp": "<now>",
        "locale": "ko-KR",
        "extensionId": ID,
        "intent": { "intent": "", "name": "", "slots": null },
        "event": { "namespace": "", "name": "", "payload": null }
    });
    if kind == "SessionEndedRequest" {
        let o = r.as_object_mut().unwrap();
        let mut with_reason = serde_json::Map::new();
        for (k, v) in o.iter() {
            with_reason.insert(k.clone(), v.clone());
            if k == "locale" {
                with_reason.insert("reason".into(), json!("USER_INITIATED"));
            }
        }
        r = Value::Object(with_reason);
    }
    r
}

/// An `IntentRequest`'s `request` object.
fn intent_request(intent: Value) -> Value {
    json!({
        "type": "IntentRequest",
        "requestId": "<uuid>",
        "timestamp": "<now>",
        "locale": "ko-KR",
        "extensionId": ID,
        "intent": intent,
        "event": { "namespace": "", "name": "", "payload": null }
    })
}

/// An `EventRequest`'s `request` object.
fn event_request(event: Value) -> Value {
    json!({
        "type": "EventRequest",
        "requestId": "<uuid>",
        "timestamp": "<now>",
        "locale": "ko-KR",
        "extensionId": ID,
        "intent": { "intent": "", "name": "", "slots": null },
        "event": event
    })
}

#[test]
fn simulate_event_sends_an_event_request_with_the_audio_player_context() {
    let env = pizzabot();
    let server = Server::start(|r, _| {
        if r.body["request"]["event"]["name"] == "PlayFinished" {
            say("다음 곡입니다.", json!({}), true)
        } else {
            Reply(200, String::new())
        }
    });
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--event",
        "AudioPlayer.PlayFinished",
        "--token",
        "b9f3b8e4-1f6e-4c1d-9a55-0d7b5b3a7e21",
        "--offset-ms",
        "184000",
    ]);
    out.code(0);
    assert_eq!(
        out.stdout,
        "> EventRequest AudioPlayer.PlayFinished token \"b9f3b8e4-1f6e-4c1d-9a55-0d7b5b3a7e21\" offset 184000 ms\n< 다음 곡입니다.\n  (the extension ended the session)\n"
    );
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--event",
        "ClovaSkill.SkillDisabled",
    ]);
    out.code(0);
    assert_eq!(
        out.stdout,
        "> EventRequest ClovaSkill.SkillDisabled\n< HTTP 200 (empty body)\n"
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(
            r.header("signaturecek"),
            Some("Y2Vrb3BzLXVuc2lnbmVkLXRlc3QtcmVxdWVzdA==")
        );
    }
    let user = json!({ "userId": "cekops-test-user" });
    let bodies: Vec<Value> = server.bodies().into_iter().map(stable).collect();
    let audio = json!({ "AudioPlayer": {
        "offsetInMilliseconds": 184000,
        "playerActivity": "STOPPED",
        "stream": { "token": "b9f3b8e4-1f6e-4c1d-9a55-0d7b5b3a7e21" }
    }, "System": system() });
    assert_eq!(
        bodies,
        vec![
            json!({
                "version": "0.1.0",
                "session": { "new": false, "sessionAttributes": {}, "sessionId": "<session>", "user": user },
                "context": audio,
                "request": event_request(json!({
                    "namespace": "AudioPlayer",
                    "name": "PlayFinished",
                    "payload": { "token": "b9f3b8e4-1f6e-4c1d-9a55-0d7b5b3a7e21", "offsetInMilliseconds": 184000 }
                }))
            }),
            json!({
                "version": "0.1.0",
                "session": { "new": false, "sessionAttributes": {}, "sessionId": "<session>", "user": user },
                "context": { "System": system() },
                "request": event_request(
                    json!({ "namespace": "ClovaSkill", "name": "SkillDisabled", "payload": null })
                )
            }),
        ]
    );

    // an unknown event is a usage error with a suggestion; --token needs --event
    let out = usage_error(
        &env,
        &[
            "simulate",
            ID,
            "--endpoint",
            &server.url,
            "--event",
            "AudioPlayer.PlayFinish",
        ],
        "`AudioPlayer.PlayFinish` is not an event cekops can send",
    );
    assert!(
        out.stderr
            .contains("did you mean `AudioPlayer.PlayFinished`?"),
        "{}",
        out.stderr
    );
    usage_error(
        &env,
        &[
            "simulate",
            ID,
            "--endpoint",
            &server.url,
            "--token",
            "x",
            "도움말",
        ],
        "--token and --offset-ms belong to --event",
    );
    usage_error(
        &env,
        &[
            "simulate",
            ID,
            "--endpoint",
            &server.url,
            "--event",
            "ClovaSkill.SkillEnabled",
            "도움말",
        ],
        "--event sends one EventRequest on its own",
    );
    assert_eq!(server.requests().len(), 2);
}

/// A Python with LINE's `clova-cek-sdk` importable: `CEKOPS_CEK_SDK_PYTHON`, else the one `.ci/run`
/// installs it into (`target/ci-venv`). Missing: the test skips, but fails under `CI=true`.
#[allow(clippy::print_stderr)]
fn cek_sdk_python(test: &str) -> Option<std::path::PathBuf> {
    let candidates: Vec<std::path::PathBuf> = match std::env::var_os("CEKOPS_CEK_SDK_PYTHON") {
        Some(p) if !p.is_empty() => vec![p.into()],
        _ => vec![crate::common::project_path("target/ci-venv/bin/python")],
    };
    let found = candidates.into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import cek"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            !crate::common::in_ci(),
            "{test}: CI is set but no Python with `clova-cek-sdk` (pip install clova-cek-sdk; .ci/run does, or set CEKOPS_CEK_SDK_PYTHON)"
        );
        eprintln!(
            "SKIPPED {test}: no Python with `clova-cek-sdk` (set CEKOPS_CEK_SDK_PYTHON); under CI this test fails instead"
        );
    }
    found
}

/// The SDK server of tests/fixtures/cek-sdk/server.py, killed on drop.
struct SdkServer(std::process::Child, String);

impl Drop for SdkServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sdk_server(python: &std::path::Path, public_key: &std::path::Path) -> SdkServer {
    let mut child = Command::new(python)
        .arg(crate::common::project_path(
            "tests/fixtures/cek-sdk/server.py",
        ))
        .arg(ID)
        .arg(public_key)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let url = format!("http://127.0.0.1:{}/cek", port.trim());
    SdkServer(child, url)
}

#[test]
fn simulate_sign_key_passes_the_verification_of_lines_python_sdk() {
    const TEST: &str = "simulate_sign_key_passes_the_verification_of_lines_python_sdk";
    let Some(python) = cek_sdk_python(TEST) else {
        return;
    };
    let Some(tool) = crate::common::tool_or_skip(
        TEST,
        "openssl",
        "CEKOPS_TEST_OPENSSL",
        "apt-get install openssl",
    ) else {
        return;
    };
    let env = pizzabot();
    let keys = test_keys(&tool, &env);
    let server = sdk_server(&python, &keys.join("test-pub.pem"));

    // signed with the key the SDK holds: it verifies and answers every request
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.1,
        "--sign-key",
        "keys/test-key.pem",
        "도움말",
        "페퍼로니 피자 주문해줘",
    ]);
    out.code(0);
    // an intent without slots (`slots: null`, as CEK sends it) and one with a slot: the SDK
    // parses both
    assert_eq!(
        out.stdout,
        "> LaunchRequest
< SDK launch ok
> 도움말
  IntentRequest Clova.GuideIntent
< SDK intent Clova.GuideIntent pizzaType=None
> 페퍼로니 피자 주문해줘
  IntentRequest OrderPizza pizzaType=\"페퍼로니\"
< SDK intent OrderPizza pizzaType=페퍼로니
> SessionEndedRequest
"
    );
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.1,
        "--sign-key",
        "keys/test-key.pem",
        "--event",
        "AudioPlayer.PlayFinished",
        "--token",
        "t-1",
        "--offset-ms",
        "1000",
    ]);
    out.code(0);
    assert_eq!(
        out.stdout,
        "> EventRequest AudioPlayer.PlayFinished token \"t-1\" offset 1000 ms\n< SDK event PlayFinished token=t-1\n  (the extension ended the session)\n"
    );
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.1,
        "--sign-key",
        "keys/test-key.pem",
        "--event",
        "ClovaSkill.SkillEnabled",
    ]);
    out.code(0);
    assert_eq!(
        out.stdout,
        "> EventRequest ClovaSkill.SkillEnabled\n< SDK event SkillEnabled token=None\n  (the extension ended the session)\n"
    );

    // another key, and the unsigned marker: the SDK refuses them
    for args in [&["--sign-key", "keys/other-key.pem"][..], &[][..]] {
        let mut all = vec!["simulate", ID, "--endpoint", &server.1];
        all.extend_from_slice(args);
        all.push("도움말");
        let out = env.cekops(&all);
        out.code(1);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        assert!(
            out.stderr.contains("HTTP 403") && out.stderr.contains("InvalidSignature"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn simulate_record_saves_a_scenario_that_replays() {
    let env = pizzabot();
    let server = pizza_server();
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--record",
        "scenarios/order.toml",
        "도움말",
        "페파로니 피자 두 판 주문해줘",
    ]);
    out.code(0);
    assert_eq!(out.stderr, "recorded 2 turn(s) to scenarios/order.toml\n");
    let text = std::fs::read_to_string(env.root.join("scenarios/order.toml")).unwrap();
    let text = text.replace(&server.url, "<URL>");
    assert_eq!(
        text,
        "# recorded by `cekops simulate com.example.pizzabot --record` against <URL>
# replay: cekops simulate com.example.pizzabot --scenario FILE

[launch]
speech = \"피자봇입니다. 무엇을 주문할까요?\"
end_session = false

[[turn]]
utterance = \"도움말\"
intent = \"Clova.GuideIntent\"
speech = \"Clova.GuideIntent 요청입니다.\"
end_session = false

[[turn]]
utterance = \"페파로니 피자 두 판 주문해줘\"
intent = \"OrderPizza\"
speech = \"페퍼로니 피자를 주문했습니다.\"
end_session = true
"
    );
    // replayed against the same server it passes; against a changed one it fails
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--scenario",
        "scenarios/order.toml",
    ]);
    out.code(0);
    assert!(
        out.stdout.ends_with("scenario scenarios/order.toml: ok\n"),
        "{}",
        out.stdout
    );
    let changed = Server::start(|r, _| match r.body["request"]["type"].as_str() {
        Some("LaunchRequest") => say("피자봇입니다. 무엇을 주문할까요?", json!({}), false),
        _ => say("다시 말씀해 주세요.", json!({}), false),
    });
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &changed.url,
        "--scenario",
        "scenarios/order.toml",
    ]);
    out.code(1);
    assert!(
        out.stdout.contains("scenario scenarios/order.toml: FAILED"),
        "{}",
        out.stdout
    );

    // one-shot runs record `one_shot = true`; an event run records the event
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--one-shot",
        "--record",
        "one.toml",
        "도움말",
    ]);
    out.code(0);
    let text = std::fs::read_to_string(env.root.join("one.toml")).unwrap();
    assert!(text.contains("\none_shot = true\n"), "{text}");
    assert!(!text.contains("[launch]"), "{text}");
    let out = env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--event",
        "ClovaSkill.SkillEnabled",
        "--record",
        "x.toml",
    ]);
    out.code(0);
    let text = std::fs::read_to_string(env.root.join("x.toml")).unwrap();
    assert!(
        text.ends_with("\n\n[[turn]]\nevent = \"ClovaSkill.SkillEnabled\"\n"),
        "{text}"
    );
}

/// A music extension: plays a stream when asked (ending the session), says nothing to the
/// player's reports but answers the end of the stream.
fn music_server() -> Server {
    Server::start(|r, _| {
        let body = &r.body;
        match body["request"]["type"].as_str().unwrap_or_default() {
            "LaunchRequest" => say("음악 앱입니다.", json!({ "step": "launch" }), false),
            "IntentRequest" if body["request"]["intent"]["name"] == "OrderPizza" => Reply(
                200,
                json!({
                    "version": "0.1.0",
                    "sessionAttributes": {},
                    "response": {
                        "outputSpeech": { "type": "SimpleSpeech", "values": { "type": "PlainText", "lang": "ko", "value": "피자 노래를 틀게요." } },
                        "card": {},
                        "directives": [{
                            "header": { "messageId": "4e4080d6-c440-498a-bb73-ae86c6312806", "namespace": "AudioPlayer", "name": "Play" },
                            "payload": {
                                "audioItem": {
                                    "audioItemId": "song-1",
                                    "stream": {
                                        "beginAtInMilliseconds": 0,
                                        "durationInMilliseconds": 184000,
                                        "token": "TR-1",
                                        "url": "https://music.example.com/1.mp3",
                                        "urlPlayable": true
                                    }
                                },
                                "playBehavior": "REPLACE_ALL",
                                "source": { "name": "Example" }
                            }
                        }],
                        "shouldEndSession": true
                    }
                })
                .to_string(),
            ),
            "IntentRequest" => say("무엇을 들을까요?", json!({ "step": "intent" }), false),
            "EventRequest" if body["request"]["event"]["name"] == "PlayFinished" => {
                say("다 들었어요.", json!({}), true)
            }
            _ => Reply(200, String::new()),
        }
    })
}

const MUSIC: &str = r#"# enable the skill, talk, then the player's reports after the session ended
[[turn]]
event = "ClovaSkill.SkillEnabled"

[[turn]]
utterance = "도움말"

[[turn]]
utterance = "페퍼로니 피자 주문해줘"
end_session = true

[[turn]]
event = "AudioPlayer.PlayStarted"

[[turn]]
event = "AudioPlayer.PlayFinished"
offset_ms = 184000
speech = "다 들었어요"
"#;

/// The raw bodies of `requests` with what changes on every run (session and request IDs,
/// timestamps) masked: what must be byte-for-byte the same when a recording is replayed.
fn masked_bodies(requests: &[Received]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            let mut text = String::from_utf8(r.raw.clone()).unwrap();
            for v in [
                &r.body["session"]["sessionId"],
                &r.body["request"]["requestId"],
                &r.body["request"]["timestamp"],
            ] {
                text = text.replace(v.as_str().unwrap(), "<masked>");
            }
            text
        })
        .collect()
}

#[test]
fn simulate_scenario_with_events_records_and_replays_the_same_requests() {
    let env = pizzabot();
    let server = music_server();
    env.write("scenarios/music.toml", MUSIC);
    let run = |scenario: &str, record: Option<&str>| {
        let mut args = vec![
            "simulate",
            ID,
            "--endpoint",
            &server.url,
            "--scenario",
            scenario,
        ];
        if let Some(r) = record {
            args.extend(["--record", r]);
        }
        env.cekops(&args)
    };
    let out = run("scenarios/music.toml", Some("scenarios/recorded.toml"));
    out.code(0);
    assert_eq!(
        out.stdout,
        "> EventRequest ClovaSkill.SkillEnabled
< HTTP 200 (empty body)
> LaunchRequest
< 음악 앱입니다.
> 도움말
  IntentRequest Clova.GuideIntent
< 무엇을 들을까요?
> 페퍼로니 피자 주문해줘
  IntentRequest OrderPizza pizzaType=\"페퍼로니\"
< 피자 노래를 틀게요.
  directives: AudioPlayer.Play
  plays: https://music.example.com/1.mp3 (token TR-1)
  (the extension ended the session)
> EventRequest AudioPlayer.PlayStarted token \"TR-1\" offset 0 ms
< HTTP 200 (empty body)
> EventRequest AudioPlayer.PlayFinished token \"TR-1\" offset 184000 ms
< 다 들었어요.
  (the extension ended the session)

scenario scenarios/music.toml: ok
"
    );
    assert_eq!(
        out.stderr,
        "recorded 5 turn(s) to scenarios/recorded.toml\n"
    );
    let first = server.requests();
    // one session, in order; no SessionEndedRequest (the extension ended the session)
    let kinds: Vec<String> = first
        .iter()
        .map(|r| {
            let ev = &r.body["request"]["event"];
            format!(
                "{} {}{}",
                r.body["request"]["type"].as_str().unwrap(),
                ev["namespace"].as_str().unwrap(),
                ev["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "EventRequest ClovaSkillSkillEnabled",
            "LaunchRequest ",
            "IntentRequest ",
            "IntentRequest ",
            "EventRequest AudioPlayerPlayStarted",
            "EventRequest AudioPlayerPlayFinished",
        ]
    );
    let session = &first[0].body["session"]["sessionId"];
    assert!(
        first
            .iter()
            .all(|r| &r.body["session"]["sessionId"] == session)
    );
    let news: Vec<bool> = first
        .iter()
        .map(|r| r.body["session"]["new"].as_bool().unwrap())
        .collect();
    assert_eq!(news, [false, true, false, false, false, false]);
    // the player reports on the stream the Play directive gave it: its token and the whole stream
    let started = &first[4].body;
    assert_eq!(
        started["context"]["AudioPlayer"],
        json!({
            "offsetInMilliseconds": 0,
            "playerActivity": "PLAYING",
            "stream": {
                "beginAtInMilliseconds": 0,
                "durationInMilliseconds": 184000,
                "token": "TR-1",
                "url": "https://music.example.com/1.mp3",
                "urlPlayable": true
            },
            "totalInMilliseconds": 184000
        })
    );
    assert_eq!(
        started["request"]["event"]["payload"],
        json!({ "token": "TR-1", "offsetInMilliseconds": 0 })
    );
    assert_eq!(
        first[5].body["context"]["AudioPlayer"]["playerActivity"],
        "STOPPED"
    );
    assert_eq!(
        first[5].body["request"]["event"]["payload"],
        json!({ "token": "TR-1", "offsetInMilliseconds": 184000 })
    );

    let recorded = std::fs::read_to_string(env.root.join("scenarios/recorded.toml")).unwrap();
    assert_eq!(
        recorded.replace(&server.url, "<URL>"),
        "# recorded by `cekops simulate com.example.pizzabot --record` against <URL>
# replay: cekops simulate com.example.pizzabot --scenario FILE

[launch]
speech = \"음악 앱입니다.\"
end_session = false

[[turn]]
event = \"ClovaSkill.SkillEnabled\"

[[turn]]
utterance = \"도움말\"
intent = \"Clova.GuideIntent\"
speech = \"무엇을 들을까요?\"
end_session = false

[[turn]]
utterance = \"페퍼로니 피자 주문해줘\"
intent = \"OrderPizza\"
speech = \"피자 노래를 틀게요.\"
end_session = true

[[turn]]
event = \"AudioPlayer.PlayStarted\"

[[turn]]
event = \"AudioPlayer.PlayFinished\"
offset_ms = 184000
speech = \"다 들었어요.\"
end_session = true
"
    );
    // replayed, it sends the same requests, byte for byte but for IDs and timestamps
    let out = run("scenarios/recorded.toml", None);
    out.code(0)
        .contains("\nscenario scenarios/recorded.toml: ok\n");
    let all = server.requests();
    let (one, two) = all.split_at(first.len());
    assert_eq!(two.len(), one.len());
    assert_eq!(masked_bodies(one), masked_bodies(two));
    assert_ne!(
        one[0].body["session"]["sessionId"],
        two[0].body["session"]["sessionId"]
    );
}

/// `cekops ARGS` is a usage error (exit 2) whose stderr says `says`.
fn usage_error(env: &TestEnv, args: &[&str], says: &str) -> Out {
    let out = env.cekops(args);
    out.code(2);
    assert!(out.stderr.contains(says), "{}", out.stderr);
    out
}

#[test]
fn simulate_a_japanese_extension_sends_version_1_0_and_ja_jp() {
    let env = TestEnv::new();
    env.copy_from_project("example-repo");
    let server = pizza_server();
    let out = env.cekops(&[
        "simulate",
        "com.example.ramen.jp",
        "--endpoint",
        &server.url,
        "今日のおすすめを教えて",
        "東京の醤油ラーメンを探して",
    ]);
    out.code(0);
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 4, "launch, two intents, end");
    for b in &bodies {
        // the JP guide's messages (and requests captured in LINE's Kotlin SDK) show "1.0"
        assert_eq!(b["version"], "1.0");
        assert_eq!(b["request"]["locale"], "ja-JP");
        assert_eq!(b["request"]["extensionId"], "com.example.ramen.jp");
        assert_eq!(
            b["context"]["System"]["application"]["applicationId"],
            "com.example.ramen.jp"
        );
    }
    assert_eq!(
        bodies[1]["request"]["intent"],
        json!({ "name": "RecommendRamen", "slots": null })
    );
    assert_eq!(
        bodies[2]["request"]["intent"]["slots"]["area"],
        json!({ "name": "area", "value": "東京" })
    );
    // a card: JP does not support them
    let carded = Server::start(|_, _| {
        let Reply(_, text) = say("はい", json!({}), true);
        let mut v: Value = serde_json::from_str(&text).unwrap();
        v["response"]["card"] = json!({ "type": "ImageText" });
        Reply(200, v.to_string())
    });
    env.cekops(&[
        "simulate",
        "com.example.ramen.jp",
        "--endpoint",
        &carded.url,
        "--one-shot",
        "今日のおすすめを教えて",
    ])
    .code(0)
    .contains("  warning: `response.card` is not supported in Japan (the JP guide); send `{}`\n");
}

#[test]
fn test_readme_simulate_request_sample_is_what_is_sent() {
    // The README's sample request (an indented ```json block in "Talking to your server") is
    // the second request `simulate com.example.pizzabot "도움말"` sends, but for the values
    // that change on every run.
    let readme = crate::readme::project_file("README.md");
    let trimmed: String = readme
        .lines()
        .map(|l| l.trim_start().to_string() + "\n")
        .collect();
    let (_, block) = crate::readme::code_blocks(&trimmed)
        .into_iter()
        .find(|(info, body)| *info == "json" && body.iter().any(|l| l.contains("\"requestId\"")))
        .expect("README shows a sample CEK request");
    let want: Value = serde_json::from_str(&block.join("\n")).unwrap();
    let server = Server::start(|_, _| say("네", json!({}), false));
    let env = TestEnv::new();
    env.copy_from_project("example-repo");
    let out = env.cekops(&[
        "simulate",
        "com.example.pizzabot",
        "--endpoint",
        &server.url,
        "도움말",
    ]);
    out.code(0);
    // the example's server.toml links accounts: say why no accessToken is sent
    assert_eq!(
        out.stderr,
        "note: the extension links accounts; without --access-token the requests carry no `accessToken`, as for a user who has not linked an account\n"
    );
    let mut got = server.bodies()[1].clone();
    got["session"]["sessionId"] = json!("…");
    got["request"]["requestId"] = json!("…");
    got["request"]["timestamp"] = json!("2026-12-02T06:30:00Z");
    assert_eq!(got, want, "README sample request; update README.md");
}

#[test]
fn simulate_interactive_events_are_recorded_and_replay_the_same_requests() {
    let env = pizzabot();
    let server = music_server();
    let out = cekops_stdin(
        &env,
        &[
            "simulate",
            ID,
            "--endpoint",
            &server.url,
            "--record",
            "typed.toml",
        ],
        "도움말\n/event ClovaSkill.SkillEnabled\n/help\n/event AudioPlayer.PlayStart\n페퍼로니 피자 주문해줘\n/event AudioPlayer.PlayStarted\n",
    );
    // piped, not typed: the run goes on, but the lines not sent make it fail
    out.code(2);
    assert_eq!(
        out.stderr,
        "error: `/help` is not a command
error: `AudioPlayer.PlayStart` is not an event cekops can send
recorded 4 turn(s) to typed.toml
error: 2 line(s) of stdin were not sent (see the errors above)

hint: a line is an utterance or /event NAMESPACE.NAME [TOKEN] [OFFSET_MS]
"
    );
    out.contains("> EventRequest ClovaSkill.SkillEnabled\n< HTTP 200 (empty body)\n")
        .contains("> EventRequest AudioPlayer.PlayStarted token \"TR-1\" offset 0 ms\n< HTTP 200 (empty body)\n");
    let typed = server.requests();
    assert_eq!(typed.len(), 5, "launch, intent, event, intent, event");
    assert_eq!(
        typed[4].body["request"]["event"]["payload"]["token"],
        "TR-1"
    );
    let text = std::fs::read_to_string(env.root.join("typed.toml")).unwrap();
    assert!(
        text.contains("\n[[turn]]\nevent = \"ClovaSkill.SkillEnabled\"\n"),
        "{text}"
    );
    env.cekops(&[
        "simulate",
        ID,
        "--endpoint",
        &server.url,
        "--scenario",
        "typed.toml",
    ])
    .code(0)
    .contains("\nscenario typed.toml: ok\n");
    let all = server.requests();
    assert_eq!(masked_bodies(&all[..5]), masked_bodies(&all[5..]));
}
