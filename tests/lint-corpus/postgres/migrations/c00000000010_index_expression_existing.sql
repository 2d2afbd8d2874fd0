-- revision: c00000000010
-- revises: ba5e00000000
-- message: index expression existing

-- migrate:up
SET lock_timeout = '5s';
CREATE INDEX users_lower_email_idx ON users (lower(email));
