-- revision: c00000000031
-- revises: ba5e00000000
-- message: set not null table created here

-- migrate:up
CREATE TABLE tags (
    id bigint PRIMARY KEY,
    name text
);
ALTER TABLE tags ALTER COLUMN name SET NOT NULL;
