//! Running plans against a database: `up`, `down`, `stamp`, `current`, `repair`.
//!
//! One implementation for the CLI and for applications: the plan comes from
//! [`RevisionGraph`]'s planner, and each step runs here with its version-table bookkeeping.
//! On PostgreSQL and SQLite a revision and its row commit together or not at all; where that
//! is impossible (MySQL's DDL commits on its own, `transaction:false` sections) the row is
//! written first as `dirty` and updated after every statement, so a failure halfway says
//! exactly what ran.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::checksum::checksum;
use crate::config::LockMode;
use crate::db::{AppliedRow, Conn, DbError, Dialect, VersionTable, database_message};
use crate::graph::{RevisionGraph, RevisionSet};
use crate::plan::{Direction, Plan, PlanError, StampPlan};
use crate::revision::Revision;
use crate::split::{self, Statement};
use crate::target::{ResolveError, Target};

/// How a run behaves.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub lock: LockMode,
    /// Go on although applied revisions were edited since they were applied.
    pub allow_edited: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lock: LockMode::Advisory,
            allow_edited: false,
        }
    }
}

/// What a run reports as it goes.
#[derive(Debug)]
pub enum Event<'a> {
    /// The plan is made: this many steps will run.
    Planned { steps: usize },
    /// A step finished.
    Step {
        revision: &'a Revision,
        direction: Direction,
        duration: Duration,
    },
    /// Another process applied (or rolled back) this step first.
    AlreadyDone { revision: &'a Revision },
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The revisions applied or rolled back, in order, with their time.
    pub steps: Vec<(String, Direction, Duration)>,
}

/// An applied revision whose file has changed since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub revision: String,
    pub path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error("revision `{revision}` was left dirty: {}", dirty_summary(*statements_done, *rolling_back, error.as_deref()))]
    Dirty {
        revision: String,
        path: Option<PathBuf>,
        statements_done: i64,
        rolling_back: bool,
        error: Option<String>,
    },
    #[error("applied revision(s) edited since they were applied: {}", edited.iter().map(|e| e.revision.as_str()).collect::<Vec<_>>().join(", "))]
    Edited { edited: Vec<Edited> },
    #[error("{}:{}: revision `{}` failed: {}", .0.path.display(), .0.line, .0.revision, .0.message)]
    Statement(Box<StatementFailure>),
    #[error("no revision `{0}` is recorded in the version table")]
    NotRecorded(String),
    #[error("interrupted")]
    Interrupted,
    #[error(
        "revision `{0}` is applied but its file is gone, and it was irreversible: there is no down section to roll it back with"
    )]
    MissingIrreversible(String),
    #[error(
        "rolling back revision `{revision}` (its file is gone; the down section recorded at apply time) failed: {message}"
    )]
    MissingFailed {
        revision: String,
        statement: String,
        message: String,
    },
}

/// A statement that failed, with where it stands and what had been done before it.
#[derive(Debug, Clone)]
pub struct StatementFailure {
    pub revision: String,
    pub path: PathBuf,
    pub line: usize,
    pub statement: String,
    /// The database's own message.
    pub message: String,
    /// The statement failed because an object already exists, on a database where nothing was
    /// applied yet: the classic case for `stamp`.
    pub exists_on_first_run: bool,
    /// It ran outside a transaction and the revision is now recorded as dirty.
    pub left_dirty: bool,
    /// What was done before the failure.
    pub report: Report,
}

impl From<crate::db::UrlError> for MigrateError {
    fn from(e: crate::db::UrlError) -> Self {
        MigrateError::Db(DbError::Url(e))
    }
}

fn dirty_summary(done: i64, rolling_back: bool, error: Option<&str>) -> String {
    let what = if rolling_back {
        "rolling it back"
    } else {
        "applying it"
    };
    match error {
        Some(e) => format!("{what} failed after {done} statement(s): {e}"),
        None => format!("{what} stopped after {done} statement(s)"),
    }
}

/// The database's state as the version table records it.
#[derive(Debug)]
pub struct State {
    pub rows: Vec<AppliedRow>,
    pub applied: RevisionSet,
}

impl State {
    /// Applied revisions whose file changed since.
    pub fn edited(&self, graph: &RevisionGraph) -> Vec<Edited> {
        self.rows
            .iter()
            .filter(|r| !r.is_dirty())
            .filter_map(|row| {
                let i = graph.index_of(&row.revision)?;
                let rev = &graph.node(i).revision;
                (checksum(rev) != row.checksum).then(|| Edited {
                    revision: row.revision.clone(),
                    path: rev.path.clone(),
                })
            })
            .collect()
    }

    pub fn dirty(&self) -> Option<&AppliedRow> {
        self.rows.iter().find(|r| r.is_dirty())
    }
}

