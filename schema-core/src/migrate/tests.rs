use super::*;
use crate::db::{DatabaseUrl, UrlSource};
use crate::revision::parse;
use std::path::Path;

fn graph(files: &[&str]) -> RevisionGraph {
    let revs = files
        .iter()
        .enumerate()
        .map(|(i, text)| {
            parse(Path::new(&format!("m/{i}.sql")), text)
                .expect("parses")
                .0
        })
        .collect();
    RevisionGraph::new(revs).expect("graph")
}

/// A migration of `graph` on a new connection to `url`, with the default version table and
/// options.
async fn connected<'g>(graph: &'g RevisionGraph, url: &str) -> Migration<'g> {
    let url = DatabaseUrl::parse(url, UrlSource::Flag).expect("url");
    Migration {
        graph,
        conn: Conn::connect(&url).await.expect("connects"),
        table: VersionTable::new("schema_version"),
        options: Options::default(),
    }
}

async fn memory(graph: &RevisionGraph) -> Migration<'_> {
    connected(graph, "sqlite::memory:").await
}

/// What the version table of `m`'s database holds.
async fn recorded(m: &mut Migration<'_>) -> State {
    state(&mut m.conn, &m.table, m.graph).await.expect("state")
}

/// Asserts that `table` does not exist: `why` says what that shows.
async fn no_table(m: &mut Migration<'_>, table: &str, why: &str) {
    let sql = format!("SELECT * FROM {table}");
    m.conn.execute(&sql).await.expect_err(why);
}

/// The statement failure that stops `up` to head.
async fn failed_statement(m: &mut Migration<'_>) -> Box<StatementFailure> {
    let err = m.upgrade(&t("head"), &mut |_| {}).await.expect_err("fails");
    let MigrateError::Statement(f) = err else {
        panic!("expected a statement failure, got {err:?}");
    };
    f
}

const A: &str = "-- revision: a1\n-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n";
const B: &str = "-- revision: b2\n-- revises: a1\n-- migrate:up\nCREATE TABLE b (id INTEGER);\nINSERT INTO b VALUES (1);\n-- migrate:down\nDROP TABLE b;\n";
const BAD: &str = "-- revision: c3\n-- revises: b2\n-- migrate:up\nCREATE TABLE c (id INTEGER);\nINSERT INTO nope VALUES (1);\n-- migrate:down\nDROP TABLE c;\n";

fn t(s: &str) -> Target {
    s.parse().expect("target")
}

#[test]
fn a_section_is_refused_for_its_first_problem() {
    let problem = |sql: &str| {
        checked_statements(sql, 10, Dialect::Sqlite, true)
            .map(|_| ())
            .expect_err("refused")
    };
    let (line, p) = problem("SELECT 1;\nCOMMIT;\nSELECT 'oops;");
    assert_eq!(line, 11);
    assert!(
        matches!(p, SectionProblem::TransactionControl { .. }),
        "{p}"
    );
    let (line, p) = problem("SELECT 'oops;\nCOMMIT;");
    assert_eq!(line, 10);
    assert!(matches!(p, SectionProblem::Unterminated(_)), "{p}");
    assert!(checked_statements("SELECT 1;\nCOMMIT;", 1, Dialect::Sqlite, false).is_ok());
}

#[test]
fn transaction_control_is_found_past_comments_and_in_any_case() {
    for (sql, keyword) in [
        ("COMMIT", "COMMIT"),
        ("commit work", "COMMIT"),
        ("begin immediate", "BEGIN"),
        (
            "START /* why */ TRANSACTION READ WRITE",
            "START TRANSACTION",
        ),
        ("start -- why\n transaction", "START TRANSACTION"),
        ("/* first */ ROLLBACK TO SAVEPOINT s", "ROLLBACK"),
        ("end transaction", "END"),
        ("SAVEPOINT s1", "SAVEPOINT"),
        ("release s1", "RELEASE"),
        ("abort", "ABORT"),
        ("PREPARE TRANSACTION 'x'", "PREPARE TRANSACTION"),
    ] {
        assert_eq!(
            transaction_control(sql).as_deref(),
            Some(keyword),
            "{sql:?}"
        );
    }
    for sql in [
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END",
        "PREPARE q AS SELECT 1",
        "START_TIME",
        "INSERT INTO commit_log VALUES (1)",
        "/* COMMIT */ SELECT 1",
        "",
    ] {
        assert_eq!(transaction_control(sql), None, "{sql:?}");
    }
}

