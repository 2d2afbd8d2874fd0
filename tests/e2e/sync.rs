//! `sync` and `heads --verbose` in real git repositories: merges that leave two heads, and
//! branch switches that leave applied revisions behind.

use std::path::Path;
use std::process::Command;

use cargo_schema_e2e::TestProject;
use cargo_schema_e2e::assert::exits;

/// Runs git with a fixed author in the project.
#[track_caller]
fn git(p: &TestProject, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "advice.detachedHead=false",
        ])
        .args(args)
        .current_dir(p.path())
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A revision creating table `t_<id>`, with its down section.
fn revision(p: &TestProject, id: &str, revises: &str) {
    p.write(
        &format!("migrations/{id}_r.sql"),
        format!(
            "-- revision: {id}\n-- revises: {revises}\n-- message: add {id}\n\n-- migrate:up\nCREATE TABLE t_{id} (id INTEGER);\n\n-- migrate:down\nDROP TABLE t_{id};\n"
        ),
    );
}

fn commit_all(p: &TestProject, message: &str) {
    git(p, &["add", "-A"]);
    git(p, &["commit", "-qm", message]);
}

/// A repository on `main` with a base revision, then `feature/phone` adding `bb02` and
/// `main` adding `cc03`, merged: two heads.
fn merged_repository() -> TestProject {
    let p = TestProject::new();
    p.write(".gitignore", "/target\n/dev.db\n");
    git(&p, &["init", "-q"]);
    revision(&p, "aa01", "");
    commit_all(&p, "base");
    git(&p, &["checkout", "-qb", "feature/phone"]);
    revision(&p, "bb02", "aa01");
    commit_all(&p, "phone");
    git(&p, &["checkout", "-q", "main"]);
    revision(&p, "cc03", "aa01");
    commit_all(&p, "roles");
    git(&p, &["merge", "-q", "--no-edit", "feature/phone"]);
    p
}

