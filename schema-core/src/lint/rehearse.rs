//! Rehearsal databases: a scratch database at a revision's parents. On PostgreSQL made by
//! `CREATE DATABASE … TEMPLATE` from a template at "these revisions applied" ([`Rehearsal`]);
//! on MySQL/MariaDB and SQLite a fresh scratch database with the parents replayed
//! ([`Replay`]).
//!
//! A template is named `cs_lint_` and 16 hex digits of a SHA-256 over the configured database
//! (its redacted URL: each project's templates are its own) and the id and checksum of every
//! revision applied in it, so editing one of them makes a new template; revisions with the
//! same parents share one. It is built once under a scratch name (so a kill -9 while building
//! leaves a database the next run's sweep drops), migrated with the real runner, renamed into
//! place, and kept like the test databases' templates. When the template one revision back
//! exists (linting a line of revisions in order makes it), the new one is cloned from it and
//! only the missing revision is applied. Rehearsal databases have scratch names
//! and are always dropped, Ctrl-C and SIGTERM included (one left by a kill -9 is dropped by
//! the next run's sweep). Templates made for a database that no longer exists on the server
//! are dropped when a lint starts.

use sha2::{Digest, Sha256};

use super::{LintError, Observed, Options as LintOptions, REVISION_FAILS};
use crate::backend::Timeouts;
use crate::db::{Conn, DatabaseUrl, DbError, Dialect, VersionTable, database_message};
use crate::migrate::{Migration, Options};
use crate::scratch::{self, Scratch, Stop};
use crate::{Edges, RevIdx, RevisionGraph, Target};

/// The prefix of every lint template.
pub const TEMPLATE_PREFIX: &str = "cs_lint_";
/// How often to try again while the template is briefly in use (a closing connection).
const IN_USE_RETRIES: u32 = 50;
const IN_USE_SLEEP: std::time::Duration = std::time::Duration::from_millis(100);

/// One lint run's hold on the server: the connection that creates and drops the databases.
pub(super) struct Rehearsal<'a> {
    server: &'a DatabaseUrl,
    admin: Conn,
    version_table: &'a str,
    timeouts: Timeouts,
    stop: Stop,
}

