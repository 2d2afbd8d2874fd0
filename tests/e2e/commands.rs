//! Every command and target form, as a user runs them.
//!
//! Each test is one scenario through the real binary in a throwaway cargo project: the exit
//! code, what lands on stdout (data) and stderr (messages), and the files left behind.

use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_schema_e2e::assert::{INVALID, exits, invalid};
use cargo_schema_e2e::fixtures::after;
use cargo_schema_e2e::{Output, TestProject, binary};
use serde_json::Value;

/// An ANSI escape sequence: what colour looks like on the wire.
const ESC: &str = "\x1b[";

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

use cargo_schema_e2e::fixtures::{
    AE10F0, AE1027, AUTH1, AUTH2, FORK, LINE, MERGE, OTHER1, OTHER2, branched, linear, merged,
};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The path `new` / `merge` printed on stdout.
#[track_caller]
fn written_path(p: &TestProject, out: &Output) -> PathBuf {
    out.success();
    let line = out.stdout.trim();
    assert!(
        !line.is_empty() && !line.contains('\n'),
        "stdout should be one path\n{out:#?}"
    );
    let path = p.path().join(line);
    assert!(path.is_file(), "{} is not a file\n{out:#?}", path.display());
    path
}

/// The id of the revision file at `path`: the file name up to the first `_`.
fn id_of(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .expect("a file name");
    name.split('_').next().expect("an id").to_string()
}

/// Runs `new ARGS` and returns the new revision's id and the file's text.
#[track_caller]
fn new_revision(p: &TestProject, args: &[&str]) -> (String, String) {
    let mut all = vec!["new"];
    all.extend_from_slice(args);
    let out = p.run(&all);
    let path = written_path(p, &out);
    let text = std::fs::read_to_string(&path).expect("read the new revision");
    (id_of(&path), text)
}

/// The value of header line `-- key:` in a revision file's text.
#[track_caller]
fn header(text: &str, key: &str) -> Option<String> {
    let prefix = format!("-- {key}:");
    text.lines()
        .take_while(|l| l.starts_with("-- ") && !l.starts_with("-- migrate:"))
        .find_map(|l| l.strip_prefix(&prefix).map(|v| v.trim().to_string()))
}

use cargo_schema_e2e::json::strings;

/// The `revision` fields of a json array of revisions, in order.
#[track_caller]
fn revision_ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|r| {
            r["revision"]
                .as_str()
                .unwrap_or_else(|| panic!("no revision: {r}"))
                .to_string()
        })
        .collect()
}

/// `heads --format json`, which must exit 0.
#[track_caller]
fn heads_json(p: &TestProject) -> Value {
    let out = p.run(&["--format", "json", "heads"]);
    exits(&out, 0);
    out.json()
}

/// [`revision_ids`], sorted.
fn sorted_revision_ids(v: &Value) -> Vec<String> {
    let mut ids = revision_ids(v);
    ids.sort();
    ids
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// The revision `show TARGET` resolves to.
#[track_caller]
fn shown(p: &TestProject, target: &str) -> String {
    let out = p.run(&["--format", "json", "show", target]);
    exits(&out, 0);
    out.json()["revision"]
        .as_str()
        .unwrap_or_else(|| panic!("no revision field\n{out:#?}"))
        .to_string()
}

/// The revision ids in the order they appear in `text`, of those given.
fn order_of<'a>(text: &str, ids: &[&'a str]) -> Vec<&'a str> {
    let mut found: Vec<(usize, &str)> = ids
        .iter()
        .map(|id| {
            let at = text
                .find(id)
                .unwrap_or_else(|| panic!("{id} is missing from\n{text}"));
            (at, *id)
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, id)| id).collect()
}

/// The `.sql` files under `dir`, recursively, skipping `target/`.
fn sql_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    out.extend(sql_files(&path));
                }
            } else if path.extension().is_some_and(|x| x == "sql") {
                out.push(path);
            }
        }
    }
    out
}

