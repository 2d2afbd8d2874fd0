//! `stamp`: records revisions as applied (or not) without running them.

use schema_core::Project;

use crate::cli::{GlobalArgs, StampArgs};
use crate::error::CliError;
use crate::output::Out;
use crate::{adopt, session, target};

pub fn stamp(
    project: &Project,
    global: &GlobalArgs,
    args: &StampArgs,
    out: Out,
) -> Result<(), CliError> {
    let target = match (&args.from, &args.target) {
        (Some(format), _) => {
            let format = schema_core::import::Format::from_name(format)?;
            return adopt::adopt(project, global, &args.lock, format, out);
        }
        (None, Some(target)) => target::checked(project, target, None)?,
        (None, None) => {
            return Err(CliError::invalid(
                "`stamp` needs a TARGET or `--from FORMAT`",
            ));
        }
    };
    let stamped = session::run(project, global, out, &args.lock, true, async |m| {
        m.stamp(&target, args.purge).await
    })??;
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
}
