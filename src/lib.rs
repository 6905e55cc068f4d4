//! cekops: Clova (CEK) custom extensions as plain files in git.
//!
//! The library does all the work and never prints; `cli` parses arguments and prints results.

pub mod alexa;
pub mod bundle;
pub mod cek;
pub mod cli;
pub mod diag;
pub mod error;
pub mod git;
pub mod load;
pub mod model;
pub mod nlu;
pub mod ops;
pub mod rules;
pub mod schema;
pub mod semdiff;
pub mod synth;
pub mod toml_write;
pub mod tomlfmt;
pub mod tree;
pub mod tsv;
pub mod utterance;
