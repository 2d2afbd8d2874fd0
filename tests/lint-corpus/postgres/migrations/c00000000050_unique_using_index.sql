-- revision: c00000000050
-- revises: c00000000049
-- message: unique using index

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_uidx;
