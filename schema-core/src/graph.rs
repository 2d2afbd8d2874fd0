//! The revision graph: an arena of revisions with index lists for both kinds of edge.
//!
//! Parents (`revises`) make the history; dependencies (`depends-on`) only order it. Both are
//! resolved to indexes once, when the graph is built, along with a topological order that every
//! later algorithm reuses, so no walk ever recomputes ancestor sets (Alembic's quadratic spot).

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::fmt;
use std::ops::Index;
use std::path::PathBuf;
use std::sync::Arc;

use crate::revision::Revision;

/// A revision's place in its [`RevisionGraph`]: what plans, targets and the runner pass around
/// instead of ids. Only meaningful for the graph that handed it out; read the revision with
/// `graph[idx]` or [`RevisionGraph::revision`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RevIdx(usize);

impl RevIdx {
    /// The index at this position of the graph's arena (the order the revisions were given in).
    pub const fn new(position: usize) -> Self {
        RevIdx(position)
    }

    /// The position in the graph's arena, for tables kept beside the graph.
    pub const fn get(self) -> usize {
        self.0
    }
}

impl fmt::Display for RevIdx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One revision in the graph.
#[derive(Debug)]
pub struct Node {
    pub revision: Revision,
    /// Indexes of the revisions this one revises.
    pub parents: Vec<RevIdx>,
    /// Indexes of the revisions that revise this one.
    pub children: Vec<RevIdx>,
    /// Indexes of the revisions this one depends on (resolved from ids or labels).
    pub depends_on: Vec<RevIdx>,
    /// Indexes of the revisions that depend on this one.
    pub dependents: Vec<RevIdx>,
    /// Declared and inherited branch labels, shared between the nodes of a branch.
    labels: Option<Arc<BTreeSet<String>>>,
}

impl Node {
    pub fn id(&self) -> &str {
        &self.revision.id
    }

    /// The branch labels this revision carries: its own and those inherited along its branch.
    pub fn branch_labels(&self) -> impl Iterator<Item = &str> {
        self.labels
            .iter()
            .flat_map(|s| s.iter().map(String::as_str))
    }

    pub fn has_label(&self, label: &str) -> bool {
        self.labels.as_ref().is_some_and(|s| s.contains(label))
    }

    pub fn is_merge(&self) -> bool {
        self.parents.len() > 1
    }

    pub fn is_branch_point(&self) -> bool {
        self.children.len() > 1
    }

    pub fn is_head(&self) -> bool {
        self.children.is_empty()
    }

    pub fn is_base(&self) -> bool {
        self.parents.is_empty()
    }
}

/// Why a set of revision files does not form a sound graph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    #[error("{}:{second_line}: revision `{id}` is already defined in {}:{first_line}", second.display(), first.display())]
    DuplicateId {
        id: String,
        first: PathBuf,
        first_line: usize,
        second: PathBuf,
        second_line: usize,
    },
    #[error("{}:{line}: revision `{id}` revises `{parent}`, which no revision file defines", path.display())]
    UnknownParent {
        id: String,
        parent: String,
        path: PathBuf,
        line: usize,
    },
    #[error("{}:{line}: revision `{id}` depends on `{dependency}`, which is neither a revision nor a branch label", path.display())]
    UnknownDependency {
        id: String,
        dependency: String,
        path: PathBuf,
        line: usize,
    },
    #[error("{}:{line}: the revisions form a cycle: {}", path.display(), cycle.join(" -> "))]
    Cycle {
        cycle: Vec<String>,
        path: PathBuf,
        line: usize,
    },
    #[error("{}:{second_line}: branch label `{label}` is already used by revision `{first_id}` ({})", second.display(), first.display())]
    DuplicateLabel {
        label: String,
        first_id: String,
        first: PathBuf,
        second: PathBuf,
        second_line: usize,
    },
    #[error("{}:{line}: branch label `{label}` is also a revision id", path.display())]
    LabelIsRevision {
        label: String,
        path: PathBuf,
        line: usize,
    },
}

