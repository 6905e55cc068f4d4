//! `cekops new`: register an extension — the console's "Create extension".
//!
//! Builds a commit straight from git objects (the tree of `service` plus the scaffold's blobs, with
//! `service` as parent), creates the extension's test branch at it, and checks the branch out
//! only when that cannot overwrite anything. Every check runs before anything is written; a
//! refused command changes no ref, no file and no index entry.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::Result;

use crate::diag::Severity;
use crate::error::refused;
use crate::error::usage;
use crate::git;
use crate::git::Oid;
use crate::git::identity;
use crate::git::objects;
use crate::git::refs;
use crate::git::worktree;
use crate::load;
use crate::model::Language;
use crate::rules;
use crate::rules::Stage;
use crate::tree::Entry;

#[derive(Clone, Debug)]
pub struct NewOptions {
    /// A folder inside the repository.
    pub dir: PathBuf,
    /// The Extension ID.
    pub id: String,
    pub language: Language,
    /// Extension name (default: from the ID).
    pub name: Option<String>,
    /// The invocation name (default: the name).
    pub invocation_name: Option<String>,
    /// Developer company (default: the git author name).
    pub provider: Option<String>,
    /// Contact e-mail (default: the git author e-mail).
    pub contact_email: Option<String>,
}

/// What happened to the work tree after the branch was created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checkout {
    /// The new branch is checked out.
    Switched,
    /// A bare repository has no work tree.
    Bare,
    /// Not checked out: these uncommitted changes (or untracked files in the way) would be at risk.
    Dirty(Vec<String>),
    /// The checkout was refused by git (nothing was overwritten).
    Failed(String),
}

#[derive(Clone, Debug)]
pub struct NewReport {
    pub id: String,
    /// The new test branch.
    pub branch: String,
    /// The service branch it starts from.
    pub service: String,
    pub commit: Oid,
    /// Files of the scaffold (repository paths).
    pub files: Vec<String>,
    pub checkout: Checkout,
}

/// Why an ID is refused, with a hint; `None` when it is a valid Extension ID.
fn id_problem(id: &str) -> Option<(String, String)> {
    const FORMAT: &str = "an Extension ID is lower-case reverse-domain notation: two or more dot-separated parts of a-z, 0-9, `-` and `_`, such as `com.example.pizzabot`";
    if id.trim().is_empty() {
        return Some(("the Extension ID is empty".into(), FORMAT.into()));
    }
    if rules::is_valid_id(id) {
        return None;
    }
    let lower = id.trim().to_lowercase();
    let hint = if rules::is_valid_id(&lower) {
        format!("did you mean `{lower}`? {FORMAT}")
    } else {
        FORMAT.to_string()
    };
    Some((format!("`{id}` is not a valid Extension ID"), hint))
}

/// The service branch name: from `cekops.toml` in the checked-out commit when it names one, else
/// `service`.
fn service_branch_name(repo: &git::Repository) -> String {
    repo.head_commit()
        .and_then(|h| super::chart::config_at(repo, h))
        .map(|c| c.branches.service.value)
        .unwrap_or_else(|| "service".to_string())
}

/// A readable default name from the ID's last part: `pizza-bot` → `Pizza bot`.
fn default_name(id: &str) -> String {
    let last = id.rsplit('.').next().unwrap_or(id).replace(['-', '_'], " ");
    let mut c = last.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => id.to_string(),
    }
}

