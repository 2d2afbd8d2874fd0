//! `sync` and `heads --verbose` in real git repositories: merges that leave two heads, and
//! branch switches that leave applied revisions behind.

use std::path::Path;
use std::process::Command;

use cargo_schema_e2e::TestProject;
use cargo_schema_e2e::assert::exits;
use cargo_schema_e2e::fixtures::after;

/// Runs git with a fixed author in the project.
#[track_caller]
fn git(p: &TestProject, args: &[&str]) -> String {
    cargo_schema_e2e::git::git(p.path(), args)
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
    cargo_schema_e2e::git::commit_all(p.path(), message);
}

/// A repository on `main` whose one commit adds the base revision `aa01`.
fn base_repository() -> TestProject {
    let p = TestProject::new();
    p.write(".gitignore", "/target\n/dev.db\n");
    git(&p, &["init", "-q"]);
    revision(&p, "aa01", "");
    commit_all(&p, "base");
    p
}

/// [`base_repository`], then `feature/phone` adding `bb02` and `main` adding `cc03`, on
/// `main`, not merged.
fn diverged_repository() -> TestProject {
    let p = base_repository();
    git(&p, &["checkout", "-qb", "feature/phone"]);
    revision(&p, "bb02", "aa01");
    commit_all(&p, "phone");
    git(&p, &["checkout", "-q", "main"]);
    revision(&p, "cc03", "aa01");
    commit_all(&p, "roles");
    p
}

/// A repository on `main` with a base revision, then `feature/phone` adding `bb02` and
/// `main` adding `cc03`, merged: two heads.
fn merged_repository() -> TestProject {
    let p = diverged_repository();
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
    exits(&merged_repository().run(&["heads", "-v"]), 0)
        .stdout_has("Git: from feature/phone, local only")
        .stderr_has("2 heads:")
        .stderr_has("bb02 add bb02 (from feature/phone, local only)");
}

#[test]
fn up_new_and_check_name_where_the_heads_came_from_and_point_to_sync() {
    let p = merged_repository();
    let from = "bb02 add bb02 (from feature/phone, local only)";
    for (args, code) in [
        (&["up"][..], 2),
        (&["new", "-m", "more"][..], 2),
        (&["check"][..], 1),
    ] {
        let out = p.run(args);
        exits(&out, code)
            .stderr_has(from)
            .stderr_has("`cargo schema sync` offers to merge them");
    }
}

#[test]
fn up_and_new_with_yes_write_the_merge_revision_first_then_do_their_work() {
    let p = merged_repository();
    let out = p.run(&["up", "--yes"]);
    exits(&out, 0)
        .stderr_has("2 heads:")
        .stderr_has("Created revision");
    assert_eq!(head_ids(&p).len(), 1);
    let current = p.run(&["current"]);
    exits(&current, 0);
    assert_eq!(
        head_ids(&p),
        [current
            .stdout
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string()]
    );

    let p = after(
        merged_repository(),
        &["new", "--yes", "-m", "after the merge"],
    );
    let heads = p.run(&["heads", "--format", "json"]).json();
    assert_eq!(heads.as_array().map(Vec::len), Some(1));
    assert_eq!(heads[0]["message"], "after the merge");
}

