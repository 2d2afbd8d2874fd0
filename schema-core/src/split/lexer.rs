//! The splitter's lexer: each dialect's quoting and comment rules, one token at a time.
//! Also the tokenizer for checks that look at keywords and names without parsing
//! ([`tokens`]).

use super::{Dialect, Unterminated};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Whitespace (a byte-order mark counts as whitespace).
    Space,
    /// A comment the database ignores.
    Comment,
    /// An unquoted identifier, keyword or number.
    Word,
    /// Anything else that is one piece: a string, a quoted identifier, a dollar-quoted body, a
    /// parameter, a MySQL executable comment, an unterminated block comment.
    Opaque,
    /// One ASCII punctuation character (`;` included).
    Punct(u8),
    /// A MySQL `DELIMITER` other than `;`.
    Delimiter,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) start: usize,
    pub(super) end: usize,
}

impl Token {
    pub(super) fn is_punct(self, c: u8) -> bool {
        self.kind == Kind::Punct(c)
    }
}

pub(super) struct Lexer<'a> {
    pub(super) src: &'a [u8],
    pub(super) dialect: Dialect,
}

pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Bytes of unquoted identifiers. Every byte of a non-ASCII character is ≥ 0x80, so words never
/// end inside a character.
pub(super) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

pub(super) const BOM: &[u8] = "\u{feff}".as_bytes();

