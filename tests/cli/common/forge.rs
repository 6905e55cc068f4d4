//! A tiny stand-in for the comment APIs of GitHub and GitLab on 127.0.0.1, and a fake `gh` that
//! speaks to it: enough to run the comment-posting steps of the workflows `cekops init --ci`
//! writes and to see which comments exist afterwards.
//!
//! Routes (any prefix): `GET /api/v4/user` (the token's user, GitLab); `GET …/notes?page=N`
//! (GitLab, two per page, `X-Next-Page`); `POST …/notes`; `PUT …/notes/ID`; `GET …/issues/N/comments`
//! (GitHub); `POST …/issues/N/comments`; `PATCH …/issues/comments/ID`. The author of a new comment
//! is the user of the request's token (`Authorization: token T` or `PRIVATE-TOKEN: T`); editing
//! another user's comment is refused with 403, as the forges do.
#![allow(dead_code)]

use std::io::BufRead as _;
use std::io::BufReader;
use std::io::Read as _;
use std::io::Write as _;
use std::net::TcpListener;
use std::net::TcpStream;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;

use serde_json::Value;
use serde_json::json;

/// One comment (GitHub) or note (GitLab).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    pub author: String,
    pub body: String,
}

#[derive(Default)]
struct State {
    next: u64,
    comments: Vec<Comment>,
    /// `METHOD path` of every request.
    requests: Vec<String>,
}

/// The fake forge; it serves until the test process ends.
pub struct Forge {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl Forge {
    /// Start it; `tokens` maps a token to its user.
    pub fn start(tokens: &[(&str, &str)]) -> Forge {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            next: 100,
            ..State::default()
        }));
        let tokens: Vec<(String, String)> = tokens
            .iter()
            .map(|(t, u)| (t.to_string(), u.to_string()))
            .collect();
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = handle(stream, &shared, &tokens);
            }
        });
        Forge { url, state }
    }

    /// Add a comment as if `author` had written it.
    pub fn seed(&self, author: &str, body: &str) -> u64 {
        let mut s = self.state.lock().unwrap();
        s.next += 1;
        let id = s.next;
        s.comments.push(Comment {
            id,
            author: author.into(),
            body: body.into(),
        });
        id
    }

    pub fn comments(&self) -> Vec<Comment> {
        self.state.lock().unwrap().comments.clone()
    }

    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }
}

fn handle(
    stream: TcpStream,
    state: &Arc<Mutex<State>>,
    tokens: &[(String, String)],
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut length = 0usize;
    let mut token = None;
    let mut expect = false;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap_or((h, ""));
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        match k.as_str() {
            "content-length" => length = v.parse().unwrap_or(0),
            "private-token" => token = Some(v.to_string()),
            "authorization" => {
                token = Some(
                    v.trim_start_matches("token ")
                        .trim_start_matches("Bearer ")
                        .to_string(),
                )
            }
            "expect" => expect = v.eq_ignore_ascii_case("100-continue"),
            _ => {}
        }
    }
    if expect {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let user = token.and_then(|t| tokens.iter().find(|(k, _)| *k == t).map(|(_, u)| u.clone()));
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let page: usize = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("page="))
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let mut s = state.lock().unwrap();
    s.requests.push(format!("{method} {path}"));
    let gitlab = path.contains("/api/v4/");
    let render = |c: &Comment| {
        if gitlab {
            json!({"id": c.id, "body": c.body, "author": {"username": c.author}})
        } else {
            json!({"id": c.id, "body": c.body, "user": {"login": c.author, "type": "Bot"}})
        }
    };
    let new_body = || -> Option<String> {
        let v: Value = serde_json::from_slice(&body).ok()?;
        v["body"].as_str().map(str::to_string)
    };
    let last_id = path.rsplit('/').next().and_then(|x| x.parse::<u64>().ok());
    let (status, extra, answer): (u16, String, Value) = match (method.as_str(), user) {
        (_, None) => (401, String::new(), json!({"message": "401 Unauthorized"})),
        ("GET", Some(u)) if path.ends_with("/user") => (200, String::new(), json!({"username": u})),
        ("GET", Some(_)) if path.ends_with("/notes") || path.ends_with("/comments") => {
            let all: Vec<Value> = s.comments.iter().map(render).collect();
            if gitlab {
                let per = 2;
                let chunk: Vec<Value> = all
                    .iter()
                    .skip((page - 1) * per)
                    .take(per)
                    .cloned()
                    .collect();
                let next = if page * per < all.len() {
                    (page + 1).to_string()
                } else {
                    String::new()
                };
                (200, format!("X-Next-Page: {next}\r\n"), Value::Array(chunk))
            } else {
                (200, String::new(), Value::Array(all))
            }
        }
        ("POST", Some(u)) if path.ends_with("/notes") || path.ends_with("/comments") => {
            match new_body() {
                Some(b) => {
                    s.next += 1;
                    let c = Comment {
                        id: s.next,
                        author: u,
                        body: b,
                    };
                    let v = render(&c);
                    s.comments.push(c);
                    (201, String::new(), v)
                }
                None => (400, String::new(), json!({"message": "body missing"})),
            }
        }
        ("PUT" | "PATCH", Some(u)) if last_id.is_some() => {
            let id = last_id.unwrap();
            let b = new_body();
            match (s.comments.iter_mut().find(|c| c.id == id), b) {
                (Some(c), Some(b)) if c.author == u => {
                    c.body = b;
                    let v = render(c);
                    (200, String::new(), v)
                }
                (Some(_), _) => (403, String::new(), json!({"message": "403 Forbidden"})),
                (None, _) => (404, String::new(), json!({"message": "404 Not Found"})),
            }
        }
        _ => (404, String::new(), json!({"message": "404 Not Found"})),
    };
    drop(s);
    let text = answer.to_string();
    write!(
        writer,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    )?;
    writer.flush()
}

