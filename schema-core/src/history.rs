//! Drawing the revision graph for `history`, the way `git log --graph` draws commits.
//!
//! [`layout`] takes the revisions in display order (newest first, every child before its
//! parents) and returns one [`GraphRow::Node`] per revision, with [`GraphRow::Edge`] rows in
//! between wherever lanes fork, join or shift. Each row carries an ASCII prefix; the caller
//! appends ` <id> <message>` to node rows:
//!
//! ```text
//! *   M merge branch
//! |\
//! * | X on the trunk
//! | * Y on the branch
//! |/
//! * A base
//! ```
//!
//! The drawing uses git's conventions: every lane takes two characters (the lane itself and a
//! gap), `|` continues a lane, `\` moves a lane one column right, `/` one column left, `_`
//! carries a lane left across other lanes, and a merge of three or more parents stretches its
//! marker with `-` and `.` (`*-.`) before fanning out. A new head starts a lane at the right;
//! a base ends its lane and the lanes to its right shift left. Lanes of children that share a
//! parent join right after the second child is drawn, as git does.
//!
//! The work is O(rows · lanes): every row is drawn once and costs the number of lanes.

/// One revision to draw, in display order: newest first, every child before its parents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphNode {
    /// The revision's parents, as indexes into the same slice; each is greater than the node's
    /// own index. Parents outside the drawn range are simply not listed. Indexes that are out of
    /// range or not greater than the node's own are ignored, as are repeated ones.
    pub parents: Vec<usize>,
    /// The character drawn at the node's lane (`*`, or something else to mark, say, applied
    /// revisions).
    pub marker: char,
}

/// One line of the drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphRow {
    /// The line of revision `node` (an index into the input). `graph` is padded to the width of
    /// every lane open at that line, so the text appended after it lines up; it ends with the
    /// last lane's character (no trailing gap), so append a space before the text.
    Node {
        /// The index of the revision in the input slice.
        node: usize,
        /// The graph prefix.
        graph: String,
    },
    /// A connector line between two node lines, with trailing spaces trimmed.
    Edge {
        /// The drawn connectors.
        graph: String,
    },
}

impl GraphRow {
    /// The graph prefix of this row, whatever its kind.
    pub fn graph(&self) -> &str {
        match self {
            GraphRow::Node { graph, .. } | GraphRow::Edge { graph } => graph,
        }
    }
}

/// Lays out `nodes` (newest first, children before parents) as a `git log --graph` drawing.
///
/// Returns exactly one [`GraphRow::Node`] per input node, in input order, with
/// [`GraphRow::Edge`] rows between them. Never panics, whatever the input; indexes that break
/// the ordering contract are ignored.
pub fn layout(nodes: &[GraphNode]) -> Vec<GraphRow> {
    let mut drawer = Drawer::new(nodes.len());
    for (index, node) in nodes.iter().enumerate() {
        drawer.draw(index, node);
    }
    drawer.rows
}

/// The state of a drawing in progress.
struct Drawer {
    /// The lanes open below the last row: for each column, the node it leads to. Never holds
    /// the same node twice once a node has been drawn (its duplicates are joined at once).
    lanes: Vec<usize>,
    rows: Vec<GraphRow>,
    /// The valid, distinct parents of the node being drawn.
    parents: Vec<usize>,
    /// `seen[p] == generation` marks a node as seen in the current scan (parents or lanes).
    seen: Vec<usize>,
    /// The column where a node was seen, valid when `seen` says so.
    seen_at: Vec<usize>,
    generation: usize,
    /// The characters of the row being drawn.
    canvas: Vec<char>,
}

impl Drawer {
    fn new(len: usize) -> Self {
        Drawer {
            lanes: Vec::new(),
            rows: Vec::with_capacity(len.saturating_mul(2)),
            parents: Vec::new(),
            seen: vec![0; len],
            seen_at: vec![0; len],
            generation: 0,
            canvas: Vec::new(),
        }
    }

    fn next_generation(&mut self) -> usize {
        self.generation += 1;
        self.generation
    }

