//! Targets: the grammar of SPEC.md (Alembic's), parsed into a typed [`Target`] and resolved
//! against the graph and the database's applied revisions.

use std::fmt;
use std::str::FromStr;

use crate::graph::{Edges, RevIdx, RevisionGraph, RevisionSet};

/// What a target is anchored at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// The database's current revision(s): `+2`, `-1`, `auth@+1`.
    Current,
    /// `head`, `auth@head`.
    Head,
    /// `heads`.
    Heads,
    /// `base`, `auth@base`.
    Base,
    /// A revision id, a unique prefix of one, or a branch label.
    Revision(String),
}

/// A parsed target such as `head`, `ae10-1`, `auth@+1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `auth` in `auth@head`: a branch label (or a revision whose lineage is meant).
    pub branch: Option<String>,
    pub anchor: Anchor,
    /// The relative part: `+2` is 2, `-1` is -1, none is 0.
    pub steps: i64,
    text: String,
}

impl Target {
    pub fn head() -> Self {
        Target {
            branch: None,
            anchor: Anchor::Head,
            steps: 0,
            text: "head".into(),
        }
    }

    pub fn heads() -> Self {
        Target {
            branch: None,
            anchor: Anchor::Heads,
            steps: 0,
            text: "heads".into(),
        }
    }

    /// The target as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A target that does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    #[error("invalid target `{target}`: {reason}")]
    Syntax {
        target: String,
        reason: &'static str,
    },
    #[error("no such revision or branch `{target}`")]
    NoSuchRevision {
        target: String,
        /// The keyword, label, id or id prefix closest to it, if one is close.
        suggestion: Option<String>,
    },
    #[error("several revisions start with `{prefix}`: {}", candidates.join(", "))]
    AmbiguousPrefix {
        prefix: String,
        candidates: Vec<String>,
    },
    #[error("multiple heads are present for `{target}`: {}", heads.join(", "))]
    MultipleHeads { target: String, heads: Vec<String> },
    #[error("branch `{branch}` has no head")]
    NoHeadInBranch { branch: String },
    #[error("revision `{revision}` is not in branch `{branch}`")]
    NotInBranch { revision: String, branch: String },
    #[error("`{target}` is ambiguous: from `{from}` it could go to {}", candidates.join(" or "))]
    AmbiguousWalk {
        target: String,
        from: String,
        candidates: Vec<String>,
    },
    #[error("`{target}` is ambiguous: the database has several current heads: {}", heads.join(", "))]
    MultipleCurrent { target: String, heads: Vec<String> },
    #[error("relative revision `{target}` didn't produce {steps} migration(s)")]
    Overwalk { target: String, steps: u64 },
    #[error("can't locate revision(s) {} recorded in the database", ids.join(", "))]
    CantLocate { ids: Vec<String> },
}

impl FromStr for Target {
    type Err = ResolveError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let syntax = |reason| ResolveError::Syntax {
            target: text.to_string(),
            reason,
        };
        let t = text.trim();
        if t.is_empty() {
            return Err(syntax("it is empty"));
        }
        let (branch, rest) = match t.split_once('@') {
            Some((b, r)) => {
                if b.is_empty() {
                    return Err(syntax("nothing before `@`"));
                }
                if r.contains('@') {
                    return Err(syntax("more than one `@`"));
                }
                (Some(b.to_string()), r)
            }
            None => (None, t),
        };
        let (word, steps) = match rest.find(['+', '-']) {
            Some(pos) => {
                let (word, num) = rest.split_at(pos);
                let steps: i64 = num
                    .parse()
                    .map_err(|_| syntax("a relative step is `+N` or `-N`"))?;
                if steps == 0 {
                    return Err(syntax("a relative step of 0 goes nowhere"));
                }
                (word, steps)
            }
            None => (rest, 0),
        };
        if !word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(syntax("a revision is letters, digits and `_`"));
        }
        let anchor = match word {
            "" if steps == 0 => {
                return Err(syntax(if branch.is_some() {
                    "nothing after `@`"
                } else {
                    "it is empty"
                }));
            }
            "" => Anchor::Current,
            "head" => Anchor::Head,
            "heads" => {
                if steps != 0 {
                    return Err(syntax("`heads` takes no relative step"));
                }
                if branch.is_some() {
                    return Err(syntax("use `BRANCH@head`"));
                }
                Anchor::Heads
            }
            "base" => Anchor::Base,
            other => Anchor::Revision(other.to_string()),
        };
        Ok(Target {
            branch,
            anchor,
            steps,
            text: t.to_string(),
        })
    }
}

