//! CI workflow templates written by `cekops init --ci github|gitlab`.
//!
//! Pull-request mode (README "Reviewing in pull requests"): on every pull (merge) request event
//! the workflow runs `cekops ci github|gitlab`, which records the request as a cekops review,
//! checks it and prints the plan comment; the workflow posts it as ONE comment per request (the
//! comment whose body starts with [`MARKER`] and was written by the CI's own account is edited,
//! else a new one is added), always, and then fails the job with cekops's exit status. An approval
//! (GitHub: an approving review; GitLab: the manual job "Approve and deploy") makes the same
//! command fast-forward `service` and push it with the record, as the CI identity and with push
//! credentials from a secret. Besides, every pull request gets `cekops validate`, `cekops fmt
//! --check` and `cekops test`, and every push to `service` `cekops audit`.
//!
//! Nothing from the event (titles, branch names, bodies) is spliced into shell code: scripts read
//! it from environment variables. Branch names come from `cekops.toml`.
//!
//! cekops is built from its git repository: `CEKOPS_GIT` holds the URL (from the environment
//! variable `CEKOPS_GIT_URL` when `init --ci` runs, else the one this binary was built with, else a
//! placeholder that makes the install step fail with a message saying what to set),
//! `CEKOPS_REV` the commit this binary was built from (`CEKOPS_GIT_REV` overrides it), and
//! `CEKOPS_INSTALL` the command, so a team with its own build or package changes one line. The
//! built binary is cached, keyed on that commit, so only the first run builds it.

use std::path::Path;
use std::path::PathBuf;

use anyhow::Context as _;
use anyhow::Result;

use crate::error::refused;
use crate::model::Branches;

/// Which CI system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ci {
    /// GitHub Actions: `.github/workflows/cekops.yml`.
    Github,
    /// GitLab CI/CD: `.gitlab-ci.yml`.
    Gitlab,
}

impl Ci {
    /// Where the workflow goes, relative to the top of the repository.
    pub fn path(self) -> &'static str {
        match self {
            Ci::Github => ".github/workflows/cekops.yml",
            Ci::Gitlab => ".gitlab-ci.yml",
        }
    }
}

/// The first line of the plan comment `cekops ci` prints: the workflows find the comment they
/// posted before by it (and by its author) and edit that one instead of adding another.
pub const MARKER: &str = "<!-- cekops:plan -->";

/// `CEKOPS_GIT` when no URL is known: the install step refuses it with a message.
pub const GIT_PLACEHOLDER: &str = "REPLACE-ME with the git URL of cekops";

/// The committer e-mail of the CI identity when `cekops.toml` has no `[forge] ci_identity`.
pub const DEFAULT_CI_EMAIL: &str = "cekops-ci@example.com";

/// The committer name of the CI identity when `[forge] ci_identity` names none.
pub const DEFAULT_CI_NAME: &str = "cekops CI";

/// Where the generated workflows build cekops from: `$CEKOPS_GIT_URL` when `init --ci` runs,
/// else the URL this binary was built with (`CEKOPS_GIT_URL` at build time), else
/// [`GIT_PLACEHOLDER`].
pub fn source_url() -> String {
    std::env::var("CEKOPS_GIT_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .or_else(|| option_env!("CEKOPS_GIT_URL").map(str::to_string))
        .unwrap_or_else(|| GIT_PLACEHOLDER.to_string())
}

/// The commit the generated workflows install: `$CEKOPS_GIT_REV` when `init --ci` runs, else the
/// commit this binary was built from (empty when unknown: the workflows then build the default
/// branch of `CEKOPS_GIT`).
pub fn source_rev() -> String {
    std::env::var("CEKOPS_GIT_REV")
        .ok()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| env!("CEKOPS_COMMIT").to_string())
}

/// The CI identity (committer name and e-mail) from the text of `cekops.toml`: `[forge]
/// ci_identity` as `email` or `Name <email>`; None when it is not set.
pub fn ci_identity(cekops_toml: &str) -> Option<(String, String)> {
    let table: toml::Table = toml::from_str(cekops_toml).ok()?;
    let raw = table.get("forge")?.get("ci_identity")?.as_str()?.trim();
    let (name, email) = match raw.split_once('<') {
        Some((name, rest)) => (name.trim(), rest.trim_end().strip_suffix('>')?.trim()),
        None => ("", raw),
    };
    if email.is_empty() {
        return None;
    }
    let name = if name.is_empty() {
        DEFAULT_CI_NAME
    } else {
        name
    };
    Some((name.to_string(), email.to_string()))
}

