//! The read commands: `history`, `heads`, `branches`, `show`.

use schema_core::graph::Node;
use schema_core::history::{GraphNode, GraphRow, layout};
use schema_core::{Edges, Project, Resolved, RevisionGraph};
use serde_json::{Value, json};

use super::target;
use crate::cli::{HistoryArgs, ShowArgs};
use crate::error::CliError;
use crate::output::{Out, Palette};

fn ids(graph: &RevisionGraph, v: &[usize]) -> Vec<String> {
    v.iter().map(|&i| graph.id(i).to_string()).collect()
}

/// A revision as json: the same fields for every read command.
fn revision_json(graph: &RevisionGraph, i: usize) -> Value {
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

fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

/// `<id> (head) (auth) message`, styled.
fn one_line(node: &Node, p: &Palette) -> String {
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
fn details(graph: &RevisionGraph, node: &Node) -> Vec<String> {
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
fn head_origins(project: &Project, heads: &[usize]) -> Option<Vec<String>> {
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

pub fn heads(project: &Project, out: Out) -> Result<(), CliError> {
    let graph = &project.graph;
    let heads = graph.heads();
    if out.json() {
        print_json(&Value::Array(
            heads.iter().map(|&i| revision_json(graph, i)).collect(),
        ));
        return Ok(());
    }
    let p = Palette::stdout();
    let origins = if out.verbose {
        head_origins(project, heads)
    } else {
        None
    };
    for (k, &h) in heads.iter().enumerate() {
        let node = graph.node(h);
        println!("{}", one_line(node, &p));
        if out.verbose {
            for d in details(graph, node) {
                println!("    {}", p.dim.apply_to(d));
            }
            if let Some(o) = origins.as_ref().and_then(|o| o.get(k)) {
                println!("    {}", p.dim.apply_to(format!("Git: {o}")));
            }
        }
    }
    if heads.len() > 1 && !out.quiet {
        out.warn(format!(
            "{}; `cargo schema merge -m \"merge heads\"` joins them",
            describe_heads(project)
        ));
    }
    Ok(())
}

pub fn branches(project: &Project, out: Out) -> Result<(), CliError> {
    let graph = &project.graph;
    let points = graph.branch_points();
    if out.json() {
        print_json(&Value::Array(
            points.iter().map(|&i| revision_json(graph, i)).collect(),
        ));
        return Ok(());
    }
    let p = Palette::stdout();
    for &b in &points {
        let node = graph.node(b);
        println!("{}", one_line(node, &p));
        for &c in &node.children {
            println!("  -> {}", one_line(graph.node(c), &p));
        }
    }
    Ok(())
}

/// The revisions `-r FROM:TO` covers: descendants of FROM that are ancestors of TO.
fn range(graph: &RevisionGraph, text: &str) -> Result<Vec<usize>, CliError> {
    let Some((from, to)) = text.split_once(':') else {
        return Err(CliError::invalid(format!(
            "invalid revision range `{text}`: expected FROM:TO"
        ))
        .help("either side may be empty: `-r ae10:` is ae10 and everything after it"));
    };
    let none = graph.empty_set();
    let resolve = |side: &str| -> Result<Option<Vec<usize>>, CliError> {
        let side = side.trim();
        if side.is_empty() {
            return Ok(None);
        }
        if side == "current" {
            return Err(CliError::invalid(
                "`current` in a range needs the database's state, which `history` does not read",
            ));
        }
        Ok(match graph.resolve(&target(side)?, &none)? {
            Resolved::Base => None,
            Resolved::BranchBase(v) | Resolved::Revisions(v) => Some(v),
        })
    };
    let lower = resolve(from)?;
    let upper = resolve(to)?;
    let both_ends = lower.is_some() && upper.is_some();
    let below = match &upper {
        Some(v) => graph.ancestors(v.iter().copied(), Edges::Parents),
        None => graph.ancestors(graph.heads().iter().copied(), Edges::Parents),
    };
    let above = lower.map(|v| graph.descendants(v, Edges::Parents));
    let shown: Vec<usize> = graph
        .topological_order()
        .iter()
        .rev()
        .copied()
        .filter(|&i| below.contains(i) && above.as_ref().is_none_or(|a| a.contains(i)))
        .collect();
    if shown.is_empty() && both_ends {
        return Err(CliError::invalid(format!(
            "the range `{text}` does not go from a revision to one of its descendants"
        ))
        .help("FROM must be an ancestor of TO on the same branch; `history` without `-r` shows everything"));
    }
    Ok(shown)
}

pub fn history(
    project: &Project,
    global: &crate::cli::GlobalArgs,
    args: &HistoryArgs,
    out: Out,
) -> Result<(), CliError> {
    let graph = &project.graph;
    let shown: Vec<usize> = match &args.range {
        Some(r) => range(graph, r)?,
        None => graph.topological_order().iter().rev().copied().collect(),
    };
    if out.json() {
        print_json(&Value::Array(
            shown.iter().map(|&i| revision_json(graph, i)).collect(),
        ));
        return Ok(());
    }
    let mut position = vec![usize::MAX; graph.len()];
    for (pos, &i) in shown.iter().enumerate() {
        position[i] = pos;
    }
    let applied = if out.json() {
        None
    } else {
        super::database::applied_if_any(project, global, out)
    };
    let current: Vec<usize> = applied
        .as_ref()
        .map(|a| graph.heads_of(a))
        .unwrap_or_default();
    let nodes: Vec<GraphNode> = shown
        .iter()
        .map(|&i| GraphNode {
            parents: graph
                .node(i)
                .parents
                .iter()
                .map(|&p| position[p])
                .filter(|&p| p != usize::MAX)
                .collect(),
            // With a database: `*` applied, `o` not applied.
            marker: match &applied {
                Some(a) if !a.contains(i) => 'o',
                _ => '*',
            },
        })
        .collect();
    let p = Palette::stdout();
    let mut text = String::new();
    for row in layout(&nodes) {
        match row {
            GraphRow::Edge { graph: g } => {
                text.push_str(&g);
                text.push('\n');
            }
            GraphRow::Node { node, graph: g } => {
                let n = graph.node(shown[node]);
                text.push_str(&g);
                text.push(' ');
                text.push_str(&one_line(n, &p));
                if current.contains(&shown[node]) {
                    text.push(' ');
                    text.push_str(&p.tag.apply_to("(current)").to_string());
                }
                text.push('\n');
                if out.verbose {
                    // Under the node its lane continues (or ends, for a base).
                    let lane = if n.is_base() { " " } else { "|" };
                    let cont = g.replacen(nodes[node].marker, lane, 1);
                    for d in details(graph, n) {
                        text.push_str(&format!("{cont}   {}\n", p.dim.apply_to(d)));
                    }
                }
            }
        }
    }
    print!("{text}");
    Ok(())
}

pub fn show(project: &Project, args: &ShowArgs, out: Out) -> Result<(), CliError> {
    let graph = &project.graph;
    let Some(i) = graph.resolve_one(&target(&args.revision)?)? else {
        return Err(
            CliError::invalid(format!("`{}` is not a revision", args.revision))
                .help("`show` takes a revision id, a prefix of one, a branch label or `head`"),
        );
    };
    let node = graph.node(i);
    let r = &node.revision;
    if out.json() {
        let mut v = revision_json(graph, i);
        v["up"] = json!({ "sql": r.up.sql, "line": r.up.line, "transaction": r.up.transaction });
        v["down"] = match &r.down {
            Some(d) => json!({ "sql": d.sql, "line": d.line }),
            None => Value::Null,
        };
        print_json(&v);
        return Ok(());
    }
    let p = Palette::stdout();
    let list = |v: &[usize]| {
        if v.is_empty() {
            "(none)".to_string()
        } else {
            ids(graph, v).join(", ")
        }
    };
    println!("Revision:      {}", one_line(node, &p));
    println!("Path:          {}", r.path.display());
    if let Some(c) = &r.created {
        println!("Created:       {c}");
    }
    println!("Revises:       {}", list(&node.parents));
    println!("Revised by:    {}", list(&node.children));
    if !node.depends_on.is_empty() {
        println!("Depends on:    {}", list(&node.depends_on));
    }
    if !node.dependents.is_empty() {
        println!("Needed by:     {}", list(&node.dependents));
    }
    let labels: Vec<&str> = node.branch_labels().collect();
    if !labels.is_empty() {
        println!("Branch labels: {}", labels.join(", "));
    }
    let tx = if r.up.transaction {
        ""
    } else {
        " transaction:false"
    };
    println!("\n-- migrate:up{tx}\n{}", r.up.sql.trim_matches('\n'));
    match &r.down {
        Some(d) => println!("\n-- migrate:down\n{}", d.sql.trim_matches('\n')),
        None => println!("\n(no -- migrate:down section: this revision is irreversible)"),
    }
    Ok(())
}
