//! Rehearsal databases: a database at a revision's parents where the revision is run and
//! observed. On PostgreSQL a kept template at "these revisions applied" ([`Rehearsal`]); on
//! MySQL/MariaDB and SQLite a fresh scratch database with the parents replayed ([`Replay`]).
//!
//! A template is named `cs_lint_` and 16 hex digits of a SHA-256 over the configured database
//! (its redacted URL: each project's templates are its own) and the id and checksum of every
//! revision applied in it, so editing one of them makes a new template; revisions with the
//! same parents share one. It is built once under a scratch name (so a kill -9 while building
//! leaves a database the next run's sweep drops), migrated with the real runner, renamed into
//! place, and kept like the test databases' templates. When the template one revision back
//! exists (linting a line of revisions in order makes it), the new one is cloned from it and
//! only the missing revision is applied.
//!
//! **On the template itself.** A revision that runs in a transaction is rehearsed on the
//! template, in a transaction that is rolled back (`SET CONSTRAINTS ALL IMMEDIATE` before, so
//! deferred constraints still fail): no clone, no drop, which on a large schema is most of a
//! lint's time. What a rollback does not undo is put back or avoided:
//! - sequences (`nextval`, `setval`, an `INSERT` into a serial column): every sequence's
//!   `last_value`/`is_called` is read before and set back after the rollback (a sequence the
//!   user may not read sends the revision to a clone);
//! - a revision outside a transaction (`transaction:false`: `CREATE INDEX CONCURRENTLY`,
//!   `VACUUM`) or with transaction control of its own (which the runner refuses) is rehearsed
//!   on a clone, as before, and so is a revision with no parents (no template);
//! - while the rehearsal runs, the template's comment says so: a template left in that state
//!   (kill -9: the server rolled the transaction back, but its sequences may have moved) is
//!   dropped and built again by the next run.
//!
//! Every use of a template (building it, rehearsing on it, cloning it) holds an advisory lock
//! named after it on the lint's connection to the configured database, so a concurrent lint
//! waits instead of finding the template "being accessed by other users"; a clone still
//! retries that error for a while (a session that is closing on the server's side).
//! Interrupted (Ctrl-C, SIGTERM), the session on the template is terminated (the server rolls
//! its transaction back) and the sequences are put back from a new session.
//!
//! Rehearsal databases (clones) have scratch names and are always dropped, Ctrl-C and SIGTERM
//! included (one left by a kill -9 is dropped by the next run's sweep). When a lint starts,
//! templates made for a database that no longer exists on the server are dropped, and so are
//! this project's templates whose revisions are no longer those of the files (a revision
//! edited or removed): the template's comment names the revisions at its heads.

use sha2::{Digest, Sha256};

use super::{LintError, Observed, Options as LintOptions, REVISION_FAILS};
use crate::backend::Timeouts;
use crate::db::{
    Conn, DatabaseUrl, DbError, Dialect, IN_USE_RETRIES, IN_USE_SLEEP, VersionTable,
    database_message,
};
use crate::migrate::{Migration, Options};
use crate::plan::Direction;
use crate::scratch::{self, Scratch, Stop};
use crate::{Edges, RevIdx, RevisionGraph, Target};

/// The prefix of every lint template.
pub const TEMPLATE_PREFIX: &str = "cs_lint_";
/// The first key of the advisory locks on templates (`cslt`); the second is the template's.
const LOCK_CLASS: i32 = 0x6373_6c74;
/// How often a lint waiting for a template's lock looks again.
const LOCK_POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// Where a lint run rehearses: on PostgreSQL on kept templates ([`Rehearsal`]), elsewhere by
/// replaying each revision's ancestors on a scratch database ([`Replay`]).
pub(super) enum Rehearser<'a> {
    Template(Rehearsal<'a>),
    Replay(Replay<'a>),
}

impl<'a> Rehearser<'a> {
    pub async fn open(
        server: &'a DatabaseUrl,
        graph: &RevisionGraph,
        options: &'a LintOptions,
    ) -> Result<Rehearser<'a>, LintError> {
        Ok(match server.dialect {
            Dialect::Postgres => {
                Rehearser::Template(Rehearsal::open(server, graph, options).await?)
            }
            _ => Rehearser::Replay(Replay::open(server, options)),
        })
    }

    /// Rehearses revision `index` at its parents and returns what its statements did.
    pub async fn revision(
        &mut self,
        graph: &RevisionGraph,
        index: RevIdx,
    ) -> Result<Vec<Observed>, LintError> {
        let rev = &graph.node(index).revision;
        let at = (rev, needs(graph, rev));
        match self {
            Rehearser::Template(r) => r.revision(graph, at).await,
            Rehearser::Replay(r) => r.revision(graph, at).await,
        }
    }

    pub async fn close(self) {
        match self {
            Rehearser::Template(r) => r.close().await,
            // Dropping it stops listening for an interruption.
            Rehearser::Replay(r) => drop(r),
        }
    }
}

