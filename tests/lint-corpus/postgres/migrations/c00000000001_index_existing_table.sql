-- revision: c00000000001
-- revises: ba5e00000000
-- message: index existing table

-- migrate:up
SET lock_timeout = '5s';
CREATE INDEX users_name_idx ON users (name);
