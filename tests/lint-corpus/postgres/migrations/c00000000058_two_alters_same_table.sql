-- revision: c00000000058
-- revises: ba5e00000000
-- message: two alters same table

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN nickname text;
ALTER TABLE users ADD COLUMN locale text;