#[tokio::test]
async fn up_then_down_records_and_removes_each_revision() {
    let g = graph(&[A, B]);
    let mut m = memory(&g).await;
    let mut events = 0;
    let report = m
        .upgrade(&t("head"), &mut |_| events += 1)
        .await
        .expect("up");
    assert_eq!(report.steps.len(), 2);
    assert_eq!(events, 3);
    let s = recorded(&mut m).await;
    assert_eq!(s.applied.len(), 2);
    assert_eq!(s.rows[1].down_sql.as_deref(), Some("DROP TABLE b;\n"));
    let report = m.downgrade(&t("base"), &mut |_| {}).await.expect("down");
    assert_eq!(report.steps.len(), 2);
    assert!(recorded(&mut m).await.rows.is_empty());
}

#[tokio::test]
async fn a_failing_statement_leaves_no_trace_of_its_revision() {
    let g = graph(&[A, B, BAD]);
    let mut m = memory(&g).await;
    let f = failed_statement(&mut m).await;
    assert_eq!(
        (f.revision.as_str(), f.line, f.left_dirty),
        ("c3", 5, false)
    );
    assert!(f.message.contains("no such table"), "{}", f.message);
    assert_eq!(f.report.steps.len(), 2);
    assert_eq!(recorded(&mut m).await.applied.len(), 2);
    no_table(&mut m, "c", "table c was rolled back").await;
}

#[tokio::test]
async fn an_edited_applied_revision_stops_up_unless_allowed() {
    let g = graph(&[A]);
    let mut m = memory(&g).await;
    m.upgrade(&t("head"), &mut |_| {}).await.expect("up");
    let edited = graph(&[&A.replace("id INTEGER", "id BIGINT"), B]);
    let mut m2 = Migration {
        graph: &edited,
        conn: m.conn,
        table: VersionTable::new("schema_version"),
        options: Options::default(),
    };
    let err = m2
        .upgrade(&t("head"), &mut |_| {})
        .await
        .expect_err("refused");
    assert!(matches!(err, MigrateError::Edited { .. }), "{err:?}");
    m2.options.allow_edited = true;
    m2.upgrade(&t("head"), &mut |_| {}).await.expect("allowed");
}

#[tokio::test]
async fn stamp_records_without_running_and_purge_empties_first() {
    let g = graph(&[A, B]);
    let mut m = memory(&g).await;
    let plan = m.stamp(&t("head"), false).await.expect("stamp").plan;
    assert_eq!(plan.add.len(), 2);
    no_table(&mut m, "a", "stamp ran no SQL").await;
    let plan = m.stamp(&t("a1"), true).await.expect("purge").plan;
    assert_eq!(plan.add.len(), 1);
    assert_eq!(recorded(&mut m).await.rows.len(), 1);
}

const PARENT: &str = "-- revision: p1\n-- migrate:up\nCREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);\nINSERT INTO parent VALUES (1, 'a');\nINSERT INTO child VALUES (10, 1);\n-- migrate:down\nDROP TABLE child;\nDROP TABLE parent;\n";
/// SQLite's table rebuild: parent's name becomes NOT NULL.
const REBUILD: &str = "-- revision: r2\n-- revises: p1\n-- migrate:up\nPRAGMA foreign_keys = OFF;\nCREATE TABLE _parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO _parent_new (id, name) SELECT id, name FROM parent;\nDROP TABLE parent;\nALTER TABLE _parent_new RENAME TO parent;\n-- migrate:down\nPRAGMA foreign_keys = OFF;\nCREATE TABLE _parent_new (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO _parent_new (id, name) SELECT id, name FROM parent;\nDROP TABLE parent;\nALTER TABLE _parent_new RENAME TO parent;\n";
/// Leaves child pointing at a parent that is gone.
const ORPHAN: &str = "-- revision: o3\n-- revises: p1\n-- migrate:up\nPRAGMA foreign_keys = OFF;\nDELETE FROM parent;\n-- migrate:down\nSELECT 1;\n";

