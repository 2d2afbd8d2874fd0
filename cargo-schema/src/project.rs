//! Finding the project's configuration through `cargo metadata --no-deps`.

use std::path::{Path, PathBuf};

use cargo_metadata::{Metadata, MetadataCommand, Package};
use schema_core::{Config, Origin, Project, RawConfig};

use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::metadata_cache;

/// The Cargo.toml a command works on: `--manifest-path`, or the nearest one upward from the
/// current directory, as cargo finds it.
pub fn manifest_path(global: &GlobalArgs) -> Result<PathBuf, CliError> {
    if let Some(p) = &global.manifest_path {
        if p.file_name().is_none_or(|n| n != "Cargo.toml") {
            return Err(CliError::invalid(format!(
                "the manifest-path must be a path to a Cargo.toml file: `{}`",
                p.display()
            )));
        }
        if !p.is_file() {
            return Err(CliError::invalid(format!(
                "manifest path `{}` does not exist",
                p.display()
            )));
        }
        return std::path::absolute(p).map_err(|e| CliError::new(1, e.to_string()));
    }
    let cwd = std::env::current_dir()
        .map_err(|e| CliError::new(1, format!("cannot read the current directory: {e}")))?;
    cwd.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            CliError::invalid(format!(
                "could not find `Cargo.toml` in `{}` or any parent directory",
                cwd.display()
            ))
            .help("run this inside a cargo project, or pass `--manifest-path PATH`")
        })
}

/// `cargo metadata --no-deps` for `manifest`, from the cache in the target directory while the
/// manifests are unchanged (see [`metadata_cache`]).
fn metadata(manifest: &Path) -> Result<Metadata, CliError> {
    if let Some(meta) = metadata_cache::read(manifest) {
        return Ok(meta);
    }
    let taken = std::time::SystemTime::now();
    let failed =
        |e: &dyn std::fmt::Display| CliError::new(1, format!("`cargo metadata` failed: {e}"));
    let output = MetadataCommand::new()
        .manifest_path(manifest)
        .no_deps()
        .cargo_command()
        .output()
        .map_err(|e| failed(&e))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let msg = stderr.trim().trim_start_matches("error: ").to_string();
        return Err(CliError::invalid(format!("`cargo metadata` failed: {msg}")));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = stdout
        .lines()
        .find(|line| line.starts_with('{'))
        .ok_or_else(|| failed(&"it printed no JSON"))?;
    let meta = MetadataCommand::parse(json).map_err(|e| failed(&e))?;
    metadata_cache::write(manifest, &meta, json, taken);
    Ok(meta)
}

fn schema_table(value: &serde_json::Value) -> Option<&serde_json::Value> {
    value.get("schema").filter(|v| !v.is_null())
}

fn declares(p: &Package) -> bool {
    schema_table(&p.metadata).is_some()
}

/// The configuration of the selected package's migrations.
pub fn config(global: &GlobalArgs) -> Result<Config, CliError> {
    let manifest = manifest_path(global)?;
    let meta = metadata(&manifest)?;
    let ws_root: PathBuf = meta.workspace_root.clone().into();
    let ws_origin = Origin {
        manifest: ws_root.join("Cargo.toml"),
        table: "workspace.metadata.schema",
    };
    let ws_raw = match schema_table(&meta.workspace_metadata) {
        Some(v) => Some(RawConfig::from_json(v, &ws_origin)?.absolute(&ws_root)),
        None => None,
    };
    let members: Vec<&Package> = meta.workspace_packages();
    let here = members
        .iter()
        .copied()
        .find(|p| same_file(p.manifest_path.as_std_path(), &manifest));

    let selected: Option<&Package> = match &global.package {
        Some(name) => Some(
            members
                .iter()
                .copied()
                .find(|p| p.name.as_str() == name)
                .ok_or_else(|| {
                    let mut names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
                    names.sort();
                    CliError::invalid(format!("package `{name}` is not a member of the workspace"))
                        .help(format!("the members are: {}", names.join(", ")))
                })?,
        ),
        // As cargo does: the package is the one whose manifest was found from the current
        // directory (or given), declaring migrations or not; the workspace table applies to a
        // member without its own. Only from a virtual workspace's root is one chosen.
        None => match here {
            Some(p) => Some(p),
            None => {
                let declaring: Vec<&Package> =
                    members.iter().copied().filter(|p| declares(p)).collect();
                match declaring.as_slice() {
                    [one] => Some(*one),
                    [] => None,
                    many => {
                        let mut names: Vec<&str> = many.iter().map(|p| p.name.as_str()).collect();
                        names.sort();
                        return Err(CliError::invalid(format!(
                            "several packages declare migrations: {}",
                            names.join(", ")
                        ))
                        .help(format!(
                            "choose one with `-p`, e.g. `cargo schema -p {} …`",
                            names[0]
                        )));
                    }
                }
            }
        },
    };

    Ok(match selected {
        Some(p) => {
            let dir: PathBuf = p
                .manifest_path
                .parent()
                .map(|d| d.as_std_path().to_path_buf())
                .unwrap_or_else(|| ws_root.clone());
            let origin = Origin {
                manifest: p.manifest_path.clone().into(),
                table: "package.metadata.schema",
            };
            let raw = match schema_table(&p.metadata) {
                Some(v) => RawConfig::from_json(v, &origin)?.absolute(&dir),
                None => RawConfig::default(),
            };
            let (raw, root) = match ws_raw {
                Some(ws) if !declares(p) => (ws, ws_root.clone()),
                Some(ws) => (raw.or(ws), dir),
                None => (raw, dir),
            };
            Config::resolve(raw, &root, Some(p.name.to_string()))
        }
        None => Config::resolve(ws_raw.unwrap_or_default(), &ws_root, None),
    })
}

/// Whether two paths name the same file (through symbolic links too, as `/tmp` may be).
fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

/// Loads the selected package's revisions.
pub fn open(global: &GlobalArgs) -> Result<Project, CliError> {
    let mut config = config(global)?;
    // Messages name files relative to where the user stands, as cargo does.
    config.migrations = relative(&config.migrations);
    config.templates = config.templates.as_deref().map(relative);
    Ok(Project::open(config)?)
}

/// A path as the user would type it: relative to the current directory when below it.
pub fn relative(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| path.to_path_buf())
}
