//! The scratch databases of `new --autogenerate`, the drift check and `check --roundtrip` on
//! PostgreSQL and MariaDB (issue 11, items 2, 12 and 19):
//!
//! - the declared schema may change its scratch database and nothing else: a statement that
//!   names or switches to another database is refused before anything runs, each one reported
//!   with its file:line, and the other databases are untouched;
//! - SIGTERM is handled like Ctrl-C (the scratch database is dropped), and a scratch database
//!   left by a run killed with SIGKILL is recognised by a later run and dropped;
//! - a user who may not create databases is told which privilege `check --roundtrip` needs.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cargo_schema_e2e::assert::{INVALID, error_line_has, exits, help_has};
use cargo_schema_e2e::db::{Server, TestDatabase, ok_on, on_postgres, run_on, url_with_password};
use cargo_schema_e2e::on_both_servers;
use cargo_schema_e2e::project::MANIFEST;
use cargo_schema_e2e::scratch::{SCRATCH_PREFIX, signal};
use cargo_schema_e2e::{TestProject, binary, test_database};

/// Exit code 1: the work failed (`check` found problems).
const FAILED: i32 = 1;

/// A project with a declared schema `schema.sql` and one revision creating `users` whose up
/// section first runs `up_extra` (a sleep, for the signal tests).
fn project(schema: &str, up_extra: &str) -> TestProject {
    let p = TestProject::with_metadata("schema = \"schema.sql\"\n");
    p.write(
        "migrations/aa01_users.sql",
        format!(
            "-- revision: aa01\n-- revises:\n-- message: users\n\n-- migrate:up\n{up_extra}CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);\n\n-- migrate:down\nDROP TABLE users;\n"
        ),
    );
    p.write("schema.sql", schema);
    p
}

/// [`project`] without a declared schema: `check --roundtrip` runs only the round trip.
fn roundtrip_project(up_extra: &str) -> TestProject {
    let p = project("", up_extra);
    p.write("Cargo.toml", MANIFEST);
    p
}

/// The declared schema matching the revision.
const USERS: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);\n";

/// The revision files `new --autogenerate` wrote (all but `aa01`).
fn generated(p: &TestProject) -> Vec<String> {
    std::fs::read_dir(p.path().join("migrations"))
        .expect("migrations")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("aa01"))
        .collect()
}

/// The scratch databases on the server of `db` whose name says they were made by process
/// `pid` (`cargo_schema_scratch_<host>_<boot>_<pid>_<random>`).
fn scratch_of(db: &TestDatabase, pid: u32) -> Vec<String> {
    let like = SCRATCH_PREFIX.replace('_', "\\_");
    let sql = match db.server() {
        Server::Postgres => format!("SELECT datname FROM pg_database WHERE datname LIKE '{like}%'"),
        Server::MySql => format!(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '{like}%'"
        ),
    };
    let marker = format!("_{pid}_");
    db.query(&sql)
        .lines()
        .map(str::trim)
        .filter(|n| n.starts_with(SCRATCH_PREFIX) && n.contains(&marker))
        .map(str::to_owned)
        .collect()
}

/// Whether a database of this name exists on the server of `db`.
fn exists(db: &TestDatabase, name: &str) -> bool {
    let sql = match db.server() {
        Server::Postgres => format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'"),
        Server::MySql => {
            format!("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = '{name}'")
        }
    };
    db.query(&sql) != "0"
}

/// The binary started in the project with stderr piped.
fn spawn(p: &TestProject, url: &str, args: &[&str]) -> Child {
    Command::new(binary())
        .arg("schema")
        .args(["--database-url", url])
        .args(args)
        .current_dir(p.path())
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs")
}

