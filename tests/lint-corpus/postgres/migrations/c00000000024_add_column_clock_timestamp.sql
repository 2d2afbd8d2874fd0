-- revision: c00000000024
-- revises: ba5e00000000
-- message: add column clock timestamp

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN stamped_at timestamptz DEFAULT clock_timestamp();
