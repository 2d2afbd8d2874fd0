//! SQLite: transactional DDL, one file per database (no `CREATE DATABASE`: scratch databases
//! are in memory, test databases are files; see [`crate::testing`]).

use super::{Backend, Dialect, Timeouts, millis};
use crate::db::Value;

/// SQLite.
pub struct Sqlite;

impl Backend for Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;
    const NAME: &'static str = "SQLite";
    const TRANSACTIONAL_DDL: bool = true;
    const SCHEMES: &'static [&'static str] = &["sqlite"];
    const SERVER: bool = false;
    const LOCKS_PER_STEP: bool = true;
    const FOREIGN_KEYS_PRAGMA: bool = true;
    const BATCHES_SECTIONS: bool = true;
    const COMMITS_WITH_ROW: bool = true;
    const SCRIPT_PRELUDE: &'static str = ".bail on\n\n";

    fn table_exists(_schema: Option<&str>, table: &str) -> (String, Vec<Value>) {
        (
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?".to_string(),
            vec![Value::Text(table.to_string())],
        )
    }

    /// Inside a transaction nothing: the revision's `BEGIN IMMEDIATE` took the write lock
    /// (its wait is bounded by the lock timeout already). Outside one, the busy timeout. No
    /// statement timeout: SQLite has none (only a progress handler in the C API).
    fn set_timeouts(t: Timeouts, local: bool) -> Vec<Vec<String>> {
        t.lock
            .filter(|_| !local)
            .map(|d| vec![format!("PRAGMA busy_timeout = {}", millis(d))])
            .into_iter()
            .collect()
    }

    fn saved_timeout_query() -> Option<&'static str> {
        Some("PRAGMA busy_timeout")
    }

    fn reset_timeouts(t: Timeouts, saved: Option<i64>) -> Vec<Vec<String>> {
        match (t.lock, saved) {
            (Some(_), Some(ms)) => vec![vec![format!("PRAGMA busy_timeout = {ms}")]],
            _ => Vec::new(),
        }
    }

    fn is_lock_timeout(code: &str) -> bool {
        // SQLITE_BUSY and its extended codes (the low byte is the primary code).
        code.parse::<i64>().is_ok_and(|c| c & 0xff == 5)
    }
}
