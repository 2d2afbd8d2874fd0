//! `new --autogenerate` and `init --from-database`: revisions written from the difference
//! between a database and a declared schema.

use std::io::IsTerminal;

use schema_core::Project;
use schema_core::autogen::diff::rename_candidates;
use schema_core::autogen::scratch::{self, Leftover};
use schema_core::autogen::{AutogenError, RenameCandidate, Renames, Schema, generate};
use schema_core::db::{DatabaseUrl, VersionTable};
use schema_core::migrate::{Migration, Options};
use schema_core::scaffold::NewRevision;

use super::database::{block_on, connect_to};
use super::write;
use crate::cli::{GlobalArgs, InitArgs, NewArgs};
use crate::error::{CliError, FAILED, INVALID};
use crate::output::Out;

impl From<AutogenError> for CliError {
    fn from(e: AutogenError) -> Self {
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
                return CliError {
                    diagnostics: refused
                        .iter()
                        .map(|r| crate::error::Diagnostic {
                            message: r.message(&path),
                            help: help.iter().cloned().collect(),
                        })
                        .collect(),
                    code: INVALID,
                };
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

/// Drops the scratch databases this machine's runs left on `server` (a kill -9, a crash),
/// saying so, and returns those it may not drop: another machine's or an older release's that
/// no session uses. A failure to look is a warning.
pub(super) async fn sweep_scratch(server: &DatabaseUrl, out: Out) -> Vec<Leftover> {
    match scratch::sweep(server).await {
        Ok(swept) => {
            for d in &swept.dropped {
                let by = d
                    .pid
                    .map(|pid| format!("process {pid}"))
                    .unwrap_or_else(|| "a run".to_string());
                out.status(
                    "Dropped",
                    format!(
                        "the scratch database `{}`, left behind by cargo-schema {by} on this machine, which has ended",
                        d.name
                    ),
                );
            }
            swept.unclaimed
        }
        Err(e) => {
            out.warn(format!(
                "could not look for scratch databases left behind on {}: {e}",
                server.redacted()
            ));
            Vec::new()
        }
    }
}

/// [`sweep_scratch`], with a warning for each scratch database it may not drop.
pub(super) async fn warn_scratch_leftovers(server: &DatabaseUrl, out: Out) {
    for left in sweep_scratch(server, out).await {
        let by = match left.pid {
            Some(pid) => format!("by cargo-schema process {pid}"),
            None => "by an older cargo-schema".to_string(),
        };
        out.warn(format!(
            "the scratch database `{}` was left behind {by} and no session uses it; not dropped, as it is not provably this machine's and this user's: when no run uses it any more, `{}`",
            left.name,
            left.drop_sql()
        ));
    }
}

/// Asks whether a candidate is a rename; no (keep the drop and the add, marked in the file)
/// without a terminal or with `--yes`, like Django's `makemigrations --noinput`.
fn ask(global: &GlobalArgs, candidate: &RenameCandidate) -> Result<bool, CliError> {
    if global.yes || !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Ok(false);
    }
    dialoguer::Confirm::new()
        .with_prompt(format!("Did you rename {candidate}?"))
        .default(false)
        .interact()
        .map_err(|e| CliError::new(FAILED, format!("cannot read the answer: {e}")))
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

pub fn new(
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
    let parents = write::parents(project, args)?;
    let url = super::database::resolve_url(project, global, out)?;
    let (live, declared) = block_on(async {
        let mut conn = connect_to(&url, out).await?;
        let table = VersionTable::new(&project.config.version_table);
        let live = generate::live(&mut conn, &table, graph).await;
        conn.close().await;
        let live = live?;
        warn_scratch_leftovers(&url, out).await;
        out.status(
            "Comparing",
            format!(
                "with {} (loaded into a scratch database)",
                crate::project::relative(&schema).display()
            ),
        );
        let declared = generate::declared(&url, &crate::project::relative(&schema)).await?;
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
        message: args.message.clone(),
        rev_id: args.rev_id.clone(),
        parents: parents.iter().map(|&i| graph.id(i).to_string()).collect(),
        branch_labels: write::labels(&args.branch_label),
        depends_on: write::dependencies(project, &args.depends_on)?,
        template: args.template.clone(),
        empty: args.empty,
        up: (!generated.up.is_empty()).then(|| generated.up.clone()),
        down: (!generated.down.is_empty()).then(|| generated.down.clone()),
    };
    write::create(project, &new, out)?;
    if !generated.changes.is_empty() {
        out.status(
            "Review",
            "the file before applying it: autogenerate is a draft",
        );
    }
    Ok(())
}

/// `init --from-database`: a base revision that creates what the database has, then a stamp.
pub fn adopt(global: &GlobalArgs, args: &InitArgs, out: Out) -> Result<(), CliError> {
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
    let url = super::database::resolve_url(&project, global, out)?;
    let table = VersionTable::new(&project.config.version_table);
    let live = block_on(async {
        let mut conn = connect_to(&url, out).await?;
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
    let written = write::create(&project, &new, out)?;
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
    block_on(async {
        let mut m = Migration {
            graph: &project.graph,
            conn: schema_core::db::Conn::connect(&url).await?,
            table,
            options: Options::default(),
        };
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
