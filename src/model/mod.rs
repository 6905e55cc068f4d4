//! The file model: serde types for every file of an extension repository, the loaded model
//! built from them ([`Extension`], [`Repo`]) and the schema registry ([`schema`]).
//!
//! These types are the single source of truth for the file formats: the JSON Schemas in
//! `schemas/` are generated from them (`cekops schema --write`).

mod config;
mod extension;
mod intent;
mod loaded;
mod record;
pub mod schema;
pub mod schema_check;
mod server;
mod shared_str;
mod slot_type;
mod spanned;
mod store;
mod test_suite;

pub use config::*;
pub use extension::*;
pub use intent::*;
pub use loaded::*;
pub use record::*;
pub use server::*;
pub use shared_str::SharedStr;
pub use slot_type::*;
pub use spanned::Sp;
pub use store::*;
pub use test_suite::*;
