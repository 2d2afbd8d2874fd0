//! Careless and hostile input (issue 11, items 4, 5, 18, 22 and 23): passwords in URLs of
//! any shape, `.env` files that cannot be used, empty targets, the package of a workspace
//! member, and typos.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cargo_schema_e2e::assert::{error_line_has, exits, help_has, invalid};
use cargo_schema_e2e::db::{PASSWORD, Server, TestDatabase, url_with_password};
use cargo_schema_e2e::on_both_servers;
use cargo_schema_e2e::project::drain;
use cargo_schema_e2e::{TestProject, test_database};

/// Two revisions, `aa01` then `bb02`.
fn two_revisions() -> TestProject {
    let p = TestProject::new();
    p.revision("aa01", "", "");
    p.revision("bb02", "aa01", "");
    p
}

// ---------------------------------------------------------------------------------------
// 4. Passwords in URLs of any shape
// ---------------------------------------------------------------------------------------

/// URLs whose credentials a URL parser misreads or that have none where they were written,
/// each with the secret that must never be shown.
const ODD_URLS: [(&str, &str); 7] = [
    // An unencoded `/` makes the parser take `user` for the host and `5432` for the port.
    ("postgres://user:5432/pw@127.0.0.1:1/db", "5432/pw"),
    ("postgres://u:p@ss#w0rd@127.0.0.1:1/db", "ss#w0rd"),
    ("mysql://root:pa/ss?wd@127.0.0.1:1/db", "ss?wd"),
    // SQLite takes a path: credentials there are a mistake, and must not be printed.
    ("sqlite://user:hunter2pw@/tmp/x.db", "hunter2pw"),
    ("sqlite:user:hunter2pw@x.db", "hunter2pw"),
    ("postgres:user:hunter2pw@127.0.0.1:1/db", "hunter2pw"),
    // A password in the query.
    (
        "postgres://127.0.0.1:1/db?password=topsecret1&sslmode=disable",
        "topsecret1",
    ),
];

#[track_caller]
fn never_shows(out: &cargo_schema_e2e::Output, secret: &str, what: &str) {
    assert!(
        !out.stdout.contains(secret) && !out.stderr.contains(secret),
        "{what}: the secret `{secret}` was printed\n{out:#?}"
    );
}

#[test]
fn no_output_error_or_sql_script_holds_a_password_whatever_the_urls_shape() {
    let p = two_revisions();
    for (url, secret) in ODD_URLS {
        for args in [
            &["current"][..],
            &["up"],
            &["up", "--sql"],
            &["down", "--sql", "head:base"],
            &["check"],
            &["history"],
            &["sync"],
        ] {
            let mut all = vec!["--database-url", url];
            all.extend_from_slice(args);
            let out = p.run(&all);
            exits(&out, out.code);
            never_shows(&out, secret, &format!("{url} {}", args.join(" ")));
        }
        // The same URL from `.env`.
        p.write(".env", format!("DATABASE_URL={url}\n"));
        for args in [&["current"][..], &["up", "--sql"], &["history"]] {
            let out = p.run(args);
            exits(&out, out.code);
            never_shows(&out, secret, &format!(".env {url} {}", args.join(" ")));
        }
        std::fs::remove_file(p.path().join(".env")).expect("rm .env");
    }
}

#[test]
fn credentials_a_parser_would_misread_are_refused_before_connecting() {
    let p = two_revisions();
    for (url, secret) in &ODD_URLS[..6] {
        let out = p.run(&["--database-url", url, "up"]);
        exits(&out, 1);
        error_line_has(&out, &["invalid database URL"]);
        help_has(&out, "the URL comes from `--database-url`");
        never_shows(&out, secret, url);
        assert!(!out.stderr.contains("Applied"), "{out:#?}");
    }
    // Percent-encoded, the same password is fine and shown as `****`.
    let out = p.run(&[
        "--database-url",
        "postgres://user:5432%2Fpw@127.0.0.1:1/db",
        "current",
    ]);
    exits(&out, 1);
    error_line_has(&out, &["postgres://user:****@127.0.0.1:1/db"]);
    never_shows(&out, "5432%2Fpw", "encoded");
    // From `.env`, the refusal names the file.
    p.write(
        ".env",
        "DATABASE_URL=postgres://user:5432/pw@127.0.0.1:1/db\n",
    );
    let out = p.run(&["up"]);
    exits(&out, 1);
    error_line_has(&out, &["invalid database URL"]);
    help_has(&out, "`DATABASE_URL` in ");
    help_has(&out, ".env");
    never_shows(&out, "5432/pw", ".env");
}