    fn draw(&mut self, index: usize, node: &GraphNode) {
        self.collect_parents(index, node);
        let column = match self.lanes.iter().position(|&target| target == index) {
            Some(column) => column,
            None => {
                // A head: nobody drawn so far leads here, so it starts a lane at the right.
                self.lanes.push(index);
                self.lanes.len() - 1
            }
        };
        let parent_count = self.parents.len();
        let open = self.lanes.len();
        // A merge of three or more parents stretches its marker over `extra` columns
        // (`*-.`), so the lanes to its right first move out of the way.
        let extra = parent_count.saturating_sub(2);
        if column + 1 < open {
            for step in 0..extra {
                self.start_row(open + step + 1);
                for lane in 0..=column {
                    self.put(2 * lane, '|');
                }
                for lane in column + 1..open {
                    self.put(2 * (lane + step) + 1, '\\');
                }
                self.finish_edge();
            }
        }

        // The node's own row.
        let width = open + parent_count.saturating_sub(1);
        self.start_row(width);
        for lane in 0..column {
            self.put(2 * lane, '|');
        }
        self.put(2 * column, node.marker);
        if extra > 0 {
            for position in 2 * column + 1..2 * (column + extra) {
                self.put(position, '-');
            }
            self.put(2 * (column + extra), '.');
        }
        for lane in column + 1..open {
            self.put(2 * (lane + extra), '|');
        }
        self.finish_node(index, width);

        // From the node to its parents.
        match parent_count {
            0 => {
                // A base: its lane ends and the lanes to its right shift left.
                self.lanes.remove(column);
                if column < self.lanes.len() {
                    self.start_row(open);
                    for lane in 0..column {
                        self.put(2 * lane, '|');
                    }
                    for lane in column + 1..open {
                        self.put(2 * lane - 1, '/');
                    }
                    self.finish_edge();
                }
            }
            1 => self.lanes[column] = self.parents[0],
            _ => {
                // A merge: one lane per parent, the first straight down, the others to the
                // right; the lanes right of the node move right to make room.
                self.start_row(width);
                for lane in 0..=column {
                    self.put(2 * lane, '|');
                }
                for fan in 0..parent_count - 1 {
                    self.put(2 * (column + fan) + 1, '\\');
                }
                for lane in column + 1..open {
                    self.put(2 * (lane + extra) + 1, '\\');
                }
                self.finish_edge();
                self.lanes
                    .splice(column..=column, self.parents.iter().copied());
            }
        }
        self.join_duplicates();
    }

    /// Fills `self.parents` with the node's valid parents, first occurrence first.
    fn collect_parents(&mut self, index: usize, node: &GraphNode) {
        self.parents.clear();
        let generation = self.next_generation();
        for &parent in &node.parents {
            if parent > index && parent < self.seen.len() && self.seen[parent] != generation {
                self.seen[parent] = generation;
                self.parents.push(parent);
            }
        }
    }

    /// Joins lanes that lead to the same node into the leftmost of them, one join per row.
    fn join_duplicates(&mut self) {
        while let Some((into, from)) = self.find_duplicate() {
            let open = self.lanes.len();
            self.start_row(open);
            for lane in 0..from {
                self.put(2 * lane, '|');
            }
            // `_` carries the lane left across the lanes in between, `/` starts it off.
            for lane in into..from.saturating_sub(1) {
                self.put(2 * lane + 1, '_');
            }
            self.put(2 * from - 1, '/');
            for lane in from + 1..open {
                self.put(2 * lane - 1, '/');
            }
            self.finish_edge();
            self.lanes.remove(from);
        }
    }

    /// The first lane (`from`) leading to the same node as a lane left of it (`into`).
    fn find_duplicate(&mut self) -> Option<(usize, usize)> {
        let generation = self.next_generation();
        for (column, &target) in self.lanes.iter().enumerate() {
            // Lanes only ever lead to valid indexes; `get` keeps this panic-free regardless.
            let seen = self.seen.get_mut(target)?;
            if *seen == generation {
                let into = self.seen_at.get(target).copied()?;
                return Some((into, column));
            }
            *seen = generation;
            if let Some(at) = self.seen_at.get_mut(target) {
                *at = column;
            }
        }
        None
    }

    fn start_row(&mut self, columns: usize) {
        self.canvas.clear();
        self.canvas.resize(2 * columns, ' ');
    }

    fn put(&mut self, position: usize, character: char) {
        if let Some(slot) = self.canvas.get_mut(position) {
            *slot = character;
        }
    }

