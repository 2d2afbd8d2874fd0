//! The CLI's one error type: what went wrong, what to do, and the exit code. Every library
//! error is turned into one here, at one boundary.

use schema_core::Direction;
use schema_core::autogen::AutogenError;
use schema_core::db::{DbError, EnvFileError, ResolveUrlError};
use schema_core::graph::GraphError;
use schema_core::import::{AdoptError, Format, ImportError};
use schema_core::init::InitError;
use schema_core::lint::{LevelError, LintError};
use schema_core::migrate::{MigrateError, Report, SectionError, SectionProblem, section_name};
use schema_core::revision::ParseError;
use schema_core::{ConfigError, LoadError, NewError, PlanError, ProjectError, ResolveError};

/// Exit code 1: the work failed.
pub const FAILED: i32 = 1;
/// Exit code 2: the request was invalid.
pub const INVALID: i32 = 2;

/// One `error:` line with its `help:` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub help: Vec<String>,
}

/// One or more diagnostics and the exit code they lead to.
#[derive(Debug)]
pub struct CliError {
    pub diagnostics: Vec<Diagnostic>,
    pub code: i32,
    /// The library error's chain of causes (`std::error::Error::source`), printed under
    /// `--verbose` as `Caused by:` lines.
    pub causes: Vec<String>,
}

impl CliError {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Self::of(
            code,
            vec![Diagnostic {
                message: message.into(),
                help: Vec::new(),
            }],
        )
    }

    /// Several diagnostics with one exit code.
    pub fn of(code: i32, diagnostics: Vec<Diagnostic>) -> Self {
        CliError {
            diagnostics,
            code,
            causes: Vec::new(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(INVALID, message)
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        if let Some(d) = self.diagnostics.last_mut() {
            d.help.push(help.into());
        }
        self
    }
}

/// How a library error becomes a [`CliError`]: its message, its help lines and its exit
/// code, decided in one place per error type. The `From` impls below add the chain of causes.
trait Route: std::error::Error + Sized {
    fn route(e: Self) -> CliError;
}

/// `From<E> for CliError` for every routed error `E`: the route, then the causes.
macro_rules! routed {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for CliError {
            fn from(e: $error) -> Self {
                let causes = causes(&e);
                let mut err = Route::route(e);
                err.causes = causes;
                err
            }
        }
    )*};
}

routed!(
    LoadError,
    GraphError,
    ProjectError,
    ResolveError,
    PlanError,
    NewError,
    InitError,
    ConfigError,
    ResolveUrlError,
    DbError,
    MigrateError,
    AutogenError,
    LintError,
    LevelError,
    ImportError,
    AdoptError
);

/// The messages of an error's sources, outermost first, leaving out those that only repeat
/// the message before them (a transparent wrapper).
fn causes(e: &dyn std::error::Error) -> Vec<String> {
    let mut seen = vec![e.to_string()];
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !seen.contains(&text) {
            seen.push(text);
        }
        next = cause.source();
    }
    seen.remove(0);
    seen
}

fn parse_error(e: &ParseError) -> Diagnostic {
    Diagnostic {
        message: e.to_string(),
        help: e.kind.help().into_iter().collect(),
    }
}

impl Route for LoadError {
    fn route(e: Self) -> CliError {
        match e {
            LoadError::Parse { errors } => CliError::of(
                INVALID,
                errors.iter().map(parse_error).collect(),
            ),
            LoadError::Links { links, errors } => CliError::of(
                INVALID,
                links
                    .iter()
                    .map(|l| Diagnostic {
                        message: l.to_string(),
                        help: vec![l.help()],
                    })
                    .chain(errors.iter().map(parse_error))
                    .collect(),
            ),
            LoadError::MissingDirectory { .. } => CliError::invalid(e.to_string()).help(
                "run `cargo schema init` to create it, or set `migrations` in [package.metadata.schema]",
            ),
            LoadError::Io { .. } => CliError::new(FAILED, e.to_string()),
            _ => CliError::new(FAILED, e.to_string()),
        }
    }
}

