-- revision: c00000000003
-- revises: ba5e00000000
-- message: index concurrently

-- migrate:up transaction:false
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY users_name_idx ON users (name);