    fn finish_edge(&mut self) {
        let graph: String = self.canvas.iter().collect();
        let graph = graph.trim_end().to_owned();
        self.rows.push(GraphRow::Edge { graph });
    }

    fn finish_node(&mut self, node: usize, columns: usize) {
        // Keep the padding up to the last lane, drop the gap after it.
        let graph: String = self.canvas.iter().take(2 * columns - 1).collect();
        self.rows.push(GraphRow::Node { node, graph });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(parents: &[usize]) -> GraphNode {
        GraphNode {
            parents: parents.to_vec(),
            marker: '*',
        }
    }

    /// Renders the rows as `git log --graph --oneline` would print them, with the node index as
    /// the message.
    fn render(rows: &[GraphRow]) -> String {
        let mut text = String::new();
        for row in rows {
            match row {
                GraphRow::Node { node, graph } => text.push_str(&format!("{graph} {node}\n")),
                GraphRow::Edge { graph } => text.push_str(&format!("{graph}\n")),
            }
        }
        text
    }

    /// Lays out `nodes`, checks the drawing is a faithful picture of the graph, and renders it.
    /// Draws the nodes whose parents are `parents` (by index) and compares with `expected`.
    #[track_caller]
    fn assert_draws(parents: &[&[usize]], expected: &str) {
        let nodes: Vec<GraphNode> = parents.iter().map(|p| node(p)).collect();
        assert_eq!(draw(&nodes), expected);
    }

    fn draw(nodes: &[GraphNode]) -> String {
        let rows = layout(nodes);
        if let Err(problem) = check(nodes, &rows) {
            panic!("{problem}\n{}", render(&rows));
        }
        render(&rows)
    }

    /// What flows down a lane of the drawing.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Flow {
        /// An edge to this node.
        To(usize),
        /// The edges out of this merge node, not yet fanned out.
        From(usize),
    }

