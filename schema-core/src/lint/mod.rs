//! `cargo schema lint`: what each revision does to a live database, **observed** on a
//! rehearsal database rather than guessed from its text.
//!
//! Each linted revision runs on a scratch database of the same kind on the same server, at the
//! revision's parents ([`rehearse`]: cloned from a template named after the ancestors'
//! checksums, built once and kept, so a long or branched history is not replayed per
//! revision). It runs statement by statement, split by the runner's splitter, in its own
//! transaction mode; after each statement the observer of that database reads the catalogs
//! on the same session (PostgreSQL: [`postgres`]: the locks the session holds, the storage of
//! every table, the constraints, the columns, `lock_timeout`; MySQL/MariaDB: [`mysql`]: which
//! ALGORITHM the server accepts for an ALTER TABLE, ENUM/SET values, tables and columns;
//! SQLite: [`sqlite`]: root pages, columns, indexes and foreign keys) and turns what changed
//! into findings. The statement's text only places a finding and shapes its suggestion; there
//! is no SQL parser here.
//!
//! PostgreSQL's rehearsal databases are cloned from kept templates; MySQL/MariaDB and SQLite,
//! which cannot clone a database, replay the revision's ancestors on a fresh scratch database
//! ([`rehearse::Replay`]).
//!
//! A finding is silenced by `-- lint: allow RULE[, RULE] reason` on the comment lines right
//! above a statement, or in the header for the whole revision ([`allow`]); a reason is
//! required. `[package.metadata.schema.lint]` sets each rule's severity ([`Levels`]).

mod allow;
mod mysql;
mod postgres;
mod rehearse;
mod sqlite;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::db::{DatabaseUrl, DbError, Dialect};
use crate::{RevIdx, RevisionGraph};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The rule for a revision that fails on the rehearsal database.
pub const REVISION_FAILS: &str = "revision-fails";
/// The rule for an allow comment without a reason.
pub const ALLOW_WITHOUT_REASON: &str = "lint-allow-without-reason";
/// The rule for an allow comment naming a rule that does not exist.
pub const ALLOW_UNKNOWN_RULE: &str = "lint-allow-unknown-rule";

/// Every rule and its default severity. MySQL's and SQLite's are named here so that the
/// configuration and allow comments may already name them.
pub const RULES: &[(&str, Severity)] = &[
    // PostgreSQL.
    ("require-concurrent-index", Severity::Error),
    ("require-concurrent-index-drop", Severity::Error),
    ("concurrent-index-in-transaction", Severity::Error),
    ("table-rewrite", Severity::Error),
    ("set-not-null-scan", Severity::Error),
    ("constraint-missing-not-valid", Severity::Error),
    ("unique-constraint-without-index", Severity::Error),
    ("access-exclusive-held", Severity::Warning),
    ("missing-lock-timeout", Severity::Warning),
    ("not-null-without-default", Severity::Error),
    // MySQL/MariaDB.
    ("mysql-table-copy", Severity::Error),
    ("enum-reorder", Severity::Error),
    // SQLite. An error: every writer waits (or gets SQLITE_BUSY) for the whole copy; a small
    // table's rebuild is silenced with an allow comment.
    ("sqlite-table-rebuild", Severity::Error),
    // Every backend.
    ("rename-column", Severity::Warning),
    ("rename-table", Severity::Warning),
    ("drop-column", Severity::Warning),
    ("drop-table", Severity::Warning),
    ("fk-without-index", Severity::Warning),
    // The revision itself, and the allow comments.
    (REVISION_FAILS, Severity::Error),
    (ALLOW_WITHOUT_REASON, Severity::Error),
    (ALLOW_UNKNOWN_RULE, Severity::Error),
];

/// The names of every rule.
pub fn rule_names() -> impl Iterator<Item = &'static str> {
    RULES.iter().map(|(name, _)| *name)
}

/// The rule's own spelling (a `&'static str`), when it exists.
pub fn rule(name: &str) -> Option<&'static str> {
    rule_names().find(|r| *r == name)
}

