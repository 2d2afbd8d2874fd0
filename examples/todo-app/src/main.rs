//! `todo-app [add TITLE… | done ID | list]`: migrates `DATABASE_URL` (default: `todo.db` beside
//! the app's Cargo.toml) on start-up, then adds, completes or lists todos.

use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("todo-app: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| todo_app::default_database_url());
    for id in todo_app::migrate(&url).await? {
        eprintln!("applied {id}");
    }
    let store = todo_app::Store::connect(&url).await?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("add") if args.len() > 1 => {
            let id = todo_app::add_todo(&store, &args[1..].join(" ")).await?;
            println!("added #{id}");
        }
        Some("done") if args.len() == 2 => {
            let id: i64 = args[1].parse()?;
            if !todo_app::complete_todo(&store, id).await? {
                return Err(format!("no todo #{id}").into());
            }
        }
        None | Some("list") => {
            for todo in todo_app::list_todos(&store).await? {
                let mark = if todo.done { 'x' } else { ' ' };
                println!("[{mark}] #{} {}", todo.id, todo.title);
            }
        }
        Some(_) => return Err("usage: todo-app [add TITLE… | done ID | list]".into()),
    }
    store.close().await;
    Ok(())
}
