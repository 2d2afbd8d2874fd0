//! `cargo schema import FORMAT [DIR]` and `--adopt` (issue 14): another tool's migration files
//! become a chain of revision files, and what its bookkeeping table records becomes applied
//! revisions, running no SQL from them.
//!
//! dbmate runs for real where it is installed (`npm install dbmate` into a directory outside
//! the repository; `DBMATE` names the binary, else `target/tools/node_modules/.bin/dbmate`, where
//! .ci/run installs it, else `PATH`): it writes its own table. For the other tools the bookkeeping tables are created
//! exactly as their code creates them:
//! - sqlx, `sqlx-{sqlite,postgres,mysql}/src/migrate.rs` `ensure_migrations_table`:
//!   `_sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on
//!   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT
//!   NULL, execution_time BIGINT NOT NULL)` (BYTEA and TIMESTAMPTZ on PostgreSQL);
//! - diesel, `diesel_migrations/src/migration_harness.rs` `CREATE_MIGRATIONS_TABLE`:
//!   `__diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP
//!   NOT NULL DEFAULT CURRENT_TIMESTAMP)`;
//! - refinery, `refinery_core/src/traits/mod.rs` `ASSERT_MIGRATIONS_TABLE_QUERY`:
//!   `refinery_schema_history (version INT4 PRIMARY KEY, name VARCHAR(255), applied_on
//!   VARCHAR(255), checksum VARCHAR(255))`;
//! - golang-migrate, `database/{postgres,mysql,sqlite3}/*.go` `ensureVersionTable`:
//!   `schema_migrations (version bigint not null primary key, dirty boolean not null)`;
//! - Flyway, `flyway-core` `createMetaDataTable.sql`: `flyway_schema_history (installed_rank
//!   INT NOT NULL PRIMARY KEY, version VARCHAR(50), description VARCHAR(200) NOT NULL, type
//!   VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, installed_by
//!   VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
//!   execution_time INT NOT NULL, success BOOLEAN NOT NULL)`.
//!
//! (The same DDL, as dumped from databases these tools made, is in public repositories, e.g.
//! `OliverFlecke/budget-api` `scripts/sqlx_setup.sql`.)

use std::path::PathBuf;
use std::process::Command;

use cargo_schema_e2e::assert::{INVALID, error_line_has, exits, help_has, invalid};
use cargo_schema_e2e::db::{self, Server, TestDatabase, ok_on, run_on};
use cargo_schema_e2e::fixtures::{after, after_saying};
use cargo_schema_e2e::project::run_ok;
use cargo_schema_e2e::sqlite::{dev_db, query, sqlite_exec};
use cargo_schema_e2e::{TestProject, on_both_servers, test_database};

// ---------------------------------------------------------------------------------------
// The tools' files
// ---------------------------------------------------------------------------------------

/// A tool's migrations: two of them, creating `t_a` and `t_b`, in its layout below `dir`.
pub(crate) fn write_tool_files(p: &TestProject, tool: &str, dir: &str) {
    let a = "CREATE TABLE t_a (id INTEGER PRIMARY KEY);";
    let b = "CREATE TABLE t_b (id INTEGER PRIMARY KEY);";
    let files: Vec<(String, String)> = match tool {
        "sqlx" => vec![
            ("1_create_a.up.sql".into(), a.into()),
            ("1_create_a.down.sql".into(), "DROP TABLE t_a;".into()),
            ("2_create_b.sql".into(), format!("-- no-transaction\n{b}")),
        ],
        "diesel" => vec![
            ("2024-01-01-000001_create_a/up.sql".into(), a.into()),
            (
                "2024-01-01-000001_create_a/down.sql".into(),
                "DROP TABLE t_a;".into(),
            ),
            ("2024-01-01-000002_create_b/up.sql".into(), b.into()),
            (
                "2024-01-01-000002_create_b/down.sql".into(),
                "DROP TABLE t_b;".into(),
            ),
        ],
        "refinery" => vec![
            ("V1__create_a.sql".into(), a.into()),
            ("V2__create_b.sql".into(), b.into()),
        ],
        "dbmate" => vec![
            (
                "20240101000001_create_a.sql".into(),
                format!("-- migrate:up\n{a}\n\n-- migrate:down\nDROP TABLE t_a;\n"),
            ),
            (
                "20240101000002_create_b.sql".into(),
                format!(
                    "-- migrate:up transaction:false\n{b}\n\n-- migrate:down\nDROP TABLE t_b;\n"
                ),
            ),
        ],
        "golang-migrate" => vec![
            ("000001_create_a.up.sql".into(), a.into()),
            ("000001_create_a.down.sql".into(), "DROP TABLE t_a;".into()),
            ("000002_create_b.up.sql".into(), b.into()),
            ("000002_create_b.down.sql".into(), "DROP TABLE t_b;".into()),
        ],
        "flyway" => vec![
            ("V1__create_a.sql".into(), a.into()),
            ("U1__create_a.sql".into(), "DROP TABLE t_a;".into()),
            ("V1_1__create_b.sql".into(), b.into()),
        ],
        other => panic!("no files for {other}"),
    };
    for (name, text) in files {
        p.write(&format!("{dir}/{name}"), text);
    }
}

