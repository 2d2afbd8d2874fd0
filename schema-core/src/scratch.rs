//! Scratch databases: the temporary databases autogenerate, the drift check, lint and
//! `check --roundtrip` create on the user's server, and how a later run recognises one whose
//! owner is gone.
//!
//! A scratch database is named `cargo_schema_scratch_<host>_<boot>_<pid>_<random>`: `<host>`
//! is 8 hex digits of a hash of the machine's host name and machine id, `<boot>` 4 of its boot
//! id (Linux; `0000` where there is none), `<pid>` the creating process. An interruption from
//! the caller (the CLI's Ctrl-C and SIGTERM) drops it ([`Interrupt`]); after a kill -9 or a
//! crash, [`sweep`] drops it on the next run, but only when it is provably this machine's and
//! its process is gone (another boot, or no such process). A scratch database of another
//! machine, or an older release's (`cargo_schema_scratch_<12 hex>`,
//! `cargo_schema_check_<12 hex>`), is never dropped: it is listed when no session uses it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use crate::db::{Conn, DatabaseUrl, DbError, Dialect, UrlSource};

/// The prefix of every scratch database.
pub const PREFIX: &str = "cargo_schema_scratch_";
/// The prefix older releases gave `check --roundtrip`'s scratch databases.
const OLD_CHECK_PREFIX: &str = "cargo_schema_check_";
/// Unknown boot ids (not Linux) are written as this.
const NO_BOOT: &str = "0000";

fn short_hash(parts: &[&str], len: usize) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update(b"\0");
    }
    let mut hex = crate::checksum::hex(&h.finalize());
    hex.truncate(len);
    hex
}

fn host_name() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname writes at most that much.
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if rc == 0 {
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            return String::from_utf8_lossy(&buf[..end]).into_owned();
        }
    }
    std::env::var("COMPUTERNAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default()
}

/// This machine: its host name and machine id, hashed.
fn this_host() -> String {
    let machine = std::fs::read_to_string("/etc/machine-id").unwrap_or_default();
    short_hash(&[host_name().trim(), machine.trim()], 8)
}

/// This boot of this machine (Linux), hashed; [`NO_BOOT`] elsewhere.
fn this_boot() -> String {
    match std::fs::read_to_string("/proc/sys/kernel/random/boot_id") {
        Ok(id) if !id.trim().is_empty() => short_hash(&[id.trim()], 4),
        _ => NO_BOOT.to_string(),
    }
}

/// A fresh scratch database name for this process.
pub fn new_name() -> String {
    format!(
        "{PREFIX}{}_{}_{}_{}",
        this_host(),
        this_boot(),
        std::process::id(),
        crate::random::random_id()
    )
}

/// Who made a scratch database, as its name says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Owner {
    host: String,
    boot: String,
    pid: u32,
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// `Some(Some(owner))` for this release's names, `Some(None)` for an older release's, `None`
/// for any other database (never touched).
fn parse(name: &str) -> Option<Option<Owner>> {
    if let Some(rest) = name.strip_prefix(OLD_CHECK_PREFIX) {
        return is_hex(rest, 12).then_some(None);
    }
    let rest = name.strip_prefix(PREFIX)?;
    if is_hex(rest, 12) {
        return Some(None);
    }
    let parts: Vec<&str> = rest.split('_').collect();
    match parts.as_slice() {
        [host, boot, pid, random]
            if is_hex(host, 8)
                && is_hex(boot, 4)
                && is_hex(random, 12)
                && !pid.is_empty()
                && pid.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(Some(Owner {
                host: host.to_string(),
                boot: boot.to_string(),
                pid: pid.parse().ok()?,
            }))
        }
        _ => None,
    }
}

/// Whether a process with this id exists on this machine. When unsure, yes.
fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        if pid <= 0 {
            return true;
        }
        // SAFETY: signal 0 checks that the process exists and sends nothing.
        if unsafe { libc::kill(pid, 0) } == 0 {
            return true;
        }
        std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Whether the owner of a scratch database is provably gone: made on this machine, and in
/// another boot or by a process that no longer exists.
fn owner_gone(owner: &Owner, host: &str, boot: &str) -> bool {
    if owner.host != host || owner.pid == std::process::id() && owner.boot == boot {
        return false;
    }
    if owner.boot != boot && owner.boot != NO_BOOT && boot != NO_BOOT {
        return true;
    }
    !process_alive(owner.pid)
}

/// A scratch database left behind by an earlier run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    pub name: String,
    /// The process that created it, when the name says (this release's names).
    pub pid: Option<u32>,
}

impl Leftover {
    /// The statement that drops it.
    pub fn drop_sql(&self) -> String {
        format!("DROP DATABASE {};", self.name)
    }
}

/// What [`sweep`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swept {
    /// Dropped: made on this machine by a process that is gone.
    pub dropped: Vec<Leftover>,
    /// Not provably this machine's (or an older release's), and no session uses them: listed,
    /// never dropped.
    pub unclaimed: Vec<Leftover>,
}

