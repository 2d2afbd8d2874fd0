//! Transaction mode (PostgreSQL): every test runs inside a transaction on one shared migrated
//! database and the transaction is rolled back at the end, as Django's `TestCase` and Rails'
//! transactional tests do. No database is created per test, so a test's set-up is a
//! connection and one round trip instead of a `CREATE DATABASE` (~0.06 s here) or a replay of
//! every revision.
//!
//! **Which to pick on PostgreSQL.** Transaction mode is the default to reach for, at the head
//! and at a revision: a test's set-up is ~20 ms idle (50–60 ms with the machine loaded)
//! against ~0.4 s (loaded: 1.3–2 s) for a clone and ~3 s (loaded: 5 s) for replaying 200
//! revisions (`bench/testdb.sh`, `AT=head-50 bench/testdb.sh`). A clone cannot get much
//! cheaper: `CREATE DATABASE … TEMPLATE` writes the whole template (`STRATEGY FILE_COPY`
//! measured 6–8 times slower than the default `WAL_LOG` for a 200-table template on
//! PostgreSQL 15, as it checkpoints twice). Use a database per test ([`TestDatabase::new`],
//! [`TestDatabase::at`], `#[schema_core::test]` without `transaction`) for a test that must
//! commit, that uses more than one connection (a pool, concurrency, a second session that must
//! see the writes), that steps through a revision with `transaction:false`, or that runs what
//! a transaction cannot hold; and for migration tests that step while many other tests run
//! against the same revision (a stepping test holds its locks until its end). On SQLite and
//! MySQL/MariaDB there is only the database per test.
//!
//! The shared database is `<template>_tx`, a copy of the template (see the module above) made
//! once, under the same cross-process lock, by the first test that needs it; like the template
//! it stays on the server for the next run, and goes with the template when the revisions
//! change (it carries the template's comment, so the next build of this application removes
//! it as stale). At a revision the template is the one at that revision (see the `at`
//! module), so each revision tests run at has its own shared database.
//!
//! Steps ([`TestTransaction::up_one`], …) run inside the test's transaction with the runner
//! the CLI uses, each under a savepoint (the runner sees a connection already in a
//! transaction), and are rolled back with the rest; the first step takes a transaction-level
//! advisory lock, so that tests stepping the same shared database take turns instead of
//! deadlocking on each other's DDL.
//!
//! A test cannot commit into it:
//! - the transaction is opened through sqlx (`begin`), so a `conn.begin()` … `commit()` in the
//!   code under test becomes a savepoint and its release, as on a connection that is already in
//!   a transaction;
//! - a raw `COMMIT` (or `END`) fails: the transaction holds a row in a temporary table whose
//!   deferred constraint trigger raises an error at commit time, so PostgreSQL rolls the
//!   transaction back instead, and the test sees an error that says this mode cannot commit;
//! - after a raw `ROLLBACK` the session is read-only (`default_transaction_read_only`, set
//!   when connecting), so a later write fails instead of committing on its own;
//! - [`TestTransaction::rollback`] checks that the transaction is still the one it opened and
//!   returns [`TestDbError::TransactionEnded`] if the test ended it.
//!
//! Dropping a [`TestTransaction`] (a test that panics, or one that just lets it go) closes the
//! connection, and the server rolls the transaction back.
//!
//! Limits: tests run at the same time share the database, so two that write the same unique
//! key (or lock the same rows) wait for each other, the second until the first one's rollback;
//! sequences are not transactional (`nextval` is not undone, so ids keep growing from
//! test to test); `SET CONSTRAINTS ALL IMMEDIATE` fires the guard's trigger and fails with the
//! same message (name the constraints instead); DDL is rolled back too, but a test that changes
//! the schema holds locks that block the other tests; and anything a transaction cannot hold
//! (`CREATE DATABASE`, `VACUUM`, `CREATE INDEX CONCURRENTLY`, work seen by a second connection)
//! needs a database of its own ([`TestDatabase::new`]).

use std::ops::{Deref, DerefMut};
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use super::*;
use crate::db::Dialect;
use crate::migrate::Report;
use crate::plan::Direction;
use crate::target::Target;

/// The temporary table (and its trigger and function) that makes a commit fail.
const GUARD: &str = "cs_test_no_commit";

/// What the guard raises when a test commits.
const NO_COMMIT: &str = "cargo-schema: a test in transaction mode cannot commit (its writes are \
                         rolled back at the end of the test)";
const NO_COMMIT_HINT: &str = "use a database per test (TestDatabase::new, or \
                              #[schema_core::test] without `transaction`) for a test that must \
                              commit";