/// Register an extension: create its test branch from `service` with a scaffold committed.
pub fn new(opts: &NewOptions) -> Result<NewReport> {
    let id = opts.id.as_str();
    if let Some((message, hint)) = id_problem(id) {
        return Err(usage(message).hint(hint).into());
    }
    let repo = git::try_discover(&opts.dir).ok_or_else(|| {
        usage(format!(
            "`{}` is not inside a git repository",
            opts.dir.display()
        ))
        .hint("run `cekops init` to start an extension repository")
    })?;
    let service = service_branch_name(&repo);
    let Some(service_commit) = refs::branch_target(&repo, &service) else {
        return Err(refused(format!("this repository has no `{service}` branch"))
            .hint("`cekops new` starts every extension from the service branch; run `cekops init` to create it")
            .into());
    };
    let config = super::chart::config_for_new(&repo, service_commit, &service)?;
    let branch = config.branches.test_branch(id);
    if !refs::is_valid_branch_name(&branch) {
        return Err(usage(format!(
            "`{id}` cannot be used in a branch name (`{branch}`)"
        ))
        .hint("git does not allow a branch name part to end with `.lock`; choose another ID")
        .into());
    }
    let folder = format!("extensions/{id}");
    if objects::exists_at(&repo, service_commit, &folder)? {
        return Err(
            refused(format!("extension `{id}` already exists on `{service}`"))
                .hint(format!(
                    "work on it in its test branch: `git switch {branch}` (or `git switch -c {branch} {service}` if the branch was deleted)"
                ))
                .into(),
        );
    }
    // A deletion is durable: only `cekops restore` brings a deleted extension back.
    if let Ok(chart) = super::chart::Chart::from_repo(repo.reopen()?)
        && let Some(rec) = chart.latest(id)?
        && rec.kind == crate::model::RecordKind::Delete
    {
        return Err(refused(format!(
            "extension `{id}` was deleted (record `{id}/{}.toml` on `{}`); its ID stays taken",
            rec.number,
            chart.records_name()
        ))
        .hint(format!(
            "bring it back with `cekops restore {id}` (run `cekops fetch` first in a team)"
        ))
        .into());
    }
    if refs::branch_exists(&repo, &branch) {
        return Err(refused(format!("branch `{branch}` already exists"))
            .hint(format!(
                "extension `{id}` is already registered; work on it with `git switch {branch}`"
            ))
            .into());
    }
    let (author, committer) = identity::author_and_committer(Some(&repo))?;
    let name = opts
        .name
        .clone()
        .unwrap_or_else(|| default_name(id))
        .trim()
        .to_string();
    if name.is_empty() {
        return Err(usage("the extension name is empty")
            .hint("give the name shown in the Skill Store with `--name`")
            .into());
    }
    let invocation = opts
        .invocation_name
        .clone()
        .unwrap_or_else(|| name.clone())
        .trim()
        .to_string();
    check_invocation_name(&invocation, opts.language, opts.invocation_name.is_some())?;

    // The snapshot `service` will have with the extension added: for the clash and validation
    // checks below.
    let want = folder.clone();
    let load_fn =
        move |p: &str| p == "cekops.toml" || p.ends_with("/extension.toml") || p.starts_with(&want);
    let service_c = repo.resolve_commit(&service_commit.to_string())?;
    let mut snapshot = git::snapshot::tree_from_commit(&repo, service_c, &load_fn)?;
    check_invocation_clash(&snapshot, &invocation)?;

    let scaffold = Scaffold {
        id,
        language: opts.language,
        name: &name,
        invocation: &invocation,
        provider: opts.provider.as_deref().unwrap_or(&author.name),
        contact_email: opts.contact_email.as_deref().unwrap_or(&author.email),
    };
    let files: Vec<objects::NewFile> = scaffold
        .files()
        .into_iter()
        .map(|(rel, text)| objects::NewFile::new(format!("{folder}/{rel}"), text))
        .collect();
    for f in &files {
        snapshot.insert(f.path.clone(), Entry::Blob(f.content.clone().into()));
    }
    check_scaffold(&snapshot, id)?;

    let tree = objects::tree_with(
        &repo,
        Some(objects::tree_of(&repo, service_commit)?),
        &files,
    )?;
    let message = format!(
        "Register extension {id} ({})\n\nScaffold created by `cekops new`: basic information, server connection, deployment\ninformation, one intent and one test.\n",
        opts.language.code()
    );
    let commit = objects::create_commit(
        &repo,
        tree,
        &[service_commit],
        &author,
        &committer,
        &message,
    )?;
    refs::create_branch(&repo, &branch, commit, &format!("cekops new {id}"))?;

    let checkout = if repo.is_bare() {
        Checkout::Bare
    } else {
        let changes = worktree::changes(&repo)?;
        let prefix = format!("{folder}/");
        let mut blocking = changes.modified;
        blocking.extend(
            changes
                .untracked
                .into_iter()
                .filter(|p| p.starts_with(&prefix)),
        );
        if blocking.is_empty() {
            match worktree::switch(&repo, &branch) {
                Ok(()) => Checkout::Switched,
                Err(e) => Checkout::Failed(format!("{e:#}")),
            }
        } else {
            Checkout::Dirty(blocking)
        }
    };
    Ok(NewReport {
        id: id.to_string(),
        branch,
        service,
        commit,
        files: files.into_iter().map(|f| f.path).collect(),
        checkout,
    })
}

