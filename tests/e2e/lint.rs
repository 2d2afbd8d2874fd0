//! `lint`: revisions rehearsed on a scratch database of the real PostgreSQL server, each rule
//! positive (the dangerous statement) and negative (the safe recipe or the look-alike: an
//! index built CONCURRENTLY, a table created in the same revision, a NOT VALID constraint
//! validated in a later revision), silencing, configuration, JSON, exit codes, and the
//! rehearsal databases never left behind.

use std::process::Command;

use cargo_schema_e2e::assert::{INVALID, error_line_has, exits, help_has, invalid};
use cargo_schema_e2e::db::{Server, TestDatabase, on_postgres, run_on, url_with_password};
use cargo_schema_e2e::json::{findings, number, text};
use cargo_schema_e2e::project::MANIFEST;
#[cfg(unix)]
use cargo_schema_e2e::scratch::signal;
use cargo_schema_e2e::scratch::{no_scratch_privilege, owner_running, scratch_databases};
use cargo_schema_e2e::{Output, TestProject, no_create_role_database};

/// The first revision: two tables that exist before the linted revisions (applied by `up`).
const BASE: &str = "CREATE TABLE users (id int PRIMARY KEY, email text, age int, name varchar(10));\n\
CREATE TABLE orders (id int PRIMARY KEY, user_id int);\n\
CREATE INDEX users_age_idx ON users (age);";

/// A revision file: its up section's first statement is on line 6 (line 5 with an extra
/// header line: `header` is one line, or empty).
pub(crate) fn revision_text(
    id: &str,
    revises: &str,
    header: &str,
    up_options: &str,
    up: &str,
) -> String {
    let header = if header.is_empty() {
        String::new()
    } else {
        format!("{header}\n")
    };
    format!(
        "-- revision: {id}\n-- revises: {revises}\n-- message: revision {id}\n{header}\n-- migrate:up{up_options}\n{up}\n"
    )
}

/// Drops the templates lint built for the test database (their comment names it).
struct Templates(String);

