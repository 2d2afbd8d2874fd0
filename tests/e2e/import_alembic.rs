//! `cargo schema import alembic` and `--adopt` with Alembic itself (issue 14): a small Alembic
//! project — a branch point, a branch label, `depends_on`, a merge, a data migration and one
//! that reads rows — upgraded by Alembic against SQLite, PostgreSQL and MariaDB, imported,
//! adopted, and applied by `cargo schema up` on a fresh database.
//!
//! Alembic comes from PyPI into a virtualenv: `python3 -m venv target/tools/venv &&
//! target/tools/venv/bin/pip install alembic sqlalchemy psycopg2-binary pymysql` (.ci/run does
//! it). `ALEMBIC_PYTHON` names another Python that has them. Without it these tests skip
//! visibly, and fail with `CI=true`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_schema_e2e::assert::{INVALID, error_line_has, exits, help_has, invalid};
use cargo_schema_e2e::db::{self, Server, TestDatabase, ok_on, run_on};
use cargo_schema_e2e::json::strings;
use cargo_schema_e2e::project::run_ok;
use cargo_schema_e2e::sqlite::{dev_db, query, sqlite_exec};
use cargo_schema_e2e::{Output, TestProject, on_both_servers, test_database};

/// The Python that has Alembic, SQLAlchemy and the drivers.
fn python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("ALEMBIC_PYTHON").map(PathBuf::from),
        // Where .ci/run installs them.
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/tools/venv/bin/python")),
    ];
    candidates.into_iter().flatten().find(|c| {
        Command::new(c)
            .args(["-c", "import alembic, sqlalchemy, psycopg2, pymysql"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

macro_rules! python_or_skip {
    () => {
        match python() {
            Some(p) => p,
            None => {
                return db::skip(
                    "Alembic is not installed (python3 -m venv target/tools/venv && target/tools/venv/bin/pip install alembic sqlalchemy psycopg2-binary pymysql; or set ALEMBIC_PYTHON)",
                );
            }
        }
    };
}

/// [`unapplied`] with the Python of [`python_or_skip`].
macro_rules! unapplied_or_skip {
    () => {
        unapplied(&python_or_skip!())
    };
}

const ENV_PY: &str = r#"from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=None,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"#;

/// An Alembic revision script: (file, revision, down_revision, branch_labels, depends_on,
/// upgrade, downgrade), the ids as Python literals; the file's name after its two-character
/// prefix is the message.
type Script = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const REVISIONS: &[Script] = &[
    (
        "a1_create_users",
        "a1000000000a",
        "None",
        "None",
        "None",
        r#"op.create_table("users", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50), nullable=False))"#,
        r#"op.drop_table("users")"#,
    ),
    (
        "b1_add_email",
        "b1000000000b",
        r#""a1000000000a""#,
        "None",
        "None",
        r#"op.add_column("users", sa.Column("email", sa.String(100)))
    op.create_index("ix_users_email", "users", ["email"])"#,
        r#"op.drop_index("ix_users_email", "users")
    op.drop_column("users", "email")"#,
    ),
    (
        "c1_audit_log",
        "c1000000000c",
        r#""a1000000000a""#,
        r#"("audit",)"#,
        r#""b1000000000b""#,
        r#"op.create_table("audit_log", sa.Column("id", sa.Integer, primary_key=True), sa.Column("what", sa.Text), sa.Column("at", sa.DateTime, server_default=sa.func.now()))"#,
        r#"op.drop_table("audit_log")"#,
    ),
    (
        "m1_merge",
        "m1000000000m",
        r#"("b1000000000b", "c1000000000c")"#,
        "None",
        "None",
        "pass",
        "pass",
    ),
    (
        "d1_seed_users",
        "d1000000000d",
        r#""m1000000000m""#,
        "None",
        "None",
        r#"op.execute("INSERT INTO users (id, name) VALUES (1, 'ada')")"#,
        r#"op.execute("DELETE FROM users WHERE id = 1")"#,
    ),
    (
        "e1_backfill_emails",
        "e1000000000e",
        r#""d1000000000d""#,
        "None",
        "None",
        r#"conn = op.get_bind()
    for (id_, name) in conn.execute(sa.text("SELECT id, name FROM users")).fetchall():
        conn.execute(sa.text("UPDATE users SET email = :e WHERE id = :i"), {"e": name + "@example.com", "i": id_})"#,
        r#"op.execute("UPDATE users SET email = NULL")"#,
    ),
];

/// Writes the Alembic project into `p` (`alembic.ini` with `url`, `alembic/`), and a `.venv`
/// link to `python`'s virtualenv, where `cargo schema import alembic` looks first.
fn alembic_project(p: &TestProject, python: &Path, url: &str) {
    p.write("alembic.ini", ini(url));
    p.write("alembic/env.py", ENV_PY);
    for script in REVISIONS {
        write_script(p, script);
    }
    if let Some(venv) = python.parent().and_then(Path::parent) {
        #[cfg(unix)]
        std::os::unix::fs::symlink(std::fs::canonicalize(venv).unwrap(), p.path().join(".venv"))
            .unwrap();
    }
}

/// Writes `script` into the project's `alembic/versions/`.
fn write_script(p: &TestProject, script: &Script) {
    let (file, rev, down, labels, depends, up, downgrade) = script;
    p.write(
        &format!("alembic/versions/{file}.py"),
        format!(
            "\"\"\"{}\n\nRevision ID: {rev}\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = \"{rev}\"\ndown_revision = {down}\nbranch_labels = {labels}\ndepends_on = {depends}\n\n\ndef upgrade():\n    {up}\n\n\ndef downgrade():\n    {downgrade}\n",
            file[3..].replace('_', " ")
        ),
    );
}

/// The Alembic project with no database of its own (import only renders offline).
fn unapplied(python: &Path) -> TestProject {
    let p = TestProject::new();
    alembic_project(&p, python, "sqlite://");
    p
}

/// The Alembic project on the project's `dev.db`, which both tools use.
fn on_sqlite(python: &Path) -> (TestProject, PathBuf) {
    let p = TestProject::new();
    let db = dev_db(&p);
    alembic_project(&p, python, &format!("sqlite:///{}", db.display()));
    (p, db)
}

fn ini(url: &str) -> String {
    format!("[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = {url}\n")
}

/// Runs `alembic ARGS` in the project; its stdout.
#[track_caller]
fn alembic(python: &Path, p: &TestProject, args: &[&str]) -> String {
    let out = run_ok(
        Command::new(python)
            .current_dir(p.path())
            .args(["-m", "alembic"])
            .args(args),
        &format!("alembic {args:?}"),
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// How many files the project's migrations directory holds.
fn written(p: &TestProject) -> usize {
    std::fs::read_dir(p.path().join("migrations"))
        .unwrap()
        .count()
}

/// The revision ids of an output's lines (first words), sorted.
fn ids(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    v.sort();
    v
}

/// Each revision's parents and dependencies from `alembic history` (`P1, P2 (DEP) -> ID …`).
fn alembic_graph(history: &str) -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let mut out = BTreeMap::new();
    for line in history.lines() {
        let Some((left, right)) = line.split_once(" -> ") else {
            continue;
        };
        let id = right
            .split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches(',')
            .to_string();
        let (parents, deps) = match left.split_once(" (") {
            Some((p, d)) => (p, d.trim_end_matches(')')),
            None => (left, ""),
        };
        let list = |s: &str| -> Vec<String> {
            let mut v: Vec<String> = s
                .split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty() && x != "<base>")
                .collect();
            v.sort();
            v
        };
        out.insert(id, (list(parents), list(deps)));
    }
    out
}

/// The same from `cargo schema history --format json`.
fn our_graph(p: &TestProject) -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let out = p.ok(&["history", "--format", "json"]);
    out.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["revision"].as_str().unwrap().to_string(),
                (strings(&r["revises"]), strings(&r["depends_on"])),
            )
        })
        .collect()
}

