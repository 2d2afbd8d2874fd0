//! Talking to the database: one connection type over SQLite, PostgreSQL and MySQL/MariaDB,
//! the version table, and the locks that serialize concurrent runs.
//!
//! The per-database differences are kept to a few primitives (run SQL, read rows, lock,
//! placeholders, column types); everything else is written once on top of them.

pub mod env_file;
mod url;

pub use env_file::EnvFileError;
pub use url::{
    DatabaseUrl, Dialect, ResolveUrlError, ResolvedUrl, UrlError, UrlSource, redact, scrub,
};

use std::str::FromStr;
use std::time::Duration;

use sqlx::{AssertSqlSafe, Connection, Row};

use crate::config::LockMode;

/// The layout of the version table this release writes; a later release that changes it
/// migrates tables whose `{table}_meta` says an older one.
pub const LAYOUT_VERSION: i64 = 1;

/// A failure talking to the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    #[error("cannot connect to {redacted}: {message}")]
    Connect { redacted: String, message: String },
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error("{message}")]
    Query { message: String, sql: String },
    #[error(
        "the version table `{table}` has layout {found}, newer than this cargo-schema ({LAYOUT_VERSION})"
    )]
    NewerLayout { table: String, found: i64 },
    #[error("timed out after {seconds} s waiting for the migration lock")]
    LockTimeout { seconds: u64 },
    #[error("cannot open the SQLite database {}: the directory {} does not exist", path.display(), dir.display())]
    SqliteDirectory {
        path: std::path::PathBuf,
        dir: std::path::PathBuf,
    },
}

impl DbError {
    fn query(e: sqlx::Error, sql: &str) -> Self {
        DbError::Query {
            message: database_message(&e),
            sql: sql.to_string(),
        }
    }
}

/// The database's own message for a failed statement, without sqlx's wrapping.
pub fn database_message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => d.message().to_string(),
        other => other.to_string(),
    }
}

/// A connection to one of the three databases.
pub enum Conn {
    Sqlite(Handle<sqlx::SqliteConnection>),
    Postgres(Handle<sqlx::PgConnection>),
    MySql(Handle<sqlx::MySqlConnection>),
}

/// A connection of one kind: opened here, or borrowed from an application's pool.
pub enum Handle<C: Connection> {
    Owned(C),
    Pooled(sqlx::pool::PoolConnection<C::Database>),
}

impl<C> std::ops::Deref for Handle<C>
where
    C: Connection,
    C::Database: sqlx::Database<Connection = C>,
{
    type Target = C;
    fn deref(&self) -> &C {
        match self {
            Handle::Owned(c) => c,
            Handle::Pooled(p) => p,
        }
    }
}

impl<C> std::ops::DerefMut for Handle<C>
where
    C: Connection,
    C::Database: sqlx::Database<Connection = C>,
{
    fn deref_mut(&mut self) -> &mut C {
        match self {
            Handle::Owned(c) => c,
            Handle::Pooled(p) => p,
        }
    }
}

impl<C: Connection> Handle<C> {
    /// Closes an owned connection; a pooled one goes back to its pool.
    async fn close(self) {
        if let Handle::Owned(c) = self {
            let _ = c.close().await;
        }
    }
}

/// An application's connection pool, for [`Conn::from_pool`].
pub enum Pool<'a> {
    Sqlite(&'a sqlx::SqlitePool),
    Postgres(&'a sqlx::PgPool),
    MySql(&'a sqlx::MySqlPool),
}

impl<'a> From<&'a sqlx::SqlitePool> for Pool<'a> {
    fn from(p: &'a sqlx::SqlitePool) -> Self {
        Pool::Sqlite(p)
    }
}

impl<'a> From<&'a sqlx::PgPool> for Pool<'a> {
    fn from(p: &'a sqlx::PgPool) -> Self {
        Pool::Postgres(p)
    }
}

impl<'a> From<&'a sqlx::MySqlPool> for Pool<'a> {
    fn from(p: &'a sqlx::MySqlPool) -> Self {
        Pool::MySql(p)
    }
}

