//! Malformed revision files and configuration: exit codes and messages.
//!
//! Every test drives the real binary over broken input and checks the exact exit code (2 for
//! an invalid request or malformed files, 0 where the input is fine after all), that the
//! `error:` line says what is wrong and where (file and line, or the revision id), and that
//! nothing ever panics.

use cargo_schema_e2e::assert::{error_line_has, exits, help_has, invalid};
use cargo_schema_e2e::fixtures::{duplicate_ids, workspace_of_one_and_two};
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
fn one_file(text: &str) -> TestProject {
    let p = TestProject::new();
    p.write("migrations/aa01_x.sql", text);
    p
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

// ---------------------------------------------------------------------------------------------
// The header
// ---------------------------------------------------------------------------------------------

#[test]
fn a_file_without_a_revision_line_is_reported_on_line_one() {
    let p = one_file("-- revises:\n-- message: no id\n\n-- migrate:up\nSELECT 1;\n");
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &["migrations/aa01_x.sql:1:", "no `-- revision:` line"],
    );
    help_has(&out, "-- revision:");
}

#[test]
fn an_empty_file_is_reported_as_missing_its_revision_line() {
    let p = one_file("");
    let out = p.run(&["history"]);
    invalid(
        &out,
        &["migrations/aa01_x.sql:1:", "no `-- revision:` line"],
    );
}

#[test]
fn an_empty_revision_value_names_its_line() {
    let p = one_file("-- message: first\n-- revision:\n-- revises:\n\n-- migrate:up\nSELECT 1;\n");
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &["migrations/aa01_x.sql:2:", "`-- revision:` has no value"],
    );
}

#[test]
fn invalid_characters_in_a_revision_id_are_named_with_the_id() {
    let p = one_file("-- revision: aa-01\n-- revises:\n\n-- migrate:up\nSELECT 1;\n");
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &["migrations/aa01_x.sql:1:", "invalid revision id `aa-01`"],
    );
    help_has(&out, "letters, digits and `_`");
}

#[test]
fn a_reserved_word_cannot_be_a_revision_id() {
    let p = TestProject::new();
    p.write(
        "migrations/head_x.sql",
        "-- revision: head\n-- revises:\n\n-- migrate:up\nSELECT 1;\n",
    );
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &[
            "migrations/head_x.sql:1:",
            "invalid revision id `head`",
            "reserved",
        ],
    );
}

#[test]
fn a_reserved_word_cannot_be_a_branch_label() {
    let p = one_file(
        "-- revision: aa01\n-- revises:\n-- branch-labels: auth, base\n\n-- migrate:up\nSELECT 1;\n",
    );
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &["migrations/aa01_x.sql:3:", "invalid branch label `base`"],
    );
}

#[test]
fn a_parent_listed_twice_names_the_revises_line() {
    let p = TestProject::new();
    p.revision("aa01", "", "");
    p.revision("bb02", "aa01, aa01", "");
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &["migrations/bb02_r_bb02.sql:2:", "`aa01` is listed twice"],
    );
}

#[test]
fn an_unknown_header_key_suggests_the_right_one() {
    let p = one_file("-- revison: aa01\n-- revises:\n\n-- migrate:up\nSELECT 1;\n");
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &["migrations/aa01_x.sql:1:", "unknown header key `revison`"],
    );
    help_has(&out, "did you mean `revision`?");
}

#[test]
fn an_alembic_style_down_revision_key_suggests_revises() {
    let p = one_file("-- revision: aa01\n-- down_revision: zz\n\n-- migrate:up\nSELECT 1;\n");
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &[
            "migrations/aa01_x.sql:2:",
            "unknown header key `down_revision`",
        ],
    );
    help_has(&out, "did you mean `revises`?");
}

