-- revision: c27f4a8e1b90
-- revises: 5b1e0c9a7d43
-- created: 2026-01-12 16:41:37+00:00
-- message: create books

-- migrate:up
CREATE TABLE books (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES authors (id),
    title VARCHAR(300) NOT NULL,
    isbn VARCHAR(17) UNIQUE,
    published_year INTEGER
);

-- migrate:down
DROP TABLE books;
