//! Writing new revision files: `new` and `merge`.
//!
//! The file is rendered from a minijinja template (the built-in one, or a project's override),
//! then parsed back before it is written, so a broken template can never leave a broken
//! revision file behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::graph::{Edges, RevIdx, RevisionGraph};
use crate::revision::{self, ParseError, validate_name};
use crate::target::{ResolveError, Target};

/// The built-in templates, embedded in the binary.
const BUILTIN: &[(&str, &str)] = &[("revision", include_str!("../../templates/revision.sql.j2"))];

/// The template used when none is named.
pub const DEFAULT_TEMPLATE: &str = "revision";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NewError {
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error("multiple heads are present: {}", heads.join(", "))]
    MultipleHeads { heads: Vec<String> },
    #[error("revision `{revision}` is not a head")]
    NotAHead { revision: String },
    #[error("`{revision}` is listed twice")]
    Repeated { revision: String },
    #[error("nothing to merge: {reason}")]
    NothingToMerge { reason: String },
    #[error("`{ancestor}` is an ancestor of `{descendant}`; merging them adds nothing")]
    MergeOfAncestor {
        ancestor: String,
        descendant: String,
    },
    #[error("{0}")]
    InvalidId(revision::ParseErrorKind),
    #[error("{0}")]
    InvalidLabel(revision::ParseErrorKind),
    #[error("revision `{0}` already exists")]
    IdTaken(String),
    #[error("branch label `{label}` is already used by revision `{revision}`")]
    LabelTaken { label: String, revision: String },
    #[error("branch label `{0}` is also a revision id")]
    LabelIsRevision(String),
    #[error("no template named `{name}`")]
    UnknownTemplate {
        name: String,
        available: Vec<String>,
    },
    #[error("template `{name}` failed to render: {message}")]
    Render { name: String, message: String },
    /// Rendering was stopped: the template ran too long or wrote too much.
    #[error("template `{name}` did not finish: {limit}")]
    Runaway { name: String, limit: String },
    #[error("template `{name}` rendered an invalid revision file: {error}")]
    InvalidRendering { name: String, error: ParseError },
    #[error("cannot write `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Where templates come from: a project's directory first, then the built-ins.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    pub dir: Option<PathBuf>,
}

impl Templates {
    /// The source of template `name` and where it came from.
    pub fn load(&self, name: &str) -> Result<(String, String), NewError> {
        let unknown = || NewError::UnknownTemplate {
            name: name.to_string(),
            available: self.available(),
        };
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(unknown());
        }
        if let Some(dir) = &self.dir {
            let path = dir.join(format!("{name}.sql.j2"));
            match std::fs::read_to_string(&path) {
                Ok(text) => return Ok((text, path.display().to_string())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(NewError::Io { path, source }),
            }
        }
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, t)| (t.to_string(), format!("built-in `{n}`")))
            .ok_or_else(unknown)
    }

    /// Every template name there is, sorted.
    pub fn available(&self) -> Vec<String> {
        let mut names: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
        if let Some(dir) = &self.dir
            && let Ok(entries) = std::fs::read_dir(dir)
        {
            for e in entries.flatten() {
                if let Some(n) = e
                    .file_name()
                    .to_str()
                    .and_then(|n| n.strip_suffix(".sql.j2"))
                {
                    names.push(n.to_string());
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }
}

/// Everything a template sees.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionContext {
    pub revision: String,
    /// `revises`, `branch_labels` and `depends_on`, as asked.
    #[serde(flatten)]
    pub links: Links,
    pub created: String,
    pub message: String,
    /// Leave the sections without placeholder comments.
    pub empty: bool,
    /// A merge revision.
    pub merge: bool,
    /// SQL to put in the sections (autogenerate), when known.
    pub up: Option<String>,
    pub down: Option<String>,
    /// `false` writes `-- migrate:up transaction:false`.
    pub transaction: bool,
    /// Write no down section.
    pub irreversible: bool,
}

/// What to create.
#[derive(Debug, Clone, Default)]
pub struct NewRevision {
    pub message: String,
    pub rev_id: Option<String>,
    pub links: Links,
    pub template: Option<String>,
    pub empty: bool,
    pub up: Option<String>,
    pub down: Option<String>,
    /// Run the up section outside a transaction (`transaction:false`).
    pub no_transaction: bool,
    /// No down section at all (with `down` unset).
    pub irreversible: bool,
}

/// How a new revision joins the graph: its header's `revises:`, `branch-labels:` and
/// `depends-on:`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Links {
    /// The revisions it revises (a template's `revises`): none for a new base.
    #[serde(rename = "revises")]
    pub parents: Vec<String>,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
}

