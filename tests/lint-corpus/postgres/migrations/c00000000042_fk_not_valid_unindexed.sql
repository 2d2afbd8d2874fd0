-- revision: c00000000042
-- revises: ba5e00000000
-- message: fk not valid unindexed

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_product_fk FOREIGN KEY (product_id) REFERENCES products (id) NOT VALID;
