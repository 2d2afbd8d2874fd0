//! Throwaway cargo projects and the real `cargo-schema` binary.
//!
//! A failing assertion prints the command, the project's files, stdout and stderr, so a
//! failure in CI can be understood without re-running it.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The `cargo-schema` binary cargo built for this test run.
pub fn binary() -> PathBuf {
    if let Some(p) = std::env::var_os("CARGO_SCHEMA_BIN") {
        return PathBuf::from(p);
    }
    // Test executables live in target/<profile>/deps; binaries one level up.
    let exe = std::env::current_exe().expect("the test executable has a path");
    let dir = exe
        .parent()
        .and_then(|d| {
            if d.ends_with("deps") {
                d.parent()
            } else {
                Some(d)
            }
        })
        .expect("a target directory");
    let bin = dir.join(format!("cargo-schema{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} is missing: build it with `cargo build -p cargo-schema` (cargo test --workspace does)",
        bin.display()
    );
    bin
}

/// The manifest of [`TestProject::new`]: package `app`, migrations in `migrations/`.
pub const MANIFEST: &str = "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.schema]\nmigrations = \"migrations\"\n";

/// A cargo project in a temporary directory.
pub struct TestProject {
    dir: tempfile::TempDir,
}

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    context: String,
}

impl TestProject {
    /// A package `app` with `[package.metadata.schema]` (migrations in `migrations/`).
    pub fn new() -> Self {
        let p = Self::bare();
        p.write("Cargo.toml", MANIFEST);
        p.write("src/lib.rs", "");
        std::fs::create_dir_all(p.path().join("migrations")).expect("mkdir");
        p
    }

    /// A package `app` whose `[package.metadata.schema]` holds `migrations = "migrations"`
    /// and then the `extra` lines (each ending in a newline).
    pub fn with_metadata(extra: &str) -> Self {
        let p = Self::new();
        p.write("Cargo.toml", format!("{MANIFEST}{extra}"));
        p
    }

    /// [`new`](Self::new) with one more file, `rel` holding `contents`.
    pub fn with_file(rel: &str, contents: impl AsRef<[u8]>) -> Self {
        let p = Self::new();
        p.write(rel, contents);
        p
    }

    /// [`new`](Self::new) with a [`revision`](Self::revision) file for each
    /// `(id, revises, extra_header)`.
    pub fn with_revisions(revisions: &[(&str, &str, &str)]) -> Self {
        let p = Self::new();
        for (id, revises, extra_header) in revisions {
            p.revision(id, revises, extra_header);
        }
        p
    }

    /// An empty directory.
    pub fn bare() -> Self {
        TestProject {
            dir: tempfile::Builder::new()
                .prefix("cargo-schema-test")
                .tempdir()
                .expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating directories), relative to the project.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, contents).expect("write");
        path
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).expect("read")
    }

    /// Writes `migrations/<id>_<slug>.sql` with the given header lines and sections.
    pub fn revision(&self, id: &str, revises: &str, extra_header: &str) -> PathBuf {
        let slug = format!("r_{id}");
        self.write(
            &format!("migrations/{id}_{slug}.sql"),
            format!(
                "-- revision: {id}\n-- revises: {revises}\n{extra_header}-- message: revision {id}\n\n-- migrate:up\nCREATE TABLE t_{id} (id INTEGER PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE t_{id};\n"
            ),
        )
    }

    /// Runs `cargo-schema schema ARGS` in the project directory.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_in(self.path(), args)
    }

    /// [`run`](Self::run) that must exit 0 (no panic either).
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        crate::assert::exits(&out, 0);
        out
    }

    /// Runs `cargo-schema schema ARGS` in `dir`.
    pub fn run_in(&self, dir: &Path, args: &[&str]) -> Output {
        let out = self
            .command_in(dir, args)
            .output()
            .expect("the binary runs");
        self.output(dir, args, out)
    }

    /// [`run`](Self::run), but a run still going after `limit` is killed and fails the test:
    /// a hang fails instead of stalling the suite.
    #[track_caller]
    pub fn run_within(&self, limit: Duration, args: &[&str]) -> Output {
        let mut child = self.piped(args).spawn().expect("the binary runs");
        let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_end(&mut bytes);
                }
                bytes
            })
        };
        let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
        let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for the binary") {
                break status;
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "`cargo-schema schema {}` was still running after {limit:?} (killed)",
                    args.join(" ")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let out = std::process::Output {
            status,
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
        };
        self.output(self.path(), args, out)
    }

    /// The command, not yet started, that runs `cargo-schema schema ARGS` in the project
    /// with `DATABASE_URL` and colour settings removed and `NO_COLOR=1`.
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_in(self.path(), args)
    }

    /// [`command`](Self::command) with stdin empty and stdout and stderr piped, to be spawned.
    pub fn piped(&self, args: &[&str]) -> Command {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// [`command`](Self::command) in `dir`.
    pub fn command_in(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(binary());
        cmd.arg("schema")
            .args(args)
            .current_dir(dir)
            .env_remove("DATABASE_URL")
            .env_remove("CARGO_TERM_COLOR")
            .env("NO_COLOR", "1")
            .env("CARGO_TARGET_DIR", self.path().join("target"));
        cmd
    }

    pub fn output(&self, dir: &Path, args: &[&str], out: std::process::Output) -> Output {
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let context = format!(
            "command: cargo-schema schema {}\nin: {}\nfiles:\n{}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
            args.join(" "),
            dir.display(),
            self.listing()
        );
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout,
            stderr,
            context,
        }
    }

    fn listing(&self) -> String {
        let mut files: Vec<String> = walk(self.path())
            .into_iter()
            .filter_map(|p| {
                p.strip_prefix(self.path())
                    .ok()
                    .map(|r| format!("  {}", r.display()))
            })
            .filter(|p| !p.starts_with("  target"))
            .collect();
        files.sort();
        files.join("\n")
    }
}

