//! `hooks install` / `hooks uninstall`: git hooks that run `cargo schema sync`.
//!
//! Each hook gets one block of POSIX shell between two marker lines:
//!
//! ```text
//! # >>> cargo-schema >>>
//! …
//! # <<< cargo-schema <<<
//! ```
//!
//! A hook that is not there is created (`#!/bin/sh` and the block). A shell script the user
//! already has gets the block appended after its own commands. Anything else (another
//! interpreter, a binary, a symbolic link, a file that is not executable) is renamed to
//! `<hook>.cargo-schema-chained` and run first by a new shell hook. `uninstall` takes the
//! block out again and puts back what was there, byte for byte.
//!
//! The block never blocks or breaks git: it reads no terminal (`</dev/null`), waits at most
//! two seconds for the migration lock (`CARGO_SCHEMA_LOCK_TIMEOUT`), never `exit`s
//! (the script's exit status stays that of the commands before the block, so content after
//! it still runs), reports a failed `sync` on one line and lets git carry on, and does nothing
//! when `cargo` is not on PATH or the project is not in the checkout. The manifest path is
//! relative to the work tree's root, which is where git runs hooks, so one hooks directory
//! serves every linked worktree of the repository.

use std::fs;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use git2::{ErrorCode, Repository};

use crate::cli::{GlobalArgs, HooksCommand};
use crate::error::{CliError, Diagnostic, FAILED};
use crate::output::Out;
use crate::project;

/// The first line of our block.
const BEGIN: &str = "# >>> cargo-schema >>>";
/// The last line of our block.
const END: &str = "# <<< cargo-schema <<<";
/// What a hook that is not a shell script is renamed to, after its own name.
const CHAINED: &str = ".cargo-schema-chained";
/// The first line of a hook we create.
const SHEBANG: &str = "#!/bin/sh\n";
/// Interpreters whose scripts can take a block of POSIX shell at the end.
const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash"];
/// How long a hook's `sync` waits for the migration lock: a hook never blocks git for long
/// (another run holding the lock makes `sync` give up, explain, and let git go on).
const HOOK_LOCK_TIMEOUT: &str = "2s";
/// The line a hook prints when `sync` fails.
const FAILED_LINE: &str = "cargo-schema: sync failed (the git operation itself succeeded)";

/// The git hooks we install: post-merge, post-checkout and post-rewrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hook {
    Merge,
    Checkout,
    Rewrite,
}

impl Hook {
    const ALL: [Hook; 3] = [Hook::Merge, Hook::Checkout, Hook::Rewrite];

    fn name(self) -> &'static str {
        match self {
            Hook::Merge => "post-merge",
            Hook::Checkout => "post-checkout",
            Hook::Rewrite => "post-rewrite",
        }
    }

    /// When the hook runs, for the comment in the block.
    fn when(self) -> &'static str {
        match self {
            Hook::Merge => "after a merge or a pull",
            Hook::Checkout => "after a switch to another branch",
            Hook::Rewrite => "after a rebase",
        }
    }

    /// The shell test that must hold for the hook to sync, and why.
    fn condition(self) -> Option<(&'static str, &'static str)> {
        match self {
            Hook::Merge => None,
            // $3 is 1 for a branch checkout and 0 for `git checkout -- FILE`; $1 = $2 when
            // HEAD did not move (`git checkout -b NEW`).
            Hook::Checkout => Some((
                r#"[ "${3-}" = 1 ] && [ "${1-}" != "${2-}" ] && "#,
                "# Only branch checkouts that move HEAD ($3 is 0 for `git checkout -- FILE`).\n",
            )),
            // `git commit --amend` does not change the files.
            Hook::Rewrite => Some((
                r#"[ "${1-}" = rebase ] && "#,
                "# Only rebases: `git commit --amend` does not change the files.\n",
            )),
        }
    }

    fn chained_name(self) -> String {
        format!("{}{CHAINED}", self.name())
    }
}

/// What `install` or `uninstall` did to one hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// A new hook file.
    Created,
    /// Our block after the commands of the user's shell hook.
    Appended,
    /// The user's hook renamed to `<hook>.cargo-schema-chained`, run by a new shell hook.
    Chained,
    /// Our block was there with other contents (an older cargo-schema, another manifest).
    Updated,
    /// Our block taken out (and the file deleted when nothing else was left).
    Removed,
    /// Our hook deleted and the renamed original put back.
    Restored,
    Unchanged,
}

impl Change {
    fn key(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Appended => "appended",
            Change::Chained => "chained",
            Change::Updated => "updated",
            Change::Removed => "removed",
            Change::Restored => "restored",
            Change::Unchanged => "unchanged",
        }
    }
}

