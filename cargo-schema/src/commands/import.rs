//! `import FORMAT [DIR]`: another tool's migrations as revision files; `--adopt`: what that
//! tool applied on the database, recorded as applied revisions.

use std::path::{Path, PathBuf};

use schema_core::db::DatabaseUrl;
use schema_core::import::{self, Format, ImportError, alembic};

use crate::cli::{GlobalArgs, ImportArgs};
use crate::error::CliError;
use crate::output::Out;
use crate::{adopt, project};

pub fn import(global: &GlobalArgs, args: &ImportArgs, out: Out) -> Result<(), CliError> {
    let format = Format::from_name(&args.tool)?;
    if args.adopt {
        let project = project::open(global)?;
        for w in &project.warnings {
            out.warn(w);
        }
        return adopt::adopt(&project, global, &args.lock, format, out);
    }
    let config = project::config(global)?;
    let (dir, migrations) = if format == Format::Alembic {
        read_alembic(global, &config, args.dir.as_deref(), out)?
    } else {
        let dir = match &args.dir {
            Some(d) => d.clone(),
            None => default_dir(format, &config.root)?,
        };
        if overlaps(&dir, &config.migrations) {
            return Err(ImportError::SameDir {
                format,
                dir: project::relative(&dir),
            }
            .into());
        }
        let migrations = import::read(format, &dir)?;
        (dir, migrations)
    };
    // A new project: the migrations directory is made here, and removed again if nothing
    // could be written into it.
    let created = !config.migrations.exists();
    if created {
        std::fs::create_dir_all(&config.migrations).map_err(|e| {
            CliError::new(
                crate::error::FAILED,
                format!("cannot create `{}`: {e}", config.migrations.display()),
            )
        })?;
    }
    let result = (|| {
        let project = project::open(global)?;
        for w in &project.warnings {
            out.warn(w);
        }
        let target = &project.config.migrations;
        let prepared = import::prepare(&migrations, &project.graph, target, &project.templates())?;
        import::write(&prepared, target)?;
        Ok::<_, CliError>((project, prepared))
    })();
    let (project, prepared) = match result {
        Ok(done) => done,
        Err(e) => {
            if created {
                let _ = std::fs::remove_dir(&config.migrations);
            }
            return Err(e);
        }
    };
    let target = &project.config.migrations;
    for p in &prepared {
        let mut notes = Vec::new();
        if p.irreversible {
            notes.push("irreversible");
        }
        if p.no_transaction {
            notes.push("transaction:false");
        }
        if p.review {
            notes.push("REVIEW");
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        };
        if out.verbose || prepared.len() <= 20 {
            out.status(
                "Wrote",
                format!(
                    "{}{notes} from {}",
                    p.path.display(),
                    project::relative(&p.from).display()
                ),
            );
        }
        outln!("{}", p.path.display());
    }
    let irreversible = prepared.iter().filter(|p| p.irreversible).count();
    out.status(
        "Imported",
        format!(
            "{} {format} migration(s) from {} into {}{}",
            prepared.len(),
            project::relative(&dir).display(),
            target.display(),
            if irreversible > 0 {
                format!(" ({irreversible} irreversible: {format} gave no down for them)")
            } else {
                String::new()
            }
        ),
    );
    let review: Vec<&str> = prepared
        .iter()
        .filter(|p| p.review)
        .map(|p| p.id.as_str())
        .collect();
    if !review.is_empty() {
        out.warn(format!(
            "{} revision(s) could not be rendered as SQL by {format} and need a person: {} (each has a `-- REVIEW:` note with its Python; write its SQL, then remove the note)",
            review.len(),
            review.join(", ")
        ));
    }
    if !project.graph.is_empty() {
        out.warn(format!(
            "the imported revisions start a new base beside the {} revision(s) already there: join the heads with `cargo schema merge -m \"merge {format} history\"`",
            project.graph.len()
        ));
    }
    if !out.quiet {
        eprintln!("\nNext:");
        let adopt = format!("cargo schema import {format} --adopt");
        eprintln!("  {:<40}# the imported revisions", "cargo schema history");
        eprintln!("  {adopt:<40}# on each database {format} manages: record what it applied");
        eprintln!("  {:<40}# on a new database", "cargo schema up");
    }
    Ok(())
}

/// Alembic's revisions, read and rendered by Alembic itself for the project's database kind.
fn read_alembic(
    global: &GlobalArgs,
    config: &schema_core::Config,
    dir: Option<&Path>,
    out: Out,
) -> Result<(PathBuf, Vec<import::Migration>), CliError> {
    let source = alembic::Source::find(&config.root, dir)?;
    let url = DatabaseUrl::resolve(config, global.database_url.as_deref())?.url;
    let python = alembic::python(&config.root);
    out.status(
        "Rendering",
        format!(
            "Alembic's revisions for {} with {} (offline mode)",
            url.dialect.name(),
            python.display()
        ),
    );
    let migrations = alembic::read(&python, &source, url.dialect)?;
    let shown = dir
        .map(Path::to_path_buf)
        .or(source.ini)
        .unwrap_or_else(|| PathBuf::from("alembic.ini"));
    Ok((project::relative(&shown), migrations))
}

/// The first of the tool's usual directories that exists below the project.
fn default_dir(format: Format, root: &Path) -> Result<PathBuf, CliError> {
    let dirs = format.default_dirs();
    dirs.iter()
        .map(|d| root.join(d))
        .find(|d| d.is_dir())
        .map(|d| project::relative(&d))
        .ok_or_else(|| {
            CliError::from(ImportError::NoDir {
                format,
                dir: project::relative(&root.join(dirs[0])),
            })
        })
}

/// Whether the two directories are the same or one holds the other.
fn overlaps(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (a, b) = (canon(a), canon(b));
    a.starts_with(&b) || b.starts_with(&a)
}
