//! The library behind `cargo schema`: revision files, the revision graph, targets and planning.
//!
//! Nothing in here writes to a terminal; the CLI renders what this crate returns.

pub mod history;
pub mod init;
