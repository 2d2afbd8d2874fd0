-- revision: c00000000070
-- revises: ba5e00000000
-- message: rename column

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users RENAME COLUMN name TO full_name;
