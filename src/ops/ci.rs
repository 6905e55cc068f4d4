//! CI workflow templates written by `cekops init --ci github|gitlab`.
//!
//! Both run the same things: on every pull (merge) request `cekops validate` (with the
//! service-stage rules when the request goes into `service`, exactly as `cekops review request`
//! checks it), `cekops fmt --check` and `cekops test`; the semantic `cekops diff` of a test branch
//! against `service` for requests from a test branch into `service` (exit 2 = "there are changes"
//! is not a failure); and `cekops audit` on every push to `service`. Branch names come from
//! `cekops.toml` and reach the scripts through variables, never spliced into shell code.
//!
//! cekops is built from its git repository: `CEKOPS_GIT` holds the URL (from the environment
//! variable `CEKOPS_GIT_URL` when `init --ci` runs, else the one this binary was built with, else a
//! placeholder that makes the install step fail with a message saying what to set), and
//! `CEKOPS_INSTALL` the command, so a team with its own build or package changes one line.

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

/// The way the workflows install cekops: built from its git repository at `$CEKOPS_GIT`.
pub const DEFAULT_INSTALL: &str = "cargo install --locked --git \"$CEKOPS_GIT\" cekops";

/// `CEKOPS_GIT` when no URL is known: the install step refuses it with a message.
pub const GIT_PLACEHOLDER: &str = "REPLACE-ME with the git URL of cekops";

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

const GITHUB: &str = r#"# cekops for GitHub Actions (written by `cekops init --ci github`).
#
# - pull requests: `cekops validate` with findings as annotations on the changed files (with the
#   service-stage rules for a pull request into the service branch, as `cekops review request`
#   applies them), `cekops fmt --check` and the utterance tests `cekops test`; for a pull request
#   from a test branch into the service branch, the semantic diff of the extension goes into the
#   job summary.
# - pushes to the service branch: `cekops audit` proves every step of its history was an
#   approved fast-forward (or an approved stop).
#
# Protect the service branch (README "Hooks and CI"): only `cekops review approve` + `cekops push`
# should move it, and this workflow's `audit` job is the status check that proves it.
name: cekops

on:
  pull_request:
  push:
    branches:
      - @SERVICE@

permissions:
  contents: read

env:
  # Where cekops is built from: the git URL of its source repository (README "Hooks and CI").
  CEKOPS_GIT: @GIT@
  # How cekops is installed; replace it with your own build or package if you have one.
  CEKOPS_INSTALL: @INSTALL@
  SERVICE_BRANCH: @SERVICE@
  RECORDS_BRANCH: @RECORDS@
  # Test branches are named TEST_PREFIX + <Extension ID> + TEST_SUFFIX.
  TEST_PREFIX: @TEST_PREFIX@
  TEST_SUFFIX: @TEST_SUFFIX@

jobs:
  validate:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          # The test branch's own commit (a review approves exactly that commit).
          ref: ${{ github.event.pull_request.head.sha }}
          fetch-depth: 0
      - name: Install cekops
        run: |
          if [ "$CEKOPS_GIT" = @PLACEHOLDER@ ]; then
            echo "::error::set CEKOPS_GIT in this workflow to the git URL of cekops (README \"Hooks and CI\")"
            exit 1
          fi
          eval "$CEKOPS_INSTALL"
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
      - name: Semantic diff into the job summary
        env:
          HEAD_REF: ${{ github.head_ref }}
          BASE_REF: ${{ github.base_ref }}
        run: |
          id="${HEAD_REF#"$TEST_PREFIX"}"
          id="${id%"$TEST_SUFFIX"}"
          if [ "$BASE_REF" != "$SERVICE_BRANCH" ] || [ "$id" = "$HEAD_REF" ] || [ -z "$id" ]; then
            echo "not a request from a test branch into $SERVICE_BRANCH: no diff"
            exit 0
          fi
          git fetch --no-tags origin "+refs/heads/$SERVICE_BRANCH:refs/remotes/origin/$SERVICE_BRANCH"
          # Exit status: 0 no change, 2 changes (both fine), anything else an error.
          status=0
          cekops diff "$id" --from "origin/$SERVICE_BRANCH" --to HEAD --format markdown >> "$GITHUB_STEP_SUMMARY" || status=$?
          if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then
            exit "$status"
          fi

  audit:
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - name: Install cekops
        run: |
          if [ "$CEKOPS_GIT" = @PLACEHOLDER@ ]; then
            echo "::error::set CEKOPS_GIT in this workflow to the git URL of cekops (README \"Hooks and CI\")"
            exit 1
          fi
          eval "$CEKOPS_INSTALL"
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

