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
//! After building a template, the stale templates *of the same application* (revisions with
//! the same base revision ids) are removed, so that applications sharing a server keep each
//! other's: on PostgreSQL every other `cs_tpl_*` database whose comment names the
//! application, finished or left unfinished by a crashed build; on MySQL every other one whose
//! marker table names it, and every unfinished one (no one else builds while the lock is
//! held); on SQLite every other template file in the directory (give each application its
//! own directory). A template still in use is skipped.
//!
//! Limits:
//! - The template is built with the [`Migrator`] as configured (target, version table), but
//!   its name only covers the revisions: two migrators with the same revisions and another
//!   target or version table share a template.
//! - MySQL/MariaDB copies base tables only (with their indexes, foreign keys, checks and
//!   `AUTO_INCREMENT` counters, as `SHOW CREATE TABLE` gives them, and their rows, generated
//!   columns recomputed); **views, triggers, stored routines and events are not copied**.
//! - SQLite: a path with `?` or `#` in it cannot be written as a `sqlite:` URL.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Row};

use crate::Migrator;
use crate::checksum::checksum;
use crate::db::{
    Conn, DatabaseUrl, DbError, Dialect, UrlError, UrlSource, database_message, redact,
};
use crate::migrate::MigrateError;

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
/// How often to try again when a PostgreSQL template is briefly in use.
const IN_USE_RETRIES: u32 = 50;
const IN_USE_SLEEP: Duration = Duration::from_millis(100);

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
/// `sslmode=disable`. sqlx's default, `prefer`, makes a TLS handshake with a server that has a
/// certificate (Debian's default one does), which costs ~90 ms a connection here, more than
/// cloning a database; on the loopback interface it protects nothing. An explicit `sslmode`
/// is kept as it is.
fn without_local_tls(server: &str) -> String {
    let Ok(mut url) = url::Url::parse(server) else {
        return server.to_string();
    };
    let postgres = matches!(url.scheme(), "postgres" | "postgresql");
    let local = match url.host() {
        // `postgres:` is not a special scheme to the url crate: its IP hosts come as text.
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost")
                || d.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if !postgres || !local || url.query_pairs().any(|(k, _)| k == "sslmode") {
        return server.to_string();
    }
    url.query_pairs_mut().append_pair("sslmode", "disable");
    url.to_string()
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
        let server = Server::parse(server)?;
        let template = Self::template_name(migrator);
        let app = app_key(migrator);
        let name = format!("{TEST_PREFIX}{}", crate::scaffold::random_id());
        let (url, server) = match server {
            Server::Sqlite(dir) => {
                let dir = sqlite::prepare_dir(&dir)?;
                let url = sqlite::create(migrator, &dir, &template, &name).await?;
                (url, Server::Sqlite(dir))
            }
            Server::Db(url) => {
                let created = match url.dialect {
                    Dialect::Postgres => pg::create(migrator, &url, &template, &app, &name).await?,
                    Dialect::MySql => mysql::create(migrator, &url, &template, &app, &name).await?,
                    Dialect::Sqlite => unreachable!("`sqlite:` URLs are directories"),
                };
                (created, Server::Db(url))
            }
        };
        Ok(TestDatabase {
            url,
            name,
            server,
            dropped: false,
        })
    }

    /// The name of the template `migrator`'s revisions make: `cs_tpl_` and the first 16 hex
    /// digits of a SHA-256 over every revision's id and checksum.
    pub fn template_name(migrator: &Migrator) -> String {
        let mut pairs: Vec<(&str, String)> = migrator
            .graph()
            .nodes()
            .iter()
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
        format!("{TEMPLATE_PREFIX}{}", &hex(&hasher.finalize())[..16])
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
            let result = match url.dialect {
                Dialect::Postgres => {
                    // A template goes with its keeper.
                    if name.starts_with(TEMPLATE_PREFIX) && !name.ends_with("_keep") {
                        let keeper = pg::keeper(name);
                        let _ = pg::drop_database(&mut conn, url, &keeper, true).await;
                    }
                    pg::drop_database(&mut conn, url, name, true).await
                }
                _ => mysql::drop_database(&mut conn, url, name).await,
            };
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
    match conn {
        Conn::Sqlite(c) => rows!(&mut **c),
        Conn::Postgres(c) => rows!(&mut **c),
        Conn::MySql(c) => rows!(&mut **c),
    }
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

mod pg {
    //! PostgreSQL: templates renamed into place, clones by `CREATE DATABASE … TEMPLATE`.

    use super::*;

    /// The advisory lock (in the maintenance database) that serializes template builds.
    fn lock_key() -> i64 {
        let digest = Sha256::digest(b"cargo-schema:test-templates");
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(bytes)
    }

    /// The comment a template carries: which application it belongs to.
    pub(super) fn comment(app: &str) -> String {
        format!("cargo-schema test template, app {app}")
    }

    fn in_use(e: &sqlx::Error) -> bool {
        match e {
            sqlx::Error::Database(d) => {
                d.code().as_deref() == Some("55006")
                    || d.message().contains("being accessed by other users")
            }
            _ => false,
        }
    }

    pub(super) async fn create(
        migrator: &Migrator,
        server: &DatabaseUrl,
        template: &str,
        app: &str,
        name: &str,
    ) -> Result<String, TestDbError> {
        let mut conn = Conn::connect(server).await?;
        let result = create_on(&mut conn, migrator, server, template, app, name).await;
        conn.close().await;
        result
    }

    async fn create_on(
        conn: &mut Conn,
        migrator: &Migrator,
        server: &DatabaseUrl,
        template: &str,
        app: &str,
        name: &str,
    ) -> Result<String, TestDbError> {
        // A template exists only once complete (it is renamed into place): no lock needed.
        if !exists(conn, server, template).await? {
            let seconds = LOCK_WAIT.as_secs();
            run(
                conn,
                server,
                "setting lock_timeout",
                &format!("SET lock_timeout = '{seconds}s'"),
            )
            .await?;
            let sql = format!("SELECT pg_advisory_lock({})", lock_key());
            if let Err(e) = conn.execute(&sql).await {
                let message = database_message(&e);
                return Err(if message.contains("lock timeout") {
                    TestDbError::LockTimeout {
                        server: server.redacted(),
                        seconds,
                    }
                } else {
                    query_error(server, "taking the template lock", &e)
                });
            }
            let built = build(conn, migrator, server, template, app).await;
            let _ = conn
                .execute(&format!("SELECT pg_advisory_unlock({})", lock_key()))
                .await;
            built?;
            run(conn, server, "resetting lock_timeout", "RESET lock_timeout").await?;
        }
        let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
        let mut attempt = 0;
        loop {
            match conn.execute(&sql).await {
                Ok(()) => break,
                Err(e) if in_use(&e) && attempt < IN_USE_RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(IN_USE_SLEEP).await;
                }
                Err(e) => {
                    let what = format!(
                        "creating the test database `{name}` from the template `{template}`"
                    );
                    return Err(query_error(server, &what, &e));
                }
            }
        }
        Ok(server.with_database(name)?.secret().to_string())
    }

    async fn exists(
        conn: &mut Conn,
        server: &DatabaseUrl,
        name: &str,
    ) -> Result<bool, TestDbError> {
        let sql = "SELECT datname::text FROM pg_database WHERE datname = $1";
        texts(conn, sql, &[name])
            .await
            .map(|rows| !rows.is_empty())
            .map_err(|e| query_error(server, "looking for the template", &e))
    }

    /// Builds the template under the lock, unless another process did meanwhile.
    async fn build(
        conn: &mut Conn,
        migrator: &Migrator,
        server: &DatabaseUrl,
        template: &str,
        app: &str,
    ) -> Result<(), TestDbError> {
        if exists(conn, server, template).await? {
            return Ok(());
        }
        let building = format!("{template}_building_{}", std::process::id());
        drop_database(conn, server, &building, true).await?;
        let what = format!("creating the template database `{building}`");
        crate::backend::create_database(conn, &building)
            .await
            .map_err(|e| db_error(server, &what, e))?;
        // Marked before it is filled, so that a crash leaves a database this application's
        // next build recognizes as its own and removes.
        let what = format!("marking the template database `{building}`");
        let sql = format!("COMMENT ON DATABASE \"{building}\" IS '{}'", comment(app));
        if let Err(e) = run(conn, server, &what, &sql).await {
            let _ = drop_database(conn, server, &building, true).await;
            return Err(e);
        }
        let url = server.with_database(&building)?;
        if let Err(e) = migrator.run(url.secret()).await {
            let _ = drop_database(conn, server, &building, true).await;
            return Err(migrate_error(&Server::Db(server.clone()), template, e));
        }
        // The migration's connection may still be closing on the server's side.
        let sql = format!("ALTER DATABASE \"{building}\" RENAME TO \"{template}\"");
        let mut attempt = 0;
        loop {
            match conn.execute(&sql).await {
                Ok(()) => break,
                Err(e) if in_use(&e) && attempt < IN_USE_RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(IN_USE_SLEEP).await;
                }
                Err(e) => {
                    let _ = drop_database(conn, server, &building, true).await;
                    let what = format!("renaming `{building}` to `{template}`");
                    return Err(query_error(server, &what, &e));
                }
            }
        }
        keep(conn, template, app).await;
        remove_stale(conn, template, app).await;
        Ok(())
    }

    /// The name of the template's keeper: see [`keep`].
    pub(super) fn keeper(template: &str) -> String {
        format!("{template}_keep")
    }

    /// Makes one clone of the template that no test uses and that lives as long as the
    /// template. Measured on PostgreSQL 15: `CREATE DATABASE … TEMPLATE` of a 200-table
    /// template takes ~0.5 s when no other copy of it exists and ~0.1 s while one does
    /// (bench/testdb.sh), so each test's copy is five times cheaper with it. Best effort: a
    /// failure only costs that speed.
    async fn keep(conn: &mut Conn, template: &str, app: &str) {
        let keeper = keeper(template);
        let sql = format!("CREATE DATABASE \"{keeper}\" TEMPLATE \"{template}\"");
        if conn.execute(&sql).await.is_ok() {
            let sql = format!("COMMENT ON DATABASE \"{keeper}\" IS '{}'", comment(app));
            let _ = conn.execute(&sql).await;
        }
    }

    /// Drops this application's other templates, finished or left unfinished by a crashed
    /// builder; any still in use (or otherwise failing to drop) is kept.
    async fn remove_stale(conn: &mut Conn, template: &str, app: &str) {
        let sql = "SELECT datname::text, COALESCE(shobj_description(oid, 'pg_database'), '') \
                   FROM pg_database WHERE datname LIKE 'cs!_tpl!_%' ESCAPE '!'";
        let Ok(rows) = texts(conn, sql, &[]).await else {
            return;
        };
        // Never wait behind a test that is copying an old template.
        if conn.execute("SET lock_timeout = '2s'").await.is_err() {
            return;
        }
        let ours = comment(app);
        // The template's own keeper stays; a crashed build of it (`_building_`) goes.
        let keeper = keeper(template);
        for row in rows {
            let (name, note) = (&row[0], &row[1]);
            if name != template && *name != keeper && *note == ours {
                let _ = crate::backend::drop_database(conn, name, false).await;
            }
        }
    }

    pub(super) async fn drop_database(
        conn: &mut Conn,
        server: &DatabaseUrl,
        name: &str,
        force: bool,
    ) -> Result<(), TestDbError> {
        let what = format!("dropping the database `{name}`");
        crate::backend::drop_database(conn, name, force)
            .await
            .map_err(|e| db_error(server, &what, e))
    }
}

