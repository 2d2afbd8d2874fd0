//! Malformed revision files and configuration: exit codes and messages.
//!
//! Every test drives the real binary over broken input and checks the exact exit code (2 for
//! an invalid request or malformed files, 0 where the input is fine after all), that the
//! `error:` line says what is wrong and where (file and line, or the revision id), and that
//! nothing ever panics.

use cargo_schema_e2e::assert::{error_line_has, exits, help_has, invalid};
use cargo_schema_e2e::fixtures::{
    duplicate_ids, no_migrations_directory, workspace_of_one_and_two,
};
use cargo_schema_e2e::{Output, TestProject};

/// The line number that follows `prefix` on the first `error:` line that has it.
#[track_caller]
fn line_after(out: &Output, prefix: &str) -> usize {
    out.stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .find_map(|l| {
            let rest = &l[l.find(prefix)? + prefix.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .unwrap_or_else(|| panic!("no `error:` line has {prefix:?}<line>\n{out:#?}"))
}

fn error_count(out: &Output) -> usize {
    out.stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .count()
}

/// A project with one revision file `migrations/aa01_x.sql` holding `text`.
fn one_file(text: impl AsRef<[u8]>) -> TestProject {
    TestProject::with_file("migrations/aa01_x.sql", text)
}

fn migration_files(p: &TestProject) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(p.path().join("migrations"))
        .expect("read migrations")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `args`: exit 2, nothing on stdout, an `error:` line holding every needle and a
/// `help:` line holding each of `helps`.
#[track_caller]
fn refused(p: &TestProject, args: &[&str], needles: &[&str], helps: &[&str]) -> Output {
    let out = p.run(args);
    invalid(&out, needles);
    for help in helps {
        help_has(&out, help);
    }
    out
}

/// [`refused`], and the migrations directory holds the same files after the run as before.
#[track_caller]
fn refused_writing_nothing(
    p: &TestProject,
    args: &[&str],
    needles: &[&str],
    helps: &[&str],
) -> Output {
    let before = migration_files(p);
    let out = refused(p, args, needles, helps);
    assert_eq!(migration_files(p), before, "a file was written");
    out
}

/// One `#[test]` a row: `name: project, [args] => [needles] (, help "…")* (, then check)?;`
/// runs `$check` (`refused` or `refused_writing_nothing`) on the project, then `check(&out)`.
macro_rules! refused {
    ($check:ident; $(
        $name:ident: $project:expr, $args:expr => $needles:expr
        $(, help $help:expr)* $(, then $then:expr)?;
    )+) => {$(
        #[test]
        fn $name() {
            let p = $project;
            let _out = $check(&p, &$args, &$needles, &[$($help),*]);
            $(($then)(&_out);)?
        }
    )+};
}

// ---------------------------------------------------------------------------------------------
// The header
// ---------------------------------------------------------------------------------------------

refused! { refused;
    a_file_without_a_revision_line_is_reported_on_line_one: one_file("-- revises:\n-- message: no id\n\n-- migrate:up\nSELECT 1;\n"), ["heads"] => ["migrations/aa01_x.sql:1:", "no `-- revision:` line"], help "-- revision:";
    an_empty_file_is_reported_as_missing_its_revision_line: one_file(""), ["history"] => ["migrations/aa01_x.sql:1:", "no `-- revision:` line"];
    an_empty_revision_value_names_its_line: one_file("-- message: first\n-- revision:\n-- revises:\n\n-- migrate:up\nSELECT 1;\n"), ["heads"] => ["migrations/aa01_x.sql:2:", "`-- revision:` has no value"];
    invalid_characters_in_a_revision_id_are_named_with_the_id: one_file("-- revision: aa-01\n-- revises:\n\n-- migrate:up\nSELECT 1;\n"), ["heads"] => ["migrations/aa01_x.sql:1:", "invalid revision id `aa-01`"], help "letters, digits and `_`";
    a_reserved_word_cannot_be_a_revision_id: TestProject::with_file("migrations/head_x.sql", "-- revision: head\n-- revises:\n\n-- migrate:up\nSELECT 1;\n"), ["heads"] => ["migrations/head_x.sql:1:", "invalid revision id `head`", "reserved"];
    a_reserved_word_cannot_be_a_branch_label: one_file("-- revision: aa01\n-- revises:\n-- branch-labels: auth, base\n\n-- migrate:up\nSELECT 1;\n"), ["heads"] => ["migrations/aa01_x.sql:3:", "invalid branch label `base`"];
    a_parent_listed_twice_names_the_revises_line: TestProject::with_revisions(&[("aa01", "", ""), ("bb02", "aa01, aa01", "")]), ["heads"] => ["migrations/bb02_r_bb02.sql:2:", "`aa01` is listed twice"];
    an_unknown_header_key_suggests_the_right_one: one_file("-- revison: aa01\n-- revises:\n\n-- migrate:up\nSELECT 1;\n"), ["heads"] => ["migrations/aa01_x.sql:1:", "unknown header key `revison`"], help "did you mean `revision`?";
    an_alembic_style_down_revision_key_suggests_revises: one_file("-- revision: aa01\n-- down_revision: zz\n\n-- migrate:up\nSELECT 1;\n"), ["heads"] => ["migrations/aa01_x.sql:2:", "unknown header key `down_revision`"], help "did you mean `revises`?";
    a_duplicate_header_key_names_both_lines: one_file("-- revision: aa01\n-- revises:\n-- message: one\n-- message: two\n\n-- migrate:up\nSELECT 1;\n"), ["heads"] => ["migrations/aa01_x.sql:4:", "`message` appears twice", "line 3"];
}

// ---------------------------------------------------------------------------------------------
// The sections
// ---------------------------------------------------------------------------------------------

refused! { refused;
    a_file_without_an_up_marker_is_refused:
        one_file("-- revision: aa01\n-- revises:\n-- message: nothing else\n"),
        ["heads"] => ["migrations/aa01_x.sql:", "no `-- migrate:up` marker"], help "-- migrate:up",
        then |out: &Output| {
            // The file has three lines; the error points at one of them, not past the end.
            let line = line_after(out, "migrations/aa01_x.sql:");
            assert!(
                (1..=3).contains(&line),
                "line {line} is not a line of the three-line file\n{out:#?}"
            );
        };
    sql_before_the_up_marker_names_its_line: one_file("-- revision: aa01\n-- revises:\n\nCREATE TABLE early (id int);\n-- migrate:up\nSELECT 1;\n"), ["heads"] => ["migrations/aa01_x.sql:4:", "SQL before the `-- migrate:up` marker"], help "move it below `-- migrate:up`";
    two_up_sections_name_both_lines: one_file("-- revision: aa01\n-- revises:\n\n-- migrate:up\nSELECT 1;\n\n-- migrate:up\nSELECT 2;\n"), ["heads"] => ["migrations/aa01_x.sql:7:", "a second `-- migrate:up` section", "line 4"];
    two_down_sections_name_both_lines: one_file("-- revision: aa01\n-- revises:\n\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n-- migrate:down\nSELECT 3;\n"), ["history"] => ["migrations/aa01_x.sql:8:", "a second `-- migrate:down` section", "line 6"];
    a_down_section_before_the_up_section_names_the_down_marker: one_file("-- revision: aa01\n-- revises:\n\n-- migrate:down\nDROP TABLE a;\n\n-- migrate:up\nCREATE TABLE a (id int);\n"), ["heads"] => ["migrations/aa01_x.sql:4:", "`-- migrate:down` comes before `-- migrate:up`"];
    an_unknown_marker_names_its_line: one_file("-- revision: aa01\n-- revises:\n\n-- migrate:up\nSELECT 1;\n-- migrate:sideways\nSELECT 2;\n"), ["heads"] => ["migrations/aa01_x.sql:6:", "unknown marker `-- migrate:sideways`"], help "`-- migrate:up` and `-- migrate:down`";
    an_unknown_marker_option_names_the_option: one_file("-- revision: aa01\n-- revises:\n\n-- migrate:up transaction:maybe\nSELECT 1;\n"), ["heads"] => ["migrations/aa01_x.sql:4:", "unknown option `transaction:maybe`"], help "transaction:false";
    an_option_on_the_down_marker_is_refused:
        one_file("-- revision: aa01\n-- revises:\n\n-- migrate:up\nSELECT 1;\n\n-- migrate:down transaction:false\nSELECT 2;\n"),
        ["heads"] => ["migrations/aa01_x.sql:7:", "unknown option `transaction:false` on `-- migrate:down`"],
        // The help says where the option goes, not that it is the only one there is.
        help "on the `-- migrate:up` line",
        then |out: &Output| assert!(!out.stderr.contains("the only option is"), "{}", out.stderr);
    bad_utf8_names_the_line_of_the_bad_byte: one_file(b"-- revision: aa01\n-- revises:\n\n-- migrate:up\nCREATE TABLE a (id int);\nINSERT INTO a VALUES ('caf\xe9');\n\n-- migrate:down\nDROP TABLE a;\n"), ["heads"] => ["migrations/aa01_x.sql:6:", "not valid UTF-8"], help "UTF-8";
}

#[test]
fn a_bom_and_crlf_line_endings_are_valid() {
    let p = TestProject::new();
    let text = "\u{feff}-- revision: aa01\r\n-- revises:\r\n-- message: windows file\r\n\r\n-- migrate:up\r\nCREATE TABLE a (id int);\r\n\r\n-- migrate:down\r\nDROP TABLE a;\r\n";
    p.write("migrations/aa01_x.sql", text);
    p.revision("bb02", "aa01", "");
    let out = p.run(&["history"]);
    exits(&out, 0)
        .stdout_has("bb02 (head) revision bb02")
        .stdout_has("aa01 windows file")
        .stderr_lacks("error:")
        .stderr_lacks("warning:");
    let out = p.run(&["show", "aa01"]);
    exits(&out, 0)
        .stdout_has("CREATE TABLE a (id int);")
        .stdout_has("DROP TABLE a;");
    assert!(!out.stdout.contains('\r'), "a CR leaked into the output");
}

#[test]
fn a_file_name_that_disagrees_with_the_header_only_warns() {
    let p = TestProject::new();
    p.write(
        "migrations/cd34_x.sql",
        "-- revision: ab12\n-- revises:\n\n-- migrate:up\nSELECT 1;\n",
    );
    let out = p.run(&["heads"]);
    exits(&out, 0).stdout_has("ab12").stderr_lacks("error:");
    let warned = out.stderr.lines().any(|l| {
        l.starts_with("warning:") && l.contains("migrations/cd34_x.sql") && l.contains("ab12")
    });
    assert!(warned, "no warning names the file\n{out:#?}");
}

// ---------------------------------------------------------------------------------------------
// The graph
// ---------------------------------------------------------------------------------------------

refused! { refused;
    duplicate_ids_in_two_files_name_both_files: duplicate_ids(), ["heads"] => ["migrations/aa01_one.sql:1", "migrations/sub/aa01_two.sql:2", "`aa01`"];
    an_unknown_parent_names_the_revises_line_and_the_missing_id: TestProject::with_revisions(&[("aa01", "", ""), ("bb02", "aa01, zz99", "")]), ["heads"] => ["migrations/bb02_r_bb02.sql:2:", "`bb02`", "`zz99`"], help "-- revises:";
    an_unknown_dependency_names_the_depends_on_line: TestProject::with_revisions(&[("aa01", "", ""), ("bb02", "aa01", "-- depends-on: nope42\n")]), ["history"] => ["migrations/bb02_r_bb02.sql:3:", "`bb02`", "`nope42`"], help "-- depends-on:";
    a_cycle_of_three_revisions_names_every_one: TestProject::with_revisions(&[("aa01", "cc03", ""), ("bb02", "aa01", ""), ("cc03", "bb02", "")]), ["heads"] => ["migrations/", ".sql:2:", "cycle", "aa01", "bb02", "cc03"];
    a_cycle_through_depends_on_is_refused: TestProject::with_revisions(&[("aa01", "", "-- depends-on: bb02\n"), ("bb02", "aa01", "")]), ["history"] => ["migrations/", "cycle", "aa01", "bb02"];
    a_revision_revising_itself_names_the_revises_line: TestProject::with_revisions(&[("aa01", "aa01", "")]), ["heads"] => ["migrations/aa01_r_aa01.sql:2:", "cannot revise itself"];
    a_branch_label_used_twice_names_both_revisions: TestProject::with_revisions(&[("aa01", "", "-- branch-labels: auth\n"), ("bb02", "", "-- branch-labels: auth\n")]), ["heads"] => ["migrations/bb02_r_bb02.sql:3:", "`auth`", "`aa01`", "migrations/aa01_r_aa01.sql"];
    a_branch_label_equal_to_a_revision_id_is_refused: TestProject::with_revisions(&[("aa01", "", ""), ("bb02", "aa01", "-- branch-labels: aa01\n")]), ["heads"] => ["migrations/bb02_r_bb02.sql:3:", "`aa01`", "also a revision id"];
}

#[test]
fn every_malformed_file_is_reported_in_one_run() {
    let p = TestProject::with_revisions(&[("aa01", "", "")]);
    p.write(
        "migrations/bb02_x.sql",
        "-- revision: bb02\n-- revises: aa01\n\n-- migrate:sideways\n",
    );
    p.write(
        "migrations/cc03_x.sql",
        "-- revises: aa01\n\n-- migrate:up\nSELECT 1;\n",
    );
    p.write(
        "migrations/nested/dd04_x.sql",
        "-- revision: dd04\n-- revises: aa01\n-- revison: x\n\n-- migrate:up\nSELECT 1;\n",
    );
    let out = p.run(&["heads"]);
    invalid(&out, &["migrations/bb02_x.sql:4:", "migrate:sideways"]);
    error_line_has(&out, &["migrations/cc03_x.sql:1:", "no `-- revision:`"]);
    error_line_has(&out, &["migrations/nested/dd04_x.sql:3:", "`revison`"]);
    assert_eq!(error_count(&out), 3, "one error per file\n{out:#?}");
    out.stderr_lacks("aa01_r_aa01.sql");
}

// ---------------------------------------------------------------------------------------------
// Configuration and finding the project
// ---------------------------------------------------------------------------------------------

/// A virtual workspace whose members `one` and `two` both declare migrations.
fn two_package_workspace() -> TestProject {
    let p = workspace_of_one_and_two(|name| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.schema]\nmigrations = \"migrations\"\n"
        )
    });
    p.write(
        "one/migrations/aa01_first.sql",
        "-- revision: aa01\n-- revises:\n-- message: first of one\n\n-- migrate:up\nSELECT 1;\n",
    );
    p.write(
        "two/migrations/bb02_first.sql",
        "-- revision: bb02\n-- revises:\n-- message: first of two\n\n-- migrate:up\nSELECT 1;\n",
    );
    p
}

