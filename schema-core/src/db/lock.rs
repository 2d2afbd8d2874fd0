//! Waiting for the migration lock: polled (try, then a short sleep) rather than one blocking
//! call, so that a run can say within a second that it waits and for whom, and can give up
//! after the configured timeout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::DbError;

/// How often a waiting run tries the lock again.
const RETRY: Duration = Duration::from_millis(200);
/// How often a waiting run asks again who holds the lock (to report a change of holder).
const REASK: Duration = Duration::from_secs(10);

/// A run is waiting for the migration lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockWait {
    /// Who holds it, as far as the database can tell (`None`: it cannot say).
    pub holder: Option<String>,
}

impl std::fmt::Display for LockWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.holder {
            Some(h) => write!(f, "waiting for the migration lock, held by {h}"),
            None => write!(
                f,
                "waiting for the migration lock, held by another run (the database does not say which)"
            ),
        }
    }
}

/// Called when a run starts waiting for the lock, and again when the holder changes.
pub type OnWait = Arc<dyn Fn(&LockWait) + Send + Sync>;

/// How a run waits for the lock: how long at most (`None`: as long as it takes) and whom it
/// tells.
#[derive(Clone, Default)]
pub struct WaitPolicy {
    pub timeout: Option<Duration>,
    pub on_wait: Option<OnWait>,
}

/// One wait for the lock, from its first failed try.
pub struct Waiter<'a> {
    policy: &'a WaitPolicy,
    start: Instant,
    /// Who was reported last: its identity (a session, a connection, a lease's owner).
    reported: Option<Option<String>>,
    /// The last description of the holder, for the error after the timeout.
    last: Option<String>,
    asked: Option<Instant>,
}

/// Who holds the lock: `id` tells holders apart (a session, a connection, a lease's owner),
/// `text` describes it (and may change while it holds the lock: durations, expiry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub id: String,
    pub text: String,
}

impl<'a> Waiter<'a> {
    pub(super) fn new(policy: &'a WaitPolicy) -> Self {
        Waiter {
            policy,
            start: Instant::now(),
            reported: None,
            last: None,
            asked: None,
        }
    }

    /// Whether it is time to ask who holds the lock: at the first failed try, every
    /// [`REASK`], and just before giving up.
    pub(super) fn should_ask(&self) -> bool {
        match self.asked {
            None => true,
            Some(at) => at.elapsed() >= REASK || self.timed_out_soon(),
        }
    }

    /// SQLite's write lock was busy: reports it (SQLite cannot say who holds it), fails once
    /// the timeout is over, otherwise sleeps before the next try.
    pub async fn sqlite_busy(&mut self) -> Result<(), DbError> {
        let holder = self.should_ask().then(|| {
            Some(Holder {
                id: String::new(),
                text: "another connection to this SQLite database, which holds its write lock (SQLite does not say which process)"
                    .to_string(),
            })
        });
        self.busy(holder).await
    }

    fn timed_out_soon(&self) -> bool {
        self.policy
            .timeout
            .is_some_and(|t| self.start.elapsed() + RETRY >= t)
    }

    /// The lock was busy and `holder` has it (`Some` when just asked): reports a new holder
    /// (not the same one again), fails once the timeout is over, otherwise sleeps before the
    /// next try.
    pub(super) async fn busy(&mut self, holder: Option<Option<Holder>>) -> Result<(), DbError> {
        if let Some(holder) = holder {
            self.asked = Some(Instant::now());
            let id = holder.as_ref().map(|h| h.id.clone());
            let text = holder.map(|h| h.text);
            if self.reported.as_ref() != Some(&id) {
                if let Some(f) = &self.policy.on_wait {
                    f(&LockWait {
                        holder: text.clone(),
                    });
                }
                self.reported = Some(id);
            }
            self.last = text;
        }
        if let Some(timeout) = self.policy.timeout {
            let waited = self.start.elapsed();
            if waited >= timeout {
                return Err(DbError::LockTimeout {
                    waited: timeout,
                    holder: self.last.clone(),
                });
            }
            tokio::time::sleep(RETRY.min(timeout - waited)).await;
        } else {
            tokio::time::sleep(RETRY).await;
        }
        Ok(())
    }
}

