//! The scratch databases `check --roundtrip`, autogenerate and lint make on a server, as the
//! tests see them.

use std::io::{BufReader, Read};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::Output;
use crate::assert::{error_line_has, exits, help_has};
use crate::db::{Server, TestDatabase};

/// The prefix of every scratch database.
pub const SCRATCH_PREFIX: &str = "cargo_schema_scratch_";

/// The scratch databases on the server of `db`, sorted.
#[track_caller]
pub fn scratch_databases(db: &TestDatabase) -> Vec<String> {
    let like = SCRATCH_PREFIX.replace('_', "\\_");
    let sql = match db.server() {
        Server::Postgres => {
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{like}%' ORDER BY datname")
        }
        Server::MySql => format!("SHOW DATABASES LIKE '{like}%'"),
    };
    let mut names: Vec<String> = db
        .query(&sql)
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with(SCRATCH_PREFIX))
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

/// Asserts exit 1, an `error:` line holding `cannot` (who cannot use a scratch database)
/// and PostgreSQL's "permission denied to create database", and a `help:` line holding `help`.
#[track_caller]
pub fn no_scratch_privilege(out: &Output, cannot: &str, help: &str) {
    exits(out, 1);
    error_line_has(out, &[cannot, "permission denied to create database"]);
    help_has(out, help);
}

/// Whether the process a scratch database is named after
/// (`cargo_schema_scratch_<host>_<boot>_<pid>_<random>`) still runs here; names of another
/// shape (older releases) are never this run's.
pub fn owner_running(name: &str) -> bool {
    let parts: Vec<&str> = name
        .strip_prefix(SCRATCH_PREFIX)
        .unwrap_or_default()
        .split('_')
        .collect();
    match parts.as_slice() {
        [_, _, pid, _] => Path::new("/proc").join(pid).exists(),
        _ => true,
    }
}

/// Sends `signal` (`-TERM`, `-KILL`) to the child and returns its exit code (`None` when a
/// signal ended it) and its stderr.
#[track_caller]
pub fn signal(child: &mut Child, signal: &str) -> (Option<i32>, String) {
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill {signal} failed");
    let started = Instant::now();
    let mut stderr = String::new();
    BufReader::new(child.stderr.take().expect("stderr"))
        .read_to_string(&mut stderr)
        .expect("reads stderr");
    let status = child.wait().expect("waits");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "did not stop promptly after {signal}:\n{stderr}"
    );
    (status.code(), stderr)
}
