//! Finding and reading the revision files under a migrations directory.

use std::path::{Path, PathBuf};

use crate::revision::{self, ParseError, Revision, Warning};

/// Why the revision files could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    #[error("the migrations directory `{}` does not exist", path.display())]
    MissingDirectory { path: PathBuf },
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Every malformed file, not just the first, so one run shows all there is to fix.
    #[error("{} malformed revision file(s)", errors.len())]
    Parse { errors: Vec<ParseError> },
}

/// The revision files of a directory, parsed.
#[derive(Debug, Default)]
pub struct Loaded {
    pub revisions: Vec<Revision>,
    pub warnings: Vec<Warning>,
}

/// Whether a directory entry is a revision file: `*.sql`, not hidden.
fn is_revision_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "sql")
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.')
}

/// Reads every `*.sql` file below `dir` (recursively, skipping hidden entries), in path order.
pub fn load_dir(dir: &Path) -> Result<Loaded, LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::MissingDirectory {
            path: dir.to_path_buf(),
        });
    }
    let mut paths = Vec::new();
    // Not following links spares a stat per entry (the directory listing has the types);
    // a linked file is still read, below.
    let walker = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !is_hidden(e));
    for entry in walker {
        let entry = entry.map_err(|e| LoadError::Io {
            path: e.path().unwrap_or(dir).to_path_buf(),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("a symbolic link loop")),
        })?;
        let is_file =
            entry.file_type().is_file() || (entry.path_is_symlink() && entry.path().is_file());
        if is_file && is_revision_file(entry.path()) {
            paths.push(entry.into_path());
        }
    }

    // Reading ten thousand small files is mostly system time; spread it over the cores.
    // Contiguous chunks keep the result in path order.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let chunk = paths.len().div_ceil(threads).max(256);
    let results: Vec<Vec<Result<Read, LoadError>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = paths
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|p| read_one(p)).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    vec![Err(LoadError::Io {
                        path: dir.to_path_buf(),
                        source: std::io::Error::other("a reader thread failed"),
                    })]
                })
            })
            .collect()
    });

    let mut loaded = Loaded::default();
    let mut errors = Vec::new();
    for result in results.into_iter().flatten() {
        match result? {
            Ok((revision, warnings)) => {
                loaded.revisions.push(revision);
                loaded.warnings.extend(warnings);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(LoadError::Parse { errors })
    }
}

/// One file: an I/O failure stops the load; a parse failure is collected with the others.
type Read = Result<(Revision, Vec<Warning>), ParseError>;

fn read_one(path: &Path) -> Result<Read, LoadError> {
    use std::io::Read as _;
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    // `std::fs::read` asks for the size first; revision files are small, so a buffer of a
    // typical size saves that system call on every file.
    // (`File::read_to_end` asks too, so the loop is by hand.)
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = vec![0u8; 4096];
    let mut len = 0;
    loop {
        if len == bytes.len() {
            bytes.resize(len * 2, 0);
        }
        match file.read(&mut bytes[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    }
    bytes.truncate(len);
    Ok(revision::parse_bytes(path, &bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_found_recursively_and_other_files_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("2026");
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::create_dir_all(dir.path().join(".hidden")).expect("mkdir");
        std::fs::write(
            dir.path().join("aa_one.sql"),
            "-- revision: aa\n-- migrate:up\n",
        )
        .expect("write");
        std::fs::write(
            sub.join("bb_two.sql"),
            "-- revision: bb\n-- revises: aa\n-- migrate:up\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("README.md"), "not a revision").expect("write");
        std::fs::write(dir.path().join(".hidden/cc.sql"), "junk").expect("write");
        let loaded = load_dir(dir.path()).expect("loads");
        let ids: Vec<_> = loaded.revisions.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["bb", "aa"]);
    }

    #[test]
    fn every_malformed_file_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.sql"), "-- migrate:up\n").expect("write");
        std::fs::write(dir.path().join("b.sql"), "-- revision: b\n").expect("write");
        match load_dir(dir.path()) {
            Err(LoadError::Parse { errors }) => assert_eq!(errors.len(), 2),
            other => panic!("expected parse errors, got {other:?}"),
        }
    }

    #[test]
    fn a_missing_directory_is_its_own_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(matches!(
            load_dir(&dir.path().join("nope")),
            Err(LoadError::MissingDirectory { .. })
        ));
    }
}
