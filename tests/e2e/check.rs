//! check, the CI gate.
//!
//! Each test is one scenario through the real binary in its own throwaway cargo project: what
//! the files alone show (heads, malformed files), what the project's `dev.db` shows (pending,
//! edited, unknown revisions), and `--roundtrip` on a scratch database — SQLite in memory, or a
//! temporary PostgreSQL / MariaDB database that must be gone afterwards, whatever happened.
//! Exit codes are exact: 0 when nothing is found, 1 for any finding (malformed files included,
//! where other commands exit 2).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cargo_schema_e2e::assert::{INVALID, error_line_has, exits, help_has};
use cargo_schema_e2e::db::{Server, TestDatabase, run_on as schema, url_with_password as url};
use cargo_schema_e2e::json::strings;
use cargo_schema_e2e::on_both_servers;
use cargo_schema_e2e::scratch::{SCRATCH_PREFIX, owner_running, scratch_databases};
use cargo_schema_e2e::{Output, TestProject, test_database};
use serde_json::Value;

/// Exit code 1: `check` found problems.
const FAILED: i32 = 1;

/// A straight line of three revisions, oldest first; each creates the table `t_<id>`.
const LINE: [&str; 3] = ["a1a1a1a1a1a1", "b2b2b2b2b2b2", "c3c3c3c3c3c3"];

/// A revision added on top of [`LINE`].
const NEXT: &str = "d4d4d4d4d4d4";

/// A second child of `LINE[1]`, making a second head beside `LINE[2]`.
const SIDE: &str = "e5e5e5e5e5e5";

fn linear() -> TestProject {
    cargo_schema_e2e::fixtures::chain(&LINE)
}

use cargo_schema_e2e::fixtures::{applied, revision_file};

/// Writes (or overwrites) the revision `id` with the given sections. Line 5 is
/// `-- migrate:up`.
fn write_revision(p: &TestProject, id: &str, revises: &str, up: &str, down: &str) -> PathBuf {
    cargo_schema_e2e::fixtures::write_revision(p, id, revises, "", up, Some(down))
}

// ---------------------------------------------------------------------------------------
// Helpers: the project's dev.db as sqlite3 sees it
// ---------------------------------------------------------------------------------------

use cargo_schema_e2e::sqlite::{dev_db, query as sqlite};

/// Everything the database holds that a check could change: its schema, every row of the
/// version table and of its layout table.
#[track_caller]
fn snapshot(db: &Path) -> String {
    sqlite(
        db,
        "SELECT type, name, sql FROM sqlite_master ORDER BY type, name; \
         SELECT * FROM schema_version ORDER BY revision; \
         SELECT * FROM schema_version_meta ORDER BY name;",
    )
}

// ---------------------------------------------------------------------------------------
// Helpers: what the binary reported
// ---------------------------------------------------------------------------------------

/// The `error:` lines on stderr.
fn errors(out: &Output) -> Vec<&str> {
    out.stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect()
}

/// `check` found nothing: exit 0, no `error:` line, the `Checked … no problems found` line.
#[track_caller]
fn passes(out: &Output) {
    exits(out, 0);
    assert!(errors(out).is_empty(), "{out:#?}");
    out.stderr_has("no problems found");
}

/// `check` found something: exit 1, nothing claims that no problems were found.
#[track_caller]
fn fails(out: &Output) {
    exits(out, FAILED);
    out.stderr_lacks("no problems found");
    assert!(!errors(out).is_empty(), "no `error:` line\n{out:#?}");
}

/// `check --format json`: the document, with exactly `ok` as given.
#[track_caller]
fn json_check(p: &TestProject, args: &[&str], ok: bool) -> Value {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let out = p.run(&all);
    exits(&out, if ok { 0 } else { FAILED });
    let json = out.json();
    assert_eq!(json["ok"], Value::Bool(ok), "{out:#?}");
    json
}

// ---------------------------------------------------------------------------------------
// The files alone
// ---------------------------------------------------------------------------------------

