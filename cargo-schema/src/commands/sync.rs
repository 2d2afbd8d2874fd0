//! `sync`: what the git hooks run after a merge, a pull, a checkout or a rebase.

use std::io::IsTerminal;

use schema_core::migrate::Migration;
use schema_core::reparent::Reparent;
use schema_core::{Project, Target};

use super::{database, read, write};
use crate::cli::{GlobalArgs, SyncArgs};
use crate::error::{CliError, FAILED};
use crate::output::Out;

/// Asks a yes/no question; `None` when nobody can answer (no terminal). `auto` answers yes
/// for the user who set `auto-apply = true`: the hooks have no terminal, and that user asked
/// for the development database to follow the checkout.
fn confirm(global: &GlobalArgs, auto: bool, prompt: &str) -> Result<Option<bool>, CliError> {
    if global.yes || auto {
        return Ok(Some(true));
    }
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Ok(None);
    }
    dialoguer::Confirm::new()
        .with_prompt(prompt)
        .default(true)
        .interact()
        .map(Some)
        .map_err(|e| CliError::new(FAILED, format!("cannot read the answer: {e}")))
}

pub fn sync(
    project: Project,
    global: &GlobalArgs,
    args: &SyncArgs,
    out: Out,
) -> Result<(), CliError> {
    let mut project = project;

    // 1. Several heads, typically after a merge or a pull.
    if project.graph.heads().len() > 1 {
        match resolve_heads(project, global, out)? {
            (p, Some(_)) => project = p,
            (_, None) => {
                return Err(CliError::new(FAILED, "multiple heads are present")
                    .help("`cargo schema merge -m \"merge heads\"` joins them with a merge revision")
                    .help("or run `cargo schema sync` in a terminal, or `cargo schema sync --yes` to write the merge revision"));
            }
        }
    }

    // 2. The database, when there is one.
    let Some(url) = database::configured_url(&project, global, out)? else {
        out.status(
            "Skipped",
            "no database is configured and dev.db does not exist",
        );
        return Ok(());
    };
    database::block_on(async {
        let conn = database::connect_to(&url, out).await?;
        let mut m = Migration {
            graph: &project.graph,
            conn,
            table: database::version_table(&project, &args.timeout, out),
            options: schema_core::migrate::Options {
                lock: project.config.lock,
                allow_edited: false,
            },
        };
        let result = sync_database(&mut m, &project, global, out).await;
        m.conn.close().await;
        result
    })?
}

/// Explains several heads and offers what to do (merge, move, nothing); `--yes` merges.
/// Returns the project as it is afterwards, and whether the user was asked (`None`: no
/// terminal and no `--yes`, nothing done). `up` and `new` call this too before they would
/// refuse.
pub fn resolve_heads(
    project: Project,
    global: &GlobalArgs,
    out: Out,
) -> Result<(Project, Option<()>), CliError> {
    out.warn(read::describe_heads(&project));
    Ok(match choose(&project, global, out)? {
        Some(Choice::Merge) => {
            write::merge_heads(&project, out)?;
            (Project::open(project.config.clone())?, Some(()))
        }
        Some(Choice::Reparent(offer)) => {
            reparent(&offer, out)?;
            (Project::open(project.config.clone())?, Some(()))
        }
        Some(Choice::Nothing) => {
            out.status("Skipped", "the heads stay as they are");
            (project, Some(()))
        }
        None => (project, None),
    })
}

/// Whether `resolve_heads` can ask or act: `--yes`, or a terminal to ask on.
pub fn can_resolve_heads(global: &GlobalArgs) -> bool {
    global.yes || (std::io::stdin().is_terminal() && std::io::stderr().is_terminal())
}

/// What to do about several heads.
enum Choice {
    Merge,
    Reparent(Offer),
    Nothing,
}

/// Moving one head's local revisions on top of the other head, as offered.
struct Offer {
    plan: Reparent,
    /// The branch the moving revisions came from (or the moving head's id).
    branch: String,
    /// The other head, as the prompt names it.
    onto: String,
}

