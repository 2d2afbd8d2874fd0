use cargo_schema_e2e::TestProject;

#[test]
fn the_bundled_example_shows_its_history_with_the_merge() {
    let p = TestProject::bare();
    let manifest = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/bookshelf/Cargo.toml"
    );
    let out = p.run(&["--manifest-path", manifest, "history"]);
    out.success()
        .stdout_has("29c8b4f17e6d (head) seed demo reader")
        .stdout_has("(merge) merge reviews and tags")
        .stdout_has("|\\");
}
