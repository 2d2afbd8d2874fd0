//! SQLite: one file per database in a directory; the template is built beside its final
//! name and renamed, tests get copies.

use super::*;

fn io_error(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> TestDbError {
    let path = path.to_path_buf();
    move |source| TestDbError::Io { what, path, source }
}

pub(super) fn url_of(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Creates the directory and makes its path absolute.
pub(super) fn prepare_dir(dir: &Path) -> Result<PathBuf, TestDbError> {
    std::fs::create_dir_all(dir).map_err(io_error("cannot create the directory", dir))?;
    std::fs::canonicalize(dir).map_err(io_error("cannot resolve the directory", dir))
}

pub(super) async fn create(
    migrator: &Migrator,
    dir: &Path,
    template: &str,
    name: &str,
) -> Result<String, TestDbError> {
    let tpl = dir.join(format!("{template}.db"));
    if !tpl.is_file() {
        let lock = lock(dir).await?;
        let built = build(migrator, dir, template, &tpl).await;
        drop(lock);
        built?;
    }
    let path = dir.join(format!("{name}.db"));
    std::fs::copy(&tpl, &path).map_err(io_error("cannot copy the template to", &path))?;
    Ok(url_of(&path))
}

/// Takes the directory's lock file. The OS releases the lock when the process dies, so a
/// file left behind by a crash does not block anyone.
pub(super) async fn lock(dir: &Path) -> Result<File, TestDbError> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(io_error("cannot open the lock file", &path))?;
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(TryLockError::WouldBlock) => {
                return Err(TestDbError::LockTimeout {
                    server: format!("sqlite:{}", dir.display()),
                    seconds: LOCK_WAIT.as_secs(),
                });
            }
            Err(TryLockError::Error(e)) => {
                return Err(io_error("cannot lock", &path)(e));
            }
        }
    }
}

/// Builds the template under the lock, unless another process did meanwhile.
async fn build(
    migrator: &Migrator,
    dir: &Path,
    template: &str,
    tpl: &Path,
) -> Result<(), TestDbError> {
    if tpl.is_file() {
        return Ok(());
    }
    let building = dir.join(format!("{template}.building.{}.db", std::process::id()));
    remove(&building)?;
    if let Err(e) = migrator.run(&url_of(&building)).await {
        let _ = remove(&building);
        return Err(migrate_error(
            &Server::Sqlite(dir.to_path_buf()),
            template,
            e,
        ));
    }
    std::fs::rename(&building, tpl).map_err(io_error("cannot rename the template to", tpl))?;
    remove_stale(dir, template);
    Ok(())
}

/// Removes every template in the directory made from other revisions (templates of the same
/// revisions at other targets stay), and what crashed builders left (no one else is
/// building: this process holds the lock).
fn remove_stale(dir: &Path, template: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let stale = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(TEMPLATE_PREFIX) && !at::same_revisions(n, template));
        if stale {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Removes a database file and its journals; a file already gone is fine.
pub(super) fn remove(path: &Path) -> Result<(), TestDbError> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("cannot remove", &p)(e)),
        }
    }
    Ok(())
}
