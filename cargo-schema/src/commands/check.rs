//! `check`: the findings about the files, the database, the declared schema and git.

use schema_core::Project;
use schema_core::db::DatabaseUrl;
use serde_json::json;

use crate::cli::{CheckArgs, GlobalArgs};
use crate::error::{CliError, Diagnostic};
use crate::output::Out;
use crate::{render, scratch, session};

pub fn check(
    project: &Project,
    global: &GlobalArgs,
    args: &CheckArgs,
    out: Out,
) -> Result<(), CliError> {
    use schema_core::check::{self, Finding};
    let graph = &project.graph;
    let mut findings = check::check_files(graph);
    let database = session::configured_url(project, global, out)?;
    let url = session::resolve_url(project, global, out)?;
    findings.extend(check::check_sections(graph, url.dialect));
    let mut notes = Vec::new();
    let lint_options = crate::lint::options(project)?;
    let mut linted = Vec::new();
    let mut lint_pending: Option<Vec<schema_core::RevIdx>> = None;
    session::block_on(async {
        if let Some(url) = &database {
            let mut conn = session::connect_to(url, out).await?;
            let table = session::table(project);
            let found = check::check_database(&mut conn, &table, graph).await;
            // The pending revisions, linted below on a rehearsal database.
            let pending = match (&found, crate::lint::observed(url)) {
                (Ok(_), true) => schema_core::migrate::state(&mut conn, &table, graph)
                    .await
                    .ok()
                    .and_then(|s| {
                        graph
                            .plan_upgrade(&s.applied, &schema_core::Target::heads())
                            .ok()
                    })
                    .map(|plan| plan.steps.iter().map(|s| s.revision).collect::<Vec<_>>()),
                _ => None,
            };
            conn.close().await;
            findings.extend(found?);
            lint_pending = pending;
        } else {
            notes.push(
                "no database is configured and dev.db does not exist: database checks skipped"
                    .to_string(),
            );
        }
        // Scratch databases earlier runs left on the server: this machine's are dropped, the
        // others listed.
        scratch::warn_leftovers(&url, out).await;
        // The pending revisions, rehearsed: lint's findings.
        if let Some(url) = &database
            && let Some(pending) = lint_pending.take().filter(|p| !p.is_empty())
        {
            match crate::lint::run(project, url, &pending, &lint_options).await {
                Ok(report) => linted = report.findings,
                // Ctrl-C or SIGTERM ends the command (the rehearsal database is dropped).
                Err(e @ schema_core::lint::LintError::Interrupted { .. }) => {
                    return Err(e.into());
                }
                Err(e) => notes.push(format!("pending revisions not linted: {e}")),
            }
        }
        if let Some(schema) = &project.config.schema {
            findings.extend(drift(graph, &url, schema).await?);
        }
        if args.roundtrip {
            match check::roundtrip(graph, &url, &scratch::interrupt()).await {
                Ok(done) if done.findings.is_empty() => notes.push(format!(
                    "round trip (each revision up, down, up again; the schema after each down as before its up) passed for {} revision(s) on {}",
                    done.stepped, done.place
                )),
                Ok(done) => findings.extend(done.findings),
                // Ctrl-C or SIGTERM ends the command (the scratch database is dropped).
                Err(e @ schema_core::autogen::AutogenError::Interrupted { .. }) => {
                    return Err(e.into());
                }
                Err(e) => findings.push(Finding::RoundtripUnchecked {
                    error: e.to_string(),
                    help: e.help(),
                }),
            }
        }
        Ok::<_, CliError>(())
    })??;
    // In git: revision files edited after they reached the default branch. A repository
    // that cannot be read is said, not taken for one without such edits.
    let edits = match crate::git::Git::open(&project.config.root) {
        Ok(git) => match git.edits_after_default(&project.config.migrations, 5_000) {
            Ok(edits) => edits,
            Err(e) => {
                out.warn(format!("git history not checked: {e}"));
                Vec::new()
            }
        },
        Err(_) => {
            notes.push("not in a git repository: git history not checked".to_string());
            Vec::new()
        }
    };
    let git_findings: Vec<Diagnostic> = edits
        .into_iter()
        .map(|e| Diagnostic {
            message: format!(
                "{} was edited in commit {} (\"{}\") after it reached {}",
                crate::project::relative(&e.path).display(),
                e.commit,
                e.summary,
                e.default_branch
            ),
            help: vec![
                "a revision that reached the default branch may be applied somewhere: revert the edit and write a new revision for the change".to_string(),
            ],
        })
        .collect();
    // Lint: errors fail the check, warnings are said.
    let (lint_errors, lint_warnings): (Vec<_>, Vec<_>) = linted
        .iter()
        .partition(|f| f.severity == schema_core::lint::Severity::Error);
    let lint_findings: Vec<Diagnostic> = lint_errors
        .iter()
        .map(|f| Diagnostic {
            message: crate::lint::one_line(project, f),
            help: f.help.clone(),
        })
        .collect();
    let git_findings: Vec<Diagnostic> = git_findings.into_iter().chain(lint_findings).collect();
    if !out.json() {
        for f in &lint_warnings {
            out.warn(crate::lint::one_line(project, f));
        }
    }
    let ok = findings.is_empty() && git_findings.is_empty();
    if out.json() {
        let value = json!({
            "ok": ok,
            "findings": findings
                .iter()
                .map(|f| f.to_string())
                .chain(git_findings.iter().map(|d| d.message.clone()))
                .collect::<Vec<_>>(),
            "notes": notes,
            "roundtrip": findings.iter().filter_map(|f| match f {
                Finding::Trace { revision, path, line, trace } => Some(json!({
                    "revision": revision,
                    "path": crate::project::relative(path),
                    "line": line,
                    "left": trace.left,
                    "lost": trace.lost,
                    "changed": trace.changed,
                })),
                _ => None,
            }).collect::<Vec<_>>(),
            "lint": linted.iter().map(|f| crate::lint::json(project, f)).collect::<Vec<_>>(),
        });
        outln!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    }
    if ok {
        for n in &notes {
            out.status("Note", n);
        }
        out.status(
            "Checked",
            format!("{} revision(s): no problems found", graph.len()),
        );
        return Ok(());
    }
    let diagnostics: Vec<Diagnostic> = findings
        .iter()
        .map(|f| Diagnostic {
            message: f.to_string(),
            help: vec![match f {
                Finding::MultipleHeads { .. } => render::heads_help(project),
                Finding::Pending { .. } => "apply them with `cargo schema up`".to_string(),
                Finding::Edited(_) => "restore the file and write a new revision for the change; `cargo schema repair --checksums` accepts it as is".to_string(),
                Finding::Dirty { .. } => "`cargo schema up` says how to resolve it".to_string(),
                Finding::CantLocate { .. } => "check out the branch that has these revisions, or run `cargo schema sync`".to_string(),
                Finding::Roundtrip { .. } => "every down section must undo its up section".to_string(),
                Finding::Trace { .. } => "the down section must undo exactly what the up section did: drop what it created, restore what it dropped".to_string(),
                Finding::UpAgain { .. } => "the down section must undo its up section so that the up section runs again".to_string(),
                Finding::RoundtripUnchecked { help, .. } => help.clone().unwrap_or_default(),
                Finding::Drift { .. } => "`cargo schema new --autogenerate -m MSG` writes the revision that makes up the difference (or change the declared schema)".to_string(),
                Finding::Declared { .. } => "fix the declared schema (`schema` in [package.metadata.schema])".to_string(),
                Finding::DriftUnchecked { help, .. } => help.clone().unwrap_or_default(),
                Finding::Section(e) => crate::error::section_help(e),
                _ => String::new(),
            }]
            .into_iter()
            .filter(|h| !h.is_empty())
            .collect(),
        })
        .collect();
    Err(CliError::of(
        crate::error::FAILED,
        diagnostics.into_iter().chain(git_findings).collect(),
    ))
}

