//! The runner's hardening: what it refuses before anything runs (malformed sections,
//! transaction control in a transactional section), what a failure leaves behind and what it
//! advises, concurrent runs in opposite directions, and how `current -v` and `stamp --purge`
//! report. SQLite through the embedded `dev.db`; PostgreSQL and MariaDB on the local servers
//! (skipped visibly without one, failing in CI).

use std::collections::BTreeSet;

use cargo_schema_e2e::assert::{error_line_has, exits, help_has, invalid};
use cargo_schema_e2e::db::{Server, TestDatabase, ok_on as ok, run_on, url_with_password as url};
use cargo_schema_e2e::fixtures::after;
use cargo_schema_e2e::fixtures::{AE10F0, AE1027, LINE, applied, branched, linear};
use cargo_schema_e2e::on_both_servers;
use cargo_schema_e2e::project::{drain, poll_while_running, wait_ok};
use cargo_schema_e2e::{Output, TestProject, test_database};

use super::database::{
    current_json, dev_db, has_table, recorded, revision_file, sorted, sqlite, tables,
    write_revision,
};
use super::servers;

/// Exit code 1: the work failed.
const FAILED: i32 = 1;

const A: &str = "a1a1a1a1a1a1";
const B: &str = "b2b2b2b2b2b2";

/// A project with the base revision `A`, which creates the table `first`.
fn with_first() -> TestProject {
    let p = TestProject::new();
    write_revision(
        &p,
        A,
        "",
        "CREATE TABLE first (id INTEGER);",
        Some("DROP TABLE first;"),
    );
    p
}

/// `A` creates `first`; `B` (revising `A`) has the up section `up` (its first line is line 6
/// of its file) and drops `second` on the way down.
fn two_revisions(up: &str) -> TestProject {
    let p = with_first();
    write_revision(&p, B, A, up, Some("DROP TABLE second;"));
    p
}

/// `A` creates `first`; `B` creates `second` and has the down section `down`; both applied.
#[track_caller]
fn both_applied_with_down(down: &str) -> TestProject {
    let p = with_first();
    write_revision(&p, B, A, "CREATE TABLE second (id INTEGER);", Some(down));
    exits(&p.run(&["up"]), 0);
    p
}

/// `B`, without a transaction, left dirty by `up`: its first statement ran, the second failed.
#[track_caller]
fn dirty_after_its_first_statement() -> TestProject {
    let p = no_transaction(
        "CREATE TABLE second (id INTEGER);\nINSERT INTO nope VALUES (1);",
        "DROP TABLE second;",
    );
    exits(&p.run(&["up"]), FAILED);
    assert_eq!(current_json(&p)["dirty"], B);
    p
}

/// `up` refuses line 8 of `B`'s file naming `up_says` and runs nothing; `up --sql` refuses
/// it too and `check` reports it, each naming `all_say`. Returns `up`'s output.
#[track_caller]
fn line_8_refused_before_anything_runs(p: &TestProject, up_says: &[&str], all_say: &str) -> Output {
    let line = format!("{}:8", revision_file(B));
    let mut needles = vec![line.as_str()];
    needles.extend_from_slice(up_says);
    let up = p.run(&["up"]);
    invalid(&up, &needles);
    nothing_ran(p);

    let out = p.run(&["up", "--sql"]);
    invalid(&out, &[&line, all_say]);

    let out = p.run(&["check"]);
    exits(&out, FAILED);
    error_line_has(&out, &[&line, all_say]);
    up
}

/// Nothing of `A` or `B` ran and nothing is recorded.
#[track_caller]
fn nothing_ran(p: &TestProject) {
    let db = dev_db(p);
    if db.exists() {
        let all = tables(&db);
        assert!(
            !all.contains(&"first".to_string()) && !all.contains(&"second".to_string()),
            "a statement ran: {all:?}"
        );
        if all.contains(&"schema_version".to_string()) {
            assert_eq!(recorded(&db), Vec::<String>::new());
        }
    }
}

// ---------------------------------------------------------------------------------------
// Transaction control in a transactional section (SQLite)
// ---------------------------------------------------------------------------------------

