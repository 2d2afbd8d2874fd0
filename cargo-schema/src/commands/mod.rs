//! One file per command; each loads what it needs and renders what schema-core returns.
//! Commands depend on the shared layers (`session`, `prompt`, `render`, `scaffold`, …),
//! never on each other.

mod branches;
mod check;
mod current;
mod down;
mod heads;
mod history;
mod hooks;
mod import;
mod init;
mod lint;
mod merge;
mod new;
mod repair;
mod show;
mod stamp;
mod sync;
mod up;

use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::error::CliError;
use crate::output::Out;
use crate::{project, several_heads};

pub fn run(cli: &Cli, out: Out) -> Result<(), CliError> {
    let global = &cli.global;
    match &cli.command {
        Command::Init(args) => {
            init::init(global, out)?;
            if args.from_database {
                init::from_database(global, args, out)?;
            }
            Ok(())
        }
        Command::Hooks(command) => hooks::run(global, command, out),
        Command::Import(args) => import::import(global, args, out),
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
                    !args.run.sql && matches!(args.target.as_deref(), None | Some("head"))
                }
                Command::New(args) => args.head.is_none(),
                _ => false,
            };
            let project = if wants_one_head
                && project.graph.heads().len() > 1
                && several_heads::can_resolve(global)
            {
                several_heads::resolve(project, global, out)?.0
            } else {
                project
            };
            match command {
                Command::New(args) if args.autogenerate => {
                    new::autogenerate(&project, global, args, out)
                }
                Command::New(args) => new::plain(&project, args, out),
                Command::Merge(args) => merge::merge(&project, args, out),
                Command::History(args) => history::history(&project, global, args, out),
                Command::Heads => heads::heads(&project, out),
                Command::Branches => branches::branches(&project, out),
                Command::Show(args) => show::show(&project, args, out),
                Command::Up(args) => up::up(&project, global, args, out),
                Command::Down(args) => down::down(&project, global, args, out),
                Command::Current => current::current(&project, global, out),
                Command::Stamp(args) => stamp::stamp(&project, global, args, out),
                Command::Repair(args) => repair::repair(&project, global, args, out),
                Command::Check(args) => check::check(&project, global, args, out),
                Command::Lint(args) => lint::lint(&project, global, args, out),
                Command::Sync(args) => sync::sync(project, global, args, out),
                Command::Init(_)
                | Command::Completions(_)
                | Command::Hooks(_)
                | Command::Import(_) => Ok(()),
            }
        }
    }
}
