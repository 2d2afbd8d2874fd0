//! MySQL/MariaDB: no transactional DDL (each DDL statement commits), backquoted identifiers,
//! backslash escapes in string literals, and sessions ended by `KILL` before a forced drop.

use super::{AdvisoryLock, Backend, Dialect, LengthUnit, Timeouts, whole_seconds};
use crate::db::{Conn, DbError, LockHolder as Holder, Value};

/// The name of the migration lock of a version table, whose name is bound as the parameter
/// (`?`, never part of the SQL). MySQL's named locks are server-wide: the name carries the
/// database, hashed to fit the 64-character limit, so migrations of other databases on the
/// server do not wait.
pub const LOCK_NAME: &str =
    "CONCAT('cargo_schema_', LEFT(SHA2(CONCAT(DATABASE(), '.', ?), 256), 40))";

/// `ER_LOCK_WAIT_TIMEOUT`: a metadata lock (`lock_wait_timeout`) or a row lock
/// (`innodb_lock_wait_timeout`) was not granted in time; the statement took no effect.
const LOCK_WAIT_TIMEOUT: &str = "1205";

/// The holder of a lock a session waits for, as far as the server says. The columns: the
/// object, the lock, the holder's connection id, its command, its statement, and the age of
/// its transaction in seconds.
const HOLDER_COLUMNS: &str = "CAST(h.ID AS SIGNED), h.COMMAND, LEFT(REGEXP_REPLACE(h.INFO, '[[:space:]]+', ' '), 200), \
     COALESCE((SELECT CAST(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS SIGNED) FROM information_schema.INNODB_TRX t WHERE t.trx_mysql_thread_id = h.ID LIMIT 1), CAST(h.TIME AS SIGNED))";

/// MySQL and MariaDB.
pub struct MySql;

impl Backend for MySql {
    const DIALECT: Dialect = Dialect::MySql;
    const UNNAMED_HOLDER: &'static str = "the server does not say who holds it: MariaDB names a metadata lock's holder only with the metadata_lock_info plugin, MySQL with performance_schema";
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

    fn set_timeouts(t: Timeouts, _local: bool) -> Vec<Vec<String>> {
        let mut sql = Vec::new();
        if let Some(d) = t.lock {
            // Metadata locks (DDL) and InnoDB row locks each have their own wait.
            let s = whole_seconds(d);
            sql.push(vec![format!("SET SESSION lock_wait_timeout = {s}")]);
            sql.push(vec![format!("SET SESSION innodb_lock_wait_timeout = {s}")]);
        }
        if let Some(d) = t.statement {
            // MariaDB: any statement; MySQL: only SELECT (`max_execution_time`).
            sql.push(vec![
                format!("SET SESSION max_statement_time = {:.3}", d.as_secs_f64()),
                format!("SET SESSION max_execution_time = {}", d.as_millis().max(1)),
            ]);
        }
        sql
    }

    fn reset_timeouts(t: Timeouts, _saved: Option<i64>) -> Vec<Vec<String>> {
        let mut sql = Vec::new();
        if t.lock.is_some() {
            sql.push(vec!["SET SESSION lock_wait_timeout = DEFAULT".to_string()]);
            sql.push(vec![
                "SET SESSION innodb_lock_wait_timeout = DEFAULT".to_string(),
            ]);
        }
        if t.statement.is_some() {
            sql.push(vec![
                "SET SESSION max_statement_time = DEFAULT".to_string(),
                "SET SESSION max_execution_time = DEFAULT".to_string(),
            ]);
        }
        sql
    }

    fn is_lock_timeout(code: &str) -> bool {
        code == LOCK_WAIT_TIMEOUT
    }

    fn session_id_query() -> Option<&'static str> {
        Some("SELECT CAST(CONNECTION_ID() AS SIGNED)")
    }

    fn blocker_queries() -> Vec<String> {
        vec![
            // A metadata lock, where performance_schema is on (MySQL 8 by default).
            format!(
                "SELECT CONCAT(w.OBJECT_SCHEMA, '.', w.OBJECT_NAME), CONCAT('metadata lock ', w.LOCK_TYPE), {HOLDER_COLUMNS} \
                 FROM performance_schema.metadata_locks w \
                 JOIN performance_schema.threads wt ON wt.THREAD_ID = w.OWNER_THREAD_ID \
                 JOIN performance_schema.metadata_locks g ON g.OBJECT_TYPE = w.OBJECT_TYPE AND g.OBJECT_SCHEMA <=> w.OBJECT_SCHEMA \
                   AND g.OBJECT_NAME <=> w.OBJECT_NAME AND g.LOCK_STATUS = 'GRANTED' AND g.OWNER_THREAD_ID <> w.OWNER_THREAD_ID \
                 JOIN performance_schema.threads gt ON gt.THREAD_ID = g.OWNER_THREAD_ID \
                 JOIN information_schema.PROCESSLIST h ON h.ID = gt.PROCESSLIST_ID \
                 WHERE wt.PROCESSLIST_ID = ? AND w.LOCK_STATUS = 'PENDING' LIMIT 1"
            ),
            // An InnoDB row lock (MariaDB; MySQL before 8).
            format!(
                "SELECT l.lock_table, CONCAT('row lock ', l.lock_mode), {HOLDER_COLUMNS} \
                 FROM information_schema.INNODB_LOCK_WAITS lw \
                 JOIN information_schema.INNODB_TRX r ON r.trx_id = lw.requesting_trx_id \
                 JOIN information_schema.INNODB_TRX b ON b.trx_id = lw.blocking_trx_id \
                 JOIN information_schema.INNODB_LOCKS l ON l.lock_id = lw.blocking_lock_id \
                 JOIN information_schema.PROCESSLIST h ON h.ID = b.trx_mysql_thread_id \
                 WHERE r.trx_mysql_thread_id = ? LIMIT 1"
            ),
            // Otherwise only what the session itself is doing ("Waiting for table metadata
            // lock"): MariaDB names a metadata lock's holder only with the metadata_lock_info
            // plugin or performance_schema.
            // What is known besides: the other transactions open in this database (one of
            // them, or a `LOCK TABLES`, holds it; which, the server does not say).
            "SELECT NULL, me.STATE, NULL, NULL, NULL, NULL, \
             (SELECT GROUP_CONCAT(CONCAT('connection ', p.ID, ' (', TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), ' s)') SEPARATOR ', ') \
              FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id \
              WHERE p.ID <> me.ID AND p.DB = me.DB) \
             FROM information_schema.PROCESSLIST me \
             WHERE me.ID = ? AND me.STATE LIKE 'Waiting for%lock%'"
                .to_string(),
        ]
    }
}

/// The values of a MySQL `enum(...)`/`set(...)` list (the text after the opening
/// parenthesis): `'a','it''s'` gives `a` and `it's`; a backslash escapes the character after
/// it. (Autogenerate compares the lists, lint tells appended values from others.)
#[cfg(any(feature = "autogen", feature = "lint"))]
pub(crate) fn quoted_values(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = list.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                '\\' => {
                    if let Some(n) = chars.next() {
                        value.push(n);
                    }
                }
                c => value.push(c),
            }
        }
        out.push(value);
    }
    out
}
