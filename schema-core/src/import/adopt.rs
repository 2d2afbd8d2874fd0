//! `import FORMAT --adopt`: what another tool recorded as applied becomes applied revisions in
//! cargo-schema's version table, through `stamp` (no revision's SQL runs). The tool's table is
//! only read, so a team can switch back.
//!
//! What each tool records (its own DDL):
//! - sqlx `_sqlx_migrations (version BIGINT PRIMARY KEY, description, installed_on, success
//!   BOOLEAN, checksum, execution_time)`: `success = false` is a failed migration.
//! - diesel `__diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY, run_on)`.
//! - refinery `refinery_schema_history (version INT4 PRIMARY KEY, name, applied_on, checksum)`.
//! - dbmate `schema_migrations (version VARCHAR(128) PRIMARY KEY)`.
//! - golang-migrate `schema_migrations (version BIGINT PRIMARY KEY, dirty BOOLEAN)`: one row,
//!   the current version; everything below it is applied.
//! - Flyway `flyway_schema_history (installed_rank, version, description, type, script,
//!   checksum, installed_by, installed_on, execution_time, success)`: `success = false` is a
//!   failed migration; a `BASELINE` row stands for every version up to it; `DELETE` rows
//!   (written by `repair`) and repeatable rows (no version) are skipped, `UNDO_*` rows take
//!   their version back.
//! - Alembic `alembic_version (version_num VARCHAR(32) PRIMARY KEY)`: one row per head; the
//!   heads' ancestors (parents and `depends_on`) are applied too.

use std::cmp::Ordering;

use crate::db::{Conn, DbError, VersionTable};
use crate::graph::{Edges, RevIdx, RevisionSet};
use crate::migrate::{MigrateError, Migration, Stamped};
use crate::target::Target;

use super::Format;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdoptError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Migrate(#[from] MigrateError),
    #[error("the database has no `{}` table: {format} does not manage it", format.table())]
    NotManaged {
        format: Format,
        /// The tools whose tables it does have.
        found: Vec<Format>,
    },
    #[error("{format}'s table `{}` records version {version} as failed", format.table())]
    Failed { format: Format, version: String },
    #[error(
        "golang-migrate's table `schema_migrations` is dirty at version {version}: that migration failed halfway"
    )]
    Dirty { version: String },
    #[error("{format}'s table records version `{version}`, which cannot be a revision id")]
    BadVersion { format: Format, version: String },
    #[error("{format}'s table records version(s) that no revision file has: {}", ids.join(", "))]
    Unknown { format: Format, ids: Vec<String> },
    #[error("{format}'s table records {applied} but not {}, which come(s) before it", missing.join(", "))]
    Gap {
        format: Format,
        applied: String,
        missing: Vec<String>,
    },
}

/// What was recorded.
#[derive(Debug)]
pub struct Adopted {
    /// The revisions the tool had applied, in the graph's order.
    pub applied: Vec<String>,
    /// The heads of what was applied.
    pub heads: Vec<String>,
    /// One stamp per head of what was applied.
    pub stamps: Vec<Stamped>,
}

/// Which of the tools' tables `conn`'s database holds.
pub async fn tools_present(conn: &mut Conn) -> Result<Vec<Format>, DbError> {
    let mut found = Vec::new();
    for f in Format::ALL {
        if f == Format::GolangMigrate {
            continue;
        }
        if VersionTable::new(f.table()).exists(conn).await? {
            if f == Format::Dbmate {
                found.push(schema_migrations_owner(conn).await);
            } else {
                found.push(f);
            }
        }
    }
    Ok(found)
}

/// dbmate's and golang-migrate's tables share a name; golang-migrate's has `dirty`.
async fn schema_migrations_owner(conn: &mut Conn) -> Format {
    match conn
        .fetch_strings("SELECT dirty FROM schema_migrations WHERE 1 = 0")
        .await
    {
        Ok(_) => Format::GolangMigrate,
        Err(_) => Format::Dbmate,
    }
}

