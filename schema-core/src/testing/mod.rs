//! Per-test databases, cloned from a migrated template instead of replaying the migrations
//! for every test.
//!
//! The first test of a run (in any process: nextest runs one process per test) migrates a
//! *template* database named after the revisions' checksums; every test then gets a copy of
//! it, dropped afterwards:
//!
//! | | template built by | a test's copy | dropped by |
//! |---|---|---|---|
//! | PostgreSQL | `<template>_building_<pid>`, then `ALTER DATABASE … RENAME TO` (and a spare copy `<template>_keep`, which makes the others five times faster) | `CREATE DATABASE … TEMPLATE …` | `DROP DATABASE … WITH (FORCE)` |
//! | MySQL/MariaDB | the template itself, complete once its marker table `cs_tpl_done` exists | each base table: `SHOW CREATE TABLE`, then `INSERT … SELECT` | `DROP DATABASE` |
//! | SQLite | `<template>.building.<pid>.db`, then a file rename | a copy of the file | removing the file |
//!
//! ```no_run
//! # async fn t() -> Result<(), Box<dyn std::error::Error>> {
//! use schema_core::testing::TestDatabase;
//!
//! let migrator = schema_core::Migrator::from_dir("migrations")?;
//! let db = TestDatabase::new(&migrator, "postgres://postgres@127.0.0.1/postgres").await?;
//! // … connect to db.url() …
//! db.drop_database().await?; // or let it go out of scope
//! # Ok(()) }
//! ```
//!
//! The template's name is `cs_tpl_` and 16 hex digits of a SHA-256 over every revision's id
//! and checksum, so editing, adding or removing a revision makes a new template. It is built
//! under a lock that spans processes (PostgreSQL `pg_advisory_lock` in the maintenance
//! database, MySQL `GET_LOCK('cs_tpl_lock', …)`, SQLite a `File::lock` on `<dir>/cs_tpl.lock`);
//! a process that dies holding it releases it (the session ends, the OS drops the file lock),
//! so a crashed test never hangs the suite. A builder that crashes halfway leaves no template
//! that others would use: PostgreSQL and SQLite build under another name and rename, MySQL
//! counts a template without its marker table as unfinished and rebuilds it.
//!
//! A database at another revision ([`TestDatabase::at`], [`TestDatabaseBuilder::at`]: an id,
//! a prefix, `head-1`, `auth@head`) comes from a template at that revision, named by the
//! same 16 digits, `_`, and 16 more over what it holds (see the `at` module); then
//! [`TestDatabase::up_one`], [`TestDatabase::down_one`], … step it with the runner the CLI
//! uses. On PostgreSQL, [`TestDatabaseBuilder::transaction`] (or [`TestTransaction::at`])
//! gives transaction mode at that revision instead: see the `tx` module.
//!
//! After building a template, the stale templates *of the same application* (revisions with
//! the same base revision ids) are removed, so that applications sharing a server keep each
//! other's: on PostgreSQL every `cs_tpl_*` database of other revisions whose comment names
//! the application, finished or left unfinished by a crashed build; on MySQL every other one
//! whose marker table names it, and every unfinished one (no one else builds while the lock
//! is held); on SQLite every template file of other revisions in the directory (give each
//! application its own directory). Templates of the same revisions at other targets stay. A
//! template still in use is skipped.
//!
//! Limits:
//! - The template is built with the [`Migrator`] as configured (target, version table), but
//!   its name only covers the revisions: two migrators with the same revisions and another
//!   target or version table share a template.
//! - Transaction mode ([`TestTransaction`]) is PostgreSQL's only.
//! - MySQL/MariaDB copies base tables only (with their indexes, foreign keys, checks and
//!   `AUTO_INCREMENT` counters, as `SHOW CREATE TABLE` gives them, and their rows, generated
//!   columns recomputed); views, triggers, stored procedures and functions and events are not
//!   copied, and a template that has any is refused ([`TestDbError::NotCopied`] names them).
//! - SQLite: a path with `?` or `#` in it cannot be written as a `sqlite:` URL.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Row};

