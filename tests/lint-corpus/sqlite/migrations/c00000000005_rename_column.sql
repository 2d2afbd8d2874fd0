-- revision: c00000000005
-- revises: ba5e00000000
-- message: rename column

-- migrate:up
ALTER TABLE users RENAME COLUMN name TO full_name;
