//! PostgreSQL: transactional DDL, `$n` placeholders, `DROP DATABASE … WITH (FORCE)` (13+).

use super::{AdvisoryLock, Backend, Dialect, LengthUnit, Timeouts, millis};
use crate::db::{Conn, DbError, LockHolder as Holder, Value};

/// The SQLSTATE of a syntax error: what a server before 13 answers to `WITH (FORCE)`.
pub(super) const SYNTAX_ERROR: &str = "42601";

/// The SQLSTATE of `lock_not_available`: a statement gave up waiting after `lock_timeout`.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// PostgreSQL.
pub struct Postgres;

impl Backend for Postgres {
    const DIALECT: Dialect = Dialect::Postgres;
    const SESSION_NOUN: &'static str = "pid";
    const NAME: &'static str = "PostgreSQL";
    const TRANSACTIONAL_DDL: bool = true;
    const SCHEMES: &'static [&'static str] = &["postgres", "postgresql"];
    const IDENT_LIMIT: Option<(usize, LengthUnit)> = Some((63, LengthUnit::Bytes));
    const SCHEMA_EXISTS: Option<&'static str> =
        Some("SELECT COUNT(*)::BIGINT FROM pg_namespace WHERE nspname = $1");
    const FOLDS_UNQUOTED: bool = true;
    const COMMITS_WITH_ROW: bool = true;
    const SCRIPT_PRELUDE: &'static str = "\\set ON_ERROR_STOP on\n\n";

    fn table_exists(schema: Option<&str>, table: &str) -> (String, Vec<Value>) {
        (
            "SELECT COUNT(*)::BIGINT FROM information_schema.tables WHERE table_schema = COALESCE($1, current_schema()) AND table_name = $2".to_string(),
            vec![
                Value::OptText(schema.map(str::to_string)),
                Value::Text(table.to_string()),
            ],
        )
    }

    /// The session in `pg_locks` joined to `pg_stat_activity` (our sessions name themselves
    /// in `application_name`).
    async fn lock_holder(
        conn: &mut Conn,
        key: i64,
        _table: &str,
    ) -> Result<Option<Holder>, DbError> {
        // A bigint key is stored as two 32-bit halves, with objsubid 1.
        let (high, low) = ((key >> 32) & 0xffff_ffff, key & 0xffff_ffff);
        let sql = format!(
            "SELECT a.pid::BIGINT, a.application_name, COALESCE(a.client_hostname, host(a.client_addr), 'a local socket'), a.usename::TEXT, to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
             AND l.classid::BIGINT = {high} AND l.objid::BIGINT = {low} \
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1"
        );
        let Some(r) = conn.fetch_texts_with(&sql, &[]).await? else {
            return Ok(None);
        };
        let col = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
        let app = col(1);
        let app = if app.is_empty() {
            String::new()
        } else {
            format!("application `{app}`, ")
        };
        Ok(Some(Holder {
            id: col(0),
            text: format!(
                "PostgreSQL session {} ({app}user {}, from {}, connected since {} UTC)",
                col(0),
                col(3),
                col(2),
                col(4)
            ),
        }))
    }

    fn placeholder(n: usize) -> String {
        format!("${n}")
    }

    fn advisory_lock(key: i64) -> Option<AdvisoryLock> {
        Some(AdvisoryLock {
            try_lock: format!(
                "SELECT CASE WHEN pg_try_advisory_lock({key}) THEN 1 ELSE 0 END::BIGINT"
            ),
            unlock: format!("SELECT pg_advisory_unlock({key})"),
            binds_name: false,
        })
    }

    fn drop_database(name: &str, force: bool) -> Vec<String> {
        let plain = format!("DROP DATABASE IF EXISTS {}", Self::quote_ident(name));
        if force {
            vec![format!("{plain} WITH (FORCE)"), plain]
        } else {
            vec![plain]
        }
    }

    fn sessions_in(name: &str) -> Option<String> {
        Some(format!(
            "SELECT pid::text FROM pg_stat_activity WHERE datname = {}",
            Self::quote_literal(name)
        ))
    }

    fn set_timeouts(t: Timeouts, local: bool) -> Vec<Vec<String>> {
        let scope = if local { "SET LOCAL" } else { "SET" };
        let set = |name: &str, d| vec![format!("{scope} {name} = '{}ms'", millis(d))];
        t.lock
            .map(|d| set("lock_timeout", d))
            .into_iter()
            .chain(t.statement.map(|d| set("statement_timeout", d)))
            .collect()
    }

    fn reset_timeouts(t: Timeouts, _saved: Option<i64>) -> Vec<Vec<String>> {
        t.lock
            .map(|_| vec!["RESET lock_timeout".to_string()])
            .into_iter()
            .chain(
                t.statement
                    .map(|_| vec!["RESET statement_timeout".to_string()]),
            )
            .collect()
    }

    fn is_lock_timeout(code: &str) -> bool {
        code == LOCK_NOT_AVAILABLE
    }

    fn session_id_query() -> Option<&'static str> {
        Some("SELECT pg_backend_pid()::BIGINT")
    }

    fn blocker_queries() -> Vec<String> {
        // The lock the session waits for, and the first session `pg_blocking_pids` names.
        vec![
            "SELECT COALESCE(w.relation::regclass::text, w.locktype), w.mode, b.pid::BIGINT, b.state, \
             left(regexp_replace(b.query, '\\s+', ' ', 'g'), 200), \
             floor(EXTRACT(EPOCH FROM clock_timestamp() - COALESCE(b.xact_start, b.query_start)))::BIGINT \
             FROM pg_locks w CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid) \
             JOIN pg_stat_activity b ON b.pid = bp.pid \
             WHERE w.pid = $1 AND NOT w.granted LIMIT 1"
                .to_string(),
        ]
    }
}
