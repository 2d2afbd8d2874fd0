//! What the version table says: the applied state mapped onto the graph, dirty rows, and
//! the rows this crate writes.

use super::*;

pub(super) fn dirty_summary(done: i64, rolling_back: bool, error: Option<&str>) -> String {
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

/// What a run knows the version table holds, kept between its steps, and between the single
/// steps of a walk (see [`Migration::step_one_with`]), so that the table is not read again
/// before each step. Only where the database says whether another connection committed since
/// (SQLite's `PRAGMA data_version`, which this connection's own commits leave as it is): what
/// was read is used as long as that counter has not moved, updated with what this run's steps
/// did; once it moved, the table is read again. A step that fails forgets it all.
#[derive(Debug, Default)]
pub struct Known {
    /// The counter when the state was read, and the state as this run's steps changed it.
    state: Option<(i64, State)>,
    /// The connection's busy timeout outside the tries at SQLite's write lock.
    pub(super) busy_timeout: Option<i64>,
    /// The connection's session id on the server, once asked (see
    /// [`Migration::observed_session`]).
    pub(super) session: Option<Option<i64>>,
    /// The run's last steps, not yet reported: SQLite's open transaction they ran in, or
    /// MySQL's steps whose last outcome is not written yet (see [`Options::group_commit`]).
    pub(super) group: Option<Group>,
    /// Each step commits alone: no [`Group`] is begun.
    pub(super) alone: bool,
    /// MySQL: the last step's outcome (its row applied, or gone), not yet written: it goes in
    /// the transaction of the next step's dirty mark, which that step's first statement
    /// commits, or alone when its [`Group`] commits.
    pub(super) outcome: Option<(Direction, AppliedRow)>,
}

/// Steps that ran and are reported together once their record is durable: on SQLite in one
/// transaction, each under its savepoint.
#[derive(Debug)]
pub(super) struct Group {
    /// When the transaction began.
    pub(super) since: Instant,
    /// What ran in it: reported once it committed.
    pub(super) steps: Vec<(RevIdx, Direction, Duration)>,
    /// SQLite: the steps are in an open transaction. MySQL: they committed as they ran, all
    /// but the last one's outcome (see [`Known::outcome`]).
    pub(super) transaction: bool,
}

impl Known {
    /// The counter a state is kept at while the run holds the migration lock for its whole
    /// length (no other run writes the table; never a `data_version`).
    pub(super) const HELD: i64 = i64::MIN;

    /// The state, if the counter still says `version` (nothing else committed since it was
    /// read); taken out, to be kept again with [`Known::keep`].
    pub(super) fn take(&mut self, version: i64) -> Option<State> {
        match self.state.take() {
            Some((v, state)) if v == version => Some(state),
            _ => None,
        }
    }

    /// The row of `revision`, if the run knows the table and it has one.
    pub(super) fn row(&self, revision: &str) -> Option<&AppliedRow> {
        let (_, state) = self.state.as_ref()?;
        state.rows.iter().rev().find(|r| r.revision == revision)
    }

    /// The state and the counter it was read at, left in place.
    pub(super) fn peek(&self) -> Option<(i64, &State)> {
        self.state.as_ref().map(|(v, state)| (*v, state))
    }

    /// Keeps `state`, read (or known to hold) when the counter said `version`.
    pub(super) fn keep(&mut self, version: i64, state: State) {
        self.state = Some((version, state));
    }

    /// Reads the table again next time.
    pub(super) fn forget(&mut self) {
        self.state = None;
    }

    /// A step of this run committed: applying `index` recorded `row`, rolling it back removed
    /// its row.
    pub(super) fn stepped(&mut self, index: RevIdx, direction: Direction, row: AppliedRow) {
        let Some((_, state)) = &mut self.state else {
            return;
        };
        match direction {
            Direction::Up => {
                state.rows.push(row);
                state.applied.insert(index);
            }
            Direction::Down => {
                // The newest rows go first: searched from the end.
                if let Some(at) = state.rows.iter().rposition(|r| r.revision == row.revision) {
                    state.rows.remove(at);
                }
                state.applied.remove(index);
            }
        }
    }
}

/// Reads the version table (an absent table is an empty one) and maps it onto the graph.
pub async fn state(
    conn: &mut Conn,
    table: &VersionTable,
    graph: &RevisionGraph,
) -> Result<State, MigrateError> {
    if !table.exists(conn).await? {
        return Ok(State {
            rows: Vec::new(),
            applied: graph.empty_set(),
        });
    }
    state_of_existing(conn, table, graph).await
}

/// [`state`] of a table known to exist (just made sure of by [`VersionTable::ensure`]).
pub(super) async fn state_of_existing(
    conn: &mut Conn,
    table: &VersionTable,
    graph: &RevisionGraph,
) -> Result<State, MigrateError> {
    let rows = table.rows(conn).await?;
    let applied = graph.applied_set(rows.iter().map(|r| r.revision.as_str()))?;
    Ok(State { rows, applied })
}

/// The row of a recorded revision named by its id or a unique prefix of it.
pub(super) fn recorded_id<'r>(ids: &[&'r str], revision: &str) -> Result<&'r str, MigrateError> {
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

pub(super) fn refuse_dirty(state: &State, graph: &RevisionGraph) -> Result<(), MigrateError> {
    match state.dirty() {
        Some(row) => Err(MigrateError::Dirty {
            revision: row.revision.clone(),
            path: graph
                .index_of(&row.revision)
                .map(|i| graph.node(i).revision.path.clone()),
            statements_done: row.statements_done,
            rolling_back: row.state == RowState::DirtyDown,
            error: row.error.clone(),
        }),
        None => Ok(()),
    }
}

pub(super) fn elapsed_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

pub(super) fn row(
    rev: &Revision,
    state: RowState,
    statements: usize,
    duration: Duration,
) -> AppliedRow {
    AppliedRow {
        revision: rev.id.clone(),
        checksum: checksum(rev),
        applied_at: now(),
        duration_ms: elapsed_ms(duration),
        down_sql: rev.down.as_ref().map(|d| d.sql.clone()),
        state,
        statements_done: statements as i64,
        error: None,
    }
}