/// Drops the scratch databases on `server` that this machine's runs left behind (a kill -9, a
/// crash, a lost connection) and lists those of other machines or older releases that no
/// session uses. Nothing to do on SQLite, whose scratch databases live in memory.
pub async fn sweep(server: &DatabaseUrl) -> Result<Swept, DbError> {
    if server.dialect == Dialect::Sqlite {
        return Ok(Swept::default());
    }
    let mut admin = Conn::connect(server).await?;
    let result = sweep_on(&mut admin).await;
    admin.close().await;
    result
}

/// How long a scratch database that is not provably ours must stay unused before it is
/// listed: a live run leaves its scratch database without a session for milliseconds only
/// (between creating it and connecting, between disconnecting and dropping it).
const UNUSED_FOR: std::time::Duration = std::time::Duration::from_secs(1);

async fn sweep_on(admin: &mut Conn) -> Result<Swept, DbError> {
    let names = scratch_names(admin).await?;
    let (host, boot) = (this_host(), this_boot());
    let mut swept = Swept::default();
    for name in names {
        let Some(owner) = parse(&name) else { continue };
        let leftover = Leftover {
            name: name.clone(),
            pid: owner.as_ref().map(|o| o.pid),
        };
        match owner {
            Some(o) if o.host == host => {
                if owner_gone(&o, &host, &boot) {
                    // One this user may not drop (another user's) is listed like a stranger's.
                    match drop_database(admin, &name).await {
                        Ok(()) => swept.dropped.push(leftover),
                        Err(_) => swept.unclaimed.push(leftover),
                    }
                }
            }
            _ => {
                if sessions(admin, &name).await?.is_empty() {
                    swept.unclaimed.push(leftover);
                }
            }
        }
    }
    if !swept.unclaimed.is_empty() {
        tokio::time::sleep(UNUSED_FOR).await;
        let still = scratch_names(admin).await?;
        let mut kept = Vec::new();
        for l in std::mem::take(&mut swept.unclaimed) {
            if still.contains(&l.name) && sessions(admin, &l.name).await?.is_empty() {
                kept.push(l);
            }
        }
        swept.unclaimed = kept;
    }
    Ok(swept)
}

/// The databases on the server whose names start like a scratch database's.
async fn scratch_names(admin: &mut Conn) -> Result<Vec<String>, DbError> {
    let list = match admin.dialect() {
        Dialect::Postgres => {
            "SELECT datname FROM pg_database WHERE datname LIKE 'cargo\\_schema\\_%' ORDER BY datname"
        }
        _ => {
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'cargo\\_schema\\_%' ORDER BY schema_name"
        }
    };
    Ok(admin
        .fetch_strings(list)
        .await?
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect())
}

/// The server's ids of the sessions using database `name` (as far as this user may see).
async fn sessions(admin: &mut Conn, name: &str) -> Result<Vec<String>, DbError> {
    let Some(sql) = admin.dialect().sessions_in(name) else {
        return Ok(Vec::new());
    };
    Ok(admin
        .fetch_strings(&sql)
        .await?
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect())
}

/// Drops a scratch database, ending the sessions still in it (a killed run's statement may
/// still be running on the server).
async fn drop_database(admin: &mut Conn, name: &str) -> Result<(), DbError> {
    crate::backend::drop_database(admin, name, true).await
}

/// A temporary database of the same kind as a server: SQLite in memory, or a uniquely named
/// PostgreSQL/MySQL database on the same server, dropped by [`Scratch::drop`].
pub struct Scratch {
    pub url: DatabaseUrl,
    /// The server connection that created it and drops it (PostgreSQL/MySQL).
    admin: Option<(Conn, String)>,
}

impl Scratch {
    pub async fn create(server: &DatabaseUrl) -> Result<Scratch, DbError> {
        if server.dialect == Dialect::Sqlite {
            return Ok(Scratch {
                url: DatabaseUrl::parse("sqlite::memory:", UrlSource::Flag)?,
                admin: None,
            });
        }
        let name = new_name();
        let url = server.with_database(&name)?;
        let mut admin = Conn::connect(server).await?;
        if let Err(e) = crate::backend::create_database(&mut admin, &name).await {
            admin.close().await;
            return Err(e);
        }
        Ok(Scratch {
            url,
            admin: Some((admin, name)),
        })
    }

    /// The scratch database's name, for messages ("SQLite in memory" for SQLite).
    pub fn describe(&self) -> String {
        match &self.admin {
            Some((_, name)) => format!("a temporary database `{name}`"),
            None => "an in-memory SQLite database".to_string(),
        }
    }

    /// The database's name on the server (`None` for SQLite in memory).
    pub fn name(&self) -> Option<&str> {
        self.admin.as_ref().map(|(_, name)| name.as_str())
    }

    /// Drops the database; its own connections must be closed first.
    pub async fn drop(self) -> Result<(), DbError> {
        let Some((mut admin, name)) = self.admin else {
            return Ok(());
        };
        let dropped = drop_database(&mut admin, &name).await;
        admin.close().await;
        dropped
    }
}

