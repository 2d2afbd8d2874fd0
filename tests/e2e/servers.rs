//! up, down, current, stamp and repair on PostgreSQL and MariaDB: transactions, dirty revisions, locking.
//!
//! Every test runs the real binary against a fresh database of its own on the local servers
//! (see `cargo_schema_e2e::db`); without a server the test skips visibly, in CI it fails.
//! On PostgreSQL the URL carries a password (the local server trusts 127.0.0.1 and ignores it),
//! so every run also checks that the password never reaches stdout or stderr.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use cargo_schema_e2e::assert::{INVALID, error_line_has, exits, help_has, is_checksum};
use cargo_schema_e2e::db::{
    PASSWORD, Server, TestDatabase, ok_on as ok, run_on as schema, url_with_password as url,
};
use cargo_schema_e2e::on_both_servers;
use cargo_schema_e2e::project::drain;
use cargo_schema_e2e::{Output, TestProject, test_database};

/// Exit code 1: the work failed.
const FAILED: i32 = 1;

/// The version table and its layout table, all that `down base` leaves behind.
const VERSION_TABLES: [&str; 2] = ["schema_version", "schema_version_meta"];

// ---------------------------------------------------------------------------------------
// Revision files
// ---------------------------------------------------------------------------------------

pub(super) use cargo_schema_e2e::fixtures::write_revision;
use cargo_schema_e2e::fixtures::{revision_file, revision_text};

/// The file name of a revision written by [`write_revision`].
pub(super) fn file_name(id: &str) -> String {
    format!("{id}_r_{id}.sql")
}

/// The 1-based line of the first line of `text` that contains `needle`.
#[track_caller]
pub(super) fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} is not in\n{text}"))
        + 1
}

/// A plain revision: a table `t_<id>` with one row; the down section drops it.
fn table_up(id: &str) -> String {
    format!(
        "CREATE TABLE t_{id} (id INTEGER PRIMARY KEY, label VARCHAR(20));\nINSERT INTO t_{id} (id, label) VALUES (1, '{id}');"
    )
}

fn table_down(id: &str) -> String {
    format!("DROP TABLE t_{id};")
}

pub(super) fn write_table_revision(p: &TestProject, id: &str, revises: &str) {
    write_revision(p, id, revises, "", &table_up(id), Some(&table_down(id)));
}

pub(super) const BASE: &str = "1a2b3c4d5e6f";
const LEFT: &str = "2b3c4d5e6f70";
const RIGHT: &str = "3c4d5e6f7081";
const MERGE: &str = "4d5e6f708192";
const TOP: &str = "5e6f708192a3";

/// Every revision of [`history`], in an order that applies.
const HISTORY: [&str; 5] = [BASE, LEFT, RIGHT, MERGE, TOP];

/// A branched and merged history, each revision creating its table `t_<id>`:
///
/// ```text
/// 1a2b3c4d5e6f <- 2b3c4d5e6f70 <- 4d5e6f708192 (merge) <- 5e6f708192a3
///              <- 3c4d5e6f7081 <-/
/// ```
fn history() -> TestProject {
    let p = TestProject::new();
    write_table_revision(&p, BASE, "");
    write_table_revision(&p, LEFT, BASE);
    write_table_revision(&p, RIGHT, BASE);
    write_table_revision(&p, MERGE, &format!("{LEFT}, {RIGHT}"));
    write_table_revision(&p, TOP, MERGE);
    p
}

// ---------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------

/// The ids `current` prints, one per line, first word.
#[track_caller]
fn current(p: &TestProject, url: &str) -> Vec<String> {
    ok(p, url, &["current"]).first_words()
}

/// The revisions the version table records, sorted.
#[track_caller]
pub(super) fn recorded(db: &TestDatabase) -> Vec<String> {
    cargo_schema_e2e::db::recorded(db)
}

/// `(state, statements_done, error)` of one row of the version table (`error` empty when
/// NULL).
#[track_caller]
pub(super) fn version_row(db: &TestDatabase, id: &str) -> (String, i64, String) {
    let out = db.query(&format!(
        "SELECT state, statements_done, COALESCE(error, '') FROM schema_version WHERE revision = '{id}'"
    ));
    let mut cols = out.splitn(3, '\t');
    let mut next = || cols.next().unwrap_or_default().to_owned();
    let (state, done, error) = (next(), next(), next());
    let done = done
        .parse()
        .unwrap_or_else(|_| panic!("no row for {id} in the version table: {out:?}"));
    (state, done, error)
}

