//! `cekops serve`: the read-only web console, over plain HTTP and in headless Chromium
//! (chromedriver over the W3C WebDriver protocol).

use serde_json::json;

use crate::common::TestEnv;
use crate::common::chart;
use crate::common::chart::ALICE;
use crate::common::chart::BOB;
use crate::common::chart::as_;
use crate::common::project_path;
use crate::common::snap;
use crate::common::web;
use crate::common::web::Browser;
use crate::common::web::Served;

const ID: &str = "com.example.pizza";

fn short(env: &TestEnv, rev: &str) -> String {
    chart::rev(env, rev)[..12].to_string()
}

/// A repository with three reviews of `ID`: #1 approved (new extension), #2 approved (real
/// icons), #3 rejected with feedback (a help intent on the test branch). `service` is checked
/// out. Returns the commit of #3.
fn review_repo(env: &TestEnv) -> String {
    chart::setup(env, chart::CONFIG);
    chart::in_service(env, ID, "피자가게");
    let back = chart::current(env);
    env.git(&["checkout", "-q", &format!("test/{ID}")]);
    let icons = project_path("example-repo/extensions/com.example.pizzabot/assets");
    for (from, to) in [("icon-108.png", "small.png"), ("icon-512.png", "large.png")] {
        std::fs::copy(
            icons.join(from),
            env.path(&format!("extensions/{ID}/assets/{to}")),
        )
        .unwrap();
    }
    env.git(&["commit", "-q", "-am", "real icons"]);
    env.git(&["checkout", "-q", &back]);
    env.cekops(&["review", "request", ID, "-m", "icons"])
        .code(0);
    as_(env, &ALICE, &["review", "approve", ID]).code(0);
    let help = chart::commit_help_intent(env, ID, "help intent");
    env.cekops(&["review", "request", ID, "-m", "add help"])
        .code(0);
    as_(
        env,
        &BOB,
        &["review", "reject", ID, "-m", "say <b>more</b> than 도와줘"],
    )
    .code(0);
    help
}

const HOSTILE_NAME: &str = "<script>window.__xss=1</script>";
const HOSTILE_DESC: &str = "\"><img src=x onerror=\"window.__xss=2\">";

/// An extension whose name, description and utterances try to inject markup.
fn hostile_repo(env: &TestEnv) {
    env.write("cekops.toml", "");
    for (p, c) in chart::extension_files(ID, "피자가게") {
        env.write(&p, c);
    }
    let d = format!("extensions/{ID}");
    env.write(
        &format!("{d}/extension.toml"),
        format!(
            "id = \"{ID}\"\nlanguage = \"ko-KR\"\nname = '{HOSTILE_NAME}'\ninvocation_names = [\"피자가게\"]\nprovider = \"P\"\ncontact_email = \"a@example.com\"\n"
        ),
    );
    env.write(
        &format!("{d}/interaction-model/intents/OrderIntent.toml"),
        format!(
            "description = '{HOSTILE_DESC}'\nutterances = [\"<script>window.__xss=3</script> 주문해줘\", '\"><img src=x onerror=window.__xss=4> 시켜줘']\n"
        ),
    );
}

/// Every HTML page of one extension.
fn pages() -> Vec<(&'static str, String)> {
    vec![
        ("list", "/".to_string()),
        ("extension", format!("/ext/{ID}")),
        ("test", format!("/ext/{ID}/test")),
        ("diff", format!("/ext/{ID}/diff")),
        ("history", format!("/ext/{ID}/history")),
        ("reviews", "/reviews".to_string()),
        ("review", format!("/ext/{ID}/review/3")),
    ]
}