#[test]
fn transaction_control_in_a_transactional_section_is_refused_before_anything_runs() {
    for (statement, keyword) in [
        ("COMMIT;", "COMMIT"),
        ("commit work;", "COMMIT"),
        ("BEGIN;", "BEGIN"),
        ("begin immediate transaction;", "BEGIN"),
        ("ROLLBACK;", "ROLLBACK"),
        ("END;", "END"),
        ("START TRANSACTION;", "START TRANSACTION"),
        ("SAVEPOINT s1;", "SAVEPOINT"),
        ("RELEASE s1;", "RELEASE"),
    ] {
        let p = two_revisions(&format!(
            "CREATE TABLE second (id INTEGER);\n-- a comment first\n{statement}\nINSERT INTO second VALUES (1);"
        ));
        let up = line_8_refused_before_anything_runs(&p, &[keyword], keyword);
        help_has(&up, "-- migrate:up transaction:false");
    }
}

#[test]
fn transaction_control_in_a_down_section_is_refused_before_the_down_runs() {
    let p = both_applied_with_down("DROP TABLE second;\nROLLBACK;");
    let out = p.run(&["down", "base"]);
    // Line 10: the down section's second line.
    invalid(&out, &[&format!("{}:10", revision_file(B)), "ROLLBACK"]);
    assert_eq!(recorded(&dev_db(&p)), sorted(&[A, B]));
    assert!(has_table(&dev_db(&p), "second"));
}

#[test]
fn trigger_bodies_and_sections_without_a_transaction_may_hold_begin_and_end() {
    let p = two_revisions(
        "CREATE TABLE second (id INTEGER, n INTEGER DEFAULT 0);\nCREATE TRIGGER bump AFTER INSERT ON second BEGIN\n  UPDATE second SET n = n + 1 WHERE id = NEW.id;\nEND;\nINSERT INTO second (id) VALUES (1);",
    );
    let c = "c3c3c3c3c3c3";
    p.write(
        &revision_file(c),
        format!(
            "-- revision: {c}\n-- revises: {B}\n\n-- migrate:up transaction:false\nBEGIN;\nCREATE TABLE third (id INTEGER);\nCOMMIT;\n-- migrate:down\nDROP TABLE third;\n"
        ),
    );
    exits(&p.run(&["check"]), 0);
    exits(&p.run(&["up"]), 0);
    let db = dev_db(&p);
    assert_eq!(recorded(&db), sorted(&[A, B, c]));
    assert_eq!(sqlite(&db, "SELECT n FROM second")[0]["n"], 1);
    assert!(has_table(&db, "third"));
}

// ---------------------------------------------------------------------------------------
// Malformed sections are refused before the first statement of the run (SQLite)
// ---------------------------------------------------------------------------------------

#[test]
fn an_unterminated_quote_or_comment_is_refused_before_any_statement_of_the_run() {
    for (bad, what) in [
        ("INSERT INTO second VALUES ('oops);", "quote"),
        ("INSERT INTO \"second VALUES (1);", "quote"),
        ("INSERT INTO [second VALUES (1);", "quote"),
        ("/* not closed\nINSERT INTO second VALUES (1);", "comment"),
    ] {
        let p = two_revisions(&format!(
            "CREATE TABLE second (id INTEGER);\nINSERT INTO second VALUES (1);\n{bad}\nSELECT 1;"
        ));
        line_8_refused_before_anything_runs(&p, &["unterminated", what], "unterminated");
    }
}

// ---------------------------------------------------------------------------------------
// A failure's advice and what it leaves behind (SQLite)
// ---------------------------------------------------------------------------------------

/// A revision `B` run without a transaction, creating `second`, whose down section fails on
/// its second statement.
fn no_transaction(up: &str, down: &str) -> TestProject {
    let p = with_first();
    p.write(
        &revision_file(B),
        format!(
            "-- revision: {B}\n-- revises: {A}\n\n-- migrate:up transaction:false\n{up}\n\n-- migrate:down\n{down}\n"
        ),
    );
    p
}

