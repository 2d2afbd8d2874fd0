//! `repair`: a dirty row resolved, edited files accepted, or a stale lock lease released.

use schema_core::Project;
use schema_core::migrate::Options;

use crate::cli::{GlobalArgs, LockTimeoutArg, RepairArgs};
use crate::error::CliError;
use crate::output::Out;
use crate::{session, target};

pub fn repair(
    project: &Project,
    global: &GlobalArgs,
    args: &RepairArgs,
    out: Out,
) -> Result<(), CliError> {
    if let Some(rev) = &args.revision {
        // A revision, not a target, but an empty one is refused the same way.
        if rev.trim().is_empty() {
            target::parse(rev)?;
        }
    }
    session::block_on(async {
        let no_wait = LockTimeoutArg { lock_timeout: None };
        let mut m =
            session::connect_migration(project, global, out, Options::default(), &no_wait).await?;
        if args.release_lock {
            let released = m.table.release_lease(&mut m.conn).await;
            m.conn.close().await;
            match released? {
                Some(holder) => out.status("Released", format!("the lease of {holder}")),
                None => out.status(
                    "Fresh",
                    "no `table` lock lease is held (an advisory lock is released by the server when its holder's connection ends)",
                ),
            }
            return Ok(());
        }
        let result = match &args.revision {
            Some(rev) => m.repair(rev, args.applied).await.map(|rev| {
                let what = if args.applied {
                    "applied"
                } else {
                    "not applied"
                };
                out.status("Repaired", format!("{rev} is recorded as {what}"));
            }),
            None => m.accept_checksums().await.map(|edited| {
                for e in &edited {
                    out.status(
                        "Accepted",
                        format!("the current contents of {}", e.path.display()),
                    );
                }
                if edited.is_empty() {
                    out.status("Fresh", "no applied revision was edited");
                }
            }),
        };
        m.conn.close().await;
        Ok(result?)
    })?
}
