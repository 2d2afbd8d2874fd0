//! Talking to the database: one connection type over SQLite, PostgreSQL and MySQL/MariaDB,
//! the version table, and the locks that serialize concurrent runs.
//!
//! The per-database differences are kept to a few primitives (run SQL, read rows, lock,
//! placeholders, column types); everything else is written once on top of them.

mod blocker;
pub mod env_file;
mod ident;
mod lock;
mod url;
mod version_table;

pub use blocker::{Blocked, blocker, session_id};
pub use env_file::EnvFileError;
pub use lock::{LockWait, OnWait, WaitPolicy, application_name, host_name, human};
pub use url::{
    DatabaseUrl, Dialect, ResolveUrlError, ResolvedUrl, UrlError, UrlSource, redact, scrub,
};

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use std::str::FromStr;
use std::time::Duration;

use sqlx::{AssertSqlSafe, Connection, Row, TypeInfo, ValueRef};

pub use lock::Holder as LockHolder;
pub use lock::Waiter as LockWaiter;
use lock::Waiter;
use version_table::required;
pub use version_table::{AppliedRow, Cell, LEASE_SECONDS, RawRow, RowState, VersionTable};

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
    /// A statement failed; the message is the database's own (see [`database_message`]).
    #[error("{}", database_message(source))]
    Query {
        #[source]
        source: sqlx::Error,
        sql: String,
    },
    /// The applied state could not be worked out (check's drift and state reads).
    #[error(transparent)]
    State(Box<crate::migrate::MigrateError>),
    #[error(
        "the version table `{table}` has layout {found}, newer than this cargo-schema ({LAYOUT_VERSION})"
    )]
    NewerLayout { table: String, found: i64 },
    #[error("gave up after {} waiting for the migration lock, held by {}", human(*waited), holder.as_deref().unwrap_or("another run (the database does not say which)"))]
    LockTimeout {
        waited: Duration,
        holder: Option<String>,
    },
    #[error(
        "the migration lock is held by {holder}, and that process is still running on this host"
    )]
    LeaseHeld { holder: String },
    #[error("the `version-table` setting `{}` cannot be used: {reason}", name.escape_debug())]
    VersionTableName { name: String, reason: String },
    #[error("the version table `{table}` holds a row that cannot be read: {}, column `{column}` {problem}", row.as_ref().map_or_else(|| "a row without a revision id".to_string(), |r| format!("revision `{r}`")))]
    Tampered {
        table: String,
        /// The row's revision, when that column could be read.
        row: Option<String>,
        column: &'static str,
        problem: String,
        /// How to repair it.
        help: String,
    },
    #[error(
        "the schema `{schema}` of the `version-table` setting `{name}` does not exist in this database"
    )]
    VersionTableSchema {
        name: String,
        schema: String,
        dialect: Dialect,
    },
    #[error(
        "the version table `{name}` does not exist, but `{folded}` does: an older cargo-schema created it without quotes, and {} folded the name to lower case",
        dialect.name()
    )]
    FoldedVersionTable {
        name: String,
        folded: String,
        dialect: Dialect,
    },
    /// The URL's database needs a driver this build of schema-core was compiled without.
    #[error(
        "cannot connect to {redacted}: this build has no {} driver (schema-core's `{}` feature is off)",
        dialect.name(),
        dialect.feature()
    )]
    DriverNotCompiled { redacted: String, dialect: Dialect },
    /// The URL asks for TLS and this build of schema-core was compiled without it.
    #[error(
        "cannot connect to {redacted}: the URL requires TLS and this build has none (schema-core's `tls-rustls` feature is off)"
    )]
    TlsNotCompiled { redacted: String },
    #[error("cannot open the SQLite database {}: the directory {} does not exist", path.display(), dir.display())]
    SqliteDirectory {
        path: std::path::PathBuf,
        dir: std::path::PathBuf,
    },
}

