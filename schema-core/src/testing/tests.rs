use super::*;
use crate::db::Dialect;

pub(super) const PG: &str = "postgres://postgres@127.0.0.1/postgres";
pub(super) const MY: &str = "mysql://root@127.0.0.1/test";

/// Two revisions: `items` with a seeded row, then `tags` (a foreign key to `items`) with
/// a row labelled `seed`; `extra` goes at the end of the second. The ids carry the
/// process id, so that test runs at the same time (other checkouts, other sessions) have
/// templates of their own.
pub(super) fn migrator(base: &str, seed: &str, extra: &str) -> Migrator {
    let base = format!("{base}_{}", std::process::id());
    let a = format!(
        "-- revision: {base}_a\n-- migrate:up\n\
         CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL);\n\
         INSERT INTO items (id, name) VALUES (1, 'seeded');\n\
         -- migrate:down\nDROP TABLE items;\n"
    );
    let b = format!(
        "-- revision: {base}_b\n-- revises: {base}_a\n-- migrate:up\n\
         CREATE TABLE tags (id INTEGER NOT NULL PRIMARY KEY, item_id INTEGER NOT NULL, \
         label VARCHAR(40) NOT NULL, FOREIGN KEY (item_id) REFERENCES items (id));\n\
         INSERT INTO tags (id, item_id, label) VALUES (1, 1, '{seed}');\n{extra}\n\
         -- migrate:down\nDROP TABLE tags;\n"
    );
    Migrator::from_embedded(&[("a.sql", &a), ("b.sql", &b)]).expect("valid revisions")
}

pub(super) async fn query(url: &str, sql: &str) -> Vec<String> {
    let url = DatabaseUrl::parse(url, UrlSource::Flag).expect("url");
    let mut conn = Conn::connect(&url).await.expect("connect");
    let rows = texts(&mut conn, sql, &[]).await.expect(sql);
    conn.close().await;
    rows.into_iter().map(|mut r| r.swap_remove(0)).collect()
}

async fn statement(url: &str, sql: &str) -> Result<(), String> {
    let url = DatabaseUrl::parse(url, UrlSource::Flag).expect("url");
    let mut conn = Conn::connect(&url).await.expect("connect");
    let result = conn.execute(sql).await.map_err(|e| database_message(&e));
    conn.close().await;
    result
}

/// Whether a database (a file stem on SQLite) exists.
pub(super) async fn exists(server: &str, name: &str) -> bool {
    match Server::parse(server).expect("server") {
        Server::Sqlite(dir) => dir.join(format!("{name}.db")).exists(),
        Server::Db(url) => {
            let sql = match url.dialect {
                Dialect::Postgres => {
                    format!("SELECT datname::text FROM pg_database WHERE datname = '{name}'")
                }
                _ => format!(
                    "SELECT schema_name FROM information_schema.schemata WHERE schema_name = '{name}'"
                ),
            };
            !query(url.secret(), &sql).await.is_empty()
        }
    }
}

/// Drops a template when it goes out of scope, also when the test fails.
pub(super) fn template_guard(server: &str, name: &str) -> TestDatabase {
    TestDatabase {
        url: String::new(),
        name: name.to_string(),
        server: Server::parse(server).expect("server"),
        dropped: false,
        migrator: Migrator::new(Vec::new()).expect("no revisions"),
    }
}

async fn drop_template(server: &str, name: &str) {
    drop_named(&Server::parse(server).expect("server"), name)
        .await
        .expect("drop template");
}

/// Another app's test database on `server`: its template's name, the guard that drops the
/// template, and the database, which the test's own work must leave alone.
async fn another_app(server: &str, name: &str) -> (String, TestDatabase, TestDatabase) {
    let other = migrator(name, "v1", "");
    let tpl = TestDatabase::template_name(&other);
    let guard = template_guard(server, &tpl);
    let kept = TestDatabase::new(&other, server).await.expect("other app");
    (tpl, guard, kept)
}

/// Whether the server answers; when it does not, a visible skip, or a failure in CI.
pub(super) async fn reachable(server: &str) -> bool {
    let url = DatabaseUrl::parse(server, UrlSource::Flag).expect("url");
    crate::db::reachable_or_skip(&url).await
}

