//! A package that embeds its revisions (`db/`, from `[package.metadata.schema]`) at compile time.

/// The revision files, embedded.
pub static MIGRATIONS: &[(&str, &str)] = schema_core::embed!();
