-- revision: c00000000017
-- revises: ba5e00000000
-- message: varchar widen

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ALTER COLUMN bio TYPE varchar(200);
