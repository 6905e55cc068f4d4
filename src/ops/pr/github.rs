//! GitHub Actions: the webhook payload at `GITHUB_EVENT_PATH`, named by `GITHUB_EVENT_NAME`.

use anyhow::Result;
use serde_json::Value;

use super::Action;
use super::Forge;
use super::Parsed;
use super::PrEvent;
use super::PullRequest;
use super::Review;
use crate::error::usage;

fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().map(str::to_string)
}

fn need(v: &Value, path: &[&str]) -> Result<String> {
    text(v, path).ok_or_else(|| {
        usage(format!(
            "the event payload has no `{}` string",
            path.join(".")
        ))
        .hint("pass the webhook payload GitHub Actions wrote (`GITHUB_EVENT_PATH`)")
        .into()
    })
}

fn number(v: &Value, path: &[&str]) -> Option<u64> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_u64()
}

fn pull_request(pr: &Value) -> Result<PullRequest> {
    Ok(PullRequest {
        forge: Forge::Github,
        number: number(pr, &["number"]).ok_or_else(|| {
            anyhow::Error::from(usage("the event payload has no `pull_request.number`"))
        })?,
        url: text(pr, &["html_url"]).unwrap_or_default(),
        author: need(pr, &["user", "login"])?,
        head_sha: need(pr, &["head", "sha"])?,
        head_ref: need(pr, &["head", "ref"])?,
        base_ref: need(pr, &["base", "ref"])?,
        title: text(pr, &["title"]).unwrap_or_default(),
        body: text(pr, &["body"]).unwrap_or_default(),
    })
}

/// Parse the event `name` with the payload `json` (read from `source`, named in errors).
pub fn parse(name: &str, json: &str, source: &str) -> Result<Parsed> {
    let v: Value = serde_json::from_str(json).map_err(|e| {
        usage(format!(
            "{source}:{}:{}: the event payload is not JSON: {}",
            e.line(),
            e.column(),
            e.to_string().split(" at line ").next().unwrap_or_default()
        ))
        .hint("pass the file GitHub Actions names in `GITHUB_EVENT_PATH`")
    })?;
    if name != "pull_request" && name != "pull_request_review" && name != "pull_request_target" {
        return Ok(Parsed::Nothing(format!(
            "`{name}` events are not pull-request events: nothing to do"
        )));
    }
    let action = need(&v, &["action"])?;
    let pr_json = v.get("pull_request").ok_or_else(|| {
        anyhow::Error::from(usage("the event payload has no `pull_request` object"))
    })?;
    let pr = pull_request(pr_json)?;
    // A request from a fork: its branch is not this repository's test branch.
    let head_repo = text(pr_json, &["head", "repo", "full_name"]);
    let base_repo = text(pr_json, &["base", "repo", "full_name"]);
    if head_repo.is_some() && head_repo != base_repo {
        return Ok(Parsed::Nothing(format!(
            "pull request #{} comes from the fork `{}`: cekops reviews only branches of this repository",
            pr.number,
            head_repo.unwrap_or_default()
        )));
    }
    let act = if name == "pull_request_review" {
        if action != "submitted" {
            return Ok(Parsed::Nothing(format!(
                "review `{action}` on pull request #{}: nothing to do",
                pr.number
            )));
        }
        let r = v.get("review").ok_or_else(|| {
            anyhow::Error::from(usage("the event payload has no `review` object"))
        })?;
        let review = Review {
            login: need(r, &["user", "login"])?,
            id: number(r, &["id"]),
            url: text(r, &["html_url"]),
            body: text(r, &["body"]).unwrap_or_default(),
            commit: text(r, &["commit_id"]),
        };
        match need(r, &["state"])?.to_ascii_lowercase().as_str() {
            "approved" => Action::Approved(review),
            "changes_requested" => Action::ChangesRequested(review),
            other => {
                return Ok(Parsed::Nothing(format!(
                    "a `{other}` review by {} on pull request #{}: nothing to do",
                    review.login, pr.number
                )));
            }
        }
    } else {
        match action.as_str() {
            "opened" | "reopened" | "ready_for_review" => Action::Opened,
            "synchronize" => Action::Updated,
            "edited" if v.get("changes").and_then(|c| c.get("base")).is_some() => Action::Updated,
            "closed" => Action::Closed {
                merged: pr_json
                    .get("merged")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            },
            other => {
                return Ok(Parsed::Nothing(format!(
                    "pull request #{} `{other}`: nothing to do",
                    pr.number
                )));
            }
        }
    };
    Ok(Parsed::Act(Box::new(PrEvent { pr, action: act })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_events_and_actions_are_nothing_to_do() {
        assert!(matches!(
            parse("push", "{}", "e.json").unwrap(),
            Parsed::Nothing(_)
        ));
        let labeled = r#"{"action":"labeled","pull_request":{"number":1,"user":{"login":"a"},"head":{"sha":"x","ref":"test/a"},"base":{"ref":"service"}}}"#;
        assert!(matches!(
            parse("pull_request", labeled, "e.json").unwrap(),
            Parsed::Nothing(_)
        ));
        assert!(parse("pull_request", "not json", "e.json").is_err());
        assert!(parse("pull_request", r#"{"action":"opened"}"#, "e.json").is_err());
    }
}
