//! `up`: applies revisions up to a target (the head by default); `--sql` renders them.

use std::time::Instant;

use schema_core::{Direction, Project, Target};

use crate::cli::{GlobalArgs, RunArgs, UpArgs};
use crate::error::CliError;
use crate::output::Out;
use crate::{offline, progress, render, session, target};

pub fn up(project: &Project, global: &GlobalArgs, args: &UpArgs, out: Out) -> Result<(), CliError> {
    let RunArgs { sql, lock, safety } = &args.run;
    if *sql {
        return offline::script(
            project,
            global,
            args.target.as_deref().unwrap_or("head"),
            Direction::Up,
            session::timeouts(project, lock, safety),
            out,
        );
    }
    let target = match &args.target {
        Some(t) => target::checked(project, t, Some(Direction::Up))?,
        None => Target::head(),
    };
    let (report, elapsed) = session::run_revisions(
        project,
        global,
        out,
        lock,
        safety,
        args.allow_edited,
        async |m| {
            let start = Instant::now();
            let report = m.upgrade(&target, &mut progress::reporter(out)).await;
            (report, start.elapsed())
        },
    )?;
    let report = match report {
        Err(e) if several_heads(&e) => {
            return Err(CliError::from(e).help(render::heads_help(project)));
        }
        r => r?,
    };
    let fresh = format!("nothing to apply for `{target}`");
    progress::summary(out, report.steps.len(), elapsed, fresh, "");
    Ok(())
}

/// Whether a run stopped because the target `head` found several.
fn several_heads(e: &schema_core::migrate::MigrateError) -> bool {
    use schema_core::migrate::MigrateError;
    use schema_core::{PlanError, ResolveError};
    matches!(
        e,
        MigrateError::Resolve(ResolveError::MultipleHeads { .. })
            | MigrateError::Plan(PlanError::Resolve(ResolveError::MultipleHeads { .. }))
    )
}