async fn count(conn: &mut Conn, sql: &str) -> String {
    conn.fetch_strings(sql).await.expect("query")[0][0]
        .clone()
        .expect("value")
}

#[tokio::test]
async fn a_sqlite_section_starting_with_foreign_keys_off_rebuilds_a_referenced_table() {
    let g = graph(&[PARENT, REBUILD]);
    let mut m = memory(&g).await;
    m.upgrade(&t("head"), &mut |_| {}).await.expect("up");
    // Dropping the old parent did not cascade to child, and foreign keys are on again.
    assert_eq!(count(&mut m.conn, "SELECT count(*) FROM child").await, "1");
    assert_eq!(count(&mut m.conn, "PRAGMA foreign_keys").await, "1");
    assert_eq!(
        count(
            &mut m.conn,
            "SELECT \"notnull\" FROM pragma_table_info('parent') WHERE name = 'name'"
        )
        .await,
        "1"
    );
    m.downgrade(&t("p1"), &mut |_| {}).await.expect("down");
    assert_eq!(count(&mut m.conn, "SELECT count(*) FROM child").await, "1");
    assert_eq!(count(&mut m.conn, "PRAGMA foreign_keys").await, "1");
    // The child still references the rebuilt parent: deleting it cascades.
    m.conn.execute("DELETE FROM parent").await.expect("delete");
    assert_eq!(count(&mut m.conn, "SELECT count(*) FROM child").await, "0");
}

#[tokio::test]
async fn a_foreign_key_violation_left_by_such_a_section_fails_it_and_rolls_back() {
    let g = graph(&[PARENT, ORPHAN]);
    let mut m = memory(&g).await;
    let f = failed_statement(&mut m).await;
    assert_eq!(f.revision, "o3");
    assert_eq!(f.statement, "PRAGMA foreign_key_check");
    assert!(f.message.contains("a row of child"), "{}", f.message);
    assert_eq!(count(&mut m.conn, "SELECT count(*) FROM parent").await, "1");
    assert_eq!(count(&mut m.conn, "PRAGMA foreign_keys").await, "1");
    assert_eq!(recorded(&mut m).await.applied.len(), 1);
}

#[test]
fn only_a_leading_foreign_keys_off_pragma_on_sqlite_counts() {
    assert!(foreign_keys_off(
        Dialect::Sqlite,
        "-- rebuild\npragma  Foreign_Keys=off;\nSELECT 1;"
    ));
    assert!(!foreign_keys_off(
        Dialect::Sqlite,
        "SELECT 1;\nPRAGMA foreign_keys = OFF;"
    ));
    assert!(!foreign_keys_off(
        Dialect::Postgres,
        "PRAGMA foreign_keys = OFF;"
    ));
    assert!(!foreign_keys_off(
        Dialect::Sqlite,
        "PRAGMA foreign_keys = ON;"
    ));
}

/// Its third statement fails; the first two would leave tables behind if anything of it stayed.
const THIRD_FAILS: &str = "-- revision: f4\n-- revises: b2\n-- migrate:up\nCREATE TABLE f1 (id INTEGER);\nCREATE TABLE f2 (id INTEGER); -- a comment that ends the line\nINSERT INTO nope VALUES (1);\nCREATE TABLE f3 (id INTEGER);\n-- migrate:down\nDROP TABLE f3;\n";

async fn on_file<'g>(graph: &'g RevisionGraph, path: &Path) -> Migration<'g> {
    connected(graph, &format!("sqlite://{}", path.display())).await
}

