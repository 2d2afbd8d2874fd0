//! The tokens of SQLite's `CREATE` statements (SQLite keeps no catalog of CHECK constraints,
//! collations or AUTOINCREMENT, and index and view texts are read back from `sqlite_master`):
//! the splitter's lexer, with the small helpers the readers need (unquoting, balanced
//! parentheses, comments taken out).

use crate::split::{self, Tok as Lexed};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Word,
    /// `"x"`, `` `x` ``, `[x]`
    Quoted,
    /// `'x'`
    Str,
    Num,
    Open,
    Close,
    Comma,
    Other,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Tok {
    pub(super) kind: Kind,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// The tokens of `sql`, comments left out, as the splitter's lexer reads SQLite
/// ([`split::token_spans`]): quotes, comments and `[x]` by the same rules as revision files.
/// An unterminated quote or comment runs to the end. The lexer gives a number such as `1.5`,
/// `.5` or `1e-3` in pieces; here it is one [`Kind::Num`].
pub(super) fn tokenize(sql: &str) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::new();
    for (lexed, span) in split::token_spans(sql, super::D) {
        let kind = match lexed {
            Lexed::Word(w) if w.starts_with(|c: char| c.is_ascii_digit()) => Kind::Num,
            Lexed::Word(_) => Kind::Word,
            Lexed::Quoted(q) if q.starts_with('\'') => Kind::Str,
            Lexed::Quoted(_) => Kind::Quoted,
            Lexed::Punct('(') => Kind::Open,
            Lexed::Punct(')') => Kind::Close,
            Lexed::Punct(',') => Kind::Comma,
            Lexed::Punct(_) => Kind::Other,
        };
        if let Some(last) = out.last_mut()
            && last.end == span.start
            && continues_number(sql, last, kind, &sql[span.clone()])
        {
            last.kind = Kind::Num;
            last.end = span.end;
            continue;
        }
        out.push(Tok {
            kind,
            start: span.start,
            end: span.end,
        });
    }
    out
}

/// Whether a token of `kind` reading `text`, right after `last`, is more of a number: the
/// fraction and exponent of `1.5e-3`, or the digits of `.5`.
fn continues_number(sql: &str, last: &Tok, kind: Kind, text: &str) -> bool {
    match last.kind {
        Kind::Num => {
            matches!(kind, Kind::Num | Kind::Word)
                || text == "."
                || matches!(text, "+" | "-") && sql[..last.end].ends_with(['e', 'E'])
        }
        Kind::Other => kind == Kind::Num && &sql[last.start..last.end] == ".",
        _ => false,
    }
}

pub(super) fn is_word(sql: &str, t: &Tok, word: &str) -> bool {
    t.kind == Kind::Word && sql[t.start..t.end].eq_ignore_ascii_case(word)
}

/// An identifier without its quotes.
pub(super) fn unquote(text: &str) -> String {
    let inner = |s: &str| {
        s.get(1..s.len().saturating_sub(1))
            .unwrap_or("")
            .to_string()
    };
    match text.as_bytes().first() {
        Some(b'"') => inner(text).replace("\"\"", "\""),
        Some(b'`') => inner(text).replace("``", "`"),
        Some(b'[') => inner(text),
        _ => text.to_string(),
    }
}

/// The index of the `)` that closes the `(` at `open`, or the last token.
pub(super) fn matching(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    toks.len().saturating_sub(1)
}

/// `text` with its comments taken out (each replaced by a space, so that a `--` comment can
/// never swallow what a statement is followed by), trimmed. Text without comments is kept as
/// it is.
pub(super) fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    let mut last = 0;
    for t in tokenize(text) {
        let gap = &text[last..t.start];
        if gap.contains("--") || gap.contains("/*") {
            out.push(' ');
        } else {
            out.push_str(gap);
        }
        out.push_str(&text[t.start..t.end]);
        last = t.end;
    }
    out.trim().to_string()
}
