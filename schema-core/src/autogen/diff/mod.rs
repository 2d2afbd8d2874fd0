//! The difference between two schema models, as an ordered list of changes that a renderer
//! turns into one dialect's statements.
//!
//! The order keeps dependencies: enum types before the tables that use them; views, foreign
//! keys, indexes and constraints dropped before what they depend on; referenced tables created
//! first and dropped last; new constraints after the columns they cover; views last.

use std::collections::{BTreeMap, BTreeSet};

use crate::db::Dialect;

use crate::autogen::model::{
    Check, Column, EnumType, ForeignKey, Index, PrimaryKey, Schema, Table, UniqueConstraint, View,
};

mod renames;
#[cfg(test)]
mod tests;

use renames::apply_renames;
pub use renames::{RenameCandidate, Renames, rename_candidates};

/// One step from the old schema towards the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    CreateEnum(EnumType),
    /// `to` is `from` with values added (in place: PostgreSQL's `ADD VALUE … BEFORE/AFTER`).
    AddEnumValues {
        from: EnumType,
        to: EnumType,
    },
    DropView(View),
    DropForeignKey {
        table: String,
        foreign_key: ForeignKey,
    },
    DropIndex {
        table: String,
        index: Index,
    },
    DropUnique {
        table: String,
        unique: UniqueConstraint,
    },
    DropCheck {
        table: String,
        check: Check,
    },
    DropPrimaryKey {
        table: String,
        primary_key: PrimaryKey,
    },
    DropTable(Table),
    RenameTable {
        from: String,
        to: String,
    },
    /// `table` is the table's new name when it was renamed too.
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    /// The table with its columns, primary key, unique constraints, checks and the foreign
    /// keys to tables that exist by then (the others follow as `AddForeignKey`). Its indexes
    /// follow as `CreateIndex`.
    CreateTable(Table),
    AddColumn {
        table: String,
        column: Column,
    },
    /// Type, nullability, default or auto-increment changed.
    AlterColumn {
        table: String,
        from: Column,
        to: Column,
    },
    DropColumn {
        table: String,
        column: Column,
    },
    AddPrimaryKey {
        table: String,
        primary_key: PrimaryKey,
    },
    AddUnique {
        table: String,
        unique: UniqueConstraint,
    },
    CreateIndex {
        table: String,
        index: Index,
    },
    AddCheck {
        table: String,
        check: Check,
    },
    AddForeignKey {
        table: String,
        foreign_key: ForeignKey,
    },
    CreateView(View),
    /// Values removed or reordered: the type has to be made again (PostgreSQL cannot drop a
    /// value). The columns of that type are listed in the new schema.
    ReplaceEnum {
        from: EnumType,
        to: EnumType,
    },
    DropEnum(EnumType),
}

/// The differences between `from` and `to`, as the changes that take one to the other,
/// `renames` applied first (what `check` reports as drift).
pub fn diff(from: &Schema, to: &Schema, renames: &Renames) -> Vec<Change> {
    changes(from, to, renames, false)
}

/// The changes a revision for `dialect` runs: [`diff`], plus, where the database needs it
/// (PostgreSQL refuses to drop a key a foreign key uses, MySQL to retype a column one uses),
/// the unchanged foreign keys dropped before and added after what they depend on. SQLite
/// checks foreign keys lazily and needs neither.
pub fn diff_for(dialect: Dialect, from: &Schema, to: &Schema, renames: &Renames) -> Vec<Change> {
    let rebuild = crate::backend::dispatch!(dialect, B => <B as crate::autogen::Autogen>::REBUILDS_DEPENDENT_KEYS);
    changes(from, to, renames, rebuild)
}

/// Pushes `Change::$variant { table, $field }` for each of `$items`, both cloned: one change
/// of a kind for each of a table's keys, indexes or constraints.
macro_rules! push_each {
    ($changes:ident, $variant:ident { $table:expr, $field:ident } for $items:expr) => {
        for item in $items {
            $changes.push(Change::$variant {
                table: $table.clone(),
                $field: item.clone(),
            });
        }
    };
}

