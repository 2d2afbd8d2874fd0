//! Scratch databases earlier runs left behind on a server: this machine's are dropped (and
//! said so), the others listed.

use schema_core::db::DatabaseUrl;
use schema_core::scratch::{self, Leftover};

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