#[test]
fn test_serve_escapes_extension_data_and_is_read_only() {
    let env = TestEnv::new();
    hostile_repo(&env);
    let s = Served::start(&env, &env.root, &[]);
    assert!(
        s.stderr.iter().any(|l| l.starts_with("serving ")),
        "{:?}",
        s.stderr
    );
    assert!(s.url.starts_with("http://127.0.0.1:"), "{}", s.url);
    for (name, path) in pages() {
        let g = web::get(&s.at(&path));
        assert_eq!(
            g.header("content-security-policy"),
            Some(cekops::ops::serve::CSP),
            "{name}"
        );
        assert_eq!(g.header("x-content-type-options"), Some("nosniff"));
        for bad in ["<script>window", "<img src=x", "onerror=\"window", "<b>"] {
            assert!(!g.body.contains(bad), "{name} holds {bad:?}:\n{}", g.body);
        }
    }
    let g = web::get(&s.at(&format!("/ext/{ID}")));
    assert_eq!(g.status, 200);
    assert!(
        g.body
            .contains("&lt;script&gt;window.__xss=1&lt;/script&gt;"),
        "{}",
        g.body
    );
    assert!(
        g.body
            .contains("&quot;&gt;&lt;img src=x onerror=&quot;window.__xss=2&quot;&gt;")
    );
    // The tag syntax highlights `<script>` as a (bad) slot name, escaped.
    assert!(g.body.contains("data-slot=\"script\""), "{}", g.body);
    let g = web::get(&s.at(&format!("/ext/{ID}/test?u=%3Cscript%3Ex%3C%2Fscript%3E")));
    assert!(
        g.body.contains("value=\"&lt;script&gt;x&lt;/script&gt;\""),
        "{}",
        g.body
    );
    // Read-only, and only for this machine's names.
    let g = web::post(&s.url, "x=1");
    assert_eq!(g.status, 405);
    assert_eq!(g.header("allow"), Some("GET, HEAD"));
    assert_eq!(web::get_with_host(&s.url, "evil.example:80").status, 421);
    assert_eq!(web::get(&s.at("/ext/..")).status, 404);
    assert_eq!(web::get(&s.at("/ext/nope")).status, 404);
    assert_eq!(web::get(&s.at("/nothing/here")).status, 404);
    let g = web::get(&s.at(&format!("/ext/{ID}/asset?path=assets/large.png")));
    assert_eq!(
        (g.status, g.header("content-type")),
        (200, Some("image/png"))
    );
    let g = web::get(&s.at(&format!("/ext/{ID}/asset?path=extension.toml")));
    assert_eq!(g.status, 404);
    assert_eq!(s.stop(), Some(0));
}

#[test]
fn test_serve_refuses_what_it_cannot_show() {
    let env = TestEnv::new();
    chart::setup(&env, chart::CONFIG);
    let remote = env.bare_remote();
    let mut t = snap::Transcript::new(&env);
    t.cekops(&["serve", "no-such-folder"]);
    t.cekops(&["serve", "--rev", "no-such-branch"]);
    t.cekops_in(&remote, &["serve"], &[]);
    snap::snapshot!(&env, "serve-refusals", t.text());
}

#[test]
fn test_serve_rev_shows_a_revision_and_the_version_follows_refs() {
    let env = TestEnv::new();
    review_repo(&env);
    // The work tree (`service`) has no help intent; the test branch has.
    let s = Served::start(&env, &env.root, &[]);
    let page = web::get(&s.at(&format!("/ext/{ID}")));
    assert!(!page.body.contains("data-intent=\"HelpIntent\""));
    let before = web::get(&s.at("/api/version")).body;
    // A fetch moves only remote-tracking refs: the version changes all the same.
    env.git(&["update-ref", "refs/remotes/origin/service", "service"]);
    let after = web::get(&s.at("/api/version")).body;
    assert_ne!(before, after);
    assert_eq!(after, web::get(&s.at("/api/version")).body);
    drop(s);
    let s = Served::start(&env, &env.root, &["--rev", &format!("test/{ID}")]);
    let page = web::get(&s.at(&format!("/ext/{ID}")));
    assert!(
        page.body.contains("data-intent=\"HelpIntent\""),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("Files from revision `test/{ID}`."))
    );
}

#[test]
fn test_serve_warns_when_exposed() {
    let env = TestEnv::new();
    hostile_repo(&env);
    let s = Served::start(&env, &env.root, &["--bind", "0.0.0.0"]);
    assert!(
        s.stderr
            .iter()
            .any(|l| l.starts_with("warning: listening on 0.0.0.0:")),
        "{:?}",
        s.stderr
    );
    // Exposed on purpose: any Host is answered.
    assert_eq!(web::get_with_host(&s.url, "box.example:1").status, 200);
}