async fn text(conn: &mut Conn, sql: &str) -> String {
    conn.fetch_strings(sql).await.expect("query")[0][0]
        .clone()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_section_sent_as_one_batch_fails_on_the_line_and_with_the_error_of_its_statement() {
    let g = graph(&[A, B, THIRD_FAILS]);
    let mut m = memory(&g).await;
    let f = failed_statement(&mut m).await;
    assert_eq!((f.revision.as_str(), f.line), ("f4", 6));
    assert_eq!(f.statement, "INSERT INTO nope VALUES (1)");
    assert_eq!(f.message, "no such table: nope");
    for table in ["f1", "f2", "f3"] {
        no_table(&mut m, table, "nothing of the revision stays").await;
    }
    assert_eq!(recorded(&mut m).await.applied.len(), 2);
    // The transaction is over: the connection goes on.
    m.conn
        .execute("CREATE TABLE after (id INTEGER)")
        .await
        .expect("usable");
}

#[tokio::test]
async fn the_row_written_out_in_the_commit_batch_reads_back_as_written() {
    let quoted = "-- revision: q5\n-- migrate:up\nCREATE TABLE q (s TEXT DEFAULT 'it''s');\n-- migrate:down\nDROP TABLE q; -- it's 'quoted' \\ with a backslash\n";
    let g = graph(&[quoted]);
    let mut m = memory(&g).await;
    m.upgrade(&t("head"), &mut |_| {}).await.expect("up");
    let s = recorded(&mut m).await;
    let rev = g.revision(g.index_of("q5").expect("q5"));
    assert_eq!(s.rows[0].down_sql, rev.down.as_ref().map(|d| d.sql.clone()));
    assert_eq!(s.rows[0].checksum, crate::checksum::checksum(rev));
    assert_eq!(s.rows[0].statements_done, 1);
    m.downgrade(&t("base"), &mut |_| {}).await.expect("down");
    assert!(recorded(&mut m).await.rows.is_empty());
}

#[tokio::test]
async fn a_new_sqlite_file_is_put_in_wal_mode_and_an_existing_one_keeps_its_journal() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let g = graph(&[A]);
    let fresh = dir.path().join("fresh.db");
    let mut m = on_file(&g, &fresh).await;
    assert_eq!(text(&mut m.conn, "PRAGMA journal_mode").await, "wal");
    m.upgrade(&t("head"), &mut |_| {}).await.expect("up");
    m.conn.close().await;
    let mut again = on_file(&g, &fresh).await;
    assert_eq!(text(&mut again.conn, "PRAGMA journal_mode").await, "wal");
    again.conn.close().await;

    let existing = dir.path().join("existing.db");
    std::fs::write(&existing, b"").expect("an empty file");
    let mut m = on_file(&g, &existing).await;
    assert_eq!(text(&mut m.conn, "PRAGMA journal_mode").await, "delete");
    m.upgrade(&t("head"), &mut |_| {}).await.expect("up");
    assert_eq!(text(&mut m.conn, "PRAGMA journal_mode").await, "delete");
}

#[tokio::test]
async fn a_walk_of_single_steps_sees_what_another_connection_committed_between_them() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("walk.db");
    let g = graph(&[A, B]);
    let (a, b) = (g.index_of("a1").expect("a1"), g.index_of("b2").expect("b2"));
    let mut m = on_file(&g, &path).await;
    let mut other = on_file(&g, &path).await;
    let mut known = Known::default();
    m.step_one_with(a, Direction::Up, &mut known, &mut |_| {})
        .await
        .expect("a1 up");
    // Known, and nothing else changed: the walk goes on from memory.
    m.step_one_with(a, Direction::Down, &mut known, &mut |_| {})
        .await
        .expect("a1 down");
    m.step_one_with(a, Direction::Up, &mut known, &mut |_| {})
        .await
        .expect("a1 up again");
    // Another connection applies b2: the next step must see it.
    other
        .step_one(b, Direction::Up, &mut |_| {})
        .await
        .expect("b2 up elsewhere");
    let err = m
        .step_one_with(b, Direction::Up, &mut known, &mut |_| {})
        .await
        .expect_err("b2 is applied already");
    assert!(matches!(err, MigrateError::Changed { .. }), "{err:?}");
    // It rolls b2 back elsewhere and records nothing else: a1 down is refused while b2 is
    // applied, then runs once the other connection rolled b2 back.
    let err = m
        .step_one_with(a, Direction::Down, &mut known, &mut |_| {})
        .await
        .expect_err("b2 needs a1");
    assert!(matches!(err, MigrateError::Changed { .. }), "{err:?}");
    other
        .step_one(b, Direction::Down, &mut |_| {})
        .await
        .expect("b2 down elsewhere");
    m.step_one_with(a, Direction::Down, &mut known, &mut |_| {})
        .await
        .expect("a1 down");
    assert!(recorded(&mut other).await.rows.is_empty());
}

