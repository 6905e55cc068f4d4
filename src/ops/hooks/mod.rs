//! The git hooks: [`install`](mod@install) writes and removes them (`cekops hooks
//! install|uninstall`), [`guard`](mod@guard) holds the checks they run (`cekops hook <name>`).
//!
//! Hook files are small POSIX sh scripts that exec the cekops binary which installed them (with
//! `cekops` on PATH as the fallback). A hook the user already had is renamed to `<name>.local` and
//! runs first (with its own copy of stdin); its failure still stops git. Installing twice writes
//! nothing the second time; `uninstall` removes cekops's hooks and puts `<name>.local` back.

pub mod guard;
pub mod install;

/// The first line after the shebang of every hook cekops writes.
const MARKER: &str = "# cekops-hook:";

pub use crate::git::cli::INTERNAL_ENV;

/// The hooks cekops writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    /// Validate the staged files; refuse commits on `service` and on a test branch under review.
    PreCommit,
    /// Refuse moving or deleting `service` other than through cekops.
    ReferenceTransaction,
    /// Refuse pushing a `service` that `cekops audit` would not accept.
    PrePush,
    /// Server side: enforce the branch chart on every push.
    PreReceive,
}

impl Hook {
    pub const CLIENT: [Hook; 3] = [Hook::PreCommit, Hook::ReferenceTransaction, Hook::PrePush];
    pub const SERVER: [Hook; 1] = [Hook::PreReceive];

    /// The hook's file name, as git looks it up.
    pub fn name(self) -> &'static str {
        match self {
            Hook::PreCommit => "pre-commit",
            Hook::ReferenceTransaction => "reference-transaction",
            Hook::PrePush => "pre-push",
            Hook::PreReceive => "pre-receive",
        }
    }

    /// Whether git feeds the hook lines on stdin (which a chained hook then needs too).
    fn reads_stdin(self) -> bool {
        !matches!(self, Hook::PreCommit)
    }
}

/// One refused ref update (or commit), with the reason shown to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The full ref name (`refs/heads/service`) the refusal is about.
    pub refname: String,
    pub message: String,
    pub hint: Option<String>,
}

impl Refusal {
    pub(crate) fn new(refname: &str, message: impl Into<String>) -> Self {
        Self {
            refname: refname.to_string(),
            message: message.into(),
            hint: None,
        }
    }
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

pub use guard::PreCommit;
pub use guard::pre_commit;
pub use guard::pre_commit_branch_check;
pub use guard::pre_push;
pub use guard::pre_receive;
pub use guard::reference_transaction;
pub use install::Action;
pub use install::HookChange;
pub use install::HooksReport;
pub use install::InstallOptions;
pub use install::install;
pub use install::uninstall;
