//! The SQLite observer: runs a section statement by statement on the rehearsal database (in
//! the revision's own transaction mode) and reads `sqlite_schema` and the pragmas after each
//! one.
//!
//! A table is known by its `rootpage`: `ALTER TABLE … RENAME TO` keeps it, and the 12-step
//! recipe (create a new table, copy the rows, drop the old one, rename the new one into its
//! place) gives the name another. A table that existed before the revision and, by its end,
//! stands under its name with another root page was rebuilt: `sqlite-table-rebuild`, placed
//! at the statement where the old table went away; not a drop-table. One gone by the end is
//! a drop-table; one under another name (with its root page) a rename-table. Columns are
//! compared by position (`pragma table_info`). `fk-without-index` reads `pragma
//! foreign_key_list` and the indexes' `pragma index_list` / `index_info`.

use std::collections::{BTreeMap, BTreeSet};

use super::{Observed, REVISION_FAILS};
use crate::db::{Conn, DbError};
use crate::split::Statement;

#[derive(Debug, Clone, Default)]
struct Snapshot {
    /// name → rootpage.
    tables: BTreeMap<String, String>,
    /// table → column names in order.
    cols: BTreeMap<String, Vec<String>>,
    /// table → each index's columns in order.
    idx: BTreeMap<String, Vec<Vec<String>>>,
    /// (table, referencing columns, referenced table).
    fks: BTreeSet<(String, Vec<String>, String)>,
}

const TABLES: &str = "SELECT name, CAST(rootpage AS TEXT) FROM sqlite_master \
                      WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'";

async fn snapshot(conn: &mut Conn) -> Result<Snapshot, DbError> {
    let mut s = Snapshot::default();
    for row in conn.fetch_strings(TABLES).await? {
        if let (Some(Some(name)), Some(Some(root))) = (row.first(), row.get(1)) {
            s.tables.insert(name.clone(), root.clone());
        }
    }
    let cols = conn
        .fetch_strings(
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' ORDER BY m.name, p.cid",
        )
        .await?;
    for row in cols {
        if let (Some(Some(t)), Some(Some(c))) = (row.first(), row.get(1)) {
            s.cols.entry(t.clone()).or_default().push(c.clone());
        }
    }
    let idx = conn
        .fetch_strings(
            "SELECT m.name, l.name, i.name FROM sqlite_master m, pragma_index_list(m.name) l, \
             pragma_index_info(l.name) i WHERE m.type = 'table' ORDER BY m.name, l.name, i.seqno",
        )
        .await?;
    let mut by_index: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for row in idx {
        if let (Some(Some(t)), Some(Some(i)), Some(Some(c))) = (row.first(), row.get(1), row.get(2))
        {
            by_index
                .entry((t.clone(), i.clone()))
                .or_default()
                .push(c.clone());
        }
    }
    for ((t, _), cols) in by_index {
        s.idx.entry(t).or_default().push(cols);
    }
    let fks = conn
        .fetch_strings(
            "SELECT m.name, CAST(f.id AS TEXT), f.\"from\", f.\"table\" FROM sqlite_master m, \
             pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq",
        )
        .await?;
    let mut by_fk: BTreeMap<(String, String), (Vec<String>, String)> = BTreeMap::new();
    for row in fks {
        if let (Some(Some(t)), Some(Some(id)), Some(Some(from)), Some(Some(to))) =
            (row.first(), row.get(1), row.get(2), row.get(3))
        {
            let e = by_fk
                .entry((t.clone(), id.clone()))
                .or_insert_with(|| (Vec::new(), to.clone()));
            e.0.push(from.clone());
        }
    }
    for ((t, _), (from, to)) in by_fk {
        s.fks.insert((t, from, to));
    }
    Ok(s)
}

/// Runs `statements` and says what they did.
pub(super) async fn observe(
    conn: &mut Conn,
    statements: &[Statement],
    transactional: bool,
) -> Result<Vec<Observed>, DbError> {
    let start = snapshot(conn).await?;
    let mut steps: Vec<(usize, Snapshot)> = Vec::new();
    let mut out = Vec::new();
    if transactional {
        conn.execute("BEGIN")
            .await
            .map_err(|e| DbError::query(e, "BEGIN"))?;
    }
    for st in statements {
        if let Err(e) = conn.execute(&st.sql).await {
            out.push(super::statement_fails(
                st.line,
                &super::first_two_words(&st.sql),
                &e,
            ));
            if transactional {
                let _ = conn.execute("ROLLBACK").await;
            }
            return Ok(out);
        }
        steps.push((st.line, snapshot(conn).await?));
    }
    if transactional && let Err(e) = conn.execute("COMMIT").await {
        let line = statements.last().map_or(1, |s| s.line);
        out.push(Observed {
            rule: REVISION_FAILS,
            line,
            message: format!(
                "the revision's COMMIT fails on the rehearsal database: {}",
                super::rehearse::message(&e)
            ),
            help: Vec::new(),
        });
        return Ok(out);
    }
    let Some((last_line, end)) = steps.last() else {
        return Ok(out);
    };
    let (last_line, end) = (*last_line, end.clone());
    tables(&start, &steps, &end, last_line, &mut out);
    fk_without_index(&start, &steps, &end, &mut out);
    out.sort_by_key(|o| o.line);
    Ok(out)
}

