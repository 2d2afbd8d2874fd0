//! The "own rows" tests of `todos.rs` the `#[sqlx::test]` way, for comparison (BENCHMARKS.md):
//! each test creates an empty PostgreSQL database and replays every revision into it with the
//! app's own start-up path (`todo_app::migrate`), then drops it. Ignored by default; run them
//! with
//! `SCHEMA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo test -p todo-app --test todos_replay -- --ignored`.

use schema_core::db::{DatabaseUrl, UrlSource};
use sqlx::{Connection, Executor, PgConnection};

mod common;

/// A database made and migrated for one test, dropped when it goes out of scope (also when
/// the test panics). Named `cs_test_replay_…`, so CI's check for leftovers sees it.
struct Replayed {
    server: String,
    name: String,
    url: String,
}

impl Replayed {
    async fn new(test: &str) -> Replayed {
        let server = std::env::var("SCHEMA_TEST_DATABASE_URL").unwrap_or_default();
        assert!(
            server.starts_with("postgres"),
            "the replay tests need SCHEMA_TEST_DATABASE_URL=postgres://…/postgres"
        );
        let name = format!("cs_test_replay_{}_{test}", std::process::id());
        let mut conn = PgConnection::connect(&server).await.expect("connect");
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .await
            .expect("create database");
        conn.close().await.expect("close");
        // As the test databases' URLs: no TLS handshake to a local server.
        let parsed = DatabaseUrl::parse(&server, UrlSource::Flag).expect("server URL");
        let mut url = parsed
            .with_database(&name)
            .expect("URL")
            .secret()
            .to_string();
        if parsed.loopback_without_tls_setting() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str("sslmode=disable");
        }
        let db = Replayed { server, name, url };
        let applied = todo_app::migrate(&db.url).await.expect("replay");
        assert_eq!(applied.len(), 4);
        db
    }
}

impl Drop for Replayed {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async move {
                let mut conn = PgConnection::connect(&server)
                    .await
                    .map_err(|e| e.to_string())?;
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                conn.execute(sqlx::AssertSqlSafe(sql))
                    .await
                    .map_err(|e| e.to_string())?;
                conn.close().await.map_err(|e| e.to_string())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!(
                "could not drop the test database {}: {dropped:?}",
                self.name
            );
        }
    }
}

macro_rules! isolated {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        #[ignore = "the replay tests need SCHEMA_TEST_DATABASE_URL=postgres://…"]
        async fn $name() {
            let db = Replayed::new(stringify!($name)).await;
            // 1 to 5 rows, varying from test to test.
            common::sees_only_its_own_rows(&db.url, &db.name, stringify!($name).len() % 5 + 1).await;
        }
    )*};
}

isolated!(
    replay_own_rows_01,
    replay_own_rows_02,
    replay_own_rows_03,
    replay_own_rows_04,
    replay_own_rows_05,
    replay_own_rows_06,
    replay_own_rows_07,
    replay_own_rows_08,
    replay_own_rows_09,
    replay_own_rows_10,
    replay_own_rows_11,
    replay_own_rows_12,
    replay_own_rows_13,
    replay_own_rows_14,
    replay_own_rows_15,
    replay_own_rows_16,
    replay_own_rows_17,
    replay_own_rows_18,
    replay_own_rows_19,
    replay_own_rows_20,
);
