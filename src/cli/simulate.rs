//! `cekops simulate`

use std::fmt::Write as _;
use std::io::BufRead;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;

use cekops::cek::Caller;
use cekops::cek::RequestKind;
use cekops::error::usage;
use cekops::nlu::Model;
use cekops::ops::simulate;
use cekops::ops::simulate::Exchange;
use cekops::ops::simulate::Input;
use cekops::ops::simulate::SimOptions;
use cekops::ops::simulate::Simulator;
use cekops::ops::simulate::Step;
use cekops::ops::validate::Source;

/// Talk to a running extension server as CEK does: real request messages over HTTP.
///
/// A session opens with a `LaunchRequest` (with `--one-shot`, the first utterance is sent as an
/// `IntentRequest` with `session.new` true), each utterance is analysed offline like
/// `cekops test` and sent as an `IntentRequest` with the matched intent and slots, and the
/// session continues until the extension ends it (`shouldEndSession: true`); when the
/// utterances run out (or stdin ends) while it is open, a `SessionEndedRequest` is sent.
/// `sessionAttributes` are echoed from the previous response. Each response is checked against
/// the message format and its speech printed.
///
/// Each request is shaped as real CEK sends it: `version` "0.1.0" (ko-KR) or "1.0" (ja-JP), and
/// in `request` a fresh `requestId`, the `timestamp`, `locale`, `extensionId`, the `intent`
/// (`slots: null` when the intent has none) and an empty `event` (or the other way round for an
/// `EventRequest`).
///
/// Without utterances or `--scenario`, utterances are read from stdin, one per line; after the
/// extension ends a session, the next line opens a new one. A line `/event NAMESPACE.NAME [TOKEN]
/// [OFFSET_MS]` sends an `EventRequest` in the session instead (see `--event`).
///
/// Requests carry CEK's headers (`Content-Type: application/json;charset-UTF-8`, `Accept`,
/// `Accept-Charset`) and `SignatureCEK`. Real requests are signed with Clova's private key, which
/// nobody else has; with `--sign-key KEY.pem` each body is signed as CEK signs it (RSA PKCS#1
/// v1.5, SHA-256 over the exact body bytes, base64), so a server configured with the matching
/// test public key runs its real verification. Without it, `SignatureCEK` is a fixed, valid
/// base64 marker that no key verifies; `--header "SignatureCEK: …"` sends a value of your own.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 every response was valid (and the scenario passed), 1 an invalid response, a failed expectation, or a server that cannot be reached, answers an HTTP error, non-JSON or too late, 2 usage error.\n\nExamples:\n  cekops simulate com.example.pizzabot --endpoint http://127.0.0.1:8080/cek \"페퍼로니 피자 주문해줘\"\n  cekops simulate com.example.pizzabot --one-shot \"도움말\"\n  cekops simulate com.example.pizzabot --sign-key test-key.pem \"도움말\"   (signed SignatureCEK)\n  cekops simulate com.example.pizzabot --event AudioPlayer.PlayFinished --token 7f3b… --offset-ms 184000\n  cekops simulate com.example.pizzabot --record scenarios/order.toml \"도움말\" \"불고기 피자 주문해줘\"\n  cekops simulate com.example.pizzabot --scenario tests/order.scenario.toml --format json\n  cekops simulate com.example.pizzabot --scenario scenarios/music.toml --record scenarios/music.toml   (re-record)\n  cekops simulate com.example.pizzabot          (interactive: one utterance per line)"
)]
pub struct SimulateArgs {
    /// The Extension ID (sent as `context.System.application.applicationId`).
    pub id: String,
    /// Utterances to send in order (none: read lines from stdin).
    pub utterances: Vec<String>,
    /// The extension server's URL (default: `endpoint` in the extension's server.toml).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Send the first utterance as an `IntentRequest` that opens the session (no `LaunchRequest`).
    #[arg(long)]
    pub one_shot: bool,
    /// Replay a scenario file (TOML: `[[turn]]` tables, each an `utterance` or an `event` such
    /// as `AudioPlayer.PlayStarted` with `token` and `offset_ms`, with the expected `speech`).
    #[arg(long, value_name = "FILE", conflicts_with = "utterances")]
    pub scenario: Option<std::path::PathBuf>,
    /// Send one `EventRequest` instead of a conversation: `AudioPlayer.PlayStarted|PlayPaused|
    /// PlayResumed|PlayStopped|PlayFinished|ProgressReportDelayPassed|
    /// ProgressReportIntervalPassed|ProgressReportPositionPassed`,
    /// `SpeechSynthesizer.SpeechStarted|SpeechStopped|SpeechFinished`,
    /// `ClovaSkill.SkillEnabled|SkillDisabled`.
    #[arg(long, value_name = "NAMESPACE.NAME")]
    pub event: Option<String>,
    /// The event's `token` (the audio item's or speech's; also `context.AudioPlayer.stream.token`).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// The event's `offsetInMilliseconds` (AudioPlayer events; default 0).
    #[arg(long, value_name = "MS")]
    pub offset_ms: Option<u64>,
    /// Save the conversation as a scenario file (the `--scenario` format: each utterance with
    /// its intent, each event, and the speech the server answered) to replay later, like `ask
    /// dialog --replay`. With `--scenario`, re-records it with what the server answers now.
    #[arg(long, value_name = "FILE")]
    pub record: Option<std::path::PathBuf>,
    /// Seconds to wait for each response.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Use the interaction model of this revision (branch, tag or commit).
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// An extra request header, `Name: value` (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Sign each request body with this PEM RSA private key (a test key whose public half your
    /// server verifies `SignatureCEK` with); needs the `openssl` command.
    #[arg(long, value_name = "KEY.pem")]
    pub sign_key: Option<std::path::PathBuf>,
    /// `userId` of the session and device user.
    #[arg(long, value_name = "ID", default_value = "cekops-test-user")]
    pub user_id: String,
    /// `deviceId` in `context.System.device`.
    #[arg(long, value_name = "ID", default_value = "cekops-test-device")]
    pub device_id: String,
    /// Account-linking access token, sent as the users' `accessToken`.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "CEKOPS_ACCESS_TOKEN",
        hide_env_values = true
    )]
    pub access_token: Option<String>,
    /// "Now" for relative dates and times: YYYY-MM-DD[THH:MM[:SS]] (default: now in UTC+9).
    #[arg(long, value_name = "DATETIME", env = "CEKOPS_NOW")]
    pub now: Option<String>,
    /// Print each request and response body.
    #[arg(long)]
    pub show_json: bool,
    /// Output format: human (as it happens) or json (one document at the end).
    #[arg(long, value_enum, default_value_t = SimFormat::Human)]
    pub format: SimFormat,
}

