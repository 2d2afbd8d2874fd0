//! Autogenerate: the revision that takes a database from its state to a declared schema.
//!
//! There is no DDL parser here: the declared schema is loaded into a scratch database of the
//! same kind, both databases are read back from their catalogs into [`model::Schema`], and
//! [`diff::diff`] compares the two. Each dialect's module reads its catalogs and renders the
//! changes as its statements.

pub mod confine;
pub mod diff;
pub mod generate;
pub mod model;
pub mod mysql;
pub mod postgres;
#[cfg(test)]
mod props;
mod render;
/// Scratch databases live in [`crate::scratch`], shared with lint; kept here by this path too.
pub use crate::scratch;
pub mod sqlite;

pub use diff::{Change, RenameCandidate, Renames};
pub use generate::{AutogenError, Generated, Refusal};
pub use model::Schema;
pub use scratch::{Scratch, Stop};

use crate::db::{Conn, DbError, Dialect, VersionTable};
#[cfg(test)]
use crate::db::{DatabaseUrl, UrlSource};

/// The statements for one change (or, for SQLite's table rebuild, for several).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Step {
    /// Why this can lose data or fail, written as a `-- WARNING:` comment above it.
    pub warning: Option<String>,
    /// The statements, without a trailing `;`.
    pub sql: Vec<String>,
}

/// A diff ready to render: both schemas, the confirmed renames, and the ordered changes.
#[derive(Debug, Clone)]
pub struct Diff {
    pub dialect: Dialect,
    pub from: Schema,
    pub to: Schema,
    pub renames: Renames,
    pub changes: Vec<Change>,
}

impl Diff {
    pub fn new(dialect: Dialect, from: &Schema, to: &Schema, renames: &Renames) -> Diff {
        Diff {
            dialect,
            from: from.clone(),
            to: to.clone(),
            renames: renames.clone(),
            changes: diff::diff_for(dialect, from, to, renames),
        }
    }

    /// The way back: from `to` to `from`.
    pub fn reverse(&self) -> Diff {
        Diff::new(self.dialect, &self.to, &self.from, &self.renames.inverse())
    }

    /// The statements in this dialect.
    pub fn render(&self) -> Vec<Step> {
        match self.dialect {
            Dialect::Sqlite => sqlite::render(self),
            Dialect::Postgres => postgres::render(self),
            Dialect::MySql => mysql::render(self),
        }
    }
}

/// Reads the schema of the database `conn` is connected to, leaving out the tables named in
/// `exclude` (the version table and its `_meta` table).
pub async fn introspect(conn: &mut Conn, exclude: &[&str]) -> Result<Schema, DbError> {
    match conn.dialect() {
        Dialect::Sqlite => sqlite::introspect(conn, exclude).await,
        Dialect::Postgres => postgres::introspect(conn, exclude).await,
        Dialect::MySql => mysql::introspect(conn, exclude).await,
    }
}

/// The application's schema: [`introspect`] without the tables `table` keeps.
pub async fn introspect_app(conn: &mut Conn, table: &VersionTable) -> Result<Schema, DbError> {
    let excluded = table.excluded();
    let names: Vec<&str> = excluded.iter().map(String::as_str).collect();
    introspect(conn, &names).await
}

/// Renders steps as the text of a section: each statement followed by `;`, warnings as
/// comments above their step.
pub fn section_text(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        if let Some(w) = &step.warning {
            out.push_str(&format!("-- WARNING: {w}\n"));
        }
        for sql in &step.sql {
            out.push_str(sql.trim_end());
            out.push_str(";\n");
        }
    }
    out
}

