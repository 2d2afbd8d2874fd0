-- revision: c00000000007
-- revises: ba5e00000000
-- message: index concurrently in transaction

-- migrate:up
CREATE INDEX CONCURRENTLY users_name_idx ON users (name);