fn changes(from: &Schema, to: &Schema, renames: &Renames, rebuild_dependent: bool) -> Vec<Change> {
    let mut changes = Vec::new();
    let renamed = apply_renames(from, renames, &mut changes);
    let from = &renamed;

    // Enum types: new ones and added values first; replaced and dropped ones at the end.
    let mut late = Vec::new();
    for (name, e) in &to.enums {
        match from.enums.get(name) {
            None => changes.push(Change::CreateEnum(e.clone())),
            Some(old) if old == e => {}
            Some(old) if is_subsequence(&old.values, &e.values) => {
                changes.push(Change::AddEnumValues {
                    from: old.clone(),
                    to: e.clone(),
                })
            }
            Some(old) => late.push(Change::ReplaceEnum {
                from: old.clone(),
                to: e.clone(),
            }),
        }
    }
    for (name, e) in &from.enums {
        if !to.enums.contains_key(name) {
            late.push(Change::DropEnum(e.clone()));
        }
    }

    // Views: dropped when they go, change, or read a table or view that changes (to a fixed
    // point: a view over a dropped view goes too); made again at the end. Dropped readers
    // first, created in the order they read each other.
    let mut gone: BTreeSet<&str> = from
        .tables
        .values()
        .filter(|t| !to.tables.get(&t.name).is_some_and(|n| n.same_as(t)))
        .map(|t| t.name.as_str())
        .chain(
            to.tables
                .keys()
                .filter(|n| !from.tables.contains_key(*n))
                .map(String::as_str),
        )
        .collect();
    let mut dropped_views: BTreeSet<&str> = BTreeSet::new();
    loop {
        let more: Vec<&str> = from
            .views
            .values()
            .filter(|v| !dropped_views.contains(v.name.as_str()))
            .filter(|v| {
                to.views.get(&v.name) != Some(*v)
                    || gone
                        .iter()
                        .any(|t| *t != v.name && mentions(&v.definition, t))
            })
            .map(|v| v.name.as_str())
            .collect();
        if more.is_empty() {
            break;
        }
        for name in more {
            dropped_views.insert(name);
            gone.insert(name);
        }
    }
    let to_drop: Vec<&View> = from
        .views
        .values()
        .filter(|v| dropped_views.contains(v.name.as_str()))
        .collect();
    for v in dependency_order(&to_drop).into_iter().rev() {
        changes.push(Change::DropView(v.clone()));
    }
    let to_create: Vec<&View> = to
        .views
        .values()
        .filter(|v| !from.views.contains_key(&v.name) || dropped_views.contains(v.name.as_str()))
        .collect();
    let views_to_create: Vec<View> = dependency_order(&to_create).into_iter().cloned().collect();

    // What goes from the tables that stay, then the tables that go.
    let both: Vec<(&Table, &Table)> = to
        .tables
        .values()
        .filter_map(|t| from.tables.get(&t.name).map(|old| (old, t)))
        .collect();
    // Foreign keys that stay but must be dropped and added again around a change they depend
    // on: the key they reference is made again, or a column on either side changes type
    // (PostgreSQL refuses to drop a referenced key, MySQL to change a referenced column).
    let rebuilt_fks = if rebuild_dependent {
        dependent_foreign_keys(&both)
    } else {
        Vec::new()
    };
    for (old, new) in &both {
        let dropped = missing(&old.foreign_keys, &new.foreign_keys);
        push_each!(changes, DropForeignKey { old.name, foreign_key } for dropped);
    }
    for (table, fk) in &rebuilt_fks {
        changes.push(Change::DropForeignKey {
            table: table.clone(),
            foreign_key: fk.clone(),
        });
    }
    let dropped: Vec<&Table> = from
        .tables
        .values()
        .filter(|t| !to.tables.contains_key(&t.name))
        .collect();
    let (drop_order, cycle_fks) = creation_order(&dropped);
    for (table, fk) in cycle_fks {
        changes.push(Change::DropForeignKey {
            table,
            foreign_key: fk,
        });
    }
    // Tables that go, before the keys of the tables that stay: they may reference those.
    for t in drop_order.into_iter().rev() {
        changes.push(Change::DropTable(t));
    }
    for (old, new) in &both {
        let table = &old.name;
        push_each!(changes, DropIndex { table, index } for missing(&old.indexes, &new.indexes));
        push_each!(changes, DropUnique { table, unique } for missing(&old.uniques, &new.uniques));
        push_each!(changes, DropCheck { table, check } for missing(&old.checks, &new.checks));
        push_each!(changes, DropPrimaryKey { table, primary_key } for replaced_key(old, new));
    }

    // New tables, referenced ones first; foreign keys that close a cycle come after.
    let created: Vec<&Table> = to
        .tables
        .values()
        .filter(|t| !from.tables.contains_key(&t.name))
        .collect();
    // Their foreign keys to tables that stay come last, after those tables' new columns
    // and keys; between new tables they are declared inline (SQLite keeps them all inline).
    let new_names: BTreeSet<&str> = created.iter().map(|t| t.name.as_str()).collect();
    let mut to_staying = Vec::new();
    let created: Vec<Table> = created
        .iter()
        .map(|t| {
            let mut t = (*t).clone();
            let (inline, later): (Vec<_>, Vec<_>) = std::mem::take(&mut t.foreign_keys)
                .into_iter()
                .partition(|fk| new_names.contains(fk.referenced_table.as_str()));
            t.foreign_keys = inline;
            to_staying.extend(later.into_iter().map(|fk| (t.name.clone(), fk)));
            t
        })
        .collect();
    let created: Vec<&Table> = created.iter().collect();
    let (create_order, mut later_fks) = creation_order(&created);
    later_fks.extend(to_staying);
    for t in create_order {
        let indexes = t.indexes.clone();
        let name = t.name.clone();
        changes.push(Change::CreateTable(Table {
            indexes: Vec::new(),
            ..t
        }));
        for index in indexes {
            changes.push(Change::CreateIndex {
                table: name.clone(),
                index,
            });
        }
    }

    // Columns of the tables that stay, then their new constraints.
    for (old, new) in &both {
        let table = &new.name;
        for c in &new.columns {
            match old.column(&c.name) {
                None => changes.push(Change::AddColumn {
                    table: table.clone(),
                    column: c.clone(),
                }),
                Some(o) if o != c => changes.push(Change::AlterColumn {
                    table: table.clone(),
                    from: o.clone(),
                    to: c.clone(),
                }),
                Some(_) => {}
            }
        }
        for c in &old.columns {
            if new.column(&c.name).is_none() {
                changes.push(Change::DropColumn {
                    table: table.clone(),
                    column: c.clone(),
                });
            }
        }
    }
    for (old, new) in &both {
        let table = &new.name;
        push_each!(changes, AddPrimaryKey { table, primary_key } for replaced_key(new, old));
        push_each!(changes, AddUnique { table, unique } for missing(&new.uniques, &old.uniques));
        push_each!(changes, CreateIndex { table, index } for missing(&new.indexes, &old.indexes));
        push_each!(changes, AddCheck { table, check } for missing(&new.checks, &old.checks));
    }
    for (old, new) in &both {
        let added = missing(&new.foreign_keys, &old.foreign_keys);
        push_each!(changes, AddForeignKey { new.name, foreign_key } for added);
    }
    for (table, fk) in rebuilt_fks.into_iter().chain(later_fks) {
        changes.push(Change::AddForeignKey {
            table,
            foreign_key: fk,
        });
    }
    for v in views_to_create {
        changes.push(Change::CreateView(v));
    }
    changes.extend(late);
    changes
}

