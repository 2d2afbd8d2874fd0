//! The clauses every backend's renderer writes the same way, once: constraint names, primary
//! keys, unique constraints, checks, foreign keys, column heads and `CREATE INDEX`. What
//! differs between databases is a parameter (the dialect's quoting, how key columns are
//! written, whether `NO ACTION` is spelled out); what a backend writes its own way (column
//! definitions, `ALTER` forms, rebuilds) stays in its `render.rs`.

use super::model::{self, Check, Column, ForeignKey, Index, View};
use crate::db::Dialect;

/// `name` as an identifier of `dialect`, quoted only when it needs it.
pub(crate) fn q(dialect: Dialect, name: &str) -> String {
    model::quote(dialect, name)
}

/// `names` quoted and joined with `, `.
pub(crate) fn q_list(dialect: Dialect, names: &[String]) -> String {
    model::quote_list(dialect, names)
}

/// `CONSTRAINT name body`, or `body` for an unnamed constraint.
pub(crate) fn named(dialect: Dialect, name: Option<&str>, body: &str) -> String {
    match name {
        Some(n) => format!("CONSTRAINT {} {body}", q(dialect, n)),
        None => body.to_string(),
    }
}

/// `[CONSTRAINT name] PRIMARY KEY (columns)`, with `columns` already written.
pub(crate) fn primary_key_clause(dialect: Dialect, name: Option<&str>, columns: &str) -> String {
    named(dialect, name, &format!("PRIMARY KEY ({columns})"))
}

/// `[CONSTRAINT name] UNIQUE (columns)`, with `columns` already written.
pub(crate) fn unique_clause(dialect: Dialect, name: Option<&str>, columns: &str) -> String {
    named(dialect, name, &format!("UNIQUE ({columns})"))
}

/// `[CONSTRAINT name] CHECK (expression)`.
pub(crate) fn check_clause(dialect: Dialect, check: &Check) -> String {
    named(
        dialect,
        check.name.as_deref(),
        &format!("CHECK ({})", check.expression),
    )
}

/// `[CONSTRAINT name] FOREIGN KEY (columns) REFERENCES table [(columns)] [ON DELETE action]
/// [ON UPDATE action]`. The referenced columns are left out when the model has none (SQLite's
/// reference to a primary key); `NO ACTION`, the default, is left out unless
/// `spell_no_action` (MySQL, whose catalog tells `NO ACTION` and `RESTRICT` apart).
pub(crate) fn fk_clause(dialect: Dialect, fk: &ForeignKey, spell_no_action: bool) -> String {
    let mut body = format!(
        "FOREIGN KEY ({}) REFERENCES {}",
        q_list(dialect, &fk.columns),
        q(dialect, &fk.referenced_table)
    );
    if !fk.referenced_columns.is_empty() {
        body.push_str(&format!(" ({})", q_list(dialect, &fk.referenced_columns)));
    }
    for (what, action) in [("DELETE", &fk.on_delete), ("UPDATE", &fk.on_update)] {
        let default = !spell_no_action && action.eq_ignore_ascii_case("NO ACTION");
        if !action.is_empty() && !default {
            body.push_str(&format!(" ON {what} {action}"));
        }
    }
    named(dialect, fk.name.as_deref(), &body)
}

/// A column definition's start: the name, then the type when the model has one (SQLite
/// columns may have none).
pub(crate) fn column_head(dialect: Dialect, c: &Column) -> String {
    let mut s = q(dialect, &c.name);
    if !c.data_type.is_empty() {
        s.push(' ');
        s.push_str(&c.data_type);
    }
    s
}

/// `CREATE [kind]INDEX name ON table (items) [WHERE predicate]`, with `kind` (`UNIQUE `,
/// MySQL's `FULLTEXT `…) and `items` already written.
pub(crate) fn create_index(
    dialect: Dialect,
    kind: &str,
    table: &str,
    name: &str,
    items: &str,
    predicate: Option<&str>,
) -> String {
    let mut s = format!(
        "CREATE {kind}INDEX {} ON {} ({items})",
        q(dialect, name),
        q(dialect, table)
    );
    if let Some(p) = predicate {
        s.push_str(&format!(" WHERE {p}"));
    }
    s
}

/// The `UNIQUE ` of a unique index, or nothing.
pub(crate) fn unique_kind(index: &Index) -> &'static str {
    if index.unique { "UNIQUE " } else { "" }
}

/// `CREATE VIEW name AS query`.
pub(crate) fn create_view(dialect: Dialect, view: &View) -> String {
    format!(
        "CREATE VIEW {} AS {}",
        q(dialect, &view.name),
        view.definition
    )
}

/// `DROP <what> name`: `what` is `TABLE`, `VIEW` or `INDEX`.
pub(crate) fn drop(dialect: Dialect, what: &str, name: &str) -> String {
    format!("DROP {what} {}", q(dialect, name))
}

/// `ALTER TABLE table RENAME COLUMN from TO to` (MySQL 8, MariaDB 10.5+, SQLite 3.25+).
pub(crate) fn rename_column(dialect: Dialect, table: &str, from: &str, to: &str) -> String {
    format!(
        "ALTER TABLE {} RENAME COLUMN {} TO {}",
        q(dialect, table),
        q(dialect, from),
        q(dialect, to)
    )
}
