-- revision: c00000000005
-- revises: ba5e00000000
-- message: add column stored generated

-- migrate:up
ALTER TABLE orders ADD COLUMN total_cents INT AS (total * 100) STORED;
