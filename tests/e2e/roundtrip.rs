//! `check --roundtrip`, stepwise: every revision in topological order (every branch) goes up,
//! down and up again on a scratch database, and the schema after its down must equal the schema
//! before its up. On SQLite (in memory), PostgreSQL and MariaDB (a temporary database).

use cargo_schema_e2e::assert::{error_line_has, exits};
use cargo_schema_e2e::db::{Server, run_on, url_with_password as url};
use cargo_schema_e2e::fixtures::{chain, revision_file, write_revision};
use cargo_schema_e2e::json::strings;
use cargo_schema_e2e::on_both_servers;
use cargo_schema_e2e::{Output, TestProject, test_database};
use serde_json::Value;

/// A straight line of three revisions, oldest first; each creates the table `t_<id>`.
const LINE: [&str; 3] = ["a1a1a1a1a1a1", "b2b2b2b2b2b2", "c3c3c3c3c3c3"];
/// A revision added on top of [`LINE`], the one under test.
const NEXT: &str = "d4d4d4d4d4d4";
/// A second child of `LINE[1]`: a branch beside `LINE[2]`.
const SIDE: &str = "e5e5e5e5e5e5";
/// The merge of `LINE[2]` and [`SIDE`].
const MERGE: &str = "f6f6f6f6f6f6";

/// [`LINE`] with [`SIDE`] (its sections `up` and `down`) branching off `LINE[1]`, merged back
/// by [`MERGE`]: one head, two branches.
fn branched(up: &str, down: &str) -> TestProject {
    let p = chain(&LINE);
    write_revision(&p, SIDE, LINE[1], "", up, Some(down));
    p.revision(MERGE, &format!("{}, {SIDE}", LINE[2]), "");
    p
}

/// [`LINE`] plus [`NEXT`] with the sections `up` and `down`.
fn with_next(up: &str, down: &str) -> TestProject {
    let p = chain(&LINE);
    write_revision(&p, NEXT, LINE[2], "", up, Some(down));
    p
}

/// The up section of [`NEXT`] that creates an index on an older revision's table, and says
/// `IF NOT EXISTS`: a down that forgets it still lets the up run again.
fn index_up() -> String {
    format!("CREATE INDEX IF NOT EXISTS ix_next ON t_{} (id);", LINE[0])
}

/// The `error:` lines on stderr.
fn errors(out: &Output) -> Vec<&str> {
    out.stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect()
}

/// `check --roundtrip` on `p` (on `url`'s server, migrated up first, when given).
fn roundtrip(p: &TestProject, url: Option<&str>, json: bool) -> Output {
    let mut args = vec!["check", "--roundtrip"];
    if json {
        args.extend(["--format", "json"]);
    }
    match url {
        Some(url) => {
            exits(&run_on(p, url, &["up"]), 0);
            run_on(p, url, &args)
        }
        None => p.run(&args),
    }
}

/// The one trace finding of the JSON output.
#[track_caller]
fn trace(out: &Output) -> Value {
    exits(out, 1);
    let json = out.json();
    let traces = json["roundtrip"].as_array().cloned().unwrap_or_default();
    assert_eq!(traces.len(), 1, "{json:#}");
    traces[0].clone()
}

/// [`with_next`] with `up` and `down`, and its round trip, which fails (exit 1): the project
/// and the human output.
#[track_caller]
fn failing_roundtrip(url: Option<&str>, up: &str, down: &str) -> (TestProject, Output) {
    let p = with_next(up, down);
    let out = roundtrip(&p, url, false);
    exits(&out, 1);
    (p, out)
}

// --- the cases, each on one database ----------------------------------------------------------

/// A down section that forgets an index the up created on another table, with `IF NOT
/// EXISTS` (the old round trip, up-down-up, passed it): named, with file and line.
fn a_down_that_forgets_an_index(url: Option<&str>) {
    let (p, out) = failing_roundtrip(url, &index_up(), "SELECT 1;");
    error_line_has(
        &out,
        &[
            &format!("{}:8:", revision_file(NEXT)),
            NEXT,
            "left a trace",
            &format!("left index ix_next on t_{}", LINE[0]),
        ],
    );
    assert_eq!(errors(&out).len(), 1, "{out:#?}");
    let t = trace(&roundtrip(&p, url, true));
    assert_eq!(t["revision"], NEXT);
    assert_eq!(t["line"], 8);
    assert_eq!(
        strings(&t["left"]),
        [format!("index ix_next on t_{}", LINE[0])]
    );
    assert!(strings(&t["lost"]).is_empty(), "{t:#}");
}

/// A down section that forgets a column: left, and the up cannot run again.
fn a_down_that_forgets_a_column(url: Option<&str>) {
    let (_p, out) = failing_roundtrip(
        url,
        &format!("ALTER TABLE t_{} ADD COLUMN note TEXT;", LINE[0]),
        "SELECT 1;",
    );
    error_line_has(&out, &[NEXT, &format!("left column t_{}.note", LINE[0])]);
    error_line_has(&out, &["could not be applied again", NEXT]);
}

/// A down section that forgets the table its up created.
fn a_down_that_forgets_a_table(url: Option<&str>) {
    let (_p, out) = failing_roundtrip(
        url,
        &format!("CREATE TABLE IF NOT EXISTS t_{NEXT} (id INTEGER PRIMARY KEY);"),
        "SELECT 1;",
    );
    error_line_has(&out, &[NEXT, &format!("left table t_{NEXT}")]);
}