/// Reads the version table (an absent table is an empty one) and maps it onto the graph.
pub async fn state(
    conn: &mut Conn,
    table: &VersionTable,
    graph: &RevisionGraph,
) -> Result<State, MigrateError> {
    let rows = if table.exists(conn).await? {
        table.rows(conn).await?
    } else {
        Vec::new()
    };
    let applied = graph.applied_set(rows.iter().map(|r| r.revision.as_str()))?;
    Ok(State { rows, applied })
}

fn now() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:6]+00:00"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

/// A run against one database: the connection, its version table and the options.
pub struct Migration<'g> {
    pub graph: &'g RevisionGraph,
    pub conn: Conn,
    pub table: VersionTable,
    pub options: Options,
}

impl<'g> Migration<'g> {
    /// Applies what `target` needs.
    pub async fn upgrade(
        &mut self,
        target: &Target,
        on_event: &mut dyn FnMut(Event<'g>),
    ) -> Result<Report, MigrateError> {
        let pending = self
            .locked(|m, state| {
                let plan = m.graph.plan_upgrade(&state.applied, target)?;
                if !m.options.allow_edited {
                    let edited = state.edited(m.graph);
                    if !edited.is_empty() {
                        return Err(MigrateError::Edited { edited });
                    }
                }
                Ok(plan)
            })
            .await?;
        pending.run(self, on_event).await
    }

    /// Rolls back down to `target`.
    pub async fn downgrade(
        &mut self,
        target: &Target,
        on_event: &mut dyn FnMut(Event<'g>),
    ) -> Result<Report, MigrateError> {
        let pending = self
            .locked(|m, state| Ok(m.graph.plan_downgrade(&state.applied, target)?))
            .await?;
        pending.run(self, on_event).await
    }

    /// Takes the lock, reads the state, refuses on a dirty revision, and plans. The lock is
    /// held until the run ends (see [`Pending::run`]).
    async fn locked(
        &mut self,
        plan: impl FnOnce(&Self, &State) -> Result<Plan, MigrateError>,
    ) -> Result<Pending, MigrateError> {
        // Lock first: several first runs at once must not race to create the table.
        self.table.lock(&mut self.conn, self.options.lock).await?;
        let result = async {
            self.table.ensure(&mut self.conn).await?;
            let state = state(&mut self.conn, &self.table, self.graph).await?;
            refuse_dirty(&state, self.graph)?;
            let plan = plan(self, &state)?;
            Ok(Pending {
                plan,
                first_run: state.rows.is_empty(),
            })
        }
        .await;
        if result.is_err() {
            let _ = self.table.unlock(&mut self.conn, self.options.lock).await;
        }
        result
    }

    /// Records `target` as applied without running anything; `purge` empties the table first.
    pub async fn stamp(&mut self, target: &Target, purge: bool) -> Result<StampPlan, MigrateError> {
        self.table.lock(&mut self.conn, self.options.lock).await?;
        let result = async {
            self.table.ensure(&mut self.conn).await?;
            self.stamp_locked(target, purge).await
        }
        .await;
        let _ = self.table.unlock(&mut self.conn, self.options.lock).await;
        result
    }

    async fn stamp_locked(
        &mut self,
        target: &Target,
        purge: bool,
    ) -> Result<StampPlan, MigrateError> {
        let mut state = state(&mut self.conn, &self.table, self.graph).await;
        if purge {
            // A purge starts from nothing, so even unknown recorded revisions go.
            state = Ok(State {
                rows: Vec::new(),
                applied: self.graph.empty_set(),
            });
        }
        let state = state?;
        let plan = self.graph.plan_stamp(&state.applied, target)?;
        let transactional = self.conn.dialect() != Dialect::MySql;
        self.begin(transactional).await?;
        let result = async {
            if purge {
                self.table.delete_all(&mut self.conn).await?;
            }
            for &r in &plan.remove {
                self.table.delete(&mut self.conn, self.graph.id(r)).await?;
            }
            for &a in &plan.add {
                let rev = &self.graph.node(a).revision;
                self.table
                    .insert(&mut self.conn, &row(rev, "applied", 0, Duration::ZERO))
                    .await?;
            }
            Ok::<_, MigrateError>(())
        }
        .await;
        self.finish(transactional, result.is_ok()).await?;
        result.map(|()| plan)
    }

    /// Marks a dirty revision as applied (the user finished it by hand) or not applied (the
    /// user undid it by hand). Recording it as applied rewrites the whole row, so that it
    /// also repairs a row edited by hand (a NULL, a value of another type, an unknown state):
    /// each column keeps what it held when that can be read, and otherwise takes what the
    /// revision file says.
    pub async fn repair(&mut self, revision: &str, applied: bool) -> Result<(), MigrateError> {
        self.table.ensure(&mut self.conn).await?;
        let rows = self.table.raw_rows(&mut self.conn).await?;
        let Some(raw) = rows
            .into_iter()
            .find(|r| r.revision.as_deref() == Ok(revision))
        else {
            return Err(MigrateError::NotRecorded(revision.to_string()));
        };
        if !applied {
            self.table.delete(&mut self.conn, revision).await?;
            return Ok(());
        }
        let file = self
            .graph
            .index_of(revision)
            .map(|i| &self.graph.node(i).revision);
        let fresh = file.map(|rev| row(rev, "applied", 0, Duration::ZERO));
        let checksum = match (&fresh, raw.checksum) {
            (Some(f), _) => f.checksum.clone(),
            (None, Ok(sum)) => sum,
            (None, Err(_)) => String::new(),
        };
        let repaired = AppliedRow {
            revision: revision.to_string(),
            checksum,
            applied_at: raw.applied_at.unwrap_or_else(|_| now()),
            duration_ms: raw.duration_ms.unwrap_or(0),
            down_sql: raw
                .down_sql
                .unwrap_or_else(|_| fresh.and_then(|f| f.down_sql)),
            state: "applied".to_string(),
            statements_done: raw.statements_done.unwrap_or(0),
            error: None,
        };
        let transactional = self.conn.dialect() != Dialect::MySql;
        self.begin(transactional).await?;
        let result = async {
            self.table.delete(&mut self.conn, revision).await?;
            self.table.insert(&mut self.conn, &repaired).await
        }
        .await;
        self.finish(transactional, result.is_ok()).await?;
        Ok(result?)
    }

    /// Records the current files' checksums for edited applied revisions, and for rows whose
    /// checksum is missing (NULL, or of another type: edited by hand).
    pub async fn accept_checksums(&mut self) -> Result<Vec<Edited>, MigrateError> {
        self.table.ensure(&mut self.conn).await?;
        let mut edited = Vec::new();
        for raw in self.table.raw_rows(&mut self.conn).await? {
            let (Ok(id), Ok("applied")) = (&raw.revision, raw.state.as_deref()) else {
                continue;
            };
            let Some(i) = self.graph.index_of(id) else {
                continue;
            };
            let rev = &self.graph.node(i).revision;
            let sum = checksum(rev);
            if raw.checksum.as_ref().ok() != Some(&sum) {
                self.table.update_checksum(&mut self.conn, id, &sum).await?;
                edited.push(Edited {
                    revision: id.clone(),
                    path: rev.path.clone(),
                });
            }
        }
        Ok(edited)
    }

    async fn begin(&mut self, transactional: bool) -> Result<(), MigrateError> {
        if !transactional {
            return Ok(());
        }
        // SQLite: take the write lock now, so that two runs serialize on it (busy timeout)
        // instead of failing when both try to upgrade a read lock.
        if self.conn.dialect() == Dialect::Sqlite {
            return self.begin_sqlite().await;
        }
        let sql = "BEGIN";
        self.conn
            .execute(sql)
            .await
            .map_err(|e| DbError::Query {
                message: database_message(&e),
                sql: sql.to_string(),
            })
            .map_err(MigrateError::from)
    }

    /// `BEGIN IMMEDIATE`, tried again while another connection holds SQLite's write lock, so
    /// that the wait is reported and ends after the lock timeout (see
    /// [`VersionTable::wait_policy`]) instead of SQLite's silent busy wait.
    async fn begin_sqlite(&mut self) -> Result<(), MigrateError> {
        const BEGIN: &str = "BEGIN IMMEDIATE";
        let fail = |e: sqlx::Error| DbError::Query {
            message: database_message(&e),
            sql: BEGIN.to_string(),
        };
        // A short busy timeout for the tries; the connection's own (ours, or that of the
        // application's pool) for the statements after.
        let usual = self
            .conn
            .fetch_int("PRAGMA busy_timeout")
            .await?
            .unwrap_or(60_000);
        self.conn
            .execute("PRAGMA busy_timeout = 200")
            .await
            .map_err(fail)?;
        let mut waiter = self.table.sqlite_waiter();
        let result = loop {
            match self.conn.execute(BEGIN).await {
                Ok(()) => break Ok(()),
                Err(sqlx::Error::Database(d)) if d.message().contains("locked") => {
                    if let Err(e) = waiter.sqlite_busy().await {
                        break Err(e);
                    }
                }
                Err(e) => break Err(fail(e)),
            }
        };
        let restored = self
            .conn
            .execute(&format!("PRAGMA busy_timeout = {usual}"))
            .await
            .map_err(fail);
        result?;
        restored?;
        Ok(())
    }

    async fn finish(&mut self, transactional: bool, commit: bool) -> Result<(), MigrateError> {
        if !transactional {
            return Ok(());
        }
        let sql = if commit { "COMMIT" } else { "ROLLBACK" };
        self.conn.execute(sql).await.map_err(|e| {
            MigrateError::Db(DbError::Query {
                message: database_message(&e),
                sql: sql.to_string(),
            })
        })
    }

    /// Whether another run recorded (or removed) this revision since the plan was made.
    async fn already_done(&mut self, id: &str, direction: Direction) -> Result<bool, MigrateError> {
        let recorded = self.table.is_recorded(&mut self.conn, id).await?;
        Ok(match direction {
            Direction::Up => recorded,
            Direction::Down => !recorded,
        })
    }

    /// Applied revisions whose files this checkout does not have (a branch switch left them
    /// behind), newest first.
    pub async fn missing(&mut self) -> Result<Vec<AppliedRow>, MigrateError> {
        if !self.table.exists(&mut self.conn).await? {
            return Ok(Vec::new());
        }
        let mut rows: Vec<AppliedRow> = self
            .table
            .rows(&mut self.conn)
            .await?
            .into_iter()
            .filter(|r| self.graph.index_of(&r.revision).is_none())
            .collect();
        rows.sort_by(|a, b| {
            b.applied_at
                .cmp(&a.applied_at)
                .then(b.revision.cmp(&a.revision))
        });
        Ok(rows)
    }

    /// Rolls back the applied revisions the checkout does not have, newest first, with the
    /// down sections recorded when they were applied. Refuses before running anything when
    /// one of them was irreversible or is dirty.
    pub async fn roll_back_missing(
        &mut self,
        on_rolled_back: &mut dyn FnMut(&AppliedRow, Duration),
    ) -> Result<Vec<String>, MigrateError> {
        self.table.lock(&mut self.conn, self.options.lock).await?;
        let result = match self.table.ensure(&mut self.conn).await {
            Ok(()) => self.roll_back_missing_locked(on_rolled_back).await,
            Err(e) => Err(e.into()),
        };
        let _ = self.table.unlock(&mut self.conn, self.options.lock).await;
        result
    }

    async fn roll_back_missing_locked(
        &mut self,
        on_rolled_back: &mut dyn FnMut(&AppliedRow, Duration),
    ) -> Result<Vec<String>, MigrateError> {
        let missing = self.missing().await?;
        if let Some(row) = missing.iter().find(|r| r.is_dirty()) {
            return Err(MigrateError::Dirty {
                revision: row.revision.clone(),
                path: None,
                statements_done: row.statements_done,
                rolling_back: row.state == "dirty-down",
                error: row.error.clone(),
            });
        }
        if let Some(row) = missing.iter().find(|r| r.down_sql.is_none()) {
            return Err(MigrateError::MissingIrreversible(row.revision.clone()));
        }
        let dialect = self.conn.dialect();
        // Without the file there is no `transaction:false` marker to go by: transactional
        // wherever the database can.
        let transactional = dialect != Dialect::MySql;
        let mut done = Vec::new();
        for row in &missing {
            let down = row.down_sql.as_deref().unwrap_or("");
            let took = if foreign_keys_off(dialect, down) {
                let restore = self.foreign_keys_set(false).await?;
                let result = self.roll_back_row(row, transactional, true).await;
                let restored = self.foreign_keys_set(restore).await;
                let took = result?;
                restored?;
                took
            } else {
                self.roll_back_row(row, transactional, false).await?
            };
            on_rolled_back(row, took);
            done.push(row.revision.clone());
        }
        Ok(done)
    }

    /// Runs one recorded down section and removes its row.
    async fn roll_back_row(
        &mut self,
        row: &AppliedRow,
        transactional: bool,
        check_foreign_keys: bool,
    ) -> Result<Duration, MigrateError> {
        let dialect = self.conn.dialect();
        {
            let down = row.down_sql.as_deref().unwrap_or("");
            let statements = split::split(down, split_dialect(dialect), 1);
            let start = Instant::now();
            self.begin(transactional).await?;
            for (n, stmt) in statements.iter().enumerate() {
                if let Err(e) = self.conn.execute(&stmt.sql).await {
                    let message = database_message(&e);
                    if transactional {
                        let _ = self.finish(true, false).await;
                    } else {
                        let _ = self
                            .table
                            .update_state(
                                &mut self.conn,
                                &row.revision,
                                "dirty-down",
                                n as i64,
                                Some(message.clone()),
                                0,
                            )
                            .await;
                    }
                    return Err(MigrateError::MissingFailed {
                        revision: row.revision.clone(),
                        statement: stmt.sql.clone(),
                        message,
                    });
                }
            }
            if check_foreign_keys && let Some(message) = self.foreign_key_violation().await? {
                let _ = self.finish(transactional, false).await;
                return Err(MigrateError::MissingFailed {
                    revision: row.revision.clone(),
                    statement: "PRAGMA foreign_key_check".to_string(),
                    message,
                });
            }
            if let Err(e) = self.table.delete(&mut self.conn, &row.revision).await {
                let _ = self.finish(transactional, false).await;
                return Err(e.into());
            }
            self.finish(transactional, true).await?;
            Ok(start.elapsed())
        }
    }

    /// Runs one step with its bookkeeping; on SQLite a section that starts with
    /// `PRAGMA foreign_keys = OFF` runs with foreign keys off (see [`foreign_keys_off`]).
    async fn step(
        &mut self,
        index: usize,
        direction: Direction,
        first_run: bool,
        report: &Report,
    ) -> Result<Option<Duration>, MigrateError> {
        let rev = &self.graph.node(index).revision;
        let section = match direction {
            Direction::Up => Some(&rev.up),
            Direction::Down => rev.down.as_ref(),
        };
        let wants_off = section.is_some_and(|s| foreign_keys_off(self.conn.dialect(), &s.sql));
        if !wants_off {
            return self
                .step_with(index, direction, first_run, report, false)
                .await;
        }
        let restore = self.foreign_keys_set(false).await?;
        let result = self
            .step_with(index, direction, first_run, report, true)
            .await;
        let restored = self.foreign_keys_set(restore).await;
        let result = result?;
        restored?;
        Ok(result)
    }

    /// Sets SQLite's `foreign_keys` and returns what it was. (Inside a transaction SQLite
    /// ignores the pragma, so this runs between transactions.)
    async fn foreign_keys_set(&mut self, on: bool) -> Result<bool, MigrateError> {
        let was = self
            .conn
            .fetch_strings("PRAGMA foreign_keys")
            .await?
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .is_some_and(|v| v == "1");
        let sql = if on {
            "PRAGMA foreign_keys = ON"
        } else {
            "PRAGMA foreign_keys = OFF"
        };
        self.conn.execute(sql).await.map_err(|e| DbError::Query {
            message: database_message(&e),
            sql: sql.to_string(),
        })?;
        Ok(was)
    }

    /// The first row `PRAGMA foreign_key_check` reports, as a sentence.
    async fn foreign_key_violation(&mut self) -> Result<Option<String>, MigrateError> {
        let rows = self.conn.fetch_strings("PRAGMA foreign_key_check").await?;
        Ok(rows.first().map(|r| {
            let col = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            format!(
                "foreign key check failed: a row of {} (rowid {}) references a missing row of {} ({} violation(s) in all)",
                col(0),
                col(1),
                col(2),
                rows.len()
            )
        }))
    }

    async fn step_with(
        &mut self,
        index: usize,
        direction: Direction,
        first_run: bool,
        report: &Report,
        check_foreign_keys: bool,
    ) -> Result<Option<Duration>, MigrateError> {
        let graph = self.graph;
        let rev = &graph.node(index).revision;
        let dialect = self.conn.dialect();
        // The down section runs the way the up section did: an index built CONCURRENTLY is
        // dropped CONCURRENTLY, outside a transaction too.
        let transactional = rev.up.transaction && dialect != Dialect::MySql;
        let section = match direction {
            Direction::Up => Some(&rev.up),
            Direction::Down => rev.down.as_ref(),
        };
        let Some(section) = section else {
            return Err(PlanError::Irreversible {
                revision: rev.id.clone(),
                path: rev.path.clone(),
            }
            .into());
        };
        let statements = split::split(&section.sql, split_dialect(dialect), section.line + 1);
        let start = Instant::now();

        self.begin(transactional).await?;
        if transactional
            && dialect == Dialect::Sqlite
            && self.already_done(&rev.id, direction).await?
        {
            self.finish(true, true).await?;
            return Ok(None);
        }
        if !transactional {
            // Recorded first, as dirty, so a failure halfway leaves a trace of what ran.
            let state = match direction {
                Direction::Up => "dirty",
                Direction::Down => "dirty-down",
            };
            match direction {
                Direction::Up => {
                    self.table
                        .insert(&mut self.conn, &row(rev, state, 0, Duration::ZERO))
                        .await?
                }
                Direction::Down => {
                    self.table
                        .update_state(&mut self.conn, &rev.id, state, 0, None, 0)
                        .await?
                }
            }
        }
        for (n, stmt) in statements.iter().enumerate() {
            if let Err(e) = self.conn.execute(&stmt.sql).await {
                let message = database_message(&e);
                if transactional {
                    let _ = self.finish(true, false).await;
                } else {
                    let state = match direction {
                        Direction::Up => "dirty",
                        Direction::Down => "dirty-down",
                    };
                    let ms = elapsed_ms(start.elapsed());
                    let _ = self
                        .table
                        .update_state(
                            &mut self.conn,
                            &rev.id,
                            state,
                            n as i64,
                            Some(message.clone()),
                            ms,
                        )
                        .await;
                }
                return Err(statement_error(
                    rev,
                    stmt,
                    message,
                    first_run,
                    !transactional,
                    report,
                ));
            }
            if !transactional {
                let state = match direction {
                    Direction::Up => "dirty",
                    Direction::Down => "dirty-down",
                };
                self.table
                    .update_state(&mut self.conn, &rev.id, state, n as i64 + 1, None, 0)
                    .await?;
            }
        }
        if check_foreign_keys && let Some(message) = self.foreign_key_violation().await? {
            let _ = self.finish(transactional, false).await;
            let check = Statement {
                sql: "PRAGMA foreign_key_check".to_string(),
                line: statements.last().map_or(section.line, |s| s.line),
            };
            return Err(statement_error(
                rev,
                &check,
                message,
                first_run,
                !transactional,
                report,
            ));
        }
        let duration = start.elapsed();
        let bookkeeping = match (direction, transactional) {
            (Direction::Up, true) => {
                self.table
                    .insert(
                        &mut self.conn,
                        &row(rev, "applied", statements.len(), duration),
                    )
                    .await
            }
            (Direction::Up, false) => {
                self.table
                    .update_state(
                        &mut self.conn,
                        &rev.id,
                        "applied",
                        statements.len() as i64,
                        None,
                        elapsed_ms(duration),
                    )
                    .await
            }
            (Direction::Down, _) => self.table.delete(&mut self.conn, &rev.id).await,
        };
        if let Err(e) = bookkeeping {
            let _ = self.finish(transactional, false).await;
            return Err(e.into());
        }
        self.finish(transactional, true).await?;
        Ok(Some(duration))
    }
}

/// A plan made under the lock, ready to run.
struct Pending {
    plan: Plan,
    first_run: bool,
}

impl Pending {
    /// Runs every step, then releases the lock whatever happened.
    async fn run<'g>(
        self,
        m: &mut Migration<'g>,
        on_event: &mut dyn FnMut(Event<'g>),
    ) -> Result<Report, MigrateError> {
        let graph = m.graph;
        on_event(Event::Planned {
            steps: self.plan.steps.len(),
        });
        let mut report = Report::default();
        let mut result = Ok(());
        for step in &self.plan.steps {
            let rev = &graph.node(step.revision).revision;
            match m
                .step(step.revision, step.direction, self.first_run, &report)
                .await
            {
                Ok(Some(duration)) => {
                    report
                        .steps
                        .push((rev.id.clone(), step.direction, duration));
                    on_event(Event::Step {
                        revision: rev,
                        direction: step.direction,
                        duration,
                    });
                }
                Ok(None) => on_event(Event::AlreadyDone { revision: rev }),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        let _ = m.table.unlock(&mut m.conn, m.options.lock).await;
        result.map(|()| report)
    }
}

fn refuse_dirty(state: &State, graph: &RevisionGraph) -> Result<(), MigrateError> {
    match state.dirty() {
        Some(row) => Err(MigrateError::Dirty {
            revision: row.revision.clone(),
            path: graph
                .index_of(&row.revision)
                .map(|i| graph.node(i).revision.path.clone()),
            statements_done: row.statements_done,
            rolling_back: row.state == "dirty-down",
            error: row.error.clone(),
        }),
        None => Ok(()),
    }
}

/// SQLite's recipe for the table changes `ALTER TABLE` cannot make (make the new table, copy,
/// drop the old, rename) needs foreign keys off, or dropping the old table deletes or orphans
/// the rows that reference it; inside a transaction SQLite ignores that pragma. So a SQLite
/// section whose first statement is `PRAGMA foreign_keys = OFF` runs like this: the pragma
/// before the transaction begins, `PRAGMA foreign_key_check` before it commits (a violation
/// fails the revision), and foreign keys back as they were afterwards.
pub fn foreign_keys_off(dialect: Dialect, section: &str) -> bool {
    if dialect != Dialect::Sqlite {
        return false;
    }
    let Some(first) = split::split(section, split::Dialect::Sqlite, 1)
        .into_iter()
        .next()
    else {
        return false;
    };
    let words: String = first
        .sql
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    matches!(
        words.as_str(),
        "pragmaforeign_keys=off"
            | "pragmaforeign_keys=0"
            | "pragmaforeign_keys=false"
            | "pragmaforeign_keys=no"
    )
}

pub(crate) fn split_dialect(d: Dialect) -> split::Dialect {
    match d {
        Dialect::Sqlite => split::Dialect::Sqlite,
        Dialect::Postgres => split::Dialect::Postgres,
        Dialect::MySql => split::Dialect::MySql,
    }
}

fn elapsed_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn row(rev: &Revision, state: &str, statements: usize, duration: Duration) -> AppliedRow {
    AppliedRow {
        revision: rev.id.clone(),
        checksum: checksum(rev),
        applied_at: now(),
        duration_ms: elapsed_ms(duration),
        down_sql: rev.down.as_ref().map(|d| d.sql.clone()),
        state: state.to_string(),
        statements_done: statements as i64,
        error: None,
    }
}

fn statement_error(
    rev: &Revision,
    stmt: &Statement,
    message: String,
    first_run: bool,
    left_dirty: bool,
    report: &Report,
) -> MigrateError {
    MigrateError::Statement(Box::new(StatementFailure {
        revision: rev.id.clone(),
        path: rev.path.clone(),
        line: stmt.line,
        statement: stmt.sql.clone(),
        exists_on_first_run: first_run && message.to_ascii_lowercase().contains("already exists"),
        message,
        left_dirty,
        report: report.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{DatabaseUrl, UrlSource};
    use crate::revision::parse;
    use std::path::Path;

    fn graph(files: &[&str]) -> RevisionGraph {
        let revs = files
            .iter()
            .enumerate()
            .map(|(i, text)| {
                parse(Path::new(&format!("m/{i}.sql")), text)
                    .expect("parses")
                    .0
            })
            .collect();
        RevisionGraph::new(revs).expect("graph")
    }

    async fn memory(graph: &RevisionGraph) -> Migration<'_> {
        let url = DatabaseUrl::parse("sqlite::memory:", UrlSource::Flag).expect("url");
        Migration {
            graph,
            conn: Conn::connect(&url).await.expect("connects"),
            table: VersionTable::new("schema_version"),
            options: Options::default(),
        }
    }

    const A: &str = "-- revision: a1\n-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n";
    const B: &str = "-- revision: b2\n-- revises: a1\n-- migrate:up\nCREATE TABLE b (id INTEGER);\nINSERT INTO b VALUES (1);\n-- migrate:down\nDROP TABLE b;\n";
    const BAD: &str = "-- revision: c3\n-- revises: b2\n-- migrate:up\nCREATE TABLE c (id INTEGER);\nINSERT INTO nope VALUES (1);\n-- migrate:down\nDROP TABLE c;\n";

    fn t(s: &str) -> Target {
        s.parse().expect("target")
    }

    #[tokio::test]
    async fn up_then_down_records_and_removes_each_revision() {
        let g = graph(&[A, B]);
        let mut m = memory(&g).await;
        let mut events = 0;
        let report = m
            .upgrade(&t("head"), &mut |_| events += 1)
            .await
            .expect("up");
        assert_eq!(report.steps.len(), 2);
        assert_eq!(events, 3);
        let s = state(&mut m.conn, &m.table, &g).await.expect("state");
        assert_eq!(s.applied.len(), 2);
        assert_eq!(s.rows[1].down_sql.as_deref(), Some("DROP TABLE b;\n"));
        let report = m.downgrade(&t("base"), &mut |_| {}).await.expect("down");
        assert_eq!(report.steps.len(), 2);
        let s = state(&mut m.conn, &m.table, &g).await.expect("state");
        assert!(s.rows.is_empty());
    }

    #[tokio::test]
    async fn a_failing_statement_leaves_no_trace_of_its_revision() {
        let g = graph(&[A, B, BAD]);
        let mut m = memory(&g).await;
        let err = m.upgrade(&t("head"), &mut |_| {}).await.expect_err("fails");
        let MigrateError::Statement(f) = err else {
            panic!("expected a statement failure, got {err:?}");
        };
        assert_eq!(
            (f.revision.as_str(), f.line, f.left_dirty),
            ("c3", 5, false)
        );
        assert!(f.message.contains("no such table"), "{}", f.message);
        assert_eq!(f.report.steps.len(), 2);
        let s = state(&mut m.conn, &m.table, &g).await.expect("state");
        assert_eq!(s.applied.len(), 2);
        m.conn
            .execute("SELECT * FROM c")
            .await
            .expect_err("table c was rolled back");
    }

    #[tokio::test]
    async fn an_edited_applied_revision_stops_up_unless_allowed() {
        let g = graph(&[A]);
        let mut m = memory(&g).await;
        m.upgrade(&t("head"), &mut |_| {}).await.expect("up");
        let edited = graph(&[&A.replace("id INTEGER", "id BIGINT"), B]);
        let mut m2 = Migration {
            graph: &edited,
            conn: m.conn,
            table: VersionTable::new("schema_version"),
            options: Options::default(),
        };
        let err = m2
            .upgrade(&t("head"), &mut |_| {})
            .await
            .expect_err("refused");
        assert!(matches!(err, MigrateError::Edited { .. }), "{err:?}");
        m2.options.allow_edited = true;
        m2.upgrade(&t("head"), &mut |_| {}).await.expect("allowed");
    }

    #[tokio::test]
    async fn stamp_records_without_running_and_purge_empties_first() {
        let g = graph(&[A, B]);
        let mut m = memory(&g).await;
        let plan = m.stamp(&t("head"), false).await.expect("stamp");
        assert_eq!(plan.add.len(), 2);
        m.conn
            .execute("SELECT * FROM a")
            .await
            .expect_err("stamp ran no SQL");
        let plan = m.stamp(&t("a1"), true).await.expect("purge");
        assert_eq!(plan.add.len(), 1);
        let s = state(&mut m.conn, &m.table, &g).await.expect("state");
        assert_eq!(s.rows.len(), 1);
    }

    const PARENT: &str = "-- revision: p1\n-- migrate:up\nCREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);\nINSERT INTO parent VALUES (1, 'a');\nINSERT INTO child VALUES (10, 1);\n-- migrate:down\nDROP TABLE child;\nDROP TABLE parent;\n";
    /// SQLite's table rebuild: parent's name becomes NOT NULL.
    const REBUILD: &str = "-- revision: r2\n-- revises: p1\n-- migrate:up\nPRAGMA foreign_keys = OFF;\nCREATE TABLE _parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO _parent_new (id, name) SELECT id, name FROM parent;\nDROP TABLE parent;\nALTER TABLE _parent_new RENAME TO parent;\n-- migrate:down\nPRAGMA foreign_keys = OFF;\nCREATE TABLE _parent_new (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO _parent_new (id, name) SELECT id, name FROM parent;\nDROP TABLE parent;\nALTER TABLE _parent_new RENAME TO parent;\n";
    /// Leaves child pointing at a parent that is gone.
    const ORPHAN: &str = "-- revision: o3\n-- revises: p1\n-- migrate:up\nPRAGMA foreign_keys = OFF;\nDELETE FROM parent;\n-- migrate:down\nSELECT 1;\n";

    async fn count(conn: &mut Conn, sql: &str) -> String {
        conn.fetch_strings(sql).await.expect("query")[0][0]
            .clone()
            .expect("value")
    }

    #[tokio::test]
    async fn a_sqlite_section_starting_with_foreign_keys_off_rebuilds_a_referenced_table() {
        let g = graph(&[PARENT, REBUILD]);
        let mut m = memory(&g).await;
        m.upgrade(&t("head"), &mut |_| {}).await.expect("up");
        // Dropping the old parent did not cascade to child, and foreign keys are on again.
        assert_eq!(count(&mut m.conn, "SELECT count(*) FROM child").await, "1");
        assert_eq!(count(&mut m.conn, "PRAGMA foreign_keys").await, "1");
        assert_eq!(
            count(
                &mut m.conn,
                "SELECT \"notnull\" FROM pragma_table_info('parent') WHERE name = 'name'"
            )
            .await,
            "1"
        );
        m.downgrade(&t("p1"), &mut |_| {}).await.expect("down");
        assert_eq!(count(&mut m.conn, "SELECT count(*) FROM child").await, "1");
        assert_eq!(count(&mut m.conn, "PRAGMA foreign_keys").await, "1");
        // The child still references the rebuilt parent: deleting it cascades.
        m.conn.execute("DELETE FROM parent").await.expect("delete");
        assert_eq!(count(&mut m.conn, "SELECT count(*) FROM child").await, "0");
    }

    #[tokio::test]
    async fn a_foreign_key_violation_left_by_such_a_section_fails_it_and_rolls_back() {
        let g = graph(&[PARENT, ORPHAN]);
        let mut m = memory(&g).await;
        let err = m.upgrade(&t("head"), &mut |_| {}).await.expect_err("fails");
        let MigrateError::Statement(f) = err else {
            panic!("expected a statement failure, got {err:?}");
        };
        assert_eq!(f.revision, "o3");
        assert_eq!(f.statement, "PRAGMA foreign_key_check");
        assert!(f.message.contains("a row of child"), "{}", f.message);
        assert_eq!(count(&mut m.conn, "SELECT count(*) FROM parent").await, "1");
        assert_eq!(count(&mut m.conn, "PRAGMA foreign_keys").await, "1");
        let s = state(&mut m.conn, &m.table, &g).await.expect("state");
        assert_eq!(s.applied.len(), 1);
    }

    #[test]
    fn only_a_leading_foreign_keys_off_pragma_on_sqlite_counts() {
        assert!(foreign_keys_off(
            Dialect::Sqlite,
            "-- rebuild\npragma  Foreign_Keys=off;\nSELECT 1;"
        ));
        assert!(!foreign_keys_off(
            Dialect::Sqlite,
            "SELECT 1;\nPRAGMA foreign_keys = OFF;"
        ));
        assert!(!foreign_keys_off(
            Dialect::Postgres,
            "PRAGMA foreign_keys = OFF;"
        ));
        assert!(!foreign_keys_off(
            Dialect::Sqlite,
            "PRAGMA foreign_keys = ON;"
        ));
    }
}