#[test]
fn a_duplicate_header_key_names_both_lines() {
    let p = one_file(
        "-- revision: aa01\n-- revises:\n-- message: one\n-- message: two\n\n-- migrate:up\nSELECT 1;\n",
    );
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &[
            "migrations/aa01_x.sql:4:",
            "`message` appears twice",
            "line 3",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// The sections
// ---------------------------------------------------------------------------------------------

#[test]
fn a_file_without_an_up_marker_is_refused() {
    let p = one_file("-- revision: aa01\n-- revises:\n-- message: nothing else\n");
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &["migrations/aa01_x.sql:", "no `-- migrate:up` marker"],
    );
    help_has(&out, "-- migrate:up");
    // The file has three lines; the error points at one of them, not past the end.
    let line = line_after(&out, "migrations/aa01_x.sql:");
    assert!(
        (1..=3).contains(&line),
        "line {line} is not a line of the three-line file\n{out:#?}"
    );
}

#[test]
fn sql_before_the_up_marker_names_its_line() {
    let p = one_file(
        "-- revision: aa01\n-- revises:\n\nCREATE TABLE early (id int);\n-- migrate:up\nSELECT 1;\n",
    );
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &[
            "migrations/aa01_x.sql:4:",
            "SQL before the `-- migrate:up` marker",
        ],
    );
    help_has(&out, "move it below `-- migrate:up`");
}

#[test]
fn two_up_sections_name_both_lines() {
    let p = one_file(
        "-- revision: aa01\n-- revises:\n\n-- migrate:up\nSELECT 1;\n\n-- migrate:up\nSELECT 2;\n",
    );
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &[
            "migrations/aa01_x.sql:7:",
            "a second `-- migrate:up` section",
            "line 4",
        ],
    );
}

#[test]
fn two_down_sections_name_both_lines() {
    let p = one_file(
        "-- revision: aa01\n-- revises:\n\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n-- migrate:down\nSELECT 3;\n",
    );
    let out = p.run(&["history"]);
    invalid(
        &out,
        &[
            "migrations/aa01_x.sql:8:",
            "a second `-- migrate:down` section",
            "line 6",
        ],
    );
}

#[test]
fn a_down_section_before_the_up_section_names_the_down_marker() {
    let p = one_file(
        "-- revision: aa01\n-- revises:\n\n-- migrate:down\nDROP TABLE a;\n\n-- migrate:up\nCREATE TABLE a (id int);\n",
    );
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &[
            "migrations/aa01_x.sql:4:",
            "`-- migrate:down` comes before `-- migrate:up`",
        ],
    );
}

#[test]
fn an_unknown_marker_names_its_line() {
    let p = one_file(
        "-- revision: aa01\n-- revises:\n\n-- migrate:up\nSELECT 1;\n-- migrate:sideways\nSELECT 2;\n",
    );
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &[
            "migrations/aa01_x.sql:6:",
            "unknown marker `-- migrate:sideways`",
        ],
    );
    help_has(&out, "`-- migrate:up` and `-- migrate:down`");
}

#[test]
fn an_unknown_marker_option_names_the_option() {
    let p =
        one_file("-- revision: aa01\n-- revises:\n\n-- migrate:up transaction:maybe\nSELECT 1;\n");
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &[
            "migrations/aa01_x.sql:4:",
            "unknown option `transaction:maybe`",
        ],
    );
    help_has(&out, "transaction:false");
}

#[test]
fn an_option_on_the_down_marker_is_refused() {
    let p = one_file(
        "-- revision: aa01\n-- revises:\n\n-- migrate:up\nSELECT 1;\n\n-- migrate:down transaction:false\nSELECT 2;\n",
    );
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &[
            "migrations/aa01_x.sql:7:",
            "unknown option `transaction:false` on `-- migrate:down`",
        ],
    );
    // The help says where the option goes, not that it is the only one there is.
    help_has(&out, "on the `-- migrate:up` line");
    assert!(!out.stderr.contains("the only option is"), "{}", out.stderr);
}

#[test]
fn bad_utf8_names_the_line_of_the_bad_byte() {
    let p = TestProject::new();
    p.write(
        "migrations/aa01_x.sql",
        b"-- revision: aa01\n-- revises:\n\n-- migrate:up\nCREATE TABLE a (id int);\nINSERT INTO a VALUES ('caf\xe9');\n\n-- migrate:down\nDROP TABLE a;\n",
    );
    let out = p.run(&["heads"]);
    invalid(&out, &["migrations/aa01_x.sql:6:", "not valid UTF-8"]);
    help_has(&out, "UTF-8");
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

#[test]
fn duplicate_ids_in_two_files_name_both_files() {
    let p = duplicate_ids();
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &[
            "migrations/aa01_one.sql:1",
            "migrations/sub/aa01_two.sql:2",
            "`aa01`",
        ],
    );
}

