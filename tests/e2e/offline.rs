//! Offline mode: up --sql and down --sql through the real clients.
//!
//! A script printed by `up --sql` / `down --sql` is run the way a DBA would run it —
//! `sqlite3 FILE < script`, `psql -v ON_ERROR_STOP=1 -f -`, `mysql DB < script` — on a fresh
//! database, and must reach the same state as `up` run by the binary on another fresh
//! database: the same tables, triggers and rows, the same version-table rows (revision,
//! checksum, down section), so that `current` and `check` afterwards agree with it.
//! `--sql` itself never connects.

use std::path::Path;
use std::process::Command;

use cargo_schema_e2e::assert::{exits, invalid};
use cargo_schema_e2e::db::{Server, TestDatabase, feed_stdin, ok_on as ok, run_on as schema};
use cargo_schema_e2e::on_both_servers;
use cargo_schema_e2e::{TestProject, test_database};

/// Exit code 1: `check` found problems.
const FAILED: i32 = 1;

/// The version table and its layout table, all that `down base` leaves behind.
const VERSION_TABLES: [&str; 2] = ["schema_version", "schema_version_meta"];

// ---------------------------------------------------------------------------------------
// Revisions
// ---------------------------------------------------------------------------------------

const BASE: &str = "0a0a0a0a0a0a";
const LEFT: &str = "1b1b1b1b1b1b";
const RIGHT: &str = "2c2c2c2c2c2c";
const MERGE: &str = "3d3d3d3d3d3d";
const TOP: &str = "4e4e4e4e4e4e";
/// PostgreSQL only: two index builds outside a transaction.
const CONCURRENT: &str = "5f5f5f5f5f5f";

/// Writes a revision; `up_options` follows the up marker (e.g. ` transaction:false`).
fn write_revision(
    p: &TestProject,
    id: &str,
    revises: &str,
    up_options: &str,
    up: &str,
    down: &str,
) {
    cargo_schema_e2e::fixtures::write_revision(p, id, revises, up_options, up, Some(down));
}

/// The dialect of a project: which trigger its top revision holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
    MySql,
}