/// What to do: `--yes` writes the merge revision; otherwise the user's choice at a prompt,
/// `None` with nobody to ask.
fn choose(project: &Project, global: &GlobalArgs, out: Out) -> Result<Option<Choice>, CliError> {
    if global.yes {
        return Ok(Some(Choice::Merge));
    }
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Ok(None);
    }
    let offer = reparent_offer(project, global, out);
    let mut items = vec!["Write a merge revision over the heads".to_string()];
    if let Some(o) = &offer {
        items.push(format!(
            "Move {} local revision(s) of {} on top of {}",
            o.plan.segment.len(),
            o.branch,
            o.onto
        ));
    }
    items.push("Do nothing for now".to_string());
    let picked = dialoguer::Select::new()
        .with_prompt("Multiple heads are present. What should cargo-schema do?")
        .items(&items)
        .default(0)
        .interact()
        .map_err(|e| CliError::new(FAILED, format!("cannot read the answer: {e}")))?;
    Ok(Some(match (picked, offer) {
        (0, _) => Choice::Merge,
        (1, Some(o)) => Choice::Reparent(o),
        _ => Choice::Nothing,
    }))
}

/// Rewrites the `revises:` header of the lowest moving revision(s) and says so.
fn reparent(offer: &Offer, out: Out) -> Result<(), CliError> {
    offer
        .plan
        .apply()
        .map_err(|e| CliError::new(FAILED, format!("cannot move the revisions: {e}")))?;
    for w in &offer.plan.rewrites {
        out.status(
            "Moved",
            format!(
                "{} now revises {} instead of {} ({})",
                w.revision,
                w.to.join(", "),
                w.from.join(", "),
                crate::project::relative(&w.path).display()
            ),
        );
    }
    out.status(
        "Linear",
        format!(
            "{} revision(s) of {} now follow {}; commit the change",
            offer.plan.segment.len(),
            offer.branch,
            offer.plan.onto
        ),
    );
    Ok(())
}

/// The re-parenting `sync` may offer: exactly two heads, one of which has revisions above
/// their common ancestor that are all local only in git and applied to no database this
/// command can see. `None` when there is nothing safe to offer (no git repository, a database
/// that cannot be read, both heads shared...).
fn reparent_offer(project: &Project, global: &GlobalArgs, out: Out) -> Option<Offer> {
    let graph = &project.graph;
    let &[a, b] = graph.heads() else {
        return None;
    };
    let git = crate::git::Git::open(&project.config.root).ok()?;
    let current = git.current_branch();
    let applied = applied_revisions(project, global, out)?;
    let mut offers: Vec<(bool, Offer)> = Vec::new();
    for (moving, onto) in [(a, b), (b, a)] {
        let Ok(plan) = schema_core::reparent::plan(graph, moving, onto, &applied) else {
            continue;
        };
        let files: Vec<&std::path::Path> = plan
            .segment
            .iter()
            .filter_map(|id| graph.index_of(id))
            .map(|i| graph.node(i).revision.path.as_path())
            .collect();
        let Ok(found) = git.provenance(&files, 10_000) else {
            continue;
        };
        if found.len() != files.len() || !found.iter().all(|p| p.local_only) {
            continue;
        }
        // The branch the moving head came from: another than the one checked out when there
        // is one (after a merge both contain it).
        let head_prov = found.last();
        let foreign = head_prov.and_then(|p| {
            p.branches
                .iter()
                .find(|b| Some(b.as_str()) != current.as_deref())
        });
        let branch = foreign
            .or_else(|| head_prov.and_then(|p| p.branches.first()))
            .cloned()
            .unwrap_or_else(|| graph.id(moving).to_string());
        let other = graph.node(onto);
        let onto_name = match &other.revision.message {
            Some(m) => format!("{} ({m})", other.id()),
            None => other.id().to_string(),
        };
        offers.push((
            foreign.is_some(),
            Offer {
                plan,
                branch,
                onto: onto_name,
            },
        ));
    }
    // Both sides local only (no upstream yet): move the side that came from another branch,
    // as a rebase of that branch would; then the shorter line.
    offers.sort_by_key(|(foreign, o)| (!*foreign, o.plan.segment.len()));
    offers.into_iter().next().map(|(_, o)| o)
}

