//! How the CLI reports errors (issue 15): the chain of causes under `--verbose`, what a run
//! that failed half-way had done, and a git repository `check` cannot read.

use std::process::Command;

use cargo_schema_e2e::TestProject;
use cargo_schema_e2e::assert::{error_line_has, exits};

/// Two revisions, `aa01` then `bb02`.
fn two_revisions() -> TestProject {
    let p = TestProject::new();
    p.revision("aa01", "", "");
    p.revision("bb02", "aa01", "");
    p
}

#[cfg(unix)]
#[test]
fn verbose_errors_end_with_their_causes_and_plain_ones_do_not() {
    // A `.env` that links to itself is there but cannot be read: the operating system's
    // reason is the cause.
    let p = TestProject::new();
    std::os::unix::fs::symlink(".env", p.path().join(".env")).expect("symlink");
    p.revision("aa01", "", "");

    let plain = p.run(&["up"]);
    exits(&plain, 1);
    error_line_has(&plain, &[".env"]);
    assert!(!plain.stderr.contains("Caused by:"), "{plain:#?}");

    let verbose = p.run(&["-v", "up"]);
    exits(&verbose, 1);
    error_line_has(&verbose, &[".env"]);
    let after = verbose
        .stderr
        .split_once("Caused by:")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no `Caused by:` line\n{verbose:#?}"));
    assert!(
        after.contains("symbolic links"),
        "the cause is the operating system's error\n{verbose:#?}"
    );
    // The same stderr up to the causes.
    assert!(
        verbose.stderr.starts_with(plain.stderr.trim_end()),
        "{plain:#?}\n{verbose:#?}"
    );
}

#[test]
fn a_run_that_fails_half_way_says_which_revisions_it_applied_before() {
    let p = two_revisions();
    p.write(
        "migrations/cc03_broken.sql",
        "-- revision: cc03\n-- revises: bb02\n-- message: broken\n\n-- migrate:up\nCREATE TABLE t_cc03 (id INTEGER PRIMARY KEY);\nTHIS IS NOT SQL;\n\n-- migrate:down\nDROP TABLE t_cc03;\n",
    );
    let out = p.run(&["up"]);
    exits(&out, 1).stderr_has("cc03").stderr_has(
        "help: before it failed, this run applied 2 revision(s), which stay applied: aa01, bb02",
    );

    // A failure on the first step has nothing to report.
    let out = p.run(&["up"]);
    exits(&out, 1);
    assert!(!out.stderr.contains("before it failed"), "{out:#?}");
}

/// Commits everything in a new repository whose default branch is `main`.
#[track_caller]
fn commit_all_in_a_new_repository(p: &TestProject) {
    let script = "git init -q -b main && git add -A && \
        git -c user.name=Test -c user.email=test@example.com commit -qm base";
    let status = Command::new("sh")
        .args(["-c", script])
        .current_dir(p.path())
        .status()
        .expect("sh runs");
    assert!(
        status.success(),
        "`{script}` failed in {}",
        p.path().display()
    );
}

#[test]
fn check_says_when_it_cannot_read_the_git_history() {
    let p = two_revisions();
    p.write(".gitignore", "/target\n/dev.db\n");
    commit_all_in_a_new_repository(&p);
    exits(&p.run(&["check"]), 0).stderr_lacks("git history not checked");

    // The default branch names a commit the repository does not have.
    p.write(
        ".git/refs/remotes/origin/HEAD",
        "0123456789abcdef0123456789abcdef01234567\n",
    );
    let out = p.run(&["check"]);
    exits(&out, 0).stderr_has("warning: git history not checked");
}
