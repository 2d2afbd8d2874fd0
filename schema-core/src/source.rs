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
    /// Symbolic links that lead nowhere, with the malformed files found beside them: a
    /// revision behind such a link would otherwise be missing in silence.
    #[error("{} broken symbolic link(s)", links.len())]
    Links {
        links: Vec<LinkError>,
        errors: Vec<ParseError>,
    },
}

/// A symbolic link under the migrations directory that may hide revisions but cannot be
/// followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    #[error("`{}` is a symbolic link to `{}`, which does not exist", path.display(), target.display())]
    Dangling { path: PathBuf, target: PathBuf },
    /// A directory link that leads back to a directory it is in.
    #[error("`{}` is a symbolic link that loops back to `{}`", path.display(), ancestor.display())]
    Loop { path: PathBuf, ancestor: PathBuf },
    /// A link that never reaches a file or directory (links pointing at each other).
    #[error("`{}` is a symbolic link that never ends (its links loop)", path.display())]
    Endless { path: PathBuf },
    /// Any other failure to follow the link.
    #[error("cannot follow the symbolic link `{}`: {message}", path.display())]
    Other { path: PathBuf, message: String },
}

impl LinkError {
    /// The link at fault.
    pub fn path(&self) -> &Path {
        match self {
            LinkError::Dangling { path, .. }
            | LinkError::Loop { path, .. }
            | LinkError::Endless { path }
            | LinkError::Other { path, .. } => path,
        }
    }

    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            LinkError::Dangling { .. } => {
                "remove the link, or restore what it points to (revisions behind it would be missing)".into()
            }
            LinkError::Loop { .. } => {
                "remove the link: a directory cannot hold itself".into()
            }
            LinkError::Endless { .. } | LinkError::Other { .. } => {
                "remove the link, or point it at a revision file or a directory of them".into()
            }
        }
    }
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

/// Whether a link that cannot be followed may hide revisions: a `*.sql` name, or no extension
/// (a directory). `README.md -> gone.md` hides none; hidden names are skipped like files.
fn may_hide_revisions(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'));
    !hidden && path.extension().is_none_or(|e| e == "sql")
}

/// The errno for too many levels of symbolic links (`ErrorKind::FilesystemLoop` is unstable).
const ELOOP: Option<i32> = if cfg!(target_os = "linux") {
    Some(40)
} else if cfg!(unix) {
    Some(62)
} else {
    None
};

/// What a walk error says about the link at `path`, or `None` when it is no link's fault.
fn link_error(path: &Path, e: &walkdir::Error) -> Option<LinkError> {
    let is_link = path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink());
    if let Some(ancestor) = e.loop_ancestor() {
        return Some(LinkError::Loop {
            path: path.to_path_buf(),
            ancestor: ancestor.to_path_buf(),
        });
    }
    if !is_link {
        return None;
    }
    let io = e.io_error();
    Some(match io.map(std::io::Error::kind) {
        Some(std::io::ErrorKind::NotFound) => LinkError::Dangling {
            path: path.to_path_buf(),
            target: std::fs::read_link(path).unwrap_or_default(),
        },
        _ if io.and_then(std::io::Error::raw_os_error) == ELOOP => LinkError::Endless {
            path: path.to_path_buf(),
        },
        _ => LinkError::Other {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
    })
}

/// Reads every `*.sql` file below `dir` (recursively, skipping hidden entries), in path order.
pub fn load_dir(dir: &Path) -> Result<Loaded, LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::MissingDirectory {
            path: dir.to_path_buf(),
        });
    }
    let mut paths = Vec::new();
    let mut links = Vec::new();
    let mut saw_link = false;
    // Links are followed, files and directories alike (walkdir stats only the links, and
    // detects a directory link that loops back to an ancestor). A link that cannot be
    // followed is reported, never skipped: it may hide revisions.
    // Unsorted: walkdir's sort by file name parses both paths on every comparison (a tenth of
    // the CPU of `heads` on 100 revisions). The paths are sorted once below, component by
    // component: the order of a walk that visits each directory's entries by name.
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| !is_hidden(e));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                match link_error(&path, &e) {
                    Some(link) => {
                        if may_hide_revisions(&path) {
                            links.push(link);
                        }
                        continue;
                    }
                    None => {
                        return Err(LoadError::Io {
                            path,
                            source: e.into_io_error().unwrap_or_else(|| {
                                std::io::Error::other("the directory cannot be walked")
                            }),
                        });
                    }
                }
            }
        };
        saw_link |= entry.path_is_symlink();
        if entry.file_type().is_file() && is_revision_file(entry.path()) {
            paths.push(entry.into_path());
        }
    }
    paths.sort();
    links.sort_by(|a, b| a.path().cmp(b.path()));
    if saw_link {
        // The same file reached twice (two links to one directory, a link beside its
        // target) is one revision, named by its first path.
        let mut seen = std::collections::HashSet::new();
        paths.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    }

    // Reading ten thousand small files is mostly system time; spread it over the cores.
    // Contiguous chunks keep the result in path order.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    // A project of a few hundred revisions is read on this thread: starting one costs more.
    let chunk = paths.len().div_ceil(threads).max(256);
    let read_all = |part: &[PathBuf]| {
        let mut buf = Vec::new();
        part.iter().map(|p| read_one(p, &mut buf)).collect()
    };
    let results: Vec<Vec<Result<Read, LoadError>>> = if paths.len() <= chunk {
        vec![read_all(&paths)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = paths
                .chunks(chunk)
                .map(|part| scope.spawn(move || read_all(part)))
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
        })
    };

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
    if !links.is_empty() {
        Err(LoadError::Links { links, errors })
    } else if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(LoadError::Parse { errors })
    }
}

