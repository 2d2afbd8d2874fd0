//! `cargo metadata` runs only when the manifests changed: what it said is cached in the target
//! directory, keyed by the manifests' paths, sizes and times, and a stale, corrupt or
//! unwritable cache is never used (issue 16). A stand-in `cargo` (through `CARGO`, which
//! cargo_metadata honours) counts how often it is run.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use cargo_schema_e2e::{Output, TestProject};

const REV: &str =
    "-- revision: {id}\n-- revises:\n-- message: in {id}\n-- migrate:up\n-- migrate:down\n";

/// A `cargo` that logs each run to `log` and then runs the real one.
struct CountingCargo {
    _dir: tempfile::TempDir,
    script: PathBuf,
    log: PathBuf,
}

impl CountingCargo {
    fn new() -> CountingCargo {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let log = dir.path().join("runs.log");
        let script = dir.path().join("cargo");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{real}' \"$@\"\n",
                log.display()
            ),
        )
        .expect("write the stand-in cargo");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        CountingCargo {
            _dir: dir,
            script,
            log,
        }
    }

    fn runs(&self) -> usize {
        std::fs::read_to_string(&self.log)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    /// `cargo-schema schema ARGS` in `dir` with this cargo (and `extra` environment).
    fn run(&self, p: &TestProject, dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let mut cmd = p.command_in(dir, args);
        cmd.env("CARGO", &self.script);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("the binary runs");
        p.output(dir, args, out)
    }
}

/// Sets a file's or a directory's modification time `secs` seconds back, so that the cache
/// trusts it (a file modified within two seconds of the answer is not cached).
fn age(path: &Path, secs: u64) {
    let file = std::fs::File::open(path).expect("open");
    file.set_modified(SystemTime::now() - Duration::from_secs(secs))
        .expect("set the modification time");
}

fn project() -> TestProject {
    let p = TestProject::new();
    p.write("migrations/aa01_one.sql", REV.replace("{id}", "aa01"));
    age(&p.path().join("Cargo.toml"), 10);
    p
}

#[test]
fn a_second_read_command_does_not_run_cargo_metadata() {
    let p = project();
    let cargo = CountingCargo::new();
    for _ in 0..3 {
        cargo
            .run(&p, p.path(), &["heads"], &[])
            .success()
            .stdout_has("aa01");
    }
    assert_eq!(cargo.runs(), 1, "cargo metadata ran more than once");
}

#[test]
fn an_edited_manifest_runs_cargo_metadata_again() {
    let p = project();
    let cargo = CountingCargo::new();
    cargo.run(&p, p.path(), &["heads"], &[]).success();
    // Another migrations directory: a stale answer would still list aa01.
    let manifest = p.read("Cargo.toml");
    assert!(
        manifest.contains("migrations = \"migrations\""),
        "{manifest}"
    );
    let edited = manifest.replace("migrations = \"migrations\"", "migrations = \"db\"");
    p.write("Cargo.toml", edited);
    p.write("db/bb02_two.sql", REV.replace("{id}", "bb02"));
    age(&p.path().join("Cargo.toml"), 8);
    let out = cargo.run(&p, p.path(), &["heads"], &[]);
    out.success().stdout_has("bb02");
    assert!(!out.stdout.contains("aa01"), "{}", out.stdout);
    assert_eq!(cargo.runs(), 2);
    // The same size, another time: not trusted either.
    let same_size = p.read("Cargo.toml").replace("\"db\"", "\"dc\"");
    p.write("Cargo.toml", same_size);
    p.write("dc/cc03_three.sql", REV.replace("{id}", "cc03"));
    age(&p.path().join("Cargo.toml"), 5);
    cargo
        .run(&p, p.path(), &["heads"], &[])
        .success()
        .stdout_has("cc03");
    assert_eq!(cargo.runs(), 3);
}

#[test]
fn a_manifest_edited_just_now_is_never_cached() {
    let p = project();
    let cargo = CountingCargo::new();
    p.write("Cargo.toml", p.read("Cargo.toml"));
    cargo.run(&p, p.path(), &["heads"], &[]).success();
    cargo.run(&p, p.path(), &["heads"], &[]).success();
    assert_eq!(
        cargo.runs(),
        2,
        "an answer about a file modified just now was kept"
    );
}

