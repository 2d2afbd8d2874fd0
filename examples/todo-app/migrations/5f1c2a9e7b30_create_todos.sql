-- revision: 5f1c2a9e7b30
-- revises:
-- created: 2026-11-27 09:00:00+00:00
-- message: create todos

-- migrate:up
CREATE TABLE todos (
    id INTEGER PRIMARY KEY,
    title VARCHAR(200) NOT NULL,
    completed_at VARCHAR(40)
);

-- migrate:down
DROP TABLE todos;