refused! { refused;
    a_missing_migrations_directory_suggests_init: no_migrations_directory(), ["heads"] => ["migrations", "does not exist"], help "cargo schema init";
    an_unknown_key_in_the_metadata_names_the_manifest_and_the_key: TestProject::with_file("Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.schema]\nmigration = \"migrations\"\n"), ["heads"] => ["Cargo.toml", "package.metadata.schema", "`migration`"], help "migrations";
    a_lock_mode_that_does_not_exist_names_the_key_and_the_value: TestProject::with_metadata("lock = \"sometimes\"\n"), ["heads"] => ["Cargo.toml", "lock", "sometimes"];
    a_value_of_the_wrong_type_names_the_key: TestProject::with_metadata("auto-apply = \"yes\"\n"), ["heads"] => ["Cargo.toml", "auto-apply"];
    no_cargo_toml_anywhere_says_so: TestProject::bare(), ["heads"] => ["could not find `Cargo.toml`"], help "--manifest-path";
    a_manifest_path_to_a_missing_file_names_it: TestProject::new(), ["--manifest-path", "nope/Cargo.toml", "heads"] => ["nope/Cargo.toml", "does not exist"];
    a_manifest_path_that_is_not_a_cargo_toml_is_refused: TestProject::new(), ["--manifest-path", "src/lib.rs", "heads"] => ["src/lib.rs", "Cargo.toml"];
    a_package_flag_naming_a_non_member_lists_the_members: two_package_workspace(), ["-p", "three", "heads"] => ["`three`", "not a member"], help "one, two";
    a_cargo_toml_that_is_not_toml_is_an_invalid_request:
        TestProject::with_file("Cargo.toml", "[package\nname = \"app\"\nversion = \"0.1.0\"\n"),
        ["heads"] => ["failed", "expected `]`"],
        // The file and line, rustc-style on the next line (` --> Cargo.toml:1:9`).
        then |out: &Output| { out.stderr_has("Cargo.toml:1:"); };
}

