//! The version table's name in SQL: checked against what each server accepts, then quoted
//! wherever it appears, so that nothing in the `version-table` setting can run as SQL and a
//! mixed-case name means the same table to every statement.

use super::Dialect;

/// The suffixes of the tables kept next to the version table.
pub(super) const SUFFIXES: [&str; 2] = ["_meta", "_lock"];

/// The longest identifier each server keeps (see [`crate::backend::Backend::IDENT_LIMIT`]),
/// with the suffixes added.
fn too_long(dialect: Dialect, name: &str) -> Option<String> {
    let longest = SUFFIXES.iter().map(|s| s.len()).max().unwrap_or(0);
    let (max, unit) = dialect.ident_limit()?;
    let len = unit.of(name);
    (len + longest > max).then(|| {
        format!(
            "`{name}` is {len} {unit} long; with the `_meta` and `_lock` suffixes it must fit {db}'s {max} {unit}, so at most {}",
            max - longest,
            unit = unit.name(),
            db = dialect.name(),
        )
    })
}

/// The schema (PostgreSQL only) and the table of a `version-table` setting.
pub(super) fn split(name: &str) -> (Option<&str>, &str) {
    match name.split_once('.') {
        Some((schema, table)) => (Some(schema), table),
        None => (None, name),
    }
}

/// Why `name` cannot be the version table's name on `dialect`, if it cannot.
pub(super) fn problem(dialect: Dialect, name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("the name is empty".to_string());
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Some(format!(
            "the name contains the control character {c:?}, which no server takes in a table name"
        ));
    }
    if name.trim() != name {
        return Some("the name starts or ends with white space".to_string());
    }
    let (schema, table) = split(name);
    if let Some(schema) = schema {
        if !dialect.has_schemas() {
            return Some(format!(
                "`{name}` names a schema: a schema-qualified version table is supported on PostgreSQL only ({} has the table in the database of the URL)",
                dialect.name()
            ));
        }
        if schema.is_empty() || table.is_empty() || table.contains('.') {
            return Some(format!(
                "`{name}` is not `TABLE` or `SCHEMA.TABLE` (one dot at most, a name on each side)"
            ));
        }
        if let Some((max, unit)) = dialect.ident_limit()
            && unit.of(schema) > max
        {
            return Some(format!(
                "the schema `{schema}` is longer than {}'s {max} {}",
                dialect.name(),
                unit.name()
            ));
        }
    }
    too_long(dialect, table)
}

/// An identifier quoted for `dialect`.
pub(super) fn quote(dialect: Dialect, ident: &str) -> String {
    dialect.quote_ident(ident)
}

/// The version table (with `suffix`: one of the tables next to it), quoted for `dialect`;
/// on PostgreSQL a `schema.table` name is quoted part by part.
pub(super) fn qualified(dialect: Dialect, name: &str, suffix: &str) -> String {
    match split(name) {
        (Some(schema), table) if dialect.has_schemas() => format!(
            "{}.{}",
            quote(dialect, schema),
            quote(dialect, &format!("{table}{suffix}"))
        ),
        _ => quote(dialect, &format!("{name}{suffix}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_double_their_quote_character() {
        assert_eq!(
            qualified(Dialect::Sqlite, "a\"; DROP TABLE x; --", ""),
            "\"a\"\"; DROP TABLE x; --\""
        );
        assert_eq!(qualified(Dialect::MySql, "a`b", "_meta"), "`a``b_meta`");
        assert_eq!(
            qualified(Dialect::Postgres, "App.SchemaVersion", "_lock"),
            "\"App\".\"SchemaVersion_lock\""
        );
        assert_eq!(
            qualified(Dialect::Sqlite, "SchemaVersion", ""),
            "\"SchemaVersion\""
        );
    }

    #[test]
    fn names_a_server_cannot_take_are_refused() {
        assert!(problem(Dialect::Postgres, "schema_version").is_none());
        assert!(problem(Dialect::Postgres, "app.SchemaVersion").is_none());
        assert!(problem(Dialect::Sqlite, "a'b\"c;`d").is_none());
        assert!(problem(Dialect::Sqlite, &"x".repeat(500)).is_none());
        assert!(problem(Dialect::Postgres, &"x".repeat(58)).is_none());
        assert!(problem(Dialect::Postgres, &"x".repeat(59)).is_some());
        assert!(problem(Dialect::MySql, &"é".repeat(59)).is_none());
        assert!(problem(Dialect::MySql, &"é".repeat(60)).is_some());
        for bad in ["", "a\0b", " a", "a\n", "a.b.c", ".a", "a."] {
            assert!(problem(Dialect::Postgres, bad).is_some(), "{bad:?}");
        }
        assert!(problem(Dialect::Sqlite, "app.v").is_some());
        assert!(problem(Dialect::MySql, "app.v").is_some());
    }
}