/// `cargo schema import alembic` (with `url` as the database, `None`: the project's
/// `dev.db`), checked against Alembic's own view of the graph.
#[track_caller]
fn import(python: &Path, p: &TestProject, url: Option<&str>) -> Output {
    let out = match url {
        Some(u) => ok_on(p, u, &["import", "alembic"]),
        None => p.ok(&["import", "alembic"]),
    };
    out.stderr_has("Imported 6 alembic migration(s)");
    // The revision that reads rows is listed for review.
    out.stderr_has("need a person: e1000000000e");
    let history = alembic(python, p, &["history"]);
    assert_eq!(our_graph(p), alembic_graph(&history), "{history}");
    assert_eq!(
        ids(&p.run(&["heads"]).stdout),
        ids(&alembic(python, p, &["heads"]))
    );
    let c = p.read("migrations/c1000000000c_audit_log.sql");
    assert!(c.contains("-- branch-labels: audit"), "{c}");
    assert!(c.contains("-- depends-on: b1000000000b"), "{c}");
    let e = p.read("migrations/e1000000000e_backfill_emails.sql");
    assert!(e.contains("-- REVIEW: "), "{e}");
    assert!(e.contains("--       conn = op.get_bind()"), "{e}");
    assert!(!e.contains("-- migrate:down"), "irreversible: {e}");
    let all: String = std::fs::read_dir(p.path().join("migrations"))
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    for bookkeeping in ["alembic_version", "BEGIN;", "COMMIT;", "Running upgrade"] {
        assert!(!all.contains(bookkeeping), "{bookkeeping}: {all}");
    }
    out
}

