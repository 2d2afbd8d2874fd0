//! `up --sql` and `down --sql`: the plan rendered as a script, without connecting.

use schema_core::backend::Timeouts;
use schema_core::{Direction, Project};

use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output::Out;
use crate::{session, target};

/// Renders the plan from `FROM` (or base) to `TO` as a script on stdout, for the configured
/// database's dialect, without connecting.
pub fn script(
    project: &Project,
    global: &GlobalArgs,
    range: &str,
    direction: Direction,
    timeouts: Timeouts,
    out: Out,
) -> Result<(), CliError> {
    let graph = &project.graph;
    let url = session::resolve_url(project, global, out)?;
    // Each side is a target: an empty one is refused, as everywhere.
    let (from, to) = match range.split_once(':') {
        Some((f, t)) => (Some(f.trim()), t.trim()),
        None => (None, range.trim()),
    };
    if let Some(f) = from {
        if f.is_empty() || to.is_empty() {
            let side = if f.is_empty() { "FROM" } else { "TO" };
            return Err(CliError::invalid(format!(
                "invalid `--sql` range `{range}`: its {side} side is empty"
            ))
            .help("name both sides, as in `base:head` or `head:base`"));
        }
        target::checked(project, f, Some(direction))?;
    }
    let to = target::checked(project, to, Some(direction))?;
    let applied = match from {
        None | Some("base") => {
            if direction == Direction::Down {
                return Err(CliError::invalid(format!(
                    "`down --sql` needs the revision to start from: `FROM:TO`, not `{range}`"
                ))
                .help("e.g. `cargo schema down --sql head:base`"));
            }
            graph.empty_set()
        }
        Some(f) => match graph.resolve(&target::parse(f)?, &graph.empty_set())? {
            schema_core::Resolved::Revisions(v) => {
                graph.ancestors(v, schema_core::Edges::ParentsAndDependencies)
            }
            _ => graph.empty_set(),
        },
    };
    let plan = match direction {
        Direction::Up => graph.plan_upgrade(&applied, &to)?,
        Direction::Down => graph.plan_downgrade(&applied, &to)?,
    };
    out.status(
        "Rendering",
        format!(
            "{} step(s) for {} ({})",
            plan.steps.len(),
            url.dialect.name(),
            url.redacted()
        ),
    );
    let table = session::table(project);
    table.check_name(url.dialect)?;
    let script = schema_core::offline::script_with(
        graph,
        &plan,
        url.dialect,
        &table,
        &schema_core::scaffold::now(),
        timeouts,
    )
    .map_err(crate::error::section_error)?;
    out!("{script}");
    Ok(())
}
