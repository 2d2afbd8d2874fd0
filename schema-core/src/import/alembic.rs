//! Alembic: the revision graph and each revision's SQL come from Alembic itself, run once with
//! the project's Python (`alembic.py`, beside this file): `ScriptDirectory` reads the graph
//! (ids, parents, branch labels, `depends_on`), and each revision's `upgrade()` and
//! `downgrade()` are rendered by Alembic's offline mode (`--sql`) for the project's database,
//! one `EnvironmentContext` run per direction, in that one process. Alembic's own statements
//! (its version table, BEGIN/COMMIT) are left out. A revision Alembic cannot render offline
//! (Python that reads rows) becomes a revision to review: its Python quoted, irreversible.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::{ImportError, Migration};
use crate::backend::Dialect;

const SCRIPT: &str = include_str!("alembic.py");

/// Where the Alembic project is.
#[derive(Debug, Clone)]
pub struct Source {
    /// `alembic.ini`, when there is one.
    pub ini: Option<PathBuf>,
    /// The script directory (holding `env.py`); `None`: the ini file's `script_location`.
    pub location: Option<PathBuf>,
    /// Where Alembic runs (`%(here)s` and relative paths of the ini file).
    pub cwd: PathBuf,
}

impl Source {
    /// What `cargo schema import alembic [DIR]` reads: DIR may be an ini file, a directory
    /// holding `alembic.ini`, or the script directory itself; without DIR, the project's
    /// `alembic.ini`.
    pub fn find(root: &Path, dir: Option<&Path>) -> Result<Source, ImportError> {
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let at = |ini: PathBuf| {
            let ini = absolute(&ini);
            Source {
                cwd: ini
                    .parent()
                    .map_or_else(|| root.to_path_buf(), Path::to_path_buf),
                ini: Some(ini),
                location: None,
            }
        };
        match dir {
            None => {
                let ini = root.join("alembic.ini");
                if ini.is_file() {
                    Ok(at(ini))
                } else {
                    Err(ImportError::NoAlembicIni { dir: root.into() })
                }
            }
            Some(d) if d.is_file() => Ok(at(d.to_path_buf())),
            Some(d) if d.join("alembic.ini").is_file() => Ok(at(d.join("alembic.ini"))),
            Some(d) if d.is_dir() => {
                let ini = root.join("alembic.ini");
                Ok(Source {
                    ini: ini.is_file().then_some(ini),
                    location: Some(absolute(d)),
                    cwd: root.to_path_buf(),
                })
            }
            Some(d) => Err(ImportError::NoDir {
                format: super::Format::Alembic,
                dir: d.to_path_buf(),
            }),
        }
    }
}

/// The Python that has the project's Alembic: `CARGO_SCHEMA_PYTHON`, else the project's
/// virtualenv (`.venv/`, `venv/`), else the active one (`VIRTUAL_ENV`), else `python3`.
pub fn python(root: &Path) -> PathBuf {
    if let Some(p) = std::env::var_os("CARGO_SCHEMA_PYTHON").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let bin = if cfg!(windows) {
        "Scripts/python.exe"
    } else {
        "bin/python"
    };
    let venvs = [root.join(".venv"), root.join("venv")];
    let active = std::env::var_os("VIRTUAL_ENV").map(PathBuf::from);
    venvs
        .into_iter()
        .chain(active)
        .map(|v| v.join(bin))
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("python3"))
}

/// The URL Alembic renders for: only its dialect matters offline (no connection is made).
fn sqlalchemy_url(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "sqlite://",
        Dialect::Postgres => "postgresql://",
        Dialect::MySql => "mysql://",
    }
}

