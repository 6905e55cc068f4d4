//! `cekops init`: start an extension repository.
//!
//! Writes `cekops.toml` (branch names and the review policy), `extensions/.gitkeep` and a
//! `.gitignore`, and makes them the first commit of the `service` branch.
//!
//! - A folder that is not the top of a git repository gets `git init` (HEAD on `service`).
//! - A repository without commits gets the commit as its first one, on `service`.
//! - A repository with commits keeps all of them: `service` is created from the current HEAD with
//!   one commit on top that adds the new files, and HEAD moves to `service`; the branch that was
//!   checked out is left as it was. This needs a work tree without uncommitted changes, since the
//!   new branch must hold exactly what the user has.
//!
//! Nothing is overwritten: when `cekops.toml` or `extensions/.gitkeep` exists the command refuses
//! and writes nothing; an existing `.gitignore` is kept as it is. Every refusal happens before
//! anything is written.

use std::path::Path;
use std::path::PathBuf;

use anyhow::Context as _;
use anyhow::Result;

use crate::error::refused;
use crate::error::usage;
use crate::git::Oid;
use crate::git::identity;
use crate::git::objects;
use crate::git::refs;
use crate::git::worktree;
use crate::model::Branches;
use crate::ops::ci;
use crate::ops::ci::Ci;
use crate::rules::is_email;

#[derive(Clone, Debug)]
pub struct InitOptions {
    /// The folder to make the repository (created when missing).
    pub dir: PathBuf,
    /// E-mail identities allowed to approve reviews.
    pub reviewers: Vec<String>,
    /// Name of the protected service branch.
    pub service_branch: String,
    /// A CI workflow to write and commit too.
    pub ci: Option<Ci>,
}

#[derive(Clone, Debug)]
pub struct InitReport {
    /// The repository folder.
    pub dir: PathBuf,
    /// Whether `git init` ran.
    pub created_repo: bool,
    /// Files written and committed (repository paths).
    pub written: Vec<String>,
    /// Files that existed and were kept as they are.
    pub kept: Vec<String>,
    /// The new commit on the service branch.
    pub commit: Oid,
    pub branch: String,
    /// What HEAD was when the repository already had commits (the base of `service`).
    pub based_on: Option<String>,
    /// Files in the folder that are not part of any commit (left for the user to add).
    pub untracked: Vec<String>,
    /// The reviewers written to `cekops.toml`.
    pub reviewers: Vec<String>,
    /// When a new repository was created inside another one's work tree: that work tree.
    pub nested_in: Option<PathBuf>,
}

const GITKEEP: &str = "extensions/.gitkeep";

const GITIGNORE: &str = "\
# Secrets are referenced from the environment (`client_secret = { env = \"NAME\" }`): keep
# local environment files out of git.
.env
.env.*

# Editors and operating systems
.DS_Store
Thumbs.db
*.swp
*~
.idea/
";

/// The `cekops.toml` of a new repository.
pub fn config_text(service: &str, reviewers: &[String]) -> String {
    let quote = |s: &str| toml_edit::Value::from(s).to_string();
    let list = reviewers
        .iter()
        .map(|r| quote(r))
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!(
        "\
# cekops repository settings. The review policy is read from the `{service}` branch only, never
# from a branch under review: changing it is itself a reviewed change.

[branches]
# The protected branch holding every in-service extension (the console's Commercial use version).
service = {service_q}
# The test branch of each extension (the console's Test version); {{id}} is the Extension ID.
test = \"test/{{id}}\"
# The append-only branch holding review and lifecycle records.
records = \"cekops/records\"

[review]
# E-mail identities allowed to approve reviews, matched against the approver's git identity.
reviewers = [{list}]
# Distinct reviewer approvals a review needs before `{service}` moves.
required_approvals = 1
# Whether the person who requested a review may also approve it.
allow_self_approval = false
# Whether approvals must carry an ssh or gpg signature from `allowed_signers`.
require_signed = false
",
        service_q = quote(service),
    );
    crate::tomlfmt::format(&text).unwrap_or(text)
}

