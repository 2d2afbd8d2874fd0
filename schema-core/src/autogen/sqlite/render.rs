//! Rendering the changes as SQLite statements, with the table rebuild for what `ALTER TABLE`
//! cannot do.

use std::collections::{BTreeMap, BTreeSet};

use super::D;
use super::lex::*;
use crate::autogen::model::{self, Column, Index, Table};
use crate::autogen::{Change, Diff, Step, render};

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
            Change::DropForeignKey { table, .. } => {
                if !diff.to.tables.contains_key(table) {
                    // Between two tables that are both dropped: nothing to rebuild, but
                    // dropping the first must not check or cascade into the second.
                    fk_off = true;
                }
                Some(table.as_str())
            }
            Change::AddForeignKey { table, .. } => {
                (!created.contains(table.as_str())).then_some(table.as_str())
            }
            Change::AddColumn { table, column } => {
                (!can_add_column(column)).then_some(table.as_str())
            }
            Change::DropColumn { table, column } => {
                let ok = match (from_tables.get(table), diff.to.tables.get(table)) {
                    (Some(old), Some(new)) => can_drop_column(old, new, &column.name),
                    _ => false,
                };
                (!ok).then_some(table.as_str())
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
            // Indexes are made and dropped in place.
            Change::CreateIndex { .. } | Change::DropIndex { .. } => None,
            // Any other change to a table (a column's definition, keys, unique and check
            // constraints) only a rebuild makes.
            other => table_of(other),
        };
        if let Some(t) = table
            && diff.to.tables.contains_key(t)
            && !created.contains(t)
        {
            rebuilt.insert(t.to_string());
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
pub(super) fn table_of(change: &Change) -> Option<&str> {
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

pub(super) fn render_change(diff: &Diff, change: &Change, created: &BTreeSet<&str>) -> Vec<String> {
    let q = |n: &str| model::quote(D, n);
    match change {
        // SQLite has no enum types: its introspection never has any.
        Change::CreateEnum(_)
        | Change::AddEnumValues { .. }
        | Change::ReplaceEnum { .. }
        | Change::DropEnum(_) => Vec::new(),
        Change::DropView(v) => vec![render::drop(D, "VIEW", &v.name)],
        Change::CreateView(v) => vec![render::create_view(D, v)],
        Change::DropIndex { index, .. } => vec![render::drop(D, "INDEX", &index.name)],
        Change::CreateIndex { table, index } => vec![create_index(table, index)],
        Change::DropTable(t) => vec![render::drop(D, "TABLE", &t.name)],
        Change::RenameTable { from, to } => {
            vec![format!("ALTER TABLE {} RENAME TO {}", q(from), q(to))]
        }
        Change::RenameColumn { table, from, to } => vec![render::rename_column(D, table, from, to)],
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
pub(super) fn renamed_from_tables(diff: &Diff) -> BTreeMap<String, Table> {
    diff.renames.apply(&diff.from).tables
}

/// SQLite's `ADD COLUMN` takes a column that is nullable or has a constant non-NULL default,
/// and is not auto-incremented (keys and constraints come as their own changes, which
/// rebuild).
pub(super) fn can_add_column(c: &Column) -> bool {
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
pub(super) fn can_drop_column(table: &Table, new: &Table, column: &str) -> bool {
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
pub(super) fn mentions(sql: &str, name: &str) -> bool {
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
pub(super) fn constant_default(d: &str) -> Option<bool> {
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
pub(super) fn default_sql(d: &str) -> String {
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

pub(super) fn column_def(c: &Column, autoincrement_key: bool) -> String {
    let mut s = render::column_head(D, c);
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
pub(super) fn create_table(name: &str, t: &Table) -> String {
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
        items.push(render::primary_key_clause(
            D,
            pk.name.as_deref(),
            &model::quote_list(D, &pk.columns),
        ));
    }
    for u in &t.uniques {
        items.push(render::unique_clause(
            D,
            u.name.as_deref(),
            &model::quote_list(D, &u.columns),
        ));
    }
    items.extend(
        t.foreign_keys
            .iter()
            .map(|fk| render::fk_clause(D, fk, false)),
    );
    items.extend(t.checks.iter().map(|c| render::check_clause(D, c)));
    format!(
        "CREATE TABLE {} (\n    {}\n)",
        q(name),
        items.join(",\n    ")
    )
}

pub(super) fn create_index(table: &str, index: &Index) -> String {
    if let Some(def) = &index.definition {
        return def.clone();
    }
    let items = index
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
        .join(", ");
    render::create_index(
        D,
        render::unique_kind(index),
        table,
        &index.name,
        &items,
        index.predicate.as_deref(),
    )
}

/// SQLite's table rebuild for `table` towards its definition in `diff.to`, carrying the rows
/// of the columns both definitions have, and every warning of the changes it stands for.
pub(super) fn rebuild(diff: &Diff, table: &str, from_tables: &BTreeMap<String, Table>) -> Step {
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
    sql.push(render::drop(D, "TABLE", table));
    sql.push(format!("ALTER TABLE {} RENAME TO {}", q(&temp), q(table)));
    for index in &new.indexes {
        sql.push(create_index(table, index));
    }
    Step {
        warning: (!warnings.is_empty()).then(|| warnings.join("; ")),
        sql,
    }
}
