//! Formats outside cekops: the console's TSV downloads, Alexa interaction models, and the
//! deployable JSON bundle.

pub mod alexa;
pub mod bundle;
pub mod tsv;
