-- revision: c00000000022
-- revises: ba5e00000000
-- message: add column stable default

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT now();
