//! What the commands do with the pieces: read the declared schema through a scratch database,
//! read a live database (which must be up to date), read what the revisions build, and write
//! the up and down sections of a revision.

use std::path::{Path, PathBuf};

use super::diff::{RenameCandidate, Renames};
use super::{Change, Diff, Schema, Scratch, introspect, introspect_app, section_text};
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
    #[error("cannot use a scratch database on {server}: {source}")]
    Scratch { server: String, source: DbError },
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
            AutogenError::Scratch { .. } => Some(
                "autogenerate and the drift check create (and drop) a temporary database on the same server: the user needs CREATE DATABASE".into(),
            ),
            _ => None,
        }
    }
}

/// Runs `work` on a fresh scratch database of `server`'s kind and drops it afterwards, also
/// when `work` fails or Ctrl-C arrives. `work` opens one connection to the URL it gets (an
/// in-memory SQLite database lives as long as that connection).
async fn on_scratch<T>(
    server: &DatabaseUrl,
    work: impl AsyncFnOnce(&Scratch) -> Result<T, AutogenError>,
) -> Result<T, AutogenError> {
    let scratch = Scratch::create(server)
        .await
        .map_err(|source| AutogenError::Scratch {
            server: server.redacted(),
            source,
        })?;
    let result = work(&scratch);
    let result = tokio::select! {
        r = result => r,
        _ = tokio::signal::ctrl_c() => Err(AutogenError::Interrupted { scratch: scratch.describe() }),
    };
    let name = scratch.describe();
    let dropped = scratch.drop().await;
    match (result, dropped) {
        (Ok(value), Ok(())) => Ok(value),
        (Err(e), Ok(())) => Err(e),
        (Ok(_), Err(source)) => Err(AutogenError::Scratch {
            server: server.redacted(),
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
pub async fn declared(server: &DatabaseUrl, path: &Path) -> Result<Schema, AutogenError> {
    let text = std::fs::read_to_string(path).map_err(|e| AutogenError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let schema = on_scratch(server, async |scratch: &Scratch| {
        let mut conn = Conn::connect(&scratch.url).await?;
        let dialect = crate::migrate::split_dialect(conn.dialect());
        let mut result = Ok(());
        for stmt in crate::split::split(&text, dialect, 1) {
            if let Err(e) = conn.execute(&stmt.sql).await {
                result = Err(AutogenError::Declared {
                    path: path.to_path_buf(),
                    line: stmt.line,
                    message: crate::db::database_message(&e),
                    statement: stmt.sql,
                    scratch: scratch.describe(),
                });
                break;
            }
        }
        let schema = match result {
            Ok(()) => introspect(&mut conn, &[]).await.map_err(Into::into),
            Err(e) => Err(e),
        };
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

/// What the revisions build: a scratch database like `server` upgraded to the heads.
pub async fn at_heads(server: &DatabaseUrl, graph: &RevisionGraph) -> Result<Schema, AutogenError> {
    on_scratch(server, async |scratch: &Scratch| {
        let table = VersionTable::new("schema_version");
        let mut m = Migration {
            graph,
            conn: Conn::connect(&scratch.url).await?,
            table: VersionTable::new("schema_version"),
            options: Options {
                lock: crate::config::LockMode::None,
                allow_edited: true,
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
