//! What the declared schema may not do on MySQL/MariaDB, beyond what every database refuses (see
//! [`crate::autogen::confine`]).

use crate::autogen::confine::{Stmt, T, outside};

/// Why the statement `s`, whose first token is `first`, is refused on MySQL/MariaDB.
pub(crate) fn refusal(s: &Stmt, first: &T) -> Option<String> {
    let t = &s.t;
    if first.is("USE") {
        let db = t.get(1).and_then(|x| x.name.clone()).unwrap_or_default();
        return Some(format!(
            "`USE {db}` switches to another database: the declared schema may change its scratch database and nothing else"
        ));
    }
    if let Some(found) = s
        .after(&["CREATE", "DROP", "ALTER", "REPLACE"], "SCHEMA")
        .or_else(|| {
            s.after(&["CREATE", "DROP", "ALTER", "RENAME"], "USER")
                .or_else(|| s.after(&["CREATE", "DROP", "SET"], "ROLE"))
                .or_else(|| s.pair("SET", &["PASSWORD"]))
                .or_else(|| s.pair("CREATE", &["SERVER"]))
                .or_else(|| s.pair("LOAD", &["DATA", "XML", "INDEX"]))
                .or_else(|| s.pair("INTO", &["OUTFILE", "DUMPFILE"]))
        })
    {
        return outside(found);
    }
    const FIRST: &[&str] = &[
        "GRANT",
        "REVOKE",
        "FLUSH",
        "KILL",
        "SHUTDOWN",
        "INSTALL",
        "UNINSTALL",
        "PURGE",
        "RESET",
        "CHANGE",
        "START",
        "STOP",
    ];
    if first.is_any(FIRST) {
        return outside(first.kw.clone().unwrap_or_default());
    }
    // A function from a shared library runs code in the server.
    if t.iter().any(|x| x.is("SONAME")) {
        return outside("CREATE FUNCTION … SONAME".to_string());
    }
    const ANYWHERE: &[&str] = &["PREPARE", "EXECUTE", "DEALLOCATE", "LOAD_FILE"];
    if let Some(k) = t.iter().find(|x| x.is_any(ANYWHERE)) {
        return Some(format!(
            "`{}` runs SQL (or reads a file) this check cannot see: the declared schema may change its scratch database and nothing else",
            k.kw.as_deref().unwrap_or_default()
        ));
    }
    let global = t.windows(3).any(|w| {
        w[0].is_punct('@')
            && w[1].is_punct('@')
            && w[2].is_any(&["GLOBAL", "PERSIST", "PERSIST_ONLY"])
    }) || (first.is("SET")
        && t.iter()
            .any(|x| x.is_any(&["GLOBAL", "PERSIST", "PERSIST_ONLY"])));
    if global {
        return outside("SET GLOBAL".to_string());
    }
    if let Some(engine) = t
        .windows(3)
        .find(|w| w[0].is("ENGINE") && w[1].is_punct('=') && w[2].is_any(&["FEDERATED", "CONNECT"]))
        .or_else(|| {
            t.windows(2)
                .find(|w| w[0].is("ENGINE") && w[1].is_any(&["FEDERATED", "CONNECT"]))
        })
        .and_then(|w| w.last())
        .and_then(|x| x.kw.clone())
    {
        return outside(format!("ENGINE={engine}"));
    }
    // `devdb.users`: the first name of a dotted chain, when it is another database.
    for (i, x) in t.iter().enumerate() {
        let preceded_by_dot = i > 0 && t[i - 1].is_punct('.');
        let followed_by_dot = t.get(i + 1).is_some_and(|n| n.is_punct('.'));
        if !preceded_by_dot
            && followed_by_dot
            && let Some(name) = &x.name
            && s.databases.contains(name)
        {
            return Some(format!(
                "`{name}.…` names the database `{name}`: the declared schema may change its scratch database and nothing else"
            ));
        }
    }
    None
}
