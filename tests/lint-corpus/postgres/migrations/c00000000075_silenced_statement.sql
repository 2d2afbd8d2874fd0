-- revision: c00000000075
-- revises: ba5e00000000
-- message: silenced statement

-- migrate:up
SET lock_timeout = '5s';
-- lint: allow require-concurrent-index products has 100 rows and is written once a day
CREATE INDEX products_sku_idx ON products (sku);
