//! What differs between the databases, in one place: one [`Dialect`] names the database, and
//! one module per database (`sqlite`, `postgres`, `mysql`) implements [`Backend`] — its URL
//! schemes, whether DDL is transactional, quoting, placeholders, identifier limits and
//! schemas, the catalog lookup and column types of the version table, the advisory lock's SQL
//! and who holds it, whether runs lock step by step (SQLite), what an offline script looks
//! like for the database's client, and creating and dropping scratch databases.
//!
//! Everything above this layer (the runner, the version table, offline scripts, scratch and
//! test databases) asks the [`Dialect`] instead of matching on it, so a fourth database is one
//! more module and one more variant. The layers that add per-database code of their own do it
//! through traits implemented for the same unit types (autogenerate's `Autogen` in
//! `autogen/<db>/mod.rs`, test databases' `TestServer` in `testing/`), picked with
//! `dispatch!`, the one `match` on [`Dialect`] they use. The splitter's per-dialect rules live
//! with its lexer ([`crate::split`]), which takes the same [`Dialect`]; `db::Conn`'s driver
//! arms (`on_conn!`) pick the sqlx driver.

mod mysql;
mod postgres;
mod sqlite;

pub use mysql::MySql;
#[cfg(any(feature = "autogen", feature = "lint"))]
pub(crate) use mysql::quoted_values;
pub use postgres::Postgres;
pub use sqlite::Sqlite;

use std::time::Duration;

use crate::db::{Conn, DbError, LockHolder as Holder, Value};

/// How a database measures the length of an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthUnit {
    Bytes,
    Characters,
}

impl LengthUnit {
    /// The length of `s` in this unit.
    pub fn of(self, s: &str) -> usize {
        match self {
            LengthUnit::Bytes => s.len(),
            LengthUnit::Characters => s.chars().count(),
        }
    }

    /// The unit's name in messages ("bytes", "characters").
    pub fn name(self) -> &'static str {
        match self {
            LengthUnit::Bytes => "bytes",
            LengthUnit::Characters => "characters",
        }
    }
}

/// The kind of database: which SQL dialect a URL, a connection, a script or the splitter uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    Sqlite,
    Postgres,
    MySql,
}

/// A database's advisory lock on a version table: held by the session, so the server releases
/// it when the connection ends (a killed run leaves nothing behind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisoryLock {
    /// One try without waiting: one row, `1` when the lock was taken.
    pub try_lock: String,
    /// Releases it.
    pub unlock: String,
    /// Whether both statements bind the version table's name as their one parameter (MySQL's
    /// named locks), instead of carrying the lock's key (PostgreSQL).
    pub binds_name: bool,
}

/// What bounds a revision's waits: how long a statement waits for a lock, and how long one
/// statement may run (`None`: the server's own setting stays).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeouts {
    pub lock: Option<Duration>,
    pub statement: Option<Duration>,
}

impl Timeouts {
    pub fn is_empty(&self) -> bool {
        self.lock.is_none() && self.statement.is_none()
    }
}

/// Milliseconds, at least 1 (0 turns PostgreSQL's timeouts off).
pub(crate) fn millis(d: Duration) -> u128 {
    d.as_millis().max(1)
}

/// Whole seconds rounded up, at least 1 (MySQL's `lock_wait_timeout` takes no less).
pub(crate) fn whole_seconds(d: Duration) -> u64 {
    d.as_secs()
        .saturating_add(u64::from(d.subsec_nanos() > 0))
        .max(1)
}

/// One database's SQL, as the layers above need it. Implemented by a unit type per database;
/// [`Dialect`] dispatches to it.
pub trait Backend {
    /// The variant of [`Dialect`] that names this database.
    const DIALECT: Dialect;
    /// The database's name in messages.
    const NAME: &'static str;
    /// Whether DDL runs inside a transaction and rolls back with it. MySQL/MariaDB commit
    /// implicitly before and after each DDL statement, so a revision there cannot be undone
    /// by a `ROLLBACK`.
    const TRANSACTIONAL_DDL: bool;
    /// The column types of the version table: long text, and the revision id (a primary key).
    const VERSION_TABLE_TYPES: (&'static str, &'static str) = ("TEXT", "VARCHAR(255)");

