-- revision: c00000000029
-- revises: ba5e00000000
-- message: status check not valid

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ADD CONSTRAINT users_status_not_null CHECK (status IS NOT NULL) NOT VALID;
