//! The difference between two schema models, as an ordered list of changes that a renderer
//! turns into one dialect's statements.
//!
//! The order keeps dependencies: enum types before the tables that use them; views, foreign
//! keys, indexes and constraints dropped before what they depend on; referenced tables created
//! first and dropped last; new constraints after the columns they cover; views last.

use std::collections::{BTreeMap, BTreeSet};

use crate::db::Dialect;

use super::model::{
    Check, Column, EnumType, ForeignKey, Index, PrimaryKey, Schema, Table, UniqueConstraint, View,
};

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

/// Renames the user confirmed; everything else that disappeared is dropped and added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renames {
    /// (old name, new name)
    pub tables: Vec<(String, String)>,
    /// (table's new name, old column name, new column name)
    pub columns: Vec<(String, String, String)>,
}

impl Renames {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty() && self.columns.is_empty()
    }

    /// The same renames seen from the new schema back to the old one (for the down section).
    pub fn inverse(&self) -> Renames {
        let old_table = |t: &str| {
            self.tables
                .iter()
                .find(|(_, new)| new == t)
                .map_or(t.to_string(), |(old, _)| old.clone())
        };
        Renames {
            tables: self
                .tables
                .iter()
                .map(|(a, b)| (b.clone(), a.clone()))
                .collect(),
            columns: self
                .columns
                .iter()
                .map(|(t, a, b)| (old_table(t), b.clone(), a.clone()))
                .collect(),
        }
    }

    fn new_table_name<'a>(&'a self, old: &'a str) -> &'a str {
        self.tables
            .iter()
            .find(|(o, _)| o == old)
            .map_or(old, |(_, n)| n.as_str())
    }

    fn new_column_name<'a>(&'a self, table: &str, old: &'a str) -> &'a str {
        self.columns
            .iter()
            .find(|(t, o, _)| t == table && o == old)
            .map_or(old, |(_, _, n)| n.as_str())
    }
}

/// A dropped and an added table or column that look alike: maybe a rename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenameCandidate {
    Table {
        from: String,
        to: String,
    },
    Column {
        table: String,
        from: String,
        to: String,
    },
}

impl std::fmt::Display for RenameCandidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenameCandidate::Table { from, to } => write!(f, "table {from} to {to}"),
            RenameCandidate::Column { table, from, to } => {
                write!(f, "{table}.{from} to {table}.{to}")
            }
        }
    }
}