/// The tools whose migrations are SQL files ([`write_tool_files`]); Alembic has its own tests
/// (`import_alembic.rs`).
const FILE_TOOLS: [&str; 6] = [
    "sqlx",
    "diesel",
    "refinery",
    "dbmate",
    "golang-migrate",
    "flyway",
];

/// The tools whose bookkeeping tables [`bookkeeping`] makes (dbmate makes its own).
const TABLE_TOOLS: [&str; 5] = ["sqlx", "diesel", "refinery", "golang-migrate", "flyway"];

/// The revision ids the two migrations of [`write_tool_files`] become.
fn ids(tool: &str) -> [&'static str; 2] {
    match tool {
        "diesel" => ["20240101000001", "20240101000002"],
        "dbmate" => ["20240101000001", "20240101000002"],
        "flyway" => ["1", "1_1"],
        _ => ["1", "2"],
    }
}

/// The bookkeeping table `tool` leaves after applying both migrations (`extra`: SQL run
/// after, to spoil it), for `dialect` `sqlite`, `postgres` or `mysql`.
pub(crate) fn bookkeeping(tool: &str, dialect: &str) -> String {
    let (blob, ts) = match dialect {
        "postgres" => ("BYTEA", "TIMESTAMPTZ"),
        _ => ("BLOB", "TIMESTAMP"),
    };
    let checksum = match dialect {
        "postgres" => "'\\x00'::bytea",
        _ => "X'00'",
    };
    match tool {
        "sqlx" => format!(
            "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on {ts} NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum {blob} NOT NULL, execution_time BIGINT NOT NULL);
             INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (1, 'create a', TRUE, {checksum}, 1), (2, 'create b', TRUE, {checksum}, 1);"
        ),
        "diesel" => "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
             INSERT INTO __diesel_schema_migrations (version) VALUES ('20240101000001'), ('20240101000002');".to_string(),
        "refinery" => "CREATE TABLE refinery_schema_history (version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255));
             INSERT INTO refinery_schema_history VALUES (1, 'create_a', '2024-01-01T00:00:00Z', '1'), (2, 'create_b', '2024-01-01T00:00:00Z', '2');".to_string(),
        "golang-migrate" => "CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null);
             INSERT INTO schema_migrations (version, dirty) VALUES (2, FALSE);".to_string(),
        "flyway" => "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, execution_time INT NOT NULL, success BOOLEAN NOT NULL);
             INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES
               (1, '1', 'create a', 'SQL', 'V1__create_a.sql', 1, 'me', 1, TRUE),
               (2, '1.1', 'create b', 'SQL', 'V1_1__create_b.sql', 2, 'me', 1, TRUE);".to_string(),
        other => panic!("no table for {other}"),
    }
}

const TABLES: &str =
    "CREATE TABLE t_a (id INTEGER PRIMARY KEY); CREATE TABLE t_b (id INTEGER PRIMARY KEY);";

/// A project with `tool`'s files in `theirs/` imported into `migrations/`.
fn imported(tool: &str) -> TestProject {
    let p = TestProject::new();
    write_tool_files(&p, tool, "theirs");
    after_saying(p, &["import", tool, "theirs"], "Imported 2")
}

// ---------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------

#[test]
fn each_tool_imports_as_a_chain_with_its_versions_as_ids() {
    for tool in FILE_TOOLS {
        let p = imported(tool);
        let [first, second] = ids(tool);
        let history = p.ok(&["history"]);
        let lines: Vec<&str> = history.stdout.lines().collect();
        assert!(
            lines[0].contains(second) && lines[0].contains("create b"),
            "{tool}: {lines:?}"
        );
        assert!(lines[1].contains(first), "{tool}: {lines:?}");
        let show = p.ok(&["show", second]);
        show.stdout_has(first);
        // `check` finds one head and files that parse.
        p.ok(&["check"]);
    }
}