/// Write an executable script.
pub fn script(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A fake GitHub CLI in `bin`: the `gh api` and `gh pr comment` calls of the workflow, sent with
/// curl to `$FAKE_GITHUB_API` (`--jq` through the real jq; gh's own jq is gojq, which reads the
/// same filters). Anything else fails loudly.
pub fn fake_gh(bin: &Path) -> PathBuf {
    let gh = bin.join("gh");
    script(
        &gh,
        r#"#!/usr/bin/env bash
set -euo pipefail
auth="Authorization: token $GH_TOKEN"
case "${1:-}" in
  api)
    shift
    method=GET; filter=""; file=""; path=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --paginate) shift ;;
        --method|-X) method=$2; shift 2 ;;
        --jq|-q) filter=$2; shift 2 ;;
        -F|--field)
          case "$2" in
            body=@*) file=${2#body=@} ;;
            *) echo "fake gh: unsupported field $2" >&2; exit 9 ;;
          esac
          shift 2 ;;
        -*) echo "fake gh: unsupported option $1" >&2; exit 9 ;;
        *) path=$1; shift ;;
      esac
    done
    if [ -n "$file" ]; then
      jq -Rs '{body: .}' "$file" | curl -fsS -X "$method" -H "$auth" -H 'Content-Type: application/json' --data-binary @- "$FAKE_GITHUB_API/$path" > "${TMPDIR:-/tmp}/fake-gh.$$"
      out="${TMPDIR:-/tmp}/fake-gh.$$"
    else
      curl -fsS -X "$method" -H "$auth" "$FAKE_GITHUB_API/$path" > "${TMPDIR:-/tmp}/fake-gh.$$"
      out="${TMPDIR:-/tmp}/fake-gh.$$"
    fi
    if [ -n "$filter" ]; then jq -r "$filter" "$out"; else cat "$out"; fi
    rm -f "$out"
    ;;
  pr)
    [ "${2:-}" = comment ] || { echo "fake gh: unsupported pr ${2:-}" >&2; exit 9; }
    number=$3; shift 3
    repo=""; file=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --repo|-R) repo=$2; shift 2 ;;
        --body-file|-F) file=$2; shift 2 ;;
        *) echo "fake gh: unsupported option $1" >&2; exit 9 ;;
      esac
    done
    [ -n "$repo" ] && [ -n "$file" ] || { echo "fake gh: --repo and --body-file expected" >&2; exit 9; }
    jq -Rs '{body: .}' "$file" | curl -fsS -X POST -H "$auth" -H 'Content-Type: application/json' --data-binary @- "$FAKE_GITHUB_API/repos/$repo/issues/$number/comments" > /dev/null
    echo "https://github.com/$repo/pull/$number"
    ;;
  *) echo "fake gh: unsupported command ${1:-}" >&2; exit 9 ;;
esac
"#,
    );
    gh
}
