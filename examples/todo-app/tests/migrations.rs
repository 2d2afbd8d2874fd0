//! Tests of the migrations themselves: a database at an earlier revision (cloned from a
//! template at that revision), rows inserted in the old schema, then a step with the runner
//! `cargo schema up`/`down` uses, and the rows checked in the new one.

use schema_core::testing::TestDatabase;
use todo_app::{Store, Todo, add_todo, complete_todo, list_todos};

/// Runs SQL on the app's pool (rows in an older schema than the app's queries know).
async fn exec(store: &Store, sql: &'static str) {
    match store {
        Store::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(drop),
        Store::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(drop),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The titles of the todos that have a completion time.
async fn completed(store: &Store) -> Vec<String> {
    const SQL: &str = "SELECT title FROM todos WHERE completed_at IS NOT NULL ORDER BY id";
    match store {
        Store::Sqlite(p) => sqlx::query_scalar(SQL).fetch_all(p).await,
        Store::Postgres(p) => sqlx::query_scalar(SQL).fetch_all(p).await,
    }
    .expect("completed")
}

fn todo(id: i64, title: &str, done: bool) -> Todo {
    Todo {
        id,
        title: title.to_string(),
        done,
    }
}

/// `c39a7f5d0e18` adds `done` and backfills it: a todo with a completion time is done.
#[schema_core::test(at = "8d4e")]
async fn adding_done_backfills_it_from_completed_at(db: TestDatabase) {
    assert_eq!(
        db.applied().await.expect("applied"),
        ["5f1c2a9e7b30", "8d4e0b6a21c7"]
    );
    let store = Store::connect(db.url()).await.expect("connect");
    exec(
        &store,
        "INSERT INTO todos (id, title, completed_at) VALUES (1, 'open', NULL); \
         INSERT INTO todos (id, title, completed_at) VALUES (2, 'closed', '2026-11-30 10:00:00')",
    )
    .await;

    let report = db.up_one().await.expect("up one");
    let applied: Vec<&str> = report.steps.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(applied, ["c39a7f5d0e18"]);
    assert_eq!(
        list_todos(&store).await.expect("list"),
        [todo(1, "open", false), todo(2, "closed", true)]
    );
    store.close().await;
}

/// Rolling `done` back keeps what it was derived from, so upgrading again restores it.
#[schema_core::test]
async fn rolling_back_done_keeps_what_restores_it(db: TestDatabase) {
    let store = Store::connect(db.url()).await.expect("connect");
    for title in ["water the plants", "pay rent", "call home"] {
        add_todo(&store, title).await.expect("add");
    }
    assert!(complete_todo(&store, 2).await.expect("complete"));
    let before = list_todos(&store).await.expect("list");

    let report = db.down_to("8d4e").await.expect("down");
    let rolled_back: Vec<&str> = report.steps.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(rolled_back, ["e7b2146f9a5d", "c39a7f5d0e18"]);
    assert_eq!(completed(&store).await, ["pay rent"]);

    db.up_to("head").await.expect("up again");
    assert_eq!(list_todos(&store).await.expect("list"), before);
    store.close().await;
}

/// At a revision and with fixtures: the fixtures run on the database at that revision.
#[schema_core::test(at = "head-1", fixtures("tests/fixtures/two_todos.sql"))]
async fn fixtures_run_at_the_revision(db: TestDatabase) {
    assert_eq!(db.applied().await.expect("applied").len(), 3);
    let report = db.up_one().await.expect("the index on done");
    assert_eq!(report.steps[0].0, "e7b2146f9a5d");
    let store = Store::connect(db.url()).await.expect("connect");
    assert_eq!(list_todos(&store).await.expect("list").len(), 2);
    store.close().await;
}

/// A revision that does not exist fails the test at set-up, naming it.
#[schema_core::test(at = "0ddba11")]
#[should_panic(expected = "cannot make a test database at `0ddba11`: no such revision")]
async fn an_unknown_revision_fails_at_set_up(_db: TestDatabase) {}
