//! The app's tests: each gets a database of its own from `#[schema_core::test]`, cloned from a
//! template migrated once per run. `SCHEMA_TEST_DATABASE_URL` picks the server (default: SQLite
//! files in the temp directory).

use std::path::{Path, PathBuf};
use std::process::Command;

use schema_core::testing::TestDatabase;
use todo_app::{Store, add_todo, complete_todo, list_todos};

mod common;

/// The head of `migrations/`.
const HEAD: &str = "e7b2146f9a5d";

macro_rules! isolated {
    ($($name:ident),* $(,)?) => {$(
        #[schema_core::test]
        async fn $name(db: TestDatabase) {
            // 1 to 5 rows, varying from test to test.
            common::sees_only_its_own_rows(db.url(), db.name(), stringify!($name).len() % 5 + 1).await;
        }
    )*};
}

isolated!(
    own_rows_01,
    own_rows_02,
    own_rows_03,
    own_rows_04,
    own_rows_05,
    own_rows_06,
    own_rows_07,
    own_rows_08,
    own_rows_09,
    own_rows_10,
    own_rows_11,
    own_rows_12,
    own_rows_13,
    own_rows_14,
    own_rows_15,
    own_rows_16,
    own_rows_17,
    own_rows_18,
    own_rows_19,
    own_rows_20,
    own_rows_21,
    own_rows_22,
    own_rows_23,
    own_rows_24,
    own_rows_25,
    own_rows_26,
    own_rows_27,
    own_rows_28,
    own_rows_29,
    own_rows_30,
    own_rows_31,
    own_rows_32,
    own_rows_33,
    own_rows_34,
    own_rows_35,
    own_rows_36,
    own_rows_37,
    own_rows_38,
    own_rows_39,
    own_rows_40,
    own_rows_41,
    own_rows_42,
    own_rows_43,
    own_rows_44,
    own_rows_45,
    own_rows_46,
    own_rows_47,
    own_rows_48,
    own_rows_49,
    own_rows_50,
);

#[schema_core::test(fixtures("tests/fixtures/two_todos.sql"))]
async fn fixtures_are_applied_after_cloning(db: TestDatabase) {
    let store = Store::connect(db.url()).await.expect("connect");
    let id = add_todo(&store, "after the fixture").await.expect("add");
    assert_eq!(id, 3);
    assert!(complete_todo(&store, 1).await.expect("complete"));
    let todos = list_todos(&store).await.expect("list");
    let done: Vec<(&str, bool)> = todos.iter().map(|t| (t.title.as_str(), t.done)).collect();
    assert_eq!(
        done,
        [
            ("fixture: water the plants", true),
            ("fixture: pay rent", true),
            ("after the fixture", false),
        ]
    );
    store.close().await;
}

#[schema_core::test]
async fn a_test_may_return_a_result(db: TestDatabase) -> Result<(), Box<dyn std::error::Error>> {
    // The app's start-up path on a database that is already at head: nothing to apply.
    assert_eq!(todo_app::migrate(db.url()).await?, Vec::<String>::new());
    Ok(())
}

/// `target/debug/cargo-schema`, when it was built.
fn cli() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../target"));
    let exe = target.join("debug/cargo-schema");
    if exe.is_file() {
        Some(exe)
    } else {
        eprintln!(
            "skipped: {} not found; `cargo build -p cargo-schema` first",
            exe.display()
        );
        None
    }
}

/// Runs `cargo-schema schema --database-url URL ARGS…` on this app; its stdout, or a panic with
/// its output.
fn schema(exe: &Path, url: &str, args: &[&str]) -> String {
    let out = Command::new(exe)
        .arg("schema")
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .args(["--database-url", url, "--color", "never"])
        .args(args)
        .output()
        .expect("run cargo-schema");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "cargo schema {args:?} failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[schema_core::test]
async fn the_migrator_and_the_cli_interoperate(db: TestDatabase) {
    let Some(exe) = cli() else {
        return;
    };
    // Migrated by the Migrator (the template): up to date for the CLI.
    let current = schema(&exe, db.url(), &["current", "--verbose"]);
    assert!(current.contains(HEAD), "{current}");
    schema(&exe, db.url(), &["check"]);

    // Rolled back and upgraded again by the CLI: nothing pending for the Migrator.
    schema(&exe, db.url(), &["down", "base", "-q"]);
    let migrator = schema_core::Migrator::from_embedded(todo_app::MIGRATIONS).expect("revisions");
    assert_eq!(migrator.plan(db.url()).await.expect("plan").len(), 4);
    schema(&exe, db.url(), &["up", "-q"]);
    assert_eq!(
        migrator.plan(db.url()).await.expect("plan"),
        Vec::<String>::new()
    );
    assert!(migrator.run(db.url()).await.expect("run").steps.is_empty());
}
