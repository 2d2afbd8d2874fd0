//! `testdb-bench MIGRATIONS_DIR [--runs N] [--at TARGET] [--sequential] SERVER…`: per-test database set-up with
//! `schema_core::testing::TestDatabase` (a clone of a migrated template) against replaying every
//! revision into a fresh database, as `#[sqlx::test]` does. Prints a markdown table; run by
//! `bench/testdb.sh`.
//!
//! A SERVER is what `TestDatabase::new` takes: `postgres://…/postgres` (a maintenance database)
//! or `sqlite://DIR`. Per case and run:
//!
//! - **transaction** (PostgreSQL): `TestTransaction::begin`, or `TestTransaction::at` with
//!   `--at` (the shared database already exists), then `rollback`;
//! - **clone**: `TestDatabase::new` (the template already exists: the first test of a suite
//!   builds it once), then `drop_database`;
//! - **replay, raw SQL** (the `#[sqlx::test]` baseline, the same SQL): create an empty database,
//!   run each revision's up section in its own transaction, no version table; then drop it;
//! - **replay, Migrator**: create an empty database and `Migrator::run` it; then drop it.
//!
//! Set-up is timed up to the moment the test could start; the drop is timed separately.
//!
//! With `--at TARGET` (`head-50`, an id, …) every case stops at that revision: the clone is
//! `TestDatabase::at` (from a template at TARGET, built before the runs), the transaction is
//! on the shared database at TARGET, the replays run the
//! revisions up to TARGET only. With `--sequential` each case runs in a block of its own
//! (all clones, then all replays) instead of interleaved.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::{Duration, Instant};

use schema_core::testing::{TestDatabase, TestDatabaseBuilder, TestTransaction};
use schema_core::{Migrator, Target};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, Executor};

type Error = Box<dyn std::error::Error>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("testdb-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: testdb-bench DIR [--runs N] SERVER…")?,
    );
    let mut runs = 20;
    let mut at = None;
    let mut sequential = false;
    let mut servers = Vec::new();
    while let Some(arg) = args.next() {
        if arg == "--runs" {
            runs = args.next().ok_or("--runs N")?.parse()?;
        } else if arg == "--sequential" {
            sequential = true;
        } else if arg == "--at" {
            at = Some(args.next().ok_or("--at TARGET")?);
        } else {
            servers.push(arg);
        }
    }
    let mut migrator = Migrator::from_dir(&dir)?;
    let order: Vec<_> = match &at {
        Some(at) => {
            let target = Target::from_str(at)?;
            let graph = migrator.graph();
            let plan = graph.plan_upgrade(&graph.empty_set(), &target)?;
            migrator = migrator.target(target);
            plan.steps.iter().map(|s| s.revision).collect()
        }
        None => migrator.graph().topological_order().to_vec(),
    };
    let graph = migrator.graph();
    let ups: Vec<(String, bool)> = order
        .iter()
        .map(|&i| {
            let up = &graph.node(i).revision.up;
            (up.sql.clone(), up.transaction)
        })
        .collect();
    println!(
        "| server | transaction: set-up (ms) | transaction: rollback (ms) | clone: set-up (ms) | clone: drop (ms) | replay, raw SQL: set-up (ms) | replay, Migrator: set-up (ms) | replay: drop (ms) | set-up ratio raw / transaction | set-up ratio raw / clone |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for server in &servers {
        let row = bench(&migrator, at.as_deref(), sequential, &ups, server, runs).await?;
        let (tx_setup, tx_end, tx_ratio) = match &row.tx {
            Some((setup, end)) => (
                setup.to_string(),
                end.to_string(),
                format!("**{:.1}×**", row.raw_setup.mean / setup.mean),
            ),
            None => ("—".into(), "—".into(), "—".into()),
        };
        println!(
            "| {} | {tx_setup} | {tx_end} | {} | {} | {} | {} | {} | {tx_ratio} | **{:.1}×** |",
            row.kind,
            row.clone_setup,
            row.clone_drop,
            row.raw_setup,
            row.migrator_setup,
            row.replay_drop,
            row.raw_setup.mean / row.clone_setup.mean
        );
    }
    eprintln!(
        "{} revisions set up{}, {runs} runs per case after 1 warm-up",
        ups.len(),
        at.map(|t| format!(" (at {t})")).unwrap_or_default()
    );
    Ok(())
}