/// Runs `sql` on a connection and a thread of its own: another process changing (or reading)
/// the database in the middle of a run. Returns the rows it read.
fn elsewhere(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let url = DatabaseUrl::parse(&url, UrlSource::Flag).expect("url");
            let mut conn = Conn::connect(&url).await.expect("connects");
            let rows = conn.fetch_strings(&sql).await.expect("runs");
            conn.close().await;
            rows
        })
    })
    .join()
    .expect("the other connection's thread")
}

const C_AFTER_B: &str = "-- revision: c4\n-- revises: b2\n-- migrate:up\nCREATE TABLE c (id INTEGER);\n-- migrate:down\nDROP TABLE c;\n";

#[tokio::test]
async fn a_commit_by_another_connection_mid_run_sends_the_next_step_the_usual_way() {
    // After the first step the run knows the table and sends each step as one batch; another
    // connection's commit in between must be noticed before COMMIT, not after.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.db");
    let url = format!("sqlite://{}", path.display());
    let g = graph(&[A, B, C_AFTER_B]);
    let mut m = on_file(&g, &path).await;
    m.upgrade(&t("head"), &mut |_| {}).await.expect("up");
    let mut already = Vec::new();
    m.downgrade(&t("base"), &mut |event| match event {
        // Someone records b2 as rolled back (leaving its table).
        Event::Step { revision, .. } if revision.id == "c4" => {
            elsewhere(&url, "DELETE FROM schema_version WHERE revision = 'b2'");
        }
        Event::AlreadyDone { revision } => already.push(revision.id.clone()),
        _ => {}
    })
    .await
    .expect("down");
    assert_eq!(
        already,
        ["b2"],
        "b2 was not seen as rolled back by the other"
    );
    assert_eq!(text(&mut m.conn, "SELECT COUNT(*) FROM b").await, "1");
    assert!(recorded(&mut m).await.rows.is_empty());
    no_table(&mut m, "a", "a1 was rolled back").await;
}

#[test]
fn only_ddl_that_commits_by_itself_carries_mysqls_dirty_mark() {
    for ddl in [
        "CREATE TABLE t (id INT)",
        "-- why\n  drop table t",
        "ALTER TABLE t ADD c INT",
        "RENAME TABLE t TO u",
        "TRUNCATE t",
    ] {
        assert!(commits_before_itself(ddl), "{ddl}");
    }
    // A transaction of the section's own, settings refused inside a transaction, DML: the
    // mark is committed before them, as it always was.
    for other in [
        "START TRANSACTION",
        "BEGIN",
        "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        "INSERT INTO t VALUES (1)",
        "LOCK TABLES t WRITE",
    ] {
        assert!(!commits_before_itself(other), "{other}");
    }
}

/// The first value another connection to `url` reads.
fn read_elsewhere(url: &str, sql: &str) -> String {
    elsewhere(url, sql)
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .unwrap_or_default()
}

#[tokio::test]
async fn steps_run_together_are_reported_once_committed_and_a_failing_one_is_undone_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.db");
    let url = format!("sqlite://{}", path.display());
    let g = graph(&[A, B, BAD]);
    let mut m = on_file(&g, &path).await;
    m.options.group_commit = Duration::from_secs(600);
    // Each step said is committed: another connection sees its row.
    let mut seen = Vec::new();
    let err = m
        .upgrade(&t("head"), &mut |event| {
            if let Event::Step { revision, .. } = event {
                let sql = format!(
                    "SELECT COUNT(*) FROM schema_version WHERE revision = '{}'",
                    revision.id
                );
                seen.push((revision.id.clone(), read_elsewhere(&url, &sql)));
            }
        })
        .await
        .expect_err("c3 fails");
    assert_eq!(seen, [("a1".into(), "1".into()), ("b2".into(), "1".into())]);
    let MigrateError::Statement(f) = err else {
        panic!("expected a statement failure, got {err:?}");
    };
    // Found the usual way: the statement that fails alone, on its line.
    assert_eq!((f.revision.as_str(), f.line), ("c3", 5));
    assert!(f.message.contains("nope"), "{}", f.message);
    let reported: Vec<_> = f.report.steps.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(reported, ["a1", "b2"]);
    // a1 and b2 stay with their rows; nothing of c3 does.
    let rows = recorded_ids(&mut m).await;
    assert_eq!(rows, ["a1", "b2"]);
    assert_eq!(text(&mut m.conn, "SELECT COUNT(*) FROM b").await, "1");
    no_table(&mut m, "c", "c3's first statement was undone").await;
    // The run left no transaction open: another connection can write.
    read_elsewhere(&url, "SELECT COUNT(*) FROM a");
    m.conn
        .execute("CREATE TABLE after (id INTEGER)")
        .await
        .expect("no transaction left open");
}

