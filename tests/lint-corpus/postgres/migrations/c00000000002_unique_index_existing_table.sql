-- revision: c00000000002
-- revises: ba5e00000000
-- message: unique index existing table

-- migrate:up
SET lock_timeout = '5s';
CREATE UNIQUE INDEX users_email_uidx ON users (email);
