//! `sync`: what the git hooks run after a merge, a pull, a checkout or a rebase.

use schema_core::migrate::Migration;
use schema_core::{Project, Target};

use crate::cli::{GlobalArgs, SyncArgs};
use crate::error::{CliError, FAILED};
use crate::output::Out;
use crate::{prompt, session, several_heads};

/// Asks a yes/no question; `None` when nobody can answer (no terminal). `auto` answers yes
/// for the user who set `auto-apply = true`: the hooks have no terminal, and that user asked
/// for the development database to follow the checkout.
fn confirm(global: &GlobalArgs, auto: bool, question: &str) -> Result<Option<bool>, CliError> {
    if global.yes || auto {
        return Ok(Some(true));
    }
    if !prompt::can_ask() {
        return Ok(None);
    }
    prompt::confirm(question, true).map(Some)
}

pub fn sync(
    project: Project,
    global: &GlobalArgs,
    args: &SyncArgs,
    out: Out,
) -> Result<(), CliError> {
    let mut project = project;

    // 1. Several heads, typically after a merge or a pull.
    if project.graph.heads().len() > 1 {
        match several_heads::resolve(project, global, out)? {
            (p, Some(_)) => project = p,
            (_, None) => {
                return Err(CliError::new(FAILED, "multiple heads are present")
                    .help("`cargo schema merge -m \"merge heads\"` joins them with a merge revision")
                    .help("or run `cargo schema sync` in a terminal, or `cargo schema sync --yes` to write the merge revision"));
            }
        }
    }

    // 2. The database, when there is one.
    let Some(url) = session::configured_url(&project, global, out)? else {
        out.status(
            "Skipped",
            "no database is configured and dev.db does not exist",
        );
        return Ok(());
    };
    session::block_on(async {
        let conn = session::connect_to(&url, out).await?;
        let table = session::waiting_table(&project, &args.timeout, out);
        let options = schema_core::migrate::Options {
            lock: project.config.lock,
            allow_edited: false,
            statement_timeout: project.config.statement_timeout,
            lock_retries: project.config.lock_retries,
            group_commit: project
                .config
                .group_commit
                .unwrap_or(schema_core::migrate::GROUP_COMMIT),
            observe: None,
        };
        let mut m = session::migration(&project, conn, table, options);
        let result = sync_database(&mut m, &project, global, out).await;
        m.conn.close().await;
        result
    })?
}

async fn sync_database(
    m: &mut Migration<'_>,
    project: &Project,
    global: &GlobalArgs,
    out: Out,
) -> Result<(), CliError> {
    // Applied revisions whose files this checkout does not have: a branch switch left them.
    let missing = m.missing().await?;
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|r| format!("{} (applied {})", r.revision, r.applied_at))
            .collect();
        out.warn(format!(
            "the database has {} revision(s) this checkout does not have: {}",
            missing.len(),
            list.join(", ")
        ));
        match confirm(
            global,
            project.config.auto_apply,
            "Roll them back, newest first, with the down sections recorded when they were applied?",
        )? {
            Some(true) => {
                m.roll_back_missing(&mut |row, took| {
                    out.status(
                        "Rolled back",
                        format!("{} ({} ms)", row.revision, took.as_millis()),
                    );
                })
                .await?;
            }
            Some(false) => {
                out.status(
                    "Skipped",
                    "the database keeps them; other commands will say they cannot be located",
                );
                return Ok(());
            }
            None => {
                return Err(CliError::new(FAILED, "the database has revisions this checkout does not have")
                    .help("check out the branch that has them, or run `cargo schema sync --yes` to roll them back"));
            }
        }
    }

    // What the checkout has that the database does not.
    let state = schema_core::migrate::state(&mut m.conn, &m.table, m.graph).await?;
    let pending = project
        .graph
        .plan_upgrade(&state.applied, &Target::heads())
        .map(|p| p.steps.len())
        .unwrap_or(0);
    if pending == 0 {
        out.status("Fresh", "the database is up to date with this checkout");
        return Ok(());
    }
    if !project.config.auto_apply {
        out.status(
            "Pending",
            format!(
                "{pending} revision(s); `cargo schema up` applies them (or set `auto-apply = true`)"
            ),
        );
        return Ok(());
    }
    if project.graph.heads().len() > 1 {
        out.status(
            "Pending",
            format!("{pending} revision(s), not applied while several heads are present"),
        );
        return Ok(());
    }
    m.upgrade(&Target::head(), &mut |e| {
        if let schema_core::migrate::Event::Step {
            revision, duration, ..
        } = e
        {
            out.status(
                "Applied",
                format!("{} ({} ms)", revision.id, duration.as_millis()),
            );
        }
    })
    .await?;
    Ok(())
}
