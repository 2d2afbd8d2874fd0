//! Running steps: transactions, the dirty-row bookkeeping where a step cannot be undone, one
//! statement at a time, and replanning when another run got there first.

use super::*;

impl<'g> Migration<'g> {
    pub(super) async fn begin(&mut self, transactional: bool) -> Result<(), MigrateError> {
        self.begin_known(transactional, &mut Known::default())
            .await
            .map(drop)
    }

    /// [`Self::begin`]; on a database that says whether another connection committed since
    /// (see [`crate::backend::Backend::BATCHES_SECTIONS`]), returns its counter, read in the
    /// transaction.
    pub(super) async fn begin_known(
        &mut self,
        transactional: bool,
        known: &mut Known,
    ) -> Result<Option<i64>, MigrateError> {
        if !transactional {
            return Ok(None);
        }
        if in_callers_transaction(&self.conn) {
            return self
                .execute_control(&format!("SAVEPOINT {STEP_SAVEPOINT}"))
                .await
                .map(|()| None);
        }
        // SQLite: take the write lock now, so that two runs serialize on it (busy timeout)
        // instead of failing when both try to upgrade a read lock.
        if self.conn.dialect().locks_per_step() {
            return self.begin_sqlite(known).await;
        }
        let sql = "BEGIN";
        self.conn
            .execute(sql)
            .await
            .map_err(|e| DbError::query(e, sql))?;
        Ok(None)
    }

    /// `BEGIN IMMEDIATE`, tried again while another connection holds SQLite's write lock, so
    /// that the wait is reported and ends after the lock timeout (see
    /// [`VersionTable::wait_policy`]) instead of SQLite's silent busy wait. Returns
    /// `PRAGMA data_version` as the transaction sees it.
    ///
    /// One round trip when the lock is free: a short busy timeout for the try, the try, the
    /// connection's own busy timeout back (ours, or that of the application's pool, read once
    /// per run) for the statements after, and the counter.
    pub(super) async fn begin_sqlite(
        &mut self,
        known: &mut Known,
    ) -> Result<Option<i64>, MigrateError> {
        const BEGIN: &str = "BEGIN IMMEDIATE";
        let fail = |e: sqlx::Error| DbError::query(e, BEGIN);
        let usual = match known.busy_timeout {
            Some(ms) => ms,
            None => {
                let ms = self
                    .conn
                    .fetch_int("PRAGMA busy_timeout")
                    .await?
                    .unwrap_or(60_000);
                known.busy_timeout = Some(ms);
                ms
            }
        };
        let begin = format!(
            "PRAGMA busy_timeout = {TRY_LOCK_MS};\n{BEGIN};\nPRAGMA busy_timeout = {usual};\nPRAGMA data_version"
        );
        let mut waiter = self.table.sqlite_waiter();
        let result = loop {
            match self.conn.fetch_last_int(&begin).await {
                Ok(version) => return Ok(version),
                Err(sqlx::Error::Database(d)) if d.message().contains("locked") => {
                    if let Err(e) = waiter.sqlite_busy().await {
                        break Err(e);
                    }
                }
                Err(e) => break Err(fail(e)),
            }
        };
        // The try failed: the short busy timeout stays set until this puts it back.
        let restored = self
            .conn
            .execute(&format!("PRAGMA busy_timeout = {usual}"))
            .await
            .map_err(fail);
        result?;
        restored?;
        Ok(None)
    }

    pub(super) async fn finish(
        &mut self,
        transactional: bool,
        commit: bool,
    ) -> Result<(), MigrateError> {
        if !transactional {
            return Ok(());
        }
        if in_callers_transaction(&self.conn) {
            if !commit {
                let sql = format!("ROLLBACK TO SAVEPOINT {STEP_SAVEPOINT}");
                self.execute_control(&sql).await?;
            }
            return self
                .execute_control(&format!("RELEASE SAVEPOINT {STEP_SAVEPOINT}"))
                .await;
        }
        let sql = if commit { "COMMIT" } else { "ROLLBACK" };
        self.execute_control(sql).await
    }

    pub(super) async fn execute_control(&mut self, sql: &str) -> Result<(), MigrateError> {
        self.conn
            .execute(sql)
            .await
            .map_err(|e| MigrateError::Db(DbError::query(e, sql)))
    }

