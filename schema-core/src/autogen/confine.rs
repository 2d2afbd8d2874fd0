//! Keeping the declared schema inside its scratch database.
//!
//! The declared schema runs with the user's rights on the same server as the development
//! database, so a statement in it could drop another database, switch to one (MySQL's `USE`)
//! or write files. It may change its scratch database and nothing else. Before anything runs,
//! every statement is checked here, by the splitter's tokens (a careful keyword check, not a
//! parser); the loader then adds what the server allows:
//!
//! - **PostgreSQL** loads the whole schema in one transaction and rolls it back once it has
//!   been read, so whatever slips through and is transactional (roles, grants, comments on other
//!   databases) is undone; `CREATE/DROP DATABASE` cannot run there at all.
//! - **MySQL/MariaDB** has no transactional DDL: after every statement, `SELECT DATABASE()`
//!   must still be the scratch database.
//! - **SQLite** loads into memory; refusing `ATTACH` leaves it no other database to name.
//!
//! The rules shared by every database are here; each database's own are in
//! `autogen/<db>/confine.rs`, picked through [`super::Autogen`].
//!
//! Refused, per dialect:
//!
//! | | refused |
//! |---|---|
//! | all | naming a database: `CREATE/DROP/ALTER … DATABASE`, `… ON DATABASE` |
//! | PostgreSQL | transaction control (`BEGIN`, `COMMIT`, `ROLLBACK`, `END`, `ABORT`, `START`, `SAVEPOINT`, `RELEASE`, `PREPARE TRANSACTION`), `COPY`, `LOAD`, `ALTER SYSTEM`, tablespaces, roles and users, `DROP/REASSIGN OWNED`, foreign servers, the `dblink`/`postgres_fdw` extensions and functions that reach files, other sessions or other databases (`dblink*`, `lo_import`, `pg_read_file`, `pg_terminate_backend`, …), untrusted languages (`plpython3u`, `plperlu`, …) and `CREATE LANGUAGE`, psql meta-commands (`\c`) |
//! | MySQL/MariaDB | `USE`, `CREATE/DROP/ALTER SCHEMA`, a name qualified by another database on the server (`devdb.users`, `mysql.user`), dynamic SQL (`PREPARE`, `EXECUTE`), users, roles, `GRANT`/`REVOKE`, `SET GLOBAL`/`PERSIST`, `FLUSH`, `KILL`, `SHUTDOWN`, plugins, `LOAD DATA`/`LOAD XML`, `INTO OUTFILE/DUMPFILE`, `LOAD_FILE`, foreign servers and the `FEDERATED`/`CONNECT` engines, functions from shared libraries (`SONAME`); executable comments (`/*! … */`) are checked like the rest |
//! | SQLite | `ATTACH`, `DETACH`, `VACUUM INTO`, `load_extension`, the directory PRAGMAs |

use std::borrow::Cow;

use super::Autogen;
use crate::backend::dispatch;
use crate::db::Dialect;
use crate::split::{self, Tok};

/// A token as the checks see it: an unquoted keyword (upper case), a name (a keyword or a
/// quoted identifier, unquoted, lower case), or punctuation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct T {
    /// The upper-case word, for unquoted words only.
    pub(crate) kw: Option<String>,
    /// The identifier, lower case: an unquoted word or a quoted identifier.
    pub(crate) name: Option<String>,
    pub(crate) punct: Option<char>,
}

impl T {
    pub(crate) fn is(&self, kw: &str) -> bool {
        self.kw.as_deref() == Some(kw)
    }
    pub(crate) fn is_any(&self, kws: &[&str]) -> bool {
        self.kw.as_deref().is_some_and(|k| kws.contains(&k))
    }
    pub(crate) fn is_punct(&self, c: char) -> bool {
        self.punct == Some(c)
    }
}

