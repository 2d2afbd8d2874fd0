//! The version table: its rows (as read, and once trusted), its layout, the `table` lock
//! mode's lease, and the advisory locks, over a [`Conn`].

use std::time::Duration;

use super::*;

/// The columns of a row, in the order [`Conn::fetch_rows`] reads them.
const ROW_COLUMNS: &str =
    "revision, checksum, applied_at, duration_ms, down_sql, state, statements_done, error";

/// One row of the version table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRow {
    pub revision: String,
    pub checksum: String,
    pub applied_at: String,
    pub duration_ms: i64,
    /// The down section as it was applied (`None`: the revision was irreversible).
    pub down_sql: Option<String>,
    /// `applied`, or `dirty` (`dirty-down`) when a revision failed halfway on a database
    /// without transactional DDL (MySQL), or outside a transaction.
    pub state: RowState,
    /// How many statements of the section ran, for a dirty row.
    pub statements_done: i64,
    /// The error that left the row dirty.
    pub error: Option<String>,
}

impl AppliedRow {
    pub fn is_dirty(&self) -> bool {
        self.state != RowState::Applied
    }
}

/// The state a version-table row records, stored as its [`RowState::as_str`] text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowState {
    /// The revision is applied.
    Applied,
    /// Applying it failed halfway: `statements_done` of its up section ran.
    Dirty,
    /// Rolling it back failed halfway: `statements_done` of its down section ran.
    DirtyDown,
}

impl RowState {
    /// Every state, in the order messages list them.
    pub const ALL: [RowState; 3] = [RowState::Applied, RowState::Dirty, RowState::DirtyDown];

    /// The text in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Applied => "applied",
            RowState::Dirty => "dirty",
            RowState::DirtyDown => "dirty-down",
        }
    }

    /// The state a `state` column's text names, if it names one.
    pub fn parse(text: &str) -> Option<RowState> {
        RowState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The dirty state a step in `direction` leaves behind when it fails halfway.
    pub fn dirty(direction: crate::plan::Direction) -> RowState {
        match direction {
            crate::plan::Direction::Up => RowState::Dirty,
            crate::plan::Direction::Down => RowState::DirtyDown,
        }
    }
}

impl std::fmt::Display for RowState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One column of a row as read: its value, or why it could not be read.
pub type Cell<T> = Result<T, String>;

pub(super) fn required<T>(cell: Cell<Option<T>>) -> Cell<T> {
    cell.and_then(|v| v.ok_or_else(|| "is NULL".to_string()))
}

/// One row of the version table as read, before it is trusted: a row someone edited by hand
/// may hold a NULL or a value of another type anywhere.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub revision: Cell<String>,
    pub checksum: Cell<String>,
    pub applied_at: Cell<String>,
    pub duration_ms: Cell<i64>,
    pub down_sql: Cell<Option<String>>,
    pub state: Cell<String>,
    pub statements_done: Cell<i64>,
    pub error: Cell<Option<String>>,
}

