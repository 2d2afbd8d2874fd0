-- revision: c00000000028
-- revises: ba5e00000000
-- message: set not null

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ALTER COLUMN name SET NOT NULL;