/// The schema as a database's catalog describes it, without the two tools' version tables.
fn sqlite_schema(db: &Path) -> String {
    // Alembic's `--sql` writes SQLAlchemy's tab indentation as four spaces.
    query(
        db,
        "SELECT type, name, tbl_name, sql FROM sqlite_master \
         WHERE tbl_name NOT LIKE 'schema_version%' AND tbl_name <> 'alembic_version' \
         ORDER BY name",
    )
    .replace('\t', "    ")
}

fn server_schema(db: &TestDatabase) -> String {
    let sql = match db.server() {
        Server::Postgres => {
            "SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, '') \
             FROM information_schema.columns WHERE table_schema = 'public' \
             AND table_name NOT LIKE 'schema_version%' AND table_name <> 'alembic_version' \
             ORDER BY table_name, column_name;
             SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' \
             AND tablename NOT LIKE 'schema_version%' AND tablename <> 'alembic_version' ORDER BY indexname"
        }
        Server::MySql => {
            "SELECT table_name, column_name, column_type, is_nullable, coalesce(column_default, ''), extra \
             FROM information_schema.columns WHERE table_schema = DATABASE() \
             AND table_name NOT LIKE 'schema_version%' AND table_name <> 'alembic_version' \
             ORDER BY table_name, column_name;
             SELECT table_name, index_name, column_name, non_unique FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name NOT LIKE 'schema_version%' \
             AND table_name <> 'alembic_version' ORDER BY table_name, index_name, seq_in_index"
        }
    };
    let out = db.query(sql);
    // The database's own name is no part of its schema.
    out.replace(db.name(), "DB")
}

// ---------------------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------------------

#[test]
fn an_alembic_history_on_sqlite_is_imported_adopted_and_replayed() {
    let python = python_or_skip!();
    let (p, db) = on_sqlite(&python);
    // Alembic applies part of the history: `c1` with what it depends on.
    alembic(&python, &p, &["upgrade", "c1000000000c"]);
    import(&python, &p, None);
    let c = p.read("migrations/c1000000000c_audit_log.sql");
    assert!(c.contains("CREATE TABLE audit_log"), "{c}");
    assert!(c.contains("CURRENT_TIMESTAMP"), "SQLite's now(): {c}");

    // Adopted: the heads Alembic records, and everything below them, are applied.
    let out = p.ok(&["import", "alembic", "--adopt"]);
    out.stderr_has("Adopted 3 revision(s)");
    assert_eq!(
        ids(&p.run(&["current"]).stdout),
        ids(&alembic(&python, &p, &["current"]))
    );
    assert_eq!(
        query(&db, "SELECT version_num FROM alembic_version").trim(),
        "c1000000000c",
        "Alembic's table is left alone"
    );
    // `up` applies what Alembic had not: the merge, the seed, the revision to review.
    let up = p.ok(&["up"]);
    up.stderr_has("m1000000000m");
    assert_eq!(query(&db, "SELECT name FROM users").trim(), "ada");
    p.ok(&["check"]);

    // A fresh database: `cargo schema up` gives the schema `alembic upgrade heads` gives on
    // another one.
    let theirs = p.path().join("alembic.db");
    p.write(
        "alembic.ini",
        ini(&format!("sqlite:///{}", theirs.display())),
    );
    alembic(&python, &p, &["upgrade", "heads"]);
    let fresh = TestProject::new();
    for f in std::fs::read_dir(p.path().join("migrations")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(
            f.path(),
            fresh.path().join("migrations").join(f.file_name()),
        )
        .unwrap();
    }
    fresh.ok(&["up"]);
    assert_eq!(sqlite_schema(&dev_db(&fresh)), sqlite_schema(&theirs));
}

