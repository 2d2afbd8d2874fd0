//! `hooks install` / `hooks uninstall`: git hooks that run `cargo schema sync`.

use crate::cli::{GlobalArgs, HooksCommand};
use crate::error::CliError;
use crate::output::Out;

pub fn run(global: &GlobalArgs, command: &HooksCommand, out: Out) -> Result<(), CliError> {
    let _ = (global, command, out);
    Err(CliError::new(
        1,
        "git hooks are being built in this session",
    ))
}
