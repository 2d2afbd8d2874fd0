//! How revisions read on stdout and in messages: one line, the `--verbose` details, json,
//! and the description of several heads.

use schema_core::graph::Node;
use schema_core::{Project, RevIdx, RevisionGraph};
use serde_json::{Value, json};

use crate::output::Palette;

pub fn ids(graph: &RevisionGraph, v: &[RevIdx]) -> Vec<String> {
    v.iter().map(|&i| graph.id(i).to_string()).collect()
}

/// A revision as json: the same fields for every read command.
pub fn revision_json(graph: &RevisionGraph, i: RevIdx) -> Value {
    let n = graph.node(i);
    let r = &n.revision;
    json!({
        "revision": r.id,
        "message": r.message,
        "created": r.created,
        "path": r.path,
        "revises": ids(graph, &n.parents),
        "children": ids(graph, &n.children),
        "depends_on": ids(graph, &n.depends_on),
        "branch_labels": n.branch_labels().collect::<Vec<_>>(),
        "is_head": n.is_head(),
        "is_base": n.is_base(),
        "is_merge": n.is_merge(),
        "is_branch_point": n.is_branch_point(),
        "irreversible": r.down.is_none(),
    })
}

/// The revisions as a json array on stdout, in the given order.
pub fn print_revisions_json(graph: &RevisionGraph, revisions: &[RevIdx]) {
    print_json(&Value::Array(
        revisions.iter().map(|&i| revision_json(graph, i)).collect(),
    ));
}

pub fn print_json(value: &Value) {
    outln!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

/// `<id> (head) (auth) message`, styled.
pub fn one_line(node: &Node, p: &Palette) -> String {
    let mut s = p.id.apply_to(node.id()).to_string();
    let mut tags = Vec::new();
    if node.is_head() {
        tags.push("head".to_string());
    }
    if node.is_merge() {
        tags.push("merge".to_string());
    }
    if node.is_branch_point() {
        tags.push("branch point".to_string());
    }
    tags.extend(node.branch_labels().map(|l| format!("@{l}")));
    for t in tags {
        s.push(' ');
        s.push_str(&p.tag.apply_to(format!("({t})")).to_string());
    }
    if let Some(m) = &node.revision.message {
        s.push(' ');
        s.push_str(m);
    }
    s
}

/// The lines `--verbose` adds under a revision.
pub fn details(graph: &RevisionGraph, node: &Node) -> Vec<String> {
    let r = &node.revision;
    let mut v = vec![format!("Path: {}", r.path.display())];
    if let Some(c) = &r.created {
        v.push(format!("Created: {c}"));
    }
    if !node.parents.is_empty() {
        v.push(format!("Revises: {}", ids(graph, &node.parents).join(", ")));
    }
    if !node.depends_on.is_empty() {
        v.push(format!(
            "Depends on: {}",
            ids(graph, &node.depends_on).join(", ")
        ));
    }
    if r.down.is_none() {
        v.push("Irreversible: no `-- migrate:down` section".to_string());
    }
    v
}

/// Where each head came from in git, when the project is in a repository.
pub fn head_origins(project: &Project, heads: &[RevIdx]) -> Option<Vec<String>> {
    let git = crate::git::Git::open(&project.config.root).ok()?;
    let files: Vec<&std::path::Path> = heads
        .iter()
        .map(|&h| project.graph.node(h).revision.path.as_path())
        .collect();
    let current = git.current_branch();
    let found = git.provenance(&files, 10_000).ok()?;
    Some(
        found
            .iter()
            .map(|p| p.describe(current.as_deref()))
            .collect(),
    )
}

/// `2 heads: 1a2b… add phone (from feature/phone, local only) and 3c4d… add roles (from main)`.
pub fn describe_heads(project: &Project) -> String {
    let graph = &project.graph;
    let heads = graph.heads();
    let origins = head_origins(project, heads);
    let parts: Vec<String> = heads
        .iter()
        .enumerate()
        .map(|(k, &h)| {
            let n = graph.node(h);
            let mut s = n.id().to_string();
            if let Some(m) = &n.revision.message {
                s.push(' ');
                s.push_str(m);
            }
            if let Some(o) = origins.as_ref().and_then(|o| o.get(k)) {
                s.push_str(&format!(" ({o})"));
            }
            s
        })
        .collect();
    format!("{} heads: {}", heads.len(), parts.join(" and "))
}

/// The help line for a command that several heads stop: which they are and where they came
/// from, and what to run.
pub fn heads_help(project: &Project) -> String {
    format!(
        "{}; `cargo schema sync` offers to merge them (or move a local-only line on top of the other)",
        describe_heads(project)
    )
}
