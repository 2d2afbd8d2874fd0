//! The MySQL/MariaDB observer: runs a section statement by statement on the rehearsal
//! database and reads `information_schema` after each one.
//!
//! - An `ALTER TABLE` or `CREATE … INDEX` (recognised by its first words, nothing more) is
//!   tried first with `ALGORITHM=INSTANT`, then with `ALGORITHM=INPLACE, LOCK=NONE` appended; the server
//!   refuses a form it cannot do (SQLSTATE 0A000: errors 1845/1846,
//!   ER_ALTER_OPERATION_NOT_SUPPORTED*) and does nothing. The clause does not change what the
//!   statement does, so the accepted form's effect is the statement's effect. When neither is
//!   accepted the statement runs as written and, on a table that existed before the revision,
//!   is a `mysql-table-copy` with the server's reason: the table is copied, or (a FULLTEXT or
//!   SPATIAL index) built under a lock that blocks writes.
//! - `information_schema.COLUMNS.COLUMN_TYPE` of ENUM and SET columns before and after:
//!   values removed or reordered are `enum-reorder` (appending is fine).
//! - The tables and their columns before and after: drops and renames of what existed before
//!   the revision. A table that disappears while one with the very same columns appears in
//!   the same statement was renamed.
//!
//! `fk-without-index` cannot happen on InnoDB: it creates an index for a FOREIGN KEY's
//! columns itself and refuses to drop one a FOREIGN KEY needs.

use std::collections::{BTreeMap, BTreeSet};

use super::Observed;
use crate::db::{Conn, DbError};
use crate::split::Statement;

/// Every base table's columns (name, COLUMN_TYPE) in order.
#[derive(Debug, Clone, Default)]
struct Snapshot {
    tables: BTreeMap<String, Vec<(String, String)>>,
}

async fn snapshot(conn: &mut Conn) -> Result<Snapshot, DbError> {
    let mut s = Snapshot::default();
    let tables = conn
        .fetch_strings(
            "SELECT TABLE_NAME FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
        )
        .await?;
    for row in tables {
        if let Some(Some(name)) = row.first() {
            s.tables.insert(name.clone(), Vec::new());
        }
    }
    let columns = conn
        .fetch_strings(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION",
        )
        .await?;
    for row in columns {
        let (Some(Some(table)), Some(Some(name)), Some(Some(ty))) =
            (row.first(), row.get(1), row.get(2))
        else {
            continue;
        };
        if let Some(cols) = s.tables.get_mut(table) {
            cols.push((name.clone(), ty.clone()));
        }
    }
    Ok(s)
}

/// Whether the server refused the ALGORITHM/LOCK asked for (SQLSTATE 0A000, errors
/// 1845/1846).
fn not_supported(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| c == "0A000")
}

/// The table of an `ALTER [ONLINE] [IGNORE] TABLE name …`, from its first words; `None` for
/// any other statement.
fn altered_table(sql: &str) -> Option<String> {
    let mut words = sql.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("alter") {
        return None;
    }
    let mut word = words.next()?;
    while word.eq_ignore_ascii_case("online") || word.eq_ignore_ascii_case("ignore") {
        word = words.next()?;
    }
    if !word.eq_ignore_ascii_case("table") {
        return None;
    }
    let name = words.next()?;
    let name = name.rsplit('.').next().unwrap_or(name);
    Some(name.trim_matches('`').to_string())
}

