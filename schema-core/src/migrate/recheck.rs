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
        let node = self.graph.node(index);
        let applied = &state.applied;
        let recheck = match direction {
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
        };
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

/// What a step's check under the write lock found (see [`Migration::recheck`]).
pub(super) enum Recheck {
    Run,
    AlreadyDone,
    Replan,
}
