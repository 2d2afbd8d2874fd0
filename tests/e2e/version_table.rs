//! The version table against careless and hostile input (issue 11, items 3, 7, 11 and 15):
//! its name is quoted everywhere and checked against the server; a newer layout is refused
//! by every command that writes; a run waiting for the migration lock says for whom and
//! gives up after `--lock-timeout`; a row edited by hand is named with how to repair it.
//!
//! SQLite runs in the project's `dev.db` (read back with the `sqlite3` client); PostgreSQL and
//! MariaDB on a fresh database of their own (see `cargo_schema_e2e::db`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cargo_schema_e2e::assert::{INVALID, error_line_has, exits, help_has};
use cargo_schema_e2e::db::{Server, TestDatabase, ok_on as ok, run_on as schema};
use cargo_schema_e2e::fixtures::after;
use cargo_schema_e2e::{Output, TestProject, binary, on_both_servers, test_database};

/// Exit code 1: the work failed.
const FAILED: i32 = 1;

const FIRST: &str = "1a2b3c4d5e6f";
const SECOND: &str = "2b3c4d5e6f70";

// ---------------------------------------------------------------------------------------
// Projects
// ---------------------------------------------------------------------------------------

/// A project with `[package.metadata.schema]` holding `extra` lines, and two revisions:
/// FIRST creates `t_first`, SECOND runs `second_up`.
fn project(extra: &str, second_up: &str) -> TestProject {
    let p = TestProject::with_metadata(extra);
    p.write(
        &format!("migrations/{FIRST}_first.sql"),
        format!(
            "-- revision: {FIRST}\n-- revises:\n-- message: first\n\n-- migrate:up\nCREATE TABLE t_first (id INTEGER PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE t_first;\n"
        ),
    );
    p.write(
        &format!("migrations/{SECOND}_second.sql"),
        format!(
            "-- revision: {SECOND}\n-- revises: {FIRST}\n-- message: second\n\n-- migrate:up\n{second_up}\n\n-- migrate:down\nDROP TABLE t_second;\n"
        ),
    );
    p
}

fn plain(extra: &str) -> TestProject {
    project(extra, "CREATE TABLE t_second (id INTEGER PRIMARY KEY);")
}

/// A case that runs on any database: the project, the binary run on it, SQL run on its
/// database.
type Case = fn(&TestProject, &dyn Fn(&[&str]) -> Output, &dyn Fn(&str) -> String);

/// `case` with the project [`plain`]`(extra)` on a fresh database of `server`.
fn on_server(server: Server, extra: &str, case: Case) {
    let db = test_database!(server);
    let p = plain(extra);
    let url = db.url();
    case(&p, &|args| schema(&p, &url, args), &|sql| db.query(sql));
}

/// The TOML string for `s` (a basic string with `"` and `\` escaped).
fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The ids `current` prints, first word of each line.
fn current_ids(out: &Output) -> Vec<String> {
    out.first_words()
}

use cargo_schema_e2e::sqlite::dev_db;

/// Runs SQL in a SQLite file with the `sqlite3` client and returns what it prints.
#[track_caller]
fn sqlite(db: &Path, sql: &str) -> String {
    cargo_schema_e2e::sqlite::sqlite3(db, sql)
        .trim_end()
        .to_string()
}

/// The binary, not yet started, with piped output.
fn command(p: &TestProject, args: &[&str]) -> Command {
    let mut cmd = p.piped(args);
    cmd.env_remove("CARGO_SCHEMA_LOCK_TIMEOUT");
    cmd
}

