//! Property tests of the revision graph, target resolution and planning against brute-force
//! models, on random acyclic graphs.
//!
//! A random graph is built from a list of revisions where revision `i` only revises (and
//! depends on) revisions with a smaller index, so it is acyclic by construction. Everything the
//! library computes is compared with a direct, quadratic computation over those index lists.

use std::fmt;
use std::path::PathBuf;

use proptest::prelude::*;
use proptest::test_runner::Config;
use schema_core::revision::{HeaderLines, Section};
use schema_core::{
    Direction, Edges, Plan, PlanError, ResolveError, Resolved, RevIdx, Revision, RevisionGraph,
    RevisionSet, StampPlan, Target,
};

// ---------------------------------------------------------------------------------------------
// The model: a random DAG as plain index lists.
// ---------------------------------------------------------------------------------------------

/// One revision as drawn, before it is turned into indexes.
#[derive(Debug, Clone)]
struct RawNode {
    parents: Vec<u16>,
    /// A pick, and whether to name it by its branch label when it has one.
    deps: Vec<(u16, bool)>,
    label: bool,
    created: Option<u8>,
    irreversible: bool,
    hex_id: String,
    /// Whether the random applied set starts from this revision (with its ancestors).
    applied: bool,
}

/// A random revision graph, as index lists (the graph's indexes are the positions here).
#[derive(Clone)]
struct Dag {
    ids: Vec<String>,
    parents: Vec<Vec<usize>>,
    /// Resolved dependency indexes, without repeats.
    deps: Vec<Vec<usize>>,
    /// The dependencies as written in the file: an id or a branch label.
    dep_names: Vec<Vec<String>>,
    labels: Vec<Option<String>>,
    created: Vec<Option<String>>,
    reversible: Vec<bool>,
    /// The revisions a random applied set is made of, with their ancestors.
    applied_picks: Vec<usize>,
    children: Vec<Vec<usize>>,
    dependents: Vec<Vec<usize>>,
}

/// Picks an index below `i`: half the time the latest (long chains, linear deploys), a quarter
/// of the time one of the three latest, else any. Counted back from `i`, so that dropping an
/// unrelated revision while shrinking keeps the others' edges.
fn pick(raw: u16, i: usize) -> usize {
    let r = usize::from(raw >> 2);
    match raw & 3 {
        0 | 1 => i - 1,
        2 => i - 1 - r % i.min(3),
        _ => i - 1 - r % i,
    }
}

impl Dag {
    /// `chain`: every revision revises the one before it (among others), so the graph has a
    /// single head.
    fn from_raw(hex: bool, chain: bool, raw: Vec<RawNode>) -> Dag {
        let n = raw.len();
        let mut ids: Vec<String> = Vec::with_capacity(n);
        for (i, r) in raw.iter().enumerate() {
            let mut id = if hex {
                r.hex_id.clone()
            } else {
                format!("r{i:03}")
            };
            while ids.contains(&id) {
                id.push_str(&format!("{:x}", i % 16));
            }
            ids.push(id);
        }
        let labels: Vec<Option<String>> = raw
            .iter()
            .enumerate()
            .map(|(i, r)| r.label.then(|| format!("lbl{i}")))
            .collect();
        let mut parents = vec![Vec::new(); n];
        let mut deps = vec![Vec::new(); n];
        let mut dep_names = vec![Vec::new(); n];
        for (i, r) in raw.iter().enumerate() {
            if i == 0 {
                continue;
            }
            if chain {
                parents[i].push(i - 1);
            }
            for &p in &r.parents {
                let p = pick(p, i);
                if !parents[i].contains(&p) {
                    parents[i].push(p);
                }
            }
            for &(d, by_label) in &r.deps {
                let d = pick(d, i);
                if !deps[i].contains(&d) {
                    deps[i].push(d);
                    dep_names[i].push(match (&labels[d], by_label) {
                        (Some(l), true) => l.clone(),
                        _ => ids[d].clone(),
                    });
                }
            }
        }
        let mut children = vec![Vec::new(); n];
        let mut dependents = vec![Vec::new(); n];
        for i in 0..n {
            for &p in &parents[i] {
                children[p].push(i);
            }
            for &d in &deps[i] {
                dependents[d].push(i);
            }
        }
        Dag {
            ids,
            parents,
            deps,
            dep_names,
            labels,
            created: raw
                .iter()
                .map(|r| r.created.map(|c| format!("2024-05-01T00:00:{c:02}")))
                .collect(),
            reversible: raw.iter().map(|r| !r.irreversible).collect(),
            applied_picks: (0..n).filter(|&i| raw[i].applied).collect(),
            children,
            dependents,
        }
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    /// The random applied set: the ancestors of a few random revisions (chosen in the graph
    /// itself so that shrinking keeps them), closed under parents and dependencies.
    fn applied(&self, g: &RevisionGraph) -> Vec<bool> {
        bits(
            &g.ancestors(
                self.applied_picks.iter().map(|&i| ri(i)),
                Edges::ParentsAndDependencies,
            ),
            self.len(),
        )
    }

    fn revisions(&self) -> Vec<Revision> {
        (0..self.len())
            .map(|i| {
                let id = self.ids[i].clone();
                Revision {
                    parents: self.parents[i]
                        .iter()
                        .map(|&p| self.ids[p].clone())
                        .collect(),
                    depends_on: self.dep_names[i].clone(),
                    branch_labels: self.labels[i].iter().cloned().collect(),
                    message: None,
                    created: self.created[i].clone(),
                    path: PathBuf::from(format!("{id}.sql")),
                    up: Section {
                        sql: String::new(),
                        line: 1,
                        transaction: true,
                    },
                    down: self.reversible[i].then(|| Section {
                        sql: String::new(),
                        line: 2,
                        transaction: true,
                    }),
                    lines: HeaderLines::default(),
                    id,
                }
            })
            .collect()
    }

    fn graph(&self) -> RevisionGraph {
        RevisionGraph::new(self.revisions()).expect("an acyclic graph with known ids builds")
    }

    /// The graph and what is applied in it.
    fn graph_and_applied(&self) -> (RevisionGraph, Vec<bool>) {
        let g = self.graph();
        let applied = self.applied(&g);
        (g, applied)
    }

    fn index(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|i| i == id)
    }

