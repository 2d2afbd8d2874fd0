//! Re-parenting one head's revisions onto another head, so that history stays linear after a
//! merge instead of gaining a merge revision.
//!
//! When two branches each add revisions on top of a common one and get merged, the graph has
//! two heads. If one branch's revisions were never shared nor applied, they can simply move on
//! top of the other head: the lowest of them gets `-- revises: <other head>`, the rest follow.
//! [`plan`] works out what would change from the graph alone; [`rewrite_revises`] edits one
//! file's text; [`Reparent::apply`] reads and writes the files.

use std::path::PathBuf;

use crate::graph::{Edges, RevIdx, RevisionGraph, RevisionSet};
use crate::revision::Revision;

/// What re-parenting `moving` onto `onto` changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reparent {
    /// The head that moves.
    pub moving: String,
    /// The head it moves onto.
    pub onto: String,
    /// The revisions that move, lowest first: the ancestors of `moving` that `onto` lacks.
    pub segment: Vec<String>,
    /// The files whose `revises:` header changes (the lowest revisions of the segment).
    pub rewrites: Vec<Rewrite>,
}

/// One `revises:` header to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub revision: String,
    pub path: PathBuf,
    /// The 1-based line of the `-- revises:` header (0 when the file has none).
    pub line: usize,
    pub from: Vec<String>,
    pub to: Vec<String>,
}

/// Why the revisions cannot be re-parented.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReparentError {
    #[error("`{moving}` and `{onto}` must be two different heads")]
    NotTwoHeads { moving: String, onto: String },
    #[error("`{onto}` already has every revision of `{moving}`")]
    NothingToMove { moving: String, onto: String },
    #[error("`{revision}` is a merge revision; only a straight line of revisions can move")]
    MergeInSegment { revision: String },
    #[error(
        "`{revision}` shares no ancestor with `{onto}`: it would not move, it would join two histories"
    )]
    NoCommonBase { revision: String, onto: String },
    #[error("already applied to the database: {}", revisions.join(", "))]
    Applied { revisions: Vec<String> },
    #[error("other revisions depend on the ones that would move: {}", revisions.join(", "))]
    DependedOn { revisions: Vec<String> },
    #[error("the re-parented revisions would not form a sound graph: {0}")]
    Graph(#[from] crate::graph::GraphError),
    #[error("{}:{line}: no `-- revises:` header line to rewrite", path.display())]
    NoRevisesLine { path: PathBuf, line: usize },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: the file changed since it was read; nothing was rewritten", path.display())]
    Changed { path: PathBuf },
}