use crate::Migrator;
use crate::backend::dispatch;
use crate::checksum::checksum;
use crate::db::{
    Conn, DatabaseUrl, DbError, UrlError, UrlSource, database_message, on_conn, redact,
};
use crate::migrate::MigrateError;
use crate::plan::PlanError;
pub use at::TestDatabaseBuilder;

/// The prefix of every template database (or SQLite file).
pub const TEMPLATE_PREFIX: &str = "cs_tpl_";
/// The prefix of every test database (or SQLite file).
pub const TEST_PREFIX: &str = "cs_test_";
/// The table that marks a MySQL template as complete (not copied into test databases).
const MARKER_TABLE: &str = "cs_tpl_done";
/// MySQL's server-wide lock name.
const MYSQL_LOCK: &str = "cs_tpl_lock";
/// SQLite's lock file, in the databases' directory.
const LOCK_FILE: &str = "cs_tpl.lock";
/// How long to wait for another process to finish building a template.
const LOCK_WAIT: Duration = Duration::from_secs(600);

/// Why a test database could not be made, filled or dropped. Never holds a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestDbError {
    #[error("invalid test database server `{redacted}`: {reason}")]
    Server { redacted: String, reason: String },
    #[error(transparent)]
    Url(#[from] UrlError),
    /// Connecting failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A statement failed: `what` says what it was doing.
    #[error("{what} on {server}: {message}")]
    Query {
        what: String,
        server: String,
        message: String,
    },
    #[error("migrating the template database `{template}` on {server} failed: {source}")]
    Migrate {
        template: String,
        server: String,
        source: Box<MigrateError>,
    },
    #[error("timed out after {seconds} s waiting for the template lock on {server}")]
    LockTimeout { server: String, seconds: u64 },
    #[error("{what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("fixture {}: {message}", path.display())]
    Fixture { path: PathBuf, message: String },
    /// The revision asked for with [`TestDatabaseBuilder::at`] does not resolve (no such
    /// revision, an ambiguous prefix and its candidates, several heads, …).
    #[error(
        "cannot make a test database at `{target}`: {source}{}",
        did_you_mean(source)
    )]
    Target { target: String, source: PlanError },
    #[error("{what} cannot be made on {server}: {reason}")]
    Unsupported {
        what: String,
        server: String,
        reason: String,
    },
    /// A test in transaction mode ended its transaction (`COMMIT`, `ROLLBACK`).
    #[error(
        "the test ended its transaction on the shared test database `{database}` (COMMIT or \
         ROLLBACK): a test in transaction mode cannot commit, and nothing it wrote was kept; \
         use a database per test (TestDatabase::new) for a test that must commit"
    )]
    TransactionEnded { database: String },
    /// A MySQL/MariaDB template holds what a test database's copy does not take.
    #[error(
        "the template database `{template}` has {objects}, which MySQL/MariaDB test databases \
         do not copy (only base tables, with their rows, are copied); use SQLite or PostgreSQL \
         for tests that need them, or move them out of the revisions under test"
    )]
    NotCopied { template: String, objects: String },
}

/// `; did you mean `…`?` when a target that does not resolve is close to one that does.
fn did_you_mean(e: &PlanError) -> String {
    match e {
        PlanError::Resolve(crate::ResolveError::NoSuchRevision {
            suggestion: Some(s),
            ..
        }) => format!("; did you mean `{s}`?"),
        _ => String::new(),
    }
}

/// Where the test databases live.
#[derive(Clone)]
enum Server {
    /// A directory of SQLite files.
    Sqlite(PathBuf),
    /// A PostgreSQL or MySQL server, through its maintenance database.
    Db(DatabaseUrl),
}

/// A PostgreSQL URL for this machine (`localhost`, `127.x`, `::1`) without an `sslmode` gets
/// `sslmode=disable`, as every connection schema-core makes there does
/// ([`DatabaseUrl::loopback_without_tls_setting`]): written into the URL, so that the pools a
/// test makes from `db.url()` skip the ~90 ms TLS handshake too. An explicit `sslmode` is kept.
fn without_local_tls(server: &str) -> String {
    let postgres = DatabaseUrl::parse(server, UrlSource::Flag).is_ok_and(|u| {
        u.dialect == crate::backend::Dialect::Postgres && u.loopback_without_tls_setting()
    });
    match url::Url::parse(server) {
        Ok(mut url) if postgres => {
            url.query_pairs_mut().append_pair("sslmode", "disable");
            url.to_string()
        }
        _ => server.to_string(),
    }
}