/// What the configuration makes of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Off,
}

/// A `[package.metadata.schema.lint]` entry that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LevelError {
    #[error("`[package.metadata.schema.lint]` names an unknown rule `{rule}`")]
    UnknownRule {
        rule: String,
        suggestion: Option<&'static str>,
    },
    #[error(
        "`[package.metadata.schema.lint]` sets `{rule}` to `{value}`: expected \"error\", \"warning\" or \"off\""
    )]
    UnknownLevel { rule: String, value: String },
}

/// Each rule's severity, or off: the defaults of [`RULES`] with the configuration over them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Levels(BTreeMap<&'static str, Level>);

impl Levels {
    /// The configuration's `RULE = "error" | "warning" | "off"` entries.
    pub fn from_config(table: &BTreeMap<String, String>) -> Result<Levels, LevelError> {
        let mut levels = BTreeMap::new();
        for (name, value) in table {
            let Some(rule) = rule(name) else {
                return Err(LevelError::UnknownRule {
                    rule: name.clone(),
                    suggestion: crate::suggest::closest(name, rule_names()),
                });
            };
            let level = match value.as_str() {
                "error" => Level::Error,
                "warning" => Level::Warning,
                "off" => Level::Off,
                _ => {
                    return Err(LevelError::UnknownLevel {
                        rule: name.clone(),
                        value: value.clone(),
                    });
                }
            };
            levels.insert(rule, level);
        }
        Ok(Levels(levels))
    }

    /// The severity of `rule`'s findings; `None` when it is off.
    pub fn severity(&self, rule: &str) -> Option<Severity> {
        match self.0.get(rule) {
            Some(Level::Error) => Some(Severity::Error),
            Some(Level::Warning) => Some(Severity::Warning),
            Some(Level::Off) => None,
            None => RULES
                .iter()
                .find(|(name, _)| *name == rule)
                .map(|(_, s)| *s)
                .or(Some(Severity::Error)),
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub revision: String,
    /// The revision file.
    pub path: PathBuf,
    /// The 1-based line of the statement's first line in the file.
    pub line: usize,
    /// What happens, in the database's own terms.
    pub message: String,
    /// The safe recipe.
    pub help: Vec<String>,
}

/// What a lint run found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The revisions linted, in topological order.
    pub linted: Vec<String>,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
}

/// Why a lint run could not observe the revisions. A revision that fails on the rehearsal
/// database is not one of these: it is a [`REVISION_FAILS`] finding.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LintError {
    /// No server, or no right to create the rehearsal database.
    #[error("lint cannot use a scratch database on {server}: {source}")]
    Scratch {
        server: String,
        dialect: Dialect,
        #[source]
        source: DbError,
    },
    /// Reading the rehearsal database's catalogs failed.
    #[error("reading the rehearsal database `{database}` failed: {source}")]
    Observe {
        database: String,
        #[source]
        source: DbError,
    },
    /// Interrupted through [`Options::interrupt`]; `what` says what became of the rehearsal
    /// (its database dropped, or its transaction on the template rolled back).
    #[error("interrupted; {what}")]
    Interrupted { what: String },
    #[error("{error}; the rehearsal database `{scratch}` could not be dropped: {drop}")]
    NotDropped {
        error: Box<LintError>,
        scratch: String,
        drop: String,
    },
}

impl LintError {
    /// What to do about it.
    pub fn help(&self) -> Option<String> {
        match self {
            LintError::Scratch { dialect, .. } => Some(scratch_help(*dialect)),
            LintError::NotDropped { scratch, .. } => Some(format!(
                "drop it by hand when no session uses it: `DROP DATABASE {scratch};`"
            )),
            _ => None,
        }
    }
}

