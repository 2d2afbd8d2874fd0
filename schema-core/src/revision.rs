//! One revision file: its header and its `-- migrate:up` / `-- migrate:down` sections.
//!
//! The format is fixed by SPEC.md: the leading `-- key: value` lines form the header, then the
//! sections start at their markers. Parsing is strict about what would silently change meaning
//! (an unknown header key, a second up section, SQL before the up marker) and reports each
//! problem with the file and the line.

use std::fmt;
use std::path::{Path, PathBuf};

/// The header keys a revision file may carry.
pub const HEADER_KEYS: &[&str] = &[
    "revision",
    "revises",
    "created",
    "message",
    "branch-labels",
    "depends-on",
];

/// Words that a target gives a meaning of its own, so no revision id or label may be one.
const RESERVED: &[&str] = &["head", "heads", "base", "current"];

/// A parsed revision file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub id: String,
    /// The revisions this one revises: none for a base, two or more for a merge revision.
    pub parents: Vec<String>,
    /// Revisions (or branch labels) that must be applied first without being parents.
    pub depends_on: Vec<String>,
    /// The labels declared in this file (the graph adds the inherited ones).
    pub branch_labels: Vec<String>,
    pub message: Option<String>,
    pub created: Option<String>,
    pub path: PathBuf,
    pub up: Section,
    /// `None` when the file has no `-- migrate:down` marker: the revision is irreversible.
    pub down: Option<Section>,
    /// Where each header key stands, for messages about it.
    pub lines: HeaderLines,
}

/// The line numbers (1-based) of the header keys that later checks may point at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderLines {
    pub revision: usize,
    pub revises: usize,
    pub depends_on: usize,
    pub branch_labels: usize,
}

/// The SQL of one section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The text between this section's marker and the next marker (or the end of the file).
    pub sql: String,
    /// The line of the marker; the section's first line is `line + 1`.
    pub line: usize,
    /// `false` for `-- migrate:up transaction:false`.
    pub transaction: bool,
}

impl Section {
    /// Whether the section holds anything but blank lines and `--` comments.
    pub fn is_blank(&self) -> bool {
        self.sql.lines().all(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with("--")
        })
    }
}

impl Revision {
    /// The file name's id part, when the name follows `<revision>_<slug>.sql`.
    pub fn id_in_file_name(path: &Path) -> Option<&str> {
        let stem = path.file_stem()?.to_str()?;
        Some(stem.split_once('_').map_or(stem, |(id, _)| id))
    }

    /// Whether the file's name starts with its id, as `new` names files.
    fn file_name_matches(&self) -> bool {
        let Some(stem) = self.path.file_stem().and_then(|s| s.to_str()) else {
            return true;
        };
        stem == self.id
            || stem
                .strip_prefix(self.id.as_str())
                .is_some_and(|rest| rest.starts_with('_'))
    }

    pub fn is_merge(&self) -> bool {
        self.parents.len() > 1
    }
}

/// A problem that does not stop the file from being used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// The file name's id part disagrees with the `revision:` header, which wins.
    FileNameMismatch {
        path: PathBuf,
        in_name: String,
        in_header: String,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::FileNameMismatch {
                path,
                in_name,
                in_header,
            } => write!(
                f,
                "{}:1: the file name says revision `{in_name}` but the header says `{in_header}`; the header wins",
                path.display()
            ),
        }
    }
}

