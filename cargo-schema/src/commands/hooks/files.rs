//! The hook files: reading their metadata, and writing them whole through a temporary file.

use std::fs;
use std::io;
use std::path::Path;

use super::script::{BEGIN, END};
use crate::error::Diagnostic;
use crate::project;

pub fn io_failure(action: &str, path: &Path, e: &io::Error) -> Diagnostic {
    Diagnostic {
        message: format!("cannot {action} {}: {e}", project::relative(path).display()),
        help: Vec::new(),
    }
}

pub fn metadata(path: &Path) -> Result<Option<fs::Metadata>, Diagnostic> {
    match fs::symlink_metadata(path) {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_failure("read", path, &e)),
    }
}

#[cfg(unix)]
pub fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
pub fn is_executable(_: &fs::Metadata) -> bool {
    true
}

#[cfg(unix)]
fn executable() -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    fs::Permissions::from_mode(0o755)
}

/// Writes a hook through a temporary file in the same directory, so git never runs half of
/// one. `permissions`: those of the file it replaces, or 755 for a new one.
pub fn write_hook(
    path: &Path,
    contents: &[u8],
    permissions: Option<fs::Permissions>,
) -> Result<(), Diagnostic> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.cargo-schema-tmp"));
    let result = (|| {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(&tmp, contents)?;
        #[cfg(unix)]
        fs::set_permissions(&tmp, permissions.unwrap_or_else(executable))?;
        #[cfg(not(unix))]
        let _ = permissions;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_failure("write", path, &e)
    })
}

pub fn unclosed(path: &Path) -> Diagnostic {
    Diagnostic {
        message: format!(
            "{} has a `{BEGIN}` line without a `{END}` line after it",
            project::relative(path).display()
        ),
        help: vec![format!(
            "edit the hook by hand: remove the unfinished cargo-schema block, or add `{END}` where it ends"
        )],
    }
}
