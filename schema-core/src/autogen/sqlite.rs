//! SQLite: reading the schema from `sqlite_master` and the `pragma_*` table functions, and
//! rendering changes as SQLite statements.
//!
//! SQLite's `ALTER TABLE` only renames, adds and drops columns, so every other change to a
//! table (a column's type, nullability or default, keys, unique and check constraints) is done
//! by rebuilding the table with SQLite's documented recipe: create the new definition under a
//! temporary name, copy the rows, drop the old table, rename the new one, make its indexes
//! again. All the changes of one table become one rebuild, and a section holding a rebuild
//! starts with `PRAGMA foreign_keys = OFF` so that dropping the old table neither cascades nor
//! fails on the rows that reference it.
//!
//! SQLite keeps no catalog of CHECK constraints or AUTOINCREMENT: they are read from the
//! `CREATE TABLE` text with a small tokenizer (quotes, comments, balanced parentheses), not a
//! parser.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{
    self, Check, Column, ForeignKey, Index, PrimaryKey, Table, UniqueConstraint, View,
};
use super::{Change, Diff, Schema, Step};
use crate::db::{Conn, DbError, Dialect};

const D: Dialect = Dialect::Sqlite;

// ---------------------------------------------------------------------------------------------
// Introspection
// ---------------------------------------------------------------------------------------------

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

