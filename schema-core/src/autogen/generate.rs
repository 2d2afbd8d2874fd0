//! What the commands do with the pieces: read the declared schema through a scratch database,
//! read a live database (which must be up to date), read what the revisions build, and write
//! the up and down sections of a revision.

use std::path::{Path, PathBuf};

use super::diff::{RenameCandidate, Renames};
use super::{
    Autogen, Change, Diff, Interrupt, Schema, Scratch, introspect, introspect_app, section_text,
};
use crate::backend::dispatch;
use crate::db::{Conn, DatabaseUrl, DbError, Dialect, VersionTable};
use crate::graph::RevisionGraph;
use crate::migrate::{MigrateError, Migration, Options};
use crate::target::Target;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AutogenError {
    #[error("cannot read the declared schema {}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    /// A statement of the declared schema failed in the scratch database.
    #[error("{}:{line}: {message}", path.display())]
    Declared {
        path: PathBuf,
        line: usize,
        message: String,
        statement: String,
        /// Where it was loaded: "SQLite in memory", "a temporary database `…`".
        scratch: String,
    },
    /// A foreign key names a table the declared schema does not have (SQLite accepts those).
    #[error("{}: table `{table}` references `{missing}`, which the declared schema does not create", path.display())]
    MissingReference {
        path: PathBuf,
        table: String,
        missing: String,
    },
    /// Statements of the declared schema that reach outside its scratch database (at least
    /// one), each refused before anything ran (or, for a switch to another database on MySQL,
    /// as soon as it was seen).
    #[error("{}", refused.first().map_or_else(|| format!("{}: refused", path.display()), |r| r.message(path)))]
    Refused {
        path: PathBuf,
        refused: Vec<Refusal>,
    },
    #[error("cannot use a scratch database on {server}: {source}")]
    Scratch {
        server: String,
        dialect: Dialect,
        source: DbError,
    },
    #[error("Target database is not up to date: {pending} revision(s) not applied")]
    NotUpToDate { pending: usize },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Migrate(#[from] MigrateError),
    #[error("interrupted; {scratch} was dropped")]
    Interrupted { scratch: String },
    /// The work failed and the scratch database could not be dropped either.
    #[error("{error}; and {scratch} could not be dropped: {drop}")]
    NotDropped {
        error: Box<AutogenError>,
        scratch: String,
        drop: String,
    },
}

/// One statement of the declared schema that was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The 1-based line of the statement in the declared schema file.
    pub line: usize,
    /// Why, naming what was refused.
    pub reason: String,
    pub statement: String,
}

impl Refusal {
    /// `path:line: refused: reason`.
    pub fn message(&self, path: &Path) -> String {
        format!("{}:{}: refused: {}", path.display(), self.line, self.reason)
    }
}

impl AutogenError {
    pub fn help(&self) -> Option<String> {
        match self {
            AutogenError::Declared { scratch, .. } => Some(format!(
                "the declared schema is plain DDL for this database, loaded into {scratch} (dropped again) to read it back; fix the statement"
            )),
            AutogenError::MissingReference { .. } => Some(
                "the declared schema must create every table its foreign keys reference".into(),
            ),
            AutogenError::NotUpToDate { .. } => Some(
                "run `cargo schema up` first: autogenerate compares the database at head with the declared schema".into(),
            ),
            AutogenError::NotDropped { scratch, .. } => Some(format!(
                "drop {scratch} by hand (DROP DATABASE); cargo-schema never reuses it"
            )),
            AutogenError::Refused { .. } => Some(
                "the declared schema is loaded into a scratch database and may change nothing else: remove the statement (it does not describe a table)".into(),
            ),
            AutogenError::Scratch { dialect, .. } => Some(scratch_privilege_help(*dialect)),
            _ => None,
        }
    }
}

/// What a user needs to create and drop the scratch databases, by server: the one place that
/// says it (autogenerate, the drift check, `check --roundtrip`).
pub fn scratch_privilege_help(dialect: Dialect) -> String {
    let grant = dispatch!(dialect, B => B::SCRATCH_GRANT);
    format!(
        "autogenerate, the drift check and `check --roundtrip` create (and drop) a temporary database `{}…` on the same server: the user needs CREATE DATABASE, that is {grant}",
        super::scratch::PREFIX
    )
}

