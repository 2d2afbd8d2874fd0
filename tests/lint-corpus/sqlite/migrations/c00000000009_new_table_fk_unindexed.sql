-- revision: c00000000009
-- revises: ba5e00000000
-- message: new table fk unindexed

-- migrate:up
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    body TEXT NOT NULL
);
