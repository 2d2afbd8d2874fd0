//! The library behind `cargo schema`: revision files, the revision graph, targets and planning.
//!
//! Nothing in here writes to a terminal; the CLI renders what this crate returns.

pub mod graph;
pub mod history;
#[cfg(feature = "manifest")]
pub mod init;
pub mod plan;
pub mod reparent;
pub mod revision;
pub mod source;
pub mod target;

pub use config::{Config, ConfigError, LockMode, Origin, RawConfig};
pub use graph::{Edges, GraphError, Node, RevIdx, RevisionGraph, RevisionSet};
pub use migrator::Migrator;
pub use plan::{Direction, Plan, PlanError, StampPlan, Step};
pub use revision::{ParseError, Revision, Warning};
#[cfg(feature = "templates")]
pub use scaffold::{NewError, NewRevision, Templates};
pub use source::{LinkError, LoadError, Loaded};
pub use target::{Anchor, ResolveError, Resolved, Target};

/// Embeds the package's revision files in the binary (feature `macros`): expands to a
/// `&'static [(&'static str, &'static str)]` of `(path, contents)` for
/// [`Migrator::from_embedded`], every `*.sql` file below the migrations directory that
/// `cargo schema` uses (`[package.metadata.schema] migrations`, else
/// `[workspace.metadata.schema]`, else `migrations`); `embed!("db")` names the directory,
/// relative to the package's Cargo.toml.
///
/// ```ignore
/// let migrator = schema_core::Migrator::from_embedded(schema_core::embed!())?;
/// migrator.run(&database_url).await?;
/// ```
///
/// Editing an embedded file rebuilds the crate, but a proc macro cannot watch a directory: add
/// a build.rs with `fn main() { schema_build::watch_migrations(); }` so that new revision
/// files are picked up.
#[cfg(feature = "macros")]
pub use schema_macros::embed;
/// `#[schema_core::test]` (features `macros` and `testing`): a test with a database of its
/// own, cloned from a migrated template; see `testing`.
#[cfg(feature = "macros")]
pub use schema_macros::test;

#[cfg(feature = "autogen")]
pub mod autogen;
pub mod backend;
#[cfg(feature = "autogen")]
pub mod check;
pub mod checksum;
mod clock;
pub mod config;
pub mod db;
#[cfg(feature = "import")]
pub mod import;
#[cfg(feature = "lint")]
pub mod lint;
pub mod migrate;
pub mod migrator;
pub mod offline;
mod random;
#[cfg(feature = "templates")]
pub mod scaffold;
#[cfg(any(feature = "autogen", feature = "lint"))]
pub mod scratch;
pub mod split;
pub mod suggest;
#[cfg(feature = "testing")]
pub mod testing;

/// A project's revisions, loaded and checked.
#[derive(Debug)]
pub struct Project {
    pub config: Config,
    pub graph: RevisionGraph,
    /// Problems that do not stop the revisions from being used.
    pub warnings: Vec<Warning>,
}

/// Why a project's revisions could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Graph(#[from] GraphError),
}

impl Project {
    /// Reads every revision file under the configured migrations directory and builds the
    /// graph.
    pub fn open(config: Config) -> Result<Project, ProjectError> {
        let loaded = source::load_dir(&config.migrations)?;
        let graph = RevisionGraph::new(loaded.revisions)?;
        Ok(Project {
            config,
            graph,
            warnings: loaded.warnings,
        })
    }

    /// The templates `new` and `merge` render.
    #[cfg(feature = "templates")]
    pub fn templates(&self) -> Templates {
        Templates {
            dir: self.config.templates.clone(),
        }
    }
}
