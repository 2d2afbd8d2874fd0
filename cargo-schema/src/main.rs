//! `cargo schema`: the binary is glue; everything lives in the library and in `schema-core`.

fn main() {
    std::process::exit(cargo_schema::run(std::env::args_os()));
}
