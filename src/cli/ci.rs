//! `cekops ci github|gitlab`

use std::path::PathBuf;
use std::process::ExitCode;

use cekops::error::usage;
use cekops::ops::pr;
use cekops::ops::pr::gitlab::Mode;

/// Act on a pull (merge) request event in CI: plan, approve, reject, cancel.
///
/// Run by the workflows `cekops init --ci github|gitlab` writes, in a checkout of the repository
/// whose `origin` the job may push to, as the CI identity (`[forge] ci_identity` in
/// `cekops.toml` on `service`: GIT_AUTHOR_EMAIL and GIT_COMMITTER_EMAIL). Only requests from a
/// test branch into the service branch are acted on:
///
/// - opened or updated: the review is requested (or follows the new head; approvals of another
///   tree stop counting), validated with service rules and tested; stdout is the plan comment;
/// - approved by a login `[forge]` maps to a reviewer: the approval is recorded with a forge
///   attestation, and the last required one fast-forwards `service` to the reviewed head;
///   `service` and the records are pushed in one `git push --atomic`;
/// - changes requested: the review is rejected with the review's text;
/// - closed without merging: the review is cancelled.
///
/// stdout is the comment to post (markdown whose first line is `<!-- cekops:plan -->`), empty
/// when there is nothing to say; progress goes to stderr. Commits come from the event, never
/// from `HEAD`.
#[derive(Debug, clap::Args)]
pub struct CiArgs {
    #[command(subcommand)]
    pub forge: CiForge,
}

#[derive(Debug, clap::Subcommand)]
pub enum CiForge {
    Github(GithubArgs),
    Gitlab(GitlabArgs),
}

/// Options every forge takes.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// The remote to fetch from and push to.
    #[arg(long, value_name = "NAME", default_value = "origin")]
    pub remote: String,
    /// Also write the comment to FILE (empty when there is nothing to post).
    #[arg(long, value_name = "FILE")]
    pub comment_file: Option<PathBuf>,
}

/// GitHub Actions: the `pull_request` or `pull_request_review` event.
///
/// Reads the event from GITHUB_EVENT_NAME and GITHUB_EVENT_PATH unless given. Exit status: 0
/// done (also: an approval by an unmapped or unlisted login, which the comment reports), 1 the
/// plan has errors or the approval could not move `service`, 2 a missing or unreadable event.
#[derive(Debug, clap::Args)]
pub struct GithubArgs {
    /// The event name (default: GITHUB_EVENT_NAME).
    #[arg(long, value_name = "NAME")]
    pub event_name: Option<String>,
    /// The webhook payload (default: the file GITHUB_EVENT_PATH names).
    #[arg(long, value_name = "FILE")]
    pub event: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

/// GitLab CI/CD: a merge-request pipeline (`plan`) or its manual job "Approve and deploy"
/// (`approve`).
///
/// Reads GitLab's predefined variables: CI_PIPELINE_SOURCE (must be merge_request_event),
/// CI_MERGE_REQUEST_IID, CI_MERGE_REQUEST_SOURCE_BRANCH_NAME, CI_MERGE_REQUEST_TARGET_BRANCH_NAME,
/// CI_MERGE_REQUEST_SOURCE_BRANCH_SHA (merged-results pipelines) else CI_COMMIT_SHA,
/// CI_MERGE_REQUEST_PROJECT_URL or CI_PROJECT_URL, CI_MERGE_REQUEST_TITLE,
/// CI_MERGE_REQUEST_DESCRIPTION, CI_JOB_ID, CI_JOB_URL, and GITLAB_USER_LOGIN: the requester for
/// `plan` (GitLab names no merge-request author), the reviewer GitLab authenticated for
/// `approve`. Exit status as for `cekops ci github`.
#[derive(Debug, clap::Args)]
pub struct GitlabArgs {
    /// `plan` (default) or `approve`.
    #[arg(value_enum, default_value_t = GitlabMode::Plan)]
    pub mode: GitlabMode,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum GitlabMode {
    Plan,
    Approve,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub fn run(ctx: &super::Context, args: &CiArgs) -> anyhow::Result<ExitCode> {
    let (parsed, common) = match &args.forge {
        CiForge::Github(a) => {
            let name = a.event_name.clone().or_else(|| env("GITHUB_EVENT_NAME")).ok_or_else(|| {
                usage("no event name: GITHUB_EVENT_NAME is not set")
                    .hint("run it in GitHub Actions, or pass `--event-name pull_request --event FILE`")
            })?;
            let path = a
                .event
                .clone()
                .or_else(|| env("GITHUB_EVENT_PATH").map(PathBuf::from))
                .ok_or_else(|| {
                    usage("no event payload: GITHUB_EVENT_PATH is not set")
                        .hint("run it in GitHub Actions, or pass `--event FILE`")
                })?;
            let json = std::fs::read_to_string(&path).map_err(|e| {
                usage(format!(
                    "cannot read the event payload `{}`: {e}",
                    path.display()
                ))
            })?;
            (
                pr::github::parse(&name, &json, &path.display().to_string())?,
                &a.common,
            )
        }
        CiForge::Gitlab(a) => {
            let mode = match a.mode {
                GitlabMode::Plan => Mode::Plan,
                GitlabMode::Approve => Mode::Approve,
            };
            (pr::gitlab::parse(mode, env)?, &a.common)
        }
    };
    let out = pr::run(
        &pr::RunOptions {
            dir: ctx.dir.clone(),
            remote: common.remote.clone(),
        },
        parsed,
    )?;
    let mut log = String::new();
    for l in &out.log {
        log.push_str(&format!("cekops ci: {l}\n"));
    }
    super::err(&log);
    let comment = out.comment.unwrap_or_default();
    if let Some(f) = &common.comment_file {
        std::fs::write(f, &comment).map_err(|e| {
            usage(format!(
                "cannot write the comment to `{}`: {e}",
                f.display()
            ))
        })?;
    }
    super::out(&comment);
    Ok(ExitCode::from(u8::from(out.failed)))
}
