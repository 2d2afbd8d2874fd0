//! The "own rows" tests of `todos.rs` in transaction mode (PostgreSQL only): each runs inside a
//! transaction on the run's shared migrated database, rolled back at the end. Ignored by default
//! (the default server is SQLite); run them with
//! `SCHEMA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo test -p todo-app --test todos_tx -- --ignored`.
//!
//! The app's functions take a pool (`Store`), which transaction mode cannot hand out (it has one
//! connection inside one transaction), so these tests write through the connection. Ids are
//! given per test: tests that insert the same key at the same time wait for each other.

use schema_core::testing::TestTransaction;

async fn sees_only_its_own_rows(tx: &mut TestTransaction, first_id: i32, n: i32) {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM todos")
        .fetch_one(&mut **tx)
        .await
        .expect("count");
    assert_eq!(count, 0, "a row from another test or an earlier run");
    for id in first_id..first_id + n {
        sqlx::query("INSERT INTO todos (id, title) VALUES ($1, $2)")
            .bind(id)
            .bind(format!("todo #{id}"))
            .execute(&mut **tx)
            .await
            .expect("insert");
    }
    let ids: Vec<i32> = sqlx::query_scalar("SELECT id FROM todos ORDER BY id")
        .fetch_all(&mut **tx)
        .await
        .expect("list");
    assert_eq!(ids, (first_id..first_id + n).collect::<Vec<_>>());
}

macro_rules! isolated {
    ($($name:ident = $n:literal),* $(,)?) => {$(
        #[schema_core::test(transaction)]
        #[ignore = "transaction mode needs SCHEMA_TEST_DATABASE_URL=postgres://…"]
        async fn $name(mut tx: TestTransaction) {
            sees_only_its_own_rows(&mut tx, $n * 10, $n % 5 + 1).await;
            tx.rollback().await.expect("rollback");
        }
    )*};
}

isolated!(
    tx_own_rows_01 = 1,
    tx_own_rows_02 = 2,
    tx_own_rows_03 = 3,
    tx_own_rows_04 = 4,
    tx_own_rows_05 = 5,
    tx_own_rows_06 = 6,
    tx_own_rows_07 = 7,
    tx_own_rows_08 = 8,
    tx_own_rows_09 = 9,
    tx_own_rows_10 = 10,
    tx_own_rows_11 = 11,
    tx_own_rows_12 = 12,
    tx_own_rows_13 = 13,
    tx_own_rows_14 = 14,
    tx_own_rows_15 = 15,
    tx_own_rows_16 = 16,
    tx_own_rows_17 = 17,
    tx_own_rows_18 = 18,
    tx_own_rows_19 = 19,
    tx_own_rows_20 = 20,
);

/// A test that commits gets the mode's error, and the shared database keeps nothing.
#[schema_core::test(transaction)]
#[ignore = "transaction mode needs SCHEMA_TEST_DATABASE_URL=postgres://…"]
async fn tx_a_commit_is_refused(mut tx: TestTransaction) {
    sqlx::query("INSERT INTO todos (id, title) VALUES (999, 'kept?')")
        .execute(&mut *tx)
        .await
        .expect("insert");
    let err = sqlx::raw_sql("COMMIT")
        .execute(&mut *tx)
        .await
        .expect_err("commit");
    assert!(
        err.to_string().contains("transaction mode cannot commit"),
        "{err}"
    );
}
