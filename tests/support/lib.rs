//! Support code for the end-to-end tests: throwaway cargo projects that drive the real
//! `cargo-schema` binary, and the generator of large revision histories for benchmarks.

pub mod assert;
pub mod db;
pub mod fixtures;
pub mod generate;
pub mod git;
pub mod json;
pub mod project;
pub mod scratch;
pub mod sqlite;

pub use project::{Output, TestProject, binary};
