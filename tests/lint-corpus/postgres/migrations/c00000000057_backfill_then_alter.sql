-- revision: c00000000057
-- revises: ba5e00000000
-- message: backfill then alter

-- migrate:up
SET lock_timeout = '5s';
UPDATE orders SET note = 'legacy' WHERE note IS NULL;
ALTER TABLE users ADD COLUMN nickname text;