fn check_invocation_name(name: &str, lang: Language, given: bool) -> Result<()> {
    let flag_hint = if given {
        "choose another `--invocation-name`"
    } else {
        "give one with `--invocation-name` (it defaults to the name)"
    };
    if name.is_empty() {
        return Err(usage("the invocation name is empty").hint(flag_hint).into());
    }
    let squashed = rules::squash(name);
    if let Some(word) = rules::lang::reserved_invocation_words(lang)
        .iter()
        .find(|w| squashed.contains(&rules::squash(w)))
    {
        return Err(usage(format!(
            "invocation name `{name}` contains `{word}`, a wake word, start/stop word or particle"
        ))
        .hint(format!("the console rejects such names; {flag_hint}"))
        .into());
    }
    Ok(())
}

fn check_invocation_clash(snapshot: &crate::tree::Tree, name: &str) -> Result<()> {
    let (repo, _) = load::load(snapshot, Some(&BTreeSet::new()));
    let key = rules::squash(name);
    for ext in &repo.extensions {
        let Some(info) = &ext.info else { continue };
        if info
            .invocation_names
            .value
            .iter()
            .any(|n| rules::squash(&n.value) == key)
        {
            return Err(refused(format!(
                "invocation name `{name}` is already used by `{}`",
                ext.id
            ))
            .hint("invocation names are unique across extensions (ignoring case and spaces); choose one with `--invocation-name`")
            .into());
        }
    }
    Ok(())
}

/// The scaffold must pass `validate` (test stage): anything else is refused before writing.
fn check_scaffold(snapshot: &crate::tree::Tree, id: &str) -> Result<()> {
    let only: BTreeSet<String> = [id.to_string()].into();
    let (repo, sink) = load::load(snapshot, Some(&only));
    let mut diags = sink.diagnostics;
    if let Some(ext) = repo.extension(id) {
        diags.extend(rules::check_extension(ext, &sink.sources, Stage::Test));
    }
    diags.extend(rules::check_repo(&repo, Stage::Test));
    let prefix = format!("extensions/{id}/");
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .filter(|d| {
            d.location
                .as_ref()
                .is_some_and(|l| l.file.starts_with(&prefix))
                || d.related
                    .iter()
                    .any(|r| r.location.file.starts_with(&prefix))
        })
        .map(|d| {
            let file = d.location.as_ref().map(|l| l.file.as_str()).unwrap_or("");
            format!("{file}: {} [{}]", d.message, d.code)
        })
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(usage(format!(
        "the new extension would not pass `cekops validate`:\n  {}",
        errors.join("\n  ")
    ))
    .hint("adjust `--name`, `--invocation-name`, `--provider` or `--contact-email`; nothing was written")
    .into())
}

/// The files of a new extension, relative to its folder.
struct Scaffold<'a> {
    id: &'a str,
    language: Language,
    name: &'a str,
    invocation: &'a str,
    provider: &'a str,
    contact_email: &'a str,
}

fn q(s: &str) -> String {
    toml_edit::Value::from(s).to_string()
}