/// A revision file that cannot be used, with the file and line at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {kind}", path.display())]
pub struct ParseError {
    pub path: PathBuf,
    pub line: usize,
    pub kind: ParseErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    #[error("the file is not valid UTF-8")]
    NotUtf8,
    #[error("a NUL byte (column {column})")]
    NulByte { column: usize },
    #[error("no `-- revision:` line in the header")]
    MissingRevision,
    #[error("unknown header key `{key}`")]
    UnknownKey {
        key: String,
        suggestion: Option<&'static str>,
    },
    #[error("`{key}` appears twice in the header (first on line {first_line})")]
    DuplicateKey { key: String, first_line: usize },
    #[error("`-- {key}:` has no value")]
    EmptyValue { key: String },
    #[error("invalid {what} `{value}`: {reason}")]
    InvalidName {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("`{value}` is listed twice in `{key}`")]
    DuplicateListed { key: String, value: String },
    #[error("a revision cannot revise itself")]
    RevisesItself,
    #[error("no `-- migrate:up` marker")]
    MissingUp,
    #[error("a second `-- migrate:up` section (the first is on line {first_line})")]
    DuplicateUp { first_line: usize },
    #[error("a second `-- migrate:down` section (the first is on line {first_line})")]
    DuplicateDown { first_line: usize },
    #[error("`-- migrate:down` comes before `-- migrate:up`")]
    DownBeforeUp,
    #[error("unknown marker `-- migrate:{marker}`")]
    UnknownMarker { marker: String },
    #[error("unknown option `{option}` on `-- migrate:{section}`")]
    UnknownMarkerOption {
        section: &'static str,
        option: String,
    },
    #[error("SQL before the `-- migrate:up` marker")]
    SqlBeforeUp,
    /// A header key among the comments that open the up section: it would be a comment there,
    /// and the header would lack it.
    #[error("header key `{key}` below the `-- migrate:up` marker")]
    KeyAfterUp { key: &'static str },
}

impl ParseErrorKind {
    /// What the user can do about it, when there is something specific to say.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            ParseErrorKind::NotUtf8 => "save the file as UTF-8".into(),
            ParseErrorKind::NulByte { .. } => {
                "remove it: no database takes one in SQL text (a file saved as UTF-16, or binary content pasted in, has them)".into()
            }
            ParseErrorKind::MissingRevision => {
                "every revision file starts with a header such as `-- revision: 3a4feffbb7a1`"
                    .into()
            }
            ParseErrorKind::UnknownKey { suggestion, .. } => match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the header keys are: {}", HEADER_KEYS.join(", ")),
            },
            ParseErrorKind::MissingUp => {
                "the SQL that applies the revision goes below a `-- migrate:up` line".into()
            }
            ParseErrorKind::SqlBeforeUp => {
                "move it below `-- migrate:up`, or make it a `--` comment".into()
            }
            ParseErrorKind::KeyAfterUp { key } => {
                format!("move it into the header, above `-- migrate:up`, or reword the comment so it does not start with `{key}:`")
            }
            ParseErrorKind::UnknownMarker { .. } => {
                "the markers are `-- migrate:up` and `-- migrate:down`".into()
            }
            ParseErrorKind::UnknownMarkerOption { section: "down", option }
                if option == "transaction:false" =>
            {
                "write it on the `-- migrate:up` line: the down section runs the way the up section does, so `-- migrate:up transaction:false` runs both outside a transaction".into()
            }
            ParseErrorKind::UnknownMarkerOption { section: "down", .. } => {
                "`-- migrate:down` takes no options; `transaction:false` on the `-- migrate:up` line runs both sections outside a transaction".into()
            }
            ParseErrorKind::UnknownMarkerOption { .. } => {
                "the only option is `transaction:false`".into()
            }
            ParseErrorKind::InvalidName { .. } => {
                "ids and labels use letters, digits and `_`, and are not `head`, `heads`, `base` or `current`".into()
            }
            _ => return None,
        })
    }
}

/// Checks a revision id or branch label: letters, digits and `_`, not a reserved word.
/// (`-`, `+`, `@`, `:` and `,` have meanings in targets and headers.)
pub fn validate_name(what: &'static str, value: &str) -> Result<(), ParseErrorKind> {
    let invalid = |reason| ParseErrorKind::InvalidName {
        what,
        value: value.to_string(),
        reason,
    };
    if value.is_empty() {
        return Err(invalid("it is empty"));
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(invalid("only ASCII letters, digits and `_` are allowed"));
    }
    if RESERVED.contains(&value.to_ascii_lowercase().as_str()) {
        return Err(invalid("it is a reserved word"));
    }
    Ok(())
}

/// Parses a revision file's bytes. Also returns warnings about it.
pub fn parse_bytes(path: &Path, bytes: &[u8]) -> Result<(Revision, Vec<Warning>), ParseError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(path, text),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            Err(ParseError {
                path: path.to_path_buf(),
                line,
                kind: ParseErrorKind::NotUtf8,
            })
        }
    }
}

