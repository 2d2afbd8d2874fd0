//! The git repository around the project, through git2: where its hooks directory is and
//! how a hook names the manifest.

use std::fs;
use std::path::Path;

use git2::{ErrorCode, Repository};

use super::Hooks;
use super::script::sh_quote;
use crate::error::{CliError, FAILED};
use crate::project;

fn git_failed(e: &git2::Error) -> CliError {
    CliError::new(
        FAILED,
        format!("cannot read the git repository: {}", e.message()),
    )
}

/// Finds the repository around the manifest and its hooks directory.
pub fn locate(manifest: &Path) -> Result<Hooks, CliError> {
    let project_dir = manifest.parent().unwrap_or(Path::new("."));
    let repo = Repository::discover(project_dir).map_err(|e| {
        if e.code() == ErrorCode::NotFound {
            CliError::invalid(format!(
                "`{}` is not in a git repository, so there are no git hooks to manage",
                project::relative(project_dir).display(),
            ))
            .help("run `git init` first; the other commands work without git")
        } else {
            git_failed(&e)
        }
    })?;
    let Some(workdir) = repo.workdir() else {
        return Err(CliError::invalid(format!(
            "`{}` is a bare git repository: hooks that run `cargo schema sync` need a work tree",
            repo.path().display()
        )));
    };
    let config = repo.config().map_err(|e| git_failed(&e))?;
    let configured = match config.get_path("core.hooksPath") {
        Ok(p) if !p.as_os_str().is_empty() => Some(p),
        Ok(_) => None,
        Err(e) if e.code() == ErrorCode::NotFound => None,
        Err(e) => return Err(git_failed(&e)),
    };
    // Git runs hooks from the root of the work tree, and reads a relative `core.hooksPath`
    // from there too. A linked worktree shares the hooks of its main repository.
    let dir = match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => workdir.join(p),
        None => repo.commondir().join("hooks"),
    };
    Ok(Hooks {
        dir,
        manifest: manifest_expression(manifest, workdir),
    })
}

/// The manifest as a shell word: relative to the work tree's root (the hook's current
/// directory, which differs between linked worktrees) when it lies inside it.
fn manifest_expression(manifest: &Path, workdir: &Path) -> Vec<u8> {
    let canonical = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let manifest = canonical(manifest);
    match manifest.strip_prefix(canonical(workdir)) {
        Ok(rel) => {
            let mut expr = b"\"$(pwd)\"".to_vec();
            let mut tail = Vec::new();
            for part in rel.iter() {
                tail.push(b'/');
                tail.extend_from_slice(&os_bytes(part));
            }
            expr.extend_from_slice(&sh_quote(&tail));
            expr
        }
        Err(_) => sh_quote(&path_bytes(&manifest)),
    }
}

#[cfg(unix)]
fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    s.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}

#[cfg(unix)]
fn path_bytes(p: &Path) -> Vec<u8> {
    os_bytes(p.as_os_str())
}

#[cfg(not(unix))]
fn path_bytes(p: &Path) -> Vec<u8> {
    // Git for Windows runs hooks with its sh, which takes forward slashes.
    p.to_string_lossy().replace('\\', "/").into_bytes()
}
