-- revision: c00000000066
-- revises: ba5e00000000
-- message: not null no default empty table

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE audit_log ADD COLUMN actor text NOT NULL;
