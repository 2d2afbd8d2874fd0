-- revision: c00000000007
-- revises: ba5e00000000
-- message: drop column

-- migrate:up
ALTER TABLE users DROP COLUMN bio;