/// Runs `work` on a fresh scratch database of `server`'s kind and drops it afterwards, also
/// when `work` fails or `interrupt` is interrupted (the CLI's Ctrl-C and SIGTERM). `work` opens one connection to the URL it
/// gets (an in-memory SQLite database lives as long as that connection).
pub(crate) async fn on_scratch<T>(
    server: &DatabaseUrl,
    interrupt: &Interrupt,
    work: impl AsyncFnOnce(&Scratch) -> Result<T, AutogenError>,
) -> Result<T, AutogenError> {
    // Listening from before the database exists: an interruption while it is created is not
    // lost.
    let mut stop = interrupt.listen();
    let scratch = Scratch::create(server)
        .await
        .map_err(|source| AutogenError::Scratch {
            server: server.redacted(),
            dialect: server.dialect,
            source,
        })?;
    let result = work(&scratch);
    let result = tokio::select! {
        r = result => r,
        _ = stop.wait() => Err(AutogenError::Interrupted { scratch: scratch.describe() }),
    };
    let name = scratch.describe();
    let dropped = scratch.drop().await;
    match (result, dropped) {
        (Ok(value), Ok(())) => Ok(value),
        (Err(e), Ok(())) => Err(e),
        (Ok(_), Err(source)) => Err(AutogenError::Scratch {
            server: server.redacted(),
            dialect: server.dialect,
            source,
        }),
        (Err(e), Err(drop)) => Err(AutogenError::NotDropped {
            error: Box::new(e),
            scratch: name,
            drop: drop.to_string(),
        }),
    }
}

/// The declared schema in `path`, loaded into a scratch database like `server` and read back.
///
/// It may change its scratch database and nothing else (see [`super::confine`]): every
/// statement is checked before the first one runs; PostgreSQL loads it in one transaction,
/// rolled back once it is read; on MySQL/MariaDB the current database must still be the
/// scratch database after every statement.
pub async fn declared(
    server: &DatabaseUrl,
    path: &Path,
    interrupt: &Interrupt,
) -> Result<Schema, AutogenError> {
    let text = std::fs::read_to_string(path).map_err(|e| AutogenError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let statements = crate::split::split(&text, server.dialect, 1);
    // Before the scratch database exists. On MySQL/MariaDB a name qualified by any database
    // on the server (`devdb.users`) is refused too, so the server is asked which there are.
    let databases = if dispatch!(server.dialect, B => B::CHECKS_CURRENT_DATABASE) {
        server_databases(server).await?
    } else {
        Vec::new()
    };
    let refused = refusals(server.dialect, &statements, &databases);
    if !refused.is_empty() {
        return Err(AutogenError::Refused {
            path: path.to_path_buf(),
            refused,
        });
    }
    let schema = on_scratch(server, interrupt, async |scratch: &Scratch| {
        let mut conn = Conn::connect(&scratch.url).await?;
        let result = load(&mut conn, scratch, &statements, path).await;
        let schema = match result {
            Ok(()) => introspect(&mut conn, &[]).await.map_err(Into::into),
            Err(e) => Err(e),
        };
        if dispatch!(conn.dialect(), B => B::LOADS_IN_TRANSACTION) {
            // Whatever the declared schema did outside its tables (a role, a grant) goes too.
            let _ = conn.execute("ROLLBACK").await;
        }
        conn.close().await;
        schema
    })
    .await?;
    for table in schema.tables.values() {
        for fk in &table.foreign_keys {
            if !schema.tables.contains_key(&fk.referenced_table) {
                return Err(AutogenError::MissingReference {
                    path: path.to_path_buf(),
                    table: table.name.clone(),
                    missing: fk.referenced_table.clone(),
                });
            }
        }
    }
    Ok(schema)
}

/// The databases on the server (lower case), as far as the user may see (MySQL/MariaDB).
async fn server_databases(server: &DatabaseUrl) -> Result<Vec<String>, AutogenError> {
    let mut conn = Conn::connect(server).await?;
    let names = conn
        .fetch_strings("SELECT schema_name FROM information_schema.schemata")
        .await;
    conn.close().await;
    Ok(names?
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .map(|n| n.to_lowercase())
        .collect())
}

/// Every statement of `statements` that [`super::confine::refusal`] refuses.
fn refusals(
    dialect: Dialect,
    statements: &[crate::split::Statement],
    databases: &[String],
) -> Vec<Refusal> {
    statements
        .iter()
        .filter_map(|stmt| {
            super::confine::refusal(dialect, &stmt.sql, databases).map(|reason| Refusal {
                line: stmt.line,
                reason,
                statement: stmt.sql.clone(),
            })
        })
        .collect()
}

/// Runs the declared schema's statements in the scratch database `conn` is connected to,
/// confined to it (PostgreSQL: leaves its transaction open for the caller to read and roll
/// back).
async fn load(
    conn: &mut Conn,
    scratch: &Scratch,
    statements: &[crate::split::Statement],
    path: &Path,
) -> Result<(), AutogenError> {
    let dialect = conn.dialect();
    let in_transaction = dispatch!(dialect, B => B::LOADS_IN_TRANSACTION);
    let checks_database = dispatch!(dialect, B => B::CHECKS_CURRENT_DATABASE);
    let scratch_name = scratch.name().unwrap_or_default().to_string();
    if in_transaction {
        conn.execute("BEGIN")
            .await
            .map_err(|e| DbError::query(e, "BEGIN"))?;
    }
    for stmt in statements {
        let sql = dispatch!(dialect, B => B::in_transaction(&stmt.sql));
        if let Err(e) = conn.execute(&sql).await {
            return Err(AutogenError::Declared {
                path: path.to_path_buf(),
                line: stmt.line,
                message: crate::db::database_message(&e),
                statement: stmt.sql.clone(),
                scratch: scratch.describe(),
            });
        }
        if checks_database {
            let current = conn
                .fetch_strings("SELECT DATABASE()")
                .await?
                .into_iter()
                .next()
                .and_then(|row| row.into_iter().next().flatten())
                .unwrap_or_default();
            if current != scratch_name {
                return Err(AutogenError::Refused {
                    path: path.to_path_buf(),
                    refused: vec![Refusal {
                        line: stmt.line,
                        reason: format!(
                            "it switched to the database `{current}`: the declared schema may change its scratch database and nothing else"
                        ),
                        statement: stmt.sql.clone(),
                    }],
                });
            }
        }
    }
    Ok(())
}

/// What the revisions build: a scratch database like `server` upgraded to the heads.
pub async fn at_heads(
    server: &DatabaseUrl,
    graph: &RevisionGraph,
    interrupt: &Interrupt,
) -> Result<Schema, AutogenError> {
    on_scratch(server, interrupt, async |scratch: &Scratch| {
        let table = VersionTable::new("schema_version");
        let mut m = Migration {
            graph,
            conn: Conn::connect(&scratch.url).await?,
            table: VersionTable::new("schema_version"),
            options: Options {
                lock: crate::config::LockMode::None,
                allow_edited: true,
                ..Options::default()
            },
        };
        let r = m.upgrade(&Target::heads(), &mut |_| {}).await;
        let schema = match r {
            Ok(_) => introspect_app(&mut m.conn, &table)
                .await
                .map_err(Into::into),
            Err(e) => Err(e.into()),
        };
        m.conn.close().await;
        schema
    })
    .await
}

/// The schema of a live database, which must have every revision applied.
pub async fn live(
    conn: &mut Conn,
    table: &VersionTable,
    graph: &RevisionGraph,
) -> Result<Schema, AutogenError> {
    let state = crate::migrate::state(conn, table, graph).await?;
    let plan = graph
        .plan_upgrade(&state.applied, &Target::heads())
        .map_err(MigrateError::from)?;
    if !plan.steps.is_empty() {
        return Err(AutogenError::NotUpToDate {
            pending: plan.steps.len(),
        });
    }
    Ok(introspect_app(conn, table).await?)
}

/// A revision's two sections and what to tell the user about them.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    pub up: String,
    pub down: String,
    pub changes: Vec<Change>,
    /// Steps that can lose data or fail (also written above them in the file).
    pub warnings: Vec<String>,
}