/// Records what `format`'s table says is applied as applied revisions of `m`'s graph.
pub async fn adopt(m: &mut Migration<'_>, format: Format) -> Result<Adopted, AdoptError> {
    let present = tools_present(&mut m.conn).await?;
    if !present.contains(&format) {
        return Err(AdoptError::NotManaged {
            format,
            found: present,
        });
    }
    let graph = m.graph;
    let versions = recorded(&mut m.conn, format).await?;
    let mut applied = graph.empty_set();
    let mut unknown = Vec::new();
    for v in &versions.applied {
        let Some(id) = format.id_of_recorded(v) else {
            return Err(AdoptError::BadVersion {
                format,
                version: v.clone(),
            });
        };
        match graph.index_of(&id) {
            Some(i) => applied.insert(i),
            None => unknown.push(id),
        }
    }
    if let Some(top) = &versions.below_and_including {
        // golang-migrate's current version, Flyway's baseline: every revision of the tool's
        // numbering up to it is applied.
        let Some(top_id) = format.id_of_recorded(top) else {
            return Err(AdoptError::BadVersion {
                format,
                version: top.clone(),
            });
        };
        if format == Format::GolangMigrate && graph.index_of(&top_id).is_none() {
            unknown.push(top_id.clone());
        }
        for (i, n) in graph.iter() {
            if numbered_at_or_below(n.id(), &top_id) {
                applied.insert(i);
            }
        }
    }
    if !unknown.is_empty() {
        return Err(AdoptError::Unknown {
            format,
            ids: unknown,
        });
    }
    if format == Format::Alembic {
        // Alembic records only the heads: everything below them is applied.
        applied = graph.ancestors(applied.iter(), Edges::ParentsAndDependencies);
    }
    let closure = graph.ancestors(applied.iter(), Edges::ParentsAndDependencies);
    let missing: Vec<RevIdx> = closure.iter().filter(|&i| !applied.contains(i)).collect();
    if !missing.is_empty() {
        let above = applied
            .iter()
            .find(|&a| {
                graph
                    .ancestors([a], Edges::ParentsAndDependencies)
                    .contains(missing[0])
            })
            .map(|a| graph.id(a).to_string())
            .unwrap_or_default();
        return Err(AdoptError::Gap {
            format,
            applied: above,
            missing: missing.iter().map(|&i| graph.id(i).to_string()).collect(),
        });
    }
    let heads = heads(m, &applied);
    let mut stamps = Vec::new();
    for &h in &heads {
        let target: Target = graph
            .id(h)
            .parse()
            .map_err(|e| AdoptError::Migrate(MigrateError::Resolve(e)))?;
        stamps.push(m.stamp(&target, false).await?);
    }
    Ok(Adopted {
        applied: graph
            .iter()
            .filter(|(i, _)| applied.contains(*i))
            .map(|(_, n)| n.id().to_string())
            .collect(),
        heads: heads.iter().map(|&h| graph.id(h).to_string()).collect(),
        stamps,
    })
}

/// Whether `id` is a version of the tool's numbering (digits, `_` between numbers) at or
/// below `top`.
fn numbered_at_or_below(id: &str, top: &str) -> bool {
    let parts = |v: &str| -> Option<Vec<u128>> { v.split('_').map(|p| p.parse().ok()).collect() };
    let (Some(a), Some(b)) = (parts(id), parts(top)) else {
        return false;
    };
    for i in 0..a.len().max(b.len()) {
        match a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0)) {
            Ordering::Less => return true,
            Ordering::Greater => return false,
            Ordering::Equal => {}
        }
    }
    true
}

/// The applied revisions no applied revision builds on.
fn heads(m: &Migration<'_>, applied: &RevisionSet) -> Vec<RevIdx> {
    let graph = m.graph;
    let mut below = graph.empty_set();
    for a in applied.iter() {
        let node = &graph.node(a).revision;
        for p in node.parents.iter().chain(&node.depends_on) {
            if let Some(i) = graph.index_of(p) {
                below.insert(i);
            }
        }
    }
    applied.iter().filter(|&a| !below.contains(a)).collect()
}

