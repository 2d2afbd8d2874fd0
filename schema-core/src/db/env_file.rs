//! The `.env` file beside Cargo.toml, read for the database URL's environment variable.
//!
//! A file that cannot be parsed or read is an error naming it (and the line): skipping it
//! would send a command to the default database instead of the one the file names. Anything
//! that is not a regular file (a virtualenv directory called `.env`, a FIFO) is ignored with
//! a warning: reading it would block or never end.

use std::io::Read;
use std::path::{Path, PathBuf};

/// What a `.env` path holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvFile {
    /// Nothing there.
    Missing,
    /// Something that is not a regular file: why it is ignored, for a warning.
    Ignored(String),
    /// The variables, in file order.
    Vars(Vec<(String, String)>),
}

/// A `.env` file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvFileError {
    #[error("{}:{line}: this line of the `.env` file cannot be parsed", path.display())]
    Parse { path: PathBuf, line: usize },
    #[error("{}:{line}: the `.env` file is not UTF-8 text", path.display())]
    NotText { path: PathBuf, line: usize },
    #[error("cannot read the `.env` file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl EnvFile {
    /// The first value of `var`, when set and not empty.
    pub fn get(&self, var: &str) -> Option<&str> {
        match self {
            EnvFile::Vars(vars) => vars
                .iter()
                .find(|(k, _)| k == var)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty()),
            _ => None,
        }
    }
}

/// Reads and parses a `.env` file.
pub fn read(path: &Path) -> Result<EnvFile, EnvFileError> {
    let read_error = |source| EnvFileError::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A dangling symbolic link is there, just not usable.
            return Ok(match std::fs::symlink_metadata(path) {
                Ok(_) => EnvFile::Ignored(format!(
                    "{} is a symbolic link to nothing: ignored",
                    path.display()
                )),
                Err(_) => EnvFile::Missing,
            });
        }
        Err(e) => return Err(read_error(e)),
    };
    if !meta.is_file() {
        #[cfg(unix)]
        let fifo = std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type());
        #[cfg(not(unix))]
        let fifo = false;
        let what = if meta.is_dir() {
            "is a directory, not a file"
        } else if fifo {
            "is a named pipe (FIFO), not a file"
        } else {
            "is not a regular file"
        };
        return Ok(EnvFile::Ignored(format!(
            "{} {what}: ignored",
            path.display()
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(read_error)?;
    parse(path, &bytes)
}

/// The line (from 1) at a byte offset.
fn line_at(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Parses the contents of a `.env` file (dotenvy's syntax) named `path` in errors.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<EnvFile, EnvFileError> {
    let text = std::str::from_utf8(bytes).map_err(|e| EnvFileError::NotText {
        path: path.to_path_buf(),
        line: line_at(bytes, e.valid_up_to()),
    })?;
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut vars = Vec::new();
    for item in dotenvy::from_read_iter(body.as_bytes()) {
        match item {
            Ok(pair) => vars.push(pair),
            Err(dotenvy::Error::LineParse(logical_line, _)) => {
                return Err(EnvFileError::Parse {
                    path: path.to_path_buf(),
                    line: line_of(body, &logical_line),
                });
            }
            // The text is in memory: no I/O error; a `${VAR}` that cannot be read is unset.
            Err(_) => {}
        }
    }
    Ok(EnvFile::Vars(vars))
}

/// The line on which the logical line (possibly several physical lines, as the parser
/// reports it) that failed starts: the first line from which the text continues with it.
fn line_of(text: &str, logical_line: &str) -> usize {
    let needle = logical_line.trim_end_matches(['\n', '\r']);
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        if text[offset..].starts_with(needle) {
            return n + 1;
        }
        offset += line.len();
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<EnvFile, EnvFileError> {
        parse(Path::new("/p/.env"), text.as_bytes())
    }

    #[test]
    fn variables_are_read_in_order_and_the_first_wins() {
        let env =
            parsed("# comment\nA=1\nexport DATABASE_URL=\"sqlite:x.db\"\nDATABASE_URL=other\n")
                .expect("parses");
        assert_eq!(env.get("DATABASE_URL"), Some("sqlite:x.db"));
        assert_eq!(env.get("A"), Some("1"));
        assert_eq!(env.get("B"), None);
    }

    #[test]
    fn a_line_that_cannot_be_parsed_is_named() {
        for (text, line) in [
            ("A=1\nB=\"unclosed\nC=2\nDATABASE_URL=sqlite:x.db\n", 2),
            ("A=1\n\n  not a pair\nDATABASE_URL=sqlite:x.db\n", 3),
            ("A=1\nB=2\n\0\u{1}\u{2}binary\n", 3),
            ("A='multi\nline'\nB=x\n=novar\n", 4),
        ] {
            match parsed(text) {
                Err(e @ EnvFileError::Parse { .. }) => {
                    assert!(
                        e.to_string().starts_with(&format!("/p/.env:{line}:")),
                        "{e}"
                    );
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        let e = parse(Path::new("/p/.env"), b"A=1\nB=\xff\xfe\n").expect_err("binary");
        assert!(e.to_string().starts_with("/p/.env:2:"), "{e}");
    }

    #[test]
    fn the_message_never_quotes_the_line() {
        let e = parsed("DATABASE_URL=\"postgres://u:hunter2@h/db\n").expect_err("unclosed");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]
        /// Any bytes: no panic, and an error names a line of the file and never quotes it.
        #[test]
        fn any_bytes_parse_or_name_a_line(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::prelude::any::<u8>(),
                    proptest::sample::select(b"=\"'\n\\#$ {}AZ_".to_vec()),
                ],
                0..200,
            ),
        ) {
            let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
            if let Err(e) = parse(Path::new("/p/.env"), &bytes) {
                let shown = e.to_string();
                let line = match e {
                    EnvFileError::Parse { line, .. } | EnvFileError::NotText { line, .. } => line,
                    EnvFileError::Read { .. } => 0,
                };
                proptest::prop_assert!((1..=lines).contains(&line), "{shown}");
                proptest::prop_assert!(shown.starts_with(&format!("/p/.env:{line}: ")), "{shown}");
            }
        }
    }

    #[test]
    fn what_is_not_a_regular_file_is_ignored_and_a_missing_file_is_missing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".env");
        assert_eq!(read(&path).expect("missing"), EnvFile::Missing);
        std::fs::create_dir(&path).expect("mkdir");
        assert!(matches!(read(&path), Ok(EnvFile::Ignored(w)) if w.contains("directory")));
        std::fs::remove_dir(&path).expect("rmdir");
        #[cfg(unix)]
        {
            let made = std::process::Command::new("mkfifo").arg(&path).status();
            if made.is_ok_and(|s| s.success()) {
                assert!(matches!(read(&path), Ok(EnvFile::Ignored(w)) if w.contains("FIFO")));
                std::fs::remove_file(&path).expect("rm fifo");
            }
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("nowhere"), &path).expect("symlink");
            assert!(matches!(read(&path), Ok(EnvFile::Ignored(w)) if w.contains("symbolic")));
        }
    }
}
