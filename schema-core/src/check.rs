//! `check`, the CI gate: what is wrong with the revisions and the database, as findings.

use crate::autogen::{AutogenError, Scratch};
use crate::db::{Conn, DatabaseUrl, DbError, Dialect, VersionTable};
use crate::graph::RevisionGraph;
use crate::migrate::{self, Edited, MigrateError, Migration, Options, SectionError};
use crate::plan::Direction;
use crate::target::{ResolveError, Target};

/// One problem `check` found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    MultipleHeads {
        heads: Vec<String>,
    },
    Pending {
        revisions: Vec<String>,
    },
    Edited(Edited),
    Dirty {
        revision: String,
    },
    CantLocate {
        ids: Vec<String>,
    },
    Roundtrip {
        error: String,
    },
    /// `--roundtrip` could not run (no right to create the scratch database, Ctrl-C).
    RoundtripUnchecked {
        error: String,
        help: Option<String>,
    },
    /// What the revisions build differs from the declared schema: the changes a revision
    /// would need, one line each.
    Drift {
        schema: std::path::PathBuf,
        differences: Vec<String>,
    },
    /// The declared schema could not be read back (a syntax error, a missing table).
    Declared {
        error: String,
    },
    /// The comparison could not run (no scratch database, a revision failing on it, Ctrl-C).
    DriftUnchecked {
        error: String,
        help: Option<String>,
    },
    /// A section `up` or `down` would refuse to run as written.
    Section(SectionError),
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::MultipleHeads { heads } => {
                write!(f, "multiple heads are present: {}", heads.join(", "))
            }
            Finding::Pending { revisions } => write!(
                f,
                "{} revision(s) not applied to the database: {}",
                revisions.len(),
                revisions.join(", ")
            ),
            Finding::Edited(e) => write!(
                f,
                "applied revision `{}` was edited after it was applied ({})",
                e.revision,
                e.path.display()
            ),
            Finding::Dirty { revision } => {
                write!(
                    f,
                    "revision `{revision}` is dirty: a failure left it half applied"
                )
            }
            Finding::CantLocate { ids } => write!(
                f,
                "the database records revision(s) the files do not have: {}",
                ids.join(", ")
            ),
            Finding::Roundtrip { error } => write!(f, "the round trip failed: {error}"),
            Finding::RoundtripUnchecked { error, .. } => {
                write!(f, "the round trip did not run: {error}")
            }
            Finding::Drift {
                schema,
                differences,
            } => {
                write!(
                    f,
                    "the revisions at head differ from the declared schema {}:",
                    schema.display()
                )?;
                for d in differences {
                    write!(f, "\n    - {d}")?;
                }
                Ok(())
            }
            Finding::Declared { error } => {
                write!(f, "the declared schema cannot be checked: {error}")
            }
            Finding::DriftUnchecked { error, .. } => {
                write!(f, "drift from the declared schema not checked: {error}")
            }
            Finding::Section(e) => write!(f, "{e}"),
        }
    }
}

/// What the files alone show.
pub fn check_files(graph: &RevisionGraph) -> Vec<Finding> {
    let heads = graph.heads();
    if heads.len() > 1 {
        vec![Finding::MultipleHeads {
            heads: heads.iter().map(|&h| graph.id(h).to_string()).collect(),
        }]
    } else {
        Vec::new()
    }
}

/// The sections `up` and `down` would refuse on `dialect`, before running anything: an
/// unterminated quote, comment, dollar quote or block, transaction control in a section that
/// runs in a transaction.
pub fn check_sections(graph: &RevisionGraph, dialect: Dialect) -> Vec<Finding> {
    graph
        .topological_order()
        .iter()
        .flat_map(|&i| {
            let rev = &graph.node(i).revision;
            [Direction::Up, Direction::Down]
                .into_iter()
                .filter_map(move |d| migrate::section_statements(rev, d, dialect).err())
        })
        .map(Finding::Section)
        .collect()
}

/// What the database shows: pending, edited, dirty, unknown revisions.
pub async fn check_database(
    conn: &mut Conn,
    table: &VersionTable,
    graph: &RevisionGraph,
) -> Result<Vec<Finding>, DbError> {
    let state = match migrate::state(conn, table, graph).await {
        Ok(s) => s,
        Err(MigrateError::Resolve(ResolveError::CantLocate { ids })) => {
            return Ok(vec![Finding::CantLocate { ids }]);
        }
        Err(MigrateError::Db(e)) => return Err(e),
        Err(other) => {
            return Err(DbError::State(Box::new(other)));
        }
    };
    let mut findings = Vec::new();
    if let Some(d) = state.dirty() {
        findings.push(Finding::Dirty {
            revision: d.revision.clone(),
        });
    }
    findings.extend(state.edited(graph).into_iter().map(Finding::Edited));
    if let Ok(plan) = graph.plan_upgrade(&state.applied, &Target::heads())
        && !plan.is_empty()
    {
        findings.push(Finding::Pending {
            revisions: plan
                .steps
                .iter()
                .map(|s| graph.id(s.revision).to_string())
                .collect(),
        });
    }
    Ok(findings)
}

/// Up to the heads, down to base and up again on a scratch database of the same kind: SQLite
/// in memory, or a temporary PostgreSQL/MySQL database on the same server that is always
/// dropped afterwards (an interruption through `interrupt` included: the CLI's Ctrl-C and
/// SIGTERM). Proves that every down section works.
///
/// A revision failing is [`AutogenError::Migrate`]; anything else (no right to create the
/// scratch database, an interruption) means the round trip did not run.
pub async fn roundtrip(
    graph: &RevisionGraph,
    url: &DatabaseUrl,
    interrupt: &crate::scratch::Interrupt,
) -> Result<String, AutogenError> {
    crate::autogen::generate::on_scratch(url, interrupt, async |scratch: &Scratch| {
        run_roundtrip(graph, &scratch.url).await?;
        Ok(match scratch.name() {
            Some(_) => format!("{}, dropped", scratch.describe()),
            None => "SQLite in memory".to_string(),
        })
    })
    .await
}

async fn run_roundtrip(graph: &RevisionGraph, url: &DatabaseUrl) -> Result<(), MigrateError> {
    let mut m = Migration {
        graph,
        conn: Conn::connect(url).await?,
        table: VersionTable::new("schema_version"),
        options: Options {
            lock: crate::config::LockMode::None,
            allow_edited: true,
            ..Options::default()
        },
    };
    let base: Target = "base".parse()?;
    let result = async {
        m.upgrade(&Target::heads(), &mut |_| {}).await?;
        m.downgrade(&base, &mut |_| {}).await?;
        m.upgrade(&Target::heads(), &mut |_| {}).await?;
        Ok(())
    }
    .await;
    m.conn.close().await;
    result
}