/// One file: an I/O failure stops the load; a parse failure is collected with the others.
type Read = Result<(Revision, Vec<Warning>), ParseError>;

/// Reads `path` into `buf` (one buffer for all the files a reader reads: no allocation and
/// zeroing per file) and parses it.
fn read_one(path: &Path, buf: &mut Vec<u8>) -> Result<Read, LoadError> {
    use std::io::Read as _;
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    // `std::fs::read` asks for the size first; revision files are small, so a buffer of a
    // typical size saves that system call on every file.
    // (`File::read_to_end` asks too, so the loop is by hand.)
    let mut file = std::fs::File::open(path).map_err(io)?;
    if buf.is_empty() {
        buf.resize(4096, 0);
    }
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(len * 2, 0);
        }
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    }
    Ok(revision::parse_bytes(path, &buf[..len]))
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
    fn files_come_in_the_order_of_a_walk_by_name() {
        // A directory sorts by its name among its siblings, before `a-c.sql` and `a.sql`
        // (byte order of the whole paths would put `a/b.sql` last).
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("a")).expect("mkdir");
        for (path, id) in [("a.sql", "x3"), ("a/b.sql", "x1"), ("a-c.sql", "x2")] {
            std::fs::write(
                dir.path().join(path),
                format!("-- revision: {id}\n-- migrate:up\n"),
            )
            .expect("write");
        }
        let loaded = load_dir(dir.path()).expect("loads");
        let ids: Vec<_> = loaded.revisions.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["x1", "x2", "x3"]);
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

    #[cfg(unix)]
    #[test]
    fn links_are_followed_and_broken_ones_reported_with_the_other_errors() {
        use std::os::unix::fs::symlink;
        let t = tempfile::tempdir().expect("tempdir");
        let m = t.path().join("m");
        std::fs::create_dir_all(t.path().join("shared")).expect("mkdir");
        std::fs::create_dir_all(&m).expect("mkdir");
        std::fs::write(m.join("aa.sql"), "-- revision: aa\n-- migrate:up\n").expect("write");
        std::fs::write(
            t.path().join("shared/bb.sql"),
            "-- revision: bb\n-- revises: aa\n-- migrate:up\n",
        )
        .expect("write");
        symlink("../shared", m.join("one")).expect("symlink");
        symlink("../shared", m.join("two")).expect("symlink");
        symlink("aa.sql", m.join("zz.sql")).expect("symlink");
        symlink("gone.txt", m.join("notes.txt")).expect("symlink");
        let loaded = load_dir(&m).expect("loads");
        let ids: Vec<_> = loaded.revisions.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["aa", "bb"]);
        assert_eq!(loaded.revisions[1].path, m.join("one/bb.sql"));

        symlink("gone/cc.sql", m.join("cc.sql")).expect("symlink");
        symlink("ee.sql", m.join("dd.sql")).expect("symlink");
        symlink("dd.sql", m.join("ee.sql")).expect("symlink");
        symlink(".", m.join("self")).expect("symlink");
        std::fs::write(m.join("ff.sql"), "-- migrate:up\n").expect("write");
        match load_dir(&m) {
            Err(LoadError::Links { links, errors }) => {
                assert_eq!(
                    links,
                    [
                        LinkError::Dangling {
                            path: m.join("cc.sql"),
                            target: "gone/cc.sql".into()
                        },
                        LinkError::Endless {
                            path: m.join("dd.sql")
                        },
                        LinkError::Endless {
                            path: m.join("ee.sql")
                        },
                        LinkError::Loop {
                            path: m.join("self"),
                            ancestor: m.clone()
                        },
                    ]
                );
                assert_eq!(errors.len(), 1, "{errors:?}");
            }
            other => panic!("expected link errors, got {other:?}"),
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
