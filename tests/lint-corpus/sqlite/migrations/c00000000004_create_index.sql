-- revision: c00000000004
-- revises: ba5e00000000
-- message: create index

-- migrate:up
CREATE INDEX users_name_idx ON users (name);