    /// An identifier in the database's quotes, the quote character doubled inside.
    fn quote_ident(ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }

    /// A string literal: single quotes doubled (and backslashes, where the database's default
    /// mode treats them as escapes).
    fn quote_literal(s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    /// The `n`th bind placeholder (1-based).
    fn placeholder(_n: usize) -> String {
        "?".to_string()
    }

    /// The statement that creates the (empty) database `name`.
    fn create_database(name: &str) -> String {
        format!("CREATE DATABASE {}", Self::quote_ident(name))
    }

    /// The statements that drop database `name` if it exists, in the order to try them: with
    /// `force`, first one that also ends the sessions still in it, where the database has one.
    fn drop_database(name: &str, force: bool) -> Vec<String> {
        let _ = force;
        vec![format!(
            "DROP DATABASE IF EXISTS {}",
            Self::quote_ident(name)
        )]
    }

    /// The advisory lock for the key `key` (a hash of the version table's name), where the
    /// database has one; SQLite has none (its runs serialize on `BEGIN IMMEDIATE`).
    fn advisory_lock(_key: i64) -> Option<AdvisoryLock> {
        None
    }

    /// Whether a forced drop ends the sessions in the database one by one (with
    /// [`Backend::kill_session`]) because the `DROP` itself cannot.
    const FORCE_DROP_BY_KILL: bool = false;

    /// A query listing the server's ids of the sessions connected to database `name` (as far
    /// as this user may see), one per row; `None` where there are no sessions (SQLite).
    fn sessions_in(_name: &str) -> Option<String> {
        None
    }

    /// The statement that ends the session `id` (from [`Backend::sessions_in`]).
    fn kill_session(_id: &str) -> Option<String> {
        None
    }

    /// The settings that bound a revision's waits by `t`, each a list of statements to try in
    /// order until one is accepted (a setting one server of the family lacks has another
    /// spelling). `local`: inside the revision's transaction, undone by its end; otherwise for
    /// the session, undone by [`Backend::reset_timeouts`].
    fn set_timeouts(_t: Timeouts, _local: bool) -> Vec<Vec<String>> {
        Vec::new()
    }

    /// A query for the one setting [`Backend::set_timeouts`] changes that has no `RESET`
    /// (SQLite's busy timeout), read before and given back to [`Backend::reset_timeouts`].
    fn saved_timeout_query() -> Option<&'static str> {
        None
    }

    /// Puts back the session's settings after [`Backend::set_timeouts`] for the session;
    /// `saved`: what [`Backend::saved_timeout_query`] read.
    fn reset_timeouts(_t: Timeouts, _saved: Option<i64>) -> Vec<Vec<String>> {
        Vec::new()
    }

    /// Whether the error code `code` (see [`crate::db::error_code`]) says a statement gave up
    /// waiting for a lock, so that nothing of it took effect.
    fn is_lock_timeout(_code: &str) -> bool {
        false
    }

