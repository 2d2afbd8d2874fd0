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
use crate::db::{AppliedRow, Conn, DbError, Dialect, RowState, VersionTable, database_message};
use crate::graph::{RevIdx, RevisionGraph, RevisionSet};
use crate::plan::{Direction, Plan, PlanError, StampPlan};
use crate::revision::Revision;
use crate::split::{self, Statement};
use crate::target::{Anchor, ResolveError, Target};

mod missing;
mod recheck;
mod run;
mod sections;
mod state;
#[cfg(test)]
mod tests;
mod timeouts;

use self::{recheck::*, run::*, sections::*, state::*, timeouts::*};
pub use sections::{
    SectionError, SectionProblem, foreign_keys_off, runs_in_transaction, section_name,
    section_statements,
};
pub use state::{Known, State, state};

/// How a run behaves. Each revision's statements wait for locks at most the version table's
/// lock timeout (see [`VersionTable::lock_timeout`]), like the run's own lock.
#[derive(Debug, Clone)]
pub struct Options {
    pub lock: LockMode,
    /// Go on although applied revisions were edited since they were applied.
    pub allow_edited: bool,
    /// How long one statement of a revision may run, where the server supports it (`None`:
    /// the server's own setting).
    pub statement_timeout: Option<Duration>,
    /// How many times a revision rolled back by a lock timeout is tried again, whole.
    pub lock_retries: u32,
    /// The database again, for a second connection that says what a waiting statement waits
    /// for (see [`Event::Waiting`]); `None`: nothing is asked.
    pub observe: Option<crate::db::DatabaseUrl>,
    /// SQLite: how long a run goes on applying (or rolling back) revisions in one transaction
    /// before it commits them together. Each revision still runs all or nothing with its row
    /// (under a savepoint of its own), and is reported only once its transaction committed;
    /// a crash before that loses whole revisions that were never reported. Fewer commits are
    /// fewer waits for the disk (`synchronous = FULL` syncs each one). MySQL: how long a
    /// revision's final update may wait to be written with the next revision's dirty mark.
    /// Zero: each revision commits alone.
    pub group_commit: Duration,
}

/// [`Options::group_commit`]'s default: short enough that other writers hardly notice the
/// write lock held and progress still shows as it goes.
pub const GROUP_COMMIT: Duration = Duration::from_millis(100);