impl Default for TestProject {
    fn default() -> Self {
        Self::new()
    }
}

/// Waits for a spawned run (stdout and stderr piped) and asserts that it exited 0; a failure
/// names it `what` and shows what it printed.
#[track_caller]
pub fn wait_ok(child: std::process::Child, what: &str) -> std::process::Output {
    let out = child.wait_with_output().expect("the binary ends");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what} failed\n--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs another tool's `command` (stdin empty, stdout and stderr piped) to its end and asserts
/// that it exited 0, as [`wait_ok`] does.
#[track_caller]
pub fn run_ok(command: &mut Command, what: &str) -> std::process::Output {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what} does not start: {e}"));
    wait_ok(child, what)
}

/// Polls `found` every 100 ms until it gives a value, asserting meanwhile that `child` still
/// runs (the failure says `ended`) and that `limit` has not passed (the failure says `late`).
#[track_caller]
pub fn poll_while_running<T>(
    child: &mut std::process::Child,
    limit: Duration,
    ended: &str,
    late: &str,
    mut found: impl FnMut() -> Option<T>,
) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = found() {
            return value;
        }
        assert!(child.try_wait().expect("try_wait").is_none(), "{ended}");
        assert!(started.elapsed() < limit, "{late}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// What a spawned child wrote on its piped stdout and stderr, each read to the end (empty for
/// a stream that is not piped, or when reading fails).
pub fn drain(child: &mut std::process::Child) -> (String, String) {
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut stdout);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    (stdout, stderr)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            // Not following links: a test may make a directory link that loops.
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

impl Output {
    /// Asserts the exit code, printing everything on failure.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "unexpected exit code\n{}",
            self.context
        );
        self
    }

    #[track_caller]
    pub fn success(&self) -> &Self {
        self.code(0)
    }

    /// Asserts that `text`, the output stream named `stream`, contains `needle`.
    #[track_caller]
    fn has(&self, stream: &str, text: &str, needle: &str) -> &Self {
        assert!(
            text.contains(needle),
            "{stream} lacks {needle:?}\n{}",
            self.context
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        self.has("stdout", &self.stdout, needle)
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        self.has("stderr", &self.stderr, needle)
    }

    #[track_caller]
    pub fn stderr_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle),
            "stderr has {needle:?}\n{}",
            self.context
        );
        self
    }

    /// The first word of each line of stdout: the ids `current`, `heads` and the like print.
    pub fn first_words(&self) -> Vec<String> {
        self.stdout
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_owned)
            .collect()
    }

    /// stdout parsed as json.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not json: {e}\n{}", self.context))
    }
}
