//! Lint findings as the CLI shows them (`lint`, `check`, `new --autogenerate`), and the lint
//! of the revisions a database has not applied.

use console::style;
use schema_core::db::{DatabaseUrl, Dialect};
use schema_core::lint::{self, Finding, LintError, Report, Severity};
use schema_core::{Project, RevIdx};

use crate::error::CliError;
use crate::output::Out;

/// The options of a lint of `project`: its version table, configured severities (a bad
/// `[package.metadata.schema.lint]` is exit 2) and timeouts (`lock-timeout`,
/// `statement-timeout`, set on each rehearsed revision as `up` sets them).
pub fn options(project: &Project) -> Result<lint::Options, CliError> {
    Ok(lint::Options {
        version_table: project.config.version_table.clone(),
        levels: lint::Levels::from_config(&project.config.lint)?,
        timeouts: schema_core::backend::Timeouts {
            lock: project.config.lock_timeout,
            statement: project.config.statement_timeout,
        },
        interrupt: Default::default(),
    })
}

/// The revision file as the project names it: relative to the project root.
pub fn file(project: &Project, f: &Finding) -> String {
    f.path
        .strip_prefix(&project.config.root)
        .unwrap_or(&f.path)
        .display()
        .to_string()
}

/// One finding, cargo-style, on stderr:
/// `error[rule]: message`, `  --> file:line (revision id)`, `  help: …`.
pub fn print(project: &Project, f: &Finding) {
    let head = match f.severity {
        Severity::Error => style(format!("error[{}]", f.rule)).red().bold(),
        Severity::Warning => style(format!("warning[{}]", f.rule)).yellow().bold(),
    }
    .for_stderr();
    eprintln!("{head}: {}", f.message);
    eprintln!(
        "  {} {}:{} (revision {})",
        style("-->").blue().bold().for_stderr(),
        file(project, f),
        f.line,
        f.revision
    );
    for h in &f.help {
        eprintln!("  {} {h}", style("help:").cyan().bold().for_stderr());
    }
}

/// One finding on one line: `file:line: error[rule]: message` (check's JSON).
pub fn one_line(project: &Project, f: &Finding) -> String {
    format!(
        "{}:{}: {}[{}]: {}",
        file(project, f),
        f.line,
        f.severity.as_str(),
        f.rule,
        f.message
    )
}

/// A finding in `lint --format json`.
pub fn json(project: &Project, f: &Finding) -> serde_json::Value {
    serde_json::json!({
        "rule": f.rule,
        "severity": f.severity.as_str(),
        "revision": f.revision,
        "file": file(project, f),
        "line": f.line,
        "message": f.message,
        "help": f.help,
    })
}

/// Lints `revisions` on rehearsal databases on `url`'s server; Ctrl-C and SIGTERM drop the
/// rehearsal database and end it with [`LintError::Interrupted`].
pub async fn run(
    project: &Project,
    url: &DatabaseUrl,
    revisions: &[RevIdx],
    options: &lint::Options,
) -> Result<Report, LintError> {
    let options = lint::Options {
        interrupt: crate::scratch::interrupt(),
        ..options.clone()
    };
    lint::lint(&project.graph, url, revisions, &options).await
}

/// Whether lint can observe revisions on this database: every kind (PostgreSQL, MySQL/MariaDB,
/// SQLite) has its observer.
pub fn observed(url: &DatabaseUrl) -> bool {
    matches!(
        url.dialect,
        Dialect::Postgres | Dialect::MySql | Dialect::Sqlite
    )
}

/// Prints the findings of a lint that is part of another command (`new --autogenerate`),
/// or why it did not run; never fails that command.
pub fn print_report(project: &Project, result: Result<Report, LintError>, out: Out) {
    match result {
        Ok(report) if report.findings.is_empty() => {
            out.status("Linted", "the new revision: no findings");
        }
        Ok(report) => {
            for f in &report.findings {
                print(project, f);
            }
            out.warn(format!(
                "lint: {} error(s), {} warning(s) in the new revision",
                report.errors(),
                report.warnings()
            ));
        }
        Err(e) => out.warn(format!("the new revision was not linted: {e}")),
    }
}
