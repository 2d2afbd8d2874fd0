//! Revision histories the end-to-end tests share. Each revision is written by
//! [`TestProject::revision`]: it creates the table `t_<id>` and its down section drops it.

use crate::TestProject;

/// A straight line of four revisions, oldest first:
/// `1975ea83b712 <- ae1027a6acf0 <- 27c6a30d7c24 <- 4f3b2a1c9d8e`.
pub const LINE: [&str; 4] = [
    "1975ea83b712",
    "ae1027a6acf0",
    "27c6a30d7c24",
    "4f3b2a1c9d8e",
];

pub fn linear() -> TestProject {
    chain(&LINE)
}

/// `p` after a successful `up` on its SQLite development database.
#[track_caller]
pub fn applied(p: TestProject) -> TestProject {
    after(p, &["up"])
}

/// `p` after a successful run (exit 0, no panic) of `args`.
#[track_caller]
pub fn after(p: TestProject, args: &[&str]) -> TestProject {
    p.ok(args);
    p
}

/// `p` after a successful run of `args` whose stderr says `says`.
#[track_caller]
pub fn after_saying(p: TestProject, args: &[&str], says: &str) -> TestProject {
    p.ok(args).stderr_has(says);
    p
}

/// A straight line of the revisions `ids`, oldest first.
pub fn chain(ids: &[&str]) -> TestProject {
    let p = TestProject::new();
    let mut parent = "";
    for &id in ids {
        p.revision(id, parent, "");
        parent = id;
    }
    p
}

pub const AE1027: &str = "ae1027c0ffee";
pub const AE10F0: &str = "ae10f0d15ea5";
pub const FORK: &str = "b0b0b0b0b0b0";
pub const AUTH1: &str = "c1c1c1c1c1c1";
pub const AUTH2: &str = "d2d2d2d2d2d2";
pub const OTHER1: &str = "e3e3e3e3e3e3";
pub const OTHER2: &str = "f4f4f4f4f4f4";
pub const MERGE: &str = "99aa99aa99aa";

/// A branched graph with two heads:
///
/// ```text
/// ae1027c0ffee <- ae10f0d15ea5 <- b0b0b0b0b0b0 <- c1c1c1c1c1c1 (auth) <- d2d2d2d2d2d2
///                                               <- e3e3e3e3e3e3        <- f4f4f4f4f4f4
/// ```
///
/// `ae10` is an ambiguous prefix; `b0b0…` is the branch point.
pub fn branched() -> TestProject {
    let p = TestProject::new();
    p.revision(AE1027, "", "");
    p.revision(AE10F0, AE1027, "");
    p.revision(FORK, AE10F0, "");
    p.revision(AUTH1, FORK, "-- branch-labels: auth\n");
    p.revision(AUTH2, AUTH1, "");
    p.revision(OTHER1, FORK, "");
    p.revision(OTHER2, OTHER1, "");
    p
}

/// [`branched`] with the two heads joined by the merge revision `99aa99aa99aa`.
pub fn merged() -> TestProject {
    let p = branched();
    p.revision(MERGE, &format!("{AUTH2}, {OTHER2}"), "");
    p
}

/// The path, relative to the project, of the revision file [`TestProject::revision`] and
/// [`write_revision`] write for `id`.
pub fn revision_file(id: &str) -> String {
    format!("migrations/{id}_r_{id}.sql")
}

/// The text of a revision file: header, up section (its marker followed by `opts`, e.g.
/// ` transaction:false`) and, unless `None`, a down section. Line 5 is the up marker.
pub fn revision_text(id: &str, revises: &str, opts: &str, up: &str, down: Option<&str>) -> String {
    let mut text = format!(
        "-- revision: {id}\n-- revises: {revises}\n-- message: revision {id}\n\n-- migrate:up{opts}\n{up}\n"
    );
    if let Some(down) = down {
        text.push_str(&format!("\n-- migrate:down\n{down}\n"));
    }
    text
}

/// Writes (or overwrites) [`revision_file`]`(id)` with [`revision_text`] and returns its path.
pub fn write_revision(
    p: &TestProject,
    id: &str,
    revises: &str,
    up_options: &str,
    up: &str,
    down: Option<&str>,
) -> std::path::PathBuf {
    p.write(
        &revision_file(id),
        revision_text(id, revises, up_options, up, down),
    )
}

/// Adds a column to the table that the second revision of [`linear`] creates: an edit of
/// that revision's file.
pub fn edit_second_revision(p: &TestProject) {
    let rel = revision_file(LINE[1]);
    let text = p.read(&rel);
    p.write(
        &rel,
        text.replace(
            "(id INTEGER PRIMARY KEY)",
            "(id INTEGER PRIMARY KEY, x TEXT)",
        ),
    );
}

/// Two files that define the revision `aa01`: `migrations/aa01_one.sql` (line 1) and
/// `migrations/sub/aa01_two.sql` (line 2).
pub fn duplicate_ids() -> TestProject {
    let p = TestProject::new();
    p.write(
        "migrations/aa01_one.sql",
        "-- revision: aa01\n-- revises:\n\n-- migrate:up\nSELECT 1;\n",
    );
    p.write(
        "migrations/sub/aa01_two.sql",
        "-- message: copy\n-- revision: aa01\n-- revises:\n\n-- migrate:up\nSELECT 2;\n",
    );
    p
}

/// A bare workspace of the packages `one` and `two`, each with the manifest `manifest(name)`
/// and an empty `src/lib.rs`.
pub fn workspace_of_one_and_two(manifest: impl Fn(&str) -> String) -> TestProject {
    let p = TestProject::bare();
    p.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"one\", \"two\"]\nresolver = \"2\"\n",
    );
    for name in ["one", "two"] {
        p.write(&format!("{name}/Cargo.toml"), manifest(name));
        p.write(&format!("{name}/src/lib.rs"), "");
    }
    p
}

/// A project whose `migrations` directory is missing.
pub fn no_migrations_directory() -> TestProject {
    let p = TestProject::new();
    std::fs::remove_dir(p.path().join("migrations")).expect("rmdir");
    p
}
