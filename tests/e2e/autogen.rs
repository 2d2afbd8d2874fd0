//! `new --autogenerate`, the drift check and `init --from-database`, through the binary, on
//! SQLite (the default) and on the PostgreSQL and MariaDB servers.

use std::path::Path;
use std::process::Command;

use cargo_schema_e2e::assert::{INVALID, error_line_has, exits, help_has};
use cargo_schema_e2e::db::{Server, TestDatabase, ok_on, run_on, url_with_password};
use cargo_schema_e2e::fixtures::after;
use cargo_schema_e2e::on_both_servers;
use cargo_schema_e2e::scratch::no_scratch_privilege;
use cargo_schema_e2e::{Output, TestProject, no_create_role_database, test_database};

/// A project with a declared schema `schema.sql` and one revision creating `users`.
fn project(schema: &str) -> TestProject {
    let p = TestProject::with_metadata("schema = \"schema.sql\"\n");
    p.write(
        "migrations/aa01_users.sql",
        "-- revision: aa01\n-- revises:\n-- message: users\n\n-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);\nINSERT INTO users (id, name) VALUES (1, 'ada');\n\n-- migrate:down\nDROP TABLE users;\n",
    );
    p.write("schema.sql", schema);
    p
}

const GROWN: &str = "CREATE TABLE users (\n    id INTEGER PRIMARY KEY,\n    name VARCHAR(40) NOT NULL,\n    email VARCHAR(80)\n);\nCREATE TABLE posts (\n    id INTEGER PRIMARY KEY,\n    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,\n    title VARCHAR(100) NOT NULL\n);\nCREATE INDEX posts_user_id ON posts (user_id);\n";

/// The revision files other than `aa01`.
fn generated(p: &TestProject) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(p.path().join("migrations"))
        .expect("migrations")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("aa01"))
        .collect();
    names.sort();
    names
}

fn read_generated(p: &TestProject) -> String {
    let names = generated(p);
    assert_eq!(names.len(), 1, "{names:?}");
    p.read(&format!("migrations/{}", names[0]))
}

/// What `sqlite3 -bail DB SQL` prints, trimmed.
#[track_caller]
fn sqlite3(db: &Path, sql: &str) -> String {
    cargo_schema_e2e::sqlite::sqlite3(db, sql)
        .trim()
        .to_string()
}

/// The whole cycle on one database: `up`, autogenerate, apply, no drift, nothing more to
/// generate, down and up again. `run` runs the binary against that database.
fn full_cycle(p: &TestProject, run: &dyn Fn(&[&str]) -> Output) {
    exits(&run(&["up"]), 0);
    let out = run(&["new", "--autogenerate", "-m", "posts and email"]);
    exits(&out, 0)
        .stderr_has("add column users.email")
        .stderr_has("create table posts")
        .stdout_has("_posts_and_email.sql");
    let text = read_generated(p);
    assert!(text.contains("-- revises: aa01"), "{text}");
    let (up, down) = text.split_once("-- migrate:down").expect("a down section");
    assert!(up.contains("CREATE TABLE posts"), "{text}");
    assert!(up.contains("posts_user_id"), "{text}");
    assert!(down.contains("DROP TABLE posts"), "{text}");
    // The drift check sees it before it is applied: the database is not at head.
    exits(&run(&["check"]), 1).stderr_has("not applied");

    exits(&run(&["up"]), 0);
    exits(&run(&["check"]), 0);
    let again = run(&["new", "--autogenerate", "-m", "nothing"]);
    exits(&again, 0).stderr_has("No changes detected");
    assert_eq!(generated(p).len(), 1, "no file for no changes");

    exits(&run(&["down", "-1"]), 0);
    exits(&run(&["up"]), 0);
    exits(&run(&["check"]), 0);
}

#[test]
fn autogenerate_writes_the_revision_to_the_declared_schema_on_sqlite() {
    let p = project(GROWN);
    full_cycle(&p, &|args| p.run(args));
    // The row in the untouched table came through up, down and up.
    assert_eq!(
        sqlite3(&p.path().join("dev.db"), "SELECT name FROM users"),
        "ada"
    );
}

#[test]
fn check_reports_drift_between_the_revisions_and_the_declared_schema() {
    let p = project(GROWN);
    let out = p.run(&["check"]);
    exits(&out, 1)
        .stderr_has("differ from the declared schema schema.sql")
        .stderr_has("add column users.email")
        .stderr_has("create table posts");
    help_has(&out, "new --autogenerate");
    // Without a database at all, the check runs on scratch databases only.
    assert!(!p.path().join("dev.db").exists());
}

