//! Targets given on the command line: parsed, and checked against the graph before anything
//! runs.

use schema_core::{
    Direction, Edges, Project, ResolveError, Resolved, RevIdx, RevisionGraph, Target,
};

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

/// The revisions `FROM:TO` covers (`history -r`, `lint`): descendants of FROM that are
/// ancestors of TO, newest first.
pub fn range(graph: &RevisionGraph, text: &str, command: &str) -> Result<Vec<RevIdx>, CliError> {
    let Some((from, to)) = text.split_once(':') else {
        return Err(CliError::invalid(format!(
            "invalid revision range `{text}`: expected FROM:TO"
        ))
        .help("either side may be empty: `-r ae10:` is ae10 and everything after it"));
    };
    let none = graph.empty_set();
    let resolve = |side: &str| -> Result<Option<Vec<RevIdx>>, CliError> {
        let side = side.trim();
        if side.is_empty() {
            return Ok(None);
        }
        if side == "current" {
            return Err(CliError::invalid(format!(
                "`current` in a range needs the database's state, which `{command}` does not read"
            )));
        }
        Ok(match graph.resolve(&parse(side)?, &none)? {
            Resolved::Base => None,
            Resolved::BranchBase(v) | Resolved::Revisions(v) => Some(v),
        })
    };
    let lower = resolve(from)?;
    let upper = resolve(to)?;
    let both_ends = lower.is_some() && upper.is_some();
    let below = match &upper {
        Some(v) => graph.ancestors(v.iter().copied(), Edges::Parents),
        None => graph.ancestors(graph.heads().iter().copied(), Edges::Parents),
    };
    let above = lower.map(|v| graph.descendants(v, Edges::Parents));
    let shown: Vec<RevIdx> = graph
        .topological_order()
        .iter()
        .rev()
        .copied()
        .filter(|&i| below.contains(i) && above.as_ref().is_none_or(|a| a.contains(i)))
        .collect();
    if shown.is_empty() && both_ends {
        return Err(CliError::invalid(format!(
            "the range `{text}` does not go from a revision to one of its descendants"
        ))
        .help(format!(
            "FROM must be an ancestor of TO on the same branch; {}",
            if command == "history" {
                "`history` without `-r` shows everything"
            } else {
                "without a range it takes what is not applied"
            }
        )));
    }
    Ok(shown)
}
