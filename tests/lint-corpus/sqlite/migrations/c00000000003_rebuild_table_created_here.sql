-- revision: c00000000003
-- revises: ba5e00000000
-- message: rebuild table created here

-- migrate:up
CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    n TEXT
);
CREATE TABLE tags_new (
    id INTEGER PRIMARY KEY,
    n TEXT NOT NULL DEFAULT ''
);
INSERT INTO tags_new SELECT id, coalesce(n, '') FROM tags;
DROP TABLE tags;
ALTER TABLE tags_new RENAME TO tags;