/// The binary run directly with a clean colour environment, for the colour tests (the
/// harness always sets `NO_COLOR=1`).
fn bare_command(p: &TestProject, args: &[&str]) -> Command {
    let mut cmd = p.command(args);
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

/// Runs a command, returning (exit code, stdout, stderr).
fn capture(mut cmd: Command) -> (i32, String, String) {
    let out = cmd.output().expect("the command runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

// ---------------------------------------------------------------------------------------
// init
// ---------------------------------------------------------------------------------------

/// A manifest as `cargo new` leaves it, then edited by hand: comments, aligned keys, an
/// inline table, a trailing comment.
const HAND_WRITTEN: &str = "# The application.\n[package]\nname    = \"app\"   # aligned, on purpose\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n# keep these sorted\nserde = { version = \"1\", features = [\"derive\"] }\nzeta  = \"0.1\"\n\n[package.metadata.docs.rs]\nall-features = true\n";

fn fresh_package() -> TestProject {
    let p = TestProject::bare();
    p.write("Cargo.toml", HAND_WRITTEN);
    p.write("src/main.rs", "fn main() {}\n");
    p
}

#[test]
fn init_adds_the_metadata_section_and_keeps_the_rest_of_the_manifest_byte_for_byte() {
    let p = after(fresh_package(), &["init"]);

    let manifest = p.read("Cargo.toml");
    assert!(
        manifest.starts_with(HAND_WRITTEN),
        "the original text changed:\n{manifest}"
    );
    let added = &manifest[HAND_WRITTEN.len()..];
    assert!(
        added.contains("[package.metadata.schema]\n"),
        "no section added:\n{manifest}"
    );
    assert!(
        added.contains("migrations = \"migrations\""),
        "no migrations key:\n{manifest}"
    );
    assert!(p.path().join("migrations").is_dir());
    assert!(
        p.read(".gitignore").lines().any(|l| l == "/dev.db"),
        "{}",
        p.read(".gitignore")
    );
    // The project is now usable.
    let heads = p.run(&["heads"]);
    exits(&heads, 0);
    assert!(heads.stdout.trim().is_empty(), "{heads:#?}");
}

#[test]
fn init_twice_changes_nothing_the_second_time() {
    let p = fresh_package();
    p.write(".gitignore", "/target\n");
    exits(&p.run(&["init"]), 0);
    let manifest = p.read("Cargo.toml");
    let gitignore = p.read(".gitignore");
    assert_eq!(gitignore, "/target\n/dev.db\n/dev.db-wal\n/dev.db-shm\n");

    exits(&p.run(&["init"]), 0);
    assert_eq!(p.read("Cargo.toml"), manifest);
    assert_eq!(p.read(".gitignore"), gitignore);
    let entries = std::fs::read_dir(p.path().join("migrations"))
        .expect("the migrations directory")
        .count();
    assert_eq!(entries, 0, "init wrote into migrations/");
}

#[test]
fn init_on_a_virtual_workspace_adds_the_workspace_section() {
    let p = TestProject::bare();
    let manifest = "[workspace]\n# members come later\nmembers = []\nresolver = \"2\"\n";
    p.write("Cargo.toml", manifest);
    exits(&p.run(&["init"]), 0);

    let written = p.read("Cargo.toml");
    assert!(written.starts_with(manifest), "{written}");
    assert!(
        written[manifest.len()..].contains("[workspace.metadata.schema]\n"),
        "{written}"
    );
    assert!(!written.contains("[package"), "{written}");
    assert!(p.path().join("migrations").is_dir());

    exits(&p.run(&["init"]), 0);
    assert_eq!(p.read("Cargo.toml"), written);
    exits(&p.run(&["heads"]), 0);
}

#[test]
fn init_from_a_subdirectory_finds_the_manifest_upward() {
    let p = fresh_package();
    let deep = p.path().join("src/deep/er");
    std::fs::create_dir_all(&deep).expect("mkdir");
    exits(&p.run_in(&deep, &["init"]), 0);

    assert!(p.read("Cargo.toml").contains("[package.metadata.schema]"));
    assert!(p.path().join("migrations").is_dir());
    assert!(p.path().join(".gitignore").is_file());
    assert!(!deep.join("migrations").exists());
    assert!(!deep.join("Cargo.toml").exists());
    assert!(!deep.join(".gitignore").exists());
}

// ---------------------------------------------------------------------------------------
// new
// ---------------------------------------------------------------------------------------

#[test]
fn the_first_new_revision_is_a_base_and_its_path_is_printed() {
    let p = TestProject::new();
    let out = p.run(&["new", "-m", "create users"]);
    let path = written_path(&p, &out);
    assert!(
        path.starts_with(p.path().join("migrations")),
        "{}",
        path.display()
    );
    let id = id_of(&path);
    assert_eq!(id.len(), 12, "{id}");
    assert!(
        id.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "{id}"
    );
    assert!(path.ends_with(format!("{id}_create_users.sql")));
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(header(&text, "revision").as_deref(), Some(id.as_str()));
    assert_eq!(header(&text, "revises").as_deref(), Some(""));
    assert_eq!(header(&text, "message").as_deref(), Some("create users"));
    assert!(text.contains("-- migrate:up"), "{text}");
    assert!(text.contains("-- migrate:down"), "{text}");
    // The file parses: the graph has it as its one head.
    exits(&p.run(&["heads"]), 0).stdout_has(&format!("{id} (head) create users"));
}

#[test]
fn a_second_new_revision_revises_the_first() {
    let p = TestProject::new();
    let (first, _) = new_revision(&p, &["-m", "create users"]);
    let (second, text) = new_revision(&p, &["-m", "add email"]);
    assert_ne!(first, second);
    assert_eq!(header(&text, "revises").as_deref(), Some(first.as_str()));
    assert_eq!(revision_ids(&heads_json(&p)), [second.as_str()]);
    let history = p.run(&["history"]);
    exits(&history, 0);
    assert_eq!(
        order_of(&history.stdout, &[&first, &second]),
        [second.as_str(), first.as_str()]
    );
}

#[test]
fn new_with_a_rev_id_and_a_branch_label_is_found_by_its_label() {
    let p = TestProject::new();
    let (base, _) = new_revision(&p, &["-m", "create users"]);
    let (id, text) = new_revision(
        &p,
        &[
            "-m",
            "sessions",
            "--rev-id",
            "0123456789ab",
            "--branch-label",
            "auth",
        ],
    );
    assert_eq!(id, "0123456789ab");
    assert!(
        p.path()
            .join("migrations/0123456789ab_sessions.sql")
            .is_file()
    );
    assert_eq!(header(&text, "revision").as_deref(), Some("0123456789ab"));
    assert_eq!(header(&text, "revises").as_deref(), Some(base.as_str()));
    assert_eq!(header(&text, "branch-labels").as_deref(), Some("auth"));

    exits(&p.run(&["show", "auth"]), 0)
        .stdout_has("0123456789ab")
        .stdout_has("Branch labels: auth")
        .stdout_has(&format!("Revises:       {base}"));
    let json = p.run(&["--format", "json", "show", "auth"]);
    exits(&json, 0);
    let v = json.json();
    assert_eq!(v["revision"], "0123456789ab");
    assert!(
        strings(&v["branch_labels"]).contains(&"auth".to_string()),
        "{v}"
    );
    exits(&p.run(&["history"]), 0).stdout_has("0123456789ab (head) (@auth) sessions");
}

#[test]
fn new_depends_on_a_prefix_writes_the_full_id() {
    let p = TestProject::new();
    let (first, _) = new_revision(&p, &["-m", "create users", "--rev-id", "5eed00000001"]);
    let (second, _) = new_revision(&p, &["-m", "create posts"]);
    let (third, text) = new_revision(&p, &["-m", "link posts", "--depends-on", "5eed"]);
    assert_eq!(header(&text, "revises").as_deref(), Some(second.as_str()));
    assert_eq!(header(&text, "depends-on").as_deref(), Some(first.as_str()));
    let out = p.run(&["--format", "json", "show", &third]);
    exits(&out, 0);
    assert_eq!(strings(&out.json()["depends_on"]), [first]);
}

#[test]
fn new_with_head_base_starts_a_second_base() {
    let p = TestProject::new();
    let (first, _) = new_revision(&p, &["-m", "app tables"]);
    let (second, text) = new_revision(&p, &["-m", "audit tables", "--head", "base"]);
    assert_eq!(header(&text, "revises").as_deref(), Some(""));
    let heads = heads_json(&p);
    assert_eq!(sorted_revision_ids(&heads), sorted(&[&first, &second]));
    for r in heads.as_array().expect("array") {
        assert_eq!(r["is_base"], true, "{r}");
        assert_eq!(r["is_head"], true, "{r}");
    }
}

#[test]
fn new_on_a_revision_that_is_not_a_head_needs_splice() {
    let p = linear();
    let out = p.run(&["new", "-m", "hotfix", "--head", "ae1027"]);
    invalid(&out, &["ae1027a6acf0", "not a head"]).stderr_has("--splice");
    assert_eq!(sql_files(p.path()).len(), 4, "a file was written");

    let (id, text) = new_revision(&p, &["-m", "hotfix", "--head", "ae1027", "--splice"]);
    assert_eq!(header(&text, "revises").as_deref(), Some("ae1027a6acf0"));
    exits(&p.run(&["branches"]), 0)
        .stdout_has("ae1027a6acf0 (branch point)")
        .stdout_has("  -> 27c6a30d7c24")
        .stdout_has(&format!("  -> {id}"));
}

#[test]
fn new_with_two_heads_is_refused_and_suggests_a_merge() {
    let p = branched();
    let out = p.run(&["new", "-m", "more"]);
    invalid(&out, &["multiple heads", AUTH2, OTHER2]).stderr_has("merge");
    assert_eq!(sql_files(p.path()).len(), 7, "a file was written");
}

#[test]
fn new_empty_leaves_the_sections_without_placeholder_comments() {
    let p = TestProject::new();
    let (_, full) = new_revision(&p, &["-m", "with placeholders"]);
    let placeholders = |text: &str| {
        text.lines()
            .skip_while(|l| !l.starts_with("-- migrate:"))
            .filter(|l| !l.trim().is_empty() && !l.starts_with("-- migrate:"))
            .count()
    };
    assert!(placeholders(&full) > 0, "the default has comments:\n{full}");

    let (id, text) = new_revision(&p, &["-m", "nothing yet", "--empty"]);
    assert!(text.contains("-- migrate:up"), "{text}");
    assert!(text.contains("-- migrate:down"), "{text}");
    assert_eq!(placeholders(&text), 0, "sections are not empty:\n{text}");
    // Still a reversible revision with empty sections.
    let out = p.run(&["--format", "json", "show", &id]);
    exits(&out, 0);
    let v = out.json();
    assert_eq!(v["irreversible"], false, "{v}");
    assert_eq!(v["up"]["sql"].as_str().map(str::trim), Some(""), "{v}");
}

/// The project's Cargo.toml with a templates directory.
fn with_templates() -> TestProject {
    TestProject::with_metadata("templates = \"templates\"\n")
}

const CUSTOM_TEMPLATE: &str = "-- revision: {{ revision }}\n-- revises: {{ revises | join(\", \") }}\n-- message: {{ message }}\n\n-- migrate:up\n-- custom template for {{ message }}\nSELECT 1;\n\n-- migrate:down\nSELECT 2;\n";

#[test]
fn new_with_a_template_name_renders_it_from_the_project_templates_directory() {
    let p = with_templates();
    p.write("templates/custom.sql.j2", CUSTOM_TEMPLATE);
    let (_, default) = new_revision(&p, &["-m", "plain"]);
    assert!(!default.contains("custom template"), "{default}");

    let (id, text) = new_revision(&p, &["-m", "seed data", "--template", "custom"]);
    assert!(
        text.contains("-- custom template for seed data\nSELECT 1;"),
        "{text}"
    );
    assert_eq!(header(&text, "revision").as_deref(), Some(id.as_str()));
    exits(&p.run(&["show", &id]), 0)
        .stdout_has("SELECT 1;")
        .stdout_has("SELECT 2;");

    let out = p.run(&["new", "-m", "x", "--template", "missing"]);
    invalid(&out, &["missing"]).stderr_has("custom");
}

#[test]
fn a_project_revision_template_overrides_the_built_in_one() {
    let p = with_templates();
    p.write("templates/revision.sql.j2", CUSTOM_TEMPLATE);
    let (id, text) = new_revision(&p, &["-m", "overridden"]);
    assert!(text.contains("-- custom template for overridden"), "{text}");
    assert!(!text.contains("Write the SQL"), "{text}");
    exits(&p.run(&["heads"]), 0).stdout_has(&id);
}

#[test]
fn a_message_that_looks_like_a_path_still_writes_inside_migrations() {
    let p = TestProject::new();
    let out = p.run(&["new", "-m", "../../etc/passwd"]);
    let path = written_path(&p, &out);
    let dir = p
        .path()
        .join("migrations")
        .canonicalize()
        .expect("migrations");
    let real = path.canonicalize().expect("the written file");
    assert_eq!(real.parent(), Some(dir.as_path()), "{}", real.display());
    let name = real.file_name().and_then(|n| n.to_str()).expect("name");
    assert!(!name.contains(".."), "{name}");
    assert_eq!(sql_files(p.path()), [path.as_path()]);
    // `migrations/../../etc` is the temporary directory's sibling `etc`.
    let outside = p
        .path()
        .parent()
        .expect("the temp dir's parent")
        .join("etc");
    assert!(sql_files(&outside).is_empty(), "{}", outside.display());
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        header(&text, "message").as_deref(),
        Some("../../etc/passwd")
    );
}

#[test]
fn revision_is_an_alias_of_new() {
    let p = TestProject::new();
    let out = p.run(&["revision", "-m", "create users"]);
    let path = written_path(&p, &out);
    assert!(path.to_string_lossy().ends_with("_create_users.sql"));
    exits(&p.run(&["heads"]), 0).stdout_has(&id_of(&path));
}

#[test]
fn new_with_format_json_prints_the_revision_and_its_path() {
    let p = TestProject::new();
    let (first, _) = new_revision(&p, &["-m", "first"]);
    let out = p.run(&["--format", "json", "new", "-m", "second"]);
    exits(&out, 0);
    let v = out.json();
    let id = v["revision"].as_str().expect("revision").to_string();
    let path = v["path"].as_str().expect("path");
    assert!(p.path().join(path).is_file(), "{v}");
    assert!(path.contains(&id), "{v}");
    assert_eq!(strings(&v["revises"]), [first]);
}

// ---------------------------------------------------------------------------------------
// merge
// ---------------------------------------------------------------------------------------

#[test]
fn merge_joins_two_heads_into_one() {
    let p = branched();
    let out = p.run(&["merge", "-m", "merge auth"]);
    let path = written_path(&p, &out);
    let id = id_of(&path);
    assert!(path.ends_with(format!("{id}_merge_auth.sql")));
    let text = std::fs::read_to_string(&path).expect("read");
    let revises = header(&text, "revises").expect("revises");
    let mut parents: Vec<&str> = revises.split(',').map(str::trim).collect();
    parents.sort();
    assert_eq!(parents, [AUTH2, OTHER2], "{text}");

    assert_eq!(revision_ids(&heads_json(&p)), [id.as_str()]);
    exits(&p.run(&["history"]), 0)
        .stdout_has(&format!("{id} (head) (merge)"))
        .stdout_has("|\\")
        .stdout_has("|/");
    let show = p.run(&["--format", "json", "show", &id]);
    exits(&show, 0);
    assert_eq!(show.json()["is_merge"], true);
    assert_eq!(strings(&show.json()["revises"]), sorted(&[AUTH2, OTHER2]));
}

#[test]
fn merge_with_explicit_revisions_and_a_message() {
    let p = branched();
    p.revision("aaaa00000003", FORK, "");
    let out = p.run(&["merge", "d2d2", OTHER2, "-m", "join two of three"]);
    let path = written_path(&p, &out);
    let id = id_of(&path);
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        header(&text, "revises").as_deref(),
        Some(format!("{AUTH2}, {OTHER2}").as_str())
    );
    assert_eq!(
        header(&text, "message").as_deref(),
        Some("join two of three")
    );
    assert_eq!(
        sorted_revision_ids(&heads_json(&p)),
        sorted(&[&id, "aaaa00000003"])
    );
}

#[test]
fn merging_a_revision_with_its_own_ancestor_is_refused() {
    let p = branched();
    let out = p.run(&["merge", AUTH2, "b0b0", "-m", "pointless"]);
    invalid(&out, &[FORK, AUTH2, "ancestor"]);
    assert!(out.stdout.trim().is_empty(), "{out:#?}");
    assert_eq!(sql_files(p.path()).len(), 7, "a file was written");
}

#[test]
fn merge_with_a_single_head_has_nothing_to_merge() {
    let p = linear();
    let out = p.run(&["merge", "-m", "nothing"]);
    invalid(&out, &["nothing to merge"]);
    assert_eq!(sql_files(p.path()).len(), 4, "a file was written");
}

// ---------------------------------------------------------------------------------------
// heads, branches, history, show
// ---------------------------------------------------------------------------------------

#[test]
fn heads_lists_every_head_and_verbose_adds_the_path() {
    let p = branched();
    let out = p.run(&["heads"]);
    exits(&out, 0).stderr_has("2 heads: ");
    for (head, label) in [(AUTH2, " (@auth)"), (OTHER2, "")] {
        out.stdout_has(&format!("{head} (head){label} revision {head}"));
    }
    assert_eq!(out.stdout.lines().count(), 2, "{out:#?}");
    assert!(!out.stdout.contains(FORK), "{out:#?}");

    let verbose = p.run(&["heads", "-v"]);
    exits(&verbose, 0);
    for head in [AUTH2, OTHER2] {
        verbose.stdout_has(&format!("Path: migrations/{head}_r_{head}.sql"));
    }
}

#[test]
fn heads_as_json_are_the_head_revisions() {
    let p = branched();
    let v = heads_json(&p);
    assert_eq!(sorted_revision_ids(&v), sorted(&[AUTH2, OTHER2]));
    for r in v.as_array().expect("array") {
        assert_eq!(r["is_head"], true, "{r}");
        assert_eq!(strings(&r["children"]), Vec::<String>::new(), "{r}");
    }
    let auth = v
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["revision"] == AUTH2)
        .expect("the auth head");
    assert_eq!(strings(&auth["revises"]), [AUTH1]);
    assert!(strings(&auth["branch_labels"]).contains(&"auth".to_string()));
}

