//! End-to-end tests: the real `cargo-schema` binary in throwaway cargo projects.

mod autogen;
mod careless_input;
mod check;
mod cli_errors;
mod commands;
mod config;
mod database;
mod hooks;
mod hostile_files;
mod import;
mod lint;
mod lint_backends;
mod lint_corpus;
mod lint_rehearsal;
mod malformed;
mod metadata_cache;
mod offline;
mod roundtrip;
mod runner;
mod scratch;
mod servers;
mod smoke;
mod snapshots;
mod sync;
mod timeouts;
mod version_table;
