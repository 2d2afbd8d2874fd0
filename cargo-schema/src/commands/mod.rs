//! One function per command; each loads what it needs and renders what schema-core returns.

mod autogen;
mod database;
mod hooks;
mod read;
mod sync;
mod write;

use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::error::CliError;
use crate::output::Out;
use crate::project;

pub fn run(cli: &Cli, out: Out) -> Result<(), CliError> {
    let global = &cli.global;
    match &cli.command {
        Command::Init(args) => {
            write::init(global, out)?;
            if args.from_database {
                autogen::adopt(global, args, out)?;
            }
            Ok(())
        }
        Command::Hooks(command) => hooks::run(global, command, out),
        Command::Completions(args) => {
            let mut cmd = Cli::command();
            clap_complete::generate(args.shell, &mut cmd, "cargo-schema", &mut std::io::stdout());
            Ok(())
        }
        command => {
            let project = match project::open(global) {
                Ok(p) => p,
                // `check` reports malformed files as findings: exit 1, like any other.
                Err(mut e) if matches!(command, Command::Check(_)) => {
                    e.code = crate::error::FAILED;
                    return Err(e);
                }
                Err(e) => return Err(e),
            };
            for w in &project.warnings {
                out.warn(w);
            }
            // `up` to the head and `new` on the head refuse several heads: offer what `sync`
            // offers first (a merge revision, moving a local line, or nothing), when there is
            // someone to ask or `--yes`.
            let wants_one_head = match command {
                Command::Up(args) => {
                    !args.sql && matches!(args.target.as_deref(), None | Some("head"))
                }
                Command::New(args) => args.head.is_none(),
                _ => false,
            };
            let project = if wants_one_head
                && project.graph.heads().len() > 1
                && sync::can_resolve_heads(global)
            {
                sync::resolve_heads(project, global, out)?.0
            } else {
                project
            };
            match command {
                Command::New(args) if args.autogenerate => {
                    autogen::new(&project, global, args, out)
                }
                Command::New(args) => write::new(&project, args, out),
                Command::Merge(args) => write::merge(&project, args, out),
                Command::History(args) => read::history(&project, global, args, out),
                Command::Heads => read::heads(&project, out),
                Command::Branches => read::branches(&project, out),
                Command::Show(args) => read::show(&project, args, out),
                Command::Up(args) => database::up(&project, global, args, out),
                Command::Down(args) => database::down(&project, global, args, out),
                Command::Current => database::current(&project, global, out),
                Command::Stamp(args) => database::stamp(&project, global, args, out),
                Command::Repair(args) => database::repair(&project, global, args, out),
                Command::Check(args) => database::check(&project, global, args, out),
                Command::Sync(args) => sync::sync(project, global, args, out),
                Command::Init(_) | Command::Completions(_) | Command::Hooks(_) => Ok(()),
            }
        }
    }
}

/// Parses a target given on the command line.
fn target(text: &str) -> Result<schema_core::Target, CliError> {
    Ok(text.parse::<schema_core::Target>()?)
}