/// The shared scenario: one template for two tests, isolation, fixtures, a new template
/// for a changed revision, and nothing left after dropping.
async fn share_isolate_renew(server: &str, base: &str, extra: &str) {
    let m1 = migrator(base, "v1", extra);
    let tpl1 = TestDatabase::template_name(&m1);
    assert!(tpl1.starts_with(TEMPLATE_PREFIX) && tpl1.len() == TEMPLATE_PREFIX.len() + 16);
    let _g1 = template_guard(server, &tpl1);

    let db1 = TestDatabase::new(&m1, server).await.expect("first");
    let db2 = TestDatabase::new(&m1, server).await.expect("second");
    assert_ne!(db1.url(), db2.url());
    assert!(db1.name().starts_with(TEST_PREFIX) && db1.name().len() == TEST_PREFIX.len() + 12);
    assert!(exists(server, &tpl1).await, "template {tpl1}");
    for db in [&db1, &db2] {
        assert_eq!(query(db.url(), "SELECT name FROM items").await, ["seeded"]);
        assert_eq!(query(db.url(), "SELECT label FROM tags").await, ["v1"]);
        // The clone carries the version table: nothing is pending for the migrator.
        assert!(m1.plan(db.url()).await.expect("plan").is_empty());
    }

    statement(db1.url(), "INSERT INTO items (id, name) VALUES (2, 'mine')")
        .await
        .expect("insert");
    assert_eq!(
        query(db1.url(), "SELECT name FROM items ORDER BY id").await,
        ["seeded", "mine"]
    );
    assert_eq!(query(db2.url(), "SELECT name FROM items").await, ["seeded"]);
    // Foreign keys came along.
    let err = statement(
        db2.url(),
        "INSERT INTO tags (id, item_id, label) VALUES (9, 999, 'x')",
    )
    .await
    .expect_err("foreign key");
    assert!(err.to_lowercase().contains("foreign key"), "{err}");

    let files = tempfile::tempdir().expect("tempdir");
    let fixture = files.path().join("fixture.sql");
    std::fs::write(
        &fixture,
        "INSERT INTO items (id, name) VALUES (3, 'fixture');\nUPDATE tags SET label = 'fixed';\n",
    )
    .expect("write");
    db2.apply_fixtures(&[&fixture]).await.expect("fixtures");
    assert_eq!(
        query(db2.url(), "SELECT name FROM items ORDER BY id").await,
        ["seeded", "fixture"]
    );
    assert_eq!(query(db2.url(), "SELECT label FROM tags").await, ["fixed"]);
    let bad = files.path().join("bad.sql");
    std::fs::write(&bad, "INSERT INTO nowhere VALUES (1);\n").expect("write");
    let err = db2.apply_fixtures(&[&bad]).await.expect_err("bad fixture");
    assert!(matches!(err, TestDbError::Fixture { .. }), "{err}");
    assert!(err.to_string().contains("bad.sql"), "{err}");

    // An edited revision: a new template, the old one removed.
    let m2 = migrator(base, "v2", extra);
    let tpl2 = TestDatabase::template_name(&m2);
    let _g2 = template_guard(server, &tpl2);
    assert_ne!(tpl1, tpl2);
    let db3 = TestDatabase::new(&m2, server).await.expect("third");
    assert_eq!(query(db3.url(), "SELECT label FROM tags").await, ["v2"]);
    assert!(exists(server, &tpl2).await, "new template {tpl2}");
    assert!(
        !exists(server, &tpl1).await,
        "old template {tpl1} was not removed"
    );
    if server.starts_with("postgres") {
        // PostgreSQL keeps a spare copy of the template, which goes with it.
        assert!(exists(server, &pg::keeper(&tpl2)).await, "keeper of {tpl2}");
        assert!(
            !exists(server, &pg::keeper(&tpl1)).await,
            "keeper of {tpl1}"
        );
    }

    let names: Vec<String> = [&db1, &db2, &db3]
        .iter()
        .map(|d| d.name().to_string())
        .collect();
    for name in &names {
        assert!(exists(server, name).await, "{name}");
    }
    db1.drop_database().await.expect("drop");
    drop(db2); // by Drop
    db3.drop_database().await.expect("drop");
    for name in &names {
        assert!(!exists(server, name).await, "{name} left behind");
    }
    drop_template(server, &tpl2).await;
    assert!(!exists(server, &tpl2).await);
}

