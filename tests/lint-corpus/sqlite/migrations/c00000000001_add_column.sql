-- revision: c00000000001
-- revises: ba5e00000000
-- message: add column

-- migrate:up
ALTER TABLE users ADD COLUMN nickname TEXT;
