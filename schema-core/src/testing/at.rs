//! A test database at any revision, and steps from there with the runner the CLI uses.
//!
//! ```no_run
//! # async fn t() -> Result<(), Box<dyn std::error::Error>> {
//! use schema_core::testing::TestDatabase;
//!
//! let migrator = schema_core::Migrator::from_dir("migrations")?;
//! let server = "postgres://postgres@127.0.0.1/postgres";
//! // Cloned from a template at `head-1` (built once per run, named by what it holds).
//! let db = TestDatabase::builder(&migrator).at("head-1").create(server).await?;
//! // … insert the rows the next revision must migrate, through db.url() …
//! let report = db.up_one().await?; // or the revision's error: file:line and the message
//! assert_eq!(report.steps.len(), 1);
//! // … assert on the migrated rows, then db.down_one() and assert they are restored …
//! # Ok(()) }
//! ```
//!
//! The template at a revision is named `cs_tpl_`, the 16 hex digits of every revision's id
//! and checksum (as the head template), `_`, and 16 hex digits over the ids and checksums of
//! the revisions it holds. Templates of the same revisions (at head and at any revision)
//! are kept beside each other; an edit to any revision makes them all stale, and they are
//! removed as the head template is.

use super::*;
use crate::migrate::Report;
use crate::plan::{Direction, PlanError};
use crate::target::Target;

/// Makes a [`TestDatabase`]: at the migrator's target (as [`TestDatabase::new`]) or, with
/// [`Self::at`], at any target of the grammar.
#[derive(Debug, Clone)]
pub struct TestDatabaseBuilder<'m> {
    migrator: &'m Migrator,
    at: Option<String>,
}

impl<'m> TestDatabaseBuilder<'m> {
    /// Migrates the test database to `target` (an id, a unique prefix, `head-1`,
    /// `auth@head`, `base`, …) instead of the migrator's target. Resolved from an empty
    /// database when [`Self::create`] runs.
    pub fn at(mut self, target: &str) -> Self {
        self.at = Some(target.to_string());
        self
    }

    /// Makes the database on `server` (see [`TestDatabase::new`] for what a server is).
    ///
    /// A target that does not resolve is [`TestDbError::Target`], before anything is made.
    pub async fn create(self, server: &str) -> Result<TestDatabase, TestDbError> {
        let (migrated, template) = self.resolve()?;
        TestDatabase::create(self.migrator, &migrated, &template, server).await
    }

    /// Transaction mode (PostgreSQL): a connection inside a transaction on the run's shared
    /// database at the target, rolled back at the end of the test, instead of a database of
    /// its own (see [`TestTransaction`]). The shared database is a copy of the template at the
    /// target, made once.
    #[cfg(feature = "postgres")]
    pub async fn transaction(self, server: &str) -> Result<super::TestTransaction, TestDbError> {
        let (migrated, template) = self.resolve()?;
        super::TestTransaction::begin_on(self.migrator, &migrated, &template, server).await
    }

    /// The migrator that builds the template, and the template's name.
    fn resolve(&self) -> Result<(Migrator, String), TestDbError> {
        let Some(text) = &self.at else {
            let template = TestDatabase::template_name(self.migrator);
            return Ok((self.migrator.clone(), template));
        };
        let (target, template) = at_template(self.migrator, text)?;
        Ok((self.migrator.clone().target(target), template))
    }
}

/// The target parsed, and the name of the template at it.
fn at_template(migrator: &Migrator, text: &str) -> Result<(Target, String), TestDbError> {
    let refused = |source: PlanError| TestDbError::Target {
        target: text.to_string(),
        source,
    };
    let target: Target = text.parse().map_err(|e| refused(PlanError::from(e)))?;
    let graph = migrator.graph();
    let plan = graph
        .plan_upgrade(&graph.empty_set(), &target)
        .map_err(refused)?;
    let held = plan.steps.iter().map(|s| &graph[s.revision]);
    let name = format!(
        "{}_{}",
        TestDatabase::template_name(migrator),
        revisions_hash(held)
    );
    Ok((target, name))
}

/// Whether `name` is a finished template of the same revisions as `template` (at head or at
/// any revision, or one's keeper): kept when stale templates are removed.
pub(super) fn same_revisions(name: &str, template: &str) -> bool {
    let set = template
        .get(..TEMPLATE_PREFIX.len() + 16)
        .unwrap_or(template);
    name.starts_with(set) && !name.contains("building")
}

impl TestDatabase {
    /// A builder: [`TestDatabaseBuilder::at`] a revision, then
    /// [`TestDatabaseBuilder::create`].
    pub fn builder(migrator: &Migrator) -> TestDatabaseBuilder<'_> {
        TestDatabaseBuilder { migrator, at: None }
    }

    /// A fresh database migrated to `target` (any target of the grammar), cloned from a
    /// template at that revision built once per run: `builder(migrator).at(target)
    /// .create(server)`.
    pub async fn at(
        migrator: &Migrator,
        server: &str,
        target: &str,
    ) -> Result<TestDatabase, TestDbError> {
        Self::builder(migrator).at(target).create(server).await
    }

    /// The name of the template at `target`; a target that does not resolve is
    /// [`TestDbError::Target`].
    pub fn template_name_at(migrator: &Migrator, target: &str) -> Result<String, TestDbError> {
        at_template(migrator, target).map(|(_, name)| name)
    }

    /// Applies the next revision (`+1`), with the runner `cargo schema up` uses.
    pub async fn up_one(&self) -> Result<Report, MigrateError> {
        self.step(Direction::Up, "+1").await
    }

    /// Applies what `target` needs (`head`, an id, `+2`, `auth@head`, …).
    pub async fn up_to(&self, target: &str) -> Result<Report, MigrateError> {
        self.step(Direction::Up, target).await
    }

    /// Rolls back the current revision (`-1`), with the runner `cargo schema down` uses.
    pub async fn down_one(&self) -> Result<Report, MigrateError> {
        self.step(Direction::Down, "-1").await
    }

    /// Rolls back down to `target` (`base`, an id, `-2`, …).
    pub async fn down_to(&self, target: &str) -> Result<Report, MigrateError> {
        self.step(Direction::Down, target).await
    }

    /// The ids of the revisions the version table records as applied, in the order they
    /// were applied.
    pub async fn applied(&self) -> Result<Vec<String>, MigrateError> {
        let url = DatabaseUrl::parse(&self.url, UrlSource::Flag)?;
        let conn = Conn::connect(&url).await?;
        let mut m = self.migrator.migration(conn, None);
        let state = crate::migrate::state(&mut m.conn, &m.table, m.graph).await;
        m.conn.close().await;
        Ok(state?.rows.into_iter().map(|r| r.revision).collect())
    }

    async fn step(&self, direction: Direction, target: &str) -> Result<Report, MigrateError> {
        let target: Target = target.parse()?;
        let url = DatabaseUrl::parse(&self.url, UrlSource::Flag)?;
        let conn = Conn::connect(&url).await?;
        let mut m = self.migrator.migration(conn, Some(url));
        let report = match direction {
            Direction::Up => m.upgrade(&target, &mut |_| {}).await,
            Direction::Down => m.downgrade(&target, &mut |_| {}).await,
        };
        m.conn.close().await;
        report
    }
}
