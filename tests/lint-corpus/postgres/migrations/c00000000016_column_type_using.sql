-- revision: c00000000016
-- revises: ba5e00000000
-- message: column type using

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE products ALTER COLUMN sku TYPE text USING upper(sku);
