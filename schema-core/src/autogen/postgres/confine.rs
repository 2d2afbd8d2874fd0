//! What the declared schema may not do on PostgreSQL, beyond what every database refuses (see
//! [`crate::autogen::confine`]).

use std::borrow::Cow;

use crate::autogen::confine::{Stmt, T, outside};
use crate::backend::{Backend, Postgres};
use crate::split::{self, Tok};

/// A backslash outside strings is no PostgreSQL SQL: a psql meta-command (`\c devdb`),
/// wherever it is in the statement (after a comment, say).
pub(crate) fn meta_command(s: &Stmt) -> Option<String> {
    if !s.t.iter().any(|x| x.is_punct('\\')) {
        return None;
    }
    let command: String = s
        .sql
        .lines()
        .map(str::trim_start)
        .find(|l| l.starts_with('\\'))
        .unwrap_or("\\")
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    Some(format!(
        "`{command}` is a psql meta-command: the declared schema is SQL for the server, and may not leave its scratch database"
    ))
}

/// Why the statement `s`, whose first token is `first`, is refused on PostgreSQL.
pub(crate) fn refusal(s: &Stmt, first: &T) -> Option<String> {
    let t = &s.t;
    const TRANSACTION: &[&str] = &[
        "BEGIN",
        "START",
        "COMMIT",
        "END",
        "ROLLBACK",
        "ABORT",
        "SAVEPOINT",
        "RELEASE",
    ];
    if first.is_any(TRANSACTION) || s.pair("PREPARE", &["TRANSACTION"]).is_some() {
        return Some(format!(
            "`{}` is transaction control: the declared schema is loaded in one transaction, rolled back once it is read, so that it cannot change anything outside its scratch database",
            first.kw.as_deref().unwrap_or_default()
        ));
    }
    if first.is_any(&["COPY", "LOAD"]) {
        return outside(first.kw.clone().unwrap_or_default());
    }
    if let Some(found) = s
        .pair("ALTER", &["SYSTEM"])
        .or_else(|| s.after(&["CREATE", "DROP", "ALTER"], "TABLESPACE"))
        .or_else(|| s.pair("CREATE", &["ROLE", "USER", "GROUP", "SERVER"]))
        .or_else(|| s.pair("ALTER", &["ROLE", "USER", "GROUP", "SERVER"]))
        .or_else(|| s.pair("DROP", &["ROLE", "USER", "GROUP", "SERVER", "OWNED"]))
        .or_else(|| s.pair("REASSIGN", &["OWNED"]))
        .or_else(|| s.after(&["CREATE", "ALTER", "DROP"], "SUBSCRIPTION"))
    {
        return outside(found);
    }
    // Untrusted languages run code as the server's operating-system user.
    const UNTRUSTED: &[&str] = &["plpython3u", "plpythonu", "plpython2u", "plperlu", "pltclu"];
    if let Some(lang) = t
        .windows(2)
        .find(|w| {
            w[0].is("LANGUAGE") && w[1].name.as_deref().is_some_and(|n| UNTRUSTED.contains(&n))
        })
        .and_then(|w| w[1].name.clone())
    {
        return outside(format!("LANGUAGE {lang}"));
    }
    if first.is("CREATE")
        && let Some(found) = s.after(&["CREATE", "REPLACE", "TRUSTED", "PROCEDURAL"], "LANGUAGE")
    {
        return outside(found);
    }
    const EXTENSIONS: &[&str] = &[
        "dblink",
        "postgres_fdw",
        "file_fdw",
        "adminpack",
        "plpython3u",
        "plpythonu",
        "plpython2u",
        "plperlu",
        "pltclu",
    ];
    if first.is("CREATE")
        && let Some(i) = t.iter().position(|x| x.is("EXTENSION"))
        && let Some(name) = t[i + 1..]
            .iter()
            .filter(|x| !x.is_any(&["IF", "NOT", "EXISTS"]))
            .find_map(|x| x.name.clone())
        && EXTENSIONS.contains(&name.as_str())
    {
        return outside(format!("CREATE EXTENSION {name}"));
    }
    const FUNCTIONS: &[&str] = &[
        "lo_import",
        "lo_export",
        "pg_read_file",
        "pg_read_binary_file",
        "pg_ls_dir",
        "pg_stat_file",
        "pg_file_write",
        "pg_terminate_backend",
        "pg_cancel_backend",
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_promote",
    ];
    if let Some(f) = t.iter().filter_map(|x| x.kw.as_ref()).find_map(|k| {
        let k = k.to_ascii_lowercase();
        (FUNCTIONS.contains(&k.as_str()) || k.starts_with("dblink")).then_some(k)
    }) {
        return outside(f);
    }
    None
}

/// `sql` as PostgreSQL can run it inside the transaction the declared schema loads in: the
/// `CONCURRENTLY` of `CREATE/DROP INDEX CONCURRENTLY` and `REFRESH MATERIALIZED VIEW
/// CONCURRENTLY` (which a transaction refuses) left out, since on an empty scratch database
/// it changes nothing about the result. Anything else is returned as is.
#[must_use]
pub fn in_transaction(sql: &str) -> Cow<'_, str> {
    let toks = split::tokens(sql, Postgres::DIALECT);
    let word = |i: usize, kw: &str| matches!(toks.get(i), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw));
    let at = match () {
        () if word(0, "CREATE") && word(1, "INDEX") => Some(2),
        () if word(0, "CREATE") && word(1, "UNIQUE") && word(2, "INDEX") => Some(3),
        () if word(0, "DROP") && word(1, "INDEX") => Some(2),
        () if word(0, "REFRESH") && word(1, "MATERIALIZED") && word(2, "VIEW") => Some(3),
        () => None,
    };
    match at.and_then(|i| match toks.get(i) {
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("CONCURRENTLY") => Some(*w),
        _ => None,
    }) {
        Some(w) => {
            // The token is a slice of `sql`: its offset is where it starts.
            let start = w.as_ptr() as usize - sql.as_ptr() as usize;
            let end = start + w.len();
            Cow::Owned(format!("{}{}", &sql[..start], &sql[end..]))
        }
        None => Cow::Borrowed(sql),
    }
}
