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

mod files;
mod repo;
mod script;

use std::fs;
use std::path::{Path, PathBuf};

use crate::cli::{GlobalArgs, HooksCommand};
use crate::error::{CliError, Diagnostic, FAILED};
use crate::output::Out;
use crate::project;

use files::{io_failure, metadata, unclosed, write_hook};
use script::{
    block, find_blocks, fresh_hook, insert_block, is_shell_script, only_shebang, remove_blocks,
    stops_early,
};

/// What a hook that is not a shell script is renamed to, after its own name.
const CHAINED: &str = ".cargo-schema-chained";

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
    let hooks = repo::locate(&manifest)?;
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
        outln!(
            "{}",
            serde_json::json!({ "hooks_dir": hooks.dir, "hooks": list })
        );
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CliError::of(FAILED, failures))
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
        if files::is_executable(&meta) && is_shell_script(&content) {
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
