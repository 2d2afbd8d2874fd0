-- revision: 5b1e0c9a7d43
-- revises:
-- created: 2026-01-12 09:14:05+00:00
-- message: create authors

-- migrate:up
CREATE TABLE authors (
    id INTEGER PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    born_year INTEGER
);

-- migrate:down
DROP TABLE authors;