impl Drop for Templates {
    fn drop(&mut self) {
        let list = format!(
            "SELECT datname FROM pg_database WHERE datname LIKE 'cs\\_lint\\_%' \
             AND shobj_description(oid, 'pg_database') LIKE '%/{}'",
            self.0
        );
        let Ok(out) = on_postgres(&list) else { return };
        for name in out.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let _ = on_postgres(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// A project whose one revision `a1` holds `up`.
fn with_base(up: &str) -> TestProject {
    TestProject::with_file(
        "migrations/a1_base.sql",
        revision_text("a1", "", "", "", up),
    )
}

pub(crate) fn psql(sql: &str) -> Result<String, String> {
    psql_in("postgres", sql)
}

/// `psql -d DATABASE -Atc SQL`: its output, or its error.
pub(crate) fn psql_in(database: &str, sql: &str) -> Result<String, String> {
    let out = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atc"])
        .arg(sql)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A project on a fresh PostgreSQL database with [`BASE`] applied.
pub(crate) struct Lint {
    pub(crate) p: TestProject,
    pub(crate) url: String,
    pub(crate) db: TestDatabase,
    _templates: Templates,
}

impl Lint {
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        run_on(&self.p, &self.url, args)
    }

    /// `lint ARGS` in JSON: the findings as (rule, revision, line).
    pub(crate) fn findings(&self, args: &[&str]) -> (Output, Vec<(String, String, u64)>) {
        let mut all = vec!["--format", "json", "lint"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        let json = out.json();
        let found = findings(&json, |f| {
            (text(f, "rule"), text(f, "revision"), number(f, "line"))
        });
        (out, found)
    }

    /// The rules of the findings of `lint` (pending revisions).
    fn rules(&self) -> Vec<String> {
        self.findings(&[])
            .1
            .into_iter()
            .map(|(r, _, _)| r)
            .collect()
    }

    /// Pending revisions `b2`, `c3`, … each on the one before (`b2` on the base), with the
    /// up sections `ups` and no extra header or marker option.
    fn pending(&self, ups: &[&str]) {
        let ids = ["a1", "b2", "c3", "d4", "e5"];
        for (i, up) in ups.iter().enumerate() {
            self.write(ids[i + 1], ids[i], "", "", up);
        }
    }

    /// Writes the pending revisions `ups` ([`pending`](Self::pending)), lints them in JSON and
    /// asserts the exit code `code`: the output and the findings.
    #[track_caller]
    fn lint_pending(&self, ups: &[&str], code: i32) -> (Output, Vec<(String, String, u64)>) {
        self.pending(ups);
        let (out, found) = self.findings(&[]);
        exits(&out, code);
        (out, found)
    }

    pub(crate) fn write(&self, id: &str, revises: &str, header: &str, up_options: &str, up: &str) {
        self.p.write(
            &format!("migrations/{id}_r.sql"),
            revision_text(id, revises, header, up_options, up),
        );
    }
}

pub(crate) fn setup_with(manifest_extra: &str) -> Option<Lint> {
    let db = TestDatabase::create(Server::Postgres, &cargo_schema_e2e::db::current_test_name())?;
    let p = with_base(BASE);
    p.write("Cargo.toml", format!("{MANIFEST}{manifest_extra}"));
    let url = url_with_password(&db);
    exits(&run_on(&p, &url, &["up"]), 0);
    Some(Lint {
        _templates: Templates(db.name().to_string()),
        p,
        url,
        db,
    })
}

macro_rules! setup {
    () => {
        setup!("")
    };
    ($extra:expr) => {
        match setup_with($extra) {
            Some(l) => l,
            None => return,
        }
    };
}

/// One pending revision `b2` on top of the base with `up`; the rules it is found to break.
fn rules_of(up_options: &str, up: &str) -> Vec<String> {
    let Some(l) = setup_with("") else {
        return vec!["skipped".into()];
    };
    l.write("b2", "a1", "", up_options, up);
    l.rules()
}

#[track_caller]
fn has(rules: &[String], rule: &str) {
    if rules == ["skipped"] {
        return;
    }
    assert!(rules.iter().any(|r| r == rule), "{rule} not in {rules:?}");
}

#[track_caller]
fn lacks(rules: &[String], rule: &str) {
    assert!(!rules.iter().any(|r| r == rule), "{rule} in {rules:?}");
}

// ---------------------------------------------------------------------------------------
// Each PostgreSQL rule: positive and negative
// ---------------------------------------------------------------------------------------

/// The rules lint finds in the pending revisions `ups` (see [`Lint::pending`]); returns from
/// the test when there is no server, as [`setup!`] does.
macro_rules! rules_of_pending {
    ($ups:expr) => {{
        let l = setup!();
        l.pending($ups);
        l.rules()
    }};
}

/// One `#[test]` a row: for each `rules => [found…] / [not found…]`, the rules (of
/// [`rules_of`] or [`rules_of_pending!`]) include every `found` and no `not found`; then the
/// row's `then { … }` block, if any.
macro_rules! rules {
    ($(
        $name:ident: $($rules:expr => [$($has:expr),*] / [$($lacks:expr),*]),+
        $(then $then:block)?;
    )+) => {$(
        #[test]
        fn $name() {
            $(
                let rules = $rules;
                $(has(&rules, $has);)*
                $(lacks(&rules, $lacks);)*
            )+
            $($then)?
        }
    )+};
}

rules! {
    drop_index_needs_concurrently:
        rules_of("", "DROP INDEX users_age_idx;") => ["require-concurrent-index-drop"] / [],
        rules_of(" transaction:false", "DROP INDEX CONCURRENTLY users_age_idx;") => [] / ["require-concurrent-index-drop"];
    concurrent_index_in_a_transaction_fails:
        rules_of("", "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);") => ["concurrent-index-in-transaction"] / ["revision-fails"];
    a_type_change_rewrites_but_a_wider_varchar_does_not:
        rules_of("", "ALTER TABLE users ALTER COLUMN age TYPE bigint;") => ["table-rewrite"] / [],
        rules_of("", "ALTER TABLE users ALTER COLUMN name TYPE varchar(50);") => [] / ["table-rewrite"];
    access_exclusive_held_while_more_statements_run:
        rules_of("", "ALTER TABLE users ADD COLUMN note text;\nUPDATE orders SET user_id = 1 WHERE false;") => ["access-exclusive-held"] / [],
        rules_of("", "ALTER TABLE users ADD COLUMN note text;") => [] / ["access-exclusive-held"];
    strong_locks_want_a_lock_timeout:
        rules_of("", "ALTER TABLE users ADD COLUMN note text;") => ["missing-lock-timeout"] / [],
        rules_of("", "SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN note text;") => [] / ["missing-lock-timeout"];
    not_null_columns_added_to_existing_tables_need_a_default:
        rules_of("", "ALTER TABLE users ADD COLUMN nick text NOT NULL;") => ["not-null-without-default"] / [],
        rules_of("", "ALTER TABLE users ADD COLUMN nick text NOT NULL DEFAULT '';\nCREATE TABLE t (id int, v text NOT NULL);\nALTER TABLE t ADD COLUMN w text NOT NULL;") => [] / ["not-null-without-default", "table-rewrite"];
    concurrent_index_and_index_on_a_new_table_are_fine:
        rules_of(" transaction:false", "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);")
            => [] / ["require-concurrent-index", "concurrent-index-in-transaction", "revision-fails"]
        then {
            let rules = rules_of("", "CREATE TABLE t (id int, v text);\nCREATE INDEX t_v_idx ON t (v);");
            assert!(rules.is_empty() || rules == ["skipped"], "{rules:?}");
        };
    set_not_null_scans_unless_a_validated_check_stands:
        rules_of("", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;") => ["set-not-null-scan"] / [],
        rules_of_pending!(&[
            "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;",
            "ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;",
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
        ]) => [] / ["set-not-null-scan", "constraint-missing-not-valid"];
    constraints_on_existing_tables_need_not_valid:
        rules_of("", "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);")
            => ["constraint-missing-not-valid", "fk-without-index"] / [],
        rules_of("", "ALTER TABLE users ADD CONSTRAINT age_positive CHECK (age > 0);") => ["constraint-missing-not-valid"] / []
        then {
            // NOT VALID, then VALIDATE in a later revision; and a foreign key of a new table.
            let rules = rules_of_pending!(&[
                "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
                "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;",
                "CREATE TABLE notes (id int, user_id int REFERENCES users (id));\nCREATE INDEX notes_user_idx ON notes (user_id);",
            ]);
            lacks(&rules, "constraint-missing-not-valid");
            // orders.user_id has no index: that one is still said.
            assert_eq!(rules.iter().filter(|r| *r == "fk-without-index").count(), 1, "{rules:?}");
        };
    unique_constraints_use_an_index_built_concurrently:
        rules_of("", "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);") => ["unique-constraint-without-index"] / []
        then {
            let l = setup!();
            l.write("b2", "a1", "", " transaction:false", "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);");
            l.write(
                "c3",
                "b2",
                "",
                "",
                "SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;",
            );
            let rules = l.rules();
            lacks(&rules, "unique-constraint-without-index");
            lacks(&rules, "require-concurrent-index");
            assert!(rules.is_empty(), "{rules:?}");
        };
}

#[test]
fn create_index_on_an_existing_table_needs_concurrently() {
    let l = setup!();
    let (out, found) = l.lint_pending(&["CREATE INDEX users_email_idx ON users (email);"], 1);
    assert!(
        found.contains(&("require-concurrent-index".into(), "b2".into(), 6)),
        "{found:?}"
    );
    let json = out.json();
    let f = &json["findings"][0];
    assert_eq!(f["file"], "migrations/b2_r.sql");
    assert_eq!(f["severity"], "error");
    assert_eq!(
        f["message"],
        "CREATE INDEX on `users` takes SHARE on `users` (writes wait until it ends)"
    );
    assert!(
        f["help"][0]
            .as_str()
            .is_some_and(|h| h.contains("CREATE INDEX CONCURRENTLY users_email_idx")),
        "{f}"
    );
    assert_eq!(json["ok"], false);
    assert_eq!(json["linted"], serde_json::json!(["b2"]));
}

/// The rehearsal runs a revision as `up` would: with the configured `lock-timeout` set for it
/// (`SET LOCAL` in its transaction, for the session outside one), a strong lock has one;
/// without, or with only a `statement-timeout`, it has none.
#[test]
fn a_configured_lock_timeout_is_one() {
    let strong = "ALTER TABLE users ADD COLUMN note text;";
    for (extra, options, wanted) in [
        ("lock-timeout = \"5s\"\n", "", false),
        ("lock-timeout = \"5s\"\n", " transaction:false", false),
        ("statement-timeout = \"1min\"\n", "", true),
        ("", " transaction:false", true),
    ] {
        let l = setup!(extra);
        l.write("b2", "a1", "", options, strong);
        let rules = l.rules();
        let found = rules.iter().any(|r| r == "missing-lock-timeout");
        assert_eq!(found, wanted, "{extra:?}{options:?}: {rules:?}");
    }
}

/// The configured `statement-timeout` ends a statement on the rehearsal database as it would
/// in `up`: the revision fails there, with the database's message (not after 30 s).
#[test]
fn a_configured_statement_timeout_ends_a_slow_statement() {
    let l = setup!("statement-timeout = \"1s\"\n");
    let (out, found) = l.lint_pending(&["SELECT pg_sleep(30);"], 1);
    assert!(
        found.contains(&("revision-fails".into(), "b2".into(), 6)),
        "{found:?}"
    );
    assert!(out.stdout.contains("statement timeout"), "{}", out.stdout);
}

// ---------------------------------------------------------------------------------------
// Every-backend rules
// ---------------------------------------------------------------------------------------

#[test]
fn drops_and_renames_of_existing_objects_are_warnings() {
    let l = setup!();
    // Warnings only: exit 0.
    let (out, found) = l.lint_pending(&[
        "ALTER TABLE users DROP COLUMN age;\nALTER TABLE users RENAME COLUMN name TO full_name;\nALTER TABLE orders RENAME TO purchases;",
        "DROP TABLE purchases;",
    ], 0);
    for (rule, rev, line) in [
        ("drop-column", "b2", 6),
        ("rename-column", "b2", 7),
        ("rename-table", "b2", 8),
        ("drop-table", "c3", 6),
    ] {
        assert!(
            found.contains(&(rule.into(), rev.into(), line)),
            "{rule}: {found:?}"
        );
    }
    assert!(out.json()["findings"].as_array().is_some_and(|v| {
        v.iter().all(|f| {
            f["severity"] == "warning"
                || f["rule"] == "missing-lock-timeout"
                || f["rule"] == "access-exclusive-held"
        })
    }));
    // The same on a table created in the same revision: nothing.
    let rules = rules_of(
        "",
        "CREATE TABLE t (id int, a int, b int);\nALTER TABLE t DROP COLUMN a;\nALTER TABLE t RENAME COLUMN b TO c;\nALTER TABLE t RENAME TO u;\nDROP TABLE u;",
    );
    assert!(rules.is_empty() || rules == ["skipped"], "{rules:?}");
}

rules! {
    foreign_keys_want_an_index_on_their_columns:
        rules_of("", "CREATE TABLE notes (id int, user_id int REFERENCES users (id));") => ["fk-without-index"] / [],
        rules_of("", "CREATE TABLE notes (id int, user_id int REFERENCES users (id));\nCREATE INDEX ON notes (user_id, id);") => [] / ["fk-without-index"];
}

#[test]
fn a_revision_that_fails_is_an_error_with_the_databases_message() {
    let l = setup!();
    l.pending(&["ALTER TABLE users ADD COLUMN x int;\nALTER TABLE nowhere ADD COLUMN y int;"]);
    let out = l.run(&["lint"]);
    exits(&out, 1);
    out.stderr_has("error[revision-fails]")
        .stderr_has("relation \"nowhere\" does not exist")
        .stderr_has("migrations/b2_r.sql:7 (revision b2)");
}

// ---------------------------------------------------------------------------------------
// Silencing, configuration, ranges, exit codes
// ---------------------------------------------------------------------------------------

#[test]
fn allow_comments_silence_a_statement_or_a_revision() {
    let l = setup!();
    l.pending(&[
        "-- why: small table\n-- lint: allow require-concurrent-index, missing-lock-timeout users has 20 rows\nCREATE INDEX users_email_idx ON users (email);\nCREATE INDEX users_name_idx ON users (name);",
    ]);
    let (_, found) = l.findings(&[]);
    let on_line = |line: u64| -> Vec<&str> {
        found
            .iter()
            .filter(|(_, _, l)| *l == line)
            .map(|(r, _, _)| r.as_str())
            .collect()
    };
    assert!(on_line(8).is_empty(), "{found:?}");
    assert!(
        on_line(9).contains(&"require-concurrent-index"),
        "{found:?}"
    );
    // In the header: the whole revision.
    l.write(
        "b2",
        "a1",
        "-- lint: allow require-concurrent-index, missing-lock-timeout built before launch",
        "",
        "CREATE INDEX users_email_idx ON users (email);\nCREATE INDEX users_name_idx ON users (name);",
    );
    let (out, found) = l.findings(&[]);
    exits(&out, 0);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn an_allow_comment_needs_a_reason_and_known_rules() {
    let l = setup!();
    let (_, found) = l.lint_pending(&[
        "-- lint: allow require-concurrent-index\nCREATE INDEX users_email_idx ON users (email);\n-- lint: allow table-rewrites it is small\nALTER TABLE users ALTER COLUMN age TYPE bigint;",
    ], 1);
    for (rule, line) in [
        ("lint-allow-without-reason", 6),
        ("require-concurrent-index", 7),
        ("lint-allow-unknown-rule", 8),
        ("table-rewrite", 9),
    ] {
        assert!(
            found.contains(&(rule.into(), "b2".into(), line)),
            "{rule}: {found:?}"
        );
    }
    let out = l.run(&["lint"]);
    out.stderr_has("did you mean `table-rewrite`?");
}

#[test]
fn the_configuration_sets_severities_and_turns_rules_off() {
    let l = setup!(
        "\n[package.metadata.schema.lint]\ntable-rewrite = \"off\"\ndrop-column = \"error\"\nmissing-lock-timeout = \"off\"\naccess-exclusive-held = \"off\"\n"
    );
    let (_, found) = l.lint_pending(&["ALTER TABLE users ALTER COLUMN age TYPE bigint;"], 0);
    assert!(found.is_empty(), "{found:?}");
    let (out, _) = l.lint_pending(&["ALTER TABLE users DROP COLUMN name;"], 1);
    assert_eq!(out.json()["findings"][0]["severity"], "error");
}

#[test]
fn a_bad_lint_configuration_is_refused_naming_it() {
    let cases: [(&str, &[&str], &[&str]); 2] = [
        (
            "table-rewrites = \"off\"",
            &["unknown rule `table-rewrites`"],
            &["did you mean `table-rewrite`?"],
        ),
        (
            "table-rewrite = \"fatal\"",
            &["`table-rewrite`", "`fatal`"],
            &[],
        ),
    ];
    for (setting, needles, helps) in cases {
        let p =
            TestProject::with_metadata(&format!("\n[package.metadata.schema.lint]\n{setting}\n"));
        let out = run_on(&p, "postgres://postgres@127.0.0.1/postgres", &["lint"]);
        invalid(&out, needles);
        for help in helps {
            help_has(&out, help);
        }
    }
}

#[test]
fn deny_warnings_fails_on_a_warning() {
    let l = setup!();
    let (out, found) = l.lint_pending(
        &["SET LOCAL lock_timeout = '2s';\nALTER TABLE users DROP COLUMN name;"],
        0,
    );
    assert_eq!(
        found,
        vec![("drop-column".to_string(), "b2".to_string(), 7)]
    );
    assert_eq!(out.json()["ok"], true);
    let (out, _) = l.findings(&["--deny", "warnings"]);
    exits(&out, 1);
    assert_eq!(out.json()["ok"], false);
    let out = l.run(&["lint", "--deny", "warnings"]);
    out.stderr_has("warning[drop-column]");
    error_line_has(&out, &["0 error(s), 1 warning(s)"]);
    help_has(&out, "--deny warnings");
}

#[test]
fn a_range_or_a_target_picks_the_revisions() {
    let l = setup!();
    l.pending(&["CREATE TABLE t2 (id int);", "CREATE TABLE t3 (id int);"]);
    let linted = |args: &[&str]| {
        let mut all = vec!["--format", "json", "lint"];
        all.extend_from_slice(args);
        let out = l.run(&all);
        exits(&out, 0);
        cargo_schema_e2e::json::strings(&out.json()["linted"])
    };
    assert_eq!(linted(&[]), ["b2", "c3"]);
    // An applied revision is linted when named.
    assert_eq!(linted(&["a1"]), ["a1"]);
    assert_eq!(linted(&["a1:c3"]), ["a1", "b2", "c3"]);
    assert_eq!(linted(&["b2:"]), ["b2", "c3"]);
    exits(&l.run(&["up"]), 0);
    assert!(linted(&[]).is_empty());
    let out = l.run(&["lint", "nope"]);
    exits(&out, INVALID);
    error_line_has(&out, &["nope"]);
}

#[test]
fn sqlite_and_mariadb_are_observed_too() {
    // They were "lint observes PostgreSQL only so far" (exit 2); tests/e2e/lint_backends.rs
    // has their rules.
    let p = with_base("CREATE TABLE t (id int);");
    let out = p.run(&["lint"]);
    exits(&out, 0);
    out.stderr_has("1 revision(s): no findings");
}

// ---------------------------------------------------------------------------------------
// The rehearsal database
// ---------------------------------------------------------------------------------------

#[test]
fn no_rehearsal_database_is_left_behind() {
    let l = setup!();
    let before = scratch_databases(&l.db);
    l.pending(&["CREATE INDEX users_email_idx ON users (email);"]);
    l.write("c3", "a1", "", "", "ALTER TABLE nowhere ADD COLUMN y int;");
    exits(&l.run(&["lint"]), 1);
    let left: Vec<String> = scratch_databases(&l.db)
        .into_iter()
        .filter(|n| !before.contains(n) && !owner_running(n))
        .collect();
    assert!(left.is_empty(), "lint left {left:?}");
    // The template of the base stays, for the next run.
    let templates = on_postgres(&format!(
        "SELECT count(*) FROM pg_database WHERE shobj_description(oid, 'pg_database') LIKE '%/{}'",
        l.db.name()
    ))
    .unwrap_or_default();
    assert_eq!(templates.trim(), "1");
}

#[test]
fn a_user_who_may_not_create_databases_is_told_lint_needs_one() {
    let (_role, _db, url) = no_create_role_database!("cs_lint_nocreate");
    let p = with_base(BASE);
    let out = run_on(&p, &url, &["lint"]);
    no_scratch_privilege(&out, "lint cannot use a scratch database", "CREATEDB");
}

#[test]
fn no_server_is_an_error_that_says_lint_needs_one() {
    let p = with_base(BASE);
    let out = run_on(&p, "postgres://postgres@127.0.0.1:1/app", &["lint"]);
    exits(&out, 1);
    error_line_has(&out, &["cannot connect"]);
    help_has(&out, "scratch database");
}

// ---------------------------------------------------------------------------------------
// Snapshots of the human output
// ---------------------------------------------------------------------------------------

fn snapshot(name: &str, l: &Lint, out: &Output) {
    let text = format!(
        "exit: {}\n--- stdout ---\n{}--- stderr ---\n{}",
        out.code, out.stdout, out.stderr
    )
    .replace(l.db.name(), "[DB]");
    insta::with_settings!({
        prepend_module_to_snapshot => false,
        filters => vec![(r"postgres://[^ \n]*", "[URL]")],
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// One `#[test]` a row: `name: up;` snapshots `lint` of a pending revision `b2` holding `up`
/// as the snapshot `name`.
macro_rules! lint_snapshots {
    ($($name:ident: $up:expr;)+) => {$(
        #[test]
        fn $name() {
            let l = setup!();
            l.pending(&[$up]);
            snapshot(stringify!($name), &l, &l.run(&["lint"]));
        }
    )+};
}

lint_snapshots! {
    output_lint_findings: "CREATE INDEX users_email_idx ON users (email);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users DROP COLUMN name;";
    output_lint_allow_problems: "-- lint: allow require-concurrent-index\nCREATE INDEX users_email_idx ON users (email);\n-- lint: allow drop-colum gone from the code\nALTER TABLE users DROP COLUMN name;";
}

// ---------------------------------------------------------------------------------------
// check and new --autogenerate
// ---------------------------------------------------------------------------------------

#[test]
fn check_lints_the_pending_revisions() {
    let l = setup!();
    l.pending(&[
        "CREATE INDEX users_email_idx ON users (email);\nALTER TABLE users DROP COLUMN name;",
    ]);
    let out = l.run(&["check"]);
    exits(&out, 1);
    error_line_has(
        &out,
        &["migrations/b2_r.sql:6", "error[require-concurrent-index]"],
    );
    out.stderr_has("warning: migrations/b2_r.sql:7: warning[drop-column]");
    let out = l.run(&["--format", "json", "check"]);
    let json = out.json();
    let rules: Vec<&str> = json["lint"]
        .as_array()
        .map(|v| v.iter().filter_map(|f| f["rule"].as_str()).collect())
        .unwrap_or_default();
    assert!(rules.contains(&"require-concurrent-index"), "{json}");
    // Applied: nothing pending, nothing linted.
    exits(&l.run(&["up"]), 0);
    exits(&l.run(&["check"]), 0).stderr_lacks("require-concurrent-index");
}

#[test]
fn autogenerate_lints_the_revision_it_wrote() {
    let Some(l) = setup_with("schema = \"schema.sql\"\n") else {
        return;
    };
    l.p.write(
        "schema.sql",
        "CREATE TABLE users (id int PRIMARY KEY, email text, age int, name varchar(10));\n\
         CREATE TABLE orders (id int PRIMARY KEY, user_id int);\n\
         CREATE INDEX users_age_idx ON users (age);\n\
         CREATE INDEX users_email_idx ON users (email);\n",
    );
    let out = l.run(&["new", "--autogenerate", "-m", "email index"]);
    exits(&out, 0);
    out.stderr_has("error[require-concurrent-index]")
        .stderr_has("CREATE INDEX on `users` takes SHARE on `users`");
}

// ---------------------------------------------------------------------------------------
// SIGTERM and kill -9 while rehearsing
// ---------------------------------------------------------------------------------------

/// The scratch databases named after process `pid`.
fn scratch_of(db: &TestDatabase, pid: u32) -> Vec<String> {
    scratch_databases(db)
        .into_iter()
        .filter(|n| n.split('_').nth(5) == Some(pid.to_string().as_str()))
        .collect()
}

/// `lint` started with stderr piped, and the name of its rehearsal database once its
/// statement runs there.
#[cfg(unix)]
fn lint_until_rehearsing(l: &Lint) -> (std::process::Child, String) {
    use cargo_schema_e2e::project::poll_while_running;
    use std::process::Stdio;
    use std::time::Duration;
    let mut child = Command::new(cargo_schema_e2e::binary())
        .args(["schema", "--database-url", &l.url, "lint"])
        .current_dir(l.p.path())
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let pid = child.id();
    let name = poll_while_running(
        &mut child,
        Duration::from_secs(30),
        "lint ended before its rehearsal database showed up",
        "no rehearsal database showed up",
        || scratch_of(&l.db, pid).into_iter().next(),
    );
    std::thread::sleep(Duration::from_millis(1500));
    (child, name)
}

/// Sends SIGTERM to a `lint` started with stderr piped; checks that it ends interrupted, and
/// gives its stderr.
#[cfg(unix)]
pub(crate) fn sigterm(mut child: std::process::Child) -> String {
    let (code, stderr) = signal(&mut child, "-TERM");
    assert_ne!(code, Some(0), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    stderr
}

#[cfg(unix)]
#[test]
fn sigterm_drops_the_rehearsal_database_and_kill_9_leaves_one_the_next_run_drops() {
    let l = setup!();
    // Outside a transaction: rehearsed on a clone of the template (lint_rehearsal.rs has a
    // rehearsal on the template itself interrupted).
    l.write("b2", "a1", "", " transaction:false", "SELECT pg_sleep(30);");
    let (child, name) = lint_until_rehearsing(&l);
    let stderr = sigterm(child);
    assert!(
        !scratch_databases(&l.db).contains(&name),
        "{name} is left\n{stderr}"
    );

    let (mut child, name) = lint_until_rehearsing(&l);
    signal(&mut child, "-KILL");
    assert!(
        scratch_databases(&l.db).contains(&name),
        "kill -9 left nothing?"
    );
    l.pending(&["SELECT 1;"]);
    let out = l.run(&["lint"]);
    exits(&out, 0);
    out.stderr_has(&name).stderr_has("Dropped");
    assert!(!scratch_databases(&l.db).contains(&name));
}
