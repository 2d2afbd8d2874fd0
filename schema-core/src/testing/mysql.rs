//! MySQL/MariaDB: no database rename and no template databases, so the template is built
//! in place (complete once it has its marker table) and copied table by table.

use super::*;
use crate::backend::{Backend, MySql};

/// A name in backquotes.
fn q(name: &str) -> String {
    MySql::quote_ident(name)
}

impl TestServer for MySql {
    async fn create_on(conn: &mut Conn, new: &NewDatabase<'_>) -> Result<(), TestDbError> {
        let (server, template, name) = (new.server, new.template, new.name);
        if !complete(conn, server, template).await? {
            lock(conn, server).await?;
            let built = build(conn, new).await;
            let _ = conn
                .execute(&format!("DO RELEASE_LOCK('{MYSQL_LOCK}')"))
                .await;
            built?;
        }
        // Before the copy exists: nothing to drop when refused.
        refuse_uncopied(conn, server, template).await?;
        let what = format!("creating the test database `{name}`");
        crate::backend::create_database(conn, name)
            .await
            .map_err(|e| db_error(server, &what, e))?;
        if let Err(e) = copy_tables(conn, server, template, name).await {
            let _ = drop_database(conn, server, name).await;
            return Err(e);
        }
        Ok(())
    }

    async fn drop_test(conn: &mut Conn, url: &DatabaseUrl, name: &str) -> Result<(), TestDbError> {
        drop_database(conn, url, name).await
    }
}

/// `GET_LOCK` waits at most 60 s a call; try again until [`LOCK_WAIT`].
async fn lock(conn: &mut Conn, server: &DatabaseUrl) -> Result<(), TestDbError> {
    let deadline = Instant::now() + LOCK_WAIT;
    let sql = format!("SELECT CAST(COALESCE(GET_LOCK('{MYSQL_LOCK}', 60), 0) AS CHAR)");
    loop {
        let rows = texts(conn, &sql, &[])
            .await
            .map_err(|e| query_error(server, "taking the template lock", &e))?;
        if rows.first().and_then(|r| r.first()).map(String::as_str) == Some("1") {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(TestDbError::LockTimeout {
                server: server.redacted(),
                seconds: LOCK_WAIT.as_secs(),
            });
        }
    }
}

/// Whether the template exists and was finished (has its marker table).
async fn complete(
    conn: &mut Conn,
    server: &DatabaseUrl,
    template: &str,
) -> Result<bool, TestDbError> {
    let sql = "SELECT table_name FROM information_schema.tables \
               WHERE table_schema = ? AND table_name = ?";
    template_found(conn, server, sql, &[template, MARKER_TABLE]).await
}

async fn build(conn: &mut Conn, new: &NewDatabase<'_>) -> Result<(), TestDbError> {
    let (migrator, server, template, app) = (new.migrator, new.server, new.template, new.app);
    if complete(conn, server, template).await? {
        return Ok(());
    }
    // What is there is the remains of a crashed build.
    drop_database(conn, server, template).await?;
    let what = format!("creating the template database `{template}`");
    crate::backend::create_database(conn, template)
        .await
        .map_err(|e| db_error(server, &what, e))?;
    let url = server.with_database(template)?;
    if let Err(e) = migrator.run(url.secret()).await {
        let _ = drop_database(conn, server, template).await;
        return Err(migrate_error(&Server::Db(server.clone()), template, e));
    }
    let what = format!("marking the template database `{template}` complete");
    let sql = format!(
        "CREATE TABLE {}.{} AS SELECT '{app}' AS app",
        q(template),
        q(MARKER_TABLE)
    );
    run(conn, server, &what, &sql).await?;
    remove_stale(conn, template, app).await;
    Ok(())
}

/// Drops this application's other templates and unfinished ones (no one else is
/// building: this process holds the lock); any that fails to drop is kept.
async fn remove_stale(conn: &mut Conn, template: &str, app: &str) {
    let sql = "SELECT schema_name FROM information_schema.schemata \
               WHERE schema_name LIKE 'cs!_tpl!_%' ESCAPE '!'";
    let Ok(rows) = texts(conn, sql, &[]).await else {
        return;
    };
    // Never wait long behind a test that is copying an old template.
    if conn
        .execute("SET SESSION lock_wait_timeout = 5")
        .await
        .is_err()
    {
        return;
    }
    for row in rows {
        let name = &row[0];
        // The templates of the same revisions (at head and at other revisions) stay.
        if at::same_revisions(name, template) {
            continue;
        }
        let sql = format!("SELECT app FROM {}.{}", q(name), q(MARKER_TABLE));
        let owner = texts(conn, &sql, &[]).await.ok();
        let finished_by = owner
            .as_ref()
            .and_then(|r| r.first())
            .and_then(|r| r.first());
        if finished_by.is_none_or(|a| a == app) {
            let _ = crate::backend::drop_database(conn, name, false).await;
        }
    }
}

