//! MySQL and MariaDB: the connected database read from `information_schema`, and the changes
//! rendered as `ALTER TABLE` statements.
//!
//! Tested against MariaDB 10.11; where MySQL 8 differs (defaults, check constraints, functional
//! index parts) the catalog is read the MySQL way when `VERSION()` does not say MariaDB, and the
//! statements are ones both accept (`DROP CONSTRAINT` is MySQL 8.0.19+, `RENAME COLUMN` is
//! MariaDB 10.5+ / MySQL 8).
//!
//! Modelling choices that keep render → introspect stable:
//! - unique indexes and unique constraints are the same thing here: every unique index other
//!   than `PRIMARY` is a [`UniqueConstraint`] with its name;
//! - the index InnoDB creates for a foreign key that has none is an ordinary [`Index`] named
//!   after the constraint, so the diff creates it before the `AddForeignKey` and drops it after
//!   the `DropForeignKey`; `CREATE TABLE` declares all of a table's indexes inline;
//! - `ON UPDATE …` and generated columns' `GENERATED ALWAYS AS (…)` are part of `data_type`
//!   (the model has no field for them, and they render back in that place);
//! - MariaDB names a column-level check after its column and only `MODIFY COLUMN` can drop it,
//!   so a check named like a column of its table is rendered at the column.

use std::collections::{BTreeMap, BTreeSet};

use super::diff::Change;
use super::model::{
    self, Check, Column, ForeignKey, Index, PrimaryKey, Schema, Table, UniqueConstraint, View,
};
use super::{Diff, Step};
use crate::db::{Conn, DbError, Dialect};

fn q(name: &str) -> String {
    model::quote(Dialect::MySql, name)
}

/// A text column of a catalog row.
fn col(row: &[Option<String>], i: usize) -> Option<String> {
    row.get(i).cloned().flatten()
}

fn text(row: &[Option<String>], i: usize) -> String {
    col(row, i).unwrap_or_default()
}

pub async fn introspect(conn: &mut Conn, exclude: &[&str]) -> Result<Schema, DbError> {
    let info = conn
        .fetch_strings("SELECT CAST(DATABASE() AS CHAR), CAST(VERSION() AS CHAR)")
        .await?;
    let Some(first) = info.first() else {
        return Ok(Schema::default());
    };
    let Some(db) = col(first, 0) else {
        // No database selected: nothing to read.
        return Ok(Schema::default());
    };
    let mariadb = text(first, 1).to_ascii_lowercase().contains("mariadb");
    let skip = |name: &str| exclude.contains(&name);

    let mut schema = Schema::default();
    let mut view_names = BTreeSet::new();
    for row in conn
        .fetch_strings(
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(TABLE_TYPE AS CHAR) \
             FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
        )
        .await?
    {
        let name = text(&row, 0);
        if skip(&name) {
            continue;
        }
        match text(&row, 1).as_str() {
            // MariaDB calls system-versioned tables so; sequences are left out.
            "BASE TABLE" | "SYSTEM VERSIONED" => {
                schema.tables.insert(
                    name.clone(),
                    Table {
                        name,
                        ..Table::default()
                    },
                );
            }
            "VIEW" => {
                view_names.insert(name);
            }
            _ => {}
        }
    }

    for row in conn
        .fetch_strings(
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(COLUMN_TYPE AS CHAR), \
             CAST(IS_NULLABLE AS CHAR), CAST(COLUMN_DEFAULT AS CHAR), CAST(EXTRA AS CHAR), \
             CAST(GENERATION_EXPRESSION AS CHAR) \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
             ORDER BY TABLE_NAME, ORDINAL_POSITION",
        )
        .await?
    {
        let Some(table) = schema.tables.get_mut(&text(&row, 0)) else {
            continue;
        };
        table.columns.push(read_column(&row, mariadb));
    }

    // Primary keys, unique constraints (= unique indexes) and indexes, part by part.
    let stats_sql = if mariadb {
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), \
         CAST(NON_UNIQUE AS CHAR), CAST(SUB_PART AS CHAR), CAST(COLLATION AS CHAR), \
         CAST(INDEX_TYPE AS CHAR), NULL \
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
    } else {
        // MySQL 8: functional key parts have no COLUMN_NAME but an EXPRESSION.
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), \
         CAST(NON_UNIQUE AS CHAR), CAST(SUB_PART AS CHAR), CAST(COLLATION AS CHAR), \
         CAST(INDEX_TYPE AS CHAR), CAST(EXPRESSION AS CHAR) \
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
    };
    // (table, index) -> (unique, index type, parts), in name order.
    let mut keys: BTreeMap<(String, String), (bool, String, Vec<String>)> = BTreeMap::new();
    for row in conn.fetch_strings(stats_sql).await? {
        let table = text(&row, 0);
        if !schema.tables.contains_key(&table) {
            continue;
        }
        let mut part = match (col(&row, 2), col(&row, 7)) {
            (Some(c), _) => c,
            (None, Some(e)) => format!("({e})"),
            (None, None) => continue,
        };
        let plain = col(&row, 4).is_none() && col(&row, 5).as_deref() != Some("D");
        if !plain && col(&row, 2).is_some() {
            part = q(&part);
        }
        if let Some(n) = col(&row, 4) {
            part = format!("{part}({n})");
        }
        if col(&row, 5).as_deref() == Some("D") {
            part.push_str(" DESC");
        }
        let entry = keys.entry((table, text(&row, 1))).or_insert((
            text(&row, 3) == "0",
            text(&row, 6).to_ascii_uppercase(),
            Vec::new(),
        ));
        entry.2.push(part);
    }
    for ((table_name, name), (unique, kind, columns)) in keys {
        let Some(table) = schema.tables.get_mut(&table_name) else {
            continue;
        };
        if name == "PRIMARY" {
            table.primary_key = Some(PrimaryKey {
                name: None,
                columns,
            });
        } else if unique {
            table.uniques.push(UniqueConstraint {
                name: Some(name),
                columns,
            });
        } else {
            // FULLTEXT and SPATIAL indexes keep their kind in the statement that makes them.
            let definition = matches!(kind.as_str(), "FULLTEXT" | "SPATIAL").then(|| {
                format!(
                    "CREATE {kind} INDEX {} ON {} ({})",
                    q(&name),
                    q(&table_name),
                    parts(&columns)
                )
            });
            table.indexes.push(Index {
                name,
                columns,
                unique: false,
                predicate: None,
                definition,
            });
        }
    }

    let mut fks: BTreeMap<(String, String), ForeignKey> = BTreeMap::new();
    for row in conn
        .fetch_strings(
            "SELECT CAST(k.TABLE_NAME AS CHAR), CAST(k.CONSTRAINT_NAME AS CHAR), \
             CAST(k.COLUMN_NAME AS CHAR), CAST(k.REFERENCED_TABLE_NAME AS CHAR), \
             CAST(k.REFERENCED_COLUMN_NAME AS CHAR), CAST(r.DELETE_RULE AS CHAR), \
             CAST(r.UPDATE_RULE AS CHAR) \
             FROM information_schema.KEY_COLUMN_USAGE k \
             JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
               ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA \
              AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME \
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
             ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
        )
        .await?
    {
        let table = text(&row, 0);
        if !schema.tables.contains_key(&table) {
            continue;
        }
        let name = text(&row, 1);
        let fk = fks
            .entry((table, name.clone()))
            .or_insert_with(|| ForeignKey {
                name: Some(name),
                columns: Vec::new(),
                referenced_table: text(&row, 3),
                referenced_columns: Vec::new(),
                on_delete: text(&row, 5).to_ascii_uppercase(),
                on_update: text(&row, 6).to_ascii_uppercase(),
            });
        fk.columns.push(text(&row, 2));
        fk.referenced_columns.push(text(&row, 4));
    }
    for ((table, _), fk) in fks {
        if let Some(t) = schema.tables.get_mut(&table) {
            t.foreign_keys.push(fk);
        }
    }

    // MariaDB's check names are per table and its CHECK_CONSTRAINTS has TABLE_NAME; MySQL 8's
    // are per schema and only TABLE_CONSTRAINTS knows the table.
    let checks_sql = if mariadb {
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(CONSTRAINT_NAME AS CHAR), CAST(CHECK_CLAUSE AS CHAR) \
         FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"
    } else {
        "SELECT CAST(tc.TABLE_NAME AS CHAR), CAST(cc.CONSTRAINT_NAME AS CHAR), \
         CAST(cc.CHECK_CLAUSE AS CHAR) \
         FROM information_schema.TABLE_CONSTRAINTS tc \
         JOIN information_schema.CHECK_CONSTRAINTS cc \
           ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
         WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'"
    };
    for row in conn.fetch_strings(checks_sql).await? {
        if let Some(t) = schema.tables.get_mut(&text(&row, 0)) {
            t.checks.push(Check {
                name: col(&row, 1),
                expression: text(&row, 2),
            });
        }
    }

    // View definitions qualify every table with the database's name; without it the scratch
    // and the development database compare equal (and the view is made in the current one).
    let qualifier = format!("`{}`.", db.replace('`', "``"));
    for row in conn
        .fetch_strings(
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(VIEW_DEFINITION AS CHAR) \
             FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()",
        )
        .await?
    {
        let name = text(&row, 0);
        if !view_names.contains(&name) {
            continue;
        }
        let definition = text(&row, 1).replace(&qualifier, "");
        schema.views.insert(name.clone(), View { name, definition });
    }

    for t in schema.tables.values_mut() {
        t.uniques.sort();
        t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        t.foreign_keys.sort_by(|a, b| {
            (&a.columns, &a.referenced_table, &a.name).cmp(&(
                &b.columns,
                &b.referenced_table,
                &b.name,
            ))
        });
        t.checks.sort();
    }
    Ok(schema)
}

