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
//! Refused, per dialect:
//!
//! | | refused |
//! |---|---|
//! | all | naming a database: `CREATE/DROP/ALTER … DATABASE`, `… ON DATABASE` |
//! | PostgreSQL | transaction control (`BEGIN`, `COMMIT`, `ROLLBACK`, `END`, `ABORT`, `START`, `SAVEPOINT`, `RELEASE`, `PREPARE TRANSACTION`), `COPY`, `LOAD`, `ALTER SYSTEM`, tablespaces, roles and users, `DROP/REASSIGN OWNED`, foreign servers, the `dblink`/`postgres_fdw` extensions and functions that reach files, other sessions or other databases (`dblink*`, `lo_import`, `pg_read_file`, `pg_terminate_backend`, …), untrusted languages (`plpython3u`, `plperlu`, …) and `CREATE LANGUAGE`, psql meta-commands (`\c`) |
//! | MySQL/MariaDB | `USE`, `CREATE/DROP/ALTER SCHEMA`, a name qualified by another database on the server (`devdb.users`, `mysql.user`), dynamic SQL (`PREPARE`, `EXECUTE`), users, roles, `GRANT`/`REVOKE`, `SET GLOBAL`/`PERSIST`, `FLUSH`, `KILL`, `SHUTDOWN`, plugins, `LOAD DATA`/`LOAD XML`, `INTO OUTFILE/DUMPFILE`, `LOAD_FILE`, foreign servers and the `FEDERATED`/`CONNECT` engines, functions from shared libraries (`SONAME`); executable comments (`/*! … */`) are checked like the rest |
//! | SQLite | `ATTACH`, `DETACH`, `VACUUM INTO`, `load_extension`, the directory PRAGMAs |

use crate::db::Dialect;
use crate::split::{self, Tok};

/// A token as the checks see it: an unquoted keyword (upper case), a name (a keyword or a
/// quoted identifier, unquoted, lower case), or punctuation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct T {
    /// The upper-case word, for unquoted words only.
    kw: Option<String>,
    /// The identifier, lower case: an unquoted word or a quoted identifier.
    name: Option<String>,
    punct: Option<char>,
}

impl T {
    fn is(&self, kw: &str) -> bool {
        self.kw.as_deref() == Some(kw)
    }
    fn is_any(&self, kws: &[&str]) -> bool {
        self.kw.as_deref().is_some_and(|k| kws.contains(&k))
    }
    fn is_punct(&self, c: char) -> bool {
        self.punct == Some(c)
    }
}

