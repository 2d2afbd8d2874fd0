-- revision: c00000000033
-- revises: ba5e00000000
-- message: check validated

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);
