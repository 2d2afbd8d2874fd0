-- revision: 8d4e0b6a21c7
-- revises: 5f1c2a9e7b30
-- created: 2026-11-27 09:10:00+00:00
-- message: index todos title

-- migrate:up
CREATE INDEX todos_title ON todos (title);

-- migrate:down
DROP INDEX todos_title;
