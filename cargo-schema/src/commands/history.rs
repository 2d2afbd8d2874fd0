//! `history`: the revision graph, newest first, marking what the database has applied.

use schema_core::history::{GraphNode, GraphRow, layout};
use schema_core::{Edges, Project, Resolved, RevIdx, RevisionGraph};

use crate::cli::{GlobalArgs, HistoryArgs};
use crate::error::CliError;
use crate::output::{Out, Palette};
use crate::render::{details, one_line, print_revisions_json};
use crate::{session, target};

/// The revisions `-r FROM:TO` covers: descendants of FROM that are ancestors of TO.
fn range(graph: &RevisionGraph, text: &str) -> Result<Vec<RevIdx>, CliError> {
    let Some((from, to)) = text.split_once(':') else {
        return Err(CliError::invalid(format!(
            "invalid revision range `{text}`: expected FROM:TO"
        ))
        .help("either side may be empty: `-r ae10:` is ae10 and everything after it"));
    };
    let none = graph.empty_set();
    let resolve = |side: &str| -> Result<Option<Vec<RevIdx>>, CliError> {
        let side = side.trim();
        if side.is_empty() {
            return Ok(None);
        }
        if side == "current" {
            return Err(CliError::invalid(
                "`current` in a range needs the database's state, which `history` does not read",
            ));
        }
        Ok(match graph.resolve(&target::parse(side)?, &none)? {
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
    let shown: Vec<RevIdx> = graph
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
    global: &GlobalArgs,
    args: &HistoryArgs,
    out: Out,
) -> Result<(), CliError> {
    let graph = &project.graph;
    let shown: Vec<RevIdx> = match &args.range {
        Some(r) => range(graph, r)?,
        None => graph.topological_order().iter().rev().copied().collect(),
    };
    if out.json() {
        print_revisions_json(graph, &shown);
        return Ok(());
    }
    let mut position = vec![usize::MAX; graph.len()];
    for (pos, &i) in shown.iter().enumerate() {
        position[i.get()] = pos;
    }
    let applied = if out.json() {
        None
    } else {
        session::applied_if_any(project, global, out)
    };
    let current: Vec<RevIdx> = applied
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
                .map(|&p| position[p.get()])
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
