//! Safe execution (issue 12): each revision's statements wait for locks at most the lock
//! timeout and run at most the statement timeout; a revision rolled back by a lock timeout is
//! tried again whole with `lock-retries`; while a statement waits, the run says on what and
//! held by whom. A second session holds a lock on `users` while `up` runs a revision that
//! needs it.
//!
//! PostgreSQL and MariaDB on a fresh database of their own (see `cargo_schema_e2e::db`);
//! SQLite in the project's `dev.db` with the `sqlite3` client holding its write lock.

use std::time::{Duration, Instant};

use cargo_schema_e2e::assert::{INVALID, error_line_has, exits, help_has, invalid};
use cargo_schema_e2e::db::{Server, TestDatabase, recorded, run_on as schema};
use cargo_schema_e2e::fixtures::after;
use cargo_schema_e2e::sqlite::dev_db;
use cargo_schema_e2e::{Output, TestProject, on_both_servers, test_database};

/// Exit code 1: the work failed.
const FAILED: i32 = 1;

const FIRST: &str = "1a2b3c4d5e6f";
const SECOND: &str = "2b3c4d5e6f70";

/// A project with `[package.metadata.schema]` holding `extra`, whose FIRST revision creates
/// `users` with a row; SECOND (written by [`second`]) is added once FIRST is applied.
fn project(extra: &str) -> TestProject {
    let p = TestProject::with_metadata(extra);
    p.write(
        &format!("migrations/{FIRST}_users.sql"),
        format!(
            "-- revision: {FIRST}\n-- revises:\n-- message: users\n\n-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(40));\nINSERT INTO users (id, name) VALUES (1, 'ada');\n\n-- migrate:down\nDROP TABLE users;\n"
        ),
    );
    p
}

/// Adds SECOND, running `up`.
fn second(p: &TestProject, up: &str) {
    p.write(
        &format!("migrations/{SECOND}_second.sql"),
        format!(
            "-- revision: {SECOND}\n-- revises: {FIRST}\n-- message: second\n\n-- migrate:up\n{up}\n\n-- migrate:down\nSELECT 1;\n"
        ),
    );
}

/// `up` on the database at `url`, and how long it took.
fn up(p: &TestProject, url: &str, args: &[&str]) -> (Output, Duration) {
    let mut all = vec!["up"];
    all.extend_from_slice(args);
    let start = Instant::now();
    let out = schema(p, url, &all);
    (out, start.elapsed())
}

/// The SQL a second session runs to hold a lock on `users` for `seconds`, and the query that
/// says (non-zero) once it holds it.
fn holding(server: Server, seconds: f64) -> (String, &'static str) {
    match server {
        Server::Postgres => (
            format!(
                "BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep({seconds}); COMMIT;"
            ),
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
             WHERE c.relname = 'users' AND l.mode = 'AccessExclusiveLock' AND l.granted",
        ),
        Server::MySql => (
            // An open transaction: its row lock on the row SECOND updates (and the
            // metadata lock any DDL on `users` would wait for).
            format!(
                "START TRANSACTION; UPDATE users SET name = 'held' WHERE id = 1; SELECT SLEEP({seconds}); COMMIT;"
            ),
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
             WHERE db = DATABASE() AND id <> CONNECTION_ID() AND info LIKE 'SELECT SLEEP%'",
        ),
    }
}

/// SECOND's statement that needs the lock the other session holds: PostgreSQL an `ALTER`
/// (ACCESS EXCLUSIVE), MariaDB an `UPDATE` of the locked row (an InnoDB row lock, whose
/// holder MariaDB names; a metadata lock's holder it names only with a plugin).
fn blocked_statement(server: Server) -> &'static str {
    match server {
        Server::Postgres => "ALTER TABLE users ADD COLUMN email VARCHAR(80);",
        Server::MySql => "UPDATE users SET name = 'changed' WHERE id = 1;",
    }
}

/// [`project`]`(extra)` with FIRST applied on `db`: the project and the database's URL.
#[track_caller]
fn first_applied(db: &TestDatabase, extra: &str) -> (TestProject, String) {
    let url = db.url();
    let p = project(extra);
    up(&p, &url, &[]).0.success();
    (p, url)
}

/// Whether SECOND took effect.
fn changed(db: &TestDatabase) -> bool {
    match db.server() {
        Server::Postgres => db.query(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email'",
        ) == "1",
        Server::MySql => db.query("SELECT name FROM users WHERE id = 1") == "changed",
    }
}

/// Runs `work` while a second session holds the lock on `users` for `seconds`; returns what
/// `work` returned once that session is done.
fn while_held<T>(db: &TestDatabase, seconds: f64, work: impl FnOnce() -> T) -> T {
    let (hold, probe) = holding(db.server(), seconds);
    std::thread::scope(|s| {
        let holder = s.spawn(|| db.query(&hold));
        db.wait_for(
            probe,
            Duration::from_secs(10),
            "the second session never took the lock",
        );
        let result = work();
        holder.join().expect("the holding session ends");
        result
    })
}

