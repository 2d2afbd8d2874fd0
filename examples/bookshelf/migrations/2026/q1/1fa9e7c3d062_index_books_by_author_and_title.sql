-- revision: 1fa9e7c3d062
-- revises: 8d03b6f2e5a1
-- created: 2026-02-09 14:22:18+00:00
-- message: index books by author and title

-- migrate:up
CREATE INDEX books_author_id ON books (author_id);
CREATE INDEX books_title ON books (title);

-- migrate:down
-- MySQL spells this `DROP INDEX books_title ON books`; SQLite and PostgreSQL do not accept `ON`.
DROP INDEX books_title;
DROP INDEX books_author_id;