#[test]
fn autogenerate_refuses_a_database_that_is_not_up_to_date() {
    let p = project(GROWN);
    let out = p.run(&["new", "--autogenerate", "-m", "x"]);
    exits(&out, 1);
    error_line_has(
        &out,
        &["Target database is not up to date", "1 revision(s)"],
    );
    help_has(&out, "cargo schema up");
    assert!(generated(&p).is_empty());
}

/// A project declaring `schema`, up to date: `new --autogenerate` is refused as invalid.
#[track_caller]
fn autogenerate_refuses(schema: &str) -> (TestProject, Output) {
    let p = after(project(schema), &["up"]);
    let out = p.run(&["new", "--autogenerate", "-m", "x"]);
    exits(&out, INVALID);
    (p, out)
}

#[test]
fn a_schema_with_a_syntax_error_names_the_file_line_and_the_database_message() {
    let (p, out) = autogenerate_refuses(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);\n\nCREATE TABLE oops (id INTEGER,, x);\n",
    );
    error_line_has(&out, &["schema.sql:3:", "syntax error"]);
    help_has(&out, "CREATE TABLE oops");
    assert!(generated(&p).is_empty());
    // check reports it as a finding.
    exits(&p.run(&["check"]), 1).stderr_has("schema.sql:3:");
}

#[test]
fn a_schema_referencing_a_missing_table_is_refused() {
    let (_p, out) = autogenerate_refuses(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, team_id INTEGER REFERENCES teams (id));\n",
    );
    error_line_has(&out, &["schema.sql", "users", "teams"]);
}

#[test]
fn autogenerate_without_a_declared_schema_says_how_to_declare_one() {
    let p = TestProject::new();
    let out = p.run(&["new", "--autogenerate", "-m", "x"]);
    exits(&out, INVALID);
    error_line_has(&out, &["no declared schema"]);
    help_has(&out, "schema = \"schema.sql\"");
}

#[test]
fn a_missing_schema_file_is_named() {
    let p = project(GROWN);
    std::fs::remove_file(p.path().join("schema.sql")).expect("rm");
    exits(&p.run(&["up"]), 0);
    let out = p.run(&["new", "--autogenerate", "-m", "x"]);
    exits(&out, 1);
    error_line_has(&out, &["schema.sql"]);
}

#[test]
fn no_changes_writes_nothing_unless_empty_is_given() {
    let p = project("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);\n");
    exits(&p.run(&["up"]), 0);
    exits(&p.run(&["new", "--autogenerate", "-m", "x"]), 0).stderr_has("No changes detected");
    assert!(generated(&p).is_empty());
    exits(&p.run(&["new", "--autogenerate", "--empty", "-m", "x"]), 0);
    let text = read_generated(&p);
    assert!(
        text.contains("-- migrate:up") && text.contains("-- migrate:down"),
        "{text}"
    );
}

#[test]
fn an_unreachable_server_fails_with_the_connection_error_and_no_password() {
    let p = project(GROWN);
    let out = p.run(&[
        "--database-url",
        "postgres://postgres:hunter2@127.0.0.1:1/app",
        "new",
        "--autogenerate",
        "-m",
        "x",
    ]);
    exits(&out, 1);
    error_line_has(&out, &["cannot connect", "127.0.0.1:1"]);
    assert!(!out.stderr.contains("hunter2"), "{out:#?}");
}

#[test]
fn destructive_steps_and_possible_renames_are_flagged_in_the_file_and_on_the_terminal() {
    // users.name becomes users.full_name (same type): maybe a rename; age is dropped.
    let p =
        project("CREATE TABLE users (id INTEGER PRIMARY KEY, full_name VARCHAR(40) NOT NULL);\n");
    p.write(
        "migrations/bb02_age.sql",
        "-- revision: bb02\n-- revises: aa01\n-- message: age\n\n-- migrate:up\nALTER TABLE users ADD COLUMN age INTEGER;\n\n-- migrate:down\nALTER TABLE users DROP COLUMN age;\n",
    );
    exits(&p.run(&["up"]), 0);
    let out = p.run(&["new", "--autogenerate", "-m", "rename"]);
    exits(&out, 0)
        .stderr_has("warning: drops column users.age")
        .stderr_has("users.name to users.full_name may be a rename");
    let names = generated(&p)
        .into_iter()
        .filter(|n| !n.starts_with("bb02"))
        .collect::<Vec<_>>();
    let text = p.read(&format!("migrations/{}", names[0]));
    assert!(
        text.contains("-- WARNING: ") && text.contains("drops column users.age"),
        "{text}"
    );
    assert!(
        text.contains("-- RENAME?: users.name to users.full_name")
            && text.contains("ALTER TABLE users RENAME COLUMN name TO full_name;"),
        "{text}"
    );
}

