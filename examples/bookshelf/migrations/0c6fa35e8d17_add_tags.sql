-- revision: 0c6fa35e8d17
-- revises: 7a5c8f31b4de
-- created: 2026-04-14 13:12:26+00:00
-- message: add tags

-- migrate:up
CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name VARCHAR(50) NOT NULL UNIQUE
);

CREATE TABLE book_tags (
    book_id INTEGER NOT NULL REFERENCES books (id),
    tag_id INTEGER NOT NULL REFERENCES tags (id),
    PRIMARY KEY (book_id, tag_id)
);

INSERT INTO tags (id, name) VALUES
    (1, 'fantasy'),
    (2, 'science fiction'),
    (3, 'literary fiction'),
    (4, 'humour');

-- migrate:down
DROP TABLE book_tags;
DROP TABLE tags;