fn check_options(opts: &InitOptions) -> Result<Vec<String>> {
    let service = &opts.service_branch;
    let clashes = service == "test"
        || service.starts_with("test/")
        || service == "cekops"
        || service.starts_with("cekops/");
    if !refs::is_valid_branch_name(service) || service.contains(['{', '}']) || clashes {
        return Err(usage(format!("`{service}` cannot be the service branch"))
            .hint("use a plain branch name such as `service` or `main` (not `test/…` or `cekops/…`, which cekops uses)")
            .into());
    }
    let mut reviewers: Vec<String> = Vec::new();
    for r in &opts.reviewers {
        let r = r.trim().to_string();
        if !is_email(&r) {
            return Err(usage(format!("reviewer `{r}` is not an e-mail address"))
                .hint("reviewers are e-mail identities, matched against the approver's git identity (user.email)")
                .into());
        }
        if !reviewers.contains(&r) {
            reviewers.push(r);
        }
    }
    Ok(reviewers)
}

/// Start an extension repository in `opts.dir`.
pub fn init(opts: &InitOptions) -> Result<InitReport> {
    let reviewers = check_options(opts)?;
    let dir = &opts.dir;
    let service = opts.service_branch.as_str();
    if dir.exists() && !dir.is_dir() {
        return Err(usage(format!("`{}` is not a folder", dir.display())).into());
    }
    if worktree::is_bare_at(dir) {
        return Err(refused(format!("`{}` is a bare repository", dir.display()))
            .hint("cekops init needs a work tree; run it in a clone")
            .into());
    }
    let repo = if dir.exists() {
        worktree::open_at(dir)
    } else {
        None
    };

    // Refusals first: nothing is written before every check has passed.
    let mut conflicts = Vec::new();
    if std::fs::symlink_metadata(dir.join("cekops.toml")).is_ok() {
        conflicts.push("cekops.toml".to_string());
    }
    match std::fs::symlink_metadata(dir.join("extensions")) {
        Ok(m) if !m.is_dir() => conflicts.push("extensions (not a folder)".to_string()),
        _ => {}
    }
    if std::fs::symlink_metadata(dir.join(GITKEEP)).is_ok() {
        conflicts.push(GITKEEP.to_string());
    }
    if let Some(c) = opts.ci
        && std::fs::symlink_metadata(dir.join(c.path())).is_ok()
    {
        conflicts.push(c.path().to_string());
    }
    if !conflicts.is_empty() {
        return Err(refused(format!(
            "cekops init would overwrite existing files: {}",
            conflicts.join(", ")
        ))
        .hint("nothing was written; if this is already a cekops repository, run `cekops validate`, otherwise move those files away first")
        .into());
    }
    let head = repo.as_ref().and_then(crate::git::Repository::head_commit);
    if let Some(repo) = &repo {
        if refs::branch_exists(repo, service) {
            return Err(refused(format!("branch `{service}` already exists"))
                .hint(format!("cekops init starts the `{service}` branch itself; to keep your branch, pick another name with `--service-branch NAME`"))
                .into());
        }
        if head.is_some() {
            let changes = worktree::changes(repo)?;
            if !changes.modified.is_empty() {
                let mut shown: Vec<&str> = changes
                    .modified
                    .iter()
                    .take(10)
                    .map(String::as_str)
                    .collect();
                if changes.modified.len() > 10 {
                    shown.push("…");
                }
                return Err(refused(format!(
                    "the work tree has uncommitted changes: {}",
                    shown.join(", ")
                ))
                .hint(format!("`{service}` is created from your current commit; commit or stash the changes first, then run `cekops init` again"))
                .into());
            }
        }
    }
    let (author, committer) = identity::author_and_committer(repo.as_ref())?;

    // Write: objects and the branch first, then the work tree and the index.
    let mut files = vec![objects::NewFile::new(
        "cekops.toml",
        config_text(service, &reviewers),
    )];
    files.push(objects::NewFile::new(GITKEEP, ""));
    if let Some(c) = opts.ci {
        let mut branches = Branches::default();
        branches.service.value = service.to_string();
        files.push(objects::NewFile::new(
            c.path(),
            ci::workflow(c, &ci::Settings::new(&branches, None)),
        ));
    }
    let mut kept = Vec::new();
    if std::fs::symlink_metadata(dir.join(".gitignore")).is_ok() {
        kept.push(".gitignore".to_string());
    } else {
        files.push(objects::NewFile::new(".gitignore", GITIGNORE));
    }
    let created_repo = repo.is_none();
    let nested_in = if created_repo {
        dir.ancestors()
            .skip(1)
            .find(|a| a.is_dir())
            .and_then(worktree::enclosing_workdir)
    } else {
        None
    };
    let repo = match repo {
        Some(r) => r,
        None => worktree::init(dir, service)?,
    };
    let based_on = head.and_then(|_| repo.head_name());
    let base_tree = match head {
        Some(h) => Some(objects::tree_of(&repo, h)?),
        None => None,
    };
    let tree = objects::tree_with(&repo, base_tree, &files)?;
    let parents: Vec<Oid> = head.into_iter().collect();
    let commit = objects::create_commit(
        &repo,
        tree,
        &parents,
        &author,
        &committer,
        "Start the cekops extension repository\n\nAdd cekops.toml (branch names and review policy), extensions/ and .gitignore.\n",
    )?;
    refs::create_branch(&repo, service, commit, "cekops init")?;
    for f in &files {
        write_file(dir, &f.path, &f.content)?;
    }
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    worktree::set_head(&repo, service)?;
    worktree::stage(&repo, &paths)?;
    let untracked = worktree::changes(&repo)?.untracked;
    Ok(InitReport {
        dir: dir.clone(),
        created_repo,
        written: paths.iter().map(|p| p.to_string()).collect(),
        kept,
        commit,
        branch: service.to_string(),
        based_on,
        untracked,
        reviewers,
        nested_in,
    })
}