/// The tables dropped and added with the same columns (names and types), then, in tables
/// present on both sides (by name or through `accepted` table renames), the columns dropped
/// and added with the same type. Each old and each new name appears at most once.
pub fn rename_candidates(from: &Schema, to: &Schema, accepted: &Renames) -> Vec<RenameCandidate> {
    let mut out = Vec::new();
    let renamed_from: BTreeSet<&str> = accepted.tables.iter().map(|(o, _)| o.as_str()).collect();
    let renamed_to: BTreeSet<&str> = accepted.tables.iter().map(|(_, n)| n.as_str()).collect();
    let dropped: Vec<&Table> = from
        .tables
        .values()
        .filter(|t| !to.tables.contains_key(&t.name) && !renamed_from.contains(t.name.as_str()))
        .collect();
    let mut added: Vec<&Table> = to
        .tables
        .values()
        .filter(|t| !from.tables.contains_key(&t.name) && !renamed_to.contains(t.name.as_str()))
        .collect();
    let shape = |t: &Table| {
        t.columns
            .iter()
            .map(|c| (c.name.clone(), c.data_type.clone()))
            .collect::<Vec<_>>()
    };
    for d in dropped {
        if let Some(i) = added.iter().position(|a| shape(a) == shape(d)) {
            let a = added.remove(i);
            out.push(RenameCandidate::Table {
                from: d.name.clone(),
                to: a.name.clone(),
            });
        }
    }
    for new in to.tables.values() {
        let old_name = accepted
            .tables
            .iter()
            .find(|(_, n)| n == &new.name)
            .map_or(new.name.as_str(), |(o, _)| o.as_str());
        let Some(old) = from.tables.get(old_name) else {
            continue;
        };
        let mut added: Vec<&Column> = new
            .columns
            .iter()
            .filter(|c| old.column(&c.name).is_none())
            .collect();
        for d in old.columns.iter().filter(|c| new.column(&c.name).is_none()) {
            if let Some(i) = added.iter().position(|a| a.data_type == d.data_type) {
                let a = added.remove(i);
                out.push(RenameCandidate::Column {
                    table: new.name.clone(),
                    from: d.name.clone(),
                    to: a.name.clone(),
                });
            }
        }
    }
    out
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
    changes(from, to, renames, dialect != Dialect::Sqlite)
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
        for fk in missing(&old.foreign_keys, &new.foreign_keys) {
            changes.push(Change::DropForeignKey {
                table: old.name.clone(),
                foreign_key: fk.clone(),
            });
        }
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
        for index in missing(&old.indexes, &new.indexes) {
            changes.push(Change::DropIndex {
                table: table.clone(),
                index: index.clone(),
            });
        }
        for unique in missing(&old.uniques, &new.uniques) {
            changes.push(Change::DropUnique {
                table: table.clone(),
                unique: unique.clone(),
            });
        }
        for check in missing(&old.checks, &new.checks) {
            changes.push(Change::DropCheck {
                table: table.clone(),
                check: check.clone(),
            });
        }
        if let Some(pk) = &old.primary_key
            && old.primary_key != new.primary_key
        {
            changes.push(Change::DropPrimaryKey {
                table: table.clone(),
                primary_key: pk.clone(),
            });
        }
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
        if let Some(pk) = &new.primary_key
            && old.primary_key != new.primary_key
        {
            changes.push(Change::AddPrimaryKey {
                table: table.clone(),
                primary_key: pk.clone(),
            });
        }
        for unique in missing(&new.uniques, &old.uniques) {
            changes.push(Change::AddUnique {
                table: table.clone(),
                unique: unique.clone(),
            });
        }
        for index in missing(&new.indexes, &old.indexes) {
            changes.push(Change::CreateIndex {
                table: table.clone(),
                index: index.clone(),
            });
        }
        for check in missing(&new.checks, &old.checks) {
            changes.push(Change::AddCheck {
                table: table.clone(),
                check: check.clone(),
            });
        }
    }
    for (old, new) in &both {
        for fk in missing(&new.foreign_keys, &old.foreign_keys) {
            changes.push(Change::AddForeignKey {
                table: new.name.clone(),
                foreign_key: fk.clone(),
            });
        }
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

/// `from` with the renames applied (see [`Renames::apply`]), recording the rename changes.
fn apply_renames(from: &Schema, renames: &Renames, changes: &mut Vec<Change>) -> Schema {
    if renames.is_empty() {
        return from.clone();
    }
    for (old, new) in &renames.tables {
        if from.tables.contains_key(old) {
            changes.push(Change::RenameTable {
                from: old.clone(),
                to: new.clone(),
            });
        }
    }
    for t in from.tables.values() {
        let name = renames.new_table_name(&t.name);
        for c in &t.columns {
            let new = renames.new_column_name(name, &c.name);
            if new != c.name {
                changes.push(Change::RenameColumn {
                    table: name.to_string(),
                    from: c.name.clone(),
                    to: new.to_string(),
                });
            }
        }
    }
    renames.apply(from)
}

impl Renames {
    /// `schema` as it is after the renames: table and column names, and the columns and
    /// tables that keys, indexes and foreign keys mention. (Renderers use it to look the old
    /// tables up by the names the changes use.)
    pub fn apply(&self, schema: &Schema) -> Schema {
        let mut out = schema.clone();
        out.tables = schema
            .tables
            .values()
            .map(|t| {
                let name = self.new_table_name(&t.name).to_string();
                let col = |c: &str| self.new_column_name(&name, c).to_string();
                let cols = |cs: &[String]| cs.iter().map(|c| col(c)).collect::<Vec<_>>();
                let mut t = t.clone();
                t.name = name.clone();
                for c in &mut t.columns {
                    c.name = col(&c.name);
                }
                if let Some(pk) = &mut t.primary_key {
                    pk.columns = cols(&pk.columns);
                }
                for u in &mut t.uniques {
                    u.columns = cols(&u.columns);
                }
                for i in &mut t.indexes {
                    i.columns = cols(&i.columns);
                }
                for fk in &mut t.foreign_keys {
                    fk.columns = cols(&fk.columns);
                    let target = self.new_table_name(&fk.referenced_table).to_string();
                    fk.referenced_columns = fk
                        .referenced_columns
                        .iter()
                        .map(|c| self.new_column_name(&target, c).to_string())
                        .collect();
                    fk.referenced_table = target;
                }
                (name, t)
            })
            .collect::<BTreeMap<_, _>>();
        out
    }
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
        if old.primary_key != new.primary_key
            && let Some(pk) = &old.primary_key
        {
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
            let (f, t) = (quoted_values(f), quoted_values(t));
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

/// The values of a MySQL `enum(...)`/`set(...)` list (the text after the opening
/// parenthesis): `'a','it''s'` gives `a` and `it's`.
fn quoted_values(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = list.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                '\\' => {
                    if let Some(n) = chars.next() {
                        value.push(n);
                    }
                }
                c => value.push(c),
            }
        }
        out.push(value);
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The changes played on a model, as a database would: the oracle for `diff`. Panics when a
    /// change does not fit the state it is applied to (dropping what is not there, a foreign
    /// key to a missing table), which is how ordering mistakes show up.
    fn apply(schema: &Schema, changes: &[Change]) -> Schema {
        let mut s = schema.clone();
        for c in changes {
            match c {
                Change::CreateEnum(e) => {
                    assert!(s.enums.insert(e.name.clone(), e.clone()).is_none())
                }
                Change::AddEnumValues { to, .. } | Change::ReplaceEnum { to, .. } => {
                    assert!(s.enums.insert(to.name.clone(), to.clone()).is_some())
                }
                Change::DropEnum(e) => assert!(s.enums.remove(&e.name).is_some()),
                Change::DropView(v) => assert!(s.views.remove(&v.name).is_some()),
                Change::CreateView(v) => {
                    assert!(s.views.insert(v.name.clone(), v.clone()).is_none())
                }
                Change::DropTable(t) => {
                    assert!(s.tables.remove(&t.name).is_some());
                    for other in s.tables.values() {
                        assert!(
                            other
                                .foreign_keys
                                .iter()
                                .all(|fk| fk.referenced_table != t.name),
                            "{} still references {}",
                            other.name,
                            t.name
                        );
                    }
                }
                Change::CreateTable(t) => {
                    assert!(s.tables.insert(t.name.clone(), t.clone()).is_none());
                    for fk in &t.foreign_keys {
                        assert_references(&s, fk, &t.name);
                    }
                }
                Change::RenameTable { from, to } => {
                    let mut t = s.tables.remove(from).expect("renamed table");
                    t.name = to.clone();
                    s.tables.insert(to.clone(), t);
                    for t in s.tables.values_mut() {
                        for fk in &mut t.foreign_keys {
                            if &fk.referenced_table == from {
                                fk.referenced_table = to.clone();
                            }
                        }
                    }
                }
                Change::RenameColumn { table, from, to } => {
                    let t = s.tables.get_mut(table).expect("table");
                    let col = t
                        .columns
                        .iter_mut()
                        .find(|c| &c.name == from)
                        .expect("column");
                    col.name = to.clone();
                    let ren = |cs: &mut Vec<String>| {
                        for c in cs {
                            if c == from {
                                *c = to.clone();
                            }
                        }
                    };
                    if let Some(pk) = &mut t.primary_key {
                        ren(&mut pk.columns);
                    }
                    t.uniques.iter_mut().for_each(|u| ren(&mut u.columns));
                    t.indexes.iter_mut().for_each(|i| ren(&mut i.columns));
                    t.foreign_keys.iter_mut().for_each(|f| ren(&mut f.columns));
                    let name = table.clone();
                    for t in s.tables.values_mut() {
                        for fk in &mut t.foreign_keys {
                            if fk.referenced_table == name {
                                ren(&mut fk.referenced_columns);
                            }
                        }
                    }
                }
                Change::AddColumn { table, column } => {
                    let t = s.tables.get_mut(table).expect("table");
                    assert!(t.column(&column.name).is_none());
                    t.columns.push(column.clone());
                }
                Change::AlterColumn { table, from, to } => {
                    if from.data_type != to.data_type {
                        assert_unreferenced(&s, table, std::slice::from_ref(&to.name), true);
                    }
                    let t = s.tables.get_mut(table).expect("table");
                    *t.columns
                        .iter_mut()
                        .find(|c| c.name == to.name)
                        .expect("column") = to.clone();
                }
                Change::DropColumn { table, column } => {
                    let t = s.tables.get_mut(table).expect("table");
                    let uses = |cs: &[String]| cs.contains(&column.name);
                    assert!(
                        !t.indexes.iter().any(|i| uses(&i.columns)),
                        "index on dropped column"
                    );
                    assert!(
                        !t.foreign_keys.iter().any(|f| uses(&f.columns)),
                        "fk on dropped column"
                    );
                    t.columns.retain(|c| c.name != column.name);
                }
                Change::DropPrimaryKey { table, primary_key } => {
                    assert_unreferenced(&s, table, &primary_key.columns, false);
                    s.tables.get_mut(table).expect("table").primary_key = None
                }
                Change::AddPrimaryKey { table, primary_key } => {
                    let t = s.tables.get_mut(table).expect("table");
                    assert!(t.primary_key.is_none());
                    t.primary_key = Some(primary_key.clone());
                }
                Change::DropUnique { table, unique } => {
                    assert_unreferenced(&s, table, &unique.columns, false);
                    let t = s.tables.get_mut(table).expect("table");
                    let n = t.uniques.len();
                    t.uniques.retain(|u| u != unique);
                    assert_eq!(t.uniques.len() + 1, n);
                }
                Change::AddUnique { table, unique } => {
                    let t = s.tables.get_mut(table).expect("table");
                    t.uniques.push(unique.clone());
                    t.uniques.sort();
                }
                Change::DropIndex { table, index } => {
                    let t = s.tables.get_mut(table).expect("table");
                    let n = t.indexes.len();
                    t.indexes.retain(|i| i != index);
                    assert_eq!(t.indexes.len() + 1, n);
                }
                Change::CreateIndex { table, index } => {
                    let t = s.tables.get_mut(table).expect("table");
                    for c in &index.columns {
                        assert!(t.column(c).is_some(), "index on missing column {c}");
                    }
                    t.indexes.push(index.clone());
                    t.indexes.sort();
                }
                Change::DropCheck { table, check } => {
                    let t = s.tables.get_mut(table).expect("table");
                    t.checks.retain(|c| c != check);
                }
                Change::AddCheck { table, check } => {
                    let t = s.tables.get_mut(table).expect("table");
                    t.checks.push(check.clone());
                    t.checks.sort();
                }
                Change::DropForeignKey { table, foreign_key } => {
                    let t = s.tables.get_mut(table).expect("table");
                    let n = t.foreign_keys.len();
                    t.foreign_keys.retain(|f| f != foreign_key);
                    assert_eq!(t.foreign_keys.len() + 1, n);
                }
                Change::AddForeignKey { table, foreign_key } => {
                    assert_references(&s, foreign_key, table);
                    let t = s.tables.get_mut(table).expect("table");
                    t.foreign_keys.push(foreign_key.clone());
                    t.foreign_keys.sort();
                }
            }
        }
        s
    }

    /// A foreign key may only be declared when its table and the columns on both sides exist.
    fn assert_references(s: &Schema, fk: &ForeignKey, table: &str) {
        let target = s.tables.get(&fk.referenced_table).unwrap_or_else(|| {
            panic!(
                "{table} references {} before it exists",
                fk.referenced_table
            )
        });
        for c in &fk.referenced_columns {
            assert!(
                target.column(c).is_some(),
                "{table} references {}.{c} before it exists",
                target.name
            );
        }
        let own = &s.tables[table];
        for c in &fk.columns {
            assert!(
                own.column(c).is_some(),
                "{table}.{c} missing for its foreign key"
            );
        }
    }

    /// PostgreSQL will not drop a key a foreign key uses, MySQL not retype a column one uses.
    fn assert_unreferenced(s: &Schema, table: &str, columns: &[String], either_side: bool) {
        for t in s.tables.values() {
            for fk in &t.foreign_keys {
                let parent = fk.referenced_table == table
                    && if either_side {
                        fk.referenced_columns.iter().any(|c| columns.contains(c))
                    } else {
                        fk.referenced_columns == columns
                    };
                let child = either_side
                    && t.name == table
                    && fk.columns.iter().any(|c| columns.contains(c));
                assert!(
                    !parent && !child,
                    "{table} ({}) is still used by a foreign key of {}",
                    columns.join(", "),
                    t.name
                );
            }
        }
    }

    /// A model as introspection leaves it: constraint lists sorted, columns in order.
    fn normalized(mut s: Schema) -> Schema {
        for t in s.tables.values_mut() {
            t.uniques.sort();
            t.indexes.sort();
            t.foreign_keys.sort();
            t.checks.sort();
        }
        s
    }

    /// Column order is the database's; a column added at the end reads back at the end, so the
    /// oracle compares columns as sets, like the renderers must.
    fn same(a: &Schema, b: &Schema) -> bool {
        let key = |s: &Schema| {
            let mut s = normalized(s.clone());
            for t in s.tables.values_mut() {
                t.columns.sort_by(|x, y| x.name.cmp(&y.name));
            }
            s
        };
        key(a) == key(b)
    }

    fn col(name: &str, ty: &str) -> Column {
        Column {
            name: name.into(),
            data_type: ty.into(),
            nullable: true,
            ..Default::default()
        }
    }

    /// Random schemas over a small vocabulary of names, so that pairs overlap.
    fn schema_strategy() -> impl Strategy<Value = Schema> {
        let table = (
            0usize..4,
            prop::collection::btree_set(0usize..5, 1..5),
            prop::collection::vec(any::<bool>(), 5),
            any::<bool>(),
            any::<bool>(),
            prop::option::of(0usize..4),
            any::<bool>(),
        );
        (
            prop::collection::vec(table, 0..4),
            prop::collection::btree_set(0usize..3, 0..3),
            prop::option::of(prop::collection::vec("[abc]", 1..4)),
        )
            .prop_map(|(tables, views, enum_values)| {
                let mut s = Schema::default();
                for (n, cols, flags, pk, idx, fk, check) in tables {
                    let name = format!("t{n}");
                    let columns: Vec<Column> = cols
                        .iter()
                        .map(|&c| {
                            let mut column =
                                col(&format!("c{c}"), if flags[c] { "integer" } else { "text" });
                            column.nullable = !flags[(c + 1) % 5];
                            column
                        })
                        .collect();
                    let first = columns[0].name.clone();
                    let mut t = Table {
                        name: name.clone(),
                        columns,
                        ..Default::default()
                    };
                    if pk {
                        t.primary_key = Some(PrimaryKey {
                            name: Some(format!("{name}_pkey")),
                            columns: vec![first.clone()],
                        });
                    }
                    if idx {
                        t.indexes.push(Index {
                            name: format!("{name}_idx"),
                            columns: vec![first.clone()],
                            ..Default::default()
                        });
                    }
                    if check {
                        t.checks.push(Check {
                            name: None,
                            expression: format!("{first} IS NOT NULL"),
                        });
                    }
                    if let Some(target) = fk {
                        t.foreign_keys.push(ForeignKey {
                            name: None,
                            columns: vec![first.clone()],
                            referenced_table: format!("t{target}"),
                            referenced_columns: vec!["c0".into()],
                            on_delete: "CASCADE".into(),
                            on_update: "NO ACTION".into(),
                        });
                    }
                    s.tables.insert(name, t);
                }
                // Foreign keys only to tables that exist (a declared schema cannot have others).
                // They reference the target's first column (its key, when it has one).
                let names: BTreeSet<String> = s.tables.keys().cloned().collect();
                let firsts: BTreeMap<String, String> = s
                    .tables
                    .values()
                    .map(|t| (t.name.clone(), t.columns[0].name.clone()))
                    .collect();
                for t in s.tables.values_mut() {
                    t.foreign_keys
                        .retain(|fk| names.contains(&fk.referenced_table));
                    for fk in &mut t.foreign_keys {
                        fk.referenced_columns = vec![firsts[&fk.referenced_table].clone()];
                    }
                }
                for v in views {
                    let over = names
                        .iter()
                        .next()
                        .cloned()
                        .unwrap_or_else(|| "nothing".into());
                    s.views.insert(
                        format!("v{v}"),
                        View {
                            name: format!("v{v}"),
                            definition: format!("SELECT * FROM {over}"),
                        },
                    );
                }
                if let Some(values) = enum_values {
                    let mut seen = Vec::new();
                    for v in values {
                        if !seen.contains(&v) {
                            seen.push(v);
                        }
                    }
                    s.enums.insert(
                        "mood".into(),
                        EnumType {
                            name: "mood".into(),
                            values: seen,
                        },
                    );
                }
                normalized(s)
            })
    }

    proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// Playing diff(a, b) on a gives b, in an order that never drops what is still used
            /// nor references what is not there yet; and the way back gives a.
            #[test]
            fn the_changes_take_one_schema_to_the_other_and_back(a in schema_strategy(), b in schema_strategy()) {
                // The rules the oracle checks are PostgreSQL's and MySQL's (SQLite's are looser).
                let up = diff_for(Dialect::Postgres, &a, &b, &Renames::default());
                prop_assert!(same(&apply(&a, &up), &b));
                let down = diff_for(Dialect::Postgres, &b, &a, &Renames::default());
                prop_assert!(same(&apply(&b, &down), &a));
                // What `check` reports has no foreign key that is dropped and added unchanged.
                let plain = diff(&a, &b, &Renames::default());
    let unchanged_rebuilt = plain.iter().any(|c| match c {
                    Change::DropForeignKey { table, foreign_key } => plain.contains(&Change::AddForeignKey {
                        table: table.clone(),
                        foreign_key: foreign_key.clone(),
                    }),
                    _ => false,
                });
                prop_assert!(!unchanged_rebuilt);
                prop_assert!(diff(&a, &a, &Renames::default()).is_empty());
            }
        }

    fn users(cols: &[(&str, &str)]) -> Schema {
        let mut s = Schema::default();
        s.tables.insert(
            "users".into(),
            Table {
                name: "users".into(),
                columns: cols.iter().map(|(n, t)| col(n, t)).collect(),
                ..Default::default()
            },
        );
        s
    }

    #[test]
    fn a_confirmed_column_rename_is_a_rename_both_ways() {
        let a = users(&[("id", "integer"), ("name", "text")]);
        let b = users(&[("id", "integer"), ("full_name", "text")]);
        let candidates = rename_candidates(&a, &b, &Renames::default());
        assert_eq!(
            candidates,
            [RenameCandidate::Column {
                table: "users".into(),
                from: "name".into(),
                to: "full_name".into()
            }]
        );
        let renames = Renames {
            tables: vec![],
            columns: vec![("users".into(), "name".into(), "full_name".into())],
        };
        let up = diff(&a, &b, &renames);
        assert_eq!(
            up,
            [Change::RenameColumn {
                table: "users".into(),
                from: "name".into(),
                to: "full_name".into()
            }]
        );
        let down = diff(&b, &a, &renames.inverse());
        assert!(matches!(&down[..], [Change::RenameColumn { from, .. }] if from == "full_name"));
        // Unconfirmed: a drop and an add, the drop flagged.
        let plain = diff(&a, &b, &Renames::default());
        assert_eq!(plain.len(), 2);
        assert!(plain.iter().any(|c| {
            c.warning()
                .is_some_and(|w| w.contains("drops column users.name"))
        }));
    }

    #[test]
    fn a_renamed_table_with_a_renamed_column_is_seen_through_both() {
        let a = users(&[("id", "integer"), ("name", "text")]);
        let mut b = Schema::default();
        let mut t = a.tables["users"].clone();
        t.name = "people".into();
        t.columns[1].name = "full_name".into();
        b.tables.insert("people".into(), t);
        // Different columns: no table candidate until the column is renamed too.
        assert!(rename_candidates(&a, &b, &Renames::default()).is_empty());
        let renames = Renames {
            tables: vec![("users".into(), "people".into())],
            columns: vec![],
        };
        assert_eq!(
            rename_candidates(&a, &b, &renames),
            [RenameCandidate::Column {
                table: "people".into(),
                from: "name".into(),
                to: "full_name".into()
            }]
        );
        let renames = Renames {
            tables: vec![("users".into(), "people".into())],
            columns: vec![("people".into(), "name".into(), "full_name".into())],
        };
        assert!(same(&apply(&a, &diff(&a, &b, &renames)), &b));
        assert!(same(&apply(&b, &diff(&b, &a, &renames.inverse())), &a));
    }

    #[test]
    fn two_new_tables_that_reference_each_other_get_one_key_afterwards() {
        let fk = |to: &str| ForeignKey {
            columns: vec!["other".into()],
            referenced_table: to.into(),
            referenced_columns: vec!["id".into()],
            on_delete: "NO ACTION".into(),
            on_update: "NO ACTION".into(),
            ..Default::default()
        };
        let mut b = Schema::default();
        for (n, to) in [("a", "b"), ("b", "a")] {
            b.tables.insert(
                n.into(),
                Table {
                    name: n.into(),
                    columns: vec![col("id", "integer"), col("other", "integer")],
                    foreign_keys: vec![fk(to)],
                    ..Default::default()
                },
            );
        }
        let up = diff(&Schema::default(), &b, &Renames::default());
        assert!(
            matches!(up.last(), Some(Change::AddForeignKey { .. })),
            "{up:?}"
        );
        assert!(same(&apply(&Schema::default(), &up), &b));
        let down = diff(&b, &Schema::default(), &Renames::default());
        assert!(
            matches!(down.first(), Some(Change::DropForeignKey { .. })),
            "{down:?}"
        );
        assert!(same(&apply(&b, &down), &Schema::default()));
    }

    #[test]
    fn narrowing_is_told_from_widening() {
        for (from, to) in [
            ("integer", "bigint"),
            ("int(11)", "bigint(20)"),
            ("character varying(40)", "character varying(80)"),
            ("varchar(40)", "text"),
            ("numeric(8,2)", "numeric(10,2)"),
            ("character varying(40)", "character varying"),
            ("enum('a','b')", "enum('a','b','c')"),
            ("timestamp", "timestamp ON UPDATE current_timestamp()"),
        ] {
            assert!(!is_narrowing(from, to), "{from} -> {to}");
        }
        for (from, to) in [
            ("bigint", "integer"),
            ("varchar(80)", "varchar(40)"),
            ("text", "varchar(10)"),
            ("numeric(10,2)", "numeric(10,4)"),
            ("text", "integer"),
            ("enum('a','b','c')", "enum('a','c')"),
        ] {
            assert!(is_narrowing(from, to), "{from} -> {to}");
        }
    }

    #[test]
    fn a_view_over_a_view_that_changes_is_dropped_first_and_made_again_last() {
        let view = |n: &str, over: &str| View {
            name: n.into(),
            definition: format!("SELECT * FROM {over}"),
        };
        let mut a = users(&[("id", "integer")]);
        a.views.insert("v1".into(), view("v1", "users"));
        a.views.insert("v2".into(), view("v2", "v1"));
        a.views.insert("other".into(), view("other", "elsewhere"));
        let mut b = a.clone();
        b.views.insert(
            "v1".into(),
            View {
                name: "v1".into(),
                definition: "SELECT id FROM users".into(),
            },
        );
        let names = |cs: &[Change]| -> Vec<String> {
            cs.iter()
                .filter_map(|c| match c {
                    Change::DropView(v) => Some(format!("drop {}", v.name)),
                    Change::CreateView(v) => Some(format!("create {}", v.name)),
                    _ => None,
                })
                .collect()
        };
        let up = diff(&a, &b, &Renames::default());
        assert_eq!(names(&up), ["drop v2", "drop v1", "create v1", "create v2"]);
        // A change to the table reaches both views through v1.
        let mut c = users(&[("id", "integer"), ("name", "text")]);
        c.views = a.views.clone();
        assert_eq!(
            names(&diff(&a, &c, &Renames::default())),
            ["drop v2", "drop v1", "create v1", "create v2"]
        );
    }

    #[test]
    fn a_new_table_references_a_new_key_of_a_table_that_stays_only_once_it_exists() {
        let mut a = users(&[("id", "integer")]);
        a.tables.get_mut("users").expect("users").primary_key = Some(PrimaryKey {
            name: Some("users_pkey".into()),
            columns: vec!["id".into()],
        });
        let mut b = a.clone();
        let u = b.tables.get_mut("users").expect("users");
        u.columns.push(col("uuid", "uuid"));
        u.uniques.push(UniqueConstraint {
            name: Some("users_uuid_key".into()),
            columns: vec!["uuid".into()],
        });
        b.tables.insert(
            "tokens".into(),
            Table {
                name: "tokens".into(),
                columns: vec![col("user_uuid", "uuid")],
                foreign_keys: vec![ForeignKey {
                    columns: vec!["user_uuid".into()],
                    referenced_table: "users".into(),
                    referenced_columns: vec!["uuid".into()],
                    on_delete: "CASCADE".into(),
                    on_update: "NO ACTION".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
        );
        let up = diff(&a, &b, &Renames::default());
        let kinds: Vec<String> = up.iter().map(|c| c.describe()).collect();
        assert_eq!(
            kinds,
            [
                "create table tokens",
                "add column users.uuid uuid",
                "add unique constraint on users (uuid)",
                "add foreign key tokens (user_uuid) -> users (uuid)"
            ]
        );
        assert!(matches!(&up[0], Change::CreateTable(t) if t.foreign_keys.is_empty()));
        assert!(same(&apply(&a, &up), &b));
        // Down: the table goes before the key it references.
        let down = diff(&b, &a, &Renames::default());
        let kinds: Vec<String> = down.iter().map(|c| c.describe()).collect();
        assert_eq!(kinds[0], "drop table tokens", "{kinds:?}");
        assert!(same(&apply(&b, &down), &a));
    }
}