/// `up` to head on the file at `path`, with a group window no step outlasts: the migration,
/// what `up` returned, and the revisions said applied, in order.
async fn up_grouped<'g>(
    g: &'g RevisionGraph,
    path: &Path,
) -> (Migration<'g>, Result<Report, MigrateError>, Vec<String>) {
    let mut m = on_file(g, path).await;
    m.options.group_commit = Duration::from_secs(600);
    let mut said = Vec::new();
    let result = m
        .upgrade(&t("head"), &mut |event| {
            if let Event::Step { revision, .. } = event {
                said.push(revision.id.clone());
            }
        })
        .await;
    (m, result, said)
}

/// The revisions the version table of `m`'s database records, in order.
async fn recorded_ids(m: &mut Migration<'_>) -> Vec<String> {
    recorded(m)
        .await
        .rows
        .into_iter()
        .map(|r| r.revision)
        .collect()
}

#[tokio::test]
async fn a_section_that_cannot_join_the_open_transaction_runs_after_it_commits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.db");
    let keys_off = "-- revision: k3\n-- revises: b2\n-- migrate:up\nPRAGMA foreign_keys = OFF;\nCREATE TABLE k (id INTEGER);\n-- migrate:down\nDROP TABLE k;\n";
    let outside = "-- revision: o4\n-- revises: k3\n-- migrate:up transaction:false\nCREATE TABLE o (id INTEGER);\n-- migrate:down\nDROP TABLE o;\n";
    let last = "-- revision: z5\n-- revises: o4\n-- migrate:up\nCREATE TABLE z (id INTEGER);\n-- migrate:down\nDROP TABLE z;\n";
    let g = graph(&[A, B, keys_off, outside, last]);
    let (mut m, report, said) = up_grouped(&g, &path).await;
    let report = report.expect("up");
    assert_eq!(said, ["a1", "b2", "k3", "o4", "z5"]);
    assert_eq!(report.steps.len(), 5);
    assert_eq!(recorded(&mut m).await.rows.len(), 5);
    assert_eq!(
        text(&mut m.conn, "PRAGMA foreign_keys").await,
        "1",
        "as the connection had it"
    );
    let report = m.downgrade(&t("base"), &mut |_| {}).await.expect("down");
    assert_eq!(report.steps.len(), 5);
    assert!(recorded(&mut m).await.rows.is_empty());
    no_table(&mut m, "a", "a1 was rolled back").await;
}