    /// Runs one step with its bookkeeping; on SQLite a section that starts with
    /// `PRAGMA foreign_keys = OFF` runs with foreign keys off (see [`foreign_keys_off`]).
    ///
    /// Outside a transaction the revision's timeouts are set for the session around it (inside
    /// one, `step_with` sets them for the transaction). What is set around the step is put
    /// back whatever happened.
    pub(super) async fn step(
        &mut self,
        step: StepCall<'_>,
        on_wait: &mut dyn FnMut(String),
    ) -> Result<Outcome, MigrateError> {
        let rev = &self.graph.node(step.index).revision;
        let dialect = self.conn.dialect();
        let session_timeouts = !runs_in_transaction(rev, dialect) && !self.timeouts().is_empty();
        let section = match step.direction {
            Direction::Up => Some(&rev.up),
            Direction::Down => rev.down.as_ref(),
        };
        let keys_off = section.is_some_and(|s| foreign_keys_off(dialect, &s.sql));
        let joins = match runs_in_transaction(rev, dialect) {
            // SQLite: the section runs in the group's transaction.
            true => self.rechecks() && !keys_off,
            // MySQL: the outcome of the step before goes with this one's dirty mark, which
            // its first statement commits.
            false => {
                !dialect.transactional_ddl()
                    && !self.rechecks()
                    && step
                        .statements
                        .first()
                        .is_some_and(|s| commits_before_itself(&s.sql))
            }
        };
        if step.known.group.is_some() && !joins {
            // It cannot run in the open transaction: that commits first.
            return Ok(Outcome::Ungroup);
        }
        let saved = match session_timeouts {
            true => Some(self.set_session_timeouts().await?),
            false => None,
        };
        let (result, restore) = match keys_off {
            false => (self.step_with(step, false, on_wait).await, None),
            true => match self.foreign_keys_set(false).await {
                Ok(was) => (self.step_with(step, true, on_wait).await, Some(was)),
                Err(e) => (Err(e), None),
            },
        };
        let restored = match restore {
            Some(was) => self.foreign_keys_set(was).await.map(drop),
            None => Ok(()),
        };
        let reset = match saved {
            Some(saved) => self.reset_session_timeouts(saved).await,
            None => Ok(()),
        };
        let result = result?;
        restored?;
        reset?;
        Ok(result)
    }