#[test]
fn a_failing_down_section_gets_advice_about_the_down_section_and_down() {
    let p = both_applied_with_down("DROP TABLE second;\nDROP TABLE nope;");
    let out = p.run(&["down", "-1"]);
    exits(&out, FAILED);
    error_line_has(
        &out,
        &[&format!("{}:10", revision_file(B)), B, "no such table"],
    );
    help_has(&out, "down section");
    help_has(&out, "cargo schema down");
    out.stderr_lacks("cargo schema up");
    assert_eq!(recorded(&dev_db(&p)), sorted(&[A, B]));
    assert!(has_table(&dev_db(&p), "second"));

    // Without a transaction it is left dirty, half rolled back.
    let p = no_transaction(
        "CREATE TABLE second (id INTEGER);\nCREATE TABLE third (id INTEGER);",
        "DROP TABLE third;\nDROP TABLE nope;",
    );
    exits(&p.run(&["up"]), 0);
    let out = p.run(&["down", "-1"]);
    exits(&out, FAILED);
    error_line_has(&out, &[B, "no such table"]);
    help_has(&out, "cargo schema down");
    out.stderr_lacks("cargo schema up");
    assert_eq!(current_json(&p)["dirty"], B);

    // What the next run says about it speaks of rolling back too.
    let out = p.run(&["down", "-1"]);
    exits(&out, FAILED);
    help_has(&out, "of the down section");
    help_has(
        &out,
        &format!("repair {B} --not-applied` if you finished rolling it back"),
    );
}

#[test]
fn a_first_statement_that_fails_outside_a_transaction_leaves_no_dirty_row() {
    let p = no_transaction(
        "CREATE TABLE first (id INTEGER);\nCREATE TABLE second (id INTEGER);",
        "DROP TABLE second;",
    );
    let out = p.run(&["up"]);
    exits(&out, FAILED);
    error_line_has(&out, &[B, "already exists"]);
    help_has(&out, "nothing of this revision was applied");
    assert_eq!(recorded(&dev_db(&p)), [A]);
    assert!(current_json(&p)["dirty"].is_null());
}

#[test]
fn repair_and_stamp_take_prefixes() {
    let p = dirty_after_its_first_statement();
    let out = p.run(&["repair", &B[..4], "--applied"]);
    exits(&out, 0);
    assert!(current_json(&p)["dirty"].is_null());
    assert_eq!(recorded(&dev_db(&p)), sorted(&[A, B]));

    let out = p.run(&["repair", "zz", "--applied"]);
    invalid(&out, &["zz"]);

    let out = p.run(&["stamp", &A[..5]]);
    exits(&out, 0);
    assert_eq!(recorded(&dev_db(&p)), [A]);
}

#[test]
fn stamp_refuses_while_a_revision_is_dirty_instead_of_saying_it_records_the_target() {
    let p = dirty_after_its_first_statement();
    let out = p.run(&["stamp", "head"]);
    exits(&out, FAILED);
    error_line_has(&out, &[B, "dirty"]);
    help_has(&out, &format!("repair {B} --applied"));
    out.stderr_lacks("already records");
    assert_eq!(current_json(&p)["dirty"], B);

    // `--purge` starts from nothing, the dirty row included.
    exits(&p.run(&["stamp", "--purge", "head"]), 0);
    assert!(current_json(&p)["dirty"].is_null());
    assert_eq!(recorded(&dev_db(&p)), sorted(&[A, B]));
}

#[test]
fn repair_refuses_an_ambiguous_prefix_naming_the_candidates() {
    let p = after(branched(), &["stamp", "heads"]);
    let out = p.run(&["repair", "ae10", "--applied"]);
    invalid(&out, &["ae10", AE1027, AE10F0]);
}

// ---------------------------------------------------------------------------------------
// stamp --purge and current -v
// ---------------------------------------------------------------------------------------

#[test]
fn stamp_purge_says_what_it_removed() {
    let p = applied(linear());
    let out = p.run(&["stamp", "--purge", "base"]);
    exits(&out, 0);
    out.stderr_lacks("already records");
    out.stderr_has("Purged");
    out.stderr_has("4 revision(s)");
    for id in LINE {
        out.stderr_has(id);
    }
    assert_eq!(recorded(&dev_db(&p)), Vec::<String>::new());

    // On an empty table there is nothing to say but that.
    let out = p.run(&["stamp", "--purge", "base"]);
    exits(&out, 0);
    out.stderr_has("already records");
}

