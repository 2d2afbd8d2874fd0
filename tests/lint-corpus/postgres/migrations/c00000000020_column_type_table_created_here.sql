-- revision: c00000000020
-- revises: ba5e00000000
-- message: column type table created here

-- migrate:up
CREATE TABLE tags (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
ALTER TABLE tags ALTER COLUMN id TYPE numeric(20, 0);