/// The longest `--timeout`: a day (a larger value is surely a typo, and would overflow timers).
const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SimFormat {
    Human,
    Json,
}

fn parse_header(h: &str) -> anyhow::Result<(String, String)> {
    match h.split_once(':') {
        Some((k, v)) if !k.trim().is_empty() && !k.trim().contains(char::is_whitespace) => {
            Ok((k.trim().to_string(), v.trim().to_string()))
        }
        _ => Err(usage(format!("`{h}` is not a header"))
            .hint("write --header \"Name: value\"")
            .into()),
    }
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn indent(text: &str, pad: &str) -> String {
    text.lines().map(|l| format!("{pad}{l}\n")).collect()
}

/// One exchange, as the human format prints it; what the server sent is made terminal-safe.
pub fn exchange_human(x: &Exchange, show_json: bool) -> String {
    cekops::diag::printable(&exchange_text(x, show_json))
}

fn exchange_text(x: &Exchange, show_json: bool) -> String {
    let mut s = String::new();
    match x.kind {
        RequestKind::IntentRequest => {
            writeln!(s, "> {}", x.utterance.as_deref().unwrap_or_default()).ok();
            if let Some(a) = &x.analysis {
                let slots: Vec<String> = a
                    .slots
                    .iter()
                    .map(|sl| {
                        let mut t = format!("{}=\"{}\"", sl.name, sl.value);
                        if let Some(u) = &sl.unit {
                            write!(t, " unit \"{u}\"").ok();
                        }
                        if let Some(v) = &sl.value_type {
                            write!(t, " ({v})").ok();
                        }
                        t
                    })
                    .collect();
                writeln!(
                    s,
                    "  IntentRequest {}{}{}",
                    a.intent,
                    if slots.is_empty() { "" } else { " " },
                    slots.join(" ")
                )
                .ok();
            }
        }
        RequestKind::EventRequest => {
            let ev = &x.request["request"]["event"];
            write!(
                s,
                "> EventRequest {}.{}",
                ev["namespace"].as_str().unwrap_or_default(),
                ev["name"].as_str().unwrap_or_default()
            )
            .ok();
            if let Some(token) = ev["payload"]["token"].as_str() {
                write!(s, " token \"{token}\"").ok();
            }
            if let Some(offset) = ev["payload"]["offsetInMilliseconds"].as_u64() {
                write!(s, " offset {offset} ms").ok();
            }
            s.push('\n');
        }
        kind => {
            writeln!(s, "> {}", kind.as_str()).ok();
        }
    }
    if show_json {
        s.push_str(&indent(&pretty(&x.request), "    "));
    }
    if x.kind == RequestKind::SessionEndedRequest {
        return s;
    }
    let c = &x.checked;
    if x.kind == RequestKind::EventRequest && x.response.is_null() {
        writeln!(s, "< HTTP {} (empty body)", x.status).ok();
        return s;
    }
    if c.speech.is_empty() {
        writeln!(s, "< (no speech)").ok();
    } else {
        writeln!(s, "< {}", c.text()).ok();
    }
    if !c.brief.is_empty() {
        let b: Vec<String> = c.brief.iter().map(ToString::to_string).collect();
        writeln!(s, "  brief: {}", b.join(" ")).ok();
    }
    if !c.reprompt.is_empty() {
        let r: Vec<String> = c.reprompt.iter().map(ToString::to_string).collect();
        writeln!(s, "  reprompt: {}", r.join(" ")).ok();
    }
    if !c.directives.is_empty() {
        writeln!(s, "  directives: {}", c.directives.join(", ")).ok();
    }
    if c.problems.is_empty()
        && let Some(stream) = cekops::cek::played_stream(&x.response)
    {
        let field = |k: &str| stream.get(k).and_then(|v| v.as_str()).unwrap_or("?");
        writeln!(s, "  plays: {} (token {})", field("url"), field("token")).ok();
    }
    for w in &c.warnings {
        writeln!(s, "  warning: {w}").ok();
    }
    if show_json {
        s.push_str(&indent(&pretty(&x.response), "    "));
    }
    if !c.problems.is_empty() {
        writeln!(s, "  error: the response breaks the CEK message format:").ok();
        for p in &c.problems {
            writeln!(s, "    - {p}").ok();
        }
    } else if c.should_end_session {
        writeln!(s, "  (the extension ended the session)").ok();
    }
    s
}

pub fn run(ctx: &super::Context, args: &SimulateArgs) -> anyhow::Result<ExitCode> {
    let headers = args
        .headers
        .iter()
        .map(|h| parse_header(h))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let timeout = match Duration::try_from_secs_f64(args.timeout) {
        Ok(t) if !t.is_zero() && t <= MAX_TIMEOUT => t,
        _ => {
            return Err(usage(format!(
                "--timeout must be a positive number of seconds, at most {}",
                MAX_TIMEOUT.as_secs()
            ))
            .into());
        }
    };
    let now = super::test::parse_now(args.now.as_deref())?;
    if args.event.is_none() && (args.token.is_some() || args.offset_ms.is_some()) {
        return Err(usage("--token and --offset-ms belong to --event")
            .hint("e.g. --event AudioPlayer.PlayFinished --token TOKEN --offset-ms 184000")
            .into());
    }
    if args.event.is_some()
        && (!args.utterances.is_empty() || args.scenario.is_some() || args.one_shot)
    {
        return Err(usage("--event sends one EventRequest on its own")
            .hint("drop the utterances, --scenario and --one-shot, or run them separately")
            .into());
    }
    let event = match &args.event {
        Some(e) => Some(simulate::parse_event(
            e,
            args.token.clone(),
            args.offset_ms,
        )?),
        None => None,
    };
    let scenario = match &args.scenario {
        Some(p) => Some(simulate::read_scenario(&ctx.dir, p)?),
        None => None,
    };
    let source = match &args.rev {
        Some(rev) => Source::Rev(ctx.dir.clone(), rev.clone()),
        None => Source::Dir(ctx.dir.clone()),
    };
    let outcome = cekops::ops::test::load(&source, std::slice::from_ref(&args.id))?;
    let Some(ext) = outcome.repo.extension(&args.id) else {
        return Err(usage(format!("no extension `{}` in the repository", args.id)).into());
    };
    let errors = cekops::ops::test::model_errors(&outcome, &args.id);
    if errors > 0 {
        super::err(&cekops::ops::test::model_errors_note(&args.id, errors));
    }
    if args.access_token.is_none()
        && ext
            .server
            .as_ref()
            .is_some_and(|s| s.account_linking.is_some())
    {
        super::err(
            "note: the extension links accounts; without --access-token the requests carry no `accessToken`, as for a user who has not linked an account\n",
        );
    }
    let endpoint = simulate::endpoint(&outcome, &args.id, args.endpoint.as_deref())?;
    let model = Model::compile(ext);
    let opts = SimOptions {
        endpoint: endpoint.clone(),
        timeout,
        one_shot: args.one_shot || scenario.as_ref().is_some_and(|s| s.one_shot),
        caller: Caller {
            application_id: args.id.clone(),
            language: model.language(),
            user_id: args.user_id.clone(),
            device_id: args.device_id.clone(),
            access_token: args.access_token.clone(),
        },
        headers,
        sign_key: args.sign_key.as_ref().map(|k| ctx.dir.join(k)),
        nlu: match now {
            Some(now) => cekops::nlu::Options { now },
            None => cekops::nlu::Options::default(),
        },
    };
    let mut sim = Simulator::new(&model, opts)?;
    let human = args.format == SimFormat::Human;
    let show_json = args.show_json;
    let mut on_exchange = |x: &Exchange| {
        if human {
            super::out(&exchange_human(x, show_json));
        }
    };
    // Lines of a piped (not typed) stdin that were not sent: a script's mistake fails the run.
    let mut skipped = 0usize;
    let run = if let Some(ev) = &event {
        simulate::run_event(&mut sim, ev, &mut on_exchange)?
    } else if let Some(sc) = &scenario {
        simulate::run_scenario(&mut sim, sc, &mut on_exchange)?
    } else if !args.utterances.is_empty() {
        simulate::run(
            &mut sim,
            Input::List {
                steps: args.utterances.iter().cloned().map(Step::Say).collect(),
                open: true,
            },
            &mut on_exchange,
        )?
    } else {
        let stdin = std::io::stdin();
        let prompt = stdin.is_terminal();
        if prompt {
            super::err(
                "type an utterance per line, or /event NAMESPACE.NAME [TOKEN] [OFFSET_MS]; end with Ctrl-D (sends SessionEndedRequest)\n",
            );
        }
        let mut lines = stdin.lock().lines().map_while(|l| l.ok());
        let mut iter = std::iter::from_fn(|| {
            loop {
                if prompt {
                    super::err("you> ");
                }
                match simulate::parse_line(&lines.next()?) {
                    Ok(Some(step)) => return Some(step),
                    Ok(None) => {}
                    Err(e) => {
                        skipped += 1;
                        super::err(&format!("error: {e}\n"));
                    }
                }
            }
        });
        let run = simulate::run(&mut sim, Input::Lines(&mut iter), &mut on_exchange)?;
        if prompt {
            skipped = 0;
        }
        run
    };
    if let Some(file) = &args.record {
        record(ctx, args, &endpoint, file, &run)?;
    }
    let failures = run.failures.as_deref().unwrap_or_default();
    if human {
        if let Some(p) = &args.scenario {
            let mut s = String::new();
            if run.passed() {
                writeln!(s, "\nscenario {}: ok", p.display()).ok();
            } else {
                writeln!(s, "\nscenario {}: FAILED", p.display()).ok();
                for f in failures {
                    writeln!(s, "  {f}").ok();
                }
            }
            super::out(&s);
        }
    } else {
        let doc = json!({
            "version": 1,
            "extension": args.id,
            "endpoint": endpoint,
            "exchanges": run.exchanges,
            "summary": run.summary,
            "scenario": args.scenario.as_ref().map(|p| json!({
                "file": p.display().to_string(),
                "passed": run.passed(),
                "failures": failures,
            })),
        });
        super::out(&format!("{}\n", pretty(&doc)));
    }
    let passed = run.verdict()?;
    if skipped > 0 {
        return Err(usage(format!(
            "{skipped} line(s) of stdin were not sent (see the errors above)"
        ))
        .hint("a line is an utterance or /event NAMESPACE.NAME [TOKEN] [OFFSET_MS]")
        .into());
    }
    Ok(ExitCode::from(u8::from(!passed)))
}

/// `--record FILE`: write the run as a scenario (only a run whose responses were all valid).
fn record(
    ctx: &super::Context,
    args: &SimulateArgs,
    endpoint: &str,
    file: &std::path::Path,
    run: &simulate::Run,
) -> anyhow::Result<()> {
    if run.summary.invalid > 0 {
        super::err(&format!(
            "not recorded to {}: a response broke the message format\n",
            file.display()
        ));
        return Ok(());
    }
    let Some(sc) = simulate::recorded_scenario(&run.exchanges) else {
        return Err(usage(format!(
            "nothing recorded to {}: the run sent no utterance or event, or opened more than one session",
            file.display()
        ))
        .hint("a scenario is one session; record each session in its own run")
        .into());
    };
    let text = simulate::scenario_text(&sc, &args.id, endpoint)?;
    let path = ctx.dir.join(file);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| usage(format!("cannot create `{}`: {e}", parent.display())))?;
    }
    cekops::ops::export::write_atomic(&path, text.as_bytes())?;
    super::err(&format!(
        "recorded {} turn(s) to {}\n",
        sc.turns.len(),
        file.display()
    ));
    Ok(())
}