/// The foreign keys present on both sides (of tables that stay) that depend on something
/// the diff changes: a column on either side changes type, or the referenced primary key,
/// unique constraint or unique index is dropped (and made again).
fn dependent_foreign_keys(both: &[(&Table, &Table)]) -> Vec<(String, ForeignKey)> {
    let mut retyped: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut rekeyed: Vec<(&str, &[String])> = Vec::new();
    for (old, new) in both {
        for c in &new.columns {
            if old
                .column(&c.name)
                .is_some_and(|o| o.data_type != c.data_type)
            {
                retyped.insert((new.name.as_str(), c.name.as_str()));
            }
        }
        for pk in replaced_key(old, new) {
            rekeyed.push((old.name.as_str(), &pk.columns));
        }
        for u in missing(&old.uniques, &new.uniques) {
            rekeyed.push((old.name.as_str(), &u.columns));
        }
        for i in missing(&old.indexes, &new.indexes).filter(|i| i.unique) {
            rekeyed.push((old.name.as_str(), &i.columns));
        }
    }
    let mut out = Vec::new();
    for (old, new) in both {
        for fk in new
            .foreign_keys
            .iter()
            .filter(|fk| old.foreign_keys.contains(fk))
        {
            let child = fk
                .columns
                .iter()
                .any(|c| retyped.contains(&(new.name.as_str(), c.as_str())));
            let parent = fk
                .referenced_columns
                .iter()
                .any(|c| retyped.contains(&(fk.referenced_table.as_str(), c.as_str())));
            let key = rekeyed.iter().any(|(t, cols)| {
                *t == fk.referenced_table && *cols == fk.referenced_columns.as_slice()
            });
            if child || parent || key {
                out.push((new.name.clone(), fk.clone()));
            }
        }
    }
    out
}

