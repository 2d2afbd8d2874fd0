//! Finding a package's migrations directory and its revision files at build time: shared by
//! `schema_core::embed!()` and by build scripts.
//!
//! `embed!()` notices edits to the files it embeds, but a proc macro cannot watch a directory
//! (sqlx#681), so add a build.rs with `fn main() { schema_build::watch_migrations(); }` (and
//! `schema-build` under `[build-dependencies]`) so that new revision files are picked up. This
//! crate is small on purpose: a build dependency on schema-core would compile sqlx a second
//! time for the build script.

use std::path::{Component, Path, PathBuf};

use toml_edit::{DocumentMut, Item};

/// Tells cargo to rerun the build script, and so rebuild the package (re-expanding
/// `embed!()`), when anything below the package's migrations directory changes, or the
/// Cargo.toml files that configure it do.
///
/// # Panics
///
/// Outside a build script (no `CARGO_MANIFEST_DIR`), or when a Cargo.toml cannot be read or
/// the directory found; the message names the path.
pub fn watch_migrations() {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .expect("watch_migrations: CARGO_MANIFEST_DIR is not set; call it from a build script");
    let found = migrations_dir(Path::new(&dir)).unwrap_or_else(|e| panic!("{e}"));
    // A directory makes cargo scan everything below it, so new and removed files count too.
    println!("cargo:rerun-if-changed={}", found.dir.display());
    for manifest in found.manifests {
        println!("cargo:rerun-if-changed={}", manifest.display());
    }
}

/// The migrations directory, and every Cargo.toml read to find it (the expansion
/// `include_str!`s them, so that editing the configuration re-expands the macro).
#[derive(Debug, PartialEq, Eq)]
pub struct Found {
    pub dir: PathBuf,
    pub manifests: Vec<PathBuf>,
}

/// The package's migrations directory, as `cargo schema` finds it: `migrations` in the
/// package's `[package.metadata.schema]`, else in the workspace root's
/// `[workspace.metadata.schema]` (relative to the root), else `migrations` beside the Cargo.toml
/// whose table applies (the workspace root's when only the workspace declares a table).
pub fn migrations_dir(manifest_dir: &Path) -> Result<Found, String> {
    let manifest = manifest_dir.join("Cargo.toml");
    let doc = read(&manifest)?;
    let mut manifests = vec![manifest.clone()];
    let package_table = schema_table(&doc, "package");
    if let Some(dir) = migrations_key(package_table, &manifest, "package")? {
        return Ok(Found {
            dir: manifest_dir.join(dir),
            manifests,
        });
    }
    if let Some((root, root_manifest, root_doc)) = workspace_root(manifest_dir, &doc)? {
        if root_manifest != manifest {
            manifests.push(root_manifest.clone());
        }
        let ws_table = schema_table(&root_doc, "workspace");
        if let Some(dir) = migrations_key(ws_table, &root_manifest, "workspace")? {
            return Ok(Found {
                dir: root.join(dir),
                manifests,
            });
        }
        if ws_table.is_some() && package_table.is_none() {
            return Ok(Found {
                dir: root.join("migrations"),
                manifests,
            });
        }
    }
    Ok(Found {
        dir: manifest_dir.join("migrations"),
        manifests,
    })
}

fn read(manifest: &Path) -> Result<DocumentMut, String> {
    let text = std::fs::read_to_string(manifest)
        .map_err(|e| format!("cannot read `{}`: {e}", manifest.display()))?;
    text.parse::<DocumentMut>()
        .map_err(|e| format!("`{}` is not valid TOML: {e}", manifest.display()))
}

/// `[<top>.metadata.schema]`, if present.
fn schema_table<'a>(doc: &'a DocumentMut, top: &str) -> Option<&'a Item> {
    doc.get(top)?.get("metadata")?.get("schema")
}

fn migrations_key<'a>(
    table: Option<&'a Item>,
    manifest: &Path,
    top: &str,
) -> Result<Option<&'a str>, String> {
    match table.and_then(|t| t.get("migrations")) {
        None => Ok(None),
        Some(item) => item.as_str().map(Some).ok_or_else(|| {
            format!(
                "{}: `migrations` in `[{top}.metadata.schema]` must be a string",
                manifest.display()
            )
        }),
    }
}

