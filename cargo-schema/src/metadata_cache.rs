//! What `cargo metadata --no-deps` said, kept in the target directory so that a read command
//! does not pay for cargo's start-up (~25 ms) while the manifests stay as they are.
//!
//! The answer depends only on the manifests: the one the command works on, the workspace's and
//! its members', and whether a Cargo.toml exists above the package (a new one there can make it
//! a member of another workspace). The cache records each of those paths with its size and
//! modification time (and the members' parent directories, where a new member appears when
//! `members` is a glob), cargo's configuration files as seen from the current directory (where
//! `build.target-dir` may move the target directory), plus `CARGO_TARGET_DIR` and
//! `CARGO_BUILD_TARGET_DIR`; any difference, a file that cannot be read or
//! parsed, or a file modified within two seconds of the moment the answer was taken (a change
//! in the same clock tick would keep its size and time) runs `cargo metadata` again. Writing is
//! atomic (a temporary file renamed) and best-effort: a target directory that cannot be written
//! only costs the speed.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cargo_metadata::Metadata;
use serde::{Deserialize, Serialize};

/// The cache file's layout version: a file of another version is not read.
const VERSION: u32 = 2;

/// A file modified this close to when its answer was taken may change again without a visible
/// difference in size and time: such an answer is not cached.
const RACY: Duration = Duration::from_secs(2);

#[derive(Serialize, Deserialize)]
struct Entry {
    version: u32,
    /// The manifest the command was given, absolute.
    manifest: PathBuf,
    target_dir_env: TargetDirEnv,
    /// Cargo's configuration files that apply from the current directory, whether or not they
    /// exist (their states are among `stamps`).
    configs: Vec<PathBuf>,
    stamps: Vec<Stamp>,
    /// `cargo metadata`'s JSON, as it printed it.
    metadata: String,
}

/// One path as it was: `None` when it did not exist.
#[derive(Serialize, Deserialize, PartialEq, Eq, Debug)]
struct Stamp {
    path: PathBuf,
    state: Option<(u64, u128)>,
}

impl Stamp {
    fn of(path: &Path) -> Stamp {
        let state = std::fs::metadata(path).ok().map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            (m.len(), modified)
        });
        Stamp {
            path: path.to_path_buf(),
            state,
        }
    }

    fn is_current(&self) -> bool {
        *self == Stamp::of(&self.path)
    }

    /// Whether the path was modified within [`RACY`] of `now`.
    fn racy(&self, now: SystemTime) -> bool {
        let Some((_, modified)) = self.state else {
            return false;
        };
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        now.saturating_sub(modified) < RACY.as_nanos()
    }
}

/// The environment variables that choose the target directory, as they were.
#[derive(Serialize, Deserialize, PartialEq, Eq)]
struct TargetDirEnv {
    target_dir: Option<String>,
    build_target_dir: Option<String>,
}

impl TargetDirEnv {
    fn now() -> TargetDirEnv {
        TargetDirEnv {
            target_dir: std::env::var("CARGO_TARGET_DIR").ok(),
            build_target_dir: std::env::var("CARGO_BUILD_TARGET_DIR").ok(),
        }
    }
}

/// Cargo's configuration files for a command run in the current directory, nearest first:
/// `.cargo/config.toml` and `.cargo/config` in it and each directory above, then those in
/// `CARGO_HOME` (whether or not they exist).
fn config_files() -> Vec<PathBuf> {
    let pair = |dir: &Path| [dir.join("config.toml"), dir.join("config")];
    let mut files: Vec<PathBuf> = std::env::current_dir()
        .map(|cwd| {
            cwd.ancestors()
                .flat_map(|d| pair(&d.join(".cargo")))
                .collect()
        })
        .unwrap_or_default();
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(home) = home {
        for f in pair(&home) {
            if !files.contains(&f) {
                files.push(f);
            }
        }
    }
    files
}

/// `build.target-dir` of the nearest configuration file that sets it, resolved as cargo does
/// (relative to the directory holding `.cargo/`). A file that cannot be read or parsed says
/// nothing: the cache is then looked for elsewhere, and at worst not found.
fn configured_target_dir(configs: &[PathBuf]) -> Option<PathBuf> {
    configs.iter().find_map(|file| {
        let text = std::fs::read_to_string(file).ok()?;
        let doc: toml_edit::DocumentMut = text.parse().ok()?;
        let dir = doc.get("build")?.get("target-dir")?.as_str()?;
        let base = file.parent()?.parent()?;
        Some(base.join(dir))
    })
}

