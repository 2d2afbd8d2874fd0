-- revision: c00000000025
-- revises: ba5e00000000
-- message: add column bigserial

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE events ADD COLUMN seq bigserial;
