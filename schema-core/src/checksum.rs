//! The checksum of what a revision applies, recorded in the version table so that an applied
//! revision edited afterwards is noticed.
//!
//! It covers the up section's meaning and nothing else: line endings (a Windows checkout),
//! trailing whitespace, blank lines at either end, the header (comments, message, created) and
//! the down section do not count. sqlx hashes raw bytes, so a CRLF checkout or an editor's final
//! newline blocks a deploy there; here it does not.

use sha2::{Digest, Sha256};

use crate::revision::Revision;

/// The hex SHA-256 of the revision's normalized up section (and its transaction mode).
pub fn checksum(revision: &Revision) -> String {
    let mut hasher = Sha256::new();
    if !revision.up.transaction {
        hasher.update(b"transaction:false\n");
    }
    for line in normalized_lines(&revision.up.sql) {
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
    }
    hex(&hasher.finalize())
}

/// `bytes` as lowercase hex, two characters a byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    hex
}

fn normalized_lines(sql: &str) -> impl Iterator<Item = &str> {
    let lines: Vec<&str> = sql.lines().map(str::trim_end).collect();
    let start = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(start, |e| e + 1);
    lines.into_iter().skip(start).take(end - start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revision::parse;
    use std::path::Path;

    fn sum(text: &str) -> String {
        checksum(&parse(Path::new("a.sql"), text).expect("parses").0)
    }

    const BASE: &str = "-- revision: a1\n-- message: one\n-- migrate:up\nCREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n-- migrate:down\nDROP TABLE t;\n";

    #[test]
    fn line_endings_trailing_whitespace_and_blank_lines_do_not_count() {
        let crlf = BASE.replace('\n', "\r\n");
        let spaced = BASE
            .replace("(id int);", "(id int);   \t")
            .replace("-- migrate:up\n", "-- migrate:up\n\n\n");
        assert_eq!(sum(BASE), sum(&crlf));
        assert_eq!(sum(BASE), sum(&spaced));
    }

    #[test]
    fn the_header_and_the_down_section_do_not_count() {
        let other = BASE
            .replace("-- message: one", "-- message: two\n-- a comment")
            .replace("DROP TABLE t;", "DROP TABLE IF EXISTS t;");
        assert_eq!(sum(BASE), sum(&other));
    }

    #[test]
    fn any_change_to_the_up_sql_counts() {
        assert_ne!(sum(BASE), sum(&BASE.replace("VALUES (1)", "VALUES (2)")));
        assert_ne!(
            sum(BASE),
            sum(&BASE.replace("-- migrate:up", "-- migrate:up transaction:false"))
        );
        assert_eq!(sum(BASE).len(), 64);
    }
}
