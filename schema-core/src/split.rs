//! Splitting a revision's SQL section into single statements.
//!
//! Migrations run a section one statement at a time: a `transaction:false` section holding several
//! `CREATE INDEX CONCURRENTLY` cannot be sent as one multi-statement query (PostgreSQL wraps that in
//! an implicit transaction), and a failure should name the statement and the file line it starts on.
//!
//! The splitter is a small lexer, not a parser. It knows each dialect's quoting and comment rules
//! well enough never to split inside a string, quoted identifier, comment or dollar-quoted body, and
//! it tracks `BEGIN … END` only where a dialect lets a statement hold semicolons outside quotes:
//!
//! * **PostgreSQL** behaves like `psql`: a `;` inside parentheses does not end a statement (for
//!   `CREATE RULE … DO ALSO (…; …)`), and in `CREATE [OR REPLACE] FUNCTION|PROCEDURE` statements a
//!   SQL-standard body (`BEGIN ATOMIC … END`, PostgreSQL 14+) is tracked. A top-level `BEGIN;` is a
//!   plain statement, and dollar-quoted or single-quoted bodies are simply quotes.
//! * **SQLite**: `CREATE [TEMP] TRIGGER … BEGIN …; …; END` is one statement (like `sqlite3_complete`).
//! * **MySQL / MariaDB**: `CREATE [DEFINER=…] TRIGGER|PROCEDURE|FUNCTION|EVENT` (and `ALTER EVENT`,
//!   MariaDB's `BEGIN NOT ATOMIC`) bodies are tracked through nested `BEGIN … END`, `IF … END IF`,
//!   `CASE … END [CASE]`, `LOOP`, `WHILE`, `REPEAT` (and MariaDB `FOR`) blocks. The mysql client's
//!   `DELIMITER xx` lines are understood too.
//!
//! Nothing here panics, whatever the input.

/// Which SQL dialect's quoting, comment and block rules to split by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    MySql,
    Sqlite,
}

/// One statement of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement's text as written, from its first token to its last: without the terminating
    /// `;` (or `DELIMITER`), and without the blank lines and comments that came before it.
    /// Comments inside the statement are kept as they are.
    pub sql: String,
    /// The line of the statement's first non-blank, non-comment character, counted from
    /// `first_line` (the line of `split`'s input's first character). Since `sql` starts with that
    /// character, a position inside `sql` maps to `line` plus the newlines before it.
    pub line: usize,
}

/// Splits `sql` into statements at top-level semicolons. `first_line` is the input's first line
/// number in its file (so lines are reported as file lines).
///
/// Statements that hold only whitespace and comments are dropped, so a section of only comments
/// gives no statements. An unterminated string, quoted identifier, dollar-quoted body or block
/// comment runs to the end of the input, which becomes the last statement (the database then
/// reports the error); SQLite, which allows a block comment to end at the end of its input, is the
/// exception for comments.
///
/// In MySQL, a line `DELIMITER xx` at the start of a statement (only blanks and comments since the
/// previous statement ended) switches the terminator to `xx` (`DELIMITER ;` switches back); the
/// line itself is not a statement, and the rest of it after `xx` is ignored, as in the mysql client.
#[must_use]
pub fn split(sql: &str, dialect: Dialect, first_line: usize) -> Vec<Statement> {
    splitter(sql, dialect, first_line).out
}

/// Like [`split`], but refuses input the database cannot run as written: an unterminated string,
/// quoted identifier, dollar-quoted body or block comment (SQLite's end-of-input comment
/// included: in a revision it swallows the statements the author meant to run), a trigger or
/// routine whose `BEGIN` block is never closed, or a last statement that a MySQL `DELIMITER`
/// never ends. The error is the first such place.
pub fn split_checked(
    sql: &str,
    dialect: Dialect,
    first_line: usize,
) -> Result<Vec<Statement>, SplitError> {
    let splitter = splitter(sql, dialect, first_line);
    match splitter.error {
        Some(e) => Err(e),
        None => Ok(splitter.out),
    }
}

fn splitter(sql: &str, dialect: Dialect, first_line: usize) -> Splitter<'_> {
    let mut splitter = Splitter {
        lexer: Lexer {
            src: sql.as_bytes(),
            dialect,
        },
        delimiter: None,
        first_line,
        out: Vec::new(),
        error: None,
    };
    splitter.run();
    splitter
}

/// Why a section cannot be split as written ([`split_checked`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct SplitError {
    /// The line where the unterminated thing starts, counted like [`Statement::line`].
    pub line: usize,
    pub kind: Unterminated,
}

/// What is left open at the end of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unterminated {
    #[error("unterminated quote: the {0} opened here is never closed")]
    Quote(&'static str),
    #[error("unterminated block comment: the `/*` opened here is never closed by `*/`")]
    BlockComment,
    #[error("unterminated dollar quote: the `{0}` opened here is never closed by another `{0}`")]
    DollarQuote(String),
    #[error("unterminated block: the `BEGIN` of the statement starting here has no matching `END`")]
    Block,
    #[error(
        "unterminated DELIMITER block: the statement starting here is not ended by the delimiter `{0}`"
    )]
    Delimiter(String),
}

// ---------------------------------------------------------------------------------------------
// Lexing
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
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
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

impl Token {
    fn is_punct(self, c: u8) -> bool {
        self.kind == Kind::Punct(c)
    }
}

struct Lexer<'a> {
    src: &'a [u8],
    dialect: Dialect,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Bytes of unquoted identifiers. Every byte of a non-ASCII character is ≥ 0x80, so words never
/// end inside a character.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

