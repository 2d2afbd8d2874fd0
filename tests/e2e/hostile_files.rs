//! Careless and hostile files: NUL bytes, header keys spelled another way, symbolic links under
//! the migrations directory, and templates that never finish.
//!
//! Each is refused before anything runs (exit 2, the file and line or path named, a `help:`
//! line) or, where the user's meaning is clear, taken; none is ever dropped in silence, and none
//! may hang: runs that could are given a time limit.

use std::time::Duration;

use cargo_schema_e2e::assert::{INVALID, error_line_has, exits, help_has, invalid};
use cargo_schema_e2e::db::Server;
use cargo_schema_e2e::on_both_servers;
use cargo_schema_e2e::{Output, TestProject, test_database};

/// Long enough for a loaded machine, short enough that a hang fails the test quickly.
const LIMIT: Duration = Duration::from_secs(60);

/// A revision file's text: header lines as given, then both sections.
fn revision_text(header: &str, up: &str, down: &str) -> String {
    format!("{header}\n-- migrate:up\n{up}\n\n-- migrate:down\n{down}\n")
}

/// The ids of the current heads (`heads` prints one `id …` line per head).
#[track_caller]
fn heads(p: &TestProject) -> Vec<String> {
    let out = p.run(&["heads"]);
    exits(&out, 0);
    out.first_words()
}

// ---------------------------------------------------------------------------------------------
// NUL bytes
// ---------------------------------------------------------------------------------------------

/// `aa01` with a NUL byte on line 6, inside the up section.
fn project_with_a_nul_byte() -> TestProject {
    let p = TestProject::new();
    p.write(
        "migrations/aa01_x.sql",
        "-- revision: aa01\n-- revises:\n\n-- migrate:up\nCREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\0\nCREATE TABLE b (id int);\n\n-- migrate:down\nDROP TABLE b;\nDROP TABLE a;\n",
    );
    p
}

/// The exit code of a run refused for malformed files: 2, but 1 for `check`, where they are
/// findings like any other.
fn refusal_code(args: &[&str]) -> i32 {
    if args.first() == Some(&"check") {
        1
    } else {
        INVALID
    }
}

#[track_caller]
fn refused_for_the_nul_byte(out: &Output, args: &[&str]) {
    exits(out, refusal_code(args));
    error_line_has(out, &["migrations/aa01_x.sql:6:", "NUL byte"]);
    help_has(out, "remove it");
}

#[test]
fn a_nul_byte_is_refused_with_its_line_by_every_command_that_loads_revisions() {
    let p = project_with_a_nul_byte();
    // Before the fix SQLite `up` spun forever here, holding the write lock.
    for args in [
        &["up"][..],
        &["up", "--sql"],
        &["heads"],
        &["history"],
        &["check"],
        &["show", "aa01"],
        &["down", "base"],
        &["stamp", "head"],
    ] {
        let out = p.run_within(LIMIT, args);
        refused_for_the_nul_byte(&out, args);
        assert!(out.stdout.trim().is_empty(), "{out:#?}");
    }
}

#[test]
fn a_nul_byte_in_the_header_names_line_and_column() {
    let p = TestProject::new();
    p.write(
        "migrations/aa01_x.sql",
        "-- revision: aa01\n-- revises:\n-- message: a\0b\n-- migrate:up\nSELECT 1;\n",
    );
    let out = p.run_within(LIMIT, &["history"]);
    invalid(&out, &["migrations/aa01_x.sql:3:", "NUL byte (column 14)"]);
}

fn a_nul_byte_is_refused_before_anything_runs_on(server: Server) {
    let db = test_database!(server);
    let p = project_with_a_nul_byte();
    let out = p.run_within(LIMIT, &["--database-url", &db.url(), "up"]);
    refused_for_the_nul_byte(&out, &["up"]);
    assert!(
        db.tables().is_empty(),
        "tables were made: {:?}",
        db.tables()
    );
}

on_both_servers!(
    a_nul_byte_is_refused_before_anything_runs_on:
        a_nul_byte_is_refused_before_anything_runs_on_postgres,
        a_nul_byte_is_refused_before_anything_runs_on_mariadb
);

