//! Transaction mode against the PostgreSQL server of the test machine.

use sqlx::Connection;

use super::tests::{PG, exists, migrator, query, reachable, template_guard};
use super::*;

async fn names(tx: &mut TestTransaction) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM items ORDER BY id")
        .fetch_all(&mut **tx)
        .await
        .expect("select")
}

async fn insert(tx: &mut TestTransaction, id: i32, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO items (id, name) VALUES ($1, $2)")
        .bind(id)
        .bind(name)
        .execute(&mut **tx)
        .await
        .map(drop)
}

/// The shared database's rows, seen from outside any test's transaction.
async fn shared_rows(m: &Migrator) -> Vec<String> {
    let url = DatabaseUrl::parse(PG, UrlSource::Flag).expect("url");
    let shared = url
        .with_database(&TestTransaction::shared_name(m))
        .expect("url");
    query(shared.secret(), "SELECT name FROM items ORDER BY id").await
}

#[tokio::test]
async fn transactions_share_one_database_and_leave_nothing() {
    if !reachable(PG).await {
        return;
    }
    let m = migrator("tx_share", "v1", "");
    let tpl = TestDatabase::template_name(&m);
    let _guard = template_guard(PG, &tpl);

    let mut a = TestTransaction::begin(&m, PG).await.expect("first");
    let mut b = TestTransaction::begin(&m, PG).await.expect("second");
    assert_eq!(a.database(), format!("{tpl}_tx"));
    assert_eq!(a.database(), b.database());
    assert!(exists(PG, &tpl).await && exists(PG, a.database()).await);
    insert(&mut a, 2, "mine").await.expect("insert");
    assert_eq!(names(&mut a).await, ["seeded", "mine"]);
    // Isolated: the other test does not see it. (Inserting the same key would wait for the
    // first test's end, as between any two transactions.)
    assert_eq!(names(&mut b).await, ["seeded"]);
    insert(&mut b, 3, "theirs").await.expect("insert");
    // The code under test may begin and commit its own transactions: savepoints.
    {
        let mut inner = (*b).begin().await.expect("nested begin");
        sqlx::query("INSERT INTO items (id, name) VALUES (4, 'nested')")
            .execute(&mut *inner)
            .await
            .expect("nested insert");
        inner
            .commit()
            .await
            .expect("nested commit = release savepoint");
    }
    a.rollback().await.expect("rollback");
    drop(b); // a panicking test: the connection closes, the server rolls back
    assert_eq!(shared_rows(&m).await, ["seeded"]);

    // Dropping the template takes the shared database with it.
    drop(_guard);
    let shared = TestTransaction::shared_name(&m);
    assert!(!exists(PG, &shared).await, "{shared} left behind");
}

#[tokio::test]
async fn a_test_that_commits_gets_an_error_and_commits_nothing() {
    if !reachable(PG).await {
        return;
    }
    let m = migrator("tx_commit", "v1", "");
    let _guard = template_guard(PG, &TestDatabase::template_name(&m));

    // A raw COMMIT fails with the mode's message, and nothing is kept.
    let mut tx = TestTransaction::begin(&m, PG).await.expect("begin");
    insert(&mut tx, 2, "committed?").await.expect("insert");
    let err = sqlx::raw_sql("COMMIT")
        .execute(&mut *tx)
        .await
        .expect_err("commit must fail");
    let message = database_message(&err);
    assert!(
        message.contains("transaction mode cannot commit"),
        "{message}"
    );
    // After it the session is read-only: a write cannot commit on its own either.
    let write = insert(&mut tx, 3, "autocommit?")
        .await
        .expect_err("read-only");
    assert!(database_message(&write).contains("read-only"), "{write}");
    let ended = tx.rollback().await.expect_err("ended");
    assert!(
        matches!(&ended, TestDbError::TransactionEnded { .. })
            && ended.to_string().contains("cannot commit"),
        "{ended}"
    );
    assert_eq!(shared_rows(&m).await, ["seeded"]);

    // A ROLLBACK by the test is reported too.
    let mut tx = TestTransaction::begin(&m, PG).await.expect("begin");
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut *tx)
        .await
        .expect("rollback");
    assert!(matches!(
        tx.rollback().await,
        Err(TestDbError::TransactionEnded { .. })
    ));

    // A failed statement leaves the transaction aborted but ours: no error at the end.
    let mut tx = TestTransaction::begin(&m, PG).await.expect("begin");
    insert(&mut tx, 1, "duplicate")
        .await
        .expect_err("duplicate key");
    tx.rollback()
        .await
        .expect("an aborted transaction is still the test's");
    assert_eq!(shared_rows(&m).await, ["seeded"]);
}

#[tokio::test]
async fn transaction_mode_is_for_postgres() {
    let m = migrator("tx_sqlite", "v1", "");
    let err = TestTransaction::begin(&m, "sqlite:///tmp/cs-tx-mode")
        .await
        .expect_err("sqlite");
    assert!(
        err.to_string().contains("needs a PostgreSQL server"),
        "{err}"
    );
}
