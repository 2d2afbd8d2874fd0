//! Where the configuration comes from: package metadata over workspace metadata.

use cargo_schema_e2e::TestProject;

const REV: &str =
    "-- revision: {id}\n-- revises:\n-- message: in {id}\n-- migrate:up\n-- migrate:down\n";

fn workspace(package_table: &str) -> TestProject {
    let p = TestProject::bare();
    p.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"app\"]\nresolver = \"2\"\n\n[workspace.metadata.schema]\nmigrations = \"db/migrations\"\n",
    );
    p.write(
        "app/Cargo.toml",
        format!(
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{package_table}"
        ),
    );
    p.write("app/src/lib.rs", "");
    p.write("db/migrations/aa01_ws.sql", REV.replace("{id}", "aa01"));
    p.write("app/own/bb02_pkg.sql", REV.replace("{id}", "bb02"));
    p
}

#[test]
fn workspace_metadata_applies_when_the_package_declares_nothing() {
    let p = workspace("");
    p.run(&["heads"]).success().stdout_has("aa01");
    p.run_in(&p.path().join("app/src"), &["heads"])
        .success()
        .stdout_has("aa01");
}

#[test]
fn package_metadata_wins_over_workspace_metadata() {
    let p = workspace("\n[package.metadata.schema]\nmigrations = \"own\"\n");
    p.run_in(&p.path().join("app"), &["heads"])
        .success()
        .stdout_has("bb02");
    // From the workspace root too: the only package that declares migrations is chosen.
    p.run(&["heads"]).success().stdout_has("bb02");
    p.run(&["-p", "app", "heads"]).success().stdout_has("bb02");
}

#[test]
fn workspace_keys_fill_what_the_package_leaves_out() {
    // The package sets only `templates`; `migrations` still comes from the workspace and is
    // relative to the workspace root.
    let p = workspace("\n[package.metadata.schema]\ntemplates = \"tpl\"\n");
    p.write(
        "app/tpl/revision.sql.j2",
        "-- revision: {{ revision }}\n-- revises: {{ revises | join(', ') }}\n-- migrate:up\n-- from the package template\n",
    );
    p.run_in(&p.path().join("app"), &["heads"])
        .success()
        .stdout_has("aa01");
    let out = p.run_in(
        &p.path().join("app"),
        &["new", "-m", "x", "--rev-id", "cc03"],
    );
    out.success().stdout_has("cc03_x.sql");
    let written = std::fs::read_to_string(p.path().join("db/migrations/cc03_x.sql"))
        .expect("written into the workspace's migrations directory");
    assert!(written.contains("from the package template"), "{written}");
}