impl Route for GraphError {
    fn route(e: Self) -> CliError {
        let help = match &e {
            GraphError::DuplicateId { .. } => {
                "every revision needs its own id: give one of them a new `-- revision:`, and update the files that revise it"
            }
            GraphError::UnknownParent { .. } => {
                "check the id in `-- revises:`, or restore the revision file (a branch switch or a merge may have removed it)"
            }
            GraphError::UnknownDependency { .. } => {
                "`-- depends-on:` takes revision ids or branch labels that exist in the migrations directory"
            }
            GraphError::Cycle { .. } => {
                "a revision cannot be its own ancestor: fix `-- revises:` or `-- depends-on:` in one of them"
            }
            GraphError::DuplicateLabel { .. } => {
                "a branch label belongs to one revision: rename one of them"
            }
            GraphError::LabelIsRevision { .. } => "rename the label so targets are not ambiguous",
            _ => "",
        };
        let err = CliError::invalid(e.to_string());
        if help.is_empty() { err } else { err.help(help) }
    }
}

impl Route for ProjectError {
    fn route(e: Self) -> CliError {
        match e {
            ProjectError::Load(e) => e.into(),
            ProjectError::Graph(e) => e.into(),
            other => CliError::new(FAILED, other.to_string()),
        }
    }
}

impl Route for ResolveError {
    fn route(e: Self) -> CliError {
        let help: &[&str] = match &e {
            ResolveError::Syntax { .. } => &[
                "a target is `head`, `heads`, `base`, a revision id or prefix, `+N`/`-N`, `REV+N`, or `BRANCH@head`",
            ],
            ResolveError::NoSuchRevision { .. } => {
                &["`cargo schema history` lists the revisions and `cargo schema heads` the heads"]
            }
            ResolveError::AmbiguousPrefix { .. } => &["use more characters of the id"],
            ResolveError::MultipleHeads { .. } => &[
                "name one of them, or `heads` for all of them",
                "`cargo schema merge -m \"merge heads\"` joins them with a merge revision",
            ],
            ResolveError::AmbiguousWalk { .. } | ResolveError::MultipleCurrent { .. } => {
                &["name the revision to go to instead of a relative step"]
            }
            ResolveError::CantLocate { .. } => &[
                "the database was migrated from files this checkout does not have: check out the branch that has them, or run `cargo schema sync`",
            ],
            _ => &[],
        };
        let code = match e {
            ResolveError::CantLocate { .. } => FAILED,
            _ => INVALID,
        };
        let mut err = CliError::new(code, e.to_string());
        if let ResolveError::NoSuchRevision {
            suggestion: Some(s),
            ..
        } = &e
        {
            err = err.help(format!("did you mean `{s}`?"));
        }
        for h in help {
            err = err.help(*h);
        }
        err
    }
}

impl Route for PlanError {
    fn route(e: Self) -> CliError {
        match e {
            PlanError::Resolve(e) => e.into(),
            PlanError::Irreversible { ref path, .. } => {
                CliError::invalid(e.to_string()).help(format!(
                    "add a `-- migrate:down` section to {}, or stop above this revision",
                    path.display()
                ))
            }
            other => CliError::invalid(other.to_string()),
        }
    }
}

impl Route for NewError {
    fn route(e: Self) -> CliError {
        match e {
            NewError::Resolve(e) => e.into(),
            NewError::MultipleHeads { .. } => CliError::invalid(e.to_string())
                .help("join them first with `cargo schema merge -m \"merge heads\"`")
                .help("or build on one of them with `--head REV`"),
            NewError::NotAHead { .. } => CliError::invalid(e.to_string())
                .help("pass `--splice` to start a new branch from it"),
            NewError::UnknownTemplate { ref available, .. } => {
                let available = available.join(", ");
                CliError::invalid(e.to_string())
                    .help(format!("the templates are: {available}"))
            }
            NewError::Runaway { .. } => CliError::invalid(e.to_string())
                .help("a template renders one revision file: look for a loop that runs too long (`range(…)`), a macro that calls itself, or text multiplied too often"),
            NewError::InvalidRendering { .. } => CliError::invalid(e.to_string())
                .help("a template must render the `-- revision:` and `-- revises:` header and a `-- migrate:up` marker"),
            NewError::Io { .. } => CliError::new(FAILED, e.to_string()),
            other => CliError::invalid(other.to_string()),
        }
    }
}