/// The revisions of a project as a graph.
#[derive(Debug, Default)]
pub struct RevisionGraph {
    nodes: Vec<Node>,
    by_id: HashMap<String, RevIdx>,
    /// Each branch label, mapped to the revision that declares it.
    labels: HashMap<String, RevIdx>,
    /// A topological order: parents and dependencies before their children and dependents;
    /// among revisions free to go next, the older `created` first.
    order: Vec<RevIdx>,
    /// Each node's position in `order`.
    rank: Vec<usize>,
    heads: Vec<RevIdx>,
    bases: Vec<RevIdx>,
}

impl Index<RevIdx> for RevisionGraph {
    type Output = Node;

    fn index(&self, index: RevIdx) -> &Node {
        &self.nodes[index.0]
    }
}

/// A set of revisions, as a bitmap over the graph's indexes.
#[derive(Clone, PartialEq, Eq)]
pub struct RevisionSet {
    bits: Vec<bool>,
}

impl RevisionSet {
    pub fn empty(len: usize) -> Self {
        RevisionSet {
            bits: vec![false; len],
        }
    }

    pub fn contains(&self, index: RevIdx) -> bool {
        self.bits.get(index.0).copied().unwrap_or(false)
    }

    pub fn insert(&mut self, index: RevIdx) {
        self.bits[index.0] = true;
    }

    pub fn remove(&mut self, index: RevIdx) {
        self.bits[index.0] = false;
    }

    pub fn iter(&self) -> impl Iterator<Item = RevIdx> + '_ {
        self.bits
            .iter()
            .enumerate()
            .filter_map(|(i, &b)| b.then_some(RevIdx(i)))
    }

    pub fn len(&self) -> usize {
        self.bits.iter().filter(|&&b| b).count()
    }

    pub fn is_empty(&self) -> bool {
        !self.bits.iter().any(|&b| b)
    }
}

impl fmt::Debug for RevisionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Which edges a walk follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edges {
    /// `revises` only: the history.
    Parents,
    /// `revises` and `depends-on`: what must be applied first.
    ParentsAndDependencies,
}

impl RevisionGraph {
    /// Builds the graph, checking that every parent and dependency exists, ids and labels are
    /// unique, and there is no cycle.
    pub fn new(revisions: Vec<Revision>) -> Result<Self, GraphError> {
        let mut by_id: HashMap<String, RevIdx> = HashMap::with_capacity(revisions.len());
        for (i, r) in revisions.iter().enumerate() {
            if let Some(&first) = by_id.get(&r.id) {
                let first = &revisions[first.0];
                return Err(GraphError::DuplicateId {
                    id: r.id.clone(),
                    first: first.path.clone(),
                    first_line: first.lines.revision,
                    second: r.path.clone(),
                    second_line: r.lines.revision,
                });
            }
            by_id.insert(r.id.clone(), RevIdx(i));
        }
        let mut labels: HashMap<String, RevIdx> = HashMap::new();
        for (i, r) in revisions.iter().enumerate() {
            for label in &r.branch_labels {
                if by_id.contains_key(label) {
                    return Err(GraphError::LabelIsRevision {
                        label: label.clone(),
                        path: r.path.clone(),
                        line: r.lines.branch_labels,
                    });
                }
                if let Some(&first) = labels.get(label) {
                    return Err(GraphError::DuplicateLabel {
                        label: label.clone(),
                        first_id: revisions[first.0].id.clone(),
                        first: revisions[first.0].path.clone(),
                        second: r.path.clone(),
                        second_line: r.lines.branch_labels,
                    });
                }
                labels.insert(label.clone(), RevIdx(i));
            }
        }

        let mut nodes: Vec<Node> = Vec::with_capacity(revisions.len());
        for r in revisions {
            let mut parents = Vec::with_capacity(r.parents.len());
            for p in &r.parents {
                let Some(&pi) = by_id.get(p) else {
                    return Err(GraphError::UnknownParent {
                        id: r.id.clone(),
                        parent: p.clone(),
                        path: r.path.clone(),
                        line: r.lines.revises,
                    });
                };
                parents.push(pi);
            }
            let mut depends_on = Vec::with_capacity(r.depends_on.len());
            for d in &r.depends_on {
                let Some(&di) = by_id.get(d).or_else(|| labels.get(d)) else {
                    return Err(GraphError::UnknownDependency {
                        id: r.id.clone(),
                        dependency: d.clone(),
                        path: r.path.clone(),
                        line: r.lines.depends_on,
                    });
                };
                if !depends_on.contains(&di) {
                    depends_on.push(di);
                }
            }
            nodes.push(Node {
                revision: r,
                parents,
                children: Vec::new(),
                depends_on,
                dependents: Vec::new(),
                labels: None,
            });
        }
        for i in 0..nodes.len() {
            for k in 0..nodes[i].parents.len() {
                let p = nodes[i].parents[k];
                nodes[p.0].children.push(RevIdx(i));
            }
            for k in 0..nodes[i].depends_on.len() {
                let d = nodes[i].depends_on[k];
                nodes[d.0].dependents.push(RevIdx(i));
            }
        }

        let order = topological_order(&nodes)?;
        let mut rank = vec![0; nodes.len()];
        for (pos, &i) in order.iter().enumerate() {
            rank[i.0] = pos;
        }
        for node in &mut nodes {
            node.children.sort_by_key(|&c| rank[c.0]);
            node.dependents.sort_by_key(|&c| rank[c.0]);
        }
        let heads: Vec<RevIdx> = order
            .iter()
            .rev()
            .copied()
            .filter(|&i| nodes[i.0].children.is_empty())
            .collect();
        let bases: Vec<RevIdx> = order
            .iter()
            .copied()
            .filter(|&i| nodes[i.0].parents.is_empty())
            .collect();

        let mut graph = RevisionGraph {
            nodes,
            by_id,
            labels,
            order,
            rank,
            heads,
            bases,
        };
        graph.inherit_labels();
        Ok(graph)
    }

