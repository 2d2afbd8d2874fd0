//! `lint` on PostgreSQL rehearses a revision that runs in a transaction on the kept template
//! itself, in a transaction that is rolled back: the template is the same afterwards
//! (sequences included), a concurrent lint that clones it waits instead of failing, an
//! interrupted rehearsal leaves it intact, and templates of edited revisions are dropped.

use std::process::{Child, Stdio};
use std::time::Duration;

use crate::lint::{Lint, psql, psql_in, setup_with};
use cargo_schema_e2e::assert::exits;
use cargo_schema_e2e::project::poll_while_running;

/// `b2` applied on top of the base: a table with a serial column and a sequence.
const B2: &str = "CREATE TABLE items (id serial PRIMARY KEY, v int);\nCREATE SEQUENCE counter;";

/// The pending revision `c3` on top of `b2`, in a transaction.
fn c3(l: &Lint, up: &str) {
    l.write("c3", "b2", "", "", up);
}

fn with_b2() -> Option<Lint> {
    let l = setup_with("")?;
    l.write("b2", "a1", "", "", B2);
    exits(&l.run(&["up"]), 0);
    Some(l)
}

/// `psql -d DATABASE -Atc SQL`, trimmed; it must succeed.
fn psql_on(database: &str, sql: &str) -> String {
    match psql_in(database, sql) {
        Ok(out) => out.trim().to_string(),
        Err(e) => panic!("{sql}: {e}"),
    }
}

/// The lint templates made for the test database, with their comments, by name.
fn templates(l: &Lint) -> Vec<(String, String)> {
    psql(&format!(
        "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database \
         WHERE datname LIKE 'cs\\_lint\\_%' \
         AND shobj_description(oid, 'pg_database') LIKE '%/{}' ORDER BY 1",
        l.db.name()
    ))
    .unwrap_or_default()
    .lines()
    .filter_map(|line| line.split_once('|'))
    .map(|(n, c)| (n.to_string(), c.to_string()))
    .collect()
}

/// The one template whose comment names `heads` at its heads.
fn template_of(l: &Lint, heads: &str) -> String {
    let found: Vec<String> = templates(l)
        .into_iter()
        .filter(|(_, c)| c.contains(&format!("heads {heads};")))
        .map(|(n, _)| n)
        .collect();
    assert_eq!(found.len(), 1, "{found:?} in {:?}", templates(l));
    found[0].clone()
}

/// What a rolled-back rehearsal must leave as it was: the rows, the tables, the sequences.
fn state(template: &str) -> String {
    psql_on(
        template,
        "SELECT (SELECT count(*) FROM items) || ' ' || \
         (SELECT count(*) FROM pg_class WHERE relname = 'made_here') || ' ' || \
         (SELECT last_value || ' ' || is_called FROM counter) || ' ' || \
         (SELECT last_value || ' ' || is_called FROM items_id_seq)",
    )
}

#[test]
fn a_revision_using_sequences_leaves_the_template_as_it_was() {
    let Some(l) = with_b2() else { return };
    // Moves both sequences (the serial column's by the INSERT), and a table made in it.
    c3(
        &l,
        "INSERT INTO items (v) VALUES (1), (2);\nSELECT nextval('counter');\n\
         SELECT setval('counter', 100);\nCREATE TABLE made_here (x int);",
    );
    let out = l.run(&["lint"]);
    exits(&out, 0);
    let template = template_of(&l, "b2");
    assert_eq!(state(&template), "0 0 1 false 1 false");
    // On the template itself, not a clone: nothing of a scratch database, and again the same.
    let again = l.run(&["lint"]);
    exits(&again, 0);
    assert_eq!(template_of(&l, "b2"), template);
    assert_eq!(state(&template), "0 0 1 false 1 false");
    // A sequence already used is put back to where it was, not to its start.
    psql_on(&template, "SELECT setval('counter', 41)");
    exits(&l.run(&["lint"]), 0);
    assert_eq!(
        psql_on(&template, "SELECT nextval('counter')"),
        "42",
        "nextval gives what it gave before the lint"
    );
    // Not dirty, and nobody left on it.
    let comment = templates(&l)
        .into_iter()
        .find(|(n, _)| *n == template)
        .map(|(_, c)| c)
        .unwrap_or_default();
    assert!(!comment.contains("rehearsal under way"), "{comment}");
}

#[test]
fn deferred_constraints_still_fail_on_the_template() {
    let Some(l) = with_b2() else { return };
    c3(
        &l,
        "CREATE TABLE parent (id int PRIMARY KEY);\n\
         CREATE TABLE child (p int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);\n\
         INSERT INTO child VALUES (7);",
    );
    let (out, found) = l.findings(&[]);
    exits(&out, 1);
    assert!(
        found
            .iter()
            .any(|(r, rev, _)| r == "revision-fails" && rev == "c3"),
        "{found:?}"
    );
    out.stdout_has("violates foreign key constraint");
}

