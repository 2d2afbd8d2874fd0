//! A database at a revision, steps, and the bad input: on SQLite always, on PostgreSQL when
//! it answers (a failure in CI).

use super::tests::{MY, PG, reachable};
use super::*;

/// Three revisions: `todos`, then `done` backfilled from `completed_at` (a data migration;
/// its down keeps `completed_at`, so up again restores `done`), then a unique index on
/// `title` (which refuses duplicate titles). Ids carry the process id. `server` says how
/// the index is dropped (MySQL names its table).
pub(super) fn steps_migrator(server: &str, base: &str, extra: &str) -> (Migrator, String) {
    let on = if server.starts_with("mysql") {
        " ON todos"
    } else {
        ""
    };
    let base = format!("{base}_{}", std::process::id());
    let a = format!(
        "-- revision: {base}_a\n-- migrate:up\n\
         CREATE TABLE todos (id INTEGER NOT NULL PRIMARY KEY, title VARCHAR(40) NOT NULL, \
         completed_at VARCHAR(40));\n{extra}\n\
         -- migrate:down\nDROP TABLE todos;\n"
    );
    let b = format!(
        "-- revision: {base}_b\n-- revises: {base}_a\n-- migrate:up\n\
         ALTER TABLE todos ADD COLUMN done INTEGER NOT NULL DEFAULT 0;\n\
         UPDATE todos SET done = 1 WHERE completed_at IS NOT NULL;\n\
         -- migrate:down\nALTER TABLE todos DROP COLUMN done;\n"
    );
    let c = format!(
        "-- revision: {base}_c\n-- revises: {base}_b\n-- migrate:up\n\
         CREATE UNIQUE INDEX todos_title ON todos (title);\n\
         -- migrate:down\nDROP INDEX todos_title{on};\n"
    );
    let m = Migrator::from_embedded(&[("a.sql", &a), ("b.sql", &b), ("c.sql", &c)])
        .expect("valid revisions");
    (m, base)
}

async fn exec(url: &str, sql: &str) {
    let url = DatabaseUrl::parse(url, UrlSource::Flag).expect("url");
    let mut conn = Conn::connect(&url).await.expect("connect");
    conn.execute(sql).await.expect(sql);
    conn.close().await;
}

async fn rows(url: &str, sql: &str) -> Vec<Vec<String>> {
    let url = DatabaseUrl::parse(url, UrlSource::Flag).expect("url");
    let mut conn = Conn::connect(&url).await.expect("connect");
    let rows = texts(&mut conn, sql, &[]).await.expect(sql);
    conn.close().await;
    rows
}

async fn exists(server: &str, name: &str) -> bool {
    match Server::parse(server).expect("server") {
        Server::Sqlite(dir) => dir.join(format!("{name}.db")).exists(),
        Server::Db(url) if url.dialect == crate::backend::Dialect::MySql => {
            let sql = format!(
                "SELECT schema_name FROM information_schema.schemata WHERE schema_name = '{name}'"
            );
            !rows(url.secret(), &sql).await.is_empty()
        }
        Server::Db(url) => {
            let sql = format!("SELECT datname::text FROM pg_database WHERE datname = '{name}'");
            !rows(url.secret(), &sql).await.is_empty()
        }
    }
}

async fn drop_templates(server: &str, names: &[&str]) {
    let server = Server::parse(server).expect("server");
    for name in names {
        let _ = drop_named(&server, name).await;
    }
}

