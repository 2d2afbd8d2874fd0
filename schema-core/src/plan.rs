//! Planning: from the applied revisions and a target, the ordered steps to run.
//!
//! Plans are made once, here; running them (or printing them for `--sql`, or a dry run) only
//! renders a plan, never re-derives it.

use crate::graph::{Edges, RevIdx, RevisionGraph, RevisionSet};
use crate::target::{Anchor, ResolveError, Resolved, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// One revision to apply or roll back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub revision: RevIdx,
    pub direction: Direction,
}

/// The steps of an `up` or a `down`, in the order they run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The applied set once every step has run.
    pub fn apply_to(&self, applied: &RevisionSet) -> RevisionSet {
        let mut after = applied.clone();
        for step in &self.steps {
            match step.direction {
                Direction::Up => after.insert(step.revision),
                Direction::Down => after.remove(step.revision),
            }
        }
        after
    }
}

/// What `stamp` changes in the version table, without running any SQL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StampPlan {
    /// Recorded as applied, parents first.
    pub add: Vec<RevIdx>,
    /// No longer recorded, dependents first.
    pub remove: Vec<RevIdx>,
}

impl StampPlan {
    pub fn apply_to(&self, applied: &RevisionSet) -> RevisionSet {
        let mut after = applied.clone();
        for &r in &self.remove {
            after.remove(r);
        }
        for &a in &self.add {
            after.insert(a);
        }
        after
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error("`{target}` goes down; `up` only applies revisions")]
    UpGoesDown { target: String },
    #[error("`{target}` goes up; `down` only rolls back revisions")]
    DownGoesUp { target: String },
    #[error("revision `{revision}` is not applied, so there is nothing above it to roll back")]
    NotApplied { revision: String },
    #[error("revision `{revision}` has no `-- migrate:down` section, so it cannot be rolled back")]
    Irreversible {
        revision: String,
        path: std::path::PathBuf,
    },
}

impl RevisionGraph {
    /// The revisions to apply to reach `target`: the target with all its ancestors and
    /// dependencies that are not applied yet, parents and dependencies first.
    pub fn plan_upgrade(&self, applied: &RevisionSet, target: &Target) -> Result<Plan, PlanError> {
        if target.anchor == Anchor::Current && target.steps < 0 {
            return Err(PlanError::UpGoesDown {
                target: target.to_string(),
            });
        }
        let targets = match self.resolve(target, applied)? {
            Resolved::Base | Resolved::BranchBase(_) => return Ok(Plan::default()),
            Resolved::Revisions(v) => v,
        };
        let needed = self.ancestors(targets, Edges::ParentsAndDependencies);
        let steps = self
            .in_order(&needed)
            .into_iter()
            .filter(|&i| !applied.contains(i))
            .map(|revision| Step {
                revision,
                direction: Direction::Up,
            })
            .collect();
        Ok(Plan { steps })
    }

    /// The revisions to roll back to reach `target`: every applied revision above it (and
    /// whatever depends on those), dependents first. Checks that each can be rolled back
    /// before anything runs.
    pub fn plan_downgrade(
        &self,
        applied: &RevisionSet,
        target: &Target,
    ) -> Result<Plan, PlanError> {
        if target.anchor == Anchor::Current && target.steps > 0 {
            return Err(PlanError::DownGoesUp {
                target: target.to_string(),
            });
        }
        let remove = self.removed_by(applied, target)?;
        let mut order = self.in_order(&remove);
        order.reverse();
        for &i in &order {
            let r = &self.node(i).revision;
            if r.down.is_none() {
                return Err(PlanError::Irreversible {
                    revision: r.id.clone(),
                    path: r.path.clone(),
                });
            }
        }
        Ok(Plan {
            steps: order
                .into_iter()
                .map(|revision| Step {
                    revision,
                    direction: Direction::Down,
                })
                .collect(),
        })
    }

