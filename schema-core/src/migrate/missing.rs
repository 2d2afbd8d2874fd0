//! Applied revisions whose files are gone (a branch switch left them behind): finding them
//! and rolling them back from the `down_sql` their rows keep.

use super::*;

impl<'g> Migration<'g> {
    /// Applied revisions whose files this checkout does not have (a branch switch left them
    /// behind), newest first.
    pub async fn missing(&mut self) -> Result<Vec<AppliedRow>, MigrateError> {
        if !self.table.exists(&mut self.conn).await? {
            return Ok(Vec::new());
        }
        let mut rows: Vec<AppliedRow> = self
            .table
            .rows(&mut self.conn)
            .await?
            .into_iter()
            .filter(|r| self.graph.index_of(&r.revision).is_none())
            .collect();
        rows.sort_by(|a, b| {
            b.applied_at
                .cmp(&a.applied_at)
                .then(b.revision.cmp(&a.revision))
        });
        Ok(rows)
    }

    /// Rolls back the applied revisions the checkout does not have, newest first, with the
    /// down sections recorded when they were applied. Refuses before running anything when
    /// one of them was irreversible or is dirty.
    pub async fn roll_back_missing(
        &mut self,
        on_rolled_back: &mut dyn FnMut(&AppliedRow, Duration),
    ) -> Result<Vec<String>, MigrateError> {
        self.table.lock(&mut self.conn, self.options.lock).await?;
        let result = match self.table.ensure(&mut self.conn).await {
            Ok(()) => self.roll_back_missing_locked(on_rolled_back).await,
            Err(e) => Err(e.into()),
        };
        let _ = self.table.unlock(&mut self.conn, self.options.lock).await;
        result
    }

    pub(super) async fn roll_back_missing_locked(
        &mut self,
        on_rolled_back: &mut dyn FnMut(&AppliedRow, Duration),
    ) -> Result<Vec<String>, MigrateError> {
        let missing = self.missing().await?;
        if let Some(row) = missing.iter().find(|r| r.is_dirty()) {
            return Err(MigrateError::Dirty {
                revision: row.revision.clone(),
                path: None,
                statements_done: row.statements_done,
                rolling_back: row.state == RowState::DirtyDown,
                error: row.error.clone(),
            });
        }
        if let Some(row) = missing.iter().find(|r| r.down_sql.is_none()) {
            return Err(MigrateError::MissingIrreversible(row.revision.clone()));
        }
        let dialect = self.conn.dialect();
        // Without the file there is no `transaction:false` marker to go by: transactional
        // wherever the database can.
        let transactional = dialect.transactional_ddl();
        // Every recorded down section is split and checked before the first one runs.
        let prepared = missing
            .iter()
            .map(|row| {
                let down = row.down_sql.as_deref().unwrap_or("");
                checked_statements(down, 1, dialect, transactional).map_err(|(line, problem)| {
                    MigrateError::MissingFailed {
                        revision: row.revision.clone(),
                        statement: String::new(),
                        message: format!("line {line} of the recorded down section: {problem}"),
                    }
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut done = Vec::new();
        for (row, statements) in missing.iter().zip(&prepared) {
            let down = row.down_sql.as_deref().unwrap_or("");
            let took = if foreign_keys_off(dialect, down) {
                let restore = self.foreign_keys_set(false).await?;
                let result = self
                    .roll_back_row(row, statements, transactional, true)
                    .await;
                let restored = self.foreign_keys_set(restore).await;
                let took = result?;
                restored?;
                took
            } else {
                self.roll_back_row(row, statements, transactional, false)
                    .await?
            };
            on_rolled_back(row, took);
            done.push(row.revision.clone());
        }
        Ok(done)
    }

    /// Runs one recorded down section and removes its row.
    pub(super) async fn roll_back_row(
        &mut self,
        row: &AppliedRow,
        statements: &[Statement],
        transactional: bool,
        check_foreign_keys: bool,
    ) -> Result<Duration, MigrateError> {
        let start = Instant::now();
        self.begin(transactional).await?;
        for (n, stmt) in statements.iter().enumerate() {
            if let Err(e) = self.conn.execute(&stmt.sql).await {
                let message = database_message(&e);
                if transactional {
                    let _ = self.finish(true, false).await;
                } else if n > 0 {
                    // A first statement the database refused took no effect: the row stays
                    // as it was.
                    let _ = self
                        .table
                        .update_state(
                            &mut self.conn,
                            &row.revision,
                            RowState::DirtyDown,
                            n as i64,
                            Some(message.clone()),
                            0,
                        )
                        .await;
                }
                return Err(MigrateError::MissingFailed {
                    revision: row.revision.clone(),
                    statement: stmt.sql.clone(),
                    message,
                });
            }
        }
        if check_foreign_keys && let Some(message) = self.foreign_key_violation().await? {
            let _ = self.finish(transactional, false).await;
            return Err(MigrateError::MissingFailed {
                revision: row.revision.clone(),
                statement: "PRAGMA foreign_key_check".to_string(),
                message,
            });
        }
        if let Err(e) = self.table.delete(&mut self.conn, &row.revision).await {
            let _ = self.finish(transactional, false).await;
            return Err(e.into());
        }
        self.finish(transactional, true).await?;
        Ok(start.elapsed())
    }
}