fn sqlite_server(dir: &Path) -> String {
    format!("sqlite://{}", dir.display())
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn sqlite_tests_share_a_template_and_get_their_own_copies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = sqlite_server(&dir.path().join("dbs"));
    share_isolate_renew(&server, "sq", "").await;
    // Only the lock file is left (the last template was dropped by the scenario).
    assert_eq!(file_names(&dir.path().join("dbs")), [LOCK_FILE]);
}

#[tokio::test]
async fn sqlite_two_databases_share_one_template_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = sqlite_server(dir.path());
    let m = migrator("sq2", "v1", "");
    let tpl = format!("{}.db", TestDatabase::template_name(&m));
    // Three first tests at once: one builds, the others wait and reuse it.
    let (a, b, c) = tokio::join!(
        TestDatabase::new(&m, &server),
        TestDatabase::new(&m, &server),
        TestDatabase::new(&m, &server)
    );
    let (a, b, c) = (a.expect("a"), b.expect("b"), c.expect("c"));
    let mut expected = vec![
        format!("{}.db", a.name()),
        format!("{}.db", b.name()),
        format!("{}.db", c.name()),
        LOCK_FILE.to_string(),
        tpl.clone(),
    ];
    expected.sort();
    assert_eq!(file_names(dir.path()), expected);
    a.drop_database().await.expect("drop");
    b.drop_database().await.expect("drop");
    drop(c);
    assert_eq!(file_names(dir.path()), [LOCK_FILE.to_string(), tpl]);
}

#[tokio::test]
async fn sqlite_a_failed_migration_leaves_no_template() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = sqlite_server(dir.path());
    let m = migrator("sq3", "v1", "INSERT INTO nowhere VALUES (1);");
    let err = TestDatabase::new(&m, &server).await.expect_err("fails");
    assert!(matches!(err, TestDbError::Migrate { .. }), "{err}");
    assert!(
        err.to_string().contains(&TestDatabase::template_name(&m)),
        "{err}"
    );
    assert_eq!(file_names(dir.path()), [LOCK_FILE]);
    // A builder that crashed left its file: the next build removes it.
    let m = migrator("sq3", "v1", "");
    let leftover = format!("{}.building.4000000.db", TestDatabase::template_name(&m));
    std::fs::write(dir.path().join(&leftover), b"half").expect("write");
    let db = TestDatabase::new(&m, &server).await.expect("builds");
    assert!(!dir.path().join(&leftover).exists());
    db.drop_database().await.expect("drop");
}

#[tokio::test]
async fn sqlite_the_lock_makes_a_builder_wait() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = sqlite_server(dir.path());
    let held = sqlite::lock(dir.path()).await.expect("lock");
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(held);
    });
    let start = Instant::now();
    let db = TestDatabase::new(&migrator("sq4", "v1", ""), &server)
        .await
        .expect("new");
    assert!(
        start.elapsed() >= Duration::from_millis(250),
        "did not wait"
    );
    release.await.expect("task");
    db.drop_database().await.expect("drop");
}

#[tokio::test]
async fn sqlite_a_lock_file_left_behind_does_not_block() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(LOCK_FILE), b"12345\n").expect("write");
    let start = Instant::now();
    let db = TestDatabase::new(&migrator("sq5", "v1", ""), &sqlite_server(dir.path()))
        .await
        .expect("new");
    assert!(start.elapsed() < Duration::from_secs(5));
    db.drop_database().await.expect("drop");
}

const HOLD_ENV: &str = "CS_TESTING_HOLD_LOCK";

/// Not a test on its own: run by the next test as a child process (`--ignored --exact`),
/// it takes the lock in the directory `CS_TESTING_HOLD_LOCK`, says so, and sleeps until
/// it is killed. Ignored, so a normal run neither runs nor counts it as passed; run
/// alone (`--include-ignored`) it fails instead of passing without checking anything.
#[tokio::test]
#[ignore = "a child process of sqlite_a_lock_held_by_a_killed_process_does_not_block"]
async fn lock_holder_child() {
    let dir = std::env::var_os(HOLD_ENV).unwrap_or_else(|| {
        panic!(
            "lock_holder_child is a child helper: \
             sqlite_a_lock_held_by_a_killed_process_does_not_block runs it with {HOLD_ENV} set"
        )
    });
    let dir = PathBuf::from(dir);
    let _held = sqlite::lock(&dir).await.expect("lock");
    std::fs::write(dir.join("held"), b"").expect("write");
    tokio::time::sleep(Duration::from_secs(120)).await;
}