struct Row {
    kind: &'static str,
    /// Transaction mode's set-up and rollback (PostgreSQL only).
    tx: Option<(Stats, Stats)>,
    clone_setup: Stats,
    clone_drop: Stats,
    raw_setup: Stats,
    migrator_setup: Stats,
    replay_drop: Stats,
}

/// Mean and standard deviation, in ms.
#[derive(Default)]
struct Stats {
    mean: f64,
    sd: f64,
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.1} ± {:.1}", self.mean, self.sd)
    }
}

fn stats(samples: &[Duration]) -> Stats {
    let ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    let n = ms.len() as f64;
    let mean = ms.iter().sum::<f64>() / n;
    let var = ms.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    Stats {
        mean,
        sd: var.sqrt(),
    }
}

/// An empty database to replay into, and how to drop it.
enum Fresh {
    Sqlite(PathBuf),
    Postgres { server: String, name: String },
}

impl Fresh {
    async fn create(server: &str, i: usize) -> Result<(Fresh, String), Error> {
        let name = format!("cs_bench_replay_{}_{i}", std::process::id());
        if let Some(dir) = server.strip_prefix("sqlite://") {
            let path = Path::new(dir).join(format!("{name}.db"));
            let url = format!("sqlite://{}", path.display());
            Ok((Fresh::Sqlite(path), url))
        } else {
            on_server(server, [format!("CREATE DATABASE \"{name}\"")]).await?;
            let (path, query) = server.split_once('?').map_or((server, ""), |(p, q)| (p, q));
            let base = path.rsplit_once('/').map_or(path, |(b, _)| b);
            let url = if query.is_empty() {
                format!("{base}/{name}")
            } else {
                format!("{base}/{name}?{query}")
            };
            let server = server.to_string();
            Ok((Fresh::Postgres { server, name }, url))
        }
    }

    async fn drop(self) -> Result<(), Error> {
        match self {
            Fresh::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Fresh::Postgres { server, name } => on_server(&server, [drop_database(&name)]).await?,
        }
        Ok(())
    }
}

/// Each revision's up section in its own transaction, as sqlx's migrator runs them, without
/// any bookkeeping.
async fn replay_raw(url: &str, ups: &[(String, bool)]) -> Result<(), Error> {
    macro_rules! replay {
        ($conn:expr) => {{
            let mut conn = $conn;
            for (sql, transaction) in ups {
                if *transaction {
                    let mut tx = conn.begin().await?;
                    tx.execute(sqlx::raw_sql(AssertSqlSafe(sql.clone())))
                        .await?;
                    tx.commit().await?;
                } else {
                    conn.execute(sqlx::raw_sql(AssertSqlSafe(sql.clone())))
                        .await?;
                }
            }
            conn.close().await?;
        }};
    }
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)?.create_if_missing(true);
        replay!(sqlx::SqliteConnection::connect_with(&options).await?);
    } else {
        replay!(sqlx::PgConnection::connect(url).await?);
    }
    Ok(())
}

/// The builder of a test's database: at `at` when given, else at the migrator's target.
fn builder<'m>(migrator: &'m Migrator, at: Option<&str>) -> TestDatabaseBuilder<'m> {
    let builder = TestDatabase::builder(migrator);
    match at {
        Some(at) => builder.at(at),
        None => builder,
    }
}

/// A test database as a test gets it.
async fn test_database(
    migrator: &Migrator,
    at: Option<&str>,
    server: &str,
) -> Result<TestDatabase, Error> {
    Ok(builder(migrator, at).create(server).await?)
}

/// A test transaction as a test gets it.
async fn test_transaction(
    migrator: &Migrator,
    at: Option<&str>,
    server: &str,
) -> Result<TestTransaction, Error> {
    Ok(builder(migrator, at).transaction(server).await?)
}

/// The cases of a run.
#[derive(Clone, Copy)]
enum Case {
    Tx,
    Clone,
    Raw,
    Migrator,
}

