//! Terminal output: colours, cargo-style status lines, warnings and errors.
//!
//! Data (ids, paths, json) goes to stdout; everything for the person at the terminal goes to
//! stderr.

use console::{Style, style};

use crate::cli::{ColorChoice, Format, GlobalArgs};
use crate::error::CliError;

/// Writes data to stdout. A reader that has gone (`cargo schema history | head`) ends the
/// process quietly with 0, as the data it wanted was written; any other failure to write (a full
/// disk under `up --sql > file.sql`) is an error with exit code 1, never a truncated script
/// that looks complete. Only read commands and offline scripts print to stdout: nothing is
/// running on a database when this exits.
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_fmt(args).and_then(|()| stdout.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            std::process::exit(1);
        }
    }
}

/// How much to say and in what format.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub quiet: bool,
    pub verbose: bool,
    pub format: Format,
}

impl Out {
    pub fn new(global: &GlobalArgs) -> Self {
        Out {
            quiet: global.quiet,
            verbose: global.verbose,
            format: global.format,
        }
    }

    pub fn json(&self) -> bool {
        self.format == Format::Json
    }

    /// A cargo-style status line on stderr: `     Created revision …`.
    pub fn status(&self, verb: &str, message: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{:>12} {message}", style(verb).green().bold().for_stderr());
        }
    }

    pub fn warn(&self, message: impl std::fmt::Display) {
        eprintln!(
            "{} {message}",
            style("warning:").yellow().bold().for_stderr()
        );
    }
}

/// Prints an error and its help lines, cargo-style; `verbose`: then the chain of causes.
pub fn print_error(err: &CliError, verbose: bool) {
    for d in &err.diagnostics {
        eprintln!(
            "{} {}",
            style("error:").red().bold().for_stderr(),
            d.message
        );
        for h in &d.help {
            eprintln!("{} {h}", style("help:").cyan().bold().for_stderr());
        }
    }
    if verbose && !err.causes.is_empty() {
        eprintln!("{}", style("Caused by:").bold().for_stderr());
        for cause in &err.causes {
            eprintln!("    {cause}");
        }
    }
}

/// Decides colouring: `--color`, then `CARGO_TERM_COLOR`, then `NO_COLOR`, then whether
/// the stream is a terminal.
pub fn init_colors(flag: Option<ColorChoice>) {
    let from_env = || {
        let v = std::env::var("CARGO_TERM_COLOR").ok()?;
        match v.to_ascii_lowercase().as_str() {
            "always" => Some(ColorChoice::Always),
            "never" => Some(ColorChoice::Never),
            "auto" => Some(ColorChoice::Auto),
            _ => None,
        }
    };
    let choice = flag.or_else(from_env).unwrap_or(ColorChoice::Auto);
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => {
            console::set_colors_enabled(true);
            console::set_colors_enabled_stderr(true);
        }
        ColorChoice::Never => {
            console::set_colors_enabled(false);
            console::set_colors_enabled_stderr(false);
        }
        // console already looks at the terminal, CLICOLOR and NO_COLOR for `auto`; say so
        // explicitly for NO_COLOR so the rule does not depend on the crate's version.
        ColorChoice::Auto if no_color => {
            console::set_colors_enabled(false);
            console::set_colors_enabled_stderr(false);
        }
        ColorChoice::Auto => {}
    }
}

/// Styles for the read commands' output on stdout.
pub struct Palette {
    pub id: Style,
    pub tag: Style,
    pub dim: Style,
}

impl Palette {
    pub fn stdout() -> Self {
        Palette {
            id: Style::new().yellow(),
            tag: Style::new().cyan().bold(),
            dim: Style::new().dim(),
        }
    }
}