/// Where the hooks go and what they run.
struct Hooks {
    /// `core.hooksPath`, or the hooks directory of the repository's common git directory.
    dir: PathBuf,
    /// The shell expression for the manifest path.
    manifest: Vec<u8>,
}

impl Hooks {
    fn path(&self, hook: Hook) -> PathBuf {
        self.dir.join(hook.name())
    }

    fn chained(&self, hook: Hook) -> PathBuf {
        self.dir.join(hook.chained_name())
    }

    fn shown(&self) -> String {
        project::relative(&self.dir).display().to_string()
    }
}

pub fn run(global: &GlobalArgs, command: &HooksCommand, out: Out) -> Result<(), CliError> {
    let manifest = project::manifest_path(global)?;
    let hooks = locate(&manifest)?;
    let mut changes = Vec::new();
    let mut failures = Vec::new();
    for hook in Hook::ALL {
        let result = match command {
            HooksCommand::Install => install(&hooks, hook, out),
            HooksCommand::Uninstall => uninstall(&hooks, hook, out),
        };
        match result {
            Ok(change) => {
                report(&hooks, hook, change, out);
                changes.push((hook, change));
            }
            Err(d) => failures.push(d),
        }
    }
    if failures.is_empty() && changes.iter().all(|(_, c)| *c == Change::Unchanged) {
        match command {
            HooksCommand::Install => out.status(
                "Fresh",
                format!(
                    "the post-merge, post-checkout and post-rewrite hooks in {} already run `cargo schema sync`",
                    hooks.shown()
                ),
            ),
            HooksCommand::Uninstall => out.status(
                "Fresh",
                format!("no cargo-schema hooks in {}", hooks.shown()),
            ),
        }
    }
    if out.json() {
        let list: Vec<serde_json::Value> = changes
            .iter()
            .map(|(hook, change)| {
                serde_json::json!({
                    "hook": hook.name(),
                    "path": hooks.path(*hook),
                    "change": change.key(),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({ "hooks_dir": hooks.dir, "hooks": list })
        );
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CliError {
            diagnostics: failures,
            code: FAILED,
        })
    }
}

fn report(hooks: &Hooks, hook: Hook, change: Change, out: Out) {
    let name = hook.name();
    let dir = hooks.shown();
    match change {
        Change::Created => out.status("Installed", format!("{name} hook in {dir}")),
        Change::Appended => out.status(
            "Installed",
            format!("{name} hook in {dir}, after the commands of the hook that was there"),
        ),
        Change::Chained => out.status(
            "Installed",
            format!(
                "{name} hook in {dir}; the hook that was there is kept as {} and runs first",
                hook.chained_name()
            ),
        ),
        Change::Updated => out.status("Updated", format!("{name} hook in {dir}")),
        Change::Removed => out.status("Removed", format!("{name} hook from {dir}")),
        Change::Restored => out.status(
            "Removed",
            format!("{name} hook from {dir}, restoring the hook that was there"),
        ),
        Change::Unchanged => {}
    }
}

// ---------------------------------------------------------------------------------------
// The repository
// ---------------------------------------------------------------------------------------

fn git_failed(e: &git2::Error) -> CliError {
    CliError::new(
        FAILED,
        format!("cannot read the git repository: {}", e.message()),
    )
}

/// Finds the repository around the manifest and its hooks directory.
fn locate(manifest: &Path) -> Result<Hooks, CliError> {
    let project_dir = manifest.parent().unwrap_or(Path::new("."));
    let repo = Repository::discover(project_dir).map_err(|e| {
        if e.code() == ErrorCode::NotFound {
            CliError::invalid(format!(
                "`{}` is not in a git repository, so there are no git hooks to manage",
                project::relative(project_dir).display(),
            ))
            .help("run `git init` first; the other commands work without git")
        } else {
            git_failed(&e)
        }
    })?;
    let Some(workdir) = repo.workdir() else {
        return Err(CliError::invalid(format!(
            "`{}` is a bare git repository: hooks that run `cargo schema sync` need a work tree",
            repo.path().display()
        )));
    };
    let config = repo.config().map_err(|e| git_failed(&e))?;
    let configured = match config.get_path("core.hooksPath") {
        Ok(p) if !p.as_os_str().is_empty() => Some(p),
        Ok(_) => None,
        Err(e) if e.code() == ErrorCode::NotFound => None,
        Err(e) => return Err(git_failed(&e)),
    };
    // Git runs hooks from the root of the work tree, and reads a relative `core.hooksPath`
    // from there too. A linked worktree shares the hooks of its main repository.
    let dir = match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => workdir.join(p),
        None => repo.commondir().join("hooks"),
    };
    Ok(Hooks {
        dir,
        manifest: manifest_expression(manifest, workdir),
    })
}

/// The manifest as a shell word: relative to the work tree's root (the hook's current
/// directory, which differs between linked worktrees) when it lies inside it.
fn manifest_expression(manifest: &Path, workdir: &Path) -> Vec<u8> {
    let canonical = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let manifest = canonical(manifest);
    match manifest.strip_prefix(canonical(workdir)) {
        Ok(rel) => {
            let mut expr = b"\"$(pwd)\"".to_vec();
            let mut tail = Vec::new();
            for part in rel.iter() {
                tail.push(b'/');
                tail.extend_from_slice(&os_bytes(part));
            }
            expr.extend_from_slice(&sh_quote(&tail));
            expr
        }
        Err(_) => sh_quote(&path_bytes(&manifest)),
    }
}

#[cfg(unix)]
fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    s.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}