/// What a target stands for once resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Before the first revision.
    Base,
    /// Before the first revision of a branch: `auth@base`. Holds the branch's revisions.
    BranchBase(Vec<RevIdx>),
    /// One or more revisions (`heads` may give several).
    Revisions(Vec<RevIdx>),
}

/// The revisions a branch qualifier (`auth@…`) stands for.
pub(crate) struct Branch {
    name: String,
    /// The branch's own revisions: those carrying the label, or the qualifying revision and
    /// its descendants.
    pub(crate) members: RevisionSet,
    /// The members and their ancestors: what "shares lineage" with the branch.
    pub(crate) lineage: RevisionSet,
}

impl RevisionGraph {
    /// Resolves a target against this graph and the database's applied revisions.
    pub fn resolve(
        &self,
        target: &Target,
        applied: &RevisionSet,
    ) -> Result<Resolved, ResolveError> {
        let branch = match &target.branch {
            Some(b) => Some(self.branch(b)?),
            None => None,
        };
        let branch = branch.as_ref();
        let start: Option<RevIdx> = match &target.anchor {
            Anchor::Heads => return Ok(Resolved::Revisions(self.heads().to_vec())),
            Anchor::Base if target.steps <= 0 => {
                if target.steps < 0 {
                    return Err(self.overwalk(target));
                }
                return Ok(match branch {
                    Some(b) => Resolved::BranchBase(b.members.iter().collect()),
                    None => Resolved::Base,
                });
            }
            Anchor::Base => None,
            Anchor::Head => match self.single_head(target, branch)? {
                Some(h) => Some(h),
                None if target.steps == 0 => return Ok(Resolved::Base),
                None => return Err(self.overwalk(target)),
            },
            Anchor::Revision(word) => Some(self.find_revision(word, branch)?),
            Anchor::Current => return self.relative_to_current(target, applied, branch),
        };
        let end = self.walk(target, start, branch)?;
        Ok(match end {
            Some(i) => Resolved::Revisions(vec![i]),
            None => Resolved::Base,
        })
    }

    /// Resolves a target that must name exactly one revision (for `show`, `--head`, …).
    pub fn resolve_one(&self, target: &Target) -> Result<Option<RevIdx>, ResolveError> {
        match self.resolve(target, &self.empty_set())? {
            Resolved::Base | Resolved::BranchBase(_) => Ok(None),
            Resolved::Revisions(v) if v.len() == 1 => Ok(Some(v[0])),
            Resolved::Revisions(v) => Err(ResolveError::MultipleHeads {
                target: target.to_string(),
                heads: v.iter().map(|&i| self.id(i).to_string()).collect(),
            }),
        }
    }

    /// The applied set from the ids a database records. Ids the files don't have are
    /// "Can't locate revision".
    pub fn applied_set<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<RevisionSet, ResolveError> {
        let mut set = self.empty_set();
        let mut missing = Vec::new();
        for id in ids {
            match self.index_of(id) {
                Some(i) => set.insert(i),
                None => missing.push(id.to_string()),
            }
        }
        if missing.is_empty() {
            Ok(set)
        } else {
            Err(ResolveError::CantLocate { ids: missing })
        }
    }

    pub(crate) fn branch(&self, name: &str) -> Result<Branch, ResolveError> {
        let members = match self.label_owner(name) {
            Some(_) => {
                let mut set = self.empty_set();
                for (i, node) in self.iter() {
                    if node.has_label(name) {
                        set.insert(i);
                    }
                }
                set
            }
            None => {
                let r = self.find_revision(name, None)?;
                self.descendants([r], Edges::Parents)
            }
        };
        let lineage = self.ancestors(members.iter(), Edges::Parents);
        Ok(Branch {
            name: name.to_string(),
            members,
            lineage,
        })
    }

    /// An id, a branch label, or a unique prefix of an id; within a branch's lineage if given.
    fn find_revision(&self, word: &str, branch: Option<&Branch>) -> Result<RevIdx, ResolveError> {
        let found = self
            .index_of(word)
            .or_else(|| self.label_owner(word).filter(|_| branch.is_none()));
        let found = match found {
            Some(i) => i,
            None => {
                let mut candidates: Vec<RevIdx> = self
                    .iter()
                    .filter(|(i, n)| {
                        n.id().starts_with(word) && branch.is_none_or(|b| b.lineage.contains(*i))
                    })
                    .map(|(i, _)| i)
                    .collect();
                match candidates.len() {
                    0 => {
                        return Err(ResolveError::NoSuchRevision {
                            target: word.to_string(),
                            suggestion: self.suggest(word),
                        });
                    }
                    1 => candidates[0],
                    _ => {
                        candidates.sort_by_key(|&i| self.rank(i));
                        return Err(ResolveError::AmbiguousPrefix {
                            prefix: word.to_string(),
                            candidates: candidates
                                .iter()
                                .map(|&i| self.id(i).to_string())
                                .collect(),
                        });
                    }
                }
            }
        };
        if let Some(b) = branch
            && !b.lineage.contains(found)
            && !b.members.contains(found)
        {
            return Err(ResolveError::NotInBranch {
                revision: self.id(found).to_string(),
                branch: b.name.clone(),
            });
        }
        Ok(found)
    }

