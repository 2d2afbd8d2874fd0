//! `new`: a revision file from a template, or with `--autogenerate` from the difference
//! between the database and the declared schema.

use schema_core::Project;
use schema_core::autogen::diff::rename_candidates;
use schema_core::autogen::{RenameCandidate, Renames, Schema, generate};
use schema_core::scaffold::NewRevision;

use crate::cli::{GlobalArgs, NewArgs};
use crate::error::CliError;
use crate::output::Out;
use crate::{prompt, scaffold, scratch, session};

pub fn plain(project: &Project, args: &NewArgs, out: Out) -> Result<(), CliError> {
    let parents = scaffold::parents(project, args)?;
    let new = scaffold::for_new(project, args, &parents)?;
    scaffold::create(project, &new, out).map(drop)
}

/// Asks whether a candidate is a rename; no (keep the drop and the add, marked in the file)
/// without a terminal or with `--yes`, like Django's `makemigrations --noinput`.
fn ask(global: &GlobalArgs, candidate: &RenameCandidate) -> Result<bool, CliError> {
    if global.yes || !prompt::can_ask() {
        return Ok(false);
    }
    prompt::confirm(&format!("Did you rename {candidate}?"), false)
}

/// The renames the user confirms (tables first, then columns), and those left unconfirmed.
fn renames(
    global: &GlobalArgs,
    from: &Schema,
    to: &Schema,
) -> Result<(Renames, Vec<RenameCandidate>), CliError> {
    let mut renames = Renames::default();
    let mut unconfirmed = Vec::new();
    for c in rename_candidates(from, to, &renames) {
        if let RenameCandidate::Table { from, to } = &c {
            if ask(global, &c)? {
                renames.tables.push((from.clone(), to.clone()));
            } else {
                unconfirmed.push(c);
            }
        }
    }
    for c in rename_candidates(from, to, &renames) {
        if let RenameCandidate::Column { table, from, to } = &c {
            if ask(global, &c)? {
                renames
                    .columns
                    .push((table.clone(), from.clone(), to.clone()));
            } else {
                unconfirmed.push(c);
            }
        }
    }
    Ok((renames, unconfirmed))
}

pub fn autogenerate(
    project: &Project,
    global: &GlobalArgs,
    args: &NewArgs,
    out: Out,
) -> Result<(), CliError> {
    let Some(schema) = project.config.schema.clone() else {
        return Err(CliError::invalid("no declared schema to autogenerate from").help(
            "set `schema = \"schema.sql\"` in [package.metadata.schema]: a file of CREATE statements for the tables as they should be",
        ));
    };
    let graph = &project.graph;
    let parents = scaffold::parents(project, args)?;
    let url = session::resolve_url(project, global, out)?;
    let (live, declared) = session::block_on(async {
        let mut conn = session::connect_to(&url, out).await?;
        let table = session::table(project);
        let live = generate::live(&mut conn, &table, graph).await;
        conn.close().await;
        let live = live?;
        scratch::warn_leftovers(&url, out).await;
        out.status(
            "Comparing",
            format!(
                "with {} (loaded into a scratch database)",
                crate::project::relative(&schema).display()
            ),
        );
        let declared = generate::declared(
            &url,
            &crate::project::relative(&schema),
            &scratch::interrupt(),
        )
        .await?;
        Ok::<_, CliError>((live, declared))
    })??;
    let (renames, unconfirmed) = renames(global, &live, &declared)?;
    let generated = generate::generate(url.dialect, &live, &declared, &renames, &unconfirmed);
    if generated.changes.is_empty() && !args.empty {
        out.status(
            "Fresh",
            "No changes detected: the database matches the declared schema; no file written",
        );
        return Ok(());
    }
    for c in &generated.changes {
        out.status("Detected", c.describe());
    }
    for w in &generated.warnings {
        out.warn(w);
    }
    let new = NewRevision {
        up: (!generated.up.is_empty()).then(|| generated.up.clone()),
        down: (!generated.down.is_empty()).then(|| generated.down.clone()),
        ..scaffold::for_new(project, args, &parents)?
    };
    let written = scaffold::create(project, &new, out)?;
    lint_written(project, &url, &written.id, out);
    if !generated.changes.is_empty() {
        out.status(
            "Review",
            "the file before applying it: autogenerate is a draft",
        );
    }
    Ok(())
}

/// Lints the revision autogenerate wrote, on a rehearsal database at its parents, and prints
/// the findings under it.
fn lint_written(project: &Project, url: &schema_core::db::DatabaseUrl, id: &str, out: Out) {
    if !crate::lint::observed(url) {
        return;
    }
    let not_linted = |why: String| out.warn(format!("the new revision was not linted: {why}"));
    let first_message = |e: CliError| {
        e.diagnostics
            .first()
            .map(|d| d.message.clone())
            .unwrap_or_default()
    };
    let options = match crate::lint::options(project) {
        Ok(o) => o,
        Err(e) => return not_linted(first_message(e)),
    };
    let reloaded = match Project::open(project.config.clone()) {
        Ok(p) => p,
        Err(e) => return not_linted(e.to_string()),
    };
    let Some(index) = reloaded.graph.index_of(id) else {
        return;
    };
    match session::block_on(crate::lint::run(&reloaded, url, &[index], &options)) {
        Ok(result) => crate::lint::print_report(&reloaded, result, out),
        Err(e) => not_linted(first_message(e)),
    }
}
