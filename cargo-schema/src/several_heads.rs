//! Several heads, as `sync` (and `up` and `new`, before they would refuse) handle them:
//! explained, then resolved by a merge revision, by moving a local-only line on top of the
//! other head, or left alone.

use schema_core::Project;
use schema_core::reparent::Reparent;

use crate::cli::GlobalArgs;
use crate::error::{CliError, FAILED};
use crate::output::Out;
use crate::{prompt, render, scaffold, session};

/// Explains several heads and offers what to do (merge, move, nothing); `--yes` merges.
/// Returns the project as it is afterwards, and whether the user was asked (`None`: no
/// terminal and no `--yes`, nothing done). `up` and `new` call this too before they would
/// refuse.
pub fn resolve(
    project: Project,
    global: &GlobalArgs,
    out: Out,
) -> Result<(Project, Option<()>), CliError> {
    out.warn(render::describe_heads(&project));
    Ok(match choose(&project, global, out)? {
        Some(Choice::Merge) => {
            scaffold::merge_heads(&project, out)?;
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

/// Whether `resolve` can ask or act: `--yes`, or a terminal to ask on.
pub fn can_resolve(global: &GlobalArgs) -> bool {
    global.yes || prompt::can_ask()
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
    if !prompt::can_ask() {
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
    let picked = prompt::select(
        "Multiple heads are present. What should cargo-schema do?",
        &items,
    )?;
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
    let applied = session::recorded_if_any(project, global, out)?;
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
