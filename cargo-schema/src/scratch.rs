//! Scratch databases: Ctrl-C and SIGTERM while one exists drop it (the signals are listened
//! to here, not in schema-core, which takes an [`Interrupt`]); those earlier runs left behind
//! on a server: this machine's are dropped (and said so), the others listed.

use std::sync::OnceLock;

use schema_core::db::DatabaseUrl;
use schema_core::scratch::{self, Interrupt, Leftover};

use crate::output::Out;

/// Drops the scratch databases this machine's runs left on `server` (a kill -9, a crash),
/// saying so, and returns those it may not drop: another machine's or an older release's that
/// no session uses. A failure to look is a warning.
async fn sweep(server: &DatabaseUrl, out: Out) -> Vec<Leftover> {
    match scratch::sweep(server).await {
        Ok(swept) => {
            for d in &swept.dropped {
                let by = d
                    .pid
                    .map(|pid| format!("process {pid}"))
                    .unwrap_or_else(|| "a run".to_string());
                out.status(
                    "Dropped",
                    format!(
                        "the scratch database `{}`, left behind by cargo-schema {by} on this machine, which has ended",
                        d.name
                    ),
                );
            }
            swept.unclaimed
        }
        Err(e) => {
            out.warn(format!(
                "could not look for scratch databases left behind on {}: {e}",
                server.redacted()
            ));
            Vec::new()
        }
    }
}

/// [`sweep`], with a warning for each scratch database it may not drop.
pub async fn warn_leftovers(server: &DatabaseUrl, out: Out) {
    for left in sweep(server, out).await {
        let by = match left.pid {
            Some(pid) => format!("by cargo-schema process {pid}"),
            None => "by an older cargo-schema".to_string(),
        };
        out.warn(format!(
            "the scratch database `{}` was left behind {by} and no session uses it; not dropped, as it is not provably this machine's and this user's: when no run uses it any more, `{}`",
            left.name,
            left.drop_sql()
        ));
    }
}

/// The process's [`Interrupt`], interrupted by Ctrl-C and SIGTERM: pass it to whatever works
/// on a scratch database. The first call starts listening to the signals, for the rest of the
/// process: call it just before the work, so that commands without a scratch database keep
/// the signals' default behaviour.
///
/// A signal that arrives while no scratch database exists ends the process as it would have
/// (exit 130 for Ctrl-C, 143 for SIGTERM): tokio never gives a signal back to the system once
/// something listened to it. One that arrives while a scratch database exists interrupts its
/// owner, which drops it and reports the interruption (exit 1); one that nobody acts on (it
/// arrived while the database was being dropped) ends the process once the database is gone.
pub fn interrupt() -> Interrupt {
    static INTERRUPT: OnceLock<Interrupt> = OnceLock::new();
    INTERRUPT
        .get_or_init(|| {
            let interrupt = Interrupt::new();
            listen(interrupt.clone());
            interrupt
        })
        .clone()
}

/// How often a signal nobody has acted on yet is looked at again.
const RECHECK: std::time::Duration = std::time::Duration::from_millis(50);

/// Starts the thread that receives the signals; returns once it listens (or could not start:
/// then the signals keep their default behaviour, which ends the process and leaves the
/// scratch database to the next run's sweep).
fn listen(interrupt: Interrupt) {
    let (ready, started) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("cargo-schema-signals".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                let _ = ready.send(());
                return;
            };
            rt.block_on(async move {
                let Some(mut signals) = Signals::new() else {
                    let _ = ready.send(());
                    return;
                };
                let _ = ready.send(());
                loop {
                    let code = signals.next().await;
                    if !interrupt.active() {
                        std::process::exit(code);
                    }
                    let count = interrupt.interrupt();
                    let interrupt = interrupt.clone();
                    tokio::spawn(async move {
                        while interrupt.active() {
                            tokio::time::sleep(RECHECK).await;
                        }
                        if !interrupt.heard(count) {
                            std::process::exit(code);
                        }
                    });
                }
            });
        });
    if spawned.is_ok() {
        let _ = started.recv();
    }
}

/// SIGINT and SIGTERM (Ctrl-C elsewhere).
struct Signals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> Option<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Some(Signals {
                int: signal(SignalKind::interrupt()).ok()?,
                term: signal(SignalKind::terminate()).ok()?,
            })
        }
        #[cfg(not(unix))]
        Some(Signals {})
    }

    /// The next signal, as the exit code it stands for.
    async fn next(&mut self) -> i32 {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.int.recv() => 130,
                _ = self.term.recv() => 143,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            130
        }
    }
}