impl DbError {
    /// What to do about it, for the errors that know better than their caller.
    pub fn help(&self) -> Option<String> {
        match self {
            DbError::NewerLayout { .. } => Some(
                "a newer cargo-schema migrated this database: upgrade cargo-schema (`cargo install cargo-schema`) to write to it; read commands still work".to_string(),
            ),
            DbError::LockTimeout { .. } => Some(
                "wait for that run to end, or wait longer with `--lock-timeout` (or `lock-timeout` in [package.metadata.schema]); a `table` lease left by a run that was killed is released by `cargo schema repair --release-lock`".to_string(),
            ),
            DbError::VersionTableName { .. } => Some(
                "set `version-table` in [package.metadata.schema] to a plain table name such as `schema_version` (on PostgreSQL `SCHEMA.TABLE` works too)".to_string(),
            ),
            DbError::Tampered { help, .. } => Some(help.clone()),
            DbError::DriverNotCompiled { dialect, .. } => Some(format!(
                "turn on the `{0}` feature of schema-core in Cargo.toml (`schema-core = {{ version = \"0.1\", features = [\"{0}\"] }}`)",
                dialect.feature()
            )),
            DbError::TlsNotCompiled { .. } => Some(
                "turn on the `tls-rustls` feature of schema-core in Cargo.toml, or connect without TLS (`sslmode=disable` on PostgreSQL, `ssl-mode=DISABLED` on MySQL)".to_string(),
            ),
            DbError::LeaseHeld { .. } => Some(
                "wait for that run to end (or stop it): `--release-lock` releases only the lease of a run that is gone".to_string(),
            ),
            DbError::VersionTableSchema {
                schema, dialect, ..
            } => Some(format!(
                "create it (`CREATE SCHEMA {}`), or set `version-table` to a table in a schema that exists; cargo-schema creates tables, never schemas",
                ident::quote(*dialect, schema)
            )),
            DbError::FoldedVersionTable {
                name,
                folded,
                dialect,
            } => Some(format!(
                "set `version-table = \"{folded}\"` to keep using it, or rename it and its `_meta` table (`ALTER TABLE {} RENAME TO {}`)",
                ident::qualified(*dialect, folded, ""),
                ident::quote(*dialect, ident::split(name).1)
            )),
            _ => None,
        }
    }

    /// The one way a raw [`sqlx::Error`] from running `sql` becomes a [`DbError`].
    pub fn query(source: sqlx::Error, sql: &str) -> Self {
        DbError::Query {
            source,
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

/// The database's code for a failed statement, as [`crate::backend::Backend::is_lock_timeout`]
/// reads it: PostgreSQL's SQLSTATE, MySQL's error number, SQLite's extended result code.
pub fn error_code(e: &sqlx::Error) -> Option<String> {
    let sqlx::Error::Database(d) = e else {
        return None;
    };
    #[cfg(feature = "mysql")]
    if let Some(m) = d.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return Some(m.number().to_string());
    }
    d.code().map(|c| c.into_owned())
}

/// Whether statement error `e` on `dialect` was a lock wait that timed out (nothing of the
/// statement took effect).
pub fn is_lock_timeout(dialect: Dialect, e: &sqlx::Error) -> bool {
    error_code(e).is_some_and(|c| dialect.is_lock_timeout(&c))
}

/// A connection to one of the three databases.
pub enum Conn {
    #[cfg(feature = "sqlite")]
    Sqlite(Handle<sqlx::SqliteConnection>),
    #[cfg(feature = "postgres")]
    Postgres(Handle<sqlx::PgConnection>),
    #[cfg(feature = "mysql")]
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
    #[cfg(feature = "sqlite")]
    Sqlite(&'a sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(&'a sqlx::PgPool),
    #[cfg(feature = "mysql")]
    MySql(&'a sqlx::MySqlPool),
}

#[cfg(feature = "sqlite")]
impl<'a> From<&'a sqlx::SqlitePool> for Pool<'a> {
    fn from(p: &'a sqlx::SqlitePool) -> Self {
        Pool::Sqlite(p)
    }
}

#[cfg(feature = "postgres")]
impl<'a> From<&'a sqlx::PgPool> for Pool<'a> {
    fn from(p: &'a sqlx::PgPool) -> Self {
        Pool::Postgres(p)
    }
}

#[cfg(feature = "mysql")]
impl<'a> From<&'a sqlx::MySqlPool> for Pool<'a> {
    fn from(p: &'a sqlx::MySqlPool) -> Self {
        Pool::MySql(p)
    }
}

