-- revision: c00000000019
-- revises: ba5e00000000
-- message: numeric widen

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE accounts ALTER COLUMN balance TYPE numeric(16, 2);
