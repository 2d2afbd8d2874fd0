-- revision: c00000000034
-- revises: ba5e00000000
-- message: check not valid

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;
