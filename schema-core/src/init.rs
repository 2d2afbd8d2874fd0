//! `cargo schema init`: adding the metadata section to Cargo.toml, creating the migrations
//! directory and ignoring the embedded default database in `.gitignore`.
//!
//! The manifest is edited with `toml_edit`, so its comments, key order and formatting survive;
//! the only change is a `[package.metadata.schema]` (or, in a virtual workspace manifest,
//! `[workspace.metadata.schema]`) table appended at the end. Running [`init`] again changes
//! nothing.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, InlineTable, Item, Table, Value};

/// The migrations directory used when the section does not name one.
pub const DEFAULT_MIGRATIONS: &str = "migrations";

/// The `.gitignore` line that keeps the embedded default SQLite database out of git.
pub const DEFAULT_DATABASE_IGNORE: &str = "/dev.db";

/// The `.gitignore` lines for the default database and the files SQLite keeps beside it in WAL
/// mode (a database file cargo-schema creates is put in WAL mode).
pub const DEFAULT_DATABASE_IGNORES: [&str; 3] =
    [DEFAULT_DATABASE_IGNORE, "/dev.db-wal", "/dev.db-shm"];

/// What [`init`] did. Every flag is false when there was nothing left to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitOutcome {
    /// The metadata section was added to the manifest.
    pub manifest_changed: bool,
    /// The migrations directory did not exist and was created.
    pub created_migrations_dir: bool,
    /// `.gitignore` beside the manifest was created or had the default database added.
    pub gitignore_changed: bool,
    /// The migrations directory: the manifest's directory joined with the configured path.
    pub migrations_dir: PathBuf,
    /// The section holding the configuration: `"package.metadata.schema"` or
    /// `"workspace.metadata.schema"`.
    pub section: &'static str,
}

/// Why [`init`] could not finish. Nothing is written when the manifest cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// Reading or writing a file or directory failed.
    #[error("failed to access `{}`: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The manifest is not valid TOML, or has a shape `init` cannot extend.
    #[error("invalid manifest `{}`: {message}", path.display())]
    Toml {
        /// The manifest.
        path: PathBuf,
        /// What is wrong with it, with the line and column for a syntax error.
        message: String,
    },
}

/// Sets up `cargo schema` for the package or workspace whose manifest is `manifest_path`.
///
/// - Adds `[package.metadata.schema]` with `migrations = "migrations"` at the end of the
///   manifest (`[workspace.metadata.schema]` in a virtual workspace manifest), unless that
///   section already exists, in which case the manifest is left untouched and its `migrations`
///   key is honoured.
/// - Creates the migrations directory, relative to the manifest's directory, if missing.
/// - Ensures `.gitignore` beside the manifest has the `/dev.db`, `/dev.db-wal` and
///   `/dev.db-shm` lines (each also without its slash, or all as `dev.db*`), creating the file
///   if needed.
///
/// The manifest is checked before anything is written, so an unusable manifest changes nothing.
pub fn init(manifest_path: &Path) -> Result<InitOutcome, InitError> {
    let toml_error = toml_error(manifest_path);
    let mut document = parse_manifest(manifest_path)?;
    let (root, section) = if document.contains_key("package") {
        ("package", "package.metadata.schema")
    } else if document.contains_key("workspace") {
        ("workspace", "workspace.metadata.schema")
    } else {
        return Err(toml_error(
            "it has neither [package] nor [workspace]".to_owned(),
        ));
    };

    let (manifest_changed, migrations) =
        match existing_section(&document, root).map_err(toml_error)? {
            Some(migrations) => (false, migrations),
            None => {
                add_section(&mut document, root).map_err(toml_error)?;
                (true, None)
            }
        };
    let migrations = migrations.unwrap_or_else(|| DEFAULT_MIGRATIONS.to_owned());

    if manifest_changed {
        write(manifest_path, document.to_string().as_bytes())?;
    }

    let manifest_dir = manifest_path.parent().unwrap_or(Path::new(""));
    let migrations_dir = manifest_dir.join(&migrations);
    let created_migrations_dir = !migrations_dir.is_dir();
    if created_migrations_dir {
        fs::create_dir_all(&migrations_dir).map_err(|source| InitError::Io {
            path: migrations_dir.clone(),
            source,
        })?;
    }

    let gitignore_changed = ignore_default_database(&manifest_dir.join(".gitignore"))?;

    Ok(InitOutcome {
        manifest_changed,
        created_migrations_dir,
        gitignore_changed,
        migrations_dir,
        section,
    })
}