// ---------------------------------------------------------------------------------------------
// Header keys
// ---------------------------------------------------------------------------------------------

/// `aa01` a base; `bb02` and `cc03` whose `revises` / `depends-on` lines are spelled as given.
fn chain_with_headers(bb02_header: &str, cc03_header: &str) -> TestProject {
    let p = TestProject::new();
    for (file, header, up, down) in [
        (
            "migrations/aa01_a.sql",
            "-- revision: aa01\n-- revises:\n".to_string(),
            "CREATE TABLE a (id INTEGER PRIMARY KEY);",
            "DROP TABLE a;",
        ),
        (
            "migrations/bb02_b.sql",
            format!("-- revision: bb02\n{bb02_header}"),
            "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));",
            "DROP TABLE b;",
        ),
        (
            "migrations/cc03_c.sql",
            format!("-- revision: cc03\n{cc03_header}"),
            "INSERT INTO a (id) VALUES (1);\nINSERT INTO b (id, a_id) VALUES (1, 1);",
            "DELETE FROM b;\nDELETE FROM a;",
        ),
    ] {
        p.write(file, revision_text(&header, up, down));
    }
    p
}

#[test]
fn header_keys_in_another_case_or_with_blanks_before_the_colon_are_taken() {
    let p = chain_with_headers(
        "-- Revises: aa01\n-- MESSAGE: b table\n",
        "-- revises : bb02\n-- Depends-On :aa01\n-- Message:fill them\n",
    );
    // Before the fix both keys were comments: three bases, three heads.
    assert_eq!(heads(&p), ["cc03"]);
    let out = p.run(&["show", "cc03"]);
    exits(&out, 0).stdout_has("bb02").stdout_has("aa01");
    let out = p.run(&["history"]);
    exits(&out, 0)
        .stdout_has("bb02 b table")
        .stdout_has("fill them");
    let out = p.run_within(LIMIT, &["up"]);
    exits(&out, 0);
}

/// One `#[test]` a row: `name: bb02_header, cc03_header;` makes [`chain_with_headers`] one
/// line of three revisions, `cc03` its only head.
macro_rules! one_head {
    ($($name:ident: $bb02:expr, $cc03:expr;)+) => {$(
        #[test]
        fn $name() {
            assert_eq!(heads(&chain_with_headers($bb02, $cc03)), ["cc03"]);
        }
    )+};
}

one_head! {
    a_header_key_after_a_blank_line_is_still_taken: "-- message: b table\n\n-- revises: aa01\n", "-- revises: bb02\n";
    free_comments_in_the_header_still_work:
        "-- revises: aa01\n-- Note: the b table: see the wiki\n-- TODO: review with the DBA\n-- plain comment\n",
        "-- revises: bb02\n\n-- see: http://example.invalid/x\n";
}

/// Header lines with a key spelled nearly right: the line, the key as written, the key meant.
const NEAR_MISSES: [(&str, &str, &str); 5] = [
    ("-- depend-on: aa01", "depend-on", "depends-on"),
    ("-- Revise: aa01", "Revise", "revises"),
    ("-- Depends On: aa01", "Depends On", "depends-on"),
    ("-- Branch_Labels : x", "Branch_Labels", "branch-labels"),
    ("-- Revision ID: bb02", "Revision ID", "revision"),
];

#[test]
fn a_header_key_spelled_nearly_right_is_refused_with_a_suggestion() {
    for (line, key, suggestion) in NEAR_MISSES {
        let p = chain_with_headers(&format!("-- revises: aa01\n{line}\n"), "-- revises: bb02\n");
        let out = p.run(&["heads"]);
        invalid(
            &out,
            &[
                "migrations/bb02_b.sql:3:",
                &format!("unknown header key `{key}`"),
            ],
        );
        help_has(&out, &format!("did you mean `{suggestion}`?"));
        // Every command that loads the files refuses, `up` included.
        let out = p.run_within(LIMIT, &["up"]);
        invalid(&out, &["migrations/bb02_b.sql:3:"]);
    }
}