    /// Branch labels spread as in Alembic: to every descendant of the revision that declares
    /// them, and down its ancestors until a branch point or a merge revision.
    fn inherit_labels(&mut self) {
        if self.labels.is_empty() {
            return;
        }
        for pos in 0..self.order.len() {
            let i = self.order[pos];
            let own = &self.nodes[i.0].revision.branch_labels;
            let mut inherited: Option<Arc<BTreeSet<String>>> = None;
            for &p in &self.nodes[i.0].parents {
                if let Some(pl) = &self.nodes[p.0].labels {
                    inherited = Some(match inherited {
                        None => Arc::clone(pl),
                        Some(cur) if Arc::ptr_eq(&cur, pl) || pl.is_subset(&cur) => cur,
                        Some(cur) => Arc::new(cur.union(pl).cloned().collect()),
                    });
                }
            }
            let labels = if own.is_empty() {
                inherited
            } else {
                let mut set: BTreeSet<String> = inherited.map(|s| (*s).clone()).unwrap_or_default();
                set.extend(own.iter().cloned());
                Some(Arc::new(set))
            };
            self.nodes[i.0].labels = labels;
        }
        let declared: Vec<(RevIdx, Vec<String>)> = self
            .order
            .iter()
            .filter(|&&i| !self.nodes[i.0].revision.branch_labels.is_empty())
            .map(|&i| (i, self.nodes[i.0].revision.branch_labels.clone()))
            .collect();
        for (start, own) in declared {
            let mut cur = start;
            loop {
                let node = &self.nodes[cur.0];
                if node.is_branch_point() || node.is_merge() {
                    break;
                }
                if cur != start {
                    let mut set: BTreeSet<String> =
                        node.labels.as_deref().cloned().unwrap_or_default();
                    set.extend(own.iter().cloned());
                    self.nodes[cur.0].labels = Some(Arc::new(set));
                }
                match self.nodes[cur.0].parents.first() {
                    Some(&p) => cur = p,
                    None => break,
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn node(&self, index: RevIdx) -> &Node {
        &self[index]
    }

    /// The revision at `index` (`&graph[index].revision`).
    pub fn revision(&self, index: RevIdx) -> &Revision {
        &self[index].revision
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Every revision's index, in the order the revisions were given.
    pub fn indexes(&self) -> impl DoubleEndedIterator<Item = RevIdx> + ExactSizeIterator {
        (0..self.nodes.len()).map(RevIdx)
    }

    /// Every revision with its index, in the order the revisions were given.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (RevIdx, &Node)> + ExactSizeIterator {
        self.nodes.iter().enumerate().map(|(i, n)| (RevIdx(i), n))
    }

    pub fn id(&self, index: RevIdx) -> &str {
        &self[index].revision.id
    }

    /// The index of the revision with exactly this id.
    pub fn index_of(&self, id: &str) -> Option<RevIdx> {
        self.by_id.get(id).copied()
    }

    /// The revision that declares a branch label.
    pub fn label_owner(&self, label: &str) -> Option<RevIdx> {
        self.labels.get(label).copied()
    }

    /// Every declared branch label with the revision that declares it, sorted by label.
    pub fn declared_labels(&self) -> Vec<(&str, RevIdx)> {
        let mut v: Vec<_> = self.labels.iter().map(|(l, &i)| (l.as_str(), i)).collect();
        v.sort();
        v
    }

    /// Revisions no revision revises, newest first.
    pub fn heads(&self) -> &[RevIdx] {
        &self.heads
    }

    /// Revisions that revise nothing, oldest first.
    pub fn bases(&self) -> &[RevIdx] {
        &self.bases
    }

    /// Revisions with more than one child, newest first.
    pub fn branch_points(&self) -> Vec<RevIdx> {
        self.order
            .iter()
            .rev()
            .copied()
            .filter(|&i| self[i].is_branch_point())
            .collect()
    }

    /// Parents and dependencies first.
    pub fn topological_order(&self) -> &[RevIdx] {
        &self.order
    }

    /// The position of a revision in [`RevisionGraph::topological_order`].
    pub fn rank(&self, index: RevIdx) -> usize {
        self.rank[index.0]
    }

    pub fn empty_set(&self) -> RevisionSet {
        RevisionSet::empty(self.nodes.len())
    }

    /// `start` and all their ancestors along `edges`.
    pub fn ancestors(&self, start: impl IntoIterator<Item = RevIdx>, edges: Edges) -> RevisionSet {
        self.closure(start, |n| {
            let deps: &[RevIdx] = match edges {
                Edges::Parents => &[],
                Edges::ParentsAndDependencies => &n.depends_on,
            };
            n.parents.iter().chain(deps)
        })
    }

    /// `start` and all their descendants along `edges`.
    pub fn descendants(
        &self,
        start: impl IntoIterator<Item = RevIdx>,
        edges: Edges,
    ) -> RevisionSet {
        self.closure(start, |n| {
            let deps: &[RevIdx] = match edges {
                Edges::Parents => &[],
                Edges::ParentsAndDependencies => &n.dependents,
            };
            n.children.iter().chain(deps)
        })
    }

    fn closure<'a, I>(
        &'a self,
        start: impl IntoIterator<Item = RevIdx>,
        next: impl Fn(&'a Node) -> I,
    ) -> RevisionSet
    where
        I: Iterator<Item = &'a RevIdx>,
    {
        let mut set = self.empty_set();
        let mut stack: Vec<RevIdx> = Vec::new();
        for s in start {
            if !set.contains(s) {
                set.insert(s);
                stack.push(s);
            }
        }
        while let Some(i) = stack.pop() {
            for &n in next(&self[i]) {
                if !set.contains(n) {
                    set.insert(n);
                    stack.push(n);
                }
            }
        }
        set
    }

    /// The members of a set in topological order (parents first).
    pub fn in_order(&self, set: &RevisionSet) -> Vec<RevIdx> {
        let mut v: Vec<RevIdx> = set.iter().collect();
        v.sort_by_key(|&i| self.rank(i));
        v
    }

    /// The heads of a set: members with no child in the set. A member kept only because
    /// another depends on it counts too (Alembic's "effective head").
    pub fn heads_of(&self, set: &RevisionSet) -> Vec<RevIdx> {
        let mut v: Vec<RevIdx> = set
            .iter()
            .filter(|&i| !self[i].children.iter().any(|&c| set.contains(c)))
            .collect();
        v.sort_by_key(|&i| Reverse(self.rank(i)));
        v
    }
}

/// Kahn's algorithm with a heap, so that among revisions free to go next the oldest
/// (`created`, then id) goes first: O(n log n). Reports a cycle when one is left over.
fn topological_order(nodes: &[Node]) -> Result<Vec<RevIdx>, GraphError> {
    let key = |i: RevIdx| {
        let r = &nodes[i.0].revision;
        Reverse((r.created.as_deref().unwrap_or(""), r.id.as_str(), i))
    };
    let mut pending: Vec<usize> = nodes
        .iter()
        .map(|n| n.parents.len() + n.depends_on.len())
        .collect();
    let mut ready: BinaryHeap<_> = (0..nodes.len())
        .filter(|&i| pending[i] == 0)
        .map(|i| key(RevIdx(i)))
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(Reverse((_, _, i))) = ready.pop() {
        order.push(i);
        for &next in nodes[i.0].children.iter().chain(&nodes[i.0].dependents) {
            pending[next.0] -= 1;
            if pending[next.0] == 0 {
                ready.push(key(next));
            }
        }
    }
    if order.len() == nodes.len() {
        return Ok(order);
    }
    // Every node left has a predecessor that is also left: walking predecessors must
    // come back to a node already seen, and the walk from there is the cycle.
    let Some(start) = (0..nodes.len()).find(|&i| pending[i] > 0).map(RevIdx) else {
        return Ok(order);
    };
    let mut seen_at: HashMap<RevIdx, usize> = HashMap::new();
    let mut walk = Vec::new();
    let mut cur = start;
    while !seen_at.contains_key(&cur) {
        seen_at.insert(cur, walk.len());
        walk.push(cur);
        let n = &nodes[cur.0];
        let Some(&prev) = n
            .parents
            .iter()
            .chain(&n.depends_on)
            .find(|&&p| pending[p.0] > 0)
        else {
            break;
        };
        cur = prev;
    }
    let from = seen_at.get(&cur).copied().unwrap_or(0);
    // The walk went from children to parents; print it parent first.
    let mut cycle: Vec<RevIdx> = walk[from..].to_vec();
    cycle.reverse();
    let first = cycle.first().copied().unwrap_or(start);
    let mut ids: Vec<String> = cycle
        .iter()
        .map(|&i| nodes[i.0].revision.id.clone())
        .collect();
    ids.push(nodes[first.0].revision.id.clone());
    let r = &nodes[first.0].revision;
    Err(GraphError::Cycle {
        cycle: ids,
        path: r.path.clone(),
        line: r.lines.revises.max(1),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::revision::{HeaderLines, Section};

    /// A revision for tests: `spec` is `id:parent,parent` with an optional `;dep,dep`.
    pub(crate) fn rev(spec: &str) -> Revision {
        let (main, deps) = spec.split_once(';').unwrap_or((spec, ""));
        let (id, parents) = main.split_once(':').unwrap_or((main, ""));
        let list = |s: &str| -> Vec<String> {
            s.split(',')
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect()
        };
        Revision {
            id: id.to_string(),
            parents: list(parents),
            depends_on: list(deps),
            branch_labels: Vec::new(),
            message: None,
            created: None,
            path: PathBuf::from(format!("{id}.sql")),
            up: Section {
                sql: String::new(),
                line: 1,
                transaction: true,
            },
            down: Some(Section {
                sql: String::new(),
                line: 2,
                transaction: true,
            }),
            lines: HeaderLines::default(),
        }
    }

    pub(crate) fn graph(specs: &[&str]) -> RevisionGraph {
        RevisionGraph::new(specs.iter().map(|s| rev(s)).collect()).expect("valid graph")
    }

    pub(crate) fn ids(g: &RevisionGraph, v: &[RevIdx]) -> Vec<String> {
        v.iter().map(|&i| g.id(i).to_string()).collect()
    }

    #[test]
    fn heads_bases_and_branch_points_of_a_branched_graph() {
        let g = graph(&["a:", "b:a", "c:b", "d:b", "e:c,d", "f:e", "g:f", "x:"]);
        let mut heads = ids(&g, g.heads());
        heads.sort();
        assert_eq!(heads, ["g", "x"]);
        let mut bases = ids(&g, g.bases());
        bases.sort();
        assert_eq!(bases, ["a", "x"]);
        assert_eq!(ids(&g, &g.branch_points()), ["b"]);
        assert!(g.node(g.index_of("e").expect("e")).is_merge());
    }

    #[test]
    fn the_topological_order_puts_parents_and_dependencies_first() {
        let g = graph(&["c:b;z", "b:a", "a:", "z:"]);
        let order = ids(&g, g.topological_order());
        let pos = |id: &str| order.iter().position(|o| o == id).expect("present");
        assert!(pos("a") < pos("b") && pos("b") < pos("c") && pos("z") < pos("c"));
    }

    #[test]
    fn a_dependency_does_not_make_a_revision_a_non_head() {
        let g = graph(&["a:", "b:;a"]);
        let mut heads = ids(&g, g.heads());
        heads.sort();
        assert_eq!(heads, ["a", "b"]);
    }

    #[test]
    fn a_cycle_is_reported_with_its_revisions() {
        let err = RevisionGraph::new(vec![rev("a:c"), rev("b:a"), rev("c:b"), rev("d:")])
            .expect_err("cycle");
        match err {
            GraphError::Cycle { cycle, .. } => {
                assert_eq!(cycle.len(), 4, "{cycle:?}");
                assert_eq!(cycle.first(), cycle.last());
            }
            other => panic!("expected a cycle, got {other:?}"),
        }
        let err = RevisionGraph::new(vec![rev("a:b"), rev("b:;a")]).expect_err("cycle");
        assert!(matches!(err, GraphError::Cycle { .. }));
    }

    #[test]
    fn unknown_parents_and_dependencies_and_duplicate_ids_are_errors() {
        assert!(matches!(
            RevisionGraph::new(vec![rev("a:zz")]),
            Err(GraphError::UnknownParent { .. })
        ));
        assert!(matches!(
            RevisionGraph::new(vec![rev("a:;zz")]),
            Err(GraphError::UnknownDependency { .. })
        ));
        assert!(matches!(
            RevisionGraph::new(vec![rev("a:"), rev("a:")]),
            Err(GraphError::DuplicateId { .. })
        ));
    }

    fn labelled(spec: &str, labels: &[&str]) -> Revision {
        let mut r = rev(spec);
        r.branch_labels = labels.iter().map(|s| s.to_string()).collect();
        r
    }

    #[test]
    fn branch_labels_spread_to_descendants_and_down_to_the_branch_point() {
        // a - b - c(auth) - d
        //      \- e - f
        let g = RevisionGraph::new(vec![
            rev("a:"),
            rev("b:a"),
            rev("x:b"),
            labelled("c:x", &["auth"]),
            rev("d:c"),
            rev("e:b"),
            rev("f:e"),
        ])
        .expect("graph");
        let has = |id: &str| g.node(g.index_of(id).expect("id")).has_label("auth");
        assert!(has("c") && has("d") && has("x"));
        assert!(!has("b") && !has("a") && !has("e") && !has("f"));
    }

    #[test]
    fn duplicate_labels_and_labels_named_like_revisions_are_errors() {
        assert!(matches!(
            RevisionGraph::new(vec![labelled("a:", &["l"]), labelled("b:a", &["l"])]),
            Err(GraphError::DuplicateLabel { .. })
        ));
        assert!(matches!(
            RevisionGraph::new(vec![labelled("a:", &["b"]), rev("b:a")]),
            Err(GraphError::LabelIsRevision { .. })
        ));
    }

    #[test]
    fn a_long_chain_builds_without_deep_recursion() {
        let mut revs = vec![rev("r0:")];
        for i in 1..20_000 {
            revs.push(rev(&format!("r{i}:r{}", i - 1)));
        }
        let g = RevisionGraph::new(revs).expect("graph");
        assert_eq!(ids(&g, g.heads()), ["r19999"]);
        assert_eq!(g.ancestors([g.heads()[0]], Edges::Parents).len(), 20_000);
    }
}
