//! The session a command that touches a database runs in: which database (one route for
//! the URL, its help and its exit code), the connection, the version table, the `Migration`,
//! and the async runtime. Commands ask this layer; none of them builds these by hand.

use std::time::Duration;

use schema_core::backend::Timeouts;
use schema_core::db::{Conn, DatabaseUrl, UrlSource, VersionTable};
use schema_core::migrate::{self, Migration, Options};
use schema_core::{LockMode, Project, RevisionSet};

use crate::cli::{GlobalArgs, LockArgs, LockChoice, LockTimeoutArg, SafetyArgs};
use crate::error::{CliError, FAILED};
use crate::output::Out;

/// How long a command that can do without the database waits for it to answer.
const OPTIONAL_CONNECT: Duration = Duration::from_secs(3);

/// Runs a future on a runtime of its own: the CLI has one thing to wait for at a time.
pub fn block_on<F: std::future::Future>(f: F) -> Result<F::Output, CliError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(FAILED, format!("cannot start the async runtime: {e}")))?;
    Ok(rt.block_on(f))
}

/// The lock mode of this run: the flag, else the configuration.
pub fn lock_mode(project: &Project, args: &LockArgs) -> LockMode {
    match args.lock {
        Some(LockChoice::Advisory) => LockMode::Advisory,
        Some(LockChoice::Table) => LockMode::Table,
        Some(LockChoice::None) => LockMode::None,
        None => project.config.lock,
    }
}

/// The database a command uses (see [`DatabaseUrl::resolve`]), warning about a `.env` that
/// is ignored (once per run).
pub fn resolve_url(
    project: &Project,
    global: &GlobalArgs,
    out: Out,
) -> Result<DatabaseUrl, CliError> {
    static WARNED: std::sync::Once = std::sync::Once::new();
    let resolved = DatabaseUrl::resolve(&project.config, global.database_url.as_deref())?;
    WARNED.call_once(|| {
        for w in &resolved.warnings {
            out.warn(w);
        }
    });
    Ok(resolved.url)
}

/// The database a command that may do without one should use: `None` when nothing is
/// configured and the default `dev.db` does not exist yet.
pub fn configured_url(
    project: &Project,
    global: &GlobalArgs,
    out: Out,
) -> Result<Option<DatabaseUrl>, CliError> {
    let url = resolve_url(project, global, out)?;
    let exists = url.source != UrlSource::Default || project.config.root.join("dev.db").exists();
    Ok(exists.then_some(url))
}

/// Resolves the URL, says which database it is (password redacted) and connects.
pub async fn connect(project: &Project, global: &GlobalArgs, out: Out) -> Result<Conn, CliError> {
    let url = resolve_url(project, global, out)?;
    connect_to(&url, out).await
}

/// Says which database it is (password redacted) and connects.
pub async fn connect_to(url: &DatabaseUrl, out: Out) -> Result<Conn, CliError> {
    out.status(
        "Using",
        format!("{} database {}", url.dialect.name(), url.redacted()),
    );
    Ok(Conn::connect(url).await?)
}

/// Connects without a word, giving up after a few seconds: for commands that only mark or
/// offer something when the database answers, and must not hang on an unreachable server.
async fn connect_briefly(url: &DatabaseUrl) -> Result<Conn, CliError> {
    match tokio::time::timeout(OPTIONAL_CONNECT, Conn::connect(url)).await {
        Ok(conn) => Ok(conn?),
        Err(_) => Err(CliError::new(
            FAILED,
            format!(
                "{} did not answer within {} s",
                url.redacted(),
                OPTIONAL_CONNECT.as_secs()
            ),
        )),
    }
}

/// What bounds each revision's waits, for `--sql` scripts: the lock timeout and the statement
/// timeout (the flags, else the configuration).
pub fn timeouts(project: &Project, lock: &LockArgs, safety: &SafetyArgs) -> Timeouts {
    Timeouts {
        lock: lock.timeout.lock_timeout.or(project.config.lock_timeout),
        statement: safety
            .statement_timeout
            .or(project.config.statement_timeout),
    }
}

/// The project's version table, for reading.
pub fn table(project: &Project) -> VersionTable {
    VersionTable::new(&project.config.version_table)
}

/// The project's version table for a run that writes: it waits for the migration lock at
/// most `timeout` (the flag, else the configured `lock-timeout`, else as long as it takes)
/// and says on stderr, within a second, that it waits and for whom.
pub fn waiting_table(project: &Project, timeout: &LockTimeoutArg, out: Out) -> VersionTable {
    table(project)
        .lock_timeout(timeout.lock_timeout.or(project.config.lock_timeout))
        .on_wait(move |wait| out.warn(wait))
}

