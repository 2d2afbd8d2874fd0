-- revision: c00000000006
-- revises: ba5e00000000
-- message: index table created here with rows

-- migrate:up
CREATE TABLE tags (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
INSERT INTO tags SELECT g, 'tag ' || g FROM generate_series(1, 100) AS g;
CREATE UNIQUE INDEX tags_name_uidx ON tags (name);