/// If this process dies mid-revision (kill -9), the server should notice at once and release
/// the advisory lock, not when the running statement ends. PostgreSQL 14 and later; older
/// servers reject the setting, which is fine.
async fn notice_dead_clients(conn: &mut sqlx::PgConnection) {
    let _ = sqlx::raw_sql("SET client_connection_check_interval = '1s'")
        .execute(conn)
        .await;
}

/// One row of the version table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRow {
    pub revision: String,
    pub checksum: String,
    pub applied_at: String,
    pub duration_ms: i64,
    /// The down section as it was applied (`None`: the revision was irreversible).
    pub down_sql: Option<String>,
    /// `applied`, or `dirty` when a revision failed halfway on a database without
    /// transactional DDL (MySQL).
    pub state: String,
    /// How many statements of the section ran, for a dirty row.
    pub statements_done: i64,
    /// The error that left the row dirty.
    pub error: Option<String>,
}

impl AppliedRow {
    pub fn is_dirty(&self) -> bool {
        self.state != "applied"
    }
}

/// A value to bind to a placeholder.
#[derive(Debug, Clone)]
pub enum Value {
    Text(String),
    OptText(Option<String>),
    Int(i64),
}

macro_rules! bind_all {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match p {
                Value::Text(s) => q.bind(s.clone()),
                Value::OptText(s) => q.bind(s.clone()),
                Value::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}

impl Conn {
    /// Connects; a SQLite file is created on first use.
    pub async fn connect(url: &DatabaseUrl) -> Result<Conn, DbError> {
        // The driver's words may quote the URL or the password: never print them.
        let fail = |e: sqlx::Error| DbError::Connect {
            redacted: url.redacted(),
            message: url.scrub(&connect_message(&e)),
        };
        Ok(match url.dialect {
            Dialect::Sqlite => {
                let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url.secret())
                    .map_err(fail)?
                    .create_if_missing(true)
                    .busy_timeout(Duration::from_secs(60));
                // SQLite only says "unable to open database file"; say why.
                let path = opts.get_filename();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                    && !dir.is_dir()
                    && path.as_os_str() != ":memory:"
                {
                    return Err(DbError::SqliteDirectory {
                        path: path.to_path_buf(),
                        dir: dir.to_path_buf(),
                    });
                }
                Conn::Sqlite(Handle::Owned(
                    sqlx::SqliteConnection::connect_with(&opts)
                        .await
                        .map_err(fail)?,
                ))
            }
            Dialect::Postgres => {
                let mut conn = sqlx::PgConnection::connect(url.secret())
                    .await
                    .map_err(fail)?;
                notice_dead_clients(&mut conn).await;
                Conn::Postgres(Handle::Owned(conn))
            }
            Dialect::MySql => Conn::MySql(Handle::Owned(
                sqlx::MySqlConnection::connect(url.secret())
                    .await
                    .map_err(fail)?,
            )),
        })
    }

    /// A connection from an application's pool; it goes back to the pool when closed.
    pub async fn from_pool<'a>(pool: impl Into<Pool<'a>>) -> Result<Conn, DbError> {
        let fail = |e: sqlx::Error| DbError::Connect {
            redacted: "the application's pool".to_string(),
            message: connect_message(&e),
        };
        Ok(match pool.into() {
            Pool::Sqlite(p) => Conn::Sqlite(Handle::Pooled(p.acquire().await.map_err(fail)?)),
            Pool::Postgres(p) => {
                let mut conn = p.acquire().await.map_err(fail)?;
                notice_dead_clients(&mut conn).await;
                Conn::Postgres(Handle::Pooled(conn))
            }
            Pool::MySql(p) => Conn::MySql(Handle::Pooled(p.acquire().await.map_err(fail)?)),
        })
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
            Conn::MySql(_) => Dialect::MySql,
        }
    }

    /// Runs SQL as it is, without preparing it (one statement or several).
    pub async fn execute(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let q = sqlx::raw_sql(AssertSqlSafe(sql.to_string()));
        match self {
            Conn::Sqlite(c) => q.execute(&mut **c).await.map(drop),
            Conn::Postgres(c) => q.execute(&mut **c).await.map(drop),
            Conn::MySql(c) => q.execute(&mut **c).await.map(drop),
        }
    }

    /// Runs one statement with parameters (placeholders from [`Conn::ph`]).
    pub async fn execute_with(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let q = AssertSqlSafe(sql.to_string());
        let r = match self {
            Conn::Sqlite(c) => bind_all!(sqlx::query(q), params)
                .execute(&mut **c)
                .await
                .map(|r| r.rows_affected()),
            Conn::Postgres(c) => bind_all!(sqlx::query(q), params)
                .execute(&mut **c)
                .await
                .map(|r| r.rows_affected()),
            Conn::MySql(c) => bind_all!(sqlx::query(q), params)
                .execute(&mut **c)
                .await
                .map(|r| r.rows_affected()),
        };
        r.map_err(|e| DbError::query(e, sql))
    }

    /// The `n`th placeholder (1-based) in this dialect.
    pub fn ph(&self, n: usize) -> String {
        match self {
            Conn::Postgres(_) => format!("${n}"),
            _ => "?".to_string(),
        }
    }

    /// Reads the version table's rows.
    async fn fetch_rows(&mut self, sql: &str) -> Result<Vec<AppliedRow>, DbError> {
        macro_rules! rows {
            ($c:expr) => {{
                let rows = sqlx::query(AssertSqlSafe(sql.to_string()))
                    .fetch_all($c)
                    .await
                    .map_err(|e| DbError::query(e, sql))?;
                rows.iter()
                    .map(|r| {
                        Ok(AppliedRow {
                            revision: r.try_get(0)?,
                            checksum: r.try_get(1)?,
                            applied_at: r.try_get(2)?,
                            duration_ms: r.try_get(3)?,
                            down_sql: r.try_get(4)?,
                            state: r.try_get(5)?,
                            statements_done: r.try_get(6)?,
                            error: r.try_get(7)?,
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
                    .map_err(|e| DbError::query(e, sql))
            }};
        }
        match self {
            Conn::Sqlite(c) => rows!(&mut **c),
            Conn::Postgres(c) => rows!(&mut **c),
            Conn::MySql(c) => rows!(&mut **c),
        }
    }

    /// A single integer from a query (`None` when there is no row).
    async fn fetch_int(&mut self, sql: &str) -> Result<Option<i64>, DbError> {
        macro_rules! one {
            ($c:expr) => {{
                let row = sqlx::query(AssertSqlSafe(sql.to_string()))
                    .fetch_optional($c)
                    .await
                    .map_err(|e| DbError::query(e, sql))?;
                match row {
                    Some(r) => Some(r.try_get::<i64, _>(0).map_err(|e| DbError::query(e, sql))?),
                    None => None,
                }
            }};
        }
        Ok(match self {
            Conn::Sqlite(c) => one!(&mut **c),
            Conn::Postgres(c) => one!(&mut **c),
            Conn::MySql(c) => one!(&mut **c),
        })
    }

    /// Every row of a query, each column read as text (`None` for NULL). Integers and byte
    /// strings (some MySQL catalog columns) are turned into text too. Used to read the catalogs.
    pub async fn fetch_strings(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        macro_rules! rows {
            ($c:expr) => {{
                let rows = sqlx::query(AssertSqlSafe(sql.to_string()))
                    .fetch_all($c)
                    .await
                    .map_err(|e| DbError::query(e, sql))?;
                rows.iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| {
                                if let Ok(v) = r.try_get::<Option<String>, _>(i) {
                                    return Ok(v);
                                }
                                if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
                                    return Ok(v.map(|n| n.to_string()));
                                }
                                if let Ok(v) = r.try_get::<Option<i32>, _>(i) {
                                    return Ok(v.map(|n| n.to_string()));
                                }
                                if let Ok(v) = r.try_get::<Option<i16>, _>(i) {
                                    return Ok(v.map(|n| n.to_string()));
                                }
                                if let Ok(v) = r.try_get::<Option<bool>, _>(i) {
                                    return Ok(v.map(|b| b.to_string()));
                                }
                                r.try_get::<Option<Vec<u8>>, _>(i)
                                    .map(|v| v.map(|b| String::from_utf8_lossy(&b).into_owned()))
                            })
                            .collect::<Result<Vec<_>, sqlx::Error>>()
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
                    .map_err(|e| DbError::query(e, sql))
            }};
        }
        match self {
            Conn::Sqlite(c) => rows!(&mut **c),
            Conn::Postgres(c) => rows!(&mut **c),
            Conn::MySql(c) => rows!(&mut **c),
        }
    }

    pub async fn close(self) {
        match self {
            Conn::Sqlite(c) => c.close().await,
            Conn::Postgres(c) => c.close().await,
            Conn::MySql(c) => c.close().await,
        }
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

/// The message of a connection failure, without sqlx's prefixes.
fn connect_message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => d.message().to_string(),
        sqlx::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// For tests against a server: whether it answers (within 5 s). When it does not, the test
/// should skip, and this says so past the harness's capture; with `CI=true` it fails instead,
/// since CI must run every server test.
#[cfg(test)]
pub(crate) async fn reachable_or_skip(url: &DatabaseUrl) -> bool {
    use std::io::Write;
    let connect = tokio::time::timeout(Duration::from_secs(5), Conn::connect(url));
    let why = match connect.await {
        Ok(Ok(conn)) => {
            conn.close().await;
            return true;
        }
        Ok(Err(e)) => e.to_string(),
        Err(_) => "timed out".to_string(),
    };
    let in_ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    assert!(
        !in_ci,
        "CI=true and {} is not reachable: {why}",
        url.redacted()
    );
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {} is not reachable ({why}); with CI=true this fails",
        url.redacted()
    );
    false
}

/// The version table of one database.
pub struct VersionTable {
    pub name: String,
    /// Who holds the lease in the `table` lock mode: unique per run.
    owner: String,
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
    /// `_lock` table), which are not part of the
    /// application's schema.
    pub fn excluded(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            format!("{}_meta", self.name),
            format!("{}_lock", self.name),
        ]
    }

    pub fn new(name: &str) -> Self {
        VersionTable {
            name: name.to_string(),
            owner: format!("{}-{}", std::process::id(), crate::scaffold::random_id()),
        }
    }

    fn lock_table(&self) -> String {
        format!("{}_lock", self.name)
    }

    /// Takes the lease row of the `table` lock mode: insert it, or take over an expired one;
    /// otherwise wait and try again. Plain committed rows work behind PgBouncer's
    /// transaction pooling and on CockroachDB, where session advisory locks do not.
    async fn take_lease(&self, conn: &mut Conn) -> Result<(), DbError> {
        let table = self.lock_table();
        let create = format!(
            "CREATE TABLE IF NOT EXISTS {table} (\n    id INTEGER NOT NULL PRIMARY KEY,\n    owner VARCHAR(64) NOT NULL,\n    expires_at BIGINT NOT NULL\n)"
        );
        create_if_missing(conn, &create).await?;
        let seconds = 600;
        let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
        loop {
            let now = epoch_seconds();
            let insert = format!(
                "INSERT INTO {table} (id, owner, expires_at) VALUES (1, {}, {})",
                conn.ph(1),
                conn.ph(2)
            );
            let taken = conn
                .execute_with(
                    &insert,
                    &[
                        Value::Text(self.owner.clone()),
                        Value::Int(now + LEASE_SECONDS),
                    ],
                )
                .await
                .is_ok();
            if taken {
                return Ok(());
            }
            let steal = format!(
                "UPDATE {table} SET owner = {}, expires_at = {} WHERE id = 1 AND expires_at < {}",
                conn.ph(1),
                conn.ph(2),
                conn.ph(3)
            );
            let stolen = conn
                .execute_with(
                    &steal,
                    &[
                        Value::Text(self.owner.clone()),
                        Value::Int(now + LEASE_SECONDS),
                        Value::Int(now),
                    ],
                )
                .await?;
            if stolen == 1 {
                return Ok(());
            }
            if std::time::Instant::now() >= deadline {
                return Err(DbError::LockTimeout { seconds });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Extends the lease (between revisions).
    pub async fn renew(&self, conn: &mut Conn, mode: LockMode) -> Result<(), DbError> {
        if mode != LockMode::Table {
            return Ok(());
        }
        let sql = format!(
            "UPDATE {} SET expires_at = {} WHERE id = 1 AND owner = {}",
            self.lock_table(),
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

    fn meta(&self) -> String {
        format!("{}_meta", self.name)
    }

    /// The DDL that creates the table in a dialect.
    pub fn create_sql(&self, dialect: Dialect) -> Vec<String> {
        let (text, key) = match dialect {
            Dialect::MySql => ("LONGTEXT", "VARCHAR(191)"),
            _ => ("TEXT", "VARCHAR(255)"),
        };
        vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {t} (\n    revision {key} NOT NULL PRIMARY KEY,\n    checksum VARCHAR(64) NOT NULL,\n    applied_at VARCHAR(40) NOT NULL,\n    duration_ms BIGINT NOT NULL,\n    down_sql {text},\n    state VARCHAR(16) NOT NULL,\n    statements_done BIGINT NOT NULL,\n    error {text}\n)",
                t = self.name
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {m} (\n    name VARCHAR(64) NOT NULL PRIMARY KEY,\n    value BIGINT NOT NULL\n)",
                m = self.meta()
            ),
        ]
    }

    /// Creates the table on first use and checks its layout.
    pub async fn ensure(&self, conn: &mut Conn) -> Result<(), DbError> {
        for sql in self.create_sql(conn.dialect()) {
            create_if_missing(conn, &sql).await?;
        }
        let sql = format!("SELECT value FROM {} WHERE name = 'layout'", self.meta());
        match conn.fetch_int(&sql).await? {
            Some(found) if found > LAYOUT_VERSION => Err(DbError::NewerLayout {
                table: self.name.clone(),
                found,
            }),
            Some(_) => Ok(()),
            None => {
                let sql = format!(
                    "INSERT INTO {} (name, value) VALUES ('layout', {LAYOUT_VERSION})",
                    self.meta()
                );
                // Two first runs at once may both insert: the loser's row is the same.
                if let Err(e) = conn.execute(&sql).await {
                    let again = format!("SELECT value FROM {} WHERE name = 'layout'", self.meta());
                    if conn.fetch_int(&again).await?.is_none() {
                        return Err(DbError::query(e, &sql));
                    }
                }
                Ok(())
            }
        }
    }

    /// Every row, oldest first. A database where the table does not exist has none.
    pub async fn rows(&self, conn: &mut Conn) -> Result<Vec<AppliedRow>, DbError> {
        let sql = format!(
            "SELECT revision, checksum, applied_at, duration_ms, down_sql, state, statements_done, error FROM {} ORDER BY applied_at, revision",
            self.name
        );
        conn.fetch_rows(&sql).await
    }

    /// Whether one revision has a row (one indexed lookup, not the whole table).
    pub async fn is_recorded(&self, conn: &mut Conn, revision: &str) -> Result<bool, DbError> {
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE revision = {}",
            self.name,
            conn.ph(1)
        );
        macro_rules! count {
            ($c:expr) => {
                sqlx::query(AssertSqlSafe(sql.clone()))
                    .bind(revision.to_string())
                    .fetch_one($c)
                    .await
                    .and_then(|r| r.try_get::<i64, _>(0))
            };
        }
        let n = match conn {
            Conn::Sqlite(c) => count!(&mut **c),
            Conn::Postgres(c) => count!(&mut **c),
            Conn::MySql(c) => count!(&mut **c),
        };
        n.map(|n| n > 0).map_err(|e| DbError::query(e, &sql))
    }

    /// Whether the table exists, without creating it (for read-only commands).
    pub async fn exists(&self, conn: &mut Conn) -> Result<bool, DbError> {
        let sql = match conn.dialect() {
            Dialect::Sqlite => format!(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{}'",
                self.name
            ),
            Dialect::Postgres => format!(
                "SELECT COUNT(*)::BIGINT FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{}'",
                self.name
            ),
            Dialect::MySql => format!(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{}'",
                self.name
            ),
        };
        Ok(conn.fetch_int(&sql).await?.unwrap_or(0) > 0)
    }

    pub async fn insert(&self, conn: &mut Conn, row: &AppliedRow) -> Result<(), DbError> {
        let sql = format!(
            "INSERT INTO {} (revision, checksum, applied_at, duration_ms, down_sql, state, statements_done, error) VALUES ({}, {}, {}, {}, {}, {}, {}, {})",
            self.name,
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
                Value::Text(row.state.clone()),
                Value::Int(row.statements_done),
                Value::OptText(row.error.clone()),
            ],
        )
        .await
        .map(drop)
    }

    /// Records progress of a revision running outside a transaction (MySQL), or its end.
    pub async fn update_state(
        &self,
        conn: &mut Conn,
        revision: &str,
        state: &str,
        statements_done: i64,
        error: Option<String>,
        duration_ms: i64,
    ) -> Result<(), DbError> {
        let sql = format!(
            "UPDATE {} SET state = {}, statements_done = {}, error = {}, duration_ms = {} WHERE revision = {}",
            self.name,
            conn.ph(1),
            conn.ph(2),
            conn.ph(3),
            conn.ph(4),
            conn.ph(5)
        );
        conn.execute_with(
            &sql,
            &[
                Value::Text(state.to_string()),
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
            self.name,
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
        let sql = format!("DELETE FROM {} WHERE revision = {}", self.name, conn.ph(1));
        conn.execute_with(&sql, &[Value::Text(revision.to_string())])
            .await
            .map(drop)
    }

    pub async fn delete_all(&self, conn: &mut Conn) -> Result<(), DbError> {
        let sql = format!("DELETE FROM {}", self.name);
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

    /// MySQL's named locks are server-wide: the name carries the database, hashed to fit
    /// the 64-character limit, so migrations of other databases on the server do not wait.
    fn mysql_lock_name(&self) -> String {
        format!(
            "CONCAT('cargo_schema_', LEFT(SHA2(CONCAT(DATABASE(), '.{}'), 256), 40))",
            self.name
        )
    }

    /// Takes the migration lock for this run. SQLite needs none here: each revision takes the
    /// database's write lock (`BEGIN IMMEDIATE`) and re-checks what is applied.
    pub async fn lock(&self, conn: &mut Conn, mode: LockMode) -> Result<(), DbError> {
        match mode {
            LockMode::None => return Ok(()),
            LockMode::Table => return self.take_lease(conn).await,
            LockMode::Advisory => {}
        }
        let key = self.lock_key();
        match conn {
            Conn::Sqlite(_) => Ok(()),
            Conn::Postgres(_) => {
                let sql = format!("SELECT pg_advisory_lock({key})");
                conn.execute(&sql)
                    .await
                    .map_err(|e| DbError::query(e, &sql))
            }
            Conn::MySql(_) => {
                // GET_LOCK returns 1 when taken, 0 on timeout; wait up to ten minutes.
                let seconds = 600;
                let sql = format!(
                    "SELECT CAST(GET_LOCK({}, {seconds}) AS SIGNED)",
                    self.mysql_lock_name()
                );
                match conn.fetch_int(&sql).await? {
                    Some(1) => Ok(()),
                    _ => Err(DbError::LockTimeout { seconds }),
                }
            }
        }
    }

    pub async fn unlock(&self, conn: &mut Conn, mode: LockMode) -> Result<(), DbError> {
        let key = self.lock_key();
        let sql = match (mode, &*conn) {
            (LockMode::None, _) | (LockMode::Advisory, Conn::Sqlite(_)) => return Ok(()),
            (LockMode::Table, _) => {
                let sql = format!(
                    "DELETE FROM {} WHERE id = 1 AND owner = {}",
                    self.lock_table(),
                    conn.ph(1)
                );
                return conn
                    .execute_with(&sql, &[Value::Text(self.owner.clone())])
                    .await
                    .map(drop);
            }
            (LockMode::Advisory, Conn::Postgres(_)) => format!("SELECT pg_advisory_unlock({key})"),
            (LockMode::Advisory, Conn::MySql(_)) => {
                format!("SELECT RELEASE_LOCK({})", self.mysql_lock_name())
            }
        };
        conn.execute(&sql)
            .await
            .map_err(|e| DbError::query(e, &sql))
    }
}