#[test]
fn branches_show_each_branch_point_with_its_children() {
    let p = branched();
    let out = p.run(&["branches"]);
    exits(&out, 0).stdout_has(&format!("{FORK} (branch point) revision {FORK}"));
    for child in [AUTH1, OTHER1] {
        out.stdout_has(&format!("  -> {child}"));
    }
    assert_eq!(out.stdout.lines().count(), 3, "{out:#?}");

    let json = p.run(&["--format", "json", "branches"]);
    exits(&json, 0);
    let v = json.json();
    assert_eq!(revision_ids(&v), [FORK]);
    assert_eq!(strings(&v[0]["children"]), sorted(&[AUTH1, OTHER1]));
    assert_eq!(v[0]["is_branch_point"], true);
    assert_eq!(v[0]["is_head"], false);

    let none = linear().run(&["branches"]);
    exits(&none, 0);
    assert!(none.stdout.trim().is_empty(), "{none:#?}");
}

#[test]
fn history_lists_newest_first_as_a_graph() {
    let p = merged();
    let out = p.run(&["history"]);
    exits(&out, 0)
        .stdout_has(&format!("{MERGE} (head) (merge)"))
        .stdout_has("|\\")
        .stdout_has("|/")
        .stdout_has(&format!("{FORK} (branch point)"));
    let all = [MERGE, AUTH2, AUTH1, OTHER2, OTHER1, FORK, AE10F0, AE1027];
    let order = order_of(&out.stdout, &all);
    assert_eq!(order.first(), Some(&MERGE), "{out:#?}");
    assert_eq!(
        &order[order.len() - 3..],
        [FORK, AE10F0, AE1027],
        "{out:#?}"
    );
    let before =
        |a: &str, b: &str| order.iter().position(|x| *x == a) < order.iter().position(|x| *x == b);
    assert!(before(AUTH2, AUTH1) && before(OTHER2, OTHER1), "{out:#?}");
    // One line per revision plus the graph's edge lines.
    let revision_lines = out
        .stdout
        .lines()
        .filter(|l| all.iter().any(|id| l.contains(id)))
        .count();
    assert_eq!(revision_lines, all.len(), "{out:#?}");

    let json = p.run(&["--format", "json", "history"]);
    exits(&json, 0);
    let ids = revision_ids(&json.json());
    assert_eq!(ids.len(), all.len());
    assert_eq!(ids[0], MERGE);
    assert_eq!(ids[ids.len() - 1], AE1027);
}