/// `a`'s primary key (none or one) when `b`'s is another one or none.
fn replaced_key<'a>(a: &'a Table, b: &Table) -> impl Iterator<Item = &'a PrimaryKey> {
    a.primary_key
        .iter()
        .filter(move |_| a.primary_key != b.primary_key)
}

/// The items of `a` that are not in `b`.
fn missing<'a, T: PartialEq>(a: &'a [T], b: &[T]) -> impl Iterator<Item = &'a T> {
    a.iter().filter(move |x| !b.contains(x))
}

fn is_subsequence(a: &[String], b: &[String]) -> bool {
    let mut rest = b.iter();
    a.iter().all(|x| rest.any(|y| y == x))
}

/// Whether `sql` mentions the identifier `name` as a word.
pub(crate) fn mentions(sql: &str, name: &str) -> bool {
    let sql = sql.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    sql.match_indices(&name).any(|(i, _)| {
        let before = sql[..i].chars().next_back();
        let after = sql[i + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// Views ordered so that each comes after the views of this set it reads (by name, in
/// their definitions); a cycle, which a database would not allow, keeps name order.
pub(crate) fn dependency_order<'a>(views: &[&'a View]) -> Vec<&'a View> {
    let mut pending: Vec<&View> = views.to_vec();
    let mut out = Vec::new();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|v| {
                !pending
                    .iter()
                    .any(|o| o.name != v.name && mentions(&v.definition, &o.name))
            })
            .unwrap_or(0);
        out.push(pending.remove(ready));
    }
    out
}

/// The tables ordered so that each comes after the tables (of this set) it references, and
/// the foreign keys left out of that order because they close a cycle. Ties by name.
fn creation_order(tables: &[&Table]) -> (Vec<Table>, Vec<(String, ForeignKey)>) {
    let names: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let mut pending: BTreeMap<&str, Table> = tables
        .iter()
        .map(|t| (t.name.as_str(), (*t).clone()))
        .collect();
    let mut order = Vec::new();
    let mut split = Vec::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    while !pending.is_empty() {
        let ready = pending
            .values()
            .find(|t| {
                t.foreign_keys.iter().all(|fk| {
                    fk.referenced_table == t.name
                        || !names.contains(fk.referenced_table.as_str())
                        || done.contains(&fk.referenced_table)
                })
            })
            .map(|t| t.name.clone());
        let name = match ready {
            Some(n) => n,
            None => {
                // A cycle: take the first table and move its foreign keys to pending tables
                // out of the way.
                let first = pending
                    .keys()
                    .next()
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                if let Some(t) = pending.get_mut(first.as_str()) {
                    let (keep, out): (Vec<_>, Vec<_>) = std::mem::take(&mut t.foreign_keys)
                        .into_iter()
                        .partition(|fk| {
                            fk.referenced_table == first
                                || !names.contains(fk.referenced_table.as_str())
                                || done.contains(&fk.referenced_table)
                        });
                    t.foreign_keys = keep;
                    split.extend(out.into_iter().map(|fk| (first.clone(), fk)));
                }
                first
            }
        };
        if let Some(t) = pending.remove(name.as_str()) {
            order.push(t);
        }
        done.insert(name);
    }
    (order, split)
}

