//! Reading the `main` schema from `sqlite_master` and the `pragma_*` table functions, with
//! what only the `CREATE` texts say (checks, collations, AUTOINCREMENT, index expressions).

use std::collections::{BTreeMap, BTreeSet};

use super::lex::*;
use crate::autogen::Schema;
use crate::autogen::model::{
    Check, Column, ForeignKey, Index, PrimaryKey, Table, UniqueConstraint, View,
};
use crate::db::{Conn, DbError};

/// Reads the tables and views of the `main` schema, leaving out `exclude`, SQLite's own
/// `sqlite_*` tables, and virtual tables with their shadow tables (their definition belongs
/// to a module, not to columns this model can describe).
pub async fn introspect(conn: &mut Conn, exclude: &[&str]) -> Result<Schema, DbError> {
    let special: BTreeSet<String> = conn
        .fetch_strings(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' \
             AND type IN ('virtual', 'shadow')",
        )
        .await?
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect();
    let objects = conn
        .fetch_strings(
            "SELECT type, name, sql FROM sqlite_master \
             WHERE type IN ('table', 'view') AND substr(name, 1, 7) <> 'sqlite_' \
             ORDER BY name",
        )
        .await?;
    let mut schema = Schema::default();
    let mut tables = Vec::new();
    for row in objects {
        let mut it = row.into_iter();
        let (Some(Some(kind)), Some(Some(name)), sql) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        let sql = sql.flatten().unwrap_or_default();
        if exclude.contains(&name.as_str()) || special.contains(&name) {
            continue;
        }
        if kind == "view" {
            schema.views.insert(
                name.clone(),
                View {
                    definition: view_query(&sql),
                    name,
                },
            );
        } else {
            tables.push((name, sql));
        }
    }
    let names: Vec<String> = tables.iter().map(|(n, _)| n.clone()).collect();
    for (name, sql) in &tables {
        let table = read_table(conn, name, sql, &names).await?;
        schema.tables.insert(name.clone(), table);
    }
    Ok(schema)
}