#[test]
fn an_unknown_parent_names_the_revises_line_and_the_missing_id() {
    let p = TestProject::new();
    p.revision("aa01", "", "");
    p.revision("bb02", "aa01, zz99", "");
    let out = p.run(&["heads"]);
    invalid(&out, &["migrations/bb02_r_bb02.sql:2:", "`bb02`", "`zz99`"]);
    help_has(&out, "-- revises:");
}

#[test]
fn an_unknown_dependency_names_the_depends_on_line() {
    let p = TestProject::new();
    p.revision("aa01", "", "");
    p.revision("bb02", "aa01", "-- depends-on: nope42\n");
    let out = p.run(&["history"]);
    invalid(
        &out,
        &["migrations/bb02_r_bb02.sql:3:", "`bb02`", "`nope42`"],
    );
    help_has(&out, "-- depends-on:");
}

#[test]
fn a_cycle_of_three_revisions_names_every_one() {
    let p = TestProject::new();
    p.revision("aa01", "cc03", "");
    p.revision("bb02", "aa01", "");
    p.revision("cc03", "bb02", "");
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &["migrations/", ".sql:2:", "cycle", "aa01", "bb02", "cc03"],
    );
}

#[test]
fn a_cycle_through_depends_on_is_refused() {
    let p = TestProject::new();
    p.revision("aa01", "", "-- depends-on: bb02\n");
    p.revision("bb02", "aa01", "");
    let out = p.run(&["history"]);
    invalid(&out, &["migrations/", "cycle", "aa01", "bb02"]);
}

#[test]
fn a_revision_revising_itself_names_the_revises_line() {
    let p = TestProject::new();
    p.revision("aa01", "aa01", "");
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &["migrations/aa01_r_aa01.sql:2:", "cannot revise itself"],
    );
}

#[test]
fn a_branch_label_used_twice_names_both_revisions() {
    let p = TestProject::new();
    p.revision("aa01", "", "-- branch-labels: auth\n");
    p.revision("bb02", "", "-- branch-labels: auth\n");
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &[
            "migrations/bb02_r_bb02.sql:3:",
            "`auth`",
            "`aa01`",
            "migrations/aa01_r_aa01.sql",
        ],
    );
}

#[test]
fn a_branch_label_equal_to_a_revision_id_is_refused() {
    let p = TestProject::new();
    p.revision("aa01", "", "");
    p.revision("bb02", "aa01", "-- branch-labels: aa01\n");
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &[
            "migrations/bb02_r_bb02.sql:3:",
            "`aa01`",
            "also a revision id",
        ],
    );
}

#[test]
fn every_malformed_file_is_reported_in_one_run() {
    let p = TestProject::new();
    p.revision("aa01", "", "");
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

#[test]
fn a_missing_migrations_directory_suggests_init() {
    let p = TestProject::new();
    std::fs::remove_dir(p.path().join("migrations")).expect("rmdir");
    let out = p.run(&["heads"]);
    invalid(&out, &["migrations", "does not exist"]);
    help_has(&out, "cargo schema init");
}

#[test]
fn an_unknown_key_in_the_metadata_names_the_manifest_and_the_key() {
    let p = TestProject::new();
    p.write(
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.schema]\nmigration = \"migrations\"\n",
    );
    let out = p.run(&["heads"]);
    invalid(
        &out,
        &["Cargo.toml", "package.metadata.schema", "`migration`"],
    );
    help_has(&out, "migrations");
}

#[test]
fn a_lock_mode_that_does_not_exist_names_the_key_and_the_value() {
    let p = TestProject::with_metadata("lock = \"sometimes\"\n");
    let out = p.run(&["heads"]);
    invalid(&out, &["Cargo.toml", "lock", "sometimes"]);
}

#[test]
fn a_value_of_the_wrong_type_names_the_key() {
    let p = TestProject::with_metadata("auto-apply = \"yes\"\n");
    let out = p.run(&["heads"]);
    invalid(&out, &["Cargo.toml", "auto-apply"]);
}

#[test]
fn no_cargo_toml_anywhere_says_so() {
    let p = TestProject::bare();
    let out = p.run(&["heads"]);
    invalid(&out, &["could not find `Cargo.toml`"]);
    help_has(&out, "--manifest-path");
}