impl Server {
    fn parse(server: &str) -> Result<Server, TestDbError> {
        let lower = server.get(..7).map(str::to_ascii_lowercase);
        if lower.as_deref() != Some("sqlite:") {
            let url = DatabaseUrl::parse(&without_local_tls(server), UrlSource::Flag)?;
            return Ok(Server::Db(url));
        }
        let rest = &server[7..];
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let dir = rest.split_once('?').map_or(rest, |(d, _)| d);
        if dir.is_empty() || dir == ":memory:" {
            return Err(TestDbError::Server {
                redacted: redact(server),
                reason: "a SQLite server is a directory: `sqlite:` and its path".to_string(),
            });
        }
        Ok(Server::Sqlite(PathBuf::from(dir)))
    }

    fn redacted(&self) -> String {
        match self {
            Server::Sqlite(dir) => format!("sqlite:{}", dir.display()),
            Server::Db(url) => url.redacted(),
        }
    }
}

/// A database of its own for one test, migrated to the [`Migrator`]'s target. Dropped by
/// [`TestDatabase::drop_database`], or (best effort) when the value is dropped.
pub struct TestDatabase {
    url: String,
    name: String,
    server: Server,
    dropped: bool,
    /// For the steps ([`TestDatabase::up_one`], …).
    migrator: Migrator,
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase")
            .field("name", &self.name)
            .field("url", &redact(&self.url))
            .finish()
    }
}

impl TestDatabase {
    /// A fresh database migrated to `migrator`'s target, cloned from a template (built by the
    /// first test that needs it).
    ///
    /// `server` is the URL of a server's maintenance database
    /// (`postgres://…/postgres`, `mysql://root@127.0.0.1/test`) or `sqlite:` and a directory
    /// for SQLite files (`sqlite:///tmp/myapp-tests`, created if missing).
    pub async fn new(migrator: &Migrator, server: &str) -> Result<TestDatabase, TestDbError> {
        Self::builder(migrator).create(server).await
    }

    /// A fresh database on `server` cloned from `template`, which `migrated` builds when it is
    /// missing; steps run with `migrator`.
    async fn create(
        migrator: &Migrator,
        migrated: &Migrator,
        template: &str,
        server: &str,
    ) -> Result<TestDatabase, TestDbError> {
        let server = Server::parse(server)?;
        let app = app_key(migrator);
        let name = format!("{TEST_PREFIX}{}", crate::random::random_id());
        let (url, server) = match server {
            Server::Sqlite(dir) => {
                let dir = sqlite::prepare_dir(&dir)?;
                let url = sqlite::create(migrated, &dir, template, &name).await?;
                (url, Server::Sqlite(dir))
            }
            Server::Db(url) => {
                let mut conn = Conn::connect(&url).await?;
                let new = NewDatabase {
                    migrator: migrated,
                    server: &url,
                    template,
                    app: &app,
                    name: &name,
                };
                let created = dispatch!(url.dialect, B => B::create_on(&mut conn, &new).await);
                conn.close().await;
                created?;
                let created = url.with_database(&name)?.secret().to_string();
                (created, Server::Db(url))
            }
        };
        Ok(TestDatabase {
            url,
            name,
            server,
            dropped: false,
            migrator: migrator.clone(),
        })
    }

    /// The name of the template `migrator`'s revisions make: `cs_tpl_` and the first 16 hex
    /// digits of a SHA-256 over every revision's id and checksum.
    pub fn template_name(migrator: &Migrator) -> String {
        format!(
            "{TEMPLATE_PREFIX}{}",
            revisions_hash(migrator.graph().nodes())
        )
    }