    /// Reads the drawing back, following every character, and checks that it shows exactly the
    /// graph: each node's lane carries the edges of all its children and nothing else, each
    /// merge fans out into its parents in order, no lane appears from nowhere or vanishes, and
    /// lanes only join when they lead to the same node.
    fn check(nodes: &[GraphNode], rows: &[GraphRow]) -> Result<(), String> {
        // The parents `layout` promises to honour: in range, after the node, first occurrence.
        let parents_of: Vec<Vec<usize>> = nodes
            .iter()
            .enumerate()
            .map(|(index, node)| {
                let mut parents: Vec<usize> = Vec::new();
                for &parent in &node.parents {
                    if parent > index && parent < nodes.len() && !parents.contains(&parent) {
                        parents.push(parent);
                    }
                }
                parents
            })
            .collect();
        let mut has_child = vec![false; nodes.len()];
        for parents in &parents_of {
            for &parent in parents {
                has_child[parent] = true;
            }
        }
        let mut state: Vec<Option<Flow>> = Vec::new();
        let mut next_node = 0;
        for (row_number, row) in rows.iter().enumerate() {
            let chars: Vec<char> = row.graph().chars().collect();
            let at = |position: usize| chars.get(position).copied().unwrap_or(' ');
            let fail = |what: String| Err(format!("row {row_number} `{}`: {what}", row.graph()));
            match row {
                GraphRow::Node { node, .. } => {
                    if *node != next_node {
                        return fail(format!("expected node {next_node}"));
                    }
                    next_node += 1;
                    let this = &nodes[*node];
                    let Some(position) = (0..chars.len())
                        .step_by(2)
                        .find(|&position| chars[position] == this.marker)
                    else {
                        return fail("no marker".into());
                    };
                    let column = position / 2;
                    match state.get(column).copied().flatten() {
                        Some(Flow::To(target)) if target == *node => {}
                        None if !has_child[*node] => {}
                        other => return fail(format!("marker on lane {other:?}")),
                    }
                    let parents = &parents_of[*node];
                    let count = parents.len();
                    let extra = count.saturating_sub(2);
                    if extra > 0 {
                        let expected: String = std::iter::repeat_n('-', 2 * extra - 1)
                            .chain(std::iter::once('.'))
                            .collect();
                        let drawn: String = chars[position + 1..].iter().take(2 * extra).collect();
                        if drawn != expected {
                            return fail(format!("octopus drawn as `{drawn}`"));
                        }
                    }
                    let width = state.len().max(chars.len().div_ceil(2));
                    for lane in 0..width {
                        let flow = state.get(lane).copied().flatten();
                        if lane == column {
                            continue;
                        }
                        if lane > column && lane <= column + extra {
                            if flow.is_some() {
                                return fail(format!("octopus covers lane {lane}"));
                            }
                            continue;
                        }
                        match flow {
                            Some(Flow::To(target)) if target == *node => {
                                return fail(format!("lane {lane} still leads to this node"));
                            }
                            Some(Flow::To(_)) if at(2 * lane) == '|' => {}
                            None if at(2 * lane) == ' ' => {}
                            other => return fail(format!("lane {lane} is {other:?}")),
                        }
                        if lane > column + extra && at(2 * lane - 1) != ' ' {
                            return fail(format!("stray character left of lane {lane}"));
                        }
                    }
                    if state.len() <= column + extra {
                        state.resize(column + extra + 1, None);
                    }
                    match count {
                        0 => state[column] = None,
                        1 => state[column] = Some(Flow::To(parents[0])),
                        _ => {
                            state[column..=column + extra].fill(Some(Flow::From(*node)));
                        }
                    }
                }
                GraphRow::Edge { .. } => {
                    // (source column, destination column) in drawing order, left to right.
                    let mut moves = Vec::new();
                    let mut carried = vec![false; chars.len()];
                    for (position, &character) in chars.iter().enumerate() {
                        let odd = position % 2 == 1;
                        match character {
                            ' ' | '_' => {}
                            '|' if !odd => moves.push((position / 2, position / 2)),
                            '\\' if odd => moves.push((position / 2, position / 2 + 1)),
                            '/' if odd => {
                                let mut destination = position / 2;
                                while destination > 0 && at(2 * destination - 1) == '_' {
                                    carried[2 * destination - 1] = true;
                                    destination -= 1;
                                }
                                moves.push((position / 2 + 1, destination));
                            }
                            other => return fail(format!("unexpected `{other}` at {position}")),
                        }
                    }
                    if let Some(position) =
                        (0..chars.len()).find(|&p| chars[p] == '_' && !carried[p])
                    {
                        return fail(format!("`_` at {position} carries nothing"));
                    }
                    let mut next: Vec<Option<Flow>> = Vec::new();
                    let mut used = vec![false; state.len()];
                    let mut fanned: Vec<(usize, usize)> = Vec::new();
                    for (source, destination) in moves {
                        let Some(flow) = state.get(source).copied().flatten() else {
                            return fail(format!("an edge out of empty lane {source}"));
                        };
                        let flow = match flow {
                            Flow::To(target) => {
                                if used[source] {
                                    return fail(format!("lane {source} splits"));
                                }
                                Flow::To(target)
                            }
                            Flow::From(merge) => {
                                let slot = match fanned.iter_mut().find(|(m, _)| *m == merge) {
                                    Some(entry) => entry,
                                    None => {
                                        fanned.push((merge, 0));
                                        let last = fanned.len() - 1;
                                        &mut fanned[last]
                                    }
                                };
                                let Some(&parent) = parents_of[merge].get(slot.1) else {
                                    return fail(format!("too many edges out of {merge}"));
                                };
                                slot.1 += 1;
                                Flow::To(parent)
                            }
                        };
                        used[source] = true;
                        if next.len() <= destination {
                            next.resize(destination + 1, None);
                        }
                        match next[destination] {
                            Some(existing) if existing != flow => {
                                return fail(format!("{existing:?} and {flow:?} meet"));
                            }
                            _ => next[destination] = Some(flow),
                        }
                    }
                    for (merge, count) in fanned {
                        if count != parents_of[merge].len() {
                            return fail(format!("merge {merge} fans out into {count} lanes"));
                        }
                    }
                    for (lane, flow) in state.iter().enumerate() {
                        if flow.is_some() && !used[lane] {
                            return fail(format!("lane {lane} vanishes"));
                        }
                    }
                    while next.last() == Some(&None) {
                        next.pop();
                    }
                    state = next;
                }
            }
        }
        if next_node != nodes.len() {
            return Err(format!("{next_node} node rows for {} nodes", nodes.len()));
        }
        if state.iter().any(Option::is_some) {
            return Err(format!("lanes left open at the end: {state:?}"));
        }
        Ok(())
    }

