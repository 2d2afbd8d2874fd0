-- revision: c00000000008
-- revises: ba5e00000000
-- message: set not null

-- migrate:up
ALTER TABLE users MODIFY name VARCHAR(100) NOT NULL;