#[test]
fn current_verbose_keeps_the_pending_list_under_its_heading_on_stdout() {
    let p = after(linear(), &["up", "+1"]);
    let out = p.run(&["current", "-v"]);
    exits(&out, 0);
    out.stderr_lacks("pending");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with(LINE[0]), "{out:#?}");
    let heading = lines
        .iter()
        .position(|l| l.starts_with("pending (3)"))
        .unwrap_or_else(|| panic!("no pending heading on stdout\n{out:#?}"));
    for id in &LINE[1..] {
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with(id))
            .unwrap_or_else(|| panic!("{id} not listed\n{out:#?}"));
        assert!(
            at > heading,
            "{id} is listed above the pending heading\n{out:#?}"
        );
    }

    exits(&p.run(&["up"]), 0);
    let out = p.run(&["current", "-v"]);
    exits(&out, 0);
    out.stderr_lacks("pending");
    assert!(
        out.stdout.lines().any(|l| l.starts_with("pending")),
        "{out:#?}"
    );
}

// ---------------------------------------------------------------------------------------
// Concurrent runs in opposite directions (SQLite)
// ---------------------------------------------------------------------------------------

/// A chain of revisions, each creating its table `c_<id>`.
fn chain(p: &TestProject, n: usize) -> Vec<String> {
    let ids: Vec<String> = (0..n).map(|i| format!("cafe{i:08x}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let parent = if i == 0 { "" } else { ids[i - 1].as_str() };
        write_revision(
            p,
            id,
            parent,
            &format!("CREATE TABLE c_{id} (id INTEGER);\nINSERT INTO c_{id} VALUES (1);"),
            Some(&format!("DROP TABLE c_{id};")),
        );
    }
    ids
}

/// Starts `cargo-schema schema ARGS` in the project, output piped.
fn spawn(p: &TestProject, args: &[&str]) -> std::process::Child {
    p.piped(args).spawn().expect("the binary starts")
}

/// Asserts that `recorded` is a prefix of the chain `ids` (closed under parents) and that
/// the `c_*` tables that exist are exactly those of the recorded revisions.
#[track_caller]
fn record_matches_the_database(ids: &[String], recorded: &[String], tables: &[String]) {
    let recorded: BTreeSet<&str> = recorded.iter().map(String::as_str).collect();
    let depth = recorded.len();
    let prefix: BTreeSet<&str> = ids[..depth.min(ids.len())]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        recorded, prefix,
        "the record is not closed under parents: {recorded:?}"
    );
    let expected: BTreeSet<String> = recorded.iter().map(|id| format!("c_{id}")).collect();
    let found: BTreeSet<String> = tables
        .iter()
        .filter(|t| t.starts_with("c_"))
        .cloned()
        .collect();
    assert_eq!(found, expected, "the tables differ from the record");
}

#[test]
fn concurrent_up_and_down_base_leave_a_record_closed_under_parents_equal_to_the_tables() {
    const REVISIONS: usize = 16;
    const ROUNDS: usize = 8;
    let p = TestProject::new();
    let ids = chain(&p, REVISIONS);
    let db = dev_db(&p);
    for round in 0..ROUNDS {
        // Start from the middle: `up` has the upper half to apply while `down base` has
        // everything to roll back.
        exits(&p.run(&["down", "base"]), 0);
        exits(&p.run(&["up", &ids[REVISIONS / 2 - 1]]), 0);
        four_opposite_runs(&p, round, &[]);
        record_matches_the_database(&ids, &recorded(&db), &tables(&db));
    }
}

#[test]
fn a_run_killed_while_revisions_wait_to_commit_together_leaves_exactly_those_it_reported() {
    // After the chain, a revision whose statement does not end: the run is killed while it
    // runs, in the transaction that the revisions before it share with it (all but the
    // first, which reads the version table on its own).
    let p = TestProject::with_metadata("group-commit = \"1h\"\n");
    let ids = chain(&p, 6);
    write_revision(
        &p,
        "feedfeedfeed",
        &ids[5],
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT COUNT(*) FROM n;",
        None,
    );
    let db = dev_db(&p);
    let mut child = spawn(&p, &["up"]);
    let first = poll_while_running(
        &mut child,
        std::time::Duration::from_secs(60),
        "the run ended by itself",
        "the first revision was not recorded within a minute",
        || {
            // The file exists once the run created it; the row once the first step committed.
            db.exists()
                .then(|| recorded(&db).first().cloned())
                .flatten()
        },
    );
    assert_eq!(first, ids[0]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().expect("kill -9");
    let _ = child.wait();
    let (stdout, stderr) = drain(&mut child);
    let said: Vec<String> = format!("{stdout}{stderr}")
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("Applied "))
        .filter_map(|rest| rest.split_whitespace().next().map(str::to_owned))
        .collect();
    let recorded = recorded(&db);
    assert_eq!(recorded, &ids[..1], "the group was undone whole");
    assert_eq!(said, recorded, "what the run said it applied is what stays");
    record_matches_the_database(&ids, &recorded, &tables(&db));
}

