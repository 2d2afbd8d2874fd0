//! A project's SQLite database as the `sqlite3` command-line client sees it (kept out of
//! this crate's dependencies: no driver to compile).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::TestProject;

/// The project's default database, `dev.db`.
pub fn dev_db(p: &TestProject) -> PathBuf {
    p.path().join("dev.db")
}

/// Runs `sqlite3 -bail [EXTRA] DB SQL` and returns stdout, failing the test when it fails.
#[track_caller]
fn run(db: &Path, extra: &[&str], sql: &str) -> String {
    let out = Command::new("sqlite3")
        .arg("-bail")
        .args(extra)
        .arg(db)
        .arg(sql)
        .output()
        .expect("the sqlite3 command-line client runs (install it: apt-get install sqlite3)");
    let [stdout, stderr] = [&out.stdout, &out.stderr].map(|b| String::from_utf8_lossy(b));
    let db = db.display();
    assert!(
        out.status.success(),
        "sqlite3 {db} {sql:?} failed:\n{stderr}{stdout}"
    );
    stdout.into_owned()
}

/// Runs `sqlite3 -bail DB SQL` on an existing file and returns what it prints.
#[track_caller]
pub fn query(db: &Path, sql: &str) -> String {
    assert!(db.is_file(), "{} does not exist", db.display());
    run(db, &[], sql)
}

/// Runs `sqlite3 -bail -json DB SQL` on an existing file and returns the rows.
#[track_caller]
pub fn rows(db: &Path, sql: &str) -> Vec<Value> {
    assert!(db.is_file(), "{} does not exist", db.display());
    let stdout = run(db, &["-json"], sql);
    if stdout.trim().is_empty() {
        return Vec::new();
    }
    match serde_json::from_str(&stdout) {
        Ok(Value::Array(rows)) => rows,
        other => panic!("sqlite3 printed no json array for {sql:?}: {other:?}\n{stdout}"),
    }
}

/// Runs SQL through sqlite3 (creating the file if need be) and returns what it prints.
#[track_caller]
pub fn sqlite3(db: &Path, sql: &str) -> String {
    run(db, &[], sql)
}

/// Runs SQL through sqlite3 (creating the file if need be), ignoring what it prints.
#[track_caller]
pub fn sqlite_exec(db: &Path, sql: &str) {
    run(db, &[], sql);
}

/// The table names in the database, sorted (SQLite's own tables left out).
#[track_caller]
pub fn tables(db: &Path) -> Vec<String> {
    rows(
        db,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .iter()
    .map(|r| r["name"].as_str().expect("a name").to_string())
    .collect()
}

#[track_caller]
pub fn has_table(db: &Path, name: &str) -> bool {
    tables(db).iter().any(|t| t == name)
}

/// Another connection holding `db`'s write lock: `sqlite3` runs `BEGIN IMMEDIATE`, then `sql`,
/// sleeps `hold_secs` and commits. Returns once the lock is seen held (a write transaction
/// cannot start); the caller waits for or kills the child.
pub fn hold_write_lock(db: &Path, sql: &str, hold_secs: f64) -> Child {
    let mut holder = Command::new("sqlite3")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sqlite3 runs");
    {
        use std::io::Write;
        let stdin = holder.stdin.as_mut().expect("stdin");
        // The probe below takes the write lock for a moment too: without a busy timeout the
        // holder's BEGIN could fail against it and never hold the lock.
        let script =
            format!(".timeout 5000\nBEGIN IMMEDIATE;\n{sql}\n.shell sleep {hold_secs}\nCOMMIT;\n");
        stdin.write_all(script.as_bytes()).expect("write");
        stdin.flush().expect("flush");
    }
    let started = Instant::now();
    while can_write_now(db) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "sqlite3 never took the write lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    holder
}

/// Whether a write transaction can start on `db` right now.
pub fn can_write_now(db: &Path) -> bool {
    Command::new("sqlite3")
        .args(["-cmd", ".timeout 50"])
        .arg(db)
        .arg("BEGIN IMMEDIATE; COMMIT;")
        .output()
        .map(|o| o.status.success() && o.stderr.is_empty())
        .unwrap_or(false)
}
