-- revision: c00000000078
-- revises: ba5e00000000
-- message: silenced other rule

-- migrate:up
SET lock_timeout = '5s';
-- lint: allow drop-column not the rule this statement breaks
CREATE INDEX products_sku_idx ON products (sku);
