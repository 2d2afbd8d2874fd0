//! The lint corpora, tests/lint-corpus/<backend>: a base revision creating tables with rows,
//! then cases that each revise it (a few in chains of two), each one rule or one look-alike that
//! must not be flagged. `cargo schema lint --format json` on a fresh database lints every
//! revision and must report, for each, exactly the rules its `[[case]]` in expected.toml lists:
//! no more, no fewer. bench/lint-vs-squawk.sh compares the PostgreSQL corpus with squawk.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cargo_schema_e2e::db::{Server, TestDatabase, run_on, url_with_password};
use cargo_schema_e2e::{Output, TestProject, test_database};
use serde_json::Value;

/// The rules that are warnings by default (every backend's, and the two about how long a lock
/// is held or waited for); all others are errors.
const WARNINGS: [&str; 7] = [
    "access-exclusive-held",
    "missing-lock-timeout",
    "rename-column",
    "rename-table",
    "drop-column",
    "drop-table",
    "fk-without-index",
];

/// tests/lint-corpus/<backend>.
fn corpus(backend: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("lint-corpus")
        .join(backend)
}

/// One `[[case]]` of expected.toml.
struct Case {
    file: String,
    rules: BTreeSet<String>,
    why: String,
}

/// expected.toml's cases by revision.
fn expected(backend: &str) -> BTreeMap<String, Case> {
    let text =
        std::fs::read_to_string(corpus(backend).join("expected.toml")).expect("expected.toml");
    let doc: toml_edit::DocumentMut = text.parse().expect("expected.toml is TOML");
    let cases = doc["case"]
        .as_array_of_tables()
        .expect("expected.toml has [[case]] tables");
    let field = |case: &toml_edit::Table, key: &str| -> String {
        case.get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("a [[case]] without a string `{key}`"))
            .to_owned()
    };
    let mut out = BTreeMap::new();
    for case in cases {
        let rules = case
            .get("rules")
            .and_then(|v| v.as_array())
            .expect("a [[case]] without `rules`")
            .iter()
            .map(|r| r.as_str().expect("rule names are strings").to_owned())
            .collect();
        let revision = field(case, "revision");
        let previous = out.insert(
            revision.clone(),
            Case {
                file: field(case, "file"),
                rules,
                why: field(case, "why"),
            },
        );
        assert!(previous.is_none(), "{revision} is listed twice");
    }
    out
}

/// The corpus copied into a throwaway project (its files only: no target, no lock file).
fn project(backend: &str) -> TestProject {
    let p = TestProject::bare();
    p.write(
        "Cargo.toml",
        std::fs::read(corpus(backend).join("Cargo.toml")).expect("Cargo.toml"),
    );
    p.write("src/lib.rs", "");
    let migrations = corpus(backend).join("migrations");
    let mut files = 0;
    for entry in std::fs::read_dir(&migrations).expect("migrations/") {
        let path = entry.expect("an entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("a name");
        p.write(
            &format!("migrations/{name}"),
            std::fs::read(&path).expect("a revision file"),
        );
        files += 1;
    }
    assert!(files > 1, "the corpus has a base and cases");
    p
}

fn string<'a>(finding: &'a Value, key: &str) -> &'a str {
    finding[key]
        .as_str()
        .unwrap_or_else(|| panic!("a finding without a string `{key}`: {finding}"))
}

#[test]
fn every_postgres_corpus_revision_gets_exactly_the_expected_findings() {
    let db: TestDatabase = test_database!(Server::Postgres);
    let url = url_with_password(&db);
    assert!(
        expected("postgres").len() > 60,
        "the PostgreSQL corpus has a base and at least 60 cases"
    );
    let p = project("postgres");
    let out = run_on(&p, &url, &["lint", "--format", "json"]);
    compare("postgres", &out);
}

#[test]
fn every_mariadb_corpus_revision_gets_exactly_the_expected_findings() {
    let db: TestDatabase = test_database!(Server::MySql);
    let p = project("mysql");
    let out = run_on(&p, &db.url(), &["lint", "--format", "json"]);
    compare("mysql", &out);
}

#[test]
fn every_sqlite_corpus_revision_gets_exactly_the_expected_findings() {
    // The corpus configures `sqlite:dev.db`, which does not exist yet: every revision is linted.
    let p = project("sqlite");
    let out = p.run(&["lint", "--format", "json"]);
    compare("sqlite", &out);
}

/// Asserts that `out`, lint's JSON on a fresh database, reports exactly expected.toml's rules
/// for each revision of the corpus, with the file, a line and the rule's default severity.
#[track_caller]
fn compare(backend: &str, out: &Output) {
    let cases = expected(backend);
    // Every corpus has error findings: exit 1.
    out.code(1);
    let json = out.json();
    assert_eq!(json["ok"], Value::Bool(false), "{json:#}");

    // Nothing is applied on the fresh database: every revision is linted.
    let linted: BTreeSet<&str> = json["linted"]
        .as_array()
        .expect("`linted` is an array")
        .iter()
        .map(|r| r.as_str().expect("revision ids are strings"))
        .collect();
    let all: BTreeSet<&str> = cases.keys().map(String::as_str).collect();
    assert_eq!(linted, all, "the revisions linted");

    let mut found: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for finding in json["findings"].as_array().expect("`findings` is an array") {
        let revision = string(finding, "revision");
        let rule = string(finding, "rule");
        let Some(case) = cases.get(revision) else {
            wrong.push(format!("a finding for an unknown revision: {finding}"));
            continue;
        };
        if string(finding, "file") != case.file {
            wrong.push(format!(
                "{revision}: file should be {}: {finding}",
                case.file
            ));
        }
        if finding["line"].as_u64().is_none_or(|l| l == 0) {
            wrong.push(format!("{revision}: line should be 1-based: {finding}"));
        }
        let severity = if WARNINGS.contains(&rule) {
            "warning"
        } else {
            "error"
        };
        if string(finding, "severity") != severity {
            wrong.push(format!(
                "{revision}: {rule} should be a {severity}: {finding}"
            ));
        }
        if string(finding, "message").is_empty() {
            wrong.push(format!("{revision}: {rule} without a message"));
        }
        found.entry(revision).or_default().insert(rule.to_owned());
    }
    for (revision, case) in &cases {
        let got = found.remove(revision.as_str()).unwrap_or_default();
        if got != case.rules {
            let missing: Vec<_> = case.rules.difference(&got).collect();
            let extra: Vec<_> = got.difference(&case.rules).collect();
            wrong.push(format!(
                "{} ({}): missing {missing:?}, extra {extra:?}",
                case.file, case.why
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} differences from tests/lint-corpus/{backend}/expected.toml:\n{}\n\nstderr:\n{}",
        wrong.len(),
        wrong.join("\n"),
        out.stderr
    );
}