pub use crate::random::random_id;

/// The file-name slug of a message: lowercase ASCII words joined by `_`, at most 40
/// characters. Path separators, dots and anything else become `_`, so a slug can never
/// leave the migrations directory.
pub fn slug(message: &str) -> String {
    let mut out = String::new();
    for c in message.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('_');
    if out.is_empty() {
        "revision".to_string()
    } else {
        out.to_string()
    }
}

/// Now, as the header's `created:` writes it.
pub fn now() -> String {
    format!("{}+00:00", crate::clock::Utc::now().seconds())
}

/// A header value on one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl RevisionGraph {
    /// The parents of a new revision: the single head, or `--head REV` (which must be a head
    /// unless `splice`); `--head base` starts a new base.
    pub fn parents_for_new(
        &self,
        head: Option<&Target>,
        splice: bool,
    ) -> Result<Vec<RevIdx>, NewError> {
        let Some(head) = head else {
            return match self.heads() {
                [] => Ok(Vec::new()),
                [one] => Ok(vec![*one]),
                many => Err(NewError::MultipleHeads {
                    heads: many.iter().map(|&i| self.id(i).to_string()).collect(),
                }),
            };
        };
        match self.resolve_one(head)? {
            None => Ok(Vec::new()),
            Some(i) => {
                if !splice && !self.node(i).is_head() {
                    return Err(NewError::NotAHead {
                        revision: self.id(i).to_string(),
                    });
                }
                Ok(vec![i])
            }
        }
    }

    /// The revisions a merge revision revises: the given ones, or all heads.
    pub fn merge_parents(&self, revisions: &[Target]) -> Result<Vec<RevIdx>, NewError> {
        let parents: Vec<RevIdx> = if revisions.is_empty() {
            self.heads().iter().rev().copied().collect()
        } else {
            let mut v = Vec::new();
            for t in revisions {
                for i in self.resolve_all(t)? {
                    if v.contains(&i) {
                        return Err(NewError::Repeated {
                            revision: self.id(i).to_string(),
                        });
                    }
                    v.push(i);
                }
            }
            v
        };
        if parents.len() < 2 {
            return Err(NewError::NothingToMerge {
                reason: match parents.len() {
                    0 => "there are no revisions".to_string(),
                    _ if revisions.is_empty() => {
                        format!("`{}` is the only head", self.id(parents[0]))
                    }
                    _ => "a merge revision needs two or more revisions".to_string(),
                },
            });
        }
        for &p in &parents {
            let ancestors = self.ancestors([p], Edges::Parents);
            if let Some(&a) = parents.iter().find(|&&q| q != p && ancestors.contains(q)) {
                return Err(NewError::MergeOfAncestor {
                    ancestor: self.id(a).to_string(),
                    descendant: self.id(p).to_string(),
                });
            }
        }
        Ok(parents)
    }

    fn resolve_all(&self, t: &Target) -> Result<Vec<RevIdx>, ResolveError> {
        Ok(match self.resolve(t, &self.empty_set())? {
            crate::Resolved::Revisions(v) => v,
            _ => Vec::new(),
        })
    }
}

/// A revision file just written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub id: String,
    pub path: PathBuf,
}

/// Renders and writes a new revision file into `dir`.
pub fn write_revision(
    graph: &RevisionGraph,
    dir: &Path,
    templates: &Templates,
    new: &NewRevision,
) -> Result<Written, NewError> {
    let id = match &new.rev_id {
        Some(id) => {
            validate_name("revision id", id).map_err(NewError::InvalidId)?;
            id.clone()
        }
        None => loop {
            let id = random_id();
            if graph.index_of(&id).is_none() {
                break id;
            }
        },
    };
    if graph.index_of(&id).is_some() || graph.label_owner(&id).is_some() {
        return Err(NewError::IdTaken(id));
    }
    for label in &new.links.branch_labels {
        validate_name("branch label", label).map_err(NewError::InvalidLabel)?;
        if let Some(owner) = graph.label_owner(label) {
            return Err(NewError::LabelTaken {
                label: label.clone(),
                revision: graph.id(owner).to_string(),
            });
        }
        if graph.index_of(label).is_some() || *label == id {
            return Err(NewError::LabelIsRevision(label.clone()));
        }
    }
    let (path, text) = render_revision(dir, templates, &id, new)?;
    let io = |source| NewError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|source| NewError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    Ok(Written { id, path })
}