impl<'a> Rehearsal<'a> {
    pub async fn open(
        server: &'a DatabaseUrl,
        options: &'a LintOptions,
    ) -> Result<Rehearsal<'a>, LintError> {
        // Listening from before any database exists: an interruption while one is made is
        // not lost.
        let stop = options.interrupt.listen();
        let mut admin = Conn::connect(server)
            .await
            .map_err(|source| scratch_error(server, source))?;
        remove_orphans(&mut admin).await;
        Ok(Rehearsal {
            server,
            admin,
            version_table: &options.version_table,
            timeouts: options.timeouts,
            stop,
        })
    }

    pub async fn close(self) {
        self.admin.close().await;
        drop(self.stop);
    }

    /// Rehearses revision `index` at its parents and returns what its statements did.
    pub async fn revision(
        &mut self,
        graph: &RevisionGraph,
        index: RevIdx,
    ) -> Result<Vec<Observed>, LintError> {
        let node = graph.node(index);
        let rev = &node.revision;
        // Its parents and dependencies, with everything they need.
        let needs: Vec<RevIdx> = rev
            .parents
            .iter()
            .chain(&rev.depends_on)
            .filter_map(|id| graph.index_of(id))
            .collect();
        let before =
            graph.in_order(&graph.ancestors(needs.iter().copied(), Edges::ParentsAndDependencies));
        let name = scratch::new_name();
        let template = if before.is_empty() {
            None
        } else {
            let template = template_name(self.server, graph, &before);
            match self.template(graph, &template, &before, &needs).await? {
                Ok(()) => Some(template),
                Err(message) => return Ok(vec![parents_fail(rev, &message)]),
            }
        };
        self.create(&name, template.as_deref()).await?;
        let url = self
            .server
            .with_database(&name)
            .map_err(|e| scratch_error(self.server, e.into()));
        let observed = match url {
            Ok(url) => {
                let work = observe(&url, rev, self.timeouts);
                tokio::select! {
                    r = work => r,
                    _ = self.stop.wait() => Err(LintError::Interrupted { scratch: format!("`{name}`") }),
                }
            }
            Err(e) => Err(e),
        };
        let dropped = crate::backend::drop_database(&mut self.admin, &name, true).await;
        match (observed, dropped) {
            (Ok(o), Ok(())) => Ok(o),
            (Err(e), Ok(())) => Err(e),
            (Ok(_), Err(source)) => Err(scratch_error(self.server, source)),
            (Err(e), Err(drop)) => Err(LintError::NotDropped {
                error: Box::new(e),
                scratch: name,
                drop: drop.to_string(),
            }),
        }
    }

    /// Creates the rehearsal database, from the template when there is one.
    async fn create(&mut self, name: &str, template: Option<&str>) -> Result<(), LintError> {
        let done = match template {
            None => crate::backend::create_database(&mut self.admin, name).await,
            Some(t) => {
                let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\"");
                execute_while_in_use(&mut self.admin, &sql)
                    .await
                    .map_err(|e| DbError::query(e, &sql))
            }
        };
        done.map_err(|source| scratch_error(self.server, source))
    }

    /// The template of `before` without its heads, when it exists.
    async fn base(&mut self, graph: &RevisionGraph, before: &[RevIdx]) -> Option<String> {
        let mut set = graph.empty_set();
        for &i in before {
            set.insert(i);
        }
        for h in graph.heads_of(&set) {
            set.remove(h);
        }
        if set.is_empty() {
            return None;
        }
        let name = template_name(self.server, graph, &graph.in_order(&set));
        let sql = format!("SELECT datname::text FROM pg_database WHERE datname = '{name}'");
        let found = self.admin.fetch_strings(&sql).await.ok()?;
        (!found.is_empty()).then_some(name)
    }

    /// Makes sure template `template` exists: `needs` (and what they need) applied by the
    /// runner. `Ok(Err(message))` when a revision failed on it.
    async fn template(
        &mut self,
        graph: &RevisionGraph,
        template: &str,
        before: &[RevIdx],
        needs: &[RevIdx],
    ) -> Result<Result<(), String>, LintError> {
        let sql = format!("SELECT datname::text FROM pg_database WHERE datname = '{template}'");
        let found = self
            .admin
            .fetch_strings(&sql)
            .await
            .map_err(|source| scratch_error(self.server, source))?;
        if !found.is_empty() {
            return Ok(Ok(()));
        }
        // Cloned from the template one revision back when it exists (the previous revision
        // of a line being linted made it), so that only the missing revisions are applied.
        let base = self.base(graph, before).await;
        let building = scratch::new_name();
        self.create(&building, base.as_deref()).await?;
        let url = self
            .server
            .with_database(&building)
            .map_err(|e| scratch_error(self.server, e.into()));
        let migrated = match url {
            Ok(url) => {
                let work = migrate(graph, &url, self.version_table, needs);
                tokio::select! {
                    r = work => r,
                    _ = self.stop.wait() => Err(LintError::Interrupted { scratch: format!("`{building}`") }),
                }
            }
            Err(e) => Err(e),
        };
        let renamed = match migrated {
            Ok(Ok(())) => {
                let sql = format!("ALTER DATABASE \"{building}\" RENAME TO \"{template}\"");
                match execute_while_in_use(&mut self.admin, &sql).await {
                    Ok(()) => {
                        let sql = format!(
                            "COMMENT ON DATABASE \"{template}\" IS '{COMMENT}{}'",
                            self.server.redacted().replace('\'', "''")
                        );
                        let _ = self.admin.execute(&sql).await;
                        return Ok(Ok(()));
                    }
                    // Another run built it meanwhile: this copy goes.
                    Err(_) => Ok(Ok(())),
                }
            }
            other => other,
        };
        let dropped = crate::backend::drop_database(&mut self.admin, &building, true).await;
        match (renamed, dropped) {
            (r, Ok(())) => r,
            (Err(e), Err(drop)) => Err(LintError::NotDropped {
                error: Box::new(e),
                scratch: building,
                drop: drop.to_string(),
            }),
            (Ok(_), Err(source)) => Err(scratch_error(self.server, source)),
        }
    }
}

/// The comment a template carries: the (redacted) URL of the database it was made for.
const COMMENT: &str = "cargo-schema lint template for ";

