//! The workflows behind each command. They take options and return data; they never print.

pub mod chart;
pub mod review;
pub mod status;
pub mod validate;