/// Four runs at once, alternately `up` and `down base` (the first of them `up` in even
/// rounds), each after the arguments `before`; every one must exit 0.
fn four_opposite_runs(p: &TestProject, round: usize, before: &[&str]) {
    let children: Vec<_> = (0..4)
        .map(|i| {
            let run: &[&str] = if (i + round).is_multiple_of(2) {
                &["up"]
            } else {
                &["down", "base"]
            };
            spawn(p, &[before, run].concat())
        })
        .collect();
    for child in children {
        wait_ok(child, &format!("round {round}"));
    }
}

/// The same on a server, where one lock is held for the whole run.
fn concurrent_runs_on_a_server(server: Server) {
    let db = test_database!(server);
    let url = url(&db);
    let p = TestProject::new();
    let ids = chain(&p, 8);
    for round in 0..3 {
        ok(&p, &url, &["down", "base"]);
        ok(&p, &url, &["up", &ids[3]]);
        four_opposite_runs(&p, round, &["--database-url", &url]);
        record_matches_the_database(&ids, &servers::recorded(&db), &db.tables());
    }
}

on_both_servers!(
    concurrent_runs_on_a_server:
        postgres_concurrent_up_and_down_base_leave_a_record_equal_to_the_tables,
        mariadb_concurrent_up_and_down_base_leave_a_record_equal_to_the_tables
);

// ---------------------------------------------------------------------------------------
// PostgreSQL and MariaDB
// ---------------------------------------------------------------------------------------

use super::servers::{BASE, FAIL};

/// `BASE` creates `t_<BASE>`; `FAIL` (revising it) has the up section `up` after
/// `up_options`. Returns the project and `FAIL`'s text.
fn server_project(up_options: &str, up: &str) -> (TestProject, String) {
    let p = TestProject::new();
    servers::write_table_revision(&p, BASE, "");
    servers::write_revision(&p, FAIL, BASE, up_options, up, Some("SELECT 1;"));
    let text = p.read(&cargo_schema_e2e::fixtures::revision_file(FAIL));
    (p, text)
}

/// Nothing ran on the server: no table but the version tables, nothing recorded.
#[track_caller]
fn nothing_ran_on(db: &TestDatabase) {
    let tables = db.tables();
    assert!(
        tables.iter().all(|t| t.starts_with("schema_version")),
        "a statement ran: {tables:?}"
    );
    if tables.contains(&"schema_version".to_string()) {
        assert_eq!(servers::recorded(db), Vec::<String>::new());
    }
}

/// An unterminated thing near the end of a section: refused with its line, nothing ran.
#[track_caller]
fn malformed_is_refused(server: Server, up_options: &str, up: &str, needle: &str) {
    let db = test_database!(server);
    let url = url(&db);
    let (p, text) = server_project(up_options, up);
    let out = run_on(&p, &url, &["up"]);
    let line = servers::line_of(&text, needle);
    invalid(
        &out,
        &[
            &format!("{}:{line}", servers::file_name(FAIL)),
            "unterminated",
        ],
    );
    nothing_ran_on(&db);
}

#[test]
fn mariadb_an_unterminated_quote_is_refused_before_anything_runs() {
    malformed_is_refused(
        Server::MySql,
        "",
        "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\nINSERT INTO half_done VALUES (1);\nINSERT INTO half_done VALUES ('2);",
        "'2);",
    );
}

#[test]
fn mariadb_an_unterminated_delimiter_block_is_refused_before_anything_runs() {
    malformed_is_refused(
        Server::MySql,
        "",
        "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\nDELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END;\n",
        "CREATE PROCEDURE",
    );
}

#[test]
fn postgres_an_unterminated_dollar_quote_is_refused_before_anything_runs() {
    malformed_is_refused(
        Server::Postgres,
        " transaction:false",
        "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\nCREATE FUNCTION f() RETURNS integer AS $body$ SELECT 1;",
        "$body$",
    );
}