/// `history -r RANGE` (exit 0) shows `shown` (given oldest first) newest first, and none of
/// `hidden`.
#[track_caller]
fn history_range_shows(p: &TestProject, range: &str, shown: &[&str], hidden: &[&str]) {
    let out = p.run(&["history", "-r", range]);
    exits(&out, 0);
    let newest_first: Vec<&str> = shown.iter().rev().copied().collect();
    assert_eq!(order_of(&out.stdout, shown), newest_first);
    for id in hidden {
        assert!(!out.stdout.contains(id), "{out:#?}");
    }
}

#[test]
fn history_with_a_range_from_a_revision_shows_it_and_everything_after() {
    history_range_shows(&linear(), "ae10:", &LINE[1..], &[LINE[0]]);
}

#[test]
fn history_with_a_range_up_to_a_revision_shows_it_and_everything_before() {
    let p = linear();
    history_range_shows(&p, ":ae10", &LINE[..2], &LINE[2..]);

    let json = p.run(&["--format", "json", "history", "--rev-range", "1975:27c6"]);
    exits(&json, 0);
    assert_eq!(revision_ids(&json.json()), [LINE[2], LINE[1], LINE[0]]);
}

#[test]
fn history_from_base_to_head_shows_everything() {
    let p = merged();
    let out = p.run(&["--format", "json", "history", "-r", "base:head"]);
    exits(&out, 0);
    assert_eq!(revision_ids(&out.json()).len(), 8, "{out:#?}");
    // Before the merge, the auth branch ends at its own head.
    let branch = branched().run(&["--format", "json", "history", "-r", "b0b0:auth@head"]);
    exits(&branch, 0);
    let mut ids = revision_ids(&branch.json());
    ids.sort();
    assert_eq!(ids, sorted(&[FORK, AUTH1, AUTH2]), "{branch:#?}");
}

