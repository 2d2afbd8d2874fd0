//! Writing revision files from the command line: the parents, dependencies and labels a
//! user names, and the file written and said.

use schema_core::scaffold::{self, Links, NewRevision, Written};
use schema_core::{Project, Resolved, RevIdx};

use crate::cli::{MergeArgs, NewArgs};
use crate::error::CliError;
use crate::output::Out;
use crate::{render, target};

/// Resolves `--depends-on` values (ids, prefixes, labels) to full ids.
fn dependencies(project: &Project, values: &[String]) -> Result<Vec<String>, CliError> {
    let graph = &project.graph;
    let mut out = Vec::new();
    // An empty value is an empty target: refused by `target` below, as everywhere.
    for v in values.iter().map(|v| v.trim()) {
        // A label stays a label: the dependency then follows the branch's declaring revision.
        if graph.label_owner(v).is_some() && graph.index_of(v).is_none() {
            out.push(v.to_string());
            continue;
        }
        match graph.resolve(&target::parse(v)?, &graph.empty_set())? {
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

/// The revision `new` writes: `-m`, `--rev-id`, `--branch-label`, `--depends-on`,
/// `--template` and `--empty` over `parents`.
pub fn for_new(
    project: &Project,
    args: &NewArgs,
    parents: &[RevIdx],
) -> Result<NewRevision, CliError> {
    let (message, id, labels) = (&args.message, &args.rev_id, &args.branch_label);
    let depends_on = dependencies(project, &args.depends_on)?;
    let mut new = NewRevision {
        template: args.template.clone(),
        empty: args.empty,
        ..header(project, message, id, parents, labels)
    };
    new.links.depends_on = depends_on;
    Ok(new)
}

/// The merge revision `merge` writes over `parents`.
pub fn for_merge(project: &Project, args: &MergeArgs, parents: &[RevIdx]) -> NewRevision {
    let (message, id, labels) = (&args.message, &args.rev_id, &args.branch_label);
    NewRevision {
        empty: true,
        ..header(project, message, id, parents, labels)
    }
}

/// What `new` and `merge` both take: the message, the id, the parents and the labels.
fn header(
    project: &Project,
    message: &str,
    rev_id: &Option<String>,
    parents: &[RevIdx],
    branch_labels: &[String],
) -> NewRevision {
    NewRevision {
        message: message.to_string(),
        rev_id: rev_id.clone(),
        links: Links {
            parents: parents
                .iter()
                .map(|&i| project.graph.id(i).to_string())
                .collect(),
            branch_labels: labels(branch_labels),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn labels(values: &[String]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

/// Writes the revision file and says so: the path on stdout (json with `--format json`).
pub fn create(project: &Project, new: &NewRevision, out: Out) -> Result<Written, CliError> {
    let written = scaffold::write_revision(
        &project.graph,
        &project.config.migrations,
        &project.templates(),
        new,
    )?;
    let Written { id, path } = &written;
    let parents = &new.links.parents;
    let onto = if parents.is_empty() {
        "as a new base".to_string()
    } else {
        format!("revising {}", parents.join(", "))
    };
    out.status("Created", format!("revision {id} {onto}"));
    if out.json() {
        outln!(
            "{}",
            serde_json::json!({ "revision": id, "revises": parents, "path": path })
        );
    } else {
        outln!("{}", path.display());
    }
    Ok(written)
}

/// The parents of a new revision: the head, or `--head` (with `--splice`); several heads are
/// explained with where they came from.
pub fn parents(project: &Project, args: &NewArgs) -> Result<Vec<RevIdx>, CliError> {
    let head = args.head.as_deref().map(target::parse).transpose()?;
    project
        .graph
        .parents_for_new(head.as_ref(), args.splice)
        .map_err(|e| {
            let several = matches!(e, schema_core::NewError::MultipleHeads { .. });
            let err = CliError::from(e);
            if several {
                err.help(render::heads_help(project))
            } else {
                err
            }
        })
}

/// A merge revision over all heads, as `sync` offers it.
pub fn merge_heads(project: &Project, out: Out) -> Result<(), CliError> {
    let graph = &project.graph;
    let parents = graph.merge_parents(&[])?;
    let new = NewRevision {
        message: "merge heads".to_string(),
        links: Links {
            parents: parents.iter().map(|&i| graph.id(i).to_string()).collect(),
            ..Default::default()
        },
        empty: true,
        ..Default::default()
    };
    create(project, &new, out).map(drop)
}
