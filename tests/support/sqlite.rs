//! A project's SQLite database as the `sqlite3` command-line client sees it (kept out of
//! this crate's dependencies: no driver to compile).

use std::path::{Path, PathBuf};
use std::process::Command;

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
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "sqlite3 {} {sql:?} failed:\n{}{stdout}",
        db.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
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
