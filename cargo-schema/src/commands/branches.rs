//! `branches`: the branch points and the revisions that branch off them.

use schema_core::Project;

use crate::error::CliError;
use crate::output::{Out, Palette};
use crate::render::{one_line, print_revisions_json};

pub fn branches(project: &Project, out: Out) -> Result<(), CliError> {
    let graph = &project.graph;
    let points = graph.branch_points();
    if out.json() {
        print_revisions_json(graph, &points);
        return Ok(());
    }
    let p = Palette::stdout();
    for &b in &points {
        let node = graph.node(b);
        outln!("{}", one_line(node, &p));
        for &c in &node.children {
            outln!("  -> {}", one_line(graph.node(c), &p));
        }
    }
    Ok(())
}
