//! Repository-wide rules: unique Extension IDs and invocation names, and `cekops.toml`.

use std::collections::HashMap;

use super::Stage;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::model::Repo;

pub fn check(repo: &Repo, _stage: Stage) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // IDs: the declared id of each extension.toml
    let mut ids: HashMap<String, (String, std::ops::Range<usize>)> = HashMap::new();
    // invocation names, squashed
    let mut names: HashMap<String, (String, String, std::ops::Range<usize>)> = HashMap::new();
    // Extensions read in full (the ones a `--staged` change touches) come last, so that a
    // duplicate is reported on them and not on an untouched extension whose findings are hidden.
    let mut exts: Vec<_> = repo.extensions.iter().collect();
    exts.sort_by_key(|e| e.full);
    for ext in exts {
        let Some(info) = &ext.info else { continue };
        let file = ext.path("extension.toml");
        let id = info.id.value.to_lowercase();
        if let Some((ofile, ospan)) = ids.get(&id) {
            out.push(
                Diagnostic::new(
                    Code::DuplicateId,
                    format!("Extension ID `{}` is declared twice", info.id.value),
                )
                .at(file.clone(), info.id.span.clone())
                .related(ofile.clone(), ospan.clone(), "also declared here")
                .hint("Extension IDs are unique across all extensions"),
            );
        } else {
            ids.insert(id, (file.clone(), info.id.span.clone()));
        }
        let mut own = std::collections::HashSet::new();
        for n in &info.invocation_names.value {
            let key = super::info::squash(&n.value);
            if key.is_empty() || !own.insert(key.clone()) {
                continue;
            }
            if let Some((oid, ofile, ospan)) = names.get(&key) {
                out.push(
                    Diagnostic::new(
                        Code::DuplicateInvocationName,
                        format!("invocation name `{}` is also used by `{oid}`", n.value),
                    )
                    .at(file.clone(), n.span.clone())
                    .related(ofile.clone(), ospan.clone(), format!("used by `{oid}`"))
                    .hint("invocation names must be unique (compared ignoring case and spaces)"),
                );
            } else {
                names.insert(key, (ext.id.clone(), file.clone(), n.span.clone()));
            }
        }
    }
    if let Some(cfg) = &repo.config {
        let path = "cekops.toml";
        let review = &cfg.review;
        for r in &review.reviewers {
            if !super::is_email(&r.value) {
                out.push(
                    Diagnostic::new(Code::ConfigInvalid, format!("reviewer `{}` is not an e-mail identity", r.value))
                        .at(path, r.span.clone())
                        .hint("reviewers are e-mail addresses, matched against the git identity of the approver"),
                );
            }
        }
        let need = review.required_approvals.value as usize;
        if need > review.reviewers.len().max(1) || need == 0 {
            out.push(
                Diagnostic::new(
                    Code::ConfigInvalid,
                    format!(
                        "{need} approvals required but {} reviewers listed",
                        review.reviewers.len()
                    ),
                )
                .at(path, review.required_approvals.span.clone())
                .hint("list at least as many reviewers as approvals required"),
            );
        }
        if review.require_signed && review.allowed_signers.is_none() {
            out.push(
                Diagnostic::new(
                    Code::ConfigInvalid,
                    "`require_signed = true` needs `allowed_signers`, the file that lists the reviewers' keys",
                )
                .at(path, 0..0)
                .hint("add `allowed_signers = \".cekops/allowed_signers\"` (git's allowed-signers format: `principal key-type key`)"),
            );
        }
        let forge = &cfg.forge;
        let maps = [("github", &forge.github), ("gitlab", &forge.gitlab)];
        if maps.iter().any(|(_, m)| !m.is_empty()) && forge.ci_identity.is_none() {
            out.push(
                Diagnostic::new(
                    Code::ConfigInvalid,
                    "`[forge]` maps logins but sets no `ci_identity`: no pull-request review can count",
                )
                .at(path, 0..0)
                .hint("add `ci_identity = \"cekops-ci@example.com\"` under `[forge]`: the identity the CI job records reviews as"),
            );
        }
        if let Some(ci) = &forge.ci_identity {
            if !super::is_email(&ci.value) {
                out.push(
                    Diagnostic::new(
                        Code::ConfigInvalid,
                        format!("`ci_identity` `{}` is not an e-mail identity", ci.value),
                    )
                    .at(path, ci.span.clone())
                    .hint("the CI job's GIT_AUTHOR_EMAIL, e.g. `cekops-ci@example.com`"),
                );
            } else if review
                .reviewers
                .iter()
                .any(|r| r.value.trim().eq_ignore_ascii_case(ci.value.trim()))
            {
                out.push(
                    Diagnostic::new(
                        Code::ConfigInvalid,
                        format!("`ci_identity` {} is also a reviewer", ci.value),
                    )
                    .at(path, ci.span.clone())
                    .hint("the CI identity records other people's reviews; as a reviewer, anything it writes would count as its own approval: give it an identity of its own"),
                );
            }
        }
        for (name, map) in maps {
            for (login, who) in map {
                if !super::is_email(&who.value) {
                    out.push(
                        Diagnostic::new(
                            Code::ConfigInvalid,
                            format!("`[forge] {name}` maps `{login}` to `{}`, which is not an e-mail identity", who.value),
                        )
                        .at(path, who.span.clone())
                        .hint("map each login to the person's e-mail identity, as listed in `[review] reviewers`"),
                    );
                }
            }
        }
        for (which, message) in cfg.branches.problems() {
            let span = match which {
                "service" => cfg.branches.service.span.clone(),
                "records" => cfg.branches.records.span.clone(),
                _ => cfg.branches.test.span.clone(),
            };
            out.push(
                Diagnostic::new(Code::ConfigInvalid, message)
                    .at(path, span)
                    .hint("for example `service = \"service\"`, `test = \"test/{id}\"`, `records = \"cekops/records\"`"),
            );
        }
    }
    out
}