/// Sets `key = "value"` in the manifest's metadata section (which [`init`] made), keeping the
/// rest of the file as it is. Returns whether the file changed.
pub fn set_key(manifest_path: &Path, key: &str, value: &str) -> Result<bool, InitError> {
    let toml_error = toml_error(manifest_path);
    let mut document = parse_manifest(manifest_path)?;
    let root = if document.contains_key("package") {
        "package"
    } else {
        "workspace"
    };
    let schema = document
        .get_mut(root)
        .and_then(|r| r.get_mut("metadata"))
        .and_then(|m| m.get_mut("schema"))
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| toml_error(format!("it has no [{root}.metadata.schema] table")))?;
    if schema.get(key).and_then(Item::as_str) == Some(value) {
        return Ok(false);
    }
    schema.insert(key, toml_edit::value(value));
    write(manifest_path, document.to_string().as_bytes())?;
    Ok(true)
}

/// The error for the manifest at `path` that says what is wrong with it.
fn toml_error(path: &Path) -> impl Fn(String) -> InitError + Copy + '_ {
    move |message| InitError::Toml {
        path: path.to_path_buf(),
        message,
    }
}

/// The manifest at `path`, read and parsed.
fn parse_manifest(path: &Path) -> Result<DocumentMut, InitError> {
    let text = read_manifest(path)?;
    text.parse()
        .map_err(|error| toml_error(path)(describe_parse_error(&text, &error)))
}

fn read_manifest(path: &Path) -> Result<String, InitError> {
    let bytes = fs::read(path).map_err(|source| InitError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|_| InitError::Toml {
        path: path.to_path_buf(),
        message: "it is not valid UTF-8".to_owned(),
    })
}