/// What a generated workflow is made of.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The branch names from `cekops.toml`.
    pub branches: Branches,
    /// The git URL cekops is built from.
    pub git_url: String,
    /// The commit of cekops to build; empty: the default branch.
    pub rev: String,
    /// The CI identity: committer name and e-mail.
    pub identity: (String, String),
}

impl Settings {
    /// Settings for these branch names and this CI identity (None: the default one), building
    /// the cekops this binary was built from.
    pub fn new(branches: &Branches, identity: Option<(String, String)>) -> Settings {
        Settings {
            branches: branches.clone(),
            git_url: source_url(),
            rev: source_rev(),
            identity: identity
                .unwrap_or_else(|| (DEFAULT_CI_NAME.to_string(), DEFAULT_CI_EMAIL.to_string())),
        }
    }
}

/// A shell single-quoted word.
fn shell_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A YAML double-quoted scalar.
fn yaml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const GITHUB: &str = r#"# cekops for GitHub Actions (written by `cekops init --ci github`; README "Reviewing in pull
# requests").
#
# - A pull request from a test branch into the service branch is the review. The `plan` job runs
#   `cekops ci github` on every event of it: opened, reopened or pushed to, it records the request
#   as a cekops review (a push drops stale approvals), validates it with the service-stage rules
#   and runs its utterance tests; an approving review by a reviewer of cekops.toml fast-forwards
#   the service branch to the pull request's head and pushes it with the approval record (GitHub
#   then shows the pull request merged); "Request changes" rejects the review; closing the pull
#   request cancels it. Each time the job posts the plan as ONE comment on the pull request
#   (edited, never repeated), then fails when cekops failed.
# - Every pull request: `cekops validate` (findings as annotations on the changed lines),
#   `cekops fmt --check` and `cekops test` (the `checks` job).
# - Every push to the service branch: `cekops audit` proves each step of its history was an
#   approved fast-forward (or an approved stop).
#
# Settings -> Secrets and variables -> Actions. The `plan` job pushes the service branch and the
# records with credentials that may move the protected service branch (the workflow's own
# GITHUB_TOKEN cannot, and pushes made with it start no workflow), either
# - a GitHub App installed on this repository with "Contents: read and write": secrets
#   CEKOPS_APP_ID = its App ID and CEKOPS_APP_KEY = its private key; or
# - secret CEKOPS_TOKEN = a fine-grained personal access token of a bot account with
#   "Contents: read and write" on this repository.
# Optional secret CEKOPS_SIGNING_KEY = the CI identity's ssh private key (OpenSSH format): the
# records it writes are then signed (needed with `require_signed = true`).
# Then protect the service branch so that only that App or bot account can push to it.
name: cekops

on:
  pull_request:
    types: [opened, reopened, synchronize, closed]
  pull_request_review:
    types: [submitted]
  push:
    branches:
      - @SERVICE@

# The plan comment is posted with the workflow's own token; pushes use the credentials above.
permissions:
  contents: read
  pull-requests: write

env:
  # Where cekops is built from: the git URL of its source repository and the commit to build.
  CEKOPS_GIT: @GIT@
  CEKOPS_REV: @REV@
  # How cekops is installed; replace it with your own build or package if you have one.
  CEKOPS_INSTALL: @INSTALL@
  SERVICE_BRANCH: @SERVICE@
  RECORDS_BRANCH: @RECORDS@
  # The CI identity that commits the records: its e-mail must be `[forge] ci_identity` in
  # cekops.toml on the service branch.
  CEKOPS_CI_NAME: @CI_NAME@
  CEKOPS_CI_EMAIL: @CI_EMAIL@

jobs:
  checks:
    if: github.event_name == 'pull_request' && github.event.action != 'closed'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          # The pull request's own commit (a review approves exactly that commit).
          ref: ${{ github.event.pull_request.head.sha }}
          fetch-depth: 0
          persist-credentials: false
