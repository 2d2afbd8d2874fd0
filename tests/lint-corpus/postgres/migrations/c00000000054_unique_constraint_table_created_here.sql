-- revision: c00000000054
-- revises: ba5e00000000
-- message: unique constraint table created here

-- migrate:up
CREATE TABLE tags (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
ALTER TABLE tags ADD CONSTRAINT tags_name_key UNIQUE (name);
