//! Development-only helpers of cekops (`publish = false`): the synthetic-repository generator
//! ([`synth`]) and what the benchmarks share — argument parsing ([`args`]), git with a fixed
//! identity ([`git`]), timing and statistics ([`timing`]), running one binary or comparing two
//! ([`compare`]), SVG line charts ([`plot`]) and the one seeded random number generator ([`rng`]).
//!
//! The root package uses it as a dev-dependency (benches and integration tests). A unit test of
//! the library cannot: this crate links its own copy of the library.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod args;
pub mod compare;
pub mod git;
pub mod plot;
pub mod rng;
pub mod synth;
pub mod timing;