mod mysql {
    //! MySQL/MariaDB: no database rename and no template databases, so the template is built
    //! in place (complete once it has its marker table) and copied table by table.

    use super::*;

    /// A name in backquotes.
    fn q(name: &str) -> String {
        Dialect::MySql.quote_ident(name)
    }

    pub(super) async fn create(
        migrator: &Migrator,
        server: &DatabaseUrl,
        template: &str,
        app: &str,
        name: &str,
    ) -> Result<String, TestDbError> {
        let mut conn = Conn::connect(server).await?;
        let result = create_on(&mut conn, migrator, server, template, app, name).await;
        conn.close().await;
        result
    }

    async fn create_on(
        conn: &mut Conn,
        migrator: &Migrator,
        server: &DatabaseUrl,
        template: &str,
        app: &str,
        name: &str,
    ) -> Result<String, TestDbError> {
        if !complete(conn, server, template).await? {
            lock(conn, server).await?;
            let built = build(conn, migrator, server, template, app).await;
            let _ = conn
                .execute(&format!("DO RELEASE_LOCK('{MYSQL_LOCK}')"))
                .await;
            built?;
        }
        let what = format!("creating the test database `{name}`");
        crate::backend::create_database(conn, name)
            .await
            .map_err(|e| db_error(server, &what, e))?;
        if let Err(e) = copy_tables(conn, server, template, name).await {
            let _ = drop_database(conn, server, name).await;
            return Err(e);
        }
        Ok(server.with_database(name)?.secret().to_string())
    }

