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
pub use scratch::{Interrupt, Scratch, Stop};

use std::borrow::Cow;

use crate::backend::{Backend, dispatch};
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
        dispatch!(self.dialect, B => B::render(self))
    }
}

/// What autogenerate needs from one database beside its [`Backend`]: implemented for the
/// backend's unit type in `autogen/<db>/mod.rs`, and picked with [`dispatch`].
pub(crate) trait Autogen: Backend {
    /// Whether a revision drops the unchanged foreign keys before what they depend on changes,
    /// and adds them back after (PostgreSQL refuses to drop a key a foreign key uses, MySQL to
    /// retype a column one uses; SQLite checks foreign keys lazily).
    const REBUILDS_DEPENDENT_KEYS: bool = true;
    /// What a user needs to create and drop the scratch databases, in a sentence's end.
    const SCRATCH_GRANT: &'static str;
    /// One query whose rows change whenever the schema [`Autogen::introspect`] reads changes
    /// (and, rarely, when it does not: a statement spelt differently): `check --roundtrip`
    /// compares these before and after each step and introspects only on a difference.
    const FINGERPRINT: &'static str;
    /// The quote characters that make an identifier (rather than a string) in the declared
    /// schema's statements.
    const IDENT_QUOTES: &'static [char];
    /// Whether comments such as `/*! … */` are run by the server, so the confinement checks
    /// what they hold.
    const EXECUTABLE_COMMENTS: bool = false;
    /// Whether the declared schema is loaded in one transaction, rolled back once it is read
    /// (see [`Autogen::in_transaction`]).
    const LOADS_IN_TRANSACTION: bool = false;
    /// Whether names qualified by another database of the server are refused (the server is
    /// asked which there are first), and after each statement of the declared schema the
    /// current database must still be the scratch one (where DDL commits and a `USE` cannot be
    /// rolled back).
    const CHECKS_CURRENT_DATABASE: bool = false;
    /// For tests: the variable naming the local test server's URL and its default (the
    /// development machines'); `None` where databases are in memory.
    #[cfg(test)]
    const TEST_SERVER: Option<(&'static str, &'static str)> = None;

    /// The statements for `diff`.
    fn render(diff: &Diff) -> Vec<Step>;

    /// Reads the schema of the database `conn` is connected to, leaving out the tables named
    /// in `exclude`.
    async fn introspect(conn: &mut Conn, exclude: &[&str]) -> Result<Schema, DbError>;

    /// Why the statement `s` (whose first token is `first`) is refused, beyond the refusals
    /// every database shares; see [`confine`].
    fn refusal(s: &confine::Stmt, first: &confine::T) -> Option<String>;

    /// A refusal checked before everything else (PostgreSQL: psql meta-commands).
    fn refused_before_tokens(_s: &confine::Stmt) -> Option<String> {
        None
    }

    /// `sql` as it can run in the transaction the declared schema loads in, where it does.
    fn in_transaction(sql: &str) -> Cow<'_, str> {
        Cow::Borrowed(sql)
    }
}

/// Implements [`Autogen`] for the backend `$backend` in its folder, whose modules are
/// `render` (`render`), `introspect` (`introspect`) and `confine` (`refusal`); `$body` gives the
/// constants and the methods that differ from the defaults.
macro_rules! autogen_backend {
    ($backend:ty { $($body:tt)* }) => {
        impl $crate::autogen::Autogen for $backend {
            $($body)*

            fn render(diff: &$crate::autogen::Diff) -> Vec<$crate::autogen::Step> {
                render::render(diff)
            }

            async fn introspect(
                conn: &mut $crate::db::Conn,
                exclude: &[&str],
            ) -> Result<$crate::autogen::Schema, $crate::db::DbError> {
                introspect::introspect(conn, exclude).await
            }

            fn refusal(
                s: &$crate::autogen::confine::Stmt,
                first: &$crate::autogen::confine::T,
            ) -> Option<String> {
                confine::refusal(s, first)
            }
        }
    };
}
use autogen_backend;

/// Reads the schema of the database `conn` is connected to, leaving out the tables named in
/// `exclude` (the version table and its `_meta` table).
pub async fn introspect(conn: &mut Conn, exclude: &[&str]) -> Result<Schema, DbError> {
    dispatch!(conn.dialect(), B => B::introspect(conn, exclude).await)
}

/// The rows of [`Autogen::FINGERPRINT`] for the database `conn` is connected to: equal rows,
/// an equal schema.
pub async fn fingerprint(conn: &mut Conn) -> Result<Vec<Vec<Option<String>>>, DbError> {
    let sql = dispatch!(conn.dialect(), B => B::FINGERPRINT);
    conn.fetch_strings(sql).await
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
    let Some((var, default)) = dispatch!(dialect, B => B::TEST_SERVER) else {
        return DatabaseUrl::parse("sqlite::memory:", UrlSource::Flag).ok();
    };
    let raw = std::env::var(var).unwrap_or_else(|_| default.to_string());
    let url = DatabaseUrl::parse(&raw, UrlSource::Flag).expect("test server url");
    crate::db::reachable_or_skip(&url).await.then_some(url)
}

/// For tests against a server: a scratch database on the test server of `dialect` and a
/// connection to it (`None`, with a visible skip, without a server).
#[cfg(test)]
pub(crate) struct ScratchDb {
    scratch: Scratch,
    pub(crate) conn: Conn,
}

