-- revision: c00000000013
-- revises: ba5e00000000
-- message: drop index concurrently

-- migrate:up transaction:false
SET lock_timeout = '5s';
DROP INDEX CONCURRENTLY orders_status_idx;