#[test]
fn a_manifest_path_to_a_missing_file_names_it() {
    let p = TestProject::new();
    let out = p.run(&["--manifest-path", "nope/Cargo.toml", "heads"]);
    invalid(&out, &["nope/Cargo.toml", "does not exist"]);
}

#[test]
fn a_manifest_path_that_is_not_a_cargo_toml_is_refused() {
    let p = TestProject::new();
    let out = p.run(&["--manifest-path", "src/lib.rs", "heads"]);
    invalid(&out, &["src/lib.rs", "Cargo.toml"]);
}

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

#[test]
fn a_package_flag_naming_a_non_member_lists_the_members() {
    let p = two_package_workspace();
    let out = p.run(&["-p", "three", "heads"]);
    invalid(&out, &["`three`", "not a member"]);
    help_has(&out, "one, two");
}

#[test]
fn a_cargo_toml_that_is_not_toml_is_an_invalid_request() {
    let p = TestProject::new();
    p.write(
        "Cargo.toml",
        "[package\nname = \"app\"\nversion = \"0.1.0\"\n",
    );
    let out = p.run(&["heads"]);
    invalid(&out, &["failed", "expected `]`"]);
    // The file and line, rustc-style on the next line (` --> Cargo.toml:1:9`).
    out.stderr_has("Cargo.toml:1:");
}

// ---------------------------------------------------------------------------------------------
// Targets and the commands that write
// ---------------------------------------------------------------------------------------------

#[test]
fn an_ambiguous_prefix_lists_the_candidates() {
    let p = TestProject::new();
    p.revision("ab12", "", "");
    p.revision("ab34", "ab12", "");
    let out = p.run(&["show", "ab"]);
    invalid(&out, &["`ab`", "ab12", "ab34"]);
    help_has(&out, "more characters");
}

#[test]
fn show_of_an_unknown_revision_names_it() {
    let p = TestProject::new();
    p.revision("ab12", "", "");
    let out = p.run(&["show", "ffff"]);
    invalid(&out, &["`ffff`"]);
    help_has(&out, "cargo schema history");
}

#[test]
fn a_target_with_nothing_before_the_at_sign_is_a_syntax_error() {
    let p = TestProject::new();
    p.revision("ab12", "", "");
    let out = p.run(&["show", "@head"]);
    invalid(&out, &["invalid target `@head`", "before `@`"]);
    help_has(&out, "BRANCH@head");
}

#[test]
fn a_relative_step_that_is_not_a_number_is_a_syntax_error() {
    let p = TestProject::new();
    p.revision("ab12", "", "");
    let out = p.run(&["show", "ab12+x"]);
    invalid(&out, &["invalid target `ab12+x`", "`+N` or `-N`"]);
}

#[test]
fn a_history_range_without_a_colon_is_refused() {
    let p = TestProject::new();
    p.revision("ab12", "", "");
    let out = p.run(&["history", "-r", "nocolon"]);
    invalid(&out, &["`nocolon`", "FROM:TO"]);
}

#[test]
fn a_history_range_naming_an_unknown_revision_is_refused() {
    let p = TestProject::new();
    p.revision("ab12", "", "");
    let out = p.run(&["history", "-r", "ffff:head"]);
    invalid(&out, &["`ffff`"]);
}

#[test]
fn new_with_multiple_heads_suggests_merge() {
    let p = TestProject::new();
    p.revision("aa01", "", "");
    p.revision("bb02", "aa01", "");
    p.revision("cc03", "aa01", "");
    let before = migration_files(&p);
    let out = p.run(&["new", "-m", "more"]);
    invalid(&out, &["ultiple heads", "bb02", "cc03"]);
    help_has(&out, "merge");
    assert_eq!(migration_files(&p), before, "a file was written");
}

#[test]
fn new_on_a_revision_that_is_not_a_head_needs_splice() {
    let p = TestProject::new();
    p.revision("aa01", "", "");
    p.revision("bb02", "aa01", "");
    let before = migration_files(&p);
    let out = p.run(&["new", "--head", "aa01", "-m", "branch"]);
    invalid(&out, &["`aa01`", "not a head"]);
    help_has(&out, "--splice");
    assert_eq!(migration_files(&p), before, "a file was written");
}

