//! A revision's sections as statements: split, checked before a run, and how each runs
//! (in a transaction or not, SQLite's foreign-keys-off recipe).

use super::*;

/// "revision" or "rolling back revision", for messages about a step.
pub(super) fn running(direction: Direction) -> &'static str {
    match direction {
        Direction::Up => "revision",
        Direction::Down => "rolling back revision",
    }
}

/// `up` or `down`.
pub fn section_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Up => "up",
        Direction::Down => "down",
    }
}

/// A section that cannot run as written: refused before the first statement of a run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {problem} (the {} section of revision `{revision}`)", path.display(), section_name(*direction))]
pub struct SectionError {
    pub revision: String,
    pub path: PathBuf,
    pub line: usize,
    pub direction: Direction,
    pub problem: SectionProblem,
}

/// What is wrong with a section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SectionProblem {
    /// The splitter found something left open.
    #[error(transparent)]
    Unterminated(#[from] split::Unterminated),
    /// `COMMIT`, `BEGIN`, … in a section cargo-schema runs in a transaction of its own: a
    /// later failure could not undo what ran before it.
    #[error(
        "`{keyword}` controls the transaction, but this section runs inside the transaction cargo-schema opens for it"
    )]
    TransactionControl { keyword: String },
    /// A section that runs outside a transaction (`transaction:false`, or MySQL's DDL) asked
    /// of a connection already inside its caller's transaction (a test in transaction mode).
    #[error(
        "this section runs outside a transaction, which cannot happen inside the test's transaction (transaction mode): use a database per test (TestDatabase, or #[schema_core::test] without `transaction`) to step through it"
    )]
    OutsideTransaction,
}

/// The statement's leading keyword(s) when it begins, ends or nests a transaction:
/// `BEGIN`, `COMMIT`, `ROLLBACK`, `END`, `ABORT`, `START TRANSACTION`, `SAVEPOINT`, `RELEASE`,
/// `PREPARE TRANSACTION`. Trigger and routine bodies are inside their `CREATE` statement (the
/// splitter keeps them whole), so their `BEGIN … END` never leads a statement.
pub(super) fn transaction_control(sql: &str) -> Option<String> {
    let mut words = leading_words(sql, 2).into_iter();
    let first = words.next()?;
    let second = words.next().unwrap_or_default();
    match first.as_str() {
        "BEGIN" | "COMMIT" | "ROLLBACK" | "END" | "ABORT" | "SAVEPOINT" | "RELEASE" => Some(first),
        "START" | "PREPARE" if second == "TRANSACTION" => Some(format!("{first} {second}")),
        _ => None,
    }
}

/// Whether the statement is DDL that MySQL commits by itself, committing first what the
/// session's transaction holds: `CREATE`, `ALTER`, `DROP`, `RENAME`, `TRUNCATE` (not
/// temporary tables, which commit nothing; after those the caller commits).
pub(super) fn commits_before_itself(sql: &str) -> bool {
    let words = leading_words(sql, 1);
    words.first().is_some_and(|w| {
        matches!(
            w.as_str(),
            "CREATE" | "ALTER" | "DROP" | "RENAME" | "TRUNCATE"
        )
    })
}

/// Up to `n` leading words of a statement, upper-cased, reading past comments between them
/// (`START /* why */ TRANSACTION`); stops at anything else.
pub(super) fn leading_words(sql: &str, n: usize) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = sql;
    while words.len() < n {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if end == 0 {
                break;
            }
            let (word, after) = rest.split_at(end);
            words.push(word.to_ascii_uppercase());
            rest = after;
        }
    }
    words
}

/// Whether a revision's sections run in a transaction on `dialect` (the down section runs the
/// way the up section did; MySQL's DDL commits by itself, so there never).
pub fn runs_in_transaction(rev: &Revision, dialect: Dialect) -> bool {
    rev.up.transaction && dialect.transactional_ddl()
}

/// Splits a section's SQL (its first line is `first_line`), refusing what cannot run as
/// written: something the splitter finds left open, and transaction control in a section
/// that runs in a transaction.
pub(super) fn checked_statements(
    sql: &str,
    first_line: usize,
    dialect: Dialect,
    transactional: bool,
) -> Result<Vec<Statement>, (usize, SectionProblem)> {
    let (statements, unterminated) = match split::split_checked(sql, dialect, first_line) {
        Ok(statements) => (statements, None),
        Err(e) => (split::split(sql, dialect, first_line), Some(e)),
    };
    // The first problem in the file is the one reported.
    if transactional
        && let Some((stmt, keyword)) = statements
            .iter()
            .take_while(|s| unterminated.as_ref().is_none_or(|e| s.line < e.line))
            .find_map(|s| transaction_control(&s.sql).map(|k| (s, k)))
    {
        return Err((stmt.line, SectionProblem::TransactionControl { keyword }));
    }
    match unterminated {
        Some(e) => Err((e.line, SectionProblem::Unterminated(e.kind))),
        None => Ok(statements),
    }
}

/// The statements of a revision's up or down section on `dialect` (none when it has no down
/// section), or why the section cannot run as written. Every step of a plan goes through this
/// before the first statement of the run; `check` and `up --sql` use it too.
pub fn section_statements(
    rev: &Revision,
    direction: Direction,
    dialect: Dialect,
) -> Result<Vec<Statement>, SectionError> {
    let section = match direction {
        Direction::Up => Some(&rev.up),
        Direction::Down => rev.down.as_ref(),
    };
    let Some(section) = section else {
        return Ok(Vec::new());
    };
    checked_statements(
        &section.sql,
        section.line + 1,
        dialect,
        runs_in_transaction(rev, dialect),
    )
    .map_err(|(line, problem)| SectionError {
        revision: rev.id.clone(),
        path: rev.path.clone(),
        line,
        direction,
        problem,
    })
}

/// SQLite's recipe for the table changes `ALTER TABLE` cannot make (make the new table, copy,
/// drop the old, rename) needs foreign keys off, or dropping the old table deletes or orphans
/// the rows that reference it; inside a transaction SQLite ignores that pragma. So a SQLite
/// section whose first statement is `PRAGMA foreign_keys = OFF` runs like this: the pragma
/// before the transaction begins, `PRAGMA foreign_key_check` before it commits (a violation
/// fails the revision), and foreign keys back as they were afterwards.
pub fn foreign_keys_off(dialect: Dialect, section: &str) -> bool {
    if !dialect.foreign_keys_pragma() {
        return false;
    }
    let Some(first) = split::split(section, dialect, 1).into_iter().next() else {
        return false;
    };
    let words: String = first
        .sql
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    matches!(
        words.as_str(),
        "pragmaforeign_keys=off"
            | "pragmaforeign_keys=0"
            | "pragmaforeign_keys=false"
            | "pragmaforeign_keys=no"
    )
}