#[test]
fn history_verbose_shows_each_revision_s_path() {
    let p = merged();
    let out = p.run(&["history", "--verbose"]);
    exits(&out, 0);
    for id in [MERGE, AUTH2, AUTH1, OTHER2, OTHER1, FORK, AE10F0, AE1027] {
        out.stdout_has(&format!("Path: migrations/{id}_r_{id}.sql"));
    }
    out.stdout_has(&format!("Revises: {AUTH2}, {OTHER2}"));
}

#[test]
fn history_with_a_malformed_range_is_refused() {
    let p = linear();
    invalid(&p.run(&["history", "-r", "ae10"]), &["FROM:TO"]);
    invalid(&p.run(&["history", "-r", "zzzz:"]), &["zzzz"]);
}

#[test]
fn show_prints_the_header_parents_children_and_both_sections() {
    let p = branched();
    p.write(
        &format!("migrations/{FORK}_r_{FORK}.sql"),
        format!(
            "-- revision: {FORK}\n-- revises: {AE10F0}\n-- created: 2026-01-30 14:47:22+00:00\n-- message: fork here\n\n-- migrate:up\nCREATE TABLE forks (id INTEGER PRIMARY KEY);\nINSERT INTO forks VALUES (1);\n\n-- migrate:down\nDROP TABLE forks;\n"
        ),
    );
    let out = p.run(&["show", "b0b0"]);
    exits(&out, 0)
        .stdout_has(&format!("{FORK} (branch point) fork here"))
        .stdout_has(&format!("migrations/{FORK}_r_{FORK}.sql"))
        .stdout_has("2026-01-30 14:47:22+00:00")
        .stdout_has(&format!("Revises:       {AE10F0}"))
        .stdout_has(AUTH1)
        .stdout_has(OTHER1)
        .stdout_has(
            "-- migrate:up\nCREATE TABLE forks (id INTEGER PRIMARY KEY);\nINSERT INTO forks VALUES (1);",
        )
        .stdout_has("-- migrate:down\nDROP TABLE forks;");
    let revised_by = out
        .stdout
        .lines()
        .find(|l| l.starts_with("Revised by:"))
        .unwrap_or_else(|| panic!("no `Revised by:` line\n{out:#?}"));
    assert!(
        revised_by.contains(AUTH1) && revised_by.contains(OTHER1),
        "{revised_by}"
    );
    assert!(!out.stdout.contains("irreversible"), "{out:#?}");
}