/// Every revision of the Alembic project, parents first, with its SQL for `dialect`.
pub fn read(
    python: &Path,
    source: &Source,
    dialect: Dialect,
) -> Result<Vec<Migration>, ImportError> {
    let os = |p: &Option<PathBuf>| {
        p.as_ref()
            .map(|p| p.as_os_str().to_owned())
            .unwrap_or_default()
    };
    let output = Command::new(python)
        .current_dir(&source.cwd)
        .arg("-c")
        .arg(SCRIPT)
        .arg(os(&source.ini))
        .arg(os(&source.location))
        .arg(sqlalchemy_url(dialect))
        .env("PYTHONIOENCODING", "utf-8")
        .output()
        .map_err(|e| ImportError::NoPython {
            python: python.to_path_buf(),
            source: e,
        })?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => {}
        Some(3) => {
            return Err(ImportError::AlembicMissing {
                python: python.to_path_buf(),
                detail: stderr.trim().to_string(),
            });
        }
        Some(5) => {
            return Err(ImportError::NoScriptLocation {
                ini: source.ini.clone().unwrap_or_default(),
            });
        }
        Some(6) => {
            return Err(ImportError::NoDir {
                format: super::Format::Alembic,
                dir: PathBuf::from(stderr.trim()),
            });
        }
        _ => {
            return Err(ImportError::AlembicFailed {
                error: trimmed(&stderr),
            });
        }
    }
    let json: Value =
        serde_json::from_slice(&output.stdout).map_err(|e| ImportError::AlembicFailed {
            error: format!("unreadable answer from the Alembic reader: {e}"),
        })?;
    let revisions = json["revisions"].as_array().cloned().unwrap_or_default();
    if revisions.is_empty() {
        return Err(ImportError::NoMigrations {
            format: super::Format::Alembic,
            dir: source
                .location
                .clone()
                .or_else(|| source.ini.clone())
                .unwrap_or_default(),
            others: Vec::new(),
        });
    }
    Ok(revisions.iter().map(migration).collect())
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn migration(v: &Value) -> Migration {
    let text = |k: &str| v[k].as_str().map(str::to_string);
    let id = text("id").unwrap_or_default();
    let path = PathBuf::from(text("path").unwrap_or_default());
    let message = text("message")
        .and_then(|m| m.lines().next().map(str::to_string))
        .unwrap_or_default();
    let review = text("error");
    let (up, down) = match &review {
        None => (text("up").unwrap_or_default(), text("down")),
        Some(error) => (review_note(error, text("python").as_deref()), None),
    };
    Migration {
        version: id.clone(),
        id,
        message,
        up,
        down,
        no_transaction: v["no_transaction"].as_bool().unwrap_or(false),
        files: vec![path],
        parents: Some(strings(&v["parents"])),
        branch_labels: strings(&v["branch_labels"]),
        depends_on: strings(&v["depends_on"]),
        review,
    }
}

/// The up section of a revision Alembic could not render offline.
fn review_note(error: &str, python: Option<&str>) -> String {
    let mut out = format!(
        "-- REVIEW: Alembic could not render this revision offline ({}).\n\
         -- It runs Python (reading rows, most likely): write the SQL that does the same here.\n\
         -- Imported as irreversible.",
        one_line(error)
    );
    if let Some(py) = python {
        out.push_str("\n-- Alembic's Python:");
        for line in py.trim_end().lines() {
            out.push_str("\n--   ");
            out.push_str(line.trim_end());
        }
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Python's error output without Alembic's INFO logging, its last lines (the error itself).
fn trimmed(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("INFO ") && !l.trim().is_empty())
        .collect();
    let keep = 12;
    let skip = lines.len().saturating_sub(keep);
    let mut out = lines[skip..].join("\n");
    if skip > 0 {
        out = format!("…\n{out}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_note_quotes_the_python_as_comments() {
        let note = review_note(
            "upgrade: AttributeError: x",
            Some("def upgrade():\n    rows = 1\n"),
        );
        assert!(note.starts_with("-- REVIEW: "), "{note}");
        assert!(note.lines().all(|l| l.starts_with("--")), "{note}");
        assert!(note.contains("--       rows = 1"), "{note}");
    }

    #[test]
    fn errors_keep_their_last_lines_without_logging() {
        let err = (0..20)
            .map(|i| format!("line {i}"))
            .chain(["INFO  [alembic] x".to_string()])
            .collect::<Vec<_>>()
            .join("\n");
        let t = trimmed(&err);
        assert!(t.starts_with('…') && t.ends_with("line 19"), "{t}");
        assert!(!t.contains("INFO"));
    }
}