// ---------------------------------------------------------------------------------------
// PostgreSQL and MariaDB
// ---------------------------------------------------------------------------------------

fn alembic_on_a_server(server: Server) {
    let python = python_or_skip!();
    let theirs: TestDatabase =
        test_database!(server, &format!("{}_alembic", db::current_test_name()));
    let ours: TestDatabase = test_database!(server, &format!("{}_ours", db::current_test_name()));
    let sqlalchemy = |db: &TestDatabase| match server {
        Server::Postgres => db.url().replace("postgres://", "postgresql+psycopg2://"),
        Server::MySql => db.url().replace("mysql://", "mysql+pymysql://"),
    };
    let p = TestProject::new();
    alembic_project(&p, &python, &sqlalchemy(&theirs));
    alembic(&python, &p, &["upgrade", "heads"]);
    import(&python, &p, Some(&theirs.url()));
    let a = p.read("migrations/a1000000000a_create_users.sql");
    match server {
        Server::Postgres => assert!(a.contains("id SERIAL NOT NULL"), "{a}"),
        Server::MySql => assert!(a.contains("AUTO_INCREMENT"), "{a}"),
    }

    ok_on(&p, &theirs.url(), &["import", "alembic", "--adopt"]).stderr_has("Adopted 6 revision(s)");
    assert_eq!(
        ids(&ok_on(&p, &theirs.url(), &["current"]).stdout),
        ids(&alembic(&python, &p, &["current"]))
    );
    ok_on(&p, &theirs.url(), &["up"]).stderr_lacks("Applied");
    assert_eq!(db::recorded(&theirs).len(), 6);

    ok_on(&p, &ours.url(), &["up"]);
    assert_eq!(server_schema(&ours), server_schema(&theirs));
    assert_eq!(ours.query("SELECT name FROM users"), "ada");
}

on_both_servers!(alembic_on_a_server: postgres_alembic_imported_and_adopted, mariadb_alembic_imported_and_adopted);

// ---------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------

#[test]
fn no_alembic_ini_is_refused() {
    let p = TestProject::new();
    let out = p.run(&["import", "alembic"]);
    invalid(&out, &["no `alembic.ini` in"]);
    help_has(&out, "cargo schema import alembic PATH");
    let out = p.run(&["import", "alembic", "nowhere"]);
    invalid(&out, &["`nowhere` does not exist"]);
}

#[test]
fn a_missing_script_location_is_refused() {
    let p = unapplied_or_skip!();
    p.write(
        "alembic.ini",
        "[alembic]\nscript_location = %(here)s/gone\n",
    );
    let out = p.run(&["import", "alembic"]);
    invalid(&out, &["gone` does not exist"]);
    p.write("alembic.ini", "[alembic]\nsqlalchemy.url = sqlite://\n");
    let out = p.run(&["import", "alembic"]);
    invalid(&out, &["alembic.ini` names no `script_location`"]);
    help_has(&out, "script_location = %(here)s/alembic");
    // The script directory named on the command line works without one.
    let out = p.ok(&["import", "alembic", "alembic"]);
    out.stderr_has("Imported 6");
}