/// `lint TARGET` spawned in the project.
fn spawn_lint(l: &Lint, target: &str) -> Child {
    l.p.command(&["--database-url", &l.url, "--format", "json", "lint", target])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs")
}

/// Waits until a session on `database` runs a statement containing `text`.
fn wait_for_statement(database: &str, text: &str, child: &mut Child) {
    let sql = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}' \
         AND query LIKE '%{text}%' AND pid <> pg_backend_pid()"
    );
    poll_while_running(
        child,
        Duration::from_secs(60),
        &format!("lint ended before its statement ran on {database}"),
        &format!("the statement did not show up on {database}"),
        || (psql(&sql).unwrap_or_default().trim() != "0").then_some(()),
    );
}

#[test]
fn a_lint_cloning_the_template_waits_for_one_rehearsing_on_it() {
    let Some(l) = with_b2() else { return };
    // c3 runs on the template for 3 s; d4 (outside a transaction) needs a clone of the same
    // template meanwhile, which PostgreSQL refuses while a session is on it.
    c3(
        &l,
        "SELECT pg_sleep(3);\nCREATE INDEX items_v_idx ON items (v);",
    );
    l.write(
        "d4",
        "b2",
        "",
        " transaction:false",
        "CREATE INDEX CONCURRENTLY items_v2_idx ON items (v);",
    );
    // The template exists first (a lint of both builds it).
    exits(&l.run(&["lint"]), 1);
    let template = template_of(&l, "b2");
    let mut slow = spawn_lint(&l, "c3");
    wait_for_statement(&template, "pg_sleep", &mut slow);
    let clone = spawn_lint(&l, "d4").wait_with_output().expect("waits");
    let slow = slow.wait_with_output().expect("waits");
    let text = |o: &std::process::Output| {
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    assert_eq!(clone.status.code(), Some(0), "{}", text(&clone));
    assert_eq!(slow.status.code(), Some(1), "{}", text(&slow));
    assert!(
        text(&slow).contains("require-concurrent-index"),
        "{}",
        text(&slow)
    );
    assert_eq!(state(&template), "0 0 1 false 1 false");
}

#[cfg(unix)]
#[test]
fn sigterm_during_a_rehearsal_on_the_template_rolls_it_back() {
    let Some(l) = with_b2() else { return };
    c3(&l, "SELECT 1;");
    exits(&l.run(&["lint"]), 0);
    let template = template_of(&l, "b2");
    c3(
        &l,
        "INSERT INTO items (v) VALUES (1);\nSELECT nextval('counter');\n\
         CREATE TABLE made_here (x int);\nSELECT pg_sleep(60);",
    );
    let mut child = spawn_lint(&l, "c3");
    wait_for_statement(&template, "pg_sleep", &mut child);
    let stderr = crate::lint::sigterm(child);
    assert!(stderr.contains("rolled back"), "{stderr}");
    // The same template, intact, and nobody on it.
    assert_eq!(template_of(&l, "b2"), template);
    assert_eq!(state(&template), "0 0 1 false 1 false");
    assert_eq!(
        psql(&format!(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = '{template}'"
        ))
        .unwrap_or_default()
        .trim(),
        "0"
    );
}

#[test]
fn templates_of_edited_revisions_are_dropped_and_an_unfinished_one_is_rebuilt() {
    let Some(l) = setup_with("") else { return };
    // b2 and c3 pending: templates at {a1} (for b2) and {a1, b2} (for c3).
    l.write("b2", "a1", "", "", B2);
    c3(&l, "SELECT 1;");
    exits(&l.run(&["lint"]), 0);
    let base = template_of(&l, "a1");
    let old = template_of(&l, "b2");
    // b2 edited: its template is another, the old one goes, the base's stays.
    l.write(
        "b2",
        "a1",
        "",
        "",
        &format!("{B2}\nCREATE TABLE more (x int);"),
    );
    exits(&l.run(&["lint"]), 0);
    let new = template_of(&l, "b2");
    assert_ne!(new, old);
    let names: Vec<String> = templates(&l).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&base) && names.contains(&new), "{names:?}");
    // A rehearsal that never finished (kill -9) leaves its mark: that template is built again.
    psql(&format!(
        "DO $$ BEGIN EXECUTE format('COMMENT ON DATABASE %I IS %L', '{new}', \
         'rehearsal under way; ' || (SELECT shobj_description(oid, 'pg_database') \
         FROM pg_database WHERE datname = '{new}')); END $$"
    ))
    .expect("comment");
    psql_on(&new, "CREATE TABLE leftover (x int)");
    exits(&l.run(&["lint"]), 0);
    assert_eq!(template_of(&l, "b2"), new);
    assert_eq!(
        psql_on(
            &new,
            "SELECT count(*) FROM pg_class WHERE relname = 'leftover'"
        ),
        "0"
    );
}
