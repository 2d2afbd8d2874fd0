-- revision: c00000000064
-- revises: ba5e00000000
-- message: new table no lock timeout

-- migrate:up
CREATE TABLE tags (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
CREATE INDEX tags_name_idx ON tags (name);
