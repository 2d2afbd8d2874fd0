-- revision: c00000000044
-- revises: c00000000043
-- message: fk not valid indexed

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_product_fk FOREIGN KEY (product_id) REFERENCES products (id) NOT VALID;
