//! MySQL/MariaDB: no transactional DDL (each DDL statement commits), backquoted identifiers,
//! backslash escapes in string literals, and sessions ended by `KILL` before a forced drop.

use super::{AdvisoryLock, Backend, Dialect, LengthUnit};
use crate::db::{Conn, DbError, LockHolder as Holder, Value};

/// The name of the migration lock of a version table, whose name is bound as the parameter
/// (`?`, never part of the SQL). MySQL's named locks are server-wide: the name carries the
/// database, hashed to fit the 64-character limit, so migrations of other databases on the
/// server do not wait.
pub const LOCK_NAME: &str =
    "CONCAT('cargo_schema_', LEFT(SHA2(CONCAT(DATABASE(), '.', ?), 256), 40))";

/// MySQL and MariaDB.
pub struct MySql;

impl Backend for MySql {
    const DIALECT: Dialect = Dialect::MySql;
    const NAME: &'static str = "MySQL";
    const TRANSACTIONAL_DDL: bool = false;
    const VERSION_TABLE_TYPES: (&'static str, &'static str) = ("LONGTEXT", "VARCHAR(191)");
    const FORCE_DROP_BY_KILL: bool = true;
    const SCHEMES: &'static [&'static str] = &["mysql", "mariadb"];
    const IDENT_LIMIT: Option<(usize, LengthUnit)> = Some((64, LengthUnit::Characters));

    fn table_exists(_schema: Option<&str>, table: &str) -> (String, Vec<Value>) {
        (
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?".to_string(),
            vec![Value::Text(table.to_string())],
        )
    }

    fn insert_if_absent(table: &str, columns: &str, values: &str, _key: &str) -> String {
        format!("INSERT IGNORE INTO {table} ({columns}) VALUES ({values})")
    }

    /// The mysql client splits at every `;`, so a body holding semicolons (a trigger) goes
    /// between `DELIMITER` lines.
    fn script_statement(sql: &str) -> String {
        if sql.contains(';') {
            format!("DELIMITER $$\n{sql}$$\nDELIMITER ;")
        } else {
            format!("{sql};")
        }
    }

    /// The connection `IS_USED_LOCK` names, from the process list.
    async fn lock_holder(
        conn: &mut Conn,
        _key: i64,
        table: &str,
    ) -> Result<Option<Holder>, DbError> {
        let sql = format!("SELECT IS_USED_LOCK({LOCK_NAME})");
        let Some(id) = conn
            .fetch_int_with(&sql, &[Value::Text(table.to_string())])
            .await?
        else {
            return Ok(None);
        };
        let sql = "SELECT USER, HOST, COALESCE(DB, ''), COALESCE(COMMAND, ''), CAST(TIME AS SIGNED) FROM information_schema.PROCESSLIST WHERE ID = ?";
        let row = conn.fetch_texts_with(sql, &[Value::Int(id)]).await?;
        let text = match row {
            Some(r) => {
                let col = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
                format!(
                    "MySQL connection {id} (user {}, from {}, in its current command, {}, for {} s)",
                    col(0),
                    col(1),
                    col(3),
                    col(4)
                )
            }
            None => format!("MySQL connection {id}"),
        };
        Ok(Some(Holder {
            id: id.to_string(),
            text,
        }))
    }

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