/// One lint run's hold on the server: the connection that creates and drops the databases.
pub(super) struct Rehearsal<'a> {
    server: &'a DatabaseUrl,
    admin: Conn,
    version_table: &'a str,
    timeouts: Timeouts,
    stop: Stop,
}

/// What the server says of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Missing,
    Ready,
    /// A rehearsal on it did not finish (kill -9): its sequences may have moved.
    Dirty,
}

/// Sequences and their state (`last_value`, `is_called`), by qualified name.
type Sequences = Vec<(String, String, String)>;

impl<'a> Rehearsal<'a> {
    async fn open(
        server: &'a DatabaseUrl,
        graph: &RevisionGraph,
        options: &'a LintOptions,
    ) -> Result<Rehearsal<'a>, LintError> {
        // Listening from before any database exists: an interruption while one is made is
        // not lost.
        let stop = options.interrupt.listen();
        let admin = Conn::connect(server)
            .await
            .map_err(|source| scratch_error(server, source))?;
        let mut rehearsal = Rehearsal {
            server,
            admin,
            version_table: &options.version_table,
            timeouts: options.timeouts,
            stop,
        };
        rehearsal.remove_stale(graph).await;
        Ok(rehearsal)
    }

    async fn close(self) {
        self.admin.close().await;
        drop(self.stop);
    }

    /// Rehearses `rev` after what it `needs` (see [`Rehearser::revision`]).
    async fn revision(
        &mut self,
        graph: &RevisionGraph,
        (rev, needs): (&crate::Revision, Vec<RevIdx>),
    ) -> Result<Vec<Observed>, LintError> {
        let before =
            graph.in_order(&graph.ancestors(needs.iter().copied(), Edges::ParentsAndDependencies));
        if before.is_empty() {
            return self.on_clone(rev, None).await;
        }
        let template = template_name(self.server, graph, &before);
        self.lock(&template).await?;
        let result = self.at(graph, rev, &template, &before, &needs).await;
        self.unlock(&template).await;
        result
    }

    /// Rehearses `rev` at template `template` (`before` applied), its lock held.
    async fn at(
        &mut self,
        graph: &RevisionGraph,
        rev: &crate::Revision,
        template: &str,
        before: &[RevIdx],
        needs: &[RevIdx],
    ) -> Result<Vec<Observed>, LintError> {
        if let Err(message) = self.template(graph, template, before, needs).await? {
            return Ok(vec![parents_fail(rev, &message)]);
        }
        if in_place(rev)
            && let Some(observed) = self.on_template(graph, rev, template, before).await?
        {
            return Ok(observed);
        }
        self.on_clone(rev, Some(template)).await
    }

    /// Rehearses `rev` on a clone of `template` (an empty database without one), dropped
    /// afterwards.
    async fn on_clone(
        &mut self,
        rev: &crate::Revision,
        template: Option<&str>,
    ) -> Result<Vec<Observed>, LintError> {
        let name = scratch::new_name();
        self.create(&name, template).await?;
        let timeouts = self.timeouts;
        let observed = self
            .on_database(&name, async |url| observe(url, rev, timeouts).await)
            .await;
        let dropped = crate::backend::drop_database(&mut self.admin, &name, true).await;
        after_drop(self.server, observed, dropped, name)
    }

    /// Runs `work` on the server's database `name`, unless an interruption comes first (the
    /// caller drops the database either way).
    async fn on_database<T>(
        &mut self,
        name: &str,
        work: impl AsyncFnOnce(&DatabaseUrl) -> Result<T, LintError>,
    ) -> Result<T, LintError> {
        let url = self
            .server
            .with_database(name)
            .map_err(|e| scratch_error(self.server, e.into()))?;
        tokio::select! {
            r = work(&url) => r,
            _ = self.stop.wait() => Err(LintError::Interrupted {
                what: format!("the rehearsal database `{name}` was dropped"),
            }),
        }
    }

    /// Rehearses `rev` on `template` itself, in a transaction rolled back at the end, with its
    /// sequences set back. `None` when it cannot be (a sequence it may not read, its comment
    /// not written): the caller rehearses on a clone.
    async fn on_template(
        &mut self,
        graph: &RevisionGraph,
        rev: &crate::Revision,
        template: &str,
        before: &[RevIdx],
    ) -> Result<Option<Vec<Observed>>, LintError> {
        let url = self
            .server
            .with_database(template)
            .map_err(|e| scratch_error(self.server, e.into()))?;
        let mut conn = Conn::connect(&url)
            .await
            .map_err(|source| scratch_error(self.server, source))?;
        let pid = conn
            .fetch_strings("SELECT pg_backend_pid()::text")
            .await
            .ok()
            .and_then(|rows| rows.into_iter().next()?.into_iter().next()?);
        let sequences = match sequences(&mut conn).await {
            Ok(s) => s,
            Err(_) => {
                conn.close().await;
                return Ok(None);
            }
        };
        let comment = template_comment(self.server, graph, before, true);
        if pid.is_none() || comment_on(&mut conn, template, &comment).await.is_err() {
            conn.close().await;
            return Ok(None);
        }
        let work = observe_on(&mut conn, &url, rev, self.timeouts, true);
        let observed = tokio::select! {
            r = work => Some(r),
            _ = self.stop.wait() => None,
        };
        let rolled_back = observed.is_some() && conn.execute("ROLLBACK").await.is_ok();
        let conn = if rolled_back {
            Some(conn)
        } else {
            // Mid-statement, or the session is gone: the server rolls its transaction back
            // when it ends; a new session puts the sequences back.
            drop(conn);
            if let Some(pid) = &pid {
                self.terminate(pid).await;
            }
            Conn::connect(&url).await.ok()
        };
        let restored = match conn {
            Some(mut conn) => {
                let clean = template_comment(self.server, graph, before, false);
                let done = restore(&mut conn, &sequences).await.is_ok()
                    && comment_on(&mut conn, template, &clean).await.is_ok();
                conn.close().await;
                done
            }
            None => false,
        };
        if !restored {
            // It cannot be trusted any more: built again by the next rehearsal that needs it.
            let _ = crate::backend::drop_database(&mut self.admin, template, true).await;
        }
        match observed {
            Some(r) => r.map(Some),
            None => Err(LintError::Interrupted {
                what: format!("the rehearsal on the template `{template}` was rolled back"),
            }),
        }
    }

    /// Ends session `pid` and waits (a few seconds at most) until the server has let it go.
    async fn terminate(&mut self, pid: &str) {
        let Ok(pid) = pid.parse::<i32>() else { return };
        let _ = self
            .admin
            .execute(&format!("SELECT pg_terminate_backend({pid})"))
            .await;
        let sql = format!("SELECT 1 FROM pg_stat_activity WHERE pid = {pid}");
        for _ in 0..IN_USE_RETRIES {
            match self.admin.fetch_strings(&sql).await {
                Ok(rows) if !rows.is_empty() => tokio::time::sleep(IN_USE_SLEEP).await,
                _ => return,
            }
        }
    }

    /// Takes the advisory lock on template `name`, waiting while another lint holds it.
    async fn lock(&mut self, name: &str) -> Result<(), LintError> {
        let sql = format!(
            "SELECT pg_try_advisory_lock({LOCK_CLASS}, {})::text",
            lock_key(name)
        );
        loop {
            let rows = self
                .admin
                .fetch_strings(&sql)
                .await
                .map_err(|source| scratch_error(self.server, source))?;
            if first(&rows).as_deref() == Some("true") {
                return Ok(());
            }
            tokio::select! {
                () = tokio::time::sleep(LOCK_POLL) => {}
                () = self.stop.wait() => {
                    return Err(LintError::Interrupted {
                        what: format!("nothing was left behind (it was waiting for the template `{name}`)"),
                    });
                }
            }
        }
    }

    /// Releases [`Rehearsal::lock`]'s lock (best effort: it goes with the session anyway).
    async fn unlock(&mut self, name: &str) {
        let sql = format!(
            "SELECT pg_advisory_unlock({LOCK_CLASS}, {})",
            lock_key(name)
        );
        let _ = self.admin.execute(&sql).await;
    }

    /// Creates the rehearsal database, from the template when there is one.
    async fn create(&mut self, name: &str, template: Option<&str>) -> Result<(), LintError> {
        let done = match template {
            None => crate::backend::create_database(&mut self.admin, name).await,
            Some(t) => {
                let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\"");
                self.admin
                    .execute_while_in_use(&sql)
                    .await
                    .map_err(|e| DbError::query(e, &sql))
            }
        };
        done.map_err(|source| scratch_error(self.server, source))
    }

    /// Whether template `name` exists, and in which state.
    async fn state(&mut self, name: &str) -> Result<State, DbError> {
        let sql = format!(
            "SELECT COALESCE(shobj_description(oid, 'pg_database'), '') \
             FROM pg_database WHERE datname = '{name}'"
        );
        let rows = self.admin.fetch_strings(&sql).await?;
        Ok(match first(&rows) {
            None => State::Missing,
            Some(comment) if comment.starts_with(DIRTY) => State::Dirty,
            Some(_) => State::Ready,
        })
    }

    /// Creates `name` as a clone of the template of `before` without its heads when it
    /// exists and is ready (its lock held meanwhile); empty otherwise.
    async fn create_from_base(
        &mut self,
        graph: &RevisionGraph,
        name: &str,
        before: &[RevIdx],
    ) -> Result<(), LintError> {
        let mut set = graph.empty_set();
        for &i in before {
            set.insert(i);
        }
        for h in graph.heads_of(&set) {
            set.remove(h);
        }
        if !set.is_empty() {
            let base = template_name(self.server, graph, &graph.in_order(&set));
            self.lock(&base).await?;
            let created = match self.state(&base).await {
                Ok(State::Ready) => Some(self.create(name, Some(&base)).await),
                _ => None,
            };
            self.unlock(&base).await;
            if let Some(created) = created {
                return created;
            }
        }
        self.create(name, None).await
    }

    /// Makes sure template `template` exists and is ready: `needs` (and what they need)
    /// applied by the runner. `Ok(Err(message))` when a revision failed on it. Its lock is
    /// held.
    async fn template(
        &mut self,
        graph: &RevisionGraph,
        template: &str,
        before: &[RevIdx],
        needs: &[RevIdx],
    ) -> Result<Result<(), String>, LintError> {
        match self
            .state(template)
            .await
            .map_err(|source| scratch_error(self.server, source))?
        {
            State::Ready => return Ok(Ok(())),
            State::Dirty => {
                crate::backend::drop_database(&mut self.admin, template, true)
                    .await
                    .map_err(|source| scratch_error(self.server, source))?;
            }
            State::Missing => {}
        }
        // Cloned from the template one revision back when it exists (the previous revision
        // of a line being linted made it), so that only the missing revisions are applied.
        let building = scratch::new_name();
        self.create_from_base(graph, &building, before).await?;
        let version_table = self.version_table;
        let migrated = self
            .on_database(&building, async |url| {
                migrate(graph, url, version_table, needs).await
            })
            .await;
        let renamed = match migrated {
            Ok(Ok(())) => {
                let sql = format!("ALTER DATABASE \"{building}\" RENAME TO \"{template}\"");
                match self.admin.execute_while_in_use(&sql).await {
                    Ok(()) => {
                        let comment = template_comment(self.server, graph, before, false);
                        let _ = comment_on(&mut self.admin, template, &comment).await;
                        return Ok(Ok(()));
                    }
                    // Another run built it meanwhile: this copy goes.
                    Err(_) => Ok(Ok(())),
                }
            }
            other => other,
        };
        let dropped = crate::backend::drop_database(&mut self.admin, &building, true).await;
        after_drop(self.server, renamed, dropped, building)
    }

    /// Drops the templates made for a database that no longer exists on the server (a test
    /// database, a dropped project): nobody lints against it any more; and this project's
    /// templates whose revisions are not those of `graph` any more (edited, removed), or left
    /// by a rehearsal that did not finish. Best effort: one in use or another user's stays.
    async fn remove_stale(&mut self, graph: &RevisionGraph) {
        let sql = "SELECT datname::text, COALESCE(shobj_description(oid, 'pg_database'), '') \
                   FROM pg_database WHERE datname LIKE 'cs!_lint!_%' ESCAPE '!'";
        let Ok(rows) = self.admin.fetch_strings(sql).await else {
            return;
        };
        let Ok(all) = self
            .admin
            .fetch_strings("SELECT datname::text FROM pg_database")
            .await
        else {
            return;
        };
        let exists = |name: &str| {
            all.iter()
                .any(|r| r.first().cloned().flatten().as_deref() == Some(name))
        };
        let ours = self.server.redacted();
        for row in rows {
            let (Some(Some(name)), Some(Some(note))) = (row.first(), row.get(1)) else {
                continue;
            };
            let Some((marks, url)) = note.split_once(COMMENT) else {
                continue;
            };
            let database = url
                .split('?')
                .next()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap_or("");
            let stale = if url == ours {
                marks.starts_with(DIRTY) || !current(self.server, graph, name, marks)
            } else {
                !database.is_empty() && !exists(database)
            };
            if stale {
                // Not while another lint uses it (the lock is held while it does).
                let sql = format!(
                    "SELECT pg_try_advisory_lock({LOCK_CLASS}, {})::text",
                    lock_key(name)
                );
                let free = self.admin.fetch_strings(&sql).await.ok();
                if first(&free.unwrap_or_default()).as_deref() == Some("true") {
                    let _ = crate::backend::drop_database(&mut self.admin, name, false).await;
                    self.unlock(name).await;
                }
            }
        }
    }
}

