//! End-to-end tests: the real `cargo-schema` binary in throwaway cargo projects.

mod commands;
mod config;
mod database;
mod malformed;
mod servers;
mod smoke;
