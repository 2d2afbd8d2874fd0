-- revision: c00000000059
-- revises: ba5e00000000
-- message: one alter two actions

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN nickname text, ADD COLUMN locale text;