/// Whether changing a column's type from `from` to `to` can lose data: anything but a known
/// widening (a longer length or precision of the same type, a larger integer, any text type
/// to unbounded text).
pub fn is_narrowing(from: &str, to: &str) -> bool {
    // MySQL keeps ON UPDATE and generation clauses in the type; they do not change what fits.
    let norm = |t: &str| {
        let t = t.trim().to_ascii_lowercase();
        let cut = [" on update ", " generated always as "]
            .iter()
            .filter_map(|m| t.find(m))
            .min()
            .unwrap_or(t.len());
        t[..cut].trim().to_string()
    };
    let (from, to) = (norm(from), norm(to));
    if from == to {
        return false;
    }
    // MySQL's enum('a','b') and set(...): values added at the end widen.
    for kind in ["enum(", "set("] {
        if let (Some(f), Some(t)) = (from.strip_prefix(kind), to.strip_prefix(kind)) {
            let (f, t) = (
                crate::backend::quoted_values(f),
                crate::backend::quoted_values(t),
            );
            return !(f.len() <= t.len() && t[..f.len()] == f[..]);
        }
    }
    let split = |t: &str| -> (String, Vec<u64>) {
        match t.split_once('(') {
            Some((base, rest)) => (
                base.trim().to_string(),
                rest.trim_end_matches(')')
                    .split(',')
                    .filter_map(|n| n.trim().parse().ok())
                    .collect(),
            ),
            None => (t.to_string(), Vec::new()),
        }
    };
    let (fb, fa) = split(&from);
    let (tb, ta) = split(&to);
    const INTS: &[&[&str]] = &[
        &["tinyint", "int1"],
        &["smallint", "int2"],
        &["mediumint", "int3"],
        &["integer", "int", "int4"],
        &["bigint", "int8"],
    ];
    let rank = |b: &str| INTS.iter().position(|names| names.contains(&b));
    if let (Some(f), Some(t)) = (rank(&fb), rank(&tb)) {
        return t < f;
    }
    const TEXT: &[&str] = &["character varying", "varchar", "character", "char", "text"];
    if TEXT.contains(&fb.as_str()) && matches!(tb.as_str(), "text" | "longtext" | "clob") {
        return false;
    }
    let same_family = fb == tb
        || ["character varying", "varchar"].contains(&fb.as_str())
            && ["character varying", "varchar"].contains(&tb.as_str());
    if same_family && fa.len() == ta.len() && !fa.is_empty() {
        // numeric(p, s) widens when the integer digits and the scale both grow or stay.
        return match (fa.as_slice(), ta.as_slice()) {
            ([f], [t]) => t < f,
            ([fp, fs], [tp, ts]) => ts < fs || tp.saturating_sub(*ts) < fp.saturating_sub(*fs),
            _ => true,
        };
    }
    if same_family && !fa.is_empty() && ta.is_empty() {
        // varchar(40) -> varchar: unbounded.
        return false;
    }
    true
}

impl Change {
    /// Why the change can lose data or fail on existing rows, for a comment in the file and a
    /// warning on the terminal (several reasons joined with "; ").
    pub fn warning(&self) -> Option<String> {
        let mut all = Vec::new();
        if let Change::AlterColumn { table, from, to } = self {
            if from.data_type != to.data_type && is_narrowing(&from.data_type, &to.data_type) {
                all.push(format!(
                    "changes {table}.{} from {} to {}; values that do not fit are lost or fail",
                    to.name, from.data_type, to.data_type
                ));
            }
            if from.nullable && !to.nullable {
                all.push(format!(
                    "makes {table}.{} NOT NULL; fails while a row holds NULL",
                    to.name
                ));
            }
            return (!all.is_empty()).then(|| all.join("; "));
        }
        self.single_warning()
    }

    fn single_warning(&self) -> Option<String> {
        match self {
            Change::AddColumn { table, column }
                if !column.nullable && column.default.is_none() && !column.auto_increment =>
            {
                Some(format!(
                    "adds {table}.{} NOT NULL without a default; fails while the table has rows (MySQL fills in 0 or '')",
                    column.name
                ))
            }
            Change::AddUnique { table, unique } => Some(format!(
                "adds a unique constraint on {table} ({}); fails while rows repeat a value",
                unique.columns.join(", ")
            )),
            Change::AddPrimaryKey { table, primary_key } => Some(format!(
                "adds a primary key on {table} ({}); fails while rows repeat a value or hold NULL",
                primary_key.columns.join(", ")
            )),
            Change::AddCheck { table, check } => Some(format!(
                "adds the check {} on {table}; fails while a row breaks it",
                check.expression
            )),
            Change::AddEnumValues { to, .. } => Some(format!(
                "PostgreSQL cannot use a value added to {} in the transaction that adds it: if this revision also uses one, move the ALTER TYPE to a revision of its own",
                to.name
            )),
            Change::DropTable(t) => Some(format!("drops table {} and its data", t.name)),
            Change::DropColumn { table, column } => {
                Some(format!("drops column {table}.{} and its data", column.name))
            }
            Change::ReplaceEnum { from, to } => {
                let gone: Vec<&str> = from
                    .values
                    .iter()
                    .filter(|v| !to.values.contains(v))
                    .map(String::as_str)
                    .collect();
                (!gone.is_empty()).then(|| {
                    format!(
                        "removes {} from enum {}; fails while a row holds one",
                        gone.join(", "),
                        to.name
                    )
                })
            }
            Change::DropEnum(e) => Some(format!("drops enum type {}", e.name)),
            _ => None,
        }
    }