/// A connection inside a transaction on the shared migrated database of a run, rolled back at
/// the end of the test. Dereferences to the [`PgConnection`] (`&mut *tx` is an executor).
///
/// ```no_run
/// # async fn t() -> Result<(), Box<dyn std::error::Error>> {
/// use schema_core::testing::TestTransaction;
///
/// let migrator = schema_core::Migrator::from_dir("migrations")?;
/// let mut tx = TestTransaction::begin(&migrator, "postgres://postgres@127.0.0.1/postgres").await?;
/// sqlx::query("INSERT INTO todos (title) VALUES ('a')").execute(&mut *tx).await?;
/// tx.rollback().await?; // or let it go out of scope
/// # Ok(()) }
/// ```
///
/// At a revision ([`TestTransaction::at`], or [`TestDatabaseBuilder::transaction`]), the
/// shared database is the template at that revision's `_tx` copy, and the test steps it
/// inside its transaction ([`TestTransaction::up_one`], …), with the runner the CLI uses: each
/// step runs under a savepoint, so a step that fails is undone and the test goes on; all of it
/// is rolled back at the end of the test, DDL included. A revision that runs outside a
/// transaction (`transaction:false`) cannot step this way: the step is refused before anything
/// runs (use a database per test, [`TestDatabase::at`]). The first step takes a lock held until
/// the end of the test, so tests that step the same shared database run one after the other
/// (and a test that reads a table a step changed waits for the stepping test's end).
pub struct TestTransaction {
    /// `None` only while a step has lent it to the runner.
    conn: Option<PgConnection>,
    database: String,
    server: String,
    /// For the steps.
    migrator: Migrator,
    /// Whether this transaction holds the steps' lock.
    stepping: bool,
}

impl std::fmt::Debug for TestTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestTransaction")
            .field("database", &self.database)
            .field("server", &self.server)
            .finish()
    }
}

impl TestTransaction {
    /// A connection to the run's shared database, migrated to `migrator`'s target (made from
    /// the template by the first test that needs it), inside a transaction.
    ///
    /// `server` is the URL of a PostgreSQL server's maintenance database
    /// (`postgres://…/postgres`); other servers are an error (use [`TestDatabase::new`]).
    pub async fn begin(migrator: &Migrator, server: &str) -> Result<TestTransaction, TestDbError> {
        TestDatabase::builder(migrator).transaction(server).await
    }

    /// A connection inside a transaction on the run's shared database at `target` (any target
    /// of the grammar), made from the template at that revision:
    /// `TestDatabase::builder(migrator).at(target).transaction(server)`.
    pub async fn at(
        migrator: &Migrator,
        server: &str,
        target: &str,
    ) -> Result<TestTransaction, TestDbError> {
        TestDatabase::builder(migrator)
            .at(target)
            .transaction(server)
            .await
    }

    /// Begins on the shared database `<template>_tx`, made from `template` (built by
    /// `migrated` when missing); steps run with `migrator`.
    pub(super) async fn begin_on(
        migrator: &Migrator,
        migrated: &Migrator,
        template: &str,
        server: &str,
    ) -> Result<TestTransaction, TestDbError> {
        let url = match Server::parse(server)? {
            Server::Db(url) if url.dialect == Dialect::Postgres => url,
            other => {
                return Err(TestDbError::Server {
                    redacted: other.redacted(),
                    reason: "transaction mode needs a PostgreSQL server \
                             (`postgres://…/postgres`); use TestDatabase::new (a database \
                             per test) on SQLite and MySQL"
                        .to_string(),
                });
            }
        };
        let database = shared(template);
        let what = format!("connecting to the shared test database `{database}`");
        // The session is read-only by default, from its start (a `SET` in the transaction
        // would be undone with it): only the test's transaction may write.
        let options = PgConnectOptions::from_str(url.with_database(&database)?.secret())
            .map_err(|e| query_error(&url, &what, &e))?
            .options([("default_transaction_read_only", "on")]);
        // Straight to the shared database; through the maintenance database only to make it.
        let mut conn = match PgConnection::connect_with(&options).await {
            Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("3D000") => {
                let new = NewDatabase {
                    migrator: migrated,
                    server: &url,
                    template,
                    app: &app_key(migrator),
                    name: &database,
                };
                ensure_shared(&new).await?;
                PgConnection::connect_with(&options).await
            }
            connected => connected,
        }
        .map_err(|e| query_error(&url, &what, &e))?;
        // One round trip: a read-write transaction, and the guard that makes its commit fail.
        let begin = format!(
            "BEGIN READ WRITE;\n\
             CREATE TEMPORARY TABLE {GUARD} (x integer);\n\
             CREATE FUNCTION pg_temp.{GUARD}() RETURNS trigger LANGUAGE plpgsql AS \
             $cs$BEGIN RAISE EXCEPTION '{NO_COMMIT}' USING HINT = '{NO_COMMIT_HINT}'; END$cs$;\n\
             CREATE CONSTRAINT TRIGGER {GUARD} AFTER INSERT ON pg_temp.{GUARD} \
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pg_temp.{GUARD}();\n\
             INSERT INTO pg_temp.{GUARD} VALUES (1);"
        );
        let what = format!("beginning the test transaction on `{database}`");
        let tx = conn
            .begin_with(AssertSqlSafe(begin))
            .await
            .map_err(|e| query_error(&url, &what, &e))?;
        // The transaction stays open for the test: sqlx counts the connection as inside one
        // (so the code under test gets savepoints, and so do the steps' runner), and the
        // value only borrowed `conn`.
        std::mem::forget(tx);
        Ok(TestTransaction {
            conn: Some(conn),
            database,
            server: url.redacted(),
            migrator: migrator.clone(),
            stepping: false,
        })
    }