/// Renders revision `id`'s file from its template and parses it back: the path it should be
/// written to (in `dir`) and its text. Nothing is written.
pub fn render_revision(
    dir: &Path,
    templates: &Templates,
    id: &str,
    new: &NewRevision,
) -> Result<(PathBuf, String), NewError> {
    let name = new.template.as_deref().unwrap_or(DEFAULT_TEMPLATE);
    let (source, origin) = templates.load(name)?;
    let context = RevisionContext {
        revision: id.to_string(),
        links: new.links.clone(),
        created: now(),
        message: one_line(&new.message),
        empty: new.empty,
        merge: new.links.parents.len() > 1,
        up: new.up.clone(),
        down: new.down.clone(),
        transaction: !new.no_transaction,
        irreversible: new.irreversible && new.down.is_none(),
    };
    let text = render(&origin, &source, &context)?;
    let path = dir.join(format!("{id}_{}.sql", slug(&new.message)));
    let (parsed, _) =
        revision::parse(&path, &text).map_err(|error| NewError::InvalidRendering {
            name: origin.clone(),
            error,
        })?;
    if parsed.up.transaction == new.no_transaction {
        return Err(NewError::Render {
            name: origin,
            message: "the rendered up marker does not say `transaction:false` as asked".to_string(),
        });
    }
    if context.irreversible && parsed.down.is_some() {
        return Err(NewError::Render {
            name: origin,
            message: "the rendered file has a down section, but the revision is irreversible"
                .to_string(),
        });
    }
    if parsed.id != id || parsed.parents != new.links.parents {
        return Err(NewError::Render {
            name: origin,
            message: "the rendered header does not carry `revision` and `revises` as given"
                .to_string(),
        });
    }
    Ok((path, text))
}

/// How many steps (minijinja's fuel) rendering one revision file may take: the built-in
/// template takes a few hundred, and a second's worth is far more than any template needs.
pub const TEMPLATE_FUEL: u64 = 2_000_000;

/// How much text rendering one revision file may write, besides the SQL it is given.
pub const TEMPLATE_MAX_OUTPUT: usize = 16 << 20;

/// Renders template `source` (named `name` in errors) with `context`, bounded in steps and
/// output so that a template that never finishes is stopped with an error naming it.
fn render(name: &str, source: &str, context: &RevisionContext) -> Result<String, NewError> {
    let mut env = minijinja::Environment::new();
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(false);
    env.set_fuel(Some(TEMPLATE_FUEL));
    let describe = |e: &minijinja::Error| {
        let what = match e.detail() {
            Some(detail) => format!("{}: {detail}", e.kind()),
            None => e.kind().to_string(),
        };
        match e.line() {
            Some(line) => format!("line {line}: {what}"),
            None => what,
        }
    };
    let template = env
        .template_from_named_str(name, source)
        .map_err(|e| NewError::Render {
            name: name.to_string(),
            message: describe(&e),
        })?;
    // Autogenerated SQL may be long: it is allowed on top.
    let given =
        context.up.as_ref().map_or(0, String::len) + context.down.as_ref().map_or(0, String::len);
    let mut out = Bounded {
        bytes: Vec::new(),
        limit: TEMPLATE_MAX_OUTPUT + given,
        full: false,
    };
    match template.render_captured_to(context, &mut out) {
        Ok(_) => {}
        Err(_) if out.full => {
            return Err(NewError::Runaway {
                name: name.to_string(),
                limit: format!("it rendered more than {} MiB", TEMPLATE_MAX_OUTPUT >> 20),
            });
        }
        Err(e) if e.kind() == minijinja::ErrorKind::OutOfFuel => {
            return Err(NewError::Runaway {
                name: name.to_string(),
                limit: format!(
                    "rendering was stopped after {TEMPLATE_FUEL} steps{}",
                    e.line()
                        .map(|l| format!(" (at line {l})"))
                        .unwrap_or_default()
                ),
            });
        }
        Err(e) => {
            return Err(NewError::Render {
                name: name.to_string(),
                message: describe(&e),
            });
        }
    }
    String::from_utf8(out.bytes).map_err(|_| NewError::Render {
        name: name.to_string(),
        message: "the output is not UTF-8".to_string(),
    })
}

/// A buffer that refuses to grow past `limit` bytes.
struct Bounded {
    bytes: Vec<u8>,
    limit: usize,
    full: bool,
}