#[test]
fn show_as_json_has_the_revision_fields() {
    let p = branched();
    let out = p.run(&["--format", "json", "show", AUTH1]);
    exits(&out, 0);
    let v = out.json();
    assert_eq!(v["revision"], AUTH1);
    assert_eq!(strings(&v["revises"]), [FORK]);
    assert_eq!(strings(&v["children"]), [AUTH2]);
    assert_eq!(strings(&v["branch_labels"]), ["auth"]);
    assert_eq!(v["is_head"], false);
    assert_eq!(v["message"], format!("revision {AUTH1}"));
    assert!(
        v["up"]["sql"]
            .as_str()
            .is_some_and(|s| s.contains(&format!("CREATE TABLE t_{AUTH1}"))),
        "{v}"
    );
    assert!(
        v["down"]["sql"]
            .as_str()
            .is_some_and(|s| s.contains(&format!("DROP TABLE t_{AUTH1}"))),
        "{v}"
    );
    let head = p.run(&["--format", "json", "show", AUTH2]);
    exits(&head, 0);
    assert_eq!(head.json()["is_head"], true);
    assert_eq!(strings(&head.json()["children"]), Vec::<String>::new());
}

#[test]
fn show_of_an_irreversible_revision_says_so() {
    let p = TestProject::with_file(
        "migrations/0a0a0a0a0a0a_one_way.sql",
        "-- revision: 0a0a0a0a0a0a\n-- revises:\n-- message: one way\n\n-- migrate:up\nDROP TABLE legacy;\n",
    );
    let out = p.run(&["show", "0a0a"]);
    exits(&out, 0)
        .stdout_has("DROP TABLE legacy;")
        .stdout_has("irreversible");
    assert!(
        !out.stdout.lines().any(|l| l.starts_with("-- migrate:down")),
        "{out:#?}"
    );
    let json = p.run(&["--format", "json", "show", "0a0a"]);
    exits(&json, 0);
    let v = json.json();
    assert_eq!(v["irreversible"], true, "{v}");
    assert!(v["down"].is_null(), "{v}");
}

// ---------------------------------------------------------------------------------------
// Targets, through `show`
// ---------------------------------------------------------------------------------------

/// Tests that `show TARGET` on a history resolves each target to the revision given.
macro_rules! show_resolves {
    ($($name:ident: $history:expr => [$(($target:expr, $revision:expr)),+ $(,)?];)+) => {
        $(
            #[test]
            fn $name() {
                let p = $history;
                $(assert_eq!(shown(&p, $target), $revision);)+
            }
        )+
    };
}

show_resolves! {
    a_full_revision_id_names_that_revision: branched() => [(AE1027, AE1027), (AE10F0, AE10F0)];
    a_unique_prefix_names_its_revision: branched() => [("ae10f", AE10F0), ("b0b0", FORK)];
    head_names_the_single_head: linear() => [("head", LINE[3])];
    a_revision_plus_one_is_its_child: linear() => [("1975ea83b712+1", LINE[1]), ("ae10+2", LINE[3])];
    a_revision_minus_one_is_its_parent: linear() => [("27c6-1", LINE[1]), ("4f3b2a1c9d8e-3", LINE[0])];
    head_minus_two_is_two_below_the_head: linear() => [("head-2", LINE[1])];
    plus_one_from_an_empty_database_is_the_first_revision: linear() => [("+1", LINE[0]), ("+2", LINE[1])];
    a_branch_label_at_head_is_the_head_of_that_branch: branched() => [("auth@head", AUTH2)];
    a_branch_label_alone_is_the_revision_that_declares_it: branched() => [("auth", AUTH1), ("auth+1", AUTH2)];
}

