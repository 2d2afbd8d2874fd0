//! Offline mode: up --sql and down --sql through the real clients.