    #[test]
    fn nothing_to_draw_gives_no_rows() {
        assert_eq!(layout(&[]), Vec::new());
    }

    #[test]
    fn a_linear_chain_is_a_single_column_of_markers() {
        let nodes = [node(&[1]), node(&[2]), node(&[])];
        assert_eq!(draw(&nodes), "* 0\n* 1\n* 2\n");
    }

    #[test]
    fn two_heads_on_a_branch_point_join_before_their_parent() {
        assert_draws(
            &[&[2], &[2], &[3], &[]],
            "\
* 0
| * 1
|/
* 2
* 3
",
        );
    }

    #[test]
    fn a_branch_merged_by_a_merge_revision_forks_and_joins_like_git() {
        assert_draws(
            &[&[1, 2], &[3], &[3], &[]],
            "\
*   0
|\\
* | 1
| * 2
|/
* 3
",
        );
    }

    #[test]
    fn a_longer_branch_merged_back_keeps_its_lane_until_the_branch_point() {
        assert_draws(
            &[&[1, 3], &[2], &[5], &[4], &[5], &[]],
            "\
*   0
|\\
* | 1
* | 2
| * 3
| * 4
|/
* 5
",
        );
    }

    #[test]
    fn two_independent_bases_end_their_lanes_separately() {
        assert_draws(
            &[&[2], &[3], &[], &[]],
            "\
* 0
| * 1
* | 2
 /
* 3
",
        );
    }

    #[test]
    fn a_base_in_the_middle_shifts_the_lanes_right_of_it() {
        assert_draws(
            &[&[4], &[3], &[5], &[], &[5], &[]],
            "\
* 0
| * 1
| | * 2
| * | 3
|  /
* | 4
|/
* 5
",
        );
    }

    #[test]
    fn a_merge_whose_second_parent_has_a_lane_on_the_left_joins_it_across() {
        assert_draws(
            &[&[3], &[2, 3], &[3], &[]],
            "\
* 0
| *   1
| |\\
|_|/
| * 2
|/
* 3
",
        );
    }

    #[test]
    fn a_merge_whose_first_parent_has_a_lane_on_the_left_joins_it_at_once() {
        assert_draws(
            &[&[2], &[2, 3], &[3], &[]],
            "\
* 0
| *   1
| |\\
|/ /
* | 2
|/
* 3
",
        );
    }

    #[test]
    fn a_merge_of_three_parents_stretches_its_marker_like_git() {
        assert_draws(
            &[&[1, 2, 3], &[4], &[4], &[4], &[]],
            "\
*-.   0
|\\ \\
* | | 1
| * | 2
|/ /
| * 3
|/
* 4
",
        );
    }

    #[test]
    fn a_merge_of_four_parents_stretches_further() {
        assert_draws(
            &[&[1, 2, 3, 4], &[5], &[5], &[5], &[5], &[]],
            "\
*---.   0
|\\ \\ \\
* | | | 1
| * | | 2
|/ / /
| * | 3
|/ /
| * 4
|/
* 5
",
        );
    }

    #[test]
    fn a_merge_of_three_parents_beside_a_newer_head_opens_lanes_to_its_right() {
        assert_draws(
            &[&[5], &[2, 3, 4], &[5], &[5], &[5], &[]],
            "\
* 0
| *-.   1
| |\\ \\
| * | | 2
|/ / /
| * | 3
|/ /
| * 4
|/
* 5
",
        );
    }

    #[test]
    fn a_merge_of_three_parents_with_a_lane_to_its_right_moves_that_lane_out_of_the_way() {
        assert_draws(
            &[&[2], &[5], &[3, 4, 5], &[6], &[6], &[6], &[]],
            "\
* 0
| * 1
|  \\
*-. |   2
|\\ \\ \\
| | |/
* | | 3
| * | 4
|/ /
| * 5
|/
* 6
",
        );
    }

    #[test]
    fn an_octopus_onto_lanes_that_are_not_adjacent_carries_them_across() {
        // Two heads (0, 1) already lead to 4 and 5 when the octopus 2 merges 3, 4 and 5: its
        // second and third parents join lanes 0 and 1 across the lanes in between.
        assert_draws(
            &[&[4], &[5], &[3, 4, 5], &[6], &[6], &[6], &[]],
            "\
* 0
| * 1
| | *-.   2
| | |\\ \\
|_|_|/ /
| |_|/
| | * 3
* | | 4
|_|/
| * 5
|/
* 6
",
        );
    }