/// Whether a recorded revision id looks like one (the file's header takes no white space).
fn odd_revision(id: &str) -> bool {
    id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl RawRow {
    /// The row, or the first column that cannot be trusted, with how to repair it.
    fn trusted(self, table: &str) -> Result<AppliedRow, DbError> {
        let revision = match self.revision {
            Ok(r) if !odd_revision(&r) => r,
            found => {
                let problem = match found {
                    Ok(r) => format!("holds `{}`, which is not a revision id", r.escape_debug()),
                    Err(e) => e,
                };
                return Err(DbError::Tampered {
                    table: table.to_string(),
                    row: None,
                    column: "revision",
                    problem,
                    help: format!(
                        "the table was edited by hand: delete that row with the database's client, then record what the database holds with `cargo schema stamp REV` (`cargo schema stamp --purge REV` rewrites the whole table from `{table}`'s revisions)"
                    ),
                });
            }
        };
        let fail = |column: &'static str, problem: String| {
            let help = if problem.starts_with("holds a value of type") {
                let kind = match column {
                    "checksum" => "VARCHAR(64) NOT NULL",
                    "applied_at" => "VARCHAR(40) NOT NULL",
                    "state" => "VARCHAR(16) NOT NULL",
                    "down_sql" | "error" => "TEXT",
                    _ => "BIGINT NOT NULL",
                };
                format!(
                    "if the column's type was changed, change `{table}`.`{column}` back to {kind} (the layout `cargo schema up --sql` shows) with the database's client; then `cargo schema repair {revision} --applied` rewrites the row from the revision file"
                )
            } else if column == "checksum" {
                "`cargo schema repair --checksums` records the checksum of the revision's current file".to_string()
            } else {
                format!(
                    "`cargo schema repair {revision} --applied` rewrites the row from the revision file if the revision is applied, `cargo schema repair {revision} --not-applied` removes the row if it is not"
                )
            };
            DbError::Tampered {
                table: table.to_string(),
                row: Some(revision.clone()),
                column,
                problem,
                help,
            }
        };
        let state = match self.state {
            Ok(s) if let Some(state) = RowState::parse(&s) => state,
            Ok(s) => {
                return Err(fail(
                    "state",
                    format!(
                        "holds `{}`, expected `applied`, `dirty` or `dirty-down`",
                        s.escape_debug()
                    ),
                ));
            }
            Err(e) => return Err(fail("state", e)),
        };
        Ok(AppliedRow {
            checksum: self.checksum.map_err(|e| fail("checksum", e))?,
            applied_at: self.applied_at.map_err(|e| fail("applied_at", e))?,
            duration_ms: self.duration_ms.map_err(|e| fail("duration_ms", e))?,
            down_sql: self.down_sql.map_err(|e| fail("down_sql", e))?,
            statements_done: self
                .statements_done
                .map_err(|e| fail("statements_done", e))?,
            error: self.error.map_err(|e| fail("error", e))?,
            state,
            revision: revision.clone(),
        })
    }
}