#[test]
fn a_clean_project_without_a_database_passes_and_says_database_checks_are_skipped() {
    let p = linear();
    let out = p.run(&["check"]);
    passes(&out);
    out.stderr_has("database checks skipped");
    assert!(out.stdout.trim().is_empty(), "{out:#?}");
    assert!(!dev_db(&p).exists(), "check created dev.db\n{out:#?}");

    let json = json_check(&p, &[], true);
    assert_eq!(strings(&json["findings"]), Vec::<String>::new(), "{json}");
    assert!(
        strings(&json["notes"])
            .iter()
            .any(|n| n.contains("database checks skipped")),
        "{json}"
    );
    assert!(!dev_db(&p).exists(), "check --format json created dev.db");
}

#[test]
fn two_heads_fail_naming_both_and_suggest_merge() {
    let p = linear();
    p.revision(SIDE, LINE[1], "");
    let out = p.run(&["check"]);
    fails(&out);
    error_line_has(&out, &[LINE[2], SIDE]);
    help_has(&out, "merge");

    let json = json_check(&p, &[], false);
    let findings = strings(&json["findings"]);
    assert!(
        findings
            .iter()
            .any(|f| f.contains(LINE[2]) && f.contains(SIDE)),
        "{json}"
    );
}

/// [`linear`] with the file of [`NEXT`] holding `text`, and what `check` says about it (a
/// finding: exit 1).
fn with_next_file(text: &str) -> (TestProject, String, Output) {
    let p = linear();
    let file = revision_file(NEXT);
    p.write(&file, text);
    let out = p.run(&["check"]);
    fails(&out);
    (p, file, out)
}

#[test]
fn a_malformed_revision_file_is_a_finding_naming_the_file_and_line() {
    // A second up marker on line 8.
    let (p, file, out) = with_next_file(&format!(
        "-- revision: {NEXT}\n-- revises: {}\n-- message: twice up\n\n-- migrate:up\nCREATE TABLE t_next (id INTEGER);\n\n-- migrate:up\nDROP TABLE t_next;\n",
        LINE[2]
    ));
    error_line_has(&out, &[&format!("{file}:8")]);

    // Every other command refuses the same file as an invalid request.
    let heads = p.run(&["heads"]);
    exits(&heads, INVALID);
    error_line_has(&heads, &[&format!("{file}:8")]);
}

#[test]
fn a_revision_file_without_a_revision_line_is_a_finding_naming_the_file() {
    let (_p, file, out) = with_next_file(&format!(
        "-- revises: {}\n-- message: no id\n\n-- migrate:up\nCREATE TABLE t_next (id INTEGER);\n",
        LINE[2]
    ));
    error_line_has(&out, &[&format!("{file}:1"), "revision"]);
}

// ---------------------------------------------------------------------------------------
// With the project's dev.db
// ---------------------------------------------------------------------------------------

#[test]
fn an_up_to_date_database_passes() {
    let p = applied(linear());
    let out = p.run(&["check"]);
    passes(&out);
    out.stderr_has("Using SQLite database");
    out.stderr_lacks("skipped");
    let json = json_check(&p, &[], true);
    assert_eq!(strings(&json["findings"]), Vec::<String>::new(), "{json}");
}

#[test]
fn a_revision_added_after_up_is_pending_and_named() {
    let p = applied(linear());
    p.revision(NEXT, LINE[2], "");
    let out = p.run(&["check"]);
    fails(&out);
    error_line_has(&out, &[NEXT]);
    assert!(
        !errors(&out)
            .iter()
            .any(|l| LINE.iter().any(|id| l.contains(id))),
        "an applied revision was reported\n{out:#?}"
    );
    help_has(&out, "up");

    let json = json_check(&p, &[], false);
    assert!(
        strings(&json["findings"]).iter().any(|f| f.contains(NEXT)),
        "{json}"
    );

    exits(&p.run(&["up"]), 0);
    passes(&p.run(&["check"]));
}

#[test]
fn an_applied_revision_edited_afterwards_is_named_with_its_file() {
    let p = applied(linear());
    let edited = LINE[1];
    write_revision(
        &p,
        edited,
        LINE[0],
        &format!("CREATE TABLE t_{edited} (id INTEGER PRIMARY KEY, added TEXT);"),
        &format!("DROP TABLE t_{edited};"),
    );
    let out = p.run(&["check"]);
    fails(&out);
    error_line_has(&out, &[edited, &revision_file(edited)]);
    assert!(
        !errors(&out)
            .iter()
            .any(|l| l.contains(LINE[0]) || l.contains(LINE[2])),
        "an unchanged revision was reported\n{out:#?}"
    );
}