/// Where `needle` first occurs in `hay`.
pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Lexer<'_> {
    pub(super) fn at(&self, i: usize) -> Option<u8> {
        self.src.get(i).copied()
    }

    pub(super) fn starts_with_at(&self, i: usize, s: &[u8]) -> bool {
        self.src.get(i..).is_some_and(|rest| rest.starts_with(s))
    }

    /// The token starting at `pos`, or `None` at the end of the input.
    pub(super) fn next(&self, pos: usize, delimiter: Option<&[u8]>) -> Option<Token> {
        let b = self.at(pos)?;
        let len = self.src.len();
        let (kind, end) = self.lex(pos, b, delimiter);
        // Always make progress and stay in bounds, whatever the branches above computed.
        let end = end.clamp(pos.saturating_add(1), len);
        Some(Token {
            kind,
            start: pos,
            end,
        })
    }

    pub(super) fn lex(&self, pos: usize, b: u8, delimiter: Option<&[u8]>) -> (Kind, usize) {
        let d = self.dialect;
        if let Some(delim) = delimiter
            && !delim.is_empty()
            && self.starts_with_at(pos, delim)
        {
            return (Kind::Delimiter, pos.saturating_add(delim.len()));
        }
        if is_space(b) || self.starts_with_at(pos, BOM) {
            let mut i = pos;
            loop {
                if self.at(i).is_some_and(is_space) {
                    i += 1;
                } else if self.starts_with_at(i, BOM) {
                    i += BOM.len();
                } else {
                    break;
                }
            }
            return (Kind::Space, i);
        }
        match b {
            b'-' if self.at(pos + 1) == Some(b'-') => {
                // MySQL wants whitespace or a control character after `--`; `1--1` is arithmetic.
                let is_comment =
                    d != Dialect::MySql || self.at(pos + 2).is_none_or(|c| c <= b' ' || c == 0x7f);
                if is_comment {
                    (Kind::Comment, self.line_end(pos))
                } else {
                    (Kind::Punct(b'-'), pos + 1)
                }
            }
            b'#' if d == Dialect::MySql => (Kind::Comment, self.line_end(pos)),
            b'/' if self.at(pos + 1) == Some(b'*') => self.block_comment(pos),
            b'\'' => {
                let (end, _) = self.quoted(pos + 1, b'\'', d == Dialect::MySql);
                (Kind::Opaque, end)
            }
            b'"' => {
                // MySQL (without ANSI_QUOTES) reads "…" as a string, backslash escapes included.
                let (end, _) = self.quoted(pos + 1, b'"', d == Dialect::MySql);
                (Kind::Opaque, end)
            }
            b'`' if d != Dialect::Postgres => {
                let (end, _) = self.quoted(pos + 1, b'`', false);
                (Kind::Opaque, end)
            }
            b'[' if d == Dialect::Sqlite => {
                let end = match self.src.get(pos + 1..).and_then(|rest| find(rest, b"]")) {
                    Some(i) => pos + 1 + i + 1,
                    None => self.src.len(),
                };
                (Kind::Opaque, end)
            }
            b'$' if d == Dialect::Postgres => self.dollar(pos),
            _ if is_word_byte(b) => self.word(pos, delimiter),
            _ => (Kind::Punct(b), pos + 1),
        }
    }

    /// The end of the line holding `pos`: the position of its `\n`, or the end of the input.
    pub(super) fn line_end(&self, pos: usize) -> usize {
        match self.src.get(pos..).and_then(|rest| find(rest, b"\n")) {
            Some(i) => pos + i,
            None => self.src.len(),
        }
    }

    /// Scans a quoted string or identifier whose opening quote was just before `start`; a doubled
    /// quote stands for itself, and with `backslash` a backslash escapes the next byte.
    /// Returns the end (after the closing quote) and whether the closing quote was found.
    pub(super) fn quoted(&self, start: usize, quote: u8, backslash: bool) -> (usize, bool) {
        let mut i = start;
        while let Some(c) = self.at(i) {
            if backslash && c == b'\\' {
                i += 2;
            } else if c == quote {
                if self.at(i + 1) == Some(quote) {
                    i += 2;
                } else {
                    return (i + 1, true);
                }
            } else {
                i += 1;
            }
        }
        (self.src.len(), false)
    }

    pub(super) fn block_comment(&self, pos: usize) -> (Kind, usize) {
        let d = self.dialect;
        let executable = self.executable_comment(pos);
        if let Some(end) = self.block_comment_end(pos) {
            let kind = if executable {
                // `/*!40101 SET NAMES utf8 */` is run by MySQL: it is a statement.
                Kind::Opaque
            } else {
                Kind::Comment
            };
            return (kind, end);
        }
        // Unterminated. SQLite accepts that; elsewhere the database should see it and complain.
        let kind = if d == Dialect::Sqlite && !executable {
            Kind::Comment
        } else {
            Kind::Opaque
        };
        (kind, self.src.len())
    }

    /// MySQL's `/*! … */` and `/*M! … */`, which the server runs.
    pub(super) fn executable_comment(&self, pos: usize) -> bool {
        self.dialect == Dialect::MySql
            && (self.at(pos + 2) == Some(b'!') || self.starts_with_at(pos + 2, b"M!"))
    }

    /// The end (after `*/`) of the block comment starting at `pos`, or `None` when it is not
    /// closed.
    pub(super) fn block_comment_end(&self, pos: usize) -> Option<usize> {
        let nests = self.dialect == Dialect::Postgres && !self.executable_comment(pos);
        let mut depth = 1usize;
        let mut i = pos + 2;
        while i < self.src.len() {
            if self.starts_with_at(i, b"*/") {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            } else if nests && self.starts_with_at(i, b"/*") {
                depth += 1;
                i += 2;
            } else {
                i += 1;
            }
        }
        None
    }

    /// What `tok`, a token running to the end of the input, leaves open, if anything.
    pub(super) fn unterminated(&self, tok: Token) -> Option<Unterminated> {
        if tok.end < self.src.len() || !matches!(tok.kind, Kind::Opaque | Kind::Comment) {
            return None;
        }
        let d = self.dialect;
        let open = |quote: u8, backslash: bool, from: usize| !self.quoted(from, quote, backslash).1;
        let found = match self.at(tok.start)? {
            b'\'' => open(b'\'', d == Dialect::MySql, tok.start + 1).then_some("string `'`"),
            b'"' => open(b'"', d == Dialect::MySql, tok.start + 1).then_some("quote `\"`"),
            b'`' if d != Dialect::Postgres => {
                open(b'`', false, tok.start + 1).then_some("quoted identifier `` ` ``")
            }
            b'[' if d == Dialect::Sqlite => {
                let rest = self.src.get(tok.start + 1..).unwrap_or_default();
                find(rest, b"]")
                    .is_none()
                    .then_some("quoted identifier `[`")
            }
            b'e' | b'E' if d == Dialect::Postgres && self.at(tok.start + 1) == Some(b'\'') => {
                open(b'\'', true, tok.start + 2).then_some("string `E'`")
            }
            b'/' if self.at(tok.start + 1) == Some(b'*') => {
                return self
                    .block_comment_end(tok.start)
                    .is_none()
                    .then_some(Unterminated::BlockComment);
            }
            b'$' if d == Dialect::Postgres => {
                let text = self.src.get(tok.start..tok.end).unwrap_or_default();
                let tag_len = text.iter().skip(1).position(|&c| c == b'$')? + 2;
                let tag = text.get(..tag_len)?;
                let closed = text.len() >= 2 * tag_len && text.ends_with(tag);
                return (!closed)
                    .then(|| Unterminated::DollarQuote(String::from_utf8_lossy(tag).into_owned()));
            }
            _ => None,
        };
        found.map(Unterminated::Quote)
    }

    /// PostgreSQL: `$1` (a parameter), `$$…$$` / `$tag$…$tag$` (a dollar-quoted body), or `$`.
    pub(super) fn dollar(&self, pos: usize) -> (Kind, usize) {
        let is_tag_start = |c: u8| c.is_ascii_alphabetic() || c == b'_' || c >= 0x80;
        let is_tag_byte = |c: u8| is_tag_start(c) || c.is_ascii_digit();
        match self.at(pos + 1) {
            Some(c) if c.is_ascii_digit() => {
                let mut i = pos + 1;
                while self.at(i).is_some_and(|c| c.is_ascii_digit()) {
                    i += 1;
                }
                (Kind::Opaque, i)
            }
            Some(c) if c == b'$' || is_tag_start(c) => {
                let mut i = pos + 1;
                while self.at(i).is_some_and(is_tag_byte) {
                    i += 1;
                }
                if self.at(i) != Some(b'$') {
                    return (Kind::Punct(b'$'), pos + 1);
                }
                let body = i + 1;
                let tag = self.src.get(pos..body).unwrap_or_default();
                let end = match self.src.get(body..).and_then(|rest| find(rest, tag)) {
                    Some(j) => body + j + tag.len(),
                    None => self.src.len(),
                };
                (Kind::Opaque, end)
            }
            _ => (Kind::Punct(b'$'), pos + 1),
        }
    }

    pub(super) fn word(&self, pos: usize, delimiter: Option<&[u8]>) -> (Kind, usize) {
        let mut i = pos;
        while let Some(c) = self.at(i) {
            if !is_word_byte(c)
                || (self.dialect == Dialect::Postgres && c == b'$' && i == pos)
                || self.starts_with_at(i, BOM)
            {
                break;
            }
            // The mysql client ends a statement at its delimiter even inside a word (`END$$`).
            if i > pos
                && let Some(delim) = delimiter
                && !delim.is_empty()
                && self.starts_with_at(i, delim)
            {
                break;
            }
            i += 1;
        }
        if i == pos {
            // Only reachable for a leading `$` in PostgreSQL, which `dollar` handles; be safe.
            return (Kind::Punct(b'$'), pos + 1);
        }
        // PostgreSQL escape strings: E'…' (or e'…'), where a backslash escapes the next byte.
        if self.dialect == Dialect::Postgres
            && i == pos + 1
            && matches!(self.at(pos), Some(b'e' | b'E'))
            && self.at(i) == Some(b'\'')
        {
            let (end, _) = self.quoted(i + 1, b'\'', true);
            return (Kind::Opaque, end);
        }
        (Kind::Word, i)
    }
}

