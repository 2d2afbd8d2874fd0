//! up, down, current, stamp and repair on the embedded SQLite database.
//!
//! Each test is one scenario through the real binary in its own throwaway cargo project, so
//! its own `dev.db` (or the SQLite file its URL names): the exit code, what lands on stdout
//! (data) and stderr (messages), and what the database holds afterwards, read back with the
//! `sqlite3` command-line client.

use std::path::{Path, PathBuf};

use cargo_schema_e2e::assert::{INVALID, error_line_has, exits, help_has, invalid, is_checksum};
use cargo_schema_e2e::fixtures::after;
use cargo_schema_e2e::project::MANIFEST;
use cargo_schema_e2e::project::wait_ok;
use cargo_schema_e2e::{Output, TestProject};
use serde_json::Value;

/// Exit code 1: the work failed.
const FAILED: i32 = 1;

/// The default version table.
const VERSION_TABLE: &str = "schema_version";

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

use cargo_schema_e2e::fixtures::{
    AE10F0, AE1027, AUTH1, AUTH2, FORK, LINE, MERGE, OTHER1, OTHER2, applied, branched,
    edit_second_revision, linear, merged,
};

pub(super) use cargo_schema_e2e::fixtures::revision_file;

/// Writes (or overwrites) the revision `id` with the given sections; no down section when
/// `down` is `None`. Line 5 is `-- migrate:up`, so the up section's first line is line 6.
pub(super) fn write_revision(
    p: &TestProject,
    id: &str,
    revises: &str,
    up: &str,
    down: Option<&str>,
) -> PathBuf {
    cargo_schema_e2e::fixtures::write_revision(p, id, revises, "", up, down)
}

/// Replaces `[package.metadata.schema]` with `migrations = "migrations"` plus `extra` lines.
fn configure(p: &TestProject, extra: &str) {
    p.write("Cargo.toml", format!("{MANIFEST}{extra}"));
}

// ---------------------------------------------------------------------------------------
// Helpers: the database as sqlite3 sees it
// ---------------------------------------------------------------------------------------

pub(super) use cargo_schema_e2e::sqlite::{dev_db, has_table, rows as sqlite, sqlite_exec, tables};

/// The revisions the version table `table` records, sorted.
#[track_caller]
fn recorded_in(db: &Path, table: &str) -> Vec<String> {
    let mut ids: Vec<String> = sqlite(db, &format!("SELECT revision FROM {table}"))
        .iter()
        .map(|r| r["revision"].as_str().expect("a revision id").to_string())
        .collect();
    ids.sort();
    ids
}

/// The revisions `schema_version` records, sorted.
#[track_caller]
pub(super) fn recorded(db: &Path) -> Vec<String> {
    recorded_in(db, VERSION_TABLE)
}

/// `ids`, sorted, as owned strings: what [`recorded`] returns when exactly they are applied.
pub(super) fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------
// Helpers: what the binary printed
// ---------------------------------------------------------------------------------------

/// The ids of the `Applied <id> …` (or `Rolled back <id> …`) status lines, in order, each
/// checked to end with its time: `(0.6 ms)`, `(12 ms)`, `(1.25 s)`.
#[track_caller]
fn reported(out: &Output, verb: &str) -> Vec<String> {
    let prefix = format!("{verb} ");
    out.stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix(&prefix))
        .map(|rest| {
            let id = rest.split_whitespace().next().expect("an id").to_string();
            let time = rest
                .rsplit_once('(')
                .and_then(|(_, t)| t.strip_suffix(')'))
                .unwrap_or_else(|| panic!("`{verb} {rest}` has no time\n{out:#?}"));
            let (number, unit) = time
                .split_once(' ')
                .unwrap_or_else(|| panic!("`{verb} {rest}`: no unit in the time\n{out:#?}"));
            assert!(
                number.parse::<f64>().is_ok() && matches!(unit, "ms" | "s"),
                "`{verb} {rest}`: `{time}` is not a duration\n{out:#?}"
            );
            id
        })
        .collect()
}

#[track_caller]
fn applied_lines(out: &Output) -> Vec<String> {
    reported(out, "Applied")
}

/// Runs `args` (exit 0) and asserts that it applied exactly `ids`, in that order.
#[track_caller]
fn applies(p: &TestProject, args: &[&str], ids: &[&str]) -> Output {
    let out = p.run(args);
    exits(&out, 0);
    assert_eq!(applied_lines(&out), owned(ids), "{out:#?}");
    out
}

/// The tables of `db` that revisions create (`t_<id>`).
fn revision_tables(db: &Path) -> Vec<String> {
    tables(db)
        .into_iter()
        .filter(|t| t.starts_with("t_"))
        .collect()
}

#[track_caller]
fn rolled_back_lines(out: &Output) -> Vec<String> {
    reported(out, "Rolled back")
}

