//! Rendering the changes as MySQL / MariaDB statements: `ALTER TABLE` clauses merged per
//! table, keys and AUTO_INCREMENT kept valid between statements.

use std::collections::{BTreeMap, BTreeSet};

use super::q;
use crate::autogen::diff::Change;
use crate::autogen::model::{Check, Column, ForeignKey, Index, Table, UniqueConstraint, View};
use crate::autogen::{Diff, Step, render};

const MY: Dialect = <crate::backend::MySql as crate::backend::Backend>::DIALECT;
use crate::db::Dialect;

/// A string literal for a value ([`Dialect::quote_literal`]: MySQL reads a backslash in a
/// string literal as an escape unless `NO_BACKSLASH_ESCAPES` is set, so it is doubled as well
/// as `'`). Only for values; catalog texts that are already SQL (MariaDB's `COLUMN_DEFAULT`,
/// check clauses, view definitions, `COLUMN_TYPE`) are used as they are.
pub(super) fn literal(value: &str) -> String {
    MY.quote_literal(value)
}

/// Key parts as written in a statement: plain column names quoted, the parts that carry a
/// prefix length, `DESC` or an expression (already written as SQL by introspect) as they are.
pub(super) fn parts(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| part(c))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn part(c: &str) -> String {
    if c.ends_with(')') || c.starts_with('(') || c.ends_with(" DESC") {
        c.to_string()
    } else {
        q(c)
    }
}

/// The column name a key part is on, when it is a plain column.
pub(super) fn part_column(p: &str) -> Option<&str> {
    (!(p.ends_with(')') || p.starts_with('(') || p.ends_with(" DESC"))).then_some(p)
}

pub(super) fn is_generated(c: &Column) -> bool {
    c.data_type.contains(" GENERATED ALWAYS AS (")
}

/// The column's definition after its name. `with_ai` false leaves AUTO_INCREMENT out (for a
/// column that has no key yet).
pub(super) fn column_def(c: &Column, with_ai: bool, check: Option<&Check>) -> String {
    let mut s = render::column_head(MY, c);
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

pub(super) fn fk_clause(fk: &ForeignKey) -> String {
    render::fk_clause(MY, fk, true)
}

pub(super) fn unique_clause(u: &UniqueConstraint) -> String {
    render::unique_clause(MY, u.name.as_deref(), &parts(&u.columns))
}

pub(super) fn check_clause(c: &Check) -> String {
    render::check_clause(MY, c)
}

/// The kind keyword of an index introspect found as FULLTEXT or SPATIAL.
pub(super) fn index_kind(i: &Index) -> &'static str {
    match &i.definition {
        Some(d) if d.starts_with("CREATE FULLTEXT") => "FULLTEXT ",
        Some(d) if d.starts_with("CREATE SPATIAL") => "SPATIAL ",
        _ if i.unique => "UNIQUE ",
        _ => "",
    }
}

/// An index inside `CREATE TABLE` or `ALTER TABLE … ADD`.
pub(super) fn index_clause(i: &Index) -> String {
    format!(
        "{}INDEX {} ({})",
        index_kind(i),
        q(&i.name),
        parts(&i.columns)
    )
}

/// The definition for `MODIFY COLUMN`, with the column's check: in MariaDB `MODIFY` replaces
/// a column-level check with whatever the new definition says.
pub(super) fn modify_def(t: &Table, c: &Column, with_ai: bool) -> String {
    column_def(c, with_ai, column_check(t, &c.name))
}

/// A check named after a column of its table is that column's check (MariaDB's naming of
/// column-level checks, which only `MODIFY COLUMN` can drop).
pub(super) fn column_check<'a>(t: &'a Table, column: &str) -> Option<&'a Check> {
    t.checks.iter().find(|c| c.name.as_deref() == Some(column))
}

pub(super) fn is_column_check(t: &Table, c: &Check) -> bool {
    c.name.as_deref().is_some_and(|n| t.column(n).is_some())
}

/// `from` with the confirmed renames applied, so that it can be looked up by the names the
/// changes use.
pub(super) fn renamed(diff: &Diff) -> BTreeMap<String, Table> {
    diff.renames.apply(&diff.from).tables
}