async fn read_table(
    conn: &mut Conn,
    name: &str,
    sql: &str,
    all_tables: &[String],
) -> Result<Table, DbError> {
    let lit = model::literal(name);
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
                model::literal(&index_name)
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
                model::literal(&index_name)
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
type FkRows = (String, Vec<String>, Vec<Option<String>>, String, String);

/// A table's columns and its primary key columns in key order.
async fn parent_columns(
    conn: &mut Conn,
    table: &str,
) -> Result<(Vec<String>, Vec<String>), DbError> {
    let rows = conn
        .fetch_strings(&format!(
            "SELECT name, pk FROM pragma_table_info({}) ORDER BY cid",
            model::literal(table)
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

// ---------------------------------------------------------------------------------------------
// The tokenizer for CREATE statements
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    /// `"x"`, `` `x` ``, `[x]`
    Quoted,
    /// `'x'`
    Str,
    Num,
    Open,
    Close,
    Comma,
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

/// The tokens of `sql`, comments left out. An unterminated quote or comment runs to the end.
fn tokenize(sql: &str) -> Vec<Tok> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let until = |from: usize, close: u8, doubled: bool| -> usize {
        let mut j = from;
        while j < b.len() {
            if b[j] == close {
                if doubled && b.get(j + 1) == Some(&close) {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j += 1;
        }
        b.len()
    };
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            _ if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
                continue;
            }
            b'\'' => {
                i = until(i + 1, b'\'', true);
                Kind::Str
            }
            b'"' | b'`' => {
                i = until(i + 1, c, true);
                Kind::Quoted
            }
            b'[' => {
                i = until(i + 1, b']', false);
                Kind::Quoted
            }
            b'(' => {
                i += 1;
                Kind::Open
            }
            b')' => {
                i += 1;
                Kind::Close
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            _ if c.is_ascii_digit()
                || c == b'.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit()) =>
            {
                while i < b.len() {
                    let d = b[i];
                    let exponent_sign = (d == b'+' || d == b'-') && matches!(b[i - 1], b'e' | b'E');
                    if d.is_ascii_alphanumeric() || d == b'.' || d == b'_' || exponent_sign {
                        i += 1;
                    } else {
                        break;
                    }
                }
                Kind::Num
            }
            _ if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || b[i] == b'_'
                        || b[i] == b'$'
                        || b[i] >= 0x80)
                {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                // One character (a multi-byte one whole).
                i += sql[i..].chars().next().map_or(1, char::len_utf8);
                Kind::Other
            }
        };
        out.push(Tok {
            kind,
            start,
            end: i.min(b.len()),
        });
    }
    out
}

fn is_word(sql: &str, t: &Tok, word: &str) -> bool {
    t.kind == Kind::Word && sql[t.start..t.end].eq_ignore_ascii_case(word)
}

/// An identifier without its quotes.
fn unquote(text: &str) -> String {
    let inner = |s: &str| {
        s.get(1..s.len().saturating_sub(1))
            .unwrap_or("")
            .to_string()
    };
    match text.as_bytes().first() {
        Some(b'"') => inner(text).replace("\"\"", "\""),
        Some(b'`') => inner(text).replace("``", "`"),
        Some(b'[') => inner(text),
        _ => text.to_string(),
    }
}

/// The index of the `)` that closes the `(` at `open`, or the last token.
fn matching(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    toks.len().saturating_sub(1)
}

/// `text` with its comments taken out (each replaced by a space, so that a `--` comment can
/// never swallow what a statement is followed by), trimmed. Text without comments is kept as
/// it is.
fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    let mut last = 0;
    for t in tokenize(text) {
        let gap = &text[last..t.start];
        if gap.contains("--") || gap.contains("/*") {
            out.push(' ');
        } else {
            out.push_str(gap);
        }
        out.push_str(&text[t.start..t.end]);
        last = t.end;
    }
    out.trim().to_string()
}

/// What the `CREATE TABLE` text says that the pragmas do not.
#[derive(Debug, Default, PartialEq)]
struct TableText {
    checks: Vec<Check>,
    /// (column, collation) for the columns declared with `COLLATE`.
    collations: Vec<(String, String)>,
    autoincrement: bool,
}

/// Finds the CHECK constraints (column and table level, with their `CONSTRAINT name`) and
/// AUTOINCREMENT in a `CREATE TABLE` statement.
fn scan_create_table(sql: &str) -> TableText {
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
struct IndexText {
    /// The indexed items as written (column names or expressions).
    items: Vec<String>,
    predicate: Option<String>,
}

fn scan_index(sql: &str) -> IndexText {
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
fn view_query(sql: &str) -> String {
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

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/// The statements for `diff.changes`. See the module's documentation for the rebuilds.
pub fn render(diff: &Diff) -> Vec<Step> {
    let created: BTreeSet<&str> = diff
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable(t) => Some(t.name.as_str()),
            _ => None,
        })
        .collect();
    let from_tables = renamed_from_tables(diff);
    let mut rebuilt: BTreeSet<String> = BTreeSet::new();
    let mut fk_off = false;
    for change in &diff.changes {
        let table = match change {
            Change::AlterColumn { table, .. }
            | Change::DropPrimaryKey { table, .. }
            | Change::AddPrimaryKey { table, .. }
            | Change::DropUnique { table, .. }
            | Change::AddUnique { table, .. }
            | Change::DropCheck { table, .. }
            | Change::AddCheck { table, .. } => Some(table),
            Change::DropForeignKey { table, .. } => {
                if !diff.to.tables.contains_key(table) {
                    // Between two tables that are both dropped: nothing to rebuild, but
                    // dropping the first must not check or cascade into the second.
                    fk_off = true;
                }
                Some(table)
            }
            Change::AddForeignKey { table, .. } => {
                (!created.contains(table.as_str())).then_some(table)
            }
            Change::AddColumn { table, column } => (!can_add_column(column)).then_some(table),
            Change::DropColumn { table, column } => {
                let ok = match (from_tables.get(table), diff.to.tables.get(table)) {
                    (Some(old), Some(new)) => can_drop_column(old, new, &column.name),
                    _ => false,
                };
                (!ok).then_some(table)
            }
            Change::DropTable(t) => {
                // Rows of a table that stays may still reference it.
                if diff.to.tables.values().any(|o| {
                    o.foreign_keys
                        .iter()
                        .any(|fk| fk.referenced_table == t.name)
                }) {
                    fk_off = true;
                }
                None
            }
            _ => None,
        };
        if let Some(t) = table
            && diff.to.tables.contains_key(t)
            && !created.contains(t.as_str())
        {
            rebuilt.insert(t.clone());
        }
    }

    let mut steps = Vec::new();
    if fk_off || !rebuilt.is_empty() {
        steps.push(Step {
            warning: None,
            sql: vec!["PRAGMA foreign_keys = OFF".to_string()],
        });
    }
    let mut done: BTreeSet<String> = BTreeSet::new();
    for change in &diff.changes {
        if let Some(table) = table_of(change)
            && rebuilt.contains(table)
        {
            if done.insert(table.to_string()) {
                steps.push(rebuild(diff, table, &from_tables));
            }
            continue;
        }
        let sql = render_change(diff, change, &created);
        if !sql.is_empty() {
            steps.push(Step {
                warning: change.warning(),
                sql,
            });
        }
    }
    steps
}

/// The table a change alters in place (not renames, creations or drops of whole tables).
fn table_of(change: &Change) -> Option<&str> {
    match change {
        Change::DropForeignKey { table, .. }
        | Change::DropIndex { table, .. }
        | Change::DropUnique { table, .. }
        | Change::DropCheck { table, .. }
        | Change::DropPrimaryKey { table, .. }
        | Change::AddColumn { table, .. }
        | Change::AlterColumn { table, .. }
        | Change::DropColumn { table, .. }
        | Change::AddPrimaryKey { table, .. }
        | Change::AddUnique { table, .. }
        | Change::CreateIndex { table, .. }
        | Change::AddCheck { table, .. }
        | Change::AddForeignKey { table, .. } => Some(table),
        _ => None,
    }
}

fn render_change(diff: &Diff, change: &Change, created: &BTreeSet<&str>) -> Vec<String> {
    let q = |n: &str| model::quote(D, n);
    match change {
        // SQLite has no enum types: its introspection never has any.
        Change::CreateEnum(_)
        | Change::AddEnumValues { .. }
        | Change::ReplaceEnum { .. }
        | Change::DropEnum(_) => Vec::new(),
        Change::DropView(v) => vec![format!("DROP VIEW {}", q(&v.name))],
        Change::CreateView(v) => vec![format!("CREATE VIEW {} AS {}", q(&v.name), v.definition)],
        Change::DropIndex { index, .. } => vec![format!("DROP INDEX {}", q(&index.name))],
        Change::CreateIndex { table, index } => vec![create_index(table, index)],
        Change::DropTable(t) => vec![format!("DROP TABLE {}", q(&t.name))],
        Change::RenameTable { from, to } => {
            vec![format!("ALTER TABLE {} RENAME TO {}", q(from), q(to))]
        }
        Change::RenameColumn { table, from, to } => vec![format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            q(table),
            q(from),
            q(to)
        )],
        Change::CreateTable(t) => {
            // The whole table from the new schema, foreign keys that close a cycle included:
            // SQLite accepts references to tables that do not exist yet.
            let full = diff.to.tables.get(&t.name).unwrap_or(t);
            vec![create_table(&t.name, full)]
        }
        Change::AddColumn { table, column } => vec![format!(
            "ALTER TABLE {} ADD COLUMN {}",
            q(table),
            column_def(column, false)
        )],
        Change::DropColumn { table, column } => vec![format!(
            "ALTER TABLE {} DROP COLUMN {}",
            q(table),
            q(&column.name)
        )],
        // Already in the CREATE TABLE of a table made in this diff; on a table that is being
        // dropped nothing is needed.
        Change::AddForeignKey { table, .. } | Change::DropForeignKey { table, .. }
            if created.contains(table.as_str()) || !diff.to.tables.contains_key(table) =>
        {
            Vec::new()
        }
        // The rest always go through a rebuild (see `render`); a table missing from the new
        // schema has nothing to rebuild.
        Change::AlterColumn { .. }
        | Change::DropPrimaryKey { .. }
        | Change::AddPrimaryKey { .. }
        | Change::DropUnique { .. }
        | Change::AddUnique { .. }
        | Change::DropCheck { .. }
        | Change::AddCheck { .. }
        | Change::AddForeignKey { .. }
        | Change::DropForeignKey { .. } => Vec::new(),
    }
}

/// The tables of `diff.from` under their new names, with renamed columns renamed: the state a
/// rebuild copies rows from, after the renames have run.
fn renamed_from_tables(diff: &Diff) -> BTreeMap<String, Table> {
    diff.renames.apply(&diff.from).tables
}

/// SQLite's `ADD COLUMN` takes a column that is nullable or has a constant non-NULL default,
/// and is not auto-incremented (keys and constraints come as their own changes, which
/// rebuild).
fn can_add_column(c: &Column) -> bool {
    if c.auto_increment {
        return false;
    }
    match &c.default {
        None => c.nullable,
        Some(d) => match constant_default(d) {
            Some(is_null) => c.nullable || !is_null,
            None => false,
        },
    }
}

/// Whether `ALTER TABLE … DROP COLUMN` works: the column is in no key, constraint or foreign
/// key of the table, nor in an index that stays (the ones that go are dropped before).
fn can_drop_column(table: &Table, new: &Table, column: &str) -> bool {
    let named = |cols: &[String]| cols.iter().any(|c| c == column);
    !(table
        .primary_key
        .as_ref()
        .is_some_and(|pk| named(&pk.columns))
        || table.uniques.iter().any(|u| named(&u.columns))
        || table
            .indexes
            .iter()
            .filter(|i| new.indexes.contains(i))
            .any(|i| {
                named(&i.columns)
                    || i.columns.iter().any(|e| mentions(e, column))
                    || i.predicate.as_deref().is_some_and(|p| mentions(p, column))
                    || i.definition.as_deref().is_some_and(|d| mentions(d, column))
            })
        || table.foreign_keys.iter().any(|fk| named(&fk.columns))
        || table.checks.iter().any(|c| mentions(&c.expression, column)))
}

/// Whether `sql` mentions the identifier `name` (as a word or quoted), case-insensitively.
fn mentions(sql: &str, name: &str) -> bool {
    tokenize(sql).iter().any(|t| {
        let text = &sql[t.start..t.end];
        match t.kind {
            Kind::Word => text.eq_ignore_ascii_case(name),
            Kind::Quoted => unquote(text).eq_ignore_ascii_case(name),
            _ => false,
        }
    })
}

/// For a default SQLite's `ADD COLUMN` accepts (a literal number, string, blob, NULL, TRUE or
/// FALSE), whether it is NULL; `None` for anything else.
fn constant_default(d: &str) -> Option<bool> {
    let toks = tokenize(d);
    let toks: Vec<&Tok> = match toks.as_slice() {
        [sign, rest @ ..]
            if sign.kind == Kind::Other && matches!(&d[sign.start..sign.end], "+" | "-") =>
        {
            if !matches!(rest, [n] if n.kind == Kind::Num) {
                return None;
            }
            rest.iter().collect()
        }
        _ => toks.iter().collect(),
    };
    match toks.as_slice() {
        [t] if matches!(t.kind, Kind::Num | Kind::Str) => Some(false),
        [t] if is_word(d, t, "NULL") => Some(true),
        [t] if is_word(d, t, "TRUE") || is_word(d, t, "FALSE") => Some(false),
        [x, s] if s.kind == Kind::Str && (is_word(d, x, "X")) && x.end == s.start => Some(false),
        _ => None,
    }
}

/// A default as SQLite takes it back: a single token (literal, CURRENT_TIMESTAMP, a
/// double-quoted string) as it is, an expression in parentheses. The catalog gives both
/// without parentheses, so either reads back as it was.
fn default_sql(d: &str) -> String {
    let toks = tokenize(d);
    let single = match toks.as_slice() {
        [t] => t.kind != Kind::Open && t.kind != Kind::Other,
        [a, b] if b.kind == Kind::Str => is_word(d, a, "X") && a.end == b.start,
        [sign, n] => {
            sign.kind == Kind::Other
                && matches!(&d[sign.start..sign.end], "+" | "-")
                && n.kind == Kind::Num
        }
        _ => false,
    };
    if single {
        d.to_string()
    } else {
        format!("({d})")
    }
}

fn column_def(c: &Column, autoincrement_key: bool) -> String {
    let mut s = model::quote(D, &c.name);
    if !c.data_type.is_empty() {
        s.push(' ');
        s.push_str(&c.data_type);
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(" DEFAULT ");
        s.push_str(&default_sql(d));
    }
    if autoincrement_key {
        s.push_str(" PRIMARY KEY AUTOINCREMENT");
    }
    s
}

/// `CREATE TABLE name (…)` for the model `t` (its indexes are separate statements).
fn create_table(name: &str, t: &Table) -> String {
    let q = |n: &str| model::quote(D, n);
    // AUTOINCREMENT is only allowed on a column-level `INTEGER PRIMARY KEY`.
    let inline_pk = match &t.primary_key {
        Some(pk) if pk.columns.len() == 1 => t
            .column(&pk.columns[0])
            .filter(|c| c.auto_increment)
            .map(|c| c.name.clone()),
        _ => None,
    };
    let mut items: Vec<String> = t
        .columns
        .iter()
        .map(|c| column_def(c, inline_pk.as_deref() == Some(c.name.as_str())))
        .collect();
    if let Some(pk) = &t.primary_key
        && inline_pk.is_none()
    {
        items.push(format!(
            "PRIMARY KEY ({})",
            model::quote_list(D, &pk.columns)
        ));
    }
    for u in &t.uniques {
        items.push(format!("UNIQUE ({})", model::quote_list(D, &u.columns)));
    }
    for fk in &t.foreign_keys {
        let mut s = format!(
            "FOREIGN KEY ({}) REFERENCES {}",
            model::quote_list(D, &fk.columns),
            q(&fk.referenced_table)
        );
        if !fk.referenced_columns.is_empty() {
            s.push_str(&format!(
                " ({})",
                model::quote_list(D, &fk.referenced_columns)
            ));
        }
        for (what, action) in [("DELETE", &fk.on_delete), ("UPDATE", &fk.on_update)] {
            if !action.is_empty() && !action.eq_ignore_ascii_case("NO ACTION") {
                s.push_str(&format!(" ON {what} {action}"));
            }
        }
        items.push(s);
    }
    for c in &t.checks {
        let mut s = String::new();
        if let Some(n) = &c.name {
            s.push_str(&format!("CONSTRAINT {} ", q(n)));
        }
        s.push_str(&format!("CHECK ({})", c.expression));
        items.push(s);
    }
    format!(
        "CREATE TABLE {} (\n    {}\n)",
        q(name),
        items.join(",\n    ")
    )
}

fn create_index(table: &str, index: &Index) -> String {
    if let Some(def) = &index.definition {
        return def.clone();
    }
    let mut s = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        model::quote(D, &index.name),
        model::quote(D, table),
        index
            .columns
            .iter()
            .map(|c| {
                // A plain name is quoted; an expression is written as it is.
                if c.chars().all(|ch| ch.is_alphanumeric() || ch == '_') {
                    model::quote(D, c)
                } else {
                    c.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(p) = &index.predicate {
        s.push_str(&format!(" WHERE {p}"));
    }
    s
}

/// SQLite's table rebuild for `table` towards its definition in `diff.to`, carrying the rows
/// of the columns both definitions have, and every warning of the changes it stands for.
fn rebuild(diff: &Diff, table: &str, from_tables: &BTreeMap<String, Table>) -> Step {
    let q = |n: &str| model::quote(D, n);
    let warnings: Vec<String> = diff
        .changes
        .iter()
        .filter(|c| table_of(c) == Some(table))
        .filter_map(Change::warning)
        .collect();
    let Some(new) = diff.to.tables.get(table) else {
        return Step::default();
    };
    let temp = format!("_{table}_new");
    let mut sql = vec![create_table(&temp, new)];
    if let Some(old) = from_tables.get(table) {
        let common: Vec<String> = new
            .columns
            .iter()
            .filter(|c| old.column(&c.name).is_some())
            .map(|c| c.name.clone())
            .collect();
        if !common.is_empty() {
            let list = model::quote_list(D, &common);
            sql.push(format!(
                "INSERT INTO {} ({list}) SELECT {list} FROM {}",
                q(&temp),
                q(table)
            ));
        }
    }
    sql.push(format!("DROP TABLE {}", q(table)));
    sql.push(format!("ALTER TABLE {} RENAME TO {}", q(&temp), q(table)));
    for index in &new.indexes {
        sql.push(create_index(table, index));
    }
    Step {
        warning: (!warnings.is_empty()).then(|| warnings.join("; ")),
        sql,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Renames, roundtrip_case, run_sql};
    use super::*;
    use crate::db::{DatabaseUrl, UrlSource};

    async fn memory() -> Conn {
        let url = DatabaseUrl::parse("sqlite::memory:", UrlSource::Flag).expect("url");
        Conn::connect(&url).await.expect("connect")
    }

    async fn load(ddl: &str) -> Schema {
        let mut c = memory().await;
        run_sql(&mut c, ddl).await;
        let s = introspect(&mut c, &[]).await.expect("introspect");
        c.close().await;
        s
    }

    async fn case(
        s1: &str,
        s2: &str,
        seed: &str,
        query: &str,
        expect: &[&str],
    ) -> (String, String) {
        roundtrip_case(Dialect::Sqlite, s1, s2, seed, Some((query, expect)))
            .await
            .expect("sqlite is always there")
    }

    #[tokio::test]
    async fn empty_database_is_the_default_schema() {
        assert_eq!(load("").await, Schema::default());
        // sqlite_sequence (made by AUTOINCREMENT) and excluded tables are left out.
        let mut c = memory().await;
        run_sql(
            &mut c,
            "CREATE TABLE schema_versions (id INTEGER PRIMARY KEY AUTOINCREMENT);\n\
             INSERT INTO schema_versions DEFAULT VALUES;",
        )
        .await;
        let s = introspect(&mut c, &["schema_versions"])
            .await
            .expect("introspect");
        assert_eq!(s, Schema::default());
        c.close().await;
    }

    #[tokio::test]
    async fn introspects_a_rich_schema() {
        let s = load(
            "CREATE TABLE users (\n\
               id INTEGER PRIMARY KEY AUTOINCREMENT,\n\
               email varchar(200) NOT NULL UNIQUE,\n\
               status TEXT NOT NULL DEFAULT 'active' CONSTRAINT status_ok CHECK (status IN ('active', 'gone')), -- a comment with CHECK (x)\n\
               score REAL DEFAULT (1 + 1),\n\
               CHECK (score >= 0 /* never negative */)\n\
             );\n\
             CREATE TABLE posts (\n\
               id INTEGER, author_id INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,\n\
               slug TEXT, \"Title\" TEXT,\n\
               PRIMARY KEY (id, slug),\n\
               FOREIGN KEY (slug) REFERENCES Users(EMAIL) ON UPDATE SET NULL\n\
             );\n\
             CREATE INDEX posts_author ON posts (author_id, lower(\"Title\") DESC);\n\
             CREATE UNIQUE INDEX IF NOT EXISTS posts_live ON posts (slug) WHERE author_id > 0;\n\
             CREATE VIEW active_users (id) AS SELECT id FROM users WHERE status = 'active';\n\
             CREATE VIRTUAL TABLE docs USING fts5(body);",
        )
        .await;
        assert_eq!(
            s.tables.keys().collect::<Vec<_>>(),
            ["posts", "users"],
            "the virtual table and its shadow tables are left out"
        );
        let users = &s.tables["users"];
        assert_eq!(
            users.columns,
            vec![
                Column {
                    name: "id".into(),
                    data_type: "INTEGER".into(),
                    nullable: false,
                    default: None,
                    auto_increment: true,
                },
                Column {
                    name: "email".into(),
                    data_type: "VARCHAR(200)".into(),
                    nullable: false,
                    default: None,
                    auto_increment: false,
                },
                Column {
                    name: "status".into(),
                    data_type: "TEXT".into(),
                    nullable: false,
                    default: Some("'active'".into()),
                    auto_increment: false,
                },
                Column {
                    name: "score".into(),
                    data_type: "REAL".into(),
                    nullable: true,
                    default: Some("1 + 1".into()),
                    auto_increment: false,
                },
            ]
        );
        assert_eq!(
            users.primary_key,
            Some(PrimaryKey {
                name: None,
                columns: vec!["id".into()]
            })
        );
        assert_eq!(
            users.uniques,
            vec![UniqueConstraint {
                name: None,
                columns: vec!["email".into()]
            }]
        );
        assert_eq!(
            users.checks,
            vec![
                Check {
                    name: None,
                    expression: "score >= 0".into()
                },
                Check {
                    name: Some("status_ok".into()),
                    expression: "status IN ('active', 'gone')".into()
                },
            ]
        );
        let posts = &s.tables["posts"];
        assert_eq!(
            posts.primary_key.as_ref().map(|p| p.columns.clone()),
            Some(vec!["id".to_string(), "slug".to_string()])
        );
        assert!(!posts.columns[0].auto_increment);
        assert_eq!(
            posts.foreign_keys,
            vec![
                ForeignKey {
                    name: None,
                    columns: vec!["author_id".into()],
                    referenced_table: "users".into(),
                    referenced_columns: vec!["id".into()],
                    on_delete: "CASCADE".into(),
                    on_update: "NO ACTION".into(),
                },
                ForeignKey {
                    name: None,
                    columns: vec!["slug".into()],
                    referenced_table: "users".into(),
                    referenced_columns: vec!["email".into()],
                    on_delete: "NO ACTION".into(),
                    on_update: "SET NULL".into(),
                },
            ]
        );
        assert_eq!(
            posts.indexes,
            vec![
                Index {
                    name: "posts_author".into(),
                    columns: vec!["author_id".into(), "lower(\"Title\") DESC".into()],
                    unique: false,
                    predicate: None,
                    definition: Some(
                        "CREATE INDEX posts_author ON posts (author_id, lower(\"Title\") DESC)"
                            .into()
                    ),
                },
                Index {
                    name: "posts_live".into(),
                    columns: vec!["slug".into()],
                    unique: true,
                    predicate: Some("author_id > 0".into()),
                    definition: Some(
                        "CREATE UNIQUE INDEX posts_live ON posts (slug) WHERE author_id > 0".into()
                    ),
                },
            ]
        );
        assert_eq!(
            s.views["active_users"].definition,
            "SELECT id FROM users WHERE status = 'active'"
        );
        assert!(s.enums.is_empty());
    }

    #[tokio::test]
    async fn column_and_table_level_forms_read_back_equal() {
        let a = load(
            "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n\
             CREATE TABLE c (id INTEGER PRIMARY KEY, email TEXT UNIQUE CHECK (email <> ''),\n\
               pid INTEGER REFERENCES p ON DELETE CASCADE);",
        )
        .await;
        let b = load(
            "CREATE TABLE \"p\" (id integer NOT NULL, code text, PRIMARY KEY (id), UNIQUE (code));\n\
             create table if not exists c (id INTEGER, email TEXT, pid INTEGER,\n\
               PRIMARY KEY (id), UNIQUE (email), CHECK (email <> ''),\n\
               FOREIGN KEY (pid) REFERENCES P (ID) ON DELETE CASCADE ON UPDATE NO ACTION);",
        )
        .await;
        assert_eq!(a, b);
    }

    #[tokio::test]
    async fn rendered_create_table_reads_back_equal() {
        let ddl = "CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT UNIQUE);\n\
             CREATE TABLE \"Odd Name\" (\"select\" TEXT DEFAULT CURRENT_TIMESTAMP COLLATE \"rtrim\",\n\
               n NUMERIC(10, 2) NOT NULL DEFAULT -1.5, b BLOB DEFAULT X'00', e DEFAULT (abs(-3)),\n\
               s TEXT DEFAULT 'it''s', d DEFAULT \"dq\", pid INTEGER,\n\
               CONSTRAINT \"n ok\" CHECK (n > -100), CHECK (\"select\" IS NOT NULL),\n\
               FOREIGN KEY (pid) REFERENCES p (id) ON DELETE SET NULL ON UPDATE RESTRICT,\n\
               PRIMARY KEY (n, s)) ;";
        let s = load(ddl).await;
        let mut text = String::new();
        for t in s.tables.values() {
            text.push_str(&create_table(&t.name, t));
            text.push_str(";\n");
        }
        assert_eq!(load(&text).await, s, "{text}");
    }

    #[test]
    fn scanner_respects_quotes_comments_and_parentheses() {
        let t = scan_create_table(
            "CREATE TABLE \"t(\" (a TEXT DEFAULT 'CHECK (no)' /* CHECK (no) */, \
             \"check\" INT COLLATE nocase CONSTRAINT [c 1] CHECK ((\"check\" > 0) AND a <> ')'), -- CHECK (x)\n\
             CONSTRAINT c2 CHECK (length(a) < 10))",
        );
        assert_eq!(
            t,
            TableText {
                checks: vec![
                    Check {
                        name: Some("c 1".into()),
                        expression: "(\"check\" > 0) AND a <> ')'".into()
                    },
                    Check {
                        name: Some("c2".into()),
                        expression: "length(a) < 10".into()
                    },
                ],
                autoincrement: false,
                collations: vec![("check".into(), "NOCASE".into())],
            }
        );
        assert_eq!(strip_comments(" a -- x\n + b "), "a + b");
        assert_eq!(
            view_query("CREATE VIEW \"as\" (x) AS SELECT 1 AS x -- c"),
            "SELECT 1 AS x"
        );
        assert_eq!(constant_default("-1.5"), Some(false));
        assert_eq!(constant_default("NULL"), Some(true));
        assert_eq!(constant_default("CURRENT_TIMESTAMP"), None);
        assert_eq!(constant_default("1+1"), None);
        assert_eq!(default_sql("1 + 1"), "(1 + 1)");
        assert_eq!(default_sql("'a b'"), "'a b'");
        assert!(mentions("lower(\"Email\")", "email"));
        assert!(!mentions("'email'", "email"));
    }

    #[tokio::test]
    async fn tables_added_and_dropped() {
        case(
            "CREATE TABLE keep (id INTEGER PRIMARY KEY, v TEXT);\n\
             CREATE TABLE old (id INTEGER PRIMARY KEY);",
            "CREATE TABLE keep (id INTEGER PRIMARY KEY, v TEXT);\n\
             CREATE TABLE fresh (id INTEGER PRIMARY KEY, keep_id INTEGER REFERENCES keep (id));\n\
             CREATE INDEX fresh_keep ON fresh (keep_id);",
            "INSERT INTO keep VALUES (1, 'a'), (2, 'b');",
            "SELECT id, v FROM keep ORDER BY id",
            &["1|a", "2|b"],
        )
        .await;
    }

    #[tokio::test]
    async fn columns_added_natively_and_by_rebuild() {
        let (up, down) = case(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, a TEXT, b INTEGER NOT NULL DEFAULT 0,\n\
               c TEXT DEFAULT 'x');",
            "INSERT INTO t VALUES (1, 'a'), (2, NULL);",
            "SELECT id, v FROM t ORDER BY id",
            &["1|a", "2|NULL"],
        )
        .await;
        assert!(
            up.contains("ADD COLUMN b INTEGER NOT NULL DEFAULT 0"),
            "{up}"
        );
        assert!(!up.contains("PRAGMA"), "{up}");
        assert!(down.contains("DROP COLUMN a"), "{down}");
        // A default that is an expression cannot be added in place: rebuild.
        let (up, _) = case(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n\
               n INTEGER DEFAULT (2 * 3));",
            "INSERT INTO t VALUES (1, 'a');",
            "SELECT id, v FROM t ORDER BY id",
            &["1|a"],
        )
        .await;
        assert!(up.starts_with("PRAGMA foreign_keys = OFF;\n"), "{up}");
        assert!(
            up.contains("INSERT INTO _t_new (id, v) SELECT id, v FROM t"),
            "{up}"
        );
    }

    #[tokio::test]
    async fn columns_dropped_natively_and_by_rebuild() {
        let (up, _) = case(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, gone TEXT, ix TEXT);\n\
             CREATE INDEX t_ix ON t (ix, v);",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);",
            "INSERT INTO t VALUES (1, 'a', 'g', 'i');",
            "SELECT id, v FROM t ORDER BY id",
            &["1|a"],
        )
        .await;
        // `ix` goes with its index: DROP INDEX first, then a native drop.
        assert!(up.contains("DROP COLUMN gone"), "{up}");
        assert!(up.contains("DROP COLUMN ix"), "{up}");
        // A column named in a check constraint that stays needs a rebuild.
        let (up, _) = case(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, w INT, CHECK (w > 0 OR v IS NULL));",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, w INT, CHECK (w > 0 OR w IS NULL));",
            "INSERT INTO t VALUES (1, 'a', 5);",
            "SELECT id, w FROM t ORDER BY id",
            &["1|5"],
        )
        .await;
        assert!(up.contains("_t_new"), "{up}");
    }

    #[tokio::test]
    async fn column_types_widened_and_narrowed() {
        let (up, _) = case(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, small SMALLINT, name VARCHAR(10), keep TEXT);",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, small BIGINT, name VARCHAR(5), keep TEXT);",
            "INSERT INTO t VALUES (1, 7, 'abc', 'k');",
            "SELECT id, small, name, keep FROM t ORDER BY id",
            &["1|7|abc|k"],
        )
        .await;
        assert!(
            up.contains("-- WARNING: changes t.name from VARCHAR(10) to VARCHAR(5)"),
            "{up}"
        );
    }

    #[tokio::test]
    async fn nullability_changed() {
        case(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT NOT NULL);",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b TEXT);",
            "INSERT INTO t VALUES (1, 'x', 'y');",
            "SELECT id, a, b FROM t ORDER BY id",
            &["1|x|y"],
        )
        .await;
    }

    #[tokio::test]
    async fn server_defaults_changed() {
        case(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'x', b INT, c TEXT DEFAULT CURRENT_DATE);",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'y', b INT DEFAULT (1 + 1), c TEXT);",
            "INSERT INTO t (id, a, b, c) VALUES (1, 'v', 3, 'd');",
            "SELECT id, a, b, c FROM t ORDER BY id",
            &["1|v|3|d"],
        )
        .await;
    }

    #[tokio::test]
    async fn primary_keys_added_dropped_and_changed() {
        case(
            "CREATE TABLE a (x INTEGER, y TEXT);\n\
             CREATE TABLE b (x INTEGER PRIMARY KEY, y TEXT);\n\
             CREATE TABLE c (x INTEGER, y TEXT NOT NULL, PRIMARY KEY (x));",
            "CREATE TABLE a (x INTEGER PRIMARY KEY, y TEXT);\n\
             CREATE TABLE b (x INTEGER, y TEXT);\n\
             CREATE TABLE c (x INTEGER, y TEXT NOT NULL, PRIMARY KEY (y, x));",
            "INSERT INTO a VALUES (1, 'a');\n\
             INSERT INTO b VALUES (2, 'b');\n\
             INSERT INTO c VALUES (3, 'c');",
            "SELECT x, y FROM a UNION ALL SELECT x, y FROM b UNION ALL SELECT x, y FROM c",
            &["1|a", "2|b", "3|c"],
        )
        .await;
    }

    #[tokio::test]
    async fn collation_changed() {
        let (up, _) = case(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT NOT NULL, n TEXT COLLATE RTRIM);",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE NOT NULL, n TEXT);",
            "INSERT INTO t VALUES (1, 'A@x', 'n ');",
            "SELECT id, email, n FROM t ORDER BY id",
            &["1|A@x|n "],
        )
        .await;
        assert!(up.contains("email TEXT COLLATE NOCASE NOT NULL"), "{up}");
    }

    #[tokio::test]
    async fn autoincrement_changed() {
        case(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);",
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);",
            "INSERT INTO t VALUES (5, 'a');",
            "SELECT id, v FROM t ORDER BY id",
            &["5|a"],
        )
        .await;
    }

    #[tokio::test]
    async fn unique_constraints_added_and_dropped() {
        case(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE, b TEXT, c TEXT);",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c TEXT, UNIQUE (b, c));",
            "INSERT INTO t VALUES (1, 'a', 'b', 'c'), (2, 'a2', 'b', 'c2');",
            "SELECT id, a, b, c FROM t ORDER BY id",
            &["1|a|b|c", "2|a2|b|c2"],
        )
        .await;
    }

    #[tokio::test]
    async fn indexes_unique_partial_multi_column_and_expression() {
        let (up, _) = case(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);\n\
             CREATE INDEX t_a ON t (a);\n\
             CREATE INDEX t_changes ON t (a, b);",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);\n\
             CREATE UNIQUE INDEX t_b ON t (b) WHERE b IS NOT NULL;\n\
             CREATE INDEX t_changes ON t (b, a);\n\
             CREATE INDEX t_lower ON t (lower(a), b DESC);",
            "INSERT INTO t VALUES (1, 'x', 'y'), (2, 'x', NULL), (3, 'z', NULL);",
            "SELECT id, a, b FROM t ORDER BY id",
            &["1|x|y", "2|x|NULL", "3|z|NULL"],
        )
        .await;
        assert!(!up.contains("PRAGMA"), "indexes change in place:\n{up}");
    }

    #[tokio::test]
    async fn foreign_keys_added_dropped_and_actions_changed() {
        case(
            "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n\
             CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id) ON DELETE CASCADE,\n\
               code TEXT, other INTEGER REFERENCES p (id));",
            "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n\
             CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id) ON DELETE SET NULL ON UPDATE CASCADE,\n\
               code TEXT REFERENCES p (code) ON UPDATE CASCADE, other INTEGER);",
            "INSERT INTO p VALUES (1, 'one'), (2, 'two');\n\
             INSERT INTO c VALUES (10, 1, 'one', 2), (11, 2, 'two', NULL);",
            "SELECT c.id, c.pid, c.code, c.other, p.code FROM c JOIN p ON p.id = c.pid ORDER BY c.id",
            &["10|1|one|2|one", "11|2|two|NULL|two"],
        )
        .await;
    }

    #[tokio::test]
    async fn two_new_tables_referencing_each_other() {
        let (up, down) = case(
            "CREATE TABLE keep (id INTEGER PRIMARY KEY, v TEXT);",
            "CREATE TABLE keep (id INTEGER PRIMARY KEY, v TEXT);\n\
             CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b (id) ON DELETE SET NULL);\n\
             CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id) ON DELETE CASCADE);",
            "INSERT INTO keep VALUES (1, 'k');",
            "SELECT id, v FROM keep",
            &["1|k"],
        )
        .await;
        assert!(
            !up.contains("_new"),
            "no rebuild for tables made here:\n{up}"
        );
        assert!(down.starts_with("PRAGMA foreign_keys = OFF;\n"), "{down}");
    }

    #[tokio::test]
    async fn check_constraints_added_dropped_and_renamed() {
        case(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, n INT CHECK (n > 0), m INT,\n\
               CONSTRAINT m_small CHECK (m < 100));",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, n INT, m INT,\n\
               CONSTRAINT m_tiny CHECK (m < 100), CONSTRAINT n_pos CHECK (n >= 0));",
            "INSERT INTO t VALUES (1, 5, 50);",
            "SELECT id, n, m FROM t ORDER BY id",
            &["1|5|50"],
        )
        .await;
    }

    #[tokio::test]
    async fn views_added_dropped_changed_and_over_a_changed_table() {
        case(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT);\n\
             CREATE VIEW gone AS SELECT id FROM t;\n\
             CREATE VIEW changes AS SELECT id, a FROM t;\n\
             CREATE VIEW over AS SELECT id, b FROM t WHERE b > 0;",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT NOT NULL);\n\
             CREATE VIEW fresh AS SELECT a FROM t;\n\
             CREATE VIEW changes AS SELECT id, a, b FROM t;\n\
             CREATE VIEW over AS SELECT id, b FROM t WHERE b > 0;",
            "INSERT INTO t VALUES (1, 'x', 2);",
            "SELECT id, a, b FROM over JOIN t USING (id, b)",
            &["1|x|2"],
        )
        .await;
    }

    #[tokio::test]
    async fn rebuilt_parent_keeps_cascading_children() {
        let (up, down) = case(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);\n\
             CREATE TABLE child (id INTEGER PRIMARY KEY,\n\
               parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE, v TEXT);\n\
             CREATE INDEX child_parent ON child (parent_id);",
            "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '',\n\
               CHECK (length(name) < 50));\n\
             CREATE TABLE child (id INTEGER PRIMARY KEY,\n\
               parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE, v TEXT);\n\
             CREATE INDEX child_parent ON child (parent_id);",
            "INSERT INTO parent VALUES (1, 'p1'), (2, 'p2');\n\
             INSERT INTO child VALUES (10, 1, 'a'), (11, 2, 'b'), (12, 2, 'c');",
            "SELECT c.id, c.parent_id, c.v, p.name FROM child c JOIN parent p ON p.id = c.parent_id \
             ORDER BY c.id",
            &["10|1|a|p1", "11|2|b|p2", "12|2|c|p2"],
        )
        .await;
        for section in [&up, &down] {
            assert!(
                section.starts_with("PRAGMA foreign_keys = OFF;\n"),
                "{section}"
            );
            assert!(section.contains("DROP TABLE parent;"), "{section}");
        }
    }

    #[tokio::test]
    async fn renames_keep_data_and_rebuild_under_the_new_names() {
        let s1 = "CREATE TABLE old (id INTEGER PRIMARY KEY, a TEXT, n INT);\n\
                  CREATE TABLE other (id INTEGER PRIMARY KEY, old_id INTEGER REFERENCES old (id));";
        let s2 = "CREATE TABLE new (id INTEGER PRIMARY KEY, b TEXT, n INT NOT NULL DEFAULT 0);\n\
                  CREATE TABLE other (id INTEGER PRIMARY KEY, old_id INTEGER REFERENCES new (id));";
        let m1 = load(s1).await;
        let m2 = load(s2).await;
        let renames = Renames {
            tables: vec![("old".into(), "new".into())],
            columns: vec![("new".into(), "a".into(), "b".into())],
        };
        let diff = Diff::new(Dialect::Sqlite, &m1, &m2, &renames);
        let mut c = memory().await;
        run_sql(&mut c, s1).await;
        run_sql(
            &mut c,
            "INSERT INTO old VALUES (1, 'x', 3); INSERT INTO other VALUES (7, 1);",
        )
        .await;
        run_sql(&mut c, &super::super::section_text(&diff.render())).await;
        assert_eq!(introspect(&mut c, &[]).await.expect("introspect"), m2);
        run_sql(
            &mut c,
            &super::super::section_text(&diff.reverse().render()),
        )
        .await;
        assert_eq!(introspect(&mut c, &[]).await.expect("introspect"), m1);
        let rows = c
            .fetch_strings("SELECT o.id, old.a, old.n FROM other o JOIN old ON old.id = o.old_id")
            .await
            .expect("rows");
        assert_eq!(
            rows,
            vec![vec![Some("7".into()), Some("x".into()), Some("3".into())]]
        );
        c.close().await;
    }

    #[tokio::test]
    async fn file_backed_database_behaves_like_memory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("dev.db");
        let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display()), UrlSource::Flag)
            .expect("url");
        let s1 = "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);\n\
                  CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p ON DELETE CASCADE);\n\
                  CREATE VIEW names AS SELECT name FROM p;";
        let s2 = "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT NOT NULL, UNIQUE (name));\n\
                  CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p ON DELETE CASCADE);\n\
                  CREATE VIEW names AS SELECT name FROM p;";
        let mut f = Conn::connect(&url).await.expect("file");
        run_sql(&mut f, s1).await;
        run_sql(
            &mut f,
            "INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (1, 1);",
        )
        .await;
        let m1 = introspect(&mut f, &[]).await.expect("introspect");
        assert_eq!(m1, load(s1).await);
        let m2 = load(s2).await;
        let diff = Diff::new(Dialect::Sqlite, &m1, &m2, &Renames::default());
        run_sql(&mut f, &super::super::section_text(&diff.render())).await;
        assert_eq!(introspect(&mut f, &[]).await.expect("introspect"), m2);
        run_sql(
            &mut f,
            &super::super::section_text(&diff.reverse().render()),
        )
        .await;
        assert_eq!(introspect(&mut f, &[]).await.expect("introspect"), m1);
        let rows = f
            .fetch_strings("SELECT count(*) FROM c")
            .await
            .expect("rows");
        assert_eq!(rows, vec![vec![Some("1".into())]]);
        let check = f
            .fetch_strings("PRAGMA foreign_key_check")
            .await
            .expect("check");
        assert!(check.is_empty(), "{check:?}");
        f.close().await;
    }

    #[test]
    fn every_change_renders_without_panicking() {
        use super::super::model::EnumType;
        let e = EnumType {
            name: "mood".into(),
            values: vec!["a".into()],
        };
        let t = Table {
            name: "t".into(),
            columns: vec![Column {
                name: "a".into(),
                data_type: "TEXT".into(),
                nullable: true,
                ..Column::default()
            }],
            ..Table::default()
        };
        let from = Schema::default();
        let to = Schema::default();
        let changes = vec![
            Change::CreateEnum(e.clone()),
            Change::AddEnumValues {
                from: e.clone(),
                to: e.clone(),
            },
            Change::ReplaceEnum {
                from: e.clone(),
                to: e.clone(),
            },
            Change::DropEnum(e),
            // Tables that are in neither schema: nothing to rebuild, no panic.
            Change::AlterColumn {
                table: "zz".into(),
                from: t.columns[0].clone(),
                to: t.columns[0].clone(),
            },
            Change::AddCheck {
                table: "zz".into(),
                check: Check::default(),
            },
            Change::CreateTable(t),
        ];
        let diff = Diff {
            dialect: Dialect::Sqlite,
            from,
            to,
            renames: Renames::default(),
            changes,
        };
        let steps = render(&diff);
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert!(steps[0].sql[0].starts_with("CREATE TABLE t ("));
    }
}