pub(super) async fn read_table(
    conn: &mut Conn,
    name: &str,
    sql: &str,
    all_tables: &[String],
) -> Result<Table, DbError> {
    let lit = super::D.quote_literal(name);
    let mut table = Table {
        name: name.to_string(),
        ..Table::default()
    };
    // hidden: 0 ordinary, 1 virtual-table hidden, 2/3 generated columns (not in the model).
    let cols = conn
        .fetch_strings(&format!(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo({lit}) \
             WHERE hidden = 0 ORDER BY cid"
        ))
        .await?;
    let mut pk: Vec<(i64, String)> = Vec::new();
    for r in cols {
        let get = |i: usize| r.get(i).cloned().flatten();
        let Some(col) = get(0) else { continue };
        let order: i64 = get(4).and_then(|v| v.parse().ok()).unwrap_or(0);
        if order > 0 {
            pk.push((order, col.clone()));
        }
        table.columns.push(Column {
            name: col,
            // SQLite's type names are case-insensitive; it upper-cases the ones it knows.
            data_type: get(1).unwrap_or_default().to_ascii_uppercase(),
            nullable: get(2).as_deref() != Some("1"),
            default: get(3),
            auto_increment: false,
        });
    }
    pk.sort();
    let pk_columns: Vec<String> = pk.into_iter().map(|(_, c)| c).collect();

    let parts = scan_create_table(sql);
    // The pragma gives no collation: it is kept with the type (`TEXT COLLATE NOCASE`), which
    // is how a column definition says it, so that a rebuild keeps it.
    for (col, collation) in &parts.collations {
        if let Some(c) = table
            .columns
            .iter_mut()
            .find(|c| c.name.eq_ignore_ascii_case(col))
        {
            c.data_type = format!("{} COLLATE {collation}", c.data_type)
                .trim_start()
                .to_string();
        }
    }
    let list = conn
        .fetch_strings(&format!(
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list({lit}) ORDER BY name"
        ))
        .await?;
    let mut has_pk_index = false;
    for r in list {
        let get = |i: usize| r.get(i).cloned().flatten();
        let Some(index_name) = get(0) else { continue };
        let origin = get(2).unwrap_or_default();
        if origin == "pk" {
            has_pk_index = true;
            continue;
        }
        let index_cols = conn
            .fetch_strings(&format!(
                "SELECT name FROM pragma_index_xinfo({}) WHERE key = 1 ORDER BY seqno",
                super::D.quote_literal(&index_name)
            ))
            .await?;
        let mut columns: Vec<Option<String>> = index_cols
            .into_iter()
            .map(|r| r.into_iter().next().flatten())
            .collect();
        if origin == "u" {
            table.uniques.push(UniqueConstraint {
                name: None,
                columns: columns.into_iter().map(Option::unwrap_or_default).collect(),
            });
            continue;
        }
        let def_sql = conn
            .fetch_strings(&format!(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = {}",
                super::D.quote_literal(&index_name)
            ))
            .await?
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten());
        let scanned = def_sql.as_deref().map(scan_index);
        if let Some(s) = &scanned {
            // Expressions have no name in the pragma: take them from the statement.
            for (i, c) in columns.iter_mut().enumerate() {
                if c.is_none() {
                    *c = s.items.get(i).cloned();
                }
            }
        }
        table.indexes.push(Index {
            name: index_name,
            columns: columns.into_iter().map(Option::unwrap_or_default).collect(),
            unique: get(1).as_deref() == Some("1"),
            predicate: if get(3).as_deref() == Some("1") {
                scanned.as_ref().and_then(|s| s.predicate.clone())
            } else {
                None
            },
            definition: def_sql.map(|s| strip_comments(&s)),
        });
    }
    table.uniques.sort();
    table.indexes.sort_by(|a, b| a.name.cmp(&b.name));

    // `id INTEGER PRIMARY KEY` makes `id` the rowid, which is never NULL, whether or not
    // `NOT NULL` was written (the pragma says notnull only when it was).
    if let [only] = pk_columns.as_slice()
        && !has_pk_index
        && let Some(c) = table.columns.iter_mut().find(|c| &c.name == only)
        && c.data_type == "INTEGER"
    {
        c.nullable = false;
        c.auto_increment = parts.autoincrement;
    }
    if !pk_columns.is_empty() {
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns: pk_columns,
        });
    }

    let fk_rows = conn
        .fetch_strings(&format!(
            "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete \
             FROM pragma_foreign_key_list({lit}) ORDER BY id, seq"
        ))
        .await?;
    let mut fks: BTreeMap<i64, FkRows> = BTreeMap::new();
    for r in fk_rows {
        let get = |i: usize| r.get(i).cloned().flatten();
        let id: i64 = get(0).and_then(|v| v.parse().ok()).unwrap_or(0);
        let e = fks.entry(id).or_insert_with(|| {
            (
                get(1).unwrap_or_default(),
                Vec::new(),
                Vec::new(),
                get(4).unwrap_or_else(|| "NO ACTION".into()),
                get(5).unwrap_or_else(|| "NO ACTION".into()),
            )
        });
        e.1.push(get(2).unwrap_or_default());
        e.2.push(get(3));
    }
    for (_, (target, columns, to, on_update, on_delete)) in fks {
        // `REFERENCES p` and `REFERENCES P (ID)` mean `p (id)`: use the table's own spelling
        // and fill in its primary key.
        let target = all_tables
            .iter()
            .find(|t| t.eq_ignore_ascii_case(&target))
            .cloned()
            .unwrap_or(target);
        let parent_cols = if all_tables.contains(&target) {
            parent_columns(conn, &target).await?
        } else {
            (Vec::new(), Vec::new())
        };
        let referenced_columns = if to.iter().all(Option::is_none) {
            parent_cols.1.clone()
        } else {
            to.into_iter()
                .map(|c| {
                    let c = c.unwrap_or_default();
                    parent_cols
                        .0
                        .iter()
                        .find(|p| p.eq_ignore_ascii_case(&c))
                        .cloned()
                        .unwrap_or(c)
                })
                .collect()
        };
        table.foreign_keys.push(ForeignKey {
            name: None,
            columns,
            referenced_table: target,
            referenced_columns,
            on_delete: on_delete.to_ascii_uppercase(),
            on_update: on_update.to_ascii_uppercase(),
        });
    }
    table.foreign_keys.sort();

    table.checks = parts.checks;
    table.checks.sort();
    Ok(table)
}

/// One foreign key's pragma rows: (referenced table, columns, referenced columns as written,
/// ON UPDATE, ON DELETE).
pub(super) type FkRows = (String, Vec<String>, Vec<Option<String>>, String, String);

/// A table's columns and its primary key columns in key order.
pub(super) async fn parent_columns(
    conn: &mut Conn,
    table: &str,
) -> Result<(Vec<String>, Vec<String>), DbError> {
    let rows = conn
        .fetch_strings(&format!(
            "SELECT name, pk FROM pragma_table_info({}) ORDER BY cid",
            super::D.quote_literal(table)
        ))
        .await?;
    let mut all = Vec::new();
    let mut pk = Vec::new();
    for r in rows {
        let name = r.first().cloned().flatten().unwrap_or_default();
        let order: i64 = r
            .get(1)
            .cloned()
            .flatten()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if order > 0 {
            pk.push((order, name.clone()));
        }
        all.push(name);
    }
    pk.sort();
    Ok((all, pk.into_iter().map(|(_, c)| c).collect()))
}

