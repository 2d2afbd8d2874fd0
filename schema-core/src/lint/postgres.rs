//! The PostgreSQL observer: runs a section statement by statement on the rehearsal database
//! and reads, on the same session after each one, what it did.
//!
//! - `pg_locks` of `pg_backend_pid()`: the relation locks the statement added;
//! - `pg_class.relfilenode` of every table: a new one means the table was rewritten;
//! - `pg_constraint`: constraints added, validated or not, and the index they use;
//! - `pg_index`: indexes built or dropped;
//! - `pg_attribute`: columns added, renamed, dropped, made NOT NULL;
//! - `current_setting('lock_timeout')`.
//!
//! Only objects that existed before the revision count for the lock rules: a table created in
//! the same revision has no traffic yet. In a revision that runs outside a transaction, each
//! statement runs in a transaction of its own (so its locks can be read before they are
//! released), except one PostgreSQL refuses in a transaction (`CREATE INDEX CONCURRENTLY`),
//! which runs as it is; in a revision that runs in one, each statement runs under a savepoint
//! so that one refused inside a transaction is reported and the next ones still observed.

use std::collections::{BTreeMap, BTreeSet};

use super::Observed;
use crate::backend::Timeouts;
use crate::db::{Conn, DbError, Dialect};
use crate::split::Statement;

/// A table or index.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rel {
    name: String,
    /// `r` table, `p` partitioned table, `m` materialized view, `i`/`I` index.
    kind: String,
    filenode: String,
}

