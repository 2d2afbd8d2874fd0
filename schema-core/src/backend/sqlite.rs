//! SQLite: transactional DDL, one file per database (no `CREATE DATABASE`: scratch databases
//! are in memory, test databases are files; see [`crate::testing`]).

use super::Backend;

/// SQLite.
pub struct Sqlite;

impl Backend for Sqlite {
    const NAME: &'static str = "SQLite";
    const TRANSACTIONAL_DDL: bool = true;
}
