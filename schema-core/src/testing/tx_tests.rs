//! Transaction mode against the PostgreSQL server of the test machine.

use sqlx::Connection;

use super::at_tests::steps_migrator;
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

/// The shared database at `target`, seen from outside any test's transaction.
async fn shared_at_rows(m: &Migrator, target: &str, sql: &str) -> Vec<String> {
    let url = DatabaseUrl::parse(PG, UrlSource::Flag).expect("url");
    let name = TestTransaction::shared_name_at(m, target).expect("name");
    let shared = url.with_database(&name).expect("url");
    query(shared.secret(), sql).await
}

async fn texts_of(tx: &mut TestTransaction, sql: &str) -> Vec<String> {
    sqlx::query_scalar(AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut **tx)
        .await
        .expect(sql)
}

/// What the shared database at `_a` holds, from outside: the version table and the columns
/// of `todos` (so a step that leaked out of the test's transaction shows).
async fn untouched(m: &Migrator, at: &str, ids: &str) {
    let version = shared_at_rows(
        m,
        at,
        "SELECT revision FROM schema_version ORDER BY revision",
    )
    .await;
    assert_eq!(version, [format!("{ids}_a")]);
    let columns = shared_at_rows(
        m,
        at,
        "SELECT column_name::text FROM information_schema.columns \
         WHERE table_name = 'todos' ORDER BY column_name",
    )
    .await;
    assert_eq!(columns, ["completed_at", "id", "title"]);
    let rows = shared_at_rows(m, at, "SELECT title FROM todos").await;
    assert!(rows.is_empty(), "{rows:?}");
}

/// `steps_migrator`'s revisions under `base`, the revision `{ids}_{rev}`, and the guard that
/// drops its template; `None` when PostgreSQL does not answer.
async fn steps_at(base: &str, rev: &str) -> Option<(Migrator, String, String, TestDatabase)> {
    if !reachable(PG).await {
        return None;
    }
    let (m, ids) = steps_migrator(PG, base, "");
    let at = format!("{ids}_{rev}");
    let tpl = TestDatabase::template_name_at(&m, &at).expect("name");
    let guard = template_guard(PG, &tpl);
    Some((m, ids, at, guard))
}

#[tokio::test]
async fn transaction_mode_at_a_revision_steps_inside_the_transaction() {
    let Some((m, ids, at, guard)) = steps_at("txat", "a").await else {
        return;
    };

    let mut tx = TestDatabase::builder(&m)
        .at(&at)
        .transaction(PG)
        .await
        .expect("at a");
    // The template at the revision's `_tx` copy.
    assert_eq!(tx.database(), format!("{}_tx", guard.name));
    assert_eq!(
        TestTransaction::shared_name_at(&m, &at).expect("name"),
        tx.database()
    );
    assert_eq!(tx.applied().await.expect("applied"), [at.as_str()]);
    sqlx::raw_sql(
        "INSERT INTO todos (id, title, completed_at) VALUES (1, 'open', NULL); \
         INSERT INTO todos (id, title, completed_at) VALUES (2, 'closed', '2026-12-01')",
    )
    .execute(&mut *tx)
    .await
    .expect("rows before");
    let report = tx.up_one().await.expect("up one");
    assert_eq!(report.steps[0].0, format!("{ids}_b"));
    let select = "SELECT id || ':' || done FROM todos ORDER BY id";
    assert_eq!(texts_of(&mut tx, select).await, ["1:0", "2:1"]);
    tx.down_one().await.expect("down one");
    assert_eq!(
        texts_of(&mut tx, "SELECT title FROM todos ORDER BY id").await,
        ["open", "closed"]
    );
    let report = tx.up_to("head").await.expect("up to head");
    assert_eq!(report.steps.len(), 2);
    assert_eq!(tx.applied().await.expect("applied").len(), 3);
    assert_eq!(texts_of(&mut tx, select).await, ["1:0", "2:1"]);
    tx.down_to("base").await.expect("down to base");
    assert!(tx.applied().await.expect("applied").is_empty());
    tx.rollback().await.expect("rollback");
    // Every step went with the test's transaction.
    untouched(&m, &at, &ids).await;

    // The next test at the same revision starts from the revision again; the shorthand.
    let mut tx = TestTransaction::at(&m, PG, &at).await.expect("again");
    assert_eq!(tx.applied().await.expect("applied"), [at.as_str()]);
    tx.up_one().await.expect("up one");
    drop(tx); // a test that panics: the server rolls it back
    untouched(&m, &at, &ids).await;

    // Dropping the template takes its shared database with it.
    let shared = TestTransaction::shared_name_at(&m, &at).expect("name");
    drop(guard);
    assert!(!exists(PG, &shared).await, "{shared} left behind");
}

