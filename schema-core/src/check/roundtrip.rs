//! `check --roundtrip`, stepwise: for every revision in topological order (every branch of a
//! branched graph), up one, down one, up one again, on a scratch database; and a down leaves no
//! trace: the schema after the down equals the schema before the up.
//!
//! Reading the whole schema after every step would make the walk quadratic, so each dialect's
//! catalog fingerprint ([`crate::autogen::fingerprint`], one query) is compared first; only on
//! a difference are both schemas read into autogenerate's model and compared. The schema before
//! the up is then rebuilt on a second scratch database by replaying the steps run so far
//! (differences are findings, so rare).

use super::Finding;
use crate::autogen::diff::{Change, diff};
use crate::autogen::generate::on_scratch;
use crate::autogen::{AutogenError, Renames, Schema, Scratch, fingerprint, introspect_app};
use crate::db::{Conn, DatabaseUrl, VersionTable};
use crate::graph::{RevIdx, RevisionGraph};
use crate::migrate::{Known, Migration, Options};
use crate::plan::{Direction, PlanError};

/// What the round trip did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roundtrip {
    /// Where it ran: "SQLite in memory", or the scratch database's description (dropped).
    pub place: String,
    /// How many revisions went up, down and up again.
    pub stepped: usize,
    /// What went wrong: [`Finding::Roundtrip`] (a section failed, a revision is irreversible),
    /// [`Finding::Trace`], [`Finding::UpAgain`].
    pub findings: Vec<Finding>,
}

/// What a down section left behind or took away, as objects of the schema.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// There after the down, not before the up (`index ix_books_title on books`).
    pub left: Vec<String>,
    /// There before the up, gone after the down.
    pub lost: Vec<String>,
    /// There on both sides but different (a column's type, a view's query).
    pub changed: Vec<String>,
}

impl Trace {
    /// What takes `before` to `after`, object by object.
    pub fn between(before: &Schema, after: &Schema) -> Trace {
        let mut trace = Trace::default();
        for change in diff(before, after, &Renames::default()) {
            let object = match &change {
                Change::CreateTable(t) | Change::DropTable(t) => format!("table {}", t.name),
                Change::AddColumn { table, column } | Change::DropColumn { table, column } => {
                    format!("column {table}.{}", column.name)
                }
                Change::CreateIndex { table, index } | Change::DropIndex { table, index } => {
                    format!("index {} on {table}", index.name)
                }
                Change::AddUnique { table, unique } | Change::DropUnique { table, unique } => {
                    format!(
                        "unique constraint on {table} ({})",
                        unique.columns.join(", ")
                    )
                }
                Change::AddCheck { table, check } | Change::DropCheck { table, check } => {
                    format!("check constraint on {table}: {}", check.expression)
                }
                Change::AddPrimaryKey { table, primary_key }
                | Change::DropPrimaryKey { table, primary_key } => {
                    format!(
                        "primary key of {table} ({})",
                        primary_key.columns.join(", ")
                    )
                }
                Change::AddForeignKey { table, foreign_key }
                | Change::DropForeignKey { table, foreign_key } => format!(
                    "foreign key {table} ({}) -> {}",
                    foreign_key.columns.join(", "),
                    foreign_key.referenced_table
                ),
                Change::CreateView(v) | Change::DropView(v) => format!("view {}", v.name),
                Change::CreateEnum(e) | Change::DropEnum(e) => format!("enum type {}", e.name),
                other => {
                    trace.changed.push(other.describe());
                    continue;
                }
            };
            // An object the diff adds is left behind by the down; one it drops was lost.
            if adds(&change) {
                trace.left.push(object);
            } else {
                trace.lost.push(object);
            }
        }
        trace
    }

    pub fn is_empty(&self) -> bool {
        self.left.is_empty() && self.lost.is_empty() && self.changed.is_empty()
    }
}

/// Whether `change` makes an object (rather than dropping or altering one).
fn adds(change: &Change) -> bool {
    matches!(
        change,
        Change::CreateTable(_)
            | Change::CreateView(_)
            | Change::CreateEnum(_)
            | Change::AddColumn { .. }
            | Change::AddPrimaryKey { .. }
            | Change::CreateIndex { .. }
            | Change::AddUnique { .. }
            | Change::AddCheck { .. }
            | Change::AddForeignKey { .. }
    )
}

impl std::fmt::Display for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = [
            ("left", &self.left),
            ("lost", &self.lost),
            ("changed", &self.changed),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(what, v)| format!("{what} {}", v.join(", ")))
        .collect();
        f.write_str(&parts.join("; "))
    }
}

/// The stepwise round trip on a scratch database like `server` (see the module's comment).
///
/// A revision failing is a finding; `Err` means the round trip did not run or could not go on
/// (no right to create the scratch database, a catalog that cannot be read, an interruption).
/// `interrupt` (the CLI's Ctrl-C and SIGTERM) drops the scratch databases and ends it.
pub async fn roundtrip(
    graph: &RevisionGraph,
    server: &DatabaseUrl,
    interrupt: &crate::scratch::Interrupt,
) -> Result<Roundtrip, AutogenError> {
    on_scratch(server, interrupt, async |scratch: &Scratch| {
        let mut m = migration(graph, &scratch.url).await?;
        let result = walk(&mut m, server, interrupt).await;
        m.conn.close().await;
        let (stepped, findings) = result?;
        Ok(Roundtrip {
            place: match scratch.name() {
                Some(_) => format!("{}, dropped", scratch.describe()),
                None => "SQLite in memory".to_string(),
            },
            stepped,
            findings,
        })
    })
    .await
}

