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
    LINE, branched, duplicate_ids, edit_second_revision, linear, merged, revision_file,
    workspace_of_one_and_two,
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

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

#[test]
fn error_malformed_revision_file() {
    let p = one_file("-- revises:\n-- message: no id\n\n-- migrate:up\nSELECT 1;\n");
    snapshot!("error_malformed_revision_file", &p, &p.run(&["heads"]));
}

#[test]
fn error_malformed_header_key() {
    let p = one_file(
        "-- revision: aa01\n-- down_revision:\n-- message: x\n\n-- migrate:up\nSELECT 1;\n",
    );
    snapshot!("error_malformed_header_key", &p, &p.run(&["heads"]));
}

#[test]
fn error_unknown_parent() {
    let p = TestProject::new();
    p.revision("aa01", "ffff", "");
    snapshot!("error_unknown_parent", &p, &p.run(&["history"]));
}

#[test]
fn error_unknown_target() {
    let p = linear();
    snapshot!("error_unknown_target", &p, &p.run(&["up", "zzzz"]));
}

#[test]
fn error_ambiguous_prefix() {
    let p = branched();
    snapshot!("error_ambiguous_prefix", &p, &p.run(&["show", "ae10"]));
}

#[test]
fn error_several_heads() {
    let p = branched();
    snapshot!("error_several_heads", &p, &p.run(&["new", "-m", "x"]));
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
fn error_edited_applied_revision() {
    let p = linear();
    p.run(&["up", "+2"]).success();
    edit_second_revision(&p);
    snapshot!("error_edited_applied_revision", &p, &p.run(&["up"]));
}

#[test]
fn error_bad_config_key() {
    let p = TestProject::new();
    let manifest = p.read("Cargo.toml").replace("migrations =", "migration =");
    p.write("Cargo.toml", manifest);
    snapshot!("error_bad_config_key", &p, &p.run(&["heads"]));
}

#[test]
fn error_bad_config_value() {
    let p = TestProject::with_metadata("lock = \"sometimes\"\n");
    snapshot!("error_bad_config_value", &p, &p.run(&["heads"]));
}

#[test]
fn error_missing_migrations_directory() {
    let p = TestProject::new();
    std::fs::remove_dir(p.path().join("migrations")).expect("rmdir");
    snapshot!("error_missing_migrations_directory", &p, &p.run(&["heads"]));
}

#[test]
fn error_bad_url() {
    let p = linear();
    let out = p.run(&["up", "--database-url", "oracle://u:secret@h/db"]);
    snapshot!("error_bad_url", &p, &out);
}

#[test]
fn error_bad_lock_timeout() {
    let p = linear();
    let out = p.run(&["up", "--lock-timeout", "soon"]);
    snapshot!("error_bad_lock_timeout", &p, &out);
}

#[test]
fn error_bad_statement_timeout() {
    let p = linear();
    let out = p.run(&["up", "--statement-timeout", "soon"]);
    snapshot!("error_bad_statement_timeout", &p, &out);
}

#[test]
fn error_bad_lock_retries_key() {
    let p = TestProject::with_metadata("lock-retries = \"three\"\n");
    p.revision("aa01", "", "");
    let out = p.run(&["up"]);
    snapshot!("error_bad_lock_retries_key", &p, &out);
}

#[test]
fn error_lock_timeout() {
    let p = TestProject::with_metadata("lock = \"table\"\n");
    p.revision("aa01", "", "");
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
    let p = TestProject::with_metadata("schema = \"schema.sql\"\n");
    p.revision("aa01", "", "");
    p.write(
        "schema.sql",
        "CREATE TABLE t_aa01 (id INTEGER PRIMARY KEY);\nATTACH DATABASE 'dev.db' AS dev;\n",
    );
    snapshot!("error_refused_declared_schema", &p, &p.run(&["check"]));
}

#[test]
fn error_merge_of_a_single_head() {
    let p = linear();
    snapshot!("error_merge_of_a_single_head", &p, &p.run(&["merge"]));
}

#[test]
fn error_duplicate_ids() {
    let p = duplicate_ids();
    snapshot!("error_duplicate_ids", &p, &p.run(&["heads"]));
}

#[test]
fn error_cycle() {
    let p = TestProject::new();
    p.revision("aa01", "cc03", "");
    p.revision("bb02", "aa01", "");
    p.revision("cc03", "bb02", "");
    snapshot!("error_cycle", &p, &p.run(&["heads"]));
}

#[test]
fn error_no_manifest() {
    let p = TestProject::bare();
    snapshot!("error_no_manifest", &p, &p.run(&["heads"]));
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
fn error_bad_target_syntax() {
    let p = linear();
    snapshot!("error_bad_target_syntax", &p, &p.run(&["up", "@head"]));
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

#[test]
fn error_newer_version_table_layout() {
    let p = linear();
    p.run(&["up"]).success();
    sqlite_exec(
        &dev_db(&p),
        "UPDATE schema_version_meta SET value = 99 WHERE name = 'layout'",
    );
    snapshot!(
        "error_newer_version_table_layout",
        &p,
        &p.run(&["stamp", "base"])
    );
}

#[test]
fn error_unreachable_server() {
    let p = linear();
    let out = p.run(&[
        "up",
        "--database-url",
        "postgres://app:hunter2@127.0.0.1:1/app",
    ]);
    snapshot!("error_unreachable_server", &p, &out);
}

// ---------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------

#[test]
fn output_history_graph() {
    let p = merged();
    snapshot!("output_history_graph", &p, &p.run(&["history"]));
}

#[test]
fn output_history_graph_of_two_heads() {
    let p = branched();
    snapshot!(
        "output_history_graph_of_two_heads",
        &p,
        &p.run(&["history"])
    );
}

#[test]
fn output_heads_verbose() {
    let p = branched();
    snapshot!("output_heads_verbose", &p, &p.run(&["heads", "-v"]));
}

#[test]
fn output_check_findings() {
    let p = linear();
    p.run(&["up"]).success();
    edit_second_revision(&p);
    snapshot!("output_check_findings", &p, &p.run(&["check"]));
}

#[test]
fn output_current_verbose() {
    let p = linear();
    p.run(&["up", "+2"]).success();
    snapshot!("output_current_verbose", &p, &p.run(&["current", "-v"]));
}

// `import` (issue 14).

/// A project with sqlx's two migrations in `theirs/`.
fn with_sqlx_files() -> TestProject {
    let p = TestProject::new();
    crate::import::write_tool_files(&p, "sqlx", "theirs");
    p
}

#[test]
fn output_import() {
    let p = with_sqlx_files();
    snapshot!("output_import", &p, &p.run(&["import", "sqlx", "theirs"]));
}

#[test]
fn output_import_adopt() {
    let p = with_sqlx_files();
    p.run(&["import", "sqlx", "theirs"]).success();
    sqlite_exec(&dev_db(&p), &crate::import::bookkeeping("sqlx", "sqlite"));
    snapshot!(
        "output_import_adopt",
        &p,
        &p.run(&["import", "sqlx", "--adopt"])
    );
}

#[test]
fn error_import_unknown_format() {
    let p = TestProject::new();
    snapshot!(
        "error_import_unknown_format",
        &p,
        &p.run(&["import", "flywai"])
    );
}

#[test]
fn error_import_other_layout() {
    let p = TestProject::new();
    crate::import::write_tool_files(&p, "golang-migrate", "theirs");
    snapshot!(
        "error_import_other_layout",
        &p,
        &p.run(&["import", "dbmate", "theirs"])
    );
}

#[test]
fn error_import_collision() {
    let p = with_sqlx_files();
    p.run(&["import", "sqlx", "theirs"]).success();
    snapshot!(
        "error_import_collision",
        &p,
        &p.run(&["import", "sqlx", "theirs"])
    );
}

#[test]
fn error_import_bad_version() {
    let p = TestProject::new();
    p.write("theirs/v1.0_first/up.sql", "SELECT 1;");
    snapshot!(
        "error_import_bad_version",
        &p,
        &p.run(&["import", "diesel", "theirs"])
    );
}

#[test]
fn error_adopt_failed_row() {
    let p = with_sqlx_files();
    p.run(&["import", "sqlx", "theirs"]).success();
    sqlite_exec(
        &dev_db(&p),
        &format!(
            "{}UPDATE _sqlx_migrations SET success = FALSE WHERE version = 2;",
            crate::import::bookkeeping("sqlx", "sqlite")
        ),
    );
    snapshot!(
        "error_adopt_failed_row",
        &p,
        &p.run(&["import", "sqlx", "--adopt"])
    );
}

#[test]
fn error_adopt_dirty() {
    let p = TestProject::new();
    crate::import::write_tool_files(&p, "golang-migrate", "theirs");
    p.run(&["import", "golang-migrate", "theirs"]).success();
    sqlite_exec(
        &dev_db(&p),
        &format!(
            "{}UPDATE schema_migrations SET dirty = TRUE;",
            crate::import::bookkeeping("golang-migrate", "sqlite")
        ),
    );
    snapshot!(
        "error_adopt_dirty",
        &p,
        &p.run(&["import", "golang-migrate", "--adopt"])
    );
}

#[test]
fn error_adopt_unknown_versions() {
    let p = with_sqlx_files();
    p.run(&["import", "sqlx", "theirs"]).success();
    sqlite_exec(
        &dev_db(&p),
        &format!(
            "{}INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (3, 'c', TRUE, X'00', 1);",
            crate::import::bookkeeping("sqlx", "sqlite")
        ),
    );
    snapshot!(
        "error_adopt_unknown_versions",
        &p,
        &p.run(&["import", "sqlx", "--adopt"])
    );
}

#[test]
fn error_adopt_not_managed() {
    let p = with_sqlx_files();
    p.run(&["import", "sqlx", "theirs"]).success();
    sqlite_exec(&dev_db(&p), "CREATE TABLE t (id INTEGER);");
    snapshot!(
        "error_adopt_not_managed",
        &p,
        &p.run(&["import", "sqlx", "--adopt"])
    );
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