/// What lint needs on the server.
fn scratch_help(dialect: Dialect) -> String {
    let scratch = crate::scratch::PREFIX;
    match dialect {
        Dialect::Postgres => format!(
            "lint rehearses each revision on a scratch database (`{scratch}…`, always dropped) cloned from a kept template (`{}…`) on the same server: the user needs CREATE DATABASE, that is the CREATEDB privilege (`ALTER ROLE … CREATEDB`)",
            rehearse::TEMPLATE_PREFIX
        ),
        Dialect::MySql => format!(
            "lint rehearses each revision on a scratch database (`{scratch}…`, always dropped) on the same server: the user needs the CREATE and DROP privileges on `cargo\\_schema\\_%`.*"
        ),
        Dialect::Sqlite => {
            "lint rehearses each revision on an in-memory SQLite database".to_string()
        }
    }
}

/// How a lint run goes.
#[derive(Debug, Clone)]
pub struct Options {
    /// The version table the templates are migrated with (the project's).
    pub version_table: String,
    pub levels: Levels,
    /// The project's `lock-timeout` and `statement-timeout`: each revision is rehearsed with
    /// them set as `up` sets them (`SET LOCAL` in its transaction, for the session outside
    /// one), so a configured lock timeout is one (`missing-lock-timeout`).
    pub timeouts: crate::backend::Timeouts,
    /// Interrupts the run (the CLI's Ctrl-C and SIGTERM): the rehearsal database is dropped
    /// and the run ends with [`LintError::Interrupted`].
    pub interrupt: crate::scratch::Interrupt,
}

/// Lints `revisions` (indexes into `graph`, in topological order) on rehearsal databases on
/// `server`'s server. An interruption through [`Options::interrupt`] drops the rehearsal
/// database and ends with [`LintError::Interrupted`].
pub async fn lint(
    graph: &RevisionGraph,
    server: &DatabaseUrl,
    revisions: &[RevIdx],
    options: &Options,
) -> Result<Report, LintError> {
    let mut report = Report::default();
    if revisions.is_empty() {
        return Ok(report);
    }
    let mut rehearsal = rehearse::Rehearser::open(server, graph, options).await?;
    let mut result = Ok(());
    for &index in revisions {
        let rev = &graph.node(index).revision;
        report.linted.push(rev.id.clone());
        match rehearsal.revision(graph, index).await {
            Ok(observed) => report
                .findings
                .extend(findings(rev, observed, &options.levels)),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    rehearsal.close().await;
    result.map(|()| report)
}

/// Turns what the observer saw into findings: placed in the file, silenced by the allow
/// comments, at the configured severity; the allow comments' own problems added.
fn findings(
    rev: &crate::Revision,
    observed: Vec<Observed>,
    levels: &Levels,
) -> impl Iterator<Item = Finding> {
    let text = std::fs::read_to_string(&rev.path).unwrap_or_default();
    let allows = allow::Allows::read(&text, rev);
    let mut raw: Vec<Observed> = allows.problems();
    raw.extend(
        observed
            .into_iter()
            .filter(|o| !allows.silences(o.rule, o.line)),
    );
    raw.sort_by_key(|o| o.line);
    let (id, path) = (rev.id.clone(), rev.path.clone());
    raw.into_iter().filter_map(move |o| {
        Some(Finding {
            severity: levels.severity(o.rule)?,
            rule: o.rule,
            revision: id.clone(),
            path: path.clone(),
            line: o.line,
            message: o.message,
            help: o.help,
        })
    })
}

/// The statement's first two words (`ALTER TABLE`, `RENAME TABLE`), for messages.
fn first_two_words(sql: &str) -> String {
    sql.split_whitespace()
        .take(2)
        .map(str::to_uppercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The finding for a statement (`verb`, on `line`) that fails on the rehearsal database.
fn statement_fails(line: usize, verb: &str, e: &sqlx::Error) -> Observed {
    Observed {
        rule: REVISION_FAILS,
        line,
        message: format!(
            "{verb} fails on the rehearsal database: {}",
            rehearse::message(e)
        ),
        help: vec![
            "fix the statement: the revision would fail the same way on the real database".into(),
        ],
    }
}

/// What an observer saw one statement do, before silencing and severities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Observed {
    pub rule: &'static str,
    /// The statement's first line in the file.
    pub line: usize,
    pub message: String,
    pub help: Vec<String>,
}