/// A branched and merged history in portable SQL, topped by a trigger whose body holds
/// semicolons (in the dialect's own syntax):
///
/// ```text
/// 0a0a… (accounts, seeded) <- 1b1b… (orders) <- 3d3d… (merge) <- 4e4e… (audit trigger)
///                          <- 2c2c… (email)  <-/
/// ```
///
/// The base's down section holds a quote and a backslash, which the script must carry into
/// the version table exactly as `up` records them.
fn project(dialect: Dialect) -> TestProject {
    let p = TestProject::new();
    write_revision(
        &p,
        BASE,
        "",
        "",
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n\
         INSERT INTO accounts (id, name) VALUES (1, 'O''Brien'), (2, 'semi;colon');",
        "-- O'Brien's table, kept in C:\\data\\accounts\nDROP TABLE accounts;",
    );
    write_revision(
        &p,
        LEFT,
        BASE,
        "",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, note VARCHAR(100));\n\
         CREATE INDEX orders_account ON orders (account_id);",
        "DROP TABLE orders;",
    );
    write_revision(
        &p,
        RIGHT,
        BASE,
        "",
        "ALTER TABLE accounts ADD COLUMN email VARCHAR(100);\n\
         UPDATE accounts SET email = 'ob@example.com' WHERE id = 1;",
        "ALTER TABLE accounts DROP COLUMN email;",
    );
    write_revision(&p, MERGE, &format!("{LEFT}, {RIGHT}"), "", "", "");
    let (up, down) = match dialect {
        Dialect::Sqlite => (
            "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, note VARCHAR(200) NOT NULL);\n\
             CREATE TRIGGER orders_audit AFTER INSERT ON orders\n\
             BEGIN\n    \
                 INSERT INTO audit (note) VALUES ('order ' || NEW.id || '; noted');\n    \
                 UPDATE accounts SET name = UPPER(name) WHERE id = NEW.account_id;\n\
             END;",
            "DROP TRIGGER orders_audit;\nDROP TABLE audit;",
        ),
        Dialect::Postgres => (
            "CREATE TABLE audit (id SERIAL PRIMARY KEY, note VARCHAR(200) NOT NULL);\n\
             CREATE FUNCTION orders_audit() RETURNS trigger AS $$\n\
             BEGIN\n    \
                 INSERT INTO audit (note) VALUES ('order ' || NEW.id || '; noted');\n    \
                 UPDATE accounts SET name = UPPER(name) WHERE id = NEW.account_id;\n    \
                 RETURN NEW;\n\
             END;\n\
             $$ LANGUAGE plpgsql;\n\
             CREATE TRIGGER orders_audit AFTER INSERT ON orders\n    \
                 FOR EACH ROW EXECUTE FUNCTION orders_audit();",
            "DROP TRIGGER orders_audit ON orders;\nDROP FUNCTION orders_audit();\nDROP TABLE audit;",
        ),
        Dialect::MySql => (
            "CREATE TABLE audit (id INTEGER AUTO_INCREMENT PRIMARY KEY, note VARCHAR(200) NOT NULL);\n\
             CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW\n\
             BEGIN\n    \
                 INSERT INTO audit (note) VALUES (CONCAT('order ', NEW.id, '; noted'));\n    \
                 UPDATE accounts SET name = UPPER(name) WHERE id = NEW.account_id;\n\
             END;",
            "DROP TRIGGER orders_audit;\nDROP TABLE audit;",
        ),
    };
    write_revision(&p, TOP, MERGE, "", up, down);
    if dialect == Dialect::Postgres {
        write_revision(
            &p,
            CONCURRENT,
            TOP,
            " transaction:false",
            "CREATE INDEX CONCURRENTLY orders_note ON orders (note);\n\
             CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);",
            "DROP INDEX CONCURRENTLY accounts_email;\nDROP INDEX CONCURRENTLY orders_note;",
        );
    }
    p
}

/// The head of [`project`].
fn head(dialect: Dialect) -> &'static str {
    if dialect == Dialect::Postgres {
        CONCURRENT
    } else {
        TOP
    }
}

/// Every revision of [`project`], sorted.
fn all_revisions(dialect: Dialect) -> Vec<String> {
    let mut ids = vec![BASE, LEFT, RIGHT, MERGE, TOP];
    if dialect == Dialect::Postgres {
        ids.push(CONCURRENT);
    }
    sorted(ids)
}

/// A straight line of four plain revisions, oldest first.
const LINE: [&str; 4] = [
    "a0a0a0a0a0a0",
    "a1a1a1a1a1a1",
    "a2a2a2a2a2a2",
    "a3a3a3a3a3a3",
];