/// The leading columns of each key of a table (primary key, unique constraints, indexes).
pub(super) fn key_prefixes(t: &Table) -> Vec<Vec<&str>> {
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
pub(super) fn has_key(t: &Table, column: &str) -> bool {
    key_prefixes(t).iter().any(|k| k.first() == Some(&column))
}

/// Whether some key of the table starts with the foreign key's columns (InnoDB needs one).
pub(super) fn fk_covered(t: &Table, fk: &ForeignKey) -> bool {
    key_prefixes(t)
        .iter()
        .any(|k| k.len() >= fk.columns.len() && k.iter().zip(&fk.columns).all(|(a, b)| a == b))
}

/// The key a statement is about to remove from a table.
pub(super) enum Removed<'a> {
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
                        sql: vec![render::create_view(MY, v)],
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
pub(super) fn view_order(changes: &[Change]) -> Vec<&View> {
    let views: Vec<&View> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateView(v) => Some(v),
            _ => None,
        })
        .collect();
    crate::autogen::diff::dependency_order(&views)
}

pub(super) struct Renderer<'a> {
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
            Change::DropView(v) => vec![render::drop(MY, "VIEW", &v.name)],
            Change::CreateView(v) => {
                vec![render::create_view(MY, v)]
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
                render::drop(MY, "INDEX", &index.name),
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
                    render::drop(MY, "INDEX", &name),
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
                vec![render::drop(MY, "TABLE", &t.name)]
            }
            Change::RenameTable { from, to } => {
                vec![format!("RENAME TABLE {} TO {}", q(from), q(to))]
            }
            Change::RenameColumn { table, from, to } => {
                vec![render::rename_column(MY, table, from, to)]
            }
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
                vec![render::create_index(
                    MY,
                    index_kind(index),
                    table,
                    &index.name,
                    &parts(&index.columns),
                    None,
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
                // A key on columns the table has that starts with the foreign key's columns.
                let serves = |t: &Table, columns: &[String]| {
                    columns
                        .iter()
                        .all(|c| part_column(c).is_none_or(|c| t.column(c).is_some()))
                        && starts_with(columns, &fk.columns)
                };
                if let Some((clause, key)) = add_new_key(t, to, serves) {
                    clauses.push(clause);
                    absorbed.push(key);
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
            // A key that starts with the new column, on columns the table has or gets here.
            let serves = |t: &Table, cs: &[String]| {
                cs.first() == Some(&column.name)
                    && cs.iter().all(|c| {
                        part_column(c).is_none_or(|c| c == column.name || t.column(c).is_some())
                    })
            };
            key = add_new_key(t, &to, serves);
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

/// The first key of the new schema's table `to` (its primary key, then its unique constraints,
/// then its indexes) that `t` lacks and `serves` accepts (given `t` and the key's columns),
/// added to `t`: its `ADD …` clause and its name in `Renderer::absorbed` (`pk`,
/// `unique:name`, `index:name`).
fn add_new_key(
    t: &mut Table,
    to: &Table,
    serves: impl Fn(&Table, &[String]) -> bool,
) -> Option<(String, String)> {
    if let Some(pk) = &to.primary_key
        && t.primary_key.is_none()
        && serves(t, &pk.columns)
    {
        t.primary_key = Some(pk.clone());
        return Some((
            format!("ADD PRIMARY KEY ({})", parts(&pk.columns)),
            "pk".to_string(),
        ));
    }
    if let Some(u) = to
        .uniques
        .iter()
        .find(|u| !t.uniques.contains(u) && serves(t, &u.columns))
    {
        t.uniques.push(u.clone());
        return Some((
            format!("ADD {}", unique_clause(u)),
            format!("unique:{}", u.name.as_deref().unwrap_or_default()),
        ));
    }
    let i = to
        .indexes
        .iter()
        .find(|i| !t.indexes.contains(i) && serves(t, &i.columns))?;
    t.indexes.push(i.clone());
    Some((
        format!("ADD {}", index_clause(i)),
        format!("index:{}", i.name),
    ))
}

pub(super) fn starts_with(key: &[String], columns: &[String]) -> bool {
    key.len() >= columns.len() && key.iter().zip(columns).all(|(a, b)| a == b)
}