/// The versions a tool's table records as applied.
struct Recorded {
    applied: Vec<String>,
    /// Everything of the tool's numbering up to this version is applied too.
    below_and_including: Option<String>,
}

/// Each row's `version` and whether its boolean `flag` column is set, by version.
async fn flagged(
    conn: &mut Conn,
    flag: &str,
    table: &str,
) -> Result<Vec<(String, bool)>, AdoptError> {
    let sql =
        format!("SELECT version, CASE WHEN {flag} THEN 1 ELSE 0 END FROM {table} ORDER BY version");
    Ok(conn
        .fetch_strings(&sql)
        .await?
        .into_iter()
        .map(|r| {
            let text = |i: usize| r.get(i).cloned().flatten();
            (text(0).unwrap_or_default(), text(1).as_deref() == Some("1"))
        })
        .collect())
}

async fn recorded(conn: &mut Conn, format: Format) -> Result<Recorded, AdoptError> {
    let text = |row: &Vec<Option<String>>, i: usize| row.get(i).cloned().flatten();
    let yes = |v: Option<String>| matches!(v.as_deref(), Some("1" | "true" | "t"));
    let mut out = Recorded {
        applied: Vec::new(),
        below_and_including: None,
    };
    match format {
        Format::Sqlx => {
            for (version, success) in flagged(conn, "success", "_sqlx_migrations").await? {
                if !success {
                    return Err(AdoptError::Failed { format, version });
                }
                out.applied.push(version);
            }
        }
        Format::Diesel | Format::Refinery | Format::Dbmate | Format::Alembic => {
            // Alembic's `alembic_version (version_num)` holds one row per head.
            let column = if format == Format::Alembic {
                "version_num"
            } else {
                "version"
            };
            let sql = format!("SELECT {column} FROM {} ORDER BY {column}", format.table());
            for r in conn.fetch_strings(&sql).await? {
                out.applied.push(text(&r, 0).unwrap_or_default());
            }
        }
        Format::GolangMigrate => {
            for (version, dirty) in flagged(conn, "dirty", "schema_migrations").await? {
                if dirty {
                    return Err(AdoptError::Dirty { version });
                }
                // golang-migrate writes -1 (NilVersion) when everything was rolled back.
                if version.starts_with('-') {
                    continue;
                }
                out.below_and_including = Some(version);
            }
        }
        Format::Flyway => {
            let rows = conn
                .fetch_strings(
                    "SELECT version, type, CASE WHEN success THEN 1 ELSE 0 END FROM flyway_schema_history ORDER BY installed_rank",
                )
                .await?;
            for r in rows {
                let Some(version) = text(&r, 0) else {
                    continue; // a repeatable migration, or the schema-creation row
                };
                let kind = text(&r, 1).unwrap_or_default().to_ascii_uppercase();
                if kind == "DELETE" || kind == "SCHEMA" {
                    continue;
                }
                if !yes(text(&r, 2)) {
                    return Err(AdoptError::Failed { format, version });
                }
                if kind == "BASELINE" {
                    out.below_and_including = Some(version);
                } else if kind.starts_with("UNDO") {
                    out.applied.retain(|v| v != &version);
                } else {
                    out.applied.push(version);
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::numbered_at_or_below;

    #[test]
    fn numbering_compares_numbers_not_text() {
        assert!(numbered_at_or_below("2", "10"));
        assert!(!numbered_at_or_below("10", "2"));
        assert!(numbered_at_or_below("1_2", "1_10"));
        assert!(numbered_at_or_below("1", "1_0"));
        assert!(!numbered_at_or_below("1_1", "1"));
        // Ids outside the tool's numbering are never below a version.
        assert!(!numbered_at_or_below("3a4feffbb7a1", "9"));
    }
}