#[test]
fn a_header_key_below_the_up_marker_is_refused() {
    let p = TestProject::new();
    p.revision("aa01", "", "");
    p.write(
        "migrations/bb02_b.sql",
        "-- revision: bb02\n\n-- migrate:up\n-- Revises: aa01\nSELECT 1;\n",
    );
    // Before the fix the line was a comment: bb02 became a second base, in silence.
    for args in [&["heads"][..], &["up"]] {
        let out = p.run_within(LIMIT, args);
        invalid(
            &out,
            &["migrations/bb02_b.sql:4:", "header key `revises` below"],
        );
        help_has(&out, "move it into the header");
    }
}

#[test]
fn section_markers_in_another_case_or_with_blanks_around_the_colon_are_taken() {
    let p = TestProject::with_file(
        "migrations/aa01_a.sql",
        "-- revision: aa01\n-- revises:\n\n-- Migrate:Up\nCREATE TABLE a (id INTEGER);\n\n-- MIGRATE : down\nDROP TABLE a;\n",
    );
    // Before the fix the down marker was a comment in the up section: `up` created the table
    // and dropped it again, and the revision had no down section.
    exits(&p.run(&["show", "aa01"]), 0).stdout_has("-- migrate:down\nDROP TABLE a;");
    for args in [&["up"][..], &["down", "base"]] {
        exits(&p.run_within(LIMIT, args), 0);
    }
}

// ---------------------------------------------------------------------------------------------
// Symbolic links
// ---------------------------------------------------------------------------------------------

#[cfg(unix)]
mod links {
    use super::*;
    use std::os::unix::fs::symlink;

    /// `migrations/aa01_a.sql`, a base.
    fn base() -> TestProject {
        let p = TestProject::new();
        p.revision("aa01", "", "");
        p
    }

    /// [`base`] and, outside the migrations directory, `shared/bb02_b.sql` on it.
    fn base_and_shared() -> TestProject {
        let p = base();
        let text = revision_text(
            "-- revision: bb02\n-- revises: aa01\n",
            "SELECT 1;",
            "SELECT 1;",
        );
        p.write("shared/bb02_b.sql", text);
        p
    }

    /// One `#[test]` a row: `name: [(target, link)…] => path;` — with the symbolic links made
    /// in [`base_and_shared`], `bb02` is the only head and `show` finds it at `path`.
    macro_rules! bb02_through_links {
        ($($name:ident: [$(($target:expr, $link:expr)),+] => $path:expr;)+) => {$(
            #[test]
            fn $name() {
                let p = base_and_shared();
                $(symlink($target, p.path().join($link)).expect("symlink");)+
                assert_eq!(heads(&p), ["bb02"]);
                exits(&p.run(&["show", "bb02"]), 0).stdout_has($path);
            }
        )+};
    }

    bb02_through_links! {
        // Before the fix the linked directory was skipped: aa01 was the head.
        a_symlinked_directory_is_followed:
            [("../shared", "migrations/shared")] => "migrations/shared/bb02_b.sql";
        a_revision_reached_through_two_links_is_loaded_once:
            [("../shared", "migrations/one"), ("../shared", "migrations/two"), ("aa01_r_aa01.sql", "migrations/zz_alias.sql")]
            => "migrations/one/bb02_b.sql";
    }

    #[test]
    fn a_dangling_sql_link_is_refused_by_every_command_that_loads_revisions() {
        let p = base();
        symlink("gone/bb02_b.sql", p.path().join("migrations/bb02_b.sql")).expect("symlink");
        for args in [&["heads"][..], &["check"], &["up"], &["history"]] {
            let out = p.run_within(LIMIT, args);
            exits(&out, refusal_code(args));
            error_line_has(
                &out,
                &["migrations/bb02_b.sql", "gone/bb02_b.sql", "does not exist"],
            );
            help_has(&out, "remove the link");
        }
    }