/// One row of `information_schema.COLUMNS` as a column of the model.
fn read_column(row: &[Option<String>], mariadb: bool) -> Column {
    let extra = text(row, 5);
    let lower = extra.to_ascii_lowercase();
    let mut data_type = text(row, 2);
    let generated = lower.contains("generated") && !lower.contains("default_generated")
        || lower.contains("virtual")
        || lower.contains("stored")
        || lower.contains("persistent");
    if generated && let Some(expr) = col(row, 6).filter(|e| !e.is_empty()) {
        let kind = if lower.contains("virtual") {
            "VIRTUAL"
        } else {
            "STORED"
        };
        data_type = format!("{data_type} GENERATED ALWAYS AS ({expr}) {kind}");
    }
    if let Some(i) = lower.find("on update ") {
        data_type = format!(
            "{data_type} ON UPDATE {}",
            extra[i + "on update ".len()..].trim()
        );
    }
    let raw = col(row, 4);
    let default = if generated {
        None
    } else if mariadb {
        // MariaDB writes literals as SQL (`'x'`, `1.50`, `current_timestamp()`) and a nullable
        // column without default as the text `NULL`.
        raw.filter(|d| d != "NULL")
    } else {
        raw.map(|d| mysql8_default(&d, lower.contains("default_generated")))
    };
    Column {
        name: text(row, 1),
        data_type,
        nullable: text(row, 3) == "YES",
        default,
        auto_increment: lower.contains("auto_increment"),
    }
}

/// MySQL 8 gives a literal default as its bare value and an expression default without its
/// parentheses (flagged `DEFAULT_GENERATED`): turn both into SQL that `DEFAULT` takes back.
fn mysql8_default(raw: &str, expression: bool) -> String {
    let lower = raw.to_ascii_lowercase();
    let now_like = ["current_timestamp", "now(", "localtime", "localtimestamp"]
        .iter()
        .any(|f| lower.starts_with(f));
    if expression {
        if now_like {
            raw.to_string()
        } else {
            format!("({raw})")
        }
    } else if (lower.starts_with("b'") || lower.starts_with("x'")) && raw.ends_with('\'') {
        raw.to_string()
    } else {
        literal(raw)
    }
}

/// A string literal for a value: MySQL reads a backslash in a string literal as an escape
/// (unless `NO_BACKSLASH_ESCAPES` is set), so it is doubled as well as `'`. Only for values;
/// catalog texts that are already SQL (MariaDB's `COLUMN_DEFAULT`, check clauses, view
/// definitions, `COLUMN_TYPE`) are used as they are.
fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// Key parts as written in a statement: plain column names quoted, the parts that carry a
/// prefix length, `DESC` or an expression (already written as SQL by introspect) as they are.
fn parts(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| part(c))
        .collect::<Vec<_>>()
        .join(", ")
}

fn part(c: &str) -> String {
    if c.ends_with(')') || c.starts_with('(') || c.ends_with(" DESC") {
        c.to_string()
    } else {
        q(c)
    }
}

/// The column name a key part is on, when it is a plain column.
fn part_column(p: &str) -> Option<&str> {
    (!(p.ends_with(')') || p.starts_with('(') || p.ends_with(" DESC"))).then_some(p)
}

fn is_generated(c: &Column) -> bool {
    c.data_type.contains(" GENERATED ALWAYS AS (")
}

/// The column's definition after its name. `with_ai` false leaves AUTO_INCREMENT out (for a
/// column that has no key yet).
fn column_def(c: &Column, with_ai: bool, check: Option<&Check>) -> String {
    let mut s = format!("{} {}", q(&c.name), c.data_type);
    if !c.nullable {
        s.push_str(" NOT NULL");
    } else if !is_generated(c) {
        // MariaDB rejects NULL / NOT NULL on generated columns.
        s.push_str(" NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(" DEFAULT ");
        s.push_str(d);
    }
    if c.auto_increment && with_ai {
        s.push_str(" AUTO_INCREMENT");
    }
    if let Some(ch) = check {
        s.push_str(&format!(" CHECK ({})", ch.expression));
    }
    s
}

fn fk_clause(fk: &ForeignKey) -> String {
    let mut s = String::new();
    if let Some(n) = &fk.name {
        s.push_str(&format!("CONSTRAINT {} ", q(n)));
    }
    s.push_str(&format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        model::quote_list(Dialect::MySql, &fk.columns),
        q(&fk.referenced_table),
        model::quote_list(Dialect::MySql, &fk.referenced_columns)
    ));
    for (what, action) in [("DELETE", &fk.on_delete), ("UPDATE", &fk.on_update)] {
        if !action.is_empty() {
            s.push_str(&format!(" ON {what} {action}"));
        }
    }
    s
}

fn unique_clause(u: &UniqueConstraint) -> String {
    match &u.name {
        Some(n) => format!("CONSTRAINT {} UNIQUE ({})", q(n), parts(&u.columns)),
        None => format!("UNIQUE ({})", parts(&u.columns)),
    }
}

fn check_clause(c: &Check) -> String {
    match &c.name {
        Some(n) => format!("CONSTRAINT {} CHECK ({})", q(n), c.expression),
        None => format!("CHECK ({})", c.expression),
    }
}

