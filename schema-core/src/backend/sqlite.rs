//! SQLite: transactional DDL, one file per database (no `CREATE DATABASE`: scratch databases
//! are in memory, test databases are files; see [`crate::testing`]).

use super::{Backend, Dialect};
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
    const SCRIPT_PRELUDE: &'static str = ".bail on\n\n";

    fn table_exists(_schema: Option<&str>, table: &str) -> (String, Vec<Value>) {
        (
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?".to_string(),
            vec![Value::Text(table.to_string())],
        )
    }
}
