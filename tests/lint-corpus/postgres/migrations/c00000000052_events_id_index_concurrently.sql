-- revision: c00000000052
-- revises: ba5e00000000
-- message: events id index concurrently

-- migrate:up transaction:false
SET lock_timeout = '5s';
CREATE UNIQUE INDEX CONCURRENTLY events_id_uidx ON events (id);
