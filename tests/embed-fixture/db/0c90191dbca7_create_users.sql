-- revision: 0c90191dbca7
-- revises:
-- created: 2026-01-30 14:40:00+00:00
-- message: create users

-- migrate:up
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

-- migrate:down
DROP TABLE users;
