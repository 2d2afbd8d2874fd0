//! Reading a MySQL or MariaDB database from `information_schema` into the model (see the
//! module's documentation for the modelling choices).

use std::collections::{BTreeMap, BTreeSet};

use super::q;
use super::render::{literal, parts};
use crate::autogen::model::{
    Check, Column, ForeignKey, Index, PrimaryKey, Schema, Table, UniqueConstraint, View,
};
use crate::db::{Conn, DbError};

/// A text column of a catalog row.
pub(super) fn col(row: &[Option<String>], i: usize) -> Option<String> {
    row.get(i).cloned().flatten()
}

pub(super) fn text(row: &[Option<String>], i: usize) -> String {
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
    let tables_sql = "SELECT CAST(TABLE_NAME AS CHAR), CAST(TABLE_TYPE AS CHAR) \
        FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()";
    for row in conn.fetch_strings(tables_sql).await? {
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
    let views_sql = "SELECT CAST(TABLE_NAME AS CHAR), CAST(VIEW_DEFINITION AS CHAR) \
        FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()";
    for row in conn.fetch_strings(views_sql).await? {
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
pub(super) fn read_column(row: &[Option<String>], mariadb: bool) -> Column {
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
pub(super) fn mysql8_default(raw: &str, expression: bool) -> String {
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