/// The kind keyword of an index introspect found as FULLTEXT or SPATIAL.
fn index_kind(i: &Index) -> &'static str {
    match &i.definition {
        Some(d) if d.starts_with("CREATE FULLTEXT") => "FULLTEXT ",
        Some(d) if d.starts_with("CREATE SPATIAL") => "SPATIAL ",
        _ if i.unique => "UNIQUE ",
        _ => "",
    }
}

/// An index inside `CREATE TABLE` or `ALTER TABLE … ADD`.
fn index_clause(i: &Index) -> String {
    format!(
        "{}INDEX {} ({})",
        index_kind(i),
        q(&i.name),
        parts(&i.columns)
    )
}

/// The definition for `MODIFY COLUMN`, with the column's check: in MariaDB `MODIFY` replaces
/// a column-level check with whatever the new definition says.
fn modify_def(t: &Table, c: &Column, with_ai: bool) -> String {
    column_def(c, with_ai, column_check(t, &c.name))
}

/// A check named after a column of its table is that column's check (MariaDB's naming of
/// column-level checks, which only `MODIFY COLUMN` can drop).
fn column_check<'a>(t: &'a Table, column: &str) -> Option<&'a Check> {
    t.checks.iter().find(|c| c.name.as_deref() == Some(column))
}

fn is_column_check(t: &Table, c: &Check) -> bool {
    c.name.as_deref().is_some_and(|n| t.column(n).is_some())
}

/// `from` with the confirmed renames applied, so that it can be looked up by the names the
/// changes use.
fn renamed(diff: &Diff) -> BTreeMap<String, Table> {
    diff.renames.apply(&diff.from).tables
}

/// The leading columns of each key of a table (primary key, unique constraints, indexes).
fn key_prefixes(t: &Table) -> Vec<Vec<&str>> {
    fn plain(cs: &[String]) -> Vec<&str> {
        cs.iter().map_while(|c| part_column(c)).collect()
    }
    t.primary_key
        .iter()
        .map(|pk| plain(&pk.columns))
        .chain(t.uniques.iter().map(|u| plain(&u.columns)))
        .chain(
            t.indexes
                .iter()
                .filter(|i| i.definition.is_none())
                .map(|i| plain(&i.columns)),
        )
        .collect()
}

/// Whether some key of the table starts with `column` (an AUTO_INCREMENT column needs one).
fn has_key(t: &Table, column: &str) -> bool {
    key_prefixes(t).iter().any(|k| k.first() == Some(&column))
}

/// Whether some key of the table starts with the foreign key's columns (InnoDB needs one).
fn fk_covered(t: &Table, fk: &ForeignKey) -> bool {
    key_prefixes(t)
        .iter()
        .any(|k| k.len() >= fk.columns.len() && k.iter().zip(&fk.columns).all(|(a, b)| a == b))
}

/// The key a statement is about to remove from a table.
enum Removed<'a> {
    Primary,
    Unique(&'a UniqueConstraint),
    Index(&'a Index),
}

/// Renders the changes. `cur` follows the database through the statements, so that an
/// AUTO_INCREMENT column is never left without a key and a foreign key never without an index:
/// the statement that would do so takes AUTO_INCREMENT off (put back as soon as a key is
/// there) or adds the new schema's replacement key in the same `ALTER TABLE`.
pub fn render(diff: &Diff) -> Vec<Step> {
    let mut r = Renderer {
        diff,
        cur: renamed(diff),
        created: diff
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::CreateTable(t) => Some(t.name.clone()),
                _ => None,
            })
            .collect(),
        absorbed: BTreeSet::new(),
        pending_ai: BTreeSet::new(),
    };
    let mut steps = Vec::new();
    let mut views_done = false;
    for change in &diff.changes {
        let sql = match change {
            Change::CreateView(_) if views_done => continue,
            Change::CreateView(_) => {
                // All new views at once, each after the views it reads.
                views_done = true;
                for v in view_order(&diff.changes) {
                    steps.push(Step {
                        warning: None,
                        sql: vec![format!("CREATE VIEW {} AS {}", q(&v.name), v.definition)],
                    });
                }
                continue;
            }
            _ => r.change(change),
        };
        let mut sql = sql;
        sql.extend(r.restore_auto_increment());
        if sql.is_empty() {
            continue;
        }
        steps.push(Step {
            warning: change.warning(),
            sql,
        });
    }
    // AUTO_INCREMENT that found no key by the end: put back anyway, so that the database
    // says so rather than silently differing from the schema.
    let rest: Vec<String> = std::mem::take(&mut r.pending_ai)
        .into_iter()
        .filter_map(|(t, c)| {
            let table = r.cur.get(&t)?;
            let col = table.column(&c)?.clone();
            Some(format!(
                "ALTER TABLE {} MODIFY COLUMN {}",
                q(&t),
                modify_def(
                    table,
                    &Column {
                        auto_increment: true,
                        ..col
                    },
                    true
                )
            ))
        })
        .collect();
    if !rest.is_empty() {
        steps.push(Step {
            warning: None,
            sql: rest,
        });
    }
    steps
}

/// The views of the `CreateView` changes, each after the others it mentions.
fn view_order(changes: &[Change]) -> Vec<&View> {
    let views: Vec<&View> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateView(v) => Some(v),
            _ => None,
        })
        .collect();
    super::diff::dependency_order(&views)
}

struct Renderer<'a> {
    diff: &'a Diff,
    /// The tables as the statements so far leave them.
    cur: BTreeMap<String, Table>,
    /// Tables made by this diff: their indexes are declared in `CREATE TABLE`.
    created: BTreeSet<String>,
    /// Keys already added by an earlier statement: `(table, "pk" | "unique:name" | "index:name")`.
    absorbed: BTreeSet<(String, String)>,
    /// Columns whose AUTO_INCREMENT waits for a key.
    pending_ai: BTreeSet<(String, String)>,
}