/// With `lock-timeout = "1s"`, a revision that waits for a lock held elsewhere ends within
/// a few seconds with exit 1, says on what it waited and who held it, and leaves nothing:
/// the version table and the schema as they were.
fn a_held_lock_ends_the_revision_after_the_lock_timeout(server: Server) {
    let db = test_database!(server);
    let (p, url) = first_applied(&db, "lock-timeout = \"1s\"\n");
    second(&p, blocked_statement(server));
    let (out, took) = while_held(&db, 6.0, || up(&p, &url, &[]));
    exits(&out, FAILED);
    assert!(took < Duration::from_secs(4), "{took:?}\n{out:#?}");
    let holder = match server {
        Server::Postgres => "held by pid",
        Server::MySql => "held by connection",
    };
    // Said while it waited, and again in the error.
    out.stderr_has(&format!("warning: {SECOND} is waiting for a lock on"))
        .stderr_has(holder);
    help_has(&out, holder);
    help_has(&out, "nothing of it took effect");
    help_has(&out, "--lock-retries");
    assert_eq!(recorded(&db), [FIRST]);
    assert!(!changed(&db), "SECOND took effect");
    // Once the holder is gone, it applies.
    up(&p, &url, &[]).0.success();
    assert!(changed(&db));
}

/// With `lock-retries = 3`, a revision rolled back by a lock timeout is tried again after a
/// backoff and applies once the holder lets go: exit 0, applied once, the retry said.
fn a_revision_is_retried_until_the_holder_lets_go(server: Server) {
    let db = test_database!(server);
    let (p, url) = first_applied(&db, "lock-timeout = \"1s\"\nlock-retries = 3\n");
    second(&p, blocked_statement(server));
    let (out, _) = while_held(&db, 1.5, || up(&p, &url, &[]));
    exits(&out, 0);
    out.stderr_has(&format!(
        "warning: retrying {SECOND} (attempt 2 of 4) after a lock timeout"
    ));
    assert_eq!(recorded(&db), [FIRST, SECOND]);
    assert!(changed(&db));
    assert_eq!(
        out.stderr.matches(&format!("Applied {SECOND}")).count(),
        1,
        "{out:#?}"
    );
}

/// The flags do the same as the keys, and a holder that never lets go is given up on after
/// the last attempt with the holder named.
fn retries_give_up_after_the_last_attempt(server: Server) {
    let db = test_database!(server);
    let (p, url) = first_applied(&db, "");
    second(&p, blocked_statement(server));
    let (out, took) = while_held(&db, 8.0, || {
        up(
            &p,
            &url,
            &["--lock-timeout", "500ms", "--lock-retries", "2"],
        )
    });
    exits(&out, FAILED);
    out.stderr_has(&format!("retrying {SECOND} (attempt 2 of 3)"))
        .stderr_has(&format!("retrying {SECOND} (attempt 3 of 3)"));
    help_has(&out, "on each of 3 attempts");
    help_has(&out, "held by");
    assert!(took < Duration::from_secs(7), "{took:?}\n{out:#?}");
    assert_eq!(recorded(&db), [FIRST]);
    assert!(!changed(&db));
}

/// MariaDB runs DDL outside a transaction: a lock timeout after a statement of the revision
/// already ran is not retried (a retry would run it twice); the revision is left dirty as
/// before, and the message says why it was not retried.
#[test]
fn mariadb_a_lock_timeout_after_a_statement_ran_is_not_retried() {
    let db = test_database!(Server::MySql);
    let (p, url) = first_applied(&db, "lock-timeout = \"1s\"\nlock-retries = 3\n");
    second(
        &p,
        "CREATE TABLE t_other (id INTEGER);\nUPDATE users SET name = 'changed' WHERE id = 1;",
    );
    let (out, _) = while_held(&db, 4.0, || up(&p, &url, &[]));
    exits(&out, FAILED);
    assert!(!out.stderr.contains("retrying"), "{out:#?}");
    help_has(&out, "so it was not tried again");
    help_has(&out, "recorded as dirty");
    assert_eq!(
        db.query(&format!(
            "SELECT state FROM schema_version WHERE revision = '{SECOND}'"
        )),
        "dirty"
    );
}

/// The statement timeout ends a revision whose statement runs too long, quickly.
fn the_statement_timeout_ends_a_long_statement(server: Server) {
    let db = test_database!(server);
    let (p, url) = first_applied(&db, "");
    let (sleep, message) = match server {
        Server::Postgres => ("SELECT pg_sleep(5);", "statement timeout"),
        Server::MySql => ("SELECT SLEEP(5);", "max_statement_time"),
    };
    second(&p, sleep);
    let (out, took) = up(&p, &url, &["--statement-timeout", "1s"]);
    exits(&out, FAILED);
    error_line_has(&out, &[SECOND, message]);
    assert!(took < Duration::from_secs(4), "{took:?}\n{out:#?}");
    assert_eq!(recorded(&db), [FIRST]);
    // The key does the same.
    let keyed = project("statement-timeout = \"1s\"\n");
    second(&keyed, sleep);
    let (out, took) = up(&keyed, &url, &[]);
    exits(&out, FAILED);
    error_line_has(&out, &[message]);
    assert!(took < Duration::from_secs(4), "{took:?}\n{out:#?}");
}