/// Drops the templates made for a database that no longer exists on the server (a test
/// database, a dropped project): nobody lints against it any more. Best effort: one in use or
/// another user's stays.
async fn remove_orphans(admin: &mut Conn) {
    let sql = "SELECT datname::text, COALESCE(shobj_description(oid, 'pg_database'), '') \
               FROM pg_database WHERE datname LIKE 'cs!_lint!_%' ESCAPE '!'";
    let Ok(rows) = admin.fetch_strings(sql).await else {
        return;
    };
    let Ok(all) = admin
        .fetch_strings("SELECT datname::text FROM pg_database")
        .await
    else {
        return;
    };
    let exists = |name: &str| {
        all.iter()
            .any(|r| r.first().cloned().flatten().as_deref() == Some(name))
    };
    for row in rows {
        let (Some(Some(name)), Some(Some(note))) = (row.first(), row.get(1)) else {
            continue;
        };
        let Some(url) = note.strip_prefix(COMMENT) else {
            continue;
        };
        let database = url
            .split('?')
            .next()
            .unwrap_or("")
            .rsplit('/')
            .next()
            .unwrap_or("");
        if !database.is_empty() && !exists(database) {
            let _ = crate::backend::drop_database(admin, name, false).await;
        }
    }
}

fn scratch_error(server: &DatabaseUrl, source: DbError) -> LintError {
    LintError::Scratch {
        server: server.redacted(),
        dialect: server.dialect,
        source,
    }
}

/// The template's name for the revisions `before` (in topological order).
fn template_name(server: &DatabaseUrl, graph: &RevisionGraph, before: &[RevIdx]) -> String {
    let mut h = Sha256::new();
    h.update(server.redacted().as_bytes());
    h.update(b"\0");
    for &i in before {
        let rev = &graph.node(i).revision;
        h.update(rev.id.as_bytes());
        h.update(b"\0");
        h.update(crate::checksum::checksum(rev).as_bytes());
        h.update(b"\0");
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("{TEMPLATE_PREFIX}{}", &hex[..16])
}

/// Applies `needs` (and what they need) on the database at `url` with the real runner.
async fn migrate(
    graph: &RevisionGraph,
    url: &DatabaseUrl,
    version_table: &str,
    needs: &[RevIdx],
) -> Result<Result<(), String>, LintError> {
    let conn = Conn::connect(url)
        .await
        .map_err(|source| scratch_error(url, source))?;
    let (conn, result) = migrate_on(graph, conn, version_table, needs).await;
    conn.close().await;
    Ok(result)
}

/// Applies `needs` (and what they need) on `conn`'s database with the real runner, and gives
/// the connection back (an in-memory SQLite database lives only as long as it).
async fn migrate_on(
    graph: &RevisionGraph,
    conn: Conn,
    version_table: &str,
    needs: &[RevIdx],
) -> (Conn, Result<(), String>) {
    let mut m = Migration {
        graph,
        conn,
        table: VersionTable::new(version_table),
        options: Options {
            lock: crate::config::LockMode::None,
            allow_edited: true,
            ..Options::default()
        },
    };
    let mut result = Ok(());
    for &i in needs {
        let target = match graph.id(i).parse::<Target>() {
            Ok(t) => t,
            Err(e) => {
                result = Err(e.to_string());
                break;
            }
        };
        if let Err(e) = m.upgrade(&target, &mut |_| {}).await {
            result = Err(e.to_string());
            break;
        }
    }
    (m.conn, result)
}

/// Runs `sql`, trying again while another session is still in the database it needs alone.
async fn execute_while_in_use(conn: &mut Conn, sql: &str) -> Result<(), sqlx::Error> {
    let mut attempt = 0;
    loop {
        match conn.execute(sql).await {
            Err(e) if in_use(&e) && attempt < IN_USE_RETRIES => {
                attempt += 1;
                tokio::time::sleep(IN_USE_SLEEP).await;
            }
            done => return done,
        }
    }
}

fn in_use(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.code().as_deref() == Some("55006")
                || d.message().contains("being accessed by other users")
        }
        _ => false,
    }
}

/// The finding for a revision whose parents fail on the rehearsal database.
fn parents_fail(rev: &crate::Revision, message: &str) -> Observed {
    Observed {
        rule: REVISION_FAILS,
        line: rev.lines.revises.max(1),
        message: format!("its parents could not be applied on the rehearsal database: {message}"),
        help: vec!["lint the parents first: their findings say what fails".into()],
    }
}

/// Connects to the rehearsal database and runs the revision's up section there, observed.
/// The project's timeouts are set as `up` sets them.
async fn observe(
    url: &DatabaseUrl,
    rev: &crate::Revision,
    timeouts: Timeouts,
) -> Result<Vec<Observed>, LintError> {
    let mut conn = Conn::connect(url)
        .await
        .map_err(|source| scratch_error(url, source))?;
    let observed = observe_on(&mut conn, url, rev, timeouts).await;
    conn.close().await;
    observed
}

