//! up, down, current, stamp and repair on the embedded SQLite database.