/// Runs a `CREATE TABLE IF NOT EXISTS`. Two first runs at once can both get past the "if not
/// exists" on PostgreSQL and the loser fails on a catalog unique index; by the time it tries
/// again the table exists.
async fn create_if_missing(conn: &mut Conn, sql: &str) -> Result<(), DbError> {
    if conn.execute(sql).await.is_ok() {
        return Ok(());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    conn.execute(sql).await.map_err(|e| DbError::query(e, sql))
}

/// Whether `s` is carried exactly by a quoted literal on every server of `dialect`, whatever
/// its settings: no NUL (which ends the text), and outside SQLite no backslash (an escape
/// character with PostgreSQL's `standard_conforming_strings` off, or without MySQL's
/// `NO_BACKSLASH_ESCAPES`).
fn plain_literal(dialect: Dialect, s: &str) -> bool {
    !s.contains('\0') && (dialect == Dialect::Sqlite || !s.contains('\\'))
}

/// The version table of one database.
#[derive(Clone)]
pub struct VersionTable {
    /// The name as configured (`version-table`): `table`, or on PostgreSQL `schema.table`.
    pub name: String,
    /// Who holds the lease in the `table` lock mode: unique per run.
    owner: String,
    /// How a run waits for the lock.
    wait: WaitPolicy,
}

/// How long a `table` lock lease lasts; it is renewed after every revision, so only a
/// single revision running longer than this could let another run in.
pub const LEASE_SECONDS: i64 = 300;

fn epoch_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl VersionTable {
    /// The tables this one keeps (itself, its `_meta` table and the `table` lock mode's
    /// `_lock` table), which are not part of the application's schema. On PostgreSQL a
    /// `schema.table` name keeps them in that schema, so these are the bare table names.
    pub fn excluded(&self) -> Vec<String> {
        let (_, table) = ident::split(&self.name);
        std::iter::once(String::new())
            .chain(ident::SUFFIXES.iter().map(|s| s.to_string()))
            .map(|suffix| format!("{table}{suffix}"))
            .collect()
    }

    pub fn new(name: &str) -> Self {
        VersionTable {
            name: name.to_string(),
            owner: lock::lease_owner(epoch_seconds()),
            wait: WaitPolicy::default(),
        }
    }

    /// Gives up waiting for the lock after `timeout` (`None`: waits as long as it takes).
    pub fn lock_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.wait.timeout = timeout;
        self
    }

    /// Calls `f` when a run starts waiting for the lock, and when the holder changes.
    pub fn on_wait(mut self, f: impl Fn(&LockWait) + Send + Sync + 'static) -> Self {
        self.wait.on_wait = Some(std::sync::Arc::new(f));
        self
    }

    /// How a run waits for the lock (SQLite's write lock is waited for in the same way).
    pub fn wait_policy(&self) -> &WaitPolicy {
        &self.wait
    }

    /// Refuses a name the server cannot take as it is (too long once the suffixes are added,
    /// control characters, a schema where there are none).
    pub fn check_name(&self, dialect: Dialect) -> Result<(), DbError> {
        match ident::problem(dialect, &self.name) {
            Some(reason) => Err(DbError::VersionTableName {
                name: self.name.clone(),
                reason,
            }),
            None => Ok(()),
        }
    }

    /// The table (`suffix` empty) or one kept next to it, quoted for SQL.
    fn sql(&self, dialect: Dialect, suffix: &str) -> String {
        ident::qualified(dialect, &self.name, suffix)
    }

    /// The version table's name quoted for SQL in `dialect`.
    pub fn sql_name(&self, dialect: Dialect) -> String {
        self.sql(dialect, "")
    }

    /// The `_meta` table's name quoted for SQL in `dialect`.
    pub fn sql_meta(&self, dialect: Dialect) -> String {
        self.sql(dialect, "_meta")
    }

    fn lock_table(&self, dialect: Dialect) -> String {
        self.sql(dialect, "_lock")
    }

    /// The lookup of one of our tables in the catalog (one row with a count), and its
    /// parameters.
    fn exists_sql(&self, conn: &Conn, suffix: &str) -> (String, Vec<Value>) {
        let (schema, table) = ident::split(&self.name);
        let dialect = conn.dialect();
        if dialect.has_schemas() {
            dialect.table_exists(schema, &format!("{table}{suffix}"))
        } else {
            dialect.table_exists(None, &format!("{}{suffix}", self.name))
        }
    }

    async fn table_exists(&self, conn: &mut Conn, suffix: &str) -> Result<bool, DbError> {
        self.check_name(conn.dialect())?;
        let (sql, params) = self.exists_sql(conn, suffix);
        Ok(conn.fetch_int_with(&sql, &params).await?.unwrap_or(0) > 0)
    }

    /// Makes ready for the lease row of the `table` lock mode (see [`VersionTable::lock`]):
    /// its table, and its name. Plain committed rows work behind PgBouncer's transaction
    /// pooling and on CockroachDB, where session advisory locks do not.
    async fn lease_table(&self, conn: &mut Conn) -> Result<String, DbError> {
        // Nothing is written (not even the lease's table) to a table of a newer layout.
        self.check_layout(conn).await?;
        let table = self.lock_table(conn.dialect());
        let create = format!(
            "CREATE TABLE IF NOT EXISTS {table} (\n    id INTEGER NOT NULL PRIMARY KEY,\n    owner VARCHAR(64) NOT NULL,\n    expires_at BIGINT NOT NULL\n)"
        );
        create_if_missing(conn, &create).await?;
        Ok(table)
    }

    async fn try_lease(&self, conn: &mut Conn, table: &str) -> Result<bool, DbError> {
        let now = epoch_seconds();
        let insert = format!(
            "INSERT INTO {table} (id, owner, expires_at) VALUES (1, {}, {})",
            conn.ph(1),
            conn.ph(2)
        );
        // Who takes the lease, and until when; the steal adds the expiry it replaces.
        let mut params = vec![
            Value::Text(self.owner.clone()),
            Value::Int(now + LEASE_SECONDS),
        ];
        if conn.execute_with(&insert, &params).await.is_ok() {
            return Ok(true);
        }
        let steal = format!(
            "UPDATE {table} SET owner = {}, expires_at = {} WHERE id = 1 AND expires_at < {}",
            conn.ph(1),
            conn.ph(2),
            conn.ph(3)
        );
        params.push(Value::Int(now));
        let stolen = conn.execute_with(&steal, &params).await?;
        Ok(stolen == 1)
    }

    /// The `table` lock's lease row: its owner and expiry (`None`: no lease is held).
    async fn lease(&self, conn: &mut Conn) -> Result<Option<(String, i64)>, DbError> {
        if !self.table_exists(conn, "_lock").await? {
            return Ok(None);
        }
        let sql = format!(
            "SELECT owner, expires_at FROM {} WHERE id = 1",
            self.lock_table(conn.dialect())
        );
        let row = conn.fetch_texts_with(&sql, &[]).await?;
        Ok(row.and_then(|r| {
            let owner = r.first().cloned().flatten()?;
            let expires = r.get(1).cloned().flatten()?.parse().ok()?;
            Some((owner, expires))
        }))
    }

    async fn lease_holder(&self, conn: &mut Conn) -> Result<Option<lock::Holder>, DbError> {
        Ok(self
            .lease(conn)
            .await?
            .map(|(owner, expires)| lock::Holder {
                text: lock::describe_lease(&owner, expires, epoch_seconds()),
                id: owner,
            }))
    }

    /// Removes the `table` lock's lease row whoever holds it (a run that was killed leaves
    /// it until it expires), and says whose it was (`None`: there was none).
    pub async fn release_lease(&self, conn: &mut Conn) -> Result<Option<String>, DbError> {
        self.check_layout(conn).await?;
        let Some((owner, expires)) = self.lease(conn).await? else {
            return Ok(None);
        };
        if lock::holder_is_alive(&owner) {
            return Err(DbError::LeaseHeld {
                holder: lock::describe_lease(&owner, expires, epoch_seconds()),
            });
        }
        let sql = format!(
            "DELETE FROM {} WHERE id = 1 AND owner = {}",
            self.lock_table(conn.dialect()),
            conn.ph(1)
        );
        let removed = conn
            .execute_with(&sql, &[Value::Text(owner.clone())])
            .await?;
        Ok((removed > 0).then(|| lock::describe_lease(&owner, expires, epoch_seconds())))
    }

    /// Extends the lease (between revisions).
    pub async fn renew(&self, conn: &mut Conn, mode: LockMode) -> Result<(), DbError> {
        if mode != LockMode::Table {
            return Ok(());
        }
        let sql = format!(
            "UPDATE {} SET expires_at = {} WHERE id = 1 AND owner = {}",
            self.lock_table(conn.dialect()),
            conn.ph(1),
            conn.ph(2)
        );
        conn.execute_with(
            &sql,
            &[
                Value::Int(epoch_seconds() + LEASE_SECONDS),
                Value::Text(self.owner.clone()),
            ],
        )
        .await
        .map(drop)
    }

    /// The DDL that creates the table in a dialect.
    pub fn create_sql(&self, dialect: Dialect) -> Vec<String> {
        let (text, key) = dialect.version_table_types();
        vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {t} (\n    revision {key} NOT NULL PRIMARY KEY,\n    checksum VARCHAR(64) NOT NULL,\n    applied_at VARCHAR(40) NOT NULL,\n    duration_ms BIGINT NOT NULL,\n    down_sql {text},\n    state VARCHAR(16) NOT NULL,\n    statements_done BIGINT NOT NULL,\n    error {text}\n)",
                t = self.sql_name(dialect)
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {m} (\n    name VARCHAR(64) NOT NULL PRIMARY KEY,\n    value BIGINT NOT NULL\n)",
                m = self.sql_meta(dialect)
            ),
        ]
    }

    /// Creates the table on first use and checks its layout: every command that writes
    /// comes through here (or [`VersionTable::check_layout`]) first.
    pub async fn ensure(&self, conn: &mut Conn) -> Result<(), DbError> {
        self.check_name(conn.dialect())?;
        self.check_schema_and_folding(conn).await?;
        let select = format!(
            "SELECT value FROM {} WHERE name = 'layout'",
            self.sql_meta(conn.dialect())
        );
        // The tables and the layout row in one round trip; when that fails (see
        // [`create_if_missing`]), one statement at a time.
        let creates = self.create_sql(conn.dialect());
        let batch = format!("{};\n{select}", creates.join(";\n"));
        let layout = match conn.fetch_last_int(&batch).await {
            Ok(layout) => layout,
            Err(_) => {
                for sql in &creates {
                    create_if_missing(conn, sql).await?;
                }
                conn.fetch_int(&select).await?
            }
        };
        match layout {
            Some(found) if found > LAYOUT_VERSION => Err(DbError::NewerLayout {
                table: self.name.clone(),
                found,
            }),
            Some(_) => Ok(()),
            None => {
                let sql = format!(
                    "INSERT INTO {} (name, value) VALUES ('layout', {LAYOUT_VERSION})",
                    self.sql_meta(conn.dialect())
                );
                // Two first runs at once may both insert: the loser's row is the same.
                if let Err(e) = conn.execute(&sql).await
                    && conn.fetch_int(&select).await?.is_none()
                {
                    return Err(DbError::query(e, &sql));
                }
                Ok(())
            }
        }
    }

    /// Before anything is created, where the database has schemas (PostgreSQL): the schema of
    /// a `schema.table` name must exist; where it folds unquoted names, a mixed-case name must
    /// not leave behind the lower-case table an older release created for it (unquoted),
    /// whose rows would otherwise be ignored.
    async fn check_schema_and_folding(&self, conn: &mut Conn) -> Result<(), DbError> {
        if let (Some(schema), _) = ident::split(&self.name)
            && let Some(sql) = conn.dialect().schema_exists()
        {
            let found = conn
                .fetch_int_with(sql, &[Value::Text(schema.to_string())])
                .await?;
            if found.unwrap_or(0) == 0 {
                return Err(DbError::VersionTableSchema {
                    name: self.name.clone(),
                    schema: schema.to_string(),
                    dialect: conn.dialect(),
                });
            }
        }
        if conn.dialect().folds_unquoted() && !self.table_exists(conn, "").await? {
            self.refuse_folded(conn).await?;
        }
        Ok(())
    }

    /// Where unquoted names fold to lower case, when this table does not exist: refuses a
    /// mixed-case name whose lower-case table (made by an older release, which did not quote)
    /// exists.
    async fn refuse_folded(&self, conn: &mut Conn) -> Result<(), DbError> {
        let folded = self.name.to_lowercase();
        if !conn.dialect().folds_unquoted() || folded == self.name {
            return Ok(());
        }
        if VersionTable::new(&folded).table_exists(conn, "").await? {
            return Err(DbError::FoldedVersionTable {
                name: self.name.clone(),
                folded,
                dialect: conn.dialect(),
            });
        }
        Ok(())
    }

    /// Refuses a table whose layout is newer than this release, without creating anything
    /// (for a write that needs no table of its own, such as releasing a lease).
    pub async fn check_layout(&self, conn: &mut Conn) -> Result<(), DbError> {
        if !self.table_exists(conn, "_meta").await? {
            return Ok(());
        }
        let sql = format!(
            "SELECT value FROM {} WHERE name = 'layout'",
            self.sql_meta(conn.dialect())
        );
        match conn.fetch_int(&sql).await? {
            Some(found) if found > LAYOUT_VERSION => Err(DbError::NewerLayout {
                table: self.name.clone(),
                found,
            }),
            _ => Ok(()),
        }
    }

    /// Every row as read, oldest first, without judging them (for `repair`). A database
    /// where the table does not exist has none.
    pub async fn raw_rows(&self, conn: &mut Conn) -> Result<Vec<RawRow>, DbError> {
        self.check_name(conn.dialect())?;
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM {} ORDER BY applied_at, revision",
            self.sql_name(conn.dialect())
        );
        conn.fetch_rows(&sql).await
    }

    /// The row of one revision, if it has one: one indexed lookup where its id can be written
    /// as a plain literal, otherwise found among every row.
    pub async fn row_of(
        &self,
        conn: &mut Conn,
        revision: &str,
    ) -> Result<Option<AppliedRow>, DbError> {
        let dialect = conn.dialect();
        if !plain_literal(dialect, revision) {
            let rows = self.rows(conn).await?;
            return Ok(rows.into_iter().find(|r| r.revision == revision));
        }
        self.check_name(dialect)?;
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM {} WHERE revision = {}",
            self.sql_name(dialect),
            dialect.quote_literal(revision)
        );
        let rows = conn.fetch_rows(&sql).await?;
        rows.into_iter()
            .next()
            .map(|r| r.trusted(&self.name))
            .transpose()
    }

    /// Every row, oldest first; a row that cannot be trusted (edited by hand) is an error
    /// that names it, its column and how to repair it.
    pub async fn rows(&self, conn: &mut Conn) -> Result<Vec<AppliedRow>, DbError> {
        self.raw_rows(conn)
            .await?
            .into_iter()
            .map(|r| r.trusted(&self.name))
            .collect()
    }

    /// Whether one revision has a row (one indexed lookup, not the whole table).
    pub async fn is_recorded(&self, conn: &mut Conn, revision: &str) -> Result<bool, DbError> {
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE revision = {}",
            self.sql_name(conn.dialect()),
            conn.ph(1)
        );
        let n = conn
            .fetch_int_with(&sql, &[Value::Text(revision.to_string())])
            .await?;
        Ok(n.unwrap_or(0) > 0)
    }

    /// Whether the table exists, without creating it (for read-only commands).
    pub async fn exists(&self, conn: &mut Conn) -> Result<bool, DbError> {
        let exists = self.table_exists(conn, "").await?;
        if !exists {
            self.refuse_folded(conn).await?;
        }
        Ok(exists)
    }

    pub async fn insert(&self, conn: &mut Conn, row: &AppliedRow) -> Result<(), DbError> {
        let sql = format!(
            "INSERT INTO {} (revision, checksum, applied_at, duration_ms, down_sql, state, statements_done, error) VALUES ({}, {}, {}, {}, {}, {}, {}, {})",
            self.sql_name(conn.dialect()),
            conn.ph(1),
            conn.ph(2),
            conn.ph(3),
            conn.ph(4),
            conn.ph(5),
            conn.ph(6),
            conn.ph(7),
            conn.ph(8),
        );
        conn.execute_with(
            &sql,
            &[
                Value::Text(row.revision.clone()),
                Value::Text(row.checksum.clone()),
                Value::Text(row.applied_at.clone()),
                Value::Int(row.duration_ms),
                Value::OptText(row.down_sql.clone()),
                Value::Text(row.state.as_str().to_string()),
                Value::Int(row.statements_done),
                Value::OptText(row.error.clone()),
            ],
        )
        .await
        .map(drop)
    }

    /// [`VersionTable::insert`] as one statement with its values written out, to be sent with
    /// other statements in one round trip; `None` when a text holds what a literal might not
    /// carry as it is (see [`plain_literal`]).
    pub fn insert_literal(&self, dialect: Dialect, row: &AppliedRow) -> Option<String> {
        self.insert_literal_timed(dialect, row, &row.duration_ms.to_string())
    }

    /// [`VersionTable::insert_literal`] with the duration given as an SQL expression (one the
    /// database evaluates when the row is written).
    pub fn insert_literal_timed(
        &self,
        dialect: Dialect,
        row: &AppliedRow,
        duration_ms: &str,
    ) -> Option<String> {
        let text = |s: &str| plain_literal(dialect, s).then(|| dialect.quote_literal(s));
        let opt = |s: &Option<String>| match s {
            Some(s) => text(s),
            None => Some("NULL".to_string()),
        };
        Some(format!(
            "INSERT INTO {} (revision, checksum, applied_at, duration_ms, down_sql, state, statements_done, error) VALUES ({}, {}, {}, {}, {}, {}, {}, {})",
            self.sql_name(dialect),
            text(&row.revision)?,
            text(&row.checksum)?,
            text(&row.applied_at)?,
            duration_ms,
            opt(&row.down_sql)?,
            text(row.state.as_str())?,
            row.statements_done,
            opt(&row.error)?,
        ))
    }

    /// [`VersionTable::delete`] with its value written out (see [`VersionTable::insert_literal`]).
    pub fn delete_literal(&self, dialect: Dialect, revision: &str) -> Option<String> {
        self.delete_literal_via(dialect, revision, |quoted| quoted)
    }

    /// [`VersionTable::delete_literal`] with the quoted revision put into an SQL expression
    /// by `value` (one the database evaluates when the row is deleted).
    pub fn delete_literal_via(
        &self,
        dialect: Dialect,
        revision: &str,
        value: impl FnOnce(String) -> String,
    ) -> Option<String> {
        plain_literal(dialect, revision).then(|| {
            format!(
                "DELETE FROM {} WHERE revision = {}",
                self.sql_name(dialect),
                value(dialect.quote_literal(revision))
            )
        })
    }

    /// Records progress of a revision running outside a transaction (MySQL), or its end.
    pub async fn update_state(
        &self,
        conn: &mut Conn,
        revision: &str,
        state: RowState,
        statements_done: i64,
        error: Option<String>,
        duration_ms: i64,
    ) -> Result<(), DbError> {
        let sql = format!(
            "UPDATE {} SET state = {}, statements_done = {}, error = {}, duration_ms = {} WHERE revision = {}",
            self.sql_name(conn.dialect()),
            conn.ph(1),
            conn.ph(2),
            conn.ph(3),
            conn.ph(4),
            conn.ph(5)
        );
        conn.execute_with(
            &sql,
            &[
                Value::Text(state.as_str().to_string()),
                Value::Int(statements_done),
                Value::OptText(error),
                Value::Int(duration_ms),
                Value::Text(revision.to_string()),
            ],
        )
        .await
        .map(drop)
    }

    pub async fn update_checksum(
        &self,
        conn: &mut Conn,
        revision: &str,
        checksum: &str,
    ) -> Result<(), DbError> {
        let sql = format!(
            "UPDATE {} SET checksum = {} WHERE revision = {}",
            self.sql_name(conn.dialect()),
            conn.ph(1),
            conn.ph(2)
        );
        conn.execute_with(
            &sql,
            &[
                Value::Text(checksum.to_string()),
                Value::Text(revision.to_string()),
            ],
        )
        .await
        .map(drop)
    }

    pub async fn delete(&self, conn: &mut Conn, revision: &str) -> Result<(), DbError> {
        let sql = format!(
            "DELETE FROM {} WHERE revision = {}",
            self.sql_name(conn.dialect()),
            conn.ph(1)
        );
        conn.execute_with(&sql, &[Value::Text(revision.to_string())])
            .await
            .map(drop)
    }

    pub async fn delete_all(&self, conn: &mut Conn) -> Result<(), DbError> {
        let sql = format!("DELETE FROM {}", self.sql_name(conn.dialect()));
        conn.execute_with(&sql, &[]).await.map(drop)
    }

    /// The name of the session lock for this table: the same for every process migrating this
    /// database, different for another version table.
    fn lock_key(&self) -> i64 {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("cargo-schema:{}", self.name).as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(bytes)
    }

    /// Takes the migration lock for this run, trying again until it is free: the first
    /// failed try reports who holds it (see [`VersionTable::on_wait`]), and the wait ends
    /// with [`DbError::LockTimeout`] after the timeout. SQLite needs none here: each revision
    /// takes the database's write lock (`BEGIN IMMEDIATE`) and re-checks what is applied.
    pub async fn lock(&self, conn: &mut Conn, mode: LockMode) -> Result<(), DbError> {
        self.check_name(conn.dialect())?;
        // The `table` mode's lease row: insert it, or take over an expired one.
        let lease = match mode {
            LockMode::None => return Ok(()),
            LockMode::Table => Some(self.lease_table(conn).await?),
            LockMode::Advisory => None,
        };
        // Where there is no advisory lock (SQLite), the first try takes it.
        let mut waiter = Waiter::new(&self.wait);
        loop {
            let taken = match &lease {
                Some(table) => self.try_lease(conn, table).await?,
                None => self.try_advisory(conn).await?,
            };
            if taken {
                return Ok(());
            }
            let holder = if waiter.should_ask() {
                let asked = match lease {
                    Some(_) => self.lease_holder(conn).await,
                    None => self.advisory_holder(conn).await,
                };
                Some(asked.ok().flatten())
            } else {
                None
            };
            waiter.busy(holder).await?;
        }
    }

    /// The parameters of the advisory lock's statements: the table's name where they bind it.
    fn lock_params(&self, lock: &crate::backend::AdvisoryLock) -> Vec<Value> {
        if lock.binds_name {
            vec![Value::Text(self.name.clone())]
        } else {
            Vec::new()
        }
    }

    /// One try at the advisory lock, without waiting.
    async fn try_advisory(&self, conn: &mut Conn) -> Result<bool, DbError> {
        let Some(lock) = conn.dialect().advisory_lock(self.lock_key()) else {
            return Ok(true);
        };
        let params = self.lock_params(&lock);
        Ok(conn.fetch_int_with(&lock.try_lock, &params).await? == Some(1))
    }

    /// Who holds the advisory lock, as far as the server says (see
    /// [`crate::backend::Backend::lock_holder`]).
    async fn advisory_holder(&self, conn: &mut Conn) -> Result<Option<lock::Holder>, DbError> {
        conn.dialect()
            .lock_holder(conn, self.lock_key(), &self.name)
            .await
    }

    pub async fn unlock(&self, conn: &mut Conn, mode: LockMode) -> Result<(), DbError> {
        let key = self.lock_key();
        let dialect = conn.dialect();
        match mode {
            LockMode::None => Ok(()),
            LockMode::Table => {
                let sql = format!(
                    "DELETE FROM {} WHERE id = 1 AND owner = {}",
                    self.lock_table(dialect),
                    conn.ph(1)
                );
                conn.execute_with(&sql, &[Value::Text(self.owner.clone())])
                    .await
                    .map(drop)
            }
            LockMode::Advisory => {
                let Some(lock) = dialect.advisory_lock(key) else {
                    return Ok(());
                };
                if lock.binds_name {
                    let params = self.lock_params(&lock);
                    conn.execute_with(&lock.unlock, &params).await.map(drop)
                } else {
                    conn.execute(&lock.unlock)
                        .await
                        .map_err(|e| DbError::query(e, &lock.unlock))
                }
            }
        }
    }

    /// A wait for SQLite's write lock, which is waited for like the migration lock: the
    /// caller tries `BEGIN IMMEDIATE` and calls [`LockWaiter::sqlite_busy`] after each
    /// failed try.
    pub fn sqlite_waiter(&self) -> LockWaiter<'_> {
        Waiter::new(&self.wait)
    }
}
