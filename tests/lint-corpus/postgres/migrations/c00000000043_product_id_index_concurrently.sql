-- revision: c00000000043
-- revises: ba5e00000000
-- message: product id index concurrently

-- migrate:up transaction:false
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY orders_product_id_idx ON orders (product_id);