#[test]
fn two_packages_declaring_migrations_need_a_package_flag() {
    let p = two_package_workspace();
    let out = p.run(&["heads"]);
    invalid(&out, &["one", "two"]);
    help_has(&out, "-p");
    let out = p.run(&["-p", "one", "heads"]);
    exits(&out, 0)
        .stdout_has("aa01 (head) first of one")
        .stderr_lacks("error:");
    assert!(!out.stdout.contains("bb02"), "package two leaked\n{out:#?}");
}

// ---------------------------------------------------------------------------------------------
// Targets and the commands that write
// ---------------------------------------------------------------------------------------------

refused! { refused;
    an_ambiguous_prefix_lists_the_candidates: TestProject::with_revisions(&[("ab12", "", ""), ("ab34", "ab12", "")]), ["show", "ab"] => ["`ab`", "ab12", "ab34"], help "more characters";
    show_of_an_unknown_revision_names_it: TestProject::with_revisions(&[("ab12", "", "")]), ["show", "ffff"] => ["`ffff`"], help "cargo schema history";
    a_target_with_nothing_before_the_at_sign_is_a_syntax_error: TestProject::with_revisions(&[("ab12", "", "")]), ["show", "@head"] => ["invalid target `@head`", "before `@`"], help "BRANCH@head";
    a_relative_step_that_is_not_a_number_is_a_syntax_error: TestProject::with_revisions(&[("ab12", "", "")]), ["show", "ab12+x"] => ["invalid target `ab12+x`", "`+N` or `-N`"];
    a_history_range_without_a_colon_is_refused: TestProject::with_revisions(&[("ab12", "", "")]), ["history", "-r", "nocolon"] => ["`nocolon`", "FROM:TO"];
    a_history_range_naming_an_unknown_revision_is_refused: TestProject::with_revisions(&[("ab12", "", "")]), ["history", "-r", "ffff:head"] => ["`ffff`"];
    errors_go_to_stderr_even_in_json_format: one_file("-- revision: aa01\n-- revises:\n\n-- migrate:sideways\n"), ["--format", "json", "heads"] => ["migrations/aa01_x.sql:4:", "migrate:sideways"];
}