impl Route for ImportError {
    fn route(e: Self) -> CliError {
        let err = match &e {
            ImportError::Io { .. } => return CliError::new(FAILED, e.to_string()),
            ImportError::NoPython { .. } | ImportError::AlembicMissing { .. } => {
                return CliError::new(FAILED, e.to_string())
                    .help("install Alembic into the Python that has your project's packages: `python3 -m pip install alembic` (with your database driver)")
                    .help("or name that Python: `CARGO_SCHEMA_PYTHON=.venv/bin/python cargo schema import alembic` (a `.venv/` or `venv/` in the project is found by itself)");
            }
            ImportError::AlembicFailed { .. } => {
                return CliError::new(FAILED, e.to_string()).help(
                    "nothing was written: fix the environment until `alembic upgrade head --sql` works, then import again",
                );
            }
            ImportError::Render { source, .. } => {
                let help = match **source {
                    NewError::Render { .. } | NewError::InvalidRendering { .. } => {
                        "the project's `revision.sql.j2` template must write `transaction:{{ transaction }}`-style up markers and leave out the down section when `irreversible` is set; or remove the override"
                    }
                    _ => "nothing was written",
                };
                return CliError::invalid(e.to_string()).help(help);
            }
            _ => CliError::invalid(e.to_string()),
        };
        match e {
            ImportError::UnknownFormat { suggestion, .. } => {
                let err = match suggestion {
                    Some(s) => err.help(format!("did you mean `{s}`?")),
                    None => err,
                };
                err.help(format!(
                    "the formats are: {}",
                    Format::ALL.map(Format::name).join(", ")
                ))
            }
            ImportError::NoAlembicIni { .. } => err
                .help("run it in the Alembic project, or name its `alembic.ini` or its script directory: `cargo schema import alembic PATH`"),
            ImportError::NoScriptLocation { .. } => err.help(
                "add `script_location = %(here)s/alembic` under `[alembic]`, or name the script directory: `cargo schema import alembic PATH`",
            ),
            ImportError::NoMigrations { format, others, .. } => {
                let err = match others.as_slice() {
                    [] => err,
                    [o] => err.help(format!(
                        "it holds {o} migrations: `cargo schema import {o} DIR`"
                    )),
                    many => err.help(format!(
                        "it holds migrations in the layout of {}: name that tool",
                        many.iter().map(|f| f.name()).collect::<Vec<_>>().join(" or ")
                    )),
                };
                err.help(format!("{} (nothing was written)", layout(format)))
            }
            ImportError::NoDir { format, .. } => err
                .help(format!("name the directory: `cargo schema import {format} PATH`"))
                .help(layout(format)),
            ImportError::SameDir { format, ref dir } => err
                .help(format!(
                    "move the {format} files out first: `git mv {0} {format}-migrations && cargo schema import {format} {format}-migrations`",
                    dir.display()
                ))
                .help("or set another directory: `migrations = \"schema/migrations\"` in `[package.metadata.schema]`"),
            ImportError::BadVersion { .. } | ImportError::InvalidId { .. } => err.help(
                "a revision id is ASCII letters, digits and `_`; rename the file to the tool's version format, or leave it out of the directory you import",
            ),
            ImportError::SameVersion { .. } => {
                err.help("the tool itself would refuse two migrations of one version: rename one")
            }
            ImportError::Unsupported { help, .. } => err.help(help),
            ImportError::Collisions { .. } => err
                .help("nothing was written: these revisions are imported already, or remove or rename the files in the way"),
            ImportError::RoundTrip { .. } => err.help(
                "a line starting with `-- migrate:` in the tool's SQL would start a section here: reword that comment",
            ),
            _ => err,
        }
    }
}

/// What a tool's migration directory holds.
fn layout(format: Format) -> &'static str {
    match format {
        Format::Sqlx => {
            "sqlx: `<VERSION>_<name>.sql`, or `<VERSION>_<name>.up.sql` and `.down.sql`"
        }
        Format::Diesel => {
            "diesel: one folder per migration, `<VERSION>_<name>/up.sql` and `down.sql`"
        }
        Format::Refinery => "refinery: `V<N>__<name>.sql`",
        Format::Dbmate => {
            "dbmate: `<VERSION>_<name>.sql` with `-- migrate:up` and `-- migrate:down`"
        }
        Format::GolangMigrate => "golang-migrate: `<VERSION>_<name>.up.sql` and `.down.sql`",
        Format::Flyway => "Flyway: `V<VERSION>__<name>.sql`, `U<VERSION>__<name>.sql` its undo",
        Format::Alembic => {
            "Alembic: `alembic.ini` naming the script directory, which holds `env.py` and `versions/`"
        }
    }
}