fn tables(db: &Path) -> String {
    let out = Command::new("sqlite3")
        .arg(db)
        .arg(".tables")
        .output()
        .expect("sqlite3 runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn heads_verbose_says_which_branch_each_head_came_from() {
    let p = merged_repository();
    let out = p.run(&["heads", "-v"]);
    exits(&out, 0)
        .stdout_has("Git: from feature/phone, local only")
        .stderr_has("2 heads:")
        .stderr_has("bb02 add bb02 (from feature/phone, local only)");
}

#[test]
fn sync_without_a_terminal_explains_the_heads_and_exits_1() {
    let p = merged_repository();
    let out = p.run(&["sync"]);
    exits(&out, 1)
        .stderr_has("2 heads:")
        .stderr_has("feature/phone")
        .stderr_has("merge");
    assert_eq!(p.run(&["heads"]).stdout.lines().count(), 2);
}

#[test]
fn sync_yes_writes_a_merge_revision_over_the_heads() {
    let p = merged_repository();
    exits(&p.run(&["sync", "--yes"]), 0);
    let heads = p.run(&["heads", "--format", "json"]).json();
    let heads = heads.as_array().expect("an array").clone();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let mut revises: Vec<String> = heads[0]["revises"]
        .as_array()
        .expect("revises")
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    revises.sort();
    assert_eq!(revises, ["bb02", "cc03"]);
}

/// A repository with `aa01` on `main` and `bb02` on `feature/x`, checked out on
/// `feature/x`; `auto_apply` sets `auto-apply = true`.
fn feature_repository(auto_apply: bool) -> TestProject {
    let p = TestProject::new();
    p.write(".gitignore", "/target\n/dev.db\n");
    if auto_apply {
        let manifest = p.read("Cargo.toml");
        p.write("Cargo.toml", format!("{manifest}auto-apply = true\n"));
    }
    git(&p, &["init", "-q"]);
    revision(&p, "aa01", "");
    commit_all(&p, "base");
    git(&p, &["checkout", "-qb", "feature/x"]);
    revision(&p, "bb02", "aa01");
    commit_all(&p, "x");
    p
}

#[test]
fn a_branch_switch_away_from_an_applied_revision_is_rolled_back_with_yes() {
    let p = feature_repository(false);
    exits(&p.run(&["up"]), 0);
    let db = p.path().join("dev.db");
    assert!(tables(&db).contains("t_bb02"));

    git(&p, &["checkout", "-q", "main"]);
    // Other commands cannot place the revision; sync without a terminal explains and fails.
    exits(&p.run(&["current"]), 1).stderr_has("can't locate");
    exits(&p.run(&["sync"]), 1)
        .stderr_has("bb02")
        .stderr_has("--yes");
    // With --yes it rolls back with the down section recorded at apply time.
    let out = p.run(&["sync", "--yes"]);
    exits(&out, 0).stderr_has("Rolled back bb02");
    assert!(!tables(&db).contains("t_bb02"), "{}", tables(&db));
    exits(&p.run(&["current"]), 0).stdout_has("aa01");

    // Back on the branch, without auto-apply, sync only says what is pending.
    git(&p, &["checkout", "-q", "feature/x"]);
    exits(&p.run(&["sync"]), 0).stderr_has("1 revision(s)");
    assert!(!tables(&db).contains("t_bb02"));
}

/// Runs git with the freshly built binary first on PATH, so that the installed hooks'
/// `cargo schema sync` runs it (and no cargo-schema installed in CARGO_HOME).
#[track_caller]
fn git_with_hooks(p: &TestProject, args: &[&str]) {
    let bin_dir = cargo_schema_e2e::binary()
        .parent()
        .expect("the binary's directory")
        .to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin_dir];
    dirs.extend(std::env::split_paths(&path));
    let cargo_home = p.path().join("target/cargo-home");
    std::fs::create_dir_all(cargo_home.join("bin")).expect("mkdir");
    let out = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(args)
        .current_dir(p.path())
        .env("PATH", std::env::join_paths(dirs).expect("a PATH"))
        .env("CARGO_HOME", &cargo_home)
        .env("NO_COLOR", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn with_auto_apply_the_installed_hooks_follow_branch_switches() {
    if Command::new("cargo").arg("--version").output().is_err() {
        eprintln!("skipped: cargo is not on PATH");
        return;
    }
    let p = feature_repository(true);
    exits(&p.run(&["hooks", "install"]), 0);
    exits(&p.run(&["up"]), 0);
    let db = p.path().join("dev.db");
    assert!(tables(&db).contains("t_bb02"));

    // The post-checkout hook runs sync: the revision main does not have is rolled back...
    git_with_hooks(&p, &["checkout", "-q", "main"]);
    assert!(!tables(&db).contains("t_bb02"), "{}", tables(&db));
    exits(&p.run(&["current"]), 0).stdout_has("aa01");

    // ...and applied again when the branch comes back.
    git_with_hooks(&p, &["checkout", "-q", "feature/x"]);
    assert!(tables(&db).contains("t_bb02"), "{}", tables(&db));

    // A merge bringing in a new revision applies it too (post-merge).
    git(&p, &["checkout", "-q", "main"]);
    exits(&p.run(&["sync"]), 0);
    git_with_hooks(&p, &["merge", "-q", "--no-edit", "feature/x"]);
    assert!(tables(&db).contains("t_bb02"), "{}", tables(&db));
}

#[test]
fn without_auto_apply_sync_only_reports_what_is_pending() {
    let p = TestProject::new();
    revision(&p, "aa01", "");
    exits(&p.run(&["up"]), 0);
    revision(&p, "bb02", "aa01");
    let out = p.run(&["sync"]);
    exits(&out, 0)
        .stderr_has("1 revision(s)")
        .stderr_has("cargo schema up");
    exits(&p.run(&["current"]), 0).stdout_has("aa01");
}

#[test]
fn outside_a_git_repository_sync_and_heads_still_work() {
    let p = TestProject::new();
    revision(&p, "aa01", "");
    revision(&p, "bb02", "aa01");
    revision(&p, "cc03", "aa01");
    let out = p.run(&["heads", "-v"]);
    exits(&out, 0).stderr_has("2 heads:");
    assert!(!out.stdout.contains("Git:"), "{out:#?}");
    exits(&p.run(&["sync", "--yes"]), 0);
    assert_eq!(p.run(&["heads"]).stdout.lines().count(), 1);
}

#[test]
fn a_detached_head_still_names_the_branches() {
    let p = merged_repository();
    let head = git(&p, &["rev-parse", "HEAD"]);
    git(&p, &["checkout", "-q", head.trim()]);
    let out = p.run(&["heads", "-v"]);
    exits(&out, 0).stdout_has("Git: from");
}

#[test]
fn check_reports_a_revision_edited_after_it_reached_the_default_branch() {
    let p = TestProject::new();
    p.write(".gitignore", "/target\n/dev.db\n");
    git(&p, &["init", "-q"]);
    revision(&p, "aa01", "");
    commit_all(&p, "base");
    exits(&p.run(&["check"]), 0);

    // Edits on a feature branch before it is merged are fine.
    git(&p, &["checkout", "-qb", "feature/x"]);
    revision(&p, "bb02", "aa01");
    commit_all(&p, "add bb02");
    let path = "migrations/bb02_r.sql";
    let text = p.read(path).replace("INTEGER", "BIGINT");
    p.write(path, text);
    commit_all(&p, "fix bb02 before review");
    exits(&p.run(&["check"]), 0);

    // Once on main, an edit is a finding naming the file and the commit. (The merge is a
    // merge commit, as a pull request makes; after a fast-forward the branch's commits are
    // main's own history and its earlier edits would count.)
    git(&p, &["checkout", "-q", "main"]);
    git(&p, &["merge", "-q", "--no-ff", "--no-edit", "feature/x"]);
    exits(&p.run(&["check"]), 0);
    let text = p.read("migrations/aa01_r.sql").replace("INTEGER", "TEXT");
    p.write("migrations/aa01_r.sql", text);
    commit_all(&p, "change aa01 in place");
    let commit = git(&p, &["rev-parse", "--short=7", "HEAD"]);
    let out = p.run(&["check"]);
    exits(&out, 1)
        .stderr_has("migrations/aa01_r.sql was edited in commit")
        .stderr_has(commit.trim())
        .stderr_has("change aa01 in place")
        .stderr_has("after it reached main");
    assert!(!out.stderr.contains("bb02_r.sql was edited"), "{out:#?}");
}