/// The table of a `CREATE [OR REPLACE] [UNIQUE|FULLTEXT|SPATIAL] INDEX … ON name …`, from its
/// words; `None` for any other statement.
fn indexed_table(sql: &str) -> Option<String> {
    let mut words = sql.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("create") {
        return None;
    }
    let mut word = words.next()?;
    while ["or", "replace", "unique", "fulltext", "spatial"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
    {
        word = words.next()?;
    }
    if !word.eq_ignore_ascii_case("index") {
        return None;
    }
    words.find(|w| w.eq_ignore_ascii_case("on"))?;
    let name = words.next()?.split('(').next()?;
    let name = name.rsplit('.').next().unwrap_or(name);
    Some(name.trim_matches('`').to_string())
}

/// The table an ALTER TABLE or CREATE INDEX works on, and how its ALGORITHM/LOCK clauses are
/// joined to it (`,` in ALTER TABLE, a space in CREATE INDEX).
fn probed(sql: &str) -> Option<(String, &'static str)> {
    altered_table(sql)
        .map(|t| (t, ","))
        .or_else(|| indexed_table(sql).map(|t| (t, "")))
}

/// Runs `sql`; for an ALTER TABLE, first in the forms that keep the table online. `Ok(Some(why))`
/// when it ran but the server accepted neither form (the table is copied).
async fn run(conn: &mut Conn, sql: &str) -> Result<Option<String>, sqlx::Error> {
    if let Some((_, sep)) = probed(sql) {
        let instant = format!("{sql}\n{sep} ALGORITHM=INSTANT");
        match conn.execute(&instant).await {
            Ok(()) => return Ok(None),
            Err(e) if not_supported(&e) => {
                let inplace = format!("{sql}\n{sep} ALGORITHM=INPLACE{sep} LOCK=NONE");
                match conn.execute(&inplace).await {
                    Ok(()) => return Ok(None),
                    Err(e2) if not_supported(&e2) => {
                        conn.execute(sql).await?;
                        let message = super::rehearse::message(&e2);
                        let what = if message.contains("ALGORITHM=COPY") {
                            "the table is copied row by row while writes to it wait"
                        } else {
                            "it holds a lock that blocks writes to the table until it ends"
                        };
                        return Ok(Some(format!(
                            "{what} (the server says: {})",
                            reason(&message)
                        )));
                    }
                    // Something else: the statement as written says what.
                    Err(_) => {}
                }
            }
            Err(_) => {}
        }
    }
    conn.execute(sql).await.map(|()| None)
}

/// The server's reason in `… is not supported. Reason: WHY. Try …` (error 1846), or its
/// whole message (error 1845 gives none).
fn reason(message: &str) -> String {
    match message.split_once("Reason: ") {
        Some((_, why)) => why
            .split_once(". Try ")
            .map_or(why, |(why, _)| why)
            .to_string(),
        None => message.to_string(),
    }
}

/// The values of an `enum('a','b')` or `set('a','b')` COLUMN_TYPE; `None` for other types.
fn enum_values(ty: &str) -> Option<Vec<String>> {
    let lower = ty.to_ascii_lowercase();
    let start = if lower.starts_with("enum(") {
        5
    } else if lower.starts_with("set(") {
        4
    } else {
        return None;
    };
    let inner = ty.get(start..ty.rfind(')')?)?;
    Some(crate::backend::quoted_values(inner))
}

fn quoted(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("'{}'", v.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `statements` and says what each did.
pub(super) async fn observe(
    conn: &mut Conn,
    statements: &[Statement],
) -> Result<Vec<Observed>, DbError> {
    let start = snapshot(conn).await?;
    // The tables that existed before the revision, by their current name.
    let mut existing: BTreeSet<String> = start.tables.keys().cloned().collect();
    let mut prev = start;
    let mut out = Vec::new();
    for st in statements {
        let copied = match run(conn, &st.sql).await {
            Ok(copied) => copied,
            Err(e) => {
                out.push(super::statement_fails(
                    st.line,
                    &super::first_two_words(&st.sql),
                    &e,
                ));
                break;
            }
        };
        let after = snapshot(conn).await?;
        let mut push = |rule: &'static str, message: String, help: Vec<String>| {
            out.push(Observed {
                rule,
                line: st.line,
                message,
                help,
            });
        };
        if let Some(why) = copied
            && let Some((table, _)) = probed(&st.sql)
            && existing.contains(&table)
        {
            push(
                "mysql-table-copy",
                format!(
                    "{} on `{table}` can run neither ALGORITHM=INSTANT nor ALGORITHM=INPLACE with LOCK=NONE: {why}",
                    super::first_two_words(&st.sql)
                ),
                vec![
                    "change it in steps the server does online (add a new column, backfill it in batches, switch the code over, drop the old one), or run it with an online schema change tool (gh-ost, pt-online-schema-change)".into(),
                ],
            );
        }
        // Tables dropped or renamed.
        let gone: Vec<&String> = prev
            .tables
            .keys()
            .filter(|t| !after.tables.contains_key(*t))
            .collect();
        let new: Vec<&String> = after
            .tables
            .keys()
            .filter(|t| !prev.tables.contains_key(*t))
            .collect();
        for g in gone {
            if !existing.remove(g) {
                continue;
            }
            let renamed = new
                .iter()
                .find(|n| after.tables.get(**n) == prev.tables.get(g));
            match renamed {
                Some(n) => {
                    existing.insert((*n).clone());
                    push(
                        "rename-table",
                        format!("`{g}` is renamed to `{n}`: running code that uses the old name fails"),
                        vec![format!(
                            "rename it and create a view `{g}` over it (`CREATE VIEW {g} AS SELECT * FROM {n}`) until the code uses the new name"
                        )],
                    );
                }
                None => push(
                    "drop-table",
                    format!("`{g}` is dropped: running code that still uses it fails"),
                    vec!["deploy code that no longer uses the table first, then drop it in a later revision".into()],
                ),
            }
        }
        // Columns of the tables that existed before.
        for (table, cols) in &after.tables {
            let Some(before) = prev.tables.get(table) else {
                continue;
            };
            if !existing.contains(table) {
                continue;
            }
            let names: BTreeSet<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
            let old: BTreeSet<&str> = before.iter().map(|(n, _)| n.as_str()).collect();
            for (i, (name, ty)) in before.iter().enumerate() {
                if let Some((_, now)) = cols.iter().find(|(n, _)| n == name)
                    && let (Some(a), Some(b)) = (enum_values(ty), enum_values(now))
                    && !b.starts_with(&a)
                {
                    push(
                        "enum-reorder",
                        format!(
                            "`{table}`.`{name}` goes from ({}) to ({}): values removed or reordered change the numbers stored for every row, so ORDER BY and comparisons change, and rows holding a removed value fail or become ''",
                            quoted(&a),
                            quoted(&b)
                        ),
                        vec!["only append new values at the end; to retire one, move the rows off it first and keep it in the list".into()],
                    );
                }
                if names.contains(name.as_str()) {
                    continue;
                }
                let at = (cols.len() == before.len())
                    .then(|| cols.get(i))
                    .flatten()
                    .filter(|(n, _)| !old.contains(n.as_str()));
                match at {
                    Some((new_name, _)) => push(
                        "rename-column",
                        format!("`{table}`.`{name}` is renamed to `{new_name}`: running code that uses the old name fails"),
                        vec!["add the new column beside the old one, write both from the code, backfill, switch reads over, then drop the old column in a later revision".into()],
                    ),
                    None => push(
                        "drop-column",
                        format!("`{table}`.`{name}` is dropped: running code that still reads or writes it fails"),
                        vec!["deploy code that no longer uses the column first, then drop it in a later revision".into()],
                    ),
                }
            }
        }
        prev = after;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_values_are_read_from_the_column_type() {
        assert_eq!(
            enum_values("enum('new','it''s','a,b')"),
            Some(vec!["new".into(), "it's".into(), "a,b".into()])
        );
        assert_eq!(enum_values("set('x')"), Some(vec!["x".to_string()]));
        assert_eq!(enum_values("varchar(10)"), None);
    }

    #[test]
    fn the_servers_reason_is_kept() {
        assert_eq!(
            reason(
                "ALGORITHM=INPLACE is not supported. Reason: Cannot change column type. Try ALGORITHM=COPY"
            ),
            "Cannot change column type"
        );
        assert_eq!(
            reason("LOCK=NONE is not supported"),
            "LOCK=NONE is not supported"
        );
    }

    #[test]
    fn the_altered_table_comes_from_the_first_words() {
        assert_eq!(
            altered_table("ALTER TABLE `users` ADD x INT"),
            Some("users".into())
        );
        assert_eq!(
            altered_table("alter online table db.t drop y"),
            Some("t".into())
        );
        assert_eq!(altered_table("CREATE INDEX i ON t (x)"), None);
        assert_eq!(
            indexed_table("CREATE FULLTEXT INDEX f ON `db`.`t`(b)"),
            Some("t".into())
        );
        assert_eq!(indexed_table("CREATE TABLE t (id INT)"), None);
    }
}
