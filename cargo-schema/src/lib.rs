//! The `cargo schema` command line: argument parsing, cargo integration and rendering.
//! All the logic lives in `schema-core`.

/// `println!` for data on stdout, without its panic when the reader has gone (`| head`): see
/// [`output::write_stdout`].
macro_rules! outln {
    () => { $crate::output::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` for data on stdout; see [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write_stdout(format_args!($($arg)*)) };
}

mod adopt;
pub mod cli;
mod commands;
mod error;
mod git;
mod lint;
mod metadata_cache;
mod offline;
mod output;
mod progress;
mod project;
mod prompt;
mod render;
mod scaffold;
mod scratch;
mod session;
mod several_heads;
mod target;

use std::ffi::OsString;

use clap::Parser;

pub use error::{CliError, Diagnostic};

/// Runs the command line and returns the process's exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> i32 {
    let mut args: Vec<OsString> = args.into_iter().collect();
    // `cargo schema x` runs `cargo-schema schema x`.
    if args.get(1).is_some_and(|a| a == "schema") {
        args.remove(1);
    }
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { error::INVALID } else { 0 };
            // clap prints its own `error:` and usage, in its own colours.
            let _ = e.print();
            return code;
        }
    };
    output::init_colors(cli.global.color);
    let out = output::Out::new(&cli.global);
    match commands::run(&cli, out) {
        Ok(()) => 0,
        Err(err) => {
            output::print_error(&err, out.verbose);
            err.code
        }
    }
}
