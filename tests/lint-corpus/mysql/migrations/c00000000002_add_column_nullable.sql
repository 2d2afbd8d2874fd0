-- revision: c00000000002
-- revises: ba5e00000000
-- message: add column nullable

-- migrate:up
ALTER TABLE users ADD COLUMN nickname VARCHAR(100);