fn write_file(dir: &Path, rel: &str, content: &[u8]) -> Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create folder `{}`", parent.display()))?;
    }
    std::fs::write(&path, content).with_context(|| format!("cannot write `{}`", path.display()))
}

/// What `cekops init --ci` wrote in a repository that was already initialised.
#[derive(Clone, Debug)]
pub struct CiReport {
    /// The workflow file (repository path), written to the work tree and not committed.
    pub written: PathBuf,
    /// The service branch the workflow protects.
    pub service: String,
    /// The CI identity's e-mail from `[forge] ci_identity`; None: not set, the workflow has
    /// [`ci::DEFAULT_CI_EMAIL`].
    pub ci_identity: Option<String>,
}

/// `cekops init --ci` in a repository that already has `cekops.toml`: write only the workflow
/// (into the work tree, for the user to commit and have reviewed like any repository-level file),
/// with the branch names from the work tree's `cekops.toml`.
pub fn add_ci(dir: &Path, c: Ci) -> Result<CiReport> {
    let text = std::fs::read_to_string(dir.join("cekops.toml"))
        .with_context(|| format!("cannot read `{}`", dir.join("cekops.toml").display()))?;
    let cfg: crate::model::RepoConfig = toml::from_str(&text).map_err(|e| {
        refused(format!(
            "`cekops.toml` is not valid: {}",
            e.message().trim()
        ))
        .hint("run `cekops validate` for details")
    })?;
    let identity = ci::ci_identity(&text);
    let ci_identity = identity.as_ref().map(|(_, email)| email.clone());
    let written = ci::write(dir, c, &ci::Settings::new(&cfg.branches, identity))?;
    Ok(CiReport {
        written,
        service: cfg.branches.service.value,
        ci_identity,
    })
}
