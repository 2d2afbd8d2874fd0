//! The tests of `migrations.rs` in transaction mode (PostgreSQL only): each runs inside a
//! transaction on the run's shared database at the revision it names, steps it inside that
//! transaction, and everything (rows and DDL) is rolled back at the end. Ignored by default
//! (the default server is SQLite); run them with
//! `SCHEMA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo test -p todo-app --test migrations_tx -- --ignored`.
//!
//! The app's functions take a pool, which transaction mode cannot hand out (one connection,
//! inside one transaction), so these tests read and write through the connection.

use schema_core::testing::TestTransaction;

/// `(id, title, done)` of every todo.
async fn todos(tx: &mut TestTransaction) -> Vec<(i32, String, bool)> {
    sqlx::query_as("SELECT id, title, done FROM todos ORDER BY id")
        .fetch_all(&mut **tx)
        .await
        .expect("todos")
}

/// The titles of the todos that have a completion time.
async fn completed(tx: &mut TestTransaction) -> Vec<String> {
    sqlx::query_scalar("SELECT title FROM todos WHERE completed_at IS NOT NULL ORDER BY id")
        .fetch_all(&mut **tx)
        .await
        .expect("completed")
}

/// `c39a7f5d0e18` adds `done` and backfills it: a todo with a completion time is done.
#[schema_core::test(at = "8d4e", transaction)]
#[ignore = "transaction mode needs SCHEMA_TEST_DATABASE_URL=postgres://…"]
async fn tx_adding_done_backfills_it_from_completed_at(mut tx: TestTransaction) {
    assert_eq!(
        tx.applied().await.expect("applied"),
        ["5f1c2a9e7b30", "8d4e0b6a21c7"]
    );
    sqlx::raw_sql(
        "INSERT INTO todos (id, title, completed_at) VALUES (1, 'open', NULL); \
         INSERT INTO todos (id, title, completed_at) VALUES (2, 'closed', '2026-11-30 10:00:00')",
    )
    .execute(&mut *tx)
    .await
    .expect("rows before");

    let report = tx.up_one().await.expect("up one");
    let applied: Vec<&str> = report.steps.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(applied, ["c39a7f5d0e18"]);
    assert_eq!(
        todos(&mut tx).await,
        [(1, "open".into(), false), (2, "closed".into(), true)]
    );
    tx.rollback().await.expect("rollback");
}

/// Rolling `done` back keeps what it was derived from, so upgrading again restores it.
#[schema_core::test(transaction)]
#[ignore = "transaction mode needs SCHEMA_TEST_DATABASE_URL=postgres://…"]
async fn tx_rolling_back_done_keeps_what_restores_it(mut tx: TestTransaction) {
    sqlx::raw_sql(
        "INSERT INTO todos (id, title, done, completed_at) VALUES \
         (1, 'water the plants', FALSE, NULL), \
         (2, 'pay rent', TRUE, '2026-11-30 10:00:00'), \
         (3, 'call home', FALSE, NULL)",
    )
    .execute(&mut *tx)
    .await
    .expect("rows before");
    let before = todos(&mut tx).await;

    let report = tx.down_to("8d4e").await.expect("down");
    let rolled_back: Vec<&str> = report.steps.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(rolled_back, ["e7b2146f9a5d", "c39a7f5d0e18"]);
    assert_eq!(completed(&mut tx).await, ["pay rent"]);

    tx.up_to("head").await.expect("up again");
    assert_eq!(todos(&mut tx).await, before);
    tx.rollback().await.expect("rollback");
}

/// At a revision and with fixtures: the fixtures run inside the transaction, at that revision.
#[schema_core::test(at = "head-1", transaction, fixtures("tests/fixtures/two_todos.sql"))]
#[ignore = "transaction mode needs SCHEMA_TEST_DATABASE_URL=postgres://…"]
async fn tx_fixtures_run_at_the_revision(mut tx: TestTransaction) {
    assert_eq!(tx.applied().await.expect("applied").len(), 3);
    let report = tx.up_one().await.expect("the index on done");
    assert_eq!(report.steps[0].0, "e7b2146f9a5d");
    assert_eq!(todos(&mut tx).await.len(), 2);
    tx.rollback().await.expect("rollback");
}

/// A revision that does not exist fails the test at set-up, naming it.
#[schema_core::test(at = "0ddba11", transaction)]
#[ignore = "transaction mode needs SCHEMA_TEST_DATABASE_URL=postgres://…"]
#[should_panic(expected = "cannot make a test database at `0ddba11`: no such revision")]
async fn tx_an_unknown_revision_fails_at_set_up(_tx: TestTransaction) {}