    /// A one-line description for the terminal and `check`'s drift report.
    pub fn describe(&self) -> String {
        match self {
            Change::CreateEnum(e) => {
                format!("create enum type {} ({})", e.name, e.values.join(", "))
            }
            Change::AddEnumValues { from, to } => format!(
                "add {} to enum type {}",
                to.values
                    .iter()
                    .filter(|v| !from.values.contains(v))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                to.name
            ),
            Change::ReplaceEnum { from, to } => format!(
                "change enum type {} from ({}) to ({})",
                to.name,
                from.values.join(", "),
                to.values.join(", ")
            ),
            Change::DropEnum(e) => format!("drop enum type {}", e.name),
            Change::DropView(v) => format!("drop view {}", v.name),
            Change::CreateView(v) => format!("create view {}", v.name),
            Change::DropForeignKey { table, foreign_key } => {
                format!("drop foreign key {}", fk_text(table, foreign_key))
            }
            Change::AddForeignKey { table, foreign_key } => {
                format!("add foreign key {}", fk_text(table, foreign_key))
            }
            Change::DropIndex { table, index } => format!("drop index {} on {table}", index.name),
            Change::CreateIndex { table, index } => format!(
                "create {}index {} on {table} ({}){}",
                if index.unique { "unique " } else { "" },
                index.name,
                index.columns.join(", "),
                index
                    .predicate
                    .as_ref()
                    .map(|p| format!(" WHERE {p}"))
                    .unwrap_or_default()
            ),
            Change::DropUnique { table, unique } => {
                format!(
                    "drop unique constraint on {table} ({})",
                    unique.columns.join(", ")
                )
            }
            Change::AddUnique { table, unique } => {
                format!(
                    "add unique constraint on {table} ({})",
                    unique.columns.join(", ")
                )
            }
            Change::DropCheck { table, check } => {
                format!("drop check constraint on {table}: {}", check.expression)
            }
            Change::AddCheck { table, check } => {
                format!("add check constraint on {table}: {}", check.expression)
            }
            Change::DropPrimaryKey { table, primary_key } => format!(
                "drop primary key of {table} ({})",
                primary_key.columns.join(", ")
            ),
            Change::AddPrimaryKey { table, primary_key } => format!(
                "add primary key to {table} ({})",
                primary_key.columns.join(", ")
            ),
            Change::DropTable(t) => format!("drop table {}", t.name),
            Change::CreateTable(t) => format!("create table {}", t.name),
            Change::RenameTable { from, to } => format!("rename table {from} to {to}"),
            Change::RenameColumn { table, from, to } => {
                format!("rename column {table}.{from} to {to}")
            }
            Change::AddColumn { table, column } => format!(
                "add column {table}.{} {}{}",
                column.name,
                column.data_type,
                if column.nullable { "" } else { " NOT NULL" }
            ),
            Change::DropColumn { table, column } => format!("drop column {table}.{}", column.name),
            Change::AlterColumn { table, from, to } => {
                let mut what = Vec::new();
                if from.data_type != to.data_type {
                    what.push(format!("type {} -> {}", from.data_type, to.data_type));
                }
                if from.nullable != to.nullable {
                    what.push(if to.nullable { "nullable" } else { "NOT NULL" }.to_string());
                }
                if from.default != to.default {
                    what.push(format!(
                        "default {} -> {}",
                        from.default.as_deref().unwrap_or("none"),
                        to.default.as_deref().unwrap_or("none")
                    ));
                }
                if from.auto_increment != to.auto_increment {
                    what.push(format!("auto-increment {}", to.auto_increment));
                }
                format!("alter column {table}.{}: {}", to.name, what.join(", "))
            }
        }
    }
}

fn fk_text(table: &str, fk: &ForeignKey) -> String {
    format!(
        "{table} ({}) -> {} ({})",
        fk.columns.join(", "),
        fk.referenced_table,
        fk.referenced_columns.join(", ")
    )
}