/// At a prefix of the first revision: rows in, the data migration, rows out; down restores
/// what up derived; a second database at the same revision reuses the template.
async fn at_then_steps(server: &str, base: &str) {
    let (m, ids) = steps_migrator(server, base, "");
    let tpl_a = TestDatabase::template_name_at(&m, &format!("{ids}_a")).expect("name");
    let tpl_b = TestDatabase::template_name_at(&m, &format!("{ids}_c-1")).expect("name");
    let head = TestDatabase::template_name(&m);
    assert!(
        tpl_a.starts_with(&head) && tpl_a != tpl_b,
        "{tpl_a} {tpl_b}"
    );
    assert_eq!(
        tpl_b,
        TestDatabase::template_name_at(&m, "head-1").expect("name")
    );

    let db = TestDatabase::at(&m, server, &format!("{ids}_a"))
        .await
        .expect("at a");
    assert_eq!(db.applied().await.expect("applied"), [format!("{ids}_a")]);
    exec(
        db.url(),
        "INSERT INTO todos (id, title, completed_at) VALUES (1, 'open', NULL); \
         INSERT INTO todos (id, title, completed_at) VALUES (2, 'closed', '2026-12-01')",
    )
    .await;
    let report = db.up_one().await.expect("up one");
    assert_eq!(report.steps.len(), 1);
    assert_eq!(report.steps[0].0, format!("{ids}_b"));
    let select = if server.starts_with("mysql") {
        "SELECT CAST(id AS CHAR), CAST(done AS CHAR) FROM todos ORDER BY id"
    } else {
        "SELECT CAST(id AS TEXT), CAST(done AS TEXT) FROM todos ORDER BY id"
    };
    assert_eq!(rows(db.url(), select).await, [["1", "0"], ["2", "1"]]);

    // Down drops `done` and keeps the rows; up again derives it as before.
    let report = db.down_one().await.expect("down one");
    assert_eq!(report.steps[0].0, format!("{ids}_b"));
    assert_eq!(
        rows(db.url(), "SELECT title FROM todos ORDER BY id").await,
        [["open"], ["closed"]]
    );
    db.up_to("head").await.expect("up to head");
    assert_eq!(rows(db.url(), select).await, [["1", "0"], ["2", "1"]]);
    db.down_to("base").await.expect("down to base");
    assert!(db.applied().await.expect("applied").is_empty());

    // Another database at the same revision: the same template, its own rows.
    let other = TestDatabase::builder(&m)
        .at(&format!("{ids}_a"))
        .create(server)
        .await
        .expect("at a again");
    assert!(
        rows(other.url(), "SELECT title FROM todos")
            .await
            .is_empty(),
        "a clone holds no other test's rows"
    );
    // At head-1 and at head beside it: every template of these revisions is kept.
    let at_b = TestDatabase::at(&m, server, "head-1")
        .await
        .expect("head-1");
    assert_eq!(at_b.applied().await.expect("applied").len(), 2);
    let at_head = TestDatabase::new(&m, server).await.expect("head");
    for tpl in [&tpl_a, &tpl_b, &head] {
        assert!(exists(server, tpl).await, "{tpl} kept");
    }

    // An edited revision: new templates, and this application's stale ones dropped.
    let (edited, _) = steps_migrator(server, base, "CREATE TABLE extra (id INTEGER);");
    let fresh = TestDatabase::at(&edited, server, &format!("{ids}_a"))
        .await
        .expect("edited");
    let tpl_new = TestDatabase::template_name_at(&edited, &format!("{ids}_a")).expect("name");
    assert!(exists(server, &tpl_new).await);
    for tpl in [&tpl_a, &tpl_b, &head] {
        assert!(!exists(server, tpl).await, "{tpl} stale and dropped");
    }

    let names: Vec<String> = [&db, &other, &at_b, &at_head, &fresh]
        .iter()
        .map(|d| d.name().to_string())
        .collect();
    drop((db, other, at_b, at_head, fresh));
    for name in names {
        assert!(!exists(server, &name).await, "{name} dropped");
    }
    drop_templates(server, &[&tpl_a, &tpl_b, &head, &tpl_new]).await;
}

/// A target that does not resolve is an error at set-up that names it (and the candidates
/// of an ambiguous prefix); nothing is made.
async fn bad_targets(server: &str, base: &str) {
    let (m, ids) = steps_migrator(server, base, "");
    let err = TestDatabase::at(&m, server, "nosuchrev")
        .await
        .expect_err("no such");
    assert!(matches!(err, TestDbError::Target { .. }), "{err:?}");
    assert!(err.to_string().contains("`nosuchrev`"), "{err}");
    let err = TestDatabase::at(&m, server, &format!("{ids}_"))
        .await
        .expect_err("ambiguous");
    let message = err.to_string();
    for rev in ["a", "b", "c"] {
        assert!(message.contains(&format!("{ids}_{rev}")), "{message}");
    }
    let err = TestDatabase::at(&m, server, "bad target!")
        .await
        .expect_err("syntax");
    assert!(err.to_string().contains("`bad target!`"), "{err}");
    let head = TestDatabase::template_name(&m);
    assert!(!exists(server, &head).await);
}

