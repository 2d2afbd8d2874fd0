-- revision: 6b39e1d4c8f0
-- revises: f4d27b80a96c
-- created: 2026-05-04 11:26:03+00:00
-- message: add loans

-- migrate:up
CREATE TABLE loans (
    id INTEGER PRIMARY KEY,
    book_id INTEGER NOT NULL REFERENCES books (id),
    reader_id INTEGER NOT NULL REFERENCES readers (id),
    borrower VARCHAR(200) NOT NULL,
    lent_on DATE NOT NULL,
    returned_on DATE
);
CREATE INDEX loans_reader_id ON loans (reader_id);

-- migrate:down
DROP INDEX loans_reader_id;
DROP TABLE loans;
