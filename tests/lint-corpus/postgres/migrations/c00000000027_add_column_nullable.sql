-- revision: c00000000027
-- revises: ba5e00000000
-- message: add column nullable

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN nickname text;