impl Rel {
    fn is_table(&self) -> bool {
        matches!(self.kind.as_str(), "r" | "p" | "m")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Col {
    name: String,
    not_null: bool,
    has_default: bool,
    dropped: bool,
    /// An identity or generated column: it needs no default.
    generated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Con {
    name: String,
    table: String,
    /// `f` foreign key, `c` check, `u` unique, `p` primary key, `x` exclusion.
    kind: String,
    validated: bool,
    index: String,
    keys: Vec<String>,
    definition: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Idx {
    table: String,
    keys: Vec<String>,
}

/// The user schemas' catalogs at one moment, by oid.
#[derive(Debug, Clone, Default)]
struct Snapshot {
    rels: BTreeMap<String, Rel>,
    cols: BTreeMap<(String, String), Col>,
    cons: BTreeMap<String, Con>,
    idx: BTreeMap<String, Idx>,
}

const USER_SCHEMAS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

fn text(row: &[Option<String>], i: usize) -> String {
    row.get(i).cloned().flatten().unwrap_or_default()
}

fn flag(row: &[Option<String>], i: usize) -> bool {
    matches!(text(row, i).as_str(), "true" | "t")
}

/// `{1,2}` (an array) or `1 2` (an int2vector) as its numbers.
fn numbers(s: &str) -> Vec<String> {
    s.trim_matches(|c| c == '{' || c == '}')
        .split([',', ' '])
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// The rows of `sql`, each made by `make` and keyed by its first column (an oid).
async fn by_oid<T>(
    conn: &mut Conn,
    sql: &str,
    make: impl Fn(&[Option<String>]) -> T,
) -> Result<BTreeMap<String, T>, DbError> {
    Ok(conn
        .fetch_strings(sql)
        .await?
        .iter()
        .map(|row| (text(row, 0), make(row)))
        .collect())
}

async fn snapshot(conn: &mut Conn) -> Result<Snapshot, DbError> {
    let mut s = Snapshot::default();
    let sql = format!(
        "SELECT c.oid::text, CASE WHEN n.nspname = 'public' THEN c.relname::text \
         ELSE n.nspname || '.' || c.relname END, c.relkind::text, c.relfilenode::text \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p', 'm', 'i', 'I') AND {USER_SCHEMAS}"
    );
    s.rels = by_oid(conn, &sql, |row| Rel {
        name: text(row, 1),
        kind: text(row, 2),
        filenode: text(row, 3),
    })
    .await?;
    let sql = format!(
        "SELECT a.attrelid::text, a.attnum::text, a.attname::text, a.attnotnull::text, \
         a.atthasdef::text, a.attisdropped::text, \
         (a.attidentity <> '' OR a.attgenerated <> '')::text \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND {USER_SCHEMAS}"
    );
    for row in conn.fetch_strings(&sql).await? {
        s.cols.insert(
            (text(&row, 0), text(&row, 1)),
            Col {
                name: text(&row, 2),
                not_null: flag(&row, 3),
                has_default: flag(&row, 4),
                dropped: flag(&row, 5),
                generated: flag(&row, 6),
            },
        );
    }
    let sql = format!(
        "SELECT co.oid::text, co.conname::text, co.conrelid::text, co.contype::text, \
         co.convalidated::text, co.conindid::text, COALESCE(co.conkey::text, ''), \
         pg_get_constraintdef(co.oid) \
         FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {USER_SCHEMAS}"
    );
    s.cons = by_oid(conn, &sql, |row| Con {
        name: text(row, 1),
        table: text(row, 2),
        kind: text(row, 3),
        validated: flag(row, 4),
        index: text(row, 5),
        keys: numbers(&text(row, 6)),
        definition: text(row, 7),
    })
    .await?;
    let sql = format!(
        "SELECT i.indexrelid::text, i.indrelid::text, i.indkey::text \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {USER_SCHEMAS}"
    );
    s.idx = by_oid(conn, &sql, |row| Idx {
        table: text(row, 1),
        keys: numbers(&text(row, 2)),
    })
    .await?;
    Ok(s)
}

/// The relation locks this session holds: (relation oid, mode).
async fn locks(conn: &mut Conn) -> Result<BTreeSet<(String, String)>, DbError> {
    let sql = "SELECT relation::text, mode FROM pg_locks \
               WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted";
    Ok(conn
        .fetch_strings(sql)
        .await?
        .into_iter()
        .map(|row| (text(&row, 0), text(&row, 1)))
        .collect())
}

/// The lock modes, weakest first, as `pg_locks` names them and as the documentation does.
const MODES: &[(&str, &str)] = &[
    ("AccessShareLock", "ACCESS SHARE"),
    ("RowShareLock", "ROW SHARE"),
    ("RowExclusiveLock", "ROW EXCLUSIVE"),
    ("ShareUpdateExclusiveLock", "SHARE UPDATE EXCLUSIVE"),
    ("ShareLock", "SHARE"),
    ("ShareRowExclusiveLock", "SHARE ROW EXCLUSIVE"),
    ("ExclusiveLock", "EXCLUSIVE"),
    ("AccessExclusiveLock", "ACCESS EXCLUSIVE"),
];

fn strength(mode: &str) -> usize {
    MODES.iter().position(|(m, _)| *m == mode).unwrap_or(0)
}

fn mode_name(mode: &str) -> &str {
    MODES
        .iter()
        .find(|(m, _)| *m == mode)
        .map_or(mode, |(_, n)| n)
}

/// What waits while a mode is held.
fn who_waits(mode: &str) -> &'static str {
    match strength(mode) {
        0..=3 => "schema changes wait",
        4..=6 => "writes wait",
        _ => "reads and writes wait",
    }
}

const SHARE: usize = 4;
const ACCESS_EXCLUSIVE: usize = 7;

/// The statement's first words (`CREATE INDEX`, `ALTER TABLE`), for messages.
fn verb(sql: &str) -> String {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(3)
        .map(str::to_ascii_uppercase)
        .collect();
    match words.as_slice() {
        [a, b, c, ..] if b == "UNIQUE" || b == "OR" => format!("{a} {b} {c}"),
        [a, b, ..] => format!("{a} {b}"),
        [a] => a.clone(),
        [] => String::new(),
    }
}

/// `users_email_idx` from `CREATE INDEX users_email_idx ON …`, for suggestions; `NAME`
/// otherwise.
fn index_name(sql: &str) -> String {
    let words: Vec<&str> = sql.split_whitespace().collect();
    let on = words.iter().position(|w| w.eq_ignore_ascii_case("ON"));
    match on {
        Some(i) if i >= 1 => {
            let w = words[i - 1];
            if w.eq_ignore_ascii_case("INDEX") || w.eq_ignore_ascii_case("EXISTS") {
                "NAME".to_string()
            } else {
                w.to_string()
            }
        }
        _ => "NAME".to_string(),
    }
}

fn sqlstate(e: &sqlx::Error) -> Option<String> {
    e.as_database_error()
        .and_then(|d| d.code())
        .map(|c| c.into_owned())
}

const NO_TRANSACTION: &str = "`-- migrate:up transaction:false`";

/// Runs `statements` and says what each did, with `timeouts` set as the runner sets them:
/// `SET LOCAL` in the revision's transaction, for the session when it runs outside one.
pub(super) async fn observe(
    conn: &mut Conn,
    statements: &[Statement],
    transactional: bool,
    timeouts: Timeouts,
    rollback: bool,
) -> Result<Vec<Observed>, DbError> {
    let start = snapshot(conn).await?;
    let mut prev = start.clone();
    let mut held = BTreeSet::new();
    let mut out = Vec::new();
    let mut seen = Seen::default();
    // Where each constraint added by the revision was added.
    let mut added_at: BTreeMap<String, usize> = BTreeMap::new();
    if !transactional {
        set_timeouts(conn, timeouts, false).await?;
    }
    exec(conn, "BEGIN").await?;
    if transactional {
        set_timeouts(conn, timeouts, true).await?;
    }
    for (k, st) in statements.iter().enumerate() {
        exec(conn, "SAVEPOINT cargo_schema_lint").await?;
        let ran = conn.execute(&st.sql).await;
        let mut outside = false;
        if let Err(e) = ran {
            exec(conn, "ROLLBACK TO SAVEPOINT cargo_schema_lint").await?;
            if sqlstate(&e).as_deref() == Some("25001") {
                if transactional {
                    out.push(Observed {
                        rule: "concurrent-index-in-transaction",
                        line: st.line,
                        message: format!(
                            "{} cannot run inside a transaction, and this revision runs in one: it fails ({})",
                            verb(&st.sql),
                            super::rehearse::message(&e)
                        ),
                        help: vec![format!(
                            "move it to a revision of its own whose up section is {NO_TRANSACTION}"
                        )],
                    });
                    continue;
                }
                // Outside a transaction, as the runner runs it.
                exec(conn, "COMMIT").await?;
                outside = true;
                if let Err(e) = conn.execute(&st.sql).await {
                    out.push(fails(st, &e));
                    return Ok(out);
                }
            } else {
                out.push(fails(st, &e));
                let _ = conn.execute("ROLLBACK").await;
                return Ok(out);
            }
        }
        let now = if outside {
            BTreeSet::new()
        } else {
            locks(conn).await?
        };
        let added: BTreeSet<(String, String)> = now.difference(&held).cloned().collect();
        let timeout = text(
            conn.fetch_strings("SELECT current_setting('lock_timeout')")
                .await?
                .first()
                .map_or(&[][..], |r| &r[..]),
            0,
        );
        let after = snapshot(conn).await?;
        for oid in after.cons.keys() {
            if !prev.cons.contains_key(oid) {
                added_at.insert(oid.clone(), st.line);
            }
        }
        let step = Step {
            start: &start,
            prev: &prev,
            after: &after,
            added: &added,
            held: &now,
            timeout: &timeout,
            st,
            later: statements.len() - k - 1,
            transactional,
        };
        step.rules(&mut seen, &mut out);
        if outside {
            exec(conn, "BEGIN").await?;
            held.clear();
        } else if transactional {
            exec(conn, "RELEASE SAVEPOINT cargo_schema_lint").await?;
            held = now;
        } else {
            // Each statement of a revision outside a transaction commits on its own.
            if let Err(e) = conn.execute("COMMIT").await {
                out.push(fails(st, &e));
                return Ok(out);
            }
            exec(conn, "BEGIN").await?;
            held.clear();
        }
        prev = after;
    }
    // Deferred constraints are checked at COMMIT; a rehearsal that is rolled back checks
    // them here.
    let end = if rollback {
        "SET CONSTRAINTS ALL IMMEDIATE"
    } else {
        "COMMIT"
    };
    if let Err(e) = conn.execute(end).await
        && let Some(last) = statements.last()
    {
        out.push(fails(last, &e));
        return Ok(out);
    }
    fk_without_index(&start, &prev, &added_at, &mut out);
    out.sort_by_key(|o| o.line);
    Ok(out)
}

/// The runner's timeout settings ([`crate::backend::Backend::set_timeouts`]; PostgreSQL
/// spells each one way).
async fn set_timeouts(conn: &mut Conn, timeouts: Timeouts, local: bool) -> Result<(), DbError> {
    for spellings in Dialect::Postgres.set_timeouts(timeouts, local) {
        for sql in spellings.iter().take(1) {
            exec(conn, sql).await?;
        }
    }
    Ok(())
}

async fn exec(conn: &mut Conn, sql: &str) -> Result<(), DbError> {
    conn.execute(sql).await.map_err(|e| DbError::query(e, sql))
}

fn fails(st: &Statement, e: &sqlx::Error) -> Observed {
    super::statement_fails(st.line, &verb(&st.sql), e)
}

/// What has been reported once per revision already.
#[derive(Default)]
struct Seen {
    /// Tables reported as held ACCESS EXCLUSIVE.
    held: BTreeSet<String>,
    timeout: bool,
}

/// One statement's before and after.
struct Step<'a> {
    start: &'a Snapshot,
    prev: &'a Snapshot,
    after: &'a Snapshot,
    added: &'a BTreeSet<(String, String)>,
    /// Every relation lock the session holds after it (in a transaction, earlier ones too).
    held: &'a BTreeSet<(String, String)>,
    timeout: &'a str,
    st: &'a Statement,
    /// How many statements follow in the section.
    later: usize,
    transactional: bool,
}

impl Step<'_> {
    /// A table that existed before the revision (and so has traffic).
    fn existing_table(&self, oid: &str) -> bool {
        self.start.rels.get(oid).is_some_and(Rel::is_table)
    }

    fn name(&self, oid: &str) -> String {
        [self.after, self.prev, self.start]
            .iter()
            .find_map(|s| s.rels.get(oid))
            .map_or_else(|| format!("oid {oid}"), |r| r.name.clone())
    }

    /// The strongest lock held on `oid` after the statement.
    fn lock_on(&self, oid: &str) -> Option<&str> {
        self.held
            .iter()
            .filter(|(r, _)| r == oid)
            .map(|(_, m)| m.as_str())
            .max_by_key(|m| strength(m))
    }

    fn push(
        &self,
        out: &mut Vec<Observed>,
        rule: &'static str,
        message: String,
        help: Vec<String>,
    ) {
        out.push(Observed {
            rule,
            line: self.st.line,
            message,
            help,
        });
    }

    fn rules(&self, seen: &mut Seen, out: &mut Vec<Observed>) {
        self.indexes(out);
        self.rewrites(out);
        self.columns(out);
        self.constraints(out);
        self.tables(out);
        self.locks(seen, out);
    }

    /// Whether the table's storage was replaced by this statement (its indexes are rebuilt
    /// with it: table-rewrite's finding).
    fn rewritten(&self, oid: &str) -> bool {
        match (self.prev.rels.get(oid), self.after.rels.get(oid)) {
            (Some(a), Some(b)) => a.filenode != b.filenode,
            _ => false,
        }
    }

    /// Index names both dropped and created by this statement: rebuilt (a column's type
    /// changed), not built or dropped by the author.
    fn rebuilt(&self) -> BTreeSet<String> {
        let gone: BTreeSet<&str> = self
            .prev
            .idx
            .keys()
            .filter(|o| !self.after.idx.contains_key(*o))
            .filter_map(|o| self.prev.rels.get(o).map(|r| r.name.as_str()))
            .collect();
        self.after
            .idx
            .keys()
            .filter(|o| !self.prev.idx.contains_key(*o))
            .filter_map(|o| self.after.rels.get(o).map(|r| r.name.clone()))
            .filter(|n| gone.contains(n.as_str()))
            .collect()
    }

    fn indexes(&self, out: &mut Vec<Observed>) {
        let verb = verb(&self.st.sql);
        let rebuilt = self.rebuilt();
        let rebuilt_or_rewritten =
            |oid: &str, table: &str| self.rewritten(table) || rebuilt.contains(&self.name(oid));
        let backing: BTreeSet<&str> = self
            .after
            .cons
            .values()
            .chain(self.prev.cons.values())
            .map(|c| c.index.as_str())
            .collect();
        for (oid, idx) in &self.after.idx {
            if self.prev.idx.contains_key(oid)
                || !self.existing_table(&idx.table)
                || backing.contains(oid.as_str())
                || rebuilt_or_rewritten(oid, &idx.table)
            {
                continue;
            }
            let Some(mode) = self.lock_on(&idx.table) else {
                continue;
            };
            if strength(mode) < SHARE {
                continue;
            }
            let table = self.name(&idx.table);
            self.push(
                out,
                "require-concurrent-index",
                format!(
                    "{verb} on `{table}` takes {} on `{table}` ({} until it ends)",
                    mode_name(mode),
                    who_waits(mode)
                ),
                vec![format!(
                    "CREATE INDEX CONCURRENTLY {} ON {table} (…) in a revision of its own whose up section is {NO_TRANSACTION}",
                    index_name(&self.st.sql)
                )],
            );
        }
        for (oid, idx) in &self.prev.idx {
            if self.after.idx.contains_key(oid)
                || !self.start.idx.contains_key(oid)
                || !self.after.rels.contains_key(&idx.table)
                || !self.existing_table(&idx.table)
                || backing.contains(oid.as_str())
                || rebuilt_or_rewritten(oid, &idx.table)
            {
                continue;
            }
            // A column dropped with its index is drop-column's.
            let column_dropped = idx.keys.iter().any(|k| {
                self.after
                    .cols
                    .get(&(idx.table.clone(), k.clone()))
                    .is_none_or(|c| c.dropped)
            });
            let Some(mode) = self.lock_on(&idx.table) else {
                continue;
            };
            if column_dropped || strength(mode) < ACCESS_EXCLUSIVE {
                continue;
            }
            let (index, table) = (self.name(oid), self.name(&idx.table));
            self.push(
                out,
                "require-concurrent-index-drop",
                format!(
                    "DROP INDEX `{index}` takes ACCESS EXCLUSIVE on `{table}` (reads and writes wait until it ends)"
                ),
                vec![format!(
                    "DROP INDEX CONCURRENTLY {index} in a revision of its own whose up section is {NO_TRANSACTION}"
                )],
            );
        }
    }

    fn rewrites(&self, out: &mut Vec<Observed>) {
        for (oid, rel) in &self.after.rels {
            if !rel.is_table() || !self.existing_table(oid) {
                continue;
            }
            let Some(before) = self.prev.rels.get(oid) else {
                continue;
            };
            if before.filenode == rel.filenode {
                continue;
            }
            let mode = self.lock_on(oid).unwrap_or("AccessExclusiveLock");
            self.push(
                out,
                "table-rewrite",
                format!(
                    "{} rewrites `{}` under {} ({} until every row is copied and every index rebuilt)",
                    verb(&self.st.sql),
                    rel.name,
                    mode_name(mode),
                    who_waits(mode)
                ),
                vec![
                    "a type change to a binary-compatible type (varchar(n) to text or to a larger n) does not rewrite; otherwise add a new column, backfill it in batches, and switch over in later revisions".to_string(),
                    "a new column with a volatile default (random(), clock_timestamp()) rewrites: add it without the default, then SET DEFAULT and backfill".to_string(),
                ],
            );
        }
    }

    fn columns(&self, out: &mut Vec<Observed>) {
        for ((table, num), col) in &self.after.cols {
            if !self.existing_table(table) || col.dropped {
                continue;
            }
            let name = self.name(table);
            match self.prev.cols.get(&(table.clone(), num.clone())) {
                // Added by this statement.
                None => {
                    if col.not_null && !col.has_default && !col.generated {
                        self.push(
                            out,
                            "not-null-without-default",
                            format!(
                                "{} adds `{name}`.`{}` NOT NULL without a default: it fails as soon as `{name}` has a row",
                                verb(&self.st.sql),
                                col.name
                            ),
                            vec![
                                "add it with a DEFAULT, or nullable, backfill it, and make it NOT NULL later (see set-not-null-scan)".to_string(),
                            ],
                        );
                    }
                }
                Some(before) => {
                    if !before.not_null
                        && col.not_null
                        && self.start.cols.contains_key(&(table.clone(), num.clone()))
                        && !self.checked_not_null(table, &col.name)
                    {
                        let check = format!("{}_{}_not_null", name.replace('.', "_"), col.name);
                        self.push(
                            out,
                            "set-not-null-scan",
                            format!(
                                "SET NOT NULL on `{name}`.`{}` scans the whole table under ACCESS EXCLUSIVE (reads and writes wait until it ends)",
                                col.name
                            ),
                            vec![format!(
                                "ALTER TABLE {name} ADD CONSTRAINT {check} CHECK ({} IS NOT NULL) NOT VALID; then in a later revision ALTER TABLE {name} VALIDATE CONSTRAINT {check}; then SET NOT NULL (the validated check spares the scan) and drop the check",
                                col.name
                            )],
                        );
                    }
                    if self.start.cols.contains_key(&(table.clone(), num.clone()))
                        && before.name != col.name
                        && !before.dropped
                    {
                        self.push(
                            out,
                            "rename-column",
                            format!(
                                "`{name}`.`{}` is renamed to `{}`: running code that uses the old name fails",
                                before.name, col.name
                            ),
                            vec!["add the new column beside the old one, write both from the code, backfill, switch reads over, then drop the old column in a later revision".into()],
                        );
                    }
                }
            }
        }
        for ((table, num), before) in &self.prev.cols {
            let now = self.after.cols.get(&(table.clone(), num.clone()));
            if before.dropped
                || !self.existing_table(table)
                || !self.after.rels.contains_key(table)
                || !self.start.cols.contains_key(&(table.clone(), num.clone()))
                || now.is_some_and(|c| !c.dropped)
            {
                continue;
            }
            self.push(
                out,
                "drop-column",
                format!(
                    "`{}`.`{}` is dropped: running code that still reads or writes it fails",
                    self.name(table),
                    before.name
                ),
                vec!["deploy code that no longer uses the column first, then drop it in a later revision".into()],
            );
        }
    }

    /// Whether a validated `CHECK (col IS NOT NULL)` already stood on the table (PostgreSQL
    /// then skips the scan of SET NOT NULL).
    fn checked_not_null(&self, table: &str, column: &str) -> bool {
        let want = [
            format!("CHECK ((({column} IS NOT NULL))"),
            format!("CHECK (({column} IS NOT NULL))"),
            format!("CHECK ((\"{column}\" IS NOT NULL))"),
        ];
        self.prev.cons.values().any(|c| {
            c.table == table
                && c.kind == "c"
                && c.validated
                && want.iter().any(|w| c.definition.starts_with(w.as_str()))
        })
    }

    fn constraints(&self, out: &mut Vec<Observed>) {
        for (oid, con) in &self.after.cons {
            if !self.existing_table(&con.table) || self.start.cons.contains_key(oid) {
                continue;
            }
            let before = self.prev.cons.get(oid);
            let table = self.name(&con.table);
            match con.kind.as_str() {
                "f" | "c" => {
                    // Added validated now, or added earlier in this transaction and validated now.
                    let validated_now = con.validated
                        && match before {
                            None => true,
                            Some(b) => !b.validated && self.transactional,
                        };
                    if !validated_now {
                        continue;
                    }
                    let kind = if con.kind == "f" {
                        "FOREIGN KEY"
                    } else {
                        "CHECK"
                    };
                    let mode = self.lock_on(&con.table).unwrap_or("AccessExclusiveLock");
                    self.push(
                        out,
                        "constraint-missing-not-valid",
                        format!(
                            "{kind} `{}` on `{table}` is validated at once: every row is checked while {} is held on `{table}` ({} until it ends)",
                            con.name,
                            mode_name(mode),
                            who_waits(mode)
                        ),
                        vec![format!(
                            "add it with NOT VALID, then `ALTER TABLE {table} VALIDATE CONSTRAINT {}` in a later revision (it takes SHARE UPDATE EXCLUSIVE: reads and writes go on)",
                            con.name
                        )],
                    );
                }
                "u" | "p" if before.is_none() && !self.prev.idx.contains_key(&con.index) => {
                    let kind = if con.kind == "u" {
                        "UNIQUE"
                    } else {
                        "PRIMARY KEY"
                    };
                    self.push(
                        out,
                        "unique-constraint-without-index",
                        format!(
                            "{kind} `{}` on `{table}` builds its index under ACCESS EXCLUSIVE (reads and writes wait until it ends)",
                            con.name
                        ),
                        vec![format!(
                            "CREATE UNIQUE INDEX CONCURRENTLY {0} ON {table} (…) in a revision whose up section is {NO_TRANSACTION}, then `ALTER TABLE {table} ADD CONSTRAINT {0} {kind} USING INDEX {0}`",
                            con.name
                        )],
                    );
                }
                _ => {}
            }
        }
    }

    fn tables(&self, out: &mut Vec<Observed>) {
        for (oid, before) in &self.prev.rels {
            if !before.is_table() || !self.existing_table(oid) {
                continue;
            }
            match self.after.rels.get(oid) {
                None => self.push(
                    out,
                    "drop-table",
                    format!(
                        "`{}` is dropped: running code that still uses it fails",
                        before.name
                    ),
                    vec!["deploy code that no longer uses the table first, then drop it in a later revision".into()],
                ),
                Some(now) if now.name != before.name => self.push(
                    out,
                    "rename-table",
                    format!(
                        "`{}` is renamed to `{}`: running code that uses the old name fails",
                        before.name, now.name
                    ),
                    vec![format!(
                        "rename it and create a view `{}` over it (`CREATE VIEW {} AS SELECT * FROM {}`) until the code uses the new name",
                        before.name, before.name, now.name
                    )],
                ),
                Some(_) => {}
            }
        }
    }

    fn locks(&self, seen: &mut Seen, out: &mut Vec<Observed>) {
        let strong: Vec<(&str, &str)> = self
            .added
            .iter()
            .filter(|(oid, mode)| self.existing_table(oid) && strength(mode) >= SHARE)
            .map(|(oid, mode)| (oid.as_str(), mode.as_str()))
            .collect();
        if !seen.timeout
            && self.timeout == "0"
            && let Some(&(oid, mode)) = strong.iter().max_by_key(|(_, m)| strength(m))
        {
            seen.timeout = true;
            let table = self.name(oid);
            self.push(
                out,
                "missing-lock-timeout",
                format!(
                    "{} waits for {} on `{table}` with no lock timeout: behind a long transaction it queues every query on `{table}` for as long as it waits",
                    verb(&self.st.sql),
                    mode_name(mode)
                ),
                vec![
                    "`SET lock_timeout = '2s';` at the top of the up section (`SET LOCAL` in a transaction), and run the revision again when it times out".to_string(),
                ],
            );
        }
        if !self.transactional || self.later == 0 {
            return;
        }
        for &(oid, mode) in &strong {
            if strength(mode) < ACCESS_EXCLUSIVE || !seen.held.insert(oid.to_string()) {
                continue;
            }
            let table = self.name(oid);
            self.push(
                out,
                "access-exclusive-held",
                format!(
                    "{} takes ACCESS EXCLUSIVE on `{table}`, held until the revision commits while {} more statement(s) run: reads and writes of `{table}` wait all that time",
                    verb(&self.st.sql),
                    self.later
                ),
                vec![format!(
                    "put the statements that do not need `{table}` locked in another revision, or run this one last"
                )],
            );
        }
    }
}

/// Foreign keys added by the revision whose referencing columns do not lead any index of
/// their table.
fn fk_without_index(
    start: &Snapshot,
    end: &Snapshot,
    added_at: &BTreeMap<String, usize>,
    out: &mut Vec<Observed>,
) {
    for (oid, con) in &end.cons {
        if con.kind != "f" || start.cons.contains_key(oid) {
            continue;
        }
        let Some(&line) = added_at.get(oid) else {
            continue;
        };
        let mut want = con.keys.clone();
        want.sort();
        let covered = end.idx.values().any(|idx| {
            idx.table == con.table && idx.keys.len() >= want.len() && {
                let mut lead = idx.keys[..want.len()].to_vec();
                lead.sort();
                lead == want
            }
        });
        if covered {
            continue;
        }
        let table = end.rels.get(&con.table).map_or("?", |r| r.name.as_str());
        let columns: Vec<&str> = con
            .keys
            .iter()
            .filter_map(|k| end.cols.get(&(con.table.clone(), k.clone())))
            .map(|c| c.name.as_str())
            .collect();
        out.push(Observed {
            rule: "fk-without-index",
            line,
            message: format!(
                "FOREIGN KEY `{}` on `{table}` ({}) has no index leading with its columns: every delete or key update of the referenced row scans `{table}`",
                con.name,
                columns.join(", ")
            ),
            help: vec![format!(
                "CREATE INDEX CONCURRENTLY ON {table} ({}) (on a new table, a plain CREATE INDEX in the same revision)",
                columns.join(", ")
            )],
        });
    }
}