#[test]
fn an_ambiguous_prefix_is_refused_with_both_candidates() {
    let p = branched();
    let out = p.run(&["show", "ae10"]);
    invalid(&out, &["ae10", AE1027, AE10F0]);
    assert!(out.stdout.trim().is_empty(), "{out:#?}");
}

#[test]
fn an_unknown_revision_is_refused() {
    let p = branched();
    invalid(&p.run(&["show", "ffff"]), &["ffff"]);
}

#[test]
fn head_with_two_heads_is_refused_naming_both() {
    let p = branched();
    let out = p.run(&["show", "head"]);
    invalid(&out, &["head", AUTH2, OTHER2]).stderr_has("merge");
}

#[test]
fn heads_with_two_heads_is_not_one_revision_to_show() {
    let p = branched();
    let out = p.run(&["show", "heads"]);
    exits(&out, INVALID).stderr_has(AUTH2).stderr_has(OTHER2);
    assert!(out.stdout.trim().is_empty(), "{out:#?}");
}

#[test]
fn base_is_not_a_revision_to_show() {
    let p = linear();
    invalid(&p.run(&["show", "base"]), &["base", "not a revision"]);
}

#[test]
fn a_branch_label_at_base_is_not_a_revision_to_show() {
    let p = branched();
    invalid(
        &p.run(&["show", "auth@base"]),
        &["auth@base", "not a revision"],
    );
}

#[test]
fn a_revision_id_as_branch_qualifier_is_the_head_of_its_lineage() {
    let p = branched();
    assert_eq!(shown(&p, "e3e3@head"), OTHER2);
    assert_eq!(shown(&p, &format!("{AUTH1}@head")), AUTH2);
    assert_eq!(shown(&linear(), "ae10@head"), LINE[3]);
}

#[test]
fn walking_past_the_head_is_refused() {
    let p = linear();
    let out = p.run(&["show", "ae10+5"]);
    invalid(&out, &["ae10+5", "didn't produce"]);
    invalid(&p.run(&["show", "head+1"]), &["head+1", "didn't produce"]);
}

#[test]
fn plus_one_at_a_branch_point_is_ambiguous_naming_both_children() {
    let p = branched();
    let out = p.run(&["show", "b0b0+1"]);
    invalid(&out, &["b0b0+1", "ambiguous", AUTH1, OTHER1]);
}

#[test]
fn minus_one_from_a_merge_is_ambiguous_naming_both_parents() {
    let p = merged();
    let out = p.run(&["show", "99aa-1"]);
    invalid(&out, &["99aa-1", "ambiguous", AUTH2, OTHER2]);
    let out = p.run(&["show", "head-1"]);
    invalid(&out, &["head-1", "ambiguous", AUTH2, OTHER2]);
}

// ---------------------------------------------------------------------------------------
// completions, --version, --help, cargo
// ---------------------------------------------------------------------------------------

#[test]
fn completions_print_a_script_for_bash_and_zsh() {
    let p = TestProject::bare();
    for shell in ["bash", "zsh"] {
        let out = p.run(&["completions", shell]);
        exits(&out, 0).stdout_has("cargo-schema");
        assert!(out.stdout.lines().count() > 10, "{out:#?}");
    }
    let zsh = p.run(&["completions", "zsh"]);
    zsh.stdout_has("#compdef");
    exits(&p.run(&["completions", "tcsh"]), INVALID);
}

#[test]
fn version_and_help_exit_zero() {
    let p = TestProject::bare();
    let version = p.run(&["--version"]);
    exits(&version, 0).stdout_has(env!("CARGO_PKG_VERSION"));
    let help = p.run(&["--help"]);
    exits(&help, 0)
        .stdout_has("Usage:")
        .stdout_has("history")
        .stdout_has("--manifest-path");
    exits(&p.run(&["show", "--help"]), 0).stdout_has("Usage:");
    // Without the `schema` argument cargo adds, too.
    let mut cmd = Command::new(binary());
    cmd.arg("--version").current_dir(p.path());
    let (code, stdout, _) = capture(cmd);
    assert_eq!(code, 0);
    assert!(stdout.contains(env!("CARGO_PKG_VERSION")), "{stdout}");
}

#[test]
fn cargo_runs_the_binary_as_its_schema_subcommand() {
    let p = linear();
    let bin_dir = binary().parent().expect("a directory").to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("a PATH");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["schema", "heads"])
        .current_dir(p.path())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env_remove("CARGO_TERM_COLOR")
        .env_remove("DATABASE_URL")
        .env("CARGO_TARGET_DIR", p.path().join("target"));
    let (code, stdout, stderr) = capture(cmd);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains(&format!("{} (head)", LINE[3])),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
}

// ---------------------------------------------------------------------------------------
// Colours
// ---------------------------------------------------------------------------------------

