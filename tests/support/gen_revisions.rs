//! `gen-revisions DIR [--revisions N] [--branch-every N] [--merge-after N]`: writes the
//! branchy benchmark project (see `cargo_schema_e2e::generate`) and prints its head's id.

use std::path::PathBuf;
use std::process::ExitCode;

use cargo_schema_e2e::generate::{GenOptions, generate_project};

const USAGE: &str = "\
usage: gen-revisions DIR [--revisions N] [--branch-every N] [--merge-after N]

Writes a cargo project at DIR whose migrations directory holds a branchy revision history,
then prints the id of its single head.

options (defaults in brackets):
  --revisions N      number of revision files, merge revisions included [10000]
  --branch-every N   a side branch forks every N revisions; 0 never branches [50]
  --merge-after N    revisions on both lines before the merge revision, at least 2 [20]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, opts) = match parse_args(&args) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match generate_project(&dir, &opts) {
        Ok(project) => {
            eprintln!(
                "wrote {} revisions to {} (head {})",
                project.revisions,
                dir.display(),
                project.head
            );
            println!("{}", project.head);
            ExitCode::SUCCESS
        }
        Err(error) if error.kind() == std::io::ErrorKind::InvalidInput => {
            eprintln!("error: {error}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(error) => {
            eprintln!(
                "error: could not write the project at {}: {error}",
                dir.display()
            );
            ExitCode::FAILURE
        }
    }
}

/// `Ok(None)` asks for the usage text (`-h`/`--help`).
fn parse_args(args: &[String]) -> Result<Option<(PathBuf, GenOptions)>, String> {
    let mut opts = GenOptions::default();
    let mut dir = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let slot = match flag {
            "-h" | "--help" => return Ok(None),
            "--revisions" => &mut opts.revisions,
            "--branch-every" => &mut opts.branch_every,
            "--merge-after" => &mut opts.merge_after,
            _ if flag.starts_with('-') && flag != "-" => {
                return Err(format!("unknown option `{arg}`"));
            }
            _ => {
                if dir.replace(PathBuf::from(arg)).is_some() {
                    return Err(format!(
                        "unexpected argument `{arg}`: DIR was already given"
                    ));
                }
                continue;
            }
        };
        let value = match inline.or_else(|| args.next().cloned()) {
            Some(value) => value,
            None => return Err(format!("`{flag}` needs a number")),
        };
        *slot = value
            .parse()
            .map_err(|_| format!("`{flag}` needs a non-negative whole number, not `{value}`"))?;
    }
    match dir {
        Some(dir) => Ok(Some((dir, opts))),
        None => Err("missing DIR, the directory to write the project into".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<(PathBuf, GenOptions)>, String> {
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        parse_args(&args)
    }

    #[test]
    fn options_take_their_value_as_the_next_argument_or_after_an_equals_sign() {
        let parsed = parse(&[
            "--revisions",
            "120",
            "out",
            "--branch-every=10",
            "--merge-after",
            "4",
        ]);
        let expected = GenOptions {
            revisions: 120,
            branch_every: 10,
            merge_after: 4,
        };
        assert_eq!(parsed, Ok(Some((PathBuf::from("out"), expected))));
    }

    #[test]
    fn only_dir_is_required() {
        assert_eq!(
            parse(&["out"]),
            Ok(Some((PathBuf::from("out"), GenOptions::default())))
        );
        assert_eq!(parse(&["--help"]), Ok(None));
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        for (args, expected) in [
            (&[][..], "missing DIR"),
            (&["out", "--revisions"][..], "`--revisions` needs a number"),
            (&["out", "--revisions", "-5"][..], "not `-5`"),
            (&["out", "--merge-after", "x"][..], "not `x`"),
            (&["out", "--bogus", "1"][..], "unknown option `--bogus`"),
            (&["out", "again"][..], "DIR was already given"),
        ] {
            let error = parse(args).expect_err("usage error");
            assert!(error.contains(expected), "{args:?}: {error}");
        }
    }
}
