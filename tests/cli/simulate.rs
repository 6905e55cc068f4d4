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

    fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
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
    let session = reqs[0].body["session"]["sessionId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(session.len(), 36);
    let user = json!({ "userId": "cekops-test-user" });
    assert_eq!(
        server.bodies(),
        vec![
            json!({
                "version": "0.1.0",
                "session": { "new": true, "sessionAttributes": {}, "sessionId": session, "user": user },
                "context": { "System": system() },
                "request": { "type": "LaunchRequest" }
            }),
            json!({
                "version": "0.1.0",
                "session": { "new": false, "sessionAttributes": { "turns": 1 }, "sessionId": session, "user": user },
                "context": { "System": system() },
                "request": { "type": "IntentRequest", "intent": { "name": "Clova.GuideIntent", "slots": {} } }
            }),
            json!({
                "version": "0.1.0",
                "session": { "new": false, "sessionAttributes": { "turns": 2 }, "sessionId": session, "user": user },
                "context": { "System": system() },
                "request": { "type": "IntentRequest", "intent": {
                    "name": "OrderPizza",
                    "slots": {
                        "pizzaType": { "name": "pizzaType", "value": "페퍼로니" },
                        "pizzaAmount": { "name": "pizzaAmount", "value": "2", "unit": "판" }
                    }
                } }
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
        reqs[1].body["request"],
        json!({ "type": "SessionEndedRequest" })
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

/// `body` with the values that change on every run replaced by placeholders.
fn stable(mut body: Value) -> Value {
    let sid = body["session"]["sessionId"].as_str().unwrap().to_string();
    assert_eq!(sid.len(), 36, "{sid}");
    body["session"]["sessionId"] = json!("<session>");
    let rid = body["request"]["requestId"].as_str().unwrap().to_string();
    assert_eq!(rid.len(), 36, "{rid}");
    assert_ne!(rid, sid);
    body["request"]["requestId"] = json!("<uuid>");
    let ts = body["request"]["timestamp"].as_str().unwrap().to_string();
    // ISO 8601 in UTC with milliseconds, e.g. 2026-12-02T06:30:00.123Z
    assert!(
        ts.len() <= 24 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T',
        "{ts}"
    );
    body["request"]["timestamp"] = json!("<now>");
    body
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
        "> EventRequest AudioPlayer.PlayFinished\n< 다음 곡입니다.\n  (the extension ended the session)\n"
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
    let mut audio = system();
    let bodies: Vec<Value> = server.bodies().into_iter().map(stable).collect();
    audio = json!({ "System": audio, "AudioPlayer": {
        "playerActivity": "STOPPED",
        "offsetInMilliseconds": 184000,
        "stream": { "token": "b9f3b8e4-1f6e-4c1d-9a55-0d7b5b3a7e21" }
    } });
    assert_eq!(
        bodies,
        vec![
            json!({
                "version": "0.1.0",
                "session": { "new": false, "sessionAttributes": {}, "sessionId": "<session>", "user": user },
                "context": audio,
                "request": {
                    "type": "EventRequest",
                    "requestId": "<uuid>",
                    "timestamp": "<now>",
                    "event": {
                        "namespace": "AudioPlayer",
                        "name": "PlayFinished",
                        "payload": { "token": "b9f3b8e4-1f6e-4c1d-9a55-0d7b5b3a7e21", "offsetInMilliseconds": 184000 }
                    }
                }
            }),
            json!({
                "version": "0.1.0",
                "session": { "new": false, "sessionAttributes": {}, "sessionId": "<session>", "user": user },
                "context": { "System": system() },
                "request": {
                    "type": "EventRequest",
                    "requestId": "<uuid>",
                    "timestamp": "<now>",
                    "event": { "namespace": "ClovaSkill", "name": "SkillDisabled", "payload": null }
                }
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
    ]);
    out.code(0);
    assert_eq!(
        out.stdout,
        "> LaunchRequest\n< SDK launch ok\n> 도움말\n  IntentRequest Clova.GuideIntent\n< SDK intent Clova.GuideIntent\n> SessionEndedRequest\n"
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
        "> EventRequest AudioPlayer.PlayFinished\n< SDK event\n  (the extension ended the session)\n"
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

    // one-shot runs record `one_shot = true`; --record with --event is a usage error
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
    out.code(2);
    assert!(!env.root.join("x.toml").exists());
}

/// `cekops ARGS` is a usage error (exit 2) whose stderr says `says`.
fn usage_error(env: &TestEnv, args: &[&str], says: &str) -> Out {
    let out = env.cekops(args);
    out.code(2);
    assert!(out.stderr.contains(says), "{}", out.stderr);
    out
}
