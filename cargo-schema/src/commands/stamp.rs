//! `stamp`: records revisions as applied (or not) without running them.

use schema_core::Project;
use schema_core::migrate::Options;

use crate::cli::{GlobalArgs, StampArgs};
use crate::error::CliError;
use crate::output::Out;
use crate::{session, target};

pub fn stamp(
    project: &Project,
    global: &GlobalArgs,
    args: &StampArgs,
    out: Out,
) -> Result<(), CliError> {
    let target = target::checked(project, &args.target, None)?;
    let options = Options {
        lock: session::lock_mode(project, &args.lock),
        allow_edited: true,
    };
    session::block_on(async {
        let mut m =
            session::connect_migration(project, global, out, options, &args.lock.timeout).await?;
        let stamped = m.stamp(&target, args.purge).await;
        m.conn.close().await;
        let stamped = stamped?;
        if !stamped.purged.is_empty() {
            out.status(
                "Purged",
                format!(
                    "{} revision(s) from the version table: {}",
                    stamped.purged.len(),
                    stamped.purged.join(", ")
                ),
            );
        }
        let plan = stamped.plan;
        for &r in &plan.remove {
            out.status("Unstamped", project.graph.id(r));
        }
        for &a in &plan.add {
            out.status("Stamped", project.graph.id(a));
        }
        if plan.add.is_empty() && plan.remove.is_empty() && stamped.purged.is_empty() {
            out.status(
                "Fresh",
                format!("the version table already records `{target}`"),
            );
        }
        Ok(())
    })?
}