/// A started run whose stderr is read line by line as it comes.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(mut cmd: Command) -> Self {
        let mut child = cmd.spawn().expect("the binary starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits until a stderr line holds `needle`, at most `within`; returns how long it took.
    #[track_caller]
    fn wait_for_line(&mut self, needle: &str, within: Duration) -> Duration {
        let start = Instant::now();
        loop {
            let left = within.saturating_sub(start.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.seen.push(line);
                    if found {
                        return start.elapsed();
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "no stderr line held {needle:?} within {within:?}; stderr so far:\n{}",
                        self.seen.join("\n")
                    );
                }
            }
        }
    }

    /// Waits for the run to end (killing it and failing past `within`): its exit code and
    /// its whole stderr.
    #[track_caller]
    fn finish(mut self, within: Duration) -> (Option<i32>, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // The reader thread ends with the pipe.
                while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
                    self.seen.push(line);
                }
                return (status.code(), self.seen.join("\n"));
            }
            if start.elapsed() > within {
                // A run started in a process group of its own (the hook test) goes with
                // everything it started, so that no waiting run outlives the test.
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", self.child.id())])
                    .stderr(Stdio::null())
                    .status();
                let _ = self.child.kill();
                let _ = self.child.wait();
                while let Ok(line) = self.lines.try_recv() {
                    self.seen.push(line);
                }
                panic!(
                    "the run did not end within {within:?}; stderr:\n{}",
                    self.seen.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Item 3: the name is quoted everywhere, and checked against the server
// ---------------------------------------------------------------------------------------

/// A name with quotes of every kind and `;`: the statements it would smuggle in never run,
/// and every command finds the table again (up twice, current, down, stamp, the lease).
fn a_hostile_name_is_only_a_name(p: &TestProject, run: &dyn Fn(&[&str]) -> Output) {
    exits(&run(&["up"]), 0);
    let out = run(&["current"]);
    exits(&out, 0);
    assert_eq!(current_ids(&out), [SECOND], "{out:#?}");
    let again = run(&["up"]);
    exits(&again, 0).stderr_has("nothing to apply");
    exits(&run(&["down", "-1"]), 0);
    exits(&run(&["up", "--lock", "table"]), 0);
    exits(&run(&["stamp", FIRST]), 0);
    let out = run(&["current"]);
    exits(&out, 0);
    assert_eq!(current_ids(&out), [FIRST], "{out:#?}");
    let _ = p;
}

const HOSTILE: &str = "v'\"`; DROP TABLE t_first; --";

#[test]
fn sqlite_a_version_table_name_with_quotes_and_semicolons_cannot_inject() {
    let p = plain(&format!("version-table = {}\n", toml_string(HOSTILE)));
    a_hostile_name_is_only_a_name(&p, &|args| p.run(args));
    let tables = sqlite(
        &dev_db(&p),
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    );
    let tables: Vec<&str> = tables.lines().collect();
    assert!(tables.contains(&"t_first"), "{tables:?}");
    for suffix in ["", "_meta", "_lock"] {
        assert!(
            tables.contains(&format!("{HOSTILE}{suffix}").as_str()),
            "{tables:?}"
        );
    }
}

/// On a server: the hostile name is only a name, also in the names of the version table's
/// companion tables.
fn a_version_table_name_with_quotes_and_semicolons_cannot_inject(server: Server) {
    let companion = match server {
        Server::Postgres => "_lock",
        Server::MySql => "_meta",
    };
    let db = test_database!(server);
    let p = plain(&format!("version-table = {}\n", toml_string(HOSTILE)));
    let url = db.url();
    a_hostile_name_is_only_a_name(&p, &|args| schema(&p, &url, args));
    let tables = db.tables();
    assert!(tables.contains(&"t_first".to_string()), "{tables:?}");
    assert!(
        tables.contains(&format!("{HOSTILE}{companion}")),
        "{tables:?}"
    );
}

/// PostgreSQL folds unquoted names to lower case: `SchemaVersion` used to be created as
/// `schemaversion` but looked up as `SchemaVersion`, so `current` saw nothing applied and the
/// next `up` ran everything again.
#[test]
fn postgres_a_mixed_case_version_table_keeps_what_up_applied() {
    let db = test_database!(Server::Postgres);
    let p = plain("version-table = \"SchemaVersion\"\n");
    let url = db.url();
    ok(&p, &url, &["up"]);
    let out = ok(&p, &url, &["current"]);
    assert_eq!(current_ids(&out), [SECOND], "{out:#?}");
    ok(&p, &url, &["up"]).stderr_has("nothing to apply");
    assert_eq!(
        db.query("SELECT revision FROM \"SchemaVersion\" ORDER BY revision"),
        format!("{FIRST}\n{SECOND}")
    );
    let tables = db.tables();
    assert!(
        tables.contains(&"SchemaVersion_meta".to_string()),
        "{tables:?}"
    );
    assert!(!tables.contains(&"schemaversion".to_string()), "{tables:?}");
}

/// The lower-case table an older release left for a mixed-case name is not ignored in
/// silence (its revisions would run again): the run stops and says what to do.
#[test]
fn postgres_the_lower_case_table_of_an_older_release_is_named_not_ignored() {
    let db = test_database!(Server::Postgres);
    let p = plain("version-table = \"SchemaVersion\"\n");
    let url = db.url();
    let legacy = plain("version-table = \"schemaversion\"\n");
    ok(&legacy, &url, &["up", FIRST]);
    for args in [&["up"][..], &["current"]] {
        let out = schema(&p, &url, args);
        exits(&out, FAILED);
        error_line_has(&out, &["`SchemaVersion`", "`schemaversion`"]);
        help_has(&out, "version-table = \"schemaversion\"");
    }
    assert_eq!(db.query("SELECT COUNT(*) FROM t_first"), "0");
    assert!(!db.tables().contains(&"t_second".to_string()));
}

#[test]
fn postgres_a_schema_qualified_version_table_lives_in_that_schema() {
    let db = test_database!(Server::Postgres);
    let p = plain("version-table = \"App.Versions\"\n");
    let url = db.url();
    let out = schema(&p, &url, &["up"]);
    exits(&out, FAILED);
    error_line_has(&out, &["schema `App`", "`version-table`"]);
    help_has(&out, "CREATE SCHEMA \"App\"");
    assert!(db.tables().is_empty(), "{:?}", db.tables());

    db.query("CREATE SCHEMA \"App\"");
    ok(&p, &url, &["up"]);
    let out = ok(&p, &url, &["current"]);
    assert_eq!(current_ids(&out), [SECOND], "{out:#?}");
    ok(&p, &url, &["up"]).stderr_has("nothing to apply");
    ok(&p, &url, &["check"]);
    ok(&p, &url, &["down", "-1", "--lock", "table"]);
    assert_eq!(
        db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'App' ORDER BY tablename"),
        "Versions\nVersions_lock\nVersions_meta"
    );
    assert_eq!(db.tables(), ["t_first"]);
    assert_eq!(db.query("SELECT revision FROM \"App\".\"Versions\""), FIRST);
}

#[test]
fn mariadb_and_sqlite_refuse_a_schema_qualified_version_table() {
    let p = plain("version-table = \"app.versions\"\n");
    let out = p.run(&["up"]);
    exits(&out, INVALID);
    error_line_has(
        &out,
        &["`version-table`", "`app.versions`", "PostgreSQL only"],
    );
    help_has(&out, "version-table");
    assert!(!dev_db(&p).exists() || sqlite(&dev_db(&p), ".tables").is_empty());

    let db = test_database!(Server::MySql);
    let out = schema(&p, &db.url(), &["up"]);
    exits(&out, INVALID);
    error_line_has(
        &out,
        &["`version-table`", "`app.versions`", "PostgreSQL only"],
    );
    assert!(db.tables().is_empty(), "{:?}", db.tables());
}

/// A name that fits alone but not with the `_meta`/`_lock` suffixes would be cut silently
/// (PostgreSQL) or refused halfway (MySQL): refused before anything runs, naming the setting.
fn a_name_too_long_with_its_suffixes_is_refused(db: &TestDatabase, longest: usize) {
    let name = "v".repeat(longest + 1);
    let p = plain(&format!("version-table = \"{name}\"\n"));
    let out = schema(&p, &db.url(), &["up"]);
    exits(&out, INVALID);
    error_line_has(
        &out,
        &["`version-table`", &name, &format!("at most {longest}")],
    );
    help_has(&out, "version-table");
    assert!(db.tables().is_empty(), "{:?}", db.tables());

    let fits = plain(&format!("version-table = \"{}\"\n", "v".repeat(longest)));
    ok(&fits, &db.url(), &["up", "--lock", "table"]);
}

#[test]
fn postgres_a_version_table_name_too_long_with_its_suffixes_is_refused() {
    let db = test_database!(Server::Postgres);
    a_name_too_long_with_its_suffixes_is_refused(&db, 58);
}

#[test]
fn mariadb_a_version_table_name_too_long_with_its_suffixes_is_refused() {
    let db = test_database!(Server::MySql);
    a_name_too_long_with_its_suffixes_is_refused(&db, 59);
}

// ---------------------------------------------------------------------------------------
// Item 7: a newer layout is refused by every command that writes
// ---------------------------------------------------------------------------------------

/// After `up`, the layout is set to 99 and FIRST's file edited: every command that writes
/// exits 1 naming the layout, and the table is unchanged; reading still works.
fn every_write_refuses_a_newer_layout(
    p: &TestProject,
    run: &dyn Fn(&[&str]) -> Output,
    query: &dyn Fn(&str) -> String,
) {
    exits(&run(&["up"]), 0);
    query("UPDATE schema_version_meta SET value = 99 WHERE name = 'layout'");
    let file = format!("migrations/{FIRST}_first.sql");
    let text = p.read(&file).replace(
        "CREATE TABLE t_first (id INTEGER PRIMARY KEY);",
        "CREATE TABLE t_first (id INTEGER PRIMARY KEY, edited INTEGER);",
    );
    p.write(&file, text);
    let before = query("SELECT revision, checksum, state FROM schema_version ORDER BY revision");
    for args in [
        &["repair", "--checksums"][..],
        &["repair", SECOND, "--applied"],
        &["repair", SECOND, "--not-applied"],
        &["repair", "--release-lock"],
        &["stamp", FIRST],
        &["stamp", "base", "--purge"],
        &["down", "base"],
        &["up", "--allow-edited"],
        &["up", "--lock", "table", "--allow-edited"],
    ] {
        let out = run(args);
        exits(&out, FAILED);
        error_line_has(&out, &["`schema_version`", "layout 99"]);
        help_has(&out, "upgrade cargo-schema");
    }
    assert_eq!(
        query("SELECT revision, checksum, state FROM schema_version ORDER BY revision"),
        before
    );
    exits(&run(&["current"]), 0);
}

#[test]
fn sqlite_every_command_that_writes_refuses_a_newer_layout() {
    let p = plain("");
    let db = dev_db(&p);
    every_write_refuses_a_newer_layout(&p, &|args| p.run(args), &|sql| sqlite(&db, sql));
}

// ---------------------------------------------------------------------------------------
// Item 11: lock waits say for whom, and end after the lock timeout
// ---------------------------------------------------------------------------------------

/// While a slow run holds the lock, a second run says within a second that it waits and
/// for whom; with `--lock-timeout` (and with the `lock-timeout` key) it gives up with exit 1
/// naming the holder.
fn a_lock_wait_names_its_holder(server: Server, sleep: &str, holder: &[&str]) {
    let db = test_database!(server);
    let url = db.url();
    let slow = project(
        "",
        &format!("CREATE TABLE t_second (id INTEGER);\n{sleep};"),
    );
    let holding = Running::start(command(&slow, &["--database-url", &url, "up"]));
    let probe = match server {
        Server::Postgres => {
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid() AND query LIKE 'SELECT pg_sleep%'"
        }
        Server::MySql => {
            "SELECT COUNT(*) FROM information_schema.processlist \
             WHERE db = DATABASE() AND id <> CONNECTION_ID() AND info LIKE 'SELECT SLEEP%'"
        }
    };
    db.wait_for(
        probe,
        Duration::from_secs(20),
        "the slow revision never started",
    );

    // Without a timeout: it says so within a second of starting to wait (the connection
    // comes first), and keeps waiting.
    let fast = plain("");
    let mut waiting = Running::start(command(&fast, &["--database-url", &url, "up"]));
    let took = waiting.wait_for_line("waiting for the migration lock", Duration::from_secs(3));
    assert!(took < Duration::from_secs(3), "{took:?}");
    let line = waiting.seen.last().cloned().unwrap_or_default();
    assert!(line.starts_with("warning: "), "{line}");
    for needle in holder {
        assert!(line.contains(needle), "{needle:?} not in {line}");
    }
    let pid = format!("pid {}", holding.child.id());
    if server == Server::Postgres {
        assert!(line.contains(&pid), "{pid} not in {line}");
    }
    waiting.kill();

    // --lock-timeout: exit 1 after about that long, naming the holder.
    let start = Instant::now();
    let out = schema(&fast, &url, &["up", "--lock-timeout", "1s"]);
    let took = start.elapsed();
    exits(&out, FAILED);
    let mut needles = vec!["gave up after 1 s waiting for the migration lock"];
    needles.extend_from_slice(holder);
    error_line_has(&out, &needles);
    help_has(&out, "--lock-timeout");
    assert_eq!(
        out.stderr
            .matches("warning: waiting for the migration lock")
            .count(),
        1,
        "one holder, one warning\n{out:#?}"
    );
    assert!(took < Duration::from_secs(6), "{took:?}\n{out:#?}");

    // The `lock-timeout` key, for a command other than up.
    let keyed = plain("lock-timeout = \"500ms\"\n");
    let out = schema(&keyed, &url, &["stamp", "head"]);
    exits(&out, FAILED);
    error_line_has(
        &out,
        &["gave up after 500 ms waiting for the migration lock"],
    );

    let (code, stderr) = holding.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(db.query("SELECT COUNT(*) FROM schema_version"), "2");
}

#[test]
fn postgres_a_lock_wait_names_its_holder_and_ends_after_the_lock_timeout() {
    a_lock_wait_names_its_holder(
        Server::Postgres,
        "SELECT pg_sleep(12)",
        &["PostgreSQL session", "application `cargo-schema pid"],
    );
}

#[test]
fn mariadb_a_lock_wait_names_its_holder_and_ends_after_the_lock_timeout() {
    a_lock_wait_names_its_holder(
        Server::MySql,
        "SELECT SLEEP(12)",
        &["MySQL connection", "user root"],
    );
}

/// A lease row as a killed run on another host leaves it in the `table` lock mode's table.
fn plant_lease(run: &dyn Fn(&str) -> String, expires_in: i64) {
    plant_lease_of(run, "4242@build-box", expires_in);
}

/// A lease row of the run `pid@host`.
fn plant_lease_of(run: &dyn Fn(&str) -> String, who: &str, expires_in: i64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
    run(
        "CREATE TABLE IF NOT EXISTS schema_version_lock (id INTEGER NOT NULL PRIMARY KEY, owner VARCHAR(64) NOT NULL, expires_at BIGINT NOT NULL)",
    );
    run(&format!(
        "INSERT INTO schema_version_lock (id, owner, expires_at) VALUES (1, '{who}@{now}@abcdef', {})",
        now + expires_in
    ));
}

/// A lease left by a killed run: a waiting run names it and gives up after the timeout;
/// `repair --release-lock` removes it, saying whose it was; then `up` runs.
fn a_stale_lease_is_named_and_released(
    p: &TestProject,
    run: &dyn Fn(&[&str]) -> Output,
    query: &dyn Fn(&str) -> String,
) {
    plant_lease(query, 300);
    let out = run(&["up", "--lock-timeout", "1s"]);
    exits(&out, FAILED);
    error_line_has(
        &out,
        &["migration lock", "pid 4242 on host build-box", "lease"],
    );
    help_has(&out, "repair --release-lock");
    let out = run(&["repair", "--release-lock"]);
    exits(&out, 0).stderr_has("pid 4242 on host build-box");
    exits(&run(&["up", "--lock-timeout", "1s"]), 0);
    let out = run(&["repair", "--release-lock"]);
    exits(&out, 0).stderr_has("no `table` lock lease is held");
    let _ = p;
}

#[test]
fn sqlite_a_stale_table_lease_is_named_and_released() {
    let p = plain("lock = \"table\"\n");
    let db = dev_db(&p);
    a_stale_lease_is_named_and_released(&p, &|args| p.run(args), &|sql| sqlite(&db, sql));
    assert_eq!(sqlite(&db, "SELECT COUNT(*) FROM schema_version"), "2");
}

/// `--release-lock` does not take the lease of a run that is still running on this host.
#[test]
fn sqlite_release_lock_leaves_the_lease_of_a_live_run_alone() {
    let p = plain("lock = \"table\"\n");
    let db = dev_db(&p);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_default()
        .trim()
        .replace('@', "_");
    // The lease keeps the first 24 bytes of the host's name, as the tool writes it.
    let host = host.get(..24).unwrap_or(&host).to_string();
    if host.is_empty() {
        cargo_schema_e2e::db::skip("this host's name is not readable from /proc");
        return;
    }
    // This test's own process is alive.
    let who = format!("{}@{host}", std::process::id());
    plant_lease_of(&|sql| sqlite(&db, sql), &who, 300);
    let out = p.run(&["repair", "--release-lock"]);
    exits(&out, FAILED);
    error_line_has(
        &out,
        &[
            &format!("pid {} on host {host}", std::process::id()),
            "still running",
        ],
    );
    help_has(&out, "wait for that run to end");
    assert_eq!(sqlite(&db, "SELECT COUNT(*) FROM schema_version_lock"), "1");
}

/// SQLite's write lock, held by another connection: the run says so and gives up after the
/// lock timeout instead of waiting in silence.
#[test]
fn sqlite_a_held_write_lock_is_reported_and_ends_after_the_lock_timeout() {
    let p = after(plain(""), &["up", FIRST]);
    let db = dev_db(&p);
    let mut holder =
        cargo_schema_e2e::sqlite::hold_write_lock(&db, "INSERT INTO t_first VALUES (1);", 15.0);
    let start = Instant::now();
    let out = p.run(&["up", "--lock-timeout", "1s"]);
    let took = start.elapsed();
    let _ = holder.kill();
    let _ = holder.wait();
    exits(&out, FAILED);
    out.stderr_has("warning: waiting for the migration lock");
    error_line_has(&out, &["gave up after 1 s", "SQLite"]);
    help_has(&out, "--lock-timeout");
    assert!(took < Duration::from_secs(6), "{took:?}");
    p.run(&["up"]).success();
}

/// The hooks run `sync` with a short lock timeout: a held lock makes the hook explain and
/// let git go on within seconds instead of blocking `git checkout` until the lock is free.
#[test]
fn a_hook_gives_up_on_a_held_lock_and_lets_git_go_on() {
    let p = plain("lock = \"table\"\nauto-apply = true\n");
    let git = |args: &[&str]| {
        cargo_schema_e2e::git::git(p.path(), args);
    };
    git(&["init", "-q"]);
    p.write(".gitignore", "target/\ndev.db\n");
    git(&["add", "-A"]);
    git(&["commit", "-qm", "init"]);
    git(&["checkout", "-q", "-b", "other"]);
    p.write("notes.txt", "a commit on the other branch");
    git(&["add", "-A"]);
    git(&["commit", "-qm", "notes"]);
    p.run(&["hooks", "install"]).success();
    p.run(&["current"]).success();
    let db = dev_db(&p);
    plant_lease(&|sql| sqlite(&db, sql), 300);

    // `cargo schema sync` from the hook runs this build of the binary.
    let bin = TestProject::bare();
    let cargo = bin.write(
        "bin/cargo",
        format!("#!/bin/sh\nexec '{}' \"$@\"\n", binary().display()),
    );
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let path = std::env::join_paths(std::iter::once(bin.path().join("bin")).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("PATH");
    let mut cmd = Command::new("git");
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    // Back to the first branch: HEAD moves, so post-checkout syncs.
    cmd.args(["checkout", "-q", "-"])
        .current_dir(p.path())
        .env("PATH", path)
        .env_remove("CARGO_SCHEMA_LOCK_TIMEOUT")
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let (code, stderr) = Running::start(cmd).finish(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}\n{stderr}",
        start.elapsed()
    );
    assert!(
        stderr.contains("waiting for the migration lock, held by pid 4242 on host build-box"),
        "{stderr}"
    );
    assert!(stderr.contains("gave up after 2 s"), "{stderr}");
    assert!(
        stderr.contains("the git operation itself succeeded"),
        "{stderr}"
    );
}

#[test]
fn a_lock_timeout_that_is_not_a_duration_is_refused_naming_it() {
    let p = plain("");
    let out = p.run(&["up", "--lock-timeout", "soon"]);
    exits(&out, INVALID);
    assert!(out.stderr.contains("`soon` is not a duration"), "{out:#?}");
    let keyed = plain("lock-timeout = \"10\"\n");
    let out = keyed.run(&["up"]);
    exits(&out, INVALID);
    error_line_has(&out, &["lock-timeout", "`10` is not a duration"]);
    assert!(!dev_db(&keyed).exists());
}

// ---------------------------------------------------------------------------------------
// Item 15: a row edited by hand is named, with how to repair it
// ---------------------------------------------------------------------------------------

/// Asserts that `current` and `up` exit 1 naming the table, the row of `row` and `column`,
/// with a help line holding `help`.
fn names_the_cell(
    run: &dyn Fn(&[&str]) -> Output,
    row: &str,
    column: &str,
    problem: &str,
    help: &str,
) {
    for args in [&["current"][..], &["up"]] {
        let out = run(args);
        exits(&out, FAILED);
        out.stderr_lacks("try decoding");
        error_line_has(
            &out,
            &[
                "`schema_version`",
                &format!("revision `{row}`"),
                &format!("column `{column}`"),
                problem,
            ],
        );
        help_has(&out, help);
    }
}

fn a_tampered_row_is_named_and_repaired(
    run: &dyn Fn(&[&str]) -> Output,
    query: &dyn Fn(&str) -> String,
    null_checksum: &str,
    retype_duration: &str,
    retyped_row: &str,
    restore_duration: &str,
) {
    exits(&run(&["up"]), 0);

    query(null_checksum);
    names_the_cell(run, SECOND, "checksum", "is NULL", "repair --checksums");
    exits(&run(&["repair", "--checksums"]), 0);
    assert_eq!(current_ids(&run(&["current"])), [SECOND]);

    query(&format!(
        "UPDATE schema_version SET state = 'half-done' WHERE revision = '{SECOND}'"
    ));
    names_the_cell(
        run,
        SECOND,
        "state",
        "`half-done`",
        &format!("repair {SECOND} --applied"),
    );
    exits(&run(&["repair", SECOND, "--applied"]), 0);
    assert_eq!(current_ids(&run(&["current"])), [SECOND]);

    // A column of another type fails on the first row (SQLite: the row holding the value).
    query(retype_duration);
    names_the_cell(
        run,
        retyped_row,
        "duration_ms",
        "expected an integer",
        "BIGINT NOT NULL",
    );
    query(restore_duration);
    exits(&run(&["repair", SECOND, "--applied"]), 0);
    let out = run(&["current"]);
    exits(&out, 0);
    assert_eq!(current_ids(&out), [SECOND]);
    exits(&run(&["up"]), 0).stderr_has("nothing to apply");
}

#[test]
fn sqlite_a_tampered_version_table_names_table_row_and_column() {
    let p = plain("");
    let db = dev_db(&p);
    // SQLite cannot drop NOT NULL: the table is rebuilt without it, as a hand would.
    let null_checksum = format!(
        "CREATE TABLE sv (revision VARCHAR(255) PRIMARY KEY, checksum VARCHAR(64), applied_at VARCHAR(40), duration_ms BIGINT, down_sql TEXT, state VARCHAR(16), statements_done BIGINT, error TEXT); \
         INSERT INTO sv SELECT * FROM schema_version; DROP TABLE schema_version; ALTER TABLE sv RENAME TO schema_version; \
         UPDATE schema_version SET checksum = NULL WHERE revision = '{SECOND}'"
    );
    // SQLite keeps a value of another type in any column.
    let retype =
        format!("UPDATE schema_version SET duration_ms = 'slow' WHERE revision = '{SECOND}'");
    a_tampered_row_is_named_and_repaired(
        &|args| p.run(args),
        &|sql| sqlite(&db, sql),
        &null_checksum,
        &retype,
        SECOND,
        "SELECT 1",
    );
}

/// The server's spelling of: checksum made nullable and NULLed, `duration_ms` made text, and
/// `duration_ms` an integer again.
fn tamper_sql(server: Server) -> (String, &'static str, &'static str) {
    let (nullable, retype, restore) = match server {
        Server::Postgres => (
            "ALTER COLUMN checksum DROP NOT NULL",
            "ALTER TABLE schema_version ALTER COLUMN duration_ms TYPE TEXT",
            "ALTER TABLE schema_version ALTER COLUMN duration_ms TYPE BIGINT USING duration_ms::BIGINT",
        ),
        Server::MySql => (
            "MODIFY checksum VARCHAR(64) NULL",
            "ALTER TABLE schema_version MODIFY duration_ms VARCHAR(20) NOT NULL",
            "ALTER TABLE schema_version MODIFY duration_ms BIGINT NOT NULL",
        ),
    };
    let null_checksum = format!(
        "ALTER TABLE schema_version {nullable}; UPDATE schema_version SET checksum = NULL WHERE revision = '{SECOND}'"
    );
    (null_checksum, retype, restore)
}

fn a_tampered_version_table_names_table_row_and_column(server: Server) {
    let db = test_database!(server);
    let p = plain("");
    let url = db.url();
    let (null_checksum, retype, restore) = tamper_sql(server);
    a_tampered_row_is_named_and_repaired(
        &|args| schema(&p, &url, args),
        &|sql| db.query(sql),
        &null_checksum,
        retype,
        FIRST,
        restore,
    );
}

on_both_servers!(
    on_server("", every_write_refuses_a_newer_layout):
        postgres_every_command_that_writes_refuses_a_newer_layout,
        mariadb_every_command_that_writes_refuses_a_newer_layout;
    on_server("lock = \"table\"\n", a_stale_lease_is_named_and_released):
        postgres_a_stale_table_lease_is_named_and_released,
        mariadb_a_stale_table_lease_is_named_and_released;
    a_version_table_name_with_quotes_and_semicolons_cannot_inject:
        postgres_a_version_table_name_with_quotes_and_semicolons_cannot_inject,
        mariadb_a_version_table_name_with_quotes_and_semicolons_cannot_inject;
    a_tampered_version_table_names_table_row_and_column:
        postgres_a_tampered_version_table_names_table_row_and_column,
        mariadb_a_tampered_version_table_names_table_row_and_column
);
