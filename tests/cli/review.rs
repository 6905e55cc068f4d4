//! `cekops review request|approve|reject|cancel|show|list` end to end, cross-checked with git.

use crate::common::TestEnv;
use crate::common::chart::*;
use crate::common::snap::Transcript;
use crate::common::snap::snapshot;

const ID: &str = "com.example.pizza";

#[test]
fn test_review_request_pins_commit_and_tree_in_a_plain_toml_record() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    let tip = new_extension(&env, ID, "피자봇");
    env.cekops(&["review", "request", ID, "-m", "first submission"])
        .code(0)
        .contains("requested review #1");
    let rec = record(&env, ID, 1);
    assert!(rec.contains("state = \"open\""), "{rec}");
    assert!(rec.contains(&format!("commit = \"{tip}\"")), "{rec}");
    let tree = env.git(&["rev-parse", &format!("{tip}:extensions/{ID}")]);
    assert!(rec.contains(&format!("tree = \"{tree}\"")), "{rec}");
    assert!(rec.contains("message = \"first submission\""), "{rec}");
    // The record commit is authored by the requester.
    assert_eq!(
        env.git(&["log", "-1", "--format=%an <%ae>", "cekops/records"]),
        "Dev Eloper <dev@example.com>"
    );
    env.cekops(&["status"])
        .code(0)
        .contains("Under review")
        .contains("review #1 by Dev Eloper <dev@example.com> (0/1 approvals)");
    // A second request while one is open is refused.
    env.cekops(&["review", "request", ID, "-m", "again"])
        .code(1)
        .contains("already has a review open (#1");
}

#[test]
fn test_review_approve_fast_forwards_service_and_updates_its_work_tree() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    let before = rev(&env, "service");
    let tip = new_extension(&env, ID, "피자봇");
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(0);
    let records_before = rev(&env, "cekops/records");
    // Not a reviewer: refused, nothing moves.
    let refs = all_refs(&env);
    as_(&env, &CAROL, &["review", "approve", ID])
        .code(1)
        .contains("carol@example.com is not a reviewer")
        .contains("hint: reviewers: alice@example.com, bob@example.com");
    assert_eq!(all_refs(&env), refs);
    as_(&env, &ALICE, &["review", "approve", ID, "-m", "looks good"])
        .code(0)
        .contains("service fast-forwarded")
        .contains("updated the work tree");
    assert_eq!(rev(&env, "service"), tip);
    assert_eq!(rev(&env, &format!("test/{ID}")), tip);
    assert!(is_ancestor(&env, &before, "service"));
    // One records commit on top of the request, authored by the reviewer.
    assert_eq!(rev(&env, "cekops/records~1"), records_before);
    assert_eq!(
        env.git(&["log", "-1", "--format=%ae", "cekops/records"]),
        "alice@example.com"
    );
    let rec = record(&env, ID, 1);
    assert!(rec.contains("state = \"approved\""), "{rec}");
    assert!(
        rec.contains(&format!("service_before = \"{before}\"")),
        "{rec}"
    );
    assert!(rec.contains(&format!("service_after = \"{tip}\"")), "{rec}");
    // The checked-out service work tree holds the extension, with nothing left uncommitted.
    assert!(
        env.path(&format!("extensions/{ID}/extension.toml"))
            .exists()
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    env.cekops(&["status"])
        .code(0)
        .contains("Commercial use  In service")
        .contains("Test            In development  0/0");
    env.cekops(&["audit"])
        .code(0)
        .contains("every one of 2 steps was approved");
}

#[test]
fn test_review_refuses_self_approval_unless_policy_allows() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    new_extension(&env, ID, "피자봇");
    as_(&env, &ALICE, &["review", "request", ID, "-m", "mine"]).code(0);
    let refs = all_refs(&env);
    as_(&env, &ALICE, &["review", "approve", ID])
        .code(1)
        .contains("alice@example.com requested `com.example.pizza` #1 and cannot decide it too");
    assert_eq!(all_refs(&env), refs);
    as_(&env, &BOB, &["review", "approve", ID]).code(0);

    let env = TestEnv::new();
    setup(
        &env,
        "[review]\nreviewers = [\"alice@example.com\"]\nallow_self_approval = true\n",
    );
    new_extension(&env, ID, "피자봇");
    as_(&env, &ALICE, &["review", "request", ID, "-m", "mine"]).code(0);
    as_(&env, &ALICE, &["review", "approve", ID]).code(0);
    assert_eq!(rev(&env, "service"), rev(&env, &format!("test/{ID}")));
}