/// Waits until `child` has a scratch database on the server (and a moment more, so that its
/// statement runs in it), and returns its name.
fn wait_for_scratch(db: &TestDatabase, child: &mut Child) -> String {
    let started = Instant::now();
    loop {
        if let Some(name) = scratch_of(db, child.id()).into_iter().next() {
            std::thread::sleep(Duration::from_millis(1500));
            return name;
        }
        if let Some(status) = child.try_wait().expect("try_wait") {
            let mut err = String::new();
            let _ = child
                .stderr
                .take()
                .expect("stderr")
                .read_to_string(&mut err);
            panic!("the run ended ({status}) before its scratch database showed up:\n{err}");
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "no scratch database named after process {} showed up within 30 s",
                child.id()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A statement that sleeps 30 s on the server.
fn sleep(server: Server) -> &'static str {
    match server {
        Server::Postgres => "SELECT pg_sleep(30);\n",
        Server::MySql => "SELECT SLEEP(30);\n",
    }
}

// ---------------------------------------------------------------------------------------
// Item 2: the declared schema stays in its scratch database
// ---------------------------------------------------------------------------------------

/// `DROP DATABASE other` in the declared schema: refused with its file:line by `check` (a
/// finding, exit 1) and by `new --autogenerate` (exit 2); the other database survives.
fn drop_database_in_the_declared_schema_is_refused(server: Server) {
    let dev = test_database!(server);
    let other = test_database!(server, "declared_schema_victim");
    other.query("CREATE TABLE precious (id INTEGER PRIMARY KEY)");
    other.query("INSERT INTO precious VALUES (1)");
    let url = url_with_password(&dev);
    let schema = format!("{USERS}\nDROP DATABASE {};\n", other.name());
    let p = project(&schema, "");
    ok_on(&p, &url, &["up"]);
    let dev_tables = dev.tables();

    let out = run_on(&p, &url, &["check"]);
    exits(&out, FAILED);
    error_line_has(&out, &["schema.sql:3:", "refused", "DROP DATABASE"]);
    help_has(&out, "declared schema");
    assert!(
        exists(&other, other.name()),
        "check dropped {}",
        other.name()
    );

    let out = run_on(&p, &url, &["new", "--autogenerate", "-m", "x"]);
    exits(&out, INVALID);
    error_line_has(&out, &["schema.sql:3:", "refused", "DROP DATABASE"]);
    help_has(&out, "scratch database");
    assert!(generated(&p).is_empty());
    assert!(exists(&other, other.name()), "autogenerate dropped it");
    assert_eq!(other.query("SELECT id FROM precious"), "1");
    assert_eq!(dev.tables(), dev_tables);
}

/// MariaDB: `USE devdb` and a name qualified by the development database each are a finding
/// with its line; nothing reaches the development database and the next autogenerated
/// revision is not made from it.
#[test]
fn mariadb_use_and_qualified_names_in_the_declared_schema_are_refused_each_by_line() {
    let dev = test_database!(Server::MySql);
    let url = url_with_password(&dev);
    let name = dev.name().to_string();
    let schema = format!(
        "{USERS}USE {name};\nCREATE TABLE evil (id INTEGER);\nCREATE TABLE {name}.evil2 (id INTEGER);\nINSERT INTO `{name}`.users (id, name) VALUES (9, 'mallory');\n"
    );
    let p = project(&schema, "");
    ok_on(&p, &url, &["up"]);
    let tables = dev.tables();

    let out = run_on(&p, &url, &["check"]);
    exits(&out, FAILED);
    error_line_has(&out, &["schema.sql:2:", "refused", &format!("USE {name}")]);
    error_line_has(&out, &["schema.sql:4:", "refused", &format!("`{name}`")]);
    error_line_has(&out, &["schema.sql:5:", "refused", &format!("`{name}`")]);
    assert_eq!(
        dev.tables(),
        tables,
        "the declared schema wrote into {name}"
    );
    assert_eq!(dev.query("SELECT COUNT(*) FROM users"), "0");

    let out = run_on(&p, &url, &["new", "--autogenerate", "-m", "x"]);
    exits(&out, INVALID);
    error_line_has(&out, &["schema.sql:2:", "refused"]);
    error_line_has(&out, &["schema.sql:4:", "refused"]);
    assert!(generated(&p).is_empty());
    assert_eq!(dev.tables(), tables);
    assert_eq!(dev.query("SELECT COUNT(*) FROM users"), "0");
}

/// PostgreSQL: the declared schema loads in one transaction, rolled back once read, so even
/// what is not refused (a comment on the role) is undone; it must not contain transaction
/// control, which would end that transaction.
#[test]
fn postgres_transaction_control_in_the_declared_schema_is_refused() {
    let dev = test_database!(Server::Postgres);
    let url = url_with_password(&dev);
    let p = project(&format!("{USERS}COMMIT;\n"), "");
    ok_on(&p, &url, &["up"]);
    let out = run_on(&p, &url, &["check"]);
    exits(&out, FAILED);
    error_line_has(&out, &["schema.sql:2:", "refused", "COMMIT"]);
    let out = run_on(&p, &url, &["new", "--autogenerate", "-m", "x"]);
    exits(&out, INVALID);
    error_line_has(&out, &["schema.sql:2:", "refused", "COMMIT"]);
    // The same schema without it has no drift: the confinement changes nothing else.
    p.write("schema.sql", USERS);
    exits(&run_on(&p, &url, &["check"]), 0);
}

/// PostgreSQL: what the declared schema does beyond its tables and is not refused (here a
/// comment on a role, a server-wide object) is rolled back once the schema has been read.
#[test]
fn postgres_the_declared_schema_is_rolled_back_once_read() {
    let dev = test_database!(Server::Postgres);
    let url = url_with_password(&dev);
    let role = Login::role(&dev, &format!("cs_commented_{}", std::process::id()));
    let p = project(
        &format!(
            "{USERS}COMMENT ON ROLE {} IS 'written by the declared schema';\n",
            role.name
        ),
        "",
    );
    ok_on(&p, &url, &["up"]);
    ok_on(&p, &url, &["check"]);
    ok_on(&p, &url, &["new", "--autogenerate", "--empty", "-m", "x"]);
    let comment = dev.query(&format!(
        "SELECT coalesce(shobj_description(oid, 'pg_authid'), '') FROM pg_roles WHERE rolname = '{}'",
        role.name
    ));
    assert_eq!(comment, "", "the declared schema changed a role");
}

/// PostgreSQL: loading in one transaction does not refuse a declared schema that builds its
/// indexes `CONCURRENTLY`, as a migration would.
#[test]
fn postgres_a_declared_schema_with_concurrent_indexes_still_loads() {
    let dev = test_database!(Server::Postgres);
    let url = url_with_password(&dev);
    let p = project(
        &format!("{USERS}CREATE INDEX CONCURRENTLY users_name ON users (name);\n"),
        "",
    );
    ok_on(&p, &url, &["up"]);
    ok_on(&p, &url, &["new", "--autogenerate", "-m", "index"]);
    let files = generated(&p);
    assert_eq!(files.len(), 1, "{files:?}");
    let text = p.read(&format!("migrations/{}", files[0]));
    assert!(text.contains("users_name"), "{text}");
}

/// SQLite: `ATTACH` would reach the development database file from the in-memory scratch
/// database; it is refused by line and `dev.db` is untouched.
#[test]
fn sqlite_attach_in_the_declared_schema_is_refused() {
    let p = project(
        &format!("{USERS}ATTACH DATABASE 'dev.db' AS dev;\nCREATE TABLE dev.evil (id INTEGER);\n"),
        "",
    );
    exits(&p.run(&["up"]), 0);
    let before = std::fs::read(p.path().join("dev.db")).expect("dev.db");
    let out = p.run(&["check"]);
    exits(&out, FAILED);
    error_line_has(&out, &["schema.sql:2:", "refused", "ATTACH"]);
    let out = p.run(&["new", "--autogenerate", "-m", "x"]);
    exits(&out, INVALID);
    error_line_has(&out, &["schema.sql:2:", "refused", "ATTACH"]);
    assert!(generated(&p).is_empty());
    let after = std::fs::read(p.path().join("dev.db")).expect("dev.db");
    assert!(
        before == after,
        "dev.db was changed through the declared schema"
    );
}

// ---------------------------------------------------------------------------------------
// Item 12: SIGTERM and SIGKILL
// ---------------------------------------------------------------------------------------

/// SIGTERM during `check --roundtrip` (what `timeout` and CI runners send) drops the scratch
/// database like Ctrl-C and says so.
fn sigterm_during_roundtrip_drops_the_scratch_database(server: Server) {
    let db = test_database!(server);
    let url = url_with_password(&db);
    let p = roundtrip_project(sleep(server));
    let (name, stderr) = sigterm_once_scratch_exists(&db, &p, &url, &["check", "--roundtrip"]);
    assert!(stderr.contains(&name), "{stderr}");
}

/// Runs `args`, sends SIGTERM once its scratch database exists, and checks that the run
/// failed, said it was interrupted and dropped the scratch database. Returns the scratch
/// database's name and the run's stderr.
fn sigterm_once_scratch_exists(
    db: &TestDatabase,
    p: &TestProject,
    url: &str,
    args: &[&str],
) -> (String, String) {
    let mut child = spawn(p, url, args);
    let name = wait_for_scratch(db, &mut child);
    let (code, stderr) = signal(&mut child, "-TERM");
    assert_eq!(code, Some(FAILED), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(!exists(db, &name), "{name} was left behind\n{stderr}");
    (name, stderr)
}

/// SIGTERM while `new --autogenerate` loads the declared schema.
fn sigterm_during_autogenerate_drops_the_scratch_database(server: Server) {
    let db = test_database!(server);
    let url = url_with_password(&db);
    let p = project(&format!("{USERS}{}", sleep(server)), "");
    ok_on(&p, &url, &["up"]);
    sigterm_once_scratch_exists(&db, &p, &url, &["new", "--autogenerate", "-m", "x"]);
    assert!(generated(&p).is_empty());
}

/// SIGKILL leaves the scratch database behind, named after the killed process; the next
/// `check` recognises that its owner is gone, drops it and says so.
fn a_scratch_database_left_by_kill_9_is_dropped_by_the_next_check(server: Server) {
    let db = test_database!(server);
    let url = url_with_password(&db);
    let p = roundtrip_project(sleep(server));
    let mut child = spawn(&p, &url, &["check", "--roundtrip"]);
    let name = wait_for_scratch(&db, &mut child);
    let (code, _) = signal(&mut child, "-KILL");
    assert_eq!(code, None, "SIGKILL ended it");
    assert!(exists(&db, &name), "{name}: nothing to clean up?");

    let out = run_on(&p, &url, &["check"]);
    out.stderr_has(&name).stderr_has("Dropped");
    assert!(!exists(&db, &name), "{name} is still there\n{out:#?}");
}

/// Scratch databases that are not provably this machine's (an older release's name, another
/// machine's) are never dropped: `check` lists them with the statement that drops them.
#[test]
fn postgres_check_lists_scratch_databases_it_may_not_drop() {
    let db = test_database!(Server::Postgres);
    let url = url_with_password(&db);
    let pid = std::process::id();
    let names = [
        format!(
            "{SCRATCH_PREFIX}{:012x}",
            0xa000_0000_0000_u64 + u64::from(pid)
        ),
        format!(
            "{SCRATCH_PREFIX}00000000_0000_{pid}_{:012x}",
            u64::from(pid)
        ),
    ];
    let _guards: Vec<Dropper> = names
        .iter()
        .map(|n| {
            db.query(&format!("CREATE DATABASE {n}"));
            Dropper(n.clone())
        })
        .collect();
    let p = roundtrip_project("");
    ok_on(&p, &url, &["up"]);
    let out = run_on(&p, &url, &["check"]);
    for name in &names {
        out.stderr_has(&format!("DROP DATABASE {name};"));
        assert!(exists(&db, name), "{name} was dropped\n{out:#?}");
    }
}

/// Drops a PostgreSQL database of this name when the test ends.
struct Dropper(String);

impl Drop for Dropper {
    fn drop(&mut self) {
        let _ = on_postgres(&format!("DROP DATABASE IF EXISTS {}", self.0));
    }
}

// ---------------------------------------------------------------------------------------
// Item 19: check --roundtrip without CREATE DATABASE
// ---------------------------------------------------------------------------------------

/// A login of its own that may use the test database but not create databases, dropped
/// after the test (also when it fails).
struct Login {
    server: Server,
    name: String,
    /// The test database, whose objects the login owns on PostgreSQL.
    database: String,
}

impl Login {
    /// A role or user `name`, nothing granted yet.
    fn role(db: &TestDatabase, name: &str) -> Login {
        let login = Login {
            server: db.server(),
            name: name.to_string(),
            database: db.name().to_string(),
        };
        if db.server() == Server::Postgres {
            db.query(&format!("CREATE ROLE {name}"));
        }
        login
    }

    fn create(db: &TestDatabase) -> Login {
        let name = format!("cs_nocreate_{}_{}", std::process::id(), db.server() as u8);
        let login = Login {
            server: db.server(),
            name,
            database: db.name().to_string(),
        };
        let n = &login.name;
        match db.server() {
            Server::Postgres => {
                db.query(&format!("CREATE ROLE {n} LOGIN NOCREATEDB"));
                db.query(&format!("ALTER DATABASE {} OWNER TO {n}", db.name()));
                db.query(&format!("ALTER SCHEMA public OWNER TO {n}"));
            }
            Server::MySql => {
                for host in ["%", "localhost", "127.0.0.1"] {
                    db.query(&format!("CREATE USER '{n}'@'{host}'"));
                    db.query(&format!("GRANT ALL ON `{}`.* TO '{n}'@'{host}'", db.name()));
                }
            }
        }
        login
    }

    /// The test database's URL as this login.
    fn url(&self, db: &TestDatabase) -> String {
        match self.server {
            Server::Postgres => db.url().replacen(
                "postgres://postgres@",
                &format!("postgres://{}@", self.name),
                1,
            ),
            Server::MySql => {
                db.url()
                    .replacen("mysql://root@", &format!("mysql://{}@", self.name), 1)
            }
        }
    }
}

impl Drop for Login {
    fn drop(&mut self) {
        let n = &self.name;
        let _ = match self.server {
            Server::Postgres => {
                // Whatever it still owns (when the test database outlives it) goes first.
                let psql = |database: &str, sql: String| {
                    Command::new("psql")
                        .args([
                            "-X",
                            "-q",
                            "-h",
                            "127.0.0.1",
                            "-U",
                            "postgres",
                            "-d",
                            database,
                        ])
                        .args(["-c", &sql])
                        .output()
                };
                let _ = psql(
                    &self.database,
                    format!("REASSIGN OWNED BY {n} TO postgres; DROP OWNED BY {n}"),
                );
                psql(
                    "postgres",
                    format!("REASSIGN OWNED BY {n} TO postgres; DROP ROLE IF EXISTS {n}"),
                )
            }
            Server::MySql => Command::new("mysql")
                .args([
                    "--no-defaults",
                    "--protocol=TCP",
                    "-h",
                    "127.0.0.1",
                    "-u",
                    "root",
                    "-e",
                ])
                .arg(format!(
                    "DROP USER IF EXISTS '{n}'@'%', '{n}'@'localhost', '{n}'@'127.0.0.1'"
                ))
                .output(),
        };
    }
}

fn roundtrip_without_create_database_names_the_privilege(server: Server) {
    let db = test_database!(server);
    let login = Login::create(&db);
    let url = login.url(&db);
    let p = roundtrip_project("");
    ok_on(&p, &url, &["up"]);
    let out = run_on(&p, &url, &["check", "--roundtrip"]);
    exits(&out, FAILED);
    error_line_has(&out, &["round trip did not run", "scratch database"]);
    help_has(&out, "CREATE DATABASE");
    help_has(
        &out,
        match server {
            Server::Postgres => "CREATEDB",
            Server::MySql => "GRANT CREATE, DROP",
        },
    );
    out.stderr_lacks("every down section must undo its up section");
    drop(db);
    drop(login);
}

on_both_servers!(
    drop_database_in_the_declared_schema_is_refused:
        postgres_drop_database_in_the_declared_schema_is_refused,
        mariadb_drop_database_in_the_declared_schema_is_refused;
    #[cfg(unix)]
    sigterm_during_roundtrip_drops_the_scratch_database:
        postgres_sigterm_during_roundtrip_drops_the_scratch_database,
        mariadb_sigterm_during_roundtrip_drops_the_scratch_database;
    #[cfg(unix)]
    sigterm_during_autogenerate_drops_the_scratch_database:
        postgres_sigterm_during_autogenerate_drops_the_scratch_database,
        mariadb_sigterm_during_autogenerate_drops_the_scratch_database;
    #[cfg(unix)]
    a_scratch_database_left_by_kill_9_is_dropped_by_the_next_check:
        postgres_a_scratch_database_left_by_kill_9_is_dropped_by_the_next_check,
        mariadb_a_scratch_database_left_by_kill_9_is_dropped_by_the_next_check;
    roundtrip_without_create_database_names_the_privilege:
        postgres_roundtrip_without_create_database_names_the_privilege,
        mariadb_roundtrip_without_create_database_names_the_privilege
);
