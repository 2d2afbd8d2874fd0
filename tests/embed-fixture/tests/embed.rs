//! `schema_core::embed!()` against a real package: `[package.metadata.schema] migrations = "db"`.

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::test]
async fn embedded_revisions_apply_once() -> Result {
    let files = schema_core::embed!();
    let m = schema_core::Migrator::from_embedded(files)?;
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let first = m.run(&url).await?;
    assert_eq!(first.steps.len(), 2);
    assert!(m.run(&url).await?.steps.is_empty());
    Ok(())
}

#[test]
fn the_configured_directory_and_an_explicit_one_give_the_same_files() {
    let files = schema_core::embed!();
    let names: Vec<&str> = files.iter().map(|(path, _)| *path).collect();
    assert_eq!(
        names,
        [
            "db/0c90191dbca7_create_users.sql",
            "db/later/3a4feffbb7a1_add_posts.sql",
        ]
    );
    assert!(files[1].1.contains("-- revises: 0c90191dbca7"));
    assert_eq!(files, schema_core::embed!("db"));
    assert_eq!(files, schema_core::embed!("db",));
    assert_eq!(files, embed_fixture::MIGRATIONS);
}
