//! Assertions shared by the end-to-end tests about how the binary reports problems.

use crate::Output;

/// Exit code 2: the request was invalid.
pub const INVALID: i32 = 2;

/// Asserts the exit code and that nothing panicked or asked for a backtrace.
#[track_caller]
pub fn exits(out: &Output, code: i32) -> &Output {
    out.code(code)
        .stderr_lacks("panicked")
        .stderr_lacks("RUST_BACKTRACE")
}

/// Asserts exit code 2, no panic, nothing on stdout, and an `error:` line holding every
/// needle.
#[track_caller]
pub fn invalid<'a>(out: &'a Output, needles: &[&str]) -> &'a Output {
    exits(out, INVALID);
    assert!(
        out.stdout.trim().is_empty(),
        "an error printed data on stdout\n{out:#?}"
    );
    error_line_has(out, needles)
}

/// Asserts that one `error:` line on stderr holds every needle.
#[track_caller]
pub fn error_line_has<'a>(out: &'a Output, needles: &[&str]) -> &'a Output {
    let found = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .any(|l| needles.iter().all(|n| l.contains(n)));
    assert!(
        found,
        "no `error:` line holds all of {needles:?}\n--- stderr ---\n{}",
        out.stderr
    );
    out
}

/// Asserts that one `help:` line on stderr holds the needle.
#[track_caller]
pub fn help_has<'a>(out: &'a Output, needle: &str) -> &'a Output {
    let found = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("help:"))
        .any(|l| l.contains(needle));
    assert!(
        found,
        "no `help:` line holds {needle:?}\n--- stderr ---\n{}",
        out.stderr
    );
    out
}

/// A version-table checksum: 64 lowercase hex digits (SHA-256); `what` names the row.
#[track_caller]
pub fn is_checksum(checksum: &str, what: &str) {
    assert!(
        checksum.len() == 64
            && checksum
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{what}: checksum {checksum:?} is not 64 lowercase hex digits"
    );
}
