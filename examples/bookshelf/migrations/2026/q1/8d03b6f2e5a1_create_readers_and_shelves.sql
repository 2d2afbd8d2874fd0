-- revision: 8d03b6f2e5a1
-- revises: c27f4a8e1b90
-- created: 2026-01-27 11:03:52+00:00
-- message: create readers and shelves

-- migrate:up
CREATE TABLE readers (
    id INTEGER PRIMARY KEY,
    email VARCHAR(254) NOT NULL UNIQUE,
    display_name VARCHAR(100) NOT NULL,
    joined_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE shelves (
    id INTEGER PRIMARY KEY,
    reader_id INTEGER NOT NULL REFERENCES readers (id),
    name VARCHAR(100) NOT NULL,
    UNIQUE (reader_id, name)
);

CREATE TABLE shelf_books (
    shelf_id INTEGER NOT NULL REFERENCES shelves (id),
    book_id INTEGER NOT NULL REFERENCES books (id),
    added_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (shelf_id, book_id)
);

-- migrate:down
DROP TABLE shelf_books;
DROP TABLE shelves;
DROP TABLE readers;