#[test]
fn test_review_counts_required_approvals_from_distinct_reviewers() {
    let env = TestEnv::new();
    setup(
        &env,
        "[review]\nreviewers = [\"alice@example.com\", \"bob@example.com\"]\nrequired_approvals = 2\n",
    );
    let service = rev(&env, "service");
    let tip = new_extension(&env, ID, "피자봇");
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(0);
    as_(&env, &ALICE, &["review", "approve", ID])
        .code(0)
        .contains("1 of 2 approvals");
    assert_eq!(rev(&env, "service"), service);
    as_(&env, &ALICE, &["review", "approve", ID])
        .code(1)
        .contains("already approved");
    env.cekops(&["status", "--format", "json"])
        .code(0)
        .contains("\"approvals\": 1")
        .contains("\"required_approvals\": 2");
    as_(&env, &BOB, &["review", "approve", ID])
        .code(0)
        .contains("service fast-forwarded");
    assert_eq!(rev(&env, "service"), tip);
}

#[test]
fn test_review_reject_shows_feedback_and_cancel_returns_to_previous_status() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    new_extension(&env, ID, "피자봇");
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(0);
    as_(&env, &CAROL, &["review", "reject", ID, "-m", "nope"])
        .code(1)
        .contains("not a reviewer");
    as_(
        &env,
        &BOB,
        &[
            "review",
            "reject",
            ID,
            "-m",
            "the store description lacks a phone number",
        ],
    )
    .code(0)
    .contains("Confirmation required");
    env.cekops(&["status"])
        .code(0)
        .contains("Confirmation required")
        .contains("feedback #1 from Bob Reviewer <bob@example.com> [unsigned]: the store description lacks a phone number");
    env.cekops(&["review", "show", ID])
        .code(0)
        .contains("review #1 of `com.example.pizza`: rejected")
        .contains("feedback: the store description lacks a phone number");
    // Fix, request again, cancel: back to Confirmation required (the previous status).
    commit_help_intent(&env, ID, "add help");
    env.cekops(&["review", "request", ID, "-m", "fixed"])
        .code(0);
    env.cekops(&["status", ID]).code(0).contains("Under review");
    env.cekops(&["review", "cancel", ID])
        .code(0)
        .contains("cancelled review #2");
    env.cekops(&["status", ID])
        .code(0)
        .contains("Confirmation required");
    env.cekops(&["review", "list"])
        .code(0)
        .contains("no open reviews");
    let all = env.cekops(&["review", "list", "--all", "--format", "json"]);
    all.code(0)
        .contains("\"state\": \"rejected\"")
        .contains("\"state\": \"cancelled\"");
    env.cekops(&["review", "cancel", ID])
        .code(1)
        .contains("has no open review");
}

#[test]
fn test_review_request_refuses_what_fails_service_validation() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    new_extension(&env, ID, "피자봇");
    // Plain HTTP is allowed while testing (KR) but not for a review.
    commit_on(
        &env,
        &format!("test/{ID}"),
        &format!("extensions/{ID}/server.toml"),
        "endpoint = \"http://ext.example.com/clova\"\n",
        "http",
    );
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(1)
        .contains("endpoint-scheme")
        .contains("does not pass `validate` with service rules");
    assert_eq!(try_rev(&env, "cekops/records"), None);
    env.cekops(&["status", ID])
        .code(0)
        .contains("In development");
}

#[test]
fn test_review_stale_when_the_locked_branch_moves_anyway() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    new_extension(&env, ID, "피자봇");
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(0);
    // A plain git commit bypasses the lock (hooks enforce it later).
    commit_help_intent(&env, ID, "sneaky");
    let refs = all_refs(&env);
    as_(&env, &ALICE, &["review", "approve", ID])
        .code(1)
        .contains("review #1 of `com.example.pizza` is stale");
    assert_eq!(all_refs(&env), refs);
    env.cekops(&["status"])
        .code(0)
        .contains("STALE")
        .contains("warning: review #1 of `com.example.pizza` is stale");
    env.cekops(&["review", "list"]).code(0).contains("[stale]");
}

#[test]
fn test_review_refuses_a_branch_touching_another_extension() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    in_service(&env, "com.example.other", "다른봇");
    new_extension(&env, ID, "피자봇");
    commit_on(
        &env,
        &format!("test/{ID}"),
        "extensions/com.example.other/interaction-model/intents/HelpIntent.toml",
        "utterances = [\"도와줘\"]\n",
        "touch other",
    );
    let refs = all_refs(&env);
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(1)
        .contains("touches files outside `extensions/com.example.pizza/`")
        .contains("extensions/com.example.other/interaction-model/intents/HelpIntent.toml");
    assert_eq!(all_refs(&env), refs);
}

#[test]
fn test_review_config_change_is_approved_by_current_reviewers_only() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    env.git(&["checkout", "-q", "-b", "test/config", "service"]);
    env.write(
        "cekops.toml",
        "[review]\nreviewers = [\"alice@example.com\", \"bob@example.com\", \"carol@example.com\"]\nrequired_approvals = 1\n",
    );
    env.git(&["commit", "-q", "-am", "add carol as reviewer"]);
    env.git(&["checkout", "-q", "service"]);
    as_(
        &env,
        &CAROL,
        &["review", "request", "config", "-m", "add me"],
    )
    .code(0)
    .contains("requested config review #1 of `config`");
    assert!(record(&env, "config", 1).contains("kind = \"config-review\""));
    env.cekops(&["status"])
        .code(0)
        .contains("config     (repository settings)  Test     Under review")
        .contains("config-review #1 by Carol Dev <carol@example.com>");
    // The branch under review lists carol, but the policy comes from service.
    as_(&env, &CAROL, &["review", "approve", "config"])
        .code(1)
        .contains("carol@example.com is not a reviewer");
    as_(&env, &BOB, &["review", "approve", "config"]).code(0);
    assert_eq!(rev(&env, "service"), rev(&env, "test/config"));
    assert!(env.read("cekops.toml").contains("carol@example.com"));
    env.cekops(&["audit"]).code(0);
}

