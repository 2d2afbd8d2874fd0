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
pub use crate::backend::Dialect;

mod lexer;
#[cfg(test)]
mod tests;

use lexer::{Kind, Lexer, Token};
pub use lexer::{Tok, token_spans, tokens};

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
            // `BEGIN` and `CASE` open blocks as they do on SQLite.
            _ => return self.block_sqlite(st, tok, kw),
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