/// Copies the template's base tables (definitions as `SHOW CREATE TABLE` gives them,
/// which keeps foreign keys that `CREATE TABLE … LIKE` would lose, and rows) into `name`.
async fn copy_tables(
    conn: &mut Conn,
    server: &DatabaseUrl,
    template: &str,
    name: &str,
) -> Result<(), TestDbError> {
    let what = format!("reading the tables of the template `{template}`");
    let sql = "SELECT table_name FROM information_schema.tables \
               WHERE table_schema = ? AND table_type = 'BASE TABLE' AND table_name <> ? \
               ORDER BY table_name";
    let tables = texts(conn, sql, &[template, MARKER_TABLE])
        .await
        .map_err(|e| query_error(server, &what, &e))?;
    if tables.is_empty() {
        return Ok(());
    }
    // Generated columns are computed again, not inserted.
    let sql = "SELECT table_name, column_name FROM information_schema.columns \
               WHERE table_schema = ? AND COALESCE(generation_expression, '') = '' \
               ORDER BY table_name, ordinal_position";
    let columns = texts(conn, sql, &[template])
        .await
        .map_err(|e| query_error(server, &what, &e))?;
    let show: String = tables
        .iter()
        .map(|t| format!("SHOW CREATE TABLE {}.{};\n", q(template), q(&t[0])))
        .collect();
    let created = texts(conn, &show, &[])
        .await
        .map_err(|e| query_error(server, &what, &e))?;
    let mut batch = format!(
        "USE {};\nSET FOREIGN_KEY_CHECKS = 0;\nSET UNIQUE_CHECKS = 0;\n\
         SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'NO_AUTO_VALUE_ON_ZERO');\n",
        q(name)
    );
    for row in &created {
        batch.push_str(&row[1]);
        batch.push_str(";\n");
    }
    for t in &tables {
        let table = &t[0];
        let cols: Vec<String> = columns
            .iter()
            .filter(|c| c[0] == *table)
            .map(|c| q(&c[1]))
            .collect();
        let cols = cols.join(", ");
        batch.push_str(&format!(
            "INSERT INTO {} ({cols}) SELECT {cols} FROM {}.{};\n",
            q(table),
            q(template),
            q(table)
        ));
    }
    batch.push_str("SET FOREIGN_KEY_CHECKS = 1;\nSET UNIQUE_CHECKS = 1;\n");
    let what = format!("copying the template `{template}` into `{name}`");
    run(conn, server, &what, &batch).await
}

/// Refuses a template with views, triggers, routines or events: the copy takes base tables
/// only, and a test must not run on a database that silently lacks them.
async fn refuse_uncopied(
    conn: &mut Conn,
    server: &DatabaseUrl,
    template: &str,
) -> Result<(), TestDbError> {
    let sql = "SELECT 'view', table_name FROM information_schema.views WHERE table_schema = ? \
               UNION ALL SELECT 'trigger', trigger_name FROM information_schema.triggers \
               WHERE trigger_schema = ? \
               UNION ALL SELECT LOWER(routine_type), routine_name FROM information_schema.routines \
               WHERE routine_schema = ? \
               UNION ALL SELECT 'event', event_name FROM information_schema.events \
               WHERE event_schema = ? \
               ORDER BY 1, 2";
    let what = format!("reading the views, triggers and routines of the template `{template}`");
    let rows = texts(conn, sql, &[template, template, template, template])
        .await
        .map_err(|e| query_error(server, &what, &e))?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut kinds: Vec<(String, Vec<String>)> = Vec::new();
    for row in rows {
        let (kind, name) = (&row[0], format!("`{}`", row[1]));
        match kinds.iter_mut().find(|(k, _)| k == kind) {
            Some((_, names)) => names.push(name),
            None => kinds.push((kind.clone(), vec![name])),
        }
    }
    let objects: Vec<String> = kinds
        .iter()
        .map(|(kind, names)| {
            let plural = if names.len() == 1 { "" } else { "s" };
            format!("the {kind}{plural} {}", names.join(", "))
        })
        .collect();
    Err(TestDbError::NotCopied {
        template: template.to_string(),
        objects: objects.join(", "),
    })
}

pub(super) async fn drop_database(
    conn: &mut Conn,
    server: &DatabaseUrl,
    name: &str,
) -> Result<(), TestDbError> {
    let what = format!("dropping the database `{name}`");
    crate::backend::drop_database(conn, name, false)
        .await
        .map_err(|e| db_error(server, &what, e))
}
