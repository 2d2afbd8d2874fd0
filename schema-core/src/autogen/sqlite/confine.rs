//! What the declared schema may not do on SQLite, beyond what every database refuses (see
//! [`crate::autogen::confine`]).

use crate::autogen::confine::{Stmt, T, outside};

/// Why the statement `s`, whose first token is `first`, is refused on SQLite.
pub(crate) fn refusal(s: &Stmt, first: &T) -> Option<String> {
    let t = &s.t;
    if first.is_any(&["ATTACH", "DETACH"]) {
        return outside(first.kw.clone().unwrap_or_default());
    }
    if first.is("VACUUM") && t.iter().any(|x| x.is("INTO")) {
        return outside("VACUUM INTO".to_string());
    }
    if first.is("PRAGMA")
        && let Some(p) = t
            .iter()
            .find(|x| x.is_any(&["TEMP_STORE_DIRECTORY", "DATA_STORE_DIRECTORY"]))
    {
        return outside(format!("PRAGMA {}", p.name.as_deref().unwrap_or_default()));
    }
    if t.iter().any(|x| x.is("LOAD_EXTENSION")) {
        return outside("load_extension".to_string());
    }
    None
}
