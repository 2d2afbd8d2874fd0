//! `init`: adding the metadata section to Cargo.toml.
