//! Questions to the person at the terminal: asked only when stdin and stderr are terminals
//! (a hook, a pipe or CI gets the non-interactive answer of each caller).

use std::io::IsTerminal;

use crate::error::{CliError, FAILED};

/// Whether someone can answer a question.
pub fn can_ask() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn unanswered(e: dialoguer::Error) -> CliError {
    CliError::new(FAILED, format!("cannot read the answer: {e}"))
}

/// A yes/no question with its default answer.
pub fn confirm(prompt: &str, default: bool) -> Result<bool, CliError> {
    dialoguer::Confirm::new()
        .with_prompt(prompt)
        .default(default)
        .interact()
        .map_err(unanswered)
}

/// One of `items`, the first by default; returns its index.
pub fn select(prompt: &str, items: &[String]) -> Result<usize, CliError> {
    dialoguer::Select::new()
        .with_prompt(prompt)
        .items(items)
        .default(0)
        .interact()
        .map_err(unanswered)
}