@INSTALL_STEPS@
      - name: Validate
        env:
          BASE_REF: ${{ github.base_ref }}
        run: |
          # Bound for the service branch: the rules `cekops review request` applies.
          stage=test
          if [ "$BASE_REF" = "$SERVICE_BRANCH" ]; then
            stage=service
          fi
          cekops validate --stage "$stage" --format github
      - name: Formatting
        run: cekops fmt --check
      - name: Utterance tests
        run: cekops test

  plan:
    # A pull request from a fork runs with a read-only token and without secrets: it gets the
    # checks only (README "Reviewing in pull requests").
    if: >-
      (github.event_name == 'pull_request' || github.event_name == 'pull_request_review')
      && github.event.pull_request.head.repo.full_name == github.repository
    runs-on: ubuntu-latest
    # One run at a time per pull request: two approvals queue instead of racing.
    concurrency:
      group: cekops-${{ github.event.pull_request.number }}
      cancel-in-progress: false
    env:
      CEKOPS_APP_ID: ${{ secrets.CEKOPS_APP_ID }}
    steps:
      - name: Token of the GitHub App
        id: app
        if: env.CEKOPS_APP_ID != ''
        uses: actions/create-github-app-token@v1
        with:
          app-id: ${{ env.CEKOPS_APP_ID }}
          private-key: ${{ secrets.CEKOPS_APP_KEY }}
      - uses: actions/checkout@v4
        with:
          # cekops takes the commits from the event, never from HEAD; the checkout gives it the
          # whole history and the credentials to push to origin.
          ref: ${{ github.event.pull_request.head.sha }}
          fetch-depth: 0
          token: ${{ steps.app.outputs.token || secrets.CEKOPS_TOKEN || github.token }}
@INSTALL_STEPS@
      - name: CI identity
        env:
          SIGNING_KEY: ${{ secrets.CEKOPS_SIGNING_KEY }}
        run: |
          git config user.name "$CEKOPS_CI_NAME"
          git config user.email "$CEKOPS_CI_EMAIL"
          if [ -n "$SIGNING_KEY" ]; then
            key="$RUNNER_TEMP/cekops-signing-key"
            (umask 077 && printf '%s\n' "$SIGNING_KEY" > "$key")
            git config gpg.format ssh
            git config user.signingKey "$key"
            git config commit.gpgSign true
          fi
      - name: Plan
        id: plan
        env:
          PLAN: ${{ runner.temp }}/cekops-plan.md
        run: |
          # 0 done; 1 the plan has errors, or the approval could not move the service branch;
          # 2 usage or environment error. The comment is posted first, then the job fails.
          rm -f "$PLAN"
          status=0
          cekops ci github --comment-file "$PLAN" || status=$?
          echo "status=$status" >> "$GITHUB_OUTPUT"
      - name: Post the plan comment
        env:
          GH_TOKEN: ${{ github.token }}
          PLAN: ${{ runner.temp }}/cekops-plan.md
          PR_NUMBER: ${{ github.event.pull_request.number }}
          MARKER: @MARKER@
          # The account GH_TOKEN posts as: only a comment of its own is ever edited.
          COMMENT_AUTHOR: github-actions[bot]
        run: |
          if [ ! -s "$PLAN" ]; then
            echo "cekops: nothing to post"
            exit 0
          fi
          cat "$PLAN" >> "$GITHUB_STEP_SUMMARY"
          body="$PLAN"
          # A comment holds 65536 characters at most: a longer plan is cut, whole in the summary.
          if [ "$(wc -c < "$PLAN")" -gt 65000 ]; then
            body="$RUNNER_TEMP/cekops-plan-cut.md"
            {
              head -c 60000 "$PLAN"
              printf '\n\n---\n*Cut: the plan is longer than a comment may be. The whole plan is in the summary of %s*\n' \
                "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"
            } > "$body"
          fi
          # The comment posted before: by COMMENT_AUTHOR, its body starting with the marker.
          id=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" \
            --jq '.[] | select(.user.login == $ENV.COMMENT_AUTHOR and (.body | startswith($ENV.MARKER))) | .id' | sed -n 1p)
          if [ -n "$id" ]; then
            gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$body" > /dev/null
            echo "cekops: updated the plan comment $id"
          else
            gh pr comment "$PR_NUMBER" --repo "$GITHUB_REPOSITORY" --body-file "$body"
          fi
      - name: Exit status of cekops
        if: steps.plan.outputs.status != '0'
        env:
          STATUS: ${{ steps.plan.outputs.status }}
        run: |
          echo "::error::cekops ci github exited with status $STATUS (the plan comment says why)"
          exit "$STATUS"

  audit:
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
          persist-credentials: false