/// Works out how to move the revisions only `moving` has on top of `onto`.
///
/// The segment is the ancestors of `moving` (along `revises`) that are not ancestors of
/// `onto`. It must hold no merge revision and no revision in `applied`; its lowest revision
/// must revise revisions that `onto` also has. Nothing is read or written.
pub fn plan(
    graph: &RevisionGraph,
    moving: RevIdx,
    onto: RevIdx,
    applied: &RevisionSet,
) -> Result<Reparent, ReparentError> {
    let id = |i: RevIdx| graph.id(i).to_string();
    if moving == onto || !graph.node(moving).is_head() || !graph.node(onto).is_head() {
        return Err(ReparentError::NotTwoHeads {
            moving: id(moving),
            onto: id(onto),
        });
    }
    let below_onto = graph.ancestors([onto], Edges::Parents);
    let mut segment = graph.ancestors([moving], Edges::Parents);
    for i in below_onto.iter() {
        segment.remove(i);
    }
    let segment = graph.in_order(&segment);
    if segment.is_empty() {
        return Err(ReparentError::NothingToMove {
            moving: id(moving),
            onto: id(onto),
        });
    }
    if let Some(&m) = segment.iter().find(|&&i| graph.node(i).is_merge()) {
        return Err(ReparentError::MergeInSegment { revision: id(m) });
    }
    let done: Vec<String> = segment
        .iter()
        .filter(|&&i| applied.contains(i))
        .map(|&i| id(i))
        .collect();
    if !done.is_empty() {
        return Err(ReparentError::Applied { revisions: done });
    }
    // A revision outside the segment depending on one inside it: after the move it would
    // need the moved line, which `onto`'s side never needed before. Not a straight move.
    let in_segment = |i: RevIdx| segment.contains(&i);
    let depended: Vec<String> = segment
        .iter()
        .filter(|&&i| graph.node(i).dependents.iter().any(|&d| !in_segment(d)))
        .map(|&i| id(i))
        .collect();
    if !depended.is_empty() {
        return Err(ReparentError::DependedOn {
            revisions: depended,
        });
    }

    // The lowest revisions: those whose parents are all outside the segment. Without merges
    // in the segment, that is one revision with one parent, which `onto` has.
    let mut rewrites = Vec::new();
    for &i in &segment {
        let node = graph.node(i);
        if node.parents.iter().any(|&p| in_segment(p)) {
            continue;
        }
        if node.parents.is_empty() || !node.parents.iter().all(|&p| below_onto.contains(p)) {
            return Err(ReparentError::NoCommonBase {
                revision: id(i),
                onto: id(onto),
            });
        }
        rewrites.push(Rewrite {
            revision: id(i),
            path: node.revision.path.clone(),
            line: node.revision.lines.revises,
            from: node.revision.parents.clone(),
            to: vec![id(onto)],
        });
    }

    // The result must still be a graph: rebuild it with the new parents.
    let revisions: Vec<Revision> = graph
        .nodes()
        .iter()
        .map(|n| {
            let mut r = n.revision.clone();
            if let Some(w) = rewrites.iter().find(|w| w.revision == r.id) {
                r.parents = w.to.clone();
            }
            r
        })
        .collect();
    RevisionGraph::new(revisions)?;

    Ok(Reparent {
        moving: id(moving),
        onto: id(onto),
        segment: segment.iter().map(|&i| id(i)).collect(),
        rewrites,
    })
}

/// Whether a line is the `-- revises:` header field (the parser's reading of it).
fn is_revises_line(line: &str) -> bool {
    matches!(
        crate::revision::header_line(line),
        crate::revision::HeaderLine::Field { key: "revises", .. }
    )
}

/// Rewrites the value of the `-- revises:` header on `line` (1-based) of `text`, leaving every
/// other byte alone, the line's ending (`\r\n` or `\n`) included. When `line` does not hold the
/// header (or is 0), the first `-- revises:` line of the leading comment block is used.
pub fn rewrite_revises(text: &str, line: usize, parents: &[String]) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let target = if line > 0 && lines.get(line - 1).is_some_and(|l| is_revises_line(l)) {
        line - 1
    } else {
        lines
            .iter()
            .take_while(|l| {
                let t = l.trim_start_matches('\u{feff}').trim();
                t.is_empty() || (t.starts_with("--") && !t.contains("migrate:"))
            })
            .position(|l| is_revises_line(l.trim_start_matches('\u{feff}')))?
    };
    let old = lines[target];
    let ending = if old.ends_with("\r\n") {
        "\r\n"
    } else if old.ends_with('\n') {
        "\n"
    } else {
        ""
    };
    // The key's colon is the line's first (no key has one).
    let key_end = old.find(':')? + 1;
    let new_line = format!("{} {}{ending}", &old[..key_end], parents.join(", "));
    let mut out = String::with_capacity(text.len() + 16);
    for (k, l) in lines.iter().enumerate() {
        out.push_str(if k == target { &new_line } else { l });
    }
    Some(out)
}

