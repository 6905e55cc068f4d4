//! Signed commits the way git signs them: `gpg.format = ssh` and `user.signingKey` (a key file,
//! a public key whose private half is in the ssh-agent, or a literal `key::ssh-...` key), signed
//! with `ssh-keygen -Y sign -n git`; verified against an allowed-signers file in git's own format
//! (`gpg.ssh.allowedSignersFile`: `principal [options] key-type key`) with `ssh-keygen -Y
//! find-principals` and `-Y verify`, exactly as `git log --show-signature` does.
//!
//! OpenPGP signing is not supported: cekops can only verify ssh signatures against an
//! allowed-signers file, so an OpenPGP `user.signingKey` is reported as such.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::process::Stdio;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering;

use anyhow::Context as _;
use anyhow::Result;
use anyhow::anyhow;
use anyhow::bail;

use super::Oid;
use super::Repository;

/// The namespace git signs commits in.
const NAMESPACE: &str = "git";

/// The user's ssh signing key, as `git commit -S` would use it.
#[derive(Clone, Debug)]
pub struct Signer {
    /// `user.signingKey` as configured (for messages).
    pub configured: String,
    key: KeySource,
    program: String,
}

#[derive(Clone, Debug)]
enum KeySource {
    /// A key file (private, or public with the private half in the agent).
    File(PathBuf),
    /// A literal public key (`key::ssh-ed25519 AAAA...`): the private half is in the agent.
    Literal(String),
}

/// A scratch folder removed on drop (signatures and allowed-signers files for `ssh-keygen`).
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "cekops-sign-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
        Ok(Scratch(dir))
    }

    fn file(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).with_context(|| format!("cannot write `{}`", p.display()))?;
        Ok(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn expand_home(path: &str) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(rest))
            .unwrap_or_else(|| PathBuf::from(path)),
        None => PathBuf::from(path),
    }
}

impl Signer {
    /// Whether the user asks git to sign every commit (`commit.gpgSign = true`).
    pub fn wanted(repo: &Repository) -> bool {
        repo.raw
            .config()
            .ok()
            .and_then(|c| c.get_bool("commit.gpgsign").ok())
            .unwrap_or(false)
    }

    /// The signing configuration of `repo` (its config files, as git reads them): `Ok(None)`
    /// when no `user.signingKey` is set; an error when it is not an ssh key.
    pub fn from_config(repo: &Repository) -> Result<Option<Signer>> {
        let cfg = repo.raw.config()?;
        let get = |k: &str| {
            cfg.get_string(k)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let Some(key) = get("user.signingkey") else {
            return Ok(None);
        };
        let format = get("gpg.format").unwrap_or_else(|| "openpgp".into());
        if format != "ssh" {
            bail!(
                "`user.signingKey` is set with `gpg.format = {format}`: cekops signs and verifies ssh signatures only (set `git config gpg.format ssh` and an ssh key)"
            );
        }
        let program = get("gpg.ssh.program").unwrap_or_else(|| "ssh-keygen".into());
        let source = if let Some(lit) = key.strip_prefix("key::") {
            KeySource::Literal(lit.trim().to_string())
        } else if key.starts_with("ssh-") || key.starts_with("ecdsa-") || key.starts_with("sk-") {
            KeySource::Literal(key.clone())
        } else {
            KeySource::File(expand_home(&key))
        };
        Ok(Some(Signer {
            configured: key,
            key: source,
            program,
        }))
    }

    /// Sign `data` in the `git` namespace: the armored `SSH SIGNATURE`.
    pub fn sign(&self, data: &[u8]) -> Result<String> {
        let scratch = Scratch::new()?;
        let mut cmd = Command::new(&self.program);
        cmd.args(["-Y", "sign", "-n", NAMESPACE]);
        match &self.key {
            KeySource::File(p) => {
                cmd.arg("-f").arg(p);
            }
            KeySource::Literal(k) => {
                let p = scratch.file("key.pub", format!("{k}\n").as_bytes())?;
                cmd.arg("-U").arg("-f").arg(p);
            }
        }
        let data_file = scratch.file("data", data)?;
        cmd.arg(&data_file);
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("cannot run `{}` to sign", self.program))?;
        if !out.status.success() {
            bail!(
                "`{} -Y sign` with the key `{}` failed: {}",
                self.program,
                self.configured,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let sig = std::fs::read_to_string(scratch.0.join("data.sig"))
            .context("ssh-keygen wrote no signature")?;
        Ok(sig)
    }

    /// Which principals of `allowed_signers` this key is listed for (signs a probe and asks
    /// `ssh-keygen -Y find-principals`, then verifies it as each of them).
    pub fn principals(&self, allowed_signers: &[u8]) -> Result<Vec<String>> {
        const PROBE: &[u8] = b"cekops signing-key probe\n";
        let sig = self.sign(PROBE)?;
        Ok(
            match verify_data(&self.program, PROBE, &sig, allowed_signers)? {
                Verdict::Verified(p) => p,
                _ => Vec::new(),
            },
        )
    }
}

/// What a signature check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Signed by a key the allowed-signers file lists for these principals.
    Verified(Vec<String>),
    /// A valid signature by a key the allowed-signers file does not list.
    UnknownKey,
    /// A signature that does not verify (or is not an ssh signature).
    Bad,
    /// No signature.
    Unsigned,
}

impl Verdict {
    /// For `status`, `review show` and `log`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Verified(_) => "signed-and-verified",
            Verdict::UnknownKey => "signed-unknown-key",
            Verdict::Bad => "bad-signature",
            Verdict::Unsigned => "unsigned",
        }
    }
}