@INSTALL_STEPS@
      - name: Local service and records branches
        run: |
          git branch --force "$SERVICE_BRANCH" "$GITHUB_SHA" 2>/dev/null || test "$(git rev-parse HEAD)" = "$GITHUB_SHA"
          if git ls-remote --exit-code --heads origin "$RECORDS_BRANCH" >/dev/null; then
            git fetch --no-tags origin "+refs/heads/$RECORDS_BRANCH:refs/remotes/origin/$RECORDS_BRANCH"
            git branch --force "$RECORDS_BRANCH" "origin/$RECORDS_BRANCH"
          fi
      - name: Audit
        run: cekops audit --rev "$SERVICE_BRANCH"
"#;

/// The steps of every GitHub job that install cekops: the binary of `CEKOPS_REV` from the cache,
/// else built.
const GITHUB_INSTALL_STEPS: &str = r#"      - name: Cache cekops
        uses: actions/cache@v4
        with:
          path: ~/.cargo/bin/cekops
          key: cekops-${{ runner.os }}-${{ env.CEKOPS_REV || github.run_id }}
      - name: Install cekops
        run: |
          if [ "$CEKOPS_GIT" = @PLACEHOLDER@ ]; then
            echo "::error::set CEKOPS_GIT in this workflow to the git URL of cekops (README \"Hooks and CI\")"
            exit 1
          fi
          rev=$(printf '%.12s' "$CEKOPS_REV")
          if [ -n "$rev" ] && cekops --version 2>/dev/null | grep -qF "(commit $rev"; then
            echo "cekops $rev from the cache"
          else
            eval "$CEKOPS_INSTALL"
          fi
          cekops --version"#;

const GITLAB: &str = r#"# cekops for GitLab CI/CD (written by `cekops init --ci gitlab`; README "Reviewing in pull
# requests").
#
# - A merge request from a test branch into the service branch is the review. `cekops-plan` runs
#   `cekops ci gitlab plan` in every merge-request pipeline: it records the request as a cekops
#   review (a push drops stale approvals), validates it with the service-stage rules and runs its
#   utterance tests. A reviewer of cekops.toml approves by running the manual job "Approve and
#   deploy" (`cekops ci gitlab approve`; GitLab authenticates who ran it as GITLAB_USER_LOGIN): it
#   fast-forwards the service branch to the merge request's head and pushes it with the approval
#   record (GitLab then shows the merge request merged). Both jobs post the plan as ONE note on
#   the merge request (edited, never repeated), then fail when cekops failed.
# - Every merge request: `cekops validate`, `cekops fmt --check` and `cekops test`.
# - Every push to the service branch: `cekops audit` proves each step of its history was an
#   approved fast-forward (or an approved stop).
#
# Settings -> CI/CD -> Variables (masked; not "protected", so merge-request pipelines get them):
# - CEKOPS_GITLAB_TOKEN: a project access token (or a bot user's personal access token) with the
#   Maintainer role and the scopes `api` (notes) and `write_repository` (push); protect the
#   service branch so that only it can push (README).
# - CEKOPS_SIGNING_KEY (optional, type File): the CI identity's ssh private key (OpenSSH format):
#   the records it writes are then signed (needed with `require_signed = true`).

variables:
  # Where cekops is built from: the git URL of its source repository and the commit to build.
  CEKOPS_GIT: @GIT@
  CEKOPS_REV: @REV@
  # How cekops is installed; replace it with your own build or package if you have one.
  CEKOPS_INSTALL: @INSTALL@
  SERVICE_BRANCH: @SERVICE@
  RECORDS_BRANCH: @RECORDS@
  # The CI identity that commits the records: its e-mail must be `[forge] ci_identity` in
  # cekops.toml on the service branch.
  CEKOPS_CI_NAME: @CI_NAME@
  CEKOPS_CI_EMAIL: @CI_EMAIL@
  CEKOPS_MARKER: @MARKER@
  # Full history: cekops reads git objects.
  GIT_DEPTH: "0"

