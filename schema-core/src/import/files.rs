//! Reading each tool's migration files into [`Migration`]s, in the tool's order.
//!
//! Each reader follows the naming rules of the tool's own loader:
//! - sqlx (`sqlx-core/src/migrate/source.rs`): `<VERSION>_<DESCRIPTION>.sql`, or
//!   `.up.sql`/`.down.sql` pairs; VERSION an `i64`; a file starting with `-- no-transaction`
//!   runs outside a transaction.
//! - diesel (`diesel_migrations/src/file_based_migrations.rs`): one folder per migration,
//!   `<VERSION>_<NAME>/up.sql` and `down.sql`; the version is the name up to the first `_` with
//!   its `-` removed; `metadata.toml` with `run_in_transaction = false`.
//! - refinery (`refinery_core/src/util.rs`): `V<N>__<NAME>.sql`, N an `i32`; up only.
//! - dbmate (`pkg/dbmate/migration.go`): `<VERSION>_<NAME>.sql`, VERSION the leading digits,
//!   `-- migrate:up` / `-- migrate:down` sections with `transaction:false`.
//! - golang-migrate (`source/parse.go`): `<VERSION>_<TITLE>.up.<ext>` / `.down.<ext>`, VERSION
//!   a `uint` (`000001` is version 1).
//! - Flyway: `V<VERSION>__<DESCRIPTION>.sql`, `U<VERSION>__…` its undo; `_` in a version reads
//!   as `.`; `<file>.conf` with `executeInTransaction=false`.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use super::{Format, ImportError, Migration};

/// Every migration in `dir`, in the tool's order.
pub fn read(format: Format, dir: &Path) -> Result<Vec<Migration>, ImportError> {
    let entries = list(dir)?;
    let mut found = match format {
        Format::Sqlx => sqlx(&entries)?,
        Format::Diesel => diesel(&entries)?,
        Format::Refinery => refinery(&entries)?,
        Format::Dbmate => dbmate(&entries)?,
        Format::GolangMigrate => golang_migrate(&entries)?,
        Format::Flyway => flyway(&entries)?,
        // Read by Alembic itself (`alembic.rs`).
        Format::Alembic => Vec::new(),
    };
    if found.is_empty() {
        return Err(ImportError::NoMigrations {
            format,
            dir: dir.to_path_buf(),
            others: Format::ALL
                .iter()
                .copied()
                .filter(|&f| f != format)
                .filter(|&f| matches!(read_quietly(f, &entries), Some(n) if n > 0))
                .collect(),
        });
    }
    found.sort_by(|a, b| compare(format, &a.version, &b.version));
    for pair in found.windows(2) {
        if pair[0].id == pair[1].id {
            return Err(ImportError::SameVersion {
                id: pair[0].id.clone(),
                first: pair[0].files[0].clone(),
                second: pair[1].files[0].clone(),
            });
        }
    }
    Ok(found)
}

/// How many migrations `format` would find, ignoring errors: to say which tool's layout a
/// directory has.
fn read_quietly(format: Format, entries: &[Entry]) -> Option<usize> {
    let n = match format {
        Format::Sqlx => sqlx(entries).ok()?.len(),
        Format::Diesel => diesel(entries).ok()?.len(),
        Format::Refinery => refinery(entries).ok()?.len(),
        Format::Dbmate => dbmate(entries).ok()?.len(),
        Format::GolangMigrate => golang_migrate(entries).ok()?.len(),
        Format::Flyway => flyway(entries).ok()?.len(),
        Format::Alembic => return None,
    };
    Some(n)
}