/// The revision that takes `from` to `to`. `unconfirmed` are rename candidates the user did
/// not confirm (no terminal, or `--yes`): they stay a drop and an add, and the file says how
/// to turn them into a rename.
pub fn generate(
    dialect: Dialect,
    from: &Schema,
    to: &Schema,
    renames: &Renames,
    unconfirmed: &[RenameCandidate],
) -> Generated {
    let diff = Diff::new(dialect, from, to, renames);
    let steps = diff.render();
    let mut up = String::new();
    for c in unconfirmed {
        let sql = match c {
            RenameCandidate::Table { from, to } => format!(
                "ALTER TABLE {} RENAME TO {}",
                super::model::quote(dialect, from),
                super::model::quote(dialect, to)
            ),
            RenameCandidate::Column { table, from, to } => format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                super::model::quote(dialect, table),
                super::model::quote(dialect, from),
                super::model::quote(dialect, to)
            ),
        };
        up.push_str(&format!(
            "-- RENAME?: {c} looks like a rename but is written as a drop and an add, which\n-- loses the data. If it is a rename, replace them with: {sql};\n"
        ));
    }
    up.push_str(&section_text(&steps));
    let down = section_text(&diff.reverse().render());
    // One line a change on the terminal (a SQLite rebuild joins its changes' in the file).
    let mut warnings: Vec<String> = diff.changes.iter().filter_map(Change::warning).collect();
    warnings.extend(
        unconfirmed
            .iter()
            .map(|c| format!("{c} may be a rename: written as a drop and an add (see the file)")),
    );
    Generated {
        up: up.trim_end().to_string(),
        down: down.trim_end().to_string(),
        changes: diff.changes,
        warnings,
    }
}
