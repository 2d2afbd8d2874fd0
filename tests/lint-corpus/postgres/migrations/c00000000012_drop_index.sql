-- revision: c00000000012
-- revises: ba5e00000000
-- message: drop index

-- migrate:up
SET lock_timeout = '5s';
DROP INDEX orders_status_idx;
