-- revision: c00000000030
-- revises: c00000000029
-- message: status validate then set not null

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users VALIDATE CONSTRAINT users_status_not_null;
ALTER TABLE users ALTER COLUMN status SET NOT NULL, DROP CONSTRAINT users_status_not_null;