async fn bench(
    migrator: &Migrator,
    at: Option<&str>,
    sequential: bool,
    ups: &[(String, bool)],
    server: &str,
    runs: usize,
) -> Result<Row, Error> {
    let kind = if server.starts_with("sqlite:") {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    eprintln!("{kind}: building the template, then {runs} runs after a warm-up");
    test_database(migrator, at, server)
        .await?
        .drop_database()
        .await?;
    // Transaction mode is PostgreSQL's (at the head, or at `at`).
    let with_tx = kind == "PostgreSQL";
    if with_tx {
        test_transaction(migrator, at, server)
            .await?
            .rollback()
            .await?;
    }
    let (mut tx, mut clone, mut raw) = (Samples::default(), Samples::default(), Samples::default());
    let mut migrator_setup = Samples::default();
    // Interleaved, so that a slow phase of the machine hits every case alike; or with
    // `--sequential`, each case in a block of its own, as a suite runs one way only (the
    // replays' writes then do not slow the clones down). Run 0 of a block warms up.
    let blocks: &[&[Case]] = if sequential {
        &[&[Case::Tx], &[Case::Clone], &[Case::Raw], &[Case::Migrator]]
    } else {
        &[&[Case::Tx, Case::Clone, Case::Raw, Case::Migrator]]
    };
    for cases in blocks {
        for i in 0..=runs {
            let warm = i > 0;
            for case in *cases {
                match case {
                    Case::Tx if !with_tx => {}
                    Case::Tx => tx.record(
                        warm,
                        timed(test_transaction(migrator, at, server), async |t| {
                            Ok(t.rollback().await?)
                        })
                        .await?,
                    ),
                    Case::Clone => clone.record(
                        warm,
                        timed(test_database(migrator, at, server), async |db| {
                            Ok(db.drop_database().await?)
                        })
                        .await?,
                    ),
                    Case::Raw => {
                        let setup = async {
                            let (fresh, url) = Fresh::create(server, i).await?;
                            replay_raw(&url, ups).await?;
                            Ok(fresh)
                        };
                        raw.record(warm, timed(setup, Fresh::drop).await?);
                    }
                    Case::Migrator => {
                        let setup = async {
                            let (fresh, url) = Fresh::create(server, i).await?;
                            migrator.run(&url).await?;
                            Ok(fresh)
                        };
                        migrator_setup.record(warm, timed(setup, Fresh::drop).await?);
                    }
                }
            }
        }
    }
    drop_template(migrator, at, server).await?;
    Ok(Row {
        kind,
        tx: with_tx.then(|| (stats(&tx.setup), stats(&tx.end))),
        clone_setup: stats(&clone.setup),
        clone_drop: stats(&clone.end),
        raw_setup: stats(&raw.setup),
        migrator_setup: stats(&migrator_setup.setup),
        replay_drop: stats(&raw.end),
    })
}

/// The set-up and end times of one case's runs.
#[derive(Default)]
struct Samples {
    setup: Vec<Duration>,
    end: Vec<Duration>,
}

impl Samples {
    /// Keeps a run's times, unless it is the warm-up.
    fn record(&mut self, warm: bool, (setup, end): (Duration, Duration)) {
        if warm {
            self.setup.push(setup);
            self.end.push(end);
        }
    }
}

/// Times `setup` (up to the moment a test could start), then `end` on what it made.
async fn timed<T>(
    setup: impl Future<Output = Result<T, Error>>,
    end: impl AsyncFnOnce(T) -> Result<(), Error>,
) -> Result<(Duration, Duration), Error> {
    let start = Instant::now();
    let made = setup.await?;
    let setup = start.elapsed();
    let start = Instant::now();
    end(made).await?;
    Ok((setup, start.elapsed()))
}

/// Removes the template the bench built (SQLite: the script removes the directory).
async fn drop_template(migrator: &Migrator, at: Option<&str>, server: &str) -> Result<(), Error> {
    if server.starts_with("sqlite:") {
        return Ok(());
    }
    let template = match at {
        Some(at) => TestDatabase::template_name_at(migrator, at)?,
        None => TestDatabase::template_name(migrator),
    };
    let names = [
        format!("{template}_tx"),
        format!("{template}_keep"),
        template,
    ];
    on_server(server, names.iter().map(|name| drop_database(name))).await
}

/// Runs `statements` on the PostgreSQL server's maintenance database `server`.
async fn on_server(
    server: &str,
    statements: impl IntoIterator<Item = String>,
) -> Result<(), Error> {
    let mut admin = sqlx::PgConnection::connect(server).await?;
    for sql in statements {
        admin.execute(AssertSqlSafe(sql)).await?;
    }
    admin.close().await?;
    Ok(())
}

/// Drops database `name`, sessions still in it included.
fn drop_database(name: &str) -> String {
    format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")
}