/// The natural widths of the icons on the page (0 for an image that did not decode).
fn icon_widths(b: &Browser) -> serde_json::Value {
    b.js(
        "return [...document.querySelectorAll('img.icon')].map(i => i.complete && i.naturalWidth);",
        json!([]),
    )
}

/// Open a page, check it loaded without a console error, and keep a screenshot.
#[track_caller]
fn visit(b: &Browser, s: &Served, name: &str, path: &str) {
    let g = web::get(&s.at(path));
    assert_eq!(g.status, 200, "{name}: {}", g.body);
    b.goto(&s.at(path));
    b.wait_until(
        "the page script",
        "return document.readyState === 'complete' && !!document.getElementById('main');",
        json!([]),
    );
    let errors = b.console_errors();
    assert!(errors.is_empty(), "{name}: console errors {errors:?}");
    b.screenshot(name);
}

#[test]
fn test_serve_in_a_browser_shows_what_git_holds_and_follows_it() {
    let Some(b) = Browser::start("test_serve_in_a_browser_shows_what_git_holds_and_follows_it")
    else {
        return;
    };
    let env = TestEnv::new();
    let help = review_repo(&env);
    let s = Served::start(&env, &env.root, &[]);
    for (name, path) in pages() {
        visit(&b, &s, &format!("reviews-{name}"), &path);
    }

    // The list: both versions, the rejected review's feedback, validation counts.
    visit(&b, &s, "reviews-list", "/");
    let row = |css: &str| b.text(&format!("tr[data-id=\"{ID}\"] {css}"));
    assert_eq!(row(".name"), "피자가게");
    assert_eq!(row(".status"), "In service");
    assert_eq!(
        b.text(&format!("tr.ext-more[data-id=\"{ID}\"] .status")),
        "Confirmation required"
    );
    assert!(
        row(".feedback").contains("say <b>more</b> than 도와줘"),
        "{}",
        row(".feedback")
    );
    // the help intent has fewer utterances than the design guide suggests: guidance, not a warning
    assert_eq!(row(".validation"), "0 error(s) 0 warning(s) 1 info");

    // The extension page: the model and the rendered icons.
    visit(&b, &s, "reviews-extension", &format!("/ext/{ID}"));
    assert_eq!(b.count("article.intent"), 1);
    assert_eq!(b.count("li.utterance"), 2);
    assert_eq!(icon_widths(&b), json!([108, 512]));

    // The Test box answers a typed utterance.
    visit(&b, &s, "reviews-test", &format!("/ext/{ID}/test"));
    b.type_into("#utterance", "피자가게 시켜줘");
    b.click("#analyse");
    b.wait_until(
        "the test result",
        "const e = document.getElementById('result-intent'); return !!e && e.textContent === 'OrderIntent';",
        json!([]),
    );
    assert!(b.console_errors().is_empty());
    b.screenshot("reviews-test-result");

    // The review timeline.
    visit(&b, &s, "reviews-review", &format!("/ext/{ID}/review/3"));
    assert_eq!(
        b.js(
            "return [...document.querySelectorAll('.timeline .event')].map(e => e.dataset.action);",
            json!([])
        ),
        json!(["request", "reject"])
    );
    // each event's records commit, with its signature status as `review show` marks it
    assert_eq!(
        b.js(
            "return [...document.querySelectorAll('.timeline .event .sig')].map(e => e.textContent);",
            json!([])
        ),
        json!(["unsigned", "unsigned"])
    );
    // `review show` marks the decision the same way
    let shown = env.cekops(&["review", "show", ID, "--number", "3"]);
    let reject = shown
        .stdout
        .lines()
        .find(|l| l.contains(" reject "))
        .unwrap_or_default();
    assert!(reject.ends_with("[unsigned]"), "{}", shown.stdout);

    // The chart: every first-parent commit of service, the test-only commit, the markers.
    visit(&b, &s, "reviews-history", &format!("/ext/{ID}/history"));
    let mut expected: Vec<String> = env
        .git(&["rev-list", "--first-parent", "service"])
        .lines()
        .chain(
            env.git(&["rev-list", &format!("service..test/{ID}")])
                .lines(),
        )
        .map(|c| c[..12].to_string())
        .collect();
    expected.sort();
    let mut drawn: Vec<String> = serde_json::from_value(b.js(
        "return [...document.querySelectorAll('svg.chart circle.commit')].map(c => c.dataset.commit);",
        json!([]),
    ))
    .unwrap();
    drawn.sort();
    assert_eq!(drawn, expected);
    assert_eq!(b.count("svg.chart circle.commit.on-test"), 1);
    let markers = b.js(
        "return [...document.querySelectorAll('svg.chart rect.marker')].map(m => m.dataset.action + '#' + m.dataset.record + '@' + m.dataset.commit);",
        json!([]),
    );
    let service = short(&env, "service");
    let first = short(&env, "service~1");
    assert_eq!(
        markers,
        json!([
            format!("request#1@{first}"),
            format!("approve#1@{first}"),
            format!("request#2@{service}"),
            format!("approve#2@{service}"),
            format!("request#3@{}", &help[..12]),
            format!("reject#3@{}", &help[..12]),
        ])
    );
    // Each approval replaced `service`: an arc from the commit it held to the approved one.
    assert_eq!(
        b.js(
            "return [...document.querySelectorAll('svg.chart path.replace')].map(p => p.dataset.from + '>' + p.dataset.to);",
            json!([])
        ),
        json!([
            format!("{}>{first}", short(&env, "service~2")),
            format!("{first}>{service}"),
        ])
    );

    // Live: a commit on the test branch and an edit of the work tree show up without reload.
    visit(&b, &s, "reviews-list", "/");
    b.js("window.__stay = 42; return true;", json!([]));
    let next = chart::commit_on(
        &env,
        &format!("test/{ID}"),
        &format!("extensions/{ID}/interaction-model/intents/ByeIntent.toml"),
        "utterances = [\"잘 가\"]\n",
        "bye",
    );
    b.wait_until(
        "the new test commit on the list",
        "return document.getElementById('main').textContent.includes(arguments[0]);",
        json!([&next[..12]]),
    );
    let ext = env.read(&format!("extensions/{ID}/extension.toml"));
    env.write(
        &format!("extensions/{ID}/extension.toml"),
        ext.replace("name = \"피자가게\"", "name = \"새 피자가게\""),
    );
    b.wait_until(
        "the edited name on the list",
        "return document.querySelector('tr.ext .name').textContent === '새 피자가게';",
        json!([]),
    );
    assert_eq!(
        b.js("return window.__stay;", json!([])),
        json!(42),
        "the page reloaded"
    );
    assert!(b.console_errors().is_empty());
    b.screenshot("reviews-list-live");
}