/// Where the entry for `manifest` would be under `target_dir`.
fn entry_path(target_dir: &Path, manifest: &Path) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    manifest.hash(&mut hasher);
    target_dir
        .join("cargo-schema")
        .join(format!("metadata-{:016x}.json", hasher.finish()))
}

/// The target directories an entry may be in, before `cargo metadata` has said which it is:
/// `CARGO_TARGET_DIR`, else `CARGO_BUILD_TARGET_DIR`, else the configuration's
/// `build.target-dir`, else `target/` beside the manifest or beside any Cargo.toml above it.
fn candidate_dirs(manifest: &Path, configs: &[PathBuf]) -> Vec<PathBuf> {
    let env = TargetDirEnv::now();
    if let Some(dir) = env.target_dir.or(env.build_target_dir) {
        let dir = PathBuf::from(dir);
        let cwd = std::env::current_dir().unwrap_or_default();
        return vec![cwd.join(dir)];
    }
    if let Some(dir) = configured_target_dir(configs) {
        return vec![dir];
    }
    manifest
        .ancestors()
        .skip(1)
        .filter(|d| d.join("Cargo.toml").is_file())
        .map(|d| d.join("target"))
        .collect()
}

/// The paths whose state decides the answer for `manifest`.
fn watched(manifest: &Path, meta: &Metadata) -> Vec<PathBuf> {
    let mut paths = vec![manifest.to_path_buf()];
    // A Cargo.toml appearing or changing above the package can change its workspace.
    paths.extend(manifest.ancestors().skip(2).map(|d| d.join("Cargo.toml")));
    let root: &Path = meta.workspace_root.as_std_path();
    paths.push(root.join("Cargo.toml"));
    for p in meta.workspace_packages() {
        let m = p.manifest_path.as_std_path();
        paths.push(m.to_path_buf());
        // A new member in a globbed directory changes that directory's time.
        if let Some(parent) = m
            .parent()
            .and_then(Path::parent)
            .filter(|d| d.starts_with(root))
        {
            paths.push(parent.to_path_buf());
        }
    }
    paths.sort();
    paths.dedup();
    paths
}

/// The cached answer for `manifest`, if one is there and still true.
pub fn read(manifest: &Path) -> Option<Metadata> {
    let env = TargetDirEnv::now();
    let configs = config_files();
    candidate_dirs(manifest, &configs)
        .into_iter()
        .find_map(|dir| {
            let text = std::fs::read_to_string(entry_path(&dir, manifest)).ok()?;
            let entry: Entry = serde_json::from_str(&text).ok()?;
            let fresh = entry.version == VERSION
                && entry.manifest == manifest
                && entry.target_dir_env == env
                && entry.configs == configs
                && entry.stamps.iter().all(Stamp::is_current);
            if !fresh {
                return None;
            }
            cargo_metadata::MetadataCommand::parse(&entry.metadata).ok()
        })
}

/// Keeps `json` (what `cargo metadata` printed for `manifest`, parsed as `meta`), unless a
/// watched file changed too recently to be sure of it. Failing to write is not an error.
pub fn write(manifest: &Path, meta: &Metadata, json: &str, taken: SystemTime) {
    let configs = config_files();
    let stamps: Vec<Stamp> = watched(manifest, meta)
        .iter()
        .chain(&configs)
        .map(|p| Stamp::of(p))
        .collect();
    if stamps.iter().any(|s| s.racy(taken)) {
        return;
    }
    let entry = Entry {
        version: VERSION,
        manifest: manifest.to_path_buf(),
        target_dir_env: TargetDirEnv::now(),
        configs,
        stamps,
        metadata: json.to_string(),
    };
    let Ok(text) = serde_json::to_string(&entry) else {
        return;
    };
    let path = entry_path(meta.target_directory.as_std_path(), manifest);
    let Some(dir) = path.parent() else {
        return;
    };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(".metadata-{}.tmp", std::process::id()));
    if std::fs::write(&tmp, text).is_err() || std::fs::rename(&tmp, &path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_changed_in_size_or_time_or_created_is_not_current() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("Cargo.toml");
        let absent = Stamp::of(&file);
        assert_eq!(absent.state, None);
        std::fs::write(&file, "a").expect("write");
        assert!(!absent.is_current());
        let one = Stamp::of(&file);
        assert!(one.is_current());
        std::fs::write(&file, "ab").expect("write");
        assert!(!one.is_current());
    }

    #[test]
    fn a_file_modified_just_now_is_racy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("Cargo.toml");
        std::fs::write(&file, "a").expect("write");
        let stamp = Stamp::of(&file);
        assert!(stamp.racy(SystemTime::now()));
        assert!(!stamp.racy(SystemTime::now() + Duration::from_secs(3)));
    }
}
