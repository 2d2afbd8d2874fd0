//! `hooks install` / `hooks uninstall` in real git repositories, and the installed hooks run
//! by real `git merge`, `git pull`, `git checkout` and `git rebase`.
//!
//! `sync` itself is not what these tests are about: the hooks run a fake `cargo` first on
//! PATH that records its arguments and fails, so they show which command the hook runs, when,
//! and that a failing `sync` never fails the git operation.
#![cfg(unix)]

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cargo_schema_e2e::TestProject;
use cargo_schema_e2e::assert::{error_line_has, exits, help_has, invalid};
use cargo_schema_e2e::fixtures::after;

const HOOKS: [&str; 3] = ["post-merge", "post-checkout", "post-rewrite"];
const BEGIN: &str = "# >>> cargo-schema >>>";
const END: &str = "# <<< cargo-schema <<<";
const FAILED_LINE: &str = "cargo-schema: sync failed (the git operation itself succeeded)";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Runs git in `dir` with a fixed author and no system or global configuration; `path`
/// replaces PATH (to put the fake cargo first).
fn git_with(dir: &Path, args: &[&str], path: Option<&OsString>) -> Output {
    let mut cmd = cargo_schema_e2e::git::command(dir);
    cmd.args(args);
    if let Some(path) = path {
        cmd.env("PATH", path);
    }
    cmd.output().expect("git runs")
}