#[test]
fn downs_no_transaction_markers_and_irreversibility_carry_over() {
    let p = imported("sqlx");
    let two = p.read("migrations/2_create_b.sql");
    assert!(two.contains("-- migrate:up transaction:false"), "{two}");
    assert!(!two.contains("-- migrate:down"), "{two}");
    let one = p.read("migrations/1_create_a.sql");
    assert!(one.contains("-- migrate:down\nDROP TABLE t_a;"), "{one}");
    let p = imported("dbmate");
    let two = p.read("migrations/20240101000002_create_b.sql");
    assert!(two.contains("-- migrate:up transaction:false"), "{two}");
    let p = imported("flyway");
    let one = p.read("migrations/1_create_a.sql");
    assert!(one.contains("-- migrate:down\nDROP TABLE t_a;"), "{one}");
}

#[test]
fn imported_revisions_apply_and_roll_back() {
    let p = after(imported("golang-migrate"), &["up"]);
    let db = dev_db(&p);
    assert_eq!(
        query(
            &db,
            "SELECT count(*) FROM sqlite_master WHERE name LIKE 't_%'"
        )
        .trim(),
        "2"
    );
    // The files read back with the checksums they were applied with.
    p.ok(&["check"]);
    p.ok(&["down", "base"]);
}

#[test]
fn the_default_directory_is_the_tools_own() {
    let p = TestProject::with_metadata("");
    p.write(
        "Cargo.toml",
        p.read("Cargo.toml")
            .replace("migrations = \"migrations\"", "migrations = \"schema\""),
    );
    write_tool_files(&p, "dbmate", "db/migrations");
    let out = p.ok(&["import", "dbmate"]);
    assert!(
        p.path()
            .join("schema/20240101000001_create_a.sql")
            .is_file()
    );
    out.stderr_has("from db/migrations");
}

#[test]
fn an_unknown_format_lists_the_formats() {
    let p = TestProject::new();
    let out = p.run(&["import", "sqlxx"]);
    invalid(&out, &["unknown format `sqlxx`"]);
    help_has(&out, "did you mean `sqlx`?");
    help_has(
        &out,
        "sqlx, diesel, refinery, dbmate, golang-migrate, flyway, alembic",
    );
}