    /// What an unknown word in a target may have meant: a keyword, a branch label, an id, or
    /// an id's unique prefix of the same length.
    fn suggest(&self, word: &str) -> Option<String> {
        let len = word.chars().count();
        let mut prefixes: std::collections::BTreeMap<&str, usize> = Default::default();
        for n in self.nodes() {
            if let Some((end, _)) = n.id().char_indices().nth(len) {
                *prefixes.entry(&n.id()[..end]).or_default() += 1;
            }
        }
        let keywords = ["head", "heads", "base"];
        let labels = self.nodes().iter().flat_map(|n| n.branch_labels());
        let ids = self.nodes().iter().map(|n| n.id());
        let unique_prefixes = prefixes
            .iter()
            .filter(|(_, count)| **count == 1)
            .map(|(p, _)| *p);
        crate::suggest::closest(
            word,
            keywords
                .into_iter()
                .chain(labels)
                .chain(ids)
                .chain(unique_prefixes),
        )
        .map(str::to_string)
    }

    /// Checks, before anything runs, that the names in a target (its branch and revision)
    /// exist; what depends on the database's state is left to [`RevisionGraph::resolve`].
    pub fn check_names(&self, target: &Target) -> Result<(), ResolveError> {
        let branch = match &target.branch {
            Some(b) => Some(self.branch(b)?),
            None => None,
        };
        if let Anchor::Revision(word) = &target.anchor {
            self.find_revision(word, branch.as_ref())?;
        }
        Ok(())
    }

    /// The one head (of a branch, if given); `None` when there are no revisions at all.
    fn single_head(
        &self,
        target: &Target,
        branch: Option<&Branch>,
    ) -> Result<Option<RevIdx>, ResolveError> {
        let heads: Vec<RevIdx> = self
            .heads()
            .iter()
            .copied()
            .filter(|&h| branch.is_none_or(|b| b.lineage.contains(h)))
            .collect();
        match (heads.len(), branch) {
            (0, Some(b)) => Err(ResolveError::NoHeadInBranch {
                branch: b.name.clone(),
            }),
            (0, None) => Ok(None),
            (1, _) => Ok(Some(heads[0])),
            _ => Err(ResolveError::MultipleHeads {
                target: target.to_string(),
                heads: heads.iter().map(|&i| self.id(i).to_string()).collect(),
            }),
        }
    }

    fn overwalk(&self, target: &Target) -> ResolveError {
        ResolveError::Overwalk {
            target: target.to_string(),
            steps: target.steps.unsigned_abs(),
        }
    }

    /// `+N` / `-N` from the database's current heads (within a branch, if given).
    fn relative_to_current(
        &self,
        target: &Target,
        applied: &RevisionSet,
        branch: Option<&Branch>,
    ) -> Result<Resolved, ResolveError> {
        let current = self.heads_of(applied);
        let mut starts: Vec<RevIdx> = current
            .iter()
            .copied()
            .filter(|&h| branch.is_none_or(|b| b.lineage.contains(h)))
            .collect();
        if starts.is_empty()
            && target.steps > 0
            && let Some(b) = branch
        {
            // The branch's head is not applied: start from the branch's newest applied
            // ancestor, as Alembic backtracks to the branch point.
            let mut on_branch = applied.clone();
            for i in applied.iter() {
                if !b.lineage.contains(i) {
                    on_branch.remove(i);
                }
            }
            starts = self.heads_of(&on_branch);
        }
        let start = match starts.len() {
            0 if target.steps > 0 => None,
            0 => return Err(self.overwalk(target)),
            1 => Some(starts[0]),
            _ => {
                return Err(ResolveError::MultipleCurrent {
                    target: target.to_string(),
                    heads: starts.iter().map(|&i| self.id(i).to_string()).collect(),
                });
            }
        };
        Ok(match self.walk(target, start, branch)? {
            Some(i) => Resolved::Revisions(vec![i]),
            None => Resolved::Base,
        })
    }

