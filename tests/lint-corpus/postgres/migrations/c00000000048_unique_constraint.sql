-- revision: c00000000048
-- revises: ba5e00000000
-- message: unique constraint

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
