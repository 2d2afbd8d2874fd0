//! Safe execution: each revision's lock and statement timeouts, what a waiting statement
//! waits for (asked from a second connection), and the retries of a revision rolled back by
//! a lock timeout.

use super::*;
use crate::backend::Timeouts;
use crate::db::DatabaseUrl;

/// How long a statement waits before a second connection asks what for (at most; sooner
/// with a shorter lock timeout, so that the holder is known before the wait ends).
const ASK_AFTER: Duration = Duration::from_secs(1);
/// How often it asks again, to say when the holder changes.
const REASK: Duration = Duration::from_secs(2);
/// The first retry's wait; each next one doubles, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// The wait before attempt `attempt + 1` (after `attempt` failed): 0.5 s, 1 s, 2 s … 8 s.
pub(super) fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1 << attempt.saturating_sub(1).min(8))
        .min(MAX_BACKOFF)
}

/// Whether a step failed on a lock timeout with nothing of it left behind, so that running
/// it again whole is safe: its transaction rolled back, or it ran outside one and the
/// statement that timed out was its first. (SQLite: `BEGIN IMMEDIATE` found the write lock
/// busy until the timeout.)
pub(super) fn retryable(e: &MigrateError) -> bool {
    match e {
        MigrateError::Statement(f) => f.lock_timeout && !f.left_dirty,
        MigrateError::Db(DbError::LockTimeout { .. }) => true,
        _ => false,
    }
}

/// Records on a step's final error how many times it was tried.
pub(super) fn tried(mut e: MigrateError, attempts: u32) -> MigrateError {
    if let MigrateError::Statement(f) = &mut e {
        f.attempts = attempts;
    }
    e
}

impl<'g> Migration<'g> {
    /// What bounds each revision's waits: the lock timeout (the run's own) and the statement
    /// timeout.
    pub(super) fn timeouts(&self) -> Timeouts {
        Timeouts {
            lock: self.table.wait_policy().timeout,
            statement: self.options.statement_timeout,
        }
    }

    /// Runs settings (see [`crate::backend::Backend::set_timeouts`]): of each, the first
    /// spelling the server accepts.
    pub(super) async fn apply_settings(
        &mut self,
        settings: Vec<Vec<String>>,
    ) -> Result<(), MigrateError> {
        for spellings in settings {
            let mut refused = None;
            for sql in &spellings {
                match self.conn.execute(sql).await {
                    Ok(()) => {
                        refused = None;
                        break;
                    }
                    Err(e) => refused = Some(DbError::query(e, sql)),
                }
            }
            if let Some(e) = refused {
                return Err(e.into());
            }
        }
        Ok(())
    }

    /// Sets the timeouts for the session, for a step that runs outside a transaction; returns
    /// what [`Self::reset_session_timeouts`] needs to put things back.
    pub(super) async fn set_session_timeouts(&mut self) -> Result<Option<i64>, MigrateError> {
        let t = self.timeouts();
        let dialect = self.conn.dialect();
        let saved = match dialect.saved_timeout_query() {
            Some(sql) if t.lock.is_some() => self.conn.fetch_int(sql).await?,
            _ => None,
        };
        self.apply_settings(dialect.set_timeouts(t, false)).await?;
        Ok(saved)
    }

    pub(super) async fn reset_session_timeouts(
        &mut self,
        saved: Option<i64>,
    ) -> Result<(), MigrateError> {
        let t = self.timeouts();
        let sql = self.conn.dialect().reset_timeouts(t, saved);
        self.apply_settings(sql).await
    }

    /// This session's id on the server, when a second connection is to say what its
    /// statements wait for.
    ///
    /// Asked once per run: a connection's session id does not change.
    pub(super) async fn observed_session(&mut self, known: &mut Known) -> Option<i64> {
        self.options.observe.as_ref()?;
        if let Some(id) = known.session {
            return id;
        }
        let id = crate::db::session_id(&mut self.conn).await;
        known.session = Some(id);
        id
    }

    /// `BEGIN` and the transaction's settings (see [`Self::apply_settings`]): in one round
    /// trip where each setting has one spelling, otherwise one after the other. A failed
    /// setting rolls the transaction back.
    pub(super) async fn begin_with(
        &mut self,
        settings: Vec<Vec<String>>,
    ) -> Result<(), MigrateError> {
        // Inside the caller's transaction `begin` makes a savepoint: never a BEGIN of its own.
        if settings.iter().any(|spellings| spellings.len() != 1)
            || super::run::in_callers_transaction(&self.conn)
        {
            self.begin(true).await?;
            if let Err(e) = self.apply_settings(settings).await {
                let _ = self.finish(true, false).await;
                return Err(e);
            }
            return Ok(());
        }
        let sqls: Vec<String> = settings.into_iter().flatten().collect();
        let batch = std::iter::once("BEGIN".to_string())
            .chain(sqls.iter().cloned())
            .collect::<Vec<_>>()
            .join(";\n");
        match self.conn.execute_counted(&batch).await {
            Ok(()) => Ok(()),
            Err((0, e)) => Err(DbError::query(e, "BEGIN").into()),
            Err((n, e)) => {
                let _ = self.finish(true, false).await;
                let sql = sqls.get(n - 1).map_or("BEGIN", String::as_str);
                Err(DbError::query(e, sql).into())
            }
        }
    }

    /// Runs `sql`; while it runs, a second connection asks (after a moment, then now and
    /// then) what it waits for, tells `on_wait` when that changes, and keeps the last answer
    /// in `waited_on`.
    pub(super) async fn execute_watched(
        &mut self,
        sql: &str,
        session: Option<i64>,
        on_wait: &mut dyn FnMut(String),
        waited_on: &mut Option<String>,
    ) -> Result<(), sqlx::Error> {
        let (Some(url), Some(session)) = (self.options.observe.clone(), session) else {
            return self.conn.execute(sql).await;
        };
        let first = self
            .timeouts()
            .lock
            .map_or(ASK_AFTER, |t| (t / 2).min(ASK_AFTER));
        let exec = self.conn.execute(sql);
        let watch = watch(url, session, first, on_wait, waited_on);
        tokio::pin!(exec, watch);
        tokio::select! {
            biased;
            r = &mut exec => r,
            () = &mut watch => exec.await,
        }
    }
}

/// Asks from a connection of its own what session `session` waits for, first after `first`,
/// then every [`REASK`]; never ends (the statement's end drops it). A connection that cannot
/// be made leaves the statement to run unobserved.
async fn watch(
    url: DatabaseUrl,
    session: i64,
    first: Duration,
    on_wait: &mut dyn FnMut(String),
    waited_on: &mut Option<String>,
) {
    tokio::time::sleep(first).await;
    let Ok(mut conn) = Conn::connect(&url).await else {
        return std::future::pending().await;
    };
    let mut reported: Option<String> = None;
    loop {
        if let Some(b) = crate::db::blocker(&mut conn, session).await {
            if reported.as_ref() != Some(&b.key) {
                on_wait(b.text.clone());
                reported = Some(b.key);
            }
            *waited_on = Some(b.text);
        }
        tokio::time::sleep(REASK).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_doubling_up_to_a_cap() {
        let waits: Vec<u128> = (1..=6).map(|a| backoff(a).as_millis()).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 8000]);
    }
}
