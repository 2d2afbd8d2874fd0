//! Throwaway databases on the local PostgreSQL and MariaDB servers.
//!
//! Every test gets its own uniquely named database, dropped when the [`TestDatabase`] is
//! dropped (also when the test panics), so tests run in parallel and leave nothing behind.
//! The servers are driven through the `psql` and `mysql` command-line clients, which keeps
//! this crate free of a database driver and its compile time.
//!
//! On a machine without a server the tests skip with a message naming the test and the
//! server; with `CI=true` a missing server fails the test instead.
//!
//! ```no_run
//! use cargo_schema_e2e::db::{Server, TestDatabase};
//!
//! let Some(db) = TestDatabase::create(Server::Postgres, "up_applies") else { return };
//! // or, in a test function: let db = cargo_schema_e2e::test_database!(Server::Postgres);
//! assert_eq!(db.query("SELECT 1"), "1");
//! ```

use std::fmt;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The prefix of every database this module creates.
pub const PREFIX: &str = "cs_test_";

/// PostgreSQL's limit on identifier length; MariaDB's is 64.
const MAX_NAME: usize = 63;

/// How long to wait for a server to accept a connection.
const CONNECT_TIMEOUT_SECS: u64 = 5;

/// A database server the tests can run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Postgres,
    MySql,
}

impl Server {
    fn endpoint(self) -> Endpoint {
        match self {
            Server::Postgres => Endpoint {
                server: self,
                host: "127.0.0.1",
                port: 5432,
            },
            Server::MySql => Endpoint {
                server: self,
                host: "127.0.0.1",
                port: 3306,
            },
        }
    }

    fn start_command(self) -> &'static str {
        match self {
            Server::Postgres => {
                "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
            }
            Server::MySql => {
                "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"
            }
        }
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Server::Postgres => "PostgreSQL",
            Server::MySql => "MariaDB",
        })
    }
}

/// Where a server listens. Only the tests of this module use anything but the defaults.
#[derive(Debug, Clone, Copy)]
struct Endpoint {
    server: Server,
    host: &'static str,
    port: u16,
}

impl Endpoint {
    /// A client command connected to `database` (the server's maintenance database when
    /// `None`), reading SQL from stdin and printing unaligned rows without headers.
    fn command(&self, database: Option<&str>) -> Command {
        let port = self.port.to_string();
        match self.server {
            Server::Postgres => {
                let mut cmd = Command::new("psql");
                cmd.args(["-X", "-q", "-w", "-A", "-t", "-F", "\t"])
                    .args(["-v", "ON_ERROR_STOP=1"])
                    .args(["-h", self.host, "-p", &port, "-U", "postgres"])
                    .args(["-d", database.unwrap_or("postgres")])
                    .env("PGCONNECT_TIMEOUT", CONNECT_TIMEOUT_SECS.to_string());
                cmd
            }
            Server::MySql => {
                let mut cmd = Command::new("mysql");
                // --no-defaults must come first: no option file changes what we connect to.
                cmd.args(["--no-defaults", "--protocol=TCP"])
                    .args(["-h", self.host, "-P", &port, "-u", "root"])
                    .arg(format!("--connect-timeout={CONNECT_TIMEOUT_SECS}"))
                    .args(["-N", "-B"]);
                if let Some(db) = database {
                    cmd.arg(db);
                }
                cmd
            }
        }
    }

