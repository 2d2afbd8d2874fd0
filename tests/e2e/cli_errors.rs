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
    let p = two_revisions();
    // A link to itself: the `.env` file is there but cannot be read, and the operating
    // system's reason is the cause.
    std::os::unix::fs::symlink(".env", p.path().join(".env")).expect("symlink");

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

/// Runs git with a fixed author in the project.
#[track_caller]
fn git(p: &TestProject, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(p.path())
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_says_when_it_cannot_read_the_git_history() {
    let p = two_revisions();
    p.write(".gitignore", "/target\n/dev.db\n");
    git(&p, &["init", "-q"]);
    git(&p, &["add", "-A"]);
    git(&p, &["commit", "-qm", "base"]);
    exits(&p.run(&["check"]), 0).stderr_lacks("git history not checked");

    // The default branch names a commit the repository does not have.
    p.write(
        ".git/refs/remotes/origin/HEAD",
        "0123456789abcdef0123456789abcdef01234567\n",
    );
    let out = p.run(&["check"]);
    exits(&out, 0).stderr_has("warning: git history not checked");
}
