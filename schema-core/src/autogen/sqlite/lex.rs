// ---------------------------------------------------------------------------------------------
// The tokenizer for CREATE statements
// ---------------------------------------------------------------------------------------------

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

/// The tokens of `sql`, comments left out. An unterminated quote or comment runs to the end.
pub(super) fn tokenize(sql: &str) -> Vec<Tok> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let until = |from: usize, close: u8, doubled: bool| -> usize {
        let mut j = from;
        while j < b.len() {
            if b[j] == close {
                if doubled && b.get(j + 1) == Some(&close) {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j += 1;
        }
        b.len()
    };
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            _ if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
                continue;
            }
            b'\'' => {
                i = until(i + 1, b'\'', true);
                Kind::Str
            }
            b'"' | b'`' => {
                i = until(i + 1, c, true);
                Kind::Quoted
            }
            b'[' => {
                i = until(i + 1, b']', false);
                Kind::Quoted
            }
            b'(' => {
                i += 1;
                Kind::Open
            }
            b')' => {
                i += 1;
                Kind::Close
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            _ if c.is_ascii_digit()
                || c == b'.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit()) =>
            {
                while i < b.len() {
                    let d = b[i];
                    let exponent_sign = (d == b'+' || d == b'-') && matches!(b[i - 1], b'e' | b'E');
                    if d.is_ascii_alphanumeric() || d == b'.' || d == b'_' || exponent_sign {
                        i += 1;
                    } else {
                        break;
                    }
                }
                Kind::Num
            }
            _ if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || b[i] == b'_'
                        || b[i] == b'$'
                        || b[i] >= 0x80)
                {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                // One character (a multi-byte one whole).
                i += sql[i..].chars().next().map_or(1, char::len_utf8);
                Kind::Other
            }
        };
        out.push(Tok {
            kind,
            start,
            end: i.min(b.len()),
        });
    }
    out
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
