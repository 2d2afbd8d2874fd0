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
use crate::target::{Anchor, ResolveError, Target};

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
    /// Another process changed the database so that the rest of the plan no longer fitted:
    /// planned again from what the database now holds, this many steps.
    Replanned { steps: usize },
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
    #[error("{}:{}: {} `{}` failed: {}", .0.path.display(), .0.line, running(.0.direction), .0.revision, .0.message)]
    Statement(Box<StatementFailure>),
    /// A section that cannot run as written, found before anything ran.
    #[error(transparent)]
    Section(Box<SectionError>),
    /// Another run changed the database under a relative target (or kept changing it).
    #[error(
        "another run changed the database while this one ran: {} revision `{revision}` no longer follows from what it holds, so this run stopped there",
        running(*direction)
    )]
    Changed {
        revision: String,
        direction: Direction,
    },
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
    /// Whether its up or its down section failed.
    pub direction: Direction,
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

/// "revision" or "rolling back revision", for messages about a step.
fn running(direction: Direction) -> &'static str {
    match direction {
        Direction::Up => "revision",
        Direction::Down => "rolling back revision",
    }
}

/// `up` or `down`.
pub fn section_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Up => "up",
        Direction::Down => "down",
    }
}

/// A section that cannot run as written: refused before the first statement of a run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {problem} (the {} section of revision `{revision}`)", path.display(), section_name(*direction))]
pub struct SectionError {
    pub revision: String,
    pub path: PathBuf,
    pub line: usize,
    pub direction: Direction,
    pub problem: SectionProblem,
}

/// What is wrong with a section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SectionProblem {
    /// The splitter found something left open.
    #[error(transparent)]
    Unterminated(#[from] split::Unterminated),
    /// `COMMIT`, `BEGIN`, … in a section cargo-schema runs in a transaction of its own: a
    /// later failure could not undo what ran before it.
    #[error(
        "`{keyword}` controls the transaction, but this section runs inside the transaction cargo-schema opens for it"
    )]
    TransactionControl { keyword: String },
}

/// The statement's leading keyword(s) when it begins, ends or nests a transaction:
/// `BEGIN`, `COMMIT`, `ROLLBACK`, `END`, `ABORT`, `START TRANSACTION`, `SAVEPOINT`, `RELEASE`,
/// `PREPARE TRANSACTION`. Trigger and routine bodies are inside their `CREATE` statement (the
/// splitter keeps them whole), so their `BEGIN … END` never leads a statement.
fn transaction_control(sql: &str) -> Option<String> {
    let mut words = leading_words(sql, 2).into_iter();
    let first = words.next()?;
    let second = words.next().unwrap_or_default();
    match first.as_str() {
        "BEGIN" | "COMMIT" | "ROLLBACK" | "END" | "ABORT" | "SAVEPOINT" | "RELEASE" => Some(first),
        "START" | "PREPARE" if second == "TRANSACTION" => Some(format!("{first} {second}")),
        _ => None,
    }
}

/// Up to `n` leading words of a statement, upper-cased, reading past comments between them
/// (`START /* why */ TRANSACTION`); stops at anything else.
fn leading_words(sql: &str, n: usize) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = sql;
    while words.len() < n {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if end == 0 {
                break;
            }
            let (word, after) = rest.split_at(end);
            words.push(word.to_ascii_uppercase());
            rest = after;
        }
    }
    words
}

/// Whether a revision's sections run in a transaction on `dialect` (the down section runs the
/// way the up section did; MySQL's DDL commits by itself, so there never).
pub fn runs_in_transaction(rev: &Revision, dialect: Dialect) -> bool {
    rev.up.transaction && dialect.transactional_ddl()
}

/// Splits a section's SQL (its first line is `first_line`), refusing what cannot run as
/// written: something the splitter finds left open, and transaction control in a section
/// that runs in a transaction.
fn checked_statements(
    sql: &str,
    first_line: usize,
    dialect: Dialect,
    transactional: bool,
) -> Result<Vec<Statement>, (usize, SectionProblem)> {
    let (statements, unterminated) = match split::split_checked(sql, dialect, first_line) {
        Ok(statements) => (statements, None),
        Err(e) => (split::split(sql, dialect, first_line), Some(e)),
    };
    // The first problem in the file is the one reported.
    if transactional
        && let Some((stmt, keyword)) = statements
            .iter()
            .take_while(|s| unterminated.as_ref().is_none_or(|e| s.line < e.line))
            .find_map(|s| transaction_control(&s.sql).map(|k| (s, k)))
    {
        return Err((stmt.line, SectionProblem::TransactionControl { keyword }));
    }
    match unterminated {
        Some(e) => Err((e.line, SectionProblem::Unterminated(e.kind))),
        None => Ok(statements),
    }
}

