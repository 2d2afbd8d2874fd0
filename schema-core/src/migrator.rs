//! Migrating from an application: apply what is pending on start-up, with the same graph,
//! version table, locking, checksums and errors as `cargo schema up` (it runs the same
//! [`Migration`]; there is no second apply loop).
//!
//! ```no_run
//! # async fn start() -> Result<(), Box<dyn std::error::Error>> {
//! let migrator = schema_core::Migrator::from_dir("migrations")?;
//! let report = migrator.run("postgres://app@localhost/app").await?;
//! for (revision, _, took) in &report.steps {
//!     println!("applied {revision} in {took:?}");
//! }
//! # Ok(()) }
//! ```

use std::path::Path;
use std::sync::Arc;

use crate::config::LockMode;
use crate::db::{Conn, DatabaseUrl, UrlSource, VersionTable};
use crate::graph::RevisionGraph;
use crate::migrate::{self, MigrateError, Migration, Options, Report};
use crate::revision::{self, Revision};
use crate::target::Target;
use crate::{LoadError, ProjectError};

/// A set of revisions and how to apply them. Cheap to clone (the graph is shared).
#[derive(Debug, Clone)]
pub struct Migrator {
    graph: Arc<RevisionGraph>,
    target: Target,
    lock: LockMode,
    allow_edited: bool,
    version_table: String,
    lock_timeout: Option<std::time::Duration>,
    statement_timeout: Option<std::time::Duration>,
    lock_retries: u32,
}

impl Migrator {
    /// From parsed revisions.
    pub fn new(revisions: Vec<Revision>) -> Result<Self, ProjectError> {
        Ok(Migrator {
            graph: Arc::new(RevisionGraph::new(revisions)?),
            target: Target::head(),
            lock: LockMode::Advisory,
            allow_edited: false,
            version_table: "schema_version".to_string(),
            lock_timeout: None,
            statement_timeout: None,
            lock_retries: 0,
        })
    }

    /// From a directory read at run time (recursively, like the CLI).
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self, ProjectError> {
        Self::new(crate::source::load_dir(dir.as_ref())?.revisions)
    }

    /// From files embedded in the binary: `(path, contents)` pairs, as `include_str!` gives
    /// them. No file system access at run time.
    pub fn from_embedded(files: &[(&str, &str)]) -> Result<Self, ProjectError> {
        let mut revisions = Vec::with_capacity(files.len());
        let mut errors = Vec::new();
        for (path, text) in files {
            match revision::parse(Path::new(path), text) {
                Ok((r, _)) => revisions.push(r),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(LoadError::Parse { errors }.into());
        }
        Self::new(revisions)
    }

    /// Where to go (default `head`: an application refuses to start on several heads rather
    /// than upgrade half of them; `heads` applies all).
    pub fn target(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    pub fn lock(mut self, mode: LockMode) -> Self {
        self.lock = mode;
        self
    }

    /// Go on (instead of refusing) when applied revisions were edited since.
    pub fn allow_edited(mut self, allow: bool) -> Self {
        self.allow_edited = allow;
        self
    }

    pub fn version_table(mut self, name: &str) -> Self {
        self.version_table = name.to_string();
        self
    }

    /// Give up waiting for the migration lock after `timeout` with
    /// [`crate::db::DbError::LockTimeout`], which names the lock's holder (default: wait as
    /// long as it takes). Each revision's statements wait for the locks they need at most as
    /// long (PostgreSQL `lock_timeout`, MySQL/MariaDB `lock_wait_timeout` and
    /// `innodb_lock_wait_timeout`, SQLite's busy timeout).
    pub fn lock_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.lock_timeout = Some(timeout);
        self
    }

    /// Ends any one statement of a revision that runs longer than `timeout`: PostgreSQL
    /// `statement_timeout`, MariaDB `max_statement_time`; MySQL's `max_execution_time` bounds
    /// only `SELECT`s, and SQLite has none.
    pub fn statement_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.statement_timeout = Some(timeout);
        self
    }

    /// Tries a revision rolled back by a lock timeout again, whole, up to `retries` more
    /// times, waiting 0.5 s, 1 s, 2 s … (at most 8 s) in between. A revision that ran outside
    /// a transaction is tried again only when nothing of it had run.
    pub fn lock_retries(mut self, retries: u32) -> Self {
        self.lock_retries = retries;
        self
    }

    pub fn graph(&self) -> &RevisionGraph {
        &self.graph
    }

    /// Connects to `url` and applies what is pending.
    pub async fn run(&self, url: &str) -> Result<Report, MigrateError> {
        let url = DatabaseUrl::parse(url, UrlSource::Flag)?;
        let conn = Conn::connect(&url).await?;
        self.run_observed(conn, Some(url)).await
    }