    fn closure<'a, I>(
        &'a self,
        start: impl IntoIterator<Item = usize>,
        next: impl Fn(usize) -> I,
    ) -> Vec<bool>
    where
        I: Iterator<Item = &'a usize>,
    {
        let mut set = vec![false; self.len()];
        let mut stack: Vec<usize> = start.into_iter().collect();
        while let Some(i) = stack.pop() {
            if !set[i] {
                set[i] = true;
                stack.extend(next(i).copied());
            }
        }
        set
    }

    /// `start` and their ancestors along parents and dependencies.
    fn ancestors(&self, start: impl IntoIterator<Item = usize>) -> Vec<bool> {
        self.closure(start, |i| self.parents[i].iter().chain(&self.deps[i]))
    }

    /// `start` and their ancestors along parents only.
    fn parent_ancestors(&self, start: impl IntoIterator<Item = usize>) -> Vec<bool> {
        self.closure(start, |i| self.parents[i].iter().chain(&[]))
    }

    /// `start` and their descendants along children and dependents.
    fn descendants(&self, start: impl IntoIterator<Item = usize>) -> Vec<bool> {
        self.closure(start, |i| {
            self.children[i].iter().chain(&self.dependents[i])
        })
    }

    /// `start` and their descendants along children only.
    fn child_descendants(&self, start: impl IntoIterator<Item = usize>) -> Vec<bool> {
        self.closure(start, |i| self.children[i].iter().chain(&[]))
    }

    /// Everything above `start` (descendants along both edges), `start` excluded.
    fn strictly_above(&self, start: &[usize]) -> Vec<bool> {
        self.descendants(
            start
                .iter()
                .flat_map(|&t| self.children[t].iter().chain(&self.dependents[t]).copied()),
        )
    }

    /// Whether a set holds every parent and dependency of its members.
    fn closed_problem(&self, set: &[bool]) -> Option<String> {
        for i in (0..self.len()).filter(|&i| set[i]) {
            for &p in self.parents[i].iter().chain(&self.deps[i]) {
                if !set[p] {
                    return Some(format!(
                        "{} is applied but {} (a parent or dependency) is not",
                        self.ids[i], self.ids[p]
                    ));
                }
            }
        }
        None
    }

    fn names(&self, set: &[bool]) -> Vec<&str> {
        (0..self.len())
            .filter(|&i| set[i])
            .map(|i| self.ids[i].as_str())
            .collect()
    }

    /// Applied members with no applied child (dependents do not count).
    fn heads_of(&self, set: &[bool]) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| set[i] && !self.children[i].iter().any(|&c| set[c]))
            .collect()
    }

    /// The targets worth trying on this graph.
    fn targets(&self) -> Vec<String> {
        let mut t: Vec<String> = [
            "heads", "head", "base", "+1", "+2", "-1", "-2", "head-1", "base+1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (i, id) in self.ids.iter().enumerate() {
            t.push(id.clone());
            if let Some(p) = self.shortest_unique_prefix(i)
                && p != *id
            {
                t.push(p);
            }
            if i % 4 == 0 {
                t.push(format!("{id}+1"));
                t.push(format!("{id}-1"));
            }
        }
        for l in self.labels.iter().flatten() {
            for form in ["", "@head", "@base", "@+1", "@-1"] {
                t.push(format!("{l}{form}"));
            }
        }
        t
    }

    fn shortest_unique_prefix(&self, i: usize) -> Option<String> {
        let id = &self.ids[i];
        (1..=id.len())
            .map(|k| &id[..k])
            .find(|p| self.ids.iter().filter(|o| o.starts_with(p)).count() == 1)
            .map(str::to_string)
    }
}

/// Printed as one line per revision, e.g.
/// `r003: r001,r002 ; lbl1 [lbl3] @07 irreversible (applied)`: parents, then dependencies,
/// then the declared label, the `created` seconds, and whether the applied set holds it.
impl fmt::Debug for Dag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let applied = self.ancestors(self.applied_picks.iter().copied());
        writeln!(f, "Dag [")?;
        for (i, &is_applied) in applied.iter().enumerate() {
            write!(f, "  {}: ", self.ids[i])?;
            let parents: Vec<&str> = self.parents[i]
                .iter()
                .map(|&p| self.ids[p].as_str())
                .collect();
            write!(f, "{}", parents.join(","))?;
            if !self.dep_names[i].is_empty() {
                write!(f, " ; {}", self.dep_names[i].join(","))?;
            }
            if let Some(l) = &self.labels[i] {
                write!(f, " [{l}]")?;
            }
            if let Some(c) = &self.created[i] {
                write!(f, " @{}", &c[c.len() - 2..])?;
            }
            if !self.reversible[i] {
                write!(f, " irreversible")?;
            }
            if is_applied {
                write!(f, " (applied)")?;
            }
            writeln!(f)?;
        }
        write!(f, "]")
    }
}

