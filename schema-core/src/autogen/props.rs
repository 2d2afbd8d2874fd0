//! The round trip as a property, on real databases: for generated pairs of declared schemas
//! S1 and S2, a database holding S1 (with a row in every table) that runs the generated up
//! section reads back equal to S2, and the down section brings it back to S1 with the rows of
//! the tables both have still there.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::roundtrip_case;
use crate::db::Dialect;

/// One table of a generated schema: `t{n}` with `id` and some of the columns below.
#[derive(Debug, Clone)]
struct TableSpec {
    n: usize,
    /// c1: a string column of one of three types.
    c1: Option<usize>,
    /// c2: an integer column: (bigint?, not null with a default?)
    c2: Option<(bool, bool)>,
    unique_c1: bool,
    index_c2: bool,
    check_c2: bool,
    /// A foreign key c2 -> t{target}(id), to a lower-numbered table (no cycles), with
    /// ON DELETE CASCADE (true) or SET NULL.
    fk: Option<(usize, bool)>,
}

fn table_spec(n: usize) -> impl Strategy<Value = TableSpec> {
    (
        prop::option::of(0usize..3),
        prop::option::of((any::<bool>(), any::<bool>())),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::option::of((0..n.max(1), any::<bool>())),
    )
        .prop_map(
            move |(c1, c2, unique_c1, index_c2, check_c2, fk)| TableSpec {
                n,
                c1,
                c2,
                unique_c1,
                index_c2,
                check_c2,
                fk: fk.filter(|_| n > 0),
            },
        )
}

/// Up to three tables, each present or not.
fn schema_spec() -> impl Strategy<Value = Vec<TableSpec>> {
    (
        prop::option::of(table_spec(0)),
        prop::option::of(table_spec(1)),
        prop::option::of(table_spec(2)),
    )
        .prop_map(|(a, b, c)| [a, b, c].into_iter().flatten().collect())
}

fn string_type(dialect: Dialect, variant: usize) -> &'static str {
    match (dialect, variant) {
        (_, 0) => "VARCHAR(20)",
        (_, 1) => "VARCHAR(40)",
        // MySQL cannot put a UNIQUE on TEXT without a key length.
        (Dialect::MySql, _) => "VARCHAR(60)",
        _ => "TEXT",
    }
}

fn ddl(dialect: Dialect, tables: &[TableSpec]) -> String {
    let present: Vec<usize> = tables.iter().map(|t| t.n).collect();
    let mut out = String::new();
    for t in tables {
        let mut lines = vec!["id INTEGER PRIMARY KEY".to_string()];
        if let Some(v) = t.c1 {
            lines.push(format!("c1 {}", string_type(dialect, v)));
        }
        // A foreign key needs c2 (nullable for SET NULL) and its target table.
        let fk =
            t.fk.filter(|(target, _)| present.contains(target) && t.c2.is_some());
        if let Some((big, not_null)) = t.c2 {
            let ty = if big && fk.is_none() {
                "BIGINT"
            } else {
                "INTEGER"
            };
            let not_null = not_null && !matches!(fk, Some((_, false)));
            lines.push(if not_null {
                format!("c2 {ty} NOT NULL DEFAULT 1")
            } else {
                format!("c2 {ty}")
            });
            // MariaDB refuses a CHECK on a column a cascading foreign key writes.
            if t.check_c2 && fk.is_none() {
                lines.push("CHECK (c2 >= 0)".to_string());
            }
        }
        if t.unique_c1 && t.c1.is_some() {
            lines.push("UNIQUE (c1)".to_string());
        }
        if let Some((target, cascade)) = fk {
            let action = if cascade { "CASCADE" } else { "SET NULL" };
            lines.push(format!(
                "FOREIGN KEY (c2) REFERENCES t{target} (id) ON DELETE {action}"
            ));
        }
        out.push_str(&format!(
            "CREATE TABLE t{} (\n    {}\n);\n",
            t.n,
            lines.join(",\n    ")
        ));
        if t.index_c2 && t.c2.is_some() {
            out.push_str(&format!("CREATE INDEX t{0}_c2 ON t{0} (c2);\n", t.n));
        }
    }
    out
}

/// A row with id 1 in every table, in table order (foreign keys point to lower tables).
fn seed(tables: &[TableSpec]) -> String {
    let mut out = String::new();
    for t in tables {
        let mut cols = vec!["id"];
        let mut vals = vec!["1"];
        if t.c1.is_some() {
            cols.push("c1");
            vals.push("'5'");
        }
        if t.c2.is_some() {
            cols.push("c2");
            vals.push("1");
        }
        out.push_str(&format!(
            "INSERT INTO t{} ({}) VALUES ({});\n",
            t.n,
            cols.join(", "),
            vals.join(", ")
        ));
    }
    out
}

fn run(dialect: Dialect, cases: u32) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if rt.block_on(super::test_server(dialect)).is_none() {
        return;
    }
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(schema_spec(), schema_spec()), |(mut s1, mut s2)| {
            // The rows must be valid on both sides, as a real migration's data must be: a
            // table that keeps its row only references, in either schema, a table that keeps
            // its row too (a table dropped by the up section comes back empty in the down).
            let n1: Vec<usize> = s1.iter().map(|t| t.n).collect();
            let n2: Vec<usize> = s2.iter().map(|t| t.n).collect();
            let in_both = |n: usize| n1.contains(&n) && n2.contains(&n);
            for t in s1.iter_mut().chain(s2.iter_mut()) {
                if in_both(t.n) && t.fk.is_some_and(|(target, _)| !in_both(target)) {
                    t.fk = None;
                }
            }
            // The seeded row of the first table both have, in the columns both have.
            let check = s1.iter().find_map(|a| {
                let b = s2.iter().find(|b| b.n == a.n)?;
                let mut cols = vec![("id", "1")];
                if a.c1.is_some() && b.c1.is_some() {
                    cols.push(("c1", "5"));
                }
                if a.c2.is_some() && b.c2.is_some() {
                    cols.push(("c2", "1"));
                }
                let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
                let values: Vec<&str> = cols.iter().map(|c| c.1).collect();
                Some((
                    format!("SELECT {} FROM t{}", names.join(", "), a.n),
                    values.join("|"),
                ))
            });
            let expected = check.as_ref().map(|(_, v)| [v.as_str()]);
            rt.block_on(roundtrip_case(
                dialect,
                &ddl(dialect, &s1),
                &ddl(dialect, &s2),
                &seed(&s1),
                check
                    .as_ref()
                    .zip(expected.as_ref())
                    .map(|((q, _), e)| (q.as_str(), &e[..])),
            ));
            Ok(())
        })
        .expect("round trip");
}

#[test]
fn generated_schema_pairs_round_trip_on_sqlite() {
    run(Dialect::Sqlite, 96);
}

#[test]
fn generated_schema_pairs_round_trip_on_postgres() {
    run(Dialect::Postgres, 16);
}

#[test]
fn generated_schema_pairs_round_trip_on_mariadb() {
    run(Dialect::MySql, 16);
}