/// A duration as a person reads it: `500 ms`, `2 s`, `1 min 30 s`.
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) if ms.is_multiple_of(1000) => format!("{s} s"),
        (0, 0, _) => format!("{:.1} s", d.as_secs_f64()),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// This machine's name, for the lock's holder description.
pub fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "an unknown host".to_string())
}

/// Cuts `s` to at most `max` bytes on a character boundary.
pub(super) fn cut(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The `application_name` of our PostgreSQL connections, so that a waiting run can say the
/// lock's holder is cargo-schema, and which process on which host (63 bytes at most).
pub fn application_name() -> String {
    let name = format!("cargo-schema pid {} on {}", std::process::id(), host_name());
    cut(&name, 63).to_string()
}

/// The owner written in a `table` lock lease: unique per run, and readable by a waiting run
/// as `PID@HOST@SINCE@RANDOM` (it fits the column's 64 characters).
pub(super) fn lease_owner(since: i64) -> String {
    let host = host_name().replace('@', "_");
    format!(
        "{}@{}@{since}@{}",
        std::process::id(),
        cut(&host, 24),
        crate::random::random_id()
    )
}

/// Whether the run that wrote a lease `owner` is still running: it names this host and a
/// process that exists here. Another host, an owner of an older release, or a system
/// without `/proc` cannot tell: `false`.
pub(super) fn holder_is_alive(owner: &str) -> bool {
    let parts: Vec<&str> = owner.splitn(4, '@').collect();
    let [pid, host, _, _] = parts.as_slice() else {
        return false;
    };
    let ours = host_name().replace('@', "_");
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    *host == cut(&ours, 24)
        && pid != std::process::id()
        && std::path::Path::new("/proc/self").exists()
        && std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// A lease row as a sentence: who took it, when, and when it expires. An owner written by
/// an older release (`PID-RANDOM`) is shown as it is.
pub(super) fn describe_lease(owner: &str, expires_at: i64, now: i64) -> String {
    let parts: Vec<&str> = owner.splitn(4, '@').collect();
    let who = match parts.as_slice() {
        [pid, host, since, _] => {
            let since = since
                .parse::<i64>()
                .map(|s| format!(", lease taken {}", timestamp(s)))
                .unwrap_or_default();
            format!("pid {pid} on host {host}{since}")
        }
        _ => format!("the run `{owner}`"),
    };
    let left = expires_at - now;
    let expiry = if left > 0 {
        format!(
            "expires in {} unless renewed",
            human(Duration::from_secs(left.unsigned_abs()))
        )
    } else {
        format!(
            "expired {} ago",
            human(Duration::from_secs(left.unsigned_abs()))
        )
    };
    format!("{who} (the `table` lock's lease row; it {expiry})")
}

/// Seconds since the epoch as `YYYY-MM-DD HH:MM:SS UTC`.
fn timestamp(epoch: i64) -> String {
    format!("{} UTC", crate::clock::Utc::from_epoch(epoch).seconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_owner_reads_back_as_pid_host_and_since() {
        let owner = lease_owner(1_700_000_000);
        assert!(owner.len() <= 64, "{owner}");
        let text = describe_lease(&owner, 1_700_000_100, 1_700_000_040);
        assert!(
            text.starts_with(&format!("pid {} on host ", std::process::id())),
            "{text}"
        );
        assert!(
            text.contains("lease taken 2023-11-14 22:13:20 UTC"),
            "{text}"
        );
        assert!(text.contains("expires in 1 min unless renewed"), "{text}");
        let old = describe_lease("123-abcdef", 10, 20);
        assert!(old.contains("the run `123-abcdef`"), "{old}");
        assert!(old.contains("expired 10 s ago"), "{old}");
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(human(Duration::from_millis(500)), "500 ms");
        assert_eq!(human(Duration::from_secs(2)), "2 s");
        assert_eq!(human(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(human(Duration::from_secs(90)), "1 min 30 s");
        assert_eq!(human(Duration::from_secs(120)), "2 min");
    }
}
