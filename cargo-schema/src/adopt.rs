//! Adopting a database another tool manages (`import FORMAT --adopt`, `stamp --from FORMAT`):
//! what that tool applied becomes applied revisions, running nothing.

use schema_core::Project;
use schema_core::import::{self, Format};

use crate::cli::{GlobalArgs, LockArgs};
use crate::error::CliError;
use crate::output::Out;
use crate::session;

/// Records what `format` applied on the database as applied revisions and says what it did.
pub fn adopt(
    project: &Project,
    global: &GlobalArgs,
    lock: &LockArgs,
    format: Format,
    out: Out,
) -> Result<(), CliError> {
    let adopted = session::run(project, global, out, lock, true, async |m| {
        import::adopt(m, format).await
    })??;
    if adopted.applied.is_empty() {
        out.status(
            "Fresh",
            format!("{format} has applied nothing here: nothing to record"),
        );
        return Ok(());
    }
    for s in &adopted.stamps {
        for &r in &s.plan.remove {
            out.status("Unstamped", project.graph.id(r));
        }
    }
    let added: usize = adopted.stamps.iter().map(|s| s.plan.add.len()).sum();
    if out.verbose {
        for s in &adopted.stamps {
            for &a in &s.plan.add {
                out.status("Stamped", project.graph.id(a));
            }
        }
    }
    out.status(
        "Adopted",
        format!(
            "{} revision(s) {format} applied, up to {} ({added} newly recorded; no SQL ran; `{}` left as it is)",
            adopted.applied.len(),
            adopted.heads.join(", "),
            format.table()
        ),
    );
    if !out.quiet {
        eprintln!("\nNext:");
        eprintln!("  cargo schema current   # the same revision {format} shows");
        eprintln!("  cargo schema up        # applies nothing until a new revision is written");
    }
    Ok(())
}