/// `up` in a terminal offers what `sync` offers before it would refuse.
#[cfg(unix)]
#[test]
fn up_in_a_terminal_offers_the_merge_then_applies() {
    let p = merged_repository();
    let mut cmd = Command::new(cargo_schema_e2e::binary());
    cmd.args(["schema", "up"])
        .current_dir(p.path())
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env("CARGO_TARGET_DIR", p.path().join("target"));
    let mut s = rexpect::session::spawn_command(cmd, Some(10_000)).expect("spawns in a pty");
    s.exp_string("Do nothing for now").expect("the menu");
    s.send("\r").expect("Enter picks the merge");
    s.flush().expect("flushes");
    let rest = s.exp_eof().expect("ends");
    assert!(rest.contains("Applied"), "{rest}");
    assert_eq!(head_ids(&p).len(), 1);
    assert!(tables(&p.path().join("dev.db")).contains("t_bb02"));
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
    let p = after(merged_repository(), &["sync", "--yes"]);
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
    let p = after(feature_repository(false), &["up"]);
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
    let out = cargo_schema_e2e::git::command(p.path())
        .args(args)
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
    if !cargo_on_path() {
        return;
    }
    let p = after(feature_repository(true), &["hooks", "install"]);
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

/// The hooks run `cargo schema sync`, so cargo must be on PATH; without it the hook tests
/// skip visibly, and fail in CI.
fn cargo_on_path() -> bool {
    if Command::new("cargo").arg("--version").output().is_ok() {
        return true;
    }
    cargo_schema_e2e::db::skip("cargo is not on PATH");
    false
}

#[test]
fn with_auto_apply_a_pull_and_a_pull_with_rebase_apply_what_they_bring() {
    if !cargo_on_path() {
        return;
    }
    // origin has aa01 and auto-apply; the clone installs the hooks and is up to date.
    let origin = TestProject::new();
    origin.write(".gitignore", "/target\n/dev.db\n");
    let manifest = origin.read("Cargo.toml");
    origin.write("Cargo.toml", format!("{manifest}auto-apply = true\n"));
    git(&origin, &["init", "-q"]);
    revision(&origin, "aa01", "");
    commit_all(&origin, "base");
    let p = TestProject::bare();
    let url = format!("file://{}", origin.path().display());
    git(&p, &["clone", "-q", &url, "."]);
    exits(&p.run(&["hooks", "install"]), 0);
    exits(&p.run(&["up"]), 0);
    let db = p.path().join("dev.db");

    // A pull (post-merge) applies the revision it brings.
    revision(&origin, "bb02", "aa01");
    commit_all(&origin, "bb02");
    git_with_hooks(&p, &["pull", "-q", "--no-rebase"]);
    assert!(tables(&db).contains("t_bb02"), "{}", tables(&db));

    // A pull that rebases a local commit on top (post-rewrite) does too.
    p.write("NOTES.md", "local work\n");
    commit_all(&p, "local notes");
    revision(&origin, "cc03", "bb02");
    commit_all(&origin, "cc03");
    git_with_hooks(&p, &["pull", "-q", "--rebase"]);
    assert!(tables(&db).contains("t_cc03"), "{}", tables(&db));
    exits(&p.run(&["current"]), 0).stdout_has("cc03");
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
    let p = after(base_repository(), &["check"]);

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

/// `cargo-schema schema sync` in the project on a pseudo-terminal (Unix), bounded by 10 s.
#[cfg(unix)]
fn spawn_sync(p: &TestProject) -> rexpect::session::PtySession {
    let mut cmd = Command::new(cargo_schema_e2e::binary());
    cmd.args(["schema", "sync"])
        .current_dir(p.path())
        .env_remove("DATABASE_URL")
        .env_remove("CARGO_TERM_COLOR")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env("CARGO_TARGET_DIR", p.path().join("target"));
    rexpect::session::spawn_command(cmd, Some(10_000)).expect("spawns in a pty")
}

/// Runs `sync` in a pty and picks the option `downs` arrow presses below the first, as a
/// person would. Returns the prompt as shown (up to the last option) and what followed.
#[cfg(unix)]
fn sync_in_a_pty(p: &TestProject, downs: usize) -> (String, String) {
    let mut s = spawn_sync(p);
    let (before, last) = s
        .exp_regex("Do nothing for now")
        .expect("the prompt appears");
    let menu = format!("{before}{last}");
    for _ in 0..downs {
        s.send("\x1b[B").expect("sends the down arrow");
    }
    s.send("\r").expect("sends Enter");
    s.flush().expect("flushes");
    let rest = s.exp_eof().expect("the command ends within 10 s");
    match s.process.wait().expect("the command's status") {
        rexpect::process::wait::WaitStatus::Exited(_, 0) => {}
        other => panic!("sync ended with {other:?}; output:\n{menu}{rest}"),
    }
    (menu, rest)
}

/// The ids of the heads, sorted.
fn head_ids(p: &TestProject) -> Vec<String> {
    let heads = p.run(&["heads", "--format", "json"]).json();
    let mut ids: Vec<String> = heads
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|h| h["revision"].as_str().map(String::from))
        .collect();
    ids.sort();
    ids
}

fn revision_files(p: &TestProject) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(p.path().join("migrations"))
        .expect("the migrations directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    v.sort();
    v
}

const MOVE_PHONE: &str = "Move 1 local revision(s) of feature/phone on top of cc03 (add cc03)";

#[cfg(unix)]
#[test]
fn sync_in_a_terminal_offers_three_choices_and_the_first_writes_a_merge_revision() {
    let p = merged_repository();
    let (menu, rest) = sync_in_a_pty(&p, 0);
    assert!(
        menu.contains("Write a merge revision over the heads"),
        "{menu}"
    );
    assert!(menu.contains(MOVE_PHONE), "{menu}");
    assert!(rest.contains("Created"), "{rest}");
    let heads = p.run(&["heads", "--format", "json"]).json();
    let heads = heads.as_array().expect("an array").clone();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let mut revises: Vec<&str> = heads[0]["revises"]
        .as_array()
        .expect("revises")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    revises.sort();
    assert_eq!(revises, ["bb02", "cc03"]);
    assert_eq!(revision_files(&p).len(), 4, "{:?}", revision_files(&p));
}

#[cfg(unix)]
#[test]
fn sync_in_a_terminal_moves_the_local_branch_on_top_of_the_other_head() {
    let p = merged_repository();
    let before = p.read("migrations/bb02_r.sql");
    let (menu, rest) = sync_in_a_pty(&p, 1);
    assert!(menu.contains(MOVE_PHONE), "{menu}");
    assert!(
        rest.contains("bb02 now revises cc03 instead of aa01"),
        "{rest}"
    );

    assert_eq!(head_ids(&p), ["bb02"]);
    assert_eq!(
        revision_files(&p),
        ["aa01_r.sql", "bb02_r.sql", "cc03_r.sql"],
        "no merge revision"
    );
    // Only the header line changed, and history is linear: aa01 <- cc03 <- bb02.
    let after = p.read("migrations/bb02_r.sql");
    assert_eq!(
        after,
        before.replace("-- revises: aa01", "-- revises: cc03")
    );
    assert!(
        p.read("migrations/cc03_r.sql")
            .contains("-- revises: aa01\n")
    );
    let history = p.run(&["history"]);
    exits(&history, 0);
    assert!(
        !history.stdout.contains("branch point"),
        "{}",
        history.stdout
    );
    exits(&p.run(&["up"]), 0);
    exits(&p.run(&["current"]), 0).stdout_has("bb02");

    // Committing the move on main (the default branch: there is no remote) changes only a
    // header line, not what bb02 applies, so `check` does not call it an edit.
    commit_all(&p, "move bb02 on top of cc03");
    exits(&p.run(&["check"]), 0);
}

#[cfg(unix)]
#[test]
fn sync_in_a_terminal_can_leave_the_heads_alone() {
    let p = merged_repository();
    let (menu, rest) = sync_in_a_pty(&p, 2);
    assert!(menu.contains(MOVE_PHONE), "{menu}");
    assert!(rest.contains("the heads stay as they are"), "{rest}");
    assert_eq!(head_ids(&p), ["bb02", "cc03"]);
    assert_eq!(revision_files(&p).len(), 3);
    assert_eq!(git(&p, &["status", "--porcelain"]).trim(), "");
}

#[cfg(unix)]
#[test]
fn sync_does_not_offer_to_move_revisions_the_database_has_applied() {
    let p = merged_repository();
    // bb02 is applied, so feature/phone's line may not move; cc03 is not, so main's may.
    exits(&p.run(&["up", "bb02"]), 0);
    let (menu, _) = sync_in_a_pty(&p, 2);
    assert!(!menu.contains(MOVE_PHONE), "{menu}");
    assert!(
        menu.contains("Move 1 local revision(s) of main on top of bb02 (add bb02)"),
        "{menu}"
    );
    // With both sides applied nothing may move: merge or nothing.
    exits(&p.run(&["up", "cc03"]), 0);
    let (menu, _) = sync_in_a_pty(&p, 1);
    assert!(!menu.contains("Move "), "{menu}");
    assert_eq!(head_ids(&p), ["bb02", "cc03"]);
}

#[test]
fn a_head_already_on_the_upstream_is_named_by_its_remote_branch() {
    // origin: aa01 then cc03 on main. The clone branches off aa01, adds bb02, merges it.
    let origin = TestProject::new();
    origin.write(".gitignore", "/target\n/dev.db\n");
    git(&origin, &["init", "-q"]);
    revision(&origin, "aa01", "");
    commit_all(&origin, "base");
    revision(&origin, "cc03", "aa01");
    commit_all(&origin, "roles");
    let p = TestProject::bare();
    let url = format!("file://{}", origin.path().display());
    git(&p, &["clone", "-q", &url, "."]);
    git(&p, &["checkout", "-qb", "feature/phone", "HEAD~1"]);
    revision(&p, "bb02", "aa01");
    commit_all(&p, "phone");
    git(&p, &["checkout", "-q", "main"]);
    git(&p, &["merge", "-q", "--no-edit", "feature/phone"]);

    let out = p.run(&["heads", "-v"]);
    exits(&out, 0)
        .stderr_has("cc03 add cc03 (from origin/main)")
        .stderr_has("bb02 add bb02 (from feature/phone, local only)");
}

#[test]
fn a_rebase_onto_the_other_branch_leaves_two_heads_and_sync_joins_them() {
    let p = diverged_repository();
    git(&p, &["checkout", "-q", "feature/phone"]);
    git(&p, &["rebase", "-q", "main"]);

    assert_eq!(head_ids(&p), ["bb02", "cc03"]);
    exits(&p.run(&["heads", "-v"]), 0).stderr_has("bb02 add bb02 (from feature/phone, local only)");
    exits(&p.run(&["sync"]), 1).stderr_has("2 heads:");
    exits(&p.run(&["sync", "--yes"]), 0);
    assert_eq!(head_ids(&p).len(), 1);
    exits(&p.run(&["up"]), 0);
    let db = p.path().join("dev.db");
    assert!(tables(&db).contains("t_bb02") && tables(&db).contains("t_cc03"));
}

#[test]
fn a_shallow_clone_still_shows_heads_and_syncs() {
    let origin = merged_repository();
    let p = TestProject::bare();
    let url = format!("file://{}", origin.path().display());
    git(&p, &["clone", "-q", "--depth", "1", &url, "."]);
    assert_eq!(
        git(&p, &["rev-parse", "--is-shallow-repository"]).trim(),
        "true"
    );

    // The history is cut at the merge commit: provenance is partial, never an error.
    let out = p.run(&["heads", "-v"]);
    exits(&out, 0).stderr_has("2 heads:").stdout_has("Git: ");
    assert!(!out.stderr.contains("error"), "{out:#?}");
    exits(&p.run(&["sync"]), 1).stderr_has("2 heads:");
    exits(&p.run(&["sync", "--yes"]), 0);
    assert_eq!(p.run(&["heads"]).stdout.lines().count(), 1);
    exits(&p.run(&["check"]), 0);
}

#[test]
fn a_revision_deleted_in_the_merge_is_rolled_back_from_its_recorded_down_section() {
    let p = base_repository();
    git(&p, &["checkout", "-qb", "feature/x"]);
    revision(&p, "bb02", "aa01");
    commit_all(&p, "add bb02");
    exits(&p.run(&["up"]), 0);
    let db = p.path().join("dev.db");
    assert!(tables(&db).contains("t_bb02"));

    // main adds cc03, then merges feature/x but drops bb02 in the resolution.
    git(&p, &["checkout", "-q", "main"]);
    revision(&p, "cc03", "aa01");
    commit_all(&p, "add cc03");
    git(&p, &["merge", "-q", "--no-ff", "--no-commit", "feature/x"]);
    git(&p, &["rm", "-qf", "migrations/bb02_r.sql"]);
    git(&p, &["commit", "-qm", "merge feature/x without bb02"]);
    assert!(!p.path().join("migrations/bb02_r.sql").exists());
    assert_eq!(head_ids(&p), ["cc03"]);

    exits(&p.run(&["sync"]), 1)
        .stderr_has("1 revision(s) this checkout does not have: bb02")
        .stderr_has("--yes");
    exits(&p.run(&["sync", "--yes"]), 0)
        .stderr_has("Rolled back bb02")
        .stderr_has("1 revision(s)");
    assert!(!tables(&db).contains("t_bb02"), "{}", tables(&db));
    exits(&p.run(&["up"]), 0);
    assert!(tables(&db).contains("t_cc03"), "{}", tables(&db));
    exits(&p.run(&["current"]), 0).stdout_has("cc03");
}

#[test]
fn conflicting_edits_to_one_revision_resolved_in_a_merge_are_reported_by_check() {
    let p = base_repository();
    let path = "migrations/aa01_r.sql";
    let original = p.read(path);

    git(&p, &["checkout", "-qb", "feature/x"]);
    p.write(path, original.replace("INTEGER", "BIGINT"));
    commit_all(&p, "aa01 as bigint");
    let feature_commit = git(&p, &["rev-parse", "--short=7", "HEAD"]);
    git(&p, &["checkout", "-q", "main"]);
    p.write(path, original.replace("INTEGER", "TEXT"));
    commit_all(&p, "aa01 as text");
    let main_commit = git(&p, &["rev-parse", "--short=7", "HEAD"]);

    // The merge conflicts on the file; the resolution keeps a third version.
    let merge = cargo_schema_e2e::git::command(p.path())
        .args(["merge", "-q", "--no-edit", "feature/x"])
        .output()
        .expect("git runs");
    assert!(!merge.status.success(), "the merge should conflict");
    p.write(path, original.replace("INTEGER", "NUMERIC"));
    git(&p, &["add", path]);
    git(&p, &["commit", "-q", "--no-edit"]);

    let out = p.run(&["check"]);
    exits(&out, 1)
        .stderr_has("migrations/aa01_r.sql was edited in commit")
        .stderr_has(main_commit.trim())
        .stderr_has("aa01 as text")
        .stderr_has(feature_commit.trim())
        .stderr_has("aa01 as bigint")
        .stderr_has("after it reached main");
}