/// The version table records exactly `ids`, and the tables are those of [`tables_for`].
#[track_caller]
fn holds(db: &TestDatabase, ids: &[&str]) {
    assert_eq!(recorded(db), sorted(ids));
    assert_eq!(db.tables(), tables_for(ids));
}

/// Sorted owned strings.
fn sorted<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Vec<String> {
    let mut v: Vec<String> = items.into_iter().map(|s| s.as_ref().to_owned()).collect();
    v.sort();
    v
}

/// The version tables and `t_<id>` of each id, sorted.
pub(super) fn tables_for(ids: &[&str]) -> Vec<String> {
    sorted(
        VERSION_TABLES
            .iter()
            .map(|t| t.to_string())
            .chain(ids.iter().map(|id| format!("t_{id}"))),
    )
}

/// The binary as `TestProject::run` starts it, not yet started.
fn command(p: &TestProject, args: &[&str]) -> Command {
    p.piped(args)
}

/// What a spawned process left.
#[derive(Debug)]
struct Finished {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn collect(child: &mut Child, code: Option<i32>) -> Finished {
    let (stdout, stderr) = drain(child);
    Finished {
        code,
        stdout,
        stderr,
    }
}

/// Waits for a child until `deadline`; past it the child is killed and the test fails.
/// (The output of these runs is far below a pipe's capacity, so polling cannot deadlock.)
#[track_caller]
fn wait_until(mut child: Child, deadline: Instant) -> Finished {
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return collect(&mut child, status.code());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let left = collect(&mut child, None);
            panic!("a run did not finish in time\n{left:#?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Unescapes a value as `mysql -B` prints it (`\n`, `\t`, `\\`, `\0`).
fn unescape_mysql(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// A branched and merged history: up, current, down, stamp, relative targets
// ---------------------------------------------------------------------------------------

fn up_down_and_current_walk_the_history(server: Server) {
    let db = test_database!(server);
    let p = history();
    let url = url(&db);

    let out = ok(&p, &url, &["up"]);
    if server == Server::Postgres {
        out.stderr_has("****");
    }
    // Parents before children: the base, both branches, the merge, then the top.
    let at = |id: &str| {
        out.stderr
            .find(&format!("Applied {id}"))
            .unwrap_or_else(|| panic!("{id} was not reported as applied\n{out:#?}"))
    };
    assert!(at(BASE) < at(LEFT) && at(BASE) < at(RIGHT), "{out:#?}");
    assert!(at(LEFT) < at(MERGE) && at(RIGHT) < at(MERGE), "{out:#?}");
    assert!(at(MERGE) < at(TOP), "{out:#?}");
    assert_eq!(db.tables(), tables_for(&HISTORY));
    assert_eq!(recorded(&db), sorted(HISTORY));
    assert_eq!(db.query(&format!("SELECT label FROM t_{MERGE}")), MERGE);
    assert_eq!(current(&p, &url), [TOP]);

    ok(&p, &url, &["down", "-1"]).stderr_has(&format!("Rolled back {TOP}"));
    assert_eq!(current(&p, &url), [MERGE]);
    assert_eq!(db.tables(), tables_for(&[BASE, LEFT, RIGHT, MERGE]));
    assert_eq!(recorded(&db), sorted([BASE, LEFT, RIGHT, MERGE]));

    ok(&p, &url, &["down", "base"]);
    assert_eq!(db.tables(), VERSION_TABLES);
    assert_eq!(recorded(&db), Vec::<String>::new());
    assert_eq!(current(&p, &url), Vec::<String>::new());

    ok(&p, &url, &["up"]);
    assert_eq!(db.tables(), tables_for(&HISTORY));
    assert_eq!(recorded(&db), sorted(HISTORY));
    assert_eq!(current(&p, &url), [TOP]);
    ok(&p, &url, &["up"]).stderr_lacks("Applied");
}

fn stamp_head_records_every_revision_without_creating_tables(server: Server) {
    let db = test_database!(server);
    let p = history();
    let url = url(&db);

    let out = ok(&p, &url, &["stamp", "head"]);
    for id in HISTORY {
        out.stderr_has(&format!("Stamped {id}"));
    }
    assert_eq!(db.tables(), VERSION_TABLES);
    assert_eq!(recorded(&db), sorted(HISTORY));
    for id in HISTORY {
        assert_eq!(version_row(&db, id).0, "applied", "{id}");
    }
    assert_eq!(current(&p, &url), [TOP]);
    // Nothing is pending, so nothing runs.
    ok(&p, &url, &["up"]).stderr_lacks("Applied");
    assert_eq!(db.tables(), VERSION_TABLES);
}

fn relative_and_revision_targets_move_up_and_down(server: Server) {
    let db = test_database!(server);
    let p = history();
    let url = url(&db);

    ok(&p, &url, &["up", "+1"]);
    holds(&db, &[BASE]);

    // A revision (by prefix) comes with all its ancestors: both parents of the merge.
    ok(&p, &url, &["up", &MERGE[..4]]);
    assert_eq!(recorded(&db), sorted([BASE, LEFT, RIGHT, MERGE]));
    assert_eq!(current(&p, &url), [MERGE]);

    ok(&p, &url, &["up", "+1"]);
    assert_eq!(recorded(&db), sorted(HISTORY));

    ok(&p, &url, &["down", MERGE]);
    holds(&db, &[BASE, LEFT, RIGHT, MERGE]);

    // Everything above the base goes, both branches and the merge.
    ok(&p, &url, &["down", BASE]);
    holds(&db, &[BASE]);
    assert_eq!(current(&p, &url), [BASE]);

    ok(&p, &url, &["down", "-1"]);
    assert_eq!(recorded(&db), Vec::<String>::new());
    assert_eq!(db.tables(), VERSION_TABLES);
}

/// Two heads, the left one on a labelled branch:
///
/// ```text
/// 1a2b3c4d5e6f <- 2b3c4d5e6f70 (auth)
///              <- 3c4d5e6f7081
/// ```
fn two_heads_with_a_label() -> TestProject {
    let p = TestProject::new();
    write_table_revision(&p, BASE, "");
    let left = revision_text(LEFT, BASE, "", &table_up(LEFT), Some(&table_down(LEFT))).replacen(
        "-- message:",
        "-- branch-labels: auth\n-- message:",
        1,
    );
    p.write(&format!("migrations/{}", file_name(LEFT)), left);
    write_table_revision(&p, RIGHT, BASE);
    p
}

fn branch_targets_and_stamp_forms_work(server: Server) {
    let db = test_database!(server);
    let p = two_heads_with_a_label();
    let url = url(&db);

    // `auth@+1` from nothing walks up the branch's lineage, one revision at a time.
    ok(&p, &url, &["up", "auth@+1"]);
    assert_eq!(recorded(&db), [BASE]);
    ok(&p, &url, &["up", "auth@+1"]);
    assert_eq!(recorded(&db), sorted([BASE, LEFT]));

    // `head` is ambiguous with two heads; `heads` applies both.
    let out = schema(&p, &url, &["up", "head"]);
    exits(&out, INVALID).stderr_has(LEFT).stderr_has(RIGHT);
    ok(&p, &url, &["up", "heads"]);
    holds(&db, &[BASE, LEFT, RIGHT]);

    // `-1` from two current heads is ambiguous and names them.
    let out = schema(&p, &url, &["down", "-1"]);
    exits(&out, INVALID).stderr_has(LEFT).stderr_has(RIGHT);

    // `auth@base` rolls back that branch only.
    ok(&p, &url, &["down", "auth@base"]);
    holds(&db, &[BASE, RIGHT]);
    ok(&p, &url, &["up", "auth@head"]);
    assert_eq!(recorded(&db), sorted([BASE, LEFT, RIGHT]));

    // stamp: `--purge base` empties the table without touching the schema; `heads` records
    // everything without running it.
    ok(&p, &url, &["stamp", "--purge", "base"]);
    assert_eq!(recorded(&db), Vec::<String>::new());
    assert_eq!(db.tables(), tables_for(&[BASE, LEFT, RIGHT]));
    ok(&p, &url, &["stamp", "heads"]);
    assert_eq!(recorded(&db), sorted([BASE, LEFT, RIGHT]));
    ok(&p, &url, &["down", "base"]);
    assert_eq!(db.tables(), VERSION_TABLES);
}

// ---------------------------------------------------------------------------------------
// The version table
// ---------------------------------------------------------------------------------------

fn the_version_table_records_checksum_down_sql_state_and_layout(server: Server) {
    let db = test_database!(server);
    let p = history();
    // A down section of several lines, to see it kept as written.
    let multi_down = format!("DELETE FROM t_{TOP} WHERE id = 1;\n\nDROP TABLE t_{TOP};");
    write_revision(&p, TOP, MERGE, "", &table_up(TOP), Some(&multi_down));
    let url = url(&db);
    ok(&p, &url, &["up"]);

    let mut checksums = Vec::new();
    for id in HISTORY {
        let row = db.query(&format!(
            "SELECT checksum, state, statements_done, duration_ms, applied_at FROM schema_version WHERE revision = '{id}'"
        ));
        let cols: Vec<&str> = row.split('\t').collect();
        assert_eq!(cols.len(), 5, "{id}: {row:?}");
        let checksum = cols[0];
        is_checksum(checksum, id);
        checksums.push(checksum.to_owned());
        assert_eq!(cols[1], "applied", "{id}: {row:?}");
        assert!(cols[3].parse::<i64>().is_ok_and(|ms| ms >= 0), "{row:?}");
        // `YYYY-MM-DD HH:MM:SS.ffffff+00:00`
        let at = cols[4];
        assert!(
            at.len() == 32 && at.as_bytes()[10] == b' ' && at.ends_with("+00:00"),
            "{id}: applied_at {at:?}"
        );

        let stored = db.query(&format!(
            "SELECT down_sql FROM schema_version WHERE revision = '{id}'"
        ));
        let stored = match server {
            Server::MySql => unescape_mysql(&stored),
            Server::Postgres => stored,
        };
        let expected = if id == TOP {
            multi_down.clone()
        } else {
            table_down(id)
        };
        assert_eq!(stored.trim(), expected.trim(), "{id}: down_sql");
    }
    let mut distinct = sorted(&checksums);
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        checksums.len(),
        "different revisions, same checksum: {checksums:?}"
    );
    assert_eq!(
        db.query("SELECT name, value FROM schema_version_meta"),
        "layout\t1"
    );
}

// ---------------------------------------------------------------------------------------
// Failures: atomic on PostgreSQL, dirty on MariaDB
// ---------------------------------------------------------------------------------------

pub(super) const FAIL: &str = "fa11fa11fa11";
const NEXT: &str = "0e0e0e0e0e0e";

const HALF_UP: &str =
    "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\nINSERT INTO missing_table (id) VALUES (1);";
const FIXED_UP: &str =
    "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\nINSERT INTO half_done (id) VALUES (1);";
const HALF_DOWN: &str = "DROP TABLE half_done;";

/// The base, then a revision whose second statement fails; returns the failing file's text.
fn failing_project() -> (TestProject, String) {
    let p = TestProject::new();
    write_table_revision(&p, BASE, "");
    write_revision(&p, FAIL, BASE, "", HALF_UP, Some(HALF_DOWN));
    let text = p.read(&revision_file(FAIL));
    (p, text)
}

/// Asserts that the failure names the file and line of the failing statement, the revision,
/// and (`message`) the database's own words.
#[track_caller]
fn names_the_failing_statement(out: &Output, text: &str, message: &str) {
    exits(out, FAILED);
    let line = line_of(text, "INSERT INTO missing_table");
    error_line_has(
        out,
        &[&format!("{}:{line}", file_name(FAIL)), FAIL, message],
    );
}

#[test]
fn postgres_a_revision_whose_second_statement_fails_leaves_no_trace() {
    let db = test_database!(Server::Postgres);
    let (p, text) = failing_project();
    let url = url(&db);

    let out = schema(&p, &url, &["up"]);
    names_the_failing_statement(&out, &text, "relation \"missing_table\" does not exist");
    // The revision before it stays applied; of the failing one nothing is left.
    assert_eq!(db.tables(), tables_for(&[BASE]));
    assert_eq!(recorded(&db), [BASE]);
    assert_eq!(current(&p, &url), [BASE]);

    // Fixed, it applies.
    write_revision(&p, FAIL, BASE, "", FIXED_UP, Some(HALF_DOWN));
    ok(&p, &url, &["up"]);
    assert_eq!(recorded(&db), sorted([BASE, FAIL]));
    assert_eq!(db.query("SELECT count(*) FROM half_done"), "1");
}

/// Runs `up` on [`failing_project`] on MariaDB, checks the dirty row it leaves and that `up`
/// and `down` refuse while it is there: the project and its URL.
#[track_caller]
fn mariadb_fails_halfway(db: &TestDatabase) -> (TestProject, String) {
    let (p, text) = failing_project();
    let url = url(db);
    let out = schema(&p, &url, &["up"]);
    names_the_failing_statement(&out, &text, "missing_table");
    // DDL commits by itself on MariaDB: the first statement's table stays.
    assert_eq!(
        db.tables(),
        sorted(tables_for(&[BASE]).into_iter().chain(["half_done".into()]))
    );
    assert_eq!(recorded(db), sorted([BASE, FAIL]));
    let (state, done, error) = version_row(db, FAIL);
    assert_eq!(state, "dirty");
    assert_eq!(done, 1);
    assert!(error.contains("missing_table"), "error: {error:?}");
    refuses_while_dirty(&p, &url);
    (p, url)
}

/// `up` and `down -1` refuse while a revision is dirty, saying which, how far it got, and
/// that `repair` resolves it.
#[track_caller]
fn refuses_while_dirty(p: &TestProject, url: &str) {
    for args in [&["up"][..], &["down", "-1"]] {
        let out = schema(p, url, args);
        exits(&out, FAILED);
        error_line_has(&out, &[FAIL, "1 statement"]);
        help_has(&out, &format!("repair {FAIL}"));
    }
}

#[test]
fn mariadb_a_failing_revision_stays_dirty_until_repaired_as_not_applied() {
    let db = test_database!(Server::MySql);
    let (p, url) = mariadb_fails_halfway(&db);
    assert_eq!(version_row(&db, FAIL).0, "dirty");

    // The user undoes the first statement by hand, records that, and fixes the file.
    db.query("DROP TABLE half_done");
    ok(&p, &url, &["repair", FAIL, "--not-applied"]);
    assert_eq!(recorded(&db), [BASE]);
    write_revision(&p, FAIL, BASE, "", FIXED_UP, Some(HALF_DOWN));
    ok(&p, &url, &["up"]).stderr_has(&format!("Applied {FAIL}"));
    assert_eq!(version_row(&db, FAIL).0, "applied");
    assert_eq!(db.query("SELECT COUNT(*) FROM half_done"), "1");
    assert_eq!(current(&p, &url), [FAIL]);
}

#[test]
fn mariadb_a_failing_revision_finished_by_hand_is_repaired_as_applied() {
    let db = test_database!(Server::MySql);
    let (p, url) = mariadb_fails_halfway(&db);

    // The user fixes the file, runs the statement that did not run by hand, and records it.
    write_revision(&p, FAIL, BASE, "", FIXED_UP, Some(HALF_DOWN));
    db.query("INSERT INTO half_done (id) VALUES (1)");
    ok(&p, &url, &["repair", FAIL, "--applied"]);
    let (state, _, error) = version_row(&db, FAIL);
    assert_eq!((state.as_str(), error.as_str()), ("applied", ""));

    // Work goes on from there, and the repaired revision rolls back with its down section.
    write_table_revision(&p, NEXT, FAIL);
    ok(&p, &url, &["up"]).stderr_has(&format!("Applied {NEXT}"));
    assert_eq!(current(&p, &url), [NEXT]);
    ok(&p, &url, &["down", "-1"]);
    ok(&p, &url, &["down", "-1"]).stderr_has(&format!("Rolled back {FAIL}"));
    holds(&db, &[BASE]);
}

// ---------------------------------------------------------------------------------------
// What the statement splitter must get right on a real server
// ---------------------------------------------------------------------------------------

#[test]
fn postgres_transaction_false_runs_two_concurrent_index_builds_one_at_a_time() {
    let db = test_database!(Server::Postgres);
    let p = TestProject::new();
    let items =
        "CREATE TABLE items (a INTEGER, b INTEGER);\nINSERT INTO items VALUES (1, 2), (3, 4);";
    write_revision(&p, BASE, "", "", items, Some("DROP TABLE items;"));
    write_revision(
        &p,
        NEXT,
        BASE,
        " transaction:false",
        "CREATE INDEX CONCURRENTLY items_a ON items (a);\nCREATE INDEX CONCURRENTLY items_b ON items (b);",
        Some("DROP INDEX CONCURRENTLY items_b;\nDROP INDEX CONCURRENTLY items_a;"),
    );
    let url = url(&db);
    let indexes = "SELECT indexname FROM pg_indexes WHERE tablename = 'items' ORDER BY indexname";

    ok(&p, &url, &["up"]).stderr_has(&format!("Applied {NEXT}"));
    assert_eq!(db.query(indexes), "items_a\nitems_b");
    assert_eq!(version_row(&db, NEXT), ("applied".into(), 2, String::new()));
    assert_eq!(
        db.query(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE c.relname IN ('items_a', 'items_b') AND i.indisvalid"
        ),
        "2"
    );

    ok(&p, &url, &["down", "-1"]).stderr_has(&format!("Rolled back {NEXT}"));
    assert_eq!(db.query(indexes), "");
    assert_eq!(recorded(&db), [BASE]);
}

/// `up` (a table `audited` whose insert trigger counts `touched` and fills `note`, and one
/// insert) as the one revision on `db`: applied, the trigger ran (`ran` says so otherwise),
/// `applied` checks the version row; rolled back, only the version tables are left.
fn audited_up_and_down(
    db: &TestDatabase,
    up: &str,
    down: &str,
    ran: &str,
    applied: impl FnOnce(&TestDatabase),
) {
    let p = TestProject::new();
    write_revision(&p, BASE, "", "", up, Some(down));
    let url = url(db);
    ok(&p, &url, &["up"]);
    assert_eq!(
        db.query("SELECT touched, note FROM audited"),
        "1\tx; y",
        "{ran}"
    );
    applied(db);
    ok(&p, &url, &["down", "base"]);
    assert_eq!(db.tables(), VERSION_TABLES);
}

#[test]
fn postgres_a_plpgsql_function_with_semicolons_in_its_dollar_body_and_a_trigger_apply() {
    let db = test_database!(Server::Postgres);
    let up = "\
CREATE TABLE audited (id INTEGER PRIMARY KEY, note TEXT, touched INTEGER NOT NULL DEFAULT 0);

CREATE FUNCTION touch() RETURNS trigger AS $$
BEGIN
    NEW.touched := NEW.touched + 1;
    IF NEW.note IS NULL THEN
        NEW.note := 'x; y';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audited_touch BEFORE INSERT ON audited
    FOR EACH ROW EXECUTE FUNCTION touch();

INSERT INTO audited (id) VALUES (1);";
    let down =
        "DROP TRIGGER audited_touch ON audited;\nDROP FUNCTION touch();\nDROP TABLE audited;";
    audited_up_and_down(&db, up, down, "the trigger ran the function", |db| {
        assert_eq!(version_row(db, BASE).0, "applied");
    });
    assert_eq!(
        db.query("SELECT count(*) FROM pg_proc WHERE proname = 'touch'"),
        "0"
    );
}

#[test]
fn mariadb_a_trigger_with_semicolons_in_its_begin_end_body_applies() {
    let db = test_database!(Server::MySql);
    let up = "\
CREATE TABLE audited (id INTEGER PRIMARY KEY, note VARCHAR(20), touched INTEGER NOT NULL DEFAULT 0);

CREATE TRIGGER audited_touch BEFORE INSERT ON audited
FOR EACH ROW
BEGIN
    SET NEW.touched = NEW.touched + 1;
    IF NEW.note IS NULL THEN
        SET NEW.note = 'x; y';
    END IF;
END;

INSERT INTO audited (id) VALUES (1);";
    let down = "DROP TRIGGER audited_touch;\nDROP TABLE audited;";
    audited_up_and_down(&db, up, down, "the trigger ran", |db| {
        assert_eq!(version_row(db, BASE), ("applied".into(), 3, String::new()));
    });
    assert_eq!(
        db.query(
            "SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = DATABASE()"
        ),
        "0"
    );
}

// ---------------------------------------------------------------------------------------
// Concurrency and crashes
// ---------------------------------------------------------------------------------------

/// 50 revisions in a line; the first creates `log`, each inserts its own id into it.
fn logging_project(count: usize) -> (TestProject, Vec<String>) {
    let p = TestProject::new();
    let ids: Vec<String> = (1..=count).map(|i| format!("c0c0{i:08x}")).collect();
    let mut parent = String::new();
    for (i, id) in ids.iter().enumerate() {
        let insert = format!("INSERT INTO log (rev) VALUES ('{id}');");
        let (up, down) = if i == 0 {
            (
                format!("CREATE TABLE log (rev VARCHAR(12) NOT NULL);\n{insert}"),
                "DROP TABLE log;".to_owned(),
            )
        } else {
            (insert, format!("DELETE FROM log WHERE rev = '{id}';"))
        };
        write_revision(&p, id, &parent, "", &up, Some(&down));
        parent.clone_from(id);
    }
    (p, ids)
}

fn eight_concurrent_runs_apply_each_revision_exactly_once(server: Server, lock: &str) {
    let db = test_database!(server);
    let (p, ids) = logging_project(50);
    let url = url(&db);

    let children: Vec<Child> = (0..8)
        .map(|_| {
            command(&p, &["--database-url", &url, "up", "--lock", lock])
                .spawn()
                .expect("the binary starts")
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    let runs: Vec<Finished> = children
        .into_iter()
        .map(|c| wait_until(c, deadline))
        .collect();
    for run in &runs {
        assert_eq!(run.code, Some(0), "a concurrent run failed\n{runs:#?}");
        assert!(
            !run.stdout.contains(PASSWORD)
                && !run.stderr.contains(PASSWORD)
                && !run.stderr.contains("panicked"),
            "{run:#?}"
        );
    }
    let applied: usize = runs
        .iter()
        .map(|r| r.stderr.matches("Applied ").count())
        .sum();
    assert_eq!(
        applied, 50,
        "each revision is applied by exactly one run\n{runs:#?}"
    );

    assert_eq!(
        db.query("SELECT COUNT(*), COUNT(DISTINCT rev) FROM log"),
        "50\t50"
    );
    assert_eq!(
        db.query("SELECT rev FROM log GROUP BY rev HAVING COUNT(*) <> 1"),
        ""
    );
    assert_eq!(recorded(&db), sorted(&ids));
    assert_eq!(current(&p, &url), [ids[49].clone()]);
}

/// MariaDB's `GET_LOCK` names are server-wide: the lock must be per database, or a
/// migration on one database holds up every other database on the server.
#[test]
fn mariadb_a_run_on_another_database_does_not_wait_for_the_lock() {
    let busy = test_database!(Server::MySql, "mariadb_lock_busy");
    let idle = test_database!(Server::MySql, "mariadb_lock_idle");
    let slow = TestProject::new();
    write_revision(
        &slow,
        BASE,
        "",
        "",
        "CREATE TABLE slow (id INTEGER);\nSELECT SLEEP(8);",
        Some("DROP TABLE slow;"),
    );
    let fast = history();

    let child = command(&slow, &["--database-url", &busy.url(), "up"])
        .spawn()
        .expect("the binary starts");
    busy.wait_for(
        "SELECT COUNT(*) FROM information_schema.processlist \
         WHERE db = DATABASE() AND id <> CONNECTION_ID() AND info LIKE 'SELECT SLEEP(8)%'",
        Duration::from_secs(20),
        "the slow revision never started",
    );

    let start = Instant::now();
    let out = ok(&fast, &idle.url(), &["up"]);
    let took = start.elapsed();
    let slow_run = wait_until(child, Instant::now() + Duration::from_secs(30));
    assert_eq!(slow_run.code, Some(0), "{slow_run:#?}");
    assert!(
        took < Duration::from_secs(4),
        "`up` on {} waited {took:?} for a migration on {}\n{out:#?}",
        idle.name(),
        busy.name()
    );
}

#[test]
fn postgres_kill_9_during_a_revision_leaves_the_previous_revision_and_up_completes() {
    let db = test_database!(Server::Postgres);
    // By default PostgreSQL notices a dead client only when the statement returns (here after
    // 30 s); cargo-schema sets client_connection_check_interval on its connections, so the
    // server ends the killed run's session, and its advisory lock, within about a second.
    let p = TestProject::new();
    write_table_revision(&p, BASE, "");
    write_revision(
        &p,
        NEXT,
        BASE,
        "",
        "CREATE TABLE sleepy (id INTEGER);\nSELECT pg_sleep(30);",
        Some("DROP TABLE sleepy;"),
    );
    let url = url(&db);

    let mut child = command(&p, &["--database-url", &url, "up"])
        .spawn()
        .expect("the binary starts");
    let started = Instant::now();
    let sleeping = "SELECT count(*) FROM pg_stat_activity \
                    WHERE datname = current_database() AND pid <> pg_backend_pid() \
                    AND state = 'active' AND query LIKE 'SELECT pg_sleep%'";
    while db.query(sleeping) == "0" {
        if started.elapsed() > Duration::from_secs(20) || child.try_wait().ok().flatten().is_some()
        {
            let _ = child.kill();
            let status = child.wait().ok().and_then(|s| s.code());
            let left = collect(&mut child, status);
            panic!("the sleeping revision was never seen running\n{left:#?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // SIGKILL: nothing of the binary runs after this.
    child.kill().expect("kill -9");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), None, "killed by a signal");

    assert_eq!(db.tables(), tables_for(&[BASE]), "the table of {NEXT}");
    assert_eq!(recorded(&db), [BASE]);

    // Without the sleep the revision applies: the killed session's lock went with it.
    write_revision(
        &p,
        NEXT,
        BASE,
        "",
        "CREATE TABLE sleepy (id INTEGER);",
        Some("DROP TABLE sleepy;"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let run = wait_until(
        command(&p, &["--database-url", &url, "up"])
            .spawn()
            .expect("the binary starts"),
        deadline,
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stderr.contains(&format!("Applied {NEXT}")), "{run:#?}");
    assert_eq!(recorded(&db), sorted([BASE, NEXT]));
    assert!(db.tables().contains(&"sleepy".to_owned()));
}

// ---------------------------------------------------------------------------------------
// Connection failures
// ---------------------------------------------------------------------------------------

#[test]
fn an_unreachable_host_fails_quickly_saying_it_cannot_connect() {
    let p = history();
    for url in [
        "postgres://postgres@127.0.0.1:1/x",
        "mysql://root@127.0.0.1:1/x",
    ] {
        let start = Instant::now();
        let out = schema(&p, url, &["up"]);
        let took = start.elapsed();
        exits(&out, FAILED);
        error_line_has(&out, &["cannot connect", "127.0.0.1:1"]);
        assert!(took < Duration::from_secs(10), "{url}: took {took:?}");
    }
}

fn an_unknown_database_is_named(server: Server) {
    // The test database only proves the server is there; the URL names another.
    let db = test_database!(server);
    // Short: PostgreSQL cuts names at 63 bytes, and the test database's name with a suffix
    // could be cut back to the test database's own name.
    let missing = format!("cs_missing_{}", std::process::id());
    let url = url(&db).replace(db.name(), &missing);
    assert!(url.contains(&missing), "{url}");
    for args in [&["up"][..], &["current"]] {
        let out = schema(&history(), &url, args);
        exits(&out, FAILED);
        error_line_has(&out, &["cannot connect", &missing]);
    }
}

#[test]
fn mariadb_a_wrong_password_fails_without_echoing_it() {
    let db = test_database!(Server::MySql);
    let p = history();
    let url = format!("mysql://root:wrongpw@127.0.0.1:3306/{}", db.name());
    for args in [
        &["up"][..],
        &["current"],
        &["down", "base"],
        &["stamp", "head"],
    ] {
        let out = schema(&p, &url, args);
        exits(&out, FAILED);
        error_line_has(&out, &["cannot connect", "****"]);
        out.stderr_lacks("wrongpw");
        assert!(!out.stdout.contains("wrongpw"), "{out:#?}");
    }
    assert_eq!(db.tables(), Vec::<String>::new());
}

on_both_servers!(
    up_down_and_current_walk_the_history:
        postgres_up_down_and_current_walk_a_branched_and_merged_history,
        mariadb_up_down_and_current_walk_a_branched_and_merged_history;
    stamp_head_records_every_revision_without_creating_tables:
        postgres_stamp_head_records_every_revision_without_creating_tables,
        mariadb_stamp_head_records_every_revision_without_creating_tables;
    branch_targets_and_stamp_forms_work:
        postgres_branch_targets_and_stamp_forms_work,
        mariadb_branch_targets_and_stamp_forms_work;
    relative_and_revision_targets_move_up_and_down:
        postgres_relative_and_revision_targets_move_up_and_down,
        mariadb_relative_and_revision_targets_move_up_and_down;
    the_version_table_records_checksum_down_sql_state_and_layout:
        postgres_version_table_records_checksum_down_sql_state_and_layout,
        mariadb_version_table_records_checksum_down_sql_state_and_layout;
    eight_concurrent_runs_apply_each_revision_exactly_once("advisory"):
        postgres_eight_concurrent_runs_apply_each_revision_exactly_once,
        mariadb_eight_concurrent_runs_apply_each_revision_exactly_once;
    /// The lease-row lock for PgBouncer's transaction pooling and CockroachDB serializes too.
    eight_concurrent_runs_apply_each_revision_exactly_once("table"):
        postgres_eight_concurrent_runs_with_the_table_lock_apply_each_revision_exactly_once,
        mariadb_eight_concurrent_runs_with_the_table_lock_apply_each_revision_exactly_once;
    an_unknown_database_is_named:
        postgres_an_unknown_database_is_named,
        mariadb_an_unknown_database_is_named
);