    #[test]
    fn markers_other_than_a_star_are_drawn_as_given() {
        let nodes = [
            GraphNode {
                parents: vec![1],
                marker: 'o',
            },
            GraphNode {
                parents: vec![],
                marker: '●',
            },
        ];
        let rows = layout(&nodes);
        assert_eq!(
            rows,
            vec![
                GraphRow::Node {
                    node: 0,
                    graph: "o".into()
                },
                GraphRow::Node {
                    node: 1,
                    graph: "●".into()
                },
            ]
        );
    }

    #[test]
    fn parents_that_break_the_ordering_contract_are_ignored_without_panicking() {
        let nodes = [node(&[0, 7, usize::MAX, 1, 1]), node(&[0, 1])];
        let rows = layout(&nodes);
        assert_eq!(render(&rows), "* 0\n* 1\n");
    }

    /// The shape of a long-lived project: a trunk where every 50 revisions a branch forks off,
    /// and 20 revisions later a merge revision brings it back. Returns display order.
    fn busy_history(len: usize) -> Vec<GraphNode> {
        // Built oldest first (parents have smaller indexes), then reversed.
        let mut parents_of: Vec<Vec<usize>> = Vec::with_capacity(len);
        let mut trunk = None;
        let mut branch = None;
        for id in 0..len {
            let parents = match (trunk, branch) {
                (None, _) => vec![],
                (Some(trunk), Some(tip)) if id % 50 == 45 => {
                    branch = None;
                    vec![trunk, tip]
                }
                (Some(trunk), None) if id % 50 == 25 => {
                    branch = Some(id);
                    vec![trunk]
                }
                (Some(_), Some(tip)) if id % 2 == 1 => {
                    branch = Some(id);
                    vec![tip]
                }
                (Some(trunk), _) => vec![trunk],
            };
            if branch != Some(id) {
                trunk = Some(id);
            }
            parents_of.push(parents);
        }
        parents_of
            .iter()
            .rev()
            .map(|parents| GraphNode {
                parents: parents.iter().map(|&parent| len - 1 - parent).collect(),
                marker: '*',
            })
            .collect()
    }

    #[test]
    fn ten_thousand_revisions_with_regular_branches_draw_one_row_per_revision() {
        let nodes = busy_history(10_000);
        let rows = layout(&nodes);
        let drawn: Vec<usize> = rows
            .iter()
            .filter_map(|row| match row {
                GraphRow::Node { node, .. } => Some(*node),
                GraphRow::Edge { .. } => None,
            })
            .collect();
        assert_eq!(drawn, (0..10_000).collect::<Vec<_>>());
        assert!(rows.iter().all(|row| row.graph().len() <= 5));
        check(&nodes, &rows).unwrap_or_else(|problem| panic!("{problem}"));
    }

    #[test]
    fn a_slice_of_the_busy_history_looks_like_git() {
        let nodes = busy_history(60);
        let drawn = draw(&nodes);
        assert!(drawn.starts_with("* 0\n"), "{drawn}");
        assert!(drawn.contains("*   14\n|\\\n"), "{drawn}");
    }

    proptest::proptest! {
        #[test]
        fn any_graph_is_drawn_faithfully(
            shape in proptest::collection::vec(
                proptest::collection::vec(0usize..1000, 0..5), 0..30),
            heads_as_markers in proptest::bool::ANY,
        ) {
            let len = shape.len();
            let nodes: Vec<GraphNode> = shape
                .iter()
                .enumerate()
                .map(|(index, picks)| {
                    let mut parents = Vec::new();
                    for pick in picks {
                        let room = len - index - 1;
                        if room > 0 {
                            let parent = index + 1 + pick % room;
                            if !parents.contains(&parent) {
                                parents.push(parent);
                            }
                        }
                    }
                    GraphNode { parents, marker: if heads_as_markers { 'o' } else { '*' } }
                })
                .collect();
            let rows = layout(&nodes);
            if let Err(problem) = check(&nodes, &rows) {
                proptest::prop_assert!(false, "{}\n{}", problem, render(&rows));
            }
        }
    }
}
