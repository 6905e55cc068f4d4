//! The workflows behind each command. They take options and return data; they never print.

pub mod export;
pub mod fmt;
pub mod hooks;
pub mod import;
pub mod init;
pub mod new;
pub mod validate;
pub mod watch;
