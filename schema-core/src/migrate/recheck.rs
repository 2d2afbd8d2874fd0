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

/// The savepoint each step of a [`Group`] runs under, so that one that fails is undone alone.
const GROUP_STEP_SAVEPOINT: &str = "cargo_schema_grouped";

/// How [`Migration::one_trip`] ended.
pub(super) enum OneTrip {
    /// The section ran with its row, in the run's open [`Group`], to commit with it.
    Ran,
    /// Not tried, or stopped and rolled back: the step goes the usual way (the write lock,
    /// the check, the section, the row, each a round trip), which also says precisely what
    /// failed, if anything does again.
    Usual,
    /// As [`OneTrip::Usual`], while a group is open: what ran in it commits first.
    Ungroup,
    /// The step ended the group's transaction: everything in it is undone, to run again.
    Lost,
}

impl<'g> Migration<'g> {
    /// A step of a run that knows what the version table holds (see [`Known`]), in one round
    /// trip: the section and its row under a savepoint, in the run's open transaction (see
    /// [`Options::group_commit`]) or in one it begins, taking the write lock, in the same
    /// batch. The row's statement asserts that no other connection committed since the run
    /// last looked (SQLite's `data_version`) and fails the batch when one did; the database
    /// computes the row's duration. What the step's usual way guarantees holds: the section
    /// and its row commit together or not at all, under the write lock, only while the table
    /// says the step is due. Anything that stops the batch (the lock busy, another
    /// connection's commit, a failing statement) undoes the step and leaves it to the usual
    /// way, after what ran before it in the transaction commits.
    ///
    /// Only for a transactional section on SQLite that checks no foreign keys afterwards, the
    /// run's own transaction (not a caller's), and values a literal can carry. A section with
    /// a pragma, or any where the run groups nothing, commits in the same batch.
    pub(super) async fn one_trip(
        &mut self,
        (index, direction): (RevIdx, Direction),
        statements: &[Statement],
        applied: &AppliedRow,
        known: &mut Known,
    ) -> Result<OneTrip, MigrateError> {
        let dialect = self.conn.dialect();
        let grouped = known.group.is_some();
        let usual = if grouped {
            OneTrip::Ungroup
        } else {
            OneTrip::Usual
        };
        // A section's pragmas may last until its transaction ends (`defer_foreign_keys`):
        // it commits alone, as every step does when the run does not group them.
        let alone = known.alone
            || statements.iter().any(|s| {
                leading_words(&s.sql, 1)
                    .first()
                    .is_some_and(|w| w == "PRAGMA")
            });
        if grouped && alone {
            return Ok(OneTrip::Ungroup);
        }
        let (Some(busy), Some((version, state))) = (known.busy_timeout, known.peek()) else {
            return Ok(usual);
        };
        if !dialect.batches_sections()
            || in_callers_transaction(&self.conn)
            || !matches!(
                decide(self.graph, index, direction, &state.applied),
                Recheck::Run
            )
        {
            return Ok(usual);
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
            return Ok(usual);
        };
        // The tries at the lock and the busy timeout put back, when the transaction begins.
        let opening = if grouped { 0 } else { 3 };
        let mut batch = match grouped {
            true => format!("SAVEPOINT {GROUP_STEP_SAVEPOINT}"),
            false => format!(
                "PRAGMA busy_timeout = {TRY_LOCK_MS};\nBEGIN IMMEDIATE;\nPRAGMA busy_timeout = {busy};\nSAVEPOINT {GROUP_STEP_SAVEPOINT}"
            ),
        };
        for stmt in statements.iter().map(|s| s.sql.as_str()) {
            then(&mut batch, stmt);
        }
        then(&mut batch, &record);
        then(&mut batch, &format!("RELEASE {GROUP_STEP_SAVEPOINT}"));
        let commit = opening + 1 + statements.len() + 2;
        if alone {
            then(&mut batch, "COMMIT");
        }
        let (done, error) = match self.conn.execute_counted(&batch).await {
            Ok(()) => {
                if !alone && !grouped {
                    known.group = Some(Group {
                        since: Instant::now(),
                        steps: Vec::new(),
                        transaction: true,
                    });
                }
                return Ok(OneTrip::Ran);
            }
            Err(failed) => failed,
        };
        if done == commit {
            let _ = self.conn.execute("ROLLBACK").await;
            known.forget();
            return Err(DbError::query(error, "COMMIT").into());
        }
        if done == opening + 1 + statements.len() {
            // The row's assertion: another connection committed.
            known.forget();
        }
        if grouped {
            // Undo this step alone; what ran before it in the transaction is kept, to commit
            // before the step goes the usual way.
            let undo =
                format!("ROLLBACK TO {GROUP_STEP_SAVEPOINT};\nRELEASE {GROUP_STEP_SAVEPOINT}");
            if self.conn.execute(&undo).await.is_err() {
                // The statement ended the transaction itself (`INSERT OR ROLLBACK`, a trigger's
                // `RAISE(ROLLBACK)`, a full disk): the steps that ran in it are undone too,
                // and were never reported. They run again, each alone.
                drop(error);
                known.group = None;
                known.forget();
                let _ = self.conn.execute("ROLLBACK").await;
                return Ok(OneTrip::Lost);
            }
            return Ok(OneTrip::Ungroup);
        }
        // Undo what began (the transaction, the short busy timeout) and go the usual way,
        // which waits for the lock, reads the table again, and finds what failed. (A
        // transaction SQLite already ended has nothing to roll back.)
        if done >= 2 {
            let _ = self.conn.execute("ROLLBACK").await;
        }
        self.execute_control(&format!("PRAGMA busy_timeout = {busy}"))
            .await?;
        Ok(OneTrip::Usual)
    }

    /// Commits the run's open [`Group`], if there is one, and returns what ran in it. When
    /// the commit fails, the transaction is rolled back and the error says so: nothing of the
    /// group was reported, and nothing of it stays.
    pub(super) async fn commit_group(
        &mut self,
        known: &mut Known,
    ) -> Result<Vec<(RevIdx, Direction, Duration)>, MigrateError> {
        let Some(group) = known.group.take() else {
            return Ok(Vec::new());
        };
        if !group.transaction {
            // MySQL: the steps committed as they ran; the last one's outcome is written now.
            if let Some((direction, applied)) = known.outcome.take() {
                self.record_outcome(direction, &applied).await?;
            }
            return Ok(group.steps);
        }
        if let Err(e) = self.conn.execute("COMMIT").await {
            let _ = self.conn.execute("ROLLBACK").await;
            known.forget();
            return Err(DbError::query(e, "COMMIT").into());
        }
        Ok(group.steps)
    }
}

/// What a step's check under the write lock found (see [`Migration::recheck`]).
pub(super) enum Recheck {
    Run,
    AlreadyDone,
    Replan,
}