#[test]
fn a_corrupt_cache_is_not_used_and_an_unwritable_target_directory_only_costs_speed() {
    let p = project();
    let cargo = CountingCargo::new();
    cargo.run(&p, p.path(), &["heads"], &[]).success();
    let dir = p.path().join("target/cargo-schema");
    let entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the cache is in the target directory")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    std::fs::write(&entries[0], "{ not json").expect("corrupt it");
    cargo
        .run(&p, p.path(), &["heads"], &[])
        .success()
        .stdout_has("aa01");
    assert_eq!(cargo.runs(), 2);
    // Rewritten: the next run uses it again.
    cargo.run(&p, p.path(), &["heads"], &[]).success();
    assert_eq!(cargo.runs(), 2);

    // A target directory that is a file: nothing can be written, every run asks cargo.
    let blocked = p.write("not-a-dir", "");
    let env = [("CARGO_TARGET_DIR", blocked.to_str().expect("utf-8"))];
    for n in 3..5 {
        cargo
            .run(&p, p.path(), &["heads"], &env)
            .success()
            .stdout_has("aa01");
        assert_eq!(cargo.runs(), n);
    }
}

#[test]
fn manifest_path_elsewhere_and_a_new_workspace_member_are_not_answered_from_the_cache() {
    // A workspace whose members are a glob: a new member changes no manifest, only the
    // directory it appears in.
    let p = TestProject::bare();
    p.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
    );
    let member = |name: &str| {
        p.write(
            &format!("crates/{name}/Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.schema]\nmigrations = \"m\"\n"
            ),
        );
        p.write(&format!("crates/{name}/src/lib.rs"), "");
        p.write(
            &format!("crates/{name}/m/{name}01_x.sql"),
            REV.replace("{id}", &format!("{name}01")),
        );
        for rel in [
            format!("crates/{name}/Cargo.toml"),
            "Cargo.toml".into(),
            "crates".into(),
        ] {
            age(&p.path().join(rel), 10);
        }
    };
    member("aa");
    let cargo = CountingCargo::new();
    cargo
        .run(&p, p.path(), &["heads"], &[])
        .success()
        .stdout_has("aa01");
    cargo.run(&p, p.path(), &["heads"], &[]).success();
    assert_eq!(cargo.runs(), 1);
    member("bb");
    // `crates/` was aged with the new member in it: only its time tells.
    age(&p.path().join("crates"), 4);
    let out = cargo.run(&p, p.path(), &["heads"], &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("several packages declare migrations"),
        "{}",
        out.stderr
    );
    assert_eq!(cargo.runs(), 2);

    // --manifest-path to the other member, from the same directory: its own answer.
    let other = p.path().join("crates/bb/Cargo.toml");
    let out = cargo.run(
        &p,
        p.path(),
        &["--manifest-path", other.to_str().expect("utf-8"), "heads"],
        &[],
    );
    out.success().stdout_has("bb01");
    assert!(!out.stdout.contains("aa01"), "{}", out.stdout);
}

#[test]
fn a_target_dir_set_in_cargo_config_holds_the_cache_and_editing_the_config_runs_cargo_again() {
    let p = project();
    let config = p.write(
        ".cargo/config.toml",
        "[build]\ntarget-dir = \"elsewhere\"\n",
    );
    age(&config, 10);
    let cargo = CountingCargo::new();
    // Without CARGO_TARGET_DIR, which would win over the configuration.
    let heads = || {
        let mut cmd = p.command_in(p.path(), &["heads"]);
        cmd.env_remove("CARGO_TARGET_DIR")
            .env("CARGO", &cargo.script);
        let out = cmd.output().expect("the binary runs");
        p.output(p.path(), &["heads"], out)
    };
    for _ in 0..3 {
        heads().success().stdout_has("aa01");
    }
    assert_eq!(
        cargo.runs(),
        1,
        "the cache in build.target-dir was not found"
    );
    assert!(p.path().join("elsewhere/cargo-schema").is_dir());
    assert!(
        !p.path().join("target").exists(),
        "a target/ the config moved away"
    );

    // The configuration edited: asked again, and kept where it now says.
    p.write(".cargo/config.toml", "[build]\ntarget-dir = \"moved\"\n");
    age(&config, 5);
    heads().success().stdout_has("aa01");
    assert_eq!(
        cargo.runs(),
        2,
        "an answer from before the config changed was used"
    );
    assert!(p.path().join("moved/cargo-schema").is_dir());
    heads().success();
    assert_eq!(cargo.runs(), 2);
}