fn describe(what: &str, out: &Output) -> String {
    format!(
        "{what}\nexit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs git and asserts it succeeded; returns its stderr.
#[track_caller]
fn git_ok_with(dir: &Path, args: &[&str], path: Option<&OsString>) -> String {
    let out = git_with(dir, args, path);
    assert!(
        out.status.success(),
        "{}",
        describe(&format!("git {}", args.join(" ")), &out)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
fn git(dir: &Path, args: &[&str]) -> String {
    git_ok_with(dir, args, None)
}

/// Commits everything in `dir`.
#[track_caller]
fn commit(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

/// A cargo project committed on `main` in a fresh repository.
fn repo() -> TestProject {
    let p = TestProject::new();
    p.write(".gitignore", "/target\n");
    git(p.path(), &["init", "-q"]);
    commit(p.path(), "init");
    p
}

/// An empty directory outside the project, and the path `name` in it.
fn elsewhere(name: &str) -> (TestProject, PathBuf) {
    let dir = TestProject::bare();
    let path = dir.path().join(name);
    (dir, path)
}

/// The user's hook said `said` on `stderr`, before our block's line.
#[track_caller]
fn ran_before_ours(stderr: &str, said: &str) {
    let theirs = stderr
        .find(said)
        .unwrap_or_else(|| panic!("the user's hook did not run: {stderr}"));
    let ours = stderr.find(FAILED_LINE).expect("our block ran");
    assert!(theirs < ours, "{stderr}");
}

/// [`repo`] and its hooks directory.
fn repo_and_hooks_dir() -> (TestProject, PathBuf) {
    let p = repo();
    let dir = hooks_dir(&p);
    (p, dir)
}

/// `repo()` with a branch `feature` one commit ahead of the fork point, and `main` one
/// commit ahead too, checked out on `main`. Made before the hooks are installed.
fn forked() -> TestProject {
    let p = repo();
    git(p.path(), &["checkout", "-q", "-b", "feature"]);
    p.write("feature.txt", "feature\n");
    commit(p.path(), "feature work");
    git(p.path(), &["checkout", "-q", "main"]);
    p.write("main.txt", "main\n");
    commit(p.path(), "main work");
    p
}

fn hooks_dir(p: &TestProject) -> PathBuf {
    p.path().join(".git/hooks")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Writes the hook script `path` with `text` and gives it `mode`.
fn write_hook(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).unwrap();
    set_mode(path, mode);
}

/// The bytes of each of [`HOOKS`] in `dir`.
fn hook_bytes(dir: &Path) -> Vec<Vec<u8>> {
    HOOKS.iter().map(|h| read(&dir.join(h))).collect()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn text(path: &Path) -> String {
    String::from_utf8(read(path)).expect("utf-8")
}

fn same_file(a: &Path, b: &Path) -> bool {
    std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
}

/// A `cargo` that records its arguments, one a line with `--` after each call, and fails
/// (or exits with another code).
struct FakeCargo {
    dir: TestProject,
}

impl FakeCargo {
    fn new() -> Self {
        Self::exiting(1)
    }

    fn exiting(code: i32) -> Self {
        let dir = TestProject::bare();
        let record = dir.path().join("calls");
        let script = dir.write(
            "bin/cargo",
            format!(
                "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> '{}'\necho -- >> '{}'\necho 'fake cargo: exiting with {code}' >&2\nexit {code}\n",
                record.display(),
                record.display()
            ),
        );
        set_mode(&script, 0o755);
        FakeCargo { dir }
    }

    /// PATH with the fake cargo first.
    fn path(&self) -> OsString {
        let mut dirs = vec![self.dir.path().join("bin")];
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        std::env::join_paths(dirs).expect("PATH")
    }

    /// The calls so far, each as its arguments.
    fn calls(&self) -> Vec<Vec<String>> {
        let Ok(record) = std::fs::read_to_string(self.dir.path().join("calls")) else {
            return Vec::new();
        };
        let mut calls = vec![Vec::new()];
        for line in record.lines() {
            if line == "--" {
                calls.push(Vec::new());
            } else {
                calls.last_mut().expect("a call").push(line.to_string());
            }
        }
        calls.pop();
        calls
    }

    /// Asserts exactly `n` calls, each `cargo schema sync --manifest-path <manifest>`.
    #[track_caller]
    fn assert_synced(&self, n: usize, manifest: &Path) {
        let calls = self.calls();
        assert_eq!(calls.len(), n, "calls to cargo: {calls:?}");
        for call in &calls {
            assert_eq!(
                &call[..call.len().min(3)],
                ["schema", "sync", "--manifest-path"],
                "{calls:?}"
            );
            assert_eq!(call.len(), 4, "{calls:?}");
            assert!(
                same_file(Path::new(&call[3]), manifest),
                "the hook synced {} instead of {}",
                call[3],
                manifest.display()
            );
        }
    }
}

/// Runs a hook script the way git does: from the root of the work tree, with `args`.
fn run_hook(hook: &Path, root: &Path, args: &[&str], path: &OsString) -> Output {
    Command::new(hook)
        .args(args)
        .current_dir(root)
        .env("PATH", path)
        .output()
        .expect("the hook runs")
}

#[track_caller]
fn assert_ours(path: &Path) {
    let content = text(path);
    assert_eq!(content.matches(BEGIN).count(), 1, "{content}");
    assert_eq!(content.matches(END).count(), 1, "{content}");
    assert!(
        content.contains("cargo schema sync --manifest-path"),
        "{content}"
    );
    assert!(content.contains("</dev/null"), "{content}");
    assert!(content.contains(FAILED_LINE), "{content}");
    let block = &content[content.find(BEGIN).expect("block")..];
    assert!(
        !block
            .lines()
            .any(|l| l.trim_start().starts_with("exit ") || l.trim() == "exit"),
        "the block must not exit:\n{content}"
    );
}

// ---------------------------------------------------------------------------------------
// install / uninstall
// ---------------------------------------------------------------------------------------

#[test]
fn install_writes_three_executable_hooks_and_uninstall_removes_them() {
    let p = repo();
    let out = p.run(&["hooks", "install"]);
    exits(&out, 0);
    for hook in HOOKS {
        out.stderr_has(&format!("Installed {hook} hook in .git/hooks"));
        let path = hooks_dir(&p).join(hook);
        assert!(text(&path).starts_with("#!/bin/sh\n"), "{}", text(&path));
        assert_eq!(mode(&path), 0o755, "{hook}");
        assert_ours(&path);
    }
    let checkout = text(&hooks_dir(&p).join("post-checkout"));
    assert!(checkout.contains(r#"[ "${3-}" = 1 ]"#), "{checkout}");

    let out = p.run(&["hooks", "uninstall"]);
    exits(&out, 0);
    for hook in HOOKS {
        out.stderr_has(&format!("Removed {hook} hook from .git/hooks"));
        assert!(!hooks_dir(&p).join(hook).exists(), "{hook} is left");
        assert!(
            !hooks_dir(&p)
                .join(format!("{hook}.cargo-schema-chained"))
                .exists()
        );
    }
    let out = p.run(&["hooks", "uninstall"]);
    exits(&out, 0)
        .stderr_has("Fresh")
        .stderr_has("no cargo-schema hooks");
}

#[test]
fn install_twice_changes_nothing() {
    let p = after(repo(), &["hooks", "install"]);
    let before = hook_bytes(&hooks_dir(&p));
    exits(&p.run(&["hooks", "install"]), 0)
        .stderr_has("Fresh")
        .stderr_lacks("Installed")
        .stderr_lacks("Updated");
    let after = hook_bytes(&hooks_dir(&p));
    assert_eq!(before, after);
}

#[test]
fn an_existing_shell_hook_keeps_its_commands_first_and_comes_back_byte_for_byte() {
    let (p, dir) = repo_and_hooks_dir();
    let merge = "#!/bin/sh\n# the team's hook\necho \"user hook ran with $1\" >&2\n";
    // No newline at the end, another shell, other permissions.
    let checkout = "#!/usr/bin/env bash\necho 'user checkout hook' >&2";
    write_hook(&dir.join("post-merge"), merge, 0o750);
    write_hook(&dir.join("post-checkout"), checkout, 0o755);

    exits(&p.run(&["hooks", "install"]), 0)
        .stderr_has("Installed post-merge hook in .git/hooks, after the commands of the hook that was there")
        .stderr_has("Installed post-checkout hook in .git/hooks, after the commands")
        .stderr_has("Installed post-rewrite hook in .git/hooks");
    for (hook, original) in [("post-merge", merge), ("post-checkout", checkout)] {
        let now = text(&dir.join(hook));
        assert!(now.starts_with(original), "{now}");
        assert_ours(&dir.join(hook));
    }
    assert_eq!(mode(&dir.join("post-merge")), 0o750);

    let installed = hook_bytes(&dir);
    exits(&p.run(&["hooks", "install"]), 0).stderr_has("Fresh");
    let again = hook_bytes(&dir);
    assert_eq!(installed, again, "a second install changed the hooks");

    // Both run: the user's commands first, then ours.
    let cargo = FakeCargo::new();
    let ran = run_hook(&dir.join("post-merge"), p.path(), &["0"], &cargo.path());
    assert!(ran.status.success(), "{}", describe("post-merge", &ran));
    let stderr = String::from_utf8_lossy(&ran.stderr);
    ran_before_ours(&stderr, "user hook ran with 0");
    cargo.assert_synced(1, &p.path().join("Cargo.toml"));

    let out = p.run(&["hooks", "uninstall"]);
    exits(&out, 0)
        .stderr_has("Removed post-merge hook")
        .stderr_has("Removed post-checkout hook")
        .stderr_has("Removed post-rewrite hook");
    assert_eq!(read(&dir.join("post-merge")), merge.as_bytes());
    assert_eq!(read(&dir.join("post-checkout")), checkout.as_bytes());
    assert_eq!(mode(&dir.join("post-merge")), 0o750);
    assert!(!dir.join("post-rewrite").exists());
}

#[test]
fn a_hook_that_ends_with_exit_gets_a_warning() {
    let p = repo();
    let path = hooks_dir(&p).join("post-merge");
    write_hook(&path, "#!/bin/sh\necho hi\nexit 0\n", 0o755);
    exits(&p.run(&["hooks", "install"]), 0)
        .stderr_has("warning:")
        .stderr_has("`exit` or `exec` line before cargo-schema's block");
}

#[test]
fn a_hook_in_another_language_is_chained_and_restored() {
    let (p, dir) = repo_and_hooks_dir();
    // awk is everywhere; it says which arguments it got and exits 3.
    let awk = "#!/usr/bin/awk -f\nBEGIN { print \"awk hook ran with \" ARGV[1] > \"/dev/stderr\"; exit 3 }\n";
    let python = "#!/usr/bin/env python3\nprint('python hook')\n";
    // A shell hook that is not executable is switched off: it must stay that way.
    let disabled = "#!/bin/sh\necho 'disabled hook ran' >&2\n";
    // Each hook with the script that was there before and its mode.
    let originals = [
        ("post-merge", awk, 0o755),
        ("post-checkout", python, 0o700),
        ("post-rewrite", disabled, 0o644),
    ];
    for (hook, content, m) in originals {
        write_hook(&dir.join(hook), content, m);
    }

    let out = p.run(&["hooks", "install"]);
    exits(&out, 0);
    for (hook, original, m) in originals {
        out.stderr_has(&format!(
            "Installed {hook} hook in .git/hooks; the hook that was there is kept as {hook}.cargo-schema-chained and runs first"
        ));
        let chained = dir.join(format!("{hook}.cargo-schema-chained"));
        assert_eq!(read(&chained), original.as_bytes());
        assert_eq!(mode(&chained), m);
        let now = text(&dir.join(hook));
        assert!(now.starts_with("#!/bin/sh\n"), "{now}");
        assert!(
            now.contains(&format!(
                "\"$(dirname \"$0\")/{hook}.cargo-schema-chained\" \"$@\""
            )),
            "{now}"
        );
        assert_eq!(mode(&dir.join(hook)), 0o755);
        assert_ours(&dir.join(hook));
    }

    // The old hook runs first with the hook's arguments, its exit status is the hook's,
    // and ours runs after it.
    let cargo = FakeCargo::new();
    let ran = run_hook(&dir.join("post-merge"), p.path(), &["0"], &cargo.path());
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert_eq!(
        ran.status.code(),
        Some(3),
        "{}",
        describe("post-merge", &ran)
    );
    ran_before_ours(&stderr, "awk hook ran with 0");
    cargo.assert_synced(1, &p.path().join("Cargo.toml"));

    let ran = run_hook(
        &dir.join("post-rewrite"),
        p.path(),
        &["rebase"],
        &cargo.path(),
    );
    assert!(ran.status.success(), "{}", describe("post-rewrite", &ran));
    assert!(
        !String::from_utf8_lossy(&ran.stderr).contains("disabled hook ran"),
        "a switched-off hook ran"
    );
    cargo.assert_synced(2, &p.path().join("Cargo.toml"));

    let installed = hook_bytes(&dir);
    exits(&p.run(&["hooks", "install"]), 0).stderr_has("Fresh");
    let again = hook_bytes(&dir);
    assert_eq!(installed, again);

    let out = p.run(&["hooks", "uninstall"]);
    exits(&out, 0);
    for (hook, original, m) in originals {
        out.stderr_has(&format!(
            "Removed {hook} hook from .git/hooks, restoring the hook that was there"
        ));
        assert_eq!(read(&dir.join(hook)), original.as_bytes());
        assert_eq!(mode(&dir.join(hook)), m);
        assert!(!dir.join(format!("{hook}.cargo-schema-chained")).exists());
    }
}

#[test]
fn a_relative_core_hooks_path_is_honoured_from_the_work_tree_root() {
    // The project is in a subdirectory whose name needs quoting in sh.
    let p = TestProject::bare();
    let sub = "my app's";
    p.write(
        &format!("{sub}/Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    p.write(&format!("{sub}/src/lib.rs"), "");
    p.write(".gitignore", "target/\n");
    git(p.path(), &["init", "-q"]);
    git(p.path(), &["config", "core.hooksPath", ".githooks"]);
    commit(p.path(), "init");

    let out = p.run_in(&p.path().join(sub), &["hooks", "install"]);
    exits(&out, 0);
    for hook in HOOKS {
        let path = p.path().join(".githooks").join(hook);
        assert_ours(&path);
        assert_eq!(mode(&path), 0o755);
        assert!(!hooks_dir(&p).join(hook).exists(), "{hook} in .git/hooks");
        assert!(!p.path().join(sub).join(".githooks").exists());
    }

    let cargo = FakeCargo::new();
    let hook = p.path().join(".githooks/post-merge");
    let ran = run_hook(&hook, p.path(), &["0"], &cargo.path());
    assert!(ran.status.success(), "{}", describe("post-merge", &ran));
    cargo.assert_synced(1, &p.path().join(sub).join("Cargo.toml"));

    exits(&p.run_in(&p.path().join(sub), &["hooks", "uninstall"]), 0);
    for hook in HOOKS {
        assert!(!p.path().join(".githooks").join(hook).exists());
    }
}

#[test]
fn a_linked_worktree_installs_into_the_common_hooks_dir_and_syncs_its_own_checkout() {
    let p = forked();
    let (_elsewhere, wt) = elsewhere("wt");
    let at = wt.to_str().unwrap();
    git(
        p.path(),
        &["worktree", "add", "-q", "-b", "wt-branch", at, "main"],
    );

    let out = p.run_in(&wt, &["hooks", "install"]);
    exits(&out, 0);
    for hook in HOOKS {
        assert_ours(&hooks_dir(&p).join(hook));
    }
    assert!(!p.path().join(".git/worktrees/wt/hooks").exists());

    // The same hooks serve both checkouts, each syncing its own.
    let cargo = FakeCargo::new();
    let stderr = git_ok_with(&wt, &["checkout", "-q", "feature"], Some(&cargo.path()));
    assert!(stderr.contains(FAILED_LINE), "{stderr}");
    cargo.assert_synced(1, &wt.join("Cargo.toml"));
}

#[test]
fn not_a_git_repository_is_an_invalid_request() {
    let p = TestProject::new();
    for command in ["install", "uninstall"] {
        let out = p.run(&["hooks", command]);
        invalid(&out, &["not in a git repository"]);
        help_has(&out, "git init");
    }
}

#[test]
fn an_unfinished_block_is_reported_and_the_other_hooks_still_install() {
    let p = repo();
    let path = hooks_dir(&p).join("post-merge");
    let broken = format!("#!/bin/sh\n{BEGIN}\necho half\n");
    write_hook(&path, &broken, 0o755);
    let out = p.run(&["hooks", "install"]);
    exits(&out, 1);
    error_line_has(
        &out,
        &["post-merge", "without a `# <<< cargo-schema <<<` line"],
    );
    assert_eq!(text(&path), broken);
    assert_ours(&hooks_dir(&p).join("post-checkout"));
    assert_ours(&hooks_dir(&p).join("post-rewrite"));
}

// ---------------------------------------------------------------------------------------
// The hooks at work
// ---------------------------------------------------------------------------------------

#[test]
fn a_hook_calls_sync_reports_its_failure_and_exits_0() {
    let p = after(repo(), &["hooks", "install"]);
    let dir = hooks_dir(&p);
    let manifest = p.path().join("Cargo.toml");
    let cargo = FakeCargo::new();
    // Runs the hook `name` in `root` with `PATH` set to `path`; it must exit 0.
    let exits_0 = |name: &str, root: &Path, args: &[&str], path: &OsString| {
        let ran = run_hook(&dir.join(name), root, args, path);
        assert_eq!(ran.status.code(), Some(0), "{}", describe(name, &ran));
        ran
    };

    let ran = exits_0("post-merge", p.path(), &["0"], &cargo.path());
    assert!(String::from_utf8_lossy(&ran.stderr).contains(FAILED_LINE));
    cargo.assert_synced(1, &manifest);

    // A sync that succeeds reports no failure.
    let fine = FakeCargo::exiting(0);
    let ran = exits_0("post-merge", p.path(), &["0"], &fine.path());
    assert!(!String::from_utf8_lossy(&ran.stderr).contains(FAILED_LINE));
    fine.assert_synced(1, &manifest);

    // A file checkout ($3 = 0) does nothing, a branch checkout syncs.
    let checkout = ["aaaa", "bbbb", "0"];
    let ran = exits_0("post-checkout", p.path(), &checkout, &cargo.path());
    assert!(ran.stderr.is_empty(), "{}", describe("post-checkout", &ran));
    cargo.assert_synced(1, &manifest);
    exits_0(
        "post-checkout",
        p.path(),
        &["aaaa", "bbbb", "1"],
        &cargo.path(),
    );
    cargo.assert_synced(2, &manifest);

    // Without cargo on PATH the hooks say nothing and succeed.
    let empty = TestProject::bare();
    let no_cargo = OsString::from(empty.path());
    for (hook, args) in [
        ("post-merge", &["0"][..]),
        ("post-checkout", &["aaaa", "bbbb", "1"]),
        ("post-rewrite", &["rebase"]),
    ] {
        let ran = exits_0(hook, p.path(), args, &no_cargo);
        assert!(ran.stderr.is_empty(), "{}", describe(hook, &ran));
    }
    // Outside a checkout of the project (another repository sharing the hooks) neither.
    let ran = exits_0("post-merge", empty.path(), &["0"], &cargo.path());
    assert!(ran.stderr.is_empty(), "{}", describe("post-merge", &ran));
    cargo.assert_synced(2, &manifest);
}

#[test]
fn a_real_merge_runs_the_hook_and_succeeds_although_sync_fails() {
    let p = after(forked(), &["hooks", "install"]);
    let cargo = FakeCargo::new();
    let stderr = git_ok_with(
        p.path(),
        &["merge", "--no-edit", "feature"],
        Some(&cargo.path()),
    );
    assert!(stderr.contains(FAILED_LINE), "{stderr}");
    cargo.assert_synced(1, &p.path().join("Cargo.toml"));
    // The merge itself happened.
    let parents =
        String::from_utf8_lossy(&git_with(p.path(), &["log", "-1", "--format=%P"], None).stdout)
            .into_owned();
    assert_eq!(
        parents.split_whitespace().count(),
        2,
        "not a merge commit: {parents}"
    );
    assert!(p.path().join("feature.txt").exists());
}

#[test]
fn a_pull_from_another_clone_runs_the_hook() {
    let origin = repo();
    let (elsewhere, clone) = elsewhere("clone");
    git(
        elsewhere.path(),
        &["clone", "-q", origin.path().to_str().unwrap(), "clone"],
    );
    origin.run_in(&clone, &["hooks", "install"]).success();

    origin.write("pulled.txt", "new\n");
    commit(origin.path(), "upstream work");
    let cargo = FakeCargo::new();
    let stderr = git_ok_with(
        &clone,
        &["pull", "-q", "--no-rebase", "origin", "main"],
        Some(&cargo.path()),
    );
    assert!(stderr.contains(FAILED_LINE), "{stderr}");
    cargo.assert_synced(1, &clone.join("Cargo.toml"));
    assert!(clone.join("pulled.txt").exists());
}

#[test]
fn branch_checkouts_run_the_hook_and_file_checkouts_do_not() {
    let p = after(forked(), &["hooks", "install"]);
    let cargo = FakeCargo::new();
    let path = cargo.path();
    let manifest = p.path().join("Cargo.toml");

    p.write("src/lib.rs", "// edited\n");
    git_ok_with(p.path(), &["checkout", "--", "src/lib.rs"], Some(&path));
    assert_eq!(p.read("src/lib.rs"), "");
    cargo.assert_synced(0, &manifest);

    // A new branch where HEAD is: no files change.
    git_ok_with(p.path(), &["checkout", "-q", "-b", "here"], Some(&path));
    cargo.assert_synced(0, &manifest);

    let stderr = git_ok_with(p.path(), &["checkout", "-q", "feature"], Some(&path));
    assert!(stderr.contains(FAILED_LINE), "{stderr}");
    cargo.assert_synced(1, &manifest);
    assert!(p.path().join("feature.txt").exists());

    git_ok_with(p.path(), &["switch", "-q", "main"], Some(&path));
    cargo.assert_synced(2, &manifest);
}

#[test]
fn a_rebase_runs_post_rewrite_and_an_amend_does_not() {
    let p = after(forked(), &["hooks", "install"]);
    // Only post-rewrite may call cargo here.
    std::fs::remove_file(hooks_dir(&p).join("post-checkout")).unwrap();
    let cargo = FakeCargo::new();
    let path = cargo.path();
    let manifest = p.path().join("Cargo.toml");
    git(p.path(), &["checkout", "-q", "feature"]);

    git_ok_with(
        p.path(),
        &["commit", "-q", "--amend", "--no-edit"],
        Some(&path),
    );
    cargo.assert_synced(0, &manifest);

    let out = git_with(p.path(), &["rebase", "main"], Some(&path));
    assert!(out.status.success(), "{}", describe("git rebase", &out));
    assert!(String::from_utf8_lossy(&out.stderr).contains(FAILED_LINE));
    cargo.assert_synced(1, &manifest);
    assert!(p.path().join("main.txt").exists());
}
