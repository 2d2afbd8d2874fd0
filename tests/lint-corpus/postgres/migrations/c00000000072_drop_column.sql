-- revision: c00000000072
-- revises: ba5e00000000
-- message: drop column

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users DROP COLUMN bio;