    /// Takes `target.steps` steps from `start` (`None` is base): up along children, down
    /// along parents. A fork on the way is ambiguous; running out of revisions is an overwalk.
    fn walk(
        &self,
        target: &Target,
        start: Option<RevIdx>,
        branch: Option<&Branch>,
    ) -> Result<Option<RevIdx>, ResolveError> {
        let mut cur = start;
        for _ in 0..target.steps.unsigned_abs() {
            let candidates: Vec<RevIdx> = if target.steps > 0 {
                let next: &[RevIdx] = match cur {
                    Some(i) => &self.node(i).children,
                    None => self.bases(),
                };
                next.iter()
                    .copied()
                    .filter(|&c| branch.is_none_or(|b| b.lineage.contains(c)))
                    .collect()
            } else {
                match cur {
                    None => return Err(self.overwalk(target)),
                    Some(i) => {
                        let parents = &self.node(i).parents;
                        if parents.is_empty() {
                            cur = None;
                            continue;
                        }
                        parents.clone()
                    }
                }
            };
            match candidates.len() {
                0 => return Err(self.overwalk(target)),
                1 => cur = Some(candidates[0]),
                _ => {
                    return Err(ResolveError::AmbiguousWalk {
                        target: target.to_string(),
                        from: cur.map_or("base".to_string(), |i| self.id(i).to_string()),
                        candidates: candidates.iter().map(|&i| self.id(i).to_string()).collect(),
                    });
                }
            }
        }
        Ok(cur)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{graph, ids};

    fn t(s: &str) -> Target {
        s.parse().expect("valid target")
    }

    fn resolve(
        g: &RevisionGraph,
        target: &str,
        applied: &[&str],
    ) -> Result<Vec<String>, ResolveError> {
        let applied = g.applied_set(applied.iter().copied()).expect("known ids");
        Ok(match g.resolve(&t(target), &applied)? {
            Resolved::Base => vec!["base".into()],
            Resolved::BranchBase(m) => {
                let mut v = ids(g, &m);
                v.insert(0, "branch-base".into());
                v
            }
            Resolved::Revisions(v) => ids(g, &v),
        })
    }

    #[test]
    fn the_grammar_parses_every_form_of_spec_md() {
        assert_eq!(t("head").anchor, Anchor::Head);
        assert_eq!(t("heads").anchor, Anchor::Heads);
        assert_eq!(t("base").anchor, Anchor::Base);
        assert_eq!(t("3a4f").anchor, Anchor::Revision("3a4f".into()));
        let r = t("+2");
        assert_eq!((r.anchor, r.steps), (Anchor::Current, 2));
        let r = t("-1");
        assert_eq!((r.anchor, r.steps), (Anchor::Current, -1));
        let r = t("3a4f+2");
        assert_eq!((r.anchor, r.steps), (Anchor::Revision("3a4f".into()), 2));
        let r = t("head-1");
        assert_eq!((r.anchor, r.steps), (Anchor::Head, -1));
        let r = t("auth@head");
        assert_eq!(
            (r.branch.as_deref(), r.anchor),
            (Some("auth"), Anchor::Head)
        );
        let r = t("auth@base");
        assert_eq!(r.anchor, Anchor::Base);
        let r = t("auth@+1");
        assert_eq!(
            (r.branch.as_deref(), r.anchor, r.steps),
            (Some("auth"), Anchor::Current, 1)
        );
    }

    #[test]
    fn malformed_targets_are_syntax_errors() {
        for bad in [
            "", "@head", "auth@", "a@b@c", "+", "-x", "ab+0", "heads+1", "x y", "ab+1-1",
        ] {
            assert!(
                matches!(bad.parse::<Target>(), Err(ResolveError::Syntax { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn head_on_a_single_line_and_on_several_heads() {
        let g = graph(&["a1:", "b2:a1", "c3:b2"]);
        assert_eq!(resolve(&g, "head", &[]).expect("ok"), ["c3"]);
        let g = graph(&["a1:", "b2:a1", "c3:a1"]);
        match resolve(&g, "head", &[]) {
            Err(ResolveError::MultipleHeads { heads, .. }) => assert_eq!(heads.len(), 2),
            other => panic!("{other:?}"),
        }
        let mut heads = resolve(&g, "heads", &[]).expect("ok");
        heads.sort();
        assert_eq!(heads, ["b2", "c3"]);
    }

    /// `target` resolved against the graph with `applied` applied is refused with the
    /// `ResolveError` that `pattern` matches.
    macro_rules! assert_refused {
        ($g:expr, $target:expr, $applied:expr, $($pattern:tt)+) => {
            let got = resolve($g, $target, $applied);
            assert!(matches!(got, Err(ResolveError::$($pattern)+)), "{}: {got:?}", $target);
        };
    }

    #[test]
    fn prefixes_resolve_when_unique_and_list_candidates_when_not() {
        let g = graph(&["ae1027:", "ae10f0:ae1027", "b00000:ae10f0"]);
        assert_eq!(resolve(&g, "b", &[]).expect("ok"), ["b00000"]);
        assert_eq!(resolve(&g, "ae1027", &[]).expect("ok"), ["ae1027"]);
        match resolve(&g, "ae10", &[]) {
            Err(ResolveError::AmbiguousPrefix { candidates, .. }) => {
                assert_eq!(candidates, ["ae1027", "ae10f0"])
            }
            other => panic!("{other:?}"),
        }
        assert_refused!(&g, "ff", &[], NoSuchRevision { .. });
    }

    #[test]
    fn relative_targets_walk_from_a_revision_or_the_current_heads() {
        let g = graph(&["a1:", "b2:a1", "c3:b2", "d4:c3"]);
        assert_eq!(resolve(&g, "a1+2", &[]).expect("ok"), ["c3"]);
        assert_eq!(resolve(&g, "head-1", &[]).expect("ok"), ["c3"]);
        assert_eq!(resolve(&g, "+1", &[]).expect("ok"), ["a1"]);
        assert_eq!(resolve(&g, "+2", &["a1", "b2"]).expect("ok"), ["d4"]);
        assert_eq!(resolve(&g, "-1", &["a1", "b2"]).expect("ok"), ["a1"]);
        assert_eq!(resolve(&g, "-2", &["a1", "b2"]).expect("ok"), ["base"]);
        assert_eq!(resolve(&g, "base+1", &[]).expect("ok"), ["a1"]);
        assert_refused!(&g, "-3", &["a1", "b2"], Overwalk { steps: 3, .. });
        assert_refused!(&g, "head+1", &[], Overwalk { .. });
        assert_refused!(&g, "-1", &[], Overwalk { .. });
    }

    #[test]
    fn walking_across_a_fork_or_a_merge_is_ambiguous() {
        let g = graph(&["a1:", "b2:a1", "c3:a1", "d4:b2,c3"]);
        match resolve(&g, "a1+1", &[]) {
            Err(ResolveError::AmbiguousWalk { candidates, .. }) => {
                assert_eq!(candidates.len(), 2)
            }
            other => panic!("{other:?}"),
        }
        match resolve(&g, "-1", &["a1", "b2", "c3", "d4"]) {
            Err(ResolveError::AmbiguousWalk { candidates, .. }) => {
                assert_eq!(candidates.len(), 2)
            }
            other => panic!("{other:?}"),
        }
        match resolve(&g, "-1", &["a1", "b2", "c3"]) {
            Err(ResolveError::MultipleCurrent { heads, .. }) => assert_eq!(heads.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    fn labelled_graph() -> RevisionGraph {
        use crate::graph::tests::rev;
        let mut auth = rev("c3:a1");
        auth.branch_labels = vec!["auth".into()];
        RevisionGraph::new(vec![
            rev("a1:"),
            rev("b2:a1"),
            auth,
            rev("d4:c3"),
            rev("e5:b2"),
        ])
        .expect("graph")
    }

    #[test]
    fn branch_qualified_targets_stay_in_their_branch() {
        let g = labelled_graph();
        assert_eq!(resolve(&g, "auth@head", &[]).expect("ok"), ["d4"]);
        assert_eq!(resolve(&g, "auth", &[]).expect("ok"), ["c3"]);
        assert_eq!(resolve(&g, "auth@+1", &["a1", "b2"]).expect("ok"), ["c3"]);
        assert_eq!(
            resolve(&g, "auth@+2", &["a1", "b2", "e5"]).expect("ok"),
            ["d4"]
        );
        assert_eq!(
            resolve(&g, "auth@base", &[]).expect("ok"),
            ["branch-base", "c3", "d4"]
        );
        assert_eq!(
            resolve(&g, "auth@-1", &["a1", "c3", "d4"]).expect("ok"),
            ["c3"]
        );
        assert_refused!(&g, "auth@e5", &[], NotInBranch { .. });
        assert_refused!(&g, "nope@head", &[], NoSuchRevision { .. });
    }

    #[test]
    fn recorded_revisions_missing_from_the_files_cannot_be_located() {
        let g = graph(&["a1:"]);
        match g.applied_set(["a1", "zz"]) {
            Err(ResolveError::CantLocate { ids }) => assert_eq!(ids, ["zz"]),
            other => panic!("{other:?}"),
        }
    }
}