/// The comment a template carries ends with this and the (redacted) URL of the database it
/// was made for; before it, `heads ID …; ` (the revisions at its heads) and, while a
/// rehearsal runs on it, [`DIRTY`] first.
const COMMENT: &str = "cargo-schema lint template for ";
/// The mark of a template a rehearsal is running on.
const DIRTY: &str = "rehearsal under way; ";

/// The comment of the template of `before`, [`DIRTY`] when `dirty`.
fn template_comment(
    server: &DatabaseUrl,
    graph: &RevisionGraph,
    before: &[RevIdx],
    dirty: bool,
) -> String {
    let mut set = graph.empty_set();
    for &i in before {
        set.insert(i);
    }
    let mut heads: Vec<&str> = graph
        .heads_of(&set)
        .into_iter()
        .map(|h| graph.id(h))
        .collect();
    heads.sort_unstable();
    format!(
        "{}heads {}; {COMMENT}{}",
        if dirty { DIRTY } else { "" },
        heads.join(" "),
        server.redacted()
    )
}

/// Whether template `name`, whose comment starts with `marks`, is the template of revisions
/// of `graph` as its files are now.
fn current(server: &DatabaseUrl, graph: &RevisionGraph, name: &str, marks: &str) -> bool {
    let Some(heads) = marks
        .strip_prefix("heads ")
        .and_then(|m| m.strip_suffix("; "))
    else {
        return false;
    };
    let heads: Option<Vec<RevIdx>> = heads.split(' ').map(|id| graph.index_of(id)).collect();
    match heads {
        Some(heads) if !heads.is_empty() => {
            let before = graph.in_order(&graph.ancestors(heads, Edges::ParentsAndDependencies));
            template_name(server, graph, &before) == name
        }
        _ => false,
    }
}