fn linear() -> TestProject {
    cargo_schema_e2e::fixtures::chain(&LINE)
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn sorted<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Vec<String> {
    let mut v: Vec<String> = items.into_iter().map(|s| s.as_ref().to_owned()).collect();
    v.sort();
    v
}

/// The script `ARGS` (an `up --sql …` or `down --sql …`) prints: exit 0, a script on stdout.
#[track_caller]
fn script(p: &TestProject, url: &str, args: &[&str]) -> String {
    let out = ok(p, url, args);
    assert!(
        out.stdout.starts_with("-- Generated by cargo-schema"),
        "no script on stdout\n{out:#?}"
    );
    out.stdout
}

/// The revisions a script applies (`-- Applying <id>`) or rolls back (`-- Rolling back
/// <id>`), in order.
fn steps(script: &str, verb: &str) -> Vec<String> {
    let prefix = format!("-- {verb} ");
    script
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// The ids `current` prints, first word of each line.
#[track_caller]
fn current(p: &TestProject, url: &str) -> Vec<String> {
    ok(p, url, &["current"]).first_words()
}

/// What a client fed a script did.
#[derive(Debug)]
struct Fed {
    described: String,
    success: bool,
    stdout: String,
    stderr: String,
}

/// Feeds `input` to a command's stdin and waits for it.
#[track_caller]
fn feed_raw(mut cmd: Command, input: &str) -> Fed {
    let described = format!("{cmd:?}");
    let output = feed_stdin(&mut cmd, input).unwrap_or_else(|e| panic!("{e}"));
    Fed {
        described,
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Feeds `input` to a command's stdin; panics with its output unless it exits 0 with
/// nothing but notices on stderr.
#[track_caller]
fn feed(cmd: Command, input: &str) -> String {
    let fed = feed_raw(cmd, input);
    // psql reports `CREATE TABLE IF NOT EXISTS` on an existing table as a NOTICE.
    let complaints = fed
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.contains("NOTICE:"))
        .count();
    assert!(
        fed.success && complaints == 0,
        "{} failed\n--- stderr ---\n{}--- stdout ---\n{}--- script ---\n{input}",
        fed.described,
        fed.stderr,
        fed.stdout
    );
    fed.stdout
}

// ---------------------------------------------------------------------------------------
// SQLite through sqlite3
// ---------------------------------------------------------------------------------------

/// `sqlite3 FILE`, to be fed a script.
fn sqlite3(db: &Path) -> Command {
    let mut cmd = Command::new("sqlite3");
    cmd.arg(db);
    cmd
}

/// `sqlite3 FILE < script`, which must succeed.
#[track_caller]
fn sqlite3_script(db: &Path, script: &str) {
    feed(sqlite3(db), script);
}

use cargo_schema_e2e::sqlite::query as sqlite;

/// The tables of a SQLite database, sorted (SQLite's own left out).
#[track_caller]
fn sqlite_tables(db: &Path) -> Vec<String> {
    sqlite(
        db,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .lines()
    .map(str::to_owned)
    .collect()
}

/// The revisions the version table records, sorted.
#[track_caller]
fn sqlite_recorded(db: &Path) -> Vec<String> {
    sqlite(db, "SELECT revision FROM schema_version ORDER BY revision")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// What must be equal after `up` and after the script: the schema (every table, index and
/// trigger by type and name), the rows, the version table's revision, checksum and down
/// section, and the layout table.
#[track_caller]
fn sqlite_state(db: &Path) -> String {
    sqlite(
        db,
        "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name;\n\
         SELECT * FROM accounts ORDER BY id;\n\
         SELECT revision, checksum, down_sql, state FROM schema_version ORDER BY revision;\n\
         SELECT * FROM schema_version_meta ORDER BY name;",
    )
}

/// What the trigger does: an order inserted, then the audit log and the account.
#[track_caller]
fn sqlite_trigger_fires(db: &Path) -> String {
    sqlite(
        db,
        "INSERT INTO orders (id, account_id, note) VALUES (7, 1, 'x');\n\
         SELECT note FROM audit; SELECT name FROM accounts WHERE id = 1;",
    )
}

#[test]
fn up_sql_through_sqlite3_reaches_the_same_state_as_up() {
    let p = project(Dialect::Sqlite);
    let online = p.path().join("online.db");
    let offline = p.path().join("offline.db");

    ok(&p, "sqlite:online.db", &["up"]);

    let up = script(&p, "sqlite:offline.db", &["up", "--sql"]);
    assert!(!offline.exists(), "up --sql created the database");
    assert!(!p.path().join("dev.db").exists(), "up --sql created dev.db");
    assert_eq!(
        sorted(steps(&up, "Applying")),
        all_revisions(Dialect::Sqlite),
        "{up}"
    );
    sqlite3_script(&offline, &up);

    assert_eq!(sqlite_state(&offline), sqlite_state(&online));
    assert_eq!(sqlite_recorded(&offline), all_revisions(Dialect::Sqlite));
    assert!(
        sqlite_tables(&offline).contains(&"audit".to_owned()),
        "{:?}",
        sqlite_tables(&offline)
    );
    let fired = sqlite_trigger_fires(&offline);
    assert_eq!(fired, sqlite_trigger_fires(&online));
    assert_eq!(fired, "order 7; noted\nO'BRIEN\n");

    assert_eq!(current(&p, "sqlite:offline.db"), [TOP]);
    let check = schema(&p, "sqlite:offline.db", &["check"]);
    exits(&check, 0).stderr_has("no problems found");
    // Nothing is left for `up` to do.
    ok(&p, "sqlite:offline.db", &["up"]).stderr_lacks("Applied");
}

#[test]
fn down_sql_head_to_base_through_sqlite3_leaves_only_the_version_tables() {
    let p = project(Dialect::Sqlite);
    let db = p.path().join("offline.db");
    let url = "sqlite:offline.db";
    sqlite3_script(&db, &script(&p, url, &["up", "--sql"]));

    let down = script(&p, url, &["down", "--sql", "head:base"]);
    let rolled = steps(&down, "Rolling back");
    assert_eq!(sorted(&rolled), all_revisions(Dialect::Sqlite), "{down}");
    // Children before their parents.
    let at = |id: &str| rolled.iter().position(|r| r == id).expect("rolled back");
    assert!(at(TOP) < at(MERGE) && at(MERGE) < at(LEFT) && at(MERGE) < at(RIGHT));
    assert!(at(LEFT) < at(BASE) && at(RIGHT) < at(BASE));
    sqlite3_script(&db, &down);

    assert_eq!(sqlite_tables(&db), VERSION_TABLES);
    assert_eq!(sqlite_recorded(&db), Vec::<String>::new());
    assert_eq!(
        sqlite(
            &db,
            "SELECT name FROM sqlite_master WHERE type IN ('trigger', 'index') AND name NOT LIKE 'sqlite_%'"
        ),
        ""
    );
    assert_eq!(current(&p, url), Vec::<String>::new());
}

#[test]
fn down_sql_without_a_starting_revision_is_refused_asking_for_from_to() {
    let p = linear();
    for target in ["base", "-1", LINE[1]] {
        let out = p.run(&["down", "--sql", target]);
        invalid(&out, &["FROM:TO"]);
    }
    assert!(!p.path().join("dev.db").exists());
}

#[test]
fn up_sql_from_to_renders_only_the_steps_after_from() {
    let p = linear();
    let url = "sqlite:offline.db";
    let db = p.path().join("offline.db");

    let first = script(&p, url, &["up", "--sql", &format!("base:{}", LINE[1])]);
    assert_eq!(steps(&first, "Applying"), LINE[..2], "{first}");
    let middle = script(
        &p,
        url,
        &["up", "--sql", &format!("{}:{}", LINE[1], LINE[2])],
    );
    assert_eq!(steps(&middle, "Applying"), LINE[2..3], "{middle}");
    let rest = script(&p, url, &["up", "--sql", &format!("{}:head", LINE[1])]);
    assert_eq!(steps(&rest, "Applying"), LINE[2..], "{rest}");
    // A prefix names the revision too.
    let by_prefix = script(
        &p,
        url,
        &["up", "--sql", &format!("{}:head", &LINE[2][..6])],
    );
    assert_eq!(steps(&by_prefix, "Applying"), LINE[3..], "{by_prefix}");
    assert!(!db.exists(), "--sql created the database");

    // The binary brings the database to LINE[1]; the script does the rest.
    ok(&p, url, &["up", LINE[1]]);
    sqlite3_script(&db, &rest);
    assert_eq!(sqlite_recorded(&db), sorted(LINE));
    assert_eq!(current(&p, url), [LINE[3]]);
    exits(&schema(&p, url, &["check"]), 0);

    // down --sql FROM:TO rolls back only what is above TO, newest first.
    let down = script(&p, url, &["down", "--sql", &format!("head:{}", LINE[1])]);
    assert_eq!(steps(&down, "Rolling back"), [LINE[3], LINE[2]], "{down}");
    sqlite3_script(&db, &down);
    assert_eq!(sqlite_recorded(&db), sorted(&LINE[..2]));
    assert_eq!(current(&p, url), [LINE[1]]);
    let check = schema(&p, url, &["check"]);
    exits(&check, FAILED);
}

/// [`linear`] whose second revision's second statement fails (its first creates `t_half`).
fn failing_project() -> TestProject {
    let p = linear();
    write_revision(
        &p,
        LINE[1],
        LINE[0],
        "",
        "CREATE TABLE t_half (id INTEGER PRIMARY KEY);\nINSERT INTO nowhere (id) VALUES (1);",
        "DROP TABLE t_half;",
    );
    p
}

#[test]
fn a_failing_statement_stops_the_sqlite3_script_where_up_stops() {
    let p = failing_project();
    let online = p.path().join("online.db");
    let offline = p.path().join("offline.db");

    let up = schema(&p, "sqlite:online.db", &["up"]);
    exits(&up, FAILED);
    assert_eq!(sqlite_recorded(&online), [LINE[0]]);

    let script = script(&p, "sqlite:offline.db", &["up", "--sql"]);
    let fed = feed_raw(sqlite3(&offline), &script);
    assert!(
        !fed.success,
        "sqlite3 ran a failing script without error\n{fed:#?}"
    );
    // Like `up`: the failing revision left no trace and nothing after it ran.
    assert_eq!(
        sqlite_recorded(&offline),
        [LINE[0]],
        "the failing revision (or one after it) is recorded as applied\n{fed:#?}"
    );
    assert_eq!(
        sqlite_tables(&offline),
        sqlite_tables(&online),
        "the script went on past the failing statement\n{fed:#?}"
    );
}

// ---------------------------------------------------------------------------------------
// --sql never connects
// ---------------------------------------------------------------------------------------

#[test]
fn sql_never_connects_and_never_prints_the_password() {
    let p = linear();
    for (url, dialect) in [
        ("postgres://u:pw@127.0.0.1:1/x", "PostgreSQL"),
        ("mysql://u:pw@127.0.0.1:1/x", "MySQL"),
    ] {
        for args in [&["up", "--sql"][..], &["down", "--sql", "head:base"][..]] {
            let out = schema(&p, url, args);
            exits(&out, 0);
            assert!(
                out.stdout
                    .starts_with(&format!("-- Generated by cargo-schema for {dialect}")),
                "{out:#?}"
            );
            out.stderr_has("****");
            assert!(
                !out.stdout.contains("pw") && !out.stderr.contains("pw"),
                "the password was printed\n{out:#?}"
            );
        }
        let up = schema(&p, url, &["up", "--sql"]);
        for id in LINE {
            up.stdout_has(&format!("CREATE TABLE t_{id}"));
        }
    }
    // PostgreSQL scripts wrap each revision in a transaction; MySQL's DDL cannot be.
    let pg = schema(&p, "postgres://u:pw@127.0.0.1:1/x", &["up", "--sql"]);
    assert_eq!(pg.stdout.matches("BEGIN;").count(), LINE.len(), "{pg:#?}");
    assert_eq!(pg.stdout.matches("COMMIT;").count(), LINE.len(), "{pg:#?}");
    assert!(!p.path().join("dev.db").exists());
}

// ---------------------------------------------------------------------------------------
// PostgreSQL through psql, MariaDB through mysql
// ---------------------------------------------------------------------------------------

/// `(user, host, port)` of a test database's URL (`scheme://user@host:port/name`).
fn endpoint(db: &TestDatabase) -> (String, String, String) {
    let url = db.url();
    let rest = url.split_once("://").expect("a scheme").1;
    let (user, rest) = rest.split_once('@').expect("a user");
    let (host_port, _) = rest.split_once('/').expect("a database");
    let (host, port) = host_port.split_once(':').expect("a port");
    (user.to_owned(), host.to_owned(), port.to_owned())
}

/// The server's own client as a DBA runs a script with it: `psql -v ON_ERROR_STOP=1 -f -`
/// or `mysql DB < script` (which stops at the first error).
fn client(db: &TestDatabase) -> Command {
    let (user, host, port) = endpoint(db);
    match db.server() {
        Server::Postgres => {
            let mut cmd = Command::new("psql");
            cmd.args(["-X", "-q", "-w", "-v", "ON_ERROR_STOP=1"])
                .args(["-h", &host, "-p", &port, "-U", &user, "-d", db.name()])
                .args(["-f", "-"]);
            cmd
        }
        Server::MySql => {
            let mut cmd = Command::new("mysql");
            cmd.args(["--no-defaults", "--protocol=TCP"])
                .args(["-h", &host, "-P", &port, "-u", &user])
                .arg(db.name());
            cmd
        }
    }
}

/// Runs a script with [`client`]; it must succeed.
#[track_caller]
fn run_client(db: &TestDatabase, script: &str) {
    feed(client(db), script);
}

/// The version table's revision, checksum and down section, one row a line.
#[track_caller]
fn version_rows(db: &TestDatabase) -> String {
    db.query("SELECT revision, checksum, down_sql, state FROM schema_version ORDER BY revision")
}

#[track_caller]
fn recorded(db: &TestDatabase) -> Vec<String> {
    cargo_schema_e2e::db::recorded(db)
}

/// Triggers, functions and indexes by name, sorted.
#[track_caller]
fn objects(db: &TestDatabase) -> Vec<String> {
    let sql = match db.server() {
        Server::Postgres => {
            "SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal \
             UNION ALL SELECT 'function ' || proname FROM pg_proc \
                 WHERE pronamespace = 'public'::regnamespace \
             UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public'"
        }
        Server::MySql => {
            "SELECT CONCAT('trigger ', trigger_name) FROM information_schema.triggers \
                 WHERE trigger_schema = DATABASE() \
             UNION ALL SELECT DISTINCT CONCAT('index ', table_name, '.', index_name) \
                 FROM information_schema.statistics WHERE table_schema = DATABASE()"
        }
    };
    sorted(db.query(sql).lines())
}

/// What must be equal after `up` and after the script.
#[track_caller]
fn state(db: &TestDatabase) -> String {
    format!(
        "tables: {:?}\nobjects: {:?}\naccounts:\n{}\nversions:\n{}\nmeta:\n{}",
        db.tables(),
        objects(db),
        db.query("SELECT id, name, email FROM accounts ORDER BY id"),
        version_rows(db),
        db.query("SELECT name, value FROM schema_version_meta ORDER BY name"),
    )
}

/// What the trigger does: an order inserted, then the audit log and the account.
#[track_caller]
fn trigger_fires(db: &TestDatabase) -> String {
    db.query("INSERT INTO orders (id, account_id, note) VALUES (7, 1, 'x')");
    db.query("SELECT note FROM audit ORDER BY id; SELECT name FROM accounts WHERE id = 1;")
}

fn scripts_through_the_client_reach_the_same_state_as_up(server: Server) {
    let dialect = match server {
        Server::Postgres => Dialect::Postgres,
        Server::MySql => Dialect::MySql,
    };
    let online = test_database!(server);
    let offline = test_database!(
        server,
        &format!("{}_sql", cargo_schema_e2e::db::current_test_name())
    );
    let p = project(dialect);
    let head = head(dialect);
    let url = offline.url();

    ok(&p, &online.url(), &["up"]);

    let up = script(&p, &url, &["up", "--sql"]);
    assert_eq!(
        sorted(steps(&up, "Applying")),
        all_revisions(dialect),
        "{up}"
    );
    assert_eq!(
        offline.tables(),
        Vec::<String>::new(),
        "up --sql touched the database"
    );
    if server == Server::MySql {
        // The mysql client splits at every `;`: the trigger goes between DELIMITER lines.
        assert!(up.contains("DELIMITER"), "{up}");
    }
    run_client(&offline, &up);

    assert_eq!(state(&offline), state(&online));
    assert_eq!(recorded(&offline), all_revisions(dialect));
    assert!(offline.tables().contains(&"audit".to_owned()));
    assert!(
        objects(&offline).contains(&"trigger orders_audit".to_owned()),
        "{:?}",
        objects(&offline)
    );

    assert_eq!(current(&p, &url), [head]);
    let check = schema(&p, &url, &["check"]);
    exits(&check, 0).stderr_has("no problems found");
    ok(&p, &url, &["up"]).stderr_lacks("Applied");

    // The trigger works the same (checked after `check`, on data only).
    let fired = trigger_fires(&offline);
    assert_eq!(fired, trigger_fires(&online));
    assert_eq!(fired, "order 7; noted\nO'BRIEN");
    offline.query("DELETE FROM orders; DELETE FROM audit;");
    online.query("DELETE FROM orders; DELETE FROM audit;");

    // Down to base through the client: only the version tables are left.
    let down = script(&p, &url, &["down", "--sql", "head:base"]);
    assert_eq!(
        sorted(steps(&down, "Rolling back")),
        all_revisions(dialect),
        "{down}"
    );
    run_client(&offline, &down);
    assert_eq!(offline.tables(), VERSION_TABLES);
    // Only the version tables' own indexes (their primary keys) remain.
    let left: Vec<String> = objects(&offline)
        .into_iter()
        .filter(|o| !o.contains("schema_version"))
        .collect();
    assert_eq!(left, Vec::<String>::new());
    assert_eq!(recorded(&offline), Vec::<String>::new());
    assert_eq!(current(&p, &url), Vec::<String>::new());

    // Up again in two ranges: base to the merge, then the merge to head.
    let first = script(&p, &url, &["up", "--sql", &format!("base:{MERGE}")]);
    assert_eq!(
        sorted(steps(&first, "Applying")),
        sorted([BASE, LEFT, RIGHT, MERGE]),
        "{first}"
    );
    run_client(&offline, &first);
    assert_eq!(current(&p, &url), [MERGE]);
    let rest = script(&p, &url, &["up", "--sql", &format!("{MERGE}:head")]);
    let mut expected = vec![TOP];
    if dialect == Dialect::Postgres {
        expected.push(CONCURRENT);
    }
    assert_eq!(steps(&rest, "Applying"), expected, "{rest}");
    run_client(&offline, &rest);
    assert_eq!(current(&p, &url), [head]);
    exits(&schema(&p, &url, &["check"]), 0);
    // Scripts record the current files' checksums, as `up` does.
    assert_eq!(version_rows(&offline), version_rows(&online));
}

fn a_failing_statement_stops_the_script(server: Server) {
    let db = test_database!(server);
    let p = failing_project();
    let url = db.url();

    let script = script(&p, &url, &["up", "--sql"]);
    let fed = feed_raw(client(&db), &script);
    assert!(
        !fed.success,
        "the client ran a failing script without error\n{fed:#?}"
    );
    assert!(fed.stderr.contains("nowhere"), "{fed:#?}");
    // The failing revision is not recorded, and nothing after it ran.
    assert_eq!(recorded(&db), [LINE[0]], "{fed:#?}");
    let tables = db.tables();
    assert!(!tables.contains(&format!("t_{}", LINE[2])), "{tables:?}");
    if server == Server::Postgres {
        // Its transaction was rolled back: no trace of its first statement either.
        assert!(!tables.contains(&"t_half".to_owned()), "{tables:?}");
    }
    assert_eq!(current(&p, &url), [LINE[0]]);
}

on_both_servers!(
    scripts_through_the_client_reach_the_same_state_as_up:
        postgres_scripts_through_psql_reach_the_same_state_as_up,
        mariadb_scripts_through_mysql_reach_the_same_state_as_up;
    a_failing_statement_stops_the_script:
        postgres_a_failing_statement_stops_the_psql_script,
        mariadb_a_failing_statement_stops_the_mysql_script
);
