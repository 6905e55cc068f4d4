//! The workflows behind each command. They take options and return data; they never print.

pub mod test;
pub mod validate;