/// How many transactions `m`'s connection commits from now on.
#[cfg(feature = "sqlite")]
async fn count_commits(m: &mut Migration<'_>) -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let commits = std::sync::Arc::new(AtomicUsize::new(0));
    #[allow(irrefutable_let_patterns)]
    let Conn::Sqlite(c) = &mut m.conn else {
        panic!("a SQLite connection");
    };
    let counted = commits.clone();
    c.lock_handle()
        .await
        .expect("handle")
        .set_commit_hook(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            true
        });
    commits
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn steps_in_quick_succession_commit_together_unless_the_run_groups_nothing() {
    use std::sync::atomic::Ordering;
    let revisions: Vec<String> = (0..20)
        .map(|i| {
            let revises = match i {
                0 => String::new(),
                _ => format!("-- revises: r{:02}\n", i - 1),
            };
            format!(
                "-- revision: r{i:02}\n{revises}-- migrate:up\nCREATE TABLE t{i} (id INTEGER);\n-- migrate:down\nDROP TABLE t{i};\n"
            )
        })
        .collect();
    let g = graph(&revisions.iter().map(String::as_str).collect::<Vec<_>>());
    for (window, most, least) in [
        // The version table's set-up and the first step (which reads the table) commit on
        // their own; the other 19 steps commit once.
        (Duration::from_secs(600), 6, 1),
        (Duration::ZERO, usize::MAX, 20),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut m = on_file(&g, &dir.path().join("t.db")).await;
        m.options.group_commit = window;
        let commits = count_commits(&mut m).await;
        let report = m.upgrade(&t("head"), &mut |_| {}).await.expect("up");
        assert_eq!(report.steps.len(), 20);
        let up = commits.swap(0, Ordering::SeqCst);
        let report = m.downgrade(&t("base"), &mut |_| {}).await.expect("down");
        assert_eq!(report.steps.len(), 20);
        let down = commits.load(Ordering::SeqCst);
        for (what, n) in [("up", up), ("down", down)] {
            assert!(
                (least..=most).contains(&n),
                "{what} with a window of {window:?}: {n} commits"
            );
        }
        assert!(recorded(&mut m).await.rows.is_empty());
    }
}

#[tokio::test]
async fn a_group_whose_commit_fails_runs_again_step_by_step_and_keeps_what_passes() {
    // b2's row breaks a deferred foreign key: the group it ran in cannot commit.
    let a = "-- revision: a1\n-- migrate:up\nCREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE q (p INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED);\n-- migrate:down\nDROP TABLE q;\nDROP TABLE p;\n";
    let fine = "-- revision: f2\n-- revises: a1\n-- migrate:up\nCREATE TABLE f (id INTEGER);\n-- migrate:down\nDROP TABLE f;\n";
    let breaks = "-- revision: b3\n-- revises: f2\n-- migrate:up\nINSERT INTO q VALUES (42);\n-- migrate:down\nDELETE FROM q;\n";
    let after = "-- revision: c4\n-- revises: b3\n-- migrate:up\nCREATE TABLE c (id INTEGER);\n-- migrate:down\nDROP TABLE c;\n";
    let g = graph(&[a, fine, breaks, after]);
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut m, report, said) = up_grouped(&g, &dir.path().join("t.db")).await;
    let err = report.expect_err("b3 cannot commit");
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    assert_eq!(said, ["a1", "f2"], "each said once, as it committed");
    let rows = recorded_ids(&mut m).await;
    assert_eq!(rows, ["a1", "f2"]);
    assert_eq!(text(&mut m.conn, "SELECT COUNT(*) FROM q").await, "0");
    no_table(&mut m, "c", "c4 never ran alone").await;
}

#[tokio::test]
async fn a_statement_that_ends_the_groups_transaction_leaves_the_steps_before_it_to_run_alone() {
    // `INSERT OR ROLLBACK` rolls back the whole transaction, b2's step with it.
    let ends = "-- revision: c3\n-- revises: b2\n-- migrate:up\nCREATE TABLE c (id INTEGER PRIMARY KEY);\nINSERT INTO c VALUES (1);\nINSERT OR ROLLBACK INTO c VALUES (1);\n-- migrate:down\nDROP TABLE c;\n";
    let g = graph(&[A, B, ends]);
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut m, result, said) = up_grouped(&g, &dir.path().join("t.db")).await;
    let f = match result {
        Err(MigrateError::Statement(f)) => f,
        other => panic!("expected a statement failure, got {other:?}"),
    };
    assert_eq!((f.revision.as_str(), f.line), ("c3", 6));
    assert_eq!(said, ["a1", "b2"], "b2 said once, when it committed alone");
    let reported: Vec<_> = f.report.steps.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(reported, ["a1", "b2"]);
    assert_eq!(recorded_ids(&mut m).await, ["a1", "b2"]);
    assert_eq!(text(&mut m.conn, "SELECT COUNT(*) FROM b").await, "1");
    no_table(&mut m, "c", "c3 was undone").await;
}
