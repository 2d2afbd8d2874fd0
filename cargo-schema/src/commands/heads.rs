//! `heads`: the revisions nothing revises yet.

use schema_core::Project;

use crate::error::CliError;
use crate::output::{Out, Palette};
use crate::render::{describe_heads, details, head_origins, one_line, print_revisions_json};

pub fn heads(project: &Project, out: Out) -> Result<(), CliError> {
    let graph = &project.graph;
    let heads = graph.heads();
    if out.json() {
        print_revisions_json(graph, heads);
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
        outln!("{}", one_line(node, &p));
        if out.verbose {
            for d in details(graph, node) {
                outln!("    {}", p.dim.apply_to(d));
            }
            if let Some(o) = origins.as_ref().and_then(|o| o.get(k)) {
                outln!("    {}", p.dim.apply_to(format!("Git: {o}")));
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
