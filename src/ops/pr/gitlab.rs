//! GitLab CI/CD: the predefined variables of a merge-request pipeline.
//!
//! - `plan` (every merge-request pipeline): the merge request was opened or updated. GitLab has
//!   no predefined variable naming the merge request's author, so the requester is
//!   `GITLAB_USER_LOGIN`, the person whose action started the pipeline (opening the request,
//!   pushing to it); when it is not mapped in `[forge] gitlab`, the CI identity records the
//!   request on their behalf.
//! - `approve` (the manual job "Approve and deploy"): `GITLAB_USER_LOGIN` is the person GitLab
//!   authenticated as running the job: the reviewer. The job id is the attestation's review id
//!   and the job URL its link.
//!
//! The head commit is `CI_MERGE_REQUEST_SOURCE_BRANCH_SHA` (merged-results pipelines) else
//! `CI_COMMIT_SHA` (merge-request pipelines, where it is the source branch's head).

use anyhow::Result;

use super::Action;
use super::Forge;
use super::Parsed;
use super::PrEvent;
use super::PullRequest;
use super::Review;
use crate::error::usage;

/// Which job runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Plan,
    Approve,
}

/// Read the pipeline from `var` (the environment, or a test's map).
pub fn parse(mode: Mode, var: impl Fn(&str) -> Option<String>) -> Result<Parsed> {
    let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    let need = |name: &str| -> Result<String> {
        get(name).ok_or_else(|| {
            usage(format!("the GitLab CI variable `{name}` is not set"))
                .hint("run `cekops ci gitlab` in a merge-request pipeline (`rules: - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"`)")
                .into()
        })
    };
    let source = get("CI_PIPELINE_SOURCE").unwrap_or_default();
    if source != "merge_request_event" {
        return Ok(Parsed::Nothing(format!(
            "the pipeline source is `{source}`, not `merge_request_event`: nothing to do"
        )));
    }
    let iid = need("CI_MERGE_REQUEST_IID")?;
    let number: u64 = iid.trim().parse().map_err(|_| {
        anyhow::Error::from(usage(format!(
            "`CI_MERGE_REQUEST_IID` is `{iid}`, not a number"
        )))
    })?;
    // A merge request from a fork: its branch is not this project's test branch.
    if let (Some(from), Some(to)) = (
        get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID"),
        get("CI_MERGE_REQUEST_PROJECT_ID"),
    ) && from != to
    {
        return Ok(Parsed::Nothing(format!(
            "merge request !{number} comes from another project (a fork): cekops reviews only branches of this project"
        )));
    }
    let login = need("GITLAB_USER_LOGIN")?;
    let project = get("CI_MERGE_REQUEST_PROJECT_URL").or_else(|| get("CI_PROJECT_URL"));
    let pr = PullRequest {
        forge: Forge::Gitlab,
        number,
        url: project
            .map(|p| format!("{}/-/merge_requests/{number}", p.trim_end_matches('/')))
            .unwrap_or_default(),
        author: login.clone(),
        head_sha: match get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") {
            Some(s) => s,
            None => need("CI_COMMIT_SHA")?,
        },
        head_ref: need("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")?,
        base_ref: need("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")?,
        title: get("CI_MERGE_REQUEST_TITLE").unwrap_or_default(),
        body: get("CI_MERGE_REQUEST_DESCRIPTION").unwrap_or_default(),
    };
    let action = match mode {
        Mode::Plan => Action::Updated,
        Mode::Approve => Action::Approved(Review {
            login,
            id: get("CI_JOB_ID").and_then(|j| j.trim().parse().ok()),
            url: get("CI_JOB_URL"),
            body: String::new(),
            commit: None,
        }),
    };
    Ok(Parsed::Act(Box::new(PrEvent { pr, action })))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn merge_request_variables_are_read() {
        let mut vars: HashMap<&str, &str> = HashMap::from([
            ("CI_PIPELINE_SOURCE", "merge_request_event"),
            ("CI_MERGE_REQUEST_IID", "7"),
            ("GITLAB_USER_LOGIN", "rita"),
            (
                "CI_MERGE_REQUEST_PROJECT_URL",
                "https://gitlab.example.com/g/p",
            ),
            ("CI_COMMIT_SHA", "aaaa"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", ""),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "test/a"),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "service"),
            ("CI_JOB_ID", "99"),
        ]);
        let read = |vars: &HashMap<&str, &str>, mode| {
            parse(mode, |k| vars.get(k).map(|v| v.to_string())).unwrap()
        };
        let Parsed::Act(ev) = read(&vars, Mode::Approve) else {
            panic!("not acted on")
        };
        assert_eq!(ev.pr.head_sha, "aaaa");
        assert_eq!(
            ev.pr.url,
            "https://gitlab.example.com/g/p/-/merge_requests/7"
        );
        assert!(
            matches!(ev.action, Action::Approved(ref r) if r.id == Some(99) && r.login == "rita")
        );
        vars.insert("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "bbbb");
        let Parsed::Act(ev) = read(&vars, Mode::Plan) else {
            panic!("not acted on")
        };
        assert_eq!(ev.pr.head_sha, "bbbb");
        vars.insert("CI_PIPELINE_SOURCE", "push");
        assert!(matches!(read(&vars, Mode::Plan), Parsed::Nothing(_)));
        vars.insert("CI_PIPELINE_SOURCE", "merge_request_event");
        vars.remove("CI_MERGE_REQUEST_IID");
        assert!(parse(Mode::Plan, |k| vars.get(k).map(|v| v.to_string())).is_err());
    }
}