/// The workspace root: the package's own Cargo.toml when it has a `[workspace]` table, the
/// one `package.workspace` points at, else the nearest ancestor's with a `[workspace]` table.
fn workspace_root(
    manifest_dir: &Path,
    doc: &DocumentMut,
) -> Result<Option<(PathBuf, PathBuf, DocumentMut)>, String> {
    if doc.get("workspace").is_some() {
        return Ok(Some((
            manifest_dir.to_path_buf(),
            manifest_dir.join("Cargo.toml"),
            doc.clone(),
        )));
    }
    if let Some(path) = doc
        .get("package")
        .and_then(|p| p.get("workspace"))
        .and_then(Item::as_str)
    {
        let root = manifest_dir.join(path);
        let manifest = root.join("Cargo.toml");
        let doc = read(&manifest)?;
        return Ok(Some((root, manifest, doc)));
    }
    for dir in manifest_dir.ancestors().skip(1) {
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let doc = read(&manifest)?;
        if doc.get("workspace").is_some() {
            return Ok(Some((dir.to_path_buf(), manifest, doc)));
        }
    }
    Ok(None)
}

/// Every `*.sql` file below `dir`, recursively, sorted by path, skipping hidden entries (the
/// same files `cargo schema` reads).
pub fn sql_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    if !dir.is_dir() {
        return Err(format!(
            "the migrations directory `{}` does not exist",
            dir.display()
        ));
    }
    let mut files = Vec::new();
    let mut saw_link = false;
    // Like `cargo schema`: links are followed (directories too, walkdir stops a loop), and one
    // that cannot be followed fails the build unless its name shows it holds no revision.
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(dir);
                let is_link = path
                    .symlink_metadata()
                    .is_ok_and(|m| m.file_type().is_symlink());
                let may_hide_revisions = !path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                    && path.extension().is_none_or(|x| x == "sql");
                if is_link && !may_hide_revisions && e.loop_ancestor().is_none() {
                    continue;
                }
                return Err(format!(
                    "cannot read `{}`: {e}{}",
                    path.display(),
                    if is_link { " (a symbolic link)" } else { "" }
                ));
            }
        };
        saw_link |= entry.path_is_symlink();
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "sql") {
            files.push(entry.into_path());
        }
    }
    if saw_link {
        // One file reached twice is one revision.
        let mut seen = std::collections::HashSet::new();
        files.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    }
    Ok(files)
}

