-- revision: c00000000015
-- revises: ba5e00000000
-- message: column type int to bigint

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders ALTER COLUMN total TYPE bigint;