#[derive(Default)]
struct Header {
    revision: Option<(usize, String)>,
    revises: Option<(usize, String)>,
    created: Option<(usize, String)>,
    message: Option<(usize, String)>,
    branch_labels: Option<(usize, String)>,
    depends_on: Option<(usize, String)>,
}

/// Whether no header field has been read yet.
fn header_is_empty(header: &Header) -> bool {
    header.revision.is_none()
        && header.revises.is_none()
        && header.created.is_none()
        && header.message.is_none()
        && header.branch_labels.is_none()
        && header.depends_on.is_none()
}

/// What a `--` line of the header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderLine<'a> {
    /// A header key, however it was spelled (`-- Depends-On:`, `-- revises :`), and its value.
    Field { key: &'static str, value: &'a str },
    /// A key that is close to a known one (`-- depend-on:`, `-- Revision ID:`): never a
    /// comment, since that would drop the key in silence.
    Misspelt {
        key: &'a str,
        suggestion: &'static str,
    },
    /// `-- lowercase-word: value`, the shape of a key, but no key known or close to one.
    UnknownKey { key: &'a str },
    /// Anything else: a free comment such as `-- Note: …` or `-- TODO: …`.
    Comment,
}

/// Reads a `--` line of the header. Keys are taken whatever their case and with blanks before
/// the colon; a line close to a known key is [`HeaderLine::Misspelt`].
pub fn header_line(line: &str) -> HeaderLine<'_> {
    let Some(rest) = line.trim().strip_prefix("--").map(str::trim_start) else {
        return HeaderLine::Comment;
    };
    let Some((raw_key, value)) = rest.split_once(':') else {
        return HeaderLine::Comment;
    };
    let key = raw_key.trim_end();
    let folded = key.to_ascii_lowercase();
    // `-- lint: allow RULE reason`: lint's comment, not a key.
    if folded == "lint" {
        return HeaderLine::Comment;
    }
    if let Some(known) = HEADER_KEYS.iter().copied().find(|k| *k == folded) {
        return HeaderLine::Field {
            key: known,
            value: value.trim(),
        };
    }
    if let Some(suggestion) = closest_key(&folded) {
        return HeaderLine::Misspelt { key, suggestion };
    }
    // The strict shape of a key: lowercase, no blank before the colon, a blank or nothing
    // after it (`-- migrate:up` is a marker, and `-- see http://…` a comment).
    let key_like = key.len() == raw_key.len()
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    let value_like = value.is_empty() || value.starts_with([' ', '\t']);
    if key_like && value_like {
        HeaderLine::UnknownKey { key }
    } else {
        HeaderLine::Comment
    }
}

/// A section marker: `-- migrate:<section> [options]`. Like header keys, `migrate` and the
/// section are taken in any case and with blanks around the colon: a `-- Migrate:Down` taken
/// as a comment would make the down section part of the up section.
fn marker(line: &str) -> Option<(String, Vec<&str>)> {
    let rest = line.trim_end().strip_prefix("--")?.trim_start();
    let (word, rest) = rest.split_once(':')?;
    if !word.trim_end().eq_ignore_ascii_case("migrate") {
        return None;
    }
    let mut words = rest.split_whitespace();
    let section = words.next().unwrap_or("").to_ascii_lowercase();
    Some((section, words.collect()))
}

/// The known key `key` (lowercase) is most likely a misspelling of.
fn closest_key(key: &str) -> Option<&'static str> {
    let aliases: &[(&str, &str)] = &[
        ("down-revision", "revises"),
        ("down_revision", "revises"),
        ("parent", "revises"),
        ("parents", "revises"),
        ("branch-label", "branch-labels"),
        ("branch_labels", "branch-labels"),
        ("depends_on", "depends-on"),
        ("depends", "depends-on"),
        ("id", "revision"),
        ("rev", "revision"),
        ("create-date", "created"),
        ("create date", "created"),
        ("date", "created"),
        ("revision id", "revision"),
        ("revision-id", "revision"),
        ("revision_id", "revision"),
    ];
    if let Some((_, k)) = aliases.iter().find(|(a, _)| *a == key) {
        return Some(k);
    }
    HEADER_KEYS
        .iter()
        .copied()
        .filter(|k| edit_distance(k, key) <= 2)
        .min_by_key(|k| edit_distance(k, key))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Parses a revision file's text.