impl Reparent {
    /// Reads each file to rewrite, checks that its header still says what the graph read,
    /// then writes them all. Returns the rewritten paths. Nothing is written when a file cannot
    /// be read or rewritten.
    pub fn apply(&self) -> Result<Vec<PathBuf>, ReparentError> {
        let mut texts = Vec::with_capacity(self.rewrites.len());
        for w in &self.rewrites {
            let io = |source| ReparentError::Io {
                path: w.path.clone(),
                source,
            };
            let text = std::fs::read_to_string(&w.path).map_err(io)?;
            match crate::revision::parse(&w.path, &text) {
                Ok((r, _)) if r.id == w.revision && r.parents == w.from => {}
                _ => {
                    return Err(ReparentError::Changed {
                        path: w.path.clone(),
                    });
                }
            }
            let new = rewrite_revises(&text, w.line, &w.to).ok_or_else(|| {
                ReparentError::NoRevisesLine {
                    path: w.path.clone(),
                    line: w.line,
                }
            })?;
            texts.push(new);
        }
        let mut written = Vec::new();
        for (w, text) in self.rewrites.iter().zip(texts) {
            std::fs::write(&w.path, text).map_err(|source| ReparentError::Io {
                path: w.path.clone(),
                source,
            })?;
            written.push(w.path.clone());
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn rev(id: &str, revises: &str) -> String {
        format!(
            "-- revision: {id}\n-- revises: {revises}\n-- message: add {id}\n\n-- migrate:up\nCREATE TABLE t_{id} (id INTEGER);\n\n-- migrate:down\nDROP TABLE t_{id};\n"
        )
    }

    fn graph(files: &[(&str, &str)]) -> RevisionGraph {
        let revisions = files
            .iter()
            .map(|(id, revises)| {
                let path = format!("m/{id}_r.sql");
                crate::revision::parse(Path::new(&path), &rev(id, revises))
                    .expect("parses")
                    .0
            })
            .collect();
        RevisionGraph::new(revisions).expect("a graph")
    }

    fn ix(g: &RevisionGraph, id: &str) -> RevIdx {
        g.index_of(id).expect("known")
    }

    #[test]
    fn reparent_moves_a_chain_onto_the_other_head() {
        // aa01 <- bb02 <- bb03 (moving), aa01 <- cc04 (onto)
        let g = graph(&[
            ("aa01", ""),
            ("bb02", "aa01"),
            ("bb03", "bb02"),
            ("cc04", "aa01"),
        ]);
        let p = plan(&g, ix(&g, "bb03"), ix(&g, "cc04"), &g.empty_set()).expect("plans");
        assert_eq!(p.segment, ["bb02", "bb03"]);
        assert_eq!(p.rewrites.len(), 1);
        let w = &p.rewrites[0];
        assert_eq!(w.revision, "bb02");
        assert_eq!(
            (w.from.clone(), w.to.clone()),
            (vec!["aa01".into()], vec!["cc04".into()])
        );
        assert_eq!(w.line, 2);
    }

    #[test]
    fn reparent_refuses_an_applied_segment() {
        let g = graph(&[("aa01", ""), ("bb02", "aa01"), ("cc03", "aa01")]);
        let mut applied = g.empty_set();
        applied.insert(ix(&g, "aa01"));
        applied.insert(ix(&g, "bb02"));
        let e = plan(&g, ix(&g, "bb02"), ix(&g, "cc03"), &applied).expect_err("refuses");
        assert!(
            matches!(&e, ReparentError::Applied { revisions } if revisions == &["bb02"]),
            "{e}"
        );
        // The other way round is fine: cc03 is not applied, and aa01 stays where it is.
        plan(&g, ix(&g, "cc03"), ix(&g, "bb02"), &applied).expect("plans");
    }

    #[test]
    fn reparent_refuses_a_merge_inside_the_segment() {
        // aa01 <- bb02, aa01 <- bb03, (bb02, bb03) <- bb04 (moving); aa01 <- cc05 (onto)
        let g = graph(&[
            ("aa01", ""),
            ("bb02", "aa01"),
            ("bb03", "aa01"),
            ("bb04", "bb02, bb03"),
            ("cc05", "aa01"),
        ]);
        let e = plan(&g, ix(&g, "bb04"), ix(&g, "cc05"), &g.empty_set()).expect_err("refuses");
        assert!(
            matches!(&e, ReparentError::MergeInSegment { revision } if revision == "bb04"),
            "{e}"
        );
    }

    #[test]
    fn reparent_refuses_two_unrelated_histories_and_non_heads() {
        let g = graph(&[("aa01", ""), ("bb02", "")]);
        let e = plan(&g, ix(&g, "bb02"), ix(&g, "aa01"), &g.empty_set()).expect_err("refuses");
        assert!(matches!(e, ReparentError::NoCommonBase { .. }), "{e}");
        let g = graph(&[("aa01", ""), ("bb02", "aa01"), ("cc03", "aa01")]);
        let e = plan(&g, ix(&g, "aa01"), ix(&g, "cc03"), &g.empty_set()).expect_err("refuses");
        assert!(matches!(e, ReparentError::NotTwoHeads { .. }), "{e}");
    }

    #[test]
    fn reparent_rewrites_only_the_revises_line_and_keeps_crlf() {
        let lf = rev("bb02", "aa01");
        let out = rewrite_revises(&lf, 2, &["cc03".to_string()]).expect("rewrites");
        assert_eq!(out, lf.replace("-- revises: aa01", "-- revises: cc03"));

        let crlf = lf.replace('\n', "\r\n");
        let out = rewrite_revises(&crlf, 2, &["cc03".to_string()]).expect("rewrites");
        assert_eq!(out, crlf.replace("-- revises: aa01", "-- revises: cc03"));
        assert_eq!(out.matches("\r\n").count(), crlf.matches("\r\n").count());

        // A wrong line number falls back to the header's revises line; odd spacing and case,
        // which the parser accepts, are kept.
        let odd = "-- revision: bb02\n-- Note: revises:aa01\n--   Revises :aa01\n-- migrate:up\n";
        let out = rewrite_revises(odd, 1, &["cc03".to_string()]).expect("rewrites");
        assert_eq!(
            out,
            "-- revision: bb02\n-- Note: revises:aa01\n--   Revises : cc03\n-- migrate:up\n"
        );
        assert!(
            rewrite_revises("-- revision: x\n-- migrate:up\n-- revises: y\n", 0, &[]).is_none()
        );
    }

    #[test]
    fn reparent_apply_writes_the_file_and_the_result_is_linear() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut revisions = Vec::new();
        for (id, revises) in [("aa01", ""), ("bb02", "aa01"), ("cc03", "aa01")] {
            let path = dir.path().join(format!("{id}_r.sql"));
            let text = rev(id, revises).replace('\n', "\r\n");
            std::fs::write(&path, &text).expect("write");
            revisions.push(crate::revision::parse(&path, &text).expect("parses").0);
        }
        let g = RevisionGraph::new(revisions).expect("graph");
        let p = plan(&g, ix(&g, "bb02"), ix(&g, "cc03"), &g.empty_set()).expect("plans");
        let written = p.apply().expect("applies");
        assert_eq!(written, [dir.path().join("bb02_r.sql")]);
        let text = std::fs::read_to_string(&written[0]).expect("read");
        assert!(
            text.starts_with("-- revision: bb02\r\n-- revises: cc03\r\n-- message"),
            "{text:?}"
        );
        let loaded = crate::source::load_dir(dir.path()).expect("loads");
        let g = RevisionGraph::new(loaded.revisions).expect("graph");
        assert_eq!(g.heads().len(), 1);
        assert_eq!(g.id(g.heads()[0]), "bb02");
        // A second apply sees the header moved on and refuses.
        assert!(matches!(p.apply(), Err(ReparentError::Changed { .. })));
    }
}
