//! cekops: Clova (CEK) custom extensions as plain files in git.
//!
//! The library does all the work and never prints (clippy's `print_stdout` and `print_stderr`
//! are errors here); the `cekops` binary (`src/main.rs` and its `cli` module) parses arguments
//! and prints results.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod cek;
pub mod diag;
pub mod error;
pub mod git;
pub mod interop;
pub mod load;
pub mod model;
pub mod nlu;
pub mod ops;
pub mod rules;
pub mod semdiff;
pub mod toml_write;
pub mod tomlfmt;
pub mod tree;
pub mod utterance;