fn run_with_input(cmd: &mut Command, input: &[u8]) -> Result<std::process::Output> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run ssh-keygen to verify a signature")?;
    if let Some(mut stdin) = child.stdin.take() {
        // A verifier that exits early closes the pipe: its exit status says why.
        let _ = stdin.write_all(input);
    }
    Ok(child.wait_with_output()?)
}

/// Verify an armored ssh signature over `data` against an allowed-signers file's text.
pub fn verify_data(
    program: &str,
    data: &[u8],
    signature: &str,
    allowed_signers: &[u8],
) -> Result<Verdict> {
    if !signature.contains("BEGIN SSH SIGNATURE") {
        return Ok(Verdict::Bad);
    }
    let scratch = Scratch::new()?;
    let sig = scratch.file("sig", signature.as_bytes())?;
    let allowed = scratch.file("allowed_signers", allowed_signers)?;
    let found = Command::new(program)
        .args(["-Y", "find-principals", "-f"])
        .arg(&allowed)
        .arg("-s")
        .arg(&sig)
        .stdin(Stdio::null())
        .output()
        .context("cannot run ssh-keygen to verify a signature")?;
    let candidates: Vec<String> = if found.status.success() {
        String::from_utf8_lossy(&found.stdout)
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    } else {
        Vec::new()
    };
    let mut verified = Vec::new();
    for principal in &candidates {
        let out = run_with_input(
            Command::new(program)
                .args(["-Y", "verify", "-n", NAMESPACE, "-f"])
                .arg(&allowed)
                .arg("-I")
                .arg(principal)
                .arg("-s")
                .arg(&sig),
            data,
        )?;
        if out.status.success() {
            verified.push(principal.clone());
        }
    }
    if !verified.is_empty() {
        return Ok(Verdict::Verified(verified));
    }
    let check = run_with_input(
        Command::new(program)
            .args(["-Y", "check-novalidate", "-n", NAMESPACE, "-s"])
            .arg(&sig),
        data,
    )?;
    Ok(if check.status.success() {
        Verdict::UnknownKey
    } else {
        Verdict::Bad
    })
}

/// Verify the signature of commit `commit` against an allowed-signers file's text.
pub fn verify_commit(repo: &Repository, commit: Oid, allowed_signers: &[u8]) -> Result<Verdict> {
    let (sig, data) = match repo.raw.extract_signature(&commit.0, None) {
        Ok(x) => x,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(Verdict::Unsigned),
        Err(e) => return Err(anyhow!("cannot read commit {commit}: {}", e.message())),
    };
    let sig = String::from_utf8_lossy(&sig).into_owned();
    let program = repo
        .raw
        .config()
        .ok()
        .and_then(|c| c.get_string("gpg.ssh.program").ok())
        .unwrap_or_else(|| "ssh-keygen".into());
    verify_data(&program, &data, &sig, allowed_signers)
}

/// Write `buf` (a commit built by `commit_create_buffer`) as a commit, signed by `signer`.
pub fn write_signed(repo: &Repository, buf: &str, signer: &Signer) -> Result<Oid> {
    let sig = signer.sign(buf.as_bytes())?;
    let id = repo
        .raw
        .commit_signed(buf, &sig, None)
        .map_err(|e| anyhow!("cannot write the signed commit: {}", e.message()))?;
    Ok(id.into())
}

/// Whether `path` names a usable allowed-signers file text (at least one key line).
pub fn has_keys(text: &[u8]) -> bool {
    String::from_utf8_lossy(text)
        .lines()
        .map(str::trim)
        .any(|l| !l.is_empty() && !l.starts_with('#'))
}