    /// `GET_LOCK` waits at most 60 s a call; try again until [`LOCK_WAIT`].
    async fn lock(conn: &mut Conn, server: &DatabaseUrl) -> Result<(), TestDbError> {
        let deadline = Instant::now() + LOCK_WAIT;
        let sql = format!("SELECT CAST(COALESCE(GET_LOCK('{MYSQL_LOCK}', 60), 0) AS CHAR)");
        loop {
            let rows = texts(conn, &sql, &[])
                .await
                .map_err(|e| query_error(server, "taking the template lock", &e))?;
            if rows.first().and_then(|r| r.first()).map(String::as_str) == Some("1") {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(TestDbError::LockTimeout {
                    server: server.redacted(),
                    seconds: LOCK_WAIT.as_secs(),
                });
            }
        }
    }

    /// Whether the template exists and was finished (has its marker table).
    async fn complete(
        conn: &mut Conn,
        server: &DatabaseUrl,
        template: &str,
    ) -> Result<bool, TestDbError> {
        let sql = "SELECT table_name FROM information_schema.tables \
                   WHERE table_schema = ? AND table_name = ?";
        texts(conn, sql, &[template, MARKER_TABLE])
            .await
            .map(|rows| !rows.is_empty())
            .map_err(|e| query_error(server, "looking for the template", &e))
    }

    async fn build(
        conn: &mut Conn,
        migrator: &Migrator,
        server: &DatabaseUrl,
        template: &str,
        app: &str,
    ) -> Result<(), TestDbError> {
        if complete(conn, server, template).await? {
            return Ok(());
        }
        // What is there is the remains of a crashed build.
        drop_database(conn, server, template).await?;
        let what = format!("creating the template database `{template}`");
        crate::backend::create_database(conn, template)
            .await
            .map_err(|e| db_error(server, &what, e))?;
        let url = server.with_database(template)?;
        if let Err(e) = migrator.run(url.secret()).await {
            let _ = drop_database(conn, server, template).await;
            return Err(migrate_error(&Server::Db(server.clone()), template, e));
        }
        let what = format!("marking the template database `{template}` complete");
        let sql = format!(
            "CREATE TABLE {}.{} AS SELECT '{app}' AS app",
            q(template),
            q(MARKER_TABLE)
        );
        run(conn, server, &what, &sql).await?;
        remove_stale(conn, template, app).await;
        Ok(())
    }