/// If this process dies mid-revision (kill -9), the server should notice at once and release
/// the advisory lock, not when the running statement ends. PostgreSQL 14 and later; older
/// servers reject the setting, which is fine.
#[cfg(feature = "postgres")]
async fn notice_dead_clients(conn: &mut sqlx::PgConnection) {
    let _ = sqlx::raw_sql("SET client_connection_check_interval = '1s'")
        .execute(conn)
        .await;
}

/// A SQLite file this crate just created goes into WAL mode, which the file keeps: a commit
/// then costs one fsync of the log instead of the rollback journal's four, and readers do not
/// block the writer. Runs still serialize on `BEGIN IMMEDIATE` (WAL keeps one writer at a
/// time), and `synchronous` stays FULL, so each committed revision is durable on its own even
/// against a power loss. A file that existed keeps its journal mode; a refusal (another
/// connection holds the file) leaves the default, which is as safe.
#[cfg(feature = "sqlite")]
async fn write_ahead_log(conn: &mut sqlx::SqliteConnection) {
    let _ = sqlx::raw_sql("PRAGMA journal_mode = WAL")
        .execute(conn)
        .await;
}

/// How often [`Conn::execute_while_in_use`] tries again, and how long it waits in between.
#[cfg(any(feature = "lint", feature = "testing"))]
pub(crate) const IN_USE_RETRIES: u32 = 50;
#[cfg(any(feature = "lint", feature = "testing"))]
pub(crate) const IN_USE_SLEEP: Duration = Duration::from_millis(100);

/// PostgreSQL's "database is being accessed by other users".
#[cfg(any(feature = "lint", feature = "testing"))]
fn in_use(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.code().as_deref() == Some("55006")
                || d.message().contains("being accessed by other users")
        }
        _ => false,
    }
}

/// A value to bind to a placeholder.
#[derive(Debug, Clone)]
pub enum Value {
    Text(String),
    OptText(Option<String>),
    Int(i64),
}

/// `$body` with `$c` bound to the driver's connection, whichever database `$conn` is on: the
/// one place that spells out the per-driver arms (each compiled only with its feature).
macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            #[cfg(feature = "sqlite")]
            $crate::db::Conn::Sqlite($c) => $body,
            #[cfg(feature = "postgres")]
            $crate::db::Conn::Postgres($c) => $body,
            #[cfg(feature = "mysql")]
            $crate::db::Conn::MySql($c) => $body,
        }
    };
}
#[cfg(feature = "testing")]
pub(crate) use on_conn;

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

/// No parameters, for [`query!`].
const NO_PARAMS: &[Value] = &[];

/// Runs `$sql` with `$params` on `$conn`'s driver through the sqlx method `$fetch`
/// (`fetch_all`, `fetch_optional`, `execute`), and evaluates `$body` with `$got` bound to what
/// it returned (rows of that driver's row type). A failed query returns its [`DbError`].
macro_rules! query {
    ($conn:expr, $sql:expr, $params:expr, $fetch:ident, |$got:ident| $body:expr) => {
        on_conn!($conn, c => {
            let $got = bind_all!(sqlx::query(AssertSqlSafe($sql.to_string())), $params)
                .$fetch(&mut **c)
                .await
                .map_err(|e| DbError::query(e, $sql))?;
            $body
        })
    };
}