#[test]
fn a_directory_in_another_layout_or_empty_is_refused() {
    let p = TestProject::new();
    write_tool_files(&p, "refinery", "theirs");
    let out = p.run(&["import", "sqlx", "theirs"]);
    invalid(&out, &["no sqlx migrations in `theirs`"]);
    help_has(&out, "refinery or flyway");
    std::fs::create_dir_all(p.path().join("empty")).unwrap();
    let out = p.run(&["import", "diesel", "empty"]);
    invalid(&out, &["no diesel migrations in `empty`"]);
    help_has(&out, "up.sql");
    let out = p.run(&["import", "diesel", "missing"]);
    invalid(&out, &["`missing` does not exist"]);
    assert_eq!(
        std::fs::read_dir(p.path().join("migrations"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn the_tools_directory_as_the_migrations_directory_is_refused() {
    let p = TestProject::new();
    write_tool_files(&p, "sqlx", "migrations");
    let out = p.run(&["import", "sqlx"]);
    invalid(
        &out,
        &["`migrations` is this project's migrations directory too"],
    );
    help_has(&out, "git mv migrations sqlx-migrations");
}

#[test]
fn collisions_are_refused_before_anything_is_written() {
    let p = imported("sqlx");
    p.write("theirs/3_create_c.sql", "CREATE TABLE t_c (id INTEGER);");
    let out = p.run(&["import", "sqlx", "theirs"]);
    invalid(&out, &["collide with existing revisions", "`1`", "`2`"]);
    help_has(&out, "nothing was written");
    assert!(!p.path().join("migrations/3_create_c.sql").exists());
    // A revision of the project's own with a version's id.
    let p = TestProject::new();
    p.revision("1", "", "");
    write_tool_files(&p, "refinery", "theirs");
    let out = p.run(&["import", "refinery", "theirs"]);
    invalid(&out, &["collide", "`1`"]);
    assert!(!p.path().join("migrations/2_create_b.sql").exists());
}

/// `import TOOL theirs` in a new project whose `theirs/` holds `files` (path, contents).
fn import_of(tool: &str, files: &[(&str, &str)]) -> cargo_schema_e2e::Output {
    let p = TestProject::new();
    for (path, contents) in files {
        p.write(&format!("theirs/{path}"), contents);
    }
    p.run(&["import", tool, "theirs"])
}

#[test]
fn a_version_that_cannot_be_a_revision_id_is_refused() {
    let out = import_of("diesel", &[("v1.0_first/up.sql", "SELECT 1;")]);
    invalid(&out, &["invalid revision id `v1.0`"]);
    help_has(&out, "letters, digits and `_`");
    let out = import_of("refinery", &[("V1a__x.sql", "SELECT 1;")]);
    invalid(&out, &["version `1a` cannot be a revision id"]);
}

#[test]
fn two_files_of_one_version_are_refused() {
    let out = import_of(
        "sqlx",
        &[("1_a.sql", "SELECT 1;"), ("01_b.sql", "SELECT 2;")],
    );
    invalid(&out, &["have the same version (revision `1`)"]);
}

#[test]
fn a_marker_line_in_the_tools_sql_is_refused() {
    let out = import_of(
        "sqlx",
        &[("1_a.sql", "SELECT 1;\n-- migrate:down\nSELECT 2;\n")],
    );
    exits(&out, INVALID);
    error_line_has(&out, &["1_a.sql"]);
}

// ---------------------------------------------------------------------------------------
// Adopt on SQLite
// ---------------------------------------------------------------------------------------

/// [`imported`], and `dev.db` holding `before`, `tool`'s bookkeeping table (with both
/// migrations applied) and `after`.
fn with_bookkeeping(tool: &str, before: &str, after: &str) -> TestProject {
    let p = imported(tool);
    let bookkeeping = bookkeeping(tool, "sqlite");
    sqlite_exec(&dev_db(&p), &format!("{before}{bookkeeping}{after}"));
    p
}

/// Imports `tool`'s files, makes `dev.db` as the tool leaves it (its two tables and its
/// bookkeeping), and adopts.
fn adopted_on_sqlite(tool: &str) -> TestProject {
    let p = with_bookkeeping(tool, TABLES, "");
    after_saying(p, &["import", tool, "--adopt"], "Adopted 2 revision(s)")
}

#[test]
fn adopting_records_what_each_tool_applied_and_up_runs_nothing() {
    for tool in TABLE_TOOLS {
        let p = adopted_on_sqlite(tool);
        let [_, second] = ids(tool);
        let current = p.ok(&["current"]);
        assert_eq!(current.first_words(), [second], "{tool}");
        // `up` would fail on `CREATE TABLE t_a` had it run anything.
        let up = p.ok(&["up"]);
        up.stderr_lacks("Applied");
        // The tool's table is left as it was.
        let db = dev_db(&p);
        let table = match tool {
            "golang-migrate" => "schema_migrations",
            "sqlx" => "_sqlx_migrations",
            "diesel" => "__diesel_schema_migrations",
            "refinery" => "refinery_schema_history",
            _ => "flyway_schema_history",
        };
        let n = query(&db, &format!("SELECT count(*) FROM {table}"));
        let expected = if tool == "golang-migrate" { "1" } else { "2" };
        assert_eq!(n.trim(), expected, "{tool}");
        // Adopting again records nothing new.
        let again = p.ok(&["import", tool, "--adopt"]);
        again.stderr_has("0 newly recorded");
    }
}

#[test]
fn adopting_a_prefix_leaves_the_rest_pending() {
    let p = with_bookkeeping(
        "sqlx",
        "CREATE TABLE t_a (id INTEGER PRIMARY KEY);",
        "DELETE FROM _sqlx_migrations WHERE version = 2;",
    );
    p.ok(&["import", "sqlx", "--adopt"]);
    assert_eq!(p.run(&["current"]).first_words(), ["1"]);
    let up = p.ok(&["up"]);
    up.stderr_has("2");
}

#[test]
fn a_failed_or_dirty_row_is_refused() {
    let cases = [
        (
            "sqlx",
            "UPDATE _sqlx_migrations SET success = FALSE WHERE version = 2;",
            "records version 2 as failed",
        ),
        (
            "flyway",
            "UPDATE flyway_schema_history SET success = FALSE WHERE installed_rank = 2;",
            "records version 1.1 as failed",
        ),
        (
            "golang-migrate",
            "UPDATE schema_migrations SET dirty = TRUE;",
            "is dirty at version 2",
        ),
    ];
    for (tool, spoil, message) in cases {
        let p = with_bookkeeping(tool, TABLES, spoil);
        let out = p.run(&["import", tool, "--adopt"]);
        exits(&out, INVALID);
        error_line_has(&out, &[message]);
        assert!(
            !query(&dev_db(&p), "SELECT name FROM sqlite_master").contains("schema_version\n"),
            "{tool}: nothing recorded"
        );
        assert!(p.run(&["current"]).first_words().is_empty(), "{tool}");
    }
}

/// `import TOOL --adopt` of [`with_bookkeeping`]`(tool, "", spoil)` is refused (exit 2) with
/// an `error:` line holding every needle.
#[track_caller]
fn adopt_refused(tool: &str, spoil: &str, needles: &[&str]) -> cargo_schema_e2e::Output {
    let p = with_bookkeeping(tool, "", spoil);
    let out = p.run(&["import", tool, "--adopt"]);
    invalid(&out, needles);
    out
}

#[test]
fn versions_the_files_do_not_have_are_refused() {
    let out = adopt_refused(
        "diesel",
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('20250101000000');",
        &["records version(s) that no revision file has: 20250101000000"],
    );
    help_has(&out, "import them first");
}

#[test]
fn a_gap_in_what_was_applied_is_refused() {
    let spoil = "DELETE FROM refinery_schema_history WHERE version = 1;";
    adopt_refused("refinery", spoil, &["records 2 but not 1"]);
}

#[test]
fn a_database_no_tool_manages_is_refused() {
    let p = imported("sqlx");
    sqlite_exec(&dev_db(&p), TABLES);
    let out = p.run(&["import", "sqlx", "--adopt"]);
    invalid(&out, &["the database has no `_sqlx_migrations` table"]);
    help_has(&out, "cargo schema stamp REV");
    // Another tool's table is named.
    sqlite_exec(&dev_db(&p), &bookkeeping("golang-migrate", "sqlite"));
    let out = p.run(&["import", "dbmate", "--adopt"]);
    invalid(&out, &["no `schema_migrations` table: dbmate"]);
    help_has(&out, "cargo schema import golang-migrate --adopt");
}

// ---------------------------------------------------------------------------------------
// dbmate itself
// ---------------------------------------------------------------------------------------

fn dbmate() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("DBMATE").map(PathBuf::from),
        // Where .ci/run installs it.
        Some(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../target/tools/node_modules/.bin/dbmate"),
        ),
        Some(PathBuf::from("dbmate")),
    ];
    candidates.into_iter().flatten().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[track_caller]
fn run_dbmate(bin: &PathBuf, p: &TestProject, url: &str) {
    run_ok(
        Command::new(bin).current_dir(p.path()).args([
            "--url",
            url,
            "--migrations-dir",
            "db/migrations",
            "--no-dump-schema",
            "up",
        ]),
        "dbmate up",
    );
}

#[test]
fn dbmate_applied_on_sqlite_is_adopted() {
    let Some(bin) = dbmate() else {
        return db::skip("dbmate is not installed (npm install dbmate; or set DBMATE)");
    };
    let p = TestProject::new();
    write_tool_files(&p, "dbmate", "db/migrations");
    let url = format!("sqlite:{}", dev_db(&p).display());
    run_dbmate(&bin, &p, &url);
    p.ok(&["import", "dbmate"]);
    p.ok(&["import", "dbmate", "--adopt"]);
    assert_eq!(p.run(&["current"]).first_words(), ["20240101000002"]);
    p.ok(&["up"]).stderr_lacks("Applied");
}

fn dbmate_on_a_server(server: Server) {
    let Some(bin) = dbmate() else {
        return db::skip("dbmate is not installed (npm install dbmate; or set DBMATE)");
    };
    let db: TestDatabase = test_database!(server);
    let p = TestProject::new();
    write_tool_files(&p, "dbmate", "db/migrations");
    let url = match server {
        Server::Postgres => format!("{}?sslmode=disable", db.url()),
        Server::MySql => db.url(),
    };
    run_dbmate(&bin, &p, &url);
    p.ok(&["import", "dbmate"]);
    ok_on(&p, &db.url(), &["import", "dbmate", "--adopt"]);
    let current = ok_on(&p, &db.url(), &["current"]);
    assert_eq!(current.first_words(), ["20240101000002"]);
    ok_on(&p, &db.url(), &["up"]).stderr_lacks("Applied");
    assert_eq!(db.query("SELECT count(*) FROM schema_migrations"), "2");
}

on_both_servers!(dbmate_on_a_server: postgres_dbmate_adopted, mariadb_dbmate_adopted);

// ---------------------------------------------------------------------------------------
// The other tools' tables on the servers
// ---------------------------------------------------------------------------------------

fn each_tool_on_a_server(server: Server) {
    let dialect = match server {
        Server::Postgres => "postgres",
        Server::MySql => "mysql",
    };
    for tool in TABLE_TOOLS {
        let name = format!("{}_{}", db::current_test_name(), tool.replace('-', "_"));
        let db: TestDatabase = test_database!(server, &name);
        let p = imported(tool);
        db.query(&format!("{TABLES}{}", bookkeeping(tool, dialect)));
        ok_on(&p, &db.url(), &["import", tool, "--adopt"]).stderr_has("Adopted 2");
        let [_, second] = ids(tool);
        assert_eq!(
            ok_on(&p, &db.url(), &["current"]).first_words(),
            [second],
            "{tool}"
        );
        ok_on(&p, &db.url(), &["up"]).stderr_lacks("Applied");
        assert_eq!(db::recorded(&db).len(), 2, "{tool}");
        // A failed row is refused there too.
        if tool == "sqlx" {
            db.query("UPDATE _sqlx_migrations SET success = FALSE WHERE version = 2");
            let out = run_on(&p, &db.url(), &["import", tool, "--adopt"]);
            exits(&out, INVALID);
            error_line_has(&out, &["records version 2 as failed"]);
        }
    }
}

on_both_servers!(each_tool_on_a_server: postgres_each_tool_adopted, mariadb_each_tool_adopted);

#[test]
fn stamp_from_a_tool_adopts_like_import_adopt() {
    let p = with_bookkeeping("refinery", TABLES, "");
    let out = p.ok(&["stamp", "--from", "refinery"]);
    out.stderr_has("Adopted 2 revision(s)");
    assert_eq!(p.run(&["current"]).first_words(), ["2"]);
    let out = p.run(&["stamp", "--from", "liquibase"]);
    invalid(&out, &["unknown format `liquibase`"]);
    let out = p.run(&["stamp", "head", "--from", "refinery"]);
    exits(&out, INVALID);
}

#[test]
fn flyway_baseline_and_delete_rows_are_read_as_flyway_reads_them() {
    let p = TestProject::new();
    p.write("theirs/V1__create_a.sql", "CREATE TABLE t_a (id INTEGER);");
    p.write("theirs/V2__create_b.sql", "CREATE TABLE t_b (id INTEGER);");
    p.write("theirs/V3__create_c.sql", "CREATE TABLE t_c (id INTEGER);");
    p.ok(&["import", "flyway", "theirs"]);
    // Baselined at 2 (V1 and V2 stand for the existing schema), then V3 applied; a DELETE row
    // written by `flyway repair` and the schema-creation row are skipped.
    let table = bookkeeping("flyway", "sqlite");
    let create = table.split(';').next().unwrap();
    sqlite_exec(
        &dev_db(&p),
        &format!(
            "{TABLES}CREATE TABLE t_c (id INTEGER);{create};
             INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES
               (1, NULL, '<< Flyway Schema Creation >>', 'SCHEMA', '\"main\"', NULL, 'me', 0, TRUE),
               (2, '2', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'me', 0, TRUE),
               (3, '3', 'create c', 'SQL', 'V3__create_c.sql', 1, 'me', 1, TRUE),
               (4, '9', 'gone', 'DELETE', 'V9__gone.sql', 1, 'me', 0, TRUE);"
        ),
    );
    let out = p.ok(&["import", "flyway", "--adopt"]);
    out.stderr_has("Adopted 3 revision(s)");
    assert_eq!(p.run(&["current"]).first_words(), ["3"]);
    p.ok(&["up"]).stderr_lacks("Applied");
}

#[test]
fn golang_migrate_with_everything_rolled_back_has_nothing_to_adopt() {
    let p = imported("golang-migrate");
    let table = bookkeeping("golang-migrate", "sqlite");
    let create = table.split(';').next().unwrap();
    sqlite_exec(
        &dev_db(&p),
        &format!("{create}; INSERT INTO schema_migrations VALUES (-1, FALSE);"),
    );
    let out = p.ok(&["import", "golang-migrate", "--adopt"]);
    out.stderr_has("has applied nothing here");
    assert!(p.run(&["current"]).first_words().is_empty());
}