    /// The query giving this session's id on the server, for [`Backend::blocker_query`].
    fn session_id_query() -> Option<&'static str> {
        None
    }

    /// The queries, tried in order, saying what the session whose id is bound as the one
    /// parameter waits for and who holds it; each gives at most one row: the object, the lock
    /// mode, the holder's session id, its state, its statement, and for how many seconds its
    /// transaction has run (any column may be NULL where the server does not say).
    fn blocker_queries() -> Vec<String> {
        Vec::new()
    }

    /// What the server calls a session in its catalogs, before its id ("pid 4242").
    const SESSION_NOUN: &'static str = "connection";

    /// Why a lock's holder could not be named, when [`Backend::blocker_queries`] found none.
    const UNNAMED_HOLDER: &'static str = "the server does not say who holds it";

    /// The URL schemes that name this database (lower case), the first one the canonical.
    const SCHEMES: &'static [&'static str];

    /// Whether the URL names a server (with a user and a password), rather than a file.
    const SERVER: bool = true;

    /// The longest identifier the database keeps, where it has a limit (PostgreSQL cuts
    /// longer names silently at 63 bytes; MySQL/MariaDB refuse names over 64 characters).
    const IDENT_LIMIT: Option<(usize, LengthUnit)> = None;

    /// Whether the version table may be schema-qualified (`SCHEMA.TABLE`), and a schema's
    /// existence is looked up with this query (the schema bound as its one parameter).
    const SCHEMA_EXISTS: Option<&'static str> = None;

    /// Whether unquoted identifiers fold to lower case, so that an older release, which did
    /// not quote the version table's name, made a lower-case table for a mixed-case name.
    const FOLDS_UNQUOTED: bool = false;

    /// Whether runs take the database's write lock step by step (`BEGIN IMMEDIATE`) instead of
    /// holding an advisory lock for the whole run; each step then re-checks what is applied.
    const LOCKS_PER_STEP: bool = false;

    /// Whether a section may turn foreign keys off by a leading `PRAGMA foreign_keys = OFF`,
    /// which runs before the step's transaction (SQLite's recipe for table rebuilds).
    const FOREIGN_KEYS_PRAGMA: bool = false;

    /// Whether a revision's section, in its transaction, is sent as one batch (a savepoint
    /// first, so that after a failure the statements run again one by one under the same
    /// lock to find the one that failed), and whether the database has a counter that changes
    /// when another connection commits (SQLite's `PRAGMA data_version`), so that a run keeps
    /// what the version table holds in memory between its steps.
    const BATCHES_SECTIONS: bool = false;

    /// Whether the version table's row and `COMMIT` are sent in one round trip (several
    /// statements in one simple query).
    const COMMITS_WITH_ROW: bool = false;

    /// The lookup of a table in the catalog (one row with a count) and its parameters:
    /// `table` in `schema`, or in the connection's current schema or database.
    fn table_exists(schema: Option<&str>, table: &str) -> (String, Vec<Value>);

    /// A statement inserting `values` into `columns` of `table`, doing nothing when a row
    /// with the same `key` exists.
    fn insert_if_absent(table: &str, columns: &str, values: &str, key: &str) -> String {
        format!("INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({key}) DO NOTHING")
    }

    /// What starts an offline script, so that the database's client stops at the first error.
    const SCRIPT_PRELUDE: &'static str = "";

    /// One statement as the database's command-line client reads it in a script.
    fn script_statement(sql: &str) -> String {
        format!("{sql};")
    }

    /// Who holds the advisory lock with key `key` on the version table `table`, as far as the
    /// server says; `None` where there is no advisory lock or nobody holds it.
    #[allow(async_fn_in_trait)]
    async fn lock_holder(
        conn: &mut Conn,
        key: i64,
        table: &str,
    ) -> Result<Option<Holder>, DbError> {
        let _ = (conn, key, table);
        Ok(None)
    }
}

/// Evaluates `$e` with `$b` standing for the [`Backend`] of the dialect `$d`: the one `match`
/// on [`Dialect`] that layers above use (autogenerate's per-database modules too).
macro_rules! dispatch {
    ($d:expr, $b:ident => $e:expr) => {
        match $d {
            $crate::backend::Dialect::Sqlite => {
                type $b = $crate::backend::Sqlite;
                $e
            }
            $crate::backend::Dialect::Postgres => {
                type $b = $crate::backend::Postgres;
                $e
            }
            $crate::backend::Dialect::MySql => {
                type $b = $crate::backend::MySql;
                $e
            }
        }
    };
}

#[cfg(any(feature = "autogen", feature = "testing"))]
pub(crate) use dispatch;

/// Every dialect, in the order messages list them.
pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::MySql];

impl Dialect {
    /// The dialect a URL scheme names (any case), if one does.
    pub fn from_scheme(scheme: &str) -> Option<Dialect> {
        let scheme = scheme.to_ascii_lowercase();
        ALL.into_iter()
            .find(|d| dispatch!(*d, B => B::SCHEMES).contains(&scheme.as_str()))
    }

    /// Whether the URL names a server (see [`Backend::SERVER`]).
    pub fn is_server(self) -> bool {
        dispatch!(self, B => B::SERVER)
    }