/// The tokens of one statement; MySQL executable comments (`/*!50001 … */`) are opened, since
/// the server runs what they hold.
fn lex(sql: &str, dialect: Dialect) -> Vec<T> {
    let d = crate::migrate::split_dialect(dialect);
    let mut out = Vec::new();
    for tok in split::tokens(sql, d) {
        match tok {
            Tok::Word(w) => out.push(T {
                kw: Some(w.to_ascii_uppercase()),
                name: Some(w.to_lowercase()),
                punct: None,
            }),
            Tok::Quoted(q) if dialect == Dialect::MySql && is_executable_comment(q) => {
                let body = q
                    .trim_start_matches("/*")
                    .trim_start_matches('M')
                    .trim_start_matches('!')
                    .trim_start_matches(|c: char| c.is_ascii_digit());
                let body = body.strip_suffix("*/").unwrap_or(body);
                out.extend(lex(body, dialect));
            }
            Tok::Quoted(q) => {
                let quote = q.chars().next().unwrap_or('\'');
                let is_ident = match dialect {
                    Dialect::Postgres => quote == '"',
                    Dialect::MySql => quote == '`' || quote == '"',
                    Dialect::Sqlite => matches!(quote, '"' | '`' | '['),
                };
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
    let t = lex(sql, dialect);
    // A backslash outside strings is no PostgreSQL SQL: a psql meta-command (`\c devdb`),
    // wherever it is in the statement (after a comment, say).
    if dialect == Dialect::Postgres && t.iter().any(|x| x.is_punct('\\')) {
        let command: String = sql
            .lines()
            .map(str::trim_start)
            .find(|l| l.starts_with('\\'))
            .unwrap_or("\\")
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        return Some(format!(
            "`{command}` is a psql meta-command: the declared schema is SQL for the server, and may not leave its scratch database"
        ));
    }
    let first = t.first()?;
    let pair = |a: &str, b: &[&str]| {
        t.windows(2)
            .find(|w| w[0].is(a) && w[1].is_any(b))
            .map(|w| {
                format!(
                    "{} {}",
                    w[0].kw.as_deref().unwrap_or(a),
                    w[1].kw.as_deref().unwrap_or("")
                )
            })
    };
    let after = |before: &[&str], word: &str| {
        t.windows(2)
            .find(|w| w[0].is_any(before) && w[1].is(word))
            .map(|w| format!("{} {word}", w[0].kw.as_deref().unwrap_or("")))
    };
    let outside = |what: String| {
        Some(format!(
            "`{what}` reaches outside the scratch database the declared schema is loaded into"
        ))
    };
    if let Some(found) = after(
        &["CREATE", "DROP", "ALTER", "REPLACE", "ON", "RENAME"],
        "DATABASE",
    ) {
        return outside(found);
    }
    match dialect {
        Dialect::Postgres => {
            const TRANSACTION: &[&str] = &[
                "BEGIN",
                "START",
                "COMMIT",
                "END",
                "ROLLBACK",
                "ABORT",
                "SAVEPOINT",
                "RELEASE",
            ];
            if first.is_any(TRANSACTION) || pair("PREPARE", &["TRANSACTION"]).is_some() {
                return Some(format!(
                    "`{}` is transaction control: the declared schema is loaded in one transaction, rolled back once it is read, so that it cannot change anything outside its scratch database",
                    first.kw.as_deref().unwrap_or_default()
                ));
            }
            if first.is_any(&["COPY", "LOAD"]) {
                return outside(first.kw.clone().unwrap_or_default());
            }
            if let Some(found) = pair("ALTER", &["SYSTEM"])
                .or_else(|| after(&["CREATE", "DROP", "ALTER"], "TABLESPACE"))
                .or_else(|| pair("CREATE", &["ROLE", "USER", "GROUP", "SERVER"]))
                .or_else(|| pair("ALTER", &["ROLE", "USER", "GROUP", "SERVER"]))
                .or_else(|| pair("DROP", &["ROLE", "USER", "GROUP", "SERVER", "OWNED"]))
                .or_else(|| pair("REASSIGN", &["OWNED"]))
                .or_else(|| after(&["CREATE", "ALTER", "DROP"], "SUBSCRIPTION"))
            {
                return outside(found);
            }
            // Untrusted languages run code as the server's operating-system user.
            const UNTRUSTED: &[&str] =
                &["plpython3u", "plpythonu", "plpython2u", "plperlu", "pltclu"];
            if let Some(lang) = t
                .windows(2)
                .find(|w| {
                    w[0].is("LANGUAGE")
                        && w[1].name.as_deref().is_some_and(|n| UNTRUSTED.contains(&n))
                })
                .and_then(|w| w[1].name.clone())
            {
                return outside(format!("LANGUAGE {lang}"));
            }
            if first.is("CREATE")
                && let Some(found) =
                    after(&["CREATE", "REPLACE", "TRUSTED", "PROCEDURAL"], "LANGUAGE")
            {
                return outside(found);
            }
            const EXTENSIONS: &[&str] = &[
                "dblink",
                "postgres_fdw",
                "file_fdw",
                "adminpack",
                "plpython3u",
                "plpythonu",
                "plpython2u",
                "plperlu",
                "pltclu",
            ];
            if first.is("CREATE")
                && let Some(i) = t.iter().position(|x| x.is("EXTENSION"))
                && let Some(name) = t[i + 1..]
                    .iter()
                    .filter(|x| !x.is_any(&["IF", "NOT", "EXISTS"]))
                    .find_map(|x| x.name.clone())
                && EXTENSIONS.contains(&name.as_str())
            {
                return outside(format!("CREATE EXTENSION {name}"));
            }
            const FUNCTIONS: &[&str] = &[
                "lo_import",
                "lo_export",
                "pg_read_file",
                "pg_read_binary_file",
                "pg_ls_dir",
                "pg_stat_file",
                "pg_file_write",
                "pg_terminate_backend",
                "pg_cancel_backend",
                "pg_reload_conf",
                "pg_rotate_logfile",
                "pg_promote",
            ];
            if let Some(f) = t.iter().filter_map(|x| x.kw.as_ref()).find_map(|k| {
                let k = k.to_ascii_lowercase();
                (FUNCTIONS.contains(&k.as_str()) || k.starts_with("dblink")).then_some(k)
            }) {
                return outside(f);
            }
            None
        }
        Dialect::MySql => {
            if first.is("USE") {
                let db = t.get(1).and_then(|x| x.name.clone()).unwrap_or_default();
                return Some(format!(
                    "`USE {db}` switches to another database: the declared schema may change its scratch database and nothing else"
                ));
            }
            if let Some(found) =
                after(&["CREATE", "DROP", "ALTER", "REPLACE"], "SCHEMA").or_else(|| {
                    after(&["CREATE", "DROP", "ALTER", "RENAME"], "USER")
                        .or_else(|| after(&["CREATE", "DROP", "SET"], "ROLE"))
                        .or_else(|| pair("SET", &["PASSWORD"]))
                        .or_else(|| pair("CREATE", &["SERVER"]))
                        .or_else(|| pair("LOAD", &["DATA", "XML", "INDEX"]))
                        .or_else(|| pair("INTO", &["OUTFILE", "DUMPFILE"]))
                })
            {
                return outside(found);
            }
            const FIRST: &[&str] = &[
                "GRANT",
                "REVOKE",
                "FLUSH",
                "KILL",
                "SHUTDOWN",
                "INSTALL",
                "UNINSTALL",
                "PURGE",
                "RESET",
                "CHANGE",
                "START",
                "STOP",
            ];
            if first.is_any(FIRST) {
                return outside(first.kw.clone().unwrap_or_default());
            }
            // A function from a shared library runs code in the server.
            if t.iter().any(|x| x.is("SONAME")) {
                return outside("CREATE FUNCTION … SONAME".to_string());
            }
            const ANYWHERE: &[&str] = &["PREPARE", "EXECUTE", "DEALLOCATE", "LOAD_FILE"];
            if let Some(k) = t.iter().find(|x| x.is_any(ANYWHERE)) {
                return Some(format!(
                    "`{}` runs SQL (or reads a file) this check cannot see: the declared schema may change its scratch database and nothing else",
                    k.kw.as_deref().unwrap_or_default()
                ));
            }
            let global = t.windows(3).any(|w| {
                w[0].is_punct('@')
                    && w[1].is_punct('@')
                    && w[2].is_any(&["GLOBAL", "PERSIST", "PERSIST_ONLY"])
            }) || (first.is("SET")
                && t.iter()
                    .any(|x| x.is_any(&["GLOBAL", "PERSIST", "PERSIST_ONLY"])));
            if global {
                return outside("SET GLOBAL".to_string());
            }
            if let Some(engine) = t
                .windows(3)
                .find(|w| {
                    w[0].is("ENGINE")
                        && w[1].is_punct('=')
                        && w[2].is_any(&["FEDERATED", "CONNECT"])
                })
                .or_else(|| {
                    t.windows(2)
                        .find(|w| w[0].is("ENGINE") && w[1].is_any(&["FEDERATED", "CONNECT"]))
                })
                .and_then(|w| w.last())
                .and_then(|x| x.kw.clone())
            {
                return outside(format!("ENGINE={engine}"));
            }
            // `devdb.users`: the first name of a dotted chain, when it is another database.
            for (i, x) in t.iter().enumerate() {
                let preceded_by_dot = i > 0 && t[i - 1].is_punct('.');
                let followed_by_dot = t.get(i + 1).is_some_and(|n| n.is_punct('.'));
                if !preceded_by_dot
                    && followed_by_dot
                    && let Some(name) = &x.name
                    && databases.contains(name)
                {
                    return Some(format!(
                        "`{name}.…` names the database `{name}`: the declared schema may change its scratch database and nothing else"
                    ));
                }
            }
            None
        }
        Dialect::Sqlite => {
            if first.is_any(&["ATTACH", "DETACH"]) {
                return outside(first.kw.clone().unwrap_or_default());
            }
            if first.is("VACUUM") && t.iter().any(|x| x.is("INTO")) {
                return outside("VACUUM INTO".to_string());
            }
            if first.is("PRAGMA")
                && let Some(p) = t
                    .iter()
                    .find(|x| x.is_any(&["TEMP_STORE_DIRECTORY", "DATA_STORE_DIRECTORY"]))
            {
                return outside(format!("PRAGMA {}", p.name.as_deref().unwrap_or_default()));
            }
            if t.iter().any(|x| x.is("LOAD_EXTENSION")) {
                return outside("load_extension".to_string());
            }
            None
        }
    }
}

/// `sql` as PostgreSQL can run it inside the transaction the declared schema loads in: the
/// `CONCURRENTLY` of `CREATE/DROP INDEX CONCURRENTLY` and `REFRESH MATERIALIZED VIEW
/// CONCURRENTLY` (which a transaction refuses) left out, since on an empty scratch database
/// it changes nothing about the result. Anything else is returned as is.
#[must_use]
pub fn in_transaction(sql: &str) -> std::borrow::Cow<'_, str> {
    let toks = split::tokens(sql, crate::migrate::split_dialect(Dialect::Postgres));
    let word = |i: usize, kw: &str| matches!(toks.get(i), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw));
    let at = match () {
        () if word(0, "CREATE") && word(1, "INDEX") => Some(2),
        () if word(0, "CREATE") && word(1, "UNIQUE") && word(2, "INDEX") => Some(3),
        () if word(0, "DROP") && word(1, "INDEX") => Some(2),
        () if word(0, "REFRESH") && word(1, "MATERIALIZED") && word(2, "VIEW") => Some(3),
        () => None,
    };
    match at.and_then(|i| match toks.get(i) {
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("CONCURRENTLY") => Some(*w),
        _ => None,
    }) {
        Some(w) => {
            // The token is a slice of `sql`: its offset is where it starts.
            let start = w.as_ptr() as usize - sql.as_ptr() as usize;
            let end = start + w.len();
            std::borrow::Cow::Owned(format!("{}{}", &sql[..start], &sql[end..]))
        }
        None => std::borrow::Cow::Borrowed(sql),
    }
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