impl Renderer<'_> {
    fn to_table(&self, table: &str) -> Option<&Table> {
        self.diff.to.tables.get(table)
    }

    fn cur_table(&mut self, table: &str) -> &mut Table {
        self.cur.entry(table.to_string()).or_insert_with(|| Table {
            name: table.to_string(),
            ..Table::default()
        })
    }

    fn change(&mut self, change: &Change) -> Vec<String> {
        match change {
            // MySQL has no enum types (ENUM(...) is a column type); nothing to run.
            Change::CreateEnum(_)
            | Change::AddEnumValues { .. }
            | Change::ReplaceEnum { .. }
            | Change::DropEnum(_) => Vec::new(),
            Change::DropView(v) => vec![format!("DROP VIEW {}", q(&v.name))],
            Change::CreateView(v) => {
                vec![format!("CREATE VIEW {} AS {}", q(&v.name), v.definition)]
            }
            Change::DropForeignKey { table, foreign_key } => {
                let t = self.cur_table(table);
                t.foreign_keys.retain(|f| f != foreign_key);
                match &foreign_key.name {
                    Some(n) => vec![format!(
                        "ALTER TABLE {} DROP FOREIGN KEY {}",
                        q(table),
                        q(n)
                    )],
                    None => Vec::new(),
                }
            }
            Change::DropIndex { table, index } => self.drop_key(
                table,
                Removed::Index(index),
                format!("DROP INDEX {}", q(&index.name)),
            ),
            Change::DropUnique { table, unique } => {
                let name = unique
                    .name
                    .clone()
                    .or_else(|| unique.columns.first().cloned())
                    .unwrap_or_default();
                self.drop_key(
                    table,
                    Removed::Unique(unique),
                    format!("DROP INDEX {}", q(&name)),
                )
            }
            Change::DropPrimaryKey { table, .. } => {
                self.drop_key(table, Removed::Primary, "DROP PRIMARY KEY".to_string())
            }
            Change::DropCheck { table, check } => {
                let t = self.cur_table(table);
                t.checks.retain(|c| c != check);
                if is_column_check(t, check) {
                    let Some(c) = check.name.as_deref().and_then(|n| t.column(n)) else {
                        return Vec::new();
                    };
                    vec![format!(
                        "ALTER TABLE {} MODIFY COLUMN {}",
                        q(table),
                        modify_def(t, c, c.auto_increment)
                    )]
                } else {
                    let name = check.name.clone().unwrap_or_default();
                    // MySQL 8.0.19+ and MariaDB; MySQL 8.0.16-18 only know DROP CHECK.
                    vec![format!(
                        "ALTER TABLE {} DROP CONSTRAINT {}",
                        q(table),
                        q(&name)
                    )]
                }
            }
            Change::DropTable(t) => {
                self.cur.remove(&t.name);
                vec![format!("DROP TABLE {}", q(&t.name))]
            }
            Change::RenameTable { from, to } => {
                vec![format!("RENAME TABLE {} TO {}", q(from), q(to))]
            }
            Change::RenameColumn { table, from, to } => vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                q(table),
                q(from),
                q(to)
            )],
            Change::CreateTable(t) => {
                let full = self.to_table(&t.name).cloned().unwrap_or_else(|| t.clone());
                let mut lines: Vec<String> = t
                    .columns
                    .iter()
                    .map(|c| {
                        let check = column_check(t, &c.name);
                        format!("  {}", column_def(c, true, check))
                    })
                    .collect();
                if let Some(pk) = &t.primary_key {
                    lines.push(format!("  PRIMARY KEY ({})", parts(&pk.columns)));
                }
                for u in &t.uniques {
                    lines.push(format!("  {}", unique_clause(u)));
                }
                for i in &full.indexes {
                    lines.push(format!("  {}", index_clause(i)));
                }
                for fk in &t.foreign_keys {
                    lines.push(format!("  {}", fk_clause(fk)));
                }
                for c in t.checks.iter().filter(|c| !is_column_check(t, c)) {
                    lines.push(format!("  {}", check_clause(c)));
                }
                let mut made = t.clone();
                made.indexes = full.indexes.clone();
                self.cur.insert(t.name.clone(), made);
                vec![format!(
                    "CREATE TABLE {} (\n{}\n)",
                    q(&t.name),
                    lines.join(",\n")
                )]
            }
            Change::AddColumn { table, column } => self.add_column(table, column),
            Change::AlterColumn { table, from, to } => {
                let t = self.cur_table(table);
                let with_ai = !to.auto_increment || has_key(t, &to.name);
                let mut now = to.clone();
                now.auto_increment = to.auto_increment && with_ai;
                let unchanged = t.column(&from.name) == Some(&now);
                if let Some(c) = t.columns.iter_mut().find(|c| c.name == from.name) {
                    *c = now;
                }
                let sql = format!(
                    "ALTER TABLE {} MODIFY COLUMN {}",
                    q(table),
                    modify_def(t, to, with_ai)
                );
                if !with_ai {
                    self.pending_ai.insert((table.clone(), to.name.clone()));
                }
                // Only AUTO_INCREMENT changed and an earlier statement (or the one that
                // brings the key) does it: nothing to run here.
                if unchanged { Vec::new() } else { vec![sql] }
            }
            Change::DropColumn { table, column } => {
                let t = self.cur_table(table);
                t.columns.retain(|c| c.name != column.name);
                // MySQL takes the column out of the keys that have it.
                let strip = |cs: &mut Vec<String>| cs.retain(|c| c != &column.name);
                if let Some(pk) = &mut t.primary_key {
                    strip(&mut pk.columns);
                }
                if t.primary_key
                    .as_ref()
                    .is_some_and(|pk| pk.columns.is_empty())
                {
                    t.primary_key = None;
                }
                t.uniques.iter_mut().for_each(|u| strip(&mut u.columns));
                t.uniques.retain(|u| !u.columns.is_empty());
                t.indexes.iter_mut().for_each(|i| strip(&mut i.columns));
                t.indexes.retain(|i| !i.columns.is_empty());
                vec![format!(
                    "ALTER TABLE {} DROP COLUMN {}",
                    q(table),
                    q(&column.name)
                )]
            }
            Change::AddPrimaryKey { table, primary_key } => {
                self.cur_table(table).primary_key = Some(primary_key.clone());
                if self.absorbed.contains(&(table.clone(), "pk".to_string())) {
                    return Vec::new();
                }
                vec![format!(
                    "ALTER TABLE {} ADD PRIMARY KEY ({})",
                    q(table),
                    parts(&primary_key.columns)
                )]
            }
            Change::AddUnique { table, unique } => {
                let t = self.cur_table(table);
                if !t.uniques.contains(unique) {
                    t.uniques.push(unique.clone());
                }
                let key = format!("unique:{}", unique.name.as_deref().unwrap_or_default());
                if self.absorbed.contains(&(table.clone(), key)) {
                    return Vec::new();
                }
                vec![format!(
                    "ALTER TABLE {} ADD {}",
                    q(table),
                    unique_clause(unique)
                )]
            }
            Change::CreateIndex { table, index } => {
                let key = (table.clone(), format!("index:{}", index.name));
                if self.created.contains(table) || self.absorbed.contains(&key) {
                    return Vec::new();
                }
                let t = self.cur_table(table);
                if !t.indexes.contains(index) {
                    t.indexes.push(index.clone());
                }
                // MySQL has no partial indexes: the closest is the index on the whole table.
                vec![format!(
                    "CREATE {}INDEX {} ON {} ({})",
                    index_kind(index),
                    q(&index.name),
                    q(table),
                    parts(&index.columns)
                )]
            }
            Change::AddCheck { table, check } => {
                let t = self.cur_table(table);
                t.checks.push(check.clone());
                match check.name.as_deref().and_then(|n| t.column(n)) {
                    // At the column, as MariaDB declares a check named after it, on the
                    // column as it is by now (columns change before checks are added).
                    Some(c) => vec![format!(
                        "ALTER TABLE {} MODIFY COLUMN {}",
                        q(table),
                        modify_def(t, c, c.auto_increment)
                    )],
                    None => vec![format!(
                        "ALTER TABLE {} ADD {}",
                        q(table),
                        check_clause(check)
                    )],
                }
            }
            Change::AddForeignKey { table, foreign_key } => {
                let t = self.cur_table(table);
                t.foreign_keys.push(foreign_key.clone());
                vec![format!(
                    "ALTER TABLE {} ADD {}",
                    q(table),
                    fk_clause(foreign_key)
                )]
            }
        }
    }

    /// `ALTER TABLE … <drop>` for a key, with what keeps the table valid without it: the
    /// AUTO_INCREMENT of a column left without a key taken off, and the new schema's key for a
    /// foreign key left without an index added in the same statement.
    fn drop_key(&mut self, table: &str, removed: Removed<'_>, drop: String) -> Vec<String> {
        let to = self.to_table(table).cloned();
        let t = self.cur_table(table);
        match removed {
            Removed::Primary => t.primary_key = None,
            Removed::Unique(u) => t.uniques.retain(|x| x != u),
            Removed::Index(i) => t.indexes.retain(|x| x != i),
        }
        let mut clauses = Vec::new();
        let mut absorbed = Vec::new();
        let mut pending = Vec::new();
        let keyless: Vec<String> = t
            .columns
            .iter()
            .filter(|c| c.auto_increment && !has_key(t, &c.name))
            .map(|c| c.name.clone())
            .collect();
        for name in keyless {
            if let Some(c) = t.columns.iter_mut().find(|c| c.name == name) {
                c.auto_increment = false;
            }
            if let Some(c) = t.column(&name) {
                clauses.push(format!("MODIFY COLUMN {}", modify_def(t, c, false)));
            }
            if to
                .as_ref()
                .and_then(|t| t.column(&name))
                .is_some_and(|c| c.auto_increment)
            {
                pending.push(name);
            }
        }
        clauses.push(drop);
        let uncovered: Vec<ForeignKey> = t
            .foreign_keys
            .iter()
            .filter(|fk| !fk_covered(t, fk))
            .cloned()
            .collect();
        if let Some(to) = &to {
            for fk in &uncovered {
                if fk_covered(t, fk) {
                    continue;
                }
                let exists = |c: &String| part_column(c).is_none_or(|c| t.column(c).is_some());
                // The new schema's key that serves this foreign key and is not there yet.
                if let Some(pk) = to.primary_key.as_ref().filter(|pk| {
                    t.primary_key.is_none()
                        && pk.columns.iter().all(exists)
                        && starts_with(&pk.columns, &fk.columns)
                }) {
                    clauses.push(format!("ADD PRIMARY KEY ({})", parts(&pk.columns)));
                    t.primary_key = Some(pk.clone());
                    absorbed.push("pk".to_string());
                } else if let Some(u) = to.uniques.iter().find(|u| {
                    !t.uniques.contains(u)
                        && u.columns.iter().all(exists)
                        && starts_with(&u.columns, &fk.columns)
                }) {
                    clauses.push(format!("ADD {}", unique_clause(u)));
                    t.uniques.push(u.clone());
                    absorbed.push(format!("unique:{}", u.name.as_deref().unwrap_or_default()));
                } else if let Some(i) = to.indexes.iter().find(|i| {
                    !t.indexes.contains(i)
                        && i.columns.iter().all(exists)
                        && starts_with(&i.columns, &fk.columns)
                }) {
                    clauses.push(format!("ADD {}", index_clause(i)));
                    t.indexes.push(i.clone());
                    absorbed.push(format!("index:{}", i.name));
                }
            }
        }
        for a in absorbed {
            self.absorbed.insert((table.to_string(), a));
        }
        for c in pending {
            self.pending_ai.insert((table.to_string(), c));
        }
        vec![format!("ALTER TABLE {} {}", q(table), clauses.join(", "))]
    }

    /// `ADD COLUMN` in the new schema's place. A new AUTO_INCREMENT column comes with its key
    /// in the same statement (existing rows are numbered then; a key added later would find
    /// them all 0).
    fn add_column(&mut self, table: &str, column: &Column) -> Vec<String> {
        let to = self.to_table(table).cloned().unwrap_or_default();
        let position = match to.columns.iter().position(|c| c.name == column.name) {
            Some(0) | None => " FIRST".to_string(),
            Some(i) => format!(" AFTER {}", q(&to.columns[i - 1].name)),
        };
        let t = self.cur_table(table);
        let mut clauses = Vec::new();
        let mut added = column.clone();
        let mut key = None;
        if column.auto_increment {
            let exists = |c: &String| {
                part_column(c).is_none_or(|c| c == column.name || t.column(c).is_some())
            };
            let first = |cs: &[String]| cs.first() == Some(&column.name);
            if let Some(pk) = to.primary_key.as_ref().filter(|pk| {
                t.primary_key.is_none() && first(&pk.columns) && pk.columns.iter().all(exists)
            }) {
                key = Some((
                    format!("ADD PRIMARY KEY ({})", parts(&pk.columns)),
                    "pk".to_string(),
                ));
                t.primary_key = Some(pk.clone());
            } else if let Some(u) = to.uniques.iter().find(|u| {
                !t.uniques.contains(u) && first(&u.columns) && u.columns.iter().all(exists)
            }) {
                key = Some((
                    format!("ADD {}", unique_clause(u)),
                    format!("unique:{}", u.name.as_deref().unwrap_or_default()),
                ));
                t.uniques.push(u.clone());
            } else if let Some(i) = to.indexes.iter().find(|i| {
                !t.indexes.contains(i) && first(&i.columns) && i.columns.iter().all(exists)
            }) {
                key = Some((
                    format!("ADD {}", index_clause(i)),
                    format!("index:{}", i.name),
                ));
                t.indexes.push(i.clone());
            }
            added.auto_increment = key.is_some();
        }
        clauses.push(format!(
            "ADD COLUMN {}{position}",
            column_def(&added, true, None)
        ));
        let after = to
            .columns
            .iter()
            .position(|c| c.name == column.name)
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| to.columns.get(i))
            .and_then(|p| t.columns.iter().position(|c| c.name == p.name));
        match after {
            Some(i) => t.columns.insert(i + 1, added.clone()),
            None => t.columns.insert(0, added.clone()),
        }
        if let Some((clause, k)) = key {
            clauses.push(clause);
            self.absorbed.insert((table.to_string(), k));
        } else if column.auto_increment {
            self.pending_ai
                .insert((table.to_string(), column.name.clone()));
        }
        vec![format!("ALTER TABLE {} {}", q(table), clauses.join(", "))]
    }

    /// `MODIFY COLUMN … AUTO_INCREMENT` for the waiting columns that have a key by now.
    fn restore_auto_increment(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        let pending: Vec<(String, String)> = self.pending_ai.iter().cloned().collect();
        for (table, column) in pending {
            let Some(t) = self.cur.get_mut(&table) else {
                self.pending_ai.remove(&(table, column));
                continue;
            };
            if !has_key(t, &column) {
                continue;
            }
            if let Some(c) = t.columns.iter_mut().find(|c| c.name == column) {
                c.auto_increment = true;
            }
            if let Some(c) = t.column(&column) {
                out.push(format!(
                    "ALTER TABLE {} MODIFY COLUMN {}",
                    q(&table),
                    modify_def(t, c, true)
                ));
            }
            self.pending_ai.remove(&(table, column));
        }
        out
    }
}