    /// What `stamp TARGET` records: the target and its ancestors are added; an applied target
    /// instead drops what is above it. Other branches stay as they are.
    pub fn plan_stamp(
        &self,
        applied: &RevisionSet,
        target: &Target,
    ) -> Result<StampPlan, PlanError> {
        let resolved = self.resolve(target, applied)?;
        let mut add = Vec::new();
        if let Resolved::Revisions(targets) = &resolved {
            let needed = self.ancestors(targets.iter().copied(), Edges::ParentsAndDependencies);
            add = self
                .in_order(&needed)
                .into_iter()
                .filter(|&i| !applied.contains(i))
                .collect();
        }
        let remove = self.removed_by_resolved(applied, target, &resolved, false)?;
        let mut remove = self.in_order(&remove);
        remove.reverse();
        Ok(StampPlan { add, remove })
    }

    fn removed_by(&self, applied: &RevisionSet, target: &Target) -> Result<RevisionSet, PlanError> {
        let resolved = self.resolve(target, applied)?;
        self.removed_by_resolved(applied, target, &resolved, true)
    }

    /// The applied revisions strictly above the resolved target (restricted to the target's
    /// branch when it names one), closed under children and dependents.
    fn removed_by_resolved(
        &self,
        applied: &RevisionSet,
        target: &Target,
        resolved: &Resolved,
        require_applied: bool,
    ) -> Result<RevisionSet, PlanError> {
        let candidates = match resolved {
            Resolved::Base => applied.clone(),
            Resolved::BranchBase(members) => {
                self.descendants(members.iter().copied(), Edges::ParentsAndDependencies)
            }
            Resolved::Revisions(targets) => {
                if require_applied && let Some(&t) = targets.iter().find(|&&t| !applied.contains(t))
                {
                    return Err(PlanError::NotApplied {
                        revision: self.id(t).to_string(),
                    });
                }
                let keep = self.ancestors(targets.iter().copied(), Edges::ParentsAndDependencies);
                let above = self.descendants(
                    targets.iter().flat_map(|&t| {
                        let n = self.node(t);
                        n.children.iter().chain(&n.dependents).copied()
                    }),
                    Edges::ParentsAndDependencies,
                );
                let mut set = self.empty_set();
                for i in above.iter().filter(|&i| !keep.contains(i)) {
                    set.insert(i);
                }
                set
            }
        };
        let roots: Vec<RevIdx> = match &target.branch {
            Some(b) if matches!(resolved, Resolved::Revisions(_)) => {
                let branch = self.branch(b)?;
                candidates
                    .iter()
                    .filter(|&i| applied.contains(i) && branch.members.contains(i))
                    .collect()
            }
            _ => candidates.iter().filter(|&i| applied.contains(i)).collect(),
        };
        let closed = self.descendants(roots, Edges::ParentsAndDependencies);
        let mut out = self.empty_set();
        for i in closed.iter().filter(|&i| applied.contains(i)) {
            out.insert(i);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{graph, ids};

    fn applied(g: &RevisionGraph, v: &[&str]) -> RevisionSet {
        g.applied_set(v.iter().copied()).expect("known")
    }

    /// The ids of a plan's steps, in order.
    fn step_ids(
        g: &RevisionGraph,
        plan: Result<Plan, PlanError>,
    ) -> Result<Vec<String>, PlanError> {
        let steps: Vec<RevIdx> = plan?.steps.iter().map(|s| s.revision).collect();
        Ok(ids(g, &steps))
    }

    fn up(g: &RevisionGraph, from: &[&str], target: &str) -> Result<Vec<String>, PlanError> {
        step_ids(
            g,
            g.plan_upgrade(&applied(g, from), &target.parse().expect("target")),
        )
    }

    fn down(g: &RevisionGraph, from: &[&str], target: &str) -> Result<Vec<String>, PlanError> {
        step_ids(
            g,
            g.plan_downgrade(&applied(g, from), &target.parse().expect("target")),
        )
    }

    #[test]
    fn upgrading_applies_ancestors_and_dependencies_first() {
        let g = graph(&["a1:", "b2:a1", "c3:b2;z9", "z9:"]);
        let steps = up(&g, &[], "head").unwrap_err();
        assert!(matches!(
            steps,
            PlanError::Resolve(ResolveError::MultipleHeads { .. })
        ));
        let steps = up(&g, &[], "c3").expect("plan");
        assert_eq!(steps.len(), 4);
        assert_eq!(steps.last().map(String::as_str), Some("c3"));
        assert_eq!(up(&g, &["a1", "b2"], "c3").expect("plan").len(), 2);
        assert_eq!(up(&g, &["a1", "b2"], "a1").expect("plan").len(), 0);
    }

    #[test]
    fn plus_one_onto_a_merge_applies_the_other_parent_too() {
        let g = graph(&["a1:", "b2:a1", "c3:a1", "d4:b2,c3"]);
        let mut steps = up(&g, &["a1", "b2"], "b2+1").expect("plan");
        steps.sort();
        assert_eq!(steps, ["c3", "d4"]);
    }

    #[test]
    fn downgrading_keeps_the_target_and_rolls_back_dependents_first() {
        let g = graph(&["a1:", "b2:a1", "c3:b2", "x9:;b2"]);
        let all = ["a1", "b2", "c3", "x9"];
        let mut steps = down(&g, &all, "a1").expect("plan");
        assert_eq!(steps.last().map(String::as_str), Some("b2"));
        steps.sort();
        assert_eq!(steps, ["b2", "c3", "x9"]);
        assert_eq!(down(&g, &all, "base").expect("plan").len(), 4);
        assert!(matches!(
            down(&g, &["a1"], "b2"),
            Err(PlanError::NotApplied { .. })
        ));
        assert!(matches!(
            down(&g, &all, "+1"),
            Err(PlanError::DownGoesUp { .. })
        ));
        assert!(matches!(
            up(&g, &all, "-1"),
            Err(PlanError::UpGoesDown { .. })
        ));
    }

    #[test]
    fn downgrading_below_a_branch_point_rolls_back_both_branches() {
        let g = graph(&["a1:", "b2:a1", "c3:a1"]);
        let mut steps = down(&g, &["a1", "b2", "c3"], "a1").expect("plan");
        steps.sort();
        assert_eq!(steps, ["b2", "c3"]);
    }

    #[test]
    fn an_irreversible_revision_stops_the_downgrade_before_it_starts() {
        use crate::graph::tests::rev;
        let mut b = rev("b2:a1");
        b.down = None;
        let g = RevisionGraph::new(vec![rev("a1:"), b, rev("c3:b2")]).expect("graph");
        match down(&g, &["a1", "b2", "c3"], "base") {
            Err(PlanError::Irreversible { revision, .. }) => assert_eq!(revision, "b2"),
            other => panic!("{other:?}"),
        }
        assert_eq!(down(&g, &["a1", "b2", "c3"], "b2").expect("plan"), ["c3"]);
    }

    #[test]
    fn a_branch_base_rolls_back_only_that_branch() {
        use crate::graph::tests::rev;
        let mut auth = rev("c3:a1");
        auth.branch_labels = vec!["auth".into()];
        let g =
            RevisionGraph::new(vec![rev("a1:"), rev("b2:a1"), auth, rev("d4:c3")]).expect("graph");
        let mut steps = down(&g, &["a1", "b2", "c3", "d4"], "auth@base").expect("plan");
        steps.sort();
        assert_eq!(steps, ["c3", "d4"]);
        assert_eq!(
            down(&g, &["a1", "b2", "c3", "d4"], "auth@-1").expect("plan"),
            ["d4"]
        );
    }

    #[test]
    fn stamping_adds_ancestors_or_drops_what_is_above() {
        let g = graph(&["a1:", "b2:a1", "c3:b2", "x9:a1"]);
        let t = |s: &str| s.parse::<Target>().expect("target");
        let start = applied(&g, &["a1", "x9"]);
        let plan = g.plan_stamp(&start, &t("c3")).expect("stamp");
        assert_eq!(ids(&g, &plan.add), ["b2", "c3"]);
        assert!(plan.remove.is_empty());
        let after = plan.apply_to(&start);
        let plan = g.plan_stamp(&after, &t("b2")).expect("stamp");
        assert_eq!(ids(&g, &plan.remove), ["c3"]);
        assert!(plan.add.is_empty());
        let plan = g.plan_stamp(&after, &t("base")).expect("stamp");
        assert_eq!(plan.apply_to(&after), g.empty_set());
    }
}