pub fn parse(path: &Path, text: &str) -> Result<(Revision, Vec<Warning>), ParseError> {
    let err = |line: usize, kind| ParseError {
        path: path.to_path_buf(),
        line,
        kind,
    };
    // SQLite stops reading a statement at a NUL (and a client may then never get past it),
    // other databases refuse one: no revision holds one.
    if let Some(at) = text.find('\0') {
        let before = &text[..at];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        return Err(err(
            before.matches('\n').count() + 1,
            ParseErrorKind::NulByte {
                column: before[line_start..].chars().count() + 1,
            },
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split('\n').collect();

    // The header: the `--` lines before the first marker or SQL. Its first block (up to a
    // blank line) is strict: a line shaped like a key must be one. After a blank line a key
    // is still taken, so that none is dropped in silence, and other lines are comments.
    let mut header = Header::default();
    let mut in_block = true;
    let mut body_start = lines.len();
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim_end_matches('\r').trim();
        if line.is_empty() {
            in_block &= header_is_empty(&header); // blank lines before the header
            continue;
        }
        if !line.starts_with("--") || marker(line).is_some() {
            body_start = i;
            break;
        }
        let n = i + 1;
        let (key, value) = match header_line(line) {
            HeaderLine::Field { key, value } => (key, value),
            HeaderLine::Misspelt { key, suggestion } => {
                return Err(err(
                    n,
                    ParseErrorKind::UnknownKey {
                        key: key.to_string(),
                        suggestion: Some(suggestion),
                    },
                ));
            }
            HeaderLine::UnknownKey { key } if in_block => {
                return Err(err(
                    n,
                    ParseErrorKind::UnknownKey {
                        key: key.to_string(),
                        suggestion: None,
                    },
                ));
            }
            HeaderLine::UnknownKey { .. } | HeaderLine::Comment => continue,
        };
        let slot = match key {
            "revision" => &mut header.revision,
            "revises" => &mut header.revises,
            "created" => &mut header.created,
            "message" => &mut header.message,
            "branch-labels" => &mut header.branch_labels,
            _ => &mut header.depends_on, // `depends-on`, the last of HEADER_KEYS
        };
        if let Some((first_line, _)) = slot {
            return Err(err(
                n,
                ParseErrorKind::DuplicateKey {
                    key: key.to_string(),
                    first_line: *first_line,
                },
            ));
        }
        *slot = Some((n, value.to_string()));
    }

    let Some((revision_line, id)) = header.revision else {
        return Err(err(1, ParseErrorKind::MissingRevision));
    };
    if id.is_empty() {
        return Err(err(
            revision_line,
            ParseErrorKind::EmptyValue {
                key: "revision".into(),
            },
        ));
    }
    validate_name("revision id", &id).map_err(|k| err(revision_line, k))?;

    let list = |field: &Option<(usize, String)>,
                key: &str,
                what: &'static str|
     -> Result<(usize, Vec<String>), ParseError> {
        let Some((line, value)) = field else {
            return Ok((0, Vec::new()));
        };
        let mut out: Vec<String> = Vec::new();
        for item in split_list(value) {
            validate_name(what, item).map_err(|k| err(*line, k))?;
            if out.iter().any(|o| o == item) {
                return Err(err(
                    *line,
                    ParseErrorKind::DuplicateListed {
                        key: key.to_string(),
                        value: item.to_string(),
                    },
                ));
            }
            out.push(item.to_string());
        }
        Ok((*line, out))
    };
    let (revises_line, parents) = list(&header.revises, "revises", "revision id")?;
    let (depends_line, depends_on) = list(&header.depends_on, "depends-on", "revision id")?;
    let (labels_line, branch_labels) =
        list(&header.branch_labels, "branch-labels", "branch label")?;
    if parents.contains(&id) {
        return Err(err(revises_line, ParseErrorKind::RevisesItself));
    }

    // The body: sections start at their markers.
    let mut up: Option<(usize, bool)> = None;
    let mut down: Option<usize> = None;
    let mut up_range = (0, 0);
    let mut down_range = (0, 0);
    // Whether the up section's SQL has begun: a header key in the comments before it is
    // refused, since the header would lack it in silence.
    let mut up_sql = false;
    for (i, raw) in lines.iter().enumerate().skip(body_start) {
        let line = raw.trim_end_matches('\r').trim();
        let n = i + 1;
        if up.is_some() && down.is_none() && !up_sql && marker(line).is_none() {
            if let HeaderLine::Field { key, .. } = header_line(line) {
                return Err(err(n, ParseErrorKind::KeyAfterUp { key }));
            }
            up_sql = !line.is_empty() && !line.starts_with("--");
        }
        if let Some((section, options)) = marker(line) {
            match section.as_str() {
                "up" => {
                    if let Some((first_line, _)) = up {
                        return Err(err(n, ParseErrorKind::DuplicateUp { first_line }));
                    }
                    if down.is_some() {
                        let first = down.unwrap_or(n);
                        return Err(err(first, ParseErrorKind::DownBeforeUp));
                    }
                    let mut transaction = true;
                    for option in options {
                        match option {
                            "transaction:false" => transaction = false,
                            "transaction:true" => transaction = true,
                            other => {
                                return Err(err(
                                    n,
                                    ParseErrorKind::UnknownMarkerOption {
                                        section: "up",
                                        option: other.to_string(),
                                    },
                                ));
                            }
                        }
                    }
                    up = Some((n, transaction));
                    up_range = (i + 1, lines.len());
                }
                "down" => {
                    if let Some(first_line) = down {
                        return Err(err(n, ParseErrorKind::DuplicateDown { first_line }));
                    }
                    if up.is_none() {
                        return Err(err(n, ParseErrorKind::DownBeforeUp));
                    }
                    if let Some(option) = options.first() {
                        return Err(err(
                            n,
                            ParseErrorKind::UnknownMarkerOption {
                                section: "down",
                                option: option.to_string(),
                            },
                        ));
                    }
                    up_range.1 = i;
                    down = Some(n);
                    down_range = (i + 1, lines.len());
                }
                other => {
                    return Err(err(
                        n,
                        ParseErrorKind::UnknownMarker {
                            marker: other.to_string(),
                        },
                    ));
                }
            }
        } else if up.is_none() && !line.is_empty() && !line.starts_with("--") {
            return Err(err(n, ParseErrorKind::SqlBeforeUp));
        }
    }
    let Some((up_line, transaction)) = up else {
        return Err(err(text.lines().count().max(1), ParseErrorKind::MissingUp));
    };
    let section = |(from, to): (usize, usize), line: usize, transaction: bool| Section {
        sql: lines[from..to]
            .iter()
            .map(|l| l.trim_end_matches('\r'))
            .collect::<Vec<_>>()
            .join("\n"),
        line,
        transaction,
    };

    let revision = Revision {
        id,
        parents,
        depends_on,
        branch_labels,
        message: header.message.map(|(_, m)| m).filter(|m| !m.is_empty()),
        created: header.created.map(|(_, c)| c).filter(|c| !c.is_empty()),
        path: path.to_path_buf(),
        up: section(up_range, up_line, transaction),
        down: down.map(|line| section(down_range, line, true)),
        lines: HeaderLines {
            revision: revision_line,
            revises: revises_line,
            depends_on: depends_line,
            branch_labels: labels_line,
        },
    };
    let mut warnings = Vec::new();
    if !revision.file_name_matches() {
        warnings.push(Warning::FileNameMismatch {
            path: path.to_path_buf(),
            in_name: Revision::id_in_file_name(path).unwrap_or("").to_string(),
            in_header: revision.id.clone(),
        });
    }
    Ok((revision, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Revision {
        parse(Path::new("m/ab12_x.sql"), text).expect("parses").0
    }

    fn parse_err(text: &str) -> ParseError {
        parse(Path::new("m/ab12_x.sql"), text).expect_err("fails")
    }

    /// `text` is refused with `kind` on `line`.
    fn assert_refused(text: &str, line: usize, kind: ParseErrorKind) -> ParseError {
        let e = parse_err(text);
        assert_eq!((e.line, &e.kind), (line, &kind), "{text}");
        e
    }

    const FULL: &str = "-- revision: ab12\n-- revises: 0c90, 77aa\n-- created: 2026-01-30 14:47:22+00:00\n-- message: add chat tables\n-- branch-labels: chat\n-- depends-on: ff00\n\n-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n";

    #[test]
    fn a_full_header_and_both_sections_parse() {
        let r = parse_ok(FULL);
        assert_eq!(r.id, "ab12");
        assert_eq!(r.parents, ["0c90", "77aa"]);
        assert_eq!(r.depends_on, ["ff00"]);
        assert_eq!(r.branch_labels, ["chat"]);
        assert_eq!(r.message.as_deref(), Some("add chat tables"));
        assert_eq!(r.up.line, 8);
        assert_eq!(r.up.sql.trim(), "CREATE TABLE a (id int);");
        assert!(r.up.transaction);
        let down = r.down.clone().expect("down section");
        assert_eq!(down.line, 11);
        assert_eq!(down.sql.trim(), "DROP TABLE a;");
        assert!(r.is_merge());
    }

    #[test]
    fn an_empty_revises_makes_a_base() {
        let r = parse_ok("-- revision: ab12\n-- revises:\n-- migrate:up\nSELECT 1;\n");
        assert!(r.parents.is_empty());
        assert!(r.down.is_none());
    }

    #[test]
    fn crlf_line_endings_and_a_bom_parse_like_lf() {
        let r = parse_ok(&format!("\u{feff}{}", FULL.replace('\n', "\r\n")));
        assert_eq!(r.id, "ab12");
        assert_eq!(r.up.sql.trim(), "CREATE TABLE a (id int);");
    }

    #[test]
    fn transaction_false_is_read_from_the_up_marker() {
        let r = parse_ok(
            "-- revision: ab12\n-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
        );
        assert!(!r.up.transaction);
    }

    #[test]
    fn blank_lines_before_the_header_are_skipped() {
        let r = parse_ok("\n\n-- revision: ab12\n-- migrate:up\n");
        assert_eq!((r.id.as_str(), r.lines.revision), ("ab12", 3));
    }

    #[test]
    fn comments_in_the_header_are_ignored() {
        let r = parse_ok(
            "-- revision: ab12\n-- TODO: review with the DBA\n-- plain comment\n-- migrate:up\n",
        );
        assert_eq!(r.id, "ab12");
    }

    #[test]
    fn a_missing_revision_line_is_reported_on_line_one() {
        let e = assert_refused(
            "-- revises: ab\n-- migrate:up\n",
            1,
            ParseErrorKind::MissingRevision,
        );
        assert!(
            e.to_string()
                .starts_with("m/ab12_x.sql:1: no `-- revision:`")
        );
    }

    #[test]
    fn an_unknown_header_key_names_the_line_and_suggests_the_right_one() {
        assert_refused(
            "-- revision: ab12\n-- revison: x\n-- migrate:up\n",
            2,
            ParseErrorKind::UnknownKey {
                key: "revison".into(),
                suggestion: Some("revision"),
            },
        );
        let e = parse_err("-- revision: ab12\n-- down_revision: x\n-- migrate:up\n");
        assert_eq!(e.kind.help().as_deref(), Some("did you mean `revises`?"));
    }

    #[test]
    fn a_duplicate_key_points_at_both_lines() {
        assert_refused(
            "-- revision: ab12\n-- revision: cd34\n-- migrate:up\n",
            2,
            ParseErrorKind::DuplicateKey {
                key: "revision".into(),
                first_line: 1,
            },
        );
    }

    #[test]
    fn missing_up_marker_is_an_error() {
        assert_refused(
            "-- revision: ab12\n\nCREATE TABLE a (id int);\n",
            3,
            ParseErrorKind::SqlBeforeUp,
        );
        let e = parse_err("-- revision: ab12\n-- migrate:down\n");
        assert_eq!(e.kind, ParseErrorKind::DownBeforeUp);
        let e = parse_err("-- revision: ab12\n");
        assert_eq!(e.kind, ParseErrorKind::MissingUp);
    }

    #[test]
    fn two_up_sections_are_an_error_naming_the_first() {
        assert_refused(
            "-- revision: ab12\n-- migrate:up\nSELECT 1;\n-- migrate:up\n",
            4,
            ParseErrorKind::DuplicateUp { first_line: 2 },
        );
    }

    #[test]
    fn two_down_sections_are_an_error() {
        let e = parse_err("-- revision: ab12\n-- migrate:up\n-- migrate:down\n-- migrate:down\n");
        assert_eq!(e.kind, ParseErrorKind::DuplicateDown { first_line: 3 });
    }

    #[test]
    fn unknown_markers_and_options_are_errors() {
        let e = parse_err("-- revision: ab12\n-- migrate:sideways\n");
        assert!(matches!(e.kind, ParseErrorKind::UnknownMarker { .. }));
        let e = parse_err("-- revision: ab12\n-- migrate:up transaction:no\n");
        assert!(matches!(e.kind, ParseErrorKind::UnknownMarkerOption { .. }));
    }

    #[test]
    fn invalid_ids_and_labels_are_rejected() {
        for bad in ["head", "a-b", "a+1", "x@y", "ünï"] {
            let e = parse_err(&format!("-- revision: {bad}\n-- migrate:up\n"));
            assert!(
                matches!(e.kind, ParseErrorKind::InvalidName { .. }),
                "{bad}"
            );
        }
        let e = parse_err("-- revision: ab12\n-- branch-labels: base\n-- migrate:up\n");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn a_revision_revising_itself_is_rejected() {
        let e = parse_err("-- revision: ab12\n-- revises: ab12\n-- migrate:up\n");
        assert_eq!(e.kind, ParseErrorKind::RevisesItself);
    }

    #[test]
    fn bad_utf8_names_the_line() {
        let e = parse_bytes(
            Path::new("x.sql"),
            b"-- revision: ab12\n-- migrate:up\nSELECT '\xff';\n",
        )
        .expect_err("fails");
        assert_eq!(e.line, 3);
        assert_eq!(e.kind, ParseErrorKind::NotUtf8);
    }

    #[test]
    fn a_file_name_that_disagrees_with_the_header_warns() {
        let (_, w) = parse(
            Path::new("m/cd34_x.sql"),
            "-- revision: ab12\n-- migrate:up\n",
        )
        .expect("parses");
        assert_eq!(w.len(), 1);
        let (_, w) = parse(
            Path::new("m/ab12.sql"),
            "-- revision: ab12\n-- migrate:up\n",
        )
        .expect("parses");
        assert!(w.is_empty());
        let (_, w) = parse(
            Path::new("m/ab123_x.sql"),
            "-- revision: ab12\n-- migrate:up\n",
        )
        .expect("parses");
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn a_nul_byte_anywhere_names_its_line_and_column() {
        let e = parse_err("-- revision: ab12\n-- migrate:up\nSELECT 1;\0\n");
        assert_eq!(
            (e.line, e.kind),
            (3, ParseErrorKind::NulByte { column: 10 })
        );
        let e = parse_err("\0-- revision: ab12\n-- migrate:up\n");
        assert_eq!((e.line, e.kind), (1, ParseErrorKind::NulByte { column: 1 }));
        let e = parse_bytes(Path::new("x.sql"), b"-- revision: ab12\n-- m\xc3\xa9\0\n")
            .expect_err("fails");
        assert_eq!((e.line, e.kind), (2, ParseErrorKind::NulByte { column: 6 }));
    }

    #[test]
    fn header_keys_are_taken_in_any_case_and_with_blanks_around_the_colon() {
        let r = parse_ok(
            "-- Revision: ab12\n-- REVISES : cd34\n--Depends-On:ef56\n-- Branch-Labels\t: x\n-- migrate:up\n",
        );
        assert_eq!(r.id, "ab12");
        assert_eq!(r.parents, ["cd34"]);
        assert_eq!(r.depends_on, ["ef56"]);
        assert_eq!(r.branch_labels, ["x"]);
        assert_eq!((r.lines.revises, r.lines.depends_on), (2, 3));
        let e = parse_err("-- revision: ab12\n-- revises: a\n-- Revises: b\n-- migrate:up\n");
        assert_eq!(
            e.kind,
            ParseErrorKind::DuplicateKey {
                key: "revises".into(),
                first_line: 2
            }
        );
    }

    #[test]
    fn a_key_after_a_blank_line_is_taken_and_other_lines_there_are_comments() {
        let r = parse_ok(
            "-- revision: ab12\n\n-- note: a comment here\n-- revises: cd34\n\n-- migrate:up\n",
        );
        assert_eq!(
            (r.parents.as_slice(), r.lines.revises),
            (&["cd34".to_string()][..], 4)
        );
        let e = parse_err("-- revision: ab12\n\n-- revize: cd34\n-- migrate:up\n");
        assert_eq!(e.line, 3);
    }

    #[test]
    fn a_line_close_to_a_key_is_refused_whatever_its_case() {
        for (line, suggestion) in [
            ("-- depend-on: x", "depends-on"),
            ("-- Depends On: x", "depends-on"),
            ("-- REVISE: x", "revises"),
            ("-- Revision ID: x", "revision"),
            ("-- Create Date: 2026-01-01", "created"),
            ("-- branch_labels : x", "branch-labels"),
        ] {
            let e = parse_err(&format!("-- revision: ab12\n{line}\n-- migrate:up\n"));
            assert_eq!(e.line, 2, "{line}");
            assert_eq!(
                e.kind.help(),
                Some(format!("did you mean `{suggestion}`?")),
                "{line}"
            );
        }
    }

    #[test]
    fn markers_are_taken_in_any_case_and_with_blanks_around_the_colon() {
        let r = parse_ok(
            "-- revision: ab12\n-- Migrate:UP transaction:false\nCREATE TABLE t (id int);\n--MIGRATE : Down\nDROP TABLE t;\n",
        );
        assert_eq!(r.up.sql, "CREATE TABLE t (id int);");
        assert!(!r.up.transaction);
        assert_eq!(
            r.down.map(|d| (d.line, d.sql)),
            Some((4, "DROP TABLE t;\n".into()))
        );
        let e = parse_err("-- revision: ab12\n-- migrate:up\nSELECT 1;\n-- Migrate: sideways\n");
        assert_eq!(
            (e.line, e.kind),
            (
                4,
                ParseErrorKind::UnknownMarker {
                    marker: "sideways".into()
                }
            )
        );
        // Not markers: another word before the colon, or none.
        let r = parse_ok("-- revision: ab12\n-- migrate:up\n-- migrated: yes\n-- migrate down\n");
        assert!(r.down.is_none());
    }

    #[test]
    fn a_header_key_below_the_up_marker_is_refused_until_the_sql_begins() {
        let e = parse_err("-- revision: ab12\n-- migrate:up\n\n-- Revises: cd34\nSELECT 1;\n");
        assert_eq!(
            (e.line, e.kind),
            (4, ParseErrorKind::KeyAfterUp { key: "revises" })
        );
        // After the first statement, and in the down section, it is an SQL comment.
        parse_ok(
            "-- revision: ab12\n-- migrate:up\nSELECT 1;\n-- revises: cd34\n-- migrate:down\n-- depends-on: x\n",
        );
    }

    #[test]
    fn free_comments_stay_comments() {
        for line in [
            "-- Note: runs for a minute",
            "-- TODO: review with the DBA",
            "-- see http://example.invalid/a:b",
            "-- Ticket: ABC-123",
            "-- plain comment",
            "--",
        ] {
            assert_eq!(header_line(line), HeaderLine::Comment, "{line}");
            parse_ok(&format!("-- revision: ab12\n{line}\n-- migrate:up\n"));
        }
    }

    #[test]
    fn blank_sections_are_recognised() {
        let r = parse_ok("-- revision: ab12\n-- migrate:up\n-- merge\n\n-- migrate:down\n");
        assert!(r.up.is_blank());
        assert!(r.down.expect("down").is_blank());
    }
}