/// `up --sql` writes the revision's timeouts where `up` sets them.
#[test]
fn postgres_sql_scripts_set_the_timeouts_in_each_revisions_transaction() {
    let p = project("lock-timeout = \"2s\"\nstatement-timeout = \"1m\"\n");
    second(&p, "SELECT 1;");
    let out = p.run(&["up", "--sql", "--database-url", "postgres://u@localhost/db"]);
    exits(&out, 0);
    out.stdout_has(
        "BEGIN;\nSET LOCAL lock_timeout = '2000ms';\nSET LOCAL statement_timeout = '60000ms';\n",
    );
    let out = p.run(&[
        "up",
        "--sql",
        "--statement-timeout",
        "5s",
        "--database-url",
        "postgres://u@localhost/db",
    ]);
    out.stdout_has("SET LOCAL statement_timeout = '5000ms';");
}

/// SQLite: the write lock held by another connection (`BEGIN IMMEDIATE`): with
/// `--lock-retries` the revision applies once the holder commits.
#[test]
fn sqlite_a_revision_is_retried_until_the_write_lock_is_free() {
    let p = after(project(""), &["up"]);
    second(&p, "ALTER TABLE users ADD COLUMN email TEXT;");
    let db = dev_db(&p);
    let mut holder =
        cargo_schema_e2e::sqlite::hold_write_lock(&db, "UPDATE users SET name = 'held';", 1.5);
    let out = p.run(&["up", "--lock-timeout", "500ms", "--lock-retries", "5"]);
    let _ = holder.wait();
    exits(&out, 0);
    out.stderr_has(&format!(
        "warning: retrying {SECOND} (attempt 2 of 6) after a lock timeout"
    ));
    assert_eq!(
        cargo_schema_e2e::sqlite::sqlite3(&db, "SELECT COUNT(*) FROM schema_version").trim(),
        "2"
    );
}

/// A statement timeout that is not a duration and a retry count that is not a number are
/// refused naming the flag or the key, with exit 2.
#[test]
fn bad_statement_timeouts_and_lock_retries_are_refused_naming_them() {
    let p = project("");
    invalid(
        &p.run(&["up", "--statement-timeout", "soon"]),
        &["--statement-timeout", "`soon` is not a duration"],
    );
    invalid(
        &p.run(&["down", "base", "--lock-retries", "three"]),
        &["--lock-retries", "three"],
    );
    let keyed = project("statement-timeout = \"long\"\n");
    let out = keyed.run(&["up"]);
    exits(&out, INVALID);
    error_line_has(&out, &["`statement-timeout`", "`long` is not a duration"]);
    let keyed = project("lock-retries = \"three\"\n");
    let out = keyed.run(&["up"]);
    exits(&out, INVALID);
    error_line_has(&out, &["`lock-retries`"]);
}

/// A `transaction:false` section gets the lock timeout for its session (`SET`, then
/// `RESET`): the first statement timing out leaves nothing, so it is retried like a
/// transaction.
#[test]
fn postgres_a_section_outside_a_transaction_gets_the_lock_timeout_and_retries() {
    let db = test_database!(Server::Postgres);
    let (p, url) = first_applied(&db, "lock-timeout = \"1s\"\nlock-retries = 3\n");
    p.write(
        &format!("migrations/{SECOND}_second.sql"),
        format!(
            "-- revision: {SECOND}\n-- revises: {FIRST}\n-- message: second\n\n-- migrate:up transaction:false\nALTER TABLE users ADD COLUMN email VARCHAR(80);\n\n-- migrate:down\nSELECT 1;\n"
        ),
    );
    let (out, took) = while_held(&db, 1.5, || up(&p, &url, &[]));
    exits(&out, 0);
    out.stderr_has(&format!(
        "warning: retrying {SECOND} (attempt 2 of 4) after a lock timeout"
    ));
    assert!(took < Duration::from_secs(6), "{took:?}\n{out:#?}");
    assert_eq!(recorded(&db), [FIRST, SECOND]);
    assert!(changed(&db));
}

on_both_servers!(
    a_held_lock_ends_the_revision_after_the_lock_timeout:
        postgres_a_held_lock_ends_the_revision_after_the_lock_timeout,
        mariadb_a_held_lock_ends_the_revision_after_the_lock_timeout;
    a_revision_is_retried_until_the_holder_lets_go:
        postgres_a_revision_is_retried_until_the_holder_lets_go,
        mariadb_a_revision_is_retried_until_the_holder_lets_go;
    retries_give_up_after_the_last_attempt:
        postgres_retries_give_up_after_the_last_attempt,
        mariadb_retries_give_up_after_the_last_attempt;
    the_statement_timeout_ends_a_long_statement:
        postgres_the_statement_timeout_ends_a_long_statement,
        mariadb_the_statement_timeout_ends_a_long_statement
);