/// The revisions applied in the configured database: empty without one, `None` when it is
/// configured but cannot be read within a few seconds (nothing can then be said to be safe).
fn applied_revisions(
    project: &Project,
    global: &GlobalArgs,
    out: Out,
) -> Option<schema_core::RevisionSet> {
    let graph = &project.graph;
    let Some(url) = database::configured_url(project, global, out).ok()? else {
        return Some(graph.empty_set());
    };
    let rows = database::block_on(async {
        let connecting = tokio::time::timeout(
            std::time::Duration::from_secs(3),
            schema_core::db::Conn::connect(&url),
        );
        let mut conn = connecting.await.ok()?.ok()?;
        let table = schema_core::db::VersionTable::new(&project.config.version_table);
        let rows = match table.exists(&mut conn).await {
            Ok(true) => table.rows(&mut conn).await.ok(),
            Ok(false) => Some(Vec::new()),
            Err(_) => None,
        };
        conn.close().await;
        rows
    })
    .ok()
    .flatten();
    let Some(rows) = rows else {
        out.warn(format!(
            "{} could not be read: moving revisions is not offered",
            url.redacted()
        ));
        return None;
    };
    let mut applied = graph.empty_set();
    for i in rows.iter().filter_map(|r| graph.index_of(&r.revision)) {
        applied.insert(i);
    }
    Some(applied)
}

async fn sync_database(
    m: &mut Migration<'_>,
    project: &Project,
    global: &GlobalArgs,
    out: Out,
) -> Result<(), CliError> {
    // Applied revisions whose files this checkout does not have: a branch switch left them.
    let missing = m.missing().await?;
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|r| format!("{} (applied {})", r.revision, r.applied_at))
            .collect();
        out.warn(format!(
            "the database has {} revision(s) this checkout does not have: {}",
            missing.len(),
            list.join(", ")
        ));
        match confirm(
            global,
            project.config.auto_apply,
            "Roll them back, newest first, with the down sections recorded when they were applied?",
        )? {
            Some(true) => {
                m.roll_back_missing(&mut |row, took| {
                    out.status(
                        "Rolled back",
                        format!("{} ({} ms)", row.revision, took.as_millis()),
                    );
                })
                .await?;
            }
            Some(false) => {
                out.status(
                    "Skipped",
                    "the database keeps them; other commands will say they cannot be located",
                );
                return Ok(());
            }
            None => {
                return Err(CliError::new(FAILED, "the database has revisions this checkout does not have")
                    .help("check out the branch that has them, or run `cargo schema sync --yes` to roll them back"));
            }
        }
    }

    // What the checkout has that the database does not.
    let state = schema_core::migrate::state(&mut m.conn, &m.table, m.graph).await?;
    let pending = project
        .graph
        .plan_upgrade(&state.applied, &Target::heads())
        .map(|p| p.steps.len())
        .unwrap_or(0);
    if pending == 0 {
        out.status("Fresh", "the database is up to date with this checkout");
        return Ok(());
    }
    if !project.config.auto_apply {
        out.status(
            "Pending",
            format!(
                "{pending} revision(s); `cargo schema up` applies them (or set `auto-apply = true`)"
            ),
        );
        return Ok(());
    }
    if project.graph.heads().len() > 1 {
        out.status(
            "Pending",
            format!("{pending} revision(s), not applied while several heads are present"),
        );
        return Ok(());
    }
    m.upgrade(&Target::head(), &mut |e| {
        if let schema_core::migrate::Event::Step {
            revision, duration, ..
        } = e
        {
            out.status(
                "Applied",
                format!("{} ({} ms)", revision.id, duration.as_millis()),
            );
        }
    })
    .await?;
    Ok(())
}