const BOM: &[u8] = "\u{feff}".as_bytes();

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Lexer<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        self.src.get(i).copied()
    }

    fn starts_with_at(&self, i: usize, s: &[u8]) -> bool {
        self.src.get(i..).is_some_and(|rest| rest.starts_with(s))
    }

    /// The token starting at `pos`, or `None` at the end of the input.
    fn next(&self, pos: usize, delimiter: Option<&[u8]>) -> Option<Token> {
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

    fn lex(&self, pos: usize, b: u8, delimiter: Option<&[u8]>) -> (Kind, usize) {
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
    fn line_end(&self, pos: usize) -> usize {
        match self.src.get(pos..).and_then(|rest| find(rest, b"\n")) {
            Some(i) => pos + i,
            None => self.src.len(),
        }
    }

    /// Scans a quoted string or identifier whose opening quote was just before `start`; a doubled
    /// quote stands for itself, and with `backslash` a backslash escapes the next byte.
    /// Returns the end (after the closing quote) and whether the closing quote was found.
    fn quoted(&self, start: usize, quote: u8, backslash: bool) -> (usize, bool) {
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

    fn block_comment(&self, pos: usize) -> (Kind, usize) {
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
    fn executable_comment(&self, pos: usize) -> bool {
        self.dialect == Dialect::MySql
            && (self.at(pos + 2) == Some(b'!') || self.starts_with_at(pos + 2, b"M!"))
    }

    /// The end (after `*/`) of the block comment starting at `pos`, or `None` when it is not
    /// closed.
    fn block_comment_end(&self, pos: usize) -> Option<usize> {
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
    fn unterminated(&self, tok: Token) -> Option<Unterminated> {
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
    fn dollar(&self, pos: usize) -> (Kind, usize) {
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

    fn word(&self, pos: usize, delimiter: Option<&[u8]>) -> (Kind, usize) {
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

// ---------------------------------------------------------------------------------------------
// Keywords and blocks
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kw {
    Aggregate,
    Alter,
    Atomic,
    Begin,
    Case,
    Create,
    Definer,
    Do,
    Else,
    End,
    Event,
    Exists,
    For,
    Function,
    If,
    Loop,
    Not,
    Or,
    Procedure,
    Repeat,
    Replace,
    Temp,
    Temporary,
    Then,
    Trigger,
    While,
}

const KEYWORDS: &[(&str, Kw)] = &[
    ("AGGREGATE", Kw::Aggregate),
    ("ALTER", Kw::Alter),
    ("ATOMIC", Kw::Atomic),
    ("BEGIN", Kw::Begin),
    ("CASE", Kw::Case),
    ("CREATE", Kw::Create),
    ("DEFINER", Kw::Definer),
    ("DO", Kw::Do),
    ("ELSE", Kw::Else),
    ("END", Kw::End),
    ("EVENT", Kw::Event),
    ("EXISTS", Kw::Exists),
    ("FOR", Kw::For),
    ("FUNCTION", Kw::Function),
    ("IF", Kw::If),
    ("LOOP", Kw::Loop),
    ("NOT", Kw::Not),
    ("OR", Kw::Or),
    ("PROCEDURE", Kw::Procedure),
    ("REPEAT", Kw::Repeat),
    ("REPLACE", Kw::Replace),
    ("TEMP", Kw::Temp),
    ("TEMPORARY", Kw::Temporary),
    ("THEN", Kw::Then),
    ("TRIGGER", Kw::Trigger),
    ("WHILE", Kw::While),
];

/// The keyword a whole word is (case-insensitively); `begin_at` is no keyword.
fn keyword(word: &[u8]) -> Option<Kw> {
    KEYWORDS
        .iter()
        .find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(word))
        .map(|&(_, kw)| kw)
}

/// An open block inside a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Begin,
    Case,
    If,
    Loop,
    While,
    Repeat,
    For,
}

/// How far the start of a statement has been recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    /// No significant token yet.
    #[default]
    Start,
    /// `CREATE` (or MySQL `ALTER`) and modifiers so far.
    AfterCreate { alter: bool },
    /// MySQL `… DEFINER`, expecting `=`.
    DefinerEq { alter: bool },
    /// MySQL `… DEFINER =`, inside the user (which runs to the next blank or comment).
    DefinerValue { alter: bool, started: bool },
    /// A statement whose semicolons are all terminators (outside quotes and, in PostgreSQL,
    /// parentheses).
    Plain,
    /// A trigger or routine: blocks are tracked.
    Routine,
}

/// The previous significant token of the statement.
#[derive(Debug, Clone, Copy)]
struct Prev {
    kind: Kind,
    /// The keyword it was taken as, if any.
    kw: Option<Kw>,
}

/// The statement being read.
#[derive(Debug, Default)]
struct Pending {
    /// Byte position and newlines-before of its first significant token.
    first: Option<(usize, usize)>,
    /// End of its last significant token.
    end: usize,
    mode: Mode,
    blocks: Vec<Block>,
    parens: usize,
    prev: Option<Prev>,
    /// The next word is the `IF` of an `END IF` (or `CASE`, `LOOP`, …) just closed.
    swallow: bool,
}

impl Pending {
    fn prev_is_punct(&self, c: u8) -> bool {
        self.prev.is_some_and(|p| p.kind == Kind::Punct(c))
    }

    fn prev_kw(&self) -> Option<Kw> {
        self.prev.and_then(|p| p.kw)
    }

    /// MySQL: whether the previous token ends a statement or starts a statement list, so that the
    /// next word starts a statement (`IF` is then the `IF` statement, not the `IF()` function).
    fn at_statement_start(&self) -> bool {
        match self.prev {
            None => true,
            Some(p) => {
                p.kind == Kind::Punct(b';')
                    || p.kind == Kind::Punct(b':')
                    || matches!(
                        p.kw,
                        Some(Kw::Begin | Kw::Then | Kw::Else | Kw::Do | Kw::Loop | Kw::Repeat)
                    )
            }
        }
    }

    /// Whether the previous token can come right before a block's `END`: a statement list inside
    /// a block ends with `;`, and `BEGIN END` is an empty block.
    fn prev_ends_statement_list(&self) -> bool {
        self.prev_is_punct(b';') || self.prev_kw() == Some(Kw::Begin)
    }

    /// Closes blocks down to and including the innermost `kind`, without closing a `BEGIN` on the
    /// way (unless `kind` is `Begin`). Returns whether one was found.
    fn close(&mut self, kind: Block) -> bool {
        for i in (0..self.blocks.len()).rev() {
            match self.blocks.get(i) {
                Some(&b) if b == kind => {
                    self.blocks.truncate(i);
                    return true;
                }
                Some(Block::Begin) => return false,
                _ => {}
            }
        }
        false
    }

    /// Closes blocks down to and including the innermost `BEGIN`, if there is one.
    fn close_begin(&mut self) {
        if let Some(i) = self.blocks.iter().rposition(|&b| b == Block::Begin) {
            self.blocks.truncate(i);
        }
    }

    fn trivia(&mut self) {
        if let Mode::DefinerValue {
            alter,
            started: true,
        } = self.mode
        {
            self.mode = Mode::AfterCreate { alter };
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Splitting
// ---------------------------------------------------------------------------------------------

struct Splitter<'a> {
    lexer: Lexer<'a>,
    /// The MySQL `DELIMITER`, when it is not `;`.
    delimiter: Option<Vec<u8>>,
    first_line: usize,
    out: Vec<Statement>,
    /// The first thing found left open (see [`split_checked`]).
    error: Option<SplitError>,
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

impl Splitter<'_> {
    fn dialect(&self) -> Dialect {
        self.lexer.dialect
    }

    fn text(&self, tok: Token) -> &[u8] {
        self.lexer.src.get(tok.start..tok.end).unwrap_or_default()
    }

    fn run(&mut self) {
        let mut pos = 0;
        let mut newlines = 0usize;
        let mut at_line_start = true;
        let mut st = Pending::default();
        while let Some(tok) = self.lexer.next(pos, self.delimiter.as_deref()) {
            match tok.kind {
                Kind::Space => {
                    if self.text(tok).contains(&b'\n') {
                        at_line_start = true;
                    }
                    st.trivia();
                }
                Kind::Comment => {
                    at_line_start = false;
                    st.trivia();
                }
                Kind::Delimiter => {
                    self.finish(&mut st);
                    at_line_start = false;
                }
                Kind::Punct(b';') if self.delimiter.is_none() && self.can_end(&st) => {
                    self.finish(&mut st);
                    at_line_start = false;
                }
                _ => {
                    if at_line_start
                        && st.first.is_none()
                        && self.dialect() == Dialect::MySql
                        && tok.kind == Kind::Word
                        && self.text(tok).eq_ignore_ascii_case(b"DELIMITER")
                        && let Some((delimiter, line_end)) = self.delimiter_command(tok.end)
                    {
                        self.delimiter = (delimiter != b";").then_some(delimiter);
                        // The rest of the line (no newline in it) is the command's.
                        pos = line_end.max(tok.end);
                        at_line_start = false;
                        continue;
                    }
                    self.significant(&mut st, tok, newlines);
                    at_line_start = false;
                }
            }
            if let Some(kind) = self.lexer.unterminated(tok) {
                self.fail(newlines, kind);
            }
            newlines = newlines.saturating_add(count_newlines(self.text(tok)));
            pos = tok.end;
        }
        if let Some((_, start)) = st.first {
            if let Some(delimiter) = &self.delimiter {
                let delimiter = String::from_utf8_lossy(delimiter).into_owned();
                self.fail(start, Unterminated::Delimiter(delimiter));
            } else if !st.blocks.is_empty() {
                self.fail(start, Unterminated::Block);
            }
        }
        self.finish(&mut st);
    }

    /// Records what is left open `newlines` lines into the input, unless something was before.
    fn fail(&mut self, newlines: usize, kind: Unterminated) {
        if self.error.is_none() {
            self.error = Some(SplitError {
                line: self.first_line.saturating_add(newlines),
                kind,
            });
        }
    }

    fn can_end(&self, st: &Pending) -> bool {
        st.blocks.is_empty() && (self.dialect() != Dialect::Postgres || st.parens == 0)
    }

    /// Emits the pending statement, if it holds anything, and starts a new one.
    fn finish(&mut self, st: &mut Pending) {
        if let Some((start, newlines)) = st.first {
            let bytes = self.lexer.src.get(start..st.end).unwrap_or_default();
            let text = String::from_utf8_lossy(bytes);
            // Tokens never start or end with ASCII whitespace, but a word may with other Unicode
            // whitespace (which holds no line break, so `line` stays right).
            let sql = text.trim();
            if !sql.is_empty() {
                self.out.push(Statement {
                    sql: sql.to_owned(),
                    line: self.first_line.saturating_add(newlines),
                });
            }
        }
        *st = Pending::default();
    }

    /// Parses the rest of a `DELIMITER` line: one or more blanks, then the new delimiter (quotes
    /// around it are dropped). Returns it and where the line ends, or `None` if there is none.
    fn delimiter_command(&self, after: usize) -> Option<(Vec<u8>, usize)> {
        let lx = &self.lexer;
        if !matches!(lx.at(after), Some(b' ' | b'\t')) {
            return None;
        }
        let mut i = after;
        while matches!(lx.at(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        let start = i;
        while lx.at(i).is_some_and(|c| !c.is_ascii_whitespace()) {
            i += 1;
        }
        let mut arg = lx.src.get(start..i)?;
        if let (Some(&open), Some(&close)) = (arg.first(), arg.last())
            && arg.len() >= 2
            && open == close
            && matches!(open, b'\'' | b'"' | b'`')
        {
            arg = arg.get(1..arg.len() - 1)?;
        }
        if arg.is_empty() {
            return None;
        }
        Some((arg.to_vec(), lx.line_end(i)))
    }

    /// Up to `n` significant tokens from `pos` on (a delimiter counts; the end of input stops).
    fn peek(&self, mut pos: usize, n: usize) -> Vec<Token> {
        let mut found = Vec::with_capacity(n);
        while found.len() < n {
            let Some(tok) = self.lexer.next(pos, self.delimiter.as_deref()) else {
                break;
            };
            pos = tok.end;
            match tok.kind {
                Kind::Space | Kind::Comment => {}
                Kind::Delimiter => {
                    found.push(tok);
                    break;
                }
                _ => found.push(tok),
            }
        }
        found
    }

    fn next_is_punct(&self, pos: usize, c: u8) -> bool {
        self.peek(pos, 1).first().is_some_and(|t| t.is_punct(c))
    }

    fn kw_of(&self, tok: Token) -> Option<Kw> {
        (tok.kind == Kind::Word)
            .then(|| keyword(self.text(tok)))
            .flatten()
    }

    fn significant(&self, st: &mut Pending, tok: Token, newlines: usize) {
        if st.first.is_none() {
            st.first = Some((tok.start, newlines));
        }
        st.end = tok.end;
        match tok.kind {
            Kind::Punct(b'(') => st.parens = st.parens.saturating_add(1),
            Kind::Punct(b')') => st.parens = st.parens.saturating_sub(1),
            _ => {}
        }
        // A word after a `.` is a name (`NEW.end`), never a keyword.
        let swallowed = std::mem::take(&mut st.swallow) && tok.kind == Kind::Word;
        let kw = if swallowed || st.prev_is_punct(b'.') {
            None
        } else {
            self.kw_of(tok)
        };
        self.header(st, tok, kw);
        let kw = if st.mode == Mode::Routine {
            self.block(st, tok, kw)
        } else {
            kw
        };
        st.prev = Some(Prev { kind: tok.kind, kw });
    }

    /// Recognises the statements whose blocks are tracked.
    fn header(&self, st: &mut Pending, tok: Token, kw: Option<Kw>) {
        let d = self.dialect();
        st.mode = match st.mode {
            Mode::Start => match kw {
                Some(Kw::Create) => Mode::AfterCreate { alter: false },
                Some(Kw::Alter) if d == Dialect::MySql => Mode::AfterCreate { alter: true },
                // MariaDB's anonymous block: BEGIN NOT ATOMIC … END.
                Some(Kw::Begin) if d == Dialect::MySql => {
                    let next = self.peek(tok.end, 2);
                    let kws: Vec<Option<Kw>> = next.iter().map(|&t| self.kw_of(t)).collect();
                    if kws == [Some(Kw::Not), Some(Kw::Atomic)] {
                        Mode::Routine
                    } else {
                        Mode::Plain
                    }
                }
                _ => Mode::Plain,
            },
            Mode::AfterCreate { alter } => match (d, kw) {
                (Dialect::Postgres, Some(Kw::Or | Kw::Replace)) => st.mode,
                (Dialect::Postgres, Some(Kw::Function | Kw::Procedure)) if !alter => Mode::Routine,
                (Dialect::Sqlite, Some(Kw::Temp | Kw::Temporary)) => st.mode,
                (Dialect::Sqlite, Some(Kw::Trigger)) if !alter => Mode::Routine,
                (Dialect::MySql, Some(Kw::Or | Kw::Replace | Kw::Aggregate)) => st.mode,
                (Dialect::MySql, Some(Kw::Definer)) => Mode::DefinerEq { alter },
                (Dialect::MySql, Some(Kw::Event)) => Mode::Routine,
                (Dialect::MySql, Some(Kw::Trigger | Kw::Procedure | Kw::Function)) if !alter => {
                    Mode::Routine
                }
                _ => Mode::Plain,
            },
            Mode::DefinerEq { alter } => {
                if tok.is_punct(b'=') {
                    Mode::DefinerValue {
                        alter,
                        started: false,
                    }
                } else {
                    Mode::Plain
                }
            }
            Mode::DefinerValue { alter, .. } => Mode::DefinerValue {
                alter,
                started: true,
            },
            Mode::Plain => Mode::Plain,
            Mode::Routine => Mode::Routine,
        };
    }

    /// Tracks blocks in a trigger or routine. Returns the keyword the token was taken as.
    fn block(&self, st: &mut Pending, tok: Token, kw: Option<Kw>) -> Option<Kw> {
        let kw = kw?;
        if !matches!(
            kw,
            Kw::Begin | Kw::End | Kw::Case | Kw::If | Kw::Loop | Kw::While | Kw::Repeat | Kw::For
        ) {
            return Some(kw);
        }
        // `end.x`: a name again.
        if self.next_is_punct(tok.end, b'.') {
            return None;
        }
        match self.dialect() {
            Dialect::Postgres => {
                Self::block_postgres(st, kw);
                Some(kw)
            }
            Dialect::Sqlite => self.block_sqlite(st, tok, kw),
            Dialect::MySql => self.block_mysql(st, tok, kw),
        }
    }

    /// `psql`'s rule for `CREATE FUNCTION … BEGIN ATOMIC … END`, at parenthesis depth 0.
    fn block_postgres(st: &mut Pending, kw: Kw) {
        if st.parens > 0 {
            return;
        }
        match kw {
            Kw::Begin => st.blocks.push(Block::Begin),
            // CASE also ends with END; it matters only inside a BEGIN.
            Kw::Case if !st.blocks.is_empty() => st.blocks.push(Block::Case),
            Kw::End => {
                st.blocks.pop();
            }
            _ => {}
        }
    }

    /// Whether a `BEGIN` is the keyword rather than a column named `begin`.
    fn begin_is_keyword(&self, st: &Pending, tok: Token) -> bool {
        if st.prev_is_punct(b',') || st.prev_is_punct(b'(') || st.prev_is_punct(b'=') {
            return false;
        }
        !self
            .peek(tok.end, 1)
            .first()
            .is_some_and(|t| matches!(t.kind, Kind::Punct(b',' | b')' | b'=' | b';')))
    }

    /// An `END` that is not `END IF`/`END LOOP`/…: closes the innermost `BEGIN` when it follows a
    /// statement list; otherwise it ends a `CASE` expression (or is a column named `end`).
    fn bare_end(st: &mut Pending) {
        if st.prev_ends_statement_list() {
            st.close_begin();
        } else {
            st.close(Block::Case);
        }
    }

    fn block_sqlite(&self, st: &mut Pending, tok: Token, kw: Kw) -> Option<Kw> {
        match kw {
            Kw::Begin => {
                if !self.begin_is_keyword(st, tok) {
                    return None;
                }
                st.blocks.push(Block::Begin);
            }
            Kw::Case => st.blocks.push(Block::Case),
            Kw::End => Self::bare_end(st),
            _ => {}
        }
        Some(kw)
    }

    fn block_mysql(&self, st: &mut Pending, tok: Token, kw: Kw) -> Option<Kw> {
        match kw {
            Kw::Begin => {
                if !self.begin_is_keyword(st, tok) {
                    return None;
                }
                st.blocks.push(Block::Begin);
            }
            Kw::Case => st.blocks.push(Block::Case),
            Kw::End => {
                let next = self.peek(tok.end, 1).first().and_then(|&t| self.kw_of(t));
                let typed = match next {
                    Some(Kw::If) => Some(Block::If),
                    Some(Kw::Case) => Some(Block::Case),
                    Some(Kw::Loop) => Some(Block::Loop),
                    Some(Kw::While) => Some(Block::While),
                    Some(Kw::Repeat) => Some(Block::Repeat),
                    // `… END FOR UPDATE` ends a CASE expression; END FOR follows a `;`.
                    Some(Kw::For) if st.prev_is_punct(b';') => Some(Block::For),
                    _ => None,
                };
                match typed {
                    Some(block) => {
                        st.close(block);
                        st.swallow = true;
                    }
                    None => Self::bare_end(st),
                }
            }
            Kw::If if self.mysql_if_opens(st, tok) => st.blocks.push(Block::If),
            Kw::Loop => st.blocks.push(Block::Loop),
            Kw::While => st.blocks.push(Block::While),
            // REPEAT('ab', 3) is a function.
            Kw::Repeat if st.at_statement_start() || !self.next_is_punct(tok.end, b'(') => {
                st.blocks.push(Block::Repeat);
            }
            // MariaDB's FOR loop; FOR EACH ROW, FOR UPDATE, HANDLER FOR are not at a statement start.
            Kw::For if st.at_statement_start() => st.blocks.push(Block::For),
            _ => {}
        }
        Some(kw)
    }

    /// Whether a MySQL `IF` starts an `IF … END IF` statement, rather than being the `IF()`
    /// function or part of `IF [NOT] EXISTS name`.
    fn mysql_if_opens(&self, st: &Pending, tok: Token) -> bool {
        if st.at_statement_start() {
            return true;
        }
        let next = self.peek(tok.end, 3);
        let kws: Vec<Option<Kw>> = next.iter().map(|&t| self.kw_of(t)).collect();
        let paren_at = |i: usize| next.get(i).is_some_and(|t| t.is_punct(b'('));
        match kws.as_slice() {
            _ if paren_at(0) => false,
            // IF EXISTS (SELECT …) THEN is a statement; DROP TABLE IF EXISTS t is not.
            [Some(Kw::Exists), ..] => paren_at(1),
            [Some(Kw::Not), Some(Kw::Exists), ..] => paren_at(2),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(sql: &str, dialect: Dialect) -> Vec<String> {
        split(sql, dialect, 1).into_iter().map(|s| s.sql).collect()
    }

    fn lines(sql: &str, dialect: Dialect, first_line: usize) -> Vec<usize> {
        split(sql, dialect, first_line)
            .into_iter()
            .map(|s| s.line)
            .collect()
    }

    const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite];

    // --- basics ----------------------------------------------------------------------------

    #[test]
    fn statements_are_split_at_semicolons() {
        for d in ALL {
            assert_eq!(
                sqls("CREATE TABLE a (id int); CREATE TABLE b (id int);", d),
                ["CREATE TABLE a (id int)", "CREATE TABLE b (id int)"]
            );
        }
    }

    #[test]
    fn the_terminating_semicolon_is_dropped_and_the_text_trimmed() {
        for d in ALL {
            let got = split("\n\n   SELECT 1   ;   \n", d, 1);
            assert_eq!(
                got,
                [Statement {
                    sql: "SELECT 1".into(),
                    line: 3
                }]
            );
        }
    }

    #[test]
    fn the_last_statement_needs_no_semicolon() {
        for d in ALL {
            assert_eq!(sqls("SELECT 1;\nSELECT 2\n", d), ["SELECT 1", "SELECT 2"]);
        }
    }

    #[test]
    fn empty_input_gives_no_statements() {
        for d in ALL {
            assert!(split("", d, 1).is_empty());
            assert!(split("  \n\t\r\n ", d, 1).is_empty());
        }
    }

    #[test]
    fn empty_statements_between_semicolons_are_dropped() {
        for d in ALL {
            assert_eq!(
                sqls(";;SELECT 1;; ;\n;SELECT 2;;", d),
                ["SELECT 1", "SELECT 2"]
            );
        }
    }

    #[test]
    fn a_section_of_only_comments_gives_no_statements() {
        for d in ALL {
            let sql = "-- nothing to do here\n/* really; nothing */\n-- ;\n;\n";
            assert!(split(sql, d, 1).is_empty(), "{d:?}");
        }
    }

    #[test]
    fn a_statement_of_only_comments_between_real_ones_is_dropped() {
        for d in ALL {
            assert_eq!(
                sqls("SELECT 1; -- just a note\n; SELECT 2;", d),
                ["SELECT 1", "SELECT 2"]
            );
        }
    }

    #[test]
    fn comments_inside_a_statement_are_kept_as_they_are() {
        for d in ALL {
            let sql = "SELECT 1, -- the first\n  /* the second */ 2;";
            assert_eq!(
                sqls(sql, d),
                ["SELECT 1, -- the first\n  /* the second */ 2"]
            );
        }
    }

    #[test]
    fn comments_before_a_statement_are_not_part_of_its_text() {
        for d in ALL {
            let got = split("-- add users\n/* v2 */\nCREATE TABLE users (id int);", d, 1);
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].sql, "CREATE TABLE users (id int)");
            assert_eq!(got[0].line, 3);
        }
    }

    #[test]
    fn a_comment_after_the_last_token_is_not_part_of_the_statement() {
        for d in ALL {
            assert_eq!(
                sqls("SELECT 1 -- trailing\n;\nSELECT 2 -- end of file\n", d),
                ["SELECT 1", "SELECT 2"]
            );
        }
    }

    // --- strings and identifiers -------------------------------------------------------------

    #[test]
    fn a_semicolon_inside_a_single_quoted_string_does_not_split() {
        for d in ALL {
            assert_eq!(
                sqls("INSERT INTO t VALUES ('a;b'); SELECT 2;", d),
                ["INSERT INTO t VALUES ('a;b')", "SELECT 2"]
            );
        }
    }

    #[test]
    fn doubled_single_quotes_stay_inside_the_string() {
        for d in ALL {
            assert_eq!(
                sqls("SELECT 'it''s; fine'; SELECT 2", d),
                ["SELECT 'it''s; fine'", "SELECT 2"]
            );
        }
    }

    #[test]
    fn a_mysql_backslash_escaped_quote_stays_inside_the_string() {
        assert_eq!(
            sqls(r"SELECT 'it\'s; fine', 'back\\'; SELECT 2", Dialect::MySql),
            [r"SELECT 'it\'s; fine', 'back\\'", "SELECT 2"]
        );
        assert_eq!(
            sqls(r#"SELECT "say \"hi\"; now"; SELECT 2"#, Dialect::MySql),
            [r#"SELECT "say \"hi\"; now""#, "SELECT 2"]
        );
    }

    #[test]
    fn a_postgres_plain_string_takes_backslashes_literally() {
        assert_eq!(
            sqls(r"SELECT 'C:\'; SELECT 2", Dialect::Postgres),
            [r"SELECT 'C:\'", "SELECT 2"]
        );
        assert_eq!(
            sqls(r"SELECT 'C:\'; SELECT 2", Dialect::Sqlite),
            [r"SELECT 'C:\'", "SELECT 2"]
        );
    }

    #[test]
    fn a_postgres_escape_string_keeps_a_backslash_escaped_quote() {
        assert_eq!(
            sqls(
                r"SELECT E'it\'s; fine'; SELECT e'\\'; SELECT 3",
                Dialect::Postgres
            ),
            [r"SELECT E'it\'s; fine'", r"SELECT e'\\'", "SELECT 3"]
        );
    }

    #[test]
    fn a_word_ending_in_e_before_a_quote_is_not_an_escape_string() {
        // `type'…'` is a typed literal, not E'…': the backslash is literal.
        assert_eq!(
            sqls(r"SELECT date'C:\'; SELECT 2", Dialect::Postgres),
            [r"SELECT date'C:\'", "SELECT 2"]
        );
    }

    #[test]
    fn a_semicolon_inside_a_double_quoted_identifier_does_not_split() {
        for d in ALL {
            assert_eq!(
                sqls(r#"CREATE TABLE "a;b" ("x""; y" int); SELECT 2"#, d),
                [r#"CREATE TABLE "a;b" ("x""; y" int)"#, "SELECT 2"]
            );
        }
    }

    #[test]
    fn a_semicolon_inside_a_mysql_backtick_identifier_does_not_split() {
        assert_eq!(
            sqls("CREATE TABLE `a;b` (`x``;y` int); SELECT 2", Dialect::MySql),
            ["CREATE TABLE `a;b` (`x``;y` int)", "SELECT 2"]
        );
    }

    #[test]
    fn sqlite_backtick_and_bracket_identifiers_do_not_split() {
        assert_eq!(
            sqls("SELECT `a;b`, [c;d] FROM t; SELECT 2", Dialect::Sqlite),
            ["SELECT `a;b`, [c;d] FROM t", "SELECT 2"]
        );
    }

    #[test]
    fn postgres_brackets_are_array_subscripts_not_quotes() {
        assert_eq!(
            sqls(
                "SELECT a[1] FROM t; SELECT b[2:3] FROM t;",
                Dialect::Postgres
            ),
            ["SELECT a[1] FROM t", "SELECT b[2:3] FROM t"]
        );
    }

    #[test]
    fn strings_containing_comment_and_dollar_markers_do_not_hide_semicolons() {
        let sql = "SELECT '--', '/*', ';', '$$', '#'; SELECT 2;";
        for d in ALL {
            assert_eq!(
                sqls(sql, d),
                ["SELECT '--', '/*', ';', '$$', '#'", "SELECT 2"],
                "{d:?}"
            );
        }
    }

    #[test]
    fn non_ascii_text_is_kept_whole() {
        for d in ALL {
            assert_eq!(
                sqls(
                    "INSERT INTO straße VALUES ('héllo; wörld'); SELECT '日本';",
                    d
                ),
                [
                    "INSERT INTO straße VALUES ('héllo; wörld')",
                    "SELECT '日本'"
                ]
            );
        }
    }

    #[test]
    fn a_byte_order_mark_counts_as_whitespace() {
        for d in ALL {
            assert_eq!(sqls("\u{feff}SELECT 1;", d), ["SELECT 1"]);
        }
    }

    // --- comments ----------------------------------------------------------------------------

    #[test]
    fn a_semicolon_inside_a_line_comment_does_not_split() {
        for d in ALL {
            assert_eq!(
                sqls("SELECT 1 -- one; two\n, 2; SELECT 3", d),
                ["SELECT 1 -- one; two\n, 2", "SELECT 3"]
            );
        }
    }

    #[test]
    fn a_mysql_double_dash_without_a_space_is_not_a_comment() {
        assert_eq!(
            sqls("SELECT 1--1; SELECT 2", Dialect::MySql),
            ["SELECT 1--1", "SELECT 2"]
        );
        // Elsewhere `--` always starts a comment, which hides the rest of the line.
        assert_eq!(
            sqls("SELECT 1--1; SELECT 2", Dialect::Postgres),
            ["SELECT 1"]
        );
    }

    #[test]
    fn a_mysql_double_dash_before_a_tab_or_line_break_is_a_comment() {
        assert_eq!(
            sqls(
                "SELECT 1 --\tx; y\n; SELECT 2 --\n; SELECT 3 --",
                Dialect::MySql
            ),
            ["SELECT 1", "SELECT 2", "SELECT 3"]
        );
    }

    #[test]
    fn a_mysql_hash_starts_a_line_comment() {
        assert_eq!(
            sqls("SELECT 1 # one; two\n, 2; SELECT 3", Dialect::MySql),
            ["SELECT 1 # one; two\n, 2", "SELECT 3"]
        );
    }

    #[test]
    fn a_postgres_hash_is_an_operator_not_a_comment() {
        assert_eq!(
            sqls("SELECT 5 # 3; SELECT 2", Dialect::Postgres),
            ["SELECT 5 # 3", "SELECT 2"]
        );
    }

    #[test]
    fn a_semicolon_inside_a_block_comment_does_not_split() {
        for d in ALL {
            assert_eq!(
                sqls("SELECT /* a; b */ 1; SELECT 2", d),
                ["SELECT /* a; b */ 1", "SELECT 2"]
            );
        }
    }

    #[test]
    fn postgres_block_comments_nest() {
        let sql = "SELECT 1 /* outer /* inner */ still; comment */ + 1; SELECT 2";
        assert_eq!(
            sqls(sql, Dialect::Postgres),
            [
                "SELECT 1 /* outer /* inner */ still; comment */ + 1",
                "SELECT 2"
            ]
        );
        // Elsewhere the first */ ends the comment.
        assert_eq!(
            sqls(sql, Dialect::Sqlite),
            [
                "SELECT 1 /* outer /* inner */ still",
                "comment */ + 1",
                "SELECT 2"
            ]
        );
    }

    #[test]
    fn a_mysql_executable_comment_is_a_statement() {
        let sql = "/*!40101 SET NAMES utf8mb4 */;\n/*M!100401 SET x = 1 */;\n/* a note */;";
        assert_eq!(
            sqls(sql, Dialect::MySql),
            ["/*!40101 SET NAMES utf8mb4 */", "/*M!100401 SET x = 1 */"]
        );
    }

    // --- PostgreSQL dollar quotes, parentheses, BEGIN ------------------------------------------

    #[test]
    fn a_semicolon_inside_a_dollar_quoted_body_does_not_split() {
        let sql = "SELECT $$a; b$$; SELECT $fn$ c; $$ still; $fn$; SELECT 3";
        assert_eq!(
            sqls(sql, Dialect::Postgres),
            [
                "SELECT $$a; b$$",
                "SELECT $fn$ c; $$ still; $fn$",
                "SELECT 3"
            ]
        );
    }

    #[test]
    fn dollar_quote_tags_are_case_sensitive() {
        let sql = "SELECT $A$ x; $a$ y; $A$; SELECT 2";
        assert_eq!(
            sqls(sql, Dialect::Postgres),
            ["SELECT $A$ x; $a$ y; $A$", "SELECT 2"]
        );
    }

    #[test]
    fn a_dollar_parameter_is_not_a_quote() {
        assert_eq!(
            sqls(
                "SELECT $1; SELECT $2::int, $10; SELECT 3",
                Dialect::Postgres
            ),
            ["SELECT $1", "SELECT $2::int, $10", "SELECT 3"]
        );
    }

    #[test]
    fn a_dollar_inside_an_identifier_is_not_a_quote() {
        assert_eq!(
            sqls("SELECT a$b$c FROM t; SELECT 2", Dialect::Postgres),
            ["SELECT a$b$c FROM t", "SELECT 2"]
        );
    }

    #[test]
    fn dollars_mean_nothing_outside_postgres() {
        assert_eq!(
            sqls("SELECT $$a; b$$; SELECT 2", Dialect::Sqlite),
            ["SELECT $$a", "b$$", "SELECT 2"]
        );
    }

    #[test]
    fn a_postgres_top_level_begin_is_a_plain_statement() {
        assert_eq!(
            sqls(
                "BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;",
                Dialect::Postgres
            ),
            ["BEGIN", "CREATE TABLE t (id int)", "COMMIT"]
        );
    }

    #[test]
    fn a_postgres_sql_standard_function_body_stays_whole() {
        let body = "CREATE OR REPLACE PROCEDURE insert_data(a integer, b integer)\nLANGUAGE SQL\n\
                    BEGIN ATOMIC\n  INSERT INTO tbl VALUES (a);\n  \
                    SELECT CASE WHEN b > 0 THEN b END;\n  INSERT INTO tbl VALUES (b);\nEND";
        let sql = format!("{body};\nCALL insert_data(1, 2);");
        assert_eq!(
            sqls(&sql, Dialect::Postgres),
            [body, "CALL insert_data(1, 2)"]
        );
    }

    #[test]
    fn a_postgres_case_outside_a_begin_atomic_body_is_not_tracked() {
        let sql = "CREATE FUNCTION sign_of(x int) RETURNS int LANGUAGE sql\n\
                   RETURN CASE WHEN x > 0 THEN 1 ELSE 0 END;\n\
                   CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION f();\n\
                   SELECT 1;";
        let got = split(sql, Dialect::Postgres, 1);
        assert_eq!(got.len(), 3, "{got:#?}");
        assert_eq!(got.iter().map(|s| s.line).collect::<Vec<_>>(), [1, 3, 4]);
    }

    #[test]
    fn a_postgres_semicolon_inside_parentheses_does_not_split() {
        let rule = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (1); \
                    INSERT INTO log VALUES (2))";
        let sql = format!("{rule};\nSELECT 2;");
        assert_eq!(sqls(&sql, Dialect::Postgres), [rule, "SELECT 2"]);
    }

    #[test]
    fn a_realistic_postgres_section_is_split_statement_by_statement() {
        let sql = r#"-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_idx
    ON orders (user_id) WHERE deleted_at IS NULL;

CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- keep the row's timestamp fresh; always
    NEW.updated_at := now();
    IF NEW.note = 'a;b' THEN
        RAISE NOTICE 'odd note; %', NEW.note;
    END IF;
    RETURN NEW;
END;
$$;

DO $body$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('ANALYZE %I;', r.tablename);
    END LOOP;
END
$body$;
"#;
        let got = split(sql, Dialect::Postgres, 10);
        assert_eq!(got.len(), 4, "{got:#?}");
        assert_eq!(
            got[0].sql,
            "CREATE INDEX CONCURRENTLY users_email_idx ON users (email)"
        );
        assert_eq!(got[0].line, 11);
        assert!(
            got[1]
                .sql
                .starts_with("CREATE INDEX CONCURRENTLY IF NOT EXISTS")
        );
        assert!(got[1].sql.ends_with("WHERE deleted_at IS NULL"));
        assert_eq!(got[1].line, 12);
        assert!(
            got[2]
                .sql
                .starts_with("CREATE OR REPLACE FUNCTION touch_updated_at()")
        );
        assert!(got[2].sql.ends_with("END;\n$$"));
        assert_eq!(got[2].line, 15);
        assert!(got[3].sql.starts_with("DO $body$"));
        assert!(got[3].sql.ends_with("END\n$body$"));
        assert_eq!(got[3].line, 27);
    }

    // --- SQLite triggers ---------------------------------------------------------------------

    #[test]
    fn an_sqlite_trigger_is_one_statement() {
        let trigger = "CREATE TRIGGER log_insert AFTER INSERT ON users\nBEGIN\n  \
                       INSERT INTO log (msg) VALUES ('insert');\n  \
                       UPDATE stats SET n = n + 1;\nEND";
        let sql = format!("{trigger};\nSELECT 1;");
        assert_eq!(sqls(&sql, Dialect::Sqlite), [trigger, "SELECT 1"]);
    }

    #[test]
    fn an_sqlite_trigger_with_case_inside_is_not_closed_early() {
        let trigger = "CREATE TRIGGER grade AFTER UPDATE OF score ON students\n\
                       WHEN CASE WHEN NEW.score > 0 THEN 1 ELSE 0 END\nBEGIN\n  \
                       UPDATE students SET grade = CASE\n    WHEN NEW.score >= 90 THEN 'A'\n    \
                       ELSE 'B'\n  END\n  WHERE id = NEW.id;\n  \
                       INSERT INTO log VALUES (CASE NEW.score WHEN 0 THEN 'zero' END);\nEND";
        let sql = format!("{trigger};\nSELECT 1;");
        assert_eq!(sqls(&sql, Dialect::Sqlite), [trigger, "SELECT 1"]);
    }

    #[test]
    fn an_sqlite_temp_trigger_if_not_exists_is_one_statement() {
        let trigger = "create temp trigger if not exists t1 before delete on a for each row \
                       begin delete from b where b.a_id = old.id; end";
        let sql = format!("{trigger}; select 1");
        assert_eq!(sqls(&sql, Dialect::Sqlite), [trigger, "select 1"]);
    }

    #[test]
    fn an_sqlite_begin_transaction_is_a_plain_statement() {
        assert_eq!(
            sqls(
                "BEGIN TRANSACTION; CREATE TABLE t (x); END TRANSACTION;",
                Dialect::Sqlite
            ),
            ["BEGIN TRANSACTION", "CREATE TABLE t (x)", "END TRANSACTION"]
        );
    }

    #[test]
    fn columns_named_like_keywords_are_not_keywords() {
        let trigger = "CREATE TRIGGER t AFTER INSERT ON spans BEGIN\n  \
                       UPDATE spans SET begin_at = NEW.begin_at, end_date = NEW.end, \"end\" = 1;\n  \
                       INSERT INTO casebook (ending, beginning) VALUES (NEW.end, 2);\nEND";
        let sql = format!("{trigger};\nSELECT 1;");
        assert_eq!(sqls(&sql, Dialect::Sqlite), [trigger, "SELECT 1"]);
    }

    #[test]
    fn a_table_named_trigger_does_not_start_a_trigger() {
        assert_eq!(
            sqls(
                "CREATE TABLE trigger_log (x); BEGIN; SELECT 1; END;",
                Dialect::Sqlite
            ),
            ["CREATE TABLE trigger_log (x)", "BEGIN", "SELECT 1", "END"]
        );
    }

    // --- MySQL routines ----------------------------------------------------------------------

    const MYSQL_PROC: &str = "CREATE PROCEDURE fill(IN n INT)\nBEGIN\n  \
        DECLARE i INT DEFAULT 0;\n  \
        outer_block: BEGIN\n    \
        IF n > 100 THEN\n      SET n = 100;\n    ELSEIF n < 0 THEN\n      SET n = 0;\n    \
        ELSE\n      BEGIN\n        SELECT 'no change; ok';\n      END;\n    END IF;\n  \
        END outer_block;\n  \
        WHILE i < n DO\n    INSERT INTO t VALUES (i);\n    SET i = i + 1;\n  END WHILE;\nEND";

    #[test]
    fn a_mysql_procedure_with_nested_blocks_is_one_statement() {
        let sql = format!("{MYSQL_PROC};\nCALL fill(3);");
        assert_eq!(sqls(&sql, Dialect::MySql), [MYSQL_PROC, "CALL fill(3)"]);
    }

    #[test]
    fn a_mysql_procedure_between_delimiter_lines_is_one_statement() {
        let sql = format!(
            "DROP PROCEDURE IF EXISTS fill;\nDELIMITER //\n{MYSQL_PROC}//\nDELIMITER ;\nCALL fill(3);"
        );
        let got = split(&sql, Dialect::MySql, 1);
        assert_eq!(
            got.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>(),
            ["DROP PROCEDURE IF EXISTS fill", MYSQL_PROC, "CALL fill(3)"]
        );
        assert_eq!(got[1].line, 3);
        assert_eq!(got[2].line, 3 + MYSQL_PROC.matches('\n').count() + 2);
    }

    #[test]
    fn a_mysql_delimiter_line_is_not_a_statement_and_its_rest_is_ignored() {
        let sql = "delimiter $$ # switch\nSELECT 1; SELECT 2$$\nSELECT 3 $$\nDELIMITER ; # back\nSELECT 4;";
        assert_eq!(
            sqls(sql, Dialect::MySql),
            ["SELECT 1; SELECT 2", "SELECT 3", "SELECT 4"]
        );
    }

    #[test]
    fn a_mysql_delimiter_ends_a_statement_even_right_after_a_word() {
        let sql =
            "DELIMITER $$\nCREATE FUNCTION f() RETURNS INT BEGIN RETURN 1; END$$\nDELIMITER ;";
        assert_eq!(
            sqls(sql, Dialect::MySql),
            ["CREATE FUNCTION f() RETURNS INT BEGIN RETURN 1; END"]
        );
    }

    #[test]
    fn a_quoted_mysql_delimiter_is_unquoted() {
        let sql = "DELIMITER ';;'\nSELECT 1;;\nDELIMITER ';'\nSELECT 2; SELECT 3";
        assert_eq!(
            sqls(sql, Dialect::MySql),
            ["SELECT 1", "SELECT 2", "SELECT 3"]
        );
    }

    #[test]
    fn a_mysql_delimiter_inside_a_string_or_comment_does_not_split() {
        let sql = "DELIMITER //\nSELECT '//', \"a//b\" -- c//d\n# e//f\n/* g//h */ FROM t//";
        assert_eq!(
            sqls(sql, Dialect::MySql),
            ["SELECT '//', \"a//b\" -- c//d\n# e//f\n/* g//h */ FROM t"]
        );
    }

    #[test]
    fn delimiter_is_only_a_command_at_the_start_of_a_statement() {
        let sql = "CREATE TABLE t (\n  delimiter VARCHAR(3)\n);\nDELIMITER\nSELECT 1;";
        assert_eq!(
            sqls(sql, Dialect::MySql),
            [
                "CREATE TABLE t (\n  delimiter VARCHAR(3)\n)",
                "DELIMITER\nSELECT 1"
            ]
        );
        // Outside MySQL it is just a word.
        assert_eq!(
            sqls("DELIMITER //\nSELECT 1//", Dialect::Postgres),
            ["DELIMITER //\nSELECT 1//"]
        );
    }

    #[test]
    fn a_mysql_trigger_with_a_single_if_body_is_one_statement() {
        let trigger = "CREATE TRIGGER clamp BEFORE INSERT ON t FOR EACH ROW\n\
                       IF NEW.a < 0 THEN SET NEW.a = 0; ELSE SET NEW.a = IF(NEW.a > 9, 9, NEW.a); END IF";
        let sql = format!("{trigger};\nINSERT INTO t VALUES (1);");
        assert_eq!(
            sqls(&sql, Dialect::MySql),
            [trigger, "INSERT INTO t VALUES (1)"]
        );
    }

    #[test]
    fn a_mysql_trigger_with_a_plain_body_ends_at_its_semicolon() {
        assert_eq!(
            sqls(
                "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.end = IF(NEW.a, 1, 0);\nSELECT 1;",
                Dialect::MySql
            ),
            [
                "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.end = IF(NEW.a, 1, 0)",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn mysql_loops_and_labels_are_tracked() {
        let proc = "CREATE DEFINER=`admin`@`%` PROCEDURE loops()\nBEGIN\n  \
                    DECLARE i INT DEFAULT 0;\n  \
                    l1: LOOP\n    SET i = i + 1;\n    IF i > 3 THEN LEAVE l1; END IF;\n  END LOOP l1;\n  \
                    REPEAT\n    SET i = i - 1;\n  UNTIL i = 0 END REPEAT;\n  \
                    w: WHILE i < 2 DO\n    SET i = i + 1;\n  END WHILE w;\n  \
                    SELECT REPEAT('ab', 2), IF(i > 1, 'a', 'b');\nEND";
        let sql = format!("{proc};\nCALL loops();");
        assert_eq!(sqls(&sql, Dialect::MySql), [proc, "CALL loops()"]);
    }

    #[test]
    fn mysql_if_exists_and_the_if_function_do_not_open_blocks() {
        let proc = "CREATE PROCEDURE IF NOT EXISTS p()\nBEGIN\n  \
                    DROP TABLE IF EXISTS tmp;\n  CREATE TABLE IF NOT EXISTS tmp (a INT);\n  \
                    SET @x = IF(1 > 0, 'y', 'n');\n  \
                    IF EXISTS (SELECT 1 FROM tmp) THEN\n    DELETE FROM tmp;\n  END IF;\n  \
                    IF NOT EXISTS (SELECT 1 FROM tmp) THEN SELECT 1; END IF;\n  \
                    IF (@x = 'y') THEN SELECT 2; END IF;\nEND";
        let sql = format!("{proc};\nCALL p();");
        assert_eq!(sqls(&sql, Dialect::MySql), [proc, "CALL p()"]);
    }

    #[test]
    fn mysql_case_statements_and_case_expressions_are_tracked() {
        let func = "CREATE FUNCTION label(n INT) RETURNS VARCHAR(10) DETERMINISTIC\nBEGIN\n  \
                    DECLARE s VARCHAR(10);\n  \
                    CASE n\n    WHEN 0 THEN SET s = 'zero';\n    \
                    ELSE SET s = CASE WHEN n > 0 THEN 'pos' ELSE 'neg' END;\n  END CASE;\n  \
                    RETURN s;\nEND";
        let sql = format!("{func};\nSELECT label(1);");
        assert_eq!(sqls(&sql, Dialect::MySql), [func, "SELECT label(1)"]);
    }

    #[test]
    fn a_mysql_column_named_end_does_not_close_a_block() {
        let proc = "CREATE PROCEDURE spans()\nBEGIN\n  \
                    SELECT begin, end FROM spans ORDER BY end;\n  \
                    SELECT s.end, t.begin FROM s JOIN t;\nEND";
        let sql = format!("{proc};\nCALL spans();");
        assert_eq!(sqls(&sql, Dialect::MySql), [proc, "CALL spans()"]);
    }

    #[test]
    fn a_mysql_event_with_a_block_body_is_one_statement() {
        let event = "CREATE DEFINER = 'admin'@'localhost' EVENT purge\n  ON SCHEDULE EVERY 1 DAY\n  \
                     DO BEGIN\n    DELETE FROM log WHERE at < NOW() - INTERVAL 30 DAY;\n    \
                     DELETE FROM audit WHERE at < NOW() - INTERVAL 90 DAY;\n  END";
        let sql = format!("{event};\nSELECT 1;");
        assert_eq!(sqls(&sql, Dialect::MySql), [event, "SELECT 1"]);
    }

    #[test]
    fn a_mysql_alter_event_with_a_block_body_is_one_statement() {
        let event = "ALTER EVENT purge DO BEGIN DELETE FROM log; DELETE FROM audit; END";
        let sql = format!("{event};\nSELECT 1;");
        assert_eq!(sqls(&sql, Dialect::MySql), [event, "SELECT 1"]);
    }

    #[test]
    fn a_mysql_begin_transaction_is_a_plain_statement() {
        assert_eq!(
            sqls(
                "BEGIN; INSERT INTO t VALUES (1); COMMIT; BEGIN WORK; END;",
                Dialect::MySql
            ),
            [
                "BEGIN",
                "INSERT INTO t VALUES (1)",
                "COMMIT",
                "BEGIN WORK",
                "END"
            ]
        );
    }

    #[test]
    fn a_mariadb_anonymous_block_is_one_statement() {
        let block = "BEGIN NOT ATOMIC\n  DECLARE x INT DEFAULT 1;\n  SELECT x;\nEND";
        let sql = format!("{block};\nSELECT 2;");
        assert_eq!(sqls(&sql, Dialect::MySql), [block, "SELECT 2"]);
    }

    #[test]
    fn keyword_matching_is_case_insensitive() {
        let trigger =
            "create Trigger t after insert on a for each row bEgIn insert into b values (1); eNd";
        let sql = format!("{trigger};select 2");
        for d in [Dialect::MySql, Dialect::Sqlite] {
            assert_eq!(sqls(&sql, d), [trigger, "select 2"]);
        }
    }

    #[test]
    fn a_mysql_create_table_with_a_column_named_event_is_plain() {
        assert_eq!(
            sqls(
                "CREATE TABLE log (event VARCHAR(9), begin INT, end INT); SELECT 1;",
                Dialect::MySql
            ),
            [
                "CREATE TABLE log (event VARCHAR(9), begin INT, end INT)",
                "SELECT 1"
            ]
        );
    }

    // --- unterminated input ------------------------------------------------------------------

    #[test]
    fn an_unterminated_string_runs_to_the_end_as_the_last_statement() {
        for d in ALL {
            assert_eq!(
                sqls("SELECT 1; SELECT 'oops; SELECT 2;\n", d),
                ["SELECT 1", "SELECT 'oops; SELECT 2;"]
            );
        }
    }

    #[test]
    fn an_unterminated_quoted_identifier_runs_to_the_end() {
        for d in ALL {
            assert_eq!(sqls("SELECT \"a; b", d), ["SELECT \"a; b"]);
        }
        assert_eq!(sqls("SELECT `a; b", Dialect::MySql), ["SELECT `a; b"]);
        assert_eq!(sqls("SELECT [a; b", Dialect::Sqlite), ["SELECT [a; b"]);
    }

    #[test]
    fn an_unterminated_block_comment_is_kept_for_the_database_to_reject() {
        for d in [Dialect::Postgres, Dialect::MySql] {
            assert_eq!(
                sqls("SELECT 1; /* oops; SELECT 2;", d),
                ["SELECT 1", "/* oops; SELECT 2;"]
            );
        }
        assert_eq!(
            sqls("SELECT 1 /* a /* b */ c; d", Dialect::Postgres),
            ["SELECT 1 /* a /* b */ c; d"]
        );
    }

    #[test]
    fn an_unterminated_block_comment_ends_the_input_quietly_in_sqlite() {
        assert_eq!(
            sqls("SELECT 1; /* oops; SELECT 2;", Dialect::Sqlite),
            ["SELECT 1"]
        );
    }

    #[test]
    fn an_unterminated_dollar_quote_runs_to_the_end() {
        assert_eq!(
            sqls("SELECT 1; DO $x$ BEGIN; END; $$;", Dialect::Postgres),
            ["SELECT 1", "DO $x$ BEGIN; END; $$;"]
        );
    }

    #[test]
    fn an_unterminated_block_runs_to_the_end() {
        assert_eq!(
            sqls(
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2;",
                Dialect::Sqlite
            ),
            ["CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2;"]
        );
    }

    #[test]
    fn trailing_escapes_and_lone_quotes_do_not_panic() {
        for d in ALL {
            for sql in [
                "'", "\"", "`", "[", "$", "E'", "E'\\", "'\\", "/*", "--", "#", "$a", "$a$", "$$",
            ] {
                let got = split(sql, d, 1);
                assert!(got.len() <= 1, "{d:?} {sql:?}: {got:?}");
            }
        }
    }

    // --- lines -------------------------------------------------------------------------------

    #[test]
    fn lines_skip_leading_blank_lines_and_comments() {
        let sql = "\n\n-- first\n/* a\n   b */\n\n  SELECT 1;\n\n# mysql only\nSELECT\n2;";
        assert_eq!(lines(sql, Dialect::MySql, 1), [7, 10]);
    }

    #[test]
    fn lines_are_reported_as_file_lines() {
        let sql = "SELECT 1;\n\nSELECT 2; SELECT 3;";
        for d in ALL {
            assert_eq!(lines(sql, d, 1), [1, 3, 3]);
            assert_eq!(lines(sql, d, 42), [42, 44, 44]);
        }
    }

    #[test]
    fn lines_count_newlines_inside_strings_and_comments() {
        let sql = "SELECT 'a\nb\nc'; /* x\ny */ SELECT $$\n$$;\nSELECT 3";
        assert_eq!(lines(sql, Dialect::Postgres, 1), [1, 4, 6]);
    }

    #[test]
    fn a_huge_first_line_saturates_instead_of_overflowing() {
        assert_eq!(
            lines("\n\nSELECT 1", Dialect::Postgres, usize::MAX),
            [usize::MAX]
        );
    }

    #[test]
    fn crlf_line_breaks_count_once_and_are_kept_inside_statements() {
        let sql = "-- up\r\nCREATE TABLE a (\r\n  id int -- key\r\n);\r\n\r\nCREATE TABLE b (id int);\r\n";
        for d in ALL {
            let got = split(sql, d, 1);
            assert_eq!(
                got,
                [
                    Statement {
                        sql: "CREATE TABLE a (\r\n  id int -- key\r\n)".into(),
                        line: 2
                    },
                    Statement {
                        sql: "CREATE TABLE b (id int)".into(),
                        line: 6
                    },
                ],
                "{d:?}"
            );
        }
    }

    #[test]
    fn crlf_delimiter_lines_work() {
        let sql = "DELIMITER //\r\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\r\nDELIMITER ;\r\nCALL p();\r\n";
        let got = split(sql, Dialect::MySql, 1);
        assert_eq!(
            got,
            [
                Statement {
                    sql: "CREATE PROCEDURE p() BEGIN SELECT 1; END".into(),
                    line: 2
                },
                Statement {
                    sql: "CALL p()".into(),
                    line: 4
                },
            ]
        );
    }

    // --- robustness --------------------------------------------------------------------------

    const TRICKY: &str = "-- héad\r\n/* a /* nested */ ; */ SELECT 'it''s; \\' ok', E'\\';', \"q;\"\"\", `b;``t`, [x;y] -- c;\n\
        # hash; comment\nFROM t WHERE a $1 = $$ d; $$ AND $tag$ e; $$ $tag$;\n\
        DELIMITER //\nCREATE DEFINER=`r`@`%` TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN \
        IF NEW.a THEN SET NEW.b = CASE WHEN 1 THEN 2 END; END IF; l: LOOP LEAVE l; END LOOP l; END//\n\
        DELIMITER ;\nCREATE TRIGGER s AFTER INSERT ON y BEGIN SELECT CASE 1 WHEN 1 THEN 'ü' END; END;\n\
        CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT (1); END; BEGIN; 1--1; \u{feff}日本 /*! x */ '\\";

    #[test]
    fn no_prefix_of_a_tricky_input_makes_split_panic() {
        for d in ALL {
            for (i, _) in TRICKY.char_indices().chain([(TRICKY.len(), ' ')]) {
                let prefix = &TRICKY[..i];
                check_invariants(prefix, split(prefix, d, 1));
                let suffix = &TRICKY[i..];
                check_invariants(suffix, split(suffix, d, 1));
            }
        }
    }

    #[test]
    fn random_mixes_of_tricky_fragments_do_not_make_split_panic() {
        const FRAGMENTS: &[&str] = &[
            ";",
            "'",
            "''",
            "\"",
            "`",
            "[",
            "]",
            "$",
            "$$",
            "$a$",
            "$1",
            "E'",
            "\\",
            "--",
            "-- ",
            "#",
            "/*",
            "*/",
            "/*!",
            "\n",
            "\r\n",
            " ",
            "(",
            ")",
            ".",
            ",",
            "=",
            ":",
            "BEGIN",
            "END",
            "CASE",
            "IF",
            "LOOP",
            "WHILE",
            "REPEAT",
            "FOR",
            "NOT",
            "EXISTS",
            "ATOMIC",
            "CREATE",
            "TRIGGER",
            "PROCEDURE",
            "FUNCTION",
            "EVENT",
            "DEFINER",
            "ALTER",
            "DELIMITER",
            "DELIMITER //",
            "//",
            "x",
            "1",
            "é",
            "日",
            "\u{feff}",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let n = (next() % 40) as usize;
            let mut sql = String::new();
            for _ in 0..n {
                let i = (next() % FRAGMENTS.len() as u64) as usize;
                sql.push_str(FRAGMENTS[i]);
                if next() % 3 == 0 {
                    sql.push(' ');
                }
            }
            for d in ALL {
                check_invariants(&sql, split(&sql, d, 7));
            }
        }
    }

    /// Every statement is a non-empty, trimmed piece of the input, in order, with plausible lines.
    fn check_invariants(input: &str, got: Vec<Statement>) {
        let total_lines = input.matches('\n').count();
        let mut from = 0;
        let mut last_line = 0;
        for s in got {
            assert!(!s.sql.is_empty(), "{input:?}");
            assert_eq!(s.sql.trim(), s.sql);
            let at = input
                .get(from..)
                .and_then(|rest| rest.find(&s.sql))
                .map(|i| i + from);
            let Some(at) = at else {
                panic!("{:?} is not in order in {input:?}", s.sql);
            };
            from = at + s.sql.len();
            assert!(
                s.line >= last_line && s.line <= 1 + total_lines + 7,
                "{input:?}"
            );
            last_line = s.line;
        }
    }

    // --- split_checked ------------------------------------------------------------------------

    fn refused(sql: &str, d: Dialect) -> SplitError {
        match split_checked(sql, d, 10) {
            Err(e) => e,
            Ok(v) => panic!("{d:?}: {sql:?} was split into {v:?}"),
        }
    }

    #[test]
    fn unterminated_quotes_and_comments_are_refused_with_the_line_they_start_on() {
        for d in ALL {
            for (sql, kind) in [
                ("SELECT 1;\nSELECT 'oops;\nSELECT 2;", "quote"),
                ("SELECT 1;\nSELECT \"oops;\nSELECT 2;", "quote"),
                ("SELECT 1;\n/* never closed\nSELECT 2;", "comment"),
            ] {
                let e = refused(sql, d);
                assert_eq!(e.line, 11, "{d:?} {sql:?}");
                assert!(e.to_string().contains(kind), "{d:?}: {e}");
                assert!(e.to_string().starts_with("unterminated"), "{e}");
            }
        }
        assert_eq!(refused("SELECT 1;\nSELECT [a;", Dialect::Sqlite).line, 11);
        assert_eq!(refused("SELECT `a;", Dialect::MySql).line, 10);
        assert_eq!(refused("SELECT 'it\\'s;", Dialect::MySql).line, 10);
        assert_eq!(refused("SELECT E'it\\';", Dialect::Postgres).line, 10);
        assert_eq!(
            refused("/* a /* b */\nSELECT 1;", Dialect::Postgres).line,
            10
        );
        let e = refused(
            "SELECT 1;\n\nCREATE FUNCTION f() AS $body$ SELECT 1;",
            Dialect::Postgres,
        );
        assert_eq!(
            (e.line, e.kind),
            (12, Unterminated::DollarQuote("$body$".into()))
        );
    }

    #[test]
    fn an_unclosed_block_or_delimiter_is_refused_at_its_statement() {
        let e = refused(
            "SELECT 1;\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n  SELECT 1;\n",
            Dialect::Sqlite,
        );
        assert_eq!((e.line, e.kind), (11, Unterminated::Block));
        let e = refused(
            "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END;\n",
            Dialect::MySql,
        );
        assert_eq!((e.line, e.kind), (11, Unterminated::Delimiter("$$".into())));
    }

    #[test]
    fn well_formed_input_splits_as_split_does() {
        for (sql, d) in [
            ("SELECT 'a;b'; SELECT \"c\" -- end", Dialect::Postgres),
            (
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT $1;",
                Dialect::Postgres,
            ),
            ("/* a /* nested */ b */ SELECT 1;", Dialect::Postgres),
            ("SELECT '$$'; SELECT 1", Dialect::Postgres),
            (
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;\nSELECT [x] FROM a",
                Dialect::Sqlite,
            ),
            (
                "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\nSELECT 'it\\'s'; # c",
                Dialect::MySql,
            ),
            (
                "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\n",
                Dialect::MySql,
            ),
            ("/*!40101 SET NAMES utf8 */;", Dialect::MySql),
            ("", Dialect::Sqlite),
            // Transaction statements and CASE … END are no blocks, even last and unended.
            ("BEGIN;\nCREATE TABLE t (id int);\nCOMMIT", Dialect::Sqlite),
            ("BEGIN;\nSELECT 1;\nEND", Dialect::Postgres),
            ("BEGIN;\nSELECT 1;\nCOMMIT", Dialect::MySql),
            ("SELECT CASE WHEN 1 THEN 2 END", Dialect::Sqlite),
            ("SELECT CASE WHEN 1 THEN 2 END", Dialect::Postgres),
            ("SELECT CASE WHEN 1 THEN 2 END", Dialect::MySql),
            (
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT CASE WHEN 1 THEN 2 END; END",
                Dialect::Sqlite,
            ),
            (
                "CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; END",
                Dialect::MySql,
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
                Dialect::Postgres,
            ),
            ("SELECT 'it''s', \"a\"\"b\", $q$x$q$", Dialect::Postgres),
            ("SELECT 'a' -- it's", Dialect::Sqlite),
            ("SELECT 1 # it's", Dialect::MySql),
        ] {
            assert_eq!(
                split_checked(sql, d, 1),
                Ok(split(sql, d, 1)),
                "{d:?}: {sql:?}"
            );
        }
    }
}
