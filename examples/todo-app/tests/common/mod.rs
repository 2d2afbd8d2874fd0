//! What the "own rows" tests of every mode share.

use todo_app::{Store, Todo, add_todo, list_todos};

/// Adds `n` todos named after the test's database `name` (at `url`) and checks that the
/// database holds those and nothing else (no other test's rows, no rows from an earlier run).
pub async fn sees_only_its_own_rows(url: &str, name: &str, n: usize) {
    let store = Store::connect(url).await.expect("connect");
    assert_eq!(list_todos(&store).await.expect("list"), []);
    let mut expected = Vec::new();
    for i in 0..n {
        let title = format!("{name} #{i}");
        let id = add_todo(&store, &title).await.expect("add");
        expected.push(Todo {
            id,
            title,
            done: false,
        });
    }
    assert_eq!(list_todos(&store).await.expect("list"), expected);
    store.close().await;
}