impl Default for Options {
    fn default() -> Self {
        Options {
            lock: LockMode::Advisory,
            allow_edited: false,
            statement_timeout: None,
            lock_retries: 0,
            observe: None,
            group_commit: GROUP_COMMIT,
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
    /// A statement of this revision waits for a lock: on what and held by whom, in the
    /// database's terms (said again when the holder changes).
    Waiting { revision: &'a Revision, on: String },
    /// This revision was rolled back by a lock timeout and runs again, whole, after `after`:
    /// attempt `attempt` of `attempts`.
    Retrying {
        revision: &'a Revision,
        attempt: u32,
        attempts: u32,
        after: Duration,
    },
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
    /// It gave up waiting for a lock (the lock timeout).
    pub lock_timeout: bool,
    /// What it waited for and who held it, when that was asked (see [`Event::Waiting`]).
    pub waited_on: Option<String>,
    /// How many times the revision was tried (more than 1 with `lock_retries`).
    pub attempts: u32,
    /// What was done before the failure.
    pub report: Report,
}

impl From<crate::db::UrlError> for MigrateError {
    fn from(e: crate::db::UrlError) -> Self {
        MigrateError::Db(DbError::Url(e))
    }
}

fn now() -> String {
    format!("{}+00:00", crate::clock::Utc::now().micros())
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
        let plan = |m: &Self, state: &State| {
            let plan = m.graph.plan_upgrade(&state.applied, target)?;
            if !m.options.allow_edited {
                let edited = state.edited(m.graph);
                if !edited.is_empty() {
                    return Err(MigrateError::Edited { edited });
                }
            }
            Ok(plan)
        };
        self.plan_and_run(target, Direction::Up, plan, on_event)
            .await
    }

    /// Rolls back down to `target`.
    pub async fn downgrade(
        &mut self,
        target: &Target,
        on_event: &mut dyn FnMut(Event<'g>),
    ) -> Result<Report, MigrateError> {
        let plan = |m: &Self, state: &State| Ok(m.graph.plan_downgrade(&state.applied, target)?);
        self.plan_and_run(target, Direction::Down, plan, on_event)
            .await
    }

    /// Plans under the lock (see [`Self::locked`]) and runs the plan.
    async fn plan_and_run(
        &mut self,
        target: &Target,
        direction: Direction,
        plan: impl FnOnce(&Self, &State) -> Result<Plan, MigrateError>,
        on_event: &mut dyn FnMut(Event<'g>),
    ) -> Result<Report, MigrateError> {
        let known = &mut Known::default();
        let pending = self.locked(known, plan).await?;
        pending.run(self, target, direction, known, on_event).await
    }

    /// Applies or rolls back the one revision `revision`, and nothing else: what `check
    /// --roundtrip` steps through. Refused as a plan error when its parents (up) or its
    /// children (down) are not where that needs them, or when it has no down section.
    pub async fn step_one(
        &mut self,
        revision: RevIdx,
        direction: Direction,
        on_event: &mut dyn FnMut(Event<'g>),
    ) -> Result<Report, MigrateError> {
        self.step_one_with(revision, direction, &mut Known::default(), on_event)
            .await
    }

    /// [`Self::step_one`] for a walk of single steps over one connection: `known`, kept from
    /// one call to the next, spares reading the whole version table before each step where
    /// the database says nothing else changed it (see [`Known`]).
    pub async fn step_one_with(
        &mut self,
        revision: RevIdx,
        direction: Direction,
        known: &mut Known,
        on_event: &mut dyn FnMut(Event<'g>),
    ) -> Result<Report, MigrateError> {
        let graph = self.graph;
        let pending = self
            .locked(known, |_, state| {
                let node = graph.node(revision);
                let ready = match direction {
                    Direction::Up => {
                        !state.applied.contains(revision)
                            && node
                                .parents
                                .iter()
                                .chain(&node.depends_on)
                                .all(|&p| state.applied.contains(p))
                    }
                    Direction::Down => {
                        state.applied.contains(revision)
                            && !node
                                .children
                                .iter()
                                .chain(&node.dependents)
                                .any(|&c| state.applied.contains(c))
                    }
                };
                if !ready {
                    return Err(MigrateError::Changed {
                        revision: node.revision.id.clone(),
                        direction,
                    });
                }
                if direction == Direction::Down && node.revision.down.is_none() {
                    return Err(PlanError::Irreversible {
                        revision: node.revision.id.clone(),
                        path: node.revision.path.clone(),
                    }
                    .into());
                }
                Ok(Plan {
                    steps: vec![crate::plan::Step {
                        revision,
                        direction,
                    }],
                })
            })
            .await?;
        // Relative to the state just read: another run changing it stops the step.
        let target: Target = match direction {
            Direction::Up => "+1",
            Direction::Down => "-1",
        }
        .parse()?;
        pending.run(self, &target, direction, known, on_event).await
    }

    /// Takes the lock, reads the state, refuses on a dirty revision, and plans. The lock is
    /// held until the run ends (see [`Pending::run`]).
    ///
    /// Where the database says whether another connection committed since `known` was read
    /// (see [`Known`]), and none did, the table is neither checked nor read again.
    async fn locked(
        &mut self,
        known: &mut Known,
        plan: impl FnOnce(&Self, &State) -> Result<Plan, MigrateError>,
    ) -> Result<Pending, MigrateError> {
        // Lock first: several first runs at once must not race to create the table.
        self.table.lock(&mut self.conn, self.options.lock).await?;
        let result = async {
            // Read before the table: a commit in between only makes the next look read again.
            let version = match self.conn.dialect().batches_sections() {
                true => self.conn.fetch_int("PRAGMA data_version").await?,
                false => None,
            };
            let state = match version.and_then(|v| known.take(v)) {
                Some(state) => state,
                None => {
                    self.table.ensure(&mut self.conn).await?;
                    let state = state_of_existing(&mut self.conn, &self.table, self.graph).await?;
                    refuse_dirty(&state, self.graph)?;
                    state
                }
            };
            let planned = plan(self, &state);
            let first_run = state.rows.is_empty();
            if let Some(v) = version {
                known.keep(v, state);
            } else if !self.rechecks() {
                // The lock is held to the run's end: only its own steps change the table.
                known.keep(Known::HELD, state);
            }
            Ok(Pending {
                plan: planned?,
                first_run,
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
                    .insert(
                        &mut self.conn,
                        &row(rev, RowState::Applied, 0, Duration::ZERO),
                    )
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
        let fresh = file.map(|rev| row(rev, RowState::Applied, 0, Duration::ZERO));
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
            state: RowState::Applied,
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
            let (Ok(id), Ok(Some(RowState::Applied))) =
                (&raw.revision, raw.state.as_deref().map(RowState::parse))
            else {
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
}

/// What `stamp` did: the plan it recorded, and with `--purge` the revisions the table
/// recorded before it was emptied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamped {
    pub plan: StampPlan,
    pub purged: Vec<String>,
}