    /// The shared database `migrator`'s revisions make: the template's name and `_tx`.
    pub fn shared_name(migrator: &Migrator) -> String {
        shared(&TestDatabase::template_name(migrator))
    }

    /// The shared database at `target`: the name of the template at `target` and `_tx`; a
    /// target that does not resolve is [`TestDbError::Target`].
    pub fn shared_name_at(migrator: &Migrator, target: &str) -> Result<String, TestDbError> {
        TestDatabase::template_name_at(migrator, target).map(|t| shared(&t))
    }

    /// The shared database's name.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Runs SQL files inside the test's transaction, in order, each as one batch of
    /// statements (rolled back with the rest at the end of the test).
    pub async fn apply_fixtures(&mut self, files: &[&Path]) -> Result<(), TestDbError> {
        for path in files {
            let sql = std::fs::read_to_string(path).map_err(|source| TestDbError::Io {
                what: "cannot read the fixture",
                path: path.to_path_buf(),
                source,
            })?;
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut **self)
                .await
                .map_err(|e| TestDbError::Fixture {
                    path: path.to_path_buf(),
                    message: database_message(&e),
                })?;
        }
        Ok(())
    }

    /// Applies the next revision (`+1`) inside the test's transaction, with the runner
    /// `cargo schema up` uses (each step under a savepoint: one that fails is undone, and its
    /// error says the revision, file:line and the database's message).
    pub async fn up_one(&mut self) -> Result<Report, MigrateError> {
        self.step(Direction::Up, "+1").await
    }

    /// Applies what `target` needs (`head`, an id, `+2`, `auth@head`, …), inside the test's
    /// transaction.
    pub async fn up_to(&mut self, target: &str) -> Result<Report, MigrateError> {
        self.step(Direction::Up, target).await
    }

    /// Rolls back the current revision (`-1`) inside the test's transaction.
    pub async fn down_one(&mut self) -> Result<Report, MigrateError> {
        self.step(Direction::Down, "-1").await
    }

    /// Rolls back down to `target` (`base`, an id, `-2`, …) inside the test's transaction.
    pub async fn down_to(&mut self, target: &str) -> Result<Report, MigrateError> {
        self.step(Direction::Down, target).await
    }

    /// The ids of the revisions the version table records as applied, as the test's
    /// transaction sees them, in the order they were applied.
    pub async fn applied(&mut self) -> Result<Vec<String>, MigrateError> {
        self.with_runner(async |m| {
            crate::migrate::state(&mut m.conn, &m.table, m.graph)
                .await
                .map(|s| s.rows.into_iter().map(|r| r.revision).collect())
        })
        .await
    }

    async fn step(&mut self, direction: Direction, target: &str) -> Result<Report, MigrateError> {
        let target: Target = target.parse()?;
        if !self.stepping {
            // Held until the transaction ends: tests stepping the same shared database take
            // turns, instead of deadlocking on each other's DDL.
            let sql = format!("SELECT pg_advisory_xact_lock({})", step_lock_key());
            sqlx::raw_sql(AssertSqlSafe(sql.clone()))
                .execute(&mut **self)
                .await
                .map_err(|e| DbError::query(e, &sql))?;
            self.stepping = true;
        }
        self.with_runner(async |m| {
            // The lock above stands for the run's lock, which would be the session's.
            m.options.lock = crate::config::LockMode::None;
            match direction {
                Direction::Up => m.upgrade(&target, &mut |_| {}).await,
                Direction::Down => m.downgrade(&target, &mut |_| {}).await,
            }
        })
        .await
    }

    /// Lends the connection (inside the test's transaction) to the runner for `work`.
    async fn with_runner<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut crate::migrate::Migration<'_>) -> Result<T, MigrateError>,
    ) -> Result<T, MigrateError> {
        let Some(conn) = self.conn.take() else {
            return Err(lent(&self.database));
        };
        let conn = Conn::Postgres(crate::db::Handle::Owned(conn));
        let migrator = self.migrator.clone();
        let mut m = migrator.migration(conn, None);
        let result = work(&mut m).await;
        #[allow(unreachable_patterns)]
        match m.conn {
            Conn::Postgres(crate::db::Handle::Owned(conn)) => self.conn = Some(conn),
            _ => return Err(lent(&self.database)),
        }
        result
    }

    /// Rolls the transaction back and closes the connection. An error if the test ended the
    /// transaction itself (a `COMMIT`, which failed, or a `ROLLBACK`): this mode cannot commit.
    pub async fn rollback(mut self) -> Result<(), TestDbError> {
        let Some(mut conn) = self.conn.take() else {
            return Ok(());
        };
        let check = format!("SELECT x FROM pg_temp.{GUARD}");
        let status = sqlx::raw_sql(AssertSqlSafe(check))
            .fetch_optional(&mut conn)
            .await;
        let ended = match status {
            Ok(row) => row.is_none(),
            // An aborted transaction (a statement of the test failed) is still ours.
            Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("25P02") => false,
            // The temporary table went with the transaction the test ended.
            Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("42P01") => true,
            Err(e) => {
                return Err(TestDbError::Query {
                    what: format!("checking the test transaction on `{}`", self.database),
                    server: self.server.clone(),
                    message: database_message(&e),
                });
            }
        };
        // Outside a transaction, a ROLLBACK only warns.
        let _ = sqlx::raw_sql(AssertSqlSafe("ROLLBACK".to_string()))
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
        if ended {
            return Err(TestDbError::TransactionEnded {
                database: std::mem::take(&mut self.database),
            });
        }
        Ok(())
    }
}

