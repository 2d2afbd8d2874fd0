//! `lint`: the revisions rehearsed on a scratch database, and what they would do to a live one.

use schema_core::lint::Report;
use schema_core::{Project, Resolved, RevIdx, Target};
use serde_json::json;

use crate::cli::{Deny, GlobalArgs, LintArgs};
use crate::error::{CliError, FAILED};
use crate::output::Out;
use crate::{scratch, session, target};

pub fn lint(
    project: &Project,
    global: &GlobalArgs,
    args: &LintArgs,
    out: Out,
) -> Result<(), CliError> {
    let options = crate::lint::options(project)?;
    let url = session::resolve_url(project, global, out)?;
    let database = session::configured_url(project, global, out)?;
    let graph = &project.graph;
    let report = session::block_on(async {
        let applied = match &database {
            Some(url) => {
                let mut conn = session::connect_to(url, out).await.map_err(|e| {
                    e.help("lint needs the server: it rehearses each revision on a scratch database there")
                })?;
                let state =
                    schema_core::migrate::state(&mut conn, &session::table(project), graph).await;
                conn.close().await;
                state?.applied
            }
            None => graph.empty_set(),
        };
        let revisions = match &args.range {
            Some(text) => selected(project, text, &applied)?,
            None => graph
                .plan_upgrade(&applied, &Target::heads())?
                .steps
                .iter()
                .map(|s| s.revision)
                .collect(),
        };
        // Rehearsal databases a kill -9 left behind: this machine's are dropped.
        scratch::warn_leftovers(&url, out).await;
        Ok::<_, CliError>(crate::lint::run(project, &url, &revisions, &options).await?)
    })??;
    let deny_warnings = args.deny == Some(Deny::Warnings);
    let failed = report.errors() > 0 || deny_warnings && !report.findings.is_empty();
    if out.json() {
        print_json(project, &report, !failed);
    } else {
        for f in &report.findings {
            crate::lint::print(project, f);
        }
    }
    let summary = format!(
        "{} revision(s) linted: {} error(s), {} warning(s)",
        report.linted.len(),
        report.errors(),
        report.warnings()
    );
    if failed {
        let mut err = CliError::new(FAILED, summary);
        if deny_warnings && report.errors() == 0 {
            err = err.help("`--deny warnings` makes warnings fail the lint");
        }
        return Err(err.help(
            "silence a finding with `-- lint: allow RULE reason` on the line before the statement (or in the header for the whole revision)",
        ));
    }
    if report.findings.is_empty() {
        out.status(
            "Linted",
            format!("{} revision(s): no findings", report.linted.len()),
        );
    } else {
        // "Linted 13 revision(s): …", not "Linted 13 revision(s) linted: …".
        out.status("Linted", summary.replacen(" linted:", ":", 1));
    }
    Ok(())
}

/// The revisions RANGE names: `FROM:TO`, or those a target resolves to; parents first.
fn selected(
    project: &Project,
    text: &str,
    applied: &schema_core::RevisionSet,
) -> Result<Vec<RevIdx>, CliError> {
    let graph = &project.graph;
    if text.contains(':') {
        let mut v = target::range(graph, text, "lint")?;
        v.reverse();
        return Ok(v);
    }
    let t = target::parse(text)?;
    graph.check_names(&t)?;
    let mut v = match graph.resolve(&t, applied)? {
        Resolved::Base => Vec::new(),
        Resolved::BranchBase(v) | Resolved::Revisions(v) => v,
    };
    v.sort_by_key(|&i| graph.rank(i));
    Ok(v)
}

fn print_json(project: &Project, report: &Report, ok: bool) {
    let value = json!({
        "ok": ok,
        "linted": report.linted,
        "findings": report.findings.iter().map(|f| crate::lint::json(project, f)).collect::<Vec<_>>(),
    });
    outln!(
        "{}",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    );
}
