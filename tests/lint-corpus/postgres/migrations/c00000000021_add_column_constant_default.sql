-- revision: c00000000021
-- revises: ba5e00000000
-- message: add column constant default

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;