async fn migration<'g>(
    graph: &'g RevisionGraph,
    url: &DatabaseUrl,
) -> Result<Migration<'g>, AutogenError> {
    let m = Migration {
        graph,
        conn: Conn::connect(url).await?,
        table: VersionTable::new("schema_version"),
        options: Options {
            lock: crate::config::LockMode::None,
            allow_edited: true,
            ..Options::default()
        },
    };
    Ok(m)
}

/// Steps through every revision; stops at the first section that fails (what follows would
/// run on a database the revisions do not describe). Returns how many revisions went up, down
/// and up again, and the findings.
async fn walk(
    m: &mut Migration<'_>,
    server: &DatabaseUrl,
    interrupt: &crate::scratch::Interrupt,
) -> Result<(usize, Vec<Finding>), AutogenError> {
    let graph = m.graph;
    m.table.ensure(&mut m.conn).await?;
    // The steps that ran, to rebuild the schema before an up on another scratch database.
    let mut log: Vec<(RevIdx, Direction)> = Vec::new();
    let mut findings = Vec::new();
    let mut stepped = 0;
    // What the version table holds, kept from one step to the next (not read again each time).
    let mut known = Known::default();
    for &r in graph.topological_order() {
        let rev = graph.revision(r);
        let before = fingerprint(&mut m.conn).await?;
        let replay_to = log.len();
        if let Err(error) = step(m, &mut known, &mut log, r, Direction::Up).await {
            findings.push(Finding::Roundtrip { error });
            break;
        }
        let Some(down) = &rev.down else {
            // As before the round trip was stepwise: a revision without a down section fails
            // it. The walk goes on through it.
            findings.push(Finding::Roundtrip {
                error: PlanError::Irreversible {
                    revision: rev.id.clone(),
                    path: rev.path.clone(),
                }
                .to_string(),
            });
            continue;
        };
        if let Err(error) = step(m, &mut known, &mut log, r, Direction::Down).await {
            findings.push(Finding::Roundtrip { error });
            break;
        }
        if fingerprint(&mut m.conn).await? != before {
            let after = introspect_app(&mut m.conn, &m.table).await?;
            let before = replayed(graph, server, interrupt, &log[..replay_to]).await?;
            let trace = Trace::between(&before, &after);
            if !trace.is_empty() {
                findings.push(Finding::Trace {
                    revision: rev.id.clone(),
                    path: rev.path.clone(),
                    line: down.line,
                    trace,
                });
            }
        }
        if let Err(error) = step(m, &mut known, &mut log, r, Direction::Up).await {
            findings.push(Finding::UpAgain {
                revision: rev.id.clone(),
                error,
            });
            break;
        }
        stepped += 1;
    }
    Ok((stepped, findings))
}

/// Steps revision `r` in `direction` and adds the step to `log`; the error's text when it
/// fails (a finding: the walk stops there).
async fn step(
    m: &mut Migration<'_>,
    known: &mut Known,
    log: &mut Vec<(RevIdx, Direction)>,
    r: RevIdx,
    direction: Direction,
) -> Result<(), String> {
    m.step_one_with(r, direction, known, &mut |_| {})
        .await
        .map_err(|e| e.to_string())?;
    log.push((r, direction));
    Ok(())
}

/// The schema after `steps`, run again on a fresh scratch database like `server`.
async fn replayed(
    graph: &RevisionGraph,
    server: &DatabaseUrl,
    interrupt: &crate::scratch::Interrupt,
    steps: &[(RevIdx, Direction)],
) -> Result<Schema, AutogenError> {
    on_scratch(server, interrupt, async |scratch: &Scratch| {
        let mut m = migration(graph, &scratch.url).await?;
        let result = async {
            m.table.ensure(&mut m.conn).await?;
            let mut known = Known::default();
            for &(r, direction) in steps {
                m.step_one_with(r, direction, &mut known, &mut |_| {})
                    .await?;
            }
            Ok::<_, AutogenError>(introspect_app(&mut m.conn, &m.table).await?)
        }
        .await;
        m.conn.close().await;
        result
    })
    .await
}

/// For [`Finding::Trace`]'s location.
pub(super) fn location(path: &std::path::Path, line: usize) -> String {
    format!("{}:{line}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autogen::model::{Column, Index, Table};

    fn table(name: &str, columns: &[&str], indexes: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: columns
                .iter()
                .map(|c| Column {
                    name: (*c).into(),
                    data_type: "INTEGER".into(),
                    nullable: true,
                    ..Column::default()
                })
                .collect(),
            indexes: indexes
                .iter()
                .map(|i| Index {
                    name: (*i).into(),
                    columns: vec!["id".into()],
                    ..Index::default()
                })
                .collect(),
            ..Table::default()
        }
    }

    fn schema(tables: Vec<Table>) -> Schema {
        Schema {
            tables: tables.into_iter().map(|t| (t.name.clone(), t)).collect(),
            ..Schema::default()
        }
    }

    #[test]
    fn the_same_schema_leaves_no_trace() {
        let s = schema(vec![table("a", &["id"], &["ix"])]);
        assert!(Trace::between(&s, &s.clone()).is_empty());
    }

    #[test]
    fn objects_left_and_lost_are_named() {
        let before = schema(vec![
            table("a", &["id", "x"], &[]),
            table("b", &["id"], &[]),
        ]);
        let after = schema(vec![
            table("a", &["id"], &["ix_a"]),
            table("c", &["id"], &[]),
        ]);
        let trace = Trace::between(&before, &after);
        assert_eq!(trace.left, ["table c", "index ix_a on a"]);
        assert_eq!(trace.lost, ["table b", "column a.x"]);
        assert!(trace.changed.is_empty(), "{trace:?}");
        assert_eq!(
            trace.to_string(),
            "left table c, index ix_a on a; lost table b, column a.x"
        );
    }
}