/// One statement of the declared schema, as the checks see it.
pub(crate) struct Stmt<'a> {
    /// The statement as written.
    pub(crate) sql: &'a str,
    /// Its tokens.
    pub(crate) t: Vec<T>,
    /// The other databases on the server (lower case), where they are listed.
    pub(crate) databases: &'a [String],
}

impl<'a> Stmt<'a> {
    fn new<B: Autogen>(sql: &'a str, databases: &'a [String]) -> Self {
        Stmt {
            sql,
            t: lex::<B>(sql),
            databases,
        }
    }

    /// `A B` for the first keyword `a` followed by one of `b`.
    pub(crate) fn pair(&self, a: &str, b: &[&str]) -> Option<String> {
        self.t
            .windows(2)
            .find(|w| w[0].is(a) && w[1].is_any(b))
            .map(|w| {
                format!(
                    "{} {}",
                    w[0].kw.as_deref().unwrap_or(a),
                    w[1].kw.as_deref().unwrap_or("")
                )
            })
    }

    /// `B WORD` for the keyword `word` after one of `before`.
    pub(crate) fn after(&self, before: &[&str], word: &str) -> Option<String> {
        self.t
            .windows(2)
            .find(|w| w[0].is_any(before) && w[1].is(word))
            .map(|w| format!("{} {word}", w[0].kw.as_deref().unwrap_or("")))
    }
}

/// The reason for refusing `what`, which reaches outside the scratch database.
pub(crate) fn outside(what: String) -> Option<String> {
    Some(format!(
        "`{what}` reaches outside the scratch database the declared schema is loaded into"
    ))
}

/// The tokens of one statement; executable comments (MySQL's `/*!50001 … */`) are opened,
/// since the server runs what they hold.
fn lex<B: Autogen>(sql: &str) -> Vec<T> {
    let mut out = Vec::new();
    for tok in split::tokens(sql, B::DIALECT) {
        match tok {
            Tok::Word(w) => out.push(T {
                kw: Some(w.to_ascii_uppercase()),
                name: Some(w.to_lowercase()),
                punct: None,
            }),
            Tok::Quoted(q) if B::EXECUTABLE_COMMENTS && is_executable_comment(q) => {
                let body = q
                    .trim_start_matches("/*")
                    .trim_start_matches('M')
                    .trim_start_matches('!')
                    .trim_start_matches(|c: char| c.is_ascii_digit());
                let body = body.strip_suffix("*/").unwrap_or(body);
                out.extend(lex::<B>(body));
            }
            Tok::Quoted(q) => {
                let quote = q.chars().next().unwrap_or('\'');
                let is_ident = B::IDENT_QUOTES.contains(&quote);
                let name = is_ident.then(|| {
                    let inner = q.get(1..q.len().saturating_sub(1)).unwrap_or_default();
                    inner.to_lowercase()
                });
                out.push(T {
                    kw: None,
                    name,
                    punct: None,
                });
            }
            Tok::Punct(c) => out.push(T {
                kw: None,
                name: None,
                punct: Some(c),
            }),
        }
    }
    out
}

fn is_executable_comment(q: &str) -> bool {
    q.starts_with("/*!") || q.starts_with("/*M!")
}

/// Why `sql`, one statement of the declared schema, is refused; `None` when it may run.
/// `databases` are the other databases on the server (MySQL/MariaDB, lower case): a name
/// qualified by one of them is refused.
pub fn refusal(dialect: Dialect, sql: &str, databases: &[String]) -> Option<String> {
    dispatch!(dialect, B => refusal_for::<B>(sql, databases))
}

fn refusal_for<B: Autogen>(sql: &str, databases: &[String]) -> Option<String> {
    let s = Stmt::new::<B>(sql, databases);
    if let Some(why) = B::refused_before_tokens(&s) {
        return Some(why);
    }
    let first = s.t.first()?;
    if let Some(found) = s.after(
        &["CREATE", "DROP", "ALTER", "REPLACE", "ON", "RENAME"],
        "DATABASE",
    ) {
        return outside(found);
    }
    B::refusal(&s, first)
}