    /// The URL to connect to this database with (it holds the server's password, if any).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name (`cs_test_` and 12 hex digits; the file stem on SQLite).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs SQL files against this database, in order, each as one batch of statements.
    pub async fn apply_fixtures(&self, files: &[&Path]) -> Result<(), TestDbError> {
        let url = DatabaseUrl::parse(&self.url, UrlSource::Flag)?;
        let mut conn = Conn::connect(&url).await?;
        let mut result = Ok(());
        for path in files {
            let sql = match std::fs::read_to_string(path) {
                Ok(sql) => sql,
                Err(source) => {
                    result = Err(TestDbError::Io {
                        what: "cannot read the fixture",
                        path: path.to_path_buf(),
                        source,
                    });
                    break;
                }
            };
            if let Err(e) = conn.execute(&sql).await {
                result = Err(TestDbError::Fixture {
                    path: path.to_path_buf(),
                    message: database_message(&e),
                });
                break;
            }
        }
        conn.close().await;
        result
    }

    /// Drops the database (on a server, terminating its connections first on PostgreSQL).
    pub async fn drop_database(mut self) -> Result<(), TestDbError> {
        self.dropped = true;
        drop_named(&self.server, &self.name).await
    }
}

impl Drop for TestDatabase {
    /// Drops the database, blocking on a runtime of its own on another thread (so it works
    /// inside and outside an async runtime); a failure is printed, not raised.
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        self.dropped = true;
        let result = match &self.server {
            Server::Sqlite(dir) => sqlite::remove(&dir.join(format!("{}.db", self.name))),
            Server::Db(_) => {
                let server = self.server.clone();
                let name = self.name.clone();
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| e.to_string())?;
                    runtime
                        .block_on(drop_named(&server, &name))
                        .map_err(|e| e.to_string())
                })
                .join()
                .unwrap_or_else(|_| Err("the thread dropping it panicked".to_string()))
                .map_err(|message| TestDbError::Query {
                    what: format!("dropping the test database `{}`", self.name),
                    server: self.server.redacted(),
                    message,
                })
            }
        };
        if let Err(e) = result {
            eprintln!(
                "cargo-schema: could not drop the test database `{}`: {e}",
                self.name
            );
        }
    }
}

/// Drops a test database by name.
async fn drop_named(server: &Server, name: &str) -> Result<(), TestDbError> {
    match server {
        Server::Sqlite(dir) => sqlite::remove(&dir.join(format!("{name}.db"))),
        Server::Db(url) => {
            let mut conn = Conn::connect(url).await?;
            let result = dispatch!(url.dialect, B => B::drop_test(&mut conn, url, name).await);
            conn.close().await;
            result
        }
    }
}

/// Which application a set of revisions belongs to: a hash of its base revisions' ids, which
/// survive edits and new revisions (used to tell this application's stale templates from
/// other applications' on a shared server).
fn app_key(migrator: &Migrator) -> String {
    let graph = migrator.graph();
    let mut bases: Vec<&str> = graph.bases().iter().map(|&i| graph.id(i)).collect();
    bases.sort_unstable();
    let mut hasher = Sha256::new();
    for id in bases {
        hasher.update(id.as_bytes());
        hasher.update(b"\n");
    }
    hex(&hasher.finalize())[..16].to_string()
}

/// The first 16 hex digits of a SHA-256 over the revisions' ids and checksums, in id order:
/// what names a template.
fn revisions_hash<'a>(nodes: impl IntoIterator<Item = &'a crate::Node>) -> String {
    let mut pairs: Vec<(&str, String)> = nodes
        .into_iter()
        .map(|n| (n.id(), checksum(&n.revision)))
        .collect();
    pairs.sort();
    let mut hasher = Sha256::new();
    for (id, sum) in pairs {
        hasher.update(id.as_bytes());
        hasher.update(b"\0");
        hasher.update(sum.as_bytes());
        hasher.update(b"\n");
    }
    hex(&hasher.finalize())[..16].to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The rows of a query, every value as text (`NULL` as an empty string). Without parameters
/// the SQL runs unprepared (and may hold several statements).
async fn texts(
    conn: &mut Conn,
    sql: &str,
    params: &[&str],
) -> Result<Vec<Vec<String>>, sqlx::Error> {
    macro_rules! rows {
        ($c:expr) => {{
            let rows = if params.is_empty() {
                sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
                    .fetch_all($c)
                    .await?
            } else {
                let mut q = sqlx::query(AssertSqlSafe(sql.to_string()));
                for p in params {
                    q = q.bind(p.to_string());
                }
                q.fetch_all($c).await?
            };
            rows.iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| {
                            r.try_get::<Option<String>, _>(i)
                                .or_else(|_| {
                                    r.try_get::<Option<Vec<u8>>, _>(i).map(|b| {
                                        b.map(|b| String::from_utf8_lossy(&b).into_owned())
                                    })
                                })
                                .map(Option::unwrap_or_default)
                        })
                        .collect::<Result<Vec<String>, sqlx::Error>>()
                })
                .collect()
        }};
    }
    on_conn!(conn, c => rows!(&mut **c))
}

