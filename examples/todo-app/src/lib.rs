//! A todo list whose schema is managed with cargo-schema: the binary applies the pending
//! revisions on start-up ([`migrate`]), then works with plain sqlx queries.

use sqlx::Row;
use sqlx::pool::PoolOptions;

/// The revision files under `migrations/`, embedded at compile time.
pub static MIGRATIONS: &[(&str, &str)] = schema_core::embed!();

/// The database the app uses without `DATABASE_URL`: `todo.db` beside the app's Cargo.toml.
pub fn default_database_url() -> String {
    format!("sqlite://{}/todo.db", env!("CARGO_MANIFEST_DIR"))
}

/// Applies the pending revisions (up to the single head; several heads refuse to start).
/// Returns the ids of the revisions applied.
pub async fn migrate(url: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let migrator = schema_core::Migrator::from_embedded(MIGRATIONS)?;
    let report = migrator.run(url).await?;
    Ok(report
        .steps
        .iter()
        .map(|(id, _, _)| id.to_string())
        .collect())
}

/// A todo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Todo {
    pub id: i64,
    pub title: String,
    pub done: bool,
}

/// A connection pool to SQLite or PostgreSQL (the SQL below is written for both).
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Store {
    pub async fn connect(url: &str) -> Result<Store, sqlx::Error> {
        if url.starts_with("sqlite:") {
            let pool = PoolOptions::new().max_connections(4).connect(url).await?;
            Ok(Store::Sqlite(pool))
        } else {
            let pool = PoolOptions::new().max_connections(4).connect(url).await?;
            Ok(Store::Postgres(pool))
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(p) => p.close().await,
            Store::Postgres(p) => p.close().await,
        }
    }
}

/// Adds an open todo and returns its id.
pub async fn add_todo(store: &Store, title: &str) -> Result<i64, sqlx::Error> {
    // Ids are assigned here rather than by the database, so that one revision serves SQLite
    // (INTEGER PRIMARY KEY) and PostgreSQL (no SERIAL in portable SQL).
    const SQL: &str = "INSERT INTO todos (id, title) \
                       SELECT COALESCE(MAX(id), 0) + 1, $1 FROM todos RETURNING id";
    let row = match store {
        Store::Sqlite(p) => sqlx::query(SQL)
            .bind(title)
            .fetch_one(p)
            .await?
            .try_get(0)?,
        Store::Postgres(p) => {
            let id: i32 = sqlx::query(SQL)
                .bind(title)
                .fetch_one(p)
                .await?
                .try_get(0)?;
            i64::from(id)
        }
    };
    Ok(row)
}

/// Marks a todo done; `false` when there is no such todo.
pub async fn complete_todo(store: &Store, id: i64) -> Result<bool, sqlx::Error> {
    const SQL: &str =
        "UPDATE todos SET done = TRUE, completed_at = CURRENT_TIMESTAMP WHERE id = $1";
    let affected = match store {
        Store::Sqlite(p) => sqlx::query(SQL).bind(id).execute(p).await?.rows_affected(),
        Store::Postgres(p) => {
            let id = i32::try_from(id).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            sqlx::query(SQL).bind(id).execute(p).await?.rows_affected()
        }
    };
    Ok(affected == 1)
}

/// Every todo, oldest first.
pub async fn list_todos(store: &Store) -> Result<Vec<Todo>, sqlx::Error> {
    const SQL: &str = "SELECT id, title, done FROM todos ORDER BY id";
    let rows: Vec<(i64, String, bool)> = match store {
        Store::Sqlite(p) => sqlx::query_as(SQL).fetch_all(p).await?,
        // PostgreSQL's INTEGER is 32 bits.
        Store::Postgres(p) => sqlx::query_as::<_, (i32, String, bool)>(SQL)
            .fetch_all(p)
            .await?
            .into_iter()
            .map(|(id, title, done)| (i64::from(id), title, done))
            .collect(),
    };
    Ok(rows
        .into_iter()
        .map(|(id, title, done)| Todo { id, title, done })
        .collect())
}