stages:
  - test
  - deploy

default:
  image: rust:latest
  # The built cekops, kept between pipelines (keyed on the commit it is built from).
  cache:
    key: cekops-$CEKOPS_REV
    paths:
      - .cekops-ci/
  before_script:
    - |
      if [ "$CEKOPS_GIT" = @PLACEHOLDER@ ]; then
        echo "set CEKOPS_GIT in .gitlab-ci.yml to the git URL of cekops (README \"Hooks and CI\")"
        exit 1
      fi
      # The cache folder is no file of the repository.
      exclude="$(git rev-parse --git-path info/exclude)"
      mkdir -p "$(dirname "$exclude")"
      grep -qx '/.cekops-ci/' "$exclude" 2>/dev/null || echo '/.cekops-ci/' >> "$exclude"
      export PATH="$CI_PROJECT_DIR/.cekops-ci/bin:$PATH"
      rev=$(printf '%.12s' "$CEKOPS_REV")
      if [ -n "$rev" ] && cekops --version 2>/dev/null | grep -qF "(commit $rev"; then
        echo "cekops $rev from the cache"
      else
        eval "$CEKOPS_INSTALL"
      fi
      cekops --version

# The CI identity and the push credentials of `cekops ci gitlab`.
.cekops-identity: &cekops-identity
  - |
    if [ -z "${CEKOPS_GITLAB_TOKEN:-}" ]; then
      echo "set the CI/CD variable CEKOPS_GITLAB_TOKEN (README \"Reviewing in pull requests\")"
      exit 2
    fi
    git config user.name "$CEKOPS_CI_NAME"
    git config user.email "$CEKOPS_CI_EMAIL"
    # Push with the token, which a credential helper reads from the environment (never written to disk).
    git remote set-url origin "$CI_PROJECT_URL.git"
    git config credential.helper '!f() { test "$1" = get || return 0; echo username=cekops-ci; echo "password=$CEKOPS_GITLAB_TOKEN"; }; f'
    if [ -n "${CEKOPS_SIGNING_KEY:-}" ]; then
      key="$CEKOPS_SIGNING_KEY"
      if [ ! -f "$key" ]; then
        key="${TMPDIR:-/tmp}/cekops-signing-key-$CI_JOB_ID"
        (umask 077 && printf '%s\n' "$CEKOPS_SIGNING_KEY" > "$key")
      fi
      chmod 600 "$key"
      git config gpg.format ssh
      git config user.signingKey "$key"
      git config commit.gpgSign true
    fi
    note="${TMPDIR:-/tmp}/cekops-note-$CI_JOB_ID.md"
    rm -f "$note"

# Posts "$note" as ONE note on the merge request: the note by the token's own account whose body
# starts with the marker is edited, else a new one is added. Nothing to post: nothing is posted.
.cekops-note: &cekops-note
  - |
    if [ ! -s "$note" ]; then
      echo "cekops: nothing to post"
    else
      command -v jq >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }
      api="$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes"
      auth="PRIVATE-TOKEN: $CEKOPS_GITLAB_TOKEN"
      CEKOPS_NOTE_AUTHOR=$(curl -fsS -H "$auth" "$CI_API_V4_URL/user" | jq -r .username)
      export CEKOPS_NOTE_AUTHOR
      found=""
      page=1
      while [ -n "$page" ] && [ -z "$found" ]; do
        curl -fsS -H "$auth" -D "$note.headers" -o "$note.page" "$api?sort=asc&order_by=created_at&per_page=100&page=$page"
        found=$(jq -r 'map(select(.author.username == env.CEKOPS_NOTE_AUTHOR and (.body | startswith(env.CEKOPS_MARKER)))) | first | .id // empty' "$note.page")
        page=$(tr -d '\r' < "$note.headers" | sed -n 's/^[Xx]-[Nn]ext-[Pp]age: *//p')
      done
      jq -Rs '{body: .}' "$note" > "$note.json"
      if [ -n "$found" ]; then
        curl -fsS -X PUT -H "$auth" -H "Content-Type: application/json" --data-binary "@$note.json" "$api/$found" > /dev/null
        echo "cekops: updated the plan note $found"
      else
        curl -fsS -X POST -H "$auth" -H "Content-Type: application/json" --data-binary "@$note.json" "$api" > /dev/null
        echo "cekops: posted the plan note"
      fi
    fi