    /// Applies what is pending over a connection from the application's pool (`&PgPool`,
    /// `&MySqlPool` or `&SqlitePool`); the connection goes back to the pool afterwards.
    pub async fn run_pool<'a>(
        &self,
        pool: impl Into<crate::db::Pool<'a>>,
    ) -> Result<Report, MigrateError> {
        let conn = Conn::from_pool(pool).await?;
        self.run_on(conn).await
    }

    /// Applies what is pending over a connection the application already has.
    pub async fn run_on(&self, conn: Conn) -> Result<Report, MigrateError> {
        self.run_observed(conn, None).await
    }

    /// [`Self::run_on`]; with `observe`, a lock timeout's error says what a revision waited
    /// for, asked over a second connection.
    async fn run_observed(
        &self,
        mut conn: Conn,
        observe: Option<DatabaseUrl>,
    ) -> Result<Report, MigrateError> {
        let table = VersionTable::new(&self.version_table).lock_timeout(self.lock_timeout);
        // The start-up path: when nothing is pending, one query and no lock.
        if let Some(plan) = self.pending_without_lock(&mut conn, &table).await?
            && plan.is_empty()
        {
            conn.close().await;
            return Ok(Report::default());
        }
        let mut m = self.migration(conn, observe);
        let report = m.upgrade(&self.target, &mut |_| {}).await;
        m.conn.close().await;
        report
    }

    /// A run over `conn` with this migrator's version table and options (the runner the CLI
    /// uses), for steps to any target.
    pub(crate) fn migration(&self, conn: Conn, observe: Option<DatabaseUrl>) -> Migration<'_> {
        Migration {
            graph: &self.graph,
            conn,
            table: VersionTable::new(&self.version_table).lock_timeout(self.lock_timeout),
            options: Options {
                lock: self.lock,
                allow_edited: self.allow_edited,
                statement_timeout: self.statement_timeout,
                lock_retries: self.lock_retries,
                observe,
                ..Options::default()
            },
        }
    }

    /// The revisions `run` would apply, without applying them (a dry run).
    pub async fn plan(&self, url: &str) -> Result<Vec<String>, MigrateError> {
        let url = DatabaseUrl::parse(url, UrlSource::Flag)?;
        let mut conn = Conn::connect(&url).await?;
        let table = VersionTable::new(&self.version_table);
        let state = migrate::state(&mut conn, &table, &self.graph).await;
        conn.close().await;
        let plan = self.graph.plan_upgrade(&state?.applied, &self.target)?;
        Ok(plan
            .steps
            .iter()
            .map(|s| self.graph.id(s.revision).to_string())
            .collect())
    }

    /// Reads the version table in one query and plans, when the table exists and is clean;
    /// `None` sends the caller down the full, locked path.
    async fn pending_without_lock(
        &self,
        conn: &mut Conn,
        table: &VersionTable,
    ) -> Result<Option<crate::Plan>, MigrateError> {
        let Ok(rows) = table.rows(conn).await else {
            return Ok(None); // no table yet
        };
        if rows.iter().any(|r| r.is_dirty()) {
            return Ok(None);
        }
        let state = migrate::State {
            applied: self
                .graph
                .applied_set(rows.iter().map(|r| r.revision.as_str()))?,
            rows,
        };
        if !self.allow_edited && !state.edited(&self.graph).is_empty() {
            return Ok(None);
        }
        Ok(Some(self.graph.plan_upgrade(&state.applied, &self.target)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "-- revision: a1\n-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n";
    const B: &str = "-- revision: b2\n-- revises: a1\n-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n";
    const C: &str = "-- revision: c3\n-- revises: a1\n-- migrate:up\nCREATE TABLE c (id INTEGER);\n-- migrate:down\nDROP TABLE c;\n";

    #[tokio::test]
    async fn embedded_revisions_apply_once_and_then_nothing_is_pending() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("app.db").display());
        let m = Migrator::from_embedded(&[("a1.sql", A), ("b2.sql", B)]).expect("valid");
        assert_eq!(m.plan(&url).await.expect("plan"), ["a1", "b2"]);
        assert_eq!(m.run(&url).await.expect("run").steps.len(), 2);
        assert!(m.run(&url).await.expect("run").steps.is_empty());
        assert!(m.plan(&url).await.expect("plan").is_empty());
    }

    #[tokio::test]
    async fn several_heads_refuse_to_start_unless_heads_is_the_target() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("app.db").display());
        let m =
            Migrator::from_embedded(&[("a1.sql", A), ("b2.sql", B), ("c3.sql", C)]).expect("valid");
        let err = m.run(&url).await.expect_err("multiple heads");
        assert!(err.to_string().contains("multiple heads"), "{err}");
        assert!(m.plan(&url).await.is_err());
        let m = m.target(Target::heads());
        assert_eq!(m.run(&url).await.expect("run").steps.len(), 3);
    }

    #[tokio::test]
    async fn a_database_ahead_of_the_binary_is_refused_and_never_rolled_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("app.db").display());
        Migrator::from_embedded(&[("a1.sql", A), ("b2.sql", B)])
            .expect("valid")
            .run(&url)
            .await
            .expect("run");
        let older = Migrator::from_embedded(&[("a1.sql", A)]).expect("valid");
        let err = older.run(&url).await.expect_err("refused");
        assert!(err.to_string().contains("can't locate"), "{err}");
        let newer = Migrator::from_embedded(&[("a1.sql", A), ("b2.sql", B)]).expect("valid");
        assert!(newer.run(&url).await.expect("run").steps.is_empty());
    }

    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn an_applications_pool_is_migrated_and_keeps_working() {
        use std::str::FromStr;
        let dir = tempfile::tempdir().expect("tempdir");
        let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&format!(
            "sqlite://{}",
            dir.path().join("app.db").display()
        ))
        .expect("options")
        .create_if_missing(true);
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(opts)
            .await
            .expect("pool");
        let m = Migrator::from_embedded(&[("a1.sql", A), ("b2.sql", B)]).expect("valid");
        assert_eq!(m.run_pool(&pool).await.expect("run").steps.len(), 2);
        assert!(m.run_pool(&pool).await.expect("run").steps.is_empty());
        sqlx::raw_sql("INSERT INTO b (id) VALUES (1)")
            .execute(&pool)
            .await
            .expect("the pool sees the migrated schema");
    }

    #[test]
    fn a_malformed_embedded_file_is_an_error_naming_it() {
        let err = Migrator::from_embedded(&[("bad.sql", "-- migrate:up\n")]).expect_err("bad");
        assert!(format!("{err:?}").contains("bad.sql"), "{err:?}");
    }
}
