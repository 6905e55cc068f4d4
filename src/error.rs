//! Errors the user can act on: a message, an optional hint, and the exit status.

/// An error meant for the user (not a bug): printed as `error: …` then `hint: …`.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    pub message: String,
    pub hint: Option<String>,
    /// 1 = refused (the repository is not in a state that allows it), 2 = usage or failure.
    pub exit: u8,
}

impl UserError {
    /// A usage problem or failure (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
            exit: 2,
        }
    }
    /// An operation refused because of the repository's state (exit 1).
    pub fn refused(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
            exit: 1,
        }
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Shorthand: `Err(usage("…").hint("…"))?`.
pub fn usage(message: impl Into<String>) -> UserError {
    UserError::usage(message)
}

/// Shorthand for a refused operation (exit 1).
pub fn refused(message: impl Into<String>) -> UserError {
    UserError::refused(message)
}
