//! Snapshots of `validate` output in every format, on one fixture with several findings
//! (`tests/fixtures/several/`: errors and warnings, related locations, a finding without a
//! location, a file-level finding, multi-byte text, characters that need escaping).

use std::collections::BTreeSet;

use crate::common::Out;
use crate::common::TestEnv;
use crate::common::fixtures::apply_overlay_dir;
use crate::common::fixtures::fixtures_dir;

fn several() -> TestEnv {
    let env = TestEnv::new();
    apply_overlay_dir(&env.root, &fixtures_dir().join("several"));
    env
}

/// The common snapshot filters; these snapshots keep their names without the module prefix.
fn settings(env: &TestEnv) -> insta::Settings {
    let mut s = crate::common::snap::settings(env);
    s.set_prepend_module_to_snapshot(false);
    s
}

fn run(env: &TestEnv, format: &str) -> Out {
    let out = env.cekops(&["validate", "--format", format]);
    out.code(1);
    out
}

#[test]
fn test_validate_human_output() {
    let env = several();
    let out = run(&env, "human");
    assert_eq!(out.stdout, "", "human output goes to stderr");
    settings(&env).bind(|| insta::assert_snapshot!("validate_human", out.stderr));
}

#[test]
fn test_validate_json_output() {
    let env = several();
    let out = run(&env, "json");
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    let diags = doc["diagnostics"].as_array().unwrap();
    let errors = diags.iter().filter(|d| d["severity"] == "error").count();
    assert_eq!(doc["summary"]["errors"], errors);
    let infos = diags.iter().filter(|d| d["severity"] == "info").count();
    assert_eq!(doc["summary"]["warnings"], diags.len() - errors - infos);
    assert_eq!(doc["summary"]["infos"], infos);
    settings(&env).bind(|| insta::assert_snapshot!("validate_json", out.stdout));
}

#[test]
fn test_validate_github_output() {
    let env = several();
    let out = run(&env, "github");
    for line in out.stdout.lines() {
        assert!(
            line.starts_with("::error ")
                || line.starts_with("::warning ")
                || line.starts_with("::notice "),
            "not a workflow command: {line}"
        );
        // One command per line: messages with line breaks are escaped.
        assert!(line.matches("::").count() >= 2, "{line}");
    }
    settings(&env).bind(|| insta::assert_snapshot!("validate_github", out.stdout));
}

#[test]
fn test_validate_sarif_output_is_sarif_2_1_0() {
    let env = several();
    let out = run(&env, "sarif");
    let log: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "cekops");
    let rules = driver["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        rule_ids.iter().collect::<BTreeSet<_>>().len(),
        rule_ids.len(),
        "rule ids are unique"
    );
    for r in rules {
        assert!(!r["shortDescription"]["text"].as_str().unwrap().is_empty());
        let level = r["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["error", "warning", "note", "none"].contains(&level));
    }
    let results = runs[0]["results"].as_array().unwrap();
    assert!(results.len() >= 5);
    let mut with_location = 0;
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rule_ids[index], id, "ruleIndex points at its rule");
        assert!(["error", "warning", "note", "none"].contains(&r["level"].as_str().unwrap()));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        if let Some(locs) = r.get("locations") {
            let phys = &locs[0]["physicalLocation"];
            let uri = phys["artifactLocation"]["uri"].as_str().unwrap();
            assert!(!uri.starts_with('/'), "uri is repository-relative: {uri}");
            let region = &phys["region"];
            assert!(region["startLine"].as_u64().unwrap() >= 1);
            assert!(region["startColumn"].as_u64().unwrap() >= 1);
            assert!(region["endLine"].as_u64() >= region["startLine"].as_u64());
            with_location += 1;
        }
    }
    assert!(
        with_location + 1 >= results.len(),
        "only missing-config lacks a location"
    );
    settings(&env).bind(|| insta::assert_snapshot!("validate_sarif", out.stdout));
}

#[test]
fn test_formats_agree_on_the_findings() {
    let env = several();
    let json: serde_json::Value = serde_json::from_str(&run(&env, "json").stdout).unwrap();
    let sarif: serde_json::Value = serde_json::from_str(&run(&env, "sarif").stdout).unwrap();
    let github = run(&env, "github").stdout;
    let human = run(&env, "human").stderr;
    let from_json: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    let from_sarif: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap().to_string())
        .collect();
    let from_github: Vec<String> = github
        .lines()
        .map(|l| {
            let start = l.find("cekops (").unwrap() + "cekops (".len();
            l[start..start + l[start..].find(')').unwrap()].to_string()
        })
        .collect();
    let from_human: Vec<String> = human
        .lines()
        .filter_map(|l| {
            let rest = l
                .strip_prefix("error[")
                .or_else(|| l.strip_prefix("warning["))
                .or_else(|| l.strip_prefix("info["))?;
            Some(rest[..rest.find(']')?].to_string())
        })
        .collect();
    assert_eq!(from_json, from_sarif);
    assert_eq!(from_json, from_github);
    assert_eq!(from_json, from_human);
    let expected: BTreeSet<&str> = [
        "ambiguous-utterance",
        "duplicate-utterance",
        "endpoint-port",
        "inline-secret",
        "invocation-name-reserved",
        "missing-config",
        "unknown-file",
        "unknown-key",
        "unknown-slot",
        "utterance-guidance",
        "utterance-tag",
    ]
    .into();
    assert_eq!(
        from_json
            .iter()
            .map(String::as_str)
            .collect::<BTreeSet<_>>(),
        expected
    );
}