#[test]
fn new_with_an_invalid_rev_id_names_it() {
    let p = TestProject::new();
    let out = p.run(&["new", "--rev-id", "a-b", "-m", "x"]);
    invalid(&out, &["invalid revision id", "`a-b`"]);
    assert!(migration_files(&p).is_empty(), "a file was written");
}

#[test]
fn new_with_a_rev_id_that_exists_names_it() {
    let p = TestProject::new();
    p.revision("aa01", "", "");
    let before = migration_files(&p);
    let out = p.run(&["new", "--rev-id", "aa01", "-m", "again"]);
    invalid(&out, &["`aa01`", "already exists"]);
    assert_eq!(migration_files(&p), before, "a file was written");
}

#[test]
fn new_with_a_branch_label_that_is_a_reserved_word_is_refused() {
    let p = TestProject::new();
    let out = p.run(&["new", "--branch-label", "heads", "-m", "x"]);
    invalid(&out, &["invalid branch label", "`heads`"]);
    assert!(migration_files(&p).is_empty(), "a file was written");
}

#[test]
fn new_with_an_unknown_template_lists_the_templates() {
    let p = TestProject::new();
    let out = p.run(&["new", "--template", "nope", "-m", "x"]);
    invalid(&out, &["`nope`"]);
    help_has(&out, "revision");
    assert!(migration_files(&p).is_empty(), "a file was written");
}

#[test]
fn a_project_template_that_renders_an_invalid_file_writes_nothing() {
    let p = TestProject::with_metadata("templates = \"templates\"\n");
    p.write(
        "templates/revision.sql.j2",
        "-- message: {{ message }}\n\n-- migrate:up\nSELECT 1;\n",
    );
    let out = p.run(&["new", "-m", "x"]);
    invalid(&out, &["revision.sql.j2", "no `-- revision:`"]);
    help_has(&out, "-- revision:");
    assert!(migration_files(&p).is_empty(), "a file was written");
}

#[test]
fn merge_with_a_single_head_has_nothing_to_merge() {
    let p = TestProject::new();
    p.revision("aa01", "", "");
    p.revision("bb02", "aa01", "");
    let before = migration_files(&p);
    let out = p.run(&["merge", "-m", "nothing"]);
    invalid(&out, &["nothing to merge", "`bb02`"]);
    assert_eq!(migration_files(&p), before, "a file was written");
}

#[test]
fn merge_of_a_revision_with_its_ancestor_is_refused() {
    let p = TestProject::new();
    p.revision("aa01", "", "");
    p.revision("bb02", "aa01", "");
    let before = migration_files(&p);
    let out = p.run(&["merge", "aa01", "bb02", "-m", "pointless"]);
    invalid(&out, &["`aa01`", "ancestor", "`bb02`"]);
    assert_eq!(migration_files(&p), before, "a file was written");
}

#[test]
fn errors_go_to_stderr_even_in_json_format() {
    let p = one_file("-- revision: aa01\n-- revises:\n\n-- migrate:sideways\n");
    let out = p.run(&["--format", "json", "heads"]);
    invalid(&out, &["migrations/aa01_x.sql:4:", "migrate:sideways"]);
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
fn new_with_a_branch_label_equal_to_a_revision_id_says_it_is_a_revision_id() {
    let p = TestProject::new();
    p.revision("aa01", "", "");
    let before = migration_files(&p);
    let out = p.run(&["new", "--branch-label", "aa01", "-m", "x"]);
    invalid(&out, &["`aa01`", "revision id"]);
    assert_eq!(migration_files(&p), before, "a file was written");
}

#[test]
fn a_history_range_whose_ends_are_not_on_one_branch_is_refused() {
    // Alembic: "Requested range bb02:aa01 does not refer to ancestor/descendant revisions
    // along the same branch".
    let p = TestProject::new();
    p.revision("aa01", "", "");
    p.revision("bb02", "aa01", "");
    p.revision("cc03", "aa01", "");
    let out = p.run(&["history", "-r", "bb02:aa01"]);
    invalid(&out, &["bb02", "aa01"]);
    let out = p.run(&["history", "-r", "bb02:cc03"]);
    invalid(&out, &["bb02", "cc03"]);
}