/// Compares what the revisions build (on a scratch database) with the declared schema.
async fn drift(
    graph: &schema_core::RevisionGraph,
    server: &DatabaseUrl,
    schema: &std::path::Path,
) -> Result<Vec<schema_core::check::Finding>, CliError> {
    use schema_core::autogen::{AutogenError, Renames, diff::diff, generate};
    use schema_core::check::Finding;
    let compared = async {
        let interrupt = crate::scratch::interrupt();
        let declared =
            generate::declared(server, &crate::project::relative(schema), &interrupt).await?;
        let built = generate::at_heads(server, graph, &interrupt).await?;
        Ok::<_, schema_core::autogen::AutogenError>(diff(&built, &declared, &Renames::default()))
    };
    Ok(match compared.await {
        // Ctrl-C or SIGTERM ends the command (the scratch database is dropped).
        Err(e @ AutogenError::Interrupted { .. }) => return Err(e.into()),
        Ok(changes) if changes.is_empty() => Vec::new(),
        Ok(changes) => vec![Finding::Drift {
            schema: crate::project::relative(schema),
            differences: changes.iter().map(|c| c.describe()).collect(),
        }],
        Err(AutogenError::Refused { path, refused }) => refused
            .iter()
            .map(|r| Finding::Declared {
                error: r.message(&path),
            })
            .collect(),
        Err(
            e @ (AutogenError::Declared { .. }
            | AutogenError::MissingReference { .. }
            | AutogenError::Read { .. }),
        ) => vec![Finding::Declared {
            error: e.to_string(),
        }],
        Err(e) => vec![Finding::DriftUnchecked {
            error: e.to_string(),
            help: e.help(),
        }],
    })
}
