-- revision: 3a4feffbb7a1
-- revises: 0c90191dbca7
-- created: 2026-01-30 14:47:22+00:00
-- message: add posts

-- migrate:up
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    body TEXT NOT NULL
);

-- migrate:down
DROP TABLE posts;
