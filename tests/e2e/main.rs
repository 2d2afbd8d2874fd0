//! End-to-end tests: the real `cargo-schema` binary in throwaway cargo projects.

mod autogen;
mod check;
mod commands;
mod config;
mod database;
mod hooks;
mod hostile_files;
mod malformed;
mod offline;
mod servers;
mod smoke;
mod sync;