#[test]
fn an_environment_that_fails_shows_its_error_and_writes_nothing() {
    let p = unapplied_or_skip!();
    p.write(
        "alembic/env.py",
        format!("raise RuntimeError(\"settings module not found: MYAPP_SETTINGS\")\n{ENV_PY}"),
    );
    let out = p.run(&["import", "alembic"]);
    failed_writing_nothing(
        &p,
        &out,
        "Alembic's environment failed to load",
        "nothing was written",
    );
    out.stderr_has("RuntimeError: settings module not found: MYAPP_SETTINGS");
}

/// The import failed (exit 1) with `error` and the help `help`, and wrote no file.
#[track_caller]
fn failed_writing_nothing(p: &TestProject, out: &Output, error: &str, help: &str) {
    exits(out, 1);
    error_line_has(out, &[error]);
    help_has(out, help);
    assert_eq!(written(p), 0);
}

#[test]
fn a_python_without_alembic_is_refused_with_how_to_install_it() {
    let p = unapplied_or_skip!();
    // Python without site-packages: no alembic there.
    let bare = p.write("bare-python", "#!/bin/sh\nexec python3 -S -I \"$@\"\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bare, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for (python, message) in [
        (bare.display().to_string(), "alembic cannot be imported by"),
        (
            "/nonexistent/python".to_string(),
            "cannot run Python `/nonexistent/python`",
        ),
    ] {
        let out = p
            .command(&["import", "alembic"])
            .env("CARGO_SCHEMA_PYTHON", &python)
            .output()
            .unwrap();
        let out = p.output(p.path(), &["import", "alembic"], out);
        failed_writing_nothing(&p, &out, message, "python3 -m pip install alembic");
        help_has(&out, "CARGO_SCHEMA_PYTHON");
    }
}

#[test]
fn a_revision_or_label_that_exists_already_is_refused() {
    let python = python_or_skip!();
    let p = unapplied(&python);
    p.revision("b1000000000b", "", "");
    let out = p.run(&["import", "alembic"]);
    invalid(&out, &["collide with existing revisions", "`b1000000000b`"]);
    help_has(&out, "nothing was written");
    assert_eq!(written(&p), 1);
    let p = unapplied(&python);
    p.revision("x1", "", "-- branch-labels: audit\n");
    let out = p.run(&["import", "alembic"]);
    invalid(&out, &["collide", "`audit`"]);
}

#[test]
fn an_unknown_version_or_no_alembic_version_is_refused() {
    let python = python_or_skip!();
    let (p, db) = on_sqlite(&python);
    import(&python, &p, None);
    // No alembic_version: a database Alembic does not manage.
    sqlite_exec(&db, "CREATE TABLE t (id INTEGER);");
    let out = p.run(&["import", "alembic", "--adopt"]);
    invalid(&out, &["the database has no `alembic_version` table"]);
    // Alembic's own table, with a revision this checkout does not have.
    alembic(&python, &p, &["upgrade", "b1000000000b"]);
    sqlite_exec(&db, "INSERT INTO alembic_version VALUES ('f00dfeedf00d');");
    let out = p.run(&["stamp", "--from", "alembic"]);
    exits(&out, INVALID);
    error_line_has(
        &out,
        &["records version(s) that no revision file has: f00dfeedf00d"],
    );
    help_has(&out, "import them first");
    assert!(
        p.run(&["current"]).first_words().is_empty(),
        "nothing recorded"
    );
}

#[test]
fn the_adopted_database_matches_alembic_after_a_downgrade_too() {
    let python = python_or_skip!();
    let (p, db) = on_sqlite(&python);
    alembic(&python, &p, &["upgrade", "heads"]);
    alembic(&python, &p, &["downgrade", "m1000000000m"]);
    import(&python, &p, None);
    let out = run_on(
        &p,
        &format!("sqlite:{}", db.display()),
        &["stamp", "--from", "alembic"],
    );
    exits(&out, 0);
    assert_eq!(
        ids(&p.run(&["current"]).stdout),
        ids(&alembic(&python, &p, &["current"]))
    );
    assert_eq!(p.run(&["current"]).first_words(), ["m1000000000m"]);
}

