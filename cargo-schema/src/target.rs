//! Targets given on the command line: parsed, and checked against the graph before anything
//! runs.

use schema_core::{Direction, Project, ResolveError, Target};

use crate::error::CliError;

/// Parses a target given on the command line.
pub fn parse(text: &str) -> Result<Target, CliError> {
    Ok(text.parse::<Target>()?)
}

/// A target given for a run in `direction` (`None`: no direction, as for `stamp`), refused
/// before anything runs when it is empty or names a revision or branch that does not exist.
/// A bare number that is no revision gets the relative step it probably meant.
pub fn checked(
    project: &Project,
    text: &str,
    direction: Option<Direction>,
) -> Result<Target, CliError> {
    let t = parse(text)?;
    match project.graph.check_names(&t) {
        Ok(()) => Ok(t),
        Err(ResolveError::NoSuchRevision {
            target: word,
            suggestion: None,
        }) if !word.is_empty() && word.chars().all(|c| c.is_ascii_digit()) => {
            let step = match direction {
                Some(Direction::Down) => format!("-{word}"),
                _ => format!("+{word}"),
            };
            let e = ResolveError::NoSuchRevision {
                target: word,
                suggestion: Some(step),
            };
            Err(CliError::from(e).help(
                "a relative step is `+N` (up from the current revision) or `-N` (down from it)",
            ))
        }
        Err(e) => Err(e.into()),
    }
}
