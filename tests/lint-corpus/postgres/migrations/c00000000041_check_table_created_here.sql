-- revision: c00000000041
-- revises: ba5e00000000
-- message: check table created here

-- migrate:up
CREATE TABLE tags (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
ALTER TABLE tags ADD CONSTRAINT tags_name_not_empty CHECK (name <> '');
