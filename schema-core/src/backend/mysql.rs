//! MySQL/MariaDB: no transactional DDL (each DDL statement commits), backquoted identifiers,
//! backslash escapes in string literals, and sessions ended by `KILL` before a forced drop.

use super::{AdvisoryLock, Backend};

/// The name of the migration lock of a version table, whose name is bound as the parameter
/// (`?`, never part of the SQL). MySQL's named locks are server-wide: the name carries the
/// database, hashed to fit the 64-character limit, so migrations of other databases on the
/// server do not wait.
pub const LOCK_NAME: &str =
    "CONCAT('cargo_schema_', LEFT(SHA2(CONCAT(DATABASE(), '.', ?), 256), 40))";

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

    fn advisory_lock(_key: i64) -> Option<AdvisoryLock> {
        Some(AdvisoryLock {
            try_lock: format!("SELECT CAST(GET_LOCK({LOCK_NAME}, 0) AS SIGNED)"),
            unlock: format!("SELECT RELEASE_LOCK({LOCK_NAME})"),
            binds_name: true,
        })
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
