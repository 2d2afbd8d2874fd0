//! `down`: rolls revisions back to a target; `--sql` renders the rollback.

use std::time::Instant;

use schema_core::Direction;
use schema_core::Project;

use crate::cli::{DownArgs, GlobalArgs, RunArgs};
use crate::error::CliError;
use crate::output::Out;
use crate::{offline, progress, session, target};

pub fn down(
    project: &Project,
    global: &GlobalArgs,
    args: &DownArgs,
    out: Out,
) -> Result<(), CliError> {
    let RunArgs { sql, lock, safety } = &args.run;
    if *sql {
        let timeouts = session::timeouts(project, lock, safety);
        return offline::script(
            project,
            global,
            &args.target,
            Direction::Down,
            timeouts,
            out,
        );
    }
    let target = target::checked(project, &args.target, Some(Direction::Down))?;
    let run = async |m: &mut schema_core::migrate::Migration<'_>| {
        let start = Instant::now();
        let report = m.downgrade(&target, &mut progress::reporter(out)).await;
        (report, start.elapsed())
    };
    let (report, elapsed) = session::run_revisions(project, global, out, lock, safety, true, run)?;
    let fresh = format!("nothing to roll back for `{target}`");
    progress::summary(out, report?.steps.len(), elapsed, fresh, " rolled back");
    Ok(())
}
