//! End-to-end tests: the real `cargo-schema` binary in throwaway cargo projects.

mod autogen;
mod check;
mod commands;
mod config;
mod database;
mod hooks;
mod malformed;
mod offline;
mod scratch;
mod servers;
mod smoke;
mod sync;