#[test]
fn postgres_commit_in_a_transactional_section_is_refused_but_plpgsql_and_begin_atomic_are_not() {
    let db = test_database!(Server::Postgres);
    let url = url(&db);
    let (p, text) = server_project(
        "",
        "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\nCOMMIT;\nINSERT INTO half_done VALUES (1);",
    );
    let out = run_on(&p, &url, &["up"]);
    let line = servers::line_of(&text, "COMMIT;");
    invalid(
        &out,
        &[&format!("{}:{line}", servers::file_name(FAIL)), "COMMIT"],
    );
    help_has(&out, "transaction:false");
    nothing_ran_on(&db);

    servers::write_revision(
        &p,
        FAIL,
        BASE,
        "",
        "CREATE FUNCTION one() RETURNS integer LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$;\nCREATE FUNCTION two() RETURNS integer LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 2;\nEND;",
        Some("DROP FUNCTION two;\nDROP FUNCTION one;"),
    );
    ok(&p, &url, &["up"]);
    assert_eq!(db.query("SELECT one() + two()"), "3");
}

/// A first statement that fails outside a transaction: nothing took effect, so no dirty row;
/// the advice to stamp works.
fn a_first_statement_that_fails_leaves_no_dirty_row(server: Server, up_options: &str) {
    let db = test_database!(server);
    let url = url(&db);
    let (p, _) = server_project(up_options, "CREATE TABLE users (id INTEGER PRIMARY KEY);");
    db.query("CREATE TABLE users (id INTEGER PRIMARY KEY)");
    db.query(&format!(
        "CREATE TABLE t_{BASE} (id INTEGER PRIMARY KEY, label VARCHAR(20))"
    ));
    let out = run_on(&p, &url, &["up"]);
    exits(&out, FAILED);
    error_line_has(&out, &[BASE, "already exists"]);
    help_has(&out, "stamp");
    assert_eq!(servers::recorded(&db), Vec::<String>::new());

    // Following the advice leaves nothing blocked.
    ok(&p, &url, &["stamp", &BASE[..6]]);
    let out = run_on(&p, &url, &["up"]);
    exits(&out, FAILED);
    error_line_has(&out, &[FAIL, "already exists"]);
    assert_eq!(servers::recorded(&db), [BASE]);
    ok(&p, &url, &["stamp", "head"]);
    ok(&p, &url, &["up"]);
    assert_eq!(servers::recorded(&db), sorted(&[BASE, FAIL]));
}

#[test]
fn mariadb_a_first_statement_that_fails_leaves_no_dirty_row() {
    a_first_statement_that_fails_leaves_no_dirty_row(Server::MySql, "");
}

#[test]
fn postgres_a_first_statement_that_fails_outside_a_transaction_leaves_no_dirty_row() {
    a_first_statement_that_fails_leaves_no_dirty_row(Server::Postgres, " transaction:false");
}

#[test]
fn mariadb_repair_takes_a_prefix_and_a_failing_down_section_advises_down() {
    let db = test_database!(Server::MySql);
    let url = url(&db);
    let p = TestProject::new();
    servers::write_table_revision(&p, BASE, "");
    servers::write_revision(
        &p,
        FAIL,
        BASE,
        "",
        "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\nINSERT INTO missing_table (id) VALUES (1);",
        Some("DROP TABLE half_done;\nDROP TABLE missing_table;"),
    );
    exits(&run_on(&p, &url, &["up"]), FAILED);
    assert_eq!(servers::version_row(&db, FAIL).0, "dirty");
    db.query("CREATE TABLE missing_table (id INTEGER PRIMARY KEY)");
    db.query("INSERT INTO missing_table (id) VALUES (1)");
    ok(&p, &url, &["repair", &FAIL[..5], "--applied"]);
    assert_eq!(servers::version_row(&db, FAIL).0, "applied");

    // Its down section fails halfway: dirty-down, and the advice speaks of `down`.
    db.query("DROP TABLE missing_table");
    let out = run_on(&p, &url, &["down", "-1"]);
    exits(&out, FAILED);
    error_line_has(&out, &[FAIL, "missing_table"]);
    help_has(&out, "cargo schema down");
    out.stderr_lacks("cargo schema up");
    assert_eq!(servers::version_row(&db, FAIL).0, "dirty-down");
    let out = run_on(&p, &url, &["down", "-1"]);
    exits(&out, FAILED);
    help_has(&out, &format!("repair {FAIL}"));
}