#[test]
fn color_always_colours_errors_and_data() {
    let p = linear();
    let mut cmd = bare_command(&p, &["--color", "always", "show", "ffff"]);
    cmd.env("NO_COLOR", "1");
    let (code, stdout, stderr) = capture(cmd);
    assert_eq!(code, INVALID, "{stderr}");
    assert!(stderr.contains(ESC), "no colour in:\n{stderr:?}");
    assert!(stdout.is_empty(), "{stdout}");

    let (code, stdout, stderr) = capture(bare_command(&p, &["--color", "always", "heads"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(ESC), "no colour in:\n{stdout:?}");
    assert!(stdout.contains(LINE[3]), "{stdout:?}");
}

#[test]
fn color_never_leaves_the_output_plain() {
    let p = linear();
    let mut cmd = bare_command(&p, &["--color", "never", "show", "ffff"]);
    cmd.env("CARGO_TERM_COLOR", "always")
        .env("CLICOLOR_FORCE", "1");
    let (code, stdout, stderr) = capture(cmd);
    assert_eq!(code, INVALID, "{stderr}");
    assert!(!stderr.contains(ESC), "colour in:\n{stderr:?}");
    assert!(stderr.contains("error:"), "{stderr}");
    assert!(!stdout.contains(ESC), "colour in:\n{stdout:?}");

    let mut cmd = bare_command(&p, &["--color", "never", "heads"]);
    cmd.env("CARGO_TERM_COLOR", "always")
        .env("CLICOLOR_FORCE", "1");
    let (code, stdout, _) = capture(cmd);
    assert_eq!(code, 0);
    assert!(!stdout.contains(ESC), "colour in:\n{stdout:?}");
    assert!(stdout.contains(LINE[3]), "{stdout:?}");
}

#[test]
fn no_color_leaves_the_output_plain() {
    let p = linear();
    // The harness's default environment.
    let out = p.run(&["show", "ffff"]);
    exits(&out, INVALID).stderr_lacks(ESC);
    let out = p.run(&["heads"]);
    exits(&out, 0);
    assert!(!out.stdout.contains(ESC), "{out:#?}");

    // NO_COLOR wins over a forced terminal colouring in `auto` mode.
    for args in [&["show", "ffff"][..], &["heads"][..]] {
        let mut cmd = bare_command(&p, args);
        cmd.env("NO_COLOR", "1").env("CLICOLOR_FORCE", "1");
        let (_, stdout, stderr) = capture(cmd);
        assert!(!stdout.contains(ESC), "colour in:\n{stdout:?}");
        assert!(!stderr.contains(ESC), "colour in:\n{stderr:?}");
    }
}

#[test]
fn cargo_term_color_always_turns_colours_on() {
    let p = linear();
    let mut cmd = bare_command(&p, &["show", "ffff"]);
    cmd.env("CARGO_TERM_COLOR", "always");
    let (code, _, stderr) = capture(cmd);
    assert_eq!(code, INVALID, "{stderr}");
    assert!(stderr.contains(ESC), "no colour in:\n{stderr:?}");

    let mut cmd = bare_command(&p, &["heads"]);
    cmd.env("CARGO_TERM_COLOR", "always");
    let (code, stdout, stderr) = capture(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(ESC), "no colour in:\n{stdout:?}");

    let mut cmd = bare_command(&p, &["heads"]);
    cmd.env("CARGO_TERM_COLOR", "never");
    let (_, stdout, _) = capture(cmd);
    assert!(!stdout.contains(ESC), "colour in:\n{stdout:?}");
}

// ---------------------------------------------------------------------------------------
// The bundled example
// ---------------------------------------------------------------------------------------

const BOOKSHELF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/bookshelf/Cargo.toml"
);

#[test]
fn the_bookshelf_example_has_one_head_one_branch_point_and_thirteen_revisions() {
    let p = TestProject::bare();
    let heads = p.run(&["--manifest-path", BOOKSHELF, "heads"]);
    exits(&heads, 0).stdout_has("29c8b4f17e6d (head)");
    assert_eq!(heads.stdout.lines().count(), 1, "{heads:#?}");

    exits(&p.run(&["--manifest-path", BOOKSHELF, "branches"]), 0)
        .stdout_has("7a5c8f31b4de (branch point)")
        .stdout_has("  -> 3e92d0a6c15b")
        .stdout_has("  -> 0c6fa35e8d17");

    let history = p.run(&["--manifest-path", BOOKSHELF, "--format", "json", "history"]);
    exits(&history, 0);
    let ids = revision_ids(&history.json());
    assert_eq!(ids.len(), 13, "{history:#?}");
    assert_eq!(ids[0], "29c8b4f17e6d");

    let human = p.run(&["--manifest-path", BOOKSHELF, "history"]);
    exits(&human, 0).stdout_has("|\\");
    let revision_lines = human.stdout.lines().filter(|l| l.contains('*')).count();
    assert_eq!(revision_lines, 13, "{human:#?}");
    // Nothing was written into the example, nor into the directory it was run from.
    assert!(sql_files(p.path()).is_empty());
    assert!(!p.path().join("dev.db").exists());
}

/// A reader that stops early (`| head`) ends a read command or an offline script quietly with
/// 0: no panic, no "Broken pipe" error.
#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    use std::io::{BufRead, BufReader, Read};
    let p = TestProject::new();
    let mut parent = String::new();
    // Enough output (hundreds of kilobytes) that the writer is still writing when the pipe
    // closes, whatever the pipe's buffer.
    for i in 0..600 {
        let id = format!("r{i:04}");
        p.revision(&id, &parent, "");
        parent = id;
    }
    for args in [
        &["--format", "json", "history"][..],
        &["history", "-v"][..],
        &["up", "--sql"][..],
    ] {
        let mut child = p.piped(args).spawn().expect("spawns");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("reads a line");
        // The read end is dropped here: the rest of the output meets a closed pipe.
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("reads stderr");
        let status = child.wait().expect("waits");
        assert!(!first.is_empty(), "{args:?}: no output");
        assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}