/// `COMMENT ON DATABASE`.
async fn comment_on(conn: &mut Conn, database: &str, comment: &str) -> Result<(), sqlx::Error> {
    let sql = format!(
        "COMMENT ON DATABASE \"{database}\" IS '{}'",
        comment.replace('\'', "''")
    );
    conn.execute(&sql).await
}

/// The second key of template `name`'s advisory lock: from its hash.
fn lock_key(name: &str) -> i32 {
    let hex = name.strip_prefix(TEMPLATE_PREFIX).unwrap_or(name);
    let n = u32::from_str_radix(hex.get(..8).unwrap_or("0"), 16).unwrap_or(0);
    i32::from_ne_bytes(n.to_ne_bytes())
}

/// The first column of the first row.
fn first(rows: &[Vec<Option<String>>]) -> Option<String> {
    rows.first()?.first()?.clone()
}

/// Whether `rev` may be rehearsed on the template in a transaction rolled back: it runs in
/// one, and has no transaction control of its own (which would end it).
fn in_place(rev: &crate::Revision) -> bool {
    crate::migrate::runs_in_transaction(rev, Dialect::Postgres)
        && crate::migrate::section_statements(rev, Direction::Up, Dialect::Postgres).is_ok()
}

/// Every sequence of the database and its state, read in one statement. An error when there
/// is one the session may not read.
async fn sequences(conn: &mut Conn) -> Result<Sequences, DbError> {
    let names = conn
        .fetch_strings(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'S' AND n.nspname NOT LIKE 'pg\\_temp%' ORDER BY 1",
        )
        .await?;
    let names: Vec<String> = names
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let sql = names
        .iter()
        .map(|n| {
            format!(
                "SELECT '{}', last_value::text, is_called::text FROM {n}",
                n.replace('\'', "''")
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    Ok(conn
        .fetch_strings(&sql)
        .await?
        .into_iter()
        .map(|r| {
            let text = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            (text(0), text(1), text(2))
        })
        .collect())
}

/// Sets every sequence that moved since [`sequences`] read `before` back.
async fn restore(conn: &mut Conn, before: &Sequences) -> Result<(), DbError> {
    if before.is_empty() {
        return Ok(());
    }
    let now = sequences(conn).await?;
    for (name, value, called) in before {
        if now
            .iter()
            .any(|s| &s.0 == name && (&s.1, &s.2) == (value, called))
        {
            continue;
        }
        let called = matches!(called.as_str(), "true" | "t");
        let sql = format!(
            "SELECT setval('{}', {value}, {called})",
            name.replace('\'', "''")
        );
        conn.execute(&sql)
            .await
            .map_err(|e| DbError::query(e, &sql))?;
    }
    Ok(())
}

/// The revisions `rev` needs applied: its parents and dependencies.
fn needs(graph: &RevisionGraph, rev: &crate::Revision) -> Vec<RevIdx> {
    rev.parents
        .iter()
        .chain(&rev.depends_on)
        .filter_map(|id| graph.index_of(id))
        .collect()
}

/// The outcome of work on a scratch database once it is dropped: the work's own result, or the
/// failure to drop it (with the work's error, when both failed).
// It passes on the module's error, which every async fn here returns as well.
#[allow(clippy::result_large_err)]
fn after_drop<T>(
    server: &DatabaseUrl,
    work: Result<T, LintError>,
    dropped: Result<(), DbError>,
    name: String,
) -> Result<T, LintError> {
    match (work, dropped) {
        (r, Ok(())) => r,
        (Ok(_), Err(source)) => Err(scratch_error(server, source)),
        (Err(e), Err(drop)) => Err(LintError::NotDropped {
            error: Box::new(e),
            scratch: name,
            drop: drop.to_string(),
        }),
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
    // The lock of `up` on PostgreSQL (the database is this run's alone, so it is free): without
    // a lock held for the whole run the runner re-reads the version table before each step,
    // which on a long history costs as much again as the history. MySQL's named locks are
    // the server's, shared by concurrent lints: none there.
    let lock = match conn.dialect() {
        Dialect::Postgres => crate::config::LockMode::Advisory,
        _ => crate::config::LockMode::None,
    };
    let mut m = Migration {
        graph,
        conn,
        table: VersionTable::new(version_table),
        options: Options {
            lock,
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
    let observed = observe_on(&mut conn, url, rev, timeouts, false).await;
    conn.close().await;
    observed
}

/// Runs the revision's up section on `conn` (the rehearsal database at `url`), observed by
/// the observer of its kind of database. With `rollback` (PostgreSQL, a revision that runs in
/// a transaction) the transaction is left open for the caller to roll back, once deferred
/// constraints have been checked.
async fn observe_on(
    conn: &mut Conn,
    url: &DatabaseUrl,
    rev: &crate::Revision,
    timeouts: Timeouts,
    rollback: bool,
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
            super::postgres::observe(conn, &statements, transactional, timeouts, rollback).await
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
    fn open(server: &'a DatabaseUrl, options: &'a LintOptions) -> Replay<'a> {
        Replay {
            server,
            version_table: &options.version_table,
            timeouts: options.timeouts,
            stop: options.interrupt.listen(),
        }
    }

    /// Rehearses `rev` after what it `needs` (see [`Rehearser::revision`]).
    async fn revision(
        &mut self,
        graph: &RevisionGraph,
        (rev, needs): (&crate::Revision, Vec<RevIdx>),
    ) -> Result<Vec<Observed>, LintError> {
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
            _ = self.stop.wait() => Err(LintError::Interrupted {
                what: format!("the rehearsal database {label} was dropped"),
            }),
        };
        let dropped = scratch.drop().await;
        after_drop(self.server, observed, dropped, label)
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
        Ok(()) => observe_on(&mut conn, url, rev, timeouts, false).await,
        Err(message) => Ok(vec![parents_fail(rev, &message)]),
    };
    conn.close().await;
    observed
}

/// The database's message for a failed statement.
pub(super) fn message(e: &sqlx::Error) -> String {
    database_message(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::graph;

    #[test]
    fn a_template_is_current_while_its_revisions_are_those_of_the_files() {
        let server =
            DatabaseUrl::parse("postgres://u@h/app", crate::db::UrlSource::Flag).expect("url");
        let g = graph(&["a:", "b:a", "c:b", "d:a"]);
        let at = |ids: &[&str]| -> Vec<RevIdx> {
            let set = g.ancestors(
                ids.iter().filter_map(|id| g.index_of(id)),
                Edges::ParentsAndDependencies,
            );
            g.in_order(&set)
        };
        let before = at(&["b", "d"]);
        let name = template_name(&server, &g, &before);
        let comment = template_comment(&server, &g, &before, false);
        assert_eq!(
            comment,
            "heads b d; cargo-schema lint template for postgres://u@h/app"
        );
        let (marks, url) = comment.split_once(COMMENT).expect("the comment");
        assert_eq!(url, server.redacted());
        assert!(current(&server, &g, &name, marks));
        // Another set of revisions, or the same ids with another file behind one of them.
        assert!(!current(
            &server,
            &g,
            &template_name(&server, &g, &at(&["c"])),
            marks
        ));
        let rev = crate::graph::tests::rev;
        let mut b = rev("b:a");
        b.up.sql = "CREATE TABLE t (x int);".into();
        let edited = crate::RevisionGraph::new(vec![rev("a:"), b, rev("c:b"), rev("d:a")])
            .expect("valid graph");
        assert!(!current(&server, &edited, &name, marks));
        // Unknown heads, an old comment without them, a dirty mark.
        assert!(!current(&server, &g, &name, "heads zz; "));
        assert!(!current(&server, &g, &name, ""));
        let dirty = template_comment(&server, &g, &before, true);
        assert!(dirty.starts_with(DIRTY));
        // Each template its own lock (from its hash), in the lock class of lint.
        assert_ne!(
            lock_key("cs_lint_00000001ffff"),
            lock_key("cs_lint_00000002ffff")
        );
        assert_eq!(lock_key("cs_lint_ffffffff00"), -1);
    }
}
