-- revision: c00000000018
-- revises: ba5e00000000
-- message: varchar to text

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE accounts ALTER COLUMN kind TYPE text;