/// The line of the first statement after which `gone` holds.
fn first(steps: &[(usize, Snapshot)], gone: impl Fn(&Snapshot) -> bool, or: usize) -> usize {
    steps
        .iter()
        .find(|(_, s)| gone(s))
        .map_or(or, |(line, _)| *line)
}

fn tables(
    start: &Snapshot,
    steps: &[(usize, Snapshot)],
    end: &Snapshot,
    last_line: usize,
    out: &mut Vec<Observed>,
) {
    for (table, root) in &start.tables {
        let moved = |s: &Snapshot| s.tables.get(table) != Some(root);
        let line = first(steps, moved, last_line);
        let before = start.cols.get(table).cloned().unwrap_or_default();
        let (now, name) = match end.tables.get(table) {
            // Untouched, or columns renamed or dropped in place.
            Some(r) if r == root => (end.cols.get(table), table.clone()),
            Some(_) => {
                out.push(Observed {
                    rule: "sqlite-table-rebuild",
                    line,
                    message: format!(
                        "`{table}` is dropped and re-created under its name (the table rebuild): every row is copied while the whole database is locked for writes"
                    ),
                    help: vec![
                        "on a large table, run it when writers can wait, or make the change without a rebuild (ALTER TABLE … ADD COLUMN / RENAME COLUMN / DROP COLUMN work in place)".into(),
                        "if the table is small, silence it: `-- lint: allow sqlite-table-rebuild small table`".into(),
                    ],
                });
                (end.cols.get(table), table.clone())
            }
            None => match renamed_to(start, steps, table, root)
                .filter(|n| end.tables.get(n) == Some(root))
            {
                Some(new) => {
                    out.push(Observed {
                        rule: "rename-table",
                        line,
                        message: format!("`{table}` is renamed to `{new}`: running code that uses the old name fails"),
                        help: vec![format!(
                            "rename it and create a view `{table}` over it (`CREATE VIEW {table} AS SELECT * FROM {new}`) until the code uses the new name"
                        )],
                    });
                    (end.cols.get(&new), new.clone())
                }
                None => {
                    out.push(Observed {
                        rule: "drop-table",
                        line,
                        message: format!("`{table}` is dropped: running code that still uses it fails"),
                        help: vec!["deploy code that no longer uses the table first, then drop it in a later revision".into()],
                    });
                    continue;
                }
            },
        };
        let now = now.cloned().unwrap_or_default();
        columns(table, &name, &before, &now, steps, line, out);
    }
}

/// The name `table` (root page `root`) took in the statement where it went away: a table new
/// in that statement on the same root page (a table created later may reuse a dropped one's
/// root page: that is no rename).
fn renamed_to(
    start: &Snapshot,
    steps: &[(usize, Snapshot)],
    table: &str,
    root: &str,
) -> Option<String> {
    let k = steps
        .iter()
        .position(|(_, s)| !s.tables.contains_key(table))?;
    let before = if k == 0 { start } else { &steps[k - 1].1 };
    steps[k]
        .1
        .tables
        .iter()
        .find(|(n, r)| *r == root && !before.tables.contains_key(*n))
        .map(|(n, _)| n.clone())
}

/// Columns of `table` (now `name`) renamed or dropped.
fn columns(
    table: &str,
    name: &str,
    before: &[String],
    now: &[String],
    steps: &[(usize, Snapshot)],
    or: usize,
    out: &mut Vec<Observed>,
) {
    for (i, col) in before.iter().enumerate() {
        if now.contains(col) {
            continue;
        }
        let line = first(
            steps,
            |s| s.cols.get(table).is_some_and(|c| !c.contains(col)),
            or,
        );
        let renamed = (now.len() == before.len())
            .then(|| now.get(i))
            .flatten()
            .filter(|n| !before.contains(n));
        out.push(match renamed {
            Some(new) => Observed {
                rule: "rename-column",
                line,
                message: format!("`{name}`.`{col}` is renamed to `{new}`: running code that uses the old name fails"),
                help: vec!["add the new column beside the old one, write both from the code, backfill, switch reads over, then drop the old column in a later revision".into()],
            },
            None => Observed {
                rule: "drop-column",
                line,
                message: format!("`{name}`.`{col}` is dropped: running code that still reads or writes it fails"),
                help: vec!["deploy code that no longer uses the column first, then drop it in a later revision".into()],
            },
        });
    }
}

/// Foreign keys added by the revision whose referencing columns do not lead any index of
/// their table.
fn fk_without_index(
    start: &Snapshot,
    steps: &[(usize, Snapshot)],
    end: &Snapshot,
    out: &mut Vec<Observed>,
) {
    for fk in &end.fks {
        if start.fks.contains(fk) {
            continue;
        }
        let (table, from, to) = fk;
        let mut want = from.clone();
        want.sort();
        let covered = end.idx.get(table).is_some_and(|all| {
            all.iter().any(|keys| {
                keys.len() >= want.len() && {
                    let mut lead = keys[..want.len()].to_vec();
                    lead.sort();
                    lead == want
                }
            })
        });
        if covered {
            continue;
        }
        let line = first(steps, |s| s.fks.contains(fk), 1);
        let columns = from.join(", ");
        out.push(Observed {
            rule: "fk-without-index",
            line,
            message: format!(
                "the FOREIGN KEY on `{table}` ({columns}) referencing `{to}` has no index leading with its columns: every delete or key update of a `{to}` row scans `{table}`"
            ),
            help: vec![format!(
                "CREATE INDEX {table}_{}_idx ON {table} ({columns}) in the same revision",
                from.join("_")
            )],
        });
    }
}