/// A step that fails gives the revision's error (file:line, the database's message); the
/// database is dropped all the same, also when the test panics.
async fn failing_step_and_panic(server: &str, base: &str) {
    let (m, ids) = steps_migrator(server, base, "");
    let db = TestDatabase::at(&m, server, &format!("{ids}_b"))
        .await
        .expect("at b");
    exec(
        db.url(),
        "INSERT INTO todos (id, title) VALUES (1, 'twice'); \
         INSERT INTO todos (id, title) VALUES (2, 'twice')",
    )
    .await;
    let err = db.up_one().await.expect_err("duplicate titles");
    let MigrateError::Statement(failure) = &err else {
        panic!("a statement error, not {err:?}");
    };
    assert_eq!(failure.revision, format!("{ids}_c"));
    assert_eq!(failure.line, 4);
    assert!(err.to_string().starts_with("c.sql:4: "), "{err}");
    let message = failure.message.to_lowercase();
    assert!(
        message.contains("unique") || message.contains("duplicate"),
        "{message}"
    );
    // Nothing of it stays applied.
    assert_eq!(db.applied().await.expect("applied").len(), 2);
    let name = db.name().to_string();
    drop(db);
    assert!(!exists(server, &name).await);

    // A test that panics: its database goes as the stack unwinds.
    let (tx, rx) = std::sync::mpsc::channel();
    let (m2, server2, at) = (m.clone(), server.to_string(), format!("{ids}_a"));
    let panicked = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let db = TestDatabase::at(&m2, &server2, &at).await.expect("at a");
            tx.send(db.name().to_string()).expect("send");
            panic!("the test fails");
        })
    })
    .join();
    assert!(panicked.is_err());
    let name = rx.recv().expect("name");
    assert!(!exists(server, &name).await, "{name} dropped after a panic");

    let tpl_a = TestDatabase::template_name_at(&m, &format!("{ids}_a")).expect("name");
    let tpl_b = TestDatabase::template_name_at(&m, &format!("{ids}_b")).expect("name");
    drop_templates(server, &[&tpl_a, &tpl_b]).await;
}

fn sqlite_server(dir: &Path) -> String {
    format!("sqlite://{}", dir.display())
}

#[tokio::test]
async fn sqlite_a_database_at_a_revision_then_steps() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = sqlite_server(&dir.path().join("dbs"));
    at_then_steps(&server, "at_sq").await;
    let left: Vec<_> = std::fs::read_dir(dir.path().join("dbs"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, [LOCK_FILE]);
}

#[tokio::test]
async fn sqlite_a_target_that_does_not_resolve_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    bad_targets(&sqlite_server(dir.path()), "bad_sq").await;
}

#[tokio::test]
async fn sqlite_a_failing_step_gives_the_revisions_error_and_the_database_goes() {
    let dir = tempfile::tempdir().expect("tempdir");
    failing_step_and_panic(&sqlite_server(dir.path()), "fail_sq").await;
}

/// Each scenario as a test on a server, run when the server answers (a visible skip, or a
/// failure in CI).
macro_rules! on_server {
    ($($test:ident: $scenario:ident($server:expr, $base:literal);)*) => {$(
        #[tokio::test]
        async fn $test() {
            if reachable($server).await {
                $scenario($server, $base).await;
            }
        }
    )*};
}

on_server! {
    postgres_a_database_at_a_revision_then_steps: at_then_steps(PG, "at_pg");
    postgres_a_target_that_does_not_resolve_is_an_error_naming_it: bad_targets(PG, "bad_pg");
    postgres_a_failing_step_gives_the_revisions_error_and_the_database_goes:
        failing_step_and_panic(PG, "fail_pg");
    mysql_a_database_at_a_revision_then_steps: at_then_steps(MY, "at_my");
    mysql_a_target_that_does_not_resolve_is_an_error_naming_it: bad_targets(MY, "bad_my");
    mysql_a_failing_step_gives_the_revisions_error_and_the_database_goes:
        failing_step_and_panic(MY, "fail_my");
}

#[test]
fn a_test_database_can_move_between_threads() {
    fn send<T: Send + Sync>() {}
    send::<TestDatabase>();
    send::<Migrator>();
}

#[tokio::test]
async fn sqlite_at_a_branch_head_then_the_other_branch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = sqlite_server(dir.path());
    let base = format!("br_{}", std::process::id());
    let a = format!(
        "-- revision: {base}_a\n-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n"
    );
    let x = format!(
        "-- revision: {base}_x\n-- revises: {base}_a\n-- branch-labels: auth\n-- migrate:up\n\
         CREATE TABLE x (id INTEGER);\n-- migrate:down\nDROP TABLE x;\n"
    );
    let b = format!(
        "-- revision: {base}_b\n-- revises: {base}_a\n-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n"
    );
    let m = Migrator::from_embedded(&[("a.sql", &a), ("x.sql", &x), ("b.sql", &b)])
        .expect("valid revisions");
    let db = TestDatabase::at(&m, &server, "auth@head")
        .await
        .expect("auth@head");
    assert_eq!(
        db.applied().await.expect("applied"),
        [format!("{base}_a"), format!("{base}_x")]
    );
    // `head` is ambiguous with two heads: the runner's error, nothing changed.
    let err = db.up_to("head").await.expect_err("two heads");
    assert!(err.to_string().contains("multiple heads"), "{err}");
    db.up_to(&format!("{base}_b"))
        .await
        .expect("the other branch");
    assert_eq!(db.applied().await.expect("applied").len(), 3);
    let err = TestDatabase::at(&m, &server, "head")
        .await
        .expect_err("two heads");
    assert!(err.to_string().contains("multiple heads"), "{err}");
}
