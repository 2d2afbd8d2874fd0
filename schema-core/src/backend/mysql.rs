//! MySQL/MariaDB: no transactional DDL (each DDL statement commits), backquoted identifiers,
//! backslash escapes in string literals, and sessions ended by `KILL` before a forced drop.

use super::Backend;

/// MySQL and MariaDB.
pub struct MySql;

impl Backend for MySql {
    const NAME: &'static str = "MySQL";
    const TRANSACTIONAL_DDL: bool = false;
    const VERSION_TABLE_TYPES: (&'static str, &'static str) = ("LONGTEXT", "VARCHAR(191)");
    const FORCE_DROP_BY_KILL: bool = true;

    fn quote_ident(ident: &str) -> String {
        format!("`{}`", ident.replace('`', "``"))
    }

    fn quote_literal(s: &str) -> String {
        format!("'{}'", s.replace('\'', "''").replace('\\', "\\\\"))
    }

    fn sessions_in(name: &str) -> Option<String> {
        Some(format!(
            "SELECT CAST(id AS CHAR) FROM information_schema.processlist WHERE db = {}",
            Self::quote_literal(name)
        ))
    }

    fn kill_session(id: &str) -> Option<String> {
        id.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| format!("KILL {id}"))
    }
}
