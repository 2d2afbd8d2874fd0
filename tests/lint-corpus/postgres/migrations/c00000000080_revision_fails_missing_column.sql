-- revision: c00000000080
-- revises: ba5e00000000
-- message: revision fails missing column

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ALTER COLUMN no_such_column SET NOT NULL;