impl Route for AdoptError {
    fn route(e: Self) -> CliError {
        match e {
            AdoptError::Db(e) => e.into(),
            AdoptError::Migrate(e) => e.into(),
            AdoptError::NotManaged { ref found, format } => {
                let err = CliError::invalid(e.to_string());
                match found.first() {
                    Some(other) => err.help(format!(
                        "it has {other}'s table `{}`: `cargo schema import {other} --adopt`",
                        other.table()
                    )),
                    None => err
                        .help(
                            "no sqlx, diesel, refinery, dbmate, golang-migrate or Flyway table is there: check `--database-url`",
                        )
                        .help(format!(
                            "a database no tool manages is adopted with `cargo schema stamp REV` (or `cargo schema init --from-database`), not `import {format} --adopt`"
                        )),
                }
            }
            AdoptError::Failed { format, .. } => CliError::invalid(e.to_string()).help(format!(
                "finish or undo it with {format} first (fix the SQL and run it again, or repair its table), then adopt"
            )),
            AdoptError::Dirty { .. } => CliError::invalid(e.to_string()).help(
                "fix the database by hand, then `migrate force VERSION` with golang-migrate, then adopt",
            ),
            AdoptError::Unknown { format, .. } => CliError::invalid(e.to_string())
                .help(format!(
                    "import them first (`cargo schema import {format} DIR` from a checkout that has them), or check out the branch that has them"
                )),
            AdoptError::Gap { format, .. } => CliError::invalid(e.to_string()).help(format!(
                "revisions form a chain here: apply the missing ones with {format} first, then adopt"
            )),
            AdoptError::BadVersion { .. } => CliError::invalid(e.to_string())
                .help("the table was edited by hand or by another tool: fix that row first"),
            other => CliError::invalid(other.to_string()),
        }
    }
}

impl Route for InitError {
    fn route(e: Self) -> CliError {
        match e {
            InitError::Io { .. } => CliError::new(FAILED, e.to_string()),
            other => CliError::invalid(other.to_string()),
        }
    }
}

impl Route for ConfigError {
    fn route(e: Self) -> CliError {
        let mut err = CliError::invalid(e.to_string());
        if let Some(s) = e.suggestion {
            err = err.help(format!("did you mean `{s}`?"));
        }
        err.help(format!(
            "the keys are: {}",
            schema_core::RawConfig::keys().join(", ")
        ))
    }
}

/// What a database URL looks like.
pub const URL_HELP: &str = "a database URL is `sqlite:PATH`, `postgres://USER[:PASSWORD]@HOST[:PORT]/DB` or `mysql://USER[:PASSWORD]@HOST[:PORT]/DB`";

impl Route for ResolveUrlError {
    fn route(e: Self) -> CliError {
        match e {
            ResolveUrlError::EnvFile(
                EnvFileError::Parse { .. } | EnvFileError::NotText { .. },
            ) => CliError::invalid(e.to_string()).help(
                "fix that line (`KEY=value`, values with spaces or `#` in quotes), or move the file away: it is read for the database URL when its variable is not set",
            ),
            ResolveUrlError::EnvFile(_) => CliError::new(FAILED, e.to_string())
                .help("make it readable, or move it away: it is read for the database URL when its variable is not set"),
            // Exit 1 like every URL the tool cannot use (tests/e2e/database.rs pins it).
            ResolveUrlError::Url { ref from, .. } => CliError::new(FAILED, e.to_string())
                .help(format!("the URL comes from {from}"))
                .help(URL_HELP),
            _ => CliError::new(FAILED, e.to_string()).help(URL_HELP),
        }
    }
}

impl Route for DbError {
    fn route(e: Self) -> CliError {
        match e {
            DbError::Connect { .. } => CliError::new(FAILED, e.to_string()).help(
                "check that the server is running and that the URL, user and password are right",
            ),
            DbError::Url(_) | DbError::SqliteDirectory { .. } => {
                CliError::new(FAILED, e.to_string())
            }
            DbError::Query { ref sql, .. } => {
                let sql = sql.clone();
                CliError::new(FAILED, e.to_string())
                    .help(format!("while running: {}", one_line(&sql)))
            }
            DbError::VersionTableName { .. } => {
                let help = e.help().unwrap_or_default();
                CliError::invalid(e.to_string()).help(help)
            }
            other => {
                let help = other.help();
                let err = CliError::new(FAILED, other.to_string());
                match help {
                    Some(h) => err.help(h),
                    None => err,
                }
            }
        }
    }
}

