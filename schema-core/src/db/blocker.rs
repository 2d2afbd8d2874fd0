//! What a revision's statement waits for, and who holds it: asked from a second connection
//! while the statement waits (the waiting one is busy), in the database's own terms.

use super::{Conn, DbError, Value, lock};
use crate::backend::Dialect;

/// A statement waits for a lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// What it waits for and who holds it, as a sentence ("a lock on `users` …").
    pub text: String,
    /// What tells one wait from another: the object and the holder's session.
    pub key: String,
}

/// This session's id on the server (PostgreSQL's pid, MySQL's connection id), for
/// [`blocker`] to ask about from another connection; `None` where there is none (SQLite).
pub async fn session_id(conn: &mut Conn) -> Option<i64> {
    let sql = conn.dialect().session_id_query()?;
    conn.fetch_int(sql).await.ok().flatten()
}

/// What the session `session` waits for, asked on `conn` (another connection to the same
/// server): `None` when it waits for nothing the server reports.
pub async fn blocker(conn: &mut Conn, session: i64) -> Option<Blocked> {
    let dialect = conn.dialect();
    for sql in dialect.blocker_queries() {
        match conn.fetch_texts_with(&sql, &[Value::Int(session)]).await {
            Ok(Some(row)) => return Some(describe(dialect, &row)),
            Ok(None) => {}
            // A catalog this server lacks (performance_schema off, a table MySQL 8 removed).
            Err(DbError::Query { .. }) => {}
            Err(_) => return None,
        }
    }
    None
}

/// A row of a [`crate::backend::Backend::blocker_queries`] query as a sentence.
fn describe(dialect: Dialect, row: &[Option<String>]) -> Blocked {
    let col = |i: usize| row.get(i).cloned().flatten().filter(|s| !s.is_empty());
    let object = col(0);
    let mode = col(1).unwrap_or_else(|| "a lock".to_string());
    let on = match &object {
        Some(o) => format!("waiting for a lock on `{o}` ({mode})"),
        // The session's own state, as MySQL says it: "Waiting for table metadata lock".
        None if mode.starts_with("Waiting for ") => format!("w{}", &mode[1..]),
        None => format!("waiting for a lock ({mode})"),
    };
    let Some(holder) = col(2) else {
        let why = dialect.unnamed_holder();
        let open = col(6)
            .map(|o| format!("; transactions open in this database: {o}"))
            .unwrap_or_default();
        return Blocked {
            text: format!("{on}; {why}{open}"),
            key: format!("{object:?}"),
        };
    };
    let who = format!("{} {holder}", dialect.session_noun());
    let mut details = Vec::new();
    if let Some(statement) = col(4) {
        let cut = lock::cut(&statement, 60);
        let more = if cut.len() < statement.len() {
            " …"
        } else {
            ""
        };
        details.push(format!("`{cut}{more}`"));
    }
    if let Some(state) = col(3) {
        details.push(state);
    }
    if let Some(seconds) = col(5) {
        details.push(format!("{seconds} s"));
    }
    let details = if details.is_empty() {
        String::new()
    } else {
        format!(" ({})", details.join(", "))
    };
    Blocked {
        text: format!("{on} held by {who}{details}"),
        key: format!("{object:?} {holder}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_reads_as_what_and_who() {
        let row = |v: &[&str]| {
            v.iter()
                .map(|s| (!s.is_empty()).then(|| s.to_string()))
                .collect::<Vec<_>>()
        };
        let b = describe(
            Dialect::Postgres,
            &row(&[
                "users",
                "AccessExclusiveLock",
                "4242",
                "idle in transaction",
                "UPDATE users SET name = 'a very long name that goes on and on and on' WHERE id = 1",
                "3",
            ]),
        );
        assert_eq!(
            b.text,
            "waiting for a lock on `users` (AccessExclusiveLock) held by pid 4242 (`UPDATE users SET name = 'a very long name that goes on and o …`, idle in transaction, 3 s)"
        );
        let m = describe(
            Dialect::MySql,
            &row(&[
                "",
                "Waiting for table metadata lock",
                "",
                "",
                "",
                "",
                "connection 12 (3 s)",
            ]),
        );
        assert!(
            m.text
                .ends_with("; transactions open in this database: connection 12 (3 s)"),
            "{}",
            m.text
        );
        assert!(m.text.contains("metadata_lock_info"), "{}", m.text);
        assert!(
            m.text.starts_with("waiting for table metadata lock; "),
            "{}",
            m.text
        );
    }
}
