-- revision: c00000000039
-- revises: ba5e00000000
-- message: add column with check

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN discount integer CHECK (discount >= 0);
