-- revision: c00000000079
-- revises: ba5e00000000
-- message: silenced not adjacent

-- migrate:up
-- lint: allow require-concurrent-index this comment is above the SET
SET lock_timeout = '5s';
CREATE INDEX products_sku_idx ON products (sku);