#[test]
fn line_endings_and_trailing_whitespace_are_not_an_edit() {
    let p = applied(linear());
    let file = revision_file(LINE[1]);
    let crlf = p
        .read(&file)
        .lines()
        .map(|l| format!("{l}  \r\n"))
        .collect::<String>();
    p.write(&file, crlf);
    passes(&p.run(&["check"]));
}

#[test]
fn a_version_table_recording_an_unknown_revision_cannot_be_located() {
    let p = applied(linear());
    let unknown = "0badc0ffee00";
    sqlite(
        &dev_db(&p),
        &format!(
            "INSERT INTO schema_version SELECT '{unknown}', checksum, applied_at, duration_ms, \
             down_sql, state, statements_done, error FROM schema_version WHERE revision = '{}'",
            LINE[2]
        ),
    );
    let out = p.run(&["check"]);
    fails(&out);
    let line = errors(&out)
        .into_iter()
        .find(|l| l.contains(unknown))
        .unwrap_or_else(|| panic!("no error line names {unknown}\n{out:#?}"));
    let lower = line.to_lowercase();
    assert!(
        lower.contains("can't locate") || lower.contains("do not have"),
        "{line}\n{out:#?}"
    );

    let json = json_check(&p, &[], false);
    assert!(
        strings(&json["findings"])
            .iter()
            .any(|f| f.contains(unknown)),
        "{json}"
    );
}

// ---------------------------------------------------------------------------------------
// --roundtrip on SQLite
// ---------------------------------------------------------------------------------------

#[test]
fn roundtrip_without_a_database_passes_in_memory_and_creates_no_file() {
    let p = linear();
    let out = p.run(&["check", "--roundtrip"]);
    passes(&out);
    out.stderr_has("round trip");
    assert!(
        !dev_db(&p).exists(),
        "the round trip created dev.db\n{out:#?}"
    );
}

/// `check --roundtrip` on `p`, up to date in its dev.db, as text and as JSON (`passes` says
/// which exit is expected): `judge` looks at the text and `judge_json` at the JSON, and the
/// dev.db is untouched after each.
fn dev_db_roundtrip(
    p: &TestProject,
    passes_: bool,
    judge: impl FnOnce(&Output),
    judge_json: impl FnOnce(&Value),
) {
    exits(&p.run(&["up"]), 0);
    let before = snapshot(&dev_db(p));
    let out = p.run(&["check", "--roundtrip"]);
    if passes_ {
        passes(&out);
    } else {
        fails(&out);
    }
    judge(&out);
    assert_eq!(snapshot(&dev_db(p)), before, "dev.db changed\n{out:#?}");

    judge_json(&json_check(p, &["--roundtrip"], passes_));
    assert_eq!(snapshot(&dev_db(p)), before);
}

#[test]
fn roundtrip_passes_and_leaves_the_projects_dev_db_untouched() {
    dev_db_roundtrip(
        &linear(),
        true,
        |out| {
            out.stderr_has("round trip");
        },
        |json| {
            assert!(
                strings(&json["notes"])
                    .iter()
                    .any(|n| n.contains("round trip")),
                "{json}"
            );
        },
    );
}

/// [`linear`] plus [`NEXT`], whose down section `SELECT 1;` leaves its table behind: the
/// second up fails on `CREATE TABLE`.
fn with_a_down_that_undoes_nothing() -> TestProject {
    with_next_down("SELECT 1;")
}

/// [`linear`] plus [`NEXT`], which creates `t_<NEXT>` and has the down section `down`.
fn with_next_down(down: &str) -> TestProject {
    let p = linear();
    write_revision(
        &p,
        NEXT,
        LINE[2],
        &format!("CREATE TABLE t_{NEXT} (id INTEGER PRIMARY KEY);"),
        down,
    );
    p
}

#[test]
fn roundtrip_fails_naming_a_revision_whose_down_does_not_undo_its_up() {
    // Up to date, so the round trip is the only finding.
    dev_db_roundtrip(
        &with_a_down_that_undoes_nothing(),
        false,
        |out| {
            error_line_has(out, &["round trip", NEXT]);
        },
        |json| {
            assert!(
                strings(&json["findings"])
                    .iter()
                    .any(|f| f.contains("round trip") && f.contains(NEXT)),
                "{json}"
            );
        },
    );
}