// ---------------------------------------------------------------------------------------
// 5. `.env`
// ---------------------------------------------------------------------------------------

/// A project whose `.env` names `real.db`, after `lines` that come first.
fn env_project(lines: &[u8]) -> TestProject {
    let p = two_revisions();
    let mut env = lines.to_vec();
    env.extend_from_slice(b"DATABASE_URL=sqlite:real.db\n");
    p.write(".env", env);
    p
}

#[test]
fn a_dot_env_that_cannot_be_parsed_is_an_error_naming_it_and_the_line() {
    for (lines, line) in [
        // An unclosed quote swallows the rest of the file.
        (&b"A=1\nB=\"unclosed\nC=2\n"[..], 2),
        (b"# settings\n\nnot a pair\n", 3),
        (b"A=1\n\xff\xfe\x00binary\n", 2),
    ] {
        let p = env_project(lines);
        let out = p.run(&["up"]);
        invalid(&out, &[&format!(".env:{line}:")]);
        help_has(&out, "fix that line");
        // Nothing ran anywhere: neither the default database nor the one meant.
        assert!(!p.path().join("dev.db").exists(), "{out:#?}");
        assert!(!p.path().join("real.db").exists(), "{out:#?}");
        // Read commands that only mark applied revisions go on, with a warning.
        let out = p.run(&["history"]);
        exits(&out, 0).stderr_has(&format!(".env:{line}:"));
    }
    // A good `.env` is used.
    let p = env_project(b"A=1\n");
    p.run(&["up"]).success().stderr_has("real.db");
    assert!(!p.path().join("dev.db").exists());
}

#[cfg(unix)]
#[test]
fn a_dot_env_that_cannot_be_read_is_an_error() {
    let p = two_revisions();
    // A link to itself: there, but it cannot be opened.
    std::os::unix::fs::symlink(".env", p.path().join(".env")).expect("symlink");
    let out = p.run(&["up"]);
    exits(&out, 1);
    error_line_has(&out, &[".env"]);
    help_has(&out, "move it away");
    assert!(!p.path().join("dev.db").exists(), "{out:#?}");
}

