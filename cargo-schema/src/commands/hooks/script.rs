//! The hook script as text: our block, finding it, taking it out and putting it back byte
//! for byte, and what kind of script a hook is. No file system, no git.

use std::ops::Range;

use super::Hook;

/// The first line of our block.
pub const BEGIN: &str = "# >>> cargo-schema >>>";
/// The last line of our block.
pub const END: &str = "# <<< cargo-schema <<<";
/// The first line of a hook we create.
const SHEBANG: &str = "#!/bin/sh\n";
/// Interpreters whose scripts can take a block of POSIX shell at the end.
const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash"];
/// How long a hook's `sync` waits for the migration lock: a hook never blocks git for long
/// (another run holding the lock makes `sync` give up, explain, and let git go on).
const HOOK_LOCK_TIMEOUT: &str = "2s";
/// The line a hook prints when `sync` fails.
const FAILED_LINE: &str = "cargo-schema: sync failed (the git operation itself succeeded)";

/// Single-quotes bytes for sh: `'` becomes `'\''`.
pub fn sh_quote(s: &[u8]) -> Vec<u8> {
    let mut out = vec![b'\''];
    for &b in s {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

/// Our block for `hook`, with its marker lines and final newline. `chained`: it first runs
/// `<hook>.cargo-schema-chained`, the hook that was there before.
pub fn block(hook: Hook, manifest: &[u8], chained: bool) -> Vec<u8> {
    let name = hook.name();
    let mut s = format!(
        "{BEGIN}\n\
         # Written by `cargo schema hooks install`: runs `cargo schema sync` {when}.\n\
         # A failure is reported and git carries on. `cargo schema hooks uninstall` removes this.\n",
        when = hook.when()
    );
    if chained {
        let chained_name = hook.chained_name();
        s.push_str(&format!(
            "# The {name} hook that was here before is kept as {chained_name} and runs first.\n\
             cargo_schema_status=0\n\
             if [ -x \"$(dirname \"$0\")/{chained_name}\" ]; then\n    \
                 \"$(dirname \"$0\")/{chained_name}\" \"$@\"\n    \
                 cargo_schema_status=$?\n\
             fi\n"
        ));
    } else {
        // The script's exit status stays that of the commands before the block.
        s.push_str("cargo_schema_status=$?\n");
    }
    let mut out = s.into_bytes();
    out.extend_from_slice(b"cargo_schema_manifest=");
    out.extend_from_slice(manifest);
    out.push(b'\n');
    let (condition, why) = hook.condition().unwrap_or(("", ""));
    out.extend_from_slice(
        format!(
            "{why}if {condition}[ -f \"$cargo_schema_manifest\" ] && command -v cargo >/dev/null 2>&1; then\n    \
                 CARGO_SCHEMA_LOCK_TIMEOUT={HOOK_LOCK_TIMEOUT} cargo schema sync --manifest-path \"$cargo_schema_manifest\" </dev/null ||\n        \
                     echo \"{FAILED_LINE}\" >&2\n\
             fi\n\
             (exit \"$cargo_schema_status\")\n\
             {END}\n"
        )
        .as_bytes(),
    );
    out
}

/// The byte ranges of our blocks, each from the start of its first marker line to the end of
/// its last. `Err` when a block is not closed.
pub fn find_blocks(content: &[u8]) -> Result<Vec<Range<usize>>, ()> {
    let mut blocks = Vec::new();
    let mut start = None;
    let mut pos = 0;
    for line in content.split_inclusive(|&b| b == b'\n') {
        let end = pos + line.len();
        let text = line.trim_ascii_end();
        if text == BEGIN.as_bytes() {
            start.get_or_insert(pos);
        } else if text == END.as_bytes()
            && let Some(s) = start.take()
        {
            blocks.push(s..end);
        }
        pos = end;
    }
    if start.is_some() { Err(()) } else { Ok(blocks) }
}

/// The content without our blocks (each with the newline we put before it), and where the
/// first one was.
pub fn remove_blocks(content: &[u8], blocks: &[Range<usize>]) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(content.len());
    let mut first = None;
    let mut last = 0;
    for r in blocks {
        let mut start = r.start;
        if start > last && content[start - 1] == b'\n' {
            start -= 1;
        }
        out.extend_from_slice(&content[last..start]);
        first.get_or_insert(out.len());
        last = r.end;
    }
    out.extend_from_slice(&content[last..]);
    let first = first.unwrap_or(out.len());
    (out, first)
}

/// `content` with a newline and the block inserted at `at`: removing them gives `content`
/// back byte for byte, whether or not it ended with a newline.
pub fn insert_block(content: &[u8], at: usize, block: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + block.len() + 1);
    out.extend_from_slice(&content[..at]);
    out.push(b'\n');
    out.extend_from_slice(block);
    out.extend_from_slice(&content[at..]);
    out
}

