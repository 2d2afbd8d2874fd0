fn main() {
    schema_build::watch_migrations();
}
