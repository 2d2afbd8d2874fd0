-- revision: c00000000069
-- revises: ba5e00000000
-- message: not null table created here

-- migrate:up
CREATE TABLE tags (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
ALTER TABLE tags ADD COLUMN slug text NOT NULL;