/// A run on the project's revisions over `conn`: the one place a [`Migration`] is built.
pub fn migration(
    project: &Project,
    conn: Conn,
    table: VersionTable,
    options: Options,
) -> Migration<'_> {
    Migration {
        graph: &project.graph,
        conn,
        table,
        options,
    }
}

/// Connects (saying where) and sets up a run on the project's version table.
pub async fn connect_migration<'p>(
    project: &'p Project,
    global: &GlobalArgs,
    out: Out,
    options: Options,
    timeout: &LockTimeoutArg,
) -> Result<Migration<'p>, CliError> {
    let conn = connect(project, global, out).await?;
    Ok(migration(
        project,
        conn,
        waiting_table(project, timeout, out),
        options,
    ))
}

/// Connects (saying where), runs `work` on a migration with the lock `lock` asks for, and
/// closes the connection whatever `work` returned: the shape of `up`, `down` and `stamp`.
pub fn run<T>(
    project: &Project,
    global: &GlobalArgs,
    out: Out,
    lock: &LockArgs,
    allow_edited: bool,
    work: impl AsyncFnOnce(&mut Migration<'_>) -> T,
) -> Result<T, CliError> {
    let safety = SafetyArgs::default();
    run_revisions(project, global, out, lock, &safety, allow_edited, work)
}

/// [`run`] for `up` and `down`, which run revisions: with their statement timeout and lock
/// retries (the flags, else the configuration), and a second connection that says what a
/// waiting statement waits for.
pub fn run_revisions<T>(
    project: &Project,
    global: &GlobalArgs,
    out: Out,
    lock: &LockArgs,
    safety: &SafetyArgs,
    allow_edited: bool,
    work: impl AsyncFnOnce(&mut Migration<'_>) -> T,
) -> Result<T, CliError> {
    let url = resolve_url(project, global, out)?;
    let options = Options {
        lock: lock_mode(project, lock),
        allow_edited,
        statement_timeout: safety
            .statement_timeout
            .or(project.config.statement_timeout),
        lock_retries: safety.lock_retries.unwrap_or(project.config.lock_retries),
        group_commit: project
            .config
            .group_commit
            .unwrap_or(schema_core::migrate::GROUP_COMMIT),
        observe: Some(url.clone()),
    };
    block_on(async {
        let conn = connect_to(&url, out).await?;
        let table = waiting_table(project, &lock.timeout, out);
        let mut m = migration(project, conn, table, options);
        let result = work(&mut m).await;
        m.conn.close().await;
        Ok(result)
    })?
}

/// The applied revisions, when a database is configured (or the default `dev.db` exists) and
/// answers; `None` otherwise, with a warning when it was configured but could not be read.
/// For read commands that mark what is applied without needing a database.
pub fn applied_if_any(project: &Project, global: &GlobalArgs, out: Out) -> Option<RevisionSet> {
    let not_marked = |e: CliError| {
        if let Some(d) = e.diagnostics.first() {
            out.warn(format!("applied revisions are not marked: {}", d.message));
        }
    };
    let url = match configured_url(project, global, out) {
        Ok(url) => url?,
        Err(e) => {
            not_marked(e);
            return None;
        }
    };
    let result = block_on(async {
        let mut conn = connect_briefly(&url).await?;
        let state = migrate::state(&mut conn, &table(project), &project.graph).await;
        conn.close().await;
        Ok::<_, CliError>(state?.applied)
    })
    .and_then(|r| r);
    match result {
        Ok(applied) => Some(applied),
        Err(e) => {
            not_marked(e);
            None
        }
    }
}

/// The revisions recorded in the configured database's version table: empty without a
/// database, `None` when one is configured but cannot be read within a few seconds (nothing
/// can then be said to be safe).
pub fn recorded_if_any(project: &Project, global: &GlobalArgs, out: Out) -> Option<RevisionSet> {
    let graph = &project.graph;
    let Some(url) = configured_url(project, global, out).ok()? else {
        return Some(graph.empty_set());
    };
    let rows = block_on(async {
        let mut conn = connect_briefly(&url).await.ok()?;
        let table = table(project);
        let rows = match table.exists(&mut conn).await {
            Ok(true) => table.rows(&mut conn).await.ok(),
            Ok(false) => Some(Vec::new()),
            Err(_) => None,
        };
        conn.close().await;
        rows
    })
    .ok()
    .flatten();
    let Some(rows) = rows else {
        out.warn(format!(
            "{} could not be read: moving revisions is not offered",
            url.redacted()
        ));
        return None;
    };
    let mut applied = graph.empty_set();
    for i in rows.iter().filter_map(|r| graph.index_of(&r.revision)) {
        applied.insert(i);
    }
    Some(applied)
}