/// A project whose revision template renders a file without a `-- revision:` line.
fn a_template_without_a_revision_line() -> TestProject {
    let p = TestProject::with_metadata("templates = \"templates\"\n");
    p.write(
        "templates/revision.sql.j2",
        "-- message: {{ message }}\n\n-- migrate:up\nSELECT 1;\n",
    );
    p
}

refused! { refused_writing_nothing;
    new_with_multiple_heads_suggests_merge: TestProject::with_revisions(&[("aa01", "", ""), ("bb02", "aa01", ""), ("cc03", "aa01", "")]), ["new", "-m", "more"] => ["ultiple heads", "bb02", "cc03"], help "merge";
    new_on_a_revision_that_is_not_a_head_needs_splice: TestProject::with_revisions(&[("aa01", "", ""), ("bb02", "aa01", "")]), ["new", "--head", "aa01", "-m", "branch"] => ["`aa01`", "not a head"], help "--splice";
    new_with_an_invalid_rev_id_names_it: TestProject::new(), ["new", "--rev-id", "a-b", "-m", "x"] => ["invalid revision id", "`a-b`"];
    new_with_a_rev_id_that_exists_names_it: TestProject::with_revisions(&[("aa01", "", "")]), ["new", "--rev-id", "aa01", "-m", "again"] => ["`aa01`", "already exists"];
    new_with_a_branch_label_that_is_a_reserved_word_is_refused: TestProject::new(), ["new", "--branch-label", "heads", "-m", "x"] => ["invalid branch label", "`heads`"];
    new_with_an_unknown_template_lists_the_templates: TestProject::new(), ["new", "--template", "nope", "-m", "x"] => ["`nope`"], help "revision";
    a_project_template_that_renders_an_invalid_file_writes_nothing: a_template_without_a_revision_line(), ["new", "-m", "x"] => ["revision.sql.j2", "no `-- revision:`"], help "-- revision:";
    merge_with_a_single_head_has_nothing_to_merge: TestProject::with_revisions(&[("aa01", "", ""), ("bb02", "aa01", "")]), ["merge", "-m", "nothing"] => ["nothing to merge", "`bb02`"];
    merge_of_a_revision_with_its_ancestor_is_refused: TestProject::with_revisions(&[("aa01", "", ""), ("bb02", "aa01", "")]), ["merge", "aa01", "bb02", "-m", "pointless"] => ["`aa01`", "ancestor", "`bb02`"];
    new_with_a_branch_label_equal_to_a_revision_id_says_it_is_a_revision_id: TestProject::with_revisions(&[("aa01", "", "")]), ["new", "--branch-label", "aa01", "-m", "x"] => ["`aa01`", "revision id"];
}

#[test]
fn an_invalid_rev_id_is_reported_without_repeating_itself() {
    let p = TestProject::new();
    let out = p.run(&["new", "--rev-id", "a-b", "-m", "x"]);
    invalid(&out, &["`a-b`"]);
    out.stderr_lacks("invalid revision id: invalid revision id");
    let out = p.run(&["new", "--branch-label", "heads", "-m", "x"]);
    invalid(&out, &["`heads`"]);
    out.stderr_lacks("invalid branch label: invalid branch label");
}

#[test]
fn a_history_range_whose_ends_are_not_on_one_branch_is_refused() {
    // Alembic: "Requested range bb02:aa01 does not refer to ancestor/descendant revisions
    // along the same branch".
    let p = TestProject::with_revisions(&[
        ("aa01", "", ""),
        ("bb02", "aa01", ""),
        ("cc03", "aa01", ""),
    ]);
    let out = p.run(&["history", "-r", "bb02:aa01"]);
    invalid(&out, &["bb02", "aa01"]);
    let out = p.run(&["history", "-r", "bb02:cc03"]);
    invalid(&out, &["bb02", "cc03"]);
}