impl Conn {
    /// Connects; a SQLite file is created on first use.
    pub async fn connect(url: &DatabaseUrl) -> Result<Conn, DbError> {
        // The driver's words may quote the URL or the password: never print them.
        let fail = |e: sqlx::Error| match e {
            // The URL requires TLS (`sslmode=require`, `ssl-mode=REQUIRED`…) and this build
            // has none: say which feature brings it.
            sqlx::Error::Tls(_) if !cfg!(feature = "tls-rustls") => DbError::TlsNotCompiled {
                redacted: url.redacted(),
            },
            e => DbError::Connect {
                redacted: url.redacted(),
                message: url.scrub(&connect_message(&e)),
            },
        };
        Ok(match url.dialect {
            #[cfg(feature = "sqlite")]
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
                let new_file = path.as_os_str() != ":memory:" && !path.exists();
                let mut conn = sqlx::SqliteConnection::connect_with(&opts)
                    .await
                    .map_err(fail)?;
                if new_file {
                    write_ahead_log(&mut conn).await;
                }
                Conn::Sqlite(Handle::Owned(conn))
            }
            #[cfg(feature = "postgres")]
            Dialect::Postgres => {
                let mut opts =
                    sqlx::postgres::PgConnectOptions::from_str(url.secret()).map_err(fail)?;
                // Who holds the migration lock, for a run that waits for it.
                if opts.get_application_name().is_none() {
                    opts = opts.application_name(&application_name());
                }
                if url.loopback_without_tls_setting() {
                    opts = opts.ssl_mode(sqlx::postgres::PgSslMode::Disable);
                }
                let mut conn = sqlx::PgConnection::connect_with(&opts)
                    .await
                    .map_err(fail)?;
                notice_dead_clients(&mut conn).await;
                Conn::Postgres(Handle::Owned(conn))
            }
            #[cfg(feature = "mysql")]
            Dialect::MySql => {
                let mut opts =
                    sqlx::mysql::MySqlConnectOptions::from_str(url.secret()).map_err(fail)?;
                if url.loopback_without_tls_setting() {
                    opts = opts.ssl_mode(sqlx::mysql::MySqlSslMode::Disabled);
                }
                Conn::MySql(Handle::Owned(
                    sqlx::MySqlConnection::connect_with(&opts)
                        .await
                        .map_err(fail)?,
                ))
            }
            // A driver this build does not have (see the crate's features).
            #[allow(unreachable_patterns)]
            dialect => {
                return Err(DbError::DriverNotCompiled {
                    redacted: url.redacted(),
                    dialect,
                });
            }
        })
    }

    /// A connection from an application's pool; it goes back to the pool when closed.
    pub async fn from_pool<'a>(pool: impl Into<Pool<'a>>) -> Result<Conn, DbError> {
        let fail = |e: sqlx::Error| DbError::Connect {
            redacted: "the application's pool".to_string(),
            message: connect_message(&e),
        };
        Ok(match pool.into() {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => Conn::Sqlite(Handle::Pooled(p.acquire().await.map_err(fail)?)),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => {
                let mut conn = p.acquire().await.map_err(fail)?;
                notice_dead_clients(&mut conn).await;
                Conn::Postgres(Handle::Pooled(conn))
            }
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => Conn::MySql(Handle::Pooled(p.acquire().await.map_err(fail)?)),
        })
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(_) => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => Dialect::Postgres,
            #[cfg(feature = "mysql")]
            Conn::MySql(_) => Dialect::MySql,
        }
    }

    /// Runs SQL as it is, without preparing it (one statement or several).
    pub async fn execute(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let q = sqlx::raw_sql(AssertSqlSafe(sql.to_string()));
        on_conn!(self, c => q.execute(&mut **c).await.map(drop))
    }

    /// Runs `sql`, trying again a few times while another session is still in the database it
    /// needs alone (PostgreSQL: a connection that is closing on the server's side): creating a
    /// database from a template, renaming one.
    #[cfg(any(feature = "lint", feature = "testing"))]
    pub(crate) async fn execute_while_in_use(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let mut attempt = 0;
        loop {
            match self.execute(sql).await {
                Err(e) if in_use(&e) && attempt < IN_USE_RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(IN_USE_SLEEP).await;
                }
                done => return done,
            }
        }
    }

    /// Runs several statements as they are, in one round trip; on a failure, how many
    /// statements had finished before it.
    pub async fn execute_counted(&mut self, sql: &str) -> Result<(), (usize, sqlx::Error)> {
        let q = sqlx::raw_sql(AssertSqlSafe(sql.to_string()));
        on_conn!(self, c => {
            let mut results = q.execute_many(&mut **c);
            let mut done = 0;
            while let Some(result) =
                std::future::poll_fn(|cx| results.as_mut().poll_next(cx)).await
            {
                match result {
                    Ok(_) => done += 1,
                    Err(e) => return Err((done, e)),
                }
            }
            Ok(())
        })
    }

    /// Runs several statements as they are, in one round trip, and reads an integer from the
    /// first column of the last row they return (`None`: no row, or NULL).
    pub(crate) async fn fetch_last_int(&mut self, sql: &str) -> Result<Option<i64>, sqlx::Error> {
        let q = sqlx::raw_sql(AssertSqlSafe(sql.to_string()));
        on_conn!(self, c => {
            let rows = q.fetch_all(&mut **c).await?;
            match rows.last() {
                Some(r) => r.try_get::<Option<i64>, _>(0),
                None => Ok(None),
            }
        })
    }

    /// Runs one statement with parameters (placeholders from [`Conn::ph`]).
    pub async fn execute_with(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        Ok(query!(self, sql, params, execute, |done| done.rows_affected()))
    }

    /// The `n`th placeholder (1-based) in this dialect.
    pub fn ph(&self, n: usize) -> String {
        self.dialect().placeholder(n)
    }

    /// Reads the version table's rows, each column on its own: a value of another type or a
    /// NULL where there should be none is kept as the reason it cannot be read.
    async fn fetch_rows(&mut self, sql: &str) -> Result<Vec<RawRow>, DbError> {
        Ok(query!(self, sql, NO_PARAMS, fetch_all, |rows| rows
            .iter()
            .map(|r| {
                let found = |i: usize, expected: &str| match r.try_get_raw(i) {
                    Ok(v) if v.is_null() => "is NULL".to_string(),
                    Ok(v) => format!(
                        "holds a value of type {}, expected {expected}",
                        v.type_info().name()
                    ),
                    Err(e) => format!("cannot be read ({e}), expected {expected}"),
                };
                let text = |i: usize| {
                    r.try_get::<Option<String>, _>(i)
                        .map_err(|_| found(i, "text"))
                };
                let int = |i: usize| {
                    r.try_get::<Option<i64>, _>(i)
                        .or_else(|_| r.try_get::<Option<i32>, _>(i).map(|v| v.map(i64::from)))
                        .map_err(|_| found(i, "an integer"))
                };
                RawRow {
                    revision: required(text(0)),
                    checksum: required(text(1)),
                    applied_at: required(text(2)),
                    duration_ms: required(int(3)),
                    down_sql: text(4),
                    state: required(text(5)),
                    statements_done: required(int(6)),
                    error: text(7),
                }
            })
            .collect::<Vec<_>>()))
    }

    /// A single integer from a query with parameters (`None` when there is no row, or it
    /// holds NULL).
    pub(crate) async fn fetch_int_with(
        &mut self,
        sql: &str,
        params: &[Value],
    ) -> Result<Option<i64>, DbError> {
        let value = query!(self, sql, params, fetch_optional, |row| row.map(|r| r
            .try_get::<Option<
            i64,
        >, _>(
            0
        )));
        Ok(value
            .transpose()
            .map_err(|e| DbError::query(e, sql))?
            .flatten())
    }

    /// The first row of a query with parameters, each column as text.
    pub(crate) async fn fetch_texts_with(
        &mut self,
        sql: &str,
        params: &[Value],
    ) -> Result<Option<Vec<Option<String>>>, DbError> {
        Ok(query!(self, sql, params, fetch_optional, |row| row.map(
            |r| {
                (0..r.len())
                    .map(|i| {
                        r.try_get::<Option<String>, _>(i)
                            .ok()
                            .flatten()
                            .or_else(|| {
                                r.try_get::<Option<i64>, _>(i)
                                    .ok()
                                    .flatten()
                                    .map(|n| n.to_string())
                            })
                    })
                    .collect()
            }
        )))
    }

    /// A single integer from a query (`None` when there is no row, or it holds NULL).
    pub(crate) async fn fetch_int(&mut self, sql: &str) -> Result<Option<i64>, DbError> {
        self.fetch_int_with(sql, NO_PARAMS).await
    }

    /// Every row of a query, each column read as text (`None` for NULL). Integers and byte
    /// strings (some MySQL catalog columns) are turned into text too. Used to read the catalogs.
    pub async fn fetch_strings(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let rows = query!(self, sql, NO_PARAMS, fetch_all, |rows| rows
            .iter()
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
            .collect::<Vec<_>>());
        rows.into_iter()
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(|e| DbError::query(e, sql))
    }

    pub async fn close(self) {
        on_conn!(self, c => c.close().await)
    }
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