    /// The identifier length limit (see [`Backend::IDENT_LIMIT`]).
    pub fn ident_limit(self) -> Option<(usize, LengthUnit)> {
        dispatch!(self, B => B::IDENT_LIMIT)
    }

    /// The lookup of a schema (see [`Backend::SCHEMA_EXISTS`]); `None` where a version table
    /// cannot be schema-qualified.
    pub fn schema_exists(self) -> Option<&'static str> {
        dispatch!(self, B => B::SCHEMA_EXISTS)
    }

    /// Whether the version table may be schema-qualified.
    pub fn has_schemas(self) -> bool {
        self.schema_exists().is_some()
    }

    /// Whether unquoted identifiers fold to lower case (see [`Backend::FOLDS_UNQUOTED`]).
    pub fn folds_unquoted(self) -> bool {
        dispatch!(self, B => B::FOLDS_UNQUOTED)
    }

    /// Whether runs lock step by step (see [`Backend::LOCKS_PER_STEP`]).
    pub fn locks_per_step(self) -> bool {
        dispatch!(self, B => B::LOCKS_PER_STEP)
    }

    /// Whether a section may turn foreign keys off first (see
    /// [`Backend::FOREIGN_KEYS_PRAGMA`]).
    pub fn foreign_keys_pragma(self) -> bool {
        dispatch!(self, B => B::FOREIGN_KEYS_PRAGMA)
    }

    /// Whether a section runs as one batch (see [`Backend::BATCHES_SECTIONS`]).
    pub fn batches_sections(self) -> bool {
        dispatch!(self, B => B::BATCHES_SECTIONS)
    }

    /// Whether the row and `COMMIT` go together (see [`Backend::COMMITS_WITH_ROW`]).
    pub fn commits_with_row(self) -> bool {
        dispatch!(self, B => B::COMMITS_WITH_ROW)
    }

    /// The catalog lookup of a table (see [`Backend::table_exists`]).
    pub fn table_exists(self, schema: Option<&str>, table: &str) -> (String, Vec<Value>) {
        dispatch!(self, B => B::table_exists(schema, table))
    }

    /// An insert that keeps an existing row (see [`Backend::insert_if_absent`]).
    pub fn insert_if_absent(self, table: &str, columns: &str, values: &str, key: &str) -> String {
        dispatch!(self, B => B::insert_if_absent(table, columns, values, key))
    }

    /// The start of an offline script (see [`Backend::SCRIPT_PRELUDE`]).
    pub fn script_prelude(self) -> &'static str {
        dispatch!(self, B => B::SCRIPT_PRELUDE)
    }

    /// One statement of an offline script (see [`Backend::script_statement`]).
    pub fn script_statement(self, sql: &str) -> String {
        dispatch!(self, B => B::script_statement(sql))
    }

    /// Who holds the advisory lock (see [`Backend::lock_holder`]).
    pub async fn lock_holder(
        self,
        conn: &mut Conn,
        key: i64,
        table: &str,
    ) -> Result<Option<Holder>, DbError> {
        dispatch!(self, B => B::lock_holder(conn, key, table).await)
    }

    /// The schema-core feature that compiles this database's driver in.
    pub fn feature(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::MySql => "mysql",
        }
    }

    /// The database's name in messages: "SQLite", "PostgreSQL", "MySQL".
    pub fn name(self) -> &'static str {
        dispatch!(self, B => B::NAME)
    }

    /// Whether DDL is transactional (see [`Backend::TRANSACTIONAL_DDL`]): the one place that
    /// decides whether a step runs in a transaction.
    pub fn transactional_ddl(self) -> bool {
        dispatch!(self, B => B::TRANSACTIONAL_DDL)
    }

    /// An identifier quoted for this database.
    pub fn quote_ident(self, ident: &str) -> String {
        dispatch!(self, B => B::quote_ident(ident))
    }

    /// A string literal for this database.
    pub fn quote_literal(self, s: &str) -> String {
        dispatch!(self, B => B::quote_literal(s))
    }

    /// The `n`th bind placeholder (1-based).
    pub fn placeholder(self, n: usize) -> String {
        dispatch!(self, B => B::placeholder(n))
    }

    /// The version table's column types: long text, and the revision id.
    pub fn version_table_types(self) -> (&'static str, &'static str) {
        dispatch!(self, B => B::VERSION_TABLE_TYPES)
    }

    /// The statement that creates database `name`.
    pub fn create_database(self, name: &str) -> String {
        dispatch!(self, B => B::create_database(name))
    }

    /// The statements that drop database `name`, in the order to try them.
    pub fn drop_database(self, name: &str, force: bool) -> Vec<String> {
        dispatch!(self, B => B::drop_database(name, force))
    }

    /// The advisory lock with key `key` (see [`Backend::advisory_lock`]).
    pub fn advisory_lock(self, key: i64) -> Option<AdvisoryLock> {
        dispatch!(self, B => B::advisory_lock(key))
    }

    /// The query listing the sessions in database `name` (see [`Backend::sessions_in`]).
    pub fn sessions_in(self, name: &str) -> Option<String> {
        dispatch!(self, B => B::sessions_in(name))
    }
}