    /// Sets SQLite's `foreign_keys` and returns what it was. (Inside a transaction SQLite
    /// ignores the pragma, so this runs between transactions.)
    pub(super) async fn foreign_keys_set(&mut self, on: bool) -> Result<bool, MigrateError> {
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
    pub(super) async fn foreign_key_violation(&mut self) -> Result<Option<String>, MigrateError> {
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
    ///
    /// `known`: what the run knows the table holds, where the row is looked up before it is
    /// read from the table.
    pub(super) async fn mark_dirty(
        &mut self,
        rev: &Revision,
        direction: Direction,
        known: &Known,
    ) -> Result<Option<AppliedRow>, MigrateError> {
        match direction {
            Direction::Up => {
                self.table
                    .insert(
                        &mut self.conn,
                        &row(rev, RowState::Dirty, 0, Duration::ZERO),
                    )
                    .await?;
                Ok(None)
            }
            Direction::Down => {
                let before = match known.row(&rev.id) {
                    Some(row) => Some(row.clone()),
                    None => self.table.row_of(&mut self.conn, &rev.id).await?,
                };
                self.table
                    .update_state(&mut self.conn, &rev.id, RowState::DirtyDown, 0, None, 0)
                    .await?;
                Ok(before)
            }
        }
    }

    /// Records in the dirty row of a step that failed outside a transaction how many of its
    /// statements ran and why it stopped (best effort: the step's error is what is reported).
    async fn left_dirty(
        &mut self,
        rev: &Revision,
        (state, done): (RowState, usize),
        message: &str,
        start: Instant,
    ) {
        let ms = elapsed_ms(start.elapsed());
        let message = Some(message.to_string());
        let _ = self
            .table
            .update_state(&mut self.conn, &rev.id, state, done as i64, message, ms)
            .await;
    }

    /// Takes back [`Self::mark_dirty`] after the database refused the step's first statement:
    /// a refused statement takes no effect, so nothing of the step ran. Returns whether the
    /// mark is gone.
    pub(super) async fn unmark_dirty(
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
                        row.state,
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

    /// [`Self::step`] once what goes around it is set. A step that fails leaves `known`
    /// empty: the next step reads the version table again.
    async fn step_with(
        &mut self,
        step: StepCall<'_>,
        check_foreign_keys: bool,
        on_wait: &mut dyn FnMut(String),
    ) -> Result<Outcome, MigrateError> {
        let StepCall {
            index,
            direction,
            statements,
            first_run,
            report,
            known,
        } = step;
        let result = self
            .step_known(
                (index, direction, statements, first_run, report),
                check_foreign_keys,
                known,
                on_wait,
            )
            .await;
        if result.is_err() {
            known.forget();
        }
        result
    }

    async fn step_known(
        &mut self,
        (index, direction, statements, first_run, report): (
            RevIdx,
            Direction,
            &[Statement],
            bool,
            &Report,
        ),
        check_foreign_keys: bool,
        known: &mut Known,
        on_wait: &mut dyn FnMut(String),
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
        let dirty = RowState::dirty(direction);

        let mut before = None;
        let mut waited_on = None;
        // The dirty mark is in a transaction not yet committed (see below).
        let mut open_mark = false;
        // MySQL: the outcome of the step before, in that transaction.
        let mut carried = None;
        if self.rechecks() && transactional && !check_foreign_keys {
            let planned = row(rev, RowState::Applied, statements.len(), Duration::ZERO);
            let trip = self
                .one_trip((index, direction), statements, &planned, known)
                .await?;
            match trip {
                OneTrip::Ungroup => return Ok(Outcome::Ungroup),
                OneTrip::Lost => return Ok(Outcome::Lost),
                OneTrip::Ran | OneTrip::Usual => {}
            }
            if let OneTrip::Ran = trip {
                let duration = start.elapsed();
                let applied = AppliedRow {
                    duration_ms: elapsed_ms(duration),
                    ..planned
                };
                return Ok(Self::stepped(
                    (index, direction, duration),
                    statements,
                    applied,
                    known,
                ));
            }
        }
        if self.rechecks() {
            match self.recheck_in_transaction(index, direction, known).await? {
                Recheck::Run => {}
                Recheck::AlreadyDone => return Ok(Outcome::AlreadyDone),
                Recheck::Replan => return Ok(Outcome::Replan),
            }
            if !transactional {
                // The dirty mark commits with the check; the statements run after it.
                let marked = self.mark_dirty(rev, direction, known).await;
                self.finish(true, marked.is_ok()).await?;
                before = marked?;
            }
        } else if transactional {
            self.begin_with(dialect.set_timeouts(self.timeouts(), true))
                .await?;
        } else if dialect.transactional_ddl()
            || !statements
                .first()
                .is_some_and(|s| commits_before_itself(&s.sql))
        {
            before = self.mark_dirty(rev, direction, known).await?;
        } else {
            // MySQL, a first statement that is DDL: the mark in a transaction that the
            // statement commits with it (one log flush instead of two), with the outcome of
            // the step before (see [`Known::outcome`]); committed right after it all the same
            // (a temporary table commits nothing).
            self.execute_control("BEGIN").await?;
            carried = known.outcome.take();
            let written = match &carried {
                Some((direction, applied)) => self.record_outcome(*direction, applied).await,
                None => Ok(()),
            };
            let marked = match written {
                Ok(()) => self.mark_dirty(rev, direction, known).await,
                Err(e) => Err(e),
            };
            if marked.is_err() {
                let _ = self.execute_control("ROLLBACK").await;
                known.outcome = carried.take();
            }
            before = marked?;
            open_mark = true;
        }
        if transactional && self.rechecks() {
            let local = dialect.set_timeouts(self.timeouts(), true);
            if let Err(e) = self.apply_settings(local).await {
                let _ = self.finish(true, false).await;
                return Err(e);
            }
        }
        let session = self.observed_session(known).await;
        let executed = if transactional
            && !check_foreign_keys
            && session.is_none()
            && dialect.batches_sections()
        {
            self.execute_batch(statements).await
        } else {
            self.execute_each(
                (rev, direction, statements, transactional),
                (session, &mut open_mark),
                on_wait,
                &mut waited_on,
            )
            .await?
        };
        if open_mark {
            // The first statement failed: a mark it did not commit is undone (and put back
            // below for nothing).
            let end = if executed.is_err() {
                "ROLLBACK"
            } else {
                "COMMIT"
            };
            self.execute_control(end).await?;
        }
        if let Err((0, _)) = executed {
            // The outcome carried may have been undone with the mark: written again (the
            // same row, or the row gone) when the group commits.
            if known.outcome.is_none() {
                known.outcome = carried.take();
            }
        }
        if let Err((n, e)) = executed
            && let Some(stmt) = statements.get(n)
        {
            let lock_timeout = crate::db::is_lock_timeout(dialect, &e);
            let message = database_message(&e);
            let left_dirty = if transactional {
                let _ = self.finish(true, false).await;
                false
            } else if n == 0 && self.unmark_dirty(rev, direction, before.as_ref()).await {
                false
            } else {
                self.left_dirty(rev, (dirty, n), &message, start).await;
                true
            };
            let mut err =
                statement_error(rev, direction, stmt, message, first_run, left_dirty, report);
            if let MigrateError::Statement(f) = &mut err {
                f.lock_timeout = lock_timeout;
                f.waited_on = waited_on;
            }
            return Err(err);
        }
        if check_foreign_keys && let Some(message) = self.foreign_key_violation().await? {
            let _ = self.finish(transactional, false).await;
            if !transactional {
                // Every statement ran: the dirty row says so, and why the step failed.
                self.left_dirty(rev, (dirty, statements.len()), &message, start)
                    .await;
            }
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
        let applied = row(rev, RowState::Applied, statements.len(), duration);
        if !transactional && !dialect.transactional_ddl() && !self.rechecks() && !known.alone {
            // MySQL: the outcome goes with the next step's mark (or alone when the group
            // commits, which reports the step).
            known.outcome = Some((direction, applied.clone()));
            known.group.get_or_insert_with(|| Group {
                since: Instant::now(),
                steps: Vec::new(),
                transaction: false,
            });
        } else {
            self.bookkeeping(rev, direction, transactional, &applied)
                .await?;
        }
        Ok(Self::stepped(
            (index, direction, duration),
            statements,
            applied,
            known,
        ))
    }

    /// What the run knows once a step committed.
    fn stepped(
        (index, direction, duration): (RevIdx, Direction, Duration),
        statements: &[Statement],
        applied: AppliedRow,
        known: &mut Known,
    ) -> Outcome {
        known.stepped(index, direction, applied);
        if statements
            .iter()
            .any(|s| s.sql.to_ascii_lowercase().contains("busy_timeout"))
        {
            // The section set the connection's busy timeout: read it again.
            known.busy_timeout = None;
        }
        Outcome::Done(duration)
    }

    /// Statement by statement, each watched when it waits (see [`Self::execute_watched`]);
    /// outside a transaction the dirty row says after each how many ran. On a failure, the
    /// statement's index and error.
    async fn execute_each(
        &mut self,
        (rev, direction, statements, transactional): (&Revision, Direction, &[Statement], bool),
        (session, open_mark): (Option<i64>, &mut bool),
        on_wait: &mut dyn FnMut(String),
        waited_on: &mut Option<String>,
    ) -> Result<Result<(), (usize, sqlx::Error)>, MigrateError> {
        let dirty = RowState::dirty(direction);
        for (n, stmt) in statements.iter().enumerate() {
            let executed = self
                .execute_watched(&stmt.sql, session, on_wait, waited_on)
                .await;
            if let Err(e) = executed {
                return Ok(Err((n, e)));
            }
            if std::mem::take(open_mark) {
                // The mark commits, if the statement did not commit it already.
                self.execute_control("COMMIT").await?;
            }
            // After the last statement the step's bookkeeping is the first write, as this
            // update would be: a run cut short between the two leaves the same row.
            if !transactional && n + 1 < statements.len() {
                self.table
                    .update_state(&mut self.conn, &rev.id, dirty, n as i64 + 1, None, 0)
                    .await?;
            }
        }
        Ok(Ok(()))
    }

    /// A section in its transaction as one batch (see
    /// [`crate::backend::Backend::BATCHES_SECTIONS`]), behind a savepoint; on a failure,
    /// where it is (see [`Self::locate_failure`]).
    async fn execute_batch(
        &mut self,
        statements: &[Statement],
    ) -> Result<(), (usize, sqlx::Error)> {
        if statements.is_empty() {
            return Ok(());
        }
        let mut batch = format!("SAVEPOINT {SECTION_SAVEPOINT}");
        for stmt in statements {
            then(&mut batch, &stmt.sql);
        }
        match self.conn.execute_counted(&batch).await {
            Ok(()) => Ok(()),
            // `done` counts the savepoint.
            Err((done, error)) => Err(self
                .locate_failure(statements, done.saturating_sub(1), error)
                .await),
        }
    }

    /// After a batch of a section's statements stopped at statement `at` with `error`: the
    /// batch is undone to its savepoint and the statements run again one by one, still under
    /// the write lock, so the failure is the one the statement gives alone: its index and
    /// error, as [`Self::execute_each`] gives them. (Should they all pass alone, or the
    /// transaction be gone, `at` and `error`.) The step's transaction stays open.
    async fn locate_failure(
        &mut self,
        statements: &[Statement],
        at: usize,
        error: sqlx::Error,
    ) -> (usize, sqlx::Error) {
        let undone = self
            .conn
            .execute(&format!("ROLLBACK TO {SECTION_SAVEPOINT}"))
            .await
            .is_ok();
        if undone {
            for (n, stmt) in statements.iter().enumerate() {
                if let Err(e) = self.conn.execute(&stmt.sql).await {
                    return (n, e);
                }
            }
        }
        (at.min(statements.len().saturating_sub(1)), error)
    }

    /// Records what a step did in the version table and, in a transaction, commits: where the
    /// database takes several statements at once, the row and `COMMIT` in one round trip.
    async fn bookkeeping(
        &mut self,
        rev: &Revision,
        direction: Direction,
        transactional: bool,
        applied: &AppliedRow,
    ) -> Result<(), MigrateError> {
        let dialect = self.conn.dialect();
        // Inside the caller's transaction the step ends with its savepoint, never a COMMIT.
        let literal = match direction {
            _ if !transactional
                || !dialect.commits_with_row()
                || in_callers_transaction(&self.conn) =>
            {
                None
            }
            Direction::Up => self.table.insert_literal(dialect, applied),
            Direction::Down => self.table.delete_literal(dialect, &rev.id),
        };
        if let Some(sql) = literal {
            return match self.conn.execute_counted(&format!("{sql};\nCOMMIT")).await {
                Ok(()) => Ok(()),
                Err((0, e)) => {
                    let _ = self.finish(true, false).await;
                    Err(DbError::query(e, &sql).into())
                }
                Err((_, e)) => Err(DbError::query(e, "COMMIT").into()),
            };
        }
        let written = match (direction, transactional) {
            (Direction::Up, true) => self
                .table
                .insert(&mut self.conn, applied)
                .await
                .map_err(MigrateError::from),
            _ => self.record_outcome(direction, applied).await,
        };
        if let Err(e) = written {
            let _ = self.finish(transactional, false).await;
            return Err(e);
        }
        self.finish(transactional, true).await
    }

    /// Records the outcome of a step that ran outside a transaction, over its dirty mark:
    /// the row applied, or gone. Writing it twice leaves the same.
    pub(super) async fn record_outcome(
        &mut self,
        direction: Direction,
        applied: &AppliedRow,
    ) -> Result<(), MigrateError> {
        let revision = &applied.revision;
        let written = match direction {
            Direction::Up => {
                self.table
                    .update_state(
                        &mut self.conn,
                        revision,
                        RowState::Applied,
                        applied.statements_done,
                        None,
                        applied.duration_ms,
                    )
                    .await
            }
            Direction::Down => self.table.delete(&mut self.conn, revision).await,
        };
        Ok(written?)
    }
}

/// Appends `sql` to `batch`, statements sent in one round trip, after a `;` that ends the
/// statement before it. Right where that statement ends, as it would alone: SQLite keeps a
/// `CREATE INDEX`'s text up to its `;` in the schema, so whitespace before it would stay
/// there. On a line of its own after a statement whose last line holds `--`, which could be a
/// comment that would swallow it.
pub(super) fn then(batch: &mut String, sql: &str) {
    let last_line = batch.rsplit('\n').next().unwrap_or_default();
    batch.push_str(if last_line.contains("--") {
        "\n;\n"
    } else {
        ";\n"
    });
    batch.push_str(sql);
}

/// One step to run: which, with what, and what the run knows.
pub(super) struct StepCall<'a> {
    pub(super) index: RevIdx,
    pub(super) direction: Direction,
    pub(super) statements: &'a [Statement],
    pub(super) first_run: bool,
    pub(super) report: &'a Report,
    pub(super) known: &'a mut Known,
}

/// How a step ended.
pub(super) enum Outcome {
    Done(Duration),
    /// Another run did it first.
    AlreadyDone,
    /// Another run changed the database so that the step no longer follows from it.
    Replan,
    /// Not run: what ran in the run's open transaction commits first (see
    /// [`Migration::commit_group`]), then the step is called again.
    Ungroup,
    /// The step ended the run's open transaction, undoing what ran in it (never reported):
    /// that runs again from its first step, each step alone.
    Lost,
}

/// How many times a run plans again before it gives up on a database that other runs keep
/// changing.
pub(super) const MAX_REPLANS: usize = 100;

/// The savepoint a step runs under when the connection is already inside its caller's
/// transaction.
const STEP_SAVEPOINT: &str = "cargo_schema_step";

/// Whether the connection is inside a transaction its caller opened through sqlx (a test in
/// transaction mode, `schema_core::testing::TestTransaction`): then each step runs under a
/// savepoint instead of a transaction of its own, and the caller's transaction decides what
/// is kept.
pub(super) fn in_callers_transaction(conn: &Conn) -> bool {
    use sqlx::Connection;
    match conn {
        #[cfg(feature = "sqlite")]
        Conn::Sqlite(c) => c.is_in_transaction(),
        #[cfg(feature = "postgres")]
        Conn::Postgres(c) => c.is_in_transaction(),
        #[cfg(feature = "mysql")]
        Conn::MySql(c) => c.is_in_transaction(),
    }
}

/// Inside the caller's transaction, a step that must run outside one (`transaction:false`,
/// or MySQL's DDL) cannot run: refused before anything runs.
fn refuse_outside_transaction(
    graph: &RevisionGraph,
    plan: &Plan,
    dialect: Dialect,
) -> Result<(), MigrateError> {
    for step in &plan.steps {
        let rev = &graph.node(step.revision).revision;
        if !runs_in_transaction(rev, dialect) {
            let section = match step.direction {
                Direction::Up => Some(&rev.up),
                Direction::Down => rev.down.as_ref(),
            };
            return Err(MigrateError::Section(Box::new(SectionError {
                revision: rev.id.clone(),
                path: rev.path.clone(),
                line: section.map_or(rev.up.line, |s| s.line),
                direction: step.direction,
                problem: SectionProblem::OutsideTransaction,
            })));
        }
    }
    Ok(())
}

/// A plan made under the lock, ready to run.
pub(super) struct Pending {
    pub(super) plan: Plan,
    pub(super) first_run: bool,
}

/// Splits and checks the section of every step of a plan (see [`section_statements`]).
pub(super) fn prepare(
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
    pub(super) async fn run<'g>(
        self,
        m: &mut Migration<'g>,
        target: &Target,
        direction: Direction,
        known: &mut Known,
        on_event: &mut dyn FnMut(Event<'g>),
    ) -> Result<Report, MigrateError> {
        let mut report = Report::default();
        known.alone = m.options.group_commit.is_zero();
        let mut result = self
            .run_steps(m, (target, direction), known, on_event, &mut report)
            .await;
        // What ran in an open transaction commits, also when a later step failed (which left
        // it open only if it ran elsewhere).
        match m.commit_group(known).await {
            Ok(steps) => committed(m.graph, steps, &mut report, on_event),
            Err(e) => {
                if result.is_ok() {
                    result = Err(e);
                }
            }
        }
        let _ = m.table.unlock(&mut m.conn, m.options.lock).await;
        match result {
            Ok(()) => Ok(report),
            Err(MigrateError::Statement(mut f)) => {
                f.report = report;
                Err(MigrateError::Statement(f))
            }
            Err(e) => Err(e),
        }
    }

    /// Every section of the plan is split and checked before the first statement runs. When
    /// another run changed the database under a step (see [`Migration::recheck`]), the rest
    /// is planned again for the same target from what the database now holds, as running the
    /// command again would; a relative target (`-1`, `+2`) stops there instead, since it was
    /// relative to a state that is gone.
    pub(super) async fn run_steps<'g>(
        mut self,
        m: &mut Migration<'g>,
        (target, direction): (&Target, Direction),
        known: &mut Known,
        on_event: &mut dyn FnMut(Event<'g>),
        report: &mut Report,
    ) -> Result<(), MigrateError> {
        let graph = m.graph;
        let dialect = m.conn.dialect();
        let mut prepared = prepare(graph, &self.plan, dialect)?;
        if in_callers_transaction(&m.conn) {
            refuse_outside_transaction(graph, &self.plan, dialect)?;
        }
        on_event(Event::Planned {
            steps: self.plan.steps.len(),
        });
        let mut replans = 0;
        let mut next = 0;
        // Where the steps of the open transaction begin in the plan (see
        // [`Options::group_commit`]).
        let mut group_first = 0;
        loop {
            let Some(&step) = self.plan.steps.get(next) else {
                if known.group.is_none() {
                    break;
                }
                m.commit_group_or_rewind((group_first, &mut next), known, report, on_event)
                    .await?;
                continue;
            };
            next += 1;
            let rev = &graph.node(step.revision).revision;
            let statements = prepared.get(next - 1).map_or(&[][..], Vec::as_slice);
            let attempts = m.options.lock_retries.saturating_add(1);
            let mut attempt = 1;
            let outcome = loop {
                let mut on_wait = |on: String| on_event(Event::Waiting { revision: rev, on });
                let call = StepCall {
                    index: step.revision,
                    direction: step.direction,
                    statements,
                    first_run: self.first_run,
                    report,
                    known,
                };
                let result = m.step(call, &mut on_wait).await;
                match result {
                    Err(e) if attempt < attempts && retryable(&e) => {
                        let after = backoff(attempt);
                        attempt += 1;
                        on_event(Event::Retrying {
                            revision: rev,
                            attempt,
                            attempts,
                            after,
                        });
                        tokio::time::sleep(after).await;
                    }
                    Err(e) => return Err(tried(e, attempt)),
                    Ok(outcome) => break outcome,
                }
            };
            match outcome {
                Outcome::Done(duration) => {
                    let done = (step.revision, step.direction, duration);
                    match known.group.as_mut() {
                        // It commits with the group.
                        Some(group) => {
                            if group.steps.is_empty() {
                                group_first = next - 1;
                            }
                            group.steps.push(done);
                            if group.since.elapsed() >= m.options.group_commit {
                                m.commit_group_or_rewind(
                                    (group_first, &mut next),
                                    known,
                                    report,
                                    on_event,
                                )
                                .await?;
                            }
                        }
                        None => committed(graph, vec![done], report, on_event),
                    }
                }
                Outcome::AlreadyDone => on_event(Event::AlreadyDone { revision: rev }),
                Outcome::Lost => {
                    known.alone = true;
                    next = group_first;
                }
                Outcome::Ungroup => {
                    // What ran in the open transaction commits; then the step again.
                    next -= 1;
                    m.commit_group_or_rewind((group_first, &mut next), known, report, on_event)
                        .await?;
                }
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

impl<'g> Migration<'g> {
    /// [`Self::commit_group`] within a run: what committed is reported. A commit that fails
    /// (a deferred foreign key violated, the disk full) undid the whole group: its steps run
    /// again from the first (`next` set back to `first`), each in a transaction of its own,
    /// so that the one that fails says so on its own line, and the others stay.
    async fn commit_group_or_rewind(
        &mut self,
        (first, next): (usize, &mut usize),
        known: &mut Known,
        report: &mut Report,
        on_event: &mut dyn FnMut(Event<'g>),
    ) -> Result<(), MigrateError> {
        // MySQL's steps committed as they ran: nothing to run again.
        let rewinds = known.group.as_ref().is_some_and(|g| g.transaction);
        match self.commit_group(known).await {
            Ok(steps) => committed(self.graph, steps, report, on_event),
            Err(e) if !rewinds => return Err(e),
            Err(_) => {
                known.alone = true;
                *next = first;
            }
        }
        Ok(())
    }
}

/// Steps that committed: into the report, and each said.
fn committed<'g>(
    graph: &'g RevisionGraph,
    steps: Vec<(RevIdx, Direction, Duration)>,
    report: &mut Report,
    on_event: &mut dyn FnMut(Event<'g>),
) {
    for (index, direction, duration) in steps {
        let revision = &graph.node(index).revision;
        report
            .steps
            .push((revision.id.clone(), direction, duration));
        on_event(Event::Step {
            revision,
            direction,
            duration,
        });
    }
}

pub(super) fn statement_error(
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
        lock_timeout: false,
        waited_on: None,
        attempts: 1,
        report: report.clone(),
    }))
}