/// The statements of a revision's up or down section on `dialect` (none when it has no down
/// section), or why the section cannot run as written. Every step of a plan goes through this
/// before the first statement of the run; `check` and `up --sql` use it too.
pub fn section_statements(
    rev: &Revision,
    direction: Direction,
    dialect: Dialect,
) -> Result<Vec<Statement>, SectionError> {
    let section = match direction {
        Direction::Up => Some(&rev.up),
        Direction::Down => rev.down.as_ref(),
    };
    let Some(section) = section else {
        return Ok(Vec::new());
    };
    checked_statements(
        &section.sql,
        section.line + 1,
        dialect,
        runs_in_transaction(rev, dialect),
    )
    .map_err(|(line, problem)| SectionError {
        revision: rev.id.clone(),
        path: rev.path.clone(),
        line,
        direction,
        problem,
    })
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
        pending.run(self, target, Direction::Up, on_event).await
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
        pending.run(self, target, Direction::Down, on_event).await
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
    pub async fn stamp(&mut self, target: &Target, purge: bool) -> Result<Stamped, MigrateError> {
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
    ) -> Result<Stamped, MigrateError> {
        let mut state = state(&mut self.conn, &self.table, self.graph).await;
        let mut purged = Vec::new();
        if purge {
            // A purge starts from nothing, so even unknown recorded revisions go.
            purged = self
                .table
                .rows(&mut self.conn)
                .await?
                .into_iter()
                .map(|r| r.revision)
                .collect();
            state = Ok(State {
                rows: Vec::new(),
                applied: self.graph.empty_set(),
            });
        }
        let state = state?;
        // A dirty revision is neither applied nor not: stamping around it would leave `up`
        // blocked while saying the table records the target. `repair` decides it first.
        refuse_dirty(&state, self.graph)?;
        let plan = self.graph.plan_stamp(&state.applied, target)?;
        let transactional = self.conn.dialect().transactional_ddl();
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
        result.map(|()| Stamped { plan, purged })
    }

    /// Marks a dirty revision as applied (the user finished it by hand) or not applied (the
    /// user undid it by hand). `revision` is a recorded id or a unique prefix of one; returns
    /// the full id. Recording it as applied rewrites the whole row, so that it also repairs a
    /// row edited by hand (a NULL, a value of another type, an unknown state): each column
    /// keeps what it held when that can be read, and otherwise takes what the revision file
    /// says.
    pub async fn repair(&mut self, revision: &str, applied: bool) -> Result<String, MigrateError> {
        self.table.ensure(&mut self.conn).await?;
        let rows = self.table.raw_rows(&mut self.conn).await?;
        let ids: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.revision.as_deref().ok())
            .collect();
        let revision = recorded_id(&ids, revision)?.to_string();
        let revision = revision.as_str();
        let Some(raw) = rows
            .into_iter()
            .find(|r| r.revision.as_deref() == Ok(revision))
        else {
            return Err(MigrateError::NotRecorded(revision.to_string()));
        };
        if !applied {
            self.table.delete(&mut self.conn, revision).await?;
            return Ok(revision.to_string());
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
        let transactional = self.conn.dialect().transactional_ddl();
        self.begin(transactional).await?;
        let result = async {
            self.table.delete(&mut self.conn, revision).await?;
            self.table.insert(&mut self.conn, &repaired).await
        }
        .await;
        self.finish(transactional, result.is_ok()).await?;
        result?;
        Ok(revision.to_string())
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
            .map_err(|e| DbError::query(e, sql))
            .map_err(MigrateError::from)
    }

    /// `BEGIN IMMEDIATE`, tried again while another connection holds SQLite's write lock, so
    /// that the wait is reported and ends after the lock timeout (see
    /// [`VersionTable::wait_policy`]) instead of SQLite's silent busy wait.
    async fn begin_sqlite(&mut self) -> Result<(), MigrateError> {
        const BEGIN: &str = "BEGIN IMMEDIATE";
        let fail = |e: sqlx::Error| DbError::query(e, BEGIN);
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
        self.conn
            .execute(sql)
            .await
            .map_err(|e| MigrateError::Db(DbError::query(e, sql)))
    }

    /// Whether each step re-reads the version table under the database's write lock before it
    /// runs: where no lock is held for the whole run (SQLite, whose runs serialize only step by
    /// step on `BEGIN IMMEDIATE`, and `lock = "none"`), another run may change the database
    /// between two steps.
    fn rechecks(&self) -> bool {
        self.conn.dialect() == Dialect::Sqlite || self.options.lock == LockMode::None
    }

    /// Under the write lock: whether the step still follows from what the database holds.
    /// Up: every parent and dependency applied and itself not; down: itself applied and
    /// nothing applied that needs it.
    async fn recheck(
        &mut self,
        index: usize,
        direction: Direction,
    ) -> Result<Recheck, MigrateError> {
        let state = state(&mut self.conn, &self.table, self.graph).await?;
        refuse_dirty(&state, self.graph)?;
        let node = self.graph.node(index);
        let applied = &state.applied;
        Ok(match direction {
            Direction::Up if applied.contains(index) => Recheck::AlreadyDone,
            Direction::Up
                if node
                    .parents
                    .iter()
                    .chain(&node.depends_on)
                    .all(|&p| applied.contains(p)) =>
            {
                Recheck::Run
            }
            Direction::Down if !applied.contains(index) => Recheck::AlreadyDone,
            Direction::Down
                if !node
                    .children
                    .iter()
                    .chain(&node.dependents)
                    .any(|&c| applied.contains(c)) =>
            {
                Recheck::Run
            }
            _ => Recheck::Replan,
        })
    }

    /// [`Self::recheck`] inside a transaction that is left open only when the step is to run.
    async fn recheck_in_transaction(
        &mut self,
        index: usize,
        direction: Direction,
    ) -> Result<Recheck, MigrateError> {
        self.begin(true).await?;
        match self.recheck(index, direction).await {
            Ok(Recheck::Run) => Ok(Recheck::Run),
            Ok(other) => {
                self.finish(true, false).await?;
                Ok(other)
            }
            Err(e) => {
                let _ = self.finish(true, false).await;
                Err(e)
            }
        }
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
        let transactional = dialect.transactional_ddl();
        // Every recorded down section is split and checked before the first one runs.
        let prepared = missing
            .iter()
            .map(|row| {
                let down = row.down_sql.as_deref().unwrap_or("");
                checked_statements(down, 1, dialect, transactional).map_err(|(line, problem)| {
                    MigrateError::MissingFailed {
                        revision: row.revision.clone(),
                        statement: String::new(),
                        message: format!("line {line} of the recorded down section: {problem}"),
                    }
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut done = Vec::new();
        for (row, statements) in missing.iter().zip(&prepared) {
            let down = row.down_sql.as_deref().unwrap_or("");
            let took = if foreign_keys_off(dialect, down) {
                let restore = self.foreign_keys_set(false).await?;
                let result = self
                    .roll_back_row(row, statements, transactional, true)
                    .await;
                let restored = self.foreign_keys_set(restore).await;
                let took = result?;
                restored?;
                took
            } else {
                self.roll_back_row(row, statements, transactional, false)
                    .await?
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
        statements: &[Statement],
        transactional: bool,
        check_foreign_keys: bool,
    ) -> Result<Duration, MigrateError> {
        let start = Instant::now();
        self.begin(transactional).await?;
        for (n, stmt) in statements.iter().enumerate() {
            if let Err(e) = self.conn.execute(&stmt.sql).await {
                let message = database_message(&e);
                if transactional {
                    let _ = self.finish(true, false).await;
                } else if n > 0 {
                    // A first statement the database refused took no effect: the row stays
                    // as it was.
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

    /// Runs one step with its bookkeeping; on SQLite a section that starts with
    /// `PRAGMA foreign_keys = OFF` runs with foreign keys off (see [`foreign_keys_off`]).
    async fn step(
        &mut self,
        index: usize,
        direction: Direction,
        statements: &[Statement],
        first_run: bool,
        report: &Report,
    ) -> Result<Outcome, MigrateError> {
        let rev = &self.graph.node(index).revision;
        let section = match direction {
            Direction::Up => Some(&rev.up),
            Direction::Down => rev.down.as_ref(),
        };
        let wants_off = section.is_some_and(|s| foreign_keys_off(self.conn.dialect(), &s.sql));
        if !wants_off {
            return self
                .step_with(index, direction, statements, first_run, report, false)
                .await;
        }
        let restore = self.foreign_keys_set(false).await?;
        let result = self
            .step_with(index, direction, statements, first_run, report, true)
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
        self.conn
            .execute(sql)
            .await
            .map_err(|e| DbError::query(e, sql))?;
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

    /// Records a step that runs outside a transaction as dirty before its first statement, so
    /// that a failure halfway, or a crash, leaves a trace of what ran. Returns the row as it
    /// was before (down), to put back when the first statement is refused.
    async fn mark_dirty(
        &mut self,
        rev: &Revision,
        direction: Direction,
    ) -> Result<Option<AppliedRow>, MigrateError> {
        match direction {
            Direction::Up => {
                self.table
                    .insert(&mut self.conn, &row(rev, "dirty", 0, Duration::ZERO))
                    .await?;
                Ok(None)
            }
            Direction::Down => {
                let before = self
                    .table
                    .rows(&mut self.conn)
                    .await?
                    .into_iter()
                    .find(|r| r.revision == rev.id);
                self.table
                    .update_state(&mut self.conn, &rev.id, "dirty-down", 0, None, 0)
                    .await?;
                Ok(before)
            }
        }
    }

    /// Takes back [`Self::mark_dirty`] after the database refused the step's first statement:
    /// a refused statement takes no effect, so nothing of the step ran. Returns whether the
    /// mark is gone.
    async fn unmark_dirty(
        &mut self,
        rev: &Revision,
        direction: Direction,
        before: Option<&AppliedRow>,
    ) -> bool {
        let result = match (direction, before) {
            (Direction::Up, _) => self.table.delete(&mut self.conn, &rev.id).await,
            (Direction::Down, Some(row)) => {
                self.table
                    .update_state(
                        &mut self.conn,
                        &rev.id,
                        &row.state,
                        row.statements_done,
                        row.error.clone(),
                        row.duration_ms,
                    )
                    .await
            }
            (Direction::Down, None) => return false,
        };
        result.is_ok()
    }

    async fn step_with(
        &mut self,
        index: usize,
        direction: Direction,
        statements: &[Statement],
        first_run: bool,
        report: &Report,
        check_foreign_keys: bool,
    ) -> Result<Outcome, MigrateError> {
        let graph = self.graph;
        let rev = &graph.node(index).revision;
        let dialect = self.conn.dialect();
        // The down section runs the way the up section did: an index built CONCURRENTLY is
        // dropped CONCURRENTLY, outside a transaction too.
        let transactional = runs_in_transaction(rev, dialect);
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
        let start = Instant::now();
        let dirty = match direction {
            Direction::Up => "dirty",
            Direction::Down => "dirty-down",
        };

        let mut before = None;
        if self.rechecks() {
            match self.recheck_in_transaction(index, direction).await? {
                Recheck::Run => {}
                Recheck::AlreadyDone => return Ok(Outcome::AlreadyDone),
                Recheck::Replan => return Ok(Outcome::Replan),
            }
            if !transactional {
                // The dirty mark commits with the check; the statements run after it.
                let marked = self.mark_dirty(rev, direction).await;
                self.finish(true, marked.is_ok()).await?;
                before = marked?;
            }
        } else {
            self.begin(transactional).await?;
            if !transactional {
                before = self.mark_dirty(rev, direction).await?;
            }
        }
        for (n, stmt) in statements.iter().enumerate() {
            if let Err(e) = self.conn.execute(&stmt.sql).await {
                let message = database_message(&e);
                let left_dirty = if transactional {
                    let _ = self.finish(true, false).await;
                    false
                } else if n == 0 && self.unmark_dirty(rev, direction, before.as_ref()).await {
                    false
                } else {
                    let ms = elapsed_ms(start.elapsed());
                    let _ = self
                        .table
                        .update_state(
                            &mut self.conn,
                            &rev.id,
                            dirty,
                            n as i64,
                            Some(message.clone()),
                            ms,
                        )
                        .await;
                    true
                };
                return Err(statement_error(
                    rev, direction, stmt, message, first_run, left_dirty, report,
                ));
            }
            if !transactional {
                self.table
                    .update_state(&mut self.conn, &rev.id, dirty, n as i64 + 1, None, 0)
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
                direction,
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
        Ok(Outcome::Done(duration))
    }
}

/// What a step's check under the write lock found (see [`Migration::recheck`]).
enum Recheck {
    Run,
    AlreadyDone,
    Replan,
}

/// How a step ended.
enum Outcome {
    Done(Duration),
    /// Another run did it first.
    AlreadyDone,
    /// Another run changed the database so that the step no longer follows from it.
    Replan,
}

/// How many times a run plans again before it gives up on a database that other runs keep
/// changing.
const MAX_REPLANS: usize = 100;

/// A plan made under the lock, ready to run.
struct Pending {
    plan: Plan,
    first_run: bool,
}

/// Splits and checks the section of every step of a plan (see [`section_statements`]).
fn prepare(
    graph: &RevisionGraph,
    plan: &Plan,
    dialect: Dialect,
) -> Result<Vec<Vec<Statement>>, MigrateError> {
    plan.steps
        .iter()
        .map(|s| {
            section_statements(&graph.node(s.revision).revision, s.direction, dialect)
                .map_err(|e| MigrateError::Section(Box::new(e)))
        })
        .collect()
}

impl Pending {
    /// Runs every step, then releases the lock whatever happened.
    async fn run<'g>(
        self,
        m: &mut Migration<'g>,
        target: &Target,
        direction: Direction,
        on_event: &mut dyn FnMut(Event<'g>),
    ) -> Result<Report, MigrateError> {
        let mut report = Report::default();
        let result = self
            .run_steps(m, target, direction, on_event, &mut report)
            .await;
        let _ = m.table.unlock(&mut m.conn, m.options.lock).await;
        result.map(|()| report)
    }

    /// Every section of the plan is split and checked before the first statement runs. When
    /// another run changed the database under a step (see [`Migration::recheck`]), the rest
    /// is planned again for the same target from what the database now holds, as running the
    /// command again would; a relative target (`-1`, `+2`) stops there instead, since it was
    /// relative to a state that is gone.
    async fn run_steps<'g>(
        mut self,
        m: &mut Migration<'g>,
        target: &Target,
        direction: Direction,
        on_event: &mut dyn FnMut(Event<'g>),
        report: &mut Report,
    ) -> Result<(), MigrateError> {
        let graph = m.graph;
        let dialect = m.conn.dialect();
        let mut prepared = prepare(graph, &self.plan, dialect)?;
        on_event(Event::Planned {
            steps: self.plan.steps.len(),
        });
        let mut replans = 0;
        let mut next = 0;
        while let Some(&step) = self.plan.steps.get(next) {
            next += 1;
            let rev = &graph.node(step.revision).revision;
            let statements = prepared.get(next - 1).map_or(&[][..], Vec::as_slice);
            match m
                .step(
                    step.revision,
                    step.direction,
                    statements,
                    self.first_run,
                    report,
                )
                .await?
            {
                Outcome::Done(duration) => {
                    report
                        .steps
                        .push((rev.id.clone(), step.direction, duration));
                    on_event(Event::Step {
                        revision: rev,
                        direction: step.direction,
                        duration,
                    });
                }
                Outcome::AlreadyDone => on_event(Event::AlreadyDone { revision: rev }),
                Outcome::Replan => {
                    replans += 1;
                    if target.anchor == Anchor::Current || replans > MAX_REPLANS {
                        return Err(MigrateError::Changed {
                            revision: rev.id.clone(),
                            direction: step.direction,
                        });
                    }
                    let state = state(&mut m.conn, &m.table, graph).await?;
                    self.plan = match direction {
                        Direction::Up => graph.plan_upgrade(&state.applied, target)?,
                        Direction::Down => graph.plan_downgrade(&state.applied, target)?,
                    };
                    prepared = prepare(graph, &self.plan, dialect)?;
                    next = 0;
                    on_event(Event::Replanned {
                        steps: self.plan.steps.len(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// What `stamp` did: the plan it recorded, and with `--purge` the revisions the table
/// recorded before it was emptied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamped {
    pub plan: StampPlan,
    pub purged: Vec<String>,
}

/// The row of a recorded revision named by its id or a unique prefix of it.
fn recorded_id<'r>(ids: &[&'r str], revision: &str) -> Result<&'r str, MigrateError> {
    if let Some(id) = ids.iter().find(|id| **id == revision) {
        return Ok(id);
    }
    let matching: Vec<&str> = if revision.is_empty() {
        Vec::new()
    } else {
        ids.iter()
            .copied()
            .filter(|id| id.starts_with(revision))
            .collect()
    };
    match matching.as_slice() {
        [id] => Ok(id),
        [] => Err(MigrateError::NotRecorded(revision.to_string())),
        several => {
            let mut candidates: Vec<String> = several.iter().map(|id| id.to_string()).collect();
            candidates.sort();
            Err(ResolveError::AmbiguousPrefix {
                prefix: revision.to_string(),
                candidates,
            }
            .into())
        }
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

/// The splitter's dialect for a database's: the same [`Dialect`] since there is one. Kept for
/// the callers that still convert; new code passes the dialect as it is.
pub(crate) fn split_dialect(d: Dialect) -> split::Dialect {
    d
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
    direction: Direction,
    stmt: &Statement,
    message: String,
    first_run: bool,
    left_dirty: bool,
    report: &Report,
) -> MigrateError {
    MigrateError::Statement(Box::new(StatementFailure {
        revision: rev.id.clone(),
        direction,
        path: rev.path.clone(),
        line: stmt.line,
        statement: stmt.sql.clone(),
        exists_on_first_run: direction == Direction::Up
            && first_run
            && message.to_ascii_lowercase().contains("already exists"),
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

    #[test]
    fn a_section_is_refused_for_its_first_problem() {
        let problem = |sql: &str| {
            checked_statements(sql, 10, Dialect::Sqlite, true)
                .map(|_| ())
                .expect_err("refused")
        };
        let (line, p) = problem("SELECT 1;\nCOMMIT;\nSELECT 'oops;");
        assert_eq!(line, 11);
        assert!(
            matches!(p, SectionProblem::TransactionControl { .. }),
            "{p}"
        );
        let (line, p) = problem("SELECT 'oops;\nCOMMIT;");
        assert_eq!(line, 10);
        assert!(matches!(p, SectionProblem::Unterminated(_)), "{p}");
        assert!(checked_statements("SELECT 1;\nCOMMIT;", 1, Dialect::Sqlite, false).is_ok());
    }

    #[test]
    fn transaction_control_is_found_past_comments_and_in_any_case() {
        for (sql, keyword) in [
            ("COMMIT", "COMMIT"),
            ("commit work", "COMMIT"),
            ("begin immediate", "BEGIN"),
            (
                "START /* why */ TRANSACTION READ WRITE",
                "START TRANSACTION",
            ),
            ("start -- why\n transaction", "START TRANSACTION"),
            ("/* first */ ROLLBACK TO SAVEPOINT s", "ROLLBACK"),
            ("end transaction", "END"),
            ("SAVEPOINT s1", "SAVEPOINT"),
            ("release s1", "RELEASE"),
            ("abort", "ABORT"),
            ("PREPARE TRANSACTION 'x'", "PREPARE TRANSACTION"),
        ] {
            assert_eq!(
                transaction_control(sql).as_deref(),
                Some(keyword),
                "{sql:?}"
            );
        }
        for sql in [
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END",
            "PREPARE q AS SELECT 1",
            "START_TIME",
            "INSERT INTO commit_log VALUES (1)",
            "/* COMMIT */ SELECT 1",
            "",
        ] {
            assert_eq!(transaction_control(sql), None, "{sql:?}");
        }
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
        let plan = m.stamp(&t("head"), false).await.expect("stamp").plan;
        assert_eq!(plan.add.len(), 2);
        m.conn
            .execute("SELECT * FROM a")
            .await
            .expect_err("stamp ran no SQL");
        let plan = m.stamp(&t("a1"), true).await.expect("purge").plan;
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
