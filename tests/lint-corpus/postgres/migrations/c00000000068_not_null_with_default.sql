-- revision: c00000000068
-- revises: ba5e00000000
-- message: not null with default

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN team text NOT NULL DEFAULT 'none';
