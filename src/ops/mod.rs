//! The workflows behind each command. They take options and return data; they never print.

pub mod simulate;
pub mod test;
pub mod validate;