/// A statement on one line, shortened for a message.
fn one_line(sql: &str) -> String {
    let s: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

impl Route for MigrateError {
    fn route(e: Self) -> CliError {
        match e {
            MigrateError::Db(e) => e.into(),
            MigrateError::Plan(e) => e.into(),
            MigrateError::Resolve(e) => e.into(),
            MigrateError::Dirty {
                ref revision,
                ref path,
                statements_done,
                rolling_back,
                ..
            } => {
                let file = path
                    .as_ref()
                    .map_or_else(|| "its file".to_string(), |p| p.display().to_string());
                let section = if rolling_back { "down" } else { "up" };
                let revision = revision.clone();
                let then = if rolling_back {
                    format!(
                        "then `cargo schema repair {revision} --not-applied` if you finished rolling it back, or `cargo schema repair {revision} --applied` if you restored what its down section removed"
                    )
                } else {
                    format!(
                        "then `cargo schema repair {revision} --applied` if the revision is now fully applied, or `cargo schema repair {revision} --not-applied` if you undid it"
                    )
                };
                CliError::new(FAILED, e.to_string())
                    .help(format!(
                        "the first {statements_done} statement(s) of the {section} section of {file} ran; the rest did not: inspect the database and finish or undo them by hand"
                    ))
                    .help(then)
            }
            MigrateError::Edited { ref edited } => {
                let files: Vec<String> = edited
                    .iter()
                    .map(|e| e.path.display().to_string())
                    .collect();
                CliError::new(FAILED, e.to_string())
                    .help(format!("changed since applied: {}", files.join(", ")))
                    .help("never edit an applied revision: restore the file and write a new revision for the change")
                    .help("`cargo schema up --allow-edited` runs anyway; `cargo schema repair --checksums` accepts the new contents")
            }
            MigrateError::Statement(ref f) => {
                let mut err = CliError::new(FAILED, e.to_string())
                    .help(format!("the statement: {}", one_line(&f.statement)));
                if let Some(done) = partial_report(&f.report) {
                    err = err.help(done);
                }
                if f.exists_on_first_run {
                    err = err.help(
                        "the database already has this schema: if it was created before cargo-schema, record the revisions as applied with `cargo schema stamp REV` (or `stamp head`)",
                    );
                }
                let (section, command) = match f.direction {
                    Direction::Up => ("up", "up"),
                    Direction::Down => ("down", "down"),
                };
                if let Some(on) = &f.waited_on {
                    err = err.help(format!("it was {on}"));
                }
                if f.lock_timeout {
                    err = err.help(lock_timeout_help(f));
                }
                err = match (f.left_dirty, f.direction) {
                    (true, Direction::Up) => err.help(format!(
                        "it ran outside a transaction, so `{}` is now recorded as dirty: `cargo schema {command}` says how to resolve it",
                        f.revision
                    )),
                    (true, Direction::Down) => err.help(format!(
                        "its down section ran outside a transaction, so `{}` is now recorded as dirty, half rolled back: `cargo schema {command}` says how to resolve it",
                        f.revision
                    )),
                    // Said by `lock_timeout_help`: the SQL is not what to fix.
                    (false, _) if f.lock_timeout => err,
                    (false, Direction::Up) => err.help(format!(
                        "nothing of this revision was applied; fix the SQL of its {section} section and run `cargo schema {command}` again"
                    )),
                    (false, Direction::Down) => err.help(format!(
                        "nothing of its down section took effect and the revision is still applied; fix the SQL of its {section} section and run `cargo schema {command}` again"
                    )),
                };
                err
            }
            MigrateError::Section(e) => section_error(*e),
            MigrateError::Changed { .. } => CliError::new(FAILED, e.to_string()).help(
                "what ran before is recorded; see where the database stands with `cargo schema current`, then run the command again",
            ),
            MigrateError::NotRecorded(_) => CliError::invalid(e.to_string())
                .help("`cargo schema current --format json` lists the recorded revisions"),
            MigrateError::MissingFailed { ref statement, .. } => {
                let statement = one_line(statement);
                let err = CliError::new(FAILED, e.to_string());
                if statement.is_empty() {
                    err
                } else {
                    err.help(format!("the statement: {statement}"))
                }
            }
            MigrateError::MissingIrreversible(_) => CliError::new(FAILED, e.to_string()).help(
                "check out the branch that has its file and roll back from there, or undo it by hand and `cargo schema repair REV --not-applied`",
            ),
            other => CliError::new(FAILED, other.to_string()),
        }
    }
}

impl Route for AutogenError {
    fn route(e: Self) -> CliError {
        let help = e.help();
        let err = match e {
            AutogenError::Db(e) => return e.into(),
            AutogenError::Migrate(e) => return e.into(),
            AutogenError::Declared { ref statement, .. } => {
                let first = statement.lines().next().unwrap_or("").trim();
                CliError::invalid(e.to_string()).help(format!("the statement: {first}"))
            }
            AutogenError::Refused { path, refused } => {
                // One diagnostic per refused statement, each with its file:line.
                return CliError::of(
                    INVALID,
                    refused
                        .iter()
                        .map(|r| Diagnostic {
                            message: r.message(&path),
                            help: help.iter().cloned().collect(),
                        })
                        .collect(),
                );
            }
            AutogenError::MissingReference { .. } => CliError::invalid(e.to_string()),
            _ => CliError::new(FAILED, e.to_string()),
        };
        match help {
            Some(h) => err.help(h),
            None => err,
        }
    }
}

/// What a run that failed half-way had done before: `before it failed, this run applied 2
/// revision(s), which stay applied: aa01, bb02`. `None` when it failed on its first step.
fn partial_report(report: &Report) -> Option<String> {
    let mut parts = Vec::new();
    for (direction, verb) in [(Direction::Up, "applied"), (Direction::Down, "rolled back")] {
        let ids: Vec<&str> = report
            .steps
            .iter()
            .filter(|(_, d, _)| *d == direction)
            .map(|(id, _, _)| id.as_str())
            .collect();
        if !ids.is_empty() {
            parts.push(format!(
                "{verb} {} revision(s), which stay {verb}: {}",
                ids.len(),
                ids.join(", ")
            ));
        }
    }
    (!parts.is_empty()).then(|| format!("before it failed, this run {}", parts.join("; and ")))
}

/// A section refused before anything ran: exit 2, with what to do.
pub fn section_error(e: SectionError) -> CliError {
    let help = section_help(&e);
    CliError::invalid(e.to_string()).help(help)
}

/// What to do about a section that cannot run as written.
pub fn section_help(e: &SectionError) -> String {
    match &e.problem {
        SectionProblem::TransactionControl { keyword } => format!(
            "cargo-schema runs the section in a transaction and commits it with the revision's row: remove the `{keyword}`, or run the revision without one with `-- migrate:up transaction:false` (then a failure halfway leaves it dirty)"
        ),
        SectionProblem::Unterminated(_) => format!(
            "close it in the {} section of {}; nothing was run",
            section_name(e.direction),
            e.path.display()
        ),
        _ => String::new(),
    }
}

/// What to do about a statement that gave up waiting for a lock: why it was not tried again,
/// or that it was, and the knobs.
fn lock_timeout_help(f: &schema_core::migrate::StatementFailure) -> String {
    let knobs = "wait longer with `--lock-timeout` (`lock-timeout`), or try again with `--lock-retries N` (`lock-retries`)";
    if f.left_dirty {
        format!(
            "it gave up waiting for a lock after statements of `{}` had already run outside a transaction, so it was not tried again: a retry would run them twice",
            f.revision
        )
    } else if f.attempts > 1 {
        format!(
            "it gave up waiting for a lock on each of {} attempts, and nothing of it took effect; run it when the holder is done, or {knobs}",
            f.attempts
        )
    } else {
        format!("it gave up waiting for a lock, and nothing of it took effect; {knobs}")
    }
}

impl Route for LintError {
    fn route(e: Self) -> CliError {
        let help = e.help();
        let err = CliError::new(FAILED, e.to_string());
        match help {
            Some(h) => err.help(h),
            None => err,
        }
    }
}

impl Route for LevelError {
    fn route(e: Self) -> CliError {
        let err = CliError::invalid(e.to_string());
        match e {
            LevelError::UnknownRule {
                suggestion: Some(s),
                ..
            } => err.help(format!("did you mean `{s}`?")),
            _ => err.help("the README's `lint` section lists the rules and what each checks"),
        }
    }
}
