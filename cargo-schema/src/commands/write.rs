//! The commands that write files: `init`, `new`, `merge`.

use schema_core::scaffold::{self, NewRevision, Written};
use schema_core::{Project, Resolved};

use super::target;
use crate::cli::{GlobalArgs, MergeArgs, NewArgs};
use crate::error::CliError;
use crate::output::Out;
use crate::project;

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

/// Resolves `--depends-on` values (ids, prefixes, labels) to full ids.
pub(super) fn dependencies(project: &Project, values: &[String]) -> Result<Vec<String>, CliError> {
    let graph = &project.graph;
    let mut out = Vec::new();
    // An empty value is an empty target: refused by `target` below, as everywhere.
    for v in values.iter().map(|v| v.trim()) {
        // A label stays a label: the dependency then follows the branch's declaring revision.
        if graph.label_owner(v).is_some() && graph.index_of(v).is_none() {
            out.push(v.to_string());
            continue;
        }
        match graph.resolve(&target(v)?, &graph.empty_set())? {
            Resolved::Revisions(ids) if ids.len() == 1 => out.push(graph.id(ids[0]).to_string()),
            _ => {
                return Err(CliError::invalid(format!(
                    "`--depends-on {v}` must name one revision"
                )));
            }
        }
    }
    Ok(out)
}

pub(super) fn labels(values: &[String]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

/// Writes the revision file and says so: the path on stdout (json with `--format json`).
pub(super) fn create(project: &Project, new: &NewRevision, out: Out) -> Result<Written, CliError> {
    let written = scaffold::write_revision(
        &project.graph,
        &project.config.migrations,
        &project.templates(),
        new,
    )?;
    let Written { id, path } = &written;
    let onto = if new.parents.is_empty() {
        "as a new base".to_string()
    } else {
        format!("revising {}", new.parents.join(", "))
    };
    out.status("Created", format!("revision {id} {onto}"));
    if out.json() {
        println!(
            "{}",
            serde_json::json!({ "revision": id, "revises": new.parents, "path": path })
        );
    } else {
        println!("{}", path.display());
    }
    Ok(written)
}

/// The parents of a new revision: the head, or `--head` (with `--splice`); several heads are
/// explained with where they came from.
pub(super) fn parents(project: &Project, args: &NewArgs) -> Result<Vec<usize>, CliError> {
    let head = args.head.as_deref().map(target).transpose()?;
    project
        .graph
        .parents_for_new(head.as_ref(), args.splice)
        .map_err(|e| {
            let several = matches!(e, schema_core::NewError::MultipleHeads { .. });
            let err = CliError::from(e);
            if several {
                err.help(super::read::heads_help(project))
            } else {
                err
            }
        })
}

pub fn new(project: &Project, args: &NewArgs, out: Out) -> Result<(), CliError> {
    let graph = &project.graph;
    let parents = parents(project, args)?;
    let parents: Vec<String> = parents.iter().map(|&i| graph.id(i).to_string()).collect();
    let new = NewRevision {
        message: args.message.clone(),
        rev_id: args.rev_id.clone(),
        parents,
        branch_labels: labels(&args.branch_label),
        depends_on: dependencies(project, &args.depends_on)?,
        template: args.template.clone(),
        empty: args.empty,
        up: None,
        down: None,
    };
    create(project, &new, out).map(drop)
}

pub fn merge(project: &Project, args: &MergeArgs, out: Out) -> Result<(), CliError> {
    let graph = &project.graph;
    let targets = args
        .revisions
        .iter()
        .map(|r| target(r))
        .collect::<Result<Vec<_>, _>>()?;
    let parents = graph.merge_parents(&targets)?;
    let parents: Vec<String> = parents.iter().map(|&i| graph.id(i).to_string()).collect();
    let new = NewRevision {
        message: args.message.clone(),
        rev_id: args.rev_id.clone(),
        parents,
        branch_labels: labels(&args.branch_label),
        empty: true,
        ..Default::default()
    };
    create(project, &new, out).map(drop)
}

/// A merge revision over all heads, as `sync` offers it.
pub fn merge_heads(project: &Project, out: Out) -> Result<(), CliError> {
    let graph = &project.graph;
    let parents = graph.merge_parents(&[])?;
    let new = NewRevision {
        message: "merge heads".to_string(),
        parents: parents.iter().map(|&i| graph.id(i).to_string()).collect(),
        empty: true,
        ..Default::default()
    };
    create(project, &new, out).map(drop)
}