    /// Runs `sql` and returns stdout without its trailing newlines, or an error with the
    /// client's stderr.
    fn run(&self, database: Option<&str>, sql: &str) -> Result<String, String> {
        let mut cmd = self.command(database);
        let described = format!("{cmd:?}");
        let output = feed_stdin(&mut cmd, sql)?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if output.status.success() {
            // Only newlines are trimmed: a leading or trailing tab is an empty column.
            Ok(stdout.trim_end_matches(['\n', '\r']).to_owned())
        } else {
            Err(format!(
                "{described} failed ({})\n--- sql ---\n{sql}\n--- stderr ---\n{}--- stdout ---\n{stdout}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    /// Whether the server answers a query; the reason when it does not.
    fn probe(&self) -> Result<(), String> {
        let addr: SocketAddr = format!("{}:{}", self.host, self.port)
            .parse()
            .map_err(|e| format!("bad address {}:{}: {e}", self.host, self.port))?;
        // A closed port fails here at once, without waiting for the client's timeout.
        TcpStream::connect_timeout(&addr, Duration::from_secs(CONNECT_TIMEOUT_SECS))
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let out = self.run(None, "SELECT 1")?;
        if out.trim() == "1" {
            Ok(())
        } else {
            Err(format!("`SELECT 1` returned {out:?}"))
        }
    }

    fn down_message(&self, reason: &str) -> String {
        format!(
            "{} is not reachable at {}:{} ({}); start it with `{}`",
            self.server,
            self.host,
            self.port,
            reason.trim(),
            self.server.start_command()
        )
    }

    /// Whether a database of this name exists on the server.
    fn exists(&self, name: &str) -> bool {
        let sql = match self.server {
            Server::Postgres => {
                format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'")
            }
            Server::MySql => format!(
                "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = '{name}'"
            ),
        };
        self.run(None, &sql).unwrap_or_else(|e| panic!("{e}")) != "0"
    }

    fn create_database(&self, name: &str) -> Result<(), String> {
        let sql = match self.server {
            Server::Postgres => format!("CREATE DATABASE \"{name}\""),
            Server::MySql => format!("CREATE DATABASE `{name}`"),
        };
        self.run(None, &sql).map(drop)
    }

    /// Drops a database, first ending every connection to it.
    fn drop_database(&self, name: &str) -> Result<(), String> {
        let mut last = String::new();
        // Ending a connection is asynchronous on PostgreSQL < 13; retry while it goes.
        for attempt in 0..10 {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200));
            }
            match self.try_drop_database(name) {
                Ok(()) => {
                    self.drop_lint_templates_of(name);
                    return Ok(());
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The lint templates (`cs_lint_…`) made for the test database `name`, whose comment names
    /// it: lint itself drops them only when a later lint starts, and a test leaves nothing.
    fn drop_lint_templates_of(&self, name: &str) {
        if self.server != Server::Postgres {
            return;
        }
        let Ok(names) = self.run(
            None,
            &format!(
                "SELECT datname FROM pg_database WHERE datname LIKE 'cs!_lint!_%' ESCAPE '!' \
                   AND shobj_description(oid, 'pg_database') LIKE '%/{name}'"
            ),
        ) else {
            return;
        };
        for template in names.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let _ = self.run(
                None,
                &format!("DROP DATABASE IF EXISTS \"{template}\" WITH (FORCE)"),
            );
        }
    }

    fn try_drop_database(&self, name: &str) -> Result<(), String> {
        match self.server {
            Server::Postgres => {
                let version: u32 = self
                    .run(None, "SHOW server_version_num")?
                    .trim()
                    .parse()
                    .map_err(|e| format!("server_version_num: {e}"))?;
                let sql = if version >= 130_000 {
                    format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")
                } else {
                    format!(
                        "DO $$ BEGIN \
                           IF EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}') THEN \
                             ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false; \
                           END IF; \
                         END $$;\n\
                         SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                           WHERE datname = '{name}' AND pid <> pg_backend_pid();\n\
                         DROP DATABASE IF EXISTS \"{name}\";"
                    )
                };
                self.run(None, &sql).map(drop)
            }
            Server::MySql => {
                // A connection holding a metadata lock (an open transaction) would make
                // DROP DATABASE wait for it: end them first.
                let ids = self.run(
                    None,
                    &format!(
                        "SELECT id FROM information_schema.processlist \
                         WHERE db = '{name}' AND id <> CONNECTION_ID()"
                    ),
                )?;
                for id in ids.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    // It may have ended by itself meanwhile.
                    let _ = self.run(None, &format!("KILL CONNECTION {id}"));
                }
                self.run(
                    None,
                    &format!(
                        "SET SESSION lock_wait_timeout = 10; DROP DATABASE IF EXISTS `{name}`"
                    ),
                )
                .map(drop)
            }
        }
    }

    fn leftovers(&self) -> Vec<String> {
        let pattern = PREFIX.replace('_', "\\_");
        let sql = match self.server {
            Server::Postgres => {
                format!("SELECT datname FROM pg_database WHERE datname LIKE '{pattern}%'")
            }
            // MariaDB keeps `\_` as is in a string literal, for LIKE.
            Server::MySql => format!(
                "SELECT schema_name FROM information_schema.schemata \
                 WHERE schema_name LIKE '{pattern}%'"
            ),
        };
        let mut names: Vec<String> = self
            .run(None, &sql)
            .unwrap_or_else(|e| panic!("{e}"))
            .lines()
            .filter(|l| l.starts_with(PREFIX))
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    }
}

/// Whether `CI` is `true`: a missing server is then a failure, not a skip.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Writes to the process's stderr directly: the test harness captures `eprintln!` of
/// passing tests, and a skip should be seen.
fn say(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// Reports a skipped test where it is seen (not swallowed by the harness like `eprintln!`),
/// naming the running test; with `CI=true` the test fails instead. The caller returns.
#[track_caller]
pub fn skip(reason: &str) {
    let test_name = current_test_name();
    if in_ci() {
        panic!("{test_name}: CI=true and {reason}");
    }
    say(&format!(
        "skipping {test_name}: {reason} (with CI=true this fails)"
    ));
}

/// Whether a server answers, and why not.
fn status(server: Server) -> &'static Result<(), String> {
    static POSTGRES: OnceLock<Result<(), String>> = OnceLock::new();
    static MYSQL: OnceLock<Result<(), String>> = OnceLock::new();
    let cell = match server {
        Server::Postgres => &POSTGRES,
        Server::MySql => &MYSQL,
    };
    cell.get_or_init(|| server.endpoint().probe())
}

/// Whether a server answers (cached per process).
pub fn available(server: Server) -> bool {
    status(server).is_ok()
}

/// The names of leftover test databases on a server (those starting with [`PREFIX`]),
/// sorted. Databases of tests still running in this or another process are listed too:
/// filter by `format!("{PREFIX}{}_", std::process::id())` to see only this process's.
///
/// Empty when the server is not reachable and `CI` is not set; panics in CI.
pub fn leftovers(server: Server) -> Vec<String> {
    let endpoint = server.endpoint();
    match status(server) {
        Ok(()) => endpoint.leftovers(),
        Err(reason) if in_ci() => panic!("CI=true: {}", endpoint.down_message(reason)),
        Err(_) => Vec::new(),
    }
}

/// The name of the running test: libtest names each test's thread after it.
pub fn current_test_name() -> String {
    match std::thread::current().name() {
        Some(name) if name != "main" => name.to_owned(),
        _ => "unnamed_test".to_owned(),
    }
}

/// Creates a [`TestDatabase`] or returns from the calling function (a skip) when the server
/// is not reachable outside CI. The test name defaults to the running test's.
///
/// ```no_run
/// # use cargo_schema_e2e::db::Server;
/// # fn f() {
/// let db = cargo_schema_e2e::test_database!(Server::Postgres);
/// let db = cargo_schema_e2e::test_database!(Server::MySql, "up_applies");
/// # }
/// ```
#[macro_export]
macro_rules! test_database {
    ($server:expr, $test_name:expr) => {
        match $crate::db::TestDatabase::create($server, $test_name) {
            ::std::option::Option::Some(db) => db,
            ::std::option::Option::None => return,
        }
    };
    ($server:expr) => {
        $crate::test_database!($server, &$crate::db::current_test_name())
    };
}

/// Two tests that run `$body(server)`: `$postgres` on PostgreSQL, `$mariadb` on MariaDB;
/// attributes written before `$body` (e.g. `#[cfg(unix)]`, doc comments) apply to both.
/// `$body(args…)` passes further arguments after the server; several entries, separated by
/// `;`, make several pairs.
///
/// ```no_run
/// # use cargo_schema_e2e::db::Server;
/// fn up_applies(server: Server) { /* … */ }
/// fn up_locks(server: Server, lock: &str) { /* … */ }
/// cargo_schema_e2e::on_both_servers!(up_applies: postgres_up_applies, mariadb_up_applies);
/// cargo_schema_e2e::on_both_servers!(
///     up_locks("advisory"): postgres_up_locks, mariadb_up_locks;
///     up_locks("table"): postgres_up_locks_with_a_table, mariadb_up_locks_with_a_table
/// );
/// ```
#[macro_export]
macro_rules! on_both_servers {
    ($(
        $(#[$attr:meta])*
        $body:ident $(($($arg:expr),* $(,)?))?: $postgres:ident, $mariadb:ident
    );+ $(;)?) => {
        $(
            $(#[$attr])*
            #[test]
            fn $postgres() {
                $body($crate::db::Server::Postgres $($(, $arg)*)?);
            }

            $(#[$attr])*
            #[test]
            fn $mariadb() {
                $body($crate::db::Server::MySql $($(, $arg)*)?);
            }
        )+
    };
}

/// The revisions the test database's version table `schema_version` records, sorted.
#[track_caller]
pub fn recorded(db: &TestDatabase) -> Vec<String> {
    db.query("SELECT revision FROM schema_version ORDER BY revision")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A fresh database on a server, dropped (with every connection to it terminated first on
/// PostgreSQL: `DROP DATABASE … WITH (FORCE)` on PG ≥ 13) when this value is dropped —
/// also when the test panics.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    server: Server,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestDatabase {
    /// `None` (after printing why) when the server is not reachable and CI is not set;
    /// panics in CI.
    pub fn create(server: Server, test_name: &str) -> Option<TestDatabase> {
        let endpoint = server.endpoint();
        if let Err(reason) = status(server) {
            let message = endpoint.down_message(reason);
            if in_ci() {
                panic!("{test_name}: CI=true and {message}");
            }
            say(&format!(
                "skipping {test_name}: {message} (with CI=true this fails)"
            ));
            return None;
        }
        let mut last = String::new();
        for _ in 0..20 {
            let name = database_name(
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
                test_name,
            );
            match endpoint.create_database(&name) {
                Ok(()) => return Some(TestDatabase { name, server }),
                // A database left by an earlier process with the same id, or made by a
                // process in another container: take the next number.
                Err(_) if endpoint.exists(&name) => continue,
                Err(e) => last = e,
            }
            break;
        }
        panic!("{test_name}: cannot create a test database on {server}: {last}");
    }

    /// `postgres://postgres@127.0.0.1:5432/NAME` or `mysql://root@127.0.0.1:3306/NAME`.
    pub fn url(&self) -> String {
        let Endpoint { host, port, .. } = self.server.endpoint();
        match self.server {
            Server::Postgres => format!("postgres://postgres@{host}:{port}/{}", self.name),
            Server::MySql => format!("mysql://root@{host}:{port}/{}", self.name),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn server(&self) -> Server {
        self.server
    }

    /// Runs SQL through the CLI client against this database and returns stdout without its
    /// trailing newlines: tab-separated rows, no headers (`psql -At -F $'\t' -v
    /// ON_ERROR_STOP=1`; `mysql -N -B`, which escapes tabs and newlines in values and
    /// prints NULL as `NULL` where psql prints nothing). Panics with the client's stderr
    /// on failure.
    #[track_caller]
    pub fn query(&self, sql: &str) -> String {
        self.server
            .endpoint()
            .run(Some(&self.name), sql)
            .unwrap_or_else(|e| panic!("query on {} failed: {e}", self.name))
    }

    /// Runs `sql` every 20 ms until it answers something else than `0`; after `limit`, fails
    /// the test with `never` (what never happened).
    #[track_caller]
    pub fn wait_for(&self, sql: &str, limit: Duration, never: &str) {
        let started = std::time::Instant::now();
        while self.query(sql) == "0" {
            assert!(started.elapsed() < limit, "{never}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The table names in this database (public schema on PG), sorted.
    #[track_caller]
    pub fn tables(&self) -> Vec<String> {
        let sql = match self.server {
            Server::Postgres => "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
            Server::MySql => {
                "SELECT table_name FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
            }
        };
        let mut tables: Vec<String> = self.query(sql).lines().map(str::to_owned).collect();
        tables.sort();
        tables
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Err(e) = self.server.endpoint().drop_database(&self.name) {
            let message = format!(
                "cannot drop test database {} on {}: {e}",
                self.name, self.server
            );
            // A second panic while unwinding would abort the whole test binary.
            if std::thread::panicking() {
                say(&message);
            } else {
                panic!("{message}");
            }
        }
    }
}

/// `cs_test_<pid>_<counter>_<test name>`: lowercase `[a-z0-9_]`, at most 63 characters.
/// A long test name keeps its end, the part that tells tests apart.
fn database_name(pid: u32, counter: u64, test_name: &str) -> String {
    let head = format!("{PREFIX}{pid}_{counter}_");
    let mut tail = String::new();
    for c in test_name.chars() {
        let c = c.to_ascii_lowercase();
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '_'
        };
        if !(c == '_' && (tail.is_empty() || tail.ends_with('_'))) {
            tail.push(c);
        }
    }
    let room = MAX_NAME - head.len();
    if tail.len() > room {
        tail.drain(..tail.len() - room);
    }
    let tail = tail.trim_matches('_');
    if tail.is_empty() {
        head.trim_end_matches('_').to_owned()
    } else {
        head + tail
    }
}

/// A password the database URLs of the tests carry on PostgreSQL (the local server trusts
/// 127.0.0.1 and ignores it), so that every run can check it is never printed.
pub const PASSWORD: &str = "s3cr3tpw";

/// The database's URL, with [`PASSWORD`] in it on PostgreSQL.
pub fn url_with_password(db: &TestDatabase) -> String {
    match db.server() {
        Server::Postgres => db.url().replacen(
            "postgres://postgres@",
            &format!("postgres://postgres:{PASSWORD}@"),
            1,
        ),
        Server::MySql => db.url(),
    }
}

/// Runs `cargo-schema schema --database-url URL ARGS` in the project: never a panic, never
/// the password.
#[track_caller]
pub fn run_on(p: &crate::TestProject, url: &str, args: &[&str]) -> crate::Output {
    let mut all = vec!["--database-url", url];
    all.extend_from_slice(args);
    let out = p.run(&all);
    crate::assert::exits(&out, out.code);
    assert!(
        !out.stdout.contains(PASSWORD) && !out.stderr.contains(PASSWORD),
        "the password was printed\n{out:#?}"
    );
    out
}

/// [`run_on`] that must exit 0.
#[track_caller]
pub fn ok_on(p: &crate::TestProject, url: &str, args: &[&str]) -> crate::Output {
    let out = run_on(p, url, args);
    crate::assert::exits(&out, 0);
    out
}

/// Runs `cmd` with `input` on its stdin and collects its output. The input is written from
/// another thread, so that a large output cannot block the command while it is still being
/// fed; a command that exits early (a bad connection, a failing script) closes its stdin, and
/// its exit status and stderr say why. The error names the command.
pub fn feed_stdin(cmd: &mut Command, input: &str) -> Result<Output, String> {
    let described = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {described}: {e}"))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    std::thread::scope(|s| {
        s.spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        child.wait_with_output()
    })
    .map_err(|e| format!("{described}: {e}"))
}

/// Runs `sql` on the PostgreSQL server's maintenance database as the superuser: the rows
/// (tab-separated, without the trailing newline), or the client's error.
pub fn on_postgres(sql: &str) -> Result<String, String> {
    Server::Postgres.endpoint().run(None, sql)
}

/// A PostgreSQL role that may log in but not create databases, dropped (with `DROP ROLE`) when
/// the value is. Make it before the test database it is given: values drop in reverse order,
/// and a role that still owns a database cannot go.
pub struct NoCreateRole(String);

impl NoCreateRole {
    /// `PREFIX_<pid>`; nothing is created yet.
    pub fn new(prefix: &str) -> NoCreateRole {
        NoCreateRole(format!("{prefix}_{}", std::process::id()))
    }

    /// Creates the role, makes it the owner of `db` and returns `db`'s URL as this role.
    pub fn own(&self, db: &TestDatabase) -> String {
        db.query(&format!("CREATE ROLE {} LOGIN NOCREATEDB", self.0));
        db.query(&format!("ALTER DATABASE {} OWNER TO {}", db.name(), self.0));
        db.url().replacen(
            "postgres://postgres@",
            &format!("postgres://{}@", self.0),
            1,
        )
    }
}

/// `(role, db, url)`: a PostgreSQL test database ([`test_database!`], which returns from the
/// test when there is no server) owned by a new [`NoCreateRole`] named after `$prefix`, and
/// its URL as that role. Bind all three (`let (_role, _db, url) = …`): the database is
/// dropped before the role that owns it.
#[macro_export]
macro_rules! no_create_role_database {
    ($prefix:expr) => {{
        let role = $crate::db::NoCreateRole::new($prefix);
        let db = $crate::test_database!($crate::db::Server::Postgres);
        let url = role.own(&db);
        (role, db, url)
    }};
}

impl Drop for NoCreateRole {
    fn drop(&mut self) {
        let _ = on_postgres(&format!("DROP ROLE IF EXISTS {}", self.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::time::Instant;

    const SERVERS: [Server; 2] = [Server::Postgres, Server::MySql];

    fn gone(server: Server, name: &str) -> bool {
        !server.endpoint().exists(name)
    }

    #[test]
    fn names_are_short_lowercase_identifiers() {
        assert_eq!(
            database_name(42, 7, "db::tests::Up Applies"),
            "cs_test_42_7_db_tests_up_applies"
        );
        assert_eq!(database_name(42, 7, "::--"), "cs_test_42_7");
        let long = database_name(u32::MAX, u64::MAX, &format!("{}_the_end", "X".repeat(100)));
        assert_eq!(long.len(), MAX_NAME, "{long}");
        assert!(long.ends_with("x_the_end"), "{long}");
        for name in [long, database_name(1, 2, "Ünïcödé täst — ok")] {
            assert!(name.len() <= MAX_NAME, "{name}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{name}"
            );
            assert!(!name.ends_with('_') && !name.contains("__"), "{name}");
        }
    }

    fn lifecycle(server: Server) {
        let db = crate::test_database!(server);
        assert!(db.name().starts_with(PREFIX), "{}", db.name());
        assert!(
            db.url().ends_with(&format!("/{}", db.name())),
            "{}",
            db.url()
        );
        assert_eq!(db.query("SELECT 1"), "1");
        assert_eq!(db.tables(), Vec::<String>::new());
        db.query("CREATE TABLE widgets (id INTEGER PRIMARY KEY, label TEXT)");
        db.query("CREATE TABLE gadgets (id INTEGER PRIMARY KEY)");
        db.query("INSERT INTO widgets VALUES (1, 'a'), (2, NULL)");
        assert_eq!(db.tables(), ["gadgets", "widgets"]);
        let null = if server == Server::Postgres {
            ""
        } else {
            "NULL"
        };
        assert_eq!(
            db.query("SELECT id, label FROM widgets ORDER BY id"),
            format!("1\ta\n2\t{null}")
        );
        assert!(leftovers(server).contains(&db.name().to_owned()));
        let name = db.name().to_owned();
        drop(db);
        assert!(gone(server, &name), "{name} is still there");
        assert!(!leftovers(server).contains(&name));
    }

    crate::on_both_servers!(lifecycle: postgres_lifecycle, mysql_lifecycle);

    #[test]
    fn a_failing_query_panics_with_the_clients_stderr() {
        for server in SERVERS {
            let db = crate::test_database!(server);
            let err = catch_unwind(AssertUnwindSafe(|| db.query("SELECT * FROM nowhere")))
                .expect_err("the query fails");
            let message = err
                .downcast_ref::<String>()
                .expect("a formatted panic message");
            assert!(message.contains("nowhere"), "{message}");
            // Statements after a failing one do not run.
            let err = catch_unwind(AssertUnwindSafe(|| {
                db.query("CREATE TABLE a (id INTEGER); SELECT * FROM nowhere; CREATE TABLE b (id INTEGER);")
            }));
            assert!(err.is_err());
            assert_eq!(db.tables(), ["a"]);
        }
    }

    #[test]
    fn databases_created_in_parallel_get_different_names() {
        for server in SERVERS {
            if !available(server) {
                let _ = crate::test_database!(server);
            }
            let names: Vec<String> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..4)
                    .map(|_| {
                        s.spawn(move || {
                            let db = TestDatabase::create(server, "parallel").expect("available");
                            db.query("CREATE TABLE t (id INTEGER)");
                            db.name().to_owned()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let mut unique = names.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{names:?}");
            for name in &names {
                assert!(gone(server, name), "{name} is still there");
            }
        }
    }

    #[test]
    fn a_panicking_test_still_drops_its_database() {
        for server in SERVERS {
            if !available(server) {
                let _ = crate::test_database!(server);
            }
            let mut name = None;
            let result = catch_unwind(AssertUnwindSafe(|| {
                let db = TestDatabase::create(server, "panics").expect("available");
                name = Some(db.name().to_owned());
                db.query("CREATE TABLE t (id INTEGER)");
                panic!("the test fails");
            }));
            assert!(result.is_err());
            let name = name.expect("the database was created");
            assert!(gone(server, &name), "{name} is still there");
        }
    }

    /// A client still connected (on MariaDB: in a transaction holding a lock on a table)
    /// does not keep the database from being dropped.
    fn drops_with_an_open_connection(server: Server) {
        let db = crate::test_database!(server);
        db.query("CREATE TABLE t (id INTEGER)");
        let hold = match server {
            Server::Postgres => "BEGIN; SELECT count(*) FROM t; SELECT pg_sleep(60);",
            Server::MySql => "START TRANSACTION; SELECT COUNT(*) FROM t; SELECT SLEEP(60);",
        };
        let mut child = server
            .endpoint()
            .command(Some(db.name()))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the client runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(hold.as_bytes())
            .unwrap();
        let others = match server {
            Server::Postgres => {
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()"
            }
            Server::MySql => {
                "SELECT COUNT(*) FROM information_schema.processlist \
                 WHERE db = DATABASE() AND id <> CONNECTION_ID()"
            }
        };
        let start = Instant::now();
        while db.query(others) == "0" {
            assert!(start.elapsed() < Duration::from_secs(10), "no connection");
            std::thread::sleep(Duration::from_millis(50));
        }
        // The sleeping client has read its input.
        std::thread::sleep(Duration::from_millis(200));
        let name = db.name().to_owned();
        let start = Instant::now();
        drop(db);
        let took = start.elapsed();
        let ended = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            child.try_wait().unwrap().is_some()
        });
        if !ended {
            let _ = child.kill();
        }
        let _ = child.wait();
        assert!(gone(server, &name), "{name} is still there");
        assert!(ended, "the connected client was not ended");
        assert!(took < Duration::from_secs(10), "dropping took {took:?}");
    }

    crate::on_both_servers!(
        drops_with_an_open_connection:
            postgres_drops_with_an_open_connection,
            mysql_drops_with_an_open_connection
    );

    #[test]
    fn a_port_nothing_listens_on_is_not_available() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        for server in SERVERS {
            let endpoint = Endpoint {
                port,
                ..server.endpoint()
            };
            let reason = endpoint.probe().expect_err("nothing listens");
            let message = endpoint.down_message(&reason);
            assert!(message.contains(&port.to_string()), "{message}");
            assert!(message.contains(server.start_command()), "{message}");
        }
    }

    #[test]
    fn leftovers_lists_only_test_databases() {
        for server in SERVERS {
            let db = crate::test_database!(server);
            let all = leftovers(server);
            assert!(all.iter().all(|n| n.starts_with(PREFIX)), "{all:?}");
            assert!(all.contains(&db.name().to_owned()), "{all:?}");
        }
    }
}