    /// Drops this application's other templates and unfinished ones (no one else is
    /// building: this process holds the lock); any that fails to drop is kept.
    async fn remove_stale(conn: &mut Conn, template: &str, app: &str) {
        let sql = "SELECT schema_name FROM information_schema.schemata \
                   WHERE schema_name LIKE 'cs!_tpl!_%' ESCAPE '!'";
        let Ok(rows) = texts(conn, sql, &[]).await else {
            return;
        };
        // Never wait long behind a test that is copying an old template.
        if conn
            .execute("SET SESSION lock_wait_timeout = 5")
            .await
            .is_err()
        {
            return;
        }
        for row in rows {
            let name = &row[0];
            if name == template {
                continue;
            }
            let sql = format!("SELECT app FROM {}.{}", q(name), q(MARKER_TABLE));
            let owner = texts(conn, &sql, &[]).await.ok();
            let finished_by = owner
                .as_ref()
                .and_then(|r| r.first())
                .and_then(|r| r.first());
            if finished_by.is_none_or(|a| a == app) {
                let _ = crate::backend::drop_database(conn, name, false).await;
            }
        }
    }

    /// Copies the template's base tables (definitions as `SHOW CREATE TABLE` gives them,
    /// which keeps foreign keys that `CREATE TABLE … LIKE` would lose, and rows) into `name`.
    async fn copy_tables(
        conn: &mut Conn,
        server: &DatabaseUrl,
        template: &str,
        name: &str,
    ) -> Result<(), TestDbError> {
        let what = format!("reading the tables of the template `{template}`");
        let sql = "SELECT table_name FROM information_schema.tables \
                   WHERE table_schema = ? AND table_type = 'BASE TABLE' AND table_name <> ? \
                   ORDER BY table_name";
        let tables = texts(conn, sql, &[template, MARKER_TABLE])
            .await
            .map_err(|e| query_error(server, &what, &e))?;
        if tables.is_empty() {
            return Ok(());
        }
        // Generated columns are computed again, not inserted.
        let sql = "SELECT table_name, column_name FROM information_schema.columns \
                   WHERE table_schema = ? AND COALESCE(generation_expression, '') = '' \
                   ORDER BY table_name, ordinal_position";
        let columns = texts(conn, sql, &[template])
            .await
            .map_err(|e| query_error(server, &what, &e))?;
        let show: String = tables
            .iter()
            .map(|t| format!("SHOW CREATE TABLE {}.{};\n", q(template), q(&t[0])))
            .collect();
        let created = texts(conn, &show, &[])
            .await
            .map_err(|e| query_error(server, &what, &e))?;
        let mut batch = format!(
            "USE {};\nSET FOREIGN_KEY_CHECKS = 0;\nSET UNIQUE_CHECKS = 0;\n\
             SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'NO_AUTO_VALUE_ON_ZERO');\n",
            q(name)
        );
        for row in &created {
            batch.push_str(&row[1]);
            batch.push_str(";\n");
        }
        for t in &tables {
            let table = &t[0];
            let cols: Vec<String> = columns
                .iter()
                .filter(|c| c[0] == *table)
                .map(|c| q(&c[1]))
                .collect();
            let cols = cols.join(", ");
            batch.push_str(&format!(
                "INSERT INTO {} ({cols}) SELECT {cols} FROM {}.{};\n",
                q(table),
                q(template),
                q(table)
            ));
        }
        batch.push_str("SET FOREIGN_KEY_CHECKS = 1;\nSET UNIQUE_CHECKS = 1;\n");
        let what = format!("copying the template `{template}` into `{name}`");
        run(conn, server, &what, &batch).await
    }

    pub(super) async fn drop_database(
        conn: &mut Conn,
        server: &DatabaseUrl,
        name: &str,
    ) -> Result<(), TestDbError> {
        let what = format!("dropping the database `{name}`");
        crate::backend::drop_database(conn, name, false)
            .await
            .map_err(|e| db_error(server, &what, e))
    }
}

mod sqlite {
    //! SQLite: one file per database in a directory; the template is built beside its final
    //! name and renamed, tests get copies.

    use super::*;