#[cfg(unix)]
fn path_bytes(p: &Path) -> Vec<u8> {
    os_bytes(p.as_os_str())
}

#[cfg(not(unix))]
fn path_bytes(p: &Path) -> Vec<u8> {
    // Git for Windows runs hooks with its sh, which takes forward slashes.
    p.to_string_lossy().replace('\\', "/").into_bytes()
}

/// Single-quotes bytes for sh: `'` becomes `'\''`.
fn sh_quote(s: &[u8]) -> Vec<u8> {
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

// ---------------------------------------------------------------------------------------
// The block
// ---------------------------------------------------------------------------------------

/// Our block for `hook`, with its marker lines and final newline. `chained`: it first runs
/// `<hook>.cargo-schema-chained`, the hook that was there before.
fn block(hook: Hook, manifest: &[u8], chained: bool) -> Vec<u8> {
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
fn find_blocks(content: &[u8]) -> Result<Vec<Range<usize>>, ()> {
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
fn remove_blocks(content: &[u8], blocks: &[Range<usize>]) -> (Vec<u8>, usize) {
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
fn insert_block(content: &[u8], at: usize, block: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + block.len() + 1);
    out.extend_from_slice(&content[..at]);
    out.push(b'\n');
    out.extend_from_slice(block);
    out.extend_from_slice(&content[at..]);
    out
}

fn fresh_hook(block: &[u8]) -> Vec<u8> {
    insert_block(SHEBANG.as_bytes(), SHEBANG.len(), block)
}

/// A script git runs with a shell we can append POSIX shell to. Without a `#!` line git runs
/// a text file with sh.
fn is_shell_script(content: &[u8]) -> bool {
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
fn only_shebang(content: &[u8]) -> bool {
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
fn stops_early(content: &[u8]) -> bool {
    content.split(|&b| b == b'\n').any(|line| {
        let word = |w: &[u8]| {
            line.strip_prefix(w)
                .is_some_and(|rest| rest.first().is_none_or(|b| b" \t;\r".contains(b)))
        };
        word(b"exit") || word(b"exec")
    })
}

// ---------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------

fn io_failure(action: &str, path: &Path, e: &io::Error) -> Diagnostic {
    Diagnostic {
        message: format!("cannot {action} {}: {e}", project::relative(path).display()),
        help: Vec::new(),
    }
}

fn metadata(path: &Path) -> Result<Option<fs::Metadata>, Diagnostic> {
    match fs::symlink_metadata(path) {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_failure("read", path, &e)),
    }
}

#[cfg(unix)]
fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &fs::Metadata) -> bool {
    true
}

#[cfg(unix)]
fn executable() -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    fs::Permissions::from_mode(0o755)
}

/// Writes a hook through a temporary file in the same directory, so git never runs half of
/// one. `permissions`: those of the file it replaces, or 755 for a new one.
fn write_hook(
    path: &Path,
    contents: &[u8],
    permissions: Option<fs::Permissions>,
) -> Result<(), Diagnostic> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.cargo-schema-tmp"));
    let result = (|| {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(&tmp, contents)?;
        #[cfg(unix)]
        fs::set_permissions(&tmp, permissions.unwrap_or_else(executable))?;
        #[cfg(not(unix))]
        let _ = permissions;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_failure("write", path, &e)
    })
}

fn unclosed(path: &Path) -> Diagnostic {
    Diagnostic {
        message: format!(
            "{} has a `{BEGIN}` line without a `{END}` line after it",
            project::relative(path).display()
        ),
        help: vec![format!(
            "edit the hook by hand: remove the unfinished cargo-schema block, or add `{END}` where it ends"
        )],
    }
}

// ---------------------------------------------------------------------------------------
// install / uninstall
// ---------------------------------------------------------------------------------------

fn install(hooks: &Hooks, hook: Hook, out: Out) -> Result<Change, Diagnostic> {
    let path = hooks.path(hook);
    let chained = hooks.chained(hook);
    let has_chained = metadata(&chained)?.is_some();
    let ours = |chained: bool| block(hook, &hooks.manifest, chained);

    let Some(meta) = metadata(&path)? else {
        write_hook(&path, &fresh_hook(&ours(has_chained)), None)?;
        return Ok(Change::Created);
    };
    if meta.is_dir() {
        return Err(Diagnostic {
            message: format!(
                "{} is a directory, not a hook",
                project::relative(&path).display()
            ),
            help: vec!["move it away and run `cargo schema hooks install` again".to_string()],
        });
    }
    // A symbolic link is left as it is (it may point into a shared hooks framework) and
    // chained under the new name.
    if meta.is_file() {
        let content = fs::read(&path).map_err(|e| io_failure("read", &path, &e))?;
        let blocks = find_blocks(&content).map_err(|()| unclosed(&path))?;
        if !blocks.is_empty() {
            let (rest, at) = remove_blocks(&content, &blocks);
            let wanted = insert_block(&rest, at, &ours(has_chained));
            warn_if_stops_early(&path, &rest[..at], out);
            if wanted == content {
                return Ok(Change::Unchanged);
            }
            write_hook(&path, &wanted, Some(meta.permissions()))?;
            return Ok(Change::Updated);
        }
        if content.iter().all(u8::is_ascii_whitespace) {
            write_hook(&path, &fresh_hook(&ours(has_chained)), None)?;
            return Ok(Change::Created);
        }
        if is_executable(&meta) && is_shell_script(&content) {
            let wanted = insert_block(&content, content.len(), &ours(has_chained));
            warn_if_stops_early(&path, &content, out);
            write_hook(&path, &wanted, Some(meta.permissions()))?;
            return Ok(Change::Appended);
        }
    }
    // Not a shell script we can append to: keep it under another name and run it first.
    if has_chained {
        return Err(Diagnostic {
            message: format!(
                "cannot keep the {} hook that is there: {} already exists",
                hook.name(),
                project::relative(&chained).display()
            ),
            help: vec![
                "move one of them away and run `cargo schema hooks install` again".to_string(),
            ],
        });
    }
    fs::rename(&path, &chained).map_err(|e| io_failure("rename", &path, &e))?;
    if let Err(d) = write_hook(&path, &fresh_hook(&ours(true)), None) {
        let _ = fs::rename(&chained, &path);
        return Err(d);
    }
    Ok(Change::Chained)
}

fn warn_if_stops_early(path: &Path, before_block: &[u8], out: Out) {
    if stops_early(before_block) {
        out.warn(format!(
            "{} has an `exit` or `exec` line before cargo-schema's block, which then may never run: move the block above that line",
            project::relative(path).display()
        ));
    }
}

fn uninstall(hooks: &Hooks, hook: Hook, out: Out) -> Result<Change, Diagnostic> {
    let path = hooks.path(hook);
    let chained = hooks.chained(hook);
    let has_chained = metadata(&chained)?.is_some();
    let restore = || -> Result<Change, Diagnostic> {
        fs::rename(&chained, &path).map_err(|e| io_failure("restore", &chained, &e))?;
        Ok(Change::Restored)
    };

    let meta = match metadata(&path)? {
        None if has_chained => return restore(),
        None => return Ok(Change::Unchanged),
        Some(m) if !m.is_file() => return Ok(Change::Unchanged),
        Some(m) => m,
    };
    let content = fs::read(&path).map_err(|e| io_failure("read", &path, &e))?;
    let blocks = find_blocks(&content).map_err(|()| unclosed(&path))?;
    if blocks.is_empty() {
        if has_chained {
            out.warn(format!(
                "{} was not written by cargo-schema: the hook it replaced is left as {}",
                project::relative(&path).display(),
                project::relative(&chained).display()
            ));
        }
        return Ok(Change::Unchanged);
    }
    let (rest, _) = remove_blocks(&content, &blocks);
    if only_shebang(&rest) {
        fs::remove_file(&path).map_err(|e| io_failure("remove", &path, &e))?;
        return if has_chained {
            restore()
        } else {
            Ok(Change::Removed)
        };
    }
    write_hook(&path, &rest, Some(meta.permissions()))?;
    if has_chained {
        out.warn(format!(
            "{} has commands besides cargo-schema's, so the hook it replaced is left as {}: rename it back by hand",
            project::relative(&path).display(),
            project::relative(&chained).display()
        ));
    }
    Ok(Change::Removed)
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
