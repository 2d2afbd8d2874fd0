//! What `up` and `down` print while they run and when they finish.

use std::time::Duration;

use schema_core::Direction;
use schema_core::migrate::Event;

use crate::output::Out;

/// The last line of an `up` or `down`.
pub fn summary(out: Out, steps: usize, elapsed: Duration, fresh: String, done: &str) {
    if steps == 0 {
        out.status("Fresh", fresh);
    } else {
        out.status(
            "Finished",
            format!("{steps} revision(s){done} in {}", ms(elapsed)),
        );
    }
}

fn ms(d: Duration) -> String {
    if d.as_millis() >= 1000 {
        format!("{:.2} s", d.as_secs_f64())
    } else if d.as_millis() >= 10 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    }
}

/// Prints each step as it finishes; with more than a handful of steps and a terminal on
/// stderr, under a progress bar.
pub fn reporter(out: Out) -> impl FnMut(Event<'_>) {
    let mut bar: Option<indicatif::ProgressBar> = None;
    move |event| {
        let line = match event {
            Event::Planned { steps } => {
                if steps > 5 && !out.quiet && console::Term::stderr().is_term() {
                    let b = indicatif::ProgressBar::new(steps as u64);
                    if let Ok(style) = indicatif::ProgressStyle::with_template(
                        "{prefix:>12.cyan.bold} [{bar:30}] {pos}/{len} {wide_msg}",
                    ) {
                        b.set_style(style.progress_chars("=> "));
                    }
                    b.set_prefix("Migrating");
                    bar = Some(b);
                }
                return;
            }
            Event::Step {
                revision,
                direction,
                duration,
            } => {
                let verb = match direction {
                    Direction::Up => "Applied",
                    Direction::Down => "Rolled back",
                };
                let message = revision.message.as_deref().unwrap_or("");
                (
                    verb,
                    format!("{} {message} ({})", revision.id, ms(duration)),
                )
            }
            Event::Waiting { revision, on } => {
                let line = format!("{} is {on}", revision.id);
                return say(bar.as_ref(), out, line);
            }
            Event::Retrying {
                revision,
                attempt,
                attempts,
                after,
            } => {
                let line = format!(
                    "retrying {} (attempt {attempt} of {attempts}) after a lock timeout, in {}",
                    revision.id,
                    schema_core::db::human(after)
                );
                return say(bar.as_ref(), out, line);
            }
            Event::AlreadyDone { revision } => (
                "Skipped",
                format!("{} (another run did it first)", revision.id),
            ),
            Event::Replanned { steps } => {
                if let Some(b) = &bar {
                    b.set_length(b.position() + steps as u64);
                }
                (
                    "Replanned",
                    format!(
                        "another run changed the database: {steps} step(s) left for the same target"
                    ),
                )
            }
        };
        match &bar {
            Some(b) => {
                b.inc(1);
                if !out.quiet {
                    b.println(format!(
                        "{:>12} {}",
                        console::style(line.0).green().bold().for_stderr(),
                        line.1
                    ));
                }
                if b.position() >= b.length().unwrap_or(0) {
                    b.finish_and_clear();
                }
            }
            None => out.status(line.0, line.1),
        }
    }
}

/// A warning while a run goes on: above the progress bar when there is one.
fn say(bar: Option<&indicatif::ProgressBar>, out: Out, line: String) {
    match bar {
        Some(b) => b.suspend(|| out.warn(line)),
        None => out.warn(line),
    }
}
