//! PostgreSQL: transactional DDL, `$n` placeholders, `DROP DATABASE … WITH (FORCE)` (13+).

use super::{AdvisoryLock, Backend};

/// The SQLSTATE of a syntax error: what a server before 13 answers to `WITH (FORCE)`.
pub(super) const SYNTAX_ERROR: &str = "42601";

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
}
