//! `cekops init`

use std::path::PathBuf;
use std::process::ExitCode;

use super::args::Ci;
use cekops::error::usage;
use cekops::ops::init::InitOptions;
use cekops::ops::init::add_ci;
use cekops::ops::init::init;

/// Start an extension repository: `cekops.toml`, `extensions/` and a first commit on `service`.
///
/// Writes `cekops.toml` (the branch names and the review policy: reviewers, one approval required,
/// no self-approval, no signature required), `extensions/.gitkeep` and a `.gitignore`, and commits
/// them as the first commit of the `service` branch — the console's Commercial-use version. The
/// commit is authored by your git identity (GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL, else user.name and
/// user.email).
///
/// DIR (default: the current folder) gets `git init` when it is not the top of a repository. In a
/// repository that already has commits, `service` starts from the current commit with one commit
/// on top and is checked out; your other branches stay as they are (the work tree must have no
/// uncommitted changes). Existing files are never overwritten: if `cekops.toml` or
/// `extensions/.gitkeep` exists, nothing is written; an existing `.gitignore` is kept.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 created, 1 refused (files exist, branch exists, uncommitted changes), 2 usage error.\n\nExamples:\n  cekops init my-extensions --reviewer alice@example.com --reviewer bob@example.com\n  cekops init                                   the current folder\n  cekops init --service-branch main             when the protected branch is to be `main`\n  cekops init --ci github                       also write a GitHub Actions workflow\n\nNext: cekops new com.example.hello --language ko-KR"
)]
pub struct InitArgs {
    /// Folder of the new repository (created when missing; default: the current folder).
    #[arg(value_name = "DIR")]
    pub folder: Option<PathBuf>,
    /// E-mail identity allowed to approve reviews (repeat for several reviewers).
    #[arg(long = "reviewer", value_name = "EMAIL")]
    pub reviewers: Vec<String>,
    /// Name of the protected service branch, written to `[branches] service`.
    #[arg(long, value_name = "NAME", default_value = "service")]
    pub service_branch: String,
    /// Also write a CI workflow: `github` (`.github/workflows/cekops.yml`) or `gitlab`
    /// (`.gitlab-ci.yml`). It makes a pull (merge) request from a test branch into the service
    /// branch the review: `cekops ci` posts the plan as one comment and keeps it up to date, and
    /// an approval (GitHub: an approving review; GitLab: the manual job "Approve and deploy") by a
    /// reviewer fast-forwards the service branch. Every request also gets `validate`, `fmt
    /// --check` and `test`, every push to the service branch `audit`. The workflow builds the
    /// cekops commit this binary was built from (`CEKOPS_GIT_URL`, `CEKOPS_GIT_REV` override the
    /// source) and names the secrets to create; README "Reviewing in pull requests" gives the
    /// branch protection to set. In a repository that already has `cekops.toml`, only the
    /// workflow is written (to the work tree, to commit on a test branch and have reviewed).
    #[arg(long, value_enum, value_name = "CI")]
    pub ci: Option<Ci>,
}

pub fn run(ctx: &super::Context, args: &InitArgs) -> anyhow::Result<ExitCode> {
    let dir = match &args.folder {
        Some(d) => ctx.dir.join(d),
        None => ctx.dir.clone(),
    };
    if let Some(ci) = args.ci
        && std::fs::symlink_metadata(dir.join("cekops.toml")).is_ok()
    {
        if !args.reviewers.is_empty() || args.service_branch != "service" {
            return Err(usage(
                "this repository is already initialised: `--ci` alone adds the workflow",
            )
            .hint("change reviewers or branch names in `cekops.toml` through a config review")
            .into());
        }
        let r = add_ci(&dir, ci.into())?;
        let mut s = format!("Wrote {} (not committed)\n", r.written.display());
        match &r.ci_identity {
            Some(email) => s.push_str(&format!(
                "The workflow commits approvals as {email} (`[forge] ci_identity`)\n"
            )),
            None => s.push_str(&ci_identity_note()),
        }
        s.push_str(&format!(
            "\nnext: create the secrets the workflow names, commit it on a test branch and request a review; it is a repository-level file, so it reaches `{}` like any other change\n",
            r.service
        ));
        super::err(&s);
        return Ok(ExitCode::SUCCESS);
    }
    let report = init(&InitOptions {
        dir,
        reviewers: args.reviewers.clone(),
        service_branch: args.service_branch.clone(),
        ci: args.ci.map(Into::into),
    })?;
    let dir = report
        .dir
        .canonicalize()
        .unwrap_or_else(|_| report.dir.clone());
    let shown = dir.display();
    let mut s = String::new();
    if report.created_repo {
        s.push_str(&format!("Initialized an empty git repository in {shown}\n"));
    }
    if let Some(outer) = &report.nested_in {
        s.push_str(&format!(
            "note: this is a separate repository inside the work tree of {} (as `git init` would make it)\n",
            outer.display()
        ));
    }
    s.push_str(&format!("Created {}\n", report.written.join(", ")));
    for k in &report.kept {
        s.push_str(&format!("Kept the existing {k}\n"));
    }
    match &report.based_on {
        Some(base) => s.push_str(&format!(
            "Committed {} on a new branch `{}`, on top of `{base}` (now checked out; `{base}` is unchanged)\n",
            report.commit.short(),
            report.branch
        )),
        None => s.push_str(&format!(
            "Committed {} as the first commit of `{}`\n",
            report.commit.short(),
            report.branch
        )),
    }
    if !report.untracked.is_empty() {
        let n = report.untracked.len();
        s.push_str(&format!(
            "note: {n} {} in the folder {} not committed (commit them with `git add` and `git commit`)\n",
            if n == 1 { "file" } else { "files" },
            if n == 1 { "is" } else { "are" },
        ));
    }
    if args.ci.is_some() {
        s.push_str(&ci_identity_note());
    }
    if report.reviewers.is_empty() {
        s.push_str("warning: no reviewers: nobody can approve a review until cekops.toml lists one under [review] reviewers\n");
    }
    s.push_str("\nnext: cekops new com.example.hello --language ko-KR\n");
    s.push_str("      cekops hooks install    (validate on commit, protect the service branch)\n");
    super::err(&s);
    Ok(ExitCode::SUCCESS)
}

/// What to do when `cekops.toml` names no CI identity.
fn ci_identity_note() -> String {
    format!(
        "note: the workflow commits approvals as {} (CEKOPS_CI_EMAIL); set it and `[forge] ci_identity` in cekops.toml to your CI identity (README \"Reviewing in pull requests\")\n",
        cekops::ops::ci::DEFAULT_CI_EMAIL
    )
}