/// One significant token of a statement (comments and whitespace left out), for checks that
/// look at keywords and names without parsing: see [`tokens`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok<'a> {
    /// An unquoted identifier, keyword or number, as written.
    Word(&'a str),
    /// A string, a quoted identifier, a dollar-quoted body or a MySQL executable comment, with
    /// its quotes.
    Quoted(&'a str),
    /// One ASCII punctuation character.
    Punct(char),
}

/// The significant tokens of `sql` by `dialect`'s quoting and comment rules, the lexer the
/// splitter uses. Nothing here panics, whatever the input.
#[must_use]
pub fn tokens(sql: &str, dialect: Dialect) -> Vec<Tok<'_>> {
    let lexer = Lexer {
        src: sql.as_bytes(),
        dialect,
    };
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(t) = lexer.next(pos, None) {
        pos = t.end;
        // Token bounds are at character boundaries (multi-byte characters are word bytes or
        // inside quotes); `get` keeps that a non-issue if it ever were not so.
        let text = sql.get(t.start..t.end).unwrap_or_default();
        match t.kind {
            Kind::Space | Kind::Comment => {}
            Kind::Word => out.push(Tok::Word(text)),
            Kind::Opaque | Kind::Delimiter => out.push(Tok::Quoted(text)),
            Kind::Punct(c) => out.push(Tok::Punct(char::from(c))),
        }
    }
    out
}

/// [`tokens`] with where each one is in `sql` (its byte range), for readers that cut the text
/// between tokens: autogenerate reads SQLite's `CREATE` statements with it.
#[must_use]
pub fn token_spans(sql: &str, dialect: Dialect) -> Vec<(Tok<'_>, std::ops::Range<usize>)> {
    let lexer = Lexer {
        src: sql.as_bytes(),
        dialect,
    };
    std::iter::successors(lexer.next(0, None), |t| lexer.next(t.end, None))
        .filter_map(|t| {
            let text = sql.get(t.start..t.end).unwrap_or_default();
            let tok = match t.kind {
                Kind::Space | Kind::Comment => return None,
                Kind::Word => Tok::Word(text),
                Kind::Opaque | Kind::Delimiter => Tok::Quoted(text),
                Kind::Punct(c) => Tok::Punct(char::from(c)),
            };
            Some((tok, t.start..t.end))
        })
        .collect()
}