impl Scaffold<'_> {
    /// The files in the canonical layout of `cekops fmt`.
    fn files(&self) -> Vec<(&'static str, String)> {
        self.templates()
            .into_iter()
            .map(|(p, t)| {
                let t = crate::tomlfmt::format(&t).unwrap_or(t);
                (p, t)
            })
            .collect()
    }

    fn templates(&self) -> Vec<(&'static str, String)> {
        vec![
            ("extension.toml", self.extension()),
            ("server.toml", self.server()),
            ("store.toml", self.store()),
            ("interaction-model/intents/HelloIntent.toml", self.intent()),
            ("tests/hello.toml", self.tests()),
        ]
    }

    fn kr(&self) -> bool {
        self.language == Language::Korean
    }

    fn extension(&self) -> String {
        let builtins = rules::lang::required_intents(self.language)
            .iter()
            .map(|i| q(i))
            .collect::<Vec<_>>()
            .join(", ");
        let (names_doc, reading, testers) = if self.kr() {
            (
                "# What users say to start the extension: 1 to 3 names. Check in the Clova app that speech\n# recognition picks them up.",
                "",
                "# NAVER account IDs allowed to test the in-development version (at most 10, yours included).\n# testers = [\"naver_id\"]\n",
            )
        } else {
            (
                "# What users say to start the skill: the main invocation name first, then up to 4 sub names\n# that absorb speech-recognition spelling variants.",
                "# The speech reading (kana) of the skill name, used for text-to-speech.\n# name_reading = \"\"\n",
                "",
            )
        };
        let builtin_doc = if self.kr() {
            "KR extensions must handle Guide, Cancel, Yes\n# and No"
        } else {
            "JP skills must handle Clova.GuideIntent;\n# add Clova.FallbackIntent to receive utterances no intent matches"
        };
        format!(
            "\
# Basic information: the console's Extension information tab. `cekops validate` checks every rule.

# The Extension ID: reverse-domain notation, equal to the folder name. It can never change.
id = {id}
type = \"custom\"
language = {lang}
# The name shown in the Skill Store; include the brand or maker.
name = {name}
{reading}{names_doc}
invocation_names = [{invocation}]
# The company or individual that made the extension (shown in the Skill Store, reviewed).
provider = {provider}
# Receives important notices from the operator; not shown to users.
contact_email = {email}
# true when the extension sends AudioPlayer directives (streaming audio; AAC is not allowed).
audio_player = false
{testers}# Built-in intents the interaction model uses: {builtin_doc}.
builtin_intents = [{builtins}]
# Built-in slot types in use, e.g. \"CLOVA.NUMBER\"; a slot may use a built-in type only when it is
# listed here.
builtin_slot_types = []
",
            id = q(self.id),
            lang = q(self.language.code()),
            name = q(self.name),
            invocation = q(self.invocation),
            provider = q(self.provider),
            email = q(self.contact_email),
        )
    }

    fn server(&self) -> String {
        let env = format!(
            "{}_CLIENT_SECRET",
            self.id
                .rsplit('.')
                .next()
                .unwrap_or(self.id)
                .to_uppercase()
                .replace(['-', '.'], "_")
        );
        let endpoint_doc = if self.kr() {
            "# KR: HTTP on port 80 is allowed while testing; in service it must be HTTPS on port 443."
        } else {
            "# JP: HTTPS on port 443 only."
        };
        format!(
            "\
# Server connection: the console's Server connection settings tab.

# The extension server that receives CEK's POST requests (replace this placeholder).
{endpoint_doc}
endpoint = {endpoint}
# The server's certificate is from a trusted CA (self-signed certificates are not accepted).
trusted_certificate = true

# Account linking (OAuth 2.0 authorization-code grant): uncomment to turn it on. Secrets are
# never written in files: `client_secret` names the environment variable that holds it.
# [account_linking]
# authorization_uri = \"https://auth.example.com/authorize\"
# client_id = \"your-client-id\"
# access_token_uri = \"https://auth.example.com/token\"
# client_secret = {{ env = \"{env}\" }}
# scopes = [\"profile\"]
",
            endpoint = q(&format!("https://extension.example.com/{}", self.id)),
        )
    }

    fn store(&self) -> String {
        if self.kr() {
            "\
# Deployment information: the console's Skill Store exposure and privacy pages. While the
# extension is in test, missing fields are warnings; a review request needs them all, and the icons.

[store]
# Classification used for browsing and search, e.g. \"food-and-drink\".
# category = \"\"
# The Skill Store description (at most 500 characters): what the extension does, how to use it
# and how to reach support.
# description = \"\"
# A short description for promotion (at most 200 characters).
# short_description = \"\"
# Exactly three utterances that work by voice; the first appears on the Skill Store home.
# example_phrases = [\"\", \"\", \"\"]
# Search keywords (at most 100 characters joined with commas).
# keywords = []
# Icons, relative to the extension folder: a 108×108 and a 512×512 PNG or JPG.
# small_icon = \"assets/icon-108.png\"
# large_icon = \"assets/icon-512.png\"

[privacy]
# Does the user pay inside the extension?
purchase = false
# Does the extension collect personal information? (true needs `privacy_policy_url`)
personal_info = false
# Can minors use the extension?
# minors = false
# privacy_policy_url = \"https://example.com/privacy\"
# terms_url = \"https://example.com/terms\"

[review]
# For the reviewers, never shown to users: a one-line summary, then each intent with example
# utterances.
# description = \"\"
"
            .to_string()
        } else {
            "\
# Deployment information: the console's Skill Store and privacy pages. While the skill is in
# test, missing fields are warnings; a review request needs them all, and the icon.

[store]
# The Skill Store description: what the skill does and how to use it.
# description = \"\"
# Representative utterances; the first launches the skill by its main invocation name.
# example_phrases = [\"\"]
# Search keywords (at most 5).
# keywords = []
# The icon, relative to the extension folder: a 512×512 PNG or JPG.
# large_icon = \"assets/icon-512.png\"
# Target devices that may invoke the skill.
# target_devices = []

[privacy]
# Does the user pay inside the skill?
purchase = false
# Does the skill collect personal information? (true needs `privacy_policy_url`)
personal_info = false
# privacy_policy_url = \"https://example.com/privacy\"
# terms_url = \"https://example.com/terms\"

[review]
# Comments for the reviewers.
# description = \"\"
# The provider: \"corporation\" or \"individual\", and the name shown in the store.
# provider_type = \"individual\"
# provider_name = \"\"
"
            .to_string()
        }
    }

    fn intent(&self) -> String {
        let (utterances, example) = if self.kr() {
            (
                ["안녕", "안녕하세요", "반가워"],
                "<city>서울</city> 날씨 알려줘",
            )
        } else {
            (
                ["こんにちは", "こんばんは", "おはよう"],
                "<city>東京</city>の天気を教えて",
            )
        };
        format!(
            "\
# A custom intent; the file name is the intent name.
description = \"Greets the user back\"
# Sample utterances (at most 2,000). Slots are tagged with a real value: \"{example}\".
utterances = [{}]

# Slots: slot name = slot type (a custom type in ../slot-types/ or a built-in CLOVA.* type listed
# in extension.toml).
# [slots]
# city = \"CITY\"
",
            utterances
                .iter()
                .map(|u| q(u))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    fn tests(&self) -> String {
        let utterance = if self.kr() {
            "안녕"
        } else {
            "こんにちは"
        };
        format!(
            "\
# Utterance tests for `cekops test`: each case is an utterance and the intent (and slots) it must
# match.

[[case]]
utterance = {}
intent = \"HelloIntent\"
",
            q(utterance)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(id_problem("com.example.hello").is_none());
        assert!(id_problem("").is_some());
        assert!(id_problem("../x").is_some());
        assert!(id_problem("has space.x").is_some());
        let (_, hint) = id_problem("com.Example.Hello").unwrap();
        assert!(hint.contains("`com.example.hello`"), "{hint}");
    }

    #[test]
    fn default_names() {
        assert_eq!(default_name("com.example.pizza-bot"), "Pizza bot");
        assert_eq!(default_name("jp.co.line.hello_world"), "Hello world");
    }

    #[test]
    fn scaffold_files_are_canonical() {
        for language in [Language::Korean, Language::Japanese] {
            let s = Scaffold {
                id: "com.example.hello",
                language,
                name: "Hello \"quoted\"",
                invocation: "헬로",
                provider: "Dev",
                contact_email: "dev@example.com",
            };
            for (path, text) in s.templates() {
                let formatted = crate::tomlfmt::format(&text);
                assert!(
                    formatted.is_ok(),
                    "{path} is not valid TOML: {formatted:?}\n{text}"
                );
            }
            for (path, text) in s.files() {
                assert!(text.ends_with('\n') && !text.contains("  \n"), "{path}");
            }
        }
    }
}