/// Runs SQL, naming what it was doing if it fails.
async fn run(
    conn: &mut Conn,
    server: &DatabaseUrl,
    what: &str,
    sql: &str,
) -> Result<(), TestDbError> {
    conn.execute(sql)
        .await
        .map_err(|e| query_error(server, what, &e))
}

/// Whether the query looking for a template returns a row.
async fn template_found(
    conn: &mut Conn,
    server: &DatabaseUrl,
    sql: &str,
    params: &[&str],
) -> Result<bool, TestDbError> {
    texts(conn, sql, params)
        .await
        .map(|rows| !rows.is_empty())
        .map_err(|e| query_error(server, "looking for the template", &e))
}

fn query_error(server: &DatabaseUrl, what: &str, e: &sqlx::Error) -> TestDbError {
    TestDbError::Query {
        what: what.to_string(),
        server: server.redacted(),
        message: database_message(e),
    }
}

/// A failed statement of the backend layer, said as what it was doing.
fn db_error(server: &DatabaseUrl, what: &str, e: DbError) -> TestDbError {
    match e {
        DbError::Query { source, .. } => query_error(server, what, &source),
        other => TestDbError::Db(other),
    }
}

fn migrate_error(server: &Server, template: &str, source: MigrateError) -> TestDbError {
    TestDbError::Migrate {
        template: template.to_string(),
        server: server.redacted(),
        source: Box::new(source),
    }
}

/// A test database to make on a server: from the template `template` of the application `app`
/// (a hash of its base revisions), built from `migrator`'s revisions.
#[derive(Clone, Copy)]
struct NewDatabase<'a> {
    migrator: &'a Migrator,
    server: &'a DatabaseUrl,
    template: &'a str,
    app: &'a str,
    name: &'a str,
}

/// A server's test databases, implemented for its backend in `pg.rs` and `mysql.rs`. SQLite's
/// are files in a directory (`sqlite.rs`, [`Server::Sqlite`]), never reached through this.
trait TestServer: crate::backend::Backend {
    /// Makes the test database `new.name` on the server `conn` is connected to (built first
    /// from its template when that is missing or stale).
    async fn create_on(conn: &mut Conn, new: &NewDatabase<'_>) -> Result<(), TestDbError>;

    /// Drops the test database (or template) `name`, with what goes with it.
    async fn drop_test(conn: &mut Conn, url: &DatabaseUrl, name: &str) -> Result<(), TestDbError>;
}

impl TestServer for crate::backend::Sqlite {
    async fn create_on(_: &mut Conn, _: &NewDatabase<'_>) -> Result<(), TestDbError> {
        unreachable!("`sqlite:` URLs are directories")
    }

    async fn drop_test(_: &mut Conn, _: &DatabaseUrl, _: &str) -> Result<(), TestDbError> {
        unreachable!("`sqlite:` URLs are directories")
    }
}

mod at;
#[cfg(test)]
mod at_tests;
mod mysql;
#[cfg(all(test, feature = "mysql"))]
mod mysql_tests;
mod pg;
mod sqlite;
#[cfg(test)]
mod tests;
#[cfg(feature = "postgres")]
mod tx;
#[cfg(feature = "postgres")]
pub use tx::TestTransaction;
#[cfg(all(test, feature = "postgres"))]
mod tx_tests;
