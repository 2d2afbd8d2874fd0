//! SQLite: reading the schema from `sqlite_master` and the `pragma_*` table functions, and
//! rendering changes as SQLite statements.
//!
//! SQLite's `ALTER TABLE` only renames, adds and drops columns, so every other change to a
//! table (a column's type, nullability or default, keys, unique and check constraints) is done
//! by rebuilding the table with SQLite's documented recipe: create the new definition under a
//! temporary name, copy the rows, drop the old table, rename the new one, make its indexes
//! again. All the changes of one table become one rebuild, and a section holding a rebuild
//! starts with `PRAGMA foreign_keys = OFF` so that dropping the old table neither cascades nor
//! fails on the rows that reference it.
//!
//! SQLite keeps no catalog of CHECK constraints or AUTOINCREMENT: they are read from the
//! `CREATE TABLE` text with the splitter's lexer (quotes, comments, balanced parentheses), not a
//! parser.

mod confine;
mod introspect;
mod lex;
mod render;
#[cfg(test)]
mod tests;

pub use introspect::introspect;
pub use render::render;

use crate::db::Dialect;

const D: Dialect = <crate::backend::Sqlite as crate::backend::Backend>::DIALECT;

crate::autogen::autogen_backend!(crate::backend::Sqlite {
    const REBUILDS_DEPENDENT_KEYS: bool = false;
    const SCRATCH_GRANT: &'static str = "nothing (SQLite's is in memory)";
    // The catalog holds every object's own statement. One row: sqlx hands SQLite's rows over
    // one by one from its worker thread, which dominated `check --roundtrip` on 1,000
    // revisions.
    const FINGERPRINT: &'static str = "SELECT group_concat(o, char(10)) FROM (\
         SELECT type || ' ' || name || ' ' || tbl_name || ' ' || coalesce(sql, '') AS o \
         FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name)";
    const IDENT_QUOTES: &'static [char] = &['"', '`', '['];
});