/// What a run that may hang produced: killed after `limit`.
#[derive(Debug)]
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `command` in its own process group, killing the group when it takes longer than
/// `limit` (a hang on the current main) and failing the test.
#[cfg(unix)]
#[track_caller]
fn within(mut command: Command, limit: Duration, what: &str) -> Ran {
    use std::os::unix::process::CommandExt;
    command
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawns");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() > limit {
            let _ = Command::new("kill")
                .args(["-9", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (stdout, stderr) = drain(&mut child);
    let ran = Ran {
        code: status.and_then(|s| s.code()),
        stdout,
        stderr,
    };
    assert!(
        status.is_some(),
        "{what} did not end within {limit:?}: killed\n{ran:#?}"
    );
    ran
}

#[cfg(unix)]
fn schema_command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(cargo_schema_e2e::binary());
    cmd.arg("schema")
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1");
    cmd
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn a_dot_env_directory_or_fifo_is_ignored_with_a_warning_and_never_hangs() {
    for kind in ["directory", "fifo"] {
        let p = two_revisions();
        let env = p.path().join(".env");
        match kind {
            // A Python virtualenv called `.env`.
            "directory" => {
                std::fs::create_dir_all(env.join("bin")).expect("mkdir");
                std::fs::write(env.join("pyvenv.cfg"), "home = /usr/bin\n").expect("write");
            }
            _ => mkfifo(&env),
        }
        for args in [&["up"][..], &["current"], &["history"], &["up", "--sql"]] {
            let ran = within(
                schema_command(p.path(), args),
                Duration::from_secs(30),
                &format!("`{}` with a {kind} `.env`", args.join(" ")),
            );
            assert_eq!(ran.code, Some(0), "{kind} {args:?}: {ran:#?}");
            if args == ["up", "--sql"] {
                assert!(ran.stdout.contains("bb02"), "the script\n{ran:#?}");
            }
            assert!(
                ran.stderr.lines().any(|l| l.starts_with("warning:")
                    && l.contains(".env")
                    && l.contains("ignored")),
                "{kind} {args:?}: no warning\n{ran:#?}"
            );
        }
        // The default database was used.
        assert!(p.path().join("dev.db").exists(), "{kind}");
    }
}

/// A fifo `.env` in a repository whose hooks apply revisions: `git checkout` returns.
#[cfg(unix)]
#[test]
fn through_the_hooks_a_fifo_dot_env_never_blocks_git() {
    let p = two_revisions();
    p.write(".gitignore", "/target\n/.env\n/dev.db\n");
    let git = |args: &[&str]| {
        let mut cmd = cargo_schema_e2e::git::command(p.path());
        cmd.args(args);
        cmd
    };
    let ok = |args: &[&str]| {
        let out = git(args).output().expect("git");
        assert!(out.status.success(), "git {args:?}: {out:?}");
    };
    ok(&["init", "-q"]);
    ok(&["add", "-A"]);
    ok(&["commit", "-q", "-m", "init"]);
    ok(&["checkout", "-q", "-b", "other"]);
    p.write("other.txt", "other\n");
    ok(&["add", "-A"]);
    ok(&["commit", "-q", "-m", "other"]);
    ok(&["checkout", "-q", "main"]);
    p.run(&["hooks", "install"]).success();

    // `cargo` on PATH is the binary under test.
    let bin = TestProject::bare();
    let cargo = bin.write(
        "cargo",
        format!(
            "#!/bin/sh\nexec '{}' \"$@\"\n",
            cargo_schema_e2e::binary().display()
        ),
    );
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let path = std::env::join_paths(std::iter::once(bin.path().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("PATH");

    mkfifo(&p.path().join(".env"));
    let mut checkout = git(&["checkout", "-q", "other"]);
    checkout.env("PATH", &path).env_remove("DATABASE_URL");
    let ran = within(checkout, Duration::from_secs(60), "git checkout");
    assert_eq!(ran.code, Some(0), "{ran:#?}");
    assert!(p.path().join("other.txt").exists());
    assert!(
        ran.stderr.contains(".env") && ran.stderr.contains("ignored"),
        "the hook's sync says the `.env` is ignored\n{ran:#?}"
    );
}

// ---------------------------------------------------------------------------------------
// 18. The empty target
// ---------------------------------------------------------------------------------------

#[test]
fn an_empty_target_is_refused_everywhere_including_sql_scripts() {
    let p = two_revisions();
    for args in [
        &["up", ""][..],
        &["up", "  "],
        &["up", "--sql", ""],
        &["down", ""],
        &["down", "--sql", ""],
        &["stamp", ""],
        &["show", ""],
        &["new", "-m", "x", "--head", ""],
        &["new", "-m", "x", "--depends-on", ""],
        &["new", "-m", "x", "--depends-on", "aa01,"],
        &["merge", "", "aa01"],
        &["repair", "--applied", ""],
    ] {
        let out = p.run(args);
        invalid(&out, &["empty"]);
        help_has(&out, "");
    }
    // A side of a `--sql` range, too.
    for args in [
        &["up", "--sql", ":bb02"][..],
        &["up", "--sql", "aa01:"],
        &["down", "--sql", "bb02:"],
        &["down", "--sql", ":base"],
    ] {
        let out = p.run(args);
        invalid(&out, &["`--sql` range", "side is empty"]);
        help_has(&out, "base:head");
    }
    // Nothing was written or created.
    assert!(!p.path().join("dev.db").exists());
    let files = std::fs::read_dir(p.path().join("migrations"))
        .expect("ls")
        .count();
    assert_eq!(files, 2);
}

// ---------------------------------------------------------------------------------------
// 22. Workspaces: the package is the one whose manifest is found from where one stands
// ---------------------------------------------------------------------------------------

const REV: &str =
    "-- revision: {id}\n-- revises:\n-- message: in {id}\n-- migrate:up\n-- migrate:down\n";

/// A virtual workspace with `[workspace.metadata.schema]` (migrations in `db/migrations`,
/// revision `aa01`), a member `app` without a table and a member `other` with its own
/// (`other/own`, revision `bb02`).
fn workspace() -> TestProject {
    let p = TestProject::bare();
    p.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"app\", \"other\"]\nresolver = \"2\"\n\n[workspace.metadata.schema]\nmigrations = \"db/migrations\"\n",
    );
    for (name, table) in [
        ("app", ""),
        (
            "other",
            "\n[package.metadata.schema]\nmigrations = \"own\"\n",
        ),
    ] {
        p.write(
            &format!("{name}/Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{table}"
            ),
        );
        p.write(&format!("{name}/src/lib.rs"), "");
    }
    p.write("db/migrations/aa01_ws.sql", REV.replace("{id}", "aa01"));
    p.write("other/own/bb02_pkg.sql", REV.replace("{id}", "bb02"));
    p
}

#[track_caller]
fn heads_are(out: &cargo_schema_e2e::Output, id: &str, not: &str) {
    exits(out, 0).stdout_has(id);
    assert!(!out.stdout.contains(not), "{out:#?}");
}

#[test]
fn a_member_without_its_own_table_uses_the_workspace_table_not_another_members() {
    let p = workspace();
    for dir in ["app", "app/src"] {
        heads_are(&p.run_in(&p.path().join(dir), &["heads"]), "aa01", "bb02");
    }
    // Its database is beside the workspace's table, not the other member's.
    let out = p.run_in(&p.path().join("app"), &["up"]);
    exits(&out, 0).stderr_has("aa01");
    assert!(p.path().join("dev.db").exists(), "{out:#?}");
    assert!(!p.path().join("other/dev.db").exists());
    // The member with a table uses it, from its directory.
    heads_are(
        &p.run_in(&p.path().join("other/src"), &["heads"]),
        "bb02",
        "aa01",
    );
    // `--manifest-path` names the package the same way, and `-p` wins over the directory.
    heads_are(
        &p.run(&["--manifest-path", "app/Cargo.toml", "heads"]),
        "aa01",
        "bb02",
    );
    heads_are(
        &p.run_in(&p.path().join("app"), &["-p", "other", "heads"]),
        "bb02",
        "aa01",
    );
    heads_are(&p.run(&["-p", "app", "heads"]), "aa01", "bb02");
    // From the virtual workspace's root, as before: the one member that declares migrations.
    heads_are(&p.run(&["heads"]), "bb02", "aa01");
    // A new revision from the member goes into the workspace's directory.
    let out = p.run_in(
        &p.path().join("app"),
        &["new", "-m", "x", "--rev-id", "cc03"],
    );
    exits(&out, 0);
    assert!(
        p.path().join("db/migrations/cc03_x.sql").exists(),
        "{out:#?}"
    );
}

// ---------------------------------------------------------------------------------------
// 23. Typos
// ---------------------------------------------------------------------------------------

#[test]
fn typos_get_a_did_you_mean() {
    let p = two_revisions();
    for (args, meant) in [
        (&["down", "1"][..], "`-1`"),
        (&["down", "2"], "`-2`"),
        (&["up", "1"], "`+1`"),
        (&["up", "haed"], "`head`"),
        (&["up", "--sql", "haeds"], "`heads`"),
        (&["down", "bsae"], "`base`"),
        (&["stamp", "Head"], "`head`"),
        (&["show", "aa10"], "`aa01`"),
    ] {
        let out = p.run(args);
        invalid(&out, &["no such revision"]);
        help_has(&out, &format!("did you mean {meant}?"));
    }
    // Nothing close: no guess.
    let out = p.run(&["up", "zzzz"]);
    invalid(&out, &["no such revision"]);
    assert!(!out.stderr.contains("did you mean"), "{out:#?}");
    assert!(!p.path().join("dev.db").exists());
}

#[test]
fn an_unknown_config_key_names_the_one_meant() {
    for (key, meant, table) in [
        ("auto_apply = true", "auto-apply", "package"),
        ("version_table = \"v\"", "version-table", "package"),
        ("migration = \"m\"", "migrations", "workspace"),
        ("databse-url = \"sqlite:x.db\"", "database-url", "package"),
    ] {
        let p = TestProject::bare();
        let manifest = match table {
            "package" => format!(
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.schema]\n{key}\n"
            ),
            _ => format!(
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[workspace.metadata.schema]\n{key}\n"
            ),
        };
        p.write("Cargo.toml", manifest);
        p.write("src/lib.rs", "");
        let out = p.run(&["heads"]);
        invalid(
            &out,
            &[
                "Cargo.toml",
                &format!("{table}.metadata.schema"),
                "unknown key",
            ],
        );
        help_has(&out, &format!("did you mean `{meant}`?"));
        help_has(&out, "the keys are:");
    }
}

// ---------------------------------------------------------------------------------------
// 4 and 5 on PostgreSQL and MariaDB
// ---------------------------------------------------------------------------------------

/// `db`'s URL with `password` (as written) for its user.
fn url_with(db: &TestDatabase, password: &str) -> String {
    let url = db.url();
    let (scheme_user, rest) = url.split_once('@').expect("user@host");
    format!("{scheme_user}:{password}@{rest}")
}

#[track_caller]
fn tables_of(db: &TestDatabase) -> Vec<String> {
    db.tables()
        .into_iter()
        .filter(|t| t.starts_with("t_"))
        .collect()
}

/// A `.env` that cannot be parsed never sends `up` to another database; fixed, it is used;
/// a password in it, in any shape, is never printed.
fn dot_env_on_a_server(server: Server) {
    let db = test_database!(server);
    let p = two_revisions();
    let url = url_with_password(&db);
    p.write(".env", format!("A=\"unclosed\nDATABASE_URL={url}\n"));
    let out = p.run(&["up"]);
    invalid(&out, &[".env:1:"]);
    never_shows(&out, PASSWORD, "broken .env");
    assert_eq!(tables_of(&db), Vec::<String>::new(), "{out:#?}");
    assert!(!p.path().join("dev.db").exists(), "{out:#?}");

    // A password the URL parser would misread, from `.env`: refused, nothing runs.
    let misread = url_with(&db, &format!("5432/{PASSWORD}"));
    p.write(".env", format!("DATABASE_URL={misread}\n"));
    let out = p.run(&["up"]);
    exits(&out, 1);
    error_line_has(&out, &["invalid database URL"]);
    help_has(&out, ".env");
    never_shows(&out, PASSWORD, "misread password in .env");
    assert_eq!(tables_of(&db), Vec::<String>::new(), "{out:#?}");

    p.write(".env", format!("A=1\nDATABASE_URL={url}\n"));
    let out = p.run(&["up"]);
    exits(&out, 0);
    never_shows(&out, PASSWORD, "good .env");
    assert_eq!(tables_of(&db), ["t_aa01", "t_bb02"], "{out:#?}");
    assert!(!p.path().join("dev.db").exists());
}

/// A password with `/`, `@`, `#` and `?`, percent-encoded, reaches the server and is never
/// shown, neither encoded nor decoded, also in the server's refusal; written unencoded, it
/// is refused before connecting.
fn odd_passwords_on_a_server(server: Server) {
    let db = test_database!(server);
    let p = two_revisions();
    let decoded = "pw/x@y#z?q";
    let encoded = "pw%2Fx%40y%23z%3Fq";
    let url = url_with(&db, encoded);
    let runs: [&[&str]; 4] = [&["up"], &["current", "-v"], &["history"], &["check"]];
    for args in runs {
        let mut all = vec!["--database-url", url.as_str()];
        all.extend_from_slice(args);
        let out = p.run(&all);
        exits(&out, out.code);
        never_shows(&out, decoded, &args.join(" "));
        never_shows(&out, encoded, &args.join(" "));
        // PostgreSQL here trusts 127.0.0.1; MariaDB's root has no password and refuses one.
        match server {
            Server::Postgres => assert_eq!(out.code, 0, "{out:#?}"),
            Server::MySql if args == ["up"] => {
                exits(&out, 1);
                error_line_has(&out, &["cannot connect", ":****@"]);
            }
            Server::MySql => {}
        }
    }
    if server == Server::Postgres {
        assert_eq!(tables_of(&db), ["t_aa01", "t_bb02"]);
    }
    for written in [decoded, "5432/pw#x"] {
        let url = url_with(&db, written);
        let out = p.run(&["--database-url", &url, "down", "base"]);
        exits(&out, 1);
        error_line_has(&out, &["invalid database URL", "percent-encoded"]);
        never_shows(&out, written, "unencoded");
        never_shows(&out, "x@y#z", "unencoded");
    }
    if server == Server::Postgres {
        assert_eq!(tables_of(&db), ["t_aa01", "t_bb02"], "nothing ran");
    }
}

on_both_servers!(
    dot_env_on_a_server:
        postgres_a_broken_dot_env_never_sends_a_run_elsewhere,
        mariadb_a_broken_dot_env_never_sends_a_run_elsewhere;
    odd_passwords_on_a_server:
        postgres_odd_passwords_are_never_printed,
        mariadb_odd_passwords_are_never_printed
);
