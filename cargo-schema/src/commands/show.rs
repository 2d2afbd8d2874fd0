//! `show`: one revision, its links and its SQL.

use schema_core::{Project, RevIdx};
use serde_json::{Value, json};

use crate::cli::ShowArgs;
use crate::error::CliError;
use crate::output::{Out, Palette};
use crate::render::{ids, one_line, print_json, revision_json};
use crate::target;

pub fn show(project: &Project, args: &ShowArgs, out: Out) -> Result<(), CliError> {
    let graph = &project.graph;
    let Some(i) = graph.resolve_one(&target::parse(&args.revision)?)? else {
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
    let list = |v: &[RevIdx]| {
        if v.is_empty() {
            "(none)".to_string()
        } else {
            ids(graph, v).join(", ")
        }
    };
    outln!("Revision:      {}", one_line(node, &p));
    outln!("Path:          {}", r.path.display());
    if let Some(c) = &r.created {
        outln!("Created:       {c}");
    }
    outln!("Revises:       {}", list(&node.parents));
    outln!("Revised by:    {}", list(&node.children));
    if !node.depends_on.is_empty() {
        outln!("Depends on:    {}", list(&node.depends_on));
    }
    if !node.dependents.is_empty() {
        outln!("Needed by:     {}", list(&node.dependents));
    }
    let labels: Vec<&str> = node.branch_labels().collect();
    if !labels.is_empty() {
        outln!("Branch labels: {}", labels.join(", "));
    }
    let tx = if r.up.transaction {
        ""
    } else {
        " transaction:false"
    };
    outln!("\n-- migrate:up{tx}\n{}", r.up.sql.trim_matches('\n'));
    match &r.down {
        Some(d) => outln!("\n-- migrate:down\n{}", d.sql.trim_matches('\n')),
        None => outln!("\n(no -- migrate:down section: this revision is irreversible)"),
    }
    Ok(())
}