/// How the caller interrupts the work on a scratch database (the CLI: on Ctrl-C and
/// SIGTERM): a handle shared by the caller and every [`Stop`] made from it. schema-core
/// listens to no signal itself; whoever owns the process does and calls
/// [`Interrupt::interrupt`]. The default one is never interrupted unless someone calls it.
///
/// The owner of a scratch database makes a [`Stop`] before it creates the database and keeps
/// it until the database is dropped; when interrupted while it waits, it drops the database
/// and returns its `Interrupted` error. [`Interrupt::active`] and [`Interrupt::heard`] tell
/// the caller whether that happens (a scratch database exists; an interruption was acted on),
/// so that it can end the process itself when nobody will.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<InterruptState>);

#[derive(Debug, Default)]
struct InterruptState {
    /// Interruptions so far.
    fired: AtomicU64,
    /// The highest count of interruptions a [`Stop::wait`] acted on.
    heard: AtomicU64,
    /// How many [`Stop`]s are alive: scratch databases being created, used or dropped.
    active: AtomicUsize,
}

impl Interrupt {
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    /// Interrupts every [`Stop`] alive now (one waiting, or the next time it waits); returns
    /// the count of interruptions so far, for [`Interrupt::heard`]. Callable from any thread.
    pub fn interrupt(&self) -> u64 {
        self.0.fired.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Whether a scratch database is being created, used or dropped (a [`Stop`] is alive).
    pub fn active(&self) -> bool {
        self.0.active.load(Ordering::SeqCst) > 0
    }

    /// Whether the interruption that [`Interrupt::interrupt`] counted as `count` was acted on
    /// by a [`Stop::wait`]: its owner drops its database and returns an `Interrupted` error.
    /// When it was not (it arrived while the database was being dropped), the work goes on.
    pub fn heard(&self, count: u64) -> bool {
        self.0.heard.load(Ordering::SeqCst) >= count
    }

    /// A [`Stop`] for one scratch database, interrupted by what arrives from now on.
    pub fn listen(&self) -> Stop {
        self.0.active.fetch_add(1, Ordering::SeqCst);
        Stop {
            state: Arc::clone(&self.0),
            seen: self.0.fired.load(Ordering::SeqCst),
        }
    }
}

/// One scratch database's hold on an [`Interrupt`], made before the database is created (an
/// interruption while it is made is not lost) and kept until it is dropped.
#[derive(Debug)]
pub struct Stop {
    state: Arc<InterruptState>,
    /// The interruptions counted before this one listened.
    seen: u64,
}

/// How often [`Stop::wait`] looks.
const POLL: std::time::Duration = std::time::Duration::from_millis(50);

impl Stop {
    /// Completes when an interruption arrives (at once when one arrived since
    /// [`Interrupt::listen`]); it is then heard.
    pub async fn wait(&mut self) {
        loop {
            let fired = self.state.fired.load(Ordering::SeqCst);
            if fired != self.seen {
                self.state.heard.fetch_max(fired, Ordering::SeqCst);
                return;
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for Stop {
    fn drop(&mut self) {
        self.state.active.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_who_made_them_and_fit_every_server() {
        let name = new_name();
        assert!(name.len() <= 63, "{name}");
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{name}"
        );
        let owner = parse(&name).expect("a scratch name").expect("an owner");
        assert_eq!(owner.pid, std::process::id());
        assert_eq!(owner.host, this_host());
        assert_eq!(owner.boot, this_boot());
        assert_ne!(new_name(), name);
    }

    #[test]
    fn only_scratch_names_are_recognised() {
        assert_eq!(parse("cargo_schema_check_0123456789ab"), Some(None));
        assert_eq!(parse("cargo_schema_scratch_0123456789ab"), Some(None));
        for other in [
            "cargo_schema_demo",
            "cargo_schema_scratch_",
            "cargo_schema_scratch_0123456789ab_x",
            "cargo_schema_scratch_deadbeef_0000_12_0123456789aB",
            "cargo_schema_scratch_deadbeef_0000__0123456789ab",
            "cs_test_1_2",
            "app",
        ] {
            assert_eq!(parse(other), None, "{other}");
        }
    }

    #[test]
    fn only_this_machines_dead_processes_are_gone() {
        let (host, boot) = ("aaaaaaaa", "bbbb");
        let owner = |host: &str, boot: &str, pid: u32| Owner {
            host: host.into(),
            boot: boot.into(),
            pid,
        };
        // A process that has ended.
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let dead = child.id();
        child.wait().expect("wait");
        assert!(owner_gone(&owner(host, boot, dead), host, boot));
        // Alive: this process, or another machine's (whatever its pid).
        assert!(!owner_gone(
            &owner(host, boot, std::process::id()),
            host,
            boot
        ));
        assert!(!owner_gone(&owner("cccccccc", boot, dead), host, boot));
        // Another boot of this machine: whatever ran then is gone.
        assert!(owner_gone(
            &owner(host, "dddd", std::process::id()),
            host,
            boot
        ));
        // Unknown boots prove nothing.
        assert!(!owner_gone(
            &owner(host, NO_BOOT, std::process::id()),
            host,
            boot
        ));
    }
}