/// `sql` as it runs where the declared schema loads in a transaction (see
/// [`super::Autogen::in_transaction`]).
pub fn in_transaction(sql: &str) -> Cow<'_, str> {
    super::postgres::in_transaction(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrently_is_left_out_where_a_transaction_refuses_it() {
        assert_eq!(
            in_transaction("CREATE INDEX CONCURRENTLY i ON t (a)"),
            "CREATE INDEX  i ON t (a)"
        );
        assert_eq!(
            in_transaction("-- x\ncreate unique index concurrently if not exists i on t (a)"),
            "-- x\ncreate unique index  if not exists i on t (a)"
        );
        assert_eq!(in_transaction("DROP INDEX CONCURRENTLY i"), "DROP INDEX  i");
        assert_eq!(
            in_transaction("REFRESH MATERIALIZED VIEW CONCURRENTLY v"),
            "REFRESH MATERIALIZED VIEW  v"
        );
        for same in [
            "CREATE INDEX i ON t (a)",
            "CREATE TABLE concurrently (id INT)",
            "COMMENT ON INDEX i IS 'CREATE INDEX CONCURRENTLY'",
        ] {
            assert_eq!(in_transaction(same), same);
        }
    }

    fn refused(d: Dialect, sql: &str) -> bool {
        refusal(d, sql, &["devdb".to_string(), "mysql".to_string()]).is_some()
    }

    /// On `d`, every statement of `refused_sql` is refused and none of `allowed` is.
    #[track_caller]
    fn assert_confinement(d: Dialect, refused_sql: &[&str], allowed: &[&str]) {
        for sql in refused_sql {
            assert!(refused(d, sql), "{sql}");
        }
        for sql in allowed {
            assert!(!refused(d, sql), "{sql}");
        }
    }

    #[test]
    fn statements_naming_another_database_are_refused_on_every_server() {
        for d in [Dialect::Postgres, Dialect::MySql] {
            for sql in [
                "DROP DATABASE victim",
                "drop database if exists victim",
                "CREATE DATABASE x",
                "ALTER DATABASE victim RENAME TO x",
                "COMMENT ON DATABASE victim IS 'x'",
                "GRANT ALL ON DATABASE victim TO bob",
            ] {
                assert!(refused(d, sql), "{d:?}: {sql}");
            }
        }
    }

    #[test]
    fn mysql_use_schemas_qualified_names_and_dynamic_sql_are_refused() {
        assert_confinement(
            Dialect::MySql,
            &[
                "USE devdb",
                "use `devdb`",
                "CREATE SCHEMA x",
                "CREATE OR REPLACE DATABASE x",
                "DROP SCHEMA devdb",
                "CREATE TABLE devdb.evil (id INT)",
                "CREATE TABLE `DevDB`.`evil` (id INT)",
                "INSERT INTO mysql.user VALUES (1)",
                "CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW INSERT INTO devdb.log VALUES (1)",
                "CREATE PROCEDURE p() BEGIN DROP DATABASE devdb; END",
                "PREPARE s FROM 'DROP DATABASE devdb'",
                "EXECUTE IMMEDIATE 'USE devdb'",
                "/*!40000 DROP DATABASE devdb */",
                "/*!50001 USE devdb*/",
                "GRANT ALL ON *.* TO 'x'@'%'",
                "CREATE USER bob",
                "SET GLOBAL max_connections = 1",
                "SET @@global.max_connections = 1",
                "SELECT 1 INTO OUTFILE '/tmp/x'",
                "LOAD DATA INFILE '/etc/passwd' INTO TABLE t",
                "CREATE TABLE f (id INT) ENGINE=FEDERATED CONNECTION='mysql://x/devdb/t'",
                "RENAME TABLE a TO devdb.a",
                "CREATE FUNCTION sys_exec RETURNS INT SONAME 'lib_mysqludf_sys.so'",
            ],
            &[
                "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(40))",
                "CREATE VIEW v AS SELECT u.id, u.name FROM users u",
                "CREATE INDEX i ON users (name)",
                "ALTER TABLE users ADD COLUMN `database` INT",
                "CREATE TABLE t (note VARCHAR(40) DEFAULT 'USE devdb')",
                "SELECT SLEEP(1)",
                "CREATE TABLE t (id INT) ENGINE=InnoDB",
                "SET NAMES utf8mb4",
            ],
        );
    }

    #[test]
    fn postgres_transaction_control_files_roles_and_other_sessions_are_refused() {
        assert_confinement(
            Dialect::Postgres,
            &[
                "COMMIT",
                "BEGIN",
                "rollback",
                "END",
                "START TRANSACTION",
                "PREPARE TRANSACTION 'x'",
                "COPY t TO '/tmp/x'",
                "COPY t FROM PROGRAM 'rm -rf /'",
                "ALTER SYSTEM SET work_mem = '1GB'",
                "CREATE TABLESPACE t LOCATION '/tmp'",
                "CREATE ROLE evil SUPERUSER",
                "ALTER ROLE postgres PASSWORD 'x'",
                "DROP OWNED BY bob",
                "CREATE EXTENSION IF NOT EXISTS dblink",
                "CREATE EXTENSION \"postgres_fdw\"",
                "SELECT dblink_exec('dbname=devdb', 'DROP TABLE users')",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
                "SELECT lo_export(1, '/tmp/x')",
                "\\c devdb",
                "CREATE EXTENSION plpython3u",
                "CREATE LANGUAGE plperlu",
                "CREATE OR REPLACE TRUSTED LANGUAGE x HANDLER h",
                "DO LANGUAGE plpython3u $$ import os $$",
                "CREATE FUNCTION f() RETURNS int AS $$ return 1 $$ LANGUAGE \"plperlu\"",
                "-- switch\n\\connect devdb\nCREATE TABLE t (id INT)",
            ],
            &[
                "CREATE TABLE users (id INTEGER PRIMARY KEY, \"database\" TEXT)",
                "CREATE SCHEMA app",
                "CREATE EXTENSION IF NOT EXISTS citext",
                "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql",
                "COMMENT ON TABLE users IS 'COMMIT'",
                "GRANT SELECT ON users TO PUBLIC",
                "SET search_path TO app, public",
                "SELECT pg_sleep(1)",
                "CREATE TABLE t (note TEXT DEFAULT E'a\\\\b')",
                // In a table, `devdb.users` is a schema of the scratch database.
                "CREATE TABLE devdb.users (id INT)",
            ],
        );
    }

    #[test]
    fn sqlite_attach_and_file_writes_are_refused() {
        assert_confinement(
            Dialect::Sqlite,
            &[
                "ATTACH DATABASE 'dev.db' AS dev",
                "attach 'x.db' as x",
                "DETACH dev",
                "VACUUM INTO '/tmp/copy.db'",
                "PRAGMA temp_store_directory = '/tmp'",
                "SELECT load_extension('x')",
            ],
            &[
                "CREATE TABLE users (id INTEGER PRIMARY KEY)",
                "PRAGMA foreign_keys = ON",
                "VACUUM",
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO b VALUES (1); END",
            ],
        );
    }

    #[test]
    fn the_reason_names_what_was_refused() {
        let why = refusal(Dialect::MySql, "USE devdb", &[]).expect("refused");
        assert!(why.contains("USE devdb"), "{why}");
        let why = refusal(Dialect::Postgres, "DROP DATABASE victim", &[]).expect("refused");
        assert!(why.contains("DROP DATABASE"), "{why}");
        let why = refusal(
            Dialect::MySql,
            "CREATE TABLE devdb.t (id INT)",
            &["devdb".into()],
        )
        .expect("x");
        assert!(why.contains("`devdb`"), "{why}");
    }
}