impl Dialect {
    /// See [`Backend::set_timeouts`].
    pub fn set_timeouts(self, t: Timeouts, local: bool) -> Vec<Vec<String>> {
        dispatch!(self, B => B::set_timeouts(t, local))
    }

    /// See [`Backend::reset_timeouts`].
    pub fn reset_timeouts(self, t: Timeouts, saved: Option<i64>) -> Vec<Vec<String>> {
        dispatch!(self, B => B::reset_timeouts(t, saved))
    }

    /// See [`Backend::saved_timeout_query`].
    pub fn saved_timeout_query(self) -> Option<&'static str> {
        dispatch!(self, B => B::saved_timeout_query())
    }

    /// See [`Backend::is_lock_timeout`].
    pub fn is_lock_timeout(self, code: &str) -> bool {
        dispatch!(self, B => B::is_lock_timeout(code))
    }

    /// See [`Backend::session_id_query`].
    pub fn session_id_query(self) -> Option<&'static str> {
        dispatch!(self, B => B::session_id_query())
    }

    /// See [`Backend::blocker_queries`].
    pub fn blocker_queries(self) -> Vec<String> {
        dispatch!(self, B => B::blocker_queries())
    }

    /// See [`Backend::SESSION_NOUN`].
    pub fn session_noun(self) -> &'static str {
        dispatch!(self, B => B::SESSION_NOUN)
    }

    /// See [`Backend::UNNAMED_HOLDER`].
    pub fn unnamed_holder(self) -> &'static str {
        dispatch!(self, B => B::UNNAMED_HOLDER)
    }
}

/// Creates database `name` on the server `admin` is connected to.
pub async fn create_database(admin: &mut Conn, name: &str) -> Result<(), DbError> {
    let sql = admin.dialect().create_database(name);
    admin
        .execute(&sql)
        .await
        .map_err(|e| DbError::query(e, &sql))
}