/// `path` relative to `base` (both absolute), with `/` separators and `..` where `path` is
/// not below `base`.
pub fn relative(path: &Path, base: &Path) -> String {
    let path: Vec<Component> = path.components().collect();
    let base: Vec<Component> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); base.len() - common];
    parts.extend(
        path[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    const PKG: &str = "[package]\nname = \"p\"\nversion = \"0.1.0\"\n";

    /// A temporary directory holding `files`, each a path below it and its text.
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let t = tempfile::tempdir().expect("tempdir");
        for (path, text) in files {
            write(&t.path().join(path), text);
        }
        t
    }

    #[cfg(unix)]
    #[test]
    fn sql_files_follows_directory_links_once_and_refuses_broken_ones() {
        use std::os::unix::fs::symlink;
        let t = tempfile::tempdir().expect("tempdir");
        let m = t.path().join("migrations");
        write(&m.join("aa.sql"), "a");
        write(&t.path().join("shared/bb.sql"), "b");
        symlink("../shared", m.join("one")).expect("symlink");
        symlink("../shared", m.join("two")).expect("symlink");
        symlink("gone.md", m.join("README.md")).expect("symlink");
        assert_eq!(
            sql_files(&m).expect("found"),
            [m.join("aa.sql"), m.join("one/bb.sql")]
        );
        symlink("gone.sql", m.join("cc.sql")).expect("symlink");
        let e = sql_files(&m).expect_err("a dangling revision link");
        assert!(e.contains("cc.sql"), "{e}");
        std::fs::remove_file(m.join("cc.sql")).expect("rm");
        symlink("..", m.join("loop")).expect("symlink");
        let e = sql_files(&m).expect_err("a loop");
        assert!(e.contains("loop"), "{e}");
    }

    #[test]
    fn the_package_table_wins_over_the_workspace_table() {
        let t = tree(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"p\"]\n[workspace.metadata.schema]\nmigrations = \"ws-db\"\n",
            ),
            (
                "p/Cargo.toml",
                &format!("{PKG}[package.metadata.schema]\nmigrations = \"db\"\n"),
            ),
        ]);
        let root = t.path();
        let found = migrations_dir(&root.join("p")).expect("found");
        assert_eq!(found.dir, root.join("p/db"));
        assert_eq!(found.manifests, [root.join("p/Cargo.toml")]);
    }

    #[test]
    fn the_workspace_table_applies_relative_to_the_workspace_root() {
        let t = tree(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"crates/p\"]\n[workspace.metadata.schema]\nmigrations = \"ws-db\"\n",
            ),
            // A package table without `migrations` still takes the workspace's.
            (
                "crates/p/Cargo.toml",
                &format!("{PKG}[package.metadata.schema]\nversion-table = \"v\"\n"),
            ),
            // A plain Cargo.toml in between is not the root.
            ("crates/Cargo.toml", PKG),
        ]);
        let root = t.path();
        let found = migrations_dir(&root.join("crates/p")).expect("found");
        assert_eq!(found.dir, root.join("ws-db"));
        assert_eq!(
            found.manifests,
            [root.join("crates/p/Cargo.toml"), root.join("Cargo.toml")]
        );
    }

    #[test]
    fn the_default_is_beside_the_manifest_whose_table_applies() {
        let t = tree(&[
            ("Cargo.toml", "[workspace]\nmembers = [\"p\"]\n"),
            ("p/Cargo.toml", PKG),
        ]);
        let root = t.path();
        assert_eq!(
            migrations_dir(&root.join("p")).expect("found").dir,
            root.join("p/migrations")
        );
        // Only the workspace declares a table: its root is where relative paths start.
        write(
            &root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"p\"]\n[workspace.metadata.schema]\nlock = \"none\"\n",
        );
        assert_eq!(
            migrations_dir(&root.join("p")).expect("found").dir,
            root.join("migrations")
        );
        // A package without a workspace.
        let lone = tree(&[("Cargo.toml", PKG)]);
        assert_eq!(
            migrations_dir(lone.path()).expect("found").dir,
            lone.path().join("migrations")
        );
    }

    #[test]
    fn errors_name_the_manifest() {
        let t = tempfile::tempdir().expect("tempdir");
        let e = migrations_dir(t.path()).expect_err("no Cargo.toml");
        assert!(e.starts_with("cannot read `"), "{e}");
        assert!(e.contains("Cargo.toml"), "{e}");
        write(&t.path().join("Cargo.toml"), "[package\n");
        let e = migrations_dir(t.path()).expect_err("malformed");
        assert!(e.contains("Cargo.toml` is not valid TOML"), "{e}");
        write(
            &t.path().join("Cargo.toml"),
            &format!("{PKG}[package.metadata.schema]\nmigrations = 3\n"),
        );
        let e = migrations_dir(t.path()).expect_err("not a string");
        assert!(e.contains("`migrations` in `[package.metadata.schema]` must be a string"));
        let e = sql_files(&t.path().join("nope")).expect_err("missing");
        assert!(e.contains("nope` does not exist"), "{e}");
    }

    #[test]
    fn sql_files_are_recursive_sorted_and_skip_hidden_entries() {
        let t = tempfile::tempdir().expect("tempdir");
        let d = t.path();
        for f in [
            "b.sql",
            "a.sql",
            "sub/c.sql",
            "notes.md",
            ".hidden.sql",
            ".git/x.sql",
        ] {
            write(&d.join(f), "");
        }
        let files = sql_files(d).expect("files");
        let rel: Vec<String> = files.iter().map(|f| relative(f, d)).collect();
        assert_eq!(rel, ["a.sql", "b.sql", "sub/c.sql"]);
    }

    #[test]
    fn relative_paths_climb_with_dot_dot() {
        assert_eq!(
            relative(Path::new("/w/p/db/a.sql"), Path::new("/w/p")),
            "db/a.sql"
        );
        assert_eq!(
            relative(Path::new("/w/db/a.sql"), Path::new("/w/crates/p")),
            "../../db/a.sql"
        );
    }
}