#[test]
fn roundtrip_fails_naming_a_revision_whose_down_section_fails() {
    let p = with_next_down("DROP TABLE no_such_table;");
    let out = p.run(&["check", "--roundtrip"]);
    fails(&out);
    error_line_has(&out, &["round trip", NEXT]);
    assert!(!dev_db(&p).exists(), "the round trip created dev.db");
}

#[test]
fn roundtrip_fails_naming_a_revision_without_a_down_section() {
    let p = linear();
    p.write(
        &revision_file(NEXT),
        format!(
            "-- revision: {NEXT}\n-- revises: {}\n-- message: one way\n\n-- migrate:up\nCREATE TABLE t_{NEXT} (id INTEGER PRIMARY KEY);\n",
            LINE[2]
        ),
    );
    // Without --roundtrip an irreversible revision is no finding.
    passes(&p.run(&["check"]));
    let out = p.run(&["check", "--roundtrip"]);
    fails(&out);
    error_line_has(&out, &["round trip", NEXT]);
}

// ---------------------------------------------------------------------------------------
// --roundtrip on PostgreSQL and MariaDB: a temporary database, always dropped
// ---------------------------------------------------------------------------------------

/// Round trips on one server run one at a time, so that the scratch databases listed after
/// one are not those of another test in this process.
static SCRATCH: Mutex<()> = Mutex::new(());

/// The revisions the test database's version table records, sorted.
#[track_caller]
fn recorded(db: &TestDatabase) -> Vec<String> {
    cargo_schema_e2e::db::recorded(db)
}

/// Asserts that no scratch database is on the server that was not there before the run.
#[track_caller]
fn none_left(db: &TestDatabase, before: &[String], out: &Output) {
    // Only those whose owner has ended: a scratch database of a run still going (another
    // test's, on the same server) is not this run's leftover.
    let left: Vec<String> = scratch_databases(db)
        .into_iter()
        .filter(|n| !before.contains(n) && !owner_running(n))
        .collect();
    assert!(
        left.is_empty(),
        "check --roundtrip left {left:?} on {}\n{out:#?}",
        db.server()
    );
}

/// `check --roundtrip` on `db` with `p` applied: `judge` looks at its output; afterwards no
/// scratch database is left and the database checked is untouched.
fn roundtrip_leaves_nothing_behind(
    db: &TestDatabase,
    p: &TestProject,
    judge: impl FnOnce(&Output),
) {
    let url = url(db);
    exits(&schema(p, &url, &["up"]), 0);
    let tables = db.tables();
    let applied = recorded(db);

    let _serial = SCRATCH.lock().unwrap_or_else(|e| e.into_inner());
    let before = scratch_databases(db);
    let out = schema(p, &url, &["check", "--roundtrip"]);
    judge(&out);
    none_left(db, &before, &out);
    // The database checked is untouched.
    assert_eq!(db.tables(), tables);
    assert_eq!(recorded(db), applied);
}

fn roundtrip_on_a_server_passes_and_drops_its_scratch_database(server: Server) {
    let db = test_database!(server);
    roundtrip_leaves_nothing_behind(&db, &linear(), |out| {
        passes(out);
        out.stderr_has("round trip");
        // The note names the scratch database: it is gone.
        if let Some(at) = out.stderr.find(SCRATCH_PREFIX) {
            let name: String = out.stderr[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                !scratch_databases(&db).contains(&name),
                "{name} is still there\n{out:#?}"
            );
        }
    });
}

fn a_failing_roundtrip_on_a_server_still_drops_its_scratch_database(server: Server) {
    let db = test_database!(server);
    roundtrip_leaves_nothing_behind(&db, &with_a_down_that_undoes_nothing(), |out| {
        fails(out);
        error_line_has(out, &["round trip", NEXT]);
    });
}

on_both_servers!(
    roundtrip_on_a_server_passes_and_drops_its_scratch_database:
        postgres_roundtrip_passes_and_drops_its_scratch_database,
        mariadb_roundtrip_passes_and_drops_its_scratch_database;
    a_failing_roundtrip_on_a_server_still_drops_its_scratch_database:
        postgres_a_failing_roundtrip_still_drops_its_scratch_database,
        mariadb_a_failing_roundtrip_still_drops_its_scratch_database
);