// ---------------------------------------------------------------------------------------
// What users read
// ---------------------------------------------------------------------------------------

/// Asserts the snapshot `name` of a run (exit code, stdout, stderr).
#[track_caller]
fn snapshot(name: &str, p: &TestProject, out: &Output) {
    let text = format!(
        "exit: {}\n--- stdout ---\n{}--- stderr ---\n{}",
        out.code, out.stdout, out.stderr
    );
    snapshot_text(name, p, text);
}

/// Asserts the snapshot `name` of `text`, with the project's path, times and the Python
/// traceback's line numbers masked.
#[track_caller]
fn snapshot_text(name: &str, p: &TestProject, mut text: String) {
    for path in [p.path().canonicalize().unwrap(), p.path().to_path_buf()] {
        text = text.replace(&path.display().to_string(), "[PROJECT]");
    }
    insta::with_settings!({
        prepend_module_to_snapshot => false,
        filters => vec![
            (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00", "[TIME]"),
            (r"line \d+", "line [N]"),
            (r#"File "[^"]*/site-packages/"#, r#"File "[SITE]/"#),
        ],
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn output_import_alembic() {
    let p = unapplied_or_skip!();
    let out = p.run(&["import", "alembic"]);
    snapshot("output_import_alembic", &p, &out);
    snapshot_text(
        "output_import_alembic_review_file",
        &p,
        p.read("migrations/e1000000000e_backfill_emails.sql"),
    );
}

#[test]
fn error_import_alembic_environment() {
    let p = unapplied_or_skip!();
    p.write("alembic/env.py", "import myapp.settings\n");
    snapshot(
        "error_import_alembic_environment",
        &p,
        &p.run(&["import", "alembic"]),
    );
}

#[test]
fn error_import_alembic_no_ini() {
    let p = TestProject::new();
    snapshot(
        "error_import_alembic_no_ini",
        &p,
        &p.run(&["import", "alembic"]),
    );
}

#[test]
fn an_autocommit_block_becomes_transaction_false() {
    let p = unapplied_or_skip!();
    write_script(
        &p,
        &(
            "f1_concurrent_index",
            "f1000000000f",
            r#""e1000000000e""#,
            "None",
            "None",
            r#"with op.get_context().autocommit_block():
        op.execute("CREATE INDEX CONCURRENTLY ix_users_name ON users (name)")"#,
            r#"op.execute("DROP INDEX ix_users_name")"#,
        ),
    );
    // Rendered for PostgreSQL without connecting: the URL only names the dialect.
    let out = p.ok(&[
        "--database-url",
        "postgres://postgres@127.0.0.1:1/not_connected",
        "import",
        "alembic",
    ]);
    out.stderr_has("for PostgreSQL");
    let f = p.read("migrations/f1000000000f_concurrent_index.sql");
    assert!(
        f.contains("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY ix_users_name ON users (name);"),
        "{f}"
    );
    assert!(!f.contains("COMMIT"), "{f}");
}

#[test]
fn revisions_after_one_alembic_cannot_render_are_rendered_too() {
    let p = unapplied_or_skip!();
    write_script(
        &p,
        &(
            "g1_tags",
            "g1000000000g",
            r#""e1000000000e""#,
            "None",
            "None",
            r#"op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True))"#,
            r#"op.drop_table("tags")"#,
        ),
    );
    let out = p.ok(&["import", "alembic"]);
    out.stderr_has("need a person: e1000000000e (");
    let g = p.read("migrations/g1000000000g_tags.sql");
    assert!(g.contains("-- revises: e1000000000e"), "{g}");
    assert!(
        g.contains("-- migrate:up\nCREATE TABLE tags (\n    id INTEGER NOT NULL, \n    PRIMARY KEY (id)\n);\n\n-- migrate:down\nDROP TABLE tags;"),
        "{g}"
    );
    let d = p.read("migrations/d1000000000d_seed_users.sql");
    assert!(
        d.contains("INSERT INTO users (id, name) VALUES (1, 'ada');\n\n-- migrate:down\nDELETE FROM users WHERE id = 1;"),
        "{d}"
    );
}