/// Answers the rename question on a pseudo-terminal.
#[cfg(unix)]
#[test]
fn in_a_terminal_a_confirmed_rename_is_written_as_a_rename_and_keeps_the_data() {
    let p =
        project("CREATE TABLE users (id INTEGER PRIMARY KEY, full_name VARCHAR(40) NOT NULL);\n");
    exits(&p.run(&["up"]), 0);
    let mut cmd = Command::new(cargo_schema_e2e::binary());
    cmd.args(["schema", "new", "--autogenerate", "-m", "rename name"])
        .current_dir(p.path())
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    let mut s = rexpect::session::spawn_command(cmd, Some(10_000)).expect("spawns in a pty");
    s.exp_string("Did you rename users.name to users.full_name?")
        .expect("the question");
    s.send_line("y").expect("answers");
    s.exp_eof().expect("ends");
    let text = read_generated(&p);
    assert!(text.contains("RENAME COLUMN name TO full_name"), "{text}");
    assert!(!text.contains("DROP COLUMN"), "{text}");
    exits(&p.run(&["up"]), 0);
    assert_eq!(
        sqlite3(&p.path().join("dev.db"), "SELECT full_name FROM users"),
        "ada"
    );
    exits(&p.run(&["check"]), 0);
}

#[test]
fn a_sqlite_table_rebuild_keeps_the_rows_that_reference_it() {
    // name becomes nullable and gains a CHECK: SQLite rebuilds users; posts references users
    // with ON DELETE CASCADE, and its rows must survive.
    let p = project(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(40) CHECK (length(name) > 0));\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE);\n",
    );
    p.write(
        "migrations/bb02_posts.sql",
        "-- revision: bb02\n-- revises: aa01\n-- message: posts\n\n-- migrate:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE);\nINSERT INTO posts VALUES (7, 1);\n\n-- migrate:down\nDROP TABLE posts;\n",
    );
    exits(&p.run(&["up"]), 0);
    exits(&p.run(&["new", "--autogenerate", "-m", "loosen name"]), 0);
    let text = p.read(&format!(
        "migrations/{}",
        generated(&p)
            .into_iter()
            .find(|n| n.contains("loosen"))
            .expect("the file")
    ));
    assert!(text.contains("PRAGMA foreign_keys = OFF"), "{text}");
    exits(&p.run(&["up"]), 0);
    let db = p.path().join("dev.db");
    assert_eq!(sqlite3(&db, "SELECT count(*) FROM posts"), "1");
    exits(&p.run(&["check"]), 0);
    exits(&p.run(&["down", "-1"]), 0);
    assert_eq!(sqlite3(&db, "SELECT count(*) FROM posts"), "1");
    assert_eq!(sqlite3(&db, "SELECT name FROM users"), "ada");
}

