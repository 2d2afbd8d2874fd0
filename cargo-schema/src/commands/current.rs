//! `current`: the revision(s) the database is at; with `-v`, what is pending.

use schema_core::migrate;
use schema_core::{Project, RevIdx, Target};
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output::Out;
use crate::session;

pub fn current(project: &Project, global: &GlobalArgs, out: Out) -> Result<(), CliError> {
    let graph = &project.graph;
    session::block_on(async {
        let mut conn = session::connect(project, global, out).await?;
        let table = session::table(project);
        let state = migrate::state(&mut conn, &table, graph).await;
        conn.close().await;
        let state = state?;
        let heads = graph.heads_of(&state.applied);
        let pending = graph.plan_upgrade(&state.applied, &Target::heads()).ok();
        let pending: Vec<RevIdx> = pending
            .map(|p| p.steps.iter().map(|s| s.revision).collect())
            .unwrap_or_default();
        let edited = state.edited(graph);
        if out.json() {
            let ids = |v: &[RevIdx]| v.iter().map(|&i| graph.id(i)).collect::<Vec<_>>();
            let value = json!({
                "current": ids(&heads),
                "pending": ids(&pending),
                "edited": edited.iter().map(|e| &e.revision).collect::<Vec<_>>(),
                "dirty": state.dirty().map(|r| &r.revision),
            });
            outln!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
            return Ok(());
        }
        for &h in &heads {
            let node = graph.node(h);
            let mut tags = String::new();
            if node.is_head() {
                tags.push_str(" (head)");
            }
            if node.dependents.iter().any(|&d| state.applied.contains(d)) {
                tags.push_str(" (effective head)");
            }
            outln!(
                "{}{tags} {}",
                node.id(),
                node.revision.message.as_deref().unwrap_or("")
            );
        }
        if heads.is_empty() && !out.quiet {
            eprintln!("no revision is applied");
        }
        if let Some(d) = state.dirty() {
            out.warn(format!(
                "revision {} is dirty: a failure left it half applied; see `cargo schema up`",
                d.revision
            ));
        }
        for e in &edited {
            out.warn(format!(
                "revision {} was edited after it was applied ({})",
                e.revision,
                e.path.display()
            ));
        }
        if out.verbose {
            // The list under its heading, on stdout like the current revisions above it, so
            // that `current -v > file` reads the same as the terminal.
            if pending.is_empty() {
                outln!("pending: none");
            } else {
                outln!("pending ({}):", pending.len());
                for &p in &pending {
                    let n = graph.node(p);
                    outln!(
                        "  {} {}",
                        n.id(),
                        n.revision.message.as_deref().unwrap_or("")
                    );
                }
            }
        } else if !pending.is_empty() && !out.quiet {
            eprintln!(
                "{} revision(s) pending; `cargo schema up` applies them",
                pending.len()
            );
        }
        Ok(())
    })?
}
