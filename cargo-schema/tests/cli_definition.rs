//! The clap definitions are consistent (and building this test makes cargo build the binary
//! that the end-to-end tests in `tests/` run).

use clap::CommandFactory;

#[test]
fn the_argument_definitions_are_valid() {
    cargo_schema::cli::Cli::command().debug_assert();
}