const GITLAB: &str = r#"# cekops for GitLab CI/CD (written by `cekops init --ci gitlab`).
#
# - merge requests: `cekops validate` (with the service-stage rules for a merge request into the
#   service branch, as `cekops review request` applies them), `cekops fmt --check` and the
#   utterance tests `cekops test`; for a merge request from a test branch into the service branch,
#   the semantic diff of the extension is kept as the artifact `cekops-diff.md`.
# - pushes to the service branch: `cekops audit` proves every step of its history was an
#   approved fast-forward (or an approved stop).
#
# Protect the service branch (README "Hooks and CI"): allowed to push = the maintainers who run
# `cekops review approve` + `cekops push`, allowed to merge = no one, force push off.

variables:
  # Where cekops is built from: the git URL of its source repository (README "Hooks and CI").
  CEKOPS_GIT: @GIT@
  # How cekops is installed; replace it with your own build or package if you have one.
  CEKOPS_INSTALL: @INSTALL@
  SERVICE_BRANCH: @SERVICE@
  RECORDS_BRANCH: @RECORDS@
  # Test branches are named TEST_PREFIX + <Extension ID> + TEST_SUFFIX.
  TEST_PREFIX: @TEST_PREFIX@
  TEST_SUFFIX: @TEST_SUFFIX@
  # Full history: audit and diff read git objects.
  GIT_DEPTH: "0"

default:
  image: rust:latest
  before_script:
    - |
      if [ "$CEKOPS_GIT" = @PLACEHOLDER@ ]; then
        echo "set CEKOPS_GIT in .gitlab-ci.yml to the git URL of cekops (README \"Hooks and CI\")"
        exit 1
      fi
      eval "$CEKOPS_INSTALL"

cekops-validate:
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

cekops-diff:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event" && $CI_MERGE_REQUEST_TARGET_BRANCH_NAME == $SERVICE_BRANCH
  script:
    - |
      head_ref="$CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"
      id="${head_ref#"$TEST_PREFIX"}"
      id="${id%"$TEST_SUFFIX"}"
      if [ "$id" = "$head_ref" ] || [ -z "$id" ]; then
        echo "not a request from a test branch: no diff" > cekops-diff.md
        exit 0
      fi
      git fetch --no-tags origin "+refs/heads/$SERVICE_BRANCH:refs/remotes/origin/$SERVICE_BRANCH"
      # Exit status: 0 no change, 2 changes (both fine), anything else an error.
      status=0
      cekops diff "$id" --from "origin/$SERVICE_BRANCH" --to HEAD --format markdown > cekops-diff.md || status=$?
      cat cekops-diff.md
      if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then
        exit "$status"
      fi
  artifacts:
    expose_as: cekops diff
    paths:
      - cekops-diff.md

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

/// The workflow text for a repository with these branch names, building cekops from the git
/// repository at `git_url`.
pub fn workflow(ci: Ci, branches: &Branches, git_url: &str) -> String {
    let pattern = &branches.test.value;
    let (prefix, suffix) = pattern.split_once("{id}").unwrap_or((pattern, ""));
    let template = match ci {
        Ci::Github => GITHUB,
        Ci::Gitlab => GITLAB,
    };
    template
        .replace("@INSTALL@", &yaml_str(DEFAULT_INSTALL))
        .replace("@GIT@", &yaml_str(git_url))
        .replace("@PLACEHOLDER@", &shell_str(GIT_PLACEHOLDER))
        .replace("@SERVICE@", &yaml_str(&branches.service.value))
        .replace("@RECORDS@", &yaml_str(&branches.records.value))
        .replace("@TEST_PREFIX@", &yaml_str(prefix))
        .replace("@TEST_SUFFIX@", &yaml_str(suffix))
}

/// Write the workflow into the work tree at `root` (never over an existing file). Returns the
/// repository path written.
pub fn write(root: &Path, ci: Ci, branches: &Branches) -> Result<PathBuf> {
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
    write_new(&path, workflow(ci, branches, &source_url()).as_bytes()).map_err(|e| {
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

    #[test]
    fn yaml_strings_escape_quotes() {
        assert_eq!(yaml_str("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(yaml_str("test/"), "\"test/\"");
    }
}