#[test]
fn init_from_database_adopts_an_existing_sqlite_database() {
    let p = TestProject::bare();
    p.write(
        "Cargo.toml",
        "[package]\nname = \"legacy\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    p.write("src/lib.rs", "");
    let db = p.path().join("dev.db");
    sqlite3(
        &db,
        "CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE); CREATE TABLE people (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES teams (id), email TEXT); CREATE INDEX people_email ON people (email); CREATE VIEW team_sizes AS SELECT team_id, count(*) AS n FROM people GROUP BY team_id; INSERT INTO teams VALUES (1, 'core');",
    );
    let out = p.run(&["init", "--from-database", "--schema-file", "schema.sql"]);
    exits(&out, 0).stderr_has("Stamped");
    let manifest = p.read("Cargo.toml");
    assert!(manifest.contains("schema = \"schema.sql\""), "{manifest}");
    let declared = p.read("schema.sql");
    assert!(declared.contains("CREATE TABLE teams"), "{declared}");
    assert!(declared.contains("CREATE VIEW team_sizes"), "{declared}");
    // Stamped, not run: the data is still there, nothing is pending, nothing drifts.
    exits(&p.run(&["current"]), 0);
    exits(&p.run(&["check"]), 0);
    assert_eq!(sqlite3(&db, "SELECT name FROM teams"), "core");
    // The base revision builds the same schema from nothing.
    exits(&p.run(&["check", "--roundtrip"]), 0);
    // Twice is refused: the project has a revision now.
    let again = p.run(&["init", "--from-database"]);
    exits(&again, INVALID);
    error_line_has(&again, &["--from-database", "1"]);
}

#[test]
fn init_from_an_empty_database_says_there_is_nothing_to_adopt() {
    let p = TestProject::new();
    let out = p.run(&["init", "--from-database"]);
    exits(&out, 1);
    error_line_has(&out, &["no tables to adopt"]);
}

// --- the servers ---------------------------------------------------------------------------

fn server_cycle(server: Server) {
    let db: TestDatabase = test_database!(server);
    let url = url_with_password(&db);
    let p = project(GROWN);
    full_cycle(&p, &|args| run_on(&p, &url, args));
    assert_eq!(db.query("SELECT name FROM users"), "ada");
}

on_both_servers!(server_cycle: autogenerate_on_postgres, autogenerate_on_mariadb);

fn server_adopt(server: Server) {
    let db: TestDatabase = test_database!(server);
    let url = url_with_password(&db);
    db.query("CREATE TABLE teams (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE)");
    db.query("CREATE TABLE people (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES teams (id) ON DELETE SET NULL, email VARCHAR(80))");
    db.query("INSERT INTO teams VALUES (1, 'core')");
    let p = TestProject::new();
    ok_on(
        &p,
        &url,
        &["init", "--from-database", "--schema-file", "schema.sql"],
    );
    ok_on(&p, &url, &["check"]);
    ok_on(&p, &url, &["check", "--roundtrip"]);
    assert_eq!(db.query("SELECT name FROM teams"), "core");
    // A change to the declared schema is drift, then a revision.
    let declared = p.read("schema.sql");
    p.write(
        "schema.sql",
        format!("{declared}\nCREATE INDEX people_email ON people (email);\n"),
    );
    let out = run_on(&p, &url, &["check"]);
    exits(&out, 1).stderr_has("create index people_email");
    ok_on(&p, &url, &["new", "--autogenerate", "-m", "email index"]);
    ok_on(&p, &url, &["up"]);
    ok_on(&p, &url, &["check"]);
}

on_both_servers!(server_adopt: init_from_database_on_postgres, init_from_database_on_mariadb);

#[test]
fn a_schema_error_on_postgres_is_the_servers_message_and_the_scratch_database_is_dropped() {
    let db: TestDatabase = test_database!(Server::Postgres);
    let url = url_with_password(&db);
    let p = project(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);\nCREATE TABLE posts (id INTEGER, user_id INTEGER REFERENCES nope (id));\n",
    );
    ok_on(&p, &url, &["up"]);
    let out = run_on(&p, &url, &["new", "--autogenerate", "-m", "x"]);
    exits(&out, INVALID);
    error_line_has(&out, &["schema.sql:2:", "\"nope\" does not exist"]);
    // The help names the scratch database; it is gone.
    let start = out
        .stderr
        .find("cargo_schema_scratch_")
        .expect("the scratch name");
    let name: String = out.stderr[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let left = db.query(&format!(
        "SELECT count(*) FROM pg_database WHERE datname = '{name}'"
    ));
    assert_eq!(left, "0", "{name} was left behind");
}

#[test]
fn a_user_who_may_not_create_the_scratch_database_is_told_so() {
    let (_role, _db, url) = no_create_role_database!("cs_nocreate");
    let p = project(GROWN);
    ok_on(&p, &url, &["up"]);
    let out = run_on(&p, &url, &["new", "--autogenerate", "-m", "x"]);
    no_scratch_privilege(&out, "cannot use a scratch database", "CREATE DATABASE");
    assert!(generated(&p).is_empty());
    // check reports it as a finding instead of passing silently.
    exits(&run_on(&p, &url, &["check"]), 1).stderr_has("permission denied to create database");
}

/// Ctrl-C while the declared schema loads: the scratch database is dropped all the same.
#[cfg(unix)]
#[test]
fn ctrl_c_while_the_schema_loads_drops_the_scratch_database() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let db: TestDatabase = test_database!(Server::Postgres);
    let url = url_with_password(&db);
    let p = project(&format!("{GROWN}SELECT pg_sleep(30);\n"));
    ok_on(&p, &url, &["up"]);
    let mut child = Command::new(cargo_schema_e2e::binary())
        .args([
            "schema",
            "--database-url",
            &url,
            "new",
            "--autogenerate",
            "-m",
            "x",
        ])
        .current_dir(p.path())
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawns");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut seen = String::new();
    while !seen.contains("Comparing") {
        let mut line = String::new();
        if stderr.read_line(&mut line).expect("reads") == 0 {
            panic!("ended early:\n{seen}");
        }
        seen.push_str(&line);
    }
    // Let it reach the sleep inside the scratch database.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let started = std::time::Instant::now();
    let status = child.wait().expect("waits");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("reads");
    assert!(started.elapsed().as_secs() < 20, "did not stop promptly");
    assert_eq!(status.code(), Some(1), "{seen}{rest}");
    assert!(rest.contains("interrupted;"), "{seen}{rest}");
    let start = rest
        .find("cargo_schema_scratch_")
        .expect("the scratch name");
    let name: String = rest[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    assert_eq!(
        db.query(&format!(
            "SELECT count(*) FROM pg_database WHERE datname = '{name}'"
        )),
        "0",
        "{name} was left behind"
    );
    assert!(generated(&p).is_empty());
}
