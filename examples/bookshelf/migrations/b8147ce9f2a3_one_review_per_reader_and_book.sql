-- revision: b8147ce9f2a3
-- revises: 3e92d0a6c15b
-- created: 2026-04-16 17:05:13+00:00
-- message: one review per reader and book

-- migrate:up
CREATE UNIQUE INDEX reviews_reader_book ON reviews (reader_id, book_id);

-- migrate:down
DROP INDEX reviews_reader_book;