fn owned(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// `current --format json`, checked to succeed.
#[track_caller]
pub(super) fn current_json(p: &TestProject) -> Value {
    let out = p.run(&["current", "--format", "json"]);
    exits(&out, 0);
    out.json()
}

use cargo_schema_e2e::json::strings;

/// The database's current heads as `current --format json` reports them, sorted.
#[track_caller]
fn current(p: &TestProject) -> Vec<String> {
    strings(&current_json(p)["current"])
}

/// Runs the binary like [`TestProject::run`], with `env` set on top (after removing
/// `DATABASE_URL` and `MY_DB`).
fn run_with_env(p: &TestProject, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = p.command(args);
    cmd.env_remove("MY_DB");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the binary runs");
    Run {
        command: format!("{env:?} cargo-schema schema {}", args.join(" ")),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// What a run from [`run_with_env`] produced.
#[derive(Debug)]
struct Run {
    command: String,
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn success(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "unexpected exit code from {}\n{self:#?}",
            self.command
        );
        self
    }
}

// ---------------------------------------------------------------------------------------
// The embedded default
// ---------------------------------------------------------------------------------------

#[test]
fn up_with_nothing_configured_creates_dev_db_and_applies_every_revision() {
    let p = linear();
    let db = dev_db(&p);
    assert!(!db.exists());

    let out = p.run(&["up"]);
    exits(&out, 0);
    assert!(db.is_file(), "dev.db was not created beside Cargo.toml");
    let using = out
        .stderr
        .lines()
        .find(|l| l.contains("Using SQLite database sqlite://"))
        .unwrap_or_else(|| panic!("no `Using SQLite database sqlite://…` line\n{out:#?}"));
    let canonical = db.canonicalize().expect("canonical path");
    assert!(
        using.ends_with(&db.display().to_string())
            || using.ends_with(&canonical.display().to_string()),
        "the Using line does not name {}\n{out:#?}",
        db.display()
    );
    assert_eq!(applied_lines(&out), owned(&LINE), "{out:#?}");
    assert_eq!(recorded(&db), sorted(&LINE));
    for id in LINE {
        assert!(has_table(&db, &format!("t_{id}")), "t_{id} is missing");
    }

    let cur = p.run(&["current"]);
    exits(&cur, 0).stderr_has("Using SQLite database sqlite://");
    assert_eq!(
        cur.stdout.split_whitespace().next(),
        Some(LINE[3]),
        "current should print the head first\n{cur:#?}"
    );
    assert_eq!(cur.stdout.lines().count(), 1, "{cur:#?}");

    let again = p.run(&["up"]);
    exits(&again, 0);
    assert_eq!(applied_lines(&again), Vec::<String>::new(), "{again:#?}");
    assert_eq!(recorded(&db), sorted(&LINE));
}

#[test]
fn current_on_a_fresh_database_prints_no_revision() {
    let p = linear();
    let out = p.run(&["current"]);
    exits(&out, 0);
    assert!(out.stdout.trim().is_empty(), "{out:#?}");
    let json = current_json(&p);
    assert_eq!(strings(&json["current"]), Vec::<String>::new());
    assert_eq!(strings(&json["pending"]), sorted(&LINE));
}

// ---------------------------------------------------------------------------------------
// Targets against the database
// ---------------------------------------------------------------------------------------

#[test]
fn up_plus_one_then_plus_two_apply_one_then_two_revisions() {
    let p = linear();
    applies(&p, &["up", "+1"], &LINE[..1]);
    assert_eq!(current(&p), owned(&LINE[..1]));

    applies(&p, &["up", "+2"], &LINE[1..3]);
    assert_eq!(current(&p), owned(&LINE[2..3]));
    assert_eq!(recorded(&dev_db(&p)), sorted(&LINE[..3]));
    assert!(!has_table(&dev_db(&p), &format!("t_{}", LINE[3])));
}

#[test]
fn up_to_a_prefix_applies_that_revision_and_its_ancestors() {
    let p = linear();
    applies(&p, &["up", "27c6"], &LINE[..3]);
    assert_eq!(current(&p), owned(&[LINE[2]]));
}

#[test]
fn up_heads_applies_both_branches() {
    let p = branched();
    let out = p.run(&["up", "heads"]);
    exits(&out, 0);
    let mut applied = applied_lines(&out);
    applied.sort();
    assert_eq!(
        applied,
        sorted(&[AE1027, AE10F0, FORK, AUTH1, AUTH2, OTHER1, OTHER2])
    );
    assert_eq!(current(&p), sorted(&[AUTH2, OTHER2]));
    let human = p.run(&["current"]);
    exits(&human, 0).stdout_has(AUTH2).stdout_has(OTHER2);
}

#[test]
fn up_head_with_two_heads_is_refused_naming_both() {
    let p = branched();
    let out = p.run(&["up", "head"]);
    invalid(&out, &["head", AUTH2, OTHER2]);
    help_has(&out, "merge");
    assert_eq!(applied_lines(&out), Vec::<String>::new());
    assert_eq!(current(&p), Vec::<String>::new());
}

#[test]
fn up_without_a_target_with_two_heads_is_refused_naming_both() {
    let p = branched();
    let out = p.run(&["up"]);
    invalid(&out, &[AUTH2, OTHER2]);
    assert_eq!(current(&p), Vec::<String>::new());
}

#[test]
fn down_minus_one_rolls_back_the_current_revision() {
    let p = applied(linear());
    let out = p.run(&["down", "-1"]);
    exits(&out, 0);
    assert_eq!(rolled_back_lines(&out), owned(&[LINE[3]]), "{out:#?}");
    assert_eq!(current(&p), owned(&[LINE[2]]));
    let db = dev_db(&p);
    assert!(!has_table(&db, &format!("t_{}", LINE[3])));
    assert!(has_table(&db, &format!("t_{}", LINE[2])));
    assert_eq!(recorded(&db), sorted(&LINE[..3]));
}

#[test]
fn down_base_rolls_back_everything_newest_first() {
    let p = applied(linear());
    let out = p.run(&["down", "base"]);
    exits(&out, 0);
    let mut newest_first = owned(&LINE);
    newest_first.reverse();
    assert_eq!(rolled_back_lines(&out), newest_first, "{out:#?}");
    let db = dev_db(&p);
    assert_eq!(recorded(&db), Vec::<String>::new());
    let left = revision_tables(&db);
    assert_eq!(left, Vec::<String>::new(), "tables left after down base");
    assert_eq!(current(&p), Vec::<String>::new());
}

#[test]
fn down_to_a_revision_keeps_it_and_rolls_back_what_is_above() {
    let p = applied(linear());
    let out = p.run(&["down", LINE[1]]);
    exits(&out, 0);
    assert_eq!(
        rolled_back_lines(&out),
        owned(&[LINE[3], LINE[2]]),
        "{out:#?}"
    );
    assert_eq!(current(&p), owned(&[LINE[1]]));
    assert_eq!(recorded(&dev_db(&p)), sorted(&LINE[..2]));
}

#[test]
fn down_to_a_revision_that_is_not_applied_is_refused() {
    let p = linear();
    exits(&p.run(&["up", LINE[1]]), 0);
    let out = p.run(&["down", LINE[2]]);
    invalid(&out, &[LINE[2], "not applied"]);
    assert_eq!(recorded(&dev_db(&p)), sorted(&LINE[..2]));
}

#[test]
fn up_minus_one_is_refused() {
    let p = applied(linear());
    let out = p.run(&["up", "-1"]);
    invalid(&out, &["-1"]);
    assert_eq!(recorded(&dev_db(&p)), sorted(&LINE));
}

#[test]
fn down_plus_one_is_refused() {
    let p = after(linear(), &["up", "+2"]);
    let out = p.run(&["down", "+1"]);
    invalid(&out, &["+1"]);
    assert_eq!(recorded(&dev_db(&p)), sorted(&LINE[..2]));
}

#[test]
fn down_minus_one_from_a_merge_revision_is_ambiguous_and_names_both_parents() {
    let p = after(merged(), &["up"]);
    assert_eq!(current(&p), owned(&[MERGE]));
    let out = p.run(&["down", "-1"]);
    invalid(&out, &["ambiguous", AUTH2, OTHER2]);
    assert_eq!(current(&p), owned(&[MERGE]));
    assert_eq!(recorded(&dev_db(&p)).len(), 8);
}

#[test]
fn up_branch_at_head_applies_only_that_branch_and_its_ancestors() {
    let p = branched();
    let out = p.run(&["up", "auth@head"]);
    exits(&out, 0);
    assert_eq!(
        applied_lines(&out),
        owned(&[AE1027, AE10F0, FORK, AUTH1, AUTH2]),
        "{out:#?}"
    );
    assert_eq!(current(&p), owned(&[AUTH2]));
    let pending = strings(&current_json(&p)["pending"]);
    assert_eq!(pending, sorted(&[OTHER1, OTHER2]));
}

#[test]
fn down_branch_at_base_rolls_back_only_that_branch() {
    let p = after(branched(), &["up", "heads"]);
    let out = p.run(&["down", "auth@base"]);
    exits(&out, 0);
    assert_eq!(rolled_back_lines(&out), owned(&[AUTH2, AUTH1]), "{out:#?}");
    let db = dev_db(&p);
    assert_eq!(
        recorded(&db),
        sorted(&[AE1027, AE10F0, FORK, OTHER1, OTHER2])
    );
    assert!(!has_table(&db, &format!("t_{AUTH1}")));
    assert!(has_table(&db, &format!("t_{OTHER2}")));
    assert_eq!(current(&p), owned(&[OTHER2]));
}

#[test]
fn stamp_head_records_every_revision_without_running_sql() {
    let p = after(linear(), &["stamp", "head"]);
    let db = dev_db(&p);
    assert_eq!(recorded(&db), sorted(&LINE));
    assert_eq!(revision_tables(&db), Vec::<String>::new(), "stamp ran SQL");
    assert_eq!(current(&p), owned(&[LINE[3]]));
    assert_eq!(
        applied_lines(exits(&p.run(&["up"]), 0)),
        Vec::<String>::new()
    );
}

#[test]
fn stamp_below_the_current_head_removes_what_is_above() {
    let p = applied(linear());
    let out = p.run(&["stamp", LINE[1]]);
    exits(&out, 0);
    let db = dev_db(&p);
    assert_eq!(recorded(&db), sorted(&LINE[..2]));
    // Nothing ran: the tables of the unstamped revisions are still there.
    assert!(has_table(&db, &format!("t_{}", LINE[3])));
    assert_eq!(current(&p), owned(&[LINE[1]]));
}

#[test]
fn stamp_purge_base_empties_the_version_table() {
    let p = applied(linear());
    let out = p.run(&["stamp", "--purge", "base"]);
    exits(&out, 0);
    let db = dev_db(&p);
    assert_eq!(recorded(&db), Vec::<String>::new());
    assert!(has_table(&db, &format!("t_{}", LINE[0])), "stamp ran SQL");
    assert_eq!(current(&p), Vec::<String>::new());
}

#[test]
fn current_verbose_lists_what_is_pending() {
    let p = after(linear(), &["up", "+1"]);
    let out = p.run(&["current", "--verbose"]);
    exits(&out, 0);
    assert_eq!(
        out.stdout.split_whitespace().next(),
        Some(LINE[0]),
        "{out:#?}"
    );
    for id in &LINE[1..] {
        let listed = out.stdout.contains(id) || out.stderr.contains(id);
        assert!(listed, "pending {id} is not listed\n{out:#?}");
    }
    // The heading goes with its list, on stdout (issue 11, item 21).
    out.stdout_has("pending");

    exits(&p.run(&["up"]), 0);
    let out = p.run(&["current", "--verbose"]);
    exits(&out, 0);
    for id in &LINE[..3] {
        assert!(!out.stdout.contains(id), "{id} is not pending\n{out:#?}");
    }
}

#[test]
fn current_as_json_has_current_pending_edited_and_dirty() {
    let p = after(linear(), &["up", "+2"]);
    let json = current_json(&p);
    let object = json.as_object().expect("a json object");
    for field in ["current", "pending", "edited", "dirty"] {
        assert!(object.contains_key(field), "no `{field}` in {json}");
    }
    assert_eq!(strings(&json["current"]), owned(&[LINE[1]]));
    assert_eq!(strings(&json["pending"]), sorted(&LINE[2..]));
    assert_eq!(strings(&json["edited"]), Vec::<String>::new());
    assert!(json["dirty"].is_null(), "{json}");
}

// ---------------------------------------------------------------------------------------
// The version table
// ---------------------------------------------------------------------------------------

/// Every row of `table` has a checksum, a time, a duration, the down section and `applied`.
#[track_caller]
fn assert_rows(db: &Path, table: &str, ids: &[&str]) {
    let rows = sqlite(db, &format!("SELECT * FROM {table} ORDER BY revision"));
    assert_eq!(rows.len(), ids.len(), "{rows:#?}");
    for row in &rows {
        let id = row["revision"].as_str().expect("a revision");
        assert!(ids.contains(&id), "{id} is recorded: {row}");
        let checksum = row["checksum"].as_str().expect("a checksum");
        is_checksum(checksum, &format!("{id} ({row})"));
        let at = row["applied_at"].as_str().expect("applied_at");
        let date = at.get(..10).unwrap_or("");
        assert!(
            date.len() == 10
                && date.as_bytes()[4] == b'-'
                && date.as_bytes()[7] == b'-'
                && date[..4].parse::<u32>().is_ok_and(|y| y >= 2024),
            "applied_at of {id} is no timestamp: {row}"
        );
        assert!(
            row["duration_ms"].as_i64().is_some_and(|d| d >= 0),
            "duration_ms of {id}: {row}"
        );
        assert_eq!(
            row["down_sql"].as_str().map(str::trim),
            Some(format!("DROP TABLE t_{id};").as_str()),
            "down_sql of {id}: {row}"
        );
        assert_eq!(row["state"], "applied", "{row}");
    }
}

#[test]
fn the_version_table_records_each_applied_revision_and_its_layout() {
    let p = applied(linear());
    let db = dev_db(&p);
    assert_rows(&db, VERSION_TABLE, &LINE);
    let meta = sqlite(
        &db,
        "SELECT value FROM schema_version_meta WHERE name = 'layout'",
    );
    assert_eq!(meta.len(), 1, "{meta:?}");
    assert_eq!(meta[0]["value"], 1, "{meta:?}");
}

#[test]
fn a_custom_version_table_name_from_the_metadata_is_used() {
    let p = linear();
    configure(&p, "version-table = \"deploy_log\"\n");
    exits(&p.run(&["up"]), 0);
    let db = dev_db(&p);
    assert_rows(&db, "deploy_log", &LINE);
    let all = tables(&db);
    assert!(all.contains(&"deploy_log_meta".to_string()), "{all:?}");
    assert!(!all.contains(&VERSION_TABLE.to_string()), "{all:?}");
    assert_eq!(
        sqlite(
            &db,
            "SELECT value FROM deploy_log_meta WHERE name = 'layout'"
        )[0]["value"],
        1
    );
    assert_eq!(current(&p), owned(&[LINE[3]]));
    exits(&p.run(&["down", "-1"]), 0);
    assert_eq!(recorded_in(&db, "deploy_log"), sorted(&LINE[..3]));
}

// ---------------------------------------------------------------------------------------
// Failures
// ---------------------------------------------------------------------------------------

#[test]
fn a_failing_statement_names_file_line_revision_and_leaves_no_trace_of_its_revision() {
    let p = linear();
    // LINE[2] is the bad one: its second statement, on line 7, fails.
    let path = write_revision(
        &p,
        LINE[2],
        LINE[1],
        "CREATE TABLE a (id int);\nINSERT INTO nope VALUES (1);",
        Some("DROP TABLE a;"),
    );
    assert!(path.ends_with(revision_file(LINE[2])));

    let out = p.run(&["up"]);
    exits(&out, FAILED);
    error_line_has(
        &out,
        &[
            &format!("{}:7", revision_file(LINE[2])),
            LINE[2],
            "no such table: nope",
        ],
    );
    help_has(&out, "INSERT INTO nope VALUES (1)");
    assert_eq!(applied_lines(&out), owned(&LINE[..2]), "{out:#?}");

    let db = dev_db(&p);
    assert!(
        !has_table(&db, "a"),
        "the failed revision's first statement stuck"
    );
    assert_eq!(recorded(&db), sorted(&LINE[..2]));
    assert_eq!(current(&p), owned(&[LINE[1]]));
    assert!(json_dirty_is_null(&p));
}

fn json_dirty_is_null(p: &TestProject) -> bool {
    current_json(p)["dirty"].is_null()
}

#[test]
fn a_table_that_already_exists_on_the_first_up_suggests_stamp() {
    let p = linear();
    let db = dev_db(&p);
    sqlite_exec(
        &db,
        &format!("CREATE TABLE t_{} (id INTEGER PRIMARY KEY);", LINE[0]),
    );
    let out = p.run(&["up"]);
    exits(&out, FAILED);
    error_line_has(&out, &[LINE[0], "already exists"]);
    help_has(&out, "stamp");
    assert_eq!(recorded(&db), Vec::<String>::new());
}

#[test]
fn a_recorded_revision_whose_file_is_gone_cannot_be_located() {
    let p = applied(linear());
    std::fs::remove_file(p.path().join(revision_file(LINE[3]))).expect("remove");
    for args in [&["up"][..], &["down", "-1"], &["current"]] {
        let out = p.run(args);
        exits(&out, FAILED);
        error_line_has(&out, &["can't locate revision", LINE[3]]);
        let helpful = out.stderr.lines().any(|l| {
            l.starts_with("help:") && (l.contains("sync") || l.contains("check out the branch"))
        });
        assert!(helpful, "no help about `sync` or the branch\n{out:#?}");
    }
    assert_eq!(recorded(&dev_db(&p)), sorted(&LINE));
}

#[test]
fn down_past_an_irreversible_revision_is_refused_before_anything_runs() {
    let p = linear();
    write_revision(
        &p,
        LINE[1],
        LINE[0],
        &format!("CREATE TABLE t_{} (id INTEGER PRIMARY KEY);", LINE[1]),
        None,
    );
    exits(&p.run(&["up"]), 0);
    let out = p.run(&["down", "base"]);
    invalid(&out, &[LINE[1]]);
    assert_eq!(rolled_back_lines(&out), Vec::<String>::new(), "{out:#?}");
    let db = dev_db(&p);
    assert_eq!(recorded(&db), sorted(&LINE), "something was rolled back");
    for id in LINE {
        assert!(has_table(&db, &format!("t_{id}")), "t_{id} was dropped");
    }
    // Above it, going down still works.
    exits(&p.run(&["down", LINE[1]]), 0);
    assert_eq!(recorded(&db), sorted(&LINE[..2]));
}

// ---------------------------------------------------------------------------------------
// Checksums
// ---------------------------------------------------------------------------------------

#[test]
fn an_edited_applied_revision_stops_up_until_allowed_or_accepted() {
    let p = after(linear(), &["up", "+2"]);
    edit_second_revision(&p);
    let file = format!("{}_r_{}.sql", LINE[1], LINE[1]);

    let out = p.run(&["up"]);
    exits(&out, FAILED);
    error_line_has(&out, &[LINE[1], "edited"]);
    help_has(&out, &file);
    help_has(&out, "new revision");
    help_has(&out, "--allow-edited");
    help_has(&out, "repair --checksums");
    assert_eq!(applied_lines(&out), Vec::<String>::new());
    assert_eq!(recorded(&dev_db(&p)), sorted(&LINE[..2]));

    let cur = p.run(&["current"]);
    exits(&cur, 0);
    let warned = cur
        .stderr
        .lines()
        .any(|l| l.starts_with("warning:") && l.contains(LINE[1]) && l.contains("edited"));
    assert!(warned, "current does not warn about the edit\n{cur:#?}");
    assert_eq!(strings(&current_json(&p)["edited"]), owned(&[LINE[1]]));

    let allowed = p.run(&["up", "--allow-edited"]);
    exits(&allowed, 0);
    assert_eq!(applied_lines(&allowed), owned(&LINE[2..]), "{allowed:#?}");

    // --allow-edited holds for one run only.
    exits(&p.run(&["up"]), FAILED);

    exits(&p.run(&["repair", "--checksums"]), 0);
    exits(&p.run(&["up"]), 0);
    let cur = p.run(&["current"]);
    exits(&cur, 0).stderr_lacks("warning:");
    assert_eq!(strings(&current_json(&p)["edited"]), Vec::<String>::new());
}

/// `up` and `current` after a change that must not count as an edit.
#[track_caller]
fn still_unedited(p: &TestProject, change: &str) {
    let out = p.run(&["up"]);
    assert_eq!(out.code, 0, "{change} counted as an edit\n{out:#?}");
    let cur = p.run(&["current"]);
    exits(&cur, 0);
    assert!(
        !cur.stderr.contains("warning:"),
        "{change} counted as an edit\n{cur:#?}"
    );
    assert_eq!(
        strings(&current_json(p)["edited"]),
        Vec::<String>::new(),
        "{change}"
    );
}

#[test]
fn line_endings_whitespace_the_header_and_the_down_section_are_not_edits() {
    let p = applied(linear());

    let crlf = revision_file(LINE[0]);
    let text = p.read(&crlf);
    p.write(&crlf, text.replace('\n', "\r\n"));
    still_unedited(&p, "CRLF line endings");

    let spaced = revision_file(LINE[1]);
    let text = p.read(&spaced);
    p.write(
        &spaced,
        text.replace("PRIMARY KEY);\n", "PRIMARY KEY);   \t\n\n\n")
            .replace("-- migrate:up\n", "-- migrate:up  \n\n"),
    );
    still_unedited(&p, "trailing whitespace and blank lines");

    let message = revision_file(LINE[2]);
    let text = p.read(&message);
    p.write(
        &message,
        text.replace(
            &format!("-- message: revision {}", LINE[2]),
            "-- message: a better description",
        ),
    );
    still_unedited(&p, "a new `-- message:`");

    let down = revision_file(LINE[3]);
    let text = p.read(&down);
    p.write(
        &down,
        text.replace("DROP TABLE t_", "DROP TABLE IF EXISTS t_"),
    );
    still_unedited(&p, "a new down section");
}

// ---------------------------------------------------------------------------------------
// Where the URL comes from
// ---------------------------------------------------------------------------------------

#[test]
fn database_url_flag_picks_the_database() {
    let p = linear();
    let out = p.run(&["up", "--database-url", "sqlite:other.db"]);
    exits(&out, 0).stderr_has("Using SQLite database sqlite:other.db");
    assert_eq!(recorded(&p.path().join("other.db")), sorted(&LINE));
    assert!(!dev_db(&p).exists(), "dev.db was created too");
    let cur = p.run(&["current", "--database-url", "sqlite:other.db"]);
    exits(&cur, 0).stdout_has(LINE[3]);
}

#[test]
fn database_url_from_the_environment_picks_the_database() {
    let p = linear();
    let run = run_with_env(&p, &[("DATABASE_URL", "sqlite:env.db")], &["up"]);
    run.success();
    assert!(run.stderr.contains("sqlite:env.db"), "{run:#?}");
    assert_eq!(recorded(&p.path().join("env.db")), sorted(&LINE));
    assert!(!dev_db(&p).exists(), "dev.db was created too\n{run:#?}");
}

#[test]
fn database_url_from_a_dotenv_file_beside_cargo_toml_picks_the_database() {
    let p = linear();
    let db = p.path().join("dotenv.db");
    p.write(
        ".env",
        format!("# local settings\nDATABASE_URL=sqlite://{}\n", db.display()),
    );
    // Run from a subdirectory: the .env file is found beside Cargo.toml, not in the
    // current directory.
    let out = p.run_in(&p.path().join("src"), &["up"]);
    exits(&out, 0).stderr_has("dotenv.db");
    assert_eq!(recorded(&db), sorted(&LINE));
    assert!(!dev_db(&p).exists(), "dev.db was created too");
}

#[test]
fn database_url_env_in_the_metadata_names_the_variable() {
    let p = linear();
    configure(&p, "database-url-env = \"MY_DB\"\n");
    let run = run_with_env(
        &p,
        &[
            ("MY_DB", "sqlite:mine.db"),
            ("DATABASE_URL", "sqlite:wrong.db"),
        ],
        &["up"],
    );
    run.success();
    assert_eq!(recorded(&p.path().join("mine.db")), sorted(&LINE));
    assert!(
        !p.path().join("wrong.db").exists(),
        "DATABASE_URL was used although database-url-env names MY_DB\n{run:#?}"
    );
    assert!(!dev_db(&p).exists());
}

#[test]
fn database_url_in_the_metadata_is_relative_to_cargo_toml() {
    let p = linear();
    configure(&p, "database-url = \"sqlite:data/app.db\"\n");
    std::fs::create_dir_all(p.path().join("data")).expect("mkdir data");
    let out = p.run_in(&p.path().join("src"), &["up"]);
    exits(&out, 0).stderr_has("data/app.db");
    assert_eq!(recorded(&p.path().join("data/app.db")), sorted(&LINE));
    assert!(!p.path().join("src/data").exists());
    assert!(!dev_db(&p).exists());
}

#[test]
fn the_flag_beats_the_environment_which_beats_the_metadata() {
    let p = linear();
    configure(&p, "database-url = \"sqlite:meta.db\"\n");
    let db = |name: &str| p.path().join(name);

    run_with_env(
        &p,
        &[("DATABASE_URL", "sqlite:env.db")],
        &["up", "+1", "--database-url", "sqlite:flag.db"],
    )
    .success();
    assert_eq!(recorded(&db("flag.db")), owned(&[LINE[0]]));
    assert!(!db("env.db").exists() && !db("meta.db").exists());

    run_with_env(&p, &[("DATABASE_URL", "sqlite:env.db")], &["up", "+2"]).success();
    assert_eq!(recorded(&db("env.db")), sorted(&LINE[..2]));
    assert!(!db("meta.db").exists());

    exits(&p.run(&["up", "+3"]), 0);
    assert_eq!(recorded(&db("meta.db")), sorted(&LINE[..3]));
    assert_eq!(recorded(&db("flag.db")), owned(&[LINE[0]]));
    assert_eq!(recorded(&db("env.db")), sorted(&LINE[..2]));
    assert!(!dev_db(&p).exists());
}

// ---------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------

/// `up --database-url URL` fails (exit 1) with an `error:` line holding `needle`.
#[track_caller]
fn up_fails_with(p: &TestProject, url: &str, needle: &str) -> Output {
    let out = p.run(&["up", "--database-url", url]);
    exits(&out, FAILED);
    error_line_has(&out, &[needle]);
    out
}

#[test]
fn an_unknown_scheme_is_named_and_the_password_never_printed() {
    let p = linear();
    let out = up_fails_with(&p, "oracle://u:secret@h/db", "oracle");
    assert!(
        !out.stderr.contains("secret") && !out.stdout.contains("secret"),
        "the password was printed\n{out:#?}"
    );

    let run = run_with_env(
        &p,
        &[("DATABASE_URL", "oracle://u:secret@h/db")],
        &["current"],
    );
    assert_eq!(run.code, FAILED, "{run:#?}");
    assert!(run.stderr.contains("oracle"), "{run:#?}");
    assert!(
        !run.stderr.contains("secret") && !run.stdout.contains("secret"),
        "the password was printed\n{run:#?}"
    );
    assert!(!dev_db(&p).exists());
}

#[test]
fn a_sqlite_file_in_a_missing_directory_is_a_clear_error() {
    let p = linear();
    let out = up_fails_with(&p, "sqlite:nowhere/app.db", "nowhere/app.db");
    let says_why = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:") || l.starts_with("help:"))
        .any(|l| l.contains("does not exist") || l.contains("no such directory"));
    assert!(
        says_why,
        "the message should say that the directory `nowhere` does not exist\n{out:#?}"
    );
    assert!(!p.path().join("nowhere").exists());
}

#[test]
fn the_table_lock_mode_takes_and_releases_a_lease_row() {
    let p = after(linear(), &["up", "+2", "--lock", "table"]);
    // The lease row is gone after the run, so the next run does not wait for it.
    let rows = sqlite(&dev_db(&p), "SELECT COUNT(*) AS n FROM schema_version_lock");
    assert_eq!(rows[0]["n"], 0, "{rows:?}");
    exits(&p.run(&["down", "-1", "--lock", "table"]), 0);
    assert_eq!(recorded(&dev_db(&p)).len(), 1);
}

#[test]
fn an_expired_lease_left_by_a_crashed_run_is_taken_over() {
    let p = after(linear(), &["up", "+1", "--lock", "table"]);
    sqlite_exec(
        &dev_db(&p),
        "INSERT INTO schema_version_lock (id, owner, expires_at) VALUES (1, 'crashed', 0)",
    );
    exits(&p.run(&["up", "--lock", "table"]), 0);
    assert_eq!(recorded(&dev_db(&p)).len(), LINE.len());
}

#[test]
fn repair_without_arguments_prints_usage() {
    let p = linear();
    let out = p.run(&["repair"]);
    exits(&out, INVALID).stderr_has("Usage:");
    assert!(out.stdout.trim().is_empty(), "{out:#?}");
}

#[test]
fn repair_of_a_revision_that_is_not_recorded_is_refused() {
    let p = after(linear(), &["up", "+1"]);
    let out = p.run(&["repair", LINE[2], "--applied"]);
    invalid(&out, &[LINE[2]]);
    assert_eq!(recorded(&dev_db(&p)), owned(&[LINE[0]]));
}

// ---------------------------------------------------------------------------------------
// transaction:false and concurrency
// ---------------------------------------------------------------------------------------

#[test]
fn a_revision_without_a_transaction_applies_and_is_recorded() {
    let p = linear();
    let id = "5e5e5e5e5e5e";
    p.write(
        &revision_file(id),
        format!(
            "-- revision: {id}\n-- revises: {}\n-- message: no transaction\n\n-- migrate:up transaction:false\nCREATE TABLE nt_one (id INTEGER);\nCREATE INDEX nt_one_id ON nt_one (id);\nCREATE TABLE nt_two (id INTEGER);\n\n-- migrate:down\nDROP TABLE nt_two;\nDROP TABLE nt_one;\n",
            LINE[3]
        ),
    );
    let out = p.run(&["up"]);
    exits(&out, 0);
    assert!(applied_lines(&out).contains(&id.to_string()), "{out:#?}");
    let db = dev_db(&p);
    assert!(has_table(&db, "nt_one") && has_table(&db, "nt_two"));
    let row = sqlite(
        &db,
        &format!("SELECT state, checksum FROM schema_version WHERE revision = '{id}'"),
    );
    assert_eq!(row.len(), 1, "{row:?}");
    assert_eq!(row[0]["state"], "applied");
    assert_eq!(row[0]["checksum"].as_str().map(str::len), Some(64));
    assert_eq!(current(&p), owned(&[id]));

    exits(&p.run(&["down", "-1"]), 0);
    assert!(!has_table(&db, "nt_one") && !has_table(&db, "nt_two"));
    assert_eq!(recorded(&db), sorted(&LINE));
}

#[test]
fn eight_processes_running_up_at_once_apply_every_revision_once() {
    const REVISIONS: usize = 50;
    const PROCESSES: usize = 8;
    let p = TestProject::new();
    let ids: Vec<String> = (0..REVISIONS).map(|i| format!("c0ffee{i:06x}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let insert = format!("INSERT INTO log (rev) VALUES ('{id}');");
        let (revises, up) = if i == 0 {
            (
                String::new(),
                format!("CREATE TABLE log (rev TEXT NOT NULL);\n{insert}"),
            )
        } else {
            (ids[i - 1].clone(), insert)
        };
        let down = if i == 0 {
            "DROP TABLE log;".to_string()
        } else {
            format!("DELETE FROM log WHERE rev = '{id}';")
        };
        write_revision(&p, id, &revises, &up, Some(&down));
    }

    let children: Vec<_> = (0..PROCESSES)
        .map(|_| p.piped(&["up"]).spawn().expect("the binary starts"))
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .enumerate()
        .map(|(n, c)| wait_ok(c, &format!("process {n}")))
        .collect();

    let applied: usize = outputs
        .iter()
        .map(|o| {
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .filter(|l| l.trim_start().starts_with("Applied "))
                .count()
        })
        .sum();
    assert_eq!(applied, REVISIONS, "`Applied` lines over all processes");

    let db = dev_db(&p);
    let log = sqlite(&db, "SELECT rev FROM log ORDER BY rev");
    let mut logged: Vec<String> = log
        .iter()
        .map(|r| r["rev"].as_str().expect("a rev").to_string())
        .collect();
    logged.sort();
    assert_eq!(logged.len(), REVISIONS, "the log has {} rows", logged.len());
    assert_eq!(logged, ids, "each revision ran exactly once");
    assert_eq!(recorded(&db), ids);
    assert_eq!(current(&p), vec![ids[REVISIONS - 1].clone()]);
}

#[test]
fn history_marks_applied_revisions_and_the_current_head_when_a_database_exists() {
    let p = linear();
    // Without a database nothing is marked as pending.
    let out = p.run(&["history"]);
    exits(&out, 0);
    assert!(!out.stdout.contains("o "), "{out:#?}");
    exits(&p.run(&["up", "+2"]), 0);
    let out = p.run(&["history"]);
    exits(&out, 0);
    let line = |id: &str| {
        out.stdout
            .lines()
            .find(|l| l.contains(id))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line(LINE[0]).starts_with("* "), "{out:#?}");
    assert!(
        line(LINE[1]).starts_with("* ") && line(LINE[1]).ends_with("(current)"),
        "{out:#?}"
    );
    assert!(line(LINE[2]).starts_with("o "), "{out:#?}");
    assert!(line(LINE[3]).starts_with("o "), "{out:#?}");
}