/// A build without some driver (`cargo test -p schema-core --no-default-features --features
/// sqlite --lib driver`, as .ci/run does): a URL for it is a typed error naming the feature.
#[cfg(all(
    test,
    not(all(feature = "sqlite", feature = "postgres", feature = "mysql"))
))]
mod driver_tests {
    use super::*;

    #[tokio::test]
    async fn a_url_whose_driver_is_compiled_out_names_the_feature_to_turn_on() {
        let compiled_out = [
            (Dialect::Sqlite, cfg!(feature = "sqlite"), "sqlite::memory:"),
            (
                Dialect::Postgres,
                cfg!(feature = "postgres"),
                "postgres://u:secret@h/db",
            ),
            (
                Dialect::MySql,
                cfg!(feature = "mysql"),
                "mysql://u:secret@h/db",
            ),
        ];
        let mut checked = 0;
        for (dialect, compiled, raw) in compiled_out {
            if compiled {
                continue;
            }
            let url = DatabaseUrl::parse(raw, UrlSource::Flag).expect("url");
            let Err(err) = Conn::connect(&url).await else {
                panic!("{raw}: connected without its driver");
            };
            assert!(
                matches!(err, DbError::DriverNotCompiled { dialect: d, .. } if d == dialect),
                "{err:?}"
            );
            let message = err.to_string();
            let feature = format!("`{}` feature", dialect.feature());
            assert!(message.contains(&feature), "{message}");
            assert!(!message.contains("secret"), "{message}");
            let help = err.help().expect("help");
            assert!(
                help.contains(&format!("features = [\"{}\"]", dialect.feature())),
                "{help}"
            );
            checked += 1;
        }
        assert!(checked > 0);
    }

    /// Without `tls-rustls`, a URL that requires TLS is refused before anything is sent,
    /// naming the feature. A listener that accepts and says nothing stands in for the server:
    /// the PostgreSQL driver decides right after the TCP connection.
    #[cfg(all(feature = "postgres", not(feature = "tls-rustls")))]
    #[tokio::test]
    async fn a_url_that_requires_tls_names_the_feature_when_tls_is_compiled_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let _accepting = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let raw = format!("postgres://u:secret@127.0.0.1:{port}/db?sslmode=require");
        let url = DatabaseUrl::parse(&raw, UrlSource::Flag).expect("url");
        let Err(err) = Conn::connect(&url).await else {
            panic!("{raw}: connected with TLS required and no TLS compiled");
        };
        assert!(matches!(err, DbError::TlsNotCompiled { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("`tls-rustls` feature"), "{message}");
        assert!(!message.contains("secret"), "{message}");
        assert!(err.help().expect("help").contains("tls-rustls"));
    }
}
