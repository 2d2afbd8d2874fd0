//! `init`: the metadata section, the migrations directory and `.gitignore`; with
//! `--from-database`, a base revision that creates what the database has, then a stamp.

use schema_core::autogen::{Renames, Schema, generate};
use schema_core::migrate::Options;
use schema_core::scaffold::NewRevision;

use crate::cli::{GlobalArgs, InitArgs};
use crate::error::{CliError, FAILED, INVALID};
use crate::output::Out;
use crate::{project, scaffold, session};

pub fn init(global: &GlobalArgs, out: Out) -> Result<(), CliError> {
    let manifest = project::manifest_path(global)?;
    let outcome = schema_core::init::init(&manifest)?;
    let manifest = project::relative(&manifest);
    if outcome.manifest_changed {
        out.status(
            "Added",
            format!("[{}] to {}", outcome.section, manifest.display()),
        );
    }
    if outcome.created_migrations_dir {
        out.status(
            "Created",
            format!(
                "migrations directory {}",
                project::relative(&outcome.migrations_dir).display()
            ),
        );
    }
    if outcome.gitignore_changed {
        out.status("Ignored", "the default database dev.db in .gitignore");
    }
    if !outcome.manifest_changed && !outcome.created_migrations_dir && !outcome.gitignore_changed {
        out.status("Fresh", format!("{} is already set up", manifest.display()));
    } else if !out.quiet {
        eprintln!("\nNext: `cargo schema new -m \"create users\"` writes the first revision.");
    }
    Ok(())
}

/// `init --from-database`: a base revision that creates what the database has, then a stamp.
pub fn from_database(global: &GlobalArgs, args: &InitArgs, out: Out) -> Result<(), CliError> {
    let mut project = crate::project::open(global)?;
    if !project.graph.is_empty() {
        return Err(CliError::invalid(format!(
            "--from-database adopts a database into a project without revisions, and {} has {}",
            crate::project::relative(&project.config.migrations).display(),
            project.graph.len()
        ))
        .help(
            "to compare a database with a declared schema, use `cargo schema new --autogenerate`",
        ));
    }
    let url = session::resolve_url(&project, global, out)?;
    let table = session::table(&project);
    let live = session::block_on(async {
        let mut conn = session::connect_to(&url, out).await?;
        let live = schema_core::autogen::introspect_app(&mut conn, &table).await;
        conn.close().await;
        Ok::<_, CliError>(live?)
    })??;
    if live.is_empty() {
        return Err(
            CliError::new(FAILED, format!("{} has no tables to adopt", url.redacted()))
                .help("start with `cargo schema new -m \"create …\"` instead"),
        );
    }
    let generated = generate::generate(
        url.dialect,
        &Schema::default(),
        &live,
        &Renames::default(),
        &[],
    );
    let new = NewRevision {
        message: "adopt the existing database".to_string(),
        up: Some(generated.up.clone()),
        down: Some(generated.down.clone()),
        ..Default::default()
    };
    let written = scaffold::create(&project, &new, out)?;
    if let Some(path) = &args.schema_file {
        let path = if path.is_absolute() {
            path.clone()
        } else {
            std::env::current_dir()
                .map_err(|e| CliError::new(FAILED, e.to_string()))?
                .join(path)
        };
        std::fs::write(&path, format!("{}\n", generated.up))
            .map_err(|e| CliError::new(FAILED, format!("cannot write {}: {e}", path.display())))?;
        let manifest = crate::project::manifest_path(global)?;
        let root = manifest.parent().unwrap_or(std::path::Path::new("."));
        let relative = path.strip_prefix(root).unwrap_or(&path);
        schema_core::init::set_key(&manifest, "schema", &relative.to_string_lossy())?;
        out.status(
            "Wrote",
            format!(
                "the declared schema {} (`schema` in the metadata)",
                crate::project::relative(&path).display()
            ),
        );
    }
    // Reload so the graph has the new revision, then record it as applied.
    project = crate::project::open(global)?;
    session::block_on(async {
        let conn = schema_core::db::Conn::connect(&url).await?;
        let mut m = session::migration(&project, conn, table, Options::default());
        let target: schema_core::Target = written
            .id
            .parse()
            .map_err(|_| CliError::new(INVALID, "the new revision id is not a target"))?;
        let r = m.stamp(&target, false).await;
        m.conn.close().await;
        r?;
        Ok::<_, CliError>(())
    })??;
    out.status(
        "Stamped",
        format!(
            "{} at {}: it already has what the revision creates",
            url.redacted(),
            written.id
        ),
    );
    Ok(())
}