cekops-checks:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  script:
    - |
      # Bound for the service branch: the rules `cekops review request` applies.
      stage=test
      if [ "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" = "$SERVICE_BRANCH" ]; then
        stage=service
      fi
      cekops validate --stage "$stage"
    - cekops fmt --check
    - cekops test

cekops-plan:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event" && $CI_MERGE_REQUEST_TARGET_BRANCH_NAME == $SERVICE_BRANCH
  # One job at a time per merge request: a plan and an approval queue instead of racing.
  resource_group: cekops-$CI_MERGE_REQUEST_IID
  script:
    - *cekops-identity
    # 0 done; 1 the plan has errors; 2 usage or environment error. The note is posted first.
    - status=0; cekops ci gitlab plan --comment-file "$note" || status=$?
    - *cekops-note
    - exit "$status"

# Manual: the reviewer who runs it is the approver. Not allowed to fail, so the pipeline shows
# "blocked" until a reviewer approves, and "failed" when the approval was refused.
Approve and deploy:
  stage: deploy
  needs: [cekops-plan]
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event" && $CI_MERGE_REQUEST_TARGET_BRANCH_NAME == $SERVICE_BRANCH
      when: manual
      allow_failure: false
  resource_group: cekops-$CI_MERGE_REQUEST_IID
  script:
    - *cekops-identity
    # 0 done; 1 the approval could not move the service branch; 2 usage or environment error.
    - status=0; cekops ci gitlab approve --comment-file "$note" || status=$?
    - *cekops-note
    - exit "$status"

cekops-audit:
  rules:
    - if: $CI_COMMIT_BRANCH == $SERVICE_BRANCH
  script:
    - git branch --force "$SERVICE_BRANCH" "$CI_COMMIT_SHA"
    - |
      if git ls-remote --exit-code --heads origin "$RECORDS_BRANCH" >/dev/null; then
        git fetch --no-tags origin "+refs/heads/$RECORDS_BRANCH:refs/heads/$RECORDS_BRANCH"
      fi
    - cekops audit --rev "$SERVICE_BRANCH"
"#;

/// The workflow text for these settings.
pub fn workflow(ci: Ci, settings: &Settings) -> String {
    let rev_arg = if settings.rev.is_empty() {
        ""
    } else {
        " --rev \"$CEKOPS_REV\""
    };
    let (template, install) = match ci {
        Ci::Github => (
            GITHUB,
            format!("cargo install --locked --git \"$CEKOPS_GIT\"{rev_arg} cekops"),
        ),
        Ci::Gitlab => (
            GITLAB,
            format!(
                "cargo install --locked --root \"$CI_PROJECT_DIR/.cekops-ci\" --git \"$CEKOPS_GIT\"{rev_arg} cekops"
            ),
        ),
    };
    let b = &settings.branches;
    template
        .replace("@INSTALL_STEPS@", GITHUB_INSTALL_STEPS)
        .replace("@INSTALL@", &yaml_str(&install))
        .replace("@GIT@", &yaml_str(&settings.git_url))
        .replace("@REV@", &yaml_str(&settings.rev))
        .replace("@PLACEHOLDER@", &shell_str(GIT_PLACEHOLDER))
        .replace("@SERVICE@", &yaml_str(&b.service.value))
        .replace("@RECORDS@", &yaml_str(&b.records.value))
        .replace("@CI_NAME@", &yaml_str(&settings.identity.0))
        .replace("@CI_EMAIL@", &yaml_str(&settings.identity.1))
        .replace("@MARKER@", &yaml_str(MARKER))
}

