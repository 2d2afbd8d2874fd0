//! Snapshots of what users read: one representative of every class of error message and the
//! main outputs (the history graph, `heads -v`, `check`'s findings, `current -v`), so that a
//! change of wording is a reviewed diff. The snapshots live in `tests/e2e/snapshots/`.
//!
//! Update them after an intended change with `cargo insta review` (cargo-insta) or
//! `INSTA_UPDATE=always cargo test -p cargo-schema-e2e --test e2e snapshots`; with `CI=true`
//! a mismatch fails.
//!
//! Each snapshot holds the exit code, stdout and stderr; the project's temporary directory
//! reads `[PROJECT]`, and times, the durations of steps, a lease's remaining time and process
//! ids are masked.

use cargo_schema_e2e::fixtures::{
    LINE, after, branched, duplicate_ids, edit_second_revision, linear, merged,
    no_migrations_directory, revision_file, workspace_of_one_and_two,
};
use cargo_schema_e2e::sqlite::{dev_db, sqlite_exec};
use cargo_schema_e2e::{Output, TestProject};

/// The run as a snapshot: exit code, stdout, stderr, with the project's path replaced.
fn shown(p: &TestProject, out: &Output) -> String {
    let mut text = format!(
        "exit: {}\n--- stdout ---\n{}--- stderr ---\n{}",
        out.code, out.stdout, out.stderr
    );
    let mut paths = vec![p.path().display().to_string()];
    if let Ok(real) = p.path().canonicalize() {
        paths.push(real.display().to_string());
    }
    // The longest first, so a path that contains another is replaced whole.
    paths.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for path in paths {
        text = text.replace(&path, "[PROJECT]");
    }
    text
}

