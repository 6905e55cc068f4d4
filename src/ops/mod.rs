//! The workflows behind each command. They take options and return data; they never print.

pub mod fmt;
pub mod hooks;
pub mod init;
pub mod new;
pub mod export;
pub mod import;
pub mod validate;
pub mod watch;