/// Write the workflow into the work tree at `root` (never over an existing file). Returns the
/// repository path written.
pub fn write(root: &Path, ci: Ci, settings: &Settings) -> Result<PathBuf> {
    let rel = ci.path();
    let path = root.join(rel);
    // An empty regular file is what an interrupted run (kill -9, a full disk) of an older cekops
    // left behind: nobody's workflow, so it does not block writing one.
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() == 0) {
        std::fs::remove_file(&path)
            .with_context(|| format!("cannot remove the empty `{}`", path.display()))?;
    }
    if std::fs::symlink_metadata(&path).is_ok() {
        return Err(refused(format!("`{rel}` already exists"))
            .hint("cekops never overwrites it; move it away to write a fresh one, or add the cekops steps to it by hand (README \"Hooks and CI\")")
            .into());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create folder `{}`", parent.display()))?;
    }
    write_new(&path, workflow(ci, settings).as_bytes()).map_err(|e| {
        refused(format!("cannot write `{}`: {e}", path.display()))
            .hint("nothing was written; free some space (or fix the permissions) and run it again")
    })?;
    Ok(PathBuf::from(rel))
}

/// Write a new file all at once or not at all: the bytes go to a temporary file beside it, which
/// is then linked into place (failing if the file exists meanwhile) and removed. A failed write
/// (a full disk) leaves nothing behind; a killed run leaves at most the temporary
/// `.<name>.cekops-tmp`, which the next run replaces.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.cekops-tmp"));
    let result = std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branches() -> Branches {
        Branches::default()
    }

    #[test]
    fn the_ci_identity_comes_from_the_forge_table() {
        let email = |t: &str| ci_identity(t);
        assert_eq!(
            email("[forge]\nci_identity = \"bot@example.com\"\n"),
            Some(("cekops CI".into(), "bot@example.com".into()))
        );
        assert_eq!(
            email("[forge]\nci_identity = \"Deploy Bot <bot@example.com>\"\n"),
            Some(("Deploy Bot".into(), "bot@example.com".into()))
        );
        assert_eq!(
            email("[forge]\nci_identity = \"<bot@example.com>\"\n"),
            Some(("cekops CI".into(), "bot@example.com".into()))
        );
        // not set, not a string, unterminated, empty, not TOML: none
        assert_eq!(email("[review]\nreviewers = []\n"), None);
        assert_eq!(email("[forge]\nci_identity = 3\n"), None);
        assert_eq!(
            email("[forge]\nci_identity = \"Bot <bot@example.com\"\n"),
            None
        );
        assert_eq!(email("[forge]\nci_identity = \"  \"\n"), None);
        assert_eq!(email("[forge\n"), None);
    }

    #[test]
    fn every_placeholder_is_filled_and_values_are_quoted() {
        for ci in [Ci::Github, Ci::Gitlab] {
            let mut settings = Settings::new(&branches(), None);
            settings.git_url = "https://example.com/\"x\"".into();
            settings.rev = "abc".into();
            let text = workflow(ci, &settings);
            let left: Vec<&str> = text
                .split('@')
                .skip(1)
                .step_by(2)
                .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
                .collect();
            assert!(left.is_empty(), "{ci:?}: {left:?}");
            assert!(
                text.contains(r#"CEKOPS_GIT: "https://example.com/\"x\"""#),
                "{text}"
            );
            assert!(text.contains(r#"--rev \"$CEKOPS_REV\" cekops"#), "{text}");
            assert!(text.contains("CEKOPS_CI_EMAIL: \"cekops-ci@example.com\""));
            // unknown commit: the default branch, no `--rev`
            settings.rev = String::new();
            let text = workflow(ci, &settings);
            assert!(!text.contains("--rev \\\"$CEKOPS_REV"), "{text}");
            assert!(text.contains("CEKOPS_REV: \"\""));
        }
    }

    #[test]
    fn no_expression_is_spliced_into_the_github_scripts() {
        // Between `run: |` and the next key of the step, no `${{`: the event's data reaches
        // the scripts through `env:` only.
        let text = workflow(Ci::Github, &Settings::new(&branches(), None));
        let mut in_run = None;
        for line in text.lines() {
            let indent = line.len() - line.trim_start().len();
            if let Some(i) = in_run {
                if !line.trim().is_empty() && indent <= i {
                    in_run = None;
                } else {
                    assert!(!line.contains("${{"), "{line}");
                }
            }
            if line.trim_start().starts_with("run:") {
                assert!(!line.contains("${{"), "{line}");
                in_run = Some(indent);
            }
        }
    }

    #[test]
    fn yaml_strings_escape_quotes() {
        assert_eq!(yaml_str("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(yaml_str("test/"), "\"test/\"");
    }
}