    #[test]
    fn a_dangling_directory_link_is_refused() {
        let p = base();
        symlink("../elsewhere", p.path().join("migrations/shared")).expect("symlink");
        let out = p.run(&["heads"]);
        invalid(&out, &["migrations/shared", "does not exist"]);
    }

    #[test]
    fn a_dangling_link_that_is_not_a_revision_is_ignored() {
        let p = base();
        symlink("gone.md", p.path().join("migrations/README.md")).expect("symlink");
        assert_eq!(heads(&p), ["aa01"]);
    }

    #[test]
    fn a_directory_link_that_loops_is_reported_not_followed_forever() {
        let p = base();
        std::fs::create_dir_all(p.path().join("migrations/sub")).expect("mkdir");
        symlink("..", p.path().join("migrations/sub/up")).expect("symlink");
        let out = p.run_within(LIMIT, &["heads"]);
        invalid(&out, &["migrations/sub/up", "loop"]);
        help_has(&out, "remove the link");
    }

    #[test]
    fn sql_links_that_point_at_each_other_are_refused() {
        let p = base();
        symlink("bb02_b.sql", p.path().join("migrations/cc03_c.sql")).expect("symlink");
        symlink("cc03_c.sql", p.path().join("migrations/bb02_b.sql")).expect("symlink");
        let out = p.run_within(LIMIT, &["check"]);
        exits(&out, 1);
        error_line_has(&out, &["migrations/bb02_b.sql"]);
    }
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

/// A project whose `templates/revision.sql.j2` is `template`.
fn project_with_template(template: &str) -> TestProject {
    let p = TestProject::with_metadata("templates = \"templates\"\n");
    p.write("templates/revision.sql.j2", template);
    p
}

fn no_revision_written(p: &TestProject) {
    let written: Vec<_> = std::fs::read_dir(p.path().join("migrations"))
        .expect("read migrations")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(written.is_empty(), "files were written: {written:?}");
}

const HEADER: &str =
    "-- revision: {{ revision }}\n-- revises: {{ revises|join(', ') }}\n-- migrate:up\n";

#[test]
fn a_template_that_never_finishes_is_stopped_and_named() {
    let started = std::time::Instant::now();
    let p = project_with_template(&format!(
        "{HEADER}{{% for i in range(100000) %}}{{% for j in range(100000) %}}{{% endfor %}}{{% endfor %}}\n"
    ));
    let out = p.run_within(LIMIT, &["new", "-m", "x"]);
    invalid(&out, &["templates/revision.sql.j2", "did not finish"]);
    help_has(&out, "loop");
    no_revision_written(&p);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

/// One `#[test]` a row: `name: template => [needles] (, help "…")?;` — `new` with the project
/// template `template` is refused naming it, within [`LIMIT`], and writes no revision.
macro_rules! template_refused {
    ($($name:ident: $template:expr => $needles:expr $(, help $help:expr)?;)+) => {$(
        #[test]
        fn $name() {
            let p = project_with_template(&$template);
            let out = p.run_within(LIMIT, &["new", "-m", "x"]);
            invalid(&out, &$needles);
            $(help_has(&out, $help);)?
            no_revision_written(&p);
        }
    )+};
}

template_refused! {
    // 20 MB in a few hundred steps: fuel alone would let it through, and a larger count (or a
    // longer string) would exhaust memory. Before the fix the file was written.
    a_template_that_renders_a_huge_file_is_stopped_and_named:
        format!("{HEADER}{{% for i in range(200) %}}{{{{ 'x' * 100000 }}}}{{% endfor %}}\n")
        => ["templates/revision.sql.j2", "did not finish", "MiB"], help "loop";
    a_template_macro_that_calls_itself_forever_is_stopped_and_named:
        format!("{HEADER}{{% macro f(n) %}}{{{{ f(n + 1) }}}}{{% endmacro %}}{{{{ f(0) }}}}\n")
        => ["templates/revision.sql.j2"];
    a_template_error_names_the_template_file_and_line:
        format!("{HEADER}{{{{ nope(1) }}}}\n") => ["templates/revision.sql.j2", "line 4"];
}