fn raw_node() -> impl Strategy<Value = RawNode> {
    let parents = prop_oneof![
        1 => prop::collection::vec(any::<u16>(), 0..=0),
        6 => prop::collection::vec(any::<u16>(), 1..=1),
        2 => prop::collection::vec(any::<u16>(), 2..=2),
        1 => prop::collection::vec(any::<u16>(), 3..=3),
    ];
    let deps = prop_oneof![
        4 => Just(Vec::new()),
        1 => prop::collection::vec((any::<u16>(), any::<bool>()), 1..=2),
    ];
    (
        parents,
        deps,
        prop::bool::weighted(0.1),
        prop::option::weighted(0.5, 0u8..30),
        prop::bool::weighted(0.01),
        "[ab0-2]{1,5}",
        prop::bool::weighted(0.07),
    )
        .prop_map(
            |(parents, deps, label, created, irreversible, hex_id, applied)| RawNode {
                parents,
                deps,
                label,
                created,
                irreversible,
                hex_id,
                applied,
            },
        )
}

/// A random DAG of 1 to 59 revisions, with `r000`-style ids or short random hex-like ids
/// (chosen from a small alphabet so that prefixes collide and ids are prefixes of others); a
/// third of them with a single head.
fn dag() -> impl Strategy<Value = Dag> {
    (
        any::<bool>(),
        prop::bool::weighted(0.33),
        prop::collection::vec(raw_node(), 1..60),
    )
        .prop_map(|(hex, chain, raw)| Dag::from_raw(hex, chain, raw))
}

/// 256 cases per property (proptest's default; `PROPTEST_CASES=5000` for a longer hunt).
fn config() -> Config {
    Config {
        // No proptest-regressions side file: pin a shrunk failure here as a plain #[test].
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers between the model and the library.
// ---------------------------------------------------------------------------------------------

/// The model's plain indexes are the graph's arena positions.
fn ri(i: usize) -> RevIdx {
    RevIdx::new(i)
}

fn ris(v: &[usize]) -> Vec<RevIdx> {
    v.iter().map(|&i| ri(i)).collect()
}

fn plain<'a>(v: impl IntoIterator<Item = &'a RevIdx>) -> Vec<usize> {
    v.into_iter().map(|i| i.get()).collect()
}

fn bits(set: &RevisionSet, n: usize) -> Vec<bool> {
    (0..n).map(|i| set.contains(ri(i))).collect()
}

fn to_set(g: &RevisionGraph, bits: &[bool]) -> RevisionSet {
    let mut s = g.empty_set();
    for (i, _) in bits.iter().enumerate().filter(|(_, b)| **b) {
        s.insert(ri(i));
    }
    s
}

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}

fn target(s: &str) -> Target {
    s.parse()
        .unwrap_or_else(|e| panic!("`{s}` should parse as a target: {e}"))
}

fn union(a: &[bool], b: &[bool]) -> Vec<bool> {
    a.iter().zip(b).map(|(x, y)| *x || *y).collect()
}

fn minus(a: &[bool], b: &[bool]) -> Vec<bool> {
    a.iter().zip(b).map(|(x, y)| *x && !*y).collect()
}

fn is_subset(a: &[bool], b: &[bool]) -> bool {
    a.iter().zip(b).all(|(x, y)| !*x || *y)
}

/// Checks an `up` plan step by step: each step is new, upward, and finds its parents and
/// dependencies already applied.
fn check_up_steps(d: &Dag, applied: &[bool], plan: &Plan) -> Result<(), String> {
    let mut now = applied.to_vec();
    for (k, s) in plan.steps.iter().enumerate() {
        let r = s.revision.get();
        if s.direction != Direction::Up {
            return Err(format!("step {k} ({}) goes down in an up plan", d.ids[r]));
        }
        if now[r] {
            return Err(format!(
                "step {k} applies {} which is already applied (or listed twice)",
                d.ids[r]
            ));
        }
        if let Some(&p) = d.parents[r].iter().chain(&d.deps[r]).find(|&&p| !now[p]) {
            return Err(format!(
                "step {k} applies {} before its parent or dependency {}",
                d.ids[r], d.ids[p]
            ));
        }
        now[r] = true;
    }
    Ok(())
}

/// Checks a roll-back order step by step: each step is applied, downward, and nothing still
/// applied revises or depends on it.
fn check_down_steps(
    d: &Dag,
    applied: &[bool],
    steps: impl IntoIterator<Item = (usize, Direction)>,
) -> Result<(), String> {
    let mut now = applied.to_vec();
    for (k, (r, dir)) in steps.into_iter().enumerate() {
        if dir != Direction::Down {
            return Err(format!("step {k} ({}) goes up in a down plan", d.ids[r]));
        }
        if !now[r] {
            return Err(format!(
                "step {k} rolls back {} which is not applied (or listed twice)",
                d.ids[r]
            ));
        }
        if let Some(&c) = d.children[r]
            .iter()
            .chain(&d.dependents[r])
            .find(|&&c| now[c])
        {
            return Err(format!(
                "step {k} rolls back {} while {} (a child or dependent) is still applied",
                d.ids[r], d.ids[c]
            ));
        }
        now[r] = false;
    }
    Ok(())
}

fn no_repeats(d: &Dag, what: &str, v: &[usize]) -> Result<(), String> {
    let mut seen = vec![false; d.len()];
    for &i in v {
        if seen[i] {
            return Err(format!("{what} lists {} twice", d.ids[i]));
        }
        seen[i] = true;
    }
    Ok(())
}

fn step_ids(plan: &Plan) -> Vec<usize> {
    plan.steps.iter().map(|s| s.revision.get()).collect()
}