/// The error of a step whose connection was lost: a step before it was cancelled midway
/// (its future dropped), which took the connection and the transaction with it.
fn lent(database: &str) -> MigrateError {
    MigrateError::Db(DbError::Connect {
        redacted: database.to_string(),
        message: "the test transaction's connection was lost by a step that was cancelled \
                  midway; the transaction was rolled back"
            .to_string(),
    })
}

/// The shared database made from `template`.
fn shared(template: &str) -> String {
    format!("{template}_tx")
}

/// The lock (in the shared database) that a test takes at its first step.
fn step_lock_key() -> i64 {
    let digest = Sha256::digest(b"cargo-schema:test-transaction-steps");
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

impl Deref for TestTransaction {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        self.conn
            .as_ref()
            .expect("the test transaction's connection was lost by a cancelled step")
    }
}

impl DerefMut for TestTransaction {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.conn
            .as_mut()
            .expect("the test transaction's connection was lost by a cancelled step")
    }
}

/// Makes the shared database `new.name` from the template `new.template` if it is missing,
/// under the template lock (building the template first if needed).
async fn ensure_shared(new: &NewDatabase<'_>) -> Result<(), TestDbError> {
    let server = new.server;
    let mut conn = Conn::connect(server).await?;
    let result = async {
        // Made by one `CREATE DATABASE`: it exists only once complete.
        if pg::exists(&mut conn, server, new.name).await? {
            return Ok(());
        }
        pg::lock(&mut conn, server).await?;
        let made = match pg::exists(&mut conn, server, new.name).await {
            Ok(false) => make_shared(&mut conn, new).await,
            done => done.map(drop),
        };
        pg::unlock(&mut conn).await;
        made
    }
    .await;
    conn.close().await;
    result
}

async fn make_shared(conn: &mut Conn, new: &NewDatabase<'_>) -> Result<(), TestDbError> {
    let (server, template, name) = (new.server, new.template, new.name);
    pg::build(conn, new).await?;
    let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
    if let Err(e) = conn.execute_while_in_use(&sql).await {
        let what = format!("creating the shared test database `{name}` from `{template}`");
        return Err(query_error(server, &what, &e));
    }
    // The template's comment: the next build of this application drops it when stale.
    let sql = format!(
        "COMMENT ON DATABASE \"{name}\" IS '{}'",
        pg::comment(new.app)
    );
    let what = format!("marking the shared test database `{name}`");
    run(conn, server, &what, &sql).await
}