pub fn fresh_hook(block: &[u8]) -> Vec<u8> {
    insert_block(SHEBANG.as_bytes(), SHEBANG.len(), block)
}

/// A script git runs with a shell we can append POSIX shell to. Without a `#!` line git runs
/// a text file with sh.
pub fn is_shell_script(content: &[u8]) -> bool {
    if content.contains(&0) {
        return false;
    }
    let Some(rest) = content.strip_prefix(b"#!") else {
        return true;
    };
    let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut words = line.split_whitespace();
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    let Some(mut program) = words.next().map(base) else {
        return false;
    };
    if program == "env" {
        match words.find(|w| !w.starts_with('-') && !w.contains('=')) {
            Some(w) => program = base(w),
            None => return false,
        }
    }
    SHELLS.contains(&program.as_str())
}

/// Only a `#!` line (or nothing) is left.
pub fn only_shebang(content: &[u8]) -> bool {
    let rest = if content.starts_with(b"#!") {
        content
            .iter()
            .position(|&b| b == b'\n')
            .map_or(&[][..], |i| &content[i + 1..])
    } else {
        content
    };
    rest.iter().all(u8::is_ascii_whitespace)
}

/// A line at the top level that ends the script before our block can run.
pub fn stops_early(content: &[u8]) -> bool {
    content.split(|&b| b == b'\n').any(|line| {
        let word = |w: &[u8]| {
            line.strip_prefix(w)
                .is_some_and(|rest| rest.first().is_none_or(|b| b" \t;\r".contains(b)))
        };
        word(b"exit") || word(b"exec")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_are_recognised() {
        assert!(is_shell_script(b"#!/bin/sh\necho hi\n"));
        assert!(is_shell_script(b"#!/usr/bin/env bash\n"));
        assert!(is_shell_script(b"#!/usr/bin/env -S zsh -e\n"));
        assert!(is_shell_script(b"#! /bin/dash\n"));
        assert!(is_shell_script(b"echo no shebang\n"));
        assert!(!is_shell_script(b"#!/usr/bin/env python3\nprint(1)\n"));
        assert!(!is_shell_script(b"#!/usr/bin/awk -f\n"));
        assert!(!is_shell_script(b"\x7fELF\0\0"));
    }

    #[test]
    fn a_block_comes_out_byte_for_byte() {
        let b = block(Hook::Merge, b"'x'", false);
        for original in [
            &b"#!/bin/sh\necho a\n"[..],
            b"#!/bin/sh\necho a",
            b"#!/bin/sh\n\n\n",
        ] {
            let with = insert_block(original, original.len(), &b);
            let blocks = find_blocks(&with).unwrap();
            assert_eq!(blocks.len(), 1);
            let (rest, at) = remove_blocks(&with, &blocks);
            assert_eq!(rest, original);
            assert_eq!(insert_block(&rest, at, &b), with);
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(sh_quote(b"/a b/it's"), b"'/a b/it'\\''s'".to_vec());
    }

    #[test]
    fn early_exits() {
        assert!(stops_early(b"#!/bin/sh\nexit 0\n"));
        assert!(stops_early(b"exec foo\n"));
        assert!(!stops_early(b"  exit 1\nexiting=1\n"));
    }

    #[test]
    fn unclosed_blocks_are_errors() {
        assert!(find_blocks(format!("#!/bin/sh\n{BEGIN}\necho\n").as_bytes()).is_err());
    }
}