fn write(path: &Path, contents: &[u8]) -> Result<(), InitError> {
    fs::write(path, contents).map_err(|source| InitError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// One line: where the syntax error is and what it is.
fn describe_parse_error(text: &str, error: &toml_edit::TomlError) -> String {
    let message = error
        .message()
        .trim()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ");
    let Some(span) = error.span() else {
        return format!("TOML parse error: {message}");
    };
    // Spans are byte offsets; count on bytes so a bad offset cannot split a character.
    let before = text.as_bytes().get(..span.start).unwrap_or(text.as_bytes());
    let line = before.iter().filter(|&&byte| byte == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(0, |newline| newline + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    format!("TOML parse error at line {line}, column {column}: {message}")
}

/// Looks for `<root>.metadata.schema`, as a table of any kind (standard, dotted or inline).
///
/// `Ok(None)`: absent. `Ok(Some(migrations))`: present, with its `migrations` key if that is
/// a string.
fn existing_section(document: &DocumentMut, root: &str) -> Result<Option<Option<String>>, String> {
    let Some(root_table) = document.get(root).and_then(Item::as_table_like) else {
        return Err(format!("`{root}` is not a table"));
    };
    let Some(metadata) = root_table.get("metadata") else {
        return Ok(None);
    };
    let Some(metadata) = metadata.as_table_like() else {
        return Err(format!("`{root}.metadata` is not a table"));
    };
    let Some(schema) = metadata.get("schema") else {
        return Ok(None);
    };
    let Some(schema) = schema.as_table_like() else {
        return Err(format!("`{root}.metadata.schema` is not a table"));
    };
    let migrations = schema
        .get("migrations")
        .and_then(Item::as_str)
        .map(str::to_owned);
    Ok(Some(migrations))
}

/// Adds `[<root>.metadata.schema]` with the default `migrations` key after every other table.
fn add_section(document: &mut DocumentMut, root: &str) -> Result<(), String> {
    let position = last_position(document.as_table()).saturating_add(1);
    // Comments and blank lines after the last key belong to the document's trailing text,
    // which is written after every table; move them in front of the new table so they stay
    // where they were, and separate the table from them by one blank line.
    let mut prefix = document.trailing().as_str().unwrap_or("").to_owned();
    if !prefix.is_empty() && !prefix.ends_with('\n') {
        prefix.push('\n');
    }
    let ends_with_blank_line = prefix.strip_suffix('\n').is_some_and(|body| {
        body.rsplit('\n')
            .next()
            .is_some_and(|line| line.trim().is_empty())
    });
    if !ends_with_blank_line {
        prefix.push('\n');
    }

    let mut schema = Table::new();
    schema.insert("migrations", toml_edit::value(DEFAULT_MIGRATIONS));
    schema.set_position(Some(position));
    schema.decor_mut().set_prefix(prefix);

    let Some(root_item) = document.get_mut(root) else {
        return Err(format!("`{root}` is missing"));
    };
    match root_item {
        Item::Table(root_table) => {
            let metadata = root_table.entry("metadata").or_insert_with(|| {
                let mut metadata = Table::new();
                metadata.set_implicit(true);
                Item::Table(metadata)
            });
            match metadata {
                Item::Table(metadata) => {
                    metadata.insert("schema", Item::Table(schema));
                }
                Item::Value(Value::InlineTable(metadata)) => {
                    metadata.insert("schema", inline_section());
                }
                _ => return Err(format!("`{root}.metadata` is not a table")),
            }
        }
        Item::Value(Value::InlineTable(root_table)) => {
            match root_table.get_mut("metadata") {
                None => {
                    let mut metadata = InlineTable::new();
                    metadata.insert("schema", inline_section());
                    root_table.insert("metadata", Value::InlineTable(metadata));
                }
                Some(Value::InlineTable(metadata)) => {
                    metadata.insert("schema", inline_section());
                }
                Some(_) => return Err(format!("`{root}.metadata` is not a table")),
            }
            return Ok(());
        }
        _ => return Err(format!("`{root}` is not a table")),
    }
    document.set_trailing("");
    Ok(())
}

/// `{ migrations = "migrations" }`, for manifests that keep their metadata inline.
fn inline_section() -> Value {
    let mut schema = InlineTable::new();
    schema.insert("migrations", Value::from(DEFAULT_MIGRATIONS));
    Value::InlineTable(schema)
}

/// The greatest document position of any table, so a new one can be placed after them all.
fn last_position(table: &Table) -> isize {
    let mut last = table.position().unwrap_or(0);
    for (_, item) in table.iter() {
        match item {
            Item::Table(nested) => last = last.max(last_position(nested)),
            Item::ArrayOfTables(array) => {
                for nested in array.iter() {
                    last = last.max(last_position(nested));
                }
            }
            _ => {}
        }
    }
    last
}

/// Ensures `.gitignore` has the lines ignoring the default database and its WAL files; true
/// when it was written. The lines already there are left as they are; the missing ones are
/// added.
fn ignore_default_database(path: &Path) -> Result<bool, InitError> {
    let existing = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(source) => {
            return Err(InitError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let lines: Vec<&[u8]> = existing
        .split(|&byte| byte == b'\n')
        .map(<[u8]>::trim_ascii)
        .collect();
    let covered = |wanted: &str| {
        let bare = wanted.trim_start_matches('/');
        lines.iter().any(|&line| {
            let line = line.strip_prefix(b"/").unwrap_or(line);
            line == bare.as_bytes() || line == b"dev.db*"
        })
    };
    let missing: Vec<&str> = DEFAULT_DATABASE_IGNORES
        .into_iter()
        .filter(|wanted| !covered(wanted))
        .collect();
    if missing.is_empty() {
        return Ok(false);
    }
    let mut contents = existing.clone();
    if !contents.is_empty() && !contents.ends_with(b"\n") {
        contents.push(b'\n');
    }
    for line in missing {
        contents.extend_from_slice(line.as_bytes());
        contents.push(b'\n');
    }
    write(path, &contents)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECTION: &str = "\n[package.metadata.schema]\nmigrations = \"migrations\"\n";
    /// What `init` writes to an empty `.gitignore`.
    const IGNORED: &str = "/dev.db\n/dev.db-wal\n/dev.db-shm\n";

    /// A project directory with a Cargo.toml holding `manifest`.
    fn project(manifest: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("Cargo.toml");
        fs::write(&path, manifest).expect("the manifest is written");
        (dir, path)
    }

    fn read(path: &Path) -> String {
        fs::read_to_string(path).expect("the file is readable")
    }

    fn run(path: &Path) -> InitOutcome {
        init(path).unwrap_or_else(|error| panic!("init failed: {error}"))
    }

    const COMMENTED: &str = r#"# The application.
[package]
name    = "app"   # aligned, on purpose
version = "0.1.0"
edition = "2024"

[dependencies]
# keep these sorted
serde = { version = "1", features = ["derive"] }
zeta  = "0.1"
alpha = "2"

[package.metadata.docs.rs]
all-features = true
"#;

    #[test]
    fn init_keeps_comments_and_layout_byte_for_byte_and_appends_the_table() {
        let (dir, path) = project(COMMENTED);
        let outcome = run(&path);
        assert_eq!(read(&path), format!("{COMMENTED}{SECTION}"));
        assert_eq!(
            outcome,
            InitOutcome {
                manifest_changed: true,
                created_migrations_dir: true,
                gitignore_changed: true,
                migrations_dir: dir.path().join("migrations"),
                section: "package.metadata.schema",
            }
        );
        assert!(dir.path().join("migrations").is_dir());
        assert_eq!(read(&dir.path().join(".gitignore")), IGNORED);
    }

    #[test]
    fn init_twice_changes_nothing_the_second_time() {
        let (dir, path) = project(COMMENTED);
        fs::write(dir.path().join(".gitignore"), "/target\n").expect("written");
        run(&path);
        let manifest = read(&path);
        let gitignore = read(&dir.path().join(".gitignore"));
        assert_eq!(gitignore, format!("/target\n{IGNORED}"));

        let again = run(&path);
        assert!(!again.manifest_changed);
        assert!(!again.created_migrations_dir);
        assert!(!again.gitignore_changed);
        assert_eq!(again.migrations_dir, dir.path().join("migrations"));
        assert_eq!(read(&path), manifest);
        assert_eq!(read(&dir.path().join(".gitignore")), gitignore);
    }

    #[test]
    fn a_virtual_workspace_manifest_gets_the_workspace_section() {
        let manifest = "[workspace]\nresolver = \"3\"\nmembers = [\"a\", \"b\"]\n";
        let (_dir, path) = appended(
            manifest,
            "workspace.metadata.schema",
            "\n[workspace.metadata.schema]\nmigrations = \"migrations\"\n",
        );
        assert!(!run(&path).manifest_changed);
    }

    #[test]
    fn a_root_package_of_a_workspace_gets_the_package_section() {
        let manifest = "[workspace]\nmembers = [\"a\"]\n\n[package]\nname = \"app\"\n";
        appended(manifest, "package.metadata.schema", SECTION);
    }

    /// `init` in a project whose manifest has no section appends `text`, the `section` table.
    fn appended(manifest: &str, section: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
        let (dir, path) = project(manifest);
        let outcome = run(&path);
        assert_eq!(outcome.section, section);
        assert_eq!(read(&path), format!("{manifest}{text}"));
        (dir, path)
    }

    #[test]
    fn an_existing_section_is_left_alone_and_its_migrations_directory_is_used() {
        let manifest = "[package]\nname = \"app\"\n\n[package.metadata.schema]\n\
                        migrations = \"db/migrations\"   # custom\n\n[dependencies]\n";
        let (dir, outcome) = left_alone(manifest, "db/migrations");
        assert!(!outcome.manifest_changed);
        assert!(outcome.created_migrations_dir);
        assert!(dir.path().join("db/migrations").is_dir());
        assert!(!dir.path().join("migrations").exists());
    }

    #[test]
    fn an_existing_section_without_a_migrations_key_uses_the_default_directory() {
        let manifest = "[package]\nname = \"app\"\n\n[package.metadata.schema]\n\
                        database-url = \"sqlite:other.db\"\n";
        left_alone(manifest, "migrations");
    }

    #[test]
    fn a_section_written_as_dotted_keys_counts_as_existing() {
        let manifest = "[package]\nname = \"app\"\nmetadata.schema.migrations = \"sql\"\n";
        left_alone(manifest, "sql");
    }

    /// `init` in a project whose manifest already has a section: the manifest is left as it is
    /// and the migrations directory is `migrations` below the project.
    fn left_alone(manifest: &str, migrations: &str) -> (tempfile::TempDir, InitOutcome) {
        let (dir, path) = project(manifest);
        let outcome = run(&path);
        assert_eq!(read(&path), manifest);
        assert_eq!(outcome.migrations_dir, dir.path().join(migrations));
        (dir, outcome)
    }

    /// `init` refuses `manifest` with a message holding each of `fragments`.
    fn refused(manifest: &str, fragments: &[&str]) {
        let (_dir, path) = project(manifest);
        let message = init(&path).expect_err("refused").to_string();
        for fragment in fragments {
            assert!(message.contains(fragment), "{message}");
        }
    }

    #[test]
    fn a_manifest_that_is_not_valid_toml_is_an_error_naming_the_file() {
        let (dir, path) = project("[package]\nname = \"app\nversion = 1\n");
        let error = init(&path).expect_err("invalid TOML is refused");
        assert!(matches!(error, InitError::Toml { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("line 2"), "{message}");
        assert!(!message.contains('\n'), "{message}");
        assert!(!dir.path().join("migrations").exists());
        assert!(!dir.path().join(".gitignore").exists());
    }

    #[test]
    fn a_manifest_with_neither_package_nor_workspace_is_an_error() {
        refused(
            "[dependencies]\nserde = \"1\"\n",
            &["neither [package] nor [workspace]", "Cargo.toml"],
        );
    }

    #[test]
    fn a_metadata_key_that_is_not_a_table_is_an_error() {
        refused(
            "[package]\nname = \"app\"\nmetadata = 3\n",
            &["`package.metadata` is not a table"],
        );
        refused(
            "[package.metadata]\nschema = \"yes\"\n",
            &["`package.metadata.schema`"],
        );
    }

    #[test]
    fn a_missing_manifest_is_an_io_error_naming_the_file() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("Cargo.toml");
        let error = init(&path).expect_err("refused");
        assert!(matches!(error, InitError::Io { .. }), "{error:?}");
        assert!(error.to_string().contains(&path.display().to_string()));
    }

    #[test]
    fn a_gitignore_without_a_trailing_newline_gets_one_before_the_new_line() {
        let (dir, path) = project("[package]\nname = \"app\"\n");
        fs::write(dir.path().join(".gitignore"), "/target").expect("written");
        assert!(run(&path).gitignore_changed);
        assert_eq!(
            read(&dir.path().join(".gitignore")),
            format!("/target\n{IGNORED}")
        );
    }

    #[test]
    fn a_gitignore_that_already_ignores_dev_db_is_left_alone() {
        for existing in [
            "dev.db*\n",
            "/target\r\n/dev.db\r\n/dev.db-wal\r\n/dev.db-shm\r\n",
            "/dev.db*",
            "dev.db\ndev.db-shm\ndev.db-wal",
        ] {
            let (dir, path) = project("[package]\nname = \"app\"\n");
            fs::write(dir.path().join(".gitignore"), existing).expect("written");
            assert!(!run(&path).gitignore_changed, "{existing:?}");
            assert_eq!(read(&dir.path().join(".gitignore")), existing);
        }
    }

    #[test]
    fn a_gitignore_that_ignores_only_dev_db_gets_its_wal_files_added() {
        let (dir, path) = project("[package]\nname = \"app\"\n");
        fs::write(
            dir.path().join(".gitignore"),
            "/target\ndev.db\n/dev.db-shm\n",
        )
        .expect("written");
        assert!(run(&path).gitignore_changed);
        assert_eq!(
            read(&dir.path().join(".gitignore")),
            "/target\ndev.db\n/dev.db-shm\n/dev.db-wal\n"
        );
        assert!(!run(&path).gitignore_changed);
    }

    #[test]
    fn an_empty_gitignore_gets_just_the_line() {
        let (dir, path) = project("[package]\nname = \"app\"\n");
        fs::write(dir.path().join(".gitignore"), "").expect("written");
        run(&path);
        assert_eq!(read(&dir.path().join(".gitignore")), IGNORED);
    }

    #[test]
    fn a_manifest_without_a_trailing_newline_still_gets_a_separate_table() {
        let (_dir, path) = project("[package]\nname = \"app\"");
        run(&path);
        assert_eq!(read(&path), format!("[package]\nname = \"app\"\n{SECTION}"));
    }

    #[test]
    fn a_comment_at_the_end_of_the_manifest_stays_above_the_new_table() {
        let manifest = "[package]\nname = \"app\"\n\n[features]\ndefault = []\n# extra = []\n";
        let (_dir, path) = project(manifest);
        run(&path);
        assert_eq!(read(&path), format!("{manifest}{SECTION}"));
    }

    #[test]
    fn blank_lines_at_the_end_of_the_manifest_stay_above_the_new_table() {
        for ending in ["\n", "\n\n", "\n  \n", "\n# done\n\n", "\n# done"] {
            let manifest = format!("[package]\nname = \"app\"{ending}");
            let (_dir, path) = project(&manifest);
            run(&path);
            let expected = if ending.ends_with("\n\n") || ending == "\n  \n" {
                format!("{manifest}{}", &SECTION[1..])
            } else if ending.ends_with('\n') {
                format!("{manifest}{SECTION}")
            } else {
                format!("{manifest}\n{SECTION}")
            };
            assert_eq!(read(&path), expected, "{ending:?}");
        }
    }

    #[test]
    fn an_inline_metadata_table_gets_an_inline_section() {
        let manifest = "[package]\nname = \"app\"\nmetadata = { other = 1 }\n";
        let (_dir, path) = project(manifest);
        assert!(run(&path).manifest_changed);
        let written = read(&path);
        let document: DocumentMut = written.parse().expect("still valid TOML");
        assert_eq!(
            document["package"]["metadata"]["schema"]["migrations"].as_str(),
            Some("migrations")
        );
        assert!(!run(&path).manifest_changed);
    }

    #[test]
    fn a_migrations_path_taken_by_a_file_is_an_io_error_naming_it() {
        let (dir, path) = project("[package]\nname = \"app\"\n");
        fs::write(dir.path().join("migrations"), "").expect("written");
        let error = init(&path).expect_err("refused");
        assert!(matches!(error, InitError::Io { .. }), "{error:?}");
        assert!(error.to_string().contains("migrations"), "{error}");
    }
}
