//! The workflows behind each command. They take options and return data; they never print.

pub mod audit;
pub mod chart;
pub mod ci;
pub mod delete;
pub mod diff;
pub mod export;
pub mod fetch;
pub mod fmt;
pub mod hooks;
pub mod import;
pub mod init;
pub mod log;
pub mod new;
pub mod pr;
pub mod push;
pub mod records;
pub mod remote;
pub mod restore;
pub mod review;
pub mod schema;
pub mod serve;
pub mod simulate;
pub mod status;
pub mod stop;
pub mod sync;
pub mod test;
pub mod trust;
pub mod validate;
pub mod watch;

/// Commit ids as the operations report them (the CLI shows them with `Oid::short`).
pub use crate::git::Oid;
/// The short form of a commit id held as text (a record's `commit`).
pub use crate::git::short_text;
