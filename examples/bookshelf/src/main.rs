fn main() {
    println!("bookshelf: run `cargo schema up` to create the database, then `cargo schema history`");
}
