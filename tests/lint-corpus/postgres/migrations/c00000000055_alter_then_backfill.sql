-- revision: c00000000055
-- revises: ba5e00000000
-- message: alter then backfill

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN nickname text;
UPDATE users SET nickname = name;