#[tokio::test]
async fn sqlite_a_lock_held_by_a_killed_process_does_not_block() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("test binary");
    let mut child = std::process::Command::new(exe)
        .args([
            "testing::tests::lock_holder_child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(HOLD_ENV, dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.path().join("held").exists() {
        assert!(child.try_wait().expect("wait").is_none(), "child exited");
        assert!(Instant::now() < deadline, "child never took the lock");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let probe = File::open(dir.path().join(LOCK_FILE)).expect("open");
    assert!(
        matches!(probe.try_lock(), Err(TryLockError::WouldBlock)),
        "the child holds the lock"
    );
    drop(probe);
    child.kill().expect("kill"); // a crash: no unlock, no clean-up
    child.wait().expect("wait");
    let start = Instant::now();
    let db = tokio::time::timeout(
        Duration::from_secs(30),
        TestDatabase::new(&migrator("sq6", "v1", ""), &sqlite_server(dir.path())),
    )
    .await
    .expect("hung on a dead process's lock")
    .expect("new");
    assert!(start.elapsed() < Duration::from_secs(5));
    db.drop_database().await.expect("drop");
}

#[tokio::test]
async fn bad_servers_are_errors_without_passwords() {
    let m = migrator("nopw", "v1", "");
    for server in [
        "postgres://app:hunter2@127.0.0.1:1/postgres",
        "mysql://app:hunter2@127.0.0.1:1/test",
        "oracle://app:hunter2@127.0.0.1/x",
    ] {
        let err = TestDatabase::new(&m, server).await.expect_err(server);
        let text = format!("{err} {err:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("127.0.0.1"), "{text}");
    }
    let err = TestDatabase::new(&m, "sqlite::memory:")
        .await
        .expect_err("memory");
    assert!(matches!(err, TestDbError::Server { .. }), "{err}");
}

#[test]
fn the_template_name_covers_ids_and_checksums_only() {
    let a = TestDatabase::template_name(&migrator("nm", "v1", ""));
    assert_eq!(a, TestDatabase::template_name(&migrator("nm", "v1", "")));
    assert_ne!(a, TestDatabase::template_name(&migrator("nm", "v2", "")));
    assert_ne!(a, TestDatabase::template_name(&migrator("nn", "v1", "")));
    // The down section does not count (checksums cover the up section).
    assert_eq!(
        app_key(&migrator("nm", "v1", "")),
        app_key(&migrator("nm", "v2", ""))
    );
    assert_ne!(
        app_key(&migrator("nm", "v1", "")),
        app_key(&migrator("nn", "v1", ""))
    );
}

#[test]
fn local_postgres_servers_skip_the_tls_handshake_unless_told_otherwise() {
    assert_eq!(
        without_local_tls("postgres://u:p@127.0.0.1:5432/postgres"),
        "postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable"
    );
    assert!(without_local_tls("postgresql://localhost/db?x=1").ends_with("?x=1&sslmode=disable"));
    for kept in [
        "postgres://127.0.0.1/db?sslmode=require",
        "postgres://db.example.com/db",
        "mysql://root@127.0.0.1/db",
    ] {
        assert_eq!(without_local_tls(kept), kept);
    }
}

#[tokio::test]
async fn postgres_tests_share_a_template_and_get_their_own_copies() {
    if reachable(PG).await {
        share_isolate_renew(PG, "pgshare", "").await;
    }
}

/// A crashed-builder test's set-up: another application's template and a copy of it (which
/// must be kept), and this application's migrator and template.
struct Crash {
    server: &'static str,
    /// This application's revisions' prefix.
    base: &'static str,
    other_tpl: String,
    _other_guard: TestDatabase,
    kept: TestDatabase,
    m: Migrator,
    tpl: String,
    _guard: TestDatabase,
}

impl Crash {
    async fn set_up(server: &'static str, other: &str, base: &'static str) -> Option<Crash> {
        if !reachable(server).await {
            return None;
        }
        let (other_tpl, _other_guard, kept) = another_app(server, other).await;
        let m = migrator(base, "v1", "");
        let tpl = TestDatabase::template_name(&m);
        let _guard = template_guard(server, &tpl);
        Some(Crash {
            server,
            base,
            other_tpl,
            _other_guard,
            kept,
            m,
            tpl,
            _guard,
        })
    }

    /// The test's database, from a template built again: seeded, and another app's template
    /// kept.
    async fn database(&self) -> TestDatabase {
        let db = TestDatabase::new(&self.m, self.server).await.expect("new");
        assert_eq!(query(db.url(), "SELECT name FROM items").await, ["seeded"]);
        assert!(
            exists(self.server, &self.other_tpl).await,
            "another app's template was removed"
        );
        db
    }

    /// A failing revision leaves no template behind; the name it would have had.
    async fn failing_build(&self) -> String {
        let bad = migrator(self.base, "v2", "INSERT INTO nowhere VALUES (1);");
        let err = TestDatabase::new(&bad, self.server)
            .await
            .expect_err("fails");
        assert!(matches!(err, TestDbError::Migrate { .. }), "{err}");
        let bad_tpl = TestDatabase::template_name(&bad);
        assert!(!exists(self.server, &bad_tpl).await);
        bad_tpl
    }

    /// Drops the test's database, the kept copy and both templates.
    async fn finish(self, db: TestDatabase) {
        db.drop_database().await.expect("drop");
        self.kept.drop_database().await.expect("drop");
        drop_template(self.server, &self.tpl).await;
        drop_template(self.server, &self.other_tpl).await;
    }
}

#[tokio::test]
async fn postgres_a_crashed_builder_is_cleaned_up_and_other_apps_are_kept() {
    let Some(crash) = Crash::set_up(PG, "pgother", "pgcrash").await else {
        return;
    };
    let (m, tpl) = (&crash.m, &crash.tpl);
    // What a build that crashed (in this or an earlier run) leaves behind.
    let leftover = format!("{tpl}_building_4000000");
    let _g3 = template_guard(PG, &leftover);
    statement(PG, &format!("CREATE DATABASE \"{leftover}\""))
        .await
        .expect("create leftover");
    let note = pg::comment(&app_key(m));
    statement(
        PG,
        &format!("COMMENT ON DATABASE \"{leftover}\" IS '{note}'"),
    )
    .await
    .expect("comment");
    let db = crash.database().await;
    assert!(
        !exists(PG, &leftover).await,
        "the crashed build was not removed"
    );

    // A failing revision leaves neither a template nor a half-built database.
    let bad_tpl = crash.failing_build().await;
    let building = format!("{bad_tpl}_building_{}", std::process::id());
    assert!(!exists(PG, &building).await);

    crash.finish(db).await;
}

#[tokio::test]
async fn mysql_tests_share_a_template_and_get_their_own_copies() {
    if reachable(MY).await {
        // A generated column: recomputed in the copy, not inserted.
        let extra = "ALTER TABLE items ADD COLUMN shout VARCHAR(40) AS (UPPER(name)) VIRTUAL;";
        share_isolate_renew(MY, "myshare", extra).await;
    }
}

#[tokio::test]
async fn mysql_an_unfinished_template_is_rebuilt_and_other_apps_are_kept() {
    let Some(crash) = Crash::set_up(MY, "myother", "mycrash").await else {
        return;
    };
    let tpl = &crash.tpl;
    // What a builder that crashed halfway leaves: the database without its marker.
    statement(MY, &format!("CREATE DATABASE `{tpl}`"))
        .await
        .expect("create");
    statement(MY, &format!("CREATE TABLE `{tpl}`.half (id INTEGER)"))
        .await
        .expect("create");
    let db = crash.database().await;
    let tables = query(
        db.url(),
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name",
    )
    .await;
    assert_eq!(
        tables,
        ["items", "schema_version", "schema_version_meta", "tags"]
    );

    // A failing revision leaves no template behind.
    crash.failing_build().await;

    crash.finish(db).await;
}