/// A down section that drops more than its up created: the older table is lost.
fn a_down_that_drops_too_much(url: Option<&str>) {
    let (p, out) = failing_roundtrip(
        url,
        &format!("CREATE TABLE t_{NEXT} (id INTEGER PRIMARY KEY);"),
        &format!("DROP TABLE t_{NEXT};\nDROP TABLE t_{};", LINE[2]),
    );
    error_line_has(&out, &[NEXT, &format!("lost table t_{}", LINE[2])]);
    let t = trace(&roundtrip(&p, url, true));
    assert_eq!(strings(&t["lost"]), [format!("table t_{}", LINE[2])]);
    assert!(strings(&t["left"]).is_empty(), "{t:#}");
}

/// A down section that fails: the round trip fails naming the revision, file and line.
fn a_down_that_fails(url: Option<&str>) {
    let (_p, out) = failing_roundtrip(
        url,
        &format!("CREATE TABLE t_{NEXT} (id INTEGER PRIMARY KEY);"),
        "DROP TABLE no_such_table;",
    );
    error_line_has(
        &out,
        &[
            "round trip failed",
            NEXT,
            &format!("{}:9", revision_file(NEXT)),
        ],
    );
}

/// A branched graph: the revision on the side branch is stepped too, and its forgotten index
/// found.
fn every_branch_is_stepped(url: Option<&str>) {
    let p = branched(&index_up(), "SELECT 1;");
    let out = roundtrip(&p, url, false);
    exits(&out, 1);
    error_line_has(&out, &[SIDE, "left index ix_next"]);
}

/// The clean case, branched: no finding, and the note says how many revisions were stepped.
fn a_clean_branched_graph_passes(url: Option<&str>) {
    let p = branched(
        &format!("CREATE TABLE t_{SIDE} (id INTEGER PRIMARY KEY);"),
        &format!("DROP TABLE t_{SIDE};"),
    );
    let out = roundtrip(&p, url, false);
    exits(&out, 0);
    assert!(errors(&out).is_empty(), "{out:#?}");
    out.stderr_has("passed for 5 revision(s)");
}

// --- SQLite, in memory ------------------------------------------------------------------------

#[test]
fn sqlite_a_down_that_forgets_an_index_on_another_table_is_a_trace() {
    a_down_that_forgets_an_index(None);
}

#[test]
fn sqlite_a_down_that_forgets_a_column_is_a_trace() {
    a_down_that_forgets_a_column(None);
}

#[test]
fn sqlite_a_down_that_forgets_a_table_is_a_trace() {
    a_down_that_forgets_a_table(None);
}

#[test]
fn sqlite_a_down_that_drops_too_much_loses_a_table() {
    a_down_that_drops_too_much(None);
}

#[test]
fn sqlite_a_down_that_fails_is_named() {
    a_down_that_fails(None);
}

#[test]
fn sqlite_every_branch_is_stepped() {
    every_branch_is_stepped(None);
}

#[test]
fn sqlite_a_clean_branched_graph_passes() {
    a_clean_branched_graph_passes(None);
}

/// A revision without a down section fails the round trip as before (named), and the walk goes
/// on through it: a later revision's trace is found too.
#[test]
fn sqlite_an_irreversible_revision_is_named_and_the_walk_goes_on() {
    let p = chain(&LINE);
    write_revision(
        &p,
        NEXT,
        LINE[2],
        "",
        &format!("CREATE TABLE t_{NEXT} (id INTEGER PRIMARY KEY);"),
        None,
    );
    write_revision(&p, SIDE, NEXT, "", &index_up(), Some("SELECT 1;"));
    let out = roundtrip(&p, None, false);
    exits(&out, 1);
    error_line_has(
        &out,
        &["round trip failed", NEXT, "no `-- migrate:down` section"],
    );
    error_line_has(&out, &[SIDE, "left index ix_next"]);
}

// --- PostgreSQL and MariaDB -------------------------------------------------------------------

fn on_server(server: Server, case: fn(Option<&str>)) {
    let db = test_database!(server);
    case(Some(&url(&db)));
}

on_both_servers!(
    on_server(a_down_that_forgets_an_index):
        postgres_a_down_that_forgets_an_index_is_a_trace,
        mariadb_a_down_that_forgets_an_index_is_a_trace;
    on_server(a_down_that_forgets_a_column):
        postgres_a_down_that_forgets_a_column_is_a_trace,
        mariadb_a_down_that_forgets_a_column_is_a_trace;
    on_server(a_down_that_forgets_a_table):
        postgres_a_down_that_forgets_a_table_is_a_trace,
        mariadb_a_down_that_forgets_a_table_is_a_trace;
    on_server(a_down_that_drops_too_much):
        postgres_a_down_that_drops_too_much_loses_a_table,
        mariadb_a_down_that_drops_too_much_loses_a_table;
    on_server(a_down_that_fails):
        postgres_a_down_that_fails_is_named,
        mariadb_a_down_that_fails_is_named;
    on_server(every_branch_is_stepped):
        postgres_every_branch_is_stepped,
        mariadb_every_branch_is_stepped;
    on_server(a_clean_branched_graph_passes):
        postgres_a_clean_branched_graph_passes,
        mariadb_a_clean_branched_graph_passes
);
