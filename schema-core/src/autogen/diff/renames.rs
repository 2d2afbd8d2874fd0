//! The renames the user confirmed, and the candidates autogenerate asks about.

use std::collections::{BTreeMap, BTreeSet};

use super::Change;
use crate::autogen::model::{Column, Schema, Table};

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

/// `from` with the renames applied (see [`Renames::apply`]), recording the rename changes.
pub(super) fn apply_renames(from: &Schema, renames: &Renames, changes: &mut Vec<Change>) -> Schema {
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
