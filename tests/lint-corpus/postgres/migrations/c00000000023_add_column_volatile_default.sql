-- revision: c00000000023
-- revises: ba5e00000000
-- message: add column volatile default

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();
