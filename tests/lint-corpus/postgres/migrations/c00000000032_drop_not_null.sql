-- revision: c00000000032
-- revises: ba5e00000000
-- message: drop not null

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