/// The tool's order of two versions.
fn compare(format: Format, a: &str, b: &str) -> Ordering {
    match format {
        Format::Sqlx | Format::Refinery | Format::GolangMigrate => {
            let n = |v: &str| v.parse::<u128>().unwrap_or(u128::MAX);
            n(a).cmp(&n(b))
        }
        Format::Flyway => {
            let parts = |v: &str| -> Vec<u128> {
                v.split('.')
                    .map(|p| p.parse().unwrap_or(u128::MAX))
                    .collect()
            };
            let (pa, pb) = (parts(a), parts(b));
            // Flyway: missing trailing parts count as 0 (1 == 1.0).
            for i in 0..pa.len().max(pb.len()) {
                let o = pa.get(i).unwrap_or(&0).cmp(pb.get(i).unwrap_or(&0));
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        }
        Format::Diesel | Format::Dbmate | Format::Alembic => a.cmp(b),
    }
}

struct Entry {
    path: PathBuf,
    name: String,
    is_dir: bool,
}

fn list(dir: &Path) -> Result<Vec<Entry>, ImportError> {
    let io = |source| ImportError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(io)? {
        let e = e.map_err(io)?;
        let path = e.path();
        let Some(name) = e.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        out.push(Entry {
            is_dir: path.is_dir(),
            path,
            name,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn read_text(path: &Path) -> Result<String, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|_| ImportError::NotUtf8 {
        path: path.to_path_buf(),
    })
}

/// `1_create_users` → `create users`.
fn words(name: &str) -> String {
    name.replace('_', " ").trim().to_string()
}

/// A decimal version as the tool stores it: leading zeros dropped (`0001` is 1).
fn integer(version: &str, bits: u32) -> Option<String> {
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u128 = version.parse().ok()?;
    (n < 1u128 << bits).then(|| n.to_string())
}

/// The id of a decimal version of at most `bits` bits; `None` for a name that is not one
/// (not all digits: not the tool's file); refused when it is digits the tool cannot hold.
fn decimal_version(
    e: &Entry,
    version: &str,
    bits: u32,
    reason: &'static str,
) -> Result<Option<String>, ImportError> {
    match integer(version, bits) {
        Some(id) => Ok(Some(id)),
        None if version.bytes().all(|b| b.is_ascii_digit()) => Err(ImportError::BadVersion {
            path: e.path.clone(),
            version: version.to_string(),
            reason,
        }),
        None => Ok(None),
    }
}

fn migration(
    version: String,
    id: String,
    message: String,
    up: String,
    down: Option<String>,
    files: Vec<PathBuf>,
) -> Migration {
    Migration {
        version,
        id,
        message,
        no_transaction: false,
        up,
        down,
        files,
        parents: None,
        branch_labels: Vec::new(),
        depends_on: Vec::new(),
        review: None,
    }
}

fn sqlx(entries: &[Entry]) -> Result<Vec<Migration>, ImportError> {
    let mut out: Vec<Migration> = Vec::new();
    for e in entries.iter().filter(|e| !e.is_dir) {
        let Some(stem) = e.name.strip_suffix(".sql") else {
            continue;
        };
        let (stem, kind) = if let Some(s) = stem.strip_suffix(".up") {
            (s, 1)
        } else if let Some(s) = stem.strip_suffix(".down") {
            (s, 2)
        } else {
            (stem, 0)
        };
        let Some((version, desc)) = stem.split_once('_') else {
            continue;
        };
        let Some(id) = decimal_version(e, version, 63, "sqlx versions are 64-bit integers")? else {
            continue;
        };
        let text = read_text(&e.path)?;
        let existing = out.iter_mut().find(|m| m.id == id && kind != 0);
        match (kind, existing) {
            (2, Some(m)) if m.down.is_none() => {
                m.down = Some(text);
                m.files.push(e.path.clone());
            }
            (1, Some(m)) if m.up.is_empty() => {
                m.no_transaction = text.starts_with("-- no-transaction");
                m.up = text;
                m.files.insert(0, e.path.clone());
            }
            (0 | 1, _) => {
                let mut m = migration(
                    version.to_string(),
                    id,
                    words(desc),
                    String::new(),
                    None,
                    vec![e.path.clone()],
                );
                m.no_transaction = text.starts_with("-- no-transaction");
                m.up = text;
                out.push(m);
            }
            _ => {
                // A down file before (or without) its up file: keep it for the pair.
                out.push(migration(
                    version.to_string(),
                    id,
                    words(desc),
                    String::new(),
                    Some(text),
                    vec![e.path.clone()],
                ));
            }
        }
    }
    if let Some(m) = out.iter().find(|m| m.up.is_empty() && m.down.is_some()) {
        return Err(ImportError::Unpaired {
            path: m.files[0].clone(),
            reason: "a `.down.sql` file without its `.up.sql`",
        });
    }
    Ok(out)
}

fn diesel(entries: &[Entry]) -> Result<Vec<Migration>, ImportError> {
    let mut out = Vec::new();
    for e in entries.iter().filter(|e| e.is_dir) {
        let up_path = e.path.join("up.sql");
        if !up_path.is_file() {
            continue;
        }
        let (version, name) = e.name.split_once('_').unwrap_or((&e.name, ""));
        let version = version.replace('-', "");
        let up = read_text(&up_path)?;
        let down_path = e.path.join("down.sql");
        let mut files = vec![up_path];
        let down = if down_path.is_file() {
            let d = read_text(&down_path)?;
            files.push(down_path);
            Some(d)
        } else {
            None
        };
        let meta = e.path.join("metadata.toml");
        let no_transaction = meta.is_file()
            && read_text(&meta)?.lines().any(|l| {
                let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
                l == "run_in_transaction=false"
            });
        let mut m = migration(version.clone(), version, words(name), up, down, files);
        m.no_transaction = no_transaction;
        out.push(m);
    }
    Ok(out)
}

fn refinery(entries: &[Entry]) -> Result<Vec<Migration>, ImportError> {
    let mut out = Vec::new();
    for e in entries.iter().filter(|e| !e.is_dir) {
        let Some(rest) = e.name.strip_prefix('V') else {
            continue;
        };
        let Some((version, name)) = rest.split_once("__") else {
            continue;
        };
        let (name, rust) = match (name.strip_suffix(".sql"), name.strip_suffix(".rs")) {
            (Some(n), _) => (n, false),
            (_, Some(n)) => (n, true),
            _ => continue,
        };
        let Some(id) = integer(version, 31) else {
            return Err(ImportError::BadVersion {
                path: e.path.clone(),
                version: version.to_string(),
                reason: "refinery versions are 32-bit integers",
            });
        };
        if rust {
            return Err(ImportError::Unsupported {
                path: e.path.clone(),
                what: "a refinery migration written in Rust",
                help: "rewrite it as a `V…__name.sql` file (what its `migration()` returns), then import again",
            });
        }
        let up = read_text(&e.path)?;
        out.push(migration(
            version.to_string(),
            id,
            words(name),
            up,
            None,
            vec![e.path.clone()],
        ));
    }
    Ok(out)
}

fn dbmate(entries: &[Entry]) -> Result<Vec<Migration>, ImportError> {
    let mut out = Vec::new();
    let mut unmarked = Vec::new();
    for e in entries.iter().filter(|e| !e.is_dir) {
        let Some(stem) = e.name.strip_suffix(".sql") else {
            continue;
        };
        let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            continue;
        }
        let (version, rest) = stem.split_at(digits);
        let text = read_text(&e.path)?;
        let mut up: Option<(bool, Vec<&str>)> = None;
        let mut down: Option<Vec<&str>> = None;
        for line in text.lines() {
            let t = line.trim();
            let marker = t
                .strip_prefix("--")
                .map(str::trim_start)
                .and_then(|t| t.strip_prefix("migrate:"));
            match marker {
                Some(m) if m.starts_with("up") && down.is_none() && up.is_none() => {
                    up = Some((!m.contains("transaction:false"), Vec::new()));
                }
                Some(m) if m.starts_with("down") && up.is_some() && down.is_none() => {
                    down = Some(Vec::new());
                }
                _ => match (&mut up, &mut down) {
                    (_, Some(d)) => d.push(line),
                    (Some((_, u)), None) => u.push(line),
                    _ => {}
                },
            }
        }
        let Some((transaction, up)) = up else {
            // Refused below when other files show that this is dbmate's directory.
            unmarked.push(e.path.clone());
            continue;
        };
        let mut m = migration(
            version.to_string(),
            version.to_string(),
            words(rest),
            up.join("\n"),
            down.map(|d| d.join("\n")),
            vec![e.path.clone()],
        );
        m.no_transaction = !transaction;
        out.push(m);
    }
    if let (false, Some(path)) = (out.is_empty(), unmarked.first()) {
        return Err(ImportError::Unpaired {
            path: path.clone(),
            reason: "no `-- migrate:up` line (dbmate requires one)",
        });
    }
    Ok(out)
}

fn golang_migrate(entries: &[Entry]) -> Result<Vec<Migration>, ImportError> {
    let mut out: Vec<Migration> = Vec::new();
    for e in entries.iter().filter(|e| !e.is_dir) {
        // <version>_<title>.<up|down>.<ext>
        let mut parts = e.name.rsplitn(3, '.');
        let (Some(_ext), Some(dir), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if dir != "up" && dir != "down" {
            continue;
        }
        let (version, title) = stem.split_once('_').unwrap_or((stem, ""));
        let Some(id) = decimal_version(
            e,
            version,
            64,
            "golang-migrate versions are 64-bit unsigned integers",
        )?
        else {
            continue;
        };
        let text = read_text(&e.path)?;
        match out.iter_mut().find(|m| m.id == id) {
            Some(m) if dir == "down" && m.down.is_none() => {
                m.down = Some(text);
                m.files.push(e.path.clone());
            }
            Some(m) if dir == "up" && m.up.is_empty() => {
                m.up = text;
                m.files.insert(0, e.path.clone());
            }
            Some(m) => {
                return Err(ImportError::SameVersion {
                    id,
                    first: m.files[0].clone(),
                    second: e.path.clone(),
                });
            }
            None => {
                let (up, down) = if dir == "up" {
                    (text, None)
                } else {
                    (String::new(), Some(text))
                };
                out.push(migration(
                    version.to_string(),
                    id,
                    words(title),
                    up,
                    down,
                    vec![e.path.clone()],
                ));
            }
        }
    }
    if let Some(m) = out.iter().find(|m| m.up.is_empty()) {
        return Err(ImportError::Unpaired {
            path: m.files[0].clone(),
            reason: "a `.down.` file without its `.up.` file",
        });
    }
    Ok(out)
}

/// Flyway's version as it stores it: `_` in a file name reads as `.`, and the revision id
/// writes each `.` as `_` (ids are letters, digits and `_`).
pub fn flyway_id(version: &str) -> Option<String> {
    let ok = !version.is_empty()
        && version
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| version.replace('.', "_"))
}

fn flyway(entries: &[Entry]) -> Result<Vec<Migration>, ImportError> {
    let mut out: Vec<Migration> = Vec::new();
    let mut undo: Vec<(String, PathBuf)> = Vec::new();
    for e in entries.iter().filter(|e| !e.is_dir) {
        let Some(base) = e.name.strip_suffix(".sql") else {
            continue;
        };
        let (kind, rest) = base.split_at(1.min(base.len()));
        if kind == "R" && rest.starts_with("__") {
            return Err(ImportError::Unsupported {
                path: e.path.clone(),
                what: "a Flyway repeatable migration (`R__`)",
                help: "cargo-schema runs each revision once: copy its current SQL into a new revision (`cargo schema new`) whenever it changes",
            });
        }
        if kind != "V" && kind != "U" {
            continue;
        }
        let Some((version, desc)) = rest.split_once("__") else {
            continue;
        };
        let version = version.replace('_', ".");
        let Some(id) = flyway_id(&version) else {
            return Err(ImportError::BadVersion {
                path: e.path.clone(),
                version,
                reason: "Flyway versions are numbers separated by `.` or `_`",
            });
        };
        if kind == "U" {
            undo.push((id, e.path.clone()));
            continue;
        }
        let up = read_text(&e.path)?;
        let conf = e.path.with_file_name(format!("{}.conf", e.name));
        let no_transaction = conf.is_file()
            && read_text(&conf)?.lines().any(|l| {
                let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
                l == "executeInTransaction=false"
            });
        let mut m = migration(version, id, words(desc), up, None, vec![e.path.clone()]);
        m.no_transaction = no_transaction;
        out.push(m);
    }
    for (id, path) in undo {
        let Some(m) = out.iter_mut().find(|m| m.id == id) else {
            return Err(ImportError::Unpaired {
                path,
                reason: "an undo (`U…`) file without its versioned (`V…`) migration",
            });
        };
        m.down = Some(read_text(&path)?);
        m.files.push(path);
    }
    Ok(out)
}
