//! Coming from another migration tool: its migration files become revision files
//! ([`prepare`], [`write`]) and its bookkeeping table becomes applied revisions ([`adopt`]).
//!
//! The tool's version is the revision id, so that what its table records maps one to one; the
//! revisions form one chain in the tool's order. Every file is rendered and parsed back before
//! the first is written, and none is written over an existing file or revision.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::graph::RevisionGraph;
use crate::revision::{ParseErrorKind, validate_name};
use crate::scaffold::{Links, NewError, NewRevision, Templates, render_revision};

pub mod adopt;
pub mod alembic;
mod files;

pub use adopt::{AdoptError, Adopted, adopt};

/// The tools whose migrations can be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Sqlx,
    Diesel,
    Refinery,
    Dbmate,
    GolangMigrate,
    Flyway,
    Alembic,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Sqlx,
        Format::Diesel,
        Format::Refinery,
        Format::Dbmate,
        Format::GolangMigrate,
        Format::Flyway,
        Format::Alembic,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Sqlx => "sqlx",
            Format::Diesel => "diesel",
            Format::Refinery => "refinery",
            Format::Dbmate => "dbmate",
            Format::GolangMigrate => "golang-migrate",
            Format::Flyway => "flyway",
            Format::Alembic => "alembic",
        }
    }

    /// `sqlx`, `golang-migrate` (also `golang_migrate`, `migrate`), any case.
    pub fn from_name(name: &str) -> Result<Format, ImportError> {
        let lower = name.to_ascii_lowercase().replace('_', "-");
        if let Some(f) = Format::ALL.iter().find(|f| f.name() == lower) {
            return Ok(*f);
        }
        match lower.as_str() {
            "migrate" => Ok(Format::GolangMigrate),
            _ => Err(ImportError::UnknownFormat {
                name: name.to_string(),
                suggestion: crate::suggest::closest(name, Format::ALL.map(Format::name))
                    .map(str::to_string),
            }),
        }
    }

    /// Where the tool keeps its migrations by default, relative to the project, in the order
    /// they are tried.
    pub fn default_dirs(self) -> &'static [&'static str] {
        match self {
            Format::Sqlx | Format::Diesel | Format::Refinery | Format::GolangMigrate => {
                &["migrations"]
            }
            Format::Dbmate => &["db/migrations"],
            Format::Flyway => &["sql", "src/main/resources/db/migration", "db/migration"],
            // The script location is read from `alembic.ini` (`alembic::Source::find`).
            Format::Alembic => &["alembic"],
        }
    }

    /// The tool's bookkeeping table.
    pub fn table(self) -> &'static str {
        match self {
            Format::Sqlx => "_sqlx_migrations",
            Format::Diesel => "__diesel_schema_migrations",
            Format::Refinery => "refinery_schema_history",
            Format::Dbmate | Format::GolangMigrate => "schema_migrations",
            Format::Flyway => "flyway_schema_history",
            Format::Alembic => "alembic_version",
        }
    }

    /// The revision id of a version as the tool records it in its table.
    pub fn id_of_recorded(self, version: &str) -> Option<String> {
        let v = version.trim();
        match self {
            Format::Flyway => files::flyway_id(v),
            Format::Diesel | Format::Dbmate | Format::Alembic => Some(v.to_string()),
            _ => v.parse::<u128>().ok().map(|n| n.to_string()),
        }
        .filter(|id| validate_name("revision id", id).is_ok())
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One of the tool's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The version as the tool writes it in the file name.
    pub version: String,
    /// The revision id it becomes.
    pub id: String,
    pub message: String,
    pub up: String,
    /// `None`: the tool has no down for it, so the revision is irreversible.
    pub down: Option<String>,
    /// The tool's "no transaction" marker was set.
    pub no_transaction: bool,
    /// The files it was read from (up first).
    pub files: Vec<PathBuf>,
    /// `None`: the migrations form one chain in the tool's order; else the revisions it revises
    /// (Alembic's `down_revision`, several for a merge).
    pub parents: Option<Vec<String>>,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
    /// Why the tool could not give its SQL (Alembic's offline mode failed): the revision is
    /// written with a `-- REVIEW:` note for a person to finish.
    pub review: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    #[error("unknown format `{name}`")]
    UnknownFormat {
        name: String,
        suggestion: Option<String>,
    },
    #[error("no `alembic.ini` in `{}`", dir.display())]
    NoAlembicIni { dir: PathBuf },
    #[error("`{}` names no `script_location`", ini.display())]
    NoScriptLocation { ini: PathBuf },
    #[error("cannot run Python `{}`: {source}", python.display())]
    NoPython {
        python: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("alembic cannot be imported by `{}` ({detail})", python.display())]
    AlembicMissing { python: PathBuf, detail: String },
    #[error("Alembic's environment failed to load:\n{error}")]
    AlembicFailed { error: String },
    #[error("no {format} migrations in `{}`", dir.display())]
    NoMigrations {
        format: Format,
        dir: PathBuf,
        /// The tools whose layout the directory has.
        others: Vec<Format>,
    },
    #[error("`{}` does not exist", dir.display())]
    NoDir { format: Format, dir: PathBuf },
    #[error("`{}` is this project's migrations directory too: the revision files would be written among the {format} files", dir.display())]
    SameDir { format: Format, dir: PathBuf },
    #[error("{}: version `{version}` cannot be a revision id: {reason}", path.display())]
    BadVersion {
        path: PathBuf,
        version: String,
        reason: &'static str,
    },
    #[error("{} and {} have the same version (revision `{id}`)", first.display(), second.display())]
    SameVersion {
        id: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("{}: {reason}", path.display())]
    Unpaired { path: PathBuf, reason: &'static str },
    #[error("{}: {what} cannot be imported", path.display())]
    Unsupported {
        path: PathBuf,
        what: &'static str,
        help: &'static str,
    },
    #[error("{}: the file is not valid UTF-8", path.display())]
    NotUtf8 { path: PathBuf },
    #[error("{} would collide with existing revisions: {}", if collisions.len() == 1 { "1 migration" } else { "migrations" }, collisions.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("; "))]
    Collisions { collisions: Vec<Collision> },
    #[error("{}: {kind}", path.display())]
    InvalidId { path: PathBuf, kind: ParseErrorKind },
    #[error("{}: {source}", path.display())]
    Render {
        path: PathBuf,
        #[source]
        source: Box<NewError>,
    },
    #[error("{}: the imported file would not read back as the same SQL ({what})", path.display())]
    RoundTrip { path: PathBuf, what: &'static str },
    #[error("cannot read or write `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A migration whose revision id or file is taken already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    pub id: String,
    /// The existing revision file (or the file that is in the way).
    pub existing: PathBuf,
}

impl std::fmt::Display for Collision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` ({})", self.id, self.existing.display())
    }
}

/// Reads `dir` in `format`'s layout.
pub fn read(format: Format, dir: &Path) -> Result<Vec<Migration>, ImportError> {
    if !dir.is_dir() {
        return Err(ImportError::NoDir {
            format,
            dir: dir.to_path_buf(),
        });
    }
    let found = files::read(format, dir)?;
    for m in &found {
        validate_name("revision id", &m.id).map_err(|kind| ImportError::InvalidId {
            path: m.files[0].clone(),
            kind,
        })?;
    }
    Ok(found)
}

/// A revision file ready to be written.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub id: String,
    pub path: PathBuf,
    pub text: String,
    pub irreversible: bool,
    pub no_transaction: bool,
    pub from: PathBuf,
    /// Written with a `-- REVIEW:` note: the tool could not give its SQL.
    pub review: bool,
}

/// Renders every migration as a revision file for `dir` (chained in order, the first a base),
/// checking that each parses back to the same SQL and that none collides with `graph`'s
/// revisions or with a file there. Nothing is written.
pub fn prepare(
    migrations: &[Migration],
    graph: &RevisionGraph,
    dir: &Path,
    templates: &Templates,
) -> Result<Vec<Prepared>, ImportError> {
    let mut collisions = Vec::new();
    for m in migrations {
        for name in std::iter::once(&m.id).chain(&m.branch_labels) {
            if let Some(i) = graph.index_of(name).or_else(|| graph.label_owner(name)) {
                collisions.push(Collision {
                    id: name.clone(),
                    existing: graph.node(i).revision.path.clone(),
                });
            }
        }
    }
    let mut out = Vec::with_capacity(migrations.len());
    let mut parent: Option<&str> = None;
    for m in migrations {
        let new = NewRevision {
            message: if m.message.is_empty() {
                format!("migration {}", m.version)
            } else {
                m.message.clone()
            },
            rev_id: Some(m.id.clone()),
            links: Links {
                parents: m
                    .parents
                    .clone()
                    .unwrap_or_else(|| parent.map(str::to_string).into_iter().collect()),
                branch_labels: m.branch_labels.clone(),
                depends_on: m.depends_on.clone(),
            },
            up: Some(m.up.trim_end().to_string()).filter(|s| !s.trim().is_empty()),
            down: m
                .down
                .as_ref()
                .map(|d| d.trim_end().to_string())
                .filter(|s| !s.trim().is_empty()),
            no_transaction: m.no_transaction,
            irreversible: m.down.is_none(),
            empty: true,
            ..Default::default()
        };
        let (path, text) =
            render_revision(dir, templates, &m.id, &new).map_err(|source| ImportError::Render {
                path: m.files[0].clone(),
                source: Box::new(source),
            })?;
        check_round_trip(m, &path, &text)?;
        if path.exists() && !collisions.iter().any(|c| c.id == m.id) {
            collisions.push(Collision {
                id: m.id.clone(),
                existing: path.clone(),
            });
        }
        out.push(Prepared {
            id: m.id.clone(),
            path,
            text,
            irreversible: m.down.is_none(),
            no_transaction: m.no_transaction,
            from: m.files[0].clone(),
            review: m.review.is_some(),
        });
        parent = Some(&m.id);
    }
    if !collisions.is_empty() {
        return Err(ImportError::Collisions { collisions });
    }
    Ok(out)
}

/// The written file must read back as the tool's SQL: a line in the tool's file that looks
/// like a `-- migrate:` marker would otherwise cut a section short.
fn check_round_trip(m: &Migration, path: &Path, text: &str) -> Result<(), ImportError> {
    let (parsed, _) = crate::revision::parse(path, text).map_err(|e| ImportError::Render {
        path: m.files[0].clone(),
        source: Box::new(NewError::InvalidRendering {
            name: "import".to_string(),
            error: e,
        }),
    })?;
    let fail = |what| ImportError::RoundTrip {
        path: m.files[0].clone(),
        what,
    };
    // An empty section may be written with the template's comment (a merge's "nothing to run").
    if !m.up.trim().is_empty() && parsed.up.sql.trim() != m.up.trim() {
        return Err(fail("its SQL holds a `-- migrate:` line"));
    }
    let down = m.down.as_deref().map(str::trim);
    if down != Some("") && parsed.down.as_ref().map(|d| d.sql.trim()) != down {
        return Err(fail("its down SQL holds a `-- migrate:` line"));
    }
    Ok(())
}

/// Writes the prepared files, each atomically (a temporary file linked into place, which
/// fails rather than replace a file). On any failure the files written so far are removed.
pub fn write(prepared: &[Prepared], dir: &Path) -> Result<(), ImportError> {
    std::fs::create_dir_all(dir).map_err(|source| ImportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut done: Vec<&Path> = Vec::new();
    let result = (|| {
        for p in prepared {
            write_one(p, dir)?;
            done.push(&p.path);
        }
        Ok(())
    })();
    if result.is_err() {
        for path in done {
            let _ = std::fs::remove_file(path);
        }
    }
    result
}

fn write_one(p: &Prepared, dir: &Path) -> Result<(), ImportError> {
    let tmp = dir.join(format!(".{}.import-{}.tmp", p.id, std::process::id()));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ImportError::Io { path, source }
    };
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io(&tmp))?;
        f.write_all(p.text.as_bytes()).map_err(io(&tmp))?;
        std::fs::hard_link(&tmp, &p.path).map_err(io(&p.path))
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

#[cfg(test)]
mod tests;
