-- revision: c00000000014
-- revises: ba5e00000000
-- message: drop index table created here

-- migrate:up
CREATE TABLE tags (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
CREATE INDEX tags_name_idx ON tags (name);
DROP INDEX tags_name_idx;