#[test]
fn test_review_config_and_extension_changes_together_are_refused() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    new_extension(&env, ID, "피자봇");
    commit_on(
        &env,
        &format!("test/{ID}"),
        "cekops.toml",
        "[review]\nreviewers = [\"dev@example.com\"]\nallow_self_approval = true\n",
        "make me reviewer",
    );
    env.cekops(&["review", "request", ID, "-m", "sneaky"])
        .code(1)
        .contains("touches files outside `extensions/com.example.pizza/`: `cekops.toml`");
}

#[test]
fn test_review_show_and_list_in_json() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    let tip = new_extension(&env, ID, "피자봇");
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(0);
    let out = env.cekops(&["review", "show", ID, "--format", "json"]);
    out.code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["state"], "open");
    assert_eq!(v["commit"], tip.as_str());
    assert_eq!(v["events"][0]["action"], "request");
    assert_eq!(v["events"][0]["email"], "dev@example.com");
    assert_eq!(v["stale"], false);
    let out = env.cekops(&["review", "list", "--format", "json"]);
    out.code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["reviews"].as_array().unwrap().len(), 1);
    env.cekops(&["review", "list"])
        .code(0)
        .contains("com.example.pizza#1\treview\topen\tdev@example.com\t0 of 1\tfirst");
}

#[test]
fn test_review_unknown_id_suggests_the_closest() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    new_extension(&env, ID, "피자봇");
    env.cekops(&["review", "request", "com.example.piza", "-m", "x"])
        .code(2)
        .contains("unknown extension `com.example.piza`")
        .contains("did you mean `com.example.pizza`?");
    env.cekops(&["review", "show", ID])
        .code(1)
        .contains("has no reviews yet");
}

#[test]
fn test_require_signed_needs_allowed_signers_and_a_signing_key() {
    let env = TestEnv::new();
    setup(
        &env,
        &CONFIG.replace("[review]\n", "[review]\nrequire_signed = true\n"),
    );
    env.cekops(&["validate", "--format", "json"])
        .code(1)
        .contains("\"code\": \"config-invalid\"")
        .contains("`require_signed = true` needs `allowed_signers`");
    new_extension(&env, ID, "피자봇");
    // Nothing is recorded unsigned while signatures are required.
    let refs = all_refs(&env);
    env.cekops(&["review", "request", ID, "-m", "first"])
        .code(1)
        .contains("you have no signing key")
        .contains("git config gpg.format ssh");
    assert_eq!(all_refs(&env), refs);
}

#[test]
fn test_review_output() {
    let env = TestEnv::new();
    setup(&env, CONFIG);
    new_extension(&env, ID, "피자봇");
    let mut t = Transcript::new(&env);
    t.cekops(&["review", "list"]).code(0);
    t.cekops(&["review", "show", ID]).code(1);
    t.note("request");
    t.cekops(&["review", "request", ID, "-m", "first submission"])
        .code(0);
    t.cekops(&["review", "request", ID, "-m", "again"]).code(1);
    t.cekops(&["review", "show", ID]).code(0);
    t.cekops(&["review", "list"]).code(0);
    t.note("reject (a developer may not; a reviewer may)");
    t.cekops_with(&["review", "reject", ID, "-m", "nope"], &CAROL)
        .code(1);
    t.cekops_with(
        &[
            "review",
            "reject",
            ID,
            "-m",
            "the store description lacks a phone number",
        ],
        &BOB,
    )
    .code(0);
    t.cekops(&["review", "show", ID]).code(0);
    t.note("request again, cancel");
    commit_help_intent(&env, ID, "add help");
    t.cekops(&["review", "request", ID, "-m", "fixed"]).code(0);
    t.cekops(&["review", "cancel", ID]).code(0);
    t.cekops(&["review", "cancel", ID]).code(1);
    t.note("request again, approve");
    t.cekops(&["review", "request", ID, "-m", "fixed, again"])
        .code(0);
    t.cekops_with(&["review", "approve", ID], &CAROL).code(1);
    t.cekops_with(&["review", "approve", ID, "-m", "looks good"], &ALICE)
        .code(0);
    t.cekops(&["review", "list", "--all"]).code(0);
    t.note("an unknown ID");
    t.cekops(&["review", "request", "com.example.piza", "-m", "x"])
        .code(2);
    snapshot!(&env, "review", t.text());
}