/// For tests against a server: the URL of the local test server of `dialect`
/// (`SCHEMA_TEST_POSTGRES_URL` / `SCHEMA_TEST_MYSQL_URL`, else the development machines'
/// defaults), or `None` with a visible skip when it does not answer. With `CI=true` a missing
/// server fails instead.
#[cfg(test)]
pub(crate) async fn test_server(dialect: Dialect) -> Option<DatabaseUrl> {
    let (var, default) = match dialect {
        Dialect::Postgres => (
            "SCHEMA_TEST_POSTGRES_URL",
            "postgres://postgres@127.0.0.1:5432/test",
        ),
        Dialect::MySql => ("SCHEMA_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"),
        Dialect::Sqlite => return DatabaseUrl::parse("sqlite::memory:", UrlSource::Flag).ok(),
    };
    let raw = std::env::var(var).unwrap_or_else(|_| default.to_string());
    let url = DatabaseUrl::parse(&raw, UrlSource::Flag).expect("test server url");
    crate::db::reachable_or_skip(&url).await.then_some(url)
}

/// Runs SQL text statement by statement (the splitter of revision files), for tests.
#[cfg(test)]
pub(crate) async fn run_sql(conn: &mut Conn, sql: &str) {
    for s in crate::split::split(sql, crate::migrate::split_dialect(conn.dialect()), 1) {
        if let Err(e) = conn.execute(&s.sql).await {
            panic!("line {}: {e}\n{}", s.line, s.sql);
        }
    }
}

/// The round trip every dialect's tests go through: a database holding `s1` gets the rendered
/// up section and then reads back equal to a database loaded with `s2`; the down section
/// brings it back to `s1`. `seed` runs after `s1` (data that must survive) and `check` after
/// the down section (a query whose rows, as text, must equal `expect`). Returns the up and
/// down sections' text. `None` when the server is not there (skipped).
#[cfg(test)]
pub(crate) async fn roundtrip_case(
    dialect: Dialect,
    s1: &str,
    s2: &str,
    seed: &str,
    check: Option<(&str, &[&str])>,
) -> Option<(String, String)> {
    let server = test_server(dialect).await?;
    let a = Scratch::create(&server).await.expect("scratch a");
    let b = Scratch::create(&server).await.expect("scratch b");
    let mut ca = Conn::connect(&a.url).await.expect("connect a");
    let mut cb = Conn::connect(&b.url).await.expect("connect b");
    let outcome = async {
        run_sql(&mut ca, s1).await;
        run_sql(&mut ca, seed).await;
        run_sql(&mut cb, s2).await;
        let m1 = introspect(&mut ca, &[]).await.expect("introspect s1");
        let m2 = introspect(&mut cb, &[]).await.expect("introspect s2");
        let diff = Diff::new(dialect, &m1, &m2, &Renames::default());
        let up = section_text(&diff.render());
        let down = section_text(&diff.reverse().render());
        run_sql(&mut ca, &up).await;
        let after_up = introspect(&mut ca, &[]).await.expect("introspect after up");
        assert!(
            after_up.same_as(&m2),
            "after up:\n{up}\n{after_up:#?}\n!=\n{m2:#?}"
        );
        run_sql(&mut ca, &down).await;
        let after_down = introspect(&mut ca, &[])
            .await
            .expect("introspect after down");
        assert!(
            after_down.same_as(&m1),
            "after down:\n{down}\n{after_down:#?}\n!=\n{m1:#?}"
        );
        if let Some((query, expect)) = check {
            let rows: Vec<String> = ca
                .fetch_strings(query)
                .await
                .expect("check query")
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|v| v.unwrap_or_else(|| "NULL".into()))
                        .collect::<Vec<_>>()
                        .join("|")
                })
                .collect();
            assert_eq!(rows, expect, "data after up and down");
        }
        (up, down)
    };
    // A failed assertion still drops the scratch databases.
    let result = futures_catch(outcome).await;
    ca.close().await;
    cb.close().await;
    let _ = a.drop().await;
    let _ = b.drop().await;
    match result {
        Ok(v) => Some(v),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

#[cfg(test)]
async fn futures_catch<T>(
    f: impl std::future::Future<Output = T>,
) -> Result<T, Box<dyn std::any::Any + Send>> {
    use std::panic::AssertUnwindSafe;
    use std::pin::pin;
    use std::task::Poll;
    let mut f = pin!(f);
    std::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| f.as_mut().poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(p) => Poll::Ready(Err(p)),
        }
    })
    .await
}