/// Drops database `name` if it exists. With `force`, the sessions still in it are ended
/// first (a killed run's statement may still be running on the server): PostgreSQL 13+ by
/// `WITH (FORCE)` — an older server refuses that as a syntax error, and the plain statement
/// follows — MySQL/MariaDB by `KILL`ing the sessions it lists.
pub async fn drop_database(admin: &mut Conn, name: &str, force: bool) -> Result<(), DbError> {
    let dialect = admin.dialect();
    let kills = dispatch!(dialect, B => B::FORCE_DROP_BY_KILL);
    if force
        && kills
        && let Some(list) = dialect.sessions_in(name)
    {
        let ids = admin.fetch_strings(&list).await.unwrap_or_default();
        for id in ids
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
        {
            if let Some(kill) = dispatch!(dialect, B => B::kill_session(&id)) {
                let _ = admin.execute(&kill).await;
            }
        }
    }
    let attempts = dialect.drop_database(name, force);
    let last = attempts.len().saturating_sub(1);
    for (i, sql) in attempts.iter().enumerate() {
        match admin.execute(sql).await {
            Ok(()) => return Ok(()),
            // Before PostgreSQL 13 there is no `WITH (FORCE)`: a syntax error.
            Err(sqlx::Error::Database(d))
                if i < last && d.code().as_deref() == Some(postgres::SYNTAX_ERROR) => {}
            Err(e) => return Err(DbError::query(e, sql)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_the_quote_character() {
        assert_eq!(Dialect::Postgres.quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(Dialect::Sqlite.quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(Dialect::MySql.quote_ident("a`b"), "`a``b`");
        assert_eq!(Dialect::Postgres.quote_literal("it's"), "'it''s'");
        assert_eq!(Dialect::Postgres.quote_literal("a\\b"), "'a\\b'");
        assert_eq!(Dialect::MySql.quote_literal("a\\'b"), "'a\\\\''b'");
    }

    #[test]
    fn only_mysql_lacks_transactional_ddl() {
        assert!(Dialect::Sqlite.transactional_ddl());
        assert!(Dialect::Postgres.transactional_ddl());
        assert!(!Dialect::MySql.transactional_ddl());
    }

    #[test]
    fn each_database_bounds_a_revisions_waits_its_own_way() {
        let t = Timeouts {
            lock: Some(Duration::from_millis(1500)),
            statement: Some(Duration::from_secs(600)),
        };
        assert_eq!(
            Dialect::Postgres.set_timeouts(t, true),
            [
                ["SET LOCAL lock_timeout = '1500ms'"],
                ["SET LOCAL statement_timeout = '600000ms'"]
            ]
        );
        assert_eq!(
            Dialect::Postgres.set_timeouts(t, false)[0],
            ["SET lock_timeout = '1500ms'"]
        );
        assert_eq!(
            Dialect::Postgres.reset_timeouts(t, None),
            [["RESET lock_timeout"], ["RESET statement_timeout"]]
        );
        // MySQL: whole seconds, rounded up; MariaDB's statement timeout, else MySQL's.
        let mysql = Dialect::MySql.set_timeouts(t, true);
        assert_eq!(mysql[0], ["SET SESSION lock_wait_timeout = 2"]);
        assert_eq!(mysql[1], ["SET SESSION innodb_lock_wait_timeout = 2"]);
        assert_eq!(
            mysql[2],
            [
                "SET SESSION max_statement_time = 600.000",
                "SET SESSION max_execution_time = 600000"
            ]
        );
        // SQLite: nothing in a transaction (BEGIN IMMEDIATE waited already); the busy
        // timeout outside one, put back afterwards.
        assert!(Dialect::Sqlite.set_timeouts(t, true).is_empty());
        assert_eq!(
            Dialect::Sqlite.set_timeouts(t, false),
            [["PRAGMA busy_timeout = 1500"]]
        );
        assert_eq!(
            Dialect::Sqlite.reset_timeouts(t, Some(60000)),
            [["PRAGMA busy_timeout = 60000"]]
        );
        assert!(
            Dialect::Postgres
                .set_timeouts(Timeouts::default(), true)
                .is_empty()
        );
        assert_eq!(whole_seconds(Duration::from_millis(10)), 1);
        assert_eq!(millis(Duration::ZERO), 1);
    }

    #[test]
    fn lock_timeouts_are_recognised_by_their_codes() {
        assert!(Dialect::Postgres.is_lock_timeout("55P03"));
        assert!(!Dialect::Postgres.is_lock_timeout("57014"));
        assert!(Dialect::MySql.is_lock_timeout("1205"));
        assert!(!Dialect::MySql.is_lock_timeout("1969"));
        assert!(Dialect::Sqlite.is_lock_timeout("5"));
        assert!(Dialect::Sqlite.is_lock_timeout("517"));
        assert!(!Dialect::Sqlite.is_lock_timeout("6"));
    }

    #[test]
    fn postgres_drops_with_force_first() {
        assert_eq!(
            Dialect::Postgres.drop_database("x", true),
            [
                "DROP DATABASE IF EXISTS \"x\" WITH (FORCE)",
                "DROP DATABASE IF EXISTS \"x\""
            ]
        );
        assert_eq!(
            Dialect::MySql.drop_database("x", true),
            ["DROP DATABASE IF EXISTS `x`"]
        );
        assert_eq!(Dialect::Postgres.placeholder(2), "$2");
        assert_eq!(Dialect::MySql.placeholder(2), "?");
    }
}