#[test]
fn test_serve_example_repo_in_a_browser() {
    let Some(b) = Browser::start("test_serve_example_repo_in_a_browser") else {
        return;
    };
    let env = TestEnv::new();
    env.copy_from_project("example-repo");
    let s = Served::start(&env, &env.root, &[]);
    visit(&b, &s, "example-list", "/");
    assert_eq!(b.count("tr.ext"), 2);
    assert_eq!(
        b.text("tr[data-id=\"com.example.pizzabot\"] .name"),
        "예제피자 주문하기"
    );
    visit(&b, &s, "example-extension", "/ext/com.example.pizzabot");
    assert_eq!(b.count("article.intent"), 4);
    assert!(b.count("mark.slot[data-slot=\"pizzaType\"]") > 5);
    assert_eq!(b.count("article.slot-type"), 2);
    assert_eq!(icon_widths(&b), json!([108, 512]));
    visit(&b, &s, "example-test", "/ext/com.example.ramen.jp/test");
    visit(&b, &s, "example-ramen", "/ext/com.example.ramen.jp");

    // Hostile data in the browser: nothing runs, the text shows as written.
    let env = TestEnv::new();
    hostile_repo(&env);
    let s = Served::start(&env, &env.root, &[]);
    for (name, path) in [
        ("hostile-list", "/".to_string()),
        ("hostile-extension", format!("/ext/{ID}")),
    ] {
        visit(&b, &s, name, &path);
        assert_eq!(b.js("return window.__xss === undefined && document.scripts.length === 1 && document.querySelectorAll('[onerror]').length === 0;", json!([])), json!(true), "{name}");
    }
    assert_eq!(b.text("h1"), HOSTILE_NAME);
    assert_eq!(b.text("article.intent p.desc"), HOSTILE_DESC);
}
