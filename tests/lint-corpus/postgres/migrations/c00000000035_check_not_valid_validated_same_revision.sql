-- revision: c00000000035
-- revises: ba5e00000000
-- message: check not valid validated same revision

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;
