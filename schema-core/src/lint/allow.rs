//! `-- lint: allow RULE[, RULE] reason`: silencing a finding, with the reason written down.
//!
//! On the comment lines right above a statement (no blank line between) it silences those
//! rules for that statement; in the header (before the first section marker) for the whole
//! revision. The reason is required: an allow comment without one silences nothing and is a
//! finding of its own ([`ALLOW_WITHOUT_REASON`]), as is one naming no known rule
//! ([`ALLOW_UNKNOWN_RULE`]).

use super::{ALLOW_UNKNOWN_RULE, ALLOW_WITHOUT_REASON, Observed, rule, rule_names};
use crate::Revision;

/// One allow comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Allow {
    /// Its 1-based line.
    pub line: usize,
    pub rules: Vec<String>,
    pub reason: String,
}

/// `Some` when the line is an allow comment (`-- lint: allow …`, spacing free).
pub(super) fn parse(line: &str) -> Option<(Vec<String>, String)> {
    let rest = line.trim().strip_prefix("--")?.trim_start();
    let rest = rest.strip_prefix("lint:")?.trim_start();
    let mut rest = rest.strip_prefix("allow")?;
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let mut rules = Vec::new();
    loop {
        rest = rest.trim_start();
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        rules.push(rest[..end].to_string());
        rest = rest[end..].trim_start();
        match rest.strip_prefix(',') {
            Some(after) => rest = after,
            None => break,
        }
    }
    Some((rules, rest.trim().to_string()))
}

/// The allow comments of one revision file.
#[derive(Debug, Default)]
pub(super) struct Allows {
    /// Every allow comment, header and sections.
    all: Vec<Allow>,
    /// The line where the first section marker stands: comments above it are the header's.
    header_end: usize,
    /// The file's lines, to find the comments right above a statement.
    lines: Vec<String>,
}

impl Allows {
    pub fn read(text: &str, rev: &Revision) -> Allows {
        let header_end = rev
            .down
            .as_ref()
            .map_or(rev.up.line, |d| d.line.min(rev.up.line));
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let all = lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                parse(l).map(|(rules, reason)| Allow {
                    line: i + 1,
                    rules,
                    reason,
                })
            })
            .collect();
        Allows {
            all,
            header_end,
            lines,
        }
    }

    /// Whether `rule`'s finding on the statement at `line` is silenced.
    pub fn silences(&self, rule: &str, line: usize) -> bool {
        let names = |a: &Allow| !a.reason.is_empty() && a.rules.iter().any(|r| r == rule);
        if self
            .all
            .iter()
            .any(|a| a.line < self.header_end && names(a))
        {
            return true;
        }
        // The comment lines right above the statement.
        let mut above = line.saturating_sub(1);
        while above >= 1 {
            let text = self.lines.get(above - 1).map_or("", |l| l.trim());
            if !text.starts_with("--") {
                break;
            }
            if self.all.iter().any(|a| a.line == above && names(a)) {
                return true;
            }
            above -= 1;
        }
        false
    }

    /// The allow comments' own problems: no reason, no rule, an unknown rule.
    pub fn problems(&self) -> Vec<Observed> {
        let mut out = Vec::new();
        for a in &self.all {
            if a.rules.is_empty() || a.reason.is_empty() {
                out.push(Observed {
                    rule: ALLOW_WITHOUT_REASON,
                    line: a.line,
                    message: if a.rules.is_empty() {
                        "`-- lint: allow` names no rule".to_string()
                    } else {
                        format!(
                            "`-- lint: allow {}` gives no reason, so it silences nothing",
                            a.rules.join(", ")
                        )
                    },
                    help: vec![
                        "write the rule(s), then why it is safe here: `-- lint: allow table-rewrite the table holds 20 rows`".to_string(),
                    ],
                });
            }
            for r in a.rules.iter().filter(|r| rule(r).is_none()) {
                let help = match crate::suggest::closest(r, rule_names()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "the README's `lint` section lists the rules".to_string(),
                };
                out.push(Observed {
                    rule: ALLOW_UNKNOWN_RULE,
                    line: a.line,
                    message: format!("`-- lint: allow` names an unknown rule `{r}`"),
                    help: vec![help],
                });
            }
        }
        out
    }
}
