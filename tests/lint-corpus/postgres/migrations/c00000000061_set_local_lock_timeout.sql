-- revision: c00000000061
-- revises: ba5e00000000
-- message: set local lock timeout

-- migrate:up
SET LOCAL lock_timeout = '3s';
ALTER TABLE users ADD COLUMN nickname text;