impl Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.limit {
            self.full = true;
            return Err(std::io::Error::other("the rendered file is too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::graph;

    #[test]
    fn slugs_never_leave_the_directory() {
        assert_eq!(slug("Add users table"), "add_users_table");
        assert_eq!(slug("../../etc/passwd"), "etc_passwd");
        assert_eq!(slug("/abs\\path\0x"), "abs_path_x");
        assert_eq!(slug("..."), "revision");
        assert_eq!(slug("Ünïcödé"), "n_c_d");
        assert!(slug(&"x".repeat(100)).len() <= 40);
    }

    #[test]
    fn random_ids_are_twelve_hex_characters() {
        let id = random_id();
        assert_eq!(id.len(), 12);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(random_id(), random_id());
    }

    #[test]
    fn a_new_revision_goes_on_the_single_head() {
        let g = graph(&["a1:", "b2:a1"]);
        assert_eq!(
            g.parents_for_new(None, false).expect("ok"),
            [RevIdx::new(1)]
        );
        let g = graph(&["a1:", "b2:a1", "c3:a1"]);
        assert!(matches!(
            g.parents_for_new(None, false),
            Err(NewError::MultipleHeads { .. })
        ));
        let t = |s: &str| s.parse::<Target>().expect("target");
        assert!(matches!(
            g.parents_for_new(Some(&t("a1")), false),
            Err(NewError::NotAHead { .. })
        ));
        assert_eq!(
            g.parents_for_new(Some(&t("a1")), true).expect("ok"),
            [RevIdx::new(0)]
        );
        assert!(
            g.parents_for_new(Some(&t("base")), false)
                .expect("ok")
                .is_empty()
        );
    }

    #[test]
    fn merges_need_two_unrelated_revisions() {
        let g = graph(&["a1:", "b2:a1", "c3:a1"]);
        assert_eq!(g.merge_parents(&[]).expect("ok").len(), 2);
        let t = |s: &str| s.parse::<Target>().expect("target");
        assert!(matches!(
            g.merge_parents(&[t("a1"), t("b2")]),
            Err(NewError::MergeOfAncestor { .. })
        ));
        let g = graph(&["a1:"]);
        assert!(matches!(
            g.merge_parents(&[]),
            Err(NewError::NothingToMerge { .. })
        ));
    }

    #[test]
    fn the_built_in_template_renders_a_valid_revision() {
        let dir = tempfile::tempdir().expect("tempdir");
        let g = graph(&["a1:", "b2:a1", "c3:a1"]);
        let new = NewRevision {
            message: "merge\nheads".into(),
            rev_id: Some("ff01".into()),
            links: Links {
                parents: vec!["b2".into(), "c3".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        let path = write_revision(&g, dir.path(), &Templates::default(), &new)
            .expect("written")
            .path;
        assert_eq!(
            path.file_name().and_then(|n| n.to_str()),
            Some("ff01_merge_heads.sql")
        );
        let text = std::fs::read_to_string(&path).expect("read");
        let (r, _) = revision::parse(&path, &text).expect("parses");
        assert_eq!(r.parents, ["b2", "c3"]);
        assert_eq!(r.message.as_deref(), Some("merge heads"));
        assert!(r.up.is_blank());
        assert!(matches!(
            write_revision(&g, dir.path(), &Templates::default(), &new),
            Err(NewError::Io { .. })
        ));
    }

    #[test]
    fn a_project_template_overrides_and_a_broken_one_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let tdir = dir.path().join("templates");
        std::fs::create_dir_all(&tdir).expect("mkdir");
        std::fs::write(
            tdir.join("revision.sql.j2"),
            "-- revision: {{ revision }}\n-- revises: {{ revises|join(', ') }}\n-- migrate:up\n-- custom\n",
        )
        .expect("write");
        std::fs::write(tdir.join("broken.sql.j2"), "no header at all").expect("write");
        let templates = Templates { dir: Some(tdir) };
        let g = graph(&[]);
        let mut new = NewRevision {
            message: "x".into(),
            ..Default::default()
        };
        let path = write_revision(&g, dir.path(), &templates, &new)
            .expect("written")
            .path;
        assert!(
            std::fs::read_to_string(path)
                .expect("read")
                .contains("-- custom")
        );
        new.template = Some("broken".into());
        assert!(matches!(
            write_revision(&g, dir.path(), &templates, &new),
            Err(NewError::InvalidRendering { .. })
        ));
        new.template = Some("../x".into());
        assert!(matches!(
            write_revision(&g, dir.path(), &templates, &new),
            Err(NewError::UnknownTemplate { .. })
        ));
        assert_eq!(templates.available(), ["broken", "revision"]);
    }
}
