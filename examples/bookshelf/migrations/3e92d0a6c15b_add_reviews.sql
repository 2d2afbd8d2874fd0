-- revision: 3e92d0a6c15b
-- revises: 7a5c8f31b4de
-- created: 2026-04-13 09:48:51+00:00
-- message: add reviews

-- migrate:up
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    book_id INTEGER NOT NULL REFERENCES books (id),
    reader_id INTEGER NOT NULL REFERENCES readers (id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX reviews_book_id ON reviews (book_id);

-- migrate:down
DROP INDEX reviews_book_id;
DROP TABLE reviews;