/// What `down`/`stamp` must roll back / unrecord for an unqualified target, per SPEC.md:
/// `base` drops everything; `R` drops every applied revision above R (along both edges),
/// keeping R and its ancestors.
fn model_removal(d: &Dag, applied: &[bool], resolved: &Resolved) -> Vec<bool> {
    match resolved {
        Resolved::Base => applied.to_vec(),
        Resolved::BranchBase(members) => {
            let above = d.descendants(plain(members));
            above.iter().zip(applied).map(|(a, b)| *a && *b).collect()
        }
        Resolved::Revisions(v) => {
            let keep = d.ancestors(plain(v));
            let above = minus(&d.strictly_above(&plain(v)), &keep);
            above.iter().zip(applied).map(|(a, b)| *a && *b).collect()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

/// Property 0: The graph holds the edges it was given, and its walks agree with brute force.
fn edges_and_walks_match_brute_force_holds(d: &Dag, picks: Vec<u16>) -> Result<(), TestCaseError> {
    let g = d.graph();
    let n = d.len();
    prop_assert_eq!(g.len(), n);
    for i in 0..n {
        prop_assert_eq!(g.index_of(&d.ids[i]), Some(ri(i)));
        prop_assert_eq!(g.id(ri(i)), d.ids[i].as_str());
        let node = &g[ri(i)];
        prop_assert_eq!(sorted(plain(&node.parents)), sorted(d.parents[i].clone()));
        prop_assert_eq!(sorted(plain(&node.children)), sorted(d.children[i].clone()));
        prop_assert_eq!(sorted(plain(&node.depends_on)), sorted(d.deps[i].clone()));
        prop_assert_eq!(
            sorted(plain(&node.dependents)),
            sorted(d.dependents[i].clone())
        );
    }
    let start: Vec<usize> = picks.iter().map(|&p| usize::from(p) % n).collect();
    let start_idx = ris(&start);
    prop_assert_eq!(
        bits(
            &g.ancestors(start_idx.clone(), Edges::ParentsAndDependencies),
            n
        ),
        d.ancestors(start.clone())
    );
    prop_assert_eq!(
        bits(&g.ancestors(start_idx.clone(), Edges::Parents), n),
        d.parent_ancestors(start.clone())
    );
    prop_assert_eq!(
        bits(
            &g.descendants(start_idx.clone(), Edges::ParentsAndDependencies),
            n
        ),
        d.descendants(start.clone())
    );
    prop_assert_eq!(
        bits(&g.descendants(start_idx.clone(), Edges::Parents), n),
        d.child_descendants(start)
    );
    Ok(())
}

/// Property 1: heads, bases, branch points (and the heads of an applied set) are what their
/// definitions say, in their documented order.
fn heads_bases_and_branch_points_match_their_definitions_holds(
    d: &Dag,
) -> Result<(), TestCaseError> {
    let (g, applied) = d.graph_and_applied();
    let n = d.len();
    let listed_as_parent = |i: usize| (0..n).filter(|&c| d.parents[c].contains(&i)).count();
    let heads: Vec<usize> = (0..n).filter(|&i| listed_as_parent(i) == 0).collect();
    let bases: Vec<usize> = (0..n).filter(|&i| d.parents[i].is_empty()).collect();
    let branch_points: Vec<usize> = (0..n).filter(|&i| listed_as_parent(i) >= 2).collect();
    prop_assert_eq!(sorted(plain(g.heads())), heads);
    prop_assert_eq!(sorted(plain(g.bases())), bases);
    prop_assert_eq!(sorted(plain(&g.branch_points())), branch_points);
    // Documented orders: heads and branch points newest first, bases oldest first.
    let ranks = |v: &[RevIdx]| v.iter().map(|&i| g.rank(i)).collect::<Vec<_>>();
    prop_assert!(
        ranks(g.heads()).windows(2).all(|w| w[0] > w[1]),
        "heads not newest first"
    );
    prop_assert!(ranks(&g.branch_points()).windows(2).all(|w| w[0] > w[1]));
    prop_assert!(
        ranks(g.bases()).windows(2).all(|w| w[0] < w[1]),
        "bases not oldest first"
    );
    for i in 0..n {
        let node = g.node(ri(i));
        prop_assert_eq!(node.is_head(), listed_as_parent(i) == 0);
        prop_assert_eq!(node.is_base(), d.parents[i].is_empty());
        prop_assert_eq!(node.is_merge(), d.parents[i].len() >= 2);
        prop_assert_eq!(node.is_branch_point(), listed_as_parent(i) >= 2);
    }
    let a = to_set(&g, &applied);
    prop_assert_eq!(sorted(plain(&g.heads_of(&a))), d.heads_of(&applied));
    Ok(())
}

/// Property 2: The topological order holds every revision once, parents and dependencies first, and
/// `rank` is the position in it.
fn topological_order_is_a_permutation_with_parents_first_holds(
    d: &Dag,
) -> Result<(), TestCaseError> {
    let g = d.graph();
    let n = d.len();
    let order = g.topological_order();
    prop_assert_eq!(sorted(plain(order)), (0..n).collect::<Vec<_>>());
    let mut pos = vec![0; n];
    for (k, &i) in order.iter().enumerate() {
        pos[i.get()] = k;
        prop_assert_eq!(g.rank(i), k);
    }
    for i in 0..n {
        for &p in d.parents[i].iter().chain(&d.deps[i]) {
            prop_assert!(
                pos[p] < pos[i],
                "{} comes before its parent or dependency {}",
                d.ids[i],
                d.ids[p]
            );
        }
    }
    // `in_order` sorts any set the same way.
    let all = to_set(&g, &vec![true; n]);
    prop_assert_eq!(g.in_order(&all), order.to_vec());
    Ok(())
}

/// Property 3: `up T` from a closed applied set applies exactly T's missing ancestors and
/// dependencies, each once, parents and dependencies first.
fn upgrade_plans_are_ordered_minimal_and_closed_holds(d: &Dag) -> Result<(), TestCaseError> {
    let (g, applied) = d.graph_and_applied();
    let n = d.len();
    let a = to_set(&g, &applied);
    let mut planned = 0;
    for t in d.targets() {
        let tg = target(&t);
        let resolved = g.resolve(&tg, &a);
        match g.plan_upgrade(&a, &tg) {
            Ok(plan) => {
                planned += 1;
                let resolved = resolved.map_err(|e| {
                    TestCaseError::fail(format!("up `{t}` planned but resolve fails: {e}"))
                })?;
                check_up_steps(d, &applied, &plan)
                    .map_err(|e| TestCaseError::fail(format!("up `{t}`: {e}")))?;
                no_repeats(d, &format!("up `{t}`"), &step_ids(&plan))
                    .map_err(TestCaseError::fail)?;
                let after = bits(&plan.apply_to(&a), n);
                if let Some(p) = d.closed_problem(&after) {
                    prop_assert!(false, "up `{}`: result not closed: {}", t, p);
                }
                let expected = match &resolved {
                    Resolved::Revisions(v) => union(&applied, &d.ancestors(plain(v))),
                    Resolved::Base | Resolved::BranchBase(_) => applied.clone(),
                };
                prop_assert_eq!(
                    d.names(&after),
                    d.names(&expected),
                    "up `{}` (resolved {:?}) from {:?}",
                    t,
                    resolved,
                    d.names(&applied)
                );
            }
            Err(PlanError::Resolve(e)) => {
                prop_assert_eq!(
                    resolved,
                    Err(e),
                    "up `{}` fails differently from resolve",
                    t
                );
            }
            Err(PlanError::UpGoesDown { .. }) => {
                prop_assert!(
                    t.starts_with('-') || t.contains("@-"),
                    "up `{}`: UpGoesDown",
                    t
                );
            }
            Err(e) => prop_assert!(false, "up `{}`: unexpected error {:?}", t, e),
        }
    }
    // `heads` always resolves, so every case plans something.
    prop_assert!(planned > 0);
    Ok(())
}

/// Property 4a: Every `down` plan rolls back exactly what SPEC.md says (for unqualified targets),
/// dependents first, leaving a closed set that keeps the target and its ancestors.
fn downgrade_plans_roll_back_what_is_above_dependents_first_holds(
    d: &Dag,
) -> Result<(), TestCaseError> {
    let (g, applied) = d.graph_and_applied();
    let n = d.len();
    let a = to_set(&g, &applied);
    for t in d.targets() {
        let tg = target(&t);
        let resolved = g.resolve(&tg, &a);
        let plan = g.plan_downgrade(&a, &tg);
        let ctx = format!(
            "down `{t}` (resolved {resolved:?}) from {:?}",
            d.names(&applied)
        );
        match plan {
            Ok(plan) => {
                let resolved = resolved.map_err(|e| {
                    TestCaseError::fail(format!("{ctx}: planned but resolve fails: {e}"))
                })?;
                check_down_steps(
                    d,
                    &applied,
                    plan.steps.iter().map(|s| (s.revision.get(), s.direction)),
                )
                .map_err(|e| TestCaseError::fail(format!("{ctx}: {e}")))?;
                let after = bits(&plan.apply_to(&a), n);
                if let Some(p) = d.closed_problem(&after) {
                    prop_assert!(false, "{}: result not closed: {}", ctx, p);
                }
                for s in &plan.steps {
                    prop_assert!(
                        d.reversible[s.revision.get()],
                        "{}: rolls back irreversible {}",
                        ctx,
                        d.ids[s.revision.get()]
                    );
                }
                let removed = minus(&applied, &after);
                let model = model_removal(d, &applied, &resolved);
                if let Resolved::Revisions(v) = &resolved {
                    prop_assert!(
                        is_subset(&d.ancestors(plain(v)), &after),
                        "{}: target or an ancestor rolled back",
                        ctx
                    );
                }
                if tg.branch.is_none() || !matches!(resolved, Resolved::Revisions(_)) {
                    prop_assert_eq!(d.names(&removed), d.names(&model), "{}", ctx);
                } else {
                    // Within a branch only the branch's part of it goes.
                    prop_assert!(
                        is_subset(&removed, &model),
                        "{}: removes more than what is above",
                        ctx
                    );
                }
            }
            Err(PlanError::Resolve(e)) => {
                prop_assert_eq!(resolved, Err(e), "{}: fails differently from resolve", ctx);
            }
            Err(PlanError::DownGoesUp { .. }) => {
                prop_assert!(
                    t.starts_with('+') || t.contains("@+"),
                    "{}: DownGoesUp",
                    ctx
                );
            }
            Err(PlanError::NotApplied { revision }) => {
                let i = d.index(&revision).expect("a known id");
                prop_assert!(
                    !applied[i],
                    "{}: {} said not applied but it is",
                    ctx,
                    revision
                );
                let Ok(Resolved::Revisions(v)) = resolved else {
                    return Err(TestCaseError::fail(format!(
                        "{ctx}: NotApplied for a non-revision"
                    )));
                };
                prop_assert!(v.contains(&ri(i)), "{}", ctx);
            }
            Err(PlanError::Irreversible { revision, .. }) => {
                let i = d.index(&revision).expect("a known id");
                prop_assert!(!d.reversible[i], "{}: {} is reversible", ctx, revision);
                let resolved = resolved.expect("resolves");
                let model = model_removal(d, &applied, &resolved);
                prop_assert!(
                    model[i],
                    "{}: irreversible {} is not to be rolled back",
                    ctx,
                    revision
                );
            }
            Err(e) => prop_assert!(false, "{}: unexpected error {:?}", ctx, e),
        }
    }
    Ok(())
}

/// Property 4b: Up then down. After `up T` from any closed set A, `down base` empties it, and
/// when A has a single current head H, `down H` keeps A and removes exactly what is above H
/// (so gives A back when `up T` only applied revisions above H). From the linear deploy
/// A = ancestors(R), `up T` for a descendant T of R then `down R` leaves exactly the applied
/// set minus what is above R, which is A itself whenever everything `up T` applied lies above
/// R. It is not A when T merges in a branch that does not descend from R: SPEC.md's `down R`
/// keeps that branch, as Alembic does.
fn up_then_down_restores_holds(d: &Dag, r_pick: u16) -> Result<(), TestCaseError> {
    let (g, applied) = d.graph_and_applied();
    let n = d.len();
    let a = to_set(&g, &applied);
    let current = d.heads_of(&applied);
    let base = target("base");
    for t in d.targets() {
        let Ok(up) = g.plan_upgrade(&a, &target(&t)) else {
            continue;
        };
        let after_up = up.apply_to(&a);
        match g.plan_downgrade(&after_up, &base) {
            Ok(down) => {
                prop_assert!(
                    down.apply_to(&after_up).is_empty(),
                    "down base after up `{}` leaves revisions",
                    t
                );
                prop_assert_eq!(down.steps.len(), after_up.len());
            }
            Err(PlanError::Irreversible { revision, .. }) => {
                prop_assert!(!d.reversible[d.index(&revision).expect("id")]);
            }
            Err(e) => prop_assert!(false, "down base after up `{}`: {:?}", t, e),
        }
        // With a single current head H nothing applied lies above H, so `down H` after the
        // `up` keeps all of A, and gives exactly A back when the `up` only went above H.
        if let [h] = current[..] {
            let after_down = match g.plan_downgrade(&after_up, &target(&d.ids[h])) {
                Ok(down) => bits(&down.apply_to(&after_up), n),
                Err(PlanError::Irreversible { revision, .. }) => {
                    prop_assert!(!d.reversible[d.index(&revision).expect("id")]);
                    continue;
                }
                Err(e) => {
                    return Err(TestCaseError::fail(format!(
                        "down {} after up `{t}`: {e:?}",
                        d.ids[h]
                    )));
                }
            };
            let after_up = bits(&after_up, n);
            let above_h = d.strictly_above(&[h]);
            let ctx = format!(
                "from {:?}, up `{t}` then down {}",
                d.names(&applied),
                d.ids[h]
            );
            prop_assert_eq!(
                d.names(&after_down),
                d.names(&minus(&after_up, &above_h)),
                "{}",
                ctx
            );
            prop_assert!(is_subset(&applied, &after_down), "{}: lost part of A", ctx);
            if is_subset(&minus(&after_up, &applied), &above_h) {
                prop_assert_eq!(d.names(&after_down), d.names(&applied), "{}", ctx);
            }
        }
    }

    // The linear deploy.
    let r = n - 1 - usize::from(r_pick) % n;
    let deployed = d.ancestors([r]);
    let a = to_set(&g, &deployed);
    let down_r = target(&d.ids[r]);
    let mut exact = 0;
    let above_r = d.strictly_above(&[r]);
    for t in (0..n).filter(|&t| d.descendants([r])[t]) {
        let up = g
            .plan_upgrade(&a, &target(&d.ids[t]))
            .expect("up to a revision id");
        let after_up = up.apply_to(&a);
        let down = match g.plan_downgrade(&after_up, &down_r) {
            Ok(down) => down,
            Err(PlanError::Irreversible { revision, .. }) => {
                prop_assert!(!d.reversible[d.index(&revision).expect("id")]);
                continue;
            }
            Err(e) => {
                return Err(TestCaseError::fail(format!(
                    "down {} after up {}: {e:?}",
                    d.ids[r], d.ids[t]
                )));
            }
        };
        let after_down = bits(&down.apply_to(&after_up), n);
        let after_up = bits(&after_up, n);
        let ctx = format!(
            "from ancestors({}), up {} then down {}",
            d.ids[r], d.ids[t], d.ids[r]
        );
        prop_assert_eq!(
            d.names(&after_down),
            d.names(&minus(&after_up, &above_r)),
            "{}",
            ctx
        );
        prop_assert!(
            is_subset(&deployed, &after_down),
            "{}: rolled back part of the start",
            ctx
        );
        let applied_by_up = minus(&after_up, &deployed);
        if is_subset(&applied_by_up, &above_r) {
            exact += 1;
            prop_assert_eq!(d.names(&after_down), d.names(&deployed), "{}", ctx);
        }
    }
    // T = R itself is always exact.
    prop_assert!(exact > 0);
    Ok(())
}

/// Property 5: No plan lists a revision twice; a stamp adds parents first, removes dependents
/// first, leaves a closed set holding the target, and changes exactly what SPEC.md says.
/// `walk` (`id+1` or `id-1`) resolved to `got`, `next` being the revisions one step that way:
/// none is an overwalk up and the base down, one is that revision, more are ambiguous.
fn one_step_holds(
    got: Result<Resolved, ResolveError>,
    next: &[usize],
    walk: &str,
) -> Result<(), TestCaseError> {
    match next {
        [] if walk.ends_with("-1") => prop_assert_eq!(got, Ok(Resolved::Base), "{}", walk),
        [] => prop_assert!(
            matches!(got, Err(ResolveError::Overwalk { .. })),
            "{}: {:?}",
            walk,
            got
        ),
        [one] => prop_assert_eq!(got, Ok(Resolved::Revisions(vec![ri(*one)])), "{}", walk),
        _ => prop_assert!(
            matches!(got, Err(ResolveError::AmbiguousWalk { .. })),
            "{}: {:?}",
            walk,
            got
        ),
    }
    Ok(())
}

fn stamp_plans_never_repeat_and_leave_a_closed_set_holds(d: &Dag) -> Result<(), TestCaseError> {
    let (g, applied) = d.graph_and_applied();
    let n = d.len();
    let a = to_set(&g, &applied);
    for t in d.targets() {
        let tg = target(&t);
        if let Ok(p) = g.plan_upgrade(&a, &tg) {
            no_repeats(d, &format!("up `{t}`"), &step_ids(&p)).map_err(TestCaseError::fail)?;
        }
        if let Ok(p) = g.plan_downgrade(&a, &tg) {
            no_repeats(d, &format!("down `{t}`"), &step_ids(&p)).map_err(TestCaseError::fail)?;
        }
        let resolved = g.resolve(&tg, &a);
        let ctx = format!(
            "stamp `{t}` (resolved {resolved:?}) from {:?}",
            d.names(&applied)
        );
        let stamp: StampPlan = match g.plan_stamp(&a, &tg) {
            Ok(s) => s,
            Err(PlanError::Resolve(e)) => {
                prop_assert_eq!(resolved, Err(e), "{}", ctx);
                continue;
            }
            Err(e) => return Err(TestCaseError::fail(format!("{ctx}: unexpected {e:?}"))),
        };
        let resolved =
            resolved.map_err(|e| TestCaseError::fail(format!("{ctx}: resolve fails: {e}")))?;
        no_repeats(d, &format!("stamp `{t}` add"), &plain(&stamp.add))
            .map_err(TestCaseError::fail)?;
        no_repeats(d, &format!("stamp `{t}` remove"), &plain(&stamp.remove))
            .map_err(TestCaseError::fail)?;
        for &i in &stamp.add {
            prop_assert!(
                !stamp.remove.contains(&i),
                "{}: adds and removes {}",
                ctx,
                d.ids[i.get()]
            );
        }
        check_down_steps(
            d,
            &applied,
            stamp.remove.iter().map(|&i| (i.get(), Direction::Down)),
        )
        .map_err(|e| TestCaseError::fail(format!("{ctx} (remove): {e}")))?;
        let mut kept = applied.clone();
        for &i in &stamp.remove {
            kept[i.get()] = false;
        }
        let add = Plan {
            steps: stamp
                .add
                .iter()
                .map(|&revision| schema_core::Step {
                    revision,
                    direction: Direction::Up,
                })
                .collect(),
        };
        check_up_steps(d, &kept, &add)
            .map_err(|e| TestCaseError::fail(format!("{ctx} (add): {e}")))?;
        let after = bits(&stamp.apply_to(&a), n);
        if let Some(p) = d.closed_problem(&after) {
            prop_assert!(false, "{}: result not closed: {}", ctx, p);
        }
        let expected = match &resolved {
            Resolved::Revisions(v) => {
                prop_assert!(
                    v.iter().all(|&i| after[i.get()]),
                    "{}: target not recorded",
                    ctx
                );
                union(
                    &minus(&applied, &model_removal(d, &applied, &resolved)),
                    &d.ancestors(plain(v)),
                )
            }
            other => minus(&applied, &model_removal(d, &applied, other)),
        };
        if tg.branch.is_none() || !matches!(resolved, Resolved::Revisions(_)) {
            prop_assert_eq!(d.names(&after), d.names(&expected), "{}", ctx);
        }
    }
    Ok(())
}

/// Property 6: Every id, and every prefix of it that no other id shares, resolves to that revision;
/// an ambiguous prefix lists exactly the ids it starts; `heads`, `head` and one-step walks from a
/// revision match brute force.
fn ids_and_prefixes_resolve_holds(d: &Dag) -> Result<(), TestCaseError> {
    let (g, applied) = d.graph_and_applied();
    let n = d.len();
    let none = g.empty_set();
    for (i, id) in d.ids.iter().enumerate() {
        for k in 1..=id.len() {
            let p = &id[..k];
            let matching: Vec<&str> = d
                .ids
                .iter()
                .filter(|o| o.starts_with(p))
                .map(String::as_str)
                .collect();
            let got = g.resolve(&target(p), &none);
            if matching.len() == 1 {
                prop_assert_eq!(
                    got,
                    Ok(Resolved::Revisions(vec![ri(i)])),
                    "prefix `{}` of {}",
                    p,
                    id
                );
            } else if let Some(exact) = d.index(p) {
                prop_assert_eq!(
                    got,
                    Ok(Resolved::Revisions(vec![ri(exact)])),
                    "`{}` is an id",
                    p
                );
            } else {
                match got {
                    Err(ResolveError::AmbiguousPrefix {
                        prefix,
                        mut candidates,
                    }) => {
                        prop_assert_eq!(prefix.as_str(), p);
                        candidates.sort();
                        let mut expected: Vec<String> =
                            matching.iter().map(|s| s.to_string()).collect();
                        expected.sort();
                        prop_assert_eq!(candidates, expected, "ambiguous prefix `{}`", p);
                    }
                    other => prop_assert!(
                        false,
                        "ambiguous prefix `{}`: got {:?}, expected candidates {:?}",
                        p,
                        other,
                        matching
                    ),
                }
            }
        }
        // One step up and down from a revision.
        let up = format!("{id}+1");
        one_step_holds(g.resolve(&target(&up), &none), &d.children[i], &up)?;
        let down = format!("{id}-1");
        one_step_holds(g.resolve(&target(&down), &none), &d.parents[i], &down)?;
    }
    prop_assert!(
        matches!(
            g.resolve(&target("zz9"), &none),
            Err(ResolveError::NoSuchRevision { .. })
        ),
        "zz9 is nobody's prefix"
    );
    let heads: Vec<usize> = (0..n).filter(|&i| d.children[i].is_empty()).collect();
    match g.resolve(&target("heads"), &none) {
        Ok(Resolved::Revisions(v)) => prop_assert_eq!(sorted(plain(&v)), heads.clone()),
        other => prop_assert!(false, "heads: {:?}", other),
    }
    match (heads.len(), g.resolve(&target("head"), &none)) {
        (1, got) => prop_assert_eq!(got, Ok(Resolved::Revisions(ris(&heads)))),
        (_, Err(ResolveError::MultipleHeads { heads: listed, .. })) => {
            let mut listed: Vec<usize> = listed.iter().map(|h| d.index(h).expect("id")).collect();
            listed.sort_unstable();
            prop_assert_eq!(listed, heads.clone());
        }
        (_, got) => prop_assert!(false, "head with {} heads: {:?}", heads.len(), got),
    }
    // +1 / -1 from the database's current heads.
    let a = to_set(&g, &applied);
    let current = d.heads_of(&applied);
    let plus = g.resolve(&target("+1"), &a);
    let minus1 = g.resolve(&target("-1"), &a);
    if current.len() > 1 {
        prop_assert!(
            matches!(plus, Err(ResolveError::MultipleCurrent { .. })),
            "+1: {:?}",
            plus
        );
        prop_assert!(
            matches!(minus1, Err(ResolveError::MultipleCurrent { .. })),
            "-1: {:?}",
            minus1
        );
    } else {
        let next: Vec<usize> = match current.first() {
            Some(&h) => d.children[h].clone(),
            None => (0..n).filter(|&i| d.parents[i].is_empty()).collect(),
        };
        match next.len() {
            0 => prop_assert!(
                matches!(plus, Err(ResolveError::Overwalk { .. })),
                "+1: {:?}",
                plus
            ),
            1 => prop_assert_eq!(plus, Ok(Resolved::Revisions(ris(&next)))),
            _ => prop_assert!(
                matches!(plus, Err(ResolveError::AmbiguousWalk { .. })),
                "+1: {:?}",
                plus
            ),
        }
        match current.first() {
            None => prop_assert!(
                matches!(minus1, Err(ResolveError::Overwalk { .. })),
                "-1: {:?}",
                minus1
            ),
            Some(&h) => match d.parents[h].len() {
                0 => prop_assert_eq!(minus1, Ok(Resolved::Base)),
                1 => prop_assert_eq!(minus1, Ok(Resolved::Revisions(ris(&d.parents[h])))),
                _ => prop_assert!(
                    matches!(minus1, Err(ResolveError::AmbiguousWalk { .. })),
                    "-1: {:?}",
                    minus1
                ),
            },
        }
    }
    Ok(())
}

/// Property 7: Branch labels: every descendant (along parents) of a labelled revision carries the
/// label; labels never skip a child; a revision off the labelled lineage never carries it; the
/// label resolves to the revision that declares it.
fn branch_labels_reach_every_descendant_holds(d: &Dag) -> Result<(), TestCaseError> {
    let g = d.graph();
    let n = d.len();
    let none = g.empty_set();
    for (owner, label) in d
        .labels
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.as_ref().map(|l| (i, l)))
    {
        prop_assert_eq!(g.label_owner(label), Some(ri(owner)));
        prop_assert_eq!(
            g.resolve(&target(label), &none),
            Ok(Resolved::Revisions(vec![ri(owner)]))
        );
        let below = d.child_descendants([owner]);
        let above = d.parent_ancestors([owner]);
        for i in 0..n {
            let has = g.node(ri(i)).has_label(label);
            prop_assert_eq!(
                has,
                g.node(ri(i)).branch_labels().any(|l| l == label),
                "has_label and branch_labels disagree"
            );
            if below[i] {
                prop_assert!(
                    has,
                    "{} descends from {} but lacks its label {}",
                    d.ids[i],
                    d.ids[owner],
                    label
                );
            }
            if has {
                prop_assert!(
                    below[i] || above[i],
                    "{} carries {} off its lineage",
                    d.ids[i],
                    label
                );
            }
        }
    }
    for c in 0..n {
        for &p in &d.parents[c] {
            for l in g.node(ri(p)).branch_labels() {
                prop_assert!(
                    g.node(ri(c)).has_label(l),
                    "{} carries {} but its child {} does not",
                    d.ids[p],
                    l,
                    d.ids[c]
                );
            }
        }
    }
    Ok(())
}

/// One proptest per property of the DAG alone: `name` checks `name_holds(&d)` on each DAG.
macro_rules! dag_properties {
    ($($name:ident => $holds:ident),* $(,)?) => {
        proptest! {
            #![proptest_config(config())]
            $(
                #[test]
                fn $name(d in dag()) {
                    $holds(&d)?;
                }
            )*
        }
    };
}

dag_properties! {
    heads_bases_and_branch_points_match_their_definitions =>
        heads_bases_and_branch_points_match_their_definitions_holds,
    topological_order_is_a_permutation_with_parents_first =>
        topological_order_is_a_permutation_with_parents_first_holds,
    upgrade_plans_are_ordered_minimal_and_closed => upgrade_plans_are_ordered_minimal_and_closed_holds,
    downgrade_plans_roll_back_what_is_above_dependents_first =>
        downgrade_plans_roll_back_what_is_above_dependents_first_holds,
    stamp_plans_never_repeat_and_leave_a_closed_set =>
        stamp_plans_never_repeat_and_leave_a_closed_set_holds,
    ids_and_prefixes_resolve => ids_and_prefixes_resolve_holds,
    branch_labels_reach_every_descendant => branch_labels_reach_every_descendant_holds,
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn edges_and_walks_match_brute_force(
        d in dag(),
        picks in prop::collection::vec(any::<u16>(), 0..=3),
    ) {
        edges_and_walks_match_brute_force_holds(&d, picks)?;
    }

    #[test]
    fn up_then_down_restores(d in dag(), r_pick in any::<u16>()) {
        up_then_down_restores_holds(&d, r_pick)?;
    }
}
