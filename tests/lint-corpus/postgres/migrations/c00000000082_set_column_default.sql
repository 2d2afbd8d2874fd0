-- revision: c00000000082
-- revises: ba5e00000000
-- message: set column default

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending';
