//! PostgreSQL: transactional DDL, `$n` placeholders, `DROP DATABASE … WITH (FORCE)` (13+).

use super::{AdvisoryLock, Backend, Timeouts, millis};

/// The SQLSTATE of a syntax error: what a server before 13 answers to `WITH (FORCE)`.
pub(super) const SYNTAX_ERROR: &str = "42601";

/// The SQLSTATE of `lock_not_available`: a statement gave up waiting after `lock_timeout`.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// PostgreSQL.
pub struct Postgres;

impl Backend for Postgres {
    const NAME: &'static str = "PostgreSQL";
    const TRANSACTIONAL_DDL: bool = true;

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