/// Runs the revision's up section on `conn` (the rehearsal database at `url`), observed by
/// the observer of its kind of database.
async fn observe_on(
    conn: &mut Conn,
    url: &DatabaseUrl,
    rev: &crate::Revision,
    timeouts: Timeouts,
) -> Result<Vec<Observed>, LintError> {
    let statements = match crate::split::split_checked(&rev.up.sql, url.dialect, rev.up.line + 1) {
        Ok(s) => s,
        Err(e) => {
            return Ok(vec![Observed {
                rule: REVISION_FAILS,
                line: e.line,
                message: format!("the up section cannot be split: {e}"),
                help: Vec::new(),
            }]);
        }
    };
    let transactional = crate::migrate::runs_in_transaction(rev, url.dialect);
    let observed = match url.dialect {
        Dialect::Postgres => {
            super::postgres::observe(conn, &statements, transactional, timeouts).await
        }
        Dialect::MySql => super::mysql::observe(conn, &statements).await,
        Dialect::Sqlite => super::sqlite::observe(conn, &statements, transactional).await,
    };
    observed.map_err(|source| LintError::Observe {
        database: url.redacted(),
        source,
    })
}

/// Rehearsal on MySQL/MariaDB and SQLite, which have no `CREATE DATABASE … TEMPLATE`: a fresh
/// scratch database per revision (on the same server; SQLite in memory), the revision's
/// ancestors applied on it by the real runner, then the revision observed on the same
/// connection. The scratch database is always dropped, Ctrl-C and SIGTERM included (one left
/// by a kill -9 is dropped by a later run's sweep of scratch databases).
pub(super) struct Replay<'a> {
    server: &'a DatabaseUrl,
    version_table: &'a str,
    timeouts: Timeouts,
    stop: Stop,
}

impl<'a> Replay<'a> {
    pub fn open(server: &'a DatabaseUrl, options: &'a LintOptions) -> Replay<'a> {
        Replay {
            server,
            version_table: &options.version_table,
            timeouts: options.timeouts,
            stop: options.interrupt.listen(),
        }
    }

    pub fn close(self) {
        drop(self.stop);
    }

    /// Rehearses revision `index` at its parents and returns what its statements did.
    pub async fn revision(
        &mut self,
        graph: &RevisionGraph,
        index: RevIdx,
    ) -> Result<Vec<Observed>, LintError> {
        let rev = &graph.node(index).revision;
        let needs: Vec<RevIdx> = rev
            .parents
            .iter()
            .chain(&rev.depends_on)
            .filter_map(|id| graph.index_of(id))
            .collect();
        let scratch = Scratch::create(self.server)
            .await
            .map_err(|source| scratch_error(self.server, source))?;
        let label = scratch
            .name()
            .map_or_else(|| "(SQLite, in memory)".to_string(), |n| format!("`{n}`"));
        let work = replay(
            graph,
            &scratch.url,
            self.version_table,
            &needs,
            rev,
            self.timeouts,
        );
        let observed = tokio::select! {
            r = work => r,
            _ = self.stop.wait() => Err(LintError::Interrupted { scratch: label.clone() }),
        };
        let dropped = scratch.drop().await;
        match (observed, dropped) {
            (r, Ok(())) => r,
            (Ok(_), Err(source)) => Err(scratch_error(self.server, source)),
            (Err(e), Err(drop)) => Err(LintError::NotDropped {
                error: Box::new(e),
                scratch: label,
                drop: drop.to_string(),
            }),
        }
    }
}

/// Applies the revision's parents on the scratch database at `url`, then observes it there.
async fn replay(
    graph: &RevisionGraph,
    url: &DatabaseUrl,
    version_table: &str,
    needs: &[RevIdx],
    rev: &crate::Revision,
    timeouts: Timeouts,
) -> Result<Vec<Observed>, LintError> {
    let conn = Conn::connect(url)
        .await
        .map_err(|source| scratch_error(url, source))?;
    let (mut conn, applied) = if needs.is_empty() {
        (conn, Ok(()))
    } else {
        migrate_on(graph, conn, version_table, needs).await
    };
    let observed = match applied {
        Ok(()) => observe_on(&mut conn, url, rev, timeouts).await,
        Err(message) => Ok(vec![parents_fail(rev, &message)]),
    };
    conn.close().await;
    observed
}

/// The database's message for a failed statement.
pub(super) fn message(e: &sqlx::Error) -> String {
    database_message(e)
}
