-- revision: c00000000067
-- revises: ba5e00000000
-- message: not null no default with rows

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN team text NOT NULL;