/// What the `CREATE TABLE` text says that the pragmas do not.
#[derive(Debug, Default, PartialEq)]
pub(super) struct TableText {
    pub(super) checks: Vec<Check>,
    /// (column, collation) for the columns declared with `COLLATE`.
    pub(super) collations: Vec<(String, String)>,
    pub(super) autoincrement: bool,
}

/// Finds the CHECK constraints (column and table level, with their `CONSTRAINT name`) and
/// AUTOINCREMENT in a `CREATE TABLE` statement.
pub(super) fn scan_create_table(sql: &str) -> TableText {
    let toks = tokenize(sql);
    let mut out = TableText::default();
    let Some(open) = toks.iter().position(|t| t.kind == Kind::Open) else {
        return out;
    };
    let close = matching(&toks, open);
    let mut i = open + 1;
    // The column the current item defines (None in a table constraint).
    let mut column: Option<String> = None;
    let mut item_start = true;
    while i < close {
        let t = &toks[i];
        if item_start {
            item_start = false;
            let constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
                .iter()
                .any(|w| is_word(sql, t, w));
            column = (!constraint).then(|| unquote(&sql[t.start..t.end]));
        }
        if t.kind == Kind::Comma {
            item_start = true;
            i += 1;
            continue;
        }
        if t.kind == Kind::Open {
            i = matching(&toks, i) + 1;
            continue;
        }
        if is_word(sql, t, "COLLATE")
            && let (Some(c), Some(n)) = (&column, toks.get(i + 1))
        {
            out.collations.push((
                c.clone(),
                unquote(&sql[n.start..n.end]).to_ascii_uppercase(),
            ));
        }
        if is_word(sql, t, "AUTOINCREMENT") {
            out.autoincrement = true;
        }
        if is_word(sql, t, "CHECK") && toks.get(i + 1).is_some_and(|n| n.kind == Kind::Open) {
            let end = matching(&toks, i + 1);
            let expr_start = toks[i + 1].end;
            let expr_end = toks.get(end).map_or(sql.len(), |c| c.start).max(expr_start);
            let name = (i >= 2 && is_word(sql, &toks[i - 2], "CONSTRAINT"))
                .then(|| unquote(&sql[toks[i - 1].start..toks[i - 1].end]));
            out.checks.push(Check {
                name,
                expression: strip_comments(&sql[expr_start..expr_end]),
            });
            i = end + 1;
            continue;
        }
        i += 1;
    }
    out
}

/// The parts of a `CREATE INDEX` statement the pragmas do not give.
pub(super) struct IndexText {
    /// The indexed items as written (column names or expressions).
    pub(super) items: Vec<String>,
    pub(super) predicate: Option<String>,
}

pub(super) fn scan_index(sql: &str) -> IndexText {
    let toks = tokenize(sql);
    let mut items = Vec::new();
    let mut predicate = None;
    let on = toks.iter().position(|t| is_word(sql, t, "ON"));
    let open = on.and_then(|on| {
        toks.iter()
            .enumerate()
            .skip(on)
            .find(|(_, t)| t.kind == Kind::Open)
            .map(|(i, _)| i)
    });
    if let Some(open) = open {
        let close = matching(&toks, open);
        let mut depth = 0usize;
        let mut item_start = toks.get(open).map_or(0, |t| t.end);
        for t in toks.iter().take(close + 1).skip(open + 1) {
            match t.kind {
                Kind::Open => depth += 1,
                Kind::Close if depth > 0 => depth -= 1,
                Kind::Close | Kind::Comma if depth == 0 => {
                    items.push(strip_comments(&sql[item_start..t.start]));
                    item_start = t.end;
                }
                _ => {}
            }
        }
        if let Some(w) = toks
            .iter()
            .skip(close + 1)
            .find(|t| is_word(sql, t, "WHERE"))
        {
            predicate = Some(strip_comments(&sql[w.end..]));
        }
    }
    IndexText { items, predicate }
}

/// The query of a `CREATE VIEW … AS <query>` statement.
pub(super) fn view_query(sql: &str) -> String {
    let toks = tokenize(sql);
    let mut i = 0;
    while i < toks.len() {
        if toks[i].kind == Kind::Open {
            // A column list: `CREATE VIEW v (a, b) AS`.
            i = matching(&toks, i) + 1;
            continue;
        }
        if is_word(sql, &toks[i], "AS") {
            return strip_comments(&sql[toks[i].end..]);
        }
        i += 1;
    }
    strip_comments(sql)
}