#[cfg(test)]
impl ScratchDb {
    pub(crate) async fn open(dialect: Dialect) -> Option<ScratchDb> {
        let server = test_server(dialect).await?;
        Some(ScratchDb::create(&server).await)
    }

    async fn create(server: &DatabaseUrl) -> ScratchDb {
        let scratch = Scratch::create(server).await.expect("scratch");
        let conn = Conn::connect(&scratch.url).await.expect("connect");
        ScratchDb { scratch, conn }
    }

    /// Closes the connection and drops the database.
    pub(crate) async fn close(self) {
        self.conn.close().await;
        let _ = self.scratch.drop().await;
    }
}

/// For tests of the catalog readers: the schema `introspect` reads (leaving `exclude` out) from
/// a scratch database on the test server of `dialect` after `sql` ran in it (`None`, with a
/// visible skip, without a server).
#[cfg(test)]
pub(crate) async fn introspect_sql(
    dialect: Dialect,
    sql: &str,
    exclude: &[&str],
) -> Option<Schema> {
    let mut db = ScratchDb::open(dialect).await?;
    run_sql(&mut db.conn, sql).await;
    let schema = introspect(&mut db.conn, exclude).await;
    db.close().await;
    Some(schema.expect("introspect"))
}

/// For tests that compare two databases: two scratch databases on the test server of
/// `dialect` and a connection to each (`None`, with a visible skip, without a server).
#[cfg(test)]
pub(crate) struct ScratchPair {
    a: ScratchDb,
    b: ScratchDb,
}

#[cfg(test)]
impl ScratchPair {
    pub(crate) async fn open(dialect: Dialect) -> Option<ScratchPair> {
        let server = test_server(dialect).await?;
        let a = ScratchDb::create(&server).await;
        let b = ScratchDb::create(&server).await;
        Some(ScratchPair { a, b })
    }

    /// The connections to the two databases.
    pub(crate) fn conns(&mut self) -> (&mut Conn, &mut Conn) {
        (&mut self.a.conn, &mut self.b.conn)
    }

    /// Closes both connections and drops both databases.
    pub(crate) async fn close(self) {
        self.a.close().await;
        self.b.close().await;
    }
}

/// Runs SQL text statement by statement (the splitter of revision files), for tests.
#[cfg(test)]
pub(crate) async fn run_sql(conn: &mut Conn, sql: &str) {
    for s in crate::split::split(sql, conn.dialect(), 1) {
        if let Err(e) = conn.execute(&s.sql).await {
            panic!("line {}: {e}\n{}", s.line, s.sql);
        }
    }
}

/// Each of `fragments` occurs in `section` (a rendered up or down section).
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_contains(section: &str, fragments: &[&str]) {
    for f in fragments {
        assert!(section.contains(f), "lacks {f:?}:\n{section}");
    }
}

/// The dialects' round-trip tests as a table: one `#[tokio::test]` per row, named as the row.
/// `name(args);` awaits the test file's own `case(args)`; `name(args) => |pat| { checks }`
/// binds what `case` returns to `pat` and runs the checks (a pattern such as `Some((up, down))`
/// that does not match, the server being absent, skips them).
#[cfg(test)]
macro_rules! roundtrip_tests {
    ($($(#[$meta:meta])* $name:ident $args:tt $(=> |$pat:pat_param| $check:block)?;)+) => {
        $(
            $(#[$meta])*
            #[tokio::test]
            #[allow(irrefutable_let_patterns)]
            async fn $name() {
                $crate::autogen::roundtrip_tests!(@run $args $(|$pat| $check)?);
            }
        )+
    };
    (@run ($($arg:expr),+ $(,)?)) => {
        case($($arg),+).await;
    };
    (@run ($($arg:expr),+ $(,)?) |$pat:pat_param| $check:block) => {
        if let $pat = case($($arg),+).await $check
    };
}
#[cfg(test)]
pub(crate) use roundtrip_tests;

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
    roundtrip_renamed(dialect, &Renames::default(), s1, s2, seed, check).await
}

/// `roundtrip_case` with tables and columns confirmed as renamed (`renames`).
#[cfg(test)]
pub(crate) async fn roundtrip_renamed(
    dialect: Dialect,
    renames: &Renames,
    s1: &str,
    s2: &str,
    seed: &str,
    check: Option<(&str, &[&str])>,
) -> Option<(String, String)> {
    let mut pair = ScratchPair::open(dialect).await?;
    let (ca, cb) = pair.conns();
    let outcome = async {
        run_sql(ca, s1).await;
        run_sql(ca, seed).await;
        run_sql(cb, s2).await;
        let m1 = introspect(ca, &[]).await.expect("introspect s1");
        let m2 = introspect(cb, &[]).await.expect("introspect s2");
        let diff = Diff::new(dialect, &m1, &m2, renames);
        let up = section_text(&diff.render());
        let down = section_text(&diff.reverse().render());
        run_sql(ca, &up).await;
        let after_up = introspect(ca, &[]).await.expect("introspect after up");
        assert!(
            after_up.same_as(&m2),
            "after up:\n{up}\n{after_up:#?}\n!=\n{m2:#?}"
        );
        run_sql(ca, &down).await;
        let after_down = introspect(ca, &[]).await.expect("introspect after down");
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
    pair.close().await;
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