/// Asserts the snapshot `name` of a run, with times, durations and pids masked.
macro_rules! snapshot {
    ($name:expr, $p:expr, $out:expr) => {{
        let text = shown($p, $out);
        insta::with_settings!({
            prepend_module_to_snapshot => false,
            filters => vec![
                (r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( ?(UTC|Z|[+-]\d\d:?\d\d))?", "[TIME]"),
                (r"\(\d+(\.\d+)? ?(ms|µs|s)\)", "([DURATION])"),
                (r"expires in [^)]*? unless renewed", "expires in [REMAINING] unless renewed"),
                (r"\bpid \d+", "pid [PID]"),
                (r"\(os error \d+\)", "(os error [N])"),
            ],
        }, {
            insta::assert_snapshot!($name, text);
        });
    }};
}

/// A project whose only revision file is `migrations/aa01_x.sql` holding `text`.
fn one_file(text: &str) -> TestProject {
    let p = TestProject::new();
    p.write("migrations/aa01_x.sql", text);
    p
}

/// One `#[test]` a row: `name: project, [args];` snapshots the run of `args` in the project
/// as the snapshot `name`.
macro_rules! snapshots {
    ($($name:ident: $project:expr, $args:expr;)+) => {$(
        #[test]
        fn $name() {
            let p = $project;
            snapshot!(stringify!($name), &p, &p.run(&$args));
        }
    )+};
}

/// `p` with its second revision edited (see [`edit_second_revision`]).
fn edited(p: TestProject) -> TestProject {
    edit_second_revision(&p);
    p
}

/// `p` after `sql` ran on its development database.
fn with_sql(p: TestProject, sql: &str) -> TestProject {
    sqlite_exec(&dev_db(&p), sql);
    p
}

/// A project whose metadata holds the `extra` lines, with one revision `aa01`.
fn one_revision_with(extra: &str) -> TestProject {
    let p = TestProject::with_metadata(extra);
    p.revision("aa01", "", "");
    p
}

/// A project whose manifest says `migration =` where it means `migrations =`.
fn misspelt_migrations_key() -> TestProject {
    let p = TestProject::new();
    let manifest = p.read("Cargo.toml").replace("migrations =", "migration =");
    p.write("Cargo.toml", manifest);
    p
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

snapshots! {
    error_malformed_revision_file: one_file("-- revises:\n-- message: no id\n\n-- migrate:up\nSELECT 1;\n"), ["heads"];
    error_malformed_header_key: one_file("-- revision: aa01\n-- down_revision:\n-- message: x\n\n-- migrate:up\nSELECT 1;\n"), ["heads"];
    error_unknown_parent: TestProject::with_revisions(&[("aa01", "ffff", "")]), ["history"];
    error_unknown_target: linear(), ["up", "zzzz"];
    error_ambiguous_prefix: branched(), ["show", "ae10"];
    error_several_heads: branched(), ["new", "-m", "x"];
    error_edited_applied_revision: edited(after(linear(), &["up", "+2"])), ["up"];
    error_bad_config_key: misspelt_migrations_key(), ["heads"];
    error_bad_config_value: TestProject::with_metadata("lock = \"sometimes\"\n"), ["heads"];
    error_missing_migrations_directory: no_migrations_directory(), ["heads"];
    error_bad_url: linear(), ["up", "--database-url", "oracle://u:secret@h/db"];
    error_bad_lock_timeout: linear(), ["up", "--lock-timeout", "soon"];
    error_bad_statement_timeout: linear(), ["up", "--statement-timeout", "soon"];
    error_bad_lock_retries_key: one_revision_with("lock-retries = \"three\"\n"), ["up"];
    error_merge_of_a_single_head: linear(), ["merge"];
    error_duplicate_ids: duplicate_ids(), ["heads"];
    error_cycle: TestProject::with_revisions(&[("aa01", "cc03", ""), ("bb02", "aa01", ""), ("cc03", "bb02", "")]), ["heads"];
    error_no_manifest: TestProject::bare(), ["heads"];
    error_bad_target_syntax: linear(), ["up", "@head"];
    error_newer_version_table_layout: with_sql(after(linear(), &["up"]), "UPDATE schema_version_meta SET value = 99 WHERE name = 'layout'"), ["stamp", "base"];
    error_unreachable_server: linear(), ["up", "--database-url", "postgres://app:hunter2@127.0.0.1:1/app"];
}

#[test]
fn error_dirty_revision() {
    let p = TestProject::new();
    p.revision("aa01", "", "");
    p.write(
        &revision_file("bb02"),
        "-- revision: bb02\n-- revises: aa01\n\n-- migrate:up transaction:false\nCREATE TABLE second (id INTEGER);\nINSERT INTO nope VALUES (1);\n\n-- migrate:down\nDROP TABLE second;\n",
    );
    let failed = p.run(&["up"]);
    snapshot!("error_failed_statement_leaves_dirty", &p, &failed);
    snapshot!("error_dirty_revision", &p, &p.run(&["stamp", "head"]));
}

#[test]
fn error_lock_timeout() {
    let p = one_revision_with("lock = \"table\"\n");
    let db = dev_db(&p);
    // A lease a killed run on another host left behind, expiring in five minutes.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    sqlite_exec(
        &db,
        &format!(
            "CREATE TABLE schema_version_lock (id INTEGER NOT NULL PRIMARY KEY, owner VARCHAR(64) NOT NULL, expires_at BIGINT NOT NULL);\
             INSERT INTO schema_version_lock (id, owner, expires_at) VALUES (1, '4242@build-box@{now}@abcdef', {});",
            now + 300
        ),
    );
    let out = p.run(&["up", "--lock-timeout", "1s"]);
    snapshot!("error_lock_timeout", &p, &out);
}

#[test]
fn error_refused_declared_schema() {
    let p = one_revision_with("schema = \"schema.sql\"\n");
    p.write(
        "schema.sql",
        "CREATE TABLE t_aa01 (id INTEGER PRIMARY KEY);\nATTACH DATABASE 'dev.db' AS dev;\n",
    );
    snapshot!("error_refused_declared_schema", &p, &p.run(&["check"]));
}

#[test]
fn error_several_packages_need_a_package_flag() {
    let p = workspace_of_one_and_two(|name| {
        cargo_schema_e2e::project::MANIFEST.replace("\"app\"", &format!("\"{name}\""))
    });
    for name in ["one", "two"] {
        std::fs::create_dir_all(p.path().join(name).join("migrations")).expect("mkdir");
    }
    snapshot!("error_several_packages", &p, &p.run(&["heads"]));
}

#[test]
fn error_irreversible_revision() {
    let p = linear();
    cargo_schema_e2e::fixtures::write_revision(
        &p,
        LINE[1],
        LINE[0],
        "",
        &format!("CREATE TABLE t_{} (id INTEGER PRIMARY KEY);", LINE[1]),
        None,
    );
    p.run(&["up"]).success();
    snapshot!("error_irreversible_revision", &p, &p.run(&["down", "base"]));
}

// ---------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------

snapshots! {
    output_history_graph: merged(), ["history"];
    output_history_graph_of_two_heads: branched(), ["history"];
    output_heads_verbose: branched(), ["heads", "-v"];
    output_check_findings: edited(after(linear(), &["up"])), ["check"];
    output_current_verbose: after(linear(), &["up", "+2"]), ["current", "-v"];
}

// `import` (issue 14).

/// A project with `tool`'s migrations in `theirs/`.
fn with_tool_files(tool: &str) -> TestProject {
    let p = TestProject::new();
    crate::import::write_tool_files(&p, tool, "theirs");
    p
}

/// [`with_tool_files`] after `import TOOL theirs`.
fn imported(tool: &str) -> TestProject {
    after(with_tool_files(tool), &["import", tool, "theirs"])
}

/// [`imported`] with the tool's bookkeeping table in the development database, then `extra`.
fn adopting(tool: &str, extra: &str) -> TestProject {
    let bookkeeping = crate::import::bookkeeping(tool, "sqlite");
    with_sql(imported(tool), &format!("{bookkeeping}{extra}"))
}

snapshots! {
    output_import: with_tool_files("sqlx"), ["import", "sqlx", "theirs"];
    output_import_adopt: adopting("sqlx", ""), ["import", "sqlx", "--adopt"];
    error_import_unknown_format: TestProject::new(), ["import", "flywai"];
    error_import_other_layout: with_tool_files("golang-migrate"), ["import", "dbmate", "theirs"];
    error_import_collision: imported("sqlx"), ["import", "sqlx", "theirs"];
    error_import_bad_version: TestProject::with_file("theirs/v1.0_first/up.sql", "SELECT 1;"), ["import", "diesel", "theirs"];
    error_adopt_failed_row: adopting("sqlx", "UPDATE _sqlx_migrations SET success = FALSE WHERE version = 2;"), ["import", "sqlx", "--adopt"];
    error_adopt_dirty: adopting("golang-migrate", "UPDATE schema_migrations SET dirty = TRUE;"), ["import", "golang-migrate", "--adopt"];
    error_adopt_unknown_versions: adopting("sqlx", "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (3, 'c', TRUE, X'00', 1);"), ["import", "sqlx", "--adopt"];
    error_adopt_not_managed: with_sql(imported("sqlx"), "CREATE TABLE t (id INTEGER);"), ["import", "sqlx", "--adopt"];
}

#[test]
fn output_check_roundtrip_trace() {
    // The last revision creates an index on the first one's table, `IF NOT EXISTS`, and its
    // down section forgets it; a second revision's down drops a table it did not create.
    let p = linear();
    cargo_schema_e2e::fixtures::write_revision(
        &p,
        "d4d4d4d4d4d4",
        LINE[3],
        "",
        &format!(
            "CREATE INDEX IF NOT EXISTS ix_forgotten ON t_{} (id);",
            LINE[0]
        ),
        Some("SELECT 1;"),
    );
    cargo_schema_e2e::fixtures::write_revision(
        &p,
        "e5e5e5e5e5e5",
        "d4d4d4d4d4d4",
        "",
        "CREATE TABLE t_e5 (id INTEGER PRIMARY KEY);",
        Some(&format!("DROP TABLE t_e5;\nDROP TABLE t_{};", LINE[1])),
    );
    snapshot!(
        "output_check_roundtrip_trace",
        &p,
        &p.run(&["check", "--roundtrip"])
    );
}