fn starts_with(key: &[String], columns: &[String]) -> bool {
    key.len() >= columns.len() && key.iter().zip(columns).all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autogen::{Renames, Scratch, run_sql, section_text, test_server};

    async fn case(s1: &str, s2: &str, seed: &str, query: &str, expect: &[&str]) {
        let out =
            super::super::roundtrip_case(Dialect::MySql, s1, s2, seed, Some((query, expect))).await;
        if let Some((up, down)) = out {
            println!("-- up\n{up}\n-- down\n{down}");
        }
    }

    #[tokio::test]
    async fn tables_added_and_dropped() {
        case(
            "CREATE TABLE keep_me (id INT PRIMARY KEY, v VARCHAR(10));
             CREATE TABLE old_t (id INT PRIMARY KEY, note TEXT);",
            "CREATE TABLE keep_me (id INT PRIMARY KEY, v VARCHAR(10));
             CREATE TABLE new_t (id INT AUTO_INCREMENT PRIMARY KEY,
                 name VARCHAR(20) NOT NULL DEFAULT 'x' CHECK (name <> ''), keep_id INT, n INT,
                 KEY ix_name (name), CONSTRAINT uq_n UNIQUE (n), CHECK (n > 0),
                 CONSTRAINT fk_keep FOREIGN KEY (keep_id) REFERENCES keep_me (id) ON DELETE CASCADE);",
            "INSERT INTO keep_me VALUES (1, 'a'), (2, NULL); INSERT INTO old_t VALUES (1, 'n');",
            "SELECT id, v FROM keep_me ORDER BY id",
            &["1|a", "2|NULL"],
        )
        .await;
    }

    #[tokio::test]
    async fn columns_added_and_dropped() {
        case(
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, gone VARCHAR(5));",
            "CREATE TABLE t (lead_col INT, id INT PRIMARY KEY, a INT,
                 added VARCHAR(20) NOT NULL DEFAULT 'n', b DATETIME NULL);",
            "INSERT INTO t VALUES (1, 10, 'x'), (2, NULL, 'y');",
            "SELECT id, a FROM t ORDER BY id",
            &["1|10", "2|NULL"],
        )
        .await;
    }

    #[tokio::test]
    async fn column_type_widened() {
        case(
            "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(20), n INT, d DECIMAL(5,2), c CHAR(3));",
            "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(200), n BIGINT, d DECIMAL(10,4), c TEXT);",
            "INSERT INTO t VALUES (1, 'hello', 42, 123.45, 'abc');",
            "SELECT id, s, n, CAST(d AS CHAR), c FROM t",
            &["1|hello|42|123.45|abc"],
        )
        .await;
    }

    #[tokio::test]
    async fn auto_increment_key_widened() {
        case(
            "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(5));",
            "CREATE TABLE t (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, v VARCHAR(5));",
            "INSERT INTO t (v) VALUES ('a'), ('b');",
            "SELECT id, v FROM t ORDER BY id",
            &["1|a", "2|b"],
        )
        .await;
    }

    #[tokio::test]
    async fn generated_and_on_update_columns() {
        case(
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, touched TIMESTAMP NULL);",
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, touched TIMESTAMP NULL ON UPDATE CURRENT_TIMESTAMP,
                 twice INT AS (a * 2) VIRTUAL, plus INT GENERATED ALWAYS AS (a + 1) STORED);",
            "INSERT INTO t VALUES (1, 21, NULL);",
            "SELECT id, a, touched FROM t",
            &["1|21|NULL"],
        )
        .await;
    }

    #[tokio::test]
    async fn column_type_narrowed() {
        case(
            "CREATE TABLE t (id BIGINT PRIMARY KEY, s VARCHAR(100), body TEXT, f DOUBLE);",
            "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(10), body VARCHAR(50), f FLOAT);",
            "INSERT INTO t VALUES (7, 'short', 'body text', 1.5);",
            "SELECT id, s, body, CAST(f AS CHAR) FROM t",
            &["7|short|body text|1.5"],
        )
        .await;
    }

    #[tokio::test]
    async fn enum_and_set_column_types_change() {
        case(
            "CREATE TABLE t (id INT PRIMARY KEY, st ENUM('a','b') NOT NULL DEFAULT 'a', tags SET('x','y'));",
            "CREATE TABLE t (id INT PRIMARY KEY, st ENUM('a','b','c') NOT NULL DEFAULT 'b', tags SET('x','y','z'));",
            "INSERT INTO t VALUES (1, 'b', 'x,y'), (2, 'a', NULL);",
            "SELECT id, st, tags FROM t ORDER BY id",
            &["1|b|x,y", "2|a|NULL"],
        )
        .await;
    }

    #[tokio::test]
    async fn nullability_changes() {
        case(
            "CREATE TABLE t (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(10) NULL);",
            "CREATE TABLE t (id INT PRIMARY KEY, a INT NULL, b VARCHAR(10) NOT NULL);",
            "INSERT INTO t VALUES (1, 5, 'x'), (2, 6, 'y');",
            "SELECT id, a, b FROM t ORDER BY id",
            &["1|5|x", "2|6|y"],
        )
        .await;
    }

    #[tokio::test]
    async fn server_defaults_change() {
        case(
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(10) DEFAULT 'old', c INT DEFAULT 1,
                 ts TIMESTAMP NULL, e INT, s VARCHAR(10) NOT NULL DEFAULT '');",
            "CREATE TABLE t (id INT PRIMARY KEY, a INT DEFAULT 0, b VARCHAR(10) DEFAULT 'it''s', c INT,
                 ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
                 e INT DEFAULT (1 + 2), s VARCHAR(10) NOT NULL DEFAULT 'NULL');",
            "INSERT INTO t (id, a, b, c, ts, e) VALUES (1, 3, 'bb', 4, '2020-01-02 03:04:05', 9);",
            "SELECT id, a, b, c, CAST(ts AS CHAR), e FROM t",
            &["1|3|bb|4|2020-01-02 03:04:05|9"],
        )
        .await;
    }

    /// Backslashes and quotes in string defaults: `C:\` and `it's\` (MariaDB's catalog gives
    /// them as SQL already; the value must survive up and down).
    #[tokio::test]
    async fn string_defaults_with_backslashes_and_quotes() {
        case(
            r"CREATE TABLE t (id INT PRIMARY KEY, p VARCHAR(10), q VARCHAR(10) DEFAULT 'x');",
            r"CREATE TABLE t (id INT PRIMARY KEY, p VARCHAR(10) DEFAULT 'C:\\',
                 q VARCHAR(10) DEFAULT 'it''s\\', r VARCHAR(10) NOT NULL DEFAULT 'a\\''b');",
            "INSERT INTO t (id, p) VALUES (1, 'v');",
            "SELECT id, p, q FROM t",
            &["1|v|x"],
        )
        .await;
    }

    /// MySQL 8 gives a literal default as its bare value: written back, a backslash is doubled
    /// (else `'C:\'` runs on into the rest of the statement) and a quote too. The rendered
    /// defaults, run on the server, give the values back.
    #[tokio::test]
    async fn mysql8_bare_string_defaults_are_escaped() {
        let row = |default: &str| {
            vec![
                Some("t".to_string()),
                Some("p".to_string()),
                Some("varchar(10)".to_string()),
                Some("YES".to_string()),
                Some(default.to_string()),
                Some(String::new()),
                None,
            ]
        };
        let values = [r"C:\", r"it's\", r"a\'b", r"\n"];
        let defaults: Vec<String> = values
            .iter()
            .map(|v| read_column(&row(v), false).default.unwrap_or_default())
            .collect();
        assert_eq!(
            defaults,
            [r"'C:\\'", r"'it''s\\'", r"'a\\''b'", r"'\\n'"],
            "as SQL"
        );
        let Some(server) = test_server(Dialect::MySql).await else {
            return;
        };
        let s = Scratch::create(&server).await.expect("scratch");
        let mut c = Conn::connect(&s.url).await.expect("connect");
        let columns: Vec<String> = defaults
            .iter()
            .enumerate()
            .map(|(i, d)| format!("c{i} VARCHAR(10) DEFAULT {d}"))
            .collect();
        run_sql(
            &mut c,
            &format!(
                "CREATE TABLE t (id INT, {});\nINSERT INTO t (id) VALUES (1);",
                columns.join(", ")
            ),
        )
        .await;
        let rows = c.fetch_strings("SELECT c0, c1, c2, c3 FROM t").await;
        c.close().await;
        let _ = s.drop().await;
        let expect: Vec<Option<String>> = values.iter().map(|v| Some(v.to_string())).collect();
        assert_eq!(rows.expect("rows"), vec![expect]);
    }

    #[tokio::test]
    async fn primary_key_added_with_auto_increment() {
        case(
            "CREATE TABLE t (id INT NOT NULL, v VARCHAR(10));",
            "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10));",
            "INSERT INTO t VALUES (1, 'a'), (5, 'b');",
            "SELECT id, v FROM t ORDER BY id",
            &["1|a", "5|b"],
        )
        .await;
    }

    #[tokio::test]
    async fn primary_key_dropped() {
        case(
            "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10));",
            "CREATE TABLE t (id INT NOT NULL, v VARCHAR(10));",
            "INSERT INTO t VALUES (1, 'a'), (2, 'b');",
            "SELECT id, v FROM t ORDER BY id",
            &["1|a", "2|b"],
        )
        .await;
    }

    #[tokio::test]
    async fn primary_key_changed_keeping_auto_increment() {
        case(
            "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, v VARCHAR(5));",
            "CREATE TABLE t (id INT AUTO_INCREMENT, k INT NOT NULL, v VARCHAR(5), PRIMARY KEY (id, k));",
            "INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b');",
            "SELECT id, k, v FROM t ORDER BY id",
            &["1|10|a", "2|20|b"],
        )
        .await;
    }

    #[tokio::test]
    async fn primary_key_moved_to_other_columns() {
        case(
            "CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, v VARCHAR(5), PRIMARY KEY (a));",
            "CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, v VARCHAR(5), PRIMARY KEY (b, a));",
            "INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b');",
            "SELECT a, b, v FROM t ORDER BY a",
            &["1|10|a", "2|20|b"],
        )
        .await;
    }

    #[tokio::test]
    async fn new_auto_increment_primary_key_column() {
        case(
            "CREATE TABLE t (code VARCHAR(10) PRIMARY KEY, v INT);",
            "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(10) NOT NULL, v INT);",
            "INSERT INTO t VALUES ('a', 1), ('b', 2);",
            "SELECT code, v FROM t ORDER BY code",
            &["a|1", "b|2"],
        )
        .await;
    }

    #[tokio::test]
    async fn unique_constraints() {
        case(
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, c INT,
                 CONSTRAINT uq_a UNIQUE (a), CONSTRAINT uq_bc UNIQUE (b, c));",
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, c INT,
                 CONSTRAINT uq_b UNIQUE (b), CONSTRAINT uq_ca UNIQUE (c, a));",
            "INSERT INTO t VALUES (1, 1, 1, 1), (2, 2, 2, 2);",
            "SELECT id, a, b, c FROM t ORDER BY id",
            &["1|1|1|1", "2|2|2|2"],
        )
        .await;
    }

    #[tokio::test]
    async fn indexes_unique_multi_column_prefix_desc() {
        case(
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(100), c INT, body TEXT,
                 KEY ix_a (a), KEY ix_gone (c));",
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(100), c INT, body TEXT,
                 KEY ix_a (a, c), KEY ix_b_prefix (b(10)), KEY ix_c_desc (c DESC),
                 FULLTEXT KEY ft_body (body));
             CREATE UNIQUE INDEX ux_b ON t (b);",
            "INSERT INTO t VALUES (1, 1, 'x', 1, 'hello world'), (2, 2, 'y', 2, NULL);",
            "SELECT id, a, b, c, body FROM t ORDER BY id",
            &["1|1|x|1|hello world", "2|2|y|2|NULL"],
        )
        .await;
    }

    #[tokio::test]
    async fn foreign_keys_added_dropped_and_actions_changed() {
        case(
            "CREATE TABLE parent (id INT PRIMARY KEY, code INT NOT NULL, UNIQUE KEY uq_code (code));
             CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, code INT, other INT,
                 CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE,
                 CONSTRAINT fk_code FOREIGN KEY (code) REFERENCES parent (code));",
            "CREATE TABLE parent (id INT PRIMARY KEY, code INT NOT NULL, UNIQUE KEY uq_code (code));
             CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, code INT, other INT,
                 CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id)
                     ON DELETE SET NULL ON UPDATE CASCADE,
                 CONSTRAINT fk_other FOREIGN KEY (other) REFERENCES parent (id));",
            "INSERT INTO parent VALUES (1, 100), (2, 200);
             INSERT INTO child VALUES (1, 1, 100, 2), (2, 2, 200, NULL);",
            "SELECT id, parent_id, code, other FROM child ORDER BY id",
            &["1|1|100|2", "2|2|200|NULL"],
        )
        .await;
    }

    #[tokio::test]
    async fn foreign_key_index_replaced_by_declared_index() {
        case(
            "CREATE TABLE parent (id INT PRIMARY KEY);
             CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, n INT,
                 CONSTRAINT fk_p FOREIGN KEY (parent_id) REFERENCES parent (id));",
            "CREATE TABLE parent (id INT PRIMARY KEY);
             CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, n INT, KEY ix_pn (parent_id, n),
                 CONSTRAINT fk_p FOREIGN KEY (parent_id) REFERENCES parent (id));",
            "INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1, 5);",
            "SELECT id, parent_id, n FROM child",
            &["1|1|5"],
        )
        .await;
    }

    #[tokio::test]
    async fn new_tables_referencing_each_other() {
        case(
            "CREATE TABLE base (id INT PRIMARY KEY, v INT);",
            "CREATE TABLE base (id INT PRIMARY KEY, v INT);
             CREATE TABLE a (id INT PRIMARY KEY, b_id INT);
             CREATE TABLE b (id INT PRIMARY KEY, a_id INT,
                 CONSTRAINT fk_b_a FOREIGN KEY (a_id) REFERENCES a (id) ON DELETE SET NULL);
             ALTER TABLE a ADD CONSTRAINT fk_a_b FOREIGN KEY (b_id) REFERENCES b (id) ON UPDATE CASCADE;",
            "INSERT INTO base VALUES (1, 11);",
            "SELECT id, v FROM base",
            &["1|11"],
        )
        .await;
    }

    #[tokio::test]
    async fn check_constraints() {
        case(
            "CREATE TABLE t (id INT PRIMARY KEY, age INT CHECK (age >= 0), n INT, m INT,
                 CONSTRAINT ck_n CHECK (n < 100), CHECK (m > 0));",
            "CREATE TABLE t (id INT PRIMARY KEY, age INT, n INT CHECK (n <> 13), m INT,
                 CONSTRAINT ck_n CHECK (n < 1000), CONSTRAINT ck_age CHECK (age < 200));",
            "INSERT INTO t VALUES (1, 30, 5, 1);",
            "SELECT id, age, n, m FROM t",
            &["1|30|5|1"],
        )
        .await;
    }

    #[tokio::test]
    async fn column_check_survives_a_type_change() {
        case(
            "CREATE TABLE t (id INT PRIMARY KEY, age INT CHECK (age >= 0));",
            "CREATE TABLE t (id INT PRIMARY KEY, age BIGINT NOT NULL CHECK (age >= 0));",
            "INSERT INTO t VALUES (1, 30);",
            "SELECT id, age FROM t",
            &["1|30"],
        )
        .await;
    }

    #[tokio::test]
    async fn views_added_dropped_changed() {
        case(
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT);
             CREATE VIEW v_gone AS SELECT id FROM t;
             CREATE VIEW v_change AS SELECT id, a FROM t WHERE a > 0;
             CREATE VIEW v_col AS SELECT id, b FROM t;",
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, b BIGINT);
             CREATE VIEW v_change AS SELECT id, a, b FROM t WHERE a > 1;
             CREATE VIEW v_col AS SELECT id, b FROM t;
             CREATE VIEW v_new AS SELECT id FROM t;
             CREATE VIEW a_on_view AS SELECT id FROM v_new;",
            "INSERT INTO t VALUES (1, 2, 3);",
            "SELECT id, a, b FROM t",
            &["1|2|3"],
        )
        .await;
    }

    /// Renames are not part of `roundtrip_case`: the same round trip with a table and a
    /// column renamed.
    #[tokio::test]
    async fn renames_keep_data() {
        let Some(server) = test_server(Dialect::MySql).await else {
            return;
        };
        let a = Scratch::create(&server).await.expect("scratch a");
        let b = Scratch::create(&server).await.expect("scratch b");
        let mut ca = Conn::connect(&a.url).await.expect("connect a");
        let mut cb = Conn::connect(&b.url).await.expect("connect b");
        run_sql(
            &mut ca,
            "CREATE TABLE old_t (id INT AUTO_INCREMENT PRIMARY KEY, old_c VARCHAR(10), KEY ix (old_c));
             INSERT INTO old_t VALUES (1, 'kept');",
        )
        .await;
        run_sql(
            &mut cb,
            "CREATE TABLE new_t (id INT AUTO_INCREMENT PRIMARY KEY, new_c VARCHAR(10), KEY ix (new_c));",
        )
        .await;
        let m1 = introspect(&mut ca, &[]).await.expect("m1");
        let m2 = introspect(&mut cb, &[]).await.expect("m2");
        let renames = Renames {
            tables: vec![("old_t".into(), "new_t".into())],
            columns: vec![("new_t".into(), "old_c".into(), "new_c".into())],
        };
        let diff = Diff::new(Dialect::MySql, &m1, &m2, &renames);
        let up = section_text(&render(&diff));
        run_sql(&mut ca, &up).await;
        let after_up = introspect(&mut ca, &[]).await.expect("after up");
        let rows = ca
            .fetch_strings("SELECT new_c FROM new_t")
            .await
            .expect("rows");
        run_sql(&mut ca, &section_text(&render(&diff.reverse()))).await;
        let after_down = introspect(&mut ca, &[]).await.expect("after down");
        ca.close().await;
        cb.close().await;
        let _ = a.drop().await;
        let _ = b.drop().await;
        assert_eq!(after_up, m2, "{up}");
        assert_eq!(rows, vec![vec![Some("kept".to_string())]]);
        assert_eq!(after_down, m1);
    }

    async fn introspect_sql(sql: &str, exclude: &[&str]) -> Option<Schema> {
        let server = test_server(Dialect::MySql).await?;
        let s = Scratch::create(&server).await.expect("scratch");
        let mut c = Conn::connect(&s.url).await.expect("connect");
        run_sql(&mut c, sql).await;
        let m = introspect(&mut c, exclude).await;
        c.close().await;
        let _ = s.drop().await;
        Some(m.expect("introspect"))
    }

    #[tokio::test]
    async fn empty_database_is_empty_schema() {
        if let Some(m) = introspect_sql("", &[]).await {
            assert_eq!(m, Schema::default());
        }
    }

    #[tokio::test]
    async fn introspects_a_rich_schema() {
        let Some(m) = introspect_sql(
            "CREATE TABLE users (
                 id INT AUTO_INCREMENT PRIMARY KEY,
                 email VARCHAR(100) NOT NULL,
                 name VARCHAR(40) DEFAULT 'it''s',
                 age INT CHECK (age >= 0),
                 status ENUM('a','b') NOT NULL DEFAULT 'a',
                 updated TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
                 CONSTRAINT uq_email UNIQUE (email),
                 CONSTRAINT ck_name CHECK (name <> ''),
                 KEY ix_name (name(10), age DESC));
             CREATE TABLE posts (id INT PRIMARY KEY, user_id INT,
                 CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE);
             CREATE TABLE schema_versions (id INT);
             CREATE VIEW adults AS SELECT id, email FROM users WHERE age >= 18;",
            &["schema_versions"],
        )
        .await
        else {
            return;
        };
        assert_eq!(m.tables.keys().collect::<Vec<_>>(), ["posts", "users"]);
        let users = &m.tables["users"];
        let names: Vec<&str> = users.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "email", "name", "age", "status", "updated"]);
        let id = &users.columns[0];
        assert!(id.auto_increment && !id.nullable && id.default.is_none());
        assert!(id.data_type.starts_with("int"));
        assert_eq!(users.columns[1].data_type, "varchar(100)");
        assert_eq!(users.columns[2].default.as_deref(), Some("'it''s'"));
        assert!(users.columns[2].nullable);
        assert_eq!(users.columns[3].default, None);
        assert_eq!(users.columns[4].data_type, "enum('a','b')");
        assert_eq!(users.columns[4].default.as_deref(), Some("'a'"));
        assert_eq!(
            users.columns[5].data_type,
            "timestamp ON UPDATE current_timestamp()"
        );
        assert_eq!(
            users.columns[5].default.as_deref(),
            Some("current_timestamp()")
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
                name: Some("uq_email".into()),
                columns: vec!["email".into()]
            }]
        );
        assert_eq!(users.indexes.len(), 1);
        assert_eq!(users.indexes[0].name, "ix_name");
        assert_eq!(users.indexes[0].columns, ["name(10)", "age DESC"]);
        assert_eq!(
            users.checks,
            vec![
                Check {
                    name: Some("age".into()),
                    expression: "`age` >= 0".into()
                },
                Check {
                    name: Some("ck_name".into()),
                    expression: "`name` <> ''".into()
                },
            ]
        );
        let posts = &m.tables["posts"];
        assert_eq!(
            posts.foreign_keys,
            vec![ForeignKey {
                name: Some("fk_user".into()),
                columns: vec!["user_id".into()],
                referenced_table: "users".into(),
                referenced_columns: vec!["id".into()],
                on_delete: "CASCADE".into(),
                on_update: "RESTRICT".into(),
            }]
        );
        // InnoDB's index for the foreign key is an ordinary index named after it.
        assert_eq!(posts.indexes.len(), 1);
        assert_eq!(posts.indexes[0].name, "fk_user");
        let view = &m.views["adults"];
        assert!(
            !view.definition.contains("cargo_schema_scratch"),
            "{}",
            view.definition
        );
        assert!(
            view.definition.contains("from `users`"),
            "{}",
            view.definition
        );
    }

    #[test]
    fn renders_without_a_server() {
        let table = Table {
            name: "order".into(),
            columns: vec![Column {
                name: "id".into(),
                data_type: "int(11)".into(),
                nullable: false,
                default: None,
                auto_increment: true,
            }],
            primary_key: Some(PrimaryKey {
                name: None,
                columns: vec!["id".into()],
            }),
            ..Table::default()
        };
        let to = Schema {
            tables: [("order".to_string(), table)].into(),
            ..Schema::default()
        };
        let diff = Diff::new(Dialect::MySql, &Schema::default(), &to, &Renames::default());
        let steps = render(&diff);
        assert_eq!(
            steps[0].sql,
            [
                "CREATE TABLE `order` (\n  id int(11) NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (id)\n)"
            ]
        );
        let back = render(&diff.reverse());
        assert_eq!(back[0].sql, ["DROP TABLE `order`"]);
        assert!(back[0].warning.is_some());
    }
}