#[tokio::test]
async fn transaction_mode_at_a_revision_a_failing_step_is_undone_and_the_test_goes_on() {
    let Some((m, ids, at, _guard)) = steps_at("txfail", "b").await else {
        return;
    };
    let mut tx = TestTransaction::at(&m, PG, &at).await.expect("at b");
    sqlx::raw_sql(
        "INSERT INTO todos (id, title) VALUES (1, 'twice'); \
         INSERT INTO todos (id, title) VALUES (2, 'twice')",
    )
    .execute(&mut *tx)
    .await
    .expect("rows");
    let err = tx.up_one().await.expect_err("duplicate titles");
    let MigrateError::Statement(failure) = &err else {
        panic!("a statement error, not {err:?}");
    };
    assert_eq!(failure.revision, format!("{ids}_c"));
    assert!(err.to_string().starts_with("c.sql:4: "), "{err}");
    assert!(failure.message.contains("unique"), "{}", failure.message);
    // The step's savepoint was rolled back: the transaction is usable, the rows are there.
    assert_eq!(tx.applied().await.expect("applied").len(), 2);
    assert_eq!(
        texts_of(&mut tx, "SELECT title FROM todos ORDER BY id").await,
        ["twice", "twice"]
    );
    sqlx::query("UPDATE todos SET title = 'once' WHERE id = 2")
        .execute(&mut *tx)
        .await
        .expect("fix the data");
    tx.up_one().await.expect("now it applies");
    tx.rollback().await.expect("rollback");
}

#[tokio::test]
async fn transaction_mode_at_a_revision_refuses_a_step_outside_a_transaction() {
    if !reachable(PG).await {
        return;
    }
    let base = format!("txnotx_{}", std::process::id());
    let a = format!(
        "-- revision: {base}_a\n-- migrate:up\nCREATE TABLE t (id INTEGER);\n\
         -- migrate:down\nDROP TABLE t;\n"
    );
    let b = format!(
        "-- revision: {base}_b\n-- revises: {base}_a\n-- migrate:up transaction:false\n\
         CREATE INDEX CONCURRENTLY t_id ON t (id);\n\
         -- migrate:down\nDROP INDEX CONCURRENTLY t_id;\n"
    );
    let m = Migrator::from_embedded(&[("a.sql", &a), ("b.sql", &b)]).expect("valid");
    let at = format!("{base}_a");
    let tpl = TestDatabase::template_name_at(&m, &at).expect("name");
    let _guard = template_guard(PG, &tpl);
    let mut tx = TestTransaction::at(&m, PG, &at).await.expect("at a");
    let err = tx.up_one().await.expect_err("refused");
    let message = err.to_string();
    assert!(
        matches!(&err, MigrateError::Section(s)
            if s.problem == crate::migrate::SectionProblem::OutsideTransaction),
        "{err:?}"
    );
    assert!(message.starts_with("b.sql:3: "), "{message}");
    assert!(message.contains("use a database per test"), "{message}");
    // Nothing ran; the transaction goes on.
    assert_eq!(tx.applied().await.expect("applied"), [at.as_str()]);
    tx.rollback().await.expect("rollback");
    // A database per test steps through it.
    let db = TestDatabase::at(&m, PG, &at).await.expect("clone");
    db.up_one().await.expect("outside a transaction");
}

#[tokio::test]
async fn transaction_mode_at_a_revision_cannot_commit_and_bad_targets_are_named() {
    let Some((m, ids, at, _guard)) = steps_at("txatcommit", "a").await else {
        return;
    };
    let mut tx = TestTransaction::at(&m, PG, &at).await.expect("at a");
    tx.up_one().await.expect("up one");
    let err = sqlx::raw_sql("COMMIT")
        .execute(&mut *tx)
        .await
        .expect_err("commit must fail");
    assert!(
        database_message(&err).contains("transaction mode cannot commit"),
        "{err}"
    );
    let ended = tx.rollback().await.expect_err("ended");
    assert!(
        matches!(ended, TestDbError::TransactionEnded { .. }),
        "{ended}"
    );
    untouched(&m, &at, &ids).await;

    let err = TestTransaction::at(&m, PG, "nosuchrev")
        .await
        .expect_err("no such");
    assert!(
        matches!(err, TestDbError::Target { .. }) && err.to_string().contains("`nosuchrev`"),
        "{err}"
    );
    let err = TestTransaction::at(&m, PG, &format!("{ids}_"))
        .await
        .expect_err("ambiguous");
    for rev in ["a", "b", "c"] {
        assert!(err.to_string().contains(&format!("{ids}_{rev}")), "{err}");
    }
}
