//! Measures `Migrator::run_pool` when nothing is pending — an application's start-up path —
//! on 1,000 embedded revisions against a local PostgreSQL, excluding connection set-up (the
//! pool's one connection is warm). Run with `bash bench/startup.sh`.

use std::time::{Duration, Instant};

use schema_core::Migrator;

fn revisions(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let id = format!("r{i:05}");
            let revises = if i == 0 { String::new() } else { format!("r{:05}", i - 1) };
            let text = format!(
                "-- revision: {id}\n-- revises: {revises}\n-- message: table {i}\n\n-- migrate:up\nCREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nCREATE INDEX t{i}_name ON t{i} (name);\n\n-- migrate:down\nDROP TABLE t{i};\n"
            );
            (format!("migrations/{id}.sql"), text)
        })
        .collect()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        "postgres://postgres@127.0.0.1/cs_bench_startup?sslmode=disable".into()
    });
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(200);
    let files = revisions(1_000);
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let migrator = Migrator::from_embedded(&borrowed)?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await?;
    let first = migrator.run_pool(&pool).await?;
    eprintln!("applied {} revision(s) first", first.steps.len());
    // Warm-up.
    for _ in 0..10 {
        migrator.run_pool(&pool).await?;
    }
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let report = migrator.run_pool(&pool).await?;
        times.push(start.elapsed());
        assert!(report.steps.is_empty(), "something was pending");
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / runs as u32;
    let median = times[runs / 2];
    let p95 = times[runs * 95 / 100];
    println!("| revisions | runs | mean (ms) | median (ms) | p95 (ms) | budget |");
    println!("|---:|---:|---:|---:|---:|---|");
    println!(
        "| 1,000 | {runs} | {:.2} | {:.2} | {:.2} | < 5 ms |",
        mean.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3
    );
    if mean >= Duration::from_millis(5) {
        eprintln!("over budget");
        std::process::exit(1);
    }
    Ok(())
}
