-- revision: c00000000010
-- revises: ba5e00000000
-- message: new table fk indexed

-- migrate:up
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    body TEXT NOT NULL
);
CREATE INDEX comments_user_id_idx ON comments (user_id);