    fn io_error(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> TestDbError {
        let path = path.to_path_buf();
        move |source| TestDbError::Io { what, path, source }
    }

    pub(super) fn url_of(path: &Path) -> String {
        format!("sqlite://{}", path.display())
    }

    /// Creates the directory and makes its path absolute.
    pub(super) fn prepare_dir(dir: &Path) -> Result<PathBuf, TestDbError> {
        std::fs::create_dir_all(dir).map_err(io_error("cannot create the directory", dir))?;
        std::fs::canonicalize(dir).map_err(io_error("cannot resolve the directory", dir))
    }

    pub(super) async fn create(
        migrator: &Migrator,
        dir: &Path,
        template: &str,
        name: &str,
    ) -> Result<String, TestDbError> {
        let tpl = dir.join(format!("{template}.db"));
        if !tpl.is_file() {
            let lock = lock(dir).await?;
            let built = build(migrator, dir, template, &tpl).await;
            drop(lock);
            built?;
        }
        let path = dir.join(format!("{name}.db"));
        std::fs::copy(&tpl, &path).map_err(io_error("cannot copy the template to", &path))?;
        Ok(url_of(&path))
    }

    /// Takes the directory's lock file. The OS releases the lock when the process dies, so a
    /// file left behind by a crash does not block anyone.
    pub(super) async fn lock(dir: &Path) -> Result<File, TestDbError> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_error("cannot open the lock file", &path))?;
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(TestDbError::LockTimeout {
                        server: format!("sqlite:{}", dir.display()),
                        seconds: LOCK_WAIT.as_secs(),
                    });
                }
                Err(TryLockError::Error(e)) => {
                    return Err(io_error("cannot lock", &path)(e));
                }
            }
        }
    }

    /// Builds the template under the lock, unless another process did meanwhile.
    async fn build(
        migrator: &Migrator,
        dir: &Path,
        template: &str,
        tpl: &Path,
    ) -> Result<(), TestDbError> {
        if tpl.is_file() {
            return Ok(());
        }
        let building = dir.join(format!("{template}.building.{}.db", std::process::id()));
        remove(&building)?;
        if let Err(e) = migrator.run(&url_of(&building)).await {
            let _ = remove(&building);
            return Err(migrate_error(
                &Server::Sqlite(dir.to_path_buf()),
                template,
                e,
            ));
        }
        std::fs::rename(&building, tpl).map_err(io_error("cannot rename the template to", tpl))?;
        remove_stale(dir, tpl);
        Ok(())
    }

    /// Removes every other template in the directory, and what crashed builders left
    /// (no one else is building: this process holds the lock).
    fn remove_stale(dir: &Path, tpl: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let is_template = entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(TEMPLATE_PREFIX));
            if is_template && path != tpl {
                let _ = std::fs::remove_file(&path);
            }
        }
    }

    /// Removes a database file and its journals; a file already gone is fine.
    pub(super) fn remove(path: &Path) -> Result<(), TestDbError> {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let p = PathBuf::from(p);
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error("cannot remove", &p)(e)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PG: &str = "postgres://postgres@127.0.0.1/postgres";
    const MY: &str = "mysql://root@127.0.0.1/test";

    /// Two revisions: `items` with a seeded row, then `tags` (a foreign key to `items`) with
    /// a row labelled `seed`; `extra` goes at the end of the second. The ids carry the
    /// process id, so that test runs at the same time (other checkouts, other sessions) have
    /// templates of their own.
    fn migrator(base: &str, seed: &str, extra: &str) -> Migrator {
        let base = format!("{base}_{}", std::process::id());
        let a = format!(
            "-- revision: {base}_a\n-- migrate:up\n\
             CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL);\n\
             INSERT INTO items (id, name) VALUES (1, 'seeded');\n\
             -- migrate:down\nDROP TABLE items;\n"
        );
        let b = format!(
            "-- revision: {base}_b\n-- revises: {base}_a\n-- migrate:up\n\
             CREATE TABLE tags (id INTEGER NOT NULL PRIMARY KEY, item_id INTEGER NOT NULL, \
             label VARCHAR(40) NOT NULL, FOREIGN KEY (item_id) REFERENCES items (id));\n\
             INSERT INTO tags (id, item_id, label) VALUES (1, 1, '{seed}');\n{extra}\n\
             -- migrate:down\nDROP TABLE tags;\n"
        );
        Migrator::from_embedded(&[("a.sql", &a), ("b.sql", &b)]).expect("valid revisions")
    }

    async fn query(url: &str, sql: &str) -> Vec<String> {
        let url = DatabaseUrl::parse(url, UrlSource::Flag).expect("url");
        let mut conn = Conn::connect(&url).await.expect("connect");
        let rows = texts(&mut conn, sql, &[]).await.expect(sql);
        conn.close().await;
        rows.into_iter().map(|mut r| r.swap_remove(0)).collect()
    }

    async fn statement(url: &str, sql: &str) -> Result<(), String> {
        let url = DatabaseUrl::parse(url, UrlSource::Flag).expect("url");
        let mut conn = Conn::connect(&url).await.expect("connect");
        let result = conn.execute(sql).await.map_err(|e| database_message(&e));
        conn.close().await;
        result
    }

    /// Whether a database (a file stem on SQLite) exists.
    async fn exists(server: &str, name: &str) -> bool {
        match Server::parse(server).expect("server") {
            Server::Sqlite(dir) => dir.join(format!("{name}.db")).exists(),
            Server::Db(url) => {
                let sql = match url.dialect {
                    Dialect::Postgres => {
                        format!("SELECT datname::text FROM pg_database WHERE datname = '{name}'")
                    }
                    _ => format!(
                        "SELECT schema_name FROM information_schema.schemata WHERE schema_name = '{name}'"
                    ),
                };
                !query(url.secret(), &sql).await.is_empty()
            }
        }
    }

    /// Drops a template when it goes out of scope, also when the test fails.
    fn template_guard(server: &str, name: &str) -> TestDatabase {
        TestDatabase {
            url: String::new(),
            name: name.to_string(),
            server: Server::parse(server).expect("server"),
            dropped: false,
        }
    }

    async fn drop_template(server: &str, name: &str) {
        drop_named(&Server::parse(server).expect("server"), name)
            .await
            .expect("drop template");
    }

    /// Whether the server answers; when it does not, a visible skip, or a failure in CI.
    async fn reachable(server: &str) -> bool {
        let url = DatabaseUrl::parse(server, UrlSource::Flag).expect("url");
        crate::db::reachable_or_skip(&url).await
    }

    /// The shared scenario: one template for two tests, isolation, fixtures, a new template
    /// for a changed revision, and nothing left after dropping.
    async fn share_isolate_renew(server: &str, base: &str, extra: &str) {
        let m1 = migrator(base, "v1", extra);
        let tpl1 = TestDatabase::template_name(&m1);
        assert!(tpl1.starts_with(TEMPLATE_PREFIX) && tpl1.len() == TEMPLATE_PREFIX.len() + 16);
        let _g1 = template_guard(server, &tpl1);

        let db1 = TestDatabase::new(&m1, server).await.expect("first");
        let db2 = TestDatabase::new(&m1, server).await.expect("second");
        assert_ne!(db1.url(), db2.url());
        assert!(db1.name().starts_with(TEST_PREFIX) && db1.name().len() == TEST_PREFIX.len() + 12);
        assert!(exists(server, &tpl1).await, "template {tpl1}");
        for db in [&db1, &db2] {
            assert_eq!(query(db.url(), "SELECT name FROM items").await, ["seeded"]);
            assert_eq!(query(db.url(), "SELECT label FROM tags").await, ["v1"]);
            // The clone carries the version table: nothing is pending for the migrator.
            assert!(m1.plan(db.url()).await.expect("plan").is_empty());
        }

        statement(db1.url(), "INSERT INTO items (id, name) VALUES (2, 'mine')")
            .await
            .expect("insert");
        assert_eq!(
            query(db1.url(), "SELECT name FROM items ORDER BY id").await,
            ["seeded", "mine"]
        );
        assert_eq!(query(db2.url(), "SELECT name FROM items").await, ["seeded"]);
        // Foreign keys came along.
        let err = statement(
            db2.url(),
            "INSERT INTO tags (id, item_id, label) VALUES (9, 999, 'x')",
        )
        .await
        .expect_err("foreign key");
        assert!(err.to_lowercase().contains("foreign key"), "{err}");

        let files = tempfile::tempdir().expect("tempdir");
        let fixture = files.path().join("fixture.sql");
        std::fs::write(
            &fixture,
            "INSERT INTO items (id, name) VALUES (3, 'fixture');\nUPDATE tags SET label = 'fixed';\n",
        )
        .expect("write");
        db2.apply_fixtures(&[&fixture]).await.expect("fixtures");
        assert_eq!(
            query(db2.url(), "SELECT name FROM items ORDER BY id").await,
            ["seeded", "fixture"]
        );
        assert_eq!(query(db2.url(), "SELECT label FROM tags").await, ["fixed"]);
        let bad = files.path().join("bad.sql");
        std::fs::write(&bad, "INSERT INTO nowhere VALUES (1);\n").expect("write");
        let err = db2.apply_fixtures(&[&bad]).await.expect_err("bad fixture");
        assert!(matches!(err, TestDbError::Fixture { .. }), "{err}");
        assert!(err.to_string().contains("bad.sql"), "{err}");

        // An edited revision: a new template, the old one removed.
        let m2 = migrator(base, "v2", extra);
        let tpl2 = TestDatabase::template_name(&m2);
        let _g2 = template_guard(server, &tpl2);
        assert_ne!(tpl1, tpl2);
        let db3 = TestDatabase::new(&m2, server).await.expect("third");
        assert_eq!(query(db3.url(), "SELECT label FROM tags").await, ["v2"]);
        assert!(exists(server, &tpl2).await, "new template {tpl2}");
        assert!(
            !exists(server, &tpl1).await,
            "old template {tpl1} was not removed"
        );
        if server.starts_with("postgres") {
            // PostgreSQL keeps a spare copy of the template, which goes with it.
            assert!(exists(server, &pg::keeper(&tpl2)).await, "keeper of {tpl2}");
            assert!(
                !exists(server, &pg::keeper(&tpl1)).await,
                "keeper of {tpl1}"
            );
        }

        let names: Vec<String> = [&db1, &db2, &db3]
            .iter()
            .map(|d| d.name().to_string())
            .collect();
        for name in &names {
            assert!(exists(server, name).await, "{name}");
        }
        db1.drop_database().await.expect("drop");
        drop(db2); // by Drop
        db3.drop_database().await.expect("drop");
        for name in &names {
            assert!(!exists(server, name).await, "{name} left behind");
        }
        drop_template(server, &tpl2).await;
        assert!(!exists(server, &tpl2).await);
    }

    fn sqlite_server(dir: &Path) -> String {
        format!("sqlite://{}", dir.display())
    }

    fn file_names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn sqlite_tests_share_a_template_and_get_their_own_copies() {
        let dir = tempfile::tempdir().expect("tempdir");
        let server = sqlite_server(&dir.path().join("dbs"));
        share_isolate_renew(&server, "sq", "").await;
        // Only the lock file is left (the last template was dropped by the scenario).
        assert_eq!(file_names(&dir.path().join("dbs")), [LOCK_FILE]);
    }

    #[tokio::test]
    async fn sqlite_two_databases_share_one_template_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let server = sqlite_server(dir.path());
        let m = migrator("sq2", "v1", "");
        let tpl = format!("{}.db", TestDatabase::template_name(&m));
        // Three first tests at once: one builds, the others wait and reuse it.
        let (a, b, c) = tokio::join!(
            TestDatabase::new(&m, &server),
            TestDatabase::new(&m, &server),
            TestDatabase::new(&m, &server)
        );
        let (a, b, c) = (a.expect("a"), b.expect("b"), c.expect("c"));
        let mut expected = vec![
            format!("{}.db", a.name()),
            format!("{}.db", b.name()),
            format!("{}.db", c.name()),
            LOCK_FILE.to_string(),
            tpl.clone(),
        ];
        expected.sort();
        assert_eq!(file_names(dir.path()), expected);
        a.drop_database().await.expect("drop");
        b.drop_database().await.expect("drop");
        drop(c);
        assert_eq!(file_names(dir.path()), [LOCK_FILE.to_string(), tpl]);
    }

    #[tokio::test]
    async fn sqlite_a_failed_migration_leaves_no_template() {
        let dir = tempfile::tempdir().expect("tempdir");
        let server = sqlite_server(dir.path());
        let m = migrator("sq3", "v1", "INSERT INTO nowhere VALUES (1);");
        let err = TestDatabase::new(&m, &server).await.expect_err("fails");
        assert!(matches!(err, TestDbError::Migrate { .. }), "{err}");
        assert!(
            err.to_string().contains(&TestDatabase::template_name(&m)),
            "{err}"
        );
        assert_eq!(file_names(dir.path()), [LOCK_FILE]);
        // A builder that crashed left its file: the next build removes it.
        let m = migrator("sq3", "v1", "");
        let leftover = format!("{}.building.4000000.db", TestDatabase::template_name(&m));
        std::fs::write(dir.path().join(&leftover), b"half").expect("write");
        let db = TestDatabase::new(&m, &server).await.expect("builds");
        assert!(!dir.path().join(&leftover).exists());
        db.drop_database().await.expect("drop");
    }

    #[tokio::test]
    async fn sqlite_the_lock_makes_a_builder_wait() {
        let dir = tempfile::tempdir().expect("tempdir");
        let server = sqlite_server(dir.path());
        let held = sqlite::lock(dir.path()).await.expect("lock");
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            drop(held);
        });
        let start = Instant::now();
        let db = TestDatabase::new(&migrator("sq4", "v1", ""), &server)
            .await
            .expect("new");
        assert!(
            start.elapsed() >= Duration::from_millis(250),
            "did not wait"
        );
        release.await.expect("task");
        db.drop_database().await.expect("drop");
    }

    #[tokio::test]
    async fn sqlite_a_lock_file_left_behind_does_not_block() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(LOCK_FILE), b"12345\n").expect("write");
        let start = Instant::now();
        let db = TestDatabase::new(&migrator("sq5", "v1", ""), &sqlite_server(dir.path()))
            .await
            .expect("new");
        assert!(start.elapsed() < Duration::from_secs(5));
        db.drop_database().await.expect("drop");
    }

    const HOLD_ENV: &str = "CS_TESTING_HOLD_LOCK";

    /// Not a test on its own: run by the next test as a child process, it takes the lock in
    /// the directory `CS_TESTING_HOLD_LOCK`, says so, and sleeps until it is killed.
    #[tokio::test]
    async fn lock_holder_child() {
        let Some(dir) = std::env::var_os(HOLD_ENV) else {
            return;
        };
        let dir = PathBuf::from(dir);
        let _held = sqlite::lock(&dir).await.expect("lock");
        std::fs::write(dir.join("held"), b"").expect("write");
        tokio::time::sleep(Duration::from_secs(120)).await;
    }

    #[tokio::test]
    async fn sqlite_a_lock_held_by_a_killed_process_does_not_block() {
        let dir = tempfile::tempdir().expect("tempdir");
        let exe = std::env::current_exe().expect("test binary");
        let mut child = std::process::Command::new(exe)
            .args([
                "testing::tests::lock_holder_child",
                "--exact",
                "--nocapture",
            ])
            .env(HOLD_ENV, dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !dir.path().join("held").exists() {
            assert!(child.try_wait().expect("wait").is_none(), "child exited");
            assert!(Instant::now() < deadline, "child never took the lock");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let probe = File::open(dir.path().join(LOCK_FILE)).expect("open");
        assert!(
            matches!(probe.try_lock(), Err(TryLockError::WouldBlock)),
            "the child holds the lock"
        );
        drop(probe);
        child.kill().expect("kill"); // a crash: no unlock, no clean-up
        child.wait().expect("wait");
        let start = Instant::now();
        let db = tokio::time::timeout(
            Duration::from_secs(30),
            TestDatabase::new(&migrator("sq6", "v1", ""), &sqlite_server(dir.path())),
        )
        .await
        .expect("hung on a dead process's lock")
        .expect("new");
        assert!(start.elapsed() < Duration::from_secs(5));
        db.drop_database().await.expect("drop");
    }

    #[tokio::test]
    async fn bad_servers_are_errors_without_passwords() {
        let m = migrator("nopw", "v1", "");
        for server in [
            "postgres://app:hunter2@127.0.0.1:1/postgres",
            "mysql://app:hunter2@127.0.0.1:1/test",
            "oracle://app:hunter2@127.0.0.1/x",
        ] {
            let err = TestDatabase::new(&m, server).await.expect_err(server);
            let text = format!("{err} {err:?}");
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains("127.0.0.1"), "{text}");
        }
        let err = TestDatabase::new(&m, "sqlite::memory:")
            .await
            .expect_err("memory");
        assert!(matches!(err, TestDbError::Server { .. }), "{err}");
    }

    #[test]
    fn the_template_name_covers_ids_and_checksums_only() {
        let a = TestDatabase::template_name(&migrator("nm", "v1", ""));
        assert_eq!(a, TestDatabase::template_name(&migrator("nm", "v1", "")));
        assert_ne!(a, TestDatabase::template_name(&migrator("nm", "v2", "")));
        assert_ne!(a, TestDatabase::template_name(&migrator("nn", "v1", "")));
        // The down section does not count (checksums cover the up section).
        assert_eq!(
            app_key(&migrator("nm", "v1", "")),
            app_key(&migrator("nm", "v2", ""))
        );
        assert_ne!(
            app_key(&migrator("nm", "v1", "")),
            app_key(&migrator("nn", "v1", ""))
        );
    }

    #[test]
    fn local_postgres_servers_skip_the_tls_handshake_unless_told_otherwise() {
        assert_eq!(
            without_local_tls("postgres://u:p@127.0.0.1:5432/postgres"),
            "postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable"
        );
        assert!(
            without_local_tls("postgresql://localhost/db?x=1").ends_with("?x=1&sslmode=disable")
        );
        for kept in [
            "postgres://127.0.0.1/db?sslmode=require",
            "postgres://db.example.com/db",
            "mysql://root@127.0.0.1/db",
        ] {
            assert_eq!(without_local_tls(kept), kept);
        }
    }

    #[tokio::test]
    async fn postgres_tests_share_a_template_and_get_their_own_copies() {
        if reachable(PG).await {
            share_isolate_renew(PG, "pgshare", "").await;
        }
    }

    #[tokio::test]
    async fn postgres_a_crashed_builder_is_cleaned_up_and_other_apps_are_kept() {
        if !reachable(PG).await {
            return;
        }
        let other = migrator("pgother", "v1", "");
        let other_tpl = TestDatabase::template_name(&other);
        let _g1 = template_guard(PG, &other_tpl);
        let kept = TestDatabase::new(&other, PG).await.expect("other app");

        let m = migrator("pgcrash", "v1", "");
        let tpl = TestDatabase::template_name(&m);
        let _g2 = template_guard(PG, &tpl);
        // What a build that crashed (in this or an earlier run) leaves behind.
        let leftover = format!("{tpl}_building_4000000");
        let _g3 = template_guard(PG, &leftover);
        statement(PG, &format!("CREATE DATABASE \"{leftover}\""))
            .await
            .expect("create leftover");
        let note = pg::comment(&app_key(&m));
        statement(
            PG,
            &format!("COMMENT ON DATABASE \"{leftover}\" IS '{note}'"),
        )
        .await
        .expect("comment");
        let db = TestDatabase::new(&m, PG).await.expect("new");
        assert_eq!(query(db.url(), "SELECT name FROM items").await, ["seeded"]);
        assert!(
            !exists(PG, &leftover).await,
            "the crashed build was not removed"
        );
        assert!(
            exists(PG, &other_tpl).await,
            "another app's template was removed"
        );

        // A failing revision leaves neither a template nor a half-built database.
        let bad = migrator("pgcrash", "v2", "INSERT INTO nowhere VALUES (1);");
        let err = TestDatabase::new(&bad, PG).await.expect_err("fails");
        assert!(matches!(err, TestDbError::Migrate { .. }), "{err}");
        let bad_tpl = TestDatabase::template_name(&bad);
        assert!(!exists(PG, &bad_tpl).await);
        let building = format!("{bad_tpl}_building_{}", std::process::id());
        assert!(!exists(PG, &building).await);

        db.drop_database().await.expect("drop");
        kept.drop_database().await.expect("drop");
        drop_template(PG, &tpl).await;
        drop_template(PG, &other_tpl).await;
    }

    #[tokio::test]
    async fn mysql_tests_share_a_template_and_get_their_own_copies() {
        if reachable(MY).await {
            // A generated column: recomputed in the copy, not inserted.
            let extra = "ALTER TABLE items ADD COLUMN shout VARCHAR(40) AS (UPPER(name)) VIRTUAL;";
            share_isolate_renew(MY, "myshare", extra).await;
        }
    }

    #[tokio::test]
    async fn mysql_an_unfinished_template_is_rebuilt_and_other_apps_are_kept() {
        if !reachable(MY).await {
            return;
        }
        let other = migrator("myother", "v1", "");
        let other_tpl = TestDatabase::template_name(&other);
        let _g1 = template_guard(MY, &other_tpl);
        let kept = TestDatabase::new(&other, MY).await.expect("other app");

        let m = migrator("mycrash", "v1", "");
        let tpl = TestDatabase::template_name(&m);
        let _g2 = template_guard(MY, &tpl);
        // What a builder that crashed halfway leaves: the database without its marker.
        statement(MY, &format!("CREATE DATABASE `{tpl}`"))
            .await
            .expect("create");
        statement(MY, &format!("CREATE TABLE `{tpl}`.half (id INTEGER)"))
            .await
            .expect("create");
        let db = TestDatabase::new(&m, MY).await.expect("new");
        assert_eq!(query(db.url(), "SELECT name FROM items").await, ["seeded"]);
        let tables = query(
            db.url(),
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name",
        )
        .await;
        assert_eq!(
            tables,
            ["items", "schema_version", "schema_version_meta", "tags"]
        );
        assert!(
            exists(MY, &other_tpl).await,
            "another app's template was removed"
        );

        // A failing revision leaves no template behind.
        let bad = migrator("mycrash", "v2", "INSERT INTO nowhere VALUES (1);");
        let err = TestDatabase::new(&bad, MY).await.expect_err("fails");
        assert!(matches!(err, TestDbError::Migrate { .. }), "{err}");
        assert!(!exists(MY, &TestDatabase::template_name(&bad)).await);

        db.drop_database().await.expect("drop");
        kept.drop_database().await.expect("drop");
        drop_template(MY, &tpl).await;
        drop_template(MY, &other_tpl).await;
    }
}
