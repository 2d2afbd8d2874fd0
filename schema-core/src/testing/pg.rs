//! PostgreSQL: templates renamed into place, clones by `CREATE DATABASE … TEMPLATE`.

use super::*;

/// The advisory lock (in the maintenance database) that serializes template builds.
fn lock_key() -> i64 {
    let digest = Sha256::digest(b"cargo-schema:test-templates");
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// The comment a template carries: which application it belongs to.
pub(super) fn comment(app: &str) -> String {
    format!("cargo-schema test template, app {app}")
}

impl TestServer for crate::backend::Postgres {
    async fn create_on(conn: &mut Conn, new: &NewDatabase<'_>) -> Result<(), TestDbError> {
        let (server, template, name) = (new.server, new.template, new.name);
        // A template exists only once complete (it is renamed into place): no lock needed.
        if !exists(conn, server, template).await? {
            lock(conn, server).await?;
            let built = build(conn, new).await;
            unlock(conn).await;
            built?;
            run(conn, server, "resetting lock_timeout", "RESET lock_timeout").await?;
        }
        let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
        if let Err(e) = conn.execute_while_in_use(&sql).await {
            let what =
                format!("creating the test database `{name}` from the template `{template}`");
            return Err(query_error(server, &what, &e));
        }
        Ok(())
    }

    /// A template goes with its keeper.
    async fn drop_test(conn: &mut Conn, url: &DatabaseUrl, name: &str) -> Result<(), TestDbError> {
        if name.starts_with(TEMPLATE_PREFIX) && !name.ends_with("_keep") {
            let _ = drop_database(conn, url, &keeper(name), true).await;
            let _ = drop_database(conn, url, &format!("{name}_tx"), true).await;
        }
        drop_database(conn, url, name, true).await
    }
}

/// Takes the cross-process lock under which templates are built (`pg_advisory_lock` in the
/// maintenance database), waiting at most [`LOCK_WAIT`].
pub(super) async fn lock(conn: &mut Conn, server: &DatabaseUrl) -> Result<(), TestDbError> {
    let seconds = LOCK_WAIT.as_secs();
    run(
        conn,
        server,
        "setting lock_timeout",
        &format!("SET lock_timeout = '{seconds}s'"),
    )
    .await?;
    let sql = format!("SELECT pg_advisory_lock({})", lock_key());
    if let Err(e) = conn.execute(&sql).await {
        let message = database_message(&e);
        return Err(if message.contains("lock timeout") {
            TestDbError::LockTimeout {
                server: server.redacted(),
                seconds,
            }
        } else {
            query_error(server, "taking the template lock", &e)
        });
    }
    Ok(())
}

/// Releases [`lock`]'s lock (best effort: it goes with the session anyway).
pub(super) async fn unlock(conn: &mut Conn) {
    let _ = conn
        .execute(&format!("SELECT pg_advisory_unlock({})", lock_key()))
        .await;
}

pub(super) async fn exists(
    conn: &mut Conn,
    server: &DatabaseUrl,
    name: &str,
) -> Result<bool, TestDbError> {
    let sql = "SELECT datname::text FROM pg_database WHERE datname = $1";
    template_found(conn, server, sql, &[name]).await
}

/// Builds the template under the lock, unless another process did meanwhile.
pub(super) async fn build(conn: &mut Conn, new: &NewDatabase<'_>) -> Result<(), TestDbError> {
    let (migrator, server, template, app) = (new.migrator, new.server, new.template, new.app);
    if exists(conn, server, template).await? {
        return Ok(());
    }
    let building = format!("{template}_building_{}", std::process::id());
    drop_database(conn, server, &building, true).await?;
    let what = format!("creating the template database `{building}`");
    crate::backend::create_database(conn, &building)
        .await
        .map_err(|e| db_error(server, &what, e))?;
    // Marked before it is filled, so that a crash leaves a database this application's
    // next build recognizes as its own and removes.
    let what = format!("marking the template database `{building}`");
    let sql = format!("COMMENT ON DATABASE \"{building}\" IS '{}'", comment(app));
    if let Err(e) = run(conn, server, &what, &sql).await {
        let _ = drop_database(conn, server, &building, true).await;
        return Err(e);
    }
    let url = server.with_database(&building)?;
    if let Err(e) = migrator.run(url.secret()).await {
        let _ = drop_database(conn, server, &building, true).await;
        return Err(migrate_error(&Server::Db(server.clone()), template, e));
    }
    // The migration's connection may still be closing on the server's side.
    let sql = format!("ALTER DATABASE \"{building}\" RENAME TO \"{template}\"");
    if let Err(e) = conn.execute_while_in_use(&sql).await {
        let _ = drop_database(conn, server, &building, true).await;
        let what = format!("renaming `{building}` to `{template}`");
        return Err(query_error(server, &what, &e));
    }
    keep(conn, template, app).await;
    remove_stale(conn, template, app).await;
    Ok(())
}

/// The name of the template's keeper: see [`keep`].
pub(super) fn keeper(template: &str) -> String {
    format!("{template}_keep")
}

/// Makes one clone of the template that no test uses and that lives as long as the
/// template. Measured on PostgreSQL 15: `CREATE DATABASE … TEMPLATE` of a 200-table
/// template takes ~0.5 s when no other copy of it exists and ~0.1 s while one does
/// (bench/testdb.sh), so each test's copy is five times cheaper with it. Best effort: a
/// failure only costs that speed.
async fn keep(conn: &mut Conn, template: &str, app: &str) {
    let keeper = keeper(template);
    let sql = format!("CREATE DATABASE \"{keeper}\" TEMPLATE \"{template}\"");
    if conn.execute(&sql).await.is_ok() {
        let sql = format!("COMMENT ON DATABASE \"{keeper}\" IS '{}'", comment(app));
        let _ = conn.execute(&sql).await;
    }
}

/// Drops this application's other templates, finished or left unfinished by a crashed
/// builder; any still in use (or otherwise failing to drop) is kept.
async fn remove_stale(conn: &mut Conn, template: &str, app: &str) {
    let sql = "SELECT datname::text, COALESCE(shobj_description(oid, 'pg_database'), '') \
               FROM pg_database WHERE datname LIKE 'cs!_tpl!_%' ESCAPE '!'";
    let Ok(rows) = texts(conn, sql, &[]).await else {
        return;
    };
    // Never wait behind a test that is copying an old template.
    if conn.execute("SET lock_timeout = '2s'").await.is_err() {
        return;
    }
    let ours = comment(app);
    // The templates of the same revisions (at head and at other revisions) and their keepers
    // stay; crashed builds (`_building_`) go.
    for row in rows {
        let (name, note) = (&row[0], &row[1]);
        if !at::same_revisions(name, template) && *note == ours {
            let _ = crate::backend::drop_database(conn, name, false).await;
        }
    }
}

pub(super) async fn drop_database(
    conn: &mut Conn,
    server: &DatabaseUrl,
    name: &str,
    force: bool,
) -> Result<(), TestDbError> {
    let what = format!("dropping the database `{name}`");
    crate::backend::drop_database(conn, name, force)
        .await
        .map_err(|e| db_error(server, &what, e))
}
