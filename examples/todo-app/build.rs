fn main() {
    // New revision files rebuild the app, so that `embed!()` picks them up.
    schema_build::watch_migrations();
}
