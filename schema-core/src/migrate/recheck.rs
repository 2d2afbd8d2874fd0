//! The check under the write lock before each step, where no lock is held for the whole
//! run: another run may have changed the database since the plan was made.

use super::*;

impl<'g> Migration<'g> {
    /// Whether each step re-reads the version table under the database's write lock before it
    /// runs: where no lock is held for the whole run (SQLite, whose runs serialize only step by
    /// step on `BEGIN IMMEDIATE`, and `lock = "none"`), another run may change the database
    /// between two steps.
    pub(super) fn rechecks(&self) -> bool {
        self.conn.dialect().locks_per_step() || self.options.lock == LockMode::None
    }

    /// Under the write lock: whether the step still follows from what the database holds.
    /// Up: every parent and dependency applied and itself not; down: itself applied and
    /// nothing applied that needs it.
    ///
    /// `version` is what says whether another connection committed since `known` was read
    /// (see [`Known`]): when none did, what the run knows is what the table holds, and it is
    /// not read again.
    pub(super) async fn recheck(
        &mut self,
        index: RevIdx,
        direction: Direction,
        version: Option<i64>,
        known: &mut Known,
    ) -> Result<Recheck, MigrateError> {
        let state = match version.and_then(|v| known.take(v)) {
            // Checked for dirty rows when it was read; this run's steps leave none.
            Some(state) => state,
            None => {
                let state = state(&mut self.conn, &self.table, self.graph).await?;
                refuse_dirty(&state, self.graph)?;
                state
            }
        };
        let recheck = decide(self.graph, index, direction, &state.applied);
        if let Some(v) = version {
            known.keep(v, state);
        }
        Ok(recheck)
    }

    /// [`Self::recheck`] inside a transaction that is left open only when the step is to run.
    pub(super) async fn recheck_in_transaction(
        &mut self,
        index: RevIdx,
        direction: Direction,
        known: &mut Known,
    ) -> Result<Recheck, MigrateError> {
        let version = self.begin_known(true, known).await?;
        match self.recheck(index, direction, version, known).await {
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
}

/// Whether the step still follows from `applied` (see [`Migration::recheck`]).
fn decide(
    graph: &RevisionGraph,
    index: RevIdx,
    direction: Direction,
    applied: &RevisionSet,
) -> Recheck {
    let node = graph.node(index);
    match direction {
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
    }
}

/// SQLite's busy timeout while a run tries to take the write lock (see
/// [`Migration::begin_sqlite`]), in milliseconds.
pub(super) const TRY_LOCK_MS: i64 = 200;

/// The savepoint a section runs under inside its step's transaction, so that a failing batch
/// can be undone to it and its statements run again one by one (see
/// [`Migration::execute_batch`]).
pub(super) const SECTION_SAVEPOINT: &str = "cargo_schema_section";

/// How [`Migration::one_trip`] ended.
pub(super) enum OneTrip {
    /// The section ran and committed with its row.
    Committed,
    /// Not tried, or stopped and rolled back: the step goes the usual way (the write lock,
    /// the check, the section, the row, each a round trip), which also says precisely what
    /// failed, if anything does again.
    Usual,
}

impl<'g> Migration<'g> {
    /// A step of a run that knows what the version table holds (see [`Known`]), in one round
    /// trip: the write lock, the section, the row and `COMMIT`. The row's statement asserts
    /// that no other connection committed since the run last looked (SQLite's `data_version`)
    /// and fails the batch when one did, before `COMMIT`; the database computes the row's
    /// duration. What the step's usual way guarantees holds: the section and its row commit
    /// together or not at all, under the write lock, only while the table says the step is
    /// due. Anything that stops the batch before `COMMIT` (the lock busy, another connection's
    /// commit, a failing statement) rolls back and leaves the step to the usual way.
    ///
    /// Only for a transactional section on SQLite that checks no foreign keys afterwards, the
    /// run's own transaction (not a caller's), and values a literal can carry.
    pub(super) async fn one_trip(
        &mut self,
        (index, direction): (RevIdx, Direction),
        statements: &[Statement],
        applied: &AppliedRow,
        known: &mut Known,
    ) -> Result<OneTrip, MigrateError> {
        let dialect = self.conn.dialect();
        let (Some(usual), Some((version, state))) = (known.busy_timeout, known.peek()) else {
            return Ok(OneTrip::Usual);
        };
        if !dialect.batches_sections()
            || in_callers_transaction(&self.conn)
            || !matches!(
                decide(self.graph, index, direction, &state.applied),
                Recheck::Run
            )
        {
            return Ok(OneTrip::Usual);
        }
        // `value` while no other connection committed since the run read `version`; otherwise
        // an error (abs() of the smallest integer is SQLite's one way to fail on demand).
        let unless_changed = |value: &str| {
            format!(
                "(SELECT CASE WHEN data_version = {version} THEN {value} ELSE abs(-9223372036854775808) END FROM pragma_data_version)"
            )
        };
        let record = match direction {
            Direction::Up => {
                // Milliseconds since the epoch, now and when the database writes the row.
                let started = crate::clock::Utc::now().epoch_millis();
                let duration = unless_changed(&format!(
                    "MAX(0, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) - {started})"
                ));
                self.table.insert_literal_timed(dialect, applied, &duration)
            }
            Direction::Down => {
                self.table
                    .delete_literal_via(dialect, &applied.revision, |quoted| {
                        unless_changed(&quoted)
                    })
            }
        };
        let Some(record) = record else {
            return Ok(OneTrip::Usual);
        };
        let mut batch = format!(
            "PRAGMA busy_timeout = {TRY_LOCK_MS};\nBEGIN IMMEDIATE;\nPRAGMA busy_timeout = {usual}"
        );
        for stmt in statements.iter().map(|s| s.sql.as_str()) {
            then(&mut batch, stmt);
        }
        then(&mut batch, &record);
        then(&mut batch, "COMMIT");
        let (done, error) = match self.conn.execute_counted(&batch).await {
            Ok(()) => return Ok(OneTrip::Committed),
            Err(failed) => failed,
        };
        // The two tries at the lock and the busy timeout put back, the section, the row.
        let committing = 3 + statements.len() + 1;
        if done >= committing {
            return Err(DbError::query(error, "COMMIT").into());
        }
        // Undo what began (the transaction, the short busy timeout) and go the usual way,
        // which waits for the lock, reads the table again, and finds what failed.
        if done >= 2 {
            self.execute_control("ROLLBACK").await?;
        }
        if done == committing - 1 {
            known.forget();
        }
        self.execute_control(&format!("PRAGMA busy_timeout = {usual}"))
            .await?;
        Ok(OneTrip::Usual)
    }
}

/// What a step's check under the write lock found (see [`Migration::recheck`]).
pub(super) enum Recheck {
    Run,
    AlreadyDone,
    Replan,
}
